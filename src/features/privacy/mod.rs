//! The privacy centre, for the user's own record or one they act for: who has looked at it
//! (`log`), and who may see it: the patient's choices about sharing with other organisations
//! (`choices`); with a way on to the people who can act for them. Its own download
//! (`chunks::privacy_screen`).

mod choices;
pub mod choices_model;
mod log;
pub mod log_download;
pub mod log_model;

pub use choices::ChoicesPage;
pub use log::LogPage;

use crate::acting_for::whose;
use crate::api::{self, ApiError, encode_component, types::PatientSummary, types::PrivacySettings};
use crate::components::load::{Load, LoadFailure, Loading, load_into};
use crate::components::page::PageHeading;
use crate::route_guard::record_path;
use crate::session::Portal;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

/// The privacy centre's address for a patient, and its pages under it.
pub fn privacy_path(patient: &str, page: &str) -> String {
    let base = format!("/privacy/{}", encode_component(patient));
    if page.is_empty() {
        base
    } else {
        format!("{base}/{page}")
    }
}

/// The patient named in the address, as the user's list has them: whose words to use.
fn patient_id() -> String {
    use_params_map().with_untracked(|p| p.get("patient").unwrap_or_default())
}

async fn patient(id: &str) -> Result<Option<PatientSummary>, ApiError> {
    Ok(api::patients().await?.into_iter().find(|p| p.id == id))
}

/// Whose privacy, and the hospital's words for it: what the log and the choices load first.
#[derive(Clone, Debug, PartialEq)]
struct About {
    id: String,
    patient: Option<PatientSummary>,
    settings: PrivacySettings,
}

/// A page of the privacy centre: the way back, then `page` (given a way to load it all again)
/// once `About` is in; while it loads, or when it is refused, the page's own heading above.
#[component]
fn AboutPage<P, V>(heading: &'static str, waiting: &'static str, page: P) -> impl IntoView
where
    P: Fn(About, Callback<()>) -> V + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let id = patient_id();
    let state = RwSignal::new(Load::Loading);
    let reload = {
        let id = id.clone();
        load_into(state, move || {
            let id = id.clone();
            async move {
                let patient = patient(&id).await?;
                let settings = api::privacy(&id).await?;
                Ok(About {
                    id,
                    patient,
                    settings,
                })
            }
        })
    };
    view! {
        <p class="back-link"><A href=privacy_path(&id, "")>"Back to privacy"</A></p>
        {move || match state.get() {
            Load::Loading => view! {
                <PageHeading text=heading/>
                <Loading what=waiting/>
            }
            .into_any(),
            Load::Failed(error) => view! {
                <PageHeading text=heading/>
                <Refused error retry=reload/>
            }
            .into_any(),
            Load::Ready(about) => page(about, reload).into_any(),
        }}
    }
}

/// A load refused until the user opens the record (to accept the proxy terms, or to see why
/// access is paused), said with the way there; any other failure as every screen says it.
#[component]
fn Refused(error: ApiError, retry: Callback<()>) -> impl IntoView {
    match error {
        ApiError::ProxyTermsNotAccepted | ApiError::ProxyAccessPaused => {
            let record = record_path(&patient_id(), "summary");
            view! {
                <div class="info-callout">
                    <p>{error.message()}</p>
                    <p><A href=record>"Open the record"</A></p>
                </div>
            }
            .into_any()
        }
        error => view! { <LoadFailure error retry/> }.into_any(),
    }
}

/// "Your privacy", or "Privacy: Leo Hughes".
fn title(patient: Option<&PatientSummary>) -> String {
    match patient {
        Some(p) if !p.is_own() && !p.name.is_empty() => format!("Privacy: {}", p.name),
        _ => "Your privacy".into(),
    }
}

#[component]
pub fn PrivacyPage() -> impl IntoView {
    let id = patient_id();
    let state = RwSignal::new(Load::Loading);
    let retry = {
        let id = id.clone();
        load_into(state, move || {
            let id = id.clone();
            async move { patient(&id).await }
        })
    };
    let proxy_feature = Portal::expect().features.proxy;
    let back = record_path(&id, "summary");
    view! {
        <p class="back-link"><A href=back>"Back to the record"</A></p>
        {move || match state.get() {
            Load::Loading => view! { <Loading what="Loading…"/> }.into_any(),
            Load::Failed(error) => view! {
                <PageHeading text="Your privacy"/>
                <Refused error retry/>
            }
            .into_any(),
            Load::Ready(found) => {
                let whose = whose(found.as_ref());
                let own = found.as_ref().is_none_or(PatientSummary::is_own);
                let lead = format!("See who has looked at {whose} record, and choose who else may see it.");
                let log_title = format!("Who has looked at {whose} record");
                let log_about = format!("Each time {whose} record was looked at, by whom and why: the patient, people acting for them, people with a share code, and staff at other organisations.");
                let choices_title = format!("Who may see {whose} record");
                let choices_about = format!("Choose whether other organisations that give care, such as GP surgeries and other hospitals, can see {whose} record or parts of it.");
                view! {
                    <PageHeading text=title(found.as_ref())/>
                    <p class="lead">{lead}</p>
                    <ul class="link-cards">
                        <li><A href=privacy_path(&id, "log") attr:class="link-card">
                            <span class="link-card-title">{log_title}</span>
                            <span class="link-card-about">{log_about}</span>
                        </A></li>
                        <li><A href=privacy_path(&id, "choices") attr:class="link-card">
                            <span class="link-card-title">{choices_title}</span>
                            <span class="link-card-about">{choices_about}</span>
                        </A></li>
                        {(own && proxy_feature).then(|| view! {
                            <li><A href="/people" attr:class="link-card">
                                <span class="link-card-title">"People who can act for you"</span>
                                <span class="link-card-about">"People who see your record through their own account, and inviting someone."</span>
                            </A></li>
                        })}
                    </ul>
                }
                .into_any()
            }
        }}
    }
}
