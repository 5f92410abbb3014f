//! Per-cell reach for each service: straight-line distance to the nearest facility of its kind.
//!
//! Facilities of a kind are bucketed in a uniform grid (bucket side ≥ the search radius), so a
//! cell looks at the few facilities in the 3×3 neighbourhood of its bucket. Distances are true
//! metres ([`Frame::distance`]); a cell is covered when the nearest is ≤ `radius_m`. Cells with
//! no facility within the radius get `f64::INFINITY`, or with `exact_beyond` the true nearest
//! distance from an R-tree (used for `--cells`).

use crate::projection::Frame;
use rayon::prelude::*;
use rstar::primitives::GeomWithData;
use rstar::RTree;

/// Uniform bucket grid over points (local metres).
pub struct PointGrid {
    side: f64,
    x0: f64,
    y0: f64,
    nx: usize,
    ny: usize,
    start: Vec<u32>,
    items: Vec<u32>,
    pts: Vec<[f64; 2]>,
}

impl PointGrid {
    /// Buckets `pts` with bucket side at least `min_side` (grown so the grid stays small).
    pub fn new(pts: Vec<[f64; 2]>, min_side: f64) -> PointGrid {
        let mut b = [
            f64::INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        ];
        for p in &pts {
            b = [
                b[0].min(p[0]),
                b[1].min(p[1]),
                b[2].max(p[0]),
                b[3].max(p[1]),
            ];
        }
        if pts.is_empty() {
            b = [0.0, 0.0, 0.0, 0.0];
        }
        let extent = (b[2] - b[0]).max(b[3] - b[1]);
        let side = min_side.max(extent / 2048.0).max(1e-6);
        let nx = ((b[2] - b[0]) / side) as usize + 1;
        let ny = ((b[3] - b[1]) / side) as usize + 1;
        let bucket = |p: &[f64; 2]| {
            let i = ((p[0] - b[0]) / side) as usize;
            let j = ((p[1] - b[1]) / side) as usize;
            j.min(ny - 1) * nx + i.min(nx - 1)
        };
        let mut start = vec![0u32; nx * ny + 1];
        for p in &pts {
            start[bucket(p) + 1] += 1;
        }
        for k in 0..nx * ny {
            start[k + 1] += start[k];
        }
        let mut fill = start.clone();
        let mut items = vec![0u32; pts.len()];
        for (i, p) in pts.iter().enumerate() {
            let k = bucket(p);
            items[fill[k] as usize] = i as u32;
            fill[k] += 1;
        }
        PointGrid {
            side,
            x0: b[0],
            y0: b[1],
            nx,
            ny,
            start,
            items,
            pts,
        }
    }

    /// Calls `f` with the index and position of every point whose bucket lies within `r` of
    /// `p` (a superset of the points within `r`).
    #[inline]
    pub fn near(&self, p: [f64; 2], r: f64, mut f: impl FnMut(u32, [f64; 2])) {
        if self.pts.is_empty() {
            return;
        }
        let fx = |x: f64| ((x - self.x0) / self.side).floor();
        let (i0, i1) = (
            fx(p[0] - r).max(0.0),
            fx(p[0] + r).min(self.nx as f64 - 1.0),
        );
        let fy = |y: f64| ((y - self.y0) / self.side).floor();
        let (j0, j1) = (
            fy(p[1] - r).max(0.0),
            fy(p[1] + r).min(self.ny as f64 - 1.0),
        );
        if i0 > i1 || j0 > j1 {
            return;
        }
        for j in j0 as usize..=j1 as usize {
            let row = j * self.nx;
            let (a, b) = (
                self.start[row + i0 as usize] as usize,
                self.start[row + i1 as usize + 1] as usize,
            );
            for &k in &self.items[a..b] {
                f(k, self.pts[k as usize]);
            }
        }
    }
}

/// The nearest facility distance (true metres) for every cell, `INFINITY` when none is within
/// `radius_m` (unless `exact_beyond`, then the true nearest distance; `INFINITY` only when there
/// is no facility at all).
pub fn nearest_distances(
    frame: &Frame,
    cells: &[[f64; 2]],
    facilities: &[[f64; 2]],
    radius_m: f64,
    exact_beyond: bool,
) -> Vec<f64> {
    let max_x = cells
        .iter()
        .chain(facilities)
        .fold(0.0f64, |m, p| m.max(p[0].abs()));
    let r_grid = frame.grid_len_upper(radius_m, max_x);
    let grid = PointGrid::new(facilities.to_vec(), r_grid);
    let tree = if exact_beyond && !facilities.is_empty() {
        Some(RTree::bulk_load(
            facilities
                .iter()
                .enumerate()
                .map(|(i, p)| GeomWithData::new(*p, i as u32))
                .collect::<Vec<_>>(),
        ))
    } else {
        None
    };
    cells
        .par_iter()
        .with_min_len(4096)
        .map(|&c| {
            let mut best = f64::INFINITY;
            let r2 = r_grid * r_grid;
            grid.near(c, r_grid, |_, f| {
                // Beyond r_grid in grid units is beyond radius_m in true metres: skip the
                // square root and scale of the distance (most of the 3×3 buckets' points).
                if (f[0] - c[0]).powi(2) + (f[1] - c[1]).powi(2) > r2 {
                    return;
                }
                let d = frame.distance(c, f);
                if d < best {
                    best = d;
                }
            });
            if best > radius_m {
                best = f64::INFINITY;
                if let Some(t) = &tree {
                    // Grid-nearest, then every facility within its grid distance grown by the
                    // scale spread, so the true nearest is among them.
                    if let Some(n) = t.nearest_neighbor(c) {
                        let g =
                            ((n.geom()[0] - c[0]).powi(2) + (n.geom()[1] - c[1]).powi(2)).sqrt();
                        let r = g * (1.0 + 1e-3) + 1e-6;
                        for f in t.locate_within_distance(c, r * r) {
                            best = best.min(frame.distance(c, *f.geom()));
                        }
                    }
                }
            }
            best
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Rng(u64);
    impl Rng {
        fn f(&mut self) -> f64 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (self.0 >> 11) as f64 / (1u64 << 53) as f64
        }
    }

    /// Seeded random layouts (clustered and spread, off-centre so the scale correction matters):
    /// indexed distances equal an all-pairs scan exactly.
    #[test]
    fn indexed_equals_all_pairs() {
        let frame = Frame::new(114.0, 30.5);
        let mut r = Rng(42);
        for case in 0..30 {
            let spread = [2_000.0, 20_000.0, 150_000.0][case % 3];
            let off = (r.f() - 0.5) * 300_000.0;
            let nf = [0, 1, 5, 50, 400][case % 5];
            let fac: Vec<[f64; 2]> = (0..nf)
                .map(|_| [off + (r.f() - 0.5) * spread, 3.4e6 + (r.f() - 0.5) * spread])
                .collect();
            let cells: Vec<[f64; 2]> = (0..3000)
                .map(|_| {
                    [
                        off + (r.f() - 0.5) * spread * 1.2,
                        3.4e6 + (r.f() - 0.5) * spread * 1.2,
                    ]
                })
                .collect();
            let radius = [300.0, 1000.0, 5000.0][case % 3];
            for exact in [false, true] {
                let got = nearest_distances(&frame, &cells, &fac, radius, exact);
                for (c, g) in cells.iter().zip(&got) {
                    let brute = fac
                        .iter()
                        .map(|f| frame.distance(*c, *f))
                        .fold(f64::INFINITY, f64::min);
                    let want = if exact || brute <= radius {
                        brute
                    } else {
                        f64::INFINITY
                    };
                    assert_eq!(*g, want, "case {case} exact {exact}");
                }
            }
        }
    }

    /// A facility exactly at the radius covers (≤, not <).
    #[test]
    fn boundary_is_covered() {
        let frame = Frame::new(0.0, 0.0);
        let c = [0.0, 0.0];
        let f = [0.0, 1000.0];
        let d = frame.distance(c, f);
        assert_eq!(nearest_distances(&frame, &[c], &[f], d, false)[0], d);
        assert_eq!(
            nearest_distances(&frame, &[c], &[f], d - 1e-9, false)[0],
            f64::INFINITY
        );
    }
}
