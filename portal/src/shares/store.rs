//! Shares as stored: one row each, with only hashes of the code and the link's address.

use super::SECTIONS;
use crate::access::Filter;
use crate::infra::store::Conn;
use sqlx::Any;
use sqlx::Row;
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;
use std::collections::BTreeSet;

/// Wrong dates of birth and wrong passcodes a share survives, over its whole life.
pub const MAX_FAILED: i64 = 5;

#[derive(Clone, Debug)]
pub struct Share {
    pub id: i64,
    pub patient_id: String,
    pub created_by: i64,
    pub proxy_relationship: Option<i64>,
    pub label: String,
    pub sections: Vec<String>,
    pub sent_to: Option<String>,
    pub code_hash: String,
    pub link_key: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
    pub stopped_at: Option<i64>,
    pub failed_attempts: i64,
}

/// Where a share stands. Anything but `Active` opens nothing.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Status {
    Active,
    Expired,
    Stopped,
    Locked,
    /// Made by someone acting for the patient whose access has since stopped, ended, paused or
    /// narrowed: a share never outlives the access that made it.
    AccessEnded,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Expired => "expired",
            Status::Stopped => "stopped",
            Status::Locked => "locked",
            Status::AccessEnded => "access-ended",
        }
    }
}

impl Share {
    /// Where the share stands by itself (see `shares::standing` for the maker's access too).
    pub fn status(&self, now: i64) -> Status {
        if self.stopped_at.is_some() {
            Status::Stopped
        } else if self.failed_attempts >= MAX_FAILED {
            Status::Locked
        } else if now >= self.expires_at {
            Status::Expired
        } else {
            Status::Active
        }
    }

    /// The resource types of the shared sections.
    pub fn types(&self) -> BTreeSet<String> {
        SECTIONS
            .iter()
            .filter(|(id, _)| self.sections.iter().any(|s| s == id))
            .flat_map(|(_, types)| types.iter().map(|t| t.to_string()))
            .collect()
    }

    /// What a viewer sees: the shared sections' types, and the Patient.
    pub fn filter(&self) -> Filter {
        Filter {
            types: Some(self.types()),
            labels: BTreeSet::new(),
        }
    }
}

const COLUMNS: &str = "id, patient_id, created_by, proxy_relationship, label, sections, sent_to,
    code_hash, link_key, created_at, expires_at, stopped_at, failed_attempts";

fn from_row(r: &sqlx::any::AnyRow) -> sqlx::Result<Share> {
    Ok(Share {
        id: r.try_get(0)?,
        patient_id: r.try_get(1)?,
        created_by: r.try_get(2)?,
        proxy_relationship: r.try_get(3)?,
        label: r.try_get(4)?,
        sections: r
            .try_get::<String, _>(5)?
            .split_whitespace()
            .map(String::from)
            .collect(),
        sent_to: r.try_get(6)?,
        code_hash: r.try_get(7)?,
        link_key: r.try_get(8)?,
        created_at: r.try_get(9)?,
        expires_at: r.try_get(10)?,
        stopped_at: r.try_get(11)?,
        failed_attempts: r.try_get(12)?,
    })
}

/// The share a column of `shares` names; `bind` gives the column's value.
async fn one(
    conn: &mut Conn,
    column: &str,
    bind: impl FnOnce(Query<'static, Any, AnyArguments>) -> Query<'static, Any, AnyArguments>,
) -> sqlx::Result<Option<Share>> {
    bind(sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM shares WHERE {column} = $1"
    ))))
    .try_map(|r: sqlx::any::AnyRow| from_row(&r))
    .fetch_optional(conn)
    .await
}

pub async fn by_id(conn: &mut Conn, id: i64) -> sqlx::Result<Option<Share>> {
    one(conn, "id", |q| q.bind(id)).await
}

pub async fn by_code_hash(conn: &mut Conn, hash: &str) -> sqlx::Result<Option<Share>> {
    one(conn, "code_hash", |q| q.bind(hash.to_owned())).await
}

pub async fn by_link_hash(conn: &mut Conn, hash: &str) -> sqlx::Result<Option<Share>> {
    one(conn, "link_hash", |q| q.bind(hash.to_owned())).await
}

/// A patient's shares, newest first.
pub async fn of_patient(conn: &mut Conn, patient_id: &str) -> sqlx::Result<Vec<Share>> {
    sqlx::query(sqlx::AssertSqlSafe(
        format!(
            "SELECT {COLUMNS} FROM shares WHERE patient_id = $1 ORDER BY created_at DESC, id DESC"
        )
        .to_string(),
    ))
    .bind(patient_id)
    .try_map(|r: sqlx::any::AnyRow| from_row(&r))
    .fetch_all(conn)
    .await
}

pub struct NewShare<'a> {
    pub patient_id: &'a str,
    pub created_by: i64,
    pub proxy_relationship: Option<i64>,
    pub label: &'a str,
    pub sections: &'a [String],
    pub sent_to: Option<&'a str>,
    pub code_hash: &'a str,
    pub link_hash: &'a str,
    pub link_key: &'a str,
    pub created_at: i64,
    pub expires_at: i64,
}

pub async fn insert(conn: &mut Conn, new: &NewShare<'_>) -> sqlx::Result<Share> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO shares (patient_id, created_by, proxy_relationship, label, sections, sent_to,
             code_hash, link_hash, link_key, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(new.patient_id)
    .bind(new.created_by)
    .bind(new.proxy_relationship)
    .bind(new.label)
    .bind(new.sections.join(" "))
    .bind(new.sent_to)
    .bind(new.code_hash)
    .bind(new.link_hash)
    .bind(new.link_key)
    .bind(new.created_at)
    .bind(new.expires_at)
    .fetch_one(&mut *conn)
    .await?;
    Ok(by_id(conn, id).await?.expect("the row just written"))
}

/// Stops a share at once: its key and file locations go. Viewers' sessions stay until the
/// purge, so an open view is told why it ended.
pub async fn stop(conn: &mut Conn, id: i64, by: i64, now: i64) -> sqlx::Result<bool> {
    let changed = sqlx::query(
        "UPDATE shares SET stopped_at = $1, stopped_by = $2, link_key = NULL
         WHERE id = $3 AND stopped_at IS NULL",
    )
    .bind(now)
    .bind(by)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM share_files WHERE share_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(changed.rows_affected() > 0)
}

/// Counts a wrong date of birth or passcode; the new count.
pub async fn fail(conn: &mut Conn, id: i64) -> sqlx::Result<i64> {
    sqlx::query(
        "UPDATE shares SET failed_attempts = failed_attempts + 1 WHERE id = $1
         RETURNING failed_attempts",
    )
    .bind(id)
    .try_map(|r: sqlx::any::AnyRow| r.try_get(0))
    .fetch_one(&mut *conn)
    .await
}

/// How long a viewer's session is remembered after its last use, open or not: long enough that
/// a viewer who comes back to a stopped share is told it was stopped, not that they were away.
pub const VIEWER_REMEMBERED: i64 = 86_400;

/// Forgets what an ended share no longer needs: the link's key, file addresses, and viewers'
/// sessions a day after their last use. The share itself stays, so the patient still sees who
/// looked.
pub async fn purge(conn: &mut Conn, now: i64, idle_timeout: i64) -> sqlx::Result<u64> {
    let ended = sqlx::query(
        "UPDATE shares SET link_key = NULL WHERE link_key IS NOT NULL
         AND (stopped_at IS NOT NULL OR expires_at <= $1 OR failed_attempts >= $2)",
    )
    .bind(now)
    .bind(MAX_FAILED)
    .execute(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM share_sessions WHERE $1 - last_seen >= $2")
        .bind(now)
        .bind(VIEWER_REMEMBERED.max(idle_timeout))
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "DELETE FROM share_files WHERE expires_at <= $1
         OR share_id IN (SELECT id FROM shares WHERE link_key IS NULL)",
    )
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(ended.rows_affected())
}

/// Openings one share allows in an hour, by code and by link together: far more than the person
/// it is for needs, too few for a leaked link to fill the database.
pub const OPENINGS_AN_HOUR: i64 = 30;
/// Viewers' sessions one share keeps at once; a new one replaces the oldest.
const VIEWERS_KEPT: i64 = 10;
/// File addresses one share keeps at once (a manifest gives one a section); older ones go.
const FILES_KEPT: i64 = 40;

/// How long until the share may be opened again, if it has been opened its hour's worth.
pub async fn opened_too_often(
    conn: &mut Conn,
    share_id: i64,
    now: i64,
) -> sqlx::Result<Option<i64>> {
    let oldest_counted: Option<i64> = sqlx::query(
        "SELECT at FROM audit WHERE share_id = $1 AND action = 'share-opened'
               AND outcome = 'success' AND at > $2
             ORDER BY at DESC LIMIT 1 OFFSET $3",
    )
    .bind(share_id)
    .bind(now - 3600)
    .bind(OPENINGS_AN_HOUR - 1)
    .try_map(|r: sqlx::any::AnyRow| r.try_get(0))
    .fetch_optional(&mut *conn)
    .await?;
    Ok(oldest_counted.map(|at| (at + 3600 - now).max(1)))
}

/// Whether an opening of this share was refused in the last hour for this reason: repeats are
/// answered but not written again, so knocking on a stopped link cannot fill the trail.
pub async fn refused_lately(
    conn: &mut Conn,
    share_id: i64,
    reason: &str,
    now: i64,
) -> sqlx::Result<bool> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM audit WHERE share_id = $1 AND action = 'share-opened'
           AND outcome = 'refused' AND detail LIKE $2 AND at > $3 LIMIT 1",
    )
    .bind(share_id)
    .bind(format!("{reason}%"))
    .bind(now - 3600)
    .fetch_optional(conn)
    .await?;
    Ok(found.is_some())
}

/// Keeps a share's newest viewers' sessions and file addresses, and forgets the rest.
pub async fn keep_newest(conn: &mut Conn, share_id: i64) -> sqlx::Result<()> {
    sqlx::query(
        "DELETE FROM share_sessions WHERE share_id = $1 AND token_hash NOT IN (
           SELECT token_hash FROM share_sessions WHERE share_id = $1
           ORDER BY created_at DESC, token_hash DESC LIMIT $2)",
    )
    .bind(share_id)
    .bind(VIEWERS_KEPT)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "DELETE FROM share_files WHERE share_id = $1 AND token_hash NOT IN (
           SELECT token_hash FROM share_files WHERE share_id = $1
           ORDER BY expires_at DESC, token_hash DESC LIMIT $2)",
    )
    .bind(share_id)
    .bind(FILES_KEPT)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// What the audit trail holds of a share's openings: when, who they said they were, how, and
/// whether it was let in.
pub struct Opening {
    pub at: i64,
    pub viewer: serde_json::Value,
    pub allowed: bool,
}

pub async fn openings(conn: &mut Conn, share_id: i64) -> sqlx::Result<Vec<Opening>> {
    sqlx::query(
        "SELECT at, viewer, outcome FROM audit WHERE share_id = $1 AND action = 'share-opened'
         ORDER BY at DESC, id DESC",
    )
    .bind(share_id)
    .try_map(|r: AnyRow| {
        Ok(Opening {
            at: r.try_get(0)?,
            viewer: r
                .try_get::<Option<String>, _>(1)?
                .and_then(|v| serde_json::from_str(&v).ok())
                .unwrap_or_default(),
            allowed: r.try_get::<String, _>(2)? == "success",
        })
    })
    .fetch_all(conn)
    .await
}
