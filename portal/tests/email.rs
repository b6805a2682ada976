//! Email: changing the address (a code to the new one, the old one told), and notifications of
//! new information (who hears, about what, how often, and that the email says nothing of it).

mod common;

use carefront_portal::infra::time;

use axum::http::StatusCode;
use carefront_portal::import::load_bundle;
use carefront_portal::notifications::send::send_due;
use common::{PASSWORD, Portal};
use serde_json::{Value, json};

impl Portal {
    async fn ask_to_change(&self, cookie: &str, address: &str) -> common::Answer {
        self.post(
            "/api/v1/account/email",
            cookie,
            json!({"address": address, "password": PASSWORD}),
        )
        .await
    }

    async fn confirm_email(&self, cookie: &str, code: &str) -> common::Answer {
        self.post(
            "/api/v1/account/email/confirm",
            cookie,
            json!({"code": code}),
        )
        .await
    }

    /// Adds resources to the record as `load` does, and runs the background task once.
    async fn load_and_notify(&self, resources: &[Value]) -> usize {
        let bundle = json!({
            "resourceType": "Bundle", "type": "collection",
            "entry": resources.iter().map(|r| json!({"resource": r})).collect::<Vec<_>>(),
        });
        let report = load_bundle(&self.state.store, &bundle).await.unwrap();
        assert_eq!(report.refused(), 0, "{report:?}");
        send_due(&self.state).await.unwrap()
    }

    /// As if the last notice went more than an hour ago.
    async fn an_hour_later(&self) {
        self.exec("UPDATE users SET notified_at = notified_at - 3601")
            .await;
    }
}

fn mails_to(dir: &std::path::Path, address: &str) -> Vec<String> {
    common::outbox(dir)
        .into_iter()
        .filter(|m| m.lines().any(|l| l == format!("To: {address}")))
        .collect()
}

#[tokio::test]
async fn a_new_address_takes_a_code_sent_to_it_and_the_old_one_is_told() {
    let (p, dir) = common::portal_with_outbox("").await;
    let ann = p.ann().await;
    let now = p.get("/api/v1/account/email", &ann).await;
    assert_eq!(now.status, StatusCode::OK);
    assert_eq!(now.body["address"], "ann.carter@example.org");
    assert_eq!(now.body["waiting"], Value::Null);

    let wrong_password = p
        .post(
            "/api/v1/account/email",
            &ann,
            json!({"address": "ann@new.example", "password": "not it"}),
        )
        .await;
    assert_eq!(wrong_password.reason(), "invalid-credentials");
    assert!(common::outbox(&dir).is_empty());
    assert_eq!(
        p.audit_count("action = 'email-change-requested' AND outcome = 'refused'")
            .await,
        1
    );

    let asked = p.ask_to_change(&ann, " ann@new.example ").await;
    assert_eq!(asked.status, StatusCode::ACCEPTED, "{:?}", asked.body);
    assert_eq!(asked.body["waiting"]["address"], "ann@new.example");
    let sent = mails_to(&dir, "ann@new.example");
    assert_eq!(sent.len(), 1);
    let code = common::code_in(&sent[0]);
    assert!(
        !p.get("/api/v1/account/email", &ann)
            .await
            .body
            .to_string()
            .contains(&code),
        "the code is only in the email"
    );
    assert_eq!(
        p.get("/api/v1/account/email", &ann).await.body["address"],
        "ann.carter@example.org",
        "nothing changes before the code comes back"
    );

    let wrong = p.confirm_email(&ann, "AAAA-AAAA-AAAA").await;
    assert_eq!(wrong.reason(), "invalid-code");
    let right = p.confirm_email(&ann, &code.to_lowercase()).await;
    assert_eq!(right.status, StatusCode::OK, "{:?}", right.body);
    assert_eq!(right.body["address"], "ann@new.example");
    assert_eq!(
        p.get("/api/v1/account/email", &ann).await.body["address"],
        "ann@new.example"
    );
    let told = mails_to(&dir, "ann.carter@example.org");
    assert_eq!(told.len(), 1, "the old address is told");
    assert!(told[0].contains("0300 555 0182"), "{}", told[0]);
    assert!(!told[0].contains("ann@new.example"), "nor where it went");
    assert_eq!(
        p.confirm_email(&ann, &code).await.status,
        StatusCode::CONFLICT,
        "a code works once"
    );
    assert_eq!(
        p.audit_count("action = 'email-changed' AND outcome = 'success'")
            .await,
        1
    );
    assert_eq!(
        p.audit_count("action = 'email-changed' AND outcome = 'refused'")
            .await,
        2
    );
}

#[tokio::test]
async fn a_change_survives_five_wrong_codes_and_codes_are_rationed() {
    let (p, dir) = common::portal_with_outbox("").await;
    let ann = p.ann().await;
    p.ask_to_change(&ann, "ann@new.example").await;
    let code = common::code_in(&mails_to(&dir, "ann@new.example")[0]);
    for _ in 0..4 {
        assert_eq!(
            p.confirm_email(&ann, "AAAA-AAAA-AAAA").await.reason(),
            "invalid-code"
        );
    }
    let fifth = p.confirm_email(&ann, "AAAA-AAAA-AAAA").await;
    assert_eq!(fifth.status, StatusCode::CONFLICT);
    assert!(
        fifth.body["title"]
            .as_str()
            .unwrap()
            .contains("Ask for a new code")
    );
    assert_eq!(
        p.confirm_email(&ann, &code).await.status,
        StatusCode::CONFLICT,
        "the right code is too late once the change is gone"
    );

    for n in 1..5 {
        let asked = p.ask_to_change(&ann, &format!("ann{n}@new.example")).await;
        assert_eq!(asked.status, StatusCode::ACCEPTED);
    }
    let sixth = p.ask_to_change(&ann, "ann6@new.example").await;
    assert_eq!(sixth.reason(), "too-many-attempts");
    assert_eq!(common::outbox(&dir).len(), 5);

    // Only the latest code works.
    let first = common::code_in(&mails_to(&dir, "ann1@new.example")[0]);
    let latest = common::code_in(&mails_to(&dir, "ann4@new.example")[0]);
    assert_eq!(p.confirm_email(&ann, &first).await.reason(), "invalid-code");
    p.exec(&format!(
        "UPDATE email_changes SET expires_at = {}",
        time::now() - 1
    ))
    .await;
    assert_eq!(
        p.confirm_email(&ann, &latest).await.status,
        StatusCode::CONFLICT,
        "an expired code does nothing"
    );
    assert_eq!(
        p.get("/api/v1/account/email", &ann).await.body["address"],
        "ann.carter@example.org"
    );
}

#[tokio::test]
async fn hostile_and_mistaken_addresses_are_refused_before_anything_is_sent() {
    let (p, dir) = common::portal_with_outbox("").await;
    let ann = p.ann().await;
    for bad in [
        "",
        "ann",
        "ann@new.example\r\nBcc: everyone@example.org",
        "\"Ann\" <ann@new.example>",
        "ann@new.example, eve@example.org",
    ] {
        let asked = p.ask_to_change(&ann, bad).await;
        assert_eq!(asked.status, StatusCode::BAD_REQUEST, "{bad:?}");
    }
    let same = p.ask_to_change(&ann, "Ann.Carter@example.org").await;
    assert_eq!(same.status, StatusCode::CONFLICT);
    assert!(common::outbox(&dir).is_empty());
    let unknown_field = p
        .post(
            "/api/v1/account/email",
            &ann,
            json!({"address": "a@b.example", "password": PASSWORD, "userId": 2}),
        )
        .await;
    assert_eq!(unknown_field.status, StatusCode::BAD_REQUEST);
    let signed_out = p
        .call(
            "POST",
            "/api/v1/account/email",
            None,
            Some(json!({"address": "a@b.example", "password": PASSWORD})),
        )
        .await;
    assert_eq!(signed_out.status, StatusCode::UNAUTHORIZED);

    let no_mail = common::portal().await;
    let ann = no_mail.ann().await;
    assert_eq!(
        no_mail.get("/api/v1/account/email", &ann).await.body["canSend"],
        false
    );
    assert_eq!(
        no_mail
            .ask_to_change(&ann, "ann@new.example")
            .await
            .reason(),
        "mail-not-sent"
    );
}

fn appointment(id: &str, patient: &str) -> Value {
    json!({"resourceType": "Appointment", "id": id, "status": "booked",
        "description": "Oncology review",
        "start": "2027-01-10T09:30:00Z", "end": "2027-01-10T10:00:00Z",
        "participant": [{"actor": {"reference": format!("Patient/{patient}")}, "status": "accepted"}]})
}

#[tokio::test]
async fn a_new_result_emails_the_patient_once_and_says_nothing_of_it() {
    let (p, dir) = common::portal_with_outbox("--public-url https://portal.hospital.example").await;
    assert_eq!(
        p.load_and_notify(&[
            common::lab_result("tsh-1", "demo-ann"),
            common::lab_result("tsh-2", "demo-ann")
        ])
        .await,
        1,
        "two results, one email"
    );
    let mails = mails_to(&dir, "ann.carter@example.org");
    assert_eq!(mails.len(), 1);
    let mail = &mails[0];
    assert!(mail.contains("Subject: There is something new"), "{mail}");
    assert!(
        mail.contains("sign in at https://portal.hospital.example/"),
        "a link to sign in: {mail}"
    );
    for health in ["Thyroid", "TSH", "9.7", "mU/L", "result", "laboratory"] {
        assert!(!mail.contains(health), "the email says {health}: {mail}");
    }
    assert_eq!(
        p.audit_count("action = 'new-information-emailed' AND outcome = 'success'")
            .await,
        1
    );

    // Within the hour: kept for later, not sent again.
    assert_eq!(
        p.load_and_notify(&[common::lab_result("tsh-3", "demo-ann")])
            .await,
        0
    );
    p.an_hour_later().await;
    assert_eq!(send_due(&p.state).await.unwrap(), 1);
    assert_eq!(mails_to(&dir, "ann.carter@example.org").len(), 2);

    // A corrected result is not news; nor is what the patient told us.
    p.an_hour_later().await;
    let mut corrected = common::lab_result("tsh-1", "demo-ann");
    corrected["status"] = json!("amended");
    let smoking = json!({"resourceType": "Observation", "id": "smoke-1", "status": "final",
        "category": [{"coding": [{"code": "social-history"}]}],
        "subject": {"reference": "Patient/demo-ann"}});
    assert_eq!(p.load_and_notify(&[corrected, smoking]).await, 0);
}

#[tokio::test]
async fn each_kind_can_be_turned_off_and_the_choice_is_kept() {
    let (p, dir) = common::portal_with_outbox("").await;
    let ann = p.ann().await;
    let choices = p.get("/api/v1/account/notifications", &ann).await;
    assert_eq!(
        choices.body,
        json!({"choices": {"results": true, "documents": true, "letters": true, "appointments": true, "messages": true, "othersRecords": false},
            "hasOwnRecord": true, "actsForOthers": false})
    );
    let chosen = p
        .post(
            "/api/v1/account/notifications",
            &ann,
            json!({"results": false, "documents": true, "letters": true, "appointments": true, "othersRecords": false}),
        )
        .await;
    assert_eq!(chosen.body["choices"]["results"], false);
    assert_eq!(
        p.load_and_notify(&[common::lab_result("tsh-1", "demo-ann")])
            .await,
        0
    );
    assert_eq!(
        p.load_and_notify(&[appointment("appt-1", "demo-ann")])
            .await,
        1
    );
    assert_eq!(mails_to(&dir, "ann.carter@example.org").len(), 1);
    let partial = p
        .post(
            "/api/v1/account/notifications",
            &ann,
            json!({"results": true}),
        )
        .await;
    assert_eq!(
        partial.status,
        StatusCode::BAD_REQUEST,
        "every choice, said"
    );
    assert_eq!(
        p.audit_count("action = 'notification-choices-changed'")
            .await,
        1
    );
}

#[tokio::test]
async fn a_proxy_hears_only_when_they_ask_and_only_of_what_they_may_see() {
    let (p, dir) = common::portal_with_outbox("").await;
    // Ben acts for Ann, for her appointments only.
    let ben = p.signed_in("ben").await;
    assert_eq!(
        p.accept_proxy_terms(&ben, "demo-ann").await,
        StatusCode::NO_CONTENT
    );
    let his = p.get("/api/v1/account/notifications", &ben).await;
    assert_eq!(his.body["actsForOthers"], true);
    p.load_and_notify(&[appointment("appt-1", "demo-ann")])
        .await;
    assert!(
        mails_to(&dir, "ben.okafor@example.org").is_empty(),
        "not until he asks"
    );
    p.post(
        "/api/v1/account/notifications",
        &ben,
        json!({"results": true, "documents": true, "letters": true, "appointments": true, "othersRecords": true}),
    )
    .await;
    p.an_hour_later().await;
    p.load_and_notify(&[common::lab_result("tsh-1", "demo-ann")])
        .await;
    assert!(
        mails_to(&dir, "ben.okafor@example.org").is_empty(),
        "he cannot see her results, so he is not told of them"
    );
    p.load_and_notify(&[appointment("appt-2", "demo-ann")])
        .await;
    assert_eq!(mails_to(&dir, "ben.okafor@example.org").len(), 1);

    // Claire, Maya's mother, is not told of what is kept from her (a confidential item).
    let claire = p.signed_in("claire").await;
    assert_eq!(
        p.accept_proxy_terms(&claire, "demo-maya").await,
        StatusCode::NO_CONTENT
    );
    p.post(
        "/api/v1/account/notifications",
        &claire,
        json!({"results": true, "documents": true, "letters": true, "appointments": true, "othersRecords": true}),
    )
    .await;
    let mut confidential = common::lab_result("maya-1", "demo-maya");
    confidential["meta"] = json!({"security": [{"system": "http://terminology.hl7.org/CodeSystem/v3-Confidentiality", "code": "R"}]});
    p.load_and_notify(&[confidential]).await;
    assert!(mails_to(&dir, "claire.hughes@example.org").is_empty());
    p.load_and_notify(&[common::lab_result("maya-2", "demo-maya")])
        .await;
    assert_eq!(mails_to(&dir, "claire.hughes@example.org").len(), 1);

    // A turned-off account hears nothing.
    p.an_hour_later().await;
    p.exec(&format!(
        "UPDATE users SET disabled_at = {} WHERE username = 'claire'",
        time::now()
    ))
    .await;
    p.load_and_notify(&[common::lab_result("maya-3", "demo-maya")])
        .await;
    assert_eq!(mails_to(&dir, "claire.hughes@example.org").len(), 1);
}

#[tokio::test]
async fn an_account_made_with_an_invitation_has_the_address_the_code_went_to() {
    let (p, dir) = common::portal_with_outbox("").await;
    let ann = p.ann().await;
    p.post(
        "/api/v1/proxies/invitations",
        &ann,
        json!({"name": "Sam Reid", "email": "sam@example.org", "relationship": "son", "level": "limited"}),
    )
    .await;
    let code = common::code_in(&common::outbox(&dir)[0]);
    let made = p
        .call(
            "POST",
            "/api/v1/invitations/accept-new",
            None,
            Some(json!({"code": code, "displayName": "Sam Reid", "username": "samreid", "password": "kettle orbit velvet pine"})),
        )
        .await;
    let sam = made.cookie();
    assert_eq!(
        p.get("/api/v1/account/email", &sam).await.body["address"],
        "sam@example.org"
    );
}

#[tokio::test]
async fn a_relay_that_refuses_keeps_the_notice_for_a_later_round() {
    // Nothing listens on port 1: every letter fails to go.
    let p = common::portal_with("--smtp-url smtp://127.0.0.1:1", None).await;
    let bundle = json!({"resourceType": "Bundle", "type": "collection",
        "entry": [{"resource": common::lab_result("tsh-1", "demo-ann")}]});
    load_bundle(&p.state.store, &bundle).await.unwrap();
    assert_eq!(
        send_due(&p.state).await.unwrap_err(),
        carefront_portal::infra::error::ApiError::MailNotSent
    );
    let due = p.count("SELECT count(*) FROM notifications_due").await;
    assert_eq!(due, 1, "still due");
    assert_eq!(p.audit_count("action = 'new-information-emailed'").await, 0);
}
