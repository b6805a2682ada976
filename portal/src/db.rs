//! The portal's SQLite file: opened, migrated on start, shared behind one lock.

use rusqlite::Connection;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

/// Each entry moves the schema one version on; `PRAGMA user_version` records how far a file has come.
const MIGRATIONS: &[&str] = &[r#"
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    totp_secret TEXT,
    last_totp_step INTEGER,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    locked_until INTEGER
);
CREATE TABLE user_patients (
    user_id INTEGER NOT NULL REFERENCES users(id),
    patient_id TEXT NOT NULL,
    relationship TEXT NOT NULL,
    PRIMARY KEY (user_id, patient_id)
);
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    stage TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_seen INTEGER NOT NULL,
    code_attempts INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE terms (
    document TEXT NOT NULL,
    version TEXT NOT NULL,
    title TEXT NOT NULL,
    effective_date TEXT NOT NULL,
    format TEXT NOT NULL,
    text TEXT NOT NULL,
    published_at INTEGER NOT NULL,
    PRIMARY KEY (document, version)
);
CREATE TABLE terms_acceptances (
    user_id INTEGER NOT NULL REFERENCES users(id),
    document TEXT NOT NULL,
    version TEXT NOT NULL,
    accepted_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, document, version)
);
CREATE TABLE resources (
    type TEXT NOT NULL,
    id TEXT NOT NULL,
    patient_id TEXT,
    date TEXT,
    category TEXT NOT NULL DEFAULT '',
    json TEXT NOT NULL,
    PRIMARY KEY (type, id)
);
CREATE INDEX resources_by_patient ON resources (patient_id, type, date);
CREATE TABLE audit (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    user_id INTEGER,
    patient_id TEXT,
    action TEXT NOT NULL,
    detail TEXT NOT NULL
);
"#];

#[derive(Clone)]
pub struct Db(Arc<Mutex<Connection>>);

impl Db {
    pub fn open(path: &Path) -> rusqlite::Result<Self> {
        Self::migrated(Connection::open(path)?)
    }

    pub fn in_memory() -> rusqlite::Result<Self> {
        Self::migrated(Connection::open_in_memory()?)
    }

    fn migrated(mut conn: Connection) -> rusqlite::Result<Self> {
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        let done: usize = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(done) {
            let tx = conn.transaction()?;
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", i + 1)?;
            tx.commit()?;
        }
        Ok(Self(Arc::new(Mutex::new(conn))))
    }

    /// A poisoned lock only means another request panicked mid-query; SQLite kept its own consistency.
    pub fn lock(&self) -> MutexGuard<'_, Connection> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}
