//! The terminal interface: start-up (database first, then the terminal), the event loop,
//! and every way out restoring the terminal and keeping a form's input as a draft.

pub mod action;
pub mod app;
mod chrome;
pub mod forms;
pub(crate) mod hangup;
pub mod keys;
mod overlay;
pub mod tabs;
pub mod theme;
pub mod widgets;

use crate::cli::Settings;
use anyhow::{Context, Result};
use app::{App, Options};
use ratatui::crossterm::event::{self, DisableBracketedPaste, EnableBracketedPaste, Event};
use ratatui::crossterm::execute;
use std::io::{IsTerminal, stdout};
use std::time::{Duration, Instant};

/// How often the idle loop wakes: to notice a hang-up and other processes' commits.
const WAKE: Duration = Duration::from_millis(250);
const CHECK_COMMITS: Duration = Duration::from_secs(1);
type Term = ratatui::Terminal<ratatui::backend::CrosstermBackend<std::io::Stdout>>;

const DRAFT_EVERY: Duration = Duration::from_secs(5);

pub fn run(settings: &Settings, screen: Option<&str>) -> Result<()> {
    let screen = match screen {
        Some(s) => Some(tabs::Tab::parse(s).with_context(|| {
            settings
                .lang
                .tr_with("cli_errors.unknown_screen", &[("value", &format!("{s:?}"))])
        })?),
        None => None,
    };
    if !std::io::stdin().is_terminal() || !stdout().is_terminal() {
        anyhow::bail!("{}", settings.lang.tr("cli_errors.needs_terminal"));
    }
    // The database is opened (or refused) before the terminal is touched, so a refusal
    // reads as a plain message.
    let store = settings.open()?;
    let login = settings
        .user
        .clone()
        .unwrap_or_else(crate::config::os_login);
    let opts = Options {
        lang: settings.lang,
        today: crate::config::today(),
        cadence: settings.config.cadence,
        ascii_borders: settings.config.ascii_borders,
        login,
        login_explicit: settings.user.is_some(),
        screen,
    };
    let mut app = App::new(store, opts)?;

    let watch = hangup::Watch::default();
    watch.start()?;
    // Our own hook and restore: ratatui's print to stderr, and printing to a terminal that
    // is gone panics again inside the hook.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        leave_terminal();
        default_hook(info);
    }));
    enter_terminal()?;
    let mut terminal = ratatui::Terminal::new(ratatui::backend::CrosstermBackend::new(stdout()))?;
    let result = event_loop(&mut terminal, &mut app, &watch);
    leave_terminal();
    result
}

fn event_loop(terminal: &mut Term, app: &mut App, watch: &hangup::Watch) -> Result<()> {
    let mut last_check = Instant::now();
    let mut last_draft = Instant::now();
    let mut redraw = true;
    let mut warmed = false;
    loop {
        if watch.is_gone() {
            app.save_draft();
            return Ok(());
        }
        if redraw {
            if terminal.draw(|f| app.draw(f)).is_err() {
                app.save_draft();
                return Ok(());
            }
            redraw = false;
            if !warmed {
                // After the first frame, not before it: the filter index for later.
                app.search_index();
                warmed = true;
            }
        }
        if app.quit {
            return Ok(());
        }
        match hangup::stdin_ready(WAKE) {
            hangup::Ready::Gone => {
                app.save_draft();
                return Ok(());
            }
            hangup::Ready::Timeout => {}
            hangup::Ready::Input => {
                // Drain what crossterm has, without ever blocking in it.
                while !watch.is_gone() && event::poll(Duration::ZERO).unwrap_or(false) {
                    let Ok(ev) = event::read() else { break };
                    if is_ctrl_z(&ev) {
                        suspend(terminal)?;
                    } else {
                        app.handle_event(ev);
                    }
                    redraw = true;
                }
                watch.set_snapshot(app.draft_snapshot());
            }
        }
        if last_check.elapsed() >= CHECK_COMMITS {
            last_check = Instant::now();
            redraw |= app.tick();
        }
        if last_draft.elapsed() >= DRAFT_EVERY {
            last_draft = Instant::now();
            app.save_draft_if_changed();
        }
    }
}

fn is_ctrl_z(ev: &Event) -> bool {
    matches!(ev, Event::Key(k) if k.kind == event::KeyEventKind::Press
        && k.code == event::KeyCode::Char('z')
        && k.modifiers.contains(event::KeyModifiers::CONTROL))
}

/// Takes the terminal: raw mode, the alternate screen, bracketed paste (so a pasted text
/// arrives whole, line breaks and all).
fn enter_terminal() -> std::io::Result<()> {
    ratatui::crossterm::terminal::enable_raw_mode()?;
    execute!(
        stdout(),
        ratatui::crossterm::terminal::EnterAlternateScreen,
        EnableBracketedPaste
    )
}

/// Puts the terminal back as it was; errors are ignored (the terminal may be gone).
pub(crate) fn leave_terminal() {
    let _ = ratatui::crossterm::terminal::disable_raw_mode();
    let _ = execute!(
        stdout(),
        DisableBracketedPaste,
        ratatui::crossterm::terminal::LeaveAlternateScreen,
        ratatui::crossterm::cursor::Show
    );
}

/// Ctrl-Z: give the terminal back, stop until `fg`, then take it again and redraw in full.
fn suspend(terminal: &mut Term) -> Result<()> {
    leave_terminal();
    #[cfg(unix)]
    // SAFETY: raising a signal on our own process; the default SIGTSTP action stops it.
    unsafe {
        libc::raise(libc::SIGTSTP);
    }
    enter_terminal()?;
    terminal.clear()?;
    Ok(())
}
