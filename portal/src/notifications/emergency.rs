//! An emergency read is told to the patient: when another organisation opens a record with an
//! emergency purpose (ETREAT, BTG), the patient's own account gets an email saying their record
//! was opened in an emergency and where to see who, at most once an hour. It names no one and
//! holds no health information: the privacy centre says the rest, to the patient signed in.

use crate::AppState;
use crate::accounts;
use crate::audit::Event;
use crate::infra::error::ApiError;
use crate::infra::store::{Conn, Dialect};
use crate::infra::time;
use crate::mail::Letter;

/// Told at most once in this time per patient: one emergency is many reads.
pub const TOLD_EVERY: i64 = 60 * 60;

/// How long a portal may hold the round before another may take it over.
const ROUND_LEASE: i64 = 120;

/// The emergency reads recorded since the last round: the patients, and the audit row reached.
/// A trail that has never been read from starts at its end: what came before is not news.
async fn since_last_round(conn: &mut Conn) -> sqlx::Result<(Vec<String>, i64)> {
    let newest: i64 = sqlx::query_scalar("SELECT coalesce(max(id), 0) FROM audit")
        .fetch_one(&mut *conn)
        .await?;
    let from: Option<i64> = sqlx::query_scalar("SELECT audit_id FROM emergency_cursor")
        .fetch_optional(&mut *conn)
        .await?;
    let Some(from) = from else {
        sqlx::query(
            "INSERT INTO emergency_cursor (\"only\", audit_id) VALUES (1, $1) ON CONFLICT DO NOTHING",
        )
        .bind(newest)
        .execute(&mut *conn)
        .await?;
        return Ok((Vec::new(), newest));
    };
    let purpose = Dialect::of(conn).json_text("professional", "purpose");
    let patients = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT DISTINCT patient_id FROM audit
         WHERE id > $1 AND id <= $2 AND outcome = 'success' AND patient_id IS NOT NULL
           AND action IN ('read', 'search') AND {purpose} IN ('ETREAT', 'BTG')"
    )))
    .bind(from)
    .bind(newest)
    .fetch_all(conn)
    .await?;
    Ok((patients, newest))
}

/// Emails each patient whose record was opened in an emergency since the last round; answers
/// how many were told. A letter the relay does not take is tried again next round. One portal
/// at a time runs the round.
pub async fn tell(state: &AppState) -> Result<usize, ApiError> {
    if !state.store.lease(ROUND, time::now(), ROUND_LEASE).await? {
        return Ok(0);
    }
    let told = tell_due(state).await;
    state.store.release(ROUND).await?;
    told
}

const ROUND: &str = "emergency-reads";

async fn tell_due(state: &AppState) -> Result<usize, ApiError> {
    let mut conn = state.store.conn().await?;
    let (patients, reached) = since_last_round(&mut conn).await?;
    let now = time::now();
    let mut due = Vec::new();
    for patient in patients {
        let told_at: Option<i64> =
            sqlx::query_scalar("SELECT told_at FROM emergency_told WHERE patient_id = $1")
                .bind(&patient)
                .fetch_optional(&mut *conn)
                .await?;
        if told_at.is_some_and(|at| at > now - TOLD_EVERY) {
            continue;
        }
        let Some(id) = accounts::of_patient(&mut conn, &patient).await? else {
            continue;
        };
        let user = accounts::by_id(&mut conn, id).await?;
        if user.disabled_at.is_none() && user.email.is_some() {
            due.push((patient, user));
        }
    }
    drop(conn);
    let mut told = 0;
    let mut refused = None;
    for (patient, user) in due {
        let Some(letter) = letter(state, &user) else {
            continue;
        };
        if let Err(e) = state.mailer.send(&state.mail_from(), letter).await {
            refused = Some(e);
            continue;
        }
        told += 1;
        let mut conn = state.store.conn().await?;
        sqlx::query(
            "INSERT INTO emergency_told (patient_id, told_at) VALUES ($1, $2)
             ON CONFLICT (patient_id) DO UPDATE SET told_at = excluded.told_at",
        )
        .bind(patient)
        .bind(time::now())
        .execute(&mut *conn)
        .await?;
        Event::new("emergency-read-emailed")
            .user(Some(user.id))
            .record(&mut conn)
            .await?;
    }
    if let Some(e) = refused {
        return Err(e);
    }
    sqlx::query("UPDATE emergency_cursor SET audit_id = $1 WHERE audit_id < $1")
        .bind(reached)
        .execute(&mut *state.store.conn().await?)
        .await?;
    Ok(told)
}

fn letter(state: &AppState, user: &accounts::User) -> Option<Letter> {
    let org = &state.info.organization.name;
    let desk = &state.info.help_desk;
    let place = state.config.public_url.as_deref().map_or_else(
        || format!("the {org} patient portal"),
        |url| url.trim_end_matches('/').to_string(),
    );
    Some(Letter {
        to: user.email.clone()?,
        subject: format!("Your record was opened in an emergency: {org} patient portal"),
        body: format!(
            "Hello,\n\n\
             Someone at another organisation opened your health record in an emergency, to care \
             for you. This is allowed in an emergency, even where you have asked for your record \
             not to be shared.\n\n\
             To see who it was, when and why, sign in at {place} and open \u{201c}Your privacy\u{201d}.\n\n\
             If you have questions about it, call the help desk on {phone} ({hours}).\n\n\
             This email holds no health information.\n\n\
             {org}\n",
            phone = desk.phone,
            hours = desk.hours,
        ),
    })
}
