//! Proves that a database MarketDesk must not touch (newer, damaged, foreign, locked, in a folder it cannot write) is refused with a message saying what is wrong and what to do, and left byte for byte as it was.

use marketdesk::domain::{CustomerInput, Tier};
use marketdesk::store::{Refusal, Store, StoreError};
use rusqlite::Connection;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// Runs the real binary on `db` in English, with no config file of the machine's.
fn marketdesk(db: &Path, args: &[&str]) -> Output {
    marketdesk_in("en", db, args)
}

/// Runs the real binary on `db` in `lang`, with no config file of the machine's.
fn marketdesk_in(lang: &str, db: &Path, args: &[&str]) -> Output {
    let config = db.with_extension("no-config.toml");
    Command::new(env!("CARGO_BIN_EXE_marketdesk"))
        .arg("--db")
        .arg(db)
        .args(["--lang", lang, "--user", "tester"])
        .args(args)
        .env("MARKETDESK_CONFIG", config)
        .env_remove("MARKETDESK_DB")
        .output()
        .unwrap()
}

fn side(db: &Path, suffix: &str) -> PathBuf {
    let mut s = db.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// The file's bytes and whether its journal files exist: what "never modified" means.
#[derive(Debug, PartialEq)]
struct State {
    bytes: Vec<u8>,
    wal: bool,
    shm: bool,
}

fn state(db: &Path) -> State {
    State {
        // A folder given as the database has no bytes of its own.
        bytes: if db.is_dir() {
            Vec::new()
        } else {
            std::fs::read(db).unwrap()
        },
        wal: side(db, "-wal").exists(),
        shm: side(db, "-shm").exists(),
    }
}

/// A sound database with enough customers to span many pages, closed cleanly.
fn sound_db(dir: &Path, name: &str) -> PathBuf {
    let db = dir.join(name);
    let mut s = Store::open(&db, "tester").unwrap();
    for n in 0..300 {
        s.create_customer(&CustomerInput {
            code: format!("C{n:06}"),
            name: format!("客戶 {n} 的名字，足夠長以填滿許多頁"),
            tier: Some(Tier::A),
            notes: "備註".repeat(20),
            ..Default::default()
        })
        .unwrap();
    }
    drop(s);
    assert!(!side(&db, "-wal").exists(), "a clean close removes the WAL");
    db
}

/// Runs `check` on a file that must be refused; returns stderr after asserting the basics.
fn assert_refused(db: &Path, says: &str) -> String {
    let before = state(db);
    let out = marketdesk(db, &["check"]);
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(
        !out.status.success(),
        "{}: accepted; stderr {stderr}",
        db.display()
    );
    assert!(
        stderr.contains(says),
        "{}: expected {says:?} in {stderr:?}",
        db.display()
    );
    assert!(
        stderr.contains("Nothing was changed"),
        "the message must say the file is safe: {stderr}"
    );
    assert_eq!(
        state(db),
        before,
        "{}: the refused file was changed",
        db.display()
    );
    stderr
}

/// Runs `check` in Chinese on a file that must be refused: the message is in that language,
/// names the file, says nothing was changed, and the file is as it was. Returns stderr.
fn assert_refused_in_chinese(lang: &str, db: &Path) -> String {
    let before = state(db);
    let out = marketdesk_in(lang, db, &["check"]);
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(!out.status.success(), "{}: accepted", db.display());
    assert!(
        stderr.starts_with(&format!("marketdesk: {}", db.display())),
        "the message must name the file first: {stderr}"
    );
    let (nothing, words, other_script) = match lang {
        "zh-Hant" => ("未作任何更改", ["資料庫", "檔案"], "数据库"),
        "zh-Hans" => ("未做任何更改", ["数据库", "文件"], "資料庫"),
        _ => panic!("{lang}"),
    };
    assert!(stderr.contains(nothing), "{lang}: {stderr}");
    assert!(
        words.iter().any(|w| stderr.contains(w)),
        "{lang}: expected {words:?} in {stderr}"
    );
    assert!(!stderr.contains(other_script), "{lang}: {stderr}");
    for english in [
        "Nothing was changed",
        "Restore it",
        "try again",
        "Install the",
    ] {
        assert!(
            !stderr.contains(english),
            "{lang}: English {english:?} in {stderr}"
        );
    }
    assert_eq!(
        state(db),
        before,
        "{}: the refused file was changed",
        db.display()
    );
    stderr
}

#[test]
fn a_sound_database_passes_check() {
    let dir = tempfile::tempdir().unwrap();
    let db = sound_db(dir.path(), "sound.db");
    let out = marketdesk(&db, &["check"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("sound"));
}

#[test]
fn a_newer_schema_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let db = sound_db(dir.path(), "newer.db");
    Connection::open(&db)
        .unwrap()
        .pragma_update(None, "user_version", 99)
        .unwrap();
    assert!(!side(&db, "-wal").exists() && !side(&db, "-shm").exists());
    let msg = assert_refused(&db, "newer MarketDesk");
    assert!(msg.contains("schema 99"), "{msg}");
    assert!(msg.contains("Install the newer MarketDesk"), "{msg}");
    let msg = assert_refused_in_chinese("zh-Hant", &db);
    assert!(msg.contains("較新版本") && msg.contains("99"), "{msg}");
    let msg = assert_refused_in_chinese("zh-Hans", &db);
    assert!(msg.contains("较新版本") && msg.contains("99"), "{msg}");
}

#[test]
fn garbage_text_and_truncated_files_are_refused_as_damaged() {
    let dir = tempfile::tempdir().unwrap();
    let says = "not a MarketDesk database or is damaged";

    let garbage = dir.path().join("garbage.db");
    let mut x: u32 = 0x9E37_79B9;
    let bytes: Vec<u8> = (0..8192)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect();
    std::fs::write(&garbage, &bytes).unwrap();
    assert_refused(&garbage, says);
    let msg = assert_refused_in_chinese("zh-Hant", &garbage);
    assert!(
        msg.contains("已損壞") && msg.contains("SQLite 檔頭"),
        "{msg}"
    );

    // The right magic string, then nonsense: SQLite itself must say it is not a database.
    let fake = dir.path().join("fake-header.db");
    let mut b = b"SQLite format 3\0".to_vec();
    b.extend_from_slice(&bytes);
    std::fs::write(&fake, &b).unwrap();
    assert_refused(&fake, says);
    assert_refused_in_chinese("zh-Hant", &fake);

    let text = dir.path().join("customers.csv");
    std::fs::write(&text, "code,name,phone\nC000001,王偉,13800001234\n").unwrap();
    assert_refused(&text, says);

    let sound = sound_db(dir.path(), "whole.db");
    let whole = std::fs::read(&sound).unwrap();
    let page = u16::from_be_bytes([whole[16], whole[17]]) as usize;
    assert!(whole.len() > 8 * page, "the sample must span several pages");
    for cut in [
        20,
        100,
        1000,
        page,
        page + 1,
        2 * page,
        whole.len() / 2,
        whole.len() - page,
        whole.len() - 1,
    ] {
        let t = dir.path().join(format!("truncated-{cut}.db"));
        std::fs::write(&t, &whole[..cut]).unwrap();
        assert_refused(&t, says);
        assert!(t.exists());
        if cut == whole.len() - 1 {
            let msg = assert_refused_in_chinese("zh-Hant", &t);
            assert!(msg.contains("截斷"), "{msg}");
        }
    }
}

#[test]
fn another_programs_sqlite_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("other.sqlite");
    let c = Connection::open(&db).unwrap();
    c.execute_batch(
        "CREATE TABLE songs (id INTEGER PRIMARY KEY, title TEXT);
         INSERT INTO songs (title) VALUES ('月亮代表我的心');",
    )
    .unwrap();
    drop(c);
    let msg = assert_refused(&db, "tables of another program");
    assert!(msg.contains("choose another file with --db"), "{msg}");
    let msg = assert_refused_in_chinese("zh-Hant", &db);
    assert!(msg.contains("其他程式的資料表"), "{msg}");
}

/// How long a refused open of a locked file may take: the user is waiting at a prompt. Opening
/// waits 2 s for a lock (writes wait 5 s); the rest is margin for a busy machine.
const LOCKED_WITHIN: Duration = Duration::from_millis(4500);

fn assert_locked_refusal(db: &Path) -> Duration {
    let started = Instant::now();
    let out = marketdesk(db, &["check"]);
    let took = started.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "a locked file was opened");
    assert!(stderr.contains("locked"), "{stderr}");
    assert!(stderr.contains("try again"), "{stderr}");
    assert!(
        took < LOCKED_WITHIN,
        "took {took:?} to refuse a locked file"
    );
    println!("refused a locked file in {took:?}");
    took
}

#[test]
fn a_database_held_exclusively_in_wal_mode_is_refused_as_locked() {
    let dir = tempfile::tempdir().unwrap();
    let db = sound_db(dir.path(), "exclusive-wal.db");
    let holder = Connection::open(&db).unwrap();
    let mode: String = holder
        .query_row("PRAGMA locking_mode = EXCLUSIVE", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "exclusive");
    holder
        .execute_batch("BEGIN; UPDATE customer SET notes = 'held' WHERE code = 'C000001'; COMMIT;")
        .unwrap();
    assert_locked_refusal(&db);
    let out = marketdesk_in("zh-Hant", &db, &["check"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "a locked file was opened");
    assert!(
        stderr.starts_with(&format!("marketdesk: {}", db.display())),
        "{stderr}"
    );
    for said in ["鎖定", "未作任何更改", "再試一次"] {
        assert!(stderr.contains(said), "expected {said:?} in {stderr}");
    }
    drop(holder);
    // The holder's write survived our attempt, and the file is sound.
    let s = Store::open(&db, "tester").unwrap();
    assert!(s.check().unwrap().is_empty());
    let notes: String = s
        .conn()
        .query_row(
            "SELECT notes FROM customer WHERE code = 'C000001'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(notes, "held");
}

#[test]
fn a_database_in_an_exclusive_rollback_transaction_is_refused_as_locked() {
    let dir = tempfile::tempdir().unwrap();
    let db = sound_db(dir.path(), "exclusive-rollback.db");
    let holder = Connection::open(&db).unwrap();
    let mode: String = holder
        .query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "delete");
    // Read the bytes before the lock and after it: closing any descriptor of the file in this
    // process would drop the holder's POSIX lock.
    let before = state(&db);
    holder.execute_batch("BEGIN EXCLUSIVE").unwrap();
    assert_locked_refusal(&db);
    holder.execute_batch("ROLLBACK").unwrap();
    drop(holder);
    assert_eq!(state(&db), before, "the locked file was changed");
}

fn refusal(path: &Path) -> Refusal {
    match Store::open(path, "tester") {
        Ok(_) => panic!("{}: opened", path.display()),
        Err(StoreError::Refused(r)) => r,
        Err(e) => panic!("{}: not a refusal: {e:?}", path.display()),
    }
}

fn assert_folder_refusal(path: &Path) {
    let r = refusal(path);
    assert!(
        matches!(r, Refusal::FolderNotWritable { .. }),
        "{}: {r:?}",
        path.display()
    );
    let msg = r.to_string();
    assert!(
        msg.contains("-wal") && msg.contains("Nothing was changed"),
        "{msg}"
    );
    assert!(
        msg.contains("copy the database to a folder you can write"),
        "{msg}"
    );
}

#[test]
fn a_path_under_a_regular_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("notes.txt");
    std::fs::write(&file, "not a folder").unwrap();
    assert_folder_refusal(&file.join("desk.db"));
    assert_folder_refusal(&file.join("more").join("desk.db"));
    assert_eq!(std::fs::read(&file).unwrap(), b"not a folder");
}

#[test]
fn a_path_on_a_read_only_filesystem_is_refused() {
    // /sys refuses new files even to root; skip where it is not mounted.
    let sys = Path::new("/sys/fs");
    if !sys.is_dir() {
        println!("note: no /sys here; skipped");
        return;
    }
    assert_folder_refusal(&sys.join("marketdesk-test.db"));
    assert_folder_refusal(&sys.join("marketdesk-test").join("desk.db"));
}

/// Makes a folder immutable (`chattr +i`), which stops root too, and undoes it on drop.
struct Immutable<'a>(&'a Path);

impl Drop for Immutable<'_> {
    fn drop(&mut self) {
        let _ = Command::new("chattr").arg("-i").arg(self.0).status();
    }
}

#[test]
fn an_existing_database_in_a_folder_that_cannot_take_new_files_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("locked-folder");
    std::fs::create_dir(&folder).unwrap();
    let db = sound_db(&folder, "desk.db");
    let made = Command::new("chattr").arg("+i").arg(&folder).status();
    if !matches!(made, Ok(s) if s.success()) {
        println!(
            "note: chattr +i is not available here (no tool, filesystem or capability); skipped"
        );
        return;
    }
    let _undo = Immutable(&folder);
    if std::fs::write(folder.join("probe"), "x").is_ok() {
        println!("note: chattr +i did not stop writes here; skipped");
        return;
    }
    let msg = assert_refused(&db, "cannot create files in");
    assert!(msg.contains("-wal"), "{msg}");
    let msg = assert_refused_in_chinese("zh-Hant", &db);
    assert!(msg.contains("無法在") && msg.contains("-wal"), "{msg}");
    assert!(matches!(refusal(&db), Refusal::FolderNotWritable { .. }));
}

/// An existing file in a folder no one can create files in, whoever runs the test: /proc.
#[test]
fn an_existing_file_in_proc_is_refused_as_an_unwritable_folder() {
    let file = Path::new("/proc/version");
    if !file.is_file() {
        println!("note: no /proc here; skipped");
        return;
    }
    assert!(matches!(refusal(file), Refusal::FolderNotWritable { .. }));
    let msg = assert_refused(file, "cannot create files in");
    assert!(msg.contains("-wal"), "{msg}");
    let msg = assert_refused_in_chinese("zh-Hant", file);
    assert!(msg.contains("無法在 /proc 中建立檔案"), "{msg}");
    assert!(msg.contains("資料夾的權限"), "{msg}");
}

/// A folder given as the database: SQLite cannot open it, and the message says what to do.
#[test]
fn a_folder_given_as_the_database_cannot_be_opened() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("not-a-file.db");
    std::fs::create_dir(&folder).unwrap();
    assert!(matches!(refusal(&folder), Refusal::Cannot { .. }));
    let msg = assert_refused(&folder, "cannot open the database");
    assert!(msg.contains("choose another file with --db"), "{msg}");
    let msg = assert_refused_in_chinese("zh-Hant", &folder);
    assert!(msg.contains("無法開啟資料庫"), "{msg}");
    assert!(msg.contains("用 --db 選擇其他檔案"), "{msg}");
    assert_eq!(std::fs::read_dir(&folder).unwrap().count(), 0);
}
