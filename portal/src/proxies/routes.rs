//! `/proxies`: who can act for me, stopping anyone's access at once, and a young person's
//! agreement to a parent's access.

use super::store::{self, Relationship};
use super::{invitations, rules};
use crate::AppState;
use crate::access::RecordAccess;
use crate::accounts;
use crate::infra::error::ApiError;
use crate::infra::http::Body;
use crate::infra::time;
use crate::records::patient_details;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use rusqlite::Connection;
use serde::Deserialize;
use serde_json::{Value, json};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/proxies", get(list))
        .route("/proxies/{id}/stop", post(stop))
        .route("/proxies/{id}/agreement", post(agree))
        .route(
            "/proxies/invitations",
            get(invitations::list).post(invitations::create),
        )
        .route(
            "/proxies/invitations/{id}/cancel",
            post(invitations::cancel),
        )
        .route("/invitations/accept", post(invitations::accept))
        .route(
            "/invitations/accept-new",
            post(invitations::accept_with_new_account),
        )
}

fn entry(
    conn: &Connection,
    rules: &rules::ProxyRules,
    r: &Relationship,
    standing: &rules::Standing,
) -> rusqlite::Result<Value> {
    let name = accounts::by_id(conn, r.proxy_user_id)
        .map(|u| u.display_name)
        .unwrap_or_default();
    let (patient_name, _) = patient_details(conn, &r.patient_id)?;
    let mut view = super::standing_json(rules, r, standing);
    view.insert("id".into(), json!(r.id));
    view.insert(
        "patient".into(),
        json!({"id": r.patient_id, "name": patient_name}),
    );
    view.insert("name".into(), json!(name));
    view.insert("parental".into(), json!(r.parental));
    view.insert("createdBy".into(), json!(r.created_by));
    // A parent's access is the care team's to end, unless the young person's agreement is
    // what keeps it open.
    view.insert(
        "canStop".into(),
        json!(r.stopped_at.is_none() && !r.parental),
    );
    view.insert(
        "agreement".into(),
        json!(super::asks_agreement(r, standing).then(|| json!({"given": r.agreed_at.is_some()}))),
    );
    Ok(Value::Object(view))
}

/// Everyone who can (or until lately could) act for the user's own record.
async fn list(
    State(state): State<AppState>,
    access: RecordAccess,
) -> Result<Json<Vec<Value>>, ApiError> {
    state
        .run(move |state| {
            let today = state.clock.today();
            let rules = &state.proxy_rules;
            let conn = state.db.read()?;
            let mut out = Vec::new();
            for patient in accounts::own_records(&conn, access.session.user_id)? {
                for r in store::of_patient(&conn, &patient)? {
                    let standing = crate::access::proxy::standing(&conn, rules, &r, today)?;
                    if super::current_or_lately(&r, &standing, today, rules.notice_days) {
                        out.push(entry(&conn, rules, &r, &standing)?);
                    }
                }
            }
            Ok(Json(out))
        })
        .await
}

/// Audits a change to a relationship, done or refused, and answers for it.
fn audited(
    conn: &Connection,
    event: crate::audit::Event,
    outcome: Result<Relationship, ApiError>,
) -> Result<StatusCode, ApiError> {
    match outcome {
        Ok(r) => {
            event
                .patient(Some(&r.patient_id))
                .through(Some(r.id))
                .record(conn)?;
            Ok(StatusCode::NO_CONTENT)
        }
        Err(e) => {
            event.refused(&e).record(conn)?;
            Err(e)
        }
    }
}

/// Who may do what to a relationship: the patient it concerns, or the proxy themselves.
enum Party {
    Patient,
    Proxy,
}

fn party(conn: &Connection, user_id: i64, r: &Relationship) -> Result<Party, ApiError> {
    if accounts::is_own_record(conn, user_id, &r.patient_id)? {
        Ok(Party::Patient)
    } else if r.proxy_user_id == user_id {
        Ok(Party::Proxy)
    } else {
        Err(ApiError::NotFound)
    }
}

/// Ends access at once: the next request the proxy makes, in any session, is refused.
async fn stop(
    State(state): State<AppState>,
    access: RecordAccess,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    state
        .run(move |state| {
            let conn = state.db.lock();
            let event = access
                .event("proxy-stopped")
                .detail(&format!("RelatedPerson/proxy-{id}"));
            let outcome = (|| {
                let r = store::by_id(&conn, id)?.ok_or(ApiError::NotFound)?;
                let by = match party(&conn, access.session.user_id, &r)? {
                    Party::Patient if r.parental => {
                        return Err(ApiError::Conflict(
                            "A parent's access is set by the care team. Ask them to change it."
                                .into(),
                        ));
                    }
                    Party::Patient => "patient",
                    Party::Proxy => "proxy",
                };
                store::stop(&conn, id, by, time::now())?;
                Ok(r)
            })();
            audited(&conn, event, outcome)
        })
        .await
}

#[derive(Deserialize)]
struct Agreement {
    agreed: bool,
}

/// A young person agrees to (or withdraws agreement from) a parent's access, at the ages the
/// rules ask for it.
async fn agree(
    State(state): State<AppState>,
    access: RecordAccess,
    Path(id): Path<i64>,
    Body(agreement): Body<Agreement>,
) -> Result<StatusCode, ApiError> {
    state
        .run(move |state| {
            let today = state.clock.today();
            let conn = state.db.lock();
            let action = if agreement.agreed {
                "proxy-agreed"
            } else {
                "proxy-agreement-withdrawn"
            };
            let event = access
                .event(action)
                .detail(&format!("RelatedPerson/proxy-{id}"));
            let outcome = (|| {
                let r = store::by_id(&conn, id)?.ok_or(ApiError::NotFound)?;
                if !matches!(party(&conn, access.session.user_id, &r)?, Party::Patient) {
                    return Err(ApiError::NotFound);
                }
                let standing =
                    crate::access::proxy::standing(&conn, &state.proxy_rules, &r, today)?;
                if !super::asks_agreement(&r, &standing) {
                    return Err(ApiError::Conflict(
                        "This person's access does not need your agreement.".into(),
                    ));
                }
                store::set_agreed(&conn, id, agreement.agreed.then(time::now))?;
                Ok(r)
            })();
            audited(&conn, event, outcome)
        })
        .await
}
