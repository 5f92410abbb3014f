//! CSV reader: UTF-8 with or without BOM, UTF-16 with a BOM, or GBK (GB18030) when the bytes
//! are not UTF-8 (spreadsheet exports on Chinese Windows); comma, semicolon or tab (sniffed from
//! the header).
//!
//! Files without quote characters (the usual machine-written grids) are split into line
//! chunks parsed in parallel; files with quotes go through the `csv` crate. Both report the
//! same line numbers (the header is line 1).

use crate::error::{Error, Location, Result};
use rayon::prelude::*;
use std::borrow::Cow;
use std::path::Path;

/// The text encoding a CSV file was read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8, with or without a byte-order mark.
    Utf8,
    /// UTF-16 (little or big endian), recognised by its byte-order mark.
    Utf16,
    /// Not valid UTF-8, but valid GBK / GB18030: read as such (a guess the caller reports).
    Gbk,
}

/// Reads `path`, looks up `columns` in its header (an error lists the header when one is
/// missing) and folds its records into per-chunk accumulators, in file order: `init` makes an
/// accumulator, `row` gets the CSV line number and the requested fields (in `columns` order).
/// Use [`fold_rows_with_encoding`] to learn whether the file had to be read as GBK.
pub fn fold_rows<A: Send>(
    path: &Path,
    columns: &[&str],
    init: impl Fn() -> A + Sync,
    row: impl Fn(&mut A, u64, &[&str]) -> Result<()> + Sync,
) -> Result<Vec<A>> {
    fold_rows_with_encoding(path, columns, init, row).map(|(a, _)| a)
}

/// Decodes a CSV file's bytes: UTF-16 by BOM, UTF-8 (BOM stripped), else GB18030; an error
/// names the first line that is neither UTF-8 nor GBK.
fn decode<'a>(bytes: &'a [u8], path: &Path) -> Result<(Cow<'a, str>, Encoding)> {
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        let enc = if bytes[0] == 0xFF {
            encoding_rs::UTF_16LE
        } else {
            encoding_rs::UTF_16BE
        };
        return match enc.decode_without_bom_handling_and_without_replacement(&bytes[2..]) {
            Some(t) => Ok((t, Encoding::Utf16)),
            None => Err(Error::input(
                path,
                Location::File,
                None,
                "the file starts with a UTF-16 byte-order mark but is not valid UTF-16: save the CSV as UTF-8",
            )),
        };
    }
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(body) {
        Ok(t) => Ok((Cow::Borrowed(t), Encoding::Utf8)),
        Err(e) => {
            match encoding_rs::GB18030.decode_without_bom_handling_and_without_replacement(body) {
                Some(t) => Ok((t, Encoding::Gbk)),
                None => {
                    // The first line that GBK cannot read either.
                    let line = 1 + body
                        .split(|&c| c == b'\n')
                        .position(|l| {
                            encoding_rs::GB18030
                                .decode_without_bom_handling_and_without_replacement(l)
                                .is_none()
                        })
                        .unwrap_or(e.valid_up_to()) as u64;
                    Err(Error::input(
                        path,
                        Location::Line(line),
                        None,
                        "the line is neither valid UTF-8 nor GBK: save the CSV as UTF-8",
                    ))
                }
            }
        }
    }
}

/// Adds the `csv_encoding` warning when a file was not UTF-8 and had to be read as GBK.
pub fn warn_encoding(path: &Path, encoding: Encoding, warnings: &mut crate::warnings::Warnings) {
    if encoding == Encoding::Gbk {
        warnings.add(
            "csv_encoding",
            1,
            format!(
                "{}: not valid UTF-8, read as GBK (GB18030); check the names, or save the CSV as UTF-8",
                path.display()
            ),
        );
    }
}

/// [`fold_rows`], also returning the encoding the file was read in.
pub fn fold_rows_with_encoding<A: Send>(
    path: &Path,
    columns: &[&str],
    init: impl Fn() -> A + Sync,
    row: impl Fn(&mut A, u64, &[&str]) -> Result<()> + Sync,
) -> Result<(Vec<A>, Encoding)> {
    let bytes = std::fs::read(path).map_err(|e| Error::Io {
        path: path.to_owned(),
        err: e,
    })?;
    let (text, encoding) = decode(&bytes, path)?;
    let text: &str = &text;
    let body = text.as_bytes();
    let header_end = body.iter().position(|&b| b == b'\n').unwrap_or(body.len());
    let first_line = &body[..header_end];
    if first_line.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(Error::input(
            path,
            Location::File,
            None,
            "the CSV file is empty (no header line)",
        ));
    }
    let delim = [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|d| first_line.iter().filter(|b| *b == d).count())
        .unwrap_or(b',');
    let header_text = &text[..header_end];
    let names: Vec<String> = split_quoted(header_text.trim_end_matches('\r'), delim as char);
    let mut idx = Vec::with_capacity(columns.len());
    for c in columns {
        let i = names.iter().position(|n| n == c).ok_or_else(|| {
            Error::input(
                path,
                Location::Line(1),
                Some(c),
                format!(
                    "column '{c}' not found; the header has: {}",
                    names.join(", ")
                ),
            )
        })?;
        idx.push(i);
    }
    let width = names.len();

    if body.contains(&b'"') {
        let mut acc = init();
        let mut rdr = csv::ReaderBuilder::new()
            .delimiter(delim)
            .has_headers(true)
            .flexible(true)
            .from_reader(body);
        let mut rec = csv::ByteRecord::new();
        loop {
            let more = rdr.read_byte_record(&mut rec).map_err(|e| {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                Error::input(
                    path,
                    Location::Line(line),
                    None,
                    format!("malformed CSV: {e}"),
                )
            })?;
            if !more {
                break;
            }
            let line = rec.position().map(|p| p.line()).unwrap_or(0);
            if rec.len() != width {
                return Err(width_error(path, line, rec.len(), width));
            }
            let mut fields: Vec<&str> = Vec::with_capacity(idx.len());
            for (k, &i) in idx.iter().enumerate() {
                fields.push(utf8(rec.get(i).unwrap_or(b""), path, line, columns[k])?);
            }
            row(&mut acc, line, &fields)?;
        }
        return Ok((vec![acc], encoding));
    }

    // Quote-free: split the body after the header into chunks at line starts.
    let data_start = (header_end + 1).min(text.len());
    let data = &text[data_start..];
    let bytes = data.as_bytes();
    let n_chunks = if data.len() < 1 << 20 {
        1
    } else {
        (rayon::current_num_threads() * 4).max(1)
    };
    let mut bounds = vec![0usize];
    for k in 1..n_chunks {
        let mut p = data.len() * k / n_chunks;
        while p < data.len() && bytes[p - 1] != b'\n' {
            p += 1;
        }
        if p > *bounds.last().unwrap_or(&0) && p < data.len() {
            bounds.push(p);
        }
    }
    bounds.push(data.len());
    let chunks: Vec<(usize, usize)> = bounds.windows(2).map(|w| (w[0], w[1])).collect();
    // Line number of each chunk's first line: 2 + newlines before it.
    let first_lines: Vec<u64> = {
        let counts: Vec<u64> = chunks
            .par_iter()
            .map(|&(a, b)| bytes[a..b].iter().filter(|&&c| c == b'\n').count() as u64)
            .collect();
        let mut acc = 2u64;
        counts
            .iter()
            .map(|c| {
                let l = acc;
                acc += c;
                l
            })
            .collect()
    };
    chunks
        .par_iter()
        .zip(first_lines)
        .map(|(&(a, b), first)| {
            let mut acc = init();
            let mut fields: Vec<&str> = vec![""; idx.len()];
            // Field boundaries of the current line (byte offsets into `text`), found in one
            // pass over the chunk: the delimiter and newline are ASCII, so every boundary is
            // a character boundary.
            let mut cuts: Vec<usize> = Vec::with_capacity(width + 1);
            let mut line = first;
            let mut start = a;
            cuts.push(start);
            for p in a..=b {
                let c = if p < b { bytes[p] } else { b'\n' };
                if c == delim {
                    cuts.push(p + 1);
                    continue;
                }
                if c != b'\n' {
                    continue;
                }
                // The line is bytes[start..end] (a trailing \r dropped).
                let end = if p > start && bytes[p - 1] == b'\r' {
                    p - 1
                } else {
                    p
                };
                let n = cuts.len();
                if end > start || n > 1 {
                    if n != width {
                        return Err(width_error(path, line, n, width));
                    }
                    let field = |k: usize| {
                        let s = cuts[k];
                        let e = if k + 1 < n { cuts[k + 1] - 1 } else { end };
                        &data[s..e.max(s)]
                    };
                    for (k, &i) in idx.iter().enumerate() {
                        fields[k] = field(i);
                    }
                    row(&mut acc, line, &fields)?;
                }
                line += 1;
                start = p + 1;
                cuts.clear();
                cuts.push(start);
            }
            Ok(acc)
        })
        .collect::<Result<Vec<A>>>()
        .map(|a| (a, encoding))
}

fn utf8<'a>(b: &'a [u8], path: &Path, line: u64, col: &str) -> Result<&'a str> {
    std::str::from_utf8(b).map_err(|_| {
        Error::input(
            path,
            Location::Line(line),
            Some(col),
            "the field is neither UTF-8 nor GBK: save the CSV as UTF-8",
        )
    })
}

fn width_error(path: &Path, line: u64, got: usize, want: usize) -> Error {
    Error::input(
        path,
        Location::Line(line),
        None,
        format!("the line has {got} fields but the header has {want}"),
    )
}

/// Splits a header line, honouring simple double quotes.
fn split_quoted(s: &str, delim: char) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            c if c == delim && !quoted => out.push(std::mem::take(&mut cur).trim().to_owned()),
            c => cur.push(c),
        }
    }
    out.push(cur.trim().to_owned());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(text: &str, cols: &[&str]) -> Result<Vec<(u64, Vec<String>)>> {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t.csv");
        std::fs::write(&p, text).unwrap();
        let chunks = fold_rows(
            &p,
            cols,
            Vec::new,
            |acc: &mut Vec<(u64, Vec<String>)>, line, f| {
                acc.push((line, f.iter().map(|s| s.to_string()).collect()));
                Ok(())
            },
        )?;
        Ok(chunks.into_iter().flatten().collect())
    }

    #[test]
    fn bom_semicolon_and_line_numbers() {
        let r = rows("\u{feff}a;b;c\r\n1;2;3\r\n4;5;6\r\n", &["c", "a"]).unwrap();
        assert_eq!(
            r,
            vec![
                (2, vec!["3".into(), "1".into()]),
                (3, vec!["6".into(), "4".into()])
            ]
        );
    }

    #[test]
    fn quoted_fields_use_the_csv_parser_with_the_same_lines() {
        let r = rows("id,name\n1,\"a, b\"\n2,c\n", &["name"]).unwrap();
        assert_eq!(r, vec![(2, vec!["a, b".into()]), (3, vec!["c".into()])]);
    }

    #[test]
    fn missing_column_lists_the_header() {
        let e = rows("x,y\n1,2\n", &["lon"]).unwrap_err().to_string();
        assert!(
            e.contains("column 'lon' not found; the header has: x, y") && e.contains("line 1"),
            "{e}"
        );
    }

    #[test]
    fn short_line_is_an_error_with_its_number() {
        let e = rows("x,y\n1,2\n3\n", &["x"]).unwrap_err().to_string();
        assert!(e.contains("line 3") && e.contains("1 fields"), "{e}");
    }

    /// Large files go through the parallel chunked path: the same rows and line numbers as a
    /// plain sequential reading.
    #[test]
    fn chunked_path_keeps_order_and_line_numbers() {
        let mut text = String::from("id,v\n");
        for i in 0..200_000 {
            text.push_str(&format!("{i},{}\n", i * 3));
        }
        let r = rows(&text, &["v", "id"]).unwrap();
        assert_eq!(r.len(), 200_000);
        for (k, (line, f)) in r.iter().enumerate() {
            assert_eq!(*line, k as u64 + 2);
            assert_eq!(f[1], k.to_string());
            assert_eq!(f[0], (k * 3).to_string());
        }
    }

    /// Seeded random quote-free files (CRLF and LF, blank lines, empty fields, multi-byte text,
    /// a missing final newline; small and chunked sizes): the rows equal a plain
    /// `lines()`/`split` reading with its line numbers.
    #[test]
    fn quote_free_reader_equals_a_plain_split() {
        let mut seed = 7u64;
        let mut next = move |n: u64| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % n
        };
        for (case, n_rows) in [5usize, 40, 150_000].into_iter().enumerate() {
            let words = ["", "1.5", "街道", "x", "-3", "ab cd"];
            let mut text = String::from("a,b,c\n");
            for _ in 0..n_rows {
                if next(10) == 0 {
                    text.push_str(if next(2) == 0 { "\n" } else { "\r\n" });
                }
                let f: Vec<&str> = (0..3).map(|_| words[next(6) as usize]).collect();
                text.push_str(&f.join(","));
                text.push_str(if next(2) == 0 { "\n" } else { "\r\n" });
            }
            if case == 1 {
                text.pop();
                if text.ends_with('\r') {
                    text.pop();
                }
            }
            assert!(
                case < 2 || text.len() > 1 << 20,
                "the last case must be chunked"
            );
            let got = rows(&text, &["c", "a"]).unwrap();
            let want: Vec<(u64, Vec<String>)> = text
                .split('\n')
                .enumerate()
                .skip(1)
                .map(|(k, l)| (k as u64 + 1, l.strip_suffix('\r').unwrap_or(l)))
                .filter(|(_, l)| !l.is_empty())
                .map(|(k, l)| {
                    let p: Vec<&str> = l.split(',').collect();
                    (k, vec![p[2].to_string(), p[0].to_string()])
                })
                .collect();
            assert_eq!(got, want, "case {case}");
        }
    }
}
