//! The portal's database, SQLite (a file: the demo, the tests, a small clinic) or PostgreSQL
//! (several portals on one database), behind one pool of connections.
//!
//! The one rule: a store function takes `&mut Conn` and writes SQL both databases understand
//! (`$1` parameters, `RETURNING`, `ON CONFLICT`); a request takes a connection with
//! [`Store::conn`], or [`Store::begin`] when its writes stand or fall together. No request waits
//! on a lock in this process: SQLite's own locking and PostgreSQL's row locks are the only ones.

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::migrate::{MigrateDatabase, Migration, MigrationType, Migrator};
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyPool, Executor, SqlSafeStr, Transaction};
use std::path::Path;
use std::time::Duration;

pub type Conn = sqlx::AnyConnection;

/// Each database's migrations, in step: the same numbered files in `migrations/sqlite` and
/// `migrations/postgres` (a file missing from either folder does not compile).
macro_rules! migrations {
    ($($name:literal),* $(,)?) => {
        Migrations {
            sqlite: &[$(($name, include_str!(concat!("../../migrations/sqlite/", $name, ".sql")))),*],
            postgres: &[$(($name, include_str!(concat!("../../migrations/postgres/", $name, ".sql")))),*],
        }
    };
}

pub struct Migrations {
    pub sqlite: &'static [(&'static str, &'static str)],
    pub postgres: &'static [(&'static str, &'static str)],
}

pub const MIGRATIONS: Migrations = migrations!(
    "0001_initial",
    "0002_hardening",
    "0003_proxy",
    "0004_invitations",
    "0005_shares",
    "0006_privacy",
    "0007_account",
    "0008_two_step",
    "0009_closing",
    "0010_passkeys",
    "0011_email",
    "0012_mail_quota",
    "0013_emergency_notices",
    "0014_shared_between_portals",
    "0015_undated_first",
    "0016_record_watch",
    "0017_record_subscription",
    "0018_messages",
    "0019_message_attachments",
);

/// How long a request waits for a free connection before it is told to try again (503).
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    /// The database `--db` names: a `postgres://` address, or else a SQLite file.
    pub fn of_location(location: &str) -> Self {
        match location.split_once("://") {
            Some(("postgres" | "postgresql", _)) => Dialect::Postgres,
            _ => Dialect::Sqlite,
        }
    }

    /// The database a connection reaches, for the few statements the two write differently.
    pub fn of(conn: &Conn) -> Self {
        if conn.backend_name() == "PostgreSQL" {
            Dialect::Postgres
        } else {
            Dialect::Sqlite
        }
    }

    /// The SQL for a text field of a JSON object kept as text (the SQL expression `column`).
    pub fn json_text(self, column: &str, field: &str) -> String {
        match self {
            Dialect::Sqlite => format!("json_extract({column}, '$.{field}')"),
            Dialect::Postgres => format!("(({column})::jsonb ->> '{field}')"),
        }
    }

    /// The SQL for a time in Unix seconds (the SQL expression `seconds`) as an RFC 3339 UTC text.
    pub fn rfc3339(self, seconds: &str) -> String {
        match self {
            Dialect::Sqlite => format!("strftime('%Y-%m-%dT%H:%M:%SZ', {seconds}, 'unixepoch')"),
            Dialect::Postgres => format!(
                "to_char(to_timestamp({seconds}) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
            ),
        }
    }
}

#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    dialect: Dialect,
    /// This portal among those sharing the database, for the leases it holds.
    holder: String,
}

impl Store {
    /// Opens `--db`: a `postgres://` address, or else the path of a SQLite file (made if absent),
    /// and brings its schema up to date. Portals starting together take turns at migrating
    /// (PostgreSQL's advisory lock).
    pub async fn open(location: &str, connections: u32) -> Result<Self, sqlx::Error> {
        let store = Self::connect(location, connections).await?;
        store.migrate(None).await?;
        Ok(store)
    }

    async fn connect(location: &str, connections: u32) -> Result<Self, sqlx::Error> {
        install_default_drivers();
        let dialect = Dialect::of_location(location);
        let url = match dialect {
            Dialect::Postgres => location.to_owned(),
            Dialect::Sqlite => sqlite_url(Path::new(location)),
        };
        // As a SQLite file is made if absent, so is a PostgreSQL database, where the user may.
        // Portals started together may each find it missing: one makes it, the others find it made.
        if dialect == Dialect::Postgres
            && !Any::database_exists(&url).await?
            && let Err(e) = Any::create_database(&url).await
            && !Any::database_exists(&url).await?
        {
            return Err(e);
        }
        let pool = AnyPoolOptions::new()
            .max_connections(connections)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if dialect == Dialect::Sqlite {
                        // Readers never wait for the writer; a committed write survives a crash
                        // of the portal (the WAL is synced at each checkpoint).
                        conn.execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL")
                            .await?;
                    }
                    Ok(())
                })
            })
            .connect(&url)
            .await?;
        Ok(Self {
            pool,
            dialect,
            holder: crate::infra::tokens::random_token(),
        })
    }

    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// Takes the named background round for `seconds` if no other portal holds it, so a round
    /// runs on one portal at a time; answers whether this portal has it. A portal stopped
    /// mid-round holds it no longer than that.
    pub async fn lease(&self, round: &str, now: i64, seconds: i64) -> sqlx::Result<bool> {
        let held: Option<String> = sqlx::query_scalar(
            "INSERT INTO round_leases (name, holder, until) VALUES ($1, $2, $3)
             ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until
               WHERE round_leases.until <= $4 OR round_leases.holder = excluded.holder
             RETURNING holder",
        )
        .bind(round)
        .bind(&self.holder)
        .bind(now + seconds)
        .bind(now)
        .fetch_optional(&mut *self.conn().await?)
        .await?;
        Ok(held.is_some())
    }

    /// Gives the round back at its end, for whichever portal comes to it next.
    pub async fn release(&self, round: &str) -> sqlx::Result<()> {
        sqlx::query("UPDATE round_leases SET until = 0 WHERE name = $1 AND holder = $2")
            .bind(round)
            .bind(&self.holder)
            .execute(&mut *self.conn().await?)
            .await?;
        Ok(())
    }

    pub async fn conn(&self) -> Result<PoolConnection<Any>, sqlx::Error> {
        self.pool.acquire().await
    }

    /// A transaction for writes that stand or fall together. On SQLite it takes the write lock
    /// at once, so two of them never both read, then both fail to write.
    pub async fn begin(&self) -> Result<Transaction<'static, Any>, sqlx::Error> {
        match self.dialect {
            Dialect::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Dialect::Postgres => self.pool.begin().await,
        }
    }

    /// Runs the migrations this database has not had, up to `target` (all when None).
    async fn migrate(&self, target: Option<i64>) -> Result<(), sqlx::Error> {
        let files = match self.dialect {
            Dialect::Sqlite => MIGRATIONS.sqlite,
            Dialect::Postgres => MIGRATIONS.postgres,
        };
        let migrator = Migrator::with_migrations(
            files
                .iter()
                .map(|(name, sql)| {
                    let (number, description) = name.split_once('_').unwrap_or((name, name));
                    Migration::new(
                        number.parse().expect("migration files are numbered"),
                        description.replace('_', " ").into(),
                        MigrationType::Simple,
                        sql.into_sql_str(),
                        false,
                    )
                })
                .collect(),
        );
        let mut conn = self.conn().await?;
        if self.dialect == Dialect::Sqlite {
            adopt_numbered_file(&migrator, &mut conn).await?;
        }
        let run = match target {
            Some(version) => migrator.run_to(version, &mut *conn).await,
            None => migrator.run(&mut *conn).await,
        };
        run.map_err(|e| match e {
            sqlx::migrate::MigrateError::Execute(e) => e,
            other => sqlx::Error::Migrate(Box::new(other)),
        })
    }
}

/// A transaction no other of the same name runs beside, on any portal: what it counts stays
/// true until it writes (SQLite: the database's write lock, taken at once; PostgreSQL: an
/// advisory lock held to the end of the transaction).
pub async fn one_at_a_time<'c>(
    conn: &'c mut Conn,
    name: &str,
) -> sqlx::Result<Transaction<'c, Any>> {
    match Dialect::of(conn) {
        Dialect::Sqlite => sqlx::Connection::begin_with(conn, "BEGIN IMMEDIATE").await,
        Dialect::Postgres => {
            let mut tx = sqlx::Connection::begin(conn).await?;
            sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))")
                .bind(name.to_owned())
                .execute(&mut *tx)
                .await?;
            Ok(tx)
        }
    }
}

/// A statement put together piece by piece (a search's filters), its text values numbered `$1`,
/// `$2`, … as they are added, as both databases read them.
#[derive(Default)]
pub struct Sql {
    text: String,
    values: Vec<String>,
}

impl Sql {
    pub fn new(text: &str) -> Self {
        Self {
            text: text.into(),
            values: Vec::new(),
        }
    }

    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Adds a value; answers its placeholder, to write where it goes (more than once if need be).
    pub fn value(&mut self, value: impl Into<String>) -> String {
        self.values.push(value.into());
        format!("${}", self.values.len())
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// The statement `before` this text `after`, with the values bound.
    pub fn query(
        &self,
        before: &str,
        after: &str,
    ) -> sqlx::query::Query<'static, Any, sqlx::any::AnyArguments> {
        let mut query = sqlx::query(sqlx::AssertSqlSafe(format!("{before}{}{after}", self.text)));
        for v in &self.values {
            query = query.bind(v.clone());
        }
        query
    }
}

/// A SQLite file migrated before the portal used sqlx counts its steps in `user_version`: those
/// steps are recorded as done, once, so they are not run again.
async fn adopt_numbered_file(migrator: &Migrator, conn: &mut Conn) -> Result<(), sqlx::Error> {
    let (done,): (i64,) = sqlx::query_as("PRAGMA user_version")
        .fetch_one(&mut *conn)
        .await?;
    if done > 0 {
        migrator
            .skip(&mut *conn, Some(done))
            .await
            .map_err(|e| sqlx::Error::Migrate(Box::new(e)))?;
        conn.execute("PRAGMA user_version = 0").await?;
    }
    Ok(())
}

fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}?mode=rwc", path.display())
}

/// A store on a SQLite file of its own, for the crate's unit tests.
#[cfg(test)]
pub mod testing {
    use super::Store;

    pub struct TestStore {
        store: Store,
        dir: std::path::PathBuf,
    }

    impl std::ops::Deref for TestStore {
        type Target = Store;

        fn deref(&self) -> &Store {
            &self.store
        }
    }

    impl Drop for TestStore {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }

    pub async fn store() -> TestStore {
        let dir = std::env::temp_dir().join(format!(
            "carefront-unit-{}-{}",
            std::process::id(),
            crate::infra::codes::new_code()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("portal.db").display().to_string();
        TestStore {
            store: Store::open(&file, 4).await.unwrap(),
            dir,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A SQLite file of its own for one test, removed at the end.
    struct Scratch(std::path::PathBuf);

    impl Scratch {
        fn new(name: &str) -> Self {
            let dir =
                std::env::temp_dir().join(format!("carefront-store-{name}-{}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            Self(dir)
        }

        fn file(&self) -> String {
            self.0.join("portal.db").display().to_string()
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// A store brought to `version`, with `(id, json)` resources of `kind` stored in that schema.
    async fn at_version(file: &str, version: i64, kind: &str, rows: &[(&str, &str)]) -> Store {
        let store = Store::connect(file, 1).await.unwrap();
        store.migrate(Some(version)).await.unwrap();
        let mut conn = store.conn().await.unwrap();
        for (id, json) in rows {
            sqlx::query(
                "INSERT INTO resources (type, id, patient_id, json) VALUES ($1, $2, 'p', $3)",
            )
            .bind(kind)
            .bind(*id)
            .bind(*json)
            .execute(&mut *conn)
            .await
            .unwrap();
        }
        store
    }

    async fn column(store: &Store, name: &str, id: &str) -> Option<String> {
        let sql = format!("SELECT {name} FROM resources WHERE id = $1");
        sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_one(&mut *store.conn().await.unwrap())
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn labels_already_stored_are_indexed_when_the_schema_moves_on() {
        let scratch = Scratch::new("labels");
        let labelled = r#"{"meta": {"security": [{"code": "PSY"}, {"system": "x", "code": "R"}]}}"#;
        let store = at_version(
            &scratch.file(),
            2,
            "Condition",
            &[("c", labelled), ("d", "{}")],
        )
        .await;
        store.migrate(None).await.unwrap();
        assert_eq!(column(&store, "security", "c").await.unwrap(), " PSY R ");
        assert!(
            column(&store, "security", "d")
                .await
                .unwrap()
                .trim()
                .is_empty()
        );
    }

    #[tokio::test]
    async fn visits_already_stored_are_indexed_when_the_schema_moves_on() {
        let scratch = Scratch::new("visits");
        let rows = [
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
        ];
        let store = at_version(&scratch.file(), 5, "Observation", &rows).await;
        store.migrate(None).await.unwrap();
        assert_eq!(
            column(&store, "encounter", "o").await.as_deref(),
            Some("e1")
        );
        assert_eq!(
            column(&store, "encounter", "d").await.as_deref(),
            Some("e2")
        );
        // What the importer would not index as a visit is not one here either.
        for (id, json) in &rows[2..] {
            assert_eq!(column(&store, "encounter", id).await, None, "{id}");
            let mut resource: serde_json::Value = serde_json::from_str(json).unwrap();
            resource["resourceType"] = "Observation".into();
            resource["id"] = (*id).into();
            assert_eq!(
                crate::records::index(&resource).unwrap().encounter,
                None,
                "{id}"
            );
        }
    }

    #[tokio::test]
    async fn a_file_numbered_by_the_old_migrations_is_not_migrated_twice() {
        let scratch = Scratch::new("adopt");
        let old = Store::connect(&scratch.file(), 1).await.unwrap();
        let mut conn = old.conn().await.unwrap();
        for (_, sql) in &MIGRATIONS.sqlite[..5] {
            conn.execute(*sql).await.unwrap();
        }
        conn.execute("PRAGMA user_version = 5").await.unwrap();
        drop(conn);
        drop(old);
        let store = Store::open(&scratch.file(), 1).await.unwrap();
        let mut conn = store.conn().await.unwrap();
        let (applied,): (i64,) = sqlx::query_as("SELECT count(*) FROM _sqlx_migrations")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        assert_eq!(applied as usize, MIGRATIONS.sqlite.len());
        // The later steps ran: their tables are there.
        sqlx::query("SELECT told_at FROM emergency_told")
            .fetch_all(&mut *conn)
            .await
            .unwrap();
    }
}
