//! Loading, failure and retry, the same on every screen that fetches.

use super::notices::HelpDeskLine;
use crate::api::ApiError;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::future::Future;

#[derive(Clone, Debug, PartialEq)]
pub enum Load<T> {
    Loading,
    Ready(T),
    Failed(ApiError),
}

/// Runs `fetch` now and on every call of the returned retry, putting its outcome in `state`.
pub fn load_into<T, F, Fut>(state: RwSignal<Load<T>>, fetch: F) -> Callback<()>
where
    T: Send + Sync + 'static,
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<T, ApiError>> + 'static,
{
    let run = Callback::new(move |()| {
        state.set(Load::Loading);
        let pending = fetch();
        spawn_local(async move {
            state.set(match pending.await {
                Ok(v) => Load::Ready(v),
                Err(e) => Load::Failed(e),
            });
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

/// A failed load: what happened in plain words, a way to try again, and who to call.
#[component]
pub fn LoadFailure(error: ApiError, retry: Callback<()>) -> impl IntoView {
    let retryable = error.is_retryable();
    view! {
        <div class="error-callout" role="alert">
            <h2>"Sorry, we could not load this"</h2>
            <p>{error.message()}</p>
            {retryable.then(|| view! {
                <button type="button" class="button secondary" on:click=move |_| retry.run(())>
                    "Try again"
                </button>
            })}
            <HelpDeskLine/>
        </div>
    }
}
