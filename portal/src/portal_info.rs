//! `/portal`: the public description of this portal that the app reads before anything else.

use crate::AppState;
use crate::infra::config::{PortalInfo, TermsVersions};
use crate::infra::error::ApiError;
use crate::terms;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};

pub fn routes() -> Router<AppState> {
    Router::new().route("/portal", get(show))
}

async fn show(State(state): State<AppState>) -> Result<Json<PortalInfo>, ApiError> {
    let mut conn = state.store.conn().await?;
    let mut info = (*state.info).clone();
    info.idle_timeout_seconds = state.config.idle_timeout;
    // Share links need the portal's public address.
    info.features.share &= state.config.public_url.is_some();
    info.features.passkeys = state.passkeys.is_some();
    info.record_system.not_shared = state
        .records
        .not_shared()
        .into_iter()
        .map(String::from)
        .collect();
    info.terms = TermsVersions {
        patient: terms::current(&mut conn, terms::PATIENT)
            .await?
            .map(|d| d.version),
        proxy: terms::current(&mut conn, terms::PROXY)
            .await?
            .map(|d| d.version),
    };
    Ok(Json(info))
}
