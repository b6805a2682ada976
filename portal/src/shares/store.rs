//! Shares as stored: one row each, with only hashes of the code and the link's address.

use super::SECTIONS;
use crate::access::Filter;
use rusqlite::{Connection, OptionalExtension, params};
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

fn from_row(r: &rusqlite::Row) -> rusqlite::Result<Share> {
    Ok(Share {
        id: r.get(0)?,
        patient_id: r.get(1)?,
        created_by: r.get(2)?,
        proxy_relationship: r.get(3)?,
        label: r.get(4)?,
        sections: r
            .get::<_, String>(5)?
            .split_whitespace()
            .map(String::from)
            .collect(),
        sent_to: r.get(6)?,
        code_hash: r.get(7)?,
        link_key: r.get(8)?,
        created_at: r.get(9)?,
        expires_at: r.get(10)?,
        stopped_at: r.get(11)?,
        failed_attempts: r.get(12)?,
    })
}

fn one(
    conn: &Connection,
    column: &str,
    value: &dyn rusqlite::ToSql,
) -> rusqlite::Result<Option<Share>> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM shares WHERE {column} = ?1"),
        [value],
        from_row,
    )
    .optional()
}

pub fn by_id(conn: &Connection, id: i64) -> rusqlite::Result<Option<Share>> {
    one(conn, "id", &id)
}

pub fn by_code_hash(conn: &Connection, hash: &str) -> rusqlite::Result<Option<Share>> {
    one(conn, "code_hash", &hash)
}

pub fn by_link_hash(conn: &Connection, hash: &str) -> rusqlite::Result<Option<Share>> {
    one(conn, "link_hash", &hash)
}

/// A patient's shares, newest first.
pub fn of_patient(conn: &Connection, patient_id: &str) -> rusqlite::Result<Vec<Share>> {
    conn.prepare(&format!(
        "SELECT {COLUMNS} FROM shares WHERE patient_id = ?1 ORDER BY created_at DESC, id DESC"
    ))?
    .query_map([patient_id], from_row)?
    .collect()
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

pub fn insert(conn: &Connection, new: &NewShare) -> rusqlite::Result<Share> {
    conn.execute(
        "INSERT INTO shares (patient_id, created_by, proxy_relationship, label, sections, sent_to,
             code_hash, link_hash, link_key, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            new.patient_id,
            new.created_by,
            new.proxy_relationship,
            new.label,
            new.sections.join(" "),
            new.sent_to,
            new.code_hash,
            new.link_hash,
            new.link_key,
            new.created_at,
            new.expires_at
        ],
    )?;
    Ok(by_id(conn, conn.last_insert_rowid())?.expect("the row just written"))
}

/// Stops a share at once: its key and file locations go. Viewers' sessions stay until the
/// purge, so an open view is told why it ended.
pub fn stop(conn: &Connection, id: i64, by: i64, now: i64) -> rusqlite::Result<bool> {
    let changed = conn.execute(
        "UPDATE shares SET stopped_at = ?1, stopped_by = ?2, link_key = NULL
         WHERE id = ?3 AND stopped_at IS NULL",
        params![now, by, id],
    )?;
    conn.execute("DELETE FROM share_files WHERE share_id = ?1", [id])?;
    Ok(changed > 0)
}

/// Counts a wrong date of birth or passcode; the new count.
pub fn fail(conn: &Connection, id: i64) -> rusqlite::Result<i64> {
    conn.query_row(
        "UPDATE shares SET failed_attempts = failed_attempts + 1 WHERE id = ?1
         RETURNING failed_attempts",
        [id],
        |r| r.get(0),
    )
}

/// How long a viewer's session is remembered after its last use, open or not: long enough that
/// a viewer who comes back to a stopped share is told it was stopped, not that they were away.
pub const VIEWER_REMEMBERED: i64 = 86_400;

/// Forgets what an ended share no longer needs: the link's key, file addresses, and viewers'
/// sessions a day after their last use. The share itself stays, so the patient still sees who
/// looked.
pub fn purge(conn: &Connection, now: i64, idle_timeout: i64) -> rusqlite::Result<usize> {
    let ended = conn.execute(
        "UPDATE shares SET link_key = NULL WHERE link_key IS NOT NULL
         AND (stopped_at IS NOT NULL OR expires_at <= ?1 OR failed_attempts >= ?2)",
        params![now, MAX_FAILED],
    )?;
    conn.execute(
        "DELETE FROM share_sessions WHERE ?1 - last_seen >= ?2",
        params![now, VIEWER_REMEMBERED.max(idle_timeout)],
    )?;
    conn.execute(
        "DELETE FROM share_files WHERE expires_at <= ?1
         OR share_id IN (SELECT id FROM shares WHERE link_key IS NULL)",
        [now],
    )?;
    Ok(ended)
}

/// Openings one share allows in an hour, by code and by link together: far more than the person
/// it is for needs, too few for a leaked link to fill the database.
pub const OPENINGS_AN_HOUR: i64 = 30;
/// Viewers' sessions one share keeps at once; a new one replaces the oldest.
const VIEWERS_KEPT: i64 = 10;
/// File addresses one share keeps at once (a manifest gives one a section); older ones go.
const FILES_KEPT: i64 = 40;

/// How long until the share may be opened again, if it has been opened its hour's worth.
pub fn opened_too_often(
    conn: &Connection,
    share_id: i64,
    now: i64,
) -> rusqlite::Result<Option<i64>> {
    let oldest_counted: Option<i64> = conn
        .query_row(
            "SELECT at FROM audit WHERE share_id = ?1 AND action = 'share-opened'
               AND outcome = 'success' AND at > ?2
             ORDER BY at DESC LIMIT 1 OFFSET ?3",
            params![share_id, now - 3600, OPENINGS_AN_HOUR - 1],
            |r| r.get(0),
        )
        .optional()?;
    Ok(oldest_counted.map(|at| (at + 3600 - now).max(1)))
}

/// Whether an opening of this share was refused in the last hour for this reason: repeats are
/// answered but not written again, so knocking on a stopped link cannot fill the trail.
pub fn refused_lately(
    conn: &Connection,
    share_id: i64,
    reason: &str,
    now: i64,
) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM audit WHERE share_id = ?1 AND action = 'share-opened'
           AND outcome = 'refused' AND detail LIKE ?2 AND at > ?3)",
        params![share_id, format!("{reason}%"), now - 3600],
        |r| r.get(0),
    )
}

/// Keeps a share's newest viewers' sessions and file addresses, and forgets the rest.
pub fn keep_newest(conn: &Connection, share_id: i64) -> rusqlite::Result<()> {
    conn.execute(
        "DELETE FROM share_sessions WHERE share_id = ?1 AND token_hash NOT IN (
           SELECT token_hash FROM share_sessions WHERE share_id = ?1
           ORDER BY created_at DESC, rowid DESC LIMIT ?2)",
        params![share_id, VIEWERS_KEPT],
    )?;
    conn.execute(
        "DELETE FROM share_files WHERE share_id = ?1 AND token_hash NOT IN (
           SELECT token_hash FROM share_files WHERE share_id = ?1
           ORDER BY expires_at DESC, rowid DESC LIMIT ?2)",
        params![share_id, FILES_KEPT],
    )?;
    Ok(())
}

/// What the audit trail holds of a share's openings: when, who they said they were, how, and
/// whether it was let in.
pub struct Opening {
    pub at: i64,
    pub viewer: serde_json::Value,
    pub allowed: bool,
}

pub fn openings(conn: &Connection, share_id: i64) -> rusqlite::Result<Vec<Opening>> {
    conn.prepare(
        "SELECT at, viewer, outcome FROM audit WHERE share_id = ?1 AND action = 'share-opened'
         ORDER BY at DESC, id DESC",
    )?
    .query_map([share_id], |r| {
        Ok(Opening {
            at: r.get(0)?,
            viewer: r
                .get::<_, Option<String>>(1)?
                .and_then(|v| serde_json::from_str(&v).ok())
                .unwrap_or_default(),
            allowed: r.get::<_, String>(2)? == "success",
        })
    })?
    .collect()
}
