//! "Who can see my record": everyone who can act for the user's own record, what they can see
//! and until when; stopping anyone's access at once (after a confirmation); and a young
//! person's agreement to a parent's access.

pub mod accept;
pub mod invite;
mod invite_form;
pub mod model;

use crate::api::{self, ApiError};
use crate::components::load::{Load, LoadFailure, Loading, load_into};
use crate::components::page::PageHeading;
use crate::session::Portal;
use invite_form::InviteSection;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use model::Card;

#[component]
pub fn PeoplePage() -> impl IntoView {
    let locale = Portal::expect().locale.clone();
    let state = RwSignal::new(Load::Loading);
    let reload = load_into(state, move || {
        let locale = locale.clone();
        async move { api::proxies().await.map(|p| model::build(&p, &locale)) }
    });
    // What the last change did, said where a screen reader hears it.
    let done = RwSignal::new(None::<String>);
    view! {
        <p class="back-link"><A href="/record/summary">"Back to your record"</A></p>
        <PageHeading text="Who can see your record"/>
        <p class="lead">"These people can see your record through their own account. You can stop access you gave at any time: it ends at once."</p>
        <p role="status" class="done">{move || done.get()}</p>
        {move || match state.get() {
            Load::Loading => view! { <Loading what="Loading who can see your record…"/> }.into_any(),
            Load::Failed(error) => view! { <LoadFailure error retry=reload/> }.into_any(),
            Load::Ready(cards) if cards.is_empty() => view! {
                <p>"No one else can see your record through this portal."</p>
            }
            .into_any(),
            Load::Ready(cards) => view! {
                <ul class="card-list people-list">
                    {cards.into_iter().map(|card| view! { <PersonCard card reload done/> }).collect_view()}
                </ul>
            }
            .into_any(),
        }}
        <InviteSection done/>
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Step {
    Shown,
    Confirming,
    Saving,
}

#[component]
fn PersonCard(card: Card, reload: Callback<()>, done: RwSignal<Option<String>>) -> impl IntoView {
    let step = RwSignal::new(Step::Shown);
    let problem = RwSignal::new(None::<String>);
    let Card {
        id,
        name,
        title,
        lines,
        notice,
        can_stop,
        agreement,
        current,
    } = card;
    // Runs one change, then shows the list as the portal now has it.
    let change =
        move |work: std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), ApiError>>>>,
              said: String| {
            step.set(Step::Saving);
            problem.set(None);
            spawn_local(async move {
                let outcome = work.await;
                if step.is_disposed() {
                    return;
                }
                match outcome {
                    Ok(()) => {
                        done.set(Some(said));
                        reload.run(());
                    }
                    Err(e) => {
                        step.set(Step::Shown);
                        problem.set(Some(e.message()));
                    }
                }
            });
        };
    let stop_name = name.clone();
    let agree_name = name.clone();
    view! {
        <li class="card person-card" class:ended=!current>
            <h2 class="card-title"><bdi>{title}</bdi></h2>
            {lines.into_iter().map(|l| view! { <p>{l}</p> }).collect_view()}
            {notice.map(|n| view! { <div class="warning-callout"><p>{n}</p></div> })}
            {move || problem.get().map(|p| view! { <div class="error-callout" role="alert"><p>{p}</p></div> })}
            {agreement.map(|given| {
                let name = agree_name.clone();
                let (label, said) = if given {
                    (format!("Stop letting {name} see my record"), format!("{name} can no longer see your record."))
                } else {
                    (format!("Let {name} see my record"), format!("{name} can now see your record."))
                };
                view! {
                    <button type="button" class="button secondary"
                        aria-disabled=move || (step.get() == Step::Saving).then_some("true")
                        on:click=move |_| {
                            if step.get_untracked() != Step::Saving {
                                change(Box::pin(api::agree_to_proxy(id, !given)), said.clone());
                            }
                        }>
                        {label}
                    </button>
                }
            })}
            {can_stop.then(|| {
                let name = stop_name.clone();
                move || match step.get() {
                    Step::Shown => view! {
                        <button type="button" class="button secondary" on:click=move |_| step.set(Step::Confirming)>
                            "Stop access"
                        </button>
                    }
                    .into_any(),
                    Step::Confirming | Step::Saving => {
                        let said = format!("{name} can no longer see your record.");
                        view! {
                            <div class="confirm" role="group" aria-label="Stop access">
                                <p><strong>{format!("Stop {name}\u{2019}s access to your record?")}</strong></p>
                                <p>"They will not be able to see your record from now on, even if they are looking at it now."</p>
                                <div class="button-group">
                                    <button type="button" class="button danger"
                                        aria-disabled=move || (step.get() == Step::Saving).then_some("true")
                                        on:click=move |_| {
                                            if step.get_untracked() == Step::Confirming {
                                                change(Box::pin(api::stop_proxy(id)), said.clone());
                                            }
                                        }>
                                        {move || if step.get() == Step::Saving { "Stopping…" } else { "Yes, stop access" }}
                                    </button>
                                    <button type="button" class="button secondary" on:click=move |_| step.set(Step::Shown)>
                                        "Cancel"
                                    </button>
                                </div>
                            </div>
                        }
                        .into_any()
                    }
                }
            })}
        </li>
    }
}
