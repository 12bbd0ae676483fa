//! The frame around every screen: the tab bar, the status or filter line, the hint bar, and
//! where the open form and overlays sit.

use super::action::Action;
use super::app::{App, Mode};
use super::keys;
use super::tabs::Tab;
use super::widgets::picker::centered;
use super::widgets::text::{fit, width};
use ratatui::Frame;
use ratatui::layout::{Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

impl App {
    // ---- drawing ----

    pub fn draw(&mut self, frame: &mut Frame) {
        let area = frame.area();
        if area.width < 20 || area.height < 5 {
            let msg = fit(&self.tr("app.too_small"), area.width as usize);
            frame.render_widget(Paragraph::new(msg).wrap(Wrap { trim: true }), area);
            return;
        }
        let [top, body, status, hints] = Layout::vertical([
            ratatui::layout::Constraint::Length(1),
            ratatui::layout::Constraint::Fill(1),
            ratatui::layout::Constraint::Length(1),
            ratatui::layout::Constraint::Length(1),
        ])
        .areas(area);
        self.draw_tabs(frame, top);
        match self.mode {
            Mode::Work => match self.tab {
                Tab::Today => self.today_draw(frame, body),
                Tab::Customers => self.customers_draw(frame, body),
                Tab::FollowUps => self.follow_ups_draw(frame, body),
                Tab::People => self.people_draw(frame, body),
            },
            Mode::FirstRun => {
                let text = self.tr("first_run.welcome");
                frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), body);
            }
            Mode::WhoAreYou => {}
        }
        self.draw_status(frame, status);
        self.draw_hints(frame, hints);
        if let Some((_, form)) = &mut self.form {
            let h = (body.height).min(form.fields.len() as u16 * 2 + 4).max(6);
            let rect = if self.mode == Mode::FirstRun {
                Rect {
                    y: body.y + 3.min(body.height.saturating_sub(h)),
                    height: h.min(body.height),
                    ..body
                }
            } else {
                centered(body, body.width.min(90), h)
            };
            form.draw(frame, rect, &self.theme, self.lang);
        }
        self.draw_overlay(frame, body);
    }

    fn draw_tabs(&self, frame: &mut Frame, area: Rect) {
        let mut spans = vec![Span::styled(
            format!(" {} ", self.tr("app.name")),
            self.theme.label(),
        )];
        if self.mode == Mode::Work {
            for t in Tab::ALL {
                spans.push(Span::styled(self.theme.separator(), self.theme.dim()));
                let label = format!(
                    " {} {} ",
                    keys::first_key(t.action()),
                    self.tr(t.title_key())
                );
                let style = if t == self.tab {
                    self.theme.active_tab()
                } else {
                    ratatui::style::Style::default()
                };
                spans.push(Span::styled(label, style));
            }
        }
        let who = self
            .me
            .as_ref()
            .map(|m| {
                format!(
                    "{} · {} ",
                    m.name,
                    self.tr(crate::domain::Code::label_key(m.role))
                )
            })
            .unwrap_or_default();
        let used: usize = spans.iter().map(|s| width(&s.content)).sum();
        let room = (area.width as usize).saturating_sub(used);
        if room > width(&who) {
            spans.push(Span::raw(" ".repeat(room - width(&who))));
            spans.push(Span::styled(who, self.theme.dim()));
        }
        frame.render_widget(Paragraph::new(Line::from(spans)), area);
    }

    fn draw_status(&self, frame: &mut Frame, area: Rect) {
        if self.filter_active() || !self.current_filter().is_empty() {
            self.draw_filter(frame, area);
            return;
        }
        if let Some((msg, is_err)) = &self.status {
            let style = if *is_err {
                self.theme.error()
            } else {
                self.theme.ok()
            };
            frame.render_widget(
                Paragraph::new(Span::styled(fit(msg, area.width as usize), style)),
                area,
            );
        }
    }

    /// The hint bar: the keys this screen offers, generated from the live bindings. Help and
    /// quit always show; the screen's own actions fill the rest, whole hints only.
    fn draw_hints(&self, frame: &mut Frame, area: Rect) {
        if self.form.is_some() && self.overlay.is_none() {
            frame.render_widget(
                Paragraph::new(Span::styled(self.tr("form.keys"), self.theme.dim())),
                area,
            );
            return;
        }
        if self.overlay.is_some() {
            return;
        }
        let offered = self.offered();
        let hint = |a: Action| -> Vec<Span<'static>> {
            vec![
                Span::styled(keys::first_key(a), self.theme.key()),
                Span::raw(format!(" {}  ", self.tr(a.name_key()))),
            ]
        };
        // The way back, help and quit always show; the screen's own actions fill the room
        // left, in order, and the palette comes last when there is space for it.
        let tail: Vec<Span> = [Action::Back, Action::Help, Action::Quit]
            .into_iter()
            .filter(|a| offered.contains(a))
            .flat_map(hint)
            .collect();
        let mut room =
            (area.width as usize).saturating_sub(tail.iter().map(|s| width(&s.content)).sum());
        let mut spans = Vec::new();
        for a in offered
            .iter()
            .filter(|a| !a.is_movement() && **a != Action::Back)
            .filter(|a| !Action::GLOBAL.contains(a) || **a == Action::Palette)
        {
            let h = hint(*a);
            let w: usize = h.iter().map(|s| width(&s.content)).sum();
            if w > room {
                continue;
            }
            room -= w;
            spans.extend(h);
        }
        spans.extend(tail);
        frame.render_widget(Paragraph::new(Line::from(spans)), area);
    }
}
