//! Real OpenStreetMap data from the shared data bundle: Porto Alegre.
//!
//! Expected network numbers were computed independently with `scripts/peer_networkx.py`
//! (PyPI `osmium` to read the PBF, same rules re-implemented in Python, `networkx` connected
//! components, `pyproj.Geod` geodesic lengths): Porto Alegre 38,165 nodes, 45,337 segments,
//! 1,840.029 km, 68 components, largest 37,524 nodes, 0 missing refs, bbox
//! -51.2663537 -30.1133278 -51.1321566 -29.9904749; Helsinki centre 6,568 nodes, 7,858 segments,
//! 99.332 km, 24 components, largest 6,411, 862 missing node refs.
//! Covered population at 1,000 m (max snap 500 m) from the same script: healthcare 656,636,
//! school 780,570 of 812,935.

use std::path::Path;

use crate::network_common::{self as common, assert_stats};
use carecircle::load::geojson::Geometry;
use carecircle::network::{read_pbf, WalkNetwork};
use carecircle::projection::Frame as EquirectFrame;

fn poa_dir() -> std::path::PathBuf {
    crate::common::shared("porto_alegre")
}

fn porto_alegre() -> (EquirectFrame, WalkNetwork) {
    let frame = EquirectFrame::new(-51.2, -30.05);
    let net = read_pbf(&poa_dir().join("poa_osm.pbf"), &frame).expect("Porto Alegre loads");
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
    let cells = read_points(&poa_dir().join("population_h3r9.geojson"), &frame);
    let cell_points: Vec<[f64; 2]> = cells.iter().map(|c| c.0).collect();
    let total_pop: f64 = cells.iter().map(|c| c.1).sum();
    assert_eq!(total_pop, 812_935.0);
    for (kind, want_covered) in [("healthcare", 656_636.0), ("school", 780_570.0)] {
        let facilities: Vec<[f64; 2]> = read_points(
            &poa_dir().join(format!("facilities_{kind}.geojson")),
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

/// Textbook heap Dijkstra from snapped sources over plain segment lengths in the plane,
/// written independently of the module's search.
fn heap_dijkstra(net: &WalkNetwork, sources: &[carecircle::network::Snap]) -> Vec<f64> {
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;
    let n = net.node_count();
    let mut adj: Vec<Vec<(usize, f64)>> = vec![Vec::new(); n];
    for e in 0..net.edge_count() as u32 {
        let [a, b] = net.edge(e);
        let len = common::dist(net.node(a), net.node(b));
        adj[a as usize].push((b as usize, len));
        adj[b as usize].push((a as usize, len));
    }
    let mut d = vec![f64::INFINITY; n];
    let mut heap = BinaryHeap::new();
    for s in sources {
        let [a, b] = net.edge(s.edge);
        let len = common::dist(net.node(a), net.node(b));
        for (v, x) in [
            (a as usize, s.access_m + s.t * len),
            (b as usize, s.access_m + (1.0 - s.t) * len),
        ] {
            if x < d[v] {
                d[v] = x;
                heap.push(Reverse((x.to_bits(), v)));
            }
        }
    }
    while let Some(Reverse((bits, v))) = heap.pop() {
        let dv = f64::from_bits(bits);
        if dv > d[v] {
            continue;
        }
        for &(w, len) in &adj[v] {
            if dv + len < d[w] {
                d[w] = dv + len;
                heap.push(Reverse(((dv + len).to_bits(), w)));
            }
        }
    }
    d
}

/// A few real routes recomputed by hand-rolled means: for seeded cells of Porto Alegre (health
/// care) and of the Helsinki centre (all 24 amenities as sources), access leg + independent
/// Dijkstra to either end of the target's segment (or along the shared segment) + egress leg
/// equals the module's walking distance within 1e-4 (the module measures segments with the
/// frame's scale correction, the reference in the plane).
#[test]
fn real_routes_match_an_independent_dijkstra() {
    let helsinki_frame = EquirectFrame::new(24.944, 60.171);
    let helsinki_pbf = crate::common::root().join("data/helsinki/helsinki-centre.osm.pbf");
    let helsinki = read_pbf(&helsinki_pbf, &helsinki_frame).expect("Helsinki loads");
    let hel_root = helsinki_pbf.parent().unwrap().to_path_buf();
    let (poa_frame, poa) = porto_alegre();
    let cases = [
        (
            &poa,
            read_points(&poa_dir().join("facilities_healthcare.geojson"), &poa_frame),
            read_points(&poa_dir().join("population_h3r9.geojson"), &poa_frame),
        ),
        (
            &helsinki,
            read_points(&hel_root.join("facilities_osm.geojson"), &helsinki_frame),
            read_points(
                &hel_root.join("population_2015_250m.geojson"),
                &helsinki_frame,
            ),
        ),
    ];
    for (net, facilities, cells) in cases {
        let sources: Vec<_> = facilities
            .iter()
            .filter_map(|f| net.snap(f.0, 500.0))
            .collect();
        assert!(!sources.is_empty());
        let reference = heap_dijkstra(net, &sources);
        let search = net.multi_source(&sources, 1e9);
        let mut rng = common::Rng::new(7);
        let mut checked = 0;
        while checked < 8 {
            let c = &cells[rng.below(cells.len())];
            let Some(t) = net.snap(c.0, 500.0) else {
                continue;
            };
            let [a, b] = net.edge(t.edge);
            let len = common::dist(net.node(a), net.node(b));
            let mut want =
                (reference[a as usize] + t.t * len).min(reference[b as usize] + (1.0 - t.t) * len);
            for s in sources.iter().filter(|s| s.edge == t.edge) {
                want = want.min(s.access_m + (s.t - t.t).abs() * len);
            }
            want += t.access_m;
            let got = net.walk_distance(&search, &t);
            if !want.is_finite() {
                // Another connected component: unreachable in both.
                assert_eq!(got, None, "cell {:?}", c.0);
                continue;
            }
            let got = got.expect("reachable when the reference reaches it");
            assert!(
                (got - want).abs() <= 1e-4 * want.max(1.0),
                "cell {:?}: {got} vs {want}",
                c.0
            );
            checked += 1;
        }
    }
}
