//! The signed-in frame around every record section: whose record it is, and the sections.

use crate::api::{self, ApiError, types::PatientSummary};
use crate::components::clock::now_iso;
use crate::components::load::{Load, LoadFailure, Loading, load_into};
use crate::fhir::date::FhirDate;
use crate::session::{Portal, Session};
use leptos::prelude::*;
use leptos_router::components::{A, Outlet};
use leptos_router::hooks::use_location;

/// The sections of the record, in the order the navigation lists them.
const SECTIONS: &[(&str, &str)] = &[
    ("/record/summary", "Summary"),
    ("/record/results", "Test results"),
    ("/record/trends", "Trends"),
    ("/record/medicines", "Medicines"),
    ("/record/allergies", "Allergies"),
    ("/record/problems", "Health problems"),
    ("/record/vaccinations", "Vaccinations"),
    ("/record/appointments", "Appointments"),
    ("/record/visits", "Visits"),
    ("/record/documents", "Documents"),
];

/// Opens the person's own record (acting for others comes with proxy access). The session knows
/// whose record is open before any section is drawn, since sections read it as they start.
async fn open_own_record(session: Session) -> Result<PatientSummary, ApiError> {
    let patients = api::patients().await?;
    let patient = patients
        .iter()
        .find(|p| p.relationship == "self")
        .or(patients.first())
        .cloned()
        .ok_or(ApiError::NotInScope)?;
    session.open_patient(patient.clone());
    Ok(patient)
}

#[component]
pub fn RecordLayout() -> impl IntoView {
    let session = Session::expect();
    let state = RwSignal::new(Load::Loading);
    let retry = load_into(state, move || open_own_record(session));
    view! {
        {move || match state.get() {
            Load::Loading => view! { <Loading what="Opening your record…"/> }.into_any(),
            Load::Failed(error) => view! {
                <h1>"Your record"</h1>
                <LoadFailure error retry/>
            }
            .into_any(),
            Load::Ready(patient) => view! {
                <PatientBanner patient/>
                <PrintedOn/>
                <RecordNav/>
                <div class="record-section">
                    <Outlet/>
                </div>
            }
            .into_any(),
        }}
    }
    .into_any()
}

#[component]
fn PatientBanner(patient: PatientSummary) -> impl IntoView {
    let locale = Portal::expect().locale.clone();
    let born = patient
        .birth_date
        .as_deref()
        .and_then(FhirDate::parse)
        .map(|d| format!("Born {}", d.display(&locale)));
    let name = if patient.name.is_empty() {
        "Your record".to_string()
    } else {
        patient.name.clone()
    };
    view! {
        <section class="patient-banner" aria-label="Whose record this is">
            <p class="patient-name"><bdi>{name}</bdi></p>
            {born.map(|b| view! { <p class="patient-born">{b}</p> })}
        </section>
    }
}

/// A row of links on wide screens; on phones, one "Sections" menu that opens below its button,
/// so the record starts near the top of the screen.
#[component]
fn RecordNav() -> impl IntoView {
    let location = use_location();
    let menu: NodeRef<leptos::html::Details> = NodeRef::new();
    let current = move || {
        let path = location.pathname.get();
        SECTIONS
            .iter()
            .find(|(href, _)| path.starts_with(href))
            .map_or("Sections", |(_, label)| label)
    };
    // Choosing a section closes the menu.
    Effect::new(move |_| {
        location.pathname.track();
        if let Some(m) = menu.get() {
            m.set_open(false);
        }
    });
    let links = || {
        SECTIONS
            .iter()
            .map(|(href, label)| view! { <li><A href=*href>{*label}</A></li> })
            .collect_view()
    };
    view! {
        <nav class="record-nav record-nav-wide" aria-label="Record sections">
            <ul>{links()}</ul>
        </nav>
        <nav class="record-nav-narrow" aria-label="Record sections">
            <details node_ref=menu>
                <summary>
                    <span class="menu-label">"Section: "</span>
                    <span class="menu-current">{current}</span>
                </summary>
                <ul>{links()}</ul>
            </details>
        </nav>
    }
}

/// Only on paper: when this was printed, and from where.
#[component]
fn PrintedOn() -> impl IntoView {
    let info = Portal::expect();
    let date = now_iso()
        .get(..10)
        .and_then(FhirDate::parse)
        .map(|d| d.display(&info.locale))
        .unwrap_or_default();
    view! {
        <p class="print-only">
            {format!("Printed on {date} from the {} patient portal. {}", info.organization.name, info.disclaimer)}
        </p>
    }
}
