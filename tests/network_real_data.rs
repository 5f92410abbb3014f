//! Real OpenStreetMap data from the shared data folder.
//!
//! Expected network numbers were computed independently with `/work/main/scripts/peer_networkx.py`
//! (PyPI `osmium` to read the PBF, same rules re-implemented in Python, `networkx` connected
//! components, `pyproj.Geod` geodesic lengths): Porto Alegre 38,165 nodes, 45,337 segments,
//! 1,840.029 km, 68 components, largest 37,524 nodes, 0 missing refs, bbox
//! -51.2663537 -30.1133278 -51.1321566 -29.9904749; Helsinki centre 6,568 nodes, 7,858 segments,
//! 99.332 km, 24 components, largest 6,411, 862 missing node refs.
//! Covered population at 1,000 m (max snap 500 m) from the same script: healthcare 656,636,
//! school 780,570 of 812,935.

#[path = "network_common/mod.rs"]
mod common;

use std::path::Path;

use carecircle::load::geojson::Geometry;
use carecircle::network::{read_pbf, NetworkStats, WalkNetwork};
use carecircle::projection::Frame as EquirectFrame;

const POA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data/porto_alegre");
const HELSINKI_PBF: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/data/helsinki/helsinki-centre.osm.pbf"
);

fn assert_stats(
    s: &NetworkStats,
    nodes: usize,
    edges: usize,
    km: f64,
    comps: usize,
    largest: usize,
    missing: u64,
) {
    assert_eq!(s.nodes, nodes, "{s:?}");
    assert_eq!(s.edges, edges, "{s:?}");
    assert_eq!(s.components, comps, "{s:?}");
    assert_eq!(s.largest_component_nodes, largest, "{s:?}");
    assert_eq!(s.missing_node_refs, missing, "{s:?}");
    // The equirectangular test frame is within ~0.1% over a city.
    assert!(
        (s.walkable_km / km - 1.0).abs() < 1e-3,
        "{} vs {km}",
        s.walkable_km
    );
}

fn porto_alegre() -> (EquirectFrame, WalkNetwork) {
    let frame = EquirectFrame::new(-51.2, -30.05);
    let net = read_pbf(&Path::new(POA).join("poa_osm.pbf"), &frame).expect("Porto Alegre loads");
    (frame, net)
}

#[test]
fn porto_alegre_stats() {
    let (_, net) = porto_alegre();
    assert_stats(&net.stats(), 38_165, 45_337, 1840.029, 68, 37_524, 0);
    let b = net.bbox_lonlat().expect("bbox");
    let want = [-51.2663537, -30.1133278, -51.1321566, -29.9904749];
    for (got, want) in b.iter().zip(want) {
        assert!((got - want).abs() < 1e-7, "{b:?}");
    }
}

#[test]
fn helsinki_stats() {
    let frame = EquirectFrame::new(24.944, 60.171);
    let net = read_pbf(Path::new(HELSINKI_PBF), &frame).expect("Helsinki loads");
    assert_stats(&net.stats(), 6_568, 7_858, 99.332, 24, 6_411, 862);
}

/// Points of a GeoJSON file: facility points, or area-weighted centroids of cell polygons, with
/// the cells' `pop_total`.
fn read_points(path: &Path, frame: &EquirectFrame) -> Vec<([f64; 2], f64)> {
    let layer = carecircle::load::geojson::read(path).expect("valid FeatureCollection");
    layer
        .features
        .iter()
        .map(|f| {
            let pop = f
                .properties
                .get("pop_total")
                .and_then(|v| v.as_f64())
                .unwrap_or(0.0);
            let p = match f.geometry.as_ref().expect("geometry") {
                Geometry::Point(c) => frame.to_local(c[0], c[1]),
                Geometry::Polygons(parts) => {
                    let ring: Vec<[f64; 2]> = parts[0][0]
                        .iter()
                        .map(|c| frame.to_local(c[0], c[1]))
                        .collect();
                    centroid(&ring)
                }
            };
            (p, pop)
        })
        .collect()
}

fn centroid(ring: &[[f64; 2]]) -> [f64; 2] {
    let (mut a, mut cx, mut cy) = (0.0, 0.0, 0.0);
    for w in ring.windows(2) {
        let cross = w[0][0] * w[1][1] - w[1][0] * w[0][1];
        a += cross;
        cx += (w[0][0] + w[1][0]) * cross;
        cy += (w[0][1] + w[1][1]) * cross;
    }
    [cx / (3.0 * a), cy / (3.0 * a)]
}

#[test]
fn porto_alegre_walks_are_never_shorter_than_straight_lines() {
    let (frame, net) = porto_alegre();
    let cells = read_points(&Path::new(POA).join("population_h3r9.geojson"), &frame);
    let cell_points: Vec<[f64; 2]> = cells.iter().map(|c| c.0).collect();
    let total_pop: f64 = cells.iter().map(|c| c.1).sum();
    assert_eq!(total_pop, 812_935.0);
    for (kind, want_covered) in [("healthcare", 656_636.0), ("school", 780_570.0)] {
        let facilities: Vec<[f64; 2]> = read_points(
            &Path::new(POA).join(format!("facilities_{kind}.geojson")),
            &frame,
        )
        .into_iter()
        .map(|f| f.0)
        .collect();
        // Unbounded walk (budget larger than the city) against the straight line to the nearest
        // facility: a walk is never shorter than a straight line.
        let r = net.nearest_walk_distances(&facilities, &cell_points, 1e9, 500.0);
        assert!(r.sources_off_network.is_empty());
        let mut compared = 0;
        for (i, &p) in cell_points.iter().enumerate() {
            let straight = facilities
                .iter()
                .map(|&f| common::dist(p, f))
                .fold(f64::INFINITY, f64::min);
            if let Some(walk) = r.distance_m[i] {
                assert!(
                    walk >= straight - 1e-6,
                    "{kind} cell {i}: walk {walk} < straight {straight}"
                );
                compared += 1;
            }
        }
        assert!(compared > 1200, "{kind}: only {compared} cells reachable");
        // Coverage at 1,000 m against the networkx peer (different projection and code).
        let r = net.nearest_walk_distances(&facilities, &cell_points, 1000.0, 500.0);
        let covered: f64 = cells
            .iter()
            .zip(&r.distance_m)
            .filter(|(_, d)| d.is_some())
            .map(|(c, _)| c.1)
            .sum();
        let diff = (covered - want_covered).abs() / total_pop;
        assert!(
            diff < 0.002,
            "{kind}: covered {covered} vs peer {want_covered}"
        );
    }
}

#[test]
fn porto_alegre_service_area_contains_its_facility_street() {
    let (frame, net) = porto_alegre();
    let facility = frame.to_local(-51.2197847, -30.0707913);
    let snap = net.snap(facility, 500.0).expect("facility snaps");
    let polys = net.service_area(&snap, 1000.0, 50.0);
    assert!(!polys.is_empty());
    assert!(polys
        .iter()
        .any(|poly| common::inside_polygon(poly, snap.point)));
    let area: f64 = polys.iter().flatten().map(|r| common::signed_area(r)).sum();
    // A 1 km walk covers far less than the 1 km disc (3.14 km²) but well over a few blocks.
    assert!(area > 0.3e6 && area < 3.14e6, "{area}");
}
