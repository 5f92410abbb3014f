//! One entry point for vector layers, chosen by file extension: GeoJSON, Shapefile and
//! GeoPackage all come back as a [`Layer`] with the coordinates as stored in the file, plus
//! what the file says about its coordinate system ([`CrsHint`]) and its text encoding.

use super::geojson::{self, Layer};
use super::{gpkg, shapefile};
use crate::crs::Crs;
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
    /// A GeoJSON file's legacy `crs` member (`urn:ogc:def:crs:EPSG::4547`, `…CRS84`).
    Named(String),
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
        "geojson" | "json" => {
            let (layer, crs) = geojson::read_any(path)?;
            Ok(Source {
                layer,
                crs_hint: crs.map_or(CrsHint::None, CrsHint::Named),
                encoding: None,
                format: "GeoJSON",
            })
        }
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

/// The coordinate system a layer was read in, and how it was decided.
#[derive(Debug, Clone, PartialEq)]
pub struct CrsUsed {
    /// The system.
    pub crs: Crs,
    /// "plan (crs = …)", "from the .prj", "from the GeoPackage (EPSG:3879)" or "default".
    pub how: String,
}

/// The system of a layer: the plan's `crs` when given, else the file's own definition (.prj,
/// GeoPackage metadata), else WGS 84. A definition carcircle cannot use (Beijing 1954, an
/// unsupported projection) is an error naming the file.
pub fn decide_crs(path: &Path, plan: Option<&Crs>, hint: &CrsHint) -> Result<CrsUsed> {
    if let Some(c) = plan {
        return Ok(CrsUsed {
            crs: c.clone(),
            how: format!("plan (crs = \"{}\")", c.label()),
        });
    }
    let bad = |m: String| {
        Error::input(
            path,
            Location::File,
            Some("crs"),
            format!("{m}; set crs = \"…\" in the plan section to override"),
        )
    };
    let (crs, how) = match hint {
        CrsHint::None => (Crs::wgs84(), "default (WGS 84)".to_string()),
        CrsHint::Wkt(w) => (Crs::from_wkt(w).map_err(bad)?, "from the .prj".into()),
        CrsHint::Named(n) => (
            Crs::parse(n).map_err(|e| bad(format!("the GeoJSON crs member \"{n}\": {e}")))?,
            format!("from the GeoJSON crs member ({n})"),
        ),
        CrsHint::Epsg(c) => (
            Crs::from_epsg(*c).map_err(bad)?,
            format!("from the GeoPackage (EPSG:{c})"),
        ),
        // The code when carecircle knows it, else the definition's parameters.
        CrsHint::EpsgAndWkt(c, w) => match Crs::from_epsg(*c) {
            Ok(x) => (x, format!("from the GeoPackage (EPSG:{c})")),
            Err(e) => (
                Crs::from_wkt(w).map_err(|_| bad(e))?,
                format!("from the GeoPackage definition (srs {c})"),
            ),
        },
    };
    Ok(CrsUsed { crs, how })
}

/// Converts every coordinate of `layer` from `crs` to WGS 84 lon/lat and checks the result is
/// a valid lon/lat (a wrong system shows up here, with the feature named).
pub fn to_wgs84(layer: &mut Layer, path: &Path, used: &CrsUsed) -> Result<()> {
    if used.crs.is_wgs84_lonlat() {
        // Nothing to convert; the range check (with its swapped-axes and projected-metres
        // hints) still applies.
        for f in &layer.features {
            let bad =
                |m: String| Error::input(path, Location::Feature(f.index), Some("geometry"), m);
            match &f.geometry {
                None => {}
                Some(geojson::Geometry::Point(p)) => {
                    super::check_lonlat(p[0], p[1]).map_err(bad)?
                }
                Some(geojson::Geometry::Polygons(polys)) => {
                    for p in polys.iter().flatten().flatten() {
                        super::check_lonlat(p[0], p[1]).map_err(bad)?;
                    }
                }
            }
        }
        return Ok(());
    }
    let mut bbox = super::BBox::empty();
    for f in &mut layer.features {
        let loc = Location::Feature(f.index);
        let mut fix = |p: &mut [f64; 2]| -> Result<()> {
            let q = used.crs.to_wgs84(*p);
            super::check_lonlat(q[0], q[1]).map_err(|m| {
                Error::input(
                    path,
                    loc.clone(),
                    Some("geometry"),
                    format!(
                        "({}, {}) in {} ({}) gives {m}: is that the layer's system?",
                        p[0],
                        p[1],
                        used.crs.label(),
                        used.how
                    ),
                )
            })?;
            bbox.add(q[0], q[1]);
            *p = q;
            Ok(())
        };
        match &mut f.geometry {
            None => {}
            Some(geojson::Geometry::Point(p)) => fix(p)?,
            Some(geojson::Geometry::Polygons(polys)) => {
                for p in polys.iter_mut().flatten().flatten() {
                    fix(p)?;
                }
            }
        }
    }
    layer.bbox = bbox;
    Ok(())
}

/// [`read`], then the layer's system decided ([`decide_crs`]) and its coordinates converted to
/// WGS 84 lon/lat.
pub fn read_wgs84(
    path: &Path,
    layer: Option<&str>,
    crs: Option<&Crs>,
) -> Result<(Source, CrsUsed)> {
    let mut s = read(path, layer)?;
    let used = decide_crs(path, crs, &s.crs_hint)?;
    to_wgs84(&mut s.layer, path, &used)?;
    Ok((s, used))
}
