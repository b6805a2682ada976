//! What someone is writing, kept by the portal as they type (never in the browser): saved a
//! moment after they pause, and at least every few seconds while they keep typing, so typing is
//! activity that keeps them signed in, and a session that ends anyway leaves the draft for their
//! next sign-in. Leaving the screen, or the page going (a closed tab, a reload), saves what was
//! not saved yet.

use crate::api::messages;
use crate::api::types::MessageDraft;
use crate::components::clock::{Style, format_moment};
use crate::session::Portal;
use leptos::leptos_dom::helpers::{TimeoutHandle, set_timeout_with_handle};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::time::Duration;

/// How long a pause in typing is before what was typed is saved.
const PAUSE_MS: u64 = 800;
/// The longest typing goes unsaved while it does not pause.
const AT_LEAST_EVERY_MS: f64 = 5_000.0;

#[derive(Clone, Debug, PartialEq)]
pub enum Kept {
    /// Nothing typed since it was opened.
    Untouched,
    Saving,
    /// Saved, at this moment (ms since 1970).
    Saved(f64),
    /// Not saved, and why; the text is still on the screen.
    Failed(String),
}

#[derive(Clone, Copy)]
pub struct DraftKeeper {
    patient: StoredValue<String>,
    place: StoredValue<String>,
    /// What is on the screen now, as last read.
    latest: StoredValue<MessageDraft>,
    pub kept: RwSignal<Kept>,
    /// Typed since the last save began.
    dirty: StoredValue<bool>,
    in_flight: StoredValue<bool>,
    last_started: StoredValue<f64>,
    timer: StoredValue<Option<TimeoutHandle>>,
}

impl DraftKeeper {
    /// Keeps the draft `current` gives, for this record and place (`new`, or a conversation's
    /// id), saving whenever any signal `current` reads changes.
    pub fn new(patient: String, place: String, current: Callback<(), MessageDraft>) -> Self {
        let keeper = Self {
            patient: StoredValue::new(patient),
            place: StoredValue::new(place),
            latest: StoredValue::new(MessageDraft::default()),
            kept: RwSignal::new(Kept::Untouched),
            dirty: StoredValue::new(false),
            in_flight: StoredValue::new(false),
            last_started: StoredValue::new(0.0),
            timer: StoredValue::new(None),
        };
        // The first run reads what the screen opened with; every later one is typing.
        Effect::new(move |first: Option<()>| {
            keeper.latest.set_value(current.run(()));
            if first.is_some() {
                keeper.changed();
            }
        });
        let leaving = window_event_listener(leptos::ev::pagehide, move |_| keeper.flush());
        on_cleanup(move || {
            leaving.remove();
            keeper.flush();
        });
        keeper
    }

    fn changed(self) {
        self.dirty.set_value(true);
        // "Saved" is said only once nothing typed is waiting to be saved.
        if !matches!(self.kept.get_untracked(), Kept::Failed(_)) {
            self.kept.set(Kept::Saving);
        }
        if let Some(t) = self.timer.get_value() {
            t.clear();
        }
        if js_sys::Date::now() - self.last_started.get_value() >= AT_LEAST_EVERY_MS {
            self.save();
            return;
        }
        let handle =
            set_timeout_with_handle(move || self.save(), Duration::from_millis(PAUSE_MS)).ok();
        self.timer.set_value(handle);
    }

    fn save(self) {
        if self.kept.is_disposed() || !self.dirty.get_value() {
            return;
        }
        if self.in_flight.get_value() {
            // Saved again as soon as this one is done.
            return;
        }
        self.dirty.set_value(false);
        self.in_flight.set_value(true);
        self.last_started.set_value(js_sys::Date::now());
        self.kept.set(Kept::Saving);
        let draft = self.latest.get_value();
        let (patient, place) = (self.patient.get_value(), self.place.get_value());
        spawn_local(async move {
            let outcome = messages::keep_draft(&patient, &place, &draft).await;
            if self.kept.is_disposed() {
                return;
            }
            self.in_flight.set_value(false);
            match outcome {
                Ok(()) => self.kept.set(Kept::Saved(js_sys::Date::now())),
                Err(e) => {
                    self.dirty.set_value(true);
                    self.kept.set(Kept::Failed(e.message()));
                }
            }
            if self.dirty.get_value() {
                self.changed();
            }
        });
    }

    /// Saves what was typed and not yet saved, as the screen or the page goes: the request
    /// outlives both.
    fn flush(self) {
        if let Some(t) = self.timer.try_get_value().flatten() {
            t.clear();
        }
        if !self.dirty.try_get_value().unwrap_or(false) {
            return;
        }
        let (Some(patient), Some(place), Some(draft)) = (
            self.patient.try_get_value(),
            self.place.try_get_value(),
            self.latest.try_get_value(),
        ) else {
            return;
        };
        let _ = self.dirty.try_set_value(false);
        messages::keep_draft_as_page_goes(&patient, &place, &draft);
    }

    /// Nothing is left to save: the message was sent, and the portal dropped its draft.
    pub fn sent(self) {
        if let Some(t) = self.timer.get_value() {
            t.clear();
        }
        self.dirty.set_value(false);
        self.kept.set(Kept::Untouched);
    }
}

/// "Draft saved at 10:32", or why it was not.
#[component]
pub fn DraftStatus(keeper: DraftKeeper) -> impl IntoView {
    let info = Portal::expect();
    move || {
        match keeper.kept.get() {
        Kept::Untouched => None,
        Kept::Saving => Some(view! { <p class="hint draft-status">"Saving your draft…"</p> }.into_any()),
        Kept::Saved(ms) => Some(
            view! {
                <p class="hint draft-status">
                    {format!("Draft saved at {}. It is kept if you leave this page or are signed out.", format_moment(ms, &info.locale, &info.time_zone, Style::Time))}
                </p>
            }
            .into_any(),
        ),
        Kept::Failed(why) => Some(
            view! {
                <p class="draft-status draft-failed" role="status">
                    {format!("Your draft could not be saved just now: {why} What you typed is still here, and we will try again as you type.")}
                </p>
            }
            .into_any(),
        ),
    }
    }
}
