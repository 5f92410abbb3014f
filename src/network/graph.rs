//! The walking network graph: nodes in local metres, undirected segments, adjacency and a
//! segment R-tree for snapping.

use rayon::prelude::*;
use rstar::primitives::{GeomWithData, Line};
use rstar::{RStarInsertionStrategy, RTree, RTreeParams};

/// An R-tree entry: one segment, tagged with its edge id.
pub(crate) type SegmentEntry = GeomWithData<Line<[f64; 2]>, u32>;

/// R-tree node sizes for the segment index: wider nodes than rstar's default (6) bulk-load about
/// 20% faster on million-segment networks with the same query speed.
pub(crate) struct SegmentTreeParams;

impl RTreeParams for SegmentTreeParams {
    const MIN_SIZE: usize = 4;
    const MAX_SIZE: usize = 16;
    const REINSERTION_COUNT: usize = 4;
    type DefaultInsertionStrategy = RStarInsertionStrategy;
}

/// An undirected walking network in a local metric plane.
///
/// Nodes are points in local metres; every edge is a straight segment between two nodes, walkable
/// in both directions, whose length is its euclidean length in the local plane (true metres to the
/// frame's accuracy). The network owns a segment R-tree used by [`WalkNetwork::snap`].
#[derive(Debug)]
pub struct WalkNetwork {
    /// Node positions in local metres.
    pub(crate) nodes: Vec<[f64; 2]>,
    /// Edge end nodes, `[first, second]`.
    pub(crate) edges: Vec<[u32; 2]>,
    /// Edge lengths in metres.
    pub(crate) lengths: Vec<f64>,
    /// CSR offsets into `adjacency`: the neighbours of node `n` are
    /// `adjacency[adjacency_start[n]..adjacency_start[n + 1]]`.
    pub(crate) adjacency_start: Vec<usize>,
    /// `(neighbour node, edge length)` pairs, grouped by node.
    pub(crate) adjacency: Vec<(u32, f64)>,
    /// Segment index for snapping.
    pub(crate) index: RTree<SegmentEntry, SegmentTreeParams>,
    /// Way node references that had no node in the file (only set by [`super::read_pbf`]).
    pub(crate) missing_node_refs: u64,
    /// `[min lon, min lat, max lon, max lat]` of the nodes, when loaded from OSM.
    pub(crate) bbox_lonlat: Option<[f64; 4]>,
}

/// Summary numbers of a [`WalkNetwork`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NetworkStats {
    /// Number of nodes (every node used by a walkable way, including shape points).
    pub nodes: usize,
    /// Number of segments (consecutive node pairs of walkable ways).
    pub edges: usize,
    /// Total length of all segments in kilometres.
    pub walkable_km: f64,
    /// Number of connected components (an isolated node counts as one).
    pub components: usize,
    /// Number of nodes in the largest connected component.
    pub largest_component_nodes: usize,
    /// Way node references without a node in the file; the way is split at each of them.
    pub missing_node_refs: u64,
}

impl WalkNetwork {
    /// Builds a network from node positions (local metres) and segments given as node index pairs.
    ///
    /// Edge `i` of the result is `edges[i]`; its length is the euclidean distance between its
    /// nodes. Edges from a node to itself are kept (length 0) so that edge ids match the input.
    ///
    /// # Panics
    /// Panics if an edge refers to a node index that is out of range, or if there are more than
    /// `u32::MAX` nodes or edges.
    pub fn from_segments(nodes: Vec<[f64; 2]>, edges: Vec<(u32, u32)>) -> WalkNetwork {
        WalkNetwork::from_segments_measured(nodes, edges, &distance)
    }

    /// As [`WalkNetwork::from_segments`], with segment lengths from `measure` (the frame's true
    /// distance, which corrects the projection's scale).
    pub fn from_segments_measured(
        nodes: Vec<[f64; 2]>,
        edges: Vec<(u32, u32)>,
        measure: &(dyn Fn([f64; 2], [f64; 2]) -> f64 + Sync),
    ) -> WalkNetwork {
        assert!(
            u32::try_from(nodes.len()).is_ok(),
            "too many nodes for u32 ids"
        );
        assert!(
            u32::try_from(edges.len()).is_ok(),
            "too many edges for u32 ids"
        );
        let edges: Vec<[u32; 2]> = edges
            .into_iter()
            .map(|(a, b)| {
                assert!(
                    (a as usize) < nodes.len() && (b as usize) < nodes.len(),
                    "edge ({a}, {b}) refers to a node outside 0..{}",
                    nodes.len()
                );
                [a, b]
            })
            .collect();
        let lengths: Vec<f64> = edges
            .par_iter()
            .map(|&[a, b]| measure(nodes[a as usize], nodes[b as usize]))
            .collect();

        // The adjacency lists and the segment R-tree are independent: build them side by side.
        let ((adjacency_start, adjacency), index) = rayon::join(
            || build_adjacency(nodes.len(), &edges, &lengths),
            || {
                let entries: Vec<SegmentEntry> = edges
                    .iter()
                    .enumerate()
                    .map(|(i, &[a, b])| {
                        GeomWithData::new(Line::new(nodes[a as usize], nodes[b as usize]), i as u32)
                    })
                    .collect();
                RTree::bulk_load_with_params(entries)
            },
        );

        WalkNetwork {
            nodes,
            edges,
            lengths,
            adjacency_start,
            adjacency,
            index,
            missing_node_refs: 0,
            bbox_lonlat: None,
        }
    }

    /// Number of nodes.
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// Number of edges (segments).
    pub fn edge_count(&self) -> usize {
        self.edges.len()
    }

    /// Position of node `node` in local metres.
    pub fn node(&self, node: u32) -> [f64; 2] {
        self.nodes[node as usize]
    }

    /// End nodes `[first, second]` of edge `edge`.
    pub fn edge(&self, edge: u32) -> [u32; 2] {
        self.edges[edge as usize]
    }

    /// Length of edge `edge` in metres.
    pub fn edge_length(&self, edge: u32) -> f64 {
        self.lengths[edge as usize]
    }

    /// The neighbours of `node` with the connecting edge lengths (parallel edges repeat).
    pub fn neighbours(&self, node: u32) -> &[(u32, f64)] {
        let n = node as usize;
        &self.adjacency[self.adjacency_start[n]..self.adjacency_start[n + 1]]
    }

    /// `[min lon, min lat, max lon, max lat]` of the network's nodes in WGS84 degrees, for
    /// checking that a study area overlaps the network. `None` for networks built with
    /// [`WalkNetwork::from_segments`], which have no geographic position.
    pub fn bbox_lonlat(&self) -> Option<[f64; 4]> {
        self.bbox_lonlat
    }

    /// `[min x, min y, max x, max y]` of the nodes in local metres; `None` for an empty network.
    pub fn bbox_local(&self) -> Option<[f64; 4]> {
        let first = self.nodes.first()?;
        Some(
            self.nodes
                .iter()
                .fold([first[0], first[1], first[0], first[1]], |b, p| {
                    [
                        b[0].min(p[0]),
                        b[1].min(p[1]),
                        b[2].max(p[0]),
                        b[3].max(p[1]),
                    ]
                }),
        )
    }

    /// Size, length and connectivity summary of the network.
    pub fn stats(&self) -> NetworkStats {
        let mut sets = DisjointSets::new(self.nodes.len());
        for &[a, b] in &self.edges {
            sets.union(a as usize, b as usize);
        }
        let mut sizes = vec![0usize; self.nodes.len()];
        for n in 0..self.nodes.len() {
            sizes[sets.find(n)] += 1;
        }
        NetworkStats {
            nodes: self.nodes.len(),
            edges: self.edges.len(),
            walkable_km: self.lengths.iter().sum::<f64>() / 1000.0,
            components: sizes.iter().filter(|&&s| s > 0).count(),
            largest_component_nodes: sizes.iter().copied().max().unwrap_or(0),
            missing_node_refs: self.missing_node_refs,
        }
    }
}

/// CSR adjacency: per-node offsets (length `node_count + 1`) and `(neighbour, length)` pairs.
fn build_adjacency(
    node_count: usize,
    edges: &[[u32; 2]],
    lengths: &[f64],
) -> (Vec<usize>, Vec<(u32, f64)>) {
    let mut start = vec![0usize; node_count + 1];
    for &[a, b] in edges {
        start[a as usize + 1] += 1;
        start[b as usize + 1] += 1;
    }
    for i in 1..start.len() {
        start[i] += start[i - 1];
    }
    let mut fill = start.clone();
    let mut adjacency = vec![(0u32, 0.0f64); edges.len() * 2];
    for (&[a, b], &len) in edges.iter().zip(lengths) {
        adjacency[fill[a as usize]] = (b, len);
        fill[a as usize] += 1;
        adjacency[fill[b as usize]] = (a, len);
        fill[b as usize] += 1;
    }
    (start, adjacency)
}

/// Euclidean distance between two points.
pub(crate) fn distance(a: [f64; 2], b: [f64; 2]) -> f64 {
    (a[0] - b[0]).hypot(a[1] - b[1])
}

/// Union-find with path halving and union by size.
struct DisjointSets {
    parent: Vec<usize>,
    size: Vec<usize>,
}

impl DisjointSets {
    fn new(n: usize) -> Self {
        Self {
            parent: (0..n).collect(),
            size: vec![1; n],
        }
    }

    fn find(&mut self, mut x: usize) -> usize {
        while self.parent[x] != x {
            self.parent[x] = self.parent[self.parent[x]];
            x = self.parent[x];
        }
        x
    }

    fn union(&mut self, a: usize, b: usize) {
        let (mut a, mut b) = (self.find(a), self.find(b));
        if a == b {
            return;
        }
        if self.size[a] < self.size[b] {
            std::mem::swap(&mut a, &mut b);
        }
        self.parent[b] = a;
        self.size[a] += self.size[b];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_segments_lengths_adjacency_and_stats() {
        // Square 0-1-2-3 with a tail 3-4, plus an isolated pair 5-6 and an isolated node 7.
        let nodes = vec![
            [0.0, 0.0],
            [30.0, 0.0],
            [30.0, 40.0],
            [0.0, 40.0],
            [0.0, 100.0],
            [500.0, 500.0],
            [503.0, 504.0],
            [900.0, 900.0],
        ];
        let edges = vec![(0, 1), (1, 2), (2, 3), (3, 0), (3, 4), (5, 6), (0, 2)];
        let net = WalkNetwork::from_segments(nodes, edges);
        assert_eq!(net.edge_length(1), 40.0);
        assert_eq!(net.edge_length(5), 5.0);
        assert_eq!(net.edge_length(6), 50.0);
        let mut n0: Vec<u32> = net.neighbours(0).iter().map(|&(n, _)| n).collect();
        n0.sort();
        assert_eq!(n0, vec![1, 2, 3]);
        assert_eq!(net.neighbours(7), &[]);
        let s = net.stats();
        assert_eq!(s.nodes, 8);
        assert_eq!(s.edges, 7);
        assert!(
            (s.walkable_km - (30.0 + 40.0 + 30.0 + 40.0 + 60.0 + 5.0 + 50.0) / 1000.0).abs()
                < 1e-12
        );
        assert_eq!(s.components, 3);
        assert_eq!(s.largest_component_nodes, 5);
        assert_eq!(s.missing_node_refs, 0);
        assert_eq!(net.bbox_lonlat(), None);
        assert_eq!(net.bbox_local(), Some([0.0, 0.0, 900.0, 900.0]));
    }

    #[test]
    #[should_panic(expected = "refers to a node outside")]
    fn from_segments_rejects_bad_node_index() {
        WalkNetwork::from_segments(vec![[0.0, 0.0]], vec![(0, 1)]);
    }
}
