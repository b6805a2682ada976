use super::Body;
use crate::AppState;
use crate::audit;
use crate::auth::session::SignedIn;
use crate::problem::ApiError;
use crate::terms::{self, TermsDocument};
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
    Ok(Json(CurrentTerms {
        patient: terms::current(&state.db, terms::PATIENT)?,
        proxy: terms::current(&state.db, terms::PROXY)?,
    }))
}

#[derive(Deserialize)]
pub struct Acceptance {
    document: String,
    version: String,
}

pub async fn accept(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    Body(acceptance): Body<Acceptance>,
) -> Result<StatusCode, ApiError> {
    terms::accept(
        &state.db,
        session.user_id,
        &acceptance.document,
        &acceptance.version,
    )?;
    audit::record(
        &state.db,
        Some(session.user_id),
        None,
        "terms-accepted",
        &format!("{} version {}", acceptance.document, acceptance.version),
    )?;
    Ok(StatusCode::NO_CONTENT)
}
