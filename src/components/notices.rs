//! The standing notices a medical portal owes its readers, worded by the hospital (`/portal`).

use crate::api;
use crate::route_guard::messages_path;
use crate::session::{Portal, Session};
use leptos::prelude::*;
use leptos_router::components::A;

/// "Not your full record", above every record section: read before the entries.
#[component]
pub fn RecordNotice() -> impl IntoView {
    let info = Portal::expect();
    view! {
        <div class="warning-callout">
            <p>{info.not_full_record.clone()}</p>
        </div>
    }
}

/// What to do about an error in the record, below every record section: where the reader is
/// when they have found one.
#[component]
pub fn ErrorReport() -> impl IntoView {
    let info = Portal::expect();
    let report = match info
        .record_errors_url
        .as_deref()
        .and_then(api::address::same_origin_or_https)
    {
        Some(url) => {
            view! { <p><a href=url>"Tell us about an error in your record"</a></p> }.into_any()
        }
        None => {
            view! { <HelpDeskLine purpose="to tell us about an error in your record"/> }.into_any()
        }
    };
    let message = messaging_patient().map(|p| {
        let href = format!("{}?topic=record-correction", messages_path(&p, "new"));
        view! { <p><A href=href>"Send a message to your care team about it"</A></p> }
    });
    view! {
        <section class="inset error-report" aria-labelledby="error-report-title">
            <h2 id="error-report-title" class="heading-small">"Something wrong in your record?"</h2>
            <p>{info.record_errors.clone()}</p>
            {message}
            {report}
        </section>
    }
}

/// The user's own footing on the record in view, for a message about it: None in a share's view,
/// whose reader has no one to message.
fn messaging_patient() -> Option<String> {
    Session::expect().patient.with_untracked(|p| {
        p.as_ref()
            .filter(|p| p.shared.is_none())
            .map(|p| p.id.clone())
    })
}

/// "Something wrong with this?" under one item of the record: a message to the care team about
/// it, already linked to it (`Communication.about`), so a correction names what it is about.
#[component]
pub fn AboutThisItem(reference: Option<String>, #[prop(into)] name: String) -> impl IntoView {
    let (patient, reference) = (messaging_patient()?, reference?);
    let href = format!(
        "{}?about={}",
        messages_path(&patient, "new"),
        api::encode_component(&reference)
    );
    Some(view! {
        <p class="about-item no-print">
            <A href=href>"Something wrong with this? Tell us"<span class="visually-hidden">{format!(" about {name}")}</span></A>
        </p>
    })
}

#[component]
pub fn HelpDeskLine(#[prop(optional)] purpose: Option<&'static str>) -> impl IntoView {
    let info = use_context::<Portal>()?.0;
    let desk = &info.help_desk;
    (!desk.phone.is_empty()).then(|| {
        let tel = format!(
            "tel:{}",
            desk.phone
                .chars()
                .filter(|c| c.is_ascii_digit() || *c == '+')
                .collect::<String>()
        );
        let hours = (!desk.hours.is_empty()).then(|| format!(" ({})", desk.hours));
        let (lead, tail) = match purpose {
            Some(p) => ("Call the help desk on ", format!(" {p}.")),
            None => ("Need help? Call the help desk on ", ".".to_string()),
        };
        let email = desk.email.clone().filter(|e| e.contains('@')).map(|e| {
            view! { " You can also email " <a href=format!("mailto:{e}")>{e.clone()}</a> "." }
        });
        view! {
            <p class="help-desk">
                {lead}
                <a href=tel>{desk.phone.clone()}</a>
                {hours}
                {tail}
                {email}
            </p>
        }
    })
}

#[component]
pub fn Footer() -> impl IntoView {
    let info = Portal::expect();
    view! {
        <footer class="site-footer">
            <div class="width-container">
                <HelpDeskLine/>
                <p class="disclaimer">{info.disclaimer.clone()}</p>
                <p class="org">{info.organization.name.clone()}</p>
            </div>
        </footer>
    }
}
