//! One module per screen; each keeps its FHIR-to-screen logic in a `model` beside its view.

pub mod allergies;
pub(crate) mod record_layout;
pub(crate) mod sign_in;
pub mod terms;
