//! The organisations whose systems may read records, and each system's registered public keys.
//! The care team's operator registers them (`carefront-portal professional register`); nothing
//! registers itself.

use rusqlite::{Connection, OptionalExtension, params};

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
}

/// An organisation's short id: what objections and the audit trail name it by.
pub fn is_valid_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Adds the organisation, or renames it.
pub fn put_organisation(conn: &Connection, org: &Organisation, now: i64) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO organisations (id, name, added_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name",
        params![org.id, org.name, now],
    )?;
    Ok(())
}

pub fn organisations(conn: &Connection) -> rusqlite::Result<Vec<Organisation>> {
    let mut stmt = conn.prepare("SELECT id, name FROM organisations ORDER BY name, id")?;
    stmt.query_map([], |r| {
        Ok(Organisation {
            id: r.get(0)?,
            name: r.get(1)?,
        })
    })?
    .collect()
}

pub fn organisation(conn: &Connection, id: &str) -> rusqlite::Result<Option<Organisation>> {
    conn.query_row(
        "SELECT id, name FROM organisations WHERE id = ?1",
        [id],
        |r| {
            Ok(Organisation {
                id: r.get(0)?,
                name: r.get(1)?,
            })
        },
    )
    .optional()
}

/// Registers a client (or replaces its keys, bringing it back if removed).
pub fn register(
    conn: &Connection,
    client_id: &str,
    organisation_id: &str,
    jwks: &str,
    now: i64,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO professional_clients (client_id, organisation_id, jwks, added_at)
         VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (client_id) DO UPDATE SET organisation_id = excluded.organisation_id,
             jwks = excluded.jwks, removed_at = NULL",
        params![client_id, organisation_id, jwks, now],
    )?;
    Ok(())
}

/// Removes a client: its keys no longer get tokens, and its tokens stop working at once.
pub fn remove(conn: &Connection, client_id: &str, now: i64) -> rusqlite::Result<bool> {
    let changed = conn.execute(
        "UPDATE professional_clients SET removed_at = ?2 WHERE client_id = ?1 AND removed_at IS NULL",
        params![client_id, now],
    )?;
    conn.execute(
        "DELETE FROM professional_tokens WHERE client_id = ?1",
        [client_id],
    )?;
    Ok(changed > 0)
}

pub fn client(conn: &Connection, client_id: &str) -> rusqlite::Result<Option<Registered>> {
    conn.query_row(
        "SELECT c.client_id, o.id, o.name, c.jwks, c.removed_at IS NOT NULL
         FROM professional_clients c JOIN organisations o ON o.id = c.organisation_id
         WHERE c.client_id = ?1",
        [client_id],
        registered,
    )
    .optional()
}

pub fn clients(conn: &Connection) -> rusqlite::Result<Vec<Registered>> {
    let mut stmt = conn.prepare(
        "SELECT c.client_id, o.id, o.name, c.jwks, c.removed_at IS NOT NULL
         FROM professional_clients c JOIN organisations o ON o.id = c.organisation_id
         ORDER BY o.name, c.client_id",
    )?;
    stmt.query_map([], registered)?.collect()
}

fn registered(r: &rusqlite::Row) -> rusqlite::Result<Registered> {
    Ok(Registered {
        client_id: r.get(0)?,
        organisation: Organisation {
            id: r.get(1)?,
            name: r.get(2)?,
        },
        jwks: r.get(3)?,
        removed: r.get(4)?,
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
