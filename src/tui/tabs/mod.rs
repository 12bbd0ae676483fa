//! The screens, one file each, and what they share: the tab order and the live filter line.

pub mod customers;
pub mod follow_ups;
pub mod people;
pub mod today;

use super::action::Action;
use super::app::App;
use super::widgets::text::{fit, pad, width};
use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Today,
    Customers,
    FollowUps,
    People,
}

impl Tab {
    pub const ALL: [Tab; 4] = [Tab::Today, Tab::Customers, Tab::FollowUps, Tab::People];

    pub fn title_key(self) -> &'static str {
        match self {
            Tab::Today => "tab.today",
            Tab::Customers => "tab.customers",
            Tab::FollowUps => "tab.follow_ups",
            Tab::People => "tab.people",
        }
    }

    /// The action that opens this tab; its key is shown in the tab bar.
    pub fn action(self) -> Action {
        match self {
            Tab::Today => Action::GoToday,
            Tab::Customers => Action::GoCustomers,
            Tab::FollowUps => Action::GoFollowUps,
            Tab::People => Action::GoPeople,
        }
    }

    /// `--screen NAME`: the English names and the tab's own words in any language.
    pub fn parse(name: &str) -> Option<Tab> {
        match name.to_lowercase().as_str() {
            "today" | "0" => Some(Tab::Today),
            "customers" | "customer" | "1" => Some(Tab::Customers),
            "follow-ups" | "followups" | "follow_ups" | "visits" | "f" => Some(Tab::FollowUps),
            "people" | "roster" | "staff" => Some(Tab::People),
            _ => None,
        }
    }

    fn index(self) -> usize {
        Tab::ALL.iter().position(|t| *t == self).unwrap_or(0)
    }

    pub fn next(self) -> Tab {
        Tab::ALL[(self.index() + 1) % Tab::ALL.len()]
    }

    pub fn prev(self) -> Tab {
        Tab::ALL[(self.index() + Tab::ALL.len() - 1) % Tab::ALL.len()]
    }
}

/// A list's live filter: the text, and whether the filter line has the keyboard.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub text: String,
    pub editing: bool,
}

impl App {
    fn filter_mut(&mut self) -> Option<&mut Filter> {
        match self.tab {
            Tab::Customers if !self.customers.in_detail() => Some(&mut self.customers.filter),
            Tab::FollowUps if !self.follow_ups.in_detail() => Some(&mut self.follow_ups.filter),
            _ => None,
        }
    }

    fn filter_ref(&self) -> Option<&Filter> {
        match self.tab {
            Tab::Customers if !self.customers.in_detail() => Some(&self.customers.filter),
            Tab::FollowUps if !self.follow_ups.in_detail() => Some(&self.follow_ups.filter),
            _ => None,
        }
    }

    pub fn filter_active(&self) -> bool {
        self.filter_ref().is_some_and(|f| f.editing)
    }

    pub fn current_filter(&self) -> String {
        self.filter_ref()
            .map(|f| f.text.clone())
            .unwrap_or_default()
    }

    pub fn start_filter(&mut self) {
        if let Some(f) = self.filter_mut() {
            f.editing = true;
        }
    }

    /// Typing in the filter line: every keystroke re-filters the list.
    pub fn filter_key(&mut self, key: KeyEvent) {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let Some(f) = self.filter_mut() else { return };
        match key.code {
            KeyCode::Enter => {
                f.editing = false;
                return;
            }
            KeyCode::Esc => {
                f.editing = false;
                f.text.clear();
            }
            KeyCode::Backspace => {
                f.text.pop();
            }
            KeyCode::Char('u') if ctrl => f.text.clear(),
            KeyCode::Char(c) if !ctrl => f.text.push(c),
            KeyCode::Down | KeyCode::Up => {
                f.editing = false;
                let action = if key.code == KeyCode::Down {
                    Action::Down
                } else {
                    Action::Up
                };
                self.act(action);
                return;
            }
            _ => return,
        }
        self.filter_changed();
    }

    pub fn filter_paste(&mut self, text: &str) {
        if let Some(f) = self.filter_mut() {
            f.text
                .push_str(&crate::domain::text::clean(text).replace('\n', " "));
            self.filter_changed();
        }
    }

    fn filter_changed(&mut self) {
        match self.tab {
            Tab::Customers => self.customers.list.selected = 0,
            Tab::FollowUps => self.follow_ups.list.selected = 0,
            _ => {}
        }
        self.reload();
    }

    pub fn draw_filter(&self, frame: &mut Frame, area: Rect) {
        let Some(f) = self.filter_ref() else { return };
        let label = format!("/ {} ", self.tr("filter.label"));
        let count = self.tr_with(
            "filter.count",
            &[("count", &self.filtered_count().to_string())],
        );
        let text_w = (area.width as usize).saturating_sub(width(&label) + width(&count) + 2);
        let shown = fit(&f.text, text_w);
        let style = if f.editing {
            self.theme.key()
        } else {
            self.theme.dim()
        };
        let line = Line::from(vec![
            Span::styled(label.clone(), style),
            // Padded by display cells: `{:<w$}` counts chars, and 小明 takes four cells.
            Span::raw(pad(&shown, text_w)),
            Span::styled(format!(" {count}"), self.theme.dim()),
        ]);
        frame.render_widget(Paragraph::new(line), area);
        if f.editing {
            let x = area.x as usize + width(&label) + width(&shown);
            frame.set_cursor_position(Position::new(
                x.min(area.right().saturating_sub(1) as usize) as u16,
                area.y,
            ));
        }
    }

    /// The bordered box every screen draws in; returns the area inside it.
    pub(super) fn framed(&self, frame: &mut Frame, area: Rect, title: Span<'static>) -> Rect {
        let block = ratatui::widgets::Block::bordered()
            .border_set(self.theme.border())
            .title(title);
        let inner = block.inner(area);
        frame.render_widget(block, area);
        inner
    }

    /// A list's box: framed, with `empty_key`'s message when there is nothing to list.
    /// Returns the area for the table when there are rows.
    pub(super) fn list_box(
        &self,
        frame: &mut Frame,
        area: Rect,
        title: String,
        total: usize,
        empty_key: &str,
    ) -> Option<Rect> {
        let inner = self.framed(frame, area, Span::raw(title));
        if total == 0 {
            frame.render_widget(
                Paragraph::new(self.tr(empty_key)).style(self.theme.dim()),
                inner,
            );
            return None;
        }
        Some(inner)
    }

    /// A record's fields at the top of `inner`, then a section title under them; returns the
    /// area left below the title for the section's table, or None when there is no room.
    pub(super) fn head_and_section(
        &self,
        frame: &mut Frame,
        inner: Rect,
        lines: Vec<Line>,
        wrap: bool,
        title: String,
    ) -> Option<Rect> {
        let head = (lines.len() as u16).min(inner.height);
        let mut para = Paragraph::new(lines);
        if wrap {
            para = para.wrap(ratatui::widgets::Wrap { trim: true });
        }
        frame.render_widget(
            para,
            Rect {
                height: head,
                ..inner
            },
        );
        let rest = Rect {
            y: inner.y + head,
            height: inner.height - head,
            ..inner
        };
        if rest.height == 0 {
            return None;
        }
        frame.render_widget(
            Paragraph::new(Span::styled(title, self.theme.header())),
            Rect { height: 1, ..rest },
        );
        Some(Rect {
            y: rest.y + 1,
            height: rest.height - 1,
            ..rest
        })
    }

    fn filtered_count(&self) -> usize {
        match self.tab {
            Tab::Customers => self.customers.list.total,
            Tab::FollowUps => self.follow_ups.list.total,
            _ => 0,
        }
    }
}

/// Movement in a paged list: returns whether the window must be refetched.
pub fn move_in<R>(list: &mut super::widgets::paged::Paged<R>, action: Action) -> bool {
    match action {
        Action::Up => list.move_by(-1),
        Action::Down => list.move_by(1),
        Action::PageUp => list.move_by(-list.page()),
        Action::PageDown => list.move_by(list.page()),
        Action::Top => list.select(0),
        Action::Bottom => list.select(list.total.saturating_sub(1)),
        _ => false,
    }
}

pub const MOVES: &[Action] = &[
    Action::Up,
    Action::Down,
    Action::PageUp,
    Action::PageDown,
    Action::Top,
    Action::Bottom,
];
