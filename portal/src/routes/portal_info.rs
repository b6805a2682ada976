use crate::AppState;
use crate::config::{PortalInfo, TermsVersions};
use crate::problem::ApiError;
use crate::terms;
use axum::Json;
use axum::extract::State;

pub async fn show(State(state): State<AppState>) -> Result<Json<PortalInfo>, ApiError> {
    let mut info = (*state.info).clone();
    info.idle_timeout_seconds = state.config.idle_timeout;
    info.terms = TermsVersions {
        patient: terms::current(&state.db, terms::PATIENT)?.map(|d| d.version),
        proxy: terms::current(&state.db, terms::PROXY)?.map(|d| d.version),
    };
    Ok(Json(info))
}
