//! A popup list to choose from, filtered as you type: choice fields, record lookups, the
//! workflow menu and the command palette are all this one widget.

use super::text::{fit, width};
use crate::domain::text::fold;
use crate::tui::theme::Theme;
use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

pub struct Picker {
    pub title: String,
    pub query: String,
    /// (value, label); `hint` is drawn dimmed after the label (e.g. a key).
    pub items: Vec<PickItem>,
    /// Indexes into `items` that match the query (all, when the owner filters itself).
    pub shown: Vec<usize>,
    pub selected: usize,
    /// False when the owner refills `items` for each query (customer lookup).
    pub local_filter: bool,
}

#[derive(Debug, Clone)]
pub struct PickItem {
    pub value: String,
    pub label: String,
    pub hint: String,
}

impl PickItem {
    pub fn new(value: impl Into<String>, label: impl Into<String>) -> PickItem {
        PickItem {
            value: value.into(),
            label: label.into(),
            hint: String::new(),
        }
    }
    pub fn hint(mut self, h: impl Into<String>) -> PickItem {
        self.hint = h.into();
        self
    }
}

pub enum PickerEvent {
    None,
    /// The query changed: an owner that filters itself refills the items.
    QueryChanged,
    Chosen(String),
    Cancel,
}

impl Picker {
    pub fn new(title: String, items: Vec<PickItem>) -> Picker {
        let shown = (0..items.len()).collect();
        Picker {
            title,
            query: String::new(),
            items,
            shown,
            selected: 0,
            local_filter: true,
        }
    }

    pub fn set_items(&mut self, items: Vec<PickItem>) {
        self.items = items;
        self.refilter();
    }

    fn refilter(&mut self) {
        let q = fold(self.query.trim());
        self.shown = (0..self.items.len())
            .filter(|i| {
                !self.local_filter || q.is_empty() || {
                    let it = &self.items[*i];
                    fold(&it.label).contains(&q)
                        || fold(&it.hint).contains(&q)
                        || it.value.contains(&q)
                }
            })
            .collect();
        self.selected = self.selected.min(self.shown.len().saturating_sub(1));
    }

    pub fn handle_key(&mut self, key: KeyEvent) -> PickerEvent {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Esc => PickerEvent::Cancel,
            KeyCode::Enter => match self.shown.get(self.selected) {
                Some(i) => PickerEvent::Chosen(self.items[*i].value.clone()),
                None => PickerEvent::None,
            },
            KeyCode::Up => {
                self.selected = self.selected.saturating_sub(1);
                PickerEvent::None
            }
            KeyCode::Char('p') if ctrl => {
                self.selected = self.selected.saturating_sub(1);
                PickerEvent::None
            }
            KeyCode::Down | KeyCode::Tab => {
                self.selected = (self.selected + 1).min(self.shown.len().saturating_sub(1));
                PickerEvent::None
            }
            KeyCode::Char('n') if ctrl => {
                self.selected = (self.selected + 1).min(self.shown.len().saturating_sub(1));
                PickerEvent::None
            }
            KeyCode::PageDown => {
                self.selected = (self.selected + 10).min(self.shown.len().saturating_sub(1));
                PickerEvent::None
            }
            KeyCode::PageUp => {
                self.selected = self.selected.saturating_sub(10);
                PickerEvent::None
            }
            KeyCode::Backspace => {
                self.query.pop();
                self.query_changed()
            }
            KeyCode::Char(c) if !ctrl => {
                self.query.push(c);
                self.query_changed()
            }
            _ => PickerEvent::None,
        }
    }

    pub fn paste(&mut self, text: &str) -> PickerEvent {
        self.query.push_str(&text.replace(['\r', '\n'], " "));
        self.query_changed()
    }

    fn query_changed(&mut self) -> PickerEvent {
        self.selected = 0;
        self.refilter();
        if self.local_filter {
            PickerEvent::None
        } else {
            PickerEvent::QueryChanged
        }
    }

    pub fn draw(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        super::text::clear(frame, area);
        let block = Block::bordered()
            .border_set(theme.border())
            .title(Span::styled(format!(" {} ", self.title), theme.label()));
        let inner = block.inner(area);
        frame.render_widget(block, area);
        if inner.height == 0 || inner.width == 0 {
            return;
        }
        let prompt = format!("› {}", self.query);
        frame.render_widget(
            Paragraph::new(fit(&prompt, inner.width as usize)),
            Rect { height: 1, ..inner },
        );
        let rows = inner.height.saturating_sub(1) as usize;
        let top = self.selected.saturating_sub(rows.saturating_sub(1));
        for (n, i) in self.shown.iter().skip(top).take(rows).enumerate() {
            let it = &self.items[*i];
            let y = inner.y + 1 + n as u16;
            let w = inner.width as usize;
            let label = fit(&it.label, w);
            let rest = w.saturating_sub(width(&label) + 1);
            let mut spans = vec![Span::raw(label)];
            if !it.hint.is_empty() && rest > 2 {
                spans.push(Span::raw(" "));
                spans.push(Span::styled(fit(&it.hint, rest), theme.dim()));
            }
            let mut line = Line::from(spans);
            if top + n == self.selected {
                line = line.style(theme.selected());
            }
            frame.render_widget(Paragraph::new(line), Rect::new(inner.x, y, inner.width, 1));
        }
        let cx = inner.x as usize + width(&prompt).min(inner.width.saturating_sub(1) as usize);
        frame.set_cursor_position(Position::new(cx as u16, inner.y));
    }
}

/// A box of `w`×`h` cells centred in `area`, shrunk to fit.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}
