//! `/account/security` and `/account/two-step/…`: a patient sets up two-step sign-in (a secret
//! for their authenticator app, confirmed by its first code, then ten recovery codes shown
//! once), makes new recovery codes, or turns it off; the last two only with their password. A
//! sign-in that the portal leads through setting one up may use the first three, nothing else.

use super::notices::{self, Change};
use super::routes::{Code, Password, with_password};
use super::store::{self, User};
use super::two_step;
use crate::AppState;
use crate::audit::Event;
use crate::infra::client::Client;
use crate::infra::error::ApiError;
use crate::infra::http::Body;
use crate::infra::time;
use crate::session::lockout;
use crate::session::routes::{start_session, throttle};
use crate::session::store::{self as sessions, AccountHolder, Session, SignedIn, Stage};
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/account/security", get(security))
        .route("/account/two-step/setup", post(set_up))
        .route("/account/two-step/confirm", post(confirm))
        .route("/account/two-step/recovery-codes", post(new_recovery_codes))
        .route("/account/two-step/off", post(turn_off))
}

/// How the account signs in: whether two-step is on, since when, how many recovery codes are
/// left, and whether the hospital asks every account for it.
async fn security(
    State(state): State<AppState>,
    holder: AccountHolder,
) -> Result<Json<Value>, ApiError> {
    let mut conn = state.store.conn().await?;
    let user = store::by_id(&mut conn, holder.session.user_id).await?;
    let since = two_step::since(&mut conn, user.id).await?;
    Ok(Json(json!({
        "twoStep": {
            "on": user.totp_secret.is_some(),
            "since": since.map(time::rfc3339),
            "recoveryCodesLeft": two_step::recovery_codes_left(&mut conn, user.id).await?,
        },
        "secondFactorRequired": state.config.require_second_factor,
    })))
}

/// The password again before set-up; a sign-in being led through set-up has just given it.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct SetUpBody {
    #[serde(default)]
    password: Option<String>,
}

/// A new secret for the authenticator app, as text and as the address its QR code holds. It
/// takes effect only once a code made from it is entered. A signed-in account gives its password
/// first, so a stolen session cannot plant its own app (and recovery codes) as a way back in.
async fn set_up(
    State(state): State<AppState>,
    holder: AccountHolder,
    Body(body): Body<SetUpBody>,
) -> Result<Json<Value>, ApiError> {
    if holder.session.stage == Stage::Active {
        let signed_in = SignedIn {
            session: holder.session.clone(),
            client: holder.client.clone(),
        };
        let given = body
            .password
            .ok_or_else(|| ApiError::BadRequest("Enter your password.".into()))?;
        with_password(&state, &signed_in, given, "two-step-turned-on").await?;
    }
    let mut conn = state.store.conn().await?;
    let user = store::by_id(&mut conn, holder.session.user_id).await?;
    if user.totp_secret.is_some() {
        return Err(ApiError::Conflict(
            "Two-step sign-in is already on for this account.".into(),
        ));
    }
    let secret = two_step::begin(&mut conn, &state.secrets, user.id, time::now()).await?;
    Ok(Json(json!({
        "secret": secret,
        "uri": two_step::otpauth_uri(&state.info.organization.name, &user.username, &secret),
        "expiresInSeconds": two_step::PENDING_WINDOW,
    })))
}

/// The app's first code: two-step sign-in is on, and the recovery codes are answered once. A
/// sign-in being led through set-up becomes a signed-in session here (with a fresh cookie).
/// Wrong codes count against the same pause as at sign-in.
async fn confirm(
    State(state): State<AppState>,
    holder: AccountHolder,
    Body(code): Body<Code>,
) -> Result<Response, ApiError> {
    let now = time::now();
    throttle(&state, &holder.client, None, now).await?;
    let network = holder.client.network();
    let user_id = holder.session.user_id;
    let answer = async {
        let mut conn = state.store.conn().await?;
        let AccountHolder { session, client } = holder;
        let user = store::by_id(&mut conn, session.user_id).await?;
        let checked = async {
            if user.totp_secret.is_some() {
                return Err(ApiError::Conflict(
                    "Two-step sign-in is already on for this account.".into(),
                ));
            }
            let Some(secret) = two_step::pending(&mut conn, &state.secrets, user.id, now).await?
            else {
                return Err(ApiError::Conflict(
                    "The code to set up with has expired. Start again to get a new one.".into(),
                ));
            };
            let pauses_for = lockout::reserve_code(&mut conn, user.id, now).await?;
            crate::session::totp::verify(&secret, &code.code, now, None).ok_or(match pauses_for {
                Some(retry_after) => ApiError::SecondFactorLocked { retry_after },
                None => ApiError::InvalidCode,
            })
        }
        .await;
        let step = match checked {
            Ok(step) => step,
            Err(e) => {
                audit("two-step-turned-on", &user, &session, &client)
                    .refused(&e)
                    .record(&mut conn)
                    .await?;
                return Err(e);
            }
        };
        lockout::forgive_code(&mut conn, user.id).await?;
        let codes = two_step::turn_on(&mut conn, user.id, step, now).await?;
        audit("two-step-turned-on", &user, &session, &client)
            .record(&mut conn)
            .await?;
        let mut body = json!({"recoveryCodes": codes});
        if session.stage != Stage::SetUp {
            return Ok(Json(body).into_response());
        }
        // Set up as the portal asked: the sign-in is complete, under a fresh token.
        sessions::delete(&mut conn, &session.token_hash).await?;
        let (view, cookie) = start_session(
            &state,
            &mut conn,
            &user,
            &client,
            "password, then two-step set up",
        )
        .await?;
        body["session"] = view;
        let mut res = Json(body).into_response();
        res.headers_mut().insert(header::SET_COOKIE, cookie);
        Ok::<_, ApiError>(res)
    }
    .await;
    match &answer {
        Ok(_) => notices::tell(&state, user_id, Change::TwoStepOn).await,
        Err(ApiError::InvalidCode | ApiError::SecondFactorLocked { .. }) => {
            crate::session::routes::failed_step(&state, &network, now).await?;
        }
        Err(_) => {}
    }
    answer
}

fn audit(action: &'static str, user: &User, session: &Session, client: &Client) -> Event {
    Event::new(action)
        .user(Some(user.id))
        .session(session)
        .client(client)
}

fn two_step_is_off() -> ApiError {
    ApiError::Conflict("Two-step sign-in is not on for this account.".into())
}

/// Ten new recovery codes, answered once; the earlier ones stop working.
async fn new_recovery_codes(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Body(given): Body<Password>,
) -> Result<Json<Value>, ApiError> {
    let user = with_password(
        &state,
        &signed_in,
        given.password,
        "recovery-codes-replaced",
    )
    .await?;
    let user_id = user.id;
    let made = async {
        let mut conn = state.store.conn().await?;
        if user.totp_secret.is_none() {
            return Err(two_step_is_off());
        }
        let codes = two_step::new_recovery_codes(&mut conn, user.id, time::now()).await?;
        audit(
            "recovery-codes-replaced",
            &user,
            &signed_in.session,
            &signed_in.client,
        )
        .record(&mut conn)
        .await?;
        Ok::<_, ApiError>(Json(json!({"recoveryCodes": codes})))
    }
    .await?;
    notices::tell(&state, user_id, Change::RecoveryCodesReplaced).await;
    Ok(made)
}

/// Two-step sign-in off, unless the hospital asks every account for it.
async fn turn_off(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Body(given): Body<Password>,
) -> Result<Json<Value>, ApiError> {
    if state.config.require_second_factor {
        return Err(ApiError::Conflict(
            "This portal asks every account to use two-step sign-in, so it cannot be turned off."
                .into(),
        ));
    }
    let user = with_password(&state, &signed_in, given.password, "two-step-turned-off").await?;
    let user_id = user.id;
    let off = async {
        let mut conn = state.store.conn().await?;
        if user.totp_secret.is_none() {
            return Err(two_step_is_off());
        }
        two_step::turn_off(&mut conn, user.id).await?;
        audit(
            "two-step-turned-off",
            &user,
            &signed_in.session,
            &signed_in.client,
        )
        .record(&mut conn)
        .await?;
        Ok::<_, ApiError>(Json(json!({"twoStep": {"on": false}})))
    }
    .await?;
    notices::tell(&state, user_id, Change::TwoStepOff).await;
    Ok(off)
}
