//! What every record section shows around its entries: loading, failure with retry, "still
//! loading older entries", entries that could not be shown, and how to report an error.

use super::load::{LoadFailure, Loading, PartialLoad};
use super::notices::{ErrorReport, RecordNotice};
use super::page::PageHeading;
use super::record_fetch::{FetchStatus, RecordFetch};
use crate::fhir::date::FhirDate;
use crate::fhir::entries::Entries;
use crate::session::Portal;
use leptos::prelude::*;

#[derive(Clone, Copy, PartialEq)]
enum Phase {
    Waiting,
    Failed,
    Arrived,
}

/// Heading, notices, and the body once something has arrived.
#[component]
pub fn Section(
    title: &'static str,
    /// "your allergies": completes "Loading …".
    what: &'static str,
    fetch: RecordFetch,
    children: ChildrenFn,
) -> impl IntoView {
    let retry = fetch.retry;
    // The body is drawn once something has arrived, and not again as more arrives: the notes
    // about loading change around it, the entries inside it update themselves.
    let phase = Memo::new(move |_| match fetch.status.get() {
        FetchStatus::Loading => Phase::Waiting,
        FetchStatus::Failed(_) => Phase::Failed,
        FetchStatus::Loaded { .. } | FetchStatus::Incomplete(_) => Phase::Arrived,
    });
    view! {
        <PageHeading text=title/>
        <RecordNotice/>
        {move || match (phase.get(), fetch.status.get_untracked()) {
            (Phase::Failed, FetchStatus::Failed(error)) => view! { <LoadFailure error retry/> }.into_any(),
            (Phase::Waiting | Phase::Failed, _) => view! { <Loading what=format!("Loading {what}…")/> }.into_any(),
            (Phase::Arrived, _) => view! {
                {move || match fetch.status.get() {
                    FetchStatus::Loaded { complete: false } => Some(view! {
                        <p class="quiet" role="status">{format!("Still loading older entries of {what}…")}</p>
                    }.into_any()),
                    FetchStatus::Incomplete(error) => Some(view! { <PartialLoad error retry/> }.into_any()),
                    _ => None,
                }}
                {children()}
                <ErrorReport/>
                <PrintButton/>
            }
            .into_any(),
        }}
    }
}

#[component]
pub fn Unreadable(count: usize) -> impl IntoView {
    (count > 0).then(|| {
        view! {
            <p class="quiet">
                {if count == 1 {
                    "1 entry could not be shown.".to_string()
                } else {
                    format!("{count} entries could not be shown.")
                }}
            </p>
        }
    })
}

/// A date as recorded, machine-readable too.
#[component]
pub fn DateText(date: FhirDate) -> impl IntoView {
    let locale = Portal::expect().locale.clone();
    view! { <time datetime=date.iso().to_string()>{date.display(&locale)}</time> }
}

/// One row of a summary list, left out when there is nothing to say.
pub fn row(term: &'static str, value: Option<String>) -> impl IntoView {
    value.map(|v| view! { <div class="summary-row"><dt>{term}</dt><dd><bdi>{v}</bdi></dd></div> })
}

/// Several lines under one term (reactions, notes).
pub fn rows(term: &'static str, values: Vec<String>) -> impl IntoView {
    (!values.is_empty()).then(|| {
        view! {
            <div class="summary-row">
                <dt>{term}</dt>
                <dd>{values.into_iter().map(|v| view! { <bdi class="line">{v}</bdi> }).collect_view()}</dd>
            </div>
        }
    })
}

#[component]
fn PrintButton() -> impl IntoView {
    view! {
        <p class="no-print">
            <button type="button" class="link-button" on:click=|_| {
                let _ = window().print();
            }>"Print this page"</button>
        </p>
    }
}

/// The wording of a section's list.
pub struct Words {
    /// Headings over current and past entries; `None` for a section with one list.
    pub split: Option<Split>,
    /// Said when there is nothing at all (with `none_note` after it, if any).
    pub none: &'static str,
    pub none_note: Option<&'static str>,
}

pub struct Split {
    pub current_title: &'static str,
    pub past_title: &'static str,
    /// Said under the current heading when only past entries exist.
    pub no_current: &'static str,
    pub past_hint: Option<&'static str>,
}

/// The one list every record section shows: current entries, then past ones (for a section
/// that splits them), then how many could not be shown.
pub fn entry_list(words: Words, entries: Entries<AnyView>) -> AnyView {
    let Entries {
        current,
        past,
        unreadable,
    } = entries;
    let whole = crate::features::record_layout::WholeRecord::here();
    if current.is_empty() && past.is_empty() && unreadable == 0 {
        return view! {
            <p class="empty">{crate::acting_for::nothing_here(words.none, whole)}</p>
            {words.none_note.map(|n| view! { <p>{n}</p> })}
        }
        .into_any();
    }
    let Some(split) = words.split else {
        return view! {
            <ul class="card-list">{current}{past}</ul>
            <Unreadable count=unreadable/>
        }
        .into_any();
    };
    view! {
        <h2>{split.current_title}</h2>
        {if current.is_empty() {
            view! { <p class="empty">{crate::acting_for::nothing_here(split.no_current, whole)}</p> }.into_any()
        } else {
            view! { <ul class="card-list">{current}</ul> }.into_any()
        }}
        {(!past.is_empty()).then(|| view! {
            <h2>{split.past_title}</h2>
            {split.past_hint.map(|h| view! { <p class="hint">{h}</p> })}
            <ul class="card-list">{past}</ul>
        })}
        <Unreadable count=unreadable/>
    }
    .into_any()
}
