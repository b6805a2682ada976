//! Passkeys as stored: each account's WebAuthn user handle, its credentials, and the ceremonies
//! under way. A ceremony's state is taken in the statement that deletes it, so one challenge is
//! answered once, however many requests race with it.

use crate::infra::error::ApiError;
use crate::infra::store::Conn;
use crate::infra::tokens::{random_token, token_hash};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::Row;
use webauthn_rs::prelude::{Passkey, Uuid};

/// How long a challenge waits for its answer.
pub const CEREMONY_WINDOW: i64 = 5 * 60;

/// The account's WebAuthn user handle, made on first use: random, so a passkey names no one.
pub async fn handle(conn: &mut Conn, user_id: i64) -> sqlx::Result<Uuid> {
    let stored: Option<String> = sqlx::query("SELECT webauthn_handle FROM users WHERE id = $1")
        .bind(user_id)
        .try_map(|r: sqlx::any::AnyRow| r.try_get(0))
        .fetch_one(&mut *conn)
        .await?;
    if let Some(uuid) = stored.and_then(|s| Uuid::parse_str(&s).ok()) {
        return Ok(uuid);
    }
    let uuid = Uuid::new_v4();
    sqlx::query("UPDATE users SET webauthn_handle = $1 WHERE id = $2")
        .bind(uuid.to_string())
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    Ok(uuid)
}

pub async fn user_of_handle(conn: &mut Conn, handle: &Uuid) -> sqlx::Result<Option<i64>> {
    sqlx::query("SELECT id FROM users WHERE webauthn_handle = $1")
        .bind(handle.to_string())
        .try_map(|r: sqlx::any::AnyRow| r.try_get(0))
        .fetch_optional(&mut *conn)
        .await
}

/// Sign-in challenges kept at once, whoever asked: past this the oldest goes first, so a flood
/// from many networks costs a bounded table, not the disk.
pub const MAX_WAITING: i64 = 5_000;

/// Keeps a ceremony's state; the token is for the browser and is not kept. An account keeps one
/// ceremony of a kind (a new one replaces it); sign-in challenges, which name no account, are
/// kept up to [`MAX_WAITING`].
pub async fn begin<T: Serialize>(
    conn: &mut Conn,
    kind: &str,
    user_id: Option<i64>,
    state: &T,
    now: i64,
) -> Result<String, ApiError> {
    let token = random_token();
    let state = serde_json::to_string(state).map_err(|_| ApiError::Internal)?;
    match user_id {
        Some(user) => {
            sqlx::query("DELETE FROM webauthn_ceremonies WHERE kind = $1 AND user_id = $2")
                .bind(kind)
                .bind(user)
                .execute(&mut *conn)
                .await?
        }
        // Rows are numbered as they come, so the oldest are those below the newest number
        // less the bound: a range at the start of the table, not a sort of all of it.
        None => {
            sqlx::query(
                "DELETE FROM webauthn_ceremonies WHERE user_id IS NULL
               AND id <= (SELECT max(id) FROM webauthn_ceremonies) - $1",
            )
            .bind(MAX_WAITING - 1)
            .execute(&mut *conn)
            .await?
        }
    };
    sqlx::query("INSERT INTO webauthn_ceremonies (token_hash, kind, user_id, state, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(token_hash(&token))
        .bind(kind)
        .bind(user_id)
        .bind(state)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    Ok(token)
}

/// Takes a ceremony's state, once, if it is of this kind, for this user, and not too old.
pub async fn take<T: DeserializeOwned>(
    conn: &mut Conn,
    token: &str,
    kind: &str,
    user_id: Option<i64>,
    now: i64,
) -> Result<Option<T>, ApiError> {
    let state: Option<String> = sqlx::query("DELETE FROM webauthn_ceremonies
             WHERE token_hash = $1 AND kind = $2 AND user_id IS NOT DISTINCT FROM $3 AND $4 - created_at <= $5
             RETURNING state")
        .bind(token_hash(token))
        .bind(kind)
        .bind(user_id)
        .bind(now)
        .bind(CEREMONY_WINDOW)
        .try_map(|r: sqlx::any::AnyRow| r.try_get(0))
        .fetch_optional(&mut *conn)
        .await?;
    state
        .map(|s| serde_json::from_str(&s).map_err(|_| ApiError::Internal))
        .transpose()
}

pub async fn purge(conn: &mut Conn, now: i64) -> sqlx::Result<u64> {
    let done = sqlx::query("DELETE FROM webauthn_ceremonies WHERE $1 - created_at > $2")
        .bind(now)
        .bind(CEREMONY_WINDOW)
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
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
    r: &sqlx::any::AnyRow,
) -> sqlx::Result<(i64, i64, String, String, i64, Option<i64>)> {
    Ok((
        r.try_get(0)?,
        r.try_get(1)?,
        r.try_get(2)?,
        r.try_get(3)?,
        r.try_get(4)?,
        r.try_get(5)?,
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

pub async fn of_user(conn: &mut Conn, user_id: i64) -> Result<Vec<Stored>, ApiError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(
        format!("SELECT {COLUMNS} FROM passkeys WHERE user_id = $1 ORDER BY created_at, id")
            .to_string(),
    ))
    .bind(user_id)
    .try_map(|r: sqlx::any::AnyRow| stored_from_row(&r))
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter().map(parse).collect()
}

pub async fn by_credential(
    conn: &mut Conn,
    credential_id: &[u8],
) -> Result<Option<Stored>, ApiError> {
    sqlx::query(sqlx::AssertSqlSafe(
        format!("SELECT {COLUMNS} FROM passkeys WHERE credential_id = $1").to_string(),
    ))
    .bind(URL_SAFE_NO_PAD.encode(credential_id))
    .try_map(|r: sqlx::any::AnyRow| stored_from_row(&r))
    .fetch_optional(&mut *conn)
    .await?
    .map(parse)
    .transpose()
}

pub async fn add(
    conn: &mut Conn,
    user_id: i64,
    name: &str,
    passkey: &Passkey,
    now: i64,
) -> Result<i64, ApiError> {
    let json = serde_json::to_string(passkey).map_err(|_| ApiError::Internal)?;
    let added: Option<i64> = sqlx::query_scalar(
        "INSERT INTO passkeys (user_id, credential_id, name, passkey, created_at)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (credential_id) DO NOTHING RETURNING id",
    )
    .bind(user_id)
    .bind(credential_text(passkey))
    .bind(name)
    .bind(json)
    .bind(now)
    .fetch_optional(conn)
    .await?;
    added.ok_or_else(|| ApiError::Conflict("This passkey is already added to an account.".into()))
}

/// After a sign-in: the counter it reported, and when it was last used.
pub async fn used(conn: &mut Conn, stored: &Stored, now: i64) -> Result<(), ApiError> {
    let json = serde_json::to_string(&stored.passkey).map_err(|_| ApiError::Internal)?;
    sqlx::query("UPDATE passkeys SET passkey = $1, last_used_at = $2 WHERE id = $3")
        .bind(json)
        .bind(now)
        .bind(stored.id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn remove(conn: &mut Conn, user_id: i64, id: i64) -> sqlx::Result<Option<String>> {
    sqlx::query("DELETE FROM passkeys WHERE id = $1 AND user_id = $2 RETURNING name")
        .bind(id)
        .bind(user_id)
        .try_map(|r: sqlx::any::AnyRow| r.try_get(0))
        .fetch_optional(&mut *conn)
        .await
}

/// Every passkey of the account gone; answers how many there were.
pub async fn remove_all(conn: &mut Conn, user_id: i64) -> sqlx::Result<u64> {
    let done = sqlx::query("DELETE FROM passkeys WHERE user_id = $1")
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}

pub async fn count(conn: &mut Conn, user_id: i64) -> sqlx::Result<i64> {
    sqlx::query("SELECT count(*) FROM passkeys WHERE user_id = $1")
        .bind(user_id)
        .try_map(|r: sqlx::any::AnyRow| r.try_get(0))
        .fetch_one(&mut *conn)
        .await
}
