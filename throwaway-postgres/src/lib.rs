//! A throwaway PostgreSQL cluster for tests: Debian's server programs, a temporary folder, a
//! loopback port, no system service. A shell (the keeper) runs beside the server with its standard
//! input on a pipe from this process. It stops and starts the server when told (a database that
//! goes away and comes back), and when the pipe closes, however this process ends, it stops the
//! server and removes the folder, so nothing is left behind.
//!
//! The portal's Rust tests use it as a library; the browser tests run its program.

use std::io::{BufRead, BufReader, Write};
use std::net::{Ipv4Addr, TcpListener};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::Mutex;

/// The role every test connects as (trusted on loopback: no password).
pub const USER: &str = "carefront";

/// `$1` the server programs' folder, `$2` the port. Answers `ready` once the server takes
/// connections (the port opens a moment before it does), `stopped` once it has gone.
const KEEPER: &str = r#"
set -e
bin=$1 port=$2
dir=$(mktemp -d /tmp/carefront-pg-XXXXXX)
trap 'rm -rf "$dir"' EXIT
"$bin/initdb" -D "$dir/data" -U carefront -A trust -E UTF8 --no-sync >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
up() {
  "$bin/postgres" -D "$dir/data" -k "$dir" -h 127.0.0.1 -p "$port" -c fsync=off -c synchronous_commit=off -c full_page_writes=off >>"$dir/server.log" 2>&1 &
  server=$!
  # A minute, on a busy two-core machine.
  tries=600
  until "$bin/pg_isready" -q -h 127.0.0.1 -p "$port"; do
    tries=$((tries - 1))
    if [ "$tries" = 0 ] || ! kill -0 "$server" 2>/dev/null; then cat "$dir/server.log" >&2; exit 1; fi
    sleep 0.1
  done
  echo ready
}
down() {
  # Fast shutdown: sessions are cut, as when a database server fails over.
  kill -INT "$server"
  wait "$server" || true
}
up
while read -r command; do
  case "$command" in
    stop) down; echo stopped ;;
    start) up ;;
  esac
done
down
"#;

pub struct Cluster {
    port: u16,
    keeper: Mutex<Keeper>,
}

struct Keeper {
    /// Kept for its pipe: when it closes, the keeper ends the cluster.
    _child: Child,
    said: BufReader<ChildStdout>,
    tell: ChildStdin,
}

impl Cluster {
    /// Makes a cluster and starts its server, returning once it takes connections.
    pub fn start() -> std::io::Result<Self> {
        let bin = server_programs()?;
        let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?
            .local_addr()?
            .port();
        // initdb and the server refuse to run as root: as root, they run as Debian's postgres user.
        let as_root = Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| o.stdout.trim_ascii() == b"0");
        let mut command = if as_root {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--", "sh"]);
            c
        } else {
            Command::new("sh")
        };
        let mut child = command
            .args(["-c", KEEPER, "keeper"])
            .arg(&bin)
            .arg(port.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()?;
        let keeper = Keeper {
            said: BufReader::new(child.stdout.take().expect("piped")),
            tell: child.stdin.take().expect("piped"),
            _child: child,
        };
        let cluster = Self {
            port,
            keeper: Mutex::new(keeper),
        };
        cluster.expect("ready")?;
        Ok(cluster)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The address of a database on the cluster, made or not.
    pub fn url(&self, database: &str) -> String {
        format!("postgres://{USER}@127.0.0.1:{}/{database}", self.port)
    }

    /// Stops the server (fast shutdown: open sessions are cut); the data stays.
    pub fn stop_server(&self) -> std::io::Result<()> {
        self.tell("stop", "stopped")
    }

    /// Starts the stopped server again, returning once it takes connections.
    pub fn start_server(&self) -> std::io::Result<()> {
        self.tell("start", "ready")
    }

    fn tell(&self, command: &str, answer: &str) -> std::io::Result<()> {
        writeln!(self.lock().tell, "{command}")?;
        self.expect(answer)
    }

    fn expect(&self, answer: &str) -> std::io::Result<()> {
        let mut line = String::new();
        self.lock().said.read_line(&mut line)?;
        if line.trim() == answer {
            Ok(())
        } else {
            Err(std::io::Error::other(format!(
                "PostgreSQL's keeper said {line:?}, not {answer:?} (its server's log is above)"
            )))
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Keeper> {
        self.keeper.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Debian puts the server programs in a folder named after the major version, not on PATH.
pub fn server_programs() -> std::io::Result<PathBuf> {
    let missing = || {
        std::io::Error::new(
            std::io::ErrorKind::NotFound,
            "PostgreSQL's server is not installed (cargo xtask setup installs it)",
        )
    };
    let mut found: Vec<_> = std::fs::read_dir("/usr/lib/postgresql")
        .map_err(|_| missing())?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|bin| bin.join("initdb").exists())
        .collect();
    found.sort();
    found.pop().ok_or_else(missing)
}
