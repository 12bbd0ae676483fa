//! Overlays over a screen: confirm and message boxes, help, the command palette, menus and
//! pickers — their keys and their drawing.

use super::action::Action;
use super::app::{App, Overlay, Pending};
use super::forms::FormKind;
use super::keys;
use super::widgets::picker::{PickItem, Picker, PickerEvent, centered};
use super::widgets::text::{fit, width};
use ratatui::Frame;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

impl App {
    // ---- overlays ----

    pub(super) fn overlay_key(&mut self, key: KeyEvent) {
        let Some(overlay) = self.overlay.take() else {
            return;
        };
        match overlay {
            Overlay::Help => {} // any key closes it
            Overlay::Message(_) => {}
            Overlay::Confirm(msg, pending) => match key.code {
                ratatui::crossterm::event::KeyCode::Char('y' | 'Y')
                | ratatui::crossterm::event::KeyCode::Enter => self.confirmed(pending),
                ratatui::crossterm::event::KeyCode::Char('n' | 'N')
                | ratatui::crossterm::event::KeyCode::Esc => self.declined(pending),
                _ => self.overlay = Some(Overlay::Confirm(msg, pending)),
            },
            Overlay::Palette(mut p) => match p.handle_key(key) {
                PickerEvent::Chosen(v) => {
                    if let Some(a) = self.offered().into_iter().find(|a| a.name_key() == v) {
                        self.act(a);
                    }
                }
                PickerEvent::Cancel => {}
                _ => self.overlay = Some(Overlay::Palette(p)),
            },
            Overlay::Menu(mut p, target) => match p.handle_key(key) {
                PickerEvent::Chosen(v) => self.menu_chosen(target, &v),
                PickerEvent::Cancel => {}
                _ => self.overlay = Some(Overlay::Menu(p, target)),
            },
            Overlay::WhoAreYou(mut p) => match p.handle_key(key) {
                PickerEvent::Chosen(id) => {
                    self.status = None;
                    self.me = self.roster.iter().find(|e| e.id == id).cloned();
                    self.start_work();
                }
                PickerEvent::Cancel => self.quit = true,
                _ => self.overlay = Some(Overlay::WhoAreYou(p)),
            },
            Overlay::Pick(mut p, field) => match p.handle_key(key) {
                PickerEvent::Chosen(v) => {
                    let label = p
                        .items
                        .iter()
                        .find(|i| i.value == v)
                        .map(|i| i.label.clone())
                        .unwrap_or_default();
                    if let Some((_, form)) = &mut self.form {
                        match form.fields.get(field).map(|f| &f.input) {
                            Some(super::widgets::form::Input::Choice { options, .. }) => {
                                if let Some(i) = options.iter().position(|(c, _)| *c == v) {
                                    form.set_choice(field, i);
                                }
                            }
                            _ => form.set_pick(field, v, label),
                        }
                        form.errors.remove(form.fields[field].id);
                    }
                }
                PickerEvent::Cancel => {}
                PickerEvent::QueryChanged => {
                    self.overlay = Some(Overlay::Pick(p, field));
                    self.refill_lookup();
                }
                PickerEvent::None => self.overlay = Some(Overlay::Pick(p, field)),
            },
        }
    }

    fn confirmed(&mut self, pending: Pending) {
        match pending {
            Pending::Quit => self.quit = true,
            Pending::DiscardForm => self.close_form(),
            Pending::DeleteCustomer(c) => self.delete_customer(*c),
            Pending::ScheduleNext(input) => self.open_form(
                FormKind::FollowUpNew,
                &super::forms::follow_up_values(self, &input),
            ),
            Pending::RestoreDraft(d) => self.restore_draft(d),
        }
    }

    fn declined(&mut self, pending: Pending) {
        if let Pending::RestoreDraft(d) = pending
            && let Err(e) = self.store.discard_draft(&d.id)
        {
            self.fail(e);
        }
    }

    pub(super) fn open_palette(&mut self) {
        let items = self
            .offered()
            .into_iter()
            // Suspending needs the terminal, which only the loop holds: it is Ctrl-Z's alone.
            .filter(|a| !a.is_movement() && !matches!(a, Action::Palette | Action::Suspend))
            .map(|a| PickItem::new(a.name_key(), self.tr(a.name_key())).hint(keys::keys_of(a)))
            .collect();
        self.overlay = Some(Overlay::Palette(Picker::new(
            self.tr("palette.title"),
            items,
        )));
    }

    pub(super) fn draw_overlay(&self, frame: &mut Frame, body: Rect) {
        let Some(overlay) = &self.overlay else { return };
        match overlay {
            Overlay::Help => self.draw_help(frame, body),
            Overlay::Palette(p) | Overlay::Menu(p, _) | Overlay::WhoAreYou(p) => {
                let h = (p.shown.len() as u16 + 3).clamp(5, body.height.max(5));
                p.draw(frame, centered(body, 84, h), &self.theme);
            }
            Overlay::Pick(p, _) => {
                p.draw(frame, centered(body, 70, body.height.min(16)), &self.theme)
            }
            Overlay::Confirm(msg, _) => {
                let text = format!("{msg}\n\n{}", self.tr("confirm.keys"));
                self.draw_box(frame, body, &self.tr("confirm.title"), &text);
            }
            Overlay::Message(msg) => {
                let text = format!("{msg}\n\n{}", self.tr("message.keys"));
                self.draw_box(frame, body, &self.tr("message.title"), &text);
            }
        }
    }

    fn draw_box(&self, frame: &mut Frame, body: Rect, title: &str, text: &str) {
        let w = body.width.min(64);
        let lines: Vec<Line> = super::widgets::text::wrap(text, w.saturating_sub(2) as usize)
            .into_iter()
            .map(Line::from)
            .collect();
        let rect = centered(body, w, lines.len() as u16 + 2);
        super::widgets::text::clear(frame, rect);
        let block = Block::bordered()
            .border_set(self.theme.border())
            .title(format!(" {title} "));
        frame.render_widget(Paragraph::new(lines).block(block), rect);
    }

    /// Help lists every action offered here with all its keys: the same table the keys use.
    /// In two columns when one does not fit, so the last keys and the way out stay on screen.
    fn draw_help(&self, frame: &mut Frame, body: Rect) {
        let inner_w = body.width.min(72).saturating_sub(2).max(1) as usize;
        let notes = ["help.forms", "help.dates", "help.close"].map(|k| self.tr(k));
        let note_rows: usize = 1 + notes
            .iter()
            .map(|n| super::widgets::text::wrap(n, inner_w).len())
            .sum::<usize>();
        let entries: Vec<(String, String)> = self
            .offered()
            .into_iter()
            .map(|a| (keys::keys_of(a), self.tr(a.name_key())))
            .collect();
        let room = (body.height as usize).saturating_sub(2 + note_rows);
        let columns = if entries.len() <= room { 1 } else { 2 };
        let key_w = if columns == 1 {
            12
        } else {
            entries.iter().map(|(k, _)| width(k)).max().unwrap_or(0)
        };
        let col_w = inner_w / columns;
        let rows = entries.len().div_ceil(columns);
        let mut lines = Vec::new();
        for r in 0..rows {
            let mut spans = Vec::new();
            for c in 0..columns {
                let Some((k, name)) = entries.get(c * rows + r) else {
                    continue;
                };
                let name_w = col_w.saturating_sub(key_w + 2);
                let name = if c + 1 < columns {
                    super::widgets::text::pad(name, name_w)
                } else {
                    fit(name, name_w)
                };
                spans.push(Span::styled(
                    format!("{}{k}  ", " ".repeat(key_w.saturating_sub(width(k)))),
                    self.theme.key(),
                ));
                spans.push(Span::raw(name));
            }
            lines.push(Line::from(spans));
        }
        lines.push(Line::from(""));
        for n in notes {
            for l in super::widgets::text::wrap(&n, inner_w) {
                lines.push(Line::from(Span::styled(l, self.theme.dim())));
            }
        }
        let rect = centered(body, 72, lines.len() as u16 + 2);
        super::widgets::text::clear(frame, rect);
        let block = Block::bordered()
            .border_set(self.theme.border())
            .title(format!(" {} ", self.tr("help.title")));
        frame.render_widget(
            Paragraph::new(lines)
                .wrap(Wrap { trim: false })
                .block(block),
            rect,
        );
    }
}
