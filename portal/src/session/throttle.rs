//! Slows down guessing from one client network: a bounded number of failed steps in a window.
//! Successes are not counted, so a busy hospital network where many patients sign in from one
//! address is never held shut. The counts are in the database, so every portal in front of it
//! counts the same failures.

use crate::infra::store::Conn;

/// What is counted, each with its own limit.
#[derive(Clone, Copy, Debug)]
pub enum Kind {
    /// Failed sign-in steps (passwords, codes, invitation and passkey answers) and failed
    /// assertions from other organisations' systems.
    SignIn,
    /// Passkey sign-in challenges asked for: every one is counted, not only failures, since
    /// asking costs a stored challenge whoever asks.
    PasskeyChallenge,
}

/// Over the window, steps one network may fail (or challenges it may ask for).
pub const SIGN_IN_LIMIT: i64 = 20;
pub const WINDOW: i64 = 300;

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::SignIn => "sign-in",
            Kind::PasskeyChallenge => "passkey-challenge",
        }
    }

    fn limit(self) -> i64 {
        match self {
            Kind::SignIn => SIGN_IN_LIMIT,
            Kind::PasskeyChallenge => crate::passkeys::CHALLENGES_PER_WINDOW,
        }
    }
}

/// Over the limit: how long to wait, and whether this is the window's first refusal (to audit).
#[derive(Debug, PartialEq)]
pub struct Refused {
    pub retry_after: i64,
    pub first_in_window: bool,
}

/// Refuses a network that has failed too often in the window. Only failures are counted
/// (afterwards, by [`fail`]): sign-ins in flight are not, so a burst of patients signing in on
/// one hospital network is never refused. Guessing in parallel from one network may pass the
/// limit by what is in flight; the per-account counts, reserved before each check, are what
/// protect an account.
pub async fn check(conn: &mut Conn, kind: Kind, network: &str, now: i64) -> Result<(), Refused> {
    let counted = async {
        let (failures, oldest): (i64, Option<i64>) = sqlx::query_as(
            "SELECT count(*), min(at) FROM network_failures
             WHERE kind = $1 AND network = $2 AND at > $3",
        )
        .bind(kind.name())
        .bind(network)
        .bind(now - WINDOW)
        .fetch_one(&mut *conn)
        .await?;
        if failures < kind.limit() {
            return Ok(None);
        }
        // One refusal a window goes to the audit trail: the first to move the mark on.
        let marked = sqlx::query(
            "INSERT INTO network_refusals (kind, network, at) VALUES ($1, $2, $3)
             ON CONFLICT (kind, network) DO UPDATE SET at = excluded.at
               WHERE network_refusals.at <= $4
             RETURNING at",
        )
        .bind(kind.name())
        .bind(network)
        .bind(now)
        .bind(now - WINDOW)
        .fetch_optional(&mut *conn)
        .await?;
        Ok::<_, sqlx::Error>(Some(Refused {
            retry_after: WINDOW - (now - oldest.unwrap_or(now)),
            first_in_window: marked.is_some(),
        }))
    };
    match counted.await {
        Ok(None) => Ok(()),
        Ok(Some(refused)) => Err(refused),
        // A database that cannot count does not stop a patient signing in; the per-account
        // counts still stand guard, and the failure is logged.
        Err(e) => {
            tracing::error!(error = %e, "cannot read the network's failures");
            Ok(())
        }
    }
}

/// Counts a failed step (or a challenge asked for); answers how many the network has made in
/// the window, this one too.
pub async fn fail(conn: &mut Conn, kind: Kind, network: &str, now: i64) -> sqlx::Result<i64> {
    sqlx::query("INSERT INTO network_failures (kind, network, at) VALUES ($1, $2, $3)")
        .bind(kind.name())
        .bind(network)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    sqlx::query_scalar(
        "SELECT count(*) FROM network_failures WHERE kind = $1 AND network = $2 AND at > $3",
    )
    .bind(kind.name())
    .bind(network)
    .bind(now - WINDOW)
    .fetch_one(conn)
    .await
}

/// Forgets failures older than the window.
pub async fn purge(conn: &mut Conn, now: i64) -> sqlx::Result<u64> {
    let done = sqlx::query("DELETE FROM network_failures WHERE at <= $1")
        .bind(now - WINDOW)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM network_refusals WHERE at <= $1")
        .bind(now - WINDOW)
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::infra::store::testing;

    async fn fail_times(conn: &mut Conn, network: &str, times: impl IntoIterator<Item = i64>) {
        for at in times {
            check(conn, Kind::SignIn, network, at).await.unwrap();
            fail(conn, Kind::SignIn, network, at).await.unwrap();
        }
    }

    #[tokio::test]
    async fn refuses_past_the_limit_until_the_window_moves_on() {
        let store = testing::store().await;
        let mut held = store.conn().await.unwrap();
        let conn = &mut *held;
        fail_times(conn, "a", 100..100 + SIGN_IN_LIMIT).await;
        let at = 100 + SIGN_IN_LIMIT + 10;
        assert_eq!(
            check(conn, Kind::SignIn, "a", at).await,
            Err(Refused {
                retry_after: WINDOW - (at - 100),
                first_in_window: true
            })
        );
        assert!(
            !check(conn, Kind::SignIn, "a", at + 1)
                .await
                .unwrap_err()
                .first_in_window
        );
        assert!(check(conn, Kind::SignIn, "b", at).await.is_ok());
        // Challenges are counted apart from failures.
        assert!(check(conn, Kind::PasskeyChallenge, "a", at).await.is_ok());
        assert!(
            check(conn, Kind::SignIn, "a", 100 + WINDOW + 1)
                .await
                .is_ok()
        );
        // Once the window has passed, the purge forgets what it held.
        assert_eq!(
            purge(conn, 100 + SIGN_IN_LIMIT + WINDOW).await.unwrap(),
            SIGN_IN_LIMIT as u64
        );
    }

    #[tokio::test]
    async fn successes_do_not_count() {
        let store = testing::store().await;
        let mut held = store.conn().await.unwrap();
        for s in 0..SIGN_IN_LIMIT * 2 {
            assert!(
                check(&mut held, Kind::SignIn, "hospital-wifi", 100 + s)
                    .await
                    .is_ok()
            );
        }
    }
}
