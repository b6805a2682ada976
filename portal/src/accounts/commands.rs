//! `carefront-portal user …`: what the help desk does for a patient who calls. Passwords are
//! prompted for (or read from standard input when it is not a terminal), never taken from the
//! command line, where other users of the machine and the shell history would see them.

use super::store::{self, NewUser, User};
use super::{email, two_step};
use crate::audit::Event;
use crate::demo;
use crate::infra::sealed::SecretsKey;
use crate::infra::store::{Conn, Store};
use crate::infra::time;
use crate::mail;
use crate::passkeys::store as passkeys;
use crate::session::{lockout, password, store as sessions, totp};
use clap::Subcommand;
use std::io::{BufRead, IsTerminal};

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add an account (the password is prompted for): a patient's own, or, without --patient,
    /// one that only acts for others.
    Add {
        #[arg(long)]
        username: String,
        /// The Patient resource id of the account holder's own record.
        #[arg(long)]
        patient: Option<String>,
        #[arg(long)]
        display_name: Option<String>,
        /// Ask for a security code from an authenticator app at sign-in.
        #[arg(long)]
        totp: bool,
        /// Their email address, for notices of new information (check it is theirs first).
        #[arg(long)]
        email: Option<String>,
    },
    /// Set the account's email address, for a patient who can no longer reach the old one
    /// (check who they are first).
    Email {
        username: String,
        address: String,
    },
    /// Set a new password (prompted for) and sign the account out everywhere.
    SetPassword {
        username: String,
    },
    /// Lift every lockout on the account: wrong passwords and wrong security codes.
    Unlock {
        username: String,
    },
    /// Turn two-step sign-in off, for a patient who has lost both their phone and their
    /// recovery codes (check who they are first), and sign the account out everywhere. Where
    /// the portal requires a second factor they are led through setting one up again.
    TwoStepOff {
        username: String,
    },
    /// Turn the account off and sign it out everywhere; `enable` turns it back on (and
    /// withdraws a request to close it).
    Disable {
        username: String,
    },
    Enable {
        username: String,
    },
    /// The accounts whose holders asked for them to be closed, waiting for `close`.
    Closing,
    /// Complete closing an account: it stays off, and its authenticator secret and recovery
    /// codes go. The medical record is kept.
    Close {
        username: String,
    },
    /// List the account's passkeys; with --remove ID, remove that one (for a patient who has
    /// lost the device it is on).
    Passkeys {
        username: String,
        #[arg(long)]
        remove: Option<i64>,
    },
    /// List the account's sessions; with --revoke, end them all.
    Sessions {
        username: String,
        #[arg(long)]
        revoke: bool,
    },
}

/// `secrets` gives the key that seals authenticator secrets, asked for only by a command that
/// stores one.
pub async fn run(
    db: &Store,
    command: UserCommand,
    secrets: impl FnOnce() -> Result<SecretsKey, String>,
) -> Result<(), String> {
    // A portal with accounts has terms for them to accept.
    demo::ensure_terms(db).await.map_err(|e| e.to_string())?;
    let mut held = db.conn().await.map_err(|e| e.to_string())?;
    let conn: &mut Conn = &mut held;
    match command {
        UserCommand::Add {
            username,
            patient,
            display_name,
            totp: with_code,
            email,
        } => {
            if let Some(address) = email.as_deref().filter(|a| !mail::is_address(a)) {
                return Err(format!("{address:?} is not an email address"));
            }
            let key = with_code.then(secrets).transpose()?;
            let password = read_password()?;
            let secret = with_code.then(totp::new_secret);
            store::add(
                conn,
                &NewUser {
                    username: &username,
                    display_name: display_name.as_deref().unwrap_or(&username),
                    password_hash: &password::hash(&password),
                    totp_secret: secret.as_deref().zip(key).map(|(s, key)| key.seal(s)),
                    patient_id: patient.as_deref(),
                    email: email.as_deref(),
                },
            )
            .await
            .map_err(|e| format!("cannot add {username}: {e}"))?;
            match &patient {
                Some(patient) => {
                    println!("Added {username}, whose own record is Patient/{patient}.")
                }
                None => println!("Added {username}, who has no record of their own here."),
            }
            if let Some(secret) = secret {
                println!("Second factor secret (add it to an authenticator app): {secret}");
            }
        }
        UserCommand::SetPassword { username } => {
            let user = find(conn, &username).await?;
            let password = read_password()?;
            store::set_password_hash(conn, user.id, &password::hash(&password), time::now())
                .await
                .map_err(|e| e.to_string())?;
            let ended = sessions::delete_all(conn, user.id, None)
                .await
                .map_err(|e| e.to_string())?;
            operator(conn, "password-set", &user, "new password").await?;
            println!("New password set for {username}; {ended} session(s) ended.");
        }
        UserCommand::Email { username, address } => {
            let user = find(conn, &username).await?;
            if !mail::is_address(&address) {
                return Err(format!("{address:?} is not an email address"));
            }
            email::set(conn, user.id, &address)
                .await
                .map_err(|e| e.to_string())?;
            operator(conn, "email-changed", &user, "new address").await?;
            println!("{username}'s email address is now {}.", address.trim());
        }
        UserCommand::Unlock { username } => {
            let user = find(conn, &username).await?;
            lockout::unlock(conn, &user.username)
                .await
                .map_err(|e| e.to_string())?;
            operator(conn, "account-unlocked", &user, "lockouts lifted").await?;
            println!("{username} may sign in again straight away.");
        }
        UserCommand::TwoStepOff { username } => {
            let user = find(conn, &username).await?;
            two_step::turn_off(conn, user.id)
                .await
                .map_err(|e| e.to_string())?;
            let ended = sessions::delete_all(conn, user.id, None)
                .await
                .map_err(|e| e.to_string())?;
            operator(
                conn,
                "two-step-turned-off",
                &user,
                "lost phone and recovery codes",
            )
            .await?;
            println!("Two-step sign-in is off for {username}; {ended} session(s) ended.");
        }
        UserCommand::Disable { username } => {
            let user = find(conn, &username).await?;
            store::set_disabled(conn, user.id, Some(time::now()))
                .await
                .map_err(|e| e.to_string())?;
            let ended = sessions::delete_all(conn, user.id, None)
                .await
                .map_err(|e| e.to_string())?;
            operator(conn, "account-disabled", &user, "turned off").await?;
            println!("{username} is turned off; {ended} session(s) ended.");
        }
        UserCommand::Enable { username } => {
            let user = find(conn, &username).await?;
            store::set_disabled(conn, user.id, None)
                .await
                .map_err(|e| e.to_string())?;
            operator(conn, "account-enabled", &user, "turned on").await?;
            println!("{username} is turned on again.");
        }
        UserCommand::Closing => {
            let waiting = store::closures_waiting(conn)
                .await
                .map_err(|e| e.to_string())?;
            for (username, at) in &waiting {
                println!("  {username:<24} asked {}", time::rfc3339(*at));
            }
            println!("{} account(s) waiting to be closed.", waiting.len());
        }
        UserCommand::Close { username } => {
            let user = find(conn, &username).await?;
            store::close(conn, user.id, time::now())
                .await
                .map_err(|e| e.to_string())?;
            let ended = sessions::delete_all(conn, user.id, None)
                .await
                .map_err(|e| e.to_string())?;
            operator(conn, "account-closed", &user, "closure completed").await?;
            println!("{username} is closed; {ended} session(s) ended. The medical record is kept.");
        }
        UserCommand::Passkeys { username, remove } => {
            let user = find(conn, &username).await?;
            if let Some(id) = remove {
                let name = passkeys::remove(conn, user.id, id)
                    .await
                    .map_err(|e| e.to_string())?
                    .ok_or(format!("{username} has no passkey {id}"))?;
                operator(conn, "passkey-removed", &user, &format!("passkey {id}")).await?;
                println!("Passkey {id} ({name:?}) of {username} removed.");
            }
            let list = passkeys::of_user(conn, user.id)
                .await
                .map_err(|e| format!("{e:?}"))?;
            for p in &list {
                println!(
                    "  {:>6}  {:<30}  added {}  last used {}",
                    p.id,
                    format!("{:?}", p.name),
                    time::rfc3339(p.created_at),
                    p.last_used_at.map_or("never".into(), time::rfc3339)
                );
            }
            println!("{} passkey(s).", list.len());
        }
        UserCommand::Sessions { username, revoke } => {
            let user = find(conn, &username).await?;
            let list = sessions::list(conn, user.id)
                .await
                .map_err(|e| e.to_string())?;
            for s in &list {
                println!(
                    "  {}  {:<13}  started {}  last used {}",
                    s.reference(),
                    s.stage.as_str(),
                    time::rfc3339(s.created_at),
                    time::rfc3339(s.last_seen)
                );
            }
            if revoke {
                let ended = sessions::delete_all(conn, user.id, None)
                    .await
                    .map_err(|e| e.to_string())?;
                operator(conn, "sessions-revoked", &user, &format!("{ended} ended")).await?;
                println!("{ended} session(s) of {username} ended.");
            } else {
                println!("{} session(s).", list.len());
            }
        }
    }
    Ok(())
}

async fn find(conn: &mut Conn, username: &str) -> Result<User, String> {
    store::by_username(conn, username)
        .await
        .map_err(|e| e.to_string())?
        .ok_or(format!("no account {username:?}"))
}

/// The operator's change, in the audit trail.
async fn operator(
    conn: &mut Conn,
    action: &'static str,
    user: &User,
    detail: &str,
) -> Result<(), String> {
    Event::new(action)
        .user(Some(user.id))
        .detail(&format!("by the operator: {detail}"))
        .record(conn)
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// The shortest password an operator may set.
const MIN_PASSWORD: usize = 8;

fn read_password() -> Result<String, String> {
    let password = if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("New password: ").map_err(|e| e.to_string())?;
        let again =
            rpassword::prompt_password("Same password again: ").map_err(|e| e.to_string())?;
        if first != again {
            return Err("the two passwords differ; nothing was changed".into());
        }
        first
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| e.to_string())?;
        line.trim_end_matches(['\r', '\n']).to_string()
    };
    if password.chars().count() < MIN_PASSWORD {
        return Err(format!(
            "a password needs at least {MIN_PASSWORD} characters; nothing was changed"
        ));
    }
    Ok(password)
}
