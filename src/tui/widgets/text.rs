//! Text that fits its cells: display width of Chinese (two cells a character), and
//! truncation by grapheme that never cuts a character in half.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::widgets::Clear;
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

/// `s` broken into lines of at most `max` cells: at a space where the line has one, else
/// between characters (Chinese has no spaces). ratatui's own wrapping lets a wide character
/// overhang the edge by a cell, over the border, so text that may be Chinese wraps here.
pub fn wrap(s: &str, max: usize) -> Vec<String> {
    let max = max.max(2);
    let mut out = Vec::new();
    for para in s.split('\n') {
        let mut line = String::new();
        for g in para.graphemes(true) {
            let gw = width(g);
            if width(&line) + gw > max {
                match line.rfind(' ').filter(|_| g != " ") {
                    Some(i) if i > 0 => {
                        let rest = line[i + 1..].to_string();
                        line.truncate(i);
                        out.push(std::mem::replace(&mut line, rest));
                    }
                    _ => out.push(std::mem::take(&mut line)),
                }
                if width(&line) + gw > max {
                    out.push(std::mem::take(&mut line));
                }
                if g == " " && line.is_empty() {
                    continue;
                }
            }
            line.push_str(g);
        }
        out.push(line);
    }
    out
}

/// Clears `area` for a popup. A wide character just left of it would lose its right half
/// under the popup's border (the terminal then drops the border or the character), so it
/// is blanked too.
pub fn clear(frame: &mut Frame, area: Rect) {
    frame.render_widget(Clear, area);
    let buf = frame.buffer_mut();
    let area = area.intersection(buf.area);
    if area.x == 0 || area.is_empty() {
        return;
    }
    for y in area.top()..area.bottom() {
        let left = &mut buf[(area.x - 1, y)];
        if width(left.symbol()) > 1 {
            left.set_symbol(" ");
        }
    }
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
    fn wrap_breaks_at_spaces_or_between_chinese_characters() {
        assert_eq!(
            wrap("刪除客戶 C000001 王小明嗎", 22),
            ["刪除客戶 C000001", "王小明嗎"]
        );
        assert_eq!(wrap("王小明王小明", 5), ["王小", "明王", "小明"]);
        assert_eq!(wrap("ab cd\nef", 10), ["ab cd", "ef"]);
        assert!(
            wrap("長城貿易有限公司長城貿易", 7)
                .iter()
                .all(|l| width(l) <= 7)
        );
    }

    #[test]
    fn combining_marks_stay_with_their_letter() {
        let s = "e\u{301}e\u{301}e\u{301}";
        assert_eq!(fit(s, 2), "e\u{301}…");
    }
}
