//! GeoJSON FeatureCollection reader (RFC 7946, lon/lat WGS 84).

use super::{check_lonlat, BBox, Value};
use crate::error::{Error, Location, Result};
use serde::Deserialize;
use serde_json::{Map, Value as Json};
use std::path::Path;

/// A ring or line: lon/lat points.
pub type Ring = Vec<[f64; 2]>;
/// A polygon: exterior ring first, then holes.
pub type Polygon = Vec<Ring>;

/// The geometries carecircle reads.
#[derive(Debug, Clone, PartialEq)]
pub enum Geometry {
    /// A point.
    Point([f64; 2]),
    /// One or more polygons (a Polygon is read as one part).
    Polygons(Vec<Polygon>),
}

impl Geometry {
    /// GeoJSON type name for messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Geometry::Point(_) => "Point",
            Geometry::Polygons(_) => "Polygon/MultiPolygon",
        }
    }
}

/// One feature with its index in the file's `features` array.
#[derive(Debug, Clone)]
pub struct Feature {
    /// Index in `features`, from 0.
    pub index: usize,
    /// Its geometry (`None` for a null geometry).
    pub geometry: Option<Geometry>,
    /// Its properties.
    pub properties: Map<String, Json>,
}

/// A read layer.
#[derive(Debug)]
pub struct Layer {
    /// Features in file order.
    pub features: Vec<Feature>,
    /// Bounding box of all coordinates.
    pub bbox: BBox,
    /// Records the file flags deleted (a Shapefile's .dbf), left out like every GIS does; the
    /// callers report how many.
    pub deleted: usize,
}

/// The warning for a layer's records flagged deleted (none when there are none).
pub fn warn_deleted(deleted: usize, path: &Path, warnings: &mut crate::warnings::Warnings) {
    warnings.add(
        "deleted_records",
        deleted as u64,
        format!(
            "{}: {deleted} records are flagged deleted in the .dbf and were left out",
            path.display()
        ),
    );
}

impl Layer {
    /// A layer of `features` with the bounding box of all their vertices (for readers of other
    /// formats; coordinates are not checked).
    pub fn from_features(features: Vec<Feature>) -> Layer {
        let mut bbox = BBox::empty();
        for f in &features {
            match &f.geometry {
                Some(Geometry::Point(p)) => bbox.add(p[0], p[1]),
                Some(Geometry::Polygons(ps)) => ps
                    .iter()
                    .flatten()
                    .flatten()
                    .for_each(|p| bbox.add(p[0], p[1])),
                None => {}
            }
        }
        Layer {
            features,
            bbox,
            deleted: 0,
        }
    }
}

#[derive(Deserialize)]
struct RawFc {
    #[serde(rename = "type")]
    kind: Option<String>,
    features: Option<Vec<RawFeature>>,
    crs: Option<Json>,
}

#[derive(Deserialize)]
struct RawFeature {
    geometry: Option<RawGeometry>,
    #[serde(default)]
    properties: Option<Map<String, Json>>,
}

#[derive(Deserialize)]
struct RawGeometry {
    #[serde(rename = "type")]
    kind: String,
    coordinates: Option<Json>,
}

/// Reads a FeatureCollection. Geometry types other than Point, Polygon and MultiPolygon are an
/// error; so are coordinates outside lon/lat range (with a hint) and a `crs` member naming a
/// system other than WGS 84 / CGCS2000.
pub fn read(path: &Path) -> Result<Layer> {
    let bytes = std::fs::read(path).map_err(|e| Error::Io {
        path: path.to_owned(),
        err: e,
    })?;
    parse(&bytes, path)
}

/// Reads a FeatureCollection in any coordinate system: no lon/lat range check, and the legacy
/// `crs` member's name (`urn:ogc:def:crs:EPSG::4547` …) returned for the caller to decide.
pub fn read_any(path: &Path) -> Result<(Layer, Option<String>)> {
    let bytes = std::fs::read(path).map_err(|e| Error::Io {
        path: path.to_owned(),
        err: e,
    })?;
    parse_layer(&bytes, path, false)
}

/// Parses GeoJSON bytes (see [`read`]); `path` is used in messages.
pub fn parse(bytes: &[u8], path: &Path) -> Result<Layer> {
    let (layer, crs) = parse_layer(bytes, path, true)?;
    if let Some(name) = crs {
        let ok = [
            "CRS84",
            "EPSG::4326",
            "EPSG:4326",
            "EPSG::4490",
            "EPSG:4490",
            "CRS:84",
        ]
        .iter()
        .any(|s| name.ends_with(s));
        if !ok {
            return Err(Error::input(path, Location::File, Some("crs"), format!(
                "the layer declares coordinate system \"{name}\"; carecircle reads WGS 84 / CGCS2000 lon/lat (EPSG:4326, EPSG:4490): export the layer in EPSG:4326"
            )));
        }
    }
    Ok(layer)
}

/// Parses a FeatureCollection; `lonlat` checks every position is a valid lon/lat. Returns the
/// `crs` member's name, if any.
fn parse_layer(bytes: &[u8], path: &Path, lonlat: bool) -> Result<(Layer, Option<String>)> {
    // Some Windows tools start UTF-8 files with a byte-order mark; JSON parsers reject it.
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(Error::input(
            path,
            Location::File,
            None,
            "the file is empty: expected a GeoJSON FeatureCollection",
        ));
    }
    let fc: RawFc = serde_json::from_slice(bytes).map_err(|e| {
        Error::input(
            path,
            Location::File,
            None,
            format!("not valid GeoJSON: {e}"),
        )
    })?;
    if fc.kind.as_deref() != Some("FeatureCollection") {
        return Err(Error::input(
            path,
            Location::File,
            None,
            format!(
                "expected a GeoJSON FeatureCollection, found type {}",
                fc.kind
                    .as_deref()
                    .map(|k| format!("\"{k}\""))
                    .unwrap_or_else(|| "missing".into())
            ),
        ));
    }
    let crs_name = fc.crs.as_ref().map(|crs| {
        crs.pointer("/properties/name")
            .and_then(Json::as_str)
            .unwrap_or("")
            .to_owned()
    });
    let raw = fc.features.ok_or_else(|| {
        Error::input(
            path,
            Location::File,
            Some("features"),
            "missing `features` array",
        )
    })?;
    let mut bbox = BBox::empty();
    let mut features = Vec::with_capacity(raw.len());
    for (index, f) in raw.into_iter().enumerate() {
        let loc = Location::Feature(index);
        let geometry = match f.geometry {
            None => None,
            Some(g) => {
                let bad = |why: String| Error::input(path, loc.clone(), Some("geometry"), why);
                let coords = g
                    .coordinates
                    .ok_or_else(|| bad("geometry has no coordinates".into()))?;
                let geom = match g.kind.as_str() {
                    "Point" => Geometry::Point(position(&coords).map_err(bad)?),
                    "Polygon" => Geometry::Polygons(vec![polygon(&coords).map_err(bad)?]),
                    "MultiPolygon" => {
                        let parts = coords
                            .as_array()
                            .ok_or_else(|| bad("MultiPolygon coordinates must be an array of polygons".into()))?;
                        Geometry::Polygons(parts.iter().map(polygon).collect::<std::result::Result<_, _>>().map_err(bad)?)
                    }
                    other => {
                        return Err(bad(format!(
                            "unsupported geometry type {other}: expected Point, Polygon or MultiPolygon"
                        )))
                    }
                };
                let mut check = |p: &[f64; 2]| -> Result<()> {
                    if lonlat {
                        check_lonlat(p[0], p[1]).map_err(bad)?;
                    }
                    bbox.add(p[0], p[1]);
                    Ok(())
                };
                match &geom {
                    Geometry::Point(p) => check(p)?,
                    Geometry::Polygons(ps) => {
                        ps.iter().flatten().flatten().try_for_each(&mut check)?
                    }
                }
                Some(geom)
            }
        };
        features.push(Feature {
            index,
            geometry,
            properties: f.properties.unwrap_or_default(),
        });
    }
    Ok((
        Layer {
            features,
            bbox,
            deleted: 0,
        },
        crs_name,
    ))
}

fn position(v: &Json) -> std::result::Result<[f64; 2], String> {
    let a = v
        .as_array()
        .filter(|a| a.len() >= 2)
        .ok_or_else(|| format!("expected a position [lon, lat], found {}", short(v)))?;
    let x = a[0]
        .as_f64()
        .ok_or_else(|| format!("longitude {} is not a number", short(&a[0])))?;
    let y = a[1]
        .as_f64()
        .ok_or_else(|| format!("latitude {} is not a number", short(&a[1])))?;
    Ok([x, y])
}

fn polygon(v: &Json) -> std::result::Result<Polygon, String> {
    let rings = v
        .as_array()
        .ok_or_else(|| "Polygon coordinates must be an array of rings".to_string())?;
    if rings.is_empty() {
        return Err("empty Polygon (no rings)".into());
    }
    rings
        .iter()
        .map(|r| {
            let pts = r
                .as_array()
                .ok_or_else(|| "a ring must be an array of positions".to_string())?;
            let ring: Ring = pts
                .iter()
                .map(position)
                .collect::<std::result::Result<_, _>>()?;
            if ring.len() < 3 {
                return Err(format!(
                    "a ring has {} positions; a polygon ring needs at least 4 (closed)",
                    ring.len()
                ));
            }
            Ok(ring)
        })
        .collect()
}

fn short(v: &Json) -> String {
    let s = v.to_string();
    if s.len() > 60 {
        format!(
            "{}…",
            &s[..s.char_indices().nth(60).map(|(i, _)| i).unwrap_or(s.len())]
        )
    } else {
        s
    }
}

impl Feature {
    /// The feature's point, or an error naming the file, the feature and what the point stands
    /// for (`what`, e.g. "a facility location") when the geometry is of another type or null.
    pub fn point(&self, path: &Path, what: &str) -> Result<[f64; 2]> {
        let loc = Location::Feature(self.index);
        match &self.geometry {
            Some(Geometry::Point(p)) => Ok(*p),
            Some(g) => Err(Error::input(
                path,
                loc,
                Some("geometry"),
                format!("expected a Point ({what}), found a {}", g.type_name()),
            )),
            None => Err(Error::input(
                path,
                loc,
                Some("geometry"),
                "the geometry is null: expected a Point",
            )),
        }
    }
}

/// A property as a [`Value`]: missing and null are Null, numbers are numbers, strings that read
/// as numbers are numbers, other strings are text, booleans/arrays/objects are text.
pub fn prop(props: &Map<String, Json>, field: &str) -> Value {
    match props.get(field) {
        None | Some(Json::Null) => Value::Null,
        Some(Json::Number(n)) => n.as_f64().map(Value::Num).unwrap_or(Value::Null),
        Some(Json::String(s)) => Value::from_text(s),
        Some(other) => Value::Text(other.to_string()),
    }
}

/// A property as verbatim text (ids, names, kinds): strings as they are, numbers as written.
/// `None` when missing or null.
pub fn prop_text(props: &Map<String, Json>, field: &str) -> Option<String> {
    match props.get(field) {
        None | Some(Json::Null) => None,
        Some(Json::String(s)) => Some(s.clone()),
        Some(other) => Some(other.to_string()),
    }
}

/// Errors when no feature carries `field` at all (a misnamed property), listing those present.
pub fn require_field(layer: &Layer, path: &Path, field: &str, section: &str) -> Result<()> {
    if layer.features.is_empty()
        || layer
            .features
            .iter()
            .any(|f| f.properties.contains_key(field))
    {
        return Ok(());
    }
    let mut have: Vec<&str> = layer.features[0]
        .properties
        .keys()
        .map(String::as_str)
        .collect();
    have.sort_unstable();
    Err(Error::input(
        path,
        Location::Feature(0),
        Some(field),
        format!(
            "no feature has the property '{field}' named in {section}; the features have: {}",
            if have.is_empty() {
                "no properties".to_string()
            } else {
                have.join(", ")
            }
        ),
    ))
}
