//! An account's email address, and a change to it waiting for the code sent to the new address.
//! The code is stored only as a hash; a change lasts 30 minutes and survives 5 wrong codes.

use crate::infra::codes;
use rusqlite::{Connection, OptionalExtension, params};

/// How long the code sent to a new address works.
pub const CHANGE_LASTS: i64 = 30 * 60;
/// Wrong codes a change survives; then a new code must be asked for.
pub const WRONG_CODES: i64 = 5;

pub struct Change {
    pub address: String,
    pub expires_at: i64,
}

/// Sets the address (trimmed), ending any change that was waiting.
pub fn set(conn: &Connection, user_id: i64, address: &str) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE users SET email = ?1 WHERE id = ?2",
        params![address.trim(), user_id],
    )?;
    conn.execute("DELETE FROM email_changes WHERE user_id = ?1", [user_id])?;
    Ok(())
}

/// A change waiting for its code, replacing any earlier one; answers the code to send.
pub fn start_change(
    conn: &Connection,
    user_id: i64,
    address: &str,
    now: i64,
) -> rusqlite::Result<(String, Change)> {
    let code = codes::new_code();
    let hash = codes::hash(&codes::normalise(&code).expect("a new code reads back"));
    let change = Change {
        address: address.trim().to_string(),
        expires_at: now + CHANGE_LASTS,
    };
    conn.execute(
        "INSERT OR REPLACE INTO email_changes (user_id, address, code_hash, expires_at)
         VALUES (?1, ?2, ?3, ?4)",
        params![user_id, change.address, hash, change.expires_at],
    )?;
    Ok((code, change))
}

pub fn forget_change(conn: &Connection, user_id: i64) -> rusqlite::Result<()> {
    conn.execute("DELETE FROM email_changes WHERE user_id = ?1", [user_id])?;
    Ok(())
}

/// The change waiting for its code, if one is and it has not expired.
pub fn waiting(conn: &Connection, user_id: i64, now: i64) -> rusqlite::Result<Option<Change>> {
    conn.query_row(
        "SELECT address, expires_at FROM email_changes WHERE user_id = ?1 AND expires_at > ?2",
        params![user_id, now],
        |r| {
            Ok(Change {
                address: r.get(0)?,
                expires_at: r.get(1)?,
            })
        },
    )
    .optional()
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
pub fn confirm(
    conn: &Connection,
    user_id: i64,
    typed: &str,
    now: i64,
) -> rusqlite::Result<Confirmed> {
    let Some((address, hash)) = conn
        .query_row(
            "SELECT address, code_hash FROM email_changes WHERE user_id = ?1 AND expires_at > ?2",
            params![user_id, now],
            |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
        )
        .optional()?
    else {
        return Ok(Confirmed::NothingWaiting);
    };
    if codes::normalise(typed).map(|c| codes::hash(&c)) == Some(hash) {
        set(conn, user_id, &address)?;
        return Ok(Confirmed::Changed(address));
    }
    let wrong: i64 = conn.query_row(
        "UPDATE email_changes SET wrong_codes = wrong_codes + 1 WHERE user_id = ?1
         RETURNING wrong_codes",
        [user_id],
        |r| r.get(0),
    )?;
    if wrong >= WRONG_CODES {
        forget_change(conn, user_id)?;
        return Ok(Confirmed::WrongTooOften);
    }
    Ok(Confirmed::Wrong)
}
