//! The append-only audit log: who did what to which record, and when.

use super::{Ctx, Result};
use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: String,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub record_type: String,
    pub record_id: Option<String>,
    pub changes: Value,
}

/// Appends one entry inside the caller's transaction.
pub fn record(
    conn: &Connection,
    ctx: &Ctx,
    action: &str,
    record_type: &str,
    record_id: Option<&str>,
    changes: Value,
) -> Result<()> {
    conn.execute(
        "INSERT INTO audit_log (id, at, actor, action, record_type, record_id, changes)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            crate::domain::new_id(),
            ctx.now,
            ctx.actor,
            action,
            record_type,
            record_id,
            changes.to_string()
        ],
    )?;
    Ok(())
}

/// Records a new record, whole.
pub fn created<T: Serialize>(
    conn: &Connection,
    ctx: &Ctx,
    record_type: &str,
    id: &str,
    new: &T,
) -> Result<()> {
    record(conn, ctx, "create", record_type, Some(id), snapshot(new))
}

/// Records a change to a record (`action`: update, done, close …): the fields that differ.
pub fn changed<T: Serialize>(
    conn: &Connection,
    ctx: &Ctx,
    action: &str,
    record_type: &str,
    id: &str,
    (old, new): (&T, &T),
) -> Result<()> {
    record(conn, ctx, action, record_type, Some(id), diff(old, new))
}

/// The fields that differ between two versions of a record, as `{field: [old, new]}`.
/// Bookkeeping fields (version, timestamps) are left out.
pub fn diff<T: Serialize>(old: &T, new: &T) -> Value {
    let (Ok(Value::Object(a)), Ok(Value::Object(b))) =
        (serde_json::to_value(old), serde_json::to_value(new))
    else {
        return json!({});
    };
    let mut out = Map::new();
    for (k, v) in &b {
        if matches!(k.as_str(), "version" | "updated_at" | "created_at") {
            continue;
        }
        let before = a.get(k).cloned().unwrap_or(Value::Null);
        if &before != v {
            out.insert(k.clone(), json!([before, v]));
        }
    }
    Value::Object(out)
}

/// The whole record, for a creation entry.
pub fn snapshot<T: Serialize>(record: &T) -> Value {
    serde_json::to_value(record).unwrap_or(Value::Null)
}

pub fn for_record(
    conn: &Connection,
    record_type: &str,
    record_id: &str,
) -> Result<Vec<AuditEntry>> {
    let mut stmt = conn.prepare(
        "SELECT id, at, actor, action, record_type, record_id, changes FROM audit_log
         WHERE record_type = ?1 AND record_id = ?2 ORDER BY at, rowid",
    )?;
    let rows = stmt.query_map(params![record_type, record_id], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Every entry in the order they were written (the order `all` and the export give).
pub(crate) const ALL_SQL: &str = "SELECT id, at, actor, action, record_type, record_id, changes FROM audit_log ORDER BY at, rowid";

pub fn all(conn: &Connection) -> Result<Vec<AuditEntry>> {
    let mut stmt = conn.prepare(ALL_SQL)?;
    let rows = stmt.query_map([], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub(crate) fn from_row(r: &rusqlite::Row) -> rusqlite::Result<AuditEntry> {
    let changes: String = r.get("changes")?;
    Ok(AuditEntry {
        id: r.get("id")?,
        at: r.get("at")?,
        actor: r.get("actor")?,
        action: r.get("action")?,
        record_type: r.get("record_type")?,
        record_id: r.get("record_id")?,
        changes: serde_json::from_str(&changes).unwrap_or(Value::String(changes)),
    })
}
