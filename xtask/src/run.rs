//! Running the tools: commands with the project's tool folders on PATH, the builds, and the demo.

use crate::{compress, minify, setup, step};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// node_modules/.bin (wasm-opt, …) and cargo's bin folder (trunk, wasm-bindgen) before PATH.
pub fn path_with_tools(root: &Path) -> String {
    let cargo_bin = std::env::var("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(".cargo"))
        .join("bin");
    format!(
        "{}:{}:{}",
        root.join("node_modules/.bin").display(),
        cargo_bin.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

pub struct Cmd(Command);

pub fn command(program: &str, args: &[&str]) -> Cmd {
    let mut c = Command::new(program);
    c.args(args)
        .env("PATH", path_with_tools(&crate::workspace_root()))
        .current_dir(crate::workspace_root());
    Cmd(c)
}

impl Cmd {
    pub fn dir(mut self, dir: &Path) -> Self {
        self.0.current_dir(dir);
        self
    }

    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.0.env(key, value);
        self
    }

    fn describe(&self) -> String {
        let args: Vec<String> = self
            .0
            .get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        format!(
            "{} {}",
            self.0.get_program().to_string_lossy(),
            args.join(" ")
        )
    }

    pub fn run(mut self) -> Result<(), String> {
        let what = self.describe();
        let status = self
            .0
            .status()
            .map_err(|e| format!("cannot start `{what}`: {e}"))?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("`{what}` failed ({status})"))
        }
    }

    /// Runs, echoing standard output line by line to the console and to `each_line`.
    pub fn stream(mut self, mut each_line: impl FnMut(&str)) -> Result<(), String> {
        let what = self.describe();
        let mut child = self
            .0
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start `{what}`: {e}"))?;
        if let Some(out) = child.stdout.take() {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                println!("{line}");
                each_line(&line);
            }
        }
        let status = child.wait().map_err(|e| e.to_string())?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("`{what}` failed ({status})"))
        }
    }
}

/// The app in release, as patients get it, into dist/: minified, then precompressed.
pub fn build_app(root: &Path) -> Result<(), String> {
    step("Building the app (release, wasm-opt, minified)");
    command("trunk", &["build", "--release", "--offline"])
        .dir(root)
        .run()?;
    let dist = root.join("dist");
    let minified = minify::js(&dist)?;
    let made = compress::precompress(&dist)?;
    println!(
        "  minified {minified} JS file(s) with terser; precompressed {made} files (brotli and gzip)"
    );
    Ok(())
}

/// What the browser tests and the benches start: the reference portal (a dev build, the same
/// artifacts the tests already compiled), the throwaway PostgreSQL program, the built app.
pub struct Servers {
    pub portal: PathBuf,
    postgres: PathBuf,
    dist: PathBuf,
    helios_data: PathBuf,
}

impl Servers {
    /// A command told where they are (`CAREFRONT_PORTAL`, `CAREFRONT_POSTGRES`, `CAREFRONT_DIST`,
    /// and Helios's data folder, `CAREFRONT_HELIOS_DATA`).
    pub fn command(&self, program: &str, args: &[&str]) -> Cmd {
        command(program, args)
            .env("CAREFRONT_PORTAL", &self.portal.to_string_lossy())
            .env("CAREFRONT_POSTGRES", &self.postgres.to_string_lossy())
            .env("CAREFRONT_DIST", &self.dist.to_string_lossy())
            .env("CAREFRONT_HELIOS_DATA", &self.helios_data.to_string_lossy())
    }
}

pub fn build_servers(root: &Path) -> Result<Servers, String> {
    step("Building the reference portal");
    command(
        "cargo",
        &[
            "build",
            "--package",
            "carefront-portal",
            "--package",
            "throwaway-postgres",
        ],
    )
    .run()?;
    Ok(Servers {
        portal: root.join("target/debug/carefront-portal"),
        postgres: root.join("target/debug/throwaway-postgres"),
        dist: root.join("dist"),
        helios_data: crate::setup::helios_data_dir(root),
    })
}

fn demo_db(root: &Path) -> PathBuf {
    root.join("target/demo/portal.db")
}

pub fn demo(root: &Path, args: &[String]) -> Result<(), String> {
    let port = match args {
        [] => "8080".to_string(),
        [flag, port] if flag == "--port" => port.clone(),
        _ => return Err("demo takes only --port N".into()),
    };
    setup::all(root)?;
    build_app(root)?;
    let portal = build_servers(root)?.portal;
    let db = demo_db(root);
    std::fs::create_dir_all(db.parent().expect("has a folder")).map_err(|e| e.to_string())?;
    // A fresh database each time, so appointments stay in the future and every demo starts alike.
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    step("Starting the reference portal with demo patients");
    println!(
        "
  Open http://127.0.0.1:{port} in a browser. Demo sign-ins (all invented people):

    ann / carefront-demo     Ann Carter: several allergies, no security code;
                             her neighbour Ben sees her appointments; her
                             Privacy page: two years of other organisations
                             looking at her record, one an emergency
    ben / carefront-demo     Ben Okafor: asks for a security code (get the current
                             one with `cargo xtask code ben`); acts for Ann
    claire / carefront-demo  Claire Hughes: her own record, and her children's:
                             Leo (8) and Maya (14, some of it private to Maya)
    david / carefront-demo   David Price: no record of his own; his mother's
                             (attorney, ending soon) and Jordan's (17, paused)
    jordan / carefront-demo  Jordan Price, 17: can let their father see their record

  To try passkeys (fingerprint, face or phone PIN, from Your account), open
  http://localhost:{port} instead: browsers give passkeys to names, never numbers.
  Emails (invitations, codes for a new address, news of something new)
  are written to target/demo/outbox as .eml files.

  Press Ctrl+C to stop.
"
    );
    command(
        &portal.to_string_lossy(),
        &[
            "serve",
            "--bind",
            &format!("127.0.0.1:{port}"),
            "--db",
            &db.to_string_lossy(),
            "--static",
            &root.join("dist").to_string_lossy(),
            "--demo",
            // Plain http on this machine only; the portal warns loudly about it.
            "--dev-insecure-cookies",
            // Invitation emails, as files to open, since the demo has no mail relay.
            "--outbox",
            &root.join("target/demo/outbox").to_string_lossy(),
            "--public-url",
            &format!("http://127.0.0.1:{port}"),
        ],
    )
    .run()
}

pub fn code(root: &Path, args: &[String]) -> Result<(), String> {
    let [username] = args else {
        return Err("code takes one username, for example `cargo xtask code ben`".into());
    };
    let portal = root.join("target/debug/carefront-portal");
    if !portal.exists() {
        return Err("start the demo first (`cargo xtask demo`)".into());
    }
    command(
        &portal.to_string_lossy(),
        &["code", username, "--db", &demo_db(root).to_string_lossy()],
    )
    .run()
}
