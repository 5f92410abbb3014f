//! Coordinate reference systems of input and output layers, and their conversion to and from
//! WGS 84 lon/lat (everything else in carecircle works from WGS 84 lon/lat).
//!
//! Supported, all in pure Rust:
//! - geographic lon/lat on WGS 84 (EPSG:4326), CGCS2000 (EPSG:4490), ETRS89 (EPSG:4258) and
//!   other datums on the WGS 84 / GRS 1980 ellipsoids;
//! - the Chinese web-map offsets GCJ-02 (Amap, Tencent) and BD-09 (Baidu), see [`china`];
//! - transverse Mercator grids: UTM (EPSG:326xx/327xx, ETRS89 258xx), the CGCS2000
//!   Gauss–Krüger 6° and 3° zones (EPSG:4491–4554), the Finnish TM35FIN (EPSG:3067) and
//!   GK19FIN–GK31FIN (EPSG:3873–3885), and any transverse Mercator read from a WKT definition;
//! - Web Mercator (EPSG:3857).
//!
//! **Datums.** CGCS2000, ETRS89 and other GRS 1980 based datums are treated as WGS 84. CGCS2000
//! and WGS 84 agree to a few centimetres, ETRS89 drifts from WGS 84 by about 2.5 cm a year
//! (about 0.9 m in 2025); for service circles of hundreds of metres that is immaterial.
//! Beijing 1954 (Krasovsky ellipsoid) and Xi'an 1980 (IAG 1975) are refused: converting them
//! to WGS 84 needs local transformation parameters (7 or more) that only the data's surveyors
//! can supply.
//!
//! **Axis order.** Coordinates are always `[x, y]` = `[easting, northing]` or `[lon, lat]`, as
//! Shapefile, GeoPackage and GeoJSON store them, whatever axis order the EPSG definition
//! declares (EPSG:4547 and EPSG:3879 officially list northing first).

pub mod china;
mod epsg;
pub mod tm;
mod wkt;

use crate::projection::Ellipsoid;
use tm::{TmParams, TransverseMercator};

/// WGS 84 sphere radius of Web Mercator (EPSG:3857), metres.
const WEB_MERCATOR_R: f64 = 6_378_137.0;

/// A coordinate reference system a layer can be in.
#[derive(Clone, Debug, PartialEq)]
pub struct Crs {
    kind: Kind,
    /// The EPSG code, when known.
    code: Option<u32>,
    /// The system's name (EPSG's or the WKT's), when known.
    name: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
enum Kind {
    /// Lon/lat degrees on WGS 84 or a datum treated as WGS 84 (its short name).
    LonLat(String),
    /// GCJ-02 lon/lat degrees.
    Gcj02,
    /// BD-09 lon/lat degrees.
    Bd09,
    /// Web Mercator metres.
    WebMercator,
    /// A transverse Mercator grid on a datum treated as WGS 84 (its short name).
    Tm(Box<TransverseMercator>, String),
}

/// The message for Beijing 1954 / Xi'an 1980 definitions.
pub(crate) fn refuse_old_datum(what: &str) -> String {
    format!(
        "{what} uses the Beijing 1954 or Xi'an 1980 datum (Krasovsky / IAG 1975 ellipsoid), \
         which carecircle cannot convert: the shift to WGS 84 / CGCS2000 varies by region \
         (tens to over a hundred metres) and needs local transformation parameters from the \
         data's surveyors. Convert the layer to CGCS2000 (EPSG:4490 or a CGCS2000 \
         Gauss–Krüger zone, EPSG:4491–4554) in your GIS first"
    )
}

/// What [`Crs::parse`] and [`Crs::from_epsg`] accept, for error messages.
pub(crate) const SUPPORTED: &str = "supported: EPSG:4326 (WGS84), EPSG:4490 (CGCS2000), \
     EPSG:4258 (ETRS89), GCJ-02, BD-09, EPSG:4491–4554 (CGCS2000 Gauss–Krüger 6° and 3° \
     zones), UTM EPSG:32601–32660 / 32701–32760, ETRS89 UTM EPSG:25828–25838, \
     EPSG:3067 (TM35FIN), EPSG:3873–3885 (GK19FIN–GK31FIN), EPSG:3857 (Web Mercator), \
     or a WKT / .prj definition";

impl Crs {
    /// WGS 84 lon/lat (EPSG:4326).
    pub fn wgs84() -> Crs {
        Crs {
            kind: Kind::LonLat("WGS 84".into()),
            code: Some(4326),
            name: Some("WGS 84".into()),
        }
    }

    /// GCJ-02 lon/lat (Amap, Tencent).
    pub fn gcj02() -> Crs {
        Crs {
            kind: Kind::Gcj02,
            code: None,
            name: Some("GCJ-02".into()),
        }
    }

    /// BD-09 lon/lat (Baidu).
    pub fn bd09() -> Crs {
        Crs {
            kind: Kind::Bd09,
            code: None,
            name: Some("BD-09".into()),
        }
    }

    /// Web Mercator (EPSG:3857).
    pub fn web_mercator() -> Crs {
        Crs {
            kind: Kind::WebMercator,
            code: Some(3857),
            name: Some("WGS 84 / Pseudo-Mercator".into()),
        }
    }

    /// Lon/lat on a datum treated as WGS 84 (`datum` is its short name, e.g. "CGCS2000").
    pub(crate) fn lonlat(datum: &str, code: Option<u32>, name: Option<String>) -> Crs {
        Crs {
            kind: Kind::LonLat(datum.into()),
            code,
            name,
        }
    }

    /// A transverse Mercator grid on a datum treated as WGS 84 (`datum` is its short name).
    pub fn transverse_mercator(params: TmParams, datum: &str) -> Crs {
        Crs {
            kind: Kind::Tm(Box::new(TransverseMercator::new(params)), datum.into()),
            code: None,
            name: None,
        }
    }

    /// The same system with an EPSG code and a name attached (for labels and output files).
    pub(crate) fn named(mut self, code: Option<u32>, name: Option<String>) -> Crs {
        self.code = code;
        self.name = name;
        self
    }

    /// Plan-file values: "EPSG:4326", "epsg:4490", "WGS84", "CGCS2000", "ETRS89",
    /// "GCJ-02"/"GCJ02"/"gcj02", "BD-09"/"BD09", "Web Mercator", "EPSG:nnnn" (see
    /// [`Crs::from_epsg`]), OGC URNs ("urn:ogc:def:crs:EPSG::3879", "…OGC:1.3:CRS84"), or a
    /// WKT definition (see [`Crs::from_wkt`]). Beijing 1954 / Xi'an 1980 codes are refused with
    /// an explanation; anything unknown is an error naming what is supported.
    pub fn parse(s: &str) -> Result<Crs, String> {
        let t = s.trim();
        let key: String = t
            .chars()
            .filter(|c| !matches!(c, '-' | '_' | ' '))
            .flat_map(char::to_lowercase)
            .collect();
        match key.as_str() {
            "wgs84"
            | "crs84"
            | "ogc:crs84"
            | "urn:ogc:def:crs:ogc:1.3:crs84"
            | "urn:ogc:def:crs:ogc::crs84" => return Ok(Crs::wgs84()),
            "cgcs2000" | "cgcs" => return Crs::from_epsg(4490),
            "etrs89" => return Crs::from_epsg(4258),
            "gcj02" | "gcj" | "amap" | "mars" => return Ok(Crs::gcj02()),
            "bd09" | "bd09ll" | "baidu" => return Ok(Crs::bd09()),
            "bd09mc" | "bd09meter" => {
                return Err(format!(
                    "'{t}' (Baidu Mercator metres) is not supported: use BD-09 lon/lat; {SUPPORTED}"
                ))
            }
            "webmercator" | "pseudomercator" => return Ok(Crs::web_mercator()),
            _ => {}
        }
        for prefix in [
            "urn:ogc:def:crs:epsg::",
            "urn:ogc:def:crs:epsg:",
            "epsg::",
            "epsg:",
        ] {
            if let Some(rest) = key.strip_prefix(prefix) {
                // "urn:ogc:def:crs:EPSG:6.6:4326" carries a version before the code.
                let code = rest.rsplit(':').next().unwrap_or(rest);
                return match code.parse::<u32>() {
                    Ok(c) => Crs::from_epsg(c),
                    Err(_) => Err(format!("'{t}': '{code}' is not an EPSG code; {SUPPORTED}")),
                };
            }
        }
        if let Ok(c) = key.parse::<u32>() {
            return Crs::from_epsg(c);
        }
        if wkt::looks_like_wkt(t) {
            return Crs::from_wkt(t);
        }
        Err(format!("unknown coordinate system '{t}'; {SUPPORTED}"))
    }

    /// The system with this EPSG code (see [`Crs::parse`] for the list).
    pub fn from_epsg(code: u32) -> Result<Crs, String> {
        epsg::from_epsg(code)
    }

    /// A system from its WKT definition: an ESRI .prj (WKT1), OGC WKT1 or WKT2 (as GeoPackage
    /// stores them). Transverse Mercator grids are read from their parameters (central
    /// meridian, scale factor, false easting/northing, latitude of origin, ellipsoid, linear
    /// unit), with or without an EPSG code; geographic WGS 84, CGCS2000, ETRS89 and other
    /// GRS 1980 based systems are lon/lat; Web Mercator is recognised. Beijing 1954 / Xi'an
    /// 1980 are refused with an explanation; anything else is an error.
    pub fn from_wkt(text: &str) -> Result<Crs, String> {
        wkt::from_wkt(text)
    }

    /// The EPSG code, when known.
    pub fn epsg(&self) -> Option<u32> {
        self.code
    }

    /// Short human label for reports, e.g. "EPSG:3879 (ETRS89 / GK25FIN)" or
    /// "Transverse Mercator, central meridian 25°, k 1, false easting 25 500 000 m (GRS 1980)".
    pub fn label(&self) -> String {
        match (&self.code, &self.name, &self.kind) {
            (Some(c), Some(n), _) => format!("EPSG:{c} ({n})"),
            (Some(c), None, _) => format!("EPSG:{c}"),
            (None, _, Kind::Gcj02) => "GCJ-02 (Amap/Tencent lon/lat)".into(),
            (None, _, Kind::Bd09) => "BD-09 (Baidu lon/lat)".into(),
            (None, _, Kind::Tm(tm, datum)) => {
                let p = tm.params();
                let mut s = format!(
                    "Transverse Mercator, central meridian {}°, k {}, false easting {} m",
                    num(p.lon0),
                    num(p.k0),
                    grouped(p.false_easting)
                );
                if p.false_northing != 0.0 {
                    s += &format!(", false northing {} m", grouped(p.false_northing));
                }
                if p.lat0 != 0.0 {
                    s += &format!(", latitude of origin {}°", num(p.lat0));
                }
                if p.unit_m != 1.0 {
                    s += &format!(", unit {} m", num(p.unit_m));
                }
                let ell = ellipsoid_name(&p.ellipsoid);
                if let Some(n) = &self.name {
                    format!("{n}: {s} ({datum}, {ell})")
                } else {
                    format!("{s} ({datum}, {ell})")
                }
            }
            (None, Some(n), _) => n.clone(),
            (None, None, Kind::LonLat(d)) => format!("{d} lon/lat"),
            (None, None, Kind::WebMercator) => "Web Mercator".into(),
        }
    }

    /// True when coordinates are already WGS 84 lon/lat (4326, 4490, 4258 …): no transform.
    pub fn is_wgs84_lonlat(&self) -> bool {
        matches!(self.kind, Kind::LonLat(_))
    }

    /// True when x/y are degrees (WGS 84, CGCS2000, GCJ-02, BD-09).
    pub fn is_geographic(&self) -> bool {
        matches!(self.kind, Kind::LonLat(_) | Kind::Gcj02 | Kind::Bd09)
    }

    /// Layer coordinates to WGS 84 `[lon, lat]`.
    pub fn to_wgs84(&self, xy: [f64; 2]) -> [f64; 2] {
        match &self.kind {
            Kind::LonLat(_) => xy,
            Kind::Gcj02 => china::gcj02_to_wgs84(xy),
            Kind::Bd09 => china::bd09_to_wgs84(xy),
            Kind::WebMercator => [
                (xy[0] / WEB_MERCATOR_R).to_degrees(),
                (xy[1] / WEB_MERCATOR_R).sinh().atan().to_degrees(),
            ],
            Kind::Tm(tm, _) => tm.inverse(xy),
        }
    }

    /// WGS 84 `[lon, lat]` to layer coordinates.
    pub fn from_wgs84(&self, lonlat: [f64; 2]) -> [f64; 2] {
        match &self.kind {
            Kind::LonLat(_) => lonlat,
            Kind::Gcj02 => china::wgs84_to_gcj02(lonlat),
            Kind::Bd09 => china::wgs84_to_bd09(lonlat),
            Kind::WebMercator => [
                WEB_MERCATOR_R * lonlat[0].to_radians(),
                WEB_MERCATOR_R * lonlat[1].to_radians().tan().asinh(),
            ],
            Kind::Tm(tm, _) => tm.forward(lonlat),
        }
    }
}

/// WGS 84 lon/lat, the default of every layer and output (RFC 7946).
impl Default for Crs {
    fn default() -> Crs {
        Crs::wgs84()
    }
}

impl std::fmt::Display for Crs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.label())
    }
}

/// A number without needless decimals ("25", "0.9996").
fn num(v: f64) -> String {
    let s = format!("{v:.10}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Metres with thin spaces between thousands ("25 500 000"), whole metres unless fractional.
fn grouped(v: f64) -> String {
    let s = num(v.abs());
    let (int, frac) = s.split_once('.').unwrap_or((&s, ""));
    let mut out = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(' ');
        }
        out.push(c);
    }
    if !frac.is_empty() {
        out.push('.');
        out.push_str(frac);
    }
    if v < 0.0 {
        format!("-{out}")
    } else {
        out
    }
}

/// The usual name of an ellipsoid, or its constants.
fn ellipsoid_name(e: &Ellipsoid) -> String {
    if one_of(e, &[Ellipsoid::GRS80]) {
        "GRS 1980".into()
    } else if one_of(e, &[Ellipsoid::WGS84]) {
        "WGS 84 ellipsoid".into()
    } else {
        format!("ellipsoid a {} m, 1/f {}", num(e.a), num(1.0 / e.f))
    }
}

/// True when `e` is one of `list` (to 1 mm in `a` and 1e-6 in 1/f).
fn one_of(e: &Ellipsoid, list: &[Ellipsoid]) -> bool {
    list.iter()
        .any(|o| (e.a - o.a).abs() < 1e-3 && (1.0 / e.f - 1.0 / o.f).abs() < 1e-6)
}

/// True when an ellipsoid is WGS 84 or GRS 1980 (the ones whose datums we treat as WGS 84).
pub(crate) fn is_wgs84_like(e: &Ellipsoid) -> bool {
    one_of(e, &[Ellipsoid::WGS84, Ellipsoid::GRS80])
}

/// True when an ellipsoid is Krasovsky 1940 or IAG 1975 (Beijing 1954, Xi'an 1980).
pub(crate) fn is_old_chinese(e: &Ellipsoid) -> bool {
    one_of(e, &[Ellipsoid::KRASOVSKY_1940, Ellipsoid::IAG_1975])
}

#[cfg(test)]
mod tests;
