use super::store::{self, Lookup, PendingSecondFactor, Session, Stage};
use super::throttle::Refused;
use super::{cookie, lockout, password};
use crate::AppState;
use crate::accounts::two_step::{self, Accepted};
use crate::accounts::{self, User};
use crate::audit::Event;
use crate::infra::client::Client;
use crate::infra::error::ApiError;
use crate::infra::http::Body;
use crate::infra::time;
use crate::terms;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rusqlite::Connection;
use serde::Deserialize;
use serde_json::{Value, json};

fn session_view(state: &AppState, conn: &Connection, session: &Session) -> Result<Value, ApiError> {
    let user = accounts::by_id(conn, session.user_id)?;
    Ok(json!({
        "status": "signed-in",
        "user": {"username": user.username, "displayName": user.display_name},
        "idleTimeoutSeconds": state.config.idle_timeout,
        "idleExpiresAt": time::rfc3339(session.idle_expires_at(state)),
        "expiresAt": time::rfc3339(session.expires_at(state)),
        "terms": terms::requirements(conn, session.user_id)?,
    }))
}

fn second_factor_required() -> Value {
    json!({"status": "second-factor-required", "method": "totp"})
}

/// The portal asks every account for a second factor and this one has none yet.
fn set_up_required() -> Value {
    json!({"status": "second-factor-setup-required", "methods": ["totp"]})
}

fn with_cookie(body: Value, cookie: HeaderValue) -> Response {
    let mut res = Json(body).into_response();
    res.headers_mut().insert(header::SET_COOKIE, cookie);
    res
}

/// Where the browser stands. Signed out is an answer, not an error: a signed-out visit must
/// leave nothing red in the browser's console.
pub async fn show(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    state
        .run(move |state| match store::lookup(state, &headers)? {
            Lookup::None => Ok(Json(json!({"status": "signed-out"})).into_response()),
            Lookup::Ended => Ok(with_cookie(
                json!({"status": "signed-out", "ended": true}),
                cookie::clear(state),
            )),
            Lookup::Live(session) if session.stage == Stage::SecondFactor => {
                Ok(Json(second_factor_required()).into_response())
            }
            Lookup::Live(mut session) if session.stage == Stage::SetUp => {
                store::touch(&state.db.lock(), &mut session)?;
                Ok(Json(set_up_required()).into_response())
            }
            Lookup::Live(mut session) => {
                let conn = state.db.lock();
                store::touch(&conn, &mut session)?;
                Ok(Json(session_view(state, &conn, &session)?).into_response())
            }
        })
        .await
}

#[derive(Deserialize)]
pub struct Credentials {
    username: String,
    password: String,
}

/// Refuses a client network that has failed too often; refusals are audited once a window.
pub(crate) async fn throttle(
    state: &AppState,
    client: &Client,
    username: Option<&str>,
    now: i64,
) -> Result<(), ApiError> {
    let Err(Refused {
        retry_after,
        first_in_window,
    }) = state.throttle.check(&client.network(), now)
    else {
        return Ok(());
    };
    let error = ApiError::TooManyAttempts { retry_after };
    if first_in_window {
        let event = Event::new("sign-in-throttled")
            .refused(&error)
            .username(username)
            .client(client);
        state
            .run(move |state| Ok(event.record(&state.db.lock())?))
            .await?;
    }
    Err(error)
}

/// Audits a refused sign-in step and answers with its reason.
async fn refuse(state: &AppState, error: ApiError, event: Event) -> Result<Response, ApiError> {
    state
        .run(move |state| {
            event.refused(&error).record(&state.db.lock())?;
            Err(error)
        })
        .await
}

pub async fn sign_in(
    State(state): State<AppState>,
    client: Client,
    Body(credentials): Body<Credentials>,
) -> Result<Response, ApiError> {
    let now = time::now();
    let username = accounts::normalise(&credentials.username);
    throttle(&state, &client, Some(&username), now).await?;
    let refused = Event::new("sign-in-refused")
        .username(Some(&username))
        .client(&client);
    // The attempt is counted before the slow check, and the account looked up, whether or not
    // it exists, in the same way.
    let (user, reserved) = {
        let (username, network) = (username.clone(), client.network());
        state
            .run(move |state| {
                let conn = state.db.lock();
                let reserved = lockout::reserve_password(&conn, &username, &network, now);
                Ok((accounts::by_username(&conn, &username)?, reserved))
            })
            .await?
    };
    let refused = refused.user(user.as_ref().map(|u| u.id));
    let reserved = match reserved {
        Ok(r) => r,
        Err(e) => {
            state.throttle.fail(&client.network(), now);
            return refuse(&state, e, refused).await;
        }
    };
    let stored = user.as_ref().map(|u| u.password_hash.clone());
    let given = credentials.password;
    let right = state
        .hash(move || match stored {
            Some(hash) => password::verify(&given, &hash),
            None => password::verify_nothing(&given),
        })
        .await?;
    let Some(user) = user.filter(|_| right) else {
        let e = match reserved.locks_for {
            Some(retry_after) => ApiError::AccountLocked { retry_after },
            None => ApiError::InvalidCredentials,
        };
        state.throttle.fail(&client.network(), now);
        return refuse(&state, e, refused).await;
    };
    let outcome = state
        .run(move |state| {
            let conn = state.db.lock();
            lockout::forgive_password(&conn, &reserved)?;
            if user.closure_requested_at.is_some() {
                return Ok(Err(ApiError::AccountClosed));
            }
            if user.disabled_at.is_some() {
                return Ok(Err(ApiError::AccountDisabled));
            }
            if user.totp_secret.is_some() {
                if let Err(e) = lockout::code_lock(&conn, user.id, now) {
                    return Ok(Err(e));
                }
                let (token, session) = store::create(&conn, user.id, Stage::SecondFactor, &client)?;
                Event::new("sign-in-password-accepted")
                    .user(Some(user.id))
                    .client(&client)
                    .session(&session)
                    .record(&conn)?;
                return Ok(Ok(with_cookie(
                    second_factor_required(),
                    cookie::set(state, &token, true),
                )));
            }
            if state.config.require_second_factor {
                let (token, session) = store::create(&conn, user.id, Stage::SetUp, &client)?;
                lockout::remember_client(&conn, user.id, &client.network(), session.created_at)?;
                Event::new("sign-in-password-accepted")
                    .user(Some(user.id))
                    .client(&client)
                    .session(&session)
                    .detail("a second factor to set up")
                    .record(&conn)?;
                return Ok(Ok(with_cookie(
                    set_up_required(),
                    cookie::set(state, &token, false),
                )));
            }
            signed_in(state, &conn, &user, &client, "password").map(Ok)
        })
        .await?;
    match outcome {
        Ok(res) => Ok(res),
        Err(e) => refuse(&state, e, refused).await,
    }
}

/// A completed sign-in: a fresh session, the network remembered, the event audited.
pub(crate) fn signed_in(
    state: &AppState,
    conn: &Connection,
    user: &User,
    client: &Client,
    how: &str,
) -> Result<Response, ApiError> {
    let (view, cookie) = start_session(state, conn, user, client, how)?;
    Ok(with_cookie(view, cookie))
}

/// A fresh signed-in session: what `GET /session` would say of it, and its cookie.
pub(crate) fn start_session(
    state: &AppState,
    conn: &Connection,
    user: &User,
    client: &Client,
    how: &str,
) -> Result<(Value, HeaderValue), ApiError> {
    let (token, session) = store::create(conn, user.id, Stage::Active, client)?;
    lockout::remember_client(conn, user.id, &client.network(), session.created_at)?;
    Event::new("signed-in")
        .user(Some(user.id))
        .client(client)
        .session(&session)
        .detail(how)
        .record(conn)?;
    Ok((
        session_view(state, conn, &session)?,
        cookie::set(state, &token, false),
    ))
}

#[derive(Deserialize)]
pub struct Code {
    code: String,
}

pub async fn second_factor(
    State(state): State<AppState>,
    client: Client,
    PendingSecondFactor(pending): PendingSecondFactor,
    Body(code): Body<Code>,
) -> Result<Response, ApiError> {
    let now = time::now();
    throttle(&state, &client, None, now).await?;
    let network = client.network();
    let answer = state
        .run(move |state| {
            let conn = state.db.lock();
            let user = accounts::by_id(&conn, pending.user_id)?;
            let refuse_why = |e: ApiError, why: &str| -> Result<Response, ApiError> {
                Event::new("sign-in-refused")
                    .refused(&e)
                    .user(Some(user.id))
                    .client(&client)
                    .session(&pending)
                    .detail(why)
                    .record(&conn)?;
                Err(e)
            };
            let refuse = |e: ApiError| refuse_why(e, "");
            let pauses_for = match lockout::reserve_code(&conn, user.id, now) {
                Ok(p) => p,
                Err(e) => {
                    store::delete(&conn, &pending.token_hash)?;
                    return refuse(e);
                }
            };
            let accepted = match two_step::accept(&conn, &state.secrets, &user, &code.code, now) {
                Ok(accepted) => accepted,
                Err(e) => {
                    // A right code that lost the race to another sign-in, or was used before,
                    // may have been overheard: the help desk should see that, not a typing slip.
                    let why =
                        if two_step::was_used(&conn, &state.secrets, user.id, &code.code, now)? {
                            "code-reused: a right code already used"
                        } else {
                            ""
                        };
                    let Some(retry_after) = pauses_for else {
                        return refuse_why(e, why);
                    };
                    let paused = ApiError::SecondFactorLocked { retry_after };
                    Event::new("second-factor-locked")
                        .refused(&paused)
                        .user(Some(user.id))
                        .client(&client)
                        .session(&pending)
                        .record(&conn)?;
                    // Every half-finished sign-in of the account ends: guessing must start over.
                    conn.execute(
                        "DELETE FROM sessions WHERE user_id = ?1 AND stage = 'second-factor'",
                        [user.id],
                    )?;
                    return refuse(paused);
                }
            };
            lockout::forgive_code(&conn, user.id)?;
            // A fresh token for the signed-in session, so one seen before the code was entered
            // is worthless.
            store::delete(&conn, &pending.token_hash)?;
            let Accepted::RecoveryCode { left } = accepted else {
                return signed_in(state, &conn, &user, &client, "password and code");
            };
            Event::new("recovery-code-used")
                .user(Some(user.id))
                .client(&client)
                .session(&pending)
                .detail(&format!("{left} left"))
                .record(&conn)?;
            let (mut view, cookie) =
                start_session(state, &conn, &user, &client, "password and recovery code")?;
            // The app tells the patient how many are left, and how to make more.
            view["recoveryCodesLeft"] = json!(left);
            Ok(with_cookie(view, cookie))
        })
        .await;
    // Every refusal of a code is a failed step: a wrong code, or one tried while codes are paused.
    if answer.is_err() {
        state.throttle.fail(&network, now);
    }
    answer
}

pub async fn sign_out(
    State(state): State<AppState>,
    client: Client,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    state
        .run(move |state| {
            if let Lookup::Live(session) = store::lookup(state, &headers)? {
                let conn = state.db.lock();
                store::delete(&conn, &session.token_hash)?;
                Event::new("signed-out")
                    .user(Some(session.user_id))
                    .client(&client)
                    .session(&session)
                    .record(&conn)?;
            }
            Ok(())
        })
        .await?;
    let mut res = StatusCode::NO_CONTENT.into_response();
    let h = res.headers_mut();
    h.insert(header::SET_COOKIE, cookie::clear(&state));
    // Whatever the app or a page left behind goes too, not only the cookie.
    h.insert(
        "clear-site-data",
        HeaderValue::from_static("\"cookies\", \"storage\""),
    );
    Ok(res)
}
