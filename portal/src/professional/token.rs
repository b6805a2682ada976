//! The token endpoint of SMART Backend Services: a registered system proves itself with a JWT
//! it signed (RS384 or ES384, `private_key_jwt`) and receives an opaque access token for five
//! minutes. The assertion's `iss` and `sub` are the client, its `aud` this endpoint, its `exp`
//! at most five minutes away, and its `jti` never seen before; its IUA claims say who is reading
//! and why.

use super::claims::{self, Scope, Subject};
use super::registry;
use crate::AppState;
use crate::audit::Event;
use crate::infra::client::Client;
use crate::infra::error::ApiError;
use crate::infra::time;
use crate::infra::tokens::{random_token, token_hash};
use crate::session::throttle::{self, Kind};
use axum::Form;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use josekit::jwk::JwkSet;
use josekit::jws::{ES384, JwsVerifier, RS384};
use serde::Deserialize;
use serde_json::{Value, json};

/// How long an access token works.
pub const TOKEN_SECONDS: i64 = 300;
/// How far ahead an assertion may expire (the specification's five minutes), and the clock
/// difference forgiven.
const ASSERTION_SECONDS: i64 = 300;
const SKEW: i64 = 60;
const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
pub const ALGORITHMS: [&str; 2] = ["RS384", "ES384"];
const MAX_ASSERTION: usize = 8 * 1024;

pub fn endpoint(public_url: &str) -> String {
    format!("{}/professional/token", public_url.trim_end_matches('/'))
}

#[derive(Deserialize)]
pub struct TokenRequest {
    #[serde(default)]
    grant_type: String,
    #[serde(default)]
    scope: String,
    #[serde(default)]
    client_assertion_type: String,
    #[serde(default)]
    client_assertion: String,
}

/// An OAuth error (RFC 6749 §5.2): the code a client matches on and words for its operator;
/// with a wait, the answer is `429` and says how long.
#[derive(Debug)]
pub struct TokenError {
    pub error: &'static str,
    pub description: String,
    retry_after: Option<i64>,
}

fn refuse(error: &'static str, description: impl Into<String>) -> TokenError {
    TokenError {
        error,
        description: description.into(),
        retry_after: None,
    }
}

impl IntoResponse for TokenError {
    fn into_response(self) -> Response {
        let status = match (self.retry_after, self.error) {
            (Some(_), _) => StatusCode::TOO_MANY_REQUESTS,
            (None, "invalid_client") => StatusCode::UNAUTHORIZED,
            (None, "server_error") => StatusCode::INTERNAL_SERVER_ERROR,
            (None, _) => StatusCode::BAD_REQUEST,
        };
        let body = json!({"error": self.error, "error_description": self.description});
        let mut res = (status, axum::Json(body)).into_response();
        res.headers_mut()
            .insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
        if let Some(wait) = self.retry_after {
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(wait));
        }
        res
    }
}

/// What a failed assertion is counted against, before anything is verified: the network it came
/// from, and the client it claims to be (so a forger spread over many networks still runs out).
fn throttle_keys(client: &Client, claimed: Option<&str>) -> Vec<String> {
    let mut keys = vec![format!("professional-network {}", client.network())];
    if let Some(id) = claimed {
        keys.push(format!("professional-client {id}"));
    }
    keys
}

/// Tokens for registered systems. The order is the cost order: the throttle (no work at all for a
/// network or claimed client that keeps failing), then a read of the client's keys, then the
/// signature on the hashing threads, and only then the write lock, to claim the `jti` and keep
/// the token. A failure is audited once per network per throttle window, with the rest counted.
pub async fn issue(
    State(state): State<AppState>,
    client: Client,
    form: Result<Form<TokenRequest>, axum::extract::rejection::FormRejection>,
) -> Result<Response, TokenError> {
    let Form(request) = form.map_err(|e| refuse("invalid_request", e.body_text()))?;
    let audience = state
        .config
        .public_url
        .as_deref()
        .map(endpoint)
        .ok_or_else(|| refuse("server_error", "this portal has no public address set"))?;
    let now = time::now();
    let claimed = claimed_client(&request.client_assertion);
    let keys = throttle_keys(&client, claimed.as_deref());
    for key in &keys {
        let mut conn = state.store.conn().await.map_err(|_| {
            refuse(
                "server_error",
                "the portal cannot reach its records just now",
            )
        })?;
        if let Err(refused) = throttle::check(&mut conn, Kind::SignIn, key, now).await {
            drop(conn);
            if refused.first_in_window {
                record(&state, &client, claimed.clone(), Some("too-many-attempts")).await;
            }
            return Err(TokenError {
                retry_after: Some(refused.retry_after),
                ..refuse(
                    "invalid_client",
                    "too many failed assertions from here or for this client; wait and try again",
                )
            });
        }
    }
    match authenticate(&state, request, audience, now).await {
        Ok((token, client_id, scope)) => {
            record(&state, &client, Some(client_id), None).await;
            let mut res = axum::Json(json!({
                "access_token": token,
                "token_type": "bearer",
                "expires_in": TOKEN_SECONDS,
                "scope": scope.text(),
            }))
            .into_response();
            res.headers_mut()
                .insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
            Ok(res)
        }
        Err((client_id, e)) => {
            let mut conn = state.store.conn().await.map_err(|_| {
                refuse(
                    "server_error",
                    "the portal cannot reach its records just now",
                )
            })?;
            let mut failures = Vec::new();
            for key in &keys {
                failures.push(
                    throttle::fail(&mut conn, Kind::SignIn, key, now)
                        .await
                        .map_err(|_| {
                            refuse(
                                "server_error",
                                "the portal cannot reach its records just now",
                            )
                        })?,
                );
            }
            drop(conn);
            if failures.first() == Some(&1) {
                record(&state, &client, client_id.or(claimed), Some(e.error)).await;
            }
            Err(e)
        }
    }
}

/// The `professional-token` audit event; a failure to write it is logged, not answered.
async fn record(
    state: &AppState,
    client: &Client,
    client_id: Option<String>,
    refused: Option<&'static str>,
) {
    let mut event = Event::new("professional-token")
        .client(client)
        .detail(client_id.as_deref().unwrap_or_default());
    if let Some(reason) = refused {
        event = event.refused_for(reason);
    }
    if async { Ok::<_, ApiError>(event.record(&mut *state.store.conn().await?).await?) }
        .await
        .is_err()
    {
        tracing::error!("a professional-token event was not recorded");
    }
}

type Refusal = (Option<String>, TokenError);

/// The assertion's `iss`, unverified and cut short: only for counting failures and for the log.
fn claimed_client(assertion: &str) -> Option<String> {
    if assertion.len() > MAX_ASSERTION {
        return None;
    }
    unverified_claims(assertion).and_then(|claims| {
        claims["iss"]
            .as_str()
            .map(|i| i.chars().take(100).collect())
    })
}

/// A new access token, its client and the scope granted; or why not (with the client's id once
/// it is known, for the audit trail).
async fn authenticate(
    state: &AppState,
    request: TokenRequest,
    audience: String,
    now: i64,
) -> Result<(String, String, Scope), Refusal> {
    let early = |e| (None, e);
    if request.grant_type != "client_credentials" {
        return Err(early(refuse(
            "unsupported_grant_type",
            "grant_type must be client_credentials",
        )));
    }
    if request.client_assertion_type != JWT_BEARER {
        return Err(early(refuse(
            "invalid_request",
            format!("client_assertion_type must be {JWT_BEARER}"),
        )));
    }
    let assertion = request.client_assertion;
    if assertion.is_empty() || assertion.len() > MAX_ASSERTION {
        return Err(early(refuse(
            "invalid_request",
            "client_assertion is missing or too long",
        )));
    }
    // The issuer names the keys to check the signature with, so it is read before the signature
    // is checked, and believed only after.
    let issuer = unverified_claims(&assertion)
        .and_then(|claims| claims["iss"].as_str().map(String::from))
        .ok_or_else(|| early(refuse("invalid_client", "the assertion has no iss")))?;
    let client_id = Some(issuer.chars().take(100).collect::<String>());
    let fail = |e| (client_id.clone(), e);
    let looked_up = {
        let issuer = issuer.clone();
        async {
            let mut conn = state.store.conn().await?;
            Ok::<_, ApiError>(registry::client(&mut conn, &issuer).await?)
        }
        .await
    };
    let registered = looked_up
        .map_err(|_| fail(refuse("server_error", "the client could not be looked up")))?
        .filter(|c| !c.removed)
        .ok_or_else(|| fail(refuse("invalid_client", "this client is not registered")))?;
    let jwks = registered.jwks.clone();
    let claims = state
        .hash(move || verify(&assertion, &jwks))
        .await
        .map_err(|_| fail(refuse("server_error", "the assertion could not be checked")))?
        .map_err(fail)?;
    let (subject, scope, jti, exp) = check_claims(
        &claims,
        &issuer,
        &audience,
        &request.scope,
        &registered,
        now,
    )
    .map_err(fail)?;
    let token = random_token();
    let stored = {
        let (issuer, client_id, scope_text) =
            (issuer.clone(), registered.client_id.clone(), scope.text());
        let (token_hash, subject) = (
            token_hash(&token),
            serde_json::to_string(&subject).unwrap_or_default(),
        );
        async {
                let mut conn = state.store.conn().await?;
                sqlx::query("DELETE FROM assertion_ids WHERE expires_at < $1")
        .bind(now - SKEW)
        .execute(&mut *conn)
        .await?;
                let fresh = sqlx::query("INSERT INTO assertion_ids (client_id, jti, expires_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
        .bind(issuer)
        .bind(jti)
        .bind(exp)
        .execute(&mut *conn)
        .await?;
                let fresh = fresh.rows_affected() == 1;
                if fresh {
                    sqlx::query("INSERT INTO professional_tokens (token_hash, client_id, scope, subject, expires_at)
                         VALUES ($1, $2, $3, $4, $5)")
        .bind(token_hash)
        .bind(client_id)
        .bind(scope_text)
        .bind(subject)
        .bind(now + TOKEN_SECONDS)
        .execute(&mut *conn)
        .await?;
                }
                Ok::<_, ApiError>(fresh)
            }
            .await
    };
    match stored {
        Ok(true) => Ok((token, registered.client_id, scope)),
        Ok(false) => Err(fail(refuse(
            "invalid_client",
            "this assertion has been used before (jti)",
        ))),
        Err(_) => Err(fail(refuse(
            "server_error",
            "the token could not be issued",
        ))),
    }
}

/// The verified claims checked: `sub`, `aud`, `exp`, `jti`, the scope asked for, and who reads
/// and why. Answers the subject, the scope, and the `jti` and `exp` to claim.
fn check_claims(
    claims: &serde_json::Map<String, Value>,
    issuer: &str,
    audience: &str,
    asked: &str,
    registered: &registry::Registered,
    now: i64,
) -> Result<(Subject, Scope, String, i64), TokenError> {
    let get = |name: &str| claims.get(name).and_then(Value::as_str);
    if get("sub") != Some(issuer) {
        return Err(refuse(
            "invalid_client",
            "the assertion's sub must equal its iss",
        ));
    }
    let audience_ok = match claims.get("aud") {
        Some(Value::String(aud)) => aud == audience,
        Some(Value::Array(list)) => list.iter().any(|a| a == audience),
        _ => false,
    };
    if !audience_ok {
        return Err(refuse(
            "invalid_client",
            format!("the assertion's aud must be {audience}"),
        ));
    }
    let exp = claims
        .get("exp")
        .and_then(Value::as_i64)
        .ok_or_else(|| refuse("invalid_client", "the assertion has no exp"))?;
    if exp <= now - SKEW {
        return Err(refuse("invalid_client", "the assertion has expired"));
    }
    if exp > now + ASSERTION_SECONDS + SKEW {
        return Err(refuse(
            "invalid_client",
            "the assertion's exp is more than five minutes away",
        ));
    }
    let jti = get("jti")
        .filter(|j| !j.is_empty() && j.len() <= 255)
        .ok_or_else(|| refuse("invalid_client", "the assertion has no jti"))?;
    let scope = Scope::grant(asked, registered.messages).ok_or_else(|| {
        refuse(
            "invalid_scope",
            "ask for system scopes to read and search record types, such as system/*.rs",
        )
    })?;
    // Whoever reads must be named, with their role and purpose; a system that only reports
    // accesses names each person in each report.
    let subject = if scope.reads() {
        claims::subject(
            &Value::Object(claims.clone()),
            &registered.organisation.name,
        )
        .map_err(|e| refuse("invalid_request", e))?
    } else {
        Subject {
            name: registered.client_id.clone(),
            role: claims::Coding::default(),
            purpose: String::new(),
        }
    };
    Ok((subject, scope, jti.to_string(), exp))
}

fn unverified_claims(jwt: &str) -> Option<Value> {
    let payload = jwt.split('.').nth(1)?;
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()
}

/// The assertion's claims, if one of the client's keys signed it with an accepted algorithm.
fn verify(assertion: &str, jwks: &str) -> Result<serde_json::Map<String, Value>, TokenError> {
    let not_signed = || refuse("invalid_client", "the assertion's signature is not right");
    let header = josekit::jwt::decode_header(assertion).map_err(|_| not_signed())?;
    let alg = header
        .claim("alg")
        .and_then(Value::as_str)
        .filter(|a| ALGORITHMS.contains(a))
        .ok_or_else(|| {
            refuse(
                "invalid_client",
                "the assertion must be signed RS384 or ES384",
            )
        })?;
    let kid = header
        .claim("kid")
        .and_then(Value::as_str)
        .ok_or_else(|| refuse("invalid_client", "the assertion's header has no kid"))?;
    if header.claim("typ").is_some_and(|t| t != "JWT") {
        return Err(refuse("invalid_client", "the assertion's typ must be JWT"));
    }
    let keys = JwkSet::from_bytes(jwks).map_err(|_| not_signed())?;
    for jwk in keys.get(kid) {
        let verifier: Box<dyn JwsVerifier> = match alg {
            "RS384" => match RS384.verifier_from_jwk(jwk) {
                Ok(v) => Box::new(v),
                Err(_) => continue,
            },
            _ => match ES384.verifier_from_jwk(jwk) {
                Ok(v) => Box::new(v),
                Err(_) => continue,
            },
        };
        if let Ok((payload, _)) = josekit::jwt::decode_with_verifier(assertion, &*verifier) {
            return Ok(payload.claims_set().clone());
        }
    }
    Err(not_signed())
}
