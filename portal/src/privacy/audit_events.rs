//! The audit trail as FHIR AuditEvents shaped after IHE Basic Audit Log Patterns, searched by
//! the patient whose record each row concerns (`GET /fhir/AuditEvent?patient=…`). One row, one
//! event: who (the patient, someone acting for them, the viewer of a share), what (a read, a
//! search, or another event on the record), when, and whether it was allowed. Network addresses
//! are kept for the hospital, never shown to the patient. A professional's read says who, in what
//! role, at which organisation, why (`purposeOfUse`), and which objections an emergency set aside.

use super::consent;
use crate::infra::store::{Conn, Dialect, Sql};
use crate::infra::time;
use crate::professional::claims::{ACT_REASON, Purpose};
use crate::records::Search;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use sqlx::Row as _;
use sqlx::any::AnyRow;

pub const TYPE: &str = "AuditEvent";

const BALP: &str = "https://profiles.ihe.net/ITI/BALP/StructureDefinition";
const EVENT_TYPE: &str = "http://terminology.hl7.org/CodeSystem/audit-event-type";
const INTERACTION: &str = "http://hl7.org/fhir/restful-interaction";
const ENTITY_TYPE: &str = "http://terminology.hl7.org/CodeSystem/audit-entity-type";
const OBJECT_ROLE: &str = "http://terminology.hl7.org/CodeSystem/object-role";
const PARTICIPATION: &str = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType";
const ROLE_CLASS: &str = "http://terminology.hl7.org/CodeSystem/v3-RoleClass";
const DICOM: &str = "http://dicom.nema.org/resources/ontology/DCM";
const ORGANISATION: &str = "urn:carefront:organisation";
const CLIENT: &str = "urn:carefront:client";
/// This portal's own events (sign-in steps, shares, proxy changes), by their audit action.
pub const PORTAL_EVENTS: &str = "urn:carefront:audit-event";

/// One audit row about a patient's record, with the user's name when there is a user.
struct Row {
    id: i64,
    at: i64,
    action: String,
    outcome: String,
    detail: String,
    patient_id: String,
    user_name: Option<String>,
    own: bool,
    proxy_relationship: Option<i64>,
    share_id: Option<i64>,
    viewer: Option<String>,
    professional: Option<String>,
    set_aside: Option<String>,
}

/// A page of the patient's audit trail, and how many rows match in all.
pub async fn search(conn: &mut Conn, s: &Search, site: &str) -> sqlx::Result<(usize, Vec<Value>)> {
    let mut sql =
        Sql::new("FROM audit a LEFT JOIN users u ON u.id = a.user_id WHERE a.patient_id = ");
    let patient = sql.value(&s.patient_id);
    sql.push(&patient);
    let at = Dialect::of(conn).rfc3339("a.at");
    for d in &s.dates {
        d.narrow(&at, &mut sql);
    }
    let total: i64 = sql
        .query("SELECT count(*) ", "")
        .try_map(|r: AnyRow| r.try_get(0))
        .fetch_one(&mut *conn)
        .await?;
    let order = if s.newest_first { "DESC" } else { "ASC" };
    let rows = sql
        .query(
            "SELECT a.id, a.at, a.action, a.outcome, a.detail, a.patient_id, u.display_name,
                 CASE WHEN EXISTS (SELECT 1 FROM user_patients p WHERE p.user_id = a.user_id
                     AND p.patient_id = a.patient_id AND p.relationship = 'self') THEN 1 ELSE 0 END,
                 a.proxy_relationship, a.share_id, a.viewer, a.professional, a.set_aside ",
            &format!(
                " ORDER BY a.at {order}, a.id {order} LIMIT {} OFFSET {}",
                s.count, s.offset
            ),
        )
        .try_map(|r: AnyRow| {
            Ok(Row {
                id: r.try_get(0)?,
                at: r.try_get(1)?,
                action: r.try_get(2)?,
                outcome: r.try_get(3)?,
                detail: r.try_get(4)?,
                patient_id: r.try_get(5)?,
                user_name: r.try_get(6)?,
                own: r.try_get::<i64, _>(7)? == 1,
                proxy_relationship: r.try_get(8)?,
                share_id: r.try_get(9)?,
                viewer: r.try_get(10)?,
                professional: r.try_get(11)?,
                set_aside: r.try_get(12)?,
            })
        })
        .fetch_all(conn)
        .await?;
    Ok((
        total as usize,
        rows.iter().map(|row| event(row, site)).collect(),
    ))
}

/// Who asked: the patient, someone acting for them, the viewer of a share (and the
/// organisation the viewer gave), or a professional at another organisation (their role, their
/// organisation and the system they used).
fn agents(row: &Row) -> Vec<Value> {
    let human = |who: Value, name: &str, role: Value| {
        json!({
            "type": {"coding": [{"system": PARTICIPATION, "code": "IRCP", "display": "information recipient"}]},
            "who": who,
            "name": name,
            "role": [role],
            "requestor": true,
        })
    };
    let role = |code: &str, display: &str| json!({"coding": [{"system": ROLE_CLASS, "code": code, "display": display}]});
    let name = row.user_name.clone().unwrap_or_default();
    let mut agents = Vec::new();
    if let Some(professional) = professional(row) {
        let mut person = human(
            json!({"type": "Practitioner", "display": professional["name"]}),
            professional["name"].as_str().unwrap_or_default(),
            role_concept(&professional["role"]),
        );
        if let Some(purpose) = purpose_concept(&professional) {
            person["purposeOfUse"] = json!([purpose]);
        }
        agents.push(person);
        agents.push(json!({
            "type": {"coding": [{"system": ROLE_CLASS, "code": "PROV", "display": "healthcare provider"}]},
            "who": {
                "type": "Organization",
                "identifier": {"system": ORGANISATION, "value": professional["organisationId"]},
                "display": professional["organisation"],
            },
            "requestor": false,
        }));
        agents.push(json!({
            "type": {"coding": [{"system": DICOM, "code": "110153", "display": "Source Role ID"}]},
            "who": {"identifier": {"system": CLIENT, "value": professional["client"]}},
            "requestor": false,
        }));
    } else if let Some(relationship) = row.proxy_relationship {
        agents.push(human(
            json!({"reference": format!("RelatedPerson/proxy-{relationship}"), "display": name}),
            &name,
            role("AGNT", "agent"),
        ));
    } else if row.own {
        agents.push(human(
            json!({"reference": format!("Patient/{}", row.patient_id), "display": name}),
            &name,
            role("PAT", "patient"),
        ));
    } else if let Some(viewer) = row.viewer.as_deref() {
        // Someone the patient shared the record with, as they named themselves; the share is
        // the policy that let them in.
        let viewer: Value = serde_json::from_str(viewer).unwrap_or_default();
        let name = viewer["name"].as_str().unwrap_or_default();
        let mut person = human(
            json!({"display": name}),
            name,
            json!({"text": "shared with"}),
        );
        person["policy"] = json!([format!(
            "urn:carefront:share:{}",
            row.share_id.unwrap_or_default()
        )]);
        agents.push(person);
        if let Some(organisation) = viewer["organisation"].as_str().filter(|o| !o.is_empty()) {
            agents.push(json!({
                "type": {"coding": [{"system": ROLE_CLASS, "code": "PROV", "display": "healthcare provider"}]},
                "who": {"display": organisation},
                "requestor": false,
            }));
        }
    } else if !name.is_empty() {
        agents.push(human(
            json!({"display": name}),
            &name,
            role("PROV", "healthcare provider"),
        ));
    }
    agents.push(json!({
        "type": {"coding": [{"system": DICOM, "code": "110152", "display": "Destination Role ID"}]},
        "who": {"display": "patient portal"},
        "requestor": false,
    }));
    agents
}

fn professional(row: &Row) -> Option<Value> {
    serde_json::from_str(row.professional.as_deref()?).ok()
}

/// The professional's role as their system coded it, with the words the patient is shown.
fn role_concept(role: &Value) -> Value {
    let mut coding = json!({"display": role["display"]});
    for key in ["system", "code"] {
        if let Some(v) = role[key].as_str() {
            coding[key] = json!(v);
        }
    }
    json!({"coding": [coding], "text": role["display"]})
}

/// Why they read, if their system said.
fn purpose_concept(professional: &Value) -> Option<Value> {
    let purpose = Purpose::from_code(professional["purpose"].as_str()?)?;
    Some(
        json!({"coding": [{"system": ACT_REASON, "code": purpose.code(), "display": purpose.display()}]}),
    )
}

/// What was read, as FHIR: a detail starts with the resource's `Type/id`, which is the
/// reference; anything after it (`(patient list)`) is said in words beside it, never inside it.
fn read_entity(what: &str) -> Value {
    let (reference, words) = what
        .split_once(' ')
        .map_or((what, ""), |(r, w)| (r, w.trim()));
    let mut entity = json!({
        "type": {"system": ENTITY_TYPE, "code": "2", "display": "System Object"},
        "role": {"system": OBJECT_ROLE, "code": "4", "display": "Domain Resource"},
    });
    if is_reference(reference) {
        entity["what"] = json!({"reference": reference});
    }
    let words = words.trim_start_matches('(').trim_end_matches(')');
    let description = if is_reference(reference) { words } else { what };
    if !description.is_empty() {
        entity["description"] = json!(description);
    }
    entity
}

/// `Type/id` as FHIR R4 spells a relative reference: a resource type, and an id of 1 to 64
/// letters, digits, `-` and `.`.
fn is_reference(text: &str) -> bool {
    text.split_once('/').is_some_and(|(kind, id)| {
        kind.starts_with(|c: char| c.is_ascii_uppercase())
            && kind.chars().all(|c| c.is_ascii_alphabetic())
            && (1..=64).contains(&id.len())
            && id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
    })
}

fn event(row: &Row, site: &str) -> Value {
    let patient = json!({
        "what": {"reference": format!("Patient/{}", row.patient_id)},
        "type": {"system": ENTITY_TYPE, "code": "1", "display": "Person"},
        "role": {"system": OBJECT_ROLE, "code": "1", "display": "Patient"},
    });
    // A refusal's detail starts with its reason.
    let (reason, what) = match row.outcome.as_str() {
        "success" => (None, row.detail.as_str()),
        _ => match row.detail.split_once(": ") {
            Some((reason, rest)) => (Some(reason), rest),
            None => (Some(row.detail.as_str()), ""),
        },
    };
    let (kind, profile, data) = match row.action.as_str() {
        "read" => (
            json!([{"system": INTERACTION, "code": "read", "display": "read"}]),
            Some("IHE.BasicAudit.PatientRead"),
            Some(read_entity(what)),
        ),
        "search" => (
            json!([{"system": INTERACTION, "code": "search-type", "display": "search-type"}]),
            Some("IHE.BasicAudit.PatientQuery"),
            Some(json!({
                "type": {"system": ENTITY_TYPE, "code": "2", "display": "System Object"},
                "role": {"system": OBJECT_ROLE, "code": "24", "display": "Query"},
                "description": what,
                "query": STANDARD.encode(what),
            })),
        ),
        other => (
            json!([{"system": PORTAL_EVENTS, "code": other}]),
            None,
            None,
        ),
    };
    let rest = profile.is_some();
    let mut entity = vec![patient];
    entity.extend(data);
    // Objections an emergency read set aside.
    entity.extend(
        row.set_aside
            .as_deref()
            .unwrap_or_default()
            .split(',')
            .filter_map(|id| id.parse::<i64>().ok())
            .map(|id| {
                json!({
                    "what": {"reference": format!("Consent/{}", consent::resource_id(id))},
                    "type": {"system": ENTITY_TYPE, "code": "2", "display": "System Object"},
                    "role": {"system": OBJECT_ROLE, "code": "13", "display": "Security Resource"},
                    "description": "objection set aside for an emergency",
                })
            }),
    );
    let mut event = json!({
        "resourceType": TYPE,
        "id": format!("audit-{}", row.id),
        "type": if rest {
            json!({"system": EVENT_TYPE, "code": "rest", "display": "Restful Operation"})
        } else {
            json!({"system": PORTAL_EVENTS, "code": "portal", "display": "Patient portal event"})
        },
        "subtype": kind,
        "action": match row.action.as_str() { "read" => "R", "share-created" => "C", _ => "E" },
        "recorded": time::rfc3339(row.at),
        "outcome": if reason.is_some() { "4" } else { "0" },
        "agent": agents(row),
        "source": {
            "site": site,
            "observer": {"display": format!("{site} patient portal")},
            "type": [{"system": "http://terminology.hl7.org/CodeSystem/security-source-type", "code": "4", "display": "Application Server"}],
        },
        "entity": entity,
    });
    if let (Some(profile), None) = (profile, reason) {
        event["meta"] = json!({"profile": [format!("{BALP}/{profile}")]});
    }
    if let Some(reason) = reason {
        event["outcomeDesc"] = json!(reason);
    }
    if let Some(professional) = professional(row) {
        if let Some(purpose) = purpose_concept(&professional) {
            event["purposeOfUse"] = json!([purpose]);
        }
        // An access another of the hospital's systems reported was observed there.
        if professional["reported"] == true {
            event["source"]["observer"] = json!({
                "identifier": {"system": CLIENT, "value": professional["client"]},
                "display": professional["organisation"],
            });
        }
    }
    event
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_read_names_its_resource_by_a_reference_and_says_the_rest_in_words() {
        let listed = read_entity("Patient/demo-maya (patient list)");
        assert_eq!(listed["what"]["reference"], "Patient/demo-maya");
        assert_eq!(listed["description"], "patient list");
        let plain = read_entity("AllergyIntolerance/a-1");
        assert_eq!(plain["what"]["reference"], "AllergyIntolerance/a-1");
        assert!(plain.get("description").is_none());
        for odd in [
            "",
            "not a reference",
            "Patient/",
            "patient/x",
            "Patient/a/b",
        ] {
            let entity = read_entity(odd);
            assert!(entity.get("what").is_none(), "{odd:?}: {entity}");
        }
    }
}
