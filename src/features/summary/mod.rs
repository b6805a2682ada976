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
use crate::features::record_layout::{self, section_path};
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
    section: &'static str,
    /// None: this section is not part of the user's access to this record, or not shared.
    fetch: Option<RecordFetch>,
    /// Part of the user's access, but the hospital's record system does not share it.
    not_shared: bool,
    children: ChildrenFn,
) -> impl IntoView {
    if not_shared {
        let words = crate::sections::by_id(section).map(crate::features::not_shared_words);
        return view! {
            <section class="card summary-card">
                <h2 class="card-title"><A href=section_path(section)>{title}</A></h2>
                <p>{words}</p>
            </section>
        }
        .into_any();
    }
    // Outside the user's access: left out (the note above the record says why).
    let Some(fetch) = fetch else {
        return ().into_any();
    };
    view! {
        <section class="card summary-card">
            <h2 class="card-title"><A href=section_path(section)>{title}</A></h2>
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
    .into_any()
}

/// The distinct names, first seen first: a problem recorded many times is listed once.
fn names(mut list: Vec<String>, none: String) -> AnyView {
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

    // Only what the user's access to this record includes is fetched.
    let patient = Session::expect().patient.get_untracked();
    let viewer = patient.as_ref().is_some_and(|p| p.shared.is_some());
    let heading = match &patient {
        Some(p) if !p.is_own() && !p.name.is_empty() => {
            format!("{}\u{2019}s health record", p.name)
        }
        _ => "Your health record".to_string(),
    };
    let allowed = |section: &str| {
        patient
            .as_ref()
            .is_some_and(|p| record_layout::section_allowed(p, section))
    };
    let portal = Portal::expect();
    let shared = |section: &str| {
        crate::sections::by_id(section).is_none_or(|s| portal.record_system.shares(s))
    };
    let not_shared = |section: &str| allowed(section) && !shared(section);
    let fetch = |section: &str, searches: Vec<Search>| {
        (allowed(section) && shared(section)).then(|| RecordFetch::new(searches))
    };
    let allergy_fetch = fetch("allergies", vec![Search::all("AllergyIntolerance")]);
    let problem_fetch = fetch("problems", vec![Search::all("Condition")]);
    let medicine_fetch = fetch(
        "medicines",
        vec![
            Search::all("MedicationRequest"),
            Search::all("MedicationStatement"),
        ],
    );
    let appointment_fetch = fetch(
        "appointments",
        vec![Search::first_page(
            FhirSearch::new("Appointment")
                .on_or_after(&today)
                .oldest_first()
                .count(10),
        )],
    );
    let result_fetch = fetch(
        "results",
        vec![
            Search::first_page(FhirSearch::new("DiagnosticReport").count(3)),
            Search::first_page(
                FhirSearch::new("Observation")
                    .category("laboratory")
                    .count(50),
            ),
        ],
    );

    let allergy_names = move || {
        allergy_fetch
            .map(|f| {
                f.with(|d| {
                    let list = locale.with_value(|l| allergies::model::build(&d[0], l));
                    list.current
                        .into_iter()
                        .map(|a| match a.criticality {
                            Some(c) if a.high_risk => {
                                format!("{} ({})", a.substance, c.to_lowercase())
                            }
                            _ => a.substance,
                        })
                        .collect::<Vec<_>>()
                })
            })
            .unwrap_or_default()
    };
    let problem_names = move || {
        problem_fetch
            .map(|f| {
                f.with(|d| {
                    locale
                        .with_value(|l| problems::model::build(&d[0], l))
                        .current
                        .into_iter()
                        .map(|p| p.name)
                        .collect::<Vec<_>>()
                })
            })
            .unwrap_or_default()
    };
    let medicine_names = move || {
        medicine_fetch
            .map(|f| {
                f.with(|d| {
                    medicines::model::build(d.iter().flat_map(|l| l.iter()), &Resources::default())
                        .current
                        .into_iter()
                        .map(|m| m.name)
                        .collect::<Vec<_>>()
                })
            })
            .unwrap_or_default()
    };
    let next_appointment = move || {
        appointment_fetch.and_then(|f| {
            f.with(|d| {
                appointments::model::build(&d[0], js_sys::Date::now())
                    .current
                    .into_iter()
                    .find(|a| !a.status.is_off())
            })
        })
    };
    let latest_results = move || {
        result_fetch
            .map(|f| {
                f.with(|d| {
                    results::model::build(&d[0], &d[1])
                        .groups
                        .into_iter()
                        .take(3)
                        .collect::<Vec<_>>()
                })
            })
            .unwrap_or_default()
    };

    // A reader who does not see the whole record is never told "nothing is recorded".
    let whole = crate::features::record_layout::WholeRecord::here();
    let none = move |recorded: &str| crate::acting_for::nothing_here(recorded, whole);
    view! {
        <PageHeading text=heading/>
        <RecordNotice/>
        <div class="summary-grid">
            <SummaryCard title="Allergies" section="allergies" fetch=allergy_fetch not_shared=not_shared("allergies")>
                {move || names(allergy_names(), none("No allergies are recorded in this portal."))}
            </SummaryCard>
            <SummaryCard title="Next appointment" section="appointments" fetch=appointment_fetch not_shared=not_shared("appointments")>
                {move || match next_appointment() {
                    Some(a) => view! { <ul class="card-list plain">
                        <AppointmentCard appointment=a/>
                    </ul> }.into_any(),
                    None => view! { <p>{none("No upcoming appointments are recorded in this portal.")}</p> }.into_any(),
                }}
            </SummaryCard>
            <SummaryCard title="Medicines" section="medicines" fetch=medicine_fetch not_shared=not_shared("medicines")>
                {move || names(medicine_names(), none("No current medicines are recorded in this portal."))}
            </SummaryCard>
            <SummaryCard title="Health problems" section="problems" fetch=problem_fetch not_shared=not_shared("problems")>
                {move || names(problem_names(), none("No current health problems are recorded in this portal."))}
            </SummaryCard>
            <SummaryCard title="Latest test results" section="results" fetch=result_fetch not_shared=not_shared("results")>
                {move || {
                    let groups = latest_results();
                    if groups.is_empty() {
                        return view! { <p>{none("No test results are recorded in this portal.")}</p> }.into_any();
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
        // A share's viewer sees the record, not the patient's own tools for it.
        {(!viewer).then(|| view! {
            <ExportRecord/>
            <ErrorReport/>
        })}
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
            let outcome = export::fetch_everything(&patient).await;
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
    // Someone acting for another person downloads what they can see of that person's record.
    let whose = session
        .patient
        .get_untracked()
        .filter(|p| !p.is_own() && !p.name.is_empty())
        .map(|p| p.name);
    let (heading, about, button) = match &whose {
        Some(name) => (
            format!("Download {name}\u{2019}s record"),
            format!("Save what you can see of {name}\u{2019}s record as one file, in the FHIR format other health services and apps can read. Keep it somewhere safe: anyone with the file can read it."),
            "Download their record",
        ),
        None => (
            "Download your record".to_string(),
            "Save everything this portal holds about you as one file, in the FHIR format other health services and apps can read. Keep it somewhere safe: anyone with the file can read your record.".to_string(),
            "Download my record",
        ),
    };
    view! {
        <section class="export" aria-labelledby="export-title">
            <h2 id="export-title">{heading}</h2>
            <p>{about}</p>
            <button type="button" class="button secondary" aria-disabled=move || busy.get().then_some("true") on:click=start>
                {move || if busy.get() { "Preparing the file…" } else { button }}
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
