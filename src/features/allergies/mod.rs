//! The allergies section.

pub mod model;

use crate::api;
use crate::components::load::{Load, LoadFailure, Loading, load_into};
use crate::components::notices::RecordNotice;
use crate::components::page::PageHeading;
use crate::session::{Portal, Session};
use leptos::prelude::*;
use model::{Allergy, AllergyList, allergy_list};

#[component]
pub fn AllergiesPage() -> impl IntoView {
    let session = Session::expect();
    let locale = Portal::expect().locale.clone();
    let state = RwSignal::new(Load::Loading);
    let retry = load_into(state, move || {
        let patient = session.patient.get_untracked().map(|p| p.id);
        let locale = locale.clone();
        async move {
            let patient = patient.ok_or(api::ApiError::NotInScope)?;
            let resources = api::search_all("AllergyIntolerance", &patient, "").await?;
            Ok(allergy_list(&resources, &locale))
        }
    });
    view! {
        <PageHeading text="Allergies"/>
        <RecordNotice/>
        {move || match state.get() {
            Load::Loading => view! { <Loading what="Loading your allergies…"/> }.into_any(),
            Load::Failed(error) => view! { <LoadFailure error retry/> }.into_any(),
            Load::Ready(list) => view! { <AllergyLists list/> }.into_any(),
        }}
    }
}

#[component]
fn AllergyLists(list: AllergyList) -> impl IntoView {
    if list.is_empty() && list.unreadable == 0 {
        return view! {
            <p class="empty">"No allergies are recorded in this portal."</p>
            <p>"If you have an allergy or a reaction to a medicine that is not shown here, tell your clinical team."</p>
        }
        .into_any();
    }
    let unreadable = list.unreadable;
    view! {
        <h2>"Current allergies"</h2>
        {if list.current.is_empty() {
            view! { <p class="empty">"No current allergies are recorded in this portal."</p> }.into_any()
        } else {
            view! { <ul class="card-list">{list.current.into_iter().map(|a| view! { <AllergyCard allergy=a/> }).collect_view()}</ul> }.into_any()
        }}
        {(!list.past.is_empty()).then(|| view! {
            <h2>"Past allergies"</h2>
            <p class="hint">"These no longer apply, were resolved, or were ruled out."</p>
            <ul class="card-list">{list.past.into_iter().map(|a| view! { <AllergyCard allergy=a/> }).collect_view()}</ul>
        })}
        {(unreadable > 0).then(|| view! {
            <p class="quiet">
                {if unreadable == 1 { "1 entry could not be shown.".to_string() } else { format!("{unreadable} entries could not be shown.") }}
            </p>
        })}
    }
    .into_any()
}

#[component]
fn AllergyCard(allergy: Allergy) -> impl IntoView {
    let locale = Portal::expect().locale.clone();
    let Allergy {
        substance,
        kind,
        categories,
        criticality,
        high_risk,
        status,
        verification,
        reactions,
        recorded,
        onset,
        notes,
        ..
    } = allergy;
    let kind_text = match (kind, categories.is_empty()) {
        (Some(k), false) => Some(format!("{k} · {}", categories.join(", "))),
        (Some(k), true) => Some(k.to_string()),
        (None, false) => Some(categories.join(", ")),
        (None, true) => None,
    };
    let reaction_rows: Vec<String> = reactions
        .into_iter()
        .map(|r| {
            let what = if r.manifestations.is_empty() {
                r.description.clone().unwrap_or_default()
            } else {
                r.manifestations
            };
            match r.severity {
                Some(s) => format!("{what} ({})", s.to_lowercase()),
                None => what,
            }
        })
        .collect();
    let row = |term: &'static str, value: Option<String>| {
        value.map(|v| view! { <div class="summary-row"><dt>{term}</dt><dd>{v}</dd></div> })
    };
    view! {
        <li class="card" class:card-high-risk=high_risk>
            <h3 class="card-title">
                {substance}
                {criticality.map(|c| view! { <span class="tag" class:tag-danger=high_risk>{c}</span> })}
            </h3>
            <dl class="summary-list">
                {(!reaction_rows.is_empty()).then(|| view! {
                    <div class="summary-row">
                        <dt>{if reaction_rows.len() == 1 { "Reaction" } else { "Reactions" }}</dt>
                        <dd>{reaction_rows.into_iter().map(|r| view! { <span class="line">{r}</span> }).collect_view()}</dd>
                    </div>
                })}
                {row("Type", kind_text)}
                {row("Status", Some(match verification { Some(v) if status == "Active" => format!("{status} · {v}"), _ => status.to_string() }))}
                {row("Started", onset)}
                {recorded.map(|d| view! {
                    <div class="summary-row"><dt>"Recorded"</dt><dd><time datetime=d.iso().to_string()>{d.display(&locale)}</time></dd></div>
                })}
                {(!notes.is_empty()).then(|| view! {
                    <div class="summary-row">
                        <dt>"Notes"</dt>
                        <dd>{notes.into_iter().map(|n| view! { <span class="line">{n}</span> }).collect_view()}</dd>
                    </div>
                })}
            </dl>
        </li>
    }
}
