//! The Today screen (今日): the acting person's follow-ups due today and overdue, and how
//! their week and month stand.

use super::{MOVES, Tab, move_in};
use crate::domain::{Permission, date};
use crate::store::Result;
use crate::store::follow_up::{self, FollowUpRow, Scope};
use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::widgets::paged::Paged;
use chrono::Duration;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

#[derive(Default)]
pub struct Today {
    pub list: Paged<FollowUpRow>,
    pub overdue: usize,
    pub week: usize,
    pub team_overdue: usize,
}

impl App {
    pub fn today_offers(&self) -> Vec<Action> {
        let mut v = MOVES.to_vec();
        if self.today_tab.list.selected_row().is_some() {
            v.push(Action::Open);
            if self.may(Permission::EditFollowUps) {
                v.push(Action::Advance);
            }
        }
        if self.may(Permission::EditFollowUps) {
            v.push(Action::New);
        }
        v
    }

    pub fn today_act(&mut self, action: Action) {
        let selected = self.today_tab.list.selected_row().map(|r| r.visit.clone());
        match action {
            a if MOVES.contains(&a) && move_in(&mut self.today_tab.list, a) => self.reload(),
            a if MOVES.contains(&a) => {}
            Action::Open => {
                if let Some(v) = selected {
                    self.open_visit(&v.id, Some(Tab::Today));
                }
            }
            Action::Advance => {
                if let Some(v) = selected {
                    self.visit_menu(v);
                }
            }
            Action::New => self.new_visit(),
            _ => {}
        }
    }

    pub fn today_reload(&mut self) -> Result<()> {
        let me = self.my_id();
        let conn = self.store.conn();
        let mine = |due_by| Scope {
            open_only: true,
            owner_id: me.clone(),
            due_by: Some(due_by),
            ..Default::default()
        };
        let due = mine(self.today);
        let total = follow_up::count(conn, &due)?;
        let t = &mut self.today_tab;
        t.list.reload(total, |off, lim| {
            follow_up::page(conn, &due, off, lim, Some(total))
        })?;
        t.overdue = follow_up::count(conn, &mine(self.today - Duration::days(1)))?;
        t.week = follow_up::count(conn, &mine(self.today + Duration::days(7)))?;
        let team = Scope {
            open_only: true,
            due_by: Some(self.today - Duration::days(1)),
            ..Default::default()
        };
        t.team_overdue = follow_up::count(conn, &team)?;
        Ok(())
    }

    pub fn today_draw(&self, frame: &mut Frame, area: Rect) {
        let t = &self.today_tab;
        let weekday = self.tr(&format!(
            "weekday.{}",
            self.today.format("%a").to_string().to_lowercase()
        ));
        let title = format!(
            " {} · {} {} ",
            self.tr("today.title"),
            date::format(self.today),
            weekday
        );
        let inner = self.framed(frame, area, Span::styled(title, self.theme.label()));
        if inner.height == 0 {
            return;
        }
        let due_today = t.list.total.saturating_sub(t.overdue);
        let summary = Line::from(vec![
            Span::styled(
                self.tr_with("today.overdue", &[("count", &t.overdue.to_string())]),
                self.theme.urgency(crate::domain::Urgency::Overdue),
            ),
            Span::raw("  "),
            Span::styled(
                self.tr_with("today.due", &[("count", &due_today.to_string())]),
                self.theme.urgency(crate::domain::Urgency::Today),
            ),
            Span::raw("  "),
            Span::styled(
                self.tr_with(
                    "today.week",
                    &[("count", &t.week.saturating_sub(t.list.total).to_string())],
                ),
                self.theme.urgency(crate::domain::Urgency::Upcoming),
            ),
            Span::raw("  "),
            Span::styled(
                self.tr_with(
                    "today.team_overdue",
                    &[("count", &t.team_overdue.to_string())],
                ),
                self.theme.dim(),
            ),
        ]);
        frame.render_widget(Paragraph::new(summary), Rect { height: 1, ..inner });
        let list_area = Rect {
            y: inner.y + 2,
            height: inner.height.saturating_sub(2),
            ..inner
        };
        if list_area.height == 0 {
            return;
        }
        if t.list.total == 0 {
            frame.render_widget(
                Paragraph::new(self.tr("today.nothing")).style(self.theme.dim()),
                list_area,
            );
            return;
        }
        let (_, rows, sel) = t.list.visible(list_area.height.saturating_sub(1) as usize);
        self.visit_table(frame, list_area, rows, sel, true);
    }
}
