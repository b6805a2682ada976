//! Passkeys as a phone makes them, for the portal tests: a software authenticator
//! (webauthn-authenticator-rs) that verifies its user, against a portal with a public address.

use super::{Answer, Portal};
use axum::http::StatusCode;
use serde_json::{Value, json};
use webauthn_authenticator_rs::WebauthnAuthenticator;
use webauthn_authenticator_rs::softpasskey::SoftPasskey;
use webauthn_rs::prelude::{
    CreationChallengeResponse, PublicKeyCredential, RequestChallengeResponse, Url,
};
use webauthn_rs_proto::{AllowCredentials, ResidentKeyRequirement};

pub const ORIGIN: &str = "http://localhost:8080";

pub async fn portal() -> Portal {
    super::portal_with(&format!("--public-url {ORIGIN}"), None).await
}

/// A portal with passkeys whose email goes to a fresh outbox, and that folder.
pub async fn portal_with_outbox() -> (Portal, std::path::PathBuf) {
    super::portal_with_outbox(&format!("--public-url {ORIGIN}")).await
}

pub fn origin() -> Url {
    Url::parse(ORIGIN).unwrap()
}

/// A phone's passkey: a software authenticator that verifies its user, and what a phone keeps
/// beside a discoverable credential (its id and the account's user handle), which the software
/// one does not.
pub struct Phone {
    pub device: SoftPasskey,
    credential: Vec<u8>,
    handle: Vec<u8>,
}

impl Phone {
    pub fn new() -> Self {
        Self {
            device: SoftPasskey::new(true),
            credential: Vec::new(),
            handle: Vec::new(),
        }
    }

    /// Answers a sign-in challenge for `origin`, as a browser does with a discoverable passkey:
    /// the authenticator finds its credential and returns the user handle beside its signature.
    pub fn answer(
        &mut self,
        at: Url,
        mut options: RequestChallengeResponse,
    ) -> PublicKeyCredential {
        options.public_key.allow_credentials = vec![AllowCredentials {
            type_: "public-key".into(),
            id: self.credential.clone(),
            transports: None,
        }];
        let mut assertion = self.device.do_authentication(at, options).unwrap();
        assertion.response.user_handle = Some(self.handle.clone());
        assertion
    }
}

impl Portal {
    /// Adds a passkey made by `phone` to the account signed in with `cookie`.
    pub async fn add_passkey(&self, cookie: &str, phone: &mut Phone, name: &str) -> Answer {
        let options = self
            .call(
                "POST",
                "/api/v1/account/passkeys/options",
                Some(cookie),
                Some(json!({"password": super::PASSWORD})),
            )
            .await;
        assert_eq!(options.status, StatusCode::OK, "{:?}", options.body);
        let mut challenge: CreationChallengeResponse =
            serde_json::from_value(options.body["options"].clone()).unwrap();
        let selection = challenge
            .public_key
            .authenticator_selection
            .as_mut()
            .unwrap();
        assert!(selection.require_resident_key, "a passkey the device keeps");
        // The software authenticator keeps no credentials itself: `Phone` keeps them for it.
        selection.require_resident_key = false;
        selection.resident_key = Some(ResidentKeyRequirement::Discouraged);
        phone.handle = challenge.public_key.user.id.clone();
        let credential = phone.device.do_registration(origin(), challenge).unwrap();
        phone.credential = credential.raw_id.clone();
        self.call(
            "POST",
            "/api/v1/account/passkeys",
            Some(cookie),
            Some(json!({"ceremony": options.body["ceremony"], "name": name, "credential": credential})),
        )
        .await
    }

    /// A sign-in challenge: its token and the options for the authenticator.
    pub async fn challenge(&self) -> (Value, RequestChallengeResponse) {
        let (ceremony, options, _) = self.challenge_answer().await;
        (ceremony, options)
    }

    /// A sign-in challenge, with the answer it came in (for the contract test).
    pub async fn challenge_answer(&self) -> (Value, RequestChallengeResponse, Answer) {
        let options = self
            .call(
                "POST",
                "/api/v1/session/passkey/options",
                None,
                Some(json!({})),
            )
            .await;
        assert_eq!(options.status, StatusCode::OK, "{:?}", options.body);
        (
            options.body["ceremony"].clone(),
            serde_json::from_value(options.body["options"].clone()).unwrap(),
            options,
        )
    }

    pub async fn sign_in_with_passkey(
        &self,
        ceremony: &Value,
        credential: &PublicKeyCredential,
    ) -> Answer {
        self.call(
            "POST",
            "/api/v1/session/passkey",
            None,
            Some(json!({"ceremony": ceremony, "credential": credential})),
        )
        .await
    }
}
