//! A patient's objections to sharing their record with other organisations: to all of them, to
//! one organisation, or hiding one visit (and everything recorded in it), one document or result,
//! or a category of sensitive information. Each is kept with who made it and when, and who
//! withdrew it and when, so the patient sees a dated history. What they keep from an
//! organisation's professionals is worked out on every read (`access::objections`).

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

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
