//! `marketdesk import FILE`: merges an export document into the database, all or nothing,
//! and says what it did per record type; also how an import's refusal is worded.

use super::Settings;
use crate::i18n::Lang;
use crate::store::StoreError;
use crate::store::exchange::{Arg, At, Problem, check_export};
use anyhow::{Result, bail};
use std::fs::File;
use std::path::Path;
use unicode_width::UnicodeWidthStr;

/// How many problems a refusal lists before it only counts the rest.
const LISTED: usize = 100;

pub fn run(ctx: &Settings, file: &Path) -> Result<()> {
    let lang = ctx.lang;
    let name = file.display().to_string();
    // The file is read through and checked before the database is opened, so a bad file
    // never creates or touches one; then read again, each record merged as it is read. Neither
    // pass holds the file or its records.
    match check_export(open(ctx, file)?) {
        Ok(Ok(_)) => {}
        Ok(Err(problems)) => bail!("{}", refusal(lang, &name, &problems)),
        Err(e) => bail!("{}", cannot_read(ctx, file, &e)),
    }
    let mut store = ctx.open()?;
    let summary = match store.import_from(open(ctx, file)?, &name) {
        Ok(s) => s,
        Err(StoreError::Rejected(problems)) => bail!("{}", refusal(lang, &name, &problems)),
        Err(e) => return Err(e.into()),
    };

    println!(
        "{}",
        lang.tr_with("exchange.import_done", &[("file", &name)])
    );
    let head = [
        lang.tr("exchange.col_records"),
        lang.tr("exchange.col_inserted"),
        lang.tr("exchange.col_updated"),
        lang.tr("exchange.col_skipped"),
        lang.tr("exchange.col_conflicts"),
    ];
    let mut rows = vec![head.to_vec()];
    for (record_type, t) in &summary.tallies {
        rows.push(vec![
            // The JSON name stays beside the label: it is what the file calls them.
            format!(
                "{} ({record_type})",
                lang.tr(&format!("record.{record_type}"))
            ),
            t.inserted.to_string(),
            t.updated.to_string(),
            t.skipped.to_string(),
            t.conflicts.to_string(),
        ]);
    }
    print_table(&rows);
    if !summary.conflicts.is_empty() {
        println!();
        println!("{}", lang.tr("exchange.conflicts_title"));
        for c in &summary.conflicts {
            let key = if c.kept_file {
                "exchange.conflict_kept_file"
            } else {
                "exchange.conflict_kept_here"
            };
            let line = lang.tr_with(
                key,
                &[
                    ("type", c.record_type),
                    ("label", &c.label),
                    ("id", &c.id),
                    ("file_version", &c.file_version.to_string()),
                    ("file_time", &c.file_updated_at),
                    ("here_version", &c.db_version.to_string()),
                    ("here_time", &c.db_updated_at),
                ],
            );
            println!("  {line}");
        }
    }
    Ok(())
}

/// The whole input file, or a message that says why it cannot be read.
pub(super) fn read(ctx: &Settings, file: &Path) -> Result<Vec<u8>> {
    std::fs::read(file).map_err(|e| anyhow::anyhow!("{}", cannot_read(ctx, file, &e)))
}

/// The input file opened for reading, or a message that says why it cannot be.
fn open(ctx: &Settings, file: &Path) -> Result<File> {
    File::open(file).map_err(|e| anyhow::anyhow!("{}", cannot_read(ctx, file, &e)))
}

fn cannot_read(ctx: &Settings, file: &Path, e: &std::io::Error) -> String {
    ctx.lang.tr_with(
        "exchange.cannot_read",
        &[
            ("file", &file.display().to_string()),
            ("detail", &e.to_string()),
        ],
    )
}

/// Numbers right-aligned under their heading, the first column left-aligned; widths count
/// terminal cells, so Chinese headings line up.
fn print_table(rows: &[Vec<String>]) {
    let cols = rows.first().map_or(0, Vec::len);
    let widths: Vec<usize> = (0..cols)
        .map(|i| rows.iter().map(|r| r[i].width()).max().unwrap_or(0))
        .collect();
    for row in rows {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            let pad = " ".repeat(widths[i] - cell.width());
            if i == 0 {
                line.push_str(&format!("  {cell}{pad}"));
            } else {
                line.push_str(&format!("  {pad}{cell}"));
            }
        }
        println!("{}", line.trim_end());
    }
}

/// One problem in the user's language, prefixed by where it is.
pub(super) fn describe(lang: Lang, p: &Problem) -> String {
    let mut problem = lang.tr(p.key);
    for (name, arg) in &p.args {
        let value = match arg {
            Arg::Text(s) => s.clone(),
            Arg::Key(k) => lang.tr(k),
        };
        problem = problem.replace(&format!("%{{{name}}}"), &value);
    }
    match &p.at {
        At::Document => lang.tr_with("exchange.at_document", &[("problem", &problem)]),
        At::Record { record_type, index } => lang.tr_with(
            "exchange.at_record",
            &[
                ("type", record_type),
                ("index", &index.to_string()),
                ("problem", &problem),
            ],
        ),
        At::Line(line) => lang.tr_with(
            "exchange.at_line",
            &[("line", &line.to_string()), ("problem", &problem)],
        ),
    }
}

/// The message of a refused import: that nothing was imported, then every problem.
pub(super) fn refusal(lang: Lang, file: &str, problems: &[Problem]) -> String {
    let mut msg = lang.tr_with(
        "exchange.refused",
        &[("file", file), ("count", &problems.len().to_string())],
    );
    for p in problems.iter().take(LISTED) {
        msg.push_str("\n  ");
        msg.push_str(&describe(lang, p));
    }
    if problems.len() > LISTED {
        msg.push_str("\n  ");
        msg.push_str(&lang.tr_with(
            "exchange.more_problems",
            &[("count", &(problems.len() - LISTED).to_string())],
        ));
    }
    msg
}
