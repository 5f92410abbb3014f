//! Rebuilding invalid polygons by the even-odd rule, as GEOS `MakeValid` does with its
//! default "linework" method: every ring edge of the feature is noded against every other,
//! edges that occur an even number of times cancel, and the remaining edges bound exactly the
//! region covered by an odd number of input rings. That region is traced face by face into
//! shells (counter-clockwise) and holes (clockwise).

use super::segments::{crosses_ray, is_ccw, meeting_pairs, orient, signed_area2, Meet, P};
use super::strips::{Located, Strips};
use rstar::primitives::{GeomWithData, Rectangle};
use std::collections::HashMap;

/// Most noding rounds before giving up: the first round splits at every crossing, later rounds
/// only fix crossings created by rounding a crossing point, which are rare and tiny.
const MAX_ROUNDS: usize = 16;

/// Crossing points closer than this (relative to the largest coordinate, at least 1) are one
/// point: about 1e-9° ≈ 0.1 mm for lon/lat. The same crossing computed from different segment
/// pairs (collinear pieces, near-concurrent lines) differs in its last bits; without merging,
/// those copies would bound slivers of 1e-30 deg².
const SNAP_REL: f64 = 1e-11;

/// Merges computed crossing points with vertices and earlier crossings within a tolerance
/// (a hash grid of cell size `tol`, searched 3 × 3). Each cell's points are a list threaded
/// through `pts` in insertion order (no allocation per cell: a noded outline has as many
/// cells as vertices).
struct Snapper {
    tol: f64,
    /// Cell -> (first, last) index into `pts`.
    cells: HashMap<(i64, i64), (u32, u32)>,
    /// Point and the index of the next point of its cell (`u32::MAX`: none).
    pts: Vec<(P, u32)>,
}

impl Snapper {
    fn new(tol: f64, capacity: usize) -> Snapper {
        Snapper {
            tol,
            cells: HashMap::with_capacity(capacity),
            pts: Vec::with_capacity(capacity),
        }
    }

    fn cell(&self, p: P) -> (i64, i64) {
        (
            (p[0] / self.tol).floor() as i64,
            (p[1] / self.tol).floor() as i64,
        )
    }

    fn insert(&mut self, p: P) {
        let k = self.pts.len() as u32;
        self.pts.push((p, u32::MAX));
        let c = self.cell(p);
        match self.cells.get_mut(&c) {
            Some(ends) => {
                self.pts[ends.1 as usize].1 = k;
                ends.1 = k;
            }
            None => {
                self.cells.insert(c, (k, k));
            }
        }
    }

    /// The representative within `tol` of `x`, registering `x` when there is none.
    fn snap(&mut self, x: P) -> P {
        let (cx, cy) = self.cell(x);
        for dx in -1..=1 {
            for dy in -1..=1 {
                let Some(&(mut k, _)) = self.cells.get(&(cx + dx, cy + dy)) else {
                    continue;
                };
                while k != u32::MAX {
                    let (p, next) = self.pts[k as usize];
                    if (p[0] - x[0]).abs() <= self.tol && (p[1] - x[1]).abs() <= self.tol {
                        return p;
                    }
                    k = next;
                }
            }
        }
        self.insert(x);
        x
    }
}

/// Splits segments at all their mutual crossings and touch points until no two segments meet
/// except at shared endpoints (or `MAX_ROUNDS` is reached). Touch points are exact input
/// vertices; crossing points are rounded and then snapped to any vertex or other crossing
/// within [`SNAP_REL`].
pub fn node(mut segs: Vec<[P; 2]>) -> Vec<[P; 2]> {
    let scale = segs
        .iter()
        .flatten()
        .flatten()
        .fold(1.0f64, |m, v| m.max(v.abs()));
    let tol = SNAP_REL * scale;
    for _ in 0..MAX_ROUNDS {
        let mut cuts: Vec<Vec<P>> = vec![Vec::new(); segs.len()];
        let mut any = false;
        let mut snapper = Snapper::new(tol, segs.len());
        for s in &segs {
            snapper.insert(s[0]);
        }
        for (i, j, m) in meeting_pairs(&segs) {
            let [p1, p2] = segs[i];
            let [q1, q2] = segs[j];
            match m {
                Meet::None => {}
                Meet::Cross(x) => {
                    let x = snapper.snap(x);
                    for (k, a, b) in [(i, p1, p2), (j, q1, q2)] {
                        if x != a && x != b {
                            cuts[k].push(x);
                            any = true;
                        }
                    }
                }
                Meet::Touch | Meet::Overlap => {
                    // Endpoints of one segment lying inside the other cut it there, exactly.
                    for (k, a, b, others) in [(i, p1, p2, [q1, q2]), (j, q1, q2, [p1, p2])] {
                        for x in others {
                            if super::segments::strictly_on_segment(a, b, x) {
                                cuts[k].push(x);
                                any = true;
                            }
                        }
                    }
                }
            }
        }
        if !any {
            break;
        }
        let mut out = Vec::with_capacity(segs.len() * 2);
        for (s, mut c) in segs.into_iter().zip(cuts) {
            let [a, b] = s;
            let d = [b[0] - a[0], b[1] - a[1]];
            let t = |x: &P| (x[0] - a[0]) * d[0] + (x[1] - a[1]) * d[1];
            c.sort_by(|x, y| t(x).total_cmp(&t(y)));
            let mut prev = a;
            for x in c.into_iter().chain(std::iter::once(b)) {
                if x != prev {
                    out.push([prev, x]);
                    prev = x;
                }
            }
        }
        segs = out;
    }
    segs
}

/// Bit pattern of a point, with -0.0 read as 0.0, for exact vertex identity.
fn key(p: P) -> (u64, u64) {
    ((p[0] + 0.0).to_bits(), (p[1] + 0.0).to_bits())
}

/// Rebuilds the even-odd region bounded by the given closed rings (open form: no closing
/// repeat) as polygons: each a counter-clockwise shell followed by its clockwise holes, closed
/// rings as in GeoJSON.
pub fn even_odd(rings: &[Vec<P>]) -> Vec<Vec<Vec<P>>> {
    let mut segs = Vec::new();
    for r in rings {
        let n = r.len();
        for k in 0..n {
            let (a, b) = (r[k], r[(k + 1) % n]);
            if a != b {
                segs.push([a, b]);
            }
        }
    }
    let segs = node(segs);

    // Vertices and edges with odd multiplicity.
    let mut ids: HashMap<(u64, u64), usize> = HashMap::new();
    let mut pts: Vec<P> = Vec::new();
    let mut id = |p: P, pts: &mut Vec<P>| {
        *ids.entry(key(p)).or_insert_with(|| {
            pts.push(p);
            pts.len() - 1
        })
    };
    let mut count: HashMap<(usize, usize), u32> = HashMap::new();
    for [a, b] in segs {
        let (u, v) = (id(a, &mut pts), id(b, &mut pts));
        if u != v {
            *count.entry((u.min(v), u.max(v))).or_insert(0) += 1;
        }
    }
    let mut edges: Vec<(usize, usize)> = count
        .into_iter()
        .filter(|&(_, c)| c % 2 == 1)
        .map(|(e, _)| e)
        .collect();
    edges.sort_unstable();
    if edges.is_empty() {
        return Vec::new();
    }
    let graph = Graph::new(&pts, &edges);
    graph.polygons()
}

/// A planar graph as half-edges: half-edge `2k` runs `edges[k].0 → edges[k].1`, `2k + 1` back.
struct Graph<'a> {
    pts: &'a [P],
    edges: &'a [(usize, usize)],
    /// Outgoing half-edges of each vertex, counter-clockwise from east.
    out: Vec<Vec<usize>>,
    /// Position of each half-edge in its origin's `out` list.
    pos: Vec<usize>,
}

impl<'a> Graph<'a> {
    fn new(pts: &'a [P], edges: &'a [(usize, usize)]) -> Graph<'a> {
        let mut out = vec![Vec::new(); pts.len()];
        for (k, &(u, v)) in edges.iter().enumerate() {
            out[u].push(2 * k);
            out[v].push(2 * k + 1);
        }
        let mut g = Graph {
            pts,
            edges,
            out,
            pos: vec![0; 2 * edges.len()],
        };
        for v in 0..pts.len() {
            let mut list = std::mem::take(&mut g.out[v]);
            let o = pts[v];
            list.sort_by(|&a, &b| {
                let (pa, pb) = (pts[g.dest(a)], pts[g.dest(b)]);
                let (ha, hb) = (half(o, pa), half(o, pb));
                ha.cmp(&hb).then_with(|| {
                    let s = orient(o, pa, pb);
                    // b counter-clockwise of a: a first.
                    0.0.partial_cmp(&s).unwrap_or(std::cmp::Ordering::Equal)
                })
            });
            for (i, &h) in list.iter().enumerate() {
                g.pos[h] = i;
            }
            g.out[v] = list;
        }
        g
    }

    fn origin(&self, h: usize) -> usize {
        let (u, v) = self.edges[h / 2];
        if h.is_multiple_of(2) {
            u
        } else {
            v
        }
    }

    fn dest(&self, h: usize) -> usize {
        self.origin(h ^ 1)
    }

    /// The next half-edge around the face on the left of `h`.
    fn next(&self, h: usize) -> usize {
        let v = self.dest(h);
        let list = &self.out[v];
        let i = self.pos[h ^ 1];
        list[(i + list.len() - 1) % list.len()]
    }

    fn polygons(&self) -> Vec<Vec<Vec<P>>> {
        let nh = 2 * self.edges.len();
        // Faces: the walk of half-edges with that face on their left.
        let mut face_of = vec![usize::MAX; nh];
        let mut faces: Vec<Vec<usize>> = Vec::new();
        for h0 in 0..nh {
            if face_of[h0] != usize::MAX {
                continue;
            }
            let f = faces.len();
            let mut walk = Vec::new();
            let mut h = h0;
            while face_of[h] == usize::MAX {
                face_of[h] = f;
                walk.push(h);
                h = self.next(h);
            }
            faces.push(walk);
        }

        // Connected components of vertices (union-find over edges).
        let nv = self.pts.len();
        let mut parent: Vec<usize> = (0..nv).collect();
        fn find(p: &mut [usize], mut x: usize) -> usize {
            while p[x] != x {
                p[x] = p[p[x]];
                x = p[x];
            }
            x
        }
        for &(u, v) in self.edges {
            let (a, b) = (find(&mut parent, u), find(&mut parent, v));
            if a != b {
                parent[a] = b;
            }
        }
        // Per component: its lowest-leftmost vertex.
        let mut low: HashMap<usize, usize> = HashMap::new();
        for v in 0..nv {
            if self.out[v].is_empty() {
                continue;
            }
            let c = find(&mut parent, v);
            let e = low.entry(c).or_insert(v);
            let (p, q) = (self.pts[v], self.pts[*e]);
            if p[0] < q[0] || (p[0] == q[0] && p[1] < q[1]) {
                *e = v;
            }
        }
        let mut comps: Vec<(usize, usize)> = low.into_iter().collect();
        comps.sort_unstable();

        // Parity of every face: the outer face of a component is inside the region when the
        // component's lowest vertex is inside an odd number of other components' rings; then
        // parities alternate across every edge.
        let mut parity = vec![u8::MAX; faces.len()];
        let comp_of: Vec<usize> = (0..nv).map(|v| find(&mut parent, v)).collect();
        // Edges by the horizontal strips they span, to count the rings of other components
        // around each component's lowest vertex.
        let strips = (comps.len() > 1).then(|| {
            let ranges: Vec<(f64, f64)> = self
                .edges
                .iter()
                .map(|&(u, w)| {
                    let (a, b) = (self.pts[u][1], self.pts[w][1]);
                    (a.min(b), a.max(b))
                })
                .collect();
            Strips::new(&ranges)
        });
        for &(c, v0) in &comps {
            // The outer face is on the left of the outgoing half-edge that turns furthest
            // counter-clockwise (all of them point into the half-plane x ≥ x(v0)).
            let o = self.pts[v0];
            let mut best = self.out[v0][0];
            for &h in &self.out[v0][1..] {
                if orient(o, self.pts[self.dest(best)], self.pts[self.dest(h)]) > 0.0 {
                    best = h;
                }
            }
            let outer = face_of[best];
            let mut p = 0u8;
            if let Some(strips) = &strips {
                for &k in strips.at(o[1]) {
                    let (u, w) = self.edges[k as usize];
                    if comp_of[u] != c && crosses_ray(self.pts[u], self.pts[w], o) {
                        p ^= 1;
                    }
                }
            }
            // Breadth-first over the component's faces.
            parity[outer] = p;
            let mut stack = vec![outer];
            while let Some(f) = stack.pop() {
                for &h in &faces[f] {
                    let g = face_of[h ^ 1];
                    if parity[g] == u8::MAX {
                        parity[g] = parity[f] ^ 1;
                        stack.push(g);
                    }
                }
            }
        }

        // Inside faces → simple cycles (split where a walk revisits a vertex); counter-
        // clockwise cycles are shells, clockwise ones holes.
        let mut shells: Vec<Vec<P>> = Vec::new();
        let mut holes: Vec<Vec<P>> = Vec::new();
        for (f, walk) in faces.iter().enumerate() {
            if parity[f] != 1 {
                continue;
            }
            let verts: Vec<usize> = walk.iter().map(|&h| self.origin(h)).collect();
            for cycle in split_cycles(&verts) {
                let ring: Vec<P> = cycle.iter().map(|&v| self.pts[v]).collect();
                match is_ccw(&ring) {
                    Some(true) => shells.push(ring),
                    Some(false) => holes.push(ring),
                    None => {}
                }
            }
        }

        // Each hole goes to the smallest shell containing it (the first such in shell order
        // among equal areas). Only shells whose box holds the hole's first vertex can: a
        // vertex outside the box is neither on the shell nor inside it.
        let areas: Vec<f64> = shells.iter().map(|s| signed_area2(s).abs()).collect();
        let located: Vec<Located> = shells.iter().map(|s| Located::new(s)).collect();
        let boxes = rstar::RTree::bulk_load(
            located
                .iter()
                .enumerate()
                .map(|(k, s)| {
                    let b = s.bbox();
                    GeomWithData::new(Rectangle::from_corners([b[0], b[1]], [b[2], b[3]]), k)
                })
                .collect(),
        );
        let mut polys: Vec<Vec<Vec<P>>> = shells.iter().map(|s| vec![s.clone()]).collect();
        for hole in holes {
            let mut around: Vec<usize> =
                boxes.locate_all_at_point(hole[0]).map(|g| g.data).collect();
            #[cfg(test)]
            if super::segments::oracle::active() {
                around = (0..shells.len()).collect();
            }
            around.sort_by(|&a, &b| areas[a].total_cmp(&areas[b]).then(a.cmp(&b)));
            if let Some(&b) = around.iter().find(|&&k| ring_inside(&hole, &located[k])) {
                polys[b].push(hole);
            }
        }
        for poly in &mut polys {
            for ring in poly.iter_mut() {
                let first = ring[0];
                ring.push(first);
            }
        }
        polys
    }
}

/// 0 for directions in the upper half-plane (angle in [0, π)), 1 for the lower one.
fn half(o: P, p: P) -> u8 {
    let (dx, dy) = (p[0] - o[0], p[1] - o[1]);
    u8::from(!(dy > 0.0 || (dy == 0.0 && dx > 0.0)))
}

/// Splits a closed vertex walk into simple cycles at repeated vertices.
fn split_cycles(walk: &[usize]) -> Vec<Vec<usize>> {
    let mut out = Vec::new();
    let mut stack: Vec<usize> = Vec::new();
    let mut at: HashMap<usize, usize> = HashMap::new();
    for &v in walk.iter().chain(std::iter::once(&walk[0])) {
        if let Some(&i) = at.get(&v) {
            let cycle: Vec<usize> = stack.drain(i..).collect();
            for u in &cycle {
                at.remove(u);
            }
            if cycle.len() >= 3 {
                out.push(cycle);
            }
        }
        at.insert(v, stack.len());
        stack.push(v);
    }
    out
}

/// Whether ring `a` (which never crosses `b`) lies inside ring `b`: decided at a vertex of `a`
/// off `b`, else at the midpoint of an edge of `a`.
fn ring_inside(a: &[P], b: &Located) -> bool {
    for &p in a {
        if !b.on_ring(p) {
            return b.inside(p);
        }
    }
    let n = a.len();
    for k in 0..n {
        let (p, q) = (a[k], a[(k + 1) % n]);
        let m = [(p[0] + q[0]) / 2.0, (p[1] + q[1]) / 2.0];
        if !b.on_ring(m) {
            return b.inside(m);
        }
    }
    false
}
