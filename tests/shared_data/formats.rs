//! The Helsinki originals (Shapefile in EPSG:3879, GeoPackages in EPSG:3879 and EPSG:3067)
//! against an independent GDAL read (`scripts/formats_reference.py` wrote
//! tests/fixtures/formats/helsinki_reference.json) and against the GeoJSON copies of the same
//! layers.

use crate::common::{root, shape_stats, shared};
use carecircle::load::geojson::{Feature, Layer};
use carecircle::load::vector::{self, CrsHint};
use carecircle::load::{gpkg, shapefile};
use serde_json::Value as Json;
use std::collections::HashMap;
use std::path::PathBuf;

fn fixture(name: &str) -> PathBuf {
    root().join("tests/fixtures/formats").join(name)
}

fn original(name: &str) -> PathBuf {
    shared("helsinki/original").join(name)
}
fn reference() -> Json {
    let text = std::fs::read_to_string(fixture("helsinki_reference.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * (1.0 + a.abs().max(b.abs()))
}

/// Every feature's shape against GDAL: totals over all features (counts exact, bbox sums to
/// 1e-12 relative) and every 25th feature's bbox, counts and attributes.
fn check_against_gdal(layer: &Layer, reference: &Json) {
    assert_eq!(
        layer.features.len() as u64,
        reference["features"].as_u64().unwrap()
    );
    let (mut polys, mut rings, mut verts, mut sum) = (0, 0, 0, [0.0; 4]);
    for f in &layer.features {
        let (p, r, v, b) = shape_stats(f);
        polys += p;
        rings += r;
        verts += v;
        for k in 0..4 {
            sum[k] += b[k];
        }
    }
    let t = &reference["totals"];
    assert_eq!(polys as u64, t["polygons"].as_u64().unwrap());
    assert_eq!(rings as u64, t["rings"].as_u64().unwrap());
    assert_eq!(verts as u64, t["vertices"].as_u64().unwrap());
    for k in 0..4 {
        let want = t["bbox_sum"][k].as_f64().unwrap();
        assert!(
            close(sum[k], want, 1e-12),
            "bbox sum {k}: {} vs {want}",
            sum[k]
        );
    }
    let samples = reference["sample"].as_array().unwrap();
    assert!(samples.len() > 1);
    for s in samples {
        let i = s["index"].as_u64().unwrap() as usize;
        let f = &layer.features[i];
        let (p, r, v, b) = shape_stats(f);
        assert_eq!(
            (p as u64, r as u64, v as u64),
            (
                s["polygons"].as_u64().unwrap(),
                s["rings"].as_u64().unwrap(),
                s["vertices"].as_u64().unwrap()
            ),
            "feature {i}"
        );
        for k in 0..4 {
            let want = s["bbox"][k].as_f64().unwrap();
            assert!(
                close(b[k], want, 1e-12),
                "feature {i} bbox {k}: {} vs {want}",
                b[k]
            );
        }
        for (key, want) in s["properties"].as_object().unwrap() {
            let got = f.properties.get(key).unwrap_or(&Json::Null);
            match (got.as_f64(), want.as_f64()) {
                (Some(g), Some(w)) => assert!(close(g, w, 1e-12), "feature {i} {key}: {g} vs {w}"),
                _ => assert_eq!(got, want, "feature {i} {key}"),
            }
        }
    }
}

#[test]
fn helsinki_shapefile_matches_gdal() {
    let path = original("Vaestotietoruudukko_2015.shp");
    let src = vector::read(&path, None).unwrap();
    assert_eq!(src.format, "Shapefile");
    check_against_gdal(&src.layer, &reference()["Vaestotietoruudukko_2015.shp"]);
    // The .prj is ETRS-GK25FIN (EPSG:3879) without an EPSG code: handed back as WKT.
    let CrsHint::Wkt(wkt) = &src.crs_hint else {
        panic!("{:?}", src.crs_hint)
    };
    assert!(
        wkt.contains("Transverse_Mercator") && wkt.contains("25500000"),
        "{wkt}"
    );
    assert_eq!(
        src.encoding.as_deref(),
        Some("UTF-8 (no .cpg, the text is valid UTF-8)")
    );
    // Shapefile coordinates stay as stored: projected metres, within the layer bbox.
    let b = src.layer.bbox.0;
    assert!(
        b[0] > 25_400_000.0 && b[2] < 25_600_000.0 && b[1] > 6_600_000.0,
        "{b:?}"
    );
}

/// The GeoJSON copy has the same cells (by id), the same totals, null where the Shapefile has
/// the suppression value 99, and the same vertex count per cell.
#[test]
fn helsinki_shapefile_matches_geojson_copy() {
    let shp = shapefile::read(&original("Vaestotietoruudukko_2015.shp")).unwrap();
    let gj = vector::read(&shared("helsinki/population_2015_250m.geojson"), None).unwrap();
    // The copy declares OGC CRS84 (WGS 84 lon/lat) in its legacy crs member.
    assert!(
        matches!(&gj.crs_hint, CrsHint::Named(n) if n.ends_with("CRS84")),
        "{:?}",
        gj.crs_hint
    );
    assert_eq!(shp.layer.features.len(), gj.layer.features.len());
    let by_id: HashMap<i64, &Feature> = gj
        .layer
        .features
        .iter()
        .map(|f| (f.properties["id"].as_i64().unwrap(), f))
        .collect();
    let pairs = [
        ("IKA0_9", "pop_0_9"),
        ("IKA10_19", "pop_10_19"),
        ("IKA20_29", "pop_20_29"),
        ("IKA30_39", "pop_30_39"),
        ("IKA40_49", "pop_40_49"),
        ("IKA50_59", "pop_50_59"),
        ("IKA60_69", "pop_60_69"),
        ("IKA70_79", "pop_70_79"),
        ("IKA_YLI80", "pop_80plus"),
    ];
    let (mut suppressed, mut total) = (0, 0i64);
    for f in &shp.layer.features {
        let id = f.properties["INDEX"].as_i64().unwrap();
        let g = by_id[&id];
        assert_eq!(
            f.properties["ASUKKAITA"], g.properties["pop_total"],
            "cell {id}"
        );
        total += f.properties["ASUKKAITA"].as_i64().unwrap();
        for (a, b) in pairs {
            let v = f.properties[a].as_i64().unwrap();
            if v == 99 {
                suppressed += 1;
                assert!(g.properties[b].is_null(), "cell {id} {a}");
            } else {
                assert_eq!(Some(v as f64), g.properties[b].as_f64(), "cell {id} {a}");
            }
        }
        assert_eq!(shape_stats(f).2, shape_stats(g).2, "vertices of cell {id}");
    }
    assert!(suppressed > 0);
    let gj_total: i64 = gj
        .layer
        .features
        .iter()
        .map(|f| f.properties["pop_total"].as_i64().unwrap())
        .sum();
    assert_eq!(total, gj_total);
}

#[test]
fn helsinki_geopackages_match_gdal() {
    let r = reference();
    for (name, epsg, table) in [
        (
            "Helsinki_centre_postal_areas.gpkg",
            3067,
            "Helsinki_centre_postal_areas",
        ),
        (
            "Population_grid_2021_HSY.gpkg",
            3879,
            "Population_grid_2021_HSY",
        ),
    ] {
        let src = vector::read(&original(name), None).unwrap();
        assert_eq!(src.format, "GeoPackage");
        check_against_gdal(&src.layer, &r[name]);
        match &src.crs_hint {
            CrsHint::EpsgAndWkt(code, wkt) => {
                assert_eq!(*code, epsg, "{name}");
                assert!(wkt.contains("Transverse") || wkt.contains("TM"), "{wkt}");
            }
            h => panic!("{name}: {h:?}"),
        }
        // Chosen by name, the same layer.
        let by_name = gpkg::read(&original(name), Some(table)).unwrap();
        assert_eq!(by_name.layer.features.len(), src.layer.features.len());
        assert_eq!(by_name.srs.srs_id, epsg as i64);
    }
}

/// The postal areas GeoPackage against its GeoJSON copy: codes, populations, part counts.
#[test]
fn postal_gpkg_matches_geojson_copy() {
    let g = vector::read(&original("Helsinki_centre_postal_areas.gpkg"), None).unwrap();
    let j = vector::read(&shared("helsinki/postal_areas.geojson"), None).unwrap();
    assert_eq!(g.layer.features.len(), 30);
    let by_id: HashMap<&str, &Feature> = j
        .layer
        .features
        .iter()
        .map(|f| (f.properties["id"].as_str().unwrap(), f))
        .collect();
    assert_eq!(by_id.len(), 30);
    for f in &g.layer.features {
        let code = f.properties["posti_alue"].as_str().unwrap();
        let other = by_id[code];
        assert_eq!(
            f.properties["he_vakiy"].as_f64(),
            other.properties["population"].as_f64(),
            "{code}"
        );
        let (p, r, _, _) = shape_stats(f);
        let (p2, r2, _, _) = shape_stats(other);
        assert_eq!((p, r), (p2, r2), "{code}");
    }
}
