//! Making a share: which parts, how long, an optional label and email address; a check of the
//! answers; then the share is made and its code shown.

use super::model::{self, DURATIONS, Draft};
use crate::api::{self, types::MadeShare, types::NewShare, types::Shares};
use crate::components::form::{Checkbox, Checkboxes, ErrorSummary, FieldError, Radios, TextField};
use leptos::prelude::*;
use leptos::task::spawn_local;

#[derive(Clone, Copy, PartialEq)]
enum Step {
    Form,
    Check,
    Making,
}

#[component]
pub fn ShareForm(
    patient: String,
    /// Whose record, as words go before it: "your", or "Leo Hughes’s".
    whose: String,
    options: Shares,
    made: RwSignal<Option<MadeShare>>,
    cancel: Callback<()>,
) -> impl IntoView {
    let step = RwSignal::new(Step::Form);
    let errors = RwSignal::new(Vec::<FieldError>::new());
    // Everything, unless the patient chooses less.
    let sections = RwSignal::new(options.sections.clone());
    let hours = RwSignal::new("1".to_string());
    let label = RwSignal::new(String::new());
    let send = RwSignal::new(false);
    let email = RwSignal::new(String::new());
    let asked = RwSignal::new(None::<NewShare>);
    let to_check = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let draft = Draft {
            sections: sections.get_untracked(),
            hours: hours.get_untracked().parse().unwrap_or_default(),
            label: label.get_untracked(),
            send: send.get_untracked(),
            email: email.get_untracked(),
        };
        match model::check(&draft, &patient) {
            Ok(share) => {
                errors.set(Vec::new());
                asked.set(Some(share));
                step.set(Step::Check);
            }
            Err(problems) => errors.set(FieldError::each_on(problems)),
        }
    };
    let make = move |_| {
        let Some(share) = asked.get_untracked() else {
            return;
        };
        if step.get_untracked() == Step::Making {
            return;
        }
        step.set(Step::Making);
        spawn_local(async move {
            let outcome = api::make_share(&share).await;
            if step.is_disposed() {
                return;
            }
            match outcome {
                Ok(share) => made.set(Some(share)),
                Err(e) => {
                    // What they chose is kept: back to the answers, with what went wrong.
                    step.set(Step::Check);
                    errors.set(vec![FieldError::general(e.message())]);
                }
            }
        });
    };
    let section_options: Vec<(String, String)> = options
        .sections
        .iter()
        .map(|s| (s.clone(), model::section_label(s).to_string()))
        .collect();
    let durations: Vec<(String, String, Option<String>)> = DURATIONS
        .iter()
        .filter(|(h, _)| *h <= options.max_hours.max(1))
        .map(|(h, words)| (h.to_string(), words.to_string(), None))
        .collect();
    let can_email = options.can_email;
    let whose = StoredValue::new(whose);
    move || {
        match step.get() {
        Step::Form => view! {
            <ErrorSummary errors/>
            <form class="form" novalidate on:submit=to_check.clone()>
                <Checkboxes id="share-sections" legend="What do you want to share?"
                    hint="Everything is selected. Untick anything you do not want to share."
                    options=section_options.clone() value=sections errors/>
                <Radios id="share-hours" legend="For how long?" options=durations.clone() value=hours errors/>
                <TextField id="share-label" label="A label, if you want one (optional)" value=label errors
                    hint="Only you see it, in your list of shares. The link and its QR code say only \u{201c}Shared health record\u{201d}. For example, For my GP."/>
                {can_email.then(|| view! {
                    <Checkbox id="share-send" label="Email the link to the person you are sharing with"
                        hint=format!("The email tells them where to go, and to ask you for {} date of birth. It does not say whose record it is or anything about health.", whose.get_value())
                        value=send/>
                    {move || send.get().then(|| view! {
                        <TextField id="share-email" label="Their email address" value=email errors kind="email"/>
                    })}
                })}
                <div class="button-group">
                    <button type="submit" class="button">"Continue"</button>
                    <button type="button" class="button secondary" on:click=move |_| cancel.run(())>"Cancel"</button>
                </div>
            </form>
        }
        .into_any(),
        Step::Check | Step::Making => {
            let share = asked.get_untracked().unwrap_or_default();
            view! {
                <ErrorSummary errors/>
                <h2>"Check your answers"</h2>
                <dl class="summary-list">
                    <div><dt>"What you are sharing"</dt><dd>{model::sections_words(&share.sections)}</dd></div>
                    <div><dt>"For how long"</dt><dd>{model::duration_words(share.hours)}</dd></div>
                    {(!share.label.is_empty()).then(|| view! {
                        <div><dt>"Label"</dt><dd><bdi>{share.label.clone()}</bdi></dd></div>
                    })}
                    {share.email.clone().map(|e| view! {
                        <div><dt>"Email the link to"</dt><dd><bdi>{e}</bdi></dd></div>
                    })}
                </dl>
                <p>{format!("Anyone with the code and {0} date of birth can see these parts of {0} record until the share ends. You can stop it at any time.", whose.get_value())}</p>
                <div class="button-group">
                    <button type="button" class="button" aria-disabled=move || (step.get() == Step::Making).then_some("true") on:click=make>
                        {move || if step.get() == Step::Making { "Sharing…" } else { "Confirm and share" }}
                    </button>
                    <button type="button" class="button secondary" on:click=move |_| { errors.set(Vec::new()); step.set(Step::Form) }>"Change your answers"</button>
                </div>
            }
            .into_any()
        }
    }
    }
}
