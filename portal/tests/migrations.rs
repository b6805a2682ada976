//! The two databases' migrations kept in step: after each database has run its own numbered files,
//! both have the same tables, columns (type and whether they may be empty) and named indexes, and
//! both keep the audit trail append-only.

mod common;

use carefront_portal::infra::store::{Dialect, Store};
use std::collections::BTreeSet;

/// (table, column, type, may be empty)
type Columns = BTreeSet<(String, String, String, bool)>;

async fn columns(store: &Store) -> Columns {
    let mut conn = store.conn().await.unwrap();
    let sql = match store.dialect() {
        // A primary key column is never empty in use, though SQLite does not say NOT NULL for it.
        Dialect::Sqlite => {
            "SELECT m.name, p.name, lower(p.type), CASE WHEN p.\"notnull\" = 1 OR p.pk > 0 THEN 0 ELSE 1 END
             FROM sqlite_master m, pragma_table_info(m.name) p
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name != '_sqlx_migrations'"
        }
        Dialect::Postgres => {
            "SELECT table_name::text, column_name::text, data_type::text,
                    CASE WHEN is_nullable = 'YES' THEN 1 ELSE 0 END
             FROM information_schema.columns
             WHERE table_schema = 'public' AND table_name != '_sqlx_migrations'"
        }
    };
    let rows: Vec<(String, String, String, i32)> =
        sqlx::query_as(sql).fetch_all(&mut *conn).await.unwrap();
    rows.into_iter()
        .map(|(table, column, kind, nullable)| {
            let kind = match kind.as_str() {
                "integer" | "bigint" => "integer",
                "text" => "text",
                // Files on messages.
                "blob" | "bytea" => "bytes",
                other => panic!(
                    "{table}.{column} is {other}: the store reads only integers, text and bytes"
                ),
            };
            (table, column, kind.to_owned(), nullable == 1)
        })
        .collect()
}

/// Indexes the migrations name (not those a primary key or UNIQUE makes by itself).
async fn indexes(store: &Store) -> BTreeSet<String> {
    let mut conn = store.conn().await.unwrap();
    let sql = match store.dialect() {
        Dialect::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        }
        Dialect::Postgres => {
            "SELECT indexname::text FROM pg_indexes WHERE schemaname = 'public'
             AND indexname NOT LIKE '%\\_pkey' AND indexname NOT LIKE '%\\_key'"
        }
    };
    let rows: Vec<(String,)> = sqlx::query_as(sql).fetch_all(&mut *conn).await.unwrap();
    rows.into_iter().map(|(name,)| name).collect()
}

async fn audit_is_append_only(store: &Store) {
    let mut conn = store.conn().await.unwrap();
    sqlx::query("INSERT INTO audit (at, action, detail) VALUES (1, 'read', 'x')")
        .execute(&mut *conn)
        .await
        .unwrap();
    for change in ["UPDATE audit SET detail = 'y'", "DELETE FROM audit"] {
        let refused = sqlx::query(change).execute(&mut *conn).await.unwrap_err();
        assert!(
            refused.to_string().contains("append-only"),
            "{:?}: {change}: {refused}",
            store.dialect()
        );
    }
}

#[tokio::test]
async fn both_databases_end_with_the_same_schema() {
    let folder = common::Folder::new("migrations");
    let dir = &folder.0;
    let sqlite = Store::open(&dir.join("portal.db").display().to_string(), 1)
        .await
        .unwrap();
    let postgres = Store::open(&common::postgres::database().await, 2)
        .await
        .unwrap();
    // Opening again finds nothing left to do.
    Store::open(&dir.join("portal.db").display().to_string(), 1)
        .await
        .unwrap();

    let (lite, pg) = (columns(&sqlite).await, columns(&postgres).await);
    assert!(lite.len() > 100, "{lite:?}");
    assert_eq!(
        lite.difference(&pg).collect::<Vec<_>>(),
        pg.difference(&lite).collect::<Vec<_>>(),
        "columns only in SQLite (left) and only in PostgreSQL (right)"
    );
    assert_eq!(indexes(&sqlite).await, indexes(&postgres).await);
    audit_is_append_only(&sqlite).await;
    audit_is_append_only(&postgres).await;
}

#[tokio::test]
async fn a_postgresql_database_not_yet_made_is_made_and_migrated() {
    let url = common::postgres::cluster().url(&common::postgres::unmade());
    let store = Store::open(&url, 1).await.unwrap();
    assert!(columns(&store).await.len() > 100);
    // Started again, it finds the database and the schema as they are.
    Store::open(&url, 1).await.unwrap();
}

#[tokio::test]
async fn portals_starting_together_make_migrate_and_seed_one_database_once() {
    use carefront_portal::demo;
    use carefront_portal::infra::sealed::SecretsKey;
    use carefront_portal::records::Records;
    let url = common::postgres::cluster().url(&common::postgres::unmade());
    let key = SecretsKey::generate();
    let start = || async {
        let store = Store::open(&url, 2).await.unwrap();
        demo::ensure_terms(&store).await.unwrap();
        demo::seed_if_empty(&store, &Records::Local, &key)
            .await
            .unwrap()
    };
    let seeded = tokio::join!(start(), start());
    assert_eq!(
        [seeded.0, seeded.1].iter().filter(|s| **s).count(),
        1,
        "{seeded:?}"
    );
    let store = Store::open(&url, 1).await.unwrap();
    let mut conn = store.conn().await.unwrap();
    let terms: i64 = sqlx::query_scalar("SELECT count(*) FROM terms")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_eq!(terms, 2, "the patient and proxy terms, once each");
}
