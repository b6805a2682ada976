//! What the hospital decides about messages, in its portal configuration file (`messages`): the
//! topics a patient chooses from and where each goes, the working days and holidays that set
//! when a reply can be expected, the limits on length and on how many are sent in an hour, and
//! what may be attached.

use crate::infra::time::{civil_from_days, parse_date};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessagesInfo {
    pub topics: Vec<Topic>,
    /// Working days (1 Monday to 7 Sunday) on which messages are answered.
    pub working_days: Vec<u8>,
    /// Days (YYYY-MM-DD) no one answers: bank holidays, closures.
    pub holidays: Vec<String>,
    /// How many working days after the day it is sent a reply is due.
    pub reply_working_days: u32,
    /// The longest message, in characters.
    pub max_length: usize,
    /// Messages one person may send in an hour, across every record they act for.
    pub per_hour: u32,
    /// What may be attached to a message.
    #[serde(default)]
    pub attachments: AttachmentRules,
}

/// Files on messages, as the hospital allows them.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AttachmentRules {
    /// The largest file, in bytes: 10 MB unless the hospital says.
    pub max_bytes: u64,
    /// How many files one message may carry; 0 turns attachments off.
    pub max_files: usize,
    /// The kinds allowed, by media type: of those the portal tells from a file's first bytes
    /// (`attachments::KINDS`).
    pub types: Vec<String>,
}

impl Default for AttachmentRules {
    fn default() -> Self {
        Self {
            max_bytes: 10_000_000,
            max_files: 5,
            types: ["image/jpeg", "image/png", "image/heic", "application/pdf"]
                .map(String::from)
                .to_vec(),
        }
    }
}

/// A topic: what the patient reads, and the team or queue it goes to (for the hospital's
/// systems; never shown).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Topic {
    pub id: String,
    pub name: String,
    pub hint: String,
    #[serde(skip_serializing)]
    pub route_to: String,
}

/// The topic a message about a record item is sent under: "Something wrong in my record".
pub const CORRECTION: &str = "record-correction";

impl Default for MessagesInfo {
    fn default() -> Self {
        let topic = |id: &str, name: &str, hint: &str, route_to: &str| Topic {
            id: id.into(),
            name: name.into(),
            hint: hint.into(),
            route_to: route_to.into(),
        };
        Self {
            topics: vec![
                topic(
                    "medical-question",
                    "A medical question for my care team",
                    "About your condition, your treatment or a result.",
                    "care-team",
                ),
                topic(
                    "appointment",
                    "An appointment",
                    "To ask about, change or cancel an appointment.",
                    "appointments",
                ),
                topic(
                    "medicine",
                    "A medicine",
                    "About a medicine you take, or a repeat prescription.",
                    "pharmacy",
                ),
                topic(
                    CORRECTION,
                    "Something wrong in my record",
                    "Tell us what is wrong and what it should say.",
                    "medical-records",
                ),
                topic(
                    "account",
                    "My account",
                    "Signing in, who can see your record, or closing your account.",
                    "help-desk",
                ),
                topic(
                    "other",
                    "Something else",
                    "Anything not listed here.",
                    "help-desk",
                ),
            ],
            working_days: vec![1, 2, 3, 4, 5],
            // England and Wales bank holidays.
            holidays: [
                "2026-12-25",
                "2026-12-28",
                "2027-01-01",
                "2027-03-26",
                "2027-03-29",
                "2027-05-03",
                "2027-05-31",
                "2027-08-30",
                "2027-12-27",
                "2027-12-28",
            ]
            .iter()
            .map(|d| d.to_string())
            .collect(),
            reply_working_days: 2,
            max_length: 4000,
            per_hour: 10,
            attachments: AttachmentRules::default(),
        }
    }
}

impl MessagesInfo {
    /// A configuration file's settings must make sense before the portal serves anyone.
    pub fn check(&self) -> Result<(), String> {
        if self.topics.is_empty() {
            return Err("messages.topics: list at least one topic".into());
        }
        if self.working_days.is_empty() || self.working_days.iter().any(|d| !(1..=7).contains(d)) {
            return Err("messages.workingDays: days are 1 (Monday) to 7 (Sunday)".into());
        }
        if let Some(bad) = self.holidays.iter().find(|d| parse_date(d).is_none()) {
            return Err(format!(
                "messages.holidays: {bad} is not a date (YYYY-MM-DD)"
            ));
        }
        if self.max_length == 0 || self.per_hour == 0 {
            return Err("messages.maxLength and messages.perHour must be above 0".into());
        }
        let files = &self.attachments;
        if !(1..=super::attachments::MAX_BYTES).contains(&files.max_bytes) {
            return Err(format!(
                "messages.attachments.maxBytes: 1 to {} bytes",
                super::attachments::MAX_BYTES
            ));
        }
        if files.max_files > 20 {
            return Err("messages.attachments.maxFiles: 0 (none) to 20".into());
        }
        if let Some(bad) = files
            .types
            .iter()
            .find(|t| !super::attachments::KINDS.iter().any(|(k, _)| k == t))
        {
            let known: Vec<&str> = super::attachments::KINDS.iter().map(|(k, _)| *k).collect();
            return Err(format!(
                "messages.attachments.types: {bad} is not one the portal can check; use {}",
                known.join(", ")
            ));
        }
        Ok(())
    }

    pub fn topic(&self, id: &str) -> Option<&Topic> {
        self.topics.iter().find(|t| t.id == id)
    }

    fn is_working(&self, day: i64) -> bool {
        // 1970-01-01 was a Thursday (4).
        let weekday = ((day + 3).rem_euclid(7) + 1) as u8;
        let (y, m, d) = civil_from_days(day);
        let date = format!("{y:04}-{m:02}-{d:02}");
        self.working_days.contains(&weekday) && !self.holidays.contains(&date)
    }

    /// The day (days since 1970-01-01) a reply is due to a message sent on `sent_on` (the
    /// hospital's own date): that many working days after it.
    pub fn reply_by(&self, sent_on: i64) -> i64 {
        let mut day = sent_on;
        let mut left = self.reply_working_days;
        // A year is enough to find any number of working days a hospital would promise.
        for _ in 0..366 {
            if left == 0 {
                break;
            }
            day += 1;
            if self.is_working(day) {
                left -= 1;
            }
        }
        day
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::infra::time::days_from_civil;

    fn day(y: i64, m: u32, d: u32) -> i64 {
        days_from_civil(y, m, d)
    }

    #[test]
    fn a_reply_is_due_two_working_days_on() {
        let s = MessagesInfo::default();
        // Monday 7 December 2026 → Wednesday 9 December.
        assert_eq!(s.reply_by(day(2026, 12, 7)), day(2026, 12, 9));
        // Friday → Tuesday, past the weekend.
        assert_eq!(s.reply_by(day(2026, 12, 4)), day(2026, 12, 8));
        // Sunday → Tuesday.
        assert_eq!(s.reply_by(day(2026, 12, 6)), day(2026, 12, 8));
        // Wednesday 23 December → Tuesday 29 December, past Christmas, the weekend and the
        // Boxing Day holiday on the Monday.
        assert_eq!(s.reply_by(day(2026, 12, 23)), day(2026, 12, 29));
    }

    #[test]
    fn nonsense_settings_are_refused() {
        assert!(MessagesInfo::default().check().is_ok());
        let s = MessagesInfo {
            working_days: vec![0],
            ..Default::default()
        };
        assert!(s.check().is_err());
        let s = MessagesInfo {
            holidays: vec!["25/12/2026".into()],
            ..Default::default()
        };
        assert!(s.check().is_err());
        let mut s = MessagesInfo::default();
        s.topics.clear();
        assert!(s.check().is_err());
        let mut s = MessagesInfo::default();
        s.attachments.types.push("text/html".into());
        assert!(s.check().is_err());
        let mut s = MessagesInfo::default();
        s.attachments.max_bytes = 0;
        assert!(s.check().is_err());
    }
}
