//! Messages with the care team: the inbox, a conversation, asking and replying, the unread
//! count, and drafts kept by the portal as they are typed.

use super::types::{ConversationView, Inbox, KeptDraft, MessageDraft, MessageOptions, MessageSent};
use super::{ApiError, Auth, BASE, encode_component, get, parse, post_for, send};
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

pub async fn options(patient: &str) -> Result<MessageOptions, ApiError> {
    get(
        &format!("/messages/options?{}", whose(patient)),
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

pub async fn draft(patient: &str, place: &str) -> Result<Option<MessageDraft>, ApiError> {
    let kept: KeptDraft = parse(
        &send(
            "GET",
            &format!("{}?{}", draft_path(place), whose(patient)),
            None,
            Auth::Session,
        )
        .await?,
    )?;
    Ok(kept.draft)
}

/// Keeps what is being typed; each save is activity, so typing keeps the session.
pub async fn keep_draft(patient: &str, place: &str, draft: &MessageDraft) -> Result<(), ApiError> {
    let body = json!({
        "patient": patient,
        "topic": draft.topic,
        "subject": draft.subject,
        "about": draft.about,
        "body": draft.body,
    });
    send(
        "PUT",
        &draft_path(place),
        Some(body.to_string()),
        Auth::Session,
    )
    .await
    .map(|_| ())
}

pub async fn drop_draft(patient: &str, place: &str) -> Result<(), ApiError> {
    send(
        "DELETE",
        &format!("{}?{}", draft_path(place), whose(patient)),
        None,
        Auth::Session,
    )
    .await
    .map(|_| ())
}
