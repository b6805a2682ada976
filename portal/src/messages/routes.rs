//! `/messages`: a patient's conversations with their care team (or those someone acting for
//! them may see), asking a question, replying, what is unread, and drafts kept as they are typed.

use super::attachments::attachment_json;
use super::fhir::{Files, communication};
use super::settings::MessagesInfo;
use super::store::{self, Author, Conversation, Draft, Inbox, InboxLine, Message, NewConversation};
use crate::AppState;
use crate::access::{self, Conversations, Grant, RecordAccess};
use crate::accounts;
use crate::infra::error::ApiError;
use crate::infra::http::Body;
use crate::infra::store::Conn;
use crate::infra::time;
use crate::proxies::store as relationships;
use crate::records;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

/// Where the app downloads a file on a message.
const FILES_AT: &str = "/api/v1/messages/attachments";

/// A subject line: enough to find the conversation again in a list.
const MAX_SUBJECT: usize = 120;
/// How much of the newest message an inbox line shows.
const PREVIEW: usize = 100;
/// A draft may run past the limit on sending (a paste, say): it is kept, and the limit is said
/// as they type; this only bounds what a draft can hold.
const MAX_DRAFT_FACTOR: usize = 2;

fn bad(text: &str) -> ApiError {
    ApiError::BadRequest(text.into())
}

/// The reader's footing on this patient's record and which conversations it lets them see; a
/// footing that gives none is refused as the record is.
async fn footing(
    conn: &mut Conn,
    state: &AppState,
    access: &RecordAccess,
    patient: &str,
) -> Result<(Grant, Conversations), ApiError> {
    let grant = access::proxy::grant(conn, state, access.session.user_id, patient).await?;
    match grant.conversations(access.session.user_id) {
        Conversations::None => Err(ApiError::PatientNotInScope),
        seen => Ok((grant, seen)),
    }
}

/// Text as the portal keeps it: line breaks as `\n`, no other control characters, no space at
/// either end. Anything else (markup included) is kept as typed and always shown as text.
pub fn clean(text: &str) -> String {
    text.replace("\r\n", "\n")
        .chars()
        .filter(|c| *c == '\n' || *c == '\t' || !c.is_control())
        .collect::<String>()
        .trim()
        .to_string()
}

/// Who wrote a message, for an inbox line.
fn from_json(m: &Message, user: i64) -> Value {
    if m.from_hospital() {
        json!({"kind": "staff", "name": m.staff_name, "role": m.staff_role})
    } else if m.author_user == Some(user) {
        json!({"kind": "you", "name": m.author_name})
    } else if m.proxy_relationship.is_some() {
        json!({"kind": "proxy", "name": m.author_name})
    } else {
        json!({"kind": "patient", "name": m.author_name})
    }
}

fn line_json(line: &InboxLine, settings: &MessagesInfo, user: i64) -> Value {
    let c = &line.conversation;
    let mut preview: String = line.last.body.chars().take(PREVIEW).collect();
    if line.last.body.chars().nth(PREVIEW).is_some() {
        preview.push('…');
    }
    json!({
        "id": c.id,
        "subject": c.subject,
        "topic": c.topic,
        "topicName": settings.topic(&c.topic).map(|t| t.name.clone()),
        "about": c.about,
        "startedAt": time::rfc3339(c.started_at),
        "lastAt": time::rfc3339(c.last_at),
        "closed": c.closed_at.is_some(),
        "messages": line.count,
        "unread": line.unread,
        "last": {
            "from": from_json(&line.last, user),
            "sentAt": time::rfc3339(line.last.sent_at),
            "preview": preview,
        },
    })
}

#[derive(Deserialize)]
pub struct Whose {
    pub patient: String,
}

/// A patient's conversations the reader may see, newest first.
pub async fn inbox(
    State(state): State<AppState>,
    access: RecordAccess,
    Query(page): Query<InboxPage>,
) -> Result<Json<Value>, ApiError> {
    let count = page.count.unwrap_or(PAGE);
    if !(1..=MAX_PAGE).contains(&count) || page.offset < 0 {
        return Err(bad(&format!(
            "_count must be 1 to {MAX_PAGE}, and _offset 0 or more."
        )));
    }
    let patient = page.patient;
    let mut conn = state.store.conn().await?;
    let user = access.session.user_id;
    let (grant, seen) = footing(&mut conn, &state, &access, &patient).await?;
    let inbox = Inbox {
        patient_id: &patient,
        only_started_by: seen.only_started_by(),
        reader: user,
    };
    let lines = store::inbox(&mut conn, &inbox, count, page.offset).await?;
    let (total, unread) = store::inbox_totals(&mut conn, &inbox).await?;
    access
        .event("messages-listed")
        .patient(Some(&patient))
        .through(grant.relationship())
        .record(&mut conn)
        .await?;
    let settings = &state.info.messages;
    Ok(Json(json!({
        "conversations": lines
            .iter()
            .map(|l| line_json(l, settings, user))
            .collect::<Vec<_>>(),
        "total": total,
        "unread": unread,
        "onlyYours": seen != Conversations::All,
    })))
}

/// A page of an inbox: newest first, 50 unless asked (1 to 200), after `_offset`.
#[derive(Deserialize)]
pub struct InboxPage {
    patient: String,
    #[serde(rename = "_count")]
    count: Option<i64>,
    #[serde(rename = "_offset", default)]
    offset: i64,
}

const PAGE: i64 = 50;
const MAX_PAGE: i64 = 200;

#[derive(Deserialize)]
pub struct Asking {
    patient: String,
    /// A record item the question will be about, to be named.
    about: Option<String>,
}

/// What asking a question offers: the hospital's topics, when a reply can be expected if sent
/// now, the limits, and the name of the record item it will be about.
pub async fn options(
    State(state): State<AppState>,
    access: RecordAccess,
    Query(Asking { patient, about }): Query<Asking>,
) -> Result<Json<Value>, ApiError> {
    let mut conn = state.store.conn().await?;
    let (grant, _) = footing(&mut conn, &state, &access, &patient).await?;
    let mut options = options_json(&state);
    options["aboutName"] =
        json!(about_name(&mut conn, &state, &grant, &patient, about.as_deref()).await?);
    Ok(Json(options))
}

fn options_json(state: &AppState) -> Value {
    let settings = &state.info.messages;
    let today = time::local_day(state.clock.now(), &state.info.time_zone);
    let (y, m, d) = time::civil_from_days(settings.reply_by(today));
    json!({
        "topics": settings.topics,
        "replyBy": format!("{y:04}-{m:02}-{d:02}"),
        "maxLength": settings.max_length,
        "maxSubject": MAX_SUBJECT,
        "perHour": settings.per_hour,
        "attachments": {
            "maxBytes": settings.attachments.max_bytes,
            "maxFiles": settings.attachments.max_files,
            "types": settings.attachments.types,
        },
    })
}

/// Unread replies in every record the user may read messages of.
pub async fn unread(
    State(state): State<AppState>,
    access: RecordAccess,
) -> Result<Json<Value>, ApiError> {
    let mut conn = state.store.conn().await?;
    let user = access.session.user_id;
    let mut patients = accounts::own_records(&mut conn, user).await?;
    for r in relationships::of_proxy(&mut conn, user).await? {
        if !patients.contains(&r.patient_id) {
            patients.push(r.patient_id);
        }
    }
    let mut records = Vec::new();
    let mut total = 0;
    for patient in patients {
        let Ok((_, seen)) = footing(&mut conn, &state, &access, &patient).await else {
            continue;
        };
        let inbox = Inbox {
            patient_id: &patient,
            only_started_by: seen.only_started_by(),
            reader: user,
        };
        let (_, unread) = store::inbox_totals(&mut conn, &inbox).await?;
        total += unread;
        records.push(json!({"patient": patient, "unread": unread}));
    }
    Ok(Json(json!({"unread": total, "records": records})))
}

/// A conversation and its messages as Communications, oldest first; the replies in it are now
/// read by this user.
pub async fn conversation(
    State(state): State<AppState>,
    access: RecordAccess,
    Path(id): Path<i64>,
) -> Result<Json<Value>, ApiError> {
    let mut conn = state.store.conn().await?;
    let user = access.session.user_id;
    let (c, grant, seen) = visible_conversation(&mut conn, &state, &access, id).await?;
    let messages = store::messages(&mut conn, id).await?;
    let about = about_name(&mut conn, &state, &grant, &c.patient_id, c.about.as_deref()).await?;
    store::mark_read(&mut conn, id, user, state.clock.now()).await?;
    access
        .event("messages-read")
        .patient(Some(&c.patient_id))
        .through(grant.relationship())
        .detail(&format!("conversation {id}"))
        .record(&mut conn)
        .await?;
    let settings = &state.info.messages;
    let list = store::conversation_attachments(&mut conn, id).await?;
    let files = Files {
        list: &list,
        at: FILES_AT,
    };
    let communications: Vec<Value> = messages
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let previous = i.checked_sub(1).map(|p| &messages[p]);
            communication(&c, m, previous, settings, files)
        })
        .collect();
    let yours: Vec<&str> = messages
        .iter()
        .filter(|m| m.author_user == Some(user))
        .map(|m| m.fhir_id.as_str())
        .collect();
    let line = InboxLine {
        count: messages.len() as i64,
        unread: 0,
        last: messages.last().cloned().ok_or(ApiError::NotFound)?,
        conversation: c,
    };
    Ok(Json(json!({
        "conversation": line_json(&line, settings, user),
        "communications": communications,
        "yours": yours,
        "aboutName": about,
        "onlyYours": seen != Conversations::All,
    })))
}

/// The conversation, if this user may see it; anything else is answered as missing.
pub(super) async fn visible_conversation(
    conn: &mut Conn,
    state: &AppState,
    access: &RecordAccess,
    id: i64,
) -> Result<(Conversation, Grant, Conversations), ApiError> {
    let c = store::conversation_by_id(conn, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    visible(conn, state, access, c).await
}

/// A conversation already read, if this user may see it; anything else is answered as missing.
pub(super) async fn visible(
    conn: &mut Conn,
    state: &AppState,
    access: &RecordAccess,
    c: Conversation,
) -> Result<(Conversation, Grant, Conversations), ApiError> {
    let (grant, seen) = footing(conn, state, access, &c.patient_id)
        .await
        .map_err(access::refusal_as_said)?;
    if !seen.include(c.started_by) {
        return Err(ApiError::NotFound);
    }
    Ok((c, grant, seen))
}

/// A subject line as it will be kept (one line), or why it cannot be.
pub fn subject_line(text: &str) -> Result<String, String> {
    let subject = clean(text).replace(['\n', '\t'], " ");
    if subject.is_empty() {
        return Err("Give your message a subject.".into());
    }
    if subject.chars().count() > MAX_SUBJECT {
        return Err(format!("Keep the subject to {MAX_SUBJECT} characters."));
    }
    Ok(subject)
}

/// The message as it will be kept, or why it cannot be sent.
fn body(text: &str, settings: &MessagesInfo) -> Result<String, ApiError> {
    let body = clean(text);
    if body.is_empty() {
        return Err(bad("Write your message."));
    }
    let length = body.chars().count();
    if length > settings.max_length {
        return Err(bad(&format!(
            "Your message is {length} characters long. Make it {} characters or fewer: take out {} characters.",
            settings.max_length,
            length - settings.max_length
        )));
    }
    Ok(body)
}

/// Refuses a message past the hourly limit, saying when the next one can be sent.
async fn within_hourly_limit(
    conn: &mut Conn,
    state: &AppState,
    user: i64,
    now: i64,
) -> Result<(), ApiError> {
    let per_hour = state.info.messages.per_hour;
    let sent = store::sent_since(conn, user, now - 3600).await?;
    if sent.len() < per_hour as usize {
        return Ok(());
    }
    // The next may go once the oldest of the last hour's is an hour old.
    let next = sent[sent.len() - per_hour as usize] + 3600;
    let at = time::in_words(next, &state.info.time_zone, now);
    Err(ApiError::TooManyMessages {
        words: format!(
            "You have sent {per_hour} messages in the last hour, which is as many as the portal takes. You can send another at {at}. Your message is still here. If you need help now, call {} ({}).",
            state.info.help_desk.phone, state.info.help_desk.hours
        ),
        retry_after: (next - now).max(1),
    })
}

#[derive(Deserialize)]
pub struct NewMessage {
    patient: String,
    topic: String,
    subject: String,
    body: String,
    /// A record item the question is about: `Observation/abc`.
    #[serde(default)]
    about: Option<String>,
}

/// A record item a message is about (`Observation/abc`), if it is a record type and a valid id
/// this reader may read in this patient's record: its reference as kept, and the resource.
async fn record_item(
    conn: &mut Conn,
    state: &AppState,
    grant: &Grant,
    patient: &str,
    about: &str,
) -> Result<Option<(String, Value)>, ApiError> {
    let Some((resource_type, id)) = about.trim().split_once('/') else {
        return Ok(None);
    };
    if !records::PATIENT_TYPES.contains(&resource_type) || !records::is_valid_id(id) {
        return Ok(None);
    }
    Ok(match state.records.read(conn, resource_type, id).await? {
        Some((Some(owner), resource))
            if owner == patient && grant.allows(resource_type, &resource) =>
        {
            Some((format!("{resource_type}/{id}"), resource))
        }
        _ => None,
    })
}

/// Checks the record item a message to be sent is about.
async fn about(
    conn: &mut Conn,
    state: &AppState,
    grant: &Grant,
    patient: &str,
    about: Option<&str>,
) -> Result<Option<String>, ApiError> {
    let Some(about) = about.filter(|a| !a.trim().is_empty()) else {
        return Ok(None);
    };
    match record_item(conn, state, grant, patient, about).await? {
        Some((reference, _)) => Ok(Some(reference)),
        None => Err(bad(
            "The record item this message is about could not be found.",
        )),
    }
}

/// What the record item a message is about is called, for a reader who may still see it.
async fn about_name(
    conn: &mut Conn,
    state: &AppState,
    grant: &Grant,
    patient: &str,
    about: Option<&str>,
) -> Result<Option<String>, ApiError> {
    let Some(about) = about else {
        return Ok(None);
    };
    Ok(record_item(conn, state, grant, patient, about)
        .await?
        .and_then(|(reference, resource)| {
            let (resource_type, _) = reference.split_once('/')?;
            records::item_name(resource_type, &resource).map(str::to_string)
        }))
}

/// Asks a question: a new conversation with its first message. The draft it came from goes.
pub async fn start(
    State(state): State<AppState>,
    access: RecordAccess,
    Body(new): Body<NewMessage>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let settings = &state.info.messages;
    let topic = settings
        .topic(&new.topic)
        .ok_or_else(|| bad("Choose what your message is about."))?;
    let subject = subject_line(&new.subject).map_err(|why| bad(&why))?;
    let text = body(&new.body, settings)?;
    let user = access.session.user_id;
    let now = state.clock.now();
    let mut tx = state.store.begin().await?;
    let (grant, _) = footing(&mut tx, &state, &access, &new.patient).await?;
    let about = about(&mut tx, &state, &grant, &new.patient, new.about.as_deref()).await?;
    within_hourly_limit(&mut tx, &state, user, now).await?;
    let author = Author::User {
        id: user,
        relationship: grant.relationship(),
    };
    let (_, message) = store::start(
        &mut tx,
        &NewConversation {
            patient_id: &new.patient,
            topic: &topic.id,
            subject: &subject,
            about: about.as_deref(),
        },
        &author,
        &text,
        now,
    )
    .await?;
    finish_sending(tx, &state, &access, &grant, (&new.patient, &message), "new").await
}

/// After a message is written: its draft goes, the sending is audited, and all of it stands
/// together; the answer says when a reply is due.
async fn finish_sending(
    mut tx: sqlx::Transaction<'static, sqlx::Any>,
    state: &AppState,
    access: &RecordAccess,
    grant: &Grant,
    (patient, message): (&str, &Message),
    place: &str,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let (user, conversation) = (access.session.user_id, message.conversation_id);
    store::send_draft_attachments(&mut tx, user, patient, place, message.id).await?;
    store::drop_draft(&mut tx, user, patient, place).await?;
    access
        .event("message-sent")
        .patient(Some(patient))
        .through(grant.relationship())
        .detail(&format!("conversation {conversation}"))
        .record(&mut tx)
        .await?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"id": conversation, "replyBy": options_json(state)["replyBy"]})),
    ))
}

#[derive(Deserialize)]
pub struct Reply {
    body: String,
}

/// Adds a message to a conversation that is still open.
pub async fn reply(
    State(state): State<AppState>,
    access: RecordAccess,
    Path(id): Path<i64>,
    Body(reply): Body<Reply>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let text = body(&reply.body, &state.info.messages)?;
    let user = access.session.user_id;
    let now = state.clock.now();
    let mut tx = state.store.begin().await?;
    let (c, grant, _) = visible_conversation(&mut tx, &state, &access, id).await?;
    if c.closed_at.is_some() {
        return Err(ApiError::Conflict(
            "This conversation has been closed by the hospital, so it cannot take a reply. Your message is still here: copy it into a new message if you still need to ask.".into(),
        ));
    }
    within_hourly_limit(&mut tx, &state, user, now).await?;
    let author = Author::User {
        id: user,
        relationship: grant.relationship(),
    };
    let message = store::add(&mut tx, id, &author, &text, now).await?;
    finish_sending(
        tx,
        &state,
        &access,
        &grant,
        (&c.patient_id, &message),
        &id.to_string(),
    )
    .await
}

/// Where a draft belongs: a new message (`new`), or a reply in a conversation this user sees.
pub(super) async fn draft_place(
    conn: &mut Conn,
    state: &AppState,
    access: &RecordAccess,
    patient: &str,
    place: &str,
) -> Result<(), ApiError> {
    footing(conn, state, access, patient).await?;
    if place == "new" {
        return Ok(());
    }
    let id: i64 = place.parse().map_err(|_| ApiError::NotFound)?;
    let (c, _, _) = visible_conversation(conn, state, access, id).await?;
    if c.patient_id != patient {
        return Err(ApiError::NotFound);
    }
    Ok(())
}

fn draft_json(d: &Draft, files: &[store::Attachment]) -> Value {
    json!({
        "topic": d.topic,
        "subject": d.subject,
        "about": d.about,
        "body": d.body,
        "updatedAt": time::rfc3339(d.updated_at),
        "attachments": files.iter().map(attachment_json).collect::<Vec<_>>(),
    })
}

/// The draft kept for this place, if there is one.
pub async fn draft(
    State(state): State<AppState>,
    access: RecordAccess,
    Path(place): Path<String>,
    Query(Whose { patient }): Query<Whose>,
) -> Result<Json<Value>, ApiError> {
    let mut conn = state.store.conn().await?;
    draft_place(&mut conn, &state, &access, &patient, &place).await?;
    let user = access.session.user_id;
    let draft = store::draft(&mut conn, user, &patient, &place).await?;
    let files = store::draft_attachments(&mut conn, user, &patient, &place).await?;
    // Files added before anything was typed make a draft too.
    let draft = match (draft, files.is_empty()) {
        (None, false) => Some(Draft::default()),
        (draft, _) => draft,
    };
    Ok(Json(
        json!({"draft": draft.as_ref().map(|d| draft_json(d, &files))}),
    ))
}

#[derive(Deserialize)]
pub struct DraftRequest {
    patient: String,
    #[serde(default)]
    topic: String,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    about: Option<String>,
    #[serde(default)]
    body: String,
}

/// Keeps what is being typed. Kept as typed (the checks come on sending), within a bound.
pub async fn keep_draft(
    State(state): State<AppState>,
    access: RecordAccess,
    Path(place): Path<String>,
    Body(d): Body<DraftRequest>,
) -> Result<Json<Value>, ApiError> {
    let settings = &state.info.messages;
    if d.body.chars().count() > settings.max_length * MAX_DRAFT_FACTOR
        || d.subject.chars().count() > MAX_SUBJECT * MAX_DRAFT_FACTOR
        || d.topic.len() > 100
        || d.about.as_ref().is_some_and(|a| a.len() > 200)
    {
        return Err(ApiError::PayloadTooLarge);
    }
    let mut conn = state.store.conn().await?;
    draft_place(&mut conn, &state, &access, &d.patient, &place).await?;
    let draft = Draft {
        topic: d.topic,
        subject: d.subject,
        about: d.about,
        body: d.body,
        updated_at: state.clock.now(),
    };
    store::keep_draft(
        &mut conn,
        access.session.user_id,
        &d.patient,
        &place,
        &draft,
    )
    .await?;
    let files =
        store::draft_attachments(&mut conn, access.session.user_id, &d.patient, &place).await?;
    Ok(Json(json!({"draft": draft_json(&draft, &files)})))
}

/// Throws a draft away.
pub async fn drop_draft(
    State(state): State<AppState>,
    access: RecordAccess,
    Path(place): Path<String>,
    Query(Whose { patient }): Query<Whose>,
) -> Result<StatusCode, ApiError> {
    let mut conn = state.store.conn().await?;
    draft_place(&mut conn, &state, &access, &patient, &place).await?;
    store::drop_draft(&mut conn, access.session.user_id, &patient, &place).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_keeps_its_lines_and_markup_but_no_control_characters() {
        assert_eq!(
            clean("  <b>Hi</b>\r\nline two\u{7}\u{1b}[31m  "),
            "<b>Hi</b>\nline two[31m"
        );
        assert_eq!(clean("\n\n  \t"), "");
    }

    #[test]
    fn a_message_too_long_says_by_how_much() {
        let settings = MessagesInfo {
            max_length: 10,
            ..MessagesInfo::default()
        };
        assert_eq!(body(" hello ", &settings).unwrap(), "hello");
        let ApiError::BadRequest(words) = body(&"x".repeat(13), &settings).unwrap_err() else {
            panic!("a bad request")
        };
        assert!(words.contains("13 characters long"), "{words}");
        assert!(words.contains("take out 3"), "{words}");
        assert!(body("   ", &settings).is_err());
    }
}
