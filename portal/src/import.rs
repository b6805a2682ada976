//! Imports a FHIR R4 Bundle (transaction, batch or collection) so real data can be browsed, and
//! never attaches data to the wrong patient: a bundle pointing at a Patient that is neither in it
//! nor already stored is refused whole; an entry with no valid id, with no patient, or that would
//! move a stored resource from one patient to another is refused on its own.

use crate::infra::store::Conn;
use crate::infra::store::Store;
use crate::notifications;
use crate::records::{self, PATIENT_TYPES, is_valid_id};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};

#[derive(Debug, Default, PartialEq)]
pub struct TypeReport {
    pub loaded: usize,
    pub refused: Vec<String>,
}

#[derive(Debug, Default, PartialEq)]
pub struct LoadReport {
    pub by_type: BTreeMap<String, TypeReport>,
    /// Resources of types this portal does not serve.
    pub skipped: usize,
    pub patients: Vec<String>,
}

impl LoadReport {
    pub fn loaded(&self) -> usize {
        self.by_type.values().map(|t| t.loaded).sum()
    }

    pub fn refused(&self) -> usize {
        self.by_type.values().map(|t| t.refused.len()).sum()
    }

    fn refuse(&mut self, kind: &str, why: String) {
        self.by_type
            .entry(kind.into())
            .or_default()
            .refused
            .push(why);
    }
}

/// An entry's place and name, for messages: `entry 3 (Observation/abc)`.
fn describe(n: usize, kind: &str, id: Option<&str>) -> String {
    match id {
        Some(id) => format!("entry {} ({kind}/{id})", n + 1),
        None => format!("entry {} ({kind})", n + 1),
    }
}

/// The id a `fullUrl` names: the uuid of `urn:uuid:…`, or the last segment of `…/Type/id`.
/// Never anything with a `/` in it, and only a valid FHIR id.
fn id_from_full_url(full_url: &str, kind: &str) -> Option<String> {
    let candidate = match full_url.strip_prefix("urn:uuid:") {
        Some(uuid) => uuid,
        None => {
            let mut parts = full_url.trim_end_matches('/').rsplit('/');
            let id = parts.next()?;
            (parts.next()? == kind).then_some(id)?
        }
    };
    is_valid_id(candidate).then(|| candidate.to_string())
}

pub async fn load_bundle(store: &Store, bundle: &Value) -> Result<LoadReport, String> {
    if bundle["resourceType"] != "Bundle" {
        return Err("the file is not a FHIR Bundle".into());
    }
    let entries = bundle["entry"].as_array().cloned().unwrap_or_default();
    let mut report = LoadReport::default();
    let mut renames = HashMap::new();
    let mut accepted = Vec::new();
    for (n, entry) in entries.into_iter().enumerate() {
        let mut resource = entry["resource"].clone();
        let Some(kind) = resource["resourceType"].as_str().map(String::from) else {
            report.refuse(
                "(no type)",
                format!("{} has no resourceType", describe(n, "?", None)),
            );
            continue;
        };
        if !records::is_supported(&kind) {
            report.skipped += 1;
            continue;
        }
        let full_url = entry["fullUrl"].as_str().unwrap_or_default();
        let id = match resource["id"].as_str() {
            Some(id) if is_valid_id(id) => id.to_string(),
            Some(id) => {
                report.refuse(
                    &kind,
                    format!(
                        "{}: {id:?} is not a valid FHIR id",
                        describe(n, &kind, None)
                    ),
                );
                continue;
            }
            None => match id_from_full_url(full_url, &kind) {
                Some(id) => id,
                None => {
                    report.refuse(
                        &kind,
                        format!(
                            "{} has no id, and its fullUrl {full_url:?} gives no valid one",
                            describe(n, &kind, None)
                        ),
                    );
                    continue;
                }
            },
        };
        resource["id"] = Value::String(id.clone());
        if !full_url.is_empty() {
            renames.insert(full_url.to_string(), format!("{kind}/{id}"));
        }
        accepted.push((n, kind, id, resource));
    }
    let mut tx = store.begin().await.map_err(|e| e.to_string())?;
    let in_bundle: HashSet<String> = accepted
        .iter()
        .filter(|(_, kind, ..)| kind == "Patient")
        .map(|(_, _, id, _)| id.clone())
        .collect();
    let mut ready = Vec::new();
    for (n, kind, id, mut resource) in accepted {
        rewrite_references(&mut resource, &renames);
        let name = describe(n, &kind, Some(&id));
        let owner = records::index(&resource).and_then(|ix| ix.patient_id);
        if PATIENT_TYPES.contains(&kind.as_str()) {
            let Some(owner) = owner.clone() else {
                report.refuse(&kind, format!("{name} names no patient it belongs to"));
                continue;
            };
            if !in_bundle.contains(&owner) && !patient_stored(&mut tx, &owner).await? {
                return Err(format!(
                    "{name} refers to Patient/{owner}, which is neither in this bundle nor already \
                     loaded; nothing was loaded"
                ));
            }
        }
        let stored = stored_owner(&mut tx, &kind, &id).await?;
        match &stored {
            Some(previous) if *previous != owner => {
                report.refuse(
                    &kind,
                    format!(
                        "{name} is already stored for {}; it would move to {}",
                        previous
                            .as_ref()
                            .map_or("no patient".into(), |p| format!("Patient/{p}")),
                        owner.map_or("no patient".into(), |p| format!("Patient/{p}")),
                    ),
                );
                continue;
            }
            _ => {}
        }
        // Only what is new to the record is news; a corrected resource is not.
        let added_to = owner.filter(|_| stored.is_none());
        ready.push((kind, id, resource, added_to));
    }
    let now = crate::infra::time::now();
    for (kind, id, resource, added_to) in ready {
        records::put(&mut tx, &resource)
            .await
            .map_err(|e| e.to_string())?;
        if let Some(patient) = added_to {
            notifications::note_added(&mut tx, &patient, &resource, now)
                .await
                .map_err(|e| e.to_string())?;
        }
        if kind == "Patient" {
            report.patients.push(id);
        }
        report.by_type.entry(kind).or_default().loaded += 1;
    }
    tx.commit().await.map_err(|e| e.to_string())?;
    Ok(report)
}

async fn patient_stored(conn: &mut Conn, id: &str) -> Result<bool, String> {
    sqlx::query("SELECT 1 FROM resources WHERE type = 'Patient' AND id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await
        .map(|found| found.is_some())
        .map_err(|e| e.to_string())
}

/// `Some(patient)` when a resource of this type and id is already stored (for that patient).
async fn stored_owner(
    conn: &mut Conn,
    kind: &str,
    id: &str,
) -> Result<Option<Option<String>>, String> {
    sqlx::query_scalar("SELECT patient_id FROM resources WHERE type = $1 AND id = $2")
        .bind(kind)
        .bind(id)
        .fetch_optional(conn)
        .await
        .map_err(|e| e.to_string())
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
    use crate::infra::store::testing;
    use serde_json::json;

    async fn count(store: &Store, sql: &'static str) -> i64 {
        sqlx::query_scalar(sql)
            .fetch_one(&mut *store.conn().await.unwrap())
            .await
            .unwrap()
    }

    fn bundle(entries: Value) -> Value {
        json!({"resourceType": "Bundle", "type": "transaction", "entry": entries})
    }

    #[tokio::test]
    async fn resolves_urn_uuid_references_and_skips_unserved_types() {
        let store = testing::store().await;
        let report = load_bundle(&store, &bundle(json!([
            {"fullUrl": "urn:uuid:aaa", "resource": {"resourceType": "Patient", "name": [{"text": "X"}]}},
            {"fullUrl": "urn:uuid:bbb", "resource": {"resourceType": "Condition",
                "subject": {"reference": "urn:uuid:aaa"}, "onsetDateTime": "2001"}},
            {"fullUrl": "urn:uuid:ccc", "resource": {"resourceType": "Claim", "patient": {"reference": "urn:uuid:aaa"}}},
        ]))).await
        .unwrap();
        assert_eq!(
            (report.loaded(), report.skipped, report.refused()),
            (2, 1, 0)
        );
        assert_eq!(report.patients, vec!["aaa".to_string()]);
        let (patient, condition) = records::Records::Local
            .read(&mut store.conn().await.unwrap(), "Condition", "bbb")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(patient.as_deref(), Some("aaa"));
        assert_eq!(condition["subject"]["reference"], "Patient/aaa");
        assert!(
            load_bundle(&store, &json!({"resourceType": "Patient"}))
                .await
                .is_err()
        );
    }

    #[tokio::test]
    async fn refuses_a_bundle_pointing_at_a_patient_it_does_not_have() {
        let store = testing::store().await;
        let e = load_bundle(&store, &bundle(json!([
            {"resource": {"resourceType": "Observation", "id": "o1", "subject": {"reference": "Patient/someone-else"}}},
        ]))).await
        .unwrap_err();
        assert!(
            e.contains("entry 1 (Observation/o1)") && e.contains("Patient/someone-else"),
            "{e}"
        );
        let stored = count(&store, "SELECT count(*) FROM resources").await;
        assert_eq!(stored, 0);
    }

    #[tokio::test]
    async fn never_attaches_a_resource_about_a_patient_on_another_server_to_ours() {
        let store = testing::store().await;
        load_bundle(
            &store,
            &bundle(json!([
                {"resource": {"resourceType": "Patient", "id": "demo-ann"}},
            ])),
        )
        .await
        .unwrap();
        let report = load_bundle(
            &store,
            &bundle(json!([
                {"resource": {"resourceType": "Observation", "id": "o1",
                    "subject": {"reference": "https://other.example/fhir/Patient/demo-ann"}}},
                {"resource": {"resourceType": "Condition", "id": "c1",
                    "subject": {"reference": "urn:other:Patient/demo-ann"}}},
            ])),
        )
        .await
        .unwrap();
        assert_eq!(report.refused(), 2, "{report:?}");
        let attached = count(
            &store,
            "SELECT count(*) FROM resources WHERE patient_id = 'demo-ann' AND type != 'Patient'",
        )
        .await;
        assert_eq!(attached, 0);
    }

    #[tokio::test]
    async fn never_takes_an_id_with_a_slash_or_outside_fhirs_rule() {
        assert_eq!(
            id_from_full_url("urn:uuid:1b2c-3d", "Patient").as_deref(),
            Some("1b2c-3d")
        );
        assert_eq!(
            id_from_full_url("https://x.test/fhir/Patient/p1", "Patient").as_deref(),
            Some("p1")
        );
        assert_eq!(
            id_from_full_url("https://x.test/fhir/Observation/p1", "Patient"),
            None
        );
        assert_eq!(id_from_full_url("urn:uuid:../Patient/p1", "Patient"), None);
        assert_eq!(id_from_full_url("urn:oid:1.2.3:Patient/x", "Patient"), None);
        let store = testing::store().await;
        let report = load_bundle(
            &store,
            &bundle(json!([
                {"fullUrl": "urn:x:Patient/p/../q", "resource": {"resourceType": "Patient"}},
                {"resource": {"resourceType": "Patient", "id": "has space"}},
                {"resource": {"resourceType": "Patient", "id": "ok"}},
            ])),
        )
        .await
        .unwrap();
        assert_eq!(report.by_type["Patient"].loaded, 1);
        assert_eq!(report.by_type["Patient"].refused.len(), 2);
    }

    #[tokio::test]
    async fn never_moves_a_stored_resource_to_another_patient() {
        let store = testing::store().await;
        let first = bundle(json!([
            {"resource": {"resourceType": "Patient", "id": "p1"}},
            {"resource": {"resourceType": "Patient", "id": "p2"}},
            {"resource": {"resourceType": "Observation", "id": "o1", "subject": {"reference": "Patient/p1"}}},
        ]));
        load_bundle(&store, &first).await.unwrap();
        let report = load_bundle(&store, &bundle(json!([
            {"resource": {"resourceType": "Observation", "id": "o1", "subject": {"reference": "Patient/p2"}, "status": "final"}},
            {"resource": {"resourceType": "Observation", "id": "o2", "subject": {"reference": "Patient/p2"}}},
        ]))).await
        .unwrap();
        let observations = &report.by_type["Observation"];
        assert_eq!(observations.loaded, 1);
        assert!(
            observations.refused[0].contains("Patient/p1"),
            "{:?}",
            observations.refused
        );
        let (owner, _) = records::Records::Local
            .read(&mut store.conn().await.unwrap(), "Observation", "o1")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(owner.as_deref(), Some("p1"));
    }
}
