//! Service areas: the part of the map within walking reach of one or more sources.
//!
//! The area is built from the reachable parts of the street network (segments cut at the exact
//! remaining budget), buffered by a width, on a raster. A raster cell is kept only when its whole
//! square lies within the width of the reachable geometry (centre distance at most
//! `width - r·√2/2` for cell size `r`), so every point of the result is within `width_m` of a
//! network position whose walking distance from a source is within the budget. Kept cells are
//! traced into polygon rings.

use std::collections::VecDeque;

use super::graph::WalkNetwork;
use super::snap::Snap;

/// Polygons in local metres: polygons -> rings -> points. The first ring of each polygon is its
/// exterior (counter-clockwise), the others are holes (clockwise); every ring is closed (its last
/// point repeats its first).
pub type Polygons = Vec<Vec<Vec<[f64; 2]>>>;

/// Default buffer width around the reachable streets, in metres.
pub const DEFAULT_AREA_WIDTH_M: f64 = 50.0;

/// Raster cell size as a fraction of the buffer width.
const CELL_FRACTION: f64 = 0.2;
/// Upper bound on raster cells; larger areas get coarser cells (at most half the width).
const MAX_CELLS: f64 = 40e6;

/// Direction bits of boundary edges leaving a raster vertex.
const EAST: u8 = 1;
const NORTH: u8 = 2;
const WEST: u8 = 4;
const SOUTH: u8 = 8;

impl WalkNetwork {
    /// The reachable parts of the network: every segment piece whose points all have a walking
    /// distance (access leg + network path) of at most `budget_m` from the nearest source.
    ///
    /// Pieces are `[from, to]` points in local metres; partial segments are cut at the exact
    /// remaining budget. Pieces may overlap.
    pub fn reachable_pieces(&self, sources: &[Snap], budget_m: f64) -> Vec<[[f64; 2]; 2]> {
        let (dist, settled) = self.bounded_search(sources, budget_m);
        let mut pieces = Vec::new();
        for &n in &settled {
            let from = self.nodes[n as usize];
            let remaining = budget_m - dist[n as usize];
            for &(m, len) in self.neighbours(n) {
                let to = self.nodes[m as usize];
                let f = if len > 0.0 {
                    (remaining / len).min(1.0)
                } else {
                    1.0
                };
                pieces.push([from, lerp(from, to, f)]);
            }
            if self.neighbours(n).is_empty() {
                pieces.push([from, from]);
            }
        }
        for s in sources {
            let remaining = budget_m - s.access_m;
            if remaining < 0.0 {
                continue;
            }
            let [a, b] = self.edges[s.edge as usize];
            let (pa, pb) = (self.nodes[a as usize], self.nodes[b as usize]);
            let len = self.lengths[s.edge as usize];
            let reach = if len > 0.0 { remaining / len } else { 1.0 };
            let t0 = (s.t - reach).max(0.0);
            let t1 = (s.t + reach).min(1.0);
            pieces.push([lerp(pa, pb, t0), lerp(pa, pb, t1)]);
        }
        pieces
    }

    /// Service area of one source: everything within `width_m` of the network reachable within
    /// `budget_m` (see the module notes for the guarantee). Empty when nothing is reachable.
    pub fn service_area(&self, source: &Snap, budget_m: f64, width_m: f64) -> Polygons {
        self.dissolved_service_area(std::slice::from_ref(source), budget_m, width_m)
    }

    /// The union of the service areas of all `sources` (e.g. every facility of one kind),
    /// computed with a single bounded search: a network position is reachable from some source
    /// exactly when its distance from the nearest source is within the budget.
    pub fn dissolved_service_area(
        &self,
        sources: &[Snap],
        budget_m: f64,
        width_m: f64,
    ) -> Polygons {
        if width_m.is_nan() || width_m <= 0.0 {
            return Vec::new();
        }
        let pieces = self.reachable_pieces(sources, budget_m);
        let Some(raster) = Raster::covering(&pieces, width_m) else {
            return Vec::new();
        };
        raster.polygons()
    }
}

/// Point `f` of the way from `a` to `b`.
fn lerp(a: [f64; 2], b: [f64; 2], f: f64) -> [f64; 2] {
    if f >= 1.0 {
        b
    } else if f <= 0.0 {
        a
    } else {
        [a[0] + f * (b[0] - a[0]), a[1] + f * (b[1] - a[1])]
    }
}

/// Squared distance from `p` to the segment `a`–`b`.
fn segment_distance_2(p: [f64; 2], a: [f64; 2], b: [f64; 2]) -> f64 {
    let d = [b[0] - a[0], b[1] - a[1]];
    let len2 = d[0] * d[0] + d[1] * d[1];
    let t = if len2 > 0.0 {
        (((p[0] - a[0]) * d[0] + (p[1] - a[1]) * d[1]) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let (dx, dy) = (p[0] - (a[0] + t * d[0]), p[1] - (a[1] + t * d[1]));
    dx * dx + dy * dy
}

/// A boolean raster of kept cells; cell `(i, j)` covers
/// `[x0 + i·r, x0 + (i+1)·r] × [y0 + j·r, y0 + (j+1)·r]`.
struct Raster {
    x0: f64,
    y0: f64,
    r: f64,
    nx: usize,
    ny: usize,
    kept: Vec<bool>,
}

impl Raster {
    /// Rasterises the `width`-buffer of `pieces`, keeping only cells entirely inside it.
    fn covering(pieces: &[[[f64; 2]; 2]], width: f64) -> Option<Raster> {
        let mut bbox = [
            f64::INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        ];
        for p in pieces.iter().flatten() {
            bbox = [
                bbox[0].min(p[0]),
                bbox[1].min(p[1]),
                bbox[2].max(p[0]),
                bbox[3].max(p[1]),
            ];
        }
        if !bbox.iter().all(|v| v.is_finite()) {
            return None;
        }
        let (w, h) = (
            bbox[2] - bbox[0] + 2.0 * width,
            bbox[3] - bbox[1] + 2.0 * width,
        );
        let r = (width * CELL_FRACTION)
            .max((w * h / MAX_CELLS).sqrt())
            .min(width * 0.5);
        let (nx, ny) = ((w / r).ceil() as usize + 1, (h / r).ceil() as usize + 1);
        let (x0, y0) = (bbox[0] - width, bbox[1] - width);
        let reach = width - r * std::f64::consts::FRAC_1_SQRT_2;
        let reach2 = reach * reach;
        let mut kept = vec![false; nx * ny];
        for &[a, b] in pieces {
            let cell_range = |lo: f64, hi: f64, origin: f64, n: usize| {
                let first = ((lo - reach - origin) / r - 0.5).ceil().max(0.0) as usize;
                let last = (((hi + reach - origin) / r - 0.5).floor().max(-1.0) + 1.0) as usize;
                first..last.min(n)
            };
            let cols = cell_range(a[0].min(b[0]), a[0].max(b[0]), x0, nx);
            for j in cell_range(a[1].min(b[1]), a[1].max(b[1]), y0, ny) {
                let cy = y0 + (j as f64 + 0.5) * r;
                for i in cols.clone() {
                    let cx = x0 + (i as f64 + 0.5) * r;
                    if !kept[j * nx + i] && segment_distance_2([cx, cy], a, b) <= reach2 {
                        kept[j * nx + i] = true;
                    }
                }
            }
        }
        Some(Raster {
            x0,
            y0,
            r,
            nx,
            ny,
            kept,
        })
    }

    /// Whether cell `(i, j)` is kept; cells outside the raster are not.
    fn at(&self, i: isize, j: isize) -> bool {
        i >= 0
            && j >= 0
            && (i as usize) < self.nx
            && (j as usize) < self.ny
            && self.kept[j as usize * self.nx + i as usize]
    }

    /// 4-connected component label of every kept cell (`u32::MAX` for empty cells).
    fn labels(&self) -> Vec<u32> {
        let mut label = vec![u32::MAX; self.kept.len()];
        let mut next = 0u32;
        let mut queue = VecDeque::new();
        for start in 0..self.kept.len() {
            if !self.kept[start] || label[start] != u32::MAX {
                continue;
            }
            label[start] = next;
            queue.push_back(start);
            while let Some(c) = queue.pop_front() {
                let (i, j) = ((c % self.nx) as isize, (c / self.nx) as isize);
                for (di, dj) in [(1, 0), (-1, 0), (0, 1), (0, -1)] {
                    if self.at(i + di, j + dj) {
                        let n = (j + dj) as usize * self.nx + (i + di) as usize;
                        if label[n] == u32::MAX {
                            label[n] = next;
                            queue.push_back(n);
                        }
                    }
                }
            }
            next += 1;
        }
        label
    }

    /// Traces the kept cells into polygons (exterior counter-clockwise, holes clockwise).
    fn polygons(&self) -> Polygons {
        let (nx, ny) = (self.nx, self.ny);
        let vx = nx + 1;
        // Boundary edges leaving each lattice vertex, with the kept cell on their left.
        let mut out = vec![0u8; vx * (ny + 1)];
        for j in 0..ny {
            for i in 0..nx {
                if !self.kept[j * nx + i] {
                    continue;
                }
                let (ii, jj) = (i as isize, j as isize);
                if !self.at(ii, jj - 1) {
                    out[j * vx + i] |= EAST;
                }
                if !self.at(ii + 1, jj) {
                    out[j * vx + i + 1] |= NORTH;
                }
                if !self.at(ii, jj + 1) {
                    out[(j + 1) * vx + i + 1] |= WEST;
                }
                if !self.at(ii - 1, jj) {
                    out[(j + 1) * vx + i] |= SOUTH;
                }
            }
        }
        let labels = self.labels();
        let component_count = labels
            .iter()
            .filter(|&&l| l != u32::MAX)
            .max()
            .map_or(0, |&l| l as usize + 1);
        let mut exteriors: Vec<Option<Vec<[f64; 2]>>> = vec![None; component_count];
        let mut holes: Vec<Vec<Vec<[f64; 2]>>> = vec![Vec::new(); component_count];

        for start in 0..out.len() {
            while out[start] != 0 {
                let walk = self.trace(&mut out, start);
                for ring in split_at_repeats(&walk) {
                    // The cell on the left of the ring's first edge tells its component.
                    let ([i0, j0], [i1, j1]) = (ring[0], ring[1]);
                    let (ci, cj) = match (i1 - i0, j1 - j0) {
                        (1, 0) => (i0, j0),
                        (0, 1) => (i0 - 1, j0),
                        (-1, 0) => (i0 - 1, j0 - 1),
                        _ => (i0, j0 - 1),
                    };
                    let component = labels[cj as usize * nx + ci as usize] as usize;
                    let points = self.to_points(&ring);
                    if signed_area(&points) > 0.0 {
                        exteriors[component] = Some(points);
                    } else {
                        holes[component].push(points);
                    }
                }
            }
        }
        exteriors
            .into_iter()
            .zip(holes)
            .filter_map(|(exterior, holes)| {
                let mut rings = vec![exterior?];
                rings.extend(holes);
                Some(rings)
            })
            .collect()
    }

    /// Follows boundary edges from the lowest-bit edge leaving vertex `start` until that edge
    /// comes up again, turning left whenever possible (so cells that touch only diagonally stay
    /// in separate rings); consumes the edges it follows. Returns the lattice vertices visited.
    fn trace(&self, out: &mut [u8], start: usize) -> Vec<[isize; 2]> {
        let vx = self.nx + 1;
        let first = out[start] & out[start].wrapping_neg(); // lowest set bit
        out[start] &= !first;
        let mut walk = Vec::new();
        let (mut v, mut dir) = (start, first);
        loop {
            walk.push([(v % vx) as isize, (v / vx) as isize]);
            v = match dir {
                EAST => v + 1,
                NORTH => v + vx,
                WEST => v - 1,
                _ => v - vx,
            };
            let available = out[v] | if v == start { first } else { 0 };
            let Some(&next) = turn_preference(dir).iter().find(|&&d| available & d != 0) else {
                break; // cannot happen: boundary edges form closed cycles
            };
            if v == start && next == first {
                break;
            }
            out[v] &= !next;
            dir = next;
        }
        walk
    }

    /// Lattice vertices to local metres, closing the ring and dropping collinear vertices.
    fn to_points(&self, ring: &[[isize; 2]]) -> Vec<[f64; 2]> {
        let n = ring.len();
        let mut points = Vec::with_capacity(n + 1);
        for k in 0..n {
            let (prev, cur, next) = (ring[(k + n - 1) % n], ring[k], ring[(k + 1) % n]);
            let collinear =
                (cur[0] - prev[0]) * (next[1] - cur[1]) == (cur[1] - prev[1]) * (next[0] - cur[0]);
            if !collinear {
                points.push([
                    self.x0 + cur[0] as f64 * self.r,
                    self.y0 + cur[1] as f64 * self.r,
                ]);
            }
        }
        if let Some(&first) = points.first() {
            points.push(first);
        }
        points
    }
}

/// Outgoing directions to try after moving in `dir`: left, straight, right.
fn turn_preference(dir: u8) -> [u8; 3] {
    match dir {
        EAST => [NORTH, EAST, SOUTH],
        NORTH => [WEST, NORTH, EAST],
        WEST => [SOUTH, WEST, NORTH],
        _ => [EAST, SOUTH, WEST],
    }
}

/// Splits a closed walk that revisits vertices into simple closed loops.
fn split_at_repeats(walk: &[[isize; 2]]) -> Vec<Vec<[isize; 2]>> {
    let mut loops = Vec::new();
    let mut stack: Vec<[isize; 2]> = Vec::with_capacity(walk.len());
    let mut position = std::collections::HashMap::new();
    for &v in walk {
        if let Some(&at) = position.get(&v) {
            let inner: Vec<[isize; 2]> = stack.drain(at..).collect();
            for u in &inner {
                position.remove(u);
            }
            loops.push(inner);
        }
        position.insert(v, stack.len());
        stack.push(v);
    }
    if !stack.is_empty() {
        loops.push(stack);
    }
    loops
}

/// Shoelace signed area of a closed ring (positive when counter-clockwise).
pub(crate) fn signed_area(ring: &[[f64; 2]]) -> f64 {
    ring.windows(2)
        .map(|w| w[0][0] * w[1][1] - w[1][0] * w[0][1])
        .sum::<f64>()
        / 2.0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A raster from an ASCII picture (`#` = kept), top row first, 1 m cells at the origin.
    fn raster(rows: &[&str]) -> Raster {
        let ny = rows.len();
        let nx = rows[0].len();
        let mut kept = vec![false; nx * ny];
        for (row, line) in rows.iter().enumerate() {
            for (i, c) in line.chars().enumerate() {
                kept[(ny - 1 - row) * nx + i] = c == '#';
            }
        }
        Raster {
            x0: 0.0,
            y0: 0.0,
            r: 1.0,
            nx,
            ny,
            kept,
        }
    }

    fn area(poly: &[Vec<[f64; 2]>]) -> f64 {
        poly.iter().map(|r| signed_area(r)).sum()
    }

    #[test]
    fn single_cell_and_rectangle() {
        let p = raster(&["#"]).polygons();
        assert_eq!(
            p,
            vec![vec![vec![
                [0.0, 0.0],
                [1.0, 0.0],
                [1.0, 1.0],
                [0.0, 1.0],
                [0.0, 0.0]
            ]]]
        );
        let p = raster(&["...", ".##", ".##"]).polygons();
        assert_eq!(p.len(), 1);
        assert_eq!(p[0][0].len(), 5, "collinear vertices are dropped");
        assert_eq!(area(&p[0]), 4.0);
    }

    #[test]
    fn checkerboard_cells_stay_separate_polygons() {
        let p = raster(&["#.#", ".#.", "#.#"]).polygons();
        assert_eq!(p.len(), 5);
        for poly in &p {
            assert_eq!(poly.len(), 1);
            assert_eq!(area(poly), 1.0);
        }
    }

    #[test]
    fn holes_are_clockwise_and_attached_to_their_polygon() {
        // A frame of cells around a hole that holds two one-cell islands.
        let p = raster(&[
            "#######", //
            "#.....#", //
            "#.#.#.#", //
            "#.....#", //
            "#######", //
        ])
        .polygons();
        assert_eq!(p.len(), 3);
        let outer = p
            .iter()
            .find(|poly| poly.len() == 2)
            .expect("outer with hole");
        assert!(signed_area(&outer[0]) > 0.0 && signed_area(&outer[1]) < 0.0);
        assert_eq!(area(outer), 35.0 - 15.0);
    }

    #[test]
    fn pinched_hole_is_split_into_simple_rings() {
        // The empty cells touch diagonally in the middle: two holes meeting at one point.
        let p = raster(&[
            "####", //
            "#.##", //
            "##.#", //
            "####", //
        ])
        .polygons();
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].len(), 3, "exterior plus two holes");
        assert_eq!(area(&p[0]), 14.0);
        for ring in &p[0] {
            let mut seen = ring[..ring.len() - 1].to_vec();
            seen.sort_by(|a, b| a.partial_cmp(b).expect("finite"));
            seen.dedup();
            assert_eq!(
                seen.len(),
                ring.len() - 1,
                "ring repeats a vertex: {ring:?}"
            );
        }
    }
}
