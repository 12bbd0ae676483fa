//! `marketdesk backup FILE`: an online copy of the database.

use super::Settings;
use anyhow::{Result, bail};
use std::path::Path;

pub fn run(ctx: &Settings, file: &Path) -> Result<()> {
    if file.exists() {
        bail!(
            "{}",
            ctx.lang.tr_with(
                "cli_errors.backup_exists",
                &[("file", &file.display().to_string())]
            )
        );
    }
    let store = ctx.open_existing()?;
    store.backup_to(file)?;
    println!(
        "{}",
        ctx.lang
            .tr_with("cli.backup_done", &[("file", &file.display().to_string())])
    );
    Ok(())
}
