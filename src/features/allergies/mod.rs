//! The allergies section.

pub mod model;

use crate::components::notices::AboutThisItem;
use crate::components::record_fetch::{RecordFetch, Search};
use crate::components::section::{DateText, Section, Split, Words, entry_list, row, rows};
use crate::session::Portal;
use leptos::prelude::*;
use model::Allergy;

#[component]
pub fn AllergiesPage() -> impl IntoView {
    let locale = Portal::expect().locale.clone();
    let fetch = RecordFetch::new(vec![Search::all("AllergyIntolerance")]);
    let list = Memo::new(move |_| fetch.with(|d| model::build(&d[0], &locale)));
    view! {
        <Section title="Allergies" what="your allergies" fetch>
            {move || {
                entry_list(
                    Words {
                        split: Some(Split {
                            current_title: "Current allergies",
                            past_title: "Past allergies",
                            no_current: "No current allergies are recorded in this portal.",
                            past_hint: Some("These no longer apply, were resolved, or were ruled out."),
                        }),
                        none: "No allergies are recorded in this portal.",
                        none_note: Some("If you have an allergy or a reaction to a medicine that is not shown here, tell your clinical team."),
                    },
                    list.get().map(|a| view! { <AllergyCard allergy=a/> }.into_any()),
                )
            }}
        </Section>
    }
}

#[component]
fn AllergyCard(allergy: Allergy) -> impl IntoView {
    let type_text = allergy.type_text();
    let reaction_rows = allergy.reaction_lines();
    let status_text = allergy.status_text();
    let reference =
        Some(format!("AllergyIntolerance/{}", allergy.id)).filter(|_| !allergy.id.is_empty());
    let Allergy {
        substance,
        criticality,
        high_risk,
        recorded,
        onset,
        notes,
        ..
    } = allergy;
    let about_name = substance.clone();
    view! {
        <li class="card" class:card-high-risk=high_risk>
            <h3 class="card-title">
                <bdi>{substance}</bdi>
                {criticality.map(|c| view! { <span class="tag" class:tag-danger=high_risk>{c}</span> })}
            </h3>
            <dl class="summary-list">
                {rows(if reaction_rows.len() == 1 { "Reaction" } else { "Reactions" }, reaction_rows)}
                {row("Type", type_text)}
                {row("Status", Some(status_text))}
                {row("Started", onset)}
                {recorded.map(|d| view! { <div class="summary-row"><dt>"Recorded"</dt><dd><DateText date=d/></dd></div> })}
                {rows("Notes", notes)}
            </dl>
            <AboutThisItem reference name=about_name/>
        </li>
    }
}
