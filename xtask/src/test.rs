//! Every check, in the order a failure is cheapest to find, tallied into one closing line.

use crate::run::{Cmd, Servers, build_app, build_servers, command};
use crate::{setup, size, step};
use std::path::Path;

#[derive(Default)]
struct Tally {
    passed: u64,
    failed: u64,
    failures: Vec<String>,
}

impl Tally {
    fn check(&mut self, name: &str, result: Result<(), String>) -> bool {
        match result {
            Ok(()) => {
                self.passed += 1;
                true
            }
            Err(e) => {
                self.failed += 1;
                self.failures.push(format!("{name}: {e}"));
                false
            }
        }
    }

    fn add(&mut self, name: &str, counts: Counts, result: Result<(), String>) {
        self.passed += counts.passed;
        self.failed += counts.failed;
        if let Err(e) = result {
            // A runner that failed without failing a test (it crashed, say) is one failure itself.
            if counts.failed == 0 {
                self.check(name, Err(e));
            } else {
                self.failures
                    .push(format!("{name}: {} failed", counts.failed));
            }
        }
    }
}

#[derive(Default, Debug, PartialEq)]
struct Counts {
    passed: u64,
    failed: u64,
}

/// Reads `test result: ok. 24 passed; 0 failed; …` (libtest) and `e2e: 12 passed, 0 failed`.
/// Runs `cargo test`, counting what the test binaries `counted` picks (by cargo's `Running …`
/// line) report.
fn cargo_tests(test: Cmd, counted: fn(&str) -> bool) -> (Counts, Result<(), String>) {
    let mut counts = Counts::default();
    let mut counting = false;
    let result = test.stream(|line| {
        let trimmed = line.trim_start();
        if trimmed.starts_with("Running ") || trimmed.starts_with("Doc-tests ") {
            counting = counted(trimmed);
        }
        if let Some(c) = counts_in(line).filter(|_| counting) {
            counts.passed += c.passed;
            counts.failed += c.failed;
        }
    });
    (counts, result)
}

/// The portal's test binaries: its unit tests and `portal/tests/*.rs` (no other package of the
/// workspace has a `tests/` folder).
fn is_portal_test(running: &str) -> bool {
    running.contains("carefront_portal") || running.starts_with("Running tests/")
}

fn counts_in(line: &str) -> Option<Counts> {
    let line = line.trim();
    let rest = line
        .strip_prefix("test result: ")
        .map(|r| r.split_once(". ").map_or(r, |(_, after)| after))
        .or_else(|| line.strip_prefix("e2e: "))?;
    let mut numbers = rest
        .split([';', ','])
        .map(str::trim)
        .filter_map(|part| part.split_once(' '))
        .filter_map(|(n, word)| Some((n.parse::<u64>().ok()?, word)));
    let (passed, w1) = numbers.next()?;
    let (failed, w2) = numbers.next()?;
    (w1 == "passed" && w2 == "failed").then_some(Counts { passed, failed })
}

pub fn all(root: &Path) -> Result<(), String> {
    let mut tally = Tally::default();
    if tally.check("setup", setup::all(root)) {
        run_checks(root, &mut tally);
    }
    println!();
    if !tally.failures.is_empty() {
        println!("Failed:");
        for f in &tally.failures {
            println!("  - {f}");
        }
    }
    println!("{} passed, {} failed", tally.passed, tally.failed);
    if tally.failed > 0 {
        std::process::exit(1);
    }
    Ok(())
}

fn run_checks(root: &Path, tally: &mut Tally) {
    step("Formatting (cargo fmt --check)");
    tally.check(
        "formatting",
        command("cargo", &["fmt", "--all", "--check"]).run(),
    );

    step("Lints on the host (clippy -D warnings)");
    tally.check(
        "clippy",
        command(
            "cargo",
            &[
                "clippy",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ],
        )
        .run(),
    );
    step("Lints on the wasm target (clippy -D warnings)");
    tally.check(
        "clippy (wasm32)",
        command(
            "cargo",
            &[
                "clippy",
                "--package",
                "carefront",
                "--target",
                "wasm32-unknown-unknown",
                "--",
                "-D",
                "warnings",
            ],
        )
        .run(),
    );

    step("Unit tests, the portal's HTTP tests and the HL7 examples");
    let (counts, result) = cargo_tests(
        command("cargo", &["test", "--workspace"]).env(
            "CAREFRONT_FHIR_EXAMPLES",
            &setup::fhir_examples_dir(root).to_string_lossy(),
        ),
        |_| true,
    );
    tally.add("cargo test", counts, result);

    step("The portal's tests again, on PostgreSQL (a throwaway cluster on loopback)");
    // The whole workspace, as above, so nothing is built again; only the portal's tests count
    // (cargo names each test binary on standard error, here joined to the output).
    let (counts, result) = cargo_tests(
        command("sh", &["-c", "cargo test --workspace 2>&1"]).env("CAREFRONT_TEST_DB", "postgres"),
        is_portal_test,
    );
    tally.add("cargo test (PostgreSQL)", counts, result);

    if !tally.check("app build", build_app(root)) {
        return;
    }
    step("Transfer size budget");
    tally.check(
        "transfer size",
        size::measure(&root.join("dist")).and_then(|sizes| {
            size::print(&sizes);
            sizes.check()
        }),
    );

    let servers = match build_servers(root) {
        Ok(s) => s,
        Err(e) => {
            tally.check("portal build", Err(e));
            return;
        }
    };
    step("Browser tests (Playwright, Chromium, against the reference portal)");
    browser_tests(root, &servers, "browser tests", None, tally);
    step(
        "The browser tests of the record, proxies, shares, privacy and accounts again, on PostgreSQL",
    );
    browser_tests(
        root,
        &servers,
        "browser tests (PostgreSQL)",
        Some(("CAREFRONT_E2E_DB", "postgres")),
        tally,
    );
    step(
        "The browser tests of the record, proxies, shares and privacy again, the portal a gateway to Helios FHIR Server",
    );
    browser_tests(
        root,
        &servers,
        "browser tests (gateway to Helios)",
        Some(("CAREFRONT_E2E_RECORDS", "helios")),
        tally,
    );
}

fn browser_tests(
    root: &Path,
    servers: &Servers,
    name: &str,
    pass: Option<(&str, &str)>,
    tally: &mut Tally,
) {
    let mut counts = Counts::default();
    let mut node = servers
        .command("node", &["e2e/run.mjs"])
        .env(
            "CAREFRONT_E2E_OUTPUT",
            &root.join("e2e/output").to_string_lossy(),
        )
        .env(
            "CAREFRONT_SYNTHEA",
            &setup::synthea_dir(root).to_string_lossy(),
        );
    if let Some((key, value)) = pass {
        node = node.env(key, value);
    }
    let result = node.stream(|line| {
        if let Some(c) = counts_in(line) {
            counts = c;
        }
    });
    if counts == Counts::default() && result.is_err() {
        tally.check(name, result);
    } else {
        tally.add(name, counts, result);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_only_the_portals_test_binaries() {
        for portal in [
            "Running unittests src/lib.rs (target/debug/deps/carefront_portal-0a1b)",
            "Running tests/api.rs (target/debug/deps/api-0a1b)",
            "Doc-tests carefront_portal",
        ] {
            assert!(is_portal_test(portal), "{portal}");
        }
        for other in [
            "Running unittests src/lib.rs (target/debug/deps/carefront-0a1b)",
            "Running unittests src/main.rs (target/debug/deps/xtask-0a1b)",
            "Doc-tests carefront",
        ] {
            assert!(!is_portal_test(other), "{other}");
        }
    }

    #[test]
    fn reads_runner_summaries() {
        assert_eq!(
            counts_in(
                "test result: ok. 24 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out"
            ),
            Some(Counts {
                passed: 24,
                failed: 0
            })
        );
        assert_eq!(
            counts_in("test result: FAILED. 3 passed; 2 failed; 0 ignored"),
            Some(Counts {
                passed: 3,
                failed: 2
            })
        );
        assert_eq!(
            counts_in("e2e: 12 passed, 1 failed"),
            Some(Counts {
                passed: 12,
                failed: 1
            })
        );
        assert_eq!(counts_in("test foo ... ok"), None);
        assert_eq!(counts_in("12 passed, 1 failed"), None);
    }
}
