//! The plan file (TOML) → a validated [`Plan`].
//!
//! Every key is checked here: unknown keys are an error (a typo must not pass silently), paths
//! are resolved relative to the plan file, each `serves` must name a defined group, and service
//! ids must be unique. Later stages can rely on a `Plan` being consistent.

use crate::error::{Error, Result};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A group's source fields: one property, or several summed.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPlan {
    title: Option<String>,
    areas: RawAreas,
    population: RawPopulation,
    #[serde(default)]
    facilities: Vec<RawFacilities>,
    #[serde(default)]
    service: Vec<RawService>,
    network: Option<RawNetwork>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNetwork {
    path: PathBuf,
    speed_kmh: Option<f64>,
    max_snap_m: Option<f64>,
    area_width_m: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAreas {
    path: PathBuf,
    layer: Option<String>,
    id: String,
    name: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPopulation {
    path: PathBuf,
    layer: Option<String>,
    lon: Option<String>,
    lat: Option<String>,
    id: Option<String>,
    cell_size: Option<String>,
    groups: BTreeMap<String, OneOrMany>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFacilities {
    path: PathBuf,
    layer: Option<String>,
    sheet: Option<String>,
    lon: Option<String>,
    lat: Option<String>,
    id: Option<String>,
    name: Option<String>,
    kind: Option<String>,
    kind_value: Option<String>,
    capacity: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawService {
    id: Option<String>,
    kind: String,
    serves: String,
    radius_m: f64,
    min_per_area: Option<u32>,
    coverage_target: Option<f64>,
    capacity_per_1000: Option<f64>,
    minutes: Option<f64>,
    speed_kmh: Option<f64>,
}

/// The validated plan.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The plan file itself.
    pub path: PathBuf,
    /// Optional title shown in reports (default: the plan file's stem).
    pub title: String,
    /// Streets/towns layer.
    pub areas: AreasSpec,
    /// Population cells.
    pub population: PopulationSpec,
    /// Facility sources, in plan order.
    pub facilities: Vec<FacilitySpec>,
    /// Services to evaluate, in plan order.
    pub services: Vec<ServiceSpec>,
    /// Walking network, when the plan has one.
    pub network: Option<NetworkSpec>,
}

/// Default walking speed, km/h (15 minutes = 1000 m).
pub const DEFAULT_SPEED_KMH: f64 = 4.0;
/// Default walking budget, minutes (一刻钟).
pub const DEFAULT_MINUTES: f64 = 15.0;
/// Default largest distance from a point to the network, metres.
pub const DEFAULT_MAX_SNAP_M: f64 = 500.0;
/// Default half-width of service-area polygons around the reachable streets, metres.
pub const DEFAULT_AREA_WIDTH_M: f64 = 50.0;

/// `[network]`: an OpenStreetMap walking network.
#[derive(Debug, Clone)]
pub struct NetworkSpec {
    /// Resolved path of the `.osm.pbf` file.
    pub path: PathBuf,
    /// Walking speed, km/h (services may override).
    pub speed_kmh: f64,
    /// A point farther than this from every walkable segment is unreachable.
    pub max_snap_m: f64,
    /// Half-width of service-area polygons around reachable streets.
    pub area_width_m: f64,
}

/// `[areas]`.
#[derive(Debug, Clone)]
pub struct AreasSpec {
    /// Resolved path of the Polygon/MultiPolygon layer (GeoJSON, Shapefile or GeoPackage).
    pub path: PathBuf,
    /// GeoPackage table (the first feature table when `None`).
    pub layer: Option<String>,
    /// Property with the unit's code (kept verbatim as text).
    pub id: String,
    /// Property with the unit's display name.
    pub name: String,
}

/// `[population]`.
#[derive(Debug, Clone)]
pub struct PopulationSpec {
    /// Resolved path (GeoJSON, Shapefile, GeoPackage or CSV).
    pub path: PathBuf,
    /// GeoPackage table (the first feature table when `None`).
    pub layer: Option<String>,
    /// CSV longitude column.
    pub lon: Option<String>,
    /// CSV latitude column.
    pub lat: Option<String>,
    /// Optional property/column with the cell id (default: feature index or CSV line).
    pub id: Option<String>,
    /// Footprint of point cells, when given.
    pub cell_size: Option<CellSize>,
    /// Group name → fields summed into it (sorted by group name).
    pub groups: Vec<(String, Vec<String>)>,
}

/// `[[facilities]]`.
#[derive(Debug, Clone)]
pub struct FacilitySpec {
    /// Resolved path (GeoJSON, Shapefile, GeoPackage, CSV or Excel .xlsx).
    pub path: PathBuf,
    /// GeoPackage table (the first feature table when `None`).
    pub layer: Option<String>,
    /// Excel sheet (the first sheet when `None`).
    pub sheet: Option<String>,
    /// CSV/Excel longitude column.
    pub lon: Option<String>,
    /// CSV/Excel latitude column.
    pub lat: Option<String>,
    /// Property with the facility id (default: `<file stem>#<index>`).
    pub id: Option<String>,
    /// Property with a display name.
    pub name: Option<String>,
    /// Where the kind comes from.
    pub kind: KindSource,
    /// Property with the capacity (beds, slots …).
    pub capacity: Option<String>,
}

/// A facility source's kind: a property, or one value for the whole file.
#[derive(Debug, Clone)]
pub enum KindSource {
    /// Read from this property.
    Field(String),
    /// Every feature has this kind.
    Value(String),
}

/// `[[service]]`: one facility kind evaluated for one population group.
#[derive(Debug, Clone)]
pub struct ServiceSpec {
    /// Unique id (defaults to the kind).
    pub id: String,
    /// Facility kind value matched against the facilities.
    pub kind: String,
    /// Population group served.
    pub serves: String,
    /// Index of `serves` in [`PopulationSpec::groups`].
    pub group: usize,
    /// Service-circle radius, straight-line metres.
    pub radius_m: f64,
    /// A unit with fewer facilities of this kind is blank (`no_facility`).
    pub min_per_area: Option<u32>,
    /// A unit whose covered share is lower is blank (`coverage_below_target`).
    pub coverage_target: Option<f64>,
    /// A unit whose capacity per 1,000 served people is lower is blank (`capacity_below_target`).
    pub capacity_per_1000: Option<f64>,
    /// Walking budget, minutes (used when the plan has a network).
    pub minutes: f64,
    /// Walking speed for this service, km/h (the network's unless set).
    pub speed_kmh: f64,
}

impl ServiceSpec {
    /// Walking distance budget in metres: minutes × speed.
    pub fn walk_budget_m(&self) -> f64 {
        self.minutes * self.speed_kmh * 1000.0 / 60.0
    }
}

/// Footprint of point cells.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CellSize {
    /// Square cells this many metres wide.
    Meters(f64),
    /// Square cells this many degrees wide in lon and lat.
    Degrees(f64),
}

impl CellSize {
    /// Parses "100 m", "0.25 km", "3 arcsec", "0.5 arcmin", "0.001 deg".
    pub fn parse(s: &str) -> Option<CellSize> {
        let s = s.trim();
        let split = s
            .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == 'e' || c == 'E'))
            .unwrap_or(s.len());
        let (num, unit) = s.split_at(split);
        let v: f64 = num.trim().parse().ok()?;
        if !(v.is_finite() && v > 0.0) {
            return None;
        }
        match unit.trim() {
            "m" | "meter" | "meters" | "metre" | "metres" => Some(CellSize::Meters(v)),
            "km" => Some(CellSize::Meters(v * 1000.0)),
            "arcsec" | "\"" => Some(CellSize::Degrees(v / 3600.0)),
            "arcmin" | "'" => Some(CellSize::Degrees(v / 60.0)),
            "deg" | "degree" | "degrees" | "°" => Some(CellSize::Degrees(v)),
            _ => None,
        }
    }
}

impl Plan {
    /// Reads and validates a plan file.
    pub fn load(path: &Path) -> Result<Plan> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::Plan {
            path: path.to_owned(),
            reason: format!("cannot read it: {e}"),
        })?;
        Plan::parse(&text, path)
    }

    /// Validates plan text; `path` is used for messages and to resolve relative paths.
    pub fn parse(text: &str, path: &Path) -> Result<Plan> {
        let err = |reason: String| Error::Plan {
            path: path.to_owned(),
            reason,
        };
        let raw: RawPlan =
            toml::from_str(text).map_err(|e| err(format!("{e}").trim_end().to_owned()))?;
        let base = path.parent().unwrap_or(Path::new("."));
        let resolve = |p: &Path| -> PathBuf {
            if p.is_absolute() {
                p.to_owned()
            } else {
                base.join(p)
            }
        };

        if raw.population.groups.is_empty() {
            return Err(err(
                "[population] groups: define at least one group, e.g. groups.total = \"pop_total\""
                    .into(),
            ));
        }
        let mut groups = Vec::new();
        for (name, fields) in raw.population.groups {
            let fields = match fields {
                OneOrMany::One(f) => vec![f],
                OneOrMany::Many(v) => v,
            };
            if fields.is_empty() || fields.iter().any(|f| f.is_empty()) {
                return Err(err(format!("[population] groups.{name}: expected a property name or a non-empty list of property names")));
            }
            groups.push((name, fields));
        }
        let cell_size = match &raw.population.cell_size {
            None => None,
            Some(s) => Some(CellSize::parse(s).ok_or_else(|| {
                err(format!("[population] cell_size = \"{s}\": expected a positive size with a unit, like \"100 m\" or \"3 arcsec\""))
            })?),
        };
        let pop_path = resolve(&raw.population.path);
        if is_csv(&pop_path) && (raw.population.lon.is_none() || raw.population.lat.is_none()) {
            return Err(err("[population] is a CSV file: set lon = \"…\" and lat = \"…\" to the columns holding the cell centre".into()));
        }

        let mut facilities = Vec::new();
        for (i, f) in raw.facilities.into_iter().enumerate() {
            let kind = match (f.kind, f.kind_value) {
                (Some(k), None) => KindSource::Field(k),
                (None, Some(v)) => KindSource::Value(v),
                (Some(_), Some(_)) => return Err(err(format!("[[facilities]] #{}: set either kind (a property) or kind_value (one kind for the whole file), not both", i + 1))),
                (None, None) => return Err(err(format!("[[facilities]] #{}: missing kind (the property holding the facility kind) or kind_value", i + 1))),
            };
            let fpath = resolve(&f.path);
            if (is_csv(&fpath) || is_xlsx(&fpath)) && (f.lon.is_none() || f.lat.is_none()) {
                return Err(err(format!(
                    "[[facilities]] #{} ({}) is a table: set lon and lat to its coordinate columns",
                    i + 1,
                    f.path.display()
                )));
            }
            if f.sheet.is_some() && !is_xlsx(&fpath) {
                return Err(err(format!("[[facilities]] #{} ({}): sheet names a sheet of an Excel workbook (.xlsx); remove it for this file", i + 1, f.path.display())));
            }
            facilities.push(FacilitySpec {
                path: fpath,
                layer: f.layer,
                sheet: f.sheet,
                lon: f.lon,
                lat: f.lat,
                id: f.id,
                name: f.name,
                kind,
                capacity: f.capacity,
            });
        }

        if raw.service.is_empty() {
            return Err(err("no [[service]] defined: add at least one, e.g. kind = \"service_station\", serves = \"elderly\", radius_m = 1000".into()));
        }
        let network = match raw.network {
            None => None,
            Some(n) => {
                let speed_kmh = n.speed_kmh.unwrap_or(DEFAULT_SPEED_KMH);
                let max_snap_m = n.max_snap_m.unwrap_or(DEFAULT_MAX_SNAP_M);
                let area_width_m = n.area_width_m.unwrap_or(DEFAULT_AREA_WIDTH_M);
                for (k, v) in [
                    ("speed_kmh", speed_kmh),
                    ("max_snap_m", max_snap_m),
                    ("area_width_m", area_width_m),
                ] {
                    if !(v.is_finite() && v > 0.0) {
                        return Err(err(format!(
                            "[network] {k} = {v} must be a positive number"
                        )));
                    }
                }
                Some(NetworkSpec {
                    path: resolve(&n.path),
                    speed_kmh,
                    max_snap_m,
                    area_width_m,
                })
            }
        };
        let mut services: Vec<ServiceSpec> = Vec::new();
        for (i, s) in raw.service.into_iter().enumerate() {
            let id = s.id.clone().unwrap_or_else(|| s.kind.clone());
            let at = format!("[[service]] #{} ({id})", i + 1);
            if id.is_empty() || s.kind.is_empty() {
                return Err(err(format!("{at}: id and kind must not be empty")));
            }
            if services.iter().any(|o| o.id == id) {
                return Err(err(format!("{at}: duplicate service id '{id}': two services of one kind need distinct `id`s")));
            }
            let group = groups
                .iter()
                .position(|(g, _)| *g == s.serves)
                .ok_or_else(|| {
                    let names: Vec<&str> = groups.iter().map(|(g, _)| g.as_str()).collect();
                    err(format!(
                        "{at}: serves = \"{}\" is not a population group; the plan defines {}",
                        s.serves,
                        names.join(", ")
                    ))
                })?;
            if !(s.radius_m.is_finite() && s.radius_m > 0.0) {
                return Err(err(format!(
                    "{at}: radius_m = {} must be a positive number of metres",
                    s.radius_m
                )));
            }
            if let Some(t) = s.coverage_target {
                if !(0.0..=1.0).contains(&t) {
                    return Err(err(format!("{at}: coverage_target = {t} must be a fraction between 0 and 1 (0.9 means 90 %)")));
                }
            }
            if let Some(c) = s.capacity_per_1000 {
                if !(c.is_finite() && c >= 0.0) {
                    return Err(err(format!(
                        "{at}: capacity_per_1000 = {c} must be a non-negative number"
                    )));
                }
            }
            let minutes = s.minutes.unwrap_or(DEFAULT_MINUTES);
            let speed_kmh = s
                .speed_kmh
                .or(network.as_ref().map(|n| n.speed_kmh))
                .unwrap_or(DEFAULT_SPEED_KMH);
            for (k, v) in [("minutes", minutes), ("speed_kmh", speed_kmh)] {
                if !(v.is_finite() && v > 0.0) {
                    return Err(err(format!("{at}: {k} = {v} must be a positive number")));
                }
            }
            services.push(ServiceSpec {
                minutes,
                speed_kmh,
                id,
                kind: s.kind,
                serves: s.serves,
                group,
                radius_m: s.radius_m,
                min_per_area: s.min_per_area,
                coverage_target: s.coverage_target,
                capacity_per_1000: s.capacity_per_1000,
            });
        }

        let title = raw.title.unwrap_or_else(|| {
            path.file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default()
        });
        Ok(Plan {
            path: path.to_owned(),
            title,
            areas: AreasSpec {
                path: resolve(&raw.areas.path),
                layer: raw.areas.layer,
                id: raw.areas.id,
                name: raw.areas.name,
            },
            population: PopulationSpec {
                path: pop_path,
                layer: raw.population.layer,
                lon: raw.population.lon,
                lat: raw.population.lat,
                id: raw.population.id,
                cell_size,
                groups,
            },
            facilities,
            services,
            network,
        })
    }
}

/// True when a path names an Excel workbook (.xlsx, .xlsm, .xls, by extension).
pub fn is_xlsx(p: &Path) -> bool {
    matches!(
        p.extension()
            .and_then(|e| e.to_str())
            .map(|e| e.to_ascii_lowercase())
            .as_deref(),
        Some("xlsx" | "xlsm" | "xls")
    )
}

/// True when a path names a CSV/TSV file (by extension).
pub fn is_csv(p: &Path) -> bool {
    matches!(
        p.extension()
            .and_then(|e| e.to_str())
            .map(|e| e.to_ascii_lowercase())
            .as_deref(),
        Some("csv" | "tsv" | "txt")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const OK: &str = r#"
[areas]
path = "streets.geojson"
id = "id"
name = "name"
[population]
path = "cells.csv"
lon = "lon"
lat = "lat"
groups.total = "pop"
groups.elderly = ["a", "b"]
[[facilities]]
path = "f.geojson"
kind = "kind"
[[service]]
kind = "station"
serves = "elderly"
radius_m = 1000
"#;

    fn parse(t: &str) -> Result<Plan> {
        Plan::parse(t, Path::new("/x/plan.toml"))
    }

    #[test]
    fn parses_and_resolves_paths() {
        let p = parse(OK).unwrap();
        assert_eq!(p.areas.path, Path::new("/x/streets.geojson"));
        assert_eq!(p.services[0].id, "station");
        assert_eq!(p.population.groups[p.services[0].group].1, vec!["a", "b"]);
    }

    #[test]
    fn unknown_key_is_an_error() {
        let e = parse(&OK.replace("radius_m = 1000", "radius_m = 1000\nradius = 5")).unwrap_err();
        assert!(e.to_string().contains("unknown field `radius`"), "{e}");
    }

    #[test]
    fn undefined_group_is_an_error() {
        let e = parse(&OK.replace("serves = \"elderly\"", "serves = \"children\"")).unwrap_err();
        let m = e.to_string();
        assert!(
            m.contains("children") && m.contains("elderly, total"),
            "{m}"
        );
    }

    #[test]
    fn duplicate_service_id_is_an_error() {
        let t =
            format!("{OK}\n[[service]]\nkind = \"station\"\nserves = \"total\"\nradius_m = 500\n");
        assert!(parse(&t)
            .unwrap_err()
            .to_string()
            .contains("duplicate service id 'station'"));
    }

    #[test]
    fn csv_needs_lon_lat() {
        let e = parse(&OK.replace("lon = \"lon\"\n", "")).unwrap_err();
        assert!(e.to_string().contains("lon"));
    }

    #[test]
    fn cell_size_units() {
        assert_eq!(CellSize::parse("100 m"), Some(CellSize::Meters(100.0)));
        assert_eq!(CellSize::parse("0.25km"), Some(CellSize::Meters(250.0)));
        assert_eq!(
            CellSize::parse("3 arcsec"),
            Some(CellSize::Degrees(3.0 / 3600.0))
        );
        assert_eq!(CellSize::parse("3 parsec"), None);
        assert_eq!(CellSize::parse("-3 m"), None);
    }

    #[test]
    fn network_defaults_and_per_service_speed() {
        let p = parse(&format!("{OK}\n[network]\npath = \"city.osm.pbf\"\n")).unwrap();
        let n = p.network.unwrap();
        assert_eq!(
            (n.speed_kmh, n.max_snap_m, n.area_width_m),
            (4.0, 500.0, 50.0)
        );
        assert_eq!(p.services[0].walk_budget_m(), 1000.0);
        let t = OK.replace(
            "radius_m = 1000",
            "radius_m = 1000\nminutes = 10\nspeed_kmh = 3.0",
        );
        let p = parse(&format!(
            "{t}\n[network]\npath = \"x.pbf\"\nspeed_kmh = 5.0\n"
        ))
        .unwrap();
        assert_eq!(p.services[0].walk_budget_m(), 500.0);
    }

    #[test]
    fn bad_values_are_errors() {
        assert!(parse(&OK.replace("radius_m = 1000", "radius_m = 0")).is_err());
        assert!(
            parse(&OK.replace("radius_m = 1000", "radius_m = 1000\ncoverage_target = 90")).is_err()
        );
    }
}
