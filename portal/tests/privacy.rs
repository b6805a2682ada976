//! Who has looked at my record, as the patient asks the FHIR API: every access to their record
//! as an AuditEvent, in the patient's reach only (and of whoever has full access to it), with
//! the kinds told apart: the patient, someone acting for them, the viewer of a share.

mod common;

use axum::http::StatusCode;
use common::{Call, Portal};
use serde_json::{Value, json};

impl Portal {
    async fn log(&self, cookie: &str, query: &str) -> common::Answer {
        self.get(&format!("/api/v1/fhir/AuditEvent?{query}"), cookie)
            .await
    }

    /// Ann shares her results; a viewer opens the share: the viewer's cookie.
    async fn ann_shares_with_a_viewer(&self, ann: &str) -> String {
        let made = self
            .post(
                "/api/v1/shares",
                ann,
                json!({"patient": "demo-ann", "sections": ["results"], "hours": 1}),
            )
            .await;
        let born = self.birth_date("demo-ann").await;
        self.send(Call::new("POST", "/api/v1/shared/session").json(json!({
            "code": made.body["code"], "birthDate": born, "name": "Dr Ada Jones", "organisation": "Leeds Clinic",
        })))
        .await
        .cookie()
    }
}

fn events(answer: &common::Answer) -> Vec<Value> {
    answer.body["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["resource"].clone())
        .collect()
}

fn human(event: &Value) -> &Value {
    &event["agent"][0]
}

#[tokio::test]
async fn a_patient_reads_who_looked_newest_first_in_the_balp_shape() {
    let p = common::portal().await;
    let ann = p.ann().await;
    p.get("/api/v1/fhir/AllergyIntolerance?patient=demo-ann", &ann)
        .await;
    p.get("/api/v1/fhir/Condition?patient=demo-ann", &ann).await;
    p.get("/api/v1/fhir/Patient/demo-ann", &ann).await;
    let log = p.log(&ann, "patient=demo-ann&_count=2").await;
    assert_eq!(log.status, StatusCode::OK, "{:?}", log.body);
    assert!(log.body["total"].as_u64().unwrap() >= 2);
    assert!(
        log.body["link"][1]["url"]
            .as_str()
            .unwrap()
            .contains("_offset=2")
    );
    let [read, search] = &events(&log)[..] else {
        panic!("two events")
    };
    assert_eq!(read["resourceType"], "AuditEvent");
    assert_eq!(read["type"]["code"], "rest");
    assert_eq!(read["subtype"][0]["code"], "read");
    assert_eq!(read["action"], "R");
    assert_eq!(read["outcome"], "0");
    assert_eq!(
        read["meta"]["profile"][0],
        "https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.PatientRead"
    );
    assert_eq!(read["entity"][0]["what"]["reference"], "Patient/demo-ann");
    assert_eq!(read["entity"][0]["role"]["code"], "1");
    assert_eq!(read["entity"][1]["what"]["reference"], "Patient/demo-ann");
    assert_eq!(human(read)["who"]["reference"], "Patient/demo-ann");
    assert_eq!(human(read)["role"][0]["coding"][0]["code"], "PAT");
    assert_eq!(human(read)["requestor"], true);
    assert_eq!(search["subtype"][0]["code"], "search-type");
    assert_eq!(search["action"], "E");
    assert_eq!(search["entity"][1]["role"]["code"], "24");
    assert!(
        search["entity"][1]["description"]
            .as_str()
            .unwrap()
            .starts_with("/api/v1/fhir/Condition?patient=demo-ann")
    );
    // No network address reaches the patient.
    assert!(!log.body.to_string().contains("127.0.0.1"));
    // Reading the log is itself in the log.
    let again = p.log(&ann, "patient=demo-ann&_count=1").await;
    let newest = &events(&again)[0];
    assert!(
        newest["entity"][1]["description"]
            .as_str()
            .unwrap()
            .contains("/fhir/AuditEvent?")
    );
}

#[tokio::test]
async fn each_kind_of_looker_is_told_apart_and_refusals_say_why() {
    let p = common::portal_with("--public-url http://portal.test", None).await;
    let ann = p.ann().await;
    // A share's viewer.
    let viewer = p.ann_shares_with_a_viewer(&ann).await;
    p.get("/api/v1/shared/fhir/Observation?patient=demo-ann", &viewer)
        .await;
    // Ben acts for Ann (appointments only) and tries her conditions.
    let ben = p.signed_in("ben").await;
    p.accept_proxy_terms(&ben, "demo-ann").await;
    p.get("/api/v1/fhir/Appointment?patient=demo-ann", &ben)
        .await;
    p.get("/api/v1/fhir/Condition?patient=demo-ann", &ben).await;

    let log = p.log(&ann, "patient=demo-ann&_count=50").await;
    let all = events(&log);
    let by_viewer = all
        .iter()
        .find(|e| {
            human(e)["who"]["display"] == "Dr Ada Jones" && e["subtype"][0]["code"] == "search-type"
        })
        .expect("the viewer's search");
    assert_eq!(by_viewer["agent"][1]["who"]["display"], "Leeds Clinic");
    assert_eq!(human(by_viewer)["role"][0]["text"], "shared with");
    assert!(
        human(by_viewer)["policy"][0]
            .as_str()
            .unwrap()
            .starts_with("urn:carefront:share:")
    );
    let by_proxy: Vec<&Value> = all
        .iter()
        .filter(|e| human(e)["role"][0]["coding"][0]["code"] == "AGNT")
        .collect();
    assert!(by_proxy.iter().any(|e| e["outcome"] == "0"));
    let refused = by_proxy
        .iter()
        .find(|e| e["outcome"] == "4")
        .expect("the refused search");
    assert_eq!(refused["outcomeDesc"], "withheld");
    assert!(
        human(refused)["who"]["reference"]
            .as_str()
            .unwrap()
            .starts_with("RelatedPerson/proxy-")
    );
    assert_eq!(human(refused)["name"], "Ben Okafor");
    assert!(
        refused.get("meta").is_none(),
        "a refusal is not a successful-read profile"
    );
    let opened = all
        .iter()
        .find(|e| e["subtype"][0]["code"] == "share-opened")
        .expect("the share's opening");
    assert_eq!(opened["type"]["system"], "urn:carefront:audit-event");
}

#[tokio::test]
async fn only_the_patient_and_whoever_has_full_access_may_read_the_log() {
    let p = common::portal_with("--public-url http://portal.test", None).await;
    let ann = p.ann().await;
    // Another patient's log.
    assert_eq!(
        p.log(&ann, "patient=demo-ben").await.status,
        StatusCode::FORBIDDEN
    );
    // A proxy with appointments only.
    let ben = p.signed_in("ben").await;
    p.accept_proxy_terms(&ben, "demo-ann").await;
    let refused = p.log(&ben, "patient=demo-ann").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(refused.reason(), "withheld");
    // A parent: Leo (8) yes, Maya (14) no.
    let claire = p.signed_in("claire").await;
    for child in ["demo-leo", "demo-maya"] {
        p.accept_proxy_terms(&claire, child).await;
    }
    assert_eq!(
        p.log(&claire, "patient=demo-leo").await.status,
        StatusCode::OK
    );
    assert_eq!(
        p.log(&claire, "patient=demo-maya").await.status,
        StatusCode::FORBIDDEN
    );
    // Never through a share.
    let viewer = p.ann_shares_with_a_viewer(&ann).await;
    assert_eq!(
        p.get("/api/v1/shared/fhir/AuditEvent?patient=demo-ann", &viewer)
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn the_log_filters_by_date_and_sorts_either_way() {
    let p = common::portal().await;
    let ann = p.ann().await;
    p.get("/api/v1/fhir/Condition?patient=demo-ann", &ann).await;
    let today = carefront_portal::infra::time::date(carefront_portal::infra::time::now());
    let all = p.log(&ann, "patient=demo-ann").await.body["total"]
        .as_u64()
        .unwrap();
    let from_today = p
        .log(&ann, &format!("patient=demo-ann&date=ge{today}"))
        .await;
    let before = p
        .log(&ann, &format!("patient=demo-ann&date=lt{today}"))
        .await;
    // The demo's two years of other organisations' reads are before today; today's are Ann's,
    // with her reading of the log just before.
    let before = before.body["total"].as_u64().unwrap();
    assert!(before > 100, "{before}");
    assert_eq!(from_today.body["total"].as_u64().unwrap() + before, all + 1);
    let oldest_first = p.log(&ann, "patient=demo-ann&_sort=date").await;
    let newest_first = p.log(&ann, "patient=demo-ann&_sort=-date").await;
    let first = |a: &common::Answer| events(a)[0]["id"].clone();
    assert_ne!(first(&oldest_first), first(&newest_first));
}

#[tokio::test]
async fn every_audit_event_names_what_it_is_about_by_a_valid_reference() {
    let p = common::portal_with("--public-url http://portal.test", None).await;
    let ann = p.ann().await;
    // A list of patients, a read, a search, a share's viewer: each leaves a different detail.
    p.get("/api/v1/patients", &ann).await;
    p.get("/api/v1/fhir/Patient/demo-ann", &ann).await;
    p.get("/api/v1/fhir/Condition?patient=demo-ann", &ann).await;
    let viewer = p.ann_shares_with_a_viewer(&ann).await;
    p.get("/api/v1/shared/fhir/Observation", &viewer).await;
    let log = p.log(&ann, "patient=demo-ann&_count=200").await;
    let reference = |r: &str| {
        r.split_once('/').is_some_and(|(kind, id)| {
            kind.chars().all(|c| c.is_ascii_alphabetic())
                && kind.starts_with(|c: char| c.is_ascii_uppercase())
                && (1..=64).contains(&id.len())
                && id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-.".contains(c))
        })
    };
    let mut listed = 0;
    for event in events(&log) {
        for entity in event["entity"].as_array().unwrap() {
            if let Some(r) = entity["what"].get("reference") {
                let r = r.as_str().unwrap();
                assert!(reference(r), "{r:?} in {event}");
            }
            if entity["description"] == "patient list" {
                listed += 1;
            }
        }
    }
    assert!(listed >= 1, "the patient list is said in words");
}

#[tokio::test]
async fn a_parent_narrowed_by_age_neither_sees_nor_withdraws_the_young_persons_own_choices() {
    use carefront_portal::privacy::objections::{self, By, Kind};
    let p = common::portal().await;
    let claire = p.signed_in("claire").await;
    p.accept_proxy_terms(&claire, "demo-maya").await;
    // Two things of Maya's that her mother can see, and her mother's link to her; Maya's own
    // choice about one (made with no one acting for her), and one her mother made.
    let item = async |kind: &str| -> String {
        let id = p
            .texts(&format!(
                "SELECT id FROM resources WHERE patient_id = 'demo-maya' AND type = '{kind}'
                 AND security NOT LIKE '% R %' LIMIT 1"
            ))
            .await
            .remove(0);
        format!("{kind}/{id}")
    };
    let (vaccine, appointment) = (item("Immunization").await, item("Appointment").await);
    let through = p
        .count("SELECT id FROM proxy_relationships WHERE patient_id = 'demo-maya'")
        .await;
    let mut conn = p.state.store.conn().await.unwrap();
    let claire_id = carefront_portal::accounts::by_username(&mut conn, "claire")
        .await
        .unwrap()
        .unwrap()
        .id;
    let by = |through| By {
        user: claire_id,
        through,
    };
    let hers = objections::add(&mut conn, "demo-maya", Kind::Item, &vaccine, by(None), 1)
        .await
        .unwrap()
        .unwrap();
    let mine = objections::add(
        &mut conn,
        "demo-maya",
        Kind::Item,
        &appointment,
        by(Some(through)),
        2,
    )
    .await
    .unwrap()
    .unwrap();
    drop(conn);
    let page = p.get("/api/v1/privacy/demo-maya", &claire).await;
    assert_eq!(page.status, StatusCode::OK, "{:?}", page.body);
    let shown = page.body["objections"].to_string();
    let id_of = carefront_portal::privacy::consent::resource_id;
    assert!(shown.contains(&id_of(mine)), "{shown}");
    assert!(
        !shown.contains(&id_of(hers)),
        "Maya's own choice is hers: {shown}"
    );
    let withdraw = p
        .post(
            &format!(
                "/api/v1/privacy/demo-maya/objections/{}/withdrawal",
                id_of(hers)
            ),
            &claire,
            json!({}),
        )
        .await;
    assert_eq!(
        withdraw.status,
        StatusCode::NOT_FOUND,
        "{:?}",
        withdraw.body
    );
    // Her own, made for Maya, she may withdraw.
    let own = p
        .post(
            &format!(
                "/api/v1/privacy/demo-maya/objections/{}/withdrawal",
                id_of(mine)
            ),
            &claire,
            json!({}),
        )
        .await;
    assert_eq!(own.status, StatusCode::OK, "{:?}", own.body);
}
