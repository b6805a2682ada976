//! The record: FHIR resources kept and found by patient, type, date and category, in the portal's
//! store or on the hospital's FHIR server. What loads the store is `import`; who may read them
//! is decided in `access`.

mod backend_services;
pub mod capabilities;
mod item_name;
mod patient_details;
mod recent;
mod source;
mod store;
pub mod upstream;

pub use item_name::{concept_text, item_name};
pub use patient_details::patient_details;
pub use source::Records;
pub use store::*;

/// Where a resource is read, under a FHIR base address: a Bundle entry's `fullUrl`.
pub fn full_url(base: &str, resource_type: &str, id: &str) -> String {
    format!("{base}/{resource_type}/{id}")
}

/// FHIR's rule for a logical id: 1 to 64 of `A-Z a-z 0-9 - .`.
pub fn is_valid_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
}

#[cfg(test)]
mod tests {
    use super::is_valid_id;

    #[test]
    fn ids_follow_fhirs_rule() {
        assert!(is_valid_id("demo-ann"));
        assert!(is_valid_id("a.b-C9"));
        for bad in ["", "a/b", "a b", "a\0b", "é", "..%2F", &"x".repeat(65)] {
            assert!(!is_valid_id(bad), "{bad:?}");
        }
    }
}
