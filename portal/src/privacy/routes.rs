//! `/privacy/{patient}`: the patient's choices about sharing with other organisations, what
//! each means, and making or withdrawing one. A proxy makes them as the proxy rules allow: with
//! full access, any; with access narrowed (a parent of a young person), only to hide visits and
//! items they can see themselves, and they see no other choice, since even that one was made
//! would tell them something.

use super::consent;
use super::objections::{self, By, ITEM_TYPES, Kind, Objection};
use crate::AppState;
use crate::access::RecordAccess;
use crate::access::{self, Choices, Grant};
use crate::infra::error::ApiError;
use crate::infra::http::Body;
use crate::infra::store::Conn;
use crate::professional::registry;
use crate::records::{self, Records};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/privacy/{patient}", get(show))
        .route("/privacy/{patient}/objections", post(object))
        .route(
            "/privacy/{patient}/objections/{id}/withdrawal",
            post(withdraw),
        )
}

fn word(may: Choices) -> &'static str {
    match may {
        Choices::Everything => "everything",
        Choices::SeenItems => "visits-and-items",
        Choices::Nothing => "nothing",
    }
}

/// Whether this user may make (or withdraw, or see) this choice.
async fn may_touch(
    conn: &mut Conn,
    records: &Records,
    grant: &Grant,
    patient_id: &str,
    kind: Kind,
    target: &str,
) -> Result<bool, ApiError> {
    Ok(match grant.choices() {
        Choices::Everything => true,
        Choices::Nothing => false,
        Choices::SeenItems => match kind {
            Kind::Visit => seen(conn, records, grant, patient_id, "Encounter", target).await?,
            Kind::Item => match target.split_once('/') {
                Some((kind, id)) => seen(conn, records, grant, patient_id, kind, id).await?,
                None => false,
            },
            _ => false,
        },
    })
}

/// Whether this user may see (or withdraw) a choice already made. A proxy whose access is
/// narrowed (a parent of a young person) never sees the patient's own choices, only those made
/// by someone acting for them: what a young person chose about their own record stays theirs.
/// A proxy with full access acts as the patient does, and sees every choice.
async fn may_touch_made(
    conn: &mut Conn,
    records: &Records,
    grant: &Grant,
    o: &Objection,
) -> Result<bool, ApiError> {
    if grant.choices() == Choices::SeenItems && o.made_through.is_none() {
        return Ok(false);
    }
    may_touch(conn, records, grant, &o.patient_id, o.kind, &o.target).await
}

async fn seen(
    conn: &mut Conn,
    records: &Records,
    grant: &Grant,
    patient_id: &str,
    resource_type: &str,
    id: &str,
) -> Result<bool, ApiError> {
    Ok(records
        .read(conn, resource_type, id)
        .await?
        .is_some_and(|(patient, r)| {
            patient.as_deref() == Some(patient_id) && grant.allows(resource_type, &r)
        }))
}

async fn grant(
    conn: &mut Conn,
    state: &AppState,
    access: &RecordAccess,
    patient_id: &str,
) -> Result<Grant, ApiError> {
    access::proxy::grant(conn, state, access.session.user_id, patient_id).await
}

/// The choices this user may see, as Consents, newest first.
pub async fn visible_consents(
    conn: &mut Conn,
    state: &AppState,
    grant: &Grant,
    patient_id: &str,
) -> Result<Vec<Value>, ApiError> {
    let mut out = Vec::new();
    for o in objections::of_patient(conn, patient_id).await? {
        if may_touch_made(conn, &state.records, grant, &o).await? {
            out.push(consent::consent(conn, &state.records, &o, &state.info.privacy).await?);
        }
    }
    Ok(out)
}

/// One choice as a Consent, if this user may see it.
pub async fn visible_consent(
    conn: &mut Conn,
    state: &AppState,
    grant: &Grant,
    id: i64,
) -> Result<Option<Value>, ApiError> {
    match objections::by_id(conn, id).await? {
        Some(o) if may_touch_made(conn, &state.records, grant, &o).await? => {
            consent::consent(conn, &state.records, &o, &state.info.privacy)
                .await
                .map(Some)
        }
        _ => Ok(None),
    }
}

/// The privacy centre's page: the choices made, what may be chosen, what each would mean,
/// when a choice may not be followed, and how long the access log is kept.
async fn show(
    State(state): State<AppState>,
    access: RecordAccess,
    Path(patient_id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let mut conn = state.store.conn().await?;
    let grant = grant(&mut conn, &state, &access, &patient_id).await?;
    let may = grant.choices();
    let privacy = &state.info.privacy;
    let organisations: Vec<Value> = match may {
        Choices::Everything => registry::organisations(&mut conn)
            .await?
            .into_iter()
            .filter(|o| !is_this_hospital(&state, o))
            .map(|o| json!({"id": o.id, "name": o.name}))
            .collect(),
        _ => Vec::new(),
    };
    let categories: Vec<Value> = match may {
        Choices::Everything => privacy
            .categories
            .iter()
            .map(|c| json!({"id": c.id, "name": c.name}))
            .collect(),
        _ => Vec::new(),
    };
    Ok(Json(json!({
        "may": word(may),
        "objections": visible_consents(&mut conn, &state, &grant, &patient_id).await?,
        "organisations": organisations,
        "categories": categories,
        "consequences": privacy.consequences,
        "notFollowed": privacy.not_followed,
        "logKeptYears": privacy.log_kept_years,
        "askWhy": privacy.ask_why,
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewObjection {
    kind: Kind,
    #[serde(default)]
    target: String,
}

/// Whether the target names something this objection can be about, for this patient.
async fn check_target(
    conn: &mut Conn,
    state: &AppState,
    patient_id: &str,
    new: &NewObjection,
) -> Result<(), ApiError> {
    let bad = |what: &str| Err(ApiError::BadRequest(what.to_string()));
    async fn belongs(
        conn: &mut Conn,
        records: &Records,
        patient_id: &str,
        resource_type: &str,
        id: &str,
    ) -> Result<bool, ApiError> {
        Ok(records::is_valid_id(id)
            && records
                .read(conn, resource_type, id)
                .await?
                .is_some_and(|(p, _)| p.as_deref() == Some(patient_id)))
    }
    match new.kind {
        Kind::All if new.target.is_empty() => Ok(()),
        Kind::All => bad("An objection to all sharing names no target."),
        Kind::Organisation => match registry::organisation(conn, &new.target).await? {
            Some(o) if !is_this_hospital(state, &o) => Ok(()),
            _ => bad("There is no such organisation."),
        },
        Kind::Visit
            if belongs(conn, &state.records, patient_id, "Encounter", &new.target).await? =>
        {
            Ok(())
        }
        Kind::Visit => bad("There is no such visit in this record."),
        Kind::Item => match new.target.split_once('/') {
            Some((kind, id))
                if ITEM_TYPES.contains(&kind)
                    && belongs(conn, &state.records, patient_id, kind, id).await? =>
            {
                Ok(())
            }
            _ => bad("There is no such document or result in this record."),
        },
        Kind::Category => match state
            .info
            .privacy
            .categories
            .iter()
            .any(|c| c.id == new.target)
        {
            true => Ok(()),
            false => bad("There is no such kind of information."),
        },
    }
}

/// The hospital's own systems (registered to report accesses) are not another organisation: a
/// patient's choices are about sharing beyond it.
fn is_this_hospital(state: &AppState, organisation: &registry::Organisation) -> bool {
    organisation
        .name
        .eq_ignore_ascii_case(&state.info.organization.name)
}

fn by(access: &RecordAccess, grant: &Grant) -> By {
    By {
        user: access.session.user_id,
        through: grant.relationship(),
    }
}

async fn object(
    State(state): State<AppState>,
    access: RecordAccess,
    Path(patient_id): Path<String>,
    Body(new): Body<NewObjection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let mut conn = state.store.conn().await?;
    let grant = grant(&mut conn, &state, &access, &patient_id).await?;
    check_target(&mut conn, &state, &patient_id, &new).await?;
    let event = access
        .event("objection-made")
        .patient(Some(&patient_id))
        .through(grant.relationship());
    if !may_touch(
        &mut conn,
        &state.records,
        &grant,
        &patient_id,
        new.kind,
        &new.target,
    )
    .await?
    {
        let e = ApiError::CannotObject;
        event.refused(&e).record(&mut conn).await?;
        return Err(e);
    }
    let now = state.clock.now();
    let id = objections::add(
        &mut conn,
        &patient_id,
        new.kind,
        &new.target,
        by(&access, &grant),
        now,
    )
    .await?
    .ok_or_else(|| ApiError::Conflict("You have already made this choice.".into()))?;
    event
        .detail(&format!("Consent/{}", consent::resource_id(id)))
        .record(&mut conn)
        .await?;
    let made = objections::by_id(&mut conn, id)
        .await?
        .ok_or(ApiError::Internal)?;
    Ok((
        StatusCode::CREATED,
        Json(consent::consent(&mut conn, &state.records, &made, &state.info.privacy).await?),
    ))
}

async fn withdraw(
    State(state): State<AppState>,
    access: RecordAccess,
    Path((patient_id, id)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let mut conn = state.store.conn().await?;
    let grant = grant(&mut conn, &state, &access, &patient_id).await?;
    let found: Option<Objection> = match consent::objection_id(&id) {
        Some(n) => objections::by_id(&mut conn, n).await?,
        None => None,
    }
    .filter(|o| o.patient_id == patient_id);
    let Some(o) = found else {
        return Err(ApiError::NotFound);
    };
    let event = access
        .event("objection-withdrawn")
        .patient(Some(&patient_id))
        .through(grant.relationship())
        .detail(&format!("Consent/{}", consent::resource_id(o.id)));
    if !may_touch_made(&mut conn, &state.records, &grant, &o).await? {
        // Choices this user may not see are answered as missing.
        event
            .refused(&ApiError::CannotObject)
            .record(&mut conn)
            .await?;
        return Err(ApiError::NotFound);
    }
    if !objections::withdraw(&mut conn, o.id, by(&access, &grant), state.clock.now()).await? {
        return Err(ApiError::Conflict(
            "This choice has already been withdrawn.".into(),
        ));
    }
    event.record(&mut conn).await?;
    let withdrawn = objections::by_id(&mut conn, o.id)
        .await?
        .ok_or(ApiError::Internal)?;
    Ok(Json(
        consent::consent(&mut conn, &state.records, &withdrawn, &state.info.privacy).await?,
    ))
}
