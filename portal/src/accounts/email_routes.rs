//! `/account/email`: the address the portal writes to, and changing it. A change needs the
//! password, sends a code to the new address (which must come back before anything changes),
//! and tells the old address once it is done, so a takeover cannot go unnoticed.

use super::email::{self, Confirmed};
use super::routes::{Code, with_password};
use super::store::{self, User};
use crate::AppState;
use crate::audit::Event;
use crate::infra::error::ApiError;
use crate::infra::http::Body;
use crate::infra::time;
use crate::mail::{self, Letter, quota};
use crate::session::routes::throttle;
use crate::session::store::SignedIn;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/account/email", get(show).post(change))
        .route("/account/email/confirm", post(confirm))
}

fn waiting_json(change: &email::Change) -> Value {
    json!({"address": change.address, "expiresAt": time::rfc3339(change.expires_at)})
}

async fn show(State(state): State<AppState>, signed_in: SignedIn) -> Result<Json<Value>, ApiError> {
    let mut conn = state.store.conn().await?;
    let user = store::by_id(&mut conn, signed_in.session.user_id).await?;
    let waiting = email::waiting(&mut conn, user.id, time::now()).await?;
    Ok(Json(json!({
        "address": user.email,
        "waiting": waiting.as_ref().map(waiting_json),
        "canSend": state.mailer.can_send(),
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewAddress {
    address: String,
    password: String,
}

/// Sends a code to the new address; the account's address stays as it is until it comes back.
async fn change(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Body(new): Body<NewAddress>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let address = new.address.trim().to_string();
    if !mail::is_address(&address) {
        return Err(ApiError::BadRequest(
            "Enter an email address in the right format, like name@example.com.".into(),
        ));
    }
    if !state.mailer.can_send() {
        return Err(ApiError::MailNotSent);
    }
    let user = with_password(&state, &signed_in, new.password, "email-change-requested").await?;
    if user
        .email
        .as_deref()
        .is_some_and(|old| old.eq_ignore_ascii_case(&address))
    {
        return Err(ApiError::Conflict(
            "That is already your email address.".into(),
        ));
    }
    let now = time::now();
    let (code, change) = {
        let (user_id, address) = (user.id, address.clone());
        let network = signed_in.client.network();
        async {
            let mut conn = state.store.conn().await?;
            quota::reserve(&mut conn, user_id, &network, quota::Kind::AddressCode, now).await?;
            Ok::<_, ApiError>(email::start_change(&mut conn, user_id, &address, now).await?)
        }
        .await?
    };
    let letter = code_letter(&state, &user, &change.address, &code);
    if let Err(e) = state.mailer.send(&state.mail_from(), letter).await {
        let user_id = user.id;
        async {
            Ok::<_, ApiError>(email::forget_change(&mut *state.store.conn().await?, user_id).await?)
        }
        .await?;
        return Err(e);
    }
    let event = Event::new("email-change-requested")
        .user(Some(user.id))
        .session(&signed_in.session)
        .client(&signed_in.client);
    async { Ok::<_, ApiError>(event.record(&mut *state.store.conn().await?).await?) }.await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({"waiting": waiting_json(&change)})),
    ))
}

/// The code from the new address: the address changes, and the old one is told.
async fn confirm(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Body(typed): Body<Code>,
) -> Result<Json<Value>, ApiError> {
    let now = time::now();
    throttle(&state, &signed_in.client, None, now).await?;
    let network = signed_in.client.network();
    let outcome = async {
        let mut conn = state.store.conn().await?;
        let user = store::by_id(&mut conn, signed_in.session.user_id).await?;
        let event = Event::new("email-changed")
            .user(Some(user.id))
            .session(&signed_in.session)
            .client(&signed_in.client);
        let result = match email::confirm(&mut conn, user.id, &typed.code, now).await? {
            Confirmed::Changed(address) => Ok(address),
            Confirmed::Wrong => Err(ApiError::InvalidCode),
            Confirmed::WrongTooOften => Err(ApiError::Conflict(
                "That code was wrong too many times. Ask for a new code.".into(),
            )),
            Confirmed::NothingWaiting => Err(ApiError::Conflict(
                "The code has expired. Ask for a new one.".into(),
            )),
        };
        match &result {
            Ok(_) => event.record(&mut conn).await?,
            Err(e) => event.refused(e).record(&mut conn).await?,
        };
        Ok::<_, ApiError>(result.map(|address| (user, address)))
    }
    .await?;
    let (user, address) = match outcome {
        Ok(done) => done,
        Err(e) => {
            crate::session::routes::failed_step(&state, &network, now).await?;
            return Err(e);
        }
    };
    if let Some(old) = user.email.as_deref().filter(|old| *old != address) {
        // The change stands whether or not this reaches the old address; the log says if not.
        let _ = state
            .mailer
            .send(&state.mail_from(), changed_letter(&state, &user, old))
            .await;
    }
    Ok(Json(json!({"address": address})))
}

fn code_letter(state: &AppState, user: &User, to: &str, code: &str) -> Letter {
    let org = &state.info.organization.name;
    Letter {
        to: to.to_string(),
        subject: format!("Your code to confirm your email address for the {org} patient portal"),
        body: format!(
            "Hello {name},\n\n\
             To use this email address for your {org} patient portal account, enter this code \
             where you asked for it:\n\n    {code}\n\n\
             The code works for 30 minutes.\n\n\
             If you did not ask for this, you can ignore this email: nothing changes without the \
             code. It holds no health information.\n\n\
             {org}\n",
            name = user.display_name,
        ),
    }
}

fn changed_letter(state: &AppState, user: &User, old: &str) -> Letter {
    let org = &state.info.organization.name;
    let desk = &state.info.help_desk;
    Letter {
        to: old.to_string(),
        subject: format!("The email address for your {org} patient portal account has changed"),
        body: format!(
            "Hello {name},\n\n\
             The email address for your {org} patient portal account was changed just now. \
             Emails from the portal will go to the new address, not this one.\n\n\
             If you made this change, there is nothing more to do.\n\n\
             If you did not, someone else may be using your account. Call the help desk on \
             {phone} ({hours}) as soon as you can.\n\n\
             {org}\n",
            name = user.display_name,
            phone = desk.phone,
            hours = desk.hours,
        ),
    }
}
