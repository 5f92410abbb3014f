//! Writes `tests/fixtures/seed_passages/<document stem>.txt`: the passages of the planning documents
//! that the built-in presets quote, so the default quote test needs no copy of the documents.
//!
//! Each passage is a window of the document as `standards::normalise_document` leaves it
//! (whitespace and footnote markers removed) around every quoted phrase and every unit name not
//! marked inferred, 40 characters either side, never across a footnote boundary; overlapping
//! windows are merged. One passage per line. The shared-data tests check that every passage
//! occurs in its document, and the default tests that every quote occurs in a passage.
//!
//! Usage: `cargo run --example seed_passages -- ../shared` (the folder holding `seeds/` and
//! `DOMAIN.md`).

use carecircle::standards::{self, normalise_document, normalise_quote};
use std::collections::BTreeMap;
use std::path::Path;

const CONTEXT: usize = 40;

fn main() {
    let shared = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "../shared".to_owned());
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/seed_passages");
    std::fs::create_dir_all(&out).unwrap();
    // Phrases per source document.
    let mut phrases: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    // Presets without a source text (the national standards) quote nothing.
    for p in standards::list() {
        let Some(source) = p.source_text.as_deref() else {
            continue;
        };
        let v = phrases.entry(source).or_default();
        for r in &p.rules {
            v.extend(r.quote.iter().map(String::as_str));
            for z in &r.zones {
                v.extend(z.quote.iter().map(String::as_str));
            }
        }
        for u in &p.units {
            v.extend(u.quote.as_deref());
            if !u.inferred.iter().any(|f| f == "name") {
                v.push(&u.name);
            }
        }
        v.extend(p.tiers.iter().filter_map(|t| t.quote.as_deref()));
    }
    for (source, list) in phrases {
        let path = Path::new(&shared).join(source);
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let doc: Vec<char> = normalise_document(&text).chars().collect();
        // Windows in character positions, clipped at footnote boundaries (U+0001).
        let mut windows: Vec<(usize, usize)> = Vec::new();
        for q in list {
            let q: Vec<char> = normalise_quote(q).chars().collect();
            if q.is_empty() {
                continue;
            }
            for i in 0..doc.len().saturating_sub(q.len() - 1) {
                if doc[i..i + q.len()] == q[..] {
                    let mut s = i.saturating_sub(CONTEXT);
                    let mut e = (i + q.len() + CONTEXT).min(doc.len());
                    if let Some(b) = doc[s..i].iter().rposition(|&c| c == '\u{1}') {
                        s += b + 1;
                    }
                    if let Some(b) = doc[i + q.len()..e].iter().position(|&c| c == '\u{1}') {
                        e = i + q.len() + b;
                    }
                    windows.push((s, e));
                }
            }
        }
        windows.sort();
        let mut merged: Vec<(usize, usize)> = Vec::new();
        for (s, e) in windows {
            match merged.last_mut() {
                // Overlapping windows hold no boundary, so neither does their union.
                Some(last) if s <= last.1 => last.1 = last.1.max(e),
                _ => merged.push((s, e)),
            }
        }
        let name = Path::new(source).file_stem().unwrap().to_string_lossy();
        let mut text = format!(
            "# Passages of {source} quoted by the built-in presets, normalised (whitespace and footnote\n# markers removed); written by examples/seed_passages.rs. One passage per line.\n"
        );
        for (s, e) in merged {
            text.extend(&doc[s..e]);
            text.push('\n');
        }
        std::fs::write(out.join(format!("{name}.txt")), text).unwrap();
    }
}
