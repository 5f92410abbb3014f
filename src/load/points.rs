//! The point role: one reader for every layer of points (facilities, planned facilities,
//! `sites --candidates`), whatever the format. CSV and Excel tables give their coordinates in
//! two columns; GeoJSON, Shapefile and GeoPackage layers give Point features. Either way the
//! layer's system is decided once (the caller's `crs`, else the file's own, else WGS 84) and
//! every point comes back as checked WGS 84 lon/lat with the fields the caller asked for.

use super::geojson;
use super::{csv::Encoding, table_coords, vector, xlsx, BBox, Value};
use crate::crs::Crs;
use crate::error::{Location, Result};
use crate::plan::{is_csv, is_xlsx};
use serde_json::Value as Json;
use std::path::Path;

/// A point layer to read.
pub struct PointSource<'a> {
    /// The file: .csv/.tsv/.txt, .xlsx, or a vector format ([`vector::EXTENSIONS`]).
    pub path: &'a Path,
    /// GeoPackage table.
    pub layer: Option<&'a str>,
    /// Excel sheet (the first when `None`).
    pub sheet: Option<&'a str>,
    /// The layer's system when the caller names one (plan `crs`, `--candidates-crs`).
    pub crs: Option<&'a Crs>,
    /// The longitude and latitude columns of a table.
    pub columns: [&'a str; 2],
    /// The attribute fields wanted, each with how a message names who asked for it
    /// (`[[facilities]] kind`, `--id`): a vector layer where no feature has one is an error.
    pub fields: &'a [(&'a str, String)],
    /// What a point is, for a message about a feature that is not one ("a facility location").
    pub what: &'a str,
}

/// One attribute of a point as read: a vector property, or a table cell's text.
#[derive(Debug, Clone)]
pub enum Field {
    /// A GeoJSON / Shapefile / GeoPackage property (`None` when the feature lacks it).
    Prop(Option<Json>),
    /// A CSV or Excel cell as text (Excel numbers in their shortest exact form).
    Cell(String),
}

impl Field {
    /// As text: a property's string verbatim (other values as JSON), a cell trimmed; `None`
    /// for a missing or null property and for an empty cell.
    pub fn text(&self) -> Option<String> {
        match self {
            Field::Prop(None | Some(Json::Null)) => None,
            Field::Prop(Some(Json::String(s))) => Some(s.clone()),
            Field::Prop(Some(other)) => Some(other.to_string()),
            Field::Cell(s) => Some(s.trim().to_owned()).filter(|s| !s.is_empty()),
        }
    }

    /// As a [`Value`]: numbers (and text that reads as one) are numbers, empty/null is Null.
    pub fn value(&self) -> Value {
        match self {
            Field::Prop(None | Some(Json::Null)) => Value::Null,
            Field::Prop(Some(Json::Number(n))) => n.as_f64().map(Value::Num).unwrap_or(Value::Null),
            Field::Prop(Some(Json::String(s))) => Value::from_text(s),
            Field::Prop(Some(other)) => Value::Text(other.to_string()),
            Field::Cell(s) => Value::from_text(s),
        }
    }

    /// How a message says the field has no text: "missing or null" for a property, "empty"
    /// for a cell.
    pub fn absent(&self) -> &'static str {
        match self {
            Field::Prop(_) => "missing or null",
            Field::Cell(_) => "empty",
        }
    }
}

/// One point.
#[derive(Debug, Clone)]
pub struct Point {
    /// Where it is in the file (feature index, CSV line or Excel row), for messages.
    pub at: Location,
    /// The feature index, CSV line or Excel row number, for default ids (`<stem>#<number>`).
    pub number: u64,
    /// WGS 84 lon/lat.
    pub lonlat: [f64; 2],
    /// The requested fields, in [`PointSource::fields`] order.
    pub fields: Vec<Field>,
}

/// Table rows: the line (CSV) or row (Excel) number and the wanted cells as text.
type Rows = Vec<(u64, Vec<String>)>;

/// A read point layer: what the caller made of each point, and the layer's facts.
#[derive(Debug)]
pub struct Points<T> {
    /// The caller's values, one per point, in file order.
    pub items: Vec<T>,
    /// Their bounding box.
    pub bbox: BBox,
    /// The system the coordinates were read in and how it was decided, when not WGS 84
    /// (`EPSG:4547, from the plan`); for messages.
    pub system: Option<String>,
    /// The text encoding of a CSV (UTF-8 for the other formats).
    pub encoding: Encoding,
    /// Records a Shapefile's .dbf flags deleted, left out.
    pub deleted: usize,
}

/// Reads a point layer by its extension, as WGS 84 lon/lat, and hands each point in file order
/// to `make` (so the first bad row, whatever is wrong with it, is the one reported).
pub fn read<T>(src: &PointSource, mut make: impl FnMut(Point) -> Result<T>) -> Result<Points<T>> {
    let mut encoding = Encoding::Utf8;
    let (rows, at): (Rows, fn(u64) -> Location) = if is_csv(src.path) {
        let rows;
        (rows, encoding) = csv_rows(src)?;
        (rows, Location::Line)
    } else if is_xlsx(src.path) {
        (xlsx_rows(src)?, Location::Row)
    } else {
        return read_vector(src, make);
    };
    let mut bbox = BBox::empty();
    let items = rows
        .into_iter()
        .map(|(number, mut row)| {
            let lonlat = table_coords(
                [&row[0], &row[1]],
                src.crs,
                src.path,
                at(number),
                src.columns,
            )?;
            bbox.add(lonlat[0], lonlat[1]);
            make(Point {
                at: at(number),
                number,
                lonlat,
                fields: row.drain(2..).map(Field::Cell).collect(),
            })
        })
        .collect::<Result<_>>()?;
    let system = src
        .crs
        .filter(|c| !c.is_wgs84_lonlat())
        .map(|c| format!("{}, from the plan", c.label()));
    Ok(Points {
        items,
        bbox,
        system,
        encoding,
        deleted: 0,
    })
}

/// The columns a table needs: lon, lat, then the fields.
fn table_columns<'a>(src: &PointSource<'a>) -> Vec<&'a str> {
    let fields = src.fields.iter().map(|(f, _)| *f);
    src.columns.into_iter().chain(fields).collect()
}

fn csv_rows(src: &PointSource) -> Result<(Rows, Encoding)> {
    let (chunks, encoding) = super::csv::fold_rows_with_encoding(
        src.path,
        &table_columns(src),
        Vec::new,
        |rows: &mut Rows, line, row| {
            rows.push((line, row.iter().map(|s| s.to_string()).collect()));
            Ok(())
        },
    )?;
    Ok((chunks.into_iter().flatten().collect(), encoding))
}

/// An Excel table: the same columns as a CSV, row numbers as Excel shows them.
fn xlsx_rows(src: &PointSource) -> Result<Rows> {
    let sheet = xlsx::read(src.path, src.sheet)?;
    let idx: Vec<usize> = table_columns(src)
        .iter()
        .map(|c| sheet.column(src.path, c))
        .collect::<Result<_>>()?;
    Ok(sheet
        .rows
        .iter()
        .map(|row| {
            let texts = idx.iter().map(|&i| xlsx::as_text(row.get(i))).collect();
            (row.number, texts)
        })
        .collect())
}

fn read_vector<T>(
    src: &PointSource,
    mut make: impl FnMut(Point) -> Result<T>,
) -> Result<Points<T>> {
    let (s, used) = vector::read_wgs84(src.path, src.layer, src.crs)?;
    let layer = s.layer;
    for (f, who) in src.fields {
        geojson::require_field(&layer, src.path, f, who)?;
    }
    let items = layer
        .features
        .iter()
        .map(|f| {
            make(Point {
                at: Location::Feature(f.index),
                number: f.index as u64,
                lonlat: f.point(src.path, src.what)?,
                fields: (src.fields.iter())
                    .map(|(k, _)| Field::Prop(f.properties.get(*k).cloned()))
                    .collect(),
            })
        })
        .collect::<Result<_>>()?;
    Ok(Points {
        items,
        bbox: layer.bbox,
        system: (!used.crs.is_wgs84_lonlat())
            .then(|| format!("{}, {}", used.crs.label(), used.how)),
        encoding: Encoding::Utf8,
        deleted: layer.deleted,
    })
}
