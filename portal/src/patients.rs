//! `/patients`: the user's own record first, then everyone they act for, each with where the
//! access stands and why.

use crate::AppState;
use crate::access::{self, RecordAccess};
use crate::accounts;
use crate::infra::error::ApiError;
use crate::infra::store::Conn;
use crate::proxies::{self, rules, store as relationships};
use crate::records::patient_details;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use serde_json::{Value, json};

pub fn routes() -> Router<AppState> {
    Router::new().route("/patients", get(list))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PatientSummary {
    id: String,
    name: String,
    birth_date: Option<String>,
    /// `self` for the user's own record, `proxy` for someone they act for.
    relationship: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    proxy: Option<Value>,
}

/// What a proxy is told about one relationship: where it stands and why, never what is hidden.
pub async fn proxy_view(
    conn: &mut Conn,
    rules: &rules::ProxyRules,
    r: &relationships::Relationship,
    standing: &rules::Standing,
) -> sqlx::Result<Value> {
    let mut view = proxies::standing_json(rules, r, standing);
    view.insert("relationshipId".into(), json!(r.id));
    view.insert(
        "relatedAs".into(),
        json!({"system": r.relationship_system, "code": r.relationship_code}),
    );
    view.insert("patientIs".into(), json!(r.patient_is));
    let terms = match crate::terms::current(conn, crate::terms::PROXY).await? {
        Some(t) => json!({
            "version": t.version,
            "accepted": relationships::terms_accepted(conn, r.id, &t.version).await?,
        }),
        None => Value::Null,
    };
    view.insert("terms".into(), terms);
    Ok(Value::Object(view))
}

/// The user's own record first, then everyone they act for: each with where access stands,
/// and anyone whose access ended in the last few weeks, so it never vanishes unexplained.
/// Each patient listed is a read of that patient's record, and audited as one.
pub async fn list(
    State(state): State<AppState>,
    access: RecordAccess,
) -> Result<Json<Vec<PatientSummary>>, ApiError> {
    let today = state.clock.today();
    let rules = &state.proxy_rules;
    let mut conn = state.store.conn().await?;
    let user = access.session.user_id;
    let mut out = Vec::new();
    for id in accounts::own_records(&mut conn, user).await? {
        let (name, birth_date) = patient_details(&mut conn, &state.records, &id).await?;
        out.push((
            None,
            PatientSummary {
                id,
                name,
                birth_date,
                relationship: "self",
                proxy: None,
            },
        ));
    }
    // One entry per person: the relationship that gives most (active, then paused,
    // then the latest to end).
    let mut proxied: Vec<(i64, relationships::Relationship, rules::Standing)> = Vec::new();
    for r in relationships::of_proxy(&mut conn, user).await? {
        let standing = access::proxy::standing(&mut conn, &state.records, rules, &r, today).await?;
        if standing.state == rules::State::NotStarted
            || !proxies::current_or_lately(&r, &standing, today, rules.notice_days)
        {
            continue;
        }
        let rank = match standing.state {
            rules::State::Active => 0,
            rules::State::Ended { .. } => 2,
            _ => 1,
        };
        match proxied
            .iter_mut()
            .find(|(_, p, _)| p.patient_id == r.patient_id)
        {
            Some(entry) if entry.0 > rank || (entry.0 == rank && entry.1.id < r.id) => {
                *entry = (rank, r, standing)
            }
            Some(_) => {}
            None => proxied.push((rank, r, standing)),
        }
    }
    let mut others = Vec::new();
    for (_, r, standing) in &proxied {
        let (name, birth_date) = patient_details(&mut conn, &state.records, &r.patient_id).await?;
        others.push((
            Some(r.id),
            PatientSummary {
                id: r.patient_id.clone(),
                name,
                birth_date,
                relationship: "proxy",
                proxy: Some(proxy_view(&mut conn, rules, r, standing).await?),
            },
        ));
    }
    others.sort_by(|a, b| a.1.name.cmp(&b.1.name));
    out.extend(others);
    for (through, p) in &out {
        access
            .event("read")
            .patient(Some(&p.id))
            .through(*through)
            .detail(&format!("Patient/{} (patient list)", p.id))
            .record(&mut conn)
            .await?;
    }
    Ok(Json(out.into_iter().map(|(_, p)| p).collect()))
}
