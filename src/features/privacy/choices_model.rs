//! "Who may see my record": the patient's choices about sharing with other organisations (FHIR
//! Consents) in plain words, in force and withdrawn with their dates; and the form's options
//! (what may be chosen, each visit, document and result by what and when) and its checks.

use crate::api::types::{Consequences, PrivacySettings};
use crate::fhir::concept_text;
use crate::fhir::date::FhirDate;
use serde_json::Value;

/// One choice, as the page says it.
#[derive(Clone, Debug, PartialEq)]
pub struct Choice {
    /// The Consent's id (`objection-5`), which withdrawing names.
    pub id: String,
    pub in_force: bool,
    pub sentence: String,
    /// "You chose this on 3 May 2026."
    pub made: String,
    /// "Withdrawn by Claire Hughes on 5 June 2026."
    pub withdrawn: Option<String>,
}

fn date_of(v: &Value, locale: &str) -> Option<String> {
    FhirDate::of(v).map(|d| d.display(locale))
}

/// A Consent's data display (`Blood tests, 2026-05-03`) with its date as people write it.
fn described(display: &str, locale: &str) -> String {
    match display.rsplit_once(", ") {
        Some((what, date)) => match FhirDate::parse(date) {
            Some(d) => format!("{what}, {}", d.display(locale)),
            None => display.to_string(),
        },
        None => display.to_string(),
    }
}

/// Who made (or withdrew) a choice: "You", or their name.
fn by(reference: &Value, own_record: bool) -> String {
    let patient = reference["reference"]
        .as_str()
        .is_some_and(|r| r.starts_with("Patient/"));
    let name = crate::fhir::plain_text(reference["display"].as_str().unwrap_or_default());
    match (patient, own_record) {
        (true, true) => "You".into(),
        _ if name.trim().is_empty() => "Someone".into(),
        _ => name,
    }
}

/// A choice's kind: `all`, `organisation`, `visit`, `item` or `category`.
pub fn kind_of(consent: &Value) -> Option<&str> {
    consent["category"]
        .as_array()?
        .iter()
        .flat_map(|c| c["coding"].as_array().cloned().unwrap_or_default())
        .find(|c| c["system"] == "urn:carefront:objection")
        .and_then(|c| {
            ["all", "organisation", "visit", "item", "category"]
                .into_iter()
                .find(|k| c["code"] == *k)
        })
}

/// What a Consent keeps from other organisations, as a sentence.
fn sentence(consent: &Value, whose: &str, locale: &str) -> Option<String> {
    let deny = &consent["provision"]["provision"][0];
    let plain = |v: &Value| crate::fhir::plain_text(v.as_str().unwrap_or_default());
    Some(match kind_of(consent)? {
        "all" => format!("No other organisation may see {whose} record."),
        "organisation" => {
            let name = plain(&deny["actor"][0]["reference"]["display"]);
            format!(
                "{} may not see {whose} record.",
                if name.is_empty() {
                    "This organisation".into()
                } else {
                    name
                }
            )
        }
        "visit" => format!(
            "Other organisations may not see {whose} visit ({}) or anything recorded at it.",
            described(&plain(&deny["data"][0]["reference"]["display"]), locale)
        ),
        "item" => {
            let with_results = deny["data"][0]["meaning"] == "dependents";
            format!(
                "Other organisations may not see this from {whose} record: {}{}.",
                described(&plain(&deny["data"][0]["reference"]["display"]), locale),
                if with_results {
                    ", and its results"
                } else {
                    ""
                }
            )
        }
        "category" => {
            let name = consent["category"]
                .as_array()
                .into_iter()
                .flatten()
                .flat_map(|c| c["coding"].as_array().cloned().unwrap_or_default())
                .find(|c| c["system"] == "urn:carefront:objection")
                .map(|c| plain(&c["display"]))
                .unwrap_or_default();
            format!(
                "Other organisations may not see information in {whose} record about {}.",
                if name.is_empty() {
                    "this subject".into()
                } else {
                    name.to_lowercase()
                }
            )
        }
        _ => return None,
    })
}

/// The choices, in force first, each newest first. A Consent this cannot read is left out.
pub fn choices(
    settings: &PrivacySettings,
    whose: &str,
    own_record: bool,
    locale: &str,
) -> Vec<Choice> {
    let mut out: Vec<Choice> = settings
        .objections
        .iter()
        .filter_map(|c| {
            let id = c["id"].as_str()?.to_string();
            let in_force = c["status"] == "active";
            let made_by = by(&c["performer"][0], own_record);
            let made_on = date_of(&c["dateTime"], locale).unwrap_or_default();
            let made = match made_by.as_str() {
                "You" => format!("You chose this on {made_on}."),
                name => format!("{name} chose this on {made_on}."),
            };
            let withdrawn = (!in_force).then(|| {
                let on = date_of(&c["provision"]["period"]["end"], locale).unwrap_or_default();
                let who = c["extension"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .find(|e| e["url"] == "urn:carefront:withdrawn-by")
                    .map(|e| by(&e["valueReference"], own_record));
                match who.as_deref() {
                    Some("You") => format!("You withdrew it on {on}."),
                    Some(name) => format!("{name} withdrew it on {on}."),
                    None => format!("Withdrawn on {on}."),
                }
            });
            Some(Choice {
                id,
                in_force,
                sentence: sentence(c, whose, locale)?,
                made,
                withdrawn,
            })
        })
        .collect();
    // Stable: newest first within each group, as the portal sends them.
    out.sort_by_key(|c| !c.in_force);
    out
}

/// What the choices in force already cover, as the form's values: `all`, an organisation's id,
/// an Encounter id, `Type/id` of an item, a category's id. The form does not offer them again.
pub fn taken(settings: &PrivacySettings) -> Vec<String> {
    settings
        .objections
        .iter()
        .filter(|c| c["status"] == "active")
        .filter_map(|c| {
            let deny = &c["provision"]["provision"][0];
            let reference = deny["data"][0]["reference"]["reference"].as_str();
            Some(match kind_of(c)? {
                "all" => "all".to_string(),
                "organisation" => deny["actor"][0]["reference"]["identifier"]["value"]
                    .as_str()?
                    .to_string(),
                "visit" => reference?.strip_prefix("Encounter/")?.to_string(),
                "item" => reference?.to_string(),
                _ => {
                    let name = c["category"]
                        .as_array()?
                        .iter()
                        .flat_map(|c| c["coding"].as_array().cloned().unwrap_or_default())
                        .find(|c| c["system"] == "urn:carefront:objection")?["display"]
                        .as_str()
                        .map(crate::fhir::plain_text)?;
                    settings
                        .categories
                        .iter()
                        .find(|c| c.name == name)?
                        .id
                        .clone()
                }
            })
        })
        .collect()
}

/// The kinds this user may choose, each with its label and hint.
pub fn kinds(may: &str, whose: &str) -> Vec<(String, String, Option<String>)> {
    let all = [
        (
            "all",
            "No other organisation".to_string(),
            format!("Other hospitals, GP surgeries and care services will not see {whose} record."),
        ),
        (
            "organisation",
            "One organisation".to_string(),
            "You choose which one.".to_string(),
        ),
        (
            "visit",
            "One visit".to_string(),
            "The visit and everything recorded at it, such as test results and letters."
                .to_string(),
        ),
        (
            "item",
            "One letter, document or test result".to_string(),
            "Only the item you choose.".to_string(),
        ),
        (
            "category",
            "A kind of sensitive information".to_string(),
            "Such as sexual health or mental health.".to_string(),
        ),
    ];
    all.into_iter()
        .filter(|(k, _, _)| match may {
            "everything" => true,
            "visits-and-items" => matches!(*k, "visit" | "item"),
            _ => false,
        })
        .map(|(k, label, hint)| (k.to_string(), label, Some(hint)))
        .collect()
}

/// What a kind of choice will mean, in the hospital's words.
pub fn consequences<'a>(c: &'a Consequences, kind: &str) -> &'a [String] {
    match kind {
        "all" => &c.all,
        "organisation" => &c.organisation,
        "visit" => &c.visit,
        "item" => &c.item,
        _ => &c.category,
    }
}

/// A visit to choose: its Encounter id and how it reads ("Outpatient appointment, 3 May 2026:
/// Diabetes and blood pressure review").
pub fn visit_options(encounters: &[Value], locale: &str) -> Vec<(String, String)> {
    encounters
        .iter()
        .filter_map(|e| {
            let id = e["id"].as_str()?.to_string();
            let what = e["type"]
                .as_array()
                .and_then(|t| t.iter().find_map(concept_text))
                .or_else(|| concept_text(&e["class"]))
                .unwrap_or_else(|| "Visit".into());
            let when = date_of(&e["period"]["start"], locale);
            let why = crate::fhir::reason_text(e);
            let mut label = what;
            if let Some(when) = when {
                label = format!("{label}, {when}");
            }
            if let Some(why) = why {
                label = format!("{label}: {why}");
            }
            Some((id, label))
        })
        .collect()
}

/// A letter, document or test result to choose: `Type/id` and how it reads.
pub fn item_options(resources: &[Value], locale: &str) -> Vec<(String, String)> {
    resources
        .iter()
        .filter_map(|r| {
            let kind = r["resourceType"].as_str()?;
            let id = r["id"].as_str()?;
            let (what, when) = match kind {
                "DocumentReference" => (
                    r["description"]
                        .as_str()
                        .map(String::from)
                        .or_else(|| concept_text(&r["type"]))
                        .unwrap_or_else(|| "Document".into()),
                    date_of(&r["date"], locale),
                ),
                "DiagnosticReport" => (
                    concept_text(&r["code"]).unwrap_or_else(|| "Test results".into()),
                    date_of(&r["effectiveDateTime"], locale)
                        .or_else(|| date_of(&r["issued"], locale)),
                ),
                _ => return None,
            };
            let what = crate::fhir::plain_text(&what);
            Some((
                format!("{kind}/{id}"),
                match when {
                    Some(when) => format!("{what}, {when}"),
                    None => what,
                },
            ))
        })
        .collect()
}

/// What is wrong with the form's answers, each on its field.
pub fn problems(kind: &str, target: &str) -> Vec<(&'static str, String)> {
    let missing = |field, what: &str| vec![(field, format!("Choose {what}"))];
    match (kind, target.is_empty()) {
        ("", _) => missing("kind", "what you do not want other organisations to see"),
        ("organisation", true) => missing("target", "an organisation"),
        ("visit", true) => missing("target", "a visit"),
        ("item", true) => missing("target", "a letter, document or test result"),
        ("category", true) => missing("target", "a kind of information"),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn consent(kind: &str, deny: Value, status: &str) -> Value {
        json!({
            "resourceType": "Consent", "id": format!("objection-{kind}"), "status": status,
            "category": [{"coding": [{"system": "http://loinc.org", "code": "59284-0"}]}, {"coding": [{"system": "urn:carefront:objection", "code": kind, "display": "Sexual health"}]}],
            "dateTime": "2026-05-03T19:00:00Z",
            "performer": [{"reference": "Patient/p", "display": "Ann Carter"}],
            "provision": {"type": "permit", "period": {"start": "2026-05-03T19:00:00Z", "end": "2026-06-05T10:00:00Z"}, "provision": [deny]},
            "extension": [{"url": "urn:carefront:withdrawn-by", "valueReference": {"reference": "RelatedPerson/proxy-2", "display": "Claire Hughes"}}],
        })
    }

    #[test]
    fn each_kind_reads_as_a_sentence_with_who_and_when() {
        let settings = PrivacySettings {
            objections: vec![
                consent(
                    "organisation",
                    json!({"type": "deny", "actor": [{"reference": {"display": "Oakfield Care Agency"}}]}),
                    "active",
                ),
                consent(
                    "visit",
                    json!({"type": "deny", "data": [{"meaning": "related", "reference": {"display": "Outpatient appointment, 2026-05-03"}}]}),
                    "inactive",
                ),
                consent(
                    "item",
                    json!({"type": "deny", "data": [{"meaning": "dependents", "reference": {"display": "Blood tests, 2026-04-01"}}]}),
                    "active",
                ),
                consent(
                    "category",
                    json!({"type": "deny", "securityLabel": [{"code": "SEX"}]}),
                    "active",
                ),
                json!({"resourceType": "Consent", "id": "odd"}),
            ],
            ..PrivacySettings::default()
        };
        let list = choices(&settings, "your", true, "en-GB");
        let sentences: Vec<&str> = list.iter().map(|c| c.sentence.as_str()).collect();
        assert_eq!(
            sentences,
            [
                "Oakfield Care Agency may not see your record.",
                "Other organisations may not see this from your record: Blood tests, 1 April 2026, and its results.",
                "Other organisations may not see information in your record about sexual health.",
                "Other organisations may not see your visit (Outpatient appointment, 3 May 2026) or anything recorded at it.",
            ]
        );
        assert_eq!(list[0].made, "You chose this on 3 May 2026.");
        assert_eq!(
            list[3].withdrawn.as_deref(),
            Some("Claire Hughes withdrew it on 5 June 2026.")
        );
        let theirs = choices(&settings, "Leo Hughes\u{2019}s", false, "en-GB");
        assert_eq!(theirs[0].made, "Ann Carter chose this on 3 May 2026.");
    }

    #[test]
    fn what_is_in_force_is_not_offered_again() {
        let settings = PrivacySettings {
            objections: vec![
                consent(
                    "organisation",
                    json!({"type": "deny", "actor": [{"reference": {"identifier": {"value": "oakfield"}, "display": "Oakfield"}}]}),
                    "active",
                ),
                consent(
                    "visit",
                    json!({"type": "deny", "data": [{"reference": {"reference": "Encounter/e1"}}]}),
                    "inactive",
                ),
                consent(
                    "item",
                    json!({"type": "deny", "data": [{"reference": {"reference": "DocumentReference/d1"}}]}),
                    "active",
                ),
                consent("category", json!({"type": "deny"}), "active"),
            ],
            categories: vec![crate::api::types::Named {
                id: "sexual-health".into(),
                name: "Sexual health".into(),
            }],
            ..PrivacySettings::default()
        };
        assert_eq!(
            taken(&settings),
            ["oakfield", "DocumentReference/d1", "sexual-health"]
        );
    }

    #[test]
    fn a_narrowed_proxy_may_hide_only_visits_and_items() {
        assert_eq!(kinds("everything", "your").len(), 5);
        let some: Vec<String> = kinds("visits-and-items", "your")
            .into_iter()
            .map(|k| k.0)
            .collect();
        assert_eq!(some, ["visit", "item"]);
        assert!(kinds("nothing", "your").is_empty());
    }

    #[test]
    fn options_read_by_what_and_when_and_the_form_says_what_is_missing() {
        let visits = visit_options(
            &[
                json!({"resourceType": "Encounter", "id": "e1", "type": [{"text": "Outpatient appointment"}], "period": {"start": "2026-05-03T09:00:00Z"}, "reasonCode": [{"text": "Diabetes review"}]}),
            ],
            "en-GB",
        );
        assert_eq!(
            visits,
            [(
                "e1".to_string(),
                "Outpatient appointment, 3 May 2026: Diabetes review".to_string()
            )]
        );
        let items = item_options(
            &[
                json!({"resourceType": "DocumentReference", "id": "d1", "description": "Clinic letter", "date": "2026-02-01T14:00:00Z"}),
                json!({"resourceType": "DiagnosticReport", "id": "r1", "code": {"text": "Blood tests"}, "effectiveDateTime": "2026-01-05"}),
                json!({"resourceType": "Observation", "id": "o1"}),
            ],
            "en-GB",
        );
        assert_eq!(
            items[0],
            (
                "DocumentReference/d1".to_string(),
                "Clinic letter, 1 February 2026".to_string()
            )
        );
        assert_eq!(items[1].1, "Blood tests, 5 January 2026");
        assert_eq!(items.len(), 2);
        assert_eq!(problems("", "")[0].0, "kind");
        assert_eq!(problems("visit", "")[0].1, "Choose a visit");
        assert!(problems("all", "").is_empty());
    }
}
