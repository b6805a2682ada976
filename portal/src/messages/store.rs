//! Conversations, messages, who has read which reply, and drafts, as stored.

use crate::infra::store::Conn;
use crate::infra::tokens::random_token;
use sqlx::Row as _;
use sqlx::any::AnyRow;

#[derive(Clone, Debug)]
pub struct Conversation {
    pub id: i64,
    pub patient_id: String,
    pub topic: String,
    pub subject: String,
    pub about: Option<String>,
    pub started_by: Option<i64>,
    pub started_at: i64,
    pub last_at: i64,
    pub closed_at: Option<i64>,
}

#[derive(Clone, Debug)]
pub struct Message {
    pub id: i64,
    pub fhir_id: String,
    pub conversation_id: i64,
    pub sent_at: i64,
    pub author_user: Option<i64>,
    /// The author's name as the portal knows it (users only).
    pub author_name: Option<String>,
    pub proxy_relationship: Option<i64>,
    pub staff_name: Option<String>,
    pub staff_role: Option<String>,
    pub body: String,
    pub received_at: Option<i64>,
}

impl Message {
    pub fn from_hospital(&self) -> bool {
        self.author_user.is_none()
    }
}

const CONVERSATION: &str = "c.id, c.patient_id, c.topic, c.subject, c.about, c.started_by, c.started_at, c.last_at, c.closed_at";

fn conversation(r: &AnyRow) -> sqlx::Result<Conversation> {
    Ok(Conversation {
        id: r.try_get(0)?,
        patient_id: r.try_get(1)?,
        topic: r.try_get(2)?,
        subject: r.try_get(3)?,
        about: r.try_get(4)?,
        started_by: r.try_get(5)?,
        started_at: r.try_get(6)?,
        last_at: r.try_get(7)?,
        closed_at: r.try_get(8)?,
    })
}

const MESSAGE: &str =
    "m.id, m.fhir_id, m.conversation_id, m.sent_at, m.author_user, u.display_name,
    m.proxy_relationship, m.staff_name, m.staff_role, m.body, m.received_at";

fn message(r: &AnyRow) -> sqlx::Result<Message> {
    message_at(r, 0)
}

/// One line of an inbox: the conversation, its newest message, how many there are, and how many
/// replies this user has not read.
#[derive(Clone, Debug)]
pub struct InboxLine {
    pub conversation: Conversation,
    pub last: Message,
    pub count: i64,
    pub unread: i64,
}

/// Which conversations of which patient an inbox holds, and whose unread replies it counts.
pub struct Inbox<'a> {
    pub patient_id: &'a str,
    /// Only those this user started; None: every one (the access decision's narrowing).
    pub only_started_by: Option<i64>,
    pub reader: i64,
}

/// The conversations an inbox holds: the narrowing every inbox query shares.
const IN_INBOX: &str = "c.patient_id = $1 AND ($2 IS NULL OR c.started_by = $2)";

/// Message `n` is a reply (the hospital's) the reader (`$3`) has not read.
const UNREAD: &str = "n.author_user IS NULL AND NOT EXISTS
    (SELECT 1 FROM message_reads r WHERE r.message_id = n.id AND r.user_id = $3)";

/// A page of an inbox, newest first: `limit` conversations after the first `offset`, each with
/// its newest message, how many there are and how many replies the reader has not read.
pub async fn inbox(
    conn: &mut Conn,
    inbox: &Inbox<'_>,
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<InboxLine>> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {CONVERSATION}, {MESSAGE},
             (SELECT count(*) FROM messages n WHERE n.conversation_id = c.id),
             (SELECT count(*) FROM messages n WHERE n.conversation_id = c.id AND {UNREAD})
         FROM (SELECT * FROM conversations c WHERE {IN_INBOX}
             ORDER BY c.last_at DESC, c.id DESC LIMIT $4 OFFSET $5) c
         JOIN messages m ON m.conversation_id = c.id AND NOT EXISTS (
             SELECT 1 FROM messages later WHERE later.conversation_id = m.conversation_id
             AND (later.sent_at > m.sent_at OR (later.sent_at = m.sent_at AND later.id > m.id)))
         LEFT JOIN users u ON u.id = m.author_user
         ORDER BY c.last_at DESC, c.id DESC"
    )))
    .bind(inbox.patient_id)
    .bind(inbox.only_started_by)
    .bind(inbox.reader)
    .bind(limit)
    .bind(offset)
    .try_map(|r: AnyRow| {
        Ok(InboxLine {
            conversation: conversation(&r)?,
            // The message's eleven columns follow the conversation's nine.
            last: message_at(&r, 9)?,
            count: r.try_get(20)?,
            unread: r.try_get(21)?,
        })
    })
    .fetch_all(conn)
    .await
}

/// How many conversations an inbox holds, and how many replies in them the reader has not read.
pub async fn inbox_totals(conn: &mut Conn, inbox: &Inbox<'_>) -> sqlx::Result<(i64, i64)> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT (SELECT count(*) FROM conversations c WHERE {IN_INBOX}),
             (SELECT count(*) FROM conversations c JOIN messages n ON n.conversation_id = c.id
                 WHERE {IN_INBOX} AND {UNREAD})"
    )))
    .bind(inbox.patient_id)
    .bind(inbox.only_started_by)
    .bind(inbox.reader)
    .try_map(|r: AnyRow| Ok((r.try_get(0)?, r.try_get(1)?)))
    .fetch_one(conn)
    .await
}

pub async fn conversation_by_id(conn: &mut Conn, id: i64) -> sqlx::Result<Option<Conversation>> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {CONVERSATION} FROM conversations c WHERE c.id = $1"
    )))
    .bind(id)
    .try_map(|r: AnyRow| conversation(&r))
    .fetch_optional(conn)
    .await
}

/// The conversation a message (by its Communication id) is in.
pub async fn conversation_of(conn: &mut Conn, fhir_id: &str) -> sqlx::Result<Option<Conversation>> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {CONVERSATION} FROM conversations c JOIN messages m ON m.conversation_id = c.id
         WHERE m.fhir_id = $1"
    )))
    .bind(fhir_id)
    .try_map(|r: AnyRow| conversation(&r))
    .fetch_optional(conn)
    .await
}

/// The conversation a message (by its row id) is in.
pub async fn conversation_of_message(
    conn: &mut Conn,
    message_id: i64,
) -> sqlx::Result<Option<Conversation>> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {CONVERSATION} FROM conversations c JOIN messages m ON m.conversation_id = c.id
         WHERE m.id = $1"
    )))
    .bind(message_id)
    .try_map(|r: AnyRow| conversation(&r))
    .fetch_optional(conn)
    .await
}

/// A message (by its Communication id), and its conversation.
pub async fn message_by_fhir_id(
    conn: &mut Conn,
    fhir_id: &str,
) -> sqlx::Result<Option<(Conversation, Message)>> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {CONVERSATION}, {MESSAGE} FROM messages m
         JOIN conversations c ON c.id = m.conversation_id
         LEFT JOIN users u ON u.id = m.author_user
         WHERE m.fhir_id = $1"
    )))
    .bind(fhir_id)
    .try_map(|r: AnyRow| Ok((conversation(&r)?, message_at(&r, 9)?)))
    .fetch_optional(conn)
    .await
}

/// What the hospital's messaging system looks for.
pub struct Find {
    pub patient: Option<String>,
    /// Sent within these times (Unix seconds, both included).
    pub from: i64,
    pub to: i64,
    /// Users' messages the hospital has read (true) or not (false); None: every message.
    pub received: Option<bool>,
    pub limit: i64,
}

/// Messages as the hospital's messaging system asks for them, oldest first.
pub async fn find(conn: &mut Conn, f: &Find) -> sqlx::Result<Vec<(Conversation, Message)>> {
    let received = match f.received {
        None => 0,
        Some(false) => 1,
        Some(true) => 2,
    };
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {CONVERSATION}, {MESSAGE} FROM messages m
         JOIN conversations c ON c.id = m.conversation_id
         LEFT JOIN users u ON u.id = m.author_user
         WHERE ($1 IS NULL OR c.patient_id = $1) AND m.sent_at >= $2 AND m.sent_at <= $3
           AND ($4 = 0
             OR ($4 = 1 AND m.author_user IS NOT NULL AND m.received_at IS NULL)
             OR ($4 = 2 AND m.received_at IS NOT NULL))
         ORDER BY m.sent_at, m.id LIMIT $5"
    )))
    .bind(f.patient.as_deref())
    .bind(f.from)
    .bind(f.to)
    .bind(received)
    .bind(f.limit)
    .try_map(|r: AnyRow| Ok((conversation(&r)?, message_at(&r, 9)?)))
    .fetch_all(conn)
    .await
}

/// A conversation's messages, oldest first.
pub async fn messages(conn: &mut Conn, conversation_id: i64) -> sqlx::Result<Vec<Message>> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {MESSAGE} FROM messages m LEFT JOIN users u ON u.id = m.author_user
         WHERE m.conversation_id = $1 ORDER BY m.sent_at, m.id"
    )))
    .bind(conversation_id)
    .try_map(|r: AnyRow| message(&r))
    .fetch_all(conn)
    .await
}

/// Who writes a message: a user (through a proxy relationship if not their own record), or a
/// member of the hospital's staff.
pub enum Author<'a> {
    User { id: i64, relationship: Option<i64> },
    Staff { name: &'a str, role: &'a str },
}

pub struct NewConversation<'a> {
    pub patient_id: &'a str,
    pub topic: &'a str,
    pub subject: &'a str,
    pub about: Option<&'a str>,
}

/// Starts a conversation with its first message; the conversation's id.
pub async fn start(
    conn: &mut Conn,
    new: &NewConversation<'_>,
    author: &Author<'_>,
    body: &str,
    now: i64,
) -> sqlx::Result<(i64, Message)> {
    let (started_by, relationship) = match author {
        Author::User { id, relationship } => (Some(*id), *relationship),
        Author::Staff { .. } => (None, None),
    };
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO conversations (patient_id, topic, subject, about, started_by,
             proxy_relationship, started_at, last_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
    )
    .bind(new.patient_id)
    .bind(new.topic)
    .bind(new.subject)
    .bind(new.about)
    .bind(started_by)
    .bind(relationship)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    let message = add(conn, id, author, body, now).await?;
    Ok((id, message))
}

/// Adds a message to a conversation.
pub async fn add(
    conn: &mut Conn,
    conversation_id: i64,
    author: &Author<'_>,
    body: &str,
    now: i64,
) -> sqlx::Result<Message> {
    let (user, relationship, staff_name, staff_role) = match author {
        Author::User { id, relationship } => (Some(*id), *relationship, None, None),
        Author::Staff { name, role } => (None, None, Some(*name), Some(*role)),
    };
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO messages (fhir_id, conversation_id, sent_at, author_user, proxy_relationship,
             staff_name, staff_role, body)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(format!("msg-{}", &random_token()[..16]))
    .bind(conversation_id)
    .bind(now)
    .bind(user)
    .bind(relationship)
    .bind(staff_name)
    .bind(staff_role)
    .bind(body)
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query("UPDATE conversations SET last_at = $1 WHERE id = $2 AND last_at < $1")
        .bind(now)
        .bind(conversation_id)
        .execute(&mut *conn)
        .await?;
    let message = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {MESSAGE} FROM messages m LEFT JOIN users u ON u.id = m.author_user WHERE m.id = $1"
    )))
    .bind(id)
    .try_map(|r: AnyRow| message(&r))
    .fetch_one(conn)
    .await?;
    Ok(message)
}

/// Marks every reply in a conversation read by this user.
pub async fn mark_read(
    conn: &mut Conn,
    conversation_id: i64,
    user_id: i64,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO message_reads (message_id, user_id, read_at)
         SELECT id, $2, $3 FROM messages WHERE conversation_id = $1 AND author_user IS NULL
         ON CONFLICT DO NOTHING",
    )
    .bind(conversation_id)
    .bind(user_id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Marks every message users wrote in a conversation read by the hospital, as of now for those
/// not already.
pub async fn mark_received(conn: &mut Conn, conversation_id: i64, now: i64) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE messages SET received_at = $1
         WHERE conversation_id = $2 AND author_user IS NOT NULL AND received_at IS NULL",
    )
    .bind(now)
    .bind(conversation_id)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn close(conn: &mut Conn, conversation_id: i64, now: i64) -> sqlx::Result<bool> {
    let done =
        sqlx::query("UPDATE conversations SET closed_at = $1 WHERE id = $2 AND closed_at IS NULL")
            .bind(now)
            .bind(conversation_id)
            .execute(conn)
            .await?;
    Ok(done.rows_affected() == 1)
}

/// When this user sent each message since `since`, across every record, oldest first.
pub async fn sent_since(conn: &mut Conn, user_id: i64, since: i64) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar(
        "SELECT sent_at FROM messages WHERE author_user = $1 AND sent_at >= $2 ORDER BY sent_at",
    )
    .bind(user_id)
    .bind(since)
    .fetch_all(conn)
    .await
}

/// Conversations across every patient waiting on the hospital: the newest message is a user's.
pub async fn waiting(conn: &mut Conn) -> sqlx::Result<Vec<(Conversation, Message)>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {CONVERSATION}, {MESSAGE} FROM conversations c
         JOIN messages m ON m.conversation_id = c.id
         LEFT JOIN users u ON u.id = m.author_user
         WHERE c.closed_at IS NULL AND m.author_user IS NOT NULL AND NOT EXISTS (
             SELECT 1 FROM messages later WHERE later.conversation_id = m.conversation_id
             AND (later.sent_at > m.sent_at OR (later.sent_at = m.sent_at AND later.id > m.id)))
         ORDER BY m.sent_at"
    )))
    .try_map(|r: AnyRow| {
        let c = conversation(&r)?;
        // The message's columns follow the conversation's nine.
        Ok((c, message_at(&r, 9)?))
    })
    .fetch_all(conn)
    .await?;
    Ok(rows)
}

fn message_at(r: &AnyRow, at: usize) -> sqlx::Result<Message> {
    Ok(Message {
        id: r.try_get(at)?,
        fhir_id: r.try_get(at + 1)?,
        conversation_id: r.try_get(at + 2)?,
        sent_at: r.try_get(at + 3)?,
        author_user: r.try_get(at + 4)?,
        author_name: r.try_get(at + 5)?,
        proxy_relationship: r.try_get(at + 6)?,
        staff_name: r.try_get(at + 7)?,
        staff_role: r.try_get(at + 8)?,
        body: r.try_get(at + 9)?,
        received_at: r.try_get(at + 10)?,
    })
}

/// A draft: what someone is writing and has not sent.
#[derive(Clone, Debug, Default)]
pub struct Draft {
    pub topic: String,
    pub subject: String,
    pub about: Option<String>,
    pub body: String,
    pub updated_at: i64,
}

pub async fn draft(
    conn: &mut Conn,
    user_id: i64,
    patient_id: &str,
    place: &str,
) -> sqlx::Result<Option<Draft>> {
    sqlx::query(
        "SELECT topic, subject, about, body, updated_at FROM message_drafts
         WHERE user_id = $1 AND patient_id = $2 AND place = $3",
    )
    .bind(user_id)
    .bind(patient_id)
    .bind(place)
    .try_map(|r: AnyRow| {
        Ok(Draft {
            topic: r.try_get(0)?,
            subject: r.try_get(1)?,
            about: r.try_get(2)?,
            body: r.try_get(3)?,
            updated_at: r.try_get(4)?,
        })
    })
    .fetch_optional(conn)
    .await
}

pub async fn keep_draft(
    conn: &mut Conn,
    user_id: i64,
    patient_id: &str,
    place: &str,
    draft: &Draft,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO message_drafts (user_id, patient_id, place, topic, subject, about, body, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (user_id, patient_id, place) DO UPDATE SET topic = excluded.topic,
             subject = excluded.subject, about = excluded.about, body = excluded.body,
             updated_at = excluded.updated_at",
    )
    .bind(user_id)
    .bind(patient_id)
    .bind(place)
    .bind(&draft.topic)
    .bind(&draft.subject)
    .bind(&draft.about)
    .bind(&draft.body)
    .bind(draft.updated_at)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn drop_draft(
    conn: &mut Conn,
    user_id: i64,
    patient_id: &str,
    place: &str,
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM message_drafts WHERE user_id = $1 AND patient_id = $2 AND place = $3")
        .bind(user_id)
        .bind(patient_id)
        .bind(place)
        .execute(&mut *conn)
        .await?;
    // Files on it go with it; those on a message sent from it are the message's now.
    sqlx::query(
        "DELETE FROM message_attachments
         WHERE user_id = $1 AND patient_id = $2 AND place = $3 AND message_id IS NULL",
    )
    .bind(user_id)
    .bind(patient_id)
    .bind(place)
    .execute(conn)
    .await?;
    Ok(())
}

/// A file on a message, or on a draft until it is sent.
#[derive(Clone, Debug, PartialEq)]
pub struct Attachment {
    pub id: String,
    pub patient_id: String,
    /// Who added it; None: the hospital.
    pub user_id: Option<i64>,
    /// The draft it is on, while unsent.
    pub place: Option<String>,
    pub message_id: Option<i64>,
    pub name: String,
    pub content_type: String,
    pub size: i64,
}

const ATTACHMENT: &str =
    "a.id, a.patient_id, a.user_id, a.place, a.message_id, a.name, a.content_type, a.size";

fn attachment(r: &AnyRow) -> sqlx::Result<Attachment> {
    Ok(Attachment {
        id: r.try_get(0)?,
        patient_id: r.try_get(1)?,
        user_id: r.try_get(2)?,
        place: r.try_get(3)?,
        message_id: r.try_get(4)?,
        name: r.try_get(5)?,
        content_type: r.try_get(6)?,
        size: r.try_get(7)?,
    })
}

pub struct NewAttachment<'a> {
    pub patient_id: &'a str,
    pub user_id: Option<i64>,
    /// A user's draft it goes on; None for a message the hospital sends with it at once.
    pub place: Option<&'a str>,
    pub message_id: Option<i64>,
    pub name: &'a str,
    pub content_type: &'a str,
    pub data: &'a [u8],
}

pub async fn add_attachment(
    conn: &mut Conn,
    new: &NewAttachment<'_>,
    now: i64,
) -> sqlx::Result<Attachment> {
    let id = format!("att-{}", &random_token()[..20]);
    sqlx::query(
        "INSERT INTO message_attachments (id, patient_id, user_id, place, message_id, name,
             content_type, size, data, added_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(&id)
    .bind(new.patient_id)
    .bind(new.user_id)
    .bind(new.place)
    .bind(new.message_id)
    .bind(new.name)
    .bind(new.content_type)
    .bind(new.data.len() as i64)
    .bind(new.data.to_vec())
    .bind(now)
    .execute(conn)
    .await?;
    Ok(Attachment {
        id,
        patient_id: new.patient_id.into(),
        user_id: new.user_id,
        place: new.place.map(String::from),
        message_id: new.message_id,
        name: new.name.into(),
        content_type: new.content_type.into(),
        size: new.data.len() as i64,
    })
}

pub async fn attachment_by_id(conn: &mut Conn, id: &str) -> sqlx::Result<Option<Attachment>> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {ATTACHMENT} FROM message_attachments a WHERE a.id = $1"
    )))
    .bind(id)
    .try_map(|r: AnyRow| attachment(&r))
    .fetch_optional(conn)
    .await
}

/// An attachment's bytes.
pub async fn attachment_data(conn: &mut Conn, id: &str) -> sqlx::Result<Option<Vec<u8>>> {
    sqlx::query_scalar("SELECT data FROM message_attachments WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// The files on a user's draft, in the order they were added.
pub async fn draft_attachments(
    conn: &mut Conn,
    user_id: i64,
    patient_id: &str,
    place: &str,
) -> sqlx::Result<Vec<Attachment>> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {ATTACHMENT} FROM message_attachments a
         WHERE a.user_id = $1 AND a.patient_id = $2 AND a.place = $3 AND a.message_id IS NULL
         ORDER BY a.added_at, a.id"
    )))
    .bind(user_id)
    .bind(patient_id)
    .bind(place)
    .try_map(|r: AnyRow| attachment(&r))
    .fetch_all(conn)
    .await
}

/// The files on a conversation's messages, in the order they were added.
pub async fn conversation_attachments(
    conn: &mut Conn,
    conversation_id: i64,
) -> sqlx::Result<Vec<Attachment>> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {ATTACHMENT} FROM message_attachments a JOIN messages m ON m.id = a.message_id
         WHERE m.conversation_id = $1 ORDER BY a.added_at, a.id"
    )))
    .bind(conversation_id)
    .try_map(|r: AnyRow| attachment(&r))
    .fetch_all(conn)
    .await
}

/// The files on a draft go with the message sent from it.
pub async fn send_draft_attachments(
    conn: &mut Conn,
    user_id: i64,
    patient_id: &str,
    place: &str,
    message_id: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE message_attachments SET message_id = $4, place = NULL
         WHERE user_id = $1 AND patient_id = $2 AND place = $3 AND message_id IS NULL",
    )
    .bind(user_id)
    .bind(patient_id)
    .bind(place)
    .bind(message_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Takes a file off a draft; a sent one stays with its message.
pub async fn drop_attachment(conn: &mut Conn, id: &str) -> sqlx::Result<bool> {
    let done = sqlx::query("DELETE FROM message_attachments WHERE id = $1 AND message_id IS NULL")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// A file the hospital's system made goes with the message that names it, under the name given.
pub async fn attach_sent_file(
    conn: &mut Conn,
    id: &str,
    message_id: i64,
    name: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE message_attachments SET message_id = $2, name = $3
         WHERE id = $1 AND message_id IS NULL AND user_id IS NULL",
    )
    .bind(id)
    .bind(message_id)
    .bind(name)
    .execute(conn)
    .await?;
    Ok(())
}

/// Files the hospital's system made for a message it never sent, a day on.
pub async fn purge(conn: &mut Conn, now: i64) -> sqlx::Result<u64> {
    let done = sqlx::query(
        "DELETE FROM message_attachments
         WHERE user_id IS NULL AND message_id IS NULL AND added_at < $1",
    )
    .bind(now - 86_400)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}
