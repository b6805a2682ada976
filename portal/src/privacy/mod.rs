//! The patient's privacy: who has looked at their record (the audit trail as FHIR AuditEvents).

pub mod audit_events;
