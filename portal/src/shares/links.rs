//! The share as a plain SMART Health Link (HL7 SMART Health Cards and Links, STU1): `shlink:/`
//! and a base64url payload naming the manifest URL (256 random bits), the file key, the expiry
//! and the `P` flag; the share's code is the passcode. Any SHL receiving application opens it:
//! the manifest answers a POST with short-lived, single-use file locations, and each file is one
//! shared section as a FHIR Bundle, encrypted as compact JWE (`dir`, `A256GCM`).
//!
//! These routes sit outside `/api/v1`: they read no cookie, so cross-site requests are safe and
//! allowed, as the specification's browser-based receivers need.

use super::SECTIONS;
use super::store::{self, MAX_FAILED, Share, Status};
use crate::AppState;
use crate::access::{self, What};
use crate::audit::Event;
use crate::infra::client::Client;
use crate::infra::codes;
use crate::infra::error::ApiError;
use crate::infra::http::security_headers;
use crate::infra::store::Conn;
use crate::infra::time;
use crate::infra::tokens::{random_token, token_hash};
use crate::records::{self, Records, Search};
use crate::session::routes as sessions;
use crate::session::throttle::{self, Kind};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use serde_json::{Value, json};

/// How long a manifest's file locations work (the specification allows up to an hour).
const FILE_SECONDS: i64 = 300;
const MAX_RECIPIENT: usize = 200;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/shl/{id}", post(manifest).options(preflight))
        .route("/shl/files/{token}", get(file).options(preflight))
}

fn manifest_url(public: &str, link_id: &str) -> String {
    format!("{}/shl/{link_id}", public.trim_end_matches('/'))
}

/// What every link's `label` says. The payload travels in clear text (in the link, its QR code,
/// an email), so it never carries the patient's own label for the share, which may be private
/// ("For my HIV clinic").
pub const LINK_LABEL: &str = "Shared health record";

/// The link: `shlink:/` and its payload, base64url-encoded minified JSON.
pub fn shlink(public: &str, link_id: &str, key: &str, share: &Share) -> String {
    let payload = json!({
        "url": manifest_url(public, link_id),
        "key": key,
        "exp": share.expires_at,
        "flag": "P",
        "label": LINK_LABEL,
    });
    format!("shlink:/{}", URL_SAFE_NO_PAD.encode(payload.to_string()))
}

/// Every answer here: never stored, readable from any origin (no cookie is read or set).
fn answer(status: StatusCode, content_type: &'static str, body: String) -> Response {
    let mut res = (status, body).into_response();
    let headers = res.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"),
    );
    security_headers(headers, false);
    res
}

fn json_answer(status: StatusCode, body: Value) -> Response {
    answer(status, "application/json", body.to_string())
}

fn refusal(status: StatusCode, text: &str) -> Response {
    json_answer(status, json!({"error": text}))
}

async fn preflight() -> Response {
    let mut res = answer(StatusCode::NO_CONTENT, "text/plain", String::new());
    let headers = res.headers_mut();
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, POST"),
    );
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("content-type"),
    );
    headers.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static("600"),
    );
    res
}

#[derive(Deserialize)]
struct ManifestRequest {
    recipient: String,
    #[serde(default)]
    passcode: Option<String>,
}

/// What the manifest request led to, decided under the database's write lock so parallel
/// guesses are counted one at a time.
enum Outcome {
    Gone,
    /// Opened its hour's worth already.
    TooOften,
    WrongPasscode {
        remaining: i64,
    },
    Files(Vec<String>),
}

/// `POST /shl/{id}`: the manifest, for the right passcode while the share is open.
async fn manifest(
    State(state): State<AppState>,
    client: Client,
    Path(link_id): Path<String>,
    body: Bytes,
) -> Response {
    let Ok(request) = serde_json::from_slice::<ManifestRequest>(&body) else {
        return refusal(
            StatusCode::BAD_REQUEST,
            "The body must be JSON with a recipient.",
        );
    };
    let recipient: String = request
        .recipient
        .trim()
        .chars()
        .filter(|c| !c.is_control())
        .collect();
    if recipient.is_empty() || recipient.chars().count() > MAX_RECIPIENT {
        return refusal(
            StatusCode::BAD_REQUEST,
            "recipient must name who is asking, in up to 200 characters.",
        );
    }
    if let Err(e) = sessions::throttle(&state, &client, None, time::now()).await {
        return refusal(
            e.status(),
            "Too many wrong passcodes from this network. Wait a while.",
        );
    }
    let Some(public) = state.config.public_url.clone() else {
        return refusal(StatusCode::NOT_FOUND, "No such link.");
    };
    let passcode = request.passcode.as_deref().and_then(codes::normalise);
    let viewer = json!({"name": recipient, "organisation": null, "how": "link"}).to_string();
    let outcome = async {
        let mut conn = state.store.conn().await?;
        let now = state.clock.now();
        let Some(share) = store::by_link_hash(&mut conn, &token_hash(&link_id)).await? else {
            return Ok(Outcome::Gone);
        };
        let event = Event::new("share-opened")
            .client(&client)
            .patient(Some(&share.patient_id))
            .share(Some(share.id), Some(&viewer));
        let standing = super::standing(&mut conn, &state, &share, now).await;
        if standing != Status::Active || share.link_key.is_none() {
            let e = ApiError::ShareEnded {
                why: standing.as_str(),
            };
            if !store::refused_lately(&mut conn, share.id, e.reason(), now).await? {
                event.refused(&e).record(&mut conn).await?;
            }
            return Ok(Outcome::Gone);
        }
        if store::opened_too_often(&mut conn, share.id, now)
            .await?
            .is_some()
        {
            return Ok(Outcome::TooOften);
        }
        if passcode.as_deref().map(codes::hash).as_deref() != Some(share.code_hash.as_str()) {
            let failed = store::fail(&mut conn, share.id).await?;
            throttle::fail(&mut conn, Kind::SignIn, &client.network(), time::now()).await?;
            event
                .refused(&ApiError::ShareDetailsNotRight)
                .record(&mut conn)
                .await?;
            // A guess counted after the last one allowed (sent alongside it) finds the link
            // locked, as it would have a moment later.
            if failed > MAX_FAILED {
                return Ok(Outcome::Gone);
            }
            return Ok(Outcome::WrongPasscode {
                remaining: MAX_FAILED - failed,
            });
        }
        let mut locations = Vec::new();
        for section in &share.sections {
            let token = random_token();
            sqlx::query(
                "INSERT INTO share_files (token_hash, share_id, section, viewer, expires_at)
                     VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(token_hash(&token))
            .bind(share.id)
            .bind(section)
            .bind(&viewer)
            .bind(now + FILE_SECONDS)
            .execute(&mut *conn)
            .await?;
            locations.push(format!(
                "{}/shl/files/{token}",
                public.trim_end_matches('/')
            ));
        }
        store::keep_newest(&mut conn, share.id).await?;
        event.record(&mut conn).await?;
        Ok::<_, ApiError>(Outcome::Files(locations))
    }
    .await;
    match outcome {
        Err(_) => refusal(StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong."),
        Ok(Outcome::Gone) => refusal(StatusCode::NOT_FOUND, "This link is not active."),
        Ok(Outcome::TooOften) => refusal(
            StatusCode::TOO_MANY_REQUESTS,
            "This link has been opened too often in the last hour. Try again later.",
        ),
        Ok(Outcome::WrongPasscode { remaining }) => json_answer(
            StatusCode::UNAUTHORIZED,
            json!({"remainingAttempts": remaining}),
        ),
        Ok(Outcome::Files(locations)) => {
            let files: Vec<Value> = locations
                .into_iter()
                .map(|location| {
                    json!({
                        "contentType": "application/fhir+json",
                        "location": location,
                        "fhirVersion": "4.0.1",
                    })
                })
                .collect();
            json_answer(StatusCode::OK, json!({"files": files}))
        }
    }
}

/// `GET /shl/files/{token}`: one section, encrypted, once, while the location lasts and the
/// share is open.
async fn file(
    State(state): State<AppState>,
    client: Client,
    Path(token): Path<String>,
) -> Response {
    let Some(public) = state.config.public_url.clone() else {
        return refusal(StatusCode::NOT_FOUND, "No such file.");
    };
    let found = async {
        let now = state.clock.now();
        let claimed = {
            let mut conn = state.store.conn().await?;
            let claimed: Option<(i64, String, String, i64)> = sqlx::query_as(
                "DELETE FROM share_files WHERE token_hash = $1
                     RETURNING share_id, section, viewer, expires_at",
            )
            .bind(token_hash(&token))
            .fetch_optional(&mut *conn)
            .await?;
            match claimed {
                Some((share_id, section, viewer, expires_at)) if expires_at > now => {
                    match store::by_id(&mut conn, share_id).await? {
                        Some(s)
                            if super::standing(&mut conn, &state, &s, now).await
                                == Status::Active =>
                        {
                            s.link_key.clone().map(|key| (s, key, section, viewer))
                        }
                        _ => None,
                    }
                }
                _ => None,
            }
        };
        let Some((share, key, section, viewer)) = claimed else {
            return Ok(None);
        };
        let bundle = section_bundle(
            &mut *state.store.conn().await?,
            &state.records,
            &public,
            &share,
            &section,
            now,
        )
        .await?;
        Event::new("read")
            .client(&client)
            .patient(Some(&share.patient_id))
            .share(Some(share.id), Some(&viewer))
            .detail(&format!("SMART Health Link file: {section}"))
            .record(&mut *state.store.conn().await?)
            .await?;
        Ok::<_, ApiError>(Some((bundle, key)))
    }
    .await;
    match found {
        Ok(Some((bundle, key))) => match encrypt(&key, bundle.to_string().as_bytes()) {
            Ok(jwe) => answer(StatusCode::OK, "application/jose", jwe),
            Err(e) => {
                tracing::error!(error = %e, "a link's file could not be encrypted");
                refusal(StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong.")
            }
        },
        Ok(None) => refusal(
            StatusCode::NOT_FOUND,
            "This file location has been used or has expired. Ask for the manifest again.",
        ),
        Err(_) => refusal(StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong."),
    }
}

/// One section of the shared record as a FHIR `collection` Bundle: the Patient, the section's
/// resources, and (for medicines) the Medications they name.
async fn section_bundle(
    conn: &mut Conn,
    records: &Records,
    public: &str,
    share: &Share,
    section: &str,
    now: i64,
) -> Result<Value, ApiError> {
    let types = SECTIONS
        .iter()
        .find(|(id, _)| *id == section)
        .map(|(_, t)| *t)
        .unwrap_or_default();
    let grant = access::shared(share);
    let mut resources = Vec::new();
    if let Some((_, patient)) = records.read(conn, "Patient", &share.patient_id).await? {
        resources.push(patient);
    }
    for resource_type in types {
        let mut search = Search {
            patient_id: share.patient_id.clone(),
            newest_first: true,
            count: Search::EVERY,
            ..Search::default()
        };
        grant
            .search(conn, records, What::Record, resource_type, &mut search)
            .await?;
        resources.extend(records.search(conn, resource_type, &search).await?.1);
    }
    let medications: Vec<String> = resources
        .iter()
        .filter_map(|r| r["medicationReference"]["reference"].as_str())
        .filter_map(|r| r.strip_prefix("Medication/"))
        .map(String::from)
        .collect();
    for id in medications {
        if let Some((_, medication)) = records.read(conn, "Medication", &id).await?
            && !resources.contains(&medication)
        {
            resources.push(medication);
        }
    }
    let base = format!("{}/api/v1/fhir", public.trim_end_matches('/'));
    let entries: Vec<Value> = resources
        .into_iter()
        .map(|r| {
            let url = records::full_url(
                &base,
                r["resourceType"].as_str().unwrap_or_default(),
                r["id"].as_str().unwrap_or_default(),
            );
            json!({"fullUrl": url, "resource": r})
        })
        .collect();
    Ok(json!({
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": time::rfc3339(now),
        "entry": entries,
    }))
}

/// Compact JWE with the link's key: `dir`, `A256GCM`, `cty` of FHIR JSON, a fresh IV each time.
/// Not compressed: recent JOSE libraries no longer read `zip`, and every receiver must open it.
fn encrypt(key: &str, plaintext: &[u8]) -> Result<String, String> {
    let key = URL_SAFE_NO_PAD.decode(key).map_err(|e| e.to_string())?;
    let mut header = josekit::jwe::JweHeader::new();
    header.set_content_encryption("A256GCM");
    header.set_content_type("application/fhir+json");
    let encrypter = josekit::jwe::Dir
        .encrypter_from_bytes(&key)
        .map_err(|e| e.to_string())?;
    josekit::jwe::serialize_compact(plaintext, &header, &encrypter).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_decrypt_with_the_key_and_say_what_they_hold() {
        let key = random_token();
        let jwe = encrypt(&key, b"{\"resourceType\":\"Bundle\"}").unwrap();
        assert_eq!(jwe.split('.').count(), 5);
        assert_eq!(jwe.split('.').nth(1), Some(""), "dir carries no key");
        let decrypter = josekit::jwe::Dir
            .decrypter_from_bytes(URL_SAFE_NO_PAD.decode(&key).unwrap())
            .unwrap();
        let (plain, header) = josekit::jwe::deserialize_compact(&jwe, &decrypter).unwrap();
        assert_eq!(plain, b"{\"resourceType\":\"Bundle\"}");
        assert_eq!(header.algorithm(), Some("dir"));
        assert_eq!(header.content_encryption(), Some("A256GCM"));
        assert_eq!(header.content_type(), Some("application/fhir+json"));
        assert_ne!(
            jwe,
            encrypt(&key, b"{\"resourceType\":\"Bundle\"}").unwrap()
        );
    }
}
