//! Passkeys on the account page: what they are, each one added (its name, when added and last
//! used) with Remove, and adding one from this device under a name the patient chooses. Adding
//! and removing each ask for the password, since a passkey signs in on its own.

use super::model;
use super::password_again::{PasswordAgain, WithPassword};
use crate::api::types::{PasskeyInfo, Passkeys};
use crate::api::{self, ApiError};
use crate::components::clock::Style;
use crate::components::form::{ErrorSummary, FieldError, TextField};
use crate::components::load::{Load, LoadFailure, Loading, load_into};
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn PasskeysSection(done: RwSignal<Option<String>>) -> impl IntoView {
    let state = RwSignal::new(Load::Loading);
    let reload = load_into(state, api::passkeys);
    let name = RwSignal::new(model::suggested_passkey_name(&user_agent()));
    let password = RwSignal::new(String::new());
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let asking = RwSignal::new(None::<WithPassword>);
    let pending = RwSignal::new(false);
    let supported = api::passkey::supported();
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        let given = name.get_untracked().trim().to_string();
        let secret = password.get_untracked();
        let mut problems = Vec::new();
        if given.is_empty() || given.chars().count() > 60 {
            problems.push(FieldError::on(
                "passkey-name",
                "Give the passkey a name of up to 60 characters, such as \u{201c}My phone\u{201d}",
            ));
        }
        if secret.is_empty() {
            problems.push(FieldError::on("passkey-password", "Enter your password"));
        }
        if !problems.is_empty() {
            errors.set(problems);
            return;
        }
        pending.set(true);
        errors.set(Vec::new());
        spawn_local(async move {
            let outcome = api::add_passkey(&given, &secret).await;
            if pending.is_disposed() {
                return;
            }
            pending.set(false);
            password.set(String::new());
            match outcome {
                Ok(()) => {
                    done.set(Some(format!(
                        "Your passkey \u{201c}{given}\u{201d} is added. Next time, choose \u{2018}Sign in with a passkey\u{2019}."
                    )));
                    name.set(model::suggested_passkey_name(&user_agent()));
                    reload.run(());
                }
                Err(ApiError::InvalidCredentials) => errors.set(vec![FieldError::on(
                    "passkey-password",
                    "Your password is not right",
                )]),
                Err(e) => errors.set(vec![FieldError::general(e.message())]),
            }
        });
    };
    let removed = Callback::new(move |(what, _): (WithPassword, Option<Vec<String>>)| {
        asking.set(None);
        if let WithPassword::RemovePasskey { name, .. } = what {
            done.set(Some(format!(
                "The passkey \u{201c}{name}\u{201d} is removed. It can no longer sign you in."
            )));
        }
        reload.run(());
    });
    let remove = move |key: PasskeyInfo| {
        errors.set(Vec::new());
        asking.set(Some(WithPassword::RemovePasskey {
            id: key.id,
            name: key.name,
        }));
    };
    move || {
        match state.get() {
        Load::Loading => view! { <Loading what="Loading your passkeys…"/> }.into_any(),
        Load::Failed(error) => view! { <h2>"Passkeys"</h2><LoadFailure error retry=reload compact=true/> }.into_any(),
        Load::Ready(Passkeys { available: false, .. }) => ().into_any(),
        Load::Ready(Passkeys { passkeys, .. }) => view! {
            <h2>"Passkeys"</h2>
            <p>"A passkey lets you sign in with your fingerprint, face or phone PIN instead of your password and a code. It stays on your device, and no one can guess it."</p>
            <ErrorSummary errors/>
            {if passkeys.is_empty() {
                view! { <p>"You have not added a passkey yet."</p> }.into_any()
            } else {
                view! {
                    <ul class="card-list">
                        {passkeys.into_iter().map(|key| {
                            let used = key.last_used_at.as_deref().map(|t| super::when(t, Style::DateTime));
                            let text = model::passkey_dates(&super::when(&key.created_at, Style::Day), used.as_deref());
                            let label = format!("Remove {}", key.name);
                            let name = key.name.clone();
                            view! {
                                <li class="card device-card passkey-card">
                                    <p class="card-title"><bdi>{name}</bdi></p>
                                    <p>{text}</p>
                                    <button type="button" class="button secondary" aria-label=label on:click=move |_| remove(key.clone())>"Remove"</button>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }
                .into_any()
            }}
            {move || asking.get().map(|what| view! { <PasswordAgain what asking finished=removed/> })}
            {if supported {
                view! {
                    <form class="account-form" on:submit=add novalidate hidden=move || asking.with(Option::is_some)>
                        <TextField id="passkey-name" label="A name for the passkey on this device" value=name errors
                            hint="So you can tell your passkeys apart, for example \u{201c}My phone\u{201d}."/>
                        <TextField id="passkey-password" label="Your password" value=password errors kind="password" autocomplete="current-password"
                            hint="So no one else can add a passkey to your account."/>
                        <button type="submit" class="button" aria-disabled=move || pending.get().then_some("true")>
                            {move || if pending.get() { "Follow your device\u{2019}s steps…" } else { "Add a passkey on this device" }}
                        </button>
                    </form>
                }
                .into_any()
            } else {
                view! { <p>"This browser cannot make passkeys. You can add one from another browser or device."</p> }.into_any()
            }}
        }
        .into_any(),
    }
    }
}

fn user_agent() -> String {
    web_sys::window()
        .and_then(|w| w.navigator().user_agent().ok())
        .unwrap_or_default()
}
