//! `marketdesk customers export|import`: customer lists as CSV (UTF-8, a header row), read
//! whole and refused whole when any line is bad, so a spreadsheet never half-lands.

use super::Settings;
use super::export::{deliver, report, shown_name, target_name};
use super::import::{read, refusal};
use crate::domain::{Code, CustomerInput, Tier, date, text};
use crate::store::exchange::{At, CustomerRow, Problem};
use crate::store::{StoreError, employee};
use anyhow::{Result, bail};
use chrono::NaiveDate;
use clap::Subcommand;
use serde_json::json;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Subcommand)]
pub enum CustomersCommand {
    /// Write every customer as CSV, to stdout or to --out FILE
    Export {
        /// The file to write [default: stdout]
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Create customers from a CSV file, updating those whose code exists; any bad line refuses the whole file
    Import { file: PathBuf },
}

/// The columns, in the order written; a file being read may order them differently.
pub const COLUMNS: [&str; 13] = [
    "code",
    "name",
    "company",
    "tier",
    "tags",
    "phone",
    "email",
    "address",
    "birthday",
    "preferences",
    "source",
    "owner",
    "notes",
];

pub fn run(ctx: &Settings, cmd: &CustomersCommand) -> Result<()> {
    match cmd {
        CustomersCommand::Export { out } => export(ctx, out.as_deref()),
        CustomersCommand::Import { file } => import(ctx, file),
    }
}

fn export(ctx: &Settings, out: Option<&Path>) -> Result<()> {
    let mut store = ctx.open_existing()?;
    let customers = store.customers_with_owner_login()?;
    // A file starts with the UTF-8 byte-order mark, so spreadsheet programs read the Chinese
    // right; a pipe gets plain UTF-8 for scripts. Import accepts both.
    let bom: &[u8] = if out.is_some() { b"\xEF\xBB\xBF" } else { b"" };
    let mut w = csv::Writer::from_writer(bom.to_vec());
    w.write_record(COLUMNS)?;
    for (c, owner) in &customers {
        w.write_record([
            c.code.as_str(),
            &c.name,
            &c.company,
            c.tier.code(),
            &c.tags,
            &c.phone,
            &c.email,
            &c.address,
            &c.birthday.map(date::format).unwrap_or_default(),
            &c.preferences,
            &c.source,
            owner.as_deref().unwrap_or(""),
            &c.notes,
        ])?;
    }
    let bytes = w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?;
    let details = json!({"format": "csv", "file": target_name(out), "count": customers.len()});
    deliver(ctx, out, &bytes, || {
        Ok(store.log_exchange("export", "customer", details)?)
    })?;
    let msg = ctx.lang.tr_with(
        "exchange.csv_export_done",
        &[
            ("count", &customers.len().to_string()),
            ("file", &shown_name(ctx, out)),
        ],
    );
    report(out, &msg);
    Ok(())
}

fn import(ctx: &Settings, file: &Path) -> Result<()> {
    let lang = ctx.lang;
    let name = file.display().to_string();
    let bytes = read(ctx, file)?;
    // Spreadsheet programs save UTF-8 with a byte-order mark; it is not part of the header.
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let mut store = ctx.open()?;
    let logins: HashMap<String, String> = employee::all(store.conn())?
        .into_iter()
        .map(|e| (e.login, e.id))
        .collect();
    let (rows, problems) = read_rows(body, &logins);
    if !problems.is_empty() {
        bail!("{}", refusal(lang, &name, &problems));
    }
    let done = match store.import_customers(&rows, &name) {
        Ok(done) => done,
        Err(StoreError::Rejected(problems)) => bail!("{}", refusal(lang, &name, &problems)),
        Err(e) => return Err(e.into()),
    };
    println!(
        "{}",
        lang.tr_with(
            "exchange.csv_import_done",
            &[
                ("file", &name),
                ("created", &done.created.to_string()),
                ("updated", &done.updated.to_string()),
                ("unchanged", &done.unchanged.to_string()),
            ]
        )
    );
    Ok(())
}

/// Every row of the file as customer input, with every problem found on the way; the line of
/// a problem is where its record starts, so a quoted field spanning lines does not shift it.
fn read_rows(body: &[u8], logins: &HashMap<String, String>) -> (Vec<CustomerRow>, Vec<Problem>) {
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    // Flexible, so a short or long row is reported with its line instead of ending the read.
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(body);
    let mut records = reader.byte_records();
    let header = match records.next() {
        Some(Ok(h)) => h,
        Some(Err(e)) => {
            problems
                .push(Problem::new(At::Line(1), "exchange.p_csv").with("detail", e.to_string()));
            return (rows, problems);
        }
        None => {
            problems.push(Problem::new(At::Document, "exchange.p_no_header"));
            return (rows, problems);
        }
    };
    let names: Vec<String> = header
        .iter()
        .map(|f| String::from_utf8_lossy(f).trim().to_lowercase())
        .collect();
    let mut index: HashMap<&str, usize> = HashMap::new();
    for (i, n) in names.iter().enumerate() {
        match COLUMNS.iter().find(|c| **c == n.as_str()) {
            Some(c) if !index.contains_key(c) => {
                index.insert(c, i);
            }
            _ => problems
                .push(Problem::new(At::Line(1), "exchange.p_column").with("value", n.clone())),
        }
    }
    let missing: Vec<&str> = COLUMNS
        .iter()
        .copied()
        .filter(|c| !index.contains_key(c))
        .collect();
    if !missing.is_empty() {
        problems.push(
            Problem::new(At::Line(1), "exchange.p_header")
                .with("columns", COLUMNS.join(","))
                .with("missing", missing.join(",")),
        );
    }
    if !problems.is_empty() {
        return (rows, problems);
    }

    let mut first_line_of_code: HashMap<String, u64> = HashMap::new();
    for record in records {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                problems.push(
                    Problem::new(At::Line(line), "exchange.p_csv").with("detail", e.to_string()),
                );
                break;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        let at = || At::Line(line);
        if record.len() != names.len() {
            problems.push(
                Problem::new(at(), "exchange.p_columns")
                    .with("found", record.len().to_string())
                    .with("expected", names.len().to_string()),
            );
            continue;
        }
        let Ok(fields) = record
            .iter()
            .map(|f| std::str::from_utf8(f))
            .collect::<Result<Vec<&str>, _>>()
        else {
            problems.push(Problem::new(at(), "exchange.p_utf8"));
            continue;
        };
        let get = |col: &str| index.get(col).map_or("", |i| fields[*i]);
        let before = problems.len();

        let tier_text = get("tier").trim();
        let tier = if tier_text.is_empty() {
            None
        } else {
            let t = Tier::from_code(&tier_text.to_lowercase());
            if t.is_none() {
                problems.push(Problem::new(at(), "exchange.p_tier").with("value", tier_text));
            }
            t
        };
        let birthday_text = get("birthday").trim();
        let birthday = if birthday_text.is_empty() {
            None
        } else {
            let d = NaiveDate::parse_from_str(birthday_text, "%Y-%m-%d").ok();
            if d.is_none() {
                problems.push(Problem::new(at(), "exchange.p_date").with("value", birthday_text));
            }
            d
        };
        let owner_text = get("owner").trim();
        let owner_id = if owner_text.is_empty() {
            None
        } else {
            let id = logins.get(owner_text).cloned();
            if id.is_none() {
                problems.push(Problem::new(at(), "exchange.p_owner").with("value", owner_text));
            }
            id
        };
        let input = CustomerInput {
            code: get("code").to_string(),
            name: get("name").to_string(),
            company: get("company").to_string(),
            tier,
            tags: get("tags").to_string(),
            phone: get("phone").to_string(),
            email: get("email").to_string(),
            address: get("address").to_string(),
            birthday,
            preferences: get("preferences").to_string(),
            source: get("source").to_string(),
            owner_id,
            notes: get("notes").to_string(),
        };
        // Codes are compared as stored (cleaned), and whether or not the rest of the row is
        // valid, so a repeat of a bad row's code is reported too.
        let code = text::clean(&input.code);
        if !code.is_empty() {
            if let Some(first) = first_line_of_code.get(&code) {
                problems.push(
                    Problem::new(at(), "exchange.p_duplicate_code")
                        .with("value", code)
                        .with("other", first.to_string()),
                );
            } else {
                first_line_of_code.insert(code, line);
            }
        }
        if let Err(errs) = input.validate() {
            for e in errs {
                // A bad tier was reported above; "required" would only repeat it.
                if e.field == "tier" && !tier_text.is_empty() {
                    continue;
                }
                problems.push(
                    Problem::new(at(), "exchange.p_field")
                        .with("field", e.field)
                        .with_key("reason", e.reason),
                );
            }
        }
        if problems.len() == before {
            rows.push(CustomerRow { line, input });
        }
    }
    (rows, problems)
}
