//! Appointments → upcoming and past, each at a moment the browser shows in the patient's time zone.

use crate::fhir::date::FhirDate;
use crate::fhir::entries::{Entries, Place, read_entries};
use crate::fhir::{concept_text, non_empty};
use serde_json::Value;

#[derive(Clone, Debug, PartialEq)]
pub struct Appointment {
    /// How the item is referred to (`Condition/c1`), for a message about it.
    pub reference: Option<String>,
    pub what: String,
    /// The start as written (with its offset) and as a moment.
    pub start: Option<(String, f64)>,
    pub minutes: Option<u32>,
    pub status: Status,
    pub place: Option<String>,
    pub clinician: Option<String>,
    pub instructions: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Status {
    Requested,
    Pending,
    Booked,
    CheckedIn,
    Attended,
    Cancelled,
    Missed,
    Waitlisted,
    Unknown,
}

impl Status {
    fn from_code(code: &str) -> Self {
        match code {
            "proposed" => Self::Requested,
            "pending" => Self::Pending,
            "booked" => Self::Booked,
            "arrived" | "checked-in" => Self::CheckedIn,
            "fulfilled" => Self::Attended,
            "cancelled" => Self::Cancelled,
            "noshow" => Self::Missed,
            "waitlist" => Self::Waitlisted,
            _ => Self::Unknown,
        }
    }

    pub fn words(self) -> &'static str {
        match self {
            Self::Requested => "Requested",
            Self::Pending => "Waiting to be confirmed",
            Self::Booked => "Booked",
            Self::CheckedIn => "Checked in",
            Self::Attended => "Attended",
            Self::Cancelled => "Cancelled",
            Self::Missed => "Missed",
            Self::Waitlisted => "On the waiting list",
            Self::Unknown => "Status not known",
        }
    }

    /// Cancelled or missed: shown, but set apart.
    pub fn is_off(self) -> bool {
        matches!(self, Self::Cancelled | Self::Missed)
    }

    /// Whether it already happened (or did not), whatever its time says.
    fn is_over(self) -> bool {
        matches!(self, Self::Attended | Self::Missed)
    }
}

/// Participants by kind: the reference's type where there is one, else the actor's own words.
fn participant(r: &Value, kind: &str) -> Option<String> {
    r["participant"].as_array()?.iter().find_map(|p| {
        let actor = &p["actor"];
        let reference = actor["reference"].as_str().unwrap_or_default();
        let is_kind =
            reference.starts_with(&format!("{kind}/")) || reference.contains(&format!("/{kind}/"));
        is_kind.then(|| non_empty(&actor["display"])).flatten()
    })
}

/// Upcoming appointments (current) soonest first, then past ones, newest first.
pub fn build(resources: &[Value], now_ms: f64) -> Entries<Appointment> {
    let mut list = read_entries(resources, &["Appointment"], |r| {
        let code = r["status"].as_str().unwrap_or_default();
        let status = Status::from_code(code);
        let start = FhirDate::moment(&r["start"]);
        let minutes = r["minutesDuration"].as_u64().map(|m| m as u32).or_else(|| {
            let (_, s) = start.as_ref()?;
            let e = FhirDate::of(&r["end"])?.epoch_ms()?;
            (e > *s).then(|| ((e - s) / 60_000.0).round() as u32)
        });
        let what = r["serviceType"]
            .as_array()
            .and_then(|a| a.iter().find_map(concept_text))
            .or_else(|| concept_text(&r["appointmentType"]))
            .or_else(|| non_empty(&r["description"]))
            .or_else(|| r["reasonCode"].as_array()?.iter().find_map(concept_text))
            .unwrap_or_else(|| "Appointment".into());
        let appointment = Appointment {
            reference: crate::fhir::reference::of(r),
            what,
            minutes,
            status,
            place: participant(r, "Location").or_else(|| participant(r, "HealthcareService")),
            clinician: participant(r, "Practitioner")
                .or_else(|| participant(r, "PractitionerRole")),
            instructions: non_empty(&r["patientInstruction"]).or_else(|| non_empty(&r["comment"])),
            start,
        };
        // An appointment with no time yet (a request) is still ahead of the patient.
        let ahead = appointment
            .start
            .as_ref()
            .is_none_or(|(_, ms)| *ms >= now_ms);
        let place = if ahead && !status.is_over() {
            Place::Current
        } else {
            Place::Past
        };
        Some((place, appointment))
    });
    let at = |a: &Appointment| a.start.as_ref().map_or(f64::MAX, |(_, ms)| *ms);
    list.current.sort_by(|a, b| at(a).total_cmp(&at(b)));
    list.past.sort_by(|a, b| at(b).total_cmp(&at(a)));
    list
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn splits_upcoming_from_past_soonest_first() {
        let now = FhirDate::parse("2026-06-01T12:00:00Z")
            .and_then(|d| d.epoch_ms())
            .unwrap();
        let appt = |start: &str, status: &str, what: &str| {
            json!({"resourceType": "Appointment", "status": status,
            "serviceType": [{"text": what}], "start": start, "end": "2030-01-01T00:00:00Z",
            "participant": [
                {"actor": {"reference": "Patient/p"}},
                {"actor": {"reference": "Practitioner/d", "display": "Dr Shah"}},
                {"actor": {"reference": "Location/l", "display": "Eye Clinic"}}]})
        };
        let list = build(
            &[
                appt("2026-07-01T10:00:00+01:00", "booked", "Later"),
                appt("2026-06-02T10:00:00Z", "cancelled", "Soon but cancelled"),
                appt("2026-05-01T10:00:00Z", "fulfilled", "Done"),
                appt("2026-06-01T13:00:00Z", "noshow", "Marked missed early"),
                json!({"resourceType": "Appointment", "status": "proposed", "description": "Knee clinic"}),
            ],
            now,
        );
        let upcoming: Vec<(&str, &str)> = list
            .current
            .iter()
            .map(|a| (a.what.as_str(), a.status.words()))
            .collect();
        assert_eq!(
            upcoming,
            [
                ("Soon but cancelled", "Cancelled"),
                ("Later", "Booked"),
                ("Knee clinic", "Requested")
            ]
        );
        assert!(list.current[0].status.is_off());
        assert_eq!(list.current[1].place.as_deref(), Some("Eye Clinic"));
        assert_eq!(list.current[1].clinician.as_deref(), Some("Dr Shah"));
        let past: Vec<&str> = list.past.iter().map(|a| a.status.words()).collect();
        assert_eq!(past, ["Missed", "Attended"]);
    }

    #[test]
    fn duration_from_minutes_or_end() {
        let list = build(
            &[
                json!({"resourceType": "Appointment", "status": "booked", "start": "2030-01-01T09:00:00Z", "end": "2030-01-01T09:45:00Z"}),
            ],
            0.0,
        );
        assert_eq!(list.current[0].minutes, Some(45));
    }
}
