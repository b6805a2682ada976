//! Every way a call to the portal can fail, and what to tell the person in front of the screen.

use serde_json::Value;

#[derive(Clone, Debug, PartialEq)]
pub enum ApiError {
    /// The device has no network.
    Offline,
    /// The device is online but the portal did not answer at all (server down, DNS, firewall).
    Unreachable,
    /// A gateway answered for the portal: it is down or being maintained.
    Unavailable,
    /// The portal answered, but its database is away for a moment (restarting, failing over):
    /// nothing was changed.
    DatabaseAway,
    /// The hospital's record system, which the portal reads the record from, is not answering.
    RecordSystemAway,
    /// The hospital's record system answered with something the portal would not pass on.
    RecordSystemAnswerRefused,
    Timeout,
    NotSignedIn,
    SessionExpired,
    SecondFactorRequired,
    /// The portal requires a second factor; this account must set one up before anything else.
    SecondFactorSetUpRequired,
    InvalidCredentials,
    AccountLocked {
        minutes: Option<u64>,
    },
    TooManyAttempts {
        seconds: Option<u64>,
    },
    InvalidCode,
    /// The portal did not accept a passkey sign-in.
    PasskeyNotAccepted,
    /// The browser's passkey window was closed, or timed out.
    PasskeyCancelled,
    /// This device already holds a passkey for the account.
    PasskeyAlreadyHere,
    /// This browser cannot make or use passkeys as the app asks.
    PasskeyUnsupported,
    /// Too many wrong security codes for the account, across sign-ins: codes are paused.
    SecondFactorLocked {
        minutes: Option<u64>,
    },
    AccountDisabled,
    /// Closed, or being closed, as the account holder asked.
    AccountClosed,
    TermsNotAccepted,
    NotInScope,
    /// Acting for this person needs the proxy terms accepted for them first.
    ProxyTermsNotAccepted,
    /// A parent's access waits for the young person's agreement.
    ProxyAccessPaused,
    /// A part of the record outside this proxy's access.
    Withheld,
    /// An invitation code that is wrong, used, withdrawn or expired.
    InvitationNotValid,
    UsernameTaken,
    /// The portal could not send an email; nothing was kept.
    MailNotSent,
    /// Sharing a record the user does not have full access to.
    CannotShare,
    /// A share code or date of birth that is not right (the portal does not say which).
    ShareDetailsNotRight,
    /// The share has `expired`, was `stopped`, or is `locked` after too many wrong tries.
    ShareEnded {
        why: String,
    },
    NotFound,
    Server {
        status: u16,
    },
    Refused {
        status: u16,
        title: Option<String>,
    },
    /// The answer came but could not be read (not JSON, or not the expected shape).
    Unreadable,
    /// A part of the app itself (an area of screens) did not download.
    PartNotDownloaded,
    /// Its screen stopped waiting for it (left, or loading again): never shown to anyone.
    Cancelled,
}

/// Turns an error answer into its kind: by the machine-readable reason where the portal gives
/// one (problem+json `reason`, or an OperationOutcome detail code), else by the status alone.
pub fn classify(status: u16, body: &str) -> ApiError {
    let json: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    let reason = json["reason"].as_str().or_else(|| {
        json["issue"]
            .as_array()?
            .iter()
            .find_map(|i| i["details"]["coding"][0]["code"].as_str())
    });
    let retry_after = json["retryAfterSeconds"].as_u64();
    match reason {
        Some("not-signed-in") => ApiError::NotSignedIn,
        Some("session-expired") => ApiError::SessionExpired,
        Some("second-factor-required") => ApiError::SecondFactorRequired,
        Some("second-factor-setup-required") => ApiError::SecondFactorSetUpRequired,
        Some("invalid-credentials") => ApiError::InvalidCredentials,
        Some("account-locked") => ApiError::AccountLocked {
            minutes: retry_after.map(|s| s.div_ceil(60)),
        },
        Some("too-many-attempts") => ApiError::TooManyAttempts {
            seconds: retry_after,
        },
        Some("invalid-code") => ApiError::InvalidCode,
        Some("passkey-not-accepted") => ApiError::PasskeyNotAccepted,
        Some("second-factor-locked") => ApiError::SecondFactorLocked {
            minutes: retry_after.map(|s| s.div_ceil(60)),
        },
        Some("database-unavailable") => ApiError::DatabaseAway,
        Some("record-system-unavailable") => ApiError::RecordSystemAway,
        Some("record-system-answer-refused") => ApiError::RecordSystemAnswerRefused,
        Some("account-disabled") => ApiError::AccountDisabled,
        Some("account-closed") => ApiError::AccountClosed,
        Some("terms-not-accepted") => ApiError::TermsNotAccepted,
        Some("patient-not-in-scope") => ApiError::NotInScope,
        Some("proxy-terms-not-accepted") => ApiError::ProxyTermsNotAccepted,
        Some("proxy-access-paused") => ApiError::ProxyAccessPaused,
        Some("withheld") => ApiError::Withheld,
        Some("invitation-not-valid") => ApiError::InvitationNotValid,
        Some("username-taken") => ApiError::UsernameTaken,
        Some("mail-not-sent") => ApiError::MailNotSent,
        Some("cannot-share") => ApiError::CannotShare,
        Some("share-details-not-right") => ApiError::ShareDetailsNotRight,
        Some("share-ended") => ApiError::ShareEnded {
            why: json["why"].as_str().unwrap_or("expired").to_string(),
        },
        // Its title says when the next message may go.
        Some("too-many-messages") => ApiError::Refused {
            status,
            title: json["title"].as_str().map(String::from),
        },
        _ => match status {
            401 => ApiError::NotSignedIn,
            404 => ApiError::NotFound,
            429 => ApiError::TooManyAttempts {
                seconds: retry_after,
            },
            502..=504 => ApiError::Unavailable,
            500..=599 => ApiError::Server { status },
            _ => ApiError::Refused {
                status,
                title: json["title"]
                    .as_str()
                    .or_else(|| json["issue"][0]["details"]["text"].as_str())
                    .map(String::from),
            },
        },
    }
}

impl ApiError {
    /// Plain words, saying what happened and what to do next.
    pub fn message(&self) -> String {
        match self {
            Self::Offline => "You seem to be offline. Check your internet connection, then try again.".into(),
            Self::Unreachable => "We cannot reach the portal right now. It may be down. Try again in a few minutes.".into(),
            Self::Unavailable => "The portal is not available at the moment. It may be closed for maintenance. Try again later.".into(),
            Self::DatabaseAway => "The portal cannot reach your records just now. Nothing was changed. Try again in a moment.".into(),
            Self::RecordSystemAway => "The hospital\u{2019}s record system is not answering just now, so this part of your record cannot be shown. The rest of the portal still works. Try again in a moment.".into(),
            Self::RecordSystemAnswerRefused => "The hospital\u{2019}s record system sent something the portal cannot show safely, so it was left out. Try again later. If it keeps happening, call the help desk.".into(),
            Self::Timeout => "The portal is taking too long to answer. Try again in a moment.".into(),
            Self::NotSignedIn => "You are not signed in. Sign in to continue.".into(),
            Self::SessionExpired => "Your session has ended. Sign in again to continue.".into(),
            Self::SecondFactorRequired => "Enter your security code to finish signing in.".into(),
            Self::SecondFactorSetUpRequired => "Set up two-step sign-in to finish signing in.".into(),
            Self::PasskeyNotAccepted => "That passkey could not sign you in. It may have been removed from your account. Sign in with your password instead.".into(),
            Self::PasskeyCancelled => "Using your passkey was cancelled or took too long. Try again, or sign in with your password.".into(),
            Self::PasskeyAlreadyHere => "This device already has a passkey for your account. You can use it to sign in.".into(),
            Self::PasskeyUnsupported => "This browser cannot use passkeys. Sign in with your password, or try another browser.".into(),
            Self::InvalidCredentials => "The username or password is not right. Check them and try again.".into(),
            Self::AccountLocked { minutes: Some(m) } => format!(
                "Your account is locked after too many wrong tries. Try again in {m} {}, or call the help desk.",
                if *m == 1 { "minute" } else { "minutes" }
            ),
            Self::AccountLocked { minutes: None } => "Your account is locked after too many wrong tries. Try again later, or call the help desk.".into(),
            Self::TooManyAttempts { seconds: Some(s) } => format!("Too many tries. Wait {s} seconds, then try again."),
            Self::TooManyAttempts { seconds: None } => "Too many tries. Wait a few minutes, then try again.".into(),
            Self::InvalidCode => "The security code is not right or has run out. Enter the code your authenticator app shows now.".into(),
            Self::SecondFactorLocked { minutes } => format!(
                "Too many wrong security codes were entered for your account, so we have paused codes to keep it safe. Try again {}. If you did not try to sign in, call the help desk.",
                match minutes {
                    Some(1) => "in 1 minute".to_string(),
                    Some(m) => format!("in {m} minutes"),
                    None => "later".to_string(),
                }
            ),
            Self::AccountDisabled => "This account has been turned off. Call the help desk to find out why and to turn it back on.".into(),
            Self::AccountClosed => "This account is closed, as you asked. Your medical record is kept by the hospital. If you want to use the portal again, call the help desk.".into(),
            Self::TermsNotAccepted => "You need to accept the terms of use before you can see your record.".into(),
            Self::NotInScope => "You do not have access to this record. If you used to, your access may have ended: open your list of records to see why.".into(),
            Self::ProxyTermsNotAccepted => "You need to accept the terms for acting for this person before you can see their record.".into(),
            Self::ProxyAccessPaused => "Your access to this record is paused until they agree to it.".into(),
            Self::Withheld => "This part of the record is not included in your access.".into(),
            Self::InvitationNotValid => "That code is not right, or it has been used, withdrawn or has expired. Check the email, or ask the person who invited you to invite you again.".into(),
            Self::UsernameTaken => "That username is taken. Choose another.".into(),
            Self::MailNotSent => "We could not send the email just now, so nothing was sent. Try again in a few minutes.".into(),
            Self::CannotShare => "Only the patient, or someone with full access to their record, can share it.".into(),
            Self::ShareDetailsNotRight => "The code or the date of birth is not right. Check both with the patient and try again.".into(),
            Self::ShareEnded { why } => match why.as_str() {
                "stopped" => "The patient has stopped sharing their record with you.".into(),
                "access-ended" => "The person who shared this record no longer has the access that let them share it, so it is no longer shown.".into(),
                "locked" => "This share is locked because the code or date of birth was entered wrongly too many times. Ask the patient to share their record again.".into(),
                _ => "This share has ended. Ask the patient to share their record again if you still need to see it.".into(),
            },
            Self::NotFound => "We could not find this. It may have been removed.".into(),
            Self::Server { .. } => "Something went wrong on our side. Try again in a few minutes. If it keeps happening, call the help desk.".into(),
            Self::Refused { title: Some(t), .. } => t.clone(),
            Self::Refused { .. } => "The portal could not do this. Try again, or call the help desk.".into(),
            Self::PartNotDownloaded => "This part of the portal did not download. Check your internet connection, then try again.".into(),
            Self::Cancelled => "Loading stopped. Try again.".into(),
            Self::Unreadable => "The portal sent an answer we could not read. Try again. If it keeps happening, call the help desk.".into(),
        }
    }

    /// Failures where trying the same thing again may work.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Self::Offline
                | Self::Unreachable
                | Self::Unavailable
                | Self::DatabaseAway
                | Self::RecordSystemAway
                | Self::RecordSystemAnswerRefused
                | Self::Timeout
                | Self::Server { .. }
                | Self::Unreadable
                | Self::Cancelled
                | Self::PartNotDownloaded
                | Self::MailNotSent
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_problem_json_and_operation_outcome_reasons() {
        let locked = r#"{"type":"urn:carefront:problem:account-locked","reason":"account-locked","retryAfterSeconds":899}"#;
        assert_eq!(
            classify(423, locked),
            ApiError::AccountLocked { minutes: Some(15) }
        );
        let paused = r#"{"reason":"second-factor-locked","retryAfterSeconds":900}"#;
        let paused = classify(423, paused);
        assert_eq!(paused, ApiError::SecondFactorLocked { minutes: Some(15) });
        assert!(paused.message().contains("Try again in 15 minutes"));
        assert_eq!(
            classify(403, r#"{"reason":"account-disabled"}"#),
            ApiError::AccountDisabled
        );
        let outcome = r#"{"resourceType":"OperationOutcome","issue":[{"details":{"coding":[{"code":"terms-not-accepted"}]}}]}"#;
        assert_eq!(classify(403, outcome), ApiError::TermsNotAccepted);
        let stopped = classify(410, r#"{"reason":"share-ended","why":"stopped"}"#);
        assert_eq!(
            stopped,
            ApiError::ShareEnded {
                why: "stopped".into()
            }
        );
        assert!(stopped.message().contains("stopped sharing"));
        let gone = r#"{"resourceType":"OperationOutcome","issue":[{"details":{"coding":[{"code":"share-ended"}]}}]}"#;
        assert_eq!(
            classify(410, gone),
            ApiError::ShareEnded {
                why: "expired".into()
            }
        );
    }

    #[test]
    fn the_hospitals_record_system_is_named_when_it_is_the_one_away() {
        let away = r#"{"resourceType":"OperationOutcome","issue":[{"details":{"coding":[{"code":"record-system-unavailable"}]}}]}"#;
        let away = classify(504, away);
        assert_eq!(away, ApiError::RecordSystemAway);
        assert!(away.is_retryable());
        assert!(away.message().contains("record system is not answering"));
        assert_eq!(
            classify(502, r#"{"reason":"record-system-answer-refused"}"#),
            ApiError::RecordSystemAnswerRefused
        );
    }

    #[test]
    fn falls_back_to_the_status_for_servers_that_say_less() {
        assert_eq!(
            classify(502, "<html>Bad gateway</html>"),
            ApiError::Unavailable
        );
        assert_eq!(classify(500, "oops"), ApiError::Server { status: 500 });
        assert_eq!(
            classify(
                503,
                r#"{"reason":"database-unavailable","retryAfterSeconds":5}"#
            ),
            ApiError::DatabaseAway
        );
        assert_eq!(classify(401, ""), ApiError::NotSignedIn);
        assert_eq!(classify(404, "{}"), ApiError::NotFound);
        assert_eq!(
            classify(400, r#"{"title":"Bad date"}"#),
            ApiError::Refused {
                status: 400,
                title: Some("Bad date".into())
            }
        );
    }

    #[test]
    fn messages_say_what_to_do() {
        assert!(ApiError::Offline.message().contains("internet connection"));
        assert!(
            ApiError::AccountLocked { minutes: Some(1) }
                .message()
                .contains("1 minute,")
        );
        assert!(
            ApiError::Server { status: 500 }
                .message()
                .contains("help desk")
        );
        assert!(ApiError::Timeout.is_retryable());
        assert!(!ApiError::InvalidCredentials.is_retryable());
    }
}
