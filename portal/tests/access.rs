//! The one access decision, as a table: every kind of reader (the patient, proxies under each
//! proxy rule, a share's viewer, another organisation's system) against every type of the record
//! and every restriction (level, security label, age rule, terms, paused, stopped, a share's
//! sections, scope, objections, emergency). Each row states what the reader gets of each type,
//! through the FHIR base that reader uses, and that reading resources one by one lets through
//! exactly what the search found: a second place that decided differently would show as a
//! mismatch here.

mod common;

use axum::http::StatusCode;
use carefront_portal::records::{self, PATIENT_TYPES};
use common::{Answer, Portal};
use serde_json::{Value, json};

/// What a reader gets of one type of the record.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Expect {
    /// Everything the store holds of it.
    All,
    /// Less than the store holds (possibly nothing), and the search says no more than that.
    Fewer,
    /// The search refused, for this reason.
    Refused(&'static str),
}
use Expect::*;

/// How a reader asks: a cookie on one of the app's FHIR bases, or a bearer token on the
/// professional base.
enum Asker {
    Cookie(&'static str, String),
    Token(String),
}

impl Asker {
    async fn get(&self, p: &Portal, path: &str) -> Answer {
        match self {
            Asker::Cookie(base, cookie) => p.get(&format!("{base}/{path}"), cookie).await,
            Asker::Token(token) => p.fhir(token, path).await,
        }
    }
}

const RECORD: &str = "/api/v1/fhir";
const SHARED: &str = "/api/v1/shared/fhir";

/// One row: who reads whose record, what they get of each type (`default` unless `except`
/// names the type).
struct Row<'a> {
    who: &'static str,
    patient: &'static str,
    asker: &'a Asker,
    default: Expect,
    except: &'a [(&'static str, Expect)],
}

fn ids<'a>(resources: impl IntoIterator<Item = &'a Value>) -> Vec<String> {
    let mut out: Vec<String> = resources
        .into_iter()
        .filter_map(|r| r["id"].as_str().map(String::from))
        .collect();
    out.sort();
    out
}

/// Each type of one row, searched and read: what differs from the row is said.
async fn check(p: &Portal, row: &Row<'_>) -> Vec<String> {
    let mut wrong = Vec::new();
    for &resource_type in PATIENT_TYPES {
        let expected = row
            .except
            .iter()
            .find(|(t, _)| *t == resource_type)
            .map_or(row.default, |(_, e)| *e);
        let mut held = p.stored_ids(resource_type, row.patient).await;
        held.sort();
        assert!(!held.is_empty(), "{} has no {resource_type}", row.patient);
        let search = row
            .asker
            .get(
                p,
                &format!("{resource_type}?patient={}&_count=500", row.patient),
            )
            .await;
        let found = if search.status == StatusCode::OK {
            let entries = search.body["entry"].as_array().cloned().unwrap_or_default();
            ids(entries
                .iter()
                .filter(|e| e["search"]["mode"] == "match")
                .map(|e| &e["resource"]))
        } else {
            Vec::new()
        };
        let fits = match expected {
            All => search.status == StatusCode::OK && found == held,
            Fewer => search.status == StatusCode::OK && found != held,
            Refused(why) => search.status != StatusCode::OK && search.reason() == why,
        };
        let mut readable = Vec::new();
        for id in &held {
            if row
                .asker
                .get(p, &format!("{resource_type}/{id}"))
                .await
                .status
                == StatusCode::OK
            {
                readable.push(id.clone());
            }
        }
        if !fits {
            wrong.push(format!(
                "{}, {resource_type}: expected {expected:?}, got {} {} ({} of {})",
                row.who,
                search.status.as_u16(),
                search.reason(),
                found.len(),
                held.len()
            ));
        }
        if readable != found {
            wrong.push(format!(
                "{}, {resource_type}: reads let through {readable:?}, the search {found:?}",
                row.who
            ));
        }
    }
    wrong
}

/// Signed in, with the proxy terms accepted for each of these patients.
async fn proxy(p: &Portal, username: &str, patients: &[&str]) -> Asker {
    let cookie = p.signed_in(username).await;
    for patient in patients {
        assert_eq!(
            p.accept_proxy_terms(&cookie, patient).await,
            StatusCode::NO_CONTENT
        );
    }
    Asker::Cookie(RECORD, cookie)
}

/// Gives each patient of the table two of every type: one plain, and one labelled as
/// psychiatric information and recorded in one visit (`VISIT` of that patient), so that every
/// restriction has something of every type to keep back.
async fn fill(p: &Portal, patients: &[&str]) {
    let mut conn = p.state.store.conn().await.unwrap();
    for patient in patients {
        let visit = format!("{patient}-visit");
        for &resource_type in &PATIENT_TYPES[1..] {
            for labelled in [false, true] {
                let id = match (labelled, resource_type) {
                    (true, "Encounter") => visit.clone(),
                    (true, _) => format!("{patient}-{resource_type}-labelled"),
                    (false, _) => format!("{patient}-{resource_type}-plain"),
                };
                let whose = json!({"reference": format!("Patient/{patient}")});
                let mut r = json!({"resourceType": resource_type, "id": id});
                match resource_type {
                    "AllergyIntolerance" | "Immunization" => r["patient"] = whose,
                    "Appointment" => r["participant"] = json!([{"actor": whose}]),
                    _ => r["subject"] = whose,
                }
                if labelled {
                    r["meta"] = json!({"security": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "PSY"}]});
                    if resource_type != "Encounter" {
                        r["encounter"] = json!({"reference": format!("Encounter/{visit}")});
                    }
                }
                records::put(&mut conn, &r).await.unwrap();
            }
        }
    }
}

/// Only whose record it is, and nothing of one kind of thing.
const FEWER_BUT_WHOSE: &[(&str, Expect)] = &[("Patient", All)];

#[tokio::test]
async fn every_reader_gets_what_the_one_decision_allows_of_every_type() {
    let p = common::professional::portal().await;
    fill(
        &p,
        &[
            "demo-ann",
            "demo-margaret",
            "demo-maya",
            "demo-leo",
            "demo-jordan",
            "demo-claire",
        ],
    )
    .await;
    let mut wrong = Vec::new();

    // The patient and those acting for them.
    let ann = p.ann().await;
    let own = Asker::Cookie(RECORD, ann.clone());
    let ben = proxy(&p, "ben", &["demo-ann"]).await;
    let david = proxy(&p, "david", &["demo-margaret"]).await;
    let claire = proxy(&p, "claire", &["demo-maya"]).await;
    let rows = [
        Row {
            who: "the patient",
            patient: "demo-ann",
            asker: &own,
            default: All,
            except: &[],
        },
        Row {
            who: "a son with full access to his mother's record",
            patient: "demo-margaret",
            asker: &david,
            default: All,
            except: &[],
        },
        Row {
            who: "a neighbour whose level is appointments only",
            patient: "demo-ann",
            asker: &ben,
            default: Refused("withheld"),
            // The level keeps back sensitive labels too.
            except: &[("Patient", All), ("Appointment", Fewer)],
        },
        Row {
            who: "a mother under the age rule, without the labelled parts",
            patient: "demo-maya",
            asker: &claire,
            default: Fewer,
            except: FEWER_BUT_WHOSE,
        },
        Row {
            who: "a mother who has not accepted the proxy terms",
            patient: "demo-leo",
            asker: &claire,
            default: Refused("proxy-terms-not-accepted"),
            except: &[],
        },
        Row {
            who: "a father whose access waits for the young person's agreement",
            patient: "demo-jordan",
            asker: &david,
            default: Refused("proxy-access-paused"),
            except: &[],
        },
        Row {
            who: "a neighbour reading someone else's record",
            patient: "demo-claire",
            asker: &ben,
            default: Refused("patient-not-in-scope"),
            except: &[],
        },
    ];
    for row in &rows {
        wrong.extend(check(&p, row).await);
    }
    let neighbour = p.relationship("ben", "demo-ann").await;
    let stopped = p
        .post(
            &format!("/api/v1/proxies/{neighbour}/stop"),
            &ann,
            json!({}),
        )
        .await;
    assert!(stopped.status.is_success(), "{:?}", stopped.body);
    wrong.extend(
        check(
            &p,
            &Row {
                who: "a neighbour whose access Ann stopped",
                patient: "demo-ann",
                asker: &ben,
                default: Refused("patient-not-in-scope"),
                except: &[],
            },
        )
        .await,
    );

    // A share's viewer: its patient and its sections only, and nothing once it is stopped.
    let made = p
        .post(
            "/api/v1/shares",
            &ann,
            json!({"patient": "demo-ann", "sections": ["medicines"], "hours": 1}),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{:?}", made.body);
    let born = p.birth_date("demo-ann").await;
    let opened = p
        .send(common::Call::new("POST", "/api/v1/shared/session").json(json!({
            "code": made.body["code"], "birthDate": born, "name": "Dr Ada Jones", "organisation": "Leeds Clinic",
        })))
        .await;
    assert_eq!(opened.status, StatusCode::CREATED, "{:?}", opened.body);
    let viewer = Asker::Cookie(SHARED, opened.cookie());
    let medicines: &[(&str, Expect)] = &[
        ("Patient", All),
        ("MedicationRequest", All),
        ("MedicationStatement", All),
    ];
    for row in [
        Row {
            who: "the viewer of a share of medicines",
            patient: "demo-ann",
            asker: &viewer,
            default: Refused("withheld"),
            except: medicines,
        },
        Row {
            who: "the viewer of a share, asking for another patient",
            patient: "demo-claire",
            asker: &viewer,
            default: Refused("patient-not-in-scope"),
            except: &[],
        },
    ] {
        wrong.extend(check(&p, &row).await);
    }
    let share = made.body["share"]["id"].as_i64().unwrap();
    p.post(&format!("/api/v1/shares/{share}/stop"), &ann, json!({}))
        .await;
    wrong.extend(
        check(
            &p,
            &Row {
                who: "the viewer of a share Ann stopped",
                patient: "demo-ann",
                asker: &viewer,
                default: Refused("share-ended"),
                except: &[],
            },
        )
        .await,
    );

    // Another organisation's system: its scope, the patient's objections, an emergency.
    let system = p.register("north-pas", "north", "Northgate Hospital").await;
    let treating = Asker::Token(p.token(&system, "TREAT").await);
    let scoped = p
        .token_with(
            &common::professional::assertion(
                &system,
                common::professional::claims(&system, "TREAT"),
            ),
            "system/Observation.rs system/Patient.rs",
        )
        .await;
    let scoped = Asker::Token(scoped.body["access_token"].as_str().unwrap().into());
    for row in [
        Row {
            who: "another organisation treating the patient",
            patient: "demo-ann",
            asker: &treating,
            default: All,
            except: &[],
        },
        Row {
            who: "another organisation whose scope names observations",
            patient: "demo-ann",
            asker: &scoped,
            default: Refused("insufficient-scope"),
            except: &[("Patient", All), ("Observation", All)],
        },
    ] {
        wrong.extend(check(&p, &row).await);
    }
    assert_eq!(
        p.object(&ann, "demo-ann", "visit", "demo-ann-visit")
            .await
            .status,
        StatusCode::CREATED
    );
    wrong.extend(
        check(
            &p,
            &Row {
                who: "another organisation after Ann hid a visit",
                patient: "demo-ann",
                asker: &treating,
                default: Fewer,
                except: FEWER_BUT_WHOSE,
            },
        )
        .await,
    );
    assert_eq!(
        p.object(&ann, "demo-ann", "all", "").await.status,
        StatusCode::CREATED
    );
    let emergency = Asker::Token(p.token(&system, "ETREAT").await);
    for row in [
        Row {
            who: "another organisation after Ann objected to all sharing",
            patient: "demo-ann",
            asker: &treating,
            default: Refused("patient-objected"),
            except: &[],
        },
        Row {
            who: "another organisation in an emergency, despite her objections",
            patient: "demo-ann",
            asker: &emergency,
            default: All,
            except: &[],
        },
    ] {
        wrong.extend(check(&p, &row).await);
    }
    assert!(wrong.is_empty(), "\n{}", wrong.join("\n"));
}

fn refused<T>(why: &str) -> Result<T, String> {
    Err(why.to_string())
}

/// What a reader gets of who may act for the patient and who looked: how many, or the refusal.
async fn count_or_reason(p: &Portal, asker: &Asker, path: &str) -> Result<usize, String> {
    let answer = asker.get(p, path).await;
    match answer.status {
        StatusCode::OK => Ok(answer.body["entry"].as_array().map_or(0, Vec::len)),
        status => Err(format!("{} {}", status.as_u16(), answer.reason())),
    }
}

#[tokio::test]
async fn who_may_act_and_who_looked_are_for_the_patient_and_those_acting_for_them() {
    let p = common::professional::portal().await;
    let ann = Asker::Cookie(RECORD, p.ann().await);
    let ben = proxy(&p, "ben", &["demo-ann"]).await;
    let david = proxy(&p, "david", &["demo-margaret"]).await;
    let claire = proxy(&p, "claire", &["demo-maya"]).await;
    let system = p.register("north-pas", "north", "Northgate Hospital").await;
    let professional = Asker::Token(p.token(&system, "TREAT").await);
    // Each reader's first read of the record is logged, so every access log has something.
    for (asker, patient) in [(&ann, "demo-ann"), (&david, "demo-margaret")] {
        asker.get(&p, &format!("Patient?patient={patient}")).await;
    }
    // Relationships: how many are seen. The log: whether it is served, with what was logged.
    type Row<'a> = (
        &'a str,
        &'a Asker,
        &'a str,
        Result<usize, String>,
        Result<bool, String>,
    );
    let rows: [Row; 5] = [
        // The patient sees everyone who may act for her, and the log.
        ("the patient", &ann, "demo-ann", Ok(1), Ok(true)),
        // A proxy sees their own relationship; the log only with nothing withheld.
        (
            "a neighbour, appointments only",
            &ben,
            "demo-ann",
            Ok(1),
            refused("403 withheld"),
        ),
        (
            "a son with full access",
            &david,
            "demo-margaret",
            Ok(1),
            Ok(true),
        ),
        (
            "a mother under the age rule",
            &claire,
            "demo-maya",
            Ok(1),
            refused("403 withheld"),
        ),
        // Neither is served on another organisation's base.
        (
            "another organisation",
            &professional,
            "demo-ann",
            refused("400 bad-request"),
            refused("400 bad-request"),
        ),
    ];
    let mut wrong = Vec::new();
    for (who, asker, patient, relationships, log) in rows {
        let got = count_or_reason(&p, asker, &format!("RelatedPerson?patient={patient}")).await;
        if got != relationships {
            wrong.push(format!(
                "{who}, RelatedPerson: expected {relationships:?}, got {got:?}"
            ));
        }
        let got = count_or_reason(&p, asker, &format!("AuditEvent?patient={patient}"))
            .await
            .map(|n| n > 0);
        if got != log {
            wrong.push(format!("{who}, AuditEvent: expected {log:?}, got {got:?}"));
        }
    }
    assert!(wrong.is_empty(), "\n{}", wrong.join("\n"));
}
