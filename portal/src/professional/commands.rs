//! `carefront-portal professional …`: registering other organisations' systems and their keys,
//! making a key pair for one, and reading as one (the client in `client.rs`).

use super::client::{self, ReadArgs};
use super::registry::{self, Organisation};
use crate::infra::store::{Conn, Store};
use crate::infra::time;
use crate::infra::tokens::random_token;
use clap::Subcommand;
use josekit::jwk::{JwkSet, KeyPair};
use josekit::jws::ES384;
use std::path::{Path, PathBuf};

#[derive(Debug, Subcommand)]
pub enum ProfessionalCommand {
    /// Let an organisation's system read records: its client id and public keys (a JWK Set).
    Register {
        #[arg(long)]
        client_id: String,
        /// The organisation's short id: lowercase letters, digits and dashes.
        #[arg(long)]
        organisation: String,
        /// The organisation's name, as patients will see it.
        #[arg(long)]
        organisation_name: String,
        /// The system's public keys, a JWK Set file.
        #[arg(long)]
        jwks: PathBuf,
        /// The hospital's own system that reads patients' messages and replies to them (it may
        /// then be granted system/Communication scopes). Never another organisation's.
        #[arg(long)]
        messages: bool,
    },
    /// List registered systems.
    Clients,
    /// Stop a system reading, at once: its tokens stop working.
    Remove { client_id: String },
    /// Make an ES384 key pair for a system: the private JWK (kept by the system) and the public
    /// JWK Set (registered here).
    Keygen {
        #[arg(long)]
        private: PathBuf,
        #[arg(long)]
        public: PathBuf,
    },
    /// Read or search a patient's record as a professional (SMART Backend Services).
    Read(Box<ReadArgs>),
}

pub async fn run(
    db: impl AsyncFnOnce() -> Store,
    command: ProfessionalCommand,
) -> Result<(), String> {
    let err = |e: sqlx::Error| e.to_string();
    match command {
        ProfessionalCommand::Register {
            client_id,
            organisation,
            organisation_name,
            jwks,
            messages,
        } => {
            if !registry::is_valid_id(&organisation) {
                return Err(format!(
                    "--organisation {organisation:?} must be lowercase letters, digits and dashes"
                ));
            }
            if client_id.is_empty()
                || client_id.len() > 100
                || client_id.chars().any(char::is_control)
            {
                return Err("--client-id must be 1 to 100 printable characters".into());
            }
            let name = organisation_name.trim();
            if name.is_empty() || name.chars().count() > 200 {
                return Err("--organisation-name must be 1 to 200 characters".into());
            }
            let text = read(&jwks)?;
            let set = JwkSet::from_bytes(text.as_bytes())
                .map_err(|e| format!("{} is not a JWK Set: {e}", jwks.display()))?;
            let keys = set.keys();
            if keys.is_empty() || keys.iter().any(|k| k.key_id().is_none()) {
                return Err(format!("{}: every key needs a kid", jwks.display()));
            }
            if keys.iter().any(|k| k.parameter("d").is_some()) {
                return Err(format!(
                    "{} holds a private key: register only the public keys",
                    jwks.display()
                ));
            }
            let db = db().await;
            let mut held = db.conn().await.map_err(err)?;
            let conn: &mut Conn = &mut held;
            let now = time::now();
            registry::put_organisation(
                conn,
                &Organisation {
                    id: organisation.clone(),
                    name: name.to_string(),
                },
                now,
            )
            .await
            .map_err(err)?;
            registry::register(conn, &client_id, &organisation, &text, messages, now)
                .await
                .map_err(err)?;
            println!(
                "Registered {client_id} for {name} ({} keys){}.",
                keys.len(),
                if messages {
                    ", answering patients' messages"
                } else {
                    ""
                }
            );
            Ok(())
        }
        ProfessionalCommand::Clients => {
            let db = db().await;
            for c in registry::clients(&mut *db.conn().await.map_err(err)?)
                .await
                .map_err(err)?
            {
                println!(
                    "{:<30} {:<30} {}{}{}",
                    c.client_id,
                    c.organisation.id,
                    c.organisation.name,
                    if c.messages { " (messages)" } else { "" },
                    if c.removed { " (removed)" } else { "" }
                );
            }
            Ok(())
        }
        ProfessionalCommand::Remove { client_id } => {
            let db = db().await;
            if registry::remove(&mut *db.conn().await.map_err(err)?, &client_id, time::now())
                .await
                .map_err(err)?
            {
                println!("Removed {client_id}: it can no longer read.");
                Ok(())
            } else {
                Err(format!("no registered client {client_id:?}"))
            }
        }
        ProfessionalCommand::Keygen { private, public } => {
            let pair = ES384.generate_key_pair().map_err(|e| e.to_string())?;
            let kid = random_token()[..16].to_string();
            let mut private_key = pair.to_jwk_private_key();
            private_key.set_key_id(&kid);
            private_key.set_algorithm("ES384");
            let mut public_key = pair.to_jwk_public_key();
            public_key.set_key_id(&kid);
            public_key.set_algorithm("ES384");
            public_key.set_key_use("sig");
            let mut set = JwkSet::new();
            set.push_key(public_key);
            write(&private, &private_key.to_string())?;
            write(&public, &set.to_string())?;
            println!(
                "Wrote the private key to {} (keep it secret) and the public keys to {}.",
                private.display(),
                public.display()
            );
            Ok(())
        }
        ProfessionalCommand::Read(args) => {
            println!("{}", client::read(&args)?);
            Ok(())
        }
    }
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

/// Writes a key file readable by its owner only.
fn write(path: &Path, text: &str) -> Result<(), String> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
        .open(path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}
