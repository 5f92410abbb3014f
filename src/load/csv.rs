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
pub fn decode<'a>(bytes: &'a [u8], path: &Path) -> Result<(Cow<'a, str>, Encoding)> {
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

/// Files at least this large (and plain UTF-8 without quotes, as machine-written grids are) are
/// read range by range by the worker threads instead of into one buffer first: each thread
/// reads a line-aligned range into a buffer it reuses, so the file is never held whole (on
/// Wuhan's 20 MB grid, reading it whole was a fifth of the load stage, mostly page faults).
const STREAM_MIN: u64 = 4 << 20;

/// [`fold_rows`], also returning the encoding the file was read in.
pub fn fold_rows_with_encoding<A: Send>(
    path: &Path,
    columns: &[&str],
    init: impl Fn() -> A + Sync,
    row: impl Fn(&mut A, u64, &[&str]) -> Result<()> + Sync,
) -> Result<(Vec<A>, Encoding)> {
    let io = |e| Error::Io {
        path: path.to_owned(),
        err: e,
    };
    #[cfg(unix)]
    if std::fs::metadata(path).map_err(io)?.len() >= STREAM_MIN {
        if let Some(a) = ranges::fold(path, columns, &init, &row, 1 << 20, 1 << 12)? {
            return Ok((a, Encoding::Utf8));
        }
    }
    let bytes = std::fs::read(path).map_err(io)?;
    let (text, encoding) = decode(&bytes, path)?;
    fold_text(&text, path, columns, &init, &row).map(|a| (a, encoding))
}

/// The header: the delimiter (sniffed), the requested columns' positions, the field count.
struct Header {
    delim: u8,
    idx: Vec<usize>,
    width: usize,
}

/// Reads the header line (without its newline); an error lists the header when a requested
/// column is missing.
fn header(first_line: &str, path: &Path, columns: &[&str]) -> Result<Header> {
    if first_line.bytes().all(|b| b.is_ascii_whitespace()) {
        return Err(Error::input(
            path,
            Location::File,
            None,
            "the CSV file is empty (no header line)",
        ));
    }
    if first_line.trim_end_matches('\r').contains('\r') {
        return Err(Error::input(
            path,
            Location::Line(1),
            None,
            "the header line holds a carriage return (CR) before its end: the file has CR-only (old Mac) line endings; save it with LF or CRLF line endings",
        ));
    }
    let delim = [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|d| first_line.bytes().filter(|b| b == d).count())
        .unwrap_or(b',');
    let names: Vec<String> = split_quoted(first_line.trim_end_matches('\r'), delim as char);
    let mut idx = Vec::with_capacity(columns.len());
    for c in columns {
        let i = names.iter().position(|n| n == c).ok_or_else(|| {
            Error::input(
                path,
                Location::Line(1),
                Some(c),
                format!(
                    "column '{c}' not found; the header has: {}",
                    super::quote(&names.join(", "))
                ),
            )
        })?;
        idx.push(i);
    }
    Ok(Header {
        delim,
        idx,
        width: names.len(),
    })
}

/// Folds a whole decoded text (header included): through the `csv` crate when it has quotes,
/// else split into line chunks parsed in parallel.
fn fold_text<A: Send>(
    text: &str,
    path: &Path,
    columns: &[&str],
    init: &(impl Fn() -> A + Sync),
    row: &(impl Fn(&mut A, u64, &[&str]) -> Result<()> + Sync),
) -> Result<Vec<A>> {
    let body = text.as_bytes();
    let header_end = body.iter().position(|&b| b == b'\n').unwrap_or(body.len());
    let h = header(&text[..header_end], path, columns)?;

    if body.contains(&b'"') {
        let mut acc = init();
        let mut rdr = csv::ReaderBuilder::new()
            .delimiter(h.delim)
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
            if rec.len() != h.width {
                return Err(width_error(path, line, rec.len(), h.width));
            }
            let mut fields: Vec<&str> = Vec::with_capacity(h.idx.len());
            for (k, &i) in h.idx.iter().enumerate() {
                fields.push(utf8(rec.get(i).unwrap_or(b""), path, line, columns[k])?);
            }
            row(&mut acc, line, &fields)?;
        }
        return Ok(vec![acc]);
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
    let chunks: Vec<&str> = bounds.windows(2).map(|w| &data[w[0]..w[1]]).collect();
    // Line number of each chunk's first line: 2 + newlines before it.
    let counts: Vec<u64> = chunks.par_iter().map(|c| newlines(c.as_bytes())).collect();
    let first_lines = first_lines(&counts);
    first_error(
        chunks
            .par_iter()
            .zip(first_lines)
            .map(|(c, first)| parse_lines(c, first, &h, path, init, row))
            .collect(),
    )
}

fn newlines(b: &[u8]) -> u64 {
    b.iter().filter(|&&c| c == b'\n').count() as u64
}

/// The line number of each chunk's first line (the header is line 1), from the chunks' newline
/// counts.
fn first_lines(counts: &[u64]) -> Vec<u64> {
    let mut acc = 2u64;
    counts
        .iter()
        .map(|c| {
            let l = acc;
            acc += c;
            l
        })
        .collect()
}

/// The chunks' results in order, or the first error in file order (the same for any thread
/// count).
fn first_error<A>(results: Vec<Result<A>>) -> Result<Vec<A>> {
    results.into_iter().collect()
}

/// Parses whole quote-free lines (`text` may end without a newline) whose first line has number
/// `first`; empty lines are skipped (they still count).
fn parse_lines<A>(
    text: &str,
    first: u64,
    h: &Header,
    path: &Path,
    init: &impl Fn() -> A,
    row: &impl Fn(&mut A, u64, &[&str]) -> Result<()>,
) -> Result<A> {
    let bytes = text.as_bytes();
    let (delim, width) = (h.delim, h.width);
    let mut acc = init();
    let mut fields: Vec<&str> = vec![""; h.idx.len()];
    // Field boundaries of the current line (byte offsets into `text`), found in one pass over
    // the chunk: the delimiter and newline are ASCII, so every boundary is a character boundary.
    let mut cuts: Vec<usize> = Vec::with_capacity(width + 1);
    let mut line = first;
    let mut start = 0;
    cuts.push(start);
    let b = bytes.len();
    // The delimiters and newlines, then a final newline at the end of the text.
    for p in Separators::new(bytes, delim).chain(std::iter::once(b)) {
        if p < b && bytes[p] == delim {
            cuts.push(p + 1);
            continue;
        }
        if p == b && p == start {
            break; // the text ended with its newline
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
                &text[s..e.max(s)]
            };
            for (k, &i) in h.idx.iter().enumerate() {
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
}

/// The positions of the bytes equal to a delimiter or `\n`, ascending, found eight bytes at a
/// time: a byte of a word is zero after XOR with the byte repeated exactly when it matched.
struct Separators<'a> {
    bytes: &'a [u8],
    delim: u64,
    /// Offset of the next word to load.
    next: usize,
    /// Offset of the word `mask` belongs to, and its matches (the high bit of each matching
    /// byte).
    base: usize,
    mask: u64,
}

impl<'a> Separators<'a> {
    const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    const NL: u64 = 0x0A0A_0A0A_0A0A_0A0A;

    fn new(bytes: &'a [u8], delim: u8) -> Separators<'a> {
        Separators {
            bytes,
            delim: u64::from_ne_bytes([delim; 8]),
            next: 0,
            base: 0,
            mask: 0,
        }
    }

    /// The high bit of every zero byte of `x`, and no other bit (no carries between bytes).
    #[inline]
    fn zero_bytes(x: u64) -> u64 {
        !(((x & Self::LOW7).wrapping_add(Self::LOW7)) | x | Self::LOW7)
    }
}

impl Iterator for Separators<'_> {
    type Item = usize;

    #[inline]
    fn next(&mut self) -> Option<usize> {
        while self.mask == 0 {
            let rest = &self.bytes[self.next..];
            if let Some(w) = rest.first_chunk::<8>() {
                let w = u64::from_le_bytes(*w);
                self.base = self.next;
                self.next += 8;
                self.mask = Self::zero_bytes(w ^ self.delim) | Self::zero_bytes(w ^ Self::NL);
            } else {
                // Fewer than eight bytes left: one at a time.
                let k = rest
                    .iter()
                    .position(|&c| c == b'\n' || u64::from(c) == self.delim & 0xFF)?;
                let p = self.next + k;
                self.next = p + 1;
                return Some(p);
            }
        }
        // Little-endian: the lowest set bit is the earliest byte.
        let p = self.base + (self.mask.trailing_zeros() / 8) as usize;
        self.mask &= self.mask - 1;
        Some(p)
    }
}

/// Reading a large file by line-aligned byte ranges (see [`STREAM_MIN`]).
#[cfg(unix)]
mod ranges {
    use super::*;
    use std::fs::File;
    use std::os::unix::fs::FileExt;

    /// Appends up to `n` bytes read at `off` to `buf` (fewer only at the end of the file).
    fn read_at(f: &File, buf: &mut Vec<u8>, off: u64, n: usize) -> std::io::Result<usize> {
        let start = buf.len();
        buf.resize(start + n, 0);
        let mut got = 0;
        while got < n {
            match f.read_at(&mut buf[start + got..], off + got as u64) {
                Ok(0) => break,
                Ok(k) => got += k,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    buf.truncate(start);
                    return Err(e);
                }
            }
        }
        buf.truncate(start + got);
        Ok(got)
    }

    /// The first line start at or after `p` (`len` when none): the offset after the first
    /// newline at or after `p − 1`, read in windows of `window` bytes.
    fn line_start(f: &File, p: u64, len: u64, window: usize) -> std::io::Result<u64> {
        let mut off = p - 1;
        let mut buf = Vec::with_capacity(window);
        while off < len {
            buf.clear();
            let got = read_at(f, &mut buf, off, window)?;
            if let Some(i) = buf.iter().position(|&c| c == b'\n') {
                return Ok(off + i as u64 + 1);
            }
            if got == 0 {
                break;
            }
            off += got as u64;
        }
        Ok(len)
    }

    /// Folds the file's rows range by range: ranges of about `range` bytes, cut at line starts
    /// found by reading `window` bytes at a time. Returns `None` (read the file whole instead)
    /// when it is not plain UTF-8 without quotes: a UTF-16 byte-order mark, a quote character,
    /// or bytes that are not UTF-8.
    pub(super) fn fold<A: Send>(
        path: &Path,
        columns: &[&str],
        init: &(impl Fn() -> A + Sync),
        row: &(impl Fn(&mut A, u64, &[&str]) -> Result<()> + Sync),
        range: u64,
        window: usize,
    ) -> Result<Option<Vec<A>>> {
        let io = |e| Error::Io {
            path: path.to_owned(),
            err: e,
        };
        let f = File::open(path).map_err(io)?;
        let len = f.metadata().map_err(io)?.len();
        // The header line.
        let mut head = Vec::new();
        let header_end = loop {
            let off = head.len() as u64;
            let got = read_at(&f, &mut head, off, window).map_err(io)?;
            if let Some(i) = head.iter().position(|&c| c == b'\n') {
                break i;
            }
            if got == 0 {
                return Ok(None);
            }
        };
        if head.starts_with(b"\xFF\xFE") || head.starts_with(b"\xFE\xFF") {
            return Ok(None);
        }
        let bom = if head.starts_with(b"\xEF\xBB\xBF") {
            3
        } else {
            0
        };
        let first_line = &head[bom..header_end];
        let Ok(first_line) = std::str::from_utf8(first_line) else {
            return Ok(None);
        };
        if first_line.contains('"') {
            return Ok(None);
        }
        let h = header(first_line, path, columns)?;
        // Line-aligned ranges of the data after the header.
        let data_start = header_end as u64 + 1;
        let mut bounds = vec![data_start];
        let mut p = data_start + range;
        while p < len {
            let q = line_start(&f, p, len, window).map_err(io)?;
            if q >= len {
                break;
            }
            bounds.push(q);
            p = q + range;
        }
        bounds.push(len);
        let spans: Vec<(u64, usize)> = bounds
            .windows(2)
            .filter(|w| w[1] > w[0])
            .map(|w| (w[0], (w[1] - w[0]) as usize))
            .collect();
        let changed = || {
            io(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "the file changed while it was read",
            ))
        };
        // Pass 1: newlines per range (for line numbers) and quotes.
        let scans: Vec<Result<(u64, bool)>> = spans
            .par_iter()
            .map_init(Vec::new, |buf, &(off, n)| {
                buf.clear();
                if read_at(&f, buf, off, n).map_err(io)? != n {
                    return Err(changed());
                }
                Ok((newlines(buf), buf.contains(&b'"')))
            })
            .collect();
        let scans = first_error(scans)?;
        if scans.iter().any(|s| s.1) {
            return Ok(None);
        }
        let counts: Vec<u64> = scans.iter().map(|s| s.0).collect();
        // Pass 2: each range read again (the buffers are reused, so nothing is faulted in
        // afresh), checked as UTF-8 and parsed.
        let parsed: Vec<Result<Option<A>>> = spans
            .par_iter()
            .zip(first_lines(&counts))
            .map_init(Vec::new, |buf, (&(off, n), first)| {
                buf.clear();
                if read_at(&f, buf, off, n).map_err(io)? != n {
                    return Err(changed());
                }
                match std::str::from_utf8(buf) {
                    Ok(text) => parse_lines(text, first, &h, path, init, row).map(Some),
                    Err(_) => Ok(None),
                }
            })
            .collect();
        // In file order: bytes that are not UTF-8 send the whole file to the decoder (GBK)
        // before any later error counts.
        let mut out = Vec::with_capacity(parsed.len());
        for r in parsed {
            match r? {
                Some(a) => out.push(a),
                None => return Ok(None),
            }
        }
        Ok(Some(out))
    }
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

    /// A seeded linear congruential generator: its successive states.
    fn lcg(mut seed: u64) -> impl FnMut() -> u64 {
        move || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            seed
        }
    }

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
        let mut rng = lcg(7u64);
        let mut next = move |n: u64| (rng() >> 33) % n;
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

    type Rows = Vec<(u64, Vec<String>)>;

    /// Rows of `text` read range by range (`range` bytes, `window`-byte look-ups for line
    /// starts), `None` when the reader hands the file to the whole-file path.
    #[cfg(unix)]
    fn range_rows(text: &[u8], cols: &[&str], range: u64, window: usize) -> Result<Option<Rows>> {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t.csv");
        std::fs::write(&p, text).unwrap();
        let init = Vec::new;
        let row = |acc: &mut Rows, line: u64, f: &[&str]| {
            acc.push((line, f.iter().map(|s| s.to_string()).collect()));
            Ok(())
        };
        Ok(ranges::fold(&p, cols, &init, &row, range, window)?
            .map(|c| c.into_iter().flatten().collect()))
    }

    /// Seeded random quote-free files read by ranges of every size from a few bytes up (lines
    /// cut anywhere, windows shorter than a line): the same rows and line numbers as the
    /// whole-file reader, and the same first error.
    #[cfg(unix)]
    #[test]
    fn ranges_equal_the_whole_file_reader() {
        let mut rng = lcg(11u64);
        let mut next = move |n: u64| (rng() >> 33) % n;
        let words = ["", "1.5", "街道", "x", "-3", "ab cd", "114.283333"];
        for case in 0..40 {
            let mut text = String::from(if case % 3 == 0 {
                "\u{feff}a,b,c"
            } else {
                "a,b,c"
            });
            text.push_str(if case % 2 == 0 { "\n" } else { "\r\n" });
            for _ in 0..(5 + next(300)) {
                if next(8) == 0 {
                    text.push_str(if next(2) == 0 { "\n" } else { "\r\n" });
                }
                let f: Vec<&str> = (0..3).map(|_| words[next(7) as usize]).collect();
                text.push_str(&f.join(","));
                text.push_str(if next(2) == 0 { "\n" } else { "\r\n" });
            }
            if case % 5 == 1 {
                text.truncate(text.trim_end().len());
            }
            if case % 7 == 3 {
                // A short line somewhere: both readers report it, at the same line.
                let half = text.len() / 2;
                let at = text.as_bytes()[..half]
                    .iter()
                    .rposition(|&b| b == b'\n')
                    .unwrap()
                    + 1;
                text.insert_str(at, "1,2\n");
            }
            // Errors compared without the temporary folder's name.
            let msg = |e: Error| {
                e.to_string()
                    .split("t.csv")
                    .nth(1)
                    .unwrap_or("")
                    .to_string()
            };
            let want = rows(&text, &["c", "a"]).map_err(msg);
            for (range, window) in [(1, 1), (3, 2), (17, 5), (64, 4096), (1 << 20, 4096)] {
                let got = range_rows(text.as_bytes(), &["c", "a"], range, window)
                    .map(|r| r.expect("plain UTF-8 without quotes is read by ranges"))
                    .map_err(msg);
                assert_eq!(got, want, "case {case}, range {range}, window {window}");
            }
        }
    }

    /// Files the range reader hands back to the whole-file reader: quotes (in the header or
    /// the data), bytes that are not UTF-8 (GBK), a UTF-16 byte-order mark, no newline at all.
    #[cfg(unix)]
    #[test]
    fn ranges_hand_back_what_needs_the_whole_file() {
        let gbk = encoding_rs::GBK.encode("a,b\n1,江汉\n").0.into_owned();
        let mut utf16 = vec![0xFF, 0xFE];
        for u in "a,b\n1,2\n".encode_utf16() {
            utf16.extend(u.to_le_bytes());
        }
        for text in [
            b"a,b\n1,\"x\"\n2,3\n".to_vec(),
            b"\"a\",b\n1,2\n".to_vec(),
            gbk,
            utf16,
            b"a,b".to_vec(),
        ] {
            assert!(
                range_rows(&text, &["a"], 3, 2).unwrap().is_none(),
                "{text:?}"
            );
        }
        // A missing column is the same error either way.
        let e = range_rows(b"x,y\n1,2\n", &["lon"], 3, 2)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("column 'lon' not found; the header has: x, y"),
            "{e}"
        );
    }

    /// The word-at-a-time separator search finds exactly the delimiters and newlines, on
    /// seeded random bytes (all 256 values, every length up to a few words) and each delimiter.
    #[test]
    fn separators_match_a_byte_scan() {
        let mut rng = lcg(5);
        for case in 0..3000 {
            let seed = rng();
            let len = (seed >> 40) as usize % 40;
            let bytes: Vec<u8> = (0..len)
                .map(|k| {
                    let x = seed.rotate_left(k as u32 * 7) ^ (k as u64 * 0x9E37_79B9);
                    // Mostly separators and their neighbours in value, some of everything.
                    match x % 4 {
                        0 => b",;\t\n\x0B\x09\x2D\x8A"[(x >> 8) as usize % 8],
                        _ => (x >> 16) as u8,
                    }
                })
                .collect();
            let delim = [b',', b';', b'\t'][case % 3];
            let got: Vec<usize> = Separators::new(&bytes, delim).collect();
            let want: Vec<usize> = (0..len)
                .filter(|&p| bytes[p] == delim || bytes[p] == b'\n')
                .collect();
            assert_eq!(got, want, "{bytes:?} {delim}");
        }
    }
}
