//! The session cookie. `__Host-` in production: only this exact origin over https may set or
//! read it. A plain name only under the development flag, where browsers would refuse the prefix.

use super::store::SECOND_FACTOR_WINDOW;
use crate::AppState;
use axum::http::{HeaderMap, HeaderValue, header};

pub const SECURE_NAME: &str = "__Host-carefront-session";
pub const DEVELOPMENT_NAME: &str = "carefront-session";

pub fn name(state: &AppState) -> &'static str {
    if state.config.secure_cookies() {
        SECURE_NAME
    } else {
        DEVELOPMENT_NAME
    }
}

pub fn token(state: &AppState, headers: &HeaderMap) -> Option<String> {
    let name = name(state);
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, value)| value.to_string())
}

/// `pending`: the cookie of a sign-in waiting for its code lives only as long as that step. A
/// signed-in session's cookie has no lifetime of its own: it ends with the browser, and the
/// server ends it sooner.
pub fn set(state: &AppState, token: &str, pending: bool) -> HeaderValue {
    let max_age = if pending {
        format!("; Max-Age={SECOND_FACTOR_WINDOW}")
    } else {
        String::new()
    };
    HeaderValue::from_str(&format!(
        "{}={token}{max_age}{}",
        name(state),
        attributes(state)
    ))
    .expect("tokens are URL-safe base64")
}

pub fn clear(state: &AppState) -> HeaderValue {
    HeaderValue::from_str(&format!("{}=; Max-Age=0{}", name(state), attributes(state)))
        .expect("a fixed header")
}

fn attributes(state: &AppState) -> &'static str {
    if state.config.secure_cookies() {
        "; Path=/; HttpOnly; SameSite=Strict; Secure"
    } else {
        "; Path=/; HttpOnly; SameSite=Strict"
    }
}
