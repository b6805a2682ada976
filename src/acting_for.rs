//! Acting for someone else, in plain words: whose record is open and what the user is to them,
//! whether it can open now (and if not, why), what is not shown and why (never what), and any
//! change to come. The portal decides all of it; this only explains.

use crate::api::types::{PatientSummary, ProxyStanding, Withheld};
use crate::fhir::date::FhirDate;
use crate::sections;

/// Whether a record can be opened now.
#[derive(Clone, Debug, PartialEq)]
pub enum Opening {
    Open,
    /// The proxy terms must be accepted for this person first, at this version.
    AcceptTerms {
        version: String,
    },
    /// Not now: a heading and what to say.
    Closed {
        heading: String,
        words: Vec<String>,
    },
}

fn date(text: &str, locale: &str) -> String {
    FhirDate::parse(text).map_or_else(|| text.to_string(), |d| d.display(locale))
}

/// The person's name as the sentence needs it.
fn name(p: &PatientSummary) -> String {
    if p.name.trim().is_empty() {
        "this person".into()
    } else {
        p.name.clone()
    }
}

/// Whose record, as words go before it: "your", or "Leo Hughes’s".
pub fn whose(patient: Option<&PatientSummary>) -> String {
    match patient {
        Some(p) if !p.is_own() && !p.name.is_empty() => possessive(&p.name),
        Some(p) if !p.is_own() => "their".into(),
        _ => "your".into(),
    }
}

fn possessive(name: &str) -> String {
    format!("{name}\u{2019}s")
}

pub fn opening(p: &PatientSummary, locale: &str) -> Opening {
    let Some(proxy) = &p.proxy else {
        return Opening::Open;
    };
    let who = name(p);
    let closed = |heading: String, words: Vec<String>| Opening::Closed { heading, words };
    match proxy.access.state.as_str() {
        "active" => match &proxy.terms {
            Some(t) if !t.accepted => Opening::AcceptTerms {
                version: t.version.clone(),
            },
            _ => Opening::Open,
        },
        "needs-agreement" => closed(
            format!("{who} needs to agree first"),
            vec![
                match proxy.access.age {
                    Some(age) => format!(
                        "{who} is {age}. At this age, you can see {} record only if they agree to it.",
                        possessive(&who)
                    ),
                    None => format!(
                        "You can see {} record only if they agree to it.",
                        possessive(&who)
                    ),
                },
                format!(
                    "{who} can agree by signing in to this portal and choosing \u{2018}Who can see my record\u{2019}. You do not need to do anything else."
                ),
            ],
        ),
        "birth-date-unknown" => closed(
            format!("We cannot open {} record yet", possessive(&who)),
            vec![format!(
                "What you can see depends on {} age, and we do not have their date of birth. Call the help desk so they can put this right.",
                possessive(&who)
            )],
        ),
        "ended" => closed(
            format!("Your access to {} record has ended", possessive(&who)),
            ended_words(p, proxy, locale),
        ),
        _ => closed(
            format!("You cannot see {} record", possessive(&who)),
            vec!["Call the help desk if you think you should.".into()],
        ),
    }
}

fn ended_words(p: &PatientSummary, proxy: &ProxyStanding, locale: &str) -> Vec<String> {
    let who = name(p);
    let on = proxy
        .ends
        .as_ref()
        .map(|e| date(&e.on, locale))
        .unwrap_or_default();
    match (proxy.access.why.as_deref(), proxy.stopped_by.as_deref()) {
        (Some("age"), _) => vec![
            format!(
                "It ended on {on}, when {who} turned {}. From then on, {} record is theirs alone.",
                proxy.access.age.unwrap_or(18),
                possessive(&who)
            ),
            format!("If {who} wants you to see it, they can give you access themselves."),
        ],
        (Some("date"), _) => vec![
            format!("It ended on {on}, the end date set when it was arranged."),
            "If it should carry on, call the help desk.".into(),
        ],
        (_, Some("patient")) => vec![format!("{who} stopped your access.")],
        (_, Some("proxy")) => vec!["You stopped your access.".into()],
        _ => vec![
            "The care team stopped your access. Call the help desk if you have questions.".into(),
        ],
    }
}

/// "Acting for Leo Hughes (born 3 May 2018), your son".
pub fn banner(p: &PatientSummary, locale: &str) -> Option<String> {
    let proxy = p.proxy.as_ref()?;
    let mut text = format!("Acting for {}", name(p));
    if let Some(born) = &p.birth_date {
        text.push_str(&format!(" (born {})", date(born, locale)));
    }
    if !proxy.patient_is.trim().is_empty() {
        text.push_str(&format!(", your {}", proxy.patient_is.trim()));
    }
    Some(text)
}

/// Whether this reader sees the whole record: their own, or as a proxy with nothing withheld.
/// Anyone else (a narrowed proxy, a share's viewer) must never be told "nothing is recorded".
pub fn sees_whole_record(p: &PatientSummary) -> bool {
    p.shared.is_none()
        && p.proxy
            .as_ref()
            .is_none_or(|proxy| proxy.withheld.is_empty())
}

/// An empty list in the words for this reader: for one who does not see the whole record, what
/// they can see (a parent repeats "nothing is recorded" to a doctor), and why there may be more.
pub fn nothing_here(recorded: &str, whole_record: bool) -> String {
    if whole_record {
        return recorded.to_string();
    }
    let what = recorded
        .strip_suffix(" are recorded in this portal.")
        .unwrap_or(recorded.trim_end_matches('.'));
    format!(
        "{what} that you can see. Some of this record is not shown to you, so there may be more."
    )
}

/// Whether this resource type is part of what the user may see of this record.
pub fn allows_type(p: &PatientSummary, resource_type: &str) -> bool {
    if resource_type == "Patient" {
        return true;
    }
    if let Some(shared) = &p.shared {
        return shared.iter().any(|t| t == resource_type);
    }
    p.proxy.as_ref().is_none_or(|proxy| {
        proxy.withheld.iter().all(|w| {
            w.types
                .as_ref()
                .is_none_or(|t| t.iter().any(|t| t == resource_type))
        })
    })
}

/// "appointments", "appointments and medicines", "allergies, appointments and medicines".
/// What a share's viewer is shown, said to them: whose choice it was and that the rest is not
/// shown, so a doctor never takes a part for the whole record.
pub fn what_was_shared(who: &str, types: &[String]) -> String {
    format!(
        "{who} chose to share their {} with you. The rest of their record is not shown here.",
        list_in_words(types)
    )
}

pub fn list_in_words(types: &[String]) -> String {
    let mut words: Vec<&str> = types
        .iter()
        .filter_map(|t| sections::words_for(t))
        .collect();
    words.dedup();
    if words.is_empty() {
        return "nothing else".into();
    }
    and_list(&words)
}

/// "a", "a and b", "a, b and c".
pub fn and_list(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_string(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// Why some of this record is not shown, one sentence a reason, never naming an item.
pub fn withheld_notes(p: &PatientSummary) -> Vec<String> {
    let Some(proxy) = &p.proxy else {
        return Vec::new();
    };
    let who = name(p);
    proxy
        .withheld
        .iter()
        .filter_map(|w: &Withheld| match w.reason.as_str() {
            "age" => Some(format!(
                "Because {who} is {}, some of their record is private between them and their doctors and nurses.",
                w.age.map_or_else(|| "older now".into(), |a| a.to_string())
            )),
            "level" => match &w.types {
                Some(types) => Some(format!(
                    "Your access to {} record covers {} only.",
                    possessive(&who),
                    list_in_words(types)
                )),
                None if !w.labels.is_empty() => Some(match &proxy.level.description {
                    Some(d) if !d.is_empty() => format!(
                        "Your access is {}: {}",
                        proxy.level.name.as_deref().unwrap_or("limited").to_lowercase(),
                        lower_first(d)
                    ),
                    _ => "Some sensitive information is not shown to you.".into(),
                }),
                None => None,
            },
            "patient-choice" => Some(format!(
                "{who} has chosen to keep some information private."
            )),
            _ => Some("Some of this record is not shown to you.".into()),
        })
        .collect()
}

fn lower_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A change in access coming soon, said before it happens.
pub fn notice(p: &PatientSummary, locale: &str) -> Option<String> {
    let proxy = p.proxy.as_ref()?;
    let change = proxy.next_change.as_ref()?;
    let who = name(p);
    let on = date(&change.on, locale);
    let turns = change
        .age
        .map(|a| format!(", when {who} turns {a}"))
        .unwrap_or_default();
    Some(match change.kind.as_str() {
        "ends" => format!(
            "Your access to {} record ends on {on}{turns}.",
            possessive(&who)
        ),
        "needs-agreement" => format!(
            "From {on}{turns}, you will be able to see {} record only if they agree to it.",
            possessive(&who)
        ),
        _ => format!(
            "From {on}{turns}, some of their record will be private to them and the people caring for them."
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::types::{AccessState, DateAndReason, Level, NextChange, ProxyTerms};

    fn proxy_for(name: &str, state: &str) -> PatientSummary {
        PatientSummary {
            id: "p".into(),
            name: name.into(),
            birth_date: Some("2012-05-17".into()),
            relationship: "proxy".into(),
            proxy: Some(ProxyStanding {
                patient_is: "daughter".into(),
                access: AccessState {
                    state: state.into(),
                    ..Default::default()
                },
                terms: Some(ProxyTerms {
                    version: "1".into(),
                    accepted: true,
                }),
                ..Default::default()
            }),
            shared: None,
        }
    }

    fn own() -> PatientSummary {
        PatientSummary {
            relationship: "self".into(),
            proxy: None,
            ..proxy_for("Claire Hughes", "active")
        }
    }

    #[test]
    fn a_share_shows_its_types_and_the_patient_only() {
        let shared = PatientSummary {
            shared: Some(vec!["Observation".into()]),
            ..own()
        };
        assert!(allows_type(&shared, "Observation"));
        assert!(allows_type(&shared, "Patient"));
        assert!(!allows_type(&shared, "Condition"));
        assert!(allows_type(&own(), "Condition"));
    }

    #[test]
    fn the_banner_says_whose_record_and_what_they_are_to_you() {
        assert_eq!(
            banner(&proxy_for("Maya Hughes", "active"), "en-GB").as_deref(),
            Some("Acting for Maya Hughes (born 17 May 2012), your daughter")
        );
        assert_eq!(banner(&own(), "en-GB"), None);
    }

    #[test]
    fn a_record_opens_after_its_terms_and_explains_itself_when_it_cannot() {
        assert_eq!(opening(&own(), "en-GB"), Opening::Open);
        let mut maya = proxy_for("Maya Hughes", "active");
        assert_eq!(opening(&maya, "en-GB"), Opening::Open);
        maya.proxy.as_mut().unwrap().terms = Some(ProxyTerms {
            version: "2".into(),
            accepted: false,
        });
        assert_eq!(
            opening(&maya, "en-GB"),
            Opening::AcceptTerms {
                version: "2".into()
            }
        );
        let mut jordan = proxy_for("Jordan Price", "needs-agreement");
        jordan.proxy.as_mut().unwrap().access.age = Some(17);
        let Opening::Closed { heading, words } = opening(&jordan, "en-GB") else {
            panic!()
        };
        assert_eq!(heading, "Jordan Price needs to agree first");
        assert!(words[0].starts_with("Jordan Price is 17."));

        let mut grown = proxy_for("Maya Hughes", "ended");
        let standing = grown.proxy.as_mut().unwrap();
        standing.access.why = Some("age".into());
        standing.access.age = Some(18);
        standing.ends = Some(DateAndReason {
            on: "2030-05-17".into(),
            reason: "age".into(),
        });
        let Opening::Closed { words, .. } = opening(&grown, "en-GB") else {
            panic!()
        };
        assert!(words[0].contains("ended on 17 May 2030, when Maya Hughes turned 18"));

        let mut stopped = proxy_for("Ann Carter", "ended");
        let standing = stopped.proxy.as_mut().unwrap();
        standing.access.why = Some("stopped".into());
        standing.stopped_by = Some("patient".into());
        let Opening::Closed { words, .. } = opening(&stopped, "en-GB") else {
            panic!()
        };
        assert_eq!(words, ["Ann Carter stopped your access."]);
    }

    #[test]
    fn a_viewer_is_told_what_was_shared_and_that_the_rest_is_not_shown() {
        let types = [
            "AllergyIntolerance",
            "MedicationRequest",
            "MedicationStatement",
        ]
        .map(String::from);
        assert_eq!(
            what_was_shared("Ann Carter", &types),
            "Ann Carter chose to share their allergies and medicines with you. The rest of their record is not shown here."
        );
    }

    #[test]
    fn a_reader_who_does_not_see_everything_is_never_told_nothing_is_recorded() {
        assert_eq!(
            nothing_here("No current medicines are recorded in this portal.", true),
            "No current medicines are recorded in this portal."
        );
        let limited = nothing_here("No current medicines are recorded in this portal.", false);
        assert_eq!(
            limited,
            "No current medicines that you can see. Some of this record is not shown to you, so there may be more."
        );
        assert!(!limited.contains("recorded"));
    }

    #[test]
    fn what_is_withheld_is_explained_by_why_never_by_what() {
        let mut maya = proxy_for("Maya Hughes", "active");
        maya.proxy.as_mut().unwrap().withheld = vec![Withheld {
            reason: "age".into(),
            age: Some(14),
            labels: vec!["PSY".into(), "SEX".into()],
            types: None,
        }];
        let notes = withheld_notes(&maya);
        assert_eq!(
            notes,
            [
                "Because Maya Hughes is 14, some of their record is private between them and their doctors and nurses."
            ]
        );
        assert!(!notes[0].contains("PSY"));

        let mut ann = proxy_for("Ann Carter", "active");
        let standing = ann.proxy.as_mut().unwrap();
        standing.level = Level {
            id: "appointments".into(),
            name: Some("Appointments only".into()),
            description: None,
        };
        standing.withheld = vec![Withheld {
            reason: "level".into(),
            types: Some(vec!["Appointment".into()]),
            ..Default::default()
        }];
        assert_eq!(
            withheld_notes(&ann),
            ["Your access to Ann Carter\u{2019}s record covers appointments only."]
        );
        assert!(allows_type(&ann, "Appointment") && allows_type(&ann, "Patient"));
        assert!(!allows_type(&ann, "Observation"));
        assert!(allows_type(&own(), "Observation"));
        assert_eq!(
            list_in_words(&[
                "Appointment".into(),
                "Observation".into(),
                "DiagnosticReport".into(),
                "Condition".into()
            ]),
            "appointments, test results and health problems"
        );
    }

    #[test]
    fn changes_are_told_before_they_happen() {
        let mut leo = proxy_for("Leo Hughes", "active");
        leo.proxy.as_mut().unwrap().next_change = Some(NextChange {
            on: "2030-05-17".into(),
            kind: "reduced".into(),
            age: Some(12),
        });
        assert_eq!(
            notice(&leo, "en-GB").as_deref(),
            Some(
                "From 17 May 2030, when Leo Hughes turns 12, some of their record will be private to them and the people caring for them."
            )
        );
        let mut margaret = proxy_for("Margaret Price", "active");
        margaret.proxy.as_mut().unwrap().next_change = Some(NextChange {
            on: "2026-12-12".into(),
            kind: "ends".into(),
            age: None,
        });
        assert_eq!(
            notice(&margaret, "en-GB").as_deref(),
            Some("Your access to Margaret Price\u{2019}s record ends on 12 December 2026.")
        );
        assert_eq!(notice(&own(), "en-GB"), None);
    }
}
