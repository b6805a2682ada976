//! The summary: the newest of each section at a glance, each linking to its section.

use super::export;
use crate::api::FhirSearch;
use crate::components::clock::now_iso;
use crate::components::download;
use crate::components::load::{LoadFailure, PartialLoad};
use crate::components::notices::{ErrorReport, RecordNotice};
use crate::components::page::PageHeading;
use crate::components::record_fetch::{FetchStatus, RecordFetch, Search};
use crate::components::section::DateText;
use crate::features::appointments::AppointmentCard;
use crate::features::{allergies, appointments, medicines, problems, results};
use crate::fhir::reference::Resources;
use crate::session::{Portal, Session};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;

/// How many names a card lists before "and N more".
const SHOWN: usize = 5;

#[component]
fn SummaryCard(
    title: &'static str,
    href: &'static str,
    fetch: RecordFetch,
    children: ChildrenFn,
) -> impl IntoView {
    view! {
        <section class="card summary-card">
            <h2 class="card-title"><A href=href>{title}</A></h2>
            {move || match fetch.status.get() {
                // A card's searches are each one page: drawn together, so a card never shows
                // half its answer (prescriptions without the medicines a patient reported).
                FetchStatus::Loading | FetchStatus::Loaded { complete: false } => {
                    view! { <p class="quiet" role="status">"Loading…"</p> }.into_any()
                }
                FetchStatus::Failed(error) => view! { <LoadFailure error retry=fetch.retry compact=true/> }.into_any(),
                FetchStatus::Incomplete(error) => view! {
                    {children()}
                    <PartialLoad error retry=fetch.retry/>
                }
                .into_any(),
                FetchStatus::Loaded { complete: true } => children().into_any(),
            }}
        </section>
    }
}

/// The distinct names, first seen first: a problem recorded many times is listed once.
fn names(mut list: Vec<String>, none: &'static str) -> AnyView {
    let mut seen = std::collections::HashSet::new();
    list.retain(|n| seen.insert(n.to_lowercase()));
    if list.is_empty() {
        return view! { <p>{none}</p> }.into_any();
    }
    let more = list.len().saturating_sub(SHOWN);
    view! {
        <ul class="list">{list.into_iter().take(SHOWN).map(|n| view! { <li><bdi>{n}</bdi></li> }).collect_view()}</ul>
        {(more > 0).then(|| view! { <p class="hint">{format!("and {more} more")}</p> })}
    }
    .into_any()
}

#[component]
pub fn SummaryPage() -> impl IntoView {
    // Copy, so the cards' closures can be called again whenever more arrives.
    let locale = StoredValue::new(Portal::expect().locale.clone());
    let today = now_iso().get(..10).unwrap_or_default().to_string();

    let allergy_fetch = RecordFetch::new(vec![Search::all("AllergyIntolerance")]);
    let problem_fetch = RecordFetch::new(vec![Search::all("Condition")]);
    let medicine_fetch = RecordFetch::new(vec![
        Search::all("MedicationRequest"),
        Search::all("MedicationStatement"),
    ]);
    let appointment_fetch = RecordFetch::new(vec![Search::first_page(
        FhirSearch::new("Appointment")
            .on_or_after(&today)
            .oldest_first()
            .count(10),
    )]);
    let result_fetch = RecordFetch::new(vec![
        Search::first_page(FhirSearch::new("DiagnosticReport").count(3)),
        Search::first_page(
            FhirSearch::new("Observation")
                .category("laboratory")
                .count(50),
        ),
    ]);

    let allergy_names = move || {
        allergy_fetch.with(|d| {
            let list = locale.with_value(|l| allergies::model::build(&d[0], l));
            list.current
                .into_iter()
                .map(|a| match a.criticality {
                    Some(c) if a.high_risk => format!("{} ({})", a.substance, c.to_lowercase()),
                    _ => a.substance,
                })
                .collect::<Vec<_>>()
        })
    };
    let problem_names = move || {
        problem_fetch.with(|d| {
            locale
                .with_value(|l| problems::model::build(&d[0], l))
                .current
                .into_iter()
                .map(|p| p.name)
                .collect::<Vec<_>>()
        })
    };
    let medicine_names = move || {
        medicine_fetch.with(|d| {
            medicines::model::build(d.iter().flat_map(|l| l.iter()), &Resources::default())
                .current
                .into_iter()
                .map(|m| m.name)
                .collect::<Vec<_>>()
        })
    };
    let next_appointment = move || {
        appointment_fetch.with(|d| {
            appointments::model::build(&d[0], js_sys::Date::now())
                .current
                .into_iter()
                .find(|a| !a.status.is_off())
        })
    };
    let latest_results = move || {
        result_fetch.with(|d| {
            results::model::build(&d[0], &d[1])
                .groups
                .into_iter()
                .take(3)
                .collect::<Vec<_>>()
        })
    };

    view! {
        <PageHeading text="Your health record"/>
        <RecordNotice/>
        <div class="summary-grid">
            <SummaryCard title="Allergies" href="/record/allergies" fetch=allergy_fetch>
                {move || names(allergy_names(), "No allergies are recorded in this portal.")}
            </SummaryCard>
            <SummaryCard title="Next appointment" href="/record/appointments" fetch=appointment_fetch>
                {move || match next_appointment() {
                    Some(a) => view! { <ul class="card-list plain">
                        <AppointmentCard appointment=a/>
                    </ul> }.into_any(),
                    None => view! { <p>"No upcoming appointments are recorded in this portal."</p> }.into_any(),
                }}
            </SummaryCard>
            <SummaryCard title="Medicines" href="/record/medicines" fetch=medicine_fetch>
                {move || names(medicine_names(), "No current medicines are recorded in this portal.")}
            </SummaryCard>
            <SummaryCard title="Health problems" href="/record/problems" fetch=problem_fetch>
                {move || names(problem_names(), "No current health problems are recorded in this portal.")}
            </SummaryCard>
            <SummaryCard title="Latest test results" href="/record/results" fetch=result_fetch>
                {move || {
                    let groups = latest_results();
                    if groups.is_empty() {
                        return view! { <p>"No test results are recorded in this portal."</p> }.into_any();
                    }
                    view! {
                        <ul class="list">
                            {groups.into_iter().map(|g| {
                                let flagged = g.items.iter().filter(|i| i.flag.as_ref().is_some_and(|f| f.level != results::model::Level::Normal)).count();
                                view! {
                                    <li>
                                        {g.title}
                                        {g.date.map(|d| view! { ", " <DateText date=d/> })}
                                        {(flagged > 0).then(|| view! { <span class="tag tag-danger">{format!("{flagged} outside the normal range")}</span> })}
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }
                    .into_any()
                }}
            </SummaryCard>
        </div>
        <ExportRecord/>
        <ErrorReport/>
    }
}

#[component]
fn ExportRecord() -> impl IntoView {
    let session = Session::expect();
    let state = RwSignal::new(None::<Result<usize, String>>);
    let busy = RwSignal::new(false);
    let start = move |_| {
        if busy.get_untracked() {
            return;
        }
        let Some(patient) = session.patient.get_untracked() else {
            return;
        };
        busy.set(true);
        state.set(None);
        spawn_local(async move {
            let outcome = export::fetch_everything(&patient.id).await;
            busy.set(false);
            match outcome {
                Ok(resources) => {
                    let now = now_iso();
                    let count = resources.len();
                    let file = export::bundle(resources, &now);
                    let name = format!("health-record-{}.json", now.get(..10).unwrap_or("export"));
                    if download::save(file.to_string().as_bytes(), &name) {
                        state.set(Some(Ok(count)));
                    } else {
                        state.set(Some(Err("Your browser did not allow the download.".into())));
                    }
                }
                Err(e) => state.set(Some(Err(e.message()))),
            }
        });
    };
    view! {
        <section class="export" aria-labelledby="export-title">
            <h2 id="export-title">"Download your record"</h2>
            <p>"Save everything this portal holds about you as one file, in the FHIR format other health services and apps can read. Keep it somewhere safe: anyone with the file can read your record."</p>
            <button type="button" class="button secondary" aria-disabled=move || busy.get().then_some("true") on:click=start>
                {move || if busy.get() { "Preparing your file…" } else { "Download my record" }}
            </button>
            <p role="status">
                {move || match state.get() {
                    Some(Ok(n)) => format!("Your file is ready: {n} entries."),
                    Some(Err(m)) => m,
                    None => String::new(),
                }}
            </p>
        </section>
    }
}
