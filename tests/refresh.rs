//! An open screen picks up what another process commits to the same file: the list, its
//! count and the customer filter's index follow within one tick (the loop ticks about once
//! a second), without the user pressing anything.

use chrono::NaiveDate;
use marketdesk::domain::{Cadence, CustomerInput, EmployeeInput, Role, Tier};
use marketdesk::i18n::Lang;
use marketdesk::store::Store;
use marketdesk::tui::app::{App, Options};
use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};

fn customer(code: &str, name: &str) -> CustomerInput {
    CustomerInput {
        code: code.into(),
        name: name.into(),
        tier: Some(Tier::A),
        ..Default::default()
    }
}

#[test]
fn another_process_commit_shows_on_the_open_list() {
    let dir = tempfile::TempDir::new().unwrap();
    let path = dir.path().join("shared.db");
    let mut mine = Store::open(&path, "chen").unwrap();
    mine.create_employee(&EmployeeInput {
        login: "chen".into(),
        name: "陳美玲".into(),
        role: Some(Role::Manager),
        supervisor_id: None,
    })
    .unwrap();
    mine.create_customer(&customer("C000001", "王小明"))
        .unwrap();
    let opts = Options {
        lang: Lang::En,
        today: NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
        cadence: Cadence::default(),
        ascii_borders: false,
        login: "chen".into(),
        login_explicit: true,
        screen: None,
    };
    let mut app = App::new(mine, opts).unwrap();
    let key = |c| Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
    app.handle_event(key('1'));
    app.handle_event(key('/'));
    app.handle_event(key('李'));
    assert_eq!(app.customers.list.total, 0, "nobody called 李 yet");
    assert!(!app.tick(), "nothing changed, nothing to redraw");

    // Someone else, in another connection (as another process would), adds 李娜.
    let mut theirs = Store::open(&path, "lin").unwrap();
    theirs
        .create_customer(&customer("C000002", "李娜"))
        .unwrap();

    assert!(app.tick(), "the commit is noticed and the screen redrawn");
    assert_eq!(
        app.customers.list.total, 1,
        "the filtered list now finds 李娜"
    );
    assert_eq!(
        app.customers
            .list
            .selected_row()
            .map(|r| r.customer.name.as_str()),
        Some("李娜")
    );
}
