//! An emergency read is told to the patient: when another organisation opens a record with an
//! emergency purpose (ETREAT, BTG), the patient's own account gets an email saying their record
//! was opened in an emergency and where to see who, at most once an hour. It names no one and
//! holds no health information: the privacy centre says the rest, to the patient signed in.

use crate::AppState;
use crate::accounts;
use crate::audit::Event;
use crate::infra::error::ApiError;
use crate::infra::time;
use crate::mail::Letter;
use rusqlite::{Connection, OptionalExtension, params};

/// Told at most once in this time per patient: one emergency is many reads.
pub const TOLD_EVERY: i64 = 60 * 60;

/// The emergency reads recorded since the last round: the patients, and the audit row reached.
/// A trail that has never been read from starts at its end: what came before is not news.
fn since_last_round(conn: &Connection) -> rusqlite::Result<(Vec<String>, i64)> {
    let newest: i64 = conn.query_row("SELECT coalesce(max(id), 0) FROM audit", [], |r| r.get(0))?;
    let Some(from) = conn
        .query_row("SELECT audit_id FROM emergency_cursor", [], |r| {
            r.get::<_, i64>(0)
        })
        .optional()?
    else {
        conn.execute(
            "INSERT INTO emergency_cursor (only, audit_id) VALUES (1, ?1)",
            [newest],
        )?;
        return Ok((Vec::new(), newest));
    };
    let patients = conn
        .prepare(
            "SELECT DISTINCT patient_id FROM audit
             WHERE id > ?1 AND id <= ?2 AND outcome = 'success' AND patient_id IS NOT NULL
               AND action IN ('read', 'search')
               AND json_extract(professional, '$.purpose') IN ('ETREAT', 'BTG')",
        )?
        .query_map(params![from, newest], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    Ok((patients, newest))
}

/// Emails each patient whose record was opened in an emergency since the last round; answers
/// how many were told. A letter the relay does not take is tried again next round.
pub async fn tell(state: &AppState) -> Result<usize, ApiError> {
    let (due, reached) = state
        .run(|state| {
            let conn = state.db.lock();
            let (patients, reached) = since_last_round(&conn)?;
            let now = time::now();
            let mut due = Vec::new();
            for patient in patients {
                let recently: bool = conn
                    .query_row(
                        "SELECT told_at > ?2 FROM emergency_told WHERE patient_id = ?1",
                        params![patient, now - TOLD_EVERY],
                        |r| r.get(0),
                    )
                    .optional()?
                    .unwrap_or(false);
                let account = accounts::of_patient(&conn, &patient)?
                    .map(|id| accounts::by_id(&conn, id))
                    .transpose()?
                    .filter(|u| u.disabled_at.is_none() && u.email.is_some());
                if let (false, Some(user)) = (recently, account) {
                    due.push((patient, user));
                }
            }
            Ok((due, reached))
        })
        .await?;
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
        state
            .run(move |state| {
                let conn = state.db.lock();
                conn.execute(
                    "INSERT INTO emergency_told (patient_id, told_at) VALUES (?1, ?2)
                     ON CONFLICT (patient_id) DO UPDATE SET told_at = excluded.told_at",
                    params![patient, time::now()],
                )?;
                Event::new("emergency-read-emailed")
                    .user(Some(user.id))
                    .record(&conn)?;
                Ok(())
            })
            .await?;
    }
    if let Some(e) = refused {
        return Err(e);
    }
    state
        .run(move |state| {
            state.db.lock().execute(
                "UPDATE emergency_cursor SET audit_id = ?1 WHERE audit_id < ?1",
                [reached],
            )?;
            Ok(())
        })
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
