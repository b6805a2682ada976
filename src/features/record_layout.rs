//! The signed-in frame around every record section: whose record it is (named in the address,
//! `/record/{patient}/{section}`, so a link is never ambiguous), the banner while acting for
//! someone else, what is not shown and why, and the sections. Opening another person's record
//! loads the list of people afresh (their access may have changed) and draws nothing of the
//! record before while it does.

use crate::acting_for::{self, Opening};
use crate::api::{self, ApiError, encode_component, types::PatientSummary};
use crate::components::clock::now_iso;
use crate::components::load::{Load, LoadFailure, Loading, load_into};
use crate::components::page::PageHeading;
use crate::features::terms::TermsText;
use crate::fhir::date::FhirDate;
use crate::route_guard::{record_path, shared_path};
use crate::sections::{self, SECTIONS};
use crate::session::{Portal, Session};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::{A, Outlet, Redirect};
use leptos_router::hooks::{use_location, use_params_map};

/// A section of the open record, for links from within it.
pub fn section_path(section: &str) -> String {
    Session::expect().patient.with_untracked(|p| match p {
        Some(p) => path_for(p, section),
        None => record_path("", section),
    })
}

/// Where a section of this record is: the record's own address, or the share's.
pub fn path_for(patient: &PatientSummary, section: &str) -> String {
    if patient.shared.is_some() {
        shared_path(&patient.id, section)
    } else {
        record_path(&patient.id, section)
    }
}

/// Whether a section shows anything this user may see of this record.
pub fn section_allowed(patient: &PatientSummary, section: &str) -> bool {
    sections::by_id(section).is_some_and(|s| {
        s.types.is_empty() || s.types.iter().any(|t| acting_for::allows_type(patient, t))
    })
}

/// Where "my record" is: the user's own, else the list of people (someone who only acts for
/// others, or for several).
fn home(people: &[PatientSummary], section: &str) -> String {
    match people.iter().find(|p| p.is_own()) {
        Some(own) => record_path(&own.id, section),
        None if people.len() == 1 => record_path(&people[0].id, section),
        None => "/record".into(),
    }
}

/// The link to `home`, in words that fit it.
fn home_words(people: &[PatientSummary]) -> &'static str {
    if people.iter().any(PatientSummary::is_own) {
        "Go to your record"
    } else {
        "Choose another record"
    }
}

/// Loads who the user may act for, and keeps it where the header's switcher finds it.
async fn load_people(session: Session) -> Result<Vec<PatientSummary>, ApiError> {
    let people = api::patients().await?;
    session.people.set(Some(people.clone()));
    Ok(people)
}

#[component]
pub fn RecordLayout() -> impl IntoView {
    let session = Session::expect();
    let params = use_params_map();
    let wanted = Memo::new(move |_| params.with(|p| p.get("patient").unwrap_or_default()));
    let state = RwSignal::new(Load::Loading);
    let retry = load_into(state, move || {
        let id = wanted.get_untracked();
        async move { load_people(session).await.map(|people| (id, people)) }
    });
    // Another person's record: their access may have changed since the list was loaded.
    Effect::new(move |_| {
        let id = wanted.get();
        if state.with_untracked(|s| matches!(s, Load::Ready((loaded_for, _)) if *loaded_for != id))
        {
            retry.run(());
        }
    });
    move || {
        let id = wanted.get();
        match state.get() {
            Load::Ready((loaded_for, people)) if loaded_for == id => {
                match people.iter().find(|p| p.id == id) {
                    Some(patient) => {
                        view! { <OpenRecord patient=patient.clone() people retry/> }.into_any()
                    }
                    None => view! { <NotOnTheList people/> }.into_any(),
                }
            }
            Load::Failed(error) => view! {
                <h1>"Your record"</h1>
                <LoadFailure error retry/>
            }
            .into_any(),
            _ => view! { <Loading what="Opening the record…"/> }.into_any(),
        }
    }
}

/// One person's record, once the list says it may open; else why not, or their terms first.
#[component]
fn OpenRecord(
    patient: PatientSummary,
    people: Vec<PatientSummary>,
    retry: Callback<()>,
) -> impl IntoView {
    let session = Session::expect();
    let locale = Portal::expect().locale.clone();
    match acting_for::opening(&patient, &locale) {
        Opening::Open => {
            // Before any section is drawn: sections read whose record is open as they start,
            // and nothing fetched for the person before stays.
            session.open_patient(patient.clone());
            let back = people
                .iter()
                .find(|p| p.is_own())
                .map(|own| record_path(&own.id, "summary"));
            // Someone with full access may share the record they act for.
            let may_share = Portal::expect().features.share
                && patient
                    .proxy
                    .as_ref()
                    .is_some_and(|p| p.withheld.is_empty());
            let share = format!("/shares/{}", encode_component(&patient.id));
            let share_words = format!("Share {}\u{2019}s record", patient.name);
            let privacy = format!("/privacy/{}", encode_component(&patient.id));
            let privacy_words = format!("{}\u{2019}s privacy", patient.name);
            view! {
                {match acting_for::banner(&patient, &locale) {
                    Some(text) => view! { <ActingForBanner text back/> }.into_any(),
                    None => view! { <PatientBanner patient=patient.clone()/> }.into_any(),
                }}
                {patient.proxy.is_some().then(|| view! {
                    <p class="own-record-links">
                        {may_share.then(|| view! { <A href=share>{share_words}</A> })}
                        <A href=privacy>{privacy_words}</A>
                    </p>
                })}
                <AccessNotes patient=patient.clone()/>
                <RecordBody patient/>
            }
            .into_any()
        }
        Opening::AcceptTerms { .. } => {
            session.patient.set(None);
            view! { <ProxyTerms patient retry/> }.into_any()
        }
        Opening::Closed { heading, words } => {
            session.patient.set(None);
            view! {
                <PageHeading text=heading/>
                {words.into_iter().map(|w| view! { <p>{w}</p> }).collect_view()}
                <p><a href=home(&people, "summary")>{home_words(&people)}</a></p>
            }
            .into_any()
        }
    }
}

/// Whether the reader of the open record sees all of it, for the words of an empty list.
#[derive(Clone, Copy)]
pub struct WholeRecord(pub bool);

impl WholeRecord {
    /// Outside a record (never in practice) the careful words are used.
    pub fn here() -> bool {
        use_context::<WholeRecord>().is_some_and(|w| w.0)
    }
}

/// The open record under its banner: what goes on paper, the sections, and the one asked for.
#[component]
pub fn RecordBody(patient: PatientSummary) -> impl IntoView {
    provide_context(WholeRecord(acting_for::sees_whole_record(&patient)));
    view! {
        <PrintedOn/>
        <RecordNav patient=patient.clone()/>
        <div class="record-section">
            <SectionOrWhyNot patient/>
        </div>
    }
}

/// The section asked for, or, for one outside this user's access, why it is not shown.
#[component]
fn SectionOrWhyNot(patient: PatientSummary) -> impl IntoView {
    let location = use_location();
    let section = move || {
        location
            .pathname
            .get()
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_string()
    };
    move || {
        let section = section();
        // An address naming no section is the section page's to answer: not found.
        if sections::by_id(&section).is_none() || section_allowed(&patient, &section) {
            view! { <Outlet/> }.into_any()
        } else if patient.shared.is_some() {
            view! {
                <PageHeading text="This part of the record is not shared with you"/>
                <p>"The patient chose which parts of their record to share. Ask them if you need to see more."</p>
                <p><A href=path_for(&patient, "summary")>"Go to the summary"</A></p>
            }
            .into_any()
        } else {
            let notes = acting_for::withheld_notes(&patient);
            view! {
                <PageHeading text="This part of the record is not shown to you"/>
                {notes.into_iter().map(|n| view! { <p>{n}</p> }).collect_view()}
                <p><A href=path_for(&patient, "summary")>"Go to the summary"</A></p>
            }
            .into_any()
        }
    }
}

/// Always in view while acting for someone else, with one tap back to the user's own record.
#[component]
fn ActingForBanner(text: String, back: Option<String>) -> impl IntoView {
    view! {
        <section class="acting-for" aria-label="Whose record this is">
            <p class="acting-for-text"><bdi>{text}</bdi></p>
            {match back {
                Some(href) => view! { <A href=href attr:class="button header-button">"Back to your record"</A> }.into_any(),
                None => view! { <A href="/record" attr:class="button header-button">"Choose a record"</A> }.into_any(),
            }}
        </section>
    }
}

/// What is not shown and why, and any change to come: said, never hidden.
#[component]
fn AccessNotes(patient: PatientSummary) -> impl IntoView {
    let locale = Portal::expect().locale.clone();
    let notes = acting_for::withheld_notes(&patient);
    let notice = acting_for::notice(&patient, &locale);
    view! {
        {notice.map(|n| view! { <div class="warning-callout"><p>{n}</p></div> })}
        {(!notes.is_empty()).then(|| view! {
            <div class="info-callout">
                {notes.into_iter().map(|n| view! { <p>{n}</p> }).collect_view()}
            </div>
        })}
    }
}

/// Before the first view of someone's record: the terms for acting for someone else.
#[component]
fn ProxyTerms(patient: PatientSummary, retry: Callback<()>) -> impl IntoView {
    let document = RwSignal::new(Load::Loading);
    let reload = load_into(document, || async {
        api::terms().await?.proxy.ok_or(ApiError::NotFound)
    });
    let problem = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let who = if patient.name.is_empty() {
        "this person".to_string()
    } else {
        patient.name.clone()
    };
    let patient_id = patient.id.clone();
    let accept = move |version: String| {
        if pending.get_untracked() {
            return;
        }
        pending.set(true);
        problem.set(None);
        let patient_id = patient_id.clone();
        spawn_local(async move {
            let outcome = api::accept_proxy_terms(&version, &patient_id).await;
            if pending.is_disposed() {
                return;
            }
            pending.set(false);
            match outcome {
                // The list says the terms are accepted now, and the record opens.
                Ok(()) => retry.run(()),
                Err(ApiError::Refused { status: 409, .. }) => {
                    problem.set(Some("The terms were updated while you were reading them. Please read the new version below.".into()));
                    reload.run(());
                }
                Err(e) => problem.set(Some(e.message())),
            }
        });
    };
    let heading = format!("Before you see {}\u{2019}s record", who);
    view! {
        <PageHeading text=heading/>
        <p class="lead">{format!("You are about to act for {who}. Please read these terms first: you need to accept them to see {who}\u{2019}s record.")}</p>
        {move || problem.get().map(|p| view! { <div class="error-callout" role="alert"><p>{p}</p></div> })}
        {move || match document.get() {
            Load::Loading => view! { <Loading what="Loading the terms…"/> }.into_any(),
            Load::Failed(error) => view! { <LoadFailure error retry=reload/> }.into_any(),
            Load::Ready(document) => {
                // The version accepted is the one shown.
                let shown = document.version.clone();
                view! {
                    <TermsText document show_title=true/>
                    <div class="button-group">
                        <button type="button" class="button" aria-disabled=move || pending.get().then_some("true")
                            on:click={let accept = accept.clone(); move |_| accept(shown.clone())}>
                            {move || if pending.get() { "Saving…" } else { "Accept and continue" }}
                        </button>
                        <A href="/record" attr:class="button secondary">"Not now"</A>
                    </div>
                }
                .into_any()
            }
        }}
    }
}

/// An address naming someone who is not on the user's list: never another patient's details.
#[component]
fn NotOnTheList(people: Vec<PatientSummary>) -> impl IntoView {
    let session = Session::expect();
    session.patient.set(None);
    view! {
        <PageHeading text="You cannot see this record"/>
        <p>"This record is not one you have access to. If you followed a link, it may be meant for someone else."</p>
        <p><a href=home(&people, "summary")>{home_words(&people)}</a></p>
    }
}

/// `/record` and old addresses without a person (`/record/allergies`): the user's own record, or
/// the list of people to choose from.
#[component]
pub fn ChooseRecord() -> impl IntoView {
    let session = Session::expect();
    let params = use_params_map();
    let state = RwSignal::new(Load::Loading);
    let retry = load_into(state, move || load_people(session));
    let locale = Portal::expect().locale.clone();
    move || match state.get() {
        Load::Loading => view! { <Loading what="Opening your record…"/> }.into_any(),
        Load::Failed(error) => view! {
            <h1>"Your record"</h1>
            <LoadFailure error retry/>
        }
        .into_any(),
        Load::Ready(people) => {
            let section = params.with_untracked(|p| p.get("section"));
            match section {
                Some(section) if sections::by_id(&section).is_some() => {
                    let path = home(&people, &section);
                    if path != "/record" {
                        return view! { <Redirect path/> }.into_any();
                    }
                }
                Some(_) => return view! { <Redirect path="/record"/> }.into_any(),
                // Only one record to open: nothing to choose.
                None if people.len() == 1 => {
                    return view! { <Redirect path=record_path(&people[0].id, "summary")/> }
                        .into_any();
                }
                None => {}
            }
            let locale = locale.clone();
            view! {
                <PageHeading text="Whose record do you want to see?"/>
                <ul class="link-cards">
                    {people.into_iter().map(|p| {
                        let href = record_path(&p.id, "summary");
                        let who = if p.is_own() { format!("{} (you)", p.name) } else { p.name.clone() };
                        let about = match (&p.proxy, acting_for::opening(&p, &locale)) {
                            (None, _) => "Your own record".to_string(),
                            (Some(proxy), Opening::Closed { heading, .. }) => format!("Your {}. {heading}.", proxy.patient_is),
                            (Some(proxy), _) => format!("Your {}", proxy.patient_is),
                        };
                        view! {
                            <li><A href=href attr:class="link-card">
                                <span class="link-card-title"><bdi>{who}</bdi></span>
                                <span class="link-card-about">{about}</span>
                            </A></li>
                        }
                    }).collect_view()}
                </ul>
            }
            .into_any()
        }
    }
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
    let features = Portal::expect().features.clone();
    let share = format!("/shares/{}", encode_component(&patient.id));
    let privacy = format!("/privacy/{}", encode_component(&patient.id));
    view! {
        <section class="patient-banner" aria-label="Whose record this is">
            <p class="patient-name"><bdi>{name}</bdi></p>
            {born.map(|b| view! { <p class="patient-born">{b}</p> })}
            <p class="patient-links">
                {features.share.then(|| view! { <A href=share>"Share my record"</A> })}
                {features.proxy.then(|| view! { <A href="/people">"Who can see my record"</A> })}
                <A href=privacy>"Privacy"</A>
            </p>
        </section>
    }
}

/// A row of links on wide screens; on phones, one "Sections" menu that opens below its button,
/// so the record starts near the top of the screen. Sections outside a proxy's access are left
/// out (the summary says why).
#[component]
fn RecordNav(patient: PatientSummary) -> impl IntoView {
    let location = use_location();
    let menu: NodeRef<leptos::html::Details> = NodeRef::new();
    let sections: Vec<(String, &'static str)> = SECTIONS
        .iter()
        .filter(|s| section_allowed(&patient, s.id))
        .map(|s| (path_for(&patient, s.id), s.name))
        .collect();
    let labels = sections.clone();
    let current = move || {
        let path = location.pathname.get();
        labels
            .iter()
            .find(|(href, _)| path.starts_with(href.as_str()))
            .map_or("Sections", |(_, label)| label)
    };
    // Choosing a section closes the menu.
    Effect::new(move |_| {
        location.pathname.track();
        if let Some(m) = menu.get() {
            m.set_open(false);
        }
    });
    let links = move || {
        sections
            .clone()
            .into_iter()
            .map(|(href, label)| view! { <li><A href=href>{label}</A></li> })
            .collect_view()
    };
    let narrow = links.clone();
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
                <ul>{narrow()}</ul>
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_addresses_name_the_person() {
        assert_eq!(
            record_path("demo-leo", "allergies"),
            "/record/demo-leo/allergies"
        );
        let own = PatientSummary {
            id: "me".into(),
            name: "Me".into(),
            birth_date: None,
            relationship: "self".into(),
            proxy: None,
            shared: None,
        };
        let other = PatientSummary {
            id: "leo".into(),
            relationship: "proxy".into(),
            ..own.clone()
        };
        assert_eq!(home(&[other.clone(), own], "results"), "/record/me/results");
        assert_eq!(
            home(std::slice::from_ref(&other), "results"),
            "/record/leo/results"
        );
        assert_eq!(home(&[other.clone(), other], "results"), "/record");
    }
}
