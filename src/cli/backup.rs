//! `marketdesk backup FILE`: an online copy of the database.

use super::Settings;
use anyhow::{Result, bail};
use std::path::Path;

pub fn run(ctx: &Settings, file: &Path) -> Result<()> {
    if file.exists() {
        bail!(
            "{}: the file exists. Choose a new name, so no earlier backup is overwritten.",
            file.display()
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
