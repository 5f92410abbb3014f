//! Exact point-against-ring tests for rings with many vertices: edges bucketed in horizontal
//! strips, so a query reads only the edges whose y range can contain the point's y.
//!
//! Answers are those of [`segments::on_ring`] and [`segments::inside_ring`] (same exact
//! predicates; the crossing parity does not depend on the edge order), only cheaper: hole and
//! part containment probe every vertex of one ring against another, which was
//! |a| × |b| orientation tests.

use super::segments::{self, crosses_ray, strictly_on_segment, P};
use std::cell::OnceCell;

/// Rings with fewer vertices are searched edge by edge.
const SMALL: usize = 32;

/// Items (edges) bucketed by the horizontal strips their closed y ranges meet.
#[derive(Debug, Clone)]
pub struct Strips {
    y0: f64,
    inv_h: f64,
    start: Vec<u32>,
    items: Vec<u32>,
}

impl Strips {
    /// Buckets items given by their y ranges `(min, max)`. The strip height is chosen so that
    /// the buckets hold at most about three entries per item, however long the items are.
    pub fn new(ranges: &[(f64, f64)]) -> Strips {
        let n = ranges.len();
        let (y0, y1) = ranges
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), r| {
                (lo.min(r.0), hi.max(r.1))
            });
        let height = y1 - y0;
        let spans: f64 = ranges.iter().map(|r| r.1 - r.0).sum();
        let mut count = n.clamp(1, 1 << 20);
        if spans > 0.0 {
            count = count.min((2.0 * n as f64 * height / spans) as usize + 1);
        }
        #[cfg(test)]
        if segments::oracle::active() {
            count = 1;
        }
        let inv_h = if height > 0.0 {
            count as f64 / height
        } else {
            0.0
        };
        let mut s = Strips {
            y0,
            inv_h,
            start: vec![0; count + 1],
            items: Vec::new(),
        };
        for r in ranges {
            let (lo, hi) = (s.strip(r.0), s.strip(r.1));
            for c in &mut s.start[lo + 1..=hi + 1] {
                *c += 1;
            }
        }
        for k in 0..count {
            s.start[k + 1] += s.start[k];
        }
        let mut fill = s.start.clone();
        s.items = vec![0; s.start[count] as usize];
        for (k, r) in ranges.iter().enumerate() {
            for f in &mut fill[s.strip(r.0)..=s.strip(r.1)] {
                s.items[*f as usize] = k as u32;
                *f += 1;
            }
        }
        s
    }

    /// The strip of `y` (monotone in `y`, so an item's strips cover every y of its range).
    fn strip(&self, y: f64) -> usize {
        let last = self.start.len() - 2;
        (((y - self.y0) * self.inv_h).floor().max(0.0) as usize).min(last)
    }

    /// Bucket entries in all strips.
    #[cfg(test)]
    pub fn entries(&self) -> usize {
        self.items.len()
    }

    /// Every item whose y range contains `y` (and possibly others).
    pub fn at(&self, y: f64) -> &[u32] {
        let s = self.strip(y);
        &self.items[self.start[s] as usize..self.start[s + 1] as usize]
    }
}

/// An open ring (no closing repeat) with its bounding box, and strips built on first use.
pub struct Located<'a> {
    pts: &'a [P],
    bbox: [f64; 4],
    strips: OnceCell<Strips>,
}

impl<'a> Located<'a> {
    pub fn new(pts: &'a [P]) -> Located<'a> {
        let bbox = pts.iter().fold(
            [
                f64::INFINITY,
                f64::INFINITY,
                f64::NEG_INFINITY,
                f64::NEG_INFINITY,
            ],
            |b, p| {
                [
                    b[0].min(p[0]),
                    b[1].min(p[1]),
                    b[2].max(p[0]),
                    b[3].max(p[1]),
                ]
            },
        );
        Located {
            pts,
            bbox,
            strips: OnceCell::new(),
        }
    }

    /// `[min_x, min_y, max_x, max_y]`.
    pub fn bbox(&self) -> [f64; 4] {
        self.bbox
    }

    fn edge(&self, k: usize) -> (P, P) {
        (self.pts[k], self.pts[(k + 1) % self.pts.len()])
    }

    /// Indices of the edges whose y range can contain `y`; `None` for small rings (read all).
    fn edges_at(&self, y: f64) -> Option<&[u32]> {
        if self.pts.len() < SMALL {
            return None;
        }
        let strips = self.strips.get_or_init(|| {
            let ranges: Vec<(f64, f64)> = (0..self.pts.len())
                .map(|k| {
                    let (a, b) = self.edge(k);
                    (a[1].min(b[1]), a[1].max(b[1]))
                })
                .collect();
            Strips::new(&ranges)
        });
        Some(strips.at(y))
    }

    fn outside_box(&self, p: P) -> bool {
        let b = self.bbox;
        p[0] < b[0] || p[0] > b[2] || p[1] < b[1] || p[1] > b[3]
    }

    /// [`segments::on_ring`]: `p` is a vertex or on an edge.
    pub fn on_ring(&self, p: P) -> bool {
        if self.outside_box(p) {
            return false;
        }
        let Some(edges) = self.edges_at(p[1]) else {
            return segments::on_ring(self.pts, p);
        };
        edges.iter().any(|&k| {
            let (a, b) = self.edge(k as usize);
            p == a || strictly_on_segment(a, b, p)
        })
    }

    /// [`segments::inside_ring`]: crossing parity for a point not on the ring.
    pub fn inside(&self, p: P) -> bool {
        if self.outside_box(p) {
            return false;
        }
        let Some(edges) = self.edges_at(p[1]) else {
            return segments::inside_ring(self.pts, p);
        };
        let mut inside = false;
        for &k in edges {
            let (a, b) = self.edge(k as usize);
            if crosses_ray(a, b, p) {
                inside = !inside;
            }
        }
        inside
    }
}
