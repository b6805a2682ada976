//! Installs the build and test tools a fresh machine lacks, and nothing it already has.

use crate::run::{command, path_with_tools};
use crate::step;
use std::path::Path;
use std::process::Command;

pub const TRUNK_VERSION: &str = "0.21.14";
const WASM_TARGET: &str = "wasm32-unknown-unknown";

pub fn all(root: &Path) -> Result<(), String> {
    wasm_target()?;
    trunk()?;
    wasm_bindgen(root)?;
    npm_tools(root)?;
    debian_packages()?;
    smtp_sink()?;
    fhir_examples(root)?;
    synthea_patients(root)?;
    helios()?;
    helios_search_parameters(root)?;
    Ok(())
}

const SYNTHEA: &str = "tietai-synthea==1.5.0";

/// Synthetic patients from the Synthea port on PyPI, one Bundle each with decades of history,
/// made once (same seed, same people) for the browser tests; not committed.
pub fn synthea_dir(root: &Path) -> std::path::PathBuf {
    root.join("target/synthea/fhir")
}

fn synthea_patients(root: &Path) -> Result<(), String> {
    let dir = synthea_dir(root);
    let made = std::fs::read_dir(&dir).is_ok_and(|entries| entries.flatten().count() >= 3);
    if made {
        return Ok(());
    }
    if output("synthea", &["--help"]).is_none() {
        step(&format!(
            "Installing the Synthea generator ({SYNTHEA}, PyPI)"
        ));
        command("python3", &["-m", "pip", "install", "--quiet", SYNTHEA]).run()?;
    }
    step("Generating 3 synthetic patients with Synthea (seed 42)");
    let out = dir.parent().expect("has a parent");
    command(
        "synthea",
        &["-p", "3", "-s", "42", "-o", &out.to_string_lossy()],
    )
    .run()
}

const AIOSMTPD: &str = "aiosmtpd==1.4.6";

/// A real SMTP server for the browser tests to send share emails to, on loopback.
fn smtp_sink() -> Result<(), String> {
    if output("python3", &["-c", "import aiosmtpd"]).is_some() {
        return Ok(());
    }
    step(&format!(
        "Installing an SMTP server for the tests ({AIOSMTPD}, PyPI)"
    ));
    command("python3", &["-m", "pip", "install", "--quiet", AIOSMTPD]).run()
}

const FHIR_EXAMPLES: &str = "hl7.fhir.r4.examples@4.0.1";

/// Where the official HL7 R4 examples (CC0) are unpacked for the conformance test; not committed.
pub fn fhir_examples_dir(root: &Path) -> std::path::PathBuf {
    root.join("target/fhir-examples/package")
}

fn fhir_examples(root: &Path) -> Result<(), String> {
    let dir = fhir_examples_dir(root);
    if dir.join("package.json").exists() {
        return Ok(());
    }
    step(&format!(
        "Fetching the HL7 FHIR R4 examples ({FHIR_EXAMPLES}, about 18 MB)"
    ));
    let parent = dir.parent().expect("has a parent");
    std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
    command("npm", &["pack", FHIR_EXAMPLES, "--silent"])
        .dir(parent)
        .run()?;
    command("tar", &["xzf", "hl7.fhir.r4.examples-4.0.1.tgz"])
        .dir(parent)
        .run()
}

pub const HELIOS_VERSION: &str = "0.2.7";
/// R4 on SQLite, with its Subscriptions engine (the portal's `--records-topic`); not its R6
/// feature, which would download more at build time, nor its UI.
const HELIOS_FEATURES: &[&str] = &["R4", "sqlite", "subscriptions"];

/// Helios FHIR Server, a FHIR R4 server no one here wrote, for the gateway tests.
fn helios() -> Result<(), String> {
    if helios_installed() {
        return Ok(());
    }
    step(&format!(
        "Installing Helios FHIR Server {HELIOS_VERSION} (once per machine; about 25 minutes on 2 cores)"
    ));
    command(
        "cargo",
        &[
            "install",
            "helios-hfs",
            "--version",
            HELIOS_VERSION,
            "--no-default-features",
            "--features",
            &HELIOS_FEATURES.join(","),
            "--locked",
        ],
    )
    .run()
}

/// Whether `hfs` is this version, installed by cargo with every feature wanted (cargo keeps what
/// it installed, and how, in `$CARGO_HOME/.crates2.json`).
fn helios_installed() -> bool {
    if !output("hfs", &["--version"]).is_some_and(|v| v.trim().ends_with(HELIOS_VERSION)) {
        return false;
    }
    let home = std::env::var_os("CARGO_HOME").map_or_else(
        || Path::new(&std::env::var_os("HOME").unwrap_or_default()).join(".cargo"),
        std::path::PathBuf::from,
    );
    let Ok(text) = std::fs::read_to_string(home.join(".crates2.json")) else {
        return false;
    };
    let installs: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    let prefix = format!("helios-hfs {HELIOS_VERSION} ");
    installs["installs"]
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(name, _)| name.starts_with(&prefix))
        .any(|(_, how)| {
            HELIOS_FEATURES.iter().all(|f| {
                how["features"]
                    .as_array()
                    .is_some_and(|l| l.iter().any(|x| x == f))
            })
        })
}

/// Helios's data folder: the R4 search parameters it needs to search by anything but id.
pub fn helios_data_dir(root: &Path) -> std::path::PathBuf {
    root.join("target/helios-data")
}

/// Every R4 SearchParameter of the HL7 package, as the one collection Bundle Helios reads at
/// start (`search-parameters-r4.json`).
fn helios_search_parameters(root: &Path) -> Result<(), String> {
    let file = helios_data_dir(root).join("search-parameters-r4.json");
    if file.exists() {
        return Ok(());
    }
    step("Assembling the R4 search parameters for Helios");
    let examples = fhir_examples_dir(root);
    let mut names: Vec<_> = std::fs::read_dir(&examples)
        .map_err(|e| format!("cannot read the HL7 examples: {e}"))?
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("SearchParameter-") && n.ends_with(".json"))
        .collect();
    names.sort();
    let mut entries = Vec::with_capacity(names.len());
    for name in &names {
        let text = std::fs::read_to_string(examples.join(name))
            .map_err(|e| format!("cannot read {name}: {e}"))?;
        let resource: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| format!("{name} is not JSON: {e}"))?;
        entries.push(serde_json::json!({ "resource": resource }));
    }
    let bundle = serde_json::json!({
        "resourceType": "Bundle",
        "type": "collection",
        "entry": entries,
    });
    std::fs::create_dir_all(helios_data_dir(root)).map_err(|e| e.to_string())?;
    // Written whole, then renamed: a half-written file would be taken as done next time.
    let partial = file.with_extension("partial");
    std::fs::write(&partial, bundle.to_string()).map_err(|e| e.to_string())?;
    std::fs::rename(&partial, &file).map_err(|e| e.to_string())
}

fn output(program: &str, args: &[&str]) -> Option<String> {
    Command::new(program)
        .args(args)
        .env("PATH", path_with_tools(&crate::workspace_root()))
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
}

fn wasm_target() -> Result<(), String> {
    let installed = output("rustup", &["target", "list", "--installed"]).unwrap_or_default();
    if installed.lines().any(|l| l.trim() == WASM_TARGET) {
        return Ok(());
    }
    step(&format!("Adding the {WASM_TARGET} target"));
    command("rustup", &["target", "add", WASM_TARGET]).run()
}

fn trunk() -> Result<(), String> {
    if output("trunk", &["--version"]).is_some_and(|v| v.contains(TRUNK_VERSION)) {
        return Ok(());
    }
    step(&format!(
        "Installing trunk {TRUNK_VERSION} (once per machine; about 15 minutes on 2 cores)"
    ));
    command(
        "cargo",
        &["install", "trunk", "--version", TRUNK_VERSION, "--locked"],
    )
    .run()
}

/// The version of wasm-bindgen in Cargo.lock: trunk refuses any other CLI version.
pub fn locked_wasm_bindgen(root: &Path) -> Result<String, String> {
    let lock = std::fs::read_to_string(root.join("Cargo.lock"))
        .map_err(|e| format!("cannot read Cargo.lock: {e}"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == "name = \"wasm-bindgen\""
            && let Some(version) = lines
                .next()
                .and_then(|v| v.strip_prefix("version = \""))
                .and_then(|v| v.strip_suffix('"'))
        {
            return Ok(version.to_string());
        }
    }
    Err("Cargo.lock has no wasm-bindgen package".into())
}

fn wasm_bindgen(root: &Path) -> Result<(), String> {
    let version = locked_wasm_bindgen(root)?;
    if output("wasm-bindgen", &["--version"]).is_some_and(|v| v.trim().ends_with(&version)) {
        return Ok(());
    }
    step(&format!(
        "Installing wasm-bindgen-cli {version} (once per machine; a few minutes)"
    ));
    // Not --locked: one crate pinned in its lock file is no longer in the registry.
    command(
        "cargo",
        &[
            "install",
            "wasm-bindgen-cli",
            "--version",
            &version,
            "--force",
        ],
    )
    .run()
}

/// Each devDependency of package.json, installed at exactly its pinned version.
fn npm_tools(root: &Path) -> Result<(), String> {
    let manifest = std::fs::read_to_string(root.join("package.json"))
        .map_err(|e| format!("cannot read package.json: {e}"))?;
    let wanted = pinned_dev_dependencies(&manifest);
    let installed = wanted.iter().all(|(name, version)| {
        std::fs::read_to_string(root.join("node_modules").join(name).join("package.json"))
            .is_ok_and(|p| p.contains(&format!("\"version\": \"{version}\"")))
    });
    if installed && !wanted.is_empty() {
        return Ok(());
    }
    step(
        "Installing npm tools (wasm-opt, Playwright, axe-core, Lighthouse, jose, jsqr, pngjs, oidc-provider)",
    );
    command("npm", &["ci", "--no-audit", "--no-fund"])
        .dir(root)
        .run()
}

/// `"name": "1.2.3"` pairs inside the devDependencies object (pinned versions only).
fn pinned_dev_dependencies(manifest: &str) -> Vec<(String, String)> {
    let Some(start) = manifest.find("\"devDependencies\"") else {
        return Vec::new();
    };
    let block = &manifest[start..];
    let block = &block[..block.find('}').unwrap_or(block.len())];
    block
        .lines()
        .filter_map(|line| {
            let mut parts = line.split('"').skip(1).step_by(2);
            let name = parts.next()?;
            let version = parts.next()?;
            (name != "devDependencies").then(|| (name.to_string(), version.to_string()))
        })
        .collect()
}

pub const CHROMIUM: &str = "/usr/bin/chromium";

/// What the portal and the browser tests need from Debian: Chromium, OpenSSL's headers for the
/// JOSE library that encrypts SMART Health Link files, and the PostgreSQL server and nginx the
/// tests start by hand on loopback (never as system services).
fn debian_packages() -> Result<(), String> {
    let present = [
        CHROMIUM,
        "/usr/bin/chromedriver",
        "/usr/include/openssl/ssl.h",
        "/usr/bin/pkg-config",
        "/usr/sbin/nginx",
    ];
    if present.iter().all(|p| Path::new(p).exists())
        && throwaway_postgres::server_programs().is_ok()
    {
        return Ok(());
    }
    step("Installing Chromium, OpenSSL's headers, PostgreSQL and nginx (Debian packages)");
    let root_user = output("id", &["-u"]).is_some_and(|u| u.trim() == "0");
    let sudo: &[&str] = if root_user { &[] } else { &["sudo"] };
    let apt = |args: &[&str]| {
        let mut all: Vec<&str> = sudo.to_vec();
        all.push("apt-get");
        all.extend_from_slice(args);
        command(all[0], &all[1..])
            .env("DEBIAN_FRONTEND", "noninteractive")
            .run()
    };
    apt(&["update", "-q"])?;
    apt(&[
        "install",
        "-y",
        "-q",
        "chromium",
        "chromium-driver",
        "libssl-dev",
        "pkg-config",
        "postgresql",
        "nginx",
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_pinned_dev_dependencies() {
        let manifest = r#"{ "name": "x", "devDependencies": {
            "@axe-core/playwright": "4.13.0",
            "binaryen": "132.0.0"
          } }"#;
        assert_eq!(
            pinned_dev_dependencies(manifest),
            vec![
                ("@axe-core/playwright".to_string(), "4.13.0".to_string()),
                ("binaryen".to_string(), "132.0.0".to_string())
            ]
        );
    }

    #[test]
    fn finds_the_locked_wasm_bindgen() {
        let v = locked_wasm_bindgen(&crate::workspace_root()).unwrap();
        assert!(v.starts_with("0.2."), "{v}");
    }
}
