//! The portal is no mailer for a signed-in user: every email they can cause (a code to a new
//! address, an invitation, an emailed share) is limited per account and per network, per hour and
//! per day, counted in the same step as the check, so a burst of parallel requests cannot all pass.

mod common;

use axum::http::StatusCode;
use common::{PASSWORD, Portal};
use serde_json::{Value, json};

fn in_a_year() -> String {
    use carefront_portal::infra::time;
    time::date(time::now() + 365 * 86_400)
}

async fn post(p: &Portal, cookie: &str, path: &str, body: Value) -> common::Answer {
    p.post(path, cookie, body).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twelve_parallel_requests_for_codes_to_new_addresses_send_at_most_five() {
    let (p, dir) = common::portal_with_outbox("").await;
    let ann = p.ann().await;
    let asks = (0..12)
        .map(|n| {
            let (p, ann) = (p.clone(), ann.clone());
            async move {
                post(
                    &p,
                    &ann,
                    "/api/v1/account/email",
                    json!({"address": format!("stranger{n}@example.net"), "password": PASSWORD}),
                )
                .await
            }
        })
        .collect();
    let answers = common::all(asks).await;
    let accepted = answers
        .iter()
        .filter(|a| a.status == StatusCode::ACCEPTED)
        .count();
    let sent = common::outbox(&dir).len();
    assert!(sent <= 5, "{sent} codes went out");
    assert_eq!(accepted, sent, "every accepted request sent one, no more");
    assert!(
        answers
            .iter()
            .filter(|a| a.status != StatusCode::ACCEPTED)
            .all(|a| a.status == StatusCode::TOO_MANY_REQUESTS || a.status == StatusCode::LOCKED),
        "{answers:#?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifteen_parallel_invitations_send_ten_and_the_name_typed_is_in_none() {
    let (p, dir) = common::portal_with_outbox("").await;
    let ann = p.ann().await;
    let invites = (0..15)
        .map(|n| {
            let (p, ann) = (p.clone(), ann.clone());
            async move {
                post(
                    &p,
                    &ann,
                    "/api/v1/proxies/invitations",
                    json!({
                        "name": "Your bank: call 0800 000 000 today",
                        "email": format!("victim{n}@example.net"),
                        "relationship": "carer", "level": "full", "keepSensitive": true,
                        "endsOn": in_a_year(),
                    }),
                )
                .await
            }
        })
        .collect();
    let answers = common::all(invites).await;
    let made = answers
        .iter()
        .filter(|a| a.status == StatusCode::CREATED)
        .count();
    let mails = common::outbox(&dir);
    assert_eq!(made, 10, "{answers:#?}");
    assert_eq!(mails.len(), 10);
    assert!(
        answers
            .iter()
            .filter(|a| a.status != StatusCode::CREATED)
            .all(|a| a.reason() == "too-many-attempts" && a.headers.contains_key("retry-after")),
    );
    for mail in &mails {
        assert!(!mail.contains("0800 000 000"), "{mail}");
        assert!(mail.contains("Hello,"));
    }
}

#[tokio::test]
async fn emailed_shares_and_other_emails_share_one_count_per_account() {
    let (p, dir) = common::portal_with_outbox("--public-url https://portal.hospital.example").await;
    let ann = p.ann().await;
    // Five codes to new addresses, then emailed shares: ten emails an hour in all.
    for n in 0..5 {
        let asked = post(
            &p,
            &ann,
            "/api/v1/account/email",
            json!({"address": format!("ann{n}@example.net"), "password": PASSWORD}),
        )
        .await;
        assert_eq!(asked.status, StatusCode::ACCEPTED);
    }
    let mut shared = 0;
    for n in 0..8 {
        let made = post(
            &p,
            &ann,
            "/api/v1/shares",
            json!({"patient": "demo-ann", "sections": ["allergies"], "hours": 1,
                   "label": "GP", "email": format!("gp{n}@example.net")}),
        )
        .await;
        match made.status {
            StatusCode::CREATED => shared += 1,
            _ => assert_eq!(made.reason(), "too-many-attempts", "{:?}", made.body),
        }
    }
    assert_eq!(shared, 5);
    assert_eq!(common::outbox(&dir).len(), 10);
}
