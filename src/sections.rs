//! The record's sections, named once: the address of each, its heading, how a sentence names it,
//! and the FHIR types it shows. Routes, the navigation, shares, proxies' access and the access
//! log all read this list.

pub struct Section {
    /// Its address under the record: `/record/{patient}/{id}`.
    pub id: &'static str,
    /// Its heading and link.
    pub name: &'static str,
    /// How a sentence names it: "your test results".
    pub words: &'static str,
    /// The types it shows (none: the summary, which shows what the others allow).
    pub types: &'static [&'static str],
}

const fn section(
    id: &'static str,
    name: &'static str,
    words: &'static str,
    types: &'static [&'static str],
) -> Section {
    Section {
        id,
        name,
        words,
        types,
    }
}

/// In the order the navigation lists them.
pub const SECTIONS: &[Section] = &[
    section("summary", "Summary", "summary", &[]),
    section(
        "results",
        "Test results",
        "test results",
        &["Observation", "DiagnosticReport"],
    ),
    section("trends", "Trends", "trends", &["Observation"]),
    section(
        "medicines",
        "Medicines",
        "medicines",
        &["MedicationRequest", "MedicationStatement"],
    ),
    section(
        "allergies",
        "Allergies",
        "allergies",
        &["AllergyIntolerance"],
    ),
    section(
        "problems",
        "Health problems",
        "health problems",
        &["Condition"],
    ),
    section(
        "vaccinations",
        "Vaccinations",
        "vaccinations",
        &["Immunization"],
    ),
    section(
        "appointments",
        "Appointments",
        "appointments",
        &["Appointment"],
    ),
    section("visits", "Visits", "visits", &["Encounter"]),
    section(
        "documents",
        "Documents",
        "letters and documents",
        &["DocumentReference"],
    ),
];

/// Kept in the record and read by other systems, but shown in no section of its own.
const PROCEDURE: &str = "Procedure";
const PROCEDURES: &str = "operations and procedures";

/// Every type a section shows, each once, in the order the navigation lists them.
pub fn shown_types() -> Vec<&'static str> {
    let mut types: Vec<&'static str> = Vec::new();
    for t in SECTIONS.iter().flat_map(|s| s.types) {
        if !types.contains(t) {
            types.push(t);
        }
    }
    types
}

/// Every type of the record: those the sections show, then those kept without a section.
pub fn record_types() -> Vec<&'static str> {
    let mut types = shown_types();
    types.push(PROCEDURE);
    types
}

pub fn by_id(id: &str) -> Option<&'static Section> {
    SECTIONS.iter().find(|s| s.id == id)
}

/// The first section that shows a resource type.
pub fn for_type(resource_type: &str) -> Option<&'static Section> {
    SECTIONS.iter().find(|s| s.types.contains(&resource_type))
}

/// What part of a record a resource type is, in words: "test results", "medicines".
pub fn words_for(resource_type: &str) -> Option<&'static str> {
    match resource_type {
        PROCEDURE => Some(PROCEDURES),
        "Medication" => words_for("MedicationRequest"),
        _ => for_type(resource_type).map(|s| s.words),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_type_is_named_by_the_first_section_that_shows_it() {
        assert_eq!(words_for("Observation"), Some("test results"));
        assert_eq!(words_for("Medication"), Some("medicines"));
        assert_eq!(
            words_for("DocumentReference"),
            Some("letters and documents")
        );
        assert_eq!(words_for("Procedure"), Some(PROCEDURES));
        assert_eq!(words_for("Patient"), None);
        assert!(by_id("visits").is_some() && by_id("people").is_none());
    }

    #[test]
    fn each_type_of_the_record_is_listed_once_and_named() {
        let all = record_types();
        assert_eq!(all.len(), 11);
        for t in &all {
            assert_eq!(all.iter().filter(|x| *x == t).count(), 1, "{t}");
            assert!(words_for(t).is_some(), "{t}");
        }
        assert!(!shown_types().contains(&PROCEDURE));
    }
}
