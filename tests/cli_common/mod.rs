//! Shared helpers for the CLI integration tests: run `carecircle analyze` on a plan and read
//! the CSV outputs back.

#![allow(dead_code)]

use assert_cmd::Command;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// The crate root (plans in `tests/plans` are relative to it).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `carecircle analyze PLAN --out OUT -q EXTRA…` and asserts it succeeds.
pub fn analyze_into(plan: &Path, out: &Path, extra: &[&str]) {
    keep_plan(plan);
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

/// With `CARECIRCLE_KEEP_TEST_PLANS=DIR`, a copy of the plan's folder (every file, with the
/// folder's path in the plan rewritten) goes to a new subfolder of DIR, so that
/// scripts/compare_outputs.py can run the plans the tests build (`--plans-dir DIR`). Without the
/// variable this does nothing.
pub fn keep_plan(plan: &Path) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let Some(keep) = std::env::var_os("CARECIRCLE_KEEP_TEST_PLANS") else {
        return;
    };
    let src = plan.parent().unwrap();
    let name = format!(
        "{}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst),
        plan.file_stem().unwrap().to_string_lossy()
    );
    let dst = Path::new(&keep).join(name);
    std::fs::create_dir_all(&dst).unwrap();
    for e in std::fs::read_dir(src).unwrap() {
        let p = e.unwrap().path();
        if p.is_file() && (p.extension().is_none_or(|x| x != "toml") || p == plan) {
            std::fs::copy(&p, dst.join(p.file_name().unwrap())).unwrap();
        }
    }
    let text = std::fs::read_to_string(plan).unwrap();
    let text = text.replace(src.to_str().unwrap(), dst.to_str().unwrap());
    std::fs::write(dst.join(plan.file_name().unwrap()), text).unwrap();
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

pub fn json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// Per service: (sum of population, sum of covered_population, blank units).
pub fn totals(rows: &[HashMap<String, String>]) -> HashMap<String, (f64, f64, usize)> {
    let mut t: HashMap<String, (f64, f64, usize)> = HashMap::new();
    for r in rows {
        let e = t.entry(r["kind"].clone()).or_default();
        e.0 += r["population"].parse::<f64>().unwrap();
        e.1 += r["covered_population"].parse::<f64>().unwrap();
        e.2 += (r["blank"] == "true") as usize;
    }
    t
}

pub fn close(a: f64, b: f64) {
    assert!((a - b).abs() < 0.01, "{a} vs {b}");
}

/// The blank-spot layer holds exactly the uncovered populated cells of every area: per service
/// its population sums to Σ (population − covered) over areas.csv, and every polygon is closed.
pub fn blank_spots_match_areas(dir: &Path, rows: &[HashMap<String, String>]) {
    let spots = json(&dir.join("out/uncovered.geojson"));
    let mut by_kind: HashMap<String, f64> = HashMap::new();
    for f in spots["features"].as_array().unwrap() {
        *by_kind
            .entry(f["properties"]["kind"].as_str().unwrap().to_string())
            .or_default() += f["properties"]["population"].as_f64().unwrap();
        let g = &f["geometry"];
        let polys: Vec<&serde_json::Value> = match g["type"].as_str().unwrap() {
            "Polygon" => vec![&g["coordinates"]],
            "MultiPolygon" => g["coordinates"].as_array().unwrap().iter().collect(),
            t => panic!("unexpected {t}"),
        };
        for ring in polys.iter().flat_map(|p| p.as_array().unwrap()) {
            let r = ring.as_array().unwrap();
            assert!(r.len() >= 4 && r[0] == r[r.len() - 1], "closed ring");
        }
    }
    for (kind, (pop, cov, _)) in totals(rows) {
        // Spot populations are rounded to 3 decimals each.
        let n_spots = spots["features"].as_array().unwrap().len() as f64;
        assert!(
            (by_kind.get(&kind).copied().unwrap_or(0.0) - (pop - cov)).abs()
                < 1e-3 * n_spots.max(1.0),
            "{kind}"
        );
    }
}

/// areas.csv keyed by (area_id, service), without the display name.
pub fn figures(path: &Path) -> BTreeMap<(String, String), Vec<String>> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut r = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let h: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    let (id, service, name) = (
        h.iter().position(|c| c == "area_id").unwrap(),
        h.iter().position(|c| c == "kind").unwrap(),
        h.iter().position(|c| c == "area_name").unwrap(),
    );
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            let rest = (0..rec.len())
                .filter(|&i| i != id && i != service && i != name)
                .map(|i| rec[i].to_string())
                .collect();
            ((rec[id].to_string(), rec[service].to_string()), rest)
        })
        .collect()
}

/// A population spec reading `groups` (group name, fields or raster files) from `path`.
pub fn population_spec(
    path: &Path,
    groups: &[(&str, &[&str])],
) -> carecircle::plan::PopulationSpec {
    carecircle::plan::PopulationSpec {
        path: path.to_owned(),
        layer: None,
        crs: None,
        lon: None,
        lat: None,
        id: None,
        cell_size: None,
        null_values: Vec::new(),
        null_fields: Vec::new(),
        growth: Vec::new(),
        groups: groups
            .iter()
            .map(|(g, f)| (g.to_string(), f.iter().map(|s| s.to_string()).collect()))
            .collect(),
    }
}

/// A CSV number, `None` for an empty field.
pub fn num_or_empty(s: &str) -> Option<f64> {
    (!s.is_empty()).then(|| s.parse().unwrap())
}

/// Every cell's walking distance is at least its straight-line distance, for every kind.
pub fn walk_never_shorter(dir: &Path, kinds: &[&str]) -> usize {
    let mut compared = 0;
    for r in rows(&dir.join("out/cells.csv")) {
        for k in kinds {
            if let (Some(w), Some(s)) = (
                num_or_empty(&r[&format!("{k}_walk_m")]),
                num_or_empty(&r[&format!("{k}_distance_m")]),
            ) {
                // Both are rounded to 0.01 m in the file.
                assert!(
                    w + 0.011 >= s,
                    "cell {}: walk {w} < straight {s} for {k}",
                    r["cell_id"]
                );
                compared += 1;
            }
        }
    }
    compared
}

/// Polygons, rings, vertices and bbox of one feature.
pub fn shape_stats(f: &carecircle::load::geojson::Feature) -> (usize, usize, usize, [f64; 4]) {
    let Some(carecircle::load::geojson::Geometry::Polygons(ps)) = &f.geometry else {
        panic!("feature {} is not a polygon", f.index)
    };
    let mut b = [f64::MAX, f64::MAX, f64::MIN, f64::MIN];
    for p in ps.iter().flatten().flatten() {
        b = [
            b[0].min(p[0]),
            b[1].min(p[1]),
            b[2].max(p[0]),
            b[3].max(p[1]),
        ];
    }
    let rings = ps.iter().map(Vec::len).sum();
    let verts = ps.iter().flatten().map(Vec::len).sum();
    (ps.len(), rings, verts, b)
}
