//! A professional's system reading with a bearer token: who the token was issued to, who is
//! reading and why, and what it may read.

use super::claims::{Scope, Subject};
use super::registry::Organisation;
use crate::AppState;
use crate::audit::Event;
use crate::infra::client::Client;
use crate::infra::error::ApiError;
use crate::infra::time;
use crate::infra::tokens::token_hash;
use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use serde_json::json;

pub struct ProfessionalAccess {
    pub client_id: String,
    pub organisation: Organisation,
    pub subject: Subject,
    pub scope: Scope,
    pub client: Client,
}

impl ProfessionalAccess {
    /// An audit event of this professional's.
    pub fn event(&self, action: &'static str) -> Event {
        Event::new(action)
            .client(&self.client)
            .professional(&self.audit_json())
    }

    /// An access this professional's system reports from the hospital's other systems.
    pub fn reported(&self, action: &'static str) -> Event {
        let mut who = self.audit_value();
        who["reported"] = json!(true);
        Event::new(action)
            .client(&self.client)
            .professional(&who.to_string())
    }

    /// What the audit trail keeps of them.
    fn audit_json(&self) -> String {
        self.audit_value().to_string()
    }

    fn audit_value(&self) -> serde_json::Value {
        json!({
            "client": self.client_id,
            "organisationId": self.organisation.id,
            "organisation": self.organisation.name,
            "name": self.subject.name,
            "role": self.subject.role,
            "purpose": self.subject.purpose,
        })
    }
}

impl FromRequestParts<AppState> for ProfessionalAccess {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Ok(client) = Client::from_request_parts(parts, state).await;
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(|t| token_hash(t.trim()))
            .ok_or(ApiError::TokenNotValid)?;
        let found: Option<(String, String, String, String, String, i64)> = sqlx::query_as(
            "SELECT t.client_id, o.id, o.name, t.subject, t.scope, c.messages
             FROM professional_tokens t
             JOIN professional_clients c ON c.client_id = t.client_id
             JOIN organisations o ON o.id = c.organisation_id
             WHERE t.token_hash = $1 AND t.expires_at > $2 AND c.removed_at IS NULL",
        )
        .bind(token)
        .bind(time::now())
        .fetch_optional(&mut *state.store.conn().await?)
        .await?;
        let (client_id, id, name, subject, scope, messages) =
            found.ok_or(ApiError::TokenNotValid)?;
        Ok(Self {
            client_id,
            organisation: Organisation { id, name },
            subject: serde_json::from_str(&subject).map_err(|_| ApiError::Internal)?,
            scope: Scope::grant(&scope, messages != 0).unwrap_or_default(),
            client,
        })
    }
}
