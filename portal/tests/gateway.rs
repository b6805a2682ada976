//! The portal as a gateway (`serve --records-from`): in front of Helios FHIR Server, a record
//! server no one here wrote, it gives the answers it gives from its own store; with Helios gone,
//! everything but the record goes on; and a record server that answers wrongly (as a broken or
//! hostile one would) is refused, never passed on.

mod common;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use carefront_portal::notifications::send::send_due;
use carefront_portal::notifications::watch::note_new;
use carefront_portal::records::Records;
use common::helios::Helios;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const TYPES: &[&str] = &[
    "Observation",
    "Condition",
    "AllergyIntolerance",
    "MedicationRequest",
    "Encounter",
    "DiagnosticReport",
    "Immunization",
    "DocumentReference",
    "Appointment",
];

fn ids(answer: &common::Answer) -> Vec<String> {
    answer.body["entry"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["search"]["mode"] == "match")
        .filter_map(|e| e["resource"]["id"].as_str().map(String::from))
        .collect()
}

#[tokio::test]
async fn the_record_through_the_gateway_is_the_record_in_the_store() {
    let helios = Helios::start().await;
    let local = common::portal().await;
    let gateway = common::portal_with(&format!("--records-from {}", helios.url), None).await;
    let (at_home, through) = (local.ann().await, gateway.ann().await);
    // Helios offers every type the portal shows, searched by patient.
    let Records::Upstream(upstream) = &gateway.state.records else {
        panic!("a gateway")
    };
    assert!(upstream.read_capabilities().await.unwrap());
    let portal = gateway.call("GET", "/api/v1/portal", None, None).await;
    assert_eq!(portal.body["recordSystem"]["notShared"], json!([]));
    for kind in TYPES {
        for query in [
            "_count=20",
            "_count=20&_offset=20",
            "_count=7&_sort=date",
            "_count=50&date=ge2024-01&date=lt2026",
        ] {
            let uri = format!("/api/v1/fhir/{kind}?patient=demo-ann&{query}");
            let (a, b) = (
                local.get(&uri, &at_home).await,
                gateway.get(&uri, &through).await,
            );
            assert_eq!(b.status, StatusCode::OK, "{uri}: {:?}", b.body);
            assert_eq!(
                (&b.body["total"], ids(&b)),
                (&a.body["total"], ids(&a)),
                "{uri}"
            );
            // Paging links are the portal's own, never the record server's address.
            let links = b.body["link"].to_string();
            assert!(
                !links.contains(&helios.url) && !links.contains("localhost:8080"),
                "{links}"
            );
        }
    }
    let uri = "/api/v1/fhir/Observation?patient=demo-ann&category=vital-signs&_count=5";
    assert_eq!(
        ids(&gateway.get(uri, &through).await),
        ids(&local.get(uri, &at_home).await)
    );
    let first = ids(&gateway
        .get("/api/v1/fhir/DiagnosticReport?patient=demo-ann", &through)
        .await);
    let read = gateway
        .get(
            &format!("/api/v1/fhir/DiagnosticReport/{}", first[0]),
            &through,
        )
        .await;
    assert_eq!(read.body["id"], first[0].as_str());
    // Another patient's resource is not found, as in the store: its existence is private too.
    let bens = ids(&gateway
        .get(
            "/api/v1/fhir/Observation?patient=demo-ben&_count=1",
            &gateway.signed_in("ben").await,
        )
        .await);
    let theirs = gateway
        .get(&format!("/api/v1/fhir/Observation/{}", bens[0]), &through)
        .await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn with_the_record_server_away_only_the_record_waits() {
    let mut helios = Helios::start().await;
    let gateway = common::portal_with(&format!("--records-from {}", helios.url), None).await;
    let ann = gateway.ann().await;
    let before = gateway.get("/api/v1/patients", &ann).await;
    assert_eq!(before.status, StatusCode::OK);
    helios.stop();

    let record = gateway
        .get("/api/v1/fhir/Observation?patient=demo-ann", &ann)
        .await;
    assert_eq!(record.status, StatusCode::BAD_GATEWAY, "{:?}", record.body);
    assert_eq!(record.reason(), "record-system-unavailable");
    assert_eq!(record.headers["retry-after"], "10");
    // Who is signed in and whose records they may open, the terms, signing in again and the
    // privacy choices do not wait for it.
    let after = gateway.get("/api/v1/patients", &ann).await;
    assert_eq!((after.status, &after.body), (StatusCode::OK, &before.body));
    assert_eq!(
        gateway.get("/api/v1/terms", &ann).await.status,
        StatusCode::OK
    );
    assert_eq!(
        gateway.get("/api/v1/session", &ann).await.status,
        StatusCode::OK
    );
    let choices = gateway
        .get("/api/v1/fhir/Consent?patient=demo-ann", &ann)
        .await;
    assert_eq!(choices.status, StatusCode::OK, "{:?}", choices.body);
    assert!(!gateway.signed_in("ben").await.is_empty());
}

/// A record server that answers as it is told to: the way a broken or hostile one might.
#[derive(Clone, Default)]
struct Told(Arc<Mutex<&'static str>>);

async fn search(State(told): State<Told>, Path(kind): Path<String>) -> Response {
    let how = *told.0.lock().unwrap();
    let observation = |id: &str, patient: &str| {
        json!({"fullUrl": format!("x/{id}"), "search": {"mode": "match"}, "resource": {
            "resourceType": kind, "id": id, "status": "final", "code": {"text": "Sodium"},
            "subject": {"reference": format!("Patient/{patient}")},
            "effectiveDateTime": "2025-01-01"}})
    };
    let bundle = |entry: Vec<Value>, link: Value| {
        axum::Json(
            json!({"resourceType": "Bundle", "type": "searchset", "entry": entry, "link": link}),
        )
        .into_response()
    };
    match how {
        "not-json" => "<html>Welcome to the record system</html>".into_response(),
        "failing" => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        "slow" => {
            tokio::time::sleep(Duration::from_secs(3)).await;
            bundle(vec![], json!([]))
        }
        "huge" => "x".repeat(33 * 1024 * 1024).into_response(),
        "not-a-searchset" => {
            axum::Json(json!({"resourceType": "Patient", "id": "demo-ann"})).into_response()
        }
        "next-elsewhere" => bundle(
            vec![observation("o1", "demo-ann")],
            json!([{"relation": "next", "url": "http://elsewhere.example/Patient?_id=demo-ben"}]),
        ),
        // Another patient's entry and the server's own remarks are not the patient's record.
        "mixed" => bundle(
            vec![
                observation("o1", "demo-ann"),
                observation("o2", "demo-ben"),
                json!({"search": {"mode": "outcome"}, "resource": {"resourceType": "OperationOutcome",
                    "issue": [{"severity": "warning", "code": "not-supported", "diagnostics": "_sort ignored"}]}}),
            ],
            json!([]),
        ),
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn read(State(told): State<Told>, Path((kind, id)): Path<(String, String)>) -> Response {
    match *told.0.lock().unwrap() {
        "another-resource" => axum::Json(json!({
            "resourceType": kind, "id": format!("{id}-not"), "subject": {"reference": "Patient/demo-ann"}
        }))
        .into_response(),
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

#[tokio::test]
async fn a_record_server_answering_wrongly_is_refused_never_passed_on() {
    let told = Told::default();
    let app = Router::new()
        .route(
            "/",
            // The demo patients are read to the end before the answer, as a real server does:
            // answering first would cut the portal off while it is still sending.
            post(|_demo: axum::body::Bytes| async {
                axum::Json(json!({"resourceType": "Bundle", "type": "transaction-response"}))
            })
            .layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route("/metadata", get(metadata))
        .route("/{kind}", get(search))
        .route("/{kind}/{id}", get(read))
        .with_state(told.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    let gateway = common::portal_with(
        &format!("--records-from http://{address} --records-timeout 1"),
        None,
    )
    .await;
    let ann = gateway.ann().await;
    let search = "/api/v1/fhir/Observation?patient=demo-ann";
    for (how, status, reason) in [
        (
            "not-json",
            StatusCode::BAD_GATEWAY,
            "record-system-answer-refused",
        ),
        (
            "not-a-searchset",
            StatusCode::BAD_GATEWAY,
            "record-system-answer-refused",
        ),
        (
            "huge",
            StatusCode::BAD_GATEWAY,
            "record-system-answer-refused",
        ),
        (
            "next-elsewhere",
            StatusCode::BAD_GATEWAY,
            "record-system-answer-refused",
        ),
        (
            "failing",
            StatusCode::BAD_GATEWAY,
            "record-system-unavailable",
        ),
        (
            "slow",
            StatusCode::GATEWAY_TIMEOUT,
            "record-system-unavailable",
        ),
    ] {
        *told.0.lock().unwrap() = how;
        let answer = gateway.get(search, &ann).await;
        assert_eq!(
            (answer.status, answer.reason()),
            (status, reason),
            "{how}: {:?}",
            answer.body
        );
        assert!(!answer.body.to_string().contains("Welcome"), "{how}");
    }
    *told.0.lock().unwrap() = "mixed";
    let answer = gateway.get(search, &ann).await;
    assert_eq!(
        (answer.body["total"].as_u64(), ids(&answer)),
        (Some(1), vec!["o1".to_string()])
    );
    assert!(!answer.body.to_string().contains("_sort ignored"));

    *told.0.lock().unwrap() = "another-resource";
    let read = gateway.get("/api/v1/fhir/Observation/o1", &ann).await;
    assert_eq!(
        read.reason(),
        "record-system-answer-refused",
        "{:?}",
        read.body
    );

    // A server that does not offer vaccinations by patient is never asked for them, and the
    // app is told, to say so in words.
    let Records::Upstream(upstream) = &gateway.state.records else {
        panic!("a gateway")
    };
    upstream.read_capabilities().await.unwrap();
    let portal = gateway.call("GET", "/api/v1/portal", None, None).await;
    let not_shared = &portal.body["recordSystem"]["notShared"];
    assert!(
        not_shared
            .as_array()
            .unwrap()
            .contains(&json!("Immunization")),
        "{not_shared}"
    );
    assert!(
        !not_shared
            .as_array()
            .unwrap()
            .contains(&json!("Observation")),
        "{not_shared}"
    );
    *told.0.lock().unwrap() = "not-json";
    let none = gateway
        .get("/api/v1/fhir/Immunization?patient=demo-ann", &ann)
        .await;
    assert_eq!(
        (none.status, &none.body["total"]),
        (StatusCode::OK, &json!(0))
    );
}

/// Observations and Patients by patient, vaccinations only by date.
async fn metadata() -> axum::Json<Value> {
    axum::Json(json!({
        "resourceType": "CapabilityStatement", "fhirVersion": "4.0.1", "status": "active",
        "rest": [{"mode": "server", "resource": [
            {"type": "Patient", "interaction": [{"code": "read"}]},
            {"type": "Observation", "interaction": [{"code": "read"}, {"code": "search-type"}],
             "searchParam": [{"name": "patient", "type": "reference"}]},
            {"type": "Immunization", "interaction": [{"code": "search-type"}],
             "searchParam": [{"name": "date", "type": "date"}]}
        ]}]
    }))
}

#[tokio::test]
async fn a_new_result_on_the_record_server_is_emailed_as_one_loaded_into_the_store_is() {
    let helios = Helios::start().await;
    let (gateway, outbox) = common::portal_with_outbox(&format!(
        "--records-from {} --public-url https://portal.hospital.example",
        helios.url
    ))
    .await;
    let Records::Upstream(upstream) = &gateway.state.records else {
        panic!("a gateway")
    };
    // The first look marks where the portal starts: what the record already holds is not news.
    assert_eq!(note_new(&gateway.state).await.unwrap(), 0);
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(
        note_new(&gateway.state).await.unwrap(),
        0,
        "looked at most once a minute"
    );
    gateway.exec("UPDATE record_watch SET looked_at = 0").await;
    assert_eq!(
        note_new(&gateway.state).await.unwrap(),
        0,
        "nothing new yet"
    );

    // New for Ann; new for a patient no one here reads; a change to one Ann already has.
    let mut changed = upstream
        .all_for_patient("Observation", "demo-ann")
        .await
        .unwrap()[0]
        .clone();
    changed["status"] = json!("amended");
    upstream
        .put_all(&[
            common::lab_result("gateway-tsh-1", "demo-ann"),
            common::lab_result("gateway-tsh-2", "demo-no-account"),
            changed,
        ])
        .await
        .unwrap();
    gateway.exec("UPDATE record_watch SET looked_at = 0").await;
    assert_eq!(note_new(&gateway.state).await.unwrap(), 1);
    assert_eq!(send_due(&gateway.state).await.unwrap(), 1);
    let mails: Vec<String> = common::outbox(&outbox)
        .into_iter()
        .filter(|m| m.contains("To: ann.carter@example.org"))
        .collect();
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert!(mails[0].contains("Subject: There is something new"));
    assert!(!mails[0].contains("Thyroid"), "never what it is");

    // Seen once is not seen again.
    gateway.exec("UPDATE record_watch SET looked_at = 0").await;
    assert_eq!(note_new(&gateway.state).await.unwrap(), 0);
}
