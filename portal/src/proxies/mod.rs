//! Proxy access: people who act for a patient through their own account. A parent for a child
//! (the patient's age decides what they see, by the hospital's rules), or an adult the patient
//! chose. What access a relationship gives is decided in `access::proxy`, afresh on every
//! request, so a birthday, an end date or a "Stop access" takes effect at once.

pub mod commands;
pub mod fhir;
pub mod invitations;
pub mod routes;
pub mod rules;
pub mod store;

use rules::{ProxyRules, Standing, State};
use store::Relationship;

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
    use crate::infra::time::date;
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
