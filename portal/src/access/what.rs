//! What a reader asks for, by its FHIR type, and which readers may ask for it at all.

use super::Reader;
use crate::privacy::audit_events;
use crate::proxies::fhir::TYPES as RELATIONSHIP_TYPES;
use crate::records::{PATIENT_TYPES, SHARED_TYPES};

/// The kinds of thing a FHIR base serves.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum What {
    /// The patient's record: one of `PATIENT_TYPES`.
    Record,
    /// Who may act for the patient (RelatedPerson, Consent): never part of a share, nor for
    /// another organisation.
    Relationships,
    /// Who looked at the record (AuditEvent): for the patient and those acting for them.
    AccessLog,
    /// What records refer to and no one patient owns (a Medication, a Practitioner): read by
    /// id only.
    Referenced,
}

impl What {
    /// What `resource_type` is to this reader, for a search (`search`) or a read; None if this
    /// reader's base does not serve it.
    pub fn of(reader: &Reader, resource_type: &str, search: bool) -> Option<What> {
        let signed_in = matches!(reader, Reader::User(_));
        if PATIENT_TYPES.contains(&resource_type) {
            Some(What::Record)
        } else if signed_in && RELATIONSHIP_TYPES.contains(&resource_type) {
            Some(What::Relationships)
        } else if signed_in && search && resource_type == audit_events::TYPE {
            Some(What::AccessLog)
        } else if !search && SHARED_TYPES.contains(&resource_type) {
            Some(What::Referenced)
        } else {
            None
        }
    }
}
