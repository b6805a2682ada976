//! Who is signed in and whose record is open, shared by every screen; and the one way a session
//! ends, which leaves nothing of the record behind.

use crate::api::{self, ApiError, types::PatientSummary, types::PortalInfo, types::SessionInfo};
use crate::components::clock;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::sync::Arc;

/// The portal description, loaded before anything else is drawn.
#[derive(Clone)]
pub struct Portal(pub Arc<PortalInfo>);

impl Portal {
    pub fn expect() -> Arc<PortalInfo> {
        expect_context::<Portal>().0
    }
}

#[derive(Clone, Copy)]
pub struct Session {
    pub info: RwSignal<Option<SessionInfo>>,
    pub patient: RwSignal<Option<PatientSummary>>,
    /// Set while the page is on its way to the sign-in screen: nothing personal is drawn then.
    pub leaving: RwSignal<bool>,
    /// The portal has not confirmed the sign-out yet: the person must be told, plainly.
    pub sign_out_unconfirmed: RwSignal<bool>,
}

impl Session {
    pub fn new(info: Option<SessionInfo>) -> Self {
        Self {
            info: RwSignal::new(info),
            patient: RwSignal::new(None),
            leaving: RwSignal::new(false),
            sign_out_unconfirmed: RwSignal::new(false),
        }
    }

    pub fn expect() -> Self {
        expect_context()
    }

    /// Ends the session on the server and reloads the app at the sign-in screen. The reload is
    /// what guarantees no record data survives in memory, in the page, or in the back button.
    /// Until the portal confirms the session is gone, the page says so and keeps trying: it
    /// never claims to have signed out while the session lives.
    pub fn end(self, why: Ended) {
        if self.leaving.get_untracked() {
            return;
        }
        self.leaving.set(true);
        self.patient.set(None);
        self.info.set(None);
        spawn_local(async move {
            let mut tries = 0;
            loop {
                match api::sign_out().await {
                    Ok(()) | Err(ApiError::NotSignedIn | ApiError::SessionExpired) => break,
                    // The portal said the session had ended: there is nothing left to end.
                    Err(_) if why == Ended::Expired => break,
                    Err(_) => {
                        self.sign_out_unconfirmed.set(true);
                        tries += 1;
                        clock::sleep_ms(sign_out_retry_ms(tries)).await;
                    }
                }
            }
            if let Some(window) = web_sys::window() {
                let _ = window
                    .location()
                    .replace(&format!("/sign-in?ended={}", why.as_query()));
            }
        });
    }
}

/// Waits between tries at signing out: 2 s, 4 s, … up to 15 s, for as long as the page is open.
pub fn sign_out_retry_ms(tries: u32) -> i32 {
    (2_000 * tries.min(8) as i32).min(15_000)
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Ended {
    SignedOut,
    Idle,
    Expired,
    DeclinedTerms,
}

impl Ended {
    pub fn as_query(self) -> &'static str {
        match self {
            Ended::SignedOut => "signed-out",
            Ended::Idle => "idle",
            Ended::Expired => "expired",
            Ended::DeclinedTerms => "declined-terms",
        }
    }

    pub fn from_query(q: &str) -> Option<Self> {
        [
            Ended::SignedOut,
            Ended::Idle,
            Ended::Expired,
            Ended::DeclinedTerms,
        ]
        .into_iter()
        .find(|e| e.as_query() == q)
    }

    pub fn message(self, idle_minutes: u32) -> String {
        match self {
            Ended::SignedOut => "You have signed out. You can close this page.".into(),
            Ended::Idle => format!(
                "We signed you out because you had not used the portal for {idle_minutes} {}. This keeps your record safe. Sign in again to continue.",
                if idle_minutes == 1 { "minute" } else { "minutes" }
            ),
            Ended::Expired => "Your session has ended. Sign in again to continue.".into(),
            Ended::DeclinedTerms => "You signed out because you did not accept the terms of use. You need to accept them to use the portal. If you have questions about the terms, call the help desk.".into(),
        }
    }
}

/// Where to go after signing in: the screen asked for, if it is one of the record's, else the record.
pub fn landing_page(next: Option<&str>) -> String {
    match next {
        Some(path) if path.starts_with("/record/") && !path.contains("//") => path.to_string(),
        _ => "/record/summary".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_out_retries_back_off_to_fifteen_seconds() {
        let waits: Vec<i32> = (1..=10).map(sign_out_retry_ms).collect();
        assert_eq!(&waits[..3], &[2_000, 4_000, 6_000]);
        assert!(waits.iter().all(|w| *w <= 15_000));
        assert_eq!(waits[9], 15_000);
    }

    #[test]
    fn ended_reasons_round_trip_through_the_url() {
        for e in [
            Ended::SignedOut,
            Ended::Idle,
            Ended::Expired,
            Ended::DeclinedTerms,
        ] {
            assert_eq!(Ended::from_query(e.as_query()), Some(e));
        }
        assert_eq!(Ended::from_query("nonsense"), None);
        assert!(Ended::Idle.message(15).contains("15 minutes"));
        assert!(Ended::Idle.message(1).contains("1 minute."));
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
    }
}
