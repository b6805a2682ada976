//! The background work: new information becomes "due an email" for each account that may see
//! it and wants to hear, and each account due one gets it, at most once an hour.

use super::{Choices, Kind, choices};
use crate::AppState;
use crate::access::{self, Grant};
use crate::accounts::{self, User};
use crate::audit::Event;
use crate::infra::error::ApiError;
use crate::infra::store::Conn;
use crate::infra::time;
use crate::mail::Letter;
use crate::messages;
use crate::proxies;
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
    if !state.store.lease(ROUND, time::now(), ROUND_LEASE).await? {
        return Ok(0);
    }
    let sent = send_ready(state).await;
    state.store.release(ROUND).await?;
    sent
}

const ROUND: &str = "new-information";
/// How long a portal may hold the round before another may take it over.
const ROUND_LEASE: i64 = 120;

async fn send_ready(state: &AppState) -> Result<usize, ApiError> {
    // A batch is taken off the list and turned into accounts due an email together, or not at
    // all: a portal stopped half way leaves the batch for the next round.
    let mut readers = HashMap::new();
    loop {
        let mut tx = state.store.begin().await?;
        let more = decide(state, &mut tx, &mut readers).await?;
        tx.commit().await?;
        if !more {
            break;
        }
    }
    let due = ready(&mut *state.store.conn().await?, time::now()).await?;
    let (mut sent, mut refused) = (0, None);
    for user in due {
        let Some(letter) = letter(state, &user) else {
            continue;
        };
        if let Err(e) = state.mailer.send(&state.mail_from(), letter).await {
            refused = Some(e);
            continue;
        }
        let mut conn = state.store.conn().await?;
        sqlx::query("DELETE FROM notifications_due WHERE user_id = $1")
            .bind(user.id)
            .execute(&mut *conn)
            .await?;
        sqlx::query("UPDATE users SET notified_at = $1 WHERE id = $2")
            .bind(time::now())
            .bind(user.id)
            .execute(&mut *conn)
            .await?;
        Event::new("new-information-emailed")
            .user(Some(user.id))
            .record(&mut conn)
            .await?;
        sent += 1;
    }
    refused.map_or(Ok(sent), Err)
}

/// Turns one batch of new information into accounts due an email; false once none is left.
async fn decide(
    state: &AppState,
    conn: &mut Conn,
    known: &mut HashMap<String, Vec<Reader>>,
) -> Result<bool, ApiError> {
    let batch: Vec<(i64, String, String, String, String)> = sqlx::query_as(
        "SELECT id, patient_id, resource_type, resource_id, kind FROM new_information
         ORDER BY id LIMIT $1",
    )
    .bind(BATCH)
    .fetch_all(&mut *conn)
    .await?;
    for (id, patient, resource_type, resource_id, kind) in &batch {
        sqlx::query("DELETE FROM new_information WHERE id = $1")
            .bind(id)
            .execute(&mut *conn)
            .await?;
        let Some(kind) = Kind::from_id(kind) else {
            continue;
        };
        let Some(what) = New::read(state, conn, kind, resource_type, resource_id).await? else {
            continue;
        };
        if !known.contains_key(patient) {
            known.insert(patient.clone(), readers(state, conn, patient).await?);
        }
        for reader in &known[patient] {
            let others = reader.wanted.others_records;
            let hears = reader.wanted.wants(kind)
                && match &what {
                    New::Record(resource) => reader.grant.hears_of(resource_type, resource, others),
                    New::Reply { started_by } => {
                        reader.grant.hears_of_messages(others)
                            && reader
                                .grant
                                .conversations(reader.user_id)
                                .include(*started_by)
                    }
                };
            if hears {
                sqlx::query("INSERT INTO notifications_due (user_id, since) VALUES ($1, $2) ON CONFLICT DO NOTHING")
        .bind(reader.user_id)
        .bind(time::now())
        .execute(&mut *conn)
        .await?;
            }
        }
    }
    Ok(batch.len() as i64 == BATCH)
}

/// What was added: a record resource, or a reply in a conversation (started by this user, or by
/// the hospital).
enum New {
    Record(serde_json::Value),
    Reply { started_by: Option<i64> },
}

impl New {
    /// What a noted addition is now; None if it has gone.
    async fn read(
        state: &AppState,
        conn: &mut Conn,
        kind: Kind,
        resource_type: &str,
        id: &str,
    ) -> Result<Option<Self>, ApiError> {
        if kind == Kind::Messages {
            return Ok(messages::store::conversation_of(conn, id)
                .await?
                .map(|c| New::Reply {
                    started_by: c.started_by,
                }));
        }
        Ok(state
            .records
            .read(conn, resource_type, id)
            .await?
            .map(|(_, resource)| New::Record(resource)))
    }
}

/// Someone who may read a patient's record today, on what footing, and what they want to hear.
struct Reader {
    user_id: i64,
    grant: Grant,
    wanted: Choices,
}

/// Everyone who may read this patient's record today: their own account, and anyone acting
/// for them whose access is in force now.
async fn readers(
    state: &AppState,
    conn: &mut Conn,
    patient: &str,
) -> Result<Vec<Reader>, ApiError> {
    let mut ids: BTreeSet<i64> = proxies::store::of_patient(conn, patient)
        .await?
        .into_iter()
        .map(|r| r.proxy_user_id)
        .collect();
    ids.extend(accounts::of_patient(conn, patient).await?);
    let mut all = Vec::new();
    for user_id in ids {
        if let Ok(grant) = access::proxy::grant(conn, state, user_id, patient).await {
            all.push(Reader {
                user_id,
                grant,
                wanted: choices(conn, user_id).await?,
            });
        }
    }
    Ok(all)
}

/// Accounts due an email that may have one now: an address, not turned off, and
/// nothing sent in the last hour. Due rows of accounts that can no longer hear are dropped.
async fn ready(conn: &mut Conn, now: i64) -> Result<Vec<User>, ApiError> {
    sqlx::query(
        "DELETE FROM notifications_due WHERE user_id IN
           (SELECT id FROM users WHERE email IS NULL OR disabled_at IS NOT NULL)",
    )
    .execute(&mut *conn)
    .await?;
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT d.user_id FROM notifications_due d JOIN users u ON u.id = d.user_id
         WHERE u.notified_at IS NULL OR u.notified_at <= $1 ORDER BY d.since",
    )
    .bind(now - QUIET_FOR)
    .fetch_all(&mut *conn)
    .await?;
    let mut users = Vec::new();
    for id in ids {
        users.push(accounts::by_id(&mut *conn, id).await?);
    }
    Ok(users)
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
