//! "Who has looked at my record": the access log grouped by day, filtered by when, by kind of
//! person and by organisation, downloadable as CSV or FHIR, and how long it is kept.

use super::log_model::{self, Access, Day, Kind};
use super::{About, AboutPage, Refused, log_download};
use crate::acting_for::whose;
use crate::api::{self, ApiError, FhirSearch, types::PatientSummary, types::PrivacySettings};
use crate::components::clock::{Style, format_moment, now_iso};
use crate::components::download;
use crate::components::load::{Load, Loading, load_into};
use crate::components::page::PageHeading;
use crate::session::Portal;
use leptos::prelude::*;
use serde_json::Value;

/// Enough pages for years of a busy record; a log longer still says it is not all shown.
const MAX_PAGES: usize = 50;

/// The periods to choose from: (value, words, days back; None for everything).
const PERIODS: [(&str, &str, Option<u32>); 4] = [
    ("30", "The last 30 days", Some(30)),
    ("91", "The last 3 months", Some(91)),
    ("365", "The last 12 months", Some(365)),
    ("all", "Everything", None),
];

/// The log for a period, and when the log begins.
#[derive(Clone, Debug, PartialEq)]
struct Entries {
    events: Vec<Value>,
    oldest_ms: Option<f64>,
}

/// `YYYY-MM-DD`, this many days ago (UTC: a day either way makes no difference here).
fn days_ago(days: u32) -> String {
    let ms = js_sys::Date::now() - f64::from(days) * 86_400_000.0;
    js_sys::Date::new(&ms.into())
        .to_iso_string()
        .as_string()
        .unwrap_or_default()
        .chars()
        .take(10)
        .collect()
}

async fn load_entries(id: String, period: String) -> Result<Entries, ApiError> {
    let mut search = FhirSearch::new("AuditEvent");
    if let Some(days) = PERIODS.iter().find(|p| p.0 == period).and_then(|p| p.2) {
        search = search.on_or_after(&days_ago(days));
    }
    let mut events = Vec::new();
    api::search_pages(&search, &id, MAX_PAGES, |page| events.extend(page)).await?;
    let mut oldest_ms = None;
    let first = FhirSearch::new("AuditEvent").oldest_first().count(1);
    api::search_pages(&first, &id, 1, |page| {
        oldest_ms = page
            .first()
            .and_then(|e| crate::fhir::date::FhirDate::moment(&e["recorded"]))
            .map(|(_, ms)| ms);
    })
    .await?;
    Ok(Entries { events, oldest_ms })
}

#[component]
pub fn LogPage() -> impl IntoView {
    view! {
        <AboutPage heading="Who has looked at your record" waiting="Loading who has looked…"
            page=|about, _| view! { <LogView about/> }/>
    }
}

/// The heading, the filters and the downloads stay put while a period loads; only the list
/// below them changes.
#[component]
fn LogView(about: About) -> impl IntoView {
    let id = about.id.clone();
    let whose = whose(about.patient.as_ref());
    let own = about.patient.as_ref().is_none_or(PatientSummary::is_own);
    let name = about
        .patient
        .as_ref()
        .map_or_else(|| "the patient".to_string(), |p| p.name.clone());
    let period = RwSignal::new("365".to_string());
    let kind = RwSignal::new(String::new());
    let entries = RwSignal::new(Load::Loading);
    let reload = {
        let id = id.clone();
        load_into(entries, move || {
            load_entries(id.clone(), period.get_untracked())
        })
    };
    let kind_options: Vec<(String, String)> =
        std::iter::once((String::new(), "Everyone".to_string()))
            .chain(Kind::FILTERS.iter().map(|(k, label)| {
                let label = match (k, own) {
                    (Kind::Patient, true) => "You".to_string(),
                    (Kind::Proxy, true) => "People acting for you".to_string(),
                    _ => label.to_string(),
                };
                (k.id().to_string(), label)
            }))
            .collect();
    let settings = about.settings;
    let lead = format!(
        "Each time {whose} record was looked at in this portal or by another organisation\u{2019}s system: who, when, what and why. Looking at this list is recorded in it too."
    );
    let refused = format!(
        "Only {name}, or someone with full access to {whose} record, can see who has looked at it."
    );
    view! {
        <PageHeading text=format!("Who has looked at {whose} record")/>
        <p class="lead">{lead}</p>
        <form class="log-filters" on:submit=|ev| ev.prevent_default()>
            <div class="form-group">
                <label for="log-period">"When"</label>
                <select id="log-period" class="input select" prop:value=move || period.get()
                    on:change=move |ev| { period.set(event_target_value(&ev)); reload.run(()); }>
                    {PERIODS.iter().map(|(value, words, _)| view! { <option value=*value>{*words}</option> }).collect_view()}
                </select>
            </div>
            <div class="form-group">
                <label for="log-kind">"Who"</label>
                <select id="log-kind" class="input select" prop:value=move || kind.get() on:change=move |ev| kind.set(event_target_value(&ev))>
                    {kind_options.into_iter().map(|(value, words)| view! { <option value=value>{words}</option> }).collect_view()}
                </select>
            </div>
        </form>
        {move || match entries.get() {
            Load::Loading => view! { <Loading what="Loading who has looked…"/> }.into_any(),
            Load::Failed(ApiError::Withheld | ApiError::NotInScope) => view! { <p>{refused.clone()}</p> }.into_any(),
            Load::Failed(error) => view! { <Refused error retry=reload/> }.into_any(),
            Load::Ready(found) => view! {
                <LogEntries found kind whose=whose.clone() own id=id.clone() settings=settings.clone()/>
            }
            .into_any(),
        }}
    }
}

/// The loaded log: the organisation filter (those in it), the count, the downloads, the days,
/// and how long it is kept.
#[component]
fn LogEntries(
    found: Entries,
    kind: RwSignal<String>,
    whose: String,
    own: bool,
    id: String,
    settings: PrivacySettings,
) -> impl IntoView {
    let info = Portal::expect();
    let (locale, zone) = (info.locale.clone(), info.time_zone.clone());
    let all = StoredValue::new(log_model::accesses(&found.events));
    let organisations = all.with_value(|a| log_model::organisations(a));
    let organisation = RwSignal::new(String::new());
    let shown = Memo::new(move |_| {
        let k = Kind::from_id(&kind.get());
        let o = organisation.get();
        all.with_value(|a| log_model::filter(a, k, (!o.is_empty()).then_some(o.as_str())))
    });
    let day_words = {
        let (locale, zone) = (locale.clone(), zone.clone());
        move |ms: f64| format_moment(ms, &locale, &zone, Style::Day)
    };
    let days = Memo::new(move |_| log_model::by_day(shown.get(), &day_words));
    let since = found
        .oldest_ms
        .map(|ms| format_moment(ms, &locale, &zone, Style::Day));
    let whose_words = StoredValue::new(whose.clone());
    let save = move |as_csv: bool| {
        let list = shown.get_untracked();
        let stamp = now_iso();
        let day: String = stamp.chars().take(10).collect();
        let (bytes, name) = if as_csv {
            let text = log_download::csv(&list, &whose_words.get_value(), own, |ms| {
                format_moment(ms, &locale, &zone, Style::DateTime)
            });
            (text.into_bytes(), format!("who-has-looked-{id}-{day}.csv"))
        } else {
            (
                log_download::fhir_bundle(&list, &stamp).into_bytes(),
                format!("who-has-looked-{id}-{day}.json"),
            )
        };
        download::save(&bytes, &name);
    };
    let save_fhir = save.clone();
    let kept = settings.log_kept_years;
    let ask_why = settings.ask_why;
    view! {
        {(!organisations.is_empty()).then(|| view! {
            <div class="form-group">
                <label for="log-organisation">"Organisation"</label>
                <select id="log-organisation" class="input select" prop:value=move || organisation.get() on:change=move |ev| organisation.set(event_target_value(&ev))>
                    <option value="">"All organisations"</option>
                    {organisations.into_iter().map(|o| view! { <option value=o.clone()>{o.clone()}</option> }).collect_view()}
                </select>
            </div>
        })}
        <p role="status" class="log-count">{move || match shown.with(Vec::len) {
            0 => "Nothing to show for this choice.".to_string(),
            1 => "1 entry.".to_string(),
            n => format!("{n} entries."),
        }}</p>
        <div class="button-group">
            <button type="button" class="button secondary" on:click=move |_| save(true)>"Download as a spreadsheet (CSV)"</button>
            <button type="button" class="button secondary" on:click=move |_| save_fhir(false)>"Download for other apps (FHIR)"</button>
        </div>
        {move || days.get().into_iter().map(|day| view! { <LogDay day whose=whose.clone() own ask_why=ask_why.clone()/> }).collect_view()}
        <h2>"How long we keep this list"</h2>
        <p>{format!("We keep each entry for {kept} years.")}{since.map(|s| format!(" This list goes back to {s}."))}</p>
    }
}

/// The badge for a kind of person; none for the user's own use of their own record, which the
/// line below already calls "You".
fn kind_label(kind: Kind, own: bool) -> Option<&'static str> {
    Some(match (kind, own) {
        (Kind::Patient, true) => return None,
        (Kind::Patient, false) => "The patient",
        (Kind::Proxy, true) => "Acting for you",
        (Kind::Proxy, false) => "Acting for the patient",
        (Kind::Shared, _) => "Share code",
        (Kind::Professional, _) => "Other organisation",
        (Kind::Emergency, _) => "Emergency access",
        (Kind::Portal, _) => "Settings",
    })
}

#[component]
fn LogDay(day: Day, whose: String, own: bool, ask_why: String) -> impl IntoView {
    let info = Portal::expect();
    view! {
        <section class="log-day">
            <h2 class="log-day-heading">{day.heading}</h2>
            <ul class="log-list">
                {day.accesses.into_iter().map(|a: Access| {
                    let time = format_moment(a.at_ms, &info.locale, &info.time_zone, Style::Time);
                    let why = log_model::why(&a, own);
                    let emergency = a.kind == Kind::Emergency;
                    view! {
                        <li class=format!("log-entry log-{}", a.kind.id())>
                            {kind_label(a.kind, own).map(|k| view! { <p class="log-kind">{k}</p> })}
                            <p class="log-who"><bdi>{log_model::who_line(&a, own)}</bdi></p>
                            <p class="log-what">{log_model::what_happened(&a, &whose)}</p>
                            <p class="log-when">{time}{why.map(|w| format!(", {w}"))}</p>
                            {emergency.then(|| view! {
                                <div class="log-emergency">
                                    <p>
                                        "This was emergency access."
                                        {a.set_aside.then_some(" It went past a choice not to share with other organisations.")}
                                    </p>
                                    <p><strong>"You can ask why. "</strong>{ask_why.clone()}</p>
                                </div>
                            })}
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
}
