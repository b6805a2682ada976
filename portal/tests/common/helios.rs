//! Helios FHIR Server (crates.io `helios-hfs`, installed by `cargo xtask setup`), started for one
//! test on a free loopback port with a fresh database: a hospital's record server no one here
//! wrote.

use super::Folder;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Helios {
    pub url: String,
    child: Child,
    _folder: Folder,
}

/// Where set-up assembled the R4 search parameters Helios needs.
fn data_dir() -> PathBuf {
    std::env::var_os("CAREFRONT_HELIOS_DATA").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/helios-data"),
        PathBuf::from,
    )
}

impl Helios {
    pub async fn start() -> Self {
        let folder = Folder::new("helios");
        let data = data_dir();
        assert!(
            data.join("search-parameters-r4.json").exists(),
            "{} has no search-parameters-r4.json: run `cargo xtask setup`",
            data.display()
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .unwrap()
            .port();
        let child = Command::new("hfs")
            .args([
                "--host",
                "127.0.0.1",
                "--port",
                &port.to_string(),
                "--data-dir",
            ])
            .arg(&data)
            .env("HFS_UI_ENABLED", "false")
            .env("DATABASE_URL", folder.0.join("helios.db"))
            .env("RUST_LOG", "warn")
            .current_dir(&folder.0)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("hfs (Helios FHIR Server) is installed: run `cargo xtask setup`");
        let url = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        while tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
        {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "Helios did not start"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Self {
            url,
            child,
            _folder: folder,
        }
    }

    /// Gone, as a server that crashed or was switched off is.
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Helios {
    fn drop(&mut self) {
        self.stop();
    }
}
