//! Vector and table formats (issue 5): Shapefile, GeoPackage and Excel readers.
//!
//! The Helsinki publisher originals are compared with an independent GDAL read and with their
//! GeoJSON copies in tests/shared_data/formats.rs (shared-data feature). Small GBK fixtures
//! (`scripts/make_format_fixtures.py`, written with GDAL) check the
//! encoding rule, ring grouping and the attribute types; the bad-input cases check that each
//! error names the file, the record or row and the field.

#[path = "cli_common/mod.rs"]
mod common;

use carecircle::facility;
use carecircle::load::geojson::{Feature, Geometry};
use carecircle::load::vector::{self, CrsHint};
use carecircle::plan::{FacilitySpec, KindSource, Plan};
use common::shape_stats;
use serde_json::Value as Json;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}
fn fixture(name: &str) -> PathBuf {
    root().join("tests/fixtures/formats").join(name)
}

fn props(f: &Feature, k: &str) -> Json {
    f.properties.get(k).cloned().unwrap_or(Json::Null)
}

/// GBK text named by the .cpg; holes grouped under their exterior; null numbers; codes with
/// leading zeros kept as text.
#[test]
fn gbk_shapefile_with_cpg() {
    let src = vector::read(&fixture("gbk_cpg/streets.shp"), None).unwrap();
    assert_eq!(src.encoding.as_deref(), Some("GBK (from .cpg)"));
    let f = &src.layer.features;
    assert_eq!(f.len(), 3);
    let names: Vec<Json> = f.iter().map(|f| props(f, "名称")).collect();
    assert_eq!(names, ["江汉街道", "民族街道", "花楼街道"].map(Json::from));
    assert_eq!(props(&f[2], "代码"), Json::from("004201003"));
    assert_eq!(props(&f[0], "pop60").as_f64(), Some(5123.0));
    assert_eq!(props(&f[1], "pop60"), Json::Null);
    assert_eq!(props(&f[1], "density").as_f64(), Some(2.25));
    assert_eq!(props(&f[2], "density"), Json::Null);
    // Street 1 has a hole, street 2 two parts; exteriors counter-clockwise, holes clockwise.
    let (p, r, v, b) = shape_stats(&f[1]);
    assert_eq!((p, r, v), (1, 2, 10));
    assert_eq!(b, [38_501_000.0, 3_380_000.0, 38_502_000.0, 3_381_000.0]);
    let Some(Geometry::Polygons(ps)) = &f[1].geometry else {
        panic!()
    };
    let area = |r: &Vec<[f64; 2]>| -> f64 {
        r.windows(2)
            .map(|w| w[0][0] * w[1][1] - w[1][0] * w[0][1])
            .sum::<f64>()
            / 2.0
    };
    assert!((area(&ps[0][0]) - 1e6).abs() < 1e-3, "{}", area(&ps[0][0]));
    assert!((area(&ps[0][1]) + 9e4).abs() < 1e-3, "{}", area(&ps[0][1]));
    assert_eq!(shape_stats(&f[2]).0, 2);
    let CrsHint::Wkt(w) = &src.crs_hint else {
        panic!()
    };
    assert!(w.contains("CGCS2000") && w.contains("Zone_38"), "{w}");
}

/// No .cpg and text that is not UTF-8: read as GBK, and the choice is reported.
#[test]
fn gbk_shapefile_without_cpg() {
    let src = vector::read(&fixture("gbk_nocpg/sites.shp"), None).unwrap();
    assert_eq!(
        src.encoding.as_deref(),
        Some("GBK (no .cpg, the text is not valid UTF-8)")
    );
    let f = &src.layer.features;
    assert_eq!(props(&f[1], "名称"), Json::from("民族街道嵌入式养老机构"));
    assert_eq!(props(&f[2], "类型"), Json::from("meal_point"));
    assert_eq!(props(&f[1], "床位").as_f64(), Some(120.0));
    assert_eq!(props(&f[2], "床位"), Json::Null);
    assert_eq!(f[0].geometry, Some(Geometry::Point([114.27, 30.58])));
}

/// The facility loader reads the GBK Shapefile through the same dispatch (lon/lat data).
#[test]
fn facilities_from_gbk_shapefile() {
    let spec = FacilitySpec {
        path: fixture("gbk_nocpg/sites.shp"),
        layer: None,
        crs: None,
        sheet: None,
        lon: None,
        lat: None,
        id: None,
        name: Some("名称".into()),
        kind: KindSource::Field("类型".into()),
        capacity: Some("床位".into()),
        year: None,
    };
    let (fac, info) = facility::load(&[spec]).unwrap();
    assert_eq!(fac.len(), 3);
    assert_eq!(fac[0].name.as_deref(), Some("江汉区社区养老服务站"));
    assert_eq!(fac[1].kind, "nursing_home");
    assert_eq!(fac[1].capacity, Some(120.0));
    assert_eq!(info[0].null_capacity, 1);
}

fn tmp_copy(files: &[(&str, &str)]) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    for (from, to) in files {
        std::fs::copy(fixture(from), d.path().join(to)).unwrap();
    }
    d
}

fn err_text<T: std::fmt::Debug>(r: carecircle::Result<T>) -> String {
    r.unwrap_err().to_string()
}

fn assert_all(msg: &str, parts: &[&str]) {
    for p in parts {
        assert!(msg.contains(p), "{p:?} missing in: {msg}");
    }
}

#[test]
fn bad_truncated_shp() {
    let d = tmp_copy(&[
        ("gbk_cpg/streets.shp", "streets.shp"),
        ("gbk_cpg/streets.dbf", "streets.dbf"),
    ]);
    let p = d.path().join("streets.shp");
    let b = std::fs::read(&p).unwrap();
    std::fs::write(&p, &b[..b.len() - 20]).unwrap();
    let m = err_text(vector::read(&p, None));
    assert_all(&m, &["streets.shp", "feature 2", "truncated"]);
}

#[test]
fn bad_missing_dbf() {
    let d = tmp_copy(&[("gbk_cpg/streets.shp", "streets.shp")]);
    let m = err_text(vector::read(&d.path().join("streets.shp"), None));
    assert_all(&m, &["streets.shp", "streets.dbf", "missing"]);
}

#[test]
fn bad_record_count_mismatch() {
    let d = tmp_copy(&[
        ("gbk_cpg/streets.shp", "streets.shp"),
        ("lines/roads.dbf", "streets.dbf"),
    ]);
    let m = err_text(vector::read(&d.path().join("streets.shp"), None));
    assert_all(&m, &["streets.dbf", "2 records", "streets.shp has 3"]);
}

#[test]
fn bad_cpg_contradicts_text() {
    let d = tmp_copy(&[
        ("gbk_nocpg/sites.shp", "sites.shp"),
        ("gbk_nocpg/sites.dbf", "sites.dbf"),
    ]);
    std::fs::write(d.path().join("sites.cpg"), "UTF-8").unwrap();
    let m = err_text(vector::read(&d.path().join("sites.shp"), None));
    assert_all(&m, &["sites.dbf", "not valid UTF-8 (from .cpg)"]);
    std::fs::write(d.path().join("sites.cpg"), "EBCDIC-KLINGON").unwrap();
    let m = err_text(vector::read(&d.path().join("sites.shp"), None));
    assert_all(&m, &["sites.cpg", "unknown encoding \"EBCDIC-KLINGON\""]);
}

#[test]
fn bad_shape_type() {
    let m = err_text(vector::read(&fixture("lines/roads.shp"), None));
    assert_all(
        &m,
        &["roads.shp", "feature 0", "field 'geometry'", "PolyLine"],
    );
    let m = err_text(vector::read(&fixture("lines.gpkg"), Some("roads")));
    assert_all(
        &m,
        &["lines.gpkg", "feature 0", "field 'geom'", "LineString"],
    );
}

#[test]
fn gpkg_layer_choice() {
    // First feature table when absent (roads, which fails on its type), points by name.
    let m = err_text(vector::read(&fixture("lines.gpkg"), None));
    assert!(m.contains("LineString"), "{m}");
    let s = vector::read(&fixture("lines.gpkg"), Some("sites")).unwrap();
    assert_eq!(s.layer.features.len(), 3);
    assert_eq!(
        props(&s.layer.features[0], "名称"),
        Json::from("江汉区社区养老服务站")
    );
    assert_eq!(
        s.crs_hint.clone(),
        match s.crs_hint {
            CrsHint::EpsgAndWkt(4326, ref w) => CrsHint::EpsgAndWkt(4326, w.clone()),
            ref h => panic!("{h:?}"),
        }
    );
}

#[test]
fn bad_unknown_layer() {
    let m = err_text(vector::read(&fixture("lines.gpkg"), Some("postal")));
    assert_all(
        &m,
        &[
            "lines.gpkg",
            "field 'layer'",
            "no feature layer \"postal\"",
            "\"roads\"",
            "\"sites\"",
        ],
    );
    // `layer` on a single-layer format is refused, not ignored.
    let m = err_text(vector::read(&fixture("gbk_cpg/streets.shp"), Some("x")));
    assert_all(&m, &["streets.shp", "field 'layer'"]);
}

#[test]
fn bad_extension() {
    let m = err_text(vector::read(Path::new("streets.kml"), None));
    assert_all(
        &m,
        &["streets.kml", "\"kml\"", ".geojson, .json, .shp, .gpkg"],
    );
}

/// A facility workbook: an explanation sheet first, then the list starting at A1.
fn write_workbook(dir: &Path, bad_row: bool) -> PathBuf {
    use rust_xlsxwriter::Workbook;
    let mut wb = Workbook::new();
    let notes = wb.add_worksheet().set_name("说明").unwrap();
    notes.write_string(0, 0, "养老服务设施清单").unwrap();
    let ws = wb.add_worksheet().set_name("设施").unwrap();
    for (c, h) in ["编号", "名称", "类型", "床位", "经度", "纬度"]
        .iter()
        .enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    // id, name, kind, capacity, lon, lat
    type Row<'a> = (&'a str, &'a str, &'a str, Option<f64>, f64, f64);
    let rows: [Row; 3] = [
        (
            "00123",
            "江汉区养老服务站",
            "service_station",
            Some(0.0),
            114.27,
            30.58,
        ),
        (
            "00124",
            "民族街道养老院",
            "nursing_home",
            Some(120.0),
            114.281,
            30.575,
        ),
        ("00125", "花楼街老年食堂", "meal_point", None, 114.29, 30.59),
    ];
    for (r, (id, name, kind, beds, lon, lat)) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        ws.write_string(r, 0, *id).unwrap();
        ws.write_string(r, 1, *name).unwrap();
        ws.write_string(r, 2, *kind).unwrap();
        if let Some(b) = beds {
            ws.write_number(r, 3, *b).unwrap();
        }
        if bad_row && r == 2 {
            ws.write_string(r, 4, "东经114.281").unwrap();
        } else {
            ws.write_number(r, 4, *lon).unwrap();
        }
        ws.write_number(r, 5, *lat).unwrap();
    }
    let p = dir.join("facilities.xlsx");
    wb.save(&p).unwrap();
    p
}

fn xlsx_plan(dir: &Path, sheet: &str) -> Plan {
    let text = format!(
        r#"
[areas]
path = "areas.geojson"
id = "id"
name = "name"
[population]
path = "cells.csv"
lon = "lon"
lat = "lat"
groups.elderly = "pop"
[[facilities]]
path = "facilities.xlsx"
{sheet}
lon = "经度"
lat = "纬度"
id = "编号"
name = "名称"
kind = "类型"
capacity = "床位"
[[service]]
kind = "service_station"
serves = "elderly"
radius_m = 1000
"#
    );
    Plan::parse(&text, &dir.join("plan.toml")).unwrap()
}

#[test]
fn facilities_from_xlsx() {
    let d = tempfile::tempdir().unwrap();
    write_workbook(d.path(), false);
    let plan = xlsx_plan(d.path(), "sheet = \"设施\"");
    assert_eq!(plan.facilities[0].sheet.as_deref(), Some("设施"));
    let (fac, info) = facility::load(&plan.facilities).unwrap();
    assert_eq!(fac.len(), 3);
    assert_eq!(fac[0].id, "00123");
    assert_eq!(fac[1].name.as_deref(), Some("民族街道养老院"));
    assert_eq!(fac[1].kind, "nursing_home");
    assert_eq!(fac[1].capacity, Some(120.0));
    assert_eq!(fac[2].capacity, None);
    assert_eq!(info[0].null_capacity, 1);
    assert_eq!(fac[1].lonlat, [114.281, 30.575]);
}

#[test]
fn bad_xlsx_sheet_and_row() {
    let d = tempfile::tempdir().unwrap();
    write_workbook(d.path(), true);
    // Unknown sheet: the workbook's sheets are listed.
    let plan = xlsx_plan(d.path(), "sheet = \"Sheet1\"");
    let m = err_text(facility::load(&plan.facilities));
    assert_all(
        &m,
        &[
            "facilities.xlsx",
            "field 'sheet'",
            "no sheet \"Sheet1\"",
            "\"说明\", \"设施\"",
        ],
    );
    // No sheet key: the first sheet, which lacks the columns; the header row is named.
    let plan = xlsx_plan(d.path(), "");
    let m = err_text(facility::load(&plan.facilities));
    assert_all(
        &m,
        &["facilities.xlsx", "row 1", "field '经度'", "not found"],
    );
    // A text coordinate in Excel row 3.
    let plan = xlsx_plan(d.path(), "sheet = \"设施\"");
    let m = err_text(facility::load(&plan.facilities));
    assert_all(
        &m,
        &["facilities.xlsx", "row 3", "field '经度'", "东经114.281"],
    );
}

#[test]
fn plan_keys() {
    let d = tempfile::tempdir().unwrap();
    let plan = xlsx_plan(d.path(), "layer = \"x\"");
    assert_eq!(plan.facilities[0].layer.as_deref(), Some("x"));
    let text = r#"
[areas]
path = "a.gpkg"
layer = "streets"
id = "id"
name = "name"
[population]
path = "p.shp"
groups.elderly = "pop"
[[facilities]]
path = "f.csv"
sheet = "x"
lon = "lon"
lat = "lat"
kind_value = "station"
[[service]]
kind = "station"
serves = "elderly"
radius_m = 1000
"#;
    let m = Plan::parse(text, &d.path().join("plan.toml"))
        .unwrap_err()
        .to_string();
    assert!(m.contains("sheet"), "{m}");
    let ok = Plan::parse(
        &text.replace("sheet = \"x\"\n", ""),
        &d.path().join("plan.toml"),
    )
    .unwrap();
    assert_eq!(ok.areas.layer.as_deref(), Some("streets"));
    assert_eq!(ok.population.layer, None);
}

/// A GBK CSV (Excel on a Chinese Windows): decoded because it is not valid UTF-8.
#[test]
fn facilities_from_gbk_csv() {
    let spec = FacilitySpec {
        path: fixture("facilities_gbk.csv"),
        layer: None,
        crs: None,
        sheet: None,
        lon: Some("lon".into()),
        lat: Some("lat".into()),
        id: None,
        name: Some("名称".into()),
        kind: KindSource::Field("类型".into()),
        capacity: Some("床位".into()),
        year: None,
    };
    let (fac, info) = facility::load(&[spec]).unwrap();
    assert_eq!(fac.len(), 3);
    assert_eq!(fac[2].name.as_deref(), Some("花楼街老年食堂"));
    assert_eq!(fac[1].capacity, Some(120.0));
    assert_eq!(fac[0].lonlat, [114.27, 30.58]);
    assert_eq!(info[0].null_capacity, 1);
}
