//! Readers: bytes in, plain records out (lon/lat degrees, property values). No projection and
//! no domain rules here; errors name the file, the feature index or CSV line and the field.

pub mod csv;
pub mod encoding;
pub mod geojson;
pub mod geotiff;
pub mod gpkg;
mod lzw;
pub mod points;
pub mod shapefile;
pub mod vector;
pub mod wkb;
pub mod xlsx;

use crate::error::{Error, Location, Result};
use std::path::Path;

/// How the last-resort guard ([`crate::error::guard`]) begins the message of a panic it caught
/// (the text of [`crate::error::Error::Internal`]; `error::tests` ties the two), so tests can
/// tell a caught panic from an ordinary error.
pub const PANIC_CAUGHT: &str = "internal error while reading";

/// A property value as read: a number, a missing/null value, or text.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Missing property, JSON null or an empty / NA CSV field.
    Null,
    /// A number (or text that reads as one).
    Num(f64),
    /// Text that is not a number.
    Text(String),
}

impl Value {
    /// Reads a CSV field or a JSON string: empty and common "no data" spellings are Null.
    pub fn from_text(s: &str) -> Value {
        let t = s.trim();
        if t.is_empty()
            || matches!(
                t,
                "NA" | "N/A" | "NaN" | "nan" | "null" | "NULL" | "None" | "-"
            )
        {
            return Value::Null;
        }
        match parse_f64(t) {
            Some(v) if v.is_finite() => Value::Num(v),
            _ => Value::Text(t.to_owned()),
        }
    }
}

/// Parses a decimal number. Plain decimals of at most 15 digits (`114.283333`, `-0.5`, `12`)
/// take Clinger's fast path: the digits as an integer (exact below 2⁵³) divided by an exact
/// power of ten, which IEEE division rounds correctly, so the result equals `str::parse`.
/// Anything else (exponents, longer mantissas, `inf`) goes to `str::parse`.
#[inline]
pub fn parse_f64(s: &str) -> Option<f64> {
    const POW10: [f64; 16] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
    ];
    let b = s.as_bytes();
    let (neg, d) = match b.first() {
        Some(b'-') => (true, &b[1..]),
        Some(b'+') => (false, &b[1..]),
        _ => (false, b),
    };
    // The integer digits, then the fraction's: one tight loop each.
    let mut mant: u64 = 0;
    let mut i = 0;
    while let Some(c) = d.get(i).filter(|c| c.is_ascii_digit()) {
        mant = mant.wrapping_mul(10).wrapping_add((c - b'0') as u64);
        i += 1;
    }
    let int_digits = i;
    let mut frac = 0;
    if d.get(i) == Some(&b'.') {
        i += 1;
        let from = i;
        while let Some(c) = d.get(i).filter(|c| c.is_ascii_digit()) {
            mant = mant.wrapping_mul(10).wrapping_add((c - b'0') as u64);
            i += 1;
        }
        frac = i - from;
    }
    let digits = int_digits + frac;
    if i != d.len() || digits == 0 || digits > 15 {
        return s.trim().parse().ok();
    }
    let v = mant as f64 / POW10[frac];
    Some(if neg { -v } else { v })
}

/// Reads a numeric field: `Ok(None)` for null, an error naming the place for text.
pub fn number(
    v: &Value,
    path: &Path,
    loc: Location,
    field: &str,
    what: &str,
) -> Result<Option<f64>> {
    match v {
        Value::Null => Ok(None),
        Value::Num(x) => Ok(Some(*x)),
        Value::Text(t) => Err(Error::input(
            path,
            loc,
            Some(field),
            format!("expected a number ({what}), found \"{}\"", quote(t)),
        )),
    }
}

/// The longest piece of input an error message quotes, in characters.
pub const QUOTE_MAX: usize = 200;

/// Input text as an error quotes it: at most [`QUOTE_MAX`] characters (a broken file can put a
/// megabyte on one "line"), the rest counted.
pub fn quote(s: &str) -> String {
    match s.char_indices().nth(QUOTE_MAX) {
        None => s.to_owned(),
        Some((cut, _)) => format!(
            "{}… ({} more characters)",
            &s[..cut],
            s[cut..].chars().count()
        ),
    }
}

/// Reads a table row's coordinate pair (`x`, `y` as text, in the columns `cols`) as WGS 84
/// lon/lat: parsed, converted from `crs` when given, range-checked. The error names the column
/// that is wrong (the latitude column for a bad latitude).
pub fn table_coords(
    [x, y]: [&str; 2],
    crs: Option<&crate::crs::Crs>,
    path: &Path,
    loc: Location,
    cols: [&str; 2],
) -> Result<[f64; 2]> {
    let parse = |s: &str, col: &str| {
        parse_f64(s.trim()).ok_or_else(|| {
            Error::input(
                path,
                loc.clone(),
                Some(col),
                format!(
                    "expected a coordinate in decimal degrees, found \"{}\"",
                    quote(s)
                ),
            )
        })
    };
    let (x, y) = (parse(x, cols[0])?, parse(y, cols[1])?);
    table_point(x, y, crs).map_err(|m| {
        // Name the latitude column when only the latitude is wrong (and the pair does not look
        // swapped, which the message blames on the longitude column).
        let lat_only = crs.is_none_or(|c| c.is_wgs84_lonlat())
            && (-180.0..=180.0).contains(&x)
            && !(-90.0..=90.0).contains(&y)
            && !((-90.0..=90.0).contains(&x) && (-180.0..=180.0).contains(&y));
        let col = if lat_only || (x.is_finite() && !y.is_finite()) {
            cols[1]
        } else {
            cols[0]
        };
        Error::input(path, loc.clone(), Some(col), m)
    })
}

/// Checks one lon/lat pair; the error hints at swapped axes or projected metres.
pub fn check_lonlat(lon: f64, lat: f64) -> std::result::Result<(), String> {
    if !(lon.is_finite() && lat.is_finite()) {
        return Err(format!("coordinates ({lon}, {lat}) are not finite numbers"));
    }
    if (-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat) {
        return Ok(());
    }
    let mut msg = format!(
        "coordinates ({lon}, {lat}) are out of range: expected WGS 84 longitude in [-180, 180] and latitude in [-90, 90]"
    );
    if (-90.0..=90.0).contains(&lon) && (-180.0..=180.0).contains(&lat) {
        msg.push_str("; they look like latitude, longitude: swap the lon/lat columns (GeoJSON order is longitude first)");
    } else if lon.abs() > 1000.0 || lat.abs() > 1000.0 {
        msg.push_str("; they look like projected metres (e.g. a Gauss-Krüger, UTM or Web Mercator system): name the layer's system with crs = \"EPSG:…\" in its plan section, or convert it to WGS 84 lon/lat");
    }
    Err(msg)
}

/// A table row's coordinates as WGS 84 lon/lat: converted from `crs` when the plan names a
/// system other than WGS 84, then checked as lon/lat (the message says what it was converted
/// from, a hint at a wrong `crs`).
pub fn table_point(
    x: f64,
    y: f64,
    crs: Option<&crate::crs::Crs>,
) -> std::result::Result<[f64; 2], String> {
    match crs {
        Some(c) if !c.is_wgs84_lonlat() => {
            if c.is_geographic() {
                check_lonlat(x, y)?;
            }
            let p = c.to_wgs84([x, y]);
            check_lonlat(p[0], p[1])
                .map_err(|m| format!("({x}, {y}) converted from {}: {m}", c.label()))?;
            Ok(p)
        }
        _ => check_lonlat(x, y).map(|_| [x, y]),
    }
}

/// A lon/lat bounding box `[min_lon, min_lat, max_lon, max_lat]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BBox(pub [f64; 4]);

impl BBox {
    /// An empty box that any point extends.
    pub fn empty() -> BBox {
        BBox([
            f64::INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        ])
    }
    /// Grows the box to hold a point.
    pub fn add(&mut self, x: f64, y: f64) {
        let b = &mut self.0;
        b[0] = b[0].min(x);
        b[1] = b[1].min(y);
        b[2] = b[2].max(x);
        b[3] = b[3].max(y);
    }
    /// Grows the box to hold another box.
    pub fn merge(&mut self, o: &BBox) {
        if !o.is_empty() {
            self.add(o.0[0], o.0[1]);
            self.add(o.0[2], o.0[3]);
        }
    }
    /// True when nothing was added.
    pub fn is_empty(&self) -> bool {
        self.0[0] > self.0[2]
    }
    /// True when the boxes share at least one point.
    pub fn touches(&self, o: &BBox) -> bool {
        !self.is_empty()
            && !o.is_empty()
            && self.0[0] <= o.0[2]
            && o.0[0] <= self.0[2]
            && self.0[1] <= o.0[3]
            && o.0[1] <= self.0[3]
    }
}

impl std::fmt::Display for BBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let b = self.0;
        write!(
            f,
            "lon {:.5}..{:.5}, lat {:.5}..{:.5}",
            b[0], b[2], b[1], b[3]
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lonlat_hints() {
        assert!(check_lonlat(114.3, 30.6).is_ok());
        assert!(check_lonlat(30.6, 114.3).unwrap_err().contains("swap"));
        assert!(check_lonlat(38_500_000.0, 3_380_000.0)
            .unwrap_err()
            .contains("projected metres"));
        assert!(check_lonlat(f64::NAN, 1.0).is_err());
    }

    /// The fast path gives exactly what `str::parse` gives, on seeded random decimals of every
    /// length and on edge cases.
    #[test]
    fn parse_f64_equals_std() {
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let int = x % 1_000_000;
            let dec = (x >> 20) % 10_000_000_000;
            let places = ((x >> 54) % 12) as usize;
            let s = format!(
                "{}{}.{:0places$}",
                if x & 1 == 0 { "-" } else { "" },
                int,
                dec % 10u64.pow(places as u32),
                places = places
            );
            assert_eq!(
                parse_f64(&s).map(f64::to_bits),
                s.parse::<f64>().ok().map(f64::to_bits),
                "{s}"
            );
        }
        for s in [
            "0",
            "-0",
            "1e3",
            "1.5E-2",
            "12345678901234567890",
            "0.0000000000000001",
            ".5",
            "5.",
            "-",
            "",
            "1.2.3",
            "NaN",
            "inf",
            "00012.50",
            "000000000000001.5",
            "123456789012345",
            "1234567890123456",
            "0.123456789012345",
            "+3.25",
            "+",
            "-.5",
            "1.-5",
        ] {
            assert_eq!(
                parse_f64(s).map(f64::to_bits),
                s.parse::<f64>().ok().map(f64::to_bits),
                "{s:?}"
            );
        }
    }

    #[test]
    fn text_values() {
        assert_eq!(Value::from_text(" 12.5 "), Value::Num(12.5));
        assert_eq!(Value::from_text(""), Value::Null);
        assert_eq!(Value::from_text("NA"), Value::Null);
        assert_eq!(Value::from_text("abc"), Value::Text("abc".into()));
    }
}
