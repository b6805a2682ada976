//! What the operator sets: server flags, and the public portal description patients' browsers read.

use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Clone, Debug)]
pub struct ServeConfig {
    pub bind: SocketAddr,
    pub db: PathBuf,
    pub static_dir: Option<PathBuf>,
    pub idle_timeout: i64,
    pub absolute_timeout: i64,
    pub secure_cookies: bool,
    pub portal_info: Option<PathBuf>,
    pub demo: bool,
}

impl ServeConfig {
    /// Flags win over environment variables (`CAREFRONT_BIND`, …), which win over defaults.
    pub fn from_args(args: &[String]) -> Result<Self, String> {
        let mut flags = Flags::new(args);
        let bind: SocketAddr = flags
            .value("--bind", "CAREFRONT_BIND")
            .unwrap_or_else(|| "127.0.0.1:8080".into())
            .parse()
            .map_err(|e| format!("--bind: {e}"))?;
        let secure_cookies = match flags.value("--secure-cookies", "CAREFRONT_SECURE_COOKIES") {
            Some(v) => parse_bool(&v).ok_or("--secure-cookies takes true or false")?,
            // Browsers refuse Secure cookies over plain http, which is all a loopback demo has.
            None => !bind.ip().is_loopback(),
        };
        let config = Self {
            bind,
            db: flags
                .value("--db", "CAREFRONT_DB")
                .unwrap_or_else(|| "carefront-portal.db".into())
                .into(),
            static_dir: flags
                .value("--static", "CAREFRONT_STATIC")
                .map(PathBuf::from),
            idle_timeout: seconds(&mut flags, "--idle-timeout", "CAREFRONT_IDLE_TIMEOUT", 900)?,
            absolute_timeout: seconds(
                &mut flags,
                "--absolute-timeout",
                "CAREFRONT_ABSOLUTE_TIMEOUT",
                12 * 3600,
            )?,
            secure_cookies,
            portal_info: flags
                .value("--portal-config", "CAREFRONT_PORTAL_CONFIG")
                .map(PathBuf::from),
            demo: flags.switch("--demo"),
        };
        flags.finish()?;
        Ok(config)
    }
}

fn seconds(flags: &mut Flags, name: &str, env: &str, default: i64) -> Result<i64, String> {
    match flags.value(name, env) {
        None => Ok(default),
        Some(v) => match v.parse::<i64>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(format!(
                "{name} takes a whole number of seconds above zero, not {v:?}"
            )),
        },
    }
}

fn parse_bool(v: &str) -> Option<bool> {
    match v {
        "true" | "1" | "yes" => Some(true),
        "false" | "0" | "no" => Some(false),
        _ => None,
    }
}

/// A tiny flag reader: `--name value` or `--name=value`; anything left over is an error.
pub struct Flags {
    rest: Vec<String>,
}

impl Flags {
    pub fn new(args: &[String]) -> Self {
        Self {
            rest: args.to_vec(),
        }
    }

    pub fn value(&mut self, name: &str, env: &str) -> Option<String> {
        self.take(name)
            .or_else(|| std::env::var(env).ok().filter(|v| !v.is_empty()))
    }

    pub fn take(&mut self, name: &str) -> Option<String> {
        let prefix = format!("{name}=");
        let i = self
            .rest
            .iter()
            .position(|a| a == name || a.starts_with(&prefix))?;
        let arg = self.rest.remove(i);
        if let Some(v) = arg.strip_prefix(&prefix) {
            return Some(v.to_string());
        }
        (i < self.rest.len()).then(|| self.rest.remove(i))
    }

    /// The first argument that is not a flag.
    pub fn take_positional(&mut self) -> Option<String> {
        let i = self.rest.iter().position(|a| !a.starts_with("--"))?;
        Some(self.rest.remove(i))
    }

    pub fn switch(&mut self, name: &str) -> bool {
        match self.rest.iter().position(|a| a == name) {
            Some(i) => {
                self.rest.remove(i);
                true
            }
            None => false,
        }
    }

    pub fn finish(self) -> Result<(), String> {
        match self.rest.first() {
            None => Ok(()),
            Some(a) => Err(format!("unexpected argument {a:?}")),
        }
    }
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
            not_full_record: "This portal does not show your full medical record. Some information may be missing or not yet added.".into(),
            record_errors_url: None,
            record_errors: "If something in your record looks wrong, contact your clinical team or the help desk. Do not change any treatment because of what you read here without speaking to them.".into(),
            help_desk: HelpDesk {
                phone: "0300 555 0182".into(),
                hours: "Monday to Friday, 8am to 6pm".into(),
                email: None,
            },
            idle_timeout_seconds: 0,
            features: Features {
                proxy: false,
                share: false,
                linking: false,
            },
            terms: TermsVersions::default(),
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
        assert!(!c.secure_cookies, "loopback demo cannot use Secure cookies");
    }

    #[test]
    fn rejects_unknown_and_bad_flags() {
        assert!(ServeConfig::from_args(&args("--colour red")).is_err());
        assert!(ServeConfig::from_args(&args("--idle-timeout 0")).is_err());
        assert!(ServeConfig::from_args(&args("--secure-cookies maybe")).is_err());
    }

    #[test]
    fn public_bind_defaults_to_secure_cookies() {
        let c = ServeConfig::from_args(&args("--bind 0.0.0.0:8443")).unwrap();
        assert!(c.secure_cookies);
    }
}
