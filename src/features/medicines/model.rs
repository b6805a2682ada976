//! MedicationRequest and MedicationStatement → current and past medicines.

use crate::fhir::date::FhirDate;
use crate::fhir::entries::{Entries, Place, read_entries};
use crate::fhir::reference::{Resources, type_and_id};
use crate::fhir::value::{number_text, quantity_text};
use crate::fhir::{concept_text, first_date, non_empty, notes, reason_text, reference_display};
use serde_json::Value;

#[derive(Clone, Debug, PartialEq)]
pub struct Medicine {
    /// How the item is referred to (`Condition/c1`), for a message about it.
    pub reference: Option<String>,
    pub name: String,
    pub instructions: Option<String>,
    pub started: Option<FhirDate>,
    pub ended: Option<FhirDate>,
    pub prescriber: Option<String>,
    pub status: Status,
    pub reason: Option<String>,
    /// "Prescribed" (a request) or "Reported" (a statement of what is taken).
    pub source: Source,
    pub notes: Vec<String>,
}

/// `Medication/<id>` references that are neither contained nor fetched yet: fetch these first.
pub fn referenced_medications<'a>(resources: impl IntoIterator<Item = &'a Value>) -> Vec<String> {
    let mut ids: Vec<String> = resources
        .into_iter()
        .filter_map(|r| r["medicationReference"]["reference"].as_str())
        .filter(|r| !r.starts_with('#'))
        .filter_map(type_and_id)
        .filter(|r| r.starts_with("Medication/"))
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

fn medicine_name(r: &Value, store: &Resources) -> String {
    if let Some(name) = concept_text(&r["medicationCodeableConcept"]) {
        return name;
    }
    let reference = &r["medicationReference"];
    store
        .resolve(r, reference)
        .and_then(|m| concept_text(&m["code"]))
        .or_else(|| reference_display(reference))
        .unwrap_or_else(|| "Medicine name not recorded".into())
}

/// A dosage in words: its text, else what its parts say (`1 tablet, 2 times a day`).
fn dosage_text(d: &Value) -> Option<String> {
    if let Some(t) = non_empty(&d["text"]).or_else(|| non_empty(&d["patientInstruction"])) {
        return Some(t);
    }
    let dose = d["doseAndRate"]
        .as_array()
        .and_then(|a| a.first())
        .and_then(|dr| quantity_text(&dr["doseQuantity"]));
    let repeat = &d["timing"]["repeat"];
    let often = match (
        number_text(&repeat["frequency"]),
        number_text(&repeat["period"]),
        repeat["periodUnit"].as_str(),
    ) {
        (Some(f), Some(p), Some(u)) => {
            let unit = match u {
                "h" => "hour",
                "d" => "day",
                "wk" => "week",
                "mo" => "month",
                "min" => "minute",
                _ => u,
            };
            let times = if f == "1" {
                "once".to_string()
            } else {
                format!("{f} times")
            };
            Some(if p == "1" {
                format!("{times} a {unit}")
            } else {
                format!("{times} every {p} {unit}s")
            })
        }
        _ => concept_text(&d["timing"]["code"]),
    };
    let route = concept_text(&d["route"]).map(|r| r.to_lowercase());
    let parts: Vec<String> = [dose, often, route.map(|r| format!("by {r}"))]
        .into_iter()
        .flatten()
        .collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

fn instructions(list: &Value) -> Option<String> {
    let texts: Vec<String> = list.as_array()?.iter().filter_map(dosage_text).collect();
    (!texts.is_empty()).then(|| texts.join("; "))
}

/// Where a medicine came from: a prescription, or the patient's own report of taking it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Source {
    Prescription,
    Reported,
}

impl Source {
    pub fn words(self) -> &'static str {
        match self {
            Self::Prescription => "Prescription",
            Self::Reported => "Reported as taken",
        }
    }
}

/// Where a medicine stands, from a MedicationRequest's or a MedicationStatement's status.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Status {
    Active,
    Taking,
    GoingToTake,
    OnHold,
    NotStartedYet,
    Finished,
    Stopped,
    Cancelled,
    NotTaken,
    /// No status at all: still listed as current, since nothing says it stopped.
    NotRecorded,
    Unknown,
}

impl Status {
    fn of(source: Source, code: &str) -> Self {
        match (source, code) {
            (_, "") => Self::NotRecorded,
            (Source::Prescription, "active") => Self::Active,
            (Source::Reported, "active") => Self::Taking,
            (Source::Reported, "intended") => Self::GoingToTake,
            (_, "on-hold") => Self::OnHold,
            (Source::Prescription, "draft") => Self::NotStartedYet,
            (_, "completed") => Self::Finished,
            (_, "stopped") => Self::Stopped,
            (Source::Prescription, "cancelled") => Self::Cancelled,
            (Source::Reported, "not-taken") => Self::NotTaken,
            _ => Self::Unknown,
        }
    }

    pub fn words(self) -> &'static str {
        match self {
            Self::Active => "Active",
            Self::Taking => "Taking",
            Self::GoingToTake => "Going to take",
            Self::OnHold => "On hold",
            Self::NotStartedYet => "Not started yet",
            Self::Finished => "Finished",
            Self::Stopped => "Stopped",
            Self::Cancelled => "Cancelled",
            Self::NotTaken => "Not taken",
            Self::NotRecorded | Self::Unknown => "Status not known",
        }
    }

    fn place(self) -> Place {
        match self {
            Self::Active
            | Self::Taking
            | Self::GoingToTake
            | Self::OnHold
            | Self::NotStartedYet
            | Self::NotRecorded => Place::Current,
            Self::Finished | Self::Stopped | Self::Cancelled | Self::NotTaken | Self::Unknown => {
                Place::Past
            }
        }
    }
}

/// Current medicines by name, past ones most recently ended first.
pub fn build<'a>(
    resources: impl IntoIterator<Item = &'a Value>,
    store: &Resources,
) -> Entries<Medicine> {
    let types = ["MedicationRequest", "MedicationStatement"];
    let mut list = read_entries(resources, &types, |r| {
        let source = match r["resourceType"].as_str() {
            Some("MedicationRequest") => Source::Prescription,
            _ => Source::Reported,
        };
        let status = Status::of(source, r["status"].as_str().unwrap_or(""));
        let is_request = source == Source::Prescription;
        let medicine = Medicine {
            reference: crate::fhir::reference::of(r),
            name: medicine_name(r, store),
            instructions: instructions(if is_request {
                &r["dosageInstruction"]
            } else {
                &r["dosage"]
            }),
            started: first_date(
                r,
                &[
                    &["effectivePeriod", "start"],
                    &["effectiveDateTime"],
                    &["dispenseRequest", "validityPeriod", "start"],
                    &["authoredOn"],
                    &["dateAsserted"],
                ],
            ),
            ended: first_date(
                r,
                &[
                    &["effectivePeriod", "end"],
                    &["dispenseRequest", "validityPeriod", "end"],
                ],
            ),
            prescriber: reference_display(&r["requester"])
                .or_else(|| store.resolve(r, &r["requester"]).and_then(person_name))
                .or_else(|| reference_display(&r["informationSource"])),
            status,
            reason: reason_text(r),
            source,
            notes: notes(r),
        };
        Some((status.place(), medicine))
    });
    list.current.sort_by_key(|a| a.name.to_lowercase());
    list.past.sort_by(|a, b| {
        b.ended
            .clone()
            .or(b.started.clone())
            .cmp(&a.ended.clone().or(a.started.clone()))
    });
    list
}

/// A Practitioner's name, when the requester is one we have.
fn person_name(p: &Value) -> Option<String> {
    let name = p["name"].as_array()?.first()?;
    non_empty(&name["text"]).or_else(|| {
        let parts: Vec<&str> = name["prefix"]
            .as_array()
            .into_iter()
            .flatten()
            .chain(name["given"].as_array().into_iter().flatten())
            .chain(std::iter::once(&name["family"]))
            .filter_map(Value::as_str)
            .collect();
        (!parts.is_empty()).then(|| parts.join(" "))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_requests_and_statements_in_every_medication_form() {
        let contained = json!({"resourceType": "MedicationRequest", "status": "active",
            "contained": [{"resourceType": "Medication", "id": "m", "code": {"coding": [{"display": "Warfarin 1 mg"}]}}],
            "medicationReference": {"reference": "#m"},
            "dosageInstruction": [{"doseAndRate": [{"doseQuantity": {"value": 1, "unit": "tablet"}}],
                "timing": {"repeat": {"frequency": 2, "period": 1, "periodUnit": "d"}}, "route": {"text": "Mouth"}}],
            "authoredOn": "2024-01-01", "requester": {"display": "Dr Shah"}});
        let fetched = json!({"resourceType": "MedicationStatement", "status": "completed",
            "medicationReference": {"reference": "Medication/x"},
            "effectivePeriod": {"start": "2020-01", "end": "2020-03"}, "dosage": [{"text": "One at night"}]});
        let display_only = json!({"resourceType": "MedicationRequest", "status": "stopped",
            "medicationReference": {"reference": "Medication/gone", "display": "Ramipril"}});
        let medication =
            json!({"resourceType": "Medication", "id": "x", "code": {"text": "Sertraline 50 mg"}});
        let all = [contained, fetched, display_only];
        assert_eq!(
            referenced_medications(&all),
            ["Medication/gone", "Medication/x"]
        );
        let list = build(&all, &Resources::new(&[medication]));
        assert_eq!(list.current.len(), 1);
        let warfarin = &list.current[0];
        assert_eq!(warfarin.name, "Warfarin 1 mg");
        assert_eq!(
            warfarin.instructions.as_deref(),
            Some("1 tablet, 2 times a day, by mouth")
        );
        assert_eq!(warfarin.prescriber.as_deref(), Some("Dr Shah"));
        let past: Vec<(&str, &str)> = list
            .past
            .iter()
            .map(|m| (m.name.as_str(), m.status.words()))
            .collect();
        assert!(past.contains(&("Sertraline 50 mg", "Finished")));
        assert!(past.contains(&("Ramipril", "Stopped")));
    }

    #[test]
    fn hides_errors_and_counts_strangers() {
        let list = build(
            &[
                json!({"resourceType": "MedicationRequest", "status": "entered-in-error", "medicationCodeableConcept": {"text": "X"}}),
                json!({"resourceType": "Observation"}),
                json!({"resourceType": "MedicationRequest"}),
            ],
            &Resources::default(),
        );
        assert_eq!(list.unreadable, 1);
        assert_eq!(list.current.len(), 1);
        assert_eq!(list.current[0].name, "Medicine name not recorded");
    }
}
