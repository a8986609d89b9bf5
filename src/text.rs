//! Text helpers every floor uses. Owns: shortening for one-line displays, and cleaning text
//! that comes from platforms of the characters that carry meaning inside Hearth (NUL, search
//! highlight markers, other control characters) or that can disguise who wrote something
//! (bidirectional overrides in names). Must never: depend on the store or the network.

use std::borrow::Cow;

/// Folds whitespace and cuts `s` to at most `max` characters, ending in `…` when cut.
pub fn shorten(s: &str, max: usize) -> String {
    let folded: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if folded.chars().count() <= max {
        return folded;
    }
    let mut out: String = folded.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// Explicit bidirectional formatting: embeddings, overrides and isolates. In a name they can
/// make `evil` + U+202E + `nimda` read as `eviladmin`, so names drop them; the Unicode bidi algorithm lays
/// out right-to-left names correctly without them.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// Control characters with no place in a message: NUL, Hearth's search markers (`\u{2}`,
/// `\u{3}`) and the other C0/C1 controls; tabs and line breaks stay.
fn is_stray_control(c: char) -> bool {
    c.is_control() && !matches!(c, '\n' | '\t' | '\r')
}

/// A message's text (or sanitised HTML) as Hearth keeps it: stray control characters and
/// bidirectional overrides removed (the overrides could reorder what a reader sees; ordinary
/// right-to-left text needs none).
pub fn clean_text(s: &str) -> Cow<'_, str> {
    let bad = |c: char| is_stray_control(c) || matches!(c, '\u{202D}' | '\u{202E}');
    if !s.contains(bad) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(s.chars().filter(|c| !bad(*c)).collect())
}

/// A name, handle or title as Hearth keeps it: one line, no control characters, no
/// bidirectional formatting.
pub fn clean_name(s: &str) -> Cow<'_, str> {
    let bad = |c: char| c.is_control() || is_bidi_control(c);
    if !s.contains(bad) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.chars()
            .map(|c| {
                if matches!(c, '\n' | '\t' | '\r') {
                    ' '
                } else {
                    c
                }
            })
            .filter(|c| !bad(*c))
            .collect(),
    )
}

/// A cell a spreadsheet shows as text: names come from strangers, and one starting with `=`,
/// `+`, `-` or `@` would otherwise run as a formula when the file is opened.
pub fn spreadsheet_cell(s: String) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_right_to_left_override_cannot_disguise_a_name() {
        // "adm\u{202E}nimda" would display reversed after the override.
        assert_eq!(clean_name("evil\u{202E}nimda"), "evilnimda");
        assert_eq!(clean_name("\u{2067}Mallory\u{2069}"), "Mallory");
        assert_eq!(clean_name("Ana\nSouza"), "Ana Souza");
        assert!(matches!(clean_name("Ana Souza"), Cow::Borrowed(_)));
        assert_eq!(
            clean_name("شريف"),
            "شريف",
            "right-to-left names stay as they are"
        );
    }

    #[test]
    fn text_loses_nul_and_search_markers_but_keeps_its_lines() {
        assert_eq!(
            clean_text("a\u{0}b \u{2}hit\u{3} c\nd\te"),
            "ab hit c\nd\te"
        );
        assert_eq!(clean_text("pay \u{202E}gpj.exe"), "pay gpj.exe");
        assert!(matches!(clean_text("plain"), Cow::Borrowed(_)));
    }

    #[test]
    fn shortening_folds_whitespace_and_marks_the_cut() {
        assert_eq!(shorten("a  b\nc", 10), "a b c");
        assert_eq!(shorten("abcdefgh", 5), "abcd…");
    }
}
