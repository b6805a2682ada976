//! Gateway mode with `--records-topic`: the portal subscribes on the hospital's record server
//! (FHIR Subscriptions, R4 Backport: a rest-hook to `POST /record-system/notifications` with
//! id-only payloads) and is told of each new result, document, letter or appointment as it is
//! added. A notification is a prompt, never a source: each resource it names is read from the
//! record server with the portal's own token before anything is noted.

use super::note_added;
use super::watch::{WATCHED, new_for_a_reader};
use crate::AppState;
use crate::infra::error::ApiError;
use crate::infra::store::Conn;
use crate::infra::time;
use crate::infra::tokens::{random_token, token_hash};
use crate::records::{Records, is_valid_id};
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::routing::post;
use serde_json::{Value, json};
use std::collections::HashMap;

pub const PATH: &str = "/record-system/notifications";
const BACKPORT: &str = "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition";
/// The most resources one notification may name; a bigger one is read no further.
const MOST_PER_NOTIFICATION: usize = 100;

const ROUND: &str = "record-subscription";
const ROUND_LEASE: i64 = 120;

pub fn routes() -> Router<AppState> {
    Router::new().route(PATH, post(notified))
}

/// Makes sure the portal's Subscription is on the record server and not in error: made if it is
/// missing, stopped or for another topic. One portal on a database does it at a time.
pub async fn keep_subscribed(state: &AppState) -> Result<(), ApiError> {
    let (Records::Upstream(upstream), Some(topic), Some(public_url)) = (
        &state.records,
        &state.config.records_from.topic,
        &state.config.public_url,
    ) else {
        return Ok(());
    };
    if !state.store.lease(ROUND, time::now(), ROUND_LEASE).await? {
        return Ok(());
    }
    let outcome = subscribe(state, upstream, topic, public_url).await;
    state.store.release(ROUND).await?;
    outcome
}

async fn subscribe(
    state: &AppState,
    upstream: &crate::records::upstream::Upstream,
    topic: &str,
    public_url: &str,
) -> Result<(), ApiError> {
    let mut conn = state.store.conn().await?;
    let kept: Option<String> = sqlx::query_scalar(
        "SELECT subscription_id FROM record_subscription
         WHERE topic = $1 AND subscription_id IS NOT NULL",
    )
    .bind(topic)
    .fetch_optional(&mut *conn)
    .await?
    .flatten();
    if let Some(id) = kept {
        let status = upstream.read("Subscription", &id).await?;
        let status = status.as_ref().and_then(|s| s["status"].as_str());
        if matches!(status, Some("active" | "requested")) {
            return Ok(());
        }
        tracing::warn!(
            id,
            ?status,
            "the portal's Subscription on the record server is not active: making another"
        );
        // Not trusted from now: the portal asks for new information until another is made.
        sqlx::query("DELETE FROM record_subscription WHERE subscription_id = $1")
            .bind(&id)
            .execute(&mut *conn)
            .await?;
    }
    // The secret is kept before the Subscription is made: the server's handshake may come first.
    let secret = random_token();
    let hash = token_hash(&secret);
    sqlx::query("INSERT INTO record_subscription (secret_hash, topic) VALUES ($1, $2)")
        .bind(&hash)
        .bind(topic)
        .execute(&mut *conn)
        .await?;
    let subscription = json!({
        "resourceType": "Subscription",
        "meta": {"profile": [format!("{BACKPORT}/backport-subscription")]},
        "status": "requested",
        "reason": "Tells the patient portal when a result, document, letter or appointment is added, so it can email those who want to hear",
        "criteria": topic,
        "channel": {
            "type": "rest-hook",
            "endpoint": format!("{}{PATH}", public_url.trim_end_matches('/')),
            "payload": "application/fhir+json",
            "_payload": {"extension": [
                {"url": format!("{BACKPORT}/backport-payload-content"), "valueCode": "id-only"},
            ]},
            "header": [format!("Authorization: Bearer {secret}")],
        },
    });
    let made = match upstream.create_subscription(&subscription).await {
        Ok(made) => made,
        Err(e) => {
            sqlx::query("DELETE FROM record_subscription WHERE secret_hash = $1")
                .bind(&hash)
                .execute(&mut *conn)
                .await?;
            return Err(e);
        }
    };
    let id = made["id"].as_str().unwrap_or_default();
    // Only the new one's secret is taken from now on: an old Subscription's notifications are
    // refused, and the server stops it.
    sqlx::query("DELETE FROM record_subscription WHERE secret_hash <> $1")
        .bind(&hash)
        .execute(&mut *conn)
        .await?;
    sqlx::query("UPDATE record_subscription SET subscription_id = $1 WHERE secret_hash = $2")
        .bind(id)
        .bind(&hash)
        .execute(&mut *conn)
        .await?;
    tracing::info!(
        id,
        topic,
        "subscribed to new information on the record server"
    );
    Ok(())
}

/// Whether the portal has a Subscription on the record server that it believes is active.
pub async fn is_subscribed(conn: &mut Conn) -> Result<bool, ApiError> {
    let made: Option<String> = sqlx::query_scalar(
        "SELECT secret_hash FROM record_subscription WHERE subscription_id IS NOT NULL",
    )
    .fetch_optional(&mut *conn)
    .await?;
    Ok(made.is_some())
}

/// A notification from the record server: a handshake, a heartbeat, or events naming what was
/// added. Refused without the secret the portal gave its Subscription.
async fn notified(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    if !matches!(state.records, Records::Upstream(_)) {
        return Err(ApiError::NotFound);
    }
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or(ApiError::TokenNotValid)?;
    let mut conn = state.store.conn().await?;
    let known: Option<String> =
        sqlx::query_scalar("SELECT secret_hash FROM record_subscription WHERE secret_hash = $1")
            .bind(token_hash(presented))
            .fetch_optional(&mut *conn)
            .await?;
    if known.is_none() {
        tracing::warn!("a notification came with a secret the portal did not give");
        return Err(ApiError::TokenNotValid);
    }
    let bundle: Value = serde_json::from_slice(&body)
        .map_err(|_| ApiError::BadRequest("a notification is a FHIR JSON Bundle".into()))?;
    let now = time::now();
    let mut read_here = HashMap::new();
    for (resource_type, id) in added(&bundle).into_iter().take(MOST_PER_NOTIFICATION) {
        let Some((_, resource)) = state.records.read(&mut conn, &resource_type, &id).await? else {
            continue;
        };
        if let Some(patient) = new_for_a_reader(&mut conn, &mut read_here, &resource).await? {
            note_added(&mut conn, &patient, &resource, now).await?;
        }
    }
    Ok(StatusCode::OK)
}

/// What an event notification names (`Type/id`), of the types people hear about; nothing for a
/// handshake or a heartbeat.
fn added(bundle: &Value) -> Vec<(String, String)> {
    let status = &bundle["entry"][0]["resource"];
    if bundle["resourceType"] != "Bundle" || status["resourceType"] != "Parameters" {
        return Vec::new();
    }
    let parameters = status["parameter"].as_array().into_iter().flatten();
    let is_event = parameters
        .clone()
        .any(|p| p["name"] == "type" && p["valueCode"] == "event-notification");
    if !is_event {
        return Vec::new();
    }
    parameters
        .filter(|p| p["name"] == "notification-event")
        .flat_map(|event| event["part"].as_array().into_iter().flatten())
        .filter(|part| part["name"] == "focus")
        .filter_map(|part| {
            let reference = part["valueReference"]["reference"].as_str()?;
            let mut segments = reference.rsplit('/');
            let id = segments.next()?;
            let resource_type = segments.next()?;
            (WATCHED.contains(&resource_type) && is_valid_id(id))
                .then(|| (resource_type.to_string(), id.to_string()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::added;
    use serde_json::json;

    fn notification(kind: &str, foci: &[&str]) -> serde_json::Value {
        let mut parameters = vec![
            json!({"name": "subscription", "valueReference": {"reference": "Subscription/1"}}),
            json!({"name": "type", "valueCode": kind}),
        ];
        for focus in foci {
            parameters.push(json!({"name": "notification-event", "part": [
                {"name": "event-number", "valueString": "1"},
                {"name": "focus", "valueReference": {"reference": focus}},
            ]}));
        }
        json!({"resourceType": "Bundle", "type": "history", "entry": [
            {"resource": {"resourceType": "Parameters", "parameter": parameters}},
        ]})
    }

    #[test]
    fn an_event_names_what_was_added_of_the_types_people_hear_about() {
        let told = notification(
            "event-notification",
            &[
                "Observation/tsh-1",
                "https://fhir.hospital.example/r4/DiagnosticReport/r-2",
                "Patient/ann",
                "Observation/../../etc",
                "Observation/",
            ],
        );
        assert_eq!(
            added(&told),
            vec![
                ("Observation".to_string(), "tsh-1".to_string()),
                ("DiagnosticReport".to_string(), "r-2".to_string()),
            ]
        );
        assert!(added(&notification("handshake", &[])).is_empty());
        assert!(added(&notification("heartbeat", &["Observation/tsh-1"])).is_empty());
        assert!(added(&json!({"resourceType": "Parameters"})).is_empty());
    }
}
