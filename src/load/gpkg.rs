//! GeoPackage reader (OGC 12-128r18): one feature table, its geometries (GeoPackage binary
//! header + WKB, parsed here) and attribute columns, and the layer's spatial reference system.
//!
//! Coordinates are returned as stored; the caller interprets the [`Srs`].

use super::geojson::{Feature, Geometry, Layer};
use super::wkb;
use crate::error::{Error, Location, Result};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};
use serde_json::{Map, Value as Json};
use std::path::Path;
use std::time::{Duration, Instant};

/// A layer's spatial reference system, from `gpkg_spatial_ref_sys`.
#[derive(Debug, Clone, PartialEq)]
pub struct Srs {
    /// The `srs_id` the geometry column names.
    pub srs_id: i64,
    /// The EPSG code, when `organization` is EPSG.
    pub epsg: Option<u32>,
    /// The `definition` (WKT 1), or `definition_12_063` (WKT 2) when the former is
    /// "undefined"; `None` when neither defines the system.
    pub wkt: Option<String>,
}

/// A read GeoPackage layer.
#[derive(Debug)]
pub struct GpkgLayer {
    /// The table read.
    pub table: String,
    /// Features in primary-key order; `index` counts them from 0.
    pub layer: Layer,
    /// The layer's coordinate system.
    pub srs: Srs,
}

fn sql_err(path: &Path, e: rusqlite::Error) -> Error {
    Error::input(
        path,
        Location::File,
        None,
        format!("not a readable GeoPackage: {e}"),
    )
}

/// Quotes an SQL identifier.
fn ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// The feature tables in `gpkg_contents` order.
fn feature_tables(conn: &Connection, path: &Path) -> Result<Vec<String>> {
    let mut st = conn
        .prepare("SELECT table_name FROM gpkg_contents WHERE data_type = 'features' ORDER BY rowid")
        .map_err(|e| sql_err(path, e))?;
    let names = st
        .query_map([], |r| r.get::<_, String>(0))
        .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
        .map_err(|e| sql_err(path, e))?;
    Ok(names)
}

/// How long a feature layer that is a view may take to read. A view computes its rows (a
/// recursive one without end); a table only returns what the file stores.
const VIEW_TIME: Duration = Duration::from_secs(10);

/// Whether `name` is a "table" or a "view" (`None` when the schema has neither).
fn object_type(conn: &Connection, path: &Path, name: &str) -> Result<Option<String>> {
    conn.query_row(
        "SELECT type FROM sqlite_master WHERE name = ?1 AND type IN ('table', 'view')",
        [name],
        |r| r.get::<_, String>(0),
    )
    .map(Some)
    .or_else(|e| match e {
        rusqlite::Error::QueryReturnedNoRows => Ok(None),
        e => Err(e),
    })
    .map_err(|e| sql_err(path, e))
}

/// Refuses a GeoPackage whose metadata tables are views (the standard makes them tables; a
/// view, recursive, could make every query below run without end).
fn check_metadata_tables(conn: &Connection, path: &Path) -> Result<()> {
    for t in [
        "gpkg_contents",
        "gpkg_geometry_columns",
        "gpkg_spatial_ref_sys",
    ] {
        match object_type(conn, path, t)?.as_deref() {
            Some("table") => {}
            Some(kind) => {
                return Err(Error::input(
                    path,
                    Location::File,
                    Some(t),
                    format!("{t} is a {kind}: a GeoPackage stores it as a table"),
                ))
            }
            None => {
                return Err(Error::input(
                    path,
                    Location::File,
                    Some(t),
                    format!("not a GeoPackage: the table {t} is missing"),
                ))
            }
        }
    }
    Ok(())
}

/// Reads feature table `layer` (the first feature table of `gpkg_contents` when `None`).
///
/// A layer that is a view is read under two guards, so that a view generating rows (a
/// recursive one) ends with an error instead of filling the memory: at most [`VIEW_TIME`], and
/// no more rows than the file has bytes (every row a view returns is built from rows the file
/// stores, each at least a byte).
pub fn read(path: &Path, layer: Option<&str>) -> Result<GpkgLayer> {
    crate::error::guard(path, || read_unguarded(path, layer))
}

fn read_unguarded(path: &Path, layer: Option<&str>) -> Result<GpkgLayer> {
    // Open read-only; a missing file must not be created.
    std::fs::metadata(path).map_err(|e| Error::Io {
        path: path.to_owned(),
        err: e,
    })?;
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| sql_err(path, e))?;
    check_metadata_tables(&conn, path)?;
    let tables = feature_tables(&conn, path)?;
    let table = match layer {
        Some(name) => tables.iter().find(|t| *t == name).cloned().ok_or_else(|| {
            Error::input(
                path,
                Location::File,
                Some("layer"),
                format!(
                    "no feature layer \"{name}\"; the GeoPackage has: {}",
                    list(&tables)
                ),
            )
        })?,
        None => tables.first().cloned().ok_or_else(|| {
            Error::input(
                path,
                Location::File,
                None,
                "the GeoPackage has no feature layer (gpkg_contents lists none)",
            )
        })?,
    };
    let (geom_col, srs_id): (String, i64) = conn
        .query_row(
            "SELECT column_name, srs_id FROM gpkg_geometry_columns WHERE table_name = ?1",
            [&table],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .map_err(|e| sql_err(path, e))?;
    let srs = srs(&conn, path, srs_id)?;
    let max_rows = match object_type(&conn, path, &table)?.as_deref() {
        Some("table") => None,
        Some(_) => {
            let deadline = Instant::now() + VIEW_TIME;
            conn.progress_handler(10_000, Some(move || Instant::now() > deadline));
            let len = std::fs::metadata(path)
                .map_err(|e| Error::Io {
                    path: path.to_owned(),
                    err: e,
                })?
                .len();
            Some(len)
        }
        None => {
            return Err(Error::input(
                path,
                Location::File,
                Some("layer"),
                format!("the feature layer \"{table}\" is listed in gpkg_contents but is neither a table nor a view"),
            ))
        }
    };
    let view_err = |reason: String| {
        Error::input(
            path,
            Location::File,
            Some("layer"),
            format!("the feature layer \"{table}\" is a view, {reason}: a view is read only while it behaves like stored rows (export it to a table)"),
        )
    };

    // Columns in table order; an INTEGER PRIMARY KEY orders the rows.
    let mut cols: Vec<(String, String, bool)> = Vec::new();
    {
        let mut st = conn
            .prepare(&format!("PRAGMA table_info({})", ident(&table)))
            .map_err(|e| sql_err(path, e))?;
        let rows = st
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, i64>(5)? > 0,
                ))
            })
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
            .map_err(|e| sql_err(path, e))?;
        cols.extend(rows);
    }
    let geom_ix = cols
        .iter()
        .position(|c| c.0.eq_ignore_ascii_case(&geom_col))
        .ok_or_else(|| {
            Error::input(
                path,
                Location::File,
                Some(&geom_col),
                format!("the geometry column \"{geom_col}\" of \"{table}\" is missing"),
            )
        })?;
    let order = cols
        .iter()
        .find(|c| c.2 && c.1.eq_ignore_ascii_case("INTEGER"))
        .map(|c| format!(" ORDER BY {}", ident(&c.0)))
        .unwrap_or_default();
    let select = cols
        .iter()
        .map(|c| ident(&c.0))
        .collect::<Vec<_>>()
        .join(", ");
    let mut st = conn
        .prepare(&format!("SELECT {select} FROM {}{order}", ident(&table)))
        .map_err(|e| sql_err(path, e))?;
    let interrupted = |e: rusqlite::Error| match (&e, max_rows) {
        (rusqlite::Error::SqliteFailure(f, _), Some(_))
            if f.code == rusqlite::ErrorCode::OperationInterrupted =>
        {
            view_err(format!(
                "and reading it took over {} s",
                VIEW_TIME.as_secs()
            ))
        }
        _ => sql_err(path, e),
    };
    let mut rows = st.query([]).map_err(interrupted)?;
    let mut features = Vec::new();
    while let Some(row) = rows.next().map_err(interrupted)? {
        let index = features.len();
        if max_rows.is_some_and(|m| index as u64 >= m) {
            return Err(view_err(format!(
                "and returns more rows than the file has bytes ({index})"
            )));
        }
        let loc = Location::Feature(index);
        let mut properties = Map::with_capacity(cols.len());
        let mut geometry = None;
        for (k, (name, decl, _)) in cols.iter().enumerate() {
            let v = row.get_ref(k).map_err(|e| sql_err(path, e))?;
            if k == geom_ix {
                geometry = match v {
                    ValueRef::Null => None,
                    ValueRef::Blob(b) => gpkg_geometry(b)
                        .map_err(|r| Error::input(path, loc.clone(), Some(name), r))?,
                    _ => {
                        return Err(Error::input(
                            path,
                            loc,
                            Some(name),
                            "the geometry is not a blob: expected a GeoPackage geometry",
                        ))
                    }
                };
                continue;
            }
            let j = match v {
                ValueRef::Null => Json::Null,
                ValueRef::Integer(i) if decl.eq_ignore_ascii_case("BOOLEAN") => Json::Bool(i != 0),
                ValueRef::Integer(i) => Json::from(i),
                ValueRef::Real(x) => {
                    serde_json::Number::from_f64(x).map_or(Json::Null, Json::Number)
                }
                ValueRef::Text(t) => Json::String(String::from_utf8_lossy(t).into_owned()),
                // Non-geometry blobs carry nothing carecircle reads.
                ValueRef::Blob(_) => Json::Null,
            };
            properties.insert(name.clone(), j);
        }
        features.push(Feature {
            index,
            geometry,
            properties,
        });
    }
    Ok(GpkgLayer {
        table,
        layer: Layer::from_features(features),
        srs,
    })
}

fn list(names: &[String]) -> String {
    if names.is_empty() {
        "no feature layers".into()
    } else {
        names
            .iter()
            .map(|n| format!("\"{n}\""))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The `gpkg_spatial_ref_sys` row of `srs_id`.
fn srs(conn: &Connection, path: &Path, srs_id: i64) -> Result<Srs> {
    let has_12_063 = conn
        .prepare("SELECT definition_12_063 FROM gpkg_spatial_ref_sys LIMIT 0")
        .is_ok();
    let q = format!(
        "SELECT organization, organization_coordsys_id, definition, {} FROM gpkg_spatial_ref_sys WHERE srs_id = ?1",
        if has_12_063 { "definition_12_063" } else { "NULL" }
    );
    let row: Option<(String, i64, String, Option<String>)> = conn
        .query_row(&q, [srs_id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .map(Some)
        .or_else(|e| match e {
            rusqlite::Error::QueryReturnedNoRows => Ok(None),
            e => Err(e),
        })
        .map_err(|e| sql_err(path, e))?;
    let Some((org, code, def, def2)) = row else {
        return Err(Error::input(
            path,
            Location::File,
            Some("srs_id"),
            format!("the layer's srs_id {srs_id} is not in gpkg_spatial_ref_sys"),
        ));
    };
    let defined = |s: &String| !s.trim().is_empty() && !s.trim().eq_ignore_ascii_case("undefined");
    let wkt = Some(def)
        .filter(defined)
        .or(def2.filter(defined))
        .map(|s| s.trim().to_owned());
    let epsg = (org.eq_ignore_ascii_case("EPSG") && code > 0)
        .then(|| u32::try_from(code).ok())
        .flatten();
    Ok(Srs { srs_id, epsg, wkt })
}

/// Parses a GeoPackage geometry blob: "GP", version, flags (byte order of the header, envelope
/// kind, empty flag), srs_id, envelope, then WKB. `Ok(None)` for an empty geometry.
pub fn gpkg_geometry(b: &[u8]) -> std::result::Result<Option<Geometry>, String> {
    if b.len() < 8 || &b[..2] != b"GP" {
        return Err("not a GeoPackage geometry (the blob does not start with \"GP\")".into());
    }
    let flags = b[3];
    if flags & 0b0010_0000 != 0 {
        return Err("an extended GeoPackage geometry type: not supported".into());
    }
    let env = match (flags >> 1) & 0b111 {
        0 => 0,
        1 => 32,
        2 | 3 => 48,
        4 => 64,
        k => {
            return Err(format!(
                "invalid envelope indicator {k} in the geometry header"
            ))
        }
    };
    let start = 8 + env;
    if b.len() < start {
        return Err(format!(
            "truncated geometry: the header needs {start} bytes, the blob has {}",
            b.len()
        ));
    }
    let g = wkb::parse(&b[start..])?;
    // The empty flag wins: a writer may store an empty point as NaN or an empty collection.
    Ok(if flags & 0b1_0000 != 0 { None } else { g })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blob(flags: u8, env: usize, wkb: &[u8]) -> Vec<u8> {
        let mut b = b"GP\0".to_vec();
        b.push(flags);
        b.extend(3879i32.to_le_bytes());
        b.extend(std::iter::repeat_n(0u8, env));
        b.extend(wkb);
        b
    }

    #[test]
    fn header_variants() {
        let ring = vec![[0.0, 0.0], [2.0, 0.0], [2.0, 1.0], [0.0, 0.0]];
        let w = wkb::tests::wkb_polygon(true, 3, 2, std::slice::from_ref(&ring));
        let want = Some(Geometry::Polygons(vec![vec![ring]]));
        for (ind, env) in [(0u8, 0), (1, 32), (2, 48), (3, 48), (4, 64)] {
            for le in [0u8, 1] {
                let b = blob((ind << 1) | le, env, &w);
                assert_eq!(gpkg_geometry(&b).unwrap(), want, "indicator {ind}");
            }
        }
        // Empty flag.
        assert_eq!(gpkg_geometry(&blob(0b1_0001, 0, &w)).unwrap(), None);
        assert!(gpkg_geometry(&blob(5 << 1, 0, &w))
            .unwrap_err()
            .contains("envelope"));
        assert!(gpkg_geometry(b"XX\0\0\0\0\0\0").unwrap_err().contains("GP"));
    }
}
