//! Reading coordinate systems from WKT: ESRI .prj files (WKT1), OGC WKT1 (GDAL, GeoPackage's
//! `definition`) and WKT2 (GeoPackage's `definition_12_063`, PROJ). One small parser builds the
//! `KEYWORD[arg, …]` tree; [`from_wkt`] then reads the datum and, for projected systems, the
//! method and its parameters, so a transverse Mercator grid works with or without an EPSG code.

use super::tm::TmParams;
use super::{epsg, is_old_chinese, is_wgs84_like, refuse_old_datum, Crs};
use crate::projection::Ellipsoid;

/// One value inside a WKT node.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    /// A quoted string.
    Text(String),
    /// A number.
    Num(f64),
    /// An unquoted word (axis directions, `CS[Cartesian, 2]` …).
    Word(String),
    /// A nested node.
    Node(Node),
}

/// `KEYWORD[values]`.
#[derive(Debug, Clone, PartialEq)]
struct Node {
    key: String,
    args: Vec<Value>,
}

impl Node {
    /// The node's first argument as text (its name).
    fn name(&self) -> &str {
        match self.args.first() {
            Some(Value::Text(s)) | Some(Value::Word(s)) => s,
            _ => "",
        }
    }

    /// The `i`-th argument as a number.
    fn num(&self, i: usize) -> Option<f64> {
        match self.args.get(i) {
            Some(Value::Num(v)) => Some(*v),
            _ => None,
        }
    }

    /// Direct children with one of these keywords (upper case).
    fn children<'a>(&'a self, keys: &'a [&str]) -> impl Iterator<Item = &'a Node> + 'a {
        self.args.iter().filter_map(move |v| match v {
            Value::Node(n) if keys.contains(&n.key.as_str()) => Some(n),
            _ => None,
        })
    }

    /// The first direct child with one of these keywords.
    fn child(&self, keys: &[&str]) -> Option<&Node> {
        self.args.iter().find_map(|v| match v {
            Value::Node(n) if keys.contains(&n.key.as_str()) => Some(n),
            _ => None,
        })
    }

    /// The first node with one of these keywords anywhere below (depth first).
    fn find(&self, keys: &[&str]) -> Option<&Node> {
        for v in &self.args {
            if let Value::Node(n) = v {
                if keys.contains(&n.key.as_str()) {
                    return Some(n);
                }
                if let Some(f) = n.find(keys) {
                    return Some(f);
                }
            }
        }
        None
    }

    /// The node's own EPSG code (`AUTHORITY["EPSG","3879"]` or `ID["EPSG",3879]`).
    fn epsg(&self) -> Option<u32> {
        let id = self.child(&["AUTHORITY", "ID"])?;
        if !id.name().eq_ignore_ascii_case("EPSG") {
            return None;
        }
        match id.args.get(1)? {
            Value::Num(v) if *v >= 0.0 && v.fract() == 0.0 => Some(*v as u32),
            Value::Text(s) => s.trim().parse().ok(),
            _ => None,
        }
    }
}

/// True when `s` starts like a WKT definition.
pub(crate) fn looks_like_wkt(s: &str) -> bool {
    let head: String = s
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect::<String>()
        .to_ascii_uppercase();
    let rest = s.trim_start()[head.len()..].trim_start();
    !head.is_empty() && (rest.starts_with('[') || rest.starts_with('('))
}

/// A tokenizer/parser over the text.
struct Parser<'a> {
    s: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    fn skip_ws(&mut self) {
        while self.pos < self.s.len() && self.s[self.pos].is_ascii_whitespace() {
            self.pos += 1;
        }
    }

    fn err(&self, what: &str) -> String {
        format!("WKT: {what} at character {}", self.pos + 1)
    }

    fn word(&mut self) -> String {
        let start = self.pos;
        while self.pos < self.s.len()
            && (self.s[self.pos].is_ascii_alphanumeric()
                || matches!(self.s[self.pos], b'_' | b'.' | b'+' | b'-'))
        {
            self.pos += 1;
        }
        String::from_utf8_lossy(&self.s[start..self.pos]).into_owned()
    }

    fn node(&mut self, depth: usize) -> Result<Node, String> {
        if depth > 64 {
            return Err(self.err("nesting too deep"));
        }
        self.skip_ws();
        let key = self.word().to_ascii_uppercase();
        if key.is_empty() {
            return Err(self.err("expected a keyword"));
        }
        self.skip_ws();
        let close = match self.s.get(self.pos) {
            Some(b'[') => b']',
            Some(b'(') => b')',
            _ => return Err(self.err(&format!("expected '[' after {key}"))),
        };
        self.pos += 1;
        let mut args = Vec::new();
        loop {
            self.skip_ws();
            match self.s.get(self.pos) {
                None => return Err(self.err(&format!("unclosed {key}["))),
                Some(&c) if c == close && args.is_empty() => {
                    self.pos += 1;
                    break;
                }
                Some(b'"') => args.push(Value::Text(self.string()?)),
                Some(c) if c.is_ascii_digit() || matches!(c, b'-' | b'+' | b'.') => {
                    let w = self.word();
                    let v = w
                        .parse::<f64>()
                        .map_err(|_| self.err(&format!("bad number '{w}'")))?;
                    args.push(Value::Num(v));
                }
                Some(c) if c.is_ascii_alphabetic() || *c == b'_' => {
                    let save = self.pos;
                    let w = self.word();
                    self.skip_ws();
                    if matches!(self.s.get(self.pos), Some(b'[') | Some(b'(')) {
                        self.pos = save;
                        args.push(Value::Node(self.node(depth + 1)?));
                    } else {
                        args.push(Value::Word(w));
                    }
                }
                Some(_) => return Err(self.err("unexpected character")),
            }
            self.skip_ws();
            match self.s.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(&c) if c == close => {
                    self.pos += 1;
                    break;
                }
                _ => return Err(self.err(&format!("expected ',' or the end of {key}[…]"))),
            }
        }
        Ok(Node { key, args })
    }

    fn string(&mut self) -> Result<String, String> {
        self.pos += 1;
        let mut out = Vec::new();
        loop {
            match self.s.get(self.pos) {
                None => return Err(self.err("unclosed string")),
                Some(b'"') if self.s.get(self.pos + 1) == Some(&b'"') => {
                    out.push(b'"');
                    self.pos += 2;
                }
                Some(b'"') => {
                    self.pos += 1;
                    break;
                }
                Some(&c) => {
                    out.push(c);
                    self.pos += 1;
                }
            }
        }
        Ok(String::from_utf8_lossy(&out).into_owned())
    }
}

fn parse(text: &str) -> Result<Node, String> {
    let text = text.trim_start_matches('\u{feff}');
    let mut p = Parser {
        s: text.as_bytes(),
        pos: 0,
    };
    let n = p.node(0)?;
    p.skip_ws();
    if p.pos < p.s.len() {
        return Err(p.err("text after the definition"));
    }
    Ok(n)
}

/// Lower-case letters and digits only ("D_ETRS_1989" → "detrs1989").
fn norm(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

const GEOG: &[&str] = &[
    "GEOGCS",
    "GEOGCRS",
    "GEODCRS",
    "GEOGRAPHICCRS",
    "GEODETICCRS",
    "BASEGEOGCRS",
    "BASEGEODCRS",
];
const PROJ: &[&str] = &["PROJCS", "PROJCRS", "PROJECTEDCRS"];

/// The datum of a geographic node: its short name when treated as WGS 84, or the refusal.
fn datum(geog: &Node, what: &str) -> Result<String, String> {
    let dnode = geog.child(&["DATUM", "TRF", "GEODETICDATUM", "ENSEMBLE"]);
    let dname = dnode.map(|d| d.name().to_string()).unwrap_or_default();
    let spheroid = geog.find(&["SPHEROID", "ELLIPSOID"]);
    let ell = spheroid.and_then(|s| Some(Ellipsoid::from_inverse_flattening(s.num(1)?, s.num(2)?)));
    let (nd, ne) = (
        norm(&dname),
        norm(spheroid.map(|s| s.name()).unwrap_or_default()),
    );
    let gcode = geog.epsg();
    if [
        "beijing",
        "xian",
        "krasovsk",
        "krassowsk",
        "iag1975",
        "iag75",
    ]
    .iter()
    .any(|k| nd.contains(k) || ne.contains(k))
        || ell.as_ref().is_some_and(is_old_chinese)
        || gcode.is_some_and(epsg::is_old_chinese)
    {
        return Err(refuse_old_datum(what));
    }
    if let Some(pm) = geog.child(&["PRIMEM", "PRIMEMERIDIAN"]) {
        if pm.num(1).is_some_and(|v| v != 0.0) {
            return Err(format!(
                "{what}: prime meridian '{}' is not Greenwich; not supported",
                pm.name()
            ));
        }
    }
    let Some(ell) = ell else {
        return Err(format!("{what}: no ellipsoid in the definition"));
    };
    if !is_wgs84_like(&ell) {
        return Err(format!(
            "{what}: datum '{dname}' on ellipsoid '{}' is not supported (carecircle reads \
             WGS 84, CGCS2000, ETRS89 and other GRS 1980 based systems; convert the layer to \
             WGS 84 or CGCS2000 first)",
            spheroid.map(|s| s.name()).unwrap_or_default()
        ));
    }
    Ok(
        if nd.contains("cgcs2000") || nd.contains("china2000") || nd.contains("chinageodetic") {
            "CGCS2000".into()
        } else if nd.contains("etrs") || nd.contains("europeanterrestrial") {
            "ETRS89".into()
        } else if nd.contains("wgs") || nd.contains("worldgeodeticsystem1984") {
            "WGS 84".into()
        } else if dname.is_empty() {
            "GRS 1980 based".into()
        } else {
            format!("{dname}, treated as WGS 84")
        },
    )
}

/// Degrees per angular unit of a geographic node (1 when absent).
fn angle_unit(node: &Node) -> f64 {
    node.find(&["UNIT", "ANGLEUNIT"])
        .and_then(|u| u.num(1))
        .map(|r| r.to_degrees())
        .unwrap_or(1.0)
}

/// A WKT definition to a [`Crs`] (see [`Crs::from_wkt`]).
pub(crate) fn from_wkt(text: &str) -> Result<Crs, String> {
    let root = parse(text)?;
    crs_of(&root)
}

fn crs_of(root: &Node) -> Result<Crs, String> {
    let code = root.epsg();
    let name = root.name().to_string();
    let what = if name.is_empty() {
        "the definition".to_string()
    } else {
        format!("'{name}'")
    };
    if code.is_some_and(epsg::is_old_chinese) {
        return Err(refuse_old_datum(&what));
    }
    match root.key.as_str() {
        // Compound and bound systems: the horizontal / source part.
        "COMPD_CS" | "COMPOUNDCRS" | "BOUNDCRS" => {
            let inner = root
                .args
                .iter()
                .find_map(|v| match v {
                    Value::Node(n)
                        if GEOG.contains(&n.key.as_str()) || PROJ.contains(&n.key.as_str()) =>
                    {
                        Some(n)
                    }
                    Value::Node(n) if n.key == "SOURCECRS" => n.args.iter().find_map(|v| match v {
                        Value::Node(m) => Some(m),
                        _ => None,
                    }),
                    _ => None,
                })
                .ok_or_else(|| format!("{what}: no horizontal system in {}", root.key))?;
            crs_of(inner)
        }
        k if GEOG.contains(&k) => {
            if root.child(&["CS"]).is_some_and(|cs| {
                matches!(cs.args.first(), Some(Value::Word(w)) if w.eq_ignore_ascii_case("cartesian"))
            }) {
                return Err(format!("{what}: geocentric (x, y, z) systems are not supported"));
            }
            let d = datum(root, &what)?;
            let u = angle_unit(root);
            if (u - 1.0).abs() > 1e-9 {
                return Err(format!("{what}: angles must be in degrees"));
            }
            Ok(Crs::lonlat(&d, code, (!name.is_empty()).then_some(name)))
        }
        k if PROJ.contains(&k) => projected(root, code, name, &what),
        k => Err(format!(
            "{what}: '{k}' definitions are not supported (expected a geographic or projected \
             system)"
        )),
    }
}

fn projected(root: &Node, code: Option<u32>, name: String, what: &str) -> Result<Crs, String> {
    let base = root
        .child(GEOG)
        .ok_or_else(|| format!("{what}: no geographic base system"))?;
    let d = datum(base, what)?;
    let deg_per_unit = angle_unit(base);
    // WKT1: PROJECTION[…] and PARAMETER[…] beside it; WKT2: CONVERSION[…, METHOD[…],
    // PARAMETER[…] …].
    let conv = root.child(&["CONVERSION"]).unwrap_or(root);
    let method = conv
        .child(&["PROJECTION", "METHOD", "PROJECTIONMETHOD"])
        .map(|m| m.name().to_string())
        .ok_or_else(|| format!("{what}: no projection method"))?;
    // The projected system's own linear unit (WKT1: UNIT directly under PROJCS; WKT2: the CS
    // axes' LENGTHUNIT).
    let unit_m = root
        .child(&["UNIT", "LENGTHUNIT"])
        .or_else(|| {
            root.children(&["AXIS"])
                .find_map(|a| a.child(&["LENGTHUNIT", "UNIT"]))
        })
        .and_then(|u| u.num(1))
        .unwrap_or(1.0);
    let mut lon0 = None;
    let mut lat0 = 0.0;
    let mut k0 = 1.0;
    let (mut fe, mut fnn) = (0.0, 0.0);
    let mut aux_sphere = None;
    for p in conv.children(&["PARAMETER"]) {
        let Some(v) = p.num(1) else { continue };
        // WKT2 parameters carry their unit; WKT1 ones use the system's units.
        let own = p.child(&["LENGTHUNIT", "ANGLEUNIT", "SCALEUNIT", "UNIT"]);
        let own_factor = own.and_then(|u| u.num(1));
        let length = |v: f64| v * own_factor.unwrap_or(unit_m);
        let angle = |v: f64| match own_factor {
            Some(r) => v * r.to_degrees(),
            None => v * deg_per_unit,
        };
        match norm(p.name()).as_str() {
            "centralmeridian"
            | "longitudeofnaturalorigin"
            | "longitudeoforigin"
            | "longitudeofcenter"
            | "longitudeofprojectioncentre" => lon0 = Some(angle(v)),
            "latitudeoforigin" | "latitudeofnaturalorigin" | "latitudeofcenter" => lat0 = angle(v),
            "scalefactor" | "scalefactoratnaturalorigin" => k0 = v * own_factor.unwrap_or(1.0),
            "falseeasting" => fe = length(v),
            "falsenorthing" => fnn = length(v),
            "auxiliaryspheretype" => aux_sphere = Some(v),
            _ => {}
        }
    }
    let nm = norm(&method);
    let named = (!name.is_empty()).then_some(name.clone());
    let proj4 = root
        .child(&["EXTENSION"])
        .filter(|e| e.name().eq_ignore_ascii_case("PROJ4"))
        .and_then(|e| match e.args.get(1) {
            Some(Value::Text(s)) => Some(s.to_ascii_lowercase()),
            _ => None,
        })
        .unwrap_or_default();
    let web_mercator = nm.contains("pseudomercator")
        || nm.contains("popularvisualisation")
        || (nm.contains("mercatorauxiliarysphere") && aux_sphere.unwrap_or(0.0) == 0.0)
        || (proj4.contains("+proj=merc") && proj4.contains("+b=6378137"))
        || code == Some(3857);
    if web_mercator {
        if fe != 0.0 || fnn != 0.0 || lon0.unwrap_or(0.0) != 0.0 {
            return Err(format!(
                "{what}: Web Mercator with a false origin or central meridian is not supported"
            ));
        }
        return Ok(Crs::web_mercator().named(code.or(Some(3857)), named));
    }
    let is_tm = matches!(
        nm.as_str(),
        "transversemercator" | "gausskruger" | "transversemercatorgausskruger" | "tmerc"
    );
    if !is_tm {
        return Err(format!(
            "{what}: projection '{method}' is not supported (carecircle reads transverse \
             Mercator grids such as UTM and Gauss–Krüger, and Web Mercator)"
        ));
    }
    let Some(lon0) = lon0 else {
        return Err(format!(
            "{what}: transverse Mercator without a central meridian"
        ));
    };
    if !(k0 > 0.0 && unit_m > 0.0) {
        return Err(format!("{what}: scale factor and unit must be positive"));
    }
    let spheroid = base
        .find(&["SPHEROID", "ELLIPSOID"])
        .and_then(|s| Some(Ellipsoid::from_inverse_flattening(s.num(1)?, s.num(2)?)))
        .ok_or_else(|| format!("{what}: no ellipsoid"))?;
    let params = TmParams {
        lon0,
        lat0,
        k0,
        false_easting: fe,
        false_northing: fnn,
        ellipsoid: spheroid,
        unit_m,
    };
    Ok(Crs::transverse_mercator(params, &d).named(code, named))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parser_reads_nesting_strings_and_numbers() {
        let n = parse(r#"A["x ""q""", -1.5e3, B(2), EAST, C[]]"#).unwrap();
        assert_eq!(n.key, "A");
        assert_eq!(n.name(), "x \"q\"");
        assert_eq!(n.num(1), Some(-1500.0));
        assert_eq!(n.child(&["B"]).unwrap().num(0), Some(2.0));
        assert_eq!(n.args[3], Value::Word("EAST".into()));
        assert!(n.child(&["C"]).unwrap().args.is_empty());
    }

    #[test]
    fn parser_errors_say_where() {
        for bad in [
            "PROJCS[\"a\"",
            "GEOGCS[\"a\",]",
            "X",
            "A[\"unclosed]",
            "A[1] trailing",
        ] {
            let e = parse(bad).unwrap_err();
            assert!(e.contains("WKT"), "{bad}: {e}");
        }
        // Deep nesting is an error, not a stack overflow.
        let deep = "A[".repeat(10_000);
        assert!(parse(&deep).is_err());
    }
}
