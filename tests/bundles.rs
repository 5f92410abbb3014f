//! The data bundles (issue 16): every `data/*/plan.toml` and `data/presets/*/plan.toml` runs
//! through the CLI, and its areas.csv is checked against figures this test computes itself from
//! the bundle's input files: the people of each unit (its own point-in-polygon test over the
//! cells or raster pixels), the facilities of each kind in each unit and their capacity, bounds
//! on the covered people (geodesic distances), and the blank reasons the rules give. The Wuchang
//! rasters are checked pixel by pixel against the Wuhan rasters they were cut from.

#[path = "cli_common/mod.rs"]
mod common;

use geographiclib_rs::{Geodesic, InverseGeodesic};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use toml::Value;

type Ring = Vec<[f64; 2]>;

/// Even-odd point in polygon over every ring (holes and parts alike), edges half-open in y: a
/// point on an edge two polygons share falls in exactly one of them.
fn inside(rings: &[Ring], p: [f64; 2]) -> bool {
    let mut odd = false;
    for r in rings {
        for (a, b) in r.iter().zip(r.iter().cycle().skip(1)) {
            if (a[1] > p[1]) != (b[1] > p[1])
                && p[0] < (b[0] - a[0]) * (p[1] - a[1]) / (b[1] - a[1]) + a[0]
            {
                odd = !odd;
            }
        }
    }
    odd
}

/// One unit of an areas layer.
struct Area {
    id: String,
    rings: Vec<Ring>,
    bbox: [f64; 4],
}

fn json(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn ring(v: &serde_json::Value) -> Ring {
    v.as_array()
        .unwrap()
        .iter()
        .map(|p| [p[0].as_f64().unwrap(), p[1].as_f64().unwrap()])
        .collect()
}

/// The rings of a Polygon or MultiPolygon geometry.
fn polygon_rings(g: &serde_json::Value) -> Vec<Ring> {
    let c = &g["coordinates"];
    match g["type"].as_str().unwrap() {
        "Polygon" => c.as_array().unwrap().iter().map(ring).collect(),
        "MultiPolygon" => c
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|p| p.as_array().unwrap().iter().map(ring))
            .collect(),
        t => panic!("expected a polygon, found {t}"),
    }
}

/// A property as text (ids may be numbers or strings).
fn text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn read_areas(path: &Path, id: &str) -> Vec<Area> {
    let fc = json(path);
    fc["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let rings = polygon_rings(&f["geometry"]);
            let mut bbox = [f64::MAX, f64::MAX, f64::MIN, f64::MIN];
            for p in rings.iter().flatten() {
                bbox = [
                    bbox[0].min(p[0]),
                    bbox[1].min(p[1]),
                    bbox[2].max(p[0]),
                    bbox[3].max(p[1]),
                ];
            }
            Area {
                id: text(&f["properties"][id]),
                rings,
                bbox,
            }
        })
        .collect()
}

/// The first unit holding `p`.
fn area_of(areas: &[Area], p: [f64; 2]) -> Option<usize> {
    areas.iter().position(|a| {
        p[0] >= a.bbox[0]
            && p[0] <= a.bbox[2]
            && p[1] >= a.bbox[1]
            && p[1] <= a.bbox[3]
            && inside(&a.rings, p)
    })
}

/// A plan key as a string (`None` when absent).
fn key<'a>(t: &'a Value, k: &str) -> Option<&'a str> {
    t.get(k).and_then(Value::as_str)
}

fn num(t: &Value, k: &str) -> Option<f64> {
    t.get(k)
        .and_then(|v| v.as_float().or(v.as_integer().map(|i| i as f64)))
}

/// A group's source fields: one name or a list.
fn fields(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.clone()],
        Value::Array(a) => a.iter().map(|s| s.as_str().unwrap().to_owned()).collect(),
        _ => panic!("group fields: {v:?}"),
    }
}

/// A number from a data file: empty, null or missing is 0 (as the program counts nulls).
fn value_of(v: Option<&serde_json::Value>) -> f64 {
    v.and_then(serde_json::Value::as_f64).unwrap_or(0.0)
}

/// Population cells: a point and the value of each plan group.
struct Cells {
    points: Vec<[f64; 2]>,
    values: BTreeMap<String, Vec<f64>>,
}

/// A CSV file (UTF-8, optional BOM) as its header and rows.
fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut r = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let header = r.headers().unwrap().iter().map(String::from).collect();
    let rows = r
        .records()
        .map(|x| x.unwrap().iter().map(String::from).collect())
        .collect();
    (header, rows)
}

fn column(header: &[String], name: &str, path: &Path) -> usize {
    header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("{}: no column {name}", path.display()))
}

fn parse_num(s: &str) -> f64 {
    if s.trim().is_empty() {
        0.0
    } else {
        s.trim().parse().unwrap()
    }
}

/// A float32 GeoTIFF: pixel centres' origin and step (lon/lat), size, nodata and the samples.
struct Raster {
    x0: f64,
    y0: f64,
    dx: f64,
    dy: f64,
    width: usize,
    height: usize,
    nodata: f64,
    samples: Vec<f32>,
}

impl Raster {
    /// Reads it with the `tiff` crate; the georeferencing from ModelPixelScale and
    /// ModelTiepoint (PixelIsArea: the tiepoint is the corner of pixel (0, 0)).
    fn read(path: &Path) -> Raster {
        use tiff::decoder::{Decoder, DecodingResult};
        use tiff::tags::Tag;
        let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let mut d = Decoder::new(std::io::BufReader::new(file)).unwrap();
        let (w, h) = d.dimensions().unwrap();
        let scale = d.get_tag_f64_vec(Tag::Unknown(33550)).unwrap();
        let tie = d.get_tag_f64_vec(Tag::Unknown(33922)).unwrap();
        assert_eq!(&tie[..3], &[0.0, 0.0, 0.0], "{}", path.display());
        let nodata: f64 = d
            .get_tag_ascii_string(Tag::Unknown(42113))
            .unwrap()
            .trim_matches(|c: char| c == '\0' || c.is_whitespace())
            .parse()
            .unwrap();
        let samples = match d.read_image().unwrap() {
            DecodingResult::F32(v) => v,
            _ => panic!("{}: expected float32 samples", path.display()),
        };
        Raster {
            x0: tie[3] + 0.5 * scale[0],
            y0: tie[4] - 0.5 * scale[1],
            dx: scale[0],
            dy: scale[1],
            width: w as usize,
            height: h as usize,
            nodata,
            samples,
        }
    }

    fn centre(&self, r: usize, c: usize) -> [f64; 2] {
        [self.x0 + c as f64 * self.dx, self.y0 - r as f64 * self.dy]
    }

    /// People in pixel `i`: nodata, NaN and negative samples hold none.
    fn people(&self, i: usize) -> f64 {
        let v = self.samples[i] as f64;
        if v.is_nan() || v == self.nodata || v < 0.0 {
            0.0
        } else {
            v
        }
    }
}

/// Area-weighted centre of a polygon cell in lon/lat (cells are small: the lon/lat centroid is
/// the local one to well under a metre).
fn centroid(rings: &[Ring]) -> [f64; 2] {
    let (mut a, mut cx, mut cy) = (0.0, 0.0, 0.0);
    for r in rings {
        for (p, q) in r.iter().zip(r.iter().cycle().skip(1)) {
            let k = p[0] * q[1] - q[0] * p[1];
            a += k;
            cx += (p[0] + q[0]) * k;
            cy += (p[1] + q[1]) * k;
        }
    }
    [cx / (3.0 * a), cy / (3.0 * a)]
}

fn read_cells(plan: &Value, base: &Path) -> Cells {
    let pop = &plan["population"];
    let path = base.join(key(pop, "path").unwrap());
    let groups: BTreeMap<String, Vec<String>> = pop["groups"]
        .as_table()
        .unwrap()
        .iter()
        .map(|(g, v)| (g.clone(), fields(v)))
        .collect();
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let mut points = Vec::new();
    let mut values: BTreeMap<String, Vec<f64>> =
        groups.keys().map(|g| (g.clone(), Vec::new())).collect();
    if path.is_dir() {
        let rasters: HashMap<&str, Raster> = groups
            .values()
            .flatten()
            .map(|f| (f.as_str(), Raster::read(&path.join(f))))
            .collect();
        let first = rasters.values().next().unwrap();
        for r in rasters.values() {
            assert_eq!(
                (r.x0, r.y0, r.width, r.height),
                (first.x0, first.y0, first.width, first.height)
            );
        }
        for row in 0..first.height {
            for col in 0..first.width {
                let i = row * first.width + col;
                let vals: Vec<(String, f64)> = groups
                    .iter()
                    .map(|(g, fs)| {
                        (
                            g.clone(),
                            fs.iter().map(|f| rasters[f.as_str()].people(i)).sum(),
                        )
                    })
                    .collect();
                if vals.iter().all(|(_, v)| *v == 0.0) {
                    continue;
                }
                points.push(first.centre(row, col));
                for (g, v) in vals {
                    values.get_mut(&g).unwrap().push(v);
                }
            }
        }
    } else if ext == "csv" {
        let (header, rows) = read_csv(&path);
        let lon = column(&header, key(pop, "lon").unwrap(), &path);
        let lat = column(&header, key(pop, "lat").unwrap(), &path);
        for row in rows {
            points.push([parse_num(&row[lon]), parse_num(&row[lat])]);
            for (g, fs) in &groups {
                let v = fs
                    .iter()
                    .map(|f| parse_num(&row[column(&header, f, &path)]))
                    .sum();
                values.get_mut(g).unwrap().push(v);
            }
        }
    } else if ext == "geojson" {
        for f in json(&path)["features"].as_array().unwrap() {
            let g = &f["geometry"];
            points.push(match g["type"].as_str().unwrap() {
                "Point" => [
                    g["coordinates"][0].as_f64().unwrap(),
                    g["coordinates"][1].as_f64().unwrap(),
                ],
                _ => centroid(&polygon_rings(g)),
            });
            for (name, fs) in &groups {
                let v = fs.iter().map(|x| value_of(f["properties"].get(x))).sum();
                values.get_mut(name).unwrap().push(v);
            }
        }
    } else {
        panic!(
            "bundles.rs reads CSV, GeoJSON and GeoTIFF-folder populations; extend it for {}",
            path.display()
        );
    }
    Cells { points, values }
}

/// A facility: its kind, position and capacity (0 when null).
struct Facility {
    kind: String,
    at: [f64; 2],
    capacity: f64,
}

fn read_facilities(plan: &Value, base: &Path) -> Vec<Facility> {
    let mut out = Vec::new();
    let Some(sources) = plan.get("facilities").and_then(Value::as_array) else {
        return out;
    };
    for s in sources {
        let path = base.join(key(s, "path").unwrap());
        let kind_field = key(s, "kind");
        let kind_value = key(s, "kind_value");
        let cap = key(s, "capacity");
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        if ext == "csv" {
            let (header, rows) = read_csv(&path);
            let lon = column(&header, key(s, "lon").unwrap(), &path);
            let lat = column(&header, key(s, "lat").unwrap(), &path);
            let k = kind_field.map(|f| column(&header, f, &path));
            let c = cap.map(|f| column(&header, f, &path));
            for row in rows {
                out.push(Facility {
                    kind: k.map_or_else(|| kind_value.unwrap().to_owned(), |k| row[k].clone()),
                    at: [parse_num(&row[lon]), parse_num(&row[lat])],
                    capacity: c.map_or(0.0, |c| parse_num(&row[c])),
                });
            }
        } else if ext == "geojson" {
            for f in json(&path)["features"].as_array().unwrap() {
                let g = &f["geometry"]["coordinates"];
                let p = &f["properties"];
                out.push(Facility {
                    kind: kind_field
                        .map_or_else(|| kind_value.unwrap().to_owned(), |k| text(&p[k])),
                    at: [g[0].as_f64().unwrap(), g[1].as_f64().unwrap()],
                    capacity: cap.map_or(0.0, |c| value_of(p.get(c))),
                });
            }
        } else {
            panic!(
                "bundles.rs reads CSV and GeoJSON facilities; extend it for {}",
                path.display()
            );
        }
    }
    out
}

/// What a service asks of a unit.
#[derive(Clone, Debug)]
struct Rule {
    radius_m: f64,
    min_per_area: Option<u32>,
    coverage_target: Option<f64>,
    capacity_per_1000: Option<f64>,
    presence_only: bool,
}

impl Rule {
    fn from(t: &Value) -> Rule {
        Rule {
            radius_m: num(t, "radius_m").unwrap(),
            min_per_area: t
                .get("min_per_area")
                .and_then(Value::as_integer)
                .map(|v| v as u32),
            coverage_target: num(t, "coverage_target"),
            capacity_per_1000: num(t, "capacity_per_1000"),
            presence_only: t
                .get("presence_only")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        }
    }

    /// This rule with a zone variant's values replacing its own.
    fn with(&self, z: &Value) -> Rule {
        Rule {
            radius_m: num(z, "radius_m").unwrap_or(self.radius_m),
            min_per_area: z
                .get("min_per_area")
                .and_then(Value::as_integer)
                .map(|v| v as u32)
                .or(self.min_per_area),
            coverage_target: num(z, "coverage_target").or(self.coverage_target),
            capacity_per_1000: num(z, "capacity_per_1000").or(self.capacity_per_1000),
            presence_only: z
                .get("presence_only")
                .and_then(Value::as_bool)
                .unwrap_or(self.presence_only),
        }
    }
}

/// A service as the plan defines it, with per-zone rules.
struct Service {
    id: String,
    kind: String,
    group: String,
    rule: Rule,
    zones: BTreeMap<String, Rule>,
}

/// The plan's services (a preset's mapped rules, then the plan's own) and each area's zone (from
/// the preset's unit list, matched by code).
fn services(plan: &Value, areas: &[Area]) -> (Vec<Service>, Vec<Option<String>>) {
    assert!(
        plan["areas"].get("zone").is_none(),
        "bundles.rs takes zones from a preset's unit list only"
    );
    let own: Vec<&Value> = plan
        .get("service")
        .and_then(Value::as_array)
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    let mut out = Vec::new();
    let mut zone_of = vec![None; areas.len()];
    let mut used = BTreeSet::new();
    if let Some(id) = key(plan, "standard") {
        let preset: Value = toml::from_str(
            &std::fs::read_to_string(common::root().join("presets").join(format!("{id}.toml")))
                .unwrap(),
        )
        .unwrap();
        for u in preset
            .get("unit")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let (Some(code), Some(zone)) = (key(u, "code"), key(u, "zone")) {
                if let Some(a) = areas.iter().position(|a| a.id == code) {
                    zone_of[a] = Some(zone.to_owned());
                }
            }
        }
        let empty = toml::map::Map::new();
        let kinds = plan
            .get("kinds")
            .and_then(Value::as_table)
            .unwrap_or(&empty);
        let groups = plan
            .get("groups")
            .and_then(Value::as_table)
            .unwrap_or(&empty);
        for r in preset["rule"].as_array().unwrap() {
            let Some(kind) = kinds.get(key(r, "kind").unwrap()).and_then(Value::as_str) else {
                continue;
            };
            if own.iter().any(|s| key(s, "kind") == Some(kind)) {
                continue; // the plan's own services of this kind replace the rule
            }
            let rule = Rule::from(r);
            let zones = r
                .get("zone")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|z| (key(z, "zone").unwrap().to_owned(), rule.with(z)))
                .collect();
            used.insert(kind.to_owned());
            out.push(Service {
                id: kind.to_owned(),
                kind: kind.to_owned(),
                group: groups[key(r, "serves").unwrap()]
                    .as_str()
                    .unwrap()
                    .to_owned(),
                rule,
                zones,
            });
        }
    }
    for s in own {
        assert!(
            s.get("zones").is_none(),
            "plan-own zone rules are not read here"
        );
        let kind = key(s, "kind").unwrap().to_owned();
        out.push(Service {
            id: key(s, "id").map_or_else(|| kind.clone(), str::to_owned),
            kind,
            group: key(s, "serves").unwrap().to_owned(),
            rule: Rule::from(s),
            zones: BTreeMap::new(),
        });
    }
    (out, zone_of)
}

/// Geodesic distance (WGS 84) when a spherical estimate says it is near `radius`, else the
/// estimate: only distances near the radius decide whether a cell is within it.
fn distance(a: [f64; 2], b: [f64; 2], radius: f64) -> f64 {
    let r = 6_371_008.8;
    let (la, lb) = (a[1].to_radians(), b[1].to_radians());
    let h = ((lb - la) / 2.0).sin().powi(2)
        + la.cos() * lb.cos() * ((b[0] - a[0]).to_radians() / 2.0).sin().powi(2);
    let est = 2.0 * r * h.sqrt().asin();
    if (est - radius).abs() < 0.02 * radius {
        Geodesic::wgs84().inverse(a[1], a[0], b[1], b[0])
    } else {
        est
    }
}

/// Figures of one unit for one service, computed here.
#[derive(Default, Clone)]
struct Expected {
    population: f64,
    /// People surely within the radius (distance ≤ 0.999 r) and possibly within it (≤ 1.001 r).
    covered_low: f64,
    covered_high: f64,
    facilities: u32,
    capacity: f64,
}

/// Checks one plan; returns what it found wrong (empty when all holds).
fn check_plan(plan_path: &Path) -> Vec<String> {
    let mut bad = Vec::new();
    let name = plan_path
        .strip_prefix(common::root())
        .unwrap()
        .display()
        .to_string();
    let base = plan_path.parent().unwrap();
    let plan: Value = toml::from_str(&std::fs::read_to_string(plan_path).unwrap()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    common::analyze_into(plan_path, &out, &[]);

    let a = &plan["areas"];
    let areas = read_areas(&base.join(key(a, "path").unwrap()), key(a, "id").unwrap());
    let cells = read_cells(&plan, base);
    let facilities = read_facilities(&plan, base);
    let (services, zone_of) = services(&plan, &areas);
    let cell_area: Vec<Option<usize>> = cells.points.iter().map(|&p| area_of(&areas, p)).collect();
    let fac_area: Vec<Option<usize>> = facilities.iter().map(|f| area_of(&areas, f.at)).collect();

    let has_capacity = plan
        .get("facilities")
        .and_then(Value::as_array)
        .is_some_and(|a| a.iter().any(|s| key(s, "capacity").is_some()));
    let rows = common::rows(&out.join("areas.csv"));
    let (mut blank, mut clear) = (0, 0);
    for s in &services {
        let rule_of = |a: usize| {
            zone_of[a]
                .as_ref()
                .and_then(|z| s.zones.get(z))
                .unwrap_or(&s.rule)
                .clone()
        };
        let mut want = vec![Expected::default(); areas.len()];
        let here: Vec<usize> = (0..facilities.len())
            .filter(|&i| facilities[i].kind == s.kind)
            .collect();
        for &i in &here {
            if let Some(a) = fac_area[i] {
                want[a].facilities += 1;
                want[a].capacity += facilities[i].capacity;
            }
        }
        let values = &cells.values[&s.group];
        for (c, &v) in values.iter().enumerate() {
            let Some(a) = cell_area[c] else { continue };
            want[a].population += v;
            let rule = rule_of(a);
            let (low, high) = if rule.presence_only {
                let present = want[a].facilities > 0;
                (present, present)
            } else {
                let d = here
                    .iter()
                    .map(|&i| distance(cells.points[c], facilities[i].at, rule.radius_m))
                    .fold(f64::INFINITY, f64::min);
                (d <= rule.radius_m * 0.999, d <= rule.radius_m * 1.001)
            };
            want[a].covered_low += if low { v } else { 0.0 };
            want[a].covered_high += if high { v } else { 0.0 };
        }

        let got: Vec<&HashMap<String, String>> =
            rows.iter().filter(|r| r["kind"] == s.id).collect();
        let ids: BTreeSet<&str> = got.iter().map(|r| r["area_id"].as_str()).collect();
        let layer: BTreeSet<&str> = areas.iter().map(|a| a.id.as_str()).collect();
        if ids != layer || got.len() != areas.len() {
            bad.push(format!(
                "{name} {}: areas.csv has {} rows for units {ids:?}, the layer has {layer:?}",
                s.id,
                got.len()
            ));
            continue;
        }
        for r in got {
            let ai = areas.iter().position(|x| x.id == r["area_id"]).unwrap();
            let w = &want[ai];
            let at = format!("{name} {} unit {}", s.id, r["area_id"]);
            let f = |k: &str| -> f64 { r[k].parse().unwrap_or(0.0) };
            let close = |x: f64, y: f64| (x - y).abs() <= 0.0006 + 1e-9 * y.abs();
            if !close(f("population"), w.population) {
                bad.push(format!(
                    "{at}: population {} , summed here {}",
                    r["population"], w.population
                ));
            }
            let covered = f("covered_population");
            if covered > f("population") + 0.0006 {
                bad.push(format!(
                    "{at}: covered {covered} > population {}",
                    r["population"]
                ));
            }
            if covered < w.covered_low - 0.0006 || covered > w.covered_high + 0.0006 {
                bad.push(format!(
                    "{at}: covered {covered}, expected between {} and {}",
                    w.covered_low, w.covered_high
                ));
            }
            if r["facilities"].parse::<u32>().unwrap() != w.facilities {
                bad.push(format!(
                    "{at}: facilities {}, counted here {}",
                    r["facilities"], w.facilities
                ));
            }
            if has_capacity && !close(f("capacity"), w.capacity) {
                bad.push(format!(
                    "{at}: capacity {}, summed here {}",
                    r["capacity"], w.capacity
                ));
            }
            // The reasons the rules give, decided here; a coverage within the distance margin
            // of its target is left undecided.
            let rule = rule_of(ai);
            let reasons: BTreeSet<&str> =
                r["reasons"].split(';').filter(|x| !x.is_empty()).collect();
            let mut sure = BTreeMap::new();
            sure.insert(
                "no_facility",
                Some(rule.min_per_area.is_some_and(|m| w.facilities < m)),
            );
            sure.insert("no_population", Some(w.population <= 0.0));
            let has_pop = w.population > 0.0;
            sure.insert(
                "coverage_below_target",
                match rule.coverage_target {
                    Some(t) if has_pop => {
                        let (lo, hi) =
                            (w.covered_low / w.population, w.covered_high / w.population);
                        if hi < t - 1e-9 {
                            Some(true)
                        } else if lo >= t + 1e-9 {
                            Some(false)
                        } else {
                            None
                        }
                    }
                    _ => Some(false),
                },
            );
            sure.insert(
                "capacity_below_target",
                Some(
                    has_pop
                        && rule
                            .capacity_per_1000
                            .is_some_and(|t| w.capacity / w.population * 1000.0 < t),
                ),
            );
            for (reason, expect) in sure {
                if let Some(e) = expect {
                    if reasons.contains(reason) != e {
                        bad.push(format!(
                            "{at}: reasons {reasons:?}, expected {reason} = {e} (rule {rule:?})"
                        ));
                    }
                }
            }
            let is_blank = reasons.iter().any(|x| *x != "no_population");
            if (r["blank"] == "true") != is_blank {
                bad.push(format!(
                    "{at}: blank = {} with reasons {reasons:?}",
                    r["blank"]
                ));
            }
            if is_blank {
                blank += 1;
            } else {
                clear += 1;
            }
        }
    }
    if blank == 0 || clear == 0 {
        bad.push(format!(
            "{name}: {blank} blank and {clear} non-blank unit rows: a demo needs both"
        ));
    }
    bad
}

/// `data/*/plan.toml` and `data/presets/*/plan.toml`, sorted.
fn bundle_plans() -> Vec<PathBuf> {
    let mut plans = Vec::new();
    for dir in [
        common::root().join("data"),
        common::root().join("data/presets"),
    ] {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path().join("plan.toml");
            if p.is_file() {
                plans.push(p);
            }
        }
    }
    plans.sort();
    plans
}

#[test]
fn every_bundle_plan_gives_the_figures_of_its_input_files() {
    let plans = bundle_plans();
    let names: Vec<String> = plans
        .iter()
        .map(|p| {
            p.strip_prefix(common::root())
                .unwrap()
                .display()
                .to_string()
        })
        .collect();
    for want in [
        "data/wuchang/plan.toml",
        "data/presets/mentougou-2025/plan.toml",
        "data/presets/daxing-2023/plan.toml",
        "data/presets/dongli-2025/plan.toml",
        "data/presets/shuangqiao-2025/plan.toml",
        "data/presets/yuzhong-2025/plan.toml",
    ] {
        assert!(
            names.iter().any(|n| n == want),
            "{want} missing from {names:?}"
        );
    }
    let bad: Vec<String> = plans.iter().flat_map(|p| check_plan(p)).collect();
    assert!(
        bad.is_empty(),
        "{} problems:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

/// Synthetic inputs are said so where a planner looks: the file name, the plan's title (合成)
/// and the bundle's README; a facility table named like the demo's has its exact header.
#[test]
fn synthetic_bundles_say_so() {
    for plan_path in bundle_plans() {
        let dir = plan_path.parent().unwrap();
        let synthetic: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains("synthetic"))
            .collect();
        if synthetic.is_empty() {
            continue;
        }
        let plan: Value = toml::from_str(&std::fs::read_to_string(&plan_path).unwrap()).unwrap();
        let title = key(&plan, "title").unwrap_or("");
        assert!(
            title.contains("合成"),
            "{}: title {title:?} must say 合成 (synthetic)",
            plan_path.display()
        );
        let readme = std::fs::read_to_string(dir.join("README.md")).unwrap();
        assert!(
            readme.to_lowercase().contains("synthetic"),
            "{}: README must say synthetic",
            dir.display()
        );
        for f in synthetic
            .iter()
            .filter(|n| n.starts_with("facilities") && n.ends_with(".csv"))
        {
            let first = std::fs::read_to_string(dir.join(f)).unwrap();
            assert_eq!(
                first.lines().next(),
                Some("id,name,kind,capacity,lon,lat"),
                "{}",
                f
            );
        }
    }
}

/// The Wuchang rasters are the Wuhan ones on the same grid: every pixel whose centre lies in one
/// of 420106's streets (as data/wuhan gives them) keeps its source value bit for bit, every
/// other pixel is nodata, and the window holds the whole district.
#[test]
fn wuchang_rasters_keep_the_source_pixels_inside_the_district() {
    let root = common::root();
    let streets: Vec<Area> = read_areas(&root.join("data/wuhan/streets_approx.geojson"), "id")
        .into_iter()
        .filter(|a| a.id.starts_with("420106"))
        .collect();
    assert_eq!(streets.len(), 14);
    let bundle = read_areas(&root.join("data/wuchang/streets_approx.geojson"), "id");
    assert_eq!(
        bundle.iter().map(|a| (&a.id, &a.rings)).collect::<Vec<_>>(),
        streets
            .iter()
            .map(|a| (&a.id, &a.rings))
            .collect::<Vec<_>>(),
        "the bundle's streets are data/wuhan's 420106 streets"
    );
    for name in ["pop_60plus.tif", "pop_80plus.tif"] {
        let src = Raster::read(&root.join("data/wuhan").join(name));
        let cut = Raster::read(&root.join("data/wuchang").join(name));
        assert_eq!(
            (cut.dx, cut.dy, cut.nodata),
            (src.dx, src.dy, src.nodata),
            "{name}"
        );
        let c0 = (cut.x0 - src.x0) / src.dx;
        let r0 = (src.y0 - cut.y0) / src.dy;
        assert!(
            (c0 - c0.round()).abs() < 1e-6 && (r0 - r0.round()).abs() < 1e-6,
            "{name}: off the source grid"
        );
        let (c0, r0) = (c0.round() as usize, r0.round() as usize);
        let (mut kept, mut inside_src) = (0.0f64, 0.0f64);
        let mut inside_pixels = 0;
        for r in 0..cut.height {
            for c in 0..cut.width {
                let p = src.centre(r0 + r, c0 + c);
                let v = cut.samples[r * cut.width + c];
                let s = src.samples[(r0 + r) * src.width + c0 + c];
                if area_of(&streets, p).is_some() {
                    assert_eq!(v.to_bits(), s.to_bits(), "{name} pixel r{r} c{c}");
                    inside_src += src.people((r0 + r) * src.width + c0 + c);
                    inside_pixels += 1;
                } else {
                    assert_eq!(
                        v as f64, cut.nodata,
                        "{name} pixel r{r} c{c} lies outside the streets"
                    );
                }
                kept += cut.people(r * cut.width + c);
            }
        }
        assert_eq!(kept, inside_src, "{name}");
        assert!(inside_pixels > 10_000, "{name}: {inside_pixels} pixels");
        // The window holds every street: no pixel of the district was cut off.
        let (x1, y1) = (
            cut.x0 + (cut.width - 1) as f64 * cut.dx,
            cut.y0 - (cut.height - 1) as f64 * cut.dy,
        );
        for s in &streets {
            assert!(
                s.bbox[0] >= cut.x0 - cut.dx / 2.0 && s.bbox[2] <= x1 + cut.dx / 2.0,
                "{}",
                s.id
            );
            assert!(
                s.bbox[1] >= y1 - cut.dy / 2.0 && s.bbox[3] <= cut.y0 + cut.dy / 2.0,
                "{}",
                s.id
            );
        }
    }
}
