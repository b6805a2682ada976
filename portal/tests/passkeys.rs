//! Passkeys against a software authenticator (webauthn-authenticator-rs): added by a signed-in
//! patient, used to sign in without a username (both factors at once), named, listed, removed;
//! and refused when the origin is wrong, user verification is missing, the counter goes back,
//! or a challenge is answered twice.

mod common;

use axum::http::StatusCode;
use common::passkeys::{Phone, origin};
use common::{PASSWORD, Portal};
use serde_json::{Value, json};
use webauthn_authenticator_rs::WebauthnAuthenticator;
use webauthn_authenticator_rs::softpasskey::SoftPasskey;
use webauthn_rs::prelude::{CreationChallengeResponse, Url};
use webauthn_rs_proto::UserVerificationPolicy;

async fn portal() -> Portal {
    common::passkeys::portal().await
}

#[tokio::test]
async fn a_passkey_added_while_signed_in_signs_in_without_a_username_or_code() {
    let p = portal().await;
    // Ben has an authenticator app: a passkey is both factors at once.
    let ben = p.signed_in("ben").await;
    let mut phone = Phone::new();
    let added = p.add_passkey(&ben, &mut phone, "  Ben's phone  ").await;
    assert_eq!(added.status, StatusCode::OK, "{:?}", added.body);
    assert_eq!(added.body["name"], "Ben's phone");

    let (ceremony, options) = p.challenge().await;
    assert!(
        options.public_key.allow_credentials.is_empty(),
        "the challenge names no account"
    );
    let assertion = phone.answer(origin(), options);
    let signed_in = p.sign_in_with_passkey(&ceremony, &assertion).await;
    assert_eq!(signed_in.status, StatusCode::OK, "{:?}", signed_in.body);
    assert_eq!(signed_in.body["status"], "signed-in");
    assert_eq!(signed_in.body["user"]["username"], "ben");
    let cookie = signed_in.cookie();
    assert_eq!(
        p.get("/api/v1/account/sessions", &cookie).await.status,
        StatusCode::OK
    );
    // The same answer again: its challenge is gone.
    assert_eq!(
        p.sign_in_with_passkey(&ceremony, &assertion).await.reason(),
        "passkey-not-accepted"
    );

    let list = p.get("/api/v1/account/passkeys", &cookie).await;
    assert_eq!(list.body["available"], true);
    let keys = list.body["passkeys"].as_array().unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0]["name"], "Ben's phone");
    assert!(keys[0]["lastUsedAt"].is_string());
    assert_eq!(
        p.audit_count("action = 'signed-in' AND detail = 'passkey'")
            .await,
        1
    );
    assert_eq!(
        p.audit_count("action = 'passkey-added' AND outcome = 'success'")
            .await,
        1
    );

    // Someone else cannot remove it; Ben can, and then it signs no one in.
    let id = keys[0]["id"].as_str().unwrap().to_string();
    let ann = p.signed_in("ann").await;
    let theirs = p
        .post(
            &format!("/api/v1/account/passkeys/{id}/remove"),
            &ann,
            json!({"password": PASSWORD}),
        )
        .await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND);
    let removed = p
        .post(
            &format!("/api/v1/account/passkeys/{id}/remove"),
            &cookie,
            json!({"password": PASSWORD}),
        )
        .await;
    assert_eq!(removed.status, StatusCode::OK);
    assert_eq!(p.audit_count("action = 'passkey-removed'").await, 1);
    let (ceremony, options) = p.challenge().await;
    let assertion = phone.answer(origin(), options);
    assert_eq!(
        p.sign_in_with_passkey(&ceremony, &assertion).await.reason(),
        "passkey-not-accepted"
    );
}

#[tokio::test]
async fn an_assertion_made_for_another_origin_is_refused() {
    let p = portal().await;
    let ann = p.signed_in("ann").await;
    let mut phone = Phone::new();
    p.add_passkey(&ann, &mut phone, "Phone").await;
    let (ceremony, options) = p.challenge().await;
    // Another site on the same host (another port) asks the same authenticator, whose answer
    // then reaches this portal.
    let elsewhere = Url::parse("http://localhost:9090").unwrap();
    let assertion = phone.answer(elsewhere, options);
    let refused = p.sign_in_with_passkey(&ceremony, &assertion).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert_eq!(refused.reason(), "passkey-not-accepted");
    assert!(
        p.audit_count(
            "action = 'sign-in-refused' AND detail LIKE 'passkey-not-accepted: passkey: %origin%'"
        )
        .await
            >= 1
    );
}

#[tokio::test]
async fn a_passkey_without_user_verification_is_refused() {
    let p = portal().await;
    let ann = p.signed_in("ann").await;
    let mut phone = Phone::new();
    p.add_passkey(&ann, &mut phone, "Phone").await;
    let (ceremony, mut options) = p.challenge().await;
    // The browser is told user verification is not needed: the authenticator only checks
    // presence, and says so in what it signs.
    options.public_key.user_verification = UserVerificationPolicy::Discouraged_DO_NOT_USE;
    let assertion = phone.answer(origin(), options);
    assert_eq!(
        p.sign_in_with_passkey(&ceremony, &assertion).await.reason(),
        "passkey-not-accepted"
    );

    // Nor can one be added without it.
    let options = p
        .post(
            "/api/v1/account/passkeys/options",
            &ann,
            json!({"password": PASSWORD}),
        )
        .await;
    let mut challenge: CreationChallengeResponse =
        serde_json::from_value(options.body["options"].clone()).unwrap();
    let selection = challenge
        .public_key
        .authenticator_selection
        .as_mut()
        .unwrap();
    selection.user_verification = UserVerificationPolicy::Discouraged_DO_NOT_USE;
    selection.require_resident_key = false;
    let credential = SoftPasskey::new(false)
        .do_registration(origin(), challenge)
        .unwrap();
    let refused = p
        .post(
            "/api/v1/account/passkeys",
            &ann,
            json!({"ceremony": options.body["ceremony"], "name": "Key", "credential": credential}),
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        p.audit_count("action = 'passkey-added' AND outcome = 'refused'")
            .await,
        1
    );
}

#[tokio::test]
async fn a_counter_that_goes_back_is_refused_as_a_possible_copy() {
    let p = portal().await;
    let ann = p.signed_in("ann").await;
    let mut phone = Phone::new();
    p.add_passkey(&ann, &mut phone, "Phone").await;
    let (ceremony, options) = p.challenge().await;
    let first = phone.answer(origin(), options);
    assert_eq!(
        p.sign_in_with_passkey(&ceremony, &first).await.status,
        StatusCode::OK
    );
    // The portal has seen a later count than this device will now give (as when a copy of the
    // key has been used elsewhere).
    let stored: String = sqlx::query_scalar("SELECT passkey FROM passkeys")
        .fetch_one(&mut *p.state.store.conn().await.unwrap())
        .await
        .unwrap();
    let mut passkey: Value = serde_json::from_str(&stored).unwrap();
    passkey["cred"]["counter"] = json!(1000);
    sqlx::query("UPDATE passkeys SET passkey = $1")
        .bind(passkey.to_string())
        .execute(&mut *p.state.store.conn().await.unwrap())
        .await
        .unwrap();
    let (ceremony, options) = p.challenge().await;
    let behind = phone.answer(origin(), options);
    assert_eq!(
        p.sign_in_with_passkey(&ceremony, &behind).await.reason(),
        "passkey-not-accepted"
    );
}

#[tokio::test]
async fn passkeys_are_refused_where_the_account_may_not_sign_in_and_guessing_is_throttled() {
    let p = portal().await;
    let ann = p.signed_in("ann").await;
    let mut phone = Phone::new();
    p.add_passkey(&ann, &mut phone, "Phone").await;
    p.post("/api/v1/account/close", &ann, json!({"password": PASSWORD}))
        .await;
    // Closing took the passkey away with it.
    let (ceremony, options) = p.challenge().await;
    let assertion = phone.answer(origin(), options);
    assert_eq!(
        p.sign_in_with_passkey(&ceremony, &assertion).await.reason(),
        "passkey-not-accepted"
    );
    // A turned-off account keeps its passkeys, and they do not sign it in.
    let ben = p.signed_in("ben").await;
    let mut bens = Phone::new();
    p.add_passkey(&ben, &mut bens, "Phone").await;
    p.exec("UPDATE users SET disabled_at = 1 WHERE username = 'ben'")
        .await;
    let (ceremony, options) = p.challenge().await;
    let assertion = bens.answer(origin(), options);
    assert_eq!(
        p.sign_in_with_passkey(&ceremony, &assertion).await.reason(),
        "account-disabled"
    );

    // Made-up answers count against the network like wrong passwords.
    let mut last = None;
    for _ in 0..25 {
        let (ceremony, _) = p.challenge().await;
        last = Some(p.sign_in_with_passkey(&ceremony, &assertion).await);
    }
    assert_eq!(last.unwrap().status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn a_portal_without_a_public_address_offers_no_passkeys() {
    let p = common::portal().await;
    let refused = p
        .call(
            "POST",
            "/api/v1/session/passkey/options",
            None,
            Some(json!({})),
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    let ann = p.signed_in("ann").await;
    assert_eq!(
        p.get("/api/v1/account/passkeys", &ann).await.body["available"],
        false
    );
}

#[tokio::test]
async fn sign_in_challenges_are_rationed_per_network_and_their_table_is_bounded() {
    use carefront_portal::passkeys::{CHALLENGES_PER_WINDOW, store};
    let p = portal().await;
    let ask = |peer: String| {
        let p = p.clone();
        async move {
            p.send(
                common::Call::new("POST", "/api/v1/session/passkey/options")
                    .from(&peer)
                    .json(json!({})),
            )
            .await
        }
    };
    for _ in 0..CHALLENGES_PER_WINDOW {
        assert_eq!(ask("192.0.2.7".into()).await.status, StatusCode::OK);
    }
    let flooded = ask("192.0.2.7".into()).await;
    assert_eq!(flooded.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(flooded.headers.contains_key("retry-after"));
    assert_eq!(
        ask("198.51.100.9".into()).await.status,
        StatusCode::OK,
        "another network still signs in"
    );

    // However many networks ask, the challenges kept stay bounded, newest kept.
    let mut conn = p.state.store.conn().await.unwrap();
    for n in 0..store::MAX_WAITING + 50 {
        store::begin(&mut conn, "authentication", None, &n, time_now())
            .await
            .unwrap();
    }
    drop(conn);
    let kept = p
        .count("SELECT count(*) FROM webauthn_ceremonies WHERE user_id IS NULL")
        .await;
    assert!(
        (store::MAX_WAITING - 10..=store::MAX_WAITING).contains(&kept),
        "{kept}"
    );
}

fn time_now() -> i64 {
    carefront_portal::infra::time::now()
}
