//! Streets/towns: loading, projection and a point-in-area index.
//!
//! Point-in-polygon uses the crossing-number rule with half-open edges, on polygons prepared
//! with a strip index (edges bucketed by horizontal bands), so a test looks at a handful of edges
//! instead of all of them. A point belongs to the first area in file order that contains it.

use crate::error::{Error, Location, Result};
use crate::load::geojson::{self, Geometry, Polygon};
use crate::load::{vector, BBox};
use crate::plan::AreasSpec;
use crate::validity::strips::Strips;

/// Index of an area in [`Areas::list`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AreaIx(pub u32);

/// A street/town.
#[derive(Debug, Clone)]
pub struct Area {
    /// Code, verbatim from the data.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Polygons in lon/lat.
    pub polygons: Vec<Polygon>,
    /// Feature index in the source file.
    pub feature: usize,
}

/// The areas layer.
#[derive(Debug, Clone)]
pub struct Areas {
    /// Areas in file order.
    pub list: Vec<Area>,
    /// Bounding box of all areas (lon/lat).
    pub bbox: BBox,
    /// Geometry repairs made on load (orientation, closing, duplicate points counted; rebuilt
    /// self-intersecting outlines named with their area change), for the warnings.
    pub repairs: crate::warnings::Warnings,
}

/// Per-area values of the optional `[areas]` properties (zone, parent, official counts), in
/// area order.
#[derive(Debug, Clone, Default)]
pub struct AreaAttrs {
    /// Zone per area (`None`: the property is null or not configured).
    pub zone: Vec<Option<String>>,
    /// Where the zones come from (`property 'zone'`, `standard mentougou-2025's unit list`);
    /// `None` when units have no zones.
    pub zone_source: Option<String>,
    /// Parent unit per area (`None`: null or not configured).
    pub parent: Vec<Option<String>>,
    /// Official count per `[areas] counts` entry (plan order), per area; `None` when null.
    pub counts: Vec<Vec<Option<f64>>>,
}

/// Reads the areas layer: Polygon/MultiPolygon features with an id and a name each; ids unique.
pub fn load(spec: &AreasSpec) -> Result<Areas> {
    load_with_attrs(spec).map(|(a, _)| a)
}

/// [`load`], and the zone, parent and official counts the plan names. A configured property
/// that no feature has is an error; a count that is not a number ≥ 0 is an error; nulls are
/// `None` (the caller reports them).
pub fn load_with_attrs(spec: &AreasSpec) -> Result<(Areas, AreaAttrs)> {
    crate::error::guard(&spec.path, || read_with_attrs(spec))
}

fn read_with_attrs(spec: &AreasSpec) -> Result<(Areas, AreaAttrs)> {
    let path = &spec.path;
    let layer = vector::read_wgs84(path, spec.layer.as_deref(), spec.crs.as_ref())?
        .0
        .layer;
    let layer = narrow(spec, layer)?;
    if !layer.features.is_empty() {
        for (field, what) in [
            (&spec.zone, "[areas] zone"),
            (&spec.parent, "[areas] parent"),
        ] {
            if let Some(f) = field {
                geojson::require_field(&layer, path, f, what)?;
            }
        }
        for (g, f) in &spec.counts {
            geojson::require_field(&layer, path, f, &format!("[areas] counts.{g}"))?;
        }
    }
    let mut attrs = AreaAttrs {
        counts: vec![Vec::new(); spec.counts.len()],
        zone_source: spec.zone.as_ref().map(|f| format!("property '{f}'")),
        ..Default::default()
    };
    for f in &layer.features {
        let text = |k: &Option<String>| {
            k.as_ref()
                .and_then(|k| geojson::prop_text(&f.properties, k))
        };
        attrs.zone.push(text(&spec.zone));
        attrs.parent.push(text(&spec.parent));
        for ((g, field), out) in spec.counts.iter().zip(&mut attrs.counts) {
            let loc = Location::Feature(f.index);
            let v = crate::load::number(
                &geojson::prop(&f.properties, field),
                path,
                loc.clone(),
                field,
                &format!("the official count of group '{g}'"),
            )?;
            if v.is_some_and(|v| v < 0.0) {
                return Err(Error::input(
                    path,
                    loc,
                    Some(field),
                    format!(
                        "official count {} is negative: expected a number of people ≥ 0",
                        v.unwrap_or_default()
                    ),
                ));
            }
            if let Some(v) = v {
                crate::limits::check(
                    v,
                    0.0,
                    crate::limits::MAX_PEOPLE,
                    "an official count of people",
                )
                .map_err(|m| Error::input(path, loc, Some(field), m))?;
            }
            out.push(v);
        }
    }
    let areas = load_layer(spec, layer)?;
    Ok((areas, attrs))
}

/// The features `[areas] where` keeps (all when it is empty), in file order with their file
/// indexes, and the bounding box of what is kept: the result equals reading a file that holds
/// only those features. Values compare as text (a numeric 420106 matches "420106"). Errors
/// name the file: a property no feature has (listing those present), a listed value no feature
/// has (with a few values that exist), or properties whose values are each found but never
/// together. Applied to every format, after the format's reader.
pub fn narrow(spec: &AreasSpec, layer: geojson::Layer) -> Result<geojson::Layer> {
    if spec.select.is_empty() || layer.features.is_empty() {
        return Ok(layer);
    }
    let path = &spec.path;
    for (field, values) in &spec.select {
        geojson::require_field(&layer, path, field, "[areas] where")?;
        let present: std::collections::BTreeSet<String> = layer
            .features
            .iter()
            .filter_map(|f| geojson::prop_text(&f.properties, field))
            .collect();
        let missing: Vec<&String> = values.iter().filter(|v| !present.contains(*v)).collect();
        if !missing.is_empty() {
            let some: Vec<&str> = present.iter().take(8).map(String::as_str).collect();
            return Err(Error::input(
                path,
                Location::File,
                Some(field),
                format!(
                    "[areas] where.{field}: no feature has {field} = {}; the layer's {} values of '{field}' include {}{}",
                    missing.iter().map(|v| format!("\"{v}\"")).collect::<Vec<_>>().join(", "),
                    present.len(),
                    some.join(", "),
                    if present.len() > some.len() { ", …" } else { "" }
                ),
            ));
        }
    }
    let deleted = layer.deleted;
    let kept: Vec<geojson::Feature> = layer
        .features
        .into_iter()
        .filter(|f| {
            spec.select.iter().all(|(field, values)| {
                geojson::prop_text(&f.properties, field).is_some_and(|v| values.contains(&v))
            })
        })
        .collect();
    if kept.is_empty() {
        return Err(Error::input(
            path,
            Location::File,
            None,
            format!(
                "[areas] where: no feature matches all of {} at once (each is found on its own)",
                spec.select
                    .iter()
                    .map(|(f, v)| format!("{f} = [{}]", v.join(", ")))
                    .collect::<Vec<_>>()
                    .join(" and ")
            ),
        ));
    }
    let mut narrowed = geojson::Layer::from_features(kept);
    narrowed.deleted = deleted;
    Ok(narrowed)
}

/// Builds the areas from a layer already read, converted to WGS 84 and [`narrow`]ed (`validate`
/// reads it once for its own findings).
pub fn load_layer(spec: &AreasSpec, layer: geojson::Layer) -> Result<Areas> {
    let path = &spec.path;
    if layer.features.is_empty() {
        return Err(Error::input(path, Location::File, None, "the areas file has no features: expected the streets/towns as Polygon or MultiPolygon features"));
    }
    geojson::require_field(&layer, path, &spec.id, "[areas] id")?;
    geojson::require_field(&layer, path, &spec.name, "[areas] name")?;
    let deleted = layer.deleted;
    let mut list = Vec::with_capacity(layer.features.len());
    let mut seen = std::collections::HashMap::new();
    let (mut tally, mut rebuilt) = (std::collections::BTreeMap::new(), Vec::new());
    for f in layer.features {
        let loc = Location::Feature(f.index);
        let polygons = match f.geometry {
            Some(Geometry::Polygons(p)) => p,
            Some(g) => {
                return Err(Error::input(
                    path,
                    loc,
                    Some("geometry"),
                    format!(
                        "expected a Polygon or MultiPolygon (a street/town outline), found a {}",
                        g.type_name()
                    ),
                ))
            }
            None => {
                return Err(Error::input(
                    path,
                    loc,
                    Some("geometry"),
                    "the geometry is null: expected a Polygon or MultiPolygon",
                ))
            }
        };
        let id = geojson::prop_text(&f.properties, &spec.id).ok_or_else(|| {
            Error::input(path, loc.clone(), Some(&spec.id), "missing or null area id")
        })?;
        let name = geojson::prop_text(&f.properties, &spec.name).unwrap_or_default();
        if let Some(first) = seen.insert(id.clone(), f.index) {
            return Err(Error::input(path, loc, Some(&spec.id), format!("duplicate area id \"{id}\" (also feature {first}): each street/town needs its own code")));
        }
        let polygons = repair(polygons, f.index, &id, &mut tally, &mut rebuilt);
        list.push(Area {
            id,
            name,
            polygons,
            feature: f.index,
        });
    }
    let mut repairs = crate::warnings::Warnings::default();
    geojson::warn_deleted(deleted, path, &mut repairs);
    for (kind, n) in tally {
        repairs.add(
            "area_geometry_fixed",
            n,
            format!(
                "{}: {kind} in {n} area outlines, fixed on load",
                path.display()
            ),
        );
    }
    repairs.add(
        "area_self_intersection_repaired",
        rebuilt.len() as u64,
        format!(
            "{}: invalid outlines rebuilt as GEOS make_valid would (even-odd): {}",
            path.display(),
            rebuilt.join("; ")
        ),
    );
    Ok(Areas {
        list,
        repairs,
        bbox: layer.bbox,
    })
}

/// Repairs one area's outline ([`crate::validity::repair`]): simple fixes are tallied by kind,
/// rebuilt outlines (self-intersections, misplaced holes, overlapping parts) are described with
/// their area change.
fn repair(
    polygons: Vec<Polygon>,
    feature: usize,
    id: &str,
    tally: &mut std::collections::BTreeMap<&'static str, u64>,
    rebuilt: &mut Vec<String>,
) -> Vec<Polygon> {
    let r = crate::validity::repair(&polygons);
    if r.issues.is_empty() {
        return polygons;
    }
    // Ring orientation is fixed silently: the crossing-number test does not depend on it, and
    // most GIS exports (GDAL, QGIS, the Wuhan and Helsinki layers) write clockwise shells.
    let mut kinds: Vec<&'static str> = r
        .issues
        .iter()
        .filter(|i| i.kind != crate::validity::IssueKind::WrongOrientation)
        .map(|i| i.kind.name())
        .collect();
    kinds.sort_unstable();
    kinds.dedup();
    for k in kinds {
        *tally.entry(k).or_default() += 1;
    }
    if r.rebuilt() {
        let (a, b) = (r.area_before / 1e6, r.area_after / 1e6);
        rebuilt.push(format!(
            "feature {feature} ('{id}'): {}, area {a:.4} km² → {b:.4} km²",
            r.issues
                .iter()
                .filter(|i| i.kind.is_structural())
                .map(|i| i.kind.name())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    r.polygons
}

/// A polygon (with holes, possibly multi-part) prepared for fast point-in-polygon tests: its
/// edges bucketed by horizontal strips ([`crate::validity::strips::Strips`], sized so a long
/// edge does not fill thousands of strips).
#[derive(Debug, Clone)]
pub struct PreparedPolygon {
    edges: Vec<[f64; 4]>,
    strips: Strips,
    bbox: [f64; 4],
}

impl PreparedPolygon {
    /// Prepares rings (exteriors and holes of all parts) in any planar coordinates.
    pub fn new(rings: &[Vec<[f64; 2]>]) -> PreparedPolygon {
        let mut edges = Vec::new();
        let mut bbox = [
            f64::INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        ];
        for r in rings {
            let n = r.len();
            for i in 0..n {
                let a = r[i];
                let b = r[(i + 1) % n];
                if a == b {
                    continue;
                }
                edges.push([a[0], a[1], b[0], b[1]]);
                bbox = [
                    bbox[0].min(a[0]),
                    bbox[1].min(a[1]),
                    bbox[2].max(a[0]),
                    bbox[3].max(a[1]),
                ];
            }
        }
        let ranges: Vec<(f64, f64)> = edges
            .iter()
            .map(|e| (e[1].min(e[3]), e[1].max(e[3])))
            .collect();
        PreparedPolygon {
            strips: Strips::new(&ranges),
            edges,
            bbox,
        }
    }

    /// Bounding box `[min_x, min_y, max_x, max_y]`.
    pub fn bbox(&self) -> [f64; 4] {
        self.bbox
    }

    /// Crossing-number test (even-odd over all rings; half-open in y).
    #[inline]
    pub fn contains(&self, p: [f64; 2]) -> bool {
        let b = self.bbox;
        if p[0] < b[0] || p[0] > b[2] || p[1] < b[1] || p[1] > b[3] {
            return false;
        }
        let mut inside = false;
        for &k in self.strips.at(p[1]) {
            let [x1, y1, x2, y2] = self.edges[k as usize];
            if (y1 > p[1]) != (y2 > p[1]) {
                let x = x1 + (p[1] - y1) * (x2 - x1) / (y2 - y1);
                if p[0] < x {
                    inside = !inside;
                }
            }
        }
        inside
    }
}

/// The uniform bucket grid of an [`AreaIndex`]: `nx × ny` buckets over a box, row by row.
struct Grid {
    x0: f64,
    y0: f64,
    inv_w: f64,
    inv_h: f64,
    nx: usize,
    ny: usize,
}

impl Grid {
    fn bx(&self, x: f64) -> usize {
        (((x - self.x0) * self.inv_w).floor().max(0.0) as usize).min(self.nx - 1)
    }

    fn by(&self, y: f64) -> usize {
        (((y - self.y0) * self.inv_h).floor().max(0.0) as usize).min(self.ny - 1)
    }

    /// The bucket of a point inside the grid's box (with its edges), else `None`.
    #[inline]
    fn bucket(&self, p: [f64; 2]) -> Option<usize> {
        let fx = (p[0] - self.x0) * self.inv_w;
        let fy = (p[1] - self.y0) * self.inv_h;
        if !(fx >= 0.0 && fy >= 0.0 && fx <= self.nx as f64 && fy <= self.ny as f64) {
            return None;
        }
        Some((fy as usize).min(self.ny - 1) * self.nx + (fx as usize).min(self.nx - 1))
    }

    /// Calls `f` with every bucket the edge `[x1, y1, x2, y2]` passes through, and possibly a
    /// few neighbours: column by column, the buckets between the edge's heights at the
    /// column's sides, widened by a thousandth of a bucket and some float steps, so a point
    /// of the edge never lands in a bucket left out. A long diagonal edge visits O(length)
    /// buckets, not its whole bounding box.
    fn edge_buckets(&self, e: &[f64; 4], mut f: impl FnMut(usize)) {
        let (xa, xb) = (e[0].min(e[2]), e[0].max(e[2]));
        let (ya, yb) = (e[1].min(e[3]), e[1].max(e[3]));
        let (i0, i1) = (self.bx(xa), self.bx(xb));
        let scale = e
            .iter()
            .fold(self.x0.abs().max(self.y0.abs()), |m, v| m.max(v.abs()));
        let slack = 256.0 * f64::EPSILON * scale;
        let (pad_x, pad_y) = (1e-3 / self.inv_w + slack, 1e-3 / self.inv_h + slack);
        for i in i0..=i1 {
            let (lo, hi) = if i0 == i1 {
                (ya, yb)
            } else {
                let cx0 = (self.x0 + i as f64 / self.inv_w - pad_x).max(xa);
                let cx1 = (self.x0 + (i + 1) as f64 / self.inv_w + pad_x).min(xb);
                let at = |x: f64| e[1] + (x - e[0]) * (e[3] - e[1]) / (e[2] - e[0]);
                let (u, v) = (at(cx0), at(cx1));
                (u.min(v).max(ya), u.max(v).min(yb))
            };
            for j in self.by(lo - pad_y)..=self.by(hi + pad_y) {
                f(j * self.nx + i);
            }
        }
    }
}

/// Point-in-area index over all areas. It works in lon/lat degrees: GeoJSON edges are straight
/// lines in lon/lat (RFC 7946), which is also how desktop GIS tests containment, so an auditor's
/// point-in-polygon join reproduces the assignment exactly.
///
/// A uniform bucket grid over the areas' extent lists, per bucket, the areas whose bounding box
/// reaches it (in file order). Buckets that no area edge passes through and whose first
/// candidate contains them entirely are answered without any point-in-polygon test.
pub struct AreaIndex {
    polys: Vec<PreparedPolygon>,
    grid: Grid,
    start: Vec<u32>,
    items: Vec<u32>,
    whole: Vec<u32>,
}

impl AreaIndex {
    /// Prepares every area.
    pub fn new(areas: &Areas) -> AreaIndex {
        let polys: Vec<PreparedPolygon> = areas
            .list
            .iter()
            .map(|a| {
                let rings: Vec<Vec<[f64; 2]>> = a.polygons.iter().flatten().cloned().collect();
                PreparedPolygon::new(&rings)
            })
            .collect();
        let mut b = [
            f64::INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        ];
        for p in &polys {
            let q = p.bbox();
            b = [
                b[0].min(q[0]),
                b[1].min(q[1]),
                b[2].max(q[2]),
                b[3].max(q[3]),
            ];
        }
        // About four buckets per edge, between 16×16 and 512×512.
        let n_edges: usize = polys.iter().map(|p| p.edges.len()).sum();
        let side = ((2.0 * (n_edges as f64).sqrt()) as usize).clamp(16, 512);
        let grid = Grid {
            x0: b[0],
            y0: b[1],
            inv_w: side as f64 / (b[2] - b[0]).max(1e-12),
            inv_h: side as f64 / (b[3] - b[1]).max(1e-12),
            nx: side,
            ny: side,
        };
        let (nx, ny) = (side, side);
        let range = |p: &PreparedPolygon| {
            let q = p.bbox();
            (grid.bx(q[0]), grid.bx(q[2]), grid.by(q[1]), grid.by(q[3]))
        };
        // Candidate lists in CSR form: count, then fill in area order.
        let mut start = vec![0u32; nx * ny + 1];
        for p in &polys {
            let (i0, i1, j0, j1) = range(p);
            for j in j0..=j1 {
                for i in i0..=i1 {
                    start[j * nx + i + 1] += 1;
                }
            }
        }
        for k in 0..nx * ny {
            start[k + 1] += start[k];
        }
        let mut fill = start.clone();
        let mut items = vec![0u32; start[nx * ny] as usize];
        let mut whole = vec![u32::MAX; nx * ny];
        let mut crossed = vec![u32::MAX; nx * ny];
        for (k, p) in polys.iter().enumerate() {
            let (i0, i1, j0, j1) = range(p);
            // Buckets an edge passes through may hold the boundary.
            for e in &p.edges {
                grid.edge_buckets(e, |cell| crossed[cell] = k as u32);
            }
            for j in j0..=j1 {
                // A run of neighbouring buckets that no edge passes through is all inside or
                // all outside: one point-in-polygon test (at its first centre) answers it.
                let mut run: Option<bool> = None;
                for i in i0..=i1 {
                    let cell = j * nx + i;
                    let first = fill[cell] == start[cell];
                    items[fill[cell] as usize] = k as u32;
                    fill[cell] += 1;
                    if !first || crossed[cell] == k as u32 {
                        run = None;
                        continue;
                    }
                    let c = [
                        b[0] + (i as f64 + 0.5) / grid.inv_w,
                        b[1] + (j as f64 + 0.5) / grid.inv_h,
                    ];
                    if *run.get_or_insert_with(|| p.contains(c)) {
                        whole[cell] = k as u32;
                    }
                }
            }
        }
        AreaIndex {
            polys,
            grid,
            start,
            items,
            whole,
        }
    }

    /// The first area (in file order) containing the lon/lat point `p`, if any.
    #[inline]
    pub fn locate(&self, p: [f64; 2]) -> Option<AreaIx> {
        let cell = self.grid.bucket(p)?;
        if self.whole[cell] != u32::MAX {
            return Some(AreaIx(self.whole[cell]));
        }
        self.items[self.start[cell] as usize..self.start[cell + 1] as usize]
            .iter()
            .find(|&&k| self.polys[k as usize].contains(p))
            .map(|&k| AreaIx(k))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::Contains;

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

    /// Seeded random layouts of overlapping star-shaped areas (many vertices, some with holes):
    /// the index gives the first area in file order that contains each point, as a linear scan
    /// with geo's `Contains` does.
    #[test]
    fn index_equals_linear_scan() {
        let mut r = Rng(99);
        for _ in 0..10 {
            let mut list = Vec::new();
            let mut geo_polys = Vec::new();
            for k in 0..25 {
                let n = 3 + (r.f() * 200.0) as usize;
                let (cx, cy) = (114.0 + r.f() * 1.0, 30.0 + r.f() * 1.0);
                let ring: Vec<[f64; 2]> = (0..=n)
                    .map(|i| {
                        let t = (i % n) as f64 / n as f64 * std::f64::consts::TAU;
                        let rad = 0.02 + r.f() * 0.2;
                        [cx + rad * t.cos(), cy + rad * t.sin()]
                    })
                    .collect();
                let hole: Vec<[f64; 2]> = vec![
                    [cx - 0.01, cy - 0.01],
                    [cx - 0.01, cy + 0.01],
                    [cx + 0.01, cy + 0.01],
                    [cx + 0.01, cy - 0.01],
                    [cx - 0.01, cy - 0.01],
                ];
                let rings = if k % 3 == 0 {
                    vec![ring, hole]
                } else {
                    vec![ring]
                };
                let ls = |r: &Vec<[f64; 2]>| {
                    geo::LineString::from(r.iter().map(|p| (p[0], p[1])).collect::<Vec<_>>())
                };
                geo_polys.push(geo::Polygon::new(
                    ls(&rings[0]),
                    rings[1..].iter().map(ls).collect(),
                ));
                list.push(Area {
                    id: k.to_string(),
                    name: String::new(),
                    polygons: vec![rings],
                    feature: k,
                });
            }
            let areas = Areas {
                list,
                bbox: crate::load::BBox::empty(),
                repairs: Default::default(),
            };
            let index = AreaIndex::new(&areas);
            for _ in 0..20_000 {
                let p = [113.8 + r.f() * 1.4, 29.8 + r.f() * 1.4];
                let want = geo_polys
                    .iter()
                    .position(|g| g.contains(&geo::Point::new(p[0], p[1])))
                    .map(|k| AreaIx(k as u32));
                assert_eq!(index.locate(p), want, "{p:?}");
            }
        }
    }

    /// Issue 15: the buckets an edge is said to pass through hold every point of it (sampled
    /// along long edges at all slopes, and at its ends), and are never more than its bounding
    /// box, which the index used to mark whole.
    #[test]
    fn edge_buckets_hold_the_edge() {
        let mut r = Rng(15);
        for case in 0..300 {
            let side = [16, 37, 512][case % 3];
            let (x0, y0) = (114.0 + r.f(), 30.0 + r.f());
            let (w, h) = (0.001 + r.f() * 0.5, 0.001 + r.f() * 0.5);
            let grid = Grid {
                x0,
                y0,
                inv_w: side as f64 / w,
                inv_h: side as f64 / h,
                nx: side,
                ny: side,
            };
            let mut p = || [x0 + r.f() * w, y0 + r.f() * h];
            let (a, mut b) = (p(), p());
            if case % 5 == 0 {
                b[0] = a[0];
            } else if case % 5 == 1 {
                b[1] = a[1];
            }
            let e = [a[0], a[1], b[0], b[1]];
            let mut marked = vec![false; side * side];
            grid.edge_buckets(&e, |c| marked[c] = true);
            for k in 0..=4000 {
                let t = k as f64 / 4000.0;
                let q = [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])];
                let c = grid.bucket(q).unwrap();
                assert!(
                    marked[c],
                    "case {case}: {q:?} of {e:?} in unmarked bucket {c}"
                );
            }
            let (i0, i1) = (grid.bx(a[0].min(b[0])), grid.bx(a[0].max(b[0])));
            let (j0, j1) = (grid.by(a[1].min(b[1])), grid.by(a[1].max(b[1])));
            for (c, &m) in marked.iter().enumerate() {
                let (i, j) = (c % side, c / side);
                let in_box = (i0..=i1).contains(&i) && (j0..=j1).contains(&j);
                assert!(
                    !m || in_box,
                    "case {case}: bucket {c} outside the edge's box"
                );
            }
            if case % 5 > 1 && i1 > i0 + 20 && j1 > j0 + 20 {
                let n = marked.iter().filter(|&&m| m).count();
                assert!(
                    n < (i1 - i0 + 1) * (j1 - j0 + 1) / 4,
                    "case {case}: {n} buckets"
                );
            }
        }
    }

    #[test]
    fn square_with_hole() {
        let outer = vec![
            [0.0, 0.0],
            [10.0, 0.0],
            [10.0, 10.0],
            [0.0, 10.0],
            [0.0, 0.0],
        ];
        let hole = vec![[4.0, 4.0], [6.0, 4.0], [6.0, 6.0], [4.0, 6.0], [4.0, 4.0]];
        let p = PreparedPolygon::new(&[outer, hole]);
        assert!(p.contains([1.0, 1.0]));
        assert!(!p.contains([5.0, 5.0]));
        assert!(!p.contains([11.0, 5.0]));
        assert!(p.contains([9.99, 9.99]));
    }

    /// Shared edges: a point on the border between two squares goes to exactly one of them.
    #[test]
    fn shared_edge_assigns_once() {
        let a = PreparedPolygon::new(&[vec![[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]]]);
        let b = PreparedPolygon::new(&[vec![[1.0, 0.0], [2.0, 0.0], [2.0, 1.0], [1.0, 1.0]]]);
        for y in [0.25, 0.5, 0.75] {
            assert_eq!(a.contains([1.0, y]) as u8 + b.contains([1.0, y]) as u8, 1);
        }
    }

    /// Seeded random star polygons (with many vertices, so the strip index matters): the
    /// prepared test agrees with geo's `Contains` (a plain scan over all edges).
    #[test]
    fn prepared_equals_linear_scan() {
        let mut r = Rng(7);
        for _ in 0..40 {
            let n = 3 + (r.f() * 300.0) as usize;
            let (cx, cy) = (r.f() * 1000.0, r.f() * 1000.0);
            let ring: Vec<[f64; 2]> = (0..n)
                .map(|i| {
                    let t = i as f64 / n as f64 * std::f64::consts::TAU;
                    let rad = 50.0 + r.f() * 400.0;
                    [cx + rad * t.cos(), cy + rad * t.sin()]
                })
                .collect();
            let prepared = PreparedPolygon::new(std::slice::from_ref(&ring));
            let gp = geo::Polygon::new(
                geo::LineString::from(ring.iter().map(|p| (p[0], p[1])).collect::<Vec<_>>()),
                vec![],
            );
            for _ in 0..2000 {
                let p = [cx - 500.0 + r.f() * 1000.0, cy - 500.0 + r.f() * 1000.0];
                assert_eq!(
                    prepared.contains(p),
                    gp.contains(&geo::Point::new(p[0], p[1])),
                    "{p:?}"
                );
            }
        }
    }
}
