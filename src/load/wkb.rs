//! Well-known binary (WKB) geometries, as GeoPackage stores them after its own header.
//!
//! Reads Point, Polygon, MultiPoint and MultiPolygon in 2D, Z, M and ZM, with ISO type codes
//! (1003 = Polygon Z, 2003 = Polygon M, 3003 = Polygon ZM) and EWKB flags (0x80000000 Z,
//! 0x40000000 M, 0x20000000 an SRID follows), either byte order. Only x and y are kept.
//! A MultiPoint with one point is a Point; empty geometries are `None`.

use super::geojson::{Geometry, Polygon, Ring};

/// WKB type names by base code, for messages.
fn type_name(base: u32) -> &'static str {
    match base {
        1 => "Point",
        2 => "LineString",
        3 => "Polygon",
        4 => "MultiPoint",
        5 => "MultiLineString",
        6 => "MultiPolygon",
        7 => "GeometryCollection",
        8 => "CircularString",
        9 => "CompoundCurve",
        10 => "CurvePolygon",
        11 => "MultiCurve",
        12 => "MultiSurface",
        15 => "PolyhedralSurface",
        16 => "TIN",
        17 => "Triangle",
        _ => "unknown",
    }
}

/// A cursor over WKB bytes.
struct Reader<'a> {
    b: &'a [u8],
    pos: usize,
}

/// One geometry header: base type, coordinates per point, byte order.
struct Header {
    base: u32,
    dims: usize,
    le: bool,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.b.len());
        match end {
            Some(e) => {
                let s = &self.b[self.pos..e];
                self.pos = e;
                Ok(s)
            }
            None => Err(format!(
                "truncated WKB: needs {n} more bytes at offset {}, the blob has {}",
                self.pos,
                self.b.len()
            )),
        }
    }

    fn u32(&mut self, le: bool) -> Result<u32, String> {
        let a: [u8; 4] = self.take(4)?.try_into().expect("4 bytes");
        Ok(if le {
            u32::from_le_bytes(a)
        } else {
            u32::from_be_bytes(a)
        })
    }

    fn f64(&mut self, le: bool) -> Result<f64, String> {
        let a: [u8; 8] = self.take(8)?.try_into().expect("8 bytes");
        Ok(if le {
            f64::from_le_bytes(a)
        } else {
            f64::from_be_bytes(a)
        })
    }

    /// A count, checked against the bytes left (`min_size` bytes per item) so that a corrupt
    /// count cannot make us allocate gigabytes.
    fn count(&mut self, le: bool, min_size: usize, what: &str) -> Result<usize, String> {
        let n = self.u32(le)? as usize;
        let left = self.b.len() - self.pos;
        if n.saturating_mul(min_size) > left {
            return Err(format!(
                "truncated WKB: {n} {what} announced, only {left} bytes left"
            ));
        }
        Ok(n)
    }

    fn header(&mut self) -> Result<Header, String> {
        let le = match self.take(1)?[0] {
            0 => false,
            1 => true,
            o => return Err(format!("bad WKB byte-order byte {o} (expected 0 or 1)")),
        };
        let code = self.u32(le)?;
        let (mut z, mut m) = (code & 0x8000_0000 != 0, code & 0x4000_0000 != 0);
        if code & 0x2000_0000 != 0 {
            self.u32(le)?; // EWKB SRID
        }
        let iso = code & 0x0FFF_FFFF;
        let base = iso % 1000;
        match iso / 1000 {
            0 => {}
            1 => z = true,
            2 => m = true,
            3 => (z, m) = (true, true),
            _ => return Err(format!("unknown WKB geometry type code {code}")),
        }
        Ok(Header {
            base,
            dims: 2 + z as usize + m as usize,
            le,
        })
    }

    fn point(&mut self, h: &Header) -> Result<[f64; 2], String> {
        let x = self.f64(h.le)?;
        let y = self.f64(h.le)?;
        for _ in 2..h.dims {
            self.f64(h.le)?;
        }
        Ok([x, y])
    }

    fn polygon(&mut self, h: &Header) -> Result<Polygon, String> {
        let n_rings = self.count(h.le, 4, "rings")?;
        let mut rings = Vec::with_capacity(n_rings);
        for _ in 0..n_rings {
            let n = self.count(h.le, 8 * h.dims, "points")?;
            let ring: Ring = (0..n).map(|_| self.point(h)).collect::<Result<_, _>>()?;
            rings.push(ring);
        }
        Ok(rings)
    }

    /// A member of a Multi* geometry: its own header, which must be of `want` type.
    fn member(&mut self, want: u32) -> Result<Header, String> {
        let h = self.header()?;
        if h.base != want {
            return Err(format!(
                "a multi-geometry member is a {}, expected a {}",
                type_name(h.base),
                type_name(want)
            ));
        }
        Ok(h)
    }
}

/// Parses one WKB geometry; `Ok(None)` for an empty one. Errors say what is wrong (the caller
/// adds file, feature and field).
pub fn parse(bytes: &[u8]) -> Result<Option<Geometry>, String> {
    let mut r = Reader { b: bytes, pos: 0 };
    let h = r.header()?;
    let g = match h.base {
        1 => {
            let p = r.point(&h)?;
            // An empty point is written as NaN coordinates.
            (!(p[0].is_nan() && p[1].is_nan())).then_some(Geometry::Point(p))
        }
        3 => {
            let p = r.polygon(&h)?;
            (!p.is_empty()).then(|| Geometry::Polygons(vec![p]))
        }
        4 => {
            let n = r.count(h.le, 21, "points")?;
            let mut pts = Vec::with_capacity(n);
            for _ in 0..n {
                let mh = r.member(1)?;
                let p = r.point(&mh)?;
                if !(p[0].is_nan() && p[1].is_nan()) {
                    pts.push(p);
                }
            }
            match pts.len() {
                0 => None,
                1 => Some(Geometry::Point(pts[0])),
                k => {
                    return Err(format!(
                        "a MultiPoint with {k} points: expected one point per feature"
                    ))
                }
            }
        }
        6 => {
            let n = r.count(h.le, 9, "polygons")?;
            let mut polys = Vec::with_capacity(n);
            for _ in 0..n {
                let mh = r.member(3)?;
                let p = r.polygon(&mh)?;
                if !p.is_empty() {
                    polys.push(p);
                }
            }
            (!polys.is_empty()).then_some(Geometry::Polygons(polys))
        }
        b => {
            return Err(format!(
                "unsupported geometry type {} (WKB code {b}): expected Point, Polygon, MultiPoint or MultiPolygon",
                type_name(b)
            ))
        }
    };
    Ok(g)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A tiny WKB writer for tests: `code` is written verbatim.
    pub(crate) fn wkb_polygon(
        le: bool,
        code: u32,
        dims: usize,
        rings: &[Vec<[f64; 2]>],
    ) -> Vec<u8> {
        let mut b = vec![le as u8];
        let u =
            |b: &mut Vec<u8>, v: u32| b.extend(if le { v.to_le_bytes() } else { v.to_be_bytes() });
        let f =
            |b: &mut Vec<u8>, v: f64| b.extend(if le { v.to_le_bytes() } else { v.to_be_bytes() });
        u(&mut b, code);
        u(&mut b, rings.len() as u32);
        for r in rings {
            u(&mut b, r.len() as u32);
            for p in r {
                f(&mut b, p[0]);
                f(&mut b, p[1]);
                for k in 2..dims {
                    f(&mut b, k as f64 * 100.0);
                }
            }
        }
        b
    }

    fn square() -> Vec<[f64; 2]> {
        vec![[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [0.0, 0.0]]
    }

    /// The same polygon in every byte order and Z/M flavour (ISO and EWKB codes) reads the
    /// same x/y.
    #[test]
    fn polygon_variants() {
        let want = Some(Geometry::Polygons(vec![vec![square()]]));
        for le in [true, false] {
            for (code, dims) in [
                (3, 2),
                (1003, 3),
                (2003, 3),
                (3003, 4),
                (0x8000_0003, 3),
                (0x4000_0003, 3),
                (0xC000_0003, 4),
            ] {
                let b = wkb_polygon(le, code, dims, &[square()]);
                assert_eq!(parse(&b).unwrap(), want, "code {code:#x} le {le}");
            }
        }
    }

    #[test]
    fn ewkb_srid_and_multipoint() {
        // EWKB point with SRID 4326, big endian.
        let mut b = vec![0u8];
        b.extend(0x2000_0001u32.to_be_bytes());
        b.extend(4326u32.to_be_bytes());
        b.extend(114.5f64.to_be_bytes());
        b.extend(30.5f64.to_be_bytes());
        assert_eq!(parse(&b).unwrap(), Some(Geometry::Point([114.5, 30.5])));
        // MultiPoint Z with one member.
        let mut m = vec![1u8];
        m.extend(1004u32.to_le_bytes());
        m.extend(1u32.to_le_bytes());
        m.push(1);
        m.extend(1001u32.to_le_bytes());
        for v in [1.0f64, 2.0, 3.0] {
            m.extend(v.to_le_bytes());
        }
        assert_eq!(parse(&m).unwrap(), Some(Geometry::Point([1.0, 2.0])));
    }

    #[test]
    fn errors() {
        let mut line = vec![1u8];
        line.extend(2u32.to_le_bytes());
        line.extend(0u32.to_le_bytes());
        assert!(parse(&line).unwrap_err().contains("LineString"));
        let b = wkb_polygon(true, 3, 2, &[square()]);
        assert!(parse(&b[..b.len() - 3]).unwrap_err().contains("truncated"));
        // A huge ring count must not allocate.
        let mut huge = vec![1u8];
        huge.extend(3u32.to_le_bytes());
        huge.extend(u32::MAX.to_le_bytes());
        assert!(parse(&huge).unwrap_err().contains("truncated"));
        assert!(parse(&[7]).unwrap_err().contains("byte-order"));
    }
}
