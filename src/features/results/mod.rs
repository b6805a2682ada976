//! The test results section: reports and results, newest first, searchable.

pub mod model;

use crate::components::notices::AboutThisItem;
use crate::components::record_fetch::{RecordFetch, Search};
use crate::components::section::{DateText, Section, Unreadable};
use leptos::prelude::*;
use model::{Level, ResultGroup, ResultItem};
use std::sync::Arc;

/// Groups drawn at a time: a long history stays quick on a phone; more on request.
const PAGE: usize = 25;

#[component]
pub fn ResultsPage() -> impl IntoView {
    let fetch = RecordFetch::new(vec![
        Search::all("DiagnosticReport"),
        Search::all("Observation"),
    ]);
    let results = Memo::new(move |_| fetch.with(|d| Arc::new(model::build(&d[0], &d[1]))));
    let query = RwSignal::new(String::new());
    let limit = RwSignal::new(PAGE);
    let matches = Memo::new(move |_| results.with(|r| model::filter(&r.groups, &query.get())));
    let visible = move || {
        let r = results.get();
        let shown = limit.get();
        matches
            .get()
            .into_iter()
            .take(shown)
            .map(|i| r.groups[i].clone())
            .collect::<Vec<_>>()
    };
    view! {
        <Section title="Test results" what="your test results" fetch>
            <div class="inset">
                <p>"Results may be shown to you before your clinician has reviewed them. Contact your clinical team if you have questions."</p>
            </div>
            // Drawn once: pages that arrive while someone types must not take their focus away.
            <Show when=move || results.with(|r| !r.groups.is_empty())>
                <div class="form-group search-group">
                    <label for="results-search">"Search these results"</label>
                    <p class="hint" id="results-search-hint">"For example, cholesterol or HbA1c"</p>
                    <input
                        id="results-search"
                        class="input"
                        type="search"
                        autocomplete="off"
                        aria-describedby="results-search-hint"
                        prop:value=move || query.get()
                        on:input=move |ev| {
                            query.set(event_target_value(&ev));
                            limit.set(PAGE);
                        }
                    />
                </div>
            </Show>
            {move || results.with(|r| r.groups.is_empty() && r.unreadable == 0).then(|| view! {
                <p class="empty">{crate::acting_for::nothing_here("No test results are recorded in this portal.", crate::features::record_layout::WholeRecord::here())}</p>
            })}
            <p class="result-count" role="status">
                {move || {
                    let (found, total) = (matches.get().len(), results.with(|r| r.groups.len()));
                    let shown = found.min(limit.get());
                    if total == 0 {
                        String::new()
                    } else if query.get().trim().is_empty() {
                        format!("Showing {shown} of {total} sets of results, newest first.")
                    } else if found == 0 {
                        "No results match your search.".to_string()
                    } else {
                        format!("{found} of {total} sets of results match. Showing {shown}.")
                    }
                }}
            </p>
            <ul class="card-list">
                <For each=visible key=|g| g.render_key() let(group)>
                    <ResultCard group/>
                </For>
            </ul>
            {move || (matches.get().len() > limit.get()).then(|| view! {
                <button type="button" class="button secondary" on:click=move |_| limit.update(|l| *l += PAGE)>
                    "Show more results"
                </button>
            })}
            {move || view! { <Unreadable count=results.with(|r| r.unreadable)/> }}
        </Section>
    }
}

#[component]
fn ResultCard(group: ResultGroup) -> impl IntoView {
    let reference = Some(group.key.clone()).filter(|k| !k.ends_with('/'));
    let ResultGroup {
        title,
        date,
        status,
        performer,
        conclusion,
        items,
        ..
    } = group;
    let about_name = title.clone();
    view! {
        <li class="card result-card">
            <h2 class="card-title">
                <bdi>{title}</bdi>
                {status.map(|s| view! { <span class="tag">{s}</span> })}
            </h2>
            <p class="meta">
                {date.map(|d| view! { <DateText date=d/> })}
                {performer.map(|p| view! { " · " <bdi>{p}</bdi> })}
            </p>
            <ul class="result-items">
                {items.into_iter().map(|i| view! { <ResultLine item=i/> }).collect_view()}
            </ul>
            {conclusion.map(|c| view! { <p class="conclusion"><strong>"Comment: "</strong><bdi>{c}</bdi></p> })}
            <AboutThisItem reference name=about_name/>
        </li>
    }
}

#[component]
fn ResultLine(item: ResultItem) -> impl IntoView {
    let ResultItem {
        name,
        value,
        flag,
        range,
        status,
        performer,
        notes,
    } = item;
    let level = flag.as_ref().map(|f| f.level);
    view! {
        <li class="result-item" class:result-abnormal=level == Some(Level::Abnormal) class:result-critical=level == Some(Level::Critical)>
            <bdi class="result-name">{name}</bdi>
            <span class="result-value">
                <bdi>{value}</bdi>
                {flag.map(|f| view! {
                    <span class="tag" class:tag-danger=f.level != Level::Normal>{f.words}</span>
                })}
                {status.map(|s| view! { <span class="tag">{s}</span> })}
            </span>
            {range.map(|r| view! { <span class="result-range">"Normal range: " <bdi>{r}</bdi></span> })}
            {performer.map(|p| view! { <span class="result-range">"Tested by " <bdi>{p}</bdi></span> })}
            {notes.into_iter().map(|n| view! { <bdi class="result-note">{n}</bdi> }).collect_view()}
        </li>
    }
}
