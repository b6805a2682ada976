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
use crate::infra::store::Conn;
use sqlx::Row;

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
pub async fn reserve_password(
    conn: &mut Conn,
    username: &str,
    client: &str,
    now: i64,
) -> Result<Reserved, ApiError> {
    let known = is_known_client(&mut *conn, username, client).await?;
    let locked_until: Option<i64> = sqlx::query(
        "SELECT max(locked_until) FROM sign_in_failures
         WHERE username = $1 AND (client = $2 OR (client = $3 AND NOT $4)) AND locked_until > $5",
    )
    .bind(username)
    .bind(client)
    .bind(WHOLE_ACCOUNT)
    .bind(known)
    .bind(now)
    .try_map(|r: sqlx::any::AnyRow| r.try_get(0))
    .fetch_one(&mut *conn)
    .await?;
    if let Some(until) = locked_until {
        return Err(ApiError::AccountLocked {
            retry_after: until - now,
        });
    }
    let mut locks_for = count(&mut *conn, username, client, now, FREE_PER_CLIENT).await?;
    let account_lock = count(conn, username, WHOLE_ACCOUNT, now, FREE_PER_ACCOUNT).await?;
    if !known {
        locks_for = locks_for.max(account_lock);
    }
    Ok(Reserved {
        username: username.into(),
        client: client.into(),
        locks_for,
    })
}

async fn count(
    conn: &mut Conn,
    username: &str,
    client: &str,
    now: i64,
    free: i64,
) -> sqlx::Result<Option<i64>> {
    let failures: i64 = sqlx::query("INSERT INTO sign_in_failures (username, client, failures, last_failed_at) VALUES ($1, $2, 1, $3)
         ON CONFLICT (username, client) DO UPDATE SET
           failures = CASE WHEN $3 - sign_in_failures.last_failed_at > $4 THEN 1
                           ELSE sign_in_failures.failures + 1 END,
           last_failed_at = $3
         RETURNING failures")
        .bind(username)
        .bind(client)
        .bind(now)
        .bind(DECAY)
        .try_map(|r: sqlx::any::AnyRow| r.try_get(0))
        .fetch_one(&mut *conn)
        .await?;
    let lock = lock_seconds(failures, free);
    if let Some(secs) = lock {
        sqlx::query(
            "UPDATE sign_in_failures SET locked_until = $3 WHERE username = $1 AND client = $2",
        )
        .bind(username)
        .bind(client)
        .bind(now + secs)
        .execute(&mut *conn)
        .await?;
    }
    Ok(lock)
}

/// The password was right: this network starts afresh, and the account-wide count gives back
/// the one it took.
pub async fn forgive_password(conn: &mut Conn, reserved: &Reserved) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM sign_in_failures WHERE username = $1 AND client = $2")
        .bind(&reserved.username)
        .bind(&reserved.client)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "UPDATE sign_in_failures SET failures = failures - 1,
           locked_until = CASE WHEN failures - 1 >= $3 THEN locked_until END
         WHERE username = $1 AND client = $2",
    )
    .bind(&reserved.username)
    .bind(WHOLE_ACCOUNT)
    .bind(FREE_PER_ACCOUNT)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn is_known_client(conn: &mut Conn, username: &str, client: &str) -> sqlx::Result<bool> {
    sqlx::query(
        "SELECT 1 FROM known_clients k JOIN users u ON u.id = k.user_id
         WHERE u.username = $1 AND k.client = $2",
    )
    .bind(username)
    .bind(client)
    .fetch_optional(&mut *conn)
    .await
    .map(|found| found.is_some())
}

/// A completed sign-in: this network is known to the account from now on.
pub async fn remember_client(
    conn: &mut Conn,
    user_id: i64,
    client: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO known_clients (user_id, client, last_signed_in) VALUES ($1, $2, $3)
         ON CONFLICT (user_id, client) DO UPDATE SET last_signed_in = $3",
    )
    .bind(user_id)
    .bind(client)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Counts one security code attempt on the account, or refuses it while codes are paused.
/// `Ok(Some(seconds))` when this attempt, if wrong, is the one that pauses them.
pub async fn reserve_code(
    conn: &mut Conn,
    user_id: i64,
    now: i64,
) -> Result<Option<i64>, ApiError> {
    code_lock(&mut *conn, user_id, now).await?;
    let failures: i64 = sqlx::query(
        "UPDATE users SET
           code_failures = CASE WHEN code_last_failed_at IS NULL OR $2 - code_last_failed_at > $3
                                THEN 1 ELSE code_failures + 1 END,
           code_last_failed_at = $2
         WHERE id = $1 RETURNING code_failures",
    )
    .bind(user_id)
    .bind(now)
    .bind(DECAY)
    .try_map(|r: sqlx::any::AnyRow| r.try_get(0))
    .fetch_one(&mut *conn)
    .await?;
    if failures < FREE_CODES {
        return Ok(None);
    }
    // Past the free ones, one attempt pauses the codes: the one that sets the pause. Any other
    // counted alongside it finds them paused already.
    let paused = sqlx::query(
        "UPDATE users SET code_locked_until = $2
         WHERE id = $1 AND (code_locked_until IS NULL OR code_locked_until <= $3)",
    )
    .bind(user_id)
    .bind(now + LONGEST_LOCK)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    if paused.rows_affected() == 0 {
        code_lock(conn, user_id, now).await?;
    }
    Ok(Some(LONGEST_LOCK))
}

/// Refuses while the account's security codes are paused.
pub async fn code_lock(conn: &mut Conn, user_id: i64, now: i64) -> Result<(), ApiError> {
    let until: Option<i64> = sqlx::query("SELECT code_locked_until FROM users WHERE id = $1")
        .bind(user_id)
        .try_map(|r: sqlx::any::AnyRow| r.try_get(0))
        .fetch_one(&mut *conn)
        .await?;
    match until.filter(|u| *u > now) {
        Some(u) => Err(ApiError::SecondFactorLocked {
            retry_after: u - now,
        }),
        None => Ok(()),
    }
}

pub async fn forgive_code(conn: &mut Conn, user_id: i64) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE users SET code_failures = 0, code_last_failed_at = NULL, code_locked_until = NULL
         WHERE id = $1",
    )
    .bind(user_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The help desk's "unlock": every count for the account starts again.
pub async fn unlock(conn: &mut Conn, username: &str) -> sqlx::Result<u64> {
    let done = sqlx::query("DELETE FROM sign_in_failures WHERE username = $1")
        .bind(username)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "UPDATE users SET code_failures = 0, code_last_failed_at = NULL, code_locked_until = NULL
         WHERE username = $1",
    )
    .bind(username)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected())
}

/// Forgets counts that have decayed, so the table holds only recent guessing.
pub async fn purge(conn: &mut Conn, now: i64) -> sqlx::Result<u64> {
    let done = sqlx::query(
        "DELETE FROM sign_in_failures WHERE $1 - last_failed_at > $2
           AND (locked_until IS NULL OR locked_until <= $1)",
    )
    .bind(now)
    .bind(DECAY)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::infra::store::testing;

    #[test]
    fn locks_grow_from_thirty_seconds_to_fifteen_minutes() {
        assert_eq!(lock_seconds(4, 5), None);
        assert_eq!(lock_seconds(5, 5), Some(30));
        assert_eq!(lock_seconds(6, 5), Some(60));
        assert_eq!(lock_seconds(9, 5), Some(480));
        assert_eq!(lock_seconds(10, 5), Some(900));
        assert_eq!(lock_seconds(500, 5), Some(900));
    }

    #[tokio::test]
    async fn one_network_locking_a_name_leaves_other_networks_free_and_failures_decay() {
        let store = testing::store().await;
        let mut held = store.conn().await.unwrap();
        let conn = &mut *held;
        for n in 0..FREE_PER_CLIENT {
            let r = reserve_password(conn, "ann", "198.51.100.1", 1000)
                .await
                .unwrap();
            assert_eq!(r.locks_for.is_some(), n == FREE_PER_CLIENT - 1);
        }
        assert!(matches!(
            reserve_password(conn, "ann", "198.51.100.1", 1001).await,
            Err(ApiError::AccountLocked { retry_after: 29 })
        ));
        assert!(
            reserve_password(conn, "ann", "203.0.113.7", 1001)
                .await
                .is_ok()
        );
        // After the lock and an hour's quiet, the attacker's network starts from one again.
        let later = 1000 + DECAY + 1;
        let r = reserve_password(conn, "ann", "198.51.100.1", later)
            .await
            .unwrap();
        assert_eq!(r.locks_for, None);
    }

    #[tokio::test]
    async fn a_known_network_passes_the_account_wide_lock() {
        let store = testing::store().await;
        let mut held = store.conn().await.unwrap();
        let conn = &mut *held;
        sqlx::query("INSERT INTO users (id, username, display_name, password_hash) VALUES (1, 'ann', 'Ann', 'x')")
        .execute(&mut *conn)
        .await
        .unwrap();
        remember_client(conn, 1, "home", 10).await.unwrap();
        for n in 0..FREE_PER_ACCOUNT {
            let _ = reserve_password(conn, "ann", &format!("bot-{n}"), 1000)
                .await
                .unwrap();
        }
        assert!(reserve_password(conn, "ann", "cafe", 1001).await.is_err());
        let at_home = reserve_password(conn, "ann", "home", 1001).await.unwrap();
        forgive_password(conn, &at_home).await.unwrap();
        assert!(reserve_password(conn, "ann", "home", 1002).await.is_ok());
    }
}
