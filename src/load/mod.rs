//! Readers: bytes in, plain records out (lon/lat degrees, property values). No projection and
//! no domain rules here; errors name the file, the feature index or CSV line and the field.

pub mod csv;
pub mod geojson;

use crate::error::{Error, Location, Result};
use std::path::Path;

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
        match t.parse::<f64>() {
            Ok(v) if v.is_finite() => Value::Num(v),
            _ => Value::Text(t.to_owned()),
        }
    }
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
            format!("expected a number ({what}), found \"{t}\""),
        )),
    }
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
        msg.push_str("; they look like projected metres (e.g. a Gauss-Krüger, UTM or Web Mercator system): convert the layer to WGS 84 lon/lat");
    }
    Err(msg)
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

    #[test]
    fn text_values() {
        assert_eq!(Value::from_text(" 12.5 "), Value::Num(12.5));
        assert_eq!(Value::from_text(""), Value::Null);
        assert_eq!(Value::from_text("NA"), Value::Null);
        assert_eq!(Value::from_text("abc"), Value::Text("abc".into()));
    }
}
