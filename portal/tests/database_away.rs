//! A database that cannot take a write for now (read-only, full) is answered as one that has gone
//! away: a 503 in words that says trying again is safe, never a crash or a bare 500. The errors
//! here are the databases' own, not made up: a connection set read-only, a SQLite file held to
//! its size.

mod common;

use axum::http::StatusCode;
use axum::response::IntoResponse;
use carefront_portal::infra::error::ApiError;
use carefront_portal::infra::store::Dialect;
use sqlx::pool::PoolConnection;
use sqlx::{Any, Executor};

async fn a_write(conn: &mut PoolConnection<Any>) -> sqlx::Error {
    sqlx::query("INSERT INTO round_leases (name, holder, until) VALUES ($1, $2, 0)")
        .bind("a test's write")
        .bind("x".repeat(64 * 1024))
        .execute(&mut **conn)
        .await
        .expect_err("the database took the write")
}

async fn said_plainly(e: sqlx::Error) {
    let refusal = ApiError::from(e);
    assert!(
        matches!(refusal, ApiError::DatabaseUnavailable),
        "{refusal:?}"
    );
    let res = refusal.into_response();
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(res.headers().contains_key("retry-after"));
    let body = axum::body::to_bytes(res.into_body(), 1 << 16)
        .await
        .unwrap();
    let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["reason"], "database-unavailable");
}

#[tokio::test]
async fn a_read_only_database_is_a_retryable_refusal_in_words() {
    let p = common::portal().await;
    // Taken out of the pool, so the portal never gets this connection back.
    let mut conn = p.state.store.conn().await.unwrap();
    let read_only = match p.state.store.dialect() {
        Dialect::Sqlite => "PRAGMA query_only = 1",
        Dialect::Postgres => "SET default_transaction_read_only = on",
    };
    conn.execute(read_only).await.unwrap();
    said_plainly(a_write(&mut conn).await).await;
    conn.detach();
}

#[tokio::test]
async fn a_full_sqlite_file_is_a_retryable_refusal_in_words() {
    let p = common::portal().await;
    if p.state.store.dialect() != Dialect::Sqlite {
        return;
    }
    let mut conn = p.state.store.conn().await.unwrap();
    let (pages,): (i64,) = sqlx::query_as("PRAGMA page_count")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    conn.execute(sqlx::AssertSqlSafe(format!(
        "PRAGMA max_page_count = {pages}"
    )))
    .await
    .unwrap();
    said_plainly(a_write(&mut conn).await).await;
    conn.detach();
}
