//! `carecircle init`: a starter plan from the files a planner has.
//!
//! Each file (or each file of a folder) is read as `analyze` would read it and given a role by
//! its geometry and fields: **areas** (polygons with a name-like field), **population** (GeoTIFF
//! rasters, or polygons/points with numeric population-like fields) or **facilities** (points
//! with a kind-like field). Fields are picked by name (English and Chinese: 编码, 名称, 人口,
//! 类型, 床位, 经度/纬度 …) and then by content (unique values → id, few distinct texts → kind,
//! numbers → population or capacity). Coordinate systems are decided as `validate` decides them
//! ([`crate::load::vector::decide_crs`], and the GCJ-02 / BD-09 hint of
//! [`crate::validate::datum_hints`] measured on the data). A built-in standard is offered: a
//! district preset whose unit list matches the areas, else `gb50180`, with its kinds mapped to
//! the facility kinds that look like them.
//!
//! The result is plan text in which every guess carries a `# GUESS: …, check` comment, and that
//! [`crate::Plan::parse`] accepts as written (checked before it is returned). Nothing is
//! written here: the CLI writes the text, and never over an existing file.

use crate::error::{Error, Location, Result};
use crate::load::{self, geojson, vector, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// A starter plan.
#[derive(Debug, Clone)]
pub struct Init {
    /// The plan file's text (TOML with comments).
    pub text: String,
    /// What was recognised and decided, one line each, for the planner to read.
    pub findings: Vec<String>,
}

/// What a layer is for in the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Streets/towns: `[areas]`.
    Areas,
    /// Population cells: `[population]`.
    Population,
    /// Facility points: `[[facilities]]`.
    Facilities,
}

/// The geometry of a layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Polygons,
    Points,
    Raster,
}

/// One input file, read.
#[derive(Debug)]
struct Layer {
    path: PathBuf,
    format: &'static str,
    shape: Shape,
    /// Feature/row count (pixels are not counted for rasters).
    n: usize,
    /// Properties or table columns with their values, in file order.
    columns: Vec<(String, Vec<Value>)>,
    /// Coordinate columns of a table (lon, lat).
    lonlat: Option<(String, String)>,
    /// `crs = …` the plan must carry (a guess), when the file does not say.
    crs: Option<String>,
    /// How the coordinate system was decided.
    crs_note: String,
}

/// Field names that say what a field holds, lower case. ASCII words match a whole name or one
/// of its `_`/`-`/space-separated words; Chinese words match anywhere in the name.
const ID_WORDS: &[&str] = &[
    "id",
    "code",
    "adcode",
    "gb",
    "编码",
    "代码",
    "行政区划代码",
    "区划代码",
    "编号",
];
const NAME_WORDS: &[&str] = &[
    "name", "nimi", "名称", "名字", "街道", "乡镇", "street", "town", "township",
];
const KIND_WORDS: &[&str] = &[
    "kind", "type", "category", "class", "amenity", "类型", "类别", "种类", "分类",
];
const CAPACITY_WORDS: &[&str] = &[
    "capacity",
    "beds",
    "bed",
    "slots",
    "places",
    "床位",
    "床位数",
    "容量",
    "托位",
];
const POP_WORDS: &[&str] = &[
    "pop",
    "population",
    "total",
    "count",
    "elderly",
    "人口",
    "老年",
    "岁",
    "以上",
    "常住",
];
const LON_WORDS: &[&str] = &["lon", "lng", "long", "longitude", "x", "经度"];
const LAT_WORDS: &[&str] = &["lat", "latitude", "y", "纬度"];

/// True when field `name` says one of `words`.
fn says(name: &str, words: &[&str]) -> bool {
    let n = name.trim().to_lowercase();
    let parts: Vec<&str> = n.split(['_', '-', ' ', '.']).collect();
    words.iter().any(|w| {
        if w.is_ascii() {
            n == *w || parts.contains(w)
        } else {
            n.contains(w)
        }
    })
}

/// Per-column facts used to pick fields by content.
struct Stats {
    non_null: usize,
    numeric: usize,
    distinct: usize,
    all_digits: bool,
}

fn stats(values: &[Value]) -> Stats {
    let mut seen = BTreeSet::new();
    let (mut non_null, mut numeric, mut all_digits) = (0, 0, true);
    for v in values {
        match v {
            Value::Null => continue,
            Value::Num(x) => {
                numeric += 1;
                all_digits &= x.fract() == 0.0 && *x >= 0.0;
                seen.insert(format!("{x}"));
            }
            Value::Text(t) => {
                all_digits &= t.bytes().all(|b| b.is_ascii_digit());
                seen.insert(t.clone());
            }
        }
        non_null += 1;
    }
    Stats {
        non_null,
        numeric,
        distinct: seen.len(),
        all_digits: all_digits && non_null > 0,
    }
}

impl Layer {
    fn col(&self, name: &str) -> Option<&[Value]> {
        self.columns
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| &v[..])
    }

    /// Columns that are not coordinates.
    fn fields(&self) -> impl Iterator<Item = (&str, &[Value])> {
        self.columns
            .iter()
            .filter(move |(n, _)| self.lonlat.as_ref().is_none_or(|(x, y)| n != x && n != y))
            .map(|(n, v)| (n.as_str(), &v[..]))
    }

    fn is_numeric(&self, v: &[Value]) -> bool {
        let s = stats(v);
        s.non_null > 0 && s.numeric * 10 >= s.non_null * 9
    }

    /// Every feature has a value and no two share one.
    fn is_unique(&self, v: &[Value]) -> bool {
        let s = stats(v);
        s.non_null == self.n && s.distinct == self.n && self.n > 0
    }

    /// Text (not numbers), one distinct value for most features.
    fn is_name_like(&self, v: &[Value]) -> bool {
        let s = stats(v);
        s.non_null > 0 && s.numeric == 0 && !s.all_digits && s.distinct * 5 >= self.n * 4
    }

    /// Text with few distinct values that repeat.
    fn is_kind_like(&self, v: &[Value]) -> bool {
        let s = stats(v);
        s.non_null > 0
            && s.numeric * 2 < s.non_null
            && s.distinct <= 40
            && s.distinct * 2 <= s.non_null.max(2)
    }

    /// The first field that says `words` and passes `ok`, else (with `content`) the first
    /// field passing `ok`; with "by name" or "by content" for the guess comment.
    fn pick(
        &self,
        words: &[&str],
        ok: &dyn Fn(&Layer, &[Value]) -> bool,
        content: bool,
        not: &[&str],
    ) -> Option<(String, &'static str)> {
        let free = |n: &str| !not.contains(&n);
        self.fields()
            .find(|(n, v)| free(n) && says(n, words) && ok(self, v))
            .map(|(n, _)| (n.to_owned(), "by name"))
            .or_else(|| {
                content
                    .then(|| {
                        self.fields()
                            .find(|(n, v)| free(n) && ok(self, v))
                            .map(|(n, _)| (n.to_owned(), "by content"))
                    })
                    .flatten()
            })
    }

    fn name_field(&self, not: &[&str]) -> Option<(String, &'static str)> {
        self.pick(NAME_WORDS, &|l, v| l.is_name_like(v), true, not)
    }

    fn kind_field(&self, content: bool) -> Option<(String, &'static str)> {
        self.pick(
            KIND_WORDS,
            &|l, v| l.is_kind_like(v) && !l.is_numeric(v),
            content,
            &[],
        )
    }

    fn id_field(&self, content: bool) -> Option<(String, &'static str)> {
        self.pick(ID_WORDS, &|l, v| l.is_unique(v), content, &[])
    }

    /// Numeric fields that say population, else (with `content`) every numeric non-id field.
    fn population_fields(&self, content: bool) -> Vec<String> {
        let id = self.id_field(false).map(|f| f.0);
        let numeric: Vec<&str> = self
            .fields()
            .filter(|(n, v)| Some(*n) != id.as_deref() && self.is_numeric(v))
            .map(|(n, _)| n)
            .collect();
        let named: Vec<String> = numeric
            .iter()
            .filter(|n| says(n, POP_WORDS) || age_band(n).is_some())
            .map(|n| n.to_string())
            .collect();
        if !named.is_empty() || !content {
            return named;
        }
        numeric
            .into_iter()
            .filter(|n| !says(n, ID_WORDS))
            .map(str::to_owned)
            .collect()
    }

    fn role(&self) -> Option<Role> {
        match self.shape {
            Shape::Raster => Some(Role::Population),
            Shape::Polygons if self.name_field(&[]).is_some() => Some(Role::Areas),
            Shape::Polygons => {
                (!self.population_fields(true).is_empty()).then_some(Role::Population)
            }
            Shape::Points => {
                if self.kind_field(false).is_some() {
                    Some(Role::Facilities)
                } else if !self.population_fields(false).is_empty() {
                    Some(Role::Population)
                } else if self.kind_field(true).is_some() {
                    Some(Role::Facilities)
                } else {
                    (!self.population_fields(true).is_empty()).then_some(Role::Population)
                }
            }
        }
    }
}

/// An age band a field or file name states: (from, to) years, `to` `None` for "and over"
/// (`pop_60_69` → (60, 69), `pop_80plus`, `60岁以上` → (80, None), (60, None); `老年人口` →
/// (60, None); `pop_60_f_wuhan` → (60, Some(64)), a 5-year band).
fn age_band(name: &str) -> Option<(u32, Option<u32>)> {
    let n = name.to_lowercase();
    if n.contains("老年") || n.contains("elderly") {
        return Some((60, None));
    }
    if n.contains("婴幼儿") || n.contains("infant") {
        return Some((0, Some(3)));
    }
    let nums: Vec<u32> = n
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty() && s.len() <= 3)
        .filter_map(|s| s.parse().ok())
        .filter(|&x| x <= 120)
        .collect();
    let from = *nums.first()?;
    let open = ["plus", "+", "以上", "over", "above"]
        .iter()
        .any(|w| n.contains(w));
    match (open, nums.get(1)) {
        (true, _) => Some((from, None)),
        (false, Some(&to)) if to > from => Some((from, Some(to))),
        // One number and nothing else: a 5-year band as WorldPop names them (the last one open).
        (false, _) if from >= 80 => Some((from, None)),
        (false, _) => Some((from, Some(from + 4))),
    }
}

/// Population groups from field (or file) names: `total`, `elderly` (60+), `oldest` (80+),
/// `infants` (0–3); with a note on each.
fn groups_from(fields: &[String]) -> Vec<(String, Vec<String>, String)> {
    let mut groups: Vec<(String, Vec<String>, String)> = Vec::new();
    let total = fields.iter().find(|f| {
        let l = f.to_lowercase();
        age_band(f).is_none()
            && (says(f, &["total", "all", "pop", "population", "count"])
                || l.contains("总")
                || l.contains("人口")
                || l.contains("合计"))
    });
    if let Some(t) = total {
        groups.push((
            "total".into(),
            vec![t.clone()],
            format!("'{t}' reads as the total population"),
        ));
    }
    let bands: Vec<(&String, (u32, Option<u32>))> = fields
        .iter()
        .filter_map(|f| age_band(f).map(|b| (f, b)))
        .collect();
    for (group, from, what) in [("elderly", 60, "60+"), ("oldest", 80, "80+")] {
        let open: Vec<String> = bands
            .iter()
            .filter(|(_, b)| *b == (from, None))
            .map(|(f, _)| f.to_string())
            .collect();
        let summed: Vec<String> = bands
            .iter()
            .filter(|(_, b)| b.0 >= from)
            .map(|(f, _)| f.to_string())
            .collect();
        let starts_at = bands.iter().any(|(_, b)| b.0 == from);
        let (chosen, note) = if open.len() == 1 {
            (
                open,
                format!(
                    "'{}' reads as people aged {what}",
                    bands
                        .iter()
                        .find(|(_, b)| *b == (from, None))
                        .map(|(f, _)| f.as_str())
                        .unwrap_or_default()
                ),
            )
        } else if starts_at && !summed.is_empty() {
            let note = format!("the age bands from {from} up summed as people aged {what}");
            (summed, note)
        } else {
            continue;
        };
        if groups.iter().any(|(_, f, _)| *f == chosen) {
            continue;
        }
        groups.push((group.into(), chosen, note));
    }
    if let Some((f, _)) = bands.iter().find(|(_, b)| *b == (0, Some(3))) {
        groups.push((
            "infants".into(),
            vec![f.to_string()],
            format!("'{f}' reads as children under 3"),
        ));
    }
    if groups.is_empty() {
        if let Some(f) = fields.first() {
            groups.push((
                "total".into(),
                vec![f.clone()],
                format!("no field says which ages it counts: '{f}' taken as the total"),
            ));
        }
    }
    groups
}

/// Files beside a layer that belong to it, and names that are not data.
fn skipped(path: &Path) -> bool {
    let ext = ext(path);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    matches!(
        ext.as_str(),
        "shx"
            | "dbf"
            | "prj"
            | "cpg"
            | "qix"
            | "sbn"
            | "sbx"
            | "xml"
            | "md"
            | "toml"
            | "txt"
            | "pdf"
            | "docx"
            | "doc"
            | "py"
            | "sh"
            | "aux"
            | "ovr"
            | "pbf"
            | "html"
            | "zip"
    ) || name.starts_with('.')
        || name.ends_with(".aux.xml")
}

fn ext(path: &Path) -> String {
    path.extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default()
}

/// The files to read: folders listed (one level, sorted), files as given.
fn expand(inputs: &[PathBuf], findings: &mut Vec<String>) -> Result<(Vec<PathBuf>, Vec<PathBuf>)> {
    let mut files = Vec::new();
    let mut networks = Vec::new();
    for p in inputs {
        let meta = std::fs::metadata(p).map_err(|e| Error::Io {
            path: p.clone(),
            err: e,
        })?;
        if meta.is_dir() {
            let mut entries: Vec<PathBuf> = std::fs::read_dir(p)
                .map_err(|e| Error::Io {
                    path: p.clone(),
                    err: e,
                })?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|e| e.is_file())
                .collect();
            entries.sort();
            for e in entries {
                if e.to_string_lossy().ends_with(".osm.pbf") {
                    networks.push(e);
                } else if skipped(&e) {
                    continue;
                } else if is_data(&e) {
                    files.push(e);
                } else {
                    findings.push(format!(
                        "{}: not a layer carecircle reads (by its extension), skipped",
                        e.display()
                    ));
                }
            }
        } else if p.to_string_lossy().ends_with(".osm.pbf") {
            networks.push(p.clone());
        } else if is_data(p) {
            files.push(p.clone());
        } else {
            return Err(Error::input(
                p,
                Location::File,
                None,
                "not a layer carecircle reads: expected a GeoJSON, Shapefile (.shp), GeoPackage, CSV, Excel or GeoTIFF file (or a folder of them)",
            ));
        }
    }
    Ok((files, networks))
}

fn is_data(p: &Path) -> bool {
    vector::EXTENSIONS.contains(&ext(p).as_str())
        || crate::plan::is_csv(p) && ext(p) != "txt"
        || crate::plan::is_xlsx(p)
        || crate::plan::is_tiff(p)
}

/// Reads one file and decides its coordinate system.
fn read(path: &Path) -> Result<Layer> {
    if crate::plan::is_tiff(path) {
        let info = load::geotiff::info(path)?;
        let crs_note = match info.epsg {
            Some(4326) | None => "WGS 84 (the GeoTIFF's GeoKeys)".to_string(),
            Some(c) => format!("EPSG:{c} (the GeoTIFF's GeoKeys)"),
        };
        return Ok(Layer {
            path: path.to_owned(),
            format: "GeoTIFF",
            shape: Shape::Raster,
            n: 0,
            columns: Vec::new(),
            lonlat: None,
            crs: None,
            crs_note,
        });
    }
    if crate::plan::is_csv(path) || crate::plan::is_xlsx(path) {
        return read_table(path);
    }
    let mut src = vector::read(path, None)?;
    let used = vector::decide_crs(path, None, &src.crs_hint)?;
    let mut crs = None;
    let mut crs_note = format!("{} ({})", used.crs.label(), used.how);
    if let Err(e) = vector::to_wgs84(&mut src.layer, path, &used) {
        // Not lon/lat and the file names no system: a Chinese national grid with its zone
        // number in front of the easting is recognisable from the numbers alone.
        let guess = (src.crs_hint == vector::CrsHint::None)
            .then(|| zone_prefixed_grid(&src.layer))
            .flatten();
        let Some(code) = guess else { return Err(e) };
        let mut again = vector::read(path, None)?;
        let c = crate::crs::Crs::from_epsg(code)
            .map_err(|m| Error::input(path, Location::File, Some("crs"), m))?;
        let used = vector::CrsUsed {
            crs: c,
            how: "guessed from the zone number of the eastings".into(),
        };
        vector::to_wgs84(&mut again.layer, path, &used).map_err(|_| e)?;
        crs = Some(format!("EPSG:{code}"));
        crs_note = format!(
            "EPSG:{code} (the file names no system; the eastings carry Gauss–Krüger zone {})",
            zone_of(&src.layer).unwrap_or_default()
        );
        src = again;
    }
    let layer = src.layer;
    let (mut polys, mut points) = (0, 0);
    for f in &layer.features {
        match f.geometry {
            Some(geojson::Geometry::Polygons(_)) => polys += 1,
            Some(geojson::Geometry::Point(_)) => points += 1,
            None => {}
        }
    }
    if polys + points == 0 {
        return Err(Error::input(
            path,
            Location::File,
            None,
            "no feature has a geometry: expected polygons (areas, population cells) or points (facilities, population cells)",
        ));
    }
    let mut names: Vec<String> = Vec::new();
    for f in &layer.features {
        for k in f.properties.keys() {
            if !names.contains(k) {
                names.push(k.clone());
            }
        }
    }
    let columns = names
        .into_iter()
        .map(|k| {
            let v = layer
                .features
                .iter()
                .map(|f| json_value(f.properties.get(&k)))
                .collect();
            (k, v)
        })
        .collect();
    Ok(Layer {
        path: path.to_owned(),
        format: src.format,
        shape: if polys >= points {
            Shape::Polygons
        } else {
            Shape::Points
        },
        n: layer.features.len(),
        columns,
        lonlat: None,
        crs,
        crs_note,
    })
}

fn json_value(v: Option<&serde_json::Value>) -> Value {
    match v {
        None | Some(serde_json::Value::Null) => Value::Null,
        Some(serde_json::Value::Number(n)) => n.as_f64().map_or(Value::Null, Value::Num),
        Some(serde_json::Value::String(s)) => Value::from_text(s),
        Some(other) => Value::Text(other.to_string()),
    }
}

/// The 3-degree (zones 25–45) or 6-degree (13–23) CGCS2000 Gauss–Krüger code whose zone the
/// layer's eastings carry in front (38 500 000 → zone 38 → EPSG:4526).
fn zone_prefixed_grid(layer: &geojson::Layer) -> Option<u32> {
    match zone_of(layer)? {
        z @ 25..=45 => Some(4513 + z - 25),
        z @ 13..=23 => Some(4491 + z - 13),
        _ => None,
    }
}

fn zone_of(layer: &geojson::Layer) -> Option<u32> {
    let x = layer.bbox.0[0];
    let z = (x / 1e6).floor();
    (x.is_finite() && (13.0..=45.0).contains(&z) && (layer.bbox.0[2] / 1e6).floor() == z)
        .then_some(z as u32)
}

/// A CSV or Excel table: its columns, and the coordinate columns found by name or content.
fn read_table(path: &Path) -> Result<Layer> {
    let (header, rows, format): (Vec<String>, Vec<Vec<Value>>, &'static str) =
        if crate::plan::is_xlsx(path) {
            let s = load::xlsx::read(path, None)?;
            let n = s.columns.len();
            let rows = s
                .rows
                .iter()
                .map(|r| (0..n).map(|c| r.get(c).clone()).collect())
                .collect();
            (s.columns, rows, "Excel")
        } else {
            let bytes = std::fs::read(path).map_err(|e| Error::Io {
                path: path.to_owned(),
                err: e,
            })?;
            let (text, enc) = load::csv::decode(&bytes, path)?;
            let first = text.lines().next().unwrap_or_default();
            let delim = [b',', b';', b'\t']
                .into_iter()
                .max_by_key(|d| first.bytes().filter(|b| b == d).count())
                .unwrap_or(b',');
            let mut r = csv::ReaderBuilder::new()
                .delimiter(delim)
                .flexible(true)
                .from_reader(text.as_bytes());
            let header: Vec<String> = r
                .headers()
                .map_err(|e| Error::input(path, Location::Line(1), None, e.to_string()))?
                .iter()
                .map(|h| h.trim().to_owned())
                .collect();
            let mut rows = Vec::new();
            for (i, rec) in r.records().enumerate() {
                let rec = rec.map_err(|e| {
                    Error::input(path, Location::Line(i as u64 + 2), None, e.to_string())
                })?;
                rows.push(rec.iter().map(Value::from_text).collect());
            }
            let format = match enc {
                load::csv::Encoding::Gbk => "CSV (GBK)",
                _ => "CSV",
            };
            (header, rows, format)
        };
    if rows.is_empty() {
        return Err(Error::input(
            path,
            Location::File,
            None,
            "the table has a header but no rows",
        ));
    }
    let columns: Vec<(String, Vec<Value>)> = header
        .iter()
        .enumerate()
        .map(|(i, h)| {
            (
                h.clone(),
                rows.iter()
                    .map(|r| r.get(i).cloned().unwrap_or(Value::Null))
                    .collect(),
            )
        })
        .collect();
    let in_range = |v: &[Value], lo: f64, hi: f64| {
        let s = stats(v);
        s.non_null > 0
            && s.numeric == s.non_null
            && v.iter().all(|x| match x {
                Value::Num(x) => (lo..=hi).contains(x),
                _ => true,
            })
    };
    let find = |words: &[&str], lo: f64, hi: f64| {
        columns
            .iter()
            .find(|(n, v)| says(n, words) && in_range(v, lo, hi))
            .map(|(n, _)| n.clone())
    };
    let lon = find(LON_WORDS, -180.0, 180.0);
    let lat = find(LAT_WORDS, -90.0, 90.0);
    let (Some(lon), Some(lat)) = (lon, lat) else {
        return Err(Error::input(
            path,
            Location::Line(1),
            None,
            format!(
                "no longitude/latitude columns (lon/lat, lng, x/y, 经度/纬度 with lon/lat values); the header has: {}",
                header.join(", ")
            ),
        ));
    };
    Ok(Layer {
        path: path.to_owned(),
        format,
        shape: Shape::Points,
        n: rows.len(),
        columns,
        lonlat: Some((lon, lat)),
        crs: None,
        crs_note: "WGS 84 (the default for tables)".into(),
    })
}

/// Preset kinds and the words of facility kinds that look like them, strongest first.
const PRESET_KIND_WORDS: &[(&[&str], &[&str])] = &[
    (
        &["care_home", "institution"],
        &[
            "nursing_home",
            "care_home",
            "nursing",
            "养老院",
            "敬老院",
            "养护院",
            "养老机构",
            "福利院",
            "institution",
        ],
    ),
    (
        &["day_care", "daycare_center", "daycare_station"],
        &["day_care", "daycare", "日间照料", "日照", "social_facility"],
    ),
    (
        &["canteen", "meal_point", "meal_table"],
        &["meal", "canteen", "食堂", "助餐", "餐桌", "餐"],
    ),
    (
        &["station"],
        &["service_station", "station", "驿站", "服务站"],
    ),
    (
        &["street_center", "care_center"],
        &[
            "street_centre",
            "street_center",
            "care_center",
            "care_centre",
            "服务中心",
            "照料中心",
            "centre",
            "center",
        ],
    ),
    (
        &[
            "childcare",
            "nursery",
            "community_childcare",
            "infant_station",
        ],
        &[
            "nursery",
            "childcare",
            "托育",
            "托儿",
            "婴幼儿",
            "kindergarten",
        ],
    ),
    (&["mutual_aid"], &["mutual", "互助"]),
];

/// Preset group → the plan group init names for it.
fn plan_group(preset_group: &str) -> &'static str {
    match preset_group {
        "age60" => "elderly",
        "age80" => "oldest",
        "age0_3" => "infants",
        _ => "total",
    }
}

/// Which facility kind each preset kind maps to: (preset kind, facility kind, keyword), one
/// facility kind per preset kind and the other way round, strongest keyword first.
fn map_kinds(
    preset: &crate::standards::Preset,
    kinds: &[String],
) -> BTreeMap<String, (String, String)> {
    let mut pairs = Vec::new();
    for (ri, r) in preset.rules.iter().enumerate() {
        let Some((_, words)) = PRESET_KIND_WORDS
            .iter()
            .find(|(ks, _)| ks.contains(&r.kind.as_str()))
        else {
            continue;
        };
        for (wi, w) in words.iter().enumerate() {
            for k in kinds {
                if k.to_lowercase().contains(w) {
                    pairs.push((wi, ri, k.clone(), w.to_string()));
                }
            }
        }
    }
    pairs.sort();
    let mut out = BTreeMap::new();
    let mut used = BTreeSet::new();
    for (_, ri, k, w) in pairs {
        let pk = &preset.rules[ri].kind;
        if out.contains_key(pk) || used.contains(&k) {
            continue;
        }
        used.insert(k.clone());
        out.insert(pk.clone(), (k, w));
    }
    out
}

/// A TOML basic string.
fn q(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

/// `to` relative to folder `from` when both resolve, else `to` absolute.
fn relative(from: &Path, to: &Path) -> String {
    let (Ok(f), Ok(t)) = (from.canonicalize(), to.canonicalize()) else {
        return to.display().to_string();
    };
    let fc: Vec<_> = f.components().collect();
    let tc: Vec<_> = t.components().collect();
    let common = fc.iter().zip(&tc).take_while(|(a, b)| a == b).count();
    // Sharing only the root: the absolute path reads better than a climb to it.
    if common <= 1 {
        return t.display().to_string();
    }
    let mut p = PathBuf::new();
    for _ in common..fc.len() {
        p.push("..");
    }
    for c in &tc[common..] {
        p.push(c);
    }
    let s = p.to_string_lossy().replace('\\', "/");
    if s.is_empty() {
        ".".into()
    } else {
        s
    }
}

/// The roles chosen and the fields picked, before the text is written.
struct Choice {
    areas: Layer,
    area_id: (String, &'static str),
    area_name: (String, &'static str),
    /// A text field with few values (a district), for a commented `where` example.
    area_split: Option<(String, Vec<String>)>,
    population: Population,
    facilities: Vec<Facilities>,
    network: Option<PathBuf>,
}

enum Population {
    /// A folder of GeoTIFFs: the folder, and per group its files.
    Rasters {
        folder: PathBuf,
        groups: Vec<(String, Vec<String>, String)>,
    },
    Layer {
        layer: Layer,
        groups: Vec<(String, Vec<String>, String)>,
    },
}

impl Population {
    fn groups(&self) -> &[(String, Vec<String>, String)] {
        match self {
            Population::Rasters { groups, .. } | Population::Layer { groups, .. } => groups,
        }
    }
}

struct Facilities {
    layer: Layer,
    kind: (String, &'static str),
    id: Option<(String, &'static str)>,
    name: Option<(String, &'static str)>,
    capacity: Option<(String, &'static str)>,
    kinds: Vec<(String, usize)>,
    /// `crs = "GCJ-02"` / `"BD-09"` guessed from the data, with the evidence.
    datum: Option<(String, String)>,
}

/// Reads the files (or folders) `inputs` and writes a starter plan to be saved at `plan_path`
/// (paths in it are relative to that file's folder). Errors name the file: one that cannot be
/// read, one whose role cannot be recognised, or a missing areas or population layer.
pub fn run(inputs: &[PathBuf], plan_path: &Path) -> Result<Init> {
    let mut findings = Vec::new();
    let (files, networks) = expand(inputs, &mut findings)?;
    let mut areas: Vec<Layer> = Vec::new();
    let mut pops: Vec<Layer> = Vec::new();
    let mut rasters: Vec<Layer> = Vec::new();
    let mut facs: Vec<Layer> = Vec::new();
    for f in &files {
        let layer = read(f)?;
        let role = layer.role().ok_or_else(|| {
            Error::input(
                f,
                Location::File,
                None,
                format!(
                    "cannot tell what this {} layer is for: {} without a name-like field (areas), a kind-like field (facilities) or numeric population fields; its fields: {}",
                    layer.format,
                    match layer.shape {
                        Shape::Polygons => "polygons",
                        _ => "points",
                    },
                    layer.columns.iter().map(|c| c.0.as_str()).collect::<Vec<_>>().join(", ")
                ),
            )
        })?;
        findings.push(format!(
            "{}: {} {}{} → {}; system {}",
            f.display(),
            layer.format,
            match layer.shape {
                Shape::Polygons => format!("{} polygons", layer.n),
                Shape::Points => format!("{} points", layer.n),
                Shape::Raster => "raster".into(),
            },
            if layer.columns.is_empty() {
                String::new()
            } else {
                format!(
                    ", fields {}",
                    layer
                        .columns
                        .iter()
                        .map(|c| c.0.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            },
            match role {
                Role::Areas => "areas",
                Role::Population => "population",
                Role::Facilities => "facilities",
            },
            layer.crs_note
        ));
        match (role, layer.shape) {
            (Role::Areas, _) => areas.push(layer),
            (Role::Population, Shape::Raster) => rasters.push(layer),
            (Role::Population, _) => pops.push(layer),
            (Role::Facilities, _) => facs.push(layer),
        }
    }
    let first = inputs.first().cloned().unwrap_or_default();
    // The finest areas layer (most units) is the streets/towns; coarser ones are districts.
    areas.sort_by_key(|l| std::cmp::Reverse(l.n));
    let mut areas = areas.into_iter();
    let Some(area_layer) = areas.next() else {
        return Err(Error::Layer {
            path: first,
            reason: "no areas layer found: expected polygons (streets/towns) with a name field (name, 名称, 街道 …)".into(),
        });
    };
    for other in areas {
        findings.push(format!(
            "{}: also polygons with names ({} features), not used: the areas are {} ({} features)",
            other.path.display(),
            other.n,
            area_layer.path.display(),
            area_layer.n
        ));
    }
    let area_id = area_layer.id_field(true).ok_or_else(|| {
        Error::input(
            &area_layer.path,
            Location::File,
            None,
            "no field has a distinct value for every feature, to serve as the area id (编码/代码/id)",
        )
    })?;
    let area_name = area_layer
        .name_field(&[area_id.0.as_str()])
        .unwrap_or_else(|| (area_id.0.clone(), "the id (no other name-like field)"));
    let area_split = area_layer
        .fields()
        .filter(|(n, _)| *n != area_id.0 && *n != area_name.0)
        .find(|(_, v)| {
            let s = stats(v);
            s.numeric == 0
                && s.non_null == area_layer.n
                && (2..=30).contains(&s.distinct)
                && s.distinct * 3 <= area_layer.n
        })
        .map(|(n, v)| {
            let set: BTreeSet<String> = v.iter().map(load::xlsx::as_text).collect();
            (n.to_owned(), set.into_iter().collect())
        });

    let population = if !rasters.is_empty() {
        let folder = rasters[0]
            .path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let (here, elsewhere): (Vec<Layer>, Vec<Layer>) = rasters
            .into_iter()
            .partition(|l| l.path.parent() == Some(folder.as_path()));
        for l in elsewhere {
            findings.push(format!(
                "{}: a GeoTIFF outside {}, not used (the rasters of one population must share a folder)",
                l.path.display(),
                folder.display()
            ));
        }
        let names: Vec<String> = here
            .iter()
            .filter_map(|l| l.path.file_name().map(|n| n.to_string_lossy().into_owned()))
            .collect();
        let stems: Vec<String> = here
            .iter()
            .filter_map(|l| l.path.file_stem().map(|n| n.to_string_lossy().into_owned()))
            .collect();
        let groups = groups_from(&stems)
            .into_iter()
            .map(|(g, fs, note)| {
                let files = fs
                    .iter()
                    .filter_map(|s| stems.iter().position(|x| x == s).map(|i| names[i].clone()))
                    .collect();
                (g, files, note)
            })
            .collect();
        for p in pops {
            findings.push(format!(
                "{}: population-like, not used (the GeoTIFFs are the population)",
                p.path.display()
            ));
        }
        Population::Rasters { folder, groups }
    } else {
        pops.sort_by_key(|l| std::cmp::Reverse(l.n));
        let mut pops = pops.into_iter();
        let Some(layer) = pops.next() else {
            return Err(Error::Layer {
                path: first,
                reason: "no population layer found: expected GeoTIFF rasters, or polygons/points with numeric population fields (人口, pop …)".into(),
            });
        };
        for other in pops {
            findings.push(format!(
                "{}: also population-like ({} features), not used",
                other.path.display(),
                other.n
            ));
        }
        let groups = groups_from(&layer.population_fields(true));
        Population::Layer { layer, groups }
    };

    let facilities = facs
        .into_iter()
        .map(|layer| {
            let kind = layer
                .kind_field(true)
                .expect("a facilities layer has a kind field");
            let id = layer.id_field(false);
            let name = layer.name_field(&[kind.0.as_str()]);
            let capacity = layer.pick(CAPACITY_WORDS, &|l, v| l.is_numeric(v), false, &[]);
            let mut counts: BTreeMap<String, usize> = BTreeMap::new();
            for v in layer.col(&kind.0).unwrap_or_default() {
                if !matches!(v, Value::Null) {
                    *counts.entry(load::xlsx::as_text(v)).or_default() += 1;
                }
            }
            Facilities {
                layer,
                kind,
                id,
                name,
                capacity,
                kinds: counts.into_iter().collect(),
                datum: None,
            }
        })
        .collect();
    let mut choice = Choice {
        areas: area_layer,
        area_id,
        area_name,
        area_split,
        population,
        facilities,
        network: networks.first().cloned(),
    };

    let dir = plan_path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    // The GCJ-02 / BD-09 check of `validate`, on the layers as a first draft reads them.
    let draft = crate::Plan::parse(&write(&choice, dir, &mut Vec::new()), plan_path)?;
    datum_check(&draft, &mut choice)?;
    let text = write(&choice, dir, &mut findings);
    crate::Plan::parse(&text, plan_path)?;
    Ok(Init { text, findings })
}

/// Loads the areas, population and facilities as `plan` reads them and sets a facility
/// source's `datum` when reading it as GCJ-02 or BD-09 fits the data clearly better.
fn datum_check(plan: &crate::Plan, choice: &mut Choice) -> Result<()> {
    if plan.facilities.is_empty() {
        return Ok(());
    }
    let areas = crate::area::load(&plan.areas)?;
    let index = crate::area::AreaIndex::new(&areas);
    let mut w = crate::warnings::Warnings::default();
    let mut cells = crate::population::load(&plan.population, &mut w)?;
    let frame = crate::projection::Frame::for_bbox(areas.bbox.0);
    cells.project(&frame);
    let populated: Vec<[f64; 2]> = (0..cells.len())
        .filter(|&c| cells.values.iter().any(|v| v[c] > 0.0))
        .map(|c| cells.local[c])
        .collect();
    for (spec, f) in plan.facilities.iter().zip(&mut choice.facilities) {
        let (fac, _) = crate::facility::load(std::slice::from_ref(spec))?;
        let pts: Vec<[f64; 2]> = fac.iter().map(|f| f.lonlat).collect();
        let hints = crate::validate::datum_hints(&pts, &index, Some((&frame, &populated)));
        if let Some(h) = hints.first() {
            f.datum = Some((
                h.name.to_string(),
                format!(
                    "read as {}, {} of {} sampled points fall inside the areas (instead of {}), median {:.0} m to the nearest populated cell (instead of {:.0} m)",
                    h.name, h.inside, h.sample, h.base_inside, h.near_m, h.base_near_m
                ),
            ));
        }
    }
    Ok(())
}

/// The standard to offer: a district preset whose units match at least half of its list (by
/// code, then name), else gb50180; with the reason.
fn choose_standard(choice: &Choice) -> (&'static crate::standards::Preset, String) {
    let ids = choice.areas.col(&choice.area_id.0).unwrap_or_default();
    let names = choice.areas.col(&choice.area_name.0).unwrap_or_default();
    let pairs: Vec<(String, String)> = ids
        .iter()
        .zip(names)
        .map(|(i, n)| (load::xlsx::as_text(i), load::xlsx::as_text(n)))
        .collect();
    let refs: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let mut best: Option<(&'static crate::standards::Preset, usize)> = None;
    for p in crate::standards::list() {
        if p.units.is_empty() {
            continue;
        }
        let m = crate::standards::match_units(p, &refs).matched.len();
        if m * 2 >= p.units.len() && m > best.map_or(0, |b| b.1) {
            best = Some((p, m));
        }
    }
    match best {
        Some((p, m)) => (
            p,
            format!(
                "{m} of its {} units match the areas by code or name ({})",
                p.units.len(),
                p.district
            ),
        ),
        None => (
            crate::standards::get("gb50180").expect("gb50180 is built in"),
            "no district preset's unit list matches the areas: the national standard".into(),
        ),
    }
}

/// The plan text for `choice`, paths relative to `dir`.
fn write(choice: &Choice, dir: &Path, findings: &mut Vec<String>) -> String {
    let rel = |p: &Path| q(&relative(dir, p));
    let mut o = String::new();
    let _ = writeln!(
        o,
        "# Starter plan written by `carecircle init`. Every line marked GUESS was guessed"
    );
    let _ = writeln!(
        o,
        "# from the files: check it (and the fields it names), then run"
    );
    let _ = writeln!(
        o,
        "#   carecircle validate <this file>   and   carecircle analyze <this file>"
    );
    let place = choice
        .areas
        .path
        .parent()
        .and_then(|p| p.canonicalize().ok())
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "areas".into());
    let _ = writeln!(
        o,
        "title = {}  # GUESS: from the folder name, check",
        q(&format!("{place}: service coverage (starter plan)"))
    );

    // Standard, kinds and groups.
    let (preset, why) = choose_standard(choice);
    let all_kinds: Vec<String> = choice
        .facilities
        .iter()
        .flat_map(|f| f.kinds.iter().map(|(k, _)| k.clone()))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mapping = map_kinds(preset, &all_kinds);
    let groups = choice.population.groups();
    let have = |g: &str| groups.iter().any(|(n, _, _)| n == g);
    // Preset group → plan group (a stand-in marked when the exact group is missing).
    let group_for = |pg: &str| -> Option<(String, Option<String>)> {
        let want = plan_group(pg);
        if have(want) {
            return Some((want.to_string(), None));
        }
        let stand_in = match want {
            "oldest" if have("elderly") => Some("elderly"),
            "elderly" if have("total") => Some("total"),
            _ => None,
        };
        stand_in.map(|s| {
            (
                s.to_string(),
                Some(format!(
                    "no {want} group in the population: '{s}' stands in"
                )),
            )
        })
    };
    let mut mapped: Vec<(String, String, String)> = Vec::new();
    let mut unmapped: Vec<String> = Vec::new();
    for r in &preset.rules {
        match (mapping.get(&r.kind), group_for(&r.serves)) {
            (Some((k, w)), Some(_)) => mapped.push((r.kind.clone(), k.clone(), w.clone())),
            (Some((k, _)), None) => unmapped.push(format!(
                "# kinds.{} = {}  # {}: the population has no group for {} ({})",
                r.kind,
                q(k),
                r.name,
                r.serves,
                preset.groups.get(&r.serves).cloned().unwrap_or_default()
            )),
            (None, _) => unmapped.push(format!(
                "# kinds.{} = \"…\"  # {}: no facility kind looks like it{}",
                r.kind,
                r.name,
                if all_kinds.is_empty() {
                    String::new()
                } else {
                    format!(" (kinds found: {})", all_kinds.join(", "))
                }
            )),
        }
    }
    let _ = writeln!(o);
    let own_services = mapped.is_empty();
    if own_services {
        let _ = writeln!(
            o,
            "# standard = {}  # no facility kind matched one of its rules: own services below",
            q(&preset.id)
        );
    } else {
        let _ = writeln!(
            o,
            "standard = {}  # GUESS: {why}; check (`carecircle standards {}` lists its rules)",
            q(&preset.id),
            preset.id
        );
        findings.push(format!("standard {}: {why}", preset.id));
        for (pk, k, w) in &mapped {
            let name = preset.rule(pk).map(|r| r.name.as_str()).unwrap_or_default();
            let _ = writeln!(
                o,
                "kinds.{pk} = {}  # GUESS: {name} ← facility kind '{k}' (says \"{w}\"), check",
                q(k)
            );
            findings.push(format!("kinds.{pk} = {k} ({name})"));
        }
        for u in &unmapped {
            let _ = writeln!(o, "{u}");
        }
        let mut served: Vec<&str> = mapped
            .iter()
            .filter_map(|(pk, _, _)| preset.rule(pk).map(|r| r.serves.as_str()))
            .collect();
        served.sort_unstable();
        served.dedup();
        for pg in served {
            if let Some((g, stand_in)) = group_for(pg) {
                let _ = writeln!(
                    o,
                    "groups.{pg} = {}  # GUESS: {}{}, check",
                    q(&g),
                    preset.groups.get(pg).cloned().unwrap_or_default(),
                    stand_in.map(|s| format!("; {s}")).unwrap_or_default()
                );
            }
        }
        let unused: Vec<&String> = all_kinds
            .iter()
            .filter(|k| !mapped.iter().any(|(_, m, _)| m == *k))
            .collect();
        if !unused.is_empty() {
            let _ = writeln!(
                o,
                "# facility kinds no rule of {} evaluates: {} (add a [[service]] for them)",
                preset.id,
                unused
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
    }

    // Areas.
    let a = &choice.areas;
    let _ = writeln!(o, "\n[areas]");
    let _ = writeln!(
        o,
        "path = {}  # GUESS: {} {} polygons with names, the finest polygon layer given; check",
        rel(&a.path),
        a.n,
        a.format
    );
    if let Some(c) = &a.crs {
        let _ = writeln!(o, "crs = {}  # GUESS: {}, check", q(c), a.crs_note);
    } else {
        let _ = writeln!(o, "# coordinate system: {}", a.crs_note);
    }
    let _ = writeln!(
        o,
        "id = {}  # GUESS: a distinct value per feature ({}), check",
        q(&choice.area_id.0),
        choice.area_id.1
    );
    let _ = writeln!(
        o,
        "name = {}  # GUESS: {}, check",
        q(&choice.area_name.0),
        choice.area_name.1
    );
    if let Some((f, values)) = &choice.area_split {
        let _ = writeln!(
            o,
            "# '{f}' has {} values ({}{}): keep some with where = {{ {} = {} }}",
            values.len(),
            values
                .iter()
                .take(5)
                .cloned()
                .collect::<Vec<_>>()
                .join(", "),
            if values.len() > 5 { ", …" } else { "" },
            if f.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                f.clone()
            } else {
                q(f)
            },
            q(&values[0])
        );
    }

    // Population.
    let _ = writeln!(o, "\n[population]");
    match &choice.population {
        Population::Rasters { folder, groups } => {
            let _ = writeln!(
                o,
                "path = {}  # GUESS: the folder of the GeoTIFF rasters (each pixel a cell), check",
                rel(folder)
            );
            write_groups(&mut o, groups);
        }
        Population::Layer { layer, groups } => {
            let _ = writeln!(
                o,
                "path = {}  # GUESS: {} {} with numeric population fields, check",
                rel(&layer.path),
                layer.n,
                match layer.shape {
                    Shape::Polygons => "polygon cells",
                    _ => "point cells",
                }
            );
            if let Some((x, y)) = &layer.lonlat {
                let _ = writeln!(o, "lon = {}  # GUESS: longitude column, check", q(x));
                let _ = writeln!(o, "lat = {}  # GUESS: latitude column, check", q(y));
            }
            if let Some(c) = &layer.crs {
                let _ = writeln!(o, "crs = {}  # GUESS: {}, check", q(c), layer.crs_note);
            } else {
                let _ = writeln!(o, "# coordinate system: {}", layer.crs_note);
            }
            write_groups(&mut o, groups);
        }
    }

    // Facilities.
    for f in &choice.facilities {
        let l = &f.layer;
        let _ = writeln!(o, "\n[[facilities]]");
        let _ = writeln!(
            o,
            "path = {}  # GUESS: {} points with a kind field, check",
            rel(&l.path),
            l.n
        );
        if let Some((x, y)) = &l.lonlat {
            let _ = writeln!(o, "lon = {}  # GUESS: longitude column, check", q(x));
            let _ = writeln!(o, "lat = {}  # GUESS: latitude column, check", q(y));
        }
        match (&f.datum, &l.crs) {
            (Some((c, why)), _) => {
                let _ = writeln!(o, "crs = {}  # GUESS: {why}; check", q(c));
                findings.push(format!("{}: crs = {c}: {why}", l.path.display()));
            }
            (None, Some(c)) => {
                let _ = writeln!(o, "crs = {}  # GUESS: {}, check", q(c), l.crs_note);
            }
            (None, None) => {
                let _ = writeln!(o, "# coordinate system: {}", l.crs_note);
            }
        }
        let _ = writeln!(
            o,
            "kind = {}  # GUESS: {} ({}), check",
            q(&f.kind.0),
            f.kinds
                .iter()
                .map(|(k, n)| format!("{k} {n}"))
                .collect::<Vec<_>>()
                .join(", "),
            f.kind.1
        );
        for (key, v, what) in [
            ("id", &f.id, "a distinct value per facility"),
            ("name", &f.name, "names"),
            ("capacity", &f.capacity, "beds / places"),
        ] {
            if let Some((field, how)) = v {
                let _ = writeln!(o, "{key} = {}  # GUESS: {what} ({how}), check", q(field));
            }
        }
    }

    if own_services {
        let serves = groups
            .iter()
            .find(|(g, _, _)| g == "elderly")
            .or(groups.first())
            .map(|g| g.0.clone())
            .unwrap_or_default();
        let kinds: Vec<String> = if all_kinds.is_empty() {
            preset
                .rules
                .iter()
                .map(|r| r.kind.clone())
                .take(1)
                .collect()
        } else {
            all_kinds.clone()
        };
        for k in kinds {
            let _ = writeln!(o, "\n[[service]]");
            let _ = writeln!(
                o,
                "kind = {}  # GUESS: a kind found in the facilities, evaluated on its own; check",
                q(&k)
            );
            let _ = writeln!(o, "serves = {}  # GUESS: check", q(&serves));
            let _ = writeln!(
                o,
                "radius_m = 1000  # GUESS: the 15-minute life circle (GB 50180), check"
            );
        }
    }

    if let Some(n) = &choice.network {
        let _ = writeln!(
            o,
            "\n# A walking network was found: uncomment to measure on foot."
        );
        let _ = writeln!(o, "# [network]\n# path = {}", rel(n));
    }
    o
}

fn write_groups(o: &mut String, groups: &[(String, Vec<String>, String)]) {
    for (g, fields, note) in groups {
        let v = if fields.len() == 1 {
            q(&fields[0])
        } else {
            format!(
                "[{}]",
                fields.iter().map(|f| q(f)).collect::<Vec<_>>().join(", ")
            )
        };
        let _ = writeln!(o, "groups.{g} = {v}  # GUESS: {note}, check");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_words() {
        assert!(says("行政区划代码", ID_WORDS));
        assert!(says("street_name", NAME_WORDS));
        assert!(!says("width", ID_WORDS));
        assert!(says("床位数", CAPACITY_WORDS));
        assert!(says("经度", LON_WORDS) && says("纬度", LAT_WORDS));
    }

    #[test]
    fn age_bands_and_groups() {
        assert_eq!(age_band("pop_60_69"), Some((60, Some(69))));
        assert_eq!(age_band("pop_80plus"), Some((80, None)));
        assert_eq!(age_band("60岁以上人口"), Some((60, None)));
        assert_eq!(age_band("老年人口"), Some((60, None)));
        assert_eq!(age_band("pop_total"), None);
        let f = |v: &[&str]| {
            groups_from(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>())
                .into_iter()
                .map(|(g, f, _)| (g, f))
                .collect::<Vec<_>>()
        };
        let s = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            f(&[
                "pop_total",
                "pop_0_9",
                "pop_50_59",
                "pop_60_69",
                "pop_70_79",
                "pop_80plus"
            ]),
            vec![
                ("total".into(), s(&["pop_total"])),
                (
                    "elderly".into(),
                    s(&["pop_60_69", "pop_70_79", "pop_80plus"])
                ),
                ("oldest".into(), s(&["pop_80plus"])),
            ]
        );
        assert_eq!(
            f(&["pop_60plus", "pop_80plus"]),
            vec![
                ("elderly".into(), s(&["pop_60plus"])),
                ("oldest".into(), s(&["pop_80plus"])),
            ]
        );
        assert_eq!(f(&["人口"]), vec![("total".into(), s(&["人口"]))]);
        assert_eq!(f(&["v"]), vec![("total".into(), s(&["v"]))]);
    }

    #[test]
    fn relative_paths() {
        let d = tempfile_dir();
        std::fs::create_dir_all(d.join("a/b")).unwrap();
        std::fs::write(d.join("a/f.csv"), "").unwrap();
        assert_eq!(relative(&d.join("a/b"), &d.join("a/f.csv")), "../f.csv");
        assert_eq!(relative(&d.join("a"), &d.join("a/f.csv")), "f.csv");
        std::fs::remove_dir_all(&d).unwrap();
    }

    fn tempfile_dir() -> PathBuf {
        let d = std::env::temp_dir().join(format!("carecircle-init-{}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        d
    }
}
