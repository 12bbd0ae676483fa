//! The numbered migrations in `migrations/`, applied in order; the schema version is
//! SQLite's `user_version`.

use rusqlite::{Connection, TransactionBehavior};
use rusqlite_migration::{M, Migrations};

/// The SQL of each step, in order: step n takes the schema from version n-1 to n.
const STEPS: &[&str] = &[include_str!("../../migrations/001_foundation.sql")];

/// The steps as rusqlite_migration sees them: for `validate()` and for building a database
/// at an older version in tests. Opening a file upgrades it through `upgrade`.
pub fn migrations() -> Migrations<'static> {
    Migrations::new(STEPS.iter().map(|sql| M::up(sql)).collect())
}

/// `PRAGMA application_id` of a MarketDesk database ("MKDK"), set by the first migration.
pub const APPLICATION_ID: i64 = 0x4D4B_444B;

/// The schema version this program writes.
pub const LATEST: i64 = STEPS.len() as i64;

/// Brings the schema to `LATEST` in one IMMEDIATE transaction and returns the version found.
///
/// The version is read after the write lock is held, not before as `Migrations::to_latest`
/// does: two programs opening a new file at once would otherwise both see version 0, and the
/// second would re-run step 1 over the first's tables and fail (or, for a step that changes
/// data, apply it twice). A version outside `0..LATEST` is returned untouched for the caller
/// to refuse.
pub(crate) fn upgrade(conn: &mut Connection) -> rusqlite::Result<i64> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let found: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let Some(pending) = usize::try_from(found).ok().and_then(|v| STEPS.get(v..)) else {
        return Ok(found);
    };
    if pending.is_empty() {
        return Ok(found);
    }
    for sql in pending {
        tx.execute_batch(sql)?;
    }
    tx.pragma_update(None, "user_version", LATEST)?;
    tx.commit()?;
    Ok(found)
}

#[cfg(test)]
mod tests {
    #[test]
    fn migrations_validate() {
        super::migrations().validate().unwrap();
    }

    #[test]
    fn a_new_database_is_marked_as_ours() {
        let store = crate::store::Store::open_in_memory("t").unwrap();
        let id: i64 = store
            .conn()
            .query_row("PRAGMA application_id", [], |r| r.get(0))
            .unwrap();
        assert_eq!(id, super::APPLICATION_ID);
    }
}
