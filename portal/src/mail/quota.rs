//! How many emails a signed-in person can make the portal send, so it is never a way of mailing
//! strangers: per account and per client network, per hour and per day, and fewer codes to new
//! addresses. The check and the count are one step under the write lock, so parallel requests
//! cannot all pass on a count read before any of them wrote.

use crate::infra::error::ApiError;
use rusqlite::{Connection, OptionalExtension, params};

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
/// wait if a limit is reached. Call it with the write lock held, before sending.
pub fn reserve(
    conn: &Connection,
    user_id: i64,
    network: &str,
    kind: Kind,
    now: i64,
) -> Result<(), ApiError> {
    let wait = |column: &str, value: &dyn rusqlite::ToSql, extra: &str, window: i64, most: i64| {
        // The `most`-th newest in the window: once it leaves, there is room for one more.
        conn.query_row(
            &format!(
                "SELECT at FROM mail_sent WHERE {column} = ?1 AND at > ?2 {extra}
                 ORDER BY at DESC LIMIT 1 OFFSET ?3"
            ),
            params![value, now - window, most - 1],
            |r| r.get::<_, i64>(0),
        )
        .optional()
        .map(|at| at.map(|at| (at + window - now).max(1)))
    };
    let mut waits = Vec::new();
    for (window, most) in PER_ACCOUNT {
        waits.push(wait("user_id", &user_id, "", window, most)?);
    }
    for (window, most) in PER_NETWORK {
        waits.push(wait("network", &network, "", window, most)?);
    }
    if kind == Kind::AddressCode {
        let extra = "AND kind = 'address-code'";
        waits.push(wait(
            "user_id",
            &user_id,
            extra,
            HOUR,
            ADDRESS_CODES_AN_HOUR,
        )?);
    }
    if let Some(retry_after) = waits.into_iter().flatten().max() {
        return Err(ApiError::TooManyAttempts { retry_after });
    }
    conn.execute(
        "INSERT INTO mail_sent (user_id, network, kind, at) VALUES (?1, ?2, ?3, ?4)",
        params![user_id, network, kind.as_str(), now],
    )?;
    Ok(())
}

/// Forgets counts older than the longest window.
pub fn purge(conn: &Connection, now: i64) -> rusqlite::Result<usize> {
    conn.execute("DELETE FROM mail_sent WHERE at <= ?1", [now - DAY])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::infra::db::Db;

    #[test]
    fn limits_per_account_per_network_and_codes_by_the_hour_then_the_day() {
        let db = Db::in_memory().unwrap();
        let conn = db.lock();
        let t = 1_000_000;
        for i in 0..5 {
            reserve(&conn, 1, "192.0.2.1", Kind::AddressCode, t + i).unwrap();
        }
        let Err(ApiError::TooManyAttempts { retry_after }) =
            reserve(&conn, 1, "192.0.2.1", Kind::AddressCode, t + 10)
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
            reserve(&conn, 1, "192.0.2.1", Kind::Share, t + 20 + i).unwrap();
        }
        assert!(reserve(&conn, 1, "192.0.2.1", Kind::Share, t + 30).is_err());
        // An hour on, the hour's limit is clear, but the day's catches up.
        let mut later = t + HOUR + 60;
        let mut sent = 10;
        while reserve(&conn, 1, "192.0.2.1", Kind::Invitation, later).is_ok() {
            sent += 1;
            later += HOUR / 10 + 1;
        }
        assert_eq!(sent, 30, "thirty a day");
        // A second account on the same network is held by the network's limits.
        let mut others = 0;
        for user in 2..40 {
            if reserve(&conn, user, "192.0.2.1", Kind::Share, later).is_ok() {
                others += 1;
            }
        }
        assert!(others < 30, "{others}");
        assert!(purge(&conn, later + DAY * 2).unwrap() > 0);
    }
}
