//! Ends a session left alone (the patient's, or a share viewer's): warns first, with time to
//! stay, then clears everything.

use crate::api;
use crate::session::{Ended, Session};
use leptos::html::Dialog;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::time::Duration;
use wasm_bindgen::JsCast;

/// How long before the server's timeout to warn: two minutes, or half the timeout if shorter.
pub fn warning_seconds(idle_timeout: u32) -> u32 {
    (idle_timeout / 2).min(120)
}

/// `2 minutes`, `1 minute`, `45 seconds`: a countdown in words, no faster than a person reads.
pub fn remaining_words(seconds: u32) -> String {
    if seconds >= 90 {
        format!("{} minutes", seconds.div_ceil(60))
    } else if seconds >= 60 {
        "1 minute".into()
    } else if seconds == 1 {
        "1 second".into()
    } else {
        format!("{seconds} seconds")
    }
}

/// What the warning says: the patient's session, or a share's viewer.
#[derive(Clone, Copy)]
pub struct IdleWords {
    pub title: &'static str,
    /// Before the time left: "…we will sign you out in ".
    pub text: &'static str,
    pub stay: &'static str,
    pub leave: &'static str,
}

/// The signed-in patient's session.
#[component]
pub fn IdleWatcher() -> impl IntoView {
    let session = Session::expect();
    let timeout = session
        .info
        .get_untracked()
        .map_or(0, |info| info.idle_timeout_seconds);
    let stay = Callback::new(move |()| {
        // Any signed-in request restarts the server's idle clock; this one also proves it still runs.
        spawn_local(async move {
            if let Ok(info) = api::session().await {
                session.info.set(Some(info));
            }
        });
    });
    view! {
        <IdleDialog timeout_seconds=timeout
            words=IdleWords {
                title: "Do you want to stay signed in?",
                text: "You have not used the portal for a while. To keep your record safe, we will sign you out in ",
                stay: "Stay signed in",
                leave: "Sign out now",
            }
            stay
            timed_out=Callback::new(move |()| session.end(Ended::Idle))
            leave=Callback::new(move |()| session.end(Ended::SignedOut))/>
    }
}

/// Warns before `timeout_seconds` pass without a request (`api::last_activity_ms`), with time to
/// stay; then `timed_out` runs.
#[component]
pub fn IdleDialog(
    timeout_seconds: u32,
    words: IdleWords,
    stay: Callback<()>,
    timed_out: Callback<()>,
    leave: Callback<()>,
) -> impl IntoView {
    let remaining = RwSignal::new(None::<u32>);
    let dialog: NodeRef<Dialog> = NodeRef::new();

    let tick = move || {
        if timeout_seconds == 0 {
            remaining.set(None);
            return;
        }
        let idle = (js_sys::Date::now() - api::last_activity_ms()) / 1000.0;
        let left = (f64::from(timeout_seconds) - idle).ceil().max(0.0) as u32;
        if left == 0 {
            timed_out.run(());
        } else if left <= warning_seconds(timeout_seconds) {
            remaining.set(Some(left));
        } else {
            remaining.set(None);
        }
    };
    if let Ok(handle) = set_interval_with_handle(tick, Duration::from_secs(1)) {
        on_cleanup(move || handle.clear());
    }

    // Where the person was typing when the warning came: typing on answers it (below).
    let typing_in = StoredValue::new_local(None::<web_sys::HtmlElement>);
    Effect::new(move |_| {
        let Some(d) = dialog.get() else { return };
        match (remaining.get().is_some(), d.open()) {
            (true, false) => {
                typing_in.set_value(
                    document()
                        .active_element()
                        .filter(|e| matches!(e.tag_name().as_str(), "TEXTAREA" | "INPUT"))
                        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()),
                );
                let _ = d.show_modal();
            }
            (false, true) => d.close(),
            _ => {}
        }
    });

    let stay = move || {
        remaining.set(None);
        stay.run(());
    };
    // Someone writing who meets the warning mid-word keeps writing: a key that types answers
    // "stay", and the key goes on into what they were writing (focus moves before it lands).
    let typed = move |ev: leptos::ev::KeyboardEvent| {
        let types =
            ev.key().chars().count() == 1 && !ev.ctrl_key() && !ev.meta_key() && !ev.alt_key();
        if let Some(field) = typing_in.get_value().filter(|_| types) {
            stay();
            if let Some(d) = dialog.get_untracked() {
                d.close();
            }
            let _ = field.focus();
        }
    };

    view! {
        <dialog
            node_ref=dialog
            class="idle-dialog"
            aria-labelledby="idle-title"
            aria-describedby="idle-text"
            on:keydown=typed
            on:cancel=move |ev: leptos::ev::Event| {
                ev.prevent_default();
                stay();
            }
        >
            <h2 id="idle-title">{words.title}</h2>
            <p id="idle-text">
                {words.text}
                <strong>{move || remaining.get().map(remaining_words).unwrap_or_default()}</strong>
                "."
            </p>
            <div class="button-group">
                <button type="button" class="button" autofocus on:click=move |_| stay()>
                    {words.stay}
                </button>
                <button type="button" class="button secondary" on:click=move |_| leave.run(())>
                    {words.leave}
                </button>
            </div>
        </dialog>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warns_early_enough_to_act() {
        assert_eq!(warning_seconds(900), 120);
        assert_eq!(warning_seconds(20), 10);
    }

    #[test]
    fn counts_down_in_words() {
        assert_eq!(remaining_words(120), "2 minutes");
        assert_eq!(remaining_words(95), "2 minutes");
        assert_eq!(remaining_words(61), "1 minute");
        assert_eq!(remaining_words(30), "30 seconds");
        assert_eq!(remaining_words(1), "1 second");
    }
}
