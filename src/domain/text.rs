//! Text as the department types it: NFC-normalised, trimmed, `\r\n` made `\n`,
//! and Chinese-aware substring matching.

use unicode_normalization::UnicodeNormalization;

/// What is stored for a piece of typed or pasted text.
pub fn clean(input: &str) -> String {
    let unified = input.replace("\r\n", "\n").replace('\r', "\n");
    unified.trim().nfc().collect()
}

/// The form text is matched in: NFC and lower case, so `wang` finds `Wang` and 王 finds 王.
pub fn fold(input: &str) -> String {
    input.nfc().flat_map(char::to_lowercase).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_normalises_line_ends_and_composes() {
        assert_eq!(clean("  a\r\nb\rc \n"), "a\nb\nc");
        // e + combining acute becomes the single precomposed letter.
        assert_eq!(clean("e\u{301}"), "\u{e9}");
    }

    #[test]
    fn fold_lowers_latin_and_keeps_chinese() {
        assert_eq!(fold("Wang 王偉"), "wang 王偉");
    }
}
