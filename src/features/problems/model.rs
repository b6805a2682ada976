//! Conditions → current and past problems.

use crate::fhir::clinical_status::ClinicalStatus;
use crate::fhir::date::FhirDate;
use crate::fhir::entries::{Entries, read_entries};
use crate::fhir::{concept_text, first_date, notes, when_text};
use serde_json::Value;

#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    /// How the item is referred to (`Condition/c1`), for a message about it.
    pub reference: Option<String>,
    pub name: String,
    pub status: ClinicalStatus,
    pub since: Option<String>,
    pub ended: Option<String>,
    pub recorded: Option<FhirDate>,
    pub severity: Option<String>,
    pub body_site: Option<String>,
    pub notes: Vec<String>,
}

pub fn build(resources: &[Value], locale: &str) -> Entries<Problem> {
    let mut list = read_entries(resources, &["Condition"], |r| {
        let ended = when_text(r, "abatement", locale);
        let status = ClinicalStatus::of(r, ended.is_some());
        let problem = Problem {
            reference: crate::fhir::reference::of(r),
            name: concept_text(&r["code"]).unwrap_or_else(|| "Problem not named".into()),
            status,
            since: when_text(r, "onset", locale),
            ended,
            recorded: first_date(r, &[&["recordedDate"]]),
            severity: concept_text(&r["severity"]),
            body_site: r["bodySite"]
                .as_array()
                .and_then(|a| a.iter().find_map(concept_text)),
            notes: notes(r),
        };
        Some((status.place(), problem))
    });
    list.sort_by(|a, b| b.recorded.cmp(&a.recorded));
    list
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn splits_current_from_past_in_every_onset_form() {
        let list = build(
            &[
                json!({"resourceType": "Condition", "clinicalStatus": {"coding": [{"code": "active"}]},
                    "code": {"text": "Asthma"}, "onsetAge": {"value": 7}}),
                json!({"resourceType": "Condition", "code": {"coding": [{"display": "Fractured wrist"}]},
                    "onsetDateTime": "2019-02", "abatementString": "After six weeks"}),
                json!({"resourceType": "Condition", "verificationStatus": {"coding": [{"code": "entered-in-error"}]}}),
                json!({"resourceType": "Condition", "verificationStatus": {"coding": [{"code": "provisional"}]}, "code": {"text": "Migraine"}}),
                json!({"resourceType": "Patient"}),
            ],
            "en-GB",
        );
        let current: Vec<(&str, &str)> = list
            .current
            .iter()
            .map(|p| (p.name.as_str(), p.status.words()))
            .collect();
        assert!(current.contains(&("Asthma", "Active")));
        assert!(current.contains(&("Migraine", "Suspected")));
        assert_eq!(list.past[0].name, "Fractured wrist");
        assert_eq!(list.past[0].since.as_deref(), Some("February 2019"));
        assert_eq!(list.past[0].ended.as_deref(), Some("After six weeks"));
        assert_eq!(list.unreadable, 1);
    }
}
