//! `carefront-portal proxy …`: what the care team does. Relationships for children (and legal
//! authorities such as a lasting power of attorney) are set up here, never by self-service.

use super::rules::ProxyRules;
use super::store::{self, NewRelationship};
use crate::accounts;
use crate::audit::Event;
use crate::infra::store::{Conn, Store};
use crate::infra::time;
use crate::records::Records;
use clap::{Args, Subcommand};
use std::path::Path;

const ROLE_CODE: &str = "http://terminology.hl7.org/CodeSystem/v3-RoleCode";

#[derive(Debug, Subcommand)]
pub enum ProxyCommand {
    /// Let an account act for a patient.
    Add(Box<NewProxy>),
    /// List relationships, of one patient or one account.
    List {
        #[arg(long)]
        patient: Option<String>,
        #[arg(long)]
        proxy: Option<String>,
    },
    /// End a relationship at once.
    Stop { id: i64 },
    /// Print the built-in proxy rules, as a starting point for --proxy-rules.
    Rules,
}

#[derive(Debug, Args)]
pub struct NewProxy {
    /// The account that will act for the patient.
    #[arg(long)]
    proxy: String,
    /// The Patient resource id of the person they act for.
    #[arg(long)]
    patient: String,
    /// What the proxy is to the patient, as a code (v3-RoleCode unless --system says
    /// otherwise): MTH, FTH, PRN, GUARD, SONC, DAUC, CHILD, SPS, FRND, NBOR …
    #[arg(long)]
    relationship: String,
    #[arg(long, default_value = ROLE_CODE)]
    system: String,
    /// The same in words, as the patient is told it: "mother".
    #[arg(long)]
    proxy_is: String,
    /// What the patient is to the proxy, as the proxy is told it: "son".
    #[arg(long)]
    patient_is: String,
    /// A legal authority beside the relationship (v3-RoleCode): HPOWATT, POWATT, GUARD …
    #[arg(long)]
    authority: Option<String>,
    /// A parent for a child: the patient's age decides access, by the age bands.
    #[arg(long)]
    parental: bool,
    /// One of the configured access levels.
    #[arg(long, default_value = "full")]
    level: String,
    /// Further security labels to withhold (comma-separated).
    #[arg(long, value_delimiter = ',')]
    withhold: Vec<String>,
    /// First day of access (YYYY-MM-DD); today if not given.
    #[arg(long)]
    starts: Option<String>,
    /// First day without access (YYYY-MM-DD).
    #[arg(long)]
    ends: Option<String>,
}

/// The rules the operator configured, or the built-in ones.
pub fn load_rules(path: Option<&Path>) -> Result<ProxyRules, String> {
    let rules = match path {
        None => ProxyRules::default(),
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            serde_json::from_str(&text)
                .map_err(|e| format!("{} is not a set of proxy rules: {e}", path.display()))?
        }
    };
    rules.check().map_err(|e| format!("proxy rules: {e}"))?;
    Ok(rules)
}

pub async fn run(
    db: &Store,
    records: &Records,
    rules: &ProxyRules,
    command: ProxyCommand,
) -> Result<(), String> {
    let mut held = db.conn().await.map_err(|e| e.to_string())?;
    let conn: &mut Conn = &mut held;
    let err = |e: sqlx::Error| e.to_string();
    match command {
        ProxyCommand::Add(new) => {
            let NewProxy {
                proxy,
                patient,
                relationship,
                system,
                proxy_is,
                patient_is,
                authority,
                parental,
                level,
                withhold,
                starts,
                ends,
            } = *new;
            let user = accounts::by_username(conn, &proxy)
                .await
                .map_err(err)?
                .ok_or(format!("no account {proxy:?}"))?;
            if records
                .read(conn, "Patient", &patient)
                .await
                .map_err(|e| e.to_string())?
                .is_none()
            {
                return Err(format!("no Patient/{patient} in this portal"));
            }
            if rules.level(&level).is_none() {
                return Err(format!("no access level {level:?} in the proxy rules"));
            }
            for date in starts.iter().chain(&ends) {
                time::parse_date(date)
                    .filter(|_| date.len() == 10)
                    .ok_or(format!("{date:?} is not a date (YYYY-MM-DD)"))?;
            }
            let today = time::date(time::now());
            let id = store::add(
                conn,
                &NewRelationship {
                    proxy_user_id: user.id,
                    patient_id: &patient,
                    relationship_system: &system,
                    relationship_code: &relationship,
                    proxy_is: &proxy_is,
                    patient_is: &patient_is,
                    authority_code: authority.as_deref(),
                    parental,
                    level: &level,
                    withheld_labels: &withhold,
                    starts_on: starts.as_deref().unwrap_or(&today),
                    ends_on: ends.as_deref(),
                    created_by: "care-team",
                    at: time::now(),
                },
            )
            .await
            .map_err(err)?;
            Event::new("proxy-added")
                .user(Some(user.id))
                .patient(Some(&patient))
                .through(Some(id))
                .detail(&format!("by the operator: RelatedPerson/proxy-{id}"))
                .record(conn)
                .await
                .map_err(err)?;
            println!("Added relationship {id}: {proxy} acts for Patient/{patient}.");
        }
        ProxyCommand::List { patient, proxy } => {
            let list = match (patient, proxy) {
                (Some(p), _) => store::of_patient(conn, &p).await,
                (None, Some(u)) => {
                    let user = accounts::by_username(conn, &u)
                        .await
                        .map_err(err)?
                        .ok_or(format!("no account {u:?}"))?;
                    store::of_proxy(conn, user.id).await
                }
                (None, None) => return Err("say --patient or --proxy".into()),
            }
            .map_err(err)?;
            let today = time::now().div_euclid(86_400);
            for r in list {
                let standing = crate::access::proxy::standing(conn, records, rules, &r, today)
                    .await
                    .map_err(|e| e.to_string())?;
                let proxy = accounts::by_id(conn, r.proxy_user_id)
                    .await
                    .map(|u| u.username)
                    .unwrap_or_default();
                println!(
                    "{:>5}  {proxy} is {} of Patient/{} ({}, {}); {}",
                    r.id,
                    r.proxy_is,
                    r.patient_id,
                    if r.parental { "parental" } else { "authorised" },
                    r.level,
                    serde_json::to_string(&standing.state).unwrap_or_default(),
                );
            }
        }
        ProxyCommand::Stop { id } => {
            let r = store::by_id(conn, id)
                .await
                .map_err(err)?
                .ok_or(format!("no relationship {id}"))?;
            if !store::stop(conn, id, "care-team", time::now())
                .await
                .map_err(err)?
            {
                return Err(format!("relationship {id} had already been stopped"));
            }
            Event::new("proxy-stopped")
                .user(Some(r.proxy_user_id))
                .patient(Some(&r.patient_id))
                .through(Some(id))
                .detail("by the operator")
                .record(conn)
                .await
                .map_err(err)?;
            println!("Stopped relationship {id}.");
        }
        ProxyCommand::Rules => {
            println!(
                "{}",
                serde_json::to_string_pretty(rules).map_err(|e| e.to_string())?
            );
        }
    }
    Ok(())
}
