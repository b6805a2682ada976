//! A patient's objections to sharing their record with other organisations: to all of them, to
//! one organisation, or hiding one visit (and everything recorded in it), one document or result,
//! or a category of sensitive information. Each is kept with who made it and when, and who
//! withdrew it and when, so the patient sees a dated history. What they keep from an
//! organisation's professionals is worked out on every read (`access::objections`).

use crate::infra::store::Conn;
use serde::{Deserialize, Serialize};
use sqlx::Row;

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

fn row(r: &sqlx::any::AnyRow) -> sqlx::Result<Objection> {
    let kind: String = r.try_get(2)?;
    Ok(Objection {
        id: r.try_get(0)?,
        patient_id: r.try_get(1)?,
        // The table's CHECK admits only the five kinds.
        kind: Kind::parse(&kind).unwrap_or(Kind::All),
        target: r.try_get(3)?,
        made_at: r.try_get(4)?,
        made_by: r.try_get(5)?,
        made_through: r.try_get(6)?,
        withdrawn_at: r.try_get(7)?,
        withdrawn_by: r.try_get(8)?,
        withdrawn_through: r.try_get(9)?,
    })
}

/// Every objection the patient has made, in force or withdrawn, newest first.
pub async fn of_patient(conn: &mut Conn, patient_id: &str) -> sqlx::Result<Vec<Objection>> {
    let stmt = sqlx::query(sqlx::AssertSqlSafe(
        format!(
            "SELECT {COLUMNS} FROM objections WHERE patient_id = $1 ORDER BY made_at DESC, id DESC"
        )
        .to_string(),
    ));
    stmt.bind(patient_id)
        .try_map(|r: sqlx::any::AnyRow| row(&r))
        .fetch_all(conn)
        .await
}

pub async fn by_id(conn: &mut Conn, id: i64) -> sqlx::Result<Option<Objection>> {
    sqlx::query(sqlx::AssertSqlSafe(
        format!("SELECT {COLUMNS} FROM objections WHERE id = $1").to_string(),
    ))
    .bind(id)
    .try_map(|r: sqlx::any::AnyRow| row(&r))
    .fetch_optional(&mut *conn)
    .await
}

/// Who makes or withdraws an objection: the user, and the relationship if they act as a proxy.
#[derive(Clone, Copy, Debug)]
pub struct By {
    pub user: i64,
    pub through: Option<i64>,
}

/// Records a new objection; None if the same one is already in force.
pub async fn add(
    conn: &mut Conn,
    patient_id: &str,
    kind: Kind,
    target: &str,
    by: By,
    now: i64,
) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar(
        "INSERT INTO objections (patient_id, kind, target, made_at, made_by, made_through)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING id",
    )
    .bind(patient_id)
    .bind(kind.as_str())
    .bind(target)
    .bind(now)
    .bind(by.user)
    .bind(by.through)
    .fetch_optional(conn)
    .await
}

/// Withdraws an objection in force; false if it was not.
pub async fn withdraw(conn: &mut Conn, id: i64, by: By, now: i64) -> sqlx::Result<bool> {
    Ok(sqlx::query(
        "UPDATE objections SET withdrawn_at = $2, withdrawn_by = $3, withdrawn_through = $4
         WHERE id = $1 AND withdrawn_at IS NULL",
    )
    .bind(id)
    .bind(now)
    .bind(by.user)
    .bind(by.through)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        > 0)
}
