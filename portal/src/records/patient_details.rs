//! Whose record it is, as people are named: from the Patient resource.

use super::Records;
use crate::infra::error::ApiError;
use crate::infra::store::Conn;
use serde_json::Value;

/// A person's name and date of birth, from their Patient resource.
pub async fn patient_details(
    conn: &mut Conn,
    records: &Records,
    id: &str,
) -> Result<(String, Option<String>), ApiError> {
    let resource = records.read(conn, "Patient", id).await?.map(|(_, r)| r);
    Ok((
        resource.as_ref().map(display_name).unwrap_or_default(),
        resource
            .as_ref()
            .and_then(|r| r["birthDate"].as_str().map(String::from)),
    ))
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
