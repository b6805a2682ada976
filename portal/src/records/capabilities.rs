//! What the hospital's record server says it offers (its CapabilityStatement, read at start and
//! on a schedule): of the types the portal shows, those it can be asked for one patient's. A type
//! it does not offer is never asked for, and the app says so in words instead of showing an
//! empty list.

use super::{PATIENT_TYPES, SHARED_TYPES};
use serde_json::Value;
use std::collections::BTreeSet;

/// The types a CapabilityStatement offers the way the gateway asks: a patient's resources by a
/// search with `patient`, the Patient and shared resources (Medication, …) by read. None if it
/// is not an R4 server's statement.
pub fn offered(statement: &Value) -> Option<BTreeSet<String>> {
    if statement["resourceType"] != "CapabilityStatement"
        || !statement["fhirVersion"]
            .as_str()
            .is_some_and(|v| v.starts_with("4.0"))
    {
        return None;
    }
    let server = statement["rest"]
        .as_array()?
        .iter()
        .find(|r| r["mode"] == "server")?;
    let has = |list: &Value, key: &str, wanted: &str| {
        list.as_array()
            .into_iter()
            .flatten()
            .any(|item| item[key] == wanted)
    };
    Some(
        server["resource"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| {
                let kind = r["type"].as_str()?;
                let by_read = kind == "Patient" || SHARED_TYPES.contains(&kind);
                let ok = if by_read {
                    has(&r["interaction"], "code", "read")
                } else {
                    PATIENT_TYPES.contains(&kind)
                        && has(&r["interaction"], "code", "search-type")
                        && has(&r["searchParam"], "name", "patient")
                };
                ok.then(|| kind.to_string())
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_type_is_offered_only_as_the_gateway_asks_for_it() {
        let statement = json!({
            "resourceType": "CapabilityStatement", "fhirVersion": "4.0.1",
            "rest": [{"mode": "server", "resource": [
                {"type": "Patient", "interaction": [{"code": "read"}]},
                {"type": "Observation", "interaction": [{"code": "search-type"}],
                 "searchParam": [{"name": "patient", "type": "reference"}]},
                // Searchable, but not by patient.
                {"type": "Immunization", "interaction": [{"code": "search-type"}],
                 "searchParam": [{"name": "date", "type": "date"}]},
                // By patient, but only read.
                {"type": "Condition", "interaction": [{"code": "read"}],
                 "searchParam": [{"name": "patient", "type": "reference"}]},
                {"type": "Medication", "interaction": [{"code": "read"}]},
                {"type": "Basic", "interaction": [{"code": "search-type"}],
                 "searchParam": [{"name": "patient", "type": "reference"}]}
            ]}]
        });
        let got = offered(&statement).unwrap();
        assert_eq!(
            got.iter().map(String::as_str).collect::<Vec<_>>(),
            ["Medication", "Observation", "Patient"]
        );
        let mut r5 = statement.clone();
        r5["fhirVersion"] = json!("5.0.0");
        assert_eq!(offered(&r5), None);
        assert_eq!(offered(&json!({"resourceType": "Patient"})), None);
    }
}
