//! The plan file (TOML) → a validated [`Plan`].
//!
//! Every key is checked here: unknown keys are an error (a typo must not pass silently), paths
//! are resolved relative to the plan file, each `serves` must name a defined group, and service
//! ids must be unique. Later stages can rely on a `Plan` being consistent.

use crate::error::{Error, Result};
use crate::limits;
use crate::standards::Provenance;
use crate::warnings::Warnings;
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
    #[serde(default)]
    planned: Vec<RawFacilities>,
    planned_until: Option<i32>,
    /// A built-in preset filling the services (`standard = "mentougou-2025"`).
    standard: Option<String>,
    /// Preset kind → the plan's facility kind (`kinds.station = "service_station"`).
    #[serde(default)]
    kinds: BTreeMap<String, String>,
    /// Preset group → the plan's population group (`groups.age60 = "elderly"`).
    #[serde(default)]
    groups: BTreeMap<String, String>,
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
    crs: Option<String>,
    id: String,
    name: String,
    zone: Option<String>,
    parent: Option<String>,
    #[serde(default)]
    counts: BTreeMap<String, String>,
    /// `where = { district = "武昌区" }` or a list of values: keep only matching features.
    #[serde(rename = "where", default)]
    select: BTreeMap<String, toml::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPopulation {
    path: PathBuf,
    layer: Option<String>,
    crs: Option<String>,
    lon: Option<String>,
    lat: Option<String>,
    id: Option<String>,
    cell_size: Option<String>,
    #[serde(default)]
    null_values: Vec<f64>,
    #[serde(default)]
    null_fields: Vec<String>,
    groups: BTreeMap<String, OneOrMany>,
    #[serde(default)]
    growth: BTreeMap<String, RawGrowth>,
}

/// `growth.<group>`: one factor, or factors per target year.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RawGrowth {
    Factor(f64),
    ByYear(BTreeMap<String, f64>),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawZoneRule {
    radius_m: Option<f64>,
    minutes: Option<f64>,
    coverage_target: Option<f64>,
    min_per_area: Option<u32>,
    capacity_per_1000: Option<f64>,
    #[serde(default)]
    presence_only: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFacilities {
    path: PathBuf,
    layer: Option<String>,
    crs: Option<String>,
    sheet: Option<String>,
    lon: Option<String>,
    lat: Option<String>,
    id: Option<String>,
    name: Option<String>,
    kind: Option<String>,
    kind_value: Option<String>,
    capacity: Option<String>,
    year: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
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
    #[serde(default)]
    zones: BTreeMap<String, RawZoneRule>,
    access: Option<RawAccess>,
}

/// `[[service]] access = { … }` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAccess {
    catchment_m: Option<f64>,
    decay: Option<String>,
    steps: Option<Vec<[f64; 2]>>,
    distance: Option<String>,
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
    /// `[[planned]]` facility sources (what-if), in plan order.
    pub planned: Vec<FacilitySpec>,
    /// `planned_until`: planned facilities with a later `year` are left out.
    pub planned_until: Option<i32>,
    /// How this run evaluates the plan (set by the caller, e.g. `--with-planned`, `--year`).
    pub scenario: Scenario,
    /// The preset named by `standard`, mapped to the plan's kinds and groups (all its mapped
    /// rules with their zone variants, including kinds the plan's own `[[service]]` overrides).
    pub standard: Option<crate::standards::Applied>,
    /// Suspicious but valid settings (preset kinds the plan does not map).
    pub warnings: Warnings,
}

/// Run-time choices that change what the plan evaluates (not part of the plan file).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Scenario {
    /// Evaluate as if the `[[planned]]` facilities were built (`analyze --with-planned`).
    pub with_planned: bool,
    /// Target year (`--year`): picks per-year growth factors, and planned facilities with a
    /// later `year` are left out (it overrides `planned_until`).
    pub year: Option<i32>,
}

impl Plan {
    /// The last year of planned facilities counted: `--year`, else `planned_until`.
    pub fn planned_until(&self) -> Option<i32> {
        self.scenario.year.or(self.planned_until)
    }

    /// The growth factor of population group `g` for this run's year (1 when none is set).
    /// Errors when the group has per-year factors and no (or an unlisted) `--year` was given.
    pub fn growth_factor(&self, g: usize) -> Result<f64> {
        let name = &self.population.groups[g].0;
        let Some((_, growth)) = self.population.growth.iter().find(|(n, _)| n == name) else {
            return Ok(1.0);
        };
        match growth {
            Growth::Factor(f) => Ok(*f),
            Growth::ByYear(years) => {
                let listed = || {
                    years
                        .iter()
                        .map(|(y, _)| y.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                let Some(year) = self.scenario.year else {
                    return Err(Error::Plan {
                        path: self.path.clone(),
                        reason: format!("[population] growth.{name} has factors per year ({}): choose one with --year", listed()),
                    });
                };
                years
                    .iter()
                    .find(|(y, _)| *y == year)
                    .map(|(_, f)| *f)
                    .ok_or_else(|| Error::Plan {
                        path: self.path.clone(),
                        reason: format!(
                            "[population] growth.{name} has no factor for --year {year}; it lists {}",
                            listed()
                        ),
                    })
            }
        }
    }
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
    /// Coordinate system named in the plan (`crs = "…"`); else the file's own, else WGS 84.
    pub crs: Option<crate::crs::Crs>,
    /// Property with the unit's code (kept verbatim as text).
    pub id: String,
    /// Property with the unit's display name.
    pub name: String,
    /// Property with the unit's zone (`urban`, `mountain` …), selecting per-zone service rules.
    pub zone: Option<String>,
    /// Property with the parent unit (district): figures are also aggregated per parent.
    pub parent: Option<String>,
    /// Official counts (census) per group: group name → property; sorted by group name.
    pub counts: Vec<(String, String)>,
    /// `where`: property → the values kept (as text), sorted by property. A feature is kept
    /// when, for every property, its value (as text) is one of the listed; empty keeps all.
    pub select: Vec<(String, Vec<String>)>,
}

/// `[population]`.
#[derive(Debug, Clone)]
pub struct PopulationSpec {
    /// Resolved path (GeoJSON, Shapefile, GeoPackage or CSV).
    pub path: PathBuf,
    /// GeoPackage table (the first feature table when `None`).
    pub layer: Option<String>,
    /// Coordinate system named in the plan (`crs = "…"`); else the file's own, else WGS 84.
    pub crs: Option<crate::crs::Crs>,
    /// CSV longitude column.
    pub lon: Option<String>,
    /// CSV latitude column.
    pub lat: Option<String>,
    /// Optional property/column with the cell id (default: feature index or CSV line).
    pub id: Option<String>,
    /// Footprint of point cells, when given.
    pub cell_size: Option<CellSize>,
    /// Values that mean "unknown" (suppressed counts, e.g. 99): counted as null, read as 0.
    pub null_values: Vec<f64>,
    /// The fields `null_values` applies to (all group fields when empty): a real count equal to
    /// a marker in a never-suppressed field (a total of 99 people) stays a count.
    pub null_fields: Vec<String>,
    /// Group name → fields summed into it (sorted by group name); for a folder of GeoTIFFs,
    /// the files (relative to the folder) summed pixel by pixel.
    pub groups: Vec<(String, Vec<String>)>,
    /// Demand growth per group (sorted by group name): cell values are multiplied by it.
    pub growth: Vec<(String, Growth)>,
}

/// `growth.<group>`: how much a group grows by the target year.
#[derive(Debug, Clone, PartialEq)]
pub enum Growth {
    /// One factor (`growth.elderly = 1.24`).
    Factor(f64),
    /// Factors per target year, ascending (`growth.elderly = { 2025 = 1.1, 2030 = 1.24 }`).
    ByYear(Vec<(i32, f64)>),
}

/// `[[facilities]]`.
#[derive(Debug, Clone)]
pub struct FacilitySpec {
    /// Resolved path (GeoJSON, Shapefile, GeoPackage, CSV or Excel .xlsx).
    pub path: PathBuf,
    /// GeoPackage table (the first feature table when `None`).
    pub layer: Option<String>,
    /// Coordinate system named in the plan (`crs = "…"`); else the file's own, else WGS 84.
    pub crs: Option<crate::crs::Crs>,
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
    /// `[[planned]]` only: property with the year the facility is to open.
    pub year: Option<String>,
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
    /// Capacity-aware accessibility (E2SFCA) settings, when the service asks for them.
    pub access: Option<crate::access::AccessSpec>,
    /// Per-zone overrides (`zones.mountain = { … }`), sorted by zone name.
    pub zones: Vec<(String, ZoneRule)>,
    /// The preset rule this service comes from (`None` for the plan's own `[[service]]`).
    pub source: Option<Provenance>,
}

/// `zones.<zone> = { … }` in a `[[service]]`: what differs in units of that zone. Unset values
/// keep the service's own.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ZoneRule {
    /// Service-circle radius, metres.
    pub radius_m: Option<f64>,
    /// Walking budget, minutes.
    pub minutes: Option<f64>,
    /// Covered-share target.
    pub coverage_target: Option<f64>,
    /// Facilities a unit needs.
    pub min_per_area: Option<u32>,
    /// Capacity per 1,000 served people.
    pub capacity_per_1000: Option<f64>,
    /// Coverage means presence: every served person of a unit with ≥ 1 facility of the kind is
    /// covered, none otherwise (distances do not matter).
    pub presence_only: bool,
    /// The preset variant this rule comes from (`None`: written in the plan).
    pub source: Option<Provenance>,
}

/// The rules one unit is judged by: the service's, with its zone's overrides applied.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rules {
    /// Service-circle radius, metres.
    pub radius_m: f64,
    /// Walking budget, metres (minutes × the service's speed).
    pub walk_budget_m: f64,
    /// Facilities a unit needs.
    pub min_per_area: Option<u32>,
    /// Covered-share target.
    pub coverage_target: Option<f64>,
    /// Capacity per 1,000 served people.
    pub capacity_per_1000: Option<f64>,
    /// Coverage by presence of a facility in the unit, not by distance.
    pub presence_only: bool,
}

impl ServiceSpec {
    /// Walking distance budget in metres: minutes × speed.
    pub fn walk_budget_m(&self) -> f64 {
        self.minutes * self.speed_kmh * 1000.0 / 60.0
    }

    /// Where the rules for a unit of `zone` come from: the preset's zone variant when there is
    /// one, else the service's own preset rule (`None`: written in the plan).
    pub fn source_for(&self, zone: Option<&str>) -> Option<&Provenance> {
        zone.and_then(|z| self.zones.iter().find(|(n, _)| n == z))
            .and_then(|(_, r)| r.source.as_ref())
            .or(self.source.as_ref())
    }

    /// The rules for a unit of `zone` (`None`, or a zone without an override: the service's own).
    pub fn rules(&self, zone: Option<&str>) -> Rules {
        let z = zone.and_then(|z| self.zones.iter().find(|(n, _)| n == z).map(|(_, r)| r));
        let d = ZoneRule::default();
        let z = z.unwrap_or(&d);
        Rules {
            radius_m: z.radius_m.unwrap_or(self.radius_m),
            walk_budget_m: z.minutes.unwrap_or(self.minutes) * self.speed_kmh * 1000.0 / 60.0,
            min_per_area: z.min_per_area.or(self.min_per_area),
            coverage_target: z.coverage_target.or(self.coverage_target),
            capacity_per_1000: z.capacity_per_1000.or(self.capacity_per_1000),
            presence_only: z.presence_only,
        }
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
        crate::error::guard(path, || Plan::parse(&text, path))
    }

    /// Validates plan text; `path` is used for messages and to resolve relative paths.
    pub fn parse(text: &str, path: &Path) -> Result<Plan> {
        let err = |reason: String| Error::Plan {
            path: path.to_owned(),
            reason,
        };
        let raw: RawPlan =
            toml::from_str(text).map_err(|e| err(format!("{e}").trim_end().to_owned()))?;
        raw.resolve(path).map_err(err)
    }
}

/// A section's check failed: the message, without the plan's path.
type Checked<T> = std::result::Result<T, String>;

/// Resolves a path from the plan relative to the plan's folder.
struct Base<'a>(&'a Path);

impl Base<'_> {
    fn join(&self, p: &Path) -> PathBuf {
        if p.is_absolute() {
            p.to_owned()
        } else {
            self.0.join(p)
        }
    }
}

impl RawPlan {
    /// The plan as written → the validated [`Plan`], one section at a time.
    fn resolve(self, path: &Path) -> Checked<Plan> {
        let base = Base(path.parent().unwrap_or(Path::new(".")));
        self.check_paths()?;
        let population = self.population.resolve(&base)?;
        let facilities = facility_specs(self.facilities, "facilities", &base)?;
        let planned = facility_specs(self.planned, "planned", &base)?;
        let groups = &population.groups;
        let a = self.areas;
        let counts = area_counts(a.counts, groups)?;
        let (standard, entries, warnings) =
            with_standard(self.standard, self.kinds, self.groups, self.service)?;
        if entries.is_empty() {
            return Err("no [[service]] defined: add at least one, e.g. kind = \"service_station\", serves = \"elderly\", radius_m = 1000, or name a built-in standard (standard = \"gb50180\", see `carecircle standards`)".into());
        }
        let network = self.network.map(|n| n.resolve(&base)).transpose()?;
        // Units can take their zone from a property or from the standard's unit list.
        let zones_known = a.zone.is_some()
            || (standard.as_ref())
                .and_then(|a| crate::standards::get(&a.preset))
                .is_some_and(|p| p.units.iter().any(|u| u.zone.is_some()));
        let known = Known {
            groups,
            network: network.as_ref(),
            zones_known,
        };
        let mut services: Vec<ServiceSpec> = Vec::new();
        for (i, entry) in entries.into_iter().enumerate() {
            let s = known.service(i, entry, &services)?;
            services.push(s);
        }
        let title = self.title.unwrap_or_else(|| {
            (path.file_stem())
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default()
        });
        let areas = AreasSpec {
            path: base.join(&a.path),
            layer: a.layer,
            crs: parse_crs(a.crs.as_deref(), "[areas]")?,
            id: a.id,
            name: a.name,
            zone: a.zone,
            parent: a.parent,
            counts,
            select: select_values(a.select)?,
        };
        Ok(Plan {
            path: path.to_owned(),
            title,
            areas,
            population,
            facilities,
            services,
            network,
            planned,
            planned_until: self.planned_until,
            scenario: Scenario::default(),
            standard,
            warnings,
        })
    }

    /// Refuses an empty `path` in any section.
    fn check_paths(&self) -> Checked<()> {
        let empty = [
            ("[areas]", &self.areas.path),
            ("[population]", &self.population.path),
        ]
        .into_iter()
        .chain(self.network.iter().map(|n| ("[network]", &n.path)))
        .chain(self.facilities.iter().map(|f| ("[[facilities]]", &f.path)))
        .chain(self.planned.iter().map(|f| ("[[planned]]", &f.path)))
        .find(|(_, p)| p.as_os_str().is_empty());
        match empty {
            Some((section, _)) => Err(format!(
                "{section} path = \"\": expected the path of a file (relative to the plan's folder)"
            )),
            None => Ok(()),
        }
    }
}

impl RawPopulation {
    /// `[population]`: groups, cell size, null markers, the folder of rasters or the table's
    /// columns, growth and the coordinate system.
    fn resolve(mut self, base: &Base) -> Checked<PopulationSpec> {
        let groups = population_groups(std::mem::take(&mut self.groups))?;
        let cell_size = match &self.cell_size {
            None => None,
            Some(s) => Some(CellSize::parse(s).ok_or_else(|| {
                format!("[population] cell_size = \"{s}\": expected a positive size with a unit, like \"100 m\" or \"3 arcsec\"")
            })?),
        };
        if let Some(c) = cell_size {
            // Degrees are compared as metres at the equator (111.32 km per degree).
            let m = match c {
                CellSize::Meters(m) => m,
                CellSize::Degrees(d) => d * 111_320.0,
            };
            let what = "a cell size in metres";
            limits::check(m, limits::MIN_CELL_M, limits::MAX_DISTANCE_M, what)
                .map_err(|e| format!("[population] cell_size: {e}"))?;
        }
        let path = base.join(&self.path);
        if let Some(v) = self.null_values.iter().find(|v| !v.is_finite()) {
            return Err(format!(
                "[population] null_values: {v} is not a finite number"
            ));
        }
        for f in &self.null_fields {
            if !groups.iter().any(|(_, fs)| fs.contains(f)) {
                return Err(format!(
                    "[population] null_fields: '{f}' is not a field of any group"
                ));
            }
        }
        if !self.null_fields.is_empty() && self.null_values.is_empty() {
            return Err(
                "[population] null_fields needs null_values (the markers, e.g. [99])".into(),
            );
        }
        self.check_layout(&path, &groups)?;
        let growth = growth(self.growth, &groups)?;
        Ok(PopulationSpec {
            crs: parse_crs(self.crs.as_deref(), "[population]")?,
            path,
            layer: self.layer,
            lon: self.lon,
            lat: self.lat,
            id: self.id,
            cell_size,
            null_values: self.null_values,
            null_fields: self.null_fields,
            groups,
            growth,
        })
    }

    /// A folder of GeoTIFFs takes no columns or cell size; a CSV needs its lon/lat columns.
    fn check_layout(&self, path: &Path, groups: &[(String, Vec<String>)]) -> Checked<()> {
        let tif_fields = (groups.iter().flat_map(|(_, f)| f))
            .filter(|f| is_tiff(Path::new(f)))
            .count();
        if path.is_dir() {
            for (key, set) in [
                ("lon", self.lon.is_some()),
                ("lat", self.lat.is_some()),
                ("id", self.id.is_some()),
                ("cell_size", self.cell_size.is_some()),
            ] {
                if set {
                    return Err(format!("[population] {key}: path names a folder of GeoTIFF rasters, whose pixels are the cells (ids r<row>c<col>, footprint the pixel): remove {key}"));
                }
            }
        } else if tif_fields > 0 {
            return Err(format!("[population] groups name GeoTIFF files, so path must be the folder holding them, but {} is not a folder", path.display()));
        }
        if is_csv(path) && (self.lon.is_none() || self.lat.is_none()) {
            return Err("[population] is a CSV file: set lon = \"…\" and lat = \"…\" to the columns holding the cell centre".into());
        }
        Ok(())
    }
}

/// `[population] groups`: at least one, each one property or a non-empty list.
fn population_groups(raw: BTreeMap<String, OneOrMany>) -> Checked<Vec<(String, Vec<String>)>> {
    if raw.is_empty() {
        return Err(
            "[population] groups: define at least one group, e.g. groups.total = \"pop_total\""
                .into(),
        );
    }
    let mut groups = Vec::new();
    for (name, fields) in raw {
        let fields = match fields {
            OneOrMany::One(f) => vec![f],
            OneOrMany::Many(v) => v,
        };
        if fields.is_empty() || fields.iter().any(|f| f.is_empty()) {
            return Err(format!("[population] groups.{name}: expected a property name or a non-empty list of property names"));
        }
        groups.push((name, fields));
    }
    Ok(groups)
}

/// `[population] growth`: per group, one factor or factors per year (sorted by year).
fn growth(
    raw: BTreeMap<String, RawGrowth>,
    groups: &[(String, Vec<String>)],
) -> Checked<Vec<(String, Growth)>> {
    let mut out = Vec::new();
    for (name, g) in raw {
        let at = format!("[population] growth.{name}");
        if !groups.iter().any(|(n, _)| *n == name) {
            return Err(format!("{at}: '{name}' is not a population group"));
        }
        let check = |f: f64| {
            if f.is_finite() && f > 0.0 && f <= limits::MAX_GROWTH {
                Ok(f)
            } else {
                Err(format!(
                    "{at}: factor {} must be a positive number up to the plausible maximum {} (1.24 = 24 % more)",
                    limits::show(f),
                    limits::MAX_GROWTH
                ))
            }
        };
        let g = match g {
            RawGrowth::Factor(f) => Growth::Factor(check(f)?),
            RawGrowth::ByYear(m) if m.is_empty() => {
                return Err(format!(
                    "{at}: give a factor, or factors per year like {{ 2030 = 1.24 }}"
                ));
            }
            RawGrowth::ByYear(m) => {
                let mut v = Vec::new();
                for (y, f) in m {
                    let y: i32 = y.trim().parse().map_err(|_| {
                        format!("{at}: key '{y}' is not a year (expected e.g. 2030 = 1.24)")
                    })?;
                    v.push((y, check(f)?));
                }
                v.sort_by_key(|x| x.0);
                Growth::ByYear(v)
            }
        };
        out.push((name, g));
    }
    Ok(out)
}

/// `[areas] counts`: population group → the property holding its official count.
fn area_counts(
    raw: BTreeMap<String, String>,
    groups: &[(String, Vec<String>)],
) -> Checked<Vec<(String, String)>> {
    let mut counts = Vec::new();
    for (g, field) in raw {
        if !groups.iter().any(|(n, _)| *n == g) {
            return Err(format!(
                "[areas] counts.{g}: '{g}' is not a population group"
            ));
        }
        if field.is_empty() {
            return Err(format!("[areas] counts.{g}: expected a property name"));
        }
        counts.push((g, field));
    }
    Ok(counts)
}

impl RawNetwork {
    /// `[network]`: defaults filled in, each value positive and plausible.
    fn resolve(self, base: &Base) -> Checked<NetworkSpec> {
        let speed_kmh = self.speed_kmh.unwrap_or(DEFAULT_SPEED_KMH);
        let max_snap_m = self.max_snap_m.unwrap_or(DEFAULT_MAX_SNAP_M);
        let area_width_m = self.area_width_m.unwrap_or(DEFAULT_AREA_WIDTH_M);
        let values = [
            ("speed_kmh", speed_kmh),
            ("max_snap_m", max_snap_m),
            ("area_width_m", area_width_m),
        ];
        for (k, v) in values {
            if !(v.is_finite() && v > 0.0) {
                return Err(format!("[network] {k} = {v} must be a positive number"));
            }
        }
        let max = [
            limits::MAX_SPEED_KMH,
            limits::MAX_DISTANCE_M,
            limits::MAX_DISTANCE_M,
        ];
        for ((k, v), max) in values.into_iter().zip(max) {
            at_most("[network]", k, v, max)?;
        }
        Ok(NetworkSpec {
            path: base.join(&self.path),
            speed_kmh,
            max_snap_m,
            area_width_m,
        })
    }
}

/// Where a service's messages point: its `[[service]]` entry or the standard's rule.
fn service_at(i: usize, id: &str, source: Option<&Provenance>) -> String {
    match source {
        None => format!("[[service]] #{} ({id})", i + 1),
        Some(p) => format!("standard {} rule for kind '{id}'", p.preset),
    }
}

/// What a service is checked against: the groups, the network, whether units have zones.
struct Known<'a> {
    groups: &'a [(String, Vec<String>)],
    network: Option<&'a NetworkSpec>,
    zones_known: bool,
}

impl Known<'_> {
    /// One `[[service]]` entry (the `i`-th, or a standard's rule) → its [`ServiceSpec`];
    /// `before` are the services resolved so far.
    fn service(
        &self,
        i: usize,
        (s, source, zone_sources): Entry,
        before: &[ServiceSpec],
    ) -> Checked<ServiceSpec> {
        let id = s.id.clone().unwrap_or_else(|| s.kind.clone());
        let at = service_at(i, &id, source.as_ref());
        if id.is_empty() || s.kind.is_empty() {
            return Err(format!("{at}: id and kind must not be empty"));
        }
        if before.iter().any(|o| o.id == id) {
            return Err(format!(
                "{at}: duplicate service id '{id}': two services of one kind need distinct `id`s"
            ));
        }
        let group = (self.groups.iter())
            .position(|(g, _)| *g == s.serves)
            .ok_or_else(|| {
                let names: Vec<&str> = self.groups.iter().map(|(g, _)| g.as_str()).collect();
                format!(
                    "{at}: serves = \"{}\" is not a population group; the plan defines {}",
                    s.serves,
                    names.join(", ")
                )
            })?;
        if !(s.radius_m.is_finite() && s.radius_m > 0.0) {
            return Err(format!(
                "{at}: radius_m = {} must be a positive number of metres",
                s.radius_m
            ));
        }
        at_most(&at, "radius_m", s.radius_m, limits::MAX_DISTANCE_M)?;
        if let Some(t) = s.coverage_target {
            if !(0.0..=1.0).contains(&t) {
                return Err(format!("{at}: coverage_target = {t} must be a fraction between 0 and 1 (0.9 means 90 %)"));
            }
        }
        if let Some(c) = s.capacity_per_1000 {
            if !(c.is_finite() && c >= 0.0) {
                return Err(format!(
                    "{at}: capacity_per_1000 = {c} must be a non-negative number"
                ));
            }
        }
        let (minutes, speed_kmh) = self.walking(&at, &s)?;
        let access = (s.access.as_ref())
            .map(|a| {
                let walk_m = minutes * speed_kmh * 1000.0 / 60.0;
                access_spec(a, s.radius_m, walk_m, self.network.is_some())
                    .map_err(|m| format!("{at}: access.{m}"))
            })
            .transpose()?;
        let mut zones = Vec::new();
        for (zone, z) in s.zones {
            let at = format!("{at} zones.{zone}");
            if !self.zones_known && source.is_none() {
                return Err(format!("{at}: per-zone rules need [areas] zone = \"…\" (the property holding each unit's zone)"));
            }
            let source = zone_sources.get(&zone).cloned();
            zones.push((zone, zone_rule(&at, z, source)?));
        }
        Ok(ServiceSpec {
            access,
            zones,
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
            source,
        })
    }

    /// A service's walking minutes and speed (the network's, else the default), checked with
    /// the walking budgets they give and its `capacity_per_1000`.
    fn walking(&self, at: &str, s: &RawService) -> Checked<(f64, f64)> {
        let minutes = s.minutes.unwrap_or(DEFAULT_MINUTES);
        let speed_kmh = (s.speed_kmh)
            .or(self.network.map(|n| n.speed_kmh))
            .unwrap_or(DEFAULT_SPEED_KMH);
        for (k, v) in [("minutes", minutes), ("speed_kmh", speed_kmh)] {
            if !(v.is_finite() && v > 0.0) {
                return Err(format!("{at}: {k} = {v} must be a positive number"));
            }
        }
        at_most(at, "minutes", minutes, limits::MAX_MINUTES)?;
        let walk_m = |min: f64| min * speed_kmh * 1000.0 / 60.0;
        for m in s.zones.values().filter_map(|z| z.minutes).chain([minutes]) {
            if m.is_finite() {
                let what = "the walking budget (minutes × speed_kmh, metres)";
                at_most(at, what, walk_m(m), limits::MAX_DISTANCE_M)?;
            }
        }
        at_most(at, "speed_kmh", speed_kmh, limits::MAX_SPEED_KMH)?;
        if let Some(c) = s.capacity_per_1000 {
            at_most(at, "capacity_per_1000", c, limits::MAX_CAPACITY_PER_1000)?;
        }
        Ok((minutes, speed_kmh))
    }
}

/// `zones.<zone>` of a service (`at` names it) → its [`ZoneRule`].
fn zone_rule(at: &str, z: RawZoneRule, source: Option<Provenance>) -> Checked<ZoneRule> {
    for (k, v, max) in [
        ("radius_m", z.radius_m, limits::MAX_DISTANCE_M),
        ("minutes", z.minutes, limits::MAX_MINUTES),
        (
            "capacity_per_1000",
            z.capacity_per_1000,
            limits::MAX_CAPACITY_PER_1000,
        ),
    ] {
        if k != "capacity_per_1000" && v.is_some_and(|v| !(v.is_finite() && v > 0.0)) {
            return Err(format!(
                "{at}: {k} = {} must be a positive number",
                v.unwrap_or_default()
            ));
        }
        if let Some(v) = v.filter(|v| v.is_finite()) {
            at_most(at, k, v, max)?;
        }
    }
    if let Some(t) = z.coverage_target {
        if !(0.0..=1.0).contains(&t) {
            return Err(format!(
                "{at}: coverage_target = {t} must be a fraction between 0 and 1"
            ));
        }
    }
    if let Some(c) = z.capacity_per_1000 {
        if !(c.is_finite() && c >= 0.0) {
            return Err(format!(
                "{at}: capacity_per_1000 = {c} must be a non-negative number"
            ));
        }
    }
    if z.presence_only && (z.radius_m.is_some() || z.minutes.is_some()) {
        return Err(format!(
            "{at}: presence_only ignores distances: drop radius_m/minutes, or presence_only"
        ));
    }
    Ok(ZoneRule {
        radius_m: z.radius_m,
        minutes: z.minutes,
        coverage_target: z.coverage_target,
        min_per_area: z.min_per_area,
        capacity_per_1000: z.capacity_per_1000,
        presence_only: z.presence_only,
        source,
    })
}

/// Validates `[areas] where`: each property keeps one value or a non-empty list, each text or
/// an integer (compared as text, so `420106` matches a numeric property 420106 and a text "420106").
fn select_values(raw: BTreeMap<String, toml::Value>) -> Checked<Vec<(String, Vec<String>)>> {
    let mut out = Vec::new();
    for (field, v) in raw {
        let values = match v {
            toml::Value::Array(v) => v,
            one => vec![one],
        };
        if values.is_empty() {
            return Err(format!(
                "[areas] where.{field} = []: list at least one value to keep"
            ));
        }
        let text = values
            .into_iter()
            .map(|v| match v {
                toml::Value::String(s) => Ok(s),
                toml::Value::Integer(i) => Ok(i.to_string()),
                other => Err(format!(
                    "[areas] where.{field} = {other}: expected text (\"武昌区\") or an integer code, or a list of them"
                )),
            })
            .collect::<std::result::Result<Vec<String>, String>>()?;
        out.push((field, text));
    }
    Ok(out)
}

/// Refuses a plan value above its plausible maximum (see [`crate::limits`]); `at` names the
/// section (empty inside `access`, whose caller prefixes it).
fn at_most(at: &str, key: &str, v: f64, max: f64) -> Checked<()> {
    if v <= max {
        return Ok(());
    }
    let at = if at.is_empty() {
        String::new()
    } else {
        format!("{at}: ")
    };
    Err(format!(
        "{at}{key} = {} is above the plausible maximum {max} (see README, \"Plausible ranges\")",
        limits::show(v)
    ))
}

/// Validates `[[service]] access`; the error text starts with the offending key (after
/// `access.`). `radius_m` and `walk_m` are the service's straight-line and walking reach, the
/// default catchment.
fn access_spec(
    a: &RawAccess,
    radius_m: f64,
    walk_m: f64,
    has_network: bool,
) -> std::result::Result<crate::access::AccessSpec, String> {
    use crate::access::{AccessSpec, Decay, LUO_QI_STEP_WEIGHTS};
    let on_foot = match a.distance.as_deref() {
        None => has_network,
        Some("straight") => false,
        Some("walk") if has_network => true,
        Some("walk") => {
            return Err(
                "distance = \"walk\" needs a [network] in the plan (or use \"straight\")".into(),
            )
        }
        Some(o) => {
            return Err(format!(
                "distance = \"{o}\": expected \"straight\" or \"walk\""
            ))
        }
    };
    if let Some(c) = a.catchment_m {
        if !(c.is_finite() && c > 0.0) {
            return Err(format!(
                "catchment_m = {c} must be a positive number of metres"
            ));
        }
        at_most("", "catchment_m", c, limits::MAX_DISTANCE_M)?;
    }
    let default_catchment = if on_foot { walk_m } else { radius_m };
    let steps = match (a.decay.as_deref(), &a.steps) {
        (None | Some("gaussian"), None) => None,
        (Some("gaussian"), Some(_)) => {
            return Err("steps only applies to decay = \"steps\" (the Gaussian needs none)".into())
        }
        (None | Some("steps"), Some(s)) => Some(s.iter().map(|p| (p[0], p[1])).collect()),
        (Some("steps"), None) => {
            let c = a.catchment_m.unwrap_or(default_catchment);
            Some(
                LUO_QI_STEP_WEIGHTS
                    .iter()
                    .enumerate()
                    .map(|(i, &w)| (c * (i + 1) as f64 / 3.0, w))
                    .collect::<Vec<(f64, f64)>>(),
            )
        }
        (Some(o), _) => {
            return Err(format!(
                "decay = \"{o}\": expected \"gaussian\" or \"steps\""
            ))
        }
    };
    let Some(steps) = steps else {
        return Ok(AccessSpec {
            catchment_m: a.catchment_m.unwrap_or(default_catchment),
            decay: Decay::Gaussian,
            on_foot,
        });
    };
    if steps.is_empty() {
        return Err("steps = []: expected [[upper_m, weight], …] with at least one step".into());
    }
    let mut prev = (0.0, 1.0);
    for (i, &(b, w)) in steps.iter().enumerate() {
        if !(b.is_finite() && b > prev.0 && b <= limits::MAX_DISTANCE_M) {
            return Err(format!("steps[{i}] = [{b}, {w}]: upper bounds must be positive metres up to {}, strictly increasing", limits::MAX_DISTANCE_M));
        }
        if !(w > 0.0 && w <= prev.1) {
            return Err(format!("steps[{i}] = [{b}, {w}]: weights must lie in (0, 1] and not increase with distance"));
        }
        prev = (b, w);
    }
    if let Some(c) = a.catchment_m {
        if c != prev.0 {
            return Err(format!("catchment_m = {c} differs from the last step's upper bound {}: with steps, the last bound is the catchment (omit catchment_m)", prev.0));
        }
    }
    Ok(AccessSpec {
        catchment_m: prev.0,
        decay: Decay::Steps(steps),
        on_foot,
    })
}

/// Validates `[[facilities]]` or `[[planned]]` (`section`) sources.
fn facility_specs(
    raw: Vec<RawFacilities>,
    section: &str,
    base: &Base,
) -> Checked<Vec<FacilitySpec>> {
    let mut out = Vec::new();
    for (i, f) in raw.into_iter().enumerate() {
        let at = format!("[[{section}]] #{}", i + 1);
        let kind = match (f.kind, f.kind_value) {
            (Some(k), None) => KindSource::Field(k),
            (None, Some(v)) => KindSource::Value(v),
            (Some(_), Some(_)) => return Err(format!("{at}: set either kind (a property) or kind_value (one kind for the whole file), not both")),
            (None, None) => return Err(format!("{at}: missing kind (the property holding the facility kind) or kind_value")),
        };
        let fpath = base.join(&f.path);
        if (is_csv(&fpath) || is_xlsx(&fpath)) && (f.lon.is_none() || f.lat.is_none()) {
            return Err(format!(
                "{at} ({}) is a table: set lon and lat to its coordinate columns",
                f.path.display()
            ));
        }
        if f.sheet.is_some() && !is_xlsx(&fpath) {
            return Err(format!("{at} ({}): sheet names a sheet of an Excel workbook (.xlsx); remove it for this file", f.path.display()));
        }
        if f.year.is_some() && section == "facilities" {
            return Err(format!("{at}: year is for [[planned]] sources (facilities to be built); existing facilities count as they are"));
        }
        out.push(FacilitySpec {
            path: fpath,
            layer: f.layer,
            crs: parse_crs(f.crs.as_deref(), &at)?,
            sheet: f.sheet,
            lon: f.lon,
            lat: f.lat,
            id: f.id,
            name: f.name,
            kind,
            capacity: f.capacity,
            year: f.year,
        });
    }
    Ok(out)
}

/// A service entry before validation, with the preset rule it comes from and the provenance of
/// each of that rule's zone variants.
type Entry = (RawService, Option<Provenance>, BTreeMap<String, Provenance>);

/// The services of a plan with `standard = "…"`: the preset's mapped rules in preset order, each
/// replaced by the plan's own `[[service]]` entries of the same kind, then the plan's other
/// entries. Unmapped preset kinds become a warning.
fn with_standard(
    standard: Option<String>,
    kinds: BTreeMap<String, String>,
    groups: BTreeMap<String, String>,
    own: Vec<RawService>,
) -> std::result::Result<(Option<crate::standards::Applied>, Vec<Entry>, Warnings), String> {
    let mut warnings = Warnings::default();
    let Some(id) = standard else {
        if let Some(k) = kinds
            .keys()
            .map(|k| format!("kinds.{k}"))
            .chain(groups.keys().map(|g| format!("groups.{g}")))
            .next()
        {
            return Err(format!("{k} maps a preset name, but the plan names no standard: add standard = \"…\" (one of {})", crate::standards::ids()));
        }
        return Ok((
            None,
            own.into_iter()
                .map(|s| (s, None, BTreeMap::new()))
                .collect(),
            warnings,
        ));
    };
    let preset = crate::standards::get(&id).ok_or_else(|| {
        format!(
            "standard = \"{id}\" is not a built-in standard; available: {}",
            crate::standards::ids()
        )
    })?;
    let applied = crate::standards::apply(preset, &crate::standards::Mapping { kinds, groups })
        .map_err(|e| format!("standard = \"{id}\": {e}"))?;
    if !applied.unmapped_kinds.is_empty() {
        warnings.add(
            "standard_unmapped_kinds",
            applied.unmapped_kinds.len() as u64,
            format!(
                "standard {id}: kinds not mapped by the plan, not evaluated: {} (map one with kinds.<kind> = \"<facility kind>\")",
                applied.unmapped_kinds.join(", ")
            ),
        );
    }
    let mut own: Vec<Option<RawService>> = own.into_iter().map(Some).collect();
    let mut entries = Vec::new();
    for r in &applied.rules {
        let overrides: Vec<RawService> = own
            .iter_mut()
            .filter(|s| matches!(s, Some(x) if x.kind == r.kind))
            .filter_map(Option::take)
            .collect();
        if overrides.is_empty() {
            let v = &r.values;
            // Zone variants arrive resolved (the rule's values with the variant's replacing
            // them); a presence-only zone carries no distances.
            let zones = r
                .zones
                .iter()
                .map(|(zone, z)| {
                    let far = |x: f64| (!z.presence_only).then_some(x);
                    let raw = RawZoneRule {
                        radius_m: far(z.radius_m),
                        minutes: z.minutes.and_then(far),
                        coverage_target: z.coverage_target,
                        min_per_area: z.min_per_area,
                        capacity_per_1000: z.capacity_per_1000,
                        presence_only: z.presence_only,
                    };
                    (zone.clone(), raw)
                })
                .collect();
            let sources = r
                .zones
                .iter()
                .map(|(zone, z)| (zone.clone(), z.source.clone()))
                .collect();
            let s = RawService {
                kind: r.kind.clone(),
                serves: r.serves.clone(),
                radius_m: v.radius_m,
                min_per_area: v.min_per_area,
                coverage_target: v.coverage_target,
                capacity_per_1000: v.capacity_per_1000,
                minutes: v.minutes,
                zones,
                ..RawService::default()
            };
            entries.push((s, Some(v.source.clone()), sources));
        } else {
            entries.extend(overrides.into_iter().map(|s| (s, None, BTreeMap::new())));
        }
    }
    entries.extend(
        own.into_iter()
            .flatten()
            .map(|s| (s, None, BTreeMap::new())),
    );
    Ok((Some(applied), entries, warnings))
}

/// True when a path names a GeoTIFF file (by extension).
pub fn is_tiff(p: &Path) -> bool {
    matches!(
        p.extension()
            .and_then(|e| e.to_str())
            .map(|e| e.to_ascii_lowercase())
            .as_deref(),
        Some("tif" | "tiff")
    )
}

/// Parses a section's `crs = "…"` (`None` when absent).
fn parse_crs(
    s: Option<&str>,
    section: &str,
) -> std::result::Result<Option<crate::crs::Crs>, String> {
    s.map(|s| crate::crs::Crs::parse(s).map_err(|e| format!("{section} crs = \"{s}\": {e}")))
        .transpose()
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

    fn access(setting: &str, network: bool) -> Result<Plan> {
        let t = OK.replace(
            "radius_m = 1000",
            &format!("radius_m = 1000\naccess = {setting}"),
        );
        let net = if network {
            "\n[network]\npath = \"x.pbf\"\n"
        } else {
            ""
        };
        parse(&format!("{t}{net}"))
    }

    #[test]
    fn access_defaults() {
        use crate::access::{AccessSpec, Decay};
        // Gaussian over the service's reach: radius_m in a straight line, minutes × speed on foot.
        let a = |s, n| access(s, n).unwrap().services[0].access.clone().unwrap();
        assert_eq!(
            a("{}", false),
            AccessSpec {
                catchment_m: 1000.0,
                decay: Decay::Gaussian,
                on_foot: false
            }
        );
        assert_eq!(
            a("{ catchment_m = 2500 }", true),
            AccessSpec {
                catchment_m: 2500.0,
                decay: Decay::Gaussian,
                on_foot: true
            }
        );
        assert!(!a("{ distance = \"straight\" }", true).on_foot);
        // Steps without bounds: Luo & Qi's weights over thirds of the catchment.
        assert_eq!(
            a("{ decay = \"steps\", catchment_m = 3000 }", false).decay,
            Decay::Steps(vec![(1000.0, 1.0), (2000.0, 0.68), (3000.0, 0.22)])
        );
        // Steps given: they set the catchment (decay may be left out).
        let s = a("{ steps = [[500, 1.0], [1500, 0.5]] }", false);
        assert_eq!(s.catchment_m, 1500.0);
        assert_eq!(s.decay, Decay::Steps(vec![(500.0, 1.0), (1500.0, 0.5)]));
        assert_eq!(parse(OK).unwrap().services[0].access, None);
    }

    #[test]
    fn bad_access_settings_name_the_key() {
        for (setting, network, want) in [
            (
                "{ catchment_m = 0 }",
                false,
                "access.catchment_m = 0 must be a positive",
            ),
            (
                "{ decay = \"linear\" }",
                false,
                "access.decay = \"linear\": expected \"gaussian\" or \"steps\"",
            ),
            (
                "{ distance = \"walk\" }",
                false,
                "access.distance = \"walk\" needs a [network]",
            ),
            (
                "{ distance = \"car\" }",
                true,
                "access.distance = \"car\": expected",
            ),
            (
                "{ decay = \"gaussian\", steps = [[1, 1]] }",
                false,
                "access.steps only applies to decay = \"steps\"",
            ),
            ("{ steps = [] }", false, "access.steps = []"),
            (
                "{ steps = [[1000, 1.0], [1000, 0.5]] }",
                false,
                "access.steps[1] = [1000, 0.5]: upper bounds",
            ),
            (
                "{ steps = [[1000, 1.0], [2000, 1.5]] }",
                false,
                "access.steps[1] = [2000, 1.5]: weights",
            ),
            (
                "{ steps = [[1000, 0]] }",
                false,
                "access.steps[0] = [1000, 0]: weights",
            ),
            (
                "{ steps = [[1000, 1.0]], catchment_m = 900 }",
                false,
                "access.catchment_m = 900 differs",
            ),
            ("{ radius = 5 }", false, "unknown field `radius`"),
        ] {
            let m = access(setting, network).unwrap_err().to_string();
            assert!(m.contains(want), "{setting}: {m}");
            if !want.starts_with("unknown") {
                assert!(m.contains("[[service]] #1 (station)"), "{m}");
            }
        }
    }

    #[test]
    fn bad_values_are_errors() {
        assert!(parse(&OK.replace("radius_m = 1000", "radius_m = 0")).is_err());
        assert!(
            parse(&OK.replace("radius_m = 1000", "radius_m = 1000\ncoverage_target = 90")).is_err()
        );
    }
}
