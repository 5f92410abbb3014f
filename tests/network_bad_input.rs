//! Loading errors and the tag rules end to end, on small files.
//!
//! The `.osm.pbf` fixtures are written by `tests/fixtures/make_fixtures.py` (PyPI `osmium`).

use std::io::Write;
use std::path::{Path, PathBuf};

use carecircle::network::{read_pbf, NetworkError, WalkNetwork};
use carecircle::projection::Frame as EquirectFrame;

const HELSINKI_PBF: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/data/helsinki/helsinki-centre.osm.pbf"
);

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/network")
        .join(name)
}

fn frame() -> EquirectFrame {
    EquirectFrame::new(10.01, 0.5)
}

fn load(path: &Path) -> Result<WalkNetwork, NetworkError> {
    read_pbf(path, &frame())
}

fn temp_file_with(bytes: &[u8], name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join(name);
    let mut f = std::fs::File::create(&path).expect("create temp file");
    f.write_all(bytes).expect("write temp file");
    (dir, path)
}

fn assert_not_pbf(result: Result<WalkNetwork, NetworkError>, path: &Path) {
    match result {
        Err(e @ NetworkError::NotPbf { .. }) => {
            let msg = e.to_string();
            assert!(msg.contains(&path.display().to_string()), "{msg}");
            assert!(msg.contains("an OpenStreetMap .osm.pbf file"), "{msg}");
        }
        other => panic!("expected NotPbf for {}, got {other:?}", path.display()),
    }
}

#[test]
fn truncated_pbf_is_rejected_wherever_it_is_cut() {
    let bytes = std::fs::read(HELSINKI_PBF).expect("Helsinki PBF (data/helsinki) is readable");
    for n in [
        1,
        3,
        4,
        10,
        100,
        1000,
        bytes.len() / 3,
        bytes.len() / 2,
        bytes.len() - 1,
    ] {
        let (_dir, path) = temp_file_with(&bytes[..n], "cut.osm.pbf");
        assert_not_pbf(load(&path), &path);
    }
}

#[test]
fn text_and_empty_files_are_not_pbf() {
    let (_d1, text) = temp_file_with(
        b"<?xml version='1.0'?>\n<osm version='0.6'></osm>\n",
        "a.osm",
    );
    assert_not_pbf(load(&text), &text);
    let (_d2, json) = temp_file_with(br#"{"type":"FeatureCollection","features":[]}"#, "b.pbf");
    assert_not_pbf(load(&json), &json);
    let (_d3, empty) = temp_file_with(b"", "empty.osm.pbf");
    assert_not_pbf(load(&empty), &empty);
}

#[test]
fn missing_file_is_an_io_error_naming_the_file() {
    let path = Path::new("/nonexistent/dir/city.osm.pbf");
    match load(path) {
        Err(e @ NetworkError::Io { .. }) => {
            assert!(
                e.to_string().contains("/nonexistent/dir/city.osm.pbf"),
                "{e}"
            );
        }
        other => panic!("expected Io, got {other:?}"),
    }
}

#[test]
fn pbf_without_walkable_ways_is_reported() {
    let path = fixture("no_walkable.osm.pbf");
    match load(&path) {
        Err(e @ NetworkError::NoWalkable { .. }) => {
            let msg = e.to_string();
            assert!(msg.contains("no_walkable.osm.pbf"), "{msg}");
            assert!(
                msg.contains("contains no walkable ways (highway=* other than motorway"),
                "{msg}"
            );
        }
        other => panic!("expected NoWalkable, got {other:?}"),
    }
}

#[test]
fn pbf_whose_walkable_ways_have_no_nodes_is_reported() {
    let path = fixture("missing_nodes.osm.pbf");
    match load(&path) {
        Err(NetworkError::MissingNodes {
            walkable_ways,
            missing_node_refs,
            ..
        }) => assert_eq!((walkable_ways, missing_node_refs), (1, 3)),
        other => panic!("expected MissingNodes, got {other:?}"),
    }
}

#[test]
fn tag_rules_and_missing_nodes_end_to_end() {
    let net = load(&fixture("tag_rules.osm.pbf")).expect("fixture loads");
    let s = net.stats();
    // Walkable: ways 10 (1-2), 15 (6-7), 16 (7-8), 19 (10-11 | missing 99 | 12-13), 20 (14-15).
    assert_eq!(s.edges, 6, "{s:?}");
    assert_eq!(s.nodes, 11, "{s:?}");
    assert_eq!(s.missing_node_refs, 1);
    assert_eq!(s.components, 5);
    assert_eq!(s.largest_component_nodes, 3);
    // Nodes are 0.001 degrees of longitude apart at latitude 0.5: about 111.3 m per segment.
    let per_segment = s.walkable_km * 1000.0 / 6.0;
    assert!((per_segment - 111.3).abs() < 0.5, "{per_segment}");
    let bbox = net.bbox_lonlat().expect("bbox");
    assert!(
        (bbox[0] - 10.001).abs() < 1e-9 && (bbox[2] - 10.015).abs() < 1e-9,
        "{bbox:?}"
    );
    // Nothing connects node 11 and node 12 across the missing node 99.
    let a = net
        .snap(frame().to_local_pt(10.011, 0.5), 1.0)
        .expect("snaps near node 11");
    let b = net
        .snap(frame().to_local_pt(10.012, 0.5), 1.0)
        .expect("snaps near node 12");
    let d = net.multi_source(&[a], 1e9);
    assert_eq!(net.walk_distance(&d, &b), None);
}

/// Small helper so the test reads naturally.
trait ToLocalPt {
    fn to_local_pt(&self, lon: f64, lat: f64) -> [f64; 2];
}

impl ToLocalPt for EquirectFrame {
    fn to_local_pt(&self, lon: f64, lat: f64) -> [f64; 2] {
        self.to_local(lon, lat)
    }
}
