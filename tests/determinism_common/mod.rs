//! Runs a plan with `--threads 1` and other thread counts and compares every output byte for
//! byte (summary.json without its timings and thread count): tests/determinism.rs and
//! tests/shared_data/determinism.rs.

#![allow(dead_code)]

use assert_cmd::Command;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub fn plan(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/plans")
        .join(name)
}

/// Runs `analyze PLAN --out DIR --cells -q [--threads N]`; returns the written files by name.
pub fn run(plan: &Path, out: &Path, threads: Option<usize>) -> BTreeMap<String, Vec<u8>> {
    let mut cmd = Command::cargo_bin("carecircle").expect("the carecircle binary");
    cmd.arg("analyze")
        .arg(plan)
        .arg("--out")
        .arg(out)
        .arg("--cells")
        .arg("-q");
    if let Some(n) = threads {
        cmd.arg("--threads").arg(n.to_string());
    }
    let t = std::time::Instant::now();
    let o = cmd.output().expect("running carecircle");
    eprintln!(
        "{} with threads {:?}: {:.2} s",
        plan.display(),
        threads,
        t.elapsed().as_secs_f64()
    );
    assert!(
        o.status.success(),
        "{} failed ({:?}):\n{}",
        plan.display(),
        o.status.code(),
        String::from_utf8_lossy(&o.stderr)
    );
    std::fs::read_dir(out)
        .expect("the output folder")
        .map(|e| e.expect("a directory entry"))
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).expect("an output file"),
            )
        })
        .collect()
}

/// `summary.json` without what legitimately differs between runs.
pub fn normalized_summary(bytes: &[u8]) -> serde_json::Value {
    let mut v: serde_json::Value = serde_json::from_slice(bytes).expect("summary.json is JSON");
    let o = v.as_object_mut().expect("summary.json is an object");
    assert!(
        o.remove("timings_s").is_some(),
        "summary.json has timings_s"
    );
    let settings = o
        .get_mut("settings")
        .and_then(|s| s.as_object_mut())
        .expect("summary.json has settings");
    assert!(
        settings.remove("threads").is_some(),
        "summary.json has settings.threads"
    );
    v
}

pub fn first_difference(a: &[u8], b: &[u8]) -> String {
    let i = a
        .iter()
        .zip(b)
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()));
    let line = a[..i].iter().filter(|&&c| c == b'\n').count() + 1;
    let show = |s: &[u8]| {
        let from = s[..i.min(s.len())]
            .iter()
            .rposition(|&c| c == b'\n')
            .map(|p| p + 1)
            .unwrap_or(0);
        let to = s[i.min(s.len())..]
            .iter()
            .position(|&c| c == b'\n')
            .map(|p| i + p)
            .unwrap_or(s.len());
        String::from_utf8_lossy(&s[from..to]).into_owned()
    };
    format!(
        "sizes {} and {}, first difference at byte {i} (line {line}):\n  {}\n  {}",
        a.len(),
        b.len(),
        show(a),
        show(b)
    )
}

/// Compares the `--threads 1` run with the default run and with one run per `more` setting.
pub fn check(plan_name: &str, more: &[usize]) {
    let plan = plan(plan_name);
    assert!(plan.is_file(), "missing {}", plan.display());
    let dir = tempfile::tempdir().expect("temp dir");
    let one = run(&plan, &dir.path().join("threads1"), Some(1));
    let default = run(&plan, &dir.path().join("default"), None);
    compare(plan_name, "the default", &one, &default);
    for &n in more {
        let other = run(&plan, &dir.path().join(format!("threads{n}")), Some(n));
        compare(plan_name, &format!("--threads {n}"), &one, &other);
    }
}

pub fn compare(
    plan_name: &str,
    label: &str,
    one: &BTreeMap<String, Vec<u8>>,
    many: &BTreeMap<String, Vec<u8>>,
) {
    assert_eq!(
        one.keys().collect::<Vec<_>>(),
        many.keys().collect::<Vec<_>>(),
        "{plan_name}: --threads 1 and {label} wrote different files"
    );
    for expected in [
        "areas.csv",
        "areas.geojson",
        "uncovered.geojson",
        "circles.geojson",
        "summary.json",
        "report.md",
        "cells.csv",
    ] {
        assert!(one.contains_key(expected), "{plan_name}: no {expected}");
    }
    for (name, a) in one {
        let b = &many[name];
        if name == "summary.json" {
            let (sa, sb) = (normalized_summary(a), normalized_summary(b));
            assert!(
                sa == sb,
                "{plan_name}: summary.json of --threads 1 and {label} differs beyond timings and threads:\n{}",
                first_difference(
                    serde_json::to_string_pretty(&sa).unwrap().as_bytes(),
                    serde_json::to_string_pretty(&sb).unwrap().as_bytes()
                )
            );
        } else {
            assert!(
                a == b,
                "{plan_name}: {name} differs between --threads 1 and {label}: {}",
                first_difference(a, b)
            );
        }
    }
}
