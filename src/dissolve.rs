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

use crate::area::AreaIx;
use crate::error::{Error, Location, Result};
use crate::grid::{self, Grid};
use crate::plan::CellSize;
use crate::population::{Cells, Footprints};
use crate::projection::Frame;
use rayon::prelude::*;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::path::Path;

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

/// One connected blank spot: uncovered populated cells of one area.
#[derive(Debug, Clone)]
pub struct BlankSpot {
    /// The area it lies in.
    pub area: AreaIx,
    /// Served population in it.
    pub population: f64,
    /// Number of cells.
    pub cells: u32,
    /// Polygons (exterior first, then holes), lon/lat, rings closed.
    pub polygons: Vec<Vec<Vec<[f64; 2]>>>,
}

/// Cell positions on the grid and a lookup from position to cell.
pub struct Raster {
    pos: Vec<(i32, i32)>,
    nx: i64,
    ny: i64,
    dense: Vec<u32>,
    sparse: FxMap<(i32, i32), u32>,
}

/// A grid of point cells as blank-spot tracing uses it.
#[derive(Clone, Copy)]
struct Lattice<'a> {
    grid: &'a Grid,
    raster: &'a Raster,
    /// Per cell, its lower, right, upper and left neighbours when they lie in the same area
    /// (`u32::MAX` when not): the edges every service's union-find joins along, and the sides
    /// tracing checks.
    links: &'a [[u32; 4]],
}

impl Raster {
    /// Per cell, its lower, right, upper and left neighbours in the same area (`u32::MAX`
    /// when none): the directions of [`trace_grid`]'s `across`.
    fn links(&self, cell_area: &[Option<AreaIx>]) -> Vec<[u32; 4]> {
        self.pos
            .par_iter()
            .enumerate()
            .map(|(c, &(i, j))| {
                let same = |n: Option<u32>| {
                    n.filter(|&n| cell_area[c].is_some() && cell_area[n as usize] == cell_area[c])
                        .unwrap_or(u32::MAX)
                };
                [
                    same(self.at(i, j - 1)),
                    same(self.at(i + 1, j)),
                    same(self.at(i, j + 1)),
                    same(self.at(i - 1, j)),
                ]
            })
            .collect()
    }

    /// The cell at grid position `(i, j)`.
    #[inline]
    fn at(&self, i: i32, j: i32) -> Option<u32> {
        if self.dense.is_empty() {
            return self.sparse.get(&(i, j)).copied();
        }
        let (x, y) = (i as i64, j as i64);
        if x < 0 || y < 0 || x >= self.nx || y >= self.ny {
            return None;
        }
        let c = self.dense[(y * self.nx + x) as usize];
        (c != u32::MAX).then_some(c)
    }
}

/// Fits the grid of point cells (`cell_size` from the plan, else inferred) and places each cell
/// on it; two cells in one grid position are an error naming `path`.
pub fn fit_grid(cells: &Cells, cell_size: Option<CellSize>, path: &Path) -> Result<(Grid, Raster)> {
    let g = grid::fit(&cells.lonlat, &cells.local, cell_size).ok_or_else(|| {
        Error::input(path, Location::File, Some("cell_size"), if cells.len() < 2 {
            "a single point cell has no grid to infer its footprint from: set [population] cell_size (e.g. \"100 m\" or \"3 arcsec\")".to_string()
        } else {
            "the point cells are not on a regular grid, so their footprint cannot be inferred: set [population] cell_size (e.g. \"100 m\" or \"3 arcsec\")".to_string()
        })
    })?;
    let pts = match g.space {
        grid::Space::LonLat => &cells.lonlat,
        grid::Space::Local => &cells.local,
    };
    let pos: Vec<(i32, i32)> = pts.par_iter().map(|&p| g.index(p)).collect();
    let (nx, ny) = (g.nx as i64, g.ny as i64);
    let mut r = Raster {
        pos,
        nx,
        ny,
        dense: Vec::new(),
        sparse: Default::default(),
    };
    let dense = nx * ny <= 64_000_000;
    if dense {
        r.dense = vec![u32::MAX; (nx * ny) as usize];
    }
    // Two cells in one grid position means the grid (or cell_size) is wrong.
    for c in 0..cells.len() {
        let (i, j) = r.pos[c];
        let slot = if dense {
            if i < 0 || j < 0 || i as i64 >= nx || j as i64 >= ny {
                None
            } else {
                Some(&mut r.dense[(j as i64 * nx + i as i64) as usize])
            }
        } else {
            Some(r.sparse.entry((i, j)).or_insert(u32::MAX))
        };
        let Some(slot) = slot else { continue };
        if *slot != u32::MAX {
            return Err(Error::input(path, Location::File, Some("cell_size"), format!(
                "cells '{}' and '{}' fall into the same grid cell ({:?} grid, spacing {:.4e} × {:.4e}): set [population] cell_size to the grid's real spacing",
                cells.id(*slot as usize), cells.id(c), g.space, g.dx, g.dy
            )));
        }
        *slot = c as u32;
    }
    Ok((g, r))
}

/// Union-find root of `x`, halving paths on the way.
fn find(p: &mut [u32], mut x: u32) -> u32 {
    while p[x as usize] != x {
        p[x as usize] = p[p[x as usize] as usize];
        x = p[x as usize];
    }
    x
}

/// Joins the sets of `a` and `b`, the lower root becoming the root.
fn union(p: &mut [u32], a: u32, b: u32) {
    let (a, b) = (find(p, a), find(p, b));
    if a != b {
        p[a.max(b) as usize] = a.min(b);
    }
}

/// Dissolves, per service, the uncovered populated cells into connected blank spots per area.
/// `judged` holds each service's population values and the covered flags its rules judge by
/// (on foot when the plan has a network); `grid` is the fitted grid of point cells.
pub fn blank_spots(
    cells: &Cells,
    cell_area: &[Option<AreaIx>],
    grid: Option<(&Grid, &Raster)>,
    frame: &Frame,
    judged: &[(&[f64], &[bool])],
) -> Vec<Vec<BlankSpot>> {
    let links = grid.map(|(_, r)| r.links(cell_area));
    let lattice = grid
        .zip(links.as_deref())
        .map(|((grid, raster), links)| Lattice {
            grid,
            raster,
            links,
        });
    (judged.par_iter())
        .map(|&(values, covered)| {
            let selected: Vec<bool> = (0..cells.len())
                .map(|c| !covered[c] && values[c] > 0.0 && cell_area[c].is_some())
                .collect();
            let at = Spots {
                values,
                cell_area,
                selected: &selected,
            };
            match (lattice, &cells.footprints) {
                (Some(lattice), _) => at.on_grid(lattice, frame),
                (None, Footprints::Polygons(polys)) => at.of_polygons(polys),
                (None, Footprints::Points) => Vec::new(),
            }
        })
        .collect()
}

/// The cells one service's blank spots are made of.
struct Spots<'a> {
    values: &'a [f64],
    cell_area: &'a [Option<AreaIx>],
    /// Uncovered, populated and in an area.
    selected: &'a [bool],
}

impl Spots<'_> {
    /// Blank spots of point cells, traced on the grid.
    fn on_grid(&self, lattice: Lattice, frame: &Frame) -> Vec<BlankSpot> {
        let Lattice {
            grid: g,
            raster,
            links,
        } = lattice;
        let (selected, n) = (self.selected, self.selected.len());
        let pos = &raster.pos;
        // Union-find over edge neighbours of one area (left and below suffice), then
        // components numbered by their lowest cell index, members ascending.
        let mut parent: Vec<u32> = (0..n as u32).collect();
        for c in (0..n).filter(|&c| selected[c]) {
            for m in [links[c][3], links[c][0]] {
                if m != u32::MAX && selected[m as usize] {
                    union(&mut parent, c as u32, m);
                }
            }
        }
        // Members of all components in one array, grouped by component (counting sort):
        // one allocation instead of one per component.
        let mut comp = vec![u32::MAX; n];
        let mut sizes: Vec<u32> = Vec::new();
        for c in (0..n).filter(|&c| selected[c]) {
            let r = find(&mut parent, c as u32) as usize;
            if comp[r] == u32::MAX {
                comp[r] = sizes.len() as u32;
                sizes.push(0);
            }
            comp[c] = comp[r];
            sizes[comp[c] as usize] += 1;
        }
        let mut start = Vec::with_capacity(sizes.len() + 1);
        start.push(0usize);
        for s in &sizes {
            start.push(start[start.len() - 1] + *s as usize);
        }
        let mut fill = start.clone();
        let mut members = vec![0u32; fill[sizes.len()]];
        for c in (0..n).filter(|&c| selected[c]) {
            let k = comp[c] as usize;
            members[fill[k]] = c as u32;
            fill[k] += 1;
        }
        let visited: Vec<std::sync::atomic::AtomicU8> =
            (0..n).map(|_| Default::default()).collect();
        (0..sizes.len())
            .into_par_iter()
            .map(|k| {
                let members = &members[start[k]..start[k + 1]];
                let id = k as u32;
                // comp[n] == id implies n is selected.
                let inside = |i: i32, j: i32| raster.at(i, j).filter(|&n| comp[n as usize] == id);
                let across = |c: u32, k: usize| {
                    let n = links[c as usize][k];
                    (n != u32::MAX && comp[n as usize] == id).then_some(n)
                };
                let rings = trace_grid(members, |c| pos[c as usize], inside, across, &visited);
                let to_ll = |v: Vtx| g.corner_lonlat(v.0 as i32, v.1 as i32, frame);
                self.spot(members, rings, to_ll)
            })
            .collect()
    }

    /// Blank spots of polygon cells, their shared edges cancelled.
    fn of_polygons(&self, polys: &[Vec<Vec<Vec<[f64; 2]>>>]) -> Vec<BlankSpot> {
        let (selected, cell_area) = (self.selected, self.cell_area);
        let q =
            |p: &[f64; 2]| -> Vtx { ((p[0] * 1e7).round() as i64, (p[1] * 1e7).round() as i64) };
        // Each cell's rings with a flag: is it a hole (not the first ring of its part)?
        let qrings: Vec<Vec<(Vec<Vtx>, bool)>> = (polys.iter().enumerate())
            .map(|(c, parts)| {
                if !selected[c] {
                    return Vec::new();
                }
                (parts.iter())
                    .flat_map(|rings| {
                        (rings.iter().enumerate()).map(|(k, r)| (r.iter().map(q).collect(), k > 0))
                    })
                    .collect()
            })
            .collect();
        // Union cells of one area that share an edge.
        let mut parent: Vec<u32> = (0..selected.len() as u32).collect();
        let mut edge_owner: FxMap<(Vtx, Vtx), u32> = Default::default();
        for (c, rings) in qrings.iter().enumerate() {
            for w in rings.iter().flat_map(|(r, _)| r.windows(2)) {
                let key = (w[0].min(w[1]), w[0].max(w[1]));
                match edge_owner.get(&key) {
                    Some(&o) if cell_area[o as usize] == cell_area[c] => {
                        union(&mut parent, o, c as u32)
                    }
                    Some(_) => {}
                    None => {
                        edge_owner.insert(key, c as u32);
                    }
                }
            }
        }
        let mut comps: Vec<Vec<u32>> = Vec::new();
        let mut root_comp: FxMap<u32, usize> = Default::default();
        for c in (0..selected.len()).filter(|&c| selected[c]) {
            let r = find(&mut parent, c as u32);
            let k = *root_comp.entry(r).or_insert_with(|| {
                comps.push(Vec::new());
                comps.len() - 1
            });
            comps[k].push(c as u32);
        }
        (comps.par_iter())
            .map(|members| {
                let edges = polygon_edges(
                    members
                        .iter()
                        .flat_map(|&c| qrings[c as usize].iter().map(|(r, hole)| (&r[..], *hole))),
                );
                let to_ll = |v: Vtx| [v.0 as f64 / 1e7, v.1 as f64 / 1e7];
                self.spot(members, chain(&edges), to_ll)
            })
            .collect()
    }

    /// The blank spot of one component (`members` ascending) from its rings.
    fn spot(
        &self,
        members: &[u32],
        rings: Vec<Vec<Vtx>>,
        to_ll: impl Fn(Vtx) -> [f64; 2],
    ) -> BlankSpot {
        // Members come ascending (components are filled in cell order): the sum runs in cell
        // order, the same for any thread count.
        debug_assert!(members.windows(2).all(|w| w[0] < w[1]));
        let population = members.iter().map(|&c| self.values[c as usize]).sum();
        let polygons = polygons(rings)
            .into_iter()
            .map(|rings| {
                rings
                    .into_iter()
                    .map(|r| {
                        // Room for the closing vertex, so it is not a reallocation.
                        let mut ring: Vec<[f64; 2]> = Vec::with_capacity(r.len() + 1);
                        ring.extend(r.iter().map(|&v| to_ll(v)));
                        ring.push(ring[0]);
                        ring
                    })
                    .collect()
            })
            .collect();
        BlankSpot {
            area: self.cell_area[members[0] as usize].expect("selected cells have an area"),
            population,
            cells: members.len() as u32,
            polygons,
        }
    }
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
