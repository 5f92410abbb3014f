//! Population cells and groups.
//!
//! A cell is a Polygon feature (its representative point is its centroid, computed in the local
//! frame) or a point (GeoJSON Point or CSV lon/lat; its footprint is a square of the grid's cell
//! size, see [`crate::grid`]). A group is one field or the sum of several. Null, missing or
//! negative values count as 0 and are counted per field.

use crate::error::{Error, Location, Result};
use crate::limits;
use crate::load::geojson::{self, Geometry, Polygon};
use crate::load::{self, check_lonlat, vector, BBox, Value};
use crate::plan::{is_csv, PopulationSpec};
use crate::projection::Frame;
use crate::warnings::Warnings;

/// What the cells' footprints are.
#[derive(Debug, Clone)]
pub enum Footprints {
    /// Polygon cells: each cell's own polygons (lon/lat).
    Polygons(Vec<Vec<Polygon>>),
    /// Point cells: footprints come from the grid (inferred or `cell_size`).
    Points,
}

/// Where cell ids come from.
#[derive(Debug, Clone)]
pub enum CellIds {
    /// The `[population] id` field.
    Given(Vec<String>),
    /// CSV line numbers (the header is line 1).
    Lines(Vec<u64>),
    /// GeoJSON feature indexes (cell `c` is feature `c`).
    Features,
    /// Raster pixels `(row, col)` (from 0, row 0 at the top), shown as `r{row}c{col}`.
    Pixels(Vec<(u32, u32)>),
}

/// All population cells.
#[derive(Debug, Clone)]
pub struct Cells {
    /// Cell ids: the `[population] id` field, else the feature index / CSV line.
    pub ids: CellIds,
    /// Point position (lon/lat) for point cells; polygon cells get their centroid on projection.
    pub lonlat: Vec<[f64; 2]>,
    /// Representative point in the local frame (filled by [`Cells::project`]).
    pub local: Vec<[f64; 2]>,
    /// Group values: `values[group][cell]`, never negative.
    pub values: Vec<Vec<f64>>,
    /// Footprints.
    pub footprints: Footprints,
    /// Bounding box of all coordinates (lon/lat).
    pub bbox: BBox,
}

impl Cells {
    /// Number of cells.
    pub fn len(&self) -> usize {
        self.lonlat.len()
    }
    /// The id of cell `c`.
    pub fn id(&self, c: usize) -> String {
        match &self.ids {
            CellIds::Given(v) => v[c].clone(),
            CellIds::Lines(l) => l[c].to_string(),
            CellIds::Features => c.to_string(),
            CellIds::Pixels(p) => format!("r{}c{}", p[c].0, p[c].1),
        }
    }

    /// True when there are no cells.
    pub fn is_empty(&self) -> bool {
        self.lonlat.is_empty()
    }

    /// Computes representative points in the frame (centroids of polygon cells).
    pub fn project(&mut self, frame: &Frame) {
        use rayon::prelude::*;
        self.local = match &self.footprints {
            Footprints::Points => frame.to_local_all(&self.lonlat),
            Footprints::Polygons(polys) => polys.par_iter().map(|p| centroid(p, frame)).collect(),
        };
        if let Footprints::Polygons(_) = &self.footprints {
            self.lonlat = self.local.par_iter().map(|&p| frame.to_lonlat(p)).collect();
        }
    }
}

/// Area-weighted centroid of polygons (holes subtract) in the frame; the vertex mean when the
/// area is zero.
fn centroid(polys: &[Polygon], frame: &Frame) -> [f64; 2] {
    let (mut a2, mut cx, mut cy) = (0.0, 0.0, 0.0);
    let mut n = 0.0f64;
    let mut mean = [0.0, 0.0];
    // Work relative to the first vertex for numerical stability.
    let o = polys
        .first()
        .and_then(|p| p.first())
        .and_then(|r| r.first())
        .map(|p| frame.to_local(p[0], p[1]))
        .unwrap_or([0.0, 0.0]);
    for ring in polys.iter().flatten() {
        let pts: Vec<[f64; 2]> = ring
            .iter()
            .map(|p| {
                let q = frame.to_local(p[0], p[1]);
                [q[0] - o[0], q[1] - o[1]]
            })
            .collect();
        for i in 0..pts.len() {
            let (p, q) = (pts[i], pts[(i + 1) % pts.len()]);
            let c = p[0] * q[1] - q[0] * p[1];
            a2 += c;
            cx += (p[0] + q[0]) * c;
            cy += (p[1] + q[1]) * c;
            mean[0] += p[0];
            mean[1] += p[1];
            n += 1.0;
        }
    }
    // Orientation is per ring; with exterior and holes oriented oppositely (RFC 7946) the
    // signed sums already subtract holes. Normalise the sign by the total.
    if a2.abs() > 1e-9 {
        [o[0] + cx / (3.0 * a2), o[1] + cy / (3.0 * a2)]
    } else {
        [o[0] + mean[0] / n.max(1.0), o[1] + mean[1] / n.max(1.0)]
    }
}

/// Reads the population layer (a panic in a reader becomes [`Error::Internal`]).
pub fn load(spec: &PopulationSpec, warnings: &mut Warnings) -> Result<Cells> {
    crate::error::guard(&spec.path, || read(spec, warnings))
}

fn read(spec: &PopulationSpec, warnings: &mut Warnings) -> Result<Cells> {
    let fields: Vec<&str> = {
        let mut f: Vec<&str> = spec
            .groups
            .iter()
            .flat_map(|(_, fs)| fs.iter().map(String::as_str))
            .collect();
        f.sort_unstable();
        f.dedup();
        f
    };
    // group -> indexes into `fields`
    let group_fields: Vec<Vec<usize>> = spec
        .groups
        .iter()
        .map(|(_, fs)| {
            fs.iter()
                .filter_map(|f| fields.iter().position(|g| g == f))
                .collect()
        })
        .collect();
    let path = &spec.path;
    let raster = is_raster(spec);
    let mut acc = if raster {
        read_rasters(spec, &fields, &group_fields)?
    } else if is_csv(path) {
        let (acc, encoding) = read_csv(spec, &fields, &group_fields)?;
        load::csv::warn_encoding(path, encoding, warnings);
        acc
    } else {
        let acc = read_vector(spec, &fields, &group_fields)?;
        load::geojson::warn_deleted(acc.deleted, path, warnings);
        acc
    };
    if acc.lonlat.is_empty() {
        return Err(Error::input(
            path,
            Location::File,
            None,
            "the population layer has no cells",
        ));
    }
    if !raster {
        duplicates(spec, &acc)?;
    }
    let unknown = match spec.null_values.as_slice() {
        [] => String::new(),
        v => format!(
            " or {}",
            v.iter()
                .map(f64::to_string)
                .collect::<Vec<_>>()
                .join(" or ")
        ),
    };
    for (k, f) in fields.iter().enumerate() {
        // A raster's "field" is a file in the folder: name the file itself.
        let (file, what, place) = if raster {
            (path.join(f), "nodata".to_string(), "populated pixels")
        } else {
            (
                path.clone(),
                format!("field '{f}' is null or missing"),
                "cells",
            )
        };
        warnings.add(
            "null_population",
            acc.nulls[k],
            format!(
                "{}: {what}{unknown} in {} {place}, counted as 0",
                file.display(),
                acc.nulls[k]
            ),
        );
        let (what, place) = if raster {
            ("has negative values", "pixels")
        } else {
            ("is negative", "cells")
        };
        let field = if raster {
            String::new()
        } else {
            format!("field '{f}' ")
        };
        warnings.add(
            "negative_population",
            acc.negatives[k],
            format!(
                "{}: {field}{what} in {} {place}, counted as 0",
                file.display(),
                acc.negatives[k]
            ),
        );
    }
    for ((name, _), v) in spec.groups.iter().zip(&acc.values) {
        let n = v.len() as u64;
        warnings.add(
            "zero_population",
            if v.iter().all(|&x| x == 0.0) { n } else { 0 },
            format!(
                "{}: group '{name}' is 0 (or null, or negative) in all {n} cells: every coverage figure of its services will be 0",
                path.display()
            ),
        );
    }
    let ids = match (spec.id.is_some(), is_csv(path)) {
        _ if raster => CellIds::Pixels(std::mem::take(&mut acc.pixels)),
        (true, _) => CellIds::Given(std::mem::take(&mut acc.ids)),
        (false, true) => CellIds::Lines(std::mem::take(&mut acc.lines)),
        (false, false) => CellIds::Features,
    };
    Ok(Cells {
        ids,
        lonlat: acc.lonlat,
        local: Vec::new(),
        values: acc.values,
        footprints: acc.footprints,
        bbox: acc.bbox,
    })
}

/// Refuses two cells at the same position (the same point, or the same polygons) or with the
/// same `[population] id`: their people would be counted twice. The error names both lines or
/// features. Raster pixels are distinct by construction.
fn duplicates(spec: &PopulationSpec, acc: &Acc) -> Result<()> {
    use rayon::prelude::*;
    let path = &spec.path;
    let csv = is_csv(path);
    let at = |c: usize| {
        if csv {
            Location::Line(acc.lines[c])
        } else {
            Location::Feature(acc.lines[c] as usize)
        }
    };
    let name = |c: usize| {
        if csv {
            format!("line {}", acc.lines[c])
        } else {
            format!("feature {}", acc.lines[c])
        }
    };
    // The first pair of equal keys in cell order (the later cell of the pair is reported).
    fn first_pair<K: Ord + Sync>(
        keys: &[K],
        same: impl Fn(usize, usize) -> bool,
    ) -> Option<(usize, usize)> {
        let mut order: Vec<u32> = (0..keys.len() as u32).collect();
        order
            .par_sort_unstable_by(|&a, &b| keys[a as usize].cmp(&keys[b as usize]).then(a.cmp(&b)));
        order
            .windows(2)
            .map(|w| (w[0] as usize, w[1] as usize))
            .filter(|&(a, b)| keys[a] == keys[b] && same(a, b))
            .min_by_key(|&(_, b)| b)
    }
    if let Some(field) = &spec.id {
        let ids: Vec<&str> = acc.ids.iter().map(String::as_str).collect();
        if let Some((a, b)) = first_pair(&ids, |a, _| !ids[a].trim().is_empty()) {
            return Err(Error::input(
                path,
                at(b),
                Some(field),
                format!(
                    "cell id \"{}\" is used again ({} has it too): every cell needs its own id",
                    load::quote(ids[b]),
                    name(a)
                ),
            ));
        }
    }
    let found = match &acc.footprints {
        Footprints::Points => {
            let keys: Vec<[u64; 2]> = acc
                .lonlat
                .iter()
                .map(|p| [p[0].to_bits(), p[1].to_bits()])
                .collect();
            first_pair(&keys, |_, _| true)
        }
        Footprints::Polygons(polys) => {
            let keys: Vec<u64> = polys
                .par_iter()
                .map(|p| {
                    use std::hash::{Hash, Hasher};
                    let mut h = std::collections::hash_map::DefaultHasher::new();
                    for q in p.iter().flatten().flatten() {
                        q[0].to_bits().hash(&mut h);
                        q[1].to_bits().hash(&mut h);
                    }
                    h.finish()
                })
                .collect();
            first_pair(&keys, |a, b| polys[a] == polys[b])
        }
    };
    if let Some((a, b)) = found {
        let (field, what) = match &acc.footprints {
            Footprints::Points => {
                let p = acc.lonlat[b];
                (
                    if csv {
                        spec.lon.as_deref().unwrap_or("lon")
                    } else {
                        "geometry"
                    },
                    format!("the point ({}, {})", p[0], p[1]),
                )
            }
            Footprints::Polygons(_) => ("geometry", "the polygon".to_string()),
        };
        return Err(Error::input(
            path,
            at(b),
            Some(field),
            format!(
                "{what} repeats the cell of {}: a population cell listed twice would be counted twice; remove one",
                name(a)
            ),
        ));
    }
    Ok(())
}

/// The `null_values` of each field: all of them, or those `null_fields` names.
fn null_sets(spec: &PopulationSpec, fields: &[&str]) -> Vec<Vec<f64>> {
    fields
        .iter()
        .map(|f| {
            if spec.null_fields.is_empty() || spec.null_fields.iter().any(|n| n == f) {
                spec.null_values.clone()
            } else {
                Vec::new()
            }
        })
        .collect()
}

/// What one field value of a cell counts as.
enum Count {
    /// Null, missing, NaN (raster nodata) or one of the `null_values`: counted, taken as 0.
    Null,
    /// Below 0: counted, taken as 0.
    Negative,
    /// People.
    People(f64),
}

/// The one check every population value passes, whatever the format (vector, table, raster):
/// a non-finite value or more than [`limits::MAX_PEOPLE`] is refused (the message, without the
/// place, which the caller adds).
fn count(x: Option<f64>, null_values: &[f64]) -> std::result::Result<Count, String> {
    match x {
        None => Ok(Count::Null),
        Some(x) if x.is_nan() || null_values.contains(&x) => Ok(Count::Null),
        Some(x) if x < 0.0 && x.is_finite() => Ok(Count::Negative),
        Some(x) => limits::check(x, 0.0, limits::MAX_PEOPLE, "people in a cell").map(Count::People),
    }
}

/// Rows read so far (one per CSV chunk, merged in file order).
struct Acc {
    lonlat: Vec<[f64; 2]>,
    values: Vec<Vec<f64>>,
    ids: Vec<String>,
    /// Each cell's CSV line, or feature index (vector layers).
    lines: Vec<u64>,
    pixels: Vec<(u32, u32)>,
    nulls: Vec<u64>,
    negatives: Vec<u64>,
    bbox: BBox,
    footprints: Footprints,
    scratch: Vec<f64>,
    /// `[population] null_values` per field: numbers that mean "unknown" (counted as nulls).
    null_values: Vec<Vec<f64>>,
    /// Records flagged deleted in a Shapefile's .dbf, left out.
    deleted: usize,
    /// Pixel squares (WGS 84) of a raster in a projected system, one per cell.
    squares: Vec<Vec<crate::load::geojson::Polygon>>,
}

impl Acc {
    fn new(nfields: usize, ngroups: usize, null_values: &[Vec<f64>]) -> Acc {
        Acc {
            lonlat: Vec::new(),
            values: vec![Vec::new(); ngroups],
            ids: Vec::new(),
            lines: Vec::new(),
            pixels: Vec::new(),
            null_values: null_values.to_vec(),
            deleted: 0,
            squares: Vec::new(),
            nulls: vec![0; nfields],
            negatives: vec![0; nfields],
            bbox: BBox::empty(),
            footprints: Footprints::Points,
            scratch: vec![0.0; nfields],
        }
    }

    /// Reads one cell's field values (nulls and negatives count as 0 and are counted).
    fn values(
        &mut self,
        get: impl Fn(usize) -> Value,
        fields: &[&str],
        groups: &[Vec<usize>],
        path: &std::path::Path,
        loc: Location,
    ) -> Result<()> {
        for (k, f) in fields.iter().enumerate() {
            let x = load::number(&get(k), path, loc.clone(), f, "a population count")?;
            self.scratch[k] = match count(x, &self.null_values[k])
                .map_err(|m| Error::input(path, loc.clone(), Some(*f), m))?
            {
                Count::Null => {
                    self.nulls[k] += 1;
                    0.0
                }
                Count::Negative => {
                    self.negatives[k] += 1;
                    0.0
                }
                Count::People(x) => x,
            };
        }
        for (g, idx) in groups.iter().enumerate() {
            self.values[g].push(idx.iter().map(|&k| self.scratch[k]).sum());
        }
        Ok(())
    }

    /// Appends every chunk in order, each vector sized once (no regrowth copies); the
    /// per-cell coordinate, value and line arrays are copied in parallel.
    fn append_all(&mut self, chunks: Vec<Acc>) {
        self.lonlat = concat(
            std::iter::once(&self.lonlat[..])
                .chain(chunks.iter().map(|c| &c.lonlat[..]))
                .collect(),
        );
        for (g, v) in self.values.iter_mut().enumerate() {
            *v = concat(
                std::iter::once(&v[..])
                    .chain(chunks.iter().map(|c| &c.values[g][..]))
                    .collect(),
            );
        }
        self.lines = concat(
            std::iter::once(&self.lines[..])
                .chain(chunks.iter().map(|c| &c.lines[..]))
                .collect(),
        );
        let n = |f: fn(&Acc) -> usize| chunks.iter().map(f).sum::<usize>();
        self.ids.reserve_exact(n(|c| c.ids.len()));
        self.pixels.reserve_exact(n(|c| c.pixels.len()));
        for o in chunks {
            self.ids.extend(o.ids);
            self.pixels.extend(o.pixels);
            self.squares.extend(o.squares);
            for (a, b) in self.nulls.iter_mut().zip(o.nulls) {
                *a += b;
            }
            for (a, b) in self.negatives.iter_mut().zip(o.negatives) {
                *a += b;
            }
            self.bbox.merge(&o.bbox);
        }
    }
}

/// The parts one after another, copied in parallel into one vector allocated once.
fn concat<T: Copy + Default + Send + Sync>(parts: Vec<&[T]>) -> Vec<T> {
    use rayon::prelude::*;
    let mut out = vec![T::default(); parts.iter().map(|p| p.len()).sum()];
    let mut rest: &mut [T] = &mut out;
    let mut dst = Vec::with_capacity(parts.len());
    for p in &parts {
        let (a, b) = std::mem::take(&mut rest).split_at_mut(p.len());
        dst.push(a);
        rest = b;
    }
    dst.into_par_iter()
        .zip(parts)
        .for_each(|(d, s)| d.copy_from_slice(s));
    out
}

fn read_csv(
    spec: &PopulationSpec,
    fields: &[&str],
    groups: &[Vec<usize>],
) -> Result<(Acc, load::csv::Encoding)> {
    let path = &spec.path;
    let (lon, lat) = (
        spec.lon.as_deref().unwrap_or("lon"),
        spec.lat.as_deref().unwrap_or("lat"),
    );
    let mut cols: Vec<&str> = vec![lon, lat];
    cols.extend(fields.iter());
    if let Some(id) = &spec.id {
        cols.push(id);
    }
    let nf = fields.len();
    let (chunks, encoding) = load::csv::fold_rows_with_encoding(
        path,
        &cols,
        || Acc::new(nf, groups.len(), &null_sets(spec, fields)),
        |acc, line, row| {
            let loc = Location::Line(line);
            let [x, y] = load::table_coords(
                [row[0], row[1]],
                spec.crs.as_ref(),
                path,
                loc.clone(),
                [lon, lat],
            )?;
            acc.bbox.add(x, y);
            acc.lonlat.push([x, y]);
            if spec.id.is_some() {
                acc.ids.push(row[2 + nf].to_owned());
            }
            acc.lines.push(line);
            acc.values(
                |k| match load::parse_f64(row[2 + k]) {
                    Some(v) if v.is_finite() => Value::Num(v),
                    _ => Value::from_text(row[2 + k]),
                },
                fields,
                groups,
                path,
                loc,
            )
        },
    )?;
    let mut all = Acc::new(nf, groups.len(), &null_sets(spec, fields));
    all.append_all(chunks);
    Ok((all, encoding))
}

fn read_vector(spec: &PopulationSpec, fields: &[&str], groups: &[Vec<usize>]) -> Result<Acc> {
    let path = &spec.path;
    let layer = vector::read_wgs84(path, spec.layer.as_deref(), spec.crs.as_ref())?
        .0
        .layer;
    let deleted = layer.deleted;
    for f in fields {
        geojson::require_field(&layer, path, f, "[population] groups")?;
    }
    if let Some(id) = &spec.id {
        geojson::require_field(&layer, path, id, "[population] id")?;
    }
    let mut acc = Acc::new(fields.len(), groups.len(), &null_sets(spec, fields));
    acc.bbox = layer.bbox;
    acc.deleted = deleted;
    let mut polys = Vec::new();
    let mut kind: Option<&'static str> = None;
    for f in layer.features {
        let loc = Location::Feature(f.index);
        let this = match &f.geometry {
            Some(Geometry::Point(_)) => "Point",
            Some(Geometry::Polygons(_)) => "Polygon",
            None => {
                return Err(Error::input(
                    path,
                    loc,
                    Some("geometry"),
                    "the geometry is null: expected a Polygon or Point cell",
                ))
            }
        };
        let first = *kind.get_or_insert(this);
        if first != this {
            return Err(Error::input(path, loc, Some("geometry"), format!(
                "found a {this} cell in a layer whose first cell is a {first}: all cells must be Polygons or all Points"
            )));
        }
        match f.geometry {
            Some(Geometry::Point(p)) => acc.lonlat.push(p),
            Some(Geometry::Polygons(p)) => {
                acc.lonlat.push([0.0, 0.0]);
                polys.push(p);
            }
            None => {}
        }
        if let Some(id) = &spec.id {
            acc.ids
                .push(geojson::prop_text(&f.properties, id).unwrap_or_default());
        }
        acc.lines.push(f.index as u64);
        let props = &f.properties;
        acc.values(
            |k| geojson::prop(props, fields[k]),
            fields,
            groups,
            path,
            loc,
        )?;
    }
    if kind == Some("Polygon") {
        acc.footprints = Footprints::Polygons(polys);
    }
    Ok(acc)
}

/// True when `[population] path` names a folder of GeoTIFF rasters (each group field is a file
/// in it).
pub fn is_raster(spec: &PopulationSpec) -> bool {
    spec.path.is_dir()
}

/// Reads the rasters named by the groups (files in the `path` folder), pixel by pixel: a pixel
/// where any group is above 0 is a cell at the pixel centre. Nodata (and NaN) samples of a
/// populated pixel count as null, `null_values` too; negative samples count as negative (in any
/// pixel, so none is dropped unseen); all of them as 0.
fn read_rasters(spec: &PopulationSpec, fields: &[&str], groups: &[Vec<usize>]) -> Result<Acc> {
    use crate::load::geotiff;
    let paths: Vec<std::path::PathBuf> = fields.iter().map(|f| spec.path.join(f)).collect();
    for (p, f) in paths.iter().zip(fields) {
        if !p.is_file() {
            return Err(Error::input(
                &spec.path,
                Location::File,
                Some(f),
                format!(
                    "[population] groups name the raster '{f}', but {} is not a file",
                    p.display()
                ),
            ));
        }
    }
    let infos = geotiff::infos(&paths)?;
    let info = &infos[0];
    if info.grid.width == 0 || info.grid.height == 0 {
        return Err(Error::input(
            &info.path,
            Location::File,
            None,
            "the raster has no pixels",
        ));
    }
    // The rasters' system: the plan's `crs`, else the GeoKeys, else WGS 84. A raster in another
    // system (a projected grid) is converted pixel by pixel: its cells are the pixel squares as
    // polygons in WGS 84, represented by their centroids.
    let crs = match (&spec.crs, info.epsg) {
        (Some(c), _) => Some(c.clone()),
        (None, None | Some(4326) | Some(4490)) => None,
        (None, Some(code)) => Some(crate::crs::Crs::from_epsg(code).map_err(|e| {
            Error::input(
                &info.path,
                Location::File,
                Some("GeoKeyDirectory"),
                format!("the raster is in EPSG:{code}, which carecircle cannot convert ({e}); set [population] crs = \"…\" or reproject it (e.g. gdalwarp -t_srs EPSG:4326)"),
            )
        })?),
    }
    .filter(|c| !c.is_wgs84_lonlat());
    let g = info.grid;
    let to_ll = |p: [f64; 2]| crs.as_ref().map_or(p, |c| c.to_wgs84(p));
    for (row, col) in [(0, 0), (g.height - 1, g.width - 1)] {
        let p = to_ll(g.centre(row, col));
        check_lonlat(p[0], p[1])
            .map_err(|m| Error::input(&info.path, Location::File, Some("ModelTiepoint"), m))?;
    }
    let square = |r: u32, c: u32| -> Vec<crate::load::geojson::Polygon> {
        let m = g.centre(r, c);
        let (hx, hy) = (g.dx.abs() / 2.0, g.dy.abs() / 2.0);
        let ring: Vec<[f64; 2]> = [
            [m[0] - hx, m[1] - hy],
            [m[0] + hx, m[1] - hy],
            [m[0] + hx, m[1] + hy],
            [m[0] - hx, m[1] + hy],
            [m[0] - hx, m[1] - hy],
        ]
        .into_iter()
        .map(to_ll)
        .collect();
        vec![vec![ring]]
    };
    let (nf, ng) = (fields.len(), groups.len());
    let chunks = geotiff::fold_rows(
        &infos,
        || Acc::new(nf, ng, &null_sets(spec, fields)),
        |acc, r, rows| {
            let mut nulls = vec![false; nf];
            for c in 0..g.width as usize {
                for (k, row) in rows.iter().enumerate() {
                    nulls[k] = false;
                    acc.scratch[k] =
                        match count(Some(row[c]), &acc.null_values[k]).map_err(|m| {
                            let at = Location::Pixel {
                                row: r,
                                col: c as u32,
                            };
                            Error::input(&paths[k], at, None, m)
                        })? {
                            Count::Null => {
                                nulls[k] = true;
                                0.0
                            }
                            Count::Negative => {
                                acc.negatives[k] += 1;
                                0.0
                            }
                            Count::People(x) => x,
                        };
                }
                let populated = groups
                    .iter()
                    .any(|idx| idx.iter().map(|&k| acc.scratch[k]).sum::<f64>() > 0.0);
                if !populated {
                    continue;
                }
                for (k, n) in nulls.iter().enumerate() {
                    acc.nulls[k] += *n as u64;
                }
                for (gi, idx) in groups.iter().enumerate() {
                    acc.values[gi].push(idx.iter().map(|&k| acc.scratch[k]).sum());
                }
                let p = to_ll(g.centre(r, c as u32));
                acc.bbox.add(p[0], p[1]);
                acc.lonlat.push(p);
                acc.pixels.push((r, c as u32));
                if crs.is_some() {
                    acc.squares.push(square(r, c as u32));
                }
            }
            Ok(())
        },
    )?;
    let mut all = Acc::new(nf, ng, &null_sets(spec, fields));
    all.append_all(chunks);
    if crs.is_some() {
        all.footprints = Footprints::Polygons(std::mem::take(&mut all.squares));
    }
    Ok(all)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn centroid_of_square_with_hole() {
        let f = Frame::new(114.0, 30.0);
        let sq = |x0: f64, y0: f64, s: f64, ccw: bool| {
            let mut r: Vec<[f64; 2]> = vec![
                [x0, y0],
                [x0 + s, y0],
                [x0 + s, y0 + s],
                [x0, y0 + s],
                [x0, y0],
            ];
            if !ccw {
                r.reverse();
            }
            r.into_iter().map(|p| f.to_lonlat(p)).collect::<Vec<_>>()
        };
        // 100 m square at (0,0) with a 50 m hole in its upper-right quarter+: centroid shifts
        // down-left. Exact: outer area 10000 c(50,50); hole 2500 c(75,75) ->
        // (10000*50 - 2500*75)/7500 = 41.667.
        let c = centroid(
            &[vec![sq(0.0, 0.0, 100.0, true), sq(50.0, 50.0, 50.0, false)]],
            &f,
        );
        assert!(
            (c[0] - 41.6667).abs() < 1e-3 && (c[1] - 41.6667).abs() < 1e-3,
            "{c:?}"
        );
    }
}
