//! The cell grid of point cells: spacing and origin, from `cell_size` or inferred.
//!
//! Point cells (WorldPop pixel centres in a CSV, say) stand for square footprints. To trace
//! their outlines exactly, each point gets integer grid indexes `(i, j)`; footprints of
//! neighbouring cells then share corners exactly. Grids are tried in lon/lat first (rasters in
//! degrees), then in the local metric frame.

use crate::plan::CellSize;
use crate::projection::Frame;

/// Where a grid is regular.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Space {
    /// Regular in longitude/latitude degrees.
    LonLat,
    /// Regular in the local metric frame.
    Local,
}

use serde::Serialize;

/// A regular grid: cell `(i, j)` has its centre at `(x0 + i·dx, y0 + j·dy)` in its space.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Grid {
    /// Space the grid is regular in.
    pub space: Space,
    /// Centre of cell (0, 0).
    pub x0: f64,
    /// Centre of cell (0, 0).
    pub y0: f64,
    /// Cell width.
    pub dx: f64,
    /// Cell height.
    pub dy: f64,
    /// Columns spanned.
    pub nx: u32,
    /// Rows spanned.
    pub ny: u32,
}

impl Grid {
    /// Index of the cell whose centre is nearest to `p` (in the grid's space).
    #[inline]
    pub fn index(&self, p: [f64; 2]) -> (i32, i32) {
        (
            ((p[0] - self.x0) / self.dx).round() as i32,
            ((p[1] - self.y0) / self.dy).round() as i32,
        )
    }

    /// Lower-left corner of cell `(i, j)` in lon/lat.
    pub fn corner_lonlat(&self, i: i32, j: i32, frame: &Frame) -> [f64; 2] {
        let p = [
            self.x0 + (i as f64 - 0.5) * self.dx,
            self.y0 + (j as f64 - 0.5) * self.dy,
        ];
        match self.space {
            Space::LonLat => p,
            Space::Local => frame.to_lonlat(p),
        }
    }

    /// Cell width and height in metres near the frame centre (for reports).
    pub fn size_m(&self, frame: &Frame) -> [f64; 2] {
        match self.space {
            Space::Local => [self.dx, self.dy],
            Space::LonLat => {
                let a = frame.to_local(self.x0, self.y0);
                let b = frame.to_local(self.x0 + self.dx, self.y0);
                let c = frame.to_local(self.x0, self.y0 + self.dy);
                [frame.distance(a, b), frame.distance(a, c)]
            }
        }
    }
}

/// The distinct values of coordinate `axis` of `pts` (by bits), in no particular order. Grids
/// repeat each coordinate many times, so each worker keeps its own small set (skipping runs
/// of one value, as along a row) and the sets are merged.
fn distinct(pts: &[[f64; 2]], axis: usize) -> Vec<f64> {
    use rayon::prelude::*;
    type Seen = crate::dissolve::FxMap<u64, ()>;
    let parts: Vec<Vec<f64>> = pts
        .par_chunks(1 << 15)
        .map(|chunk| {
            let (mut seen, mut out, mut last) = (Seen::default(), Vec::new(), None);
            for p in chunk {
                let b = p[axis].to_bits();
                if last != Some(b) && seen.insert(b, ()).is_none() {
                    out.push(p[axis]);
                }
                last = Some(b);
            }
            out
        })
        .collect();
    let mut seen = Seen::default();
    parts
        .into_iter()
        .flatten()
        .filter(|v| seen.insert(v.to_bits(), ()).is_none())
        .collect()
}

/// Fits the axis spacing of the distinct values `vals`: the median gap between them, refined
/// over the whole span; `None` when they are not on one regular spacing (or all equal).
fn fit_axis(mut vals: Vec<f64>, fixed: Option<f64>) -> Option<(f64, f64, u32)> {
    vals.sort_unstable_by(f64::total_cmp);
    let (lo, hi) = (vals[0], vals[vals.len() - 1]);
    let d = match fixed {
        Some(d) => d,
        None => {
            let span = hi - lo;
            let tol = span.abs().max(1.0) * 1e-9;
            let mut gaps: Vec<f64> = vals
                .windows(2)
                .map(|w| w[1] - w[0])
                .filter(|g| *g > tol)
                .collect();
            if gaps.is_empty() {
                return None;
            }
            let mid = gaps.len() / 2;
            let (_, med, _) = gaps.select_nth_unstable_by(mid, f64::total_cmp);
            let med = *med;
            // Coordinates written with few decimals scatter the gaps around the spacing
            // (0.000833 and 0.000834 for 3″): average the gaps near the median.
            let near: Vec<f64> = gaps
                .iter()
                .copied()
                .filter(|g| (g - med).abs() < 0.1 * med)
                .collect();
            let d0 = near.iter().sum::<f64>() / near.len() as f64;
            let n = (span / d0).round();
            if n < 1.0 {
                return None;
            }
            span / n
        }
    };
    // Every value must sit on the lattice (within 5 % of a cell).
    if vals.iter().any(|v| {
        let t = (v - lo) / d;
        (t - t.round()).abs() > 0.05
    }) && fixed.is_none()
    {
        return None;
    }
    Some((lo, d, ((hi - lo) / d).round() as u32 + 1))
}

/// Finds the grid of point cells: from `cell_size` when given, else inferred. `lonlat` and
/// `local` are the cells' positions in both spaces.
pub fn fit(lonlat: &[[f64; 2]], local: &[[f64; 2]], cell_size: Option<CellSize>) -> Option<Grid> {
    let try_space = |pts: &[[f64; 2]], space: Space, fixed: Option<f64>| -> Option<Grid> {
        let (xs, ys) = (distinct(pts, 0), distinct(pts, 1));
        let span = |v: &[f64]| {
            v.iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
                    (a.min(*x), b.max(*x))
                })
        };
        let ((xlo, xhi), (ylo, yhi)) = (span(&xs), span(&ys));
        let (fx, fy) = (fit_axis(xs, fixed), fit_axis(ys, fixed));
        // A single row or column borrows the other axis' spacing.
        let (fx, fy) = match (fx, fy) {
            (Some(a), Some(b)) => (a, b),
            (Some(a), None) if ylo == yhi => (a, (ylo, a.1, 1)),
            (None, Some(b)) if xlo == xhi => ((xlo, b.1, 1), b),
            _ => return None,
        };
        Some(Grid {
            space,
            x0: fx.0,
            y0: fy.0,
            dx: fx.1,
            dy: fy.1,
            nx: fx.2,
            ny: fy.2,
        })
    };
    match cell_size {
        Some(CellSize::Degrees(d)) => try_space(lonlat, Space::LonLat, Some(d)),
        Some(CellSize::Meters(m)) => try_space(local, Space::Local, Some(m)),
        None => {
            if lonlat.len() < 2 {
                return None;
            }
            try_space(lonlat, Space::LonLat, None).or_else(|| try_space(local, Space::Local, None))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn infers_a_rounded_arcsecond_grid() {
        // 3 arcsec cells written with 6 decimals, with holes in the grid.
        let d = 3.0 / 3600.0;
        let mut pts = Vec::new();
        for j in 0..40 {
            for i in 0..50 {
                if (i * 7 + j * 3) % 5 == 0 {
                    continue;
                }
                let lon = ((114.0 + i as f64 * d) * 1e6).round() / 1e6;
                let lat = ((30.0 + j as f64 * d) * 1e6).round() / 1e6;
                pts.push([lon, lat]);
            }
        }
        let g = fit(&pts, &pts, None).unwrap();
        assert_eq!(g.space, Space::LonLat);
        assert!((g.dx - d).abs() < 1e-8 && (g.dy - d).abs() < 1e-8, "{g:?}");
        assert_eq!(g.index(pts[1]), (2, 0));
    }

    #[test]
    fn irregular_points_have_no_grid() {
        let pts = [[0.0, 0.0], [1.0, 0.0], [2.3, 0.1], [3.0, 0.7]];
        assert!(fit(&pts, &pts, None).is_none());
    }
}
