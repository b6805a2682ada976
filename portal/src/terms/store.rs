//! Versioned terms documents, and who accepted which version when.

use crate::infra::error::ApiError;
use crate::infra::time;
use rusqlite::{Connection, OptionalExtension, params};
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

pub fn publish(conn: &Connection, doc: &TermsDocument) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO terms (document, version, title, effective_date, format, text, published_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            doc.document,
            doc.version,
            doc.title,
            doc.effective_date,
            doc.format,
            doc.text,
            time::now()
        ],
    )?;
    Ok(())
}

/// The newest version published of a document.
pub fn current(conn: &Connection, document: &str) -> rusqlite::Result<Option<TermsDocument>> {
    conn.query_row(
        "SELECT document, version, title, effective_date, format, text FROM terms
             WHERE document = ?1 ORDER BY published_at DESC, rowid DESC LIMIT 1",
        [document],
        |r| {
            Ok(TermsDocument {
                document: r.get(0)?,
                version: r.get(1)?,
                title: r.get(2)?,
                effective_date: r.get(3)?,
                format: r.get(4)?,
                text: r.get(5)?,
            })
        },
    )
    .optional()
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
pub fn requirements(conn: &Connection, user_id: i64) -> rusqlite::Result<Vec<Requirement>> {
    let mut out = Vec::new();
    if let Some(doc) = current(conn, PATIENT)? {
        let accepted = conn
            .query_row(
                "SELECT 1 FROM terms_acceptances WHERE user_id = ?1 AND document = ?2 AND version = ?3",
                params![user_id, doc.document, doc.version],
                |_| Ok(()),
            )
            .optional()?
            .is_some();
        out.push(Requirement {
            document: doc.document,
            version: doc.version,
            accepted,
        });
    }
    Ok(out)
}

pub fn all_accepted(conn: &Connection, user_id: i64) -> rusqlite::Result<bool> {
    Ok(requirements(conn, user_id)?.iter().all(|r| r.accepted))
}

/// The document at the version given, refusing a version that is no longer current: the person
/// must have read the words now in force.
pub fn check_current(conn: &Connection, document: &str, version: &str) -> Result<(), ApiError> {
    let current = current(conn, document)?
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
pub fn accept(
    conn: &Connection,
    user_id: i64,
    document: &str,
    version: &str,
) -> Result<(), ApiError> {
    check_current(conn, document, version)?;
    conn.execute(
        "INSERT OR IGNORE INTO terms_acceptances (user_id, document, version, accepted_at) VALUES (?1, ?2, ?3, ?4)",
        params![user_id, document, version, time::now()],
    )?;
    Ok(())
}
