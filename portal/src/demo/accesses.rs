//! Two years of other organisations reading Ann's record, for the privacy centre to show: her
//! GP surgery and its nurse, her pharmacist, a night in another hospital's A&E (emergency
//! access), the hospital's own diabetes consultant (reported by its electronic record), and a
//! care agency she objected to, refused once since.

use super::Rng;
use crate::audit::Event;
use crate::infra::store::Conn;
use crate::privacy::objections::{self, By, Kind};
use crate::professional::registry::{self, Organisation};
use serde_json::json;

const PATIENT: &str = "demo-ann";

/// The organisations whose systems read in the demo, by id and name.
pub const ORGANISATIONS: &[(&str, &str)] = &[
    ("northgate-surgery", "Northgate Surgery"),
    ("kingsway-pharmacy", "Kingsway Pharmacy"),
    ("st-marys", "St Mary's Hospital"),
    ("oakfield-care", "Oakfield Care Agency"),
    ("riverside", "Riverside General Hospital"),
];

struct Reader {
    client: &'static str,
    organisation: usize,
    name: &'static str,
    role: &'static str,
    purpose: &'static str,
    reported: bool,
}

impl Reader {
    fn event(&self, action: &'static str, at: i64) -> Event {
        let (id, name) = ORGANISATIONS[self.organisation];
        let mut who = json!({
            "client": self.client,
            "organisationId": id,
            "organisation": name,
            "name": self.name,
            "role": {"display": self.role},
            "purpose": self.purpose,
        });
        if self.reported {
            who["reported"] = json!(true);
        }
        Event::new(action)
            .professional(&who.to_string())
            .patient(Some(PATIENT))
            .at(at)
    }

    /// Searches of these types, a few seconds apart from `at`.
    async fn looks_at(&self, conn: &mut Conn, at: i64, types: &[&str]) -> sqlx::Result<()> {
        for (n, kind) in types.iter().enumerate() {
            self.event("search", at + 7 * n as i64)
                .detail(&format!(
                    "/professional/fhir/{kind}?patient={PATIENT}&_count=50&_sort=-date"
                ))
                .record(conn)
                .await?;
        }
        Ok(())
    }
}

const GP: Reader = Reader {
    client: "northgate-surgery-gp-system",
    organisation: 0,
    name: "Dr Helen Ward",
    role: "GP",
    purpose: "TREAT",
    reported: false,
};
const NURSE: Reader = Reader {
    name: "Tom Baker",
    role: "practice nurse",
    ..GP
};
const PHARMACIST: Reader = Reader {
    client: "kingsway-pharmacy-system",
    organisation: 1,
    name: "Amir Khan",
    role: "pharmacist",
    purpose: "TREAT",
    reported: false,
};
const EMERGENCY: Reader = Reader {
    client: "st-marys-ed-system",
    organisation: 2,
    name: "Dr Lucy Chen",
    role: "emergency doctor",
    purpose: "ETREAT",
    reported: false,
};
const CARE_AGENCY: Reader = Reader {
    client: "oakfield-care-planner",
    organisation: 3,
    name: "Sam Green",
    role: "care coordinator",
    purpose: "CAREMGT",
    reported: false,
};
const CONSULTANT: Reader = Reader {
    client: "riverside-ehr",
    organisation: 4,
    name: "Dr Priya Shah",
    role: "diabetes consultant",
    purpose: "TREAT",
    reported: true,
};

pub async fn seed(conn: &mut Conn, ann: i64, today: i64) -> sqlx::Result<()> {
    for (id, name) in ORGANISATIONS {
        registry::put_organisation(
            conn,
            &Organisation {
                id: id.to_string(),
                name: name.to_string(),
            },
            (today - 730) * 86_400,
        )
        .await?;
    }
    let mut rng = Rng(0x0A11_CE5E_ED00_0001);
    let mut working_hours =
        |day: i64| day * 86_400 + 8 * 3600 + 30 * 60 + rng.below(9 * 3600) as i64;
    let mut at_times = Vec::new();
    let mut d = today - 728;
    // Every visit's follow-ups (up to nine days on) fall before today.
    while d < today - 10 {
        at_times.push(d);
        d += 28 + (d % 17);
    }
    for &d in &at_times {
        GP.looks_at(
            conn,
            working_hours(d),
            &["MedicationRequest", "Observation"],
        )
        .await?;
        PHARMACIST
            .looks_at(
                conn,
                working_hours(d + 3),
                &["MedicationRequest", "AllergyIntolerance"],
            )
            .await?;
    }
    for &d in at_times.iter().step_by(4) {
        NURSE
            .looks_at(conn, working_hours(d + 1), &["Observation", "Immunization"])
            .await?;
        CONSULTANT
            .looks_at(
                conn,
                working_hours(d + 9),
                &["Observation", "DiagnosticReport", "DocumentReference"],
            )
            .await?;
    }
    // A night in St Mary's A&E: everything needed at once, for emergency treatment.
    let night = (today - 251) * 86_400 + 2 * 3600 + 14 * 60;
    EMERGENCY
        .looks_at(
            conn,
            night,
            &[
                "AllergyIntolerance",
                "MedicationRequest",
                "Condition",
                "Observation",
            ],
        )
        .await?;
    // The care agency read monthly until Ann objected; it was refused once after.
    let objected = today - 150;
    for d in (today - 400..objected).step_by(30) {
        CARE_AGENCY
            .looks_at(conn, working_hours(d), &["MedicationRequest"])
            .await?;
    }
    let by = By {
        user: ann,
        through: None,
    };
    let evening = objected * 86_400 + 19 * 3600;
    if let Some(id) = objections::add(
        conn,
        PATIENT,
        Kind::Organisation,
        "oakfield-care",
        by,
        evening,
    )
    .await?
    {
        Event::new("objection-made")
            .user(Some(ann))
            .patient(Some(PATIENT))
            .detail(&format!(
                "Consent/{}",
                crate::privacy::consent::resource_id(id)
            ))
            .at(evening)
            .record(conn)
            .await?;
    }
    CARE_AGENCY
        .event("search", (objected + 12) * 86_400 + 10 * 3600 + 5 * 60)
        .detail(&format!(
            "/professional/fhir/MedicationRequest?patient={PATIENT}&_count=50&_sort=-date"
        ))
        .refused_for("patient-objected")
        .record(conn)
        .await?;
    Ok(())
}
