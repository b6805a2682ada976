//! The session cookie. `__Host-` in production: only this exact origin over https may set or
//! read it. A plain name only under the development flag, where browsers would refuse the prefix.

use super::store::SECOND_FACTOR_WINDOW;
use crate::AppState;
use axum::http::{HeaderMap, HeaderValue, header};

pub const SECURE_NAME: &str = "__Host-carefront-session";
pub const DEVELOPMENT_NAME: &str = "carefront-session";
/// A share viewer's session: its own cookie, which only `/shared/…` reads.
pub const SECURE_SHARED_NAME: &str = "__Host-carefront-shared";
pub const DEVELOPMENT_SHARED_NAME: &str = "carefront-shared";

pub fn name(state: &AppState) -> &'static str {
    if state.config.secure_cookies() {
        SECURE_NAME
    } else {
        DEVELOPMENT_NAME
    }
}

pub fn shared_name(state: &AppState) -> &'static str {
    if state.config.secure_cookies() {
        SECURE_SHARED_NAME
    } else {
        DEVELOPMENT_SHARED_NAME
    }
}

pub fn token(state: &AppState, headers: &HeaderMap) -> Option<String> {
    named(headers, name(state))
}

pub fn named(headers: &HeaderMap, name: &str) -> Option<String> {
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

/// A share viewer's cookie: it ends with the browser, and the server ends it sooner.
pub fn set_shared(state: &AppState, token: &str) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "{}={token}{}",
        shared_name(state),
        attributes(state)
    ))
    .expect("tokens are URL-safe base64")
}

pub fn clear(state: &AppState) -> HeaderValue {
    clear_named(state, name(state))
}

pub fn clear_named(state: &AppState, name: &str) -> HeaderValue {
    HeaderValue::from_str(&format!("{name}=; Max-Age=0{}", attributes(state)))
        .expect("a fixed header")
}

fn attributes(state: &AppState) -> &'static str {
    if state.config.secure_cookies() {
        "; Path=/; HttpOnly; SameSite=Strict; Secure"
    } else {
        "; Path=/; HttpOnly; SameSite=Strict"
    }
}
