//! Normalising document text so quoted phrases can be found in it.
//!
//! The seed documents are text extracted from Word/PDF files: PDF extraction leaves spaces
//! inside words ("增设社 区"), table cells sit on separate lines, and the Word export marks
//! footnotes inline: `覆盖率[footnoteRef:13] [13:  北京市…指标] ` (a reference, then the
//! footnote's body in brackets) and bookmarks as `[bookmark: _Toc…]`. [`normalise_document`]
//! removes every whitespace character and the markers, and moves each footnote body out of the
//! running text into a segment of its own (so a table row reads as its cells in order, and a
//! quote from a footnote is still found). Segments are separated by a character no quote can
//! contain, so no match spans two of them.

/// Separates the running text and the footnote bodies in a normalised document.
const SEGMENT: char = '\u{1}';

/// Removes every whitespace character (ASCII, ideographic U+3000, no-break spaces).
pub fn normalise_quote(q: &str) -> String {
    q.chars()
        .filter(|c| !c.is_whitespace() && *c != SEGMENT)
        .collect()
}

/// The document as one string: whitespace, `[bookmark: …]` and `[footnoteRef:N]` markers
/// removed, footnote bodies `[N: …]` moved after the running text, each as its own segment.
pub fn normalise_document(text: &str) -> String {
    let mut main = String::with_capacity(text.len());
    let mut notes: Vec<String> = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        main.push_str(&rest[..open]);
        let after = &rest[open..];
        match marker(after) {
            Some((len, body)) => {
                if let Some(b) = body {
                    notes.push(b.to_owned());
                }
                rest = &after[len..];
            }
            None => {
                main.push('[');
                rest = &after[1..];
            }
        }
    }
    main.push_str(rest);
    let mut out = normalise_quote(&main);
    for n in notes {
        out.push(SEGMENT);
        out.push_str(&normalise_quote(&n));
    }
    out
}

/// At a `[`: the byte length of a marker starting there and, for a footnote body, its text.
/// `None` when the bracket starts no marker (it is kept as text).
fn marker(s: &str) -> Option<(usize, Option<&str>)> {
    let close = matching_bracket(s)?;
    let inner = &s[1..close];
    let len = close + 1;
    if inner.starts_with("bookmark:") {
        return Some((len, None));
    }
    if let Some(n) = inner.strip_prefix("footnoteRef:") {
        return (!n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())).then_some((len, None));
    }
    let digits = inner.bytes().take_while(|b| b.is_ascii_digit()).count();
    if digits > 0 && inner[digits..].starts_with(':') {
        return Some((len, Some(&inner[digits + 1..])));
    }
    None
}

/// Byte index of the `]` closing the `[` at the start of `s` (nested brackets counted).
fn matching_bracket(s: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in s.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// How often `quote` (normalised) occurs in a document normalised by [`normalise_document`]
/// (non-overlapping; 0 for an empty quote).
pub fn occurrences(normalised_document: &str, quote: &str) -> usize {
    let q = normalise_quote(quote);
    if q.is_empty() {
        return 0;
    }
    normalised_document.matches(q.as_str()).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whitespace_of_every_kind_is_removed() {
        assert_eq!(
            normalise_quote(" 增设社 区\t日间\u{3000}照料\u{a0}点\r\n"),
            "增设社区日间照料点"
        );
        assert_eq!(
            occurrences(&normalise_document("增设社 区"), "增设 社区"),
            1
        );
    }

    #[test]
    fn table_row_with_footnote_reads_as_cells_in_order() {
        let doc = "\t6\n\t镇街道养老照料中心覆盖率[footnoteRef:13] [13:  北京市“七有”“五性”监测评价指标] \n\n\t30%\n\t100%\n\t约束性\n";
        let n = normalise_document(doc);
        assert_eq!(
            occurrences(&n, "镇街道养老照料中心覆盖率 30% 100% 约束性"),
            1
        );
        // The footnote is still quotable, on its own.
        assert_eq!(occurrences(&n, "北京市“七有”“五性”监测评价指标"), 1);
        // But no phrase spans the running text and a footnote.
        assert_eq!(occurrences(&n, "约束性北京市"), 0);
        assert_eq!(occurrences(&n, "覆盖率北京市"), 0);
        // Cells out of order are not a match.
        assert_eq!(
            occurrences(&n, "镇街道养老照料中心覆盖率 100% 30% 约束性"),
            0
        );
    }

    #[test]
    fn bookmarks_are_removed_and_other_brackets_kept() {
        let doc = "[bookmark: _Toc1][bookmark: _Toc2]专栏1 指标[注]与[12]";
        let n = normalise_document(doc);
        assert_eq!(n, "专栏1指标[注]与[12]");
        assert_eq!(occurrences(&n, "[注]与"), 1);
    }

    #[test]
    fn footnote_body_with_brackets_and_unclosed_bracket() {
        let doc = "甲[footnoteRef:2]乙 [2:  引自[某]报告] 丙[未闭合";
        let n = normalise_document(doc);
        assert_eq!(n, "甲乙丙[未闭合\u{1}引自[某]报告");
        assert_eq!(occurrences(&n, "甲乙 丙"), 1);
        assert_eq!(occurrences(&n, "引自[某]报告"), 1);
    }

    #[test]
    fn counts_non_overlapping_and_rejects_empty() {
        let n = normalise_document("一刻钟，一刻钟");
        assert_eq!(occurrences(&n, "一刻钟"), 2);
        assert_eq!(occurrences(&n, " \n"), 0);
        assert_eq!(occurrences(&n, "十五分钟"), 0);
    }
}
