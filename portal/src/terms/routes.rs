use super::store::{self as terms, TermsDocument};
use crate::AppState;
use crate::audit::Event;
use crate::infra::error::ApiError;
use crate::infra::http::Body;
use crate::infra::time;
use crate::proxies;
use crate::session::store::SignedIn;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

#[derive(Serialize)]
pub struct CurrentTerms {
    patient: Option<TermsDocument>,
    proxy: Option<TermsDocument>,
}

pub async fn show(State(state): State<AppState>) -> Result<Json<CurrentTerms>, ApiError> {
    let mut conn = state.store.conn().await?;
    Ok(Json(CurrentTerms {
        patient: terms::current(&mut conn, terms::PATIENT).await?,
        proxy: terms::current(&mut conn, terms::PROXY).await?,
    }))
}

#[derive(Deserialize)]
pub struct Acceptance {
    document: String,
    version: String,
    /// For the proxy terms: the person they are accepted for acting for.
    #[serde(default)]
    patient: Option<String>,
}

pub async fn accept(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Body(acceptance): Body<Acceptance>,
) -> Result<StatusCode, ApiError> {
    let mut conn = state.store.conn().await?;
    let SignedIn { session, client } = signed_in;
    let what = format!("{} version {}", acceptance.document, acceptance.version);
    let event = Event::new("terms-accepted")
        .user(Some(session.user_id))
        .client(&client)
        .session(&session)
        .detail(&what)
        .patient(acceptance.patient.as_deref());
    let Acceptance {
        document,
        version,
        patient,
    } = acceptance;
    let outcome = match (document.as_str(), patient) {
        (terms::PROXY, Some(patient)) => {
            let today = state.clock.today();
            async {
                terms::check_current(&mut conn, &document, &version).await?;
                let r = crate::access::proxy::active(
                    &mut conn,
                    &state,
                    session.user_id,
                    &patient,
                    today,
                )
                .await?
                .ok_or(ApiError::PatientNotInScope)?;
                proxies::store::accept_terms(&mut conn, r.id, &version, time::now()).await?;
                Ok(Some(r.id))
            }
            .await
        }
        (terms::PROXY, None) => Err(ApiError::BadRequest(
            "The proxy terms are accepted for one person: say whose record (patient).".into(),
        )),
        (_, Some(_)) => Err(ApiError::BadRequest(
            "Only the proxy terms are accepted for one person.".into(),
        )),
        (_, None) => terms::accept(&mut conn, session.user_id, &document, &version)
            .await
            .map(|()| None),
    };
    match outcome {
        Ok(relationship) => {
            event.through(relationship).record(&mut conn).await?;
            Ok(StatusCode::NO_CONTENT)
        }
        Err(e) => {
            event.refused(&e).record(&mut conn).await?;
            Err(e)
        }
    }
}
