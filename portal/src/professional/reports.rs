//! `POST /professional/fhir/AuditEvent`: the hospital's other systems (its electronic record, its
//! laboratory system) report the accesses made there, as IHE Basic Audit Log Patterns
//! AuditEvents sent the way IHE ATNA's Record Audit Event feeds FHIR, so the patient sees every
//! access to their record in one list. The reporting system must hold `system/AuditEvent.c`;
//! what it reports is shown under its registered organisation.

use super::ProfessionalAccess;
use super::claims::{ACT_REASON, Coding, Purpose, Subject};
use crate::AppState;
use crate::infra::error::{ApiError, FhirError};
use crate::infra::time;
use crate::records::{self, is_valid_id};
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde_json::{Value, json};

/// How far ahead of the portal's clock a report's time may be.
const SKEW: i64 = 300;

/// One access, as reported.
#[derive(Debug, PartialEq)]
struct Reported {
    at: i64,
    action: &'static str,
    patient: String,
    detail: String,
    allowed: bool,
    subject: Subject,
}

/// The access an AuditEvent describes, or why it cannot be taken.
fn parse(event: &Value, now: i64, kept_since: i64) -> Result<Reported, String> {
    if event["resourceType"] != "AuditEvent" {
        return Err("the body must be an AuditEvent".into());
    }
    let at = event["recorded"]
        .as_str()
        .and_then(time::parse_instant)
        .ok_or("recorded must be an instant, such as 2026-05-03T14:02:00Z")?;
    if at > now + SKEW || at < kept_since {
        return Err("recorded is in the future, or older than the log is kept".into());
    }
    let action = match event["subtype"]
        .as_array()
        .into_iter()
        .flatten()
        .find_map(|c| c["code"].as_str())
    {
        Some("read" | "vread") => "read",
        Some("search" | "search-type" | "search-system") => "search",
        _ => return Err("subtype must be a read or a search (restful-interaction)".into()),
    };
    let entities = event["entity"].as_array().cloned().unwrap_or_default();
    let role = |e: &Value| e["role"]["code"].as_str().map(String::from);
    let patient = entities
        .iter()
        .find(|e| role(e).as_deref() == Some("1"))
        .and_then(|e| e["what"]["reference"].as_str())
        .and_then(|r| r.strip_prefix("Patient/"))
        .filter(|id| is_valid_id(id))
        .ok_or("an entity with role 1 (patient) must name Patient/{id}")?
        .to_string();
    let detail = match action {
        "read" => entities
            .iter()
            .filter(|e| role(e).as_deref() == Some("4"))
            .find_map(|e| e["what"]["reference"].as_str())
            .filter(|r| {
                r.split_once('/')
                    .is_some_and(|(kind, id)| records::is_supported(kind) && is_valid_id(id))
            })
            .ok_or("a read needs an entity with role 4 naming the resource read, as Type/id")?,
        _ => entities
            .iter()
            .filter(|e| role(e).as_deref() == Some("24"))
            .find_map(|e| e["description"].as_str())
            .filter(|q| {
                let kind = q.split('?').next().unwrap_or_default();
                records::is_supported(kind.rsplit('/').next().unwrap_or_default())
            })
            .ok_or(
                "a search needs an entity with role 24 whose description is the query, as Type?…",
            )?,
    }
    .chars()
    .take(300)
    .collect();
    let person = event["agent"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|a| a["requestor"] == true)
        .ok_or("an agent with requestor true must say who it was")?;
    let name = person["name"]
        .as_str()
        .or_else(|| person["who"]["display"].as_str())
        .map(str::trim)
        .filter(|n| !n.is_empty() && n.chars().count() <= 200 && !n.chars().any(char::is_control))
        .ok_or("the requesting agent needs a name")?;
    let role = person["role"]
        .as_array()
        .and_then(|roles| {
            roles
                .iter()
                .find_map(|r| records::concept_text(r).map(|t| (r, t)))
        })
        .ok_or("the requesting agent needs a role in words")?;
    let purpose = event["purposeOfUse"]
        .as_array()
        .or_else(|| person["purposeOfUse"].as_array())
        .into_iter()
        .flatten()
        .flat_map(|p| p["coding"].as_array().cloned().unwrap_or_default())
        .find(|c| c["system"] == ACT_REASON)
        .and_then(|c| c["code"].as_str().and_then(Purpose::from_code));
    Ok(Reported {
        at,
        action,
        patient,
        detail,
        allowed: event["outcome"].as_str().unwrap_or("0") == "0",
        subject: Subject {
            name: name.to_string(),
            role: Coding {
                system: role.0["coding"][0]["system"].as_str().map(String::from),
                code: role.0["coding"][0]["code"].as_str().map(String::from),
                display: role.1.chars().take(200).collect(),
            },
            // A report without a purpose is shown without one.
            purpose: purpose.map(|p| p.code().to_string()).unwrap_or_default(),
        },
    })
}

pub async fn report(
    State(state): State<AppState>,
    access: Result<ProfessionalAccess, ApiError>,
    Path(resource_type): Path<String>,
    body: Result<Json<Value>, JsonRejection>,
) -> Result<(StatusCode, Json<Value>), FhirError> {
    let access = access?;
    if resource_type != "AuditEvent" {
        return Err(ApiError::BadRequest("Only AuditEvents are sent here.".into()).into());
    }
    if !access.scope.permits("AuditEvent", 'c') {
        return Err(ApiError::ScopeNotGranted.into());
    }
    let Json(event) =
        body.map_err(|e| ApiError::BadRequest(format!("The body is not right: {e}")))?;
    let now = time::now();
    let kept_since = now - i64::from(state.info.privacy.log_kept_years) * 366 * 86_400;
    let reported = parse(&event, now, kept_since).map_err(ApiError::BadRequest)?;
    let id = async {
        let mut conn = state.store.conn().await?;
        if state
            .records
            .read(&mut conn, "Patient", &reported.patient)
            .await?
            .is_none()
        {
            return Err(ApiError::BadRequest(
                "There is no such patient in this portal.".into(),
            ));
        }
        let access = ProfessionalAccess {
            subject: reported.subject,
            ..access
        };
        let event = access
            .reported(reported.action)
            .at(reported.at)
            .patient(Some(&reported.patient))
            .detail(&reported.detail);
        let event = if reported.allowed {
            event
        } else {
            event.refused_for("refused-elsewhere")
        };
        Ok::<_, ApiError>(event.record(&mut conn).await?)
    }
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(
            json!({"resourceType": "OperationOutcome", "id": format!("audit-{id}"), "issue": [{
                "severity": "information", "code": "informational",
                "details": {"text": "Recorded: the patient will see it in their access log."},
            }]}),
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event() -> Value {
        json!({
            "resourceType": "AuditEvent",
            "type": {"system": "http://terminology.hl7.org/CodeSystem/audit-event-type", "code": "rest"},
            "subtype": [{"system": "http://hl7.org/fhir/restful-interaction", "code": "read"}],
            "action": "R",
            "recorded": "2026-05-03T14:02:00+01:00",
            "outcome": "0",
            "purposeOfUse": [{"coding": [{"system": ACT_REASON, "code": "TREAT"}]}],
            "agent": [{
                "type": {"coding": [{"code": "IRCP"}]},
                "who": {"display": "Nurse Kim Lee"},
                "role": [{"coding": [{"system": "http://snomed.info/sct", "code": "224535009", "display": "Registered nurse"}]}],
                "requestor": true,
            }],
            "source": {"observer": {"display": "Riverside EHR"}},
            "entity": [
                {"what": {"reference": "Patient/demo-ann"}, "role": {"code": "1"}},
                {"what": {"reference": "Observation/o-1"}, "role": {"code": "4"}},
            ],
        })
    }

    const NOW: i64 = 1_800_000_000;

    #[test]
    fn takes_who_what_when_and_why_from_a_balp_read() {
        let r = parse(&event(), NOW, 0).unwrap();
        assert_eq!(r.at, time::parse_instant("2026-05-03T13:02:00Z").unwrap());
        assert_eq!(
            (r.action, r.patient.as_str(), r.detail.as_str()),
            ("read", "demo-ann", "Observation/o-1")
        );
        assert_eq!(r.subject.name, "Nurse Kim Lee");
        assert_eq!(r.subject.role.display, "Registered nurse");
        assert_eq!(r.subject.purpose, "TREAT");
        assert!(r.allowed);
    }

    #[test]
    fn refuses_reports_the_patient_could_not_be_shown() {
        for (what, pointer, value) in [
            ("not an AuditEvent", "/resourceType", json!("Observation")),
            ("no time", "/recorded", json!("yesterday")),
            ("in the future", "/recorded", json!("2030-01-01T00:00:00Z")),
            ("an update", "/subtype/0/code", json!("update")),
            ("no patient", "/entity/0/what/reference", json!("Group/x")),
            (
                "an unserved type",
                "/entity/1/what/reference",
                json!("Claim/x"),
            ),
            ("no one", "/agent/0/requestor", json!(false)),
            ("no role", "/agent/0/role", json!([])),
            (
                "a name with control characters",
                "/agent/0/who/display",
                json!("A\u{7}B"),
            ),
        ] {
            let mut e = event();
            *e.pointer_mut(pointer).unwrap() = value;
            assert!(parse(&e, NOW, 0).is_err(), "{what}");
        }
        assert!(
            parse(&event(), NOW, NOW - 10).is_err(),
            "older than the log is kept"
        );
        let mut search = event();
        search["subtype"][0]["code"] = json!("search-type");
        search["entity"][1] = json!({"role": {"code": "24"}, "description": "Observation?patient=demo-ann&category=laboratory"});
        assert_eq!(parse(&search, NOW, 0).unwrap().action, "search");
        search["purposeOfUse"] = json!([]);
        assert_eq!(parse(&search, NOW, 0).unwrap().subject.purpose, "");
    }
}
