//! Settings from the config file (`config.toml` in the platform config directory, or
//! `MARKETDESK_CONFIG`), with a default for every key; and where the database lives.

use crate::domain::Cadence;
use chrono::NaiveDate;
use serde::Deserialize;
use std::path::PathBuf;

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// The acting person's login, when it differs from the OS login.
    pub user: Option<String>,
    /// en, zh-Hant or zh-Hans.
    pub lang: Option<String>,
    /// Draw borders with ASCII, for terminals that draw box characters double-width.
    pub ascii_borders: bool,
    /// Days between regular follow-up visits per tier.
    pub cadence: Cadence,
    /// The database file, when not the default.
    pub db: Option<PathBuf>,
}

fn dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("", "", "marketdesk")
}

pub fn config_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("MARKETDESK_CONFIG") {
        return Some(PathBuf::from(p));
    }
    dirs().map(|d| d.config_dir().join("config.toml"))
}

/// The config file's settings; a missing file gives the defaults, a bad one an error naming it.
pub fn load() -> Result<Config, String> {
    let Some(path) = config_path() else {
        return Ok(Config::default());
    };
    match std::fs::read_to_string(&path) {
        Ok(s) => toml::from_str(&s).map_err(|e| format!("{}: {e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Config::default()),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

/// The database in the platform data directory (e.g. `~/.local/share/marketdesk/marketdesk.db`).
pub fn default_db_path() -> PathBuf {
    dirs()
        .map(|d| d.data_dir().join("marketdesk.db"))
        .unwrap_or_else(|| PathBuf::from("marketdesk.db"))
}

/// Today as the program sees it: `MARKETDESK_TODAY` (YYYY-MM-DD) when set, so tests, demos
/// and screenshots see a fixed day; otherwise the local date. A malformed value is ignored
/// here (a screen must still open); `today_override` reports it.
pub fn today() -> NaiveDate {
    today_override()
        .ok()
        .flatten()
        .unwrap_or_else(|| chrono::Local::now().date_naive())
}

/// `MARKETDESK_TODAY` read: `Ok(None)` when unset or empty, `Err(value)` when it is not a date.
pub fn today_override() -> Result<Option<NaiveDate>, String> {
    match std::env::var("MARKETDESK_TODAY") {
        Ok(v) if v.trim().is_empty() => Ok(None),
        Ok(v) => NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d")
            .map(Some)
            .map_err(|_| v),
        Err(_) => Ok(None),
    }
}

/// The OS login of whoever runs the program.
pub fn os_login() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_config_keeps_defaults() {
        let c: Config = toml::from_str("lang = \"zh-Hant\"\n[cadence]\nvip = 14\n").unwrap();
        assert_eq!(c.lang.as_deref(), Some("zh-Hant"));
        assert_eq!(c.cadence.vip, 14);
        assert_eq!(c.cadence.c, 180);
        assert!(
            toml::from_str::<Config>("colour = 1").is_err(),
            "unknown keys are reported"
        );
    }
}
