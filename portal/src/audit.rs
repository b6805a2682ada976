//! One row for every sign-in event and every record read: who, whose record, what, when.

use crate::db::Db;
use crate::time;
use rusqlite::params;

pub fn record(
    db: &Db,
    user_id: Option<i64>,
    patient_id: Option<&str>,
    action: &str,
    detail: &str,
) -> rusqlite::Result<()> {
    db.lock().execute(
        "INSERT INTO audit (at, user_id, patient_id, action, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![time::now(), user_id, patient_id, action, detail],
    )?;
    Ok(())
}
