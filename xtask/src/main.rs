//! `cargo xtask …`: set-up, demo, tests and benchmarks, the same on every machine.

mod bench;
mod compress;
mod minify;
mod run;
mod setup;
mod size;
mod split;
mod test;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str = "\
cargo xtask <command>

  demo [--port N]   install what is missing, build the app, start the reference portal with demo patients
  test              formatting, lints, unit and HTTP tests, browser tests; ends with `N passed, N failed`
  bench             build in release and print the app's transfer size
  build             build the app into dist/ (release, minified, precompressed) and the portal
  setup             install the tools only (idempotent)
  code USERNAME     the current security code of a demo user (for signing in to the demo)
  split-wasm        (trunk's post_build hook) split the built wasm into its first download and parts";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = workspace_root();
    let result = match args.first().map(String::as_str) {
        Some("setup") => setup::all(&root),
        Some("demo") => run::demo(&root, &args[1..]),
        Some("test") => test::all(&root),
        Some("bench") => bench::all(&root),
        Some("build") => run::build_app(&root).and(run::build_servers(&root).map(drop)),
        Some("code") => run::code(&root, &args[1..]),
        Some("split-wasm") => split::trunk_hook(&root),
        _ => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives inside the workspace")
        .to_path_buf()
}

/// A step heading, so long runs show where they are.
pub fn step(text: &str) {
    println!("\n==> {text}");
}
