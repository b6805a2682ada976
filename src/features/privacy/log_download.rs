//! The access log to keep: a CSV a spreadsheet opens (one row per visit to the record, in the
//! words the page uses) and the FHIR AuditEvents themselves, as a collection Bundle.

use super::log_model::{self, Access, Kind};
use serde_json::{Value, json};

/// A cell as a spreadsheet must not take it for a formula: text from the log (a name a share's
/// viewer typed, say) that starts with `=`, `+`, `-`, `@` or a control character is kept as text.
fn cell(text: &str) -> String {
    let safe = match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}"),
        _ => text.to_string(),
    };
    if safe.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", safe.replace('"', "\"\""))
    } else {
        safe
    }
}

fn kind_words(kind: Kind) -> &'static str {
    match kind {
        Kind::Patient => "patient",
        Kind::Proxy => "acting for the patient",
        Kind::Shared => "share code",
        Kind::Professional => "other organisation",
        Kind::Emergency => "emergency access",
        Kind::Portal => "settings",
    }
}

/// The accesses as CSV, newest first; `moment` writes when each happened.
pub fn csv(
    accesses: &[Access],
    whose: &str,
    own_record: bool,
    moment: impl Fn(f64) -> String,
) -> String {
    let mut out =
        String::from("When,Who,Role,Organisation,Kind,What happened,Why,Emergency override\r\n");
    for a in accesses {
        let name = log_model::who_line(
            &Access {
                role: None,
                organisation: None,
                ..a.clone()
            },
            own_record,
        );
        let row = [
            moment(a.at_ms),
            name,
            a.role.clone().unwrap_or_default(),
            a.organisation.clone().unwrap_or_default(),
            kind_words(a.kind).to_string(),
            log_model::what_happened(a, whose),
            log_model::why(a, own_record)
                .unwrap_or_default()
                .to_string(),
            if a.set_aside { "yes" } else { "" }.to_string(),
        ];
        out.push_str(&row.iter().map(|c| cell(c)).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    }
    out
}

/// The AuditEvents behind the accesses, as a FHIR collection Bundle.
pub fn fhir_bundle(accesses: &[Access], timestamp: &str) -> String {
    let entries: Vec<Value> = accesses
        .iter()
        .flat_map(|a| a.events.iter())
        .map(|e| json!({"resource": e}))
        .collect();
    json!({
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": timestamp,
        "entry": entries,
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn access(who: &str) -> Access {
        Access {
            kind: Kind::Shared,
            who: who.into(),
            by_patient: false,
            role: None,
            organisation: Some("Leeds, \"North\" Clinic".into()),
            types: vec!["Observation".into()],
            event: None,
            purpose: None,
            refused: None,
            set_aside: false,
            at_ms: 0.0,
            events: vec![json!({"resourceType": "AuditEvent", "id": "audit-1"})],
        }
    }

    #[test]
    fn quotes_what_needs_it_and_never_writes_a_formula() {
        let text = csv(
            &[
                access("=HYPERLINK(\"http://evil\")"),
                access("Dr Ada Jones"),
            ],
            "your",
            true,
            |_| "2026-05-03 14:02".into(),
        );
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[1].starts_with("2026-05-03 14:02,\"'=HYPERLINK(\"\"http://evil\"\")\","));
        assert!(lines[2].contains(",Dr Ada Jones,,\"Leeds, \"\"North\"\" Clinic\",share code,looked at your test results,,"));
        assert_eq!(cell("-1"), "'-1");
        assert_eq!(cell("@SUM"), "'@SUM");
    }

    #[test]
    fn the_fhir_download_holds_every_event() {
        let bundle: Value = serde_json::from_str(&fhir_bundle(
            &[access("A"), access("B")],
            "2026-05-03T14:02:00Z",
        ))
        .unwrap();
        assert_eq!(bundle["type"], "collection");
        assert_eq!(bundle["entry"].as_array().unwrap().len(), 2);
    }
}
