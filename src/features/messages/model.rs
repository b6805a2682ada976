//! Messages in the patient's words: who each message is from (read from its FHIR Communication),
//! each inbox line, how much more may be typed, and what a new message must have before it goes.

use crate::api::types::{ConversationLine, FileRules, MessageDraft, MessageFrom};
use crate::fhir::{non_empty, plain_text};
use serde_json::Value;

/// What messages are not for, said wherever one is written: not urgent problems, and where to go
/// instead.
pub fn not_urgent(help_desk_phone: &str, emergency_number: &str) -> String {
    format!(
        "Messages are not for anything urgent: a reply can take a few working days. If you need advice sooner, call the help desk on {help_desk_phone}. In an emergency, call {emergency_number}."
    )
}

/// One message of a conversation, as the screen shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct Message {
    pub id: String,
    /// "You", "Ann Carter", "Ben Okafor, for Ann Carter", "Tom Reid, Diabetes specialist nurse".
    pub from: String,
    pub from_hospital: bool,
    pub yours: bool,
    /// When it was sent (FHIR dateTime).
    pub sent: String,
    /// When the hospital first read it: users' messages only.
    pub read_by_hospital: Option<String>,
    /// The text, a paragraph per line the writer typed.
    pub lines: Vec<String>,
    /// Files sent with it, offered as downloads.
    pub files: Vec<FileLink>,
}

/// A file on a message: its name (shown only as text), its size, and where it is downloaded.
#[derive(Clone, Debug, PartialEq)]
pub struct FileLink {
    pub name: String,
    pub size: u64,
    pub url: String,
}

/// The kinds a person knows files by, for the media types a hospital may take.
const KINDS: &[(&str, &str)] = &[
    ("image/jpeg", "JPEG"),
    ("image/png", "PNG"),
    ("image/heic", "HEIC"),
    ("application/pdf", "PDF"),
];

/// "10 MB", "2.5 MB", "800 KB": as phones show file sizes (1 MB is 1,000,000 bytes), the
/// number never on a line apart from its unit.
pub fn size_words(bytes: u64) -> String {
    if bytes >= 1_000_000 {
        let tenths = (bytes + 50_000) / 100_000;
        if tenths.is_multiple_of(10) {
            format!("{}\u{a0}MB", tenths / 10)
        } else {
            format!("{}.{}\u{a0}MB", tenths / 10, tenths % 10)
        }
    } else {
        format!("{}\u{a0}KB", bytes.div_ceil(1000).max(1))
    }
}

/// "JPEG, PNG or PDF".
fn kinds_words(rules: &FileRules) -> String {
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

/// What may be added, said beside the button that adds it.
pub fn files_hint(rules: &FileRules) -> String {
    let each = size_words(rules.max_bytes);
    match rules.max_files {
        1 => format!(
            "You can add one photo or document ({}), up to {each}. It is sent with your message and kept with your draft until then.",
            kinds_words(rules)
        ),
        n => format!(
            "You can add up to {n} photos or documents ({}), each up to {each}. They are sent with your message and kept with your draft until then.",
            kinds_words(rules)
        ),
    }
}

/// Why a chosen file cannot go, found before it is sent: too big, one too many, or of a kind the
/// hospital does not take (by the type the browser gives it, when it gives one: the portal
/// checks the file itself).
pub fn file_problem(
    name: &str,
    size: u64,
    browser_type: &str,
    on_draft: usize,
    rules: &FileRules,
) -> Option<String> {
    if on_draft >= rules.max_files {
        return Some(format!(
            "{name} was not added: a message can carry {} files, and this one has them all. Remove one to add another.",
            rules.max_files
        ));
    }
    if size > rules.max_bytes {
        return Some(format!(
            "{name} is {}, and files can be up to {}. Send a smaller photo, or a PDF of fewer pages.",
            size_words(size),
            size_words(rules.max_bytes)
        ));
    }
    if !browser_type.is_empty() && !rules.types.iter().any(|t| t == browser_type) {
        return Some(format!(
            "{name} cannot be sent. You can send photos and documents saved as {}.",
            kinds_words(rules)
        ));
    }
    None
}

/// A conversation's messages, oldest first, from its Communications. One that cannot be read as
/// a message (no text) is left out, never shown empty.
pub fn messages(communications: &[Value], yours: &[String], patient_name: &str) -> Vec<Message> {
    communications
        .iter()
        .filter(|c| c["resourceType"] == "Communication")
        .filter_map(|c| message(c, yours, patient_name))
        .collect()
}

fn message(c: &Value, yours: &[String], patient_name: &str) -> Option<Message> {
    let id = c["id"].as_str().unwrap_or_default().to_string();
    let text = c["payload"]
        .as_array()?
        .iter()
        .filter_map(|p| p["contentString"].as_str())
        .collect::<Vec<_>>()
        .join("\n");
    let text = plain_text(&text);
    let files = files(c);
    if text.trim().is_empty() && files.is_empty() {
        return None;
    }
    let sender = &c["sender"];
    let reference = sender["reference"].as_str().unwrap_or_default();
    let display = non_empty(&sender["display"]).map(|d| plain_text(&d));
    let is_yours = yours.contains(&id);
    let from_hospital = reference.starts_with('#');
    let from = if is_yours {
        "You".to_string()
    } else if from_hospital {
        let role = contained(c, &reference[1..])
            .and_then(|r| r["code"][0]["text"].as_str())
            .map(plain_text);
        let name = display.unwrap_or_else(|| "Your care team".into());
        match role.filter(|r| !r.is_empty()) {
            Some(role) => format!("{name}, {role}"),
            None => name,
        }
    } else if reference.starts_with("RelatedPerson/") {
        let name = display.unwrap_or_else(|| "Someone".into());
        format!("{name}, for {patient_name}")
    } else {
        display.unwrap_or_else(|| patient_name.to_string())
    };
    Some(Message {
        id,
        from,
        from_hospital,
        yours: is_yours,
        sent: c["sent"].as_str().unwrap_or_default().to_string(),
        read_by_hospital: (!from_hospital)
            .then(|| c["received"].as_str().map(String::from))
            .flatten(),
        lines: text.lines().map(String::from).collect(),
        files,
    })
}

/// The files on a Communication: `payload[].contentAttachment`.
fn files(c: &Value) -> Vec<FileLink> {
    c["payload"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| {
            let a = &p["contentAttachment"];
            Some(FileLink {
                name: non_empty(&a["title"])
                    .map(|t| plain_text(&t))
                    .unwrap_or_else(|| "file".into()),
                size: a["size"].as_u64().unwrap_or_default(),
                url: a["url"].as_str()?.to_string(),
            })
        })
        .collect()
}

fn contained<'a>(c: &'a Value, id: &str) -> Option<&'a Value> {
    c["contained"].as_array()?.iter().find(|r| r["id"] == id)
}

/// Who a message is from, in an inbox line: "You", "Tom Reid, Diabetes specialist nurse".
pub fn from_words(from: &MessageFrom, patient_name: &str) -> String {
    let name = from.name.as_deref().map(plain_text).unwrap_or_default();
    match from.kind.as_str() {
        "you" => "You".into(),
        "staff" => match from.role.as_deref().map(plain_text) {
            Some(role) if !role.is_empty() => format!("{name}, {role}"),
            _ => name,
        },
        "proxy" => format!("{name}, for {patient_name}"),
        _ if name.is_empty() => patient_name.to_string(),
        _ => name,
    }
}

/// "1 new message", "3 new messages" (replies, or a conversation the hospital started); nothing
/// when all are read.
pub fn unread_words(unread: u32) -> Option<String> {
    match unread {
        0 => None,
        1 => Some("1 new message".into()),
        n => Some(format!("{n} new messages")),
    }
}

/// What is said of a conversation beside its subject.
pub fn topic_words(line: &ConversationLine) -> String {
    let topic = line.topic_name.clone().unwrap_or_default();
    if line.closed {
        format!("{topic} (closed)")
    } else {
        topic
    }
}

/// The record item a message is about, in words, and the record section that shows it:
/// "“Asthma” in health problems", or "an item in health problems" when it has no name the
/// reader may see.
pub fn about_item(reference: &str, name: Option<&str>) -> Option<(String, &'static str)> {
    let (resource_type, _) = reference.split_once('/')?;
    let section = crate::sections::for_type(resource_type)?;
    let words = match name.map(str::trim).filter(|n| !n.is_empty()) {
        Some(name) => format!("\u{201c}{name}\u{201d} in {}", section.words),
        None => format!("an item in {}", section.words),
    };
    Some((words, section.id))
}

/// How much more may be typed, as the writer reads it as they type.
pub fn characters_left(typed: &str, max: usize) -> (String, bool) {
    let count = typed.chars().count();
    if count <= max {
        let left = max - count;
        let word = if left == 1 { "character" } else { "characters" };
        (format!("You have {} {word} left", thousands(left)), false)
    } else {
        let over = count - max;
        let word = if over == 1 { "character" } else { "characters" };
        (
            format!("You have {} {word} too many", thousands(over)),
            true,
        )
    }
}

fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
}

/// A new message's problems, each on its field (the field's id, and what to do); none if it
/// can go.
pub fn check_new(
    draft: &MessageDraft,
    max_subject: usize,
    max_length: usize,
) -> Vec<(&'static str, String)> {
    let mut problems = Vec::new();
    if draft.topic.is_empty() {
        problems.push((
            "message-topic-0",
            "Choose what your message is about".into(),
        ));
    }
    let subject = draft.subject.trim().chars().count();
    if subject == 0 {
        problems.push((
            "message-subject",
            "Give your message a subject, in a few words".into(),
        ));
    } else if subject > max_subject {
        problems.push((
            "message-subject",
            format!("Keep the subject to {max_subject} characters or fewer"),
        ));
    }
    problems.extend(check_body(&draft.body, max_length));
    problems
}

/// A message's text: there, and not too long.
pub fn check_body(body: &str, max_length: usize) -> Vec<(&'static str, String)> {
    let count = body.trim().chars().count();
    if count == 0 {
        vec![("message-body", "Write your message".into())]
    } else if count > max_length {
        vec![(
            "message-body",
            format!(
                "Your message is {} characters long. Make it {} characters or fewer",
                thousands(count),
                thousands(max_length)
            ),
        )]
    } else {
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rules() -> FileRules {
        FileRules {
            max_bytes: 10_000_000,
            max_files: 5,
            types: ["image/jpeg", "image/png", "image/heic", "application/pdf"]
                .map(String::from)
                .to_vec(),
        }
    }

    #[test]
    fn files_are_said_in_words_and_refused_before_they_are_sent() {
        assert_eq!(size_words(10_000_000), "10\u{a0}MB");
        assert_eq!(size_words(2_460_000), "2.5\u{a0}MB");
        assert_eq!(size_words(812_345), "813\u{a0}KB");
        assert_eq!(size_words(0), "1\u{a0}KB");
        assert!(files_hint(&rules()).contains(
            "up to 5 photos or documents (JPEG, PNG, HEIC or PDF), each up to 10\u{a0}MB"
        ));
        assert_eq!(
            file_problem("rash.jpg", 500_000, "image/jpeg", 0, &rules()),
            None
        );
        // A browser that does not know a HEIC's type leaves it to the portal.
        assert_eq!(file_problem("IMG_1.HEIC", 500_000, "", 0, &rules()), None);
        let big = file_problem("scan.pdf", 14_230_000, "application/pdf", 0, &rules()).unwrap();
        assert!(
            big.contains("scan.pdf is 14.2\u{a0}MB, and files can be up to 10\u{a0}MB"),
            "{big}"
        );
        let kind = file_problem("notes.docx", 100, "application/msword", 0, &rules()).unwrap();
        assert!(kind.contains("JPEG, PNG, HEIC or PDF"), "{kind}");
        let many = file_problem("6.jpg", 100, "image/jpeg", 5, &rules()).unwrap();
        assert!(many.contains("can carry 5 files"), "{many}");
    }

    #[test]
    fn a_messages_files_are_read_from_its_payload() {
        let c = json!({"resourceType": "Communication", "id": "m1", "sender": {"reference": "Patient/p"},
            "payload": [{"contentString": "See the photo"},
                {"contentAttachment": {"title": "rash\u{202e}.jpg", "size": 1200, "url": "/api/v1/messages/attachments/att-1"}},
                {"contentAttachment": {"title": "no address"}}]});
        let m = &messages(&[c], &[], "Ann")[0];
        assert_eq!(
            m.files,
            vec![FileLink {
                name: "rash.jpg".into(),
                size: 1200,
                url: "/api/v1/messages/attachments/att-1".into()
            }]
        );
        let only_a_file = json!({"resourceType": "Communication", "id": "m2", "sender": {"reference": "#author"},
            "payload": [{"contentAttachment": {"title": "letter.pdf", "url": "/f/2"}}]});
        assert_eq!(messages(&[only_a_file], &[], "Ann").len(), 1);
    }

    #[test]
    fn an_item_a_message_is_about_is_named_with_its_section() {
        assert_eq!(
            about_item("Condition/c1", Some("Asthma")),
            Some((
                "\u{201c}Asthma\u{201d} in health problems".into(),
                "problems"
            ))
        );
        assert_eq!(
            about_item("Observation/o1", Some(" ")),
            Some(("an item in test results".into(), "results"))
        );
        assert_eq!(about_item("Patient", None), None);
        assert_eq!(about_item("Basic/b1", Some("x")), None);
    }

    fn reply() -> Value {
        json!({
            "resourceType": "Communication", "id": "msg-2",
            "contained": [{"resourceType": "PractitionerRole", "id": "author", "code": [{"text": "Pharmacist"}]}],
            "sender": {"reference": "#author", "display": "Priya Shah"},
            "sent": "2026-12-01T14:00:00Z",
            "received": "2026-12-01T15:00:00Z",
            "payload": [{"contentString": "Keep taking it.\nWe will call you."}],
        })
    }

    #[test]
    fn each_message_says_who_wrote_it() {
        let mine = json!({"resourceType": "Communication", "id": "msg-1",
            "sender": {"reference": "Patient/demo-ann", "display": "Ann Carter"},
            "sent": "2026-12-01T09:00:00Z", "received": "2026-12-01T11:00:00Z",
            "payload": [{"contentString": "Is it the tablets?"}]});
        let proxy = json!({"resourceType": "Communication", "id": "msg-3",
            "sender": {"reference": "RelatedPerson/proxy-4", "display": "Ben Okafor"},
            "payload": [{"contentString": "About Friday"}]});
        let all = messages(&[mine, reply(), proxy], &["msg-1".into()], "Ann Carter");
        assert_eq!(all[0].from, "You");
        assert_eq!(
            all[0].read_by_hospital.as_deref(),
            Some("2026-12-01T11:00:00Z")
        );
        assert_eq!(all[1].from, "Priya Shah, Pharmacist");
        assert!(all[1].from_hospital);
        assert_eq!(all[1].read_by_hospital, None);
        assert_eq!(all[1].lines, vec!["Keep taking it.", "We will call you."]);
        assert_eq!(all[2].from, "Ben Okafor, for Ann Carter");
    }

    #[test]
    fn hostile_and_empty_messages_are_text_or_left_out() {
        let hostile = json!({"resourceType": "Communication", "id": "x",
            "sender": {"reference": "Patient/p", "display": "Eve\u{202E}gpj.exe"},
            "payload": [{"contentString": "<script>alert(1)</script>\u{202E}"}]});
        let empty = json!({"resourceType": "Communication", "id": "y", "payload": [{"contentString": "  "}]});
        let odd = json!({"resourceType": "Communication", "id": "z", "payload": "not a list"});
        let all = messages(
            &[hostile, empty, odd, json!({"resourceType": "Patient"})],
            &[],
            "Ann",
        );
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].from, "Evegpj.exe");
        assert_eq!(all[0].lines, vec!["<script>alert(1)</script>"]);
    }

    #[test]
    fn the_count_says_what_is_left_or_over() {
        assert_eq!(
            characters_left("", 4000).0,
            "You have 4,000 characters left"
        );
        assert_eq!(characters_left("ab", 3).0, "You have 1 character left");
        assert_eq!(
            characters_left("éééé", 3),
            ("You have 1 character too many".into(), true)
        );
        assert_eq!(
            characters_left(&"x".repeat(1234), 0).0,
            "You have 1,234 characters too many"
        );
    }

    #[test]
    fn a_new_message_needs_a_topic_a_subject_and_text() {
        let draft = MessageDraft::default();
        let fields: Vec<&str> = check_new(&draft, 120, 4000).iter().map(|p| p.0).collect();
        assert_eq!(
            fields,
            vec!["message-topic-0", "message-subject", "message-body"]
        );
        let ok = MessageDraft {
            topic: "medicine".into(),
            subject: "Dose".into(),
            body: "Hello".into(),
            about: None,
            attachments: Vec::new(),
        };
        assert!(check_new(&ok, 120, 4000).is_empty());
        let long = MessageDraft {
            body: "x".repeat(4001),
            ..ok
        };
        assert!(
            check_new(&long, 120, 4000)[0]
                .1
                .contains("4,001 characters long")
        );
    }

    #[test]
    fn inbox_lines_say_who_and_what_is_new() {
        let staff = MessageFrom {
            kind: "staff".into(),
            name: Some("Tom Reid".into()),
            role: Some("Nurse".into()),
        };
        assert_eq!(from_words(&staff, "Ann"), "Tom Reid, Nurse");
        let proxy = MessageFrom {
            kind: "proxy".into(),
            name: Some("Ben Okafor".into()),
            role: None,
        };
        assert_eq!(
            from_words(&proxy, "Ann Carter"),
            "Ben Okafor, for Ann Carter"
        );
        assert_eq!(unread_words(0), None);
        assert_eq!(unread_words(2).as_deref(), Some("2 new messages"));
    }
}
