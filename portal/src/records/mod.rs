//! `/patients` and `/fhir/…`: the patients a user may see, their FHIR resources (search and
//! read), and the importer that loads FHIR Bundles into the store.

mod fhir;
pub mod import;
mod patients;
mod store;

pub use patients::patient_details;
pub use store::*;

use crate::AppState;
use crate::audit::Event;
use crate::session::store::{Session, SignedIn};
use crate::shared::client::Client;
use crate::shared::error::ApiError;
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
