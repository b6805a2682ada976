//! Sign-in accounts and the patients each may see.

use crate::infra::error::ApiError;
use rusqlite::{Connection, OptionalExtension, params};

#[derive(Clone, Debug)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    /// Sealed; open it with the portal's secrets key.
    pub totp_secret: Option<String>,
    pub last_totp_step: Option<i64>,
    pub disabled_at: Option<i64>,
    /// When the patient asked for the account to be closed (it is turned off from then on).
    pub closure_requested_at: Option<i64>,
    /// Confirmed: by a code sent to it, or by the invitation the account was made with.
    pub email: Option<String>,
}

const USER_COLUMNS: &str = "id, username, display_name, password_hash, totp_secret, last_totp_step, disabled_at, closure_requested_at, email";

fn user_from_row(r: &rusqlite::Row) -> rusqlite::Result<User> {
    Ok(User {
        id: r.get(0)?,
        username: r.get(1)?,
        display_name: r.get(2)?,
        password_hash: r.get(3)?,
        totp_secret: r.get(4)?,
        last_totp_step: r.get(5)?,
        disabled_at: r.get(6)?,
        closure_requested_at: r.get(7)?,
        email: r.get(8)?,
    })
}

/// Usernames are matched without regard to case or surrounding spaces, and audited that way.
pub fn normalise(username: &str) -> String {
    username.trim().to_lowercase()
}

pub fn by_username(conn: &Connection, username: &str) -> rusqlite::Result<Option<User>> {
    conn.query_row(
        &format!("SELECT {USER_COLUMNS} FROM users WHERE username = ?1"),
        [normalise(username)],
        user_from_row,
    )
    .optional()
}

pub fn by_id(conn: &Connection, id: i64) -> Result<User, ApiError> {
    conn.query_row(
        &format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?1"),
        [id],
        user_from_row,
    )
    .optional()?
    .ok_or(ApiError::SessionExpired)
}

pub struct NewUser<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    /// From [`password::hash`]: several accounts may share one made once (the demo's).
    pub password_hash: &'a str,
    /// Sealed with the portal's secrets key (`SecretsKey::seal`).
    pub totp_secret: Option<String>,
    /// Their own record, if they are a patient here (someone may only act for others).
    pub patient_id: Option<&'a str>,
    /// An address already confirmed (the help desk's word, or an invitation's code).
    pub email: Option<&'a str>,
}

pub fn add(conn: &Connection, new: &NewUser) -> rusqlite::Result<i64> {
    conn.execute(
        "INSERT INTO users (username, display_name, password_hash, totp_secret, two_step_since, email)
         VALUES (?1, ?2, ?3, ?4, CASE WHEN ?4 IS NULL THEN NULL ELSE unixepoch() END, ?5)",
        params![
            normalise(new.username),
            new.display_name,
            new.password_hash,
            new.totp_secret,
            new.email.map(str::trim)
        ],
    )?;
    let id = conn.last_insert_rowid();
    if let Some(patient_id) = new.patient_id {
        conn.execute(
            "INSERT INTO user_patients (user_id, patient_id, relationship) VALUES (?1, ?2, 'self')",
            params![id, patient_id],
        )?;
    }
    Ok(id)
}

/// Stores a new password's hash (made with `password::hash`, off the database's thread).
pub fn set_password_hash(
    conn: &Connection,
    user_id: i64,
    hash: &str,
    now: i64,
) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE users SET password_hash = ?1, password_changed_at = ?2 WHERE id = ?3",
        params![hash, now, user_id],
    )?;
    Ok(())
}

/// Turns the account off (`Some`), or on again (`None`: any request to close it is withdrawn).
pub fn set_disabled(conn: &Connection, user_id: i64, at: Option<i64>) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE users SET disabled_at = ?1,
           closure_requested_at = CASE WHEN ?1 IS NULL THEN NULL ELSE closure_requested_at END,
           closed_at = CASE WHEN ?1 IS NULL THEN NULL ELSE closed_at END
         WHERE id = ?2",
        params![at, user_id],
    )?;
    Ok(())
}

/// The patient asked to close their account: sign-in stops now; the help desk completes it.
pub fn request_closure(conn: &Connection, user_id: i64, now: i64) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE users SET closure_requested_at = ?1, disabled_at = ?1 WHERE id = ?2",
        params![now, user_id],
    )?;
    Ok(())
}

/// The help desk completes a closure: the account stays off for good, and the means of signing
/// in beyond the password (authenticator secrets, recovery codes, passkeys) are removed.
pub fn close(conn: &Connection, user_id: i64, now: i64) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE users SET closed_at = ?1, disabled_at = coalesce(disabled_at, ?1),
           closure_requested_at = coalesce(closure_requested_at, ?1)
         WHERE id = ?2",
        params![now, user_id],
    )?;
    crate::passkeys::store::remove_all(conn, user_id)?;
    super::two_step::turn_off(conn, user_id)
}

/// Accounts whose holders asked for them to be closed, not yet completed: (username, when).
pub fn closures_waiting(conn: &Connection) -> rusqlite::Result<Vec<(String, i64)>> {
    conn.prepare(
        "SELECT username, closure_requested_at FROM users
         WHERE closure_requested_at IS NOT NULL AND closed_at IS NULL ORDER BY closure_requested_at",
    )?
    .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
    .collect()
}

/// The patients whose own record this account is (one, or none for someone who only acts for
/// others; the bench's extra sign-ins share one).
pub fn own_records(conn: &Connection, user_id: i64) -> rusqlite::Result<Vec<String>> {
    conn.prepare(
        "SELECT patient_id FROM user_patients WHERE user_id = ?1 AND relationship = 'self' ORDER BY patient_id",
    )?
    .query_map([user_id], |r| r.get(0))?
    .collect()
}

pub fn is_own_record(conn: &Connection, user_id: i64, patient_id: &str) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT 1 FROM user_patients WHERE user_id = ?1 AND patient_id = ?2 AND relationship = 'self'",
        params![user_id, patient_id],
        |_| Ok(()),
    )
    .optional()
    .map(|found| found.is_some())
}

/// The account whose own record this is, if any.
pub fn of_patient(conn: &Connection, patient_id: &str) -> rusqlite::Result<Option<i64>> {
    conn.query_row(
        "SELECT user_id FROM user_patients WHERE patient_id = ?1 AND relationship = 'self' ORDER BY user_id LIMIT 1",
        [patient_id],
        |r| r.get(0),
    )
    .optional()
}
