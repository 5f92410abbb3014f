//! Facilities: kind, capacity and position, from one or more sources.

use crate::error::{Error, Location, Result};
use crate::limits;
use crate::load::geojson;
use crate::load::{self, vector, xlsx, BBox, Value};
use crate::plan::{is_csv, is_xlsx, FacilitySpec, KindSource};

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
        let before = all.len();
        let mut info = SourceInfo {
            bbox: BBox::empty(),
            count: 0,
            null_capacity: 0,
            deleted: 0,
            system: spec
                .crs
                .as_ref()
                .filter(|c| !c.is_wgs84_lonlat())
                .map(|c| format!("{}, from the plan", c.label())),
            encoding: crate::load::csv::Encoding::Utf8,
        };
        crate::error::guard(&spec.path, || {
            if is_csv(&spec.path) {
                read_csv(spec, s, &mut all, &mut info)
            } else if is_xlsx(&spec.path) {
                read_xlsx(spec, s, &mut all, &mut info)
            } else {
                read_vector(spec, s, &mut all, &mut info)
            }
        })?;
        info.count = all.len() - before;
        infos.push(info);
    }
    Ok((all, infos))
}

fn stem(spec: &FacilitySpec) -> String {
    spec.path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn capacity(
    v: Value,
    spec: &FacilitySpec,
    loc: Location,
    info: &mut SourceInfo,
) -> Result<Option<f64>> {
    let Some(field) = &spec.capacity else {
        return Ok(None);
    };
    match load::number(&v, &spec.path, loc.clone(), field, "a capacity")? {
        None => {
            info.null_capacity += 1;
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
fn year(v: Value, spec: &FacilitySpec, loc: Location) -> Result<Option<i32>> {
    let Some(field) = &spec.year else {
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

fn read_vector(
    spec: &FacilitySpec,
    source: usize,
    out: &mut Vec<Facility>,
    info: &mut SourceInfo,
) -> Result<()> {
    let path = &spec.path;
    let (src, used) = vector::read_wgs84(path, spec.layer.as_deref(), spec.crs.as_ref())?;
    let layer = src.layer;
    info.deleted = layer.deleted;
    info.system =
        (!used.crs.is_wgs84_lonlat()).then(|| format!("{}, {}", used.crs.label(), used.how));
    if let KindSource::Field(k) = &spec.kind {
        geojson::require_field(&layer, path, k, "[[facilities]] kind")?;
    }
    for (field, what) in [
        (&spec.id, "id"),
        (&spec.capacity, "capacity"),
        (&spec.name, "name"),
        (&spec.year, "year"),
    ] {
        if let Some(f) = field {
            geojson::require_field(&layer, path, f, &format!("[[facilities]] {what}"))?;
        }
    }
    let st = stem(spec);
    for f in layer.features {
        let loc = Location::Feature(f.index);
        let p = f.point(path, "a facility location")?;
        let kind = match &spec.kind {
            KindSource::Value(v) => v.clone(),
            KindSource::Field(k) => geojson::prop_text(&f.properties, k).ok_or_else(|| {
                Error::input(path, loc.clone(), Some(k), "missing or null facility kind")
            })?,
        };
        let id = match &spec.id {
            Some(k) => {
                geojson::prop_text(&f.properties, k).unwrap_or_else(|| format!("{st}#{}", f.index))
            }
            None => format!("{st}#{}", f.index),
        };
        let year = match &spec.year {
            Some(y) => year(geojson::prop(&f.properties, y), spec, loc.clone())?,
            None => None,
        };
        let cap = match &spec.capacity {
            Some(c) => capacity(geojson::prop(&f.properties, c), spec, loc, info)?,
            None => None,
        };
        let name = spec
            .name
            .as_ref()
            .and_then(|n| geojson::prop_text(&f.properties, n));
        info.bbox.add(p[0], p[1]);
        out.push(Facility {
            id,
            name,
            kind,
            capacity: cap,
            lonlat: p,
            source,
            year,
        });
    }
    Ok(())
}

fn push_col<'a>(f: Option<&'a str>, cols: &mut Vec<&'a str>) -> Option<usize> {
    f.map(|c| {
        cols.push(c);
        cols.len() - 1
    })
}

/// The columns a table source (CSV or Excel) needs, in a fixed order: lon, lat, then kind, id,
/// capacity and name when configured (with their positions in that list).
struct TableColumns<'a> {
    names: Vec<&'a str>,
    kind: Option<usize>,
    id: Option<usize>,
    cap: Option<usize>,
    name: Option<usize>,
    year: Option<usize>,
}

fn table_columns(spec: &FacilitySpec) -> TableColumns<'_> {
    let lon = spec.lon.as_deref().unwrap_or("lon");
    let lat = spec.lat.as_deref().unwrap_or("lat");
    let mut names = vec![lon, lat];
    let kind = match &spec.kind {
        KindSource::Field(k) => {
            names.push(k);
            Some(names.len() - 1)
        }
        KindSource::Value(_) => None,
    };
    let id = push_col(spec.id.as_deref(), &mut names);
    let cap = push_col(spec.capacity.as_deref(), &mut names);
    let name = push_col(spec.name.as_deref(), &mut names);
    let year = push_col(spec.year.as_deref(), &mut names);
    TableColumns {
        names,
        kind,
        id,
        cap,
        name,
        year,
    }
}

fn read_csv(
    spec: &FacilitySpec,
    source: usize,
    out: &mut Vec<Facility>,
    info: &mut SourceInfo,
) -> Result<()> {
    let cols = table_columns(spec);
    let (chunks, encoding) = load::csv::fold_rows_with_encoding(
        &spec.path,
        &cols.names,
        Vec::new,
        |rows: &mut Vec<(u64, Vec<String>)>, line, row| {
            rows.push((line, row.iter().map(|s| s.to_string()).collect()));
            Ok(())
        },
    )?;
    info.encoding = encoding;
    let rows = chunks.into_iter().flatten();
    push_table_rows(spec, source, &cols, rows, Location::Line, out, info)
}

/// An Excel facility list: the same columns as a CSV, row numbers as Excel shows them.
fn read_xlsx(
    spec: &FacilitySpec,
    source: usize,
    out: &mut Vec<Facility>,
    info: &mut SourceInfo,
) -> Result<()> {
    let cols = table_columns(spec);
    let sheet = xlsx::read(&spec.path, spec.sheet.as_deref())?;
    let idx: Vec<usize> = cols
        .names
        .iter()
        .map(|c| sheet.column(&spec.path, c))
        .collect::<Result<_>>()?;
    let rows = sheet.rows.iter().map(|row| {
        let texts = idx.iter().map(|&i| xlsx::as_text(row.get(i))).collect();
        (row.number, texts)
    });
    push_table_rows(spec, source, &cols, rows, Location::Row, out, info)
}

/// Turns table rows (the `cols` fields as text, with their line/row number) into facilities.
fn push_table_rows(
    spec: &FacilitySpec,
    source: usize,
    cols: &TableColumns,
    rows: impl Iterator<Item = (u64, Vec<String>)>,
    at: fn(u64) -> Location,
    out: &mut Vec<Facility>,
    info: &mut SourceInfo,
) -> Result<()> {
    let path = &spec.path;
    let st = stem(spec);
    for (line, row) in rows {
        let row: Vec<&str> = row.iter().map(String::as_str).collect();
        let loc = at(line);
        let [x, y] = load::table_coords(
            [row[0], row[1]],
            spec.crs.as_ref(),
            path,
            loc.clone(),
            [cols.names[0], cols.names[1]],
        )?;
        let kind = match (&spec.kind, cols.kind) {
            (KindSource::Value(v), _) => v.clone(),
            (KindSource::Field(k), Some(i)) => {
                let t = row[i].trim();
                if t.is_empty() {
                    return Err(Error::input(
                        path,
                        loc.clone(),
                        Some(k),
                        "empty facility kind",
                    ));
                }
                t.to_owned()
            }
            (KindSource::Field(_), None) => unreachable!("kind column was added"),
        };
        let id = cols
            .id
            .map(|i| row[i].trim().to_owned())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| format!("{st}#{line}"));
        let cap = match cols.cap {
            Some(i) => capacity(Value::from_text(row[i]), spec, loc.clone(), info)?,
            None => None,
        };
        let name = cols
            .name
            .map(|i| row[i].trim().to_owned())
            .filter(|s| !s.is_empty());
        let year = match cols.year {
            Some(i) => year(Value::from_text(row[i]), spec, loc.clone())?,
            None => None,
        };
        info.bbox.add(x, y);
        out.push(Facility {
            id,
            name,
            kind,
            capacity: cap,
            lonlat: [x, y],
            source,
            year,
        });
    }
    Ok(())
}
