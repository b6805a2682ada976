//! Where a visitor may go, decided in one place for every route: what the session is (still
//! being checked, signed out, half-way through signing in, terms to accept, signed in) and
//! which area of the app is asked for give the one answer: show it, wait, or go elsewhere.

use crate::api::encode_component;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Visitor {
    /// The portal has not said yet whether this browser is signed in.
    Checking,
    SignedOut,
    /// The password was right; the security code is still to come.
    SecondFactorPending,
    /// The password was right; the portal requires a second factor, still to be set up.
    SetUpSecondFactor,
    TermsToAccept,
    SignedIn,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Area {
    /// `/`: only ever sends the visitor on.
    Home,
    SignIn,
    Terms,
    Record,
    /// Accepting an invitation: signed in or not.
    Invitation,
    /// A shared record, for someone without an account: open to anyone with the code.
    Shared,
    /// Setting up two-step sign-in: from the account's settings, or required before anything.
    TwoStep,
}

/// Where a sign-in that must set up a second factor is sent.
pub const TWO_STEP_PATH: &str = "/account/two-step";

#[derive(Clone, Debug, PartialEq)]
pub enum Decision {
    Show,
    Wait,
    GoTo(String),
}

/// `here` is the address asked for (path and query), `next` its `next` parameter, if any.
pub fn decide(area: Area, visitor: Visitor, here: &str, next: Option<&str>) -> Decision {
    use Decision::{GoTo, Show, Wait};
    use Visitor::*;
    let with_next = |to: &str, next: &str| format!("{to}?next={}", encode_component(next));
    match (area, visitor) {
        // The sign-in form is drawn at once: the session check only decides whether it goes.
        (Area::SignIn, Checking | SignedOut | SecondFactorPending) => Show,
        (Area::Shared, _) => Show,
        (Area::TwoStep, SetUpSecondFactor | SignedIn) => Show,
        (_, SetUpSecondFactor) => GoTo(TWO_STEP_PATH.into()),
        (Area::TwoStep, Checking) => Wait,
        (Area::TwoStep, SignedOut | SecondFactorPending) => GoTo("/sign-in".into()),
        (Area::TwoStep, TermsToAccept) => GoTo("/terms".into()),
        (Area::Invitation, Checking | SignedOut | SecondFactorPending | SignedIn) => Show,
        (Area::Invitation, TermsToAccept) => GoTo(with_next("/terms", here)),
        (_, Checking) => Wait,
        (Area::Home, SignedOut | SecondFactorPending) => GoTo("/sign-in".into()),
        (Area::Terms, SignedOut | SecondFactorPending) => GoTo("/sign-in".into()),
        (Area::Record, SignedOut | SecondFactorPending) => GoTo(with_next("/sign-in", here)),
        (Area::Home, TermsToAccept) => GoTo("/terms".into()),
        (Area::SignIn, TermsToAccept) => GoTo(match next {
            Some(n) => with_next("/terms", n),
            None => "/terms".into(),
        }),
        (Area::Terms, TermsToAccept) => Show,
        (Area::Record, TermsToAccept) => GoTo(with_next("/terms", here)),
        (Area::Home, SignedIn) => GoTo(landing_page(None)),
        (Area::SignIn | Area::Terms, SignedIn) => GoTo(landing_page(next)),
        (Area::Record, SignedIn) => Show,
    }
}

/// `/record/{patient}/{section}`: every record address names whose record it is.
pub fn record_path(patient: &str, section: &str) -> String {
    format!("/record/{}/{section}", encode_component(patient))
}

/// `/messages/{patient}`, and below it (`new`, a conversation's id).
pub fn messages_path(patient: &str, rest: &str) -> String {
    let base = format!("/messages/{}", encode_component(patient));
    if rest.is_empty() {
        base
    } else {
        format!("{base}/{rest}")
    }
}

/// `/shared/{patient}/{section}`: the same sections, for the viewer of a share.
pub fn shared_path(patient: &str, section: &str) -> String {
    format!("/shared/{}/{section}", encode_component(patient))
}

/// Where to go after signing in (or accepting the terms): the screen asked for, if it is one of
/// the record's, accepting an invitation or "Your account", else the record. ("Your account"
/// chosen while the terms were being accepted is where the patient asked to go.)
pub fn landing_page(next: Option<&str>) -> String {
    match next {
        Some(path) if path.starts_with("/record/") && !path.contains("//") => path.to_string(),
        Some(path @ ("/invitation" | "/account")) => path.to_string(),
        _ => "/record/summary".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Decision::*;

    #[test]
    fn the_sign_in_form_is_drawn_before_the_session_is_known() {
        assert_eq!(
            decide(Area::SignIn, Visitor::Checking, "/sign-in", None),
            Show
        );
        for area in [Area::Home, Area::Terms, Area::Record] {
            assert_eq!(decide(area, Visitor::Checking, "/", None), Wait, "{area:?}");
        }
    }

    #[test]
    fn the_record_asks_for_sign_in_then_terms_and_comes_back() {
        let here = "/record/allergies";
        assert_eq!(
            decide(Area::Record, Visitor::SignedOut, here, None),
            GoTo("/sign-in?next=%2Frecord%2Fallergies".into())
        );
        assert_eq!(
            decide(Area::Record, Visitor::SecondFactorPending, here, None),
            GoTo("/sign-in?next=%2Frecord%2Fallergies".into())
        );
        assert_eq!(
            decide(Area::Record, Visitor::TermsToAccept, here, None),
            GoTo("/terms?next=%2Frecord%2Fallergies".into())
        );
        assert_eq!(decide(Area::Record, Visitor::SignedIn, here, None), Show);
        assert_eq!(
            decide(Area::SignIn, Visitor::TermsToAccept, "/sign-in", Some(here)),
            GoTo("/terms?next=%2Frecord%2Fallergies".into())
        );
        assert_eq!(
            decide(Area::Terms, Visitor::SignedIn, "/terms", Some(here)),
            GoTo(here.into())
        );
    }

    #[test]
    fn each_visitor_has_one_place_to_be() {
        use Visitor::*;
        let expected = [
            (
                SignedOut,
                [Some("/sign-in"), None, Some("/sign-in"), Some("/sign-in")],
            ),
            (
                SecondFactorPending,
                [Some("/sign-in"), None, Some("/sign-in"), Some("/sign-in")],
            ),
            (
                TermsToAccept,
                [Some("/terms"), Some("/terms"), None, Some("/terms")],
            ),
            (
                SignedIn,
                [
                    Some("/record/summary"),
                    Some("/record/summary"),
                    Some("/record/summary"),
                    None,
                ],
            ),
        ];
        for (visitor, places) in expected {
            for (area, place) in [Area::Home, Area::SignIn, Area::Terms, Area::Record]
                .into_iter()
                .zip(places)
            {
                let decision = decide(area, visitor, "/record/summary", None);
                match place {
                    None => assert_eq!(decision, Show, "{visitor:?} at {area:?}"),
                    Some(p) => assert!(
                        matches!(&decision, GoTo(to) if to.starts_with(p)),
                        "{visitor:?} at {area:?}: {decision:?}"
                    ),
                }
            }
        }
    }

    #[test]
    fn a_required_second_factor_is_set_up_before_anything_else() {
        for area in [
            Area::Home,
            Area::SignIn,
            Area::Terms,
            Area::Record,
            Area::Invitation,
        ] {
            assert_eq!(
                decide(area, Visitor::SetUpSecondFactor, "/record/summary", None),
                GoTo(TWO_STEP_PATH.into()),
                "{area:?}"
            );
        }
        assert_eq!(
            decide(
                Area::TwoStep,
                Visitor::SetUpSecondFactor,
                TWO_STEP_PATH,
                None
            ),
            Show
        );
        assert_eq!(
            decide(Area::TwoStep, Visitor::SignedIn, TWO_STEP_PATH, None),
            Show
        );
        assert_eq!(
            decide(Area::TwoStep, Visitor::SignedOut, TWO_STEP_PATH, None),
            GoTo("/sign-in".into())
        );
        // A shared record is the viewer's, whoever else this browser is.
        assert_eq!(
            decide(Area::Shared, Visitor::SetUpSecondFactor, "/shared", None),
            Show
        );
    }

    #[test]
    fn only_record_screens_are_landing_pages() {
        assert_eq!(landing_page(Some("/record/allergies")), "/record/allergies");
        for hostile in [
            "https://evil.example/",
            "/record//evil.example",
            "//evil.example",
        ] {
            assert_eq!(landing_page(Some(hostile)), "/record/summary", "{hostile}");
        }
        assert_eq!(landing_page(None), "/record/summary");
        assert_eq!(landing_page(Some("/invitation")), "/invitation");
        assert_eq!(landing_page(Some("/account")), "/account");
        assert_eq!(landing_page(Some("/account/../evil")), "/record/summary");
        assert_eq!(
            decide(
                Area::Invitation,
                Visitor::TermsToAccept,
                "/invitation",
                None
            ),
            GoTo("/terms?next=%2Finvitation".into())
        );
        assert_eq!(
            decide(Area::Invitation, Visitor::SignedOut, "/invitation", None),
            Show
        );
        assert_eq!(
            decide(
                Area::SignIn,
                Visitor::SignedIn,
                "/sign-in",
                Some("//evil.example")
            ),
            GoTo("/record/summary".into())
        );
    }
}
