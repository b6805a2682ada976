//! The password again, before a change that needs it: new recovery codes, turning two-step
//! sign-in off, removing a passkey, closing the account. What the change will do is said first;
//! a wrong password is said on its box.

use crate::api::{self, ApiError};
use crate::components::form::{ErrorSummary, FieldError, TextField};
use leptos::prelude::*;
use leptos::task::spawn_local;

/// What the password again is for.
#[derive(Clone, PartialEq)]
pub enum WithPassword {
    NewCodes,
    TurnOff,
    RemovePasskey { id: String, name: String },
    CloseAccount,
}

/// The password again, with what it will do said first.
#[component]
pub fn PasswordAgain(
    what: WithPassword,
    asking: RwSignal<Option<WithPassword>>,
    finished: Callback<(WithPassword, Option<Vec<String>>)>,
) -> impl IntoView {
    let password = RwSignal::new(String::new());
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let pending = RwSignal::new(false);
    let id = match what {
        WithPassword::NewCodes => "password-for-codes",
        WithPassword::TurnOff => "password-to-turn-off",
        WithPassword::RemovePasskey { .. } => "password-to-remove-passkey",
        WithPassword::CloseAccount => "password-to-close",
    };
    let (intro, button, busy, danger) = match &what {
        WithPassword::NewCodes => (
            "Your old recovery codes will stop working. Enter your password to make 10 new ones.".to_string(),
            "Make new recovery codes",
            "Making new codes…",
            false,
        ),
        WithPassword::TurnOff => (
            "Without two-step sign-in, anyone who knows your password can sign in as you, and your recovery codes will stop working. Enter your password to turn it off.".to_string(),
            "Turn off two-step sign-in",
            "Turning it off…",
            true,
        ),
        WithPassword::RemovePasskey { name, .. } => (
            format!("The passkey \u{201c}{name}\u{201d} will no longer sign you in. Enter your password to remove it."),
            "Remove the passkey",
            "Removing it…",
            true,
        ),
        WithPassword::CloseAccount => (
            "Enter your password, so no one else can close your account.".to_string(),
            "Close my account",
            "Closing your account…",
            true,
        ),
    };
    let close = what == WithPassword::CloseAccount;
    let what = StoredValue::new(what);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        let given = password.get_untracked();
        if given.is_empty() {
            errors.set(vec![FieldError::on(id, "Enter your password")]);
            return;
        }
        pending.set(true);
        errors.set(Vec::new());
        let what = what.get_value();
        spawn_local(async move {
            let outcome = match &what {
                WithPassword::NewCodes => api::new_recovery_codes(&given)
                    .await
                    .map(|made| Some(made.recovery_codes)),
                WithPassword::TurnOff => api::turn_off_two_step(&given).await.map(|()| None),
                WithPassword::RemovePasskey { id, .. } => {
                    api::remove_passkey(id, &given).await.map(|()| None)
                }
                WithPassword::CloseAccount => api::close_account(&given).await.map(|()| None),
            };
            if pending.is_disposed() {
                return;
            }
            pending.set(false);
            password.set(String::new());
            match outcome {
                Ok(codes) => finished.run((what, codes)),
                Err(ApiError::InvalidCredentials) => {
                    errors.set(vec![FieldError::on(id, "Your password is not right")])
                }
                Err(e) => errors.set(vec![FieldError::general(e.message())]),
            }
        });
    };
    view! {
        <form class="account-form" on:submit=submit novalidate>
            <ErrorSummary errors/>
            <p>{intro}</p>
            <TextField id=id label="Your password" value=password errors kind="password" autocomplete="current-password"/>
            <div class="button-group">
                <button type="submit" class=if danger { "button danger" } else { "button" } aria-disabled=move || pending.get().then_some("true")>
                    {move || if pending.get() { busy } else { button }}
                </button>
                <button type="button" class="button secondary" on:click=move |_| asking.set(None)>
                    {if close { "Keep my account" } else { "Cancel" }}
                </button>
            </div>
        </form>
    }
}
