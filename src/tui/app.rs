//! The application state and its loop step: a key becomes an `Action`, the action changes
//! state. Drawing lives in chrome.rs (the frame) and overlay.rs (popups). No I/O but the store.

use super::action::Action;
use super::forms::FormKind;
use super::keys;
use super::tabs::{Tab, customers::Customers, follow_ups::FollowUps, people::People, today::Today};
use super::theme::Theme;
use super::widgets::form::{Form, FormEvent};
use super::widgets::picker::{PickItem, Picker, PickerEvent};
use crate::domain::{Cadence, Customer, Employee, FollowUp, FollowUpInput};
use crate::i18n::Lang;
use crate::store::customer::SearchIndex;
use crate::store::{Store, StoreError, draft, employee};
use chrono::NaiveDate;
use ratatui::crossterm::event::{Event, KeyEvent, KeyEventKind};
use std::collections::BTreeMap;
use std::sync::mpsc::Receiver;

/// Who is at the keyboard, as far as the program knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The roster is empty: create the manager first.
    FirstRun,
    /// Nobody on the roster matched: ask who you are.
    WhoAreYou,
    Work,
}

/// What a yes in a confirm dialog does.
#[derive(Debug, Clone)]
pub enum Pending {
    Quit,
    DiscardForm,
    DeleteCustomer(Box<Customer>),
    ScheduleNext(FollowUpInput),
    RestoreDraft(draft::Draft),
}

/// What a workflow menu choice applies to.
#[derive(Debug, Clone)]
pub enum MenuFor {
    Visit(Box<FollowUp>),
    Segment,
}

pub enum Overlay {
    Help,
    Palette(Picker),
    Menu(Picker, MenuFor),
    /// A picker filling field `usize` of the open form.
    Pick(Picker, usize),
    WhoAreYou(Picker),
    Confirm(String, Pending),
    Message(String),
}

/// The customer search index: built once per change of the data, off the input path.
#[derive(Default)]
pub struct Search {
    pub index: Option<SearchIndex>,
    pub building: Option<Receiver<SearchIndex>>,
    /// The data version the index was built at.
    pub version: i64,
}

pub struct App {
    pub store: Store,
    pub lang: Lang,
    pub theme: Theme,
    pub today: NaiveDate,
    pub cadence: Cadence,
    pub mode: Mode,
    pub me: Option<Employee>,
    pub roster: Vec<Employee>,
    pub tab: Tab,
    pub today_tab: Today,
    pub customers: Customers,
    pub follow_ups: FollowUps,
    pub people: People,
    pub overlay: Option<Overlay>,
    pub form: Option<(FormKind, Form)>,
    pub status: Option<(String, bool)>,
    pub quit: bool,
    pub search: Search,
    data_version: i64,
    /// Counts changes to the data seen here (ours and others'), to key caches on.
    pub generation: u64,
    /// The form values last kept as a draft, so an unchanged form is not written again.
    pub last_draft: Option<BTreeMap<String, String>>,
    /// The login asked for (--user, config or OS login): the first-run form proposes it.
    pub login: String,
}

pub struct Options {
    pub lang: Lang,
    pub today: NaiveDate,
    pub cadence: Cadence,
    pub ascii_borders: bool,
    /// The login asked for by --user or the config, else the OS login.
    pub login: String,
    /// Whether the login was asked for explicitly (then an unknown one is an error, not a question).
    pub login_explicit: bool,
    pub screen: Option<Tab>,
}

impl App {
    pub fn new(store: Store, opts: Options) -> Result<App, StoreError> {
        let roster = employee::all(store.conn())?;
        let me = roster
            .iter()
            .find(|e| e.login == opts.login && e.active)
            .cloned();
        let mode = if roster.is_empty() {
            Mode::FirstRun
        } else if me.is_some() {
            Mode::Work
        } else {
            Mode::WhoAreYou
        };
        let mut app = App {
            data_version: store.data_version(),
            store,
            lang: opts.lang,
            theme: Theme {
                ascii: opts.ascii_borders,
            },
            today: opts.today,
            cadence: opts.cadence,
            mode,
            me,
            roster,
            tab: opts.screen.unwrap_or(Tab::Today),
            today_tab: Today::default(),
            customers: Customers::default(),
            follow_ups: FollowUps::default(),
            people: People::default(),
            overlay: None,
            form: None,
            status: None,
            quit: false,
            search: Search::default(),
            last_draft: None,
            generation: 0,
            login: opts.login.clone(),
        };
        if let Some(me) = &app.me {
            app.store.set_actor(&me.login);
        }
        match app.mode {
            Mode::FirstRun => app.open_form(FormKind::FirstRun, &BTreeMap::new()),
            Mode::WhoAreYou => {
                if opts.login_explicit {
                    app.error(app.tr_with("who.unknown", &[("login", &opts.login)]));
                }
                app.ask_who()
            }
            Mode::Work => app.start_work(),
        }
        Ok(app)
    }

    pub fn tr(&self, key: &str) -> String {
        self.lang.tr(key)
    }

    pub fn tr_with(&self, key: &str, args: &[(&str, &str)]) -> String {
        self.lang.tr_with(key, args)
    }

    /// A field name followed by the language's colon, for read-only views.
    pub fn label(&self, key: &str) -> String {
        format!("{}{}", self.lang.tr(key), self.lang.tr("punct.colon"))
    }

    /// The active people of the roster, to choose from: name, then login and role.
    pub fn roster_items(&self) -> Vec<PickItem> {
        self.roster
            .iter()
            .filter(|e| e.active)
            .map(|e| {
                let role = self.tr(crate::domain::Code::label_key(e.role));
                PickItem::new(e.id.clone(), e.name.clone()).hint(format!("{} · {role}", e.login))
            })
            .collect()
    }

    fn ask_who(&mut self) {
        let items = self.roster_items();
        self.overlay = Some(Overlay::WhoAreYou(Picker::new(self.tr("who.title"), items)));
    }

    /// Once the acting person is known: their screen, and any draft left from last time.
    pub fn start_work(&mut self) {
        self.mode = Mode::Work;
        if let Some(me) = &self.me {
            self.store.set_actor(&me.login);
        }
        self.reload();
        let login = self
            .me
            .as_ref()
            .map(|m| m.login.clone())
            .unwrap_or_default();
        if let Ok(Some(d)) = draft::latest(self.store.conn(), &login) {
            let what = FormKind::from_draft(&d)
                .map(|k| self.tr(k.title_key()))
                .unwrap_or_default();
            let when = d
                .saved_at
                .get(..16)
                .unwrap_or(&d.saved_at)
                .replace('T', " ");
            let msg = self.tr_with("draft.offer", &[("form", &what), ("time", &when)]);
            self.overlay = Some(Overlay::Confirm(msg, Pending::RestoreDraft(d)));
        }
    }

    pub fn may(&self, p: crate::domain::Permission) -> bool {
        self.me.as_ref().is_some_and(|m| m.role.may(p))
    }

    pub fn my_id(&self) -> Option<String> {
        self.me.as_ref().map(|m| m.id.clone())
    }

    pub fn employee_name(&self, id: Option<&str>) -> String {
        id.and_then(|id| self.roster.iter().find(|e| e.id == id))
            .map(|e| e.name.clone())
            .unwrap_or_default()
    }

    pub fn info(&mut self, msg: String) {
        self.status = Some((msg, false));
    }

    pub fn error(&mut self, msg: String) {
        self.status = Some((msg, true));
    }

    /// A failed action, in words: a message on screen, nothing lost.
    pub fn fail(&mut self, e: StoreError) {
        let msg = match &e {
            StoreError::Stale { .. } | StoreError::NotFound { .. } => self.tr(e.message_key()),
            other => self.lang.render(&other.message()),
        };
        self.overlay = Some(Overlay::Message(msg));
    }

    // ---- the loop step ----

    pub fn handle_event(&mut self, ev: Event) {
        match ev {
            Event::Key(key) if key.kind == KeyEventKind::Press => self.handle_key(key),
            Event::Paste(text) => self.paste(&text),
            _ => {}
        }
    }

    fn paste(&mut self, text: &str) {
        match &mut self.overlay {
            Some(Overlay::Palette(p) | Overlay::Menu(p, _) | Overlay::WhoAreYou(p)) => {
                p.paste(text);
            }
            Some(Overlay::Pick(p, _)) => {
                if let PickerEvent::QueryChanged = p.paste(text) {
                    self.refill_lookup();
                }
            }
            Some(_) => {}
            None => {
                if let Some((_, f)) = &mut self.form {
                    f.paste(text);
                } else if self.filter_active() {
                    self.filter_paste(text);
                }
            }
        }
    }

    pub fn handle_key(&mut self, key: KeyEvent) {
        if self.overlay.is_some() {
            self.overlay_key(key);
            return;
        }
        if self.form.is_some() {
            self.form_key(key);
            return;
        }
        self.status = None;
        if self.filter_active() {
            self.filter_key(key);
            return;
        }
        if let Some(action) = keys::action_for(&key)
            && self.offered().contains(&action)
        {
            self.act(action);
        }
    }

    /// The actions the current screen offers, global ones last.
    pub fn offered(&self) -> Vec<Action> {
        let mut v = match self.mode {
            Mode::Work => match self.tab {
                Tab::Today => self.today_offers(),
                Tab::Customers => self.customers_offers(),
                Tab::FollowUps => self.follow_ups_offers(),
                Tab::People => self.people_offers(),
            },
            _ => Vec::new(),
        };
        if self.mode == Mode::Work {
            v.extend_from_slice(Action::GLOBAL);
        } else {
            v.extend_from_slice(&[Action::Help, Action::Quit]);
        }
        v
    }

    pub fn act(&mut self, action: Action) {
        match action {
            Action::Quit => self.request_quit(),
            Action::Help => self.overlay = Some(Overlay::Help),
            Action::Palette => self.open_palette(),
            Action::Suspend => {} // handled by the loop, which owns the terminal
            Action::NextTab => self.go(self.tab.next()),
            Action::PrevTab => self.go(self.tab.prev()),
            Action::GoToday => self.go(Tab::Today),
            Action::GoCustomers => self.go(Tab::Customers),
            Action::GoFollowUps => self.go(Tab::FollowUps),
            Action::GoPeople => self.go(Tab::People),
            other => match self.tab {
                Tab::Today => self.today_act(other),
                Tab::Customers => self.customers_act(other),
                Tab::FollowUps => self.follow_ups_act(other),
                Tab::People => self.people_act(other),
            },
        }
    }

    pub fn go(&mut self, tab: Tab) {
        self.tab = tab;
        self.reload();
    }

    fn request_quit(&mut self) {
        if self.form.as_ref().is_some_and(|(_, f)| f.dirty) {
            self.overlay = Some(Overlay::Confirm(
                self.tr("confirm.quit_unsaved"),
                Pending::Quit,
            ));
        } else {
            self.quit = true;
        }
    }

    /// Re-reads what the current screen shows.
    pub fn reload(&mut self) {
        if let Ok(r) = employee::all(self.store.conn()) {
            self.roster = r;
        }
        let result = match self.tab {
            Tab::Today => self.today_reload(),
            Tab::Customers => self.customers_reload(),
            Tab::FollowUps => self.follow_ups_reload(),
            Tab::People => self.people_reload(),
        };
        if let Err(e) = result {
            self.fail(e);
        }
    }

    /// Called about once a second: picks up other processes' commits and a finished search
    /// index. True when the screen changed.
    pub fn tick(&mut self) -> bool {
        let mut changed = false;
        if let Some(rx) = &self.search.building
            && let Ok(idx) = rx.try_recv()
        {
            self.search.index = Some(idx);
            self.search.building = None;
            if !self.current_filter().is_empty() {
                self.reload();
                changed = true;
            }
        }
        let v = self.store.data_version();
        if v != self.data_version {
            self.data_version = v;
            self.generation += 1;
            self.search.index = None;
            self.search.building = None;
            if self.mode == Mode::Work {
                self.reload();
                changed = true;
            }
        }
        changed
    }

    /// Notes our own commit, so `tick` does not reload for it, and drops the stale index.
    pub fn after_write(&mut self) {
        self.data_version = self.store.data_version();
        self.generation += 1;
        self.search.index = None;
        self.search.building = None;
    }

    /// The search index, built now when the data set is small, else in the background
    /// (meanwhile filters fall back to SQL).
    pub fn search_index(&mut self) -> Option<&SearchIndex> {
        if self.search.index.is_none() && self.search.building.is_none() {
            let small = crate::store::customer::count(self.store.conn()).unwrap_or(0) < 20_000;
            match self.store.path() {
                Some(path) if !small => {
                    let (tx, rx) = std::sync::mpsc::channel();
                    let path = path.to_path_buf();
                    std::thread::spawn(move || {
                        let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY
                            | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX;
                        if let Ok(conn) = rusqlite::Connection::open_with_flags(&path, flags)
                            && let Ok(idx) = SearchIndex::load(&conn)
                        {
                            let _ = tx.send(idx);
                        }
                    });
                    self.search.building = Some(rx);
                }
                _ => self.search.index = SearchIndex::load(self.store.conn()).ok(),
            }
        }
        self.search.index.as_ref()
    }

    // ---- forms ----

    fn form_key(&mut self, key: KeyEvent) {
        let Some((_, form)) = &mut self.form else {
            return;
        };
        // Ctrl-C quits from anywhere (asking first); Ctrl-Z suspends: the loop handles it.
        if let Some(Action::Quit) = keys::action_for(&key)
            && key
                .modifiers
                .contains(ratatui::crossterm::event::KeyModifiers::CONTROL)
        {
            self.request_quit();
            return;
        }
        match form.handle_key(key) {
            FormEvent::None => {}
            FormEvent::Save => self.submit_form(),
            FormEvent::Cancel => {
                if self.mode == Mode::FirstRun {
                    self.overlay = Some(Overlay::Confirm(
                        self.tr("confirm.quit_first_run"),
                        Pending::Quit,
                    ));
                } else if form.dirty {
                    self.overlay = Some(Overlay::Confirm(
                        self.tr("confirm.discard"),
                        Pending::DiscardForm,
                    ));
                } else {
                    self.close_form();
                }
            }
            FormEvent::Pick(field) => self.open_field_picker(field),
        }
    }

    pub fn close_form(&mut self) {
        self.form = None;
    }

    fn open_field_picker(&mut self, field: usize) {
        let Some((_, form)) = &self.form else { return };
        let Some(f) = form.fields.get(field) else {
            return;
        };
        use super::widgets::form::{Input, Lookup};
        let picker = match &f.input {
            Input::Choice { options, .. } => Picker::new(
                f.label.clone(),
                options
                    .iter()
                    .map(|(c, l)| PickItem::new(c.clone(), l.clone()))
                    .collect(),
            ),
            Input::Pick {
                lookup: Lookup::Employee,
                ..
            } => Picker::new(f.label.clone(), self.roster_items()),
            Input::Pick {
                lookup: Lookup::Customer,
                ..
            } => {
                let mut p = Picker::new(f.label.clone(), Vec::new());
                p.local_filter = false;
                p
            }
            _ => return,
        };
        self.overlay = Some(Overlay::Pick(picker, field));
        self.refill_lookup();
    }

    /// Refills a customer lookup for its query: the first matches, from the index or SQL.
    pub(super) fn refill_lookup(&mut self) {
        let query = match &self.overlay {
            Some(Overlay::Pick(p, _)) if !p.local_filter => p.query.clone(),
            _ => return,
        };
        let rows = self.customer_matches(&query, 0, 50).unwrap_or_default();
        let items = rows
            .into_iter()
            .map(|r| {
                let c = r.customer;
                PickItem::new(c.id, format!("{} {}", c.code, c.name)).hint(c.company)
            })
            .collect();
        if let Some(Overlay::Pick(p, _)) = &mut self.overlay {
            p.set_items(items);
        }
    }
}
