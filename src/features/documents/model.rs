//! DocumentReferences → the documents list, and how each one can be opened safely.

use crate::fhir::date::FhirDate;
use crate::fhir::entries::{Entries, Place, read_entries};
use crate::fhir::{concept_text, first_date, non_empty, reference_display};
use serde_json::Value;

#[derive(Clone, Debug, PartialEq)]
pub enum Opening {
    /// Plain text: shown on the page, as text.
    Text,
    /// A PDF: opened in the browser's own viewer.
    Pdf,
    /// Anything else (HTML included): offered as a download, never rendered.
    Download,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Attachment {
    pub title: Option<String>,
    pub content_type: String,
    pub opening: Opening,
    /// Base64 data carried in the resource.
    pub data: Option<String>,
    /// Where to fetch it otherwise (a path on this portal, or elsewhere).
    pub url: Option<String>,
    pub size: Option<u64>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Document {
    pub id: String,
    pub kind: String,
    pub description: Option<String>,
    pub date: Option<FhirDate>,
    pub author: Option<String>,
    pub superseded: bool,
    pub attachments: Vec<Attachment>,
}

pub fn opening_for(content_type: &str) -> Opening {
    let base = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    match base.as_str() {
        "text/plain" => Opening::Text,
        "application/pdf" => Opening::Pdf,
        _ => Opening::Download,
    }
}

/// One list, newest first.
pub fn build(resources: &[Value]) -> Entries<Document> {
    let mut list = read_entries(resources, &["DocumentReference"], |r| {
        let attachments: Vec<Attachment> = r["content"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| &c["attachment"])
            .filter(|a| a.get("data").is_some() || a.get("url").is_some())
            .map(|a| {
                let content_type = non_empty(&a["contentType"])
                    .unwrap_or_else(|| "application/octet-stream".into());
                Attachment {
                    title: non_empty(&a["title"]),
                    opening: opening_for(&content_type),
                    content_type,
                    data: non_empty(&a["data"]),
                    url: non_empty(&a["url"]),
                    size: a["size"].as_u64(),
                }
            })
            .collect();
        let document = Document {
            id: r["id"].as_str().unwrap_or_default().to_string(),
            kind: concept_text(&r["type"])
                .or_else(|| r["category"].as_array()?.iter().find_map(concept_text))
                .unwrap_or_else(|| "Document".into()),
            description: non_empty(&r["description"])
                .or_else(|| attachments.iter().find_map(|a| a.title.clone())),
            date: first_date(r, &[&["date"], &["context", "period", "start"]])
                .or_else(|| first_date(&r["content"][0]["attachment"], &[&["creation"]])),
            author: r["author"]
                .as_array()
                .and_then(|a| a.iter().find_map(reference_display)),
            superseded: r["status"] == "superseded",
            attachments,
        };
        Some((Place::Current, document))
    });
    list.sort_by(|a, b| b.date.cmp(&a.date));
    list
}

/// Base64 (standard alphabet, padding and line breaks allowed) → bytes.
pub fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for c in text
        .bytes()
        .filter(|c| !c.is_ascii_whitespace() && *c != b'=')
    {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        };
        buffer = (buffer << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn chooses_a_safe_way_to_open_each_type() {
        assert_eq!(opening_for("text/plain; charset=utf-8"), Opening::Text);
        assert_eq!(opening_for("application/PDF"), Opening::Pdf);
        assert_eq!(opening_for("text/html"), Opening::Download);
        assert_eq!(opening_for("image/svg+xml"), Opening::Download);
    }

    #[test]
    fn reads_documents_with_inline_or_linked_content() {
        let list = build(&[
            json!({"resourceType": "DocumentReference", "id": "1", "status": "current", "type": {"text": "Letter"},
                "date": "2024-05-01T10:00:00Z", "author": [{"display": "Dr Shah"}],
                "content": [{"attachment": {"contentType": "text/plain", "data": "SGVsbG8=", "title": "Clinic letter"}}]}),
            json!({"resourceType": "DocumentReference", "id": "2", "status": "superseded",
                "content": [{"attachment": {"contentType": "application/pdf", "url": "Binary/9", "creation": "2020-01-01"}}]}),
            json!({"resourceType": "DocumentReference", "status": "entered-in-error"}),
        ]);
        assert_eq!(list.current.len(), 2);
        assert_eq!(
            list.current[0].description.as_deref(),
            Some("Clinic letter")
        );
        assert_eq!(list.current[1].kind, "Document");
        assert!(list.current[1].superseded);
        assert_eq!(list.current[1].date.as_ref().unwrap().iso(), "2020-01-01");
        assert_eq!(list.current[1].attachments[0].opening, Opening::Pdf);
    }

    #[test]
    fn decodes_base64() {
        assert_eq!(decode_base64("SGVs\nbG8=").unwrap(), b"Hello");
        assert_eq!(decode_base64("").unwrap(), b"");
        assert!(decode_base64("not*base64").is_none());
    }
}
