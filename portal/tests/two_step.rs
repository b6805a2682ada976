//! Two-step sign-in that a patient sets up and recovers themselves: the secret confirmed by its
//! first code, recovery codes once each, the password before codes are remade or two-step is
//! turned off, secrets sealed at rest, and a portal that requires a second factor.

mod common;

use axum::http::StatusCode;
use carefront_portal::infra::time;
use carefront_portal::session::totp;
use common::{PASSWORD, Portal};
use serde_json::{Value, json};

impl Portal {
    /// Ann, signed in, turns two-step on: her cookie, the secret and her recovery codes.
    async fn ann_with_two_step(&self) -> (String, String, Vec<String>) {
        let ann = self.ann().await;
        let (secret, on) = self.turn_on_two_step(&ann).await;
        (ann, secret, codes_in(&on.body))
    }

    async fn stored(&self, column: &str) -> Option<String> {
        sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT {column} FROM users WHERE username = 'ann'"
        )))
        .fetch_one(&mut *self.state.store.conn().await.unwrap())
        .await
        .unwrap()
    }

    /// A fresh sign-in waiting for its second step: its cookie.
    async fn waiting(&self, username: &str) -> String {
        let answer = self.sign_in(username, PASSWORD).await;
        assert_eq!(answer.body["status"], "second-factor-required");
        answer.cookie()
    }
}

fn code_now(secret: &str) -> String {
    totp::current_code(secret, time::now()).unwrap()
}

fn codes_in(body: &Value) -> Vec<String> {
    body["recoveryCodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn two_step_takes_effect_only_with_the_apps_first_code() {
    let p = common::portal().await;
    let ann = p.ann().await;
    let before = p.get("/api/v1/account/security", &ann).await;
    assert_eq!(before.status, StatusCode::OK);
    assert_eq!(before.body["twoStep"]["on"], false);
    assert_eq!(before.body["secondFactorRequired"], false);

    // Set-up asks for the password first; a wrong one makes no secret.
    let wrong = p
        .post(
            "/api/v1/account/two-step/setup",
            &ann,
            json!({"password": "not-her-password"}),
        )
        .await;
    assert_eq!(wrong.reason(), "invalid-credentials");
    let none = p
        .post("/api/v1/account/two-step/setup", &ann, json!({}))
        .await;
    assert_eq!(none.status, StatusCode::BAD_REQUEST);
    assert_eq!(p.stored("totp_pending_secret").await, None);
    let setup = p
        .post(
            "/api/v1/account/two-step/setup",
            &ann,
            json!({"password": PASSWORD}),
        )
        .await;
    let secret = setup.body["secret"].as_str().unwrap().to_string();
    assert_eq!(secret.len(), 32, "160 bits in base32");
    let uri = setup.body["uri"].as_str().unwrap();
    assert!(uri.starts_with("otpauth://totp/"), "{uri}");
    assert!(uri.contains(":ann?secret=") && uri.contains(&secret) && uri.contains("&issuer="));
    let waiting = p.stored("totp_pending_secret").await.unwrap();
    assert!(
        !waiting.contains(&secret),
        "sealed at rest, even while waiting"
    );
    assert_eq!(p.stored("totp_secret").await, None, "not in effect yet");
    // Not in effect yet: signing in still needs only the password.
    assert_eq!(p.sign_in("ann", PASSWORD).await.body["status"], "signed-in");

    let wrong = p
        .post(
            "/api/v1/account/two-step/confirm",
            &ann,
            json!({"code": "000000"}),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.reason(), "invalid-code");

    let on = p
        .post(
            "/api/v1/account/two-step/confirm",
            &ann,
            json!({"code": code_now(&secret)}),
        )
        .await;
    assert_eq!(on.status, StatusCode::OK);
    let codes = codes_in(&on.body);
    assert_eq!(codes.len(), 10);
    assert!(
        codes
            .iter()
            .all(|c| c.len() == 14 && c.matches('-').count() == 2)
    );
    let unique: std::collections::HashSet<_> = codes.iter().collect();
    assert_eq!(unique.len(), 10);
    let stored = p.stored("totp_secret").await.unwrap();
    assert!(
        !stored.contains(&secret) && stored.split('.').count() == 5,
        "a compact JWE"
    );
    let hashes = p.texts("SELECT code_hash FROM recovery_codes").await;
    assert_eq!(hashes.len(), 10);
    assert!(
        hashes
            .iter()
            .all(|h| !codes.iter().any(|c| h.contains(&c.replace('-', ""))))
    );

    let after = p.get("/api/v1/account/security", &ann).await;
    assert_eq!(after.body["twoStep"]["on"], true);
    assert_eq!(after.body["twoStep"]["recoveryCodesLeft"], 10);
    assert!(after.body["twoStep"]["since"].is_string());
    // Already on: neither a new secret nor a second confirmation.
    for (path, body) in [
        (
            "/api/v1/account/two-step/setup",
            json!({"password": PASSWORD}),
        ),
        (
            "/api/v1/account/two-step/confirm",
            json!({"code": "123456"}),
        ),
    ] {
        let again = p.post(path, &ann, body).await;
        assert_eq!(again.status, StatusCode::CONFLICT, "{path}");
    }
    assert_eq!(
        p.audit_count("action = 'two-step-turned-on' AND outcome = 'success'")
            .await,
        1
    );
    assert!(
        p.audit_count("action = 'two-step-turned-on' AND outcome = 'refused'")
            .await
            >= 1
    );

    // The code that turned it on was used: it cannot sign anyone in.
    let waiting = p.waiting("ann").await;
    let replay = p.code(&waiting, &code_now(&secret)).await;
    assert_eq!(replay.reason(), "invalid-code");
}

#[tokio::test]
async fn a_recovery_code_signs_in_once_however_it_is_typed() {
    let p = common::portal().await;
    let (_, _, codes) = p.ann_with_two_step().await;
    let typed = codes[3].to_lowercase().replace('-', " ");
    let waiting = p.waiting("ann").await;
    let answer = p.code(&waiting, &typed).await;
    assert_eq!(answer.status, StatusCode::OK, "{:?}", answer.body);
    assert_eq!(answer.body["status"], "signed-in");
    assert_eq!(answer.body["recoveryCodesLeft"], 9);
    assert_eq!(p.audit_count("action = 'recovery-code-used'").await, 1);

    let waiting = p.waiting("ann").await;
    let again = p.code(&waiting, &codes[3]).await;
    assert_eq!(again.status, StatusCode::UNAUTHORIZED);
    assert_eq!(again.reason(), "invalid-code");
    // Another account's code is no one else's way in.
    for not_a_code in ["K7Q2-9XMD-4TPA", "", "../../etc", "1234567"] {
        let waiting = p.waiting("ann").await;
        assert_eq!(
            p.code(&waiting, not_a_code).await.reason(),
            "invalid-code",
            "{not_a_code:?}"
        );
        p.exec("UPDATE users SET code_failures = 0, code_locked_until = NULL")
            .await;
    }
}

#[tokio::test]
async fn two_sign_ins_racing_with_one_recovery_code_let_one_in() {
    let p = common::portal().await;
    let (_, _, codes) = p.ann_with_two_step().await;
    let (first, second) = (p.waiting("ann").await, p.waiting("ann").await);
    let (a, b) = tokio::join!(p.code(&first, &codes[0]), p.code(&second, &codes[0]));
    let passed = [&a, &b]
        .iter()
        .filter(|x| x.status == StatusCode::OK)
        .count();
    assert_eq!(passed, 1, "{:?} {:?}", a.body, b.body);
}

#[tokio::test]
async fn wrong_codes_while_setting_up_pause_codes_as_at_sign_in() {
    let p = common::portal().await;
    let ann = p.ann().await;
    let secret = p.start_two_step(&ann).await;
    let mut last = None;
    for _ in 0..5 {
        last = Some(
            p.post(
                "/api/v1/account/two-step/confirm",
                &ann,
                json!({"code": "000000"}),
            )
            .await,
        );
    }
    assert_eq!(last.unwrap().reason(), "second-factor-locked");
    let right = p
        .post(
            "/api/v1/account/two-step/confirm",
            &ann,
            json!({"code": code_now(&secret)}),
        )
        .await;
    assert_eq!(
        right.status,
        StatusCode::LOCKED,
        "paused even for the right code"
    );
    assert_eq!(p.stored("totp_secret").await, None);
}

#[tokio::test]
async fn a_secret_left_waiting_runs_out() {
    let p = common::portal().await;
    let ann = p.ann().await;
    let secret = p.start_two_step(&ann).await;
    p.exec("UPDATE users SET totp_pending_at = totp_pending_at - 16 * 60 WHERE username = 'ann'")
        .await;
    let late = p
        .post(
            "/api/v1/account/two-step/confirm",
            &ann,
            json!({"code": code_now(&secret)}),
        )
        .await;
    assert_eq!(late.status, StatusCode::CONFLICT);
    assert!(late.body["title"].as_str().unwrap().contains("Start again"));
}

#[tokio::test]
async fn new_recovery_codes_and_turning_off_ask_for_the_password() {
    let p = common::portal().await;
    let (ann, _, old) = p.ann_with_two_step().await;
    for path in [
        "/api/v1/account/two-step/recovery-codes",
        "/api/v1/account/two-step/off",
    ] {
        let wrong = p.post(path, &ann, json!({"password": "not it"})).await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED, "{path}");
        assert_eq!(wrong.reason(), "invalid-credentials");
    }
    assert_eq!(
        p.audit_count(
            "action IN ('recovery-codes-replaced', 'two-step-turned-off') AND outcome = 'refused'"
        )
        .await,
        2
    );

    let fresh = p
        .post(
            "/api/v1/account/two-step/recovery-codes",
            &ann,
            json!({"password": PASSWORD}),
        )
        .await;
    assert_eq!(fresh.status, StatusCode::OK);
    let fresh = codes_in(&fresh.body);
    assert!(fresh.iter().all(|c| !old.contains(c)));
    let waiting = p.waiting("ann").await;
    assert_eq!(p.code(&waiting, &old[0]).await.reason(), "invalid-code");
    let waiting = p.waiting("ann").await;
    assert_eq!(
        p.code(&waiting, &fresh[0]).await.body["status"],
        "signed-in"
    );

    let off = p
        .post(
            "/api/v1/account/two-step/off",
            &ann,
            json!({"password": PASSWORD}),
        )
        .await;
    assert_eq!(off.status, StatusCode::OK);
    assert_eq!(p.stored("totp_secret").await, None);
    assert_eq!(p.sign_in("ann", PASSWORD).await.body["status"], "signed-in");
    let count = p.count("SELECT count(*) FROM recovery_codes").await;
    assert_eq!(count, 0);
    let again = p
        .post(
            "/api/v1/account/two-step/off",
            &ann,
            json!({"password": PASSWORD}),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn a_required_second_factor_is_set_up_before_anything_else() {
    let p = common::portal_with("--require-second-factor", None).await;
    let first = p.sign_in("ann", PASSWORD).await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(first.body["status"], "second-factor-setup-required");
    let setting_up = first.cookie();
    let session = p.get("/api/v1/session", &setting_up).await;
    assert_eq!(session.body["status"], "second-factor-setup-required");
    for closed in [
        "/api/v1/patients",
        "/api/v1/fhir/AllergyIntolerance?patient=demo-ann",
        "/api/v1/account/sessions",
        "/api/v1/privacy/demo-ann",
    ] {
        let refused = p.get(closed, &setting_up).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{closed}");
        assert_eq!(refused.reason(), "second-factor-setup-required", "{closed}");
    }
    let refused = p
        .post(
            "/api/v1/account/two-step/off",
            &setting_up,
            json!({"password": PASSWORD}),
        )
        .await;
    assert_eq!(refused.reason(), "second-factor-setup-required");
    let security = p.get("/api/v1/account/security", &setting_up).await;
    assert_eq!(security.body["secondFactorRequired"], true);

    let secret = p.start_two_step(&setting_up).await;
    let on = p
        .post(
            "/api/v1/account/two-step/confirm",
            &setting_up,
            json!({"code": code_now(&secret)}),
        )
        .await;
    assert_eq!(on.status, StatusCode::OK);
    assert_eq!(on.body["session"]["status"], "signed-in");
    let signed_in = on.cookie();
    assert_ne!(signed_in, setting_up, "a fresh token once signed in");
    assert_eq!(
        p.get("/api/v1/session", &setting_up).await.body["status"],
        "signed-out"
    );
    assert_eq!(
        p.get("/api/v1/account/sessions", &signed_in).await.status,
        StatusCode::OK
    );
    let off = p
        .post(
            "/api/v1/account/two-step/off",
            &signed_in,
            json!({"password": PASSWORD}),
        )
        .await;
    assert_eq!(off.status, StatusCode::CONFLICT, "required: it stays on");
    // An account that already has a second factor is asked for it as usual.
    assert_eq!(
        p.sign_in("ben", PASSWORD).await.body["status"],
        "second-factor-required"
    );
}
