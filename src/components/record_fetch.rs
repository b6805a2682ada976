//! Loads what a record screen needs, page by page, into one place the screen reads from. The
//! first page is drawn as soon as it arrives; later pages are added as they come.

use crate::api::{self, ApiError, FhirSearch};
use crate::session::Session;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::Value;

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

#[derive(Clone, Copy)]
pub struct RecordFetch {
    data: StoredValue<Vec<Vec<Value>>>,
    version: RwSignal<u64>,
    pub status: RwSignal<FetchStatus>,
    pub retry: Callback<()>,
}

impl RecordFetch {
    pub fn new(searches: Vec<Search>) -> Self {
        let session = Session::expect();
        let data = StoredValue::new(vec![Vec::new(); searches.len()]);
        let version = RwSignal::new(0u64);
        let status = RwSignal::new(FetchStatus::Loading);
        let retry = Callback::new(move |()| {
            data.update_value(|d| d.iter_mut().for_each(Vec::clear));
            status.set(FetchStatus::Loading);
            version.update(|v| *v += 1);
            let Some(patient) = session.patient.get_untracked().map(|p| p.id) else {
                status.set(FetchStatus::Failed(ApiError::NotInScope));
                return;
            };
            let pending = StoredValue::new(searches.len());
            for (slot, search) in searches.iter().cloned().enumerate() {
                let patient = patient.clone();
                spawn_local(async move {
                    let pages = if search.all_pages { usize::MAX } else { 1 };
                    // The screen may be gone before a page arrives (the patient moved on, or
                    // signed out): then the page is dropped, never written into disposed state.
                    let outcome = api::search_pages(&search.search, &patient, pages, |page| {
                        if data.try_update_value(|d| d[slot].extend(page)).is_none() {
                            return;
                        }
                        version.update(|v| *v += 1);
                        if status.try_get_untracked() == Some(FetchStatus::Loading) {
                            status.set(FetchStatus::Loaded { complete: false });
                        }
                    })
                    .await;
                    let Some(left) = pending.try_update_value(|n| {
                        *n -= 1;
                        *n
                    }) else {
                        return;
                    };
                    let Some(now) = status.try_get_untracked() else {
                        return;
                    };
                    match (outcome, now) {
                        (Err(e), FetchStatus::Loading) => status.set(FetchStatus::Failed(e)),
                        (Err(e), FetchStatus::Loaded { .. }) => {
                            status.set(FetchStatus::Incomplete(e))
                        }
                        (Ok(()), FetchStatus::Loading | FetchStatus::Loaded { .. })
                            if left == 0 =>
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
    pub fn with<R>(&self, f: impl FnOnce(&[Vec<Value>]) -> R) -> R {
        self.version.track();
        self.data.with_value(|d| f(d))
    }
}
