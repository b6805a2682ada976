//! The health problems section (Conditions).

pub mod model;

use crate::components::notices::AboutThisItem;
use crate::components::record_fetch::{RecordFetch, Search};
use crate::components::section::{DateText, Section, Split, Words, entry_list, row, rows};
use crate::session::Portal;
use leptos::prelude::*;
use model::Problem;

#[component]
pub fn ProblemsPage() -> impl IntoView {
    let locale = Portal::expect().locale.clone();
    let fetch = RecordFetch::new(vec![Search::all("Condition")]);
    let list = Memo::new(move |_| fetch.with(|d| model::build(&d[0], &locale)));
    view! {
        <Section title="Health problems" what="your health problems" fetch>
            {move || {
                entry_list(
                    Words {
                        split: Some(Split {
                            current_title: "Current problems",
                            past_title: "Past problems",
                            no_current: "No current problems are recorded in this portal.",
                            past_hint: None,
                        }),
                        none: "No health problems are recorded in this portal.",
                        none_note: None,
                    },
                    list.get().map(|p| view! { <ProblemCard problem=p/> }.into_any()),
                )
            }}
        </Section>
    }
}

#[component]
fn ProblemCard(problem: Problem) -> impl IntoView {
    let about_name = problem.name.clone();
    view! {
        <li class="card">
            <h3 class="card-title"><bdi>{problem.name}</bdi></h3>
            <dl class="summary-list">
                {row("Status", Some(problem.status.words().to_string()))}
                {row("Since", problem.since)}
                {row("Ended", problem.ended)}
                {row("Severity", problem.severity)}
                {row("Where", problem.body_site)}
                {problem.recorded.map(|d| view! { <div class="summary-row"><dt>"Recorded"</dt><dd><DateText date=d/></dd></div> })}
                {rows("Notes", problem.notes)}
            </dl>
            <AboutThisItem reference=problem.reference name=about_name/>
        </li>
    }
}
