//! `/proxies`: who can act for me, stopping anyone's access at once, and a young person's
//! agreement to a parent's access.

use super::store::{self, Relationship};
use super::{invitations, rules};
use crate::AppState;
use crate::access::RecordAccess;
use crate::accounts;
use crate::infra::error::ApiError;
use crate::infra::http::Body;
use crate::infra::store::Conn;
use crate::infra::time;
use crate::records::patient_details;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
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

async fn entry(
    conn: &mut Conn,
    state: &AppState,
    r: &Relationship,
    standing: &rules::Standing,
) -> Result<Value, ApiError> {
    let rules = &state.proxy_rules;
    let name = accounts::by_id(conn, r.proxy_user_id)
        .await
        .map(|u| u.display_name)
        .unwrap_or_default();
    let (patient_name, _) = patient_details(conn, &state.records, &r.patient_id).await?;
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
    let today = state.clock.today();
    let rules = &state.proxy_rules;
    let mut conn = state.store.conn().await?;
    let mut out = Vec::new();
    for patient in accounts::own_records(&mut conn, access.session.user_id).await? {
        for r in store::of_patient(&mut conn, &patient).await? {
            let standing =
                crate::access::proxy::standing(&mut conn, &state.records, rules, &r, today).await?;
            if super::current_or_lately(&r, &standing, today, rules.notice_days) {
                out.push(entry(&mut conn, &state, &r, &standing).await?);
            }
        }
    }
    Ok(Json(out))
}

/// Audits a change to a relationship, done or refused, and answers for it.
async fn audited(
    conn: &mut Conn,
    event: crate::audit::Event,
    outcome: Result<Relationship, ApiError>,
) -> Result<StatusCode, ApiError> {
    match outcome {
        Ok(r) => {
            event
                .patient(Some(&r.patient_id))
                .through(Some(r.id))
                .record(conn)
                .await?;
            Ok(StatusCode::NO_CONTENT)
        }
        Err(e) => {
            event.refused(&e).record(conn).await?;
            Err(e)
        }
    }
}

/// Who may do what to a relationship: the patient it concerns, or the proxy themselves.
enum Party {
    Patient,
    Proxy,
}

async fn party(conn: &mut Conn, user_id: i64, r: &Relationship) -> Result<Party, ApiError> {
    if accounts::is_own_record(conn, user_id, &r.patient_id).await? {
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
    let mut conn = state.store.conn().await?;
    let event = access
        .event("proxy-stopped")
        .detail(&format!("RelatedPerson/proxy-{id}"));
    let outcome = async {
        let r = store::by_id(&mut conn, id)
            .await?
            .ok_or(ApiError::NotFound)?;
        let by = match party(&mut conn, access.session.user_id, &r).await? {
            Party::Patient if r.parental => {
                return Err(ApiError::Conflict(
                    "A parent's access is set by the care team. Ask them to change it.".into(),
                ));
            }
            Party::Patient => "patient",
            Party::Proxy => "proxy",
        };
        store::stop(&mut conn, id, by, time::now()).await?;
        Ok(r)
    }
    .await;
    audited(&mut conn, event, outcome).await
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
    let today = state.clock.today();
    let mut conn = state.store.conn().await?;
    let action = if agreement.agreed {
        "proxy-agreed"
    } else {
        "proxy-agreement-withdrawn"
    };
    let event = access
        .event(action)
        .detail(&format!("RelatedPerson/proxy-{id}"));
    let outcome = async {
        let r = store::by_id(&mut conn, id)
            .await?
            .ok_or(ApiError::NotFound)?;
        if !matches!(
            party(&mut conn, access.session.user_id, &r).await?,
            Party::Patient
        ) {
            return Err(ApiError::NotFound);
        }
        let standing = crate::access::proxy::standing(
            &mut conn,
            &state.records,
            &state.proxy_rules,
            &r,
            today,
        )
        .await?;
        if !super::asks_agreement(&r, &standing) {
            return Err(ApiError::Conflict(
                "This person's access does not need your agreement.".into(),
            ));
        }
        store::set_agreed(&mut conn, id, agreement.agreed.then(time::now)).await?;
        Ok(r)
    }
    .await;
    audited(&mut conn, event, outcome).await
}
