//! `marketdesk export [--out FILE]`: every record as one JSON document, and the audit entry
//! that says who exported it; also how an export file is delivered, shared with the CSV export.

use super::Settings;
use anyhow::Result;
use serde_json::{Map, Value, json};
use std::io::Write;
use std::path::{Path, PathBuf};

pub fn run(ctx: &Settings, out: Option<&Path>) -> Result<()> {
    let mut store = ctx.open_existing()?;
    let doc = store.export_document()?;
    let counts: Map<String, Value> = doc
        .counts()
        .iter()
        .map(|(t, n)| (t.to_string(), json!(n)))
        .collect();
    let total: usize = doc.counts().iter().map(|(_, n)| n).sum();
    let mut bytes = serde_json::to_vec_pretty(&doc)?;
    bytes.push(b'\n');
    let details = json!({"format": "json", "file": target_name(out), "counts": counts});
    deliver(ctx, out, &bytes, || {
        Ok(store.log_exchange("export", "database", details)?)
    })?;
    let msg = ctx.lang.tr_with(
        "exchange.export_done",
        &[
            ("count", &total.to_string()),
            ("file", &shown_name(ctx, out)),
        ],
    );
    report(out, &msg);
    Ok(())
}

/// The file's name as messages and the audit log give it; `-` for stdout.
pub(super) fn target_name(out: Option<&Path>) -> String {
    out.map_or_else(|| "-".to_string(), |p| p.display().to_string())
}

/// The file's name as a closing message gives it.
pub(super) fn shown_name(ctx: &Settings, out: Option<&Path>) -> String {
    out.map_or_else(
        || ctx.lang.tr("exchange.stdout"),
        |p| p.display().to_string(),
    )
}

/// The closing message: on stdout, unless stdout is the export itself.
pub(super) fn report(out: Option<&Path>, msg: &str) {
    if out.is_some() {
        println!("{msg}");
    } else {
        eprintln!("{msg}");
    }
}

/// Writes an export to `out` or stdout, with `log` recording it in the audit log. A file is
/// written beside its destination and renamed only once the audit entry is committed, so no
/// export file exists that the log does not know of and a failed run leaves no torn file.
pub(super) fn deliver(
    ctx: &Settings,
    out: Option<&Path>,
    bytes: &[u8],
    log: impl FnOnce() -> Result<()>,
) -> Result<()> {
    let Some(path) = out else {
        log()?;
        let mut stdout = std::io::stdout().lock();
        stdout.write_all(bytes)?;
        stdout.flush()?;
        return Ok(());
    };
    let cannot = |e: &dyn std::fmt::Display| {
        ctx.lang.tr_with(
            "exchange.cannot_write",
            &[
                ("file", &path.display().to_string()),
                ("detail", &e.to_string()),
            ],
        )
    };
    let part = part_path(path);
    let written = std::fs::File::create(&part).and_then(|mut f| {
        f.write_all(bytes)?;
        f.sync_all()
    });
    if let Err(e) = written {
        let _ = std::fs::remove_file(&part);
        anyhow::bail!("{}", cannot(&e));
    }
    if let Err(e) = log() {
        let _ = std::fs::remove_file(&part);
        return Err(e);
    }
    std::fs::rename(&part, path).map_err(|e| anyhow::anyhow!("{}", cannot(&e)))?;
    Ok(())
}

fn part_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".part-{}", std::process::id()));
    path.with_file_name(name)
}
