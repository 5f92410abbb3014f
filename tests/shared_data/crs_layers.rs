//! The Helsinki originals (GeoPackage in EPSG:3067, Shapefile in EPSG:3879 read from a
//! code-less .prj, suppressed counts 99 with `null_values`) give the figures of the published
//! WGS 84 copies (suppressed counts null); deleted .dbf records are left out and reported.

use crate::common::{analyze_into, figures, root};
use std::path::Path;

fn analyze(plan: &Path, out: &Path) {
    analyze_into(plan, out, &[]);
}

#[test]
fn helsinki_originals_in_etrs_grids_equal_the_wgs84_copies() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("geojson"), dir.path().join("originals"));
    analyze(&root().join("tests/plans/helsinki.toml"), &a);
    analyze(&root().join("tests/plans/helsinki_originals.toml"), &b);
    let (fa, fb) = (figures(&a.join("areas.csv")), figures(&b.join("areas.csv")));
    assert_eq!(fa.len(), 90);
    assert_eq!(fa, fb);
    // The suppressed counts are counted as nulls in both.
    let nulls = |d: &Path| -> u64 {
        let s: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(d.join("summary.json")).unwrap())
                .unwrap();
        s["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|w| w["code"] == "null_population")
            .map(|w| w["count"].as_u64().unwrap())
            .sum()
    };
    assert!(nulls(&a) > 0);
    assert_eq!(nulls(&a), nulls(&b));
}

/// A record flagged deleted in the .dbf (byte `*`) is left out, as GIS software does, and
/// reported: the Helsinki population Shapefile with its record 5 marked deleted gives one
/// `deleted_records` warning and one cell fewer.
#[test]
fn deleted_dbf_records_are_left_out_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let orig = root().join("../shared/data/helsinki/original");
    for ext in ["shp", "shx", "prj", "dbf"] {
        std::fs::copy(
            orig.join(format!("Vaestotietoruudukko_2015.{ext}")),
            dir.path().join(format!("pop.{ext}")),
        )
        .unwrap();
    }
    let dbf_path = dir.path().join("pop.dbf");
    let mut dbf = std::fs::read(&dbf_path).unwrap();
    let header = u16::from_le_bytes([dbf[8], dbf[9]]) as usize;
    let record = u16::from_le_bytes([dbf[10], dbf[11]]) as usize;
    assert_eq!(dbf[header + 5 * record], b' ', "record 5 is live");
    dbf[header + 5 * record] = b'*';
    std::fs::write(&dbf_path, dbf).unwrap();
    let text = std::fs::read_to_string(root().join("tests/plans/helsinki_originals.toml"))
        .unwrap()
        .replace(
            "../../../shared/data/helsinki/original/Vaestotietoruudukko_2015.shp",
            dir.path().join("pop.shp").to_str().unwrap(),
        )
        .replace(
            "../../../shared",
            root().join("../shared").to_str().unwrap(),
        );
    let plan = dir.path().join("plan.toml");
    std::fs::write(&plan, text).unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    analyze(&root().join("tests/plans/helsinki_originals.toml"), &a);
    analyze(&plan, &b);
    let summary = |d: &Path| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(d.join("summary.json")).unwrap()).unwrap()
    };
    let warned = |s: &serde_json::Value| -> Vec<serde_json::Value> {
        s["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|w| w["code"] == "deleted_records")
            .cloned()
            .collect()
    };
    assert!(warned(&summary(&a)).is_empty());
    let w = warned(&summary(&b));
    assert_eq!(w.len(), 1);
    assert_eq!(w[0]["count"], 1);
    assert!(w[0]["message"].as_str().unwrap().contains("pop.shp"));
    // One cell fewer is read; a record's people are gone from the totals.
    let (sa, sb) = (summary(&a), summary(&b));
    let cells = |s: &serde_json::Value| s["inputs"]["population"]["cells"].as_u64().unwrap();
    assert_eq!(cells(&sb) + 1, cells(&sa));
}
