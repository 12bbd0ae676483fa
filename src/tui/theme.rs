//! Colours and borders, in one place; ASCII borders for terminals that draw box lines double-width.

use crate::domain::Urgency;
use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::border;

#[derive(Debug, Clone, Copy)]
pub struct Theme {
    pub ascii: bool,
}

const ASCII: border::Set = border::Set {
    top_left: "+",
    top_right: "+",
    bottom_left: "+",
    bottom_right: "+",
    vertical_left: "|",
    vertical_right: "|",
    horizontal_top: "-",
    horizontal_bottom: "-",
};

impl Theme {
    pub fn border(&self) -> border::Set<'static> {
        if self.ascii { ASCII } else { border::ROUNDED }
    }

    pub fn separator(&self) -> &'static str {
        if self.ascii { "|" } else { "│" }
    }

    pub fn urgency(&self, u: Urgency) -> Style {
        match u {
            Urgency::Overdue => Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
            Urgency::Today => Style::new().fg(Color::Yellow),
            Urgency::Upcoming => Style::new().fg(Color::Green),
            Urgency::Closed => Style::new().fg(Color::DarkGray),
        }
    }

    pub fn selected(&self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }

    pub fn header(&self) -> Style {
        Style::new().add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
    }

    pub fn active_tab(&self) -> Style {
        Style::new()
            .fg(Color::Black)
            .bg(Color::Cyan)
            .add_modifier(Modifier::BOLD)
    }

    pub fn key(&self) -> Style {
        Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }

    pub fn dim(&self) -> Style {
        Style::new().fg(Color::DarkGray)
    }

    pub fn error(&self) -> Style {
        Style::new().fg(Color::Red)
    }

    pub fn ok(&self) -> Style {
        Style::new().fg(Color::Green)
    }

    pub fn label(&self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }
}
