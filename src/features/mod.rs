//! One module per screen, named as its address is (`/record/medicines` is `medicines`); each keeps
//! its FHIR-to-screen logic in a `model` beside its view, entered through `model::build`.

pub(crate) mod account;
pub(crate) mod allergies;
pub(crate) mod appointments;
pub(crate) mod documents;
pub(crate) mod export;
pub(crate) mod medicines;
pub(crate) mod messages;
pub(crate) mod people;
pub(crate) mod privacy;
pub(crate) mod problems;
pub(crate) mod record_layout;
mod recovery_notice;
pub(crate) mod results;
pub(crate) mod shared;
pub(crate) mod shares;
pub(crate) mod sign_in;
pub(crate) mod summary;
pub(crate) mod terms;
pub(crate) mod trends;
pub(crate) mod vaccinations;
pub(crate) mod visits;

#[cfg(test)]
mod hl7_examples;

use crate::chunks::{AccountScreen, MessagesScreen, PeopleScreen, PrivacyScreen, RecordScreen};
use crate::components::page::PageHeading;
use crate::session::Portal;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use recovery_notice::RecoveryCodeNotice;

/// The record's screens, all in the record's download (`chunks::record_screen` is its split point).
pub(crate) fn record_screen(screen: RecordScreen) -> AnyView {
    match screen {
        RecordScreen::Layout => {
            view! { <RecoveryCodeNotice/><record_layout::RecordLayout/> }.into_any()
        }
        RecordScreen::Choose => {
            view! { <RecoveryCodeNotice/><record_layout::ChooseRecord/> }.into_any()
        }
        RecordScreen::Section => view! { <SectionPage/> }.into_any(),
        RecordScreen::OpenShare => view! { <shared::OpenSharePage/> }.into_any(),
        RecordScreen::Shared => view! { <shared::SharedLayout/> }.into_any(),
    }
}

/// The section the address names; an address naming none is not found, and one the hospital's
/// record system does not share says so.
#[component]
fn SectionPage() -> impl IntoView {
    let params = use_params_map();
    let portal = Portal::expect();
    move || match params.with(|p| p.get("section")).as_deref() {
        Some(id) if crate::sections::by_id(id).is_some_and(|s| !portal.record_system.shares(s)) => {
            view! { <NotShared id=id.to_string()/> }.into_any()
        }
        Some("summary") => view! { <summary::SummaryPage/> }.into_any(),
        Some("results") => view! { <results::ResultsPage/> }.into_any(),
        Some("trends") => view! { <trends::TrendsPage/> }.into_any(),
        Some("medicines") => view! { <medicines::MedicinesPage/> }.into_any(),
        Some("allergies") => view! { <allergies::AllergiesPage/> }.into_any(),
        Some("problems") => view! { <problems::ProblemsPage/> }.into_any(),
        Some("vaccinations") => view! { <vaccinations::VaccinationsPage/> }.into_any(),
        Some("appointments") => view! { <appointments::AppointmentsPage/> }.into_any(),
        Some("visits") => view! { <visits::VisitsPage/> }.into_any(),
        Some("documents") => view! { <documents::DocumentsPage/> }.into_any(),
        _ => view! { <crate::app::NotFound/> }.into_any(),
    }
}

/// A section the hospital's record system does not give the portal: said, never shown as empty.
#[component]
fn NotShared(id: String) -> impl IntoView {
    let section = crate::sections::by_id(&id).expect("a section");
    view! {
        <PageHeading text=section.name/>
        <p class="info-callout">{not_shared_words(section)}</p>
    }
}

/// Why a section the hospital's record system does not give the portal is not shown.
pub(crate) fn not_shared_words(section: &crate::sections::Section) -> String {
    format!(
        "{}\u{2019}s record system does not share {} with this portal, so they cannot be shown here. If you need to know about them, ask your GP or the hospital.",
        Portal::expect().organization.name,
        section.words
    )
}

/// Sharing the record: its own download (`chunks::shares_screen`), with the QR code maker.
pub(crate) fn shares_screen() -> AnyView {
    view! { <shares::SharesPage/> }.into_any()
}

/// Messages with the care team: their own download (`chunks::messages_screen`).
pub(crate) fn messages_screen(screen: MessagesScreen) -> AnyView {
    match screen {
        MessagesScreen::Choose => view! { <messages::ChooseInbox/> }.into_any(),
        MessagesScreen::Inbox => view! { <messages::InboxPage/> }.into_any(),
        MessagesScreen::Conversation => view! { <messages::ConversationPage/> }.into_any(),
        MessagesScreen::Ask => view! { <messages::AskPage/> }.into_any(),
    }
}

/// Who can see the user's own record, and accepting an invitation to see someone else's: their
/// own download (`chunks::people_screen`).
pub(crate) fn people_screen(screen: PeopleScreen) -> AnyView {
    match screen {
        PeopleScreen::WhoCanSee => view! { <people::PeoplePage/> }.into_any(),
        PeopleScreen::AcceptInvitation => {
            view! { <people::accept::AcceptInvitationPage/> }.into_any()
        }
    }
}

/// The privacy centre: who has looked at a record and who may see it, in their own download
/// (`chunks::privacy_screen`).
pub(crate) fn privacy_screen(screen: PrivacyScreen) -> AnyView {
    match screen {
        PrivacyScreen::Centre => view! { <privacy::PrivacyPage/> }.into_any(),
        PrivacyScreen::Log => view! { <privacy::LogPage/> }.into_any(),
        PrivacyScreen::Choices => view! { <privacy::ChoicesPage/> }.into_any(),
    }
}

/// The user's own account settings: their own download (`chunks::account_screen`).
pub(crate) fn account_screen(screen: AccountScreen) -> AnyView {
    match screen {
        AccountScreen::Settings => view! { <account::AccountPage/> }.into_any(),
        AccountScreen::TwoStep => view! { <account::two_step::TwoStepSetUpPage/> }.into_any(),
    }
}
