//! What every API answer shares: the security headers, the CSRF rule, and JSON bodies whose
//! faults are answered like every other refusal.

use crate::AppState;
use crate::infra::error::ApiError;
use axum::extract::{FromRequest, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

pub const CSRF_HEADER: &str = "x-carefront";

/// API answers are personal: never stored by a browser or a proxy, never framed, never run as a
/// page. State-changing requests must carry a header a cross-site form or image cannot set, on
/// top of the SameSite cookie.
pub async fn api_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let mut res = if safe || req.headers().contains_key(CSRF_HEADER) {
        next.run(req).await
    } else {
        ApiError::MissingCsrfHeader.into_response()
    };
    personal(res.headers_mut(), state.config.secure_cookies());
    res
}

/// The answers tower-http's own layers make (a body over the limit, a request over time) carry
/// no body and none of the portal's headers: they become problems like every other refusal, with
/// the headers of where they were asked (personal ones for `/api/v1`, `/professional` and
/// `/shl`, the page ones elsewhere). It sits outside those layers.
pub async fn dress_bare_refusals(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let personal_path = ["/api/", "/professional/", "/shl/"]
        .iter()
        .any(|p| req.uri().path().starts_with(p));
    let res = next.run(req).await;
    // The portal's own answers are all `application/…` (problem, FHIR, JSON); theirs are empty
    // or plain text.
    let bare = !res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|t| t.to_str().ok())
        .is_some_and(|t| t.starts_with("application/"));
    let error = match res.status() {
        StatusCode::PAYLOAD_TOO_LARGE if bare => ApiError::PayloadTooLarge,
        StatusCode::SERVICE_UNAVAILABLE if bare => ApiError::TimedOut,
        _ => return res,
    };
    let mut dressed = error.into_response();
    let https = state.config.secure_cookies();
    if personal_path {
        personal(dressed.headers_mut(), https);
    } else {
        security_headers(dressed.headers_mut(), https);
    }
    dressed
}

/// The same headers for answers to other systems, which send a bearer token and never a cookie,
/// so need no CSRF rule.
pub async fn system_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    personal(res.headers_mut(), state.config.secure_cookies());
    res
}

fn personal(headers: &mut HeaderMap, https: bool) {
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"),
    );
    security_headers(headers, https);
}

/// Headers for every answer, API and app alike. HSTS whenever the session cookie is `Secure`:
/// such a portal is only ever reached over https.
pub fn security_headers(headers: &mut HeaderMap, https: bool) {
    for (name, value) in [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_FRAME_OPTIONS, "DENY"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    headers.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(), payment=()"),
    );
    headers.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    if https {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
}

/// Percent-encodes a query value: RFC 3986 unreserved characters pass through.
pub fn encode_component(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A JSON body whose faults are answered as problem+json like every other refusal.
pub struct Body<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        axum::Json::<T>::from_request(req, state)
            .await
            .map(|axum::Json(v)| Body(v))
            .map_err(|e| {
                if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::PayloadTooLarge
                } else {
                    ApiError::BadRequest(format!("The request body is not right: {e}"))
                }
            })
    }
}
