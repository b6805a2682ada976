//! The patient's privacy: who has looked at their record (the audit trail as FHIR AuditEvents),
//! and who may (objections to sharing with other organisations, each a FHIR Consent, enforced on
//! every professional's read).

pub mod audit_events;
pub mod consent;
pub mod objections;
pub mod routes;
