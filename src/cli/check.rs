//! `marketdesk check`: integrity and schema version; a non-zero exit when anything is wrong.

use super::Settings;
use crate::store::schema;
use anyhow::{Result, bail};

pub fn run(ctx: &Settings) -> Result<()> {
    let store = ctx.open_existing()?;
    let problems = store.check()?;
    let path = ctx.db_path.display().to_string();
    if problems.is_empty() {
        println!(
            "{}",
            ctx.lang.tr_with(
                "cli.check_ok",
                &[("file", &path), ("version", &schema::LATEST.to_string())]
            )
        );
        return Ok(());
    }
    for p in &problems {
        eprintln!("{p}");
    }
    bail!(
        "{}",
        ctx.lang.tr_with(
            "cli.check_failed",
            &[("file", &path), ("count", &problems.len().to_string())]
        )
    )
}
