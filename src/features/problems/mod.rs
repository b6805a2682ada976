//! The health problems section (Conditions).

pub mod model;

use crate::components::record_fetch::{RecordFetch, Search};
use crate::components::section::{DateText, Section, Unreadable, row, rows};
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
                let list = list.get();
                if list.current.is_empty() && list.past.is_empty() && list.unreadable == 0 {
                    return view! { <p class="empty">"No health problems are recorded in this portal."</p> }.into_any();
                }
                view! {
                    <h2>"Current problems"</h2>
                    {if list.current.is_empty() {
                        view! { <p class="empty">"No current problems are recorded in this portal."</p> }.into_any()
                    } else {
                        view! { <ul class="card-list">{list.current.into_iter().map(|p| view! { <ProblemCard problem=p/> }).collect_view()}</ul> }.into_any()
                    }}
                    {(!list.past.is_empty()).then(|| view! {
                        <h2>"Past problems"</h2>
                        <ul class="card-list">{list.past.into_iter().map(|p| view! { <ProblemCard problem=p/> }).collect_view()}</ul>
                    })}
                    <Unreadable count=list.unreadable/>
                }
                .into_any()
            }}
        </Section>
    }
}

#[component]
fn ProblemCard(problem: Problem) -> impl IntoView {
    view! {
        <li class="card">
            <h3 class="card-title">{problem.name}</h3>
            <dl class="summary-list">
                {row("Status", Some(problem.status.to_string()))}
                {row("Since", problem.since)}
                {row("Ended", problem.ended)}
                {row("Severity", problem.severity)}
                {row("Where", problem.body_site)}
                {problem.recorded.map(|d| view! { <div class="summary-row"><dt>"Recorded"</dt><dd><DateText date=d/></dd></div> })}
                {rows("Notes", problem.notes)}
            </dl>
        </li>
    }
}
