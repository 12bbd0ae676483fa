//! The default key bindings (SPEC §3): one table from key to action. The hint bar and the
//! help overlay read this same table, so they show the keys that are really bound.

use super::action::Action;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// A key as bound: code and whether Ctrl is held (Shift is part of the character).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
}

const fn ch(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        ctrl: false,
    }
}
const fn ctrl(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        ctrl: true,
    }
}
const fn code(c: KeyCode) -> Key {
    Key {
        code: c,
        ctrl: false,
    }
}

/// Every binding, in the order help lists them.
pub const BINDINGS: &[(Key, Action)] = &[
    (ch('0'), Action::GoToday),
    (ch('1'), Action::GoCustomers),
    (ch('f'), Action::GoFollowUps),
    (ch('r'), Action::GoPeople),
    (code(KeyCode::Tab), Action::NextTab),
    (code(KeyCode::BackTab), Action::PrevTab),
    (code(KeyCode::Up), Action::Up),
    (ch('k'), Action::Up),
    (code(KeyCode::Down), Action::Down),
    (ch('j'), Action::Down),
    (code(KeyCode::PageUp), Action::PageUp),
    (code(KeyCode::PageDown), Action::PageDown),
    (ch('g'), Action::Top),
    (code(KeyCode::Home), Action::Top),
    (ch('G'), Action::Bottom),
    (code(KeyCode::End), Action::Bottom),
    (code(KeyCode::Enter), Action::Open),
    (ch('n'), Action::New),
    (ch('e'), Action::Edit),
    (ch('s'), Action::Advance),
    (ch('d'), Action::Delete),
    (ch('/'), Action::Filter),
    (ch('v'), Action::Segment),
    (ch('o'), Action::ToggleOpen),
    (ch('m'), Action::ToggleMine),
    (ch('i'), Action::ToggleIssues),
    (ch('b'), Action::AddPurchase),
    (ch('h'), Action::HandOverIssue),
    (ch('x'), Action::CloseIssue),
    (ch(':'), Action::Palette),
    (ctrl('p'), Action::Palette),
    (ch('?'), Action::Help),
    (code(KeyCode::Esc), Action::Back),
    (ctrl('z'), Action::Suspend),
    (ch('q'), Action::Quit),
    (ctrl('c'), Action::Quit),
];

impl Key {
    pub fn matches(&self, ev: &KeyEvent) -> bool {
        let ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
        match (self.code, ev.code) {
            // Letters arrive lower-case with Ctrl on some terminals and upper-case on others.
            (KeyCode::Char(a), KeyCode::Char(b)) if self.ctrl => ctrl && a.eq_ignore_ascii_case(&b),
            (a, b) => a == b && ctrl == self.ctrl,
        }
    }

    pub fn label(&self) -> String {
        let base = match self.code {
            KeyCode::Char(' ') => "Space".to_string(),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::Enter => "Enter".into(),
            KeyCode::Esc => "Esc".into(),
            KeyCode::Tab => "Tab".into(),
            KeyCode::BackTab => "S-Tab".into(),
            KeyCode::Up => "↑".into(),
            KeyCode::Down => "↓".into(),
            KeyCode::PageUp => "PgUp".into(),
            KeyCode::PageDown => "PgDn".into(),
            KeyCode::Home => "Home".into(),
            KeyCode::End => "End".into(),
            other => format!("{other:?}"),
        };
        if self.ctrl { format!("C-{base}") } else { base }
    }
}

/// The action a key press means, if any.
pub fn action_for(ev: &KeyEvent) -> Option<Action> {
    BINDINGS
        .iter()
        .find(|(k, _)| k.matches(ev))
        .map(|(_, a)| *a)
}

/// The labels of every key bound to `action`, e.g. `↑/k`.
pub fn keys_of(action: Action) -> String {
    BINDINGS
        .iter()
        .filter(|(_, a)| *a == action)
        .map(|(k, _)| k.label())
        .collect::<Vec<_>>()
        .join("/")
}

/// The first key bound to `action`, for the short hint bar.
pub fn first_key(action: Action) -> String {
    BINDINGS
        .iter()
        .find(|(_, a)| *a == action)
        .map(|(k, _)| k.label())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_has_a_key_and_no_key_is_bound_twice() {
        for (i, (k, _)) in BINDINGS.iter().enumerate() {
            assert!(
                !BINDINGS[i + 1..].iter().any(|(k2, _)| k2 == k),
                "{k:?} bound twice"
            );
        }
        assert_eq!(keys_of(Action::Up), "↑/k");
        assert_eq!(keys_of(Action::Palette), ":/C-p");
    }

    #[test]
    fn ctrl_letters_match_either_case() {
        let ev = KeyEvent::new(KeyCode::Char('P'), KeyModifiers::CONTROL);
        assert_eq!(action_for(&ev), Some(Action::Palette));
        let plain = KeyEvent::new(KeyCode::Char('p'), KeyModifiers::NONE);
        assert_eq!(action_for(&plain), None);
    }
}
