//! Messages between a patient (or someone acting for them) and their care team. A patient asks a
//! question on a topic the hospital lists, or about an item in their record; the hospital
//! replies by the command line (`carefront-portal messages`) or its own systems; each message is
//! a FHIR Communication. The hospital may also start a conversation. Which conversations a reader sees is the access decision's
//! (`Grant::conversations`); what someone is typing is kept here as a draft, never in the browser.

pub mod attachments;
pub mod commands;
pub mod fhir;
pub mod professional;
mod routes;
pub mod settings;
pub mod store;

use crate::AppState;
use crate::accounts;
use crate::infra::store::Conn;
use crate::notifications::{self, Kind};
use crate::proxies::store as relationships;
use axum::Router;
use axum::routing::{get, post};

/// A message of the longest allowed length, in any script, as JSON.
pub const BODY_LIMIT: usize = 64 * 1024;

/// A member of staff's reply, however it comes (the help desk's command, the hospital's
/// messaging system): written, the patient's messages before it received (replying is reading),
/// and noted so whoever sees the conversation hears there is something new.
pub async fn staff_reply(
    conn: &mut Conn,
    conversation: &store::Conversation,
    name: &str,
    role: &str,
    text: &str,
    now: i64,
) -> sqlx::Result<store::Message> {
    let author = store::Author::Staff { name, role };
    let message = store::add(conn, conversation.id, &author, text, now).await?;
    store::mark_received(conn, conversation.id, now).await?;
    notifications::note(
        conn,
        &conversation.patient_id,
        fhir::TYPE,
        &message.fhir_id,
        Kind::Messages,
        now,
    )
    .await?;
    Ok(message)
}

/// The hospital starting a conversation (the help desk's command, the hospital's messaging
/// system), noted as a reply is. Its first message is the hospital's, so someone acting for the
/// patient whose access the proxy rules narrow does not see it (`Conversations::StartedBy`).
pub async fn staff_start(
    conn: &mut Conn,
    new: &store::NewConversation<'_>,
    name: &str,
    role: &str,
    text: &str,
    now: i64,
) -> sqlx::Result<(i64, store::Message)> {
    let author = store::Author::Staff { name, role };
    let (id, message) = store::start(conn, new, &author, text, now).await?;
    notifications::note(
        conn,
        new.patient_id,
        fhir::TYPE,
        &message.fhir_id,
        Kind::Messages,
        now,
    )
    .await?;
    Ok((id, message))
}

/// Whether anyone reads this patient's messages: their own account, or someone who acts or
/// acted for them. The hospital starts conversations only where someone will read them.
pub async fn has_readers(conn: &mut Conn, patient_id: &str) -> sqlx::Result<bool> {
    Ok(accounts::of_patient(conn, patient_id).await?.is_some()
        || !relationships::of_patient(conn, patient_id)
            .await?
            .is_empty())
}

/// Files on messages, from patients (under `/api/v1`): each request carries one file, up to the
/// most any hospital may allow.
pub fn attachment_routes() -> Router<AppState> {
    Router::new()
        .route("/messages/attachments", post(attachments::add))
        .route(
            "/messages/attachments/{id}",
            get(attachments::download).delete(attachments::remove),
        )
}

/// Files for messages from the hospital's system, as FHIR Binary.
pub fn hospital_file_routes() -> Router<AppState> {
    Router::new().route("/professional/fhir/Binary", post(professional::add_binary))
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/messages", get(routes::inbox).post(routes::start))
        .route("/messages/options", get(routes::options))
        .route("/messages/unread", get(routes::unread))
        .route("/messages/{id}", get(routes::conversation))
        .route("/messages/{id}/replies", post(routes::reply))
        .route(
            "/messages/drafts/{place}",
            get(routes::draft)
                .put(routes::keep_draft)
                .delete(routes::drop_draft),
        )
}
