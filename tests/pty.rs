//! The real `marketdesk` binary in a pseudo-terminal (100×30, xterm-256color), driven by the
//! bytes a keyboard and an input method send and read back through a vt100 parser: a first
//! day's work from an empty database to a done visit and the next one scheduled, all found
//! in the database afterwards; a hang-up that keeps the typing as a draft offered back on
//! the next start; and a quit that gives the terminal back (leaves the alternate screen).
//!
//! Ctrl-Z is not tested here: suspending needs job control (a shell that owns the pty's
//! foreground process group and answers SIGTSTP with `fg`), which a bare pty lacks.

use marketdesk::domain::FollowUpState;
use marketdesk::store::{Store, audit, customer, follow_up};
use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tempfile::TempDir;
use unicode_normalization::UnicodeNormalization;

const ROWS: u16 = 30;
const COLS: u16 = 100;
const WAIT: Duration = Duration::from_secs(10);

struct Term {
    child: Box<dyn Child + Send + Sync>,
    writer: Box<dyn Write + Send>,
    parser: Arc<Mutex<vt100::Parser>>,
    /// Every byte the program wrote, for checks on the raw sequences.
    raw: Arc<Mutex<Vec<u8>>>,
    reader: Option<std::thread::JoinHandle<()>>,
    _master: Box<dyn MasterPty + Send>,
}

impl Term {
    fn start(db: &Path) -> Term {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: ROWS,
                cols: COLS,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_marketdesk"));
        cmd.args(["--lang", "en", "--db"]);
        cmd.arg(db);
        let home = db.parent().unwrap();
        cmd.cwd(home);
        cmd.env("TERM", "xterm-256color");
        cmd.env("MARKETDESK_TODAY", "2026-11-30");
        cmd.env("USER", "ceo");
        cmd.env("HOME", home);
        // No config file of the machine may change what the test sees.
        cmd.env("MARKETDESK_CONFIG", home.join("no-config.toml"));
        for v in ["MARKETDESK_DB", "LANG", "LC_ALL", "LC_MESSAGES", "LOGNAME"] {
            cmd.env_remove(v);
        }
        let child = pair.slave.spawn_command(cmd).unwrap();
        // Only the child holds the slave: its exit then ends our reads.
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().unwrap();
        let writer = pair.master.take_writer().unwrap();
        let parser = Arc::new(Mutex::new(vt100::Parser::new(ROWS, COLS, 0)));
        let raw = Arc::new(Mutex::new(Vec::new()));
        let (p, r) = (Arc::clone(&parser), Arc::clone(&raw));
        let reader = std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                p.lock().unwrap().process(&buf[..n]);
                r.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        Term {
            child,
            writer,
            parser,
            raw,
            reader: Some(reader),
            _master: pair.master,
        }
    }

    fn screen(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    /// Waits until the screen shows `text`; fails with the screen when it does not in time.
    fn wait_for(&self, text: &str) {
        let start = Instant::now();
        while start.elapsed() < WAIT {
            if self.screen().contains(text) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!(
            "waited {WAIT:?} for {text:?}; the screen shows:\n{}",
            self.screen()
        );
    }

    fn send(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).unwrap();
        self.writer.flush().unwrap();
    }

    /// Sends keys one at a time: a lone ESC must not be read as the start of a sequence.
    fn keys(&mut self, keys: &[&[u8]]) {
        for k in keys {
            self.send(k);
            std::thread::sleep(Duration::from_millis(30));
        }
    }

    /// Waits for the process to end; its exit code.
    fn wait_exit(&mut self, within: Duration) -> u32 {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                if let Some(r) = self.reader.take() {
                    // The last frames and the restore sequences arrive before EOF.
                    let _ = r.join();
                }
                return status.exit_code();
            }
            assert!(
                start.elapsed() < within,
                "still running after {within:?}; the screen shows:\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Term {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
        }
    }
}

const TAB: &[u8] = b"\t";
const ENTER: &[u8] = b"\r";
const CTRL_S: &[u8] = b"\x13";
const RIGHT: &[u8] = b"\x1b[C";
const BACKSPACE: &[u8] = b"\x7f";

fn db_in(dir: &TempDir) -> PathBuf {
    dir.path().join("marketdesk.db")
}

#[test]
fn first_day_from_empty_database_to_next_visit() {
    let dir = TempDir::new().unwrap();
    let db = db_in(&dir);
    let mut t = Term::start(&db);

    // First run: the manager, login proposed from $USER, a Chinese name.
    t.wait_for("Create the department manager");
    t.wait_for("Login*  ceo");
    t.keys(&[TAB]);
    t.send("陳經理".as_bytes());
    t.wait_for("陳經理");
    t.keys(&[CTRL_S]);
    t.wait_for("The manager is on the roster");

    // A VIP customer with a Chinese name, committed by an input method in one write.
    t.keys(&[b"1"]);
    t.wait_for("Customers · 0");
    t.keys(&[b"n"]);
    t.wait_for("New customer");
    t.keys(&[TAB]);
    t.send("王小明".as_bytes());
    t.wait_for("王小明");
    t.keys(&[TAB, TAB, b"v"]);
    t.wait_for("‹ VIP ›");
    t.keys(&[CTRL_S]);
    t.wait_for("C000001 王小明 · VIP");

    // Schedule a visit from the customer's record: method by →, due typed as `today`.
    t.keys(&[b"n"]);
    t.wait_for("Schedule a follow-up visit");
    t.keys(&[TAB, RIGHT]);
    t.wait_for("‹ Phone ›");
    t.keys(&[TAB]);
    t.keys(&[BACKSPACE; 10]);
    t.send(b"today");
    t.wait_for("→ 2026-11-30 Mon");
    t.keys(&[CTRL_S]);
    t.wait_for("Follow-up visit scheduled.");
    t.wait_for("Follow-up visits · 1");

    // Done, with the outcome; the VIP cadence proposes the next visit 30 days on.
    t.keys(&[b"s"]);
    t.wait_for("Advance the visit");
    t.keys(&[ENTER]);
    t.wait_for("Visit done: the outcome");
    t.keys(&[TAB, b"5"]);
    t.wait_for("5 ★★★★★");
    t.keys(&[TAB]);
    t.send("Very happy 很滿意".as_bytes());
    t.wait_for("很滿意");
    t.keys(&[CTRL_S]);
    t.wait_for("proposes the next visit on");
    t.wait_for("2026-12-30");
    t.keys(&[b"y"]);
    t.wait_for("Schedule a follow-up visit");
    t.wait_for("2026-12-30");
    t.keys(&[CTRL_S]);
    t.wait_for("Follow-up visit scheduled.");
    t.wait_for("Follow-up visits · 2");
    t.keys(&[b"q"]);
    assert_eq!(t.wait_exit(Duration::from_secs(5)), 0, "q exits cleanly");

    // Everything is in the database.
    let store = Store::open(&db, "check").unwrap();
    let customers = customer::all(store.conn()).unwrap();
    assert_eq!(customers.len(), 1);
    let c = &customers[0];
    assert_eq!(c.name, "王小明");
    assert_eq!(c.name, c.name.nfc().collect::<String>(), "stored NFC");
    assert_eq!(c.tier, marketdesk::domain::Tier::Vip);
    let visits = follow_up::all(store.conn()).unwrap();
    assert_eq!(visits.len(), 2, "{visits:?}");
    let done: Vec<_> = visits
        .iter()
        .filter(|v| v.state == FollowUpState::Done)
        .collect();
    assert_eq!(done.len(), 1);
    assert_eq!(done[0].satisfaction, Some(5));
    assert_eq!(done[0].feedback, "Very happy 很滿意");
    assert_eq!(
        done[0].done_date.map(|d| d.to_string()).as_deref(),
        Some("2026-11-30")
    );
    let planned: Vec<_> = visits
        .iter()
        .filter(|v| v.state == FollowUpState::Planned)
        .collect();
    assert_eq!(planned.len(), 1);
    assert_eq!(planned[0].due_date.to_string(), "2026-12-30");
    let log = audit::all(store.conn()).unwrap();
    assert!(
        log.iter()
            .any(|e| e.record_type == "customer" && e.actor == "ceo"),
        "{log:?}"
    );
    assert!(
        log.iter()
            .any(|e| e.record_type == "follow_up" && e.action == "done" && e.actor == "ceo"),
        "{log:?}"
    );
    assert!(log.iter().all(|e| e.actor == "ceo"), "{log:?}");
}

/// A database with the manager `ceo` on the roster, so the program starts at work.
fn department(dir: &TempDir) -> PathBuf {
    let db = db_in(dir);
    let mut s = Store::open(&db, "ceo").unwrap();
    s.create_employee(&marketdesk::domain::EmployeeInput {
        login: "ceo".into(),
        name: "陳經理".into(),
        role: Some(marketdesk::domain::Role::Manager),
        supervisor_id: None,
    })
    .unwrap();
    db
}

#[test]
fn hang_up_keeps_the_typing_as_a_draft() {
    let dir = TempDir::new().unwrap();
    let db = department(&dir);
    let mut t = Term::start(&db);
    t.wait_for("陳經理");
    t.keys(&[b"1", b"n"]);
    t.wait_for("New customer");
    t.keys(&[TAB]);
    t.send("李四海".as_bytes());
    t.wait_for("李四海");

    let pid = t.child.process_id().expect("the child's pid") as libc::pid_t;
    // SAFETY: a signal to the child this test started and still waits for.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGHUP) }, 0);
    let started = Instant::now();
    t.wait_exit(Duration::from_millis(1500));
    assert!(
        started.elapsed() < Duration::from_millis(1500),
        "exits within about a second of the hang-up"
    );

    let mut t = Term::start(&db);
    t.wait_for("You have unsaved input");
    t.wait_for("(New customer)");
    t.keys(&[b"y"]);
    t.wait_for("New customer");
    t.wait_for("Name*  李四海");
    // Saved now, the draft is gone: the next start offers nothing.
    t.keys(&[CTRL_S]);
    t.wait_for("C000001 李四海");
    t.keys(&[b"q"]);
    assert_eq!(t.wait_exit(Duration::from_secs(5)), 0);
    let mut t = Term::start(&db);
    t.wait_for("Today ·");
    assert!(!t.screen().contains("unsaved input"), "{}", t.screen());
    t.keys(&[b"q"]);
    assert_eq!(t.wait_exit(Duration::from_secs(5)), 0);
}

#[test]
fn quit_gives_the_terminal_back() {
    let dir = TempDir::new().unwrap();
    let db = department(&dir);
    let mut t = Term::start(&db);
    t.wait_for("Today ·");
    t.keys(&[b"q"]);
    assert_eq!(t.wait_exit(Duration::from_secs(5)), 0);
    let raw = t.raw.lock().unwrap().clone();
    let find_last = |needle: &[u8]| raw.windows(needle.len()).rposition(|w| w == needle);
    let entered = find_last(b"\x1b[?1049h").expect("the alternate screen was used");
    let left = find_last(b"\x1b[?1049l").expect("the alternate screen is left on exit");
    assert!(left > entered);
    assert!(
        find_last(b"\x1b[?2004l").is_some_and(|p| p > entered),
        "bracketed paste is switched off again"
    );
    // Nothing is drawn after leaving: the user's shell gets a clean terminal.
    let tail = String::from_utf8_lossy(&raw[left..]);
    assert!(
        !tail.contains("MarketDesk") && tail.len() < 64,
        "output after leaving the alternate screen: {tail:?}"
    );
    assert!(
        !t.parser.lock().unwrap().screen().alternate_screen(),
        "the terminal is back on the main screen"
    );
}
