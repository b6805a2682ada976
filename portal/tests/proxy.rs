//! Proxy access as an attacker who has read the code would try it: every other patient's record,
//! every record type, by search and by id; items withheld by age or level; a birthday passing; a
//! relationship ended while the proxy's session is open.

mod common;

use axum::http::StatusCode;
use carefront_portal::records::PATIENT_TYPES;
use common::{Portal, portal};
use serde_json::{Value, json};

impl Portal {
    async fn patients(&self, cookie: &str) -> Vec<Value> {
        let answer = self.get("/api/v1/patients", cookie).await;
        assert_eq!(answer.status, StatusCode::OK, "{:?}", answer.body);
        answer.body.as_array().unwrap().clone()
    }

    async fn search(&self, cookie: &str, resource_type: &str, patient: &str) -> common::Answer {
        self.get(
            &format!("/api/v1/fhir/{resource_type}?patient={patient}&_count=500"),
            cookie,
        )
        .await
    }
}

fn entry<'a>(list: &'a [Value], id: &str) -> &'a Value {
    list.iter()
        .find(|p| p["id"] == id)
        .unwrap_or_else(|| panic!("{id} is not listed: {list:?}"))
}

fn texts(bundle: &Value) -> String {
    bundle["entry"].to_string()
}

#[tokio::test]
async fn a_parent_sees_themself_then_each_child_with_where_access_stands() {
    let p = portal().await;
    let claire = p.signed_in("claire").await;
    let list = p.patients(&claire).await;
    let ids: Vec<&str> = list.iter().map(|p| p["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["demo-claire", "demo-leo", "demo-maya"]);
    assert_eq!(list[0]["relationship"], "self");
    let leo = &entry(&list, "demo-leo")["proxy"];
    assert_eq!(leo["patientIs"], "son");
    assert_eq!(leo["access"]["state"], "active");
    assert_eq!(leo["withheld"], json!([]));
    assert_eq!(leo["terms"]["accepted"], false);
    assert_eq!(leo["ends"]["reason"], "age");
    let maya = &entry(&list, "demo-maya")["proxy"];
    assert_eq!(maya["withheld"][0]["reason"], "age");
    assert_eq!(maya["withheld"][0]["age"], 14);
    assert_eq!(maya["withheld"][0]["fromAge"], 12);
    assert_eq!(maya["withheld"][0]["toAge"], 15);
    let said = maya.to_string();
    for hidden in ["Anxiety", "Desogestrel", "Young people"] {
        assert!(!said.contains(hidden), "the list never says what is hidden");
    }
}

#[tokio::test]
async fn proxy_terms_come_before_the_first_view_of_each_person() {
    let p = portal().await;
    let claire = p.signed_in("claire").await;
    let refused = p.search(&claire, "Condition", "demo-leo").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(refused.reason(), "proxy-terms-not-accepted");
    assert_eq!(
        p.get("/api/v1/fhir/Patient/demo-leo", &claire)
            .await
            .reason(),
        "proxy-terms-not-accepted"
    );
    assert_eq!(
        p.accept_proxy_terms(&claire, "demo-leo").await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        p.search(&claire, "Condition", "demo-leo").await.status,
        StatusCode::OK
    );
    // Accepted for Leo is not accepted for Maya.
    assert_eq!(
        p.search(&claire, "Condition", "demo-maya").await.reason(),
        "proxy-terms-not-accepted"
    );
    // Nor for someone Claire does not act for.
    assert_eq!(
        p.accept_proxy_terms(&claire, "demo-ann").await,
        StatusCode::FORBIDDEN
    );
    let without_patient = p
        .post(
            "/api/v1/terms/acceptances",
            &claire,
            json!({"document": "proxy", "version": "1"}),
        )
        .await;
    assert_eq!(without_patient.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn every_record_type_of_every_other_patient_is_refused_and_audited() {
    let p = portal().await;
    let claire = p.signed_in("claire").await;
    for patient in ["demo-leo", "demo-maya"] {
        assert_eq!(
            p.accept_proxy_terms(&claire, patient).await,
            StatusCode::NO_CONTENT
        );
    }
    let before = p.audit_count("outcome = 'refused'").await;
    let mut attempts = 0;
    for other in ["demo-ann", "demo-ben", "demo-margaret", "demo-jordan"] {
        for resource_type in PATIENT_TYPES.iter().chain(&["RelatedPerson", "Consent"]) {
            let answer = p.search(&claire, resource_type, other).await;
            assert_eq!(
                answer.status,
                StatusCode::FORBIDDEN,
                "{resource_type} of {other}"
            );
            assert_eq!(answer.reason(), "patient-not-in-scope");
            attempts += 1;
            for id in p.stored_ids(resource_type, other).await.iter().take(3) {
                let answer = p
                    .get(&format!("/api/v1/fhir/{resource_type}/{id}"), &claire)
                    .await;
                assert_eq!(answer.status, StatusCode::NOT_FOUND, "{resource_type}/{id}");
                attempts += 1;
            }
        }
    }
    assert_eq!(
        p.audit_count("outcome = 'refused'").await - before,
        attempts
    );
    // The relationships of others are theirs: Ann's neighbour is not Claire's business.
    let ben_for_ann = p.relationship("ben", "demo-ann").await;
    for resource_type in ["RelatedPerson", "Consent"] {
        let answer = p
            .get(
                &format!("/api/v1/fhir/{resource_type}/proxy-{ben_for_ann}"),
                &claire,
            )
            .await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn a_young_persons_confidential_items_are_absent_from_searches_counts_and_reads() {
    let p = portal().await;
    let claire = p.signed_in("claire").await;
    assert_eq!(
        p.accept_proxy_terms(&claire, "demo-maya").await,
        StatusCode::NO_CONTENT
    );
    for resource_type in ["Condition", "MedicationRequest", "Appointment"] {
        let all = p.stored_ids(resource_type, "demo-maya").await.len() as u64;
        let shown = p.search(&claire, resource_type, "demo-maya").await;
        assert_eq!(shown.status, StatusCode::OK);
        let hidden = all - shown.body["total"].as_u64().unwrap();
        assert_eq!(
            hidden, 1,
            "{resource_type}: one confidential item, left out of the count"
        );
        assert_eq!(
            shown.body["entry"].as_array().unwrap().len() as u64,
            shown.body["total"].as_u64().unwrap()
        );
        for word in ["Anxiety", "Desogestrel", "Young people", "PSY", "SEX"] {
            assert!(
                !texts(&shown.body).contains(word),
                "{resource_type}: {word}"
            );
        }
        // Paging never lets one through either.
        let mut seen = 0;
        let mut next = Some(format!(
            "/api/v1/fhir/{resource_type}?patient=demo-maya&_count=1"
        ));
        while let Some(url) = next {
            let page = p.get(&url, &claire).await;
            seen += page.body["entry"].as_array().unwrap().len();
            assert!(!texts(&page.body).contains("\"R\""));
            next = page.body["link"]
                .as_array()
                .unwrap()
                .iter()
                .find(|l| l["relation"] == "next")
                .map(|l| l["url"].as_str().unwrap().to_string());
        }
        assert_eq!(seen as u64, shown.body["total"].as_u64().unwrap());
    }
    let labelled = p
        .texts("SELECT type || '/' || id FROM resources WHERE patient_id = 'demo-maya' AND security LIKE '% R %'")
        .await;
    assert_eq!(labelled.len(), 3);
    for path in &labelled {
        let answer = p.get(&format!("/api/v1/fhir/{path}"), &claire).await;
        assert_eq!(
            answer.status,
            StatusCode::NOT_FOUND,
            "{path} is answered as missing"
        );
    }
    assert_eq!(
        p.audit_count("action = 'read' AND outcome = 'refused' AND detail LIKE 'withheld%' AND patient_id = 'demo-maya'").await,
        3
    );
}

#[tokio::test]
async fn a_level_without_a_section_refuses_it_and_says_so() {
    let p = portal().await;
    let ben = p.signed_in("ben").await;
    assert_eq!(
        p.accept_proxy_terms(&ben, "demo-ann").await,
        StatusCode::NO_CONTENT
    );
    let appointments = p.search(&ben, "Appointment", "demo-ann").await;
    assert_eq!(appointments.status, StatusCode::OK);
    assert!(appointments.body["total"].as_u64().unwrap() > 0);
    for resource_type in PATIENT_TYPES
        .iter()
        .filter(|t| !["Appointment", "Patient"].contains(t))
    {
        let answer = p.search(&ben, resource_type, "demo-ann").await;
        assert_eq!(answer.reason(), "withheld", "{resource_type}");
        for id in p.stored_ids(resource_type, "demo-ann").await.iter().take(2) {
            let read = p
                .get(&format!("/api/v1/fhir/{resource_type}/{id}"), &ben)
                .await;
            assert_eq!(read.status, StatusCode::NOT_FOUND);
        }
    }
    assert_eq!(
        p.get("/api/v1/fhir/Patient/demo-ann", &ben).await.status,
        StatusCode::OK,
        "whose record it is is always shown"
    );
    // Every proxy read names the proxy as the user and the relationship it went through.
    let relationship = p.relationship("ben", "demo-ann").await;
    assert!(
        p.audit_count(&format!(
            "action = 'search' AND outcome = 'success' AND patient_id = 'demo-ann' AND proxy_relationship = {relationship} AND user_id = (SELECT id FROM users WHERE username = 'ben')"
        )).await >= 1
    );
}

#[tokio::test]
async fn stopping_access_ends_it_in_a_session_already_open() {
    let p = portal().await;
    let ben = p.signed_in("ben").await;
    assert_eq!(
        p.accept_proxy_terms(&ben, "demo-ann").await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        p.search(&ben, "Appointment", "demo-ann").await.status,
        StatusCode::OK
    );

    let ann = p.ann().await;
    let proxies = p.get("/api/v1/proxies", &ann).await;
    assert_eq!(proxies.status, StatusCode::OK);
    let neighbour = proxies
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["name"] == "Ben Okafor")
        .unwrap();
    assert_eq!(neighbour["proxyIs"], "neighbour");
    assert_eq!(neighbour["level"]["id"], "appointments");
    assert_eq!(neighbour["canStop"], true);
    let id = neighbour["id"].as_i64().unwrap();
    // Someone else cannot stop it, nor learn that it exists.
    let claire = p.signed_in("claire").await;
    let not_theirs = p
        .call(
            "POST",
            &format!("/api/v1/proxies/{id}/stop"),
            Some(&claire),
            None,
        )
        .await;
    assert_eq!(not_theirs.status, StatusCode::NOT_FOUND);

    let stopped = p
        .call(
            "POST",
            &format!("/api/v1/proxies/{id}/stop"),
            Some(&ann),
            None,
        )
        .await;
    assert_eq!(stopped.status, StatusCode::NO_CONTENT);
    let refused = p.search(&ben, "Appointment", "demo-ann").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(refused.reason(), "patient-not-in-scope");
    // Ben is told, not left wondering.
    let list = p.patients(&ben).await;
    let ann_entry = &entry(&list, "demo-ann")["proxy"];
    assert_eq!(ann_entry["access"]["state"], "ended");
    assert_eq!(ann_entry["access"]["why"], "stopped");
    assert_eq!(ann_entry["stoppedBy"], "patient");
    assert_eq!(
        p.audit_count("action = 'proxy-stopped' AND outcome = 'success'")
            .await,
        1
    );
}

#[tokio::test]
async fn a_parents_access_at_seventeen_waits_for_the_young_persons_agreement() {
    let p = portal().await;
    let david = p.signed_in("david").await;
    let list = p.patients(&david).await;
    assert!(
        list.iter().all(|x| x["relationship"] == "proxy"),
        "David has no record here"
    );
    let jordan_entry = &entry(&list, "demo-jordan")["proxy"];
    assert_eq!(jordan_entry["access"]["state"], "needs-agreement");
    assert_eq!(jordan_entry["access"]["age"], 17);
    assert_eq!(
        p.search(&david, "Encounter", "demo-jordan").await.reason(),
        "proxy-access-paused"
    );

    let jordan = p.signed_in("jordan").await;
    let theirs = p.get("/api/v1/proxies", &jordan).await.body;
    let father = &theirs[0];
    assert_eq!(father["proxyIs"], "father");
    assert_eq!(
        father["canStop"], false,
        "a parent's access is the care team's to end"
    );
    assert_eq!(father["agreement"]["given"], false);
    let id = father["id"].as_i64().unwrap();
    // David cannot agree on Jordan's behalf.
    let forged = p
        .post(
            &format!("/api/v1/proxies/{id}/agreement"),
            &david,
            json!({"agreed": true}),
        )
        .await;
    assert_eq!(forged.status, StatusCode::NOT_FOUND);
    let agreed = p
        .post(
            &format!("/api/v1/proxies/{id}/agreement"),
            &jordan,
            json!({"agreed": true}),
        )
        .await;
    assert_eq!(agreed.status, StatusCode::NO_CONTENT);
    assert_eq!(
        p.accept_proxy_terms(&david, "demo-jordan").await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        p.search(&david, "Encounter", "demo-jordan").await.status,
        StatusCode::OK
    );
    let withdrawn = p
        .post(
            &format!("/api/v1/proxies/{id}/agreement"),
            &jordan,
            json!({"agreed": false}),
        )
        .await;
    assert_eq!(withdrawn.status, StatusCode::NO_CONTENT);
    assert_eq!(
        p.search(&david, "Encounter", "demo-jordan").await.reason(),
        "proxy-access-paused"
    );
}

#[tokio::test]
async fn birthdays_move_access_between_bands_with_no_one_doing_anything() {
    let p = portal().await;
    let claire = p.signed_in("claire").await;
    for patient in ["demo-leo", "demo-maya"] {
        assert_eq!(
            p.accept_proxy_terms(&claire, patient).await,
            StatusCode::NO_CONTENT
        );
    }
    // Leo is 8 years and 100 days old; Maya 14 years and 40 days.
    const DAY: i64 = 86_400;
    p.state.clock.advance((4 * 365 + 1 - 110) * DAY);
    let list = p.patients(&claire).await;
    assert_eq!(
        entry(&list, "demo-leo")["proxy"]["withheld"],
        json!([]),
        "Leo is still 11"
    );
    let notice = &entry(&list, "demo-leo")["proxy"]["nextChange"];
    assert_eq!(
        notice["kind"], "reduced",
        "a parent is told before a birthday changes access"
    );
    assert_eq!(notice["age"], 12);
    assert_eq!(
        entry(&list, "demo-maya")["proxy"]["access"]["state"],
        "needs-agreement"
    );

    p.state.clock.advance(20 * DAY);
    let list = p.patients(&claire).await;
    assert_eq!(entry(&list, "demo-leo")["proxy"]["withheld"][0]["age"], 12);
    // Maya is nearly 18: then her record is hers alone.
    p.state.clock.advance(50 * DAY);
    let answer = p.search(&claire, "Condition", "demo-maya").await;
    assert_eq!(answer.reason(), "patient-not-in-scope");
    let list = p.patients(&claire).await;
    assert_eq!(entry(&list, "demo-maya")["proxy"]["access"]["why"], "age");
    p.state.clock.advance(40 * DAY);
    let ids: Vec<Value> = p
        .patients(&claire)
        .await
        .iter()
        .map(|x| x["id"].clone())
        .collect();
    assert!(
        !ids.contains(&json!("demo-maya")),
        "listed, with why, for a while; then gone"
    );
}

#[tokio::test]
async fn relationships_are_fhir_related_person_and_consent() {
    let p = portal().await;
    let ann = p.ann().await;
    let people = p.search(&ann, "RelatedPerson", "demo-ann").await;
    assert_eq!(people.status, StatusCode::OK);
    let person = &people.body["entry"][0]["resource"];
    assert_eq!(person["resourceType"], "RelatedPerson");
    assert_eq!(person["patient"]["reference"], "Patient/demo-ann");
    assert_eq!(person["relationship"][0]["coding"][0]["code"], "NBOR");
    assert_eq!(person["name"][0]["text"], "Ben Okafor");
    let consents = p.search(&ann, "Consent", "demo-ann").await;
    let consent = &consents.body["entry"][0]["resource"];
    assert_eq!(consent["scope"]["coding"][0]["code"], "patient-privacy");
    assert_eq!(consent["status"], "active");
    assert_eq!(consent["provision"]["type"], "permit");
    assert_eq!(
        consent["provision"]["actor"][0]["role"]["coding"][0]["code"],
        "DELEGATEE"
    );
    assert_eq!(
        consent["provision"]["actor"][0]["reference"]["reference"],
        format!("RelatedPerson/{}", person["id"].as_str().unwrap())
    );
    assert!(consent["provision"]["period"]["end"].is_string());
    let classes: Vec<&str> = consent["provision"]["class"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_str().unwrap())
        .collect();
    assert_eq!(classes, ["Patient", "Appointment"]);
    assert_eq!(consent["provision"]["provision"][0]["type"], "deny");
    let id = consent["id"].as_str().unwrap();
    assert_eq!(
        p.get(&format!("/api/v1/fhir/Consent/{id}"), &ann)
            .await
            .status,
        StatusCode::OK
    );

    // Claire's Consent for Maya carries the age band's deny provision.
    let claire = p.signed_in("claire").await;
    assert_eq!(
        p.accept_proxy_terms(&claire, "demo-maya").await,
        StatusCode::NO_CONTENT
    );
    let mine = p.search(&claire, "Consent", "demo-maya").await;
    assert_eq!(mine.body["total"], 1);
    let labels =
        mine.body["entry"][0]["resource"]["provision"]["provision"][0]["securityLabel"].to_string();
    assert!(labels.contains("\"PSY\"") && labels.contains("v3-Confidentiality"));
}

#[tokio::test]
async fn security_labels_are_indexed_as_resources_are_stored() {
    let p = portal().await;
    let security = p
        .texts("SELECT security FROM resources WHERE type = 'Condition' AND json LIKE '%Anxiety%'")
        .await
        .remove(0);
    assert_eq!(security, " PSY R ");
}

// --- Invitations ---------------------------------------------------------------------------

async fn invite(p: &Portal, cookie: &str, body: Value) -> common::Answer {
    p.post("/api/v1/proxies/invitations", cookie, body).await
}

fn carer(name: &str, email: &str) -> Value {
    use carefront_portal::infra::time;
    let next_year = time::date(time::now() + 365 * 86_400);
    json!({"name": name, "email": email, "relationship": "carer", "level": "full", "keepSensitive": true, "endsOn": next_year})
}

#[tokio::test]
async fn an_invitation_emails_a_code_that_works_once_and_says_nothing_of_health() {
    let (p, dir) = common::portal_with_outbox("").await;
    let ann = p.ann().await;
    let made = invite(&p, &ann, carer("Carol Jones", "carol@example.org")).await;
    assert_eq!(made.status, StatusCode::CREATED, "{:?}", made.body);
    let mails = common::outbox(&dir);
    assert_eq!(mails.len(), 1);
    let mail = &mails[0];
    assert!(mail.contains("To: carol@example.org"), "{mail}");
    assert!(
        !mail.contains("Carol Jones"),
        "the name Ann typed is neither the To name nor the greeting"
    );
    for health in ["Penicillin", "diabetes", "Diabetes", "Metformin", "HbA1c"] {
        assert!(!mail.contains(health), "the email says {health}");
    }
    let code = common::code_in(mail);
    let pending = p.get("/api/v1/proxies/invitations", &ann).await;
    assert_eq!(pending.body["invitations"][0]["name"], "Carol Jones");
    assert!(
        !pending.body.to_string().contains(&code),
        "the code is only in the email"
    );

    // Ann cannot accept her own invitation; Claire can, once, typed any way.
    let refused = p
        .post("/api/v1/invitations/accept", &ann, json!({"code": code}))
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    let claire = p.signed_in("claire").await;
    let wrong = p
        .post(
            "/api/v1/invitations/accept",
            &claire,
            json!({"code": "0000-0000-0000"}),
        )
        .await;
    assert_eq!(wrong.reason(), "invitation-not-valid");
    let typed = code.to_lowercase().replace('-', " ");
    let accepted = p
        .post(
            "/api/v1/invitations/accept",
            &claire,
            json!({"code": typed}),
        )
        .await;
    assert_eq!(accepted.status, StatusCode::OK, "{:?}", accepted.body);
    assert_eq!(accepted.body["patient"], "demo-ann");
    let again = p
        .post("/api/v1/invitations/accept", &claire, json!({"code": code}))
        .await;
    assert_eq!(again.reason(), "invitation-not-valid");

    let list = p.patients(&claire).await;
    let ann_entry = &entry(&list, "demo-ann")["proxy"];
    assert_eq!(ann_entry["proxyIs"], "carer");
    assert_eq!(ann_entry["withheld"][0]["reason"], "patient-choice");
    assert_eq!(ann_entry["terms"]["accepted"], false);
    assert_eq!(
        p.accept_proxy_terms(&claire, "demo-ann").await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        p.search(&claire, "Condition", "demo-ann").await.status,
        StatusCode::OK
    );
    let theirs = p.get("/api/v1/proxies", &ann).await.body;
    assert!(
        theirs
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["name"] == "Claire Hughes" && x["createdBy"] == "invitation")
    );
    assert_eq!(
        p.get("/api/v1/proxies/invitations", &ann).await.body["invitations"],
        json!([])
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn someone_without_a_sign_in_makes_one_with_the_invitation() {
    let (p, dir) = common::portal_with_outbox("").await;
    let ann = p.ann().await;
    invite(&p, &ann, json!({"name": "Sam Reid", "email": "sam@example.org", "relationship": "son", "level": "limited"})).await;
    let code = common::code_in(&common::outbox(&dir)[0]);
    let new_account = |username: &str, password: &str, code: &str| json!({"code": code, "displayName": "Sam Reid", "username": username, "password": password});
    let short = p
        .call(
            "POST",
            "/api/v1/invitations/accept-new",
            None,
            Some(new_account("samreid", "short", &code)),
        )
        .await;
    assert_eq!(short.status, StatusCode::BAD_REQUEST);
    let taken = p
        .call(
            "POST",
            "/api/v1/invitations/accept-new",
            None,
            Some(new_account("ann", "a long enough password", &code)),
        )
        .await;
    assert_eq!(taken.status, StatusCode::CONFLICT);
    let made = p
        .call(
            "POST",
            "/api/v1/invitations/accept-new",
            None,
            Some(new_account("samreid", "a long enough password", &code)),
        )
        .await;
    assert_eq!(made.status, StatusCode::OK, "{:?}", made.body);
    assert_eq!(made.body["status"], "signed-in");
    let sam = made.cookie();
    // Signed in at once; the terms of use come first, as for anyone.
    assert_eq!(
        p.get("/api/v1/patients", &sam).await.reason(),
        "terms-not-accepted"
    );
    let signed_in = p.signed_in_with("samreid", "a long enough password").await;
    let list = p.patients(&signed_in).await;
    assert_eq!(list.len(), 1, "Sam has no record of their own here");
    assert_eq!(
        list[0]["proxy"]["patientIs"], "mother",
        "Ann is Sam's mother"
    );
    assert_eq!(list[0]["proxy"]["level"]["id"], "limited");
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn invitations_can_be_cancelled_expire_and_refuse_hostile_input() {
    let (p, dir) = common::portal_with_outbox("").await;
    let ann = p.ann().await;
    let claire = p.signed_in("claire").await;
    for (body, why) in [
        (carer("", "carol@example.org"), "no name"),
        (
            carer("Carol", "carol@example.org\r\nBcc: all@example.org"),
            "a header in the address",
        ),
        (carer("Carol", "not-an-address"), "not an address"),
        (
            json!({"name": "Carol", "email": "carol@example.org", "relationship": "MTH", "level": "full"}),
            "not an offered relationship",
        ),
        (
            json!({"name": "Carol", "email": "carol@example.org", "relationship": "friend", "level": "everything"}),
            "not a level",
        ),
        (
            json!({"name": "Carol", "email": "carol@example.org", "relationship": "friend", "level": "full", "endsOn": "2020-01-01"}),
            "an end in the past",
        ),
    ] {
        let answer = invite(&p, &ann, body).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{why}");
    }
    assert!(
        common::outbox(&dir).is_empty(),
        "nothing was sent for a refused invitation"
    );
    // A name cannot add a header either.
    invite(
        &p,
        &ann,
        carer("Carol\r\nBcc: all@example.org", "carol@example.org"),
    )
    .await;
    let mail = &common::outbox(&dir)[0];
    assert!(!mail.lines().any(|l| l.starts_with("Bcc:")), "{mail}");

    let id = p.get("/api/v1/proxies/invitations", &ann).await.body["invitations"][0]["id"]
        .as_i64()
        .unwrap();
    let code = common::code_in(mail);
    let not_hers = p
        .call(
            "POST",
            &format!("/api/v1/proxies/invitations/{id}/cancel"),
            Some(&claire),
            None,
        )
        .await;
    assert_eq!(not_hers.status, StatusCode::NOT_FOUND);
    let cancelled = p
        .call(
            "POST",
            &format!("/api/v1/proxies/invitations/{id}/cancel"),
            Some(&ann),
            None,
        )
        .await;
    assert_eq!(cancelled.status, StatusCode::NO_CONTENT);
    let late = p
        .post("/api/v1/invitations/accept", &claire, json!({"code": code}))
        .await;
    assert_eq!(late.reason(), "invitation-not-valid");

    invite(&p, &ann, carer("Dee", "dee@example.org")).await;
    let mails = common::outbox(&dir);
    let code = mails
        .iter()
        .find(|m| m.contains("dee@example.org"))
        .map(|m| common::code_in(m))
        .unwrap();
    p.state.clock.advance(8 * 86_400);
    let expired = p
        .post("/api/v1/invitations/accept", &claire, json!({"code": code}))
        .await;
    assert_eq!(expired.reason(), "invitation-not-valid");
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn without_a_way_to_send_email_an_invitation_is_refused_not_lost() {
    let p = portal().await;
    let ann = p.ann().await;
    let answer = invite(&p, &ann, carer("Carol Jones", "carol@example.org")).await;
    assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(answer.reason(), "mail-not-sent");
    assert_eq!(
        p.get("/api/v1/proxies/invitations", &ann).await.body["invitations"],
        json!([])
    );
}
