//! `/account/…`: what a patient keeps for themselves. The browsers signed in to their account
//! (sign out any, or all others); a new password (the current one first, counted against the
//! same lockout as signing in; every other session ends); and "I think someone else is using my
//! account": a new password, every session ended, and an event the help desk acts on.

use super::notices::{self, Change};
use super::password_rules;
use super::store::{self, User};
use crate::AppState;
use crate::audit::Event;
use crate::infra::client::Client;
use crate::infra::error::ApiError;
use crate::infra::http::Body;
use crate::infra::store::Conn;
use crate::infra::time;
use crate::session::store::{self as sessions, SignedIn};
use crate::session::{cookie, lockout, password};
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/account/sessions", get(list_sessions))
        .route("/account/sessions/end-others", post(end_others))
        .route("/account/sessions/{id}/end", post(end_one))
        .route("/account/password", post(change_password))
        .route("/account/compromised", post(compromised))
        .route("/account/close", post(close))
        .merge(super::two_step_routes::routes())
        .merge(super::email_routes::routes())
}

/// Every browser signed in to this account: when it signed in, when it was last used, what it
/// is, and which is this one. A session is named by its audit reference, never its token.
async fn list_sessions(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> Result<Json<Value>, ApiError> {
    let mut conn = state.store.conn().await?;
    let list: Vec<Value> = sessions::of_user(&mut conn, &state, signed_in.session.user_id)
        .await?
        .iter()
        .map(|s| {
            json!({
                "id": s.reference(),
                "signedInAt": time::rfc3339(s.created_at),
                "lastActiveAt": time::rfc3339(s.last_seen),
                "userAgent": s.user_agent,
                "current": s.token_hash == signed_in.session.token_hash,
            })
        })
        .collect();
    Ok(Json(json!({"sessions": list})))
}

fn signed_out(state: &AppState, body: Value) -> Response {
    let mut res = Json(body).into_response();
    res.headers_mut()
        .insert(header::SET_COOKIE, cookie::clear(state));
    res
}

async fn end_one(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let mut conn = state.store.conn().await?;
    let SignedIn { session, client } = signed_in;
    let found = sessions::of_user(&mut conn, &state, session.user_id)
        .await?
        .into_iter()
        .find(|s| s.reference() == id)
        .ok_or(ApiError::NotFound)?;
    sessions::delete(&mut conn, &found.token_hash).await?;
    Event::new("session-ended")
        .user(Some(session.user_id))
        .session(&session)
        .client(&client)
        .detail(found.reference())
        .record(&mut conn)
        .await?;
    let body = json!({"ended": 1});
    Ok(if found.token_hash == session.token_hash {
        signed_out(&state, body)
    } else {
        Json(body).into_response()
    })
}

async fn end_others(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> Result<Json<Value>, ApiError> {
    let mut conn = state.store.conn().await?;
    let SignedIn { session, client } = signed_in;
    let ended = sessions::delete_all(&mut conn, session.user_id, Some(&session.token_hash)).await?;
    Event::new("sessions-ended")
        .user(Some(session.user_id))
        .session(&session)
        .client(&client)
        .detail(&format!("{ended} other sessions"))
        .record(&mut conn)
        .await?;
    Ok(Json(json!({"ended": ended})))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct NewPassword {
    current: String,
    new: String,
    /// Keep this browser signed in (every other one is signed out either way).
    #[serde(default)]
    keep_this_session: bool,
}

/// The current password, checked as signing in checks it: counted first, against the same
/// lockout, on the hashing threads.
async fn check_current(
    state: &AppState,
    user: &User,
    client: &Client,
    given: String,
) -> Result<(), ApiError> {
    let now = time::now();
    let (username, network) = (user.username.clone(), client.network());
    let reserved =
        lockout::reserve_password(&mut *state.store.conn().await?, &username, &network, now)
            .await?;
    let stored = user.password_hash.clone();
    if state
        .hash(move || password::verify(&given, &stored))
        .await?
    {
        Ok(lockout::forgive_password(&mut *state.store.conn().await?, &reserved).await?)
    } else {
        crate::session::routes::failed_step(state, &client.network(), now).await?;
        Err(match reserved.locks_for {
            Some(retry_after) => ApiError::AccountLocked { retry_after },
            None => ApiError::InvalidCredentials,
        })
    }
}

/// The password again before a change, checked as `check_current` does; a wrong one is audited
/// as a refused `action`.
async fn password_again(
    state: &AppState,
    signed_in: &SignedIn,
    user: &User,
    given: String,
    action: &'static str,
) -> Result<(), ApiError> {
    let Err(e) = check_current(state, user, &signed_in.client, given).await else {
        return Ok(());
    };
    let event = Event::new(action)
        .user(Some(user.id))
        .session(&signed_in.session)
        .client(&signed_in.client)
        .refused(&e);
    event.record(&mut *state.store.conn().await?).await?;
    Err(e)
}

/// The signed-in account, as it is now.
async fn account_of(state: &AppState, signed_in: &SignedIn) -> Result<User, ApiError> {
    let user_id = signed_in.session.user_id;
    store::by_id(&mut *state.store.conn().await?, user_id).await
}

/// The account, once its password is given again (a wrong one audited under `action`).
pub(crate) async fn with_password(
    state: &AppState,
    signed_in: &SignedIn,
    given: String,
    action: &'static str,
) -> Result<User, ApiError> {
    let user = account_of(state, signed_in).await?;
    password_again(state, signed_in, &user, given, action).await?;
    Ok(user)
}

/// Checks the current password and the new one, and stores the new one's hash. The new one is
/// checked first: a weak choice costs no attempt.
async fn replace_password(
    state: &AppState,
    signed_in: &SignedIn,
    current: String,
    new: String,
    refused_action: &'static str,
) -> Result<User, ApiError> {
    let user = account_of(state, signed_in).await?;
    let about_them = password_rules::personal_words(&user.username, &user.display_name);
    let about_them: Vec<&str> = about_them.iter().map(String::as_str).collect();
    if let Some(problem) = password_rules::problem(&new, &about_them) {
        return Err(ApiError::BadRequest(problem));
    }
    if new == current {
        return Err(ApiError::BadRequest(
            "Choose a password you have not used here before.".into(),
        ));
    }
    password_again(state, signed_in, &user, current, refused_action).await?;
    let hash = state.hash(move || password::hash(&new)).await?;
    let user_id = user.id;
    async {
        Ok::<_, ApiError>(
            store::set_password_hash(&mut *state.store.conn().await?, user_id, &hash, time::now())
                .await?,
        )
    }
    .await?;
    Ok(user)
}

async fn change_password(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Body(change): Body<NewPassword>,
) -> Result<Response, ApiError> {
    let keep = change.keep_this_session;
    let user = replace_password(
        &state,
        &signed_in,
        change.current,
        change.new,
        "password-changed",
    )
    .await?;
    notices::tell(&state, user.id, Change::PasswordChanged).await;
    let mut conn = state.store.conn().await?;
    let SignedIn { session, client } = signed_in;
    let this = keep.then_some(session.token_hash.as_str());
    let ended = sessions::delete_all(&mut conn, session.user_id, this).await?;
    Event::new("password-changed")
        .user(Some(session.user_id))
        .session(&session)
        .client(&client)
        .detail(&format!("{ended} sessions ended"))
        .record(&mut conn)
        .await?;
    let body = json!({"ended": ended, "signedIn": keep});
    Ok(if keep {
        Json(body).into_response()
    } else {
        signed_out(&state, body)
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Compromise {
    current: String,
    new: String,
}

/// What "I think someone else is using my account" takes away besides the password and the
/// sessions: every passkey (each signs in on its own), and two-step sign-in if it was turned on
/// since the oldest session still signed in began, since any of those sessions may be the other
/// person's and their app would lock the patient out. Answers (passkeys removed, two-step off).
async fn take_back_ways_in(conn: &mut Conn, user_id: i64) -> Result<(u64, bool), ApiError> {
    let oldest = sessions::list(conn, user_id)
        .await?
        .iter()
        .map(|s| s.created_at)
        .min();
    let planted = match (super::two_step::since(conn, user_id).await?, oldest) {
        (Some(on_since), Some(oldest)) => on_since >= oldest,
        _ => false,
    };
    if planted {
        super::two_step::turn_off(conn, user_id).await?;
    }
    Ok((
        crate::passkeys::store::remove_all(conn, user_id).await?,
        planted,
    ))
}

/// "I think someone else is using my account": a new password, every session ended (this one
/// too), every passkey and a recently turned-on two-step sign-in gone, and an event of its own
/// for the help desk to act on.
async fn compromised(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Body(report): Body<Compromise>,
) -> Result<Response, ApiError> {
    replace_password(
        &state,
        &signed_in,
        report.current,
        report.new,
        "account-compromise-reported",
    )
    .await?;
    async {
            let mut conn = state.store.conn().await?;
            let SignedIn { session, client } = signed_in;
            let (passkeys, two_step_off) = take_back_ways_in(&mut conn, session.user_id).await?;
            let ended = sessions::delete_all(&mut conn, session.user_id, None).await?;
            Event::new("account-compromise-reported")
                .user(Some(session.user_id))
                .session(&session)
                .client(&client)
                .detail(&format!(
                    "password changed; {ended} sessions ended; {passkeys} passkeys removed; two-step {}; the help desk should check this account",
                    if two_step_off { "turned off (turned on since the oldest session began)" } else { "unchanged" }
                ))
                .record(&mut conn).await?;
            Ok::<_, ApiError>(signed_out(
                &state,
                json!({
                    "ended": ended,
                    "signedIn": false,
                    "passkeysRemoved": passkeys,
                    "twoStepTurnedOff": two_step_off,
                }),
            ))
        }
        .await
}

/// The password again, before a change that needs it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Password {
    pub password: String,
}

/// A code typed by the patient: an authenticator app's, or one sent by email.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Code {
    pub code: String,
}

/// "Close my account": with the password, sign-in stops at once, every session ends, and the
/// request waits for the help desk (`carefront-portal user closing`, then `user close`). The
/// medical record is not touched.
async fn close(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Body(given): Body<Password>,
) -> Result<Response, ApiError> {
    let user = with_password(
        &state,
        &signed_in,
        given.password,
        "account-closure-requested",
    )
    .await?;
    let user_id = user.id;
    let mut conn = state.store.conn().await?;
    let SignedIn { session, client } = signed_in;
    store::request_closure(&mut conn, user_id, time::now()).await?;
    crate::passkeys::store::remove_all(&mut conn, user_id).await?;
    let ended = sessions::delete_all(&mut conn, user_id, None).await?;
    Event::new("account-closure-requested")
        .user(Some(user_id))
        .session(&session)
        .client(&client)
        .detail(&format!(
            "{ended} sessions ended; the help desk completes it with `user close`"
        ))
        .record(&mut conn)
        .await?;
    Ok(signed_out(
        &state,
        json!({"closureRequested": true, "ended": ended}),
    ))
}
