//! The portal API's JSON, read with defaults wherever a field is optional in the contract.

use serde::{Deserialize, Deserializer};

/// Words from the server that are shown to people: read without direction overrides or control
/// characters, as every FHIR text is.
fn plain<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    String::deserialize(d).map(|s| crate::fhir::plain_text(&s))
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct PortalInfo {
    pub organization: Organization,
    pub theme: Option<Theme>,
    pub locale: String,
    /// IANA zone the hospital works in (appointment times are shown in it).
    pub time_zone: String,
    pub emergency: Emergency,
    #[serde(deserialize_with = "plain")]
    pub disclaimer: String,
    #[serde(deserialize_with = "plain")]
    pub not_full_record: String,
    #[serde(deserialize_with = "plain")]
    pub record_errors: String,
    /// Where to report an error in the record, if the hospital has a page or form for it.
    pub record_errors_url: Option<String>,
    pub help_desk: HelpDesk,
    pub idle_timeout_seconds: u32,
    pub features: Features,
    pub record_system: RecordSystem,
}

/// Where the portal reads the record from the hospital's own FHIR server: what that server
/// does not share with it.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct RecordSystem {
    /// FHIR types, such as `Immunization`.
    pub not_shared: Vec<String>,
}

impl RecordSystem {
    /// Whether any of a section's types comes from the record system (the summary always does).
    pub fn shares(&self, section: &crate::sections::Section) -> bool {
        section.types.is_empty()
            || section
                .types
                .iter()
                .any(|t| !self.not_shared.iter().any(|n| n == t))
    }
}

/// What this hospital has turned on.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct Features {
    /// People acting for others, and "Who can see my record".
    pub proxy: bool,
    /// Share codes and links.
    pub share: bool,
    /// Signing in with a passkey.
    pub passkeys: bool,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct Organization {
    #[serde(deserialize_with = "plain")]
    pub name: String,
    pub logo_url: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct Theme {
    pub primary_colour: String,
    pub on_primary_colour: String,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct Emergency {
    #[serde(deserialize_with = "plain")]
    pub number: String,
    #[serde(deserialize_with = "plain")]
    pub text: String,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct HelpDesk {
    #[serde(deserialize_with = "plain")]
    pub phone: String,
    #[serde(deserialize_with = "plain")]
    pub hours: String,
    pub email: Option<String>,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SessionInfo {
    pub user: SessionUser,
    pub idle_timeout_seconds: u32,
    #[serde(default)]
    pub terms: Vec<TermsRequirement>,
    /// Signed in with a recovery code: how many are left.
    #[serde(default)]
    pub recovery_codes_left: Option<u32>,
}

impl SessionInfo {
    pub fn terms_outstanding(&self) -> bool {
        self.terms.iter().any(|t| !t.accepted)
    }
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SessionUser {
    pub username: String,
    #[serde(deserialize_with = "plain")]
    pub display_name: String,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct TermsRequirement {
    pub document: String,
    pub version: String,
    pub accepted: bool,
}

/// What a correct password leads to.
#[derive(Clone, Debug, PartialEq)]
pub enum SignInOutcome {
    SignedIn(SessionInfo),
    SecondFactorRequired,
    /// The portal requires a second factor and this account has none: set one up first.
    SetUpRequired,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
pub struct TermsDocuments {
    pub patient: Option<TermsDocument>,
    pub proxy: Option<TermsDocument>,
}

impl TermsDocuments {
    pub fn get(&self, document: &str) -> Option<&TermsDocument> {
        match document {
            "patient" => self.patient.as_ref(),
            "proxy" => self.proxy.as_ref(),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct TermsDocument {
    pub document: String,
    pub version: String,
    pub title: String,
    #[serde(default)]
    pub effective_date: Option<String>,
    #[serde(default)]
    pub format: String,
    pub text: String,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct PatientSummary {
    pub id: String,
    #[serde(default, deserialize_with = "plain")]
    pub name: String,
    #[serde(default)]
    pub birth_date: Option<String>,
    /// `self` for the user's own record, `proxy` for someone they act for.
    #[serde(default)]
    pub relationship: String,
    /// For someone they act for: where that access stands, and why.
    #[serde(default)]
    pub proxy: Option<ProxyStanding>,
    /// Opened through a share: the resource types it holds. Never from the server's list.
    #[serde(skip)]
    pub shared: Option<Vec<String>>,
}

impl PatientSummary {
    pub fn is_own(&self) -> bool {
        self.relationship == "self"
    }
}

fn plain_option<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Option::<String>::deserialize(d).map(|s| s.map(|s| crate::fhir::plain_text(&s)))
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct ProxyStanding {
    pub relationship_id: i64,
    #[serde(deserialize_with = "plain")]
    pub proxy_is: String,
    /// What the patient is to the user, in words: "son".
    #[serde(deserialize_with = "plain")]
    pub patient_is: String,
    pub access: AccessState,
    pub level: Level,
    pub withheld: Vec<Withheld>,
    pub ends: Option<DateAndReason>,
    pub next_change: Option<NextChange>,
    pub stopped_by: Option<String>,
    pub terms: Option<ProxyTerms>,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct AccessState {
    /// `active`, `not-started`, `needs-agreement`, `birth-date-unknown` or `ended`.
    pub state: String,
    pub age: Option<u32>,
    /// When ended: `age`, `date` or `stopped`.
    pub why: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct Level {
    pub id: String,
    #[serde(deserialize_with = "plain_option")]
    pub name: Option<String>,
    #[serde(deserialize_with = "plain_option")]
    pub description: Option<String>,
}

/// Why part of a record is not shown: which kinds, never which items.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct Withheld {
    /// `age`, `level` or `patient-choice`.
    pub reason: String,
    pub age: Option<u32>,
    pub labels: Vec<String>,
    /// The only resource types shown, when limited.
    pub types: Option<Vec<String>>,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct DateAndReason {
    pub on: String,
    pub reason: String,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct NextChange {
    pub on: String,
    /// `ends`, `reduced` or `needs-agreement`.
    pub kind: String,
    pub age: Option<u32>,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct ProxyTerms {
    pub version: String,
    pub accepted: bool,
}

/// Someone who can (or lately could) act for the user's own record.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct Proxy {
    pub id: i64,
    #[serde(deserialize_with = "plain")]
    pub name: String,
    #[serde(deserialize_with = "plain")]
    pub proxy_is: String,
    pub parental: bool,
    pub level: Level,
    /// What their level would show but they do not see, and why (a young person's age).
    pub withheld: Vec<Withheld>,
    pub access: AccessState,
    pub since: Option<String>,
    pub ends: Option<DateAndReason>,
    pub next_change: Option<NextChange>,
    pub stopped_by: Option<String>,
    pub can_stop: bool,
    pub agreement: Option<Agreement>,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct Agreement {
    pub given: bool,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct Invitations {
    pub invitations: Vec<Invitation>,
    /// The levels a patient may give.
    pub levels: Vec<Level>,
    /// The relationships offered, by id.
    pub relationships: Vec<String>,
    pub can_send: bool,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct Invitation {
    pub id: i64,
    #[serde(deserialize_with = "plain")]
    pub name: String,
    #[serde(deserialize_with = "plain")]
    pub email: String,
    pub relationship: String,
    pub level: String,
    pub ends_on: Option<String>,
    pub expires_at: String,
}

/// What a patient asks for when inviting someone.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewInvitation {
    pub name: String,
    pub email: String,
    pub relationship: String,
    pub level: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ends_on: Option<String>,
    pub keep_sensitive: bool,
}

/// A patient's shares, and the choices for a new one.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct Shares {
    pub shares: Vec<Share>,
    pub sections: Vec<String>,
    pub max_hours: u32,
    pub max_failed_attempts: u32,
    pub can_email: bool,
    pub can_share: bool,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct Share {
    pub id: i64,
    #[serde(deserialize_with = "plain")]
    pub label: String,
    pub sections: Vec<String>,
    pub created_at: String,
    pub created_by: CreatedBy,
    pub expires_at: String,
    /// `active`, `expired`, `stopped` or `locked`.
    pub status: String,
    pub stopped_at: Option<String>,
    pub sent_to: Option<String>,
    pub failed_attempts: u32,
    pub attempts_left: u32,
    pub views: Vec<ShareViewing>,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct CreatedBy {
    pub you: bool,
    #[serde(deserialize_with = "plain_option")]
    pub name: Option<String>,
}

/// One opening of a share: when, who the viewer said they were, and how.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct ShareViewing {
    pub at: String,
    #[serde(deserialize_with = "plain")]
    pub name: String,
    #[serde(deserialize_with = "plain_option")]
    pub organisation: Option<String>,
    /// `code` or `link`.
    pub how: String,
}

/// What a patient asks for when sharing.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewShare {
    pub patient: String,
    pub sections: Vec<String>,
    pub hours: u32,
    pub label: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// A share just made: its code and link, shown this once.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct MadeShare {
    pub share: Share,
    pub code: String,
    pub viewer_url: String,
    pub link: String,
    pub email_sent: Option<bool>,
}

/// A viewer's open share: whose record, which parts, for how long.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct SharedView {
    pub patient: SharedPatient,
    pub sections: Vec<String>,
    pub types: Vec<String>,
    pub expires_at: String,
    pub seconds_left: u64,
    pub viewer: SharedViewer,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct SharedPatient {
    pub id: String,
    #[serde(deserialize_with = "plain")]
    pub name: String,
    pub birth_date: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct SharedViewer {
    #[serde(deserialize_with = "plain")]
    pub name: String,
    #[serde(deserialize_with = "plain")]
    pub organisation: String,
}

impl SharedView {
    /// The record as the record's screens open it: this patient, these types only.
    pub fn patient_summary(&self) -> PatientSummary {
        PatientSummary {
            id: self.patient.id.clone(),
            name: self.patient.name.clone(),
            birth_date: self.patient.birth_date.clone(),
            relationship: "shared".into(),
            proxy: None,
            shared: Some(self.types.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_and_wording_from_the_server_lose_direction_overrides() {
        let patients: Vec<super::PatientSummary> =
            serde_json::from_str(r#"[{"id": "p", "name": "Ann \u202Enoraa\u0007"}]"#).unwrap();
        assert_eq!(patients[0].name, "Ann noraa");
        let info: super::PortalInfo =
            serde_json::from_str(r#"{"organization": {"name": "St \u2067X\u2069"}}"#).unwrap();
        assert_eq!(info.organization.name, "St X");
    }

    use super::*;

    #[test]
    fn portal_info_tolerates_missing_fields() {
        let info: PortalInfo =
            serde_json::from_str(r#"{"organization":{"name":"St Elsewhere"},"extra":1}"#).unwrap();
        assert_eq!(info.organization.name, "St Elsewhere");
        assert_eq!(info.help_desk, HelpDesk::default());
    }

    #[test]
    fn session_reports_outstanding_terms() {
        let s: SessionInfo = serde_json::from_str(
            r#"{"status":"signed-in","user":{"username":"ann","displayName":"Ann"},"idleTimeoutSeconds":900,
                "terms":[{"document":"patient","version":"2","accepted":false}]}"#,
        )
        .unwrap();
        assert!(s.terms_outstanding());
    }
}

/// The patient's choices about sharing with other organisations, and the hospital's words for
/// what each means (`GET /privacy/{patient}`).
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct PrivacySettings {
    /// `everything`, `visits-and-items` (a proxy whose access is narrowed) or `nothing`.
    pub may: String,
    /// Each choice as a FHIR Consent, in force and withdrawn, newest first.
    pub objections: Vec<serde_json::Value>,
    pub organisations: Vec<Named>,
    pub categories: Vec<Named>,
    pub consequences: Consequences,
    #[serde(deserialize_with = "plain_list")]
    pub not_followed: Vec<String>,
    pub log_kept_years: u32,
    #[serde(deserialize_with = "plain")]
    pub ask_why: String,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct Named {
    pub id: String,
    #[serde(deserialize_with = "plain")]
    pub name: String,
}

/// For each kind of choice, what it will mean, in the hospital's words.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct Consequences {
    #[serde(deserialize_with = "plain_list")]
    pub all: Vec<String>,
    #[serde(deserialize_with = "plain_list")]
    pub organisation: Vec<String>,
    #[serde(deserialize_with = "plain_list")]
    pub visit: Vec<String>,
    #[serde(deserialize_with = "plain_list")]
    pub item: Vec<String>,
    #[serde(deserialize_with = "plain_list")]
    pub category: Vec<String>,
}

fn plain_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Vec::<String>::deserialize(d).map(|l| l.iter().map(|s| crate::fhir::plain_text(s)).collect())
}

/// The browsers signed in to the user's account (`GET /account/sessions`).
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct SignedInSessions {
    pub sessions: Vec<SignedInSession>,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct SignedInSession {
    /// The session's audit reference, which signing it out names.
    pub id: String,
    pub signed_in_at: String,
    pub last_active_at: String,
    pub user_agent: Option<String>,
    pub current: bool,
}

/// How the account signs in (`GET /account/security`).
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct AccountSecurity {
    pub two_step: TwoStep,
    pub second_factor_required: bool,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct TwoStep {
    pub on: bool,
    pub since: Option<String>,
    pub recovery_codes_left: u32,
}

/// A new authenticator secret, waiting for the app's first code.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct TwoStepSecret {
    pub secret: String,
    /// The `otpauth://` address its QR code holds.
    pub uri: String,
}

/// Recovery codes, shown this once; with a session when setting up completed a sign-in.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RecoveryCodes {
    pub recovery_codes: Vec<String>,
    #[serde(default)]
    pub session: Option<SessionInfo>,
}

/// The account's passkeys (`GET /account/passkeys`).
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct Passkeys {
    /// Whether the portal offers passkeys at all.
    pub available: bool,
    pub passkeys: Vec<PasskeyInfo>,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct PasskeyInfo {
    pub id: String,
    pub name: String,
    pub created_at: String,
    pub last_used_at: Option<String>,
}

/// The address the portal writes to (`GET /account/email`).
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct AccountEmail {
    pub address: Option<String>,
    pub waiting: Option<EmailWaiting>,
    pub can_send: bool,
}

/// A new address waiting for the code sent to it.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct EmailWaiting {
    pub address: String,
    pub expires_at: String,
}

#[derive(Clone, Debug, Deserialize)]
pub struct CodeSent {
    pub waiting: EmailWaiting,
}

#[derive(Clone, Debug, Deserialize)]
pub struct EmailChanged {
    pub address: String,
}

/// What the account is emailed about when something is added to a record it sees.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NotificationChoices {
    pub results: bool,
    pub documents: bool,
    pub letters: bool,
    pub appointments: bool,
    pub messages: bool,
    pub others_records: bool,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct Notifications {
    pub choices: NotificationChoices,
    pub has_own_record: bool,
    pub acts_for_others: bool,
}

/// A patient's conversations with their care team that this user may see.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct Inbox {
    pub conversations: Vec<ConversationLine>,
    /// How many there are in all; `conversations` is a page of them.
    pub total: usize,
    pub unread: u32,
    /// Only the conversations this user started are shown (a narrowed proxy).
    pub only_yours: bool,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct ConversationLine {
    pub id: i64,
    #[serde(deserialize_with = "plain")]
    pub subject: String,
    pub topic: String,
    pub topic_name: Option<String>,
    pub about: Option<String>,
    pub started_at: String,
    pub last_at: String,
    pub closed: bool,
    pub messages: u32,
    pub unread: u32,
    pub last: LastMessage,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct LastMessage {
    pub from: MessageFrom,
    pub sent_at: String,
    #[serde(deserialize_with = "plain")]
    pub preview: String,
}

/// Who wrote a message: `kind` is `you`, `patient`, `proxy` or `staff`.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct MessageFrom {
    pub kind: String,
    pub name: Option<String>,
    pub role: Option<String>,
}

/// What asking a question offers.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct MessageOptions {
    pub topics: Vec<MessageTopic>,
    /// YYYY-MM-DD.
    pub reply_by: String,
    pub max_length: usize,
    pub max_subject: usize,
    pub per_hour: u32,
    /// What the record item the question will be about is called, if it was asked and has a name.
    #[serde(deserialize_with = "plain_option")]
    pub about_name: Option<String>,
    pub attachments: FileRules,
}

/// What may go with a message, as the hospital allows it.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct FileRules {
    pub max_bytes: u64,
    /// 0: the hospital takes no files.
    pub max_files: usize,
    /// Media types: `image/jpeg`.
    pub types: Vec<String>,
}

/// A file on a draft.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct MessageFile {
    pub id: String,
    #[serde(deserialize_with = "plain")]
    pub name: String,
    pub content_type: String,
    pub size: u64,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct AddedFile {
    pub attachment: MessageFile,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct MessageTopic {
    pub id: String,
    #[serde(deserialize_with = "plain")]
    pub name: String,
    #[serde(deserialize_with = "plain")]
    pub hint: String,
}

/// A conversation: its line, and its messages as FHIR Communications.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct ConversationView {
    pub conversation: ConversationLine,
    pub communications: Vec<serde_json::Value>,
    /// The ids of the messages this user wrote.
    pub yours: Vec<String>,
    /// What the record item the conversation is about is called, while the reader may see it.
    #[serde(deserialize_with = "plain_option")]
    pub about_name: Option<String>,
    pub only_yours: bool,
}

/// What someone was writing and has not sent.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct MessageDraft {
    pub topic: String,
    pub subject: String,
    pub about: Option<String>,
    pub body: String,
    /// Files on it, kept by the portal as each was added.
    pub attachments: Vec<MessageFile>,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct KeptDraft {
    pub draft: Option<MessageDraft>,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct MessageSent {
    pub id: i64,
    pub reply_by: String,
}
