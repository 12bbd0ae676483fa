//! Proves the storage rules that hold between connections and versions: a stale save from another connection is refused, every upgrade path ends at the fresh schema, a new file gets the durable pragmas, and the audit log cannot be changed.

use chrono::NaiveDate;
use marketdesk::domain::{CustomerInput, FollowUpInput, Method, Outcome, Tier};
use marketdesk::store::{Store, StoreError, customer, follow_up, schema};
use rusqlite::Connection;
use std::path::Path;

fn input(code: &str, name: &str) -> CustomerInput {
    CustomerInput {
        code: code.into(),
        name: name.into(),
        tier: Some(Tier::A),
        ..Default::default()
    }
}

#[test]
fn a_stale_customer_save_from_another_connection_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("desk.db");
    let mut first = Store::open(&db, "alice").unwrap();
    let mut second = Store::open(&db, "bob").unwrap();
    let id = first.create_customer(&input("C000001", "王偉")).unwrap().id;

    // Both open the same customer, as two people on two screens would.
    let seen_by_first = customer::get(first.conn(), &id).unwrap().customer;
    let seen_by_second = customer::get(second.conn(), &id).unwrap().customer;
    assert_eq!(seen_by_first, seen_by_second);

    let saved = first
        .update_customer(
            &seen_by_first,
            &CustomerInput {
                company: "長城貿易".into(),
                ..input("C000001", "王偉")
            },
        )
        .unwrap();
    let err = second
        .update_customer(
            &seen_by_second,
            &CustomerInput {
                company: "黃河實業".into(),
                ..input("C000001", "王偉")
            },
        )
        .unwrap_err();
    assert!(matches!(err, StoreError::Stale { .. }), "{err:?}");
    // Delete from a stale view is refused as well.
    let err = second.delete_customer(&seen_by_second).unwrap_err();
    assert!(matches!(err, StoreError::Stale { .. }), "{err:?}");

    for store in [&first, &second] {
        let stored = customer::get(store.conn(), &id).unwrap().customer;
        assert_eq!(stored, saved, "the first save must stand, seen from both");
    }
}

#[test]
fn a_stale_follow_up_save_from_another_connection_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("desk.db");
    let mut first = Store::open(&db, "alice").unwrap();
    let mut second = Store::open(&db, "bob").unwrap();
    let c = first.create_customer(&input("C000001", "王偉")).unwrap();
    let plan = |note: &str, day: u32| FollowUpInput {
        customer_id: Some(c.id.clone()),
        method: Some(Method::Phone),
        due_date: NaiveDate::from_ymd_opt(2026, 5, day),
        note: note.into(),
        ..Default::default()
    };
    let id = first.schedule_follow_up(&plan("first call", 1)).unwrap().id;

    let seen_by_first = follow_up::get(first.conn(), &id).unwrap().visit;
    let seen_by_second = follow_up::get(second.conn(), &id).unwrap().visit;
    let saved = first
        .update_follow_up(&seen_by_first, &plan("moved to the 3rd", 3))
        .unwrap();
    let err = second
        .update_follow_up(&seen_by_second, &plan("moved to the 5th", 5))
        .unwrap_err();
    assert!(matches!(err, StoreError::Stale { .. }), "{err:?}");
    // Marking it done from the stale view is refused too.
    let outcome = Outcome {
        done_date: NaiveDate::from_ymd_opt(2026, 5, 1),
        satisfaction: Some(4),
        feedback: "滿意".into(),
        ..Default::default()
    };
    let err = second
        .complete_follow_up(
            &seen_by_second,
            &outcome,
            NaiveDate::from_ymd_opt(2026, 5, 2).unwrap(),
            &Default::default(),
        )
        .unwrap_err();
    assert!(matches!(err, StoreError::Stale { .. }), "{err:?}");

    let stored = follow_up::get(second.conn(), &id).unwrap().visit;
    assert_eq!(stored, saved);
}

/// The schema as SQLite holds it, comparable across files: every object's type, name, table
/// and SQL with whitespace normalised, sorted; and the version.
fn schema_of(conn: &Connection) -> (Vec<String>, i64) {
    let mut stmt = conn
        .prepare("SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_master")
        .unwrap();
    let mut objects: Vec<String> = stmt
        .query_map([], |r| {
            let sql: String = r.get(3)?;
            Ok(format!(
                "{} {} on {}: {}",
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                sql.split_whitespace().collect::<Vec<_>>().join(" ")
            ))
        })
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    objects.sort();
    let version = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    (objects, version)
}

#[test]
fn migrations_validate() {
    schema::migrations().validate().unwrap();
}

#[test]
fn every_older_database_upgrades_to_the_fresh_schema() {
    let dir = tempfile::tempdir().unwrap();
    let fresh = Store::open(&dir.path().join("fresh.db"), "tester").unwrap();
    let want = schema_of(fresh.conn());
    assert_eq!(want.1, schema::LATEST);
    assert!(!want.0.is_empty());

    for version in 0..schema::LATEST {
        let db = dir.path().join(format!("v{version}.db"));
        {
            let mut c = Connection::open(&db).unwrap();
            schema::migrations()
                .to_version(&mut c, version as usize)
                .unwrap();
            assert_eq!(schema_of(&c).1, version);
        }
        let upgraded = Store::open(&db, "tester").unwrap();
        assert_eq!(
            schema_of(upgraded.conn()),
            want,
            "a database at version {version} upgrades to something else than a fresh one"
        );
        assert!(upgraded.check().unwrap().is_empty());
    }
}

#[test]
fn a_new_file_is_durable_from_the_first_write() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("sub").join("desk.db");
    let store = Store::open(&db, "tester").unwrap();
    assert!(db.is_file());
    let pragma = |name: &str| -> String {
        store
            .conn()
            .query_row(&format!("PRAGMA {name}"), [], |r| {
                r.get::<_, rusqlite::types::Value>(0)
            })
            .map(|v| match v {
                rusqlite::types::Value::Integer(i) => i.to_string(),
                rusqlite::types::Value::Text(s) => s,
                other => format!("{other:?}"),
            })
            .unwrap()
    };
    assert_eq!(pragma("journal_mode"), "wal");
    assert_eq!(pragma("foreign_keys"), "1");
    assert_eq!(pragma("synchronous"), "2", "synchronous must be FULL");
    assert!(store.check().unwrap().is_empty());
    // WAL is recorded in the file itself (header bytes 18 and 19 are 2), so every later
    // connection, of any program, uses it too.
    drop(store);
    let head = std::fs::read(&db).unwrap();
    assert_eq!((head[18], head[19]), (2, 2));
    assert!(!Path::new(&format!("{}-wal", db.display())).exists());
}

#[test]
fn the_audit_log_is_append_only() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("desk.db"), "tester").unwrap();
    store.create_customer(&input("C000001", "王偉")).unwrap();
    let count = |s: &Store| -> i64 {
        s.conn()
            .query_row("SELECT count(*) FROM audit_log", [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(count(&store), 1);
    let update = store
        .conn()
        .execute("UPDATE audit_log SET actor = 'someone else'", [])
        .unwrap_err();
    assert!(update.to_string().contains("append-only"), "{update}");
    let delete = store
        .conn()
        .execute("DELETE FROM audit_log", [])
        .unwrap_err();
    assert!(delete.to_string().contains("append-only"), "{delete}");
    // Nor through a write transaction of the store.
    let err = store
        .write(|tx, _| Ok(tx.execute("DELETE FROM audit_log", [])?))
        .unwrap_err();
    assert!(err.to_string().contains("append-only"), "{err}");
    assert_eq!(count(&store), 1);
    let actor: String = store
        .conn()
        .query_row("SELECT actor FROM audit_log", [], |r| r.get(0))
        .unwrap();
    assert_eq!(actor, "tester");
}

/// Another program, the sqlite3 shell an administrator might run, reads the file and closes
/// it while a Store of ours is open. Had it found none of our locks, it would, closing last,
/// checkpoint and delete the WAL that our Store still writes to. (The bundled SQLite also
/// checks the `-shm` lock and would not; older programs, like this shell may be, do.)
#[test]
fn a_second_store_in_one_process_keeps_the_first_ones_locks() {
    if std::process::Command::new("sqlite3")
        .arg("-version")
        .output()
        .is_err()
    {
        println!("note: no sqlite3 shell here; skipped");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("desk.db");
    let wal = dir.path().join("desk.db-wal");
    let mut first = Store::open(&db, "alice").unwrap();
    first.create_customer(&input("C000001", "王偉")).unwrap();
    // Opening the same file again in this process (a second window, say, opened and closed)
    // must not cancel the first Store's locks.
    drop(Store::open(&db, "bob").unwrap());
    let out = std::process::Command::new("sqlite3")
        .arg(&db)
        .arg("SELECT count(*) FROM customer;")
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "1", "{out:?}");
    assert!(
        wal.exists(),
        "another program deleted the WAL under an open Store"
    );
    first.create_customer(&input("C000002", "李娜")).unwrap();
    drop(first);
    let reopened = Store::open(&db, "carol").unwrap();
    assert_eq!(customer::count(reopened.conn()).unwrap(), 2);
}
