//! "Your account": the devices signed in to it (sign out any, or all others), two-step sign-in,
//! a new password, the email address and what is emailed, what to do if someone else is using
//! it, and closing it; and setting up two-step sign-in.
//! Its own download (`chunks::account_screen`).

mod email;
pub mod model;
mod passkeys;
mod password_again;
pub mod two_step;

use crate::api::{self, ApiError, types::SignedInSession};
use crate::components::clock::{Style, format_moment};
use crate::components::form::{Checkbox, ErrorSummary, FieldError, TextField};
use crate::components::load::{Load, LoadFailure, Loading, load_into};
use crate::components::page::PageHeading;
use crate::fhir::date::FhirDate;
use crate::session::{Ended, Portal, Session};
use leptos::prelude::*;
use leptos::task::spawn_local;
use model::Field;
use password_again::{PasswordAgain, WithPassword};

#[component]
pub fn AccountPage() -> impl IntoView {
    let done = RwSignal::new(None::<String>);
    view! {
        <PageHeading text="Your account"/>
        <p class="lead">"Keep your account safe: see where you are signed in, how you sign in, change your password or email address, and choose what we email you about."</p>
        <p role="status" class="done">{move || done.get()}</p>
        <Devices done/>
        <passkeys::PasskeysSection done/>
        <two_step::TwoStepSection done/>
        <ChangePassword done/>
        <email::EmailSection/>
        <email::NotificationsSection/>
        <Compromised/>
        <CloseAccount/>
    }
}

/// When, as the hospital's clock says it.
fn when(iso: &str, style: Style) -> String {
    FhirDate::parse(iso)
        .and_then(|d| d.epoch_ms())
        .map(|ms| when_ms(ms, style))
        .unwrap_or_default()
}

fn when_ms(ms: f64, style: Style) -> String {
    let info = Portal::expect();
    format_moment(ms, &info.locale, &info.time_zone, style)
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
                                    <p>{format!("Signed in {}. Last used {}.", when(&s.signed_in_at, Style::DateTime), when(&s.last_active_at, Style::DateTime))}</p>
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

/// One password form's boxes, their errors, and whether it is being sent: the same for changing
/// a password and for securing the account, each with its own element ids.
#[derive(Clone, Copy)]
struct PasswordForm {
    ids: [&'static str; 3],
    current: RwSignal<String>,
    new: RwSignal<String>,
    again: RwSignal<String>,
    errors: RwSignal<Vec<FieldError>>,
    pending: RwSignal<bool>,
}

impl PasswordForm {
    fn new(ids: [&'static str; 3]) -> Self {
        Self {
            ids,
            current: RwSignal::new(String::new()),
            new: RwSignal::new(String::new()),
            again: RwSignal::new(String::new()),
            errors: RwSignal::new(Vec::new()),
            pending: RwSignal::new(false),
        }
    }

    fn id(self, field: Field) -> &'static str {
        self.ids[field as usize]
    }

    /// The current and new passwords to send, once nothing is missing and the form is not
    /// already being sent; otherwise what is wrong, on its box.
    fn to_send(self) -> Option<(String, String)> {
        if self.pending.get_untracked() {
            return None;
        }
        let (c, n, a) = (
            self.current.get_untracked(),
            self.new.get_untracked(),
            self.again.get_untracked(),
        );
        let problems = model::password_problems(&c, &n, &a)
            .into_iter()
            .map(|(field, message)| (self.id(field), message))
            .collect();
        self.errors.set(FieldError::each_on(problems));
        self.errors.with_untracked(Vec::is_empty).then(|| {
            self.pending.set(true);
            (c, n)
        })
    }

    /// The portal's answer is in: whether the form is still on the page to take it.
    fn answered(self) -> bool {
        if self.pending.is_disposed() {
            return false;
        }
        self.pending.set(false);
        true
    }

    /// A refusal, on the box it is about.
    fn refused(self, e: ApiError) {
        let error = match e {
            ApiError::InvalidCredentials => FieldError::on(
                self.id(Field::Current),
                "Your current password is not right",
            ),
            ApiError::Refused {
                status: 400,
                title: Some(title),
            } => FieldError::on(self.id(Field::New), title),
            other => FieldError::general(other.message()),
        };
        self.errors.set(vec![error]);
    }

    fn clear(self) {
        for field in [self.current, self.new, self.again] {
            field.set(String::new());
        }
    }
}

const NEW_PASSWORD_HINT: &str = "At least 10 characters. Three or four random words make a password that is strong and easy to remember.";

/// A password form's error summary and its three boxes.
#[component]
fn PasswordInputs(
    form: PasswordForm,
    new_label: &'static str,
    again_label: &'static str,
) -> impl IntoView {
    let PasswordForm {
        ids,
        current,
        new,
        again,
        errors,
        ..
    } = form;
    view! {
        <ErrorSummary errors/>
        <TextField id=ids[0] label="Your current password" value=current errors kind="password" autocomplete="current-password"/>
        <TextField id=ids[1] label=new_label value=new errors kind="password" autocomplete="new-password" hint=NEW_PASSWORD_HINT/>
        <TextField id=ids[2] label=again_label value=again errors kind="password" autocomplete="new-password"/>
    }
}

#[component]
fn ChangePassword(done: RwSignal<Option<String>>) -> impl IntoView {
    let session = Session::expect();
    let form = PasswordForm::new(["current-password", "new-password", "new-password-again"]);
    let keep = RwSignal::new(true);
    let pending = form.pending;
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some((current, new)) = form.to_send() else {
            return;
        };
        let stay = keep.get_untracked();
        spawn_local(async move {
            let outcome = api::change_password(&current, &new, stay).await;
            if !form.answered() {
                return;
            }
            match outcome {
                Ok(()) if stay => {
                    form.clear();
                    done.set(Some(
                        "Your password is changed. Every other device is signed out.".into(),
                    ));
                }
                Ok(()) => session.end(Ended::PasswordChanged),
                Err(e) => form.refused(e),
            }
        });
    };
    view! {
        <h2>"Change your password"</h2>
        <form class="account-form" on:submit=submit novalidate>
            <PasswordInputs form new_label="Your new password" again_label="Your new password again"/>
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
    let form = PasswordForm::new(["secure-current", "secure-new", "secure-new-again"]);
    let pending = form.pending;
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some((current, new)) = form.to_send() else {
            return;
        };
        spawn_local(async move {
            let outcome = api::report_compromise(&current, &new).await;
            if !form.answered() {
                return;
            }
            match outcome {
                Ok(()) => session.end(Ended::Secured),
                Err(e) => form.refused(e),
            }
        });
    };
    view! {
        <h2>"If you think someone else is using your account"</h2>
        <p>"We will sign you out on every device, including this one, change your password, remove your passkeys, and tell the help desk so they can check your account. If two-step sign-in was turned on recently, we turn it off too, in case it was not you. You will then sign in again with your new password."</p>
        {move || if open.get() {
            view! {
                <form class="account-form" on:submit=submit novalidate>
                    <PasswordInputs form new_label="A new password" again_label="The new password again"/>
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

/// "Close my account": what happens first, then the password, then signed out everywhere.
#[component]
fn CloseAccount() -> impl IntoView {
    let session = Session::expect();
    let asking = RwSignal::new(None::<WithPassword>);
    let finished = Callback::new(move |_| session.end(Ended::AccountClosed));
    view! {
        <h2>"Close your account"</h2>
        <p>"You can stop using this portal at any time. Closing your account:"</p>
        <ul class="list">
            <li>"signs you out on every device, and you cannot sign in again"</li>
            <li>"does not delete your medical record: the hospital keeps it, as it must by law"</li>
            <li>"does not change your care in any way"</li>
        </ul>
        <p>"You may want to " <a href="/record/summary">"download a copy of your record"</a> " first, from your record\u{2019}s summary page. If you change your mind later, call the help desk."</p>
        {move || match asking.get() {
            Some(what) => view! { <PasswordAgain what asking finished/> }.into_any(),
            None => view! {
                <button type="button" class="button secondary" on:click=move |_| asking.set(Some(WithPassword::CloseAccount))>"Close my account"</button>
            }
            .into_any(),
        }}
    }
}
