//! The data exchange subcommands through the real binary: JSON export and import, customer
//! CSV export and import, and the refusals a user meets with a bad file.

use chrono::NaiveDate;
use marketdesk::domain::{
    Cadence, CustomerInput, EmployeeInput, FollowUpInput, Method, Outcome, PurchaseInput, Role,
    Tier,
};
use marketdesk::store::Store;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use tempfile::TempDir;

const RECORD_ARRAYS: [&str; 5] = [
    "employees",
    "customers",
    "purchases",
    "follow_ups",
    "follow_up_issues",
];

fn run(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_marketdesk"))
        .arg("--db")
        .arg(db)
        .args(["--user", "tester", "--lang", "en"])
        .args(args)
        .env_remove("MARKETDESK_DB")
        // A config file of the machine must not change what the test sees.
        .env("MARKETDESK_CONFIG", db.with_extension("no-config.toml"))
        .output()
        .unwrap()
}

fn ok(db: &Path, args: &[&str]) -> String {
    let out = run(db, args);
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn refused(db: &Path, args: &[&str]) -> String {
    let out = run(db, args);
    assert!(!out.status.success(), "{args:?} should have been refused");
    String::from_utf8(out.stderr).unwrap()
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// A small department with every kind of record, Chinese text and a record at version 2.
fn seed(db: &Path) {
    let mut s = Store::open(db, "tester").unwrap();
    let boss = s
        .create_employee(&EmployeeInput {
            login: "tester".into(),
            name: "陳經理".into(),
            role: Some(Role::Manager),
            supervisor_id: None,
        })
        .unwrap();
    let crm = s
        .create_employee(&EmployeeInput {
            login: "lin".into(),
            name: "林小美".into(),
            role: Some(Role::Crm),
            supervisor_id: Some(boss.id.clone()),
        })
        .unwrap();
    let wang = s
        .create_customer(&CustomerInput {
            code: "C000001".into(),
            name: "王偉".into(),
            company: "偉業貿易有限公司".into(),
            tier: Some(Tier::Vip),
            tags: "重要，老客戶".into(),
            phone: "+886 2 1234-5678".into(),
            email: "wang@example.com".into(),
            address: "台北市信義路五段7號, 10樓".into(),
            birthday: Some(day(1980, 5, 17)),
            preferences: "喜歡茶具\n不要電話太早".into(),
            source: "展會".into(),
            owner_id: Some(crm.id.clone()),
            notes: "說：\"很好\"".into(),
        })
        .unwrap();
    s.update_customer(
        &wang,
        &CustomerInput {
            code: wang.code.clone(),
            name: wang.name.clone(),
            company: wang.company.clone(),
            tier: Some(Tier::Vip),
            tags: wang.tags.clone(),
            phone: wang.phone.clone(),
            email: wang.email.clone(),
            address: wang.address.clone(),
            birthday: wang.birthday,
            preferences: wang.preferences.clone(),
            source: wang.source.clone(),
            owner_id: wang.owner_id.clone(),
            notes: "已更新".into(),
        },
    )
    .unwrap();
    let li = s
        .create_customer(&CustomerInput {
            code: "C000002".into(),
            name: "李娜".into(),
            tier: Some(Tier::B),
            ..Default::default()
        })
        .unwrap();
    s.add_purchase(
        &wang.id,
        &PurchaseInput {
            date: Some(day(2026, 3, 1)),
            product: "青花瓷茶具".into(),
            quantity: "2".into(),
            amount: "1,280.50".into(),
        },
    )
    .unwrap();
    let visit = s
        .schedule_follow_up(&FollowUpInput {
            customer_id: Some(wang.id.clone()),
            owner_id: Some(crm.id.clone()),
            method: Some(Method::Phone),
            due_date: Some(day(2026, 3, 10)),
            note: "回訪".into(),
        })
        .unwrap();
    s.complete_follow_up(
        &visit,
        &Outcome {
            done_date: Some(day(2026, 3, 10)),
            satisfaction: Some(4),
            feedback: "滿意，但包裝破損".into(),
            issues_found: "包裝".into(),
        },
        day(2026, 3, 11),
        &Cadence::default(),
    )
    .unwrap();
    s.hand_over_issue(&visit.id, "包裝破損", "物流部").unwrap();
    s.schedule_follow_up(&FollowUpInput {
        customer_id: Some(li.id),
        owner_id: None,
        method: Some(Method::FaceToFace),
        due_date: Some(day(2026, 4, 1)),
        note: String::new(),
    })
    .unwrap();
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The audit entries other than those of exports and imports themselves.
fn work_entries(doc: &Value) -> Vec<Value> {
    doc["audit_log"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| !matches!(e["action"].as_str(), Some("export" | "import")))
        .cloned()
        .collect()
}

struct Dept {
    _dir: TempDir,
    dir: PathBuf,
    db: PathBuf,
}

fn dept() -> Dept {
    let dir = TempDir::new().unwrap();
    let path = dir.path().to_path_buf();
    let db = path.join("a.db");
    seed(&db);
    Dept {
        _dir: dir,
        dir: path,
        db,
    }
}

#[test]
fn export_then_import_into_a_new_file_loses_nothing() {
    let d = dept();
    let first = d.dir.join("first.json");
    ok(&d.db, &["export", "--out", first.to_str().unwrap()]);
    let a = read_json(&first);
    assert_eq!(a["format"], "marketdesk-export");
    assert_eq!(a["format_version"], 1);
    assert_eq!(a["employees"].as_array().unwrap().len(), 2);
    assert_eq!(a["follow_ups"].as_array().unwrap().len(), 2);
    assert!(
        a.get("drafts").is_none() && a.get("draft").is_none(),
        "drafts are not exported"
    );

    let copy = d.dir.join("copy.db");
    let summary = ok(&copy, &["import", first.to_str().unwrap()]);
    assert!(summary.contains("inserted"), "{summary}");

    let second = d.dir.join("second.json");
    ok(&copy, &["export", "--out", second.to_str().unwrap()]);
    let b = read_json(&second);
    for key in RECORD_ARRAYS {
        assert_eq!(a[key], b[key], "{key} differ after the round trip");
    }
    assert_eq!(work_entries(&a), work_entries(&b));
    // The copy's log says it was imported; the original's says it was exported.
    let actions = |doc: &Value| -> Vec<String> {
        doc["audit_log"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap().to_string())
            .collect()
    };
    assert!(actions(&b).contains(&"import".to_string()));
    let again = d.dir.join("again.json");
    ok(&d.db, &["export", "--out", again.to_str().unwrap()]);
    assert!(actions(&read_json(&again)).contains(&"export".to_string()));

    // The lossless copy is a working database: the record at version 2 keeps its version.
    let wang = b["customers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == "C000001")
        .unwrap();
    assert_eq!(wang["version"], 2);
    assert_eq!(wang["preferences"], "喜歡茶具\n不要電話太早");
}

#[test]
fn export_to_stdout_is_the_document() {
    let d = dept();
    let out = ok(&d.db, &["export"]);
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["customers"].as_array().unwrap().len(), 2);
}

#[test]
fn importing_twice_changes_nothing_the_second_time() {
    let d = dept();
    let file = d.dir.join("dept.json");
    ok(&d.db, &["export", "--out", file.to_str().unwrap()]);
    let copy = d.dir.join("copy.db");
    ok(&copy, &["import", file.to_str().unwrap()]);
    let before = d.dir.join("before.json");
    ok(&copy, &["export", "--out", before.to_str().unwrap()]);

    let summary = ok(&copy, &["import", file.to_str().unwrap()]);
    // Every record line reads: name, inserted 0, updated 0, skipped n, conflicts 0.
    let lines: Vec<&str> = summary.lines().skip(2).collect();
    assert_eq!(lines.len(), 6, "one line per record type: {summary}");
    for line in lines {
        // The record type's label may be several words; the four counts end the line.
        let cells: Vec<&str> = line.split_whitespace().collect();
        let n = cells.len();
        assert!(n >= 5, "{summary}");
        assert_eq!(
            (cells[n - 4], cells[n - 3], cells[n - 1]),
            ("0", "0", "0"),
            "{summary}"
        );
    }
    let after = d.dir.join("after.json");
    ok(&copy, &["export", "--out", after.to_str().unwrap()]);
    let (x, y) = (read_json(&before), read_json(&after));
    for key in RECORD_ARRAYS {
        assert_eq!(x[key], y[key]);
    }
    assert_eq!(work_entries(&x), work_entries(&y));
}

#[test]
fn the_newer_version_wins_a_conflict_and_is_reported() {
    let d = dept();
    let file = d.dir.join("dept.json");
    ok(&d.db, &["export", "--out", file.to_str().unwrap()]);
    let mut doc = read_json(&file);
    let wang = doc["customers"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|c| c["code"] == "C000001")
        .unwrap();
    wang["version"] = 3.into();
    wang["notes"] = "另一台電腦上的修改".into();
    wang["updated_at"] = "2099-01-01T00:00:00.000Z".into();
    std::fs::write(&file, serde_json::to_string(&doc).unwrap()).unwrap();

    let summary = ok(&d.db, &["import", file.to_str().unwrap()]);
    assert!(summary.contains("Conflicts"), "{summary}");
    assert!(summary.contains("C000001"), "{summary}");
    let after = d.dir.join("after.json");
    ok(&d.db, &["export", "--out", after.to_str().unwrap()]);
    let kept = read_json(&after)["customers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == "C000001")
        .unwrap()
        .clone();
    assert_eq!(kept["version"], 3);
    assert_eq!(kept["notes"], "另一台電腦上的修改");
}

#[test]
fn a_bad_record_refuses_the_whole_document() {
    let d = dept();
    let file = d.dir.join("dept.json");
    ok(&d.db, &["export", "--out", file.to_str().unwrap()]);
    let mut doc = read_json(&file);
    doc["customers"][1]["tier"] = "gold".into();
    std::fs::write(&file, serde_json::to_string(&doc).unwrap()).unwrap();

    let copy = d.dir.join("copy.db");
    let err = refused(&copy, &["import", file.to_str().unwrap()]);
    assert!(err.contains("customers[1]"), "{err}");
    assert!(err.contains("gold"), "{err}");
    assert!(err.contains("nothing was imported"), "{err}");
    assert!(!copy.exists(), "a refused file creates no database");

    // A dangling reference, into an existing database: nothing of the file lands.
    let mut doc = read_json(&d.dir.join("dept.json"));
    doc["customers"][1]["tier"] = "b".into();
    doc["purchases"][0]["customer_id"] = "no-such-customer".into();
    doc["employees"][0]["id"] = "a-new-person".into();
    doc["employees"][0]["login"] = "newcomer".into();
    std::fs::write(&file, serde_json::to_string(&doc).unwrap()).unwrap();
    let err = refused(&d.db, &["import", file.to_str().unwrap()]);
    assert!(err.contains("purchases[0]"), "{err}");
    assert!(err.contains("no-such-customer"), "{err}");
    let out = ok(&d.db, &["export"]);
    assert!(!out.contains("newcomer"), "nothing half-imported");

    std::fs::write(
        &file,
        r#"{"format":"marketdesk-export","format_version":7}"#,
    )
    .unwrap();
    let err = refused(&d.db, &["import", file.to_str().unwrap()]);
    assert!(err.contains("format version 7"), "{err}");
    std::fs::write(&file, "{ not json").unwrap();
    let err = refused(&d.db, &["import", file.to_str().unwrap()]);
    assert!(err.contains("not a readable JSON document"), "{err}");
}

#[test]
fn arrays_in_another_order_are_read_and_a_bad_third_customer_is_named() {
    let d = dept();
    let file = d.dir.join("dept.json");
    ok(&d.db, &["export", "--out", file.to_str().unwrap()]);
    let mut doc = read_json(&file);
    // A third customer, with no name.
    let mut third = doc["customers"][1].clone();
    third["id"] = "01900000-0000-7000-8000-000000000003".into();
    third["code"] = "C000003".into();
    third["name"] = "".into();
    doc["customers"].as_array_mut().unwrap().push(third);
    // The visits, their issues and the purchases before the customers and people they name,
    // and the header last.
    let order = [
        "follow_up_issues",
        "follow_ups",
        "purchases",
        "audit_log",
        "customers",
        "employees",
        "exported_by",
        "exported_at",
        "schema_version",
        "format_version",
        "format",
    ];
    let write = |doc: &Value| {
        let fields: Vec<String> = order
            .iter()
            .map(|k| format!("{:?}: {}", k, serde_json::to_string(&doc[*k]).unwrap()))
            .collect();
        std::fs::write(&file, format!("{{{}}}", fields.join(",\n"))).unwrap();
    };
    write(&doc);
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.find("\"follow_ups\"") < text.find("\"customers\""));

    let copy = d.dir.join("copy.db");
    let err = refused(&copy, &["import", file.to_str().unwrap()]);
    assert!(err.contains("(1 problem(s))"), "{err}");
    assert!(err.contains("customers[2]: name is empty"), "{err}");
    if copy.exists() {
        let out: Value = serde_json::from_str(&ok(&copy, &["export"])).unwrap();
        for key in RECORD_ARRAYS {
            assert_eq!(out[key], Value::Array(vec![]), "{key} half-imported");
        }
    }

    // Named, the same customer in the same order is taken, and nothing is lost.
    doc["customers"][2]["name"] = "張三".into();
    write(&doc);
    let summary = ok(&copy, &["import", file.to_str().unwrap()]);
    assert!(summary.contains("inserted"), "{summary}");
    let back: Value = serde_json::from_str(&ok(&copy, &["export"])).unwrap();
    for key in RECORD_ARRAYS {
        assert_eq!(back[key], doc[key], "{key} differ after the import");
    }
    assert_eq!(work_entries(&back), work_entries(&doc));
}

const HEADER: &str =
    "code,name,company,tier,tags,phone,email,address,birthday,preferences,source,owner,notes";

#[test]
fn csv_with_quoted_chinese_commas_and_newlines_survives_export_and_import() {
    let d = dept();
    let csv_file = d.dir.join("customers.csv");
    ok(
        &d.db,
        &["customers", "export", "--out", csv_file.to_str().unwrap()],
    );
    let text = std::fs::read_to_string(&csv_file).unwrap();
    // A file starts with the byte-order mark spreadsheets need to read UTF-8 Chinese.
    let text = text
        .strip_prefix('\u{feff}')
        .expect("a BOM at the start of the file");
    assert!(text.starts_with(HEADER), "{text}");
    assert!(
        text.contains("\"台北市信義路五段7號, 10樓\""),
        "a field with a comma is quoted: {text}"
    );
    assert!(text.contains("\"喜歡茶具\n不要電話太早\""), "{text}");
    assert!(text.contains(",lin,"), "owner as login: {text}");

    // Into another department that has the owner on its roster.
    let other = d.dir.join("other.db");
    {
        let mut s = Store::open(&other, "tester").unwrap();
        s.create_employee(&EmployeeInput {
            login: "lin".into(),
            name: "林小美".into(),
            role: Some(Role::Crm),
            supervisor_id: None,
        })
        .unwrap();
    }
    let summary = ok(&other, &["customers", "import", csv_file.to_str().unwrap()]);
    assert!(summary.contains("2 new customer(s)"), "{summary}");
    let back = d.dir.join("back.csv");
    ok(
        &other,
        &["customers", "export", "--out", back.to_str().unwrap()],
    );
    assert_eq!(
        std::fs::read_to_string(&back)
            .unwrap()
            .strip_prefix('\u{feff}'),
        Some(text)
    );

    // Importing the same list again creates no duplicate and changes nothing.
    let summary = ok(&other, &["customers", "import", csv_file.to_str().unwrap()]);
    assert!(
        summary.contains("0 new customer(s), 0 existing code(s) updated, 2 unchanged"),
        "{summary}"
    );
    ok(
        &other,
        &["customers", "export", "--out", back.to_str().unwrap()],
    );
    assert_eq!(
        std::fs::read_to_string(&back)
            .unwrap()
            .strip_prefix('\u{feff}'),
        Some(text)
    );
}

#[test]
fn csv_import_updates_an_existing_code_and_accepts_a_bom_and_capital_tiers() {
    let d = dept();
    let file = d.dir.join("list.csv");
    let csv = format!(
        "\u{feff}{HEADER}\n\
         C000002,李娜,\"新公司，台中\",A,,,,,1990-01-02,,,lin,\n\
         C000009,張三,,VIP,,,zhang@example.com,,,,,,\n"
    );
    std::fs::write(&file, csv).unwrap();
    let summary = ok(&d.db, &["customers", "import", file.to_str().unwrap()]);
    assert!(
        summary.contains("1 new customer(s), 1 existing code(s) updated"),
        "{summary}"
    );
    let doc: Value = serde_json::from_str(&ok(&d.db, &["export"])).unwrap();
    let customers = doc["customers"].as_array().unwrap();
    assert_eq!(customers.len(), 3);
    let li = customers.iter().find(|c| c["code"] == "C000002").unwrap();
    assert_eq!(li["company"], "新公司，台中");
    assert_eq!(li["tier"], "a");
    assert_eq!(li["version"], 2, "updated through the versioned save");
    let audited = doc["audit_log"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["action"] == "update" && e["record_id"] == li["id"]);
    assert!(audited, "the update has its audit entry");
}

#[test]
fn csv_with_a_bad_row_on_line_4_is_refused_whole() {
    let d = dept();
    let before: Value = serde_json::from_str(&ok(&d.db, &["export"])).unwrap();
    let file = d.dir.join("bad.csv");
    // Line 2-3: a good row whose notes span two lines; line 4: an unknown tier.
    let csv = format!(
        "{HEADER}\n\
         C000100,趙六,,B,,,,,,,,,\"第一行，\n第二行\"\n\
         C000101,錢七,,gold,,,,,,,,,\n\
         C000102,孫八,,C,,,,,,,,,\n"
    );
    std::fs::write(&file, csv).unwrap();
    let err = refused(&d.db, &["customers", "import", file.to_str().unwrap()]);
    assert!(err.contains("line 4: tier gold"), "{err}");
    assert!(err.contains("nothing was imported"), "{err}");
    assert!(!err.contains("line 2") && !err.contains("line 5"), "{err}");

    let after: Value = serde_json::from_str(&ok(&d.db, &["export"])).unwrap();
    for key in RECORD_ARRAYS {
        assert_eq!(before[key], after[key], "{key} changed by a refused import");
    }
    assert_eq!(work_entries(&before), work_entries(&after));
}

#[test]
fn csv_problems_are_all_listed_by_line() {
    let d = dept();
    let file = d.dir.join("bad.csv");
    let mut bytes = format!(
        "{HEADER}\n\
         C1,甲,,a,,,not-an-email,,,,,,\n\
         C2,乙,,b,,,,,1990-13-01,,,,\n\
         C3,丙,,c,,,,,,,,nobody,\n\
         C1,丁,,c,,,,,,,,,\n\
         C5,戊,,c\n"
    )
    .into_bytes();
    bytes.extend_from_slice(b"C6,\xff\xfe,,c,,,,,,,,,\n");
    std::fs::write(&file, bytes).unwrap();
    let err = refused(&d.db, &["customers", "import", file.to_str().unwrap()]);
    for expected in [
        "line 2: email: Not an email address",
        "line 3: birthday 1990-13-01",
        "line 4: owner nobody",
        "line 5: code C1 is also on line 2",
        "line 6: 4 fields",
        "line 7: not valid UTF-8",
    ] {
        assert!(err.contains(expected), "missing {expected:?} in {err}");
    }
}
