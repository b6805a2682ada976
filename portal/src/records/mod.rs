//! `/patients` and `/fhir/…`: the patients a user may see, their FHIR resources (search and
//! read), and the importer that loads FHIR Bundles into the store.

pub(crate) mod fhir;
pub mod import;
mod patients;
mod store;

pub use patients::patient_details;
pub use store::*;

use crate::AppState;
use crate::audit::Event;
use crate::professional::ProfessionalAccess;
use crate::proxy::{self, Grant};
use crate::session::store::{Session, SignedIn};
use crate::shared::client::Client;
use crate::shared::error::ApiError;
use crate::shares::viewer::ShareViewer;
use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::routing::get;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/patients", get(patients::list))
        .route("/fhir/{resource_type}", get(fhir::search))
        .route("/fhir/{resource_type}/{id}", get(fhir::read))
}

/// A signed-in user who has accepted the terms now in force: only they may read records.
pub struct RecordAccess {
    pub session: Session,
    pub client: Client,
}

impl RecordAccess {
    /// An audit event of this user's, in this session, from this client.
    pub fn event(&self, action: &'static str) -> Event {
        Event::new(action)
            .user(Some(self.session.user_id))
            .session(&self.session)
            .client(&self.client)
    }
}

impl FromRequestParts<AppState> for RecordAccess {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let SignedIn { session, client } = SignedIn::from_request_parts(parts, state).await?;
        let access = Self { session, client };
        let path = parts.uri.path().to_string();
        state
            .run(move |state| {
                let conn = state.db.lock();
                if !crate::terms::all_accepted(&conn, access.session.user_id)? {
                    let e = ApiError::TermsNotAccepted;
                    access
                        .event("record-access")
                        .refused(&e)
                        .detail(&path)
                        .record(&conn)?;
                    return Err(e);
                }
                Ok(access)
            })
            .await
    }
}

/// Who reads a record, and on what footing: a signed-in user (their own record, or as a proxy),
/// the viewer of a share (that patient and those sections only), or a professional at another
/// organisation (what their scope names and the patient's objections leave).
pub enum Reader {
    User(RecordAccess),
    Viewer(ShareViewer),
    Professional(ProfessionalAccess),
}

impl Reader {
    /// An audit event of this reader's.
    pub fn event(&self, action: &'static str) -> Event {
        match self {
            Reader::User(access) => access.event(action),
            Reader::Viewer(viewer) => viewer.event(action),
            Reader::Professional(access) => access.event(action),
        }
    }

    /// Whether, and how, this reader may read this patient's record today.
    pub fn grant(
        &self,
        conn: &rusqlite::Connection,
        state: &AppState,
        patient_id: &str,
    ) -> Result<Grant, ApiError> {
        match self {
            Reader::User(access) => proxy::grant(
                conn,
                &state.proxy_rules,
                access.session.user_id,
                patient_id,
                state.clock.today(),
            ),
            Reader::Viewer(viewer) => viewer.grant(patient_id),
            Reader::Professional(access) => {
                crate::privacy::professional_grant(conn, state, access, patient_id)
            }
        }
    }

    /// Where this reader's FHIR answers link to.
    pub fn base(&self) -> &'static str {
        match self {
            Reader::User(_) => "/api/v1/fhir",
            Reader::Viewer(_) => "/api/v1/shared/fhir",
            Reader::Professional(_) => crate::professional::FHIR_BASE,
        }
    }

    /// Whether its token lets a professional read (or search) this type; anyone else is not
    /// limited by type here.
    pub fn may(&self, resource_type: &str, search: bool) -> Result<(), ApiError> {
        match self {
            Reader::Professional(access)
                if !access
                    .scope
                    .permits(resource_type, if search { 's' } else { 'r' }) =>
            {
                Err(ApiError::ScopeNotGranted)
            }
            _ => Ok(()),
        }
    }

    /// Who may act for a patient (RelatedPerson, Consent) is never part of a share.
    pub fn reads_relationships(&self) -> bool {
        matches!(self, Reader::User(_))
    }
}

/// Where a resource is read, under a FHIR base address: a Bundle entry's `fullUrl`.
pub fn full_url(base: &str, resource: &serde_json::Value) -> String {
    format!(
        "{base}/{}/{}",
        resource["resourceType"].as_str().unwrap_or_default(),
        resource["id"].as_str().unwrap_or_default()
    )
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
