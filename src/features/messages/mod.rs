//! Messages with the care team: the inbox of conversations (`/messages/{patient}`), one
//! conversation with a reply box (`/messages/{patient}/{id}`), and asking a question
//! (`/messages/{patient}/new`). Their own download (`chunks::messages_screen`).

mod ask;
mod conversation;
mod draft;
mod files;
pub mod model;

pub use ask::AskPage;
pub use conversation::ConversationPage;

use crate::acting_for::whose;
use crate::api::types::{ConversationLine, Inbox, PatientSummary};
use crate::api::{self, ApiError};
use crate::components::clock::{Style, format_moment};
use crate::components::load::{Load, LoadFailure, Loading, load_into};
use crate::components::page::PageHeading;
use crate::fhir::date::FhirDate;
pub use crate::route_guard::messages_path;
use crate::route_guard::record_path;
use crate::session::Portal;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::{A, Redirect};
use leptos_router::hooks::use_params_map;

/// The patient the address names, from the user's list: their name for the screen.
async fn patient(id: &str) -> Result<Option<PatientSummary>, ApiError> {
    Ok(api::patients().await?.into_iter().find(|p| p.id == id))
}

/// A moment as the hospital's clock says it.
fn moment(at: &str, style: Style) -> String {
    let info = Portal::expect();
    FhirDate::parse(at)
        .and_then(|d| d.epoch_ms())
        .map(|ms| format_moment(ms, &info.locale, &info.time_zone, style))
        .unwrap_or_default()
}

/// `/messages`: the user's own inbox, or the first person's they act for.
#[component]
pub fn ChooseInbox() -> impl IntoView {
    let state = RwSignal::new(Load::Loading);
    let retry = load_into(state, api::patients);
    move || match state.get() {
        Load::Loading => view! { <Loading what="Loading your messages…"/> }.into_any(),
        Load::Failed(error) => view! {
            <h1>"Messages"</h1>
            <LoadFailure error retry/>
        }
        .into_any(),
        Load::Ready(people) => {
            let first = people
                .iter()
                .find(|p| p.is_own())
                .or_else(|| people.first())
                .map(|p| messages_path(&p.id, ""));
            match first {
                Some(path) => view! { <Redirect path/> }.into_any(),
                None => view! {
                    <PageHeading text="Messages"/>
                    <p>"There is no record here to send messages about."</p>
                }
                .into_any(),
            }
        }
    }
}

#[component]
pub fn InboxPage() -> impl IntoView {
    let params = use_params_map();
    let patient_id = params.with_untracked(|p| p.get("patient").unwrap_or_default());
    let state = RwSignal::new(Load::Loading);
    let reload = {
        let id = patient_id.clone();
        load_into(state, move || {
            let id = id.clone();
            async move {
                let person = patient(&id).await?;
                let inbox = api::messages::inbox(&id, 0).await?;
                Ok((person, inbox))
            }
        })
    };
    let heading = move || match state.get() {
        Load::Ready((person, _)) => match whose(person.as_ref()).as_str() {
            "your" => "Your messages".to_string(),
            other => format!("{other} messages"),
        },
        _ => "Your messages".to_string(),
    };
    let ask = messages_path(&patient_id, "new");
    view! {
        {move || view! { <PageHeading text=heading()/> }}
        {move || match state.get() {
            Load::Loading => view! { <Loading what="Loading your messages…"/> }.into_any(),
            Load::Failed(ApiError::ProxyTermsNotAccepted) => view! {
                <p>"Before you can see or send messages for this person, read and accept the terms for acting for them."</p>
                <p><A href=record_path(&patient_id, "summary") attr:class="button">"Read the terms"</A></p>
            }
            .into_any(),
            Load::Failed(error) => view! { <LoadFailure error retry=reload/> }.into_any(),
            Load::Ready((person, inbox)) => {
                let name = person.as_ref().map(|p| p.name.clone()).unwrap_or_default();
                let own = person.as_ref().is_none_or(|p| p.is_own());
                view! { <InboxList inbox name own ask=ask.clone() patient=patient_id.clone()/> }.into_any()
            }
        }}
    }
}

#[component]
fn InboxList(
    inbox: Inbox,
    name: String,
    /// The user's own messages, not someone's they act for.
    own: bool,
    ask: String,
    patient: String,
) -> impl IntoView {
    let info = Portal::expect();
    let lead = if own {
        "Ask your care team a question and read their replies here. We will email you when there is a reply.".to_string()
    } else {
        format!("Ask {name}\u{2019}s care team a question for them, and read the replies here.")
    };
    let none = if inbox.only_yours {
        format!("You have not sent any messages for {name} yet.")
    } else {
        "There are no messages yet.".to_string()
    };
    view! {
        <p class="lead">{lead}</p>
        <div class="warning-callout">
            <p><strong>{model::not_urgent(&info.help_desk.phone, &info.emergency.number)}</strong></p>
        </div>
        {inbox.only_yours.then(|| view! {
            <p class="info-callout">{format!("You can see only the messages you have sent for {name}. Messages {name} sends to their care team are private to them.")}</p>
        })}
        <p><A href=ask attr:class="button">"Ask a question"</A></p>
        {if inbox.conversations.is_empty() {
            view! { <p>{none}</p> }.into_any()
        } else {
            view! { <Conversations inbox name patient/> }.into_any()
        }}
    }
}

/// The conversations, a page at a time: older ones come when asked for, so a long history
/// costs the first screen nothing.
#[component]
fn Conversations(inbox: Inbox, name: String, patient: String) -> impl IntoView {
    let total = inbox.total;
    let shown = RwSignal::new(inbox.conversations);
    let loading = RwSignal::new(false);
    let problem = RwSignal::new(None::<String>);
    let more = {
        let patient = patient.clone();
        move |_| {
            if loading.get_untracked() {
                return;
            }
            loading.set(true);
            problem.set(None);
            let (patient, offset) = (patient.clone(), shown.with_untracked(Vec::len));
            spawn_local(async move {
                let page = api::messages::inbox(&patient, offset).await;
                if loading.is_disposed() {
                    return;
                }
                loading.set(false);
                match page {
                    Ok(page) => shown.update(|s| s.extend(page.conversations)),
                    Err(e) => problem.set(Some(e.message())),
                }
            });
        }
    };
    let left = move || total.saturating_sub(shown.with(Vec::len));
    view! {
        // Drawn again whole when older ones arrive: a few hundred cards at most, and a keyed
        // list would cost this part's download more than the redraw costs the phone.
        <ul class="card-list conversation-list">
            {move || shown.get().into_iter().map(|line| view! {
                <ConversationCard line name=name.clone() patient=patient.clone()/>
            }).collect_view()}
        </ul>
        {move || problem.get().map(|p| view! { <div class="error-callout" role="alert"><p>{p}</p></div> })}
        {move || (left() > 0).then(|| view! {
            <button type="button" class="button secondary" aria-disabled=move || loading.get().then_some("true") on:click=more.clone()>
                {move || if loading.get() { "Loading…".to_string() } else { format!("Show older conversations ({} more)", left()) }}
            </button>
        })}
    }
}

#[component]
fn ConversationCard(line: ConversationLine, name: String, patient: String) -> impl IntoView {
    let href = messages_path(&patient, &line.id.to_string());
    let unread = model::unread_words(line.unread);
    let from = model::from_words(&line.last.from, &name);
    let when = moment(&line.last.sent_at, Style::DateTime);
    let topic = model::topic_words(&line);
    let is_unread = unread.is_some();
    let (subject, preview) = (line.subject, line.last.preview);
    view! {
        <li class="card conversation-card" class:unread=is_unread>
            <h2 class="card-title heading-medium">
                <A href=href><bdi>{subject}</bdi></A>
            </h2>
            {unread.map(|u| view! { <p><strong class="tag">{u}</strong></p> })}
            <p class="hint">{topic}</p>
            <p class="conversation-last"><bdi>{from}</bdi>": " <bdi>{preview}</bdi></p>
            <p class="hint">{when}</p>
        </li>
    }
}
