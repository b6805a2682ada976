use super::store::{self as terms, TermsDocument};
use crate::AppState;
use crate::audit::Event;
use crate::session::store::SignedIn;
use crate::shared::error::ApiError;
use crate::shared::http::Body;
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
    state
        .run(|state| {
            let conn = state.db.read()?;
            Ok(Json(CurrentTerms {
                patient: terms::current(&conn, terms::PATIENT)?,
                proxy: terms::current(&conn, terms::PROXY)?,
            }))
        })
        .await
}

#[derive(Deserialize)]
pub struct Acceptance {
    document: String,
    version: String,
}

pub async fn accept(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Body(acceptance): Body<Acceptance>,
) -> Result<StatusCode, ApiError> {
    state
        .run(move |state| {
            let conn = state.db.lock();
            let SignedIn { session, client } = signed_in;
            let what = format!("{} version {}", acceptance.document, acceptance.version);
            let event = Event::new("terms-accepted")
                .user(Some(session.user_id))
                .client(&client)
                .session(&session)
                .detail(&what);
            if let Err(e) = terms::accept(
                &conn,
                session.user_id,
                &acceptance.document,
                &acceptance.version,
            ) {
                event.refused(&e).record(&conn)?;
                return Err(e);
            }
            event.record(&conn)?;
            Ok(StatusCode::NO_CONTENT)
        })
        .await
}
