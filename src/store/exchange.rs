//! Exchanging records with other files: the JSON export document, merging one into the
//! database by id and version, and the batch of customers a CSV import writes in one go.

use super::customer::{self, apply, create_in, update_in};
use super::{Ctx, Result, Store, StoreError, audit, employee, follow_up};
use crate::domain::{Customer, CustomerInput, Employee, FollowUp, FollowUpIssue, Purchase, date};
use audit::AuditEntry;
pub use read::{Header, Outcome};
use read::{Record, Stop};
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};
use serde::ser::{Error as _, SerializeSeq, SerializeStruct};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::{Map, Value, json};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::marker::PhantomData;

mod merge;
mod read;
use merge::{IMPORT_CACHE, import_in};

/// The name in every export document's `format` field.
pub const FORMAT: &str = "marketdesk-export";
/// The document layout this program writes and reads. Raise it when a field changes meaning.
pub const FORMAT_VERSION: i64 = 1;

/// The array names of the record types, in the order they are written and merged
/// (referenced records before the records that reference them).
pub const RECORD_TYPES: [&str; 6] = [
    "employees",
    "customers",
    "purchases",
    "follow_ups",
    "follow_up_issues",
    "audit_log",
];

/// Every record of the database, as one export file holds it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Document {
    pub format: String,
    pub format_version: i64,
    pub schema_version: i64,
    pub exported_at: String,
    pub exported_by: String,
    pub employees: Vec<Employee>,
    pub customers: Vec<Customer>,
    pub purchases: Vec<Purchase>,
    pub follow_ups: Vec<FollowUp>,
    pub follow_up_issues: Vec<FollowUpIssue>,
    pub audit_log: Vec<AuditEntry>,
}

/// How many records of each type, in `RECORD_TYPES` order.
pub type Counts = [(&'static str, usize); 6];

impl Document {
    /// How many records of each type, in `RECORD_TYPES` order.
    pub fn counts(&self) -> Counts {
        [
            ("employees", self.employees.len()),
            ("customers", self.customers.len()),
            ("purchases", self.purchases.len()),
            ("follow_ups", self.follow_ups.len()),
            ("follow_up_issues", self.follow_up_issues.len()),
            ("audit_log", self.audit_log.len()),
        ]
    }
}

/// The export document as the database's cursors read it: serialized record by record,
/// never held whole. The first database error is kept in `failure` (serde only carries its
/// text), and each array's length is counted as it is written.
struct Snapshot<'a> {
    conn: &'a Connection,
    schema_version: i64,
    exported_at: String,
    exported_by: &'a str,
    counts: Cell<[usize; 6]>,
    failure: RefCell<Option<rusqlite::Error>>,
}

impl Serialize for Snapshot<'_> {
    /// The fields of `Document`, in its order, so the text is the same as serializing one.
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut doc = s.serialize_struct("Document", 11)?;
        doc.serialize_field("format", FORMAT)?;
        doc.serialize_field("format_version", &FORMAT_VERSION)?;
        doc.serialize_field("schema_version", &self.schema_version)?;
        doc.serialize_field("exported_at", &self.exported_at)?;
        doc.serialize_field("exported_by", self.exported_by)?;
        doc.serialize_field("employees", &Table::<Employee>::new(self, 0))?;
        doc.serialize_field("customers", &Table::<Customer>::new(self, 1))?;
        doc.serialize_field("purchases", &Table::<Purchase>::new(self, 2))?;
        doc.serialize_field("follow_ups", &Table::<FollowUp>::new(self, 3))?;
        doc.serialize_field("follow_up_issues", &Table::<FollowUpIssue>::new(self, 4))?;
        doc.serialize_field("audit_log", &Table::<AuditEntry>::new(self, 5))?;
        doc.end()
    }
}

/// A record type as the export reads it: every row, in the export's order.
trait Exported: Serialize + Sized {
    fn select_all() -> String;
    fn read(r: &rusqlite::Row) -> rusqlite::Result<Self>;
}

impl Exported for Employee {
    fn select_all() -> String {
        employee::all_sql()
    }
    fn read(r: &rusqlite::Row) -> rusqlite::Result<Self> {
        employee::from_row(r)
    }
}

impl Exported for Customer {
    fn select_all() -> String {
        customer::all_sql()
    }
    fn read(r: &rusqlite::Row) -> rusqlite::Result<Self> {
        customer::from_row(r)
    }
}

impl Exported for Purchase {
    fn select_all() -> String {
        customer::ALL_PURCHASES_SQL.to_string()
    }
    fn read(r: &rusqlite::Row) -> rusqlite::Result<Self> {
        customer::purchase_from_row(r)
    }
}

impl Exported for FollowUp {
    fn select_all() -> String {
        follow_up::ALL_SQL.to_string()
    }
    fn read(r: &rusqlite::Row) -> rusqlite::Result<Self> {
        follow_up::from_row(r)
    }
}

impl Exported for FollowUpIssue {
    fn select_all() -> String {
        follow_up::ALL_ISSUES_SQL.to_string()
    }
    fn read(r: &rusqlite::Row) -> rusqlite::Result<Self> {
        follow_up::issue_from_row(r)
    }
}

impl Exported for AuditEntry {
    fn select_all() -> String {
        audit::ALL_SQL.to_string()
    }
    fn read(r: &rusqlite::Row) -> rusqlite::Result<Self> {
        audit::from_row(r)
    }
}

/// One array of the export: the rows of one table, serialized as the cursor reads them.
struct Table<'a, T> {
    snapshot: &'a Snapshot<'a>,
    /// Its place in `RECORD_TYPES`.
    rank: usize,
    record: PhantomData<T>,
}

impl<'a, T> Table<'a, T> {
    fn new(snapshot: &'a Snapshot<'a>, rank: usize) -> Self {
        Table {
            snapshot,
            rank,
            record: PhantomData,
        }
    }
}

impl<T: Exported> Serialize for Table<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let fail = |e: rusqlite::Error| {
            let err = S::Error::custom(&e);
            self.snapshot.failure.replace(Some(e));
            err
        };
        let mut stmt = self.snapshot.conn.prepare(&T::select_all()).map_err(fail)?;
        let mut rows = stmt.query([]).map_err(fail)?;
        let mut seq = s.serialize_seq(None)?;
        let mut n = 0;
        while let Some(row) = rows.next().map_err(fail)? {
            seq.serialize_element(&T::read(row).map_err(fail)?)?;
            n += 1;
        }
        let mut counts = self.snapshot.counts.get();
        counts[self.rank] = n;
        self.snapshot.counts.set(counts);
        seq.end()
    }
}

/// Where a problem of an import is.
#[derive(Debug, Clone, PartialEq)]
pub enum At {
    /// The file as a whole (not JSON, another format, an unknown version).
    Document,
    /// One record of a JSON document: its array and its index there (from 0).
    Record {
        record_type: &'static str,
        index: usize,
    },
    /// The physical line where a CSV record starts (the header is line 1).
    Line(u64),
}

/// A value in a problem's message: plain text, or a locale key to be translated.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    Text(String),
    Key(&'static str),
}

/// One reason an import is refused: where, and a locale key with its placeholders.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub at: At,
    pub key: &'static str,
    pub args: Vec<(&'static str, Arg)>,
}

impl Problem {
    pub fn new(at: At, key: &'static str) -> Problem {
        Problem {
            at,
            key,
            args: Vec::new(),
        }
    }

    pub fn with(mut self, name: &'static str, value: impl Into<String>) -> Problem {
        self.args.push((name, Arg::Text(value.into())));
        self
    }

    pub fn with_key(mut self, name: &'static str, key: &'static str) -> Problem {
        self.args.push((name, Arg::Key(key)));
        self
    }
}

/// What an import did with the records of one type.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    pub inserted: usize,
    /// Replaced by the file's newer version.
    pub updated: usize,
    /// Already here, identical; or here in a newer version that was kept.
    pub skipped: usize,
    /// Both sides changed the record: the newer was kept (see `Conflict`).
    pub conflicts: usize,
}

/// A record changed on both sides: which one was kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    pub record_type: &'static str,
    pub id: String,
    /// What a person recognises it by: a login, a customer code, a product.
    pub label: String,
    pub file_version: i64,
    pub file_updated_at: String,
    pub db_version: i64,
    pub db_updated_at: String,
    pub kept_file: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportSummary {
    pub tallies: Vec<(&'static str, Tally)>,
    pub conflicts: Vec<Conflict>,
}

/// What a CSV import of customers did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CustomerImport {
    pub created: usize,
    /// Existing codes whose record changed (a versioned update, as the TUI's save).
    pub updated: usize,
    /// Existing codes whose row matched the record already: not written again.
    pub unchanged: usize,
}

/// One customer row of a CSV file, with the line it starts on.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerRow {
    pub line: u64,
    pub input: CustomerInput,
}

/// The first pass of an import, without a database: reads the whole document from `input`,
/// record by record, and refuses it with every problem of its form (not UTF-8 JSON, another
/// format or version, a missing field or array, a record that does not read as its type).
/// Holds no record. The error is that of `input` itself.
pub fn check_export<R: Read>(input: R) -> io::Result<Outcome> {
    match read::read(input, &mut |_, _| Ok(())) {
        Ok(outcome) => Ok(outcome),
        Err(Stop::Io(e)) => Err(e),
        // The sink above never fails.
        Err(Stop::Sink(e)) => Err(io::Error::other(e)),
    }
}

/// Reads an export document held in memory, refusing it as `check_export` does: for tests
/// and small documents.
pub fn parse_document(text: &str) -> std::result::Result<Document, Vec<Problem>> {
    let not_json = |detail: String| {
        vec![Problem::new(At::Document, "exchange.p_not_json").with("detail", detail)]
    };
    match check_export(text.as_bytes()) {
        Ok(Ok(_)) => serde_json::from_str(text).map_err(|e| not_json(e.to_string())),
        Ok(Err(problems)) => Err(problems),
        Err(e) => Err(not_json(e.to_string())),
    }
}

impl Store {
    /// Writes every record as one export document (pretty-printed, ending in a newline) to
    /// `out`, record by record as the cursors read them, from one snapshot so the document
    /// is consistent while others write. Drafts are left out: they are one person's unsaved
    /// typing, not department records. Returns how many records of each type were written,
    /// or the error of `out` when it could not be written.
    pub fn export_to<W: Write>(&self, out: W) -> Result<std::result::Result<Counts, io::Error>> {
        let tx = Transaction::new_unchecked(&self.conn, TransactionBehavior::Deferred)?;
        let snapshot = Snapshot {
            conn: &tx,
            schema_version: self.schema_version()?,
            exported_at: super::now(),
            exported_by: &self.actor,
            counts: Cell::new([0; 6]),
            failure: RefCell::new(None),
        };
        let mut out = out;
        let written = serde_json::to_writer_pretty(&mut out, &snapshot)
            .map_err(io::Error::from)
            .and_then(|()| out.write_all(b"\n"));
        if let Some(e) = snapshot.failure.take() {
            return Err(e.into());
        }
        if let Err(e) = written {
            return Ok(Err(e));
        }
        let counts = snapshot.counts.get();
        tx.commit()?;
        Ok(Ok(std::array::from_fn(|i| (RECORD_TYPES[i], counts[i]))))
    }

    /// Every record as one value, through the same snapshot as `export_to`: for tests and
    /// small databases (it holds the whole document).
    pub fn export_document(&self) -> Result<Document> {
        let mut bytes = Vec::new();
        self.export_to(&mut bytes)?
            .map_err(|e| StoreError::Json(serde_json::Error::io(e)))?;
        Ok(serde_json::from_slice(&bytes)?)
    }

    /// Every customer with its owner's login, for a CSV export, read in one snapshot.
    pub fn customers_with_owner_login(&self) -> Result<Vec<(Customer, Option<String>)>> {
        let tx = Transaction::new_unchecked(&self.conn, TransactionBehavior::Deferred)?;
        let logins: HashMap<String, String> = employee::all(&tx)?
            .into_iter()
            .map(|e| (e.id, e.login))
            .collect();
        let out = customer::all(&tx)?
            .into_iter()
            .map(|c| {
                let login = c.owner_id.as_ref().and_then(|id| logins.get(id).cloned());
                (c, login)
            })
            .collect();
        tx.commit()?;
        Ok(out)
    }

    /// Appends an audit entry for an export or import that is not tied to one record.
    pub fn log_exchange(&mut self, action: &str, record_type: &str, details: Value) -> Result<()> {
        self.write(|tx, ctx| audit::record(tx, ctx, action, record_type, None, details))
    }

    /// Merges the export document read from `input` into this database in one write
    /// transaction, each record as it is read: a new id is inserted, an identical record
    /// skipped, and of two versions of one record the higher version (on a tie the later
    /// `updated_at`) is kept and reported as a conflict. Audit entries are appended when
    /// their id is absent. Any rule a record breaks refuses the whole document: the reading
    /// goes on to find every problem, and the transaction is rolled back. The arrays may come
    /// in any order. What is needed across records (the ids of the file, references to records
    /// further on) is kept in temporary tables on disk, not in memory.
    pub fn import_from<R: Read>(&mut self, input: R, source: &str) -> Result<ImportSummary> {
        let temp_store: i64 = self.conn.query_row("PRAGMA temp_store", [], |r| r.get(0))?;
        let cache: i64 = self.conn.query_row("PRAGMA cache_size", [], |r| r.get(0))?;
        self.conn.pragma_update(None, "temp_store", "FILE")?;
        self.conn.pragma_update(None, "cache_size", IMPORT_CACHE)?;
        let out = self.write(|tx, ctx| import_in(tx, ctx, input, source));
        let restored = self
            .conn
            .pragma_update(None, "temp_store", temp_store)
            .and_then(|()| self.conn.pragma_update(None, "cache_size", cache));
        let summary = out?;
        restored?;
        Ok(summary)
    }

    /// Merges a document held in memory, as `import_from` does: for tests and small documents.
    pub fn import_document(&mut self, doc: &Document, source: &str) -> Result<ImportSummary> {
        let bytes = serde_json::to_vec(doc)?;
        self.import_from(bytes.as_slice(), source)
    }

    /// Creates or updates customers by code in one write transaction: an existing code goes
    /// through the same versioned update as a form's save. Every row is validated first; any
    /// invalid row or duplicate code refuses the whole batch.
    pub fn import_customers(
        &mut self,
        rows: &[CustomerRow],
        source: &str,
    ) -> Result<CustomerImport> {
        let mut problems = Vec::new();
        let mut valid = Vec::with_capacity(rows.len());
        let mut seen: HashMap<String, u64> = HashMap::new();
        for row in rows {
            match row.input.validate() {
                Ok(v) => {
                    if let Some(first) = seen.get(&v.code) {
                        problems.push(
                            Problem::new(At::Line(row.line), "exchange.p_duplicate_code")
                                .with("value", v.code.clone())
                                .with("other", first.to_string()),
                        );
                    } else {
                        seen.insert(v.code.clone(), row.line);
                    }
                    valid.push(v);
                }
                Err(errs) => problems.extend(errs.into_iter().map(|e| {
                    Problem::new(At::Line(row.line), "exchange.p_field")
                        .with("field", e.field)
                        .with_key("reason", e.reason)
                })),
            }
        }
        if !problems.is_empty() {
            return Err(StoreError::Rejected(problems));
        }
        self.write(|tx, ctx| {
            let mut out = CustomerImport::default();
            for v in valid {
                let existing = tx
                    .query_row(
                        "SELECT * FROM customer WHERE code = ?1",
                        [&v.code],
                        customer::from_row,
                    )
                    .optional()?;
                match existing {
                    None => {
                        create_in(tx, ctx, v)?;
                        out.created += 1;
                    }
                    Some(old) if apply(old.clone(), v.clone()) == old => out.unchanged += 1,
                    Some(old) => {
                        update_in(tx, ctx, &old, v)?;
                        out.updated += 1;
                    }
                }
            }
            audit::record(
                tx,
                ctx,
                "import",
                "customer",
                None,
                json!({
                    "format": "csv",
                    "file": source,
                    "created": out.created,
                    "updated": out.updated,
                    "unchanged": out.unchanged,
                }),
            )?;
            Ok(out)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{EmployeeInput, Role, Tier};

    fn seeded() -> Store {
        let mut s = Store::open_in_memory("tester").unwrap();
        let boss = s
            .create_employee(&EmployeeInput {
                login: "boss".into(),
                name: "經理".into(),
                role: Some(Role::Manager),
                supervisor_id: None,
            })
            .unwrap();
        s.create_customer(&CustomerInput {
            code: "C1".into(),
            name: "王偉".into(),
            tier: Some(Tier::Vip),
            owner_id: Some(boss.id),
            ..Default::default()
        })
        .unwrap();
        s
    }

    #[test]
    fn the_newer_version_wins_and_is_a_conflict() {
        let mut a = seeded();
        let doc = a.export_document().unwrap();
        let c = doc.customers[0].clone();
        a.update_customer(
            &c,
            &CustomerInput {
                code: c.code.clone(),
                name: "王偉（新）".into(),
                tier: Some(Tier::A),
                ..Default::default()
            },
        )
        .unwrap();
        let newer = a.export_document().unwrap();
        // The old copy gets the newer record; importing the older one back keeps the newer.
        let mut b = Store::open_in_memory("tester").unwrap();
        b.import_document(&doc, "old.json").unwrap();
        let s = b.import_document(&newer, "new.json").unwrap();
        assert_eq!(s.conflicts.len(), 1);
        assert!(s.conflicts[0].kept_file);
        let s = b.import_document(&doc, "old.json").unwrap();
        assert_eq!(s.conflicts.len(), 1);
        assert!(!s.conflicts[0].kept_file);
        assert_eq!(customer::all(b.conn()).unwrap()[0].name, "王偉（新）");
    }

    #[test]
    fn a_dangling_reference_refuses_everything() {
        let a = seeded();
        let mut doc = a.export_document().unwrap();
        doc.customers[0].owner_id = Some("nobody".into());
        let mut b = Store::open_in_memory("tester").unwrap();
        let Err(StoreError::Rejected(p)) = b.import_document(&doc, "x.json") else {
            panic!("accepted a dangling owner");
        };
        assert_eq!(
            p[0].at,
            At::Record {
                record_type: "customers",
                index: 0
            }
        );
        assert_eq!(p[0].key, "exchange.p_dangling");
        assert!(employee::all(b.conn()).unwrap().is_empty());
    }

    #[test]
    fn a_document_of_another_version_is_refused() {
        let text = r#"{"format":"marketdesk-export","format_version":99}"#;
        let p = parse_document(text).unwrap_err();
        assert_eq!(p[0].key, "exchange.p_format_version");
        let p = parse_document("{not json").unwrap_err();
        assert_eq!(p[0].key, "exchange.p_not_json");
    }
}
