//! ESRI Shapefile reader (.shp geometries, .dbf attributes, .prj coordinate system, .cpg
//! encoding), in pure Rust after the ESRI Shapefile Technical Description (1998).
//!
//! Coordinates are returned as stored (no projection); the .prj text is handed back for the
//! caller to interpret. Feature indexes count .shp records from 0, as GDAL numbers them.
//! Rings of a polygon record are grouped as the specification implies: clockwise rings are
//! exteriors, counter-clockwise rings are holes of the smallest exterior that holds them. The
//! rings are then oriented as RFC 7946 asks (exteriors counter-clockwise, holes clockwise), so
//! they read like the GeoJSON layers.

use super::encoding;
use super::geojson::{Feature, Geometry, Layer, Polygon, Ring};
use super::BBox;
use crate::error::{Error, Location, Result};
use serde_json::{Map, Value as Json};
use std::path::{Path, PathBuf};

/// A read Shapefile.
#[derive(Debug)]
pub struct Shapefile {
    /// Features in record order (records flagged deleted in the .dbf are left out; their
    /// indexes are skipped).
    pub layer: Layer,
    /// The .prj text (WKT), when there is a .prj.
    pub prj: Option<String>,
    /// The attribute text encoding used and how it was chosen, e.g. "GBK (from .cpg)".
    pub encoding: String,
    /// Records flagged deleted in the .dbf, left out.
    pub deleted: usize,
}

/// Shape type names by code, for messages.
fn shape_name(code: i32) -> String {
    match code {
        0 => "NullShape",
        1 => "Point",
        3 => "PolyLine",
        5 => "Polygon",
        8 => "MultiPoint",
        11 => "PointZ",
        13 => "PolyLineZ",
        15 => "PolygonZ",
        18 => "MultiPointZ",
        21 => "PointM",
        23 => "PolyLineM",
        25 => "PolygonM",
        28 => "MultiPointM",
        31 => "MultiPatch",
        _ => return format!("unknown shape type {code}"),
    }
    .to_string()
}

/// The sibling file with extension `ext` (lower or upper case), if it exists.
fn sidecar(path: &Path, ext: &str) -> Option<PathBuf> {
    [ext.to_ascii_lowercase(), ext.to_ascii_uppercase()]
        .into_iter()
        .map(|e| path.with_extension(e))
        .find(|p| p.is_file())
}

fn read_bytes(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| Error::Io {
        path: path.to_owned(),
        err: e,
    })
}

/// Reads `path` (the .shp) with its .dbf (required), .prj and .cpg (optional).
pub fn read(path: &Path) -> Result<Shapefile> {
    crate::error::guard(path, || read_unguarded(path))
}

fn read_unguarded(path: &Path) -> Result<Shapefile> {
    let shp = read_bytes(path)?;
    let geoms = parse_shp(&shp, path)?;
    let dbf_path = sidecar(path, "dbf").ok_or_else(|| {
        Error::input(
            path,
            Location::File,
            None,
            format!(
                "the attribute table {} is missing: a Shapefile is read with its .dbf (and .prj for the coordinate system)",
                path.with_extension("dbf").display()
            ),
        )
    })?;
    let dbf = read_bytes(&dbf_path)?;
    let cpg = match sidecar(path, "cpg") {
        Some(p) => Some((
            String::from_utf8_lossy(&read_bytes(&p)?).trim().to_owned(),
            p,
        )),
        None => None,
    };
    let table = parse_dbf(
        &dbf,
        &dbf_path,
        cpg.as_ref().map(|(l, p)| (l.as_str(), p.as_path())),
    )?;
    if table.rows.len() != geoms.len() {
        return Err(Error::input(
            &dbf_path,
            Location::File,
            None,
            format!(
                "the .dbf has {} records but {} has {}: the files do not belong together or one is truncated",
                table.rows.len(),
                path.display(),
                geoms.len()
            ),
        ));
    }
    let prj = match sidecar(path, "prj") {
        Some(p) => Some(String::from_utf8_lossy(&read_bytes(&p)?).trim().to_owned())
            .filter(|s| !s.is_empty()),
        None => None,
    };
    let mut features = Vec::with_capacity(geoms.len());
    let mut deleted = 0;
    for (index, (geometry, row)) in geoms.into_iter().zip(table.rows).enumerate() {
        let Some(properties) = row else {
            deleted += 1;
            continue;
        };
        features.push(Feature {
            index,
            geometry,
            properties,
        });
    }
    let mut layer = Layer::from_features(features);
    layer.deleted = deleted;
    Ok(Shapefile {
        layer,
        prj,
        encoding: table.encoding,
        deleted,
    })
}

/// Little-endian reads at fixed offsets of one record's content.
struct Content<'a> {
    b: &'a [u8],
}

impl Content<'_> {
    fn i32(&self, at: usize) -> std::result::Result<i32, String> {
        self.b
            .get(at..at + 4)
            .map(|s| i32::from_le_bytes(s.try_into().expect("4 bytes")))
            .ok_or_else(|| self.short(at + 4))
    }
    fn f64(&self, at: usize) -> std::result::Result<f64, String> {
        self.b
            .get(at..at + 8)
            .map(|s| f64::from_le_bytes(s.try_into().expect("8 bytes")))
            .ok_or_else(|| self.short(at + 8))
    }
    fn point(&self, at: usize) -> std::result::Result<[f64; 2], String> {
        Ok([self.f64(at)?, self.f64(at + 8)?])
    }
    fn count(&self, at: usize, item: usize, what: &str) -> std::result::Result<usize, String> {
        let n = self.i32(at)?;
        if n < 0 || (n as usize).saturating_mul(item) > self.b.len() {
            return Err(format!(
                "the record announces {n} {what}, more than its {} bytes can hold",
                self.b.len()
            ));
        }
        Ok(n as usize)
    }
    fn short(&self, need: usize) -> String {
        format!(
            "the record content is {} bytes, its shape needs at least {need}",
            self.b.len()
        )
    }
}

/// Parses the .shp records into geometries (None for NullShape and empty shapes).
fn parse_shp(b: &[u8], path: &Path) -> Result<Vec<Option<Geometry>>> {
    let file_err = |r: String| Error::input(path, Location::File, None, r);
    if b.len() < 100 {
        return Err(file_err(format!(
            "truncated: {} bytes, a .shp file has a 100-byte header",
            b.len()
        )));
    }
    let code = i32::from_be_bytes(b[0..4].try_into().expect("4 bytes"));
    if code != 9994 {
        return Err(file_err(format!(
            "not a Shapefile .shp (file code {code}, expected 9994)"
        )));
    }
    let declared = i32::from_be_bytes(b[24..28].try_into().expect("4 bytes")) as i64 * 2;
    let end = declared.clamp(100, b.len() as i64) as usize;
    let mut out = Vec::new();
    let mut pos = 100;
    while pos < end {
        let index = out.len();
        let rec_err = |r: String| Error::input(path, Location::Feature(index), None, r);
        if pos + 8 > b.len() {
            return Err(rec_err(format!(
                "truncated: the record header at byte {pos} runs past the end of the file ({} bytes)",
                b.len()
            )));
        }
        let len = i32::from_be_bytes(b[pos + 4..pos + 8].try_into().expect("4 bytes")) as i64 * 2;
        let start = pos + 8;
        if len < 4 || start as i64 + len > b.len() as i64 {
            return Err(rec_err(format!(
                "truncated: the record at byte {pos} announces {len} bytes of content, the file ends {} bytes later",
                b.len() - start
            )));
        }
        let c = Content {
            b: &b[start..start + len as usize],
        };
        out.push(
            shape(&c)
                .map_err(|r| Error::input(path, Location::Feature(index), Some("geometry"), r))?,
        );
        pos = start + len as usize;
    }
    if declared > b.len() as i64 {
        return Err(Error::input(
            path,
            Location::Feature(out.len()),
            None,
            format!(
                "truncated: the header says the file has {declared} bytes, it has {} (records after {} are missing)",
                b.len(),
                out.len()
            ),
        ));
    }
    Ok(out)
}

/// One record's geometry.
fn shape(c: &Content) -> std::result::Result<Option<Geometry>, String> {
    let t = c.i32(0)?;
    Ok(match t {
        0 => None,
        1 | 11 | 21 => Some(Geometry::Point(c.point(4)?)),
        8 | 18 | 28 => {
            let n = c.count(36, 16, "points")?;
            match n {
                0 => None,
                1 => Some(Geometry::Point(c.point(40)?)),
                _ => {
                    return Err(format!(
                        "a {} with {n} points: expected one point per feature",
                        shape_name(t)
                    ))
                }
            }
        }
        5 | 15 | 25 => {
            let parts = c.count(36, 4, "parts")?;
            let n = c.count(40, 16, "points")?;
            let pts_at = 44 + 4 * parts;
            let starts: Vec<usize> = (0..parts)
                .map(|k| c.i32(44 + 4 * k).map(|s| s as usize))
                .collect::<std::result::Result<_, _>>()?;
            let mut rings = Vec::with_capacity(parts);
            for k in 0..parts {
                let (s, e) = (starts[k], starts.get(k + 1).copied().unwrap_or(n));
                if s > e || e > n {
                    return Err(format!(
                        "part {k} spans points {s}..{e} of {n}: the part index is corrupt"
                    ));
                }
                let ring: Ring = (s..e)
                    .map(|i| c.point(pts_at + 16 * i))
                    .collect::<std::result::Result<_, _>>()?;
                if !ring.is_empty() {
                    rings.push(ring);
                }
            }
            (!rings.is_empty()).then(|| Geometry::Polygons(assemble(rings)))
        }
        _ => {
            return Err(format!(
                "unsupported shape type {}: expected Point, MultiPoint (one point) or Polygon (with or without Z/M)",
                shape_name(t)
            ))
        }
    })
}

/// Twice the signed area (positive = counter-clockwise with y up).
fn signed_area2(r: &Ring) -> f64 {
    let n = r.len();
    (0..n)
        .map(|i| {
            let (a, b) = (r[i], r[(i + 1) % n]);
            a[0] * b[1] - b[0] * a[1]
        })
        .sum()
}

fn ring_bbox(r: &Ring) -> [f64; 4] {
    let mut b = BBox::empty();
    r.iter().for_each(|p| b.add(p[0], p[1]));
    b.0
}

/// Even-odd test of a point against a ring.
fn inside(p: [f64; 2], r: &Ring) -> bool {
    let mut c = false;
    let n = r.len();
    let mut j = n - 1;
    for i in 0..n {
        let (a, b) = (r[i], r[j]);
        if (a[1] > p[1]) != (b[1] > p[1])
            && p[0] < (b[0] - a[0]) * (p[1] - a[1]) / (b[1] - a[1]) + a[0]
        {
            c = !c;
        }
        j = i;
    }
    c
}

/// Whether ring `h` lies in ring `e` (bounding boxes, then a vertex of `h` not shared with `e`).
fn holds(e: &Ring, eb: &[f64; 4], h: &Ring, hb: &[f64; 4]) -> bool {
    if !(eb[0] <= hb[0] && eb[1] <= hb[1] && eb[2] >= hb[2] && eb[3] >= hb[3]) {
        return false;
    }
    let p = h.iter().find(|p| !e.contains(p)).unwrap_or(&h[0]);
    inside(*p, e)
}

/// Groups the rings of one polygon record into polygons. Clockwise rings are exteriors and
/// counter-clockwise rings holes of the smallest exterior holding them; a hole that no
/// exterior holds becomes a polygon of its own. When no ring is clockwise (a file written with
/// the wrong orientation) nesting depth decides: rings inside an even number of others are
/// exteriors. Exteriors come out counter-clockwise, holes clockwise.
pub fn assemble(rings: Vec<Ring>) -> Vec<Polygon> {
    let areas: Vec<f64> = rings.iter().map(signed_area2).collect();
    let boxes: Vec<[f64; 4]> = rings.iter().map(ring_bbox).collect();
    let n = rings.len();
    let mut exterior: Vec<bool> = areas.iter().map(|&a| a <= 0.0).collect();
    if !exterior.iter().any(|&e| e) {
        for i in 0..n {
            let depth = (0..n)
                .filter(|&j| j != i && holds(&rings[j], &boxes[j], &rings[i], &boxes[i]))
                .count();
            exterior[i] = depth % 2 == 0;
        }
    }
    // Each hole's owner: the smallest exterior that holds it.
    let mut owner: Vec<Option<usize>> = vec![None; n];
    let holes: Vec<usize> = (0..n).filter(|&h| !exterior[h]).collect();
    for &h in &holes {
        owner[h] = (0..n)
            .filter(|&e| exterior[e] && holds(&rings[e], &boxes[e], &rings[h], &boxes[h]))
            .min_by(|&a, &b| areas[a].abs().total_cmp(&areas[b].abs()));
    }
    for &h in &holes {
        exterior[h] = owner[h].is_none();
    }
    let mut slot = vec![usize::MAX; n];
    let mut polys: Vec<Polygon> = Vec::new();
    let mut rings: Vec<Option<Ring>> = rings.into_iter().map(Some).collect();
    for i in (0..n).filter(|&i| exterior[i]) {
        let mut r = rings[i].take().expect("each ring once");
        if areas[i] < 0.0 {
            r.reverse();
        }
        slot[i] = polys.len();
        polys.push(vec![r]);
    }
    for h in 0..n {
        if let Some(e) = owner[h].filter(|_| !exterior[h]) {
            let mut r = rings[h].take().expect("each ring once");
            if areas[h] > 0.0 {
                r.reverse();
            }
            polys[slot[e]].push(r);
        }
    }
    polys
}

/// A parsed .dbf: one row per record, `None` for records flagged deleted.
struct Table {
    rows: Vec<Option<Map<String, Json>>>,
    encoding: String,
}

struct Field {
    name: String,
    kind: u8,
    offset: usize,
    len: usize,
    decimals: u8,
}

/// Parses a dBASE III/IV table; `cpg` is the .cpg label and its path, when there is one.
fn parse_dbf(b: &[u8], path: &Path, cpg: Option<(&str, &Path)>) -> Result<Table> {
    let file_err = |r: String| Error::input(path, Location::File, None, r);
    if b.len() < 32 {
        return Err(file_err(format!(
            "truncated: {} bytes, a .dbf file has a 32-byte header",
            b.len()
        )));
    }
    let n_rec = u32::from_le_bytes(b[4..8].try_into().expect("4 bytes")) as usize;
    let header_len = u16::from_le_bytes(b[8..10].try_into().expect("2 bytes")) as usize;
    let rec_len = u16::from_le_bytes(b[10..12].try_into().expect("2 bytes")) as usize;
    if header_len > b.len() || header_len < 33 {
        return Err(file_err(format!(
            "truncated or not a dBASE file: header length {header_len}, file length {}",
            b.len()
        )));
    }
    let mut raw_fields: Vec<(&[u8], u8, usize, u8)> = Vec::new();
    let mut pos = 32;
    while pos + 32 <= header_len && b[pos] != 0x0D {
        let d = &b[pos..pos + 32];
        let name = &d[..11];
        let name = &name[..name.iter().position(|&c| c == 0).unwrap_or(11)];
        raw_fields.push((name, d[11], d[16] as usize, d[17]));
        pos += 32;
    }
    let width: usize = 1 + raw_fields.iter().map(|f| f.2).sum::<usize>();
    if width > rec_len {
        return Err(file_err(format!(
            "the field widths add up to {width} bytes, more than the record length {rec_len}"
        )));
    }
    let record = |i: usize| -> Result<&[u8]> {
        let s = header_len + i * rec_len;
        b.get(s..s + rec_len).ok_or_else(|| {
            Error::input(
                path,
                Location::Feature(i),
                None,
                format!(
                    "truncated: the header announces {n_rec} records of {rec_len} bytes, the file ends at byte {}",
                    b.len()
                ),
            )
        })
    };
    // Every record must be in the file before anything is sized by the record count (the
    // width check above makes `rec_len` at least 1).
    let fit = (b.len() - header_len) / rec_len;
    if n_rec > fit {
        return Err(record(fit).expect_err("record `fit` runs past the end"));
    }
    let mut fields = Vec::with_capacity(raw_fields.len());
    let mut offset = 1;
    for &(_, kind, len, decimals) in &raw_fields {
        fields.push(Field {
            name: String::new(),
            kind,
            offset,
            len,
            decimals,
        });
        offset += len;
    }

    // Pick the text encoding: the .cpg, else UTF-8 when all text is valid UTF-8, else GBK.
    let (enc, why) = match cpg {
        Some((label, cpg_path)) => {
            let enc = encoding::from_label(label).ok_or_else(|| {
                Error::input(
                    cpg_path,
                    Location::File,
                    None,
                    format!("unknown encoding \"{label}\": expected a code page such as UTF-8, GBK, CP936, GB18030 or 1252"),
                )
            })?;
            (enc, "from .cpg".to_string())
        }
        None => {
            let mut pieces: Vec<&[u8]> = raw_fields.iter().map(|f| f.0).collect();
            for i in 0..n_rec {
                let r = record(i)?;
                pieces.extend(
                    fields
                        .iter()
                        .filter(|f| f.kind == b'C')
                        .map(|f| &r[f.offset..f.offset + f.len]),
                );
            }
            let (enc, why) = encoding::guess(pieces);
            (enc, format!("no .cpg, the text is {why}"))
        }
    };
    let encoding_tag = format!("{} ({why})", enc.name());
    let text = |bytes: &[u8], loc: Location, field: Option<&str>| -> Result<String> {
        encoding::decode(enc, bytes).ok_or_else(|| {
            Error::input(
                path,
                loc,
                field,
                format!("the text is not valid {} ({why})", enc.name()),
            )
        })
    };
    for (f, raw) in fields.iter_mut().zip(&raw_fields) {
        f.name = text(raw.0, Location::File, None)?.trim().to_owned();
    }

    let mut rows = Vec::with_capacity(n_rec);
    for i in 0..n_rec {
        let r = record(i)?;
        if r[0] == b'*' {
            rows.push(None);
            continue;
        }
        let mut props = Map::with_capacity(fields.len());
        for f in &fields {
            let raw = &r[f.offset..f.offset + f.len];
            let loc = Location::Feature(i);
            let bad = |why: String| Error::input(path, loc.clone(), Some(&f.name), why);
            let v = match f.kind {
                b'C' => {
                    let s = text(raw, loc.clone(), Some(&f.name))?;
                    let s = s.trim_end_matches([' ', '\0']);
                    if s.is_empty() {
                        Json::Null
                    } else {
                        Json::String(s.to_owned())
                    }
                }
                b'N' | b'F' => {
                    let s = String::from_utf8_lossy(raw);
                    let s = s.trim_matches([' ', '\0']);
                    if s.is_empty() || s.bytes().all(|c| c == b'*') {
                        Json::Null
                    } else if let (0, Ok(v)) = (f.decimals, s.parse::<i64>()) {
                        Json::from(v)
                    } else {
                        let v: f64 = s.parse().map_err(|_| {
                            bad(format!("expected a number (dBASE type {}), found \"{s}\"", f.kind as char))
                        })?;
                        serde_json::Number::from_f64(v).map_or(Json::Null, Json::Number)
                    }
                }
                b'L' => match raw.first().copied().unwrap_or(b'?') {
                    b'T' | b't' | b'Y' | b'y' => Json::Bool(true),
                    b'F' | b'f' | b'N' | b'n' => Json::Bool(false),
                    _ => Json::Null,
                },
                b'D' => {
                    let s = String::from_utf8_lossy(raw);
                    let s = s.trim();
                    if s.is_empty() || s.bytes().all(|c| c == b'0') {
                        Json::Null
                    } else if s.len() == 8 && s.bytes().all(|c| c.is_ascii_digit()) {
                        Json::String(format!("{}-{}-{}", &s[..4], &s[4..6], &s[6..]))
                    } else {
                        Json::String(s.to_owned())
                    }
                }
                k => {
                    return Err(bad(format!(
                        "unsupported dBASE field type '{}': expected C (text), N or F (number), L (logical) or D (date)",
                        k as char
                    )))
                }
            };
            props.insert(f.name.clone(), v);
        }
        rows.push(Some(props));
    }
    Ok(Table {
        rows,
        encoding: encoding_tag,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sq(x: f64, y: f64, s: f64, cw: bool) -> Ring {
        let mut r = vec![[x, y], [x + s, y], [x + s, y + s], [x, y + s], [x, y]];
        if cw {
            r.reverse();
        }
        r
    }

    /// Two exteriors (clockwise, as Shapefiles store them) and a hole in the second: the hole
    /// joins the second, orientations flip to RFC 7946.
    #[test]
    fn rings_grouped_by_containment() {
        let rings = vec![
            sq(0.0, 0.0, 10.0, true),
            sq(20.0, 0.0, 10.0, true),
            sq(22.0, 2.0, 2.0, false),
        ];
        let p = assemble(rings);
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].len(), 1);
        assert_eq!(p[1].len(), 2);
        assert!(signed_area2(&p[1][0]) > 0.0 && signed_area2(&p[1][1]) < 0.0);
        assert_eq!(ring_bbox(&p[1][1]), [22.0, 2.0, 24.0, 4.0]);
    }

    /// A hole inside an island inside a hole: it belongs to the smallest exterior (the island).
    #[test]
    fn nested_island() {
        let rings = vec![
            sq(0.0, 0.0, 100.0, true),
            sq(10.0, 10.0, 80.0, false),
            sq(20.0, 20.0, 60.0, true),
            sq(30.0, 30.0, 10.0, false),
        ];
        let p = assemble(rings);
        assert_eq!(p.len(), 2);
        assert_eq!(ring_bbox(&p[0][1]), [10.0, 10.0, 90.0, 90.0]);
        assert_eq!(ring_bbox(&p[1][0]), [20.0, 20.0, 80.0, 80.0]);
        assert_eq!(ring_bbox(&p[1][1]), [30.0, 30.0, 40.0, 40.0]);
    }

    /// All rings counter-clockwise (wrongly written): nesting decides.
    #[test]
    fn wrong_orientation_by_depth() {
        let p = assemble(vec![sq(0.0, 0.0, 10.0, false), sq(2.0, 2.0, 2.0, false)]);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].len(), 2);
        // An orphan hole becomes its own polygon.
        let p = assemble(vec![sq(0.0, 0.0, 10.0, true), sq(20.0, 2.0, 2.0, false)]);
        assert_eq!(p.len(), 2);
    }
}
