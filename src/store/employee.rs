//! The roster in SQL.

use super::{Ctx, Result, Store, StoreError, audit, code_col, error::unique_violation};
use crate::domain::{Code, Employee, EmployeeInput, new_id};
use rusqlite::{Connection, OptionalExtension, params};

const COLS: &str = "id, login, name, role, supervisor_id, active, version, created_at, updated_at";

pub(crate) fn from_row(r: &rusqlite::Row) -> rusqlite::Result<Employee> {
    Ok(Employee {
        id: r.get("id")?,
        login: r.get("login")?,
        name: r.get("name")?,
        role: code_col(r, "role")?,
        supervisor_id: r.get("supervisor_id")?,
        active: r.get("active")?,
        version: r.get("version")?,
        created_at: r.get("created_at")?,
        updated_at: r.get("updated_at")?,
    })
}

/// Every employee, in the roster's order (the order `all` and the export give).
pub(crate) fn all_sql() -> String {
    format!("SELECT {COLS} FROM employee ORDER BY active DESC, name, id")
}

pub fn all(conn: &Connection) -> Result<Vec<Employee>> {
    let mut stmt = conn.prepare(&all_sql())?;
    let rows = stmt.query_map([], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn count(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("SELECT count(*) FROM employee", [], |r| r.get(0))?)
}

pub fn by_login(conn: &Connection, login: &str) -> Result<Option<Employee>> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLS} FROM employee WHERE login = ?1"),
            [login],
            from_row,
        )
        .optional()?)
}

pub fn get(conn: &Connection, id: &str) -> Result<Employee> {
    conn.query_row(
        &format!("SELECT {COLS} FROM employee WHERE id = ?1"),
        [id],
        from_row,
    )
    .optional()?
    .ok_or(StoreError::NotFound { record: "employee" })
}

/// Adds a person inside the caller's transaction, so a whole department (the demo) can be
/// added at once; `Store::create_employee` is the one-form version.
pub fn create(tx: &Connection, ctx: &Ctx, input: &EmployeeInput) -> Result<Employee> {
    let (login, name, role) = input.validate().map_err(StoreError::Invalid)?;
    let e = Employee {
        id: new_id(),
        login,
        name,
        role,
        supervisor_id: input.supervisor_id.clone(),
        active: true,
        version: 1,
        created_at: ctx.now.clone(),
        updated_at: ctx.now.clone(),
    };
    insert(tx, &e).map_err(|err| unique_violation(err, "login"))?;
    audit::created(tx, ctx, "employee", &e.id, &e)?;
    Ok(e)
}

impl Store {
    pub fn create_employee(&mut self, input: &EmployeeInput) -> Result<Employee> {
        // Refuse a bad form before waiting for the write lock.
        input.validate().map_err(StoreError::Invalid)?;
        self.write(|tx, ctx| create(tx, ctx, input))
    }

    /// Saves changes to a person opened at `old.version`; refused if it changed since.
    pub fn update_employee(
        &mut self,
        old: &Employee,
        input: &EmployeeInput,
        active: bool,
    ) -> Result<Employee> {
        let (login, name, role) = input.validate().map_err(StoreError::Invalid)?;
        self.write(|tx, ctx| {
            let new = Employee {
                login,
                name,
                role,
                supervisor_id: input.supervisor_id.clone(),
                active,
                version: old.version + 1,
                updated_at: ctx.now.clone(),
                ..old.clone()
            };
            let n = tx
                .execute(
                    "UPDATE employee SET login=?2, name=?3, role=?4, supervisor_id=?5, active=?6,
                     version=version+1, updated_at=?7 WHERE id=?1 AND version=?8",
                    params![
                        new.id,
                        new.login,
                        new.name,
                        new.role.code(),
                        new.supervisor_id,
                        new.active,
                        new.updated_at,
                        old.version
                    ],
                )
                .map_err(|err| unique_violation(err, "login"))?;
            stale_or_missing(tx, n, "employee", &old.id)?;
            audit::changed(tx, ctx, "update", "employee", &new.id, (old, &new))?;
            Ok(new)
        })
    }
}

pub(crate) fn insert(conn: &Connection, e: &Employee) -> rusqlite::Result<usize> {
    // Cached: the bulk load of the scale data set inserts through here too.
    conn.prepare_cached(&format!(
        "INSERT INTO employee ({COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
    ))?
    .execute(params![
        e.id,
        e.login,
        e.name,
        e.role.code(),
        e.supervisor_id,
        e.active,
        e.version,
        e.created_at,
        e.updated_at
    ])
}

/// After an UPDATE … WHERE version = ?: no row changed means stale, or gone.
pub(crate) fn stale_or_missing(
    conn: &Connection,
    changed: usize,
    table: &'static str,
    id: &str,
) -> Result<()> {
    if changed == 1 {
        return Ok(());
    }
    let exists: bool = conn.query_row(
        &format!("SELECT EXISTS (SELECT 1 FROM {table} WHERE id = ?1)"),
        [id],
        |r| r.get(0),
    )?;
    Err(if exists {
        StoreError::Stale { record: table }
    } else {
        StoreError::NotFound { record: table }
    })
}
