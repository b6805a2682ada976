//! Other organisations' systems reading a record: SMART Backend Services tokens (the assertion's
//! signature, audience, expiry and jti; the IUA claims; the scope), and the patient's objections
//! enforced on every read, each kind, with the emergency override and the audit trail of both.

mod common;

use axum::http::{StatusCode, header};
use carefront_portal::professional::registry;
use common::professional::{TOKEN_URL, assertion, claims, now, portal, signed};
use common::{Answer, Call, Portal};
use josekit::jwk::KeyPair;
use josekit::jws::RS384;
use serde_json::{Value, json};

impl Portal {
    /// The cardiologist the tests read as, in Ann's log: newest first.
    async fn cardiologists_reads(&self, ann: &str) -> Vec<Value> {
        self.get("/api/v1/fhir/AuditEvent?patient=demo-ann&_count=50", ann)
            .await
            .body["entry"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["resource"].clone())
            .filter(|e| e["agent"][0]["name"] == "Dr Sam Patel")
            .collect()
    }
}

fn entries(answer: &Answer) -> Vec<Value> {
    answer.body["entry"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|e| e["search"]["mode"] == "match")
        .map(|e| e["resource"].clone())
        .collect()
}

fn kept_back(answer: &Answer) -> bool {
    answer.body["entry"].as_array().unwrap().iter().any(|e| {
        e["search"]["mode"] == "outcome" && e["resource"]["issue"][0]["code"] == "suppressed"
    })
}

#[tokio::test]
async fn a_registered_system_gets_a_token_and_reads_and_the_patient_sees_who_and_why() {
    let p = portal().await;
    let system = p
        .register("northgate-ehr", "northgate", "Northgate Surgery")
        .await;
    let configuration = p
        .call(
            "GET",
            "/professional/fhir/.well-known/smart-configuration",
            None,
            None,
        )
        .await;
    assert_eq!(configuration.body["token_endpoint"], TOKEN_URL);
    assert_eq!(
        configuration.body["token_endpoint_auth_signing_alg_values_supported"],
        json!(["RS384", "ES384"])
    );
    let answer = p
        .token_with(
            &assertion(&system, claims(&system, "TREAT")),
            "system/Observation.rs system/Patient.r",
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{:?}", answer.body);
    assert_eq!(answer.body["token_type"], "bearer");
    assert_eq!(answer.body["expires_in"], 300);
    assert_eq!(
        answer.body["scope"],
        "system/Observation.rs system/Patient.r"
    );
    assert_eq!(answer.headers[header::CACHE_CONTROL], "no-store");
    let token = answer.body["access_token"].as_str().unwrap();

    let patient = p.fhir(token, "Patient/demo-ann").await;
    assert_eq!(patient.status, StatusCode::OK, "{:?}", patient.body);
    let results = p.fhir(token, "Observation?patient=demo-ann&_count=5").await;
    assert_eq!(entries(&results).len(), 5);
    assert!(
        results.body["link"][0]["url"]
            .as_str()
            .unwrap()
            .starts_with("/professional/fhir/Observation?")
    );
    // The scope decides what may be read and searched.
    let conditions = p.fhir(token, "Condition?patient=demo-ann").await;
    assert_eq!(conditions.status, StatusCode::FORBIDDEN);
    assert_eq!(conditions.reason(), "insufficient-scope");
    let search_patients = p.fhir(token, "Patient?patient=demo-ann").await;
    assert_eq!(search_patients.reason(), "insufficient-scope");

    // Ann's log names the cardiologist, their organisation and why.
    let ann = p.ann().await;
    let professional = p.cardiologists_reads(&ann).await;
    assert_eq!(professional.len(), 4, "two reads, two refusals");
    let read = professional
        .iter()
        .find(|e| e["subtype"][0]["code"] == "read")
        .unwrap();
    assert_eq!(read["agent"][0]["name"], "Dr Sam Patel");
    assert_eq!(read["agent"][0]["role"][0]["text"], "Cardiologist");
    assert_eq!(read["agent"][1]["who"]["display"], "Northgate Surgery");
    assert_eq!(read["agent"][1]["who"]["identifier"]["value"], "northgate");
    assert_eq!(read["purposeOfUse"][0]["coding"][0]["code"], "TREAT");
    assert_eq!(read["outcome"], "0");
    let refused = professional.iter().find(|e| e["outcome"] == "4").unwrap();
    assert_eq!(refused["outcomeDesc"], "insufficient-scope");
}

#[tokio::test]
async fn forged_assertions_are_throttled_before_their_signature_is_checked_and_audited_once() {
    let p = portal().await;
    let system = p
        .register("northgate-ehr", "northgate", "Northgate Surgery")
        .await;
    let forger = p.register("forger", "forgery", "Forgery Ltd").await;
    // Signed with the forger's own key, in the name of northgate-ehr: 80 of them, from one
    // address.
    let mut throttled = 0;
    for _ in 0..80 {
        let mut forged = claims(&system, "TREAT");
        forged["iss"] = json!("northgate-ehr");
        forged["sub"] = json!("northgate-ehr");
        let answer = p
            .token_with(&assertion(&forger, forged), "system/*.rs")
            .await;
        assert!(answer.body.get("access_token").is_none());
        if answer.status == StatusCode::TOO_MANY_REQUESTS {
            assert!(answer.headers.contains_key("retry-after"));
            throttled += 1;
        }
    }
    assert_eq!(
        throttled,
        80 - carefront_portal::session::throttle::SIGN_IN_LIMIT,
        "only the first {} are looked at",
        carefront_portal::session::throttle::SIGN_IN_LIMIT
    );
    // One row for the first failure, one for the first refusal: not 80.
    assert_eq!(
        p.audit_count("action = 'professional-token' AND outcome = 'refused'")
            .await,
        2
    );
}

#[tokio::test]
async fn assertions_that_are_not_right_get_no_token() {
    let p = portal().await;
    let system = p
        .register("northgate-ehr", "northgate", "Northgate Surgery")
        .await;
    let other = p
        .register("southgate-ehr", "southgate", "Southgate Clinic")
        .await;
    // Each case has its own jti, so none is refused as a replay of another.
    let fresh = || claims(&system, "TREAT");
    let good = fresh();
    let with = |key: &str, value: Value| {
        let mut c = fresh();
        c[key] = value;
        c
    };
    let mut iua_without_purpose = fresh();
    iua_without_purpose["extensions"]["ihe_iua"]
        .as_object_mut()
        .unwrap()
        .remove("purpose_of_use");
    let mut other_org = fresh();
    other_org["extensions"]["ihe_iua"]["subject_organization"] = json!("Southgate Clinic");
    let rsa = RS384.generate_key_pair(2048).unwrap().to_jwk_private_key();
    let mut rsa_with_kid = rsa.clone();
    rsa_with_kid.set_key_id("northgate-ehr-key");
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "signed by another system's key",
            signed(&other.key, "ES384", &good).replace("southgate-ehr-key", "northgate-ehr-key"),
            "invalid_client",
        ),
        (
            "signed with an unregistered RSA key",
            signed(&rsa_with_kid, "RS384", &good),
            "invalid_client",
        ),
        (
            "expired",
            assertion(&system, with("exp", json!(now() - 120))),
            "invalid_client",
        ),
        (
            "expiring in an hour",
            assertion(&system, with("exp", json!(now() + 3600))),
            "invalid_client",
        ),
        (
            "for another audience",
            assertion(
                &system,
                with("aud", json!("https://elsewhere.example/token")),
            ),
            "invalid_client",
        ),
        (
            "sub not iss",
            assertion(&system, with("sub", json!("someone-else"))),
            "invalid_client",
        ),
        (
            "no jti",
            assertion(&system, without(&fresh(), "jti")),
            "invalid_client",
        ),
        (
            "unknown client",
            assertion(&system, with("iss", json!("nobody")).tap_sub("nobody")),
            "invalid_client",
        ),
        (
            "without a purpose",
            assertion(&system, iua_without_purpose),
            "invalid_request",
        ),
        (
            "with a purpose not accepted",
            assertion(&system, {
                let mut c = fresh();
                c["extensions"]["ihe_iua"]["purpose_of_use"]["code"] = json!("HMARKT");
                c
            }),
            "invalid_request",
        ),
        (
            "naming another organisation",
            assertion(&system, other_org),
            "invalid_request",
        ),
        ("unsigned", unsigned(&fresh()), "invalid_client"),
        ("not a JWT", "not-a-jwt".into(), "invalid_client"),
    ];
    for (what, assertion, error) in cases {
        let answer = p.token_with(&assertion, "system/*.rs").await;
        assert_eq!(answer.body["error"], error, "{what}: {:?}", answer.body);
        assert!(answer.status.is_client_error(), "{what}");
        assert!(answer.body.get("access_token").is_none(), "{what}");
    }
    // The same assertion twice: the second is a replay.
    let once = assertion(&system, good.clone());
    assert_eq!(
        p.token_with(&once, "system/*.rs").await.status,
        StatusCode::OK
    );
    let replay = p.token_with(&once, "system/*.rs").await;
    assert_eq!(replay.status, StatusCode::UNAUTHORIZED);
    assert!(
        replay.body["error_description"]
            .as_str()
            .unwrap()
            .contains("used before")
    );
    // Scopes the portal does not grant, and grants that are not client credentials.
    let scopeless = p
        .token_with(
            &assertion(&system, claims(&system, "TREAT")),
            "patient/*.rs user/*.cruds",
        )
        .await;
    assert_eq!(scopeless.body["error"], "invalid_scope");
    let wrong_grant = p
        .token_request(&[("grant_type", "password"), ("username", "ann")])
        .await;
    assert_eq!(wrong_grant.body["error"], "unsupported_grant_type");
    // Refusals from one network are audited once a throttle window (the first), the rest counted.
    assert_eq!(
        p.audit_count("action = 'professional-token' AND outcome = 'refused'")
            .await,
        1
    );
    // A removed system's tokens stop at once, and it gets no more.
    let token = p.token(&system, "TREAT").await;
    assert_eq!(
        p.fhir(&token, "Patient/demo-ann").await.status,
        StatusCode::OK
    );
    registry::remove(
        &mut p.state.store.conn().await.unwrap(),
        "northgate-ehr",
        now(),
    )
    .await
    .unwrap();
    let after = p.fhir(&token, "Patient/demo-ann").await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
    assert_eq!(after.reason(), "invalid-token");
    assert!(
        after.headers[header::WWW_AUTHENTICATE]
            .to_str()
            .unwrap()
            .contains("invalid_token")
    );
    let again = p
        .token_with(&assertion(&system, claims(&system, "TREAT")), "system/*.rs")
        .await;
    assert_eq!(again.body["error"], "invalid_client");
}

fn without(claims: &Value, key: &str) -> Value {
    let mut c = claims.clone();
    c.as_object_mut().unwrap().remove(key);
    c
}

trait TapSub {
    fn tap_sub(self, sub: &str) -> Value;
}

impl TapSub for Value {
    fn tap_sub(mut self, sub: &str) -> Value {
        self["sub"] = json!(sub);
        self
    }
}

/// The same claims with `alg: none` and no signature.
fn unsigned(claims: &Value) -> String {
    use base64::Engine;
    let b64 = |v: &Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
    format!(
        "{}.{}.",
        b64(&json!({"alg": "none", "typ": "JWT", "kid": "northgate-ehr-key"})),
        b64(claims)
    )
}

#[tokio::test]
async fn bad_and_expired_tokens_read_nothing() {
    let p = portal().await;
    for auth in ["", "Bearer ", "Bearer nonsense", "Basic YW5uOnBhc3M="] {
        let answer = p
            .send(
                Call::new("GET", "/professional/fhir/Patient/demo-ann")
                    .header("authorization", auth),
            )
            .await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{auth:?}");
        assert_eq!(answer.body["resourceType"], "OperationOutcome");
    }
    let system = p
        .register("northgate-ehr", "northgate", "Northgate Surgery")
        .await;
    let token = p.token(&system, "TREAT").await;
    p.exec(&format!(
        "UPDATE professional_tokens SET expires_at = {}",
        now() - 1
    ))
    .await;
    assert_eq!(
        p.fhir(&token, "Patient/demo-ann").await.status,
        StatusCode::UNAUTHORIZED
    );
    // A patient's session cookie opens nothing here, and a token opens nothing of the app's.
    let ann = p.ann().await;
    let with_cookie = p.get("/professional/fhir/Patient/demo-ann", &ann).await;
    assert_eq!(with_cookie.status, StatusCode::UNAUTHORIZED);
    let token = p.token(&system, "TREAT").await;
    let app = p
        .send(
            Call::new("GET", "/api/v1/fhir/Patient/demo-ann")
                .header("authorization", format!("Bearer {token}")),
        )
        .await;
    assert_eq!(app.status, StatusCode::UNAUTHORIZED);
    // A professional never reads the access log, nor who may act for the patient.
    for path in [
        "AuditEvent?patient=demo-ann",
        "Consent?patient=demo-ann",
        "RelatedPerson?patient=demo-ann",
    ] {
        assert!(
            p.fhir(&token, path).await.status.is_client_error(),
            "{path}"
        );
    }
}

#[tokio::test]
async fn an_objection_to_all_sharing_refuses_every_read_but_an_emergency_one_which_is_flagged() {
    let p = portal().await;
    let north = p
        .register("northgate-ehr", "northgate", "Northgate Surgery")
        .await;
    let ann = p.ann().await;
    let made = p.object(&ann, "demo-ann", "all", "").await;
    assert_eq!(made.status, StatusCode::CREATED, "{:?}", made.body);
    assert_eq!(made.body["resourceType"], "Consent");
    assert_eq!(made.body["status"], "active");
    assert_eq!(made.body["provision"]["type"], "deny");
    let consent_id = made.body["id"].as_str().unwrap().to_string();

    let treat = p.token(&north, "TREAT").await;
    let refused = p.fhir(&treat, "AllergyIntolerance?patient=demo-ann").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(refused.reason(), "patient-objected");
    assert!(
        refused.body["issue"][0]["details"]["text"]
            .as_str()
            .unwrap()
            .contains("ETREAT")
    );
    assert_eq!(
        p.fhir(&treat, "Patient/demo-ann").await.reason(),
        "patient-objected"
    );

    let emergency = p.token(&north, "ETREAT").await;
    let allowed = p
        .fhir(&emergency, "AllergyIntolerance?patient=demo-ann")
        .await;
    assert_eq!(allowed.status, StatusCode::OK);
    assert!(!entries(&allowed).is_empty());

    let events = p.cardiologists_reads(&ann).await;
    let [overridden, refused_search, refused_read] = &events[..] else {
        panic!("three professional events: {events:?}")
    };
    assert_eq!(overridden["outcome"], "0");
    assert_eq!(overridden["purposeOfUse"][0]["coding"][0]["code"], "ETREAT");
    let set_aside: Vec<&Value> = overridden["entity"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["role"]["code"] == "13")
        .collect();
    assert_eq!(set_aside.len(), 1);
    assert_eq!(
        set_aside[0]["what"]["reference"],
        format!("Consent/{consent_id}")
    );
    for refused in [refused_search, refused_read] {
        assert_eq!(refused["outcome"], "4");
        assert_eq!(refused["outcomeDesc"], "patient-objected");
    }

    // Withdrawn, and reads work again; the history keeps both dates.
    let withdrawn = p
        .call(
            "POST",
            &format!("/api/v1/privacy/demo-ann/objections/{consent_id}/withdrawal"),
            Some(&ann),
            None,
        )
        .await;
    assert_eq!(withdrawn.status, StatusCode::OK, "{:?}", withdrawn.body);
    assert_eq!(withdrawn.body["status"], "inactive");
    assert!(withdrawn.body["provision"]["period"]["end"].is_string());
    assert_eq!(
        withdrawn.body["extension"][0]["valueReference"]["reference"],
        "Patient/demo-ann"
    );
    let treat = p.token(&north, "TREAT").await;
    assert_eq!(
        p.fhir(&treat, "AllergyIntolerance?patient=demo-ann")
            .await
            .status,
        StatusCode::OK
    );
    let again = p
        .call(
            "POST",
            &format!("/api/v1/privacy/demo-ann/objections/{consent_id}/withdrawal"),
            Some(&ann),
            None,
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn an_objection_to_one_organisation_refuses_only_that_one() {
    let p = portal().await;
    let north = p
        .register("northgate-ehr", "northgate", "Northgate Surgery")
        .await;
    let south = p
        .register("southgate-ehr", "southgate", "Southgate Clinic")
        .await;
    let ann = p.ann().await;
    let made = p
        .object(&ann, "demo-ann", "organisation", "northgate")
        .await;
    assert_eq!(made.status, StatusCode::CREATED);
    assert_eq!(
        made.body["provision"]["provision"][0]["actor"][0]["reference"]["display"],
        "Northgate Surgery"
    );
    let n = p.token(&north, "CAREMGT").await;
    let s = p.token(&south, "CAREMGT").await;
    assert_eq!(
        p.fhir(&n, "Condition?patient=demo-ann").await.reason(),
        "patient-objected"
    );
    assert_eq!(
        p.fhir(&s, "Condition?patient=demo-ann").await.status,
        StatusCode::OK
    );
    // An organisation that does not exist is not a choice.
    let bad = p.object(&ann, "demo-ann", "organisation", "nowhere").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_hidden_visit_takes_what_was_recorded_at_it_and_is_said_to_be_kept_back() {
    let p = portal().await;
    let north = p
        .register("northgate-ehr", "northgate", "Northgate Surgery")
        .await;
    let ann = p.ann().await;
    let visit = p.first(&ann, "Encounter", "demo-ann").await;
    let visit_id = visit["id"].as_str().unwrap();
    let at_visit = p
        .get("/api/v1/fhir/Observation?patient=demo-ann&_count=500", &ann)
        .await;
    let recorded: Vec<String> = entries(&at_visit)
        .iter()
        .filter(|o| o["encounter"]["reference"] == format!("Encounter/{visit_id}"))
        .map(|o| o["id"].as_str().unwrap().to_string())
        .collect();
    assert!(
        !recorded.is_empty(),
        "the demo records readings at each visit"
    );
    let token = p.token(&north, "TREAT").await;
    let before = p
        .fhir(&token, "Observation?patient=demo-ann&_count=1")
        .await;
    let total_before = before.body["total"].as_u64().unwrap();
    assert!(!kept_back(&before));

    assert_eq!(
        p.object(&ann, "demo-ann", "visit", visit_id).await.status,
        StatusCode::CREATED
    );
    let after = p
        .fhir(&token, "Observation?patient=demo-ann&_count=500")
        .await;
    assert_eq!(
        after.body["total"].as_u64().unwrap(),
        total_before - recorded.len() as u64
    );
    assert!(kept_back(&after));
    assert!(
        entries(&after)
            .iter()
            .all(|o| !recorded.contains(&o["id"].as_str().unwrap().to_string()))
    );
    let read = p.fhir(&token, &format!("Encounter/{visit_id}")).await;
    assert_eq!(read.status, StatusCode::FORBIDDEN);
    assert_eq!(read.reason(), "patient-objected");
    let encounters = p
        .fhir(&token, "Encounter?patient=demo-ann&_count=500")
        .await;
    assert!(entries(&encounters).iter().all(|e| e["id"] != visit_id));
    let obs = p
        .fhir(&token, &format!("Observation/{}", recorded[0]))
        .await;
    assert_eq!(obs.status, StatusCode::FORBIDDEN);
    // The patient's own view is untouched.
    assert_eq!(
        p.get(&format!("/api/v1/fhir/Encounter/{visit_id}"), &ann)
            .await
            .status,
        StatusCode::OK
    );
    // An emergency read goes past it and is flagged; an ordinary read of something else is not.
    let emergency = p.token(&north, "BTG").await;
    assert_eq!(
        p.fhir(&emergency, &format!("Encounter/{visit_id}"))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(p.audit_count("set_aside IS NOT NULL").await, 1);
    let other = p.fhir(&token, "Patient/demo-ann").await;
    assert_eq!(other.status, StatusCode::OK);
    let emergency_other = p.fhir(&emergency, "Patient/demo-ann").await;
    assert_eq!(emergency_other.status, StatusCode::OK);
    assert_eq!(
        p.audit_count("set_aside IS NOT NULL").await,
        1,
        "nothing was set aside"
    );
}

#[tokio::test]
async fn a_hidden_report_takes_its_results_and_a_hidden_document_only_itself() {
    let p = portal().await;
    let north = p
        .register("northgate-ehr", "northgate", "Northgate Surgery")
        .await;
    let ann = p.ann().await;
    let report = p.first(&ann, "DiagnosticReport", "demo-ann").await;
    let report_id = report["id"].as_str().unwrap();
    let results: Vec<String> = report["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["reference"].as_str().unwrap().to_string())
        .collect();
    let document = p.first(&ann, "DocumentReference", "demo-ann").await;
    let document_id = document["id"].as_str().unwrap();
    let made = p
        .object(
            &ann,
            "demo-ann",
            "item",
            &format!("DiagnosticReport/{report_id}"),
        )
        .await;
    assert_eq!(
        made.body["provision"]["provision"][0]["data"][0]["meaning"],
        "dependents"
    );
    p.object(
        &ann,
        "demo-ann",
        "item",
        &format!("DocumentReference/{document_id}"),
    )
    .await;
    let token = p.token(&north, "TREAT").await;
    assert_eq!(
        p.fhir(&token, &format!("DiagnosticReport/{report_id}"))
            .await
            .reason(),
        "patient-objected"
    );
    for result in &results {
        assert_eq!(
            p.fhir(&token, result).await.reason(),
            "patient-objected",
            "{result}"
        );
    }
    assert_eq!(
        p.fhir(&token, &format!("DocumentReference/{document_id}"))
            .await
            .reason(),
        "patient-objected"
    );
    let documents = p.fhir(&token, "DocumentReference?patient=demo-ann").await;
    assert!(
        !entries(&documents).is_empty(),
        "only the one document is hidden"
    );
    assert!(kept_back(&documents));
    // Items are documents and results of this patient's, nothing else.
    for target in [
        "Condition/x",
        "DocumentReference/not-there",
        "DiagnosticReport",
    ] {
        let bad = p.object(&ann, "demo-ann", "item", target).await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{target}");
    }
    let ben = p.signed_in("ben").await;
    let bens = p.first(&ben, "DocumentReference", "demo-ben").await;
    if let Some(id) = bens["id"].as_str() {
        let bad = p
            .object(&ann, "demo-ann", "item", &format!("DocumentReference/{id}"))
            .await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    }
}

#[tokio::test]
async fn a_hidden_category_takes_everything_labelled_so() {
    let p = portal().await;
    let north = p
        .register("northgate-ehr", "northgate", "Northgate Surgery")
        .await;
    carefront_portal::records::put(
        &mut p.state.store.conn().await.unwrap(),
        &json!({
            "resourceType": "Condition", "id": "ann-hiv",
            "subject": {"reference": "Patient/demo-ann"},
            "code": {"text": "HIV infection"},
            "meta": {"security": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "HIV"}]},
        }),
    )
    .await.unwrap();
    let ann = p.ann().await;
    let token = p.token(&north, "TREAT").await;
    assert_eq!(
        p.fhir(&token, "Condition/ann-hiv").await.status,
        StatusCode::OK
    );
    let made = p.object(&ann, "demo-ann", "category", "hiv").await;
    assert_eq!(
        made.body["provision"]["provision"][0]["securityLabel"][0]["code"],
        "HIV"
    );
    assert_eq!(made.body["category"][1]["coding"][0]["display"], "HIV");
    assert_eq!(
        p.fhir(&token, "Condition/ann-hiv").await.reason(),
        "patient-objected"
    );
    let conditions = p.fhir(&token, "Condition?patient=demo-ann").await;
    assert!(entries(&conditions).iter().all(|c| c["id"] != "ann-hiv"));
    assert!(kept_back(&conditions));
    let unknown = p.object(&ann, "demo-ann", "category", "gossip").await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn choices_are_consents_in_the_fhir_api_and_the_privacy_page_says_what_they_mean() {
    let p = portal().await;
    p.register("northgate-ehr", "northgate", "Northgate Surgery")
        .await;
    let ann = p.ann().await;
    let made = p
        .object(&ann, "demo-ann", "organisation", "northgate")
        .await;
    let id = made.body["id"].as_str().unwrap();
    let same = p
        .object(&ann, "demo-ann", "organisation", "northgate")
        .await;
    assert_eq!(same.status, StatusCode::CONFLICT);
    let consents = p.get("/api/v1/fhir/Consent?patient=demo-ann", &ann).await;
    assert!(
        consents.body["entry"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["resource"]["id"] == id)
    );
    let read = p.get(&format!("/api/v1/fhir/Consent/{id}"), &ann).await;
    assert_eq!(read.status, StatusCode::OK);
    assert_eq!(
        read.body["policy"][0]["uri"],
        "urn:carefront:policy:sharing-with-other-organisations"
    );
    // Someone else neither reads it nor withdraws it, through her record or their own.
    let david = p.signed_in("david").await;
    assert_eq!(
        p.get(&format!("/api/v1/fhir/Consent/{id}"), &david)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let theirs = p
        .call(
            "POST",
            &format!("/api/v1/privacy/demo-ann/objections/{id}/withdrawal"),
            Some(&david),
            None,
        )
        .await;
    assert_eq!(theirs.status, StatusCode::FORBIDDEN);
    let ben = p.signed_in("ben").await;
    let via_own = p
        .call(
            "POST",
            &format!("/api/v1/privacy/demo-ben/objections/{id}/withdrawal"),
            Some(&ben),
            None,
        )
        .await;
    assert_eq!(via_own.status, StatusCode::NOT_FOUND);
    assert_eq!(
        p.object(&david, "demo-ann", "all", "").await.status,
        StatusCode::FORBIDDEN
    );
    // Ben acts for Ann, for her appointments only: her choices are not his to see or make.
    assert_eq!(
        p.accept_proxy_terms(&ben, "demo-ann").await,
        StatusCode::NO_CONTENT
    );
    let bens_view = p.get("/api/v1/privacy/demo-ann", &ben).await;
    assert_eq!(bens_view.body["may"], "visits-and-items");
    assert_eq!(bens_view.body["objections"], json!([]));
    assert_eq!(
        p.object(&ben, "demo-ann", "all", "").await.reason(),
        "cannot-object"
    );

    let page = p.get("/api/v1/privacy/demo-ann", &ann).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.body["may"], "everything");
    let names: Vec<&str> = page.body["organisations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"Northgate Surgery"), "{names:?}");
    // The hospital itself (whose own systems report accesses) is not another organisation.
    assert!(!names.contains(&"Riverside General Hospital"), "{names:?}");
    assert_eq!(
        p.object(&ann, "demo-ann", "organisation", "riverside")
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    assert!(names.is_sorted(), "in alphabetical order: {names:?}");
    assert_eq!(page.body["categories"].as_array().unwrap().len(), 4);
    assert!(
        page.body["consequences"]["all"][0]
            .as_str()
            .unwrap()
            .contains("allergies")
    );
    assert_eq!(page.body["notFollowed"].as_array().unwrap().len(), 4);
    assert_eq!(page.body["logKeptYears"], 8);
    assert_eq!(page.body["objections"][0]["id"], id, "newest first");
    // Changing a choice is in the patient's log (the demo's own choice is older).
    assert_eq!(
        p.audit_count(
            "action = 'objection-made' AND patient_id = 'demo-ann' AND outcome = 'success'"
        )
        .await,
        2
    );
    // Unknown fields and kinds are refused.
    let odd = p
        .post(
            "/api/v1/privacy/demo-ann/objections",
            &ann,
            json!({"kind": "everything"}),
        )
        .await;
    assert_eq!(odd.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_parent_objects_for_a_young_child_but_for_a_fourteen_year_old_only_hides_what_they_see() {
    let p = portal().await;
    p.register("northgate-ehr", "northgate", "Northgate Surgery")
        .await;
    let claire = p.signed_in("claire").await;
    for child in ["demo-leo", "demo-maya"] {
        assert_eq!(
            p.accept_proxy_terms(&claire, child).await,
            StatusCode::NO_CONTENT
        );
    }
    let leo = p.get("/api/v1/privacy/demo-leo", &claire).await;
    assert_eq!(leo.body["may"], "everything");
    let made = p.object(&claire, "demo-leo", "all", "").await;
    assert_eq!(made.status, StatusCode::CREATED);
    assert!(
        made.body["performer"][0]["reference"]
            .as_str()
            .unwrap()
            .starts_with("RelatedPerson/proxy-")
    );

    let maya = p.get("/api/v1/privacy/demo-maya", &claire).await;
    assert_eq!(maya.body["may"], "visits-and-items");
    assert_eq!(maya.body["organisations"], json!([]));
    assert_eq!(maya.body["categories"], json!([]));
    for (kind, target) in [
        ("all", ""),
        ("organisation", "northgate"),
        ("category", "sexual-health"),
    ] {
        let refused = p.object(&claire, "demo-maya", kind, target).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{kind}");
        assert_eq!(refused.reason(), "cannot-object");
    }
    let letter = p.first(&claire, "DocumentReference", "demo-maya").await;
    let letter_id = letter["id"].as_str().unwrap();
    let hidden = p
        .object(
            &claire,
            "demo-maya",
            "item",
            &format!("DocumentReference/{letter_id}"),
        )
        .await;
    assert_eq!(hidden.status, StatusCode::CREATED, "{:?}", hidden.body);

    // A choice about what the parent cannot see is neither shown to them nor theirs to withdraw.
    let young = carefront_portal::privacy::objections::add(
        &mut p.state.store.conn().await.unwrap(),
        "demo-maya",
        carefront_portal::privacy::objections::Kind::Category,
        "sexual-health",
        carefront_portal::privacy::objections::By {
            user: 1,
            through: None,
        },
        now(),
    )
    .await
    .unwrap()
    .unwrap();
    let maya = p.get("/api/v1/privacy/demo-maya", &claire).await;
    let shown: Vec<&Value> = maya.body["objections"].as_array().unwrap().iter().collect();
    assert_eq!(shown.len(), 1, "only the letter");
    let consents = p
        .get("/api/v1/fhir/Consent?patient=demo-maya", &claire)
        .await;
    assert!(
        consents.body["entry"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["resource"]["id"] != format!("objection-{young}"))
    );
    let withdraw = p
        .call(
            "POST",
            &format!("/api/v1/privacy/demo-maya/objections/objection-{young}/withdrawal"),
            Some(&claire),
            None,
        )
        .await;
    assert_eq!(withdraw.status, StatusCode::NOT_FOUND);
}

/// The command-line client against a real server on loopback: what operators and the browser
/// tests use.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_line_client_reads_as_a_professional() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let p = common::portal_with(&format!("--public-url http://{address}"), None).await;
    let system = p
        .register("northgate-ehr", "northgate", "Northgate Surgery")
        .await;
    let dir = std::env::temp_dir().join(format!("carefront-key-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let key = dir.join("key.jwk");
    std::fs::write(&key, system.key.to_string()).unwrap();
    let app = p
        .app
        .clone()
        .into_make_service_with_connect_info::<std::net::SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let run = |purpose: &'static str, what: &'static str| {
        let key = key.clone();
        let portal = format!("http://{address}");
        tokio::task::spawn_blocking(move || {
            use clap::Parser;
            #[derive(Parser)]
            struct Cli {
                #[command(flatten)]
                args: carefront_portal::professional::client::ReadArgs,
            }
            let cli = Cli::parse_from([
                "read",
                "--portal",
                &portal,
                "--client-id",
                "northgate-ehr",
                "--key",
                key.to_str().unwrap(),
                "--name",
                "Dr Sam Patel",
                "--role",
                "Cardiologist",
                "--purpose",
                purpose,
                "--patient",
                "demo-ann",
                what,
            ]);
            carefront_portal::professional::client::read(&cli.args)
        })
    };
    let bundle: Value =
        serde_json::from_str(&run("TREAT", "AllergyIntolerance").await.unwrap().unwrap()).unwrap();
    assert_eq!(bundle["resourceType"], "Bundle");
    let ann = p.ann().await;
    p.object(&ann, "demo-ann", "all", "").await;
    let refused = run("TREAT", "AllergyIntolerance")
        .await
        .unwrap()
        .unwrap_err();
    assert!(
        refused.contains("403") && refused.contains("ETREAT"),
        "{refused}"
    );
    let unknown = run("SHOPPING", "Patient").await.unwrap().unwrap_err();
    assert!(unknown.contains("--purpose"), "{unknown}");
    assert!(run("ETREAT", "Patient/demo-ann").await.unwrap().is_ok());
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test]
async fn the_hospitals_other_systems_report_accesses_that_the_patient_then_sees() {
    let p = portal().await;
    let ehr = p
        .register("riverside-ehr", "riverside", "Riverside General Hospital")
        .await;
    let mut no_iua = claims(&ehr, "TREAT");
    no_iua.as_object_mut().unwrap().remove("extensions");
    let answer = p
        .token_with(&assertion(&ehr, no_iua.clone()), "system/AuditEvent.c")
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{:?}", answer.body);
    let reporter = answer.body["access_token"].as_str().unwrap().to_string();
    // A reporting token reads nothing, and reading needs the claims.
    assert_eq!(
        p.fhir(&reporter, "Patient/demo-ann").await.reason(),
        "insufficient-scope"
    );
    let mut again = no_iua;
    again["jti"] = json!("another");
    assert_eq!(
        p.token_with(&assertion(&ehr, again), "system/*.rs")
            .await
            .body["error"],
        "invalid_request"
    );

    // A day long before the demo's own two years of accesses, so no seeded read shares it.
    let report = json!({
        "resourceType": "AuditEvent",
        "type": {"system": "http://terminology.hl7.org/CodeSystem/audit-event-type", "code": "rest"},
        "subtype": [{"system": "http://hl7.org/fhir/restful-interaction", "code": "read"}],
        "action": "R",
        "recorded": "2021-05-03T14:02:00Z",
        "outcome": "0",
        "purposeOfUse": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActReason", "code": "TREAT"}]}],
        "agent": [{"who": {"display": "Nurse Kim Lee"}, "role": [{"text": "Ward nurse"}], "requestor": true}],
        "source": {"observer": {"display": "Riverside EHR"}},
        "entity": [
            {"what": {"reference": "Patient/demo-ann"}, "role": {"code": "1"}},
            {"what": {"reference": "AllergyIntolerance/x"}, "role": {"code": "4"}},
        ],
    });
    let post = |token: String, body: Value| {
        let p = p.clone();
        async move {
            p.send(
                Call::new("POST", "/professional/fhir/AuditEvent")
                    .header("authorization", format!("Bearer {token}"))
                    .json(body),
            )
            .await
        }
    };
    let sent = post(reporter.clone(), report.clone()).await;
    assert_eq!(sent.status, StatusCode::CREATED, "{:?}", sent.body);
    let mut unknown = report.clone();
    unknown["entity"][0]["what"]["reference"] = json!("Patient/nobody");
    assert_eq!(
        post(reporter.clone(), unknown).await.status,
        StatusCode::BAD_REQUEST
    );
    let reader = p.token(&ehr, "TREAT").await;
    assert_eq!(
        post(reader, report.clone()).await.reason(),
        "insufficient-scope"
    );

    let ann = p.ann().await;
    let log = p
        .get(
            "/api/v1/fhir/AuditEvent?patient=demo-ann&date=eq2021-05-03",
            &ann,
        )
        .await;
    let event = &log.body["entry"][0]["resource"];
    assert_eq!(log.body["total"], 1, "{:?}", log.body);
    assert_eq!(event["recorded"], "2021-05-03T14:02:00Z");
    assert_eq!(event["agent"][0]["name"], "Nurse Kim Lee");
    assert_eq!(event["agent"][0]["role"][0]["text"], "Ward nurse");
    assert_eq!(
        event["agent"][1]["who"]["display"],
        "Riverside General Hospital"
    );
    assert_eq!(
        event["source"]["observer"]["identifier"]["value"],
        "riverside-ehr"
    );
    assert_eq!(
        event["entity"][1]["what"]["reference"],
        "AllergyIntolerance/x"
    );
    assert_eq!(event["purposeOfUse"][0]["coding"][0]["code"], "TREAT");
}

#[tokio::test]
async fn an_emergency_read_is_emailed_to_the_patient_once_an_hour_and_says_nothing_of_it() {
    use carefront_portal::notifications::emergency;
    let (p, outbox) =
        common::portal_with_outbox(&format!("--public-url {}", common::professional::PUBLIC)).await;
    let north = p
        .register("northgate-ehr", "northgate", "Northgate Surgery")
        .await;
    // The trail before the first round is not news (the demo's own emergency read among it).
    assert_eq!(emergency::tell(&p.state).await.unwrap(), 0);
    let treat = p.token(&north, "TREAT").await;
    p.fhir(&treat, "AllergyIntolerance?patient=demo-ann").await;
    assert_eq!(
        emergency::tell(&p.state).await.unwrap(),
        0,
        "not an emergency"
    );
    let emergency_token = p.token(&north, "ETREAT").await;
    for _ in 0..3 {
        p.fhir(&emergency_token, "AllergyIntolerance?patient=demo-ann")
            .await;
    }
    assert_eq!(emergency::tell(&p.state).await.unwrap(), 1);
    let mails = common::outbox(&outbox);
    assert_eq!(mails.len(), 1);
    let mail = &mails[0];
    assert!(mail.contains("To: ann.carter@example.org"), "{mail}");
    assert!(mail.contains("opened your health record in an emergency"));
    for private in ["Northgate", "Cardiologist", "Allerg", "Penicillin", "Ann"] {
        assert!(!mail.contains(private), "{private} in {mail}");
    }
    // More emergency reads within the hour: no second email.
    p.fhir(&emergency_token, "Patient/demo-ann").await;
    assert_eq!(emergency::tell(&p.state).await.unwrap(), 0);
    assert_eq!(p.audit_count("action = 'emergency-read-emailed'").await, 1);
}
