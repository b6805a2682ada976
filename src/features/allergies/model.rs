//! AllergyIntolerance resources → what the allergies screen shows, in plain words.

use crate::fhir::clinical_status::ClinicalStatus;
use crate::fhir::date::FhirDate;
use crate::fhir::entries::{Entries, read_entries};
use crate::fhir::{concept_text, first_code, non_empty, notes, when_text};
use serde_json::Value;

#[derive(Clone, Debug, PartialEq)]
pub struct Reaction {
    pub manifestations: String,
    pub severity: Option<&'static str>,
    pub description: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Allergy {
    pub id: String,
    pub substance: String,
    /// "Allergy" or "Intolerance", where recorded.
    pub kind: Option<&'static str>,
    pub categories: Vec<&'static str>,
    pub criticality: Option<&'static str>,
    pub high_risk: bool,
    pub status: ClinicalStatus,
    pub verification: Option<&'static str>,
    pub reactions: Vec<Reaction>,
    pub recorded: Option<FhirDate>,
    pub onset: Option<String>,
    pub notes: Vec<String>,
}

impl Allergy {
    /// "Allergy · Food, Medicine", as much of it as was recorded.
    pub fn type_text(&self) -> Option<String> {
        match (self.kind, self.categories.is_empty()) {
            (Some(k), false) => Some(format!("{k} · {}", self.categories.join(", "))),
            (Some(k), true) => Some(k.to_string()),
            (None, false) => Some(self.categories.join(", ")),
            (None, true) => None,
        }
    }

    /// Each reaction in a line: "Hives, wheeze (severe)".
    pub fn reaction_lines(&self) -> Vec<String> {
        self.reactions
            .iter()
            .map(|r| {
                let what = if r.manifestations.is_empty() {
                    r.description.clone().unwrap_or_default()
                } else {
                    r.manifestations.clone()
                };
                match r.severity {
                    Some(s) => format!("{what} ({})", s.to_lowercase()),
                    None => what,
                }
            })
            .collect()
    }

    /// "Active · Confirmed": how sure the record is matters only while it applies.
    pub fn status_text(&self) -> String {
        match self.verification {
            Some(v) if self.status == ClinicalStatus::Active => {
                format!("{} · {v}", self.status.words())
            }
            _ => self.status.words().to_string(),
        }
    }
}

pub fn build(resources: &[Value], locale: &str) -> Entries<Allergy> {
    let mut list = read_entries(resources, &["AllergyIntolerance"], |r| {
        let allergy = read_allergy(r, locale);
        Some((allergy.status.place(), allergy))
    });
    // Highest risk first, then newest.
    list.current.sort_by(|a, b| {
        b.high_risk
            .cmp(&a.high_risk)
            .then_with(|| b.recorded.cmp(&a.recorded))
    });
    list.past.sort_by(|a, b| b.recorded.cmp(&a.recorded));
    list
}

fn read_allergy(r: &Value, locale: &str) -> Allergy {
    let verification = first_code(&r["verificationStatus"]);
    let status = ClinicalStatus::of(r, false);
    let substance = concept_text(&r["code"])
        .or_else(|| {
            r["reaction"]
                .as_array()?
                .iter()
                .find_map(|x| concept_text(&x["substance"]))
        })
        .unwrap_or_else(|| "Substance not recorded".into());
    let categories = r["category"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| match c.as_str()? {
            "food" => Some("Food"),
            "medication" => Some("Medicine"),
            "environment" => Some("Environment"),
            "biologic" => Some("Biological product"),
            _ => None,
        })
        .collect();
    let criticality = match r["criticality"].as_str() {
        Some("high") => Some("High risk"),
        Some("low") => Some("Low risk"),
        Some("unable-to-assess") => Some("Risk not known"),
        _ => None,
    };
    let reactions = r["reaction"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|x| Reaction {
            manifestations: x["manifestation"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(concept_text)
                .collect::<Vec<_>>()
                .join(", "),
            severity: match x["severity"].as_str() {
                Some("mild") => Some("Mild"),
                Some("moderate") => Some("Moderate"),
                Some("severe") => Some("Severe"),
                _ => None,
            },
            description: non_empty(&x["description"]),
        })
        .filter(|x| !x.manifestations.is_empty() || x.description.is_some())
        .collect();
    Allergy {
        id: r["id"].as_str().unwrap_or_default().to_string(),
        substance,
        kind: match r["type"].as_str() {
            Some("allergy") => Some("Allergy"),
            Some("intolerance") => Some("Intolerance"),
            _ => None,
        },
        categories,
        high_risk: r["criticality"] == "high",
        criticality,
        status,
        verification: match verification {
            Some("unconfirmed") => Some("Not confirmed"),
            Some("presumed") => Some("Presumed"),
            Some("confirmed") => Some("Confirmed"),
            _ => None,
        },
        reactions,
        recorded: r["recordedDate"].as_str().and_then(FhirDate::parse),
        onset: when_text(r, "onset", locale),
        notes: notes(r),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn allergy(extra: Value) -> Value {
        let mut base = json!({"resourceType": "AllergyIntolerance", "id": "a"});
        base.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        base
    }

    #[test]
    fn reads_a_full_record_in_plain_words() {
        let r = allergy(json!({
            "clinicalStatus": {"coding": [{"code": "active"}]},
            "verificationStatus": {"coding": [{"code": "confirmed"}]},
            "type": "allergy", "category": ["medication"], "criticality": "high",
            "code": {"coding": [{"display": "Penicillin G"}]},
            "recordedDate": "2014-10-09T14:58:00+11:00",
            "onsetDateTime": "2004",
            "reaction": [{"manifestation": [{"text": "Hives"}, {"coding": [{"display": "Wheeze"}]}], "severity": "severe"}],
            "note": [{"text": "Carries a card"}]
        }));
        let list = build(&[r], "en-GB");
        let a = &list.current[0];
        assert_eq!(a.substance, "Penicillin G");
        assert_eq!(
            (a.kind, a.categories.clone()),
            (Some("Allergy"), vec!["Medicine"])
        );
        assert_eq!((a.criticality, a.high_risk), (Some("High risk"), true));
        assert_eq!(a.reactions[0].manifestations, "Hives, Wheeze");
        assert_eq!(a.reactions[0].severity, Some("Severe"));
        assert_eq!(
            a.recorded.as_ref().unwrap().display("en-GB"),
            "9 October 2014"
        );
        assert_eq!(a.onset.as_deref(), Some("2004"));
        assert_eq!(a.notes, vec!["Carries a card"]);
    }

    #[test]
    fn hides_entered_in_error_and_separates_past_allergies() {
        let list = build(
            &[
                allergy(
                    json!({"verificationStatus": {"coding": [{"code": "entered-in-error"}]}, "code": {"text": "Aspirin"}}),
                ),
                allergy(
                    json!({"clinicalStatus": {"coding": [{"code": "resolved"}]}, "code": {"text": "Latex"}}),
                ),
                allergy(
                    json!({"verificationStatus": {"coding": [{"code": "refuted"}]}, "code": {"text": "Egg"}}),
                ),
                allergy(json!({"code": {"text": "Dust"}})),
            ],
            "en-GB",
        );
        let names = |v: &[Allergy]| v.iter().map(|a| a.substance.clone()).collect::<Vec<_>>();
        assert_eq!(names(&list.current), ["Dust"]);
        assert_eq!(names(&list.past), ["Latex", "Egg"]);
        assert_eq!(list.past[1].status_text(), "Ruled out");
    }

    #[test]
    fn survives_sparse_and_foreign_entries() {
        let list = build(
            &[
                allergy(json!({})),
                json!({"resourceType": "Observation"}),
                json!("junk"),
                allergy(json!({"onsetAge": {"value": 4}, "reaction": [{"manifestation": []}]})),
            ],
            "en-GB",
        );
        assert_eq!(list.current.len(), 2);
        assert_eq!(list.current[0].substance, "Substance not recorded");
        assert!(list.current[1].reactions.is_empty());
        assert_eq!(list.current[1].onset.as_deref(), Some("At age 4"));
        assert_eq!(list.unreadable, 2);
    }

    #[test]
    fn puts_high_risk_first() {
        let list = build(
            &[
                allergy(
                    json!({"code": {"text": "Low"}, "criticality": "low", "recordedDate": "2024"}),
                ),
                allergy(
                    json!({"code": {"text": "High"}, "criticality": "high", "recordedDate": "2001"}),
                ),
            ],
            "en-GB",
        );
        assert_eq!(list.current[0].substance, "High");
    }
}
