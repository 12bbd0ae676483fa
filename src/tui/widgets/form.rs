//! A form: labelled fields (text, multi-line, date with shortcuts, choice, lookup), each error
//! shown beside its field, input never lost. The real cursor sits at the text cursor for the IME.

use super::text::{fit, width};
use crate::domain::date;
use crate::i18n::Lang;
use crate::tui::theme::Theme;
use chrono::NaiveDate;
use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::{Position, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};
use ratatui_textarea::{CursorMove, TextArea};
use std::collections::BTreeMap;

/// What a lookup field picks from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup {
    Customer,
    Employee,
}

pub enum Input {
    /// One line of text.
    Text(TextArea<'static>),
    /// Several lines; Enter inserts a line break.
    Multi(TextArea<'static>),
    /// A date as typed (`today`, `+3d` …), read when saved.
    Date(TextArea<'static>),
    /// One of a few options: (code, label). ←→ cycle; Enter opens a picker.
    Choice {
        options: Vec<(String, String)>,
        selected: Option<usize>,
    },
    /// A record chosen in a picker: its id and how it reads.
    Pick {
        lookup: Lookup,
        value: Option<(String, String)>,
    },
}

pub struct Field {
    pub id: &'static str,
    pub label: String,
    pub input: Input,
    pub required: bool,
    /// Shown but not changed here (a visit stays with its customer).
    pub locked: bool,
}

/// What the form asks of its owner after a key.
#[derive(Debug, Clone, PartialEq)]
pub enum FormEvent {
    None,
    Save,
    Cancel,
    /// Open a picker for this field.
    Pick(usize),
}

pub struct Form {
    pub title: String,
    pub fields: Vec<Field>,
    pub focus: usize,
    pub errors: BTreeMap<&'static str, String>,
    /// A message for the whole form, such as a refused stale save.
    pub banner: Option<String>,
    pub dirty: bool,
    /// The draft this form was restored from, removed once saved.
    pub draft_id: Option<String>,
    today: NaiveDate,
    scroll: usize,
}

fn text_area(value: &str) -> TextArea<'static> {
    let mut t = TextArea::new(value.split('\n').map(str::to_string).collect());
    t.set_cursor_line_style(Style::default());
    t.move_cursor(CursorMove::Bottom);
    t.move_cursor(CursorMove::End);
    t
}

impl Field {
    pub fn text(id: &'static str, label: String, value: &str) -> Field {
        Field {
            id,
            label,
            input: Input::Text(text_area(value)),
            required: false,
            locked: false,
        }
    }
    pub fn multi(id: &'static str, label: String, value: &str) -> Field {
        Field {
            id,
            label,
            input: Input::Multi(text_area(value)),
            required: false,
            locked: false,
        }
    }
    pub fn date(id: &'static str, label: String, value: Option<NaiveDate>) -> Field {
        let v = value.map(date::format).unwrap_or_default();
        Field {
            id,
            label,
            input: Input::Date(text_area(&v)),
            required: false,
            locked: false,
        }
    }
    pub fn choice(
        id: &'static str,
        label: String,
        options: Vec<(String, String)>,
        selected: Option<&str>,
    ) -> Field {
        let selected = selected.and_then(|s| options.iter().position(|(c, _)| c == s));
        Field {
            id,
            label,
            input: Input::Choice { options, selected },
            required: false,
            locked: false,
        }
    }
    pub fn pick(
        id: &'static str,
        label: String,
        lookup: Lookup,
        value: Option<(String, String)>,
    ) -> Field {
        Field {
            id,
            label,
            input: Input::Pick { lookup, value },
            required: false,
            locked: false,
        }
    }
    pub fn required(mut self) -> Field {
        self.required = true;
        self
    }
    pub fn locked(mut self) -> Field {
        self.locked = true;
        self
    }

    fn rows(&self) -> usize {
        match &self.input {
            Input::Multi(_) => 3,
            _ => 1,
        }
    }

    /// The field's value as text: a draft stores it, `set_value` reads it back.
    pub fn value(&self) -> String {
        match &self.input {
            Input::Text(t) | Input::Multi(t) | Input::Date(t) => t.lines().join("\n"),
            Input::Choice { options, selected } => selected
                .and_then(|i| options.get(i))
                .map(|(c, _)| c.clone())
                .unwrap_or_default(),
            Input::Pick { value, .. } => value
                .as_ref()
                .map(|(id, l)| format!("{id}\u{1f}{l}"))
                .unwrap_or_default(),
        }
    }

    pub fn set_value(&mut self, v: &str) {
        match &mut self.input {
            Input::Text(t) | Input::Multi(t) | Input::Date(t) => *t = text_area(v),
            Input::Choice { options, selected } => {
                *selected = options.iter().position(|(c, _)| c == v)
            }
            Input::Pick { value, .. } => {
                *value = v
                    .split_once('\u{1f}')
                    .map(|(a, b)| (a.to_string(), b.to_string()));
            }
        }
    }
}

impl Form {
    pub fn new(title: String, fields: Vec<Field>, today: NaiveDate) -> Form {
        Form {
            title,
            fields,
            focus: 0,
            errors: BTreeMap::new(),
            banner: None,
            dirty: false,
            draft_id: None,
            today,
            scroll: 0,
        }
    }

    pub fn field(&self, id: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.id == id)
    }

    pub fn text(&self, id: &str) -> String {
        self.field(id).map(Field::value).unwrap_or_default()
    }

    pub fn choice(&self, id: &str) -> Option<String> {
        Some(self.text(id)).filter(|s| !s.is_empty())
    }

    pub fn picked(&self, id: &str) -> Option<String> {
        match self.field(id).map(|f| &f.input) {
            Some(Input::Pick {
                value: Some((id, _)),
                ..
            }) => Some(id.clone()),
            _ => None,
        }
    }

    /// Reads a date field; an error is recorded beside the field. Empty gives None.
    pub fn date(&mut self, id: &'static str, lang: Lang) -> Option<NaiveDate> {
        let raw = self.text(id);
        if raw.trim().is_empty() {
            return None;
        }
        match date::parse(&raw, self.today) {
            Ok(d) => Some(d),
            Err(key) => {
                self.errors.insert(id, lang.tr(key));
                None
            }
        }
    }

    pub fn values(&self) -> BTreeMap<String, String> {
        self.fields
            .iter()
            .map(|f| (f.id.to_string(), f.value()))
            .collect()
    }

    pub fn set_values(&mut self, values: &BTreeMap<String, String>) {
        for f in &mut self.fields {
            if let Some(v) = values.get(f.id) {
                f.set_value(v);
            }
        }
    }

    pub fn set_pick(&mut self, index: usize, id: String, label: String) {
        if let Some(Field {
            input: Input::Pick { value, .. },
            ..
        }) = self.fields.get_mut(index)
        {
            *value = Some((id, label));
            self.dirty = true;
        }
    }

    pub fn set_choice(&mut self, index: usize, choice: usize) {
        if let Some(Field {
            input: Input::Choice { selected, .. },
            ..
        }) = self.fields.get_mut(index)
        {
            *selected = Some(choice);
            self.dirty = true;
        }
    }

    /// Marks required fields left empty; true when none are.
    pub fn check_required(&mut self, lang: Lang) -> bool {
        let mut ok = true;
        for f in &self.fields {
            if f.required && f.value().trim().is_empty() {
                self.errors.insert(f.id, lang.tr("error.required"));
                ok = false;
            }
        }
        ok
    }

    pub fn clear_errors(&mut self) {
        self.errors.clear();
        self.banner = None;
    }

    /// Moves focus to the first field with an error.
    pub fn focus_first_error(&mut self) {
        if let Some(i) = self
            .fields
            .iter()
            .position(|f| self.errors.contains_key(f.id))
        {
            self.focus = i;
        }
    }

    pub fn handle_key(&mut self, key: KeyEvent) -> FormEvent {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Char('s') | KeyCode::Char('S') if ctrl => return FormEvent::Save,
            KeyCode::Esc => return FormEvent::Cancel,
            KeyCode::Tab => {
                self.focus = (self.focus + 1) % self.fields.len().max(1);
                return FormEvent::None;
            }
            KeyCode::BackTab | KeyCode::Up
                if !self.focused_is_multi() || key.code == KeyCode::BackTab =>
            {
                self.focus = (self.focus + self.fields.len().max(1) - 1) % self.fields.len().max(1);
                return FormEvent::None;
            }
            KeyCode::Down if !self.focused_is_multi() => {
                self.focus = (self.focus + 1) % self.fields.len().max(1);
                return FormEvent::None;
            }
            _ => {}
        }
        let focus = self.focus;
        let Some(field) = self.fields.get_mut(focus) else {
            return FormEvent::None;
        };
        if field.locked {
            if key.code == KeyCode::Enter {
                self.focus = (self.focus + 1) % self.fields.len();
            }
            return FormEvent::None;
        }
        match &mut field.input {
            Input::Text(t) | Input::Date(t) => {
                if key.code == KeyCode::Enter {
                    self.focus = (self.focus + 1) % self.fields.len();
                    return FormEvent::None;
                }
                if t.input(key) {
                    self.dirty = true;
                    self.errors.remove(field.id);
                }
            }
            Input::Multi(t) => {
                if t.input(key) {
                    self.dirty = true;
                    self.errors.remove(field.id);
                }
            }
            Input::Choice { options, selected } => {
                let n = options.len();
                match key.code {
                    KeyCode::Left | KeyCode::Char('h') if n > 0 => {
                        *selected = Some(selected.map_or(n - 1, |s| (s + n - 1) % n));
                    }
                    KeyCode::Right | KeyCode::Char('l') | KeyCode::Char(' ') if n > 0 => {
                        *selected = Some(selected.map_or(0, |s| (s + 1) % n));
                    }
                    KeyCode::Enter => return FormEvent::Pick(focus),
                    KeyCode::Char(c) => {
                        // Typing the first letter or digit of an option selects it (1–5, v for VIP).
                        if let Some(i) = options.iter().position(|(code, label)| {
                            code.starts_with(c) || label.to_lowercase().starts_with(c)
                        }) {
                            *selected = Some(i);
                        } else {
                            return FormEvent::None;
                        }
                    }
                    _ => return FormEvent::None,
                }
                self.dirty = true;
                self.errors.remove(field.id);
            }
            Input::Pick { .. } => match key.code {
                KeyCode::Enter | KeyCode::Char(' ') => return FormEvent::Pick(focus),
                KeyCode::Backspace | KeyCode::Delete if !field.required => {
                    if let Input::Pick { value, .. } = &mut field.input {
                        *value = None;
                        self.dirty = true;
                    }
                }
                _ => {}
            },
        }
        FormEvent::None
    }

    fn focused_is_multi(&self) -> bool {
        matches!(
            self.fields.get(self.focus).map(|f| &f.input),
            Some(Input::Multi(_))
        )
    }

    /// Pasted text goes into the focused text field; one-line fields get spaces for line breaks.
    pub fn paste(&mut self, text: &str) {
        let text = text.replace("\r\n", "\n").replace('\r', "\n");
        if let Some(f) = self.fields.get_mut(self.focus) {
            match &mut f.input {
                Input::Multi(t) => {
                    t.insert_str(&text);
                }
                Input::Text(t) | Input::Date(t) => {
                    t.insert_str(text.replace('\n', " "));
                }
                _ => return,
            }
            self.dirty = true;
        }
    }

    /// Draws the form as a box over `area` and places the real cursor at the text cursor.
    pub fn draw(&mut self, frame: &mut Frame, area: Rect, theme: &Theme, lang: Lang) {
        super::text::clear(frame, area);
        let block = Block::bordered()
            .border_set(theme.border())
            .title(Span::styled(format!(" {} ", self.title), theme.label()))
            .title_bottom(Line::from(format!(" {} ", lang.tr("form.keys"))).style(theme.dim()));
        let inner = block.inner(area);
        frame.render_widget(block, area);
        if inner.width == 0 || inner.height == 0 {
            return;
        }
        let label_w = self
            .fields
            .iter()
            .map(|f| width(&f.label) + 2)
            .max()
            .unwrap_or(0)
            .min(inner.width as usize / 3);
        let input_x = inner.x + label_w as u16 + 1;
        let input_w = inner.width.saturating_sub(label_w as u16 + 1);

        // Rows each field takes: itself, plus a line for its error.
        let mut layout = Vec::new();
        let mut y = 0usize;
        let banner_rows = usize::from(self.banner.is_some()) * 2;
        for f in &self.fields {
            let rows = f.rows() + usize::from(self.errors.contains_key(f.id));
            layout.push((y, rows));
            y += rows;
        }
        let height = (inner.height as usize).saturating_sub(banner_rows);
        if let Some(&(fy, fr)) = layout.get(self.focus) {
            if fy < self.scroll {
                self.scroll = fy;
            } else if fy + fr > self.scroll + height {
                self.scroll = (fy + fr).saturating_sub(height);
            }
        }
        let mut cursor = None;
        if let Some(b) = &self.banner {
            let para = Paragraph::new(
                super::text::wrap(b, inner.width as usize)
                    .into_iter()
                    .map(|l| Line::from(Span::styled(l, theme.error())))
                    .collect::<Vec<_>>(),
            );
            frame.render_widget(
                para,
                Rect {
                    height: 2.min(inner.height),
                    ..inner
                },
            );
        }
        let top = inner.y + banner_rows as u16;
        for (i, f) in self.fields.iter().enumerate() {
            let (fy, rows) = layout[i];
            if fy < self.scroll || fy + f.rows() > self.scroll + height {
                continue;
            }
            let y = top + (fy - self.scroll) as u16;
            let focused = i == self.focus;
            let mark = if f.required { "*" } else { " " };
            let label = format!("{}{mark}", fit(&f.label, label_w.saturating_sub(2)));
            let label_style = if focused { theme.key() } else { theme.label() };
            frame.render_widget(
                // Right-aligned by display cells, not chars: a Chinese label is twice as wide.
                Paragraph::new(Span::styled(
                    format!(
                        "{}{label}",
                        " ".repeat(label_w.saturating_sub(1).saturating_sub(width(&label)))
                    ),
                    label_style,
                )),
                Rect::new(inner.x, y, label_w as u16, 1),
            );
            let field_area = Rect::new(input_x, y, input_w, f.rows() as u16);
            match &f.input {
                Input::Text(t) | Input::Multi(t) | Input::Date(t) => {
                    let mut style =
                        Style::default().add_modifier(ratatui::style::Modifier::UNDERLINED);
                    if focused {
                        style = style.fg(ratatui::style::Color::White);
                    }
                    let mut t = t.clone();
                    t.set_style(style);
                    t.set_cursor_style(Style::default());
                    let hint = if let Input::Date(_) = f.input {
                        self.date_hint(&t.lines().join(""), lang)
                    } else {
                        None
                    };
                    let text_w = if hint.is_some() {
                        input_w.saturating_sub(19)
                    } else {
                        input_w
                    };
                    let ta = Rect {
                        width: text_w,
                        ..field_area
                    };
                    frame.render_widget(&t, ta);
                    if let Some(h) = hint {
                        frame.render_widget(
                            Paragraph::new(Span::styled(h, theme.dim())),
                            Rect::new(ta.x + text_w + 1, y, input_w.saturating_sub(text_w + 1), 1),
                        );
                    }
                    if focused {
                        let sc = t.screen_cursor();
                        let (sr, scol) = t.scroll_offset();
                        let cx = ta.x as usize + sc.col.saturating_sub(scol as usize);
                        let cy = ta.y as usize + sc.row.saturating_sub(sr as usize);
                        cursor = Some(Position::new(
                            cx.min(u16::MAX as usize) as u16,
                            cy.min(u16::MAX as usize) as u16,
                        ));
                    }
                }
                Input::Choice { .. } | Input::Pick { .. } => {
                    let text = match &f.input {
                        Input::Choice { options, selected } => {
                            match selected.and_then(|s| options.get(s)) {
                                Some((_, l)) => format!("‹ {l} ›"),
                                None => format!("‹ {} ›", lang.tr("form.choose")),
                            }
                        }
                        Input::Pick {
                            value: Some((_, l)),
                            ..
                        } => format!("{l} ▾"),
                        _ => format!("{} ▾", lang.tr("form.pick")),
                    };
                    let style = if f.locked {
                        theme.dim()
                    } else if focused {
                        theme.selected()
                    } else {
                        Style::default()
                    };
                    frame.render_widget(
                        Paragraph::new(Span::styled(fit(&text, input_w as usize), style)),
                        field_area,
                    );
                }
            }
            if let Some(err) = self.errors.get(f.id) {
                let ey = y + f.rows() as u16;
                if ey < inner.y + inner.height && rows > f.rows() {
                    frame.render_widget(
                        Paragraph::new(Span::styled(
                            fit(&format!("↑ {err}"), input_w as usize),
                            theme.error(),
                        )),
                        Rect::new(input_x, ey, input_w, 1),
                    );
                }
            }
        }
        if let Some(c) = cursor
            && area.contains(c)
        {
            frame.set_cursor_position(c);
        }
    }

    /// What a typed date reads as, shown beside the field while typing.
    fn date_hint(&self, raw: &str, lang: Lang) -> Option<String> {
        if raw.trim().is_empty() {
            return None;
        }
        Some(match date::parse(raw, self.today) {
            Ok(d) => format!(
                "→ {} {}",
                date::format(d),
                lang.tr(&format!(
                    "weekday.{}",
                    d.format("%a").to_string().to_lowercase()
                ))
            ),
            Err(_) => "?".to_string(),
        })
    }
}
