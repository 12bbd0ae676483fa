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

mod read;

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

/// A record type as the merge sees it: identity, version, and its row in SQL.
trait Versioned: PartialEq + Sized {
    const TABLE: &'static str;
    fn id(&self) -> &str;
    fn version(&self) -> i64;
    fn updated_at(&self) -> &str;
    fn label(&self) -> String;
    fn from_row(r: &rusqlite::Row) -> rusqlite::Result<Self>;
    fn insert(&self, conn: &Connection) -> rusqlite::Result<usize>;
    /// Overwrites every column of the stored row with this record (never delete and
    /// re-insert: the cascades would take purchases and visits with it).
    fn replace(&self, conn: &Connection) -> rusqlite::Result<usize>;
}

impl Versioned for Employee {
    const TABLE: &'static str = "employee";
    fn id(&self) -> &str {
        &self.id
    }
    fn version(&self) -> i64 {
        self.version
    }
    fn updated_at(&self) -> &str {
        &self.updated_at
    }
    fn label(&self) -> String {
        self.login.clone()
    }
    fn from_row(r: &rusqlite::Row) -> rusqlite::Result<Self> {
        employee::from_row(r)
    }
    fn insert(&self, conn: &Connection) -> rusqlite::Result<usize> {
        employee::insert(conn, self)
    }
    fn replace(&self, conn: &Connection) -> rusqlite::Result<usize> {
        use crate::domain::Code;
        conn.execute(
            "UPDATE employee SET login=?2, name=?3, role=?4, supervisor_id=?5, active=?6, version=?7,
               created_at=?8, updated_at=?9 WHERE id=?1",
            params![
                self.id,
                self.login,
                self.name,
                self.role.code(),
                self.supervisor_id,
                self.active,
                self.version,
                self.created_at,
                self.updated_at
            ],
        )
    }
}

impl Versioned for Customer {
    const TABLE: &'static str = "customer";
    fn id(&self) -> &str {
        &self.id
    }
    fn version(&self) -> i64 {
        self.version
    }
    fn updated_at(&self) -> &str {
        &self.updated_at
    }
    fn label(&self) -> String {
        self.code.clone()
    }
    fn from_row(r: &rusqlite::Row) -> rusqlite::Result<Self> {
        customer::from_row(r)
    }
    fn insert(&self, conn: &Connection) -> rusqlite::Result<usize> {
        customer::insert(conn, self)
    }
    fn replace(&self, conn: &Connection) -> rusqlite::Result<usize> {
        use crate::domain::Code;
        conn.execute(
            "UPDATE customer SET code=?2, name=?3, company=?4, tier=?5, tags=?6, phone=?7, email=?8,
               address=?9, birthday=?10, preferences=?11, source=?12, owner_id=?13, notes=?14,
               classification=?15, version=?16, created_at=?17, updated_at=?18
             WHERE id=?1",
            params![
                self.id,
                self.code,
                self.name,
                self.company,
                self.tier.code(),
                self.tags,
                self.phone,
                self.email,
                self.address,
                self.birthday.map(date::format),
                self.preferences,
                self.source,
                self.owner_id,
                self.notes,
                self.classification.code(),
                self.version,
                self.created_at,
                self.updated_at
            ],
        )
    }
}

impl Versioned for Purchase {
    const TABLE: &'static str = "purchase";
    fn id(&self) -> &str {
        &self.id
    }
    fn version(&self) -> i64 {
        self.version
    }
    fn updated_at(&self) -> &str {
        &self.updated_at
    }
    fn label(&self) -> String {
        self.product.clone()
    }
    fn from_row(r: &rusqlite::Row) -> rusqlite::Result<Self> {
        customer::purchase_from_row(r)
    }
    fn insert(&self, conn: &Connection) -> rusqlite::Result<usize> {
        customer::insert_purchase(conn, self)
    }
    fn replace(&self, conn: &Connection) -> rusqlite::Result<usize> {
        conn.execute(
            "UPDATE purchase SET customer_id=?2, date=?3, product=?4, quantity=?5, amount_cents=?6,
               version=?7, created_at=?8, updated_at=?9 WHERE id=?1",
            params![
                self.id,
                self.customer_id,
                date::format(self.date),
                self.product,
                self.quantity,
                self.amount_cents,
                self.version,
                self.created_at,
                self.updated_at
            ],
        )
    }
}

impl Versioned for FollowUp {
    const TABLE: &'static str = "follow_up";
    fn id(&self) -> &str {
        &self.id
    }
    fn version(&self) -> i64 {
        self.version
    }
    fn updated_at(&self) -> &str {
        &self.updated_at
    }
    fn label(&self) -> String {
        date::format(self.due_date)
    }
    fn from_row(r: &rusqlite::Row) -> rusqlite::Result<Self> {
        follow_up::from_row(r)
    }
    fn insert(&self, conn: &Connection) -> rusqlite::Result<usize> {
        follow_up::insert(conn, self)
    }
    fn replace(&self, conn: &Connection) -> rusqlite::Result<usize> {
        use crate::domain::Code;
        conn.execute(
            "UPDATE follow_up SET customer_id=?2, owner_id=?3, method=?4, due_date=?5, state=?6,
               done_date=?7, satisfaction=?8, feedback=?9, issues_found=?10, note=?11, version=?12,
               created_at=?13, updated_at=?14 WHERE id=?1",
            params![
                self.id,
                self.customer_id,
                self.owner_id,
                self.method.code(),
                date::format(self.due_date),
                self.state.code(),
                self.done_date.map(date::format),
                self.satisfaction,
                self.feedback,
                self.issues_found,
                self.note,
                self.version,
                self.created_at,
                self.updated_at
            ],
        )
    }
}

impl Versioned for FollowUpIssue {
    const TABLE: &'static str = "follow_up_issue";
    fn id(&self) -> &str {
        &self.id
    }
    fn version(&self) -> i64 {
        self.version
    }
    fn updated_at(&self) -> &str {
        &self.updated_at
    }
    fn label(&self) -> String {
        self.department.clone()
    }
    fn from_row(r: &rusqlite::Row) -> rusqlite::Result<Self> {
        follow_up::issue_from_row(r)
    }
    fn insert(&self, conn: &Connection) -> rusqlite::Result<usize> {
        follow_up::insert_issue(conn, self)
    }
    fn replace(&self, conn: &Connection) -> rusqlite::Result<usize> {
        use crate::domain::Code;
        conn.execute(
            "UPDATE follow_up_issue SET follow_up_id=?2, description=?3, department=?4, state=?5,
               resolution=?6, closed_on=?7, version=?8, created_at=?9, updated_at=?10 WHERE id=?1",
            params![
                self.id,
                self.follow_up_id,
                self.description,
                self.department,
                self.state.code(),
                self.resolution,
                self.closed_on.map(date::format),
                self.version,
                self.created_at,
                self.updated_at
            ],
        )
    }
}

/// The page cache of an import, in KiB (`PRAGMA cache_size` takes it negated): the rows and
/// indexes of a million visits do not fit the default 2 MB, and every page evicted in the
/// middle of the transaction is written out and read back.
const IMPORT_CACHE: i64 = -32_768;

/// The ids of the file per array (for an id named twice and for references to records
/// further on), and the references that named no record when they were read. Temporary: they
/// live in this transaction only, and on disk (`temp_store` is FILE during an import).
const IMPORT_TABLES: &str = "
    CREATE TEMP TABLE import_seen (
        rank INTEGER NOT NULL, id TEXT NOT NULL, idx INTEGER NOT NULL,
        PRIMARY KEY (rank, id)
    ) WITHOUT ROWID;
    CREATE TEMP TABLE import_pending (
        rank INTEGER NOT NULL, idx INTEGER NOT NULL, field TEXT NOT NULL, value TEXT NOT NULL,
        target INTEGER NOT NULL
    );";

fn import_in<R: Read>(
    tx: &Transaction,
    ctx: &Ctx,
    input: R,
    source: &str,
) -> Result<ImportSummary> {
    // Within one file a supervisor may come after the people under them, or the visits before
    // their customers: the references are checked below, and SQLite checks them at commit.
    tx.pragma_update(None, "defer_foreign_keys", "ON")?;
    tx.execute_batch(IMPORT_TABLES)?;
    let mut m = Merge::default();
    let read = read::read(input, &mut |index, record| m.take(tx, index, record));
    let header = match read {
        Ok(Ok(header)) => header,
        Ok(Err(problems)) => return Err(StoreError::Rejected(problems)),
        Err(Stop::Sink(e)) => return Err(e),
        // Read once already (`check_export`): the file changed or went away since.
        Err(Stop::Io(e)) => {
            return Err(StoreError::Rejected(vec![
                Problem::new(At::Document, "exchange.p_not_json").with("detail", e.to_string()),
            ]));
        }
    };
    m.resolve(tx)?;
    if let Some(problems) = m.refusal() {
        return Err(StoreError::Rejected(problems));
    }
    tx.execute_batch("DROP TABLE temp.import_seen; DROP TABLE temp.import_pending;")?;
    let summary = m.summary();
    let tallies: Map<String, Value> = summary
        .tallies
        .iter()
        .map(|(t, n)| (t.to_string(), json!(n)))
        .collect();
    let conflicts: Vec<Value> = summary
        .conflicts
        .iter()
        .map(|c| json!({"record_type": c.record_type, "id": c.id, "kept_file": c.kept_file}))
        .collect();
    audit::record(
        tx,
        ctx,
        "import",
        "database",
        None,
        json!({
            "format": "json",
            "file": source,
            "exported_at": header.exported_at,
            "exported_by": header.exported_by,
            "counts": tallies,
            "conflicts": conflicts,
        }),
    )?;
    Ok(summary)
}

/// A record's array's place in `RECORD_TYPES`, to list problems and conflicts in that order
/// whatever the document's order.
fn rank_of(record_type: &str) -> usize {
    RECORD_TYPES
        .iter()
        .position(|t| *t == record_type)
        .unwrap_or(RECORD_TYPES.len())
}

/// Orders problems by array (in `RECORD_TYPES` order) and index, keeping the order of the
/// problems of one record.
fn by_place(problems: &mut [Problem]) {
    problems.sort_by_key(|p| match p.at {
        At::Record { record_type, index } => (1, rank_of(record_type), index),
        _ => (0, 0, 0),
    });
}

/// Whether a reference names a record of the file (of the array at `target`) or of the
/// database.
fn known(conn: &Connection, target: usize, id: &str) -> Result<bool> {
    let sql = match target {
        0 => {
            "SELECT EXISTS (SELECT 1 FROM temp.import_seen WHERE rank = ?1 AND id = ?2)
                 OR EXISTS (SELECT 1 FROM employee WHERE id = ?2)"
        }
        1 => {
            "SELECT EXISTS (SELECT 1 FROM temp.import_seen WHERE rank = ?1 AND id = ?2)
                 OR EXISTS (SELECT 1 FROM customer WHERE id = ?2)"
        }
        _ => {
            "SELECT EXISTS (SELECT 1 FROM temp.import_seen WHERE rank = ?1 AND id = ?2)
                 OR EXISTS (SELECT 1 FROM follow_up WHERE id = ?2)"
        }
    };
    Ok(conn
        .prepare_cached(sql)?
        .query_row(params![target as i64, id], |r| r.get(0))?)
}

/// The table a reference to the array at `target` names, as a problem calls it.
fn target_table(target: usize) -> &'static str {
    match target {
        0 => "employee",
        1 => "customer",
        _ => "follow_up",
    }
}

/// An import under way: what it did so far, and every problem found.
#[derive(Default)]
struct Merge {
    tallies: [Tally; 6],
    conflicts: Vec<Conflict>,
    /// Ids named twice in one array.
    duplicates: Vec<Problem>,
    /// Rules a record breaks, and (after `resolve`) references to no record.
    broken: Vec<Problem>,
    /// UNIQUE clashes with other records of the database, met while merging.
    clashes: Vec<Problem>,
}

impl Merge {
    /// One record as it is read: noted among the file's ids, checked, and merged while no
    /// record so far broke a rule (once one has, the rest are only checked).
    fn take(&mut self, tx: &Connection, index: usize, record: Record) -> Result<()> {
        let rank = record.rank();
        let at = At::Record {
            record_type: RECORD_TYPES[rank],
            index,
        };
        let id = record.id();
        let added = tx
            .prepare_cached(
                "INSERT INTO temp.import_seen (rank, id, idx) VALUES (?1, ?2, ?3)
                 ON CONFLICT DO NOTHING",
            )?
            .execute(params![rank as i64, id, index as i64])?;
        if added == 0 {
            let first: i64 = tx
                .prepare_cached("SELECT idx FROM temp.import_seen WHERE rank = ?1 AND id = ?2")?
                .query_row(params![rank as i64, id], |r| r.get(0))?;
            self.duplicates.push(
                Problem::new(at.clone(), "exchange.p_duplicate_id")
                    .with("value", id)
                    .with("other", first.to_string()),
            );
        }
        let mut c = Checker {
            problems: &mut self.broken,
            at,
        };
        for (field, value, target) in check(&mut c, &record) {
            if !known(tx, target, value)? {
                // Perhaps a record further on: settled by `resolve` once all are read.
                tx.prepare_cached(
                    "INSERT INTO temp.import_pending (rank, idx, field, value, target)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                )?
                .execute(params![
                    rank as i64,
                    index as i64,
                    field,
                    value,
                    target as i64
                ])?;
            }
        }
        if !self.duplicates.is_empty() || !self.broken.is_empty() {
            return Ok(());
        }
        match &record {
            Record::Employee(r) => self.merge(tx, rank, index, r),
            Record::Customer(r) => self.merge(tx, rank, index, r),
            Record::Purchase(r) => self.merge(tx, rank, index, r),
            Record::FollowUp(r) => self.merge(tx, rank, index, r),
            Record::Issue(r) => self.merge(tx, rank, index, r),
            Record::Audit(entry) => {
                let n = tx
                    .prepare_cached(
                        "INSERT INTO audit_log (id, at, actor, action, record_type, record_id, changes)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (id) DO NOTHING",
                    )?
                    .execute(params![
                        entry.id,
                        entry.at,
                        entry.actor,
                        entry.action,
                        entry.record_type,
                        entry.record_id,
                        entry.changes.to_string()
                    ])?;
                if n == 1 {
                    self.tallies[rank].inserted += 1;
                } else {
                    self.tallies[rank].skipped += 1;
                }
                Ok(())
            }
        }
    }

    fn merge<T: Versioned>(
        &mut self,
        tx: &Connection,
        rank: usize,
        index: usize,
        item: &T,
    ) -> Result<()> {
        let record_type = RECORD_TYPES[rank];
        let tally = &mut self.tallies[rank];
        let existing = tx
            .prepare_cached(&format!("SELECT * FROM {} WHERE id = ?1", T::TABLE))?
            .query_row([item.id()], T::from_row)
            .optional()?;
        let outcome = match existing {
            None => item.insert(tx).map(|_| tally.inserted += 1),
            Some(here) if here == *item => {
                tally.skipped += 1;
                Ok(())
            }
            Some(here) => {
                let kept_file =
                    (item.version(), item.updated_at()) > (here.version(), here.updated_at());
                tally.conflicts += 1;
                self.conflicts.push(Conflict {
                    record_type,
                    id: item.id().to_string(),
                    label: item.label(),
                    file_version: item.version(),
                    file_updated_at: item.updated_at().to_string(),
                    db_version: here.version(),
                    db_updated_at: here.updated_at().to_string(),
                    kept_file,
                });
                if kept_file {
                    item.replace(tx).map(|_| tally.updated += 1)
                } else {
                    tally.skipped += 1;
                    Ok(())
                }
            }
        };
        // A UNIQUE clash (a login or customer code another record holds) fails only this
        // statement; note it against the record and go on, so every clash is reported.
        if let Err(e) = outcome {
            let at = At::Record { record_type, index };
            match e.sqlite_error_code() {
                Some(rusqlite::ErrorCode::ConstraintViolation) => self
                    .clashes
                    .push(Problem::new(at, "exchange.p_constraint").with("detail", e.to_string())),
                _ => return Err(e.into()),
            }
        }
        Ok(())
    }

    /// Once every record is read: the references that named no record when read, and still
    /// name none of the file or the database, are problems of their records.
    fn resolve(&mut self, tx: &Connection) -> Result<()> {
        let mut stmt = tx.prepare(
            "SELECT rank, idx, field, value, target FROM temp.import_pending ORDER BY rowid",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let place = |i: usize| -> rusqlite::Result<usize> {
                Ok(usize::try_from(row.get::<_, i64>(i)?).unwrap_or(usize::MAX))
            };
            let (rank, index, target) = (place(0)?, place(1)?, place(4)?);
            let field: String = row.get(2)?;
            let value: String = row.get(3)?;
            if !known(tx, target, &value)? {
                let at = At::Record {
                    record_type: RECORD_TYPES.get(rank).copied().unwrap_or("-"),
                    index,
                };
                self.broken.push(
                    Problem::new(at, "exchange.p_dangling")
                        .with("field", field)
                        .with("value", value)
                        .with("target", target_table(target)),
                );
            }
        }
        Ok(())
    }

    /// Every problem, as the document is refused, or None. Ids named twice and broken rules
    /// come first and alone (the merge stopped at the first); a UNIQUE clash is a problem
    /// only of a document that breaks no rule. Each list is in `RECORD_TYPES` order.
    fn refusal(&mut self) -> Option<Vec<Problem>> {
        let problems = if self.duplicates.is_empty() && self.broken.is_empty() {
            by_place(&mut self.clashes);
            std::mem::take(&mut self.clashes)
        } else {
            by_place(&mut self.duplicates);
            by_place(&mut self.broken);
            let mut all = std::mem::take(&mut self.duplicates);
            all.append(&mut self.broken);
            all
        };
        (!problems.is_empty()).then_some(problems)
    }

    fn summary(mut self) -> ImportSummary {
        self.conflicts.sort_by_key(|c| rank_of(c.record_type));
        ImportSummary {
            tallies: RECORD_TYPES.iter().copied().zip(self.tallies).collect(),
            conflicts: self.conflicts,
        }
    }
}

/// Collects the problems of one record at a time.
struct Checker<'a> {
    problems: &'a mut Vec<Problem>,
    at: At,
}

impl Checker<'_> {
    fn push(&mut self, p: Problem) {
        self.problems.push(p);
    }

    fn problem(&self, key: &'static str) -> Problem {
        Problem::new(self.at.clone(), key)
    }

    fn not_empty(&mut self, field: &'static str, value: &str) {
        if value.trim().is_empty() {
            let p = self.problem("exchange.p_empty").with("field", field);
            self.push(p);
        }
    }

    fn time(&mut self, field: &'static str, value: &str) {
        if chrono::DateTime::parse_from_rfc3339(value).is_err() {
            let p = self
                .problem("exchange.p_time")
                .with("field", field)
                .with("value", value);
            self.push(p);
        }
    }

    fn range(&mut self, field: &'static str, value: i64, range: &'static str) {
        let p = self
            .problem("exchange.p_range")
            .with("field", field)
            .with("value", value.to_string())
            .with("range", range);
        self.push(p);
    }

    fn bookkeeping(&mut self, id: &str, version: i64, created_at: &str, updated_at: &str) {
        self.not_empty("id", id);
        if version < 1 {
            self.range("version", version, "≥ 1");
        }
        self.time("created_at", created_at);
        self.time("updated_at", updated_at);
    }
}

/// A reference of a record: its field, the id it names, and the array (`RECORD_TYPES`
/// place) of the record it must name, in the file or in the database.
type Reference<'r> = (&'static str, &'r str, usize);

/// The rules the schema and the forms hold every record to, checked before a record is
/// written so each problem is named by its record rather than by a bare SQLite error. Returns
/// the record's references, which the caller checks against the file and the database.
fn check<'r>(c: &mut Checker, record: &'r Record) -> Vec<Reference<'r>> {
    let mut refs = Vec::new();
    match record {
        Record::Employee(e) => {
            c.bookkeeping(&e.id, e.version, &e.created_at, &e.updated_at);
            c.not_empty("login", &e.login);
            c.not_empty("name", &e.name);
            if e.login.chars().any(char::is_whitespace) {
                let p = c
                    .problem("exchange.p_field")
                    .with("field", "login")
                    .with_key("reason", "error.login_spaces");
                c.push(p);
            }
            refs.extend(
                e.supervisor_id
                    .as_deref()
                    .map(|id| ("supervisor_id", id, 0)),
            );
        }
        Record::Customer(x) => {
            c.bookkeeping(&x.id, x.version, &x.created_at, &x.updated_at);
            c.not_empty("code", &x.code);
            c.not_empty("name", &x.name);
            refs.extend(x.owner_id.as_deref().map(|id| ("owner_id", id, 0)));
        }
        Record::Purchase(p) => {
            c.bookkeeping(&p.id, p.version, &p.created_at, &p.updated_at);
            c.not_empty("product", &p.product);
            if p.quantity < 1 {
                c.range("quantity", p.quantity, "≥ 1");
            }
            if p.amount_cents < 0 {
                c.range("amount_cents", p.amount_cents, "≥ 0");
            }
            refs.push(("customer_id", p.customer_id.as_str(), 1));
        }
        Record::FollowUp(f) => {
            c.bookkeeping(&f.id, f.version, &f.created_at, &f.updated_at);
            if let Some(s) = f.satisfaction.filter(|s| !(1..=5).contains(s)) {
                c.range("satisfaction", i64::from(s), "1–5");
            }
            refs.push(("customer_id", f.customer_id.as_str(), 1));
            refs.extend(f.owner_id.as_deref().map(|id| ("owner_id", id, 0)));
        }
        Record::Issue(x) => {
            c.bookkeeping(&x.id, x.version, &x.created_at, &x.updated_at);
            c.not_empty("description", &x.description);
            c.not_empty("department", &x.department);
            refs.push(("follow_up_id", x.follow_up_id.as_str(), 3));
        }
        Record::Audit(a) => {
            c.not_empty("id", &a.id);
            c.time("at", &a.at);
            c.not_empty("actor", &a.actor);
            c.not_empty("action", &a.action);
            c.not_empty("record_type", &a.record_type);
        }
    }
    refs
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
