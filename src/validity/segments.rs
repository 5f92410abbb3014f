//! Exact orientation predicates, segment–segment classification and a sweep over segment
//! pairs whose bounding boxes meet.
//!
//! Orientation signs come from Shewchuk's adaptive-precision `orient2d` (the `robust` crate),
//! so "is this vertex on that edge" and "do these edges cross" are decided exactly for the
//! given doubles. Only the position of a computed crossing point is rounded.

use std::cmp::Ordering;

/// A point, lon/lat degrees (or any planar coordinates).
pub type P = [f64; 2];

/// Sign of the orientation of `c` relative to the directed line `a → b`: positive when `c` is
/// to the left (counter-clockwise turn), negative to the right, zero when the three points are
/// exactly collinear.
pub fn orient(a: P, b: P, c: P) -> f64 {
    robust::orient2d(
        robust::Coord { x: a[0], y: a[1] },
        robust::Coord { x: b[0], y: b[1] },
        robust::Coord { x: c[0], y: c[1] },
    )
}

/// Whether `p`, known to be collinear with `a → b`, lies strictly between `a` and `b`.
/// Comparisons only, so exact.
fn strictly_inside_collinear(a: P, b: P, p: P) -> bool {
    if p == a || p == b {
        return false;
    }
    let axis = if a[0] != b[0] { 0 } else { 1 };
    let (lo, hi) = if a[axis] < b[axis] {
        (a[axis], b[axis])
    } else {
        (b[axis], a[axis])
    };
    lo < p[axis] && p[axis] < hi
}

/// Whether `p` lies on segment `a b` strictly between its endpoints (exact).
pub fn strictly_on_segment(a: P, b: P, p: P) -> bool {
    orient(a, b, p) == 0.0 && strictly_inside_collinear(a, b, p)
}

/// How two segments meet.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Meet {
    /// Disjoint.
    None,
    /// They share exactly one point which is an endpoint of at least one of them (a vertex
    /// touching the other segment, or two segments sharing an endpoint).
    Touch,
    /// Interiors cross at one point (approximately at the given position).
    Cross(P),
    /// Collinear and sharing a piece of positive length.
    Overlap,
}

/// Classifies how segments `p1 p2` and `q1 q2` meet. Degenerate (zero-length) segments are
/// never passed in by this module.
pub fn meet(p1: P, p2: P, q1: P, q2: P) -> Meet {
    let o1 = orient(p1, p2, q1);
    let o2 = orient(p1, p2, q2);
    if (o1 > 0.0 && o2 > 0.0) || (o1 < 0.0 && o2 < 0.0) {
        return Meet::None;
    }
    let o3 = orient(q1, q2, p1);
    let o4 = orient(q1, q2, p2);
    if (o3 > 0.0 && o4 > 0.0) || (o3 < 0.0 && o4 < 0.0) {
        return Meet::None;
    }
    if o1 == 0.0 && o2 == 0.0 {
        // Collinear: overlap when the projections share more than a point.
        let axis = if p1[0] != p2[0] { 0 } else { 1 };
        let (a0, a1) = minmax(p1[axis], p2[axis]);
        let (b0, b1) = minmax(q1[axis], q2[axis]);
        let lo = a0.max(b0);
        let hi = a1.min(b1);
        return match lo.partial_cmp(&hi) {
            Some(Ordering::Less) => Meet::Overlap,
            Some(Ordering::Equal) => Meet::Touch,
            _ => Meet::None,
        };
    }
    if o1 == 0.0 || o2 == 0.0 || o3 == 0.0 || o4 == 0.0 {
        // An endpoint lies on the other segment's line, and the signs say within it.
        return Meet::Touch;
    }
    // Proper crossing: the point along q at parameter o1 / (o1 - o2).
    let t = o1 / (o1 - o2);
    let x = [q1[0] + t * (q2[0] - q1[0]), q1[1] + t * (q2[1] - q1[1])];
    Meet::Cross(clamp_to_boxes(x, p1, p2, q1, q2))
}

fn minmax(a: f64, b: f64) -> (f64, f64) {
    if a <= b {
        (a, b)
    } else {
        (b, a)
    }
}

/// Keeps a rounded crossing point inside both segments' bounding boxes.
fn clamp_to_boxes(x: P, p1: P, p2: P, q1: P, q2: P) -> P {
    let mut r = x;
    for k in 0..2 {
        let (a0, a1) = minmax(p1[k], p2[k]);
        let (b0, b1) = minmax(q1[k], q2[k]);
        let lo = a0.max(b0);
        let hi = a1.min(b1);
        r[k] = r[k].max(lo).min(hi);
    }
    r
}

/// Every pair `(i, j)`, `i < j`, of segments that meet, with how ([`meet`]), in the order a
/// sweep over the segments sorted by smallest x visits them: by the earlier segment's rank in
/// that order, then the later one's. (The order decides which crossing point represents a
/// cluster when noding, and which place an issue names first.)
///
/// Candidates come from a recursive quartering of the bounding box ([`cell_pairs`]): a segment
/// goes to each quarter it actually passes through (exact test), and pairs are only tested
/// inside small cells. Two segments that meet share the cell holding their common point, so
/// no pair is missed, and every pair is decided by the exact [`meet`]. Many-vertex outlines
/// (stars, circles, crossing stars) cost O(n log n + k) for n segments and k meeting pairs;
/// many segments passing within float resolution of one point without meeting degrade it
/// towards quadratic.
pub fn meeting_pairs(segs: &[[P; 2]]) -> Vec<(usize, usize, Meet)> {
    #[cfg(test)]
    if oracle::active() {
        return meeting_pairs_by_sweep(segs);
    }
    #[cfg(test)]
    if oracle::cells_forced() {
        return meeting_pairs_in_cells(segs);
    }
    // The sweep visits every pair whose x ranges overlap: counted first (O(n log n)), it is
    // the faster choice for short edges (circles, most outlines), the cells for long ones.
    if x_overlaps(segs) <= SWEEP_PAIRS_PER_SEGMENT * segs.len() {
        return meeting_pairs_by_sweep(segs);
    }
    // Long edges: simple rings (meeting only at shared vertices) are told by a Shamos–Hoey
    // sweep, and their meeting pairs are the vertex pairs; anything else searches cells.
    if super::sweep::only_endpoints_shared(segs) {
        if let Some(found) = super::sweep::endpoint_pairs(segs) {
            return in_sweep_order(segs, found);
        }
    }
    meeting_pairs_in_cells(segs)
}

/// Above this many x-overlapping pairs per segment, [`meeting_pairs`] searches cells.
const SWEEP_PAIRS_PER_SEGMENT: usize = 24;

/// Number of segment pairs whose x ranges overlap (the pairs the sweep compares).
fn x_overlaps(segs: &[[P; 2]]) -> usize {
    let mut lo: Vec<f64> = segs.iter().map(|s| s[0][0].min(s[1][0])).collect();
    lo.sort_unstable_by(f64::total_cmp);
    segs.iter()
        .map(|s| {
            let (a, b) = (s[0][0].min(s[1][0]), s[0][0].max(s[1][0]));
            // Segments starting in [a, b], minus the segment itself.
            lo.partition_point(|&x| x <= b) - lo.partition_point(|&x| x < a) - 1
        })
        .sum()
}

/// [`meeting_pairs`] by the cell search alone (see there).
pub fn meeting_pairs_in_cells(segs: &[[P; 2]]) -> Vec<(usize, usize, Meet)> {
    let mut found = cell_pairs(segs);
    found.sort_unstable_by_key(|&(i, j, _)| (i, j));
    found.dedup_by_key(|&mut (i, j, _)| (i, j));
    in_sweep_order(segs, found)
}

/// Meeting pairs `(i, j, how)`, each once, put in the order [`meeting_pairs_by_sweep`] finds
/// them: by the ranks of the two segments in smallest-x order.
pub fn in_sweep_order(
    segs: &[[P; 2]],
    mut found: Vec<(u32, u32, Meet)>,
) -> Vec<(usize, usize, Meet)> {
    let min_x = |s: &[P; 2]| s[0][0].min(s[1][0]);
    let mut order: Vec<u32> = (0..segs.len() as u32).collect();
    order.sort_by(|&a, &b| min_x(&segs[a as usize]).total_cmp(&min_x(&segs[b as usize])));
    let mut rank = vec![0u32; segs.len()];
    for (r, &i) in order.iter().enumerate() {
        rank[i as usize] = r as u32;
    }
    found.sort_unstable_by_key(|&(i, j, _)| {
        let (a, b) = (rank[i as usize], rank[j as usize]);
        (a.min(b), a.max(b))
    });
    found
        .into_iter()
        .map(|(i, j, m)| (i as usize, j as usize, m))
        .collect()
}

/// Cells holding at most this many segments are searched pair by pair.
const CELL_SEGMENTS: usize = 16;

/// A closed axis-parallel box `[x0, y0, x1, y1]`.
type Cell = [f64; 4];

/// Meeting pairs `(i, j, how)` with `i < j`, each at least once (a pair sharing several cells
/// is found in each). Cells are quartered while that separates their segments.
fn cell_pairs(segs: &[[P; 2]]) -> Vec<(u32, u32, Meet)> {
    let mut root = [
        f64::INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NEG_INFINITY,
    ];
    for p in segs.iter().flatten() {
        root = [
            root[0].min(p[0]),
            root[1].min(p[1]),
            root[2].max(p[0]),
            root[3].max(p[1]),
        ];
    }
    let scale = root.iter().fold(f64::MIN_POSITIVE, |m, v| m.max(v.abs()));
    let mut found = Vec::new();
    let ids: Vec<u32> = (0..segs.len() as u32).collect();
    search_cell(segs, root, ids, CHORD_TOL * scale, &mut found);
    found
}

/// Relative separation (of the largest coordinate) beyond which two rounded boundary points
/// of a cell are surely in the computed order: their rounding errors are a few units in the
/// 16th digit.
const CHORD_TOL: f64 = 1e-12;

/// Whether no two of the segments meet inside the closed `cell`, decided without testing
/// pairs: none has an endpoint in the cell, so each crosses it as a chord, and chords of a
/// box meet only when their boundary points interleave around it. The boundary points are
/// rounded: any two closer than `tol`, or one near the corner where the walk around starts,
/// answer `false` (not sure; the caller splits the cell or tests the pairs).
fn chords_apart(segs: &[[P; 2]], c: &Cell, ids: &[u32], tol: f64) -> bool {
    let inside = |p: P| p[0] >= c[0] && p[0] <= c[2] && p[1] >= c[1] && p[1] <= c[3];
    let (w, h) = (c[2] - c[0], c[3] - c[1]);
    let perimeter = 2.0 * (w + h);
    // Position along the boundary, counter-clockwise from the lower-left corner, of the
    // point where the segment a b crosses side `side` (0 bottom, 1 right, 2 top, 3 left).
    let at = |a: P, b: P, side: usize| -> f64 {
        let along_x = |x: f64| a[1] + (x - a[0]) / (b[0] - a[0]) * (b[1] - a[1]);
        let along_y = |y: f64| a[0] + (y - a[1]) / (b[1] - a[1]) * (b[0] - a[0]);
        match side {
            0 => along_y(c[1]) - c[0],
            1 => w + (along_x(c[2]) - c[1]),
            2 => w + h + (c[2] - along_y(c[3])),
            _ => 2.0 * w + h + (c[3] - along_x(c[0])),
        }
    };
    if ids
        .iter()
        .any(|&i| segs[i as usize].iter().any(|&p| inside(p)))
    {
        return false;
    }
    let mut ends: Vec<(f64, u32)> = Vec::with_capacity(2 * ids.len());
    for &i in ids {
        let [a, b] = segs[i as usize];
        // Liang–Barsky: the sides where the segment enters and leaves the box.
        let d = [b[0] - a[0], b[1] - a[1]];
        let (mut t0, mut s0, mut t1, mut s1) = (f64::NEG_INFINITY, 4, f64::INFINITY, 4);
        for (side, p, q) in [
            (0, -d[1], a[1] - c[1]),
            (1, d[0], c[2] - a[0]),
            (2, d[1], c[3] - a[1]),
            (3, -d[0], a[0] - c[0]),
        ] {
            if p == 0.0 {
                continue;
            }
            let t = q / p;
            if p < 0.0 && t > t0 {
                (t0, s0) = (t, side);
            } else if p > 0.0 && t < t1 {
                (t1, s1) = (t, side);
            }
        }
        if s0 == 4 || s1 == 4 || t0 >= t1 {
            return false;
        }
        ends.push((at(a, b, s0), i));
        ends.push((at(a, b, s1), i));
    }
    ends.sort_unstable_by(|x, y| x.0.total_cmp(&y.0));
    if ends.first().is_none_or(|e| e.0 <= tol) || ends.last().is_none_or(|e| e.0 >= perimeter - tol)
    {
        return false;
    }
    if ends.windows(2).any(|e| e[1].0 - e[0].0 <= tol) {
        return false;
    }
    // Nested like parentheses: each chord's second point closes the last one still open
    // (every chord appears twice, so the walk ends with nothing open exactly when nested).
    let mut open: Vec<u32> = Vec::new();
    for &(_, i) in &ends {
        if open.last() == Some(&i) {
            open.pop();
        } else {
            open.push(i);
        }
    }
    open.is_empty()
}

fn search_cell(
    segs: &[[P; 2]],
    cell: Cell,
    ids: Vec<u32>,
    tol: f64,
    found: &mut Vec<(u32, u32, Meet)>,
) {
    if ids.len() > CELL_SEGMENTS && chords_apart(segs, &cell, &ids, tol) {
        return;
    }
    let (mx, my) = ((cell[0] + cell[2]) / 2.0, (cell[1] + cell[3]) / 2.0);
    let splittable =
        ids.len() > CELL_SEGMENTS && cell[0] < mx && mx < cell[2] && cell[1] < my && my < cell[3];
    if splittable {
        let quarters: [Cell; 4] = [
            [cell[0], cell[1], mx, my],
            [mx, cell[1], cell[2], my],
            [cell[0], my, mx, cell[3]],
            [mx, my, cell[2], cell[3]],
        ];
        let mut parts: [Vec<u32>; 4] = Default::default();
        for &i in &ids {
            let s = segs[i as usize];
            for (q, part) in quarters.iter().zip(parts.iter_mut()) {
                if passes_through(s, q) {
                    part.push(i);
                }
            }
        }
        // Quartering helps unless every quarter keeps every segment (many segments through
        // one point, or all spanning the cell).
        if parts.iter().any(|p| p.len() < ids.len()) {
            drop(ids);
            for (q, part) in quarters.into_iter().zip(parts) {
                search_cell(segs, q, part, tol, found);
            }
            return;
        }
    }
    for (k, &i) in ids.iter().enumerate() {
        let [p1, p2] = segs[i as usize];
        let (x0, x1) = minmax(p1[0], p2[0]);
        let (y0, y1) = minmax(p1[1], p2[1]);
        for &j in &ids[k + 1..] {
            let [q1, q2] = segs[j as usize];
            if q1[0].max(q2[0]) < x0
                || q1[0].min(q2[0]) > x1
                || q1[1].max(q2[1]) < y0
                || q1[1].min(q2[1]) > y1
            {
                continue;
            }
            let (a, b) = (i.min(j), i.max(j));
            let [p1, p2] = segs[a as usize];
            let [q1, q2] = segs[b as usize];
            let m = meet(p1, p2, q1, q2);
            if m != Meet::None {
                found.push((a, b, m));
            }
        }
    }
}

/// Whether segment `s` has a point in the closed box `c`, exactly: their boxes overlap and
/// the box's corners are not all strictly on one side of the segment's line.
fn passes_through(s: [P; 2], c: &Cell) -> bool {
    let [a, b] = s;
    if a[0].max(b[0]) < c[0]
        || a[0].min(b[0]) > c[2]
        || a[1].max(b[1]) < c[1]
        || a[1].min(b[1]) > c[3]
    {
        return false;
    }
    if a[0].min(b[0]) >= c[0]
        && a[0].max(b[0]) <= c[2]
        && a[1].min(b[1]) >= c[1]
        && a[1].max(b[1]) <= c[3]
    {
        return true;
    }
    let (mut pos, mut neg) = (false, false);
    for corner in [[c[0], c[1]], [c[2], c[1]], [c[0], c[3]], [c[2], c[3]]] {
        let o = orient(a, b, corner);
        if o >= 0.0 {
            pos = true;
        }
        if o <= 0.0 {
            neg = true;
        }
    }
    pos && neg
}

/// The sweep used before issue 15 (and still for short edges; the test oracle): every pair
/// whose bounding boxes meet, by smallest x, each compared with the following segments until
/// their x ranges separate, classified by [`meet`]. Quadratic when many x ranges overlap.
pub fn meeting_pairs_by_sweep(segs: &[[P; 2]]) -> Vec<(usize, usize, Meet)> {
    let mut order: Vec<usize> = (0..segs.len()).collect();
    let min_x = |s: &[P; 2]| s[0][0].min(s[1][0]);
    order.sort_by(|&a, &b| min_x(&segs[a]).total_cmp(&min_x(&segs[b])));
    let mut out = Vec::new();
    for (k, &i) in order.iter().enumerate() {
        let s = &segs[i];
        let (x1, y0, y1) = (
            s[0][0].max(s[1][0]),
            s[0][1].min(s[1][1]),
            s[0][1].max(s[1][1]),
        );
        for &j in &order[k + 1..] {
            let t = &segs[j];
            if min_x(t) > x1 {
                break;
            }
            if t[0][1].max(t[1][1]) < y0 || t[0][1].min(t[1][1]) > y1 {
                continue;
            }
            let (a, b) = (i.min(j), i.max(j));
            let m = meet(segs[a][0], segs[a][1], segs[b][0], segs[b][1]);
            if m != Meet::None {
                out.push((a, b, m));
            }
        }
    }
    out
}

/// Crossing-number point-in-ring test for a point not on the ring (exact signs).
/// `ring` is open or closed; a closing repeat adds a zero-length edge that never counts.
pub fn inside_ring(ring: &[P], p: P) -> bool {
    let n = ring.len();
    let mut inside = false;
    for k in 0..n {
        if crosses_ray(ring[k], ring[(k + 1) % n], p) {
            inside = !inside;
        }
    }
    inside
}

/// Whether edge `a b` crosses the ray from `p` towards +x (half-open in y, exact): one step
/// of the crossing-number test.
pub fn crosses_ray(a: P, b: P, p: P) -> bool {
    if (a[1] > p[1]) == (b[1] > p[1]) {
        return false;
    }
    let o = orient(a, b, p);
    (b[1] > a[1] && o > 0.0) || (b[1] < a[1] && o < 0.0)
}

/// Whether `p` lies on the ring's boundary (a vertex or on an edge), exactly.
pub fn on_ring(ring: &[P], p: P) -> bool {
    let n = ring.len();
    (0..n).any(|k| {
        let a = ring[k];
        let b = ring[(k + 1) % n];
        p == a || strictly_on_segment(a, b, p)
    })
}

/// Twice the signed planar area of an open ring (positive when counter-clockwise), computed
/// relative to its first vertex to keep the products small.
pub fn signed_area2(ring: &[P]) -> f64 {
    let Some(&o) = ring.first() else { return 0.0 };
    let mut s = 0.0;
    for k in 1..ring.len().saturating_sub(1) {
        let a = ring[k];
        let b = ring[k + 1];
        s += (a[0] - o[0]) * (b[1] - o[1]) - (b[0] - o[0]) * (a[1] - o[1]);
    }
    s
}

/// Whether a simple open ring runs counter-clockwise, decided exactly from the turn at its
/// lowest-leftmost vertex (`None` when that turn is degenerate).
pub fn is_ccw(ring: &[P]) -> Option<bool> {
    let n = ring.len();
    if n < 3 {
        return None;
    }
    let k = (0..n)
        .min_by(|&a, &b| {
            ring[a][0]
                .total_cmp(&ring[b][0])
                .then(ring[a][1].total_cmp(&ring[b][1]))
        })
        .unwrap_or(0);
    let o = orient(ring[(k + n - 1) % n], ring[k], ring[(k + 1) % n]);
    if o > 0.0 {
        Some(true)
    } else if o < 0.0 {
        Some(false)
    } else {
        let a = signed_area2(ring);
        (a != 0.0).then_some(a > 0.0)
    }
}

/// Test switch: within [`oracle::quadratic`], on that thread, the validity code runs as it did
/// before issue 15, so whole repairs can be compared old against new: [`meeting_pairs`] is the
/// quadratic sweep, strips ([`super::strips::Strips`]) hold every edge in one strip and each
/// hole is tried against every shell.
#[cfg(test)]
pub mod oracle {
    use std::cell::Cell;

    thread_local! {
        static QUADRATIC: Cell<bool> = const { Cell::new(false) };
        static CELLS: Cell<bool> = const { Cell::new(false) };
    }

    pub(in crate::validity) fn active() -> bool {
        QUADRATIC.with(Cell::get)
    }

    pub(in crate::validity) fn cells_forced() -> bool {
        CELLS.with(Cell::get)
    }

    /// Runs `f` with [`super::meeting_pairs`] always searching cells (never the sweep), so
    /// small test inputs exercise the path large ones take.
    pub fn cells<T>(f: impl FnOnce() -> T) -> T {
        CELLS.with(|q| q.set(true));
        let out = f();
        CELLS.with(|q| q.set(false));
        out
    }

    /// Runs `f` with the quadratic pair sweep on this thread.
    pub fn quadratic<T>(f: impl FnOnce() -> T) -> T {
        QUADRATIC.with(|q| q.set(true));
        let out = f();
        QUADRATIC.with(|q| q.set(false));
        out
    }
}
