//! `analyze` on real data in the repository (data/), with figures verified independently.
//! The peer-verified Wuhan run on the CSV grid is in tests/shared_data/real_data.rs.
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

use common::{analyze, blank_spots_match_areas, json, rows, totals};

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

/// Wuhan from the repository's GeoTIFFs (tests/plans/wuhan_tif.toml): every street and service
/// has its row; the population of the areas is the population of the rasters' pixels less the
/// cells reported outside every street (summed here from the GeoTIFF reader, independently of
/// the pipeline); the blank-spot layer holds exactly the uncovered people; one circle per
/// facility. The peer-verified figures of the CSV form are checked with `--features shared-data`,
/// and the raster plan against them there too.
#[test]
fn wuhan_geotiff_streets() {
    let dir = analyze("tests/plans/wuhan_tif.toml");
    let rows = rows(&dir.path().join("out/areas.csv"));
    assert_eq!(rows.len(), 179 * 4);
    let tif = common::root().join("data/wuhan/pop_60plus.tif");
    // Decoded with the tiff crate itself, not carecircle's strip reader.
    let mut dec = tiff::decoder::Decoder::new(std::fs::File::open(&tif).unwrap()).unwrap();
    let pixels: f64 = match dec.read_image().unwrap() {
        tiff::decoder::DecodingResult::F32(v) => v
            .iter()
            .filter(|x| x.is_finite() && **x > 0.0)
            .map(|&x| x as f64)
            .sum(),
        _ => panic!("pop_60plus.tif is float32"),
    };
    let s = json(&dir.path().join("out/summary.json"));
    let unassigned = s["inputs"]["population"]["groups"][0]["unassigned"]
        .as_f64()
        .unwrap();
    for (kind, (pop, covered, blank)) in totals(&rows) {
        assert!(
            (pop + unassigned - pixels).abs() < 0.01 * 179.0,
            "{kind}: {pop} + {unassigned} vs {pixels}"
        );
        assert!(covered <= pop && covered > 0.0, "{kind}");
        assert!(blank > 0 && blank < 179, "{kind}: {blank}");
    }
    assert_eq!(s["inputs"]["population"]["cells"], 494_676);
    blank_spots_match_areas(dir.path(), &rows);
    let circles = json(&dir.path().join("out/circles.geojson"));
    assert_eq!(circles["features"].as_array().unwrap().len(), 1786);
}

/// The terminal summary of the Chinese demo: the table's columns line up although the service
/// names are Chinese (two terminal columns per character), and the last line names report.html.
#[test]
fn terminal_summary_aligns_chinese_names_and_names_the_report() {
    use unicode_width::UnicodeWidthStr;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = assert_cmd::Command::cargo_bin("carecircle")
        .unwrap()
        .args(["analyze", "data/wuchang/plan.toml", "--out"])
        .arg(&out)
        .current_dir(common::root())
        .output()
        .unwrap();
    assert!(o.status.success());
    let text = String::from_utf8(o.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let header = lines
        .iter()
        .position(|l| l.starts_with("service "))
        .unwrap();
    let table: Vec<&str> = lines[header..]
        .iter()
        .take_while(|l| !l.starts_with("warning") && !l.starts_with("wrote"))
        .copied()
        .collect();
    assert_eq!(table.len(), 6, "{text}");
    // Every row ends at the same terminal column, and its "m" of the radius stands in one column.
    let widths: Vec<usize> = table[1..].iter().map(|l| l.width()).collect();
    assert!(widths.windows(2).all(|w| w[0] == w[1]), "{text}");
    let m_col: Vec<usize> = table[1..]
        .iter()
        .map(|l| l[..l.find(" m ").unwrap()].width())
        .collect();
    assert!(m_col.windows(2).all(|w| w[0] == w[1]), "{text}");
    assert_eq!(
        lines.last().unwrap(),
        &format!("report: {}", out.join("report.html").display())
    );
}
