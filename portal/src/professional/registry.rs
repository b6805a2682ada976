//! The organisations whose systems may read records, and each system's registered public keys.
//! The care team's operator registers them (`carefront-portal professional register`); nothing
//! registers itself.

use crate::infra::store::Conn;
use sqlx::Row;

#[derive(Clone, Debug, PartialEq)]
pub struct Organisation {
    pub id: String,
    pub name: String,
}

/// A registered system, with the organisation it reads for and its JWK Set.
#[derive(Clone, Debug)]
pub struct Registered {
    pub client_id: String,
    pub organisation: Organisation,
    pub jwks: String,
    pub removed: bool,
    /// The hospital's own system that answers patients' messages.
    pub messages: bool,
}

/// An organisation's short id: what objections and the audit trail name it by.
pub fn is_valid_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Adds the organisation, or renames it.
pub async fn put_organisation(conn: &mut Conn, org: &Organisation, now: i64) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO organisations (id, name, added_at) VALUES ($1, $2, $3)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name",
    )
    .bind(&org.id)
    .bind(&org.name)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn organisations(conn: &mut Conn) -> sqlx::Result<Vec<Organisation>> {
    let stmt = sqlx::query("SELECT id, name FROM organisations ORDER BY name, id");
    stmt.try_map(|r: sqlx::any::AnyRow| {
        Ok(Organisation {
            id: r.try_get(0)?,
            name: r.try_get(1)?,
        })
    })
    .fetch_all(conn)
    .await
}

pub async fn organisation(conn: &mut Conn, id: &str) -> sqlx::Result<Option<Organisation>> {
    sqlx::query("SELECT id, name FROM organisations WHERE id = $1")
        .bind(id)
        .try_map(|r: sqlx::any::AnyRow| {
            Ok(Organisation {
                id: r.try_get(0)?,
                name: r.try_get(1)?,
            })
        })
        .fetch_optional(&mut *conn)
        .await
}

/// Registers a client (or replaces its keys, bringing it back if removed).
pub async fn register(
    conn: &mut Conn,
    client_id: &str,
    organisation_id: &str,
    jwks: &str,
    messages: bool,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO professional_clients (client_id, organisation_id, jwks, added_at, messages)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (client_id) DO UPDATE SET organisation_id = excluded.organisation_id,
             jwks = excluded.jwks, removed_at = NULL, messages = excluded.messages",
    )
    .bind(client_id)
    .bind(organisation_id)
    .bind(jwks)
    .bind(now)
    .bind(i64::from(messages))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Removes a client: its keys no longer get tokens, and its tokens stop working at once.
pub async fn remove(conn: &mut Conn, client_id: &str, now: i64) -> sqlx::Result<bool> {
    let changed = sqlx::query("UPDATE professional_clients SET removed_at = $2 WHERE client_id = $1 AND removed_at IS NULL")
        .bind(client_id)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM professional_tokens WHERE client_id = $1")
        .bind(client_id)
        .execute(&mut *conn)
        .await?;
    Ok(changed.rows_affected() > 0)
}

pub async fn client(conn: &mut Conn, client_id: &str) -> sqlx::Result<Option<Registered>> {
    sqlx::query(
        "SELECT c.client_id, o.id, o.name, c.jwks, c.removed_at, c.messages
         FROM professional_clients c JOIN organisations o ON o.id = c.organisation_id
         WHERE c.client_id = $1",
    )
    .bind(client_id)
    .try_map(|r: sqlx::any::AnyRow| registered(&r))
    .fetch_optional(&mut *conn)
    .await
}

pub async fn clients(conn: &mut Conn) -> sqlx::Result<Vec<Registered>> {
    let stmt = sqlx::query(
        "SELECT c.client_id, o.id, o.name, c.jwks, c.removed_at, c.messages
         FROM professional_clients c JOIN organisations o ON o.id = c.organisation_id
         ORDER BY o.name, c.client_id",
    );
    stmt.try_map(|r: sqlx::any::AnyRow| registered(&r))
        .fetch_all(conn)
        .await
}

fn registered(r: &sqlx::any::AnyRow) -> sqlx::Result<Registered> {
    Ok(Registered {
        client_id: r.try_get(0)?,
        organisation: Organisation {
            id: r.try_get(1)?,
            name: r.try_get(2)?,
        },
        jwks: r.try_get(3)?,
        removed: r.try_get::<Option<i64>, _>(4)?.is_some(),
        messages: r.try_get::<i64, _>(5)? != 0,
    })
}

#[cfg(test)]
mod tests {
    use super::is_valid_id;

    #[test]
    fn organisation_ids_are_short_lowercase_words() {
        assert!(is_valid_id("northgate-surgery"));
        for bad in ["", "North", "a b", "a/b", &"x".repeat(65)] {
            assert!(!is_valid_id(bad), "{bad:?}");
        }
    }
}
