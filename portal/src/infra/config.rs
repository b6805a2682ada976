//! What the operator sets: server flags (each also an environment variable), and the public
//! portal description patients' browsers read.

use clap::Parser;
use ipnet::IpNet;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Clone, Debug, Parser)]
#[command(name = "carefront-portal serve")]
pub struct ServeConfig {
    /// Address and port to listen on.
    #[arg(long, env = "CAREFRONT_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// The SQLite file (created and migrated if needed).
    #[arg(long, env = "CAREFRONT_DB", default_value = "carefront-portal.db")]
    pub db: PathBuf,
    /// Connections this portal keeps open to the database at most.
    #[arg(long, env = "CAREFRONT_DB_CONNECTIONS", default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..))]
    pub db_connections: u32,
    /// The built app (trunk's dist/) to serve beside the API.
    #[arg(long = "static", env = "CAREFRONT_STATIC")]
    pub static_dir: Option<PathBuf>,
    /// Seconds without a request before a session ends.
    #[arg(long, env = "CAREFRONT_IDLE_TIMEOUT", default_value_t = 900, value_parser = clap::value_parser!(i64).range(1..))]
    pub idle_timeout: i64,
    /// Seconds after sign-in when a session ends whatever happens.
    #[arg(long, env = "CAREFRONT_ABSOLUTE_TIMEOUT", default_value_t = 12 * 3600, value_parser = clap::value_parser!(i64).range(1..))]
    pub absolute_timeout: i64,
    /// DEVELOPMENT ONLY: session cookies without `Secure`, for plain http on this machine. Never
    /// in front of patients: anyone on the network path could read the session.
    #[arg(long, env = "CAREFRONT_DEV_INSECURE_COOKIES")]
    pub dev_insecure_cookies: bool,
    /// Reverse proxies (CIDR, comma-separated) whose `Forwarded` / `X-Forwarded-For` headers are
    /// believed. From any other peer those headers are ignored.
    #[arg(long, env = "CAREFRONT_TRUSTED_PROXY", value_delimiter = ',', num_args = 1..)]
    pub trusted_proxy: Vec<IpNet>,
    /// The hospital's name, colours, wording and help desk, in the shape of `GET /api/v1/portal`.
    #[arg(long = "portal-config", env = "CAREFRONT_PORTAL_CONFIG")]
    pub portal_info: Option<PathBuf>,
    /// The hospital's proxy rules (access levels and age bands), in the shape of the built-in
    /// ones that `carefront-portal proxy rules` prints.
    #[arg(long, env = "CAREFRONT_PROXY_RULES")]
    pub proxy_rules: Option<PathBuf>,
    /// The hospital's mail relay, for invitation emails: `smtp://host:port`, or `smtps://`
    /// (user and password as `smtp://user:pass@host`; `?tls=required` for STARTTLS).
    #[arg(long, env = "CAREFRONT_SMTP_URL")]
    pub smtp_url: Option<String>,
    /// Without a relay, write each email as a `.eml` file in this folder (the demo's outbox).
    #[arg(long, env = "CAREFRONT_OUTBOX")]
    pub outbox: Option<PathBuf>,
    /// The address the portal's email comes from (the hospital's name is its display name).
    #[arg(
        long,
        env = "CAREFRONT_MAIL_FROM",
        default_value = "no-reply@portal.invalid"
    )]
    pub mail_from: lettre::Address,
    /// The address patients reach the portal at, for links in email. Never taken from a
    /// request's Host header, which anyone can set.
    #[arg(long, env = "CAREFRONT_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Seconds a request may take before it is answered 503.
    #[arg(long, env = "CAREFRONT_REQUEST_TIMEOUT", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
    pub request_timeout: u64,
    /// Requests handled at once; more wait their turn.
    #[arg(long, env = "CAREFRONT_MAX_CONCURRENT_REQUESTS", default_value_t = 256, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_concurrent_requests: u32,
    /// Every account must have a second factor: one without is led through setting one up
    /// straight after its password, before anything else.
    #[arg(long, env = "CAREFRONT_REQUIRE_SECOND_FACTOR")]
    pub require_second_factor: bool,
    /// The key that seals authenticator secrets in the database (32 bytes, base64url, in a file
    /// kept apart from the database and its backups; `carefront-portal secrets-key --out FILE`
    /// makes one). Required unless --dev-insecure-cookies, which keeps one beside the database.
    #[arg(long, env = "CAREFRONT_SECRETS_KEY_FILE")]
    pub secrets_key_file: Option<PathBuf>,
    /// Add the invented demo patients to an empty database.
    #[arg(long)]
    pub demo: bool,
    #[command(flatten)]
    pub records_from: RecordsFrom,
}

/// Where the record is kept: this portal's database, or the hospital's FHIR server.
#[derive(Clone, Debug, Default, clap::Args)]
pub struct RecordsFrom {
    /// The hospital's FHIR R4 server (its base address) to read the record from, as a gateway;
    /// without it, the record is the one loaded into this portal's database.
    #[arg(long = "records-from", env = "CAREFRONT_RECORDS_FROM", global = true)]
    pub base: Option<String>,
    /// Read from a record server beyond this machine without authenticating: only on a network
    /// where nothing else can reach that server. Without it, such a server is refused.
    #[arg(
        long = "records-unauthenticated-beyond-loopback",
        env = "CAREFRONT_RECORDS_UNAUTHENTICATED_BEYOND_LOOPBACK",
        global = true
    )]
    pub unauthenticated_beyond_loopback: bool,
    /// The portal's client id at the record server's authorization server (SMART Backend
    /// Services); with --records-key, the portal asks for a token and sends it with every request.
    #[arg(
        long = "records-client-id",
        env = "CAREFRONT_RECORDS_CLIENT_ID",
        requires = "key",
        global = true
    )]
    pub client_id: Option<String>,
    /// The portal's private key for that client, a JWK file (`professional keygen` makes one);
    /// its public half is registered with the authorization server.
    #[arg(
        long = "records-key",
        env = "CAREFRONT_RECORDS_KEY_FILE",
        requires = "client_id",
        global = true
    )]
    pub key: Option<std::path::PathBuf>,
    /// The SMART system scopes the portal asks for: reading is all it needs.
    #[arg(
        long = "records-scope",
        env = "CAREFRONT_RECORDS_SCOPE",
        default_value = "system/*.rs",
        global = true
    )]
    pub scope: String,
    /// A SubscriptionTopic on the record server (its canonical URL) that fires when a result,
    /// document, letter or appointment is added: the portal subscribes to it (FHIR
    /// Subscriptions, R4 Backport, rest-hook to its public address) and hears of new information
    /// as it arrives. Without it, the portal asks the record server once a minute.
    #[arg(
        long = "records-topic",
        env = "CAREFRONT_RECORDS_TOPIC",
        requires = "base",
        global = true
    )]
    pub topic: Option<String>,
    /// Seconds to wait for the record server before telling the patient it is not answering.
    #[arg(long = "records-timeout", env = "CAREFRONT_RECORDS_TIMEOUT", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..), global = true)]
    pub timeout: u64,
}

impl ServeConfig {
    pub fn from_args(args: &[String]) -> Result<Self, String> {
        Self::try_parse_from(std::iter::once("serve".to_string()).chain(args.iter().cloned()))
            .map_err(|e| e.to_string())
    }

    pub fn secure_cookies(&self) -> bool {
        !self.dev_insecure_cookies
    }
}

impl RecordsFrom {
    /// A record server is an http(s) address; read without authenticating only on this machine,
    /// unless the operator says loudly that its network is closed.
    pub fn check(&self) -> Result<(), String> {
        let Some(base) = &self.base else {
            return Ok(());
        };
        let uri: axum::http::Uri = base
            .parse()
            .map_err(|e| format!("--records-from {base:?} is not an address: {e}"))?;
        if !matches!(uri.scheme_str(), Some("http" | "https")) || uri.query().is_some() {
            return Err(format!(
                "--records-from takes a FHIR base address (http or https, no query), not {base:?}"
            ));
        }
        let loopback = is_loopback(uri.host().unwrap_or_default());
        if self.client_id.is_some() {
            if !loopback && uri.scheme_str() != Some("https") {
                return Err(format!(
                    "--records-from {base}: the portal's tokens would cross the network unencrypted; \
                     give the record server's https address."
                ));
            }
            return Ok(());
        }
        if !loopback && !self.unauthenticated_beyond_loopback {
            return Err(format!(
                "--records-from {base}: the portal would read patients' records from another machine \
                 without authenticating. Only a record server on this machine is read that way; \
                 for one on a closed network, add --records-unauthenticated-beyond-loopback."
            ));
        }
        Ok(())
    }
}

/// Whether an address's host is this machine (`localhost`, 127.0.0.0/8 or ::1).
pub fn is_loopback(host: &str) -> bool {
    let host = host.trim_matches(['[', ']']);
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The public description of the portal (`GET /api/v1/portal`), before the runtime fields are filled in.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PortalInfo {
    pub organization: Organization,
    pub theme: Theme,
    pub locale: String,
    pub time_zone: String,
    pub emergency: Emergency,
    pub disclaimer: String,
    pub not_full_record: String,
    pub record_errors: String,
    /// A page or form for reporting an error in the record; without one, the help desk is given.
    #[serde(default)]
    pub record_errors_url: Option<String>,
    pub help_desk: HelpDesk,
    #[serde(default)]
    pub idle_timeout_seconds: i64,
    pub features: Features,
    #[serde(default)]
    pub terms: TermsVersions,
    /// Filled in as it is served: what the hospital's record server (in gateway mode) does not
    /// share with the portal.
    #[serde(default)]
    pub record_system: RecordSystem,
    /// What the privacy centre says; served with the patient's choices, not on every load.
    #[serde(default, skip_serializing)]
    pub privacy: PrivacyInfo,
    /// Topics, working days and limits for messages; served with the inbox.
    #[serde(default, skip_serializing)]
    pub messages: crate::messages::settings::MessagesInfo,
}

/// The hospital's words for the privacy centre: how long the access log is kept, how to ask
/// about an emergency access, the kinds of information a patient may hide, what each kind of
/// objection means for their care, and when an objection may not be followed.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PrivacyInfo {
    pub log_kept_years: u32,
    pub ask_why: String,
    pub categories: Vec<SensitiveCategory>,
    pub consequences: Consequences,
    pub not_followed: Vec<String>,
}

/// A kind of information a patient may hide, and the security labels that mark it.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SensitiveCategory {
    pub id: String,
    pub name: String,
    pub labels: Vec<String>,
}

/// For each kind of objection, what it will mean, in the patient's words.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Consequences {
    pub all: Vec<String>,
    pub organisation: Vec<String>,
    pub visit: Vec<String>,
    pub item: Vec<String>,
    pub category: Vec<String>,
}

impl Default for PrivacyInfo {
    fn default() -> Self {
        let words = |list: &[&str]| list.iter().map(|s| s.to_string()).collect();
        let category = |id: &str, name: &str, labels: &[&str]| SensitiveCategory {
            id: id.into(),
            name: name.into(),
            labels: words(labels),
        };
        Self {
            log_kept_years: 8,
            ask_why: "To ask why someone used emergency access, contact our Data Protection Officer on 0300 555 0199 or at privacy@riverside.example. You will get an answer within one month.".into(),
            categories: vec![
                category("sexual-health", "Sexual health", &["SEX", "STD"]),
                category("mental-health", "Mental health", &["MH", "PSY"]),
                category("substance-use", "Drug and alcohol use", &["ETH", "SUD"]),
                category("hiv", "HIV", &["HIV"]),
            ],
            consequences: Consequences {
                all: words(&[
                    "Doctors, nurses and other staff at other hospitals, GP surgeries and care services will not see your record from us, not even your allergies or medicines.",
                    "If you go to A&E at another hospital, staff there may not know about your allergies or the medicines you take.",
                    "You may be asked the same questions again, and some tests may be done again.",
                ]),
                organisation: words(&[
                    "Staff at this organisation will not see your record from us, not even your allergies or medicines.",
                    "If you are treated there, they may not know about your allergies or the medicines you take.",
                ]),
                visit: words(&[
                    "Other organisations will not see this visit, or anything recorded at it, such as test results and letters.",
                    "If it matters for your care elsewhere, staff there may not know about it.",
                ]),
                item: words(&[
                    "Other organisations will not see this item.",
                    "If it matters for your care elsewhere, staff there may not know about it.",
                ]),
                category: words(&[
                    "Other organisations will not see this kind of information in your record.",
                    "Staff treating you elsewhere may not know about a condition or medicine that matters, for example a medicine that should not be taken with another.",
                ]),
            },
            not_followed: words(&[
                "To protect you, a child or another adult from serious harm (safeguarding).",
                "When the law says we must share information, for example a court order.",
                "When it is in the public interest, for example to stop a serious crime or the spread of a serious illness.",
                "In an emergency, when you cannot tell staff what you want and they need your information to treat you.",
            ]),
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Organization {
    pub name: String,
    pub logo_url: Option<String>,
    pub website: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Theme {
    pub primary_colour: String,
    pub on_primary_colour: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Emergency {
    pub number: String,
    pub text: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HelpDesk {
    pub phone: String,
    pub hours: String,
    pub email: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Features {
    pub proxy: bool,
    pub share: bool,
    pub linking: bool,
    /// Set when served: whether this portal has a relying party for passkeys.
    #[serde(default)]
    pub passkeys: bool,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordSystem {
    /// FHIR types of the record it does not offer, by the CapabilityStatement it last gave.
    pub not_shared: Vec<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TermsVersions {
    pub patient: Option<String>,
    pub proxy: Option<String>,
}

impl Default for PortalInfo {
    fn default() -> Self {
        Self {
            organization: Organization {
                name: "Riverside General Hospital".into(),
                logo_url: None,
                website: None,
            },
            theme: Theme {
                primary_colour: "#005eb8".into(),
                on_primary_colour: "#ffffff".into(),
            },
            locale: "en-GB".into(),
            time_zone: "Europe/London".into(),
            emergency: Emergency {
                number: "999".into(),
                text: "Do not use this portal in an emergency. If you or someone else is seriously ill or injured, call 999 now.".into(),
            },
            disclaimer: "The information in this portal is provided as is, to help you understand your care. It is not a substitute for talking to your clinical team.".into(),
            not_full_record: "This portal does not show the full medical record. Some information may be missing or not yet added.".into(),
            record_errors_url: None,
            record_errors: "If something in your record looks wrong, contact your clinical team or the help desk. Do not change any treatment because of what you read here without speaking to them.".into(),
            help_desk: HelpDesk {
                phone: "0300 555 0182".into(),
                hours: "Monday to Friday, 8am to 6pm".into(),
                email: None,
            },
            idle_timeout_seconds: 0,
            features: Features {
                proxy: true,
                share: true,
                linking: false,
                passkeys: false,
            },
            terms: TermsVersions::default(),
            record_system: RecordSystem::default(),
            privacy: PrivacyInfo::default(),
            messages: Default::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn reads_flags_in_both_spellings() {
        let c =
            ServeConfig::from_args(&args("--bind 127.0.0.1:0 --idle-timeout=30 --demo")).unwrap();
        assert_eq!(c.bind.port(), 0);
        assert_eq!(c.idle_timeout, 30);
        assert!(c.demo);
    }

    #[test]
    fn a_record_server_elsewhere_is_read_only_with_a_token_over_https_or_when_told_loudly() {
        let check =
            |flags: &str| ServeConfig::from_args(&args(flags)).map(|c| c.records_from.check());
        let smart = "--records-client-id portal --records-key /etc/portal/records.jwk";
        assert!(
            check("--records-from http://127.0.0.1:8080/fhir")
                .unwrap()
                .is_ok()
        );
        let refused = check("--records-from https://fhir.hospital.example/r4").unwrap();
        assert!(refused.unwrap_err().contains("without authenticating"));
        assert!(
            check("--records-from https://fhir.hospital.example/r4 --records-unauthenticated-beyond-loopback")
                .unwrap()
                .is_ok()
        );
        assert!(
            check(&format!(
                "--records-from https://fhir.hospital.example/r4 {smart}"
            ))
            .unwrap()
            .is_ok()
        );
        let clear = check(&format!(
            "--records-from http://fhir.hospital.example/r4 {smart}"
        ))
        .unwrap();
        assert!(clear.unwrap_err().contains("unencrypted"));
        // A client id without its key (or a key without its id) is not a half-configured client.
        assert!(
            check("--records-from https://fhir.hospital.example/r4 --records-client-id portal")
                .is_err()
        );
        assert!(
            check("--records-from https://fhir.hospital.example/r4 --records-key k.jwk").is_err()
        );
    }

    #[test]
    fn rejects_unknown_and_bad_flags() {
        assert!(ServeConfig::from_args(&args("--colour red")).is_err());
        assert!(ServeConfig::from_args(&args("--idle-timeout 0")).is_err());
        assert!(ServeConfig::from_args(&args("--trusted-proxy 10.0.0.0/33")).is_err());
    }

    #[test]
    fn cookies_are_secure_unless_the_development_flag_says_otherwise() {
        assert!(
            ServeConfig::from_args(&args("--bind 127.0.0.1:0"))
                .unwrap()
                .secure_cookies()
        );
        let dev = ServeConfig::from_args(&args("--dev-insecure-cookies")).unwrap();
        assert!(!dev.secure_cookies());
    }

    #[test]
    fn reads_a_list_of_trusted_proxies() {
        let c = ServeConfig::from_args(&args("--trusted-proxy 10.0.0.0/8,fd00::/8")).unwrap();
        assert_eq!(c.trusted_proxy.len(), 2);
    }
}
