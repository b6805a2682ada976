//! What a professional's system says about the person reading and why, as claims of IHE
//! Internet User Authorization (`extensions.ihe_iua` in the client assertion): `subject_name`,
//! `subject_role`, `subject_organization` and `purpose_of_use`; and what it may read, as SMART
//! system scopes.

use crate::access::Filter;
use crate::records;
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub const ACT_REASON: &str = "http://terminology.hl7.org/CodeSystem/v3-ActReason";
const MAX_TEXT: usize = 200;

/// Why a professional reads (v3 PurposeOfUse). Reads without one are refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    Treatment,
    CareManagement,
    PatientRequested,
    Emergency,
    BreakGlass,
}

impl Purpose {
    pub const ALL: [Purpose; 5] = [
        Purpose::Treatment,
        Purpose::CareManagement,
        Purpose::PatientRequested,
        Purpose::Emergency,
        Purpose::BreakGlass,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Purpose::Treatment => "TREAT",
            Purpose::CareManagement => "CAREMGT",
            Purpose::PatientRequested => "PATRQT",
            Purpose::Emergency => "ETREAT",
            Purpose::BreakGlass => "BTG",
        }
    }

    pub fn display(self) -> &'static str {
        match self {
            Purpose::Treatment => "treatment",
            Purpose::CareManagement => "care management",
            Purpose::PatientRequested => "patient requested",
            Purpose::Emergency => "emergency treatment",
            Purpose::BreakGlass => "break the glass",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.code() == code)
    }

    /// Emergency treatment and break-glass reads go past the patient's objections, flagged.
    pub fn is_emergency(self) -> bool {
        matches!(self, Purpose::Emergency | Purpose::BreakGlass)
    }
}

/// A coded value as IUA carries it; the patient is shown its display.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Coding {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    pub display: String,
}

/// The person at the other organisation, as their system vouches for them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Subject {
    pub name: String,
    pub role: Coding,
    pub purpose: String,
}

impl Subject {
    pub fn purpose(&self) -> Purpose {
        // Only known purposes are ever stored.
        Purpose::from_code(&self.purpose).unwrap_or(Purpose::Treatment)
    }
}

fn text(v: &Value, name: &str) -> Result<Option<String>, String> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) if s.trim().is_empty() => Ok(None),
        Value::String(s) if s.chars().count() <= MAX_TEXT && !s.chars().any(char::is_control) => {
            Ok(Some(s.trim().to_string()))
        }
        _ => Err(format!(
            "{name} must be text of at most {MAX_TEXT} characters"
        )),
    }
}

/// The IUA claims in a client assertion, checked: a name, a role the patient can read, a
/// known purpose, and no organisation other than the one the client is registered for.
pub fn subject(assertion: &Value, organisation: &str) -> Result<Subject, String> {
    let iua = &assertion["extensions"]["ihe_iua"];
    if !iua.is_object() {
        return Err("the assertion carries no extensions.ihe_iua claims".into());
    }
    let name = text(&iua["subject_name"], "subject_name")?
        .ok_or("subject_name is required: the patient is told who read their record")?;
    let role = match &iua["subject_role"] {
        Value::String(_) => Coding {
            display: text(&iua["subject_role"], "subject_role")?.unwrap_or_default(),
            ..Coding::default()
        },
        Value::Object(_) => Coding {
            system: text(&iua["subject_role"]["system"], "subject_role.system")?,
            code: text(&iua["subject_role"]["code"], "subject_role.code")?,
            display: text(&iua["subject_role"]["display"], "subject_role.display")?
                .unwrap_or_default(),
        },
        _ => Coding::default(),
    };
    if role.display.is_empty() {
        return Err("subject_role with a display is required: the patient is told it".into());
    }
    let purpose = &iua["purpose_of_use"];
    let code = match purpose {
        Value::String(code) => Some(code.as_str()),
        Value::Object(_) => {
            let system = purpose["system"].as_str().unwrap_or(ACT_REASON);
            if system != ACT_REASON {
                return Err(format!("purpose_of_use must be from {ACT_REASON}"));
            }
            purpose["code"].as_str()
        }
        _ => None,
    }
    .ok_or("purpose_of_use is required: reads without a purpose are refused")?;
    let purpose = Purpose::from_code(code).ok_or_else(|| {
        format!(
            "purpose_of_use {:?} is not accepted; use one of {}",
            code.chars().take(20).collect::<String>(),
            Purpose::ALL.map(Purpose::code).join(", ")
        )
    })?;
    if let Some(claimed) = text(&iua["subject_organization"], "subject_organization")?
        && !claimed.eq_ignore_ascii_case(organisation)
    {
        return Err(format!(
            "subject_organization is not the organisation this client is registered for ({organisation})"
        ));
    }
    Ok(Subject {
        name,
        role,
        purpose: purpose.code().to_string(),
    })
}

/// What a token lets its holder do: read (`r`) and search (`s`) resources of these types (or of
/// every type the portal serves), report accesses in the hospital's other systems
/// (`system/AuditEvent.c`), and, for the hospital's own messaging system only, read, search
/// and answer patients' messages (`system/Communication.crs`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Scope(Vec<(String, String)>);

impl Scope {
    /// The SMART system scopes asked for (`system/Observation.rs`, `system/*.read`), narrowed to
    /// what this portal grants a system (`messages`: the hospital's own, answering messages).
    /// None if nothing is left.
    pub fn grant(asked: &str, messages: bool) -> Option<Self> {
        let mut granted = Vec::new();
        for scope in asked.split_whitespace() {
            let Some((kind, permissions)) = scope
                .strip_prefix("system/")
                .and_then(|s| s.split_once('.'))
            else {
                continue;
            };
            let permissions = match permissions {
                "read" => "rs".to_string(),
                "write" => "cud".to_string(),
                p if !p.is_empty() && p.chars().all(|c| "cruds".contains(c)) && is_in_order(p) => {
                    p.to_string()
                }
                _ => continue,
            };
            let offered = match kind {
                "AuditEvent" => "c",
                MESSAGES if messages => "crs",
                MESSAGES => continue,
                "*" => "rs",
                kind if records::is_supported(kind) => "rs",
                _ => continue,
            };
            let kept: String = permissions
                .chars()
                .filter(|c| offered.contains(*c))
                .collect();
            if !kept.is_empty() {
                granted.push((kind.to_string(), kept));
            }
        }
        (!granted.is_empty()).then_some(Self(granted))
    }

    /// As stored and returned: `system/Observation.rs`, space-separated.
    pub fn text(&self) -> String {
        self.0
            .iter()
            .map(|(kind, permissions)| format!("system/{kind}.{permissions}"))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Whether it reads records at all, rather than only reporting accesses.
    pub fn reads(&self) -> bool {
        self.0
            .iter()
            .any(|(_, permissions)| permissions.contains(['r', 's']))
    }

    /// Whether it allows this interaction (`c`, `r` or `s`) on this type.
    pub fn permits(&self, resource_type: &str, interaction: char) -> bool {
        self.0.iter().any(|(kind, permissions)| {
            (kind == resource_type
                || (kind == "*" && resource_type != "AuditEvent" && resource_type != MESSAGES))
                && permissions.contains(interaction)
        })
    }

    /// The types a search or read may return.
    pub fn filter(&self) -> Filter {
        let every = self.0.iter().any(|(kind, _)| kind == "*");
        Filter {
            types: (!every).then(|| self.0.iter().map(|(kind, _)| kind.clone()).collect()),
            labels: Default::default(),
        }
    }
}

/// Patients' messages: never part of `*`, and only for a system registered to answer them.
const MESSAGES: &str = "Communication";

/// SMART v2 permissions are written in the order c, r, u, d, s.
fn is_in_order(p: &str) -> bool {
    let rank = |c| "cruds".find(c).unwrap_or(usize::MAX);
    p.chars()
        .zip(p.chars().skip(1))
        .all(|(a, b)| rank(a) < rank(b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn iua(claims: Value) -> Value {
        json!({"extensions": {"ihe_iua": claims}})
    }

    #[test]
    fn takes_the_professional_their_role_and_purpose() {
        let s = subject(
            &iua(json!({
                "subject_name": "Dr Sam Patel",
                "subject_role": {"system": "http://snomed.info/sct", "code": "17561000", "display": "Cardiologist"},
                "subject_organization": "Northgate Surgery",
                "purpose_of_use": {"system": ACT_REASON, "code": "ETREAT"},
            })),
            "northgate surgery",
        )
        .unwrap();
        assert_eq!(s.name, "Dr Sam Patel");
        assert_eq!(s.role.display, "Cardiologist");
        assert!(s.purpose().is_emergency());
    }

    #[test]
    fn refuses_what_the_patient_could_not_be_told() {
        let ok = json!({"subject_name": "A", "subject_role": "Nurse", "purpose_of_use": "TREAT"});
        assert!(subject(&iua(ok.clone()), "Org").is_ok());
        for (field, value) in [
            ("subject_name", json!("")),
            ("subject_name", json!("x".repeat(201))),
            ("subject_name", json!("A\u{0}B")),
            ("subject_role", json!({"code": "17561000"})),
            ("purpose_of_use", Value::Null),
            ("purpose_of_use", json!("HMARKT")),
            (
                "purpose_of_use",
                json!({"system": "http://other", "code": "TREAT"}),
            ),
            ("subject_organization", json!("Another Hospital")),
        ] {
            let mut claims = ok.clone();
            claims[field] = value;
            assert!(subject(&iua(claims), "Org").is_err(), "{field}");
        }
        assert!(subject(&json!({}), "Org").is_err());
    }

    #[test]
    fn grants_only_reading_and_searching_record_types() {
        let s = Scope::grant(
            "system/Observation.rs system/Patient.read system/Foo.rs system/Condition.cud openid",
            false,
        )
        .unwrap();
        assert_eq!(s.text(), "system/Observation.rs system/Patient.rs");
        assert!(s.permits("Observation", 's') && !s.permits("Condition", 'r'));
        assert!(s.filter().allows_type("Observation") && !s.filter().allows_type("Condition"));
        assert_eq!(
            Scope::grant("system/*.r", false).unwrap().filter().types,
            None
        );
        assert!(
            !Scope::grant("system/*.r", false)
                .unwrap()
                .permits("Observation", 's')
        );
        assert_eq!(Scope::grant("system/Observation.sr", false), None);
        assert_eq!(Scope::grant("user/*.rs patient/*.rs", false), None);
        // Reporting accesses is asked for by name, never by a wildcard.
        let report = Scope::grant("system/AuditEvent.cruds system/*.c", false).unwrap();
        assert_eq!(report.text(), "system/AuditEvent.c");
        assert!(report.permits("AuditEvent", 'c') && !report.permits("AuditEvent", 'r'));
        assert!(
            !Scope::grant("system/*.rs", false)
                .unwrap()
                .permits("AuditEvent", 's')
        );
    }

    #[test]
    fn patients_messages_are_only_for_the_hospitals_own_system_and_only_by_name() {
        assert_eq!(Scope::grant("system/Communication.crs", false), None);
        let answering =
            Scope::grant("system/Communication.read system/Communication.write", true).unwrap();
        assert_eq!(
            answering.text(),
            "system/Communication.rs system/Communication.c"
        );
        assert!(answering.permits("Communication", 'c'));
        // A wildcard never reaches them, even for the system that answers them.
        let all = Scope::grant("system/*.rs", true).unwrap();
        assert!(!all.permits("Communication", 's') && !all.permits("Communication", 'r'));
    }
}
