//! The scale figures of SPEC §7: builds the scale data set with the release binary, then times
//! the store's list and filter paths in-process and the binary's first frame and memory in a pty.
//!
//! `cargo bench --bench scale` (100,000 customers, 1,000,000 visits); smaller with
//! `BENCH_CUSTOMERS=10000 BENCH_VISITS=100000 cargo bench --bench scale`.

use marketdesk::store::customer::{self, SearchIndex};
use marketdesk::store::follow_up::{self, Scope};
use marketdesk::store::segment::{self, Segment};
use marketdesk::store::{Store, employee};
use portable_pty::{CommandBuilder, PtySize, native_pty_system};
use std::io::Write as _;
use std::path::Path;
use std::process::Command;
use std::sync::mpsc;
use std::time::{Duration, Instant};

const TODAY: &str = "2026-11-30";
const PAGE: usize = 40;

/// A filter typed key by key: each prefix is one keystroke. Chinese and Latin, names, companies,
/// tags and phone digits, as the department would type them.
const QUERIES: &[&str] = &[
    "王偉",
    "陳美玲",
    "長城貿易",
    "有限公司",
    "老客戶",
    "批發",
    "線上",
    "志強",
    "歐陽",
    "wang",
    "chen",
    "emily",
    "ltd",
    "0912",
    "+86 13",
    "C0042",
    "科技",
    "Harbour",
    "淑芬",
    "xyz無此人",
];

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// p50 and p95 of samples, in ms.
fn percentiles(mut samples: Vec<Duration>) -> (f64, f64, f64) {
    samples.sort();
    let at = |q: f64| ms(samples[((samples.len() - 1) as f64 * q).round() as usize]);
    (at(0.5), at(0.95), at(1.0))
}

fn row(what: &str, figure: String, bar: &str) {
    println!("{what:<58} {figure:>24}   {bar}");
}

fn main() {
    let customers = env_usize("BENCH_CUSTOMERS", 100_000);
    let visits = env_usize("BENCH_VISITS", 1_000_000);
    let bin = env!("CARGO_BIN_EXE_marketdesk");
    let dir = tempfile::TempDir::new().unwrap();
    let db = dir.path().join("scale.db");

    println!("MarketDesk scale benchmark: {customers} customers, {visits} follow-up visits");
    println!("binary: {bin}\n");

    let started = Instant::now();
    let out = Command::new(bin)
        .arg("--db")
        .arg(&db)
        .args(["--user", "bench", "--lang", "en", "demo"])
        .args(["--customers", &customers.to_string()])
        .args(["--visits", &visits.to_string()])
        .env("MARKETDESK_TODAY", TODAY)
        .env("MARKETDESK_CONFIG", dir.path().join("none.toml"))
        .output()
        .unwrap();
    let build = started.elapsed();
    if !out.status.success() {
        eprintln!(
            "demo failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        std::process::exit(1);
    }
    print!("{}", String::from_utf8_lossy(&out.stdout));
    let size = std::fs::metadata(&db).map(|m| m.len()).unwrap_or(0);
    println!();
    row("what", "measured".into(), "SPEC §7 bar");
    row("-".repeat(58).as_str(), "-".repeat(24), "-----------");
    row(
        "build the data set (demo --customers --visits)",
        format!("{:.1} s, {} MB", build.as_secs_f64(), size / 1_000_000),
        "\"in seconds\"",
    );

    let crm_login = store_figures(&db);
    screen_figures(&db, &crm_login);
    binary_figures(bin, &db, dir.path(), &crm_login);
}

/// (b) Keystroke to frame in the TUI itself: the App handles the key and draws the whole
/// screen (into an off-screen buffer, so the terminal's own time is not counted).
fn screen_figures(db: &Path, login: &str) {
    use marketdesk::tui::app::{App, Options};
    use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
    let store = Store::open(db, login).unwrap();
    let opts = Options {
        lang: marketdesk::i18n::Lang::ZhHant,
        today: chrono::NaiveDate::parse_from_str(TODAY, "%Y-%m-%d").unwrap(),
        cadence: Default::default(),
        ascii_borders: false,
        login: login.to_string(),
        login_explicit: true,
        screen: None,
    };
    let mut app = App::new(store, opts).unwrap();
    let mut term = ratatui::Terminal::new(ratatui::backend::TestBackend::new(120, 40)).unwrap();
    let key = |c: KeyCode| Event::Key(KeyEvent::new(c, KeyModifiers::NONE));
    let mut timed = |app: &mut App, ev: Event| -> Duration {
        let t = Instant::now();
        app.handle_event(ev);
        term.draw(|f| app.draw(f)).unwrap();
        t.elapsed()
    };
    timed(&mut app, key(KeyCode::Char('1')));
    // The filter index is built off the input path; wait for it as a user's first second would.
    let waited = Instant::now();
    app.search_index();
    while app.search.index.is_none() && waited.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(20));
        app.tick();
    }
    row(
        "screen: filter index ready after opening Customers",
        format!("{:.0} ms (off the input path)", ms(waited.elapsed())),
        "-",
    );
    let mut typing = Vec::new();
    for q in QUERIES {
        timed(&mut app, key(KeyCode::Char('/')));
        for c in q.chars() {
            typing.push(timed(&mut app, key(KeyCode::Char(c))));
        }
        timed(&mut app, key(KeyCode::Esc));
    }
    let (p50, p95, max) = percentiles(typing.clone());
    row(
        &format!("screen: filter keystroke to frame ({} keys)", typing.len()),
        format!("p50 {p50:.2} / p95 {p95:.2} / max {max:.1} ms"),
        "p95 < 10 ms",
    );
    timed(&mut app, key(KeyCode::Char('f')));
    let mut paging = Vec::new();
    for _ in 0..200 {
        paging.push(timed(&mut app, key(KeyCode::PageDown)));
    }
    paging.push(timed(&mut app, key(KeyCode::Char('G'))));
    paging.push(timed(&mut app, key(KeyCode::Char('g'))));
    let (p50, p95, max) = percentiles(paging);
    row(
        "screen: follow-ups PgDn ×200, G, g to frame",
        format!("p50 {p50:.2} / p95 {p95:.2} / max {max:.1} ms"),
        "p95 < 10 ms",
    );
    timed(&mut app, key(KeyCode::Char('o')));
    let mut all = Vec::new();
    for _ in 0..100 {
        all.push(timed(&mut app, key(KeyCode::PageDown)));
    }
    all.push(timed(&mut app, key(KeyCode::Char('G'))));
    let (p50, p95, max) = percentiles(all);
    row(
        "screen: all visits (1M) PgDn ×100, G to frame",
        format!("p50 {p50:.2} / p95 {p95:.2} / max {max:.1} ms"),
        "p95 < 10 ms",
    );
    let t = Instant::now();
    timed(&mut app, key(KeyCode::Char('o')));
    row(
        "screen: toggle back to planned (recount)",
        format!("{:.2} ms", ms(t.elapsed())),
        "< 10 ms",
    );
}

/// (a) The store's paths a screen uses, in-process through the library. Returns the login of
/// a CRM specialist for the binary's run.
fn store_figures(db: &Path) -> String {
    let store = Store::open(db, "bench").unwrap();
    let conn = store.conn();

    let rss_before = proc_status_kb("self", "VmRSS").unwrap_or(0);
    let t = Instant::now();
    let index = SearchIndex::load(conn).unwrap();
    let load = t.elapsed();
    let rss_after = proc_status_kb("self", "VmRSS").unwrap_or(0);
    row(
        "SearchIndex::load (customer filter cache)",
        format!(
            "{:.1} ms, +{} MB RSS",
            ms(load),
            rss_after.saturating_sub(rss_before) / 1024
        ),
        "built in the background",
    );

    // One keystroke: match the typed prefix, then fetch the first page of what matched.
    let mut keystrokes = Vec::new();
    let mut matched_total = 0usize;
    for q in QUERIES {
        let chars: Vec<char> = q.chars().collect();
        for n in 1..=chars.len() {
            let typed: String = chars[..n].iter().collect();
            let t = Instant::now();
            let hits = index.matches(&typed);
            let rowids: Vec<i64> = hits
                .iter()
                .take(PAGE)
                .filter_map(|p| index.rowid(*p))
                .collect();
            let page = customer::by_rowids(conn, &rowids).unwrap();
            keystrokes.push(t.elapsed());
            std::hint::black_box(page);
            if n == chars.len() {
                matched_total += hits.len();
            }
        }
    }
    let n = keystrokes.len();
    let (p50, p95, max) = percentiles(keystrokes);
    row(
        &format!("filter keystroke: matches + first page ({n} keys)"),
        format!("p50 {p50:.2} / p95 {p95:.2} / max {max:.1} ms"),
        "p95 < 10 ms",
    );
    row(
        "  (customers matched by the full queries, summed)",
        matched_total.to_string(),
        "",
    );

    let planned = Scope {
        open_only: true,
        ..Default::default()
    };
    let t = Instant::now();
    let open = follow_up::count(conn, &planned).unwrap();
    let count_open = t.elapsed();
    let pages = (open / PAGE).clamp(1, 200);
    let mut paging = Vec::new();
    for p in 0..pages {
        let t = Instant::now();
        let rows = follow_up::page(conn, &planned, p * PAGE, PAGE, Some(open)).unwrap();
        paging.push(t.elapsed());
        std::hint::black_box(rows);
    }
    let (p50, p95, max) = percentiles(paging);
    row(
        &format!("planned follow-ups: page of {PAGE} ({pages} pages in order)"),
        format!("p50 {p50:.2} / p95 {p95:.2} / max {max:.1} ms"),
        "p95 < 10 ms",
    );
    let t = Instant::now();
    let last =
        follow_up::page(conn, &planned, open.saturating_sub(PAGE), PAGE, Some(open)).unwrap();
    row(
        &format!("planned follow-ups: jump to the last page (row {open})"),
        format!("{:.2} ms ({} rows)", ms(t.elapsed()), last.len()),
        "< 10 ms",
    );
    row(
        "count planned follow-ups",
        format!("{:.2} ms ({open})", ms(count_open)),
        "< 10 ms",
    );

    let everything = Scope::default();
    let t = Instant::now();
    let all = follow_up::count(conn, &everything).unwrap();
    row(
        "count all follow-ups",
        format!("{:.2} ms ({all})", ms(t.elapsed())),
        "< 10 ms",
    );
    let t = Instant::now();
    let newest = follow_up::page(conn, &everything, 0, PAGE, None).unwrap();
    row(
        "all follow-ups, newest first: first page",
        format!("{:.2} ms ({} rows)", ms(t.elapsed()), newest.len()),
        "< 10 ms",
    );
    let t = Instant::now();
    let n = customer::count(conn).unwrap();
    row(
        "count customers",
        format!("{:.2} ms ({n})", ms(t.elapsed())),
        "< 10 ms",
    );

    // The Today list of one CRM specialist: due and overdue, and its count.
    let roster = employee::all(conn).unwrap();
    let crm = roster
        .iter()
        .find(|e| e.role == marketdesk::domain::Role::Crm)
        .unwrap();
    let today = Scope {
        open_only: true,
        owner_id: Some(crm.id.clone()),
        due_by: chrono::NaiveDate::parse_from_str(TODAY, "%Y-%m-%d").ok(),
        ..Default::default()
    };
    let t = Instant::now();
    let due = follow_up::count(conn, &today).unwrap();
    let rows = follow_up::page(conn, &today, 0, PAGE, None).unwrap();
    row(
        &format!("Today for {}: count + first page", crm.login),
        format!("{:.2} ms ({due} due)", ms(t.elapsed())),
        "< 10 ms",
    );
    std::hint::black_box((rows, index.len()));
    let today = chrono::NaiveDate::parse_from_str(TODAY, "%Y-%m-%d").unwrap();
    for seg in &Segment::ALL[1..] {
        let t = Instant::now();
        let ids = segment::rowids(conn, *seg, today)
            .unwrap()
            .unwrap_or_default();
        row(
            &format!("segment {}: build the list", seg.code()),
            format!("{:.1} ms ({} customers)", ms(t.elapsed()), ids.len()),
            "once per choice",
        );
    }
    crm.login.clone()
}

/// What the binary does at start-up, in a pseudo-terminal: time to the first frame and peak
/// memory. Kept apart so it can be pointed at the real screens as they land.
fn binary_figures(bin: &str, db: &Path, dir: &Path, login: &str) {
    match first_frame(bin, db, dir, login) {
        Ok(f) => {
            row(
                "binary: spawn to first frame (pty 120x40)",
                format!("{:.1} ms", ms(f.first_frame)),
                "< 50 ms",
            );
            row(
                "binary: peak resident memory (VmHWM) after a session",
                match f.peak_kb {
                    Some(kb) => format!("{:.1} MB", kb as f64 / 1024.0),
                    None => "n/a".into(),
                },
                "< 40 MB",
            );
            if !f.quit_cleanly {
                println!("  note: the binary did not exit within 2 s of `q`; it was killed");
            }
        }
        Err(why) => {
            row(
                "binary: spawn to first frame",
                "NOT MEASURED".into(),
                "< 50 ms",
            );
            row(
                "binary: peak resident memory",
                "NOT MEASURED".into(),
                "< 40 MB",
            );
            println!("  the TUI did not draw a screen: {why}");
        }
    }
}

struct Frame {
    first_frame: Duration,
    peak_kb: Option<u64>,
    quit_cleanly: bool,
}

fn first_frame(bin: &str, db: &Path, dir: &Path, login: &str) -> Result<Frame, String> {
    const TIMEOUT: Duration = Duration::from_secs(5);
    let pty = native_pty_system()
        .openpty(PtySize {
            rows: 40,
            cols: 120,
            pixel_width: 0,
            pixel_height: 0,
        })
        .map_err(|e| format!("no pseudo-terminal: {e}"))?;
    let mut cmd = CommandBuilder::new(bin);
    cmd.args(["--db", &db.display().to_string(), "--user", login]);
    cmd.args(["--lang", "zh-Hant"]);
    cmd.env("MARKETDESK_TODAY", TODAY);
    cmd.env(
        "MARKETDESK_CONFIG",
        dir.join("none.toml").display().to_string(),
    );
    cmd.env("TERM", "xterm-256color");
    let mut reader = pty
        .master
        .try_clone_reader()
        .map_err(|e| format!("pty reader: {e}"))?;
    let mut writer = pty
        .master
        .take_writer()
        .map_err(|e| format!("pty writer: {e}"))?;

    let spawned = Instant::now();
    let mut child = pty
        .slave
        .spawn_command(cmd)
        .map_err(|e| format!("spawn: {e}"))?;
    drop(pty.slave);
    let pid = child.process_id();

    let (tx, rx) = mpsc::channel::<Vec<u8>>();
    std::thread::spawn(move || {
        let mut buf = [0u8; 65536];
        while let Ok(n) = std::io::Read::read(&mut reader, &mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });

    let mut parser = vt100::Parser::new(40, 120, 0);
    let mut drawn: Option<Duration> = None;
    while spawned.elapsed() < TIMEOUT {
        match rx.recv_timeout(Duration::from_millis(5)) {
            Ok(bytes) => {
                parser.process(&bytes);
                if drawn.is_none() && !parser.screen().contents().trim().is_empty() {
                    drawn = Some(spawned.elapsed());
                    break;
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
        if let Ok(Some(status)) = child.try_wait() {
            // Drain what it printed on the way out, to say why.
            while let Ok(bytes) = rx.recv_timeout(Duration::from_millis(50)) {
                parser.process(&bytes);
            }
            return Err(format!(
                "it exited ({status:?}) saying: {}",
                parser.screen().contents().trim()
            ));
        }
    }
    let Some(first_frame) = drawn else {
        let _ = child.kill();
        return Err(format!("nothing drawn within {TIMEOUT:?}"));
    };

    // An error message is text too: a screen that is drawn takes the alternate screen and
    // stays up, a failed start prints and exits.
    std::thread::sleep(Duration::from_millis(300));
    while let Ok(bytes) = rx.try_recv() {
        parser.process(&bytes);
    }
    if let Ok(Some(status)) = child.try_wait() {
        return Err(format!(
            "it exited ({status:?}) instead of drawing, saying: {}",
            parser.screen().contents().trim()
        ));
    }
    if !parser.screen().alternate_screen() {
        println!("  note: the first output did not switch to the alternate screen");
    }
    // A short session before memory is read: the customer list and its filter index,
    // then the follow-ups, all of them, and the end of that list.
    for keys in [
        &b"1"[..],
        b"/",
        "王".as_bytes(),
        b"\r",
        b"\x1b",
        b"f",
        b"o",
        b"G",
    ] {
        let _ = writer.write_all(keys);
        let _ = writer.flush();
        std::thread::sleep(Duration::from_millis(if keys == "王".as_bytes() {
            1500
        } else {
            150
        }));
        while let Ok(bytes) = rx.try_recv() {
            parser.process(&bytes);
        }
    }
    let peak_kb = pid.and_then(|p| proc_status_kb(&p.to_string(), "VmHWM"));
    let _ = writer.write_all(b"q");
    let _ = writer.flush();
    let deadline = Instant::now() + Duration::from_secs(2);
    let mut quit_cleanly = false;
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            quit_cleanly = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    if !quit_cleanly {
        let _ = child.kill();
        let _ = child.wait();
    }
    Ok(Frame {
        first_frame,
        peak_kb,
        quit_cleanly,
    })
}

/// A `kB` line of /proc/<pid>/status (`self` for this process).
fn proc_status_kb(pid: &str, key: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with(key))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}
