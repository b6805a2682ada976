//! Passkeys (WebAuthn, verified by the maintained `webauthn-rs` library): a signed-in patient
//! adds one (fingerprint, face, device PIN or security key), names it, sees when each was last
//! used and removes it; anyone signs in with one without typing a username. User verification is
//! required, so a passkey sign-in counts as both factors. The library checks the origin and
//! relying party, the signature, user verification and that the counter never goes back.

mod routes;
pub mod store;

/// Sign-in challenges one network may ask for in the throttle's window: a page opened every
/// second, far more than a hospital's shared connection needs, far fewer than a flood.
pub const CHALLENGES_PER_WINDOW: i64 = 300;

use crate::AppState;
use axum::Router;
use axum::routing::{get, post};
use std::sync::Arc;
use webauthn_rs::prelude::Url;
use webauthn_rs::{Webauthn, WebauthnBuilder};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/account/passkeys", get(routes::list).post(routes::add))
        .route("/account/passkeys/options", post(routes::add_options))
        .route("/account/passkeys/{id}/remove", post(routes::remove))
        .route("/session/passkey/options", post(routes::sign_in_options))
        .route("/session/passkey", post(routes::sign_in))
}

/// The relying party: the portal's public address and its host as the RP id. A browser takes
/// no IP address as an RP id, so a portal on this machine's loopback address is
/// `http://localhost:{port}` to passkeys. Without a public address there are no passkeys.
pub fn relying_party(public_url: Option<&str>, hospital: &str) -> Option<Arc<Webauthn>> {
    let mut origin = Url::parse(public_url?).ok()?;
    let loopback = origin
        .host_str()
        .and_then(|h| h.trim_matches(['[', ']']).parse::<std::net::IpAddr>().ok())
        .is_some_and(|ip| ip.is_loopback());
    if loopback {
        origin.set_host(Some("localhost")).ok()?;
    }
    let rp_id = origin.domain()?.to_string();
    let built = WebauthnBuilder::new(&rp_id, &origin)
        .ok()?
        .rp_name(hospital)
        .build();
    match built {
        Ok(webauthn) => Some(Arc::new(webauthn)),
        Err(e) => {
            tracing::error!(%e, "passkeys are off: the public address does not suit WebAuthn");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_relying_party_is_the_public_host_and_loopback_is_localhost() {
        assert!(relying_party(Some("https://portal.riverside.example"), "Riverside").is_some());
        assert!(relying_party(Some("http://127.0.0.1:8080"), "Riverside").is_some());
        assert!(relying_party(None, "Riverside").is_none());
        assert!(relying_party(Some("not a url"), "Riverside").is_none());
    }
}
