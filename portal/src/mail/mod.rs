//! Email: over SMTP to the hospital's mail relay (`--smtp-url`), or, for the demo and on a
//! machine without one, into an outbox folder as `.eml` files (`--outbox`). Messages never carry
//! health information: only that there is something to act on, and where.

pub mod quota;

use crate::infra::error::ApiError;
use lettre::message::{Mailbox, header::ContentType};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::path::PathBuf;

#[derive(Clone)]
pub enum Mailer {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Outbox(AsyncFileTransport<Tokio1Executor>),
    /// No way to send: anything needing email is refused, saying so.
    None,
}

/// An email. It goes to a bare address: no display name, so nothing a sender typed (an invited
/// person's name, say) can dress up the To line.
pub struct Letter {
    pub to: String,
    pub subject: String,
    pub body: String,
}

impl Mailer {
    /// From the operator's flags: SMTP if given, else the outbox if given.
    pub fn configure(smtp_url: Option<&str>, outbox: Option<&PathBuf>) -> Result<Self, String> {
        if let Some(url) = smtp_url {
            let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                .map_err(|e| format!("--smtp-url: {e}"))?
                .build();
            return Ok(Mailer::Smtp(transport));
        }
        if let Some(dir) = outbox {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("cannot make the outbox {}: {e}", dir.display()))?;
            return Ok(Mailer::Outbox(AsyncFileTransport::new(dir)));
        }
        Ok(Mailer::None)
    }

    pub fn can_send(&self) -> bool {
        !matches!(self, Mailer::None)
    }

    pub async fn send(&self, from: &Mailbox, letter: Letter) -> Result<(), ApiError> {
        let to: Mailbox = letter
            .to
            .parse()
            .map_err(|_| ApiError::BadRequest("That email address does not look right.".into()))?;
        let message = Message::builder()
            .from(from.clone())
            .to(to)
            .subject(letter.subject)
            .header(ContentType::TEXT_PLAIN)
            .body(letter.body)
            .map_err(|e| {
                tracing::error!(error = %e, "could not build an email");
                ApiError::Internal
            })?;
        let sent = match self {
            Mailer::Smtp(t) => t.send(message).await.map(|_| ()).map_err(|e| e.to_string()),
            Mailer::Outbox(t) => t.send(message).await.map(|_| ()).map_err(|e| e.to_string()),
            Mailer::None => Err("no mail transport is configured".into()),
        };
        sent.map_err(|e| {
            tracing::error!(error = %e, "an email was not sent");
            ApiError::MailNotSent
        })
    }
}

/// An email address as people type it, checked for shape only: one @, something either side,
/// no spaces or control characters, at most 254 characters.
pub fn is_address(text: &str) -> bool {
    let text = text.trim();
    let mut parts = text.split('@');
    let (Some(local), Some(domain), None) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    text.len() <= 254
        && !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !text
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "<>\",;".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_checked_for_shape() {
        assert!(is_address("ben.okafor@example.org"));
        for bad in [
            "ben",
            "ben@",
            "@example.org",
            "ben@example",
            "ben@@example.org",
            "ben okafor@example.org",
            "ben@example.org\r\nBcc: x@y.z",
            "<ben@example.org>",
        ] {
            assert!(!is_address(bad), "{bad:?}");
        }
    }
}
