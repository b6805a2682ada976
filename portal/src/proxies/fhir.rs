//! Each relationship as FHIR: a RelatedPerson (who the proxy is to the patient) and a Consent
//! (patient-privacy scope, the proxy as delegatee, the period, and deny provisions for what is
//! withheld), after IHE Privacy Consent on FHIR. Built from the stored relationship each time,
//! so they always say what the portal enforces.

use super::rules::{ProxyRules, Standing, State};
use super::store::{self, Relationship};
use crate::access::Grant;
use crate::accounts;
use crate::infra::error::ApiError;
use crate::infra::store::Conn;
use crate::infra::time;
use crate::records::Records;
use serde_json::{Value, json};

pub const TYPES: &[&str] = &["RelatedPerson", "Consent"];

const ROLE_CODE: &str = "http://terminology.hl7.org/CodeSystem/v3-RoleCode";
const ACT_CODE: &str = "http://terminology.hl7.org/CodeSystem/v3-ActCode";
const CONFIDENTIALITY: &str = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality";

pub(crate) fn related_person_id(relationship: i64) -> String {
    format!("proxy-{}", relationship)
}

/// `proxy-7` (either resource's id) to 7.
fn relationship_id(id: &str) -> Option<i64> {
    id.strip_prefix("proxy-")?.parse().ok()
}

fn label(code: &str) -> Value {
    let system = if matches!(code, "U" | "L" | "M" | "N" | "R" | "V") {
        CONFIDENTIALITY
    } else {
        ACT_CODE
    };
    json!({"system": system, "code": code})
}

pub fn related_person(r: &Relationship, name: &str) -> Value {
    let mut relationship = vec![json!({
        "coding": [{"system": r.relationship_system, "code": r.relationship_code}],
        "text": r.proxy_is,
    })];
    if let Some(authority) = &r.authority_code {
        relationship.push(json!({"coding": [{"system": ROLE_CODE, "code": authority}]}));
    }
    let mut period = json!({"start": r.starts_on});
    if let Some(end) = &r.ends_on {
        period["end"] = json!(end);
    }
    json!({
        "resourceType": "RelatedPerson",
        "id": related_person_id(r.id),
        "active": r.stopped_at.is_none(),
        "patient": {"reference": format!("Patient/{}", r.patient_id)},
        "relationship": relationship,
        "name": [{"text": name}],
        "period": period,
    })
}

pub fn consent(r: &Relationship, standing: &Standing, rules: &ProxyRules) -> Value {
    let status = match standing.state {
        State::Active => "active",
        State::NotStarted | State::NeedsAgreement { .. } | State::BirthDateUnknown => "proposed",
        State::Ended { .. } => "inactive",
    };
    let mut period = json!({"start": r.starts_on});
    if let Some((end, _)) = standing.ends {
        period["end"] = json!(time::date(end * 86_400));
    }
    let mut provision = json!({
        "type": "permit",
        "period": period,
        "actor": [{
            "role": {"coding": [{"system": ROLE_CODE, "code": "DELEGATEE"}]},
            "reference": {"reference": format!("RelatedPerson/{}", related_person_id(r.id))},
        }],
        "action": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentaction", "code": "access"}]}],
    });
    if let Some(types) = &standing.filter.types {
        provision["class"] = json!(
            std::iter::once("Patient")
                .chain(types.iter().map(String::as_str))
                .map(|t| json!({"system": "http://hl7.org/fhir/resource-types", "code": t}))
                .collect::<Vec<_>>()
        );
    }
    if !standing.filter.labels.is_empty() {
        provision["provision"] = json!([{
            "type": "deny",
            "securityLabel": standing.filter.labels.iter().map(|l| label(l)).collect::<Vec<_>>(),
        }]);
    }
    let level = rules
        .level(&r.level)
        .map_or(r.level.clone(), |l| l.name.clone());
    json!({
        "resourceType": "Consent",
        "id": related_person_id(r.id),
        "status": status,
        "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy"}]},
        "category": [{"coding": [{"system": "http://loinc.org", "code": "59284-0", "display": "Patient Consent"}]}],
        "patient": {"reference": format!("Patient/{}", r.patient_id)},
        "dateTime": time::rfc3339(r.created_at),
        "policyRule": {"coding": [{"system": ACT_CODE, "code": "OPTIN"}], "text": level},
        "provision": provision,
    })
}

/// The relationships this reader may see as FHIR for this patient (as `access` decides).
async fn visible(
    conn: &mut Conn,
    grant: &Grant,
    patient_id: &str,
) -> sqlx::Result<Vec<Relationship>> {
    Ok(grant.relationships(store::of_patient(conn, patient_id).await?))
}

async fn build(
    conn: &mut Conn,
    records: &Records,
    rules: &ProxyRules,
    resource_type: &str,
    r: &Relationship,
    today: i64,
) -> Result<Value, ApiError> {
    Ok(if resource_type == "RelatedPerson" {
        let name = accounts::by_id(conn, r.proxy_user_id)
            .await
            .map(|u| u.display_name)
            .unwrap_or_default();
        related_person(r, &name)
    } else {
        consent(
            r,
            &crate::access::proxy::standing(conn, records, rules, r, today).await?,
            rules,
        )
    })
}

pub async fn search(
    conn: &mut Conn,
    records: &Records,
    rules: &ProxyRules,
    grant: &Grant,
    resource_type: &str,
    patient_id: &str,
    today: i64,
) -> Result<Vec<Value>, ApiError> {
    let mut all = Vec::new();
    for r in visible(&mut *conn, grant, patient_id).await? {
        all.push(build(&mut *conn, records, rules, resource_type, &r, today).await?);
    }
    Ok(all)
}

/// The patient a relationship resource belongs to, so the caller can check access first.
pub async fn patient_of(conn: &mut Conn, id: &str) -> sqlx::Result<Option<String>> {
    Ok(match relationship_id(id) {
        Some(n) => store::by_id(conn, n).await?.map(|r| r.patient_id),
        None => None,
    })
}

pub async fn read(
    conn: &mut Conn,
    records: &Records,
    rules: &ProxyRules,
    grant: &Grant,
    resource_type: &str,
    id: &str,
    today: i64,
) -> Result<Option<Value>, ApiError> {
    let Some(n) = relationship_id(id) else {
        return Ok(None);
    };
    let Some(r) = store::by_id(conn, n).await? else {
        return Ok(None);
    };
    if !visible(conn, grant, &r.patient_id)
        .await?
        .iter()
        .any(|v| v.id == n)
    {
        return Ok(None);
    }
    build(conn, records, rules, resource_type, &r, today)
        .await
        .map(Some)
}
