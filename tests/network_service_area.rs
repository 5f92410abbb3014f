//! The service-area guarantee, checked by sampling: every point inside the produced polygons lies
//! within `width_m` of a network position whose walking distance from the source(s) is within the
//! budget. Reachability is recomputed here independently (naive Dijkstra + exact intervals).

#[path = "network_common/mod.rs"]
mod common;

use carecircle::network::{Polygons, Snap, WalkNetwork};
use common::{
    dist, inside_polygon, naive_dijkstra, random_graph, segment_distance, signed_area, Rng,
};

/// Reachable sub-segments computed from scratch: `(from, to)` pieces in local metres.
fn reference_reachable(
    net: &WalkNetwork,
    sources: &[Snap],
    budget: f64,
) -> Vec<([f64; 2], [f64; 2])> {
    let d = naive_dijkstra(net, sources);
    let mut pieces = Vec::new();
    let at = |pa: [f64; 2], pb: [f64; 2], t: f64| {
        [pa[0] + t * (pb[0] - pa[0]), pa[1] + t * (pb[1] - pa[1])]
    };
    for e in 0..net.edge_count() as u32 {
        let [a, b] = net.edge(e);
        let (pa, pb) = (net.node(a), net.node(b));
        let len = dist(pa, pb);
        let (da, db) = (d[a as usize], d[b as usize]);
        if da <= budget {
            let f = if len > 0.0 {
                ((budget - da) / len).min(1.0)
            } else {
                1.0
            };
            pieces.push((pa, at(pa, pb, f)));
        }
        if db <= budget {
            let f = if len > 0.0 {
                ((budget - db) / len).min(1.0)
            } else {
                1.0
            };
            pieces.push((pb, at(pb, pa, f)));
        }
    }
    for s in sources {
        let rem = budget - s.access_m;
        if rem >= 0.0 {
            let [a, b] = net.edge(s.edge);
            let (pa, pb) = (net.node(a), net.node(b));
            let len = dist(pa, pb);
            let r = if len > 0.0 { rem / len } else { 1.0 };
            pieces.push((
                at(pa, pb, (s.t - r).max(0.0)),
                at(pa, pb, (s.t + r).min(1.0)),
            ));
        }
    }
    pieces
}

fn check_rings(polys: &Polygons) {
    for poly in polys {
        assert!(!poly.is_empty());
        for (k, ring) in poly.iter().enumerate() {
            assert!(ring.len() >= 5, "a raster ring has at least 4 corners");
            assert_eq!(ring.first(), ring.last(), "ring is closed");
            let area = signed_area(ring);
            if k == 0 {
                assert!(area > 0.0, "exterior must be counter-clockwise");
            } else {
                assert!(area < 0.0, "holes must be clockwise");
            }
        }
    }
}

/// Samples points in the polygons' bounding box; returns how many fell inside.
fn check_guarantee(
    polys: &Polygons,
    reachable: &[([f64; 2], [f64; 2])],
    width: f64,
    rng: &mut Rng,
    samples: usize,
) -> usize {
    let mut bbox = [
        f64::INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NEG_INFINITY,
    ];
    for p in polys.iter().flatten().flatten() {
        bbox = [
            bbox[0].min(p[0]),
            bbox[1].min(p[1]),
            bbox[2].max(p[0]),
            bbox[3].max(p[1]),
        ];
    }
    let mut inside = 0;
    for _ in 0..samples {
        let p = [rng.range(bbox[0], bbox[2]), rng.range(bbox[1], bbox[3])];
        if polys.iter().any(|poly| inside_polygon(poly, p)) {
            inside += 1;
            let nearest = reachable
                .iter()
                .map(|&(a, b)| segment_distance(p, a, b))
                .fold(f64::INFINITY, f64::min);
            assert!(
                nearest <= width + 1e-6,
                "point {p:?} is {nearest} m from reachable streets"
            );
        }
    }
    inside
}

/// Every reachable network position must itself be inside the area.
fn check_reachable_inside(polys: &Polygons, reachable: &[([f64; 2], [f64; 2])], rng: &mut Rng) {
    for _ in 0..400 {
        let (a, b) = reachable[rng.below(reachable.len())];
        let t = rng.f64();
        let q = [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])];
        assert!(
            polys.iter().any(|poly| inside_polygon(poly, q)),
            "reachable {q:?} not in area"
        );
    }
}

#[test]
fn single_source_area_guarantee_by_sampling() {
    let mut total_inside = 0;
    for seed in 0..12 {
        let mut rng = Rng::new(9000 + seed);
        let extent = 1500.0;
        let net = random_graph(&mut rng, 90, extent);
        let source = net
            .snap([rng.range(0.0, extent), rng.range(0.0, extent)], 1e12)
            .expect("snaps");
        let budget = source.access_m + rng.range(150.0, 700.0);
        let width = [50.0, 30.0, 75.0][seed as usize % 3];
        let polys = net.service_area(&source, budget, width);
        assert!(!polys.is_empty(), "seed {seed}: something is reachable");
        check_rings(&polys);
        let reachable = reference_reachable(&net, &[source], budget);
        total_inside += check_guarantee(&polys, &reachable, width, &mut rng, 3000);
        check_reachable_inside(&polys, &reachable, &mut rng);
    }
    assert!(total_inside > 10_000, "{total_inside}");
}

#[test]
fn dissolved_area_guarantee_by_sampling() {
    for seed in 0..6 {
        let mut rng = Rng::new(9500 + seed);
        let extent = 2500.0;
        let net = random_graph(&mut rng, 150, extent);
        let sources: Vec<Snap> = (0..4)
            .filter_map(|_| net.snap([rng.range(0.0, extent), rng.range(0.0, extent)], 1e12))
            .collect();
        let budget = 400.0;
        let polys = net.dissolved_service_area(&sources, budget, 50.0);
        check_rings(&polys);
        let reachable = reference_reachable(&net, &sources, budget);
        if reachable.is_empty() {
            assert!(polys.is_empty());
            continue;
        }
        assert!(check_guarantee(&polys, &reachable, 50.0, &mut rng, 4000) > 50);
        check_reachable_inside(&polys, &reachable, &mut rng);
    }
}

#[test]
fn unreachable_source_gives_empty_area() {
    let net = WalkNetwork::from_segments(vec![[0.0, 0.0], [100.0, 0.0]], vec![(0, 1)]);
    let source = net.snap([50.0, 80.0], 100.0).expect("snaps");
    assert!(net.service_area(&source, 79.0, 50.0).is_empty());
    assert!(!net.service_area(&source, 80.0, 50.0).is_empty());
}

#[test]
fn a_ring_street_gives_a_polygon_with_a_hole() {
    // A 400 m square block: walking all around it with a generous budget leaves the middle
    // (farther than 50 m from any street) as a hole.
    let net = WalkNetwork::from_segments(
        vec![[0.0, 0.0], [400.0, 0.0], [400.0, 400.0], [0.0, 400.0]],
        vec![(0, 1), (1, 2), (2, 3), (3, 0)],
    );
    let source = net.snap([200.0, -10.0], 50.0).expect("snaps");
    let polys = net.service_area(&source, 5000.0, 50.0);
    check_rings(&polys);
    assert_eq!(polys.len(), 1);
    assert_eq!(polys[0].len(), 2, "exterior plus one hole");
    assert!(inside_polygon(&polys[0], [200.0, 30.0]));
    assert!(!inside_polygon(&polys[0], [200.0, 200.0]));
    let area: f64 = polys[0].iter().map(|r| signed_area(r)).sum();
    // Exact 50 m buffer area: 500² − 300² − (4 − π)·50² ≈ 157,854 m². The raster is
    // conservative (cells of 10 m kept only when wholly within 50 m, so the effective width is
    // about 43 m, ≈ 135,800 m², minus the staircase), hence somewhat less.
    assert!(area > 120_000.0 && area <= 157_855.0, "{area}");
}
