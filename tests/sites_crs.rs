//! `sites --candidates-crs` and `--exclude-crs` on the Wuchang demo (data/wuchang): a layer
//! written in GCJ-02 (made here from a WGS 84 one with the project's own forward transform)
//! and read with the flag gives the figures of its WGS 84 twin; read without the flag it lands
//! about half a kilometre off and the figures change (so each test can fail). `--exclude` also
//! reads a GeoPackage.

#[path = "sites_common/mod.rs"]
mod sites_common;

use carecircle::crs::china::wgs84_to_gcj02;
use sites_common::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn wuchang() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/wuchang/plan.toml")
}

/// The service the runs choose sites for (a 500 m radius, so half a kilometre matters).
const KIND: &str = "社区养老服务站";

/// A 10 × 10 grid of WGS 84 points over the Wuchang streets' bounding box.
fn grid_points() -> Vec<[f64; 2]> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/wuchang/streets_approx.geojson");
    let fc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(path).expect("the Wuchang streets")).unwrap();
    let (mut lo, mut hi) = ([f64::MAX; 2], [f64::MIN; 2]);
    let mut add = |p: &serde_json::Value| {
        for k in 0..2 {
            let v = p[k].as_f64().unwrap();
            lo[k] = lo[k].min(v);
            hi[k] = hi[k].max(v);
        }
    };
    fn walk(v: &serde_json::Value, add: &mut dyn FnMut(&serde_json::Value)) {
        match v.as_array() {
            Some(a) if a.first().is_some_and(|x| x.is_number()) => add(v),
            Some(a) => a.iter().for_each(|x| walk(x, add)),
            None => {}
        }
    }
    for f in fc["features"].as_array().unwrap() {
        walk(&f["geometry"]["coordinates"], &mut add);
    }
    let n = 10;
    let mut pts = Vec::new();
    for i in 0..n {
        for j in 0..n {
            let t = |k: usize, s: usize| lo[k] + (hi[k] - lo[k]) * (s as f64 + 0.5) / n as f64;
            pts.push([t(0, i), t(1, j)]);
        }
    }
    pts
}

fn write_csv(path: &Path, pts: &[[f64; 2]]) {
    let mut t = String::from("id,lon,lat\n");
    for (k, p) in pts.iter().enumerate() {
        t.push_str(&format!("c{k},{},{}\n", p[0], p[1]));
    }
    std::fs::write(path, t).unwrap();
}

/// `sites --add 3` with `extra` options into `dir/name`: sites.csv rows and the candidate
/// counts of sites_summary.json.
fn run(dir: &Path, name: &str, extra: &[&str]) -> (Vec<BTreeMap<String, String>>, String) {
    let out = dir.join(name);
    let p = wuchang();
    let mut args = vec!["sites", s(&p), "--kind", KIND, "--add", "3"];
    args.extend_from_slice(extra);
    args.extend_from_slice(&["--out", s(&out), "-q"]);
    ok(&args);
    let (_, rows) = read_csv(&out.join("sites.csv"));
    let counts = json(&out.join("sites_summary.json"))["candidates"].to_string();
    (rows, counts)
}

/// The figures of sites.csv: every column but lon/lat, which a round trip through GCJ-02 may
/// move in the last digit (they are compared to 1e-6° instead).
fn same_sites(a: &[BTreeMap<String, String>], b: &[BTreeMap<String, String>]) {
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(b) {
        for (k, v) in x {
            if k == "lon" || k == "lat" {
                assert!((num(x, k) - num(y, k)).abs() < 1e-6, "{k}: {v} vs {}", y[k]);
            } else {
                assert_eq!(v, &y[k], "column {k}");
            }
        }
    }
}

#[test]
fn gcj02_candidates_with_their_crs_give_the_wgs84_figures() {
    let dir = tempfile::tempdir().unwrap();
    let pts = grid_points();
    // Same file name in two folders, so the default ids (`<stem>#<line>`) agree.
    for d in ["wgs84", "gcj02"] {
        std::fs::create_dir(dir.path().join(d)).unwrap();
    }
    let wgs = dir.path().join("wgs84/candidates.csv");
    let gcj = dir.path().join("gcj02/candidates.csv");
    write_csv(&wgs, &pts);
    let shifted: Vec<[f64; 2]> = pts.iter().map(|&p| wgs84_to_gcj02(p)).collect();
    write_csv(&gcj, &shifted);
    // The shift is real here (Wuhan lies inside China's GCJ-02 area): hundreds of metres.
    let dlon = (shifted[0][0] - pts[0][0]).abs() * 111_000.0 * 0.86;
    assert!(dlon > 200.0, "GCJ-02 shifted the point by only {dlon} m");

    let (want, want_counts) = run(dir.path(), "wgs", &["--candidates", s(&wgs)]);
    assert_eq!(want.len(), 3);
    let (got, got_counts) = run(
        dir.path(),
        "gcj",
        &["--candidates", s(&gcj), "--candidates-crs", "GCJ-02"],
    );
    same_sites(&want, &got);
    assert_eq!(want_counts, got_counts);
    // Without the flag the same file is read as WGS 84 and the sites move.
    let (off, _) = run(dir.path(), "off", &["--candidates", s(&gcj)]);
    let lons = |r: &[BTreeMap<String, String>]| -> Vec<String> {
        r.iter().map(|x| x["lon"].clone()).collect()
    };
    assert_ne!(lons(&want), lons(&off));
}

/// A square of ±`d` degrees around `c`, as a GeoJSON ring transformed by `f`.
fn square(c: [f64; 2], d: f64, f: impl Fn([f64; 2]) -> [f64; 2]) -> Vec<[f64; 2]> {
    [[-d, -d], [d, -d], [d, d], [-d, d], [-d, -d]]
        .iter()
        .map(|o| f([c[0] + o[0], c[1] + o[1]]))
        .collect()
}

fn write_geojson(path: &Path, ring: &[[f64; 2]]) {
    let coords = serde_json::json!([ring]);
    let fc = serde_json::json!({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "park"},
         "geometry": {"type": "Polygon", "coordinates": coords}}]});
    std::fs::write(path, fc.to_string()).unwrap();
}

/// A GeoPackage (EPSG:4326) holding one polygon: the GeoPackage header and a WKB Polygon.
fn write_gpkg(path: &Path, ring: &[[f64; 2]]) {
    let mut blob = b"GP\x00\x01".to_vec();
    blob.extend(4326i32.to_le_bytes());
    blob.push(1);
    blob.extend(3u32.to_le_bytes());
    blob.extend(1u32.to_le_bytes());
    blob.extend((ring.len() as u32).to_le_bytes());
    for p in ring {
        blob.extend(p[0].to_le_bytes());
        blob.extend(p[1].to_le_bytes());
    }
    let c = rusqlite::Connection::open(path).unwrap();
    c.execute_batch(
        "CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY,
           organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL,
           definition TEXT NOT NULL, description TEXT);
         INSERT INTO gpkg_spatial_ref_sys VALUES ('WGS 84', 4326, 'EPSG', 4326, 'undefined', NULL);
         CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL,
           identifier TEXT, description TEXT DEFAULT '', last_change DATETIME, min_x DOUBLE,
           min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER);
         INSERT INTO gpkg_contents (table_name, data_type, srs_id) VALUES ('parks', 'features', 4326);
         CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL,
           geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL, z TINYINT NOT NULL,
           m TINYINT NOT NULL);
         INSERT INTO gpkg_geometry_columns VALUES ('parks', 'geom', 'POLYGON', 4326, 0, 0);
         CREATE TABLE parks (fid INTEGER PRIMARY KEY AUTOINCREMENT, geom BLOB, name TEXT);",
    )
    .unwrap();
    c.execute(
        "INSERT INTO parks (geom, name) VALUES (?1, 'park')",
        rusqlite::params![blob],
    )
    .unwrap();
}

/// An exclusion square around the first site of a free run removes that one candidate: in
/// WGS 84, in GCJ-02 with `--exclude-crs GCJ-02`, and as a GeoPackage, with the same figures;
/// the GCJ-02 square read as WGS 84 lies half a kilometre off and removes nothing.
#[test]
fn gcj02_exclusion_with_its_crs_and_a_geopackage_exclusion() {
    let dir = tempfile::tempdir().unwrap();
    let pts = grid_points();
    let cands = dir.path().join("candidates.csv");
    write_csv(&cands, &pts);
    let (free, _) = run(dir.path(), "free", &["--candidates", s(&cands)]);
    let first = [num(&free[0], "lon"), num(&free[0], "lat")];
    // The grid is about a kilometre apart: ±0.001° holds the one candidate only.
    let wgs_ring = square(first, 0.001, |p| p);
    let gcj_ring = square(first, 0.001, wgs84_to_gcj02);
    let (wgs, gcj, gpkg) = (
        dir.path().join("ex_wgs84.geojson"),
        dir.path().join("ex_gcj02.geojson"),
        dir.path().join("ex.gpkg"),
    );
    write_geojson(&wgs, &wgs_ring);
    write_geojson(&gcj, &gcj_ring);
    write_gpkg(&gpkg, &wgs_ring);

    let base = ["--candidates", s(&cands)];
    fn with<'a>(base: &[&'a str], extra: &[&'a str]) -> Vec<&'a str> {
        base.iter().chain(extra).copied().collect()
    }
    let excluded = |counts: &str| -> u64 {
        let v: serde_json::Value = serde_json::from_str(counts).unwrap();
        v["excluded"].as_u64().unwrap()
    };
    let (want, want_counts) = run(dir.path(), "wgs", &with(&base, &["--exclude", s(&wgs)]));
    assert_eq!(excluded(&want_counts), 1);
    assert_ne!(want[0]["id"], free[0]["id"]);
    let (got, got_counts) = run(
        dir.path(),
        "gcj",
        &with(&base, &["--exclude", s(&gcj), "--exclude-crs", "GCJ-02"]),
    );
    same_sites(&want, &got);
    assert_eq!(want_counts, got_counts);
    let (from_gpkg, gpkg_counts) = run(dir.path(), "gpkg", &with(&base, &["--exclude", s(&gpkg)]));
    same_sites(&want, &from_gpkg);
    assert_eq!(want_counts, gpkg_counts);
    // Without the flag the GCJ-02 square misses the candidate: nothing is excluded.
    let (off, off_counts) = run(dir.path(), "off", &with(&base, &["--exclude", s(&gcj)]));
    assert_eq!(excluded(&off_counts), 0);
    assert_eq!(off[0]["id"], free[0]["id"]);
}

/// A bad candidate file names the file, the line and the column; a bad exclusion the feature.
#[test]
fn bad_candidate_and_exclusion_files_say_where() {
    let dir = tempfile::tempdir().unwrap();
    let cands = dir.path().join("cands.csv");
    std::fs::write(&cands, "id,lon,lat\na,114.3,30.55\nb,114.31,north\n").unwrap();
    let p = wuchang();
    let out = dir.path().join("out");
    let o = carecircle(&[
        "sites",
        s(&p),
        "--kind",
        KIND,
        "--add",
        "1",
        "--candidates",
        s(&cands),
        "--candidates-crs",
        "GCJ-02",
        "--out",
        s(&out),
        "-q",
    ]);
    let e = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{e}");
    assert!(
        e.contains("cands.csv") && e.contains("line 3") && e.contains("lat"),
        "{e}"
    );
    assert!(!out.join("sites.csv").exists());

    let ex = dir.path().join("ex.geojson");
    std::fs::write(
        &ex,
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[114.3,30.55]}}]}"#,
    )
    .unwrap();
    let o = carecircle(&[
        "sites",
        s(&p),
        "--kind",
        KIND,
        "--add",
        "1",
        "--exclude",
        s(&ex),
        "--out",
        s(&out),
        "-q",
    ]);
    let e = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{e}");
    assert!(
        e.contains("ex.geojson") && e.contains("feature 0") && e.contains("geometry"),
        "{e}"
    );
}
