//! Proxy access: people who act for a patient through their own account. A parent for a child
//! (the patient's age decides what they see, by the hospital's rules), or an adult the patient
//! chose. Access is worked out afresh on every request, so a birthday, an end date or a "Stop
//! access" takes effect at once, in sessions already open too.

pub mod commands;
pub mod fhir;
pub mod invitations;
pub mod routes;
pub mod rules;
pub mod store;

use crate::accounts;
use crate::privacy::objections::Restrictions;
use crate::records;
use crate::shared::error::ApiError;
use crate::terms;
use rules::{Filter, ProxyRules, Standing, State};
use rusqlite::Connection;
use store::Relationship;

/// On what footing a user reads a patient's record.
#[derive(Clone, Debug)]
pub enum Grant {
    /// Their own record.
    Own,
    /// As a proxy, through this relationship, seeing what the filter lets through.
    Proxy { relationship: i64, filter: Filter },
    /// As the viewer of a share, seeing its sections.
    Shared { share: i64, filter: Filter },
    /// As a professional at another organisation: the types their token's scope names, less
    /// what the patient's objections keep back, unless for an emergency.
    Professional {
        scope: Filter,
        restrictions: Restrictions,
        emergency: bool,
    },
}

impl Grant {
    pub fn filter(&self) -> Option<&Filter> {
        match self {
            Grant::Own => None,
            Grant::Proxy { filter, .. } | Grant::Shared { filter, .. } => Some(filter),
            Grant::Professional { scope, .. } => Some(scope),
        }
    }

    pub fn relationship(&self) -> Option<i64> {
        match self {
            Grant::Proxy { relationship, .. } => Some(*relationship),
            _ => None,
        }
    }

    /// Whether nothing of the record is withheld: the patient's own access, or a proxy's that
    /// no level, age or choice narrows. Never a professional's: they read only for care.
    pub fn is_full(&self) -> bool {
        !matches!(self, Grant::Professional { .. })
            && self
                .filter()
                .is_none_or(|f| f.types.is_none() && f.labels.is_empty())
    }

    pub fn allows_type(&self, resource_type: &str) -> bool {
        self.filter().is_none_or(|f| f.allows_type(resource_type))
    }

    pub fn allows(&self, resource_type: &str, resource: &serde_json::Value) -> bool {
        let kept_back = match self {
            Grant::Professional {
                restrictions,
                emergency: false,
                ..
            } => restrictions.hides(resource_type, resource),
            _ => false,
        };
        !kept_back
            && self.filter().is_none_or(|f| {
                let labels = records::security_labels(resource);
                f.allows_type(resource_type) && f.allows_labels(labels.iter().map(String::as_str))
            })
    }

    /// Narrows a search of `resource_type` to what this grant lets through.
    pub fn narrow(&self, search: &mut records::Search, resource_type: &str) {
        if let Some(f) = self.filter() {
            search.withheld_labels.extend(f.labels.iter().cloned());
        }
        if let Grant::Professional {
            restrictions,
            emergency: false,
            ..
        } = self
        {
            restrictions.narrow(search, resource_type);
        }
    }

    /// How a refusal of something this grant does not let through is said: a professional is
    /// told the patient objected, so their system can say so; anyone else hears "not found".
    pub fn withheld(&self) -> ApiError {
        match self {
            Grant::Professional { .. } => ApiError::PatientObjected { whole: false },
            _ => ApiError::Withheld,
        }
    }
}

/// The patient's date of birth (days since 1970-01-01), from their Patient resource.
pub fn born(conn: &Connection, patient_id: &str) -> rusqlite::Result<Option<i64>> {
    Ok(
        records::read(conn, "Patient", patient_id)?.and_then(|(_, patient)| {
            patient["birthDate"]
                .as_str()
                .and_then(crate::shared::time::parse_date)
        }),
    )
}

/// Where a relationship stands today.
pub fn standing(
    conn: &Connection,
    rules: &ProxyRules,
    relationship: &Relationship,
    today: i64,
) -> rusqlite::Result<Standing> {
    let born = born(conn, &relationship.patient_id)?;
    Ok(rules.standing(&relationship.terms(born), today))
}

/// Whether the proxy has accepted the proxy terms now in force for this relationship.
pub fn terms_accepted(conn: &Connection, relationship: i64) -> rusqlite::Result<bool> {
    match terms::current(conn, terms::PROXY)? {
        Some(doc) => store::terms_accepted(conn, relationship, &doc.version),
        None => Ok(true),
    }
}

/// Whether, and on what footing, this user may read this patient's record today. Refusals
/// say why: not theirs to read, paused until a young person agrees, or proxy terms to accept.
pub fn grant(
    conn: &Connection,
    rules: &ProxyRules,
    user_id: i64,
    patient_id: &str,
    today: i64,
) -> Result<Grant, ApiError> {
    if accounts::is_own_record(conn, user_id, patient_id)? {
        return Ok(Grant::Own);
    }
    match current(conn, rules, user_id, patient_id, today)? {
        Some((relationship, standing)) if standing.state == State::Active => {
            if !terms_accepted(conn, relationship.id)? {
                return Err(ApiError::ProxyTermsNotAccepted);
            }
            Ok(Grant::Proxy {
                relationship: relationship.id,
                filter: standing.filter,
            })
        }
        Some(_) => Err(ApiError::ProxyAccessPaused),
        None => Err(ApiError::PatientNotInScope),
    }
}

/// The relationship through which this user acts for this patient today: an active one, else
/// one paused (waiting for a young person's agreement, or a date of birth).
fn current(
    conn: &Connection,
    rules: &ProxyRules,
    user_id: i64,
    patient_id: &str,
    today: i64,
) -> rusqlite::Result<Option<(Relationship, Standing)>> {
    let mut paused = None;
    for relationship in store::between(conn, user_id, patient_id)? {
        let standing = standing(conn, rules, &relationship, today)?;
        match standing.state {
            State::Active => return Ok(Some((relationship, standing))),
            State::NeedsAgreement { .. } | State::BirthDateUnknown => {
                paused.get_or_insert((relationship, standing));
            }
            State::NotStarted | State::Ended { .. } => {}
        }
    }
    Ok(paused)
}

/// The active relationship between this proxy and this patient today, if there is one.
pub fn active(
    conn: &Connection,
    rules: &ProxyRules,
    user_id: i64,
    patient_id: &str,
    today: i64,
) -> rusqlite::Result<Option<Relationship>> {
    Ok(current(conn, rules, user_id, patient_id, today)?
        .filter(|(_, s)| s.state == State::Active)
        .map(|(r, _)| r))
}

/// Whether a relationship is still worth showing: it has not ended, or ended within the notice
/// period (so access never vanishes unexplained).
pub fn current_or_lately(
    r: &Relationship,
    standing: &Standing,
    today: i64,
    notice_days: i64,
) -> bool {
    match standing.state {
        State::Ended { why, .. } => {
            let ended = match why {
                rules::EndReason::Stopped => r.stopped_at.map(|at| at.div_euclid(86_400)),
                _ => standing.ends.map(|(on, _)| on),
            };
            ended.is_some_and(|on| today - on <= notice_days)
        }
        _ => true,
    }
}

/// Whether the young person's agreement is what this parent's access waits on, or rests on.
pub fn asks_agreement(r: &Relationship, standing: &Standing) -> bool {
    match standing.state {
        State::NeedsAgreement { .. } => true,
        State::Active => r.parental && r.agreed_at.is_some(),
        _ => false,
    }
}

/// Where a relationship stands, as both sides are told it (`GET /patients` to the proxy,
/// `GET /proxies` to the patient): who the proxy is, the level, what is withheld and why, and
/// the dates.
pub fn standing_json(
    rules: &ProxyRules,
    r: &Relationship,
    standing: &Standing,
) -> serde_json::Map<String, serde_json::Value> {
    use crate::shared::time::date;
    use serde_json::json;
    let level = rules.level(&r.level);
    let day = |d: i64| date(d * 86_400);
    let value = json!({
        "proxyIs": r.proxy_is,
        "authority": r.authority_code,
        "access": standing.state,
        "level": {
            "id": r.level,
            "name": level.map(|l| l.name.clone()),
            "description": level.map(|l| l.description.clone()),
        },
        "withheld": standing.withheld,
        "since": r.starts_on,
        "ends": standing.ends.map(|(on, why)| json!({"on": day(on), "reason": why})),
        "nextChange": standing.next_change.as_ref().map(|c| json!({
            "on": day(c.on), "kind": c.kind, "age": c.age,
        })),
        "stoppedBy": r.stopped_by,
    });
    match value {
        serde_json::Value::Object(map) => map,
        // json! of an object literal is always an object.
        _ => serde_json::Map::new(),
    }
}
