//! "Download my record": everything this portal holds for the patient, as one FHIR R4 Bundle
//! made in the browser.

use crate::acting_for;
use crate::api::{self, ApiError, types::PatientSummary};
use serde_json::{Value, json};

/// A `collection` Bundle of the resources, each with a `fullUrl` of its type and id.
pub fn bundle(resources: Vec<Value>, timestamp: &str) -> Value {
    let entries: Vec<Value> = resources
        .into_iter()
        .map(|r| {
            let full_url = match (r["resourceType"].as_str(), r["id"].as_str()) {
                (Some(t), Some(id)) => Some(format!("{t}/{id}")),
                _ => None,
            };
            match full_url {
                Some(u) => json!({"fullUrl": u, "resource": r}),
                None => json!({"resource": r}),
            }
        })
        .collect();
    json!({
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": timestamp,
        "total": entries.len(),
        "entry": entries,
    })
}

/// Everything the user may see of this record: for someone acting for another person, only
/// what their access includes (the portal leaves out the rest of each search as well).
pub async fn fetch_everything(patient: &PatientSummary) -> Result<Vec<Value>, ApiError> {
    let patient_id = patient.id.as_str();
    let mut all = vec![api::read("Patient", patient_id).await?];
    for t in crate::sections::record_types()
        .into_iter()
        .filter(|t| acting_for::allows_type(patient, t))
    {
        api::search_pages(&api::FhirSearch::new(t), patient_id, usize::MAX, |page| {
            all.extend(page)
        })
        .await?;
    }
    Ok(all)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn makes_a_collection_bundle() {
        let b = bundle(
            vec![
                json!({"resourceType": "Patient", "id": "p"}),
                json!({"resourceType": "Observation"}),
            ],
            "2026-01-01T00:00:00Z",
        );
        assert_eq!(b["type"], "collection");
        assert_eq!(b["total"], 2);
        assert_eq!(b["entry"][0]["fullUrl"], "Patient/p");
        assert!(b["entry"][1].get("fullUrl").is_none());
        assert_eq!(
            crate::fhir::Page::from_bundle(&b).unwrap().resources.len(),
            2
        );
    }
}
