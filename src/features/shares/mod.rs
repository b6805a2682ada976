//! "Share your record": make a share (which parts, how long, a label, an email to send it to),
//! see its code once, and see every share with every time it was looked at; stop any of them in
//! one tap. For the user's own record, or one they have full access to.

mod form;
pub mod model;
mod result;

use crate::acting_for::whose;
use crate::api::{self, ApiError, types::MadeShare, types::Shares};
use crate::components::clock::{Style, format_moment};
use crate::components::load::{Load, LoadFailure, Loading, load_into};
use crate::components::page::PageHeading;
use crate::fhir::date::FhirDate;
use crate::route_guard::record_path;
use crate::session::Portal;
use form::ShareForm;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use model::Card;
use result::ShareResult;

#[derive(Clone, Copy, PartialEq)]
enum Showing {
    List,
    Form,
}

#[component]
pub fn SharesPage() -> impl IntoView {
    let params = use_params_map();
    let patient_id = params.with_untracked(|p| p.get("patient").unwrap_or_default());
    let state = RwSignal::new(Load::Loading);
    let reload = {
        let patient_id = patient_id.clone();
        load_into(state, move || {
            let id = patient_id.clone();
            async move {
                let people = api::patients().await?;
                let shares = api::shares(&id).await?;
                Ok((people.into_iter().find(|p| p.id == id), shares))
            }
        })
    };
    let showing = RwSignal::new(Showing::List);
    let made = RwSignal::new(None::<MadeShare>);
    let done = RwSignal::new(None::<String>);
    let back = record_path(&patient_id, "summary");
    let heading = move || match state.get() {
        Load::Ready((patient, _)) => match whose(patient.as_ref()).as_str() {
            "your" => "Share your record".to_string(),
            other => format!("Share {other} record"),
        },
        _ => "Share your record".to_string(),
    };
    view! {
        <p class="back-link"><A href=back>"Back to the record"</A></p>
        {move || view! { <PageHeading text=heading()/> }}
        {move || match state.get() {
            Load::Loading => view! { <Loading what="Loading your shares…"/> }.into_any(),
            Load::Failed(ApiError::CannotShare) => view! {
                <p>"Only the patient, or someone with full access to their record, can share it. Your access to this record does not include sharing it."</p>
            }
            .into_any(),
            Load::Failed(error) => view! { <LoadFailure error retry=reload/> }.into_any(),
            Load::Ready((patient, shares)) => {
                let whose = whose(patient.as_ref());
                let patient_id = patient.as_ref().map(|p| p.id.clone()).unwrap_or_default();
                if let Some(share) = made.get() {
                    let finish = Callback::new(move |()| {
                        made.set(None);
                        showing.set(Showing::List);
                        reload.run(());
                    });
                    return view! { <ShareResult made=share whose finish/> }.into_any();
                }
                let list = shares.clone();
                view! {
                    <p class="lead">{format!("Let a doctor, nurse or anyone else see the parts of {whose} record you choose, for a short time. They need a code from you and {whose} date of birth. You can stop sharing at any time, and you can see each time someone looks.")}</p>
                    <p role="status" class="done">{move || done.get()}</p>
                    {move || match showing.get() {
                        Showing::List if shares.can_share => view! {
                            <button type="button" class="button" on:click=move |_| { done.set(None); showing.set(Showing::Form) }>
                                "Share the record"
                            </button>
                        }
                        .into_any(),
                        Showing::List => view! {
                            <p>"Sharing is not available on this portal at the moment. Call the help desk if you need to share your record."</p>
                        }
                        .into_any(),
                        Showing::Form => view! {
                            <ShareForm patient=patient_id.clone() whose=whose.clone() options=shares.clone() made
                                cancel=Callback::new(move |()| showing.set(Showing::List))/>
                        }
                        .into_any(),
                    }}
                    <ShareList shares=list reload done/>
                }
                .into_any()
            }
        }}
    }
}

#[component]
fn ShareList(
    shares: Shares,
    reload: Callback<()>,
    done: RwSignal<Option<String>>,
) -> impl IntoView {
    let info = Portal::expect();
    let moment = move |at: &str| {
        FhirDate::parse(at)
            .and_then(|d| d.epoch_ms())
            .map(|ms| format_moment(ms, &info.locale, &info.time_zone, Style::DateTime))
            .unwrap_or_else(|| at.to_string())
    };
    let cards: Vec<Card> = shares
        .shares
        .iter()
        .map(|s| model::card(s, &moment))
        .collect();
    let (open, ended): (Vec<Card>, Vec<Card>) = cards.into_iter().partition(|c| c.active);
    view! {
        <section aria-labelledby="shares-title">
            <h2 id="shares-title">"Your shares"</h2>
            {if open.is_empty() {
                view! { <p>"Nothing is being shared at the moment."</p> }.into_any()
            } else {
                view! {
                    <ul class="card-list share-list">
                        {open.into_iter().map(|card| view! { <ShareCard card reload done/> }).collect_view()}
                    </ul>
                }
                .into_any()
            }}
        </section>
        {(!ended.is_empty()).then(|| view! {
            <section aria-labelledby="ended-title">
                <h2 id="ended-title">"Ended shares"</h2>
                <ul class="card-list share-list">
                    {ended.into_iter().map(|card| view! { <ShareCard card reload done/> }).collect_view()}
                </ul>
            </section>
        })}
    }
}

#[component]
fn ShareCard(card: Card, reload: Callback<()>, done: RwSignal<Option<String>>) -> impl IntoView {
    let stopping = RwSignal::new(false);
    let problem = RwSignal::new(None::<String>);
    let Card {
        id,
        title,
        status,
        active,
        lines,
        views,
    } = card;
    let stopped_words =
        format!("You stopped sharing \u{201c}{title}\u{201d}. No one can open it now.");
    // One tap: stopping is always safe, and takes effect at once.
    let stop = move |_| {
        if stopping.get_untracked() {
            return;
        }
        stopping.set(true);
        problem.set(None);
        let said = stopped_words.clone();
        spawn_local(async move {
            let outcome = api::stop_share(id).await;
            if stopping.is_disposed() {
                return;
            }
            stopping.set(false);
            match outcome {
                Ok(()) => {
                    done.set(Some(said));
                    reload.run(());
                }
                Err(e) => problem.set(Some(e.message())),
            }
        });
    };
    let seen = if views.is_empty() {
        view! { <p>"No one has looked at it."</p> }.into_any()
    } else {
        view! {
            <h4 class="heading-small">{format!("Looked at {} {}", views.len(), if views.len() == 1 { "time" } else { "times" })}</h4>
            <ul class="list share-views">
                {views.into_iter().map(|v| view! { <li><bdi>{v}</bdi></li> }).collect_view()}
            </ul>
        }
        .into_any()
    };
    view! {
        <li class="card share-card" class:ended=!active>
            <h3 class="card-title"><bdi>{title}</bdi></h3>
            <p class="share-status"><strong>{status}</strong></p>
            {lines.into_iter().map(|l| view! { <p><bdi>{l}</bdi></p> }).collect_view()}
            {seen}
            {move || problem.get().map(|p| view! { <div class="error-callout" role="alert"><p>{p}</p></div> })}
            {active.then(|| view! {
                <button type="button" class="button danger" aria-disabled=move || stopping.get().then_some("true") on:click=stop>
                    {move || if stopping.get() { "Stopping…" } else { "Stop sharing" }}
                </button>
            })}
        </li>
    }
}
