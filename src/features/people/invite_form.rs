//! Inviting someone: the invitations still waiting (each can be withdrawn), the form, a check of
//! the answers, and then the email goes.

use super::invite::{self, Draft, RELATIONSHIPS};
use crate::api::{self, types::Invitations, types::NewInvitation};
use crate::components::clock::now_iso;
use crate::components::form::{Checkbox, ErrorSummary, FieldError, Radios, TextField};
use crate::components::load::{Load, LoadFailure, Loading, load_into};
use crate::fhir::date::FhirDate;
use crate::session::Portal;
use leptos::prelude::*;
use leptos::task::spawn_local;

#[derive(Clone, Copy, PartialEq)]
enum Step {
    Closed,
    Form,
    Check,
    Sending,
}

fn date(text: &str, locale: &str) -> String {
    FhirDate::parse(text).map_or_else(|| text.to_string(), |d| d.display(locale))
}

#[component]
pub fn InviteSection(done: RwSignal<Option<String>>) -> impl IntoView {
    let state = RwSignal::new(Load::Loading);
    let reload = load_into(state, api::invitations);
    view! {
        <section class="invite" aria-labelledby="invite-title">
            <h2 id="invite-title">"Let someone else see your record"</h2>
            <p>"You can invite an adult you trust, such as a carer or a relative, to see your record through their own account. We email them a code to accept. The email says you invited them and nothing about your health."</p>
            {move || match state.get() {
                Load::Loading => view! { <Loading what="Loading your invitations…"/> }.into_any(),
                Load::Failed(error) => view! { <LoadFailure error retry=reload compact=true/> }.into_any(),
                Load::Ready(options) => view! { <Invitations options reload done/> }.into_any(),
            }}
        </section>
    }
}

#[component]
fn Invitations(
    options: Invitations,
    reload: Callback<()>,
    done: RwSignal<Option<String>>,
) -> impl IntoView {
    let locale = Portal::expect().locale.clone();
    let problem = RwSignal::new(None::<String>);
    let pending = options.invitations.clone();
    let cancel = move |id: i64, name: String| {
        problem.set(None);
        spawn_local(async move {
            match api::cancel_invitation(id).await {
                Ok(()) => {
                    done.set(Some(format!(
                        "The invitation to {name} is withdrawn. Its code no longer works."
                    )));
                    reload.run(());
                }
                Err(e) => {
                    if !problem.is_disposed() {
                        problem.set(Some(e.message()));
                    }
                }
            }
        });
    };
    view! {
        {move || problem.get().map(|p| view! { <div class="error-callout" role="alert"><p>{p}</p></div> })}
        {(!pending.is_empty()).then(|| view! {
            <ul class="card-list">
                {pending.into_iter().map(|i| {
                    let name = i.name.clone();
                    let expires = date(i.expires_at.get(..10).unwrap_or_default(), &locale);
                    view! {
                        <li class="card pending-invitation">
                            <h3 class="card-title"><bdi>{format!("{} ({})", i.name, invite::relationship_words(&i.relationship).to_lowercase())}</bdi></h3>
                            <p>"Invited by email to " <bdi>{i.email.clone()}</bdi> ". Not accepted yet."</p>
                            <p>{format!("The code works until {expires}.")}</p>
                            <button type="button" class="button secondary" on:click=move |_| cancel(i.id, name.clone())>
                                "Withdraw the invitation"
                            </button>
                        </li>
                    }
                }).collect_view()}
            </ul>
        })}
        {if options.can_send {
            view! { <InviteForm options reload done/> }.into_any()
        } else {
            view! { <p>"Invitations cannot be sent from this portal at the moment. Call the help desk to arrange access for someone."</p> }.into_any()
        }}
    }
}

#[component]
fn InviteForm(
    options: Invitations,
    reload: Callback<()>,
    done: RwSignal<Option<String>>,
) -> impl IntoView {
    let locale = Portal::expect().locale.clone();
    let step = RwSignal::new(Step::Closed);
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let name = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let relationship = RwSignal::new(String::new());
    let level = RwSignal::new(String::new());
    let until = RwSignal::new(String::new());
    let ends_on = RwSignal::new(String::new());
    let keep_sensitive = RwSignal::new(false);
    let asked = RwSignal::new(None::<NewInvitation>);
    let draft = move || Draft {
        name: name.get_untracked(),
        email: email.get_untracked(),
        relationship: relationship.get_untracked(),
        level: level.get_untracked(),
        has_end: until.get_untracked() == "date",
        ends_on: ends_on.get_untracked(),
        keep_sensitive: keep_sensitive.get_untracked(),
    };
    let to_check = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let today = now_iso().get(..10).unwrap_or_default().to_string();
        match invite::check(&draft(), &today) {
            Ok(invitation) => {
                errors.set(Vec::new());
                asked.set(Some(invitation));
                step.set(Step::Check);
            }
            Err(problems) => errors.set(FieldError::each_on(problems)),
        }
    };
    let send = move |_| {
        let Some(invitation) = asked.get_untracked() else {
            return;
        };
        if step.get_untracked() == Step::Sending {
            return;
        }
        step.set(Step::Sending);
        spawn_local(async move {
            let outcome = api::invite(&invitation).await;
            if step.is_disposed() {
                return;
            }
            match outcome {
                Ok(()) => {
                    done.set(Some(format!(
                        "We have emailed an invitation to {}. It works for 7 days.",
                        invitation.name
                    )));
                    reload.run(());
                }
                Err(e) => {
                    // What they typed is kept: back to the answers, with what went wrong.
                    step.set(Step::Check);
                    errors.set(vec![FieldError::general(e.message())]);
                }
            }
        });
    };
    let levels: Vec<(String, String, Option<String>)> = options
        .levels
        .iter()
        .map(|l| {
            (
                l.id.clone(),
                l.name.clone().unwrap_or_else(|| l.id.clone()),
                l.description.clone(),
            )
        })
        .collect();
    let level_names = levels.clone();
    let relationships: Vec<(String, String, Option<String>)> = RELATIONSHIPS
        .iter()
        .filter(|(id, _)| options.relationships.iter().any(|r| r == id))
        .map(|(id, words)| (id.to_string(), words.to_string(), None))
        .collect();
    move || {
        match step.get() {
        Step::Closed => view! {
            <button type="button" class="button" on:click=move |_| step.set(Step::Form)>"Invite someone"</button>
        }
        .into_any(),
        Step::Form => view! {
            <ErrorSummary errors/>
            <form class="form" novalidate on:submit=to_check>
                <TextField id="invite-name" label="Their full name" value=name errors autocomplete="off"/>
                <TextField id="invite-email" label="Their email address" value=email errors kind="email" autocomplete="off"
                    hint="We send the invitation here."/>
                <Radios id="invite-relationship" legend="Who are they to you?" options=relationships.clone() value=relationship errors/>
                <Radios id="invite-level" legend="What can they see?" options=levels.clone() value=level errors/>
                <Checkbox id="invite-sensitive" label="Keep sensitive information from them"
                    hint="Sexual health, mental health, drug and alcohol treatment, HIV, and anything marked confidential."
                    value=keep_sensitive/>
                <Radios id="invite-until" legend="Until when?"
                    options=vec![
                        (String::new(), "Until I stop it".into(), Some("You can stop it at any time on this page.".into())),
                        ("date".into(), "Until a date".into(), None),
                    ]
                    value=until errors/>
                {move || (until.get() == "date").then(|| view! {
                    <TextField id="invite-end" label="The day their access ends" value=ends_on errors kind="date" narrow=true/>
                })}
                <div class="button-group">
                    <button type="submit" class="button">"Continue"</button>
                    <button type="button" class="button secondary" on:click=move |_| { errors.set(Vec::new()); step.set(Step::Closed) }>"Cancel"</button>
                </div>
            </form>
        }
        .into_any(),
        Step::Check | Step::Sending => {
            let invitation = asked.get_untracked().unwrap_or_default();
            let level_name = level_names
                .iter()
                .find(|(id, _, _)| *id == invitation.level)
                .map(|(_, name, _)| name.clone())
                .unwrap_or_default();
            let until_words = invitation
                .ends_on
                .as_deref()
                .map_or("Until you stop it".to_string(), |d| format!("Until {}", date(d, &locale)));
            view! {
                <ErrorSummary errors/>
                <h3>"Check your answers"</h3>
                <dl class="summary-list">
                    <div><dt>"Name"</dt><dd><bdi>{invitation.name.clone()}</bdi></dd></div>
                    <div><dt>"Email address"</dt><dd><bdi>{invitation.email.clone()}</bdi></dd></div>
                    <div><dt>"Who they are to you"</dt><dd>{invite::relationship_words(&invitation.relationship).to_string()}</dd></div>
                    <div><dt>"What they can see"</dt><dd>{level_name}{invitation.keep_sensitive.then_some(", without sensitive information")}</dd></div>
                    <div><dt>"Until when"</dt><dd>{until_words}</dd></div>
                </dl>
                <div class="button-group">
                    <button type="button" class="button" aria-disabled=move || (step.get() == Step::Sending).then_some("true") on:click=send>
                        {move || if step.get() == Step::Sending { "Sending…" } else { "Send the invitation" }}
                    </button>
                    <button type="button" class="button secondary" on:click=move |_| { errors.set(Vec::new()); step.set(Step::Form) }>"Change your answers"</button>
                </div>
            }
            .into_any()
        }
    }
    }
}
