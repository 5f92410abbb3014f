//! Walking coverage on Porto Alegre reproduces an independent peer's figures.

use crate::common::{analyze_into, num_or_empty as num, root, rows, walk_never_shorter};

#[test]
fn porto_alegre_walks_match_the_peer() {
    let dir = tempfile::tempdir().unwrap();
    analyze_into(
        &root().join("tests/plans/porto_alegre.toml"),
        &dir.path().join("out"),
        &["--cells"],
    );
    assert!(walk_never_shorter(dir.path(), &["healthcare", "school"]) > 1500);
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("out/summary.json")).unwrap())
            .unwrap();
    let net = &summary["network"];
    assert_eq!(
        (
            net["nodes"].as_u64(),
            net["segments"].as_u64(),
            net["connected_components"].as_u64()
        ),
        (Some(38_165), Some(45_337), Some(68))
    );
    let walk = |i: usize| {
        summary["services"][i]["walking"]["network_covered_population"]
            .as_f64()
            .unwrap()
    };
    assert_eq!(walk(0), 656_636.0);
    assert_eq!(walk(1), 780_570.0);
    // areas.csv sums to the same.
    let areas = rows(&dir.path().join("out/areas.csv"));
    let sum: f64 = areas
        .iter()
        .filter(|r| r["kind"] == "healthcare")
        .map(|r| num(&r["network_covered_population"]).unwrap())
        .sum();
    assert!((sum - 656_636.0).abs() < 1e-6);
}
