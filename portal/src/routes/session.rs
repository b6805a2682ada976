use super::{Body, ClientIp};
use crate::AppState;
use crate::audit;
use crate::auth::session::{self, PendingSecondFactor, Session, Stage};
use crate::problem::ApiError;
use crate::time;
use crate::{terms, users};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

/// Wrong codes allowed on one half-finished sign-in before it must start again.
const MAX_CODE_ATTEMPTS: i64 = 5;

fn session_view(state: &AppState, session: &Session) -> Result<Value, ApiError> {
    let user = users::by_id(&state.db, session.user_id)?;
    Ok(json!({
        "status": "signed-in",
        "user": {"username": user.username, "displayName": user.display_name},
        "idleTimeoutSeconds": state.config.idle_timeout,
        "idleExpiresAt": time::rfc3339(session.idle_expires_at(state)),
        "expiresAt": time::rfc3339(session.expires_at(state)),
        "terms": terms::requirements(&state.db, session.user_id)?,
    }))
}

fn with_cookie(state: &AppState, token: &str, body: Value) -> Response {
    let mut res = Json(body).into_response();
    res.headers_mut()
        .insert(header::SET_COOKIE, session::set_cookie(state, token));
    res
}

pub async fn show(
    State(state): State<AppState>,
    session::SignedIn(session): session::SignedIn,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(session_view(&state, &session)?))
}

#[derive(Deserialize)]
pub struct Credentials {
    username: String,
    password: String,
}

pub async fn sign_in(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Body(credentials): Body<Credentials>,
) -> Result<Response, ApiError> {
    state
        .throttle
        .attempt(ip, time::now())
        .map_err(|retry_after| ApiError::TooManyAttempts { retry_after })?;
    let db = state.db.clone();
    let checked = tokio::task::spawn_blocking(move || {
        users::check_password(&db, &credentials.username, &credentials.password)
    })
    .await
    .map_err(|_| ApiError::Internal)?;
    let user = match checked {
        Ok(user) => user,
        Err(e) => {
            audit::record(&state.db, None, None, "sign-in-refused", e.reason())?;
            return Err(e);
        }
    };
    if user.totp_secret.is_some() {
        let (token, _) = session::create(&state, user.id, Stage::SecondFactor)?;
        return Ok(with_cookie(
            &state,
            &token,
            json!({"status": "second-factor-required", "method": "totp"}),
        ));
    }
    let (token, session) = session::create(&state, user.id, Stage::Active)?;
    audit::record(&state.db, Some(user.id), None, "signed-in", "password")?;
    Ok(with_cookie(&state, &token, session_view(&state, &session)?))
}

#[derive(Deserialize)]
pub struct Code {
    code: String,
}

pub async fn second_factor(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    PendingSecondFactor(pending): PendingSecondFactor,
    Body(code): Body<Code>,
) -> Result<Response, ApiError> {
    state
        .throttle
        .attempt(ip, time::now())
        .map_err(|retry_after| ApiError::TooManyAttempts { retry_after })?;
    let user = users::by_id(&state.db, pending.user_id)?;
    if let Err(e) = users::check_code(&state.db, &user, &code.code) {
        session::count_failed_code(&state, &pending)?;
        audit::record(
            &state.db,
            Some(user.id),
            None,
            "sign-in-refused",
            e.reason(),
        )?;
        if pending.code_attempts + 1 >= MAX_CODE_ATTEMPTS {
            session::delete(&state, &pending.token_hash)?;
            return Err(ApiError::SessionExpired);
        }
        return Err(e);
    }
    // A fresh token for the signed-in session, so one seen before the code was entered is worthless.
    session::delete(&state, &pending.token_hash)?;
    let (token, session) = session::create(&state, user.id, Stage::Active)?;
    audit::record(
        &state.db,
        Some(user.id),
        None,
        "signed-in",
        "password and code",
    )?;
    Ok(with_cookie(&state, &token, session_view(&state, &session)?))
}

pub async fn sign_out(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if let Some(token) = session::cookie_token(&headers) {
        let hash = crate::auth::token_hash(&token);
        let user_id: Option<i64> = state
            .db
            .lock()
            .query_row(
                "SELECT user_id FROM sessions WHERE token_hash = ?1",
                [&hash],
                |r| r.get(0),
            )
            .ok();
        session::delete(&state, &hash)?;
        if let Some(user_id) = user_id {
            audit::record(&state.db, Some(user_id), None, "signed-out", "")?;
        }
    }
    let mut res = StatusCode::NO_CONTENT.into_response();
    res.headers_mut()
        .insert(header::SET_COOKIE, session::clear_cookie());
    Ok(res)
}
