use super::RecordAccess;
use super::store as records;
use crate::AppState;
use crate::accounts;
use crate::shared::error::ApiError;
use axum::Json;
use axum::extract::State;
use serde::Serialize;
use serde_json::Value;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PatientSummary {
    id: String,
    name: String,
    birth_date: Option<String>,
    relationship: String,
}

/// Each Patient listed is a read of that patient's record, and audited as one.
pub async fn list(
    State(state): State<AppState>,
    access: RecordAccess,
) -> Result<Json<Vec<PatientSummary>>, ApiError> {
    state
        .run(move |state| {
            let conn = state.db.read()?;
            let mut out = Vec::new();
            for patient in accounts::patients(&conn, access.session.user_id)? {
                let resource = records::read(&conn, "Patient", &patient.id)?.map(|(_, r)| r);
                out.push(PatientSummary {
                    name: resource.as_ref().map(display_name).unwrap_or_default(),
                    birth_date: resource
                        .as_ref()
                        .and_then(|r| r["birthDate"].as_str().map(String::from)),
                    id: patient.id,
                    relationship: patient.relationship,
                });
            }
            drop(conn);
            let writer = state.db.lock();
            for p in &out {
                access
                    .event("read")
                    .patient(Some(&p.id))
                    .detail(&format!("Patient/{} (patient list)", p.id))
                    .record(&writer)?;
            }
            Ok(Json(out))
        })
        .await
}

/// The name to greet someone by: the official (else first) HumanName's text, or its parts joined.
fn display_name(patient: &Value) -> String {
    let names = patient["name"].as_array().cloned().unwrap_or_default();
    let Some(name) = names
        .iter()
        .find(|n| n["use"] == "official")
        .or(names.first())
    else {
        return String::new();
    };
    if let Some(text) = name["text"].as_str() {
        return text.to_string();
    }
    let given = name["given"].as_array().into_iter().flatten();
    given
        .chain(std::iter::once(&name["family"]))
        .filter_map(Value::as_str)
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::display_name;
    use serde_json::json;

    #[test]
    fn prefers_official_name_and_its_text() {
        let p = json!({"name": [
            {"use": "usual", "given": ["Peggy"]},
            {"use": "official", "given": ["Margaret", "Ann"], "family": "Carter"}
        ]});
        assert_eq!(display_name(&p), "Margaret Ann Carter");
        assert_eq!(
            display_name(&json!({"name": [{"text": "Mr B Okafor"}]})),
            "Mr B Okafor"
        );
        assert_eq!(display_name(&json!({})), "");
    }
}
