//! One conversation: every message in order with who wrote it and when, when the hospital read
//! the patient's, and a reply box whose text is kept as a draft while it is typed.

use super::draft::{DraftKeeper, DraftStatus};
use super::files::{DraftFiles, FileDownloads, FilePicker};
use super::model::{self, Message};
use super::{messages_path, moment, patient};
use crate::api::types::{ConversationView, MessageDraft, MessageOptions};
use crate::api::{self, ApiError};
use crate::components::clock::Style;
use crate::components::form::{ErrorSummary, FieldError, TextArea};
use crate::components::load::{Load, LoadFailure, Loading, load_into};
use crate::components::page::PageHeading;
use crate::route_guard::record_path;
use crate::session::{Portal, Session};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::{use_params_map, use_query_map};

#[component]
pub fn ConversationPage() -> impl IntoView {
    let params = use_params_map();
    let patient_id = params.with_untracked(|p| p.get("patient").unwrap_or_default());
    let id: i64 = params
        .with_untracked(|p| p.get("conversation"))
        .and_then(|c| c.parse().ok())
        .unwrap_or_default();
    let just_sent = use_query_map().with_untracked(|q| q.get("sent"));
    let state = RwSignal::new(Load::Loading);
    let session = Session::expect();
    let reload = {
        let patient_id = patient_id.clone();
        load_into(state, move || {
            let patient_id = patient_id.clone();
            async move {
                let person = patient(&patient_id).await?;
                let draft = api::messages::draft(&patient_id, &id.to_string()).await?;
                let view = api::messages::conversation(id).await?;
                let options = api::messages::options(&patient_id, None).await?;
                session.messages_read.notify();
                Ok((person, view, draft, options))
            }
        })
    };
    let done = RwSignal::new(just_sent.map(|by| sent_words(&by)));
    let back = messages_path(&patient_id, "");
    view! {
        <p class="back-link"><A href=back>"Back to messages"</A></p>
        {move || match state.get() {
            Load::Loading => view! {
                <PageHeading text="Message"/>
                <Loading what="Loading the conversation…"/>
            }
            .into_any(),
            Load::Failed(ApiError::NotFound) => view! {
                <PageHeading text="Message not found"/>
                <p>"This conversation could not be found. It may be one you cannot see."</p>
            }
            .into_any(),
            Load::Failed(error) => view! {
                <PageHeading text="Message"/>
                <LoadFailure error retry=reload/>
            }
            .into_any(),
            Load::Ready((person, view, draft, options)) => {
                let name = person.as_ref().map(|p| p.name.clone()).unwrap_or_default();
                view! {
                    <Conversation view name patient=patient_id.clone() draft options done reload/>
                }
                .into_any()
            }
        }}
    }
}

/// "Your message has been sent. You can expect a reply by Wednesday 9 December 2026."
fn sent_words(reply_by: &str) -> String {
    let by = moment(&format!("{reply_by}T12:00:00Z"), Style::Day);
    if by.is_empty() {
        "Your message has been sent.".into()
    } else {
        format!("Your message has been sent. You can expect a reply by {by}.")
    }
}

#[component]
fn Conversation(
    view: ConversationView,
    name: String,
    patient: String,
    draft: Option<MessageDraft>,
    options: MessageOptions,
    done: RwSignal<Option<String>>,
    reload: Callback<()>,
) -> impl IntoView {
    let line = view.conversation.clone();
    let messages = model::messages(&view.communications, &view.yours, &name);
    let about = line
        .about
        .as_deref()
        .and_then(|a| model::about_item(a, view.about_name.as_deref()))
        .map(|(words, section)| (words, record_path(&patient, section)));
    view! {
        <PageHeading text=line.subject.clone()/>
        <p class="hint">{model::topic_words(&line)}</p>
        {about.map(|(words, href)| view! { <p>{format!("This conversation is about {words}. ")} <A href=href>"See that part of the record"</A></p> })}
        <p role="status" class="done">{move || done.get()}</p>
        <ol class="message-list">
            {messages.into_iter().map(|m| view! { <MessageItem m/> }).collect_view()}
        </ol>
        {if line.closed {
            view! {
                <p class="info-callout">"The hospital has closed this conversation, so it cannot take a reply. If you need to ask something else, ask a new question."</p>
                <p><A href=messages_path(&patient, "new") attr:class="button secondary">"Ask a new question"</A></p>
            }
            .into_any()
        } else {
            view! { <ReplyBox id=line.id patient draft options done reload/> }.into_any()
        }}
    }
}

#[component]
fn MessageItem(m: Message) -> impl IntoView {
    let sent = moment(&m.sent, Style::DateTime);
    let read = m
        .read_by_hospital
        .as_deref()
        .map(|at| format!("Read by the hospital: {}", moment(at, Style::DateTime)));
    let waiting = (!m.from_hospital && read.is_none()).then_some("Not read by the hospital yet");
    view! {
        <li class="message" class:from-hospital=m.from_hospital class:yours=m.yours>
            <p class="message-from"><strong><bdi>{m.from}</bdi></strong></p>
            <p class="hint message-sent">{sent}</p>
            <div class="message-text">
                {m.lines.into_iter().map(|l| view! { <p><bdi>{l}</bdi></p> }).collect_view()}
            </div>
            <FileDownloads files=m.files/>
            {read.or(waiting.map(String::from)).map(|r| view! { <p class="hint message-read">{r}</p> })}
        </li>
    }
}

#[component]
fn ReplyBox(
    id: i64,
    patient: String,
    draft: Option<MessageDraft>,
    options: MessageOptions,
    done: RwSignal<Option<String>>,
    reload: Callback<()>,
) -> impl IntoView {
    let info = Portal::expect();
    let max = options.max_length;
    let draft = draft.unwrap_or_default();
    let body = RwSignal::new(draft.body);
    let files = DraftFiles::new(draft.attachments);
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let sending = RwSignal::new(false);
    let keeper = DraftKeeper::new(
        patient.clone(),
        id.to_string(),
        Callback::new(move |()| MessageDraft {
            body: body.get(),
            attachments: files.added.get(),
            ..MessageDraft::default()
        }),
    );
    let send = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if sending.get_untracked() {
            return;
        }
        let text = body.get_untracked();
        let problems = model::check_body(&text, max);
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
        spawn_local(async move {
            let outcome = api::messages::reply(id, &text).await;
            if sending.is_disposed() {
                return;
            }
            sending.set(false);
            match outcome {
                Ok(sent) => {
                    keeper.sent();
                    files.sent();
                    body.set(String::new());
                    done.set(Some(sent_words(&sent.reply_by)));
                    reload.run(());
                }
                // What they wrote stays in the box, with why and the button to try again.
                Err(e) => errors.set(vec![FieldError::general(format!(
                    "Your reply was not sent. {} Your message is still here: press Send reply to try again.",
                    e.message()
                ))]),
            }
        });
    };
    view! {
        <ErrorSummary errors/>
        <form class="form reply-form" novalidate on:submit=send>
            <h2>"Reply"</h2>
            <TextArea id="message-body" label="Your reply" value=body errors max count=model::characters_left/>
            <FilePicker patient=patient.clone() place=id.to_string() files rules=options.attachments.clone()/>
            <DraftStatus keeper/>
            <p class="hint">{model::not_urgent(&info.help_desk.phone, &info.emergency.number)}</p>
            <button type="submit" class="button" aria-disabled=move || sending.get().then_some("true")>
                {move || if sending.get() { "Sending…" } else { "Send reply" }}
            </button>
        </form>
    }
}
