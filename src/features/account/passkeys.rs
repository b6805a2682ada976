//! Passkeys on the account page: what they are, each one added (its name, when added and last
//! used) with Remove, and adding one from this device under a name the patient chooses.

use super::model;
use crate::api;
use crate::api::types::{PasskeyInfo, Passkeys};
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
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let pending = RwSignal::new(false);
    let supported = api::passkey::supported();
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        let given = name.get_untracked().trim().to_string();
        if given.is_empty() || given.chars().count() > 60 {
            errors.set(vec![FieldError::on(
                "passkey-name",
                "Give the passkey a name of up to 60 characters, such as \u{201c}My phone\u{201d}",
            )]);
            return;
        }
        pending.set(true);
        errors.set(Vec::new());
        spawn_local(async move {
            let outcome = api::add_passkey(&given).await;
            if pending.is_disposed() {
                return;
            }
            pending.set(false);
            match outcome {
                Ok(()) => {
                    done.set(Some(format!(
                        "Your passkey \u{201c}{given}\u{201d} is added. Next time, choose \u{2018}Sign in with a passkey\u{2019}."
                    )));
                    name.set(model::suggested_passkey_name(&user_agent()));
                    reload.run(());
                }
                Err(e) => errors.set(vec![FieldError::general(e.message())]),
            }
        });
    };
    let remove = move |key: PasskeyInfo| {
        spawn_local(async move {
            match api::remove_passkey(&key.id).await {
                Ok(()) => {
                    done.set(Some(format!(
                        "The passkey \u{201c}{}\u{201d} is removed. It can no longer sign you in.",
                        key.name
                    )));
                    reload.run(());
                }
                Err(e) => errors.set(vec![FieldError::general(e.message())]),
            }
        });
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
            {if supported {
                view! {
                    <form class="account-form" on:submit=add novalidate>
                        <TextField id="passkey-name" label="A name for the passkey on this device" value=name errors
                            hint="So you can tell your passkeys apart, for example \u{201c}My phone\u{201d}."/>
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
