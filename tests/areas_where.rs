//! `[areas] where` (issue 16, part 4): narrowing a multi-district areas layer to some districts
//! gives exactly the figures of a file that holds only those features, on GeoJSON and on a
//! GeoPackage; bad selections stop with exit 2, naming the file and field, leaving --out alone.

#[path = "cli_common/mod.rs"]
mod cli_common;

use assert_cmd::Command;
use cli_common::{analyze_into, root};
use std::path::{Path, PathBuf};

const STREETS: &str = "data/wuhan/streets_approx.geojson";

/// A plan on the Wuhan GeoTIFF bundle (`data/wuhan`) whose areas are `areas` plus `extra` lines
/// in the `[areas]` section.
fn plan(dir: &Path, name: &str, areas: &Path, extra: &str) -> PathBuf {
    let data = root().join("data/wuhan");
    let text = format!(
        r#"title = "where test"
[areas]
path = "{}"
id = "id"
name = "name"
{extra}
[population]
path = "{}"
groups.elderly = "pop_60plus.tif"
groups.oldest = "pop_80plus.tif"

[[facilities]]
path = "{}"
id = "id"
kind = "kind"
capacity = "capacity"

[[service]]
kind = "street_centre"
serves = "elderly"
radius_m = 1000
min_per_area = 1

[[service]]
kind = "nursing_home"
serves = "oldest"
radius_m = 5000
capacity_per_1000 = 7
"#,
        areas.display(),
        data.display(),
        data.join("facilities_synthetic.geojson").display()
    );
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// The streets GeoJSON cut by text: the file writes one feature per line, so keeping the lines
/// of the chosen districts (and mending the commas) is a pre-cut file with every coordinate
/// exactly as written, made without carecircle's reader.
fn cut_geojson(districts: &[&str], out: &Path) -> usize {
    let text = std::fs::read_to_string(root().join(STREETS)).unwrap();
    let mut head = Vec::new();
    let mut kept = Vec::new();
    let mut tail = Vec::new();
    for line in text.lines() {
        if line.starts_with("{ \"type\": \"Feature\"") {
            if districts
                .iter()
                .any(|d| line.contains(&format!("\"district\": \"{d}\"")))
            {
                kept.push(line.trim_end_matches(',').to_owned());
            }
        } else if kept.is_empty() && tail.is_empty() {
            head.push(line);
        } else {
            tail.push(line);
        }
    }
    let n = kept.len();
    let body = [head.join("\n"), kept.join(",\n"), tail.join("\n")].join("\n");
    std::fs::write(out, body).unwrap();
    n
}

/// Every CSV the run wrote, by name.
fn csvs(out: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "csv"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

fn assert_same_figures(a: &Path, b: &Path, units: usize) {
    let (ca, cb) = (csvs(a), csvs(b));
    assert!(ca.iter().any(|(n, _)| n == "areas.csv"), "{ca:?}");
    assert_eq!(
        ca.iter().map(|c| &c.0).collect::<Vec<_>>(),
        cb.iter().map(|c| &c.0).collect::<Vec<_>>()
    );
    for ((name, x), (_, y)) in ca.iter().zip(&cb) {
        assert!(
            x == y,
            "{name} differs between where and the pre-cut file:\n{}\n---\n{}",
            String::from_utf8_lossy(x),
            String::from_utf8_lossy(y)
        );
    }
    let rows = cli_common::rows(&a.join("areas.csv"));
    let ids: std::collections::BTreeSet<&String> = rows.iter().map(|r| &r["area_id"]).collect();
    assert_eq!(ids.len(), units, "one unit per kept feature");
}

#[test]
fn where_on_geojson_equals_a_pre_cut_file() {
    let dir = tempfile::tempdir().unwrap();
    for districts in [&["武昌区"][..], &["青山区", "汉南区"][..]] {
        let cut = dir.path().join("cut.geojson");
        let n = cut_geojson(districts, &cut);
        assert!(n >= 9, "{districts:?}: {n} features");
        let list = districts
            .iter()
            .map(|d| format!("\"{d}\""))
            .collect::<Vec<_>>()
            .join(", ");
        let select = if districts.len() == 1 {
            format!("where = {{ district = {list} }}")
        } else {
            format!("where = {{ district = [{list}] }}")
        };
        let with_where = plan(dir.path(), "where.toml", &root().join(STREETS), &select);
        let pre_cut = plan(dir.path(), "cut.toml", &cut, "");
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        analyze_into(&with_where, &a, &[]);
        analyze_into(&pre_cut, &b, &[]);
        assert_same_figures(&a, &b, n);
        std::fs::remove_dir_all(&a).unwrap();
        std::fs::remove_dir_all(&b).unwrap();
    }
}

/// A GeoPackage polygon geometry: the GeoPackage header (no envelope, little-endian, srs 4326)
/// and a WKB (Multi)Polygon.
fn gpkg_blob(geometry: &serde_json::Value) -> Vec<u8> {
    let mut b = b"GP\x00\x01".to_vec();
    b.extend(4326i32.to_le_bytes());
    let ring = |b: &mut Vec<u8>, r: &serde_json::Value| {
        let pts = r.as_array().unwrap();
        b.extend((pts.len() as u32).to_le_bytes());
        for p in pts {
            b.extend(p[0].as_f64().unwrap().to_le_bytes());
            b.extend(p[1].as_f64().unwrap().to_le_bytes());
        }
    };
    let polygon = |b: &mut Vec<u8>, rings: &serde_json::Value| {
        let rings = rings.as_array().unwrap();
        b.push(1);
        b.extend(3u32.to_le_bytes());
        b.extend((rings.len() as u32).to_le_bytes());
        for r in rings {
            ring(b, r);
        }
    };
    let coords = &geometry["coordinates"];
    match geometry["type"].as_str().unwrap() {
        "Polygon" => polygon(&mut b, coords),
        "MultiPolygon" => {
            let parts = coords.as_array().unwrap();
            b.push(1);
            b.extend(6u32.to_le_bytes());
            b.extend((parts.len() as u32).to_le_bytes());
            for p in parts {
                polygon(&mut b, p);
            }
        }
        t => panic!("unexpected geometry {t}"),
    }
    b
}

/// Writes the Wuhan streets whose `keep` is true as a GeoPackage with a numeric `county` column
/// (the first six digits of the code, as an INTEGER).
fn write_gpkg(path: &Path, keep: &dyn Fn(i64) -> bool) -> usize {
    let text = std::fs::read_to_string(root().join(STREETS)).unwrap();
    let fc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let c = rusqlite::Connection::open(path).unwrap();
    c.execute_batch(
        "CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY,
           organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL,
           definition TEXT NOT NULL, description TEXT);
         INSERT INTO gpkg_spatial_ref_sys VALUES ('WGS 84', 4326, 'EPSG', 4326, 'undefined', NULL);
         CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL,
           identifier TEXT, description TEXT DEFAULT '', last_change DATETIME, min_x DOUBLE,
           min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER);
         INSERT INTO gpkg_contents (table_name, data_type, srs_id) VALUES ('streets', 'features', 4326);
         CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL,
           geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL, z TINYINT NOT NULL,
           m TINYINT NOT NULL);
         INSERT INTO gpkg_geometry_columns VALUES ('streets', 'geom', 'GEOMETRY', 4326, 0, 0);
         CREATE TABLE streets (fid INTEGER PRIMARY KEY AUTOINCREMENT, geom BLOB, code TEXT,
           street TEXT, county INTEGER);",
    )
    .unwrap();
    let mut n = 0;
    for f in fc["features"].as_array().unwrap() {
        let code = f["properties"]["id"].as_str().unwrap();
        let county: i64 = code[..6].parse().unwrap();
        if !keep(county) {
            continue;
        }
        c.execute(
            "INSERT INTO streets (geom, code, street, county) VALUES (?1, ?2, ?3, ?4)",
            rusqlite::params![
                gpkg_blob(&f["geometry"]),
                code,
                f["properties"]["name"].as_str().unwrap(),
                county
            ],
        )
        .unwrap();
        n += 1;
    }
    n
}

#[test]
fn where_on_geopackage_compares_numbers_as_text() {
    let dir = tempfile::tempdir().unwrap();
    let all = dir.path().join("all.gpkg");
    let cut = dir.path().join("cut.gpkg");
    // 420106 武昌区, 420111 洪山区.
    assert_eq!(write_gpkg(&all, &|_| true), 179);
    let n = write_gpkg(&cut, &|c| c == 420106 || c == 420111);
    assert_eq!(n, 14 + 16);
    let fix = |p: PathBuf| {
        let t = std::fs::read_to_string(&p).unwrap().replace(
            "id = \"id\"\nname = \"name\"",
            "id = \"code\"\nname = \"street\"",
        );
        std::fs::write(&p, t).unwrap();
        p
    };
    let with_where = fix(plan(
        dir.path(),
        "where.toml",
        &all,
        "where = { county = [\"420106\", 420111] }",
    ));
    let pre_cut = fix(plan(dir.path(), "cut.toml", &cut, ""));
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    analyze_into(&with_where, &a, &[]);
    analyze_into(&pre_cut, &b, &[]);
    assert_same_figures(&a, &b, n);

    // validate honours it and says what it kept.
    let out = Command::cargo_bin("carecircle")
        .unwrap()
        .args(["validate", with_where.to_str().unwrap()])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("30 of 179 features kept"), "{text}");
}

/// Runs analyze on a plan expected to fail; returns stderr and checks exit 2 and --out untouched.
fn fails(plan: &Path, out: &Path) -> String {
    std::fs::create_dir_all(out).unwrap();
    std::fs::write(out.join("keep.txt"), "before").unwrap();
    let o = Command::cargo_bin("carecircle")
        .unwrap()
        .args(["analyze", plan.to_str().unwrap(), "--out"])
        .arg(out)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let names: Vec<_> = std::fs::read_dir(out)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        names,
        vec!["keep.txt"],
        "the output folder is left as it was"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("keep.txt")).unwrap(),
        "before"
    );
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn bad_where_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let streets = root().join(STREETS);
    let out = dir.path().join("out");
    for (select, want) in [
        (
            "where = { distrikt = \"武昌区\" }",
            &["streets_approx.geojson", "distrikt", "district, id, name"][..],
        ),
        (
            "where = { district = [\"武昌区\", \"武长区\"] }",
            &[
                "streets_approx.geojson",
                "\"武长区\"",
                "13 values",
                "东西湖区",
            ][..],
        ),
        (
            "where = { district = \"武昌区\", id = \"420102002000\" }",
            &["no feature matches all of", "district = [武昌区]"][..],
        ),
        ("where = { district = [] }", &["where.district = []"][..]),
        (
            "where = { district = 1.5 }",
            &["where.district = 1.5: expected text"][..],
        ),
    ] {
        let p = plan(dir.path(), "bad.toml", &streets, select);
        let err = fails(&p, &out);
        for w in want {
            assert!(err.contains(w), "{select}: want {w} in\n{err}");
        }
    }
}
