//! Carefront: a patient portal front end. `start` mounts the app into the page that `index.html`
//! has already drawn (emergency notice and loading state), once the wasm has arrived.

mod acting_for;
mod api;
mod app;
mod chunks;
mod components;
mod features;
mod fhir;
mod record_cache;
mod route_guard;
mod sections;
mod session;

pub use app::start;
