//! The hospital's own FHIR R4 server, when the record is kept there (`serve --records-from`):
//! reads and whole-patient searches sent to it, and every answer checked before anything of it
//! is used. What a reader may see of it is still decided in `access`, here in the portal.

use super::backend_services::BackendServices;
use super::capabilities;
use super::recent::Recent;
use super::store::PATIENT_TYPES;
use crate::infra::error::ApiError;
use serde_json::Value;
use std::collections::BTreeSet;
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// No page of one type of one patient's record is bigger; past it the answer is refused, not
/// read on (a server gone wrong, or a record no screen could show).
const MAX_ANSWER_BYTES: u64 = 32 * 1024 * 1024;
/// Resources asked for per page, and the most one search gathers across pages.
const PAGE_SIZE: usize = 500;
const MAX_RESOURCES: usize = 20_000;

/// Writing the demo's patients is a bigger job than any read, done once as the portal starts.
const DEMO_WRITE_TIMEOUT: Duration = Duration::from_secs(120);

/// The scopes asked for to write the demo's invented patients (`serve --demo` only).
const DEMO_WRITE_SCOPE: &str = "system/*.cu";
/// The scope asked for to make the portal's Subscription (`--records-topic`).
const SUBSCRIPTION_SCOPE: &str = "system/Subscription.cu";

/// How the portal proves itself to the record server.
#[derive(Debug)]
pub enum Auth {
    /// Nothing: for a server on this machine, or one the operator has said is on a closed
    /// network.
    None,
    /// A SMART Backend Services token, sent as a bearer with every request.
    BackendServices(Box<BackendServices>),
}

pub struct Upstream {
    /// The FHIR base, without a trailing slash.
    base: String,
    agent: ureq::Agent,
    auth: Arc<Auth>,
    /// What its CapabilityStatement last said it offers; None until it has been read.
    offered: RwLock<Option<BTreeSet<String>>>,
    recent: Recent,
}

impl std::fmt::Debug for Upstream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Upstream")
            .field("base", &self.base)
            .finish()
    }
}

impl Upstream {
    pub fn new(base: &str, auth: Auth, timeout: Duration) -> Self {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(timeout))
            .max_redirects(0)
            .build()
            .into();
        Self {
            base: base.trim_end_matches('/').to_string(),
            agent,
            auth: Arc::new(auth),
            offered: RwLock::new(None),
            recent: Recent::default(),
        }
    }

    /// Reads the server's CapabilityStatement again; whether what it offers changed.
    pub async fn read_capabilities(&self) -> Result<bool, ApiError> {
        let statement = self
            .get(format!("{}/metadata", self.base))
            .await?
            .ok_or(ApiError::UpstreamAnswerRefused)?;
        let offered = capabilities::offered(&statement).ok_or_else(|| {
            tracing::warn!("the record server's metadata is not an R4 CapabilityStatement");
            ApiError::UpstreamAnswerRefused
        })?;
        let mut known = self.offered.write().unwrap_or_else(|e| e.into_inner());
        if known.as_ref() == Some(&offered) {
            return Ok(false);
        }
        *known = Some(offered);
        Ok(true)
    }

    /// The types of the record it does not offer (none before its statement has been read).
    pub fn not_offered(&self) -> Vec<&'static str> {
        PATIENT_TYPES
            .iter()
            .copied()
            .filter(|t| !self.offers(t))
            .collect()
    }

    /// Whether the server offers this type (assumed until its statement has been read).
    pub fn offers(&self, resource_type: &str) -> bool {
        self.offered
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .is_none_or(|o| o.contains(resource_type))
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// One resource, or None if the server has none by that id (or had one and deleted it). A
    /// Patient read moments ago (every request of someone acting for them needs their age) is
    /// not asked for again.
    pub async fn read(&self, resource_type: &str, id: &str) -> Result<Option<Value>, ApiError> {
        if resource_type == "Patient"
            && let Some(kept) = self.recent.get(resource_type, id)
        {
            return Ok(kept.first().cloned());
        }
        let url = format!("{}/{resource_type}/{id}", self.base);
        let Some(resource) = self.get(url).await? else {
            return Ok(None);
        };
        // The server answered for what was asked, or its answer is not used.
        if resource["resourceType"] != resource_type || resource["id"] != id {
            tracing::warn!(
                resource_type,
                id,
                "the record server answered a read with another resource"
            );
            return Err(ApiError::UpstreamAnswerRefused);
        }
        if resource_type == "Patient" {
            self.recent
                .keep(resource_type, id, Arc::new(vec![resource.clone()]));
        }
        Ok(Some(resource))
    }

    /// Every resource of a type that the server files under this patient, across its pages
    /// (or as it gave them moments ago).
    pub async fn all_for_patient(
        &self,
        resource_type: &str,
        patient_id: &str,
    ) -> Result<Arc<Vec<Value>>, ApiError> {
        if let Some(list) = self.recent.get(resource_type, patient_id) {
            return Ok(list);
        }
        let query = if resource_type == "Patient" {
            format!("_id={patient_id}")
        } else {
            format!("patient={patient_id}")
        };
        let (list, complete) = self.all_matching(resource_type, &query).await?;
        if !complete {
            tracing::warn!(
                resource_type,
                "the record server's answer is too large to gather"
            );
            return Err(ApiError::UpstreamAnswerRefused);
        }
        let list = Arc::new(list);
        self.recent.keep(resource_type, patient_id, list.clone());
        Ok(list)
    }

    /// Every resource of a type, of any patient, changed after a moment of the server's own
    /// (`meta.lastUpdated`), across its pages: at most `MAX_RESOURCES`, the rest let go (a
    /// look that failed for being too big would be tried again forever).
    pub async fn changed_since(
        &self,
        resource_type: &str,
        since: jiff::Timestamp,
    ) -> Result<Vec<Value>, ApiError> {
        // Shown in UTC with a Z, so nothing in it needs escaping in a query.
        let (changed, complete) = self
            .all_matching(resource_type, &format!("_lastUpdated=gt{since}"))
            .await?;
        if !complete {
            tracing::warn!(
                resource_type,
                gathered = changed.len(),
                "more changed on the record server than one look gathers: the rest are not emailed about"
            );
        }
        Ok(changed)
    }

    /// Every resource of a type that a search finds, across its pages, up to `MAX_RESOURCES`;
    /// and whether that was all of them.
    async fn all_matching(
        &self,
        resource_type: &str,
        query: &str,
    ) -> Result<(Vec<Value>, bool), ApiError> {
        let mut url = format!("{}/{resource_type}?{query}&_count={PAGE_SIZE}", self.base);
        let mut found = Vec::new();
        loop {
            let mut bundle = self
                .get(url.clone())
                .await?
                .ok_or(ApiError::UpstreamAnswerRefused)?;
            if bundle["resourceType"] != "Bundle" || bundle["type"] != "searchset" {
                tracing::warn!(
                    resource_type,
                    "the record server answered a search with no searchset"
                );
                return Err(ApiError::UpstreamAnswerRefused);
            }
            let next = next_link(&bundle);
            for entry in bundle["entry"].as_array_mut().into_iter().flatten() {
                // Only matches: an outcome entry (a warning that a sort was not applied, say)
                // is the server's remark, not the record.
                let mode = entry["search"]["mode"].as_str().unwrap_or("match");
                if mode == "match" && entry["resource"]["resourceType"] == resource_type {
                    found.push(entry["resource"].take());
                }
            }
            if found.len() > MAX_RESOURCES {
                return Ok((found, false));
            }
            match next {
                None => return Ok((found, true)),
                Some(next) => match next_query(&next, resource_type) {
                    // Asked of the server the portal was configured with, whatever address the
                    // server gave for itself (often its public one, or none it knows): only the
                    // query is taken from the link, so a link elsewhere is never fetched.
                    Some(query) => url = format!("{}/{resource_type}?{query}", self.base),
                    None => {
                        tracing::warn!(
                            resource_type,
                            next,
                            "the record server's next page is not a search of this type"
                        );
                        return Err(ApiError::UpstreamAnswerRefused);
                    }
                },
            }
        }
    }

    /// Writes resources as they are, under their own ids, in one transaction: only the demo's
    /// invented patients are ever written (`serve --demo`), never a hospital's record.
    pub async fn put_all(&self, resources: &[Value]) -> Result<(), ApiError> {
        let entries: Vec<Value> = resources
            .iter()
            .map(|r| {
                let url = format!(
                    "{}/{}",
                    r["resourceType"].as_str().unwrap_or_default(),
                    r["id"].as_str().unwrap_or_default()
                );
                serde_json::json!({"resource": r, "request": {"method": "PUT", "url": url}})
            })
            .collect();
        let bundle = serde_json::json!({
            "resourceType": "Bundle",
            "type": "transaction",
            "entry": entries,
        });
        match self
            .post("", &bundle, DEMO_WRITE_SCOPE, DEMO_WRITE_TIMEOUT)
            .await?
        {
            (200, _) => Ok(()),
            (status, text) => {
                let text: String = text.chars().take(500).collect();
                tracing::error!(status, text, "the record server refused the demo patients");
                Err(ApiError::UpstreamAnswerRefused)
            }
        }
    }

    /// Creates the portal's Subscription (`Subscription.cu` is all the scope it asks for): the
    /// resource as the server made it.
    pub async fn create_subscription(&self, subscription: &Value) -> Result<Value, ApiError> {
        let timeout = Duration::from_secs(30);
        match self
            .post("Subscription", subscription, SUBSCRIPTION_SCOPE, timeout)
            .await?
        {
            (200 | 201, text) => serde_json::from_str::<Value>(&text)
                .ok()
                .filter(|made| made["resourceType"] == "Subscription" && made["id"].is_string())
                .ok_or(ApiError::UpstreamAnswerRefused),
            (status, text) => {
                let text: String = text.chars().take(500).collect();
                tracing::error!(
                    status,
                    text,
                    "the record server refused the portal's Subscription"
                );
                Err(ApiError::UpstreamAnswerRefused)
            }
        }
    }

    /// Posts a resource (or a transaction, to the base) with a token for `scope`: the status and
    /// the answer's text.
    async fn post(
        &self,
        path: &str,
        body: &Value,
        scope: &'static str,
        timeout: Duration,
    ) -> Result<(u16, String), ApiError> {
        let (agent, auth, base) = (self.agent.clone(), self.auth.clone(), self.base.clone());
        let (url, body) = (format!("{base}/{path}"), body.to_string());
        tokio::task::spawn_blocking(move || {
            let request = agent
                .post(&url)
                .config()
                .timeout_global(Some(timeout))
                .build()
                .header("Content-Type", "application/fhir+json")
                .header("Accept", "application/fhir+json");
            let request = match &*auth {
                Auth::None => request,
                Auth::BackendServices(smart) => request.header(
                    "Authorization",
                    format!("Bearer {}", smart.bearer_for(&agent, &base, scope)?),
                ),
            };
            request
                .send(body)
                .map(|mut r| {
                    let status = r.status().as_u16();
                    (status, r.body_mut().read_to_string().unwrap_or_default())
                })
                .map_err(|e| unavailable(&url, &e))
        })
        .await
        .map_err(|_| ApiError::Internal)?
    }

    /// A JSON answer; None for 404 and 410; the server's failures as the portal says them.
    async fn get(&self, url: String) -> Result<Option<Value>, ApiError> {
        let (agent, auth, base) = (self.agent.clone(), self.auth.clone(), self.base.clone());
        tokio::task::spawn_blocking(move || match &*auth {
            Auth::None => fetch(&agent, None, &url).map_err(ApiError::from),
            Auth::BackendServices(smart) => {
                let token = smart.bearer(&agent, &base)?;
                match fetch(&agent, Some(&token), &url) {
                    // Refused before it should have expired (revoked, or the server's keys
                    // changed): one new token, one more try.
                    Err(Refused::Token) => {
                        smart.forget(&token);
                        let token = smart.bearer(&agent, &base)?;
                        fetch(&agent, Some(&token), &url).map_err(|refused| {
                            if refused == Refused::Token {
                                tracing::error!(
                                    url,
                                    "the record server does not take the portal's new token"
                                );
                            }
                            ApiError::from(refused)
                        })
                    }
                    answer => answer.map_err(ApiError::from),
                }
            }
        })
        .await
        .map_err(|_| ApiError::Internal)?
    }
}

fn next_link(bundle: &Value) -> Option<String> {
    bundle["link"]
        .as_array()?
        .iter()
        .find(|l| l["relation"] == "next")?["url"]
        .as_str()
        .map(String::from)
}

/// The query of a next page's link, if the link is a search of this type.
fn next_query<'a>(link: &'a str, resource_type: &str) -> Option<&'a str> {
    let (path, query) = link.split_once('?')?;
    let rest = path.strip_suffix(resource_type)?;
    (rest.ends_with('/') && !query.contains('#')).then_some(query)
}

/// Why a request came to nothing: as the portal says it, or a bearer token the server refused.
#[derive(Debug, PartialEq)]
enum Refused {
    Token,
    Error(ApiError),
}

impl From<ApiError> for Refused {
    fn from(e: ApiError) -> Self {
        Refused::Error(e)
    }
}

impl From<Refused> for ApiError {
    fn from(refused: Refused) -> Self {
        match refused {
            Refused::Token => ApiError::UpstreamUnavailable { timed_out: false },
            Refused::Error(e) => e,
        }
    }
}

fn fetch(agent: &ureq::Agent, token: Option<&str>, url: &str) -> Result<Option<Value>, Refused> {
    let request = agent.get(url).header("Accept", "application/fhir+json");
    let request = match token {
        None => request,
        Some(token) => request.header("Authorization", format!("Bearer {token}")),
    };
    let mut response = request.call().map_err(|e| unavailable(url, &e))?;
    let status = response.status().as_u16();
    match status {
        200 => {}
        404 | 410 => return Ok(None),
        401 if token.is_some() => return Err(Refused::Token),
        500.. => {
            tracing::warn!(url, status, "the record server failed");
            return Err(ApiError::UpstreamUnavailable { timed_out: false }.into());
        }
        _ => {
            tracing::warn!(
                url,
                status,
                "the record server refused the portal's request"
            );
            return Err(ApiError::UpstreamAnswerRefused.into());
        }
    }
    let text = response
        .body_mut()
        .with_config()
        .limit(MAX_ANSWER_BYTES)
        .read_to_string()
        .map_err(|e| match e {
            ureq::Error::Timeout(_) => ApiError::UpstreamUnavailable { timed_out: true },
            e => {
                tracing::warn!(url, error = %e, "the record server's answer could not be read");
                ApiError::UpstreamAnswerRefused
            }
        })?;
    let value: Value = serde_json::from_str(&text).map_err(|e| {
        tracing::warn!(url, error = %e, "the record server's answer is not JSON");
        ApiError::UpstreamAnswerRefused
    })?;
    Ok(Some(value))
}

fn unavailable(url: &str, e: &ureq::Error) -> ApiError {
    tracing::warn!(url, error = %e, "the record server is not answering");
    ApiError::UpstreamUnavailable {
        timed_out: matches!(e, ureq::Error::Timeout(_)),
    }
}

#[cfg(test)]
mod tests {
    use super::next_query;

    #[test]
    fn a_next_page_is_asked_of_the_configured_server_by_its_query_alone() {
        assert_eq!(
            next_query(
                "http://localhost:8080/Observation?patient=p&_cursor=abc",
                "Observation"
            ),
            Some("patient=p&_cursor=abc")
        );
        assert_eq!(
            next_query("https://fhir.example/r4/Observation?x=1", "Observation"),
            Some("x=1")
        );
        for wrong in [
            "http://elsewhere/Patient?x=1",
            "http://elsewhere/FakeObservation?x=1",
            "http://elsewhere/Observation",
            "Observation?x=1",
        ] {
            assert_eq!(next_query(wrong, "Observation"), None, "{wrong}");
        }
    }
}
