//! Bounded multi-source Dijkstra and walking distances between snapped points.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use rayon::prelude::*;

use super::graph::WalkNetwork;
use super::snap::Snap;

/// Result of one bounded multi-source search ([`WalkNetwork::multi_source`]).
///
/// Holds the walking distance from the nearest source to every node (access leg included;
/// `f64::INFINITY` for nodes farther than the budget or unreachable) plus the sources themselves,
/// indexed by edge, for the same-segment rule.
#[derive(Debug, Clone)]
pub struct NodeDistances {
    /// Distance in metres per node; `f64::INFINITY` beyond the budget.
    dist: Vec<f64>,
    /// The search budget in metres.
    budget_m: f64,
    /// `(edge, t, access_m)` of every source, sorted by edge (then t, then access).
    sources_by_edge: Vec<(u32, f64, f64)>,
}

impl NodeDistances {
    /// Distance in metres from the nearest source to `node` (`f64::INFINITY` beyond the budget).
    pub fn node(&self, node: u32) -> f64 {
        self.dist[node as usize]
    }

    /// All node distances, indexed by node id.
    pub fn as_slice(&self) -> &[f64] {
        &self.dist
    }

    /// The budget the search was bounded by, in metres.
    pub fn budget_m(&self) -> f64 {
        self.budget_m
    }

    /// The sources snapped to `edge`, as `(t, access_m)` pairs.
    pub fn sources_on_edge(&self, edge: u32) -> impl Iterator<Item = (f64, f64)> + '_ {
        let start = self.sources_by_edge.partition_point(|s| s.0 < edge);
        self.sources_by_edge[start..]
            .iter()
            .take_while(move |s| s.0 == edge)
            .map(|&(_, t, access)| (t, access))
    }
}

/// Per-target result of [`WalkNetwork::nearest_walk_distances`].
#[derive(Debug, Clone, PartialEq)]
pub struct WalkResult {
    /// Walking distance in metres from the nearest source to each target (access + path +
    /// egress); `None` when beyond the budget, unreachable or off the network.
    pub distance_m: Vec<Option<f64>>,
    /// Whether each target lay within `max_snap_m` of a walkable segment.
    pub snapped: Vec<bool>,
    /// Indices of the sources farther than `max_snap_m` from every walkable segment (ignored).
    pub sources_off_network: Vec<usize>,
}

/// A heap entry ordered so that `BinaryHeap` pops the smallest distance first (ties: lowest node).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Entry {
    dist: f64,
    node: u32,
}

impl Eq for Entry {}

impl Ord for Entry {
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .dist
            .total_cmp(&self.dist)
            .then_with(|| other.node.cmp(&self.node))
    }
}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl WalkNetwork {
    /// One bounded Dijkstra search from all `sources` at once.
    ///
    /// Each source is seeded at both end nodes of its edge with its access leg plus the partial
    /// segment length to that node. Nodes farther than `budget_m` stay at `f64::INFINITY`. The
    /// result is deterministic. Use [`WalkNetwork::walk_distance`] to evaluate targets.
    pub fn multi_source(&self, sources: &[Snap], budget_m: f64) -> NodeDistances {
        let (dist, _) = self.bounded_search(sources, budget_m);
        let mut sources_by_edge: Vec<(u32, f64, f64)> =
            sources.iter().map(|s| (s.edge, s.t, s.access_m)).collect();
        sources_by_edge.sort_by(|x, y| {
            x.0.cmp(&y.0)
                .then(x.1.total_cmp(&y.1))
                .then(x.2.total_cmp(&y.2))
        });
        NodeDistances {
            dist,
            budget_m,
            sources_by_edge,
        }
    }

    /// The bounded multi-source Dijkstra behind [`WalkNetwork::multi_source`]; also returns the
    /// settled nodes in settling order.
    pub(crate) fn bounded_search(&self, sources: &[Snap], budget_m: f64) -> (Vec<f64>, Vec<u32>) {
        let mut dist = vec![f64::INFINITY; self.nodes.len()];
        let mut settled = Vec::new();
        let mut heap = BinaryHeap::new();
        let relax = |dist: &mut Vec<f64>, heap: &mut BinaryHeap<Entry>, node: u32, d: f64| {
            if d <= budget_m && d < dist[node as usize] {
                dist[node as usize] = d;
                heap.push(Entry { dist: d, node });
            }
        };
        for s in sources {
            let [a, b] = self.edges[s.edge as usize];
            let len = self.lengths[s.edge as usize];
            relax(&mut dist, &mut heap, a, s.access_m + s.t * len);
            relax(&mut dist, &mut heap, b, s.access_m + (1.0 - s.t) * len);
        }
        while let Some(Entry { dist: d, node }) = heap.pop() {
            if d > dist[node as usize] {
                continue;
            }
            settled.push(node);
            for &(next, len) in self.neighbours(node) {
                relax(&mut dist, &mut heap, next, d + len);
            }
        }
        (dist, settled)
    }

    /// Walking distance from the nearest source of `d` to `target`: access leg + shortest network
    /// path between the snap spots + egress leg.
    ///
    /// Sources on the same edge as the target also count with the direct along-segment distance.
    /// Returns `None` when the distance exceeds the search budget (a distance exactly equal to the
    /// budget is covered) or the target is unreachable. `d` must come from this network.
    pub fn walk_distance(&self, d: &NodeDistances, target: &Snap) -> Option<f64> {
        let [a, b] = self.edges[target.edge as usize];
        let len = self.lengths[target.edge as usize];
        let via_a = d.dist[a as usize] + target.t * len;
        let via_b = d.dist[b as usize] + (1.0 - target.t) * len;
        let mut best = via_a.min(via_b);
        for (t, access) in d.sources_on_edge(target.edge) {
            best = best.min(access + (t - target.t).abs() * len);
        }
        let total = best + target.access_m;
        (total <= d.budget_m).then_some(total)
    }

    /// Walking distance from the nearest source to every target, in one bounded search.
    ///
    /// Sources and targets are points in local metres; both are snapped with `max_snap_m`
    /// (see [`WalkNetwork::snap`]). Sources off the network are reported and ignored.
    pub fn nearest_walk_distances(
        &self,
        sources: &[[f64; 2]],
        targets: &[[f64; 2]],
        budget_m: f64,
        max_snap_m: f64,
    ) -> WalkResult {
        let source_snaps = self.snap_all(sources, max_snap_m);
        let sources_off_network = source_snaps
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.is_none().then_some(i))
            .collect();
        let snaps: Vec<Snap> = source_snaps.into_iter().flatten().collect();
        let d = self.multi_source(&snaps, budget_m);
        let (distance_m, snapped) = targets
            .par_iter()
            .with_min_len(256)
            .map(|&p| match self.snap(p, max_snap_m) {
                Some(s) => (self.walk_distance(&d, &s), true),
                None => (None, false),
            })
            .unzip();
        WalkResult {
            distance_m,
            snapped,
            sources_off_network,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A straight street 0 --100-- 1 --100-- 2 --100-- 3.
    fn line() -> WalkNetwork {
        WalkNetwork::from_segments(
            vec![[0.0, 0.0], [100.0, 0.0], [200.0, 0.0], [300.0, 0.0]],
            vec![(0, 1), (1, 2), (2, 3)],
        )
    }

    #[test]
    fn distance_counts_access_path_and_egress() {
        let net = line();
        let src = net.snap([50.0, 10.0], 100.0).expect("snaps");
        let d = net.multi_source(&[src], 1000.0);
        assert_eq!(d.node(0), 60.0);
        assert_eq!(d.node(1), 60.0);
        assert_eq!(d.node(3), 260.0);
        let tgt = net.snap([250.0, -20.0], 100.0).expect("snaps");
        assert_eq!(net.walk_distance(&d, &tgt), Some(10.0 + 200.0 + 20.0));
    }

    #[test]
    fn exactly_at_budget_is_covered_and_just_beyond_is_not() {
        let net = line();
        let src = net.snap([50.0, 10.0], 100.0).expect("snaps");
        let tgt = net.snap([250.0, -20.0], 100.0).expect("snaps");
        let d = net.multi_source(&[src], 230.0);
        assert_eq!(net.walk_distance(&d, &tgt), Some(230.0));
        let d = net.multi_source(&[src], 229.999_999);
        assert_eq!(net.walk_distance(&d, &tgt), None);
        // Node distances beyond the budget are infinite.
        assert_eq!(d.node(3), f64::INFINITY);
    }

    #[test]
    fn same_segment_uses_direct_distance() {
        let net = line();
        // Both on edge 1, 50 m apart along it: the direct walk is 5 + 50 + 5 = 60 m, whereas any
        // walk via a node would be at least 5 + 25 + 75 + 5 (via node 1) = 110 m.
        let src = net.snap([125.0, 5.0], 100.0).expect("snaps");
        let tgt = net.snap([175.0, -5.0], 100.0).expect("snaps");
        assert_eq!(src.edge, 1);
        assert_eq!(tgt.edge, 1);
        let d = net.multi_source(&[src], 60.0);
        assert_eq!(net.walk_distance(&d, &tgt), Some(60.0));
        // Node 1 is reached (5 + 25 = 30 m) but the walk via it is 110 m; node 2 is beyond the
        // budget: only the direct along-segment rule covers the target.
        assert_eq!(d.node(1), 30.0);
        assert_eq!(d.node(2), f64::INFINITY);
    }

    #[test]
    fn unreachable_component_is_none() {
        let net = WalkNetwork::from_segments(
            vec![[0.0, 0.0], [10.0, 0.0], [0.0, 50.0], [10.0, 50.0]],
            vec![(0, 1), (2, 3)],
        );
        let src = net.snap([5.0, 1.0], 10.0).expect("snaps");
        let tgt = net.snap([5.0, 49.0], 10.0).expect("snaps");
        let d = net.multi_source(&[src], 1e9);
        assert_eq!(net.walk_distance(&d, &tgt), None);
    }

    #[test]
    fn nearest_walk_distances_reports_off_network_points() {
        let net = line();
        let r = net.nearest_walk_distances(
            &[[5000.0, 0.0], [0.0, 3.0]],
            &[[100.0, 4.0], [150.0, 900.0], [300.0, 0.0]],
            200.0,
            50.0,
        );
        assert_eq!(r.sources_off_network, vec![0]);
        assert_eq!(r.snapped, vec![true, false, true]);
        assert_eq!(r.distance_m, vec![Some(107.0), None, None]);
    }
}
