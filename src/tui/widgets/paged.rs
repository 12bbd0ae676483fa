//! A list that pages from the database: it knows the total and holds only a window of rows
//! around the selection, fetched on demand. Drawing remembers the visible height.

use std::cell::Cell;

/// Rows held around the selection; one fetch covers many screens of movement.
const WINDOW: usize = 120;

#[derive(Debug)]
pub struct Paged<R> {
    pub total: usize,
    pub selected: usize,
    /// The list position of `rows[0]`.
    start: usize,
    rows: Vec<R>,
    /// First visible position and visible height, as last drawn.
    top: Cell<usize>,
    height: Cell<usize>,
}

impl<R> Default for Paged<R> {
    fn default() -> Self {
        Paged {
            total: 0,
            selected: 0,
            start: 0,
            rows: Vec::new(),
            top: Cell::new(0),
            height: Cell::new(10),
        }
    }
}

impl<R> Paged<R> {
    /// Replaces the contents: a new total and the fetch for the window around the selection.
    /// `fetch(offset, limit)` reads rows from the database.
    pub fn reload<E>(
        &mut self,
        total: usize,
        fetch: impl FnOnce(usize, usize) -> Result<Vec<R>, E>,
    ) -> Result<(), E> {
        self.total = total;
        self.selected = self.selected.min(total.saturating_sub(1));
        let start = self.selected.saturating_sub(WINDOW / 2);
        self.rows = fetch(start, WINDOW)?;
        self.start = start;
        Ok(())
    }

    /// Moves the selection by `delta` rows (clamped); true when rows must be fetched.
    pub fn move_by(&mut self, delta: isize) -> bool {
        if self.total == 0 {
            return false;
        }
        let to = (self.selected as isize + delta).clamp(0, self.total as isize - 1);
        self.select(to as usize)
    }

    pub fn select(&mut self, position: usize) -> bool {
        self.selected = position.min(self.total.saturating_sub(1));
        self.needs_fetch()
    }

    pub fn page(&self) -> isize {
        self.height.get().max(1) as isize
    }

    /// Whether the visible part (around the selection) is outside the rows held.
    pub fn needs_fetch(&self) -> bool {
        let h = self.height.get().max(1);
        let lo = self.selected.saturating_sub(h);
        let hi = (self.selected + h).min(self.total);
        self.total > 0 && (lo < self.start || hi > self.start + self.rows.len())
    }

    pub fn selected_row(&self) -> Option<&R> {
        self.selected
            .checked_sub(self.start)
            .and_then(|i| self.rows.get(i))
    }

    /// The rows to draw in `height` lines, with the index of the selected one among them.
    /// Keeps the selection in view, scrolling as little as possible.
    pub fn visible(&self, height: usize) -> (usize, &[R], Option<usize>) {
        self.height.set(height.max(1));
        let mut top = self.top.get();
        if self.selected < top {
            top = self.selected;
        } else if height > 0 && self.selected >= top + height {
            top = self.selected + 1 - height;
        }
        top = top.min(self.total.saturating_sub(height));
        self.top.set(top);
        let from = top.saturating_sub(self.start).min(self.rows.len());
        let to = (from + height).min(self.rows.len());
        let sel = self.selected.checked_sub(top).filter(|s| *s < to - from);
        (top, &self.rows[from..to], sel)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(p: &mut Paged<usize>, total: usize) {
        p.reload(total, |off, lim| {
            Ok::<_, ()>((off..(off + lim).min(total)).collect())
        })
        .unwrap();
    }

    #[test]
    fn holds_a_window_and_refetches_far_away() {
        let mut p = Paged::default();
        load(&mut p, 100_000);
        let (_, rows, sel) = p.visible(20);
        assert_eq!((rows.len(), sel), (20, Some(0)));
        assert!(!p.move_by(50));
        assert!(p.select(99_999), "jumping to the end needs a fetch");
        load(&mut p, 100_000);
        let (top, rows, sel) = p.visible(20);
        assert_eq!((top, rows.last(), sel), (99_980, Some(&99_999), Some(19)));
        assert_eq!(p.selected_row(), Some(&99_999));
    }

    #[test]
    fn empty_and_tiny() {
        let mut p: Paged<usize> = Paged::default();
        load(&mut p, 0);
        assert_eq!(p.visible(0).1.len(), 0);
        assert!(!p.move_by(1));
        assert_eq!(p.selected_row(), None);
        load(&mut p, 3);
        assert_eq!(p.visible(1).1.len(), 1);
        p.move_by(10);
        assert_eq!(p.selected_row(), Some(&2));
    }
}
