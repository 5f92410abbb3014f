//! `analyze` on real data, with figures verified independently.
//!
//! How they were verified: `scripts/peer_geopandas.py` implements the rules with
//! geopandas + shapely (sjoin for areas, sjoin_nearest in a transverse Mercator frame), and a
//! second script with no GIS library (plain JSON/CSV parsing, shapely point-in-polygon, brute
//! force numpy distances over all cell–facility pairs) reproduced every row of the peer's
//! areas.csv for both plans. carecircle agrees with the peer on every row's population,
//! facilities, capacity, blank flag and reasons. On Wuhan five cells lie within a metre of the
//! radius, where the peer's planar distance and the WGS 84 geodesic disagree; the peer's own
//! geodesic re-check (pyproj.Geod) flips exactly those five, adding 15.106 (service_station),
//! 27.381 (meal_point) and 2.389 (nursing_home) covered people to its planar figures: carecircle's
//! figures equal the geodesic ones.

#[path = "cli_common/mod.rs"]
mod common;

use common::{analyze, rows};
use std::collections::HashMap;
use std::path::Path;

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// Per service: (sum of population, sum of covered_population, blank units).
fn totals(rows: &[HashMap<String, String>]) -> HashMap<String, (f64, f64, usize)> {
    let mut t: HashMap<String, (f64, f64, usize)> = HashMap::new();
    for r in rows {
        let e = t.entry(r["kind"].clone()).or_default();
        e.0 += r["population"].parse::<f64>().unwrap();
        e.1 += r["covered_population"].parse::<f64>().unwrap();
        e.2 += (r["blank"] == "true") as usize;
    }
    t
}

fn close(a: f64, b: f64) {
    assert!((a - b).abs() < 0.01, "{a} vs {b}");
}

/// The blank-spot layer holds exactly the uncovered populated cells of every area: per service
/// its population sums to Σ (population − covered) over areas.csv, and every polygon is closed.
fn blank_spots_match_areas(dir: &Path, rows: &[HashMap<String, String>]) {
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

#[test]
fn wuhan_streets_and_the_494676_cell_grid() {
    let dir = analyze("tests/plans/wuhan.toml");
    let rows = rows(&dir.path().join("out/areas.csv"));
    assert_eq!(rows.len(), 179 * 4);
    let t = totals(&rows);
    for (kind, covered, blank) in [
        ("street_centre", 433_211.222, 53),
        ("service_station", 1_267_655.122, 116),
        ("meal_point", 421_050.509, 154),
        ("nursing_home", 1_790_221.440, 65),
    ] {
        close(t[kind].0, 1_940_845.624);
        close(t[kind].1, covered);
        assert_eq!(t[kind].2, blank, "{kind}");
    }
    // A street the peer checked by brute force: 阳逻街道 (Yangluo), service stations.
    let r = rows
        .iter()
        .find(|r| r["area_id"] == "420117002000" && r["kind"] == "service_station")
        .unwrap();
    assert_eq!(r["area_name"], "阳逻街道办事处");
    assert_eq!(
        (r["population"].as_str(), r["facilities"].as_str()),
        ("65031.716", "33")
    );
    assert_eq!(r["covered_population"], "39100.980");
    assert_eq!(r["reasons"], "coverage_below_target");
    // Codes are kept verbatim and rows sorted by code as text, then by service order.
    assert!(rows.windows(2).all(|w| w[0]["area_id"] <= w[1]["area_id"]));
    assert_eq!(rows[0]["kind"], "street_centre");
    assert_eq!(rows[1]["kind"], "service_station");

    let s = json(&dir.path().join("out/summary.json"));
    assert_eq!(s["inputs"]["population"]["cells"], 494_676);
    assert_eq!(s["inputs"]["population"]["cells_unassigned"], 1_105);
    assert_eq!(
        s["inputs"]["population"]["groups"][0]["unassigned"].as_f64(),
        Some(1808.038)
    );
    // The documents' unit measure: streets with a street centre / all streets.
    assert_eq!(s["services"][0]["units_with_min_facilities"], 126);
    assert_eq!(
        s["services"][0]["unit_measure"].as_f64(),
        Some((126.0f64 / 179.0 * 1e6).round() / 1e6)
    );
    // One synthetic meal point lies outside every street: reported, not dropped.
    assert!(s["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|w| w["code"] == "facilities_outside_areas" && w["count"] == 1));
    blank_spots_match_areas(dir.path(), &rows);
    let circles = json(&dir.path().join("out/circles.geojson"));
    assert_eq!(circles["features"].as_array().unwrap().len(), 1786);
}

#[test]
fn helsinki_postal_areas() {
    let dir = analyze("tests/plans/helsinki.toml");
    let rows = rows(&dir.path().join("out/areas.csv"));
    assert_eq!(rows.len(), 30 * 3);
    let t = totals(&rows);
    assert_eq!(t["social_facility"], (41_719.0, 8_784.0, 29));
    assert_eq!(t["library"], (203_401.0, 53_862.0, 23));
    assert_eq!(t["pharmacy"], (203_401.0, 12_164.0, 0));
    let r = rows
        .iter()
        .find(|r| r["area_id"] == "00530" && r["kind"] == "social_facility")
        .unwrap();
    assert_eq!(
        (r["population"].as_str(), r["covered_population"].as_str()),
        ("3707.000", "2641.000")
    );
    assert_eq!(r["reasons"], "no_facility;coverage_below_target");
    // Postal codes keep their leading zeros.
    assert_eq!(rows[0]["area_id"], "00100");
    let s = json(&dir.path().join("out/summary.json"));
    let nulls: Vec<u64> = s["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["code"] == "null_population")
        .map(|w| w["count"].as_u64().unwrap())
        .collect();
    assert_eq!(
        nulls,
        vec![2746, 2744, 2745, 2744],
        "pop_0_9, pop_60_69, pop_70_79, pop_80plus"
    );
    blank_spots_match_areas(dir.path(), &rows);
}

/// The README's demo: it runs, and the report names the blank units.
#[test]
fn demo_bundle_runs() {
    let dir = analyze("data/helsinki/plan.toml");
    let rows = rows(&dir.path().join("out/areas.csv"));
    let report = std::fs::read_to_string(dir.path().join("out/report.md")).unwrap();
    for r in rows.iter().filter(|r| r["blank"] == "true").take(5) {
        assert!(report.contains(&r["area_name"]), "{}", r["area_name"]);
    }
}
