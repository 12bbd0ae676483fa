//! Merging an export into the database: the per-type rules (`Versioned`), the checks of
//! references and rules, and the streaming import inside one write transaction.

use super::*;
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
pub(super) const IMPORT_CACHE: i64 = -32_768;

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

pub(super) fn import_in<R: Read>(
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
