//! Bad input: what a user sees. Every case runs the real binary on a small hand-made plan in a
//! temporary folder and checks: exit code 2, an `error: ...` on stderr naming the file, the
//! feature index (from 0) or CSV line (header = line 1), the field and what was expected, and
//! that no output (nor a `.<out>.tmp-<pid>` staging folder) is left behind. The last tests
//! cover the non-errors: a service kind without facilities and null/negative population values
//! are warnings, and a failed run leaves an earlier run's outputs untouched.
//!
//! The base fixture: two 0.01° square streets side by side near lon 114.30, lat 30.60 (`S1`
//! west, `S2` east), 32 point cells on a regular 0.0025° grid in `cells.csv` (4 polygon cells in
//! `cells.geojson` for the GeoJSON variants), and two `station` facilities, one per street.

use assert_cmd::Command;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const LON0: f64 = 114.30;
const LAT0: f64 = 30.60;

fn square(x0: f64, y0: f64, s: f64) -> String {
    format!(
        "[[[{x0:.5},{y0:.5}],[{x1:.5},{y0:.5}],[{x1:.5},{y1:.5}],[{x0:.5},{y1:.5}],[{x0:.5},{y0:.5}]]]",
        x1 = x0 + s,
        y1 = y0 + s
    )
}

fn polygon_feature(props: &str, x0: f64, y0: f64, s: f64) -> String {
    format!(
        r#"{{"type":"Feature","properties":{{{props}}},"geometry":{{"type":"Polygon","coordinates":{}}}}}"#,
        square(x0, y0, s)
    )
}

fn point_feature(props: &str, x: f64, y: f64) -> String {
    format!(
        r#"{{"type":"Feature","properties":{{{props}}},"geometry":{{"type":"Point","coordinates":[{x:.5},{y:.5}]}}}}"#
    )
}

fn collection(features: &[String]) -> String {
    format!(
        "{{\"type\":\"FeatureCollection\",\"features\":[\n{}\n]}}\n",
        features.join(",\n")
    )
}

/// Two streets: S1 = [x0, x0+0.01] × [y0, y0+0.01], S2 just east of it.
fn areas_at(x0: f64, y0: f64) -> String {
    collection(&[
        polygon_feature(r#""code":"S1","name":"West""#, x0, y0, 0.01),
        polygon_feature(r#""code":"S2","name":"East""#, x0 + 0.01, y0, 0.01),
    ])
}

/// 8 × 4 point cells, 0.0025° apart, centred in the streets; `pop60` = 10 + index.
fn cells_csv_at(x0: f64, y0: f64) -> String {
    let mut s = String::from("id,lon,lat,pop60\n");
    let mut k = 0;
    for j in 0..4 {
        for i in 0..8 {
            let lon = x0 + 0.00125 + i as f64 * 0.0025;
            let lat = y0 + 0.00125 + j as f64 * 0.0025;
            s.push_str(&format!("c{k},{lon:.5},{lat:.5},{}\n", 10 + k));
            k += 1;
        }
    }
    s
}

/// 4 polygon cells, 0.005° squares covering S1.
fn cells_geojson() -> String {
    let mut f = Vec::new();
    for j in 0..2 {
        for i in 0..2 {
            let k = j * 2 + i;
            f.push(polygon_feature(
                &format!(r#""cid":"p{k}","pop60":{}"#, 100 + k),
                LON0 + i as f64 * 0.005,
                LAT0 + j as f64 * 0.005,
                0.005,
            ));
        }
    }
    collection(&f)
}

fn facilities_at(x0: f64, y0: f64) -> String {
    collection(&[
        point_feature(
            r#""fid":"F1","kind":"station","beds":20"#,
            x0 + 0.005,
            y0 + 0.005,
        ),
        point_feature(
            r#""fid":"F2","kind":"station","beds":30"#,
            x0 + 0.015,
            y0 + 0.005,
        ),
    ])
}

const PLAN: &str = r#"title = "bad input"

[areas]
path = "areas.geojson"
id = "code"
name = "name"

[population]
path = "cells.csv"
lon = "lon"
lat = "lat"
groups.elderly = "pop60"

[[facilities]]
path = "facilities.geojson"
id = "fid"
kind = "kind"
capacity = "beds"

[[service]]
kind = "station"
serves = "elderly"
radius_m = 500
min_per_area = 1
"#;

/// The same plan reading polygon cells from `cells.geojson`.
fn plan_geojson_cells() -> String {
    PLAN.replace(
        "path = \"cells.csv\"\nlon = \"lon\"\nlat = \"lat\"\n",
        "path = \"cells.geojson\"\n",
    )
}

/// A temporary folder holding a plan and its layers; tests override single files.
struct Case {
    dir: tempfile::TempDir,
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    out: PathBuf,
}

impl Case {
    /// The base fixture (a plan that runs fine).
    fn new() -> Case {
        Case::at(LON0, LAT0)
    }

    /// The base fixture placed at another south-west corner.
    fn at(x0: f64, y0: f64) -> Case {
        let dir = tempfile::tempdir().expect("temp dir");
        let c = Case { dir };
        c.write("plan.toml", PLAN);
        c.write("areas.geojson", &areas_at(x0, y0));
        c.write("cells.csv", &cells_csv_at(x0, y0));
        c.write("cells.geojson", &cells_geojson());
        c.write("facilities.geojson", &facilities_at(x0, y0));
        c
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn write(&self, name: &str, text: &str) -> &Case {
        std::fs::write(self.path(name), text).expect("writing a fixture");
        self
    }

    fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path(name)).expect("reading a fixture")
    }

    /// Edits the plan text.
    fn plan(&self, from: &str, to: &str) -> &Case {
        let p = self.read("plan.toml");
        assert!(p.contains(from), "plan has no {from:?}");
        self.write("plan.toml", &p.replacen(from, to, 1))
    }

    /// Runs `carecircle analyze <plan> --out <dir>/out`.
    fn run_plan(&self, plan: &Path, extra: &[&str]) -> Run {
        let out = self.path("out");
        let o = Command::cargo_bin("carecircle")
            .expect("the carecircle binary")
            .arg("analyze")
            .arg(plan)
            .arg("--out")
            .arg(&out)
            .args(extra)
            .output()
            .expect("running carecircle");
        Run {
            code: o.status.code(),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
            out,
        }
    }

    fn run(&self) -> Run {
        self.run_plan(&self.path("plan.toml"), &[])
    }

    /// Runs and checks a clean failure; returns stderr.
    fn fails(&self, expect: &[&str]) -> String {
        let r = self.run();
        eprintln!("{}", r.stderr);
        r.failed(expect);
        r.stderr
    }
}

/// Staging folders (`.<name>.tmp-<pid>`) left beside `out`.
fn staging_left(out: &Path) -> Vec<String> {
    let name = out.file_name().unwrap().to_string_lossy().into_owned();
    let prefix = format!(".{name}.tmp-");
    std::fs::read_dir(out.parent().unwrap())
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(&prefix))
        .collect()
}

impl Run {
    /// Exit code 2, no panic, an `error:` paragraph on stderr holding every `expect` word
    /// (case-sensitive), nothing on stdout, and no outputs or staging folders.
    fn failed(&self, expect: &[&str]) {
        let e = &self.stderr;
        assert_eq!(
            self.code,
            Some(2),
            "expected exit code 2\nstdout:\n{}\nstderr:\n{e}",
            self.stdout
        );
        assert!(e.starts_with("error: "), "stderr:\n{e}");
        assert!(!e.contains("panicked"), "stderr:\n{e}");
        assert!(!e.contains("\n\n"), "not one paragraph:\n{e}");
        for w in expect {
            assert!(e.contains(w), "stderr lacks {w:?}:\n{e}");
        }
        assert!(
            !self.out.exists(),
            "a failed run created {}",
            self.out.display()
        );
        assert!(
            staging_left(&self.out).is_empty(),
            "staging folders left: {:?}",
            staging_left(&self.out)
        );
    }

    fn succeeded(&self) {
        assert_eq!(
            self.code,
            Some(0),
            "expected success\nstdout:\n{}\nstderr:\n{}",
            self.stdout,
            self.stderr
        );
        assert!(self.out.join("summary.json").is_file());
        assert!(staging_left(&self.out).is_empty());
    }

    fn summary(&self) -> serde_json::Value {
        let t = std::fs::read_to_string(self.out.join("summary.json")).unwrap();
        serde_json::from_str(&t).unwrap()
    }

    /// `summary.json` warnings by code: (count, message).
    fn warnings(&self) -> BTreeMap<String, (u64, String)> {
        self.summary()["warnings"]
            .as_array()
            .expect("warnings array")
            .iter()
            .map(|w| {
                (
                    w["code"].as_str().unwrap().to_owned(),
                    (
                        w["count"].as_u64().unwrap(),
                        w["message"].as_str().unwrap().to_owned(),
                    ),
                )
            })
            .collect()
    }

    /// `areas.csv` rows as column → value maps.
    fn areas_csv(&self) -> Vec<BTreeMap<String, String>> {
        let mut r = csv::Reader::from_path(self.out.join("areas.csv")).unwrap();
        let header: Vec<String> = r
            .headers()
            .unwrap()
            .iter()
            .map(|h| h.trim_start_matches('\u{feff}').to_owned())
            .collect();
        r.records()
            .map(|rec| {
                header
                    .iter()
                    .cloned()
                    .zip(rec.unwrap().iter().map(str::to_owned))
                    .collect()
            })
            .collect()
    }
}

// ---------------------------------------------------------------------------------------------
// The base fixture itself runs.

#[test]
fn base_fixture_runs() {
    let c = Case::new();
    let r = c.run();
    r.succeeded();
    let rows = r.areas_csv();
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|x| x["facilities"] == "1"), "{rows:?}");
    // And with polygon cells from GeoJSON.
    let c = Case::new();
    c.write("plan.toml", &plan_geojson_cells());
    c.run().succeeded();
}

// ---------------------------------------------------------------------------------------------
// The plan file.

#[test]
fn unreadable_plan_path() {
    let c = Case::new();
    let r = c.run_plan(&c.path("no_such_plan.toml"), &[]);
    r.failed(&["no_such_plan.toml", "cannot read"]);
}

#[test]
fn plan_path_is_a_folder() {
    let c = Case::new();
    std::fs::create_dir(c.path("folder.toml")).unwrap();
    let r = c.run_plan(&c.path("folder.toml"), &[]);
    r.failed(&["folder.toml", "cannot read"]);
}

#[test]
fn malformed_toml() {
    let c = Case::new();
    c.plan("radius_m = 500", "radius_m = = 500");
    let e = c.fails(&["plan.toml", "line 23", "radius_m"]);
    assert!(e.to_lowercase().contains("toml"), "{e}");
}

#[test]
fn unknown_key_in_plan() {
    let c = Case::new();
    c.plan("radius_m = 500", "radius_m = 500\nradius = 5");
    c.fails(&["plan.toml", "unknown field `radius`", "radius_m", "line 24"]);
}

#[test]
fn unknown_key_in_areas_section() {
    let c = Case::new();
    c.plan("name = \"name\"", "name = \"name\"\nnmae = \"x\"");
    c.fails(&["plan.toml", "unknown field `nmae`"]);
}

#[test]
fn serves_group_undefined() {
    let c = Case::new();
    c.plan("serves = \"elderly\"", "serves = \"children\"");
    c.fails(&[
        "plan.toml",
        "[[service]] #1",
        "serves",
        "\"children\"",
        "not a population group",
        "elderly",
    ]);
}

#[test]
fn duplicate_service_ids() {
    let c = Case::new();
    let p = c.read("plan.toml");
    c.write(
        "plan.toml",
        &format!("{p}\n[[service]]\nkind = \"station\"\nserves = \"elderly\"\nradius_m = 1000\n"),
    );
    c.fails(&[
        "plan.toml",
        "[[service]] #2",
        "duplicate service id 'station'",
        "`id`",
    ]);
}

// ---------------------------------------------------------------------------------------------
// GeoJSON structure and geometry types.

// Note: the message currently repeats the OS error as a "caused by:" line (error::Error::Io
// both prints `{source}` and marks it `#[source]`, and main.rs prints the source chain).
#[test]
fn unreadable_areas_file() {
    let c = Case::new();
    std::fs::remove_file(c.path("areas.geojson")).unwrap();
    c.fails(&["areas.geojson", "cannot read"]);
}

#[test]
fn malformed_geojson_truncated() {
    let c = Case::new();
    let t = c.read("areas.geojson");
    c.write("areas.geojson", &t[..t.len() / 2]);
    c.fails(&["areas.geojson", "not valid GeoJSON", "line"]);
}

#[test]
fn geojson_that_is_not_a_feature_collection() {
    let c = Case::new();
    c.write(
        "facilities.geojson",
        r#"{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[114.3,30.6]}}"#,
    );
    c.fails(&["facilities.geojson", "FeatureCollection", "\"Feature\""]);
}

#[test]
fn areas_are_points() {
    let c = Case::new();
    c.write(
        "areas.geojson",
        &collection(&[
            polygon_feature(r#""code":"S1","name":"West""#, LON0, LAT0, 0.01),
            point_feature(r#""code":"S2","name":"East""#, LON0 + 0.015, LAT0 + 0.005),
        ]),
    );
    c.fails(&[
        "areas.geojson",
        "feature 1",
        "field 'geometry'",
        "expected a Polygon or MultiPolygon",
        "Point",
    ]);
}

#[test]
fn facility_is_a_polygon() {
    let c = Case::new();
    c.write(
        "facilities.geojson",
        &collection(&[
            point_feature(
                r#""fid":"F1","kind":"station","beds":20"#,
                LON0 + 0.005,
                LAT0 + 0.005,
            ),
            polygon_feature(
                r#""fid":"F2","kind":"station","beds":30"#,
                LON0 + 0.012,
                LAT0 + 0.002,
                0.002,
            ),
        ]),
    );
    c.fails(&[
        "facilities.geojson",
        "feature 1",
        "field 'geometry'",
        "expected a Point",
        "Polygon",
    ]);
}

#[test]
fn unsupported_geometry_type() {
    let c = Case::new();
    c.write(
        "facilities.geojson",
        &collection(&[
            point_feature(r#""fid":"F1","kind":"station","beds":20"#, LON0 + 0.005, LAT0 + 0.005),
            r#"{"type":"Feature","properties":{"fid":"F2","kind":"station","beds":1},"geometry":{"type":"LineString","coordinates":[[114.31,30.60],[114.32,30.61]]}}"#.to_string(),
        ]),
    );
    c.fails(&[
        "facilities.geojson",
        "feature 1",
        "'geometry'",
        "LineString",
        "Point",
    ]);
}

#[test]
fn population_cells_of_mixed_geometry() {
    let c = Case::new();
    c.write("plan.toml", &plan_geojson_cells());
    let t = c.read("cells.geojson");
    let mut features: Vec<String> = t
        .lines()
        .filter(|l| l.starts_with("{\"type\":\"Feature\""))
        .map(|l| l.trim_end_matches(',').to_owned())
        .collect();
    assert_eq!(features.len(), 4);
    features[3] = point_feature(r#""cid":"p3","pop60":103"#, LON0 + 0.0075, LAT0 + 0.0075);
    c.write("cells.geojson", &collection(&features));
    c.fails(&[
        "cells.geojson",
        "feature 3",
        "field 'geometry'",
        "Point",
        "Polygon",
    ]);
}

#[test]
fn empty_areas_feature_collection() {
    let c = Case::new();
    c.write(
        "areas.geojson",
        "{\"type\":\"FeatureCollection\",\"features\":[]}\n",
    );
    c.fails(&["areas.geojson", "no features", "Polygon"]);
}

#[test]
fn empty_areas_file() {
    let c = Case::new();
    c.write("areas.geojson", "");
    c.fails(&["areas.geojson", "empty", "FeatureCollection"]);
}

// ---------------------------------------------------------------------------------------------
// Configured properties and columns.

#[test]
fn areas_id_property_missing() {
    let c = Case::new();
    c.plan("id = \"code\"", "id = \"street_code\"");
    c.fails(&["areas.geojson", "'street_code'", "[areas] id", "code, name"]);
}

#[test]
fn area_id_null_in_one_feature() {
    let c = Case::new();
    c.write(
        "areas.geojson",
        &collection(&[
            polygon_feature(r#""code":"S1","name":"West""#, LON0, LAT0, 0.01),
            polygon_feature(r#""code":null,"name":"East""#, LON0 + 0.01, LAT0, 0.01),
        ]),
    );
    c.fails(&["areas.geojson", "feature 1", "field 'code'", "area id"]);
}

#[test]
fn facilities_kind_property_missing() {
    let c = Case::new();
    c.plan("kind = \"kind\"", "kind = \"type\"");
    c.fails(&[
        "facilities.geojson",
        "'type'",
        "[[facilities]] kind",
        "beds, fid, kind",
    ]);
}

#[test]
fn csv_population_column_missing() {
    let c = Case::new();
    c.plan("groups.elderly = \"pop60\"", "groups.elderly = \"pop_60\"");
    c.fails(&[
        "cells.csv",
        "line 1",
        "field 'pop_60'",
        "column 'pop_60' not found",
        "id, lon, lat, pop60",
    ]);
}

#[test]
fn geojson_population_property_missing() {
    let c = Case::new();
    c.write(
        "plan.toml",
        &plan_geojson_cells().replace("\"pop60\"", "\"pop_60\""),
    );
    c.fails(&[
        "cells.geojson",
        "'pop_60'",
        "[population] groups",
        "cid, pop60",
    ]);
}

#[test]
fn csv_lon_column_missing() {
    let c = Case::new();
    c.plan("lon = \"lon\"", "lon = \"x\"");
    c.fails(&["cells.csv", "line 1", "field 'x'", "column 'x' not found"]);
}

// ---------------------------------------------------------------------------------------------
// Values.

#[test]
fn csv_population_not_numeric() {
    let c = Case::new();
    let t = c.read("cells.csv").replacen(",12\n", ",twelve\n", 1);
    assert!(t.contains("twelve"));
    c.write("cells.csv", &t);
    // c2 holds 12 and sits on the fourth line (header = line 1).
    c.fails(&[
        "cells.csv",
        "line 4",
        "field 'pop60'",
        "expected a number",
        "\"twelve\"",
    ]);
}

#[test]
fn geojson_population_not_numeric() {
    let c = Case::new();
    c.write("plan.toml", &plan_geojson_cells());
    let t = c
        .read("cells.geojson")
        .replacen("\"pop60\":102", "\"pop60\":\"lots\"", 1);
    assert!(t.contains("lots"));
    c.write("cells.geojson", &t);
    c.fails(&[
        "cells.geojson",
        "feature 2",
        "field 'pop60'",
        "expected a number",
        "\"lots\"",
    ]);
}

#[test]
fn capacity_not_numeric() {
    let c = Case::new();
    let t = c
        .read("facilities.geojson")
        .replacen("\"beds\":30", "\"beds\":\"thirty\"", 1);
    c.write("facilities.geojson", &t);
    c.fails(&[
        "facilities.geojson",
        "feature 1",
        "field 'beds'",
        "expected a number",
        "capacity",
        "\"thirty\"",
    ]);
}

#[test]
fn capacity_negative() {
    let c = Case::new();
    let t = c
        .read("facilities.geojson")
        .replacen("\"beds\":30", "\"beds\":-3", 1);
    c.write("facilities.geojson", &t);
    c.fails(&[
        "facilities.geojson",
        "feature 1",
        "field 'beds'",
        "negative",
    ]);
}

#[test]
fn csv_short_line() {
    let c = Case::new();
    let t = c.read("cells.csv").replacen(",12\n", "\n", 1);
    c.write("cells.csv", &t);
    c.fails(&["cells.csv", "line 4", "3 fields", "header has 4"]);
}

#[test]
fn csv_coordinate_not_numeric() {
    let c = Case::new();
    let mut lines: Vec<String> = c.read("cells.csv").lines().map(str::to_owned).collect();
    lines[5] = "c4,114.30125,north,14".into();
    c.write("cells.csv", &(lines.join("\n") + "\n"));
    c.fails(&[
        "cells.csv",
        "line 6",
        "field 'lat'",
        "decimal degrees",
        "\"north\"",
    ]);
}

#[test]
fn csv_facility_capacity_not_numeric() {
    let c = Case::new();
    c.write(
        "facilities.csv",
        "fid,kind,lon,lat,beds\nF1,station,114.305,30.605,20\nF2,station,114.315,30.605,many\n",
    );
    c.plan(
        "path = \"facilities.geojson\"",
        "path = \"facilities.csv\"\nlon = \"lon\"\nlat = \"lat\"",
    );
    c.fails(&[
        "facilities.csv",
        "line 3",
        "field 'beds'",
        "expected a number",
        "\"many\"",
    ]);
}

#[test]
fn population_csv_with_header_only() {
    let c = Case::new();
    c.write("cells.csv", "id,lon,lat,pop60\n");
    c.fails(&["cells.csv", "no cells"]);
}

#[test]
fn population_csv_empty() {
    let c = Case::new();
    c.write("cells.csv", "");
    c.fails(&["cells.csv", "empty", "header"]);
}

#[test]
fn capacity_target_without_capacity_field() {
    let c = Case::new();
    c.plan("capacity = \"beds\"\n", "");
    c.plan(
        "min_per_area = 1",
        "min_per_area = 1\ncapacity_per_1000 = 5",
    );
    c.fails(&["plan.toml", "capacity_per_1000", "capacity = "]);
}

// ---------------------------------------------------------------------------------------------
// Coordinates.

#[test]
fn facility_coordinates_swapped_out_of_range() {
    let c = Case::new();
    c.write(
        "facilities.geojson",
        &collection(&[
            point_feature(
                r#""fid":"F1","kind":"station","beds":20"#,
                LON0 + 0.005,
                LAT0 + 0.005,
            ),
            point_feature(
                r#""fid":"F2","kind":"station","beds":30"#,
                LAT0 + 0.005,
                LON0 + 0.015,
            ),
        ]),
    );
    c.fails(&[
        "facilities.geojson",
        "feature 1",
        "out of range",
        "latitude in [-90, 90]",
        "swap",
    ]);
}

#[test]
fn csv_cells_swapped_out_of_range() {
    let c = Case::new();
    let mut t = String::from("id,lon,lat,pop60\n");
    for l in c.read("cells.csv").lines().skip(1) {
        let f: Vec<&str> = l.split(',').collect();
        t.push_str(&format!("{},{},{},{}\n", f[0], f[2], f[1], f[3]));
    }
    c.write("cells.csv", &t);
    c.fails(&["cells.csv", "line 2", "field 'lon'", "out of range", "swap"]);
}

#[test]
fn areas_in_projected_metres() {
    let c = Case::new();
    // A Gauss-Krüger (CGCS2000 3-degree zone 38) outline: easting with zone number, northing.
    let x0 = 38_528_000.0;
    let y0 = 3_386_000.0;
    c.write(
        "areas.geojson",
        &collection(&[
            polygon_feature(r#""code":"S1","name":"West""#, x0, y0, 1000.0),
            polygon_feature(r#""code":"S2","name":"East""#, x0 + 1000.0, y0, 1000.0),
        ]),
    );
    c.fails(&[
        "areas.geojson",
        "feature 0",
        "field 'geometry'",
        "out of range",
        "projected metres",
        "WGS 84",
    ]);
}

/// A GeoJSON `crs` member is honoured (issue 5): lon/lat numbers in a file that declares the
/// Gauss–Krüger zone EPSG:4547 are read as metres, land near the zone's false origin and fail
/// the overlap check with both boxes printed; an unknown system is refused by name.
#[test]
fn layer_declares_projected_crs() {
    let c = Case::new();
    let declare = |name: &str| {
        c.read("facilities.geojson").replacen(
            "\"type\":\"FeatureCollection\",",
            &format!("\"type\":\"FeatureCollection\",\"crs\":{{\"type\":\"name\",\"properties\":{{\"name\":\"{name}\"}}}},"),
            1,
        )
    };
    let original = c.read("facilities.geojson");
    c.write("facilities.geojson", &declare("urn:ogc:def:crs:EPSG::4547"));
    let e = c.fails(&[
        "facilities.geojson",
        "does not overlap",
        "lon 109.5",
        "areas.geojson",
        "read as",
        "from the GeoJSON crs member",
    ]);
    assert!(e.contains("4547"), "{e}");
    c.write("facilities.geojson", &original);
    c.write(
        "facilities.geojson",
        &declare("urn:ogc:def:crs:EPSG::99999"),
    );
    c.fails(&[
        "facilities.geojson",
        "field 'crs'",
        "EPSG::99999",
        "set crs = ",
    ]);
}

#[test]
fn facilities_do_not_touch_the_areas() {
    let c = Case::new();
    // Beijing instead of Wuhan.
    c.write("facilities.geojson", &facilities_at(116.40, 39.90));
    let e = c.fails(&[
        "facilities.geojson",
        "does not overlap",
        "areas.geojson",
        // Both boxes.
        "lon 116.40500..116.41500, lat 39.90500..39.90500",
        "lon 114.30000..114.32000, lat 30.60000..30.61000",
        "coordinate system",
    ]);
    assert!(!e.contains("swapped"), "{e}");
}

#[test]
fn population_layer_swapped_lon_lat() {
    // Near Helsinki (lon 24.9, lat 60.1) a swapped layer stays within range, so only the
    // bounding boxes show it.
    let (x0, y0) = (24.90, 60.10);
    let c = Case::at(x0, y0);
    let mut t = String::from("id,lon,lat,pop60\n");
    for l in c.read("cells.csv").lines().skip(1) {
        let f: Vec<&str> = l.split(',').collect();
        t.push_str(&format!("{},{},{},{}\n", f[0], f[2], f[1], f[3]));
    }
    c.write("cells.csv", &t);
    c.fails(&[
        "cells.csv",
        "population layer",
        "does not overlap",
        "(lon 60.10",
        "lat 24.90",
        "lon 24.90000..24.92000, lat 60.10000..60.11000",
        "swapped",
    ]);
}

// ---------------------------------------------------------------------------------------------
// Areas.

#[test]
fn duplicate_area_ids() {
    let c = Case::new();
    c.write(
        "areas.geojson",
        &collection(&[
            polygon_feature(r#""code":"S1","name":"West""#, LON0, LAT0, 0.01),
            polygon_feature(r#""code":"S1","name":"East""#, LON0 + 0.01, LAT0, 0.01),
        ]),
    );
    c.fails(&[
        "areas.geojson",
        "feature 1",
        "field 'code'",
        "duplicate area id \"S1\"",
        "feature 0",
    ]);
}

#[test]
fn numeric_area_ids_that_collide() {
    // 7 and "7" are the same code as text.
    let c = Case::new();
    c.write(
        "areas.geojson",
        &collection(&[
            polygon_feature(r#""code":7,"name":"West""#, LON0, LAT0, 0.01),
            polygon_feature(r#""code":"7","name":"East""#, LON0 + 0.01, LAT0, 0.01),
        ]),
    );
    c.fails(&[
        "areas.geojson",
        "feature 1",
        "duplicate area id \"7\"",
        "feature 0",
    ]);
}

// ---------------------------------------------------------------------------------------------
// Not errors.

#[test]
fn geojson_with_byte_order_mark_is_read() {
    let c = Case::new();
    let t = c.read("areas.geojson");
    c.write("areas.geojson", &format!("\u{feff}{t}"));
    c.run().succeeded();
}

#[test]
fn service_kind_without_facilities_is_a_warning() {
    let c = Case::new();
    let p = c.read("plan.toml");
    c.write(
        "plan.toml",
        &format!(
            "{p}\n[[service]]\nkind = \"meal_point\"\nserves = \"elderly\"\nradius_m = 500\nmin_per_area = 1\n"
        ),
    );
    let r = c.run();
    r.succeeded();
    assert!(
        r.stdout.contains("warning: service 'meal_point'") && r.stdout.contains("no facility"),
        "{}",
        r.stdout
    );
    let w = r.warnings();
    let (n, msg) = &w["service_without_facilities"];
    assert_eq!(*n, 1);
    assert!(
        msg.contains("meal_point") && msg.contains("no_facility"),
        "{msg}"
    );
    let rows = r.areas_csv();
    let meal: Vec<_> = rows.iter().filter(|x| x["kind"] == "meal_point").collect();
    assert_eq!(meal.len(), 2);
    for x in &meal {
        assert_eq!(x["facilities"], "0");
        assert_eq!(x["covered_population"], "0.000");
        assert_eq!(x["blank"], "true");
        assert!(x["reasons"].split(';').any(|r| r == "no_facility"), "{x:?}");
    }
    // The station service is unaffected.
    assert!(rows
        .iter()
        .filter(|x| x["kind"] == "station")
        .all(|x| x["facilities"] == "1" && !x["reasons"].contains("no_facility")));
    let s = r.summary();
    let meal = s["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == "meal_point")
        .unwrap();
    assert_eq!(meal["facilities"], 0);
    assert_eq!(meal["covered_population"], 0.0);
}

#[test]
fn empty_facility_layer_is_a_warning() {
    let c = Case::new();
    c.write(
        "facilities.geojson",
        "{\"type\":\"FeatureCollection\",\"features\":[]}\n",
    );
    let r = c.run();
    r.succeeded();
    assert_eq!(r.warnings()["service_without_facilities"].0, 1);
    assert!(r
        .areas_csv()
        .iter()
        .all(|x| x["reasons"].split(';').any(|r| r == "no_facility")));
}

#[test]
fn null_and_negative_population_are_warnings() {
    let c = Case::new();
    // Two empty values, one NA, two negatives; and a second group field with one missing value.
    let mut lines: Vec<String> = c.read("cells.csv").lines().map(str::to_owned).collect();
    lines[0] = "id,lon,lat,pop60,pop80".into();
    for (k, l) in lines.iter_mut().enumerate().skip(1) {
        let v = match k {
            2 | 3 => format!("{},,1", l.rsplit_once(',').unwrap().0),
            4 => format!("{},NA,1", l.rsplit_once(',').unwrap().0),
            5 | 6 => format!("{},-7,1", l.rsplit_once(',').unwrap().0),
            9 => format!("{l},"),
            _ => format!("{l},1"),
        };
        *l = v;
    }
    c.write("cells.csv", &(lines.join("\n") + "\n"));
    c.plan(
        "groups.elderly = \"pop60\"",
        "groups.elderly = \"pop60\"\ngroups.oldest = \"pop80\"",
    );
    let r = c.run();
    r.succeeded();
    let w: Vec<serde_json::Value> = r.summary()["warnings"].as_array().unwrap().clone();
    let find = |code: &str, field: &str| {
        w.iter()
            .find(|x| {
                x["code"] == code
                    && x["message"]
                        .as_str()
                        .unwrap()
                        .contains(&format!("'{field}'"))
            })
            .unwrap_or_else(|| panic!("no {code} warning for {field}: {w:?}"))
    };
    let n60 = find("null_population", "pop60");
    assert_eq!(n60["count"], 3, "{n60}");
    assert!(n60["message"].as_str().unwrap().contains("cells.csv"));
    let n80 = find("null_population", "pop80");
    assert_eq!(n80["count"], 1, "{n80}");
    let neg = find("negative_population", "pop60");
    assert_eq!(neg["count"], 2, "{neg}");
    assert!(!w
        .iter()
        .any(|x| x["code"] == "negative_population"
            && x["message"].as_str().unwrap().contains("pop80")));
    assert!(
        r.stdout.contains("warning:") && r.stdout.contains("pop60"),
        "{}",
        r.stdout
    );
    // Counted as 0: total = sum of 10 + k over the 32 cells minus the five blanked ones
    // (k = 1, 2, 3, 4, 5 → 11 + 12 + 13 + 14 + 15).
    let total: f64 = (0..32).map(|k| 10.0 + k as f64).sum::<f64>() - 65.0;
    let groups = r.summary()["inputs"]["population"]["groups"].clone();
    let eld = groups
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["group"] == "elderly")
        .unwrap()
        .clone();
    assert_eq!(eld["total"].as_f64().unwrap(), total, "{eld}");
}

#[test]
fn null_and_negative_population_in_geojson_are_warnings() {
    let c = Case::new();
    c.write("plan.toml", &plan_geojson_cells());
    let t = c
        .read("cells.geojson")
        .replacen("\"pop60\":100", "\"pop60\":null", 1)
        .replacen(",\"pop60\":101", "", 1)
        .replacen("\"pop60\":102", "\"pop60\":-5", 1);
    c.write("cells.geojson", &t);
    let r = c.run();
    r.succeeded();
    let w = r.warnings();
    assert_eq!(w["null_population"].0, 2, "{w:?}");
    assert!(w["null_population"].1.contains("'pop60'"));
    assert_eq!(w["negative_population"].0, 1, "{w:?}");
    assert!(w["negative_population"].1.contains("cells.geojson"));
}

// ---------------------------------------------------------------------------------------------
// Atomic outputs.

fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

#[test]
fn failed_run_keeps_earlier_outputs() {
    let c = Case::new();
    let ok = c.run_plan(&c.path("plan.toml"), &["--cells"]);
    ok.succeeded();
    let before = snapshot(&ok.out);
    assert!(before.contains_key("cells.csv") && before.contains_key("areas.csv"));

    // A data error found after loading (the facilities lie elsewhere) ...
    c.write("facilities.geojson", &facilities_at(116.40, 39.90));
    let r = c.run_plan(&c.path("plan.toml"), &["--cells"]);
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert!(r.stderr.contains("does not overlap"), "{}", r.stderr);
    assert_eq!(
        snapshot(&ok.out),
        before,
        "a failed run changed the outputs"
    );
    assert!(staging_left(&ok.out).is_empty());

    // ... and a plan error.
    c.plan("radius_m = 500", "radius = 500");
    let r = c.run();
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert_eq!(
        snapshot(&ok.out),
        before,
        "a failed run changed the outputs"
    );
    assert!(staging_left(&ok.out).is_empty());
}
