//! The command line: global options, and one file per subcommand. Subcommands work without
//! a terminal; errors go to stderr with a non-zero exit and say what to do.

mod backup;
mod check;
mod customers;
mod demo;
mod errors;
mod export;
mod import;

pub use errors::error_text;

use crate::config::{self, Config};
use crate::i18n::Lang;
use crate::store::Store;
use anyhow::{Result, anyhow, bail};
use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "marketdesk",
    version,
    about = "The Market Management Department's desk: customers, follow-up visits and more, in one terminal"
)]
pub struct Cli {
    /// The database file [default: the platform data directory]
    #[arg(long, global = true, env = "MARKETDESK_DB", value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Act as this roster login [default: the config file's `user`, then the OS login]
    #[arg(long, global = true, value_name = "LOGIN")]
    pub user: Option<String>,
    /// Language: en, zh-Hant or zh-Hans [default: the config file, then LANG/LC_ALL]
    #[arg(long, global = true, value_name = "LANG")]
    pub lang: Option<String>,
    /// Open the TUI at this screen: today, customers, follow-ups, people
    #[arg(long, value_name = "NAME")]
    pub screen: Option<String>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Copy the database to FILE through SQLite's online backup (safe while others work)
    Backup { file: PathBuf },
    /// Check the database's integrity and schema version; non-zero exit when anything is wrong
    Check,
    /// Write every record as one JSON document, to stdout or to --out FILE
    Export {
        /// The file to write [default: stdout]
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Merge an export document into the database (--db may name a new file); all or nothing
    Import { file: PathBuf },
    /// Customer lists as CSV
    Customers {
        #[command(subcommand)]
        command: customers::CustomersCommand,
    },
    /// Fill an empty database with a sample department (8 staff, 200 customers, their visits);
    /// with --customers/--visits, the scale data set instead (50 staff, ten years of visits)
    Demo {
        /// Build the scale data set with this many customers (SPEC §7: 100000) [default: visits / 10]
        #[arg(long, value_name = "N")]
        customers: Option<usize>,
        /// Build the scale data set with this many follow-up visits (SPEC §7: 1000000) [default: customers × 10]
        #[arg(long, value_name = "M")]
        visits: Option<usize>,
    },
}

/// What every subcommand and the TUI start from: settings resolved from flags, config, environment.
pub struct Settings {
    pub config: Config,
    pub db_path: PathBuf,
    pub lang: Lang,
    /// The login given by --user or the config file, if any.
    pub user: Option<String>,
}

impl Cli {
    /// The language of a message when the settings could not be resolved: --lang if it
    /// names one, else LANG/LC_ALL, else English.
    pub fn fallback_lang(&self) -> Lang {
        self.lang
            .as_deref()
            .and_then(Lang::parse)
            .or_else(Lang::from_env)
            .unwrap_or_default()
    }

    pub fn context(&self) -> Result<Settings> {
        let config = config::load().map_err(|e| {
            anyhow!(
                "{}",
                self.fallback_lang()
                    .tr_with("cli_errors.config_invalid", &[("detail", e.trim_end())])
            )
        })?;
        let lang = match self.lang.as_deref().or(config.lang.as_deref()) {
            Some(s) => Lang::parse(s).ok_or_else(|| {
                let lang = Lang::from_env().unwrap_or_default();
                anyhow!(
                    "{}",
                    lang.tr_with("cli_errors.unknown_lang", &[("value", &format!("{s:?}"))])
                )
            })?,
            None => Lang::from_env().unwrap_or_default(),
        };
        let db_path = self
            .db
            .clone()
            .or_else(|| config.db.clone())
            .unwrap_or_else(config::default_db_path);
        let user = self.user.clone().or_else(|| config.user.clone());
        Ok(Settings {
            config,
            db_path,
            lang,
            user,
        })
    }
}

impl Settings {
    /// The login written to the audit log by a subcommand: --user, the config, or the OS login.
    pub fn actor(&self) -> String {
        self.user.clone().unwrap_or_else(config::os_login)
    }

    pub fn open(&self) -> Result<Store> {
        Ok(Store::open(&self.db_path, &self.actor())?)
    }

    /// Opens a database that must already exist (the subcommands that only read it).
    pub fn open_existing(&self) -> Result<Store> {
        if !self.db_path.exists() {
            bail!(
                "{}",
                self.lang.tr_with(
                    "cli_errors.no_database",
                    &[("file", &self.db_path.display().to_string())]
                )
            );
        }
        self.open()
    }
}

pub fn run(cmd: &Command, ctx: &Settings) -> Result<()> {
    match cmd {
        Command::Backup { file } => backup::run(ctx, file),
        Command::Check => check::run(ctx),
        Command::Export { out } => export::run(ctx, out.as_deref()),
        Command::Import { file } => import::run(ctx, file),
        Command::Customers { command } => customers::run(ctx, command),
        Command::Demo { customers, visits } => demo::run(ctx, *customers, *visits),
    }
}
