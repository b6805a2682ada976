//! Terms acceptance: each outstanding document in full, accepted or declined as a whole.

pub mod markdown;

use crate::api::{self, ApiError, types::TermsDocument};
use crate::components::load::{Load, LoadFailure, Loading, load_into};
use crate::components::page::PageHeading;
use crate::fhir::date::FhirDate;
use crate::session::{Ended, Portal, Session};
use leptos::prelude::*;
use leptos::task::spawn_local;
use markdown::{Block, Inline};

/// The current text of every document this person still has to accept.
async fn outstanding(session: Session) -> Result<Vec<TermsDocument>, ApiError> {
    let needed: Vec<_> = session
        .info
        .get_untracked()
        .map(|s| s.terms.into_iter().filter(|t| !t.accepted).collect())
        .unwrap_or_default();
    let documents = api::terms().await?;
    Ok(needed
        .iter()
        .filter_map(|n| documents.get(&n.document).cloned())
        .collect())
}

#[component]
pub fn TermsPage() -> impl IntoView {
    let session = Session::expect();
    let state = RwSignal::new(Load::Loading);
    let retry = load_into(state, move || outstanding(session));
    let problem = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);

    let accept = move |documents: Vec<TermsDocument>| {
        if pending.get_untracked() {
            return;
        }
        pending.set(true);
        problem.set(None);
        spawn_local(async move {
            let mut result = Ok(());
            for d in &documents {
                result = api::accept_terms(&d.document, &d.version).await;
                if result.is_err() {
                    break;
                }
            }
            let refreshed = match result {
                Ok(()) => api::session().await,
                Err(e) => Err(e),
            };
            // All accepted: the session is the app's, not this screen's, so it says so even if
            // the patient moved on while this saved ("Your account", say: the guard sent them
            // back here to wait, and now takes them there). Not after signing out.
            if let Ok(info) = &refreshed
                && !info.terms_outstanding()
                && session.info.with_untracked(Option::is_some)
            {
                session.info.set(Some(info.clone()));
            }
            // Left the screen while saving: nothing here to update.
            if pending.is_disposed() {
                return;
            }
            pending.set(false);
            match refreshed {
                // The route guard moves on to the record.
                Ok(info) if !info.terms_outstanding() => {}
                // The terms changed while they were being read: show the new wording.
                Ok(info) => {
                    session.info.set(Some(info));
                    problem.set(Some("The terms were updated while you were reading them. Please read the new version below.".into()));
                    retry.run(());
                }
                Err(ApiError::Refused { status: 409, .. }) => {
                    if let Ok(info) = api::session().await {
                        session.info.set(Some(info));
                    }
                    problem.set(Some("The terms were updated while you were reading them. Please read the new version below.".into()));
                    retry.run(());
                }
                Err(e) => problem.set(Some(e.message())),
            }
        });
    };

    view! {
        {move || problem.get().map(|p| view! { <div class="error-callout" role="alert"><p>{p}</p></div> })}
        {move || match state.get() {
            Load::Loading => view! { <Loading what="Loading the terms of use…"/> }.into_any(),
            Load::Failed(error) => view! {
                <h1>"Terms of use"</h1>
                <LoadFailure error retry/>
            }
            .into_any(),
            Load::Ready(documents) => {
                let title = documents
                    .first()
                    .map(|d| d.title.clone())
                    .unwrap_or_else(|| "Terms of use".into());
                let to_accept = documents.clone();
                view! {
                    <PageHeading text=title/>
                    <p class="lead">"Please read these terms. You need to accept them to use the portal."</p>
                    {documents.into_iter().enumerate().map(|(i, d)| view! { <TermsText document=d show_title={i > 0}/> }).collect_view()}
                    <div class="button-group">
                        <button type="button" class="button" aria-disabled=move || pending.get().then_some("true")
                            on:click=move |_| accept(to_accept.clone())>
                            {move || if pending.get() { "Saving…" } else { "Accept and continue" }}
                        </button>
                        <button type="button" class="button secondary" on:click=move |_| session.end(Ended::DeclinedTerms)>
                            "Decline and sign out"
                        </button>
                    </div>
                }
                .into_any()
            }
        }}
    }
    .into_any()
}

#[component]
pub(crate) fn TermsText(document: TermsDocument, show_title: bool) -> impl IntoView {
    let locale = Portal::expect().locale.clone();
    let effective = document
        .effective_date
        .as_deref()
        .and_then(FhirDate::parse)
        .map(|d| format!(", in force from {}", d.display(&locale)))
        .unwrap_or_default();
    let blocks = markdown::parse(&document.text, document.format == "text/markdown");
    view! {
        <section class="terms-text" aria-label=document.title.clone()>
            {show_title.then(|| view! { <h2>{document.title.clone()}</h2> })}
            <p class="meta">"Version " {document.version.clone()} {effective}</p>
            {blocks.into_iter().map(render_block).collect_view()}
        </section>
    }
}

fn render_inline(parts: Vec<Inline>) -> impl IntoView {
    parts
        .into_iter()
        .map(|p| match p {
            Inline::Text(t) => t.into_any(),
            Inline::Strong(t) => view! { <strong>{t}</strong> }.into_any(),
        })
        .collect_view()
}

fn render_block(block: Block) -> AnyView {
    match block {
        Block::Heading(2, text) => view! { <h2>{render_inline(text)}</h2> }.into_any(),
        Block::Heading(3, text) => view! { <h3>{render_inline(text)}</h3> }.into_any(),
        Block::Heading(_, text) => view! { <h4>{render_inline(text)}</h4> }.into_any(),
        Block::Paragraph(text) => view! { <p>{render_inline(text)}</p> }.into_any(),
        Block::List(items) => view! {
            <ul class="list">
                {items.into_iter().map(|i| view! { <li>{render_inline(i)}</li> }).collect_view()}
            </ul>
        }
        .into_any(),
    }
}
