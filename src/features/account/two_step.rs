//! Two-step sign-in: setting it up (what you need; scan the QR code or type the key; the app's
//! first code turns it on), the recovery codes shown once (download, print, and a tick that
//! they are kept before going on), and on the account page where it stands, new recovery codes
//! and turning it off, each after the password. A portal that requires a second factor sends a
//! new sign-in here before anything else.

use super::model;
use super::password_again::{PasswordAgain, WithPassword};
use crate::api::types::{AccountSecurity, RecoveryCodes, SessionInfo, TwoStepSecret};
use crate::api::{self, ApiError};
use crate::components::clock::Style;
use crate::components::download;
use crate::components::form::{Checkbox, ErrorSummary, FieldError, TextField, security_code};
use crate::components::load::{Load, LoadFailure, Loading, load_into};
use crate::components::notices::HelpDeskLine;
use crate::components::page::PageHeading;
use crate::components::qr::{CopyButton, QrCode, spoken};
use crate::session::{Ended, Portal, Session};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;

#[derive(Clone)]
enum SetUp {
    Intro,
    Scan(TwoStepSecret),
    Codes(RecoveryCodes),
}

/// `/account/two-step`: setting up, from the account page or because the portal requires it.
#[component]
pub fn TwoStepSetUpPage() -> impl IntoView {
    let session = Session::expect();
    let required = session.set_up_required.get_untracked();
    let passkeys = Portal::expect().features.passkeys && api::passkey::supported();
    let stage = RwSignal::new(SetUp::Intro);
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let pending = RwSignal::new(false);
    // A new sign-in led here has just given its password; from the account page it is asked
    // again, so a borrowed, signed-in browser cannot add its own app.
    let password = RwSignal::new(String::new());
    let start = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        let given = (!required).then(|| password.get_untracked());
        if given.as_deref() == Some("") {
            errors.set(vec![FieldError::on(
                "password-for-two-step",
                "Enter your password",
            )]);
            return;
        }
        pending.set(true);
        errors.set(Vec::new());
        spawn_local(async move {
            let outcome = api::start_two_step(given.as_deref()).await;
            if pending.is_disposed() {
                return;
            }
            pending.set(false);
            password.set(String::new());
            match outcome {
                Ok(secret) => stage.set(SetUp::Scan(secret)),
                Err(ApiError::InvalidCredentials) => errors.set(vec![FieldError::on(
                    "password-for-two-step",
                    "Your password is not right",
                )]),
                Err(e) => errors.set(vec![FieldError::general(e.message())]),
            }
        });
    };
    let navigate = use_navigate();
    let finished = Callback::new(move |signed_in: Option<SessionInfo>| match signed_in {
        // Required: the sign-in is complete now, and the route guard moves on.
        Some(info) => session.signed_in(info),
        None => navigate("/account", Default::default()),
    });
    view! {
        <PageHeading text="Set up two-step sign-in"/>
        {move || match stage.get() {
            SetUp::Intro => view! {
                {required.then(|| view! {
                    <div class="notification-banner" role="status">
                        <p>"Your hospital asks everyone to use two-step sign-in. Set it up now to see your record. It takes about 5 minutes."</p>
                        {passkeys.then(|| view! {
                            <p>"If you have added a passkey to your account, you can sign out and choose \u{201c}Sign in with a passkey\u{201d} instead."</p>
                        })}
                    </div>
                })}
                <ErrorSummary errors/>
                <p class="lead">"Two-step sign-in keeps your record safe even if someone learns your password. Each time you sign in, you enter your password and then a 6-digit code from an app on your phone."</p>
                <h2>"What you need"</h2>
                <ul class="list">
                    <li>"your phone"</li>
                    <li>"an authenticator app on it, such as Google Authenticator or Microsoft Authenticator: they are free from your phone\u{2019}s app store"</li>
                </ul>
                <p>"Afterwards we give you 10 recovery codes to print or save, for when you cannot use your phone."</p>
                <form class="account-form" on:submit=start novalidate>
                {(!required).then(|| view! {
                    <TextField id="password-for-two-step" label="Your password" value=password errors kind="password" autocomplete="current-password"
                        hint="So no one else can set this up on your account."/>
                })}
                <div class="button-group">
                    <button type="submit" class="button" aria-disabled=move || pending.get().then_some("true")>
                        {move || if pending.get() { "Starting…" } else { "Start" }}
                    </button>
                    {if required {
                        view! { <button type="button" class="button secondary" on:click=move |_| session.end(Ended::SignedOut)>"Sign out"</button> }.into_any()
                    } else {
                        view! { <A href="/account" attr:class="button secondary">"Not now"</A> }.into_any()
                    }}
                </div>
                </form>
            }
            .into_any(),
            SetUp::Scan(secret) => view! { <Scan secret stage/> }.into_any(),
            SetUp::Codes(made) => {
                let session_info = made.session.clone();
                view! {
                    <div class="confirmation" role="status">
                        <h2>"Two-step sign-in is on"</h2>
                        <p>"From now on, after your password you will enter the code your app shows."</p>
                    </div>
                    <CodesToKeep codes=made.recovery_codes done=Callback::new(move |()| finished.run(session_info.clone()))/>
                }
                .into_any()
            }
        }}
    }
}

/// The secret as a QR code and as text, and the app's first code.
#[component]
fn Scan(secret: TwoStepSecret, stage: RwSignal<SetUp>) -> impl IntoView {
    let code = RwSignal::new(String::new());
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let pending = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        let Some(entered) = security_code(&code.get_untracked()) else {
            errors.set(vec![FieldError::on(
                "setup-code",
                "Enter the 6-digit code your authenticator app shows",
            )]);
            return;
        };
        pending.set(true);
        errors.set(Vec::new());
        spawn_local(async move {
            let outcome = api::confirm_two_step(&entered).await;
            if pending.is_disposed() {
                return;
            }
            pending.set(false);
            code.set(String::new());
            match outcome {
                Ok(made) => stage.set(SetUp::Codes(made)),
                Err(ApiError::InvalidCode) => errors.set(vec![FieldError::on(
                    "setup-code",
                    "That code is not right. Check the app shows this portal, then enter the code it shows now.",
                )]),
                Err(e) => errors.set(vec![FieldError::general(e.message())]),
            }
        });
    };
    let key = model::grouped(&secret.secret);
    view! {
        <ErrorSummary errors/>
        <h2>"1. Add this portal to your app"</h2>
        <p>"In your authenticator app, choose to add an account, then scan this QR code with your phone\u{2019}s camera."</p>
        <QrCode text=secret.uri.clone() label="QR code to add this portal to an authenticator app"/>
        <p>"If you cannot scan it, choose to enter a setup key in your app, and type this key (spaces do not matter):"</p>
        <p class="code-large setup-key"><bdi>{key}</bdi></p>
        <CopyButton text=secret.secret.clone() label="Copy the key"/>
        <h2>"2. Enter the code your app shows"</h2>
        <form class="form" novalidate on:submit=submit>
            <TextField id="setup-code" label="Security code" value=code errors autocomplete="one-time-code" inputmode="numeric"
                hint="6 digits. The code changes every 30 seconds." narrow=true/>
            <button type="submit" class="button" aria-disabled=move || pending.get().then_some("true")>
                {move || if pending.get() { "Checking…" } else { "Turn on two-step sign-in" }}
            </button>
        </form>
        <p><button type="button" class="link-button" on:click=move |_| stage.set(SetUp::Intro)>"Start again"</button></p>
    }
}

/// Recovery codes shown this once: a download, print, and a tick that they are kept.
#[component]
fn CodesToKeep(codes: Vec<String>, done: Callback<()>) -> impl IntoView {
    let info = Portal::expect();
    let session = Session::expect();
    let kept = RwSignal::new(false);
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let said = RwSignal::new(None::<&'static str>);
    let file = {
        let username = session
            .info
            .with_untracked(|s| s.as_ref().map(|s| s.user.username.clone()))
            .unwrap_or_default();
        let today = super::when_ms(js_sys::Date::now(), Style::Day);
        model::recovery_codes_file(&info.organization.name, &username, &today, &codes)
    };
    let download = move |_| {
        let saved = download::save(file.as_bytes(), "recovery-codes.txt");
        said.set(Some(if saved {
            "Downloaded: look for recovery-codes.txt in your downloads"
        } else {
            "Could not download: print the codes or write them down"
        }));
    };
    let go_on = move |_| {
        if kept.get_untracked() {
            done.run(());
        } else {
            errors.set(vec![FieldError::on(
                "codes-kept",
                "Tick the box once you have saved, printed or written down your codes",
            )]);
        }
    };
    view! {
        <h2>"Save your recovery codes"</h2>
        <p>"If you lose your phone, you can sign in with one of these codes instead. Each code works once."</p>
        <div class="warning-callout"><p><strong>"This is the only time we show these codes."</strong> " Keep them somewhere safe, away from your phone."</p></div>
        <ol class="recovery-codes">
            {codes.into_iter().map(|c| {
                let spoken = spoken(&c);
                view! { <li><code aria-label=spoken>{c}</code></li> }
            }).collect_view()}
        </ol>
        <div class="button-group no-print">
            <button type="button" class="button secondary" on:click=download>"Download as a file"</button>
            <button type="button" class="button secondary" on:click=move |_| { let _ = window().print(); }>"Print"</button>
        </div>
        <p class="copy-status no-print" role="status">{move || said.get()}</p>
        <div class="no-print">
            <ErrorSummary errors/>
            <Checkbox id="codes-kept" label="I have saved, printed or written down my recovery codes" value=kept/>
            <button type="button" class="button" on:click=go_on>"Continue"</button>
        </div>
    }
}

/// Two-step sign-in on the account page: where it stands, and what can be done about it.
#[component]
pub fn TwoStepSection(done: RwSignal<Option<String>>) -> impl IntoView {
    let state = RwSignal::new(Load::Loading);
    let reload = load_into(state, api::account_security);
    let asking = RwSignal::new(None::<WithPassword>);
    let fresh_codes = RwSignal::new(None::<Vec<String>>);
    let finished = Callback::new(move |(what, codes): (WithPassword, Option<Vec<String>>)| {
        asking.set(None);
        if what == WithPassword::TurnOff {
            done.set(Some("Two-step sign-in is off.".into()));
        } else {
            fresh_codes.set(codes);
        }
        reload.run(());
    });
    view! {
        <h2>"Two-step sign-in"</h2>
        {move || match state.get() {
            Load::Loading => view! { <Loading what="Loading how you sign in…"/> }.into_any(),
            Load::Failed(error) => view! { <LoadFailure error retry=reload compact=true/> }.into_any(),
            Load::Ready(AccountSecurity { two_step, second_factor_required }) => {
                let since = two_step.since.as_deref().map(|s| super::when(s, Style::Day));
                let status = model::two_step_status(two_step.on, since.as_deref(), two_step.recovery_codes_left);
                view! {
                    <p>{status}</p>
                    {move || fresh_codes.get().map(|codes| view! {
                        <CodesToKeep codes done=Callback::new(move |()| {
                            fresh_codes.set(None);
                            done.set(Some("Your new recovery codes are ready to use. The old ones no longer work.".into()));
                        })/>
                    })}
                    {if !two_step.on {
                        view! { <A href="/account/two-step" attr:class="button">"Set up two-step sign-in"</A> }.into_any()
                    } else {
                        view! {
                            {move || match asking.get() {
                                Some(what) => view! { <PasswordAgain what asking finished/> }.into_any(),
                                None if fresh_codes.with(Option::is_some) => ().into_any(),
                                None => view! {
                                    <div class="button-group">
                                        <button type="button" class="button secondary" on:click=move |_| asking.set(Some(WithPassword::NewCodes))>"Make new recovery codes"</button>
                                        {(!second_factor_required).then(|| view! {
                                            <button type="button" class="button secondary" on:click=move |_| asking.set(Some(WithPassword::TurnOff))>"Turn off two-step sign-in"</button>
                                        })}
                                    </div>
                                }.into_any(),
                            }}
                            {second_factor_required.then(|| view! {
                                <p>"Your hospital asks everyone to use two-step sign-in, so it cannot be turned off."</p>
                                <HelpDeskLine purpose="if you have a new phone and need to set it up again"/>
                            })}
                        }
                        .into_any()
                    }}
                }
                .into_any()
            }
        }}
    }
}
