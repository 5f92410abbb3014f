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

/// Calls `f(i, j)` (with `i < j`) for every pair of segments whose bounding boxes meet:
/// sorted by smallest x, each segment is compared with the following ones until their x
/// ranges separate. Near O(n log n) for polygon outlines, O(n²) in the worst case.
pub fn box_pairs(segs: &[[P; 2]], mut f: impl FnMut(usize, usize)) {
    let mut order: Vec<usize> = (0..segs.len()).collect();
    let min_x = |s: &[P; 2]| s[0][0].min(s[1][0]);
    order.sort_by(|&a, &b| min_x(&segs[a]).total_cmp(&min_x(&segs[b])));
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
            f(i.min(j), i.max(j));
        }
    }
}

/// Crossing-number point-in-ring test for a point not on the ring (exact signs).
/// `ring` is open or closed; a closing repeat adds a zero-length edge that never counts.
pub fn inside_ring(ring: &[P], p: P) -> bool {
    let n = ring.len();
    let mut inside = false;
    for k in 0..n {
        let a = ring[k];
        let b = ring[(k + 1) % n];
        if (a[1] > p[1]) != (b[1] > p[1]) {
            let o = orient(a, b, p);
            if (b[1] > a[1] && o > 0.0) || (b[1] < a[1] && o < 0.0) {
                inside = !inside;
            }
        }
    }
    inside
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
