//! Loads what a record screen needs, page by page, into one place the screen reads from. The
//! first page is drawn as soon as it arrives; later pages are added as they come. Lists fetched
//! in full a few minutes ago come from the session's cache without a request; leaving the screen
//! or trying again stops the loads still running.

use super::load::Runs;
use crate::api::{self, ApiError, FhirSearch};
use crate::session::Session;
use leptos::prelude::*;
use serde_json::Value;
use std::cell::Cell;
use std::rc::Rc;
use std::sync::Arc;

#[derive(Clone, Debug, PartialEq)]
pub enum FetchStatus {
    /// Nothing has arrived yet.
    Loading,
    /// Some or all has arrived; `complete` once every page of every search is in.
    Loaded { complete: bool },
    /// Nothing could be loaded.
    Failed(ApiError),
    /// Some arrived, then a later page failed: what is shown is not everything.
    Incomplete(ApiError),
}

/// One search a screen needs.
#[derive(Clone)]
pub struct Search {
    pub search: FhirSearch,
    /// Every page (a whole section), or only the first (the newest few, for the summary).
    pub all_pages: bool,
}

impl Search {
    /// Every resource of a type: a whole section.
    pub fn all(resource_type: &'static str) -> Self {
        Self {
            search: FhirSearch::new(resource_type),
            all_pages: true,
        }
    }

    /// The first page only: the few the summary shows.
    pub fn first_page(search: FhirSearch) -> Self {
        Self {
            search,
            all_pages: false,
        }
    }
}

impl Search {
    /// What the cache knows this search by: its address, and whether all of it was fetched.
    fn cache_key(&self, patient: &str) -> String {
        let pages = if self.all_pages { "all" } else { "first" };
        format!("{pages} {}", self.search.url("", patient))
    }
}

#[derive(Clone, Copy)]
pub struct RecordFetch {
    data: StoredValue<Vec<Arc<Vec<Value>>>>,
    version: RwSignal<u64>,
    pub status: RwSignal<FetchStatus>,
    pub retry: Callback<()>,
}

impl RecordFetch {
    pub fn new(searches: Vec<Search>) -> Self {
        let session = Session::expect();
        let runs = Runs::new();
        let data = StoredValue::new(searches.iter().map(|_| Arc::default()).collect::<Vec<_>>());
        let version = RwSignal::new(0u64);
        let status = RwSignal::new(FetchStatus::Loading);
        let retry = Callback::new(move |()| {
            let run = runs.start();
            data.update_value(|d| d.iter_mut().for_each(|l| *l = Arc::default()));
            status.set(FetchStatus::Loading);
            let Some(patient) = session.patient.get_untracked().map(|p| p.id) else {
                version.update(|v| *v += 1);
                status.set(FetchStatus::Failed(ApiError::NotInScope));
                return;
            };
            let now = js_sys::Date::now();
            let mut to_fetch = Vec::new();
            for (slot, search) in searches.iter().enumerate() {
                let key = search.cache_key(&patient);
                match session.cache.with_value(|c| c.get(&patient, &key, now)) {
                    Some(list) => data.update_value(|d| d[slot] = list),
                    None => to_fetch.push((slot, search.clone(), key)),
                }
            }
            // Readers re-read once the lists are cleared and any cached ones are in place.
            version.update(|v| *v += 1);
            if to_fetch.len() < searches.len() {
                status.set(FetchStatus::Loaded {
                    complete: to_fetch.is_empty(),
                });
            }
            // Not a StoredValue: "Try again" runs this under the owner of the button, which is
            // gone as soon as loading starts again.
            let pending = Rc::new(Cell::new(to_fetch.len()));
            for (slot, search, key) in to_fetch {
                let patient = patient.clone();
                let pending = pending.clone();
                runs.spawn(run, async move {
                    let pages = if search.all_pages { usize::MAX } else { 1 };
                    let outcome = api::search_pages(&search.search, &patient, pages, |page| {
                        // Pages of a run that was stopped (retried, or the screen left) are dropped.
                        if !runs.is_current(run) {
                            return;
                        }
                        data.update_value(|d| Arc::make_mut(&mut d[slot]).extend(page));
                        version.update(|v| *v += 1);
                        if status.get_untracked() == FetchStatus::Loading {
                            status.set(FetchStatus::Loaded { complete: false });
                        }
                    })
                    .await;
                    if !runs.is_current(run) {
                        return;
                    }
                    if outcome.is_ok() {
                        let list = data.with_value(|d| d[slot].clone());
                        session
                            .cache
                            .update_value(|c| c.put(&patient, key, list, js_sys::Date::now()));
                    }
                    pending.set(pending.get() - 1);
                    match (outcome, status.get_untracked()) {
                        (Err(e), FetchStatus::Loading) => status.set(FetchStatus::Failed(e)),
                        (Err(e), FetchStatus::Loaded { .. }) => {
                            status.set(FetchStatus::Incomplete(e))
                        }
                        (Ok(()), FetchStatus::Loading | FetchStatus::Loaded { .. })
                            if pending.get() == 0 =>
                        {
                            status.set(FetchStatus::Loaded { complete: true })
                        }
                        _ => {}
                    }
                });
            }
        });
        retry.run(());
        Self {
            data,
            version,
            status,
            retry,
        }
    }

    /// Reads what has arrived so far, one list per search; re-runs as more arrives.
    pub fn with<R>(&self, f: impl FnOnce(&[Arc<Vec<Value>>]) -> R) -> R {
        self.version.track();
        self.data.with_value(|d| f(d))
    }
}
