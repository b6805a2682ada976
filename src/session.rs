//! Who is signed in and whose record is open, shared by every screen; and the one way a session
//! ends, which leaves nothing of the record behind.

use crate::api::{self, ApiError, types::PatientSummary, types::PortalInfo, types::SessionInfo};
use crate::components::clock;
use crate::components::load::Load;
use crate::record_cache::RecordCache;
use crate::route_guard::Visitor;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::sync::Arc;

/// The portal description, loaded before anything else is drawn.
#[derive(Clone)]
pub struct Portal(pub Arc<PortalInfo>);

impl Portal {
    #[track_caller]
    pub fn expect() -> Arc<PortalInfo> {
        expect_context::<Portal>().0
    }
}

#[derive(Clone, Copy)]
pub struct Session {
    /// Whether the portal has said yet who this browser is.
    pub checked: RwSignal<Load<()>>,
    pub info: RwSignal<Option<SessionInfo>>,
    /// Signed in with a password, the security code still to come (the page was reloaded then).
    pub second_factor_pending: RwSignal<bool>,
    /// Signed in with a password, and the portal requires a second factor this account has not
    /// set up yet: setting one up is all there is to do.
    pub set_up_required: RwSignal<bool>,
    /// Signed in with a recovery code: how many are left, until the person has read it.
    pub recovery_codes_left: RwSignal<Option<u32>>,
    pub patient: RwSignal<Option<PatientSummary>>,
    /// Everyone whose record the user may open (their own first), once loaded: the header's
    /// switcher lists them.
    pub people: RwSignal<Option<Vec<PatientSummary>>>,
    /// Set while the page is on its way to the sign-in screen: nothing personal is drawn then.
    pub leaving: RwSignal<bool>,
    /// The portal has not confirmed the sign-out yet: the person must be told, plainly.
    pub sign_out_unconfirmed: RwSignal<bool>,
    /// An invitation code typed in before signing in, kept (in memory only) for after.
    pub invitation_code: RwSignal<String>,
    /// The open record's lists already fetched: emptied whenever the patient changes.
    pub cache: StoredValue<RecordCache>,
    /// Replies were read: the header asks again how many are unread.
    pub messages_read: Trigger,
}

impl Session {
    pub fn new() -> Self {
        Self {
            checked: RwSignal::new(Load::Loading),
            info: RwSignal::new(None),
            second_factor_pending: RwSignal::new(false),
            set_up_required: RwSignal::new(false),
            recovery_codes_left: RwSignal::new(None),
            patient: RwSignal::new(None),
            people: RwSignal::new(None),
            invitation_code: RwSignal::new(String::new()),
            leaving: RwSignal::new(false),
            sign_out_unconfirmed: RwSignal::new(false),
            cache: StoredValue::new(RecordCache::default()),
            messages_read: Trigger::new(),
        }
    }

    /// Opens a patient's record: nothing fetched while another record was open stays.
    pub fn open_patient(self, patient: PatientSummary) {
        if self
            .patient
            .with_untracked(|p| p.as_ref().map(|p| p.id != patient.id))
            != Some(false)
        {
            self.cache.update_value(RecordCache::clear);
        }
        self.patient.set(Some(patient));
    }

    #[track_caller]
    pub fn expect() -> Self {
        expect_context()
    }

    /// Signing in is complete: who is signed in, nothing half-finished left.
    pub fn signed_in(self, info: SessionInfo) {
        self.second_factor_pending.set(false);
        self.set_up_required.set(false);
        self.recovery_codes_left.set(info.recovery_codes_left);
        self.info.set(Some(info));
    }

    /// Asks the portal who this browser is (at start, and again after a failed check).
    pub fn check(self) {
        self.checked.set(Load::Loading);
        spawn_local(async move {
            let outcome = match api::session().await {
                Ok(info) => {
                    self.info.set(Some(info));
                    Ok(())
                }
                Err(ApiError::SecondFactorRequired) => {
                    self.second_factor_pending.set(true);
                    Ok(())
                }
                Err(ApiError::SecondFactorSetUpRequired) => {
                    self.set_up_required.set(true);
                    Ok(())
                }
                Err(ApiError::NotSignedIn | ApiError::SessionExpired) => Ok(()),
                Err(e) => Err(e),
            };
            self.checked.set(match outcome {
                Ok(()) => Load::Ready(()),
                Err(e) => Load::Failed(e),
            });
        });
    }

    /// Who is here, for the route guard; tracked, so the guard follows every change.
    pub fn visitor(self) -> Visitor {
        if !matches!(self.checked.get(), Load::Ready(())) {
            return Visitor::Checking;
        }
        match self.info.get() {
            Some(s) if s.terms_outstanding() => Visitor::TermsToAccept,
            Some(_) => Visitor::SignedIn,
            None if self.second_factor_pending.get() => Visitor::SecondFactorPending,
            None if self.set_up_required.get() => Visitor::SetUpSecondFactor,
            None => Visitor::SignedOut,
        }
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
        self.cache.update_value(RecordCache::clear);
        self.patient.set(None);
        self.people.set(None);
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
    /// A new password, with this device not kept signed in.
    PasswordChanged,
    /// "Someone else is using my account": every device signed out.
    Secured,
    /// "Close my account": every device signed out, sign-in stopped.
    AccountClosed,
}

impl Ended {
    pub fn as_query(self) -> &'static str {
        match self {
            Ended::SignedOut => "signed-out",
            Ended::Idle => "idle",
            Ended::Expired => "expired",
            Ended::DeclinedTerms => "declined-terms",
            Ended::PasswordChanged => "password-changed",
            Ended::Secured => "secured",
            Ended::AccountClosed => "account-closed",
        }
    }

    pub fn from_query(q: &str) -> Option<Self> {
        [
            Ended::SignedOut,
            Ended::Idle,
            Ended::Expired,
            Ended::DeclinedTerms,
            Ended::PasswordChanged,
            Ended::Secured,
            Ended::AccountClosed,
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
            Ended::PasswordChanged => "Your password is changed, and you are signed out on every device. Sign in with your new password.".into(),
            Ended::AccountClosed => "Your account is being closed, and you are signed out on every device. Your medical record is kept by the hospital. If you change your mind, call the help desk.".into(),
            Ended::Secured => "Your account is safe again: your password is changed, every device is signed out, your passkeys are removed, and we have told the help desk. Sign in with your new password, then check \u{2018}Who has looked at your record\u{2019} for anything you do not recognise. You can add a passkey or set up two-step sign-in again in Your account.".into(),
        }
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
            Ended::PasswordChanged,
            Ended::Secured,
            Ended::AccountClosed,
        ] {
            assert_eq!(Ended::from_query(e.as_query()), Some(e));
        }
        assert_eq!(Ended::from_query("nonsense"), None);
        assert!(Ended::Idle.message(15).contains("15 minutes"));
        assert!(Ended::Idle.message(1).contains("1 minute."));
    }
}
