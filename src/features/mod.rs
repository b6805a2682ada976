//! One module per screen; each keeps its FHIR-to-screen logic in a `model` beside its view.

pub mod allergies;
pub mod appointments;
pub mod documents;
pub mod export;
pub mod immunizations;
pub mod medications;
pub mod problems;
pub(crate) mod record_layout;
pub mod results;
pub(crate) mod sign_in;
pub(crate) mod summary;
pub mod terms;
pub mod trends;
pub mod visits;
