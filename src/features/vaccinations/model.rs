//! Immunizations → vaccines given (and not given), newest first.

use crate::fhir::date::FhirDate;
use crate::fhir::entries::{Entries, Place, read_entries};
use crate::fhir::{concept_text, first_date, non_empty, notes, reference_display};
use serde_json::Value;

#[derive(Clone, Debug, PartialEq)]
pub struct Vaccination {
    /// How the item is referred to (`Condition/c1`), for a message about it.
    pub reference: Option<String>,
    pub vaccine: String,
    pub date: Option<FhirDate>,
    /// When only a description of the time was recorded (`occurrenceString`).
    pub when_text: Option<String>,
    pub dose: Option<String>,
    pub given: bool,
    pub not_given_reason: Option<String>,
    pub given_by: Option<String>,
    pub place: Option<String>,
    pub notes: Vec<String>,
}

fn dose(r: &Value) -> Option<String> {
    let applied = r["protocolApplied"].as_array()?.first()?;
    let number = applied["doseNumberPositiveInt"]
        .as_u64()
        .map(|n| n.to_string())
        .or_else(|| non_empty(&applied["doseNumberString"]))?;
    let of = applied["seriesDosesPositiveInt"]
        .as_u64()
        .map(|n| n.to_string())
        .or_else(|| non_empty(&applied["seriesDosesString"]));
    Some(match of {
        Some(total) => format!("Dose {number} of {total}"),
        None => format!("Dose {number}"),
    })
}

/// One list, newest first: a vaccination given long ago still protects.
pub fn build(resources: &[Value]) -> Entries<Vaccination> {
    let mut list = read_entries(resources, &["Immunization"], |r| {
        let given = r["status"] != "not-done";
        let vaccination = Vaccination {
            reference: crate::fhir::reference::of(r),
            vaccine: concept_text(&r["vaccineCode"]).unwrap_or_else(|| "Vaccine not named".into()),
            date: first_date(r, &[&["occurrenceDateTime"], &["recorded"]]),
            when_text: non_empty(&r["occurrenceString"]),
            dose: dose(r),
            given,
            not_given_reason: (!given).then(|| concept_text(&r["statusReason"])).flatten(),
            given_by: r["performer"]
                .as_array()
                .and_then(|a| a.iter().find_map(|p| reference_display(&p["actor"]))),
            place: reference_display(&r["location"]),
            notes: notes(r),
        };
        Some((Place::Current, vaccination))
    });
    list.sort_by(|a, b| b.date.cmp(&a.date));
    list
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_doses_and_vaccines_not_given() {
        let list = build(&[
            json!({"resourceType": "Immunization", "status": "completed", "vaccineCode": {"text": "COVID-19"},
                "occurrenceDateTime": "2021-03-01", "protocolApplied": [{"doseNumberPositiveInt": 2, "seriesDosesPositiveInt": 2}]}),
            json!({"resourceType": "Immunization", "status": "not-done", "vaccineCode": {"coding": [{"display": "Flu"}]},
                "occurrenceString": "Autumn 2022", "statusReason": {"text": "Unwell on the day"}}),
            json!({"resourceType": "Immunization", "status": "entered-in-error"}),
        ]);
        assert_eq!(list.current.len(), 2);
        assert_eq!(list.current[0].dose.as_deref(), Some("Dose 2 of 2"));
        let flu = &list.current[1];
        assert!(!flu.given);
        assert_eq!(flu.not_given_reason.as_deref(), Some("Unwell on the day"));
        assert_eq!(flu.when_text.as_deref(), Some("Autumn 2022"));
    }
}
