//! DiagnosticReports with their Observations, and stand-alone Observations, → the results list.
//! Vital signs are left to the trends screen; everything else measured is a result.

use crate::fhir::date::FhirDate;
use crate::fhir::reference::{Resources, type_and_id};
use crate::fhir::value::{absent_reason, value_text};
use crate::fhir::{concept_text, effective_date, first_code, non_empty, notes, reference_display};
use serde_json::Value;
use std::collections::HashSet;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Level {
    Normal,
    Abnormal,
    Critical,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Flag {
    pub words: String,
    pub level: Level,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ResultItem {
    pub name: String,
    pub value: String,
    pub flag: Option<Flag>,
    pub range: Option<String>,
    /// Said only when it is not the ordinary "final".
    pub status: Option<&'static str>,
    pub performer: Option<String>,
    pub notes: Vec<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ResultGroup {
    pub key: String,
    pub title: String,
    pub date: Option<FhirDate>,
    pub status: Option<&'static str>,
    pub performer: Option<String>,
    pub conclusion: Option<String>,
    pub items: Vec<ResultItem>,
    /// Lower-case names and title, for filtering without allocating per keystroke.
    pub search_text: String,
    sort_ms: f64,
}

impl ResultGroup {
    /// Adds a result, and its name to what a search looks through.
    fn push(&mut self, item: ResultItem) {
        self.search_text.push('\n');
        self.search_text.push_str(&item.name.to_lowercase());
        self.items.push(item);
    }

    /// Identity and content together: a report drawn before its results arrived must be drawn
    /// again once they have, so keyed lists need more than the report's id.
    pub fn render_key(&self) -> String {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        for i in &self.items {
            (
                &i.name,
                &i.value,
                i.flag.as_ref().map(|f| &f.words),
                &i.status,
            )
                .hash(&mut h);
        }
        (&self.conclusion, &self.status).hash(&mut h);
        format!("{}#{:x}", self.key, h.finish())
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct ResultsView {
    pub groups: Vec<ResultGroup>,
    pub unreadable: usize,
}

pub fn is_vital_sign(r: &Value) -> bool {
    r["category"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|c| first_code(c) == Some("vital-signs"))
}

fn status_words(code: Option<&str>) -> Option<&'static str> {
    match code {
        Some("registered") => Some("Not yet reported"),
        Some("preliminary" | "partial") => Some("Preliminary"),
        Some("amended" | "appended") => Some("Amended"),
        Some("corrected") => Some("Corrected"),
        Some("cancelled") => Some("Cancelled"),
        _ => None,
    }
}

/// An interpretation in words, as well as a level for colour (words first: colour alone is not enough).
pub fn flag(observation: &Value) -> Option<Flag> {
    let concept = observation["interpretation"].as_array()?.first()?;
    let code = first_code(concept).unwrap_or_default();
    let (words, level) = match code {
        "H" | "HU" => ("High", Level::Abnormal),
        "L" | "LU" => ("Low", Level::Abnormal),
        "HH" | "H>" => ("Critically high", Level::Critical),
        "LL" | "L<" => ("Critically low", Level::Critical),
        "A" => ("Abnormal", Level::Abnormal),
        "AA" => ("Critically abnormal", Level::Critical),
        "N" => ("Normal", Level::Normal),
        "POS" | "DET" => ("Positive", Level::Abnormal),
        "NEG" | "ND" => ("Negative", Level::Normal),
        _ => {
            let text = concept_text(concept)?;
            let lower = text.to_lowercase();
            let level = if lower.contains("critical") || lower.contains("panic") {
                Level::Critical
            } else if lower == "normal" || lower == "negative" {
                Level::Normal
            } else {
                Level::Abnormal
            };
            return Some(Flag { words: text, level });
        }
    };
    Some(Flag {
        words: words.into(),
        level,
    })
}

fn range_text(observation: &Value) -> Option<String> {
    let range = observation["referenceRange"].as_array()?.first()?;
    if let Some(text) = non_empty(&range["text"]) {
        return Some(text);
    }
    let unit = |q: &Value| non_empty(&q["unit"]).or_else(|| non_empty(&q["code"]));
    let low = crate::fhir::value::number_text(&range["low"]["value"]);
    let high = crate::fhir::value::number_text(&range["high"]["value"]);
    let unit = unit(&range["high"]).or_else(|| unit(&range["low"]));
    let unit = unit.map(|u| format!(" {u}")).unwrap_or_default();
    match (low, high) {
        (Some(l), Some(h)) => Some(format!("{l} to {h}{unit}")),
        (Some(l), None) => Some(format!("{l}{unit} or more")),
        (None, Some(h)) => Some(format!("Up to {h}{unit}")),
        (None, None) => None,
    }
}

fn performer(r: &Value) -> Option<String> {
    r["performer"]
        .as_array()?
        .iter()
        .find_map(reference_display)
}

fn item(o: &Value) -> ResultItem {
    let name = concept_text(&o["code"]).unwrap_or_else(|| "Test name not recorded".into());
    let mut value = value_text(o);
    let components: Vec<String> = o["component"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| Some(format!("{}: {}", concept_text(&c["code"])?, value_text(c)?)))
        .collect();
    if value.is_none() && !components.is_empty() {
        value = Some(components.join(", "));
    }
    let value = value
        .or_else(|| absent_reason(o).map(|r| format!("No result ({})", r.to_lowercase())))
        .unwrap_or_else(|| "No result recorded".into());
    ResultItem {
        name,
        value,
        flag: flag(o),
        range: range_text(o),
        status: status_words(o["status"].as_str()),
        performer: performer(o),
        notes: notes(o),
    }
}

fn group(
    key: String,
    title: String,
    date: Option<FhirDate>,
    items: Vec<ResultItem>,
) -> ResultGroup {
    let mut search_text = title.to_lowercase();
    for i in &items {
        search_text.push('\n');
        search_text.push_str(&i.name.to_lowercase());
    }
    ResultGroup {
        key,
        sort_ms: date
            .as_ref()
            .and_then(FhirDate::epoch_ms)
            .unwrap_or(f64::MIN),
        title,
        date,
        status: None,
        performer: None,
        conclusion: None,
        items,
        search_text,
    }
}

fn hidden(r: &Value) -> bool {
    r["status"] == "entered-in-error"
}

pub fn build(reports: &[Value], observations: &[Value]) -> ResultsView {
    let store = Resources::new(observations);
    let mut view = ResultsView::default();
    let mut used: HashSet<String> = HashSet::new();

    for r in reports {
        if r["resourceType"] != "DiagnosticReport" {
            view.unreadable += 1;
            continue;
        }
        if hidden(r) {
            continue;
        }
        let mut items = Vec::new();
        for reference in r["result"].as_array().into_iter().flatten() {
            if let Some(target) = reference["reference"].as_str().and_then(type_and_id) {
                used.insert(target);
            }
            match store.resolve(r, reference) {
                Some(o) if !hidden(o) => items.push(item(o)),
                Some(_) => {}
                // A result the server did not send: its name, if the reference carries one.
                None => {
                    if let Some(name) = reference_display(reference) {
                        items.push(ResultItem {
                            name,
                            value: "Not available in this portal".into(),
                            flag: None,
                            range: None,
                            status: None,
                            performer: None,
                            notes: Vec::new(),
                        });
                    }
                }
            }
        }
        let title = concept_text(&r["code"]).unwrap_or_else(|| "Test report".into());
        let key = format!("DiagnosticReport/{}", r["id"].as_str().unwrap_or_default());
        let mut g = group(key, title, effective_date(r), items);
        g.status = status_words(r["status"].as_str());
        g.performer = performer(r);
        g.conclusion = non_empty(&r["conclusion"]).or_else(|| {
            r["conclusionCode"]
                .as_array()?
                .iter()
                .find_map(concept_text)
        });
        view.groups.push(g);
    }

    // Panels name their members; members are shown inside their panel, not again on their own.
    for o in observations {
        for member in o["hasMember"].as_array().into_iter().flatten() {
            if let Some(target) = member["reference"].as_str().and_then(type_and_id) {
                used.insert(target);
            }
        }
    }

    let mut by_day: Vec<ResultGroup> = Vec::new();
    for o in observations {
        if o["resourceType"] != "Observation" {
            view.unreadable += 1;
            continue;
        }
        let id = format!("Observation/{}", o["id"].as_str().unwrap_or_default());
        if hidden(o) || is_vital_sign(o) || used.contains(&id) {
            continue;
        }
        let date = effective_date(o);
        if o["hasMember"].is_array() {
            let members: Vec<ResultItem> = o["hasMember"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|m| store.resolve(o, m))
                .filter(|m| !hidden(m))
                .map(item)
                .collect();
            let title = concept_text(&o["code"]).unwrap_or_else(|| "Test panel".into());
            by_day.push(group(id, title, date, members));
            continue;
        }
        let day = date
            .as_ref()
            .map(|d| d.iso().get(..10).unwrap_or(d.iso()).to_string());
        let key = format!("day/{}", day.as_deref().unwrap_or("undated"));
        match by_day.iter_mut().find(|g| g.key == key) {
            Some(g) => g.push(item(o)),
            None => by_day.push(group(key, "Results".into(), date, vec![item(o)])),
        }
    }
    view.groups.extend(by_day);
    view.groups.sort_by(|a, b| {
        b.sort_ms
            .total_cmp(&a.sort_ms)
            .then_with(|| a.key.cmp(&b.key))
    });
    view
}

/// The groups to show for what was typed: every word must appear in a group's title or names.
pub fn filter(groups: &[ResultGroup], query: &str) -> Vec<usize> {
    let words: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
    groups
        .iter()
        .enumerate()
        .filter(|(_, g)| words.iter().all(|w| g.search_text.contains(w.as_str())))
        .map(|(i, _)| i)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obs(id: &str, name: &str, extra: Value) -> Value {
        let mut o = json!({"resourceType": "Observation", "id": id, "status": "final", "code": {"text": name}});
        o.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        o
    }

    #[test]
    fn reports_gather_their_results_with_flags_ranges_and_status() {
        let observations = vec![
            obs(
                "1",
                "Potassium",
                json!({
                    "effectiveDateTime": "2024-01-02T08:00:00Z",
                    "valueQuantity": {"value": 5.9, "unit": "mmol/L"},
                    "interpretation": [{"coding": [{"code": "H"}]}],
                    "referenceRange": [{"low": {"value": 3.5, "unit": "mmol/L"}, "high": {"value": 5.3, "unit": "mmol/L"}}],
                }),
            ),
            obs(
                "2",
                "Sodium",
                json!({"status": "preliminary", "valueQuantity": {"value": 140, "unit": "mmol/L"}}),
            ),
        ];
        let report = json!({
            "resourceType": "DiagnosticReport", "id": "r", "status": "final",
            "code": {"coding": [{"display": "Kidney function"}]},
            "effectiveDateTime": "2024-01-02T08:00:00Z",
            "performer": [{"display": "Riverside Pathology"}],
            "conclusion": "Potassium raised.",
            "result": [{"reference": "Observation/1"}, {"reference": "Observation/2"}, {"reference": "Observation/gone", "display": "Urea"}],
        });
        let view = build(&[report], &observations);
        assert_eq!(
            view.groups.len(),
            1,
            "results inside a report are not repeated"
        );
        let g = &view.groups[0];
        assert_eq!(g.title, "Kidney function");
        assert_eq!(g.conclusion.as_deref(), Some("Potassium raised."));
        assert_eq!(g.items[0].value, "5.9 mmol/L");
        assert_eq!(
            g.items[0].flag,
            Some(Flag {
                words: "High".into(),
                level: Level::Abnormal
            })
        );
        assert_eq!(g.items[0].range.as_deref(), Some("3.5 to 5.3 mmol/L"));
        assert_eq!(g.items[1].status, Some("Preliminary"));
        assert_eq!(g.items[2].value, "Not available in this portal");
    }

    #[test]
    fn stand_alone_results_group_by_day_newest_first_without_vitals() {
        let observations = vec![
            obs(
                "a",
                "Vitamin D",
                json!({"effectiveDateTime": "2023-05-01T09:00:00Z", "valueQuantity": {"value": 40}}),
            ),
            obs(
                "b",
                "Ferritin",
                json!({"effectiveDateTime": "2023-05-01T10:00:00+01:00", "valueQuantity": {"value": 30}}),
            ),
            obs(
                "c",
                "HbA1c",
                json!({"effectiveDateTime": "2024", "valueQuantity": {"value": 48}}),
            ),
            obs(
                "d",
                "Heart rate",
                json!({"category": [{"coding": [{"code": "vital-signs"}]}], "effectiveDateTime": "2024-02-02"}),
            ),
            obs(
                "e",
                "Old",
                json!({"status": "entered-in-error", "effectiveDateTime": "2024-03-03"}),
            ),
            obs(
                "f",
                "Blood group",
                json!({"effectiveDateTime": "2022-01-01", "dataAbsentReason": {"text": "Sample clotted"}}),
            ),
        ];
        let view = build(&[], &observations);
        let titles: Vec<(String, usize)> = view
            .groups
            .iter()
            .map(|g| (g.date.as_ref().unwrap().iso().to_string(), g.items.len()))
            .collect();
        assert_eq!(
            titles,
            vec![
                ("2024".into(), 1),
                ("2023-05-01T09:00:00Z".into(), 2),
                ("2022-01-01".into(), 1)
            ]
        );
        assert_eq!(view.groups[2].items[0].value, "No result (sample clotted)");
    }

    #[test]
    fn panels_hold_their_members_and_components_are_read() {
        let observations = vec![
            obs(
                "p",
                "Lipid panel",
                json!({"effectiveDateTime": "2024-01-01", "hasMember": [{"reference": "Observation/m"}]}),
            ),
            obs(
                "m",
                "LDL",
                json!({"effectiveDateTime": "2024-01-01", "valueQuantity": {"value": 2.1, "unit": "mmol/L"}}),
            ),
            obs(
                "bp",
                "Blood pressure (home)",
                json!({"effectiveDateTime": "2024-01-01", "component": [
                {"code": {"text": "Systolic"}, "valueQuantity": {"value": 120, "unit": "mmHg"}},
                {"code": {"text": "Diastolic"}, "valueQuantity": {"value": 80, "unit": "mmHg"}}]}),
            ),
        ];
        let view = build(&[], &observations);
        let panel = view
            .groups
            .iter()
            .find(|g| g.title == "Lipid panel")
            .unwrap();
        assert_eq!(panel.items[0].name, "LDL");
        let day = view.groups.iter().find(|g| g.title == "Results").unwrap();
        assert_eq!(
            day.items.len(),
            1,
            "the member is not shown again on its own"
        );
        assert_eq!(day.items[0].value, "Systolic: 120 mmHg, Diastolic: 80 mmHg");
    }

    #[test]
    fn a_report_changes_its_render_key_when_its_results_arrive() {
        let report = json!({"resourceType": "DiagnosticReport", "id": "r", "code": {"text": "Blood tests"},
            "result": [{"reference": "Observation/1"}]});
        let result = obs(
            "1",
            "Sodium",
            json!({"valueQuantity": {"value": 140, "unit": "mmol/L"}}),
        );
        let before = build(std::slice::from_ref(&report), &[]);
        let after = build(std::slice::from_ref(&report), &[result]);
        assert_eq!(before.groups[0].key, after.groups[0].key);
        assert_ne!(before.groups[0].render_key(), after.groups[0].render_key());
    }

    #[test]
    fn filters_by_every_word() {
        let observations = vec![
            obs(
                "1",
                "Total cholesterol",
                json!({"effectiveDateTime": "2024-01-01"}),
            ),
            obs(
                "2",
                "HDL cholesterol",
                json!({"effectiveDateTime": "2023-01-01"}),
            ),
            obs(
                "3",
                "Creatinine",
                json!({"effectiveDateTime": "2022-01-01"}),
            ),
        ];
        let view = build(&[], &observations);
        assert_eq!(filter(&view.groups, "CHOLESTEROL").len(), 2);
        assert_eq!(filter(&view.groups, "hdl cholesterol").len(), 1);
        assert_eq!(filter(&view.groups, "").len(), 3);
        assert!(filter(&view.groups, "potassium").is_empty());
    }

    #[test]
    fn interpretation_words_cover_codes_and_free_text() {
        let critical = json!({"interpretation": [{"coding": [{"code": "HH"}]}]});
        assert_eq!(flag(&critical).unwrap().level, Level::Critical);
        let text = json!({"interpretation": [{"text": "Critical value - phoned to ward"}]});
        assert_eq!(flag(&text).unwrap().level, Level::Critical);
        assert_eq!(flag(&json!({})), None);
    }
}
