//! One entry point for vector layers, chosen by file extension: GeoJSON, Shapefile and
//! GeoPackage all come back as a [`Layer`] with the coordinates as stored in the file, plus
//! what the file says about its coordinate system ([`CrsHint`]) and its text encoding.

use super::geojson::{self, Layer};
use super::{gpkg, shapefile};
use crate::error::{Error, Location, Result};
use std::path::Path;

/// What a file says about its coordinate system. The caller decides what to do with it (a
/// plan's `crs` key overrides it).
#[derive(Debug, Clone, PartialEq)]
pub enum CrsHint {
    /// The file says nothing (GeoJSON, or a Shapefile without .prj): lon/lat WGS 84 unless the
    /// plan says otherwise. GeoJSON's own `crs` member is checked by the GeoJSON reader.
    None,
    /// A WKT definition without an authority code (a Shapefile .prj, a GeoPackage system of a
    /// non-EPSG organisation).
    Wkt(String),
    /// An EPSG code with no definition text.
    Epsg(u32),
    /// An EPSG code and its WKT definition (GeoPackage).
    EpsgAndWkt(u32, String),
}

impl CrsHint {
    fn from_gpkg(s: gpkg::Srs) -> CrsHint {
        match (s.epsg, s.wkt) {
            (Some(c), Some(w)) => CrsHint::EpsgAndWkt(c, w),
            (Some(c), None) => CrsHint::Epsg(c),
            (None, Some(w)) => CrsHint::Wkt(w),
            (None, None) => CrsHint::None,
        }
    }
}

/// A read vector layer.
#[derive(Debug)]
pub struct Source {
    /// Features with coordinates as stored in the file.
    pub layer: Layer,
    /// The file's coordinate-system hint.
    pub crs_hint: CrsHint,
    /// The attribute text encoding and how it was chosen (Shapefiles), e.g.
    /// "GBK (no .cpg, the text is not valid UTF-8)"; `None` for formats fixed to UTF-8.
    pub encoding: Option<String>,
    /// "GeoJSON", "Shapefile" or "GeoPackage".
    pub format: &'static str,
}

/// The extensions [`read`] accepts.
pub const EXTENSIONS: &[&str] = &["geojson", "json", "shp", "gpkg"];

/// Reads a vector layer, by extension: .geojson/.json, .shp (with .dbf, .prj, .cpg beside it)
/// or .gpkg (`layer` names the table; the first feature table when `None`). `layer` is an
/// error for single-layer formats, so that a misplaced key does not pass silently.
pub fn read(path: &Path, layer: Option<&str>) -> Result<Source> {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    if layer.is_some() && ext != "gpkg" {
        return Err(Error::input(
            path,
            Location::File,
            Some("layer"),
            "`layer` chooses a table of a GeoPackage (.gpkg); this file has a single layer: remove the key",
        ));
    }
    match ext.as_str() {
        "geojson" | "json" => Ok(Source {
            layer: geojson::read(path)?,
            crs_hint: CrsHint::None,
            encoding: None,
            format: "GeoJSON",
        }),
        "shp" => {
            let s = shapefile::read(path)?;
            Ok(Source {
                layer: s.layer,
                crs_hint: s.prj.map_or(CrsHint::None, CrsHint::Wkt),
                encoding: Some(s.encoding),
                format: "Shapefile",
            })
        }
        "gpkg" => {
            let g = gpkg::read(path, layer)?;
            Ok(Source {
                layer: g.layer,
                crs_hint: CrsHint::from_gpkg(g.srs),
                encoding: None,
                format: "GeoPackage",
            })
        }
        _ => Err(Error::input(
            path,
            Location::File,
            None,
            format!(
                "unsupported file type \"{ext}\": expected one of .{} (or .csv / .xlsx where a table is allowed)",
                EXTENSIONS.join(", .")
            ),
        )),
    }
}
