//! `carefront-portal professional read`: a small SMART Backend Services client, for operators
//! checking a registration and for tests. It finds the token endpoint in the portal's SMART
//! configuration, signs a client assertion with the system's private key and the reading
//! professional's IUA claims, and reads or searches with the token it gets, or (for the
//! hospital's messaging system) replies to a patient's message.

use super::claims::{ACT_REASON, Purpose};
use crate::infra::client_assertion::ClientKey;
use clap::Args;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Args)]
pub struct ReadArgs {
    /// The portal's address: http://127.0.0.1:8080
    #[arg(long, env = "CAREFRONT_PORTAL_URL")]
    portal: String,
    /// The client id the system is registered under.
    #[arg(long)]
    client_id: String,
    /// The system's private key, a JWK (as `professional keygen` writes).
    #[arg(long)]
    key: PathBuf,
    /// Who is reading: their name as the patient will see it.
    #[arg(long)]
    name: String,
    /// Their role, in words: "Cardiologist".
    #[arg(long)]
    role: String,
    /// Their role as a code (SNOMED CT unless --role-system says otherwise).
    #[arg(long)]
    role_code: Option<String>,
    #[arg(long, default_value = "http://snomed.info/sct")]
    role_system: String,
    /// Why: TREAT, CAREMGT, PATRQT, ETREAT (emergency) or BTG (break the glass).
    #[arg(long)]
    purpose: String,
    /// The organisation as the system names it (checked against its registration).
    #[arg(long)]
    organisation: Option<String>,
    /// The SMART scopes to ask for.
    #[arg(long, default_value = "system/*.rs")]
    scope: String,
    /// The patient's id (for a search).
    #[arg(long)]
    patient: Option<String>,
    /// Reply with these words to the message `what` names (`Communication/abc`), as the
    /// professional named: the hospital's messaging system answering a patient.
    #[arg(long)]
    reply: Option<String>,
    /// What to read: a type to search (`Observation`) or one resource (`Observation/abc`).
    #[arg(default_value = "Patient")]
    what: String,
}

/// Reads as asked; the answer's body, or why not.
pub fn read(args: &ReadArgs) -> Result<String, String> {
    if Purpose::from_code(&args.purpose).is_none() {
        return Err(format!(
            "--purpose takes one of {}",
            Purpose::ALL.map(Purpose::code).join(", ")
        ));
    }
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into();
    let portal = args.portal.trim_end_matches('/');
    let (status, configuration) = body(
        agent
            .get(format!(
                "{portal}/professional/fhir/.well-known/smart-configuration"
            ))
            .call(),
    )?;
    if status != 200 {
        return Err(format!("the portal has no SMART configuration ({status})"));
    }
    let configuration: Value = serde_json::from_str(&configuration)
        .map_err(|e| format!("the SMART configuration is not JSON: {e}"))?;
    let token_endpoint = configuration["token_endpoint"]
        .as_str()
        .ok_or("the SMART configuration names no token endpoint")?;
    let assertion = assertion(args, token_endpoint)?;
    let (status, answer) = body(agent.post(token_endpoint).send_form([
        ("grant_type", "client_credentials"),
        ("scope", args.scope.as_str()),
        (
            "client_assertion_type",
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        ),
        ("client_assertion", assertion.as_str()),
    ]))?;
    let answer: Value = serde_json::from_str(&answer).unwrap_or_default();
    let token = match answer["access_token"].as_str() {
        Some(token) if status == 200 => token.to_string(),
        _ => {
            return Err(format!(
                "no token ({status}): {} {}",
                answer["error"].as_str().unwrap_or("?"),
                answer["error_description"].as_str().unwrap_or_default()
            ));
        }
    };
    let bearer = format!("Bearer {token}");
    let (status, answer) = if let Some(text) = &args.reply {
        let reply = json!({
            "resourceType": "Communication",
            "status": "completed",
            "inResponseTo": [{"reference": args.what}],
            "payload": [{"contentString": text}],
        });
        body(
            agent
                .post(format!("{portal}/professional/fhir/Communication"))
                .header("Authorization", &bearer)
                .header("Content-Type", "application/fhir+json")
                .send(reply.to_string()),
        )?
    } else {
        let url = match (args.what.split_once('/'), &args.patient) {
            (Some(_), _) => format!("{portal}/professional/fhir/{}", args.what),
            (None, Some(patient)) => {
                format!("{portal}/professional/fhir/{}?patient={patient}", args.what)
            }
            (None, None) => return Err("a search needs --patient".into()),
        };
        body(agent.get(url).header("Authorization", &bearer).call())?
    };
    if !(200..300).contains(&status) {
        let outcome: Value = serde_json::from_str(&answer).unwrap_or_default();
        return Err(format!(
            "refused ({status}): {}",
            outcome["issue"][0]["details"]["text"]
                .as_str()
                .unwrap_or(&answer)
        ));
    }
    Ok(answer)
}

fn body(
    response: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
) -> Result<(u16, String), String> {
    let mut response = response.map_err(|e| format!("cannot reach the portal: {e}"))?;
    let status = response.status().as_u16();
    let text = response
        .body_mut()
        .read_to_string()
        .map_err(|e| format!("cannot read the portal's answer: {e}"))?;
    Ok((status, text))
}

/// The client assertion: signed with the private key, naming the client, the token endpoint,
/// a fresh jti, and who is reading and why.
fn assertion(args: &ReadArgs, audience: &str) -> Result<String, String> {
    let key = ClientKey::read(&args.key)?;
    let mut role = json!({"display": args.role});
    if let Some(code) = &args.role_code {
        role["code"] = json!(code);
        role["system"] = json!(args.role_system);
    }
    let mut iua = json!({
        "subject_name": args.name,
        "subject_role": role,
        "purpose_of_use": {"system": ACT_REASON, "code": args.purpose},
    });
    if let Some(organisation) = &args.organisation {
        iua["subject_organization"] = json!(organisation);
    }
    key.assertion(&args.client_id, audience, Some(json!({"ihe_iua": iua})))
}
