//! Snapping points to the nearest walkable segment.

use rayon::prelude::*;

use super::graph::{distance, WalkNetwork};

/// Where a point joins the network: the nearest point of the nearest segment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Snap {
    /// The edge the point snapped to.
    pub edge: u32,
    /// Position along the edge, 0 at its first node and 1 at its second node.
    pub t: f64,
    /// Straight-line distance in metres from the point to its snap spot (the access or egress leg).
    pub access_m: f64,
    /// The snap spot in local metres.
    pub point: [f64; 2],
}

impl WalkNetwork {
    /// Snaps `p` (local metres) to the nearest point of the nearest segment.
    ///
    /// Returns `None` when no segment lies within `max_snap_m` (a distance exactly equal to
    /// `max_snap_m` still snaps). When several segments are equally near, the one with the lowest
    /// edge id wins, so the result is deterministic.
    pub fn snap(&self, p: [f64; 2], max_snap_m: f64) -> Option<Snap> {
        if !(p[0].is_finite() && p[1].is_finite()) || max_snap_m.is_nan() || max_snap_m < 0.0 {
            return None;
        }
        let (candidates, _) = self.index.nearest_neighbors_with_distance_2(&p)?;
        let edge = candidates.iter().map(|c| c.data).min()?;
        let snap = self.snap_to_edge(p, edge);
        (snap.access_m <= max_snap_m).then_some(snap)
    }

    /// Snaps every point of `points` in parallel; see [`WalkNetwork::snap`].
    pub fn snap_all(&self, points: &[[f64; 2]], max_snap_m: f64) -> Vec<Option<Snap>> {
        points
            .par_iter()
            .with_min_len(256)
            .map(|&p| self.snap(p, max_snap_m))
            .collect()
    }

    /// Projects `p` onto edge `edge` (clamped to the segment).
    ///
    /// # Panics
    /// Panics if `edge` is out of range.
    pub fn snap_to_edge(&self, p: [f64; 2], edge: u32) -> Snap {
        let [a, b] = self.edges[edge as usize];
        let (pa, pb) = (self.nodes[a as usize], self.nodes[b as usize]);
        let d = [pb[0] - pa[0], pb[1] - pa[1]];
        let len2 = d[0] * d[0] + d[1] * d[1];
        let t = if len2 > 0.0 {
            (((p[0] - pa[0]) * d[0] + (p[1] - pa[1]) * d[1]) / len2).clamp(0.0, 1.0)
        } else {
            0.0
        };
        let point = if t == 0.0 {
            pa
        } else if t == 1.0 {
            pb
        } else {
            [pa[0] + t * d[0], pa[1] + t * d[1]]
        };
        Snap {
            edge,
            t,
            access_m: distance(p, point),
            point,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cross() -> WalkNetwork {
        // A horizontal street 0-1 and a vertical one 2-3 that do not touch.
        WalkNetwork::from_segments(
            vec![[0.0, 0.0], [100.0, 0.0], [200.0, -50.0], [200.0, 50.0]],
            vec![(0, 1), (2, 3)],
        )
    }

    #[test]
    fn snaps_to_segment_interior_not_nearest_node() {
        let net = cross();
        let s = net.snap([40.0, 30.0], 100.0).expect("snaps");
        assert_eq!(s.edge, 0);
        assert!((s.t - 0.4).abs() < 1e-12);
        assert_eq!(s.point, [40.0, 0.0]);
        assert!((s.access_m - 30.0).abs() < 1e-12);
    }

    #[test]
    fn clamps_beyond_segment_ends_and_picks_nearest_segment() {
        let net = cross();
        let s = net.snap([-30.0, 40.0], 100.0).expect("snaps");
        assert_eq!((s.edge, s.t, s.point), (0, 0.0, [0.0, 0.0]));
        assert!((s.access_m - 50.0).abs() < 1e-12);
        // Closer to the vertical street (20 m) than to the end of the horizontal one (80 m).
        let s = net.snap([180.0, 10.0], 100.0).expect("snaps");
        assert_eq!(s.edge, 1);
        assert!((s.t - 0.6).abs() < 1e-12);
        assert_eq!(s.access_m, 20.0);
    }

    #[test]
    fn max_snap_is_inclusive_and_enforced() {
        let net = cross();
        assert!(net.snap([50.0, 25.0], 25.0).is_some());
        assert!(net.snap([50.0, 25.0], 24.999).is_none());
        assert!(net.snap([f64::NAN, 0.0], 1e9).is_none());
        let all = net.snap_all(&[[50.0, 25.0], [50.0, 400.0]], 100.0);
        assert!(all[0].is_some() && all[1].is_none());
    }

    #[test]
    fn ties_go_to_the_lowest_edge_id() {
        // Two segments at exactly the same distance from the query point.
        let net = WalkNetwork::from_segments(
            vec![[0.0, 10.0], [10.0, 10.0], [0.0, -10.0], [10.0, -10.0]],
            vec![(2, 3), (0, 1)],
        );
        for _ in 0..3 {
            assert_eq!(net.snap([5.0, 0.0], 50.0).map(|s| s.edge), Some(0));
        }
    }
}
