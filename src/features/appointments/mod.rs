//! The appointments section.

pub mod model;

use crate::components::clock::{Style, format_moment};
use crate::components::notices::AboutThisItem;
use crate::components::record_fetch::{RecordFetch, Search};
use crate::components::section::{Section, Split, Words, entry_list, row};
use crate::session::Portal;
use leptos::prelude::*;
use model::Appointment;

#[component]
pub fn AppointmentsPage() -> impl IntoView {
    let fetch = RecordFetch::new(vec![Search::all("Appointment")]);
    let list = Memo::new(move |_| fetch.with(|d| model::build(&d[0], js_sys::Date::now())));
    view! {
        <Section title="Appointments" what="your appointments" fetch>
            {move || {
                entry_list(
                    Words {
                        split: Some(Split {
                            current_title: "Upcoming appointments",
                            past_title: "Past appointments",
                            no_current: "No upcoming appointments are recorded in this portal.",
                            past_hint: None,
                        }),
                        none: "No appointments are recorded in this portal.",
                        none_note: None,
                    },
                    list.get().map(|a| view! { <AppointmentCard appointment=a/> }.into_any()),
                )
            }}
        </Section>
    }
}

#[component]
pub fn AppointmentCard(appointment: Appointment) -> impl IntoView {
    let info = Portal::expect();
    let a = appointment;
    let when = a.start.as_ref().map(|(iso, ms)| {
        let text = format_moment(*ms, &info.locale, &info.time_zone, Style::DateTime);
        let length = a.minutes.map(|m| format!(" ({m} minutes)")).unwrap_or_default();
        view! { <div class="summary-row"><dt>"When"</dt><dd><time datetime=iso.clone()>{text}</time>{length}</dd></div> }
    });
    let about_name = a.what.clone();
    view! {
        <li class="card" class:card-off=a.status.is_off()>
            <h3 class="card-title">
                <bdi>{a.what}</bdi>
                <span class="tag" class:tag-danger=a.status.is_off()>{a.status.words()}</span>
            </h3>
            <dl class="summary-list">
                {match when {
                    Some(w) => w.into_any(),
                    None => view! { <div class="summary-row"><dt>"When"</dt><dd>"Not booked yet"</dd></div> }.into_any(),
                }}
                {row("Where", a.place)}
                {row("With", a.clinician)}
                {row("Instructions", a.instructions)}
            </dl>
            <AboutThisItem reference=a.reference name=about_name/>
        </li>
    }
}
