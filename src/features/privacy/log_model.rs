//! "Who has looked at my record": the portal's AuditEvents (IHE Basic Audit Log Patterns) as a
//! list grouped by day, in plain words. Reads and searches by the same person within half an
//! hour are one visit to the record ("looked at your allergies and medicines"); each says what
//! kind of person it was (the patient, someone acting for them, someone with a share code, a
//! professional at another organisation, an emergency access), never a code.

use crate::acting_for::and_list;
use crate::fhir::date::FhirDate;
use crate::sections;
use serde_json::Value;

/// Reads by the same person closer together than this are one visit to the record.
const SAME_VISIT_MS: f64 = 30.0 * 60.0 * 1000.0;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// The patient.
    Patient,
    /// Someone acting for the patient through their own account.
    Proxy,
    /// Someone the patient gave a share code to.
    Shared,
    /// A professional at another organisation, through its system.
    Professional,
    /// A professional's emergency access.
    Emergency,
    /// Something else done in the portal about the record (a share made, a choice changed).
    Portal,
}

impl Kind {
    /// The kinds a person can filter by, with their names.
    pub const FILTERS: [(Kind, &'static str); 6] = [
        (Kind::Patient, "The patient"),
        (Kind::Proxy, "People acting for the patient"),
        (Kind::Shared, "People with a share code"),
        (Kind::Professional, "Staff at other organisations"),
        (Kind::Emergency, "Emergency access"),
        (Kind::Portal, "Changes to settings"),
    ];

    pub fn id(self) -> &'static str {
        match self {
            Kind::Patient => "patient",
            Kind::Proxy => "proxy",
            Kind::Shared => "shared",
            Kind::Professional => "professional",
            Kind::Emergency => "emergency",
            Kind::Portal => "portal",
        }
    }

    pub fn from_id(id: &str) -> Option<Self> {
        Self::FILTERS.iter().map(|(k, _)| *k).find(|k| k.id() == id)
    }
}

/// One visit to the record, or one other event.
#[derive(Clone, Debug, PartialEq)]
pub struct Access {
    pub kind: Kind,
    /// Their name; empty when the log does not say (the hospital itself).
    pub who: String,
    /// The patient themselves did it (a read, or a change to a setting).
    pub by_patient: bool,
    pub role: Option<String>,
    pub organisation: Option<String>,
    /// Resource types looked at, in the order first seen.
    pub types: Vec<String>,
    /// For a portal event: what was done (its code).
    pub event: Option<String>,
    /// Why, as the professional's system said (a v3-ActReason code).
    pub purpose: Option<String>,
    /// Not allowed, for this reason (a portal reason code).
    pub refused: Option<String>,
    /// An emergency access set the patient's objection aside.
    pub set_aside: bool,
    /// When the first of its events happened.
    pub at_ms: f64,
    /// The AuditEvents it is made of.
    pub events: Vec<Value>,
}

/// A day's accesses, newest first.
#[derive(Clone, Debug, PartialEq)]
pub struct Day {
    pub heading: String,
    pub accesses: Vec<Access>,
}

fn str_at<'a>(v: &'a Value, pointer: &str) -> Option<&'a str> {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// The resource type an event was about: the read resource's, or the searched type's.
fn type_of(event: &Value) -> Option<String> {
    let entities = event["entity"].as_array()?;
    let role = |e: &Value| {
        e.pointer("/role/code")
            .and_then(Value::as_str)
            .map(String::from)
    };
    let read = entities
        .iter()
        .filter(|e| role(e).as_deref() == Some("4"))
        .find_map(|e| str_at(e, "/what/reference"))
        .and_then(|r| r.split('/').next());
    let searched = || {
        entities
            .iter()
            .filter(|e| role(e).as_deref() == Some("24"))
            .find_map(|e| str_at(e, "/description"))
            .and_then(|q| q.split('?').next())
            .and_then(|path| path.rsplit('/').next())
    };
    read.or_else(searched)
        .filter(|t| !t.is_empty() && t.chars().all(|c| c.is_ascii_alphabetic()))
        .map(String::from)
}

fn role_code(agent: &Value) -> Option<&str> {
    agent["role"]
        .as_array()?
        .iter()
        .find_map(|r| r["coding"][0]["code"].as_str())
}

/// One AuditEvent as an access of its own.
pub fn access(event: &Value) -> Option<Access> {
    let at_ms = FhirDate::moment(&event["recorded"]).map(|(_, ms)| ms)?;
    let agents = event["agent"].as_array().cloned().unwrap_or_default();
    let person = agents.iter().find(|a| a["requestor"] == true);
    let organisation = agents
        .iter()
        .filter(|a| a["requestor"] != true)
        .find(|a| a.pointer("/type/coding/0/code").and_then(Value::as_str) == Some("PROV"))
        .and_then(|a| str_at(a, "/who/display"))
        .map(String::from);
    let purpose = event["purposeOfUse"]
        .as_array()
        .and_then(|p| p.iter().find_map(|c| str_at(c, "/coding/0/code")))
        .map(String::from);
    let portal_event = (str_at(event, "/type/code") == Some("portal"))
        .then(|| str_at(event, "/subtype/0/code").map(String::from))
        .flatten();
    let by_share = person.is_some_and(|p| {
        p["policy"].as_array().is_some_and(|l| {
            l.iter().any(|x| {
                x.as_str()
                    .is_some_and(|s| s.starts_with("urn:carefront:share:"))
            })
        })
    });
    // Whoever came in by a share is that, whatever they did (opened it, read, closed it): the
    // share's own events are not settings the patient changed.
    let mut kind = match person {
        _ if by_share => Kind::Shared,
        _ if portal_event.is_some() => Kind::Portal,
        Some(p) if str_at(p, "/who/type") == Some("Practitioner") => Kind::Professional,
        Some(p) if str_at(p, "/who/reference").is_some_and(|r| r.starts_with("RelatedPerson/")) => {
            Kind::Proxy
        }
        Some(p) if role_code(p) == Some("PAT") => Kind::Patient,
        _ => Kind::Professional,
    };
    if kind == Kind::Professional && matches!(purpose.as_deref(), Some("ETREAT" | "BTG")) {
        kind = Kind::Emergency;
    }
    let who = person
        .and_then(|p| str_at(p, "/name").or_else(|| str_at(p, "/who/display")))
        .unwrap_or_default()
        .to_string();
    let by_patient = person.is_some_and(|p| role_code(p) == Some("PAT"));
    // A member of staff's role is said whatever they did: read, or replied to a message.
    let staff = person.is_some_and(|p| str_at(p, "/who/type") == Some("Practitioner"));
    let role = person
        .filter(|_| staff || matches!(kind, Kind::Professional | Kind::Emergency))
        .and_then(|p| p["role"].as_array())
        .and_then(|roles| {
            roles
                .iter()
                .find_map(|r| str_at(r, "/text").or_else(|| str_at(r, "/coding/0/display")))
        })
        .map(String::from);
    let set_aside = event["entity"].as_array().is_some_and(|l| {
        l.iter().any(|e| {
            e.pointer("/role/code").and_then(Value::as_str) == Some("13")
                && str_at(e, "/what/reference").is_some_and(|r| r.starts_with("Consent/"))
        })
    });
    let refused = (event["outcome"].as_str().unwrap_or("0") != "0").then(|| {
        str_at(event, "/outcomeDesc")
            .unwrap_or("refused")
            .to_string()
    });
    Some(Access {
        kind,
        who,
        by_patient,
        role,
        organisation,
        types: if portal_event.is_some() {
            Vec::new()
        } else {
            type_of(event).into_iter().collect()
        },
        event: portal_event,
        purpose,
        refused,
        set_aside,
        at_ms,
        events: vec![event.clone()],
    })
}

/// Whether `later` is the same person carrying on the same visit as `earlier`.
fn same_visit(earlier: &Access, later: &Access) -> bool {
    earlier.event.is_none()
        && later.event.is_none()
        && (
            earlier.kind,
            &earlier.who,
            &earlier.role,
            &earlier.organisation,
            &earlier.purpose,
            &earlier.refused,
        ) == (
            later.kind,
            &later.who,
            &later.role,
            &later.organisation,
            &later.purpose,
            &later.refused,
        )
        && later.at_ms - earlier.at_ms <= SAME_VISIT_MS
}

/// The events as visits to the record, newest first.
pub fn accesses(events: &[Value]) -> Vec<Access> {
    let mut all: Vec<Access> = events.iter().filter_map(access).collect();
    all.sort_by(|a, b| a.at_ms.total_cmp(&b.at_ms));
    let mut merged: Vec<Access> = Vec::new();
    for next in all {
        match merged.last_mut() {
            Some(last) if same_visit(last, &next) => {
                for t in next.types {
                    if !last.types.contains(&t) {
                        last.types.push(t);
                    }
                }
                last.set_aside |= next.set_aside;
                last.events.extend(next.events);
            }
            _ => merged.push(next),
        }
    }
    merged.reverse();
    merged
}

/// Accesses under their day's heading (`day` names the day a moment falls on, in the hospital's
/// time zone), newest day first.
pub fn by_day(accesses: Vec<Access>, day: impl Fn(f64) -> String) -> Vec<Day> {
    let mut days: Vec<Day> = Vec::new();
    for a in accesses {
        let heading = day(a.at_ms);
        match days.last_mut() {
            Some(d) if d.heading == heading => d.accesses.push(a),
            _ => days.push(Day {
                heading,
                accesses: vec![a],
            }),
        }
    }
    days
}

/// What part of a record a resource type is, in words; the log also names what is not in a
/// section.
fn section_words(resource_type: &str) -> &'static str {
    sections::words_for(resource_type).unwrap_or(match resource_type {
        "Patient" => "personal details",
        "AuditEvent" => "list of who has looked",
        "Consent" | "RelatedPerson" => "sharing choices",
        _ => "record",
    })
}

/// What they looked at, as "your allergies and medicines" (`whose`: "your", "Leo Hughes’s").
pub fn looked_at(a: &Access, whose: &str) -> String {
    let mut words: Vec<&str> = Vec::new();
    for t in &a.types {
        let w = section_words(t);
        if !words.contains(&w) {
            words.push(w);
        }
    }
    if words.is_empty() {
        words.push("record");
    }
    format!("{whose} {}", and_list(&words))
}

/// Who, as one line: "Dr Helen Ward, GP, Northgate Surgery".
pub fn who_line(a: &Access, own_record: bool) -> String {
    let name = match a.kind {
        _ if a.by_patient && own_record => "You".to_string(),
        _ if a.who.is_empty() => match a.kind {
            Kind::Portal => "The hospital".to_string(),
            _ => "Someone".to_string(),
        },
        _ => a.who.clone(),
    };
    [Some(name), a.role.clone(), a.organisation.clone()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ")
}

/// What happened, after the person's name: "looked at your test results", "tried to look at
/// your medicines but was not allowed, because you asked for your record not to be shared
/// with them".
pub fn what_happened(a: &Access, whose: &str) -> String {
    if let Some(event) = &a.event {
        let record = format!("{whose} record");
        let done = match event.as_str() {
            "share-created" => format!("shared {record} with a code"),
            "share-emailed" => "emailed a share code".to_string(),
            "share-opened" => format!("opened a share of {record}"),
            "share-left" => format!("closed a share of {record}"),
            "share-stopped" => format!("stopped sharing {record}"),
            "objection-made" => format!("made a choice about who may see {record}"),
            "objection-withdrawn" => format!("withdrew a choice about who may see {record}"),
            "proxy-added" | "proxy-invited" | "proxy-invitation-accepted" => {
                format!("gave someone access to {record}")
            }
            "proxy-stopped" | "proxy-invitation-cancelled" => {
                format!("ended someone\u{2019}s access to {record}")
            }
            "record-access" => format!("tried to open {record} before accepting the terms"),
            "messages-listed" => format!("looked at the list of {whose} messages"),
            "messages-read" => format!("read a conversation in {whose} messages"),
            "message-sent" => format!("sent a message in {whose} messages"),
            "message-file-downloaded" => format!("downloaded a file from {whose} messages"),
            "conversation-closed" => format!("closed a conversation in {whose} messages"),
            "terms-accepted" => format!("accepted the terms for seeing {record}"),
            _ => format!("used {record} in the portal"),
        };
        return match &a.refused {
            Some(_) => format!("{done}, but it was not allowed"),
            None => done,
        };
    }
    let what = looked_at(a, whose);
    match a.refused.as_deref() {
        None => format!("looked at {what}"),
        Some("patient-objected") => format!(
            "tried to look at {what} but was not allowed, because of a choice not to share with them"
        ),
        Some(_) => format!("tried to look at {what} but was not allowed"),
    }
}

/// Why, in words, after the time: "to care for you".
pub fn why(a: &Access, own_record: bool) -> Option<&'static str> {
    Some(match (a.purpose.as_deref()?, own_record) {
        ("TREAT", true) => "to care for you",
        ("TREAT", false) => "to give care",
        ("CAREMGT", true) => "to organise your care",
        ("CAREMGT", false) => "to organise care",
        ("PATRQT", true) => "because you asked them to",
        ("PATRQT", false) => "because the patient asked them to",
        ("ETREAT", _) => "for emergency treatment",
        ("BTG", _) => "in an emergency, by \u{2018}breaking the glass\u{2019}",
        _ => return None,
    })
}

/// The organisations named in these accesses, in alphabetical order, once each.
pub fn organisations(accesses: &[Access]) -> Vec<String> {
    let mut names: Vec<String> = accesses
        .iter()
        .filter_map(|a| a.organisation.clone())
        .collect();
    names.sort();
    names.dedup();
    names
}

/// The accesses a filter leaves: of one kind, at one organisation (None: any).
pub fn filter(accesses: &[Access], kind: Option<Kind>, organisation: Option<&str>) -> Vec<Access> {
    accesses
        .iter()
        .filter(|a| kind.is_none_or(|k| a.kind == k))
        .filter(|a| organisation.is_none_or(|o| a.organisation.as_deref() == Some(o)))
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn professional(at: &str, what: &str, purpose: &str) -> Value {
        json!({
            "resourceType": "AuditEvent",
            "type": {"code": "rest"},
            "subtype": [{"code": "search-type"}],
            "recorded": at,
            "outcome": "0",
            "purposeOfUse": [{"coding": [{"code": purpose}]}],
            "agent": [
                {"who": {"type": "Practitioner", "display": "Dr Helen Ward"}, "name": "Dr Helen Ward", "role": [{"text": "GP"}], "requestor": true},
                {"type": {"coding": [{"code": "PROV"}]}, "who": {"type": "Organization", "display": "Northgate Surgery"}, "requestor": false},
                {"type": {"coding": [{"code": "110152"}]}, "who": {"display": "patient portal"}, "requestor": false},
            ],
            "entity": [
                {"what": {"reference": "Patient/p"}, "role": {"code": "1"}},
                {"role": {"code": "24"}, "description": format!("/professional/fhir/{what}?patient=p")},
            ],
        })
    }

    fn own(at: &str, read: &str) -> Value {
        json!({
            "resourceType": "AuditEvent",
            "type": {"code": "rest"},
            "subtype": [{"code": "read"}],
            "recorded": at,
            "outcome": "0",
            "agent": [{"who": {"reference": "Patient/p", "display": "Ann Carter"}, "name": "Ann Carter", "role": [{"coding": [{"code": "PAT"}]}], "requestor": true}],
            "entity": [
                {"what": {"reference": "Patient/p"}, "role": {"code": "1"}},
                {"what": {"reference": read}, "role": {"code": "4"}},
            ],
        })
    }

    fn utc_day(ms: f64) -> String {
        let days = (ms / 86_400_000.0).floor() as i64;
        format!("day {days}")
    }

    #[test]
    fn reads_by_one_person_within_half_an_hour_are_one_visit_in_words() {
        let events = [
            professional("2026-05-03T14:02:00Z", "MedicationRequest", "TREAT"),
            professional("2026-05-03T14:03:10Z", "Observation", "TREAT"),
            professional("2026-05-03T14:04:00Z", "DiagnosticReport", "TREAT"),
            professional("2026-05-03T16:00:00Z", "AllergyIntolerance", "TREAT"),
        ];
        let list = accesses(&events);
        assert_eq!(list.len(), 2);
        let first = &list[1];
        assert_eq!(first.kind, Kind::Professional);
        assert_eq!(
            who_line(first, true),
            "Dr Helen Ward, GP, Northgate Surgery"
        );
        assert_eq!(
            what_happened(first, "your"),
            "looked at your medicines and test results"
        );
        assert_eq!(why(first, true), Some("to care for you"));
        assert_eq!(first.events.len(), 3);
        assert_eq!(list[0].types, vec!["AllergyIntolerance"]);
    }

    #[test]
    fn the_care_teams_reply_is_said_with_who_wrote_it() {
        let reply = json!({
            "recorded": "2026-03-04T10:00:00Z", "outcome": "0", "type": {"code": "portal"},
            "subtype": [{"code": "message-sent"}],
            "agent": [
                {"who": {"type": "Practitioner", "display": "Priya Shah"}, "name": "Priya Shah",
                 "role": [{"coding": [{"display": "Pharmacist"}], "text": "Pharmacist"}], "requestor": true},
                {"type": {"coding": [{"code": "PROV"}]}, "who": {"display": "Riverside General Hospital"}, "requestor": false},
            ],
        });
        let a = &accesses(&[reply])[0];
        assert_eq!(
            who_line(a, true),
            "Priya Shah, Pharmacist, Riverside General Hospital"
        );
        assert_eq!(what_happened(a, "your"), "sent a message in your messages");
    }

    #[test]
    fn kinds_are_told_apart() {
        let mut emergency = professional("2026-03-01T02:14:00Z", "Condition", "ETREAT");
        emergency["entity"]
            .as_array_mut()
            .unwrap()
            .push(json!({"what": {"reference": "Consent/objection-4"}, "role": {"code": "13"}}));
        let proxy = json!({
            "recorded": "2026-03-02T10:00:00Z", "outcome": "0",
            "agent": [{"who": {"reference": "RelatedPerson/proxy-2"}, "name": "Claire Hughes", "role": [{"coding": [{"code": "AGNT"}]}], "requestor": true}],
            "entity": [{"what": {"reference": "Patient/p"}, "role": {"code": "1"}}, {"what": {"reference": "Immunization/i"}, "role": {"code": "4"}}],
        });
        let shared = json!({
            "recorded": "2026-03-03T10:00:00Z", "outcome": "0",
            "agent": [
                {"who": {"display": "Dr Ada Jones"}, "name": "Dr Ada Jones", "role": [{"text": "shared with"}], "policy": ["urn:carefront:share:3"], "requestor": true},
                {"type": {"coding": [{"code": "PROV"}]}, "who": {"display": "Leeds Clinic"}, "requestor": false},
            ],
            "entity": [{"what": {"reference": "Patient/p"}, "role": {"code": "1"}}, {"what": {"reference": "Observation/o"}, "role": {"code": "4"}}],
        });
        let portal = json!({
            "recorded": "2026-03-04T10:00:00Z", "outcome": "0", "type": {"code": "portal"},
            "subtype": [{"code": "objection-made"}],
            "agent": [{"who": {"reference": "Patient/p"}, "name": "Ann Carter", "role": [{"coding": [{"code": "PAT"}]}], "requestor": true}],
        });
        let mut refused = professional("2026-03-05T10:00:00Z", "MedicationRequest", "CAREMGT");
        refused["outcome"] = json!("4");
        refused["outcomeDesc"] = json!("patient-objected");
        let list = accesses(&[
            emergency,
            proxy,
            shared,
            portal,
            refused,
            own("2026-03-06T09:00:00Z", "Condition/c"),
        ]);
        let kinds: Vec<Kind> = list.iter().map(|a| a.kind).collect();
        assert_eq!(
            kinds,
            [
                Kind::Patient,
                Kind::Professional,
                Kind::Portal,
                Kind::Shared,
                Kind::Proxy,
                Kind::Emergency
            ]
        );
        assert_eq!(who_line(&list[0], true), "You");
        assert_eq!(who_line(&list[0], false), "Ann Carter");
        assert_eq!(
            what_happened(&list[1], "your"),
            "tried to look at your medicines but was not allowed, because of a choice not to share with them"
        );
        assert_eq!(why(&list[1], true), Some("to organise your care"));
        assert_eq!(
            what_happened(&list[2], "your"),
            "made a choice about who may see your record"
        );
        assert_eq!(who_line(&list[3], true), "Dr Ada Jones, Leeds Clinic");
        assert_eq!(
            what_happened(&list[4], "Leo Hughes\u{2019}s"),
            "looked at Leo Hughes\u{2019}s vaccinations"
        );
        assert!(list[5].set_aside);
        assert_eq!(why(&list[5], true), Some("for emergency treatment"));
        assert_eq!(
            organisations(&list),
            vec!["Leeds Clinic", "Northgate Surgery"]
        );
        assert_eq!(filter(&list, Some(Kind::Emergency), None).len(), 1);
        assert_eq!(filter(&list, None, Some("Leeds Clinic")).len(), 1);
    }

    #[test]
    fn days_group_newest_first_and_odd_events_are_skipped_not_fatal() {
        let events = [
            own("2026-05-03T09:00:00Z", "Condition/c"),
            own("2026-05-04T09:00:00Z", "Condition/c"),
            own("2026-05-04T11:00:00Z", "AllergyIntolerance/a"),
            json!({"resourceType": "AuditEvent"}),
            json!("nonsense"),
            own("2026-05-05T09:00:00Z", "<script>/x"),
        ];
        let days = by_day(accesses(&events), utc_day);
        assert_eq!(days.len(), 3);
        assert_eq!(days[1].accesses.len(), 2);
        assert!(days[0].heading > days[1].heading);
        // A type that is not a word is no section.
        assert_eq!(
            what_happened(&days[0].accesses[0], "your"),
            "looked at your record"
        );
    }

    #[test]
    fn a_share_opened_or_closed_by_its_viewer_is_the_viewer_not_a_setting() {
        let by_viewer = |action: &str| {
            json!({
                "recorded": "2026-03-03T10:00:00Z", "outcome": "0", "type": {"code": "portal"},
                "subtype": [{"code": action}],
                "agent": [{"who": {"display": "Dr Ada Jones"}, "name": "Dr Ada Jones", "role": [{"text": "shared with"}], "policy": ["urn:carefront:share:3"], "requestor": true}],
                "entity": [{"what": {"reference": "Patient/p"}, "role": {"code": "1"}}],
            })
        };
        for action in ["share-opened", "share-left"] {
            let seen = access(&by_viewer(action)).unwrap();
            assert_eq!(seen.kind, Kind::Shared, "{action}");
            assert_eq!(seen.who, "Dr Ada Jones");
        }
    }
}
