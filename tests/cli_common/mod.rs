//! Shared helpers for the CLI integration tests: run `carecircle analyze` on a plan and read
//! the CSV outputs back.

#![allow(dead_code)]

use assert_cmd::Command;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The crate root (plans in `tests/plans` are relative to it).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `carecircle analyze PLAN --out OUT -q EXTRA…` and asserts it succeeds.
pub fn analyze_into(plan: &Path, out: &Path, extra: &[&str]) {
    Command::cargo_bin("carecircle")
        .unwrap()
        .args([
            "analyze",
            plan.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "-q",
        ])
        .args(extra)
        .assert()
        .success();
    check_outputs(out);
}

/// Every output in `out` parses with a strict reader: `.json`/`.geojson` with serde_json
/// (which refuses `NaN`, `Infinity` and bare `inf`), `.csv` with the csv crate (every record
/// as many fields as the header, UTF-8), `.xlsx` with calamine (every sheet read).
pub fn check_outputs(out: &Path) {
    use calamine::Reader;
    for e in std::fs::read_dir(out).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if name.ends_with(".json") || name.ends_with(".geojson") {
            let bytes = std::fs::read(&p).unwrap();
            if let Err(e) = serde_json::from_slice::<serde_json::Value>(&bytes) {
                panic!("{name} is not valid JSON: {e}");
            }
        } else if name.ends_with(".csv") {
            let mut r = csv::ReaderBuilder::new()
                .flexible(false)
                .from_path(&p)
                .unwrap();
            let n = r.headers().unwrap_or_else(|e| panic!("{name}: {e}")).len();
            for (i, rec) in r.records().enumerate() {
                let rec = rec.unwrap_or_else(|e| panic!("{name}, record {}: {e}", i + 1));
                assert_eq!(rec.len(), n, "{name}, record {}", i + 1);
            }
        } else if name.ends_with(".xlsx") {
            let mut wb = calamine::open_workbook_auto(&p)
                .unwrap_or_else(|e| panic!("{name} does not open: {e}"));
            for sheet in wb.sheet_names() {
                wb.worksheet_range(&sheet)
                    .unwrap_or_else(|e| panic!("{name}, sheet {sheet}: {e}"));
            }
        }
    }
}

/// Runs `analyze` on a plan given relative to the crate root; outputs in `<dir>/out`.
pub fn analyze(plan: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    analyze_into(&root().join(plan), &dir.path().join("out"), &[]);
    dir
}

/// A CSV output (UTF-8 with BOM) as one map of column → value per row.
pub fn rows(path: &Path) -> Vec<HashMap<String, String>> {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.starts_with('\u{feff}'), "UTF-8 BOM for Excel");
    let mut r = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let h: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    r.records()
        .map(|rec| {
            h.iter()
                .cloned()
                .zip(rec.unwrap().iter().map(String::from))
                .collect()
        })
        .collect()
}
