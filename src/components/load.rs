//! Loading, failure and retry, the same on every screen that fetches.

use super::notices::HelpDeskLine;
use crate::api::{ApiError, Cancel};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::future::Future;

/// The runs of one load on one screen. Starting a run stops the one before it, leaving the
/// screen stops the last, and what a stopped run receives is dropped, never drawn: after a retry
/// or a switch of patient only the newest answers can reach the screen.
#[derive(Clone, Copy)]
pub struct Runs {
    latest: StoredValue<(u64, Cancel), LocalStorage>,
}

impl Runs {
    pub fn new() -> Self {
        let latest = StoredValue::new_local((0, Cancel::default()));
        on_cleanup(move || {
            latest.try_with_value(|(_, cancel)| cancel.abort());
        });
        Self { latest }
    }

    /// Stops the run before, and numbers the new one.
    pub fn start(self) -> u64 {
        self.latest
            .try_update_value(|(run, cancel)| {
                cancel.abort();
                *cancel = Cancel::default();
                *run += 1;
                *run
            })
            .unwrap_or_default()
    }

    /// Whether answers for `run` may still be drawn.
    pub fn is_current(self, run: u64) -> bool {
        self.latest
            .try_with_value(|(latest, cancel)| *latest == run && !cancel.is_aborted())
            .unwrap_or(false)
    }

    /// Runs `load` as part of `run`: its requests are aborted when the run stops.
    pub fn spawn(self, run: u64, load: impl Future<Output = ()> + 'static) {
        let owner = self
            .latest
            .try_with_value(|(latest, cancel)| (*latest == run).then(|| cancel.clone()))
            .flatten();
        if let Some(owner) = owner {
            spawn_local(owner.run(load));
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Load<T> {
    Loading,
    Ready(T),
    Failed(ApiError),
}

/// Runs `fetch` now and on every call of the returned retry, putting the newest run's outcome in
/// `state`.
pub fn load_into<T, F, Fut>(state: RwSignal<Load<T>>, fetch: F) -> Callback<()>
where
    T: Send + Sync + 'static,
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<T, ApiError>> + 'static,
{
    let runs = Runs::new();
    let run = Callback::new(move |()| {
        let run = runs.start();
        state.set(Load::Loading);
        let pending = fetch();
        runs.spawn(run, async move {
            let outcome = pending.await;
            if runs.is_current(run) {
                state.set(match outcome {
                    Ok(v) => Load::Ready(v),
                    Err(e) => Load::Failed(e),
                });
            }
        });
    });
    run.run(());
    run
}

#[component]
pub fn Loading(#[prop(into)] what: String) -> impl IntoView {
    view! {
        <p class="loading" role="status">
            <span class="spinner" aria-hidden="true"></span>
            {what}
        </p>
    }
}

/// A failed load: what happened in plain words, a way to try again, and who to call. `compact`
/// (inside a summary card) leaves out the heading and the help desk line.
#[component]
pub fn LoadFailure(
    error: ApiError,
    retry: Callback<()>,
    #[prop(optional)] compact: bool,
) -> impl IntoView {
    let retryable = error.is_retryable();
    view! {
        <div class="error-callout" role="alert">
            {(!compact).then(|| view! { <h2>"Sorry, we could not load this"</h2> })}
            <p>{error.message()}</p>
            {retryable.then(|| view! {
                <button type="button" class="button secondary" on:click=move |_| retry.run(())>
                    "Try again"
                </button>
            })}
            {(!compact).then(|| view! { <HelpDeskLine/> })}
        </div>
    }
}

/// Some entries arrived, then loading stopped: what is shown is not everything.
#[component]
pub fn PartialLoad(error: ApiError, retry: Callback<()>) -> impl IntoView {
    view! {
        <div class="warning-callout" role="alert">
            <p>"Some older entries could not be loaded, so this list may not be complete. " {error.message()}</p>
            <button type="button" class="button secondary" on:click=move |_| retry.run(())>"Try again"</button>
        </div>
    }
}
