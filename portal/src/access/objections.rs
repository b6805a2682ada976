//! What the patient's objections in force keep from one organisation's professionals, worked
//! out on every read from the objections as they stand.

use crate::infra::config::SensitiveCategory;
use crate::infra::error::ApiError;
use crate::infra::store::Conn;
use crate::privacy::objections::{Kind, Objection, of_patient};
use crate::records::{self, Records, Search};
use serde_json::Value;
use std::collections::BTreeSet;

/// What the patient's objections in force keep from one organisation's professionals.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Restrictions {
    /// Objections to all sharing, or to this organisation: the whole record is kept back.
    pub blanket: Vec<i64>,
    /// Objections that hide parts of the record.
    pub partial: Vec<i64>,
    /// Hidden resources, as `Type/id`.
    pub items: BTreeSet<String>,
    /// Hidden visits (Encounter ids): the visit and whatever was recorded in it.
    pub visits: BTreeSet<String>,
    /// Security labels whose resources are hidden.
    pub labels: BTreeSet<String>,
}

impl Restrictions {
    pub async fn for_organisation(
        conn: &mut Conn,
        records: &Records,
        categories: &[SensitiveCategory],
        patient_id: &str,
        organisation_id: &str,
    ) -> Result<Self, ApiError> {
        let mut r = Self::default();
        for o in of_patient(conn, patient_id)
            .await?
            .into_iter()
            .filter(Objection::in_force)
        {
            match o.kind {
                Kind::All => r.blanket.push(o.id),
                Kind::Organisation if o.target == organisation_id => r.blanket.push(o.id),
                Kind::Organisation => {}
                Kind::Visit => {
                    r.partial.push(o.id);
                    // A report made at the visit takes its results with it.
                    let at_visit = Search {
                        patient_id: patient_id.to_string(),
                        in_visit: Some(o.target.clone()),
                        count: Search::EVERY,
                        ..Search::default()
                    };
                    let (_, reports) = records
                        .search::<Value>(conn, "DiagnosticReport", &at_visit)
                        .await?;
                    for report in reports {
                        r.items.extend(results_of(&report));
                    }
                    r.visits.insert(o.target);
                }
                Kind::Item => {
                    r.partial.push(o.id);
                    if let Some(("DiagnosticReport", id)) = o.target.split_once('/')
                        && let Some((_, report)) =
                            records.read(conn, "DiagnosticReport", id).await?
                    {
                        r.items.extend(results_of(&report));
                    }
                    r.items.insert(o.target);
                }
                Kind::Category => {
                    r.partial.push(o.id);
                    if let Some(c) = categories.iter().find(|c| c.id == o.target) {
                        r.labels.extend(c.labels.iter().cloned());
                    }
                }
            }
        }
        Ok(r)
    }

    pub fn hides_parts(&self) -> bool {
        !self.partial.is_empty()
    }

    /// Every objection that applies, for the record of an emergency read that set them aside.
    pub fn all(&self) -> Vec<i64> {
        self.blanket.iter().chain(&self.partial).copied().collect()
    }

    pub fn hides(&self, resource_type: &str, resource: &Value) -> bool {
        let id = resource["id"].as_str().unwrap_or_default();
        self.items.contains(&format!("{resource_type}/{id}"))
            || (resource_type == "Encounter" && self.visits.contains(id))
            || records::index(resource)
                .and_then(|ix| ix.encounter)
                .is_some_and(|visit| self.visits.contains(&visit))
            || records::security_labels(resource)
                .iter()
                .any(|l| self.labels.contains(l))
    }

    /// Narrows a search of `resource_type` to what these objections leave.
    pub fn narrow(&self, search: &mut Search, resource_type: &str) {
        search.withheld_labels.extend(self.labels.iter().cloned());
        search.withheld_ids.extend(
            self.items
                .iter()
                .filter_map(|item| item.split_once('/'))
                .filter(|(kind, _)| *kind == resource_type)
                .map(|(_, id)| id.to_string()),
        );
        search.withheld_visits.extend(self.visits.iter().cloned());
    }
}

/// `Observation/…` for each result a report holds.
fn results_of(report: &Value) -> Vec<String> {
    report["result"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["reference"].as_str())
        .filter_map(|r| {
            let (kind, id) = r.rsplit_once('/')?;
            (kind.ends_with("Observation") && !id.is_empty()).then(|| format!("Observation/{id}"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::infra::store::testing::{self, TestStore};
    use crate::privacy::objections::{By, add, withdraw};
    use serde_json::json;

    async fn db() -> TestStore {
        let db = testing::store().await;
        let mut conn = db.conn().await.unwrap();
        sqlx::query("INSERT INTO users (id, username, display_name, password_hash) VALUES (1, 'p', 'P', 'x')")
        .execute(&mut *conn)
        .await
        .unwrap();
        for r in [
            json!({"resourceType": "Encounter", "id": "e1", "subject": {"reference": "Patient/p"}}),
            json!({"resourceType": "Observation", "id": "o1", "subject": {"reference": "Patient/p"}, "encounter": {"reference": "Encounter/e1"}}),
            json!({"resourceType": "Observation", "id": "o2", "subject": {"reference": "Patient/p"}}),
            json!({"resourceType": "DiagnosticReport", "id": "r1", "subject": {"reference": "Patient/p"}, "encounter": {"reference": "Encounter/e1"}, "result": [{"reference": "Observation/o2"}]}),
            json!({"resourceType": "Observation", "id": "o3", "subject": {"reference": "Patient/p"}, "meta": {"security": [{"code": "HIV"}]}}),
        ] {
            records::put(&mut conn, &r).await.unwrap();
        }
        drop(conn);
        db
    }

    const BY: By = By {
        user: 1,
        through: None,
    };

    fn categories() -> Vec<SensitiveCategory> {
        vec![SensitiveCategory {
            id: "hiv".into(),
            name: "HIV".into(),
            labels: vec!["HIV".into()],
        }]
    }

    #[tokio::test]
    async fn a_hidden_visit_takes_what_was_recorded_in_it_and_its_reports_results() {
        let db = db().await;
        let mut conn = db.conn().await.unwrap();
        add(&mut conn, "p", Kind::Visit, "e1", BY, 10)
            .await
            .unwrap();
        let r =
            Restrictions::for_organisation(&mut conn, &Records::Local, &categories(), "p", "org")
                .await
                .unwrap();
        assert!(r.blanket.is_empty() && r.hides_parts());
        let mut s = Search {
            patient_id: "p".into(),
            count: 50,
            ..Search::default()
        };
        r.narrow(&mut s, "Observation");
        let (total, found) = Records::Local
            .search::<serde_json::Value>(&mut conn, "Observation", &s)
            .await
            .unwrap();
        let ids: Vec<&str> = found.iter().filter_map(|o| o["id"].as_str()).collect();
        assert_eq!((total, ids), (1, vec!["o3"]));
        let (_, encounter) = Records::Local
            .read(&mut conn, "Encounter", "e1")
            .await
            .unwrap()
            .unwrap();
        assert!(r.hides("Encounter", &encounter));
    }

    #[tokio::test]
    async fn organisations_and_categories_apply_to_whom_and_what_they_name() {
        let db = db().await;
        let mut conn = db.conn().await.unwrap();
        let org = add(&mut conn, "p", Kind::Organisation, "north", BY, 10)
            .await
            .unwrap()
            .unwrap();
        add(&mut conn, "p", Kind::Category, "hiv", BY, 11)
            .await
            .unwrap();
        let north =
            Restrictions::for_organisation(&mut conn, &Records::Local, &categories(), "p", "north")
                .await
                .unwrap();
        let south =
            Restrictions::for_organisation(&mut conn, &Records::Local, &categories(), "p", "south")
                .await
                .unwrap();
        assert_eq!(north.blanket, vec![org]);
        assert!(south.blanket.is_empty());
        let (_, hiv) = Records::Local
            .read(&mut conn, "Observation", "o3")
            .await
            .unwrap()
            .unwrap();
        assert!(south.hides("Observation", &hiv));
        // The same choice twice is refused; once withdrawn, it can be made again.
        assert_eq!(
            add(&mut conn, "p", Kind::Organisation, "north", BY, 12)
                .await
                .unwrap(),
            None
        );
        assert!(withdraw(&mut conn, org, BY, 13).await.unwrap());
        assert!(!withdraw(&mut conn, org, BY, 14).await.unwrap());
        let north =
            Restrictions::for_organisation(&mut conn, &Records::Local, &categories(), "p", "north")
                .await
                .unwrap();
        assert!(north.blanket.is_empty());
        add(&mut conn, "p", Kind::Organisation, "north", BY, 15)
            .await
            .unwrap();
        assert_eq!(of_patient(&mut conn, "p").await.unwrap().len(), 3);
    }

    #[tokio::test]
    async fn a_hidden_report_hides_its_results() {
        let db = db().await;
        let mut conn = db.conn().await.unwrap();
        add(&mut conn, "p", Kind::Item, "DiagnosticReport/r1", BY, 10)
            .await
            .unwrap();
        let r =
            Restrictions::for_organisation(&mut conn, &Records::Local, &categories(), "p", "org")
                .await
                .unwrap();
        let (_, o2) = Records::Local
            .read(&mut conn, "Observation", "o2")
            .await
            .unwrap()
            .unwrap();
        let (_, o1) = Records::Local
            .read(&mut conn, "Observation", "o1")
            .await
            .unwrap()
            .unwrap();
        assert!(r.hides("Observation", &o2) && !r.hides("Observation", &o1));
    }
}
