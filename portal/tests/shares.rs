//! Share codes as an attacker who has read the code would try them: a viewer reaching past the
//! shared sections, another patient or any other endpoint; guessing codes, dates of birth and
//! passcodes, in parallel too; a stop or the end of a share while a viewer has it open; the
//! database read for codes and keys. The SMART Health Link is followed the specification's way.

mod common;

use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use carefront_portal::shares::store;
use common::{Answer, Call, Portal};
use serde_json::{Value, json};

const PUBLIC: &str = "http://portal.test";

async fn sharing_portal() -> (Portal, std::path::PathBuf) {
    common::portal_with_outbox(&format!("--public-url {PUBLIC}")).await
}

impl Portal {
    async fn share(&self, cookie: &str, body: Value) -> Answer {
        self.post("/api/v1/shares", cookie, body).await
    }

    /// Ann shares these sections for an hour; the answer with her code and link.
    async fn ann_shares(&self, sections: &[&str]) -> (String, Value) {
        let ann = self.ann().await;
        let made = self
            .share(
                &ann,
                json!({"patient": "demo-ann", "sections": sections, "hours": 1, "label": "For my GP"}),
            )
            .await;
        assert_eq!(made.status, StatusCode::CREATED, "{:?}", made.body);
        (ann, made.body)
    }

    async fn open_share(&self, code: &str, born: &str) -> Answer {
        self.send(Call::new("POST", "/api/v1/shared/session").json(json!({
            "code": code, "birthDate": born, "name": "Dr Ada Jones", "organisation": "Leeds Clinic",
        })))
        .await
    }

    /// A viewer let in with Ann's code: their cookie.
    async fn viewer(&self, code: &str) -> String {
        let opened = self
            .open_share(code, &self.birth_date("demo-ann").await)
            .await;
        assert_eq!(opened.status, StatusCode::CREATED, "{:?}", opened.body);
        opened.cookie()
    }

    async fn manifest(&self, url: &str, passcode: &str) -> Answer {
        let path = url.strip_prefix(PUBLIC).unwrap();
        // As a receiving application sends it: no cookie, no X-Carefront header.
        let req = axum::http::Request::post(path)
            .header("content-type", "application/json")
            .body(axum::body::Body::from(
                json!({"recipient": "Dr Ada Jones, Leeds Clinic", "passcode": passcode})
                    .to_string(),
            ))
            .unwrap();
        self.answer(with_peer(req)).await
    }

    async fn fetch(&self, location: &str) -> Answer {
        let path = location.strip_prefix(PUBLIC).unwrap();
        let req = axum::http::Request::get(path)
            .body(axum::body::Body::empty())
            .unwrap();
        self.answer(with_peer(req)).await
    }

    async fn shares_of(&self, cookie: &str, patient: &str) -> Answer {
        self.get(&format!("/api/v1/shares?patient={patient}"), cookie)
            .await
    }
}

fn with_peer(
    mut req: axum::http::Request<axum::body::Body>,
) -> axum::http::Request<axum::body::Body> {
    let peer: std::net::SocketAddr = "127.0.0.1:40000".parse().unwrap();
    req.extensions_mut()
        .insert(axum::extract::ConnectInfo(peer));
    req
}

fn code_of(made: &Value) -> String {
    made["code"].as_str().unwrap().to_string()
}

/// The SMART Health Link's payload, decoded as a receiver decodes it.
fn payload(made: &Value) -> Value {
    let link = made["link"].as_str().unwrap();
    let encoded = link.strip_prefix("shlink:/").expect("a plain shlink");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(encoded).unwrap()).unwrap()
}

fn decrypt(jwe: &str, key: &str) -> Value {
    let decrypter = josekit::jwe::Dir
        .decrypter_from_bytes(URL_SAFE_NO_PAD.decode(key).unwrap())
        .unwrap();
    let (plain, header) = josekit::jwe::deserialize_compact(jwe, &decrypter).unwrap();
    assert_eq!(header.content_type(), Some("application/fhir+json"));
    serde_json::from_slice(&plain).unwrap()
}

#[tokio::test]
async fn a_share_gives_a_grouped_code_a_viewer_address_and_a_plain_link() {
    let (p, _) = sharing_portal().await;
    let (_, made) = p.ann_shares(&["results", "medicines"]).await;
    let code = code_of(&made);
    assert!(regex_like_code(&code), "K7Q2-9XMD-4TPA style, not {code}");
    assert_eq!(made["viewerUrl"], json!(format!("{PUBLIC}/shared#{code}")));
    let link = payload(&made);
    assert_eq!(link["flag"], "P");
    assert_eq!(
        link["label"], "Shared health record",
        "the patient's own label never travels in the link"
    );
    assert_eq!(link["key"].as_str().unwrap().len(), 43);
    let url = link["url"].as_str().unwrap();
    assert!(
        url.starts_with(&format!("{PUBLIC}/shl/")) && url.len() <= 128,
        "{url}"
    );
    assert_eq!(url.rsplit('/').next().unwrap().len(), 43, "256 bits");
    let share = &made["share"];
    assert_eq!(share["sections"], json!(["results", "medicines"]));
    assert_eq!(share["status"], "active");
    assert_eq!(share["views"], json!([]));
    assert_eq!(share["createdBy"]["you"], true);
}

fn regex_like_code(code: &str) -> bool {
    let groups: Vec<&str> = code.split('-').collect();
    groups.len() == 3
        && groups.iter().all(|g| {
            g.len() == 4
                && g.chars()
                    .all(|c| "0123456789ABCDEFGHJKMNPQRSTVWXYZ".contains(c))
        })
}

#[tokio::test]
async fn neither_the_code_nor_the_link_nor_its_key_is_kept_in_clear() {
    let (p, _) = sharing_portal().await;
    let (_, made) = p.ann_shares(&["results"]).await;
    let code = code_of(&made);
    let link = payload(&made);
    let link_id = link["url"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    let canonical = code.replace('-', "");
    let texts = p.everything_stored().await;
    for secret in [&code, &canonical, &link_id] {
        assert!(
            !texts.iter().any(|t| t.contains(secret.as_str())),
            "{secret} is in the database"
        );
    }
    // The key is kept while the share can be opened (files are made when asked for), and only
    // then: see `stopping_...`.
}

#[tokio::test]
async fn a_viewer_reads_the_shared_sections_of_that_patient_and_nothing_else() {
    let (p, _) = sharing_portal().await;
    let (_, made) = p.ann_shares(&["results", "medicines"]).await;
    // Typed as people type it: lower case, spaces instead of dashes.
    let typed = code_of(&made).to_lowercase().replace('-', " ");
    let opened = p.open_share(&typed, &p.birth_date("demo-ann").await).await;
    assert_eq!(opened.status, StatusCode::CREATED, "{:?}", opened.body);
    assert_eq!(opened.body["patient"]["id"], "demo-ann");
    assert_eq!(opened.body["sections"], json!(["results", "medicines"]));
    assert!(opened.body["secondsLeft"].as_i64().unwrap() > 3500);
    let set = opened.set_cookie();
    assert!(set.starts_with("__Host-carefront-shared="), "{set}");
    for attribute in ["Path=/", "HttpOnly", "SameSite=Strict", "Secure"] {
        assert!(set.contains(attribute), "{set}");
    }
    let viewer = opened.cookie();

    let observations = p
        .get(
            "/api/v1/shared/fhir/Observation?patient=demo-ann&_count=5",
            &viewer,
        )
        .await;
    assert_eq!(observations.status, StatusCode::OK);
    assert!(observations.body["total"].as_u64().unwrap() > 5);
    let next = observations.body["link"][1]["url"].as_str().unwrap();
    assert!(
        next.starts_with("/api/v1/shared/fhir/Observation?"),
        "{next}"
    );
    let first = &observations.body["entry"][0];
    assert!(
        first["fullUrl"]
            .as_str()
            .unwrap()
            .starts_with("/api/v1/shared/fhir/")
    );
    let id = first["resource"]["id"].as_str().unwrap();
    let read = p
        .get(&format!("/api/v1/shared/fhir/Observation/{id}"), &viewer)
        .await;
    assert_eq!(read.status, StatusCode::OK);
    assert_eq!(
        p.get("/api/v1/shared/fhir/Patient/demo-ann", &viewer)
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        p.get(
            "/api/v1/shared/fhir/MedicationRequest?patient=demo-ann",
            &viewer
        )
        .await
        .status,
        StatusCode::OK
    );

    // Sections not shared: refused by search, missing by id.
    let conditions = p
        .get("/api/v1/shared/fhir/Condition?patient=demo-ann", &viewer)
        .await;
    assert_eq!(conditions.status, StatusCode::FORBIDDEN);
    assert_eq!(conditions.reason(), "withheld");
    let condition_id = p
        .texts(
            "SELECT id FROM resources WHERE type = 'Condition' AND patient_id = 'demo-ann' LIMIT 1",
        )
        .await
        .remove(0);
    assert_eq!(
        p.get(
            &format!("/api/v1/shared/fhir/Condition/{condition_id}"),
            &viewer
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    // Another patient, by search and by id.
    let ben = p
        .get("/api/v1/shared/fhir/Observation?patient=demo-ben", &viewer)
        .await;
    assert_eq!(ben.reason(), "patient-not-in-scope");
    assert_eq!(
        p.get("/api/v1/shared/fhir/Patient/demo-ben", &viewer)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // Who may act for Ann is never part of a share.
    for kind in ["RelatedPerson", "Consent"] {
        let answer = p
            .get(
                &format!("/api/v1/shared/fhir/{kind}?patient=demo-ann"),
                &viewer,
            )
            .await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{kind}");
    }
    // The viewer's cookie opens nothing outside /shared.
    for path in [
        "/api/v1/patients",
        "/api/v1/fhir/Observation?patient=demo-ann",
        "/api/v1/fhir/Patient/demo-ann",
        "/api/v1/shares?patient=demo-ann",
        "/api/v1/proxies",
    ] {
        let answer = p.get(path, &viewer).await;
        assert_eq!(
            answer.status,
            StatusCode::UNAUTHORIZED,
            "{path}: {:?}",
            answer.body
        );
    }
    assert_eq!(
        p.get("/api/v1/session", &viewer).await.body["status"],
        "signed-out"
    );
    // Nor does a patient's session open /shared.
    let ann = p.ann().await;
    assert_eq!(
        p.get("/api/v1/shared/fhir/Observation?patient=demo-ann", &ann)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    // Every read names the share and the viewer.
    assert!(
        p.audit_count(
            "action = 'search' AND share_id IS NOT NULL AND viewer LIKE '%Dr Ada Jones%' AND user_id IS NULL"
        ).await >= 3
    );
}

#[tokio::test]
async fn a_wrong_code_and_a_wrong_birth_date_answer_alike_and_five_lock_the_share() {
    let (p, _) = sharing_portal().await;
    let (ann, made) = p.ann_shares(&["results"]).await;
    let code = code_of(&made);
    let born = p.birth_date("demo-ann").await;
    let wrong_code = p.open_share("0000-0000-0000", &born).await;
    let wrong_birth = p.open_share(&code, "1901-01-01").await;
    assert_eq!(wrong_code.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong_code.status, wrong_birth.status);
    assert_eq!(wrong_code.body, wrong_birth.body);
    assert_eq!(wrong_code.reason(), "share-details-not-right");
    // A code that cannot be one says how a code looks, and counts for nothing.
    let garbled = p.open_share("K7Q2", &born).await;
    assert_eq!(garbled.status, StatusCode::BAD_REQUEST);

    for _ in 0..4 {
        assert_eq!(
            p.open_share(&code, "1901-01-01").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    let locked = p.open_share(&code, &born).await;
    assert_eq!(locked.status, StatusCode::GONE);
    assert_eq!(locked.body["why"], "locked");
    let listed = p.shares_of(&ann, "demo-ann").await;
    let share = &listed.body["shares"][0];
    assert_eq!(share["status"], "locked");
    assert_eq!(share["failedAttempts"], 5);
    assert_eq!(share["attemptsLeft"], 0);
    assert_eq!(share["views"], json!([]), "failed tries are not views");
    // The link is locked too.
    let url = payload(&made)["url"].as_str().unwrap().to_string();
    assert_eq!(p.manifest(&url, &code).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn stopping_a_share_cuts_off_an_open_viewer_and_the_link_at_once() {
    let (p, _) = sharing_portal().await;
    let (ann, made) = p.ann_shares(&["results"]).await;
    let viewer = p.viewer(&code_of(&made)).await;
    assert_eq!(
        p.get("/api/v1/shared/session", &viewer).await.status,
        StatusCode::OK
    );
    let id = made["share"]["id"].as_i64().unwrap();
    let stopped = p
        .call(
            "POST",
            &format!("/api/v1/shares/{id}/stop"),
            Some(&ann),
            None,
        )
        .await;
    assert_eq!(stopped.status, StatusCode::OK);
    assert_eq!(stopped.body["status"], "stopped");
    for path in [
        "/api/v1/shared/session",
        "/api/v1/shared/fhir/Observation?patient=demo-ann",
    ] {
        let answer = p.get(path, &viewer).await;
        assert_eq!(answer.status, StatusCode::GONE, "{path}");
        assert_eq!(answer.reason(), "share-ended");
    }
    assert_eq!(
        p.get("/api/v1/shared/session", &viewer).await.body["why"],
        "stopped"
    );
    let url = payload(&made)["url"].as_str().unwrap().to_string();
    assert_eq!(
        p.manifest(&url, &code_of(&made)).await.status,
        StatusCode::NOT_FOUND
    );
    let keys = p
        .texts(&format!(
            "SELECT link_key FROM shares WHERE id = {id} AND link_key IS NOT NULL"
        ))
        .await;
    assert_eq!(
        keys,
        Vec::<String>::new(),
        "a stopped share's key is forgotten"
    );
    assert_eq!(
        p.audit_count(&format!("action = 'share-stopped' AND share_id = {id}"))
            .await,
        1
    );
}

#[tokio::test]
async fn a_share_ends_at_its_time_for_the_code_the_viewer_and_the_link() {
    let (p, _) = sharing_portal().await;
    let (ann, made) = p.ann_shares(&["results"]).await;
    let viewer = p.viewer(&code_of(&made)).await;
    p.state.clock.advance(3600);
    let answer = p.get("/api/v1/shared/session", &viewer).await;
    assert_eq!(answer.status, StatusCode::GONE);
    assert_eq!(answer.body["why"], "expired");
    let again = p
        .open_share(&code_of(&made), &p.birth_date("demo-ann").await)
        .await;
    assert_eq!(again.body["why"], "expired");
    let url = payload(&made)["url"].as_str().unwrap().to_string();
    assert_eq!(
        p.manifest(&url, &code_of(&made)).await.status,
        StatusCode::NOT_FOUND
    );
    let listed = p.shares_of(&ann, "demo-ann").await;
    assert_eq!(listed.body["shares"][0]["status"], "expired");
}

#[tokio::test]
async fn the_patient_sees_every_view_by_code_and_by_link_from_the_audit() {
    let (p, _) = sharing_portal().await;
    let (ann, made) = p.ann_shares(&["results"]).await;
    let viewer = p.viewer(&code_of(&made)).await;
    let left = p
        .call("DELETE", "/api/v1/shared/session", Some(&viewer), None)
        .await;
    assert_eq!(left.status, StatusCode::NO_CONTENT);
    assert_eq!(
        p.get("/api/v1/shared/session", &viewer).await.status,
        StatusCode::UNAUTHORIZED
    );
    let url = payload(&made)["url"].as_str().unwrap().to_string();
    assert_eq!(
        p.manifest(&url, &code_of(&made)).await.status,
        StatusCode::OK
    );
    let listed = p.shares_of(&ann, "demo-ann").await;
    let views = listed.body["shares"][0]["views"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(views.len(), 2, "{views:?}");
    let hows: Vec<&str> = views.iter().map(|v| v["how"].as_str().unwrap()).collect();
    assert!(hows.contains(&"code") && hows.contains(&"link"));
    let by_code = views.iter().find(|v| v["how"] == "code").unwrap();
    assert_eq!(by_code["name"], "Dr Ada Jones");
    assert_eq!(by_code["organisation"], "Leeds Clinic");
    let by_link = views.iter().find(|v| v["how"] == "link").unwrap();
    assert_eq!(by_link["name"], "Dr Ada Jones, Leeds Clinic");
}

#[tokio::test]
async fn the_link_follows_the_specification_step_by_step() {
    let (p, _) = sharing_portal().await;
    let (_, made) = p.ann_shares(&["results", "allergies"]).await;
    let link = payload(&made);
    let url = link["url"].as_str().unwrap();
    let key = link["key"].as_str().unwrap();
    assert!(link["exp"].as_i64().unwrap() > carefront_portal::infra::time::now());

    let wrong = p.manifest(url, "0000-0000-0000").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.body, json!({"remainingAttempts": 4}));
    assert_eq!(wrong.headers["access-control-allow-origin"], "*");

    let manifest = p.manifest(url, &code_of(&made)).await;
    assert_eq!(manifest.status, StatusCode::OK, "{:?}", manifest.body);
    assert_eq!(manifest.headers["cache-control"], "no-store");
    let files = manifest.body["files"].as_array().unwrap();
    assert_eq!(files.len(), 2);
    let mut types = Vec::new();
    for f in files {
        assert_eq!(f["contentType"], "application/fhir+json");
        let location = f["location"].as_str().unwrap();
        let got = p.fetch(location).await;
        assert_eq!(got.status, StatusCode::OK);
        assert_eq!(got.headers["content-type"], "application/jose");
        let bundle = decrypt(got.body.as_str().unwrap(), key);
        assert_eq!(bundle["resourceType"], "Bundle");
        assert_eq!(bundle["type"], "collection");
        let entries = bundle["entry"].as_array().unwrap();
        assert_eq!(entries[0]["resource"]["resourceType"], "Patient");
        types.extend(
            entries[1..]
                .iter()
                .map(|e| e["resource"]["resourceType"].as_str().unwrap().to_string()),
        );
        // Single use.
        assert_eq!(p.fetch(location).await.status, StatusCode::NOT_FOUND);
    }
    types.sort();
    types.dedup();
    assert_eq!(
        types,
        ["AllergyIntolerance", "DiagnosticReport", "Observation"]
    );

    // Locations are short-lived.
    let manifest = p.manifest(url, &code_of(&made)).await;
    let location = manifest.body["files"][0]["location"]
        .as_str()
        .unwrap()
        .to_string();
    p.state.clock.advance(301);
    assert_eq!(p.fetch(&location).await.status, StatusCode::NOT_FOUND);

    // A browser-based receiver's preflight is answered.
    let preflight = axum::http::Request::builder()
        .method("OPTIONS")
        .uri(url.strip_prefix(PUBLIC).unwrap())
        .header("origin", "https://viewer.example")
        .body(axum::body::Body::empty())
        .unwrap();
    let answer = p.answer(with_peer(preflight)).await;
    assert!(answer.status.is_success());
    assert!(
        answer.headers["access-control-allow-headers"]
            .to_str()
            .unwrap()
            .contains("content-type")
    );
}

#[tokio::test]
async fn parallel_wrong_passcodes_are_counted_one_by_one_and_lock_the_link() {
    let (p, _) = sharing_portal().await;
    let (_, made) = p.ann_shares(&["results"]).await;
    let url = payload(&made)["url"].as_str().unwrap().to_string();
    let answers = common::all(
        (0..12)
            .map(|i| {
                let (p, url) = (p.clone(), url.clone());
                async move { p.manifest(&url, &format!("0000-0000-{i:04}")).await }
            })
            .collect(),
    )
    .await;
    let mut remaining: Vec<i64> = answers
        .iter()
        .filter(|a| a.status == StatusCode::UNAUTHORIZED)
        .map(|a| a.body["remainingAttempts"].as_i64().unwrap())
        .collect();
    remaining.sort();
    assert_eq!(
        remaining,
        [0, 1, 2, 3, 4],
        "each wrong passcode counted once"
    );
    assert!(
        answers
            .iter()
            .filter(|a| a.status != StatusCode::UNAUTHORIZED)
            .all(|a| a.status == StatusCode::NOT_FOUND)
    );
    assert_eq!(
        p.manifest(&url, &code_of(&made)).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn only_the_patient_or_someone_with_full_access_may_share() {
    let (p, _) = sharing_portal().await;
    let claire = p.signed_in("claire").await;
    for child in ["demo-leo", "demo-maya"] {
        p.post(
            "/api/v1/terms/acceptances",
            &claire,
            json!({"document": "proxy", "version": proxy_terms(&p).await, "patient": child}),
        )
        .await;
    }
    let leo = p
        .share(
            &claire,
            json!({"patient": "demo-leo", "sections": ["vaccinations"], "hours": 2}),
        )
        .await;
    assert_eq!(leo.status, StatusCode::CREATED, "{:?}", leo.body);
    // Maya is 14: her parent's access is limited, so not theirs to share.
    let maya = p
        .share(
            &claire,
            json!({"patient": "demo-maya", "sections": ["results"], "hours": 2}),
        )
        .await;
    assert_eq!(maya.status, StatusCode::FORBIDDEN);
    assert_eq!(maya.reason(), "cannot-share");
    assert_eq!(
        p.shares_of(&claire, "demo-maya").await.reason(),
        "cannot-share"
    );
    // Someone with no access at all.
    let ben = p.signed_in("ben").await;
    let other = p
        .share(
            &ben,
            json!({"patient": "demo-claire", "sections": ["results"], "hours": 2}),
        )
        .await;
    assert_eq!(other.status, StatusCode::FORBIDDEN);
    // Nor may they stop someone else's share.
    let id = leo.body["share"]["id"].as_i64().unwrap();
    let stop = p
        .call(
            "POST",
            &format!("/api/v1/shares/{id}/stop"),
            Some(&ben),
            None,
        )
        .await;
    assert_eq!(stop.status, StatusCode::NOT_FOUND);
}

async fn proxy_terms(p: &Portal) -> String {
    let terms = p.call("GET", "/api/v1/terms", None, None).await;
    terms.body["proxy"]["version"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn a_share_request_that_is_not_right_says_what_to_put_right() {
    let (p, _) = sharing_portal().await;
    let ann = p.ann().await;
    for (body, words) in [
        (
            json!({"patient": "demo-ann", "sections": [], "hours": 1}),
            "at least one",
        ),
        (
            json!({"patient": "demo-ann", "sections": ["Patient"], "hours": 1}),
            "at least one",
        ),
        (
            json!({"patient": "demo-ann", "sections": ["results"], "hours": 0}),
            "7 days",
        ),
        (
            json!({"patient": "demo-ann", "sections": ["results"], "hours": 169}),
            "7 days",
        ),
        (
            json!({"patient": "demo-ann", "sections": ["results"], "hours": 1, "label": "x".repeat(61)}),
            "60",
        ),
        (
            json!({"patient": "demo-ann", "sections": ["results"], "hours": 1, "email": "gp@"}),
            "format",
        ),
    ] {
        let answer = p.share(&ann, body.clone()).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{body}");
        assert!(
            answer.body["title"].as_str().unwrap().contains(words),
            "{body}: {:?}",
            answer.body
        );
    }
    // Without its public address a portal cannot make links, and says so.
    let plain = common::portal().await;
    let ann = plain.ann().await;
    let answer = plain
        .share(
            &ann,
            json!({"patient": "demo-ann", "sections": ["results"], "hours": 1}),
        )
        .await;
    assert_eq!(answer.status, StatusCode::CONFLICT);
    assert_eq!(
        plain.shares_of(&ann, "demo-ann").await.body["canShare"],
        false
    );
}

#[tokio::test]
async fn an_emailed_share_carries_the_link_and_no_health_information() {
    let (p, dir) = sharing_portal().await;
    let ann = p.ann().await;
    let made = p
        .share(
            &ann,
            json!({"patient": "demo-ann", "sections": ["results"], "hours": 24, "email": "gp@surgery.example"}),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{:?}", made.body);
    assert_eq!(made.body["emailSent"], true);
    let mails = common::outbox(&dir);
    assert_eq!(mails.len(), 1);
    let mail = mails[0].replace("=\r\n", "").replace("=\n", "");
    assert!(mail.contains("gp@surgery.example"));
    assert!(
        mail.contains(made.body["viewerUrl"].as_str().unwrap()),
        "{mail}"
    );
    assert!(mail.contains("date of birth"));
    let (name, born) = carefront_portal::records::patient_details(
        &mut p.state.store.conn().await.unwrap(),
        &p.state.records,
        "demo-ann",
    )
    .await
    .unwrap();
    for private in [name.as_str(), born.unwrap().as_str(), "Ann", "result"] {
        assert!(!mail.contains(private), "the email holds {private}");
    }
    assert_eq!(
        p.shares_of(&ann, "demo-ann").await.body["shares"][0]["sentTo"],
        "gp@surgery.example"
    );
}

/// David, who acts for his mother Margaret under a power of attorney, shares her allergies: the
/// answer, with a viewer let in by the code.
async fn david_shares_margarets_allergies(p: &Portal) -> (String, Value, String) {
    let david = p.signed_in("david").await;
    p.accept_proxy_terms(&david, "demo-margaret").await;
    let made = p
        .share(
            &david,
            json!({"patient": "demo-margaret", "sections": ["allergies"], "hours": 2}),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{:?}", made.body);
    let opened = p
        .open_share(&code_of(&made.body), &p.birth_date("demo-margaret").await)
        .await;
    assert_eq!(opened.status, StatusCode::CREATED, "{:?}", opened.body);
    (david, made.body, opened.cookie())
}

#[tokio::test]
async fn a_share_made_by_someone_acting_for_the_patient_ends_with_their_access() {
    for (what, change) in [
        (
            "stopped",
            "UPDATE proxy_relationships SET stopped_at = 1, stopped_by = 'patient'",
        ),
        (
            "paused",
            "UPDATE proxy_relationships SET level = 'appointments'",
        ),
        (
            "ended",
            "UPDATE proxy_relationships SET ends_on = '2000-01-01'",
        ),
        (
            "narrowed",
            "UPDATE proxy_relationships SET withheld_labels = ' PSY '",
        ),
    ] {
        let (p, _) = sharing_portal().await;
        let (_, made, viewer) = david_shares_margarets_allergies(&p).await;
        let read = "/api/v1/shared/fhir/AllergyIntolerance?patient=demo-margaret";
        assert_eq!(p.get(read, &viewer).await.status, StatusCode::OK, "{what}");
        p.exec(&format!("{change} WHERE proxy_user_id = (SELECT id FROM users WHERE username = 'david') AND patient_id = 'demo-margaret'"))
            .await;
        // The viewer who has it open, a new opening with the code, and the link: all ended.
        let cut = p.get(read, &viewer).await;
        assert_eq!(cut.status, StatusCode::GONE, "{what}");
        assert_eq!(cut.reason(), "share-ended", "{what}");
        let told = p.get("/api/v1/shared/session", &viewer).await;
        assert_eq!(told.body["why"], "access-ended", "{what}");
        let again = p
            .open_share(&code_of(&made), &p.birth_date("demo-margaret").await)
            .await;
        assert_eq!(
            again.body["why"], "access-ended",
            "{what}: {:?}",
            again.body
        );
        let url = payload(&made)["url"].as_str().unwrap().to_string();
        assert_eq!(
            p.manifest(&url, &code_of(&made)).await.status,
            StatusCode::NOT_FOUND,
            "{what}"
        );
    }
}

#[tokio::test]
async fn a_viewer_is_told_a_share_was_stopped_even_after_the_clean_up() {
    let (p, _) = sharing_portal().await;
    let (ann, made) = p.ann_shares(&["results"]).await;
    let viewer = p.viewer(&code_of(&made)).await;
    let id = made["share"]["id"].as_i64().unwrap();
    p.call(
        "POST",
        &format!("/api/v1/shares/{id}/stop"),
        Some(&ann),
        None,
    )
    .await;
    // The portal's clean-up runs before the viewer comes back.
    carefront_portal::shares::store::purge(
        &mut p.state.store.conn().await.unwrap(),
        p.state.clock.now(),
        p.state.config.idle_timeout,
    )
    .await
    .unwrap();
    let back = p.get("/api/v1/shared/session", &viewer).await;
    assert_eq!(back.status, StatusCode::GONE, "{:?}", back.body);
    assert_eq!(back.body["why"], "stopped");
}

#[tokio::test]
async fn a_valid_share_cannot_grow_storage_without_bound_and_the_list_pages() {
    let (p, _) = sharing_portal().await;
    let (ann, made) = p.ann_shares(&["results"]).await;
    let id = made["share"]["id"].as_i64().unwrap();
    let born = p.birth_date("demo-ann").await;
    let mut opened = 0;
    let mut last = None;
    for _ in 0..store::OPENINGS_AN_HOUR + 5 {
        let answer = p.open_share(&code_of(&made), &born).await;
        if answer.status == StatusCode::CREATED {
            opened += 1;
        }
        last = Some(answer);
    }
    assert_eq!(opened, store::OPENINGS_AN_HOUR);
    let last = last.unwrap();
    assert_eq!(last.reason(), "too-many-attempts");
    assert!(last.headers.contains_key("retry-after"));
    assert!(
        p.count(&format!(
            "SELECT count(*) FROM share_sessions WHERE share_id = {id}"
        ))
        .await
            <= 10
    );
    // The link, opened past its hour's worth, is refused too, and keeps few file addresses.
    let url = payload(&made)["url"].as_str().unwrap().to_string();
    assert_eq!(
        p.manifest(&url, &code_of(&made)).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert!(
        p.count(&format!(
            "SELECT count(*) FROM share_files WHERE share_id = {id}"
        ))
        .await
            <= 40
    );
    // Knocking on it once stopped writes one refusal an hour, not one a knock.
    p.call(
        "POST",
        &format!("/api/v1/shares/{id}/stop"),
        Some(&ann),
        None,
    )
    .await;
    for _ in 0..20 {
        p.open_share(&code_of(&made), &born).await;
        p.manifest(&url, &code_of(&made)).await;
    }
    assert_eq!(
        p.count(&format!(
            "SELECT count(*) FROM audit WHERE share_id = {id} AND action = 'share-opened' AND outcome = 'refused'"
        ))
        .await,
        1
    );

    // The list pages.
    p.ann_shares(&["allergies"]).await;
    let page = p
        .get("/api/v1/shares?patient=demo-ann&_count=1&_offset=1", &ann)
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.body["total"], 2);
    assert_eq!(page.body["shares"].as_array().unwrap().len(), 1);
    assert_eq!(page.body["shares"][0]["id"], id, "newest first");
    assert_eq!(
        p.get("/api/v1/shares?patient=demo-ann&_count=1000", &ann)
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
}
