//! Every refusal the API gives, with the machine-readable reason clients match on.
//! Portal endpoints answer RFC 9457 problem+json; FHIR endpoints answer the same reason as an
//! OperationOutcome.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

#[derive(Clone, Debug, PartialEq)]
pub enum ApiError {
    NotSignedIn,
    SessionExpired,
    InvalidCredentials,
    AccountLocked {
        retry_after: i64,
    },
    AccountDisabled,
    /// Closed, or being closed, at the holder's request.
    AccountClosed,
    TooManyAttempts {
        retry_after: i64,
    },
    InvalidCode,
    /// A passkey sign-in that did not pass (an unknown passkey, a stale or reused challenge, a
    /// wrong origin, no user verification, a counter gone back): one answer for all.
    PasskeyNotAccepted,
    SecondFactorLocked {
        retry_after: i64,
    },
    SecondFactorPending,
    SecondFactorSetUpRequired,
    TermsNotAccepted,
    MissingCsrfHeader,
    PatientNotInScope,
    ProxyTermsNotAccepted,
    ProxyAccessPaused,
    Withheld,
    InvitationNotValid,
    UsernameTaken,
    MailNotSent,
    CannotShare,
    ShareDetailsNotRight,
    ShareEnded {
        why: &'static str,
    },
    CannotObject,
    TokenNotValid,
    ScopeNotGranted,
    /// The patient objected to sharing with this organisation: all of the record, or a part.
    PatientObjected {
        whole: bool,
    },
    NotFound,
    BadRequest(String),
    PayloadTooLarge,
    /// The portal did not answer within its time limit.
    TimedOut,
    /// The database cannot be reached or written just now (restarting, failed over, full,
    /// read-only): nothing was half done, and asking again later is safe.
    DatabaseUnavailable,
    /// The hospital's record server (in gateway mode) did not answer, failed, or took too long:
    /// asking again later is safe.
    UpstreamUnavailable {
        timed_out: bool,
    },
    /// The record server answered with something the portal will not pass on: not FHIR JSON,
    /// too large, another resource than the one asked for, a link to elsewhere.
    UpstreamAnswerRefused,
    Conflict(String),
    /// A file a message cannot carry: too big (413), or not a kind the hospital takes (415).
    FileRefused {
        too_big: bool,
        words: String,
    },
    /// The hourly limit on messages, said in words with when the next may be sent.
    TooManyMessages {
        words: String,
        retry_after: i64,
    },
    Internal,
}

impl ApiError {
    pub fn reason(&self) -> &'static str {
        match self {
            Self::NotSignedIn => "not-signed-in",
            Self::SessionExpired => "session-expired",
            Self::InvalidCredentials => "invalid-credentials",
            Self::AccountLocked { .. } => "account-locked",
            Self::AccountDisabled => "account-disabled",
            Self::AccountClosed => "account-closed",
            Self::TooManyAttempts { .. } => "too-many-attempts",
            Self::InvalidCode => "invalid-code",
            Self::PasskeyNotAccepted => "passkey-not-accepted",
            Self::SecondFactorLocked { .. } => "second-factor-locked",
            Self::SecondFactorPending => "second-factor-required",
            Self::SecondFactorSetUpRequired => "second-factor-setup-required",
            Self::TermsNotAccepted => "terms-not-accepted",
            Self::MissingCsrfHeader => "csrf-header-missing",
            Self::PatientNotInScope => "patient-not-in-scope",
            Self::ProxyTermsNotAccepted => "proxy-terms-not-accepted",
            Self::ProxyAccessPaused => "proxy-access-paused",
            Self::Withheld => "withheld",
            Self::InvitationNotValid => "invitation-not-valid",
            Self::UsernameTaken => "username-taken",
            Self::MailNotSent => "mail-not-sent",
            Self::CannotShare => "cannot-share",
            Self::ShareDetailsNotRight => "share-details-not-right",
            Self::ShareEnded { .. } => "share-ended",
            Self::CannotObject => "cannot-object",
            Self::TokenNotValid => "invalid-token",
            Self::ScopeNotGranted => "insufficient-scope",
            Self::PatientObjected { .. } => "patient-objected",
            Self::NotFound => "not-found",
            Self::BadRequest(_) => "bad-request",
            Self::PayloadTooLarge => "payload-too-large",
            Self::TimedOut => "timed-out",
            Self::DatabaseUnavailable => "database-unavailable",
            Self::UpstreamUnavailable { .. } => "record-system-unavailable",
            Self::UpstreamAnswerRefused => "record-system-answer-refused",
            Self::Conflict(_) => "conflict",
            Self::TooManyMessages { .. } => "too-many-messages",
            Self::FileRefused { too_big: true, .. } => "file-too-large",
            Self::FileRefused { too_big: false, .. } => "file-type-not-allowed",
            Self::Internal => "internal-error",
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::NotSignedIn
            | Self::SessionExpired
            | Self::InvalidCredentials
            | Self::InvalidCode
            | Self::PasskeyNotAccepted
            | Self::ShareDetailsNotRight
            | Self::TokenNotValid
            | Self::SecondFactorPending => StatusCode::UNAUTHORIZED,
            Self::ShareEnded { .. } => StatusCode::GONE,
            Self::AccountLocked { .. } | Self::SecondFactorLocked { .. } => StatusCode::LOCKED,
            Self::TooManyAttempts { .. } | Self::TooManyMessages { .. } => {
                StatusCode::TOO_MANY_REQUESTS
            }
            Self::TermsNotAccepted
            | Self::MissingCsrfHeader
            | Self::PatientNotInScope
            | Self::ProxyTermsNotAccepted
            | Self::ProxyAccessPaused
            | Self::Withheld
            | Self::CannotShare
            | Self::CannotObject
            | Self::ScopeNotGranted
            | Self::PatientObjected { .. }
            | Self::SecondFactorSetUpRequired
            | Self::AccountClosed
            | Self::AccountDisabled => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::BadRequest(_) | Self::InvitationNotValid => StatusCode::BAD_REQUEST,
            Self::MailNotSent => StatusCode::SERVICE_UNAVAILABLE,
            Self::PayloadTooLarge | Self::FileRefused { too_big: true, .. } => {
                StatusCode::PAYLOAD_TOO_LARGE
            }
            Self::FileRefused { too_big: false, .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::TimedOut | Self::DatabaseUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::UpstreamUnavailable { timed_out: true } => StatusCode::GATEWAY_TIMEOUT,
            Self::UpstreamUnavailable { timed_out: false } | Self::UpstreamAnswerRefused => {
                StatusCode::BAD_GATEWAY
            }
            Self::Conflict(_) | Self::UsernameTaken => StatusCode::CONFLICT,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn title(&self) -> String {
        match self {
            Self::NotSignedIn => "You are not signed in.".into(),
            Self::SessionExpired => "Your session has ended.".into(),
            Self::InvalidCredentials => "The username or password is not right.".into(),
            Self::AccountLocked { .. } => {
                "This account is locked for a while after too many attempts.".into()
            }
            Self::TooManyAttempts { .. } => "Too many attempts. Wait a moment.".into(),
            Self::AccountDisabled => "This account has been turned off. Call the help desk.".into(),
            Self::AccountClosed => {
                "This account is closed, as its holder asked. Call the help desk to use it again."
                    .into()
            }
            Self::InvalidCode => "The security code is not right or has expired.".into(),
            Self::PasskeyNotAccepted => "That passkey could not sign you in.".into(),
            Self::SecondFactorLocked { .. } => {
                "Security codes are paused for this account after too many wrong codes.".into()
            }
            Self::SecondFactorPending => "Enter your security code first.".into(),
            Self::SecondFactorSetUpRequired => {
                "Set up two-step sign-in first: this portal asks every account for it.".into()
            }
            Self::TermsNotAccepted => "The current terms have not been accepted.".into(),
            Self::MissingCsrfHeader => "The request is missing its X-Carefront header.".into(),
            Self::PatientNotInScope => "You may not view this patient's record.".into(),
            Self::ProxyTermsNotAccepted => {
                "Accept the terms for acting for this person first.".into()
            }
            Self::ProxyAccessPaused => {
                "Access to this person's record is paused until they agree to it.".into()
            }
            Self::Withheld => "This part of the record is not included in your access.".into(),
            Self::InvitationNotValid => {
                "That code is not right, or the invitation has been used, cancelled or has expired."
                    .into()
            }
            Self::MailNotSent => "The email could not be sent. Try again later.".into(),
            Self::CannotShare => {
                "Only the patient, or someone with full access to their record, can share it."
                    .into()
            }
            Self::ShareDetailsNotRight => "The code or the date of birth is not right.".into(),
            Self::ShareEnded { why } => match *why {
                "stopped" => "The patient has stopped sharing their record.".into(),
                "locked" => "This share is locked after too many wrong tries.".into(),
                _ => "This share has ended.".into(),
            },
            Self::CannotObject => {
                "Only the patient, or someone with full access to their record, can make this choice."
                    .into()
            }
            Self::TokenNotValid => "The access token is missing, not right or has expired.".into(),
            Self::ScopeNotGranted => "The access token's scope does not include this.".into(),
            Self::PatientObjected { whole: true } => {
                "The patient has asked that their record is not shared with your organisation. \
                 In an emergency, ask again with purpose of use ETREAT or BTG: the access will be \
                 recorded, shown to the patient, and the patient emailed that it happened."
                    .into()
            }
            Self::PatientObjected { whole: false } => {
                "The patient has asked that this part of their record is not shared with other \
                 organisations. In an emergency, ask again with purpose of use ETREAT or BTG."
                    .into()
            }
            Self::UsernameTaken => "That username is taken. Choose another.".into(),
            Self::NotFound => "Not found.".into(),
            Self::BadRequest(m) | Self::Conflict(m) => m.clone(),
            Self::TooManyMessages { words, .. } | Self::FileRefused { words, .. } => words.clone(),
            Self::PayloadTooLarge => "The request is too large.".into(),
            Self::TimedOut => {
                "The portal took too long to answer. Try again in a moment.".into()
            }
            Self::DatabaseUnavailable => {
                "The portal cannot reach its records just now. Nothing was changed. Try again in a \
                 moment."
                    .into()
            }
            Self::UpstreamUnavailable { .. } => {
                "The hospital's record system is not answering just now. Try again in a moment."
                    .into()
            }
            Self::UpstreamAnswerRefused => {
                "The hospital's record system sent an answer the portal cannot use.".into()
            }
            Self::Internal => "Something went wrong on the server.".into(),
        }
    }

    fn retry_after(&self) -> Option<i64> {
        match self {
            Self::AccountLocked { retry_after }
            | Self::TooManyAttempts { retry_after }
            | Self::SecondFactorLocked { retry_after }
            | Self::TooManyMessages { retry_after, .. } => Some(*retry_after),
            Self::DatabaseUnavailable => Some(DATABASE_RETRY_AFTER),
            Self::UpstreamUnavailable { .. } => Some(UPSTREAM_RETRY_AFTER),
            _ => None,
        }
    }

    pub fn problem_json(&self) -> Value {
        let mut body = json!({
            "type": format!("urn:carefront:problem:{}", self.reason()),
            "title": self.title(),
            "status": self.status().as_u16(),
            "reason": self.reason(),
        });
        if let Some(secs) = self.retry_after() {
            body["retryAfterSeconds"] = json!(secs);
        }
        if let Self::ShareEnded { why } = self {
            body["why"] = json!(why);
        }
        body
    }

    pub fn operation_outcome(&self) -> Value {
        let code = match self.status() {
            StatusCode::UNAUTHORIZED => "login",
            StatusCode::FORBIDDEN => "forbidden",
            StatusCode::NOT_FOUND => "not-found",
            StatusCode::BAD_REQUEST => "invalid",
            _ => "exception",
        };
        json!({
            "resourceType": "OperationOutcome",
            "issue": [{
                "severity": "error",
                "code": code,
                "details": {
                    "coding": [{"system": "urn:carefront:problem", "code": self.reason()}],
                    "text": self.title(),
                },
            }],
        })
    }

    fn respond(&self, body: Value, content_type: &'static str) -> Response {
        let mut res = (self.status(), body.to_string()).into_response();
        let headers = res.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        if let Some(secs) = self.retry_after() {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if *self == Self::TokenNotValid {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer error=\"invalid_token\""),
            );
        }
        res
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.title())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.respond(self.problem_json(), "application/problem+json")
    }
}

/// Seconds a client is asked to wait when the database is away: long enough for a restart or
/// a fail-over to finish, short enough that a patient trying again is not kept waiting.
const DATABASE_RETRY_AFTER: i64 = 5;

/// Seconds a client is asked to wait when the record server is not answering.
const UPSTREAM_RETRY_AFTER: i64 = 10;

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        if database_away(&e) {
            tracing::warn!(error = %e, "the database is unavailable");
            return Self::DatabaseUnavailable;
        }
        tracing::error!(error = %e, "database error");
        Self::Internal
    }
}

/// Errors that say the database is away or cannot take writes for now, not that the request
/// or the portal is wrong: no connection (refused, dropped, pool waited too long), PostgreSQL
/// shutting down, starting up or in recovery (SQLSTATE classes 08 and 57P, 53 resources, 25006
/// read-only), SQLite busy, full or read-only.
fn database_away(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => {
            let code = db.code().unwrap_or_default();
            code.starts_with("08")
                || code.starts_with("57P")
                || code.starts_with("53")
                || code == "25006"
                // SQLite's primary result codes: busy (5), read-only (8), full (13).
                || code.parse::<i32>().is_ok_and(|n| [5, 8, 13].contains(&(n & 0xff)))
        }
        _ => false,
    }
}

/// The same refusal, spoken as FHIR.
pub struct FhirError(pub ApiError);

impl From<ApiError> for FhirError {
    fn from(e: ApiError) -> Self {
        Self(e)
    }
}

impl From<sqlx::Error> for FhirError {
    fn from(e: sqlx::Error) -> Self {
        Self(e.into())
    }
}

impl IntoResponse for FhirError {
    fn into_response(self) -> Response {
        self.0
            .respond(self.0.operation_outcome(), "application/fhir+json")
    }
}
