//! `marketdesk demo` through the real binary: what a user opening the sample department
//! would notice, that a second run changes nothing, and the scale data set's exact counts.

use chrono::NaiveDate;
use marketdesk::domain::{FollowUpState, Role};
use marketdesk::store::follow_up::Scope;
use marketdesk::store::{Store, audit, customer, employee, follow_up};
use std::path::Path;
use std::process::{Command, Output};

const TODAY: &str = "2026-11-30";

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
}

fn demo(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_marketdesk"))
        .arg("--db")
        .arg(dir.join("desk.db"))
        .args(["--user", "tester", "--lang", "en", "demo"])
        .args(args)
        .env("MARKETDESK_TODAY", TODAY)
        .env("MARKETDESK_CONFIG", dir.join("no-config.toml"))
        .env_remove("MARKETDESK_DB")
        .output()
        .unwrap()
}

fn open(dir: &Path) -> Store {
    Store::open(&dir.join("desk.db"), "tester").unwrap()
}

/// Everything a second run could have touched.
fn fingerprint(s: &Store) -> (i64, usize, usize, usize) {
    (
        employee::count(s.conn()).unwrap(),
        customer::count(s.conn()).unwrap(),
        follow_up::count(s.conn(), &Scope::default()).unwrap(),
        audit::all(s.conn()).unwrap().len(),
    )
}

#[test]
fn sample_department_is_lively_and_loaded_only_once() {
    let dir = tempfile::TempDir::new().unwrap();
    let out = demo(dir.path(), &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(printed.contains("200 customers"), "{printed}");

    let s = open(dir.path());
    let roster = employee::all(s.conn()).unwrap();
    let managers: Vec<_> = roster.iter().filter(|e| e.role == Role::Manager).collect();
    assert_eq!(managers.len(), 1, "one manager");
    let crm: Vec<_> = roster.iter().filter(|e| e.role == Role::Crm).collect();
    assert!(crm.len() >= 2, "CRM specialists: {}", crm.len());
    assert!(
        roster
            .iter()
            .filter(|e| e.role != Role::Manager)
            .all(|e| e.supervisor_id.as_deref() == Some(managers[0].id.as_str())),
        "everyone reports to the manager"
    );
    assert!(roster.iter().any(|e| e.login == "chen.meiling"));
    assert!(roster.iter().any(|e| e.name == "陳美玲"));

    assert_eq!(customer::count(s.conn()).unwrap(), 200);
    let customers = customer::all(s.conn()).unwrap();
    assert!(
        customers.iter().all(|c| crm
            .iter()
            .any(|e| c.owner_id.as_deref() == Some(e.id.as_str()))),
        "every customer is owned by a CRM specialist"
    );
    assert!(customers.iter().any(|c| c.company.ends_with("有限公司")));
    assert!(!customer::all_purchases(s.conn()).unwrap().is_empty());

    let visits = follow_up::all(s.conn()).unwrap();
    let done: Vec<_> = visits
        .iter()
        .filter(|v| v.state == FollowUpState::Done)
        .collect();
    assert!(done.len() > 200, "done visits: {}", done.len());
    assert!(done.iter().all(|v| v.satisfaction.is_some()
        && !v.feedback.is_empty()
        && v.done_date.is_some_and(|d| d < today())));
    assert!(
        visits.iter().any(
            |v| matches!(v.state, FollowUpState::Missed | FollowUpState::Cancelled)
                && !v.note.is_empty()
        ),
        "some visits missed or cancelled, with a reason"
    );
    assert!(
        visits
            .iter()
            .any(|v| v.state == FollowUpState::Planned && v.due_date > today()),
        "planned visits ahead"
    );
    assert!(
        !follow_up::all_issues(s.conn()).unwrap().is_empty(),
        "issues handed to departments"
    );

    // Each CRM specialist's Today screen has visits due today and overdue ones.
    for e in &crm {
        let scope = |due_by| Scope {
            open_only: true,
            owner_id: Some(e.id.clone()),
            due_by: Some(due_by),
            ..Default::default()
        };
        let by_today = follow_up::count(s.conn(), &scope(today())).unwrap();
        let overdue = follow_up::count(s.conn(), &scope(today().pred_opt().unwrap())).unwrap();
        assert!(overdue >= 2, "{}: {overdue} overdue", e.login);
        assert!(by_today - overdue >= 2, "{}: due today", e.login);
    }
    assert!(audit::all(s.conn()).unwrap().len() > 1000, "audited");
    let before = fingerprint(&s);
    drop(s);

    let again = demo(dir.path(), &[]);
    assert!(!again.status.success(), "a second demo is refused");
    let err = String::from_utf8_lossy(&again.stderr);
    assert!(err.contains("nothing was changed"), "{err}");
    assert_eq!(
        fingerprint(&open(dir.path())),
        before,
        "and changes nothing"
    );

    let scale = demo(dir.path(), &["--customers", "10", "--visits", "10"]);
    assert!(!scale.status.success(), "the scale set is refused too");
    assert_eq!(fingerprint(&open(dir.path())), before);
}

#[test]
fn scale_set_has_exactly_the_counts_asked_for() {
    let dir = tempfile::TempDir::new().unwrap();
    let out = demo(dir.path(), &["--customers", "1000", "--visits", "10000"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let s = open(dir.path());
    assert_eq!(customer::count(s.conn()).unwrap(), 1000);
    assert_eq!(
        follow_up::count(s.conn(), &Scope::default()).unwrap(),
        10_000
    );
    assert_eq!(employee::count(s.conn()).unwrap(), 50);
    let planned = follow_up::count(
        s.conn(),
        &Scope {
            open_only: true,
            ..Default::default()
        },
    )
    .unwrap();
    assert!((100..400).contains(&planned), "about 2% planned: {planned}");
    let log = audit::all(s.conn()).unwrap();
    assert_eq!(log.len(), 1, "one summary entry, not ten thousand");
    assert_eq!(log[0].action, "bulk_load");
    assert_eq!(log[0].changes["follow_ups"], 10_000);
    assert!(s.check().unwrap().is_empty(), "a sound database");
}
