//! The medicines section: prescriptions and reported medicines, current and past.

pub mod model;

use crate::api;
use crate::components::load::Runs;
use crate::components::notices::AboutThisItem;
use crate::components::record_fetch::{FetchStatus, RecordFetch, Search};
use crate::components::section::{DateText, Section, Split, Words, entry_list, row, rows};
use crate::fhir::reference::Resources;
use leptos::prelude::*;
use model::Medicine;
use serde_json::Value;

#[component]
pub fn MedicinesPage() -> impl IntoView {
    let fetch = RecordFetch::new(vec![
        Search::all("MedicationRequest"),
        Search::all("MedicationStatement"),
    ]);
    // Medicines named only through a reference to a Medication resource: fetched once the lists
    // are in, and shown by the reference's display until (or unless) they arrive.
    let medications = RwSignal::new(Vec::<Value>::new());
    let asked = StoredValue::new(Vec::<String>::new());
    // The reads stop when the screen is left.
    let runs = Runs::new();
    let run = runs.start();
    Effect::new(move |_| {
        if !matches!(fetch.status.get(), FetchStatus::Loaded { complete: true }) {
            return;
        }
        let wanted = fetch.with(|d| model::referenced_medications(d.iter().flat_map(|l| l.iter())));
        for reference in wanted {
            if asked.with_value(|a| a.contains(&reference)) {
                continue;
            }
            asked.update_value(|a| a.push(reference.clone()));
            let id = reference.trim_start_matches("Medication/").to_string();
            runs.spawn(run, async move {
                if let Ok(m) = api::read("Medication", &id).await {
                    medications.update(|list| list.push(m));
                }
            });
        }
    });
    let list = Memo::new(move |_| {
        medications.with(|fetched| {
            let store = Resources::new(fetched);
            fetch.with(|d| model::build(d.iter().flat_map(|l| l.iter()), &store))
        })
    });
    view! {
        <Section title="Medicines" what="your medicines" fetch>
            {move || {
                entry_list(
                    Words {
                        split: Some(Split {
                            current_title: "Current medicines",
                            past_title: "Past medicines",
                            no_current: "No current medicines are recorded in this portal.",
                            past_hint: None,
                        }),
                        none: "No medicines are recorded in this portal.",
                        none_note: None,
                    },
                    list.get().map(|m| view! { <MedicineCard medicine=m/> }.into_any()),
                )
            }}
        </Section>
    }
}

#[component]
fn MedicineCard(medicine: Medicine) -> impl IntoView {
    let m = medicine;
    let about_name = m.name.clone();
    view! {
        <li class="card">
            <h3 class="card-title"><bdi>{m.name}</bdi></h3>
            <dl class="summary-list">
                {row("How to take it", m.instructions)}
                {row("Status", Some(m.status.words().to_string()))}
                {m.started.map(|d| view! { <div class="summary-row"><dt>"Started"</dt><dd><DateText date=d/></dd></div> })}
                {m.ended.map(|d| view! { <div class="summary-row"><dt>"Ended"</dt><dd><DateText date=d/></dd></div> })}
                {row("Prescribed by", m.prescriber)}
                {row("What it is for", m.reason)}
                {row("Source", Some(m.source.words().to_string()))}
                {rows("Notes", m.notes)}
            </dl>
            <AboutThisItem reference=m.reference name=about_name/>
        </li>
    }
}
