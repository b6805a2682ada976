//! Areas of screens downloaded the first time one of their screens is opened, so the first load
//! carries only what signing in needs. The split itself happens in the build (`cargo xtask`
//! runs wasm-split on the module before wasm-bindgen); here are the split points and the one
//! way a screen waits for its area, including when the download fails.

use crate::api::ApiError;
use crate::components::load::{LoadFailure, Loading};
use leptos::prelude::*;
use leptos::task::spawn_local_scoped_with_cancellation;
use leptos::wasm_split::SplitLoaderError;

/// The record's screens.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum RecordScreen {
    Layout,
    /// Whose record to open (and old addresses without a person).
    Choose,
    /// The section the address names (`/record/{patient}/{section}`, `/shared/…` alike).
    Section,
    /// A share's viewer enters the code: in the record's part, which the view needs next.
    OpenShare,
    /// The shared parts of a record, for the share's viewer.
    Shared,
}

#[leptos::wasm_split::wasm_split(record, fallible, wasm_split_path = leptos::wasm_split)]
fn record_screen(screen: RecordScreen) -> Result<AnyView, SplitLoaderError> {
    Ok(crate::features::record_screen(screen))
}

/// Who can see the user's own record; accepting an invitation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum PeopleScreen {
    WhoCanSee,
    AcceptInvitation,
}

#[leptos::wasm_split::wasm_split(people, fallible, wasm_split_path = leptos::wasm_split)]
fn people_screen(screen: PeopleScreen) -> Result<AnyView, SplitLoaderError> {
    Ok(crate::features::people_screen(screen))
}

/// The privacy centre's screens.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum PrivacyScreen {
    Centre,
    Log,
    Choices,
}

#[leptos::wasm_split::wasm_split(privacy, fallible, wasm_split_path = leptos::wasm_split)]
fn privacy_screen(screen: PrivacyScreen) -> Result<AnyView, SplitLoaderError> {
    Ok(crate::features::privacy_screen(screen))
}

/// The account's screens.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum AccountScreen {
    Settings,
    /// Setting up two-step sign-in (also where a required set-up is sent).
    TwoStep,
}

#[leptos::wasm_split::wasm_split(account, fallible, wasm_split_path = leptos::wasm_split)]
fn account_screen(screen: AccountScreen) -> Result<AnyView, SplitLoaderError> {
    Ok(crate::features::account_screen(screen))
}

/// Messages with the care team.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum MessagesScreen {
    /// `/messages`: whose inbox to open.
    Choose,
    Inbox,
    Conversation,
    Ask,
}

#[leptos::wasm_split::wasm_split(messages, fallible, wasm_split_path = leptos::wasm_split)]
fn messages_screen(screen: MessagesScreen) -> Result<AnyView, SplitLoaderError> {
    Ok(crate::features::messages_screen(screen))
}

#[leptos::wasm_split::wasm_split(shares, fallible, wasm_split_path = leptos::wasm_split)]
fn shares_screen() -> Result<AnyView, SplitLoaderError> {
    Ok(crate::features::shares_screen())
}

/// A screen of the record, once the record's part has arrived.
#[component]
pub fn Record(screen: RecordScreen) -> impl IntoView {
    view! { <Part load=move || record_screen(screen) heading="Your health record" waiting="Opening your record…"/> }
}

/// Sharing the record, once its part has arrived.
#[component]
pub fn Sharing() -> impl IntoView {
    view! { <Part load=shares_screen heading="Share your record" waiting="Loading…"/> }
}

/// Messages, once their part has arrived.
#[component]
pub fn Messages(screen: MessagesScreen) -> impl IntoView {
    view! { <Part load=move || messages_screen(screen) heading="Messages" waiting="Loading your messages…"/> }
}

/// The user's account settings, once their part has arrived.
#[component]
pub fn Account(screen: AccountScreen) -> impl IntoView {
    view! { <Part load=move || account_screen(screen) heading="Your account" waiting="Loading…"/> }
}

/// The privacy centre, once its part has arrived.
#[component]
pub fn Privacy(screen: PrivacyScreen) -> impl IntoView {
    view! { <Part load=move || privacy_screen(screen) heading="Your privacy" waiting="Loading…"/> }
}

/// "Who can see my record" or accepting an invitation, once their part has arrived.
#[component]
pub fn People(screen: PeopleScreen) -> impl IntoView {
    view! { <Part load=move || people_screen(screen) heading="Who can see your record" waiting="Loading…"/> }
}

#[derive(Clone, Copy, PartialEq)]
enum Phase {
    Loading,
    Ready,
    Failed,
}

/// A screen, once its area has arrived; a failed download says so and can be tried again (the
/// loader keeps no failure, so "Try again" downloads afresh).
#[component]
fn Part<F, Fut>(load: F, heading: &'static str, waiting: &'static str) -> impl IntoView
where
    F: Fn() -> Fut + Copy + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<AnyView, SplitLoaderError>> + 'static,
{
    let phase = RwSignal::new(Phase::Loading);
    let loaded = StoredValue::new_local(None::<AnyView>);
    // The screen is built under this component's owner, also when "Try again" (whose own owner
    // is gone once loading starts again) asks for it. Held weakly: the router ends a screen (and
    // its loads) by dropping its owner, which a strong hold here would keep alive.
    let owner = Owner::current().map(|o| o.downgrade());
    let start = move || {
        let Some(owner) = owner.as_ref().and_then(|o| o.upgrade()) else {
            return;
        };
        phase.set(Phase::Loading);
        // Dropped if the screen is left before its part arrives: the part builds the screen as
        // it arrives, and a screen built for an owner already gone finds none of its context.
        owner.with(|| {
            spawn_local_scoped_with_cancellation(async move {
                match load().await {
                    Ok(view) => {
                        loaded.set_value(Some(view));
                        phase.set(Phase::Ready);
                    }
                    Err(_) => phase.set(Phase::Failed),
                }
            })
        });
    };
    start();
    let retry = Callback::new(move |()| start());
    move || match phase.get() {
        Phase::Loading => view! { <Loading what=waiting/> }.into_any(),
        Phase::Ready => loaded.try_update_value(Option::take).flatten().into_any(),
        Phase::Failed => view! {
            <h1>{heading}</h1>
            <LoadFailure error=ApiError::PartNotDownloaded retry/>
        }
        .into_any(),
    }
}
