//! Observations → one trend per analyte (same code) with two or more numbers over time.

use crate::features::results::model::is_vital_sign;
use crate::fhir::date::FhirDate;
use crate::fhir::value::numeric_value;
use crate::fhir::{concept_text, effective_date};
use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Clone, Debug, PartialEq)]
pub struct Point {
    pub ms: f64,
    pub date: FhirDate,
    pub value: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Line {
    pub label: String,
    pub points: Vec<Point>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Trend {
    /// Stable id for URLs: the code (system|code), else the name.
    pub key: String,
    pub name: String,
    pub unit: String,
    pub vital: bool,
    pub lines: Vec<Line>,
    /// The reference range of the newest measurement, drawn as a band.
    pub range: Option<(f64, f64)>,
}

impl Trend {
    pub fn latest(&self) -> Option<&Point> {
        self.lines.first()?.points.last()
    }

    pub fn count(&self) -> usize {
        self.lines.first().map_or(0, |l| l.points.len())
    }
}

/// Same analyte, same key: the first coding's system and code, else the lower-cased name.
fn key_of(concept: &Value) -> Option<String> {
    concept["coding"]
        .as_array()
        .and_then(|codings| {
            codings.iter().find_map(|c| {
                Some(format!(
                    "{}|{}",
                    c["system"].as_str().unwrap_or(""),
                    c["code"].as_str()?
                ))
            })
        })
        .or_else(|| concept_text(concept).map(|t| t.to_lowercase()))
}

fn range_of(o: &Value) -> Option<(f64, f64)> {
    let r = o["referenceRange"].as_array()?.first()?;
    Some((r["low"]["value"].as_f64()?, r["high"]["value"].as_f64()?))
}

struct Building {
    name: String,
    unit: String,
    vital: bool,
    lines: Vec<(String, String, Vec<Point>)>,
    range: Option<(f64, f64, f64)>,
}

pub fn build(observations: &[Value]) -> Vec<Trend> {
    let mut trends: BTreeMap<String, Building> = BTreeMap::new();
    for o in observations {
        if o["resourceType"] != "Observation"
            || o["status"] == "entered-in-error"
            || o["status"] == "cancelled"
        {
            continue;
        }
        let (Some(key), Some(date)) = (key_of(&o["code"]), effective_date(o)) else {
            continue;
        };
        let Some(ms) = date.epoch_ms() else {
            continue;
        };
        // One line for a plain value; one per component (blood pressure) otherwise.
        let mut values: Vec<(String, String, f64, String)> = Vec::new();
        if let Some((v, unit)) = numeric_value(o) {
            values.push((key.clone(), String::new(), v, unit));
        }
        for c in o["component"].as_array().into_iter().flatten() {
            if let (Some(ck), Some((v, unit))) = (key_of(&c["code"]), numeric_value(c)) {
                values.push((ck, concept_text(&c["code"]).unwrap_or_default(), v, unit));
            }
        }
        if values.is_empty() {
            continue;
        }
        let entry = trends.entry(key).or_insert_with(|| Building {
            name: concept_text(&o["code"]).unwrap_or_default(),
            unit: values[0].3.clone(),
            vital: is_vital_sign(o),
            lines: Vec::new(),
            range: None,
        });
        for (line_key, label, value, unit) in values {
            // A different unit is a different scale: leave it off rather than draw a false line.
            if unit != entry.unit {
                continue;
            }
            let point = Point {
                ms,
                date: date.clone(),
                value,
            };
            match entry.lines.iter_mut().find(|l| l.0 == line_key) {
                Some(line) => line.2.push(point),
                None => entry.lines.push((line_key, label, vec![point])),
            }
        }
        if let Some((low, high)) = range_of(o)
            && entry.range.is_none_or(|(at, _, _)| ms >= at)
        {
            entry.range = Some((ms, low, high));
        }
    }
    let mut out: Vec<Trend> = trends
        .into_iter()
        .filter_map(|(key, b)| {
            let lines: Vec<Line> = b
                .lines
                .into_iter()
                .map(|(_, label, mut points)| {
                    points.sort_by(|a, b| a.ms.total_cmp(&b.ms));
                    Line { label, points }
                })
                .collect();
            (lines.first()?.points.len() >= 2).then(|| Trend {
                key,
                name: b.name,
                unit: b.unit,
                vital: b.vital,
                lines,
                range: b.range.map(|(_, low, high)| (low, high)),
            })
        })
        .collect();
    out.sort_by(|a, b| a.vital.cmp(&b.vital).then_with(|| a.name.cmp(&b.name)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn hba1c(date: &str, value: f64) -> Value {
        json!({"resourceType": "Observation", "status": "final",
            "code": {"coding": [{"system": "http://loinc.org", "code": "4548-4", "display": "HbA1c"}]},
            "effectiveDateTime": date, "valueQuantity": {"value": value, "unit": "mmol/mol"},
            "referenceRange": [{"low": {"value": 20}, "high": {"value": if date < "2020" { 42.0 } else { 48.0 }}}]})
    }

    #[test]
    fn groups_by_code_in_time_order_with_the_newest_range() {
        let trends = build(&[
            hba1c("2021-01-01", 50.0),
            hba1c("2019-01-01", 58.0),
            hba1c("2020-06-01", 52.0),
        ]);
        assert_eq!(trends.len(), 1);
        let t = &trends[0];
        assert_eq!((t.name.as_str(), t.unit.as_str()), ("HbA1c", "mmol/mol"));
        let values: Vec<f64> = t.lines[0].points.iter().map(|p| p.value).collect();
        assert_eq!(values, [58.0, 52.0, 50.0]);
        assert_eq!(t.range, Some((20.0, 48.0)));
        assert_eq!(t.latest().unwrap().value, 50.0);
    }

    #[test]
    fn blood_pressure_is_two_lines_and_single_values_are_not_trends() {
        let bp = |d: &str, s: f64, di: f64| {
            json!({"resourceType": "Observation", "status": "final",
            "category": [{"coding": [{"code": "vital-signs"}]}],
            "code": {"coding": [{"system": "http://loinc.org", "code": "85354-9"}], "text": "Blood pressure"},
            "effectiveDateTime": d,
            "component": [
                {"code": {"coding": [{"system": "http://loinc.org", "code": "8480-6"}], "text": "Systolic"}, "valueQuantity": {"value": s, "unit": "mmHg"}},
                {"code": {"coding": [{"system": "http://loinc.org", "code": "8462-4"}], "text": "Diastolic"}, "valueQuantity": {"value": di, "unit": "mmHg"}}]})
        };
        let trends = build(&[
            bp("2024-01-01", 130.0, 80.0),
            bp("2024-02-01", 125.0, 78.0),
            hba1c("2024-01-01", 50.0),
        ]);
        assert_eq!(trends.len(), 1, "one HbA1c value is not a trend");
        assert!(trends[0].vital);
        let labels: Vec<&str> = trends[0].lines.iter().map(|l| l.label.as_str()).collect();
        assert_eq!(labels, ["Systolic", "Diastolic"]);
    }

    #[test]
    fn skips_unusable_values_without_failing() {
        let mixed_unit = json!({"resourceType": "Observation", "status": "final", "code": {"text": "Weight"},
            "effectiveDateTime": "2024-03-01", "valueQuantity": {"value": 170, "unit": "lb"}});
        let kg = |d: &str| {
            json!({"resourceType": "Observation", "status": "final", "code": {"text": "Weight"},
            "effectiveDateTime": d, "valueQuantity": {"value": 77, "unit": "kg"}})
        };
        let trends = build(&[
            kg("2024-01-01"),
            kg("2024-02-01"),
            mixed_unit,
            json!({"resourceType": "Observation"}),
            json!(null),
        ]);
        assert_eq!(trends[0].count(), 2);
    }
}
