//! Seeded random-graph property tests: the bounded multi-source search and the per-target walking
//! distance against independent brute-force references (naive O(V²) Dijkstra, Floyd–Warshall).

#[path = "network_common/mod.rs"]
mod common;

use carecircle::network::{Snap, WalkNetwork};
use common::{brute_walk, dist, floyd_warshall, naive_dijkstra, random_graph, Rng};

/// Relative tolerance for comparing distances summed in different orders.
const EPS: f64 = 1e-9;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= EPS * (1.0 + a.abs().max(b.abs()))
}

fn random_snaps(net: &WalkNetwork, rng: &mut Rng, k: usize, extent: f64) -> Vec<Snap> {
    (0..k)
        .filter_map(|_| net.snap([rng.range(0.0, extent), rng.range(0.0, extent)], 1e12))
        .collect()
}

#[test]
fn bounded_multi_source_matches_naive_dijkstra() {
    let mut checked_finite = 0;
    let mut checked_cut = 0;
    for seed in 0..40 {
        let mut rng = Rng::new(seed);
        let extent = 2000.0;
        let net = random_graph(&mut rng, 150, extent);
        let k = 1 + rng.below(5);
        let sources = random_snaps(&net, &mut rng, k, extent);
        let reference = naive_dijkstra(&net, &sources);
        for budget in [1e12, rng.range(100.0, 1500.0)] {
            let got = net.multi_source(&sources, budget);
            for (v, &want) in reference.iter().enumerate() {
                let have = got.node(v as u32);
                if want <= budget * (1.0 - EPS) {
                    assert!(close(have, want), "seed {seed} node {v}: {have} vs {want}");
                    checked_finite += 1;
                } else if want > budget * (1.0 + EPS) {
                    assert_eq!(have, f64::INFINITY, "seed {seed} node {v} beyond budget");
                    checked_cut += 1;
                }
            }
        }
    }
    assert!(
        checked_finite > 5000 && checked_cut > 1000,
        "{checked_finite} {checked_cut}"
    );
}

#[test]
fn tiny_graphs_match_floyd_warshall() {
    for seed in 100..400 {
        let mut rng = Rng::new(seed);
        let n = 3 + rng.below(8);
        let net = random_graph(&mut rng, n, 300.0);
        let fw = floyd_warshall(&net);
        let k = 1 + rng.below(3);
        let sources = random_snaps(&net, &mut rng, k, 300.0);
        let got = net.multi_source(&sources, 1e12);
        // Floyd–Warshall distances are symmetric: row v holds the distances to node v.
        for (v, to_v) in fw.iter().enumerate() {
            let mut want = f64::INFINITY;
            for s in &sources {
                let [a, b] = net.edge(s.edge);
                let len = dist(net.node(a), net.node(b));
                want = want
                    .min(s.access_m + s.t * len + to_v[a as usize])
                    .min(s.access_m + (1.0 - s.t) * len + to_v[b as usize]);
            }
            let have = got.node(v as u32);
            assert!(
                close(have, want) || (have.is_infinite() && want.is_infinite()),
                "seed {seed} node {v}: {have} vs {want}"
            );
        }
    }
}

#[test]
fn walk_distance_matches_brute_force_over_all_pairs() {
    let (mut covered, mut uncovered, mut same_edge_wins) = (0, 0, 0);
    for seed in 1000..1030 {
        let mut rng = Rng::new(seed);
        let extent = 1500.0;
        let net = random_graph(&mut rng, 120, extent);
        let fw = floyd_warshall(&net);
        let k = 1 + rng.below(4);
        let sources = random_snaps(&net, &mut rng, k, extent);
        let budget = rng.range(200.0, 1200.0);
        let d = net.multi_source(&sources, budget);
        for i in 0..300 {
            // A third of the targets are placed on a source's own segment.
            let target = if i % 3 == 0 {
                let s = sources[rng.below(sources.len())];
                let [a, b] = net.edge(s.edge);
                let (pa, pb) = (net.node(a), net.node(b));
                let t = rng.f64();
                let point = [pa[0] + t * (pb[0] - pa[0]), pa[1] + t * (pb[1] - pa[1])];
                Snap {
                    edge: s.edge,
                    t,
                    access_m: rng.range(0.0, 80.0),
                    point,
                }
            } else {
                net.snap([rng.range(0.0, extent), rng.range(0.0, extent)], 1e12)
                    .expect("snaps")
            };
            let want = brute_walk(&net, &fw, &sources, &target);
            let have = net.walk_distance(&d, &target);
            if want <= budget * (1.0 - EPS) {
                let have = have.unwrap_or_else(|| panic!("seed {seed}: want {want}, got None"));
                assert!(close(have, want), "seed {seed}: {have} vs {want}");
                covered += 1;
                let via_nodes = brute_walk_without_same_edge(&net, &fw, &sources, &target);
                if via_nodes > want * (1.0 + EPS) {
                    same_edge_wins += 1;
                }
            } else if want > budget * (1.0 + EPS) {
                assert_eq!(have, None, "seed {seed}: want {want} > budget {budget}");
                uncovered += 1;
            }
        }
    }
    assert!(covered > 1000 && uncovered > 1000, "{covered} {uncovered}");
    assert!(
        same_edge_wins > 100,
        "same-segment rule exercised only {same_edge_wins} times"
    );
}

/// The brute-force distance with the same-segment rule switched off (only paths via nodes).
fn brute_walk_without_same_edge(
    net: &WalkNetwork,
    fw: &[Vec<f64>],
    sources: &[Snap],
    target: &Snap,
) -> f64 {
    let ends = |s: &Snap| {
        let [a, b] = net.edge(s.edge);
        let len = dist(net.node(a), net.node(b));
        [(a as usize, s.t * len), (b as usize, (1.0 - s.t) * len)]
    };
    let mut best = f64::INFINITY;
    for s in sources {
        for (u, du) in ends(s) {
            for (v, dv) in ends(target) {
                best = best.min(s.access_m + du + fw[u][v] + dv + target.access_m);
            }
        }
    }
    best
}

/// A 6×6 lattice of 10 m blocks with a few streets missing. Every length, partial length
/// (t in quarters) and access leg (whole metres) is exactly representable, so distances are exact.
fn exact_lattice(rng: &mut Rng) -> WalkNetwork {
    let side = 6u32;
    let nodes: Vec<[f64; 2]> = (0..side * side)
        .map(|k| [(k % side) as f64 * 10.0, (k / side) as f64 * 10.0])
        .collect();
    let mut edges = Vec::new();
    for k in 0..side * side {
        if k % side + 1 < side && rng.f64() < 0.85 {
            edges.push((k, k + 1));
        }
        if k / side + 1 < side && rng.f64() < 0.85 {
            edges.push((k, k + side));
        }
    }
    WalkNetwork::from_segments(nodes, edges)
}

fn exact_snap(net: &WalkNetwork, rng: &mut Rng) -> Snap {
    let edge = rng.below(net.edge_count()) as u32;
    let t = rng.below(5) as f64 / 4.0;
    let [a, b] = net.edge(edge);
    let (pa, pb) = (net.node(a), net.node(b));
    Snap {
        edge,
        t,
        access_m: rng.below(20) as f64,
        point: [pa[0] + t * (pb[0] - pa[0]), pa[1] + t * (pb[1] - pa[1])],
    }
}

#[test]
fn distance_exactly_at_budget_is_covered() {
    let mut at_budget = 0;
    for seed in 0..60 {
        let mut rng = Rng::new(5000 + seed);
        let net = exact_lattice(&mut rng);
        let fw = floyd_warshall(&net);
        for _ in 0..40 {
            let sources: Vec<Snap> = (0..1 + rng.below(2))
                .map(|_| exact_snap(&net, &mut rng))
                .collect();
            let target = exact_snap(&net, &mut rng);
            let want = brute_walk(&net, &fw, &sources, &target);
            if !want.is_finite() {
                continue;
            }
            let d = net.multi_source(&sources, want);
            assert_eq!(
                net.walk_distance(&d, &target),
                Some(want),
                "seed {seed}: at budget"
            );
            let d = net.multi_source(&sources, want.next_down());
            assert_eq!(
                net.walk_distance(&d, &target),
                None,
                "seed {seed}: just below"
            );
            at_budget += 1;
        }
    }
    assert!(at_budget > 1000, "{at_budget}");
}

#[test]
fn nearest_walk_distances_agrees_with_snapping_and_brute_force() {
    let mut rng = Rng::new(77);
    let extent = 1500.0;
    let net = random_graph(&mut rng, 120, extent);
    let fw = floyd_warshall(&net);
    let pts = |rng: &mut Rng, n: usize| -> Vec<[f64; 2]> {
        (0..n)
            .map(|_| {
                [
                    rng.range(-300.0, extent + 300.0),
                    rng.range(-300.0, extent + 300.0),
                ]
            })
            .collect()
    };
    let sources = pts(&mut rng, 6);
    let targets = pts(&mut rng, 500);
    let (budget, max_snap) = (900.0, 120.0);
    let r = net.nearest_walk_distances(&sources, &targets, budget, max_snap);
    let snapped_sources: Vec<Snap> = sources
        .iter()
        .filter_map(|&p| net.snap(p, max_snap))
        .collect();
    assert_eq!(
        r.sources_off_network.len(),
        sources.len() - snapped_sources.len()
    );
    let mut off = 0;
    for (i, &p) in targets.iter().enumerate() {
        match net.snap(p, max_snap) {
            None => {
                assert!(!r.snapped[i] && r.distance_m[i].is_none());
                off += 1;
            }
            Some(t) => {
                assert!(r.snapped[i]);
                let want = brute_walk(&net, &fw, &snapped_sources, &t);
                match r.distance_m[i] {
                    Some(have) => assert!(close(have, want) && have <= budget),
                    None => assert!(want > budget * (1.0 - EPS), "{want}"),
                }
            }
        }
    }
    assert!(off > 10 && off < 400, "{off}");
}
