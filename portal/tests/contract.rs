//! The contract has one source of truth: every answer the reference portal gives here, success
//! and refusal, is checked against `docs/openapi.yaml`: its status must be documented for that
//! operation, its media type too, and its body must match the documented schema. Each area of
//! the contract is a test of its own on its own portals; together they must exercise every
//! documented operation.

mod common;

use axum::http::{StatusCode, header};
use carefront_portal::demo::BEN_TOTP_SECRET;
use carefront_portal::infra::time;
use carefront_portal::session::totp;
use common::{Answer, Call, PASSWORD, portal};
use serde_json::{Value, json};
use std::collections::BTreeSet;

struct Contract {
    doc: Value,
    exercised: BTreeSet<(String, String)>,
    problems: Vec<String>,
}

impl Contract {
    fn load() -> Self {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/openapi.yaml");
        let text = std::fs::read_to_string(path).expect("docs/openapi.yaml is readable");
        Self {
            doc: serde_norway::from_str(&text).expect("docs/openapi.yaml is YAML"),
            exercised: BTreeSet::new(),
            problems: Vec::new(),
        }
    }

    /// A local `#/…` reference, followed.
    fn resolve<'a>(&'a self, value: &'a Value) -> &'a Value {
        match value["$ref"].as_str().and_then(|r| r.strip_prefix('#')) {
            Some(pointer) => self.doc.pointer(pointer).unwrap_or(&Value::Null),
            None => value,
        }
    }

    /// Checks one answer against the operation `method path` (the path as the document writes it).
    fn check(&mut self, method: &str, path: &str, answer: &Answer) {
        let name = format!(
            "{} {path} → {}",
            method.to_uppercase(),
            answer.status.as_u16()
        );
        self.exercised
            .insert((path.to_string(), method.to_string()));
        let operation = &self.doc["paths"][path][method];
        if operation.is_null() {
            self.problems
                .push(format!("{name}: the operation is not documented"));
            return;
        }
        let response = self.resolve(&operation["responses"][answer.status.as_str()]);
        if response.is_null() {
            self.problems
                .push(format!("{name}: this status is not documented"));
            return;
        }
        if answer.status == StatusCode::NO_CONTENT {
            if answer.body != Value::String(String::new()) {
                self.problems.push(format!("{name}: 204 with a body"));
            }
            return;
        }
        let media = answer
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.split(';').next().unwrap_or_default().trim().to_string())
            .unwrap_or_default();
        let pointer = format!(
            "/content/{}/schema",
            media.replace('~', "~0").replace('/', "~1")
        );
        let Some(schema) = response.pointer(&pointer) else {
            self.problems
                .push(format!("{name}: media type {media:?} is not documented"));
            return;
        };
        // The whole document is the root, so its own `#/components/…` references resolve.
        let mut root = self.doc.clone();
        root["$schema"] = json!("https://json-schema.org/draft/2020-12/schema");
        let target = match schema["$ref"].as_str() {
            Some(r) => r.to_string(),
            None => self.schema_pointer(path, method, answer.status.as_str(), &pointer),
        };
        root["$ref"] = json!(fragment_safe(&target));
        let validator =
            jsonschema::draft202012::new(&root).expect("the document's schemas compile");
        let errors: Vec<String> = validator
            .iter_errors(&answer.body)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        if !errors.is_empty() {
            self.problems.push(format!("{name}: {}", errors.join("; ")));
        }
    }

    /// Where an inline response schema sits, as a `#/…` reference.
    fn schema_pointer(&self, path: &str, method: &str, status: &str, content: &str) -> String {
        let operation = format!(
            "#/paths/{}/{method}",
            path.replace('~', "~0").replace('/', "~1")
        );
        let response = &self.doc["paths"][path][method]["responses"][status];
        match response["$ref"].as_str() {
            Some(r) => format!("{r}{content}"),
            None => format!("{operation}/responses/{status}{content}"),
        }
    }

    /// Every answer checked was as documented.
    fn agrees(self) {
        assert!(
            self.problems.is_empty(),
            "the portal and docs/openapi.yaml disagree:\n  {}",
            self.problems.join("\n  ")
        );
    }

    /// Every documented operation was exercised.
    fn covers_the_document(self) {
        let mut missing = Vec::new();
        for (path, operations) in self.doc["paths"].as_object().unwrap() {
            // Path items also hold `servers`, `parameters` and words: only operations count.
            let methods = operations.as_object().unwrap().keys().filter(|k| {
                ["get", "put", "post", "delete", "options", "head", "patch"].contains(&k.as_str())
            });
            for method in methods {
                if !self.exercised.contains(&(path.clone(), method.clone())) {
                    missing.push(format!("{} {path}", method.to_uppercase()));
                }
            }
        }
        assert!(
            missing.is_empty(),
            "documented but not exercised:\n  {}",
            missing.join("\n  ")
        );
    }
}

/// A JSON pointer as a URI fragment: characters a fragment may not hold (`{`, `}`) escaped.
fn fragment_safe(reference: &str) -> String {
    reference
        .chars()
        .map(|c| match c {
            c if c.is_ascii_alphanumeric() || "#/?:@!$&'()*+,;=-._~%".contains(c) => c.to_string(),
            c => format!("%{:02X}", c as u32),
        })
        .collect()
}

async fn signing_in() -> Contract {
    let p = portal().await;
    let mut c = Contract::load();
    let sign_in =
        |username: &str, password: &str| json!({"username": username, "password": password});

    c.check(
        "get",
        "/portal",
        &p.call("GET", "/api/v1/portal", None, None).await,
    );
    c.check(
        "get",
        "/terms",
        &p.call("GET", "/api/v1/terms", None, None).await,
    );
    c.check(
        "get",
        "/session",
        &p.call("GET", "/api/v1/session", None, None).await,
    );

    // Signing in, and every refusal of it.
    c.check("post", "/session", &p.sign_in("nobody", "wrong").await);
    let bad_body = p
        .send(Call::new("POST", "/api/v1/session").json(json!({"user": 1})))
        .await;
    c.check("post", "/session", &bad_body);
    let no_csrf = p
        .answer(
            axum::http::Request::builder()
                .method("POST")
                .uri("/api/v1/session")
                .header(header::CONTENT_TYPE, "application/json")
                .body(axum::body::Body::from(sign_in("ann", PASSWORD).to_string()))
                .unwrap(),
        )
        .await;
    c.check("post", "/session", &no_csrf);
    for _ in 0..5 {
        p.sign_in_from("198.51.100.1", "locked-out", "wrong").await;
    }
    c.check(
        "post",
        "/session",
        &p.sign_in_from("198.51.100.1", "locked-out", "wrong").await,
    );
    for n in 0..25 {
        p.sign_in_from("198.51.100.2", &format!("spray{n}"), "wrong")
            .await;
    }
    c.check(
        "post",
        "/session",
        &p.sign_in_from("198.51.100.2", "ann", "wrong").await,
    );

    // The second factor.
    let pending = p.sign_in("ben", PASSWORD).await;
    c.check("post", "/session", &pending);
    let pending = pending.cookie();
    c.check("get", "/session", &p.get("/api/v1/session", &pending).await);
    c.check(
        "post",
        "/session/second-factor",
        &p.code(&pending, "000000").await,
    );
    let code = totp::current_code(BEN_TOTP_SECRET, time::now()).unwrap();
    let ben = p.code(&pending, &code).await;
    c.check("post", "/session/second-factor", &ben);
    c.check(
        "post",
        "/session/second-factor",
        &p.code(&ben.cookie(), &code).await,
    );
    c.check(
        "post",
        "/session/second-factor",
        &p.code("carefront-session=nothing", &code).await,
    );

    c
}

async fn terms_the_patient_list_and_the_record() -> Contract {
    let p = portal().await;
    let mut c = Contract::load();
    // Terms, the patient list and the record.
    let signed_in = p.sign_in("ann", PASSWORD).await;
    c.check("post", "/session", &signed_in);
    let ann = signed_in.cookie();
    c.check("get", "/session", &p.get("/api/v1/session", &ann).await);
    c.check("get", "/patients", &p.get("/api/v1/patients", &ann).await);
    c.check(
        "get",
        "/fhir/{type}",
        &p.get("/api/v1/fhir/Condition?patient=demo-ann", &ann).await,
    );
    let stale = json!({"document": "patient", "version": "0"});
    c.check(
        "post",
        "/terms/acceptances",
        &p.post("/api/v1/terms/acceptances", &ann, stale).await,
    );
    let current = json!({"document": "patient", "version": "1"});
    c.check(
        "post",
        "/terms/acceptances",
        &p.post("/api/v1/terms/acceptances", &ann, current).await,
    );
    c.check(
        "post",
        "/terms/acceptances",
        &p.call("POST", "/api/v1/terms/acceptances", None, Some(json!({})))
            .await,
    );
    c.check("get", "/patients", &p.get("/api/v1/patients", &ann).await);
    c.check(
        "get",
        "/patients",
        &p.call("GET", "/api/v1/patients", None, None).await,
    );
    for uri in [
        "/api/v1/fhir/AuditEvent?patient=demo-ann&_count=2",
        "/api/v1/fhir/AuditEvent?patient=demo-ben",
        "/api/v1/fhir/Observation?patient=demo-ann&_count=2",
        "/api/v1/fhir/Observation?patient=demo-ben",
        "/api/v1/fhir/Observation?_count=2",
        "/api/v1/fhir/Claim?patient=demo-ann",
    ] {
        c.check("get", "/fhir/{type}", &p.get(uri, &ann).await);
    }
    c.check(
        "get",
        "/fhir/{type}",
        &p.call(
            "GET",
            "/api/v1/fhir/Observation?patient=demo-ann",
            None,
            None,
        )
        .await,
    );
    for uri in [
        "/api/v1/fhir/Patient/demo-ann",
        "/api/v1/fhir/Patient/demo-ben",
        "/api/v1/fhir/Patient/bad%20id",
    ] {
        c.check("get", "/fhir/{type}/{id}", &p.get(uri, &ann).await);
    }
    c.check(
        "get",
        "/fhir/{type}/{id}",
        &p.call("GET", "/api/v1/fhir/Patient/demo-ann", None, None)
            .await,
    );

    c
}

async fn acting_for_others() -> Contract {
    let p = portal().await;
    let mut c = Contract::load();
    // Acting for others: the list with each person's standing, proxy terms for one person,
    // who can see my record, stopping access and a young person's agreement.
    let claire = p.signed_in("claire").await;
    c.check(
        "get",
        "/patients",
        &p.get("/api/v1/patients", &claire).await,
    );
    c.check(
        "get",
        "/fhir/{type}",
        &p.get("/api/v1/fhir/Condition?patient=demo-leo", &claire)
            .await,
    );
    let proxy_terms = |patient: Option<&str>| {
        let mut body = json!({"document": "proxy", "version": "1"});
        if let Some(patient) = patient {
            body["patient"] = json!(patient);
        }
        body
    };
    for body in [
        proxy_terms(Some("demo-leo")),
        proxy_terms(None),
        proxy_terms(Some("demo-ann")),
    ] {
        c.check(
            "post",
            "/terms/acceptances",
            &p.post("/api/v1/terms/acceptances", &claire, body).await,
        );
    }
    for uri in [
        "/api/v1/fhir/Condition?patient=demo-leo",
        "/api/v1/fhir/Consent?patient=demo-leo",
    ] {
        c.check("get", "/fhir/{type}", &p.get(uri, &claire).await);
    }
    let ann_again = p.ann().await;
    let proxies = p.get("/api/v1/proxies", &ann_again).await;
    c.check("get", "/proxies", &proxies);
    c.check(
        "get",
        "/proxies",
        &p.call("GET", "/api/v1/proxies", None, None).await,
    );
    let neighbour = proxies.body[0]["id"].as_i64().unwrap();
    let stop = format!("/api/v1/proxies/{neighbour}/stop");
    let agreement = format!("/api/v1/proxies/{neighbour}/agreement");
    c.check(
        "post",
        "/proxies/{id}/agreement",
        &p.post(&agreement, &ann_again, json!({"agreed": true}))
            .await,
    );
    c.check(
        "post",
        "/proxies/{id}/agreement",
        &p.post(&agreement, &ann_again, json!({"yes": 1})).await,
    );
    c.check(
        "post",
        "/proxies/{id}/stop",
        &p.call("POST", &stop, Some(&claire), None).await,
    );
    c.check(
        "post",
        "/proxies/{id}/stop",
        &p.call("POST", &stop, Some(&ann_again), None).await,
    );
    let jordan = p.signed_in("jordan").await;
    let father = p.get("/api/v1/proxies", &jordan).await.body[0]["id"]
        .as_i64()
        .unwrap();
    c.check(
        "post",
        "/proxies/{id}/agreement",
        &p.post(
            &format!("/api/v1/proxies/{father}/agreement"),
            &jordan,
            json!({"agreed": true}),
        )
        .await,
    );
    c.check(
        "post",
        "/proxies/{id}/stop",
        &p.call(
            "POST",
            &format!("/api/v1/proxies/{father}/stop"),
            Some(&jordan),
            None,
        )
        .await,
    );

    c
}

async fn invitations() -> Contract {
    let p = portal().await;
    let mut c = Contract::load();
    let ann_again = p.ann().await;
    // Invitations: none can be sent from this portal (no mail transport), then one that can.
    c.check(
        "get",
        "/proxies/invitations",
        &p.get("/api/v1/proxies/invitations", &ann_again).await,
    );
    let invitation = json!({"name": "Carol Jones", "email": "carol@example.org", "relationship": "carer", "level": "full"});
    c.check(
        "post",
        "/proxies/invitations",
        &p.post(
            "/api/v1/proxies/invitations",
            &ann_again,
            invitation.clone(),
        )
        .await,
    );
    c.check(
        "post",
        "/proxies/invitations",
        &p.post(
            "/api/v1/proxies/invitations",
            &ann_again,
            json!({"name": ""}),
        )
        .await,
    );
    let outbox = std::env::temp_dir().join(format!("carefront-contract-{}", std::process::id()));
    let mailing = common::portal_with(&format!("--outbox {}", outbox.display()), None).await;
    let carol_inviter = mailing.ann().await;
    let made = mailing
        .post("/api/v1/proxies/invitations", &carol_inviter, invitation)
        .await;
    c.check("post", "/proxies/invitations", &made);
    let id = made.body["id"].as_i64().unwrap();
    let code = std::fs::read_dir(&outbox)
        .unwrap()
        .filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok())
        .flat_map(|m| m.lines().map(|l| l.trim().to_string()).collect::<Vec<_>>())
        .find(|l| l.len() == 14 && l.matches('-').count() == 2)
        .unwrap();
    let _ = std::fs::remove_dir_all(&outbox);
    let claire_elsewhere = mailing.signed_in("claire").await;
    for body in [json!({"code": "0000-0000-0000"}), json!({"code": code})] {
        c.check(
            "post",
            "/invitations/accept",
            &mailing
                .post("/api/v1/invitations/accept", &claire_elsewhere, body)
                .await,
        );
    }
    c.check(
        "post",
        "/invitations/accept",
        &mailing
            .post(
                "/api/v1/invitations/accept",
                &carol_inviter,
                json!({"code": code}),
            )
            .await,
    );
    c.check(
        "post",
        "/invitations/accept-new",
        &mailing
            .call(
                "POST",
                "/api/v1/invitations/accept-new",
                None,
                Some(json!({"code": code, "displayName": "Carol", "username": "carol", "password": "long enough now"})),
            )
            .await,
    );
    c.check(
        "post",
        "/proxies/invitations/{id}/cancel",
        &mailing
            .call(
                "POST",
                &format!("/api/v1/proxies/invitations/{id}/cancel"),
                Some(&carol_inviter),
                None,
            )
            .await,
    );

    c
}

async fn shares() -> Contract {
    let mut c = Contract::load();
    // Shares: made, listed, opened by a viewer, read through, followed as a link, stopped.
    let sharing = common::portal_with("--public-url http://portal.test", None).await;
    let ann_shares = sharing.ann().await;
    c.check(
        "get",
        "/shares",
        &sharing
            .get("/api/v1/shares?patient=demo-ann", &ann_shares)
            .await,
    );
    c.check(
        "get",
        "/shares",
        &sharing
            .get("/api/v1/shares?patient=demo-ben", &ann_shares)
            .await,
    );
    for body in [
        json!({"patient": "demo-ann", "sections": ["results"], "hours": 999}),
        json!({"patient": "demo-ann", "sections": ["results"], "hours": 1, "email": "gp@surgery.example"}),
    ] {
        c.check(
            "post",
            "/shares",
            &sharing.post("/api/v1/shares", &ann_shares, body).await,
        );
    }
    let made = sharing
        .post("/api/v1/shares", &ann_shares, json!({"patient": "demo-ann", "sections": ["results", "allergies"], "hours": 1, "label": "For my GP"}))
        .await;
    c.check("post", "/shares", &made);
    let share_code = made.body["code"].as_str().unwrap().to_string();
    let opening = |code: &str, born: &str| json!({"code": code, "birthDate": born, "name": "Dr Ada Jones", "organisation": "Leeds Clinic"});
    for body in [opening(&share_code, "1900-01-01"), json!({"code": "x"})] {
        c.check(
            "post",
            "/shared/session",
            &sharing
                .call("POST", "/api/v1/shared/session", None, Some(body))
                .await,
        );
    }
    let actual_born = sharing.birth_date("demo-ann").await;
    let opened = sharing
        .call(
            "POST",
            "/api/v1/shared/session",
            None,
            Some(opening(&share_code, &actual_born)),
        )
        .await;
    c.check("post", "/shared/session", &opened);
    let viewer = opened.cookie();
    c.check(
        "get",
        "/shared/session",
        &sharing.get("/api/v1/shared/session", &viewer).await,
    );
    c.check(
        "get",
        "/shared/session",
        &sharing
            .call("GET", "/api/v1/shared/session", None, None)
            .await,
    );
    for uri in [
        "/api/v1/shared/fhir/Observation?patient=demo-ann&_count=2",
        "/api/v1/shared/fhir/Condition?patient=demo-ann",
        "/api/v1/shared/fhir/Consent?patient=demo-ann",
    ] {
        c.check(
            "get",
            "/shared/fhir/{type}",
            &sharing.get(uri, &viewer).await,
        );
    }
    c.check(
        "get",
        "/shared/fhir/{type}",
        &sharing
            .call(
                "GET",
                "/api/v1/shared/fhir/Observation?patient=demo-ann",
                None,
                None,
            )
            .await,
    );
    for uri in [
        "/api/v1/shared/fhir/Patient/demo-ann",
        "/api/v1/shared/fhir/Patient/demo-ben",
        "/api/v1/shared/fhir/Patient/bad%20id",
    ] {
        c.check(
            "get",
            "/shared/fhir/{type}/{id}",
            &sharing.get(uri, &viewer).await,
        );
    }
    c.check(
        "get",
        "/shared/fhir/{type}/{id}",
        &sharing
            .call("GET", "/api/v1/shared/fhir/Patient/demo-ann", None, None)
            .await,
    );
    let link = made.body["link"]
        .as_str()
        .unwrap()
        .strip_prefix("shlink:/")
        .unwrap();
    let link: Value = serde_json::from_slice(
        &base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, link).unwrap(),
    )
    .unwrap();
    let manifest_path = link["url"]
        .as_str()
        .unwrap()
        .strip_prefix("http://portal.test")
        .unwrap()
        .to_string();
    let shl = |body: Value| {
        axum::http::Request::post(manifest_path.clone())
            .header(header::CONTENT_TYPE, "application/json")
            .extension(axum::extract::ConnectInfo(std::net::SocketAddr::from((
                [127, 0, 0, 1],
                40000,
            ))))
            .body(axum::body::Body::from(body.to_string()))
            .unwrap()
    };
    for body in [
        json!({"passcode": share_code}),
        json!({"recipient": "Leeds Clinic", "passcode": "0000-0000-0000"}),
        json!({"recipient": "Leeds Clinic", "passcode": share_code}),
    ] {
        let answer = sharing.answer(shl(body)).await;
        c.check("post", "/shl/{id}", &answer);
        if let Some(location) = answer.body["files"][0]["location"].as_str() {
            let path = location
                .strip_prefix("http://portal.test")
                .unwrap()
                .to_string();
            for _ in 0..2 {
                let get = axum::http::Request::get(path.clone())
                    .extension(axum::extract::ConnectInfo(std::net::SocketAddr::from((
                        [127, 0, 0, 1],
                        40000,
                    ))))
                    .body(axum::body::Body::empty())
                    .unwrap();
                c.check("get", "/shl/files/{token}", &sharing.answer(get).await);
            }
        }
    }
    let share_id = made.body["share"]["id"].as_i64().unwrap();
    let stop_share = format!("/api/v1/shares/{share_id}/stop");
    c.check(
        "post",
        "/shares/{id}/stop",
        &sharing
            .call("POST", &stop_share, Some(&ann_shares), None)
            .await,
    );
    c.check(
        "post",
        "/shares/{id}/stop",
        &sharing
            .call("POST", "/api/v1/shares/999/stop", Some(&ann_shares), None)
            .await,
    );
    c.check(
        "get",
        "/shared/session",
        &sharing.get("/api/v1/shared/session", &viewer).await,
    );
    c.check(
        "get",
        "/shared/fhir/{type}",
        &sharing
            .get("/api/v1/shared/fhir/Observation?patient=demo-ann", &viewer)
            .await,
    );
    c.check(
        "get",
        "/shared/fhir/{type}/{id}",
        &sharing
            .get("/api/v1/shared/fhir/Patient/demo-ann", &viewer)
            .await,
    );
    c.check(
        "post",
        "/shared/session",
        &sharing
            .call(
                "POST",
                "/api/v1/shared/session",
                None,
                Some(opening(&share_code, &actual_born)),
            )
            .await,
    );
    c.check(
        "post",
        "/shl/{id}",
        &sharing
            .answer(shl(
                json!({"recipient": "Leeds Clinic", "passcode": share_code}),
            ))
            .await,
    );
    c.check(
        "delete",
        "/shared/session",
        &sharing
            .call("DELETE", "/api/v1/shared/session", Some(&viewer), None)
            .await,
    );

    c
}

async fn privacy_and_other_organisations() -> Contract {
    let mut c = Contract::load();
    // The privacy centre, and other organisations' systems reading under its choices.
    let pro = common::professional::portal().await;
    let north = pro
        .register("northgate-ehr", "northgate", "Northgate Surgery")
        .await;
    let ann_pro = pro.ann().await;
    let david = pro.signed_in("david").await;
    c.check(
        "get",
        "/privacy/{patient}",
        &pro.get("/api/v1/privacy/demo-ann", &ann_pro).await,
    );
    c.check(
        "get",
        "/privacy/{patient}",
        &pro.get("/api/v1/privacy/demo-ann", &david).await,
    );
    c.check(
        "get",
        "/privacy/{patient}",
        &pro.call("GET", "/api/v1/privacy/demo-ann", None, None)
            .await,
    );
    let objected = pro
        .object(&ann_pro, "demo-ann", "organisation", "northgate")
        .await;
    c.check("post", "/privacy/{patient}/objections", &objected);
    for (who, kind, target) in [
        (&ann_pro, "organisation", "northgate"),
        (&ann_pro, "visit", "nowhere"),
        (&david, "all", ""),
    ] {
        c.check(
            "post",
            "/privacy/{patient}/objections",
            &pro.object(who, "demo-ann", kind, target).await,
        );
    }
    c.check(
        "post",
        "/privacy/{patient}/objections",
        &pro.call(
            "POST",
            "/api/v1/privacy/demo-ann/objections",
            None,
            Some(json!({"kind": "all"})),
        )
        .await,
    );
    c.check(
        "get",
        "/professional/fhir/.well-known/smart-configuration",
        &pro.call(
            "GET",
            "/professional/fhir/.well-known/smart-configuration",
            None,
            None,
        )
        .await,
    );
    let token = pro.token(&north, "TREAT").await;
    c.check(
        "post",
        "/professional/token",
        &pro.token_with("not-a-jwt", "system/*.rs").await,
    );
    c.check(
        "post",
        "/professional/token",
        &pro.token_with(
            &common::professional::assertion(&north, common::professional::claims(&north, "TREAT")),
            "user/*.rs",
        )
        .await,
    );
    c.check(
        "post",
        "/professional/token",
        &pro.token_with(
            &common::professional::assertion(
                &north,
                common::professional::claims(&north, "ETREAT"),
            ),
            "system/*.rs",
        )
        .await,
    );
    for path in [
        "Observation?patient=demo-ann",
        "Observation?_count=1",
        "Observation?patient=demo-ann&_count=x",
    ] {
        c.check(
            "get",
            "/professional/fhir/{type}",
            &pro.fhir(&token, path).await,
        );
    }
    c.check(
        "get",
        "/professional/fhir/{type}",
        &pro.fhir("expired", "Observation?patient=demo-ann").await,
    );
    let emergency = pro.token(&north, "ETREAT").await;
    c.check(
        "get",
        "/professional/fhir/{type}",
        &pro.fhir(&emergency, "Observation?patient=demo-ann&_count=2")
            .await,
    );
    for path in ["Patient/demo-ann", "Patient/nobody", "Patient/a%20b"] {
        c.check(
            "get",
            "/professional/fhir/{type}/{id}",
            &pro.fhir(&token, path).await,
        );
        c.check(
            "get",
            "/professional/fhir/{type}/{id}",
            &pro.fhir(&emergency, path).await,
        );
    }
    c.check(
        "get",
        "/professional/fhir/{type}/{id}",
        &pro.fhir("nonsense", "Patient/demo-ann").await,
    );
    let hospital = pro
        .register("riverside-ehr", "riverside", "Riverside General Hospital")
        .await;
    let reporter = pro
        .token_with(
            &common::professional::assertion(
                &hospital,
                common::professional::claims(&hospital, "TREAT"),
            ),
            "system/AuditEvent.c",
        )
        .await;
    c.check("post", "/professional/token", &reporter);
    let reporter = reporter.body["access_token"].as_str().unwrap().to_string();
    let report = json!({
        "resourceType": "AuditEvent",
        "subtype": [{"code": "search-type"}],
        "recorded": "2026-05-03T14:02:00Z",
        "agent": [{"name": "Nurse Kim Lee", "role": [{"text": "Ward nurse"}], "requestor": true}],
        "entity": [
            {"what": {"reference": "Patient/demo-ann"}, "role": {"code": "1"}},
            {"description": "Observation?patient=demo-ann", "role": {"code": "24"}},
        ],
    });
    for (token, body) in [
        (reporter.as_str(), report.clone()),
        (reporter.as_str(), json!({"resourceType": "AuditEvent"})),
        (token.as_str(), report.clone()),
        ("nonsense", report),
    ] {
        let answer = pro
            .send(
                Call::new("POST", "/professional/fhir/AuditEvent")
                    .header("authorization", format!("Bearer {token}"))
                    .json(body),
            )
            .await;
        c.check("post", "/professional/fhir/{type}", &answer);
    }
    let consent = objected.body["id"].as_str().unwrap();
    let withdrawal = format!("/api/v1/privacy/demo-ann/objections/{consent}/withdrawal");
    for who in [&ann_pro, &ann_pro, &david] {
        c.check(
            "post",
            "/privacy/{patient}/objections/{id}/withdrawal",
            &pro.call("POST", &withdrawal, Some(who), None).await,
        );
    }
    c.check(
        "post",
        "/privacy/{patient}/objections/{id}/withdrawal",
        &pro.call(
            "POST",
            "/api/v1/privacy/demo-ann/objections/objection-999/withdrawal",
            Some(&ann_pro),
            None,
        )
        .await,
    );
    c.check(
        "post",
        "/privacy/{patient}/objections/{id}/withdrawal",
        &pro.call("POST", &withdrawal, None, None).await,
    );

    c
}

async fn account_settings() -> Contract {
    let pro = portal().await;
    let mut c = Contract::load();
    let ann_pro = pro.ann().await;
    // The account's own settings.
    let other = pro.signed_in("ann").await;
    let sessions = pro.get("/api/v1/account/sessions", &ann_pro).await;
    c.check("get", "/account/sessions", &sessions);
    c.check(
        "get",
        "/account/sessions",
        &pro.call("GET", "/api/v1/account/sessions", None, None)
            .await,
    );
    let other_id = sessions.body["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["current"] == false)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    for id in [other_id.as_str(), "000000000000"] {
        c.check(
            "post",
            "/account/sessions/{id}/end",
            &pro.call(
                "POST",
                &format!("/api/v1/account/sessions/{id}/end"),
                Some(&ann_pro),
                None,
            )
            .await,
        );
    }
    c.check(
        "post",
        "/account/sessions/{id}/end",
        &pro.call("POST", "/api/v1/account/sessions/x/end", None, None)
            .await,
    );
    c.check(
        "post",
        "/account/sessions/end-others",
        &pro.call(
            "POST",
            "/api/v1/account/sessions/end-others",
            Some(&ann_pro),
            None,
        )
        .await,
    );
    c.check(
        "post",
        "/account/sessions/end-others",
        &pro.call(
            "POST",
            "/api/v1/account/sessions/end-others",
            Some(&other),
            None,
        )
        .await,
    );
    let change =
        |current: &str, new: &str| json!({"current": current, "new": new, "keepThisSession": true});
    for body in [
        change(PASSWORD, "short"),
        change("wrong", "kettle orbit velvet pine"),
        change(PASSWORD, "kettle orbit velvet pine"),
    ] {
        c.check(
            "post",
            "/account/password",
            &pro.post("/api/v1/account/password", &ann_pro, body).await,
        );
    }
    for _ in 0..6 {
        pro.post(
            "/api/v1/account/password",
            &ann_pro,
            change("wrong", "harbour lantern quietly moss"),
        )
        .await;
    }
    c.check(
        "post",
        "/account/password",
        &pro.post(
            "/api/v1/account/password",
            &ann_pro,
            change("wrong", "harbour lantern quietly moss"),
        )
        .await,
    );
    c.check(
        "post",
        "/account/password",
        &pro.call(
            "POST",
            "/api/v1/account/password",
            None,
            Some(change("x", "y")),
        )
        .await,
    );
    let david_pro = pro.signed_in("david").await;
    let report = |current: &str, new: &str| json!({"current": current, "new": new});
    for body in [
        report(PASSWORD, "short"),
        report("wrong", "kettle orbit velvet pine"),
        report(PASSWORD, "kettle orbit velvet pine"),
    ] {
        c.check(
            "post",
            "/account/compromised",
            &pro.post("/api/v1/account/compromised", &david_pro, body)
                .await,
        );
    }
    // A new sign-in with the new password (the terms are accepted again: they are per account,
    // so this changes nothing).
    let david_again = pro
        .signed_in_with("david", "kettle orbit velvet pine")
        .await;
    for _ in 0..6 {
        pro.post(
            "/api/v1/account/compromised",
            &david_again,
            report("wrong", "harbour lantern quietly moss"),
        )
        .await;
    }
    c.check(
        "post",
        "/account/compromised",
        &pro.post(
            "/api/v1/account/compromised",
            &david_again,
            report("wrong", "harbour lantern quietly moss"),
        )
        .await,
    );

    c
}

async fn two_step_sign_in() -> Contract {
    let p = portal().await;
    let mut c = Contract::load();
    // Two-step sign-in: Claire turns it on, makes new recovery codes, and turns it off.
    let claire = p.signed_in("claire").await;
    let post = |path: &'static str, body: Value| {
        let (p, claire) = (p.clone(), claire.clone());
        async move { p.post(path, &claire, body).await }
    };
    let setup = post(
        "/api/v1/account/two-step/setup",
        json!({"password": PASSWORD}),
    )
    .await;
    c.check("post", "/account/two-step/setup", &setup);
    let secret = setup.body["secret"].as_str().unwrap().to_string();
    for code in [
        "000000".to_string(),
        totp::current_code(&secret, time::now()).unwrap(),
    ] {
        c.check(
            "post",
            "/account/two-step/confirm",
            &post("/api/v1/account/two-step/confirm", json!({"code": code})).await,
        );
    }
    c.check(
        "post",
        "/account/two-step/setup",
        &post(
            "/api/v1/account/two-step/setup",
            json!({"password": PASSWORD}),
        )
        .await,
    );
    c.check(
        "get",
        "/account/security",
        &p.get("/api/v1/account/security", &claire).await,
    );
    for (path, doc) in [
        (
            "/api/v1/account/two-step/recovery-codes",
            "/account/two-step/recovery-codes",
        ),
        ("/api/v1/account/two-step/off", "/account/two-step/off"),
    ] {
        c.check("post", doc, &post(path, json!({"password": "wrong"})).await);
        c.check(
            "post",
            doc,
            &post(path, json!({"password": PASSWORD})).await,
        );
    }
    c.check(
        "post",
        "/account/two-step/off",
        &post(
            "/api/v1/account/two-step/off",
            json!({"password": PASSWORD}),
        )
        .await,
    );
    c
}

async fn a_required_second_factor() -> Contract {
    let mut c = Contract::load();
    // A portal that requires a second factor leads Ann through setting one up.
    let required = common::portal_with("--require-second-factor", None).await;
    let first = required.sign_in("ann", PASSWORD).await;
    c.check("post", "/session", &first);
    let setting_up = first.cookie();
    c.check(
        "get",
        "/session",
        &required.get("/api/v1/session", &setting_up).await,
    );
    let setup = required
        .post("/api/v1/account/two-step/setup", &setting_up, json!({}))
        .await;
    let secret = setup.body["secret"].as_str().unwrap().to_string();
    let code = totp::current_code(&secret, time::now()).unwrap();
    let confirmed = required
        .post(
            "/api/v1/account/two-step/confirm",
            &setting_up,
            json!({"code": code}),
        )
        .await;
    c.check("post", "/account/two-step/confirm", &confirmed);
    // Signing in with a recovery code.
    let codes = confirmed.body["recoveryCodes"].clone();
    let waiting = required.sign_in("ann", PASSWORD).await.cookie();
    c.check(
        "post",
        "/session/second-factor",
        &required.code(&waiting, codes[0].as_str().unwrap()).await,
    );

    c
}

async fn closing_an_account() -> Contract {
    let p = portal().await;
    let mut c = Contract::load();
    // Closing an account: a wrong password, then the request; signing in then says so.
    let jordan = p.signed_in("jordan").await;
    for password in ["wrong", PASSWORD] {
        c.check(
            "post",
            "/account/close",
            &p.post(
                "/api/v1/account/close",
                &jordan,
                json!({"password": password}),
            )
            .await,
        );
    }
    c.check("post", "/session", &p.sign_in("jordan", PASSWORD).await);

    c
}

async fn passkeys() -> Contract {
    let p = portal().await;
    let mut c = Contract::load();
    // Passkeys, on a portal with a public address: added, listed, used to sign in, removed.
    let keys = common::passkeys::portal().await;
    let ann_keys = keys.signed_in("ann").await;
    let mut phone = common::passkeys::Phone::new();
    c.check(
        "post",
        "/account/passkeys/options",
        &keys
            .post(
                "/api/v1/account/passkeys/options",
                &ann_keys,
                json!({"password": PASSWORD}),
            )
            .await,
    );
    c.check(
        "post",
        "/account/passkeys",
        &keys.add_passkey(&ann_keys, &mut phone, "My phone").await,
    );
    c.check(
        "post",
        "/account/passkeys",
        &keys
            .post("/api/v1/account/passkeys", &ann_keys, json!({"ceremony": "used", "name": "x", "credential": {"id": "", "rawId": "", "type": "public-key", "response": {"attestationObject": "", "clientDataJSON": ""}}}))
            .await,
    );
    let list = keys.get("/api/v1/account/passkeys", &ann_keys).await;
    c.check("get", "/account/passkeys", &list);
    let (ceremony, options, answer) = keys.challenge_answer().await;
    c.check("post", "/session/passkey/options", &answer);
    let assertion = phone.answer(common::passkeys::origin(), options);
    c.check(
        "post",
        "/session/passkey",
        &keys.sign_in_with_passkey(&ceremony, &assertion).await,
    );
    c.check(
        "post",
        "/session/passkey",
        &keys.sign_in_with_passkey(&ceremony, &assertion).await,
    );
    let id = list.body["passkeys"][0]["id"].as_str().unwrap().to_string();
    for _ in 0..2 {
        c.check(
            "post",
            "/account/passkeys/{id}/remove",
            &keys
                .post(
                    &format!("/api/v1/account/passkeys/{id}/remove"),
                    &ann_keys,
                    json!({"password": PASSWORD}),
                )
                .await,
        );
    }
    c.check(
        "post",
        "/session/passkey/options",
        &p.call(
            "POST",
            "/api/v1/session/passkey/options",
            None,
            Some(json!({})),
        )
        .await,
    );

    c
}

async fn email() -> Contract {
    let mut c = Contract::load();
    // Email: a new address confirmed by the code sent to it; what the account is told about.
    let (mail, outbox) = common::portal_with_outbox("").await;
    let ann_mail = mail.signed_in("ann").await;
    let post = |path: &'static str, body: Value| {
        let (mail, ann_mail) = (mail.clone(), ann_mail.clone());
        async move { mail.post(path, &ann_mail, body).await }
    };
    for body in [
        json!({"address": "not an address", "password": PASSWORD}),
        json!({"address": "ann@new.example", "password": "wrong"}),
        json!({"address": "ann@new.example", "password": PASSWORD}),
    ] {
        c.check(
            "post",
            "/account/email",
            &post("/api/v1/account/email", body).await,
        );
    }
    c.check(
        "get",
        "/account/email",
        &mail.get("/api/v1/account/email", &ann_mail).await,
    );
    let code = common::code_in(&common::outbox(&outbox)[0]);
    for code in ["AAAA-AAAA-AAAA", &code, &code] {
        c.check(
            "post",
            "/account/email/confirm",
            &post("/api/v1/account/email/confirm", json!({"code": code})).await,
        );
    }
    c.check(
        "get",
        "/account/email",
        &mail.get("/api/v1/account/email", &ann_mail).await,
    );
    c.check(
        "get",
        "/account/notifications",
        &mail.get("/api/v1/account/notifications", &ann_mail).await,
    );
    for body in [
        json!({"results": false}),
        json!({"results": false, "documents": true, "letters": true, "appointments": false, "othersRecords": true}),
    ] {
        c.check(
            "post",
            "/account/notifications",
            &post("/api/v1/account/notifications", body).await,
        );
    }

    c
}

async fn messages() -> Contract {
    let mut c = Contract::load();
    // Messages: the inbox, what asking offers, a question (refused, then sent), a conversation,
    // a reply, unread counts, drafts kept, read and thrown away; a stranger and a flood refused.
    let p = common::professional::portal().await;
    let ann = p.ann().await;
    let jordan = p.signed_in("jordan").await;
    for (who, patient) in [(&ann, "demo-ann"), (&jordan, "demo-ann")] {
        c.check(
            "get",
            "/messages",
            &p.get(&format!("/api/v1/messages?patient={patient}"), who)
                .await,
        );
        c.check(
            "get",
            "/messages/options",
            &p.get(&format!("/api/v1/messages/options?patient={patient}"), who)
                .await,
        );
    }
    c.check(
        "get",
        "/messages",
        &p.call("GET", "/api/v1/messages?patient=demo-ann", None, None)
            .await,
    );
    c.check(
        "get",
        "/messages/unread",
        &p.get("/api/v1/messages/unread", &ann).await,
    );
    c.check(
        "get",
        "/messages/unread",
        &p.call("GET", "/api/v1/messages/unread", None, None).await,
    );
    let ask = |subject: &str| json!({"patient": "demo-ann", "topic": "medicine", "subject": subject, "body": "Can I take it with food?"});
    for (who, body) in [
        (
            &ann,
            json!({"patient": "demo-ann", "topic": "nope", "subject": "x", "body": "y"}),
        ),
        (&jordan, ask("Not mine")),
    ] {
        c.check(
            "post",
            "/messages",
            &p.post("/api/v1/messages", who, body).await,
        );
    }
    let sent = p.post("/api/v1/messages", &ann, ask("With food?")).await;
    c.check("post", "/messages", &sent);
    let id = sent.body["id"].as_i64().unwrap();
    c.check(
        "get",
        "/messages/{id}",
        &p.get(&format!("/api/v1/messages/{id}"), &ann).await,
    );
    c.check(
        "get",
        "/messages/{id}",
        &p.get("/api/v1/messages/999999", &ann).await,
    );
    c.check(
        "get",
        "/messages/{id}",
        &p.get(&format!("/api/v1/messages/{id}"), &jordan).await,
    );
    let reply = |body: &str| json!({"body": body});
    c.check(
        "post",
        "/messages/{id}/replies",
        &p.post(
            &format!("/api/v1/messages/{id}/replies"),
            &ann,
            reply("And with milk?"),
        )
        .await,
    );
    c.check(
        "post",
        "/messages/{id}/replies",
        &p.post(&format!("/api/v1/messages/{id}/replies"), &ann, reply(" "))
            .await,
    );
    c.check(
        "post",
        "/messages/{id}/replies",
        &p.post("/api/v1/messages/999999/replies", &ann, reply("x"))
            .await,
    );
    let draft = format!("/api/v1/messages/drafts/{id}");
    c.check(
        "put",
        "/messages/drafts/{place}",
        &p.send(
            Call::new("PUT", &draft)
                .cookie(&ann)
                .json(json!({"patient": "demo-ann", "body": "I forgot to say"})),
        )
        .await,
    );
    c.check(
        "put",
        "/messages/drafts/{place}",
        &p.send(
            Call::new("PUT", &draft)
                .cookie(&ann)
                .json(json!({"patient": "demo-ann", "body": "x".repeat(9000)})),
        )
        .await,
    );
    c.check(
        "put",
        "/messages/drafts/{place}",
        &p.send(
            Call::new("PUT", &draft)
                .cookie(&jordan)
                .json(json!({"patient": "demo-ann", "body": "x"})),
        )
        .await,
    );
    c.check(
        "get",
        "/messages/drafts/{place}",
        &p.get(&format!("{draft}?patient=demo-ann"), &ann).await,
    );
    c.check(
        "get",
        "/messages/drafts/{place}",
        &p.get("/api/v1/messages/drafts/new?patient=demo-ann", &ann)
            .await,
    );
    c.check(
        "get",
        "/messages/drafts/{place}",
        &p.get("/api/v1/messages/drafts/nowhere?patient=demo-ann", &ann)
            .await,
    );
    c.check(
        "get",
        "/messages/drafts/{place}",
        &p.get("/api/v1/messages/drafts/new?patient=demo-ann", &jordan)
            .await,
    );
    c.check(
        "delete",
        "/messages/drafts/{place}",
        &p.send(Call::new("DELETE", &format!("{draft}?patient=demo-ann")).cookie(&ann))
            .await,
    );
    c.check(
        "delete",
        "/messages/drafts/{place}",
        &p.send(
            Call::new("DELETE", "/api/v1/messages/drafts/nowhere?patient=demo-ann").cookie(&ann),
        )
        .await,
    );
    c.check(
        "delete",
        "/messages/drafts/{place}",
        &p.send(
            Call::new("DELETE", "/api/v1/messages/drafts/new?patient=demo-ann").cookie(&jordan),
        )
        .await,
    );
    c.check(
        "delete",
        "/messages/drafts/{place}",
        &p.call(
            "DELETE",
            "/api/v1/messages/drafts/new?patient=demo-ann",
            None,
            None,
        )
        .await,
    );
    // Files: added to a draft (and refused in words), sent with the message, downloaded, taken
    // off; the hospital's system downloads them too.
    let upload = |cookie: Option<&'static str>, place: &str, bytes: Vec<u8>| {
        let uri =
            format!("/api/v1/messages/attachments?patient=demo-ann&place={place}&name=rash.jpg");
        (uri, cookie, bytes)
    };
    let photo = [0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3].to_vec();
    let mut files = Vec::new();
    for (uri, cookie, bytes) in [
        upload(None, "new", photo.clone()),
        upload(None, "new", b"<html>".to_vec()),
        upload(None, "nowhere", photo.clone()),
        upload(None, "new", photo.clone()),
    ] {
        let answer = p
            .send(
                Call::new("POST", &uri)
                    .cookie(cookie.unwrap_or(&ann))
                    .bytes(bytes),
            )
            .await;
        c.check("post", "/messages/attachments", &answer);
        files.extend(answer.body["attachment"]["id"].as_str().map(String::from));
    }
    let big = Call::new(
        "POST",
        "/api/v1/messages/attachments?patient=demo-ann&place=new&name=big.jpg",
    )
    .cookie(&ann)
    .header("content-length", "20000000")
    .bytes(photo.clone());
    c.check("post", "/messages/attachments", &p.send(big).await);
    c.check(
        "post",
        "/messages/attachments",
        &p.send(
            Call::new(
                "POST",
                "/api/v1/messages/attachments?patient=demo-ann&place=new&name=x.jpg",
            )
            .bytes(photo.clone()),
        )
        .await,
    );
    let [kept, taken_off] = &files[..] else {
        panic!("two files added: {files:?}")
    };
    let off = |id: &str| format!("/api/v1/messages/attachments/{id}?patient=demo-ann");
    c.check(
        "delete",
        "/messages/attachments/{id}",
        &p.send(Call::new("DELETE", &off(taken_off)).cookie(&ann))
            .await,
    );
    c.check(
        "get",
        "/messages/drafts/{place}",
        &p.get("/api/v1/messages/drafts/new?patient=demo-ann", &ann)
            .await,
    );
    p.post("/api/v1/messages", &ann, ask("A photo")).await;
    for (id, cookie) in [
        (kept.as_str(), Some(ann.as_str())),
        ("att-nope", Some(&ann)),
        (kept, None),
    ] {
        let mut call = Call::new("GET", "");
        let uri = format!("/api/v1/messages/attachments/{id}");
        call.uri = &uri;
        call.cookie = cookie;
        c.check("get", "/messages/attachments/{id}", &p.send(call).await);
    }
    for (id, cookie) in [
        (kept.as_str(), Some(ann.as_str())),
        ("att-nope", Some(&ann)),
        (kept, None),
    ] {
        let uri = off(id);
        let mut call = Call::new("DELETE", &uri);
        call.cookie = cookie;
        c.check("delete", "/messages/attachments/{id}", &p.send(call).await);
    }
    // The hospital's messaging system finds it, reads it and replies; others may not.
    let answering = p
        .register_as(
            "riverside-messages",
            "riverside",
            "Riverside General Hospital",
            true,
        )
        .await;
    let hospital = p
        .token_with(
            &common::professional::assertion(
                &answering,
                common::professional::claims(&answering, "TREAT"),
            ),
            "system/Communication.rs system/Communication.c",
        )
        .await
        .body["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let gp = p
        .register("gp-system", "northgate-surgery", "Northgate Surgery")
        .await;
    let reader = p.token(&gp, "TREAT").await;
    for (token, path) in [
        (&hospital, "Communication?received:missing=true"),
        (&hospital, "Communication?sent=soon"),
        (&reader, "Communication"),
    ] {
        c.check(
            "get",
            "/professional/fhir/Communication",
            &p.fhir(token, path).await,
        );
    }
    let first = p
        .fhir(&hospital, "Communication?patient=demo-ann")
        .await
        .body["entry"][0]["resource"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    for path in [
        format!("Communication/{first}"),
        "Communication/nope".into(),
    ] {
        c.check(
            "get",
            "/professional/fhir/Communication/{id}",
            &p.fhir(&hospital, &path).await,
        );
    }
    for (token, id) in [
        (Some(hospital.as_str()), kept.as_str()),
        (Some(&reader), kept),
        (Some(&hospital), "att-nope"),
        (None, kept),
    ] {
        let uri = format!("/professional/messages/attachments/{id}");
        let mut call = Call::new("GET", &uri);
        if let Some(token) = token {
            call = call.header("authorization", format!("Bearer {token}"));
        }
        c.check(
            "get",
            "/professional/messages/attachments/{id}",
            &p.send(call).await,
        );
    }
    for (token, context, bytes) in [
        (
            Some(hospital.as_str()),
            Some("Patient/demo-ann"),
            b"%PDF-1.4".to_vec(),
        ),
        (Some(&hospital), None, b"%PDF-1.4".to_vec()),
        (
            Some(&hospital),
            Some("Patient/demo-ann"),
            b"<html>".to_vec(),
        ),
        (
            Some(&reader),
            Some("Patient/demo-ann"),
            b"%PDF-1.4".to_vec(),
        ),
        (None, Some("Patient/demo-ann"), b"%PDF-1.4".to_vec()),
    ] {
        let mut call = Call::new("POST", "/professional/fhir/Binary").bytes(bytes);
        if let Some(token) = token {
            call = call.header("authorization", format!("Bearer {token}"));
        }
        if let Some(context) = context {
            call = call.header("x-security-context", context.to_string());
        }
        c.check("post", "/professional/fhir/Binary", &p.send(call).await);
    }
    let big = Call::new("POST", "/professional/fhir/Binary")
        .header("authorization", format!("Bearer {hospital}"))
        .header("x-security-context", "Patient/demo-ann".to_string())
        .header("content-length", "20000000")
        .bytes(b"%PDF-1.4".to_vec());
    c.check("post", "/professional/fhir/Binary", &p.send(big).await);
    let pro_reply = |token: &str, body: Value| {
        Call::new("POST", "/professional/fhir/Communication")
            .header("authorization", format!("Bearer {token}"))
            .json(body)
    };
    for (token, body) in [
        (
            &hospital,
            json!({"resourceType": "Communication", "inResponseTo": [{"reference": format!("Communication/{first}")}], "payload": [{"contentString": "Yes."}]}),
        ),
        (&hospital, json!({"resourceType": "Communication"})),
        (&reader, json!({"resourceType": "Communication"})),
    ] {
        c.check(
            "post",
            "/professional/fhir/Communication",
            &p.send(pro_reply(token, body)).await,
        );
    }
    for n in 0..9 {
        p.post("/api/v1/messages", &ann, ask(&format!("Question {n}")))
            .await;
    }
    c.check(
        "post",
        "/messages",
        &p.post("/api/v1/messages", &ann, ask("Too many")).await,
    );
    c.check(
        "post",
        "/messages/{id}/replies",
        &p.post(
            &format!("/api/v1/messages/{id}/replies"),
            &ann,
            reply("Too many"),
        )
        .await,
    );
    for (method, path) in [
        ("POST", "/api/v1/messages"),
        ("POST", "/api/v1/messages/1/replies"),
        ("PUT", "/api/v1/messages/drafts/new"),
    ] {
        let documented = if method == "PUT" {
            "/messages/drafts/{place}"
        } else if path.ends_with("replies") {
            "/messages/{id}/replies"
        } else {
            "/messages"
        };
        c.check(
            &method.to_lowercase(),
            documented,
            &p.call(
                method,
                path,
                None,
                Some(json!({"patient": "demo-ann", "topic": "x", "subject": "x", "body": "x"})),
            )
            .await,
        );
    }
    c
}

async fn signing_out() -> Contract {
    let p = portal().await;
    let mut c = Contract::load();
    let ann = p.ann().await;
    // Signing out, and what a browser then sees.
    c.check(
        "delete",
        "/session",
        &p.call("DELETE", "/api/v1/session", Some(&ann), None).await,
    );
    c.check("get", "/session", &p.get("/api/v1/session", &ann).await);
    c
}

#[tokio::test]
async fn signing_in_as_documented() {
    signing_in().await.agrees();
}

#[tokio::test]
async fn terms_the_patient_list_and_the_record_as_documented() {
    terms_the_patient_list_and_the_record().await.agrees();
}

#[tokio::test]
async fn acting_for_others_as_documented() {
    acting_for_others().await.agrees();
}

#[tokio::test]
async fn invitations_as_documented() {
    invitations().await.agrees();
}

#[tokio::test]
async fn shares_as_documented() {
    shares().await.agrees();
}

#[tokio::test]
async fn privacy_and_other_organisations_as_documented() {
    privacy_and_other_organisations().await.agrees();
}

#[tokio::test]
async fn account_settings_as_documented() {
    account_settings().await.agrees();
}

#[tokio::test]
async fn two_step_sign_in_as_documented() {
    two_step_sign_in().await.agrees();
}

#[tokio::test]
async fn a_required_second_factor_as_documented() {
    a_required_second_factor().await.agrees();
}

#[tokio::test]
async fn closing_an_account_as_documented() {
    closing_an_account().await.agrees();
}

#[tokio::test]
async fn passkeys_as_documented() {
    passkeys().await.agrees();
}

#[tokio::test]
async fn email_as_documented() {
    email().await.agrees();
}

#[tokio::test]
async fn messages_as_documented() {
    messages().await.agrees();
}

#[tokio::test]
async fn signing_out_as_documented() {
    signing_out().await.agrees();
}

/// Each area runs on its own portals, so all run at once; together they must exercise every
/// operation the document describes.
#[tokio::test]
async fn every_documented_operation_is_exercised() {
    let areas = tokio::join!(
        signing_in(),
        terms_the_patient_list_and_the_record(),
        acting_for_others(),
        invitations(),
        shares(),
        privacy_and_other_organisations(),
        account_settings(),
        two_step_sign_in(),
        a_required_second_factor(),
        closing_an_account(),
        passkeys(),
        email(),
        signing_out(),
        messages(),
    );
    let mut all = Contract::load();
    all.exercised.extend(areas.0.exercised);
    all.exercised.extend(areas.1.exercised);
    all.exercised.extend(areas.2.exercised);
    all.exercised.extend(areas.3.exercised);
    all.exercised.extend(areas.4.exercised);
    all.exercised.extend(areas.5.exercised);
    all.exercised.extend(areas.6.exercised);
    all.exercised.extend(areas.7.exercised);
    all.exercised.extend(areas.8.exercised);
    all.exercised.extend(areas.9.exercised);
    all.exercised.extend(areas.10.exercised);
    all.exercised.extend(areas.11.exercised);
    all.exercised.extend(areas.12.exercised);
    all.exercised.extend(areas.13.exercised);
    all.covers_the_document();
}

#[test]
fn an_answer_unlike_the_document_is_reported() {
    let mut c = Contract::load();
    let wrong = Answer {
        status: StatusCode::OK,
        headers: [(header::CONTENT_TYPE, "application/json".parse().unwrap())]
            .into_iter()
            .collect(),
        body: json!({"status": "signed-in", "user": "ann"}),
    };
    c.check("get", "/session", &wrong);
    let teapot = Answer {
        status: StatusCode::IM_A_TEAPOT,
        ..wrong
    };
    c.check("get", "/portal", &teapot);
    assert_eq!(c.problems.len(), 2, "{:?}", c.problems);
    assert!(c.problems[1].contains("not documented"));
}
