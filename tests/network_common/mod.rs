//! Shared helpers for the integration tests: a tiny seeded RNG, random graphs and brute-force
//! reference distances written independently of the module's own search code.

#![allow(dead_code)]

use carecircle::network::{NetworkStats, Snap, WalkNetwork};

/// SplitMix64: a tiny deterministic generator, good enough for test data.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    pub fn f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in `lo..hi`.
    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.f64()
    }

    /// Uniform in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

/// A random street-like graph: `n` nodes in an `extent` square, each joined to a few of its
/// nearest neighbours, plus a few long random edges, parallel edges and a zero-length edge.
/// Usually has several components.
pub fn random_graph(rng: &mut Rng, n: usize, extent: f64) -> WalkNetwork {
    let nodes: Vec<[f64; 2]> = (0..n)
        .map(|_| [rng.range(0.0, extent), rng.range(0.0, extent)])
        .collect();
    let mut edges = Vec::new();
    for i in 0..n {
        let mut near: Vec<(f64, usize)> = (0..n)
            .filter(|&j| j != i)
            .map(|j| (dist(nodes[i], nodes[j]), j))
            .collect();
        near.sort_by(|a, b| a.0.total_cmp(&b.0));
        for &(_, j) in near.iter().take(4) {
            if rng.f64() < 0.45 {
                edges.push((i as u32, j as u32));
            }
        }
    }
    for _ in 0..n / 20 {
        edges.push((rng.below(n) as u32, rng.below(n) as u32));
    }
    if let Some(&e) = edges.first() {
        edges.push(e); // a parallel edge
    }
    let mut nodes = nodes;
    if n >= 2 {
        nodes.push(nodes[0]); // a duplicate position joined by a zero-length edge
        edges.push((0, n as u32));
    }
    WalkNetwork::from_segments(nodes, edges)
}

pub fn dist(a: [f64; 2], b: [f64; 2]) -> f64 {
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt()
}

/// All-pairs shortest paths by Floyd–Warshall over the edge list.
#[allow(clippy::needless_range_loop)] // the textbook triple loop reads best with indices
pub fn floyd_warshall(net: &WalkNetwork) -> Vec<Vec<f64>> {
    let n = net.node_count();
    let mut d = vec![vec![f64::INFINITY; n]; n];
    for (i, row) in d.iter_mut().enumerate() {
        row[i] = 0.0;
    }
    for e in 0..net.edge_count() as u32 {
        let [a, b] = net.edge(e);
        let len = dist(net.node(a), net.node(b));
        let (a, b) = (a as usize, b as usize);
        d[a][b] = d[a][b].min(len);
        d[b][a] = d[b][a].min(len);
    }
    for k in 0..n {
        for i in 0..n {
            let dik = d[i][k];
            if dik.is_infinite() {
                continue;
            }
            for j in 0..n {
                let via = dik + d[k][j];
                if via < d[i][j] {
                    d[i][j] = via;
                }
            }
        }
    }
    d
}

/// Textbook O(V²) Dijkstra (no heap) from snapped sources, unbounded.
pub fn naive_dijkstra(net: &WalkNetwork, sources: &[Snap]) -> Vec<f64> {
    let n = net.node_count();
    let mut adj: Vec<Vec<(usize, f64)>> = vec![Vec::new(); n];
    for e in 0..net.edge_count() as u32 {
        let [a, b] = net.edge(e);
        let len = dist(net.node(a), net.node(b));
        adj[a as usize].push((b as usize, len));
        adj[b as usize].push((a as usize, len));
    }
    let mut d = vec![f64::INFINITY; n];
    for s in sources {
        let [a, b] = net.edge(s.edge);
        let len = dist(net.node(a), net.node(b));
        d[a as usize] = d[a as usize].min(s.access_m + s.t * len);
        d[b as usize] = d[b as usize].min(s.access_m + (1.0 - s.t) * len);
    }
    let mut done = vec![false; n];
    loop {
        let mut best = None;
        for v in 0..n {
            if !done[v] && d[v].is_finite() && best.is_none_or(|b: usize| d[v] < d[b]) {
                best = Some(v);
            }
        }
        let Some(v) = best else { break };
        done[v] = true;
        for &(w, len) in &adj[v] {
            d[w] = d[w].min(d[v] + len);
        }
    }
    d
}

/// Brute-force walking distance over all (source, target) pairs using all-pairs distances and
/// the same-segment rule.
pub fn brute_walk(net: &WalkNetwork, fw: &[Vec<f64>], sources: &[Snap], target: &Snap) -> f64 {
    let [ta, tb] = net.edge(target.edge);
    let tlen = dist(net.node(ta), net.node(tb));
    let target_ends = [
        (ta as usize, target.t * tlen),
        (tb as usize, (1.0 - target.t) * tlen),
    ];
    let mut best = f64::INFINITY;
    for s in sources {
        let [sa, sb] = net.edge(s.edge);
        let slen = dist(net.node(sa), net.node(sb));
        let source_ends = [(sa as usize, s.t * slen), (sb as usize, (1.0 - s.t) * slen)];
        for &(u, du) in &source_ends {
            for &(v, dv) in &target_ends {
                best = best.min(s.access_m + du + fw[u][v] + dv + target.access_m);
            }
        }
        if s.edge == target.edge {
            best = best.min(s.access_m + (s.t - target.t).abs() * slen + target.access_m);
        }
    }
    best
}

/// Even-odd point-in-polygon test over all rings of a polygon (exterior and holes).
pub fn inside_polygon(rings: &[Vec<[f64; 2]>], p: [f64; 2]) -> bool {
    let mut inside = false;
    for ring in rings {
        for w in ring.windows(2) {
            let (a, b) = (w[0], w[1]);
            if (a[1] > p[1]) != (b[1] > p[1]) {
                let x = a[0] + (p[1] - a[1]) / (b[1] - a[1]) * (b[0] - a[0]);
                if p[0] < x {
                    inside = !inside;
                }
            }
        }
    }
    inside
}

/// Distance from `p` to the segment `a`–`b`.
pub fn segment_distance(p: [f64; 2], a: [f64; 2], b: [f64; 2]) -> f64 {
    let d = [b[0] - a[0], b[1] - a[1]];
    let len2 = d[0] * d[0] + d[1] * d[1];
    let t = if len2 > 0.0 {
        (((p[0] - a[0]) * d[0] + (p[1] - a[1]) * d[1]) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    dist(p, [a[0] + t * d[0], a[1] + t * d[1]])
}

/// Shoelace signed area (positive = counter-clockwise) of a closed ring.
pub fn signed_area(ring: &[[f64; 2]]) -> f64 {
    ring.windows(2)
        .map(|w| w[0][0] * w[1][1] - w[1][0] * w[0][1])
        .sum::<f64>()
        / 2.0
}

pub fn assert_stats(
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
