//! Patients' messages for the hospital's own messaging system, through the professional API
//! (SMART Backend Services): `GET /professional/fhir/Communication` finds messages (those not
//! yet read first of all), a read of one marks the patient's messages in its conversation
//! received, and `POST` a Communication `inResponseTo` one of them replies as the member of staff
//! the token's IUA claims name (one without starts a conversation with a patient). Only a system registered with `--messages` is granted
//! `system/Communication` scopes; every read and reply is audited and in the patient's log.

use super::attachments::as_download;
use super::fhir::{Files, TOPIC, TYPE, communication};
use super::routes::clean;
use super::store::{self, Attachment, Conversation, Message};
use crate::AppState;
use crate::infra::error::{ApiError, FhirError};
use crate::infra::time;
use crate::professional::{FHIR_BASE, ProfessionalAccess};
use crate::records::is_valid_id;
use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::collections::HashMap;

/// Where the hospital's system downloads a file on a patient's message.
pub const FILES_AT: &str = "/professional/messages/attachments";

/// A search's page: the oldest first, so a system works through them in order.
const PAGE: i64 = 100;
const MAX_PAGE: i64 = 500;

fn fhir(status: StatusCode, body: Value) -> Response {
    let mut res = (status, body.to_string()).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/fhir+json"),
    );
    res
}

fn bad(text: &str) -> FhirError {
    ApiError::BadRequest(text.into()).into()
}

/// The hospital writes only where someone will read it.
fn no_readers() -> FhirError {
    bad(
        "No one reads messages for this patient here: they have no account, and no one acts for them.",
    )
}

/// Each message as its Communication, with the one before it in its conversation.
async fn as_communications(
    state: &AppState,
    conn: &mut crate::infra::store::Conn,
    found: &[(Conversation, Message)],
) -> Result<Vec<Value>, ApiError> {
    let mut threads: HashMap<i64, (Vec<Message>, Vec<Attachment>)> = HashMap::new();
    let mut out = Vec::with_capacity(found.len());
    for (c, m) in found {
        if let std::collections::hash_map::Entry::Vacant(e) = threads.entry(c.id) {
            let messages = store::messages(conn, c.id).await?;
            e.insert((messages, store::conversation_attachments(conn, c.id).await?));
        }
        let (thread, list) = &threads[&c.id];
        let previous = thread
            .iter()
            .position(|t| t.id == m.id)
            .and_then(|i| i.checked_sub(1))
            .map(|i| &thread[i]);
        let files = Files { list, at: FILES_AT };
        out.push(communication(c, m, previous, &state.info.messages, files));
    }
    Ok(out)
}

/// `patient`, `sent` (with `gt`, `ge`, `lt`, `le`), `received:missing` and `_count`.
pub async fn search(
    State(state): State<AppState>,
    access: Result<ProfessionalAccess, ApiError>,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Response, FhirError> {
    let access = access?;
    if !access.scope.permits(TYPE, 's') {
        return Err(ApiError::ScopeNotGranted.into());
    }
    let Query(pairs) = query.map_err(|_| bad("The search is not right."))?;
    let mut find = store::Find {
        patient: None,
        from: i64::MIN,
        to: i64::MAX,
        received: None,
        limit: PAGE,
    };
    for (name, value) in &pairs {
        match name.as_str() {
            "patient" => {
                let id = value.strip_prefix("Patient/").unwrap_or(value);
                if !is_valid_id(id) {
                    return Err(bad("patient must be a Patient id."));
                }
                find.patient = Some(id.to_string());
            }
            "sent" => {
                let (prefix, at) = value.split_at(value.len().min(2));
                let at = time::parse_instant(at)
                    .ok_or_else(|| bad("sent is a prefix (gt, ge, lt, le) and an instant."))?;
                match prefix {
                    "gt" => find.from = find.from.max(at + 1),
                    "ge" => find.from = find.from.max(at),
                    "lt" => find.to = find.to.min(at - 1),
                    "le" => find.to = find.to.min(at),
                    _ => return Err(bad("sent is a prefix (gt, ge, lt, le) and an instant.")),
                }
            }
            "received:missing" => {
                find.received = Some(match value.as_str() {
                    "true" => false,
                    "false" => true,
                    _ => return Err(bad("received:missing is true or false.")),
                })
            }
            "_count" => {
                find.limit = value
                    .parse()
                    .ok()
                    .filter(|n| (1..=MAX_PAGE).contains(n))
                    .ok_or_else(|| bad("_count is 1 to 500."))?;
            }
            "_format" => {}
            other => return Err(bad(&format!("{other} is not a search parameter here."))),
        }
    }
    let mut conn = state.store.conn().await?;
    let found = store::find(&mut conn, &find).await?;
    let entries: Vec<Value> = as_communications(&state, &mut conn, &found)
        .await?
        .into_iter()
        .map(|c| {
            json!({
                "fullUrl": crate::records::full_url(FHIR_BASE, TYPE, c["id"].as_str().unwrap_or_default()),
                "resource": c,
                "search": {"mode": "match"},
            })
        })
        .collect();
    // One search, whose patients are each told it happened.
    let mut patients: Vec<&str> = found.iter().map(|(c, _)| c.patient_id.as_str()).collect();
    patients.sort_unstable();
    patients.dedup();
    for patient in patients {
        access
            .event("messages-listed")
            .patient(Some(patient))
            .record(&mut conn)
            .await?;
    }
    Ok(fhir(
        StatusCode::OK,
        json!({
            "resourceType": "Bundle",
            "type": "searchset",
            "total": entries.len(),
            "link": [{"relation": "self", "url": format!("{FHIR_BASE}/{TYPE}")}],
            "entry": entries,
        }),
    ))
}

/// One message; reading it is the hospital reading the patient's messages in its conversation.
pub async fn read(
    State(state): State<AppState>,
    access: Result<ProfessionalAccess, ApiError>,
    Path(id): Path<String>,
) -> Result<Response, FhirError> {
    let access = access?;
    if !access.scope.permits(TYPE, 'r') {
        return Err(ApiError::ScopeNotGranted.into());
    }
    let mut conn = state.store.conn().await?;
    let (c, m) = store::message_by_fhir_id(&mut conn, &id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let now = state.clock.now();
    store::mark_received(&mut conn, c.id, now).await?;
    access
        .event("messages-read")
        .patient(Some(&c.patient_id))
        .detail(&format!("conversation {}", c.id))
        .record(&mut conn)
        .await?;
    let m = store::message_by_fhir_id(&mut conn, &m.fhir_id)
        .await?
        .map_or(m, |(_, m)| m);
    let body = as_communications(&state, &mut conn, &[(c, m)]).await?;
    Ok(fhir(
        StatusCode::OK,
        body.into_iter().next().unwrap_or_default(),
    ))
}

/// A file on a message, as a download: reading it is reading the conversation.
pub async fn file(
    State(state): State<AppState>,
    access: Result<ProfessionalAccess, ApiError>,
    Path(id): Path<String>,
) -> Result<Response, FhirError> {
    let access = access?;
    if !access.scope.permits(TYPE, 'r') {
        return Err(ApiError::ScopeNotGranted.into());
    }
    let mut conn = state.store.conn().await?;
    let a = store::attachment_by_id(&mut conn, &id)
        .await?
        .filter(|a| a.message_id.is_some())
        .ok_or(ApiError::NotFound)?;
    let data = store::attachment_data(&mut conn, &id)
        .await?
        .ok_or(ApiError::NotFound)?;
    access
        .event("message-file-downloaded")
        .patient(Some(&a.patient_id))
        .detail(&a.name)
        .record(&mut conn)
        .await?;
    Ok(as_download(&a, data))
}

/// A message from the hospital, its words in `payload[].contentString`, written by the member of
/// staff the token names: a Communication `inResponseTo` a patient's message replies in its
/// conversation; one without starts a conversation with the patient its `subject` names, on the
/// hospital's topic its `topic` codes, with `topic.text` as the subject line.
pub async fn create(
    State(state): State<AppState>,
    access: Result<ProfessionalAccess, ApiError>,
    body: Result<Json<Value>, JsonRejection>,
) -> Result<Response, FhirError> {
    let access = access?;
    if !access.scope.permits(TYPE, 'c') {
        return Err(ApiError::ScopeNotGranted.into());
    }
    let Json(sent) = body.map_err(|_| bad("The body must be a FHIR Communication in JSON."))?;
    if sent["resourceType"] != TYPE {
        return Err(bad("The body must be a Communication."));
    }
    let text: String = sent["payload"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p["contentString"].as_str())
        .collect::<Vec<_>>()
        .join("\n");
    let text = clean(&text);
    let max = state.info.messages.max_length;
    if text.is_empty() || text.chars().count() > max {
        return Err(bad(&format!(
            "payload[0].contentString must hold the message, 1 to {max} characters."
        )));
    }
    let role = access.subject.role.display.trim().to_string();
    if role.is_empty() {
        return Err(bad(
            "The token must name the writer's role (IUA subject_role).",
        ));
    }
    let name = access.subject.name.as_str();
    let now = state.clock.now();
    let mut tx = state.store.begin().await?;
    let target = match sent["inResponseTo"][0]["reference"].as_str() {
        Some(reference) => {
            let answers = reference.strip_prefix("Communication/").ok_or_else(|| {
                bad("inResponseTo must name the patient's message: Communication/{id}.")
            })?;
            let (c, _) = store::message_by_fhir_id(&mut tx, answers)
                .await?
                .ok_or_else(|| bad("inResponseTo names no message here."))?;
            if c.closed_at.is_some() {
                return Err(ApiError::Conflict("The conversation is closed.".into()).into());
            }
            Target::Reply(c)
        }
        None => {
            let starting = new_conversation(&state, &sent)?;
            if !super::has_readers(&mut tx, &starting.patient).await? {
                return Err(no_readers());
            }
            Target::Start(starting)
        }
    };
    let patient = match &target {
        Target::Reply(c) => c.patient_id.clone(),
        Target::Start(s) => s.patient.clone(),
    };
    let files = files_sent(&mut tx, &state, &sent, &patient).await?;
    let (c, message) = match target {
        Target::Reply(c) => {
            let message = super::staff_reply(&mut tx, &c, name, &role, &text, now).await?;
            (c, message)
        }
        Target::Start(starting) => {
            let new = store::NewConversation {
                patient_id: &starting.patient,
                topic: &starting.topic,
                subject: &starting.subject,
                about: None,
            };
            let (id, message) = super::staff_start(&mut tx, &new, name, &role, &text, now).await?;
            let c = store::conversation_by_id(&mut tx, id)
                .await?
                .ok_or(ApiError::NotFound)?;
            (c, message)
        }
    };
    for (id, title) in &files {
        store::attach_sent_file(&mut tx, id, message.id, title).await?;
    }
    access
        .event("message-sent")
        .patient(Some(&c.patient_id))
        .detail(&format!("conversation {}", c.id))
        .record(&mut tx)
        .await?;
    tx.commit().await?;
    let mut conn = state.store.conn().await?;
    let body = as_communications(&state, &mut conn, &[(c, message)]).await?;
    let body = body.into_iter().next().unwrap_or_default();
    let mut res = fhir(StatusCode::CREATED, body.clone());
    if let Ok(location) = HeaderValue::from_str(&crate::records::full_url(
        FHIR_BASE,
        TYPE,
        body["id"].as_str().unwrap_or_default(),
    )) {
        res.headers_mut().insert(header::LOCATION, location);
    }
    Ok(res)
}

/// Where a message from the hospital goes: a reply in a conversation, or a new one.
enum Target {
    Reply(Conversation),
    Start(Starting),
}

/// The files a message from the hospital carries: each `payload[].contentAttachment` names,
/// by `url`, a Binary the hospital's system gave this patient and no message has yet, with
/// `title` its name. Their ids, and the names they will have.
async fn files_sent(
    conn: &mut crate::infra::store::Conn,
    state: &AppState,
    sent: &Value,
    patient: &str,
) -> Result<Vec<(String, String)>, FhirError> {
    let mut files = Vec::new();
    for attached in sent["payload"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| &p["contentAttachment"])
        .filter(|a| a.is_object())
    {
        let id = attached["url"]
            .as_str()
            .and_then(|u| u.rsplit_once("Binary/").map(|(_, id)| id))
            .unwrap_or_default();
        let free = store::attachment_by_id(conn, id)
            .await?
            .filter(|a| a.user_id.is_none() && a.message_id.is_none() && a.patient_id == patient);
        if free.is_none() {
            return Err(bad(
                "Each contentAttachment.url must be a Binary/{id} made for this patient and not yet sent.",
            ));
        }
        let title = attached["title"].as_str().unwrap_or("file");
        files.push((id.to_string(), super::attachments::file_name(title)));
    }
    let most = state.info.messages.attachments.max_files;
    if files.len() > most {
        return Err(bad(&format!("A message can carry {most} files.")));
    }
    Ok(files)
}

/// A file for a message the hospital will send (`POST /professional/fhir/Binary`): the body is
/// the file, `X-Security-Context` the Patient it is for, as FHIR's Binary says. It goes with the
/// message that names it (`payload[].contentAttachment.url`); one never sent is thrown away a
/// day later.
pub async fn add_binary(
    State(state): State<AppState>,
    access: Result<ProfessionalAccess, ApiError>,
    headers: axum::http::HeaderMap,
    body: axum::body::Body,
) -> Result<Response, FhirError> {
    let access = access?;
    if !access.scope.permits(TYPE, 'c') {
        return Err(ApiError::ScopeNotGranted.into());
    }
    let patient = headers
        .get("x-security-context")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Patient/"))
        .filter(|id| is_valid_id(id))
        .ok_or_else(|| bad("X-Security-Context must name the patient: Patient/{id}."))?
        .to_string();
    let rules = &state.info.messages.attachments;
    let (bytes, kind) = super::attachments::read_file(&headers, body, rules).await?;
    let mut conn = state.store.conn().await?;
    if !super::has_readers(&mut conn, &patient).await? {
        return Err(no_readers());
    }
    let added = store::add_attachment(
        &mut conn,
        &store::NewAttachment {
            patient_id: &patient,
            user_id: None,
            place: None,
            message_id: None,
            name: "file",
            content_type: kind,
            data: &bytes,
        },
        state.clock.now(),
    )
    .await?;
    let mut res = fhir(
        StatusCode::CREATED,
        json!({
            "resourceType": "Binary",
            "id": added.id,
            "contentType": kind,
            "securityContext": {"reference": format!("Patient/{patient}")},
        }),
    );
    if let Ok(location) = HeaderValue::from_str(&format!("{FHIR_BASE}/Binary/{}", added.id)) {
        res.headers_mut().insert(header::LOCATION, location);
    }
    Ok(res)
}

/// The conversation a Communication without `inResponseTo` starts: its patient, topic and
/// subject line.
struct Starting {
    patient: String,
    topic: String,
    subject: String,
}

fn new_conversation(state: &AppState, sent: &Value) -> Result<Starting, FhirError> {
    let patient_id = sent["subject"]["reference"]
        .as_str()
        .and_then(|r| r.strip_prefix("Patient/"))
        .filter(|id| is_valid_id(id))
        .ok_or_else(|| {
            bad("A new conversation names its patient in subject (Patient/{id}); a reply names the message it answers in inResponseTo.")
        })?;
    let settings = &state.info.messages;
    let topic = sent["topic"]["coding"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| c["system"] == TOPIC)
        .find_map(|c| settings.topic(c["code"].as_str()?))
        .ok_or_else(|| {
            let topics: Vec<&str> = settings.topics.iter().map(|t| t.id.as_str()).collect();
            bad(&format!(
                "topic must code one of the hospital's topics in {TOPIC}: {}.",
                topics.join(", ")
            ))
        })?;
    let subject = super::routes::subject_line(sent["topic"]["text"].as_str().unwrap_or_default())
        .map_err(|_| {
        bad("topic.text must be the subject line: one line, 1 to 120 characters.")
    })?;
    Ok(Starting {
        patient: patient_id.to_string(),
        topic: topic.id.clone(),
        subject,
    })
}
