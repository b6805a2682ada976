//! "Who may see my record": the choices in force (each can be withdrawn, after a confirmation),
//! making a new one (what, then what it will mean and when it may not be followed, then
//! confirm), and the dated history of earlier choices.

use super::choices_model::{self, Choice};
use super::{About, AboutPage};
use crate::acting_for::whose;
use crate::api::{self, ApiError, FhirSearch, types::PatientSummary};
use crate::components::form::{ErrorSummary, FieldError, Radios, error_for};
use crate::components::load::Loading;
use crate::components::page::PageHeading;
use crate::session::Portal;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::Value;

#[component]
pub fn ChoicesPage() -> impl IntoView {
    let done = RwSignal::new(None::<String>);
    view! {
        <AboutPage heading="Who may see your record" waiting="Loading your choices…"
            page=move |page, reload| view! { <Choices page reload done/> }/>
    }
}

#[component]
fn Choices(page: About, reload: Callback<()>, done: RwSignal<Option<String>>) -> impl IntoView {
    let locale = Portal::expect().locale.clone();
    let whose = whose(page.patient.as_ref());
    let own = page.patient.as_ref().is_none_or(PatientSummary::is_own);
    let name = page
        .patient
        .as_ref()
        .map_or_else(|| "the patient".to_string(), |p| p.name.clone());
    let list = choices_model::choices(&page.settings, &whose, own, &locale);
    let (in_force, earlier): (Vec<Choice>, Vec<Choice>) =
        list.into_iter().partition(|c| c.in_force);
    let may = page.settings.may.clone();
    let making = RwSignal::new(false);
    let heading = format!("Who may see {whose} record");
    let not_followed = page.settings.not_followed.clone();
    view! {
        <PageHeading text=heading/>
        <p class="lead">{format!("{} record is shared with other organisations that give care, such as GP surgeries, other hospitals and pharmacies, so they have what they need. You can choose to stop this for all of them or for one, or to keep back a visit, a letter or test result, or a kind of sensitive information.", capitalise(&whose))}</p>
        <p role="status" class="done">{move || done.get()}</p>
        {match may.as_str() {
            "nothing" => Some(view! {
                <div class="info-callout"><p>{format!("Only {name}, or someone with full access to {whose} record, can make these choices.")}</p></div>
            }.into_any()),
            "visits-and-items" => Some(view! {
                <div class="info-callout"><p>{format!("You can keep back visits, letters and test results that you can see. Other choices about {whose} record are for {name} to make.")}</p></div>
            }.into_any()),
            _ => None,
        }}
        <h2>{if own { "Your choices".to_string() } else { "Choices in place".to_string() }}</h2>
        {if in_force.is_empty() {
            view! { <p>{format!("No choices are in place. Other organisations that give care can see {whose} record.")}</p> }.into_any()
        } else {
            let patient = page.id.clone();
            view! {
                <ul class="card-list">
                    {in_force.into_iter().map(|choice| view! { <ChoiceCard choice patient=patient.clone() reload done/> }).collect_view()}
                </ul>
            }
            .into_any()
        }}
        {(may != "nothing").then(|| {
            let page = page.clone();
            let whose = whose.clone();
            move || if making.get() {
                view! { <NewChoice page=page.clone() whose=whose.clone() making reload done/> }.into_any()
            } else {
                view! {
                    <button type="button" class="button" on:click=move |_| { done.set(None); making.set(true) }>
                        "Make a new choice"
                    </button>
                }
                .into_any()
            }
        })}
        {(!earlier.is_empty()).then(|| view! {
            <h2>"Earlier choices"</h2>
            <ul class="history-list">
                {earlier.into_iter().map(|c| view! {
                    <li><p>{c.sentence}</p><p class="hint">{c.made}" "{c.withdrawn}</p></li>
                }).collect_view()}
            </ul>
        })}
        <h2>"When we may share even so"</h2>
        <p>"A choice not to share may not be followed:"</p>
        <ul>{not_followed.into_iter().map(|w| view! { <li>{w}</li> }).collect_view()}</ul>
        <p>"If this happens, you will see it in the list of who has looked at your record."</p>
    }
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

#[derive(Clone, Copy, PartialEq)]
enum Step {
    Shown,
    Confirming,
    Saving,
}

#[component]
fn ChoiceCard(
    choice: Choice,
    patient: String,
    reload: Callback<()>,
    done: RwSignal<Option<String>>,
) -> impl IntoView {
    let step = RwSignal::new(Step::Shown);
    let problem = RwSignal::new(None::<String>);
    let id = StoredValue::new(choice.id.clone());
    let patient = StoredValue::new(patient);
    let withdraw = move || {
        step.set(Step::Saving);
        problem.set(None);
        spawn_local(async move {
            let outcome = api::withdraw_objection(&patient.get_value(), &id.get_value()).await;
            if step.is_disposed() {
                return;
            }
            match outcome {
                Ok(()) => {
                    done.set(Some(
                        "Your choice is withdrawn. It applies from now.".into(),
                    ));
                    reload.run(());
                }
                Err(e) => {
                    step.set(Step::Confirming);
                    problem.set(Some(e.message()));
                }
            }
        });
    };
    view! {
        <li class="card choice-card">
            <p class="card-title">{choice.sentence}</p>
            <p class="hint">{choice.made}</p>
            {move || problem.get().map(|p| view! { <div class="error-callout" role="alert"><p>{p}</p></div> })}
            {move || match step.get() {
                Step::Shown => view! {
                    <button type="button" class="button secondary" on:click=move |_| step.set(Step::Confirming)>
                        "Withdraw this choice"
                    </button>
                }
                .into_any(),
                Step::Confirming | Step::Saving => view! {
                    <div class="confirm" role="group" aria-label="Withdraw this choice">
                        <p><strong>"Withdraw this choice?"</strong></p>
                        <p>"Other organisations that give care will be able to see this again, from now."</p>
                        <div class="button-group">
                            <button type="button" class="button"
                                aria-disabled=move || (step.get() == Step::Saving).then_some("true")
                                on:click=move |_| if step.get_untracked() == Step::Confirming { withdraw() }>
                                {move || if step.get() == Step::Saving { "Withdrawing…" } else { "Yes, withdraw it" }}
                            </button>
                            <button type="button" class="button secondary" on:click=move |_| step.set(Step::Shown)>"Keep it"</button>
                        </div>
                    </div>
                }
                .into_any(),
            }}
        </li>
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Stage {
    Choosing,
    Checking,
    Saving,
}

/// Options to choose from for a kind: organisations and categories come with the page; visits,
/// letters and results are loaded from the record when first asked for.
#[derive(Clone, Debug, PartialEq)]
enum Options {
    None,
    Loading,
    Ready(Vec<(String, String)>),
    Failed(ApiError),
}

async fn record_options(
    patient: String,
    kind: String,
    locale: String,
) -> Result<Vec<(String, String)>, ApiError> {
    let types: &[&'static str] = if kind == "visit" {
        &["Encounter"]
    } else {
        &["DocumentReference", "DiagnosticReport"]
    };
    let mut found: Vec<Value> = Vec::new();
    for t in types {
        api::search_pages(&FhirSearch::new(t), &patient, 10, |page| found.extend(page)).await?;
    }
    Ok(if kind == "visit" {
        choices_model::visit_options(&found, &locale)
    } else {
        choices_model::item_options(&found, &locale)
    })
}

#[component]
fn NewChoice(
    page: About,
    whose: String,
    making: RwSignal<bool>,
    reload: Callback<()>,
    done: RwSignal<Option<String>>,
) -> impl IntoView {
    let locale = Portal::expect().locale.clone();
    let kind = RwSignal::new(String::new());
    let target = RwSignal::new(String::new());
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let stage = RwSignal::new(Stage::Choosing);
    let options = RwSignal::new(Options::None);
    let settings = StoredValue::new(page.settings.clone());
    let patient = StoredValue::new(page.id.clone());
    // What is already chosen is not offered again.
    let taken = StoredValue::new(choices_model::taken(&page.settings));
    let untaken = move |list: Vec<(String, String)>| -> Vec<(String, String)> {
        taken.with_value(|t| list.into_iter().filter(|(v, _)| !t.contains(v)).collect())
    };
    // Choosing another kind starts its target afresh, and loads the record's visits or items.
    Effect::new(move |previous: Option<String>| {
        let k = kind.get();
        if previous.as_deref() != Some(k.as_str()) {
            target.set(String::new());
            let fixed = settings.with_value(|s| match k.as_str() {
                "organisation" => Some(
                    s.organisations
                        .iter()
                        .map(|o| (o.id.clone(), o.name.clone()))
                        .collect(),
                ),
                "category" => Some(
                    s.categories
                        .iter()
                        .map(|c| (c.id.clone(), c.name.clone()))
                        .collect(),
                ),
                _ => None,
            });
            match (k.as_str(), fixed) {
                (_, Some(list)) => options.set(Options::Ready(untaken(list))),
                ("visit" | "item", None) => {
                    options.set(Options::Loading);
                    let (p, asked, l) = (patient.get_value(), k.clone(), locale.clone());
                    spawn_local(async move {
                        let outcome = record_options(p, asked.clone(), l).await;
                        // Another kind chosen meanwhile has its own options.
                        if options.is_disposed() || kind.get_untracked() != asked {
                            return;
                        }
                        options.set(match outcome {
                            Ok(list) => Options::Ready(untaken(list)),
                            Err(e) => Options::Failed(e),
                        });
                    });
                }
                _ => options.set(Options::None),
            }
        }
        k
    });
    let target_label = move || {
        options.with(|o| match o {
            Options::Ready(list) => list
                .iter()
                .find(|(v, _)| *v == target.get())
                .map(|(_, l)| l.clone()),
            _ => None,
        })
    };
    let summary = {
        let whose = whose.clone();
        move || {
            let what = target_label().unwrap_or_default();
            match kind.get().as_str() {
                "all" => format!("No other organisation may see {whose} record."),
                "organisation" => format!("{what} may not see {whose} record."),
                "visit" => format!(
                    "Other organisations may not see {whose} visit ({what}) or anything recorded at it."
                ),
                "item" => {
                    format!("Other organisations may not see this from {whose} record: {what}.")
                }
                _ => format!(
                    "Other organisations may not see information in {whose} record about {}.",
                    what.to_lowercase()
                ),
            }
        }
    };
    let check = move |_| {
        let problems = choices_model::problems(&kind.get_untracked(), &target.get_untracked());
        errors.set(FieldError::each_on(problems));
        if errors.with_untracked(Vec::is_empty) {
            stage.set(Stage::Checking);
        }
    };
    let confirm = move |_| {
        if stage.get_untracked() != Stage::Checking {
            return;
        }
        stage.set(Stage::Saving);
        spawn_local(async move {
            let outcome = api::object(
                &patient.get_value(),
                &kind.get_untracked(),
                &target.get_untracked(),
            )
            .await;
            if stage.is_disposed() {
                return;
            }
            match outcome {
                Ok(()) => {
                    done.set(Some("Your choice is saved. It applies from now.".into()));
                    making.set(false);
                    reload.run(());
                }
                Err(e) => {
                    stage.set(Stage::Checking);
                    errors.set(vec![FieldError::general(e.message())]);
                }
            }
        });
    };
    let kinds: Vec<_> = choices_model::kinds(&page.settings.may, &whose)
        .into_iter()
        .filter(|(k, _, _)| !taken.with_value(|t| t.contains(k)))
        .collect();
    let consequences = move || {
        settings.with_value(|s| choices_model::consequences(&s.consequences, &kind.get()).to_vec())
    };
    let not_followed = page.settings.not_followed.clone();
    view! {
        <section class="new-choice" aria-labelledby="new-choice-heading">
            <h2 id="new-choice-heading">"Make a new choice"</h2>
            <ErrorSummary errors/>
            {move || match stage.get() {
                Stage::Choosing => view! {
                    <Radios id="kind" legend="What do you not want other organisations to see?" options=kinds.clone() value=kind errors/>
                    {move || match options.get() {
                        Options::None => ().into_any(),
                        Options::Loading => view! { <Loading what="Loading the record…"/> }.into_any(),
                        Options::Failed(error) => view! {
                            <div class="error-callout" role="alert"><p>{error.message()}</p></div>
                        }
                        .into_any(),
                        Options::Ready(list) if list.is_empty() => view! {
                            <p>"There is nothing of this kind to choose."</p>
                        }
                        .into_any(),
                        Options::Ready(list) => {
                            let k = kind.get_untracked();
                            let legend = match k.as_str() {
                                "organisation" => "Which organisation?",
                                "visit" => "Which visit?",
                                "item" => "Which letter, document or test result?",
                                _ => "Which kind of information?",
                            };
                            if list.len() > 8 {
                                view! { <TargetSelect legend list target errors/> }.into_any()
                            } else {
                                let radios = list.into_iter().map(|(v, l)| (v, l, None)).collect();
                                view! { <Radios id="target" legend=legend options=radios value=target errors/> }.into_any()
                            }
                        }
                    }}
                    <div class="button-group">
                        <button type="button" class="button" on:click=check>"Continue"</button>
                        <button type="button" class="button secondary" on:click=move |_| making.set(false)>"Cancel"</button>
                    </div>
                }
                .into_any(),
                Stage::Checking | Stage::Saving => view! {
                    <div class="check-panel">
                        <h3>"Before you confirm"</h3>
                        <p class="check-choice"><strong>{summary.clone()}</strong></p>
                        <h3>"What this will mean"</h3>
                        <ul>{consequences().into_iter().map(|w| view! { <li>{w}</li> }).collect_view()}</ul>
                        <h3>"When it may not be followed"</h3>
                        <ul>{not_followed.clone().into_iter().map(|w| view! { <li>{w}</li> }).collect_view()}</ul>
                        <p>"You can withdraw this choice at any time."</p>
                        <div class="button-group">
                            <button type="button" class="button"
                                aria-disabled=move || (stage.get() == Stage::Saving).then_some("true")
                                on:click=confirm>
                                {move || if stage.get() == Stage::Saving { "Saving…" } else { "Confirm my choice" }}
                            </button>
                            <button type="button" class="button secondary" on:click=move |_| stage.set(Stage::Choosing)>"Go back"</button>
                        </div>
                    </div>
                }
                .into_any(),
            }}
        </section>
    }
}

/// A long list (visits, letters and results) as one labelled drop-down.
#[component]
fn TargetSelect(
    legend: &'static str,
    list: Vec<(String, String)>,
    target: RwSignal<String>,
    errors: RwSignal<Vec<FieldError>>,
) -> impl IntoView {
    let error = move || error_for(&errors.get(), "target");
    view! {
        <div class="form-group" class:form-group-error=move || error().is_some()>
            <label for="target">{legend}</label>
            {move || error().map(|m| view! {
                <p class="field-error" id="target-error"><span class="visually-hidden">"Error: "</span>{m}</p>
            })}
            <select id="target" class="input select" prop:value=move || target.get()
                aria-describedby=move || error().map(|_| "target-error")
                on:change=move |ev| target.set(event_target_value(&ev))>
                <option value="">"Choose one"</option>
                {list.into_iter().map(|(v, l)| view! { <option value=v>{l}</option> }).collect_view()}
            </select>
        </div>
    }
}
