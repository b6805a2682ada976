//! Sharing, in the patient's words: the choices a new share offers, what a filled-in form asks
//! for, each share as a card (where it stands, and every time it was looked at), and the code
//! spelled out for reading aloud.

use crate::acting_for::and_list;
use crate::api::types::{NewShare, Share};
use crate::components::form::looks_like_email;
use crate::sections::{self, SECTIONS};

/// How long a share may last: the portal allows up to a week.
pub const DURATIONS: &[(u32, &str)] = &[
    (1, "1 hour"),
    (4, "4 hours"),
    (24, "1 day"),
    (72, "3 days"),
    (168, "7 days"),
];

pub fn duration_words(hours: u32) -> String {
    DURATIONS
        .iter()
        .find(|(h, _)| *h == hours)
        .map_or_else(|| format!("{hours} hours"), |(_, w)| w.to_string())
}

/// A section's name, as the record's navigation says it.
pub fn section_label(id: &str) -> &str {
    sections::by_id(id).map_or(id, |s| s.name)
}

/// "Test results, medicines and allergies".
pub fn sections_words(ids: &[String]) -> String {
    let names: Vec<String> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            let label = section_label(id);
            if i == 0 {
                label.to_string()
            } else {
                label.to_lowercase()
            }
        })
        .collect();
    and_list(&names.iter().map(String::as_str).collect::<Vec<_>>())
}

/// The form as filled in so far.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Draft {
    pub sections: Vec<String>,
    pub hours: u32,
    pub label: String,
    pub send: bool,
    pub email: String,
}

/// The share a draft asks for, or each field's problem (the field's id, and what to do).
pub fn check(draft: &Draft, patient: &str) -> Result<NewShare, Vec<(&'static str, String)>> {
    let mut problems = Vec::new();
    if draft.sections.is_empty() {
        problems.push((
            "share-sections",
            "Select at least one part of your record to share".to_string(),
        ));
    }
    if !DURATIONS.iter().any(|(h, _)| *h == draft.hours) {
        problems.push(("share-hours", "Select how long to share for".into()));
    }
    let label = draft.label.trim();
    if label.chars().count() > 60 {
        problems.push((
            "share-label",
            "The label must be 60 characters or fewer".into(),
        ));
    }
    let email = draft.email.trim();
    if draft.send {
        if email.is_empty() {
            problems.push((
                "share-email",
                "Enter the email address to send it to".into(),
            ));
        } else if !looks_like_email(email) {
            problems.push((
                "share-email",
                "Enter an email address in the correct format, like name@example.com".into(),
            ));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(NewShare {
        patient: patient.to_string(),
        sections: SECTIONS
            .iter()
            .map(|s| s.id.to_string())
            .filter(|s| draft.sections.contains(s))
            .collect(),
        hours: draft.hours,
        label: label.to_string(),
        email: draft.send.then(|| email.to_string()),
    })
}

/// A share as its card says it.
#[derive(Clone, Debug, PartialEq)]
pub struct Card {
    pub id: i64,
    pub title: String,
    /// Where it stands: "Can be viewed until …", "Stopped …", "Ended …", "Locked …".
    pub status: String,
    pub active: bool,
    pub lines: Vec<String>,
    /// Every time it was looked at, newest first.
    pub views: Vec<String>,
}

/// `moment` turns a portal timestamp into the patient's words for it ("Tuesday 3 March 2026 at
/// 10:30"): the browser's Intl does that, so it is passed in.
pub fn card(share: &Share, moment: &dyn Fn(&str) -> String) -> Card {
    let what = sections_words(&share.sections);
    let title = if share.label.trim().is_empty() {
        what.clone()
    } else {
        share.label.trim().to_string()
    };
    let status = match share.status.as_str() {
        "active" => format!("Can be viewed until {}", moment(&share.expires_at)),
        "stopped" => format!(
            "Stopped {}",
            share.stopped_at.as_deref().map(moment).unwrap_or_default()
        )
        .trim_end()
        .to_string(),
        "locked" => format!(
            "Locked after {} wrong tries at the code or your date of birth. No one can open it now.",
            share.failed_attempts
        ),
        "access-ended" => "Ended, because the access of the person who made it has changed. No one can open it now.".into(),
        _ => format!("Ended {}", moment(&share.expires_at)),
    };
    let mut lines = vec![format!("Shares: {what}")];
    lines.push(format!("Made {}", moment(&share.created_at)));
    if !share.created_by.you
        && let Some(name) = share.created_by.name.as_deref().filter(|n| !n.is_empty())
    {
        lines.push(format!("Made by {name}"));
    }
    if let Some(to) = share.sent_to.as_deref().filter(|t| !t.is_empty()) {
        lines.push(format!("Sent by email to {to}"));
    }
    if share.status == "active" && share.failed_attempts > 0 {
        lines.push(format!(
            "{} wrong {} at the code or your date of birth. It locks after {} more.",
            share.failed_attempts,
            if share.failed_attempts == 1 {
                "try"
            } else {
                "tries"
            },
            share.attempts_left
        ));
    }
    let views = share
        .views
        .iter()
        .map(|v| {
            let who = match v.organisation.as_deref().filter(|o| !o.is_empty()) {
                Some(org) => format!("{}, {org}", v.name),
                None => v.name.clone(),
            };
            let how = if v.how == "link" {
                "with the link"
            } else {
                "with the code"
            };
            format!("{who}: {}, {how}", moment(&v.at))
        })
        .collect();
    Card {
        id: share.id,
        title,
        status,
        active: share.status == "active",
        lines,
        views,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::types::{CreatedBy, ShareViewing};

    fn share(status: &str) -> Share {
        Share {
            id: 7,
            label: String::new(),
            sections: vec!["results".into(), "medicines".into(), "allergies".into()],
            created_at: "2026-11-22T09:00:00Z".into(),
            created_by: CreatedBy {
                you: true,
                name: None,
            },
            expires_at: "2026-11-22T10:00:00Z".into(),
            status: status.into(),
            stopped_at: Some("2026-11-22T09:30:00Z".into()),
            sent_to: None,
            failed_attempts: 0,
            attempts_left: 5,
            views: vec![ShareViewing {
                at: "2026-11-22T09:10:00Z".into(),
                name: "Dr Ada Jones".into(),
                organisation: Some("Leeds Clinic".into()),
                how: "code".into(),
            }],
        }
    }

    fn moment(at: &str) -> String {
        format!("<{at}>")
    }

    #[test]
    fn a_card_says_what_is_shared_where_it_stands_and_who_looked() {
        let card = card(&share("active"), &moment);
        assert_eq!(card.title, "Test results, medicines and allergies");
        assert_eq!(card.status, "Can be viewed until <2026-11-22T10:00:00Z>");
        assert!(card.active);
        assert_eq!(
            card.views,
            ["Dr Ada Jones, Leeds Clinic: <2026-11-22T09:10:00Z>, with the code"]
        );
        let labelled = Share {
            label: "For my GP".into(),
            failed_attempts: 2,
            attempts_left: 3,
            ..share("active")
        };
        let labelled = super::card(&labelled, &moment);
        assert_eq!(labelled.title, "For my GP");
        assert!(
            labelled
                .lines
                .contains(&"Shares: Test results, medicines and allergies".into())
        );
        assert!(labelled.lines.last().unwrap().contains("2 wrong tries"));
        assert!(
            super::card(&share("stopped"), &moment)
                .status
                .starts_with("Stopped <2026-11-22T09:30")
        );
        assert!(
            super::card(&share("expired"), &moment)
                .status
                .starts_with("Ended")
        );
        assert!(!super::card(&share("locked"), &moment).active);
        let maker_gone = super::card(&share("access-ended"), &moment);
        assert!(!maker_gone.active);
        assert!(
            maker_gone
                .status
                .contains("access of the person who made it")
        );
    }

    #[test]
    fn a_filled_in_form_asks_for_what_it_says() {
        let draft = Draft {
            sections: vec!["documents".into(), "results".into()],
            hours: 24,
            label: " For my GP ".into(),
            send: true,
            email: "gp@surgery.example".into(),
        };
        let asked = check(&draft, "demo-ann").unwrap();
        assert_eq!(
            asked.sections,
            ["results", "documents"],
            "in the record's order"
        );
        assert_eq!(asked.label, "For my GP");
        assert_eq!(asked.email.as_deref(), Some("gp@surgery.example"));
        let unsent = check(
            &Draft {
                send: false,
                ..draft.clone()
            },
            "demo-ann",
        )
        .unwrap();
        assert_eq!(unsent.email, None);
        let problems = check(&Draft::default(), "demo-ann").unwrap_err();
        let fields: Vec<&str> = problems.iter().map(|(f, _)| *f).collect();
        assert_eq!(fields, ["share-sections", "share-hours"]);
        let bad = Draft {
            email: "gp@".into(),
            label: "x".repeat(61),
            ..draft
        };
        let fields: Vec<&str> = check(&bad, "p")
            .unwrap_err()
            .iter()
            .map(|(f, _)| *f)
            .collect();
        assert_eq!(fields, ["share-label", "share-email"]);
    }

    #[test]
    fn words_for_sections_durations_and_the_code() {
        assert_eq!(sections_words(&["results".into()]), "Test results");
        assert_eq!(
            sections_words(&["allergies".into(), "visits".into()]),
            "Allergies and visits"
        );
        assert_eq!(duration_words(72), "3 days");
    }
}
