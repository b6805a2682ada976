//! Two-step sign-in as the patient keeps it: an authenticator-app secret (sealed at rest, waiting
//! for its first code before it takes effect), ten single-use recovery codes (hashes only), and
//! the one check of whatever is typed at the second step.

use super::store::User;
use crate::infra::codes;
use crate::infra::error::ApiError;
use crate::infra::sealed::SecretsKey;
use crate::infra::store::Conn;
use crate::session::totp;
use sqlx::Row;

/// How long a secret shown for setting up waits for its first code.
pub const PENDING_WINDOW: i64 = 15 * 60;
pub const RECOVERY_CODES: usize = 10;

/// Starts setting up: a new secret, sealed, waiting for its first code (any earlier one is
/// replaced). The plain secret is for the patient's screen only.
pub async fn begin(
    conn: &mut Conn,
    key: &SecretsKey,
    user_id: i64,
    now: i64,
) -> sqlx::Result<String> {
    let secret = totp::new_secret();
    sqlx::query("UPDATE users SET totp_pending_secret = $1, totp_pending_at = $2 WHERE id = $3")
        .bind(key.seal(&secret))
        .bind(now)
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    Ok(secret)
}

/// The secret waiting for its first code, if one is and it has not run out.
pub async fn pending(
    conn: &mut Conn,
    key: &SecretsKey,
    user_id: i64,
    now: i64,
) -> Result<Option<String>, ApiError> {
    let row: Option<(Option<String>, Option<i64>)> =
        sqlx::query("SELECT totp_pending_secret, totp_pending_at FROM users WHERE id = $1")
            .bind(user_id)
            .try_map(|r: sqlx::any::AnyRow| Ok((r.try_get(0)?, r.try_get(1)?)))
            .fetch_optional(&mut *conn)
            .await?;
    match row {
        Some((Some(sealed), Some(at))) if now - at <= PENDING_WINDOW => {
            Ok(Some(open(key, &sealed)?))
        }
        _ => Ok(None),
    }
}

/// The first code was right: the waiting secret takes effect (its step already used) and a
/// fresh set of recovery codes is made, to be shown once.
pub async fn turn_on(
    conn: &mut Conn,
    user_id: i64,
    step: i64,
    now: i64,
) -> sqlx::Result<Vec<String>> {
    sqlx::query(
        "UPDATE users SET totp_secret = totp_pending_secret, last_totp_step = $1,
           two_step_since = $2, totp_pending_secret = NULL, totp_pending_at = NULL
         WHERE id = $3",
    )
    .bind(step)
    .bind(now)
    .bind(user_id)
    .execute(&mut *conn)
    .await?;
    new_recovery_codes(conn, user_id, now).await
}

/// Two-step sign-in off: the secret, any waiting one and every recovery code go.
pub async fn turn_off(conn: &mut Conn, user_id: i64) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE users SET totp_secret = NULL, last_totp_step = NULL, two_step_since = NULL,
           totp_pending_secret = NULL, totp_pending_at = NULL
         WHERE id = $1",
    )
    .bind(user_id)
    .execute(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Ten new recovery codes; every earlier one stops working.
pub async fn new_recovery_codes(
    conn: &mut Conn,
    user_id: i64,
    now: i64,
) -> sqlx::Result<Vec<String>> {
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    let fresh: Vec<String> = (0..RECOVERY_CODES).map(|_| codes::new_code()).collect();
    for code in &fresh {
        let canonical = codes::normalise(code).expect("a new code reads back");
        sqlx::query(
            "INSERT INTO recovery_codes (user_id, code_hash, created_at) VALUES ($1, $2, $3)",
        )
        .bind(user_id)
        .bind(codes::hash(&canonical))
        .bind(now)
        .execute(&mut *conn)
        .await?;
    }
    Ok(fresh)
}

pub async fn recovery_codes_left(conn: &mut Conn, user_id: i64) -> sqlx::Result<i64> {
    sqlx::query("SELECT count(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL")
        .bind(user_id)
        .try_map(|r: sqlx::any::AnyRow| r.try_get(0))
        .fetch_one(&mut *conn)
        .await
}

/// Since when two-step sign-in has been on (None: it is off, or was turned on before this was
/// kept).
pub async fn since(conn: &mut Conn, user_id: i64) -> sqlx::Result<Option<i64>> {
    sqlx::query("SELECT two_step_since FROM users WHERE id = $1")
        .bind(user_id)
        .try_map(|r: sqlx::any::AnyRow| r.try_get(0))
        .fetch_one(&mut *conn)
        .await
}

/// What was typed at the second step, and accepted.
#[derive(Debug, PartialEq)]
pub enum Accepted {
    Code,
    RecoveryCode { left: i64 },
}

/// Accepts a code from the app, or a recovery code, once. An app code's step is claimed in the
/// same statement that checks no later step was used, and a recovery code is marked used in the
/// statement that finds it unused, so two sign-ins racing with one overheard code cannot both
/// pass.
pub async fn accept(
    conn: &mut Conn,
    key: &SecretsKey,
    user: &User,
    typed: &str,
    now: i64,
) -> Result<Accepted, ApiError> {
    let sealed = user.totp_secret.as_deref().ok_or(ApiError::InvalidCode)?;
    let digits: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    if digits.len() == 6 && digits.chars().all(|c| c.is_ascii_digit()) {
        let secret = open(key, sealed)?;
        let step = totp::verify(&secret, &digits, now, user.last_totp_step)
            .ok_or(ApiError::InvalidCode)?;
        let claimed = sqlx::query(
            "UPDATE users SET last_totp_step = $1
             WHERE id = $2 AND (last_totp_step IS NULL OR last_totp_step < $1)",
        )
        .bind(step)
        .bind(user.id)
        .execute(&mut *conn)
        .await?;
        return if claimed.rows_affected() == 1 {
            Ok(Accepted::Code)
        } else {
            Err(ApiError::InvalidCode)
        };
    }
    let canonical = codes::normalise(typed).ok_or(ApiError::InvalidCode)?;
    let used = sqlx::query(
        "UPDATE recovery_codes SET used_at = $1
         WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL",
    )
    .bind(now)
    .bind(user.id)
    .bind(codes::hash(&canonical))
    .execute(&mut *conn)
    .await?;
    if used.rows_affected() == 0 {
        return Err(ApiError::InvalidCode);
    }
    Ok(Accepted::RecoveryCode {
        left: recovery_codes_left(conn, user.id).await?,
    })
}

/// Whether a refused code was a right one already used: an app code of a step already claimed
/// (by a sign-in that raced this one, or an earlier one), or a recovery code already spent. Asked
/// after a refusal, for the audit trail only: an overheard code shows as such to the help desk,
/// while the browser hears the same answer as for a wrong code.
pub async fn was_used(
    conn: &mut Conn,
    key: &SecretsKey,
    user_id: i64,
    typed: &str,
    now: i64,
) -> Result<bool, ApiError> {
    let (sealed, last_step): (Option<String>, Option<i64>) =
        sqlx::query("SELECT totp_secret, last_totp_step FROM users WHERE id = $1")
            .bind(user_id)
            .try_map(|r: sqlx::any::AnyRow| Ok((r.try_get(0)?, r.try_get(1)?)))
            .fetch_one(&mut *conn)
            .await?;
    let digits: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    if digits.len() == 6 && digits.chars().all(|c| c.is_ascii_digit()) {
        let Some(sealed) = sealed else {
            return Ok(false);
        };
        let step = totp::verify(&open(key, &sealed)?, &digits, now, None);
        return Ok(step.zip(last_step).is_some_and(|(step, last)| step <= last));
    }
    let Some(canonical) = codes::normalise(typed) else {
        return Ok(false);
    };
    let used: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM recovery_codes
         WHERE user_id = $1 AND code_hash = $2 AND used_at IS NOT NULL",
    )
    .bind(user_id)
    .bind(codes::hash(&canonical))
    .fetch_one(conn)
    .await?;
    Ok(used > 0)
}

/// A stored secret that will not open is the operator's problem (a wrong key file), never the
/// patient's: it is logged and answered as an internal error.
fn open(key: &SecretsKey, sealed: &str) -> Result<String, ApiError> {
    key.open(sealed).map_err(|why| {
        tracing::error!(
            ?why,
            "a stored authenticator secret does not open with the secrets key"
        );
        ApiError::Internal
    })
}

/// The `otpauth://` address an authenticator app reads from the QR code: the hospital as issuer,
/// the username as the account, and the parameters every app assumes spelled out.
pub fn otpauth_uri(issuer: &str, username: &str, secret: &str) -> String {
    use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
    let issuer = utf8_percent_encode(issuer, NON_ALPHANUMERIC).to_string();
    let account = utf8_percent_encode(username, NON_ALPHANUMERIC);
    format!(
        "otpauth://totp/{issuer}:{account}?secret={secret}&issuer={issuer}&algorithm=SHA1&digits=6&period={}",
        totp::STEP_SECONDS
    )
}

/// Seals every secret stored before secrets were sealed, and checks that the ones already sealed
/// open with this key, so a wrong key file stops the portal at start rather than a patient at
/// sign-in.
pub async fn seal_stored_secrets(conn: &mut Conn, key: &SecretsKey) -> Result<usize, String> {
    use crate::infra::sealed::Unsealable;
    let stored: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, totp_secret FROM users WHERE totp_secret IS NOT NULL")
            .fetch_all(&mut *conn)
            .await
            .map_err(|e| e.to_string())?;
    let mut sealed = 0;
    for (id, value) in stored {
        match key.open(&value) {
            Ok(_) => {}
            Err(Unsealable::NotSealed) => {
                sqlx::query("UPDATE users SET totp_secret = $1 WHERE id = $2")
                    .bind(key.seal(&value))
                    .bind(id)
                    .execute(&mut *conn)
                    .await
                    .map_err(|e| e.to_string())?;
                sealed += 1;
            }
            Err(Unsealable::OtherKey | Unsealable::Damaged) => {
                return Err(
                    "the secrets key does not open the authenticator secrets in this database: is it the key this database was used with?"
                        .into(),
                );
            }
        }
    }
    Ok(sealed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::infra::store::testing;

    #[tokio::test]
    async fn secrets_stored_before_sealing_are_sealed_and_a_wrong_key_stops_the_start() {
        let store = testing::store().await;
        let mut conn = store.conn().await.unwrap();
        sqlx::query(
            "INSERT INTO users (username, display_name, password_hash, totp_secret)
             VALUES ('old', 'Old', 'x', 'JBSWY3DPEHPK3PXP')",
        )
        .execute(&mut *conn)
        .await
        .unwrap();
        let key = SecretsKey::generate();
        assert_eq!(seal_stored_secrets(&mut conn, &key).await, Ok(1));
        let stored: String = sqlx::query("SELECT totp_secret FROM users")
            .try_map(|r: sqlx::any::AnyRow| r.try_get(0))
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        assert_eq!(key.open(&stored).unwrap(), "JBSWY3DPEHPK3PXP");
        assert_eq!(
            seal_stored_secrets(&mut conn, &key).await,
            Ok(0),
            "sealed once"
        );
        assert!(
            seal_stored_secrets(&mut conn, &SecretsKey::generate())
                .await
                .is_err()
        );
    }

    #[test]
    fn the_address_names_the_hospital_and_the_account_safely() {
        let uri = otpauth_uri("St Mary's & Co", "ann", "JBSWY3DPEHPK3PXP");
        assert_eq!(
            uri,
            "otpauth://totp/St%20Mary%27s%20%26%20Co:ann?secret=JBSWY3DPEHPK3PXP&issuer=St%20Mary%27s%20%26%20Co&algorithm=SHA1&digits=6&period=30"
        );
    }
}
