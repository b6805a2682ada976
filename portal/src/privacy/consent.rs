//! Each objection as a FHIR Consent, after IHE Privacy Consent on FHIR: patient-privacy scope;
//! an objection to all sharing as a Basic consent whose provision denies; the others as an
//! Intermediate (an organisation as a denied recipient, a visit or an item as denied data) or
//! Advanced consent (a category as denied security labels) that permits all else. Who made it,
//! when, and when it was withdrawn (and by whom) go with it. Built from the stored objection
//! each time, so it always says what the portal enforces.

use super::objections::{Kind, Objection};
use crate::accounts;
use crate::infra::config::PrivacyInfo;
use crate::infra::error::ApiError;
use crate::infra::store::Conn;
use crate::infra::time;
use crate::professional::registry;
use crate::records::{self, Records};
use serde_json::{Value, json};

const PCF: &str = "https://profiles.ihe.net/ITI/PCF/StructureDefinition";
const PARTICIPATION: &str = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType";
const ACT_CODE: &str = "http://terminology.hl7.org/CodeSystem/v3-ActCode";
/// The policy every objection is made under: the hospital shares records with other
/// organisations for care unless the patient objects.
pub const POLICY: &str = "urn:carefront:policy:sharing-with-other-organisations";
/// The kind of choice, beside the Consent's own category.
pub const KIND_SYSTEM: &str = "urn:carefront:objection";
pub const WITHDRAWN_BY: &str = "urn:carefront:withdrawn-by";

pub fn resource_id(id: i64) -> String {
    format!("objection-{id}")
}

/// `objection-5` to 5.
pub fn objection_id(id: &str) -> Option<i64> {
    id.strip_prefix("objection-")?.parse().ok()
}

/// The patient, or the proxy, who made or withdrew a choice.
async fn who(conn: &mut Conn, patient_id: &str, user: i64, through: Option<i64>) -> Value {
    let name = accounts::by_id(conn, user)
        .await
        .map(|u| u.display_name)
        .unwrap_or_default();
    let reference = match through {
        Some(relationship) => format!("RelatedPerson/proxy-{relationship}"),
        None => format!("Patient/{patient_id}"),
    };
    json!({"reference": reference, "display": name})
}

/// A resource in words, with its date, for a Consent's data reference.
fn described(resource_type: &str, resource: &Value) -> String {
    let text = |v: &Value| {
        v["text"]
            .as_str()
            .or_else(|| v["coding"][0]["display"].as_str())
            .map(String::from)
    };
    let what = match resource_type {
        "Encounter" => text(&resource["type"][0]).or_else(|| text(&resource["reasonCode"][0])),
        "DocumentReference" => resource["description"]
            .as_str()
            .map(String::from)
            .or_else(|| text(&resource["type"])),
        _ => text(&resource["code"]),
    }
    .unwrap_or_else(|| resource_type.to_string());
    match records::index(resource).and_then(|ix| ix.date) {
        Some(date) => format!("{what}, {}", date.get(..10).unwrap_or(&date)),
        None => what,
    }
}

async fn data(
    conn: &mut Conn,
    records: &Records,
    meaning: &str,
    resource_type: &str,
    id: &str,
) -> Result<Value, ApiError> {
    // The choice stands whether or not the record server answers now: without it, the choice is
    // shown without its item's description rather than not at all.
    let display = match records.read(conn, resource_type, id).await {
        Ok(found) => found
            .map(|(_, r)| described(resource_type, &r))
            .unwrap_or_default(),
        Err(ApiError::UpstreamUnavailable { .. }) => String::new(),
        Err(e) => return Err(e),
    };
    Ok(json!([{
        "meaning": meaning,
        "reference": {"reference": format!("{resource_type}/{id}"), "display": display},
    }]))
}

pub async fn consent(
    conn: &mut Conn,
    records: &Records,
    o: &Objection,
    privacy: &PrivacyInfo,
) -> Result<Value, ApiError> {
    let mut period = json!({"start": time::rfc3339(o.made_at)});
    if let Some(end) = o.withdrawn_at {
        period["end"] = json!(time::rfc3339(end));
    }
    let deny = match o.kind {
        Kind::All => None,
        Kind::Organisation => {
            let name = registry::organisation(conn, &o.target)
                .await?
                .map(|org| org.name)
                .unwrap_or_default();
            Some(json!({
                "type": "deny",
                "actor": [{
                    "role": {"coding": [{"system": PARTICIPATION, "code": "IRCP", "display": "information recipient"}]},
                    "reference": {
                        "type": "Organization",
                        "identifier": {"system": "urn:carefront:organisation", "value": o.target},
                        "display": name,
                    },
                }],
            }))
        }
        Kind::Visit => Some(
            json!({"type": "deny", "data": data(conn, records, "related", "Encounter", &o.target).await?}),
        ),
        Kind::Item => {
            let (kind, id) = o.target.split_once('/').unwrap_or(("", ""));
            // A report goes with the results it holds.
            let meaning = if kind == "DiagnosticReport" {
                "dependents"
            } else {
                "instance"
            };
            Some(json!({"type": "deny", "data": data(conn, records, meaning, kind, id).await?}))
        }
        Kind::Category => {
            let category = privacy.categories.iter().find(|c| c.id == o.target);
            let labels: Vec<Value> = category
                .map(|c| c.labels.as_slice())
                .unwrap_or_default()
                .iter()
                .map(|code| json!({"system": ACT_CODE, "code": code}))
                .collect();
            Some(json!({"type": "deny", "securityLabel": labels}))
        }
    };
    let (profile, provision) = match (o.kind, deny) {
        (_, None) => (
            "IHE.PCF.consentBasic",
            json!({"type": "deny", "period": period}),
        ),
        (kind, Some(deny)) => (
            if kind == Kind::Category {
                "IHE.PCF.consentAdvanced"
            } else {
                "IHE.PCF.consentIntermediate"
            },
            json!({"type": "permit", "period": period, "provision": [deny]}),
        ),
    };
    let category_name = privacy
        .categories
        .iter()
        .find(|c| o.kind == Kind::Category && c.id == o.target)
        .map(|c| c.name.clone());
    let mut kind = json!({"system": KIND_SYSTEM, "code": o.kind.as_str()});
    if let Some(name) = category_name {
        kind["display"] = json!(name);
    }
    let mut consent = json!({
        "resourceType": "Consent",
        "id": resource_id(o.id),
        "meta": {"profile": [format!("{PCF}/{profile}")]},
        "status": if o.in_force() { "active" } else { "inactive" },
        "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy"}]},
        "category": [
            {"coding": [{"system": "http://loinc.org", "code": "59284-0", "display": "Patient Consent"}]},
            {"coding": [kind]},
        ],
        "patient": {"reference": format!("Patient/{}", o.patient_id)},
        "dateTime": time::rfc3339(o.made_at),
        "performer": [who(conn, &o.patient_id, o.made_by, o.made_through).await],
        "policy": [{"uri": POLICY}],
        "provision": provision,
    });
    if let (Some(_), Some(by)) = (o.withdrawn_at, o.withdrawn_by) {
        consent["extension"] = json!([{
            "url": WITHDRAWN_BY,
            "valueReference": who(conn, &o.patient_id, by, o.withdrawn_through).await,
        }]);
    }
    Ok(consent)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn describes_a_visit_and_a_report_with_their_dates() {
        let visit = json!({"resourceType": "Encounter", "id": "e", "type": [{"text": "Outpatient appointment"}], "period": {"start": "2026-05-03T09:00:00Z"}});
        assert_eq!(
            described("Encounter", &visit),
            "Outpatient appointment, 2026-05-03"
        );
        let report = json!({"resourceType": "DiagnosticReport", "id": "r", "code": {"coding": [{"display": "Blood tests"}]}});
        assert_eq!(described("DiagnosticReport", &report), "Blood tests");
        assert_eq!(objection_id("objection-12"), Some(12));
        assert_eq!(objection_id("proxy-12"), None);
    }
}
