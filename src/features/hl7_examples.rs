//! Every official HL7 FHIR R4 example of the types the record shows must convert: shown, or
//! deliberately hidden (entered in error), never "could not be shown", never a panic.
//! `cargo xtask test` fetches the examples (npm `hl7.fhir.r4.examples@4.0.1`, CC0) and sets
//! CAREFRONT_FHIR_EXAMPLES to their folder. A unit test of the crate, so the models it reaches
//! stay `pub(crate)` and the compiler reports any of their code nothing uses.

use super::{
    allergies, appointments, documents, medicines, problems, results, trends, vaccinations, visits,
};
use crate::fhir::entries::Entries;
use crate::fhir::reference::Resources;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;

fn examples() -> Option<Vec<(String, Value)>> {
    let types = crate::sections::shown_types();
    let dir = PathBuf::from(std::env::var_os("CAREFRONT_FHIR_EXAMPLES")?);
    let mut out = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    for path in files {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let Ok(value) = serde_json::from_slice::<Value>(&std::fs::read(&path).unwrap()) else {
            continue;
        };
        // Loose examples, and every resource carried inside example Bundles.
        let mut found = vec![value.clone()];
        if value["resourceType"] == "Bundle" {
            found.extend(
                value["entry"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|e| e["resource"].clone()),
            );
        }
        for r in found {
            if types.contains(&r["resourceType"].as_str().unwrap_or_default()) {
                out.push((
                    format!(
                        "{name} {}/{}",
                        r["resourceType"].as_str().unwrap(),
                        r["id"].as_str().unwrap_or("-")
                    ),
                    r,
                ));
            }
        }
    }
    Some(out)
}

fn entered_in_error(r: &Value) -> bool {
    r["status"] == "entered-in-error"
        || r["docStatus"] == "entered-in-error"
        || r["verificationStatus"]["coding"][0]["code"] == "entered-in-error"
}

/// How many entries a section's model shows, and how many it could not read.
fn shown<T>(l: Entries<T>) -> (usize, usize) {
    (l.current.len() + l.past.len(), l.unreadable)
}

/// One example through its section's model: entries shown, and resources it could not read.
fn convert(r: &Value) -> (usize, usize) {
    let one = std::slice::from_ref(r);
    match r["resourceType"].as_str().unwrap() {
        "AllergyIntolerance" => shown(allergies::model::build(one, "en-GB")),
        "Condition" => shown(problems::model::build(one, "en-GB")),
        "MedicationRequest" | "MedicationStatement" => {
            shown(medicines::model::build(one, &Resources::default()))
        }
        "Observation" => {
            trends::model::build(one);
            let v = results::model::build(&[], one);
            // Vital signs are charted on the trends screen, never listed among results.
            if results::model::is_vital_sign(r) {
                assert!(v.groups.is_empty(), "a vital sign was listed as a result");
                return (usize::from(!entered_in_error(r)), v.unreadable);
            }
            (v.groups.len(), v.unreadable)
        }
        "DiagnosticReport" => {
            let v = results::model::build(one, &[]);
            (v.groups.len(), v.unreadable)
        }
        "Immunization" => shown(vaccinations::model::build(one)),
        "Encounter" => shown(visits::model::build(one)),
        "Appointment" => shown(appointments::model::build(one, 0.0)),
        "DocumentReference" => shown(documents::model::build(one)),
        other => unreachable!("{other}"),
    }
}

#[test]
fn every_hl7_example_of_the_record_types_converts() {
    let Some(examples) = examples() else {
        eprintln!(
            "CAREFRONT_FHIR_EXAMPLES is not set: run through `cargo xtask test` to check the HL7 examples"
        );
        return;
    };
    let mut per_type: BTreeMap<String, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    for (name, r) in &examples {
        *per_type
            .entry(r["resourceType"].as_str().unwrap().into())
            .or_default() += 1;
        let expected = usize::from(!entered_in_error(r));
        let (shown, unreadable) = convert(r);
        if unreadable != 0 || shown != expected {
            failures.push(format!(
                "{name}: shown {shown} (expected {expected}), unreadable {unreadable}"
            ));
        }
    }
    eprintln!("HL7 examples converted, by type: {per_type:?}");
    for t in crate::sections::shown_types() {
        assert!(
            per_type.contains_key(t),
            "no example of {t} was found: is the folder right?"
        );
    }
    assert!(
        examples.len() > 150,
        "only {} examples found",
        examples.len()
    );
    assert!(
        failures.is_empty(),
        "{} examples did not convert:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
