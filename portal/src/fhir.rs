//! `/fhir/…`, `/shared/fhir/…` and `/professional/fhir/…`: the record as FHIR (search and read)
//! for each kind of reader, each answer as `access` decides it, and each one audited.

use crate::AppState;
use crate::access::{self, KEPT_BACK, Reader, RecordAccess, What, refusal_as_said};
use crate::infra::error::{ApiError, FhirError};
use crate::infra::http::encode_component;
use crate::privacy;
use crate::privacy::audit_events;
use crate::professional::ProfessionalAccess;
use crate::proxies;
use crate::records::{self, DateFilter, Search, is_valid_id};
use crate::shares::viewer::ShareViewer;
use axum::Router;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Value, json};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/fhir/{resource_type}", get(search))
        .route("/fhir/{resource_type}/{id}", get(read))
}

const DEFAULT_COUNT: usize = 50;
const MAX_COUNT: usize = 500;
/// Deeper than any record goes; past it an offset is a mistake or a probe.
const MAX_OFFSET: usize = 1_000_000;
/// No search this portal serves needs more parameters, or longer values.
const MAX_PARAMETERS: usize = 16;
const MAX_VALUE_LENGTH: usize = 256;

fn fhir_json(body: impl Serialize) -> Response {
    let text = serde_json::to_string(&body).expect("an answer is always JSON");
    let mut res = text.into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/fhir+json"),
    );
    res
}

fn unsupported(resource_type: &str) -> FhirError {
    FhirError(ApiError::BadRequest(format!(
        "This portal does not serve {resource_type} resources."
    )))
}

fn parse_search(pairs: &[(String, String)]) -> Result<Search, ApiError> {
    if pairs.len() > MAX_PARAMETERS {
        return Err(ApiError::BadRequest(format!(
            "A search takes at most {MAX_PARAMETERS} parameters."
        )));
    }
    if let Some((name, _)) = pairs
        .iter()
        .find(|(n, v)| n.len() + v.len() > MAX_VALUE_LENGTH)
    {
        return Err(ApiError::BadRequest(format!(
            "The search parameter {:?} is too long.",
            name.chars().take(40).collect::<String>()
        )));
    }
    let mut search = Search {
        newest_first: true,
        count: DEFAULT_COUNT,
        ..Search::default()
    };
    let number = |name: &str, v: &str| {
        v.parse::<usize>()
            .map_err(|_| ApiError::BadRequest(format!("{name} takes a whole number, not {v:?}.")))
    };
    for (name, value) in pairs {
        match name.as_str() {
            "patient" | "subject" => {
                search.patient_id = value.rsplit('/').next().unwrap_or(value).to_string()
            }
            "_count" => search.count = number(name, value)?.clamp(1, MAX_COUNT),
            "_offset" => {
                search.offset = number(name, value)?;
                if search.offset > MAX_OFFSET {
                    return Err(ApiError::BadRequest(format!(
                        "_offset goes up to {MAX_OFFSET}."
                    )));
                }
            }
            "_sort" => match value.as_str() {
                "-date" => search.newest_first = true,
                "date" => search.newest_first = false,
                other => {
                    return Err(ApiError::BadRequest(format!(
                        "_sort takes date or -date, not {other:?}."
                    )));
                }
            },
            "date" => search.dates.push(DateFilter::parse(value).ok_or_else(|| {
                ApiError::BadRequest(format!("date takes a prefix and a date, not {value:?}."))
            })?),
            "category" => search.categories.extend(
                value
                    .split(',')
                    .map(|c| c.rsplit('|').next().unwrap_or(c).to_string())
                    .filter(|c| !c.is_empty()),
            ),
            // Unknown parameters are ignored, as FHIR's lenient handling allows; the self link
            // shows what was applied.
            _ => {}
        }
    }
    if search.patient_id.is_empty() {
        return Err(ApiError::BadRequest(
            "Searches need patient=<id>: records are read one patient at a time.".into(),
        ));
    }
    if !is_valid_id(&search.patient_id) {
        return Err(ApiError::BadRequest("patient is not a FHIR id.".into()));
    }
    Ok(search)
}

fn page_url(base: &str, resource_type: &str, s: &Search, offset: usize) -> String {
    let mut url = format!(
        "{base}/{resource_type}?patient={}&_count={}&_sort={}",
        encode_component(&s.patient_id),
        s.count,
        if s.newest_first { "-date" } else { "date" }
    );
    for d in &s.dates {
        url.push_str(&format!("&date={}{}", d.op, encode_component(&d.value)));
    }
    if !s.categories.is_empty() {
        url.push_str(&format!(
            "&category={}",
            encode_component(&s.categories.join(","))
        ));
    }
    if offset > 0 {
        url.push_str(&format!("&_offset={offset}"));
    }
    url
}

/// A malformed path or query (bad percent-encoding, invalid UTF-8) is a bad request, answered as
/// FHIR like every other.
fn malformed(e: impl std::fmt::Display) -> FhirError {
    FhirError(ApiError::BadRequest(format!(
        "The address is not right: {e}"
    )))
}

pub async fn search(
    State(state): State<AppState>,
    access: Result<RecordAccess, ApiError>,
    resource_type: Result<Path<String>, PathRejection>,
    pairs: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Response, FhirError> {
    search_as(state, Reader::User(access?), resource_type, pairs).await
}

/// A share's viewer searching the shared record.
pub async fn shared_search(
    State(state): State<AppState>,
    viewer: Result<ShareViewer, ApiError>,
    resource_type: Result<Path<String>, PathRejection>,
    pairs: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Response, FhirError> {
    search_as(state, Reader::Viewer(viewer?), resource_type, pairs).await
}

/// A professional at another organisation searching a patient's record.
pub async fn professional_search(
    State(state): State<AppState>,
    access: Result<ProfessionalAccess, ApiError>,
    resource_type: Result<Path<String>, PathRejection>,
    pairs: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Response, FhirError> {
    search_as(state, Reader::Professional(access?), resource_type, pairs).await
}

async fn search_as(
    state: AppState,
    reader: Reader,
    resource_type: Result<Path<String>, PathRejection>,
    pairs: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Response, FhirError> {
    let Path(resource_type) = resource_type.map_err(malformed)?;
    let Query(pairs) = pairs.map_err(malformed)?;
    let what =
        What::of(&reader, &resource_type, true).ok_or_else(|| unsupported(&resource_type))?;
    let search = parse_search(&pairs)?;
    let base = reader.base();
    let self_url = page_url(base, &resource_type, &search, search.offset);
    let event = reader
        .event("search")
        .patient(Some(&search.patient_id))
        .detail(&self_url);
    let (kind, mut query) = (resource_type.clone(), search.clone());
    let (total, resources, effect) = async {
        let today = state.clock.today();
        let mut conn = state.store.conn().await?;
        let grant = reader.grant(&mut conn, &state, &query.patient_id).await;
        // A proxy refused a part of the record still asked as a proxy.
        let through = grant.as_ref().ok().and_then(access::Grant::relationship);
        let answer = match grant {
            Ok(grant) => grant
                .search(&mut conn, &state.records, what, &kind, &mut query)
                .await
                .map(|effect| (grant, effect)),
            Err(e) => Err(e),
        };
        let found = match answer {
            Ok((_, effect)) if what == What::AccessLog => {
                let (total, events) =
                    audit_events::search(&mut conn, &query, &state.info.organization.name).await?;
                Ok(((total, events.iter().map(raw).collect()), effect))
            }
            Ok((grant, effect)) if what == What::Relationships => {
                let mut all = proxies::fhir::search(
                    &mut conn,
                    &state.records,
                    &state.proxy_rules,
                    &grant,
                    &kind,
                    &query.patient_id,
                    today,
                )
                .await?;
                if kind == "Consent" {
                    all.extend(
                        privacy::routes::visible_consents(
                            &mut conn,
                            &state,
                            &grant,
                            &query.patient_id,
                        )
                        .await?,
                    );
                }
                Ok(((all.len(), all.iter().map(raw).collect()), effect))
            }
            Ok((_, effect)) => Ok((
                state.records.search(&mut conn, &kind, &query).await?,
                effect,
            )),
            Err(e) => Err(e),
        };
        drop(conn);
        match found {
            Ok(((total, resources), effect)) => {
                event
                    .through(through)
                    .set_aside(&effect.set_aside)
                    .record(&mut *state.store.conn().await?)
                    .await?;
                Ok((total, resources, effect))
            }
            Err(e) => {
                event
                    .through(through)
                    .refused(&e)
                    .record(&mut *state.store.conn().await?)
                    .await?;
                Err(e)
            }
        }
    }
    .await?;
    let mut link = vec![json!({"relation": "self", "url": self_url})];
    let next = search.offset + resources.len();
    if next < total {
        link.push(
            json!({"relation": "next", "url": page_url(base, &resource_type, &search, next)}),
        );
    }
    let mut entry: Vec<Entry> = resources
        .into_iter()
        .map(|resource| Entry {
            full_url: Some(entry_url(base, &resource)),
            resource,
            search: Mode { mode: "match" },
        })
        .collect();
    if effect.kept_back {
        entry.push(Entry {
            full_url: None,
            resource: raw(&KEPT_BACK),
            search: Mode { mode: "outcome" },
        });
    }
    Ok(fhir_json(Searchset {
        resource_type: "Bundle",
        kind: "searchset",
        total,
        link,
        entry,
    }))
}

/// A search's answer, around resources written as they were stored: a page of fifty is never
/// parsed into values and written out again.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Searchset {
    resource_type: &'static str,
    #[serde(rename = "type")]
    kind: &'static str,
    total: usize,
    link: Vec<Value>,
    entry: Vec<Entry>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Entry {
    #[serde(skip_serializing_if = "Option::is_none")]
    full_url: Option<String>,
    resource: Box<RawValue>,
    search: Mode,
}

#[derive(Serialize)]
struct Mode {
    mode: &'static str,
}

/// A resource made here (not stored), as text for an answer.
fn raw(resource: &Value) -> Box<RawValue> {
    serde_json::value::to_raw_value(resource).expect("a Value is always JSON")
}

/// A stored resource's `fullUrl`, from its type and id (read without parsing the rest).
fn entry_url(base: &str, resource: &RawValue) -> String {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Named<'a> {
        #[serde(borrow)]
        resource_type: std::borrow::Cow<'a, str>,
        #[serde(borrow)]
        id: std::borrow::Cow<'a, str>,
    }
    let named: Option<Named> = serde_json::from_str(resource.get()).ok();
    let (kind, id) = named
        .as_ref()
        .map_or(("", ""), |n| (&*n.resource_type, &*n.id));
    records::full_url(base, kind, id)
}

pub async fn read(
    State(state): State<AppState>,
    access: Result<RecordAccess, ApiError>,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<Response, FhirError> {
    read_as(state, Reader::User(access?), path).await
}

/// A share's viewer reading one resource of the shared record.
pub async fn shared_read(
    State(state): State<AppState>,
    viewer: Result<ShareViewer, ApiError>,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<Response, FhirError> {
    read_as(state, Reader::Viewer(viewer?), path).await
}

/// A professional at another organisation reading one resource.
pub async fn professional_read(
    State(state): State<AppState>,
    access: Result<ProfessionalAccess, ApiError>,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<Response, FhirError> {
    read_as(state, Reader::Professional(access?), path).await
}

async fn read_as(
    state: AppState,
    reader: Reader,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<Response, FhirError> {
    let Path((resource_type, id)) = path.map_err(malformed)?;
    let what =
        What::of(&reader, &resource_type, false).ok_or_else(|| unsupported(&resource_type))?;
    if !is_valid_id(&id) {
        return Err(ApiError::BadRequest("That is not a FHIR id.".into()).into());
    }
    let what_was_read = format!("{resource_type}/{id}");
    let resource = async {
        let today = state.clock.today();
        let mut conn = state.store.conn().await?;
        let rules = &state.proxy_rules;
        let objection = privacy::consent::objection_id(&id)
            .filter(|_| what == What::Relationships && resource_type == "Consent");
        // Whose it is, looked up first so that access is decided before anything is shown.
        // Another patient's resource is answered exactly like a missing one: its existence
        // is private too.
        let mut record = None;
        let patient_of = match what {
            What::Referenced => None,
            What::Relationships => match objection {
                Some(n) => privacy::objections::by_id(&mut conn, n)
                    .await?
                    .map(|o| o.patient_id),
                None => proxies::fhir::patient_of(&mut conn, &id).await?,
            },
            _ => match state.records.read(&mut conn, &resource_type, &id).await? {
                Some((patient, resource)) => {
                    record = Some(resource);
                    patient
                }
                None => return Err(ApiError::NotFound),
            },
        };
        let mut set_aside = Vec::new();
        let (through, found) = match (what, &patient_of) {
            (What::Referenced, _) => {
                reader.reads_referenced(&resource_type)?;
                (
                    None,
                    state
                        .records
                        .read(&mut conn, &resource_type, &id)
                        .await?
                        .map(|(_, r)| r)
                        .ok_or(ApiError::NotFound),
                )
            }
            (_, None) => (None, Err(ApiError::PatientNotInScope)),
            (_, Some(patient)) => match reader.grant(&mut conn, &state, patient).await {
                Err(e) => (None, Err(e)),
                Ok(grant) => {
                    let found = match grant.permits(&resource_type, 'r') {
                        Err(e) => Err(e),
                        Ok(()) if what == What::Relationships => {
                            let resource = match objection {
                                Some(n) => {
                                    privacy::routes::visible_consent(&mut conn, &state, &grant, n)
                                        .await?
                                }
                                None => {
                                    proxies::fhir::read(
                                        &mut conn,
                                        &state.records,
                                        rules,
                                        &grant,
                                        &resource_type,
                                        &id,
                                        today,
                                    )
                                    .await?
                                }
                            };
                            resource.ok_or_else(|| grant.withheld())
                        }
                        Ok(()) => match record.take() {
                            Some(r) => grant.read(&resource_type, &r).map(|aside| {
                                set_aside = aside;
                                r
                            }),
                            None => Err(grant.withheld()),
                        },
                    };
                    (grant.relationship(), found)
                }
            },
        };
        drop(conn);
        let event = reader
            .event("read")
            .detail(&what_was_read)
            .patient(patient_of.as_deref())
            .through(through)
            .set_aside(&set_aside);
        match found {
            Ok(resource) => {
                event.record(&mut *state.store.conn().await?).await?;
                Ok(resource)
            }
            Err(e) => {
                event
                    .refused(&e)
                    .record(&mut *state.store.conn().await?)
                    .await?;
                Err(refusal_as_said(e))
            }
        }
    }
    .await?;
    Ok(fhir_json(resource))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn next_link_keeps_every_filter() {
        let s = parse_search(&pairs(&[
            ("patient", "Patient/p-1"),
            ("_count", "10"),
            ("date", "ge2020-01"),
            ("category", "http://x|laboratory,vital-signs"),
            ("unknown", "ignored"),
        ]))
        .unwrap();
        assert_eq!(
            page_url("/api/v1/fhir", "Observation", &s, 10),
            "/api/v1/fhir/Observation?patient=p-1&_count=10&_sort=-date&date=ge2020-01&category=laboratory%2Cvital-signs&_offset=10"
        );
    }

    #[test]
    fn refuses_searches_without_patient_or_with_bad_values() {
        assert!(parse_search(&pairs(&[("_count", "5")])).is_err());
        assert!(parse_search(&pairs(&[("patient", "p"), ("_count", "many")])).is_err());
        assert!(parse_search(&pairs(&[("patient", "p"), ("_sort", "name")])).is_err());
        assert_eq!(
            parse_search(&pairs(&[("patient", "p"), ("_count", "9999")]))
                .unwrap()
                .count,
            MAX_COUNT
        );
    }
}
