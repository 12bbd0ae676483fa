//! `marketdesk export [--out FILE]`: every record as one JSON document, and the audit entry
//! that says who exported it; also how an export file is delivered, shared with the CSV export.

use super::Settings;
use crate::store::exchange::Counts;
use anyhow::Result;
use serde_json::{Map, Value, json};
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

pub fn run(ctx: &Settings, out: Option<&Path>) -> Result<()> {
    let mut store = ctx.open_existing()?;
    // Written record by record from the database's cursors; the counts come from the writing.
    let counts = deliver_streamed(
        ctx,
        out,
        &mut store,
        |store, w| Ok(store.export_to(w)?),
        |store, counts: &Counts| {
            let counts: Map<String, Value> = counts
                .iter()
                .map(|(t, n)| (t.to_string(), json!(n)))
                .collect();
            let details = json!({"format": "json", "file": target_name(out), "counts": counts});
            Ok(store.log_exchange("export", "database", details)?)
        },
    )?;
    let total: usize = counts.iter().map(|(_, n)| n).sum();
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

/// Writes an export held in memory to `out` or stdout, with `log` recording it in the audit
/// log: before stdout gets it, or, for a file, once the file is written (see `to_file`).
pub(super) fn deliver(
    ctx: &Settings,
    out: Option<&Path>,
    bytes: &[u8],
    log: impl FnOnce() -> Result<()>,
) -> Result<()> {
    let Some(path) = out else {
        log()?;
        let mut stdout = io::stdout().lock();
        stdout.write_all(bytes)?;
        stdout.flush()?;
        return Ok(());
    };
    to_file(
        ctx,
        path,
        &mut (),
        |(), w| Ok(w.write_all(bytes)),
        |(), ()| log(),
    )
}

/// Writes a streamed export to `out` or stdout through `write`, with `log` recording it in
/// the audit log once it is written, given what `write` returned (e.g. the counts); both are
/// handed `state` (the store they read and log in). On
/// stdout the log follows the writing, as the counts are known only then: an export cut
/// short (a closed pipe) is not logged.
pub(super) fn deliver_streamed<S, T>(
    ctx: &Settings,
    out: Option<&Path>,
    state: &mut S,
    write: impl FnOnce(&mut S, &mut dyn Write) -> Result<io::Result<T>>,
    log: impl FnOnce(&mut S, &T) -> Result<()>,
) -> Result<T> {
    let Some(path) = out else {
        let mut stdout = BufWriter::new(io::stdout().lock());
        let done = write(state, &mut stdout)?.and_then(|t| stdout.flush().map(|()| t))?;
        log(state, &done)?;
        return Ok(done);
    };
    to_file(ctx, path, state, write, log)
}

/// Writes an export beside its destination through `write` (which returns the error of the
/// file itself as an `io::Error`, worded here as "cannot write") and renames it into place
/// only once `log` has committed its audit entry, so no export file exists that the log
/// does not know of and a failed run leaves no torn file.
fn to_file<S, T>(
    ctx: &Settings,
    path: &Path,
    state: &mut S,
    write: impl FnOnce(&mut S, &mut dyn Write) -> Result<io::Result<T>>,
    log: impl FnOnce(&mut S, &T) -> Result<()>,
) -> Result<T> {
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
    let written = match File::create(&part) {
        Ok(file) => {
            let mut buf = BufWriter::new(file);
            write(state, &mut buf).map(|r| {
                r.and_then(|t| {
                    let file = buf.into_inner().map_err(io::IntoInnerError::into_error)?;
                    file.sync_all().map(|()| t)
                })
            })
        }
        Err(e) => Ok(Err(e)),
    };
    let done = match written {
        Ok(Ok(t)) => t,
        Ok(Err(e)) => {
            let _ = std::fs::remove_file(&part);
            anyhow::bail!("{}", cannot(&e));
        }
        Err(e) => {
            let _ = std::fs::remove_file(&part);
            return Err(e);
        }
    };
    if let Err(e) = log(state, &done) {
        let _ = std::fs::remove_file(&part);
        return Err(e);
    }
    std::fs::rename(&part, path).map_err(|e| anyhow::anyhow!("{}", cannot(&e)))?;
    Ok(done)
}

fn part_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".part-{}", std::process::id()));
    path.with_file_name(name)
}
