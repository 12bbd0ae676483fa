//! Customers and their purchases in SQL, and the in-memory search index that makes the
//! live filter answer within a keystroke at 100,000 customers.

use super::employee::stale_or_missing;
use super::{
    Ctx, Result, Store, StoreError, audit, code_col, date_col, error::unique_violation, opt_date,
};
use crate::domain::customer::haystack;
use crate::domain::{Code, date};
use crate::domain::{Customer, CustomerInput, Purchase, PurchaseInput, new_id, text};
use rusqlite::{Connection, OptionalExtension, params};

const COLS: &str = "c.id, c.code, c.name, c.company, c.tier, c.tags, c.phone, c.email, c.address, \
    c.birthday, c.preferences, c.source, c.owner_id, c.notes, c.classification, c.version, \
    c.created_at, c.updated_at";

/// A customer as a list shows it: the record and its owner's name.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerRow {
    pub customer: Customer,
    pub owner_name: Option<String>,
}

pub(crate) fn from_row(r: &rusqlite::Row) -> rusqlite::Result<Customer> {
    Ok(Customer {
        id: r.get("id")?,
        code: r.get("code")?,
        name: r.get("name")?,
        company: r.get("company")?,
        tier: code_col(r, "tier")?,
        tags: r.get("tags")?,
        phone: r.get("phone")?,
        email: r.get("email")?,
        address: r.get("address")?,
        birthday: opt_date(r.get("birthday")?),
        preferences: r.get("preferences")?,
        source: r.get("source")?,
        owner_id: r.get("owner_id")?,
        notes: r.get("notes")?,
        classification: code_col(r, "classification")?,
        version: r.get("version")?,
        created_at: r.get("created_at")?,
        updated_at: r.get("updated_at")?,
    })
}

fn row_from(r: &rusqlite::Row) -> rusqlite::Result<CustomerRow> {
    Ok(CustomerRow {
        customer: from_row(r)?,
        owner_name: r.get("owner_name")?,
    })
}

pub fn count(conn: &Connection) -> Result<usize> {
    Ok(conn.query_row("SELECT count(*) FROM customer", [], |r| r.get::<_, i64>(0))? as usize)
}

/// One page of all customers by name; `total`, when known, lets a page near the end be read
/// from the end. Rowids come from the name index alone, then only the page is joined.
pub fn page(
    conn: &Connection,
    offset: usize,
    limit: usize,
    total: Option<usize>,
) -> Result<Vec<CustomerRow>> {
    let (reverse, offset, limit) = super::follow_up::window(offset, limit, total);
    let inner = if reverse {
        "ORDER BY name DESC, id DESC"
    } else {
        "ORDER BY name, id"
    };
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLS}, e.name AS owner_name
         FROM (SELECT rowid AS rid FROM customer {inner} LIMIT ?1 OFFSET ?2) p
         JOIN customer c ON c.rowid = p.rid LEFT JOIN employee e ON e.id = c.owner_id
         ORDER BY c.name, c.id"
    ))?;
    let rows = stmt.query_map(params![limit as i64, offset as i64], row_from)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The customers with these rowids, in the order given: one query for the whole page.
pub fn by_rowids(conn: &Connection, rowids: &[i64]) -> Result<Vec<CustomerRow>> {
    if rowids.is_empty() {
        return Ok(Vec::new());
    }
    // Integers only, so the list is safe to write into the statement.
    let list: Vec<String> = rowids.iter().map(i64::to_string).collect();
    let mut stmt = conn.prepare(&format!(
        "SELECT c.rowid AS rid, {COLS}, e.name AS owner_name FROM customer c
         LEFT JOIN employee e ON e.id = c.owner_id WHERE c.rowid IN ({})",
        list.join(",")
    ))?;
    let mut found: std::collections::HashMap<i64, CustomerRow> = stmt
        .query_map([], |r| Ok((r.get("rid")?, row_from(r)?)))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rowids.iter().filter_map(|id| found.remove(id)).collect())
}

/// The filter before the search index is ready: a plain scan, slower at scale but correct.
/// Rowids in list order.
pub fn search_rowids(conn: &Connection, query: &str) -> Result<Vec<i64>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT c.rowid FROM customer c WHERE {LIKE} ORDER BY c.name, c.id"
    ))?;
    let rows = stmt.query_map([like_pattern(query)], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

const LIKE: &str =
    "(c.name LIKE ?1 ESCAPE '\\' OR c.code LIKE ?1 ESCAPE '\\' OR c.company LIKE ?1 ESCAPE '\\'
    OR c.phone LIKE ?1 ESCAPE '\\' OR c.tags LIKE ?1 ESCAPE '\\')";

/// `%query%` with LIKE's own wildcards escaped.
pub(crate) fn like_pattern(query: &str) -> String {
    let q = crate::domain::text::clean(query)
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{q}%")
}

pub fn get(conn: &Connection, id: &str) -> Result<CustomerRow> {
    conn.query_row(
        &format!(
            "SELECT {COLS}, e.name AS owner_name FROM customer c LEFT JOIN employee e ON e.id = c.owner_id
             WHERE c.id = ?1"
        ),
        [id],
        row_from,
    )
    .optional()?
    .ok_or(StoreError::NotFound { record: "customer" })
}

/// Every customer by code (the order `all` and the export give).
pub(crate) fn all_sql() -> String {
    format!("SELECT {COLS} FROM customer c ORDER BY c.code")
}

pub fn all(conn: &Connection) -> Result<Vec<Customer>> {
    let mut stmt = conn.prepare(&all_sql())?;
    let rows = stmt.query_map([], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A code for a new customer: one past the highest `C` number.
pub fn next_code(conn: &Connection) -> Result<String> {
    let max: Option<String> = conn.query_row(
        "SELECT max(code) FROM customer WHERE code GLOB 'C[0-9][0-9][0-9][0-9][0-9][0-9]'",
        [],
        |r| r.get(0),
    )?;
    let n = max.and_then(|m| m[1..].parse::<u32>().ok()).unwrap_or(0);
    Ok(format!("C{:06}", n + 1))
}

pub(crate) fn insert(conn: &Connection, c: &Customer) -> rusqlite::Result<usize> {
    // Cached: the bulk load of the scale data set inserts 100,000 rows through here.
    conn.prepare_cached(
        "INSERT INTO customer (id, code, name, company, tier, tags, phone, email, address, birthday,
            preferences, source, owner_id, notes, classification, version, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
    )?
    .execute(params![
        c.id, c.code, c.name, c.company, c.tier.code(), c.tags, c.phone, c.email, c.address,
        c.birthday.map(date::format), c.preferences, c.source, c.owner_id, c.notes,
        c.classification.code(), c.version, c.created_at, c.updated_at
    ])
}

/// `base` with the fields a form or a CSV row sets replaced by `v`.
pub(crate) fn apply(base: Customer, v: CustomerInput) -> Customer {
    Customer {
        code: v.code,
        name: v.name,
        company: v.company,
        tier: v.tier.unwrap_or(base.tier),
        tags: v.tags,
        phone: v.phone,
        email: v.email,
        address: v.address,
        birthday: v.birthday,
        preferences: v.preferences,
        source: v.source,
        owner_id: v.owner_id,
        notes: v.notes,
        ..base
    }
}

pub fn new_customer(input: CustomerInput, now: &str) -> Customer {
    let base = Customer {
        id: new_id(),
        code: String::new(),
        name: String::new(),
        company: String::new(),
        tier: input.tier.unwrap_or(crate::domain::Tier::C),
        tags: String::new(),
        phone: String::new(),
        email: String::new(),
        address: String::new(),
        birthday: None,
        preferences: String::new(),
        source: String::new(),
        owner_id: None,
        notes: String::new(),
        classification: crate::domain::Classification::Confidential,
        version: 1,
        created_at: now.to_string(),
        updated_at: now.to_string(),
    };
    apply(base, input)
}

/// Adds a customer inside the caller's transaction (the demo adds two hundred in one);
/// `Store::create_customer` is the one-form version.
pub fn create(tx: &Connection, ctx: &Ctx, input: &CustomerInput) -> Result<Customer> {
    let v = input.validate().map_err(StoreError::Invalid)?;
    create_in(tx, ctx, v)
}

/// Inserts a customer from validated input inside the caller's transaction, with its audit entry.
pub(crate) fn create_in(tx: &Connection, ctx: &Ctx, v: CustomerInput) -> Result<Customer> {
    let c = new_customer(v, &ctx.now);
    insert(tx, &c).map_err(|e| unique_violation(e, "code"))?;
    audit::created(tx, ctx, "customer", &c.id, &c)?;
    Ok(c)
}

/// The versioned save of a customer opened at `old.version`, inside the caller's transaction:
/// refused as stale if anyone saved it since. `v` must be validated input.
pub(crate) fn update_in(
    tx: &Connection,
    ctx: &Ctx,
    old: &Customer,
    v: CustomerInput,
) -> Result<Customer> {
    let new = Customer {
        version: old.version + 1,
        updated_at: ctx.now.clone(),
        ..apply(old.clone(), v)
    };
    let n = tx
        .execute(
            "UPDATE customer SET code=?2, name=?3, company=?4, tier=?5, tags=?6, phone=?7, email=?8,
               address=?9, birthday=?10, preferences=?11, source=?12, owner_id=?13, notes=?14,
               version=version+1, updated_at=?15
             WHERE id=?1 AND version=?16",
            params![
                new.id, new.code, new.name, new.company, new.tier.code(), new.tags, new.phone,
                new.email, new.address, new.birthday.map(date::format), new.preferences,
                new.source, new.owner_id, new.notes, new.updated_at, old.version
            ],
        )
        .map_err(|e| unique_violation(e, "code"))?;
    stale_or_missing(tx, n, "customer", &old.id)?;
    audit::changed(tx, ctx, "update", "customer", &new.id, (old, &new))?;
    Ok(new)
}

/// Adds a purchase inside the caller's transaction.
pub fn add_purchase(
    tx: &Connection,
    ctx: &Ctx,
    customer_id: &str,
    input: &PurchaseInput,
) -> Result<Purchase> {
    let (d, product, quantity, amount_cents) = input.validate().map_err(StoreError::Invalid)?;
    let p = Purchase {
        id: new_id(),
        customer_id: customer_id.to_string(),
        date: d,
        product,
        quantity,
        amount_cents,
        version: 1,
        created_at: ctx.now.clone(),
        updated_at: ctx.now.clone(),
    };
    insert_purchase(tx, &p)?;
    audit::created(tx, ctx, "purchase", &p.id, &p)?;
    Ok(p)
}

impl Store {
    pub fn create_customer(&mut self, input: &CustomerInput) -> Result<Customer> {
        // Refuse a bad form before waiting for the write lock.
        let v = input.validate().map_err(StoreError::Invalid)?;
        self.write(|tx, ctx| create_in(tx, ctx, v))
    }

    pub fn update_customer(&mut self, old: &Customer, input: &CustomerInput) -> Result<Customer> {
        let v = input.validate().map_err(StoreError::Invalid)?;
        self.write(|tx, ctx| update_in(tx, ctx, old, v))
    }

    /// Deletes a customer with its purchases and follow-ups; refused if it changed since opened.
    pub fn delete_customer(&mut self, old: &Customer) -> Result<()> {
        self.write(|tx, ctx| {
            let n = tx.execute(
                "DELETE FROM customer WHERE id=?1 AND version=?2",
                params![old.id, old.version],
            )?;
            stale_or_missing(tx, n, "customer", &old.id)?;
            audit::record(
                tx,
                ctx,
                "delete",
                "customer",
                Some(&old.id),
                audit::snapshot(old),
            )?;
            Ok(())
        })
    }

    pub fn add_purchase(&mut self, customer_id: &str, input: &PurchaseInput) -> Result<Purchase> {
        input.validate().map_err(StoreError::Invalid)?;
        self.write(|tx, ctx| add_purchase(tx, ctx, customer_id, input))
    }
}

pub(crate) fn insert_purchase(conn: &Connection, p: &Purchase) -> rusqlite::Result<usize> {
    conn.prepare_cached(
        "INSERT INTO purchase (id, customer_id, date, product, quantity, amount_cents, version, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![p.id, p.customer_id, date::format(p.date), p.product, p.quantity, p.amount_cents, p.version, p.created_at, p.updated_at])
}

pub(crate) fn purchase_from_row(r: &rusqlite::Row) -> rusqlite::Result<Purchase> {
    Ok(Purchase {
        id: r.get("id")?,
        customer_id: r.get("customer_id")?,
        date: date_col(r, "date")?,
        product: r.get("product")?,
        quantity: r.get("quantity")?,
        amount_cents: r.get("amount_cents")?,
        version: r.get("version")?,
        created_at: r.get("created_at")?,
        updated_at: r.get("updated_at")?,
    })
}

pub fn purchases(conn: &Connection, customer_id: &str) -> Result<Vec<Purchase>> {
    let mut stmt = conn
        .prepare_cached("SELECT * FROM purchase WHERE customer_id = ?1 ORDER BY date DESC, id")?;
    let rows = stmt.query_map([customer_id], purchase_from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Every purchase, by customer and date (the order `all_purchases` and the export give).
pub(crate) const ALL_PURCHASES_SQL: &str = "SELECT * FROM purchase ORDER BY customer_id, date, id";

pub fn all_purchases(conn: &Connection) -> Result<Vec<Purchase>> {
    let mut stmt = conn.prepare(ALL_PURCHASES_SQL)?;
    let rows = stmt.query_map([], purchase_from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Every customer's searchable text in one buffer, in list order (by name), so a filter
/// keystroke is one substring scan of a few megabytes instead of a query over the table.
#[derive(Debug, Default)]
pub struct SearchIndex {
    text: String,
    /// Where each entry starts in `text`, and its rowid.
    starts: Vec<u32>,
    rowids: Vec<i64>,
}

impl SearchIndex {
    pub fn load(conn: &Connection) -> Result<SearchIndex> {
        let mut idx = SearchIndex::default();
        let mut stmt = conn.prepare(
            "SELECT rowid, code, name, company, phone, tags FROM customer ORDER BY name, id",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            idx.starts.push(idx.text.len() as u32);
            idx.rowids.push(r.get(0)?);
            let hay = haystack(
                &r.get::<_, String>(1)?,
                &r.get::<_, String>(2)?,
                &r.get::<_, String>(3)?,
                &r.get::<_, String>(4)?,
                &r.get::<_, String>(5)?,
            );
            idx.text.push_str(&hay);
            idx.text.push('\n');
        }
        Ok(idx)
    }

    pub fn len(&self) -> usize {
        self.rowids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rowids.is_empty()
    }

    /// Positions (in list order) of the entries containing `query`, matched case-folded.
    pub fn matches(&self, query: &str) -> Vec<u32> {
        let q = text::fold(query.trim());
        if q.is_empty() {
            return (0..self.rowids.len() as u32).collect();
        }
        if q.contains('\n') {
            return Vec::new();
        }
        // memmem is vectorised, and after a hit the scan jumps to the next entry: a few
        // megabytes take about a millisecond.
        let finder = memchr::memmem::Finder::new(q.as_bytes());
        let bytes = self.text.as_bytes();
        let mut out: Vec<u32> = Vec::new();
        let mut from = 0;
        while let Some(i) = finder.find(&bytes[from..]) {
            let entry = self.starts.partition_point(|s| *s as usize <= from + i) - 1;
            out.push(entry as u32);
            from = self
                .starts
                .get(entry + 1)
                .map_or(bytes.len(), |s| *s as usize);
        }
        out
    }

    pub fn rowid(&self, position: u32) -> Option<i64> {
        self.rowids.get(position as usize).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Tier;

    fn input(code: &str, name: &str) -> CustomerInput {
        CustomerInput {
            code: code.into(),
            name: name.into(),
            tier: Some(Tier::A),
            ..Default::default()
        }
    }

    #[test]
    fn create_update_and_stale_save() {
        let mut s = Store::open_in_memory("tester").unwrap();
        let c = s.create_customer(&input("C000001", "王偉")).unwrap();
        let mut edit = input("C000001", "王偉");
        edit.company = "長城貿易".into();
        let c2 = s.update_customer(&c, &edit).unwrap();
        assert_eq!(c2.version, 2);
        // A save from a form opened at version 1 is refused now.
        let err = s
            .update_customer(&c, &input("C000001", "王小偉"))
            .unwrap_err();
        assert!(matches!(err, StoreError::Stale { .. }), "{err:?}");
        assert_eq!(get(s.conn(), &c.id).unwrap().customer.company, "長城貿易");
        let log = audit::for_record(s.conn(), "customer", &c.id).unwrap();
        assert_eq!(
            log.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(),
            ["create", "update"]
        );
        assert_eq!(log[1].changes["company"][1], "長城貿易");
        assert_eq!(log[1].actor, "tester");
    }

    #[test]
    fn duplicate_code_is_named() {
        let mut s = Store::open_in_memory("tester").unwrap();
        s.create_customer(&input("C000001", "王偉")).unwrap();
        let err = s.create_customer(&input("C000001", "李娜")).unwrap_err();
        assert!(matches!(err, StoreError::Duplicate { field: "code" }));
        assert_eq!(next_code(s.conn()).unwrap(), "C000002");
    }

    #[test]
    fn search_index_finds_chinese_substrings_in_name_order() {
        let mut s = Store::open_in_memory("tester").unwrap();
        s.create_customer(&input("C000001", "張偉")).unwrap();
        s.create_customer(&input("C000002", "王偉明")).unwrap();
        s.create_customer(&CustomerInput {
            phone: "13800001234".into(),
            ..input("C000003", "Li Na")
        })
        .unwrap();
        let idx = SearchIndex::load(s.conn()).unwrap();
        let found = idx.matches("偉");
        assert_eq!(found.len(), 2);
        let names: Vec<String> = by_rowids(
            s.conn(),
            &found
                .iter()
                .filter_map(|p| idx.rowid(*p))
                .collect::<Vec<_>>(),
        )
        .unwrap()
        .into_iter()
        .map(|r| r.customer.name)
        .collect();
        // Ordered by name as SQLite collates it (code points): 張 U+5F35 before 王 U+738B.
        assert_eq!(names, ["張偉", "王偉明"]);
        assert_eq!(idx.matches("li na").len(), 1);
        assert_eq!(idx.matches("0000123").len(), 1);
        assert_eq!(idx.matches("").len(), 3);
        assert!(idx.matches("趙").is_empty());
    }
}
