//! Dissolving cells into blank-spot polygons by tracing the cell grid's edges.
//!
//! Cells of a regular grid share edges exactly, so the outline of a group of cells is the set of
//! their edges that no other cell of the group shares; chaining those edges gives the rings.
//! Point cells are traced in integer grid coordinates; polygon cells by cancelling each
//! directed edge against its reverse (vertices compared after rounding to 1e-7°, the precision
//! of the input files). Groups are 4-connected (edge-sharing) components within one area, so
//! every output polygon carries one area and its own population.
//!
//! Where two cells of a component touch only at a corner, the empty cells at that corner lie
//! in different empty regions (the component's path between the two cells closes a loop through
//! the corner), so rings turn towards the empty side there (right-most turn): rings are then
//! simple, and a hole may touch its exterior at that one point, as OGC Simple Features allow.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A vertex in integer coordinates (grid corner indexes, or lon/lat × 10⁷).
pub type Vtx = (i64, i64);

/// A fast, deterministic hasher for integer keys (the multiply-rotate scheme of rustc's FxHash).
#[derive(Default, Clone, Copy)]
pub struct FxHasher(u64);

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(b as u64);
        }
    }
    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.0 = (self.0.rotate_left(5) ^ i).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    #[inline]
    fn write_i64(&mut self, i: i64) {
        self.write_u64(i as u64);
    }
    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.write_u64(i as u64);
    }
    #[inline]
    fn write_i32(&mut self, i: i32) {
        self.write_u64(i as u32 as u64);
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.write_u64(i as u64);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

/// HashMap with [`FxHasher`].
pub type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// Chains directed boundary edges (interior on the left) of one edge-connected component into
/// closed rings, choosing the right-most turn where several edges leave a vertex. Each ring is returned without repeating
/// its first vertex, with collinear vertices removed.
pub fn chain(edges: &[(Vtx, Vtx)]) -> Vec<Vec<Vtx>> {
    // Most vertices have one outgoing edge; corner-touching cells give two.
    // Irregular polygon cells can give more; those spill into a second map.
    let mut first: FxMap<Vtx, (u32, u32)> =
        FxMap::with_capacity_and_hasher(edges.len(), Default::default());
    let mut spill: FxMap<Vtx, Vec<usize>> = FxMap::default();
    for (k, e) in edges.iter().enumerate() {
        let v = first.entry(e.0).or_insert((k as u32, u32::MAX));
        if v.0 != k as u32 {
            if v.1 == u32::MAX {
                v.1 = k as u32;
            } else {
                spill.entry(e.0).or_default().push(k);
            }
        }
    }
    let mut used = vec![false; edges.len()];
    let mut rings = Vec::new();
    for start in 0..edges.len() {
        if used[start] {
            continue;
        }
        let mut ring = Vec::new();
        let origin = edges[start].0;
        let mut k = start;
        loop {
            used[k] = true;
            let (a, b) = edges[k];
            ring.push(a);
            if b == origin {
                break;
            }
            let din = ((b.0 - a.0) as f64, (b.1 - a.1) as f64);
            let turn = |n: usize| {
                let (c, d) = edges[n];
                let dout = ((d.0 - c.0) as f64, (d.1 - c.1) as f64);
                (din.0 * dout.1 - din.1 * dout.0).atan2(din.0 * dout.0 + din.1 * dout.1)
            };
            let next = match first.get(&b) {
                None => None,
                Some(&(x, u32::MAX)) => Some(x as usize).filter(|&x| !used[x]),
                Some(&(x, y)) => [x as usize, y as usize]
                    .into_iter()
                    .chain(spill.get(&b).into_iter().flatten().copied())
                    .filter(|&n| !used[n])
                    .min_by(|&x, &y| turn(x).total_cmp(&turn(y)).then(x.cmp(&y))),
            };
            match next {
                Some(n) => k = n,
                None => break, // an open chain only comes from malformed cells; close it as is
            }
        }
        rings.push(drop_collinear(ring));
    }
    rings
}

fn drop_collinear(ring: Vec<Vtx>) -> Vec<Vtx> {
    let n = ring.len();
    if n < 4 {
        return ring;
    }
    let keep: Vec<Vtx> = (0..n)
        .filter(|&i| {
            let (p, q, r) = (ring[(i + n - 1) % n], ring[i], ring[(i + 1) % n]);
            let cross = (q.0 - p.0) as i128 * (r.1 - q.1) as i128
                - (q.1 - p.1) as i128 * (r.0 - q.0) as i128;
            cross != 0
        })
        .map(|i| ring[i])
        .collect();
    if keep.len() >= 3 {
        keep
    } else {
        ring
    }
}

/// Twice the signed area (positive = counter-clockwise), relative to the first vertex.
pub fn signed_area2(ring: &[Vtx]) -> f64 {
    let o = ring[0];
    let mut s = 0.0;
    for i in 0..ring.len() {
        let p = ring[i];
        let q = ring[(i + 1) % ring.len()];
        s += (p.0 - o.0) as f64 * (q.1 - o.1) as f64 - (q.0 - o.0) as f64 * (p.1 - o.1) as f64;
    }
    s
}

fn contains(ring: &[Vtx], p: (f64, f64)) -> bool {
    let mut inside = false;
    for i in 0..ring.len() {
        let a = ring[i];
        let b = ring[(i + 1) % ring.len()];
        let (ax, ay, bx, by) = (a.0 as f64, a.1 as f64, b.0 as f64, b.1 as f64);
        if (ay > p.1) != (by > p.1) && p.0 < ax + (p.1 - ay) * (bx - ax) / (by - ay) {
            inside = !inside;
        }
    }
    inside
}

/// Groups rings into polygons: counter-clockwise rings are exteriors, clockwise ones holes of
/// the smallest exterior containing them. Returns `[exterior, holes…]` per polygon.
pub fn polygons(rings: Vec<Vec<Vtx>>) -> Vec<Vec<Vec<Vtx>>> {
    let (mut outers, mut holes): (Vec<_>, Vec<_>) = (Vec::new(), Vec::new());
    for r in rings {
        if r.len() < 3 {
            continue;
        }
        let a = signed_area2(&r);
        if a > 0.0 {
            outers.push((a, vec![r]));
        } else if a < 0.0 {
            holes.push(r);
        }
    }
    if outers.len() == 1 {
        outers[0].1.extend(holes);
        return outers.into_iter().map(|(_, rs)| rs).collect();
    }
    for h in holes {
        // The midpoint of a hole edge lies strictly inside its exterior.
        let (a, b) = (h[0], h[1]);
        let m = ((a.0 + b.0) as f64 / 2.0, (a.1 + b.1) as f64 / 2.0);
        let best = outers
            .iter_mut()
            .filter(|(_, rs)| contains(&rs[0], m))
            .min_by(|x, y| x.0.total_cmp(&y.0));
        if let Some((_, rs)) = best {
            rs.push(h);
        }
    }
    outers.into_iter().map(|(_, rs)| rs).collect()
}

/// Traces the outline of one 4-connected component of grid cells directly on the grid.
///
/// `members` are the component's cells, `pos` gives a cell's `(i, j)`, and `inside(i, j)` tells
/// whether the cell at a position belongs to the component. Each boundary side is followed once
/// (interior on the left, right-most turn at corner contacts, as [`chain`]); vertices are kept
/// only where the direction changes. `across(c, k)` is `inside` for the edge neighbour of cell
/// `c` in direction `k` (0 = −y, 1 = +x, 2 = +y, 3 = −x), which callers often know without a
/// position look-up. `visited` holds 4 side bits per cell and must be zero for the members on
/// entry; components traced at the same time must not share cells (each writes only its own
/// cells' bits).
pub fn trace_grid(
    members: &[u32],
    pos: impl Fn(u32) -> (i32, i32),
    inside: impl Fn(i32, i32) -> Option<u32>,
    across: impl Fn(u32, usize) -> Option<u32>,
    visited: &[std::sync::atomic::AtomicU8],
) -> Vec<Vec<Vtx>> {
    use std::sync::atomic::Ordering::Relaxed;
    // Direction d: 0 = +x (a cell's bottom side), 1 = +y (right side), 2 = −x (top), 3 = −y (left).
    const F: [(i32, i32); 4] = [(1, 0), (0, 1), (-1, 0), (0, -1)];
    let start_vertex = |(i, j): (i32, i32), d: usize| -> Vtx {
        let (i, j) = (i as i64, j as i64);
        match d {
            0 => (i, j),
            1 => (i + 1, j),
            2 => (i + 1, j + 1),
            _ => (i, j + 1),
        }
    };
    let mut rings = Vec::new();
    // One growing buffer; each ring is copied out at its exact size.
    let mut ring: Vec<Vtx> = Vec::new();
    for &c in members {
        for d0 in 0..4 {
            // Side d is a boundary when the neighbour on its right (outside), F[(d + 3) % 4],
            // is not in: the neighbour in direction d of `across`.
            if visited[c as usize].load(Relaxed) & (1 << d0) != 0 || across(c, d0).is_some() {
                continue;
            }
            ring.clear();
            let (mut cell, mut cp, mut d) = (c, pos(c), d0);
            let mut prev_d = usize::MAX;
            loop {
                // Components are disjoint, so no other thread writes this cell's bits: a plain
                // load and store (no locked read-modify-write) is enough.
                let v = &visited[cell as usize];
                v.store(v.load(Relaxed) | (1 << d), Relaxed);
                if d != prev_d {
                    ring.push(start_vertex(cp, d));
                }
                prev_d = d;
                let (f, l) = (F[d], F[(d + 1) % 4]);
                let ahead = (cp.0 + f.0, cp.1 + f.1);
                let ahead_right = (ahead.0 - l.0, ahead.1 - l.1);
                (cell, cp, d) = if let Some(n) = inside(ahead_right.0, ahead_right.1) {
                    (n, ahead_right, (d + 3) % 4)
                } else if let Some(n) = inside(ahead.0, ahead.1) {
                    (n, ahead, d)
                } else {
                    (cell, cp, (d + 1) % 4)
                };
                if cell == c && d == d0 {
                    break;
                }
            }
            // The start may sit mid-way along a straight run.
            let skip = usize::from(ring.len() > 1 && prev_d == d0);
            rings.push(ring[skip..].to_vec());
        }
    }
    rings
}

/// Boundary edges of a set of grid cells given by their `(i, j)` indexes (duplicates allowed),
/// counter-clockwise around the cells; vertex `(i, j)` is the lower-left corner of cell `(i, j)`.
/// The plain reference that the tests hold [`trace_grid`] to.
#[cfg(test)]
pub fn grid_edges(cells: &[(i32, i32)]) -> Vec<(Vtx, Vtx)> {
    let set: std::collections::HashSet<(i32, i32)> = cells.iter().copied().collect();
    let mut sorted: Vec<(i32, i32)> = set.iter().copied().collect();
    sorted.sort_unstable();
    let mut e = Vec::new();
    for (i, j) in sorted {
        let (x, y) = (i as i64, j as i64);
        if !set.contains(&(i, j - 1)) {
            e.push(((x, y), (x + 1, y)));
        }
        if !set.contains(&(i + 1, j)) {
            e.push(((x + 1, y), (x + 1, y + 1)));
        }
        if !set.contains(&(i, j + 1)) {
            e.push(((x + 1, y + 1), (x, y + 1)));
        }
        if !set.contains(&(i - 1, j)) {
            e.push(((x, y + 1), (x, y)));
        }
    }
    e
}

/// Boundary edges of a set of polygon cells (rings in lon/lat × 10⁷ integer vertices):
/// every ring oriented so the cell lies on its left, then edges cancelled against reverses.
pub fn polygon_edges<'a>(rings: impl Iterator<Item = (&'a [Vtx], bool)>) -> Vec<(Vtx, Vtx)> {
    let mut count: FxMap<(Vtx, Vtx), i32> = FxMap::default();
    let mut order: Vec<(Vtx, Vtx)> = Vec::new();
    for (ring, is_hole) in rings {
        let mut r: Vec<Vtx> = ring.to_vec();
        if r.len() > 1 && r[0] == r[r.len() - 1] {
            r.pop();
        }
        r.dedup();
        if r.len() < 3 {
            continue;
        }
        let ccw = signed_area2(&r) > 0.0;
        if ccw == is_hole {
            r.reverse();
        }
        for i in 0..r.len() {
            let (a, b) = (r[i], r[(i + 1) % r.len()]);
            if let Some(c) = count.get_mut(&(b, a)) {
                if *c > 0 {
                    *c -= 1;
                    continue;
                }
            }
            let c = count.entry((a, b)).or_insert(0);
            if *c == 0 {
                order.push((a, b));
            }
            *c += 1;
        }
    }
    let mut out = Vec::new();
    for e in order {
        if let Some(c) = count.get_mut(&e) {
            for _ in 0..*c {
                out.push(e);
            }
            *c = 0;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn area(polys: &[Vec<Vec<Vtx>>]) -> f64 {
        polys.iter().flatten().map(|r| signed_area2(r) / 2.0).sum()
    }

    #[test]
    fn ring_with_hole() {
        // 3x3 block without its centre: one polygon with one hole, area 8.
        let cells: Vec<(i32, i32)> = (0..3)
            .flat_map(|i| (0..3).map(move |j| (i, j)))
            .filter(|&c| c != (1, 1))
            .collect();
        let polys = polygons(chain(&grid_edges(&cells)));
        assert_eq!(polys.len(), 1);
        assert_eq!(polys[0].len(), 2);
        assert_eq!(
            polys[0][0].len(),
            4,
            "collinear vertices dropped: {:?}",
            polys[0][0]
        );
        assert_eq!(area(&polys), 8.0);
    }

    /// 4-connected components of a cell set (as the pipeline groups cells before tracing).
    fn components(cells: &[(i32, i32)]) -> Vec<Vec<(i32, i32)>> {
        let set: std::collections::HashSet<(i32, i32)> = cells.iter().copied().collect();
        let mut seen = std::collections::HashSet::new();
        let mut out = Vec::new();
        for &c in cells {
            if !seen.insert(c) {
                continue;
            }
            let mut comp = vec![c];
            let mut k = 0;
            while k < comp.len() {
                let (i, j) = comp[k];
                for n in [(i + 1, j), (i - 1, j), (i, j + 1), (i, j - 1)] {
                    if set.contains(&n) && seen.insert(n) {
                        comp.push(n);
                    }
                }
                k += 1;
            }
            out.push(comp);
        }
        out
    }

    /// A hole touching the outside at one corner: one exterior, one hole, both simple rings.
    #[test]
    fn hole_touching_the_exterior_at_a_corner() {
        let cells: Vec<(i32, i32)> = (0..3)
            .flat_map(|i| (0..3).map(move |j| (i, j)))
            .filter(|&c| c != (1, 1) && c != (0, 0))
            .collect();
        let polys = polygons(chain(&grid_edges(&cells)));
        assert_eq!(polys.len(), 1);
        assert_eq!(polys[0].len(), 2, "{polys:?}");
        assert_eq!(area(&polys), 7.0);
    }

    /// Seeded random cell sets, traced per 4-connected component: the traced area equals the
    /// number of cells, every ring is simple (no repeated vertex), every hole sits in an
    /// exterior, and each component gives exactly one exterior.
    #[test]
    fn random_sets_keep_area() {
        let mut s = 12345u64;
        for _ in 0..300 {
            let mut cells = Vec::new();
            for i in 0..12 {
                for j in 0..12 {
                    s = s
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    if (s >> 33) % 100 < 55 {
                        cells.push((i, j));
                    }
                }
            }
            let mut total = 0.0;
            for comp in components(&cells) {
                let rings = chain(&grid_edges(&comp));
                // The direct grid tracer gives the same rings (as vertex sets).
                let idx: std::collections::HashMap<(i32, i32), u32> = comp
                    .iter()
                    .enumerate()
                    .map(|(k, c)| (*c, k as u32))
                    .collect();
                let visited: Vec<std::sync::atomic::AtomicU8> =
                    (0..comp.len()).map(|_| Default::default()).collect();
                let members: Vec<u32> = (0..comp.len() as u32).collect();
                const SIDE: [(i32, i32); 4] = [(0, -1), (1, 0), (0, 1), (-1, 0)];
                let direct = trace_grid(
                    &members,
                    |k| comp[k as usize],
                    |i, j| idx.get(&(i, j)).copied(),
                    |k, d| {
                        let (i, j) = comp[k as usize];
                        idx.get(&(i + SIDE[d].0, j + SIDE[d].1)).copied()
                    },
                    &visited,
                );
                let norm = |rs: &[Vec<Vtx>]| {
                    let mut v: Vec<Vec<Vtx>> = rs
                        .iter()
                        .map(|r| {
                            let mut r = r.clone();
                            r.sort();
                            r
                        })
                        .collect();
                    v.sort();
                    v
                };
                assert_eq!(norm(&direct), norm(&rings));
                for r in &rings {
                    let mut v = r.clone();
                    v.sort();
                    v.dedup();
                    assert_eq!(v.len(), r.len(), "ring touches itself: {r:?}");
                }
                let n_rings = rings.len();
                let polys = polygons(rings);
                assert_eq!(polys.len(), 1, "one component, one exterior");
                assert_eq!(polys[0].len(), n_rings, "every hole assigned");
                assert_eq!(area(&polys), comp.len() as f64);
                total += area(&polys);
            }
            assert_eq!(total, cells.len() as f64);
        }
    }

    #[test]
    fn polygon_cells_cancel_shared_edges() {
        // Two unit squares side by side, one clockwise: outline is a 2x1 rectangle.
        let a: Vec<Vtx> = vec![(0, 0), (1, 0), (1, 1), (0, 1), (0, 0)];
        let b: Vec<Vtx> = vec![(1, 0), (1, 1), (2, 1), (2, 0), (1, 0)];
        let e = polygon_edges([(&a[..], false), (&b[..], false)].into_iter());
        assert_eq!(e.len(), 6);
        let polys = polygons(chain(&e));
        assert_eq!(polys.len(), 1);
        assert_eq!(polys[0][0].len(), 4);
        assert_eq!(area(&polys), 2.0);
    }
}
