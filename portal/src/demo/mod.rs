//! Demo patients with years of synthetic history, the same on every run for the same day.
//! Everything here is invented; it lives only in the reference portal.

mod accesses;
mod messages;

use crate::accounts::{self, NewUser};
use crate::infra::error::ApiError;
use crate::infra::sealed::SecretsKey;
use crate::infra::store::{Conn, Store, one_at_a_time};
use crate::infra::time;
use crate::records::Records;
use crate::session::password;
use crate::terms::{self, TermsDocument};
use serde_json::{Value, json};

pub const DEMO_PASSWORD: &str = "carefront-demo";
/// A published demo secret: anyone may compute this account's codes (`carefront-portal code ben`).
pub const BEN_TOTP_SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

pub struct DemoUser {
    pub username: &'static str,
    pub display_name: &'static str,
    /// Their own record; None for someone who only acts for others.
    pub patient_id: Option<&'static str>,
    pub totp_secret: Option<&'static str>,
    /// Their confirmed email address: the demo's mail goes to its outbox folder.
    pub email: &'static str,
    pub about: &'static str,
}

pub const DEMO_USERS: &[DemoUser] = &[
    DemoUser {
        username: "ann",
        display_name: "Ann Carter",
        patient_id: Some("demo-ann"),
        totp_secret: None,
        email: "ann.carter@example.org",
        about: "72, diabetes and high blood pressure, several allergies; no second factor",
    },
    DemoUser {
        username: "ben",
        display_name: "Ben Okafor",
        patient_id: Some("demo-ben"),
        totp_secret: Some(BEN_TOTP_SECRET),
        email: "ben.okafor@example.org",
        about: "47, asthma, no allergies recorded; signs in with a security code; sees Ann's appointments (her neighbour, invited by her)",
    },
    DemoUser {
        username: "claire",
        display_name: "Claire Hughes",
        patient_id: Some("demo-claire"),
        totp_secret: None,
        email: "claire.hughes@example.org",
        about: "41, a patient herself, and mother of Leo (8, full access) and Maya (14: her confidential items are hidden from her parents)",
    },
    DemoUser {
        username: "david",
        display_name: "David Price",
        patient_id: None,
        totp_secret: None,
        email: "david.price@example.org",
        about: "not a patient here; carer for his mother Margaret (88) under a lasting power of attorney that ends in 20 days; father of Jordan (17), whose agreement his access waits for",
    },
    DemoUser {
        username: "jordan",
        display_name: "Jordan Price",
        patient_id: Some("demo-jordan"),
        totp_secret: None,
        email: "jordan.price@example.org",
        about: "17, their own sign-in; their father's access is paused until they agree to it",
    },
];

/// Fills an empty database with the demo terms, users and records. A database that already has
/// users is left alone, so a restarted demo keeps what was done in it.
pub async fn seed_if_empty(
    store: &Store,
    records: &Records,
    secrets: &SecretsKey,
) -> Result<bool, ApiError> {
    // Portals started together on one database: the first seeds, the others find it seeded.
    let mut conn = store.conn().await?;
    let mut tx = one_at_a_time(&mut conn, STARTING).await?;
    let users: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(&mut *tx)
        .await?;
    if users > 0 {
        return Ok(false);
    }
    publish_terms(&mut tx).await?;
    let today = time::now().div_euclid(86_400);
    let hash = password::hash(DEMO_PASSWORD);
    for user in DEMO_USERS {
        accounts::add(
            &mut tx,
            &NewUser {
                username: user.username,
                display_name: user.display_name,
                password_hash: &hash,
                totp_secret: user.totp_secret.map(|s| secrets.seal(s)),
                patient_id: user.patient_id,
                email: Some(user.email),
            },
        )
        .await?;
    }
    let mut all = ann(today);
    all.extend(ben(today));
    all.extend(family(today));
    records.keep_demo(&mut tx, &all).await?;
    relationships(&mut tx, today).await?;
    let ann = accounts::by_username(&mut tx, "ann")
        .await?
        .map_or(0, |u| u.id);
    accesses::seed(&mut tx, ann, today).await?;
    messages::seed(&mut tx, today).await?;
    tx.commit().await?;
    Ok(true)
}

/// What a portal writes as it starts, which portals starting together take turns at.
const STARTING: &str = "starting";

/// Publishes the built-in terms, if no version of them is.
pub async fn ensure_terms(store: &Store) -> sqlx::Result<()> {
    let mut conn = store.conn().await?;
    let mut tx = one_at_a_time(&mut conn, STARTING).await?;
    publish_terms(&mut tx).await?;
    tx.commit().await
}

async fn publish_terms(conn: &mut Conn) -> sqlx::Result<()> {
    for document in [terms::PATIENT, terms::PROXY] {
        if terms::current(&mut *conn, document).await?.is_none() {
            terms::publish(&mut *conn, &TermsDocument::built_in(document)).await?;
        }
    }
    Ok(())
}

/// splitmix64: small, fast and the same everywhere, which is all synthetic data needs.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// Uniform in [-1, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
    }
}

fn day(days: i64) -> String {
    time::date(days * 86_400)
}

fn instant(days: i64, minutes: i64) -> String {
    time::rfc3339(days * 86_400 + minutes * 60)
}

fn concept(system: &str, code: &str, display: &str) -> Value {
    json!({"coding": [{"system": system, "code": code, "display": display}], "text": display})
}

const SNOMED: &str = "http://snomed.info/sct";
const LOINC: &str = "http://loinc.org";
const UCUM: &str = "http://unitsofmeasure.org";

/// Builds one patient's resources, numbering ids within the patient.
struct History {
    patient: String,
    today: i64,
    rng: Rng,
    out: Vec<Value>,
    next: usize,
    /// Where each lab test's value has drifted to.
    levels: Vec<f64>,
}

impl History {
    fn new(patient: &str, seed: u64, today: i64) -> Self {
        Self {
            patient: patient.into(),
            today,
            rng: Rng(seed),
            out: Vec::new(),
            next: 0,
            levels: Vec::new(),
        }
    }

    fn id(&mut self, prefix: &str) -> String {
        self.next += 1;
        format!("{}-{prefix}-{}", self.patient, self.next)
    }

    fn subject(&self) -> Value {
        json!({"reference": format!("Patient/{}", self.patient)})
    }

    fn add(&mut self, mut resource: Value) -> String {
        let prefix = resource["resourceType"]
            .as_str()
            .unwrap_or("r")
            .to_lowercase();
        let id = self.id(&prefix);
        resource["id"] = json!(id);
        self.out.push(resource);
        id
    }

    /// Marks the resource just added with security labels: sensitivity (v3-ActCode) or
    /// confidentiality (v3-Confidentiality).
    fn labelled(&mut self, labels: &[&str]) {
        let security: Vec<Value> = labels
            .iter()
            .map(|code| {
                let system = if code.len() == 1 {
                    "http://terminology.hl7.org/CodeSystem/v3-Confidentiality"
                } else {
                    "http://terminology.hl7.org/CodeSystem/v3-ActCode"
                };
                json!({"system": system, "code": code})
            })
            .collect();
        if let Some(last) = self.out.last_mut() {
            last["meta"] = json!({"security": security});
        }
    }

    fn patient(&mut self, given: &[&str], family: &str, gender: &str, birth: &str, nhs: &str) {
        self.out.push(json!({
            "resourceType": "Patient",
            "id": self.patient,
            "identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": nhs}],
            "name": [{"use": "official", "family": family, "given": given}],
            "gender": gender,
            "birthDate": birth,
            "address": [{"line": ["12 Mill Lane"], "city": "Riverside", "postalCode": "RV1 2AB"}],
        }));
    }

    #[allow(clippy::too_many_arguments)]
    fn allergy(
        &mut self,
        substance: Value,
        category: &str,
        criticality: Option<&str>,
        clinical: &str,
        verification: &str,
        reaction: Option<(&str, &str)>,
        recorded: i64,
        note: Option<&str>,
    ) {
        let subject = self.subject();
        let mut a = json!({
            "resourceType": "AllergyIntolerance",
            "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical", "code": clinical}]},
            "verificationStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification", "code": verification}]},
            "type": "allergy",
            "category": [category],
            "code": substance,
            "patient": subject,
            "recordedDate": day(recorded),
        });
        if let Some(c) = criticality {
            a["criticality"] = json!(c);
        }
        if let Some((manifestation, severity)) = reaction {
            a["reaction"] = json!([{
                "manifestation": [{"text": manifestation}],
                "severity": severity,
            }]);
        }
        if let Some(n) = note {
            a["note"] = json!([{"text": n}]);
        }
        self.add(a);
    }

    fn condition(&mut self, code: &str, name: &str, onset: i64, abated: Option<i64>) {
        let subject = self.subject();
        let status = if abated.is_some() {
            "resolved"
        } else {
            "active"
        };
        let mut c = json!({
            "resourceType": "Condition",
            "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": status}]},
            "verificationStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-ver-status", "code": "confirmed"}]},
            "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-category", "code": "problem-list-item"}]}],
            "code": concept(SNOMED, code, name),
            "subject": subject,
            "onsetDateTime": day(onset),
            "recordedDate": day(onset),
        });
        if let Some(a) = abated {
            c["abatementDateTime"] = json!(day(a));
        }
        self.add(c);
    }

    fn medication(&mut self, name: &str, dose: &str, start: i64, end: Option<i64>) {
        let subject = self.subject();
        let mut m = json!({
            "resourceType": "MedicationRequest",
            "status": if end.is_some() { "completed" } else { "active" },
            "intent": "order",
            "medicationCodeableConcept": {"text": name},
            "subject": subject,
            "authoredOn": day(start),
            "requester": {"display": "Dr Priya Shah"},
            "dosageInstruction": [{"text": dose}],
        });
        if let Some(e) = end {
            m["dispenseRequest"] = json!({"validityPeriod": {"start": day(start), "end": day(e)}});
        }
        self.add(m);
    }

    /// A clinic visit with vital signs, every `every` days over `years`.
    fn visits(&mut self, years: i64, every: i64, base_weight: f64, height_m: f64) {
        let mut weight = base_weight;
        let first = self.today - years * 365;
        let mut d = first;
        while d < self.today - 7 {
            let encounter = self.encounter(d, "Diabetes and blood pressure review");
            let systolic = 132.0 + self.rng.unit() * 16.0;
            let diastolic = 82.0 + self.rng.unit() * 9.0;
            weight += self.rng.unit() * 1.2;
            let when = instant(d, 9 * 60 + 30);
            let subject = self.subject();
            let vital = json!([{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "vital-signs", "display": "Vital Signs"}]}]);
            let quantity = |v: f64, unit: &str, code: &str| json!({"value": (v * 10.0).round() / 10.0, "unit": unit, "system": UCUM, "code": code});
            self.add(json!({
                "resourceType": "Observation", "status": "final", "category": vital,
                "code": concept(LOINC, "85354-9", "Blood pressure"),
                "subject": subject, "encounter": {"reference": format!("Encounter/{encounter}")},
                "effectiveDateTime": when,
                "component": [
                    {"code": concept(LOINC, "8480-6", "Systolic blood pressure"), "valueQuantity": quantity(systolic.round(), "mmHg", "mm[Hg]")},
                    {"code": concept(LOINC, "8462-4", "Diastolic blood pressure"), "valueQuantity": quantity(diastolic.round(), "mmHg", "mm[Hg]")},
                ],
            }));
            let pulse = (72.0 + self.rng.unit() * 10.0).round();
            for (code, name, value) in [
                (
                    "8867-4",
                    "Heart rate",
                    quantity(pulse, "beats/minute", "/min"),
                ),
                ("29463-7", "Body weight", quantity(weight, "kg", "kg")),
                (
                    "39156-5",
                    "Body mass index",
                    quantity(weight / (height_m * height_m), "kg/m2", "kg/m2"),
                ),
            ] {
                self.add(json!({
                    "resourceType": "Observation", "status": "final", "category": vital,
                    "code": concept(LOINC, code, name), "subject": subject,
                    "effectiveDateTime": when, "valueQuantity": value,
                }));
            }
            d += every + self.rng.below(21) as i64 - 10;
        }
    }

    fn encounter(&mut self, d: i64, reason: &str) -> String {
        let subject = self.subject();
        self.add(json!({
            "resourceType": "Encounter",
            "status": "finished",
            "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB", "display": "ambulatory"},
            "type": [{"text": "Outpatient appointment"}],
            "subject": subject,
            "period": {"start": instant(d, 9 * 60), "end": instant(d, 9 * 60 + 40)},
            "reasonCode": [{"text": reason}],
            "location": [{"location": {"display": "Riverside General Hospital, Diabetes Centre"}}],
            "participant": [{"individual": {"display": "Dr Priya Shah"}}],
        }))
    }

    /// Blood tests in a report every `every` days; values drift and sometimes leave their range.
    fn labs(&mut self, years: i64, every: i64, tests: &[LabTest]) {
        let mut d = self.today - years * 365 + 20;
        while d < self.today - 3 && !tests.is_empty() {
            self.lab_report(d, tests);
            d += every + self.rng.below(15) as i64 - 7;
        }
    }

    /// One report of every test in `tests`, taken on day `d`, each value drifting from the last.
    fn lab_report(&mut self, d: i64, tests: &[LabTest]) {
        if self.levels.len() != tests.len() {
            self.levels = tests.iter().map(|t| t.start).collect();
        }
        let when = instant(d, 8 * 60 + 15);
        let subject = self.subject();
        let mut results = Vec::new();
        for (i, t) in tests.iter().enumerate() {
            self.levels[i] = (self.levels[i] + self.rng.unit() * t.step).clamp(t.floor, t.ceiling);
            let value = (self.levels[i] * 10.0).round() / 10.0;
            let flag = if value > t.high {
                Some(("H", "High"))
            } else if value < t.low {
                Some(("L", "Low"))
            } else {
                None
            };
            let mut obs = json!({
                "resourceType": "Observation", "status": "final",
                "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "laboratory", "display": "Laboratory"}]}],
                "code": concept(LOINC, t.loinc, t.name), "subject": subject,
                "effectiveDateTime": when, "issued": instant(d + 1, 11 * 60),
                "valueQuantity": {"value": value, "unit": t.unit, "system": UCUM, "code": t.unit},
                "referenceRange": [{"low": {"value": t.low, "unit": t.unit}, "high": {"value": t.high, "unit": t.unit}}],
                "performer": [{"display": "Riverside Pathology"}],
            });
            if let Some((code, text)) = flag {
                obs["interpretation"] = json!([{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation", "code": code, "display": text}]}]);
            }
            results.push(json!({"reference": format!("Observation/{}", self.add(obs))}));
        }
        self.add(json!({
            "resourceType": "DiagnosticReport", "status": "final",
            "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0074", "code": "LAB", "display": "Laboratory"}]}],
            "code": {"text": "Blood tests"}, "subject": subject,
            "effectiveDateTime": when, "issued": instant(d + 1, 11 * 60),
            "performer": [{"display": "Riverside Pathology"}],
            "result": results,
        }));
    }

    fn immunization(&mut self, vaccine: &str, d: i64, dose: Option<u32>, not_done: bool) {
        let subject = self.subject();
        let mut i = json!({
            "resourceType": "Immunization",
            "status": if not_done { "not-done" } else { "completed" },
            "vaccineCode": {"text": vaccine},
            "patient": subject,
            "occurrenceDateTime": day(d),
            "performer": [{"actor": {"display": "Riverside Surgery"}}],
        });
        if let Some(n) = dose {
            i["protocolApplied"] = json!([{"doseNumberPositiveInt": n}]);
        }
        if not_done {
            i["statusReason"] = json!({"text": "Patient was unwell on the day"});
        }
        self.add(i);
    }

    fn appointment(&mut self, d: i64, minutes: i64, status: &str, what: &str, place: &str) {
        let subject = self.subject();
        self.add(json!({
            "resourceType": "Appointment",
            "status": status,
            "serviceType": [{"text": what}],
            "description": what,
            "start": instant(d, minutes),
            "end": instant(d, minutes + 30),
            "participant": [
                {"actor": subject, "status": "accepted"},
                {"actor": {"reference": "Practitioner/dr-priya-shah", "display": "Dr Priya Shah"}, "status": "accepted"},
                {"actor": {"reference": format!("Location/{}", place.to_lowercase().replace([' ', ','], "-")), "display": place}, "status": "accepted"},
            ],
        }));
    }

    fn document(&mut self, d: i64, kind: &str, title: &str, text: &str) {
        use base64::Engine;
        let subject = self.subject();
        self.add(json!({
            "resourceType": "DocumentReference",
            "status": "current",
            "type": {"text": kind},
            "subject": subject,
            "date": instant(d, 14 * 60),
            "author": [{"display": "Dr Priya Shah"}],
            "description": title,
            "content": [{"attachment": {
                "contentType": "text/plain; charset=utf-8",
                "title": title,
                "data": base64::engine::general_purpose::STANDARD.encode(text),
            }}],
        }));
    }
}

struct LabTest {
    loinc: &'static str,
    name: &'static str,
    unit: &'static str,
    low: f64,
    high: f64,
    start: f64,
    step: f64,
    floor: f64,
    ceiling: f64,
}

fn ann(today: i64) -> Vec<Value> {
    let mut h = History::new("demo-ann", 1954, today);
    h.patient(
        &["Ann", "Margaret"],
        "Carter",
        "female",
        "1954-03-12",
        "9434765919",
    );
    let penicillin = concept(SNOMED, "764146007", "Penicillin");
    h.allergy(
        penicillin,
        "medication",
        Some("high"),
        "active",
        "confirmed",
        Some(("Hives and difficulty breathing", "severe")),
        today - 4_800,
        Some("Reaction in hospital in 1998; carries a card."),
    );
    h.allergy(
        concept(SNOMED, "256349002", "Peanut"),
        "food",
        Some("high"),
        "active",
        "confirmed",
        Some(("Swelling of lips and throat", "severe")),
        today - 3_100,
        None,
    );
    // Only a coding, no text: the app must fall back to the display.
    h.allergy(
        json!({"coding": [{"system": SNOMED, "code": "261000", "display": "Codeine"}]}),
        "medication",
        Some("low"),
        "active",
        "unconfirmed",
        Some(("Nausea", "mild")),
        today - 900,
        None,
    );
    h.allergy(
        concept(SNOMED, "111088007", "Latex"),
        "environment",
        Some("low"),
        "resolved",
        "confirmed",
        Some(("Itchy skin", "mild")),
        today - 6_000,
        None,
    );
    h.allergy(
        concept(SNOMED, "387458008", "Aspirin"),
        "medication",
        None,
        "inactive",
        "entered-in-error",
        None,
        today - 500,
        Some("Recorded for the wrong patient."),
    );
    h.allergy(concept(SNOMED, "227493005", "Cashew nuts"), "food", Some("unable-to-assess"), "active", "confirmed", Some(("Rash", "moderate")), today - 200,
        Some("Patient wrote: <img src=x onerror=\"document.title='pwned'\"> <script>alert('hi')</script> rash after \"trail mix\" & cereal bars"));
    h.condition("44054006", "Type 2 diabetes", today - 12 * 365, None);
    h.condition("38341003", "High blood pressure", today - 15 * 365, None);
    h.condition("239873007", "Osteoarthritis of knee", today - 6 * 365, None);
    h.condition("233604007", "Pneumonia", today - 2_400, Some(today - 2_370));
    h.medication(
        "Metformin 500 mg tablets",
        "Take one tablet twice a day with food",
        today - 12 * 365,
        None,
    );
    h.medication(
        "Lisinopril 10 mg tablets",
        "Take one tablet in the morning",
        today - 15 * 365,
        None,
    );
    h.medication(
        "Atorvastatin 20 mg tablets",
        "Take one tablet at night",
        today - 9 * 365,
        None,
    );
    h.medication(
        "Clarithromycin 500 mg tablets",
        "Take one tablet twice a day for 7 days",
        today - 2_400,
        Some(today - 2_393),
    );
    h.medication(
        "Gliclazide 40 mg tablets",
        "Take one tablet with breakfast",
        today - 8 * 365,
        Some(today - 3 * 365),
    );
    h.visits(12, 60, 78.0, 1.62);
    h.labs(
        12,
        91,
        &[
            LabTest {
                loinc: "4548-4",
                name: "HbA1c",
                unit: "mmol/mol",
                low: 20.0,
                high: 48.0,
                start: 58.0,
                step: 4.0,
                floor: 38.0,
                ceiling: 80.0,
            },
            LabTest {
                loinc: "2093-3",
                name: "Total cholesterol",
                unit: "mmol/L",
                low: 0.0,
                high: 5.0,
                start: 5.6,
                step: 0.4,
                floor: 3.2,
                ceiling: 7.5,
            },
            LabTest {
                loinc: "2160-0",
                name: "Creatinine",
                unit: "umol/L",
                low: 45.0,
                high: 90.0,
                start: 74.0,
                step: 6.0,
                floor: 50.0,
                ceiling: 130.0,
            },
            LabTest {
                loinc: "2823-3",
                name: "Potassium",
                unit: "mmol/L",
                low: 3.5,
                high: 5.3,
                start: 4.4,
                step: 0.3,
                floor: 3.1,
                ceiling: 5.9,
            },
        ],
    );
    for year in 0..12 {
        h.immunization(
            "Influenza vaccine",
            today - year * 365 - 40,
            None,
            year == 5,
        );
    }
    for (n, ago) in [(1, 1_400), (2, 1_340), (3, 1_150)] {
        h.immunization("COVID-19 vaccine", today - ago, Some(n), false);
    }
    h.immunization(
        "Pneumococcal polysaccharide vaccine",
        today - 2_000,
        Some(1),
        false,
    );
    h.appointment(
        today + 9,
        10 * 60 + 30,
        "booked",
        "Diabetes review",
        "Diabetes Centre, Riverside General Hospital",
    );
    h.appointment(
        today + 40,
        14 * 60,
        "booked",
        "Eye screening",
        "Eye Clinic, Level 2",
    );
    h.appointment(
        today + 75,
        9 * 60,
        "proposed",
        "Knee clinic follow-up",
        "Orthopaedic Outpatients",
    );
    h.appointment(
        today - 30,
        11 * 60,
        "fulfilled",
        "Blood test",
        "Phlebotomy, Level 1",
    );
    h.appointment(
        today - 120,
        15 * 60,
        "cancelled",
        "Podiatry",
        "Podiatry Clinic",
    );
    h.appointment(
        today - 200,
        9 * 60 + 30,
        "noshow",
        "Eye screening",
        "Eye Clinic, Level 2",
    );
    h.document(today - 2_370, "Discharge summary", "Discharge summary: pneumonia",
        "You were admitted with pneumonia and treated with antibiotics.\nYou went home after 4 days.\nSee your GP if your breathing gets worse.");
    h.document(today - 60, "Clinic letter", "Diabetes clinic letter",
        "Dear Mrs Carter,\nYour HbA1c has improved. Please keep taking metformin.\nWe will see you again in three months.");
    h.out
}

fn ben(today: i64) -> Vec<Value> {
    let mut h = History::new("demo-ben", 1979, today);
    h.patient(&["Benjamin"], "Okafor", "male", "1979-08-23", "9434765870");
    h.condition("195967001", "Asthma", today - 20 * 365, None);
    h.medication(
        "Salbutamol 100 micrograms inhaler",
        "Two puffs when needed for breathlessness",
        today - 20 * 365,
        None,
    );
    h.medication(
        "Beclometasone 100 micrograms inhaler",
        "Two puffs twice a day",
        today - 5 * 365,
        None,
    );
    h.labs(
        4,
        180,
        &[
            LabTest {
                loinc: "718-7",
                name: "Haemoglobin",
                unit: "g/L",
                low: 130.0,
                high: 180.0,
                start: 150.0,
                step: 6.0,
                floor: 120.0,
                ceiling: 175.0,
            },
            LabTest {
                loinc: "26464-8",
                name: "White cell count",
                unit: "10*9/L",
                low: 4.0,
                high: 11.0,
                start: 7.0,
                step: 1.2,
                floor: 3.2,
                ceiling: 12.5,
            },
        ],
    );
    h.immunization("Influenza vaccine", today - 50, None, false);
    h.appointment(
        today + 20,
        16 * 60,
        "booked",
        "Asthma review",
        "Respiratory Clinic",
    );
    h.encounter(today - 365, "Asthma review");
    h.out
}

/// The day, `years` years and `days` days before `today`: a birth date that keeps an age.
fn born(today: i64, years: i64, days: i64) -> String {
    let (y, m, d) = time::civil_from_days(today);
    day(time::days_from_civil(y - years, m, d.min(28)) - days)
}

/// The families of the proxy demo: Claire and her children Leo and Maya; Margaret, whose son
/// David cares for her; David's child Jordan.
fn family(today: i64) -> Vec<Value> {
    let mut out = Vec::new();

    let mut h = History::new("demo-claire", 1985, today);
    h.patient(
        &["Claire"],
        "Hughes",
        "female",
        &born(today, 41, 60),
        "9434765826",
    );
    h.condition("21719001", "Hay fever", today - 15 * 365, None);
    h.medication(
        "Cetirizine 10 mg tablets",
        "One tablet a day when needed",
        today - 3 * 365,
        None,
    );
    h.appointment(
        today + 12,
        10 * 60,
        "booked",
        "Smear test",
        "Riverside Surgery",
    );
    out.extend(h.out);

    let mut h = History::new("demo-leo", 2018, today);
    h.patient(
        &["Leo"],
        "Hughes",
        "male",
        &born(today, 8, 100),
        "9434765834",
    );
    h.condition("195967001", "Asthma", today - 3 * 365, None);
    h.medication(
        "Salbutamol 100 micrograms inhaler",
        "Two puffs when needed",
        today - 3 * 365,
        None,
    );
    h.immunization("MMR vaccine", today - 6 * 365, Some(2), false);
    h.appointment(
        today + 30,
        15 * 60 + 30,
        "booked",
        "Children's asthma clinic",
        "Children's Outpatients",
    );
    out.extend(h.out);

    let mut h = History::new("demo-maya", 2012, today);
    h.patient(
        &["Maya"],
        "Hughes",
        "female",
        &born(today, 14, 40),
        "9434765842",
    );
    h.immunization("HPV vaccine", today - 400, Some(1), false);
    h.appointment(
        today + 45,
        9 * 60,
        "booked",
        "Orthodontic review",
        "Dental Hospital",
    );
    h.condition("43116000", "Eczema", today - 8 * 365, None);
    h.document(
        today - 120,
        "Clinic letter",
        "Orthodontic assessment",
        "Maya was seen in the orthodontic clinic. Her teeth are developing normally. We will see her again in six months.",
    );
    // Confidential between Maya and the people caring for her.
    h.condition("197480006", "Anxiety", today - 200, None);
    h.labelled(&["PSY", "R"]);
    h.medication(
        "Desogestrel 75 micrograms tablets",
        "One tablet a day",
        today - 90,
        None,
    );
    h.labelled(&["SEX", "R"]);
    h.appointment(
        today + 9,
        16 * 60,
        "booked",
        "Young people's clinic",
        "Riverside Health Centre",
    );
    h.labelled(&["SEX", "R"]);
    out.extend(h.out);

    let mut h = History::new("demo-margaret", 1938, today);
    h.patient(
        &["Margaret"],
        "Price",
        "female",
        &born(today, 88, 150),
        "9434765850",
    );
    h.condition("52448006", "Dementia", today - 4 * 365, None);
    h.condition("38341003", "High blood pressure", today - 20 * 365, None);
    h.medication(
        "Donepezil 10 mg tablets",
        "One tablet at night",
        today - 4 * 365,
        None,
    );
    h.medication(
        "Amlodipine 5 mg tablets",
        "One tablet in the morning",
        today - 15 * 365,
        None,
    );
    h.appointment(
        today + 7,
        11 * 60,
        "booked",
        "Memory clinic",
        "Older People's Unit",
    );
    out.extend(h.out);

    let mut h = History::new("demo-jordan", 2009, today);
    h.patient(
        &["Jordan"],
        "Price",
        "other",
        &born(today, 17, 100),
        "9434765869",
    );
    h.encounter(today - 500, "Broken wrist");
    h.immunization("MenACWY vaccine", today - 3 * 365, None, false);
    h.appointment(
        today + 21,
        14 * 60,
        "booked",
        "Fracture clinic follow-up",
        "Orthopaedic Outpatients",
    );
    out.extend(h.out);
    out
}

/// Who acts for whom in the demo. The care team set up the parents and the attorney; Ann
/// invited Ben.
async fn relationships(conn: &mut Conn, today: i64) -> sqlx::Result<()> {
    use crate::proxies::store::{self, NewRelationship};
    let mut ids = Vec::new();
    for name in ["claire", "david", "ben"] {
        let user = accounts::by_username(&mut *conn, name).await?;
        ids.push(user.map(|u| u.id).unwrap_or_default());
    }
    let [claire, david, ben] = ids[..] else {
        unreachable!("three names asked for")
    };
    let since = day(today - 400);
    let base = NewRelationship {
        proxy_user_id: claire,
        patient_id: "demo-leo",
        relationship_system: "http://terminology.hl7.org/CodeSystem/v3-RoleCode",
        relationship_code: "MTH",
        proxy_is: "mother",
        patient_is: "son",
        authority_code: None,
        parental: true,
        level: "full",
        withheld_labels: &[],
        starts_on: &since,
        ends_on: None,
        created_by: "care-team",
        at: (today - 400) * 86_400,
    };
    store::add(conn, &base).await?;
    store::add(
        conn,
        &NewRelationship {
            patient_id: "demo-maya",
            patient_is: "daughter",
            ..base
        },
    )
    .await?;
    let ends = day(today + 20);
    store::add(
        conn,
        &NewRelationship {
            proxy_user_id: david,
            patient_id: "demo-margaret",
            relationship_code: "SONC",
            proxy_is: "son",
            patient_is: "mother",
            authority_code: Some("HPOWATT"),
            parental: false,
            ends_on: Some(&ends),
            ..base
        },
    )
    .await?;
    store::add(
        conn,
        &NewRelationship {
            proxy_user_id: david,
            patient_id: "demo-jordan",
            relationship_code: "FTH",
            proxy_is: "father",
            patient_is: "child",
            ..base
        },
    )
    .await?;
    let a_year = day(today + 365);
    store::add(
        conn,
        &NewRelationship {
            proxy_user_id: ben,
            patient_id: "demo-ann",
            relationship_code: "NBOR",
            proxy_is: "neighbour",
            patient_is: "neighbour",
            parental: false,
            level: "appointments",
            ends_on: Some(&a_year),
            created_by: "invitation",
            ..base
        },
    )
    .await?;
    Ok(())
}

/// A patient with a long laboratory history for the benchmark: `reports` blood test reports of
/// ten results each, one a week back from today. Signs in as `bench` with the demo password.
/// `count` more sign-ins to the bench patient's record (`bench-1` …, the demo password), so a
/// burst of sign-ins is of different people, as a hospital's morning rush is. One hash serves
/// them all: each check still costs a full argon2 verification.
pub async fn seed_bench_sign_ins(store: &Store, count: usize) -> sqlx::Result<()> {
    let hash = password::hash(DEMO_PASSWORD);
    let mut tx = store.begin().await?;
    for n in 1..=count {
        accounts::add(
            &mut tx,
            &NewUser {
                username: &format!("bench-{n}"),
                display_name: &format!("Bench user {n}"),
                password_hash: &hash,
                totp_secret: None,
                patient_id: Some("bench"),
                email: None,
            },
        )
        .await?;
    }
    tx.commit().await
}

pub async fn seed_bench_patient(
    store: &Store,
    records: &Records,
    reports: usize,
) -> Result<(), ApiError> {
    let mut tx = store.begin().await?;
    publish_terms(&mut tx).await?;
    let today = time::now().div_euclid(86_400);
    let mut h = History::new("bench", 5000, today);
    h.patient(&["Bea"], "Marsh", "female", "1949-11-02", "9434765811");
    let tests: Vec<LabTest> = [
        ("4548-4", "HbA1c", "mmol/mol", 20.0, 48.0, 55.0),
        ("2093-3", "Total cholesterol", "mmol/L", 0.0, 5.0, 5.4),
        ("2160-0", "Creatinine", "umol/L", 45.0, 90.0, 80.0),
        ("2823-3", "Potassium", "mmol/L", 3.5, 5.3, 4.4),
        ("2951-2", "Sodium", "mmol/L", 133.0, 146.0, 139.0),
        ("718-7", "Haemoglobin", "g/L", 115.0, 165.0, 130.0),
        ("26464-8", "White cell count", "10*9/L", 4.0, 11.0, 7.0),
        ("777-3", "Platelets", "10*9/L", 150.0, 400.0, 250.0),
        ("1742-6", "ALT", "U/L", 0.0, 40.0, 25.0),
        ("1988-5", "C-reactive protein", "mg/L", 0.0, 5.0, 3.0),
    ]
    .into_iter()
    .map(|(loinc, name, unit, low, high, start)| LabTest {
        loinc,
        name,
        unit,
        low,
        high,
        start,
        step: (high - low) / 10.0,
        floor: low * 0.7,
        ceiling: high * 1.4,
    })
    .collect();
    for week in (1..=reports as i64).rev() {
        h.lab_report(today - week * 7, &tests);
    }
    accounts::add(
        &mut tx,
        &NewUser {
            username: "bench",
            display_name: "Bea Marsh",
            password_hash: &password::hash(DEMO_PASSWORD),
            totp_secret: None,
            patient_id: Some("bench"),
            email: None,
        },
    )
    .await?;
    records.keep_demo(&mut tx, &h.out).await?;
    Ok(tx.commit().await?)
}

/// `count` conversations in the bench patient's record (for `cargo xtask bench`'s inbox).
pub async fn seed_bench_conversations(store: &Store, count: usize) -> sqlx::Result<()> {
    let mut tx = store.begin().await?;
    messages::seed_bench(&mut tx, count, time::now()).await?;
    tx.commit().await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::infra::store::testing;

    #[test]
    fn demo_history_is_long_deterministic_and_indexable() {
        let today = 20_000;
        let first = ann(today);
        assert_eq!(first, ann(today), "same day, same data");
        let observations = first
            .iter()
            .filter(|r| r["resourceType"] == "Observation")
            .count();
        assert!(observations > 300, "years of history, got {observations}");
        for r in first.iter().chain(ben(today).iter()) {
            let ix = crate::records::index(r).expect("every resource has a type and an id");
            assert!(ix.patient_id.is_some(), "{r}");
            assert!(ix.date.is_some(), "{r}");
        }
    }

    #[tokio::test]
    async fn bench_patient_has_the_asked_for_history() {
        let store = testing::store().await;
        seed_bench_patient(&store, &Records::Local, 20)
            .await
            .unwrap();
        let mut conn = store.conn().await.unwrap();
        let mut count = async |t: &str| -> i64 {
            sqlx::query_scalar(
                "SELECT count(*) FROM resources WHERE type = $1 AND patient_id = 'bench'",
            )
            .bind(t.to_owned())
            .fetch_one(&mut *conn)
            .await
            .unwrap()
        };
        assert_eq!(
            (count("DiagnosticReport").await, count("Observation").await),
            (20, 200)
        );
    }

    #[tokio::test]
    async fn bench_sign_ins_are_distinct_people_with_the_demo_password() {
        let store = testing::store().await;
        seed_bench_sign_ins(&store, 3).await.unwrap();
        let mut conn = store.conn().await.unwrap();
        let user = accounts::by_username(&mut conn, "bench-3")
            .await
            .unwrap()
            .unwrap();
        assert!(password::verify(DEMO_PASSWORD, &user.password_hash));
        assert!(
            accounts::is_own_record(&mut conn, user.id, "bench")
                .await
                .unwrap()
        );
    }

    #[tokio::test]
    async fn seeds_once() {
        let store = testing::store().await;
        let key = SecretsKey::generate();
        assert!(seed_if_empty(&store, &Records::Local, &key).await.unwrap());
        assert!(!seed_if_empty(&store, &Records::Local, &key).await.unwrap());
    }
}
