//! Reading FHIR R4 JSON leniently: every field may be missing, every choice may take any of its
//! forms, and nothing here panics on what a server sends.

pub mod clinical_status;
pub mod date;
pub mod entries;
pub mod reference;
pub mod value;

use serde_json::Value;

/// What a person should read for a CodeableConcept: its text, else a coding's display, else a
/// code; without the SNOMED CT semantic tag ("Latex (substance)" reads "Latex").
pub fn concept_text(concept: &Value) -> Option<String> {
    let text = non_empty(&concept["text"]).or_else(|| {
        let codings = concept["coding"].as_array()?;
        codings
            .iter()
            .find_map(|c| non_empty(&c["display"]))
            .or_else(|| codings.iter().find_map(|c| non_empty(&c["code"])))
    })?;
    Some(without_semantic_tag(&text).to_string())
}

/// SNOMED CT fully specified names end in a tag naming their hierarchy, meant for terminologists.
const SEMANTIC_TAGS: &[&str] = &[
    "disorder",
    "finding",
    "situation",
    "substance",
    "procedure",
    "observable entity",
    "qualifier value",
    "body structure",
    "morphologic abnormality",
    "product",
    "medicinal product",
    "clinical drug",
    "event",
    "regime/therapy",
    "organism",
    "physical object",
    "record artifact",
    "environment",
];

fn without_semantic_tag(text: &str) -> &str {
    text.strip_suffix(')')
        .and_then(|t| t.rsplit_once(" ("))
        .filter(|(name, tag)| !name.is_empty() && SEMANTIC_TAGS.contains(tag))
        .map_or(text, |(name, _)| name)
}

/// Why something was done: the first `reasonCode` in words, else a `reasonReference`'s display.
pub fn reason_text(r: &Value) -> Option<String> {
    r["reasonCode"]
        .as_array()
        .and_then(|a| a.iter().find_map(concept_text))
        .or_else(|| {
            r["reasonReference"]
                .as_array()?
                .iter()
                .find_map(reference_display)
        })
}

/// The first code of a CodeableConcept (status fields carry a single known code).
pub fn first_code(concept: &Value) -> Option<&str> {
    concept["coding"]
        .as_array()?
        .iter()
        .find_map(|c| c["code"].as_str())
}

/// A Reference as a person reads it: its display (resources behind it may not have been sent).
pub fn reference_display(reference: &Value) -> Option<String> {
    non_empty(&reference["display"])
}

/// The texts of a list of Annotations (`note`).
pub fn notes(resource: &Value) -> Vec<String> {
    resource["note"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|n| non_empty(&n["text"]))
        .collect()
}

pub fn non_empty(v: &Value) -> Option<String> {
    v.as_str()
        .map(plain_text)
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

/// Server text as it may be shown: without bidirectional overrides, embeddings, isolates and
/// marks (an override in "invoice\u{202E}fdp.exe" would show it as "invoiceexe.pdf") and without
/// control characters other than line breaks and tabs. Right-to-left letters themselves stay.
pub fn plain_text(text: &str) -> String {
    text.chars()
        .filter(|c| {
            !matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
                && (!c.is_control() || *c == '\n' || *c == '\t')
        })
        .collect()
}

/// One page of a search: the resources it matched and where the next page is.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Page {
    pub resources: Vec<Value>,
    pub next: Option<String>,
    pub total: Option<u64>,
}

impl Page {
    /// Accepts any Bundle; `include`d and `outcome` entries are left out of the matches.
    pub fn from_bundle(bundle: &Value) -> Option<Self> {
        if bundle["resourceType"] != "Bundle" {
            return None;
        }
        let resources = bundle["entry"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|e| e["search"]["mode"].as_str().is_none_or(|m| m == "match"))
            .filter_map(|e| e.get("resource").filter(|r| r.is_object()).cloned())
            .collect();
        let next = bundle["link"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|l| l["relation"] == "next")
            .and_then(|l| non_empty(&l["url"]));
        Some(Self {
            resources,
            next,
            total: bundle["total"].as_u64(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_text_loses_direction_overrides_and_control_characters() {
        assert_eq!(plain_text("invoice\u{202E}fdp.exe"), "invoicefdp.exe");
        assert_eq!(plain_text("a\u{2067}b\u{2069}c\u{200F}"), "abc");
        assert_eq!(plain_text("bell\u{7}\u{0}\u{9B}end"), "bellend");
        assert_eq!(plain_text("two\nlines\tand tab"), "two\nlines\tand tab");
        assert_eq!(plain_text("مرحبا Ann"), "مرحبا Ann");
        assert_eq!(non_empty(&serde_json::json!("\u{202E} \u{200E}")), None);
    }
    use serde_json::json;

    #[test]
    fn concept_prefers_text_then_display_then_code() {
        let both = json!({"text": "Hay fever", "coding": [{"display": "Allergic rhinitis"}]});
        assert_eq!(concept_text(&both).as_deref(), Some("Hay fever"));
        let codings =
            json!({"text": " ", "coding": [{"code": "x"}, {"code": "y", "display": "Peanut"}]});
        assert_eq!(concept_text(&codings).as_deref(), Some("Peanut"));
        let code_only = json!({"coding": [{"system": "s", "code": "227493005"}]});
        assert_eq!(concept_text(&code_only).as_deref(), Some("227493005"));
        assert_eq!(concept_text(&json!({})), None);
        let snomed = json!({"text": "Medication review due (situation)"});
        assert_eq!(
            concept_text(&snomed).as_deref(),
            Some("Medication review due")
        );
        let kept = json!({"text": "Fracture of wrist (left)"});
        assert_eq!(
            concept_text(&kept).as_deref(),
            Some("Fracture of wrist (left)")
        );
        assert_eq!(concept_text(&json!("not an object")), None);
    }

    #[test]
    fn reads_bundles_leniently() {
        let bundle = json!({
            "resourceType": "Bundle",
            "link": [{"relation": "self", "url": "a"}, {"relation": "next", "url": "/b?page=2"}],
            "entry": [
                {"resource": {"resourceType": "AllergyIntolerance", "id": "1"}},
                {"resource": {"resourceType": "Patient"}, "search": {"mode": "include"}},
                {"fullUrl": "no resource here"},
                {"resource": "not an object"}
            ]
        });
        let page = Page::from_bundle(&bundle).unwrap();
        assert_eq!(page.resources.len(), 1);
        assert_eq!(page.next.as_deref(), Some("/b?page=2"));
        assert_eq!(page.total, None);
        assert_eq!(
            Page::from_bundle(&json!({"resourceType": "Bundle"})).unwrap(),
            Page::default()
        );
        assert!(Page::from_bundle(&json!({"resourceType": "OperationOutcome"})).is_none());
    }
}

/// When something happened, from whichever form of a `prefix[x]` choice is present
/// (`onsetDateTime`, `onsetPeriod`, `onsetAge`, `onsetRange`, `onsetString`, …), in plain words.
pub fn when_text(r: &Value, prefix: &str, locale: &str) -> Option<String> {
    let field = |suffix: &str| &r[format!("{prefix}{suffix}").as_str()];
    let date = |v: &Value| {
        v.as_str()
            .and_then(date::FhirDate::parse)
            .map(|d| d.display(locale))
    };
    if let Some(d) = date(field("DateTime")) {
        return Some(d);
    }
    let period = field("Period");
    match (date(&period["start"]), date(&period["end"])) {
        (Some(s), Some(e)) => return Some(format!("{s} to {e}")),
        (Some(s), None) => return Some(format!("From {s}")),
        (None, Some(e)) => return Some(format!("Until {e}")),
        (None, None) => {}
    }
    if let Some(years) = value::number_text(&field("Age")["value"]) {
        return Some(format!("At age {years}"));
    }
    let range = field("Range");
    if let (Some(l), Some(h)) = (
        value::number_text(&range["low"]["value"]),
        value::number_text(&range["high"]["value"]),
    ) {
        return Some(format!("Between ages {l} and {h}"));
    }
    if let Some(b) = field("Boolean").as_bool() {
        return b.then(|| "Yes".to_string());
    }
    non_empty(field("String"))
}

/// The first of several date fields present, as a FhirDate (paths like `["effectivePeriod", "start"]`).
/// When an Observation or DiagnosticReport applies: its effective date-time, period start or
/// instant, else when it was issued. The one rule for every screen that dates results.
pub fn effective_date(o: &Value) -> Option<date::FhirDate> {
    first_date(
        o,
        &[
            &["effectiveDateTime"],
            &["effectivePeriod", "start"],
            &["effectiveInstant"],
            &["issued"],
        ],
    )
}

pub fn first_date(r: &Value, paths: &[&[&str]]) -> Option<date::FhirDate> {
    paths.iter().find_map(|path| {
        path.iter()
            .try_fold(r, |v, key| v.get(key))?
            .as_str()
            .and_then(date::FhirDate::parse)
    })
}

#[cfg(test)]
mod when_tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_every_choice_form() {
        let cases = [
            (json!({"onsetDateTime": "2019-05"}), "May 2019"),
            (
                json!({"onsetPeriod": {"start": "2019-05-03"}}),
                "From 3 May 2019",
            ),
            (
                json!({"onsetPeriod": {"start": "2019", "end": "2020"}}),
                "2019 to 2020",
            ),
            (json!({"onsetAge": {"value": 4, "unit": "a"}}), "At age 4"),
            (
                json!({"onsetRange": {"low": {"value": 2}, "high": {"value": 5}}}),
                "Between ages 2 and 5",
            ),
            (json!({"onsetString": "In childhood"}), "In childhood"),
        ];
        for (r, expected) in cases {
            assert_eq!(
                when_text(&r, "onset", "en-GB").as_deref(),
                Some(expected),
                "{r}"
            );
        }
        assert_eq!(
            when_text(&json!({"onsetDateTime": "not a date"}), "onset", "en-GB"),
            None
        );
        assert_eq!(
            when_text(&json!({"abatementBoolean": true}), "abatement", "en-GB").as_deref(),
            Some("Yes")
        );
    }

    #[test]
    fn takes_the_first_date_present() {
        let r =
            json!({"effectivePeriod": {"start": "2020-01-02"}, "issued": "2020-01-03T10:00:00Z"});
        let d = first_date(
            &r,
            &[
                &["effectiveDateTime"],
                &["effectivePeriod", "start"],
                &["issued"],
            ],
        );
        assert_eq!(d.unwrap().iso(), "2020-01-02");
    }
}
