//! What can go wrong with the database, in words a person can act on.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Someone else saved this record after it was opened here.
    #[error("this {record} was changed by someone else since you opened it")]
    Stale { record: &'static str },
    #[error("the {record} no longer exists")]
    NotFound { record: &'static str },
    #[error("{0}")]
    Refused(#[from] Refusal),
    #[error("another record already has this {field}")]
    Duplicate { field: &'static str },
    #[error("invalid input in: {}", .0.iter().map(|e| e.field).collect::<Vec<_>>().join(", "))]
    Invalid(crate::domain::Invalid),
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("stored data is not valid: {0}")]
    Json(#[from] serde_json::Error),
    /// An import refused whole: every problem found, each with where it is.
    #[error("the input was refused: {} problem(s), nothing was written", .0.len())]
    Rejected(Vec<super::exchange::Problem>),
}

/// Why a database file is not opened. Nothing is written to a refused file.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    #[error(
        "{path}: this database was written by a newer MarketDesk (schema {found}, this program knows up to {known}). \
         Nothing was changed. Install the newer MarketDesk to open it."
    )]
    NewerVersion {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    #[error(
        "{path}: this file is not a MarketDesk database or is damaged ({detail}). Nothing was changed. \
         Restore it from a backup (`marketdesk backup` makes them), or choose another file with --db."
    )]
    Damaged { path: PathBuf, detail: String },
    #[error(
        "{path}: the database is locked by another program that holds it for writing. Nothing was changed. \
         Close that program (or wait for it to finish) and try again."
    )]
    Locked { path: PathBuf },
    #[error(
        "{path}: the folder is on a network filesystem ({fs}). SQLite's write-ahead log needs every program \
         using the file to run on one computer. Nothing was changed. Copy the database to a local disk and \
         open it there, or run MarketDesk on the server over SSH."
    )]
    NetworkFilesystem { path: PathBuf, fs: String },
    #[error(
        "{path}: MarketDesk cannot create files in {dir} (it needs to write its journal files `-wal` and `-shm` \
         beside the database): {detail}. Nothing was changed. Fix the folder's permissions, or copy the \
         database to a folder you can write."
    )]
    FolderNotWritable {
        path: PathBuf,
        dir: PathBuf,
        detail: String,
    },
    #[error("{path}: cannot open the database: {detail}")]
    Cannot { path: PathBuf, detail: String },
}

pub type Result<T> = std::result::Result<T, StoreError>;

impl StoreError {
    /// The locale key for a message on screen, for the errors a user meets in normal work.
    pub fn message_key(&self) -> &'static str {
        match self {
            StoreError::Stale { .. } => "error.stale",
            StoreError::NotFound { .. } => "error.not_found",
            StoreError::Duplicate { .. } => "error.duplicate",
            StoreError::Sqlite(e) if is_busy(e) => "error.busy",
            _ => "error.database",
        }
    }
}

pub(crate) fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

/// Maps a UNIQUE constraint failure to the field it names.
pub(crate) fn unique_violation(e: rusqlite::Error, field: &'static str) -> StoreError {
    if let rusqlite::Error::SqliteFailure(f, _) = &e
        && (f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
            || f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY)
    {
        return StoreError::Duplicate { field };
    }
    StoreError::Sqlite(e)
}
