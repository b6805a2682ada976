//! "Ask a question": what it is about (the hospital's topics), a subject, the message; before
//! sending, that it is not for emergencies, who reads it and when a reply can be expected. What
//! is typed is kept as a draft; a message about a record item (`?about=Condition/abc`) is
//! linked to it.

use super::draft::{DraftKeeper, DraftStatus};
use super::files::{DraftFiles, FilePicker};
use super::{messages_path, model, moment, patient};
use crate::api::types::{MessageDraft, MessageOptions};
use crate::api::{self, encode_component};
use crate::components::clock::Style;
use crate::components::form::{ErrorSummary, FieldError, Radios, TextArea, TextField};
use crate::components::load::{Load, LoadFailure, Loading, load_into};
use crate::components::notices::HelpDeskLine;
use crate::components::page::PageHeading;
use crate::route_guard::record_path;
use crate::session::Portal;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};

/// The hospital's topic for a message about a record item.
const CORRECTION: &str = "record-correction";

#[component]
pub fn AskPage() -> impl IntoView {
    let params = use_params_map();
    let patient_id = params.with_untracked(|p| p.get("patient").unwrap_or_default());
    let (about, topic) = use_query_map().with_untracked(|q| (q.get("about"), q.get("topic")));
    let state = RwSignal::new(Load::Loading);
    let reload = {
        let id = patient_id.clone();
        load_into(state, move || {
            let id = id.clone();
            let (about, topic) = (about.clone(), topic.clone());
            async move {
                let person = patient(&id).await?;
                let draft = api::messages::draft(&id, "new").await?;
                let start = starting_draft(draft, about, topic);
                let options = api::messages::options(&id, start.about.as_deref()).await?;
                Ok((person, options, start))
            }
        })
    };
    let back = messages_path(&patient_id, "");
    view! {
        <p class="back-link"><A href=back>"Back to messages"</A></p>
        <PageHeading text="Ask a question"/>
        {move || match state.get() {
            Load::Loading => view! { <Loading what="Loading…"/> }.into_any(),
            Load::Failed(error) => view! { <LoadFailure error retry=reload/> }.into_any(),
            Load::Ready((person, options, mut start)) => {
                if !options.topics.iter().any(|t| t.id == start.topic) {
                    start.topic.clear();
                }
                let name = person.map(|p| if p.is_own() { String::new() } else { p.name });
                view! { <AskForm patient=patient_id.clone() name options start/> }.into_any()
            }
        }}
    }
}

/// What the form opens with: the draft kept for a new message, unless the address asks about a
/// record item the draft is not about; a topic the address names is chosen if the draft has
/// none.
fn starting_draft(
    kept: Option<MessageDraft>,
    about: Option<String>,
    topic: Option<String>,
) -> MessageDraft {
    let mut start = match (kept, about) {
        (Some(d), None) => d,
        (Some(d), Some(a)) if d.about.as_deref() == Some(a.as_str()) => d,
        (_, Some(a)) => MessageDraft {
            topic: CORRECTION.into(),
            about: Some(a),
            ..MessageDraft::default()
        },
        (None, None) => MessageDraft::default(),
    };
    if start.topic.is_empty() {
        start.topic = topic.unwrap_or_default();
    }
    start
}

#[component]
fn AskForm(
    patient: String,
    /// Whose record, when it is not the user's own.
    name: Option<String>,
    options: MessageOptions,
    start: MessageDraft,
) -> impl IntoView {
    let info = Portal::expect();
    let topic = RwSignal::new(start.topic.clone());
    let subject = RwSignal::new(start.subject.clone());
    let body = RwSignal::new(start.body.clone());
    let about = start.about.clone();
    let files = DraftFiles::new(start.attachments.clone());
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let sending = RwSignal::new(false);
    let keeper = {
        let about = about.clone();
        DraftKeeper::new(
            patient.clone(),
            "new".into(),
            Callback::new(move |()| MessageDraft {
                topic: topic.get(),
                subject: subject.get(),
                about: about.clone(),
                body: body.get(),
                attachments: files.added.get(),
            }),
        )
    };
    let (max_subject, max_length) = (options.max_subject, options.max_length);
    let navigate = use_navigate();
    let send = {
        let (patient, about) = (patient.clone(), about.clone());
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            if sending.get_untracked() {
                return;
            }
            let draft = MessageDraft {
                topic: topic.get_untracked(),
                subject: subject.get_untracked(),
                about: about.clone(),
                body: body.get_untracked(),
                attachments: Vec::new(),
            };
            let problems = model::check_new(&draft, max_subject, max_length);
            if !problems.is_empty() {
                errors.set(FieldError::each_on(problems));
                return;
            }
            if let Some(wait) = files.still_adding() {
                errors.set(vec![FieldError::general(wait)]);
                return;
            }
            errors.set(Vec::new());
            sending.set(true);
            let (patient, navigate) = (patient.clone(), navigate.clone());
            spawn_local(async move {
                let outcome = api::messages::ask(&patient, &draft).await;
                if sending.is_disposed() {
                    return;
                }
                sending.set(false);
                match outcome {
                    Ok(sent) => {
                        keeper.sent();
                        files.sent();
                        let to = messages_path(&patient, &sent.id.to_string());
                        navigate(
                            &format!("{to}?sent={}", encode_component(&sent.reply_by)),
                            Default::default(),
                        );
                    }
                    // Everything typed stays, with why and the button to try again.
                    Err(e) => errors.set(vec![FieldError::general(format!(
                        "Your message was not sent. {} Your message is still here: press Send message to try again.",
                        e.message()
                    ))]),
                }
            });
        }
    };
    let discard = {
        let patient = patient.clone();
        move |_| {
            let patient = patient.clone();
            spawn_local(async move {
                match api::messages::drop_draft(&patient, "new").await {
                    Ok(()) if !body.is_disposed() => {
                        keeper.sent();
                        files.sent();
                        topic.set(String::new());
                        subject.set(String::new());
                        body.set(String::new());
                        errors.set(Vec::new());
                    }
                    Ok(()) => {}
                    Err(e) if !errors.is_disposed() => errors.set(vec![FieldError::general(
                        format!("Your draft was not deleted. {}", e.message()),
                    )]),
                    Err(_) => {}
                }
            });
        }
    };
    let topics: Vec<(String, String, Option<String>)> = options
        .topics
        .iter()
        .map(|t| (t.id.clone(), t.name.clone(), Some(t.hint.clone())))
        .collect();
    let about_item = about
        .as_deref()
        .and_then(|a| model::about_item(a, options.about_name.as_deref()))
        .map(|(words, section)| (words, record_path(&patient, section)));
    let reply_by = moment(&format!("{}T12:00:00Z", options.reply_by), Style::Day);
    let for_whom = name
        .filter(|n| !n.is_empty())
        .map(|n| format!("You are writing for {n}. Your care team will see that you wrote it."));
    view! {
        <ErrorSummary errors/>
        <p class="lead">"Send a question to the people who look after you at the hospital."</p>
        {for_whom.map(|w| view! { <p class="info-callout">{w}</p> })}
        {about_item.map(|(words, href)| view! {
            <p class="info-callout">{format!("Your message will be about {words}, so the team can see what you mean. ")}
                <A href=href>"See that part of the record"</A></p>
        })}
        <form class="form" novalidate on:submit=send>
            <Radios id="message-topic" legend="What is your message about?" options=topics value=topic errors/>
            <TextField id="message-subject" label="Subject" value=subject errors prose=true
                hint="A few words, so you can find it again. For example, Question about my blood test."/>
            <TextArea id="message-body" label="Your message" value=body errors max=max_length count=model::characters_left
                hint="Say what you need to know or what is wrong. Include dates and names of medicines if they matter."/>
            <FilePicker patient=patient.clone() place="new".to_string() files rules=options.attachments.clone()/>
            <DraftStatus keeper/>
            <div class="before-sending">
                <h2 class="heading-medium">"Before you send"</h2>
                <div class="warning-callout">
                    <p><strong>{model::not_urgent(&info.help_desk.phone, &info.emergency.number)}</strong></p>
                </div>
                <h3 class="heading-small">"Who will read it"</h3>
                <p>"Your care team. Staff who sort messages and pass them to the right person may also read it."</p>
                <h3 class="heading-small">"When you will get a reply"</h3>
                <p>{if reply_by.is_empty() {
                    "We reply within a few working days.".to_string()
                } else {
                    format!("If you send it today, you can expect a reply by {reply_by}. We will email you when there is a reply.")
                }}</p>
                <HelpDeskLine/>
            </div>
            <div class="button-group">
                <button type="submit" class="button" aria-disabled=move || sending.get().then_some("true")>
                    {move || if sending.get() { "Sending…" } else { "Send message" }}
                </button>
                {move || (!body.get().is_empty() || !subject.get().is_empty() || !files.added.get().is_empty()).then(|| view! {
                    <button type="button" class="button secondary" on:click=discard.clone()>"Delete this draft"</button>
                })}
            </div>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_question_about_an_item_starts_from_that_item() {
        let kept = MessageDraft {
            topic: "medicine".into(),
            body: "half written".into(),
            ..MessageDraft::default()
        };
        assert_eq!(starting_draft(Some(kept.clone()), None, None), kept);
        let about = starting_draft(Some(kept), Some("Condition/c1".into()), None);
        assert_eq!(about.topic, CORRECTION);
        assert_eq!(about.about.as_deref(), Some("Condition/c1"));
        assert_eq!(about.body, "");
        let same = MessageDraft {
            about: Some("Condition/c1".into()),
            body: "it says 1998".into(),
            ..MessageDraft::default()
        };
        assert_eq!(
            starting_draft(Some(same.clone()), Some("Condition/c1".into()), None),
            same
        );
        let named = starting_draft(None, None, Some(CORRECTION.into()));
        assert_eq!(named.topic, CORRECTION);
    }
}
