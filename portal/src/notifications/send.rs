//! The background work: new information becomes "due an email" for each account that may see
//! it and wants to hear, and each account due one gets it, at most once an hour.

use super::{Choices, Kind, choices};
use crate::AppState;
use crate::access::{self, Grant};
use crate::accounts::{self, User};
use crate::audit::Event;
use crate::infra::error::ApiError;
use crate::infra::time;
use crate::mail::Letter;
use crate::proxies;
use crate::records;
use rusqlite::{Connection, params};
use std::collections::{BTreeSet, HashMap};

/// At most one email per account in this time, however much is added: a laboratory sending
/// results one by one must not fill an inbox.
pub const QUIET_FOR: i64 = 60 * 60;
/// New information looked at in one go.
const BATCH: i64 = 500;

/// Works through what was added, then emails everyone due one. Answers how many were sent, or
/// `MailNotSent` if any letter did not go (each stays due for a later round; one address the
/// relay refuses must not hold back everyone else's).
pub async fn send_due(state: &AppState) -> Result<usize, ApiError> {
    let due = state
        .run(|state| {
            let mut conn = state.db.lock();
            let tx = conn.transaction()?;
            // A load brings many resources for few patients: who reads each is asked once.
            let mut readers = HashMap::new();
            while decide(state, &tx, &mut readers)? {}
            tx.commit()?;
            ready(&conn, time::now())
        })
        .await?;
    let (mut sent, mut refused) = (0, None);
    for user in due {
        let Some(letter) = letter(state, &user) else {
            continue;
        };
        if let Err(e) = state.mailer.send(&state.mail_from(), letter).await {
            refused = Some(e);
            continue;
        }
        state
            .run(move |state| {
                let conn = state.db.lock();
                conn.execute(
                    "DELETE FROM notifications_due WHERE user_id = ?1",
                    [user.id],
                )?;
                conn.execute(
                    "UPDATE users SET notified_at = ?1 WHERE id = ?2",
                    params![time::now(), user.id],
                )?;
                Event::new("new-information-emailed")
                    .user(Some(user.id))
                    .record(&conn)?;
                Ok(())
            })
            .await?;
        sent += 1;
    }
    refused.map_or(Ok(sent), Err)
}

/// Turns one batch of new information into accounts due an email; false once none is left.
fn decide(
    state: &AppState,
    conn: &Connection,
    known: &mut HashMap<String, Vec<Reader>>,
) -> Result<bool, ApiError> {
    let batch: Vec<(i64, String, String, String, String)> = conn
        .prepare(
            "SELECT id, patient_id, resource_type, resource_id, kind FROM new_information
             ORDER BY id LIMIT ?1",
        )?
        .query_map([BATCH], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    for (id, patient, resource_type, resource_id, kind) in &batch {
        conn.execute("DELETE FROM new_information WHERE id = ?1", [id])?;
        let (Some(kind), Some((_, resource))) = (
            Kind::from_id(kind),
            records::read(conn, resource_type, resource_id)?,
        ) else {
            continue;
        };
        if !known.contains_key(patient) {
            known.insert(patient.clone(), readers(state, conn, patient)?);
        }
        for reader in &known[patient] {
            let hears = reader.wanted.wants(kind)
                && reader
                    .grant
                    .hears_of(resource_type, &resource, reader.wanted.others_records);
            if hears {
                conn.execute(
                    "INSERT OR IGNORE INTO notifications_due (user_id, since) VALUES (?1, ?2)",
                    params![reader.user_id, time::now()],
                )?;
            }
        }
    }
    Ok(batch.len() as i64 == BATCH)
}

/// Someone who may read a patient's record today, on what footing, and what they want to hear.
struct Reader {
    user_id: i64,
    grant: Grant,
    wanted: Choices,
}

/// Everyone who may read this patient's record today: their own account, and anyone acting
/// for them whose access is in force now.
fn readers(state: &AppState, conn: &Connection, patient: &str) -> Result<Vec<Reader>, ApiError> {
    let mut ids: BTreeSet<i64> = proxies::store::of_patient(conn, patient)?
        .into_iter()
        .map(|r| r.proxy_user_id)
        .collect();
    ids.extend(accounts::of_patient(conn, patient)?);
    let mut all = Vec::new();
    for user_id in ids {
        if let Ok(grant) = access::proxy::grant(conn, state, user_id, patient) {
            all.push(Reader {
                user_id,
                grant,
                wanted: choices(conn, user_id)?,
            });
        }
    }
    Ok(all)
}

/// Accounts due an email that may have one now: an address, not turned off, and
/// nothing sent in the last hour. Due rows of accounts that can no longer hear are dropped.
fn ready(conn: &Connection, now: i64) -> Result<Vec<User>, ApiError> {
    conn.execute(
        "DELETE FROM notifications_due WHERE user_id IN
           (SELECT id FROM users WHERE email IS NULL OR disabled_at IS NOT NULL)",
        [],
    )?;
    let ids: Vec<i64> = conn
        .prepare(
            "SELECT d.user_id FROM notifications_due d JOIN users u ON u.id = d.user_id
             WHERE u.notified_at IS NULL OR u.notified_at <= ?1 ORDER BY d.since",
        )?
        .query_map([now - QUIET_FOR], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    ids.into_iter()
        .map(|id| accounts::by_id(conn, id))
        .collect()
}

/// The email: that there is something new, and where to sign in. Nothing about what it is or
/// whose record it is in.
fn letter(state: &AppState, user: &User) -> Option<Letter> {
    let org = &state.info.organization.name;
    let place = match &state.config.public_url {
        Some(url) => format!("sign in at {}/", url.trim_end_matches('/')),
        None => format!("sign in to the {org} patient portal"),
    };
    Some(Letter {
        to: user.email.clone()?,
        subject: format!("There is something new in the {org} patient portal"),
        body: format!(
            "Hello {name},\n\n\
             There is something new for you in the {org} patient portal. To see it, {place}.\n\n\
             This email does not say what it is. Anyone who can read your email could read it \
             too, so we keep health information out of email.\n\n\
             You get these emails because of your choices in Your account, where you can change \
             them.\n\n\
             {org}\n",
            name = user.display_name,
        ),
    })
}
