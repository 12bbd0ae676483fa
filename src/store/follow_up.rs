//! Follow-up visits and the issues they raise, in SQL: scheduling, outcomes, the paged lists
//! and the Today list.

use super::employee::stale_or_missing;
use super::{Ctx, Result, Store, StoreError, audit, code_col, date_col, opt_date};
use crate::domain::{
    Cadence, Code, FollowUp, FollowUpInput, FollowUpIssue, FollowUpState, IssueState, Method,
    Outcome, date, follow_up::validate_issue, new_id, text,
};
use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, params};

/// A visit as a list shows it, with the customer's and owner's names.
#[derive(Debug, Clone, PartialEq)]
pub struct FollowUpRow {
    pub visit: FollowUp,
    pub customer_code: String,
    pub customer_name: String,
    pub owner_name: Option<String>,
}

/// Which visits a list shows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Scope {
    /// Planned only (overdue first), or every visit, newest first.
    pub open_only: bool,
    pub owner_id: Option<String>,
    pub customer_id: Option<String>,
    /// Due on or before this day (the Today screen).
    pub due_by: Option<NaiveDate>,
    /// Only visits of these customers (from the customer search index).
    pub customer_rowids: Option<Vec<i64>>,
    /// Only visits of customers whose name or code contains this (before the index is ready).
    pub customer_like: Option<String>,
}

const SELECT: &str = "SELECT f.*, c.code AS customer_code, c.name AS customer_name, e.name AS owner_name
    FROM follow_up f JOIN customer c ON c.id = f.customer_id LEFT JOIN employee e ON e.id = f.owner_id";

pub(crate) fn from_row(r: &rusqlite::Row) -> rusqlite::Result<FollowUp> {
    Ok(FollowUp {
        id: r.get("id")?,
        customer_id: r.get("customer_id")?,
        owner_id: r.get("owner_id")?,
        method: code_col(r, "method")?,
        due_date: date_col(r, "due_date")?,
        state: code_col(r, "state")?,
        done_date: opt_date(r.get("done_date")?),
        satisfaction: r.get("satisfaction")?,
        feedback: r.get("feedback")?,
        issues_found: r.get("issues_found")?,
        note: r.get("note")?,
        version: r.get("version")?,
        created_at: r.get("created_at")?,
        updated_at: r.get("updated_at")?,
    })
}

fn row_from(r: &rusqlite::Row) -> rusqlite::Result<FollowUpRow> {
    Ok(FollowUpRow {
        visit: from_row(r)?,
        customer_code: r.get("customer_code")?,
        customer_name: r.get("customer_name")?,
        owner_name: r.get("owner_name")?,
    })
}

fn where_clause(scope: &Scope) -> (String, Vec<rusqlite::types::Value>) {
    use rusqlite::types::Value;
    let mut conds = Vec::new();
    let mut args: Vec<Value> = Vec::new();
    if scope.open_only {
        conds.push("f.state = 'planned'".to_string());
    }
    if let Some(o) = &scope.owner_id {
        args.push(Value::Text(o.clone()));
        conds.push(format!("f.owner_id = ?{}", args.len()));
    }
    if let Some(c) = &scope.customer_id {
        args.push(Value::Text(c.clone()));
        conds.push(format!("f.customer_id = ?{}", args.len()));
    }
    if let Some(d) = scope.due_by {
        args.push(Value::Text(date::format(d)));
        conds.push(format!("f.due_date <= ?{}", args.len()));
    }
    if let Some(ids) = &scope.customer_rowids {
        let list: Vec<String> = ids.iter().map(i64::to_string).collect();
        conds.push(format!(
            "f.customer_id IN (SELECT id FROM customer WHERE rowid IN ({}))",
            list.join(",")
        ));
    }
    if let Some(q) = &scope.customer_like {
        args.push(Value::Text(super::customer::like_pattern(q)));
        let n = args.len();
        conds.push(format!(
            "(c.name LIKE ?{n} ESCAPE '\\' OR c.code LIKE ?{n} ESCAPE '\\')"
        ));
    }
    let w = if conds.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conds.join(" AND "))
    };
    (w, args)
}

fn order(scope: &Scope, reverse: bool) -> &'static str {
    // Ties break by rowid, which every index already holds in order: no sort at scale.
    match (scope.open_only, reverse) {
        (true, false) | (false, true) => "ORDER BY f.due_date, f.rowid",
        (true, true) | (false, false) => "ORDER BY f.due_date DESC, f.rowid DESC",
    }
}

/// Which rows to read for `limit` rows from `offset` of `total`: past the middle of the list
/// they are read from the far end in reverse, so the last page costs what the first does.
/// Returns (reverse, offset, limit) for the query.
pub(crate) fn window(offset: usize, limit: usize, total: Option<usize>) -> (bool, usize, usize) {
    match total {
        Some(t) if offset > t / 2 => {
            let end = (offset + limit).min(t);
            (true, t - end, end.saturating_sub(offset))
        }
        _ => (false, offset, limit),
    }
}

pub fn count(conn: &Connection, scope: &Scope) -> Result<usize> {
    let (w, args) = where_clause(scope);
    // The join costs a pass over customers; only a name filter needs it.
    let join = if scope.customer_like.is_some() {
        "JOIN customer c ON c.id = f.customer_id"
    } else {
        ""
    };
    let sql = format!("SELECT count(*) FROM follow_up f {join} {w}");
    let mut stmt = conn.prepare_cached(&sql)?;
    Ok(stmt.query_row(rusqlite::params_from_iter(args), |r| r.get::<_, i64>(0))? as usize)
}

/// One page of the visits in `scope`, in list order. `total` (the count, when known) lets a
/// page near the end be read from the end. The page's rowids come from the indexes alone;
/// only those rows are then joined, so skipping far into a million visits stays cheap.
pub fn page(
    conn: &Connection,
    scope: &Scope,
    offset: usize,
    limit: usize,
    total: Option<usize>,
) -> Result<Vec<FollowUpRow>> {
    let (w, mut args) = where_clause(scope);
    let (reverse, offset, limit) = window(offset, limit, total);
    let join = if scope.customer_like.is_some() {
        "JOIN customer c ON c.id = f.customer_id"
    } else {
        ""
    };
    args.push((limit as i64).into());
    args.push((offset as i64).into());
    let n = args.len();
    let sql = format!(
        "SELECT f.*, c.code AS customer_code, c.name AS customer_name, e.name AS owner_name
         FROM (SELECT f.rowid AS rid FROM follow_up f {join} {w} {} LIMIT ?{} OFFSET ?{n}) p
         JOIN follow_up f ON f.rowid = p.rid JOIN customer c ON c.id = f.customer_id
         LEFT JOIN employee e ON e.id = f.owner_id {}",
        order(scope, reverse),
        n - 1,
        order(scope, false)
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(args), row_from)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn get(conn: &Connection, id: &str) -> Result<FollowUpRow> {
    conn.query_row(&format!("{SELECT} WHERE f.id = ?1"), [id], row_from)
        .optional()?
        .ok_or(StoreError::NotFound {
            record: "follow_up",
        })
}

/// Every follow-up visit by due date (the order `all` and the export give).
pub(crate) const ALL_SQL: &str = "SELECT * FROM follow_up ORDER BY due_date, id";

pub fn all(conn: &Connection) -> Result<Vec<FollowUp>> {
    let mut stmt = conn.prepare(ALL_SQL)?;
    let rows = stmt.query_map([], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub(crate) fn insert(conn: &Connection, f: &FollowUp) -> rusqlite::Result<usize> {
    // Cached: the bulk load of the scale data set inserts a million rows through here.
    conn.prepare_cached(
        "INSERT INTO follow_up (id, customer_id, owner_id, method, due_date, state, done_date, satisfaction,
            feedback, issues_found, note, version, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    )?
    .execute(params![
        f.id, f.customer_id, f.owner_id, f.method.code(), date::format(f.due_date), f.state.code(),
        f.done_date.map(date::format), f.satisfaction, f.feedback, f.issues_found, f.note,
        f.version, f.created_at, f.updated_at
    ])
}

fn save(conn: &Connection, old: &FollowUp, new: &FollowUp) -> Result<()> {
    let n = conn.execute(
        "UPDATE follow_up SET owner_id=?2, method=?3, due_date=?4, state=?5, done_date=?6, satisfaction=?7,
            feedback=?8, issues_found=?9, note=?10, version=version+1, updated_at=?11
         WHERE id=?1 AND version=?12",
        params![
            new.id, new.owner_id, new.method.code(), date::format(new.due_date), new.state.code(),
            new.done_date.map(date::format), new.satisfaction, new.feedback, new.issues_found, new.note,
            new.updated_at, old.version
        ],
    )?;
    stale_or_missing(conn, n, "follow_up", &old.id)
}

pub fn new_visit(
    customer_id: String,
    owner_id: Option<String>,
    method: Method,
    due: NaiveDate,
    note: String,
    now: &str,
) -> FollowUp {
    FollowUp {
        id: new_id(),
        customer_id,
        owner_id,
        method,
        due_date: due,
        state: FollowUpState::Planned,
        done_date: None,
        satisfaction: None,
        feedback: String::new(),
        issues_found: String::new(),
        note,
        version: 1,
        created_at: now.to_string(),
        updated_at: now.to_string(),
    }
}

/// Schedules a visit inside the caller's transaction; `Store::schedule_follow_up` is the
/// one-form version. The free functions below let the demo write a department at once.
pub fn schedule(tx: &Connection, ctx: &Ctx, input: &FollowUpInput) -> Result<FollowUp> {
    let (customer_id, method, due) = input.validate().map_err(StoreError::Invalid)?;
    let f = new_visit(
        customer_id,
        input.owner_id.clone(),
        method,
        due,
        text::clean(&input.note),
        &ctx.now,
    );
    insert(tx, &f)?;
    audit::created(tx, ctx, "follow_up", &f.id, &f)?;
    Ok(f)
}

/// Marks a planned visit done inside the caller's transaction; see `Store::complete_follow_up`.
pub fn complete(
    tx: &Connection,
    ctx: &Ctx,
    old: &FollowUp,
    outcome: &Outcome,
    today: NaiveDate,
    cadence: &Cadence,
) -> Result<(FollowUp, FollowUpInput)> {
    if old.state != FollowUpState::Planned {
        return Err(StoreError::Stale {
            record: "follow_up",
        });
    }
    let o = outcome.validate(today).map_err(StoreError::Invalid)?;
    let done = o.done_date.unwrap_or(today);
    let new = FollowUp {
        state: FollowUpState::Done,
        done_date: Some(done),
        satisfaction: o.satisfaction,
        feedback: o.feedback.clone(),
        issues_found: o.issues_found.clone(),
        version: old.version + 1,
        updated_at: ctx.now.clone(),
        ..old.clone()
    };
    save(tx, old, &new)?;
    audit::changed(tx, ctx, "done", "follow_up", &new.id, (old, &new))?;
    let tier: String = tx.query_row(
        "SELECT tier FROM customer WHERE id = ?1",
        [&old.customer_id],
        |r| r.get(0),
    )?;
    let tier = crate::domain::Tier::from_code(&tier).unwrap_or(crate::domain::Tier::C);
    let next = FollowUpInput {
        customer_id: Some(old.customer_id.clone()),
        owner_id: old.owner_id.clone(),
        method: Some(old.method),
        due_date: Some(cadence.next_due(tier, done)),
        note: String::new(),
    };
    Ok((new, next))
}

/// Marks a planned visit missed or cancelled, with a reason, inside the caller's transaction.
pub fn close(
    tx: &Connection,
    ctx: &Ctx,
    old: &FollowUp,
    state: FollowUpState,
    reason: &str,
) -> Result<FollowUp> {
    if old.state != FollowUpState::Planned
        || !matches!(state, FollowUpState::Missed | FollowUpState::Cancelled)
    {
        return Err(StoreError::Stale {
            record: "follow_up",
        });
    }
    let new = FollowUp {
        state,
        note: text::clean(reason),
        version: old.version + 1,
        updated_at: ctx.now.clone(),
        ..old.clone()
    };
    save(tx, old, &new)?;
    audit::changed(tx, ctx, state.code(), "follow_up", &new.id, (old, &new))?;
    Ok(new)
}

/// Hands an issue to a department inside the caller's transaction.
pub fn hand_over_issue(
    tx: &Connection,
    ctx: &Ctx,
    follow_up_id: &str,
    description: &str,
    department: &str,
) -> Result<FollowUpIssue> {
    let (description, department) =
        validate_issue(description, department).map_err(StoreError::Invalid)?;
    let i = FollowUpIssue {
        id: new_id(),
        follow_up_id: follow_up_id.to_string(),
        description,
        department,
        state: IssueState::Open,
        resolution: String::new(),
        closed_on: None,
        version: 1,
        created_at: ctx.now.clone(),
        updated_at: ctx.now.clone(),
    };
    insert_issue(tx, &i)?;
    audit::created(tx, ctx, "follow_up_issue", &i.id, &i)?;
    Ok(i)
}

/// Closes a handed-over issue with its resolution inside the caller's transaction.
pub fn close_issue(
    tx: &Connection,
    ctx: &Ctx,
    old: &FollowUpIssue,
    resolution: &str,
    today: NaiveDate,
) -> Result<FollowUpIssue> {
    let resolution = text::clean(resolution);
    if resolution.is_empty() {
        return Err(StoreError::Invalid(vec![crate::domain::FieldError::new(
            "resolution",
            "error.required",
        )]));
    }
    let new = FollowUpIssue {
        state: IssueState::Closed,
        resolution,
        closed_on: Some(today),
        version: old.version + 1,
        updated_at: ctx.now.clone(),
        ..old.clone()
    };
    let n = tx.execute(
        "UPDATE follow_up_issue SET state='closed', resolution=?2, closed_on=?3, version=version+1, updated_at=?4
         WHERE id=?1 AND version=?5",
        params![new.id, new.resolution, date::format(today), new.updated_at, old.version],
    )?;
    stale_or_missing(tx, n, "follow_up_issue", &old.id)?;
    audit::changed(tx, ctx, "close", "follow_up_issue", &new.id, (old, &new))?;
    Ok(new)
}

impl Store {
    pub fn schedule_follow_up(&mut self, input: &FollowUpInput) -> Result<FollowUp> {
        // Refuse a bad form before waiting for the write lock.
        input.validate().map_err(StoreError::Invalid)?;
        self.write(|tx, ctx| schedule(tx, ctx, input))
    }

    /// Changes a planned visit's method, due date, owner or note.
    pub fn update_follow_up(&mut self, old: &FollowUp, input: &FollowUpInput) -> Result<FollowUp> {
        let (_, method, due) = input.validate().map_err(StoreError::Invalid)?;
        self.write(|tx, ctx| {
            let new = FollowUp {
                method,
                due_date: due,
                owner_id: input.owner_id.clone(),
                note: text::clean(&input.note),
                version: old.version + 1,
                updated_at: ctx.now.clone(),
                ..old.clone()
            };
            save(tx, old, &new)?;
            audit::changed(tx, ctx, "update", "follow_up", &new.id, (old, &new))?;
            Ok(new)
        })
    }

    /// Marks a planned visit done with its outcome. Returns the visit as saved and the next
    /// regular visit the tier's cadence proposes (not yet scheduled: the user confirms it).
    pub fn complete_follow_up(
        &mut self,
        old: &FollowUp,
        outcome: &Outcome,
        today: NaiveDate,
        cadence: &Cadence,
    ) -> Result<(FollowUp, FollowUpInput)> {
        if old.state != FollowUpState::Planned {
            return Err(StoreError::Stale {
                record: "follow_up",
            });
        }
        outcome.validate(today).map_err(StoreError::Invalid)?;
        self.write(|tx, ctx| complete(tx, ctx, old, outcome, today, cadence))
    }

    /// Marks a planned visit missed or cancelled, with a reason.
    pub fn close_follow_up(
        &mut self,
        old: &FollowUp,
        state: FollowUpState,
        reason: &str,
    ) -> Result<FollowUp> {
        self.write(|tx, ctx| close(tx, ctx, old, state, reason))
    }

    /// Hands an issue found on a visit to a department, to be tracked until closed.
    pub fn hand_over_issue(
        &mut self,
        follow_up_id: &str,
        description: &str,
        department: &str,
    ) -> Result<FollowUpIssue> {
        validate_issue(description, department).map_err(StoreError::Invalid)?;
        self.write(|tx, ctx| hand_over_issue(tx, ctx, follow_up_id, description, department))
    }

    pub fn close_issue(
        &mut self,
        old: &FollowUpIssue,
        resolution: &str,
        today: NaiveDate,
    ) -> Result<FollowUpIssue> {
        self.write(|tx, ctx| close_issue(tx, ctx, old, resolution, today))
    }
}

pub(crate) fn insert_issue(conn: &Connection, i: &FollowUpIssue) -> rusqlite::Result<usize> {
    conn.prepare_cached(
        "INSERT INTO follow_up_issue (id, follow_up_id, description, department, state, resolution, closed_on,
            version, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        i.id, i.follow_up_id, i.description, i.department, i.state.code(), i.resolution,
        i.closed_on.map(date::format), i.version, i.created_at, i.updated_at
    ])
}

pub(crate) fn issue_from_row(r: &rusqlite::Row) -> rusqlite::Result<FollowUpIssue> {
    Ok(FollowUpIssue {
        id: r.get("id")?,
        follow_up_id: r.get("follow_up_id")?,
        description: r.get("description")?,
        department: r.get("department")?,
        state: code_col(r, "state")?,
        resolution: r.get("resolution")?,
        closed_on: opt_date(r.get("closed_on")?),
        version: r.get("version")?,
        created_at: r.get("created_at")?,
        updated_at: r.get("updated_at")?,
    })
}

pub fn issues(conn: &Connection, follow_up_id: &str) -> Result<Vec<FollowUpIssue>> {
    let mut stmt = conn.prepare_cached(
        "SELECT * FROM follow_up_issue WHERE follow_up_id = ?1 ORDER BY created_at, id",
    )?;
    let rows = stmt.query_map([follow_up_id], issue_from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn issue(conn: &Connection, id: &str) -> Result<FollowUpIssue> {
    conn.query_row(
        "SELECT * FROM follow_up_issue WHERE id = ?1",
        [id],
        issue_from_row,
    )
    .optional()?
    .ok_or(StoreError::NotFound {
        record: "follow_up_issue",
    })
}

/// An issue as the tracking list shows it: with the visit's customer and owner.
#[derive(Debug, Clone, PartialEq)]
pub struct IssueRow {
    pub issue: FollowUpIssue,
    /// The day of the visit that found it (done, else due).
    pub found_on: NaiveDate,
    pub customer_code: String,
    pub customer_name: String,
    pub owner_name: Option<String>,
}

pub fn issue_count(conn: &Connection, open_only: bool) -> Result<usize> {
    let sql = if open_only {
        "SELECT count(*) FROM follow_up_issue WHERE state = 'open'"
    } else {
        "SELECT count(*) FROM follow_up_issue"
    };
    Ok(conn.query_row(sql, [], |r| r.get::<_, i64>(0))? as usize)
}

/// Issues handed to departments, open ones first, those found longest ago first.
pub fn issue_page(
    conn: &Connection,
    open_only: bool,
    offset: usize,
    limit: usize,
) -> Result<Vec<IssueRow>> {
    let filter = if open_only {
        "WHERE i.state = 'open'"
    } else {
        ""
    };
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT i.*, COALESCE(f.done_date, f.due_date) AS found_on, c.code AS customer_code,
                c.name AS customer_name, e.name AS owner_name
         FROM follow_up_issue i JOIN follow_up f ON f.id = i.follow_up_id
         JOIN customer c ON c.id = f.customer_id LEFT JOIN employee e ON e.id = f.owner_id
         {filter} ORDER BY i.state DESC, found_on, i.rowid LIMIT ?1 OFFSET ?2"
    ))?;
    let rows = stmt.query_map(params![limit as i64, offset as i64], |r| {
        Ok(IssueRow {
            issue: issue_from_row(r)?,
            found_on: date_col(r, "found_on")?,
            customer_code: r.get("customer_code")?,
            customer_name: r.get("customer_name")?,
            owner_name: r.get("owner_name")?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Every issue handed over, oldest first (the order `all_issues` and the export give).
pub(crate) const ALL_ISSUES_SQL: &str = "SELECT * FROM follow_up_issue ORDER BY created_at, id";

pub fn all_issues(conn: &Connection) -> Result<Vec<FollowUpIssue>> {
    let mut stmt = conn.prepare(ALL_ISSUES_SQL)?;
    let rows = stmt.query_map([], issue_from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{CustomerInput, Tier};

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).unwrap()
    }

    #[test]
    fn done_visit_proposes_the_next_by_tier_from_the_day_done() {
        let mut s = Store::open_in_memory("tester").unwrap();
        let c = s
            .create_customer(&CustomerInput {
                code: "C1".into(),
                name: "王偉".into(),
                tier: Some(Tier::Vip),
                ..Default::default()
            })
            .unwrap();
        let f = s
            .schedule_follow_up(&FollowUpInput {
                customer_id: Some(c.id.clone()),
                method: Some(Method::Phone),
                due_date: Some(day(11, 20)),
                ..Default::default()
            })
            .unwrap();
        let scope = Scope {
            open_only: true,
            due_by: Some(day(11, 30)),
            ..Default::default()
        };
        assert_eq!(count(s.conn(), &scope).unwrap(), 1);
        let outcome = Outcome {
            done_date: Some(day(11, 28)),
            satisfaction: Some(5),
            feedback: "滿意".into(),
            issues_found: String::new(),
        };
        let (done, next) = s
            .complete_follow_up(&f, &outcome, day(11, 30), &Cadence::default())
            .unwrap();
        assert_eq!(done.state, FollowUpState::Done);
        assert_eq!(next.due_date, Some(day(12, 28)));
        assert_eq!(count(s.conn(), &scope).unwrap(), 0);
        // The form that still holds version 1 cannot complete it again.
        assert!(
            s.complete_follow_up(&f, &outcome, day(11, 30), &Cadence::default())
                .is_err()
        );
        let issue = s.hand_over_issue(&f.id, "包裝破損", "物流部").unwrap();
        let closed = s.close_issue(&issue, "已換貨", day(11, 30)).unwrap();
        assert_eq!(closed.state, IssueState::Closed);
        assert!(
            s.close_issue(&issue, "again", day(11, 30)).is_err(),
            "stale issue save refused"
        );
    }
}
