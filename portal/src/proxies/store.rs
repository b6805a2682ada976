//! Proxy relationships as stored: who acts for whom, on what terms, from when to when.

use super::rules::Terms;
use crate::infra::time;
use rusqlite::{Connection, OptionalExtension, params};

#[derive(Clone, Debug)]
pub struct Relationship {
    pub id: i64,
    pub proxy_user_id: i64,
    pub patient_id: String,
    pub relationship_system: String,
    pub relationship_code: String,
    /// What the proxy is to the patient ("mother"), shown to the patient.
    pub proxy_is: String,
    /// What the patient is to the proxy ("son"), shown to the proxy.
    pub patient_is: String,
    pub authority_code: Option<String>,
    pub parental: bool,
    pub level: String,
    pub withheld_labels: Vec<String>,
    pub starts_on: String,
    pub ends_on: Option<String>,
    pub created_at: i64,
    pub created_by: String,
    pub stopped_at: Option<i64>,
    pub stopped_by: Option<String>,
    pub agreed_at: Option<i64>,
}

const COLUMNS: &str = "id, proxy_user_id, patient_id, relationship_system, relationship_code, \
    proxy_is, patient_is, authority_code, basis, level, withheld_labels, starts_on, ends_on, \
    created_at, created_by, stopped_at, stopped_by, agreed_at";

fn from_row(r: &rusqlite::Row) -> rusqlite::Result<Relationship> {
    Ok(Relationship {
        id: r.get(0)?,
        proxy_user_id: r.get(1)?,
        patient_id: r.get(2)?,
        relationship_system: r.get(3)?,
        relationship_code: r.get(4)?,
        proxy_is: r.get(5)?,
        patient_is: r.get(6)?,
        authority_code: r.get(7)?,
        parental: r.get::<_, String>(8)? == "parental",
        level: r.get(9)?,
        withheld_labels: r
            .get::<_, String>(10)?
            .split_whitespace()
            .map(String::from)
            .collect(),
        starts_on: r.get(11)?,
        ends_on: r.get(12)?,
        created_at: r.get(13)?,
        created_by: r.get(14)?,
        stopped_at: r.get(15)?,
        stopped_by: r.get(16)?,
        agreed_at: r.get(17)?,
    })
}

impl Relationship {
    /// The relationship's terms for the rules, given the patient's date of birth.
    pub fn terms(&self, born: Option<i64>) -> Terms {
        Terms {
            parental: self.parental,
            level: self.level.clone(),
            withheld_labels: self.withheld_labels.clone(),
            // A stored date that does not parse closes access rather than opening it.
            starts_on: time::parse_date(&self.starts_on).unwrap_or(i64::MAX),
            ends_on: self
                .ends_on
                .as_deref()
                .map(|d| time::parse_date(d).unwrap_or(i64::MIN)),
            stopped: self.stopped_at.is_some(),
            agreed: self.agreed_at.is_some(),
            born,
        }
    }
}

fn query(
    conn: &Connection,
    filter: &str,
    args: impl rusqlite::Params,
) -> rusqlite::Result<Vec<Relationship>> {
    conn.prepare(&format!(
        "SELECT {COLUMNS} FROM proxy_relationships WHERE {filter} ORDER BY id"
    ))?
    .query_map(args, from_row)?
    .collect()
}

/// Everyone this user acts or acted for.
pub fn of_proxy(conn: &Connection, user_id: i64) -> rusqlite::Result<Vec<Relationship>> {
    query(conn, "proxy_user_id = ?1", [user_id])
}

pub fn between(
    conn: &Connection,
    user_id: i64,
    patient_id: &str,
) -> rusqlite::Result<Vec<Relationship>> {
    query(
        conn,
        "proxy_user_id = ?1 AND patient_id = ?2",
        params![user_id, patient_id],
    )
}

/// Everyone who acts or acted for this patient.
pub fn of_patient(conn: &Connection, patient_id: &str) -> rusqlite::Result<Vec<Relationship>> {
    query(conn, "patient_id = ?1", [patient_id])
}

pub fn by_id(conn: &Connection, id: i64) -> rusqlite::Result<Option<Relationship>> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM proxy_relationships WHERE id = ?1"),
        [id],
        from_row,
    )
    .optional()
}

pub struct NewRelationship<'a> {
    pub proxy_user_id: i64,
    pub patient_id: &'a str,
    pub relationship_system: &'a str,
    pub relationship_code: &'a str,
    pub proxy_is: &'a str,
    pub patient_is: &'a str,
    pub authority_code: Option<&'a str>,
    pub parental: bool,
    pub level: &'a str,
    pub withheld_labels: &'a [String],
    pub starts_on: &'a str,
    pub ends_on: Option<&'a str>,
    pub created_by: &'a str,
    pub at: i64,
}

pub fn add(conn: &Connection, new: &NewRelationship) -> rusqlite::Result<i64> {
    conn.execute(
        "INSERT INTO proxy_relationships (proxy_user_id, patient_id, relationship_system,
             relationship_code, proxy_is, patient_is, authority_code, basis, level,
             withheld_labels, starts_on, ends_on, created_at, created_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
        params![
            new.proxy_user_id,
            new.patient_id,
            new.relationship_system,
            new.relationship_code,
            new.proxy_is,
            new.patient_is,
            new.authority_code,
            if new.parental {
                "parental"
            } else {
                "authorised"
            },
            new.level,
            format!(" {} ", new.withheld_labels.join(" ")),
            new.starts_on,
            new.ends_on,
            new.at,
            new.created_by,
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

/// Ends a relationship now; false if it had already been stopped.
pub fn stop(conn: &Connection, id: i64, by: &str, at: i64) -> rusqlite::Result<bool> {
    Ok(conn.execute(
        "UPDATE proxy_relationships SET stopped_at = ?1, stopped_by = ?2
         WHERE id = ?3 AND stopped_at IS NULL",
        params![at, by, id],
    )? == 1)
}

/// The young person agrees to (or, with None, withdraws agreement from) a parent's access.
pub fn set_agreed(conn: &Connection, id: i64, at: Option<i64>) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE proxy_relationships SET agreed_at = ?1 WHERE id = ?2",
        params![at, id],
    )?;
    Ok(())
}

pub fn accept_terms(conn: &Connection, id: i64, version: &str, at: i64) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT OR IGNORE INTO proxy_terms_acceptances (relationship_id, version, accepted_at)
         VALUES (?1, ?2, ?3)",
        params![id, version, at],
    )?;
    Ok(())
}

pub fn terms_accepted(conn: &Connection, id: i64, version: &str) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT 1 FROM proxy_terms_acceptances WHERE relationship_id = ?1 AND version = ?2",
        params![id, version],
        |_| Ok(()),
    )
    .optional()
    .map(|found| found.is_some())
}
