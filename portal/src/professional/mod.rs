//! Professional access: other organisations' systems read patients' records through the FHIR
//! API the standard way, SMART Backend Services, with the person reading and their purpose
//! carried as IHE IUA claims. Every read is audited with who, where from and why, and the
//! patient's objections are enforced on it (`privacy::objections`).
//!
//! These routes sit outside `/api/v1`: systems call them with a bearer token, never a cookie.

mod access;
pub mod claims;
pub mod client;
pub mod commands;
pub mod registry;
mod reports;
pub mod token;

pub use access::ProfessionalAccess;

use crate::AppState;
use crate::fhir as record_fhir;
use crate::infra::http;
use crate::infra::store::Conn;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router, middleware};
use serde_json::json;

/// Where professionals' systems read, under the portal's address.
pub const FHIR_BASE: &str = "/professional/fhir";

pub fn routes(state: &AppState) -> Router<AppState> {
    Router::new()
        .route("/professional/token", post(token::issue))
        // Patients' messages, for the hospital's own messaging system: before the record's
        // routes, which they would otherwise match.
        .route(
            "/professional/fhir/Communication",
            get(crate::messages::professional::search).post(crate::messages::professional::create),
        )
        .route(
            "/professional/fhir/Communication/{id}",
            get(crate::messages::professional::read),
        )
        .route(
            "/professional/messages/attachments/{id}",
            get(crate::messages::professional::file),
        )
        .route(
            "/professional/fhir/.well-known/smart-configuration",
            get(smart_configuration),
        )
        .route(
            "/professional/fhir/{resource_type}",
            get(record_fhir::professional_search).post(reports::report),
        )
        .route(
            "/professional/fhir/{resource_type}/{id}",
            get(record_fhir::professional_read),
        )
        .layer(middleware::from_fn_with_state(
            state.clone(),
            http::system_headers,
        ))
}

/// SMART's discovery document: where to get a token, and how to ask.
async fn smart_configuration(State(state): State<AppState>) -> Response {
    let Some(public) = state.config.public_url.as_deref() else {
        return crate::infra::error::ApiError::NotFound.into_response();
    };
    Json(json!({
        "token_endpoint": token::endpoint(public),
        "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        "token_endpoint_auth_signing_alg_values_supported": token::ALGORITHMS,
        "grant_types_supported": ["client_credentials"],
        "scopes_supported": ["system/*.rs", "system/*.read"],
        "capabilities": ["client-confidential-asymmetric", "permission-v2", "permission-v1"],
    }))
    .into_response()
}

/// Tokens past their time and assertion ids past their expiry are no longer needed.
pub async fn purge(conn: &mut Conn, now: i64) -> sqlx::Result<u64> {
    let tokens = sqlx::query("DELETE FROM professional_tokens WHERE expires_at <= $1")
        .bind(now)
        .execute(&mut *conn)
        .await?;
    let assertions = sqlx::query("DELETE FROM assertion_ids WHERE expires_at < $1")
        .bind(now - 120)
        .execute(conn)
        .await?;
    Ok(tokens.rows_affected() + assertions.rows_affected())
}
