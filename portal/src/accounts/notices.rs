//! Emails that tell an account holder a way into their account changed (a passkey, two-step
//! sign-in, recovery codes, the password), so a change made from a stolen session cannot go
//! unnoticed. They hold no health information and nothing the changer typed: what changed, when
//! in the hospital's time, and whom to call if it was not them.

use super::store::User;
use crate::AppState;
use crate::infra::time;
use crate::mail::Letter;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Change {
    PasskeyAdded,
    PasskeyRemoved,
    TwoStepOn,
    TwoStepOff,
    RecoveryCodesReplaced,
    PasswordChanged,
}

impl Change {
    /// The subject's words, and the sentence that says what happened.
    fn words(self) -> (&'static str, &'static str) {
        match self {
            Change::PasskeyAdded => (
                "A passkey was added to your account",
                "A passkey was added to your account. A passkey signs in on its own, without your password.",
            ),
            Change::PasskeyRemoved => (
                "A passkey was removed from your account",
                "A passkey was removed from your account. It can no longer be used to sign in.",
            ),
            Change::TwoStepOn => (
                "Two-step sign-in was turned on",
                "Two-step sign-in was turned on for your account, with an authenticator app and new recovery codes.",
            ),
            Change::TwoStepOff => (
                "Two-step sign-in was turned off",
                "Two-step sign-in was turned off for your account. Your password alone now signs you in.",
            ),
            Change::RecoveryCodesReplaced => (
                "New recovery codes were made",
                "New recovery codes were made for your account. The old ones no longer work.",
            ),
            Change::PasswordChanged => (
                "Your password was changed",
                "The password for your account was changed.",
            ),
        }
    }
}

/// The letter for `change`, made at `at`, to the account's own address (None without one).
pub fn letter(state: &AppState, user: &User, change: Change, at: i64) -> Option<Letter> {
    let to = user.email.clone()?;
    let org = &state.info.organization.name;
    let desk = &state.info.help_desk;
    let (subject, what) = change.words();
    let when = time::in_words(at, &state.info.time_zone, time::now());
    Some(Letter {
        to,
        subject: format!("{subject}: {org} patient portal"),
        body: format!(
            "Hello,\n\n\
             {what}\n\n\
             This happened at {when}.\n\n\
             If you did this, there is nothing more to do.\n\n\
             If you did not, someone else may be using your account. Sign in and choose \
             \u{201c}I think someone else is using my account\u{201d} on the Your account page, \
             or call the help desk on {phone} ({hours}).\n\n\
             This email holds no health information.\n\n\
             {org}\n",
            phone = desk.phone,
            hours = desk.hours,
        ),
    })
}

/// Sends the notice of `change` to the account, if it has an address. The change stands whether
/// or not it is delivered: the log says if not.
pub async fn tell(state: &AppState, user_id: i64, change: Change) {
    let Ok(mut conn) = state.store.conn().await else {
        return;
    };
    let Ok(user) = super::store::by_id(&mut conn, user_id).await else {
        return;
    };
    drop(conn);
    if let Some(letter) = letter(state, &user, change, time::now()) {
        let _ = state.mailer.send(&state.mail_from(), letter).await;
    }
}
