//! The portal API as a client meets it: real router, real SQLite, in process.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use carefront_portal::demo;
use carefront_portal::infra::time;
use carefront_portal::session::totp;
use common::{PASSWORD, portal, portal_with};
use serde_json::json;

#[tokio::test]
async fn portal_description_is_public_and_never_cached() {
    let p = portal_with("--idle-timeout 600", None).await;
    let a = p.call("GET", "/api/v1/portal", None, None).await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.headers[header::CACHE_CONTROL], "no-store");
    assert_eq!(a.body["idleTimeoutSeconds"], 600);
    assert_eq!(a.body["terms"]["patient"], "1");
    assert!(a.body["emergency"]["number"].is_string());
    assert!(a.body["disclaimer"].as_str().unwrap().contains("as is"));
}

#[tokio::test]
async fn wrong_passwords_are_refused_then_lock_the_account() {
    let p = portal().await;
    let a = p.sign_in("ann", "wrong").await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert_eq!(a.reason(), "invalid-credentials");
    assert_eq!(a.headers[header::CONTENT_TYPE], "application/problem+json");
    let unknown = p.sign_in("nobody", "wrong").await;
    assert_eq!(
        unknown.reason(),
        "invalid-credentials",
        "unknown users look the same"
    );
    for _ in 0..3 {
        assert_eq!(
            p.sign_in("ann", "wrong").await.reason(),
            "invalid-credentials"
        );
    }
    let locked = p.sign_in("ann", "wrong").await;
    assert_eq!(locked.status, StatusCode::LOCKED);
    assert_eq!(locked.reason(), "account-locked");
    assert!(locked.body["retryAfterSeconds"].as_i64().unwrap() > 0);
    let still = p.sign_in("ann", PASSWORD).await;
    assert_eq!(
        still.reason(),
        "account-locked",
        "even the right password waits"
    );
}

#[tokio::test]
async fn session_cookie_is_http_only_and_strict() {
    let p = portal().await;
    let a = p.sign_in("ANN ", PASSWORD).await;
    assert_eq!(a.status, StatusCode::OK);
    let set = a.set_cookie();
    assert!(set.starts_with("__Host-carefront-session="), "{set}");
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/", "Secure"] {
        assert!(
            set.split("; ").any(|a| a == attribute),
            "{attribute} in {set}"
        );
    }
    assert!(!set.contains("Max-Age"), "ends with the browser: {set}");
    assert_eq!(a.body["user"]["displayName"], "Ann Carter");
    assert_eq!(a.body["terms"][0]["accepted"], false);
}

#[tokio::test]
async fn records_wait_for_the_current_terms() {
    let p = portal().await;
    let cookie = p.sign_in("ann", PASSWORD).await.cookie();
    let refused = p.get("/api/v1/patients", &cookie).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(refused.reason(), "terms-not-accepted");
    let fhir = p
        .get("/api/v1/fhir/AllergyIntolerance?patient=demo-ann", &cookie)
        .await;
    assert_eq!(fhir.status, StatusCode::FORBIDDEN);
    assert_eq!(fhir.body["resourceType"], "OperationOutcome");
    assert_eq!(fhir.reason(), "terms-not-accepted");
    let stale = p
        .post(
            "/api/v1/terms/acceptances",
            &cookie,
            json!({"document": "patient", "version": "0"}),
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);

    let cookie = p.ann().await;
    let patients = p.get("/api/v1/patients", &cookie).await;
    assert_eq!(patients.status, StatusCode::OK);
    assert_eq!(
        patients.body,
        json!([{"id": "demo-ann", "name": "Ann Margaret Carter", "birthDate": "1954-03-12", "relationship": "self"}])
    );

    // A new version of the terms must be accepted again.
    let mut v2 = carefront_portal::terms::TermsDocument::built_in("patient");
    v2.version = "2".into();
    carefront_portal::terms::publish(&mut p.state.store.conn().await.unwrap(), &v2)
        .await
        .unwrap();
    let again = p.get("/api/v1/patients", &cookie).await;
    assert_eq!(again.reason(), "terms-not-accepted");
}

#[tokio::test]
async fn state_changes_need_the_csrf_header() {
    let p = portal().await;
    let req = Request::builder()
        .method("POST")
        .uri("/api/v1/session")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            json!({"username": "ann", "password": PASSWORD}).to_string(),
        ))
        .unwrap();
    let res = p.answer(req).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(res.reason(), "csrf-header-missing");
    assert!(res.headers.get(header::SET_COOKIE).is_none());
}

#[tokio::test]
async fn searches_page_through_next_links_within_the_patient_scope() {
    let p = portal().await;
    let cookie = p.ann().await;
    let first = p
        .get(
            "/api/v1/fhir/Observation?patient=demo-ann&_count=100&category=laboratory",
            &cookie,
        )
        .await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(first.headers[header::CACHE_CONTROL], "no-store");
    assert_eq!(first.headers[header::CONTENT_TYPE], "application/fhir+json");
    let total = first.body["total"].as_u64().unwrap() as usize;
    assert!(total > 100, "years of lab results, got {total}");
    let mut seen = Vec::new();
    let mut page = first;
    loop {
        for e in page.body["entry"].as_array().unwrap() {
            assert_eq!(e["resource"]["subject"]["reference"], "Patient/demo-ann");
            seen.push(
                e["resource"]["effectiveDateTime"]
                    .as_str()
                    .unwrap()
                    .to_string(),
            );
        }
        let next = page.body["link"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["relation"] == "next")
            .map(|l| l["url"].as_str().unwrap().to_string());
        match next {
            Some(url) => page = p.get(&url, &cookie).await,
            None => break,
        }
    }
    assert_eq!(seen.len(), total);
    assert!(seen.windows(2).all(|w| w[0] >= w[1]), "newest first");

    let other = p
        .get("/api/v1/fhir/Observation?patient=demo-ben", &cookie)
        .await;
    assert_eq!(other.status, StatusCode::FORBIDDEN);
    assert_eq!(other.reason(), "patient-not-in-scope");
    let bens = p.get("/api/v1/fhir/Patient/demo-ben", &cookie).await;
    assert_eq!(
        bens.status,
        StatusCode::NOT_FOUND,
        "other patients' resources do not exist for Ann"
    );
    let own = p.get("/api/v1/fhir/Patient/demo-ann", &cookie).await;
    assert_eq!(own.body["birthDate"], "1954-03-12");
    let unsupported = p.get("/api/v1/fhir/Claim?patient=demo-ann", &cookie).await;
    assert_eq!(unsupported.status, StatusCode::BAD_REQUEST);

    let dated = p
        .get(
            "/api/v1/fhir/Observation?patient=demo-ann&date=ge2100-01-01",
            &cookie,
        )
        .await;
    assert_eq!(dated.body["total"], 0);
    let audited = p
        .count("SELECT count(*) FROM audit WHERE patient_id = 'demo-ann'")
        .await;
    assert!(audited >= 3, "every record read is audited");
}

#[tokio::test]
async fn second_factor_is_required_checked_and_not_replayable() {
    let p = portal().await;
    let first = p.sign_in("ben", PASSWORD).await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(first.body["status"], "second-factor-required");
    let pending = first.cookie();
    let early = p.get("/api/v1/session", &pending).await;
    assert_eq!(early.body["status"], "second-factor-required");
    let wrong = p
        .post(
            "/api/v1/session/second-factor",
            &pending,
            json!({"code": "000000"}),
        )
        .await;
    assert_eq!(wrong.reason(), "invalid-code");
    let code = totp::current_code(demo::BEN_TOTP_SECRET, time::now()).unwrap();
    let ok = p
        .post(
            "/api/v1/session/second-factor",
            &pending,
            json!({"code": code}),
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK);
    assert_eq!(ok.body["status"], "signed-in");
    let active = ok.cookie();
    assert_ne!(active, pending, "a new token once the code is accepted");
    assert_eq!(
        p.get("/api/v1/session", &active).await.status,
        StatusCode::OK
    );
    assert_eq!(
        p.get("/api/v1/session", &pending).await.body,
        json!({"status": "signed-out", "ended": true})
    );

    let again = p.sign_in("ben", PASSWORD).await.cookie();
    let replay = p
        .post(
            "/api/v1/session/second-factor",
            &again,
            json!({"code": code}),
        )
        .await;
    assert_eq!(replay.reason(), "invalid-code", "a code works once");
}

#[tokio::test]
async fn idle_sessions_expire_and_sign_out_ends_them() {
    let p = portal_with("--idle-timeout 1", None).await;
    let cookie = p.sign_in("ann", PASSWORD).await.cookie();
    assert_eq!(
        p.get("/api/v1/session", &cookie).await.status,
        StatusCode::OK
    );
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let expired = p.get("/api/v1/session", &cookie).await;
    assert_eq!(expired.status, StatusCode::OK);
    assert_eq!(expired.body, json!({"status": "signed-out", "ended": true}));
    let records = p.get("/api/v1/patients", &cookie).await;
    assert_eq!(records.reason(), "session-expired");

    let p = portal().await;
    let cookie = p.sign_in("ann", PASSWORD).await.cookie();
    let out = p
        .call("DELETE", "/api/v1/session", Some(&cookie), None)
        .await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    assert!(
        out.headers[header::SET_COOKIE]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    assert_eq!(
        p.get("/api/v1/session", &cookie).await.body["status"],
        "signed-out"
    );
    let none = p.call("GET", "/api/v1/session", None, None).await;
    assert_eq!(
        none.status,
        StatusCode::OK,
        "signed out is an answer, not an error"
    );
    assert_eq!(none.body, json!({"status": "signed-out"}));
    let records = p.call("GET", "/api/v1/patients", None, None).await;
    assert_eq!(records.reason(), "not-signed-in");
}

#[tokio::test]
async fn serves_the_app_with_caching_and_a_strict_policy() {
    let dir = std::env::temp_dir().join(format!("carefront-static-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("index.html"),
        "<html><script type=\"module\">start()</script></html>",
    )
    .unwrap();
    std::fs::write(dir.join("carefront-0123456789abcdef.js"), "export {}").unwrap();
    let p = portal_with("", Some(dir.clone())).await;
    let index = p.call("GET", "/", None, None).await;
    assert_eq!(index.status, StatusCode::OK);
    assert_eq!(index.headers[header::CACHE_CONTROL], "no-cache");
    let csp = index.headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap();
    assert!(csp.contains("'sha256-") && csp.contains("'wasm-unsafe-eval'"));
    assert!(!csp.contains("unsafe-inline"));
    let deep = p.call("GET", "/record/allergies", None, None).await;
    assert_eq!(deep.body, index.body, "deep links get the app");
    let js = p
        .call("GET", "/carefront-0123456789abcdef.js", None, None)
        .await;
    assert!(
        js.headers[header::CACHE_CONTROL]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    assert_eq!(
        p.call("GET", "/missing.js", None, None).await.status,
        StatusCode::NOT_FOUND
    );
    let api_missing = p.call("GET", "/api/v1/nothing", None, None).await;
    assert_eq!(api_missing.status, StatusCode::NOT_FOUND);

    // Precompressed copies, chosen by what the browser accepts.
    std::fs::write(dir.join("carefront-0123456789abcdef.js.br"), "BROTLI").unwrap();
    std::fs::write(dir.join("carefront-0123456789abcdef.js.gz"), "GZIP").unwrap();
    let fetch = |accept: &'static str| {
        let req = Request::builder()
            .uri("/carefront-0123456789abcdef.js")
            .header(header::ACCEPT_ENCODING, accept)
            .body(Body::empty())
            .unwrap();
        p.answer(req)
    };
    let br = fetch("gzip, deflate, br").await;
    assert_eq!(br.body, "BROTLI");
    assert_eq!(br.headers[header::CONTENT_ENCODING], "br");
    assert_eq!(br.headers[header::VARY], "accept-encoding");
    assert_eq!(
        br.headers[header::CONTENT_TYPE],
        "text/javascript; charset=utf-8"
    );
    let gz = fetch("gzip, br;q=0").await;
    assert_eq!(gz.body, "GZIP");
    let plain = fetch("identity").await;
    assert_eq!(plain.body, "export {}");
    assert!(plain.headers.get(header::CONTENT_ENCODING).is_none());
    std::fs::remove_dir_all(dir).unwrap();
}
