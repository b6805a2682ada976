//! Proxy relationships as stored: who acts for whom, on what terms, from when to when.

use super::rules::Terms;
use crate::infra::store::Conn;
use crate::infra::time;
use sqlx::Any;
use sqlx::Row;
use sqlx::any::AnyArguments;
use sqlx::query::Query;

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

fn from_row(r: &sqlx::any::AnyRow) -> sqlx::Result<Relationship> {
    Ok(Relationship {
        id: r.try_get(0)?,
        proxy_user_id: r.try_get(1)?,
        patient_id: r.try_get(2)?,
        relationship_system: r.try_get(3)?,
        relationship_code: r.try_get(4)?,
        proxy_is: r.try_get(5)?,
        patient_is: r.try_get(6)?,
        authority_code: r.try_get(7)?,
        parental: r.try_get::<String, _>(8)? == "parental",
        level: r.try_get(9)?,
        withheld_labels: r
            .try_get::<String, _>(10)?
            .split_whitespace()
            .map(String::from)
            .collect(),
        starts_on: r.try_get(11)?,
        ends_on: r.try_get(12)?,
        created_at: r.try_get(13)?,
        created_by: r.try_get(14)?,
        stopped_at: r.try_get(15)?,
        stopped_by: r.try_get(16)?,
        agreed_at: r.try_get(17)?,
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

/// The relationships a filter on `proxy_relationships` selects, its values bound.
fn select(filter: &str) -> Query<'static, Any, AnyArguments> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM proxy_relationships WHERE {filter} ORDER BY id"
    )))
}

async fn all(
    conn: &mut Conn,
    query: Query<'static, Any, AnyArguments>,
) -> sqlx::Result<Vec<Relationship>> {
    query
        .try_map(|r: sqlx::any::AnyRow| from_row(&r))
        .fetch_all(conn)
        .await
}

/// Everyone this user acts or acted for.
pub async fn of_proxy(conn: &mut Conn, user_id: i64) -> sqlx::Result<Vec<Relationship>> {
    all(conn, select("proxy_user_id = $1").bind(user_id)).await
}

pub async fn between(
    conn: &mut Conn,
    user_id: i64,
    patient_id: &str,
) -> sqlx::Result<Vec<Relationship>> {
    let query = select("proxy_user_id = $1 AND patient_id = $2")
        .bind(user_id)
        .bind(patient_id.to_owned());
    all(conn, query).await
}

/// Everyone who acts or acted for this patient.
pub async fn of_patient(conn: &mut Conn, patient_id: &str) -> sqlx::Result<Vec<Relationship>> {
    all(conn, select("patient_id = $1").bind(patient_id.to_owned())).await
}

pub async fn by_id(conn: &mut Conn, id: i64) -> sqlx::Result<Option<Relationship>> {
    sqlx::query(sqlx::AssertSqlSafe(
        format!("SELECT {COLUMNS} FROM proxy_relationships WHERE id = $1").to_string(),
    ))
    .bind(id)
    .try_map(|r: sqlx::any::AnyRow| from_row(&r))
    .fetch_optional(&mut *conn)
    .await
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

pub async fn add(conn: &mut Conn, new: &NewRelationship<'_>) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO proxy_relationships (proxy_user_id, patient_id, relationship_system,
             relationship_code, proxy_is, patient_is, authority_code, basis, level,
             withheld_labels, starts_on, ends_on, created_at, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
    )
    .bind(new.proxy_user_id)
    .bind(new.patient_id)
    .bind(new.relationship_system)
    .bind(new.relationship_code)
    .bind(new.proxy_is)
    .bind(new.patient_is)
    .bind(new.authority_code)
    .bind(if new.parental {
        "parental"
    } else {
        "authorised"
    })
    .bind(new.level)
    .bind(format!(" {} ", new.withheld_labels.join(" ")))
    .bind(new.starts_on)
    .bind(new.ends_on)
    .bind(new.at)
    .bind(new.created_by)
    .fetch_one(conn)
    .await
}

/// Ends a relationship now; false if it had already been stopped.
pub async fn stop(conn: &mut Conn, id: i64, by: &str, at: i64) -> sqlx::Result<bool> {
    Ok(sqlx::query(
        "UPDATE proxy_relationships SET stopped_at = $1, stopped_by = $2
         WHERE id = $3 AND stopped_at IS NULL",
    )
    .bind(at)
    .bind(by)
    .bind(id)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1)
}

/// The young person agrees to (or, with None, withdraws agreement from) a parent's access.
pub async fn set_agreed(conn: &mut Conn, id: i64, at: Option<i64>) -> sqlx::Result<()> {
    sqlx::query("UPDATE proxy_relationships SET agreed_at = $1 WHERE id = $2")
        .bind(at)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn accept_terms(conn: &mut Conn, id: i64, version: &str, at: i64) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO proxy_terms_acceptances (relationship_id, version, accepted_at)
         VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
    )
    .bind(id)
    .bind(version)
    .bind(at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn terms_accepted(conn: &mut Conn, id: i64, version: &str) -> sqlx::Result<bool> {
    sqlx::query("SELECT 1 FROM proxy_terms_acceptances WHERE relationship_id = $1 AND version = $2")
        .bind(id)
        .bind(version)
        .fetch_optional(&mut *conn)
        .await
        .map(|r| r.map(|_| ()))
        .map(|found| found.is_some())
}
