//! Encounters → the visits list, newest first.

use crate::fhir::date::FhirDate;
use crate::fhir::entries::{Entries, Place, read_entries};
use crate::fhir::{concept_text, non_empty, reason_text, reference_display};
use serde_json::Value;

#[derive(Clone, Debug, PartialEq)]
pub struct Visit {
    /// How the item is referred to (`Condition/c1`), for a message about it.
    pub reference: Option<String>,
    pub kind: String,
    pub what: Option<String>,
    pub start: Option<(String, f64)>,
    pub end: Option<(String, f64)>,
    pub status: Option<&'static str>,
    pub location: Option<String>,
    pub reason: Option<String>,
    pub clinician: Option<String>,
    pub provider: Option<String>,
}

fn class_words(class: &Value) -> Option<String> {
    let code = class["code"].as_str().unwrap_or_default();
    let words = match code {
        "AMB" => "Outpatient visit",
        "IMP" | "ACUTE" | "NONAC" => "Hospital stay",
        "EMER" => "Emergency department",
        "VR" => "Online or phone appointment",
        "HH" => "Home visit",
        "OBSENC" => "Observation stay",
        "PRENC" => "Pre-admission",
        "SS" => "Day case",
        _ => return non_empty(&class["display"]),
    };
    Some(words.into())
}

/// One list, newest first.
pub fn build(resources: &[Value]) -> Entries<Visit> {
    let mut list = read_entries(resources, &["Encounter"], |r| {
        let status = match r["status"].as_str().unwrap_or_default() {
            "planned" => Some("Planned"),
            "arrived" | "triaged" | "in-progress" => Some("In progress"),
            "onleave" => Some("On leave"),
            "cancelled" => Some("Cancelled"),
            _ => None,
        };
        let visit = Visit {
            reference: crate::fhir::reference::of(r),
            kind: class_words(&r["class"]).unwrap_or_else(|| "Visit".into()),
            what: r["type"]
                .as_array()
                .and_then(|a| a.iter().find_map(concept_text)),
            start: FhirDate::moment(&r["period"]["start"]),
            end: FhirDate::moment(&r["period"]["end"]),
            status,
            location: r["location"]
                .as_array()
                .and_then(|a| a.iter().find_map(|l| reference_display(&l["location"]))),
            reason: reason_text(r),
            clinician: r["participant"]
                .as_array()
                .and_then(|a| a.iter().find_map(|p| reference_display(&p["individual"]))),
            provider: reference_display(&r["serviceProvider"]),
        };
        Some((Place::Current, visit))
    });
    let at = |v: &Visit| v.start.as_ref().map_or(f64::MIN, |(_, ms)| *ms);
    list.sort_by(|a, b| at(b).total_cmp(&at(a)));
    list
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_class_type_period_place_and_reason() {
        let list = build(&[
            json!({"resourceType": "Encounter", "status": "finished", "class": {"code": "EMER"},
                "period": {"start": "2024-01-02T22:00:00Z", "end": "2024-01-03T02:00:00Z"},
                "reasonCode": [{"text": "Chest pain"}], "location": [{"location": {"display": "A&E"}}]}),
            json!({"resourceType": "Encounter", "status": "finished", "class": {"code": "XYZ", "display": "Something local"},
                "type": [{"coding": [{"display": "Check-up"}]}], "period": {"start": "2025-01-01"}}),
            json!({"resourceType": "Encounter", "status": "entered-in-error"}),
        ]);
        assert_eq!(list.current.len(), 2);
        assert_eq!(list.current[0].kind, "Something local");
        assert_eq!(list.current[1].kind, "Emergency department");
        assert_eq!(list.current[1].reason.as_deref(), Some("Chest pain"));
        assert_eq!(list.current[1].location.as_deref(), Some("A&E"));
    }
}
