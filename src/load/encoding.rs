//! Text encodings of attribute tables: the labels found in Shapefile `.cpg` files and the
//! UTF-8-else-GBK rule for files that do not say.

use encoding_rs::{Encoding, GB18030, GBK, UTF_8, WINDOWS_1252};

/// The encoding a `.cpg` label names: `UTF-8`/`65001`, `GBK`/`CP936`/`936`/`GB2312`,
/// `GB18030`/`54936`, `1252`/`CP1252`/`Latin-1`/`ISO-8859-1`, `ANSI 936`-style code pages, or
/// any WHATWG label `encoding_rs` knows (`Big5`, `Shift_JIS`, `windows-1251` …). `None` when
/// the label is unknown.
pub fn from_label(label: &str) -> Option<&'static Encoding> {
    let l = label.trim().to_ascii_lowercase();
    let l = l.strip_prefix("ansi").map(str::trim).unwrap_or(&l);
    let l = l.strip_prefix("cp").map(str::trim).unwrap_or(l);
    match l.replace(['-', '_', ' '], "").as_str() {
        "utf8" | "65001" => Some(UTF_8),
        "gbk" | "936" | "gb2312" | "gb231280" | "euccn" => Some(GBK),
        "gb18030" | "54936" => Some(GB18030),
        "1252" | "windows1252" | "latin1" | "iso88591" | "88591" => Some(WINDOWS_1252),
        _ if l.chars().all(|c| c.is_ascii_digit()) => {
            Encoding::for_label(format!("windows-{l}").as_bytes())
                .or_else(|| Encoding::for_label(format!("cp{l}").as_bytes()))
        }
        _ => Encoding::for_label(l.as_bytes()),
    }
}

/// Decodes `bytes` in `enc`; `None` when they are not valid in it (no replacement characters).
pub fn decode(enc: &'static Encoding, bytes: &[u8]) -> Option<String> {
    enc.decode_without_bom_handling_and_without_replacement(bytes)
        .map(|c| c.into_owned())
}

/// The encoding for text whose file names none: UTF-8 when every piece is valid UTF-8 (plain
/// ASCII is), else GBK, the usual encoding of Chinese Windows exports. The tag says why.
pub fn guess<'a>(pieces: impl IntoIterator<Item = &'a [u8]>) -> (&'static Encoding, &'static str) {
    if pieces.into_iter().all(|p| std::str::from_utf8(p).is_ok()) {
        (UTF_8, "valid UTF-8")
    } else {
        (GBK, "not valid UTF-8")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels() {
        for (l, e) in [
            ("UTF-8", UTF_8),
            ("utf8\r\n", UTF_8),
            ("65001", UTF_8),
            ("GBK", GBK),
            ("CP936", GBK),
            ("ANSI 936", GBK),
            ("936", GBK),
            ("GB2312", GBK),
            ("GB18030", GB18030),
            ("1252", WINDOWS_1252),
            ("ISO-8859-1", WINDOWS_1252),
            ("Latin-1", WINDOWS_1252),
            ("ANSI 1251", encoding_rs::WINDOWS_1251),
            ("Big5", encoding_rs::BIG5),
        ] {
            assert_eq!(from_label(l), Some(e), "{l:?}");
        }
        assert_eq!(from_label("KLINGON"), None);
    }

    #[test]
    fn guess_and_decode() {
        let (gbk_bytes, _, _) = GBK.encode("江汉区");
        let gbk_bytes = gbk_bytes.into_owned();
        assert_eq!(guess([b"abc".as_slice(), "江汉".as_bytes()]).0, UTF_8);
        assert_eq!(guess([b"abc".as_slice(), &gbk_bytes]).0, GBK);
        assert_eq!(decode(GBK, &gbk_bytes).as_deref(), Some("江汉区"));
        assert_eq!(decode(UTF_8, &gbk_bytes), None);
    }
}
