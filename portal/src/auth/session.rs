//! Server-side sessions: the cookie holds a random token, the database holds its hash and clocks.

use super::{random_token, token_hash};
use crate::AppState;
use crate::problem::ApiError;
use crate::time;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use rusqlite::{OptionalExtension, params};

pub const COOKIE: &str = "carefront_session";
/// A half-finished sign-in waiting for its code does not last.
pub const SECOND_FACTOR_WINDOW: i64 = 300;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Stage {
    SecondFactor,
    Active,
}

impl Stage {
    fn as_str(self) -> &'static str {
        match self {
            Stage::SecondFactor => "second-factor",
            Stage::Active => "active",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Session {
    pub token_hash: String,
    pub user_id: i64,
    pub stage: Stage,
    pub created_at: i64,
    pub last_seen: i64,
    pub code_attempts: i64,
}

impl Session {
    pub fn idle_expires_at(&self, state: &AppState) -> i64 {
        (self.last_seen + state.config.idle_timeout).min(self.expires_at(state))
    }

    pub fn expires_at(&self, state: &AppState) -> i64 {
        self.created_at + state.config.absolute_timeout
    }
}

/// Starts a session; the token is for the cookie and is not kept.
pub fn create(state: &AppState, user_id: i64, stage: Stage) -> Result<(String, Session), ApiError> {
    let token = random_token();
    let session = Session {
        token_hash: token_hash(&token),
        user_id,
        stage,
        created_at: time::now(),
        last_seen: time::now(),
        code_attempts: 0,
    };
    state.db.lock().execute(
        "INSERT INTO sessions (token_hash, user_id, stage, created_at, last_seen) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![session.token_hash, user_id, stage.as_str(), session.created_at, session.last_seen],
    )?;
    Ok((token, session))
}

pub fn delete(state: &AppState, token_hash: &str) -> Result<(), ApiError> {
    state
        .db
        .lock()
        .execute("DELETE FROM sessions WHERE token_hash = ?1", [token_hash])?;
    Ok(())
}

pub fn count_failed_code(state: &AppState, session: &Session) -> Result<(), ApiError> {
    state.db.lock().execute(
        "UPDATE sessions SET code_attempts = code_attempts + 1 WHERE token_hash = ?1",
        [&session.token_hash],
    )?;
    Ok(())
}

pub fn cookie_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.to_string())
}

pub fn set_cookie(state: &AppState, token: &str) -> HeaderValue {
    let secure = if state.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{COOKIE}={token}; Path=/api; HttpOnly; SameSite=Strict; Max-Age={}{secure}",
        state.config.absolute_timeout
    ))
    .expect("tokens are URL-safe base64")
}

pub fn clear_cookie() -> HeaderValue {
    HeaderValue::from_static("carefront_session=; Path=/api; HttpOnly; SameSite=Strict; Max-Age=0")
}

/// Finds the session behind the request's cookie. An expired one is removed, and said to be
/// expired (not merely absent) so the app can tell the patient why they were signed out.
pub fn current(state: &AppState, headers: &HeaderMap) -> Result<Session, ApiError> {
    let token = cookie_token(headers).ok_or(ApiError::NotSignedIn)?;
    let hash = token_hash(&token);
    let found = state
        .db
        .lock()
        .query_row(
            "SELECT user_id, stage, created_at, last_seen, code_attempts FROM sessions WHERE token_hash = ?1",
            [&hash],
            |r| {
                Ok(Session {
                    token_hash: hash.clone(),
                    user_id: r.get(0)?,
                    stage: if r.get::<_, String>(1)? == "active" {
                        Stage::Active
                    } else {
                        Stage::SecondFactor
                    },
                    created_at: r.get(2)?,
                    last_seen: r.get(3)?,
                    code_attempts: r.get(4)?,
                })
            },
        )
        .optional()?;
    let session = found.ok_or(ApiError::SessionExpired)?;
    let now = time::now();
    let expired = match session.stage {
        Stage::SecondFactor => now - session.created_at > SECOND_FACTOR_WINDOW,
        Stage::Active => now >= session.idle_expires_at(state) || now >= session.expires_at(state),
    };
    if expired {
        delete(state, &session.token_hash)?;
        return Err(ApiError::SessionExpired);
    }
    Ok(session)
}

/// A signed-in session whose idle clock this request has just reset.
pub struct SignedIn(pub Session);

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let mut session = current(state, &parts.headers)?;
        if session.stage != Stage::Active {
            return Err(ApiError::SecondFactorPending);
        }
        session.last_seen = time::now();
        state.db.lock().execute(
            "UPDATE sessions SET last_seen = ?1 WHERE token_hash = ?2",
            params![session.last_seen, session.token_hash],
        )?;
        Ok(Self(session))
    }
}

/// A sign-in that has passed the password and waits for its second factor code.
pub struct PendingSecondFactor(pub Session);

impl FromRequestParts<AppState> for PendingSecondFactor {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let session = current(state, &parts.headers)?;
        match session.stage {
            Stage::SecondFactor => Ok(Self(session)),
            Stage::Active => Err(ApiError::Conflict(
                "This session has already passed its second factor.".into(),
            )),
        }
    }
}
