//! Facilities: kind, capacity and position, from one or more sources.

use crate::error::{Error, Location, Result};
use crate::limits;
use crate::load::points::{self, PointSource};
use crate::load::{self, BBox, Value};
use crate::plan::{FacilitySpec, KindSource};

/// One facility.
#[derive(Debug, Clone)]
pub struct Facility {
    /// Id from the data, else `<file stem>#<feature index or CSV line>`.
    pub id: String,
    /// Display name, when the source names one.
    pub name: Option<String>,
    /// Kind value (matched against `[[service]] kind`).
    pub kind: String,
    /// Capacity (beds, slots …); `None` when the source has no capacity or it is null.
    pub capacity: Option<f64>,
    /// Position, lon/lat.
    pub lonlat: [f64; 2],
    /// Index of its source: `[[facilities]]` in plan order, then `[[planned]]` (a planned
    /// facility's index is `plan.facilities.len()` + its `[[planned]]` index).
    pub source: usize,
    /// Year it is to open (`[[planned]]` sources with a `year` field; `None` otherwise or null).
    pub year: Option<i32>,
}

/// One loaded source: its facilities' bounding box (for overlap checks) and null counts.
#[derive(Debug, Clone)]
pub struct SourceInfo {
    /// Bounding box of its points.
    pub bbox: BBox,
    /// Facilities read.
    pub count: usize,
    /// Facilities whose capacity field is null/missing (when a capacity field is configured).
    pub null_capacity: u64,
    /// Records flagged deleted in a Shapefile's .dbf, left out.
    pub deleted: usize,
    /// The system the coordinates were read in and how it was decided, when not WGS 84
    /// (`EPSG:4547, from the GeoJSON crs member …`); for messages.
    pub system: Option<String>,
    /// The text encoding a CSV source was read in (UTF-8 for GeoJSON).
    pub encoding: crate::load::csv::Encoding,
}

/// Reads every facility source.
pub fn load(specs: &[FacilitySpec]) -> Result<(Vec<Facility>, Vec<SourceInfo>)> {
    let mut all = Vec::new();
    let mut infos = Vec::new();
    for (s, spec) in specs.iter().enumerate() {
        let (list, info) = crate::error::guard(&spec.path, || read(spec, s))?;
        all.extend(list);
        infos.push(info);
    }
    Ok((all, infos))
}

/// The attribute fields a source names, in a fixed order (kind, id, capacity, name, year),
/// with each one's position in that list.
struct Fields {
    list: Vec<(String, String)>,
    kind: Option<usize>,
    id: Option<usize>,
    cap: Option<usize>,
    name: Option<usize>,
    year: Option<usize>,
}

fn fields(spec: &FacilitySpec) -> Fields {
    let mut list = Vec::new();
    let mut push = |f: Option<&String>, what: &str| {
        f.map(|f| {
            list.push((f.clone(), format!("[[facilities]] {what}")));
            list.len() - 1
        })
    };
    let kind = match &spec.kind {
        KindSource::Field(k) => push(Some(k), "kind"),
        KindSource::Value(_) => None,
    };
    let id = push(spec.id.as_ref(), "id");
    let cap = push(spec.capacity.as_ref(), "capacity");
    let name = push(spec.name.as_ref(), "name");
    let year = push(spec.year.as_ref(), "year");
    Fields {
        list,
        kind,
        id,
        cap,
        name,
        year,
    }
}

/// Reads one source through the point reader (any format, the source's `crs`).
fn read(spec: &FacilitySpec, source: usize) -> Result<(Vec<Facility>, SourceInfo)> {
    let cols = fields(spec);
    let list: Vec<(&str, String)> = cols
        .list
        .iter()
        .map(|(f, w)| (f.as_str(), w.clone()))
        .collect();
    let src = PointSource {
        path: &spec.path,
        layer: spec.layer.as_deref(),
        sheet: spec.sheet.as_deref(),
        crs: spec.crs.as_ref(),
        columns: [
            spec.lon.as_deref().unwrap_or("lon"),
            spec.lat.as_deref().unwrap_or("lat"),
        ],
        fields: &list,
        what: "a facility location",
    };
    let st = stem(spec);
    let mut null_capacity = 0;
    let read = points::read(&src, |p| {
        let field = |i: Option<usize>| i.map(|i| &p.fields[i]);
        let kind = match (&spec.kind, field(cols.kind)) {
            (KindSource::Field(k), Some(f)) => f.text().ok_or_else(|| {
                let m = format!("{} facility kind", f.absent());
                Error::input(&spec.path, p.at.clone(), Some(k), m)
            })?,
            (KindSource::Value(v), _) | (KindSource::Field(v), None) => v.clone(),
        };
        let id = field(cols.id).and_then(|f| f.text());
        let cap = field(cols.cap).map(|f| f.value());
        let cap = capacity(cap, spec, p.at.clone(), &mut null_capacity)?;
        Ok(Facility {
            id: id.unwrap_or_else(|| format!("{st}#{}", p.number)),
            name: field(cols.name).and_then(|f| f.text()),
            kind,
            capacity: cap,
            lonlat: p.lonlat,
            source,
            year: year(field(cols.year).map(|f| f.value()), spec, p.at)?,
        })
    })?;
    let info = SourceInfo {
        bbox: read.bbox,
        count: read.items.len(),
        null_capacity,
        deleted: read.deleted,
        system: read.system,
        encoding: read.encoding,
    };
    Ok((read.items, info))
}

fn stem(spec: &FacilitySpec) -> String {
    spec.path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn capacity(
    v: Option<Value>,
    spec: &FacilitySpec,
    loc: Location,
    null_capacity: &mut u64,
) -> Result<Option<f64>> {
    let (Some(field), Some(v)) = (&spec.capacity, v) else {
        return Ok(None);
    };
    match load::number(&v, &spec.path, loc.clone(), field, "a capacity")? {
        None => {
            *null_capacity += 1;
            Ok(None)
        }
        Some(c) if c < 0.0 => Err(Error::input(
            &spec.path,
            loc,
            Some(field),
            format!("capacity {c} is negative: expected a number of beds/slots ≥ 0"),
        )),
        Some(c) => limits::check(c, 0.0, limits::MAX_CAPACITY, "a facility's capacity")
            .map(Some)
            .map_err(|m| Error::input(&spec.path, loc, Some(field), m)),
    }
}

/// Reads a planned facility's year: null is `None`; anything but a whole year is an error.
fn year(v: Option<Value>, spec: &FacilitySpec, loc: Location) -> Result<Option<i32>> {
    let (Some(field), Some(v)) = (&spec.year, v) else {
        return Ok(None);
    };
    match load::number(&v, &spec.path, loc.clone(), field, "the year it opens")? {
        None => Ok(None),
        Some(y) if y.fract() == 0.0 && (1000.0..=9999.0).contains(&y) => Ok(Some(y as i32)),
        Some(y) => Err(Error::input(
            &spec.path,
            loc,
            Some(field),
            format!("expected a year like 2025, found {y}"),
        )),
    }
}
