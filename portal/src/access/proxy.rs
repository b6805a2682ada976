//! A signed-in user's footing on a patient's record: their own, or as a proxy under the
//! hospital's proxy rules (level, age, end date, a young person's agreement, the proxy terms).

use super::Grant;
use crate::AppState;
use crate::accounts;
use crate::infra::error::ApiError;
use crate::infra::store::Conn;
use crate::proxies::rules::{ProxyRules, Standing, State};
use crate::proxies::store::{self, Relationship};
use crate::records::Records;
use crate::terms;

/// The patient's date of birth (days since 1970-01-01), from their Patient resource.
pub async fn born(
    conn: &mut Conn,
    records: &Records,
    patient_id: &str,
) -> Result<Option<i64>, ApiError> {
    Ok(records
        .read(conn, "Patient", patient_id)
        .await?
        .and_then(|(_, patient)| {
            patient["birthDate"]
                .as_str()
                .and_then(crate::infra::time::parse_date)
        }))
}

/// Where a relationship stands today.
pub async fn standing(
    conn: &mut Conn,
    records: &Records,
    rules: &ProxyRules,
    relationship: &Relationship,
    today: i64,
) -> Result<Standing, ApiError> {
    let born = born(conn, records, &relationship.patient_id).await?;
    Ok(rules.standing(&relationship.terms(born), today))
}

/// Whether the proxy has accepted the proxy terms now in force for this relationship.
pub async fn terms_accepted(conn: &mut Conn, relationship: i64) -> sqlx::Result<bool> {
    match terms::current(conn, terms::PROXY).await? {
        Some(doc) => store::terms_accepted(conn, relationship, &doc.version).await,
        None => Ok(true),
    }
}

/// Whether, and on what footing, this user may read this patient's record today. Refusals
/// say why: not theirs to read, paused until a young person agrees, or proxy terms to accept.
pub async fn grant(
    conn: &mut Conn,
    state: &AppState,
    user_id: i64,
    patient_id: &str,
) -> Result<Grant, ApiError> {
    if accounts::is_own_record(conn, user_id, patient_id).await? {
        return Ok(Grant::Own);
    }
    let today = state.clock.today();
    match current(conn, state, user_id, patient_id, today).await? {
        Some((relationship, standing)) if standing.state == State::Active => {
            if !terms_accepted(conn, relationship.id).await? {
                return Err(ApiError::ProxyTermsNotAccepted);
            }
            Ok(Grant::Proxy {
                relationship: relationship.id,
                filter: standing.filter,
            })
        }
        Some(_) => Err(ApiError::ProxyAccessPaused),
        None => Err(ApiError::PatientNotInScope),
    }
}

/// Whether this user may share this patient's record: their own, or one they have full access
/// to (nothing withheld), as a proxy.
pub async fn may_share(
    conn: &mut Conn,
    state: &AppState,
    user_id: i64,
    patient_id: &str,
) -> Result<Grant, ApiError> {
    let grant = grant(conn, state, user_id, patient_id).await?;
    grant.may_share()?;
    Ok(grant)
}

/// The relationship through which this user acts for this patient today: an active one, else
/// one paused (waiting for a young person's agreement, or a date of birth).
async fn current(
    conn: &mut Conn,
    state: &AppState,
    user_id: i64,
    patient_id: &str,
    today: i64,
) -> Result<Option<(Relationship, Standing)>, ApiError> {
    let mut paused = None;
    for relationship in store::between(conn, user_id, patient_id).await? {
        let standing = standing(
            conn,
            &state.records,
            &state.proxy_rules,
            &relationship,
            today,
        )
        .await?;
        match standing.state {
            State::Active => return Ok(Some((relationship, standing))),
            State::NeedsAgreement { .. } | State::BirthDateUnknown => {
                paused.get_or_insert((relationship, standing));
            }
            State::NotStarted | State::Ended { .. } => {}
        }
    }
    Ok(paused)
}

/// The active relationship between this proxy and this patient today, if there is one.
pub async fn active(
    conn: &mut Conn,
    state: &AppState,
    user_id: i64,
    patient_id: &str,
    today: i64,
) -> Result<Option<Relationship>, ApiError> {
    Ok(current(conn, state, user_id, patient_id, today)
        .await?
        .filter(|(_, s)| s.state == State::Active)
        .map(|(r, _)| r))
}
