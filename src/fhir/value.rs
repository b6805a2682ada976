//! `value[x]` and its cousins: whatever form a measurement came in, as text a person reads and,
//! where it is a number, as a number for charts.

use super::{concept_text, non_empty};
use serde_json::Value;

/// A quantity: `7.2 mmol/L`, `< 5 mg/L`.
pub fn quantity_text(q: &Value) -> Option<String> {
    let number = number_text(&q["value"])?;
    let comparator = q["comparator"]
        .as_str()
        .map(|c| format!("{c} "))
        .unwrap_or_default();
    let unit = non_empty(&q["unit"]).or_else(|| non_empty(&q["code"]));
    Some(match unit {
        Some(u) => format!("{comparator}{number} {u}"),
        None => format!("{comparator}{number}"),
    })
}

/// A JSON number as text (see `number`).
pub fn number_text(v: &Value) -> Option<String> {
    v.as_f64().map(number)
}

/// A number as a person writes it: `120`, not `120.0`; `0.3`, not `0.30000000000000004`.
pub fn number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{}", (n * 1_000_000.0).round() / 1_000_000.0)
    }
}

fn range_text(r: &Value) -> Option<String> {
    let low = quantity_text(&r["low"]);
    let high = quantity_text(&r["high"]);
    match (low, high) {
        (Some(l), Some(h)) => Some(format!("{l} to {h}")),
        (Some(l), None) => Some(format!("{l} or more")),
        (None, Some(h)) => Some(format!("up to {h}")),
        (None, None) => None,
    }
}

/// The observed value of a resource (or of one of its components), in any `value[x]` form.
pub fn value_text(r: &Value) -> Option<String> {
    if let Some(q) = r.get("valueQuantity") {
        return quantity_text(q);
    }
    if let Some(c) = r.get("valueCodeableConcept") {
        return concept_text(c);
    }
    if let Some(s) = non_empty(&r["valueString"]) {
        return Some(s);
    }
    if let Some(b) = r["valueBoolean"].as_bool() {
        return Some(if b { "Yes" } else { "No" }.into());
    }
    if let Some(i) = number_text(&r["valueInteger"]) {
        return Some(i);
    }
    if let Some(range) = r.get("valueRange") {
        return range_text(range);
    }
    if let Some(ratio) = r.get("valueRatio") {
        let n = quantity_text(&ratio["numerator"])?;
        return Some(match quantity_text(&ratio["denominator"]) {
            Some(d) => format!("{n} / {d}"),
            None => n,
        });
    }
    if let Some(t) = non_empty(&r["valueTime"]).or_else(|| non_empty(&r["valueDateTime"])) {
        return Some(t);
    }
    if r.get("valueSampledData").is_some() {
        return Some("A recording (not shown here)".into());
    }
    if let Some(p) = r.get("valuePeriod") {
        let start = non_empty(&p["start"])?;
        return Some(match non_empty(&p["end"]) {
            Some(end) => format!("{start} to {end}"),
            None => format!("from {start}"),
        });
    }
    None
}

/// The numeric value and unit, for a chart.
pub fn numeric_value(r: &Value) -> Option<(f64, String)> {
    let q = r.get("valueQuantity")?;
    if q.get("comparator").is_some() {
        // "< 5" is not a point on a line.
        return None;
    }
    let unit = non_empty(&q["unit"])
        .or_else(|| non_empty(&q["code"]))
        .unwrap_or_default();
    Some((q["value"].as_f64()?, unit))
}

/// Why a value was missing, if the source says.
pub fn absent_reason(r: &Value) -> Option<String> {
    concept_text(&r["dataAbsentReason"])
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_every_value_form() {
        let cases = [
            (
                json!({"valueQuantity": {"value": 6.3, "unit": "mmol/l"}}),
                "6.3 mmol/l",
            ),
            (
                json!({"valueQuantity": {"value": 5, "comparator": "<", "code": "mg/L"}}),
                "< 5 mg/L",
            ),
            (
                json!({"valueCodeableConcept": {"coding": [{"display": "Positive"}]}}),
                "Positive",
            ),
            (json!({"valueString": "Clear"}), "Clear"),
            (json!({"valueBoolean": false}), "No"),
            (json!({"valueInteger": 3}), "3"),
            (
                json!({"valueRange": {"low": {"value": 1}, "high": {"value": 2, "unit": "g"}}}),
                "1 to 2 g",
            ),
            (
                json!({"valueRatio": {"numerator": {"value": 1}, "denominator": {"value": 128}}}),
                "1 / 128",
            ),
            (json!({"valueTime": "10:00:00"}), "10:00:00"),
        ];
        for (resource, expected) in cases {
            assert_eq!(
                value_text(&resource).as_deref(),
                Some(expected),
                "{resource}"
            );
        }
        assert_eq!(value_text(&json!({})), None);
        assert_eq!(value_text(&json!({"valueQuantity": {"unit": "g"}})), None);
    }

    #[test]
    fn only_plain_quantities_are_chartable() {
        assert_eq!(
            numeric_value(&json!({"valueQuantity": {"value": 7.25, "code": "%"}})),
            Some((7.25, "%".into()))
        );
        assert_eq!(
            numeric_value(&json!({"valueQuantity": {"value": 5, "comparator": "<"}})),
            None
        );
        assert_eq!(numeric_value(&json!({"valueString": "7"})), None);
    }

    #[test]
    fn trims_float_noise() {
        assert_eq!(number_text(&json!(0.1 + 0.2)).as_deref(), Some("0.3"));
        assert_eq!(number_text(&json!(120.0)).as_deref(), Some("120"));
    }
}
