//! Accepting an invitation with the code from its email: signed in, in one step; without a
//! sign-in, by signing in first (the code is kept while they do) or by making one here.

use crate::api::{self, ApiError};
use crate::components::form::{ErrorSummary, FieldError, TextField, looks_like_emailed_code};
use crate::components::page::PageHeading;
use crate::route_guard::record_path;
use crate::session::Session;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;

fn code_problem(code: &str) -> Option<FieldError> {
    if code.trim().is_empty() {
        Some(FieldError::on(
            "invitation-code",
            "Enter the code from your email",
        ))
    } else if !looks_like_emailed_code(code) {
        Some(FieldError::on(
            "invitation-code",
            "The code is 12 letters and numbers, like K7Q2-9XMD-4TPA",
        ))
    } else {
        None
    }
}

/// What a refusal means here, said on the field it is about.
fn refusal(e: ApiError) -> FieldError {
    match e {
        ApiError::InvitationNotValid => FieldError::on("invitation-code", e.message()),
        ApiError::UsernameTaken => FieldError::on("new-username", e.message()),
        ApiError::Refused { title: Some(t), .. } => FieldError::general(t),
        e => FieldError::general(e.message()),
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Step {
    Code,
    NewAccount,
}

#[component]
pub fn AcceptInvitationPage() -> impl IntoView {
    let session = Session::expect();
    let navigate = use_navigate();
    let code = session.invitation_code;
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let pending = RwSignal::new(false);
    let step = RwSignal::new(Step::Code);
    let display_name = RwSignal::new(String::new());
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let signed_in = move || session.info.with(Option::is_some);

    let go = navigate.clone();
    let accept = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        if let Some(problem) = code_problem(&code.get_untracked()) {
            errors.set(vec![problem]);
            return;
        }
        errors.set(Vec::new());
        pending.set(true);
        let go = go.clone();
        spawn_local(async move {
            let outcome = api::accept_invitation(&code.get_untracked()).await;
            if pending.is_disposed() {
                return;
            }
            pending.set(false);
            match outcome {
                Ok(patient) => {
                    code.set(String::new());
                    go(&record_path(&patient, "summary"), Default::default());
                }
                Err(e) => errors.set(vec![refusal(e)]),
            }
        });
    };
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        let mut problems: Vec<FieldError> =
            code_problem(&code.get_untracked()).into_iter().collect();
        if display_name.get_untracked().trim().is_empty() {
            problems.push(FieldError::on("new-name", "Enter your full name"));
        }
        if username.get_untracked().trim().chars().count() < 3 {
            problems.push(FieldError::on(
                "new-username",
                "Choose a username of at least 3 characters",
            ));
        }
        if password.get_untracked().chars().count() < 10 {
            problems.push(FieldError::on(
                "new-password",
                "Choose a password of at least 10 characters",
            ));
        }
        if !problems.is_empty() {
            errors.set(problems);
            return;
        }
        errors.set(Vec::new());
        pending.set(true);
        let go = navigate.clone();
        spawn_local(async move {
            let outcome = api::accept_invitation_new(
                &code.get_untracked(),
                display_name.get_untracked().trim(),
                username.get_untracked().trim(),
                &password.get_untracked(),
            )
            .await;
            if pending.is_disposed() {
                return;
            }
            pending.set(false);
            match outcome {
                Ok(info) => {
                    code.set(String::new());
                    password.set(String::new());
                    session.info.set(Some(info));
                    // The terms of use come first, then the record they were invited to.
                    go("/record", Default::default());
                }
                Err(e) => {
                    password.set(String::new());
                    errors.set(vec![refusal(e)]);
                }
            }
        });
    };

    view! {
        <PageHeading text="Accept an invitation"/>
        <p class="lead">"Someone has invited you to see their record. Enter the code from the email they had sent to you."</p>
        <ErrorSummary errors/>
        {move || if signed_in() {
            view! {
                <form class="form" novalidate on:submit=accept.clone()>
                    <TextField id="invitation-code" label="Invitation code" value=code errors
                        autocomplete="one-time-code" hint="For example, K7Q2-9XMD-4TPA" narrow=true/>
                    <button type="submit" class="button" aria-disabled=move || pending.get().then_some("true")>
                        {move || if pending.get() { "Checking…" } else { "Accept the invitation" }}
                    </button>
                </form>
            }
            .into_any()
        } else {
            view! {
                <form class="form" novalidate on:submit=create.clone()>
                    <TextField id="invitation-code" label="Invitation code" value=code errors
                        autocomplete="one-time-code" hint="For example, K7Q2-9XMD-4TPA" narrow=true/>
                    {move || match step.get() {
                        Step::Code => view! {
                            <h2 class="heading-small">"Do you have a sign-in for this portal?"</h2>
                            <div class="button-group">
                                <A href="/sign-in?next=%2Finvitation" attr:class="button">"Yes, sign in"</A>
                                <button type="button" class="button secondary" on:click=move |_| step.set(Step::NewAccount)>
                                    "No, make a sign-in"
                                </button>
                            </div>
                        }
                        .into_any(),
                        Step::NewAccount => view! {
                            <h2 class="heading-small">"Make a sign-in"</h2>
                            <TextField id="new-name" label="Your full name" value=display_name errors autocomplete="name"/>
                            <TextField id="new-username" label="Choose a username" value=username errors autocomplete="username"
                                hint="3 or more letters or numbers. You will use it to sign in."/>
                            <TextField id="new-password" label="Choose a password" value=password errors kind="password"
                                autocomplete="new-password" hint="At least 10 characters. A few words you will remember works well."/>
                            <button type="submit" class="button" aria-disabled=move || pending.get().then_some("true")>
                                {move || if pending.get() { "Making your sign-in…" } else { "Make my sign-in and accept" }}
                            </button>
                        }
                        .into_any(),
                    }}
                </form>
            }
            .into_any()
        }}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_taken_however_they_are_typed_and_refused_when_they_cannot_be_one() {
        assert!(looks_like_emailed_code("K7Q2-9XMD-4TPA"));
        assert!(looks_like_emailed_code("k7q2 9xmd 4tpa"));
        assert!(code_problem("").is_some());
        assert!(code_problem("K7Q2-9XMD").is_some());
        assert!(code_problem("K7Q2-9XMD-4TP!").is_some());
        assert!(code_problem("k7q29xmd4tpa").is_none());
    }
}
