//! A throwaway PostgreSQL cluster for this test process: Debian's server programs, a temporary
//! folder, a loopback port, no system service. A shell stays beside the server with its standard
//! input on a pipe from this process; when the process ends, however it ends, the pipe closes and
//! the shell stops the server and removes the folder, so nothing is left behind.

use std::io::Read;
use std::net::{Ipv4Addr, TcpListener};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

const USER: &str = "carefront";
/// initdb, then the server's start, on a busy two-core machine.
const START_TIMEOUT: Duration = Duration::from_secs(60);

const KEEPER: &str = r#"
set -e
dir=$(mktemp -d /tmp/carefront-pg-XXXXXX)
trap 'rm -rf "$dir"' EXIT
"$1/initdb" -D "$dir/data" -U carefront -A trust -E UTF8 --no-sync >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
"$1/postgres" -D "$dir/data" -k "$dir" -h 127.0.0.1 -p "$2" -c fsync=off -c synchronous_commit=off -c full_page_writes=off >"$dir/server.log" 2>&1 &
server=$!
echo started
read _ || true
kill -INT "$server"
wait "$server" || true
"#;

pub struct Cluster {
    port: u16,
    /// Held only for its pipe: dropped with the process, it ends the cluster.
    _keeper: Mutex<Child>,
    databases: AtomicU32,
}

/// The one cluster of this test process, started on first use.
pub fn cluster() -> &'static Cluster {
    static CLUSTER: OnceLock<Cluster> = OnceLock::new();
    CLUSTER.get_or_init(Cluster::start)
}

impl Cluster {
    fn start() -> Self {
        let bin = server_programs();
        let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .and_then(|l| l.local_addr())
            .expect("a free loopback port")
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
        let mut keeper = command
            .args(["-c", KEEPER, "keeper"])
            .arg(&bin)
            .arg(port.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("sh starts");
        let mut said = [0u8; 8];
        keeper
            .stdout
            .take()
            .expect("piped")
            .read_exact(&mut said)
            .unwrap_or_else(|e| panic!("PostgreSQL's initdb failed (see above): {e}"));
        let started = Instant::now();
        while std::net::TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err() {
            assert!(
                started.elapsed() < START_TIMEOUT,
                "PostgreSQL did not start on port {port}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Self {
            port,
            _keeper: Mutex::new(keeper),
            databases: AtomicU32::new(0),
        }
    }

    /// A new empty database on the cluster, for one test.
    pub async fn database(&self) -> String {
        let name = self.unmade().await;
        let mut admin = self.admin().await;
        sqlx::Executor::execute(
            &mut admin,
            sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")),
        )
        .await
        .unwrap_or_else(|e| panic!("cannot create a database: {e}"));
        self.url(&name)
    }

    /// The name of a database not made yet, once the cluster takes connections.
    pub async fn unmade(&self) -> String {
        self.admin().await;
        format!("t{}", self.databases.fetch_add(1, Ordering::Relaxed))
    }

    /// A connection to the cluster's own database, waiting for the server to take connections:
    /// the port answers a moment before it does.
    async fn admin(&self) -> sqlx::PgConnection {
        use sqlx::Connection;
        let started = Instant::now();
        loop {
            match sqlx::PgConnection::connect(&self.url("postgres")).await {
                Ok(admin) => return admin,
                Err(e) if started.elapsed() > START_TIMEOUT => {
                    panic!("PostgreSQL takes no connections: {e}")
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    }

    /// The address of a database on the cluster, made or not.
    pub fn url(&self, database: &str) -> String {
        format!("postgres://{USER}@127.0.0.1:{}/{database}", self.port)
    }
}

/// Debian puts the server programs in a folder named after the major version, not on PATH.
fn server_programs() -> PathBuf {
    let mut found: Vec<_> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL's server is installed (cargo xtask setup)")
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|bin| bin.join("initdb").exists())
        .collect();
    found.sort();
    found
        .pop()
        .expect("PostgreSQL's server is installed (cargo xtask setup)")
}
