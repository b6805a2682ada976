//! The allergies section.

pub mod model;

use crate::components::record_fetch::{RecordFetch, Search};
use crate::components::section::{DateText, Section, Split, current_and_past, row, rows};
use crate::session::Portal;
use leptos::prelude::*;
use model::{Allergy, allergy_list};

#[component]
pub fn AllergiesPage() -> impl IntoView {
    let locale = Portal::expect().locale.clone();
    let fetch = RecordFetch::new(vec![Search::all("AllergyIntolerance")]);
    let list = Memo::new(move |_| fetch.with(|d| allergy_list(&d[0], &locale)));
    view! {
        <Section title="Allergies" what="your allergies" fetch>
            {move || {
                let list = list.get();
                current_and_past(
                    Split {
                        current_title: "Current allergies",
                        past_title: "Past allergies",
                        none: "No allergies are recorded in this portal.",
                        none_note: Some("If you have an allergy or a reaction to a medicine that is not shown here, tell your clinical team."),
                        no_current: "No current allergies are recorded in this portal.",
                        past_hint: Some("These no longer apply, were resolved, or were ruled out."),
                    },
                    list.current.into_iter().map(|a| view! { <AllergyCard allergy=a/> }.into_any()).collect(),
                    list.past.into_iter().map(|a| view! { <AllergyCard allergy=a/> }.into_any()).collect(),
                    list.unreadable,
                )
            }}
        </Section>
    }
}

#[component]
fn AllergyCard(allergy: Allergy) -> impl IntoView {
    let Allergy {
        substance,
        kind,
        categories,
        criticality,
        high_risk,
        status,
        verification,
        reactions,
        recorded,
        onset,
        notes,
        ..
    } = allergy;
    let kind_text = match (kind, categories.is_empty()) {
        (Some(k), false) => Some(format!("{k} · {}", categories.join(", "))),
        (Some(k), true) => Some(k.to_string()),
        (None, false) => Some(categories.join(", ")),
        (None, true) => None,
    };
    let reaction_rows: Vec<String> = reactions
        .into_iter()
        .map(|r| {
            let what = if r.manifestations.is_empty() {
                r.description.clone().unwrap_or_default()
            } else {
                r.manifestations
            };
            match r.severity {
                Some(s) => format!("{what} ({})", s.to_lowercase()),
                None => what,
            }
        })
        .collect();
    let status_text = match verification {
        Some(v) if status == "Active" => format!("{status} · {v}"),
        _ => status.to_string(),
    };
    view! {
        <li class="card" class:card-high-risk=high_risk>
            <h3 class="card-title">
                <bdi>{substance}</bdi>
                {criticality.map(|c| view! { <span class="tag" class:tag-danger=high_risk>{c}</span> })}
            </h3>
            <dl class="summary-list">
                {rows(if reaction_rows.len() == 1 { "Reaction" } else { "Reactions" }, reaction_rows)}
                {row("Type", kind_text)}
                {row("Status", Some(status_text))}
                {row("Started", onset)}
                {recorded.map(|d| view! { <div class="summary-row"><dt>"Recorded"</dt><dd><DateText date=d/></dd></div> })}
                {rows("Notes", notes)}
            </dl>
        </li>
    }
}
