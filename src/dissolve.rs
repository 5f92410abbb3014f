//! Dissolving cells into blank-spot polygons by tracing the cell grid's edges.
//!
//! Cells of a regular grid share edges exactly, so the outline of a group of cells is the set of
//! their edges that no other cell of the group shares; chaining those edges gives the rings.
//! Point cells are traced in integer grid coordinates; polygon cells by cancelling each
//! directed edge against its reverse (vertices compared after rounding to 1e-7°, the precision
//! of the input files). Groups are 4-connected (edge-sharing) components within one area, so
//! every output polygon carries one area and its own population. Rings turn left at vertices
//! where two cells touch only at a corner, so rings never cross or touch themselves.

use std::collections::HashMap;

/// A vertex in integer coordinates (grid corner indexes, or lon/lat × 10⁷).
pub type Vtx = (i64, i64);

/// Chains directed boundary edges (interior on the left) into closed rings, choosing the
/// left-most turn where several edges leave a vertex. Each ring is returned without repeating
/// its first vertex, with collinear vertices removed.
pub fn chain(edges: &[(Vtx, Vtx)]) -> Vec<Vec<Vtx>> {
    let mut out_edges: HashMap<Vtx, Vec<usize>> = HashMap::with_capacity(edges.len());
    for (k, e) in edges.iter().enumerate() {
        out_edges.entry(e.0).or_default().push(k);
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
            let next = out_edges
                .get(&b)
                .into_iter()
                .flatten()
                .copied()
                .filter(|&n| !used[n])
                .max_by(|&x, &y| turn(x).total_cmp(&turn(y)).then(y.cmp(&x)));
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
            let cross = (q.0 - p.0) as i128 * (r.1 - q.1) as i128 - (q.1 - p.1) as i128 * (r.0 - q.0) as i128;
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

/// Boundary edges of a set of grid cells given by their `(i, j)` indexes (duplicates allowed),
/// counter-clockwise around the cells; vertex `(i, j)` is the lower-left corner of cell `(i, j)`.
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
    let mut count: HashMap<(Vtx, Vtx), i32> = HashMap::new();
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
        let cells: Vec<(i32, i32)> = (0..3).flat_map(|i| (0..3).map(move |j| (i, j))).filter(|&c| c != (1, 1)).collect();
        let polys = polygons(chain(&grid_edges(&cells)));
        assert_eq!(polys.len(), 1);
        assert_eq!(polys[0].len(), 2);
        assert_eq!(polys[0][0].len(), 4, "collinear vertices dropped: {:?}", polys[0][0]);
        assert_eq!(area(&polys), 8.0);
    }

    #[test]
    fn corner_touching_cells_stay_separate_rings() {
        let polys = polygons(chain(&grid_edges(&[(0, 0), (1, 1)])));
        assert_eq!(polys.len(), 2);
        assert!(polys.iter().all(|p| p.len() == 1 && p[0].len() == 4));
        assert_eq!(area(&polys), 2.0);
    }

    /// Seeded random cell sets: the traced area equals the number of cells, every ring is
    /// simple (no repeated vertex), and each hole sits in an exterior.
    #[test]
    fn random_sets_keep_area() {
        let mut s = 12345u64;
        for _ in 0..200 {
            let mut cells = Vec::new();
            for i in 0..12 {
                for j in 0..12 {
                    s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                    if (s >> 33) % 100 < 55 {
                        cells.push((i, j));
                    }
                }
            }
            let rings = chain(&grid_edges(&cells));
            for r in &rings {
                let mut v = r.clone();
                v.sort();
                v.dedup();
                assert_eq!(v.len(), r.len(), "ring touches itself: {r:?}");
            }
            let polys = polygons(rings);
            assert_eq!(area(&polys), cells.len() as f64);
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
