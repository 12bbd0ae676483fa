//! Exchanging records with other files: the JSON export document, merging one into the
//! database by id and version, and the batch of customers a CSV import writes in one go.

use super::customer::{self, apply, create_in, update_in};
use super::{Result, Store, StoreError, audit, employee, follow_up};
use crate::domain::{Customer, CustomerInput, Employee, FollowUp, FollowUpIssue, Purchase, date};
use audit::AuditEntry;
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};
use serde::de::DeserializeOwned;
use serde::ser::{Error as _, SerializeSeq, SerializeStruct};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::{Map, Value, json};
use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::io::{self, Write};
use std::marker::PhantomData;

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

/// Reads an export document, refusing it with every problem found: not JSON, another format
/// or version, a missing array, a record that does not read as its type.
pub fn parse_document(text: &str) -> std::result::Result<Document, Vec<Problem>> {
    let whole = |key: &'static str| Problem::new(At::Document, key);
    let mut root: Map<String, Value> = match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(m)) => m,
        Ok(_) => return Err(vec![whole("exchange.p_not_export").with("found", "-")]),
        Err(e) => {
            return Err(vec![
                whole("exchange.p_not_json").with("detail", e.to_string()),
            ]);
        }
    };
    let format = root.get("format").and_then(Value::as_str).unwrap_or("-");
    if format != FORMAT {
        return Err(vec![whole("exchange.p_not_export").with("found", format)]);
    }
    let version = root.get("format_version").and_then(Value::as_i64);
    if version != Some(FORMAT_VERSION) {
        let found = root
            .get("format_version")
            .map_or("-".into(), Value::to_string);
        return Err(vec![
            whole("exchange.p_format_version")
                .with("found", found)
                .with("known", FORMAT_VERSION.to_string()),
        ]);
    }
    let mut problems = Vec::new();
    let mut text_field = |name: &'static str, root: &Map<String, Value>| match root.get(name) {
        Some(Value::String(s)) => s.clone(),
        _ => {
            problems.push(whole("exchange.p_missing").with("field", name));
            String::new()
        }
    };
    let exported_at = text_field("exported_at", &root);
    let exported_by = text_field("exported_by", &root);
    let schema_version = root.get("schema_version").and_then(Value::as_i64);
    if schema_version.is_none() {
        problems.push(whole("exchange.p_missing").with("field", "schema_version"));
    }
    let doc = Document {
        format: FORMAT.to_string(),
        format_version: FORMAT_VERSION,
        schema_version: schema_version.unwrap_or(0),
        exported_at,
        exported_by,
        employees: records(&mut root, "employees", &mut problems),
        customers: records(&mut root, "customers", &mut problems),
        purchases: records(&mut root, "purchases", &mut problems),
        follow_ups: records(&mut root, "follow_ups", &mut problems),
        follow_up_issues: records(&mut root, "follow_up_issues", &mut problems),
        audit_log: records(&mut root, "audit_log", &mut problems),
    };
    if problems.is_empty() {
        Ok(doc)
    } else {
        Err(problems)
    }
}

/// One array of records, each read on its own so a bad one is named by its index.
fn records<T: DeserializeOwned>(
    root: &mut Map<String, Value>,
    record_type: &'static str,
    problems: &mut Vec<Problem>,
) -> Vec<T> {
    let Some(Value::Array(items)) = root.remove(record_type) else {
        problems.push(Problem::new(At::Document, "exchange.p_missing").with("field", record_type));
        return Vec::new();
    };
    let mut out = Vec::with_capacity(items.len());
    for (index, item) in items.into_iter().enumerate() {
        match serde_json::from_value(item) {
            Ok(r) => out.push(r),
            Err(e) => problems.push(
                Problem::new(At::Record { record_type, index }, "exchange.p_unreadable")
                    .with("detail", e.to_string()),
            ),
        }
    }
    out
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

    /// Merges a document into this database in one write transaction: a new id is inserted,
    /// an identical record skipped, and of two versions of one record the higher version (on
    /// a tie the later `updated_at`) is kept and reported as a conflict. Audit entries are
    /// appended when their id is absent. Any rule a record breaks refuses the whole document.
    pub fn import_document(&mut self, doc: &Document, source: &str) -> Result<ImportSummary> {
        self.write(|tx, ctx| {
            let problems = check_document(tx, doc)?;
            if !problems.is_empty() {
                return Err(StoreError::Rejected(problems));
            }
            // Within one file a supervisor may come after the people under them; the
            // references were all checked above, so let SQLite check them at commit.
            tx.pragma_update(None, "defer_foreign_keys", "ON")?;
            let mut m = Merge::default();
            m.run(tx, "employees", &doc.employees)?;
            m.run(tx, "customers", &doc.customers)?;
            m.run(tx, "purchases", &doc.purchases)?;
            m.run(tx, "follow_ups", &doc.follow_ups)?;
            m.run(tx, "follow_up_issues", &doc.follow_up_issues)?;
            let mut log = Tally::default();
            for entry in &doc.audit_log {
                let n = tx.execute(
                    "INSERT INTO audit_log (id, at, actor, action, record_type, record_id, changes)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (id) DO NOTHING",
                    params![
                        entry.id,
                        entry.at,
                        entry.actor,
                        entry.action,
                        entry.record_type,
                        entry.record_id,
                        entry.changes.to_string()
                    ],
                )?;
                if n == 1 {
                    log.inserted += 1;
                } else {
                    log.skipped += 1;
                }
            }
            m.summary.tallies.push(("audit_log", log));
            if !m.problems.is_empty() {
                return Err(StoreError::Rejected(m.problems));
            }
            let tallies: Map<String, Value> = m
                .summary
                .tallies
                .iter()
                .map(|(t, n)| (t.to_string(), json!(n)))
                .collect();
            let conflicts: Vec<Value> = m
                .summary
                .conflicts
                .iter()
                .map(
                    |c| json!({"record_type": c.record_type, "id": c.id, "kept_file": c.kept_file}),
                )
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
                    "exported_at": doc.exported_at,
                    "exported_by": doc.exported_by,
                    "counts": tallies,
                    "conflicts": conflicts,
                }),
            )?;
            Ok(m.summary)
        })
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

#[derive(Default)]
struct Merge {
    summary: ImportSummary,
    problems: Vec<Problem>,
}

impl Merge {
    fn run<T: Versioned>(
        &mut self,
        tx: &Connection,
        record_type: &'static str,
        items: &[T],
    ) -> Result<()> {
        let mut tally = Tally::default();
        let sql = format!("SELECT * FROM {} WHERE id = ?1", T::TABLE);
        for (index, item) in items.iter().enumerate() {
            let existing = tx
                .prepare_cached(&sql)?
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
                    self.summary.conflicts.push(Conflict {
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
                    Some(rusqlite::ErrorCode::ConstraintViolation) => self.problems.push(
                        Problem::new(at, "exchange.p_constraint").with("detail", e.to_string()),
                    ),
                    _ => return Err(e.into()),
                }
            }
        }
        self.summary.tallies.push((record_type, tally));
        Ok(())
    }
}

/// Collects the problems of one record at a time.
struct Checker<'a> {
    conn: &'a Connection,
    problems: Vec<Problem>,
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

    fn bookkeeping(&mut self, id: &str, version: i64, created_at: &str, updated_at: &str) {
        self.not_empty("id", id);
        if version < 1 {
            let p = self
                .problem("exchange.p_range")
                .with("field", "version")
                .with("value", version.to_string())
                .with("range", "≥ 1");
            self.push(p);
        }
        self.time("created_at", created_at);
        self.time("updated_at", updated_at);
    }

    /// A reference must name a record in the file or already in the database.
    fn refers(
        &mut self,
        field: &'static str,
        id: Option<&str>,
        in_file: &HashSet<&str>,
        table: &'static str,
    ) -> Result<()> {
        let Some(id) = id else { return Ok(()) };
        if in_file.contains(id) {
            return Ok(());
        }
        let sql = format!("SELECT EXISTS (SELECT 1 FROM {table} WHERE id = ?1)");
        let here: bool = self
            .conn
            .prepare_cached(&sql)?
            .query_row([id], |r| r.get(0))?;
        if !here {
            let p = self
                .problem("exchange.p_dangling")
                .with("field", field)
                .with("value", id)
                .with("target", table);
            self.push(p);
        }
        Ok(())
    }
}

/// Ids of one array, noting any id that appears twice.
fn ids<'a, T>(
    record_type: &'static str,
    items: &'a [T],
    id: impl Fn(&'a T) -> &'a str,
    problems: &mut Vec<Problem>,
) -> HashSet<&'a str> {
    let mut first: HashMap<&str, usize> = HashMap::new();
    for (index, item) in items.iter().enumerate() {
        let i = id(item);
        if let Some(other) = first.get(i) {
            problems.push(
                Problem::new(At::Record { record_type, index }, "exchange.p_duplicate_id")
                    .with("value", i)
                    .with("other", other.to_string()),
            );
        } else {
            first.insert(i, index);
        }
    }
    first.into_keys().collect()
}

/// The rules the schema and the forms hold every record to, checked before anything is
/// written so each problem is named by its record rather than by a bare SQLite error.
fn check_document(conn: &Connection, doc: &Document) -> Result<Vec<Problem>> {
    let mut problems = Vec::new();
    let employees = ids("employees", &doc.employees, |e| &e.id, &mut problems);
    let customers = ids("customers", &doc.customers, |c| &c.id, &mut problems);
    ids("purchases", &doc.purchases, |p| &p.id, &mut problems);
    let follow_ups = ids("follow_ups", &doc.follow_ups, |f| &f.id, &mut problems);
    ids(
        "follow_up_issues",
        &doc.follow_up_issues,
        |i| &i.id,
        &mut problems,
    );
    ids("audit_log", &doc.audit_log, |a| &a.id, &mut problems);
    let mut c = Checker {
        conn,
        problems,
        at: At::Document,
    };
    let at = |record_type, index| At::Record { record_type, index };

    for (i, e) in doc.employees.iter().enumerate() {
        c.at = at("employees", i);
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
        c.refers(
            "supervisor_id",
            e.supervisor_id.as_deref(),
            &employees,
            "employee",
        )?;
    }
    for (i, x) in doc.customers.iter().enumerate() {
        c.at = at("customers", i);
        c.bookkeeping(&x.id, x.version, &x.created_at, &x.updated_at);
        c.not_empty("code", &x.code);
        c.not_empty("name", &x.name);
        c.refers("owner_id", x.owner_id.as_deref(), &employees, "employee")?;
    }
    for (i, p) in doc.purchases.iter().enumerate() {
        c.at = at("purchases", i);
        c.bookkeeping(&p.id, p.version, &p.created_at, &p.updated_at);
        c.not_empty("product", &p.product);
        if p.quantity < 1 {
            let pr = c
                .problem("exchange.p_range")
                .with("field", "quantity")
                .with("value", p.quantity.to_string())
                .with("range", "≥ 1");
            c.push(pr);
        }
        if p.amount_cents < 0 {
            let pr = c
                .problem("exchange.p_range")
                .with("field", "amount_cents")
                .with("value", p.amount_cents.to_string())
                .with("range", "≥ 0");
            c.push(pr);
        }
        c.refers("customer_id", Some(&p.customer_id), &customers, "customer")?;
    }
    for (i, f) in doc.follow_ups.iter().enumerate() {
        c.at = at("follow_ups", i);
        c.bookkeeping(&f.id, f.version, &f.created_at, &f.updated_at);
        if let Some(s) = f.satisfaction.filter(|s| !(1..=5).contains(s)) {
            let p = c
                .problem("exchange.p_range")
                .with("field", "satisfaction")
                .with("value", s.to_string())
                .with("range", "1–5");
            c.push(p);
        }
        c.refers("customer_id", Some(&f.customer_id), &customers, "customer")?;
        c.refers("owner_id", f.owner_id.as_deref(), &employees, "employee")?;
    }
    for (i, x) in doc.follow_up_issues.iter().enumerate() {
        c.at = at("follow_up_issues", i);
        c.bookkeeping(&x.id, x.version, &x.created_at, &x.updated_at);
        c.not_empty("description", &x.description);
        c.not_empty("department", &x.department);
        c.refers(
            "follow_up_id",
            Some(&x.follow_up_id),
            &follow_ups,
            "follow_up",
        )?;
    }
    for (i, a) in doc.audit_log.iter().enumerate() {
        c.at = at("audit_log", i);
        c.not_empty("id", &a.id);
        c.time("at", &a.at);
        c.not_empty("actor", &a.actor);
        c.not_empty("action", &a.action);
        c.not_empty("record_type", &a.record_type);
    }
    Ok(c.problems)
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
