//! Gateway mode: new information on the hospital's record server, noted as `load` notes what it
//! adds to the portal's own store, so the same round emails the same people.
//!
//! The portal asks, for each type people hear about, what changed on the server since the
//! latest change it has seen (`_lastUpdated=gt…`, across all patients): one search per type a
//! minute between all portals on a database, whatever the number of accounts; what it reads
//! grows with what the hospital adds, not with who has an account. Only resources new to the
//! server (version 1) of patients someone here reads are noted.

use super::note_added;
use crate::AppState;
use crate::accounts;
use crate::infra::error::ApiError;
use crate::infra::store::Conn;
use crate::infra::time;
use crate::proxies;
use crate::records::{Records, index};
use jiff::Timestamp;
use serde_json::Value;
use std::collections::HashMap;

/// The types whose new resources people hear about (`Kind::of`).
pub const WATCHED: [&str; 4] = [
    "DiagnosticReport",
    "Observation",
    "DocumentReference",
    "Appointment",
];
/// How often, between all portals on a database, each type is asked after.
const LOOK_EVERY_SECONDS: i64 = 60;

const ROUND: &str = "record-watch";
const ROUND_LEASE: i64 = 120;

/// Looks for what is new on the record server, if it is time; how many resources were noted.
pub async fn note_new(state: &AppState) -> Result<usize, ApiError> {
    let Records::Upstream(upstream) = &state.records else {
        return Ok(0);
    };
    if !state.store.lease(ROUND, time::now(), ROUND_LEASE).await? {
        return Ok(0);
    }
    // Told by the record server as things are added (`subscription`): nothing to ask, and
    // where asking stopped is forgotten, so asking again (should the Subscription stop) starts
    // from then rather than going back over what it was told.
    let mut conn = state.store.conn().await?;
    if super::subscription::is_subscribed(&mut conn).await? {
        sqlx::query("DELETE FROM record_watch")
            .execute(&mut *conn)
            .await?;
        state.store.release(ROUND).await?;
        return Ok(0);
    }
    let mut noted = 0;
    let mut outcome = Ok(());
    for resource_type in WATCHED.into_iter().filter(|t| upstream.offers(t)) {
        let now = time::now();
        let seen_to = match looked(&mut conn, resource_type).await? {
            Some((_, looked_at)) if now - looked_at < LOOK_EVERY_SECONDS => continue,
            Some((seen_to, _)) => seen_to,
            None => {
                // From the next second on: a portal put in front of a record does not email
                // about all that is already there.
                let start = Timestamp::from_second(now + 1).unwrap_or_default();
                keep(&mut conn, resource_type, start, now).await?;
                continue;
            }
        };
        let changed = match upstream.changed_since(resource_type, seen_to).await {
            Ok(changed) => changed,
            // Asked again next round; the others are still looked at.
            Err(e) => {
                outcome = Err(e);
                continue;
            }
        };
        let mut latest = seen_to;
        let mut read_here = HashMap::new();
        for resource in &changed {
            if let Some(updated) = last_updated(resource) {
                latest = latest.max(updated);
            }
            if let Some(patient) = new_for_a_reader(&mut conn, &mut read_here, resource).await? {
                note_added(&mut conn, &patient, resource, now).await?;
                noted += 1;
            }
        }
        keep(&mut conn, resource_type, latest, now).await?;
    }
    state.store.release(ROUND).await?;
    outcome.map(|()| noted)
}

fn last_updated(resource: &Value) -> Option<Timestamp> {
    resource["meta"]["lastUpdated"].as_str()?.parse().ok()
}

/// The patient a resource belongs to, if it is new to the server (not a change to one already
/// there) and someone here reads that patient's record (`read_here`: found out once a look).
pub async fn new_for_a_reader(
    conn: &mut Conn,
    read_here: &mut HashMap<String, bool>,
    resource: &Value,
) -> Result<Option<String>, ApiError> {
    if resource["meta"]["versionId"]
        .as_str()
        .is_some_and(|v| v != "1")
    {
        return Ok(None);
    }
    let Some(patient) = index(resource).and_then(|ix| ix.patient_id) else {
        return Ok(None);
    };
    let read = match read_here.get(&patient) {
        Some(read) => *read,
        None => {
            let read = accounts::of_patient(conn, &patient).await?.is_some()
                || !proxies::store::of_patient(conn, &patient).await?.is_empty();
            read_here.insert(patient.clone(), read);
            read
        }
    };
    Ok(read.then_some(patient))
}

async fn looked(
    conn: &mut Conn,
    resource_type: &str,
) -> Result<Option<(Timestamp, i64)>, ApiError> {
    let row: Option<(String, i64)> =
        sqlx::query_as("SELECT seen_to, looked_at FROM record_watch WHERE resource_type = $1")
            .bind(resource_type)
            .fetch_optional(&mut *conn)
            .await?;
    Ok(row.and_then(|(seen_to, at)| Some((seen_to.parse().ok()?, at))))
}

async fn keep(
    conn: &mut Conn,
    resource_type: &str,
    seen_to: Timestamp,
    now: i64,
) -> Result<(), ApiError> {
    sqlx::query(
        "INSERT INTO record_watch (resource_type, seen_to, looked_at) VALUES ($1, $2, $3)
         ON CONFLICT (resource_type) DO UPDATE SET seen_to = excluded.seen_to, looked_at = excluded.looked_at",
    )
    .bind(resource_type)
    .bind(seen_to.to_string())
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
