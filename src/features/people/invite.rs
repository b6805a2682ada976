//! Inviting someone to act for you: the choices offered, and what a filled-in form asks for.

use crate::api::types::NewInvitation;
use crate::components::form::looks_like_email;
use crate::fhir::date::FhirDate;

/// Who the person invited is to the patient: the portal's ids, in the patient's words.
pub const RELATIONSHIPS: &[(&str, &str)] = &[
    ("partner", "Husband, wife or partner"),
    ("son", "Son"),
    ("daughter", "Daughter"),
    ("parent", "Parent"),
    ("brother", "Brother"),
    ("sister", "Sister"),
    ("relative", "Another relative"),
    ("friend", "Friend"),
    ("neighbour", "Neighbour"),
    ("carer", "Carer"),
];

pub fn relationship_words(id: &str) -> &str {
    RELATIONSHIPS
        .iter()
        .find(|(r, _)| *r == id)
        .map_or(id, |(_, words)| words)
}

/// The form as filled in so far.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Draft {
    pub name: String,
    pub email: String,
    pub relationship: String,
    pub level: String,
    /// Access ends on `ends_on` rather than when the patient stops it.
    pub has_end: bool,
    /// `YYYY-MM-DD`, as a date input gives it.
    pub ends_on: String,
    pub keep_sensitive: bool,
}

/// The invitation a draft asks for, or each field's problem (the field's id, and what to do).
pub fn check(draft: &Draft, today: &str) -> Result<NewInvitation, Vec<(&'static str, String)>> {
    let mut problems = Vec::new();
    let name = draft.name.trim();
    if name.is_empty() {
        problems.push(("invite-name", "Enter their full name".to_string()));
    } else if name.chars().count() > 100 {
        problems.push((
            "invite-name",
            "Their name must be 100 characters or fewer".into(),
        ));
    }
    let email = draft.email.trim();
    if email.is_empty() {
        problems.push(("invite-email", "Enter their email address".into()));
    } else if !looks_like_email(email) {
        problems.push((
            "invite-email",
            "Enter an email address in the correct format, like name@example.com".into(),
        ));
    }
    if draft.relationship.is_empty() {
        problems.push(("invite-relationship", "Select who they are to you".into()));
    }
    if draft.level.is_empty() {
        problems.push(("invite-level", "Select what they can see".into()));
    }
    if draft.has_end {
        match FhirDate::parse(draft.ends_on.trim()) {
            _ if draft.ends_on.trim().len() != 10 => {
                problems.push(("invite-end", "Enter the date their access ends".into()))
            }
            None => problems.push(("invite-end", "Enter a real date".into())),
            Some(_) if draft.ends_on.trim() <= today => problems.push((
                "invite-end",
                "The date their access ends must be in the future".into(),
            )),
            Some(_) => {}
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(NewInvitation {
        name: name.to_string(),
        email: email.to_string(),
        relationship: draft.relationship.clone(),
        level: draft.level.clone(),
        ends_on: draft.has_end.then(|| draft.ends_on.trim().to_string()),
        keep_sensitive: draft.keep_sensitive,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filled() -> Draft {
        Draft {
            name: " Carol Jones ".into(),
            email: "carol@example.org".into(),
            relationship: "carer".into(),
            level: "full".into(),
            has_end: true,
            ends_on: "2027-06-01".into(),
            keep_sensitive: true,
        }
    }

    #[test]
    fn a_filled_in_form_asks_for_what_it_says() {
        let asked = check(&filled(), "2026-11-22").unwrap();
        assert_eq!(asked.name, "Carol Jones");
        assert_eq!(asked.ends_on.as_deref(), Some("2027-06-01"));
        assert!(asked.keep_sensitive);
        let open_ended = check(
            &Draft {
                has_end: false,
                ..filled()
            },
            "2026-11-22",
        )
        .unwrap();
        assert_eq!(open_ended.ends_on, None);
    }

    #[test]
    fn each_problem_is_named_on_its_field() {
        let problems = check(&Draft::default(), "2026-11-22").unwrap_err();
        let fields: Vec<&str> = problems.iter().map(|(f, _)| *f).collect();
        assert_eq!(
            fields,
            [
                "invite-name",
                "invite-email",
                "invite-relationship",
                "invite-level"
            ]
        );
        let past = Draft {
            ends_on: "2026-11-22".into(),
            email: "carol@example".into(),
            ..filled()
        };
        let problems = check(&past, "2026-11-22").unwrap_err();
        assert_eq!(
            problems[0].1,
            "Enter an email address in the correct format, like name@example.com"
        );
        assert_eq!(
            problems[1].1,
            "The date their access ends must be in the future"
        );
        assert_eq!(relationship_words("partner"), "Husband, wife or partner");
    }
}
