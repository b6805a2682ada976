//! The vaccinations section (Immunizations).

pub mod model;

use crate::components::notices::AboutThisItem;
use crate::components::record_fetch::{RecordFetch, Search};
use crate::components::section::{DateText, Section, Words, entry_list, row, rows};
use leptos::prelude::*;
use model::Vaccination;

#[component]
pub fn VaccinationsPage() -> impl IntoView {
    let fetch = RecordFetch::new(vec![Search::all("Immunization")]);
    let list = Memo::new(move |_| fetch.with(|d| model::build(&d[0])));
    view! {
        <Section title="Vaccinations" what="your vaccinations" fetch>
            {move || {
                entry_list(
                    Words {
                        split: None,
                        none: "No vaccinations are recorded in this portal.",
                        none_note: None,
                    },
                    list.get().map(|v| view! { <VaccinationCard vaccination=v/> }.into_any()),
                )
            }}
        </Section>
    }
}

#[component]
fn VaccinationCard(vaccination: Vaccination) -> impl IntoView {
    let v = vaccination;
    let about_name = v.vaccine.clone();
    view! {
        <li class="card">
            <h2 class="card-title">
                <bdi>{v.vaccine}</bdi>
                {(!v.given).then(|| view! { <span class="tag">"Not given"</span> })}
            </h2>
            <dl class="summary-list">
                {match (v.date, v.when_text) {
                    (Some(d), _) => Some(view! { <div class="summary-row"><dt>"Date"</dt><dd><DateText date=d/></dd></div> }.into_any()),
                    (None, Some(t)) => Some(row("Date", Some(t)).into_any()),
                    (None, None) => None,
                }}
                {row("Dose", v.dose)}
                {row("Why not given", v.not_given_reason)}
                {row("Given by", v.given_by)}
                {row("Where", v.place)}
                {rows("Notes", v.notes)}
            </dl>
            <AboutThisItem reference=v.reference name=about_name/>
        </li>
    }
}
