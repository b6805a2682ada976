//! Where the record is read from: the portal's own store (resources loaded with `load`, the
//! embedded default) or the hospital's FHIR server, with the same answers either way.

use super::backend_services::BackendServices;
use super::store::{self, Search, index};
use super::upstream::{Auth, Upstream};
use crate::infra::client_assertion::ClientKey;
use crate::infra::config::RecordsFrom;
use crate::infra::error::ApiError;
use crate::infra::store::Conn;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

#[derive(Clone, Debug)]
pub enum Records {
    /// In the portal's database.
    Local,
    /// On the hospital's FHIR server, read on every request.
    Upstream(Arc<Upstream>),
}

/// What the portal keeps of a Patient read from the record server, for when it is away: who
/// they are, and no more.
fn who(patient: &Value) -> Value {
    let mut kept = serde_json::json!({"resourceType": "Patient", "id": patient["id"]});
    for field in ["name", "birthDate", "gender"] {
        if !patient[field].is_null() {
            kept[field] = patient[field].clone();
        }
    }
    kept
}

/// Keeps the portal's copy of who a patient is in step with the record server: written only
/// when it changed, removed when the server no longer has them.
async fn remember(conn: &mut Conn, id: &str, found: Option<&Value>) -> Result<(), ApiError> {
    let kept = store::read(conn, "Patient", id).await?.map(|(_, p)| p);
    match found.map(who) {
        Some(now) if kept.as_ref() != Some(&now) => {
            store::put(conn, &now).await?;
        }
        None if kept.is_some() => store::remove(conn, "Patient", id).await?,
        _ => {}
    }
    Ok(())
}

impl Records {
    /// Where the record is read from, as configured; why not, if the configuration cannot
    /// serve (an address refused, a key that cannot be read).
    pub fn configured(from: &RecordsFrom) -> Result<Self, String> {
        from.check()?;
        let Some(base) = &from.base else {
            return Ok(Records::Local);
        };
        let auth = match (&from.client_id, &from.key) {
            (Some(client_id), Some(key)) => Auth::BackendServices(Box::new(BackendServices::new(
                client_id.clone(),
                ClientKey::read(key).map_err(|e| format!("--records-key: {e}"))?,
                from.scope.clone(),
            ))),
            _ => Auth::None,
        };
        Ok(Records::Upstream(Arc::new(Upstream::new(
            base,
            auth,
            Duration::from_secs(from.timeout),
        ))))
    }

    /// A resource and the patient it belongs to.
    pub async fn read(
        &self,
        conn: &mut Conn,
        resource_type: &str,
        id: &str,
    ) -> Result<Option<(Option<String>, Value)>, ApiError> {
        match self {
            Records::Local => Ok(store::read(conn, resource_type, id).await?),
            Records::Upstream(upstream) => {
                if !super::is_valid_id(id) || !upstream.offers(resource_type) {
                    return Ok(None);
                }
                let found = match upstream.read(resource_type, id).await {
                    Ok(found) if resource_type == "Patient" => {
                        remember(conn, id, found.as_ref()).await?;
                        found
                    }
                    Ok(found) => found,
                    // Who someone is (their name, their age for the proxy rules) is still known
                    // while the record server is away: sign-in, the list of records, proxies and
                    // privacy choices go on working.
                    Err(away @ ApiError::UpstreamUnavailable { .. })
                        if resource_type == "Patient" =>
                    {
                        return match store::read(conn, "Patient", id).await? {
                            Some(copy) => Ok(Some(copy)),
                            None => Err(away),
                        };
                    }
                    Err(e) => return Err(e),
                };
                Ok(found.map(|resource| {
                    let patient = index(&resource).and_then(|ix| ix.patient_id);
                    (patient, resource)
                }))
            }
        }
    }

    /// The types of the record the hospital's record server does not offer (none for the
    /// portal's own store, or before the server has said).
    pub fn not_shared(&self) -> Vec<&'static str> {
        match self {
            Records::Local => Vec::new(),
            Records::Upstream(upstream) => upstream.not_offered(),
        }
    }

    /// Keeps the demo's invented resources where the record is read from.
    pub async fn keep_demo(&self, conn: &mut Conn, resources: &[Value]) -> Result<(), ApiError> {
        match self {
            Records::Local => {
                for resource in resources {
                    store::put(conn, resource).await?;
                }
                Ok(())
            }
            Records::Upstream(upstream) => upstream.put_all(resources).await,
        }
    }

    /// How many resources match, and a page of them.
    pub async fn search<T: DeserializeOwned>(
        &self,
        conn: &mut Conn,
        resource_type: &str,
        s: &Search,
    ) -> Result<(usize, Vec<T>), ApiError> {
        let upstream = match self {
            Records::Local => return Ok(store::search(conn, resource_type, s).await?),
            Records::Upstream(upstream) => upstream,
        };
        if !super::is_valid_id(&s.patient_id) || !upstream.offers(resource_type) {
            return Ok((0, Vec::new()));
        }
        // The whole of this type of the patient's record, narrowed and paged here: the record
        // server's own filters and sorts differ by server and by type, and a total counted
        // after the access decision is the only honest one.
        let all = upstream
            .all_for_patient(resource_type, &s.patient_id)
            .await?;
        let mut found: Vec<_> = all
            .iter()
            .filter_map(|resource| Some((index(resource)?, resource)))
            .filter(|(ix, _)| s.matches(resource_type, ix))
            .collect();
        found.sort_by(|(a, _), (b, _)| s.order(a, b));
        let total = found.len();
        let page = found
            .into_iter()
            .skip(s.offset)
            .take(s.count)
            .map(|(_, resource)| T::deserialize(resource).map_err(|_| ApiError::Internal))
            .collect::<Result<_, _>>()?;
        Ok((total, page))
    }
}
