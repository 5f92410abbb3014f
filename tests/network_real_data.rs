//! The OpenStreetMap extract of the Helsinki centre (data/helsinki): network statistics against
//! an independent count (`scripts/peer_networkx.py`: PyPI `osmium` to read the PBF, the same
//! rules re-implemented in Python, `networkx` connected components, `pyproj.Geod` geodesic
//! lengths): 6,568 nodes, 7,858 segments, 99.332 km, 24 components, largest 6,411, 862 missing
//! node refs. Porto Alegre runs with the shared-data feature.

#[path = "network_common/mod.rs"]
mod common;

use carecircle::network::read_pbf;
use carecircle::projection::Frame as EquirectFrame;
use common::assert_stats;
use std::path::Path;

const HELSINKI_PBF: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/data/helsinki/helsinki-centre.osm.pbf"
);

#[test]
fn helsinki_stats() {
    let frame = EquirectFrame::new(24.944, 60.171);
    let net = read_pbf(Path::new(HELSINKI_PBF), &frame).expect("Helsinki loads");
    assert_stats(&net.stats(), 6_568, 7_858, 99.332, 24, 6_411, 862);
}
