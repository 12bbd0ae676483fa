//! The People screen: the department's roster — login, name, role, supervisor — kept by
//! the manager.

use super::MOVES;
use crate::domain::{Code, Employee, Permission};
use crate::store::{Result, employee};
use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::forms::FormKind;
use crate::tui::widgets::table::{self, Column, Row};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Span;
use std::collections::BTreeMap;

#[derive(Default)]
pub struct People {
    pub rows: Vec<Employee>,
    pub selected: usize,
}

impl App {
    pub fn people_offers(&self) -> Vec<Action> {
        let mut v = MOVES.to_vec();
        if self.may(Permission::ManageRoster) {
            v.push(Action::New);
            if !self.people.rows.is_empty() {
                v.push(Action::Edit);
            }
        }
        v
    }

    pub fn people_act(&mut self, action: Action) {
        let p = &mut self.people;
        let last = p.rows.len().saturating_sub(1);
        match action {
            Action::Up => p.selected = p.selected.saturating_sub(1),
            Action::Down => p.selected = (p.selected + 1).min(last),
            Action::PageUp | Action::Top => p.selected = 0,
            Action::PageDown | Action::Bottom => p.selected = last,
            Action::New => {
                // Most of the team reports to whoever adds them: the manager.
                let mut v = BTreeMap::new();
                if let Some(me) = &self.me {
                    v.insert(
                        "supervisor".to_string(),
                        format!("{}\u{1f}{}", me.id, me.name),
                    );
                }
                self.open_form(FormKind::EmployeeNew, &v);
            }
            Action::Edit => {
                if let Some(e) = p.rows.get(p.selected) {
                    let kind = FormKind::EmployeeEdit {
                        id: e.id.clone(),
                        version: e.version,
                    };
                    self.open_form(kind, &BTreeMap::new());
                }
            }
            _ => {}
        }
    }

    pub fn people_reload(&mut self) -> Result<()> {
        self.people.rows = employee::all(self.store.conn())?;
        self.people.selected = self
            .people
            .selected
            .min(self.people.rows.len().saturating_sub(1));
        Ok(())
    }

    pub fn people_draw(&self, frame: &mut Frame, area: Rect) {
        let title = self.tr_with(
            "people.title",
            &[("count", &self.people.rows.len().to_string())],
        );
        let inner = self.framed(frame, area, Span::raw(title));
        let cols = [
            Column::new(self.tr("field.name"), 10, 6),
            Column::new(self.tr("field.login"), 12, 6),
            Column::new(self.tr("field.role"), 14, 6),
            Column::new(self.tr("field.supervisor"), 10, 0),
            Column::new(self.tr("field.active"), 6, 0),
        ];
        let height = inner.height.saturating_sub(1) as usize;
        let top = self
            .people
            .selected
            .saturating_sub(height.saturating_sub(1));
        let rows: Vec<Row> = self
            .people
            .rows
            .iter()
            .skip(top)
            .take(height)
            .map(|e| Row {
                cells: vec![
                    e.name.clone(),
                    e.login.clone(),
                    self.tr(e.role.label_key()),
                    self.employee_name(e.supervisor_id.as_deref()),
                    self.tr(if e.active {
                        "people.active"
                    } else {
                        "people.inactive"
                    }),
                ],
                style: if e.active {
                    Style::default()
                } else {
                    self.theme.dim()
                },
            })
            .collect();
        let sel = (!rows.is_empty()).then(|| self.people.selected - top);
        table::draw(frame, inner, &self.theme, &cols, &rows, sel);
    }
}
