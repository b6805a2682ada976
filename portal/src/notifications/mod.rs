//! Notifications of new information: when results, documents, letters or appointments are added
//! to a record, or the care team replies to a message, the patient, and each proxy who asked, gets an email saying only that there is
//! something new, and where to sign in. Never what it is: anyone who can read their email could.
//!
//! Adding a resource notes it (`note_added`, in the same transaction); the server's background
//! task (`send::send_due`) works out who may see it and wants to hear, and sends each of them at
//! most one email an hour, however much arrived.

pub mod emergency;
pub mod routes;
pub mod send;
pub mod subscription;
pub mod watch;

use crate::infra::store::Conn;
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Results,
    Documents,
    Letters,
    Appointments,
    /// A reply from the care team (a Communication), heard of by whoever sees its conversation.
    Messages,
}

impl Kind {
    pub fn id(self) -> &'static str {
        match self {
            Kind::Results => "results",
            Kind::Documents => "documents",
            Kind::Letters => "letters",
            Kind::Appointments => "appointments",
            Kind::Messages => "messages",
        }
    }

    fn from_id(id: &str) -> Option<Self> {
        [
            Kind::Results,
            Kind::Documents,
            Kind::Letters,
            Kind::Appointments,
            Kind::Messages,
        ]
        .into_iter()
        .find(|k| k.id() == id)
    }

    /// What a newly added resource is to a patient, if it is something they hear about.
    pub fn of(resource: &Value) -> Option<Self> {
        match resource["resourceType"].as_str()? {
            "DiagnosticReport" => Some(Kind::Results),
            // Smoking status and questionnaire answers are what the patient said, not results.
            "Observation" => (!codes(&resource["category"])
                .any(|(_, code)| code == "social-history" || code == "survey"))
            .then_some(Kind::Results),
            "DocumentReference" if is_letter(resource) => Some(Kind::Letters),
            "DocumentReference" => Some(Kind::Documents),
            "Appointment" => Some(Kind::Appointments),
            _ => None,
        }
    }
}

/// Every (system, code) of a CodeableConcept or a list of them.
fn codes(concepts: &Value) -> impl Iterator<Item = (&str, &str)> {
    let list: Vec<&Value> = match concepts {
        Value::Array(items) => items.iter().collect(),
        one => vec![one],
    };
    list.into_iter()
        .filter_map(|c| c["coding"].as_array())
        .flatten()
        .filter_map(|c| Some((c["system"].as_str().unwrap_or(""), c["code"].as_str()?)))
}

/// A letter: typed as LOINC 51852-2 "Letter", or named one in its type or category.
fn is_letter(document: &Value) -> bool {
    let concepts = [&document["type"], &document["category"]];
    concepts
        .iter()
        .any(|c| codes(c).any(|(system, code)| system == "http://loinc.org" && code == "51852-2"))
        || concepts.iter().any(|c| {
            let mut words = vec![c["text"].as_str().unwrap_or("")];
            words.extend(
                c.as_array()
                    .into_iter()
                    .flatten()
                    .chain(std::iter::once(*c))
                    .filter_map(|c| c["coding"].as_array())
                    .flatten()
                    .filter_map(|c| c["display"].as_str()),
            );
            words.iter().any(|w| w.to_lowercase().contains("letter"))
        })
}

/// Notes a resource just added to a patient's record, if it is something people hear about.
pub async fn note_added(
    conn: &mut Conn,
    patient_id: &str,
    resource: &Value,
    now: i64,
) -> sqlx::Result<()> {
    let (Some(kind), Some(kind_of), Some(id)) = (
        Kind::of(resource),
        resource["resourceType"].as_str(),
        resource["id"].as_str(),
    ) else {
        return Ok(());
    };
    note(conn, patient_id, kind_of, id, kind, now).await
}

/// Notes something new in a patient's record of this kind, to be emailed about.
pub async fn note(
    conn: &mut Conn,
    patient_id: &str,
    resource_type: &str,
    id: &str,
    kind: Kind,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO new_information (patient_id, resource_type, resource_id, kind, added_at)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(patient_id)
    .bind(resource_type)
    .bind(id)
    .bind(kind.id())
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// What an account wants to hear about. Without a choice made: every kind, about their own
/// record; about the people they act for only once they ask.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Choices {
    pub results: bool,
    pub documents: bool,
    pub letters: bool,
    pub appointments: bool,
    /// Replies to messages. Absent from an older app's choices: on.
    #[serde(default = "on")]
    pub messages: bool,
    /// About the records of the people they act for, too.
    pub others_records: bool,
}

impl Default for Choices {
    fn default() -> Self {
        Self {
            results: true,
            documents: true,
            letters: true,
            appointments: true,
            messages: true,
            others_records: false,
        }
    }
}

fn on() -> bool {
    true
}

impl Choices {
    pub fn wants(&self, kind: Kind) -> bool {
        match kind {
            Kind::Results => self.results,
            Kind::Documents => self.documents,
            Kind::Letters => self.letters,
            Kind::Appointments => self.appointments,
            Kind::Messages => self.messages,
        }
    }
}

pub async fn choices(conn: &mut Conn, user_id: i64) -> sqlx::Result<Choices> {
    // Kept as 0 and 1: both databases read an integer the same way.
    let row: Option<(i64, i64, i64, i64, i64, i64)> = sqlx::query_as(
        "SELECT results, documents, letters, appointments, messages, others
         FROM notification_choices WHERE user_id = $1",
    )
    .bind(user_id)
    .fetch_optional(conn)
    .await?;
    Ok(
        row.map_or_else(Choices::default, |(r, d, l, a, m, o)| Choices {
            results: r != 0,
            documents: d != 0,
            letters: l != 0,
            appointments: a != 0,
            messages: m != 0,
            others_records: o != 0,
        }),
    )
}

pub async fn set_choices(conn: &mut Conn, user_id: i64, c: &Choices) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO notification_choices
           (user_id, results, documents, letters, appointments, messages, others)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (user_id) DO UPDATE SET results = excluded.results,
           documents = excluded.documents, letters = excluded.letters,
           appointments = excluded.appointments, messages = excluded.messages,
           others = excluded.others",
    )
    .bind(user_id)
    .bind(i64::from(c.results))
    .bind(i64::from(c.documents))
    .bind(i64::from(c.letters))
    .bind(i64::from(c.appointments))
    .bind(i64::from(c.messages))
    .bind(i64::from(c.others_records))
    .execute(conn)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn each_new_resource_is_the_kind_a_patient_would_call_it() {
        let kind = |r: Value| Kind::of(&r);
        assert_eq!(
            kind(json!({"resourceType": "DiagnosticReport"})),
            Some(Kind::Results)
        );
        assert_eq!(
            kind(
                json!({"resourceType": "Observation", "category": [{"coding": [{"code": "laboratory"}]}]})
            ),
            Some(Kind::Results)
        );
        assert_eq!(
            kind(
                json!({"resourceType": "Observation", "category": [{"coding": [{"code": "social-history"}]}]})
            ),
            None
        );
        assert_eq!(
            kind(
                json!({"resourceType": "DocumentReference", "type": {"coding": [{"system": "http://loinc.org", "code": "51852-2"}]}})
            ),
            Some(Kind::Letters)
        );
        assert_eq!(
            kind(json!({"resourceType": "DocumentReference", "type": {"text": "Clinic letter"}})),
            Some(Kind::Letters)
        );
        assert_eq!(
            kind(
                json!({"resourceType": "DocumentReference", "category": [{"coding": [{"display": "Discharge Letter"}]}]})
            ),
            Some(Kind::Letters)
        );
        assert_eq!(
            kind(
                json!({"resourceType": "DocumentReference", "type": {"text": "Discharge summary"}})
            ),
            Some(Kind::Documents)
        );
        assert_eq!(
            kind(json!({"resourceType": "Appointment"})),
            Some(Kind::Appointments)
        );
        for quiet in ["Condition", "AllergyIntolerance", "Patient", "Encounter"] {
            assert_eq!(kind(json!({"resourceType": quiet})), None, "{quiet}");
        }
        assert_eq!(Kind::from_id("letters"), Some(Kind::Letters));
        assert_eq!(Kind::from_id("x"), None);
    }
}
