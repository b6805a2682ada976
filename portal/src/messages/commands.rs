//! `carefront-portal messages …`: the help desk lists the conversations waiting for the hospital,
//! reads one (which marks the patient's messages received), replies by name and role, starts a
//! conversation with a patient, and closes a conversation. Each is audited, and shows in the patient's access log.

use super::settings::MessagesInfo;
use super::store::{self, Conversation};
use crate::audit::Event;
use crate::infra::config::PortalInfo;
use crate::infra::store::{Conn, Store};
use crate::infra::time;
use clap::{Args, Subcommand};
use serde_json::json;

#[derive(Debug, Subcommand)]
pub enum MessagesCommand {
    /// Conversations waiting for the hospital: the newest message is the patient's.
    Waiting,
    /// One conversation, every message in order; the patient's messages are marked received.
    Show {
        conversation: i64,
        #[command(flatten)]
        staff: Staff,
    },
    /// Reply to a conversation, as a named member of staff.
    Reply {
        conversation: i64,
        #[command(flatten)]
        staff: Staff,
        /// The reply; `-` reads it from standard input.
        #[arg(long)]
        text: String,
    },
    /// Start a conversation with a patient, as a named member of staff.
    Start {
        /// The patient's record id.
        #[arg(long)]
        patient: String,
        /// One of the hospital's topics (`messages.topics`), by id.
        #[arg(long)]
        topic: String,
        #[arg(long)]
        subject: String,
        #[command(flatten)]
        staff: Staff,
        /// The message; `-` reads it from standard input.
        #[arg(long)]
        text: String,
    },
    /// Save a file from a message (`show` lists them) to a path of the help desk's.
    SaveFile {
        /// The file's id, as `show` gives it.
        file: String,
        #[arg(long)]
        to: std::path::PathBuf,
        #[command(flatten)]
        staff: Staff,
    },
    /// Close a conversation: the patient can read it but not reply to it.
    Close {
        conversation: i64,
        #[command(flatten)]
        staff: Staff,
    },
}

/// The member of staff at the command line, as the patient sees them named in a message and
/// in their access log.
#[derive(Debug, Args)]
pub struct Staff {
    #[arg(long = "as")]
    pub name: String,
    #[arg(long)]
    pub role: String,
}

impl Staff {
    /// Both named, trimmed: the patient sees both.
    fn checked(&self) -> Result<(&str, &str), String> {
        let (name, role) = (self.name.trim(), self.role.trim());
        if name.is_empty() || role.is_empty() {
            return Err("--as and --role name the member of staff: the patient sees both".into());
        }
        Ok((name, role))
    }
}

/// The member of staff, as the audit trail and the patient's access log name them.
fn staff_event(action: &'static str, info: &PortalInfo, name: &str, role: &str) -> Event {
    let who = json!({
        "name": name,
        "role": {"display": role},
        "organisation": info.organization.name,
        "organisationId": "hospital",
        "client": "carefront-portal messages",
    });
    Event::new(action).professional(&who.to_string())
}

async fn conversation(conn: &mut Conn, id: i64) -> Result<Conversation, String> {
    store::conversation_by_id(conn, id)
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("no conversation {id}"))
}

/// The text of a message as given (`-`: standard input), as it will be kept.
fn text_given(text: String) -> Result<String, String> {
    let text = if text == "-" {
        std::io::read_to_string(std::io::stdin()).map_err(|e| e.to_string())?
    } else {
        text
    };
    let text = super::routes::clean(&text);
    if text.is_empty() {
        return Err("--text is empty".into());
    }
    Ok(text)
}

pub async fn run(store: &Store, info: &PortalInfo, command: MessagesCommand) -> Result<(), String> {
    let err = |e: sqlx::Error| e.to_string();
    let mut conn = store.conn().await.map_err(err)?;
    let settings: &MessagesInfo = &info.messages;
    let now = time::now();
    match command {
        MessagesCommand::Waiting => {
            let waiting = store::waiting(&mut conn).await.map_err(err)?;
            if waiting.is_empty() {
                println!("No conversation is waiting for the hospital.");
            }
            for (c, last) in waiting {
                let queue = settings
                    .topic(&c.topic)
                    .map_or(c.topic.as_str(), |t| t.route_to.as_str());
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    c.id,
                    time::rfc3339(last.sent_at),
                    c.patient_id,
                    queue,
                    c.subject
                );
            }
        }
        MessagesCommand::Show {
            conversation: id,
            staff,
        } => {
            let (name, role) = staff.checked()?;
            let c = conversation(&mut conn, id).await?;
            println!("Conversation {id} with {}: {}", c.patient_id, c.subject);
            if let Some(about) = &c.about {
                println!("About {about}");
            }
            let files = store::conversation_attachments(&mut conn, id)
                .await
                .map_err(err)?;
            for m in store::messages(&mut conn, id).await.map_err(err)? {
                let from = match (&m.staff_name, &m.author_name) {
                    (Some(name), _) => {
                        format!("{name} ({})", m.staff_role.as_deref().unwrap_or(""))
                    }
                    (None, Some(name)) if m.proxy_relationship.is_some() => {
                        format!("{name}, acting for the patient")
                    }
                    (None, Some(name)) => name.clone(),
                    (None, None) => "(unknown)".into(),
                };
                println!("\n{} {from}:\n{}", time::rfc3339(m.sent_at), m.body);
                for f in files.iter().filter(|f| f.message_id == Some(m.id)) {
                    println!(
                        "File {}: {} ({}, {})",
                        f.id,
                        f.name,
                        f.content_type,
                        super::attachments::size_words(f.size as u64)
                    );
                }
            }
            store::mark_received(&mut conn, id, now)
                .await
                .map_err(err)?;
            if c.closed_at.is_some() {
                println!("\n(closed)");
            }
            staff_event("messages-read", info, name, role)
                .patient(Some(&c.patient_id))
                .detail(&format!("conversation {id}"))
                .record(&mut conn)
                .await
                .map_err(err)?;
        }
        MessagesCommand::Reply {
            conversation: id,
            staff,
            text,
        } => {
            let (name, role) = staff.checked()?;
            let text = text_given(text)?;
            let c = conversation(&mut conn, id).await?;
            if c.closed_at.is_some() {
                return Err(format!("conversation {id} is closed"));
            }
            let message = super::staff_reply(&mut conn, &c, name, role, &text, now)
                .await
                .map_err(err)?;
            staff_event("message-sent", info, name, role)
                .patient(Some(&c.patient_id))
                .detail(&format!("conversation {id}"))
                .record(&mut conn)
                .await
                .map_err(err)?;
            println!("Replied in conversation {id} ({})", message.fhir_id);
        }
        MessagesCommand::Start {
            patient,
            topic,
            subject,
            staff,
            text,
        } => {
            let (name, role) = staff.checked()?;
            let text = text_given(text)?;
            let subject = super::routes::subject_line(&subject)?;
            if settings.topic(&topic).is_none() {
                let topics: Vec<&str> = settings.topics.iter().map(|t| t.id.as_str()).collect();
                return Err(format!("--topic must be one of {}", topics.join(", ")));
            }
            if !super::has_readers(&mut conn, &patient).await.map_err(err)? {
                return Err(format!(
                    "no one reads messages for {patient}: they have no account, and no one acts for them"
                ));
            }
            let new = store::NewConversation {
                patient_id: &patient,
                topic: &topic,
                subject: &subject,
                about: None,
            };
            let (id, message) = super::staff_start(&mut conn, &new, name, role, &text, now)
                .await
                .map_err(err)?;
            staff_event("message-sent", info, name, role)
                .patient(Some(&patient))
                .detail(&format!("conversation {id}"))
                .record(&mut conn)
                .await
                .map_err(err)?;
            println!("Started conversation {id} ({})", message.fhir_id);
        }
        MessagesCommand::SaveFile { file, to, staff } => {
            let (name, role) = staff.checked()?;
            let a = store::attachment_by_id(&mut conn, &file)
                .await
                .map_err(err)?
                .filter(|a| a.message_id.is_some())
                .ok_or_else(|| format!("no file {file} on a sent message"))?;
            let data = store::attachment_data(&mut conn, &file)
                .await
                .map_err(err)?
                .unwrap_or_default();
            std::fs::write(&to, data).map_err(|e| format!("{}: {e}", to.display()))?;
            staff_event("message-file-downloaded", info, name, role)
                .patient(Some(&a.patient_id))
                .detail(&a.name)
                .record(&mut conn)
                .await
                .map_err(err)?;
            println!("Saved {} ({}) to {}", a.name, a.content_type, to.display());
        }
        MessagesCommand::Close {
            conversation: id,
            staff,
        } => {
            let (name, role) = staff.checked()?;
            let c = conversation(&mut conn, id).await?;
            if store::close(&mut conn, id, now).await.map_err(err)? {
                staff_event("conversation-closed", info, name, role)
                    .patient(Some(&c.patient_id))
                    .detail(&format!("conversation {id}"))
                    .record(&mut conn)
                    .await
                    .map_err(err)?;
                println!("Closed conversation {id}");
            } else {
                println!("Conversation {id} was already closed");
            }
        }
    }
    Ok(())
}
