//! Sign-in accounts, what they may see, and the lockout that follows repeated wrong passwords.

use crate::auth::{password, totp};
use crate::db::Db;
use crate::problem::ApiError;
use crate::time;
use rusqlite::{OptionalExtension, params};
use serde::Serialize;

pub const MAX_FAILED_PASSWORDS: i64 = 5;
pub const LOCKOUT_SECONDS: i64 = 15 * 60;

#[derive(Clone, Debug)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub totp_secret: Option<String>,
    pub last_totp_step: Option<i64>,
    pub failed_attempts: i64,
    pub locked_until: Option<i64>,
}

const USER_COLUMNS: &str = "id, username, display_name, password_hash, totp_secret, last_totp_step, failed_attempts, locked_until";

fn user_from_row(r: &rusqlite::Row) -> rusqlite::Result<User> {
    Ok(User {
        id: r.get(0)?,
        username: r.get(1)?,
        display_name: r.get(2)?,
        password_hash: r.get(3)?,
        totp_secret: r.get(4)?,
        last_totp_step: r.get(5)?,
        failed_attempts: r.get(6)?,
        locked_until: r.get(7)?,
    })
}

pub fn by_username(db: &Db, username: &str) -> rusqlite::Result<Option<User>> {
    db.lock()
        .query_row(
            &format!("SELECT {USER_COLUMNS} FROM users WHERE username = ?1"),
            [username.trim().to_lowercase()],
            user_from_row,
        )
        .optional()
}

pub fn by_id(db: &Db, id: i64) -> Result<User, ApiError> {
    db.lock()
        .query_row(
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
    pub password: &'a str,
    pub totp_secret: Option<String>,
    pub patient_id: &'a str,
}

pub fn add(db: &Db, new: &NewUser) -> rusqlite::Result<i64> {
    let hash = password::hash(new.password);
    let conn = db.lock();
    conn.execute(
        "INSERT INTO users (username, display_name, password_hash, totp_secret) VALUES (?1, ?2, ?3, ?4)",
        params![new.username.trim().to_lowercase(), new.display_name, hash, new.totp_secret],
    )?;
    let id = conn.last_insert_rowid();
    conn.execute(
        "INSERT INTO user_patients (user_id, patient_id, relationship) VALUES (?1, ?2, 'self')",
        params![id, new.patient_id],
    )?;
    Ok(id)
}

/// Checks a password, counting failures towards a lockout. Unknown usernames cost the same time
/// and give the same answer as wrong passwords.
pub fn check_password(db: &Db, username: &str, pw: &str) -> Result<User, ApiError> {
    let now = time::now();
    let Some(user) = by_username(db, username)? else {
        password::verify_nothing(pw);
        return Err(ApiError::InvalidCredentials);
    };
    if let Some(until) = user.locked_until.filter(|until| *until > now) {
        return Err(ApiError::AccountLocked {
            retry_after: until - now,
        });
    }
    if password::verify(pw, &user.password_hash) {
        db.lock().execute(
            "UPDATE users SET failed_attempts = 0, locked_until = NULL WHERE id = ?1",
            [user.id],
        )?;
        return Ok(user);
    }
    let failures = user.failed_attempts + 1;
    if failures >= MAX_FAILED_PASSWORDS {
        db.lock().execute(
            "UPDATE users SET failed_attempts = 0, locked_until = ?1 WHERE id = ?2",
            params![now + LOCKOUT_SECONDS, user.id],
        )?;
        return Err(ApiError::AccountLocked {
            retry_after: LOCKOUT_SECONDS,
        });
    }
    db.lock().execute(
        "UPDATE users SET failed_attempts = ?1 WHERE id = ?2",
        params![failures, user.id],
    )?;
    Err(ApiError::InvalidCredentials)
}

/// Accepts a code once; the step it used is remembered so it cannot be used again.
pub fn check_code(db: &Db, user: &User, code: &str) -> Result<(), ApiError> {
    let secret = user.totp_secret.as_deref().ok_or(ApiError::InvalidCode)?;
    let step = totp::verify(secret, code, time::now(), user.last_totp_step)
        .ok_or(ApiError::InvalidCode)?;
    db.lock().execute(
        "UPDATE users SET last_totp_step = ?1 WHERE id = ?2",
        params![step, user.id],
    )?;
    Ok(())
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PatientAccess {
    pub id: String,
    pub relationship: String,
}

pub fn patients(db: &Db, user_id: i64) -> rusqlite::Result<Vec<PatientAccess>> {
    let conn = db.lock();
    let mut stmt = conn.prepare(
        "SELECT patient_id, relationship FROM user_patients WHERE user_id = ?1 ORDER BY relationship != 'self', patient_id",
    )?;
    stmt.query_map([user_id], |r| {
        Ok(PatientAccess {
            id: r.get(0)?,
            relationship: r.get(1)?,
        })
    })?
    .collect()
}

pub fn may_act_for(db: &Db, user_id: i64, patient_id: &str) -> rusqlite::Result<bool> {
    db.lock()
        .query_row(
            "SELECT 1 FROM user_patients WHERE user_id = ?1 AND patient_id = ?2",
            params![user_id, patient_id],
            |_| Ok(()),
        )
        .optional()
        .map(|found| found.is_some())
}
