//! Imports a FHIR R4 Bundle (transaction, batch or collection) so real data can be browsed.

use crate::db::Db;
use crate::records;
use serde_json::Value;
use std::collections::HashMap;

#[derive(Debug, Default, PartialEq)]
pub struct LoadReport {
    pub stored: usize,
    pub skipped: usize,
    pub patients: Vec<String>,
}

/// Stores every entry's resource. Resources without an id get one from their `urn:uuid:` full
/// URL; references to those URLs are rewritten to `Type/id` so they resolve here.
pub fn load_bundle(db: &Db, bundle: &Value) -> Result<LoadReport, String> {
    if bundle["resourceType"] != "Bundle" {
        return Err("the file is not a FHIR Bundle".into());
    }
    let entries = bundle["entry"].as_array().cloned().unwrap_or_default();
    let mut renames = HashMap::new();
    let mut resources = Vec::new();
    for (n, entry) in entries.into_iter().enumerate() {
        let mut resource = entry["resource"].clone();
        let Some(kind) = resource["resourceType"].as_str().map(String::from) else {
            continue;
        };
        let full_url = entry["fullUrl"].as_str().unwrap_or_default();
        let id = match resource["id"].as_str() {
            Some(id) => id.to_string(),
            None => full_url
                .rsplit(':')
                .next()
                .filter(|s| !s.is_empty())
                .map(String::from)
                .unwrap_or_else(|| format!("loaded-{n}")),
        };
        resource["id"] = Value::String(id.clone());
        if !full_url.is_empty() {
            renames.insert(full_url.to_string(), format!("{kind}/{id}"));
        }
        resources.push(resource);
    }
    let mut report = LoadReport::default();
    let mut conn = db.lock();
    let tx = conn.transaction().map_err(|e| e.to_string())?;
    for mut resource in resources {
        rewrite_references(&mut resource, &renames);
        let kind = resource["resourceType"].as_str().unwrap_or_default();
        if !records::is_supported(kind) {
            report.skipped += 1;
            continue;
        }
        if kind == "Patient" {
            report
                .patients
                .push(resource["id"].as_str().unwrap_or_default().into());
        }
        records::put(&tx, &resource).map_err(|e| e.to_string())?;
        report.stored += 1;
    }
    tx.commit().map_err(|e| e.to_string())?;
    Ok(report)
}

fn rewrite_references(value: &mut Value, renames: &HashMap<String, String>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                if key == "reference" {
                    if let Some(new) = v.as_str().and_then(|r| renames.get(r)) {
                        *v = Value::String(new.clone());
                    }
                } else {
                    rewrite_references(v, renames);
                }
            }
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|v| rewrite_references(v, renames)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn resolves_urn_uuid_references_and_skips_unserved_types() {
        let db = Db::in_memory().unwrap();
        let bundle = json!({
            "resourceType": "Bundle", "type": "transaction",
            "entry": [
                {"fullUrl": "urn:uuid:aaa", "resource": {"resourceType": "Patient", "name": [{"text": "X"}]}},
                {"fullUrl": "urn:uuid:bbb", "resource": {"resourceType": "Condition",
                    "subject": {"reference": "urn:uuid:aaa"}, "onsetDateTime": "2001"}},
                {"fullUrl": "urn:uuid:ccc", "resource": {"resourceType": "Claim", "patient": {"reference": "urn:uuid:aaa"}}},
            ]
        });
        let report = load_bundle(&db, &bundle).unwrap();
        assert_eq!(
            report,
            LoadReport {
                stored: 2,
                skipped: 1,
                patients: vec!["aaa".into()]
            }
        );
        let (patient, condition) = records::read(&db, "Condition", "bbb").unwrap().unwrap();
        assert_eq!(patient.as_deref(), Some("aaa"));
        assert_eq!(condition["subject"]["reference"], "Patient/aaa");
        assert!(load_bundle(&db, &json!({"resourceType": "Patient"})).is_err());
    }
}
