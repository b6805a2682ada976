//! `/session` and `/session/second-factor`: signing in and out, passwords, security codes, the
//! lockouts and throttle that stop guessing, and the server-side sessions behind the cookie.

pub mod cookie;
pub mod lockout;
pub mod password;
pub(crate) mod routes;
pub mod store;
pub mod throttle;
pub mod totp;

use crate::AppState;
use axum::Router;
use axum::routing::{get, post};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/session",
            get(routes::show)
                .post(routes::sign_in)
                .delete(routes::sign_out),
        )
        .route("/session/second-factor", post(routes::second_factor))
}

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// 256 bits from the operating system, URL-safe so it can sit in a cookie as it is.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system has no randomness to give");
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Only a hash of each token is stored, so a copy of the database opens no sessions.
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
