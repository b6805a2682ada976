//! Who can see my record: each person who can act for it, in the patient's words.

use crate::api::types::Proxy;
use crate::fhir::date::FhirDate;

#[derive(Clone, Debug, PartialEq)]
pub struct Card {
    pub id: i64,
    pub name: String,
    /// "Ben Okafor, your neighbour".
    pub title: String,
    /// What they can see, since and until when, and where it stands.
    pub lines: Vec<String>,
    /// A change coming soon.
    pub notice: Option<String>,
    pub can_stop: bool,
    /// Their access waits on (false) or rests on (true) the patient's own agreement.
    pub agreement: Option<bool>,
    /// Still able to see the record (or waiting only for the patient's agreement).
    pub current: bool,
}

fn date(text: &str, locale: &str) -> String {
    FhirDate::parse(text).map_or_else(|| text.to_string(), |d| d.display(locale))
}

pub fn build(proxies: &[Proxy], locale: &str) -> Vec<Card> {
    proxies.iter().map(|p| card(p, locale)).collect()
}

/// The kinds of information a set of HL7 confidentiality and sensitivity labels keeps private,
/// in words: ", such as your sexual health and mental health". Empty where none is known.
fn private_kinds(labels: &[String]) -> String {
    let mut kinds: Vec<&str> = labels
        .iter()
        .filter_map(|l| match l.as_str() {
            "SEX" | "SEXUAL" => Some("sexual health"),
            "PSY" | "PSYTHPN" => Some("mental health"),
            "HIV" => Some("HIV"),
            "STD" => Some("sexually transmitted infections"),
            "ETH" | "SUD" | "SDV" => Some("drug and alcohol use"),
            "GDIS" => Some("genetic conditions"),
            "R" | "V" => Some("anything marked confidential"),
            _ => None,
        })
        .collect();
    kinds.dedup();
    match kinds.as_slice() {
        [] => String::new(),
        [one] => format!(", such as your {one}"),
        [rest @ .., last] => format!(", such as your {} and {last}", rest.join(", ")),
    }
}

fn card(p: &Proxy, locale: &str) -> Card {
    let name = if p.name.trim().is_empty() {
        "Someone".to_string()
    } else {
        p.name.clone()
    };
    let title = if p.proxy_is.trim().is_empty() {
        name.clone()
    } else {
        format!("{name}, your {}", p.proxy_is.trim())
    };
    let mut lines = Vec::new();
    let level = p.level.name.clone().unwrap_or_else(|| p.level.id.clone());
    // A young person reads what the parent actually sees, never the level their age overrides.
    match (p.withheld.iter().find(|w| w.reason == "age"), &p.level.description) {
        (Some(by_age), _) => lines.push(match &by_age.types {
            Some(types) => format!(
                "Because you are {}, they see only your {}. The rest is private between you and your doctors and nurses.",
                by_age.age.map_or_else(|| "older now".into(), |a| a.to_string()),
                crate::acting_for::list_in_words(types)
            ),
            None => format!(
                "Because you are {}, they do not see what is private between you and your doctors and nurses{}.",
                by_age.age.map_or_else(|| "older now".into(), |a| a.to_string()),
                private_kinds(&by_age.labels)
            ),
        }),
        (None, Some(d)) if !d.is_empty() => lines.push(format!("{level}: {d}")),
        (None, _) => lines.push(level),
    }
    if let Some(since) = &p.since {
        lines.push(format!("Since {}", date(since, locale)));
    }
    let ended = p.access.state == "ended";
    if let Some(ends) = p.ends.as_ref().filter(|_| !ended) {
        lines.push(match ends.reason.as_str() {
            "age" => format!("Until {}, when you turn 18", date(&ends.on, locale)),
            _ => format!("Until {}", date(&ends.on, locale)),
        });
    }
    match (p.access.state.as_str(), p.access.why.as_deref()) {
        ("needs-agreement", _) => lines.push(format!(
            "{name} cannot see your record unless you agree to it."
        )),
        ("not-started", _) => lines.push("This access has not started yet.".into()),
        ("ended", Some("stopped")) => lines.push(match p.stopped_by.as_deref() {
            Some("patient") => {
                "You stopped this access. They can no longer see your record.".into()
            }
            Some("proxy") => format!("{name} stopped their own access."),
            _ => "The care team stopped this access.".into(),
        }),
        ("ended", _) => lines.push(format!(
            "This access ended{}.",
            p.ends
                .as_ref()
                .map(|e| format!(" on {}", date(&e.on, locale)))
                .unwrap_or_default()
        )),
        _ => {}
    }
    if p.parental && !ended && p.agreement.is_none() {
        lines.push("Your care team set up this access. To change it, call the help desk.".into());
    }
    let notice = p.next_change.as_ref().map(|c| match c.kind.as_str() {
        "ends" => format!("{name}\u{2019}s access ends on {}.", date(&c.on, locale)),
        "needs-agreement" => format!(
            "From {}, {name} will see your record only if you agree to it.",
            date(&c.on, locale)
        ),
        _ => format!(
            "From {}, {name} will see less of your record.",
            date(&c.on, locale)
        ),
    });
    Card {
        id: p.id,
        name,
        title,
        lines,
        notice,
        can_stop: p.can_stop && !ended,
        agreement: p.agreement.as_ref().map(|a| a.given),
        current: !ended,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::types::{AccessState, Agreement, DateAndReason, Level, NextChange};

    fn ben() -> Proxy {
        Proxy {
            id: 5,
            name: "Ben Okafor".into(),
            proxy_is: "neighbour".into(),
            level: Level {
                id: "appointments".into(),
                name: Some("Appointments only".into()),
                description: Some("Appointments, and nothing else in the record.".into()),
            },
            access: AccessState {
                state: "active".into(),
                ..Default::default()
            },
            since: Some("2025-10-18".into()),
            ends: Some(DateAndReason {
                on: "2027-11-22".into(),
                reason: "date".into(),
            }),
            can_stop: true,
            ..Default::default()
        }
    }

    #[test]
    fn a_young_person_is_told_what_a_parent_actually_sees_not_their_level() {
        let mum = Proxy {
            name: "Claire Hughes".into(),
            proxy_is: "mother".into(),
            parental: true,
            level: Level {
                id: "full".into(),
                name: Some("Full access".into()),
                description: Some("Everything in the record.".into()),
            },
            withheld: vec![crate::api::types::Withheld {
                reason: "age".into(),
                age: Some(14),
                labels: vec!["SEX".into(), "PSY".into(), "R".into()],
                types: None,
            }],
            ..ben()
        };
        let said = card(&mum, "en-GB").lines.join(" ");
        assert!(!said.contains("Full access"), "{said}");
        assert!(!said.contains("Everything"), "{said}");
        assert!(
            said.contains("Because you are 14, they do not see what is private between you and your doctors and nurses, such as your sexual health, mental health and anything marked confidential."),
            "{said}"
        );
    }

    #[test]
    fn says_who_what_since_and_until() {
        let card = card(&ben(), "en-GB");
        assert_eq!(card.title, "Ben Okafor, your neighbour");
        assert_eq!(
            card.lines,
            [
                "Appointments only: Appointments, and nothing else in the record.",
                "Since 18 October 2025",
                "Until 22 November 2027"
            ]
        );
        assert!(card.can_stop && card.current);
    }

    #[test]
    fn stopped_access_says_so_and_cannot_be_stopped_again() {
        let mut p = ben();
        p.access = AccessState {
            state: "ended".into(),
            why: Some("stopped".into()),
            age: None,
        };
        p.stopped_by = Some("patient".into());
        let card = card(&p, "en-GB");
        assert!(!card.can_stop && !card.current);
        assert!(
            card.lines
                .iter()
                .any(|l| l.starts_with("You stopped this access"))
        );
        assert!(!card.lines.iter().any(|l| l.starts_with("Until")));
    }

    #[test]
    fn a_parent_waiting_for_agreement_is_explained_to_the_young_person() {
        let p = Proxy {
            name: "David Price".into(),
            proxy_is: "father".into(),
            parental: true,
            can_stop: false,
            access: AccessState {
                state: "needs-agreement".into(),
                age: Some(17),
                why: None,
            },
            agreement: Some(Agreement { given: false }),
            ends: Some(DateAndReason {
                on: "2027-08-14".into(),
                reason: "age".into(),
            }),
            next_change: Some(NextChange {
                on: "2027-08-14".into(),
                kind: "ends".into(),
                age: Some(18),
            }),
            ..ben()
        };
        let card = card(&p, "en-GB");
        assert_eq!(card.agreement, Some(false));
        assert!(
            card.lines
                .contains(&"Until 14 August 2027, when you turn 18".to_string())
        );
        assert!(
            card.lines.contains(
                &"David Price cannot see your record unless you agree to it.".to_string()
            )
        );
        assert_eq!(
            card.notice.as_deref(),
            Some("David Price\u{2019}s access ends on 14 August 2027.")
        );
    }
}
