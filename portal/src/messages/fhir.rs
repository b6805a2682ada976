//! Each message as a FHIR R4 Communication: a conversation is the messages that share a topic
//! coding (`urn:carefront:conversation`), each in response to the one before; `about` names the
//! record item a correction request is about; the hospital's first reading is `received`.

use super::settings::MessagesInfo;
use super::store::{Attachment, Conversation, Message};
use crate::infra::time;
use serde_json::{Value, json};

pub const TYPE: &str = "Communication";
/// Codes a conversation: every message in it carries this coding in its `topic`.
pub const CONVERSATION: &str = "urn:carefront:conversation";
/// The hospital's topics (`messages.topics` in its configuration).
pub const TOPIC: &str = "urn:carefront:message-topic";
/// Where the hospital sends a topic's messages: its `routeTo`.
pub const QUEUE: &str = "urn:carefront:message-queue";

/// The files on a conversation's messages, and the address each is downloaded at (its id
/// appended).
#[derive(Clone, Copy)]
pub struct Files<'a> {
    pub list: &'a [Attachment],
    pub at: &'a str,
}

/// The Communication for `message`, the message after `previous` in `conversation`; each file on
/// it is a `contentAttachment` after the text, with its address, kind, size and name.
pub fn communication(
    conversation: &Conversation,
    message: &Message,
    previous: Option<&Message>,
    settings: &MessagesInfo,
    files: Files<'_>,
) -> Value {
    let patient = format!("Patient/{}", conversation.patient_id);
    let mut c = json!({
        "resourceType": TYPE,
        "id": message.fhir_id,
        "status": "completed",
        "subject": {"reference": patient},
        "topic": {
            "coding": [
                {"system": CONVERSATION, "code": conversation.id.to_string()},
                {"system": TOPIC, "code": conversation.topic},
            ],
            "text": conversation.subject,
        },
        "sent": time::rfc3339(message.sent_at),
        "payload": [{"contentString": message.body}],
    });
    for file in files
        .list
        .iter()
        .filter(|f| f.message_id == Some(message.id))
    {
        if let Some(payload) = c["payload"].as_array_mut() {
            payload.push(json!({"contentAttachment": {
                "contentType": file.content_type,
                "url": format!("{}/{}", files.at, file.id),
                "size": file.size,
                "title": file.name,
            }}));
        }
    }
    if let Some(previous) = previous {
        c["inResponseTo"] = json!([{"reference": format!("Communication/{}", previous.fhir_id)}]);
    }
    if let Some(about) = &conversation.about {
        c["about"] = json!([{"reference": about}]);
    }
    if let Some(at) = message.received_at {
        c["received"] = json!(time::rfc3339(at));
    }
    match (&message.staff_name, message.author_user) {
        (Some(name), None) => {
            let role = message.staff_role.as_deref().unwrap_or_default();
            c["contained"] = json!([{
                "resourceType": "PractitionerRole",
                "id": "author",
                "practitioner": {"display": name},
                "code": [{"text": role}],
            }]);
            c["sender"] = json!({"reference": "#author", "display": name});
            c["recipient"] = json!([{"reference": patient}]);
        }
        _ => {
            let name = message.author_name.clone().unwrap_or_default();
            c["sender"] = match message.proxy_relationship {
                Some(r) => json!({
                    "reference": format!("RelatedPerson/{}", crate::proxies::fhir::related_person_id(r)),
                    "display": name,
                }),
                None => json!({"reference": patient, "display": name}),
            };
            if let Some(topic) = settings.topic(&conversation.topic) {
                c["recipient"] = json!([{
                    "identifier": {"system": QUEUE, "value": topic.route_to},
                    "display": topic.name,
                }]);
            }
        }
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conversation() -> Conversation {
        Conversation {
            id: 7,
            patient_id: "demo-ann".into(),
            topic: "medicine".into(),
            subject: "Ramipril dose".into(),
            about: Some("MedicationRequest/ann-med-1".into()),
            started_by: Some(1),
            started_at: 1_700_000_000,
            last_at: 1_700_000_000,
            closed_at: None,
        }
    }

    fn message(id: &str, user: Option<i64>) -> Message {
        Message {
            id: 1,
            fhir_id: id.into(),
            conversation_id: 7,
            sent_at: 1_700_000_000,
            author_user: user,
            author_name: user.map(|_| "Ann Carter".into()),
            proxy_relationship: None,
            staff_name: user.is_none().then(|| "Sarah Okafor".into()),
            staff_role: user.is_none().then(|| "Pharmacist".into()),
            body: "<b>Hello</b>".into(),
            received_at: None,
        }
    }

    fn photo(message: i64) -> Attachment {
        Attachment {
            id: format!("att-{message}"),
            patient_id: "demo-ann".into(),
            user_id: Some(1),
            place: None,
            message_id: Some(message),
            name: format!("rash <{message}>.jpg"),
            content_type: "image/jpeg".into(),
            size: 1234,
        }
    }

    #[test]
    fn a_patients_message_goes_to_the_topics_queue() {
        let c = communication(
            &conversation(),
            &message("msg-a", Some(1)),
            None,
            &MessagesInfo::default(),
            Files {
                list: &[photo(1), photo(2)],
                at: "/files",
            },
        );
        assert_eq!(c["resourceType"], "Communication");
        // Only the file on this message, after its words.
        assert_eq!(c["payload"].as_array().unwrap().len(), 2);
        let file = &c["payload"][1]["contentAttachment"];
        assert_eq!(file["url"], "/files/att-1");
        assert_eq!(file["contentType"], "image/jpeg");
        assert_eq!(file["title"], "rash <1>.jpg");
        assert_eq!(file["size"], 1234);
        assert_eq!(c["subject"]["reference"], "Patient/demo-ann");
        assert_eq!(c["sender"]["reference"], "Patient/demo-ann");
        assert_eq!(c["recipient"][0]["identifier"]["value"], "pharmacy");
        assert_eq!(c["topic"]["coding"][0]["code"], "7");
        assert_eq!(c["about"][0]["reference"], "MedicationRequest/ann-med-1");
        assert_eq!(c["payload"][0]["contentString"], "<b>Hello</b>");
        assert!(c.get("inResponseTo").is_none());
        assert!(c.get("received").is_none());
    }

    #[test]
    fn a_reply_names_the_member_of_staff_and_answers_the_message_before() {
        let first = message("msg-a", Some(1));
        let mut reply = message("msg-b", None);
        reply.received_at = Some(1_700_000_100);
        let c = communication(
            &conversation(),
            &reply,
            Some(&first),
            &MessagesInfo::default(),
            Files { list: &[], at: "" },
        );
        assert_eq!(c["inResponseTo"][0]["reference"], "Communication/msg-a");
        assert_eq!(c["sender"]["display"], "Sarah Okafor");
        assert_eq!(c["contained"][0]["code"][0]["text"], "Pharmacist");
        assert_eq!(c["recipient"][0]["reference"], "Patient/demo-ann");
    }
}
