//! Sign-in: username and password, then a security code where the account has a second factor.
//! What was typed survives every failure except the password itself.

use crate::api::{self, ApiError, types::SessionInfo, types::SignInOutcome};
use crate::components::form::{ErrorSummary, FieldError, TextField};
use crate::components::notices::HelpDeskLine;
use crate::components::page::PageHeading;
use crate::session::{Ended, Portal, Session};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_query_map;

#[derive(Clone, Copy, PartialEq)]
enum Step {
    Password,
    Code,
}

const COOKIES_BLOCKED: &str = "Your browser is blocking cookies for this site. The portal needs a cookie to keep you signed in. Allow cookies for this site, then try again.";

fn error_message(e: &ApiError) -> FieldError {
    match e {
        ApiError::InvalidCredentials => FieldError::on("password", e.message()),
        ApiError::InvalidCode => FieldError::on("code", e.message()),
        other => FieldError::general(other.message()),
    }
}

#[component]
pub fn SignInPage() -> impl IntoView {
    let session = Session::expect();
    let info = Portal::expect();
    let ended = use_query_map()
        .get_untracked()
        .get("ended")
        .and_then(|q| Ended::from_query(&q))
        .map(|e| e.message(info.idle_timeout_seconds.div_ceil(60)));

    let step = RwSignal::new(Step::Password);
    let username = RwSignal::new(String::new());
    // A page reloaded between the password and the code carries on at the code.
    Effect::new(move |_| {
        if session.second_factor_pending.get() && username.get_untracked().is_empty() {
            step.set(Step::Code);
        }
    });
    let password = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let pending = RwSignal::new(false);
    // Not in web-sys; absent (undefined) counts as enabled rather than blocking everyone.
    let cookies_enabled = js_sys::Reflect::get(&window().navigator(), &"cookieEnabled".into())
        .map(|v| v.as_bool() != Some(false))
        .unwrap_or(true);

    // Signed in: make sure the browser kept the cookie; the route guard then moves on.
    let finish = move |signed_in: SessionInfo| {
        spawn_local(async move {
            match api::session().await {
                Ok(_) => {
                    session.second_factor_pending.set(false);
                    session.info.set(Some(signed_in));
                }
                Err(ApiError::NotSignedIn) => {
                    pending.set(false);
                    errors.set(vec![FieldError::general(COOKIES_BLOCKED)]);
                }
                Err(e) => {
                    pending.set(false);
                    errors.set(vec![error_message(&e)]);
                }
            }
        });
    };

    let submit_password = {
        move |ev: SubmitEvent| {
            ev.prevent_default();
            if pending.get_untracked() {
                return;
            }
            let mut missing = Vec::new();
            if username.get_untracked().trim().is_empty() {
                missing.push(FieldError::on("username", "Enter your username"));
            }
            if password.get_untracked().is_empty() {
                missing.push(FieldError::on("password", "Enter your password"));
            }
            if !missing.is_empty() {
                errors.set(missing);
                return;
            }
            errors.set(Vec::new());
            pending.set(true);
            spawn_local(async move {
                let outcome =
                    api::sign_in(&username.get_untracked(), &password.get_untracked()).await;
                match outcome {
                    Ok(SignInOutcome::SignedIn(info)) => finish(info),
                    Ok(SignInOutcome::SecondFactorRequired) => {
                        password.set(String::new());
                        pending.set(false);
                        step.set(Step::Code);
                    }
                    Err(e) => {
                        password.set(String::new());
                        pending.set(false);
                        errors.set(vec![error_message(&e)]);
                    }
                }
            });
        }
    };

    let submit_code = move |ev: SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        let entered: String = code
            .get_untracked()
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        if entered.len() != 6 || !entered.chars().all(|c| c.is_ascii_digit()) {
            errors.set(vec![FieldError::on(
                "code",
                "Enter the 6-digit security code from your authenticator app",
            )]);
            return;
        }
        errors.set(Vec::new());
        pending.set(true);
        spawn_local(async move {
            match api::second_factor(&entered).await {
                Ok(info) => finish(info),
                Err(e) => {
                    code.set(String::new());
                    pending.set(false);
                    match e {
                        // The half-finished sign-in ran out or had too many wrong codes.
                        ApiError::SessionExpired => {
                            step.set(Step::Password);
                            errors.set(vec![FieldError::general(
                                "Your sign-in took too long or had too many wrong codes. Enter your password again.",
                            )]);
                        }
                        ApiError::NotSignedIn => {
                            step.set(Step::Password);
                            errors.set(vec![FieldError::general(COOKIES_BLOCKED)]);
                        }
                        other => errors.set(vec![error_message(&other)]),
                    }
                }
            }
        });
    };

    let start_again = move |_| {
        session.second_factor_pending.set(false);
        code.set(String::new());
        errors.set(Vec::new());
        step.set(Step::Password);
    };

    let org = info.organization.name.clone();
    view! {
        {ended.map(|m| view! {
            <div class="notification-banner" role="status">
                <p>{m}</p>
            </div>
        })}
        {(!cookies_enabled).then(|| view! {
            <div class="error-callout" role="alert"><p>{COOKIES_BLOCKED}</p></div>
        })}
        <ErrorSummary errors/>
        {move || match step.get() {
            Step::Password => view! {
                <PageHeading text="Sign in to your patient portal"/>
                <form class="form" novalidate on:submit=submit_password>
                    <TextField id="username" label="Username" value=username errors autocomplete="username"/>
                    <TextField id="password" label="Password" value=password errors kind="password" autocomplete="current-password"/>
                    <button type="submit" class="button" aria-disabled=move || pending.get().then_some("true")>
                        {move || if pending.get() { "Signing in…" } else { "Sign in" }}
                    </button>
                </form>
                <h2 class="heading-small">"Forgotten your password or locked out?"</h2>
                <HelpDeskLine purpose="to reset your password or unlock your account"/>
                <h2 class="heading-small">"Invited to see someone\u{2019}s record?"</h2>
                <p><a href="/invitation">"Accept an invitation"</a></p>
            }
            .into_any(),
            Step::Code => view! {
                <PageHeading text="Enter your security code"/>
                <p>"Open the authenticator app on your phone and enter the 6-digit code it shows for " {org.clone()} "."</p>
                <form class="form" novalidate on:submit=submit_code>
                    <TextField
                        id="code"
                        label="Security code"
                        value=code
                        errors
                        autocomplete="one-time-code"
                        inputmode="numeric"
                        hint="The code changes every 30 seconds."
                        narrow=true
                    />
                    <button type="submit" class="button" aria-disabled=move || pending.get().then_some("true")>
                        {move || if pending.get() { "Checking…" } else { "Continue" }}
                    </button>
                </form>
                <p><button type="button" class="link-button" on:click=start_again>"Start again with your password"</button></p>
                <HelpDeskLine purpose="if you have lost your phone or cannot get a code"/>
            }
            .into_any(),
        }}
    }
    .into_any()
}
