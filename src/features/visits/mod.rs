//! The visits section (Encounters).

pub mod model;

use crate::components::clock::{Style, format_moment};
use crate::components::notices::AboutThisItem;
use crate::components::record_fetch::{RecordFetch, Search};
use crate::components::section::{Section, Words, entry_list, row};
use crate::session::Portal;
use leptos::prelude::*;
use model::Visit;

#[component]
pub fn VisitsPage() -> impl IntoView {
    let fetch = RecordFetch::new(vec![Search::all("Encounter")]);
    let list = Memo::new(move |_| fetch.with(|d| model::build(&d[0])));
    view! {
        <Section title="Visits" what="your visits" fetch>
            {move || {
                entry_list(
                    Words {
                        split: None,
                        none: "No visits are recorded in this portal.",
                        none_note: None,
                    },
                    list.get().map(|v| view! { <VisitCard visit=v/> }.into_any()),
                )
            }}
        </Section>
    }
}

#[component]
fn VisitCard(visit: Visit) -> impl IntoView {
    let info = Portal::expect();
    let when = visit.start.as_ref().map(|(iso, ms)| {
        let start = format_moment(*ms, &info.locale, &info.time_zone, Style::DateTime);
        let end = visit.end.as_ref().map(|(_, e)| {
            let same_day = (e - ms) < 86_400_000.0;
            format_moment(*e, &info.locale, &info.time_zone, if same_day { Style::Time } else { Style::DateTime })
        });
        let text = match end {
            Some(e) => format!("{start} to {e}"),
            None => start,
        };
        view! { <div class="summary-row"><dt>"When"</dt><dd><time datetime=iso.clone()>{text}</time></dd></div> }
    });
    let about_name = visit.what.clone().unwrap_or_else(|| visit.kind.clone());
    view! {
        <li class="card">
            <h2 class="card-title">
                <bdi>{about_name.clone()}</bdi>
                {visit.status.map(|s| view! { <span class="tag">{s}</span> })}
            </h2>
            <dl class="summary-list">
                {when}
                {row("Type", visit.what.is_some().then_some(visit.kind))}
                {row("Where", visit.location)}
                {row("Reason", visit.reason)}
                {row("Seen by", visit.clinician)}
                {row("Organisation", visit.provider)}
            </dl>
            <AboutThisItem reference=visit.reference name=about_name/>
        </li>
    }
}
