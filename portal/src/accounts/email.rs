//! An account's email address, and a change to it waiting for the code sent to the new address.
//! The code is stored only as a hash; a change lasts 30 minutes and survives 5 wrong codes.

use crate::infra::codes;
use crate::infra::store::Conn;
use sqlx::Row;

/// How long the code sent to a new address works.
pub const CHANGE_LASTS: i64 = 30 * 60;
/// Wrong codes a change survives; then a new code must be asked for.
pub const WRONG_CODES: i64 = 5;

pub struct Change {
    pub address: String,
    pub expires_at: i64,
}

/// Sets the address (trimmed), ending any change that was waiting.
pub async fn set(conn: &mut Conn, user_id: i64, address: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET email = $1 WHERE id = $2")
        .bind(address.trim())
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM email_changes WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// A change waiting for its code, replacing any earlier one; answers the code to send.
pub async fn start_change(
    conn: &mut Conn,
    user_id: i64,
    address: &str,
    now: i64,
) -> sqlx::Result<(String, Change)> {
    let code = codes::new_code();
    let hash = codes::hash(&codes::normalise(&code).expect("a new code reads back"));
    let change = Change {
        address: address.trim().to_string(),
        expires_at: now + CHANGE_LASTS,
    };
    sqlx::query(
        "INSERT INTO email_changes (user_id, address, code_hash, expires_at)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (user_id) DO UPDATE SET address = excluded.address,
           code_hash = excluded.code_hash, expires_at = excluded.expires_at, wrong_codes = 0",
    )
    .bind(user_id)
    .bind(&change.address)
    .bind(hash)
    .bind(change.expires_at)
    .execute(&mut *conn)
    .await?;
    Ok((code, change))
}

pub async fn forget_change(conn: &mut Conn, user_id: i64) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM email_changes WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The change waiting for its code, if one is and it has not expired.
pub async fn waiting(conn: &mut Conn, user_id: i64, now: i64) -> sqlx::Result<Option<Change>> {
    sqlx::query(
        "SELECT address, expires_at FROM email_changes WHERE user_id = $1 AND expires_at > $2",
    )
    .bind(user_id)
    .bind(now)
    .try_map(|r: sqlx::any::AnyRow| {
        Ok(Change {
            address: r.try_get(0)?,
            expires_at: r.try_get(1)?,
        })
    })
    .fetch_optional(&mut *conn)
    .await
}

pub enum Confirmed {
    /// The new address, now the account's.
    Changed(String),
    Wrong,
    /// Too many wrong codes: the change is gone.
    WrongTooOften,
    NothingWaiting,
}

/// Checks a typed code against the change waiting: right, the address changes; wrong, it is
/// counted, and the change goes on the last allowed.
pub async fn confirm(
    conn: &mut Conn,
    user_id: i64,
    typed: &str,
    now: i64,
) -> sqlx::Result<Confirmed> {
    let Some((address, hash)) = sqlx::query(
        "SELECT address, code_hash FROM email_changes WHERE user_id = $1 AND expires_at > $2",
    )
    .bind(user_id)
    .bind(now)
    .try_map(|r: sqlx::any::AnyRow| Ok((r.try_get::<String, _>(0)?, r.try_get::<String, _>(1)?)))
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(Confirmed::NothingWaiting);
    };
    if codes::normalise(typed).map(|c| codes::hash(&c)) == Some(hash) {
        set(conn, user_id, &address).await?;
        return Ok(Confirmed::Changed(address));
    }
    let wrong: i64 = sqlx::query(
        "UPDATE email_changes SET wrong_codes = wrong_codes + 1 WHERE user_id = $1
         RETURNING wrong_codes",
    )
    .bind(user_id)
    .try_map(|r: sqlx::any::AnyRow| r.try_get(0))
    .fetch_one(&mut *conn)
    .await?;
    if wrong >= WRONG_CODES {
        forget_change(conn, user_id).await?;
        return Ok(Confirmed::WrongTooOften);
    }
    Ok(Confirmed::Wrong)
}
