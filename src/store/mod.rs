//! SQLite: opening a file safely, the pragmas every connection needs, migrations, and one
//! file per area of records. The only place with SQL.

pub mod audit;
pub mod bulk;
pub mod customer;
pub mod draft;
pub mod employee;
mod error;
pub mod exchange;
pub mod follow_up;
mod open;
pub mod schema;
pub mod segment;

pub(crate) use error::is_busy;
pub use error::{Damage, Refusal, Result, StoreError};

use rusqlite::{Connection, Transaction, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long a write waits for another process's write to finish before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// How long opening a file waits for a lock before refusing it as locked.
const OPEN_BUSY_TIMEOUT: Duration = Duration::from_secs(2);

/// One open database, acting as one person (whose login the audit log records).
pub struct Store {
    conn: Connection,
    actor: String,
    path: Option<PathBuf>,
}

/// What every write knows: who, and the one timestamp of this transaction.
pub struct Ctx<'a> {
    pub actor: &'a str,
    pub now: String,
}

impl Store {
    /// Opens (creating and migrating if need be) the database at `path`, or refuses it with
    /// a `Refusal` that says what is wrong and what to do. A refused file is never written.
    pub fn open(path: &Path, actor: &str) -> Result<Store> {
        let conn = open::open_checked(path)?;
        Ok(Store {
            conn,
            actor: actor.to_string(),
            path: Some(path.to_path_buf()),
        })
    }

    /// A private in-memory database, migrated: for tests and dry runs.
    pub fn open_in_memory(actor: &str) -> Result<Store> {
        let mut conn = Connection::open_in_memory()?;
        open::configure(&mut conn)?;
        schema::upgrade(&mut conn).map_err(|e| {
            StoreError::Refused(Refusal::Cannot {
                path: ":memory:".into(),
                detail: e.to_string(),
            })
        })?;
        Ok(Store {
            conn,
            actor: actor.to_string(),
            path: None,
        })
    }

    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    pub fn actor(&self) -> &str {
        &self.actor
    }

    pub fn set_actor(&mut self, login: &str) {
        self.actor = login.to_string();
    }

    /// For reads. Writes go through `write`.
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Runs `f` in one IMMEDIATE transaction and commits when it returns Ok. IMMEDIATE takes
    /// the write lock up front, so the busy timeout covers it; a deferred transaction that
    /// turns into a write in WAL mode fails at once with a busy-snapshot error instead.
    pub fn write<T>(&mut self, f: impl FnOnce(&Transaction, &Ctx) -> Result<T>) -> Result<T> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let ctx = Ctx {
            actor: &self.actor,
            now: now(),
        };
        let out = f(&tx, &ctx)?;
        tx.commit()?;
        Ok(out)
    }

    /// Changes whenever another connection commits; polled to refresh open screens.
    pub fn data_version(&self) -> i64 {
        self.conn
            .query_row("PRAGMA data_version", [], |r| r.get(0))
            .unwrap_or(0)
    }

    /// Copies the database to `dest` through SQLite's online backup, safe while others write.
    pub fn backup_to(&self, dest: &Path) -> Result<()> {
        let mut out = Connection::open(dest)?;
        let backup = rusqlite::backup::Backup::new(&self.conn, &mut out)?;
        backup.run_to_completion(256, Duration::from_millis(10), None)?;
        Ok(())
    }

    /// `PRAGMA integrity_check` and the schema version; the problems found, empty when sound.
    pub fn check(&self) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare("PRAGMA integrity_check")?;
        let mut problems: Vec<String> = stmt
            .query_map([], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<_>>()?;
        problems.retain(|p| p != "ok");
        let mut fk = self.conn.prepare("PRAGMA foreign_key_check")?;
        let fks: Vec<String> = fk
            .query_map([], |r| {
                Ok(format!(
                    "foreign key: {} row {} → {}",
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, String>(2)?
                ))
            })?
            .collect::<rusqlite::Result<_>>()?;
        problems.extend(fks);
        let version = self.schema_version()?;
        if version != schema::LATEST {
            problems.push(format!(
                "schema version {version}, expected {}",
                schema::LATEST
            ));
        }
        Ok(problems)
    }

    pub fn schema_version(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))?)
    }
}

/// Now, as stored: RFC 3339 UTC to the millisecond.
pub fn now() -> String {
    chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

/// Reads an optional `YYYY-MM-DD` column.
pub(crate) fn opt_date(s: Option<String>) -> Option<chrono::NaiveDate> {
    s.and_then(|s| chrono::NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok())
}

/// Reads a `YYYY-MM-DD` column, failing the row when it is malformed.
pub(crate) fn date_col(row: &rusqlite::Row, col: &str) -> rusqlite::Result<chrono::NaiveDate> {
    let s: String = row.get(col)?;
    chrono::NaiveDate::parse_from_str(&s, "%Y-%m-%d").map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })
}

/// Reads a code column into its enum.
pub(crate) fn code_col<T: crate::domain::Code>(
    row: &rusqlite::Row,
    col: &str,
) -> rusqlite::Result<T> {
    let s: String = row.get(col)?;
    T::from_code(&s).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            0,
            rusqlite::types::Type::Text,
            format!("unknown code {s:?} in {col}").into(),
        )
    })
}
