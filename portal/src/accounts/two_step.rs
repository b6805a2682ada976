//! Two-step sign-in as the patient keeps it: an authenticator-app secret (sealed at rest, waiting
//! for its first code before it takes effect), ten single-use recovery codes (hashes only), and
//! the one check of whatever is typed at the second step.

use super::store::User;
use crate::infra::codes;
use crate::infra::error::ApiError;
use crate::infra::sealed::SecretsKey;
use crate::session::totp;
use rusqlite::{Connection, OptionalExtension, params};

/// How long a secret shown for setting up waits for its first code.
pub const PENDING_WINDOW: i64 = 15 * 60;
pub const RECOVERY_CODES: usize = 10;

/// Starts setting up: a new secret, sealed, waiting for its first code (any earlier one is
/// replaced). The plain secret is for the patient's screen only.
pub fn begin(
    conn: &Connection,
    key: &SecretsKey,
    user_id: i64,
    now: i64,
) -> rusqlite::Result<String> {
    let secret = totp::new_secret();
    conn.execute(
        "UPDATE users SET totp_pending_secret = ?1, totp_pending_at = ?2 WHERE id = ?3",
        params![key.seal(&secret), now, user_id],
    )?;
    Ok(secret)
}

/// The secret waiting for its first code, if one is and it has not run out.
pub fn pending(
    conn: &Connection,
    key: &SecretsKey,
    user_id: i64,
    now: i64,
) -> Result<Option<String>, ApiError> {
    let row: Option<(Option<String>, Option<i64>)> = conn
        .query_row(
            "SELECT totp_pending_secret, totp_pending_at FROM users WHERE id = ?1",
            [user_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    match row {
        Some((Some(sealed), Some(at))) if now - at <= PENDING_WINDOW => {
            Ok(Some(open(key, &sealed)?))
        }
        _ => Ok(None),
    }
}

/// The first code was right: the waiting secret takes effect (its step already used) and a
/// fresh set of recovery codes is made, to be shown once.
pub fn turn_on(
    conn: &Connection,
    user_id: i64,
    step: i64,
    now: i64,
) -> rusqlite::Result<Vec<String>> {
    conn.execute(
        "UPDATE users SET totp_secret = totp_pending_secret, last_totp_step = ?1,
           two_step_since = ?2, totp_pending_secret = NULL, totp_pending_at = NULL
         WHERE id = ?3",
        params![step, now, user_id],
    )?;
    new_recovery_codes(conn, user_id, now)
}

/// Two-step sign-in off: the secret, any waiting one and every recovery code go.
pub fn turn_off(conn: &Connection, user_id: i64) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE users SET totp_secret = NULL, last_totp_step = NULL, two_step_since = NULL,
           totp_pending_secret = NULL, totp_pending_at = NULL
         WHERE id = ?1",
        [user_id],
    )?;
    conn.execute("DELETE FROM recovery_codes WHERE user_id = ?1", [user_id])?;
    Ok(())
}

/// Ten new recovery codes; every earlier one stops working.
pub fn new_recovery_codes(
    conn: &Connection,
    user_id: i64,
    now: i64,
) -> rusqlite::Result<Vec<String>> {
    conn.execute("DELETE FROM recovery_codes WHERE user_id = ?1", [user_id])?;
    let fresh: Vec<String> = (0..RECOVERY_CODES).map(|_| codes::new_code()).collect();
    for code in &fresh {
        let canonical = codes::normalise(code).expect("a new code reads back");
        conn.execute(
            "INSERT INTO recovery_codes (user_id, code_hash, created_at) VALUES (?1, ?2, ?3)",
            params![user_id, codes::hash(&canonical), now],
        )?;
    }
    Ok(fresh)
}

pub fn recovery_codes_left(conn: &Connection, user_id: i64) -> rusqlite::Result<i64> {
    conn.query_row(
        "SELECT count(*) FROM recovery_codes WHERE user_id = ?1 AND used_at IS NULL",
        [user_id],
        |r| r.get(0),
    )
}

/// Since when two-step sign-in has been on (None: it is off, or was turned on before this was
/// kept).
pub fn since(conn: &Connection, user_id: i64) -> rusqlite::Result<Option<i64>> {
    conn.query_row(
        "SELECT two_step_since FROM users WHERE id = ?1",
        [user_id],
        |r| r.get(0),
    )
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
pub fn accept(
    conn: &Connection,
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
        let claimed = conn.execute(
            "UPDATE users SET last_totp_step = ?1
             WHERE id = ?2 AND (last_totp_step IS NULL OR last_totp_step < ?1)",
            params![step, user.id],
        )?;
        return if claimed == 1 {
            Ok(Accepted::Code)
        } else {
            Err(ApiError::InvalidCode)
        };
    }
    let canonical = codes::normalise(typed).ok_or(ApiError::InvalidCode)?;
    let used = conn.execute(
        "UPDATE recovery_codes SET used_at = ?1
         WHERE user_id = ?2 AND code_hash = ?3 AND used_at IS NULL",
        params![now, user.id, codes::hash(&canonical)],
    )?;
    if used == 0 {
        return Err(ApiError::InvalidCode);
    }
    Ok(Accepted::RecoveryCode {
        left: recovery_codes_left(conn, user.id)?,
    })
}

/// Whether a refused code was a right one already used: an app code of a step already claimed
/// (by a sign-in that raced this one, or an earlier one), or a recovery code already spent. Asked
/// after a refusal, for the audit trail only: an overheard code shows as such to the help desk,
/// while the browser hears the same answer as for a wrong code.
pub fn was_used(
    conn: &Connection,
    key: &SecretsKey,
    user_id: i64,
    typed: &str,
    now: i64,
) -> Result<bool, ApiError> {
    let (sealed, last_step): (Option<String>, Option<i64>) = conn.query_row(
        "SELECT totp_secret, last_totp_step FROM users WHERE id = ?1",
        [user_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
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
    Ok(conn.query_row(
        "SELECT count(*) FROM recovery_codes
         WHERE user_id = ?1 AND code_hash = ?2 AND used_at IS NOT NULL",
        params![user_id, codes::hash(&canonical)],
        |r| r.get::<_, i64>(0),
    )? > 0)
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
pub fn seal_stored_secrets(conn: &Connection, key: &SecretsKey) -> Result<usize, String> {
    use crate::infra::sealed::Unsealable;
    let stored: Vec<(i64, String)> = conn
        .prepare("SELECT id, totp_secret FROM users WHERE totp_secret IS NOT NULL")
        .and_then(|mut s| s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect())
        .map_err(|e| e.to_string())?;
    let mut sealed = 0;
    for (id, value) in stored {
        match key.open(&value) {
            Ok(_) => {}
            Err(Unsealable::NotSealed) => {
                conn.execute(
                    "UPDATE users SET totp_secret = ?1 WHERE id = ?2",
                    params![key.seal(&value), id],
                )
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
    use crate::infra::db::Db;

    #[test]
    fn secrets_stored_before_sealing_are_sealed_and_a_wrong_key_stops_the_start() {
        let db = Db::in_memory().unwrap();
        let conn = db.lock();
        conn.execute(
            "INSERT INTO users (username, display_name, password_hash, totp_secret)
             VALUES ('old', 'Old', 'x', 'JBSWY3DPEHPK3PXP')",
            [],
        )
        .unwrap();
        let key = SecretsKey::generate();
        assert_eq!(seal_stored_secrets(&conn, &key), Ok(1));
        let stored: String = conn
            .query_row("SELECT totp_secret FROM users", [], |r| r.get(0))
            .unwrap();
        assert_eq!(key.open(&stored).unwrap(), "JBSWY3DPEHPK3PXP");
        assert_eq!(seal_stored_secrets(&conn, &key), Ok(0), "sealed once");
        assert!(seal_stored_secrets(&conn, &SecretsKey::generate()).is_err());
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
