//! Text that fits its cells: display width of Chinese (two cells a character), and
//! truncation by grapheme that never cuts a character in half.

use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthStr;

pub fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// `s` cut to at most `max` cells, ending in `…` when cut. Newlines become spaces.
pub fn fit(s: &str, max: usize) -> String {
    let s = s.replace(['\n', '\r', '\t'], " ");
    if width(&s) <= max {
        return s;
    }
    if max == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for g in s.graphemes(true) {
        let w = width(g);
        if used + w > max - 1 {
            break;
        }
        out.push_str(g);
        used += w;
    }
    out.push('…');
    out
}

/// `s` fitted and padded with spaces to exactly `cells` cells.
pub fn pad(s: &str, cells: usize) -> String {
    let f = fit(s, cells);
    let w = width(&f);
    format!("{f}{}", " ".repeat(cells.saturating_sub(w)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_is_two_cells_and_never_cut_in_half() {
        assert_eq!(width("王偉"), 4);
        assert_eq!(fit("長城貿易有限公司", 7), "長城貿…");
        assert_eq!(
            width(&fit("長城貿易有限公司", 6)),
            5,
            "a wide char that does not fit is left out"
        );
        assert_eq!(fit("abc", 3), "abc");
        assert_eq!(fit("abcd", 0), "");
        assert_eq!(pad("王", 4), "王  ");
    }

    #[test]
    fn combining_marks_stay_with_their_letter() {
        let s = "e\u{301}e\u{301}e\u{301}";
        assert_eq!(fit(s, 2), "e\u{301}…");
    }
}
