//! A table of rows drawn from cells fitted to their column widths, with the selection
//! highlighted; columns share the width by weight.

use super::text::pad;
use crate::tui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub struct Column {
    pub title: String,
    /// Share of the width; a column never gets less than `min` cells while there is room.
    pub weight: u16,
    pub min: u16,
}

impl Column {
    pub fn new(title: String, weight: u16, min: u16) -> Column {
        Column { title, weight, min }
    }
}

/// Column widths for `total` cells, one space between columns.
pub fn widths(cols: &[Column], total: u16) -> Vec<usize> {
    let gaps = cols.len().saturating_sub(1) as u16;
    let avail = total.saturating_sub(gaps) as usize;
    let weight: usize = cols.iter().map(|c| c.weight as usize).sum::<usize>().max(1);
    let mut w: Vec<usize> = cols
        .iter()
        .map(|c| (avail * c.weight as usize / weight).max(c.min as usize))
        .collect();
    // Take back from the widest columns until the row fits.
    while w.iter().sum::<usize>() > avail {
        let Some((i, _)) = w.iter().enumerate().max_by_key(|(_, v)| **v) else {
            break;
        };
        if w[i] == 0 {
            break;
        }
        w[i] -= 1;
    }
    w
}

pub struct Row {
    pub cells: Vec<String>,
    pub style: Style,
}

/// Draws the header and rows into `area`; `selected` is an index into `rows`.
pub fn draw(
    frame: &mut Frame,
    area: Rect,
    theme: &Theme,
    cols: &[Column],
    rows: &[Row],
    selected: Option<usize>,
) {
    if area.height == 0 || area.width == 0 {
        return;
    }
    let w = widths(cols, area.width);
    let line = |cells: Vec<String>| -> String {
        cells
            .iter()
            .zip(&w)
            .map(|(c, w)| pad(c, *w))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let header = line(cols.iter().map(|c| c.title.clone()).collect());
    frame.render_widget(
        Paragraph::new(Span::styled(header, theme.header())),
        Rect { height: 1, ..area },
    );
    for (i, r) in rows
        .iter()
        .enumerate()
        .take(area.height.saturating_sub(1) as usize)
    {
        let mut style = r.style;
        if Some(i) == selected {
            style = style.patch(theme.selected());
        }
        let text = line(r.cells.clone());
        frame.render_widget(
            Paragraph::new(Line::from(Span::styled(text, style))),
            Rect::new(area.x, area.y + 1 + i as u16, area.width, 1),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_fit_the_space() {
        let cols = vec![Column::new("a".into(), 1, 4), Column::new("b".into(), 3, 4)];
        assert_eq!(widths(&cols, 41), vec![10, 30]);
        let tiny = widths(&cols, 5);
        assert!(tiny.iter().sum::<usize>() <= 4);
    }
}
