//! What can go wrong with the database, in words a person can act on. The store names each
//! message by a locale key with its values (`message`); the CLI and the TUI translate it.
//! The `Display` text is the English one, kept equal to `en.toml` by a test.

use crate::i18n::Message;
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
#[derive(Debug, Clone, thiserror::Error)]
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
        "{path}: this file is not a MarketDesk database or is damaged ({damage}). Nothing was changed. \
         Restore it from a backup (`marketdesk backup` makes them), or choose another file with --db."
    )]
    Damaged { path: PathBuf, damage: Damage },
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
    #[error(
        "{path}: cannot open the database: {detail}. Nothing was changed. Check that you may read \
         and write the file and its folder, or choose another file with --db."
    )]
    Cannot { path: PathBuf, detail: String },
}

/// What is wrong with a file that is refused as damaged.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Damage {
    #[error("it does not start with the SQLite header")]
    NoHeader,
    #[error("it is shorter than an SQLite header")]
    ShortHeader,
    #[error("its page size is not one SQLite writes")]
    PageSize,
    #[error("it is truncated: its length is not a whole number of pages")]
    Truncated,
    #[error("it holds tables of another program")]
    ForeignTables,
    #[error("its schema version {0} is not one MarketDesk writes")]
    Version(i64),
    /// SQLite's own words.
    #[error("{0}")]
    Sqlite(String),
}

impl Damage {
    pub fn message(&self) -> Message {
        match self {
            Damage::NoHeader => Message::new("storage.damage_no_header"),
            Damage::ShortHeader => Message::new("storage.damage_short_header"),
            Damage::PageSize => Message::new("storage.damage_page_size"),
            Damage::Truncated => Message::new("storage.damage_truncated"),
            Damage::ForeignTables => Message::new("storage.damage_foreign_tables"),
            Damage::Version(v) => Message::new("storage.damage_version").with("version", v),
            Damage::Sqlite(detail) => Message::new("storage.damage_sqlite").with("detail", detail),
        }
    }
}

impl Refusal {
    /// The locale key and values of this refusal: what is wrong, that nothing was changed,
    /// and what to do.
    pub fn message(&self) -> Message {
        match self {
            Refusal::NewerVersion { path, found, known } => Message::new("storage.newer_version")
                .with("path", path.display())
                .with("found", found)
                .with("known", known),
            Refusal::Damaged { path, damage } => Message::new("storage.damaged")
                .with("path", path.display())
                .with_message("detail", damage.message()),
            Refusal::Locked { path } => Message::new("storage.locked").with("path", path.display()),
            Refusal::NetworkFilesystem { path, fs } => Message::new("storage.network_filesystem")
                .with("path", path.display())
                .with("fs", fs),
            Refusal::FolderNotWritable { path, dir, detail } => {
                Message::new("storage.folder_not_writable")
                    .with("path", path.display())
                    .with("dir", dir.display())
                    .with("detail", detail)
            }
            Refusal::Cannot { path, detail } => Message::new("storage.cannot")
                .with("path", path.display())
                .with("detail", detail),
        }
    }
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

    /// The locale key and values of this error as a command-line message: what is wrong
    /// and what to do.
    pub fn message(&self) -> Message {
        match self {
            StoreError::Stale { record } => {
                Message::new("storage.stale").with_message("record", record_name(record))
            }
            StoreError::NotFound { record } => {
                Message::new("storage.not_found").with_message("record", record_name(record))
            }
            StoreError::Refused(r) => r.message(),
            StoreError::Duplicate { field } => {
                Message::new("storage.duplicate").with_message("field", field_name(field))
            }
            StoreError::Invalid(errs) => Message::new("storage.invalid").with(
                "fields",
                errs.iter().map(|e| e.field).collect::<Vec<_>>().join(", "),
            ),
            StoreError::Sqlite(e) if is_busy(e) => Message::new("storage.busy"),
            StoreError::Sqlite(e) => Message::new("storage.sqlite").with("detail", e),
            StoreError::Json(e) => Message::new("storage.json").with("detail", e),
            StoreError::Rejected(problems) => {
                Message::new("storage.rejected").with("count", problems.len())
            }
        }
    }
}

/// A record type's name in messages.
fn record_name(record: &str) -> Message {
    match record {
        "customer" => Message::new("storage.record_customer"),
        "employee" => Message::new("storage.record_employee"),
        "follow_up" => Message::new("storage.record_follow_up"),
        other => Message::new("storage.record_other").with("name", other),
    }
}

/// A unique field's name in messages.
fn field_name(field: &str) -> Message {
    match field {
        "code" => Message::new("field.code"),
        "login" => Message::new("field.login"),
        other => Message::new("storage.record_other").with("name", other),
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
