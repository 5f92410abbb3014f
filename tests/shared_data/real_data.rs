//! `analyze` on the whole-Wuhan CSV grid (494,676 cells), with figures verified independently
//! (see tests/real_data.rs for how: a geopandas peer and a plain brute-force script).

use crate::common::{analyze, blank_spots_match_areas, close, json, rows, totals};

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
