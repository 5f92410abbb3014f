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
