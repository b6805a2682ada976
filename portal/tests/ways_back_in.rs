//! No way back in that outlives the password: a stolen session (its cookie, not the password)
//! cannot add or remove a passkey or turn on two-step sign-in; each change is emailed to the
//! account's address without health information; "someone else is using my account" takes away
//! every passkey and a recently planted two-step sign-in; closing removes passkeys; the help desk
//! lists and removes them.

mod common;

use axum::http::StatusCode;
use carefront_portal::accounts::commands::{UserCommand, run};
use carefront_portal::infra::time;
use carefront_portal::session::totp;
use common::passkeys::{Phone, origin};
use common::{PASSWORD, Portal, outbox};
use serde_json::json;

impl Portal {
    async fn passkeys_of(&self, username: &str) -> i64 {
        self.count(&format!(
            "SELECT count(*) FROM passkeys JOIN users ON users.id = passkeys.user_id
             WHERE users.username = '{username}'"
        ))
        .await
    }

    async fn report_compromise(&self, cookie: &str) -> common::Answer {
        self.post(
            "/api/v1/account/compromised",
            cookie,
            json!({"current": PASSWORD, "new": "kettle orbit velvet pine"}),
        )
        .await
    }
}

const HEALTH_WORDS: [&str; 6] = [
    "result",
    "allerg",
    "medicine",
    "Ann Carter",
    "diagnos",
    "record of",
];

#[tokio::test]
async fn a_stolen_session_cannot_add_a_passkey_remove_one_or_turn_on_two_step() {
    let (p, _) = common::passkeys::portal_with_outbox().await;
    // The thief has Ann's cookie, not her password.
    let stolen = p.signed_in("ann").await;
    for (path, body) in [
        ("/api/v1/account/passkeys/options", json!({})),
        (
            "/api/v1/account/passkeys/options",
            json!({"password": "guess"}),
        ),
        ("/api/v1/account/two-step/setup", json!({})),
        (
            "/api/v1/account/two-step/setup",
            json!({"password": "guess"}),
        ),
    ] {
        let answer = p.post(path, &stolen, body.clone()).await;
        assert!(
            matches!(
                answer.status,
                StatusCode::BAD_REQUEST | StatusCode::UNAUTHORIZED
            ),
            "{path} {body}: {:?}",
            answer
        );
        assert!(answer.body.get("options").is_none() && answer.body.get("secret").is_none());
    }
    assert_eq!(
        p.audit_count("action IN ('passkey-added', 'two-step-turned-on') AND outcome != 'success'")
            .await,
        2,
        "each wrong password is audited"
    );

    // Ann herself adds one; the thief cannot take it away without the password either.
    let mut phone = Phone::new();
    let added = p.add_passkey(&stolen, &mut phone, "My phone").await;
    assert_eq!(added.status, StatusCode::OK);
    let id = p.get("/api/v1/account/passkeys", &stolen).await.body["passkeys"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let remove = format!("/api/v1/account/passkeys/{id}/remove");
    for body in [json!({}), json!({"password": "guess"})] {
        assert_ne!(p.post(&remove, &stolen, body).await.status, StatusCode::OK);
    }
    assert_eq!(p.passkeys_of("ann").await, 1);
    // Wrong passwords here count against the same lockout as signing in.
    assert!(
        p.audit_count("action = 'passkey-removed' AND outcome != 'success'")
            .await
            >= 1
    );
}

#[tokio::test]
async fn each_new_way_in_is_emailed_to_the_account_without_health_information() {
    let (p, mail) = common::passkeys::portal_with_outbox().await;
    let ann = p.signed_in("ann").await;
    let mut phone = Phone::new();
    // Whatever the changer types does not reach the email.
    let added = p
        .add_passkey(&ann, &mut phone, "Call 0800 000 000 now")
        .await;
    assert_eq!(added.status, StatusCode::OK);
    let id = added.body["id"].as_str().unwrap().to_string();
    p.turn_on_two_step(&ann).await;
    let removed = p
        .post(
            &format!("/api/v1/account/passkeys/{id}/remove"),
            &ann,
            json!({"password": PASSWORD}),
        )
        .await;
    assert_eq!(removed.status, StatusCode::OK);

    let mails = outbox(&mail);
    assert_eq!(mails.len(), 3, "{mails:#?}");
    for subject in [
        "A passkey was added to your account",
        "Two-step sign-in was turned on",
        "A passkey was removed from your account",
    ] {
        let letter = mails
            .iter()
            .find(|m| m.contains(subject))
            .unwrap_or_else(|| panic!("no email: {subject}"));
        assert!(letter.contains("To: ann.carter@example.org"), "{letter}");
        assert!(letter.contains("someone else may be using your account"));
        assert!(letter.contains("today"), "when, in words: {letter}");
        assert!(!letter.contains("0800 000 000"), "typed text stays out");
        for word in HEALTH_WORDS {
            assert!(!letter.contains(word), "{word} in {letter}");
        }
    }
}

#[tokio::test]
async fn reporting_someone_else_removes_every_passkey_and_a_two_step_planted_since_the_oldest_session()
 {
    let (p, _) = common::passkeys::portal_with_outbox().await;
    // Ann on her phone; someone with her password in a second browser adds a passkey and their
    // own authenticator app.
    let ann = p.signed_in("ann").await;
    let theirs = p.signed_in("ann").await;
    let mut their_phone = Phone::new();
    assert_eq!(
        p.add_passkey(&theirs, &mut their_phone, "Mine now")
            .await
            .status,
        StatusCode::OK
    );
    let (their_secret, _) = p.turn_on_two_step(&theirs).await;

    let reported = p.report_compromise(&ann).await;
    assert_eq!(reported.status, StatusCode::OK, "{:?}", reported.body);
    assert_eq!(reported.body["passkeysRemoved"], 1);
    assert_eq!(reported.body["twoStepTurnedOff"], true);
    assert_eq!(p.passkeys_of("ann").await, 0);
    assert_eq!(
        p.get("/api/v1/account/sessions", &theirs).await.status,
        StatusCode::UNAUTHORIZED
    );

    // Their passkey signs no one in, and their app is no second step.
    let (ceremony, options) = p.challenge().await;
    let assertion = their_phone.answer(origin(), options);
    assert_eq!(
        p.sign_in_with_passkey(&ceremony, &assertion).await.reason(),
        "passkey-not-accepted"
    );
    let fresh = p.sign_in("ann", "kettle orbit velvet pine").await;
    assert_eq!(fresh.body["status"], "signed-in", "{:?}", fresh.body);
    assert!(totp::current_code(&their_secret, time::now()).is_some());
}

#[tokio::test]
async fn two_step_turned_on_before_every_session_began_is_kept_when_someone_else_is_reported() {
    let p = common::portal().await;
    // Ben's app was set up long before he signed in today.
    let ben = p.signed_in("ben").await;
    p.exec(&format!(
        "UPDATE users SET two_step_since = {} WHERE username = 'ben'",
        time::now() - 30 * 86_400
    ))
    .await;
    let reported = p.report_compromise(&ben).await;
    assert_eq!(reported.status, StatusCode::OK, "{:?}", reported.body);
    assert_eq!(reported.body["twoStepTurnedOff"], false);
    let again = p.sign_in("ben", "kettle orbit velvet pine").await;
    assert_eq!(again.body["status"], "second-factor-required");
}

#[tokio::test]
async fn closing_an_account_removes_its_passkeys_and_the_help_desk_can_remove_one() {
    let p = common::passkeys::portal().await;
    let ann = p.signed_in("ann").await;
    let ben = p.signed_in("ben").await;
    for (cookie, name) in [
        (&ann, "Ann's phone"),
        (&ben, "Ben's phone"),
        (&ben, "Ben's laptop"),
    ] {
        let mut phone = Phone::new();
        assert_eq!(
            p.add_passkey(cookie, &mut phone, name).await.status,
            StatusCode::OK
        );
    }
    let closed = p
        .post("/api/v1/account/close", &ann, json!({"password": PASSWORD}))
        .await;
    assert_eq!(closed.status, StatusCode::OK);
    assert_eq!(p.passkeys_of("ann").await, 0);

    // Ben lost his laptop and calls the help desk.
    let laptop = p
        .count("SELECT id FROM passkeys WHERE name = 'Ben''s laptop'")
        .await;
    let no_key = || Err::<_, String>("no key needed".into());
    let ours = run(
        &p.state.store,
        UserCommand::Passkeys {
            username: "ann".into(),
            remove: Some(laptop),
        },
        no_key,
    );
    assert!(
        ours.await.is_err(),
        "another account's passkey is not removed"
    );
    run(
        &p.state.store,
        UserCommand::Passkeys {
            username: "ben".into(),
            remove: Some(laptop),
        },
        no_key,
    )
    .await
    .unwrap();
    assert_eq!(p.passkeys_of("ben").await, 1);
    assert_eq!(
        p.audit_count("action = 'passkey-removed' AND detail LIKE 'by the operator%'")
            .await,
        1
    );
}
