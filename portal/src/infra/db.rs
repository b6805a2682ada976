//! The portal's SQLite file as the parts not yet moved to the store (`infra::store`, which
//! migrates it) reach it: one writer behind a lock and a small pool of read-only connections.

use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::{Connection, OpenFlags};
use std::ops::Deref;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

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
        let writer = Connection::open(path)?;
        writer.busy_timeout(BUSY_TIMEOUT)?;
        writer.pragma_update(None, "foreign_keys", "ON")?;
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

/// An in-memory database (for tests of parts not yet on the store) with the store's schema.
fn migrated(conn: Connection) -> rusqlite::Result<Connection> {
    conn.pragma_update(None, "foreign_keys", "ON")?;
    for (_, sql) in crate::infra::store::MIGRATIONS.sqlite {
        conn.execute_batch(sql)?;
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

    #[tokio::test]
    async fn readers_see_the_writers_work_and_cannot_write() {
        let dir = std::env::temp_dir().join(format!("carefront-db-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("t.db");
        crate::infra::store::Store::open(path.to_str().unwrap(), 1)
            .await
            .unwrap();
        let db = Db::open(&path).unwrap();
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
