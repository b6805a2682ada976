//! What a record item is, in the words the record shows for it ("Asthma", "Haemoglobin"), for
//! the places that name an item outside the record: a message about it.

use serde_json::Value;

/// A CodeableConcept in words: its text, or its first coding's display.
pub fn concept_text(concept: &Value) -> Option<&str> {
    concept["text"]
        .as_str()
        .or_else(|| concept["coding"][0]["display"].as_str())
        .filter(|t| !t.trim().is_empty())
}

/// The item's name, if it has one in words.
pub fn item_name<'a>(resource_type: &str, resource: &'a Value) -> Option<&'a str> {
    let words = |field: &str| resource[field].as_str().filter(|t| !t.trim().is_empty());
    match resource_type {
        "MedicationRequest" | "MedicationStatement" => {
            concept_text(&resource["medicationCodeableConcept"])
                .or_else(|| resource["medicationReference"]["display"].as_str())
        }
        "Immunization" => concept_text(&resource["vaccineCode"]),
        "Encounter" => {
            concept_text(&resource["type"][0]).or_else(|| concept_text(&resource["serviceType"]))
        }
        "Appointment" => concept_text(&resource["serviceType"][0]).or_else(|| words("description")),
        "DocumentReference" => words("description").or_else(|| concept_text(&resource["type"])),
        _ => concept_text(&resource["code"]),
    }
    .map(str::trim)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn items_are_named_as_the_record_names_them() {
        let condition = json!({"code": {"coding": [{"display": "Asthma"}]}});
        assert_eq!(item_name("Condition", &condition), Some("Asthma"));
        let medicine = json!({"medicationCodeableConcept": {"text": " Salbutamol inhaler "}});
        assert_eq!(
            item_name("MedicationRequest", &medicine),
            Some("Salbutamol inhaler")
        );
        let referenced = json!({"medicationReference": {"display": "Atorvastatin"}});
        assert_eq!(
            item_name("MedicationStatement", &referenced),
            Some("Atorvastatin")
        );
        let vaccine = json!({"vaccineCode": {"text": "Flu"}});
        assert_eq!(item_name("Immunization", &vaccine), Some("Flu"));
        let letter = json!({"description": "", "type": {"text": "Discharge letter"}});
        assert_eq!(
            item_name("DocumentReference", &letter),
            Some("Discharge letter")
        );
        let visit = json!({"serviceType": [], "description": "Eye clinic"});
        assert_eq!(item_name("Appointment", &visit), Some("Eye clinic"));
        assert_eq!(
            item_name("Observation", &json!({"code": {"text": "  "}})),
            None
        );
        assert_eq!(item_name("Condition", &json!({})), None);
    }
}
