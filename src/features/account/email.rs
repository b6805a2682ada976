//! Email: the address the portal writes to, and changing it (the new address and the password;
//! then the code sent to the new address; the old one is told); and what the patient is emailed
//! about when something new is added, with why those emails say so little.

use crate::api::types::{AccountEmail, EmailWaiting, NotificationChoices, Notifications};
use crate::api::{self, ApiError};
use crate::components::form::{
    Checkbox, Checkboxes, ErrorSummary, FieldError, TextField, looks_like_email,
    looks_like_emailed_code,
};
use crate::components::load::{Load, LoadFailure, Loading, load_into};
use leptos::prelude::*;
use leptos::task::spawn_local;

#[derive(Clone, PartialEq)]
enum Step {
    Showing,
    /// Typing a new address (kept when asking for a fresh code).
    Changing(String),
    Waiting(EmailWaiting),
}

#[component]
pub fn EmailSection() -> impl IntoView {
    // Said here, beside the address, not at the top of a long page.
    let done = RwSignal::new(None::<String>);
    let state = RwSignal::new(Load::Loading);
    let reload = load_into(state, api::account_email);
    let step = RwSignal::new(Step::Showing);
    // A change asked for before the page was reloaded still waits for its code: go to it.
    Effect::new(move |_| {
        if let Load::Ready(AccountEmail {
            waiting: Some(w), ..
        }) = state.get()
            && step.get_untracked() == Step::Showing
        {
            step.set(Step::Waiting(w));
        }
    });
    let changed = Callback::new(move |address: String| {
        step.set(Step::Showing);
        done.set(Some(format!(
            "Your email address is now {address}. We have told your old address about the change."
        )));
        reload.run(());
    });
    view! {
        <h2>"Your email address"</h2>
        <p role="status" class="done">{move || done.get()}</p>
        {move || match state.get() {
            Load::Loading => view! { <Loading what="Loading your email address…"/> }.into_any(),
            Load::Failed(error) => view! { <LoadFailure error retry=reload compact=true/> }.into_any(),
            Load::Ready(email) => match step.get() {
                Step::Showing => view! { <Showing email step/> }.into_any(),
                Step::Changing(typed) => view! { <NewAddress typed step/> }.into_any(),
                Step::Waiting(waiting) => view! { <CodeFromEmail waiting step changed/> }.into_any(),
            },
        }}
    }
}

#[component]
fn Showing(email: AccountEmail, step: RwSignal<Step>) -> impl IntoView {
    let has = email.address.is_some();
    view! {
        {match email.address {
            Some(address) => view! { <p>"We send emails to " <strong>{address}</strong> "."</p> }.into_any(),
            None => view! { <p>"You have not given us an email address, so we cannot email you."</p> }.into_any(),
        }}
        {if email.can_send {
            view! {
                <button type="button" class="button secondary" on:click=move |_| step.set(Step::Changing(String::new()))>
                    {if has { "Change your email address" } else { "Add an email address" }}
                </button>
            }
            .into_any()
        } else {
            view! { <p>"This portal cannot send email at the moment, so your address cannot be changed here. Call the help desk if you need to change it."</p> }.into_any()
        }}
    }
}

/// The new address and the password: a code goes to the address.
#[component]
fn NewAddress(typed: String, step: RwSignal<Step>) -> impl IntoView {
    let address = RwSignal::new(typed);
    let password = RwSignal::new(String::new());
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let pending = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        let (to, given) = (
            address.get_untracked().trim().to_string(),
            password.get_untracked(),
        );
        let mut problems = Vec::new();
        if to.is_empty() {
            problems.push(FieldError::on("new-email", "Enter your new email address"));
        } else if !looks_like_email(&to) {
            problems.push(FieldError::on(
                "new-email",
                "Enter an email address in the right format, like name@example.com",
            ));
        }
        if given.is_empty() {
            problems.push(FieldError::on("password-for-email", "Enter your password"));
        }
        errors.set(problems);
        if !errors.with_untracked(Vec::is_empty) {
            return;
        }
        pending.set(true);
        spawn_local(async move {
            let outcome = api::change_email(&to, &given).await;
            if pending.is_disposed() {
                return;
            }
            pending.set(false);
            password.set(String::new());
            match outcome {
                Ok(sent) => step.set(Step::Waiting(sent.waiting)),
                Err(e) => errors.set(vec![match e {
                    ApiError::InvalidCredentials => {
                        FieldError::on("password-for-email", "Your password is not right")
                    }
                    ApiError::Refused {
                        status: 400 | 409,
                        title: Some(t),
                    } => FieldError::on("new-email", t),
                    ApiError::TooManyAttempts { .. } => FieldError::general(
                        "You have asked for several codes in the last hour. Wait an hour, then try again.",
                    ),
                    e => FieldError::general(e.message()),
                }]),
            }
        });
    };
    view! {
        <form class="account-form" on:submit=submit novalidate>
            <ErrorSummary errors/>
            <TextField id="new-email" label="Your new email address" value=address errors kind="email" autocomplete="email"
                hint="We will send a code to it, to check it is yours."/>
            <TextField id="password-for-email" label="Your password" value=password errors kind="password" autocomplete="current-password"/>
            <div class="button-group">
                <button type="submit" class="button" aria-disabled=move || pending.get().then_some("true")>
                    {move || if pending.get() { "Sending the code…" } else { "Send the code" }}
                </button>
                <button type="button" class="button secondary" on:click=move |_| step.set(Step::Showing)>"Cancel"</button>
            </div>
        </form>
    }
}

/// The code from the email sent to the new address.
#[component]
fn CodeFromEmail(
    waiting: EmailWaiting,
    step: RwSignal<Step>,
    changed: Callback<String>,
) -> impl IntoView {
    let code = RwSignal::new(String::new());
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let pending = RwSignal::new(false);
    let to = waiting.address.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        let typed = code.get_untracked();
        let problem = if typed.trim().is_empty() {
            Some("Enter the code from the email")
        } else if !looks_like_emailed_code(&typed) {
            Some("The code is 12 letters and numbers, like K7Q2-9XMD-4TPA")
        } else {
            None
        };
        if let Some(p) = problem {
            errors.set(vec![FieldError::on("email-code", p)]);
            return;
        }
        errors.set(Vec::new());
        pending.set(true);
        spawn_local(async move {
            let outcome = api::confirm_email(&typed).await;
            if pending.is_disposed() {
                return;
            }
            pending.set(false);
            match outcome {
                Ok(done) => changed.run(done.address),
                Err(ApiError::InvalidCode) => errors.set(vec![FieldError::on(
                    "email-code",
                    "That code is not right. Check the email and try again.",
                )]),
                Err(e) => errors.set(vec![FieldError::general(e.message())]),
            }
        });
    };
    let again = waiting.address.clone();
    view! {
        <form class="account-form" on:submit=submit novalidate>
            <ErrorSummary errors/>
            <div class="inset">
                <p>"We have sent a code to " <strong>{to}</strong> ". It works for 30 minutes."</p>
                <p>"If it has not arrived in a few minutes, look in your junk or spam folder."</p>
            </div>
            <TextField id="email-code" label="The code from the email" value=code errors
                autocomplete="one-time-code" hint="For example, K7Q2-9XMD-4TPA" narrow=true/>
            <div class="button-group">
                <button type="submit" class="button" aria-disabled=move || pending.get().then_some("true")>
                    {move || if pending.get() { "Checking the code…" } else { "Confirm my new address" }}
                </button>
                <button type="button" class="button secondary" on:click=move |_| step.set(Step::Changing(again.clone()))>
                    "Send a new code"
                </button>
            </div>
        </form>
    }
}

/// What the account is emailed about, per kind, and about whose records.
#[component]
pub fn NotificationsSection() -> impl IntoView {
    let state = RwSignal::new(Load::Loading);
    let reload = load_into(state, api::notifications);
    view! {
        <h2>"Emails about new information"</h2>
        <p>"We can email you when something new is added, so you know to sign in and look."</p>
        <div class="inset">
            <p>"The email only says that there is something new. It never says what it is, because anyone who can read your email could see it."</p>
        </div>
        {move || match state.get() {
            Load::Loading => view! { <Loading what="Loading your email choices…"/> }.into_any(),
            Load::Failed(error) => view! { <LoadFailure error retry=reload compact=true/> }.into_any(),
            Load::Ready(now) => view! { <Choices now/> }.into_any(),
        }}
    }
}

/// The kinds of new information, as the form's options: (id, label).
const KINDS: [(&str, &str); 5] = [
    ("results", "Test result"),
    ("letters", "Letter"),
    ("documents", "Document, such as a discharge summary"),
    ("appointments", "Appointment"),
    ("messages", "Reply to a message"),
];

#[component]
fn Choices(now: Notifications) -> impl IntoView {
    let saved = RwSignal::new(false);
    let c = now.choices;
    let own = now.has_own_record;
    // Without a record of their own, the kinds are about the people they act for, so a kind is
    // only on when those emails are.
    let on = |kind: bool| kind && (own || c.others_records);
    let kinds = RwSignal::new(
        [
            ("results", c.results),
            ("letters", c.letters),
            ("documents", c.documents),
            ("appointments", c.appointments),
            ("messages", c.messages),
        ]
        .into_iter()
        .filter(|(_, chosen)| on(*chosen))
        .map(|(id, _)| id.to_string())
        .collect::<Vec<_>>(),
    );
    let others = RwSignal::new(c.others_records);
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let pending = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        let chosen = kinds.with_untracked(|k| {
            let has = |id: &str| k.iter().any(|c| c == id);
            NotificationChoices {
                results: has("results"),
                documents: has("documents"),
                letters: has("letters"),
                appointments: has("appointments"),
                messages: has("messages"),
                others_records: if own {
                    others.get_untracked()
                } else {
                    !k.is_empty()
                },
            }
        });
        pending.set(true);
        saved.set(false);
        errors.set(Vec::new());
        spawn_local(async move {
            let outcome = api::choose_notifications(chosen).await;
            if pending.is_disposed() {
                return;
            }
            pending.set(false);
            match outcome {
                Ok(_) => saved.set(true),
                Err(e) => errors.set(vec![FieldError::general(e.message())]),
            }
        });
    };
    let legend = if own {
        "Email me when I have a new:"
    } else {
        "Email me when someone I act for has a new:"
    };
    let options = KINDS
        .iter()
        .map(|(id, label)| (id.to_string(), label.to_string()))
        .collect();
    view! {
        <form class="account-form" on:submit=submit novalidate>
            <ErrorSummary errors/>
            <Checkboxes id="notify-kinds" legend hint="Untick them all to get none of these emails." options value=kinds errors/>
            {(own && now.acts_for_others).then(|| view! {
                <Checkbox id="notify-others" value=others label="Also email me about the people I act for"
                    hint="Only about what you can see in their record."/>
            })}
            <p>"We send at most one email an hour, to your email address above."</p>
            <button type="submit" class="button" aria-disabled=move || pending.get().then_some("true")>
                {move || if pending.get() { "Saving…" } else { "Save my email choices" }}
            </button>
            // Beside the button pressed, so it is seen on a phone.
            <p role="status" class="done">{move || saved.get().then_some("Your email choices are saved.")}</p>
        </form>
    }
}
