//! Zones, parent levels, official counts, demand growth and what-if plans (issue 7).
//!
//! Synthetic cases (hand-made squares and cells, said so in each test) have exact expected
//! figures worked out by hand; the real-data cases run on the Wuhan (WorldPop GeoTIFFs) and
//! Helsinki bundles in `data/` and the seed districts' streets in tests/fixtures, with the expectation computed independently in the test (brute-force
//! distances, sums read back from the input files, or an equivalent run of the existing code).

#[path = "cli_common/mod.rs"]
mod common;

use assert_cmd::Command;
use carecircle::plan::Scenario;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// The repository's data bundles (data/wuhan, data/helsinki).
fn data() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data")
}

/// Real layers copied into the test fixtures (the five seed districts' streets).
fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn run_cli(plan: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    common::keep_plan(plan);
    let mut args = vec![
        "analyze".to_string(),
        plan.to_str().unwrap().to_string(),
        "--out".into(),
        out.to_str().unwrap().into(),
        "-q".into(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    Command::cargo_bin("carecircle")
        .unwrap()
        .args(&args)
        .output()
        .unwrap()
}

use common::{analyze_into as analyze, rows};

fn num(r: &HashMap<String, String>, k: &str) -> f64 {
    r[k].parse()
        .unwrap_or_else(|_| panic!("{k} = '{}' is not a number", r[k]))
}

fn json_file(p: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
}

fn warning_count(summary: &Value, code: &str) -> u64 {
    summary["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["code"] == code)
        .map(|w| w["count"].as_u64().unwrap())
        .sum()
}

/// The Wuhan streets with extra properties set per feature by `f(index, properties)`.
fn wuhan_areas(dir: &Path, f: impl Fn(usize, &mut serde_json::Map<String, Value>)) -> PathBuf {
    let mut gj = json_file(&data().join("wuhan/streets_approx.geojson"));
    for (i, feat) in gj["features"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .enumerate()
    {
        f(i, feat["properties"].as_object_mut().unwrap());
    }
    let p = dir.join("streets.geojson");
    std::fs::write(&p, serde_json::to_vec(&gj).unwrap()).unwrap();
    p
}

/// A Wuhan plan over `areas` with the given `[areas]` extras, services and tail sections.
fn wuhan_plan(dir: &Path, areas: &Path, areas_extra: &str, rest: &str) -> PathBuf {
    let w = data().join("wuhan");
    let text = format!(
        r#"
[areas]
path = "{}"
id = "id"
name = "name"
{areas_extra}

[population]
path = "{}"
groups.elderly = "pop_60plus.tif"
groups.oldest = "pop_80plus.tif"

[[facilities]]
path = "{}"
id = "id"
kind = "kind"
capacity = "capacity"
{rest}
"#,
        areas.display(),
        w.display(),
        w.join("facilities_synthetic.geojson").display(),
    );
    let p = dir.join("plan.toml");
    std::fs::write(&p, text).unwrap();
    p
}

const WUHAN_SERVICES: &str = r#"
[[service]]
kind = "street_centre"
serves = "elderly"
radius_m = 1000
min_per_area = 1

[[service]]
kind = "service_station"
serves = "elderly"
radius_m = 1000
min_per_area = 1
coverage_target = 0.9

[[service]]
kind = "nursing_home"
serves = "elderly"
radius_m = 5000
capacity_per_1000 = 7
"#;

/// The outer (rural) districts of Wuhan, zoned "outer" in these tests.
const OUTER: [&str; 6] = ["黄陂区", "新洲区", "江夏区", "蔡甸区", "汉南区", "东西湖区"];

fn load(plan: &Path, scenario: Scenario, exact: bool) -> carecircle::Analysis {
    let mut p = carecircle::Plan::load(plan).unwrap();
    p.scenario = scenario;
    carecircle::run(
        p,
        &carecircle::Options {
            exact_distances: exact,
            progress: &carecircle::analyze::Quiet,
        },
    )
    .unwrap()
}

/// Synthetic, hand-made: three 0.02° squares side by side near (114° E, 30° N) with one point
/// cell of 100 people at the centre of each quarter (0.005° and 0.015° from the square's
/// corner). Radius 800 m; a cell–facility offset of (0.0049°, 0.005°) is ≈ 729 m (0.0049° ×
/// 96.4 km/° east, 0.005° × 110.9 km/° north), (0.0149°, 0.005°) ≈ 1.5 km.
/// - M1 (mountain, presence only) has one facility at its south-west corner: by distance its
///   south-west cell (≈ 0.72 km) and its two eastern cells (≈ 741 m from U's west facility)
///   would be covered, 300 people; by presence all 400 are.
/// - U (urban) has facilities on its west and east edges at mid-height: every cell ≈ 729 m
///   from one of them → 400 covered.
/// - M2 (mountain) has no facility; U's east facility lies ≈ 741 m from its two western
///   cells, within the radius, but presence only means 0 covered.
#[test]
fn presence_only_zone_by_hand() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let sq = |x0: f64| {
        json!([[
            [x0, 30.0],
            [x0 + 0.02, 30.0],
            [x0 + 0.02, 30.02],
            [x0, 30.02],
            [x0, 30.0]
        ]])
    };
    let areas = json!({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"id": "M1", "name": "m1", "zone": "mountain"}, "geometry": {"type": "Polygon", "coordinates": sq(114.00)}},
        {"type": "Feature", "properties": {"id": "U", "name": "u", "zone": "urban"}, "geometry": {"type": "Polygon", "coordinates": sq(114.02)}},
        {"type": "Feature", "properties": {"id": "M2", "name": "m2", "zone": "mountain"}, "geometry": {"type": "Polygon", "coordinates": sq(114.04)}},
    ]});
    std::fs::write(d.join("areas.geojson"), areas.to_string()).unwrap();
    let mut csv = String::from("id,lon,lat,pop\n");
    let mut cells = Vec::new();
    for x0 in [114.00, 114.02, 114.04] {
        for dx in [0.005, 0.015] {
            for dy in [0.005, 0.015] {
                cells.push([x0 + dx, 30.0 + dy]);
                csv += &format!("c{},{:.3},{:.3},100\n", cells.len(), x0 + dx, 30.0 + dy);
            }
        }
    }
    std::fs::write(d.join("cells.csv"), csv).unwrap();
    let facs = [[114.0001, 30.0001], [114.0201, 30.01], [114.0399, 30.01]];
    let fac = json!({"type": "FeatureCollection", "features": facs.iter().map(|p| json!(
        {"type": "Feature", "properties": {"kind": "station"}, "geometry": {"type": "Point", "coordinates": p}}
    )).collect::<Vec<_>>()});
    std::fs::write(d.join("fac.geojson"), fac.to_string()).unwrap();
    // The hand figures hold by a wide margin: no cell–facility distance (haversine, 6371 km)
    // lies within 50 m of the radius, so the sphere/ellipsoid difference cannot flip one.
    let hav = |a: [f64; 2], b: [f64; 2]| {
        let (la1, la2) = (a[1].to_radians(), b[1].to_radians());
        let dlo = (b[0] - a[0]).to_radians();
        let h =
            ((la2 - la1) / 2.0).sin().powi(2) + la1.cos() * la2.cos() * (dlo / 2.0).sin().powi(2);
        2.0 * 6_371_008.8 * h.sqrt().asin()
    };
    for c in &cells {
        for f in &facs {
            assert!((hav(*c, *f) - 800.0).abs() > 50.0);
        }
    }
    let plan = d.join("plan.toml");
    std::fs::write(
        &plan,
        r#"
[areas]
path = "areas.geojson"
id = "id"
name = "name"
zone = "zone"
[population]
path = "cells.csv"
lon = "lon"
lat = "lat"
cell_size = "0.01 deg"
groups.elderly = "pop"
[[facilities]]
path = "fac.geojson"
kind = "kind"
[[service]]
kind = "station"
serves = "elderly"
radius_m = 800
coverage_target = 0.9
zones.mountain = { presence_only = true }
"#,
    )
    .unwrap();
    let out = d.join("out");
    analyze(&plan, &out, &[]);
    let r = rows(&out.join("areas.csv"));
    let by: HashMap<&str, &HashMap<String, String>> =
        r.iter().map(|x| (x["area_id"].as_str(), x)).collect();
    assert_eq!(num(by["M1"], "covered_population"), 400.0);
    assert_eq!(by["M1"]["blank"], "false");
    assert_eq!(by["M1"]["zone"], "mountain");
    assert_eq!(num(by["U"], "covered_population"), 400.0);
    assert_eq!(by["U"]["zone"], "urban");
    assert_eq!(num(by["M2"], "covered_population"), 0.0);
    assert_eq!(by["M2"]["blank"], "true");
    assert_eq!(by["M2"]["reasons"], "coverage_below_target");
    // Without the zone rule, distances decide: M1 300, M2 200 (its two western cells).
    let text = std::fs::read_to_string(&plan)
        .unwrap()
        .replace("zones.mountain = { presence_only = true }", "");
    std::fs::write(&plan, text).unwrap();
    analyze(&plan, &out, &[]);
    let r = rows(&out.join("areas.csv"));
    let by: HashMap<&str, &HashMap<String, String>> =
        r.iter().map(|x| (x["area_id"].as_str(), x)).collect();
    assert_eq!(num(by["M1"], "covered_population"), 300.0);
    assert_eq!(num(by["M2"], "covered_population"), 200.0);
    let s = json_file(&out.join("summary.json"));
    // Zone values no rule names are counted (3 units now), not an error.
    assert_eq!(warning_count(&s, "zone_without_rules"), 3);
}

/// Real data (Wuhan): outer districts get a 3 km radius and their own target, the rest 1 km.
/// Every sampled cell's covered flag equals a brute-force scan over all facilities of the kind
/// (true metres from the program's own tested frame, compared with the zone radius the test
/// assigns itself), and the per-area covered sums equal the test's own sums over all cells.
#[test]
fn per_zone_radius_matches_brute_force_on_wuhan() {
    let dir = tempfile::tempdir().unwrap();
    let areas = wuhan_areas(dir.path(), |_, p| {
        let outer = OUTER.contains(&p["district"].as_str().unwrap());
        p.insert("zone".into(), json!(if outer { "outer" } else { "urban" }));
    });
    let plan = wuhan_plan(
        dir.path(),
        &areas,
        r#"zone = "zone""#,
        r#"
[[service]]
kind = "service_station"
serves = "elderly"
radius_m = 1000
coverage_target = 0.9
zones.outer = { radius_m = 3000, coverage_target = 0.5 }
zones.hills = { radius_m = 2000 }
"#,
    );
    let a = load(&plan, Scenario::default(), true);
    let s = &a.services[0];
    // The test's own zoning, by district name read back from the input file.
    let districts: Vec<String> = json_file(&areas)["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"]["district"].as_str().unwrap().to_string())
        .collect();
    let radius = |c: usize| match a.cell_area[c] {
        Some(x) if OUTER.contains(&districts[x.0 as usize].as_str()) => 3000.0,
        _ => 1000.0,
    };
    let fac: Vec<[f64; 2]> = s
        .facilities
        .iter()
        .map(|&i| {
            let ll = a.facilities[i as usize].lonlat;
            a.frame.to_local(ll[0], ll[1])
        })
        .collect();
    let mut checked = 0;
    let (mut near_3k, mut between) = (0, 0);
    for c in (0..a.cells.len()).step_by(37) {
        let p = a.cells.local[c];
        let brute = fac
            .iter()
            .map(|f| a.frame.distance(p, *f))
            .fold(f64::INFINITY, f64::min);
        if (brute - radius(c)).abs() < 1e-6 {
            continue;
        }
        assert_eq!(s.covered[c], brute <= radius(c), "cell {c}: {brute} m");
        if radius(c) == 3000.0 && brute > 1000.0 && brute <= 3000.0 {
            between += 1;
        }
        near_3k += (brute <= 3000.0) as usize;
        checked += 1;
    }
    assert!(
        checked > 10_000 && between > 100,
        "{checked} {between} {near_3k}"
    );
    // Area sums from the flags.
    let mut cov = vec![0.0; a.areas.list.len()];
    for c in 0..a.cells.len() {
        if let (Some(x), true) = (a.cell_area[c], s.covered[c]) {
            cov[x.0 as usize] += a.cells.values[0][c];
        }
    }
    for (st, want) in s.stats.iter().zip(&cov) {
        assert!((st.covered - want).abs() < 1e-6);
        let outer = OUTER.contains(&districts[st.area.0 as usize].as_str());
        let target = if outer { 0.5 } else { 0.9 };
        assert_eq!(
            st.blank(),
            st.coverage.is_some_and(|c| c < target),
            "{}",
            a.areas.list[st.area.0 as usize].id
        );
    }
    // `hills` has rules but no unit: a warning, not an error.
    assert!(a.warnings.0.iter().any(|w| w.code == "zone_without_units"));
}

/// Real data (Helsinki, on foot): a zone with a 20-minute budget and the rest at 10 minutes
/// gives, cell by cell, the walking flags of a uniform 20-minute run in that zone and of a
/// uniform 10-minute run elsewhere.
#[test]
fn per_zone_minutes_on_helsinki_network() {
    let dir = tempfile::tempdir().unwrap();
    let h = data().join("helsinki");
    let mut gj = json_file(&h.join("postal_areas.geojson"));
    let mut long = Vec::new();
    for (i, f) in gj["features"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .enumerate()
    {
        let z = if i % 2 == 0 { "far" } else { "near" };
        if i % 2 == 0 {
            long.push(f["properties"]["id"].as_str().unwrap().to_string());
        }
        f["properties"]
            .as_object_mut()
            .unwrap()
            .insert("zone".into(), json!(z));
    }
    std::fs::write(dir.path().join("areas.geojson"), gj.to_string()).unwrap();
    let plan = |name: &str, minutes: u32, zones: &str| {
        let p = dir.path().join(name);
        std::fs::write(
            &p,
            format!(
                r#"
[areas]
path = "areas.geojson"
id = "id"
name = "name"
zone = "zone"
[population]
path = "{}"
groups.total = "pop_total"
[network]
path = "{}"
[[facilities]]
path = "{}"
id = "id"
kind = "kind"
[[service]]
kind = "library"
serves = "total"
radius_m = 1000
minutes = {minutes}
{zones}
"#,
                h.join("population_2015_250m.geojson").display(),
                h.join("helsinki-centre.osm.pbf").display(),
                h.join("facilities_osm.geojson").display()
            ),
        )
        .unwrap();
        p
    };
    let zoned = load(
        &plan("z.toml", 10, "zones.far = { minutes = 20 }"),
        Scenario::default(),
        false,
    );
    let short = load(&plan("s.toml", 10, ""), Scenario::default(), false);
    let longr = load(&plan("l.toml", 20, ""), Scenario::default(), false);
    let w = |a: &carecircle::Analysis| a.services[0].walk.as_ref().unwrap().covered.clone();
    let (wz, ws, wl) = (w(&zoned), w(&short), w(&longr));
    let mut differ = 0;
    for c in 0..wz.len() {
        let far =
            zoned.cell_area[c].is_some_and(|x| long.contains(&zoned.areas.list[x.0 as usize].id));
        assert_eq!(wz[c], if far { wl[c] } else { ws[c] }, "cell {c}");
        differ += (ws[c] != wl[c]) as usize;
    }
    assert!(differ > 0, "the two budgets must differ somewhere");
}

/// Real data (Wuhan, parent = district): every districts.csv row equals the sums of the
/// areas.csv rows of its streets, the parent read from the input file by the test; the ratio
/// columns are recomputed from those sums.
#[test]
fn districts_sum_their_streets_on_wuhan() {
    let dir = tempfile::tempdir().unwrap();
    let areas = data().join("wuhan/streets_approx.geojson");
    let plan = wuhan_plan(dir.path(), &areas, r#"parent = "district""#, WUHAN_SERVICES);
    let out = dir.path().join("out");
    analyze(&plan, &out, &[]);
    let parent: HashMap<String, String> = json_file(&areas)["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["properties"]["id"].as_str().unwrap().to_string(),
                f["properties"]["district"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let a = rows(&out.join("areas.csv"));
    let d = rows(&out.join("districts.csv"));
    // (population, covered, facilities, capacity, units, blank units) per (district, kind).
    let mut want: BTreeMap<(String, String), [f64; 6]> = BTreeMap::new();
    for r in &a {
        let e = want
            .entry((parent[&r["area_id"]].clone(), r["kind"].clone()))
            .or_default();
        e[0] += num(r, "population");
        e[1] += num(r, "covered_population");
        e[2] += num(r, "facilities");
        e[3] += r["capacity"].parse::<f64>().unwrap_or(0.0);
        e[4] += 1.0;
        e[5] += (r["blank"] == "true") as u8 as f64;
    }
    assert_eq!(d.len(), want.len());
    assert_eq!(
        want.keys()
            .map(|k| &k.0)
            .collect::<std::collections::BTreeSet<_>>()
            .len(),
        13
    );
    for r in &d {
        let w = want[&(r["area_id"].clone(), r["kind"].clone())];
        assert!((num(r, "population") - w[0]).abs() < 0.01, "{r:?}");
        assert!((num(r, "covered_population") - w[1]).abs() < 0.01);
        assert_eq!(num(r, "facilities"), w[2]);
        assert!((r["capacity"].parse::<f64>().unwrap_or(0.0) - w[3]).abs() < 0.01);
        assert_eq!(num(r, "units"), w[4]);
        assert_eq!(num(r, "units_blank"), w[5]);
        if r["kind"] == "nursing_home" {
            let per = num(r, "capacity_per_1000");
            assert!((per - w[3] / w[0] * 1000.0).abs() < 0.01);
            // The district-level rule: capacity per 1,000 ≥ 7 on the district's sums.
            assert_eq!(r["blank"] == "true", w[3] / w[0] * 1000.0 < 7.0, "{r:?}");
        }
    }
    let s = json_file(&out.join("summary.json"));
    assert_eq!(s["services"][0]["parents"].as_array().unwrap().len(), 13);
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(report.contains("## Per district (parent units)"));
}

/// Real data (Wuhan) with an official count per street made up by the test (p60 = 1000 + 10 ×
/// feature index, null for every 20th street): capacity per 1,000 divides by it, falls back to
/// the grid sum where it is null (counted in the warnings), and `capacity_per_1000_grid` always
/// divides by the grid sum. Demand growth 1.24 scales both the grid and the official count.
#[test]
fn official_counts_and_growth_on_wuhan() {
    let dir = tempfile::tempdir().unwrap();
    let areas = wuhan_areas(dir.path(), |i, p| {
        let v = (i % 20 != 7).then_some(1000.0 + 10.0 * i as f64);
        p.insert("p60".into(), json!(v));
    });
    let official: HashMap<String, Option<f64>> = json_file(&areas)["features"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
        .map(|(i, f)| {
            (
                f["properties"]["id"].as_str().unwrap().to_string(),
                (i % 20 != 7).then_some(1000.0 + 10.0 * i as f64),
            )
        })
        .collect();
    let nulls = official.values().filter(|v| v.is_none()).count() as u64;
    let services = r#"
[[service]]
kind = "nursing_home"
serves = "elderly"
radius_m = 5000
capacity_per_1000 = 7
"#;
    let base_plan = wuhan_plan(dir.path(), &areas, r#"counts.elderly = "p60""#, services);
    let out = dir.path().join("out");
    analyze(&base_plan, &out, &[]);
    let base = rows(&out.join("areas.csv"));
    let s = json_file(&out.join("summary.json"));
    assert_eq!(warning_count(&s, "official_count_missing"), nulls);
    for r in &base {
        let cap = num(r, "capacity");
        let pop = num(r, "population");
        match official[&r["area_id"]] {
            Some(o) => {
                assert_eq!(num(r, "official_population"), o);
                assert!((num(r, "capacity_per_1000") - cap / o * 1000.0).abs() < 0.001);
                assert_eq!(r["blank"] == "true", cap / o * 1000.0 < 7.0, "{r:?}");
            }
            None => {
                assert_eq!(r["official_population"], "");
                if pop > 0.0 {
                    assert!((num(r, "capacity_per_1000") - cap / pop * 1000.0).abs() < 0.001);
                }
            }
        }
        if pop > 0.0 {
            assert!((num(r, "capacity_per_1000_grid") - cap / pop * 1000.0).abs() < 0.001);
        }
    }
    // report.html shows both denominators (official and grid) beside each other.
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("官方人口") && html.contains("每千人容量（格网人口）"));
    // Growth: every figure scales by 1.24.
    let text = std::fs::read_to_string(&base_plan).unwrap().replace(
        "groups.oldest = \"pop_80plus.tif\"",
        "groups.oldest = \"pop_80plus.tif\"\ngrowth.elderly = { 2025 = 1.1, 2030 = 1.24 }",
    );
    assert!(text.contains("growth.elderly"), "the growth line was added");
    let grown_plan = dir.path().join("grown.toml");
    std::fs::write(&grown_plan, text).unwrap();
    let out2 = dir.path().join("out2");
    analyze(&grown_plan, &out2, &["--year", "2030"]);
    let grown = rows(&out2.join("areas.csv"));
    for (b, g) in base.iter().zip(&grown) {
        assert_eq!(b["area_id"], g["area_id"]);
        assert!((num(g, "population") - 1.24 * num(b, "population")).abs() < 0.01);
        if let Some(o) = official[&b["area_id"]] {
            assert!((num(g, "official_population") - 1.24 * o).abs() < 0.001);
        }
    }
    // Per-year factors need --year.
    let o = run_cli(&grown_plan, &dir.path().join("out3"), &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--year"));
}

/// Writes planned facilities as GeoJSON points `(kind, lon, lat, year)`.
fn planned_file(path: &Path, pts: &[(&str, [f64; 2], i32)]) {
    let feats: Vec<Value> = pts
        .iter()
        .enumerate()
        .map(|(i, (k, p, y))| {
            json!({"type": "Feature", "properties": {"id": format!("plan{i}"), "kind": k, "year": y, "capacity": 30},
                   "geometry": {"type": "Point", "coordinates": [p[0], p[1]]}})
        })
        .collect();
    std::fs::write(
        path,
        json!({"type": "FeatureCollection", "features": feats}).to_string(),
    )
    .unwrap();
}

/// Real data (Wuhan): a planned street centre in a street that has none (blank for
/// `no_facility`) fixes it; the run with `--with-planned` equals a run with the planned file as
/// an ordinary facility source; the `_before` columns equal the run without it; a planned
/// facility after `planned_until` is left out; the report lists the fixed unit.
#[test]
fn planned_facility_fixes_a_blank_street_on_wuhan() {
    let dir = tempfile::tempdir().unwrap();
    let areas = data().join("wuhan/streets_approx.geojson");
    let plan0 = wuhan_plan(dir.path(), &areas, "", WUHAN_SERVICES);
    let base = load(&plan0, Scenario::default(), false);
    // A street without a street centre, and the most populated cell in it.
    let sc = &base.services[0];
    let target = sc
        .stats
        .iter()
        .filter(|x| x.facilities == 0 && x.population > 0.0)
        .max_by(|x, y| x.population.total_cmp(&y.population))
        .unwrap()
        .area;
    let cell = (0..base.cells.len())
        .filter(|&c| base.cell_area[c] == Some(target))
        .max_by(|&x, &y| base.cells.values[0][x].total_cmp(&base.cells.values[0][y]))
        .unwrap();
    let target_id = base.areas.list[target.0 as usize].id.clone();
    let p = base.cells.lonlat[cell];
    let planned = dir.path().join("planned.geojson");
    // The second one opens in 2031, after planned_until: left out.
    planned_file(
        &planned,
        &[("street_centre", p, 2024), ("service_station", p, 2031)],
    );
    let tail = format!(
        "planned_until = 2025\n{WUHAN_SERVICES}\n[[planned]]\npath = \"{}\"\nid = \"id\"\nkind = \"kind\"\ncapacity = \"capacity\"\nyear = \"year\"\n",
        planned.display()
    );
    // `planned_until` is a top-level key: it must precede the tables.
    let plan1 = dir.path().join("p1.toml");
    let text = std::fs::read_to_string(&plan0).unwrap();
    let (head, _) = text.split_once("[areas]").unwrap();
    let body = text[head.len()..].replace(WUHAN_SERVICES, "");
    let (pre, post) = tail.split_once('\n').unwrap();
    std::fs::write(&plan1, format!("{head}{pre}\n{body}{post}")).unwrap();
    let out0 = dir.path().join("out0");
    let out1 = dir.path().join("out1");
    analyze(&plan0, &out0, &[]);
    analyze(&plan1, &out1, &["--with-planned"]);
    let before = rows(&out0.join("areas.csv"));
    let after = rows(&out1.join("areas.csv"));
    let row = after
        .iter()
        .find(|r| r["area_id"] == target_id && r["kind"] == "street_centre")
        .unwrap();
    assert_eq!(row["planned_facilities"], "1");
    assert_eq!(row["facilities"], "1");
    assert_eq!(row["blank_before"], "true");
    assert_eq!(row["blank"], "false");
    assert_eq!(row["fixed_by_plan"], "true");
    // Before columns = the run without planned facilities; the service_station of 2031 is not
    // counted anywhere.
    assert_eq!(before.len(), after.len());
    for (b, a) in before.iter().zip(&after) {
        assert_eq!((&b["area_id"], &b["kind"]), (&a["area_id"], &a["kind"]));
        assert_eq!(b["covered_population"], a["covered_population_before"]);
        assert_eq!(b["coverage"], a["coverage_before"]);
        assert_eq!(b["blank"], a["blank_before"]);
        if a["kind"] == "service_station" {
            assert_eq!(a["planned_facilities"], "0");
            assert_eq!(a["covered_population"], b["covered_population"]);
        }
    }
    // As if built: the same plan with the planned street centre as an ordinary source.
    let built = dir.path().join("built.geojson");
    planned_file(&built, &[("street_centre", p, 2024)]);
    let plan2 = wuhan_plan(
        dir.path(),
        &areas,
        "",
        &format!(
            "\n[[facilities]]\npath = \"{}\"\nid = \"id\"\nkind = \"kind\"\ncapacity = \"capacity\"\n{WUHAN_SERVICES}",
            built.display()
        ),
    );
    let out2 = dir.path().join("out2");
    analyze(&plan2, &out2, &[]);
    let asbuilt = rows(&out2.join("areas.csv"));
    for (x, y) in asbuilt.iter().zip(&after) {
        for k in [
            "area_id",
            "kind",
            "population",
            "covered_population",
            "facilities",
            "capacity",
            "blank",
            "reasons",
        ] {
            assert_eq!(x[k], y[k], "{k}: {x:?}");
        }
    }
    let s = json_file(&out1.join("summary.json"));
    assert_eq!(warning_count(&s, "planned_after_year"), 1);
    assert_eq!(
        s["services"][0]["planned"]["fixed_units"],
        json!([target_id])
    );
    let report = std::fs::read_to_string(out1.join("report.md")).unwrap();
    let fixed_line = report
        .lines()
        .find(|l| l.starts_with("Fixed by the plan (1)"))
        .expect("the report lists the fixed unit");
    assert!(fixed_line.contains(&target_id), "{fixed_line}");
    // report.html says the same for the street centres: one fixed, named.
    let target_name = after
        .iter()
        .find(|r| r["area_id"] == target_id)
        .map(|r| r["area_name"].clone())
        .unwrap();
    let html = std::fs::read_to_string(out1.join("report.html")).unwrap();
    let fixed_html = format!("<b>规划消除的空白 (1)</b>: {target_name}</p>");
    assert!(
        html.contains(&fixed_html),
        "{fixed_html} not in report.html"
    );
    let circles = json_file(&out1.join("circles.geojson"));
    let planned_circles: Vec<&Value> = circles["features"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["properties"]["planned"] == true)
        .collect();
    assert_eq!(planned_circles.len(), 1);
    assert_eq!(planned_circles[0]["properties"]["id"], "plan0");
}

/// Real data (Helsinki, on foot): `--with-planned` with a planned pharmacy equals the run with
/// it as an ordinary facility, walking figures included (two searches combined = one search
/// over all sources).
#[test]
fn planned_on_foot_equals_as_built_on_helsinki() {
    let dir = tempfile::tempdir().unwrap();
    let h = data().join("helsinki");
    // A planned pharmacy at a library's location (inside the network's extent).
    let fac = json_file(&h.join("facilities_osm.geojson"));
    let lib = fac["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["properties"]["kind"] == "library")
        .unwrap();
    let c = lib["geometry"]["coordinates"].clone();
    let p = [c[0].as_f64().unwrap(), c[1].as_f64().unwrap()];
    let planned = dir.path().join("planned.geojson");
    planned_file(&planned, &[("pharmacy", p, 2025)]);
    let plan = |name: &str, extra: &str| {
        let path = dir.path().join(name);
        std::fs::write(
            &path,
            format!(
                r#"
[areas]
path = "{h}/postal_areas.geojson"
id = "id"
name = "name"
[population]
path = "{h}/population_2015_250m.geojson"
groups.elderly = ["pop_60_69", "pop_70_79", "pop_80plus"]
[network]
path = "{h}/helsinki-centre.osm.pbf"
[[facilities]]
path = "{h}/facilities_osm.geojson"
id = "id"
kind = "kind"
{extra}
[[service]]
kind = "pharmacy"
serves = "elderly"
radius_m = 500
minutes = 10
coverage_target = 0.5
"#,
                h = h.display()
            ),
        )
        .unwrap();
        path
    };
    let src = |section: &str| {
        format!(
            "[[{section}]]\npath = \"{}\"\nid = \"id\"\nkind = \"kind\"\n",
            planned.display()
        )
    };
    let (o1, o2) = (dir.path().join("o1"), dir.path().join("o2"));
    analyze(&plan("a.toml", &src("planned")), &o1, &["--with-planned"]);
    analyze(&plan("b.toml", &src("facilities")), &o2, &[]);
    let (x, y) = (rows(&o1.join("areas.csv")), rows(&o2.join("areas.csv")));
    let mut changed = 0;
    for (a, b) in x.iter().zip(&y) {
        for k in [
            "area_id",
            "covered_population",
            "network_covered_population",
            "facilities",
            "blank",
        ] {
            assert_eq!(a[k], b[k], "{k}");
        }
        changed += (a["network_covered_population"] != a["covered_population_before"]) as usize;
    }
    assert!(
        changed > 0,
        "the planned pharmacy must reach someone on foot"
    );
}

/// Plan checks: a zone rule without `[areas] zone`, counts of an unknown group and `year` in
/// `[[facilities]]` are errors naming the key; `--with-planned` without `[[planned]]` too.
#[test]
fn plan_errors_name_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let areas = data().join("wuhan/streets_approx.geojson");
    let cases = [
        (
            "",
            "[[service]]\nkind = \"x\"\nserves = \"elderly\"\nradius_m = 1\nzones.m = { radius_m = 5 }\n",
            "need [areas] zone",
        ),
        (
            "counts.kids = \"p\"",
            WUHAN_SERVICES,
            "counts.kids",
        ),
        (
            "zone = \"z\"",
            "[[service]]\nkind = \"x\"\nserves = \"elderly\"\nradius_m = 1\nzones.m = { presence_only = true, radius_m = 5 }\n",
            "presence_only",
        ),
    ];
    for (extra, rest, want) in cases {
        let plan = wuhan_plan(dir.path(), &areas, extra, rest);
        let e = carecircle::Plan::load(&plan).unwrap_err().to_string();
        assert!(e.contains(want), "{e}");
    }
    let plan = wuhan_plan(dir.path(), &areas, "", WUHAN_SERVICES);
    let o = run_cli(&plan, &dir.path().join("o"), &["--with-planned"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("[[planned]]"));
    let bad = wuhan_plan(
        dir.path(),
        &areas,
        "",
        &format!("{WUHAN_SERVICES}\n[[facilities]]\npath = \"x.geojson\"\nkind = \"kind\"\nyear = \"year\"\n"),
    );
    let e = carecircle::Plan::load(&bad).unwrap_err().to_string();
    assert!(e.contains("year is for [[planned]]"), "{e}");
}

/// Real street outlines (the 13 Mentougou units of `china_districts/seed_streets_approx.geojson`,
/// approximate Voronoi polygons) with a synthetic population (10 people on every 0.01° lattice
/// point) and synthetic stations (on every 23rd lattice point): no such data is published for
/// Mentougou, said so here. The plan names `standard = "mentougou-2025"` and no zone property:
/// the units take their zone from the preset's unit list (by code; 大台 is given a non-code id,
/// so it must match by name) and the station rule's mountain variant (presence only) applies.
/// The same plan written out by hand — the zones as a property, the rule as a `[[service]]` with
/// `zones.mountain` — must give identical figures.
#[test]
fn mentougou_standard_takes_zones_from_its_unit_list() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut gj = json_file(&fixtures().join("china_districts/seed_streets_approx.geojson"));
    // The document's urban core (门城地区); the other units are mountain towns.
    let urban = ["大峪", "城子", "东辛房", "永定", "龙泉"];
    let feats: Vec<Value> = gj["features"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["properties"]["district"] == "门头沟区")
        .cloned()
        .map(|mut f| {
            let p = f["properties"].as_object_mut().unwrap();
            let name = p["name"].as_str().unwrap().to_string();
            let zone = if urban.iter().any(|u| name.starts_with(u)) {
                "urban"
            } else {
                "mountain"
            };
            p.insert("zone".into(), json!(zone));
            if name.starts_with("大台") {
                p.insert("id".into(), json!("datai"));
            }
            f
        })
        .collect();
    assert_eq!(feats.len(), 13);
    let (mut x0, mut y0, mut x1, mut y1) = (180.0f64, 90.0f64, -180.0f64, -90.0f64);
    for f in &feats {
        let mut stack = vec![&f["geometry"]["coordinates"]];
        while let Some(v) = stack.pop() {
            match v.as_array() {
                Some(a) if a.first().is_some_and(|x| x.is_number()) => {
                    let (x, y) = (a[0].as_f64().unwrap(), a[1].as_f64().unwrap());
                    (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
                }
                Some(a) => stack.extend(a.iter()),
                None => {}
            }
        }
    }
    // 妙峰山镇 gets no station (even-odd ray test over its outline's rings).
    let miaofeng = feats
        .iter()
        .find(|f| f["properties"]["name"] == "妙峰山镇")
        .unwrap()["geometry"]
        .clone();
    let inside_miaofeng = |x: f64, y: f64| {
        let polys = match miaofeng["type"].as_str().unwrap() {
            "Polygon" => vec![miaofeng["coordinates"].clone()],
            _ => miaofeng["coordinates"].as_array().unwrap().clone(),
        };
        let mut inside = false;
        for ring in polys.iter().flat_map(|p| p.as_array().unwrap().iter()) {
            let pts: Vec<[f64; 2]> = ring
                .as_array()
                .unwrap()
                .iter()
                .map(|p| [p[0].as_f64().unwrap(), p[1].as_f64().unwrap()])
                .collect();
            for w in pts.windows(2) {
                let (a, b) = (w[0], w[1]);
                if (a[1] > y) != (b[1] > y) && x < a[0] + (y - a[1]) / (b[1] - a[1]) * (b[0] - a[0])
                {
                    inside = !inside;
                }
            }
        }
        inside
    };
    gj["features"] = Value::Array(feats);
    std::fs::write(d.join("streets.geojson"), gj.to_string()).unwrap();
    let mut pop = String::from("lon,lat,p60\n");
    let mut fac = String::from("id,lon,lat,kind\n");
    let mut k = 0;
    let (mut i, mut j) = (0, 0);
    while x0 + 0.01 * i as f64 <= x1 {
        while y0 + 0.01 * j as f64 <= y1 {
            let (x, y) = (x0 + 0.01 * i as f64, y0 + 0.01 * j as f64);
            pop += &format!("{x:.4},{y:.4},10\n");
            if k % 23 == 0 && !inside_miaofeng(x, y) {
                fac += &format!("s{k},{x:.4},{y:.4},station\n");
            }
            k += 1;
            j += 1;
        }
        j = 0;
        i += 1;
    }
    std::fs::write(d.join("pop.csv"), pop).unwrap();
    std::fs::write(d.join("fac.csv"), fac).unwrap();
    let common = r#"
[population]
path = "pop.csv"
lon = "lon"
lat = "lat"
groups.elderly = "p60"

[[facilities]]
path = "fac.csv"
lon = "lon"
lat = "lat"
id = "id"
kind = "kind"
"#;
    let preset = format!(
        "standard = \"mentougou-2025\"\nkinds.station = \"station\"\ngroups.age60 = \"elderly\"\n\n[areas]\npath = \"streets.geojson\"\nid = \"id\"\nname = \"name\"\n{common}"
    );
    let by_hand = format!(
        r#"[areas]
path = "streets.geojson"
id = "id"
name = "name"
zone = "zone"
{common}
[[service]]
kind = "station"
serves = "elderly"
radius_m = 1000
minutes = 15
coverage_target = 1.0
zones.mountain = {{ presence_only = true, min_per_area = 1 }}
"#
    );
    let mut out = Vec::new();
    for (name, text) in [("preset", preset), ("hand", by_hand)] {
        let plan = d.join(format!("{name}.toml"));
        std::fs::write(&plan, text).unwrap();
        let o = d.join(name);
        analyze(&plan, &o, &[]);
        out.push(o);
    }
    let (a, b) = (
        rows(&out[0].join("areas.csv")),
        rows(&out[1].join("areas.csv")),
    );
    assert_eq!(a.len(), 13);
    // The preset run also names each row's rule source: the mountain variant's in mountain units.
    for r in &a {
        let want = if r["zone"] == "mountain" {
            "远山区空白点"
        } else {
            "专栏1 第5项"
        };
        assert!(r["rule_source"].contains(want), "{r:?}");
    }
    let a: Vec<_> = a
        .into_iter()
        .map(|mut r| {
            r.remove("rule_source");
            r
        })
        .collect();
    assert_eq!(
        a, b,
        "the preset's zones and rules must equal the hand-written plan's"
    );
    let mountain_with = a
        .iter()
        .filter(|r| r["zone"] == "mountain" && num(r, "facilities") >= 1.0)
        .count();
    let mountain_without = a
        .iter()
        .filter(|r| r["zone"] == "mountain" && num(r, "facilities") == 0.0)
        .count();
    assert!(mountain_with > 0 && mountain_without > 0, "{a:?}");
    for r in &a {
        if r["zone"] == "mountain" {
            // Presence only: all or nothing.
            let want = if num(r, "facilities") >= 1.0 {
                num(r, "population")
            } else {
                0.0
            };
            assert_eq!(num(r, "covered_population"), want, "{r:?}");
        }
    }
    assert_eq!(a.iter().filter(|r| r["zone"] == "urban").count(), 5);
    let s = json_file(&out[0].join("summary.json"));
    assert_eq!(warning_count(&s, "standard_units_not_found"), 0);
    assert_eq!(warning_count(&s, "areas_not_in_standard"), 0);
    let md = std::fs::read_to_string(out[0].join("report.md")).unwrap();
    assert!(
        md.contains("zones from standard mentougou-2025's unit list"),
        "{md}"
    );
    assert!(
        md.contains("填补清水镇、斋堂镇等远山区养老服务驿站"),
        "{md}"
    );
}

/// Units the standard lists but the areas lack, and areas it does not list, are reported (the
/// Yuzhong document names 11 streets; the 2016 list in `seed_streets_approx` has 9).
#[test]
fn unmatched_standard_units_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut gj = json_file(&fixtures().join("china_districts/seed_streets_approx.geojson"));
    let feats: Vec<Value> = gj["features"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["properties"]["district"] == "渝中区")
        .cloned()
        .collect();
    let n_areas = feats.len();
    gj["features"] = Value::Array(feats);
    std::fs::write(d.join("streets.geojson"), gj.to_string()).unwrap();
    std::fs::write(d.join("pop.csv"), "lon,lat,p\n106.57,29.555,10\n").unwrap();
    std::fs::write(d.join("fac.csv"), "lon,lat,kind\n106.57,29.555,x\n").unwrap();
    let preset = carecircle::standards::get("yuzhong-2025").unwrap();
    let kind = &preset.rules[0].kind;
    let group = &preset.rules[0].serves;
    let plan = d.join("plan.toml");
    std::fs::write(
        &plan,
        format!(
            "standard = \"yuzhong-2025\"\nkinds.{kind} = \"x\"\ngroups.{group} = \"all\"\n[areas]\npath = \"streets.geojson\"\nid = \"id\"\nname = \"name\"\n[population]\npath = \"pop.csv\"\ncell_size = \"100 m\"\nlon = \"lon\"\nlat = \"lat\"\ngroups.all = \"p\"\n[[facilities]]\npath = \"fac.csv\"\nlon = \"lon\"\nlat = \"lat\"\nkind = \"kind\"\n"
        ),
    )
    .unwrap();
    analyze(&plan, &d.join("o"), &[]);
    let s = json_file(&d.join("o/summary.json"));
    let areas: Vec<(String, String)> = json_file(&d.join("streets.geojson"))["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let p = &f["properties"];
            (
                p["id"].as_str().unwrap().into(),
                p["name"].as_str().unwrap().into(),
            )
        })
        .collect();
    let refs: Vec<(&str, &str)> = areas
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let m = carecircle::standards::match_units(preset, &refs);
    assert_eq!(preset.units.len(), 11);
    assert!(!m.unmatched_preset_units.is_empty());
    assert_eq!(
        warning_count(&s, "standard_units_not_found"),
        m.unmatched_preset_units.len() as u64
    );
    assert_eq!(
        warning_count(&s, "areas_not_in_standard"),
        m.unmatched_areas.len() as u64
    );
    assert_eq!(m.matched.len() + m.unmatched_areas.len(), n_areas);
    let text = s["warnings"].to_string();
    for &u in &m.unmatched_preset_units {
        assert!(text.contains(&preset.units[u].name), "{text}");
    }
}
