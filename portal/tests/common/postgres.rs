//! The one throwaway PostgreSQL cluster of this test process (the `throwaway-postgres` crate),
//! started on first use and gone when the process ends, and a fresh database on it per test.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use throwaway_postgres::Cluster;

pub fn cluster() -> &'static Cluster {
    static CLUSTER: OnceLock<Cluster> = OnceLock::new();
    CLUSTER.get_or_init(|| Cluster::start().unwrap_or_else(|e| panic!("PostgreSQL: {e}")))
}

/// A new empty database on the cluster, for one test.
pub async fn database() -> String {
    use sqlx::Connection;
    let name = unmade();
    let mut admin = sqlx::PgConnection::connect(&cluster().url("postgres"))
        .await
        .unwrap_or_else(|e| panic!("PostgreSQL takes no connections: {e}"));
    sqlx::Executor::execute(
        &mut admin,
        sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")),
    )
    .await
    .unwrap_or_else(|e| panic!("cannot create a database: {e}"));
    cluster().url(&name)
}

/// The name of a database not made yet.
pub fn unmade() -> String {
    static MADE: AtomicU32 = AtomicU32::new(0);
    format!("t{}", MADE.fetch_add(1, Ordering::Relaxed))
}
