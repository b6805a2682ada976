use super::store::{self, Lookup, PendingSecondFactor, Session, Stage};
use super::throttle::{self, Kind, Refused};
use super::{cookie, lockout, password};
use crate::AppState;
use crate::accounts::two_step::{self, Accepted};
use crate::accounts::{self, User};
use crate::audit::Event;
use crate::infra::client::Client;
use crate::infra::error::ApiError;
use crate::infra::http::Body;
use crate::infra::store::Conn;
use crate::infra::time;
use crate::terms;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

async fn session_view(
    state: &AppState,
    conn: &mut Conn,
    session: &Session,
) -> Result<Value, ApiError> {
    let user = accounts::by_id(&mut *conn, session.user_id).await?;
    Ok(json!({
        "status": "signed-in",
        "user": {"username": user.username, "displayName": user.display_name},
        "idleTimeoutSeconds": state.config.idle_timeout,
        "idleExpiresAt": time::rfc3339(session.idle_expires_at(state)),
        "expiresAt": time::rfc3339(session.expires_at(state)),
        "terms": terms::requirements(conn, session.user_id).await?,
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
    match store::lookup(&state, &headers).await? {
        Lookup::None => Ok(Json(json!({"status": "signed-out"})).into_response()),
        Lookup::Ended => Ok(with_cookie(
            json!({"status": "signed-out", "ended": true}),
            cookie::clear(&state),
        )),
        Lookup::Live(session) if session.stage == Stage::SecondFactor => {
            Ok(Json(second_factor_required()).into_response())
        }
        Lookup::Live(mut session) if session.stage == Stage::SetUp => {
            store::touch(&mut *state.store.conn().await?, &mut session).await?;
            Ok(Json(set_up_required()).into_response())
        }
        Lookup::Live(mut session) => {
            let mut conn = state.store.conn().await?;
            store::touch(&mut conn, &mut session).await?;
            Ok(Json(session_view(&state, &mut conn, &session).await?).into_response())
        }
    }
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
    let mut conn = state.store.conn().await?;
    let Err(Refused {
        retry_after,
        first_in_window,
    }) = throttle::check(&mut conn, Kind::SignIn, &client.network(), now).await
    else {
        return Ok(());
    };
    let error = ApiError::TooManyAttempts { retry_after };
    if first_in_window {
        Event::new("sign-in-throttled")
            .refused(&error)
            .username(username)
            .client(client)
            .record(&mut conn)
            .await?;
    }
    Err(error)
}

/// Counts a failed sign-in step against a client network.
pub(crate) async fn failed_step(state: &AppState, network: &str, now: i64) -> Result<(), ApiError> {
    let mut conn = state.store.conn().await?;
    throttle::fail(&mut conn, Kind::SignIn, network, now).await?;
    Ok(())
}

/// Audits a refused sign-in step and answers with its reason.
async fn refuse(state: &AppState, error: ApiError, event: Event) -> Result<Response, ApiError> {
    event
        .refused(&error)
        .record(&mut *state.store.conn().await?)
        .await?;
    Err(error)
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
        let mut conn = state.store.conn().await?;
        let reserved =
            lockout::reserve_password(&mut conn, &username, &client.network(), now).await;
        (accounts::by_username(&mut conn, &username).await?, reserved)
    };
    let refused = refused.user(user.as_ref().map(|u| u.id));
    let reserved = match reserved {
        Ok(r) => r,
        Err(e) => {
            failed_step(&state, &client.network(), now).await?;
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
        failed_step(&state, &client.network(), now).await?;
        return refuse(&state, e, refused).await;
    };
    let mut conn = state.store.conn().await?;
    lockout::forgive_password(&mut conn, &reserved).await?;
    let outcome = if user.closure_requested_at.is_some() {
        Err(ApiError::AccountClosed)
    } else if user.disabled_at.is_some() {
        Err(ApiError::AccountDisabled)
    } else if user.totp_secret.is_some() {
        match lockout::code_lock(&mut conn, user.id, now).await {
            Err(e) => Err(e),
            Ok(()) => {
                let (token, session) =
                    store::create(&mut conn, user.id, Stage::SecondFactor, &client).await?;
                Event::new("sign-in-password-accepted")
                    .user(Some(user.id))
                    .client(&client)
                    .session(&session)
                    .record(&mut conn)
                    .await?;
                Ok(with_cookie(
                    second_factor_required(),
                    cookie::set(&state, &token, true),
                ))
            }
        }
    } else if state.config.require_second_factor {
        let (token, session) = store::create(&mut conn, user.id, Stage::SetUp, &client).await?;
        lockout::remember_client(&mut conn, user.id, &client.network(), session.created_at).await?;
        Event::new("sign-in-password-accepted")
            .user(Some(user.id))
            .client(&client)
            .session(&session)
            .detail("a second factor to set up")
            .record(&mut conn)
            .await?;
        Ok(with_cookie(
            set_up_required(),
            cookie::set(&state, &token, false),
        ))
    } else {
        Ok(signed_in(&state, &mut conn, &user, &client, "password").await?)
    };
    drop(conn);
    match outcome {
        Ok(res) => Ok(res),
        Err(e) => refuse(&state, e, refused).await,
    }
}

/// A completed sign-in: a fresh session, the network remembered, the event audited.
pub(crate) async fn signed_in(
    state: &AppState,
    conn: &mut Conn,
    user: &User,
    client: &Client,
    how: &str,
) -> Result<Response, ApiError> {
    let (view, cookie) = start_session(state, conn, user, client, how).await?;
    Ok(with_cookie(view, cookie))
}

/// A fresh signed-in session: what `GET /session` would say of it, and its cookie.
pub(crate) async fn start_session(
    state: &AppState,
    conn: &mut Conn,
    user: &User,
    client: &Client,
    how: &str,
) -> Result<(Value, HeaderValue), ApiError> {
    let (token, session) = store::create(&mut *conn, user.id, Stage::Active, client).await?;
    lockout::remember_client(&mut *conn, user.id, &client.network(), session.created_at).await?;
    Event::new("signed-in")
        .user(Some(user.id))
        .client(client)
        .session(&session)
        .detail(how)
        .record(&mut *conn)
        .await?;
    Ok((
        session_view(state, conn, &session).await?,
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
    let answer = code_answer(&state, &client, &pending, &code.code, now).await;
    // Every refusal of a code is a failed step: a wrong code, or one tried while codes are paused.
    if answer.is_err() {
        failed_step(&state, &client.network(), now).await?;
    }
    answer
}

async fn code_answer(
    state: &AppState,
    client: &Client,
    pending: &Session,
    code: &str,
    now: i64,
) -> Result<Response, ApiError> {
    let mut conn = state.store.conn().await?;
    let user = accounts::by_id(&mut conn, pending.user_id).await?;
    let refused = |why: &str| {
        Event::new("sign-in-refused")
            .user(Some(user.id))
            .client(client)
            .session(pending)
            .detail(why)
    };
    let pauses_for = match lockout::reserve_code(&mut conn, user.id, now).await {
        Ok(p) => p,
        Err(e) => {
            store::delete(&mut conn, &pending.token_hash).await?;
            refused("").refused(&e).record(&mut conn).await?;
            return Err(e);
        }
    };
    let accepted = match two_step::accept(&mut conn, &state.secrets, &user, code, now).await {
        Ok(accepted) => accepted,
        Err(e) => {
            // A right code that lost the race to another sign-in, or was used before, may have
            // been overheard: the help desk should see that, not a typing slip.
            let why = if two_step::was_used(&mut conn, &state.secrets, user.id, code, now).await? {
                "code-reused: a right code already used"
            } else {
                ""
            };
            let Some(retry_after) = pauses_for else {
                refused(why).refused(&e).record(&mut conn).await?;
                return Err(e);
            };
            let paused = ApiError::SecondFactorLocked { retry_after };
            Event::new("second-factor-locked")
                .refused(&paused)
                .user(Some(user.id))
                .client(client)
                .session(pending)
                .record(&mut conn)
                .await?;
            // Every half-finished sign-in of the account ends: guessing must start over.
            sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND stage = 'second-factor'")
                .bind(user.id)
                .execute(&mut *conn)
                .await?;
            refused("").refused(&paused).record(&mut conn).await?;
            return Err(paused);
        }
    };
    lockout::forgive_code(&mut conn, user.id).await?;
    // A fresh token for the signed-in session, so one seen before the code was entered is
    // worthless.
    store::delete(&mut conn, &pending.token_hash).await?;
    let Accepted::RecoveryCode { left } = accepted else {
        return signed_in(state, &mut conn, &user, client, "password and code").await;
    };
    Event::new("recovery-code-used")
        .user(Some(user.id))
        .client(client)
        .session(pending)
        .detail(&format!("{left} left"))
        .record(&mut conn)
        .await?;
    let (mut view, cookie) = start_session(
        state,
        &mut conn,
        &user,
        client,
        "password and recovery code",
    )
    .await?;
    // The app tells the patient how many are left, and how to make more.
    view["recoveryCodesLeft"] = json!(left);
    Ok(with_cookie(view, cookie))
}

pub async fn sign_out(
    State(state): State<AppState>,
    client: Client,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if let Lookup::Live(session) = store::lookup(&state, &headers).await? {
        let mut conn = state.store.conn().await?;
        store::delete(&mut conn, &session.token_hash).await?;
        Event::new("signed-out")
            .user(Some(session.user_id))
            .client(&client)
            .session(&session)
            .record(&mut conn)
            .await?;
    }
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
