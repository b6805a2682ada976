//! The standing notices a medical portal owes its readers, worded by the hospital (`/portal`).

use crate::session::Portal;
use leptos::prelude::*;

/// "Not your full record" and what to do about an error, above every record section.
#[component]
pub fn RecordNotice() -> impl IntoView {
    let info = Portal::expect();
    view! {
        <div class="warning-callout">
            <p>{info.not_full_record.clone()}</p>
            <p>{info.record_errors.clone()}</p>
        </div>
    }
}

/// The help desk's number, where the portal has said it (not yet, if start-up itself failed).
/// `purpose` says what the desk can do here, for a line that stands on its own.
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
        view! {
            <p class="help-desk">
                {lead}
                <a href=tel>{desk.phone.clone()}</a>
                {hours}
                {tail}
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
