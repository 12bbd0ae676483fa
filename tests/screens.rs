//! Every screen as a user sees it, drawn on a ratatui `TestBackend` and kept as a plain-text
//! insta snapshot in English and Traditional Chinese (100×30, some at 80×24): first run, who
//! are you, Today, Customers (also filtered in Chinese), a customer, Follow-ups, all visits,
//! a visit with an issue, People, help, the palette, forms with their errors, the outcome of a
//! visit, the proposal of the next one and a refused stale save. It also proves that no size
//! from 1×1 up makes drawing panic, that Chinese characters are never cut in half, and that
//! the hint bar and help offer only keys that really do what they say.

use chrono::NaiveDate;
use marketdesk::domain::{
    Cadence, CustomerInput, EmployeeInput, FollowUpInput, Method, Outcome, PurchaseInput, Role,
    Tier,
};
use marketdesk::i18n::Lang;
use marketdesk::store::{Store, customer};
use marketdesk::tui::app::{App, Options, Overlay};
use marketdesk::tui::keys;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use ratatui::style::Color;

const LANGS: [Lang; 2] = [Lang::En, Lang::ZhHant];

fn day(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, d).unwrap()
}

const TODAY: (u32, u32) = (11, 30);

fn options(lang: Lang, login: &str) -> Options {
    Options {
        lang,
        today: day(TODAY.0, TODAY.1),
        cadence: Cadence::default(),
        ascii_borders: false,
        login: login.to_string(),
        login_explicit: true,
        screen: None,
    }
}

/// A small department: a manager (chen) and a CRM specialist (lin); four customers, two
/// with Chinese names; visits overdue, due today, upcoming and done, one done visit with an
/// issue handed to Logistics; two purchases.
fn department() -> Store {
    let mut s = Store::open_in_memory("chen").unwrap();
    let chen = s
        .create_employee(&EmployeeInput {
            login: "chen".into(),
            name: "陳美玲".into(),
            role: Some(Role::Manager),
            supervisor_id: None,
        })
        .unwrap();
    let lin = s
        .create_employee(&EmployeeInput {
            login: "lin".into(),
            name: "林小華".into(),
            role: Some(Role::Crm),
            supervisor_id: Some(chen.id.clone()),
        })
        .unwrap();
    let mut cust = |code: &str, name: &str, company: &str, tier, phone: &str, owner: &str| {
        s.create_customer(&CustomerInput {
            code: code.into(),
            name: name.into(),
            company: company.into(),
            tier: Some(tier),
            phone: phone.into(),
            email: format!("{}@example.com", code.to_lowercase()),
            tags: "retail, 零售".into(),
            owner_id: Some(owner.to_string()),
            source: "Trade fair 展會".into(),
            address: "台北市信義路五段7號".into(),
            preferences: "Prefers calls in the morning 喜歡早上來電".into(),
            ..Default::default()
        })
        .unwrap()
    };
    let wang = cust(
        "C000001",
        "王小明",
        "長城貿易有限公司",
        Tier::Vip,
        "+886 2 2345 6789",
        &chen.id,
    );
    let li = cust(
        "C000002",
        "李娜",
        "華南電子",
        Tier::A,
        "0912 345 678",
        &chen.id,
    );
    let acme = cust(
        "C000003",
        "Acme Trading",
        "Acme Ltd",
        Tier::B,
        "555 0100",
        &lin.id,
    );
    let zhang = cust("C000004", "張偉", "", Tier::C, "", &chen.id);
    for (date, product, qty, amount) in [
        (day(10, 2), "Tea set 茶具組", "2", "12800.00"),
        (day(11, 15), "Gift box 禮盒", "10", "3500"),
    ] {
        s.add_purchase(
            &wang.id,
            &PurchaseInput {
                date: Some(date),
                product: product.into(),
                quantity: qty.into(),
                amount: amount.into(),
            },
        )
        .unwrap();
    }
    let mut visit = |c: &str, owner: &str, method, due, note: &str| {
        s.schedule_follow_up(&FollowUpInput {
            customer_id: Some(c.to_string()),
            owner_id: Some(owner.to_string()),
            method: Some(method),
            due_date: Some(due),
            note: note.into(),
        })
        .unwrap()
    };
    visit(
        &wang.id,
        &chen.id,
        Method::FaceToFace,
        day(11, 20),
        "Bring the new catalogue 帶新目錄",
    );
    visit(&li.id, &chen.id, Method::Phone, day(11, 30), "");
    visit(&acme.id, &lin.id, Method::Email, day(12, 3), "");
    let wang_done = visit(&wang.id, &chen.id, Method::Phone, day(10, 20), "");
    let zhang_done = visit(&zhang.id, &chen.id, Method::Phone, day(11, 10), "");
    let today = day(TODAY.0, TODAY.1);
    s.complete_follow_up(
        &wang_done,
        &Outcome {
            done_date: Some(day(10, 21)),
            satisfaction: Some(5),
            feedback: "Very happy 很滿意".into(),
            issues_found: String::new(),
        },
        today,
        &Cadence::default(),
    )
    .unwrap();
    s.complete_follow_up(
        &zhang_done,
        &Outcome {
            done_date: Some(day(11, 12)),
            satisfaction: Some(3),
            feedback: "Delivery was late 送貨延遲".into(),
            issues_found: "Late delivery".into(),
        },
        today,
        &Cadence::default(),
    )
    .unwrap();
    s.hand_over_issue(&zhang_done.id, "Late delivery 送貨延遲", "Logistics 物流部")
        .unwrap();
    s
}

// ---- driving the app as a keyboard would ----

fn key_with(app: &mut App, code: KeyCode, mods: KeyModifiers) {
    app.handle_event(Event::Key(KeyEvent::new_with_kind(
        code,
        mods,
        KeyEventKind::Press,
    )));
}

fn press(app: &mut App, code: KeyCode) {
    key_with(app, code, KeyModifiers::NONE);
}

fn ctrl(app: &mut App, c: char) {
    key_with(app, KeyCode::Char(c), KeyModifiers::CONTROL);
}

/// Types each character as one key press (an IME commits its characters this way too).
fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        press(app, KeyCode::Char(c));
    }
}

// ---- drawing ----

/// Draws one frame. Returns what the terminal shows (the backend, after ratatui's diff) and
/// what the app drew (the frame's buffer: a cell drawn over half a wide character is lost on
/// the way to the terminal, so only this buffer shows it).
fn draw(app: &mut App, w: u16, h: u16) -> (Buffer, Buffer) {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    let drawn = t.draw(|f| app.draw(f)).unwrap().buffer.clone();
    (t.backend().buffer().clone(), drawn)
}

fn render(app: &mut App, w: u16, h: u16) -> Buffer {
    draw(app, w, h).0
}

/// The screen as text: the cells a wide character covers are skipped, as a terminal shows
/// them; trailing spaces trimmed.
fn text_of(buf: &Buffer) -> String {
    let w = buf.area.width as usize;
    let mut out = String::new();
    for row in buf.content.chunks(w) {
        let mut line = String::new();
        let mut skip = 0u16;
        for c in row {
            if skip == 0 {
                line.push_str(c.symbol());
            }
            skip = skip.max(c.symbol_width()).saturating_sub(1);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

trait CellWidth {
    fn symbol_width(&self) -> u16;
}

impl CellWidth for ratatui::buffer::Cell {
    fn symbol_width(&self) -> u16 {
        unicode_width::UnicodeWidthStr::width(self.symbol()) as u16
    }
}

/// A Chinese character takes two cells; if something is drawn into its second cell, the
/// terminal shows half a character or shifts the line. No screen may do that.
fn assert_no_half_characters(buf: &Buffer, what: &str) {
    let w = buf.area.width as usize;
    for (y, row) in buf.content.chunks(w).enumerate() {
        let mut skip = 0u16;
        for (x, c) in row.iter().enumerate() {
            if skip > 0 {
                assert!(
                    c.symbol() == " " || c.symbol().is_empty(),
                    "{what}: {:?} at ({x},{y}) is drawn over the right half of a wide character",
                    c.symbol()
                );
            }
            skip = skip.max(c.symbol_width()).saturating_sub(1);
        }
    }
}

/// Draws, checks no wide character is cut, snapshots, and returns the text and buffer.
fn snap(name: &str, app: &mut App, w: u16, h: u16) -> (String, Buffer) {
    let (buf, drawn) = draw(app, w, h);
    let text = text_of(&buf);
    let id = format!("{name}-{}-{w}x{h}", app.lang.code());
    assert_no_half_characters(&drawn, &id);
    insta::assert_snapshot!(id, text);
    (text, buf)
}

fn hint_bar(text: &str) -> &str {
    text.lines().last().unwrap_or("")
}

fn status_line(text: &str) -> &str {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len() - 2]
}

// ---- the screens, each reachable by keys from a fresh start ----

fn work(lang: Lang) -> App {
    App::new(department(), options(lang, "chen")).unwrap()
}

/// Every state a user can reach that draws something different, by name.
const SCENARIOS: &[&str] = &[
    "first_run",
    "first_run_error",
    "who_are_you",
    "today",
    "customers",
    "customers_filtered",
    "customer_detail",
    "customer_new",
    "customer_invalid",
    "customer_tier_picker",
    "customer_owner_picker",
    "customer_delete_confirm",
    "follow_ups",
    "all_visits",
    "visit_detail",
    "issues",
    "customers_segment",
    "visit_menu",
    "visit_new_customer_lookup",
    "visit_done",
    "schedule_next_confirm",
    "stale_save",
    "people",
    "people_new",
    "help",
    "palette",
    "message",
    "quit_unsaved",
];

fn scenario(name: &str, lang: Lang) -> App {
    match name {
        "first_run" => {
            App::new(Store::open_in_memory("x").unwrap(), options(lang, "chen")).unwrap()
        }
        "first_run_error" => {
            let mut app = scenario("first_run", lang);
            ctrl(&mut app, 's');
            app
        }
        "who_are_you" => App::new(department(), options(lang, "stranger")).unwrap(),
        "today" => work(lang),
        "customers" => {
            let mut app = work(lang);
            press(&mut app, KeyCode::Char('1'));
            app
        }
        "customers_filtered" => {
            let mut app = scenario("customers", lang);
            press(&mut app, KeyCode::Char('/'));
            for c in "小明".chars() {
                press(&mut app, KeyCode::Char(c));
                // Terminals with the kitty keyboard protocol also report releases.
                app.handle_event(Event::Key(KeyEvent::new_with_kind(
                    KeyCode::Char(c),
                    KeyModifiers::NONE,
                    KeyEventKind::Release,
                )));
            }
            app
        }
        "customer_detail" => {
            let mut app = scenario("customers_filtered", lang);
            press(&mut app, KeyCode::Enter); // leaves the filter line
            press(&mut app, KeyCode::Enter); // opens the customer
            app
        }
        "customer_new" => {
            let mut app = scenario("customers", lang);
            press(&mut app, KeyCode::Char('n'));
            app
        }
        "customer_invalid" => {
            let mut app = scenario("customer_new", lang);
            press(&mut app, KeyCode::Tab); // name
            type_text(&mut app, "王大同");
            for _ in 0..4 {
                press(&mut app, KeyCode::Tab); // company, tier, phone, email
            }
            type_text(&mut app, "wang-at-example");
            ctrl(&mut app, 's');
            app
        }
        "customer_tier_picker" => {
            let mut app = scenario("customer_new", lang);
            for _ in 0..3 {
                press(&mut app, KeyCode::Tab);
            }
            press(&mut app, KeyCode::Enter);
            app
        }
        "customer_owner_picker" => {
            let mut app = scenario("customer_new", lang);
            for _ in 0..7 {
                press(&mut app, KeyCode::Tab);
            }
            press(&mut app, KeyCode::Enter);
            app
        }
        "customer_delete_confirm" => {
            let mut app = scenario("customer_detail", lang);
            press(&mut app, KeyCode::Char('d'));
            app
        }
        "follow_ups" => {
            let mut app = work(lang);
            press(&mut app, KeyCode::Char('f'));
            app
        }
        "all_visits" => {
            let mut app = scenario("follow_ups", lang);
            press(&mut app, KeyCode::Char('o'));
            app
        }
        "visit_detail" => {
            let mut app = scenario("all_visits", lang);
            press(&mut app, KeyCode::Char('/'));
            type_text(&mut app, "張偉");
            press(&mut app, KeyCode::Enter);
            press(&mut app, KeyCode::Enter);
            app
        }
        "customers_segment" => {
            let mut app = scenario("customers", lang);
            press(&mut app, KeyCode::Char('v'));
            press(&mut app, KeyCode::Down);
            press(&mut app, KeyCode::Down);
            press(&mut app, KeyCode::Enter);
            app
        }
        "issues" => {
            let mut app = work(lang);
            press(&mut app, KeyCode::Char('f'));
            press(&mut app, KeyCode::Char('i'));
            app
        }
        "visit_menu" => {
            let mut app = scenario("follow_ups", lang);
            press(&mut app, KeyCode::Char('s'));
            app
        }
        "visit_new_customer_lookup" => {
            let mut app = scenario("follow_ups", lang);
            press(&mut app, KeyCode::Char('n'));
            press(&mut app, KeyCode::Enter); // the customer field opens its lookup
            type_text(&mut app, "王");
            app
        }
        "visit_done" => {
            let mut app = scenario("visit_menu", lang);
            press(&mut app, KeyCode::Enter); // Done, the first step offered
            app
        }
        "schedule_next_confirm" => {
            let mut app = scenario("visit_done", lang);
            press(&mut app, KeyCode::Tab);
            press(&mut app, KeyCode::Char('4'));
            press(&mut app, KeyCode::Tab);
            type_text(&mut app, "Liked the catalogue 喜歡新目錄");
            ctrl(&mut app, 's');
            app
        }
        "stale_save" => {
            let mut app = scenario("customer_detail", lang);
            press(&mut app, KeyCode::Char('e'));
            press(&mut app, KeyCode::Tab);
            type_text(&mut app, "先生");
            // Meanwhile the record changes through another path (another user's save).
            let id = customer::all(app.store.conn())
                .unwrap()
                .into_iter()
                .find(|c| c.name == "王小明")
                .unwrap();
            let input = CustomerInput {
                code: id.code.clone(),
                name: id.name.clone(),
                company: id.company.clone(),
                tier: Some(id.tier),
                phone: "02 8888 0000".into(),
                email: id.email.clone(),
                owner_id: id.owner_id.clone(),
                ..Default::default()
            };
            app.store.update_customer(&id, &input).unwrap();
            ctrl(&mut app, 's');
            app
        }
        "people" => {
            let mut app = work(lang);
            press(&mut app, KeyCode::Char('r'));
            app
        }
        "people_new" => {
            let mut app = scenario("people", lang);
            press(&mut app, KeyCode::Char('n'));
            app
        }
        "help" => {
            let mut app = scenario("customers", lang);
            press(&mut app, KeyCode::Char('?'));
            app
        }
        "palette" => {
            let mut app = scenario("customers", lang);
            press(&mut app, KeyCode::Char(':'));
            app
        }
        "message" => {
            let mut app = work(lang);
            app.fail(marketdesk::store::StoreError::NotFound { record: "customer" });
            app
        }
        "quit_unsaved" => {
            let mut app = scenario("customer_invalid", lang);
            ctrl(&mut app, 'c');
            app
        }
        other => panic!("no scenario {other}"),
    }
}

// ---- snapshots, each with one thing a user would notice ----

#[test]
fn first_run_asks_for_the_manager() {
    for lang in LANGS {
        let mut app = scenario("first_run", lang);
        let (text, _) = snap("first_run", &mut app, 100, 30);
        assert!(text.contains(&app.tr("form.first_run")), "{text}");
        assert!(
            text.contains(&app.tr("first_run.welcome")[..20]),
            "the welcome says why"
        );
        assert!(text.contains("chen"), "the login is proposed: {text}");
        // Typing a name and saving puts the manager on the roster and opens Today.
        press(&mut app, KeyCode::Tab);
        type_text(&mut app, "陳美玲");
        ctrl(&mut app, 's');
        let text = text_of(&render(&mut app, 100, 30));
        assert!(app.form.is_none());
        assert!(
            text.lines().next().unwrap().contains("陳美玲"),
            "the top bar names the person: {text}"
        );
    }
    let mut app = scenario("first_run_error", Lang::En);
    let (text, _) = snap("first_run_error", &mut app, 80, 24);
    assert!(text.contains("↑ Required"), "{text}");
}

#[test]
fn who_are_you_lists_the_roster() {
    for lang in LANGS {
        let mut app = scenario("who_are_you", lang);
        let (text, _) = snap("who_are_you", &mut app, 100, 30);
        assert!(text.contains("陳美玲") && text.contains("林小華"), "{text}");
        assert!(text.contains("lin ·"), "logins help to choose: {text}");
        type_text(&mut app, "lin");
        press(&mut app, KeyCode::Enter);
        let text = text_of(&render(&mut app, 100, 30));
        assert!(
            text.lines().next().unwrap().contains("林小華"),
            "choosing makes you that person: {text}"
        );
    }
}

#[test]
fn today_shows_overdue_and_due_visits() {
    for lang in LANGS {
        let mut app = scenario("today", lang);
        let (text, buf) = snap("today", &mut app, 100, 30);
        let overdue = app.tr_with("today.overdue", &[("count", "1")]);
        let due = app.tr_with("today.due", &[("count", "1")]);
        assert!(text.contains(&overdue) && text.contains(&due), "{text}");
        assert!(text.contains("王小明 C000001") && text.contains("李娜 C000002"));
        assert!(!text.contains("Acme"), "lin's visit is not on chen's Today");
        assert_eq!(row_colour(&buf, &text, "2026-11-20"), Some(Color::Red));
        assert_eq!(row_colour(&buf, &text, "2026-11-30"), Some(Color::Yellow));
    }
    let mut app = scenario("today", Lang::ZhHant);
    snap("today", &mut app, 80, 24);
}

#[test]
fn customers_list_shows_whole_chinese_names() {
    for lang in LANGS {
        let mut app = scenario("customers", lang);
        let (text, _) = snap("customers", &mut app, 100, 30);
        for name in ["王小明", "李娜", "張偉", "Acme Trading", "長城貿易有限公司"] {
            assert!(text.contains(name), "{name} shown whole: {text}");
        }
        let hints = hint_bar(&text);
        for a in ["n", "/", "?", "q"] {
            assert!(hints.contains(a), "hint bar offers {a}: {hints}");
        }
    }
    let mut app = scenario("customers", Lang::ZhHant);
    let (text, _) = snap("customers", &mut app, 80, 24);
    assert!(text.contains("王小明"), "{text}");
}

#[test]
fn a_chinese_filter_narrows_the_customers() {
    for lang in LANGS {
        let mut app = scenario("customers_filtered", lang);
        let (text, _) = snap("customers_filtered", &mut app, 100, 30);
        assert!(text.contains("王小明"), "{text}");
        assert!(!text.contains("李娜") && !text.contains("Acme"), "{text}");
        let status = status_line(&text);
        assert!(
            status.contains("小明") && !status.contains("小明小明"),
            "each character typed once, key releases ignored: {status}"
        );
        assert!(
            status.contains(&app.tr_with("filter.count", &[("count", "1")])),
            "{status}"
        );
    }
}

#[test]
fn customer_detail_shows_purchases_and_visits() {
    for lang in LANGS {
        let mut app = scenario("customer_detail", lang);
        let (text, _) = snap("customer_detail", &mut app, 100, 30);
        assert!(text.contains("C000001 王小明"), "{text}");
        assert!(
            text.contains("16,300.00") || text.contains("16300"),
            "{text}"
        );
        assert!(text.contains("Tea set 茶具組"), "{text}");
        assert!(
            text.contains("2026-11-20") && text.contains("2026-10-20"),
            "both visits listed: {text}"
        );
        assert!(text.contains("★★★★★"), "{text}");
    }
    let mut app = scenario("customer_detail", Lang::En);
    snap("customer_detail", &mut app, 80, 24);
}

#[test]
fn follow_ups_list_overdue_first_in_red() {
    for lang in LANGS {
        let mut app = scenario("follow_ups", lang);
        let (text, buf) = snap("follow_ups", &mut app, 100, 30);
        let a = text.find("2026-11-20").unwrap();
        let b = text.find("2026-11-30").unwrap();
        let c = text.find("2026-12-03").unwrap();
        assert!(a < b && b < c, "overdue first, then by due date: {text}");
        assert!(!text.contains("2026-11-10"), "done visits are not planned");
        assert_eq!(row_colour(&buf, &text, "2026-11-20"), Some(Color::Red));
        assert_eq!(row_colour(&buf, &text, "2026-12-03"), Some(Color::Green));
    }
}

/// The foreground colour of the first cell of the line containing `needle`.
fn row_colour(buf: &Buffer, text: &str, needle: &str) -> Option<Color> {
    let y = text
        .lines()
        .position(|l| l.trim_start_matches('│').starts_with(needle))?;
    let line = text.lines().nth(y)?;
    let x = unicode_width::UnicodeWidthStr::width(&line[..line.find(needle)?]);
    Some(buf[(x as u16, y as u16)].fg)
}

#[test]
fn all_visits_include_done_ones() {
    for lang in LANGS {
        let mut app = scenario("all_visits", lang);
        let (text, _) = snap("all_visits", &mut app, 100, 30);
        assert!(text.contains(&app.tr("follow_ups.all")), "{text}");
        assert!(
            text.contains("2026-11-10") && text.contains("★★★"),
            "{text}"
        );
    }
}

#[test]
fn visit_detail_shows_the_issue_handed_over() {
    for lang in LANGS {
        let mut app = scenario("visit_detail", lang);
        let (text, _) = snap("visit_detail", &mut app, 100, 30);
        assert!(text.contains("C000004 張偉"), "{text}");
        assert!(text.contains("Logistics"), "{text}");
        assert!(text.contains("Delivery was late 送貨延遲"), "{text}");
        let hints = hint_bar(&text);
        assert!(hints.contains('h') && hints.contains('x'), "{hints}");
    }
    let mut app = scenario("visit_detail", Lang::ZhHant);
    snap("visit_detail", &mut app, 80, 24);
}

#[test]
fn a_segment_lists_the_customers_with_no_visit_planned() {
    for lang in LANGS {
        let mut app = scenario("customers_segment", lang);
        let (text, _) = snap("customers_segment", &mut app, 100, 30);
        assert!(text.contains(&app.tr("segment.no_visit_planned")), "{text}");
        // Acme and 李娜 have visits planned; the others do not.
        assert!(!text.contains("Acme Trading"), "{text}");
        assert!(text.contains("張偉"), "{text}");
    }
}

#[test]
fn open_issues_are_tracked_until_closed() {
    for lang in LANGS {
        let mut app = scenario("issues", lang);
        let (text, _) = snap("issues", &mut app, 100, 30);
        assert!(
            text.contains("Logistics") && text.contains("張偉"),
            "{text}"
        );
        let hints = hint_bar(&text);
        assert!(hints.contains('x') && hints.contains('i'), "{hints}");
        // Closing it with a resolution takes it off the open list.
        press(&mut app, KeyCode::Char('x'));
        type_text(&mut app, "已補寄 Resent");
        ctrl(&mut app, 's');
        assert!(app.form.is_none(), "the issue is closed");
        let (text, _) = snap("issues_none_open", &mut app, 100, 30);
        assert!(text.contains(&app.tr("issues.empty")), "{text}");
        press(&mut app, KeyCode::Char('o'));
        let text = text_of(&render(&mut app, 100, 30));
        assert!(
            text.contains("已補寄 Resent"),
            "closed ones show with o: {text}"
        );
    }
}

#[test]
fn people_lists_the_roster_with_supervisors() {
    for lang in LANGS {
        let mut app = scenario("people", lang);
        let (text, _) = snap("people", &mut app, 100, 30);
        let lin = text.lines().find(|l| l.contains("林小華")).unwrap();
        assert!(lin.contains("陳美玲"), "lin's supervisor: {lin}");
        assert!(lin.contains(&app.tr("role.crm")), "{lin}");
    }
}

#[test]
fn help_lists_the_keys_of_this_screen() {
    for lang in LANGS {
        let mut app = scenario("help", lang);
        let (text, _) = snap("help", &mut app, 100, 30);
        assert!(text.contains(&app.tr("help.title")), "{text}");
        assert!(text.contains("↑/k") && text.contains(":/C-p"), "{text}");
        assert!(
            text.contains(&app.tr("help.close")),
            "the way out is shown: {text}"
        );
        press(&mut app, KeyCode::Char('x'));
        assert!(app.overlay.is_none(), "any key closes help");
    }
    let mut app = scenario("help", Lang::En);
    let (text, _) = snap("help", &mut app, 80, 24);
    assert!(
        text.contains(&app.tr("help.close")),
        "the way out is shown at 80×24 too: {text}"
    );
}

#[test]
fn palette_lists_actions_by_name() {
    for lang in LANGS {
        let mut app = scenario("palette", lang);
        let (text, _) = snap("palette", &mut app, 100, 30);
        assert!(text.contains(&app.tr("palette.title")), "{text}");
        assert!(text.contains(&app.tr("action.new")), "{text}");
        // Typing narrows it; Enter does it.
        let filter = app.tr("action.filter").to_lowercase();
        type_text(&mut app, &filter);
        press(&mut app, KeyCode::Enter);
        assert!(app.overlay.is_none());
        assert!(
            status_line(&text_of(&render(&mut app, 100, 30))).starts_with('/'),
            "the palette started the filter"
        );
    }
}

#[test]
fn new_customer_form_shows_a_bad_email_beside_the_field() {
    for lang in LANGS {
        let mut app = scenario("customer_new", lang);
        let (text, _) = snap("customer_new", &mut app, 100, 30);
        assert!(
            text.contains("C000005"),
            "the next code is proposed: {text}"
        );
        let mut app = scenario("customer_invalid", lang);
        let (text, _) = snap("customer_invalid", &mut app, 100, 30);
        let lines: Vec<&str> = text.lines().collect();
        let email = lines
            .iter()
            .position(|l| l.contains("wang-at-example"))
            .expect("the typed email is kept");
        assert!(
            lines[email + 1].contains(&app.tr("error.email")),
            "the reason is right under the field: {}",
            lines[email + 1]
        );
        assert!(text.contains("王大同"), "the typed name is kept");
        assert!(app.form.is_some(), "the form stays open");
    }
    let mut app = scenario("customer_invalid", Lang::ZhHant);
    snap("customer_invalid", &mut app, 80, 24);
}

#[test]
fn done_asks_for_the_outcome_then_proposes_the_next_visit() {
    for lang in LANGS {
        let mut app = scenario("visit_menu", lang);
        let (text, _) = snap("visit_menu", &mut app, 100, 30);
        assert!(text.contains(&app.tr("visit_menu.done")), "{text}");
        let mut app = scenario("visit_done", lang);
        let (text, _) = snap("visit_done", &mut app, 100, 30);
        assert!(text.contains(&app.tr("form.follow_up_done")), "{text}");
        assert!(
            text.contains("2026-11-30"),
            "done today is proposed: {text}"
        );
        let mut app = scenario("schedule_next_confirm", lang);
        let (text, _) = snap("schedule_next_confirm", &mut app, 100, 30);
        // 王小明 is VIP: 30 days from the day done.
        assert!(text.contains("2026-12-30"), "{text}");
        assert!(matches!(app.overlay, Some(Overlay::Confirm(..))));
        press(&mut app, KeyCode::Char('y'));
        let (_, form) = app.form.as_ref().expect("the schedule form opens");
        assert_eq!(form.text("due_date"), "2026-12-30");
    }
}

#[test]
fn a_stale_save_keeps_the_input_and_says_why() {
    for lang in LANGS {
        let mut app = scenario("stale_save", lang);
        let (text, _) = snap("stale_save", &mut app, 100, 30);
        let (_, form) = app.form.as_ref().expect("the form stays open");
        assert_eq!(form.text("name"), "王小明先生", "the typing is kept");
        assert!(text.contains("王小明先生"), "{text}");
        let stale = app.tr("error.stale");
        let first_words: String = stale.chars().take(12).collect();
        assert!(text.contains(&first_words), "the stale message: {text}");
    }
}

#[test]
fn the_remaining_overlays_and_forms() {
    for (name, lang, w, h) in [
        ("customer_tier_picker", Lang::En, 100, 30),
        ("customer_owner_picker", Lang::ZhHant, 100, 30),
        ("customer_delete_confirm", Lang::En, 100, 30),
        ("customer_delete_confirm", Lang::ZhHant, 80, 24),
        ("visit_new_customer_lookup", Lang::ZhHant, 100, 30),
        ("people_new", Lang::En, 80, 24),
        ("message", Lang::ZhHant, 100, 30),
        ("quit_unsaved", Lang::En, 100, 30),
    ] {
        let mut app = scenario(name, lang);
        let (text, _) = snap(name, &mut app, w, h);
        assert!(
            app.overlay.is_some() || app.form.is_some(),
            "{name}: {text}"
        );
    }
}

// ---- robustness ----

#[test]
fn no_size_makes_any_screen_panic() {
    let mut sizes: Vec<(u16, u16)> = (1..=30)
        .flat_map(|w| (1..=10).map(move |h| (w, h)))
        .collect();
    sizes.extend([
        (2, 50),
        (200, 3),
        (200, 1),
        (1, 200),
        (21, 5),
        (20, 6),
        (40, 7),
        (60, 12),
        (80, 24),
        (300, 100),
    ]);
    for lang in [Lang::En, Lang::ZhHant] {
        for name in SCENARIOS {
            let mut app = scenario(name, lang);
            for &(w, h) in &sizes {
                let (_, drawn) = draw(&mut app, w, h);
                assert_no_half_characters(&drawn, &format!("{name} {} {w}x{h}", lang.code()));
            }
        }
    }
}

#[test]
fn every_key_offered_really_does_its_action() {
    for name in SCENARIOS {
        let app = scenario(name, Lang::En);
        for action in app.offered() {
            let (key, _) = keys::BINDINGS
                .iter()
                .find(|(_, a)| *a == action)
                .unwrap_or_else(|| panic!("{name}: {action:?} is offered but has no key"));
            let mods = if key.ctrl {
                KeyModifiers::CONTROL
            } else {
                KeyModifiers::NONE
            };
            let ev = KeyEvent::new_with_kind(key.code, mods, KeyEventKind::Press);
            assert_eq!(
                keys::action_for(&ev),
                Some(action),
                "{name}: the hint {} for {action:?} does something else",
                key.label()
            );
        }
    }
}
