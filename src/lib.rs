//! MarketDesk: the Market Management Department's records and rules, their SQLite store,
//! the command-line subcommands and the terminal interface.

rust_i18n::i18n!("assets/locales", fallback = "en");

pub mod cli;
pub mod config;
pub mod domain;
pub mod i18n;
pub mod store;
pub mod tui;
