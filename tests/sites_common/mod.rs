//! Helpers of the `sites` integration tests (tests/sites.rs and tests/shared_data/sites.rs): the
//! CLI runner, CSV reading, and the independent re-analysis of chosen sites.

#![allow(dead_code)]

use assert_cmd::Command;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub fn plan(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/plans")
        .join(name)
}

pub fn carecircle(args: &[&str]) -> std::process::Output {
    let mut cmd = Command::cargo_bin("carecircle").expect("the carecircle binary");
    cmd.args(args);
    let t = std::time::Instant::now();
    let o = cmd.output().expect("running carecircle");
    eprintln!(
        "carecircle {}: {:.2} s",
        args.join(" "),
        t.elapsed().as_secs_f64()
    );
    o
}

pub fn ok(args: &[&str]) {
    let o = carecircle(args);
    assert!(
        o.status.success(),
        "carecircle {} failed ({:?}):\n{}",
        args.join(" "),
        o.status.code(),
        String::from_utf8_lossy(&o.stderr)
    );
}

pub fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// A CSV written by carecircle (UTF-8 with BOM) as header → column, rows.
pub fn read_csv(path: &Path) -> (Vec<String>, Vec<BTreeMap<String, String>>) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").expect("a BOM");
    let mut r = csv::Reader::from_reader(body);
    let header: Vec<String> = r
        .headers()
        .expect("header")
        .iter()
        .map(String::from)
        .collect();
    let rows = r
        .records()
        .map(|rec| {
            let rec = rec.expect("a record");
            header
                .iter()
                .cloned()
                .zip(rec.iter().map(String::from))
                .collect()
        })
        .collect();
    (header, rows)
}

pub fn num(row: &BTreeMap<String, String>, k: &str) -> f64 {
    row[k]
        .parse()
        .unwrap_or_else(|_| panic!("column {k} = {:?} is not a number", row[k]))
}

pub fn json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).expect("a JSON file")).expect("valid JSON")
}

/// The chosen sites as ordinary facilities: `analyze` must reproduce `areas_after.csv`.
/// The independent check of a `sites` run in `out`: the chosen sites, added to `plan` as a
/// facility source of `kind`, make `analyze` reproduce `areas_after.csv` for that service.
pub fn assert_sites_reanalysed_reproduce_areas_after(
    dir: &Path,
    plan: &Path,
    out: &Path,
    kind: &str,
) {
    let (_, sites) = read_csv(&out.join("sites.csv"));
    let mut csv = String::from("id,lon,lat\n");
    for r in &sites {
        csv.push_str(&format!("new{},{},{}\n", r["rank"], r["lon"], r["lat"]));
    }
    let fac = dir.join("new_sites.csv");
    std::fs::write(&fac, csv).unwrap();
    // The plan with absolute paths plus the new sites as a facility source.
    let text = with_absolute_paths(plan);
    let text = format!(
        "{text}\n[[facilities]]\npath = {:?}\nlon = \"lon\"\nlat = \"lat\"\nid = \"id\"\nkind_value = {kind:?}\n",
        s(&fac)
    );
    let p2 = dir.join("with_sites.toml");
    std::fs::write(&p2, text).unwrap();
    let out2 = dir.join("out2");
    ok(&["analyze", s(&p2), "--out", s(&out2), "-q"]);
    let (_, want) = read_csv(&out.join("areas_after.csv"));
    let (_, got) = read_csv(&out2.join("areas.csv"));
    let pick = |rows: &[BTreeMap<String, String>]| -> Vec<BTreeMap<String, String>> {
        rows.iter().filter(|r| r["kind"] == kind).cloned().collect()
    };
    assert_eq!(pick(&got), pick(&want));
}

/// With a walking network, reach is judged on foot: the sites' newly covered population equals
/// the growth of `network_covered_population`, and the chosen sites added to the plan as
/// facilities make `analyze` reproduce `areas_after.csv` (walking and straight-line columns).
pub fn sites_on_foot_reproduce_areas_after(plan_name: &str, kind: &str, n: usize) {
    let add = n.to_string();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let p = plan(plan_name);
    ok(&["analyze", s(&p), "--out", s(&out), "-q"]);
    ok(&[
        "sites",
        s(&p),
        "--kind",
        kind,
        "--add",
        &add,
        "--out",
        s(&out),
        "-q",
    ]);
    let (_, sites) = read_csv(&out.join("sites.csv"));
    assert_eq!(sites.len(), n);
    let new: f64 = sites.iter().map(|r| num(r, "new_covered_population")).sum();
    let walk = |rows: &[BTreeMap<String, String>]| -> f64 {
        rows.iter()
            .filter(|r| r["kind"] == kind)
            .map(|r| num(r, "network_covered_population"))
            .sum()
    };
    let (_, before) = read_csv(&out.join("areas.csv"));
    let (_, after) = read_csv(&out.join("areas_after.csv"));
    assert!(new > 0.0);
    assert!(
        (walk(&after) - walk(&before) - new).abs() < 0.01,
        "{new} vs {}",
        walk(&after) - walk(&before)
    );
    assert_sites_reanalysed_reproduce_areas_after(dir.path(), &p, &out, kind);
}

/// The plan's text with every `path = "…"` made absolute (relative to the plan's folder), so
/// the plan can be written anywhere.
pub fn with_absolute_paths(plan: &Path) -> String {
    let base = plan.parent().unwrap();
    std::fs::read_to_string(plan)
        .unwrap()
        .lines()
        .map(|l| match l.strip_prefix("path = \"") {
            Some(rest) => {
                let end = rest.find('"').unwrap();
                format!(
                    "path = {:?}{}",
                    s(&base.join(&rest[..end])),
                    &rest[end + 1..]
                )
            }
            None => l.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}
