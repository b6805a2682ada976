//! Messages with the care team: the inbox, a conversation, asking and replying, the unread
//! count, and drafts kept by the portal as they are typed.

use super::types::{
    AddedFile, ConversationView, Inbox, KeptDraft, MessageDraft, MessageFile, MessageOptions,
    MessageSent,
};
use super::{
    ApiError, Auth, BASE, Payload, encode_component, exchange, file_timeout_ms, get, parse,
    post_for, send, send_as_page_goes,
};
use serde_json::json;

fn whose(patient: &str) -> String {
    format!("patient={}", encode_component(patient))
}

/// A page of the inbox, newest first, after `offset` conversations.
pub async fn inbox(patient: &str, offset: usize) -> Result<Inbox, ApiError> {
    get(
        &format!("/messages?{}&_offset={offset}", whose(patient)),
        Auth::Session,
    )
    .await
}

/// What asking offers, naming the record item the question will be about if there is one.
pub async fn options(patient: &str, about: Option<&str>) -> Result<MessageOptions, ApiError> {
    let about = about
        .map(|a| format!("&about={}", encode_component(a)))
        .unwrap_or_default();
    get(
        &format!("/messages/options?{}{about}", whose(patient)),
        Auth::Session,
    )
    .await
}

/// Unread replies across every record the user sees messages of. Read as a plain value: the
/// header asks for it on every screen, so it costs the first download no parser of its own.
pub async fn unread() -> Result<u32, ApiError> {
    let answer: serde_json::Value = get("/messages/unread", Auth::Session).await?;
    Ok(answer["unread"]
        .as_u64()
        .map_or(0, |n| u32::try_from(n).unwrap_or(u32::MAX)))
}

/// A conversation; opening it marks its replies read.
pub async fn conversation(id: i64) -> Result<ConversationView, ApiError> {
    get(&format!("/messages/{id}"), Auth::Session).await
}

/// Asks a question: a new conversation.
pub async fn ask(patient: &str, draft: &MessageDraft) -> Result<MessageSent, ApiError> {
    post_for(
        "/messages",
        json!({
            "patient": patient,
            "topic": draft.topic,
            "subject": draft.subject,
            "about": draft.about,
            "body": draft.body,
        }),
    )
    .await
}

pub async fn reply(conversation: i64, body: &str) -> Result<MessageSent, ApiError> {
    post_for(
        &format!("/messages/{conversation}/replies"),
        json!({"body": body}),
    )
    .await
}

/// `new`, or a conversation's id: where a draft belongs.
fn draft_path(place: &str) -> String {
    format!("{BASE}/messages/drafts/{}", encode_component(place))
}

/// The draft this user keeps for a record and place.
fn draft_of(patient: &str, place: &str) -> String {
    format!("{}?{}", draft_path(place), whose(patient))
}

pub async fn draft(patient: &str, place: &str) -> Result<Option<MessageDraft>, ApiError> {
    let kept: KeptDraft =
        parse(&send("GET", &draft_of(patient, place), None, Auth::Session).await?)?;
    Ok(kept.draft)
}

/// Keeps what is being typed; each save is activity, so typing keeps the session. A draft with
/// nothing written in it is thrown away instead.
pub async fn keep_draft(patient: &str, place: &str, draft: &MessageDraft) -> Result<(), ApiError> {
    let (method, url, body) = keeping(patient, place, draft);
    send(method, &url, body, Auth::Session).await.map(|_| ())
}

/// Keeps a draft as the page goes (a closed tab): the request outlives the page.
pub fn keep_draft_as_page_goes(patient: &str, place: &str, draft: &MessageDraft) {
    let (method, url, body) = keeping(patient, place, draft);
    send_as_page_goes(method, &url, body);
}

fn keeping(
    patient: &str,
    place: &str,
    draft: &MessageDraft,
) -> (&'static str, String, Option<String>) {
    if draft.subject.trim().is_empty()
        && draft.body.trim().is_empty()
        && draft.attachments.is_empty()
    {
        return ("DELETE", draft_of(patient, place), None);
    }
    let body = json!({
        "patient": patient,
        "topic": draft.topic,
        "subject": draft.subject,
        "about": draft.about,
        "body": draft.body,
    });
    ("PUT", draft_path(place), Some(body.to_string()))
}

pub async fn drop_draft(patient: &str, place: &str) -> Result<(), ApiError> {
    send("DELETE", &draft_of(patient, place), None, Auth::Session)
        .await
        .map(|_| ())
}

/// Adds a file the patient chose to their draft: the file itself is the request's body.
pub async fn add_file(
    patient: &str,
    place: &str,
    file: web_sys::File,
) -> Result<MessageFile, ApiError> {
    let url = format!(
        "{BASE}/messages/attachments?{}&place={}&name={}",
        whose(patient),
        encode_component(place),
        encode_component(&file.name())
    );
    let timeout = file_timeout_ms(file.size());
    let added: AddedFile = parse(
        &exchange(
            "POST",
            &url,
            Some(Payload::File(file)),
            Auth::Session,
            timeout,
        )
        .await?,
    )?;
    Ok(added.attachment)
}

/// Takes a file off the draft.
pub async fn remove_file(patient: &str, id: &str) -> Result<(), ApiError> {
    let url = format!(
        "{BASE}/messages/attachments/{}?{}",
        encode_component(id),
        whose(patient)
    );
    send("DELETE", &url, None, Auth::Session).await.map(|_| ())
}
