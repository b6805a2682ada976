//! A patient's objections to sharing their record with other organisations: to all of them, to
//! one organisation, or hiding one visit (and everything recorded in it), one document or result,
//! or a category of sensitive information. Each is kept with who made it and when, and who
//! withdrew it and when, so the patient sees a dated history. What they keep from an
//! organisation's professionals is worked out on every read ([`Restrictions`]).

use crate::records::{self, Search};
use crate::shared::config::SensitiveCategory;
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeSet;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    All,
    Organisation,
    Visit,
    Item,
    Category,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::All => "all",
            Kind::Organisation => "organisation",
            Kind::Visit => "visit",
            Kind::Item => "item",
            Kind::Category => "category",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        [
            Kind::All,
            Kind::Organisation,
            Kind::Visit,
            Kind::Item,
            Kind::Category,
        ]
        .into_iter()
        .find(|k| k.as_str() == text)
    }

    /// Whether it keeps the whole record from someone, rather than a part from everyone.
    pub fn is_blanket(self) -> bool {
        matches!(self, Kind::All | Kind::Organisation)
    }
}

/// The resource types a patient may hide one at a time: documents and results.
pub const ITEM_TYPES: &[&str] = &["DocumentReference", "DiagnosticReport", "Observation"];

#[derive(Clone, Debug, PartialEq)]
pub struct Objection {
    pub id: i64,
    pub patient_id: String,
    pub kind: Kind,
    pub target: String,
    pub made_at: i64,
    pub made_by: i64,
    pub made_through: Option<i64>,
    pub withdrawn_at: Option<i64>,
    pub withdrawn_by: Option<i64>,
    pub withdrawn_through: Option<i64>,
}

impl Objection {
    pub fn in_force(&self) -> bool {
        self.withdrawn_at.is_none()
    }
}

const COLUMNS: &str = "id, patient_id, kind, target, made_at, made_by, made_through, withdrawn_at, withdrawn_by, withdrawn_through";

fn row(r: &rusqlite::Row) -> rusqlite::Result<Objection> {
    let kind: String = r.get(2)?;
    Ok(Objection {
        id: r.get(0)?,
        patient_id: r.get(1)?,
        // The table's CHECK admits only the five kinds.
        kind: Kind::parse(&kind).unwrap_or(Kind::All),
        target: r.get(3)?,
        made_at: r.get(4)?,
        made_by: r.get(5)?,
        made_through: r.get(6)?,
        withdrawn_at: r.get(7)?,
        withdrawn_by: r.get(8)?,
        withdrawn_through: r.get(9)?,
    })
}

/// Every objection the patient has made, in force or withdrawn, newest first.
pub fn of_patient(conn: &Connection, patient_id: &str) -> rusqlite::Result<Vec<Objection>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM objections WHERE patient_id = ?1 ORDER BY made_at DESC, id DESC"
    ))?;
    stmt.query_map([patient_id], row)?.collect()
}

pub fn by_id(conn: &Connection, id: i64) -> rusqlite::Result<Option<Objection>> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM objections WHERE id = ?1"),
        [id],
        row,
    )
    .optional()
}

/// Who makes or withdraws an objection: the user, and the relationship if they act as a proxy.
#[derive(Clone, Copy, Debug)]
pub struct By {
    pub user: i64,
    pub through: Option<i64>,
}

/// Records a new objection; None if the same one is already in force.
pub fn add(
    conn: &Connection,
    patient_id: &str,
    kind: Kind,
    target: &str,
    by: By,
    now: i64,
) -> rusqlite::Result<Option<i64>> {
    let added = conn.execute(
        "INSERT OR IGNORE INTO objections (patient_id, kind, target, made_at, made_by, made_through)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![patient_id, kind.as_str(), target, now, by.user, by.through],
    )?;
    Ok((added > 0).then(|| conn.last_insert_rowid()))
}

/// Withdraws an objection in force; false if it was not.
pub fn withdraw(conn: &Connection, id: i64, by: By, now: i64) -> rusqlite::Result<bool> {
    Ok(conn.execute(
        "UPDATE objections SET withdrawn_at = ?2, withdrawn_by = ?3, withdrawn_through = ?4
         WHERE id = ?1 AND withdrawn_at IS NULL",
        params![id, now, by.user, by.through],
    )? > 0)
}

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
    pub fn for_organisation(
        conn: &Connection,
        categories: &[SensitiveCategory],
        patient_id: &str,
        organisation_id: &str,
    ) -> rusqlite::Result<Self> {
        let mut r = Self::default();
        for o in of_patient(conn, patient_id)?
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
                    let mut stmt = conn.prepare(
                        "SELECT json FROM resources
                         WHERE patient_id = ?1 AND encounter = ?2 AND type = 'DiagnosticReport'",
                    )?;
                    let reports = stmt
                        .query_map(params![patient_id, o.target], |r| r.get::<_, String>(0))?
                        .collect::<rusqlite::Result<Vec<_>>>()?;
                    for report in reports {
                        if let Ok(report) = serde_json::from_str::<Value>(&report) {
                            r.items.extend(results_of(&report));
                        }
                    }
                    r.visits.insert(o.target);
                }
                Kind::Item => {
                    r.partial.push(o.id);
                    if let Some(("DiagnosticReport", id)) = o.target.split_once('/')
                        && let Some((_, report)) = records::read(conn, "DiagnosticReport", id)?
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
    use crate::shared::db::Db;
    use serde_json::json;

    fn db() -> Db {
        let db = Db::in_memory().unwrap();
        let conn = db.lock();
        conn.execute(
            "INSERT INTO users (id, username, display_name, password_hash) VALUES (1, 'p', 'P', 'x')",
            [],
        )
        .unwrap();
        for r in [
            json!({"resourceType": "Encounter", "id": "e1", "subject": {"reference": "Patient/p"}}),
            json!({"resourceType": "Observation", "id": "o1", "subject": {"reference": "Patient/p"}, "encounter": {"reference": "Encounter/e1"}}),
            json!({"resourceType": "Observation", "id": "o2", "subject": {"reference": "Patient/p"}}),
            json!({"resourceType": "DiagnosticReport", "id": "r1", "subject": {"reference": "Patient/p"}, "encounter": {"reference": "Encounter/e1"}, "result": [{"reference": "Observation/o2"}]}),
            json!({"resourceType": "Observation", "id": "o3", "subject": {"reference": "Patient/p"}, "meta": {"security": [{"code": "HIV"}]}}),
        ] {
            records::put(&conn, &r).unwrap();
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

    #[test]
    fn a_hidden_visit_takes_what_was_recorded_in_it_and_its_reports_results() {
        let db = db();
        let conn = db.lock();
        add(&conn, "p", Kind::Visit, "e1", BY, 10).unwrap();
        let r = Restrictions::for_organisation(&conn, &categories(), "p", "org").unwrap();
        assert!(r.blanket.is_empty() && r.hides_parts());
        let mut s = Search {
            patient_id: "p".into(),
            count: 50,
            ..Search::default()
        };
        r.narrow(&mut s, "Observation");
        let (total, found) = records::search(&conn, "Observation", &s).unwrap();
        let ids: Vec<&str> = found.iter().filter_map(|o| o["id"].as_str()).collect();
        assert_eq!((total, ids), (1, vec!["o3"]));
        let (_, encounter) = records::read(&conn, "Encounter", "e1").unwrap().unwrap();
        assert!(r.hides("Encounter", &encounter));
    }

    #[test]
    fn organisations_and_categories_apply_to_whom_and_what_they_name() {
        let db = db();
        let conn = db.lock();
        let org = add(&conn, "p", Kind::Organisation, "north", BY, 10)
            .unwrap()
            .unwrap();
        add(&conn, "p", Kind::Category, "hiv", BY, 11).unwrap();
        let north = Restrictions::for_organisation(&conn, &categories(), "p", "north").unwrap();
        let south = Restrictions::for_organisation(&conn, &categories(), "p", "south").unwrap();
        assert_eq!(north.blanket, vec![org]);
        assert!(south.blanket.is_empty());
        let (_, hiv) = records::read(&conn, "Observation", "o3").unwrap().unwrap();
        assert!(south.hides("Observation", &hiv));
        // The same choice twice is refused; once withdrawn, it can be made again.
        assert_eq!(
            add(&conn, "p", Kind::Organisation, "north", BY, 12).unwrap(),
            None
        );
        assert!(withdraw(&conn, org, BY, 13).unwrap());
        assert!(!withdraw(&conn, org, BY, 14).unwrap());
        let north = Restrictions::for_organisation(&conn, &categories(), "p", "north").unwrap();
        assert!(north.blanket.is_empty());
        add(&conn, "p", Kind::Organisation, "north", BY, 15).unwrap();
        assert_eq!(of_patient(&conn, "p").unwrap().len(), 3);
    }

    #[test]
    fn a_hidden_report_hides_its_results() {
        let db = db();
        let conn = db.lock();
        add(&conn, "p", Kind::Item, "DiagnosticReport/r1", BY, 10).unwrap();
        let r = Restrictions::for_organisation(&conn, &categories(), "p", "org").unwrap();
        let (_, o2) = records::read(&conn, "Observation", "o2").unwrap().unwrap();
        let (_, o1) = records::read(&conn, "Observation", "o1").unwrap().unwrap();
        assert!(r.hides("Observation", &o2) && !r.hides("Observation", &o1));
    }
}
