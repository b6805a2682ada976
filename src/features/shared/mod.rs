//! A shared record, for the person the patient shared it with (no account): the code, the
//! patient's date of birth and their own name and organisation (`/shared`), then the shared parts
//! of the record under a banner that says whose it is, until when, and that the view is recorded
//! (`/shared/{patient}/…`). The view ends at the share's end, at "Stop sharing" (checked every
//! few seconds, and by every request), when the viewer leaves, or when left unused; each end
//! reloads the page, so nothing of the record stays in memory.

pub mod model;

use crate::api::{self, ApiError, types::SharedView};
use crate::components::clock::{Style, format_moment};
use crate::components::form::{DateInput, ErrorSummary, FieldError, TextField};
use crate::components::idle::{IdleDialog, IdleWords};
use crate::components::load::{Load, LoadFailure, Loading, load_into};
use crate::components::page::PageHeading;
use crate::features::record_layout::RecordBody;
use crate::fhir::date::FhirDate;
use crate::route_guard::shared_path;
use crate::session::{Portal, Session};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_navigate, use_query_map};
use model::Draft;
use std::time::Duration;

/// How often an open view asks whether the share still stands.
const CHECK_EVERY: Duration = Duration::from_secs(10);

/// Reloads the app at the form, saying why the view ended: the reload is what guarantees
/// nothing of the record stays in memory, in the page or behind the back button.
fn end_view(session: Session, why: &str) {
    session.patient.set(None);
    session
        .cache
        .update_value(crate::record_cache::RecordCache::clear);
    api::stop_viewing_share();
    if let Some(window) = web_sys::window() {
        let _ = window.location().replace(&format!("/shared?ended={why}"));
    }
}

/// The viewer leaves: whether or not the portal heard, the page forgets the record; the cookie
/// ends with the browser and the portal's idle clock in any case.
fn leave(session: Session) {
    spawn_local(async move {
        let _ = api::leave_share().await;
        end_view(session, "left");
    });
}

fn why_ended(error: &ApiError) -> &str {
    match error {
        ApiError::ShareEnded { why } => why,
        _ => "idle",
    }
}

/// `/shared`: the code (from the link's `#fragment` when opened from one), the patient's date
/// of birth, and who is looking.
#[component]
pub fn OpenSharePage() -> impl IntoView {
    let query = use_query_map();
    let ended = query.with_untracked(|q| q.get("ended"));
    let navigate = use_navigate();
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let code = RwSignal::new(String::new());
    let day = RwSignal::new(String::new());
    let month = RwSignal::new(String::new());
    let year = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let organisation = RwSignal::new(String::new());
    let sending = RwSignal::new(false);
    // A link from the patient carries the code after `#`, which no server ever sees; it is taken
    // into the form and out of the address bar and history.
    if let Some(window) = web_sys::window() {
        let hash = window.location().hash().unwrap_or_default();
        let typed = hash.trim_start_matches('#');
        if !typed.is_empty() && typed.len() <= 20 {
            code.set(typed.to_string());
        }
        if !hash.is_empty()
            && let Ok(history) = window.history()
        {
            let _ =
                history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some("/shared"));
        }
    }
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if sending.get_untracked() {
            return;
        }
        let draft = Draft {
            code: code.get_untracked(),
            day: day.get_untracked(),
            month: month.get_untracked(),
            year: year.get_untracked(),
            name: name.get_untracked(),
            organisation: organisation.get_untracked(),
        };
        let opening = match model::check(&draft) {
            Ok(o) => o,
            Err(problems) => {
                errors.set(FieldError::each_on(problems));
                return;
            }
        };
        errors.set(Vec::new());
        sending.set(true);
        let navigate = navigate.clone();
        spawn_local(async move {
            let outcome = api::open_share(
                &opening.code,
                &opening.birth_date,
                &opening.name,
                &opening.organisation,
            )
            .await;
            if sending.is_disposed() {
                return;
            }
            sending.set(false);
            match outcome {
                Ok(view) => navigate(
                    &shared_path(&view.patient.id, "summary"),
                    Default::default(),
                ),
                // Everything typed stays, with what to put right.
                Err(ApiError::ShareDetailsNotRight) => errors.set(vec![FieldError::on(
                    "shared-code",
                    "The code or the date of birth is not right. Check both with the patient",
                )]),
                Err(e) => errors.set(vec![FieldError::general(e.message())]),
            }
        });
    };
    view! {
        <PageHeading text="View a shared record"/>
        {ended.as_deref().and_then(model::ended_words).map(|(heading, text)| view! {
            <div class="notification-banner" role="status">
                <h2>{heading}</h2>
                <p>{text}</p>
            </div>
        })}
        <p class="lead">"A patient has shared part of their health record with you. Enter the code they gave you and their date of birth."</p>
        <p>"Your name and organisation are recorded with each visit, and the patient can see them."</p>
        <ErrorSummary errors/>
        <form class="form" novalidate on:submit=submit>
            <TextField id="shared-code" label="Code" value=code errors autocomplete="one-time-code"
                hint="12 letters and numbers, like K7Q2-9XMD-4TPA. Spaces, dashes and small letters are fine."/>
            <DateInput id="shared" legend="The patient\u{2019}s date of birth" hint="For example, 12 3 1954"
                day month year errors/>
            <TextField id="shared-name" label="Your full name" value=name errors autocomplete="name"/>
            <TextField id="shared-organisation" label="Your organisation" value=organisation errors
                autocomplete="organization" hint="For example, the GP surgery or hospital you work for."/>
            <button type="submit" class="button" aria-disabled=move || sending.get().then_some("true")>
                {move || if sending.get() { "Checking…" } else { "View the record" }}
            </button>
        </form>
    }
}

/// `/shared/{patient}/…`: the shared parts of the record, while the share stands.
#[component]
pub fn SharedLayout() -> impl IntoView {
    let session = Session::expect();
    // From here on every record request is the share's; its end, seen by any of them, ends the
    // view.
    api::view_share(move |error| end_view(session, why_ended(&error)));
    on_cleanup(api::stop_viewing_share);
    let state = RwSignal::new(Load::Loading);
    let retry = load_into(state, || api::shared_view(true));
    // The share can be stopped at any moment: asked again every few seconds.
    let check = move || {
        spawn_local(async move {
            if let Err(
                e
                @ (ApiError::ShareEnded { .. } | ApiError::SessionExpired | ApiError::NotSignedIn),
            ) = api::shared_view(false).await
            {
                end_view(session, why_ended(&e));
            }
            // A check that did not get through says nothing about the share.
        });
    };
    if let Ok(handle) = set_interval_with_handle(check, CHECK_EVERY) {
        on_cleanup(move || handle.clear());
    }
    move || match state.get() {
        Load::Loading => view! { <Loading what="Opening the shared record…"/> }.into_any(),
        Load::Failed(
            e @ (ApiError::ShareEnded { .. } | ApiError::SessionExpired | ApiError::NotSignedIn),
        ) => {
            end_view(session, why_ended(&e));
            view! { <Loading what="Closing the shared record…"/> }.into_any()
        }
        Load::Failed(error) => view! {
            <h1>"The shared record"</h1>
            <LoadFailure error retry/>
        }
        .into_any(),
        Load::Ready(view) => {
            let patient = view.patient_summary();
            session.open_patient(patient.clone());
            let timeout = Portal::expect().idle_timeout_seconds;
            view! {
                <SharedBanner view/>
                <IdleDialog timeout_seconds=timeout
                    words=IdleWords {
                        title: "Are you still looking at the record?",
                        text: "You have not used the shared record for a while. To keep it private, we will close it in ",
                        stay: "Keep looking",
                        leave: "Leave the record",
                    }
                    stay=Callback::new(|()| spawn_local(async { let _ = api::shared_view(true).await; }))
                    timed_out=Callback::new(move |()| end_view(session, "idle"))
                    leave=Callback::new(move |()| leave(session))/>
                <RecordBody patient/>
            }
            .into_any()
        }
    }
}

/// Always in view: whose record, until when (counting down), that the view is recorded, and a
/// way to leave.
#[component]
fn SharedBanner(view: SharedView) -> impl IntoView {
    let session = Session::expect();
    let locale = Portal::expect().locale.clone();
    let born = view
        .patient
        .birth_date
        .as_deref()
        .and_then(FhirDate::parse)
        .map(|d| format!(" (born {})", d.display(&locale)))
        .unwrap_or_default();
    let who = if view.patient.name.is_empty() {
        "A patient".to_string()
    } else {
        view.patient.name.clone()
    };
    // Counted on this device from what the portal said, so a wrong device clock cannot skew it.
    let deadline = js_sys::Date::now() + view.seconds_left as f64 * 1000.0;
    let info = Portal::expect();
    let moment = |ms: f64, style| format_moment(ms, &info.locale, &info.time_zone, style);
    let now = js_sys::Date::now();
    let until = model::ends_at_in_words(model::EndsAt {
        day: &moment(deadline, Style::Day),
        today: &moment(now, Style::Day),
        tomorrow: &moment(now + 86_400_000.0, Style::Day),
        time: &moment(deadline, Style::Time),
        in_full: &moment(deadline, Style::DateTime),
    });
    let left = RwSignal::new(view.seconds_left);
    let tick = move || {
        let seconds = ((deadline - js_sys::Date::now()) / 1000.0).ceil().max(0.0) as u64;
        let _ = left.try_set(seconds);
        if seconds == 0 {
            end_view(session, "expired");
        }
    };
    if let Ok(handle) = set_interval_with_handle(tick, Duration::from_secs(1)) {
        on_cleanup(move || handle.clear());
    }
    let shared_words = crate::acting_for::what_was_shared(&who, &view.types);
    let leaving = RwSignal::new(false);
    let leave_now = move |_| {
        if leaving.get_untracked() {
            return;
        }
        leaving.set(true);
        leave(session);
    };
    view! {
        <section class="shared-banner" aria-label="Whose record this is">
            <div>
                <p class="shared-banner-who"><bdi>{format!("{who}{born}")}</bdi></p>
                <p>{move || format!("Shared with you until {until} ({} left)", model::time_left(left.get()))}</p>
            </div>
            <button type="button" class="button header-button" on:click=leave_now>
                {move || if leaving.get() { "Leaving…" } else { "Leave the record" }}
            </button>
        </section>
        <p class="info-callout">{shared_words} " This visit is recorded. The patient can see your name and organisation, and when you looked."</p>
    }
}
