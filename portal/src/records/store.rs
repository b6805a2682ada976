//! FHIR resources stored as JSON, with the few columns search needs pulled out beside them.

use crate::infra::store::{Conn, Sql};
use serde::de::DeserializeOwned;
use serde_json::Value;
use sqlx::Row;
use sqlx::any::AnyRow;

/// Resources that belong to one patient: searched with `patient=`, read only within scope.
pub const PATIENT_TYPES: &[&str] = &[
    "Patient",
    "AllergyIntolerance",
    "Condition",
    "MedicationRequest",
    "MedicationStatement",
    "Observation",
    "DiagnosticReport",
    "Immunization",
    "Encounter",
    "Appointment",
    "DocumentReference",
    "Procedure",
];

/// Resources that other resources point at and that hold nothing about a patient by themselves.
pub const SHARED_TYPES: &[&str] = &["Medication", "Practitioner", "Organization", "Location"];

pub fn is_supported(resource_type: &str) -> bool {
    PATIENT_TYPES.contains(&resource_type) || SHARED_TYPES.contains(&resource_type)
}

#[derive(Debug, PartialEq)]
pub struct Indexed {
    pub resource_type: String,
    pub id: String,
    pub patient_id: Option<String>,
    pub date: Option<String>,
    pub category: String,
    pub security: String,
    /// The visit it was recorded in.
    pub encounter: Option<String>,
}

fn str_at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    path.iter().try_fold(v, |v, key| v.get(key))?.as_str()
}

/// `Patient/123` (for `kind` Patient) to `123`. Only a relative reference names a resource
/// here: an absolute one (`https://other.example/fhir/Patient/123`) is on another server, and
/// its id says nothing of this one's patients. (The importer has already turned references to
/// resources in the same bundle, by their `fullUrl`, into relative ones.)
fn id_of(reference: &str, kind: &str) -> Option<String> {
    let (of_kind, id) = reference.split_once('/')?;
    (of_kind == kind && !id.is_empty() && !id.contains('/')).then(|| id.to_string())
}

fn patient_id_of(reference: &str) -> Option<String> {
    id_of(reference, "Patient")
}

/// The Encounter a resource was recorded in (`encounter`, or a document's `context`).
fn encounter_of(resource: &Value) -> Option<String> {
    str_at(resource, &["encounter", "reference"])
        .or_else(|| str_at(&resource["context"]["encounter"][0], &["reference"]))
        .or_else(|| str_at(resource, &["context", "reference"]))
        .and_then(|r| id_of(r, "Encounter"))
}

fn patient_of(resource: &Value) -> Option<String> {
    if resource["resourceType"] == "Patient" {
        return resource["id"].as_str().map(String::from);
    }
    for key in ["subject", "patient"] {
        if let Some(id) = str_at(resource, &[key, "reference"]).and_then(patient_id_of) {
            return Some(id);
        }
    }
    resource["participant"]
        .as_array()?
        .iter()
        .find_map(|p| str_at(p, &["actor", "reference"]).and_then(patient_id_of))
}

/// The clinically meaningful date of a resource, as the FHIR string it was written as.
fn date_of(resource: &Value) -> Option<String> {
    let candidates: &[&[&str]] = match resource["resourceType"].as_str()? {
        "Observation" | "DiagnosticReport" | "MedicationStatement" => &[
            &["effectiveDateTime"],
            &["effectivePeriod", "start"],
            &["effectiveInstant"],
            &["issued"],
            &["dateAsserted"],
        ],
        "Condition" => &[
            &["onsetDateTime"],
            &["onsetPeriod", "start"],
            &["recordedDate"],
        ],
        "AllergyIntolerance" => &[&["recordedDate"], &["onsetDateTime"]],
        "MedicationRequest" => &[&["authoredOn"]],
        "Immunization" => &[&["occurrenceDateTime"], &["recorded"]],
        "Encounter" => &[&["period", "start"]],
        "Appointment" => &[&["start"], &["created"]],
        "DocumentReference" => &[&["date"], &["context", "period", "start"]],
        "Procedure" => &[&["performedDateTime"], &["performedPeriod", "start"]],
        "Patient" => &[&["birthDate"]],
        _ => &[],
    };
    candidates
        .iter()
        .chain(std::iter::once(&&["meta", "lastUpdated"][..]))
        .find_map(|path| str_at(resource, path))
        .map(String::from)
}

/// Codes spaced as ` a b c `, so one code can be matched whole with LIKE.
fn spaced(codes: &[String]) -> String {
    format!(" {} ", codes.join(" "))
}

/// Security label codes (`meta.security`: sensitivity such as HIV or PSY, confidentiality such
/// as R or V), whatever their system.
pub fn security_labels(resource: &Value) -> Vec<String> {
    resource["meta"]["security"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["code"].as_str())
        .filter(|c| !c.is_empty() && !c.contains(char::is_whitespace))
        .map(String::from)
        .collect()
}

/// Category codes, spaced.
fn category_of(resource: &Value) -> String {
    let mut codes = Vec::new();
    let categories = match &resource["category"] {
        Value::Array(items) => items.clone(),
        Value::Null => Vec::new(),
        single => vec![single.clone()],
    };
    for category in &categories {
        match category {
            Value::String(code) => codes.push(code.clone()),
            other => codes.extend(
                other["coding"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|c| c["code"].as_str().map(String::from)),
            ),
        }
    }
    spaced(&codes)
}

pub fn index(resource: &Value) -> Option<Indexed> {
    Some(Indexed {
        resource_type: resource["resourceType"].as_str()?.to_string(),
        id: resource["id"].as_str()?.to_string(),
        patient_id: patient_of(resource),
        date: date_of(resource),
        category: category_of(resource),
        security: spaced(&security_labels(resource)),
        encounter: encounter_of(resource),
    })
}

/// Stores (or replaces) one resource; it must have a type and an id.
pub async fn put(conn: &mut Conn, resource: &Value) -> sqlx::Result<bool> {
    let Some(ix) = index(resource) else {
        return Ok(false);
    };
    sqlx::query(
        "INSERT INTO resources (type, id, patient_id, date, category, security, encounter, json)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (type, id) DO UPDATE SET patient_id = excluded.patient_id,
           date = excluded.date, category = excluded.category, security = excluded.security,
           encounter = excluded.encounter, json = excluded.json",
    )
    .bind(&ix.resource_type)
    .bind(&ix.id)
    .bind(&ix.patient_id)
    .bind(&ix.date)
    .bind(&ix.category)
    .bind(&ix.security)
    .bind(&ix.encounter)
    .bind(resource.to_string())
    .execute(&mut *conn)
    .await?;
    Ok(true)
}

/// Removes one resource, if it is stored.
pub(super) async fn remove(conn: &mut Conn, resource_type: &str, id: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM resources WHERE type = $1 AND id = $2")
        .bind(resource_type)
        .bind(id)
        .execute(&mut *conn)
        .await
        .map(|_| ())
}

/// A stored resource and the patient it belongs to.
pub(super) async fn read(
    conn: &mut Conn,
    resource_type: &str,
    id: &str,
) -> sqlx::Result<Option<(Option<String>, Value)>> {
    sqlx::query("SELECT patient_id, json FROM resources WHERE type = $1 AND id = $2")
        .bind(resource_type)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await
        .map(|found: Option<AnyRow>| {
            let row = found?;
            let (patient, json): (Option<String>, String) =
                (row.try_get(0).ok()?, row.try_get(1).ok()?);
            Some((patient, serde_json::from_str(&json).ok()?))
        })
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct DateFilter {
    pub op: String,
    pub value: String,
}

impl DateFilter {
    /// `ge2020-01-01`, `lt2021`, or a bare date (meaning `eq`).
    pub fn parse(text: &str) -> Option<Self> {
        let (op, value) = match text.get(..2) {
            Some(p @ ("eq" | "ne" | "gt" | "lt" | "ge" | "le")) => (p, &text[2..]),
            _ => ("eq", text),
        };
        let valid = !value.is_empty()
            && value.len() <= 35
            && value
                .chars()
                .all(|c| c.is_ascii_digit() || "-:T+Z.".contains(c));
        valid.then(|| Self {
            op: op.into(),
            value: value.into(),
        })
    }

    /// Narrows a query to this filter: compares a stored ISO date (the SQL expression `column`)
    /// cut to the filter's precision, so `le2020-12` takes all of December.
    pub fn narrow(&self, column: &str, sql: &mut Sql) {
        let op = match self.op.as_str() {
            "ne" => "!=",
            "gt" => ">",
            "lt" => "<",
            "ge" => ">=",
            "le" => "<=",
            _ => "=",
        };
        let value = sql.value(&self.value);
        sql.push(&format!(
            " AND substr({column}, 1, length({value})) {op} {value}"
        ));
    }
}

#[derive(Clone, Debug, Default)]
pub struct Search {
    pub patient_id: String,
    pub dates: Vec<DateFilter>,
    /// Any of these category codes (a `system|` prefix is ignored).
    pub categories: Vec<String>,
    /// Resources with any of these security labels are left out, from the count as well.
    pub withheld_labels: Vec<String>,
    /// So are these resources (by id), and whatever was recorded in these visits.
    pub withheld_ids: Vec<String>,
    pub withheld_visits: Vec<String>,
    /// Only what was recorded in this visit.
    pub in_visit: Option<String>,
    pub newest_first: bool,
    pub count: usize,
    pub offset: usize,
}

/// How many resources match, and a page of them: as `Value`s to work with, or as stored text
/// (`Box<RawValue>`) to answer with, unparsed.
pub(super) async fn search<T: DeserializeOwned>(
    conn: &mut Conn,
    resource_type: &str,
    s: &Search,
) -> sqlx::Result<(usize, Vec<T>)> {
    let mut sql = Sql::new("FROM resources WHERE type = ");
    let (kind, patient) = (sql.value(resource_type), sql.value(&s.patient_id));
    sql.push(&format!("{kind} AND patient_id = {patient}"));
    for d in &s.dates {
        sql.push(" AND date IS NOT NULL");
        d.narrow("date", &mut sql);
    }
    if !s.categories.is_empty() {
        let any: Vec<String> = s
            .categories
            .iter()
            .map(|c| {
                format!(
                    "category LIKE {}",
                    sql.value(format!("% {} %", escape_like(c)))
                )
            })
            .collect();
        sql.push(&format!(" AND ({})", any.join(" OR ")));
    }
    for label in &s.withheld_labels {
        let label = sql.value(format!("% {} %", escape_like(label)));
        sql.push(&format!(" AND security NOT LIKE {label}"));
    }
    for id in &s.withheld_ids {
        let id = sql.value(id.as_str());
        sql.push(&format!(" AND id != {id}"));
    }
    for visit in &s.withheld_visits {
        let visit = sql.value(visit.as_str());
        sql.push(&format!(" AND coalesce(encounter, '') != {visit}"));
        if resource_type == "Encounter" {
            sql.push(&format!(" AND id != {visit}"));
        }
    }
    if let Some(visit) = &s.in_visit {
        let visit = sql.value(visit.as_str());
        sql.push(&format!(" AND encounter = {visit}"));
    }
    let total: i64 = sql
        .query("SELECT count(*) ", "")
        .try_map(|r: AnyRow| r.try_get(0))
        .fetch_one(&mut *conn)
        .await?;
    let order = if s.newest_first { "DESC" } else { "ASC" };
    // A resource without a date is the earliest, in SQLite and PostgreSQL alike (whose own
    // rules for NULL differ).
    let undated = if s.newest_first { "LAST" } else { "FIRST" };
    let rows = sql
        .query(
            "SELECT json ",
            &format!(
                " ORDER BY date {order} NULLS {undated}, id {order} LIMIT {} OFFSET {}",
                s.count, s.offset
            ),
        )
        .try_map(|r: AnyRow| r.try_get::<String, _>(0))
        .fetch_all(conn)
        .await?
        .into_iter()
        .filter_map(|json| serde_json::from_str(&json).ok())
        .collect();
    Ok((total as usize, rows))
}

impl DateFilter {
    /// The same comparison as `narrow`, on a date in hand.
    fn admits(&self, date: &str) -> bool {
        let cut = date.get(..self.value.len()).unwrap_or(date);
        match self.op.as_str() {
            "ne" => cut != self.value,
            "gt" => cut > self.value.as_str(),
            "lt" => cut < self.value.as_str(),
            "ge" => cut >= self.value.as_str(),
            "le" => cut <= self.value.as_str(),
            _ => cut == self.value,
        }
    }
}

impl Search {
    /// A `count` for every match: as many as a SQL LIMIT takes.
    pub const EVERY: usize = i64::MAX as usize;

    /// Whether a resource in hand (from the hospital's record server) is one this search finds:
    /// the rules `search` writes as SQL, for resources that are not in the database.
    pub fn matches(&self, resource_type: &str, ix: &Indexed) -> bool {
        let spaced_has =
            |list: &str, code: &str| list.contains(&format!(" {} ", escape_like(code)));
        ix.resource_type == resource_type
            && ix.patient_id.as_deref() == Some(self.patient_id.as_str())
            && self
                .dates
                .iter()
                .all(|d| ix.date.as_deref().is_some_and(|date| d.admits(date)))
            && (self.categories.is_empty()
                || self.categories.iter().any(|c| spaced_has(&ix.category, c)))
            && !self
                .withheld_labels
                .iter()
                .any(|l| spaced_has(&ix.security, l))
            && !self.withheld_ids.contains(&ix.id)
            && self
                .in_visit
                .as_ref()
                .is_none_or(|v| ix.encounter.as_ref() == Some(v))
            && !self.withheld_visits.iter().any(|v| {
                ix.encounter.as_ref() == Some(v) || (resource_type == "Encounter" && &ix.id == v)
            })
    }

    /// The order `search` pages in: by date (one without a date counting as the earliest, as
    /// SQLite orders it), then id.
    pub fn order(&self, a: &Indexed, b: &Indexed) -> std::cmp::Ordering {
        let ascending = (&a.date, &a.id).cmp(&(&b.date, &b.id));
        if self.newest_first {
            ascending.reverse()
        } else {
            ascending
        }
    }
}

fn escape_like(code: &str) -> String {
    code.chars()
        .filter(|c| !matches!(c, '%' | '_' | ' '))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn indexes_patient_date_and_category_from_each_shape() {
        let obs = json!({
            "resourceType": "Observation", "id": "o1",
            "subject": {"reference": "https://fhir.example/Patient/p1"},
            "effectivePeriod": {"start": "2020-05"},
            "category": [{"coding": [{"system": "x", "code": "laboratory"}]}]
        });
        let ix = index(&obs).unwrap();
        assert_eq!(
            ix.patient_id, None,
            "a patient on another server is none of ours"
        );
        assert_eq!(ix.date.as_deref(), Some("2020-05"));
        assert_eq!(ix.category, " laboratory ");

        let allergy = json!({
            "resourceType": "AllergyIntolerance", "id": "a1",
            "patient": {"reference": "Patient/p2"}, "category": ["food", "medication"]
        });
        let ix = index(&allergy).unwrap();
        assert_eq!(ix.patient_id.as_deref(), Some("p2"));
        assert_eq!(ix.date, None);
        assert_eq!(ix.category, " food medication ");

        let appt = json!({
            "resourceType": "Appointment", "id": "ap",
            "participant": [{"actor": {"reference": "Practitioner/d"}}, {"actor": {"reference": "Patient/p3"}}],
            "start": "2027-01-02T09:00:00Z"
        });
        assert_eq!(index(&appt).unwrap().patient_id.as_deref(), Some("p3"));

        let letter = json!({
            "resourceType": "DocumentReference", "id": "d1",
            "subject": {"reference": "Patient/p1"},
            "context": {"encounter": [{"reference": "Encounter/e7"}]}
        });
        assert_eq!(index(&letter).unwrap().encounter.as_deref(), Some("e7"));
        assert_eq!(index(&obs).unwrap().encounter, None);
        assert!(index(&json!({"resourceType": "Observation"})).is_none());
    }

    /// The record server's resources are narrowed and ordered in Rust (`matches`, `order`);
    /// the store's in SQL. Both must find the same resources in the same order.
    #[tokio::test]
    async fn matching_in_hand_agrees_with_the_sql() {
        let db = crate::infra::store::testing::store().await;
        let mut conn = db.conn().await.unwrap();
        let obs = |id: &str,
                   date: Option<&str>,
                   category: &str,
                   label: Option<&str>,
                   visit: Option<&str>| {
            let mut o = json!({
                "resourceType": "Observation", "id": id,
                "subject": {"reference": "Patient/p"},
                "category": [{"coding": [{"code": category}]}],
            });
            if let Some(d) = date {
                o["effectiveDateTime"] = json!(d);
            }
            if let Some(l) = label {
                o["meta"] = json!({"security": [{"code": l}]});
            }
            if let Some(v) = visit {
                o["encounter"] = json!({"reference": format!("Encounter/{v}")});
            }
            o
        };
        let all = vec![
            obs("a", Some("2020-01-05"), "laboratory", None, Some("e1")),
            obs("b", Some("2020-01-05"), "vital-signs", Some("HIV"), None),
            obs("c", Some("2021-06"), "laboratory", None, Some("e2")),
            obs("d", None, "laboratory", None, None),
            obs(
                "e",
                Some("2019-12-31T23:00:00Z"),
                "laboratory",
                Some("R"),
                Some("e1"),
            ),
            obs("f", Some("2022"), "social-history", None, None),
            json!({"resourceType": "Observation", "id": "g", "subject": {"reference": "Patient/q"}}),
        ];
        for r in &all {
            put(&mut conn, r).await.unwrap();
        }
        let base = Search {
            patient_id: "p".into(),
            newest_first: true,
            count: 50,
            ..Search::default()
        };
        let searches = [
            base.clone(),
            Search {
                newest_first: false,
                ..base.clone()
            },
            Search {
                count: 2,
                offset: 1,
                ..base.clone()
            },
            Search {
                dates: vec![DateFilter::parse("ge2020-01").unwrap()],
                ..base.clone()
            },
            Search {
                dates: vec![
                    DateFilter::parse("lt2020").unwrap(),
                    DateFilter::parse("ne2019-12-30").unwrap(),
                ],
                ..base.clone()
            },
            Search {
                dates: vec![DateFilter::parse("2020").unwrap()],
                ..base.clone()
            },
            Search {
                categories: vec!["laboratory".into(), "social-history".into()],
                ..base.clone()
            },
            Search {
                withheld_labels: vec!["HIV".into(), "R".into()],
                ..base.clone()
            },
            Search {
                withheld_ids: vec!["c".into()],
                withheld_visits: vec!["e1".into()],
                ..base.clone()
            },
            Search {
                in_visit: Some("e1".into()),
                ..base.clone()
            },
        ];
        for s in &searches {
            let (total, page) = search::<Value>(&mut conn, "Observation", s).await.unwrap();
            let in_sql: Vec<&str> = page.iter().filter_map(|r| r["id"].as_str()).collect();
            let mut in_hand: Vec<Indexed> = all
                .iter()
                .filter_map(index)
                .filter(|ix| s.matches("Observation", ix))
                .collect();
            in_hand.sort_by(|a, b| s.order(a, b));
            let paged: Vec<&str> = in_hand
                .iter()
                .skip(s.offset)
                .take(s.count)
                .map(|ix| ix.id.as_str())
                .collect();
            assert_eq!((in_hand.len(), paged), (total, in_sql), "{s:?}");
        }
    }

    #[test]
    fn parses_date_filters() {
        assert_eq!(
            DateFilter::parse("ge2020-01-01"),
            Some(DateFilter {
                op: "ge".into(),
                value: "2020-01-01".into()
            })
        );
        assert_eq!(DateFilter::parse("2020").unwrap().op, "eq");
        assert!(DateFilter::parse("ge2020'; DROP TABLE").is_none());
        assert!(DateFilter::parse("le").is_none());
    }
}
