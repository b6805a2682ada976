//! Sign-in: username and password, then a security code where the account has a second factor.
//! What was typed survives every failure except the password itself.

use crate::api::{self, ApiError, types::SessionInfo, types::SignInOutcome};
use crate::components::form::{ErrorSummary, FieldError, TextField, security_code};
use crate::components::notices::HelpDeskLine;
use crate::components::page::PageHeading;
use crate::session::{Ended, Portal, Session};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::{spawn_local, spawn_local_scoped_with_cancellation};
use leptos_router::hooks::use_query_map;

#[derive(Clone, Copy, PartialEq)]
enum Step {
    Password,
    Code,
    /// The phone is not to hand: one of the recovery codes instead.
    RecoveryCode,
}

/// What to send for the second step, or why it cannot be right: six digits from the app, or a
/// recovery code (12 letters and digits, typed with any spacing or dashes).
fn second_step_entry(step: Step, typed: &str) -> Result<String, &'static str> {
    let compact: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    match step {
        Step::RecoveryCode
            if compact.len() == 12 && compact.chars().all(|c| c.is_ascii_alphanumeric()) =>
        {
            Ok(typed.trim().to_string())
        }
        Step::RecoveryCode => {
            Err("Enter a recovery code: 12 letters and numbers, like K7Q2-9XMD-4TPA")
        }
        _ => security_code(typed)
            .ok_or("Enter the 6-digit security code from your authenticator app"),
    }
}

const COOKIES_BLOCKED: &str = "Your browser is blocking cookies for this site. The portal needs a cookie to keep you signed in. Allow cookies for this site, then try again.";

fn error_message(e: &ApiError, step: Step) -> FieldError {
    match (e, step) {
        (ApiError::InvalidCredentials, _) => FieldError::on("password", e.message()),
        (ApiError::InvalidCode, Step::RecoveryCode) => FieldError::on(
            "recovery-code",
            "That recovery code is not right, or has been used. Check it, or try another of your codes.",
        ),
        (ApiError::InvalidCode, _) => FieldError::on("code", e.message()),
        (other, _) => FieldError::general(other.message()),
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

    // The password (and code) were right: make sure the browser kept the cookie; the route
    // guard then moves on, to the record or to setting up a second factor.
    let finish = move |signed_in: Option<SessionInfo>| {
        spawn_local(async move {
            match (api::session().await, signed_in) {
                (Ok(_), Some(info)) => session.signed_in(info),
                (Err(ApiError::SecondFactorSetUpRequired), None) => {
                    session.set_up_required.set(true)
                }
                (Err(ApiError::NotSignedIn), _) => {
                    pending.set(false);
                    errors.set(vec![FieldError::general(COOKIES_BLOCKED)]);
                }
                (Ok(_), None) => {
                    pending.set(false);
                    errors.set(vec![FieldError::general(ApiError::Unreadable.message())]);
                }
                (Err(e), _) => {
                    pending.set(false);
                    errors.set(vec![error_message(&e, step.get_untracked())]);
                }
            }
        });
    };

    // A passkey is both factors at once: no username, no code.
    let offer_passkeys = info.features.passkeys && api::passkey::supported();
    // Where the browser can, passkeys are also among the username box's suggestions, until the
    // person signs in another way or leaves (a browser holds one such request at a time).
    let autofill = StoredValue::new_local(None::<web_sys::AbortController>);
    let stop_autofill = move || {
        if let Some(c) = autofill.try_update_value(Option::take).flatten() {
            c.abort();
        }
    };
    on_cleanup(stop_autofill);
    if offer_passkeys {
        // Dropped with the page: nothing is written to it once it has gone.
        spawn_local_scoped_with_cancellation(async move {
            if !api::passkey::autofill_available().await {
                return;
            }
            let Ok(controller) = web_sys::AbortController::new() else {
                return;
            };
            let signal = controller.signal();
            if autofill.try_set_value(Some(controller)).is_some() {
                return;
            }
            match api::sign_in_with_passkey(Some(signal)).await {
                Ok(info) => {
                    pending.set(true);
                    finish(Some(info));
                }
                // Stopped: the person signed in another way, or left.
                Err(ApiError::PasskeyCancelled) => {}
                Err(e) => errors.set(vec![FieldError::general(e.message())]),
            }
        });
    }
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
            stop_autofill();
            errors.set(Vec::new());
            pending.set(true);
            spawn_local(async move {
                let outcome =
                    api::sign_in(&username.get_untracked(), &password.get_untracked()).await;
                match outcome {
                    Ok(SignInOutcome::SignedIn(info)) => finish(Some(info)),
                    Ok(SignInOutcome::SetUpRequired) => {
                        password.set(String::new());
                        finish(None);
                    }
                    Ok(SignInOutcome::SecondFactorRequired) => {
                        password.set(String::new());
                        pending.set(false);
                        step.set(Step::Code);
                    }
                    Err(e) => {
                        password.set(String::new());
                        pending.set(false);
                        errors.set(vec![error_message(&e, Step::Password)]);
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
        let now = step.get_untracked();
        let field = if now == Step::RecoveryCode {
            "recovery-code"
        } else {
            "code"
        };
        let entered = match second_step_entry(now, &code.get_untracked()) {
            Ok(entered) => entered,
            Err(problem) => {
                errors.set(vec![FieldError::on(field, problem)]);
                return;
            }
        };
        errors.set(Vec::new());
        pending.set(true);
        spawn_local(async move {
            match api::second_factor(&entered).await {
                Ok(info) => finish(Some(info)),
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
                        other => errors.set(vec![error_message(&other, now)]),
                    }
                }
            }
        });
    };

    let use_step = move |to: Step| {
        code.set(String::new());
        errors.set(Vec::new());
        step.set(to);
    };
    let with_passkey = move |_| {
        if pending.get_untracked() {
            return;
        }
        stop_autofill();
        pending.set(true);
        errors.set(Vec::new());
        spawn_local(async move {
            match api::sign_in_with_passkey(None).await {
                Ok(info) => finish(Some(info)),
                Err(e) => {
                    pending.set(false);
                    errors.set(vec![FieldError::general(e.message())]);
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
                    <TextField id="username" label="Username" value=username errors
                        autocomplete=if offer_passkeys { "username webauthn" } else { "username" }/>
                    <TextField id="password" label="Password" value=password errors kind="password" autocomplete="current-password"/>
                    <button type="submit" class="button" aria-disabled=move || pending.get().then_some("true")>
                        {move || if pending.get() { "Signing in…" } else { "Sign in" }}
                    </button>
                </form>
                {offer_passkeys.then(|| view! {
                    <h2 class="heading-small">"Or sign in with a passkey"</h2>
                    <p>"If you have added a passkey, use your fingerprint, face or phone PIN instead of your password."</p>
                    <button type="button" class="button secondary" on:click=with_passkey aria-disabled=move || pending.get().then_some("true")>
                        "Sign in with a passkey"
                    </button>
                })}
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
                <p><button type="button" class="link-button" on:click=move |_| use_step(Step::RecoveryCode)>"I cannot use my phone: use a recovery code"</button></p>
                <p><button type="button" class="link-button" on:click=start_again>"Start again with your password"</button></p>
                <HelpDeskLine purpose="if you have lost your phone and your recovery codes"/>
            }
            .into_any(),
            Step::RecoveryCode => view! {
                <PageHeading text="Enter a recovery code"/>
                <p>"When you set up two-step sign-in you were given 10 recovery codes to print or save. Each one works once."</p>
                <form class="form" novalidate on:submit=submit_code>
                    <TextField
                        id="recovery-code"
                        label="Recovery code"
                        value=code
                        errors
                        hint="For example K7Q2-9XMD-4TPA. Capital or small letters, with or without the dashes."
                    />
                    <button type="submit" class="button" aria-disabled=move || pending.get().then_some("true")>
                        {move || if pending.get() { "Checking…" } else { "Continue" }}
                    </button>
                </form>
                <p><button type="button" class="link-button" on:click=move |_| use_step(Step::Code)>"Use the code from my authenticator app instead"</button></p>
                <HelpDeskLine purpose="if you have lost your phone and your recovery codes"/>
            }
            .into_any(),
        }}
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_second_step_takes_six_digits_or_a_recovery_code() {
        assert_eq!(
            second_step_entry(Step::Code, " 123 456 "),
            Ok("123456".into())
        );
        assert!(second_step_entry(Step::Code, "12345").is_err());
        assert!(second_step_entry(Step::Code, "K7Q2-9XMD-4TPA").is_err());
        assert_eq!(
            second_step_entry(Step::RecoveryCode, " k7q2 9xmd-4tpa "),
            Ok("k7q2 9xmd-4tpa".into())
        );
        assert!(second_step_entry(Step::RecoveryCode, "123456").is_err());
        assert!(second_step_entry(Step::RecoveryCode, "K7Q2-9XMD-4TP\u{e9}").is_err());
    }
}
