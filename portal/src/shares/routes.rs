//! `/shares`: making a share (sections, how long, a label, optionally an email to send it to),
//! the list of a patient's shares with every opening, and "Stop sharing".

use super::store::{self, MAX_FAILED, NewShare, Share};
use super::{SECTIONS, links};
use crate::AppState;
use crate::access::RecordAccess;
use crate::access::proxy::may_share;
use crate::accounts;
use crate::infra::codes;
use crate::infra::error::ApiError;
use crate::infra::http::Body;
use crate::infra::store::Conn;
use crate::infra::time;
use crate::infra::tokens::random_token;
use crate::mail::{self, Letter, quota};
use crate::records::patient_details;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

/// The longest a share may last: a week.
pub const MAX_HOURS: i64 = 7 * 24;
/// Shares open at once for one patient: enough for any real need, too few to spam with.
const MAX_OPEN: usize = 20;
const MAX_LABEL: usize = 60;

fn bad(text: &str) -> ApiError {
    ApiError::BadRequest(text.into())
}

/// One share as its patient sees it: what, for how long, where it stands, and who opened it.
async fn share_json(
    conn: &mut Conn,
    state: &AppState,
    share: &Share,
    user_id: i64,
    now: i64,
) -> Result<Value, ApiError> {
    let created_by = if share.created_by == user_id {
        json!({"you": true, "name": null})
    } else {
        json!({"you": false, "name": accounts::by_id(conn, share.created_by).await?.display_name})
    };
    let views: Vec<Value> = store::openings(conn, share.id)
        .await?
        .into_iter()
        .filter(|o| o.allowed)
        .map(|o| {
            json!({
                "at": time::rfc3339(o.at),
                "name": o.viewer["name"],
                "organisation": o.viewer["organisation"],
                "how": o.viewer["how"],
            })
        })
        .collect();
    Ok(json!({
        "id": share.id,
        "label": share.label,
        "sections": share.sections,
        "createdAt": time::rfc3339(share.created_at),
        "createdBy": created_by,
        "expiresAt": time::rfc3339(share.expires_at),
        "status": super::standing(conn, state, share, now).await.as_str(),
        "stoppedAt": share.stopped_at.map(time::rfc3339),
        "sentTo": share.sent_to,
        "failedAttempts": share.failed_attempts,
        "attemptsLeft": (MAX_FAILED - share.failed_attempts).max(0),
        "views": views,
    }))
}

#[derive(Deserialize)]
pub struct Whose {
    patient: String,
    /// A page of the list: how many (1 to 100, 50 unless said), and after how many.
    #[serde(rename = "_count")]
    count: Option<usize>,
    #[serde(rename = "_offset", default)]
    offset: usize,
}

const PAGE: usize = 50;
const MAX_PAGE: usize = 100;

/// A patient's shares, newest first, and what a new one may hold.
pub async fn list(
    State(state): State<AppState>,
    access: RecordAccess,
    Query(Whose {
        patient,
        count,
        offset,
    }): Query<Whose>,
) -> Result<Json<Value>, ApiError> {
    let count = count.unwrap_or(PAGE);
    if !(1..=MAX_PAGE).contains(&count) {
        return Err(bad(&format!("_count must be 1 to {MAX_PAGE}.")));
    }
    let mut conn = state.store.conn().await?;
    let user = access.session.user_id;
    may_share(&mut conn, &state, user, &patient).await?;
    let now = state.clock.now();
    let all = store::of_patient(&mut conn, &patient).await?;
    let mut shares = Vec::new();
    for s in all.iter().skip(offset).take(count) {
        shares.push(share_json(&mut conn, &state, s, user, now).await?);
    }
    Ok(Json(json!({
        "shares": shares,
        "total": all.len(),
        "sections": SECTIONS.iter().map(|(id, _)| *id).collect::<Vec<_>>(),
        "maxHours": MAX_HOURS,
        "maxFailedAttempts": MAX_FAILED,
        "canEmail": state.mailer.can_send(),
        "canShare": state.config.public_url.is_some(),
    })))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewShareRequest {
    patient: String,
    sections: Vec<String>,
    hours: i64,
    #[serde(default)]
    label: String,
    #[serde(default)]
    email: Option<String>,
}

/// The sections asked for, in the usual order, each once; None if any is unknown.
fn sections(asked: &[String]) -> Option<Vec<String>> {
    if asked
        .iter()
        .any(|a| !SECTIONS.iter().any(|(id, _)| id == a))
    {
        return None;
    }
    Some(
        SECTIONS
            .iter()
            .filter(|(id, _)| asked.iter().any(|a| a == id))
            .map(|(id, _)| id.to_string())
            .collect(),
    )
}

/// Makes a share. The code and the link are in this answer only: neither is kept.
pub async fn create(
    State(state): State<AppState>,
    access: RecordAccess,
    Body(new): Body<NewShareRequest>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let chosen = sections(&new.sections)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| bad("Choose at least one part of the record to share."))?;
    if !(1..=MAX_HOURS).contains(&new.hours) {
        return Err(bad("Choose how long to share for: up to 7 days."));
    }
    let label: String = new
        .label
        .trim()
        .chars()
        .filter(|c| !c.is_control())
        .collect();
    if label.chars().count() > MAX_LABEL {
        return Err(bad("Keep the label to 60 characters."));
    }
    let email = new
        .email
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(String::from);
    if let Some(e) = &email {
        if !mail::is_address(e) {
            return Err(bad(
                "Enter an email address in the right format, like name@example.com.",
            ));
        }
        if !state.mailer.can_send() {
            return Err(ApiError::MailNotSent);
        }
    }
    let Some(public) = state.config.public_url.clone() else {
        return Err(ApiError::Conflict(
            "Sharing is not set up on this portal yet. Call the help desk.".into(),
        ));
    };
    let code = codes::new_code();
    let link_id = random_token();
    let key = random_token();
    let user = access.session.user_id;
    let network = access.client.network();
    let now = state.clock.now();
    let share = {
        let code_hash = codes::hash(&codes::normalise(&code).expect("a new code reads back"));
        let (label, email) = (label.clone(), email.clone());
        let link_hash = crate::infra::tokens::token_hash(&link_id);
        let key = key.clone();
        async {
                let mut conn = state.store.conn().await?;
                let grant = may_share(&mut conn, &state, user, &new.patient).await?;
                let (_, born) = patient_details(&mut conn, &state.records, &new.patient).await?;
                if born.is_none_or(|b| b.len() != 10) {
                    return Err(ApiError::Conflict(
                        "This record has no full date of birth, which a share needs to be checked. Call the help desk.".into(),
                    ));
                }
                let mut open = 0;
                for s in store::of_patient(&mut conn, &new.patient).await? {
                    if super::standing(&mut conn, &state, &s, now).await == store::Status::Active {
                        open += 1;
                    }
                }
                if open >= MAX_OPEN {
                    return Err(ApiError::Conflict(format!(
                        "There are already {MAX_OPEN} shares open. Stop one before making another."
                    )));
                }
                if email.is_some() {
                    quota::reserve(&mut conn, user, &network, quota::Kind::Share, now).await?;
                }
                let share = store::insert(
                    &mut conn,
                    &NewShare {
                        patient_id: &new.patient,
                        created_by: user,
                        proxy_relationship: grant.relationship(),
                        label: &label,
                        sections: &chosen,
                        sent_to: email.as_deref(),
                        code_hash: &code_hash,
                        link_hash: &link_hash,
                        link_key: &key,
                        created_at: now,
                        expires_at: now + new.hours * 3600,
                    },
                ).await?;
                access
                    .event("share-created")
                    .patient(Some(&share.patient_id))
                    .through(grant.relationship())
                    .share(Some(share.id), None)
                    .detail(&format!("{} for {} hours", share.sections.join(" "), new.hours))
                    .record(&mut conn).await?;
                Ok::<_, ApiError>((share, access))
            }
            .await?
    };
    let (share, access) = share;
    let viewer_url = format!("{}/shared#{code}", public.trim_end_matches('/'));
    let link = links::shlink(&public, &link_id, &key, &share);
    let email_sent = match &share.sent_to {
        None => None,
        Some(to) => {
            let letter = share_letter(&state, to, &viewer_url, share.expires_at);
            let sent = state.mailer.send(&state.mail_from(), letter).await;
            let mut event = access
                .event("share-emailed")
                .patient(Some(&share.patient_id))
                .share(Some(share.id), None);
            if let Err(e) = &sent {
                event = event.refused(e);
            }
            event.record(&mut *state.store.conn().await?).await?;
            Some(sent.is_ok())
        }
    };
    let body = share_json(&mut *state.store.conn().await?, &state, &share, user, now).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "share": body,
            "code": code,
            "viewerUrl": viewer_url,
            "link": link,
            "emailSent": email_sent,
        })),
    ))
}

/// The email to the person a share is for: where to open it, and that the patient's date of
/// birth is needed. Never whose record it is, or anything in it: email is not private.
fn share_letter(state: &AppState, to: &str, viewer_url: &str, expires_at: i64) -> Letter {
    let org = &state.info.organization.name;
    let until = time::in_words(expires_at, &state.info.time_zone, time::now());
    Letter {
        to: to.to_string(),
        subject: format!("A patient has shared part of their {org} health record with you"),
        body: format!(
            "Hello,\n\n\
             A patient of {org} has used the patient portal to share part of their health record with you.\n\n\
             To see it, open this link:\n\n    {viewer_url}\n\n\
             You will also need the patient's date of birth. Ask the patient for it: it is not in this email.\n\n\
             The link works until {until}, unless the patient stops sharing sooner. \
             The patient can see when it was opened, and the name and organisation you give.\n\n\
             This email does not say who the patient is or hold any of their health information, because email is not private.\n\n\
             {org}\n",
        ),
    }
}

/// Stops a share at once, for any viewer who has it open too.
pub async fn stop(
    State(state): State<AppState>,
    access: RecordAccess,
    Path(id): Path<i64>,
) -> Result<Json<Value>, ApiError> {
    let mut conn = state.store.conn().await?;
    let user = access.session.user_id;
    // A share of a record this user may not share is answered as missing.
    let share = store::by_id(&mut conn, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    if may_share(&mut conn, &state, user, &share.patient_id)
        .await
        .is_err()
    {
        return Err(ApiError::NotFound);
    }
    let now = state.clock.now();
    if store::stop(&mut conn, id, user, now).await? {
        access
            .event("share-stopped")
            .patient(Some(&share.patient_id))
            .share(Some(id), None)
            .record(&mut conn)
            .await?;
    }
    let share = store::by_id(&mut conn, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(
        share_json(&mut conn, &state, &share, user, now).await?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_are_known_ordered_and_once_each() {
        let asked =
            |list: &[&str]| sections(&list.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(
            asked(&["documents", "results", "results"]),
            Some(vec!["results".into(), "documents".into()])
        );
        assert_eq!(asked(&["results", "Patient"]), None);
        assert_eq!(asked(&["trends"]), None);
        assert_eq!(asked(&[]), Some(vec![]));
    }
}
