//! Lockouts that stop guessing without letting anyone lock a patient out for good.
//!
//! Wrong passwords are counted per normalised username, whether or not it exists (so a lockout
//! says nothing about which accounts are real), twice over:
//! - per client network: after a few failures that network waits, longer each time (30 s
//!   doubling to 15 minutes); an attacker elsewhere does not lock the patient's own network;
//! - across all networks, at a higher threshold, against guessing spread over many addresses.
//!   A network from which the account has completed a sign-in before passes this one.
//!
//! Failures decay: an hour without one and the count starts again. Every attempt is counted
//! *before* the slow check, in one statement, so parallel guesses each count; a success is
//! taken back.
//!
//! Wrong security codes are counted on the account, across sign-ins, the same way.

use crate::infra::error::ApiError;
use rusqlite::{Connection, OptionalExtension, params};

/// Failures a client network may make on one username before it must wait.
pub const FREE_PER_CLIENT: i64 = 5;
/// Failures across all networks before unknown networks must wait.
pub const FREE_PER_ACCOUNT: i64 = 20;
/// Wrong security codes across sign-ins before codes pause.
pub const FREE_CODES: i64 = 5;
/// Quiet seconds after which failures are forgotten.
pub const DECAY: i64 = 3600;
pub const FIRST_LOCK: i64 = 30;
pub const LONGEST_LOCK: i64 = 15 * 60;
const WHOLE_ACCOUNT: &str = "*";

/// How long the `failures`-th failure locks for, once past the free ones: 30 s, 1, 2, 4, 8 min,
/// then 15 min each time.
pub fn lock_seconds(failures: i64, free: i64) -> Option<i64> {
    let over = failures - free;
    (over >= 0).then(|| (FIRST_LOCK << over.min(10)).min(LONGEST_LOCK))
}

/// A counted password attempt, to take back if it succeeds.
#[derive(Debug)]
pub struct Reserved {
    username: String,
    client: String,
    /// The lock this attempt's failure set, if it failed.
    pub locks_for: Option<i64>,
}

/// Counts one password attempt for `username` from `client`, or refuses it while locked.
pub fn reserve_password(
    conn: &Connection,
    username: &str,
    client: &str,
    now: i64,
) -> Result<Reserved, ApiError> {
    let known = is_known_client(conn, username, client)?;
    let locked_until: Option<i64> = conn.query_row(
        "SELECT max(locked_until) FROM sign_in_failures
         WHERE username = ?1 AND (client = ?2 OR (client = ?3 AND NOT ?4)) AND locked_until > ?5",
        params![username, client, WHOLE_ACCOUNT, known, now],
        |r| r.get(0),
    )?;
    if let Some(until) = locked_until {
        return Err(ApiError::AccountLocked {
            retry_after: until - now,
        });
    }
    let mut locks_for = count(conn, username, client, now, FREE_PER_CLIENT)?;
    let account_lock = count(conn, username, WHOLE_ACCOUNT, now, FREE_PER_ACCOUNT)?;
    if !known {
        locks_for = locks_for.max(account_lock);
    }
    Ok(Reserved {
        username: username.into(),
        client: client.into(),
        locks_for,
    })
}

fn count(
    conn: &Connection,
    username: &str,
    client: &str,
    now: i64,
    free: i64,
) -> rusqlite::Result<Option<i64>> {
    let failures: i64 = conn.query_row(
        "INSERT INTO sign_in_failures (username, client, failures, last_failed_at) VALUES (?1, ?2, 1, ?3)
         ON CONFLICT (username, client) DO UPDATE SET
           failures = CASE WHEN ?3 - last_failed_at > ?4 THEN 1 ELSE failures + 1 END,
           last_failed_at = ?3
         RETURNING failures",
        params![username, client, now, DECAY],
        |r| r.get(0),
    )?;
    let lock = lock_seconds(failures, free);
    if let Some(secs) = lock {
        conn.execute(
            "UPDATE sign_in_failures SET locked_until = ?3 WHERE username = ?1 AND client = ?2",
            params![username, client, now + secs],
        )?;
    }
    Ok(lock)
}

/// The password was right: this network starts afresh, and the account-wide count gives back
/// the one it took.
pub fn forgive_password(conn: &Connection, reserved: &Reserved) -> rusqlite::Result<()> {
    conn.execute(
        "DELETE FROM sign_in_failures WHERE username = ?1 AND client = ?2",
        params![reserved.username, reserved.client],
    )?;
    conn.execute(
        "UPDATE sign_in_failures SET failures = failures - 1,
           locked_until = CASE WHEN failures - 1 >= ?3 THEN locked_until END
         WHERE username = ?1 AND client = ?2",
        params![reserved.username, WHOLE_ACCOUNT, FREE_PER_ACCOUNT],
    )?;
    Ok(())
}

fn is_known_client(conn: &Connection, username: &str, client: &str) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT 1 FROM known_clients k JOIN users u ON u.id = k.user_id
         WHERE u.username = ?1 AND k.client = ?2",
        params![username, client],
        |_| Ok(()),
    )
    .optional()
    .map(|found| found.is_some())
}

/// A completed sign-in: this network is known to the account from now on.
pub fn remember_client(
    conn: &Connection,
    user_id: i64,
    client: &str,
    now: i64,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO known_clients (user_id, client, last_signed_in) VALUES (?1, ?2, ?3)
         ON CONFLICT (user_id, client) DO UPDATE SET last_signed_in = ?3",
        params![user_id, client, now],
    )?;
    Ok(())
}

/// Counts one security code attempt on the account, or refuses it while codes are paused.
/// `Ok(Some(seconds))` when this attempt, if wrong, is the one that pauses them.
pub fn reserve_code(conn: &Connection, user_id: i64, now: i64) -> Result<Option<i64>, ApiError> {
    code_lock(conn, user_id, now)?;
    let failures: i64 = conn.query_row(
        "UPDATE users SET
           code_failures = CASE WHEN code_last_failed_at IS NULL OR ?2 - code_last_failed_at > ?3
                                THEN 1 ELSE code_failures + 1 END,
           code_last_failed_at = ?2
         WHERE id = ?1 RETURNING code_failures",
        params![user_id, now, DECAY],
        |r| r.get(0),
    )?;
    let lock = (failures >= FREE_CODES).then_some(LONGEST_LOCK);
    if let Some(secs) = lock {
        conn.execute(
            "UPDATE users SET code_locked_until = ?2 WHERE id = ?1",
            params![user_id, now + secs],
        )?;
    }
    Ok(lock)
}

/// Refuses while the account's security codes are paused.
pub fn code_lock(conn: &Connection, user_id: i64, now: i64) -> Result<(), ApiError> {
    let until: Option<i64> = conn.query_row(
        "SELECT code_locked_until FROM users WHERE id = ?1",
        [user_id],
        |r| r.get(0),
    )?;
    match until.filter(|u| *u > now) {
        Some(u) => Err(ApiError::SecondFactorLocked {
            retry_after: u - now,
        }),
        None => Ok(()),
    }
}

pub fn forgive_code(conn: &Connection, user_id: i64) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE users SET code_failures = 0, code_last_failed_at = NULL, code_locked_until = NULL
         WHERE id = ?1",
        [user_id],
    )?;
    Ok(())
}

/// The help desk's "unlock": every count for the account starts again.
pub fn unlock(conn: &Connection, username: &str) -> rusqlite::Result<usize> {
    let rows = conn.execute(
        "DELETE FROM sign_in_failures WHERE username = ?1",
        [username],
    )?;
    conn.execute(
        "UPDATE users SET code_failures = 0, code_last_failed_at = NULL, code_locked_until = NULL
         WHERE username = ?1",
        [username],
    )?;
    Ok(rows)
}

/// Forgets counts that have decayed, so the table holds only recent guessing.
pub fn purge(conn: &Connection, now: i64) -> rusqlite::Result<usize> {
    conn.execute(
        "DELETE FROM sign_in_failures WHERE ?1 - last_failed_at > ?2
           AND (locked_until IS NULL OR locked_until <= ?1)",
        params![now, DECAY],
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::infra::db::Db;

    #[test]
    fn locks_grow_from_thirty_seconds_to_fifteen_minutes() {
        assert_eq!(lock_seconds(4, 5), None);
        assert_eq!(lock_seconds(5, 5), Some(30));
        assert_eq!(lock_seconds(6, 5), Some(60));
        assert_eq!(lock_seconds(9, 5), Some(480));
        assert_eq!(lock_seconds(10, 5), Some(900));
        assert_eq!(lock_seconds(500, 5), Some(900));
    }

    #[test]
    fn one_network_locking_a_name_leaves_other_networks_free_and_failures_decay() {
        let db = Db::in_memory().unwrap();
        let conn = db.lock();
        for n in 0..FREE_PER_CLIENT {
            let r = reserve_password(&conn, "ann", "198.51.100.1", 1000).unwrap();
            assert_eq!(r.locks_for.is_some(), n == FREE_PER_CLIENT - 1);
        }
        assert!(matches!(
            reserve_password(&conn, "ann", "198.51.100.1", 1001),
            Err(ApiError::AccountLocked { retry_after: 29 })
        ));
        assert!(reserve_password(&conn, "ann", "203.0.113.7", 1001).is_ok());
        // After the lock and an hour's quiet, the attacker's network starts from one again.
        let later = 1000 + DECAY + 1;
        let r = reserve_password(&conn, "ann", "198.51.100.1", later).unwrap();
        assert_eq!(r.locks_for, None);
    }

    #[test]
    fn a_known_network_passes_the_account_wide_lock() {
        let db = Db::in_memory().unwrap();
        let conn = db.lock();
        conn.execute(
            "INSERT INTO users (id, username, display_name, password_hash) VALUES (1, 'ann', 'Ann', 'x')",
            [],
        )
        .unwrap();
        remember_client(&conn, 1, "home", 10).unwrap();
        for n in 0..FREE_PER_ACCOUNT {
            let _ = reserve_password(&conn, "ann", &format!("bot-{n}"), 1000).unwrap();
        }
        assert!(reserve_password(&conn, "ann", "cafe", 1001).is_err());
        let at_home = reserve_password(&conn, "ann", "home", 1001).unwrap();
        forgive_password(&conn, &at_home).unwrap();
        assert!(reserve_password(&conn, "ann", "home", 1002).is_ok());
    }
}
