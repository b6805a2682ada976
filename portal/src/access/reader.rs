//! Who reads: a signed-in user (their own record, or as a proxy), the viewer of a share, or a
//! professional at another organisation. Each is worked out afresh on every request, so a
//! birthday, an end date, a stopped share or a new objection takes effect at once.

use super::Grant;
use crate::AppState;
use crate::audit::Event;
use crate::infra::client::Client;
use crate::infra::error::ApiError;
use crate::infra::store::Conn;
use crate::professional::ProfessionalAccess;
use crate::session::store::{Session, SignedIn};
use crate::shares::store::Share;
use crate::shares::viewer::ShareViewer;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;

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
        async {
            let mut conn = state.store.conn().await?;
            if !crate::terms::all_accepted(&mut conn, access.session.user_id).await? {
                let e = ApiError::TermsNotAccepted;
                access
                    .event("record-access")
                    .refused(&e)
                    .detail(&path)
                    .record(&mut conn)
                    .await?;
                return Err(e);
            }
            Ok::<_, ApiError>(access)
        }
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
    pub async fn grant(
        &self,
        conn: &mut Conn,
        state: &AppState,
        patient_id: &str,
    ) -> Result<Grant, ApiError> {
        match self {
            Reader::User(access) => {
                super::proxy::grant(conn, state, access.session.user_id, patient_id).await
            }
            Reader::Viewer(viewer) if patient_id == viewer.share.patient_id => {
                Ok(shared(&viewer.share))
            }
            Reader::Viewer(_) => Err(ApiError::PatientNotInScope),
            Reader::Professional(access) => {
                super::professional::grant(conn, state, access, patient_id).await
            }
        }
    }

    /// Whether this reader may read what records refer to and no one patient owns (a
    /// Medication): anyone may, a professional if their token's scope names the type.
    pub fn reads_referenced(&self, resource_type: &str) -> Result<(), ApiError> {
        match self {
            Reader::Professional(access) if !access.scope.permits(resource_type, 'r') => {
                Err(ApiError::ScopeNotGranted)
            }
            _ => Ok(()),
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
}

/// The footing of whoever holds a share, by its code or its SMART Health Link: its patient's
/// record, its sections only.
pub fn shared(share: &Share) -> Grant {
    Grant::Shared {
        share: share.id,
        filter: share.filter(),
    }
}

/// How a refused read is said: what is out of reach is answered as missing, since even that a
/// resource exists is private; what the reader can put right (terms to accept, a young person's
/// agreement, a scope to ask for) or must be told (the patient objected) is said.
pub fn refusal_as_said(e: ApiError) -> ApiError {
    match e {
        ApiError::ProxyTermsNotAccepted
        | ApiError::ProxyAccessPaused
        | ApiError::PatientObjected { .. }
        | ApiError::ScopeNotGranted => e,
        _ => ApiError::NotFound,
    }
}
