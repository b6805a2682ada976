//! "Your account": the devices signed in to it (sign out any, or all others), a new password,
//! and what to do if someone else is using it. Its own download (`chunks::account_screen`).

pub mod model;

use crate::api::{self, ApiError, types::SignedInSession};
use crate::components::clock::{Style, format_moment};
use crate::components::form::{Checkbox, ErrorSummary, FieldError, TextField};
use crate::components::load::{Load, LoadFailure, Loading, load_into};
use crate::components::page::PageHeading;
use crate::fhir::date::FhirDate;
use crate::session::{Ended, Portal, Session};
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn AccountPage() -> impl IntoView {
    let done = RwSignal::new(None::<String>);
    view! {
        <PageHeading text="Your account"/>
        <p class="lead">"Keep your account safe: see where you are signed in, and change your password."</p>
        <p role="status" class="done">{move || done.get()}</p>
        <Devices done/>
        <ChangePassword done/>
        <Compromised/>
    }
}

/// When, as the hospital's clock says it.
fn moment(iso: &str) -> String {
    let info = Portal::expect();
    FhirDate::parse(iso)
        .and_then(|d| d.epoch_ms())
        .map(|ms| format_moment(ms, &info.locale, &info.time_zone, Style::DateTime))
        .unwrap_or_default()
}

#[component]
fn Devices(done: RwSignal<Option<String>>) -> impl IntoView {
    let state = RwSignal::new(Load::Loading);
    let reload = load_into(state, api::account_sessions);
    let problem = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let run =
        move |work: std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), ApiError>>>>,
              said: &'static str| {
            busy.set(true);
            problem.set(None);
            spawn_local(async move {
                let outcome = work.await;
                if busy.is_disposed() {
                    return;
                }
                busy.set(false);
                match outcome {
                    Ok(()) => {
                        done.set(Some(said.into()));
                        reload.run(());
                    }
                    Err(e) => problem.set(Some(e.message())),
                }
            });
        };
    view! {
        <h2>"Where you are signed in"</h2>
        {move || problem.get().map(|p| view! { <div class="error-callout" role="alert"><p>{p}</p></div> })}
        {move || match state.get() {
            Load::Loading => view! { <Loading what="Loading where you are signed in…"/> }.into_any(),
            Load::Failed(error) => view! { <LoadFailure error retry=reload compact=true/> }.into_any(),
            Load::Ready(list) => {
                let others = list.sessions.iter().filter(|s| !s.current).count();
                view! {
                    <ul class="card-list">
                        {list.sessions.into_iter().map(|s: SignedInSession| {
                            let id = s.id.clone();
                            view! {
                                <li class="card device-card">
                                    <p class="card-title">
                                        {model::device_name(s.user_agent.as_deref())}
                                        {s.current.then(|| view! { <span class="tag">"This device"</span> })}
                                    </p>
                                    <p>{format!("Signed in {}. Last used {}.", moment(&s.signed_in_at), moment(&s.last_active_at))}</p>
                                    {(!s.current).then(|| view! {
                                        <button type="button" class="button secondary"
                                            aria-disabled=move || busy.get().then_some("true")
                                            on:click=move |_| if !busy.get_untracked() {
                                                let id = id.clone();
                                                run(Box::pin(async move { api::end_session(&id).await }), "That device is signed out.");
                                            }>
                                            "Sign out this device"
                                        </button>
                                    })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                    {(others > 0).then(|| view! {
                        <button type="button" class="button secondary"
                            aria-disabled=move || busy.get().then_some("true")
                            on:click=move |_| if !busy.get_untracked() {
                                run(Box::pin(api::end_other_sessions()), "Every other device is signed out.");
                            }>
                            "Sign out all other devices"
                        </button>
                    })}
                }
                .into_any()
            }
        }}
    }
}

/// A refusal, on the field it is about.
fn password_error(e: ApiError) -> FieldError {
    match e {
        ApiError::InvalidCredentials => {
            FieldError::on("current-password", "Your current password is not right")
        }
        ApiError::Refused {
            status: 400,
            title: Some(title),
        } => FieldError::on("new-password", title),
        other => FieldError::general(other.message()),
    }
}

#[component]
fn ChangePassword(done: RwSignal<Option<String>>) -> impl IntoView {
    let session = Session::expect();
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let again = RwSignal::new(String::new());
    let keep = RwSignal::new(true);
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let pending = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        let (c, n, a) = (
            current.get_untracked(),
            new.get_untracked(),
            again.get_untracked(),
        );
        errors.set(FieldError::each_on(model::password_problems(&c, &n, &a)));
        if !errors.with_untracked(Vec::is_empty) {
            return;
        }
        pending.set(true);
        let stay = keep.get_untracked();
        spawn_local(async move {
            let outcome = api::change_password(&c, &n, stay).await;
            if pending.is_disposed() {
                return;
            }
            pending.set(false);
            match outcome {
                Ok(()) if stay => {
                    for field in [current, new, again] {
                        field.set(String::new());
                    }
                    done.set(Some(
                        "Your password is changed. Every other device is signed out.".into(),
                    ));
                }
                Ok(()) => session.end(Ended::PasswordChanged),
                Err(e) => errors.set(vec![password_error(e)]),
            }
        });
    };
    view! {
        <h2>"Change your password"</h2>
        <form class="account-form" on:submit=submit novalidate>
            <ErrorSummary errors/>
            <TextField id="current-password" label="Your current password" value=current errors kind="password" autocomplete="current-password"/>
            <TextField id="new-password" label="Your new password" value=new errors kind="password" autocomplete="new-password"
                hint="At least 10 characters. Three or four random words make a password that is strong and easy to remember."/>
            <TextField id="new-password-again" label="Your new password again" value=again errors kind="password" autocomplete="new-password"/>
            <Checkbox id="keep-signed-in" label="Stay signed in on this device" hint="Every other device is signed out either way." value=keep/>
            <button type="submit" class="button" aria-disabled=move || pending.get().then_some("true")>
                {move || if pending.get() { "Changing your password…" } else { "Change my password" }}
            </button>
        </form>
    }
}

#[component]
fn Compromised() -> impl IntoView {
    let session = Session::expect();
    let open = RwSignal::new(false);
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let again = RwSignal::new(String::new());
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let pending = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        let (c, n, a) = (
            current.get_untracked(),
            new.get_untracked(),
            again.get_untracked(),
        );
        let problems: Vec<_> = model::password_problems(&c, &n, &a)
            .into_iter()
            .map(|(field, message)| {
                (
                    match field {
                        "current-password" => "secure-current",
                        "new-password" => "secure-new",
                        _ => "secure-new-again",
                    },
                    message,
                )
            })
            .collect();
        errors.set(FieldError::each_on(problems));
        if !errors.with_untracked(Vec::is_empty) {
            return;
        }
        pending.set(true);
        spawn_local(async move {
            let outcome = api::report_compromise(&c, &n).await;
            if pending.is_disposed() {
                return;
            }
            pending.set(false);
            match outcome {
                Ok(()) => session.end(Ended::Secured),
                Err(e) => errors.set(vec![match password_error(e) {
                    FieldError {
                        field: Some("current-password"),
                        message,
                    } => FieldError::on("secure-current", message),
                    FieldError {
                        field: Some("new-password"),
                        message,
                    } => FieldError::on("secure-new", message),
                    other => other,
                }]),
            }
        });
    };
    view! {
        <h2>"If you think someone else is using your account"</h2>
        <p>"We will sign you out on every device, including this one, change your password, and tell the help desk so they can check your account. You will then sign in again with your new password."</p>
        {move || if open.get() {
            view! {
                <form class="account-form" on:submit=submit novalidate>
                    <ErrorSummary errors/>
                    <TextField id="secure-current" label="Your current password" value=current errors kind="password" autocomplete="current-password"/>
                    <TextField id="secure-new" label="A new password" value=new errors kind="password" autocomplete="new-password"
                        hint="At least 10 characters. Three or four random words make a password that is strong and easy to remember."/>
                    <TextField id="secure-new-again" label="The new password again" value=again errors kind="password" autocomplete="new-password"/>
                    <div class="button-group">
                        <button type="submit" class="button danger" aria-disabled=move || pending.get().then_some("true")>
                            {move || if pending.get() { "Securing your account…" } else { "Sign out everywhere and change my password" }}
                        </button>
                        <button type="button" class="button secondary" on:click=move |_| open.set(false)>"Cancel"</button>
                    </div>
                </form>
            }
            .into_any()
        } else {
            view! {
                <button type="button" class="button secondary" on:click=move |_| open.set(true)>"Secure my account"</button>
            }
            .into_any()
        }}
    }
}
