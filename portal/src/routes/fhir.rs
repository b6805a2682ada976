use super::RecordAccess;
use crate::AppState;
use crate::audit;
use crate::problem::{ApiError, FhirError};
use crate::records::{self, DateFilter, Search};
use crate::users;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

const DEFAULT_COUNT: usize = 50;
const MAX_COUNT: usize = 500;

fn fhir_json(body: Value) -> Response {
    let mut res = body.to_string().into_response();
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
            "_offset" => search.offset = number(name, value)?,
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
    Ok(search)
}

fn encode(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn page_url(resource_type: &str, s: &Search, offset: usize) -> String {
    let mut url = format!(
        "/api/v1/fhir/{resource_type}?patient={}&_count={}&_sort={}",
        encode(&s.patient_id),
        s.count,
        if s.newest_first { "-date" } else { "date" }
    );
    for d in &s.dates {
        url.push_str(&format!("&date={}{}", d.op, encode(&d.value)));
    }
    if !s.categories.is_empty() {
        url.push_str(&format!("&category={}", encode(&s.categories.join(","))));
    }
    if offset > 0 {
        url.push_str(&format!("&_offset={offset}"));
    }
    url
}

pub async fn search(
    State(state): State<AppState>,
    access: Result<RecordAccess, ApiError>,
    Path(resource_type): Path<String>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, FhirError> {
    let access = access?;
    if !records::PATIENT_TYPES.contains(&resource_type.as_str()) {
        return Err(unsupported(&resource_type));
    }
    let search = parse_search(&pairs)?;
    if !users::may_act_for(&state.db, access.user_id, &search.patient_id)? {
        return Err(ApiError::PatientNotInScope.into());
    }
    let (total, resources) = records::search(&state.db, &resource_type, &search)?;
    let self_url = page_url(&resource_type, &search, search.offset);
    audit::record(
        &state.db,
        Some(access.user_id),
        Some(&search.patient_id),
        "search",
        &self_url,
    )?;
    let mut links = vec![json!({"relation": "self", "url": self_url})];
    let next = search.offset + resources.len();
    if next < total {
        links.push(json!({"relation": "next", "url": page_url(&resource_type, &search, next)}));
    }
    let entries: Vec<Value> = resources
        .into_iter()
        .map(|r| {
            json!({
                "fullUrl": format!("/api/v1/fhir/{}/{}", resource_type, r["id"].as_str().unwrap_or_default()),
                "resource": r,
                "search": {"mode": "match"},
            })
        })
        .collect();
    Ok(fhir_json(json!({
        "resourceType": "Bundle",
        "type": "searchset",
        "total": total,
        "link": links,
        "entry": entries,
    })))
}

pub async fn read(
    State(state): State<AppState>,
    access: Result<RecordAccess, ApiError>,
    Path((resource_type, id)): Path<(String, String)>,
) -> Result<Response, FhirError> {
    let access = access?;
    if !records::is_supported(&resource_type) {
        return Err(unsupported(&resource_type));
    }
    let (patient_id, resource) =
        records::read(&state.db, &resource_type, &id)?.ok_or(ApiError::NotFound)?;
    // Another patient's resource is answered exactly like a missing one: its existence is private too.
    if records::PATIENT_TYPES.contains(&resource_type.as_str()) {
        let in_scope = match &patient_id {
            Some(p) => users::may_act_for(&state.db, access.user_id, p)?,
            None => false,
        };
        if !in_scope {
            return Err(ApiError::NotFound.into());
        }
    }
    audit::record(
        &state.db,
        Some(access.user_id),
        patient_id.as_deref(),
        "read",
        &format!("{resource_type}/{id}"),
    )?;
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
            ("patient", "Patient/p 1"),
            ("_count", "10"),
            ("date", "ge2020-01"),
            ("category", "http://x|laboratory,vital-signs"),
            ("unknown", "ignored"),
        ]))
        .unwrap();
        assert_eq!(
            page_url("Observation", &s, 10),
            "/api/v1/fhir/Observation?patient=p%201&_count=10&_sort=-date&date=ge2020-01&category=laboratory%2Cvital-signs&_offset=10"
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
