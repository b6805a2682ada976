//! `/account/passkeys…` (a signed-in patient's passkeys) and `/session/passkey…` (signing in with
//! one). Each ceremony's challenge state is kept by the portal and used once; the browser holds
//! only a token naming it.

use super::store;
use crate::AppState;
use crate::accounts;
use crate::accounts::notices::{self, Change};
use crate::accounts::routes::{Password, with_password};
use crate::audit::Event;
use crate::infra::client::Client;
use crate::infra::error::ApiError;
use crate::infra::http::Body;
use crate::infra::store::Conn;
use crate::infra::time;
use crate::session::routes::{signed_in, throttle};
use crate::session::store::SignedIn;
use crate::session::throttle::{self as network_failures, Kind};
use axum::Json;
use axum::extract::{Path, State};
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;
use webauthn_rs::Webauthn;
use webauthn_rs::prelude::{
    DiscoverableAuthentication, PasskeyRegistration, PublicKeyCredential,
    RegisterPublicKeyCredential,
};
use webauthn_rs_proto::ResidentKeyRequirement;

const REGISTRATION: &str = "registration";
const AUTHENTICATION: &str = "authentication";
/// The longest name a patient may give a passkey.
const NAME_LIMIT: usize = 60;

fn relying_party(state: &AppState) -> Result<Arc<Webauthn>, ApiError> {
    state.passkeys.clone().ok_or(ApiError::Conflict(
        "Passkeys are not available on this portal.".into(),
    ))
}

/// A challenge for the browser: the token naming its kept state, and the options to pass on.
async fn challenge(
    conn: &mut Conn,
    kind: &str,
    user_id: Option<i64>,
    state: &impl serde::Serialize,
    options: &impl serde::Serialize,
) -> Result<Json<Value>, ApiError> {
    let ceremony = store::begin(conn, kind, user_id, state, time::now()).await?;
    Ok(Json(json!({"ceremony": ceremony, "options": options})))
}

/// The patient's passkeys: name, when added, when last used.
pub async fn list(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> Result<Json<Value>, ApiError> {
    let mut conn = state.store.conn().await?;
    let list: Vec<Value> = store::of_user(&mut conn, signed_in.session.user_id)
        .await?
        .iter()
        .map(|p| {
            json!({
                "id": p.id.to_string(),
                "name": p.name,
                "createdAt": time::rfc3339(p.created_at),
                "lastUsedAt": p.last_used_at.map(time::rfc3339),
            })
        })
        .collect();
    Ok(Json(
        json!({"available": state.passkeys.is_some(), "passkeys": list}),
    ))
}

/// A challenge to make a passkey with, once the password is given again (a passkey signs in on
/// its own, so a stolen session must not be able to plant one): user verification and a
/// discoverable credential required, the account's passkeys already made excluded.
pub async fn add_options(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Body(given): Body<Password>,
) -> Result<Json<Value>, ApiError> {
    let webauthn = relying_party(&state)?;
    with_password(&state, &signed_in, given.password, "passkey-added").await?;
    let mut conn = state.store.conn().await?;
    let user = accounts::by_id(&mut conn, signed_in.session.user_id).await?;
    let handle = store::handle(&mut conn, user.id).await?;
    let existing = store::of_user(&mut conn, user.id)
        .await?
        .iter()
        .map(|p| p.passkey.cred_id().clone())
        .collect();
    let (mut options, registration) = webauthn
        .start_passkey_registration(handle, &user.username, &user.display_name, Some(existing))
        .map_err(|_| ApiError::Internal)?;
    // Signing in names no account, so the device must keep the credential itself.
    if let Some(selection) = options.public_key.authenticator_selection.as_mut() {
        selection.resident_key = Some(ResidentKeyRequirement::Required);
        selection.require_resident_key = true;
    }
    challenge(
        &mut conn,
        REGISTRATION,
        Some(user.id),
        &registration,
        &options,
    )
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewPasskey {
    ceremony: String,
    name: String,
    credential: RegisterPublicKeyCredential,
}

/// The browser's new credential, checked against the challenge; kept under the patient's name
/// for it.
pub async fn add(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Body(new): Body<NewPasskey>,
) -> Result<Json<Value>, ApiError> {
    let webauthn = relying_party(&state)?;
    let name = new.name.trim().to_string();
    if name.is_empty() || name.chars().count() > NAME_LIMIT {
        return Err(ApiError::BadRequest(format!(
            "Give the passkey a name of 1 to {NAME_LIMIT} characters, such as \u{201c}My phone\u{201d}."
        )));
    }
    let user_id = signed_in.session.user_id;
    let added = async {
            let mut conn = state.store.conn().await?;
            let SignedIn { session, client } = signed_in;
            let user_id = session.user_id;
            let event = || {
                Event::new("passkey-added")
                    .user(Some(user_id))
                    .session(&session)
                    .client(&client)
            };
            let refused = async {
                let Some(registration) = store::take::<PasskeyRegistration>(
                    &mut conn,
                    &new.ceremony,
                    REGISTRATION,
                    Some(user_id),
                    time::now(),
                )
                .await?
                else {
                    return Err(ApiError::Conflict(
                        "That took too long. Try adding the passkey again.".into(),
                    ));
                };
                let passkey = webauthn
                    .finish_passkey_registration(&new.credential, &registration)
                    .map_err(|e| {
                        tracing::info!(%e, "a passkey was refused");
                        ApiError::BadRequest(
                            "Your device did not make a passkey we can use. Try again, or use another device.".into(),
                        )
                    })?;
                store::add(&mut conn, user_id, &name, &passkey, time::now()).await
            }
            .await;
            let id = match refused {
                Ok(id) => id,
                Err(e) => {
                    event().refused(&e).record(&mut conn).await?;
                    return Err(e);
                }
            };
            event().detail(&name).record(&mut conn).await?;
            Ok::<_, ApiError>(Json(json!({"id": id.to_string(), "name": name})))
        }
        .await?;
    notices::tell(&state, user_id, Change::PasskeyAdded).await;
    Ok(added)
}

/// Removes a passkey, once the password is given again.
pub async fn remove(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    Body(given): Body<Password>,
) -> Result<Json<Value>, ApiError> {
    let id: i64 = id.parse().map_err(|_| ApiError::NotFound)?;
    let user_id = signed_in.session.user_id;
    with_password(&state, &signed_in, given.password, "passkey-removed").await?;
    let removed = async {
        let mut conn = state.store.conn().await?;
        let SignedIn { session, client } = signed_in;
        let name = store::remove(&mut conn, session.user_id, id)
            .await?
            .ok_or(ApiError::NotFound)?;
        Event::new("passkey-removed")
            .user(Some(session.user_id))
            .session(&session)
            .client(&client)
            .detail(&name)
            .record(&mut conn)
            .await?;
        Ok::<_, ApiError>(Json(json!({"removed": true})))
    }
    .await?;
    notices::tell(&state, user_id, Change::PasskeyRemoved).await;
    Ok(removed)
}

/// A challenge any passkey of this portal may answer: no username, so none is revealed. Each
/// one asked for counts against the network, since each is kept until answered or old.
pub async fn sign_in_options(
    State(state): State<AppState>,
    client: Client,
) -> Result<Json<Value>, ApiError> {
    let webauthn = relying_party(&state)?;
    let (network, now) = (client.network(), time::now());
    {
        let mut conn = state.store.conn().await?;
        if let Err(refused) =
            network_failures::check(&mut conn, Kind::PasskeyChallenge, &network, now).await
        {
            return Err(ApiError::TooManyAttempts {
                retry_after: refused.retry_after,
            });
        }
        network_failures::fail(&mut conn, Kind::PasskeyChallenge, &network, now).await?;
    }
    let (options, authentication) = webauthn
        .start_discoverable_authentication()
        .map_err(|_| ApiError::Internal)?;
    challenge(
        &mut *state.store.conn().await?,
        AUTHENTICATION,
        None,
        &authentication,
        &options,
    )
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Assertion {
    ceremony: String,
    credential: PublicKeyCredential,
}

/// Signing in with a passkey: the challenge once, the credential's account, the signature, user
/// verification and the counter, then a signed-in session (both factors at once). Every refusal
/// is the same to the browser, counted against its network and audited.
pub async fn sign_in(
    State(state): State<AppState>,
    client: Client,
    Body(assertion): Body<Assertion>,
) -> Result<Response, ApiError> {
    let now = time::now();
    throttle(&state, &client, None, now).await?;
    let webauthn = relying_party(&state)?;
    let network = client.network();
    let answer = async {
        let mut conn = state.store.conn().await?;
        // Why not, for the audit trail: the refusal, the account if known, and the detail.
        let checked = async {
            let Some(authentication) = store::take::<DiscoverableAuthentication>(
                &mut conn,
                &assertion.ceremony,
                AUTHENTICATION,
                None,
                now,
            )
            .await?
            else {
                return Ok(Err((None, "no such challenge".to_string())));
            };
            let Some((handle, credential)) = webauthn
                .identify_discoverable_authentication(&assertion.credential)
                .ok()
            else {
                return Ok(Err((None, "unknown passkey".to_string())));
            };
            let Some(mut stored) = store::by_credential(&mut conn, credential)
                .await
                .ok()
                .flatten()
            else {
                return Ok(Err((None, "unknown passkey".to_string())));
            };
            if store::user_of_handle(&mut conn, &handle).await? != Some(stored.user_id) {
                return Ok(Err((
                    Some(stored.user_id),
                    "user handle of another account".to_string(),
                )));
            }
            let result = match webauthn.finish_discoverable_authentication_v2(
                &assertion.credential,
                authentication,
                &stored.passkey,
            ) {
                Ok(result) => result,
                Err(e) => return Ok(Err((Some(stored.user_id), e.to_string()))),
            };
            stored.passkey.update_credential(&result);
            store::used(&mut conn, &stored, now).await?;
            Ok::<_, ApiError>(Ok(stored.user_id))
        }
        .await?;
        let (error, user, why) = match checked {
            Err((user, why)) => (ApiError::PasskeyNotAccepted, user, why),
            Ok(user_id) => {
                let user = accounts::by_id(&mut conn, user_id).await?;
                if user.closure_requested_at.is_some() {
                    (
                        ApiError::AccountClosed,
                        Some(user.id),
                        "account closed".into(),
                    )
                } else if user.disabled_at.is_some() {
                    (
                        ApiError::AccountDisabled,
                        Some(user.id),
                        "account off".into(),
                    )
                } else {
                    return signed_in(&state, &mut conn, &user, &client, "passkey").await;
                }
            }
        };
        Event::new("sign-in-refused")
            .refused(&error)
            .user(user)
            .client(&client)
            .detail(&format!("passkey: {why}"))
            .record(&mut conn)
            .await?;
        Err(error)
    }
    .await;
    if matches!(answer, Err(ApiError::PasskeyNotAccepted)) {
        crate::session::routes::failed_step(&state, &network, now).await?;
    }
    answer
}
