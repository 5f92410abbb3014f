//! The Helsinki population Shapefile in EPSG:3879 (publisher's original) against its published
//! WGS 84 GeoJSON copy.

use crate::common::shared;
use carecircle::Crs;
use serde_json::Value;

/// The polygons of a Shapefile (type 5), each as its list of points (all rings in order).
fn shp_polygons(bytes: &[u8]) -> Vec<Vec<[f64; 2]>> {
    let le_f = |b: &[u8]| f64::from_le_bytes(b.try_into().unwrap());
    let le_i = |b: &[u8]| i32::from_le_bytes(b.try_into().unwrap()) as usize;
    let mut out = Vec::new();
    let mut pos = 100;
    while pos + 8 <= bytes.len() {
        let len = i32::from_be_bytes(bytes[pos + 4..pos + 8].try_into().unwrap()) as usize * 2;
        let c = &bytes[pos + 8..pos + 8 + len];
        assert_eq!(le_i(&c[0..4]), 5, "polygon records");
        let (nparts, npts) = (le_i(&c[36..40]), le_i(&c[40..44]));
        let p0 = 44 + 4 * nparts;
        out.push(
            (0..npts)
                .map(|k| {
                    [
                        le_f(&c[p0 + 16 * k..p0 + 16 * k + 8]),
                        le_f(&c[p0 + 16 * k + 8..p0 + 16 * k + 16]),
                    ]
                })
                .collect(),
        );
        pos += 8 + len;
    }
    out
}

/// Every vertex of the Helsinki population Shapefile (EPSG:3879 by its .prj, which carries no
/// code), converted with the system read from the .prj, lands on the published WGS 84 GeoJSON
/// copy of the same grid (produced by the publisher's GIS, 7 decimals) within its rounding.
#[test]
fn helsinki_shapefile_matches_its_wgs84_copy() {
    let dir = shared("helsinki/original");
    let prj = std::fs::read_to_string(dir.join("Vaestotietoruudukko_2015.prj")).unwrap();
    let crs = Crs::from_wkt(&prj).unwrap();
    assert!(!crs.is_geographic());
    let shp = shp_polygons(&std::fs::read(dir.join("Vaestotietoruudukko_2015.shp")).unwrap());
    let gj: Value = serde_json::from_str(
        &std::fs::read_to_string(shared("helsinki/population_2015_250m.geojson")).unwrap(),
    )
    .unwrap();
    let feats = gj["features"].as_array().unwrap();
    assert_eq!(shp.len(), feats.len());
    let (mut worst, mut n) = (0.0f64, 0);
    for (pts, f) in shp.iter().zip(feats) {
        let ring = f["geometry"]["coordinates"][0].as_array().unwrap();
        assert_eq!(ring.len(), pts.len());
        for (p, q) in pts.iter().zip(ring) {
            let ll = crs.to_wgs84(*p);
            let (lon, lat) = (q[0].as_f64().unwrap(), q[1].as_f64().unwrap());
            worst = worst.max((ll[0] - lon).abs()).max((ll[1] - lat).abs());
            n += 1;
        }
    }
    println!("{n} vertices, worst difference {worst:e}°");
    // Rounding to 7 decimals leaves at most 5e-8°; the conversion adds well under 1e-9°.
    assert!(worst < 5.1e-8, "worst {worst}°");
    // And back: WGS 84 -> EPSG:3879 within 1 cm of the Shapefile's coordinates (the GeoJSON's
    // 7 decimals are 1 cm at most).
    let p = shp[0][0];
    let back = crs.from_wgs84(crs.to_wgs84(p));
    assert!((back[0] - p[0]).abs() < 1e-6 && (back[1] - p[1]).abs() < 1e-6);
}
