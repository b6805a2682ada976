//! Messages in the patient's words: who each message is from (read from its FHIR Communication),
//! each inbox line, how much more may be typed, and what a new message must have before it goes.

use crate::api::types::{ConversationLine, MessageDraft, MessageFrom};
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
    if text.trim().is_empty() {
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
    })
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
