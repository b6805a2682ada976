//! How many emails a signed-in person can make the portal send, so it is never a way of mailing
//! strangers: per account and per client network, per hour and per day, and fewer codes to new
//! addresses. The check and the count are one step under the write lock, so parallel requests
//! cannot all pass on a count read before any of them wrote.

use crate::infra::error::ApiError;
use crate::infra::store::{Conn, one_at_a_time};
use sqlx::Any;
use sqlx::Row;
use sqlx::any::AnyArguments;
use sqlx::query::Query;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Kind {
    /// An invitation to act for the patient.
    Invitation,
    /// A share's link sent to the person it is for.
    Share,
    /// A code sent to confirm a new address.
    AddressCode,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Invitation => "invitation",
            Kind::Share => "share",
            Kind::AddressCode => "address-code",
        }
    }
}

const HOUR: i64 = 3600;
const DAY: i64 = 86_400;

/// (window, most emails in it) for one account, whatever the kind.
const PER_ACCOUNT: [(i64, i64); 2] = [(HOUR, 10), (DAY, 30)];
/// (window, most emails in it) from one client network, whoever is signed in there: enough for a
/// care home's shared connection, too few to be worth abusing.
const PER_NETWORK: [(i64, i64); 2] = [(HOUR, 30), (DAY, 100)];
/// Codes to new addresses, per account per hour: enough for typing mistakes.
const ADDRESS_CODES_AN_HOUR: i64 = 5;

/// Counts one email of `kind` for this account and network, or answers `429` with how long to
/// wait if a limit is reached. Counting and counting this one are one step, across portals.
pub async fn reserve(
    conn: &mut Conn,
    user_id: i64,
    network: &str,
    kind: Kind,
    now: i64,
) -> Result<(), ApiError> {
    let mut tx = one_at_a_time(conn, "mail-quota").await?;
    let conn: &mut Conn = &mut tx;
    let mut waits = Vec::new();
    for (window, most) in PER_ACCOUNT {
        let q = newest("user_id", "", window, most, now).bind(user_id);
        waits.push(wait(&mut *conn, q, window, now).await?);
    }
    for (window, most) in PER_NETWORK {
        let q = newest("network", "", window, most, now).bind(network.to_owned());
        waits.push(wait(&mut *conn, q, window, now).await?);
    }
    if kind == Kind::AddressCode {
        let extra = "AND kind = 'address-code'";
        let q = newest("user_id", extra, HOUR, ADDRESS_CODES_AN_HOUR, now).bind(user_id);
        waits.push(wait(&mut *conn, q, HOUR, now).await?);
    }
    if let Some(retry_after) = waits.into_iter().flatten().max() {
        return Err(ApiError::TooManyAttempts { retry_after });
    }
    sqlx::query("INSERT INTO mail_sent (user_id, network, kind, at) VALUES ($1, $2, $3, $4)")
        .bind(user_id)
        .bind(network)
        .bind(kind.as_str())
        .bind(now)
        .execute(&mut *conn)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// The `most`-th newest email in the window by the column's value (bound last): once it leaves
/// the window, there is room for one more.
fn newest(
    column: &str,
    extra: &str,
    window: i64,
    most: i64,
    now: i64,
) -> Query<'static, Any, AnyArguments> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT at FROM mail_sent WHERE at > $1 {extra} AND {column} = $3
         ORDER BY at DESC LIMIT 1 OFFSET $2"
    )))
    .bind(now - window)
    .bind(most - 1)
}

/// How long until there is room, if the window is full.
async fn wait(
    conn: &mut Conn,
    newest: Query<'static, Any, AnyArguments>,
    window: i64,
    now: i64,
) -> sqlx::Result<Option<i64>> {
    let at: Option<i64> = newest
        .try_map(|r: sqlx::any::AnyRow| r.try_get(0))
        .fetch_optional(conn)
        .await?;
    Ok(at.map(|at| (at + window - now).max(1)))
}

/// Forgets counts older than the longest window.
pub async fn purge(conn: &mut Conn, now: i64) -> sqlx::Result<u64> {
    let done = sqlx::query("DELETE FROM mail_sent WHERE at <= $1")
        .bind(now - DAY)
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::infra::store::testing;

    #[tokio::test]
    async fn limits_per_account_per_network_and_codes_by_the_hour_then_the_day() {
        let store = testing::store().await;
        let mut conn = store.conn().await.unwrap();
        let t = 1_000_000;
        for i in 0..5 {
            reserve(&mut conn, 1, "192.0.2.1", Kind::AddressCode, t + i)
                .await
                .unwrap();
        }
        let Err(ApiError::TooManyAttempts { retry_after }) =
            reserve(&mut conn, 1, "192.0.2.1", Kind::AddressCode, t + 10).await
        else {
            panic!("a sixth code in the hour");
        };
        assert_eq!(
            retry_after,
            HOUR - 10,
            "until the first code is an hour old"
        );
        // Other kinds still go, up to ten an hour in all.
        for i in 0..5 {
            reserve(&mut conn, 1, "192.0.2.1", Kind::Share, t + 20 + i)
                .await
                .unwrap();
        }
        assert!(
            reserve(&mut conn, 1, "192.0.2.1", Kind::Share, t + 30)
                .await
                .is_err()
        );
        // An hour on, the hour's limit is clear, but the day's catches up.
        let mut later = t + HOUR + 60;
        let mut sent = 10;
        while reserve(&mut conn, 1, "192.0.2.1", Kind::Invitation, later)
            .await
            .is_ok()
        {
            sent += 1;
            later += HOUR / 10 + 1;
        }
        assert_eq!(sent, 30, "thirty a day");
        // A second account on the same network is held by the network's limits.
        let mut others = 0;
        for user in 2..40 {
            if reserve(&mut conn, user, "192.0.2.1", Kind::Share, later)
                .await
                .is_ok()
            {
                others += 1;
            }
        }
        assert!(others < 30, "{others}");
        assert!(purge(&mut conn, later + DAY * 2).await.unwrap() > 0);
    }
}
