//! How the portal proves itself to the hospital's record server: SMART Backend Services, the
//! portal as a confidential client (`private_key_jwt`, system scopes). The token endpoint is the
//! one the record server names in its SMART configuration; a token is kept until just before it
//! expires, and asked for again at once if the record server stops taking it.

use crate::infra::client_assertion::ClientKey;
use crate::infra::error::ApiError;
use serde_json::Value;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A token is renewed this long before it expires, so none is sent as it runs out; a token
/// that lives less than twice this is renewed at half its life.
const RENEW_BEFORE: Duration = Duration::from_secs(30);

pub struct BackendServices {
    client_id: String,
    key: ClientKey,
    scope: String,
    /// Found once in the record server's SMART configuration.
    token_endpoint: Mutex<Option<String>>,
    token: Mutex<Option<Token>>,
}

struct Token {
    value: String,
    renew_at: Instant,
}

impl std::fmt::Debug for BackendServices {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BackendServices")
            .field("client_id", &self.client_id)
            .field("scope", &self.scope)
            .finish()
    }
}

impl BackendServices {
    pub fn new(client_id: String, key: ClientKey, scope: String) -> Self {
        Self {
            client_id,
            key,
            scope,
            token_endpoint: Mutex::new(None),
            token: Mutex::new(None),
        }
    }

    /// A token for the record server at `base` with the configured scopes: the one kept, or a
    /// new one. Callers wait for one request at a time, so many searches at once ask once.
    pub fn bearer(&self, agent: &ureq::Agent, base: &str) -> Result<String, ApiError> {
        let mut kept = self.token.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(token) = kept.as_ref().filter(|t| Instant::now() < t.renew_at) {
            return Ok(token.value.clone());
        }
        let token = self.request(agent, base, &self.scope)?;
        let value = token.value.clone();
        *kept = Some(token);
        Ok(value)
    }

    /// A token for other scopes, used once and not kept (the demo's writes).
    pub fn bearer_for(
        &self,
        agent: &ureq::Agent,
        base: &str,
        scope: &str,
    ) -> Result<String, ApiError> {
        Ok(self.request(agent, base, scope)?.value)
    }

    /// The record server refused this token (revoked, or its keys changed): the next request
    /// asks for a new one.
    pub fn forget(&self, refused: &str) {
        let mut kept = self.token.lock().unwrap_or_else(|e| e.into_inner());
        if kept.as_ref().is_some_and(|t| t.value == refused) {
            *kept = None;
        }
    }

    fn request(&self, agent: &ureq::Agent, base: &str, scope: &str) -> Result<Token, ApiError> {
        let endpoint = self.token_endpoint(agent, base)?;
        let assertion = self
            .key
            .assertion(&self.client_id, &endpoint, None)
            .map_err(|e| {
                tracing::error!(error = %e, "the portal cannot sign its client assertion");
                ApiError::Internal
            })?;
        let asked = Instant::now();
        let (status, answer) = json(
            agent.post(&endpoint).send_form([
                ("grant_type", "client_credentials"),
                ("scope", scope),
                (
                    "client_assertion_type",
                    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                ),
                ("client_assertion", assertion.as_str()),
            ]),
            &endpoint,
        )?;
        let token = answer["access_token"].as_str().filter(|t| !t.is_empty());
        let lifetime = answer["expires_in"].as_u64().filter(|s| *s > 0);
        match (status, token, lifetime) {
            (200, Some(token), Some(lifetime)) => {
                let lifetime = Duration::from_secs(lifetime);
                let early = RENEW_BEFORE.min(lifetime / 2);
                Ok(Token {
                    value: token.to_string(),
                    renew_at: asked + lifetime - early,
                })
            }
            (200, ..) => {
                tracing::error!(
                    endpoint,
                    "the authorization server's answer has no access_token and expires_in"
                );
                Err(ApiError::UpstreamAnswerRefused)
            }
            (status, ..) => {
                // The patient is told the record system is not answering; the operator is told
                // why, for a registration or a key that does not match is theirs to mend.
                tracing::error!(
                    endpoint,
                    status,
                    client_id = self.client_id,
                    error = answer["error"].as_str().unwrap_or_default(),
                    description = answer["error_description"].as_str().unwrap_or_default(),
                    "the authorization server refused the portal a token for the record server"
                );
                Err(ApiError::UpstreamUnavailable { timed_out: false })
            }
        }
    }

    fn token_endpoint(&self, agent: &ureq::Agent, base: &str) -> Result<String, ApiError> {
        let mut found = self
            .token_endpoint
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if let Some(endpoint) = found.as_ref() {
            return Ok(endpoint.clone());
        }
        let url = format!("{base}/.well-known/smart-configuration");
        let (status, configuration) = json(
            agent.get(&url).header("Accept", "application/json").call(),
            &url,
        )?;
        let endpoint = configuration["token_endpoint"]
            .as_str()
            .filter(|_| status == 200)
            .filter(|e| is_fit_for_credentials(e))
            .ok_or_else(|| {
                tracing::error!(
                    url,
                    status,
                    "the record server's SMART configuration names no https token endpoint"
                );
                ApiError::UpstreamAnswerRefused
            })?;
        *found = Some(endpoint.to_string());
        Ok(endpoint.to_string())
    }
}

/// Assertions and tokens travel only over https, or inside this machine.
fn is_fit_for_credentials(endpoint: &str) -> bool {
    let Ok(uri) = endpoint.parse::<axum::http::Uri>() else {
        return false;
    };
    match uri.scheme_str() {
        Some("https") => true,
        Some("http") => crate::infra::config::is_loopback(uri.host().unwrap_or_default()),
        _ => false,
    }
}

fn json(
    response: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    url: &str,
) -> Result<(u16, Value), ApiError> {
    let mut response = response.map_err(|e| {
        tracing::warn!(url, error = %e, "the authorization server is not answering");
        ApiError::UpstreamUnavailable {
            timed_out: matches!(e, ureq::Error::Timeout(_)),
        }
    })?;
    let status = response.status().as_u16();
    if status >= 500 {
        tracing::warn!(url, status, "the authorization server failed");
        return Err(ApiError::UpstreamUnavailable { timed_out: false });
    }
    let text = response
        .body_mut()
        .with_config()
        .limit(64 * 1024)
        .read_to_string()
        .unwrap_or_default();
    Ok((status, serde_json::from_str(&text).unwrap_or_default()))
}

#[cfg(test)]
mod tests {
    use super::is_fit_for_credentials;

    #[test]
    fn credentials_go_only_over_https_or_inside_this_machine() {
        for fit in [
            "https://auth.hospital.example/token",
            "http://127.0.0.1:9000/token",
            "http://localhost/token",
            "http://[::1]:8443/token",
        ] {
            assert!(is_fit_for_credentials(fit), "{fit}");
        }
        for unfit in [
            "http://auth.hospital.example/token",
            "http://10.0.0.5/token",
            "ftp://127.0.0.1/token",
            "/token",
        ] {
            assert!(!is_fit_for_credentials(unfit), "{unfit}");
        }
    }
}
