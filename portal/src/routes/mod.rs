//! The HTTP surface: `/api/v1/…` for the portal API, everything else for the built app.

mod fhir;
mod patients;
mod portal_info;
mod session;
mod terms;

use crate::AppState;
use crate::auth::session::SignedIn;
use crate::problem::ApiError;
use crate::static_files;
use axum::Router;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use serde::de::DeserializeOwned;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

pub const CSRF_HEADER: &str = "x-carefront";

pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/portal", get(portal_info::show))
        .route(
            "/session",
            get(session::show)
                .post(session::sign_in)
                .delete(session::sign_out),
        )
        .route("/session/second-factor", post(session::second_factor))
        .route("/terms", get(terms::show))
        .route("/terms/acceptances", post(terms::accept))
        .route("/patients", get(patients::list))
        .route("/fhir/{resource_type}", get(fhir::search))
        .route("/fhir/{resource_type}/{id}", get(fhir::read))
        .fallback(|| async { ApiError::NotFound })
        .layer(middleware::from_fn(api_headers));
    Router::new()
        .nest("/api/v1", api)
        .fallback(static_files::serve)
        .with_state(state)
}

/// API answers are personal: never stored by a browser or a proxy. State-changing requests must
/// carry a header a cross-site form or image cannot set, on top of the SameSite cookie.
async fn api_headers(req: Request, next: Next) -> Response {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let mut res = if safe || req.headers().contains_key(CSRF_HEADER) {
        next.run(req).await
    } else {
        axum::response::IntoResponse::into_response(ApiError::MissingCsrfHeader)
    };
    let headers = res.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    res
}

/// A JSON body whose faults are answered as problem+json like every other refusal.
pub struct Body<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        axum::Json::<T>::from_request(req, state)
            .await
            .map(|axum::Json(v)| Body(v))
            .map_err(|e| ApiError::BadRequest(format!("The request body is not right: {e}")))
    }
}

/// The caller's address where the server knows it (in-process tests have none).
pub struct ClientIp(pub IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        Ok(ClientIp(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0.ip()),
        ))
    }
}

/// A signed-in user who has accepted the terms now in force: only they may read records.
pub struct RecordAccess {
    pub user_id: i64,
}

impl FromRequestParts<AppState> for RecordAccess {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let SignedIn(session) = SignedIn::from_request_parts(parts, state).await?;
        if !crate::terms::all_accepted(&state.db, session.user_id)? {
            return Err(ApiError::TermsNotAccepted);
        }
        Ok(Self {
            user_id: session.user_id,
        })
    }
}
