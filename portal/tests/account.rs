//! What a patient keeps for themselves: the browsers signed in to their account, a new
//! password, and "someone else is using my account".

mod common;

use axum::http::{StatusCode, header};
use common::{Call, PASSWORD, Portal};
use serde_json::json;

const PHONE: &str = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36";
const LAPTOP: &str = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15";
const NEW: &str = "kettle orbit velvet pine";

impl Portal {
    /// Ann signed in from a browser that says what it is: its cookie.
    async fn ann_on(&self, user_agent: &str) -> String {
        self.send(
            Call::new("POST", "/api/v1/session")
                .header("user-agent", user_agent)
                .json(json!({"username": "ann", "password": PASSWORD})),
        )
        .await
        .cookie()
    }

    async fn still_signed_in(&self, cookie: &str) -> bool {
        self.get("/api/v1/account/sessions", cookie).await.status == StatusCode::OK
    }
}

#[tokio::test]
async fn a_patient_sees_each_browser_signed_in_and_signs_any_out() {
    let p = common::portal().await;
    let phone = p.ann_on(PHONE).await;
    let laptop = p.ann_on(LAPTOP).await;
    let list = p.get("/api/v1/account/sessions", &phone).await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(list.headers[header::CACHE_CONTROL], "no-store");
    let sessions = list.body["sessions"].as_array().unwrap().clone();
    assert_eq!(sessions.len(), 2);
    let this = sessions.iter().find(|s| s["current"] == true).unwrap();
    let other = sessions.iter().find(|s| s["current"] == false).unwrap();
    assert_eq!(this["userAgent"], PHONE);
    assert_eq!(other["userAgent"], LAPTOP);
    assert_eq!(
        other["id"].as_str().unwrap().len(),
        12,
        "the audit reference, never the token"
    );
    assert!(
        !list
            .body
            .to_string()
            .contains(laptop.split('=').nth(1).unwrap())
    );

    // Another account's session cannot be named.
    let ben = p.signed_in("ben").await;
    let theirs = p
        .post(
            &format!(
                "/api/v1/account/sessions/{}/end",
                other["id"].as_str().unwrap()
            ),
            &ben,
            json!({}),
        )
        .await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND);
    assert!(p.still_signed_in(&laptop).await);

    let ended = p
        .post(
            &format!(
                "/api/v1/account/sessions/{}/end",
                other["id"].as_str().unwrap()
            ),
            &phone,
            json!({}),
        )
        .await;
    assert_eq!(ended.status, StatusCode::OK);
    assert!(!p.still_signed_in(&laptop).await);
    assert!(p.still_signed_in(&phone).await);

    let tablet = p.ann_on("a tablet").await;
    let third = p.ann_on("a library computer").await;
    let others = p
        .post("/api/v1/account/sessions/end-others", &phone, json!({}))
        .await;
    assert_eq!(others.body["ended"], 2);
    assert!(!p.still_signed_in(&tablet).await && !p.still_signed_in(&third).await);
    assert!(p.still_signed_in(&phone).await);
    assert_eq!(
        p.audit_count("action IN ('session-ended', 'sessions-ended')")
            .await,
        2
    );
}

#[tokio::test]
async fn a_new_password_needs_the_current_one_is_not_a_common_one_and_signs_the_others_out() {
    let p = common::portal().await;
    let phone = p.ann_on(PHONE).await;
    let laptop = p.ann_on(LAPTOP).await;
    let change = |current: &str, new: &str, keep: bool| json!({"current": current, "new": new, "keepThisSession": keep});
    for (new, why) in [
        ("short", "characters"),
        ("password1234", "too easy to guess"),
        ("AnnCarter1954", "too easy to guess"),
    ] {
        let weak = p
            .post(
                "/api/v1/account/password",
                &phone,
                change(PASSWORD, new, true),
            )
            .await;
        assert_eq!(weak.status, StatusCode::BAD_REQUEST, "{new}");
        assert!(
            weak.body["title"].as_str().unwrap().contains(why),
            "{new}: {:?}",
            weak.body
        );
    }
    let wrong = p
        .post(
            "/api/v1/account/password",
            &phone,
            change("not it", NEW, true),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.reason(), "invalid-credentials");
    assert_eq!(
        p.audit_count("action = 'password-changed' AND outcome = 'refused'")
            .await,
        1
    );

    let changed = p
        .post(
            "/api/v1/account/password",
            &phone,
            change(PASSWORD, NEW, true),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{:?}", changed.body);
    assert_eq!(changed.body["ended"], 1);
    assert!(p.still_signed_in(&phone).await, "kept, as asked");
    assert!(!p.still_signed_in(&laptop).await);
    assert_eq!(
        p.sign_in("ann", PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(p.sign_in("ann", NEW).await.status, StatusCode::OK);

    // Not kept: this browser is signed out too, its cookie cleared.
    let again = p
        .post(
            "/api/v1/account/password",
            &phone,
            change(NEW, "harbour lantern quietly moss", false),
        )
        .await;
    assert_eq!(again.status, StatusCode::OK);
    assert!(again.set_cookie().contains("Max-Age=0"));
    assert!(!p.still_signed_in(&phone).await);
}

#[tokio::test]
async fn guessing_the_current_password_is_locked_out_like_signing_in() {
    let p = common::portal().await;
    let cookie = p.ann_on(PHONE).await;
    let mut statuses = Vec::new();
    for _ in 0..7 {
        let answer = p
            .post(
                "/api/v1/account/password",
                &cookie,
                json!({"current": "guess", "new": NEW}),
            )
            .await;
        statuses.push(answer.status);
    }
    assert!(statuses.contains(&StatusCode::LOCKED), "{statuses:?}");
    // The right password is refused too while locked.
    let locked = p
        .post(
            "/api/v1/account/password",
            &cookie,
            json!({"current": PASSWORD, "new": NEW}),
        )
        .await;
    assert_eq!(locked.status, StatusCode::LOCKED);
}

#[tokio::test]
async fn someone_else_using_the_account_ends_every_session_and_tells_the_help_desk() {
    let p = common::portal().await;
    let phone = p.ann_on(PHONE).await;
    let intruder = p.ann_on("curl/8.0").await;
    let report = p
        .post(
            "/api/v1/account/compromised",
            &phone,
            json!({"current": PASSWORD, "new": NEW}),
        )
        .await;
    assert_eq!(report.status, StatusCode::OK, "{:?}", report.body);
    assert!(report.set_cookie().contains("Max-Age=0"));
    assert!(!p.still_signed_in(&phone).await && !p.still_signed_in(&intruder).await);
    assert_eq!(
        p.audit_count("action = 'account-compromise-reported' AND outcome = 'success'")
            .await,
        1
    );
    assert_eq!(p.sign_in("ann", NEW).await.status, StatusCode::OK);
    // Without a session, nothing of this is reachable.
    let anonymous = p
        .call(
            "POST",
            "/api/v1/account/compromised",
            None,
            Some(json!({"current": PASSWORD, "new": NEW})),
        )
        .await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn closing_an_account_asks_for_the_password_then_stops_sign_in_until_the_help_desk_acts() {
    use carefront_portal::accounts::commands::{self, UserCommand};
    let p = common::portal().await;
    let phone = p.ann_on(PHONE).await;
    let laptop = p.ann_on(LAPTOP).await;
    let wrong = p
        .post(
            "/api/v1/account/close",
            &phone,
            json!({"password": "not it"}),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(p.still_signed_in(&laptop).await);

    let closed = p
        .post(
            "/api/v1/account/close",
            &phone,
            json!({"password": PASSWORD}),
        )
        .await;
    assert_eq!(closed.status, StatusCode::OK);
    assert_eq!(closed.body["closureRequested"], true);
    assert!(closed.set_cookie().contains("Max-Age=0"));
    assert!(
        !p.still_signed_in(&laptop).await,
        "every device is signed out"
    );
    let again = p.sign_in("ann", PASSWORD).await;
    assert_eq!(again.status, StatusCode::FORBIDDEN);
    assert_eq!(again.reason(), "account-closed");
    // A wrong password still says only that it is wrong: nothing about the account.
    assert_eq!(
        p.sign_in("ann", "not it").await.reason(),
        "invalid-credentials"
    );
    assert_eq!(
        p.audit_count("action = 'account-closure-requested' AND outcome = 'success'")
            .await,
        1
    );
    assert_eq!(
        p.audit_count("action = 'account-closure-requested' AND outcome = 'refused'")
            .await,
        1
    );
    // The record is kept.
    let kept = p
        .count("SELECT count(*) FROM resources WHERE patient_id = 'demo-ann'")
        .await;
    assert!(kept > 0);

    // The help desk sees the request and completes it.
    let waiting =
        carefront_portal::accounts::closures_waiting(&mut p.state.store.conn().await.unwrap())
            .await
            .unwrap();
    assert_eq!(waiting.len(), 1);
    assert_eq!(waiting[0].0, "ann");
    let no_key = || Err("no secret is stored".to_string());
    commands::run(
        &p.state.store,
        UserCommand::Close {
            username: "ann".into(),
        },
        no_key,
    )
    .await
    .unwrap();
    assert!(
        carefront_portal::accounts::closures_waiting(&mut p.state.store.conn().await.unwrap())
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(p.sign_in("ann", PASSWORD).await.reason(), "account-closed");
    assert_eq!(p.audit_count("action = 'account-closed'").await, 1);
    // Turned on again by the help desk, the account signs in.
    commands::run(
        &p.state.store,
        UserCommand::Enable {
            username: "ann".into(),
        },
        no_key,
    )
    .await
    .unwrap();
    assert_eq!(p.sign_in("ann", PASSWORD).await.body["status"], "signed-in");
}
