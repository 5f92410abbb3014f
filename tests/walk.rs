//! Walking coverage through the CLI: hand-computed routes on a tiny fixture, and the rule "a walk
//! is never shorter than a straight line" on the Helsinki centre; the Porto Alegre peer figures
//! are reproduced with the shared-data feature.

#[path = "cli_common/mod.rs"]
mod common;

use assert_cmd::Command;
use common::{num_or_empty as num, root, walk_never_shorter};
use std::collections::HashMap;
use std::path::Path;

/// Runs `analyze` with `--cells` and returns the out folder.
fn analyze(plan: &str, extra: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let args: Vec<&str> = ["--cells"].iter().chain(extra).copied().collect();
    common::analyze_into(&root().join(plan), &dir.path().join("out"), &args);
    dir
}

/// Runs `analyze` expecting exit code 2; returns what it printed on stderr.
fn analyze_fails(plan: &str, out: &Path, extra: &[&str]) -> String {
    let a = Command::cargo_bin("carecircle")
        .unwrap()
        .args(["analyze", plan, "--out", out.to_str().unwrap()])
        .args(extra)
        .assert()
        .code(2);
    String::from_utf8_lossy(&a.get_output().stderr).to_string()
}

/// CSV rows as header → value maps (BOM stripped).
fn rows(path: &Path) -> Vec<HashMap<String, String>> {
    let text = std::fs::read_to_string(path).unwrap();
    let text = text.trim_start_matches('\u{feff}');
    let mut r = csv::Reader::from_reader(text.as_bytes());
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

/// Hand-computed routes. At the equator one degree of longitude is 2π·6 378 137/360 =
/// 111 319.49 m and one degree of latitude 110 574.27 m (meridian radius a(1−e²)). The facility
/// sits 0.0001° north of the north street at lon 0.001 (access leg 11.057 m).
/// - `same_bank` (lon 0.0095, 0.0001° south of the north street): 11.057 + 0.0085° × 111 319.49
///   + 11.057 = 968.33 m, within the 1000 m budget (15 min at 4 km/h).
/// - `across_river` (lon 0.001, 0.0001° south of the south street): 243.26 m in a straight line
///   (0.0022° of latitude), but on foot 11.057 + 0.009° east + 0.002° of latitude over the bridge
///   (221.149 m) + 0.009° back west + 11.057 = 2247.01 m: covered in a straight line, not on foot.
#[test]
fn hand_computed_routes_across_a_river() {
    let dir = analyze("tests/fixtures/walk/plan.toml", &[]);
    let cells = rows(&dir.path().join("out/cells.csv"));
    let by_id: HashMap<&str, &HashMap<String, String>> =
        cells.iter().map(|r| (r["cell_id"].as_str(), r)).collect();
    let near = |v: Option<f64>, want: f64| {
        let v = v.expect("a distance");
        assert!((v - want).abs() < 0.5, "{v} vs {want}");
    };
    let same = by_id["same_bank"];
    near(num(&same["service_station_walk_m"]), 968.33);
    assert_eq!(same["service_station_walk_covered"], "true");
    let across = by_id["across_river"];
    near(num(&across["service_station_distance_m"]), 243.26);
    assert_eq!(across["service_station_covered"], "true");
    assert_eq!(
        across["service_station_walk_m"], "",
        "beyond the 1000 m budget: not reached"
    );
    assert_eq!(across["service_station_walk_covered"], "false");
    near(num(&across["station_45min_walk_m"]), 2247.01);
    assert_eq!(across["station_45min_walk_covered"], "true");

    // With a network the blank-spot rule is judged on foot: 100 % in a straight line, 1/3 on foot.
    let areas = rows(&dir.path().join("out/areas.csv"));
    let a = areas
        .iter()
        .find(|r| r["kind"] == "service_station")
        .unwrap();
    assert_eq!(a["coverage"], "1.000000");
    assert_eq!(a["network_covered_population"], "50.000");
    assert_eq!(a["network_coverage"], "0.333333");
    assert_eq!(
        (a["blank"].as_str(), a["reasons"].as_str()),
        ("true", "coverage_below_target")
    );
}

/// Helsinki: the network covers only the centre, so most cells are off it; they are counted and
/// reported, never covered on foot, and the walk-vs-line rule holds for the others.
#[test]
fn helsinki_cells_off_the_network_are_reported() {
    let dir = analyze("tests/plans/helsinki_walk.toml", &["--service-areas"]);
    assert!(walk_never_shorter(dir.path(), &["library", "pharmacy"]) > 20);
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("out/summary.json")).unwrap())
            .unwrap();
    let off = summary["network"]["cells_off_network"].as_u64().unwrap();
    assert!(off > 5000, "{off}");
    assert!(summary["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|w| w["code"] == "cells_off_network" && w["count"].as_u64() == Some(off)));
    // The pharmacy service walks 10 minutes at 3 km/h: 500 m.
    assert_eq!(
        summary["services"][1]["walking"]["budget_m"].as_f64(),
        Some(500.0)
    );
    let sa: serde_json::Value = serde_json::from_slice(
        &std::fs::read(dir.path().join("out/service_areas.geojson")).unwrap(),
    )
    .unwrap();
    let feats = sa["features"].as_array().unwrap();
    assert!(feats.iter().any(|f| f["properties"]["level"] == "service"));
    assert!(feats.iter().any(|f| f["properties"]["level"] == "facility"));
}

#[test]
fn service_areas_need_a_network() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let err = analyze_fails(
        root().join("tests/plans/helsinki.toml").to_str().unwrap(),
        &out,
        &["--service-areas"],
    );
    assert!(err.contains("[network]"), "{err}");
    assert!(!out.exists());
}

/// A network file from elsewhere (the equator fixture) under Helsinki areas: both boxes named.
#[test]
fn network_far_from_the_areas_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let plan = std::fs::read_to_string(root().join("tests/plans/helsinki_walk.toml")).unwrap();
    let data = root().join("data/helsinki");
    let plan = plan
        .replace("../../data/helsinki", data.to_str().unwrap())
        .replace(
            &format!("{}/helsinki-centre.osm.pbf", data.display()),
            root()
                .join("tests/fixtures/network/river.osm.pbf")
                .to_str()
                .unwrap(),
        );
    std::fs::write(dir.path().join("plan.toml"), plan).unwrap();
    let out = dir.path().join("out");
    let err = analyze_fails(dir.path().join("plan.toml").to_str().unwrap(), &out, &[]);
    assert!(
        err.contains("river.osm.pbf")
            && err.contains("does not overlap")
            && err.matches("lon ").count() >= 2,
        "{err}"
    );
    assert!(!out.exists());
}

#[test]
fn a_non_pbf_network_is_an_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let plan = std::fs::read_to_string(root().join("tests/fixtures/walk/plan.toml")).unwrap();
    let fixture = root().join("tests/fixtures/walk");
    let plan = plan
        .replace(
            "\"areas.geojson\"",
            &format!("{:?}", fixture.join("areas.geojson")),
        )
        .replace("\"cells.csv\"", &format!("{:?}", fixture.join("cells.csv")))
        .replace(
            "\"facilities.geojson\"",
            &format!("{:?}", fixture.join("facilities.geojson")),
        )
        .replace(
            "\"../network/river.osm.pbf\"",
            &format!("{:?}", fixture.join("cells.csv")),
        );
    std::fs::write(dir.path().join("plan.toml"), plan).unwrap();
    let out = dir.path().join("out");
    let err = analyze_fails(dir.path().join("plan.toml").to_str().unwrap(), &out, &[]);
    assert!(
        err.contains("cells.csv") && err.contains(".osm.pbf"),
        "{err}"
    );
    assert!(!out.exists());
}

/// A facility farther than `max_snap_m` from every walkable way is a warning naming it, and it
/// reaches no one on foot (its straight-line circle still counts in the straight figures).
#[test]
fn facility_far_off_the_network_is_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = root().join("tests/fixtures/walk");
    for f in ["areas.geojson", "cells.csv", "plan.toml"] {
        std::fs::copy(fixture.join(f), dir.path().join(f)).unwrap();
    }
    // 0.008° (≈ 885 m) south of the south street, inside the area extended southwards.
    std::fs::write(
        dir.path().join("areas.geojson"),
        r#"{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"id":"A1","name":"river town"},"geometry":{"type":"Polygon","coordinates":[[[-0.001,-0.01],[0.011,-0.01],[0.011,0.003],[-0.001,0.003],[-0.001,-0.01]]]}}]}"#,
    )
    .unwrap();
    std::fs::write(
        dir.path().join("facilities.geojson"),
        r#"{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"id":"station-far","kind":"service_station"},"geometry":{"type":"Point","coordinates":[0.001,-0.008]}}]}"#,
    )
    .unwrap();
    let plan = std::fs::read_to_string(dir.path().join("plan.toml"))
        .unwrap()
        .replace(
            "\"../network/river.osm.pbf\"",
            &format!("{:?}", root().join("tests/fixtures/network/river.osm.pbf")),
        );
    std::fs::write(dir.path().join("plan.toml"), plan).unwrap();
    let out = dir.path().join("out");
    Command::cargo_bin("carecircle")
        .unwrap()
        .args([
            "analyze",
            dir.path().join("plan.toml").to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "-q",
        ])
        .assert()
        .success();
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    let w = summary["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["code"] == "facilities_off_network")
        .expect("warning");
    assert!(
        w["message"].as_str().unwrap().contains("station-far"),
        "{w}"
    );
    assert_eq!(
        summary["services"][0]["walking"]["facilities_off_network"],
        1
    );
    assert_eq!(
        summary["services"][0]["walking"]["network_covered_population"].as_f64(),
        Some(0.0)
    );
}
