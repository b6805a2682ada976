//! A share just made: the code, large and grouped for reading aloud, the address to open it at
//! and a QR code of it; the same share as a SMART Health Link with its own QR code. Shown this
//! once: the portal keeps neither.

use crate::api::types::MadeShare;
use crate::components::clock::{Style, format_moment};
use crate::components::qr::{CopyButton, QrCode, spoken};
use crate::fhir::date::FhirDate;
use crate::session::Portal;
use leptos::prelude::*;

#[component]
pub fn ShareResult(made: MadeShare, whose: String, finish: Callback<()>) -> impl IntoView {
    let info = Portal::expect();
    let until = FhirDate::parse(&made.share.expires_at)
        .and_then(|d| d.epoch_ms())
        .map(|ms| format_moment(ms, &info.locale, &info.time_zone, Style::DateTime))
        .unwrap_or_default();
    let spoken = spoken(&made.code);
    let email_note = match made.email_sent {
        Some(true) => made.share.sent_to.clone().map(|to| {
            view! { <p>"We have emailed the link to " <bdi>{to}</bdi> ". The code is in the link, so they need only " {whose.clone()} " date of birth from you."</p> }.into_any()
        }),
        Some(false) => Some(view! {
            <div class="warning-callout"><p>"We could not send the email. The share is made: give them the code and address below yourself, or stop the share and try again later."</p></div>
        }.into_any()),
        None => None,
    };
    view! {
        <div class="confirmation" role="status">
            <h2>"Your share is ready"</h2>
            <p>{format!("It can be viewed until {until}, unless you stop it sooner.")}</p>
        </div>
        {email_note}
        <div class="warning-callout">
            <p><strong>"Write the code down or copy it now."</strong> " You will not be able to see it again. If you lose it, stop this share and make a new one."</p>
        </div>
        <section class="share-code" aria-labelledby="share-code-title">
            <h2 id="share-code-title">"The code"</h2>
            <p>{format!("Give the person you are sharing with this code and {whose} date of birth.")}</p>
            <p class="code-large" aria-label=spoken>{made.code.clone()}</p>
            <CopyButton text=made.code.clone() label="Copy the code"/>
            <p>"They enter both at this address:"</p>
            <p class="share-address"><bdi>{made.viewer_url.clone()}</bdi></p>
            <CopyButton text=made.viewer_url.clone() label="Copy the address"/>
            <p>"Or they can scan this with a phone camera to open the address with the code filled in:"</p>
            <QrCode text=made.viewer_url.clone() label="QR code of the address with the code"/>
        </section>
        <section class="share-link" aria-labelledby="share-link-title">
            <h2 id="share-link-title">"As a SMART Health Link"</h2>
            <p>"Some health services use apps that open SMART Health Links. If they ask for one, give them this link or let them scan its QR code. Their app will ask for a passcode: it is the code above."</p>
            <p class="share-shlink"><bdi>{made.link.clone()}</bdi></p>
            <CopyButton text=made.link.clone() label="Copy the SMART Health Link"/>
            <QrCode text=made.link.clone() label="QR code of the SMART Health Link"/>
        </section>
        <div class="button-group">
            <button type="button" class="button" on:click=move |_| finish.run(())>"Done: see your shares"</button>
        </div>
    }
}
