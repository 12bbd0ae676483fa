//! The building blocks every screen shares: paged lists, tables, forms, pickers, text fitting.

pub mod form;
pub mod paged;
pub mod picker;
pub mod table;
pub mod text;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::widgets::Clear;

/// Clears `rect` for a popup. A double-width character cut by the popup's edge would
/// otherwise still be drawn by the terminal over the border, so the halves outside are
/// blanked too.
pub fn clear(frame: &mut Frame, rect: Rect) {
    frame.render_widget(Clear, rect);
    let buf = frame.buffer_mut();
    let area = buf.area;
    for y in rect.top()..rect.bottom() {
        if rect.x > area.x
            && let Some(cell) = buf.cell_mut((rect.x - 1, y))
            && unicode_width::UnicodeWidthStr::width(cell.symbol()) > 1
        {
            cell.set_symbol(" ");
        }
        if rect.right() < area.right()
            && let Some(cell) = buf.cell_mut((rect.right(), y))
            && cell.symbol().is_empty()
        {
            cell.set_symbol(" ");
        }
    }
}
