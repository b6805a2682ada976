//! Files on messages: photos and PDFs a patient adds as they write (kept by the portal with the
//! draft, so nothing is lost, and going with the message when it is sent), and files the
//! hospital sends. What a file is comes from its first bytes, never from its name or what the
//! browser said; it is offered only as a download (`application/octet-stream`, `attachment`),
//! never shown in the page; its name is shown only as text.

use super::routes::{Whose, draft_place};
use super::settings::AttachmentRules;
use super::store::{self, Attachment, NewAttachment};
use crate::AppState;
use crate::access::RecordAccess;
use crate::infra::error::ApiError;
use axum::Json;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Deserialize;
use serde_json::{Value, json};

/// The kinds the portal tells from a file's first bytes, and what a person calls each.
pub const KINDS: &[(&str, &str)] = &[
    ("image/jpeg", "JPEG"),
    ("image/png", "PNG"),
    ("image/heic", "HEIC"),
    ("application/pdf", "PDF"),
];

/// The most a hospital may allow in one file, and so the most any upload may carry.
pub const MAX_BYTES: u64 = 50_000_000;

/// The longest file name kept.
const MAX_NAME: usize = 120;

/// What a file is, from its first bytes.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.len() >= 12
        && &bytes[4..8] == b"ftyp"
        && matches!(&bytes[8..12], b"heic" | b"heix" | b"mif1" | b"msf1")
    {
        Some("image/heic")
    } else {
        None
    }
}

/// A file's name as kept and shown: its last part only (no folders), without control or
/// direction characters, at most `MAX_NAME` characters; "file" if nothing is left.
pub fn file_name(given: &str) -> String {
    let last = given.rsplit(['/', '\\']).next().unwrap_or_default();
    let kept: String = last
        .chars()
        .filter(|c| {
            !c.is_control()
                && !('\u{202a}'..='\u{202e}').contains(c)
                && !('\u{2066}'..='\u{2069}').contains(c)
        })
        .take(MAX_NAME)
        .collect();
    let kept = kept.trim().trim_start_matches('.').trim();
    if kept.is_empty() {
        "file".into()
    } else {
        kept.to_string()
    }
}

/// "10 MB", "2.5 MB", "800 KB": sizes as a person reads them (1 MB is 1,000,000 bytes).
pub fn size_words(bytes: u64) -> String {
    if bytes >= 1_000_000 {
        let tenths = (bytes + 50_000) / 100_000;
        if tenths.is_multiple_of(10) {
            format!("{} MB", tenths / 10)
        } else {
            format!("{}.{} MB", tenths / 10, tenths % 10)
        }
    } else {
        format!("{} KB", bytes.div_ceil(1000).max(1))
    }
}

/// The kinds allowed, in words: "JPEG, PNG or PDF".
fn kinds_words(rules: &AttachmentRules) -> String {
    let names: Vec<&str> = KINDS
        .iter()
        .filter(|(t, _)| rules.types.iter().any(|a| a == t))
        .map(|(_, n)| *n)
        .collect();
    match names.split_last() {
        Some((last, [])) => last.to_string(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// Checks a file against the hospital's rules: its kind, as its bytes show it.
pub fn check(bytes: &[u8], rules: &AttachmentRules) -> Result<&'static str, ApiError> {
    if bytes.len() as u64 > rules.max_bytes {
        return Err(too_big(bytes.len() as u64, rules));
    }
    match sniff(bytes) {
        Some(kind) if rules.types.iter().any(|t| t == kind) => Ok(kind),
        _ => Err(ApiError::FileRefused {
            too_big: false,
            words: format!(
                "This file cannot be sent. You can send photos and documents saved as {}. Your message is still here.",
                kinds_words(rules)
            ),
        }),
    }
}

fn too_big(size: u64, rules: &AttachmentRules) -> ApiError {
    ApiError::FileRefused {
        too_big: true,
        words: format!(
            "This file is {}, and files can be up to {}. Send a smaller photo, or a PDF of fewer pages. Your message is still here.",
            size_words(size),
            size_words(rules.max_bytes)
        ),
    }
}

/// The file a request carries, and what it is: refused in words past the hospital's limit
/// (before a byte is read when Content-Length says so) or of a kind it does not take.
pub async fn read_file(
    headers: &HeaderMap,
    body: Body,
    rules: &AttachmentRules,
) -> Result<(axum::body::Bytes, &'static str), ApiError> {
    let said = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if let Some(size) = said.filter(|s| *s > rules.max_bytes) {
        return Err(too_big(size, rules));
    }
    let limit = usize::try_from(rules.max_bytes).unwrap_or(usize::MAX);
    let bytes = axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| too_big(rules.max_bytes + 1, rules))?;
    let kind = check(&bytes, rules)?;
    Ok((bytes, kind))
}

/// An attachment as the app lists it.
pub fn attachment_json(a: &Attachment) -> Value {
    json!({"id": a.id, "name": a.name, "contentType": a.content_type, "size": a.size})
}

#[derive(Deserialize)]
pub struct Adding {
    patient: String,
    place: String,
    name: String,
}

/// Adds a file to a draft: the request's body is the file.
pub async fn add(
    State(state): State<AppState>,
    access: RecordAccess,
    Query(adding): Query<Adding>,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let rules = &state.info.messages.attachments;
    if rules.max_files == 0 {
        return Err(ApiError::Conflict(
            "This hospital does not take files with messages. Your message is still here.".into(),
        ));
    }
    let mut conn = state.store.conn().await?;
    draft_place(&mut conn, &state, &access, &adding.patient, &adding.place).await?;
    let user = access.session.user_id;
    let on_draft =
        store::draft_attachments(&mut conn, user, &adding.patient, &adding.place).await?;
    if on_draft.len() >= rules.max_files {
        return Err(ApiError::Conflict(format!(
            "A message can carry {} files, and this one has them all. Take one off to add another.",
            rules.max_files
        )));
    }
    // Not held while a slow phone sends the file.
    drop(conn);
    let (bytes, kind) = read_file(&headers, body, rules).await?;
    let name = file_name(&adding.name);
    let mut conn = state.store.conn().await?;
    let added = store::add_attachment(
        &mut conn,
        &NewAttachment {
            patient_id: &adding.patient,
            user_id: Some(user),
            place: Some(&adding.place),
            message_id: None,
            name: &name,
            content_type: kind,
            data: &bytes,
        },
        state.clock.now(),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"attachment": attachment_json(&added)})),
    ))
}

/// Takes a file off its writer's draft.
pub async fn remove(
    State(state): State<AppState>,
    access: RecordAccess,
    Path(id): Path<String>,
    Query(Whose { patient }): Query<Whose>,
) -> Result<StatusCode, ApiError> {
    let mut conn = state.store.conn().await?;
    let a = store::attachment_by_id(&mut conn, &id)
        .await?
        .filter(|a| a.user_id == Some(access.session.user_id) && a.patient_id == patient)
        .ok_or(ApiError::NotFound)?;
    let Some(place) = &a.place else {
        return Err(ApiError::Conflict(
            "This file has been sent with its message, so it stays with it.".into(),
        ));
    };
    draft_place(&mut conn, &state, &access, &patient, place).await?;
    store::drop_attachment(&mut conn, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A file, as a download: on a message the reader may see, or on their own draft.
pub async fn download(
    State(state): State<AppState>,
    access: RecordAccess,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let mut conn = state.store.conn().await?;
    let a = store::attachment_by_id(&mut conn, &id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let through = match (a.message_id, &a.place) {
        (Some(message), _) => {
            let c = store::conversation_of_message(&mut conn, message)
                .await?
                .ok_or(ApiError::NotFound)?;
            let (_, grant, _) = super::routes::visible(&mut conn, &state, &access, c).await?;
            grant.relationship()
        }
        (None, Some(place)) if a.user_id == Some(access.session.user_id) => {
            draft_place(&mut conn, &state, &access, &a.patient_id, place).await?;
            None
        }
        _ => return Err(ApiError::NotFound),
    };
    let data = store::attachment_data(&mut conn, &id)
        .await?
        .ok_or(ApiError::NotFound)?;
    access
        .event("message-file-downloaded")
        .patient(Some(&a.patient_id))
        .through(through)
        .detail(&a.name)
        .record(&mut conn)
        .await?;
    Ok(as_download(&a, data))
}

/// The bytes as a file to save: never a type a browser would show in a page.
pub fn as_download(a: &Attachment, data: Vec<u8>) -> Response {
    let mut res = data.into_response();
    let headers = res.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    // An ASCII name for old browsers, and the name as given (RFC 6266, RFC 8187).
    let plain: String = a
        .name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._- ()".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let given = utf8_percent_encode(&a.name, NON_ALPHANUMERIC);
    if let Ok(value) = HeaderValue::from_str(&format!(
        "attachment; filename=\"{plain}\"; filename*=UTF-8''{given}"
    )) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_what_its_bytes_say() {
        assert_eq!(sniff(b"%PDF-1.7\n"), Some("application/pdf"));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0]), Some("image/jpeg"));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0"), Some("image/png"));
        assert_eq!(sniff(b"\0\0\0\x18ftypheic\0\0\0\0"), Some("image/heic"));
        assert_eq!(sniff(b"<html><script>alert(1)</script>"), None);
        assert_eq!(sniff(b"MZ\x90\0"), None);
        assert_eq!(sniff(b""), None);
    }

    #[test]
    fn a_file_name_keeps_only_what_is_safe_to_show() {
        assert_eq!(file_name("C:\\Users\\ann\\rash.jpg"), "rash.jpg");
        assert_eq!(file_name("../../etc/passwd"), "passwd");
        assert_eq!(file_name("photo\u{202e}gpj.exe"), "photogpj.exe");
        assert_eq!(file_name("a\nb\0c.pdf"), "abc.pdf");
        assert_eq!(file_name("..."), "file");
        assert_eq!(file_name(""), "file");
        assert_eq!(file_name(&"x".repeat(500)).chars().count(), MAX_NAME);
        assert_eq!(
            file_name("<img src=x onerror=alert(1)>.png"),
            "<img src=x onerror=alert(1)>.png"
        );
    }

    #[test]
    fn sizes_and_kinds_are_said_in_words() {
        assert_eq!(size_words(10_000_000), "10 MB");
        assert_eq!(size_words(14_230_000), "14.2 MB");
        assert_eq!(size_words(800_000), "800 KB");
        assert_eq!(size_words(1), "1 KB");
        let rules = AttachmentRules::default();
        assert_eq!(kinds_words(&rules), "JPEG, PNG, HEIC or PDF");
        let ApiError::FileRefused { too_big, words } = check(b"GIF89a", &rules).unwrap_err() else {
            panic!("refused")
        };
        assert!(!too_big);
        assert!(words.contains("JPEG, PNG, HEIC or PDF"), "{words}");
        let small = AttachmentRules {
            max_bytes: 4,
            ..AttachmentRules::default()
        };
        assert!(matches!(
            check(b"%PDF-1.7", &small),
            Err(ApiError::FileRefused { too_big: true, .. })
        ));
        assert_eq!(check(b"%PDF-1.7", &rules).unwrap(), "application/pdf");
    }
}
