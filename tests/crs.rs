//! Coordinate systems on real data (issue 5): the Amap (GCJ-02) district outlines against the
//! Tianditu (CGCS2000) ones (tests/fixtures/china_districts), and `--out-crs`. The Helsinki
//! Shapefile in EPSG:3879 against its WGS 84 copy runs with the shared-data feature.

use carecircle::projection::Frame;
use carecircle::Crs;
use geo::{Area, BooleanOps, Centroid, Coord, LineString, MultiPolygon, Polygon};
use serde_json::Value;
use std::path::PathBuf;

fn fixture(p: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(p)
}

/// Polygon rings of a GeoJSON Polygon/MultiPolygon geometry.
fn polygons(g: &Value) -> Vec<Vec<Vec<[f64; 2]>>> {
    let ring = |r: &Value| -> Vec<[f64; 2]> {
        r.as_array()
            .unwrap()
            .iter()
            .map(|p| [p[0].as_f64().unwrap(), p[1].as_f64().unwrap()])
            .collect()
    };
    let poly = |p: &Value| p.as_array().unwrap().iter().map(ring).collect();
    match g["type"].as_str().unwrap() {
        "Polygon" => vec![poly(&g["coordinates"])],
        "MultiPolygon" => g["coordinates"]
            .as_array()
            .unwrap()
            .iter()
            .map(poly)
            .collect(),
        t => panic!("geometry {t}"),
    }
}

fn to_geo(polys: &[Vec<Vec<[f64; 2]>>], f: impl Fn([f64; 2]) -> [f64; 2]) -> MultiPolygon {
    MultiPolygon(
        polys
            .iter()
            .map(|rings| {
                let ls = |r: &Vec<[f64; 2]>| {
                    LineString(
                        r.iter()
                            .map(|&p| {
                                let q = f(p);
                                Coord { x: q[0], y: q[1] }
                            })
                            .collect(),
                    )
                };
                Polygon::new(ls(&rings[0]), rings[1..].iter().map(ls).collect())
            })
            .collect(),
    )
}

/// The five districts from Amap (GCJ-02) against Tianditu (CGCS2000): converting GCJ-02 to
/// WGS 84 raises the overlap (intersection over union, computed in a local metric frame) for
/// every district and brings the centroids closer.
#[test]
fn gcj02_conversion_aligns_amap_with_tianditu() {
    let dir = fixture("china_districts");
    let tdt: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("seed_districts_cgcs2000.geojson")).unwrap(),
    )
    .unwrap();
    let gcj = Crs::parse("GCJ-02").unwrap();
    let cgcs = Crs::parse("EPSG:4490").unwrap();
    let feats = tdt["features"].as_array().unwrap();
    assert_eq!(feats.len(), 5);
    for f in feats {
        let name = f["properties"]["name"].as_str().unwrap();
        let adcode = &f["properties"]["gb"].as_str().unwrap()[3..];
        let amap: Value = serde_json::from_str(
            &std::fs::read_to_string(dir.join(format!("gcj02_originals/fence_{adcode}.json")))
                .unwrap(),
        )
        .unwrap();
        let t = polygons(&f["geometry"]);
        let a = polygons(&amap);
        let c = t[0][0][0];
        let frame = Frame::new(c[0], c[1]);
        let local = |p: [f64; 2]| frame.to_local(p[0], p[1]);
        let reference = to_geo(&t, |p| local(cgcs.to_wgs84(p)));
        let before = to_geo(&a, local);
        let after = to_geo(&a, |p| local(gcj.to_wgs84(p)));
        let iou = |m: &MultiPolygon| {
            let i = reference.intersection(m).unsigned_area();
            let u = reference.union(m).unsigned_area();
            i / u
        };
        let shift = |m: &MultiPolygon| {
            let (p, q) = (reference.centroid().unwrap(), m.centroid().unwrap());
            (p.x() - q.x()).hypot(p.y() - q.y())
        };
        let (i0, i1) = (iou(&before), iou(&after));
        let (d0, d1) = (shift(&before), shift(&after));
        println!(
            "{name} ({adcode}): IoU {i0:.3} -> {i1:.3}, centroid distance {d0:.0} m -> {d1:.0} m"
        );
        assert!(i1 > i0 + 0.005, "{name}: IoU {i0} -> {i1}");
        assert!(d1 < d0, "{name}: centroid {d0} -> {d1}");
        assert!(i1 > 0.85, "{name}: IoU after conversion {i1}");
    }
}

/// Every position of a GeoJSON file, in order.
fn positions(v: &Value, out: &mut Vec<[f64; 2]>) {
    match v {
        Value::Array(a) if a.len() == 2 && a.iter().all(Value::is_number) => {
            out.push([a[0].as_f64().unwrap(), a[1].as_f64().unwrap()])
        }
        Value::Array(a) => a.iter().for_each(|x| positions(x, out)),
        Value::Object(o) => {
            if let Some(g) = o.get("geometry") {
                positions(&g["coordinates"], out)
            } else if let Some(f) = o.get("features") {
                positions(f, out)
            }
        }
        _ => {}
    }
}

/// `analyze --out-crs EPSG:3067` on the Helsinki demo writes the GeoJSON layers in TM35FIN
/// metres (2 decimals) with the legacy `crs` member; converted back they land on the default
/// WGS 84 output within that output's rounding (7 or 6 decimals) plus 1 cm.
#[test]
fn out_crs_writes_projected_layers() {
    let plan = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/helsinki/plan.toml");
    let tmp = tempfile::tempdir().unwrap();
    let run = |dir: &str, extra: &[&str]| -> PathBuf {
        let out = tmp.path().join(dir);
        let o = assert_cmd::Command::cargo_bin("carecircle")
            .unwrap()
            .arg("analyze")
            .arg(&plan)
            .arg("--out")
            .arg(&out)
            .arg("-q")
            .args(extra)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        out
    };
    let wgs = run("wgs", &[]);
    let tm = run("tm", &["--out-crs", "EPSG:3067"]);
    let crs = Crs::parse("EPSG:3067").unwrap();
    for (file, decimals) in [
        ("areas.geojson", 7),
        ("uncovered.geojson", 6),
        ("circles.geojson", 6),
    ] {
        let read = |d: &PathBuf| -> Value {
            serde_json::from_str(&std::fs::read_to_string(d.join(file)).unwrap()).unwrap()
        };
        let (a, b) = (read(&wgs), read(&tm));
        assert!(
            a.get("crs").is_none(),
            "{file}: WGS 84 output has no crs member"
        );
        assert_eq!(
            b["crs"]["properties"]["name"], "urn:ogc:def:crs:EPSG::3067",
            "{file}"
        );
        let (mut pa, mut pb) = (Vec::new(), Vec::new());
        positions(&a, &mut pa);
        positions(&b, &mut pb);
        assert_eq!(pa.len(), pb.len(), "{file}");
        assert!(!pa.is_empty(), "{file}");
        let half = 0.5 * 10f64.powi(-decimals);
        let mut worst = 0.0f64;
        for (p, q) in pa.iter().zip(&pb) {
            // Metres: easting/northing near 500 km / 6 700 km, two decimals at most.
            assert!(q[0] > 100_000.0 && q[1] > 6_000_000.0, "{file}: {q:?}");
            assert!(((q[0] * 100.0).round() - q[0] * 100.0).abs() < 1e-6);
            let back = crs.to_wgs84(*q);
            let cos = p[1].to_radians().cos();
            let excess_lon = ((back[0] - p[0]).abs() - half).max(0.0) * 111_320.0 * cos;
            let excess_lat = ((back[1] - p[1]).abs() - half).max(0.0) * 110_570.0;
            worst = worst.max(excess_lon.hypot(excess_lat));
        }
        println!("{file}: {} positions, worst excess {worst:.4} m", pa.len());
        assert!(worst < 0.01, "{file}: {worst} m beyond the WGS 84 rounding");
    }
    // report.html is not a GeoJSON layer: it stays WGS 84 and identical.
    assert_eq!(
        std::fs::read(wgs.join("report.html")).unwrap(),
        std::fs::read(tm.join("report.html")).unwrap()
    );
}

/// A bad `--out-crs` value is refused before anything runs, naming what is supported.
#[test]
fn out_crs_rejects_unknown_and_old_chinese_systems() {
    let plan = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/helsinki/plan.toml");
    for (v, want) in [("EPSG:2435", "Beijing 1954"), ("EPSG:1", "supported")] {
        let o = assert_cmd::Command::cargo_bin("carecircle")
            .unwrap()
            .args(["analyze"])
            .arg(&plan)
            .args(["--out-crs", v, "--out"])
            .arg(tempfile::tempdir().unwrap().path().join("o"))
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{v}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(want), "{v}: {err}");
    }
}
