//! Versioned terms documents, and who accepted which version when.

use crate::infra::error::ApiError;
use crate::infra::store::Conn;
use crate::infra::time;
use serde::Serialize;

pub const PATIENT: &str = "patient";
pub const PROXY: &str = "proxy";

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TermsDocument {
    pub document: String,
    pub version: String,
    pub title: String,
    pub effective_date: String,
    /// `text/markdown` (headings, paragraphs, lists, bold) or `text/plain`.
    pub format: String,
    pub text: String,
}

impl TermsDocument {
    /// The wording this portal ships with.
    pub fn built_in(document: &str) -> Self {
        let (title, text) = match document {
            PROXY => (
                "Terms for acting for someone else",
                include_str!("proxy.md"),
            ),
            _ => ("Terms of use", include_str!("patient.md")),
        };
        Self {
            document: document.into(),
            version: "1".into(),
            title: title.into(),
            effective_date: "2026-01-01".into(),
            format: "text/markdown".into(),
            text: text.into(),
        }
    }
}

pub async fn publish(conn: &mut Conn, doc: &TermsDocument) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO terms (document, version, title, effective_date, format, text, published_at, seq)
         VALUES ($1, $2, $3, $4, $5, $6, $7, (SELECT coalesce(max(seq), 0) + 1 FROM terms))",
    )
    .bind(&doc.document)
    .bind(&doc.version)
    .bind(&doc.title)
    .bind(&doc.effective_date)
    .bind(&doc.format)
    .bind(&doc.text)
    .bind(time::now())
    .execute(conn)
    .await?;
    Ok(())
}

/// The newest version published of a document.
pub async fn current(conn: &mut Conn, document: &str) -> sqlx::Result<Option<TermsDocument>> {
    let row: Option<(String, String, String, String, String, String)> = sqlx::query_as(
        "SELECT document, version, title, effective_date, format, text FROM terms
             WHERE document = $1 ORDER BY published_at DESC, seq DESC LIMIT 1",
    )
    .bind(document)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(
        |(document, version, title, effective_date, format, text)| TermsDocument {
            document,
            version,
            title,
            effective_date,
            format,
            text,
        },
    ))
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Requirement {
    pub document: String,
    pub version: String,
    pub accepted: bool,
}

/// The documents this user must have accepted, at their current versions. Proxy terms are
/// accepted for each person acted for, before their record is first opened (see `/patients`).
pub async fn requirements(conn: &mut Conn, user_id: i64) -> sqlx::Result<Vec<Requirement>> {
    let mut out = Vec::new();
    if let Some(doc) = current(&mut *conn, PATIENT).await? {
        let accepted = sqlx::query(
            "SELECT 1 FROM terms_acceptances WHERE user_id = $1 AND document = $2 AND version = $3",
        )
        .bind(user_id)
        .bind(&doc.document)
        .bind(&doc.version)
        .fetch_optional(conn)
        .await?
        .is_some();
        out.push(Requirement {
            document: doc.document,
            version: doc.version,
            accepted,
        });
    }
    Ok(out)
}

pub async fn all_accepted(conn: &mut Conn, user_id: i64) -> sqlx::Result<bool> {
    Ok(requirements(conn, user_id)
        .await?
        .iter()
        .all(|r| r.accepted))
}

/// The document at the version given, refusing a version that is no longer current: the person
/// must have read the words now in force.
pub async fn check_current(conn: &mut Conn, document: &str, version: &str) -> Result<(), ApiError> {
    let current = current(conn, document)
        .await?
        .ok_or_else(|| ApiError::BadRequest(format!("There is no {document:?} terms document.")))?;
    if current.version != version {
        return Err(ApiError::Conflict(format!(
            "Version {version} of these terms is no longer current; version {} is.",
            current.version
        )));
    }
    Ok(())
}

/// Records an acceptance of the patient terms at their current version.
pub async fn accept(
    conn: &mut Conn,
    user_id: i64,
    document: &str,
    version: &str,
) -> Result<(), ApiError> {
    check_current(&mut *conn, document, version).await?;
    sqlx::query(
        "INSERT INTO terms_acceptances (user_id, document, version, accepted_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT DO NOTHING",
    )
    .bind(user_id)
    .bind(document)
    .bind(version)
    .bind(time::now())
    .execute(conn)
    .await?;
    Ok(())
}
