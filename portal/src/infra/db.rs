//! The portal's SQLite file: migrated on start, one writer behind a lock and a small pool of
//! read-only connections for searches, so a long search never waits behind a sign-in.

use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::{Connection, OpenFlags};
use std::ops::Deref;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// Each file moves the schema one version on; `PRAGMA user_version` records how far a file has come.
const MIGRATIONS: &[&str] = &[
    include_str!("../../migrations/0001_initial.sql"),
    include_str!("../../migrations/0002_hardening.sql"),
    include_str!("../../migrations/0003_proxy.sql"),
    include_str!("../../migrations/0004_invitations.sql"),
    include_str!("../../migrations/0005_shares.sql"),
    include_str!("../../migrations/0006_privacy.sql"),
    include_str!("../../migrations/0007_account.sql"),
    include_str!("../../migrations/0008_two_step.sql"),
    include_str!("../../migrations/0009_closing.sql"),
    include_str!("../../migrations/0010_passkeys.sql"),
    include_str!("../../migrations/0011_email.sql"),
    include_str!("../../migrations/0012_mail_quota.sql"),
    include_str!("../../migrations/0013_emergency_notices.sql"),
];

/// Read connections: enough for both cores to search while a third request waits briefly.
const READERS: u32 = 4;
/// How long a write waits for another to finish before giving up with "busy".
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Clone)]
pub struct Db {
    writer: Arc<Mutex<Connection>>,
    /// None for an in-memory database, which only its one connection can see.
    readers: Option<r2d2::Pool<SqliteConnectionManager>>,
}

impl Db {
    pub fn open(path: &Path) -> rusqlite::Result<Self> {
        let writer = migrated(Connection::open(path)?)?;
        let manager = SqliteConnectionManager::file(path)
            .with_flags(OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
            .with_init(|c| c.busy_timeout(BUSY_TIMEOUT));
        let readers = r2d2::Pool::builder()
            .max_size(READERS)
            .min_idle(Some(1))
            .build(manager)
            .map_err(pool_error)?;
        Ok(Self {
            writer: Arc::new(Mutex::new(writer)),
            readers: Some(readers),
        })
    }

    pub fn in_memory() -> rusqlite::Result<Self> {
        Ok(Self {
            writer: Arc::new(Mutex::new(migrated(Connection::open_in_memory()?)?)),
            readers: None,
        })
    }

    /// The one connection that writes. A poisoned lock only means another request panicked
    /// mid-query; SQLite kept its own consistency.
    pub fn lock(&self) -> MutexGuard<'_, Connection> {
        self.writer.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A connection for reading only; it cannot change anything.
    pub fn read(&self) -> rusqlite::Result<Reader<'_>> {
        match &self.readers {
            Some(pool) => pool.get().map(Reader::Pooled).map_err(pool_error),
            None => Ok(Reader::Writer(self.lock())),
        }
    }
}

pub enum Reader<'a> {
    Pooled(r2d2::PooledConnection<SqliteConnectionManager>),
    Writer(MutexGuard<'a, Connection>),
}

impl Deref for Reader<'_> {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        match self {
            Reader::Pooled(c) => c,
            Reader::Writer(c) => c,
        }
    }
}

/// A pool that cannot hand out a connection in time is reported like a busy database.
fn pool_error(e: r2d2::Error) -> rusqlite::Error {
    rusqlite::Error::SqliteFailure(
        rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY),
        Some(e.to_string()),
    )
}

fn migrated(mut conn: Connection) -> rusqlite::Result<Connection> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    let done: usize = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(done) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", i + 1)?;
        tx.commit()?;
    }
    Ok(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_audit_trail_cannot_be_rewritten() {
        let db = Db::in_memory().unwrap();
        let conn = db.lock();
        conn.execute(
            "INSERT INTO audit (at, action, detail) VALUES (1, 'read', 'x')",
            [],
        )
        .unwrap();
        assert!(conn.execute("UPDATE audit SET detail = 'y'", []).is_err());
        assert!(conn.execute("DELETE FROM audit", []).is_err());
    }

    #[test]
    fn labels_already_stored_are_indexed_when_the_schema_moves_on() {
        let conn = Connection::open_in_memory().unwrap();
        for sql in &MIGRATIONS[..2] {
            conn.execute_batch(sql).unwrap();
        }
        conn.pragma_update(None, "user_version", 2).unwrap();
        let labelled = r#"{"meta": {"security": [{"code": "PSY"}, {"system": "x", "code": "R"}]}}"#;
        for (id, json) in [("c", labelled), ("d", "{}")] {
            conn.execute(
                "INSERT INTO resources (type, id, patient_id, json) VALUES ('Condition', ?1, 'p', ?2)",
                [id, json],
            )
            .unwrap();
        }
        let conn = migrated(conn).unwrap();
        let security = |id: &str| -> String {
            conn.query_row("SELECT security FROM resources WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .unwrap()
        };
        assert_eq!(security("c"), " PSY R ");
        assert!(security("d").trim().is_empty());
    }

    #[test]
    fn visits_already_stored_are_indexed_when_the_schema_moves_on() {
        let conn = Connection::open_in_memory().unwrap();
        for sql in &MIGRATIONS[..5] {
            conn.execute_batch(sql).unwrap();
        }
        conn.pragma_update(None, "user_version", 5).unwrap();
        for (id, json) in [
            ("o", r#"{"encounter": {"reference": "Encounter/e1"}}"#),
            (
                "d",
                r#"{"context": {"encounter": [{"reference": "https://x.example/fhir/Encounter/e2"}]}}"#,
            ),
            ("u", r#"{"encounter": {"reference": "urn:uuid:1234"}}"#),
            (
                "h",
                r#"{"encounter": {"reference": "Encounter/e3/_history/2"}}"#,
            ),
            ("n", "{}"),
        ] {
            conn.execute(
                "INSERT INTO resources (type, id, patient_id, json) VALUES ('Observation', ?1, 'p', ?2)",
                [id, json],
            )
            .unwrap();
        }
        let conn = migrated(conn).unwrap();
        let visit = |id: &str| -> Option<String> {
            conn.query_row("SELECT encounter FROM resources WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .unwrap()
        };
        assert_eq!(visit("o").as_deref(), Some("e1"));
        assert_eq!(visit("d").as_deref(), Some("e2"));
        // What the importer would not index as a visit is not one here either.
        for id in ["u", "h", "n"] {
            assert_eq!(visit(id), None, "{id}");
            let stored: String = conn
                .query_row("SELECT json FROM resources WHERE id = ?1", [id], |r| {
                    r.get(0)
                })
                .unwrap();
            let mut resource: serde_json::Value = serde_json::from_str(&stored).unwrap();
            resource["resourceType"] = "Observation".into();
            resource["id"] = id.into();
            assert_eq!(
                crate::records::index(&resource).unwrap().encounter,
                None,
                "{id}"
            );
        }
    }

    #[test]
    fn readers_see_the_writers_work_and_cannot_write() {
        let dir = std::env::temp_dir().join(format!("carefront-db-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let db = Db::open(&dir.join("t.db")).unwrap();
        db.lock()
            .execute(
                "INSERT INTO audit (at, action, detail) VALUES (1, 'read', 'x')",
                [],
            )
            .unwrap();
        let reader = db.read().unwrap();
        let n: i64 = reader
            .query_row("SELECT count(*) FROM audit", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 1);
        assert!(reader.execute("DELETE FROM terms", []).is_err());
        drop(reader);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
