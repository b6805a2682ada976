//! Share codes: a patient, or someone with full access to their record, lets someone see chosen
//! sections of it for a short time. The viewer opens it with the code and the patient's date of
//! birth (this portal's own way, `viewer`), or as a plain SMART Health Link with the code as its
//! passcode (`links`). Either stops at once when the patient says so, and every opening is
//! audited, which is where the patient's list of who looked comes from.

pub mod links;
mod routes;
pub mod store;
pub mod viewer;

use crate::AppState;
use crate::access;
use crate::infra::store::Conn;
use axum::Router;
use axum::routing::{get, post};
use store::{Share, Status};

/// The sections a share can hold, and the resource types each one is read from.
pub const SECTIONS: &[(&str, &[&str])] = &[
    ("results", &["Observation", "DiagnosticReport"]),
    ("medicines", &["MedicationRequest", "MedicationStatement"]),
    ("allergies", &["AllergyIntolerance"]),
    ("problems", &["Condition"]),
    ("vaccinations", &["Immunization"]),
    ("appointments", &["Appointment"]),
    ("visits", &["Encounter"]),
    ("documents", &["DocumentReference"]),
];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/shares", get(routes::list).post(routes::create))
        .route("/shares/{id}/stop", post(routes::stop))
        .route(
            "/shared/session",
            get(viewer::show).post(viewer::open).delete(viewer::leave),
        )
        .route(
            "/shared/fhir/{resource_type}",
            get(crate::fhir::shared_search),
        )
        .route(
            "/shared/fhir/{resource_type}/{id}",
            get(crate::fhir::shared_read),
        )
}

/// Where a share stands now: by itself, and, for one made by someone acting for the patient,
/// whether they still may share the record. Asked on every use (opening it, every read by a
/// viewer who has it open, every SMART Health Link fetch), since access also ends by the clock
/// (an end date, a young person's birthday) with nothing to announce it.
pub async fn standing(conn: &mut Conn, state: &AppState, share: &Share, now: i64) -> Status {
    let status = share.status(now);
    let maker_lost_access = status == Status::Active
        && share.proxy_relationship.is_some()
        && access::proxy::may_share(conn, state, share.created_by, &share.patient_id)
            .await
            .is_err();
    if maker_lost_access {
        Status::AccessEnded
    } else {
        status
    }
}
