//! Sign-in accounts and the patients each may see.

use crate::infra::error::ApiError;
use crate::infra::store::Conn;
use sqlx::Row;

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

fn user_from_row(r: &sqlx::any::AnyRow) -> sqlx::Result<User> {
    Ok(User {
        id: r.try_get(0)?,
        username: r.try_get(1)?,
        display_name: r.try_get(2)?,
        password_hash: r.try_get(3)?,
        totp_secret: r.try_get(4)?,
        last_totp_step: r.try_get(5)?,
        disabled_at: r.try_get(6)?,
        closure_requested_at: r.try_get(7)?,
        email: r.try_get(8)?,
    })
}

/// Usernames are matched without regard to case or surrounding spaces, and audited that way.
pub fn normalise(username: &str) -> String {
    username.trim().to_lowercase()
}

pub async fn by_username(conn: &mut Conn, username: &str) -> sqlx::Result<Option<User>> {
    sqlx::query(sqlx::AssertSqlSafe(
        format!("SELECT {USER_COLUMNS} FROM users WHERE username = $1").to_string(),
    ))
    .bind(normalise(username))
    .try_map(|r: sqlx::any::AnyRow| user_from_row(&r))
    .fetch_optional(&mut *conn)
    .await
}

pub async fn by_id(conn: &mut Conn, id: i64) -> Result<User, ApiError> {
    sqlx::query(sqlx::AssertSqlSafe(
        format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1").to_string(),
    ))
    .bind(id)
    .try_map(|r: sqlx::any::AnyRow| user_from_row(&r))
    .fetch_optional(&mut *conn)
    .await?
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

pub async fn add(conn: &mut Conn, new: &NewUser<'_>) -> sqlx::Result<i64> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO users (username, display_name, password_hash, totp_secret, two_step_since, email)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(normalise(new.username))
    .bind(new.display_name)
    .bind(new.password_hash)
    .bind(new.totp_secret.as_ref())
    .bind(new.totp_secret.as_ref().map(|_| crate::infra::time::now()))
    .bind(new.email.map(str::trim))
    .fetch_one(&mut *conn)
    .await?;
    if let Some(patient_id) = new.patient_id {
        sqlx::query(
            "INSERT INTO user_patients (user_id, patient_id, relationship) VALUES ($1, $2, 'self')",
        )
        .bind(id)
        .bind(patient_id)
        .execute(&mut *conn)
        .await?;
    }
    Ok(id)
}

/// Stores a new password's hash (made with `password::hash`, off the database's thread).
pub async fn set_password_hash(
    conn: &mut Conn,
    user_id: i64,
    hash: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET password_hash = $1, password_changed_at = $2 WHERE id = $3")
        .bind(hash)
        .bind(now)
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Turns the account off (`Some`), or on again (`None`: any request to close it is withdrawn).
pub async fn set_disabled(conn: &mut Conn, user_id: i64, at: Option<i64>) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE users SET disabled_at = $1,
           closure_requested_at = CASE WHEN $1 IS NULL THEN NULL ELSE closure_requested_at END,
           closed_at = CASE WHEN $1 IS NULL THEN NULL ELSE closed_at END
         WHERE id = $2",
    )
    .bind(at)
    .bind(user_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The patient asked to close their account: sign-in stops now; the help desk completes it.
pub async fn request_closure(conn: &mut Conn, user_id: i64, now: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET closure_requested_at = $1, disabled_at = $1 WHERE id = $2")
        .bind(now)
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The help desk completes a closure: the account stays off for good, and the means of signing
/// in beyond the password (authenticator secrets, recovery codes, passkeys) are removed.
pub async fn close(conn: &mut Conn, user_id: i64, now: i64) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE users SET closed_at = $1, disabled_at = coalesce(disabled_at, $1),
           closure_requested_at = coalesce(closure_requested_at, $1)
         WHERE id = $2",
    )
    .bind(now)
    .bind(user_id)
    .execute(&mut *conn)
    .await?;
    crate::passkeys::store::remove_all(conn, user_id).await?;
    super::two_step::turn_off(conn, user_id).await
}

/// Accounts whose holders asked for them to be closed, not yet completed: (username, when).
pub async fn closures_waiting(conn: &mut Conn) -> sqlx::Result<Vec<(String, i64)>> {
    sqlx::query_as(
        "SELECT username, closure_requested_at FROM users
         WHERE closure_requested_at IS NOT NULL AND closed_at IS NULL ORDER BY closure_requested_at",
    )
    .fetch_all(conn)
    .await
}

/// The patients whose own record this account is (one, or none for someone who only acts for
/// others; the bench's extra sign-ins share one).
pub async fn own_records(conn: &mut Conn, user_id: i64) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar(
        "SELECT patient_id FROM user_patients WHERE user_id = $1 AND relationship = 'self' ORDER BY patient_id",
    )
    .bind(user_id)
    .fetch_all(conn)
    .await
}

pub async fn is_own_record(conn: &mut Conn, user_id: i64, patient_id: &str) -> sqlx::Result<bool> {
    sqlx::query("SELECT 1 FROM user_patients WHERE user_id = $1 AND patient_id = $2 AND relationship = 'self'")
        .bind(user_id)
        .bind(patient_id)
        .fetch_optional(&mut *conn)
        .await
        .map(|found| found.is_some())
}

/// The account whose own record this is, if any.
pub async fn of_patient(conn: &mut Conn, patient_id: &str) -> sqlx::Result<Option<i64>> {
    sqlx::query("SELECT user_id FROM user_patients WHERE patient_id = $1 AND relationship = 'self' ORDER BY user_id LIMIT 1")
        .bind(patient_id)
        .try_map(|r: sqlx::any::AnyRow| r.try_get(0))
        .fetch_optional(&mut *conn)
        .await
}
