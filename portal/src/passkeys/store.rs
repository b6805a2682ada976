//! Passkeys as stored: each account's WebAuthn user handle, its credentials, and the ceremonies
//! under way. A ceremony's state is taken in the statement that deletes it, so one challenge is
//! answered once, however many requests race with it.

use crate::infra::error::ApiError;
use crate::session::{random_token, token_hash};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use serde::de::DeserializeOwned;
use webauthn_rs::prelude::{Passkey, Uuid};

/// How long a challenge waits for its answer.
pub const CEREMONY_WINDOW: i64 = 5 * 60;

/// The account's WebAuthn user handle, made on first use: random, so a passkey names no one.
pub fn handle(conn: &Connection, user_id: i64) -> rusqlite::Result<Uuid> {
    let stored: Option<String> = conn.query_row(
        "SELECT webauthn_handle FROM users WHERE id = ?1",
        [user_id],
        |r| r.get(0),
    )?;
    if let Some(uuid) = stored.and_then(|s| Uuid::parse_str(&s).ok()) {
        return Ok(uuid);
    }
    let uuid = Uuid::new_v4();
    conn.execute(
        "UPDATE users SET webauthn_handle = ?1 WHERE id = ?2",
        params![uuid.to_string(), user_id],
    )?;
    Ok(uuid)
}

pub fn user_of_handle(conn: &Connection, handle: &Uuid) -> rusqlite::Result<Option<i64>> {
    conn.query_row(
        "SELECT id FROM users WHERE webauthn_handle = ?1",
        [handle.to_string()],
        |r| r.get(0),
    )
    .optional()
}

/// Sign-in challenges kept at once, whoever asked: past this the oldest goes first, so a flood
/// from many networks costs a bounded table, not the disk.
pub const MAX_WAITING: i64 = 5_000;

/// Keeps a ceremony's state; the token is for the browser and is not kept. An account keeps one
/// ceremony of a kind (a new one replaces it); sign-in challenges, which name no account, are
/// kept up to [`MAX_WAITING`].
pub fn begin<T: Serialize>(
    conn: &Connection,
    kind: &str,
    user_id: Option<i64>,
    state: &T,
    now: i64,
) -> Result<String, ApiError> {
    let token = random_token();
    let state = serde_json::to_string(state).map_err(|_| ApiError::Internal)?;
    match user_id {
        Some(user) => conn.execute(
            "DELETE FROM webauthn_ceremonies WHERE kind = ?1 AND user_id = ?2",
            params![kind, user],
        )?,
        // Rows are numbered as they come, so the oldest are those below the newest number
        // less the bound: a range at the start of the table, not a sort of all of it.
        None => conn.execute(
            "DELETE FROM webauthn_ceremonies WHERE user_id IS NULL
               AND rowid <= (SELECT max(rowid) FROM webauthn_ceremonies) - ?1",
            [MAX_WAITING - 1],
        )?,
    };
    conn.execute(
        "INSERT INTO webauthn_ceremonies (token_hash, kind, user_id, state, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![token_hash(&token), kind, user_id, state, now],
    )?;
    Ok(token)
}

/// Takes a ceremony's state, once, if it is of this kind, for this user, and not too old.
pub fn take<T: DeserializeOwned>(
    conn: &Connection,
    token: &str,
    kind: &str,
    user_id: Option<i64>,
    now: i64,
) -> Result<Option<T>, ApiError> {
    let state: Option<String> = conn
        .query_row(
            "DELETE FROM webauthn_ceremonies
             WHERE token_hash = ?1 AND kind = ?2 AND user_id IS ?3 AND ?4 - created_at <= ?5
             RETURNING state",
            params![token_hash(token), kind, user_id, now, CEREMONY_WINDOW],
            |r| r.get(0),
        )
        .optional()?;
    state
        .map(|s| serde_json::from_str(&s).map_err(|_| ApiError::Internal))
        .transpose()
}

pub fn purge(conn: &Connection, now: i64) -> rusqlite::Result<usize> {
    conn.execute(
        "DELETE FROM webauthn_ceremonies WHERE ?1 - created_at > ?2",
        params![now, CEREMONY_WINDOW],
    )
}

pub struct Stored {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    pub passkey: Passkey,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

fn credential_text(passkey: &Passkey) -> String {
    URL_SAFE_NO_PAD.encode(passkey.cred_id().as_ref() as &[u8])
}

fn stored_from_row(
    r: &rusqlite::Row,
) -> rusqlite::Result<(i64, i64, String, String, i64, Option<i64>)> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
    ))
}

fn parse(row: (i64, i64, String, String, i64, Option<i64>)) -> Result<Stored, ApiError> {
    let (id, user_id, name, passkey, created_at, last_used_at) = row;
    Ok(Stored {
        id,
        user_id,
        name,
        passkey: serde_json::from_str(&passkey).map_err(|_| ApiError::Internal)?,
        created_at,
        last_used_at,
    })
}

const COLUMNS: &str = "id, user_id, name, passkey, created_at, last_used_at";

pub fn of_user(conn: &Connection, user_id: i64) -> Result<Vec<Stored>, ApiError> {
    let rows = conn
        .prepare(&format!(
            "SELECT {COLUMNS} FROM passkeys WHERE user_id = ?1 ORDER BY created_at, id"
        ))?
        .query_map([user_id], stored_from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter().map(parse).collect()
}

pub fn by_credential(conn: &Connection, credential_id: &[u8]) -> Result<Option<Stored>, ApiError> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM passkeys WHERE credential_id = ?1"),
        [URL_SAFE_NO_PAD.encode(credential_id)],
        stored_from_row,
    )
    .optional()?
    .map(parse)
    .transpose()
}

pub fn add(
    conn: &Connection,
    user_id: i64,
    name: &str,
    passkey: &Passkey,
    now: i64,
) -> Result<i64, ApiError> {
    let json = serde_json::to_string(passkey).map_err(|_| ApiError::Internal)?;
    let added = conn.execute(
        "INSERT INTO passkeys (user_id, credential_id, name, passkey, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (credential_id) DO NOTHING",
        params![user_id, credential_text(passkey), name, json, now],
    )?;
    if added == 0 {
        return Err(ApiError::Conflict(
            "This passkey is already added to an account.".into(),
        ));
    }
    Ok(conn.last_insert_rowid())
}

/// After a sign-in: the counter it reported, and when it was last used.
pub fn used(conn: &Connection, stored: &Stored, now: i64) -> Result<(), ApiError> {
    let json = serde_json::to_string(&stored.passkey).map_err(|_| ApiError::Internal)?;
    conn.execute(
        "UPDATE passkeys SET passkey = ?1, last_used_at = ?2 WHERE id = ?3",
        params![json, now, stored.id],
    )?;
    Ok(())
}

pub fn remove(conn: &Connection, user_id: i64, id: i64) -> rusqlite::Result<Option<String>> {
    conn.query_row(
        "DELETE FROM passkeys WHERE id = ?1 AND user_id = ?2 RETURNING name",
        params![id, user_id],
        |r| r.get(0),
    )
    .optional()
}

/// Every passkey of the account gone; answers how many there were.
pub fn remove_all(conn: &Connection, user_id: i64) -> rusqlite::Result<usize> {
    conn.execute("DELETE FROM passkeys WHERE user_id = ?1", [user_id])
}

pub fn count(conn: &Connection, user_id: i64) -> rusqlite::Result<i64> {
    conn.query_row(
        "SELECT count(*) FROM passkeys WHERE user_id = ?1",
        [user_id],
        |r| r.get(0),
    )
}
