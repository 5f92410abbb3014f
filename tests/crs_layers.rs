//! Layers in other coordinate systems give the figures of their WGS 84 copies (issue 5):
//! facility coordinates given in GCJ-02, BD-09 and Gauss–Krüger; outline repair; the GCJ-02
//! hint of `validate`. The Helsinki publisher originals (GeoPackage in EPSG:3067, Shapefile in
//! EPSG:3879) run with the shared-data feature (tests/shared_data/crs_layers.rs).

#[path = "cli_common/mod.rs"]
mod common;

use assert_cmd::Command;
use common::{figures, root};
use std::path::Path;

fn analyze(plan: &Path, out: &Path) {
    common::analyze_into(plan, out, &[]);
}

/// Facilities written in GCJ-02, BD-09 or the CGCS2000 Gauss–Krüger zone of Wuhan (EPSG:4547,
/// projected metres) with `crs` set — or, for the projected file, named only by the GeoJSON's
/// legacy `crs` member — give the WGS 84 figures. The Wuhan plan's facilities are converted here
/// with carecircle's own forward transforms (tested against published points and PROJ in
/// `crs::tests`). Projected metres with no system named are refused with a hint to set `crs`.
#[test]
fn facilities_in_gcj02_bd09_and_gauss_kruger_equal_wgs84() {
    use carecircle::Crs;
    let dir = tempfile::tempdir().unwrap();
    let data = root().join("data/wuhan");
    let src: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(data.join("facilities_synthetic.geojson")).unwrap(),
    )
    .unwrap();
    let plan = std::fs::read_to_string(root().join("tests/plans/wuhan_tif.toml")).unwrap();
    let base = root().join("tests/plans");
    let abs = |t: &str| t.replace("../../data", base.join("../../data").to_str().unwrap());
    let mut results = Vec::new();
    // (name, system of the coordinates, named in the plan, named by the crs member)
    for (name, crs, in_plan, member) in [
        ("wgs84", None, false, false),
        ("gcj02", Some("GCJ-02"), true, false),
        ("bd09", Some("BD-09"), true, false),
        ("gk_plan", Some("EPSG:4547"), true, false),
        ("gk_member", Some("EPSG:4547"), false, true),
        ("gk_unnamed", Some("EPSG:4547"), false, false),
    ] {
        let mut fc = src.clone();
        if let Some(c) = crs {
            let c = Crs::parse(c).unwrap();
            for f in fc["features"].as_array_mut().unwrap() {
                let p = &mut f["geometry"]["coordinates"];
                let q = c.from_wgs84([p[0].as_f64().unwrap(), p[1].as_f64().unwrap()]);
                *p = serde_json::json!([q[0], q[1]]);
            }
        }
        if member {
            fc["crs"] = serde_json::json!({"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4547"}});
        }
        let fpath = dir.path().join(format!("fac_{name}.geojson"));
        std::fs::write(&fpath, fc.to_string()).unwrap();
        let mut text = abs(&plan).replace(
            &base
                .join("../../data/wuhan/facilities_synthetic.geojson")
                .to_str()
                .unwrap()
                .to_string(),
            fpath.to_str().unwrap(),
        );
        if let (Some(c), true) = (crs, in_plan) {
            text = text.replacen(
                "[[facilities]]\n",
                &format!("[[facilities]]\ncrs = \"{c}\"\n"),
                1,
            );
        }
        assert!(text.contains(fpath.to_str().unwrap()));
        let p = dir.path().join(format!("{name}.toml"));
        std::fs::write(&p, text).unwrap();
        let out = dir.path().join(name);
        if name == "gk_unnamed" {
            let o = Command::cargo_bin("carecircle")
                .unwrap()
                .args([
                    "analyze",
                    p.to_str().unwrap(),
                    "--out",
                    out.to_str().unwrap(),
                    "-q",
                ])
                .output()
                .unwrap();
            assert_eq!(o.status.code(), Some(2));
            let e = String::from_utf8_lossy(&o.stderr);
            assert!(
                e.contains("feature 0") && e.contains("projected metres") && e.contains("crs = "),
                "{e}"
            );
            assert!(!out.exists());
            continue;
        }
        analyze(&p, &out);
        results.push(figures(&out.join("areas.csv")));
    }
    assert_eq!(results[0], results[1], "GCJ-02 round trip changes figures");
    assert_eq!(results[0], results[2], "BD-09 round trip changes figures");
    assert_eq!(
        results[0], results[3],
        "EPSG:4547 (plan crs) changes figures"
    );
    assert_eq!(
        results[0], results[4],
        "EPSG:4547 (crs member) changes figures"
    );
}

/// Areas with an invalid outline are repaired on load, with a warning naming the feature and
/// its area change: Helsinki's major districts, where feature 14 (Pohjoinen) has a spike that
/// GEOS also calls invalid (`scripts/make_valid_reference.py`).
#[test]
fn invalid_area_outline_is_repaired_and_named() {
    let dir = tempfile::tempdir().unwrap();
    let plan = std::fs::read_to_string(root().join("tests/plans/helsinki.toml"))
        .unwrap()
        .replace(
            "helsinki/postal_areas.geojson",
            "helsinki/major_districts.geojson",
        );
    let base = root().join("tests/plans");
    let plan = plan
        .replace(
            "../../data/helsinki/major_districts.geojson",
            root()
                .join("tests/fixtures/helsinki/major_districts.geojson")
                .to_str()
                .unwrap(),
        )
        .replace("../../data", base.join("../../data").to_str().unwrap());
    let p = dir.path().join("districts.toml");
    std::fs::write(&p, plan).unwrap();
    let out = dir.path().join("out");
    analyze(&p, &out);
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let w: Vec<&serde_json::Value> = s["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["code"] == "area_self_intersection_repaired")
        .collect();
    assert_eq!(w.len(), 1, "{:?}", s["warnings"]);
    assert_eq!(w[0]["count"], 1);
    let m = w[0]["message"].as_str().unwrap();
    assert!(
        m.contains("feature 14 ('Pohjoinen')") && m.contains("km²"),
        "{m}"
    );
    // The repaired district still gets its figures.
    let f = figures(&out.join("areas.csv"));
    assert!(f.keys().any(|(id, _)| id == "Pohjoinen"));
}

/// `validate` on Wuhan with facilities written in GCJ-02 but no `crs`: it reports each layer
/// and hints that the facilities are GCJ-02, with the shift measured on the data; with
/// `crs = "GCJ-02"` the hint goes away. A missing areas file: exit 2 and the file named.
/// Synthetic facilities (said so): one at the centre of every 400th populated cell of the
/// Wuhan grid, where the "facilities stand where people live" signal is unambiguous.
#[test]
fn validate_hints_at_gcj02_facilities() {
    use carecircle::Crs;
    let dir = tempfile::tempdir().unwrap();
    let data = root().join("data/wuhan");
    let gcj = Crs::gcj02();
    // Populated pixel centres of the 60+ raster, row by row (decoded with the tiff crate).
    let tif = data.join("pop_60plus.tif");
    let grid = carecircle::load::geotiff::info(&tif).unwrap().grid;
    let mut dec = tiff::decoder::Decoder::new(std::fs::File::open(&tif).unwrap()).unwrap();
    let tiff::decoder::DecodingResult::F32(px) = dec.read_image().unwrap() else {
        panic!("pop_60plus.tif is float32")
    };
    let centres: Vec<[f64; 2]> = px
        .iter()
        .enumerate()
        .filter(|(_, v)| v.is_finite() && **v > 0.0)
        .map(|(k, _)| {
            let w = grid.width as usize;
            grid.centre((k / w) as u32, (k % w) as u32)
        })
        .collect();
    let feats: Vec<serde_json::Value> = centres
        .iter()
        .step_by(400)
        .enumerate()
        .map(|(i, c)| {
            let q = gcj.from_wgs84([c[0], c[1]]);
            serde_json::json!({"type": "Feature", "properties": {"id": format!("f{i}"), "kind": "service_station", "capacity": 10},
                "geometry": {"type": "Point", "coordinates": [q[0], q[1]]}})
        })
        .collect();
    let fc = serde_json::json!({"type": "FeatureCollection", "features": feats});
    let fpath = dir.path().join("fac_gcj.geojson");
    std::fs::write(&fpath, fc.to_string()).unwrap();
    let base = root().join("tests/plans");
    let plan = std::fs::read_to_string(base.join("wuhan_tif.toml"))
        .unwrap()
        .replace("../../data", base.join("../../data").to_str().unwrap());
    let orig = base
        .join("../../data/wuhan/facilities_synthetic.geojson")
        .to_str()
        .unwrap()
        .to_string();
    let validate = |text: String| {
        let p = dir.path().join("plan.toml");
        std::fs::write(&p, text).unwrap();
        Command::cargo_bin("carecircle")
            .unwrap()
            .args(["validate", p.to_str().unwrap()])
            .output()
            .unwrap()
    };
    let o = validate(plan.replace(&orig, fpath.to_str().unwrap()));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{out}");
    assert!(
        out.contains("areas: ") && out.contains("179 features"),
        "{out}"
    );
    assert!(out.contains("494676 cells"), "{out}");
    assert!(out.contains("Are they GCJ-02?"), "{out}");
    let o = validate(plan.replace(&orig, fpath.to_str().unwrap()).replacen(
        "[[facilities]]\n",
        "[[facilities]]\ncrs = \"GCJ-02\"\n",
        1,
    ));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success() && !out.contains("Are they GCJ-02?"),
        "{out}"
    );
    assert!(out.contains("OK: analyze can run"), "{out}");
    let o = validate(plan.replace("streets_approx.geojson", "no_such_file.geojson"));
    assert_eq!(o.status.code(), Some(2));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("no_such_file.geojson") && out.contains("NOT OK"),
        "{out}"
    );
}
