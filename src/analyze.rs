//! The `analyze` pipeline: load → project → index → measure → aggregate → dissolve.
//! Writing is separate ([`crate::write`]), so the whole result exists before any file is
//! touched.

use crate::area::{self, AreaAttrs, AreaIndex, AreaIx, Areas};
use crate::coverage;
pub use crate::dissolve::BlankSpot;
use crate::dissolve::{self, Raster};
use crate::error::{Error, Result};
use crate::facility::{self, Facility};
use crate::gaps::{self, AreaStats, ParentStats, ServiceInput, UnitRules};
use crate::grid::Grid;
use crate::load::BBox;
use crate::plan::{Plan, Rules, ServiceSpec};
use crate::population::{self, Cells, Footprints};
use crate::projection::Frame;
use crate::warnings::Warnings;
use rayon::prelude::*;
use std::time::Instant;

/// Reports long stages to whoever runs the pipeline (the CLI shows them; the library is quiet).
pub trait Progress: Sync {
    /// A stage starts.
    fn stage(&self, _name: &str) {}
}

/// A [`Progress`] that shows nothing.
pub struct Quiet;
impl Progress for Quiet {}

/// Options for [`run`].
pub struct Options<'a> {
    /// Compute the true nearest distance also beyond the radius (for `cells.csv`).
    pub exact_distances: bool,
    /// Stage reporting.
    pub progress: &'a dyn Progress,
}

/// Walking results for one service (when the plan has a network).
#[derive(Debug, Clone)]
pub struct WalkService {
    /// Walking budget in metres (minutes × speed).
    pub budget_m: f64,
    /// Walking distance from each cell to the nearest facility, metres; `INFINITY` when the
    /// cell is off the network or nothing is reached within the budget.
    pub distance: Vec<f64>,
    /// Covered on foot: distance ≤ budget.
    pub covered: Vec<bool>,
    /// Snap of each facility of the kind (same order as [`ServiceResult::facilities`]); `None`
    /// for a facility farther than `max_snap_m` from every walkable way.
    pub facility_snaps: Vec<Option<crate::network::Snap>>,
}

/// The walking network as loaded, and where cells met it.
pub struct NetworkRun {
    /// The graph.
    pub net: crate::network::WalkNetwork,
    /// Its size and connectivity.
    pub stats: crate::network::NetworkStats,
    /// Cells farther than `max_snap_m` from every walkable way.
    pub cells_off_network: u64,
    /// Their population per group.
    pub population_off_network: Vec<f64>,
    /// Where each cell meets the network (`None`: off the network).
    pub cell_snaps: Vec<Option<crate::network::Snap>>,
}

/// Everything computed for one service.
#[derive(Debug, Clone)]
pub struct ServiceResult {
    /// The service rules.
    pub spec: ServiceSpec,
    /// Indexes into [`Analysis::facilities`] of this kind.
    pub facilities: Vec<u32>,
    /// Distance (true metres) from each cell to the nearest facility; `INFINITY` when none is
    /// within the radius (unless exact distances were asked for).
    pub distance: Vec<f64>,
    /// Covered flag per cell.
    pub covered: Vec<bool>,
    /// Figures per area, in area index order.
    pub stats: Vec<AreaStats>,
    /// Blank-spot polygons, ordered by area index then by first cell.
    pub blank_spots: Vec<BlankSpot>,
    /// Walking results, when the plan has a network.
    pub walk: Option<WalkService>,
    /// E2SFCA scores, when the service has an `access` setting.
    pub access: Option<crate::access::Access>,
    /// The rules each area is judged by (its zone's), in area index order.
    pub unit_rules: Vec<Rules>,
    /// Figures per parent unit (`[areas] parent`), sorted by parent; empty without one.
    pub parents: Vec<ParentStats>,
    /// With `--with-planned`: the figures without the planned facilities.
    pub before: Option<Before>,
}

/// The state before the planned facilities (`--with-planned`): what [`ServiceResult`] holds
/// for the existing facilities alone.
#[derive(Debug, Clone)]
pub struct Before {
    /// Covered flag per cell (straight line, or by presence in presence-only zones).
    pub covered: Vec<bool>,
    /// Covered on foot per cell, with a network.
    pub walk_covered: Option<Vec<bool>>,
    /// Figures per area.
    pub stats: Vec<AreaStats>,
    /// Figures per parent unit.
    pub parents: Vec<ParentStats>,
}

impl Analysis {
    /// True for a facility from a `[[planned]]` source.
    pub fn is_planned(&self, facility: u32) -> bool {
        facility as usize >= self.planned_from
    }

    /// Number of units whose zone is `zone`.
    pub fn units_in_zone(&self, zone: &str) -> usize {
        self.area_attrs
            .zone
            .iter()
            .filter(|x| x.as_deref() == Some(zone))
            .count()
    }
}

impl ServiceResult {
    /// With `--with-planned`: the units (their figures after) that were blank before the planned
    /// facilities and are not after, in area order; empty without a what-if run.
    pub fn fixed_by_plan(&self) -> Vec<&AreaStats> {
        let Some(b) = &self.before else {
            return Vec::new();
        };
        b.stats
            .iter()
            .zip(&self.stats)
            .filter(|(x, y)| x.blank() && !y.blank())
            .map(|(_, y)| y)
            .collect()
    }

    /// The covered flags the blank-spot rules use: on foot when there is a network, else in a
    /// straight line.
    pub fn judged_covered(&self) -> &[bool] {
        self.walk
            .as_ref()
            .map(|w| &w.covered[..])
            .unwrap_or(&self.covered)
    }
}

/// The full result of `analyze`.
pub struct Analysis {
    /// The plan.
    pub plan: Plan,
    /// The local frame used for all measures.
    pub frame: Frame,
    /// Areas.
    pub areas: Areas,
    /// Population cells.
    pub cells: Cells,
    /// Area of each cell.
    pub cell_area: Vec<Option<AreaIx>>,
    /// Facilities of all sources.
    pub facilities: Vec<Facility>,
    /// Area of each facility.
    pub facility_area: Vec<Option<AreaIx>>,
    /// Facilities from this index on are planned ones (`--with-planned`); the length of
    /// `facilities` when there are none.
    pub planned_from: usize,
    /// Zone, parent and official counts per area, as the plan names them.
    pub area_attrs: AreaAttrs,
    /// Per service, in plan order.
    pub services: Vec<ServiceResult>,
    /// The point-cell grid (when cells are points).
    pub grid: Option<Grid>,
    /// The walking network, when the plan has one.
    pub network: Option<NetworkRun>,
    /// Suspicious but usable input.
    pub warnings: Warnings,
    /// Wall time per stage, seconds.
    pub timings: Vec<(String, f64)>,
}

/// Wall time per stage.
pub(crate) struct Timer {
    t: Instant,
    pub(crate) out: Vec<(String, f64)>,
}
impl Timer {
    /// Starts timing.
    pub(crate) fn new() -> Timer {
        Timer {
            t: Instant::now(),
            out: Vec::new(),
        }
    }
    /// Records the time since the last lap under `name`.
    pub(crate) fn lap(&mut self, name: &str) {
        let now = Instant::now();
        self.out
            .push((name.to_owned(), (now - self.t).as_secs_f64()));
        self.t = now;
    }
}

/// Refuses a layer whose bounding box misses the areas', with a hint at the likely cause.
fn overlap_check(
    plan: &Plan,
    areas: &BBox,
    layer: &str,
    system: Option<&str>,
    path: &std::path::Path,
    b: &BBox,
) -> Result<()> {
    if b.is_empty() || b.touches(areas) {
        return Ok(());
    }
    let swapped = BBox([b.0[1], b.0[0], b.0[3], b.0[2]]);
    let hint = if swapped.touches(areas) {
        " With longitude and latitude swapped it would overlap: check the lon/lat columns or the coordinate order."
    } else {
        " Check that both layers use WGS 84 lon/lat (another coordinate system, such as GCJ-02 or a projected one, or a file from another city, shows up like this)."
    };
    Err(Error::Layer {
        path: path.to_owned(),
        reason: format!(
            "the {layer} layer ({b}{}) does not overlap the areas in {} ({areas}) at all.{hint}",
            system.map(|s| format!("; read as {s}")).unwrap_or_default(),
            plan.areas.path.display()
        ),
    })
}

/// The warnings of one facility source: records flagged deleted, null capacities.
fn warn_source(
    spec: &crate::plan::FacilitySpec,
    info: &facility::SourceInfo,
    what: &str,
    warnings: &mut Warnings,
) {
    crate::load::geojson::warn_deleted(info.deleted, &spec.path, warnings);
    if let Some(c) = &spec.capacity {
        warnings.add(
            "null_capacity",
            info.null_capacity,
            format!(
                "{}: field '{c}' is null or missing for {} {what}, counted as capacity 0",
                spec.path.display(),
                info.null_capacity
            ),
        );
    }
}

/// Runs the analysis of a plan.
pub fn run(plan: Plan, opts: &Options) -> Result<Analysis> {
    let mut tm = Timer::new();
    let mut warnings = plan.warnings.clone();
    opts.progress.stage("loading");
    let mut inputs = load(&plan, &mut warnings)?;
    tm.lap("load");

    opts.progress.stage("projecting");
    let frame = Frame::for_bbox(inputs.areas.bbox.0);
    inputs.cells.project(&frame);
    let fac_local: Vec<[f64; 2]> = (inputs.facilities.iter())
        .map(|f| frame.to_local(f.lonlat[0], f.lonlat[1]))
        .collect();
    tm.lap("project");

    opts.progress.stage("assigning cells to areas");
    let placed = assign(&plan, &inputs)?;
    tm.lap("assign");
    report_unassigned(&plan, &inputs, &placed, &mut warnings);
    let ctx = Ctx {
        plan: &plan,
        frame: &frame,
        inputs: &inputs,
        placed: &placed,
        fac_local: &fac_local,
    };

    opts.progress.stage("measuring coverage");
    let measured: Vec<Straight> = (plan.services.par_iter())
        .map(|spec| measure(&ctx, spec, opts.exact_distances))
        .collect();
    tm.lap("coverage");

    let (network, walks) = match &plan.network {
        None => (None, plan.services.iter().map(|_| None).collect()),
        Some(spec) => {
            opts.progress.stage("walking on the network");
            let (run, walks) = walk_stage(&ctx, spec, &measured, &mut warnings)?;
            tm.lap("network");
            (Some(run), walks.into_iter().map(Some).collect())
        }
    };
    let walks: Vec<Option<Walked>> = walks;

    let mut access = Vec::new();
    if plan.services.iter().any(|s| s.access.is_some()) {
        opts.progress.stage("capacity-aware access");
        for ((spec, m), w) in plan.services.iter().zip(&measured).zip(&walks) {
            let a = access_stage(&ctx, spec, m, w.as_ref(), network.as_ref(), &mut warnings)?;
            access.push(a);
        }
        tm.lap("access");
    } else {
        access.resize_with(plan.services.len(), || None);
    }

    opts.progress.stage("aggregating");
    // Services are aggregated in parallel; each one's sums run sequentially in cell order.
    let figures: Vec<Figures> = (plan.services.par_iter().zip(&measured))
        .zip(&walks)
        .zip(&access)
        .map(|(((spec, m), w), a)| aggregate(&ctx, spec, m, w.as_ref(), a.as_ref()))
        .collect();
    tm.lap("aggregate");

    opts.progress.stage("tracing blank spots");
    let judged: Vec<(&[f64], &[bool])> = (plan.services.iter().zip(&measured))
        .zip(&walks)
        .map(|((spec, m), w)| {
            let covered = w.as_ref().map_or(&m.covered, |w| &w.walk.covered);
            (&inputs.cells.values[spec.group][..], &covered[..])
        })
        .collect();
    let spots = dissolve::blank_spots(
        &inputs.cells,
        &placed.cell_area,
        placed.grid.as_ref().zip(placed.raster.as_ref()),
        &frame,
        &judged,
    );
    tm.lap("dissolve");

    let services: Vec<ServiceResult> = (plan.services.iter().zip(measured))
        .zip(walks)
        .zip(access)
        .zip(figures)
        .zip(spots)
        .map(|(((((spec, m), w), a), f), b)| assemble(spec, m, w, a, f, b))
        .collect();
    let Inputs {
        areas,
        area_attrs,
        cells,
        facilities,
        planned_from,
        ..
    } = inputs;
    Ok(Analysis {
        plan,
        frame,
        areas,
        cells,
        cell_area: placed.cell_area,
        facilities,
        facility_area: placed.facility_area,
        planned_from,
        area_attrs,
        services,
        grid: placed.grid,
        network,
        warnings,
        timings: tm.out,
    })
}

/// The layers as read and checked against each other: what the later stages measure.
struct Inputs {
    areas: Areas,
    area_attrs: AreaAttrs,
    /// Point-in-area index of `areas`.
    index: AreaIndex,
    cells: Cells,
    /// Existing facilities, then (with `--with-planned`) the planned ones.
    facilities: Vec<Facility>,
    /// Index of the first planned facility.
    planned_from: usize,
    /// Official counts per `[areas] counts` entry and area (see [`official_counts`]).
    official: Vec<Vec<Option<f64>>>,
}

/// Reads every layer (the areas and their index beside population and facilities), applies
/// growth and the standard's units, and checks the layers against each other and the plan.
fn load(plan: &Plan, warnings: &mut Warnings) -> Result<Inputs> {
    let (areas, (cells, fac)) = rayon::join(
        // The point-in-area index is built here, beside the population parse.
        || {
            area::load_with_attrs(&plan.areas).map(|(a, attrs)| {
                let index = AreaIndex::new(&a);
                (a, attrs, index)
            })
        },
        || {
            rayon::join(
                || {
                    let mut w = Warnings::default();
                    population::load(&plan.population, &mut w).map(|c| (c, w))
                },
                || facility::load(&plan.facilities),
            )
        },
    );
    let (areas, mut area_attrs, index) = areas?;
    warnings.extend(areas.repairs.clone());
    standard_units(plan, &areas, &mut area_attrs, warnings);
    crate::warnings::long_texts(&areas, &area_attrs, &plan.areas.path, warnings);
    let (mut cells, pop_warnings) = cells?;
    let (mut facilities, sources) = fac?;
    warnings.extend(pop_warnings);
    let growth = apply_growth(plan, &mut cells)?;
    let (planned, planned_sources) = load_planned(plan, warnings)?;

    let overlap = |layer: &str, system: Option<&String>, path, b| {
        overlap_check(plan, &areas.bbox, layer, system.map(|s| &s[..]), path, b)
    };
    overlap("population", None, &plan.population.path, &cells.bbox)?;
    for (spec, info) in plan.facilities.iter().zip(&sources) {
        overlap("facilities", info.system.as_ref(), &spec.path, &info.bbox)?;
        crate::load::csv::warn_encoding(&spec.path, info.encoding, warnings);
        warn_source(spec, info, "facilities", warnings);
    }
    for (spec, info) in plan.planned.iter().zip(&planned_sources) {
        let system = info.system.as_ref();
        overlap("planned facilities", system, &spec.path, &info.bbox)?;
    }
    check_kinds(plan, &facilities, warnings)?;
    let planned_from = facilities.len();
    check_planned_kinds(plan, &planned, warnings);
    facilities.extend(planned);
    check_zones(plan, &area_attrs, warnings);
    let official = official_counts(plan, &area_attrs, &growth, warnings);
    Ok(Inputs {
        areas,
        area_attrs,
        index,
        cells,
        facilities,
        planned_from,
        official,
    })
}

/// Where cells and facilities lie: their areas, and for point cells the grid and its raster.
struct Placed {
    cell_area: Vec<Option<AreaIx>>,
    facility_area: Vec<Option<AreaIx>>,
    grid: Option<Grid>,
    raster: Option<Raster>,
}

/// Assigns cells and facilities to areas; fits the grid of point cells.
fn assign(plan: &Plan, inputs: &Inputs) -> Result<Placed> {
    let cells = &inputs.cells;
    // The grid fit (its raster fill is sequential) runs beside the parallel point-in-area
    // assignment; neither needs the other.
    let (fitted, cell_area) = rayon::join(
        || match cells.footprints {
            Footprints::Points => {
                dissolve::fit_grid(cells, plan.population.cell_size, &plan.population.path)
                    .map(|(g, r)| (Some(g), Some(r)))
            }
            Footprints::Polygons(_) => Ok((None, None)),
        },
        || -> Vec<Option<AreaIx>> {
            (cells.lonlat.par_iter())
                .with_min_len(4096)
                .map(|&p| inputs.index.locate(p))
                .collect()
        },
    );
    let (grid, raster) = fitted?;
    let facility_area = (inputs.facilities.iter())
        .map(|f| inputs.index.locate(f.lonlat))
        .collect();
    Ok(Placed {
        cell_area,
        facility_area,
        grid,
        raster,
    })
}

/// What the per-service stages read.
struct Ctx<'a> {
    plan: &'a Plan,
    frame: &'a Frame,
    inputs: &'a Inputs,
    placed: &'a Placed,
    /// Facilities in the local frame.
    fac_local: &'a [[f64; 2]],
}

impl Ctx<'_> {
    /// Reach per cell and the covered flags under each unit's rules. `dist(planned)` measures
    /// from the existing (`false`) or the planned (`true`) facilities of `m`; `reach` picks the
    /// radius or the walking budget. Returns the distances, the covered flags, and with
    /// `--with-planned` the covered flags of the existing facilities alone.
    fn judge(
        &self,
        spec: &ServiceSpec,
        facilities: &[u32],
        unit_rules: &[Rules],
        dist: impl Fn(bool) -> Vec<f64>,
        reach: fn(&Rules) -> f64,
    ) -> (Vec<f64>, Vec<bool>, Option<Vec<bool>>) {
        let planned_from = self.inputs.planned_from;
        let own = spec.rules(None);
        let covered = |d: &[f64], with_planned: bool| {
            let n_areas = self.inputs.areas.list.len();
            let present = presence(n_areas, facilities, &self.placed.facility_area, |i| {
                with_planned || (i as usize) < planned_from
            });
            covered_by_rules(d, &self.placed.cell_area, unit_rules, &own, &present, reach)
        };
        let existing = dist(false);
        if !self.plan.scenario.with_planned {
            let c = covered(&existing, true);
            return (existing, c, None);
        }
        let before = covered(&existing, false);
        let distance = if facilities.iter().any(|&i| i as usize >= planned_from) {
            let planned = dist(true);
            existing
                .iter()
                .zip(&planned)
                .map(|(a, b)| a.min(*b))
                .collect()
        } else {
            existing
        };
        let c = covered(&distance, true);
        (distance, c, Some(before))
    }

    /// The facilities of `idx` from the existing (`planned` false) or the planned sources.
    fn of_source<'a>(&self, idx: &'a [u32], planned: bool) -> impl Iterator<Item = u32> + 'a {
        let from = self.inputs.planned_from;
        (idx.iter().copied()).filter(move |&i| (i as usize >= from) == planned)
    }
}

/// One service measured in a straight line.
struct Straight {
    /// Indexes into the facilities of the service's kind.
    facilities: Vec<u32>,
    /// The rules each area is judged by.
    unit_rules: Vec<Rules>,
    distance: Vec<f64>,
    covered: Vec<bool>,
    /// With `--with-planned`: covered by the existing facilities alone.
    covered_before: Option<Vec<bool>>,
}

/// Nearest-facility distances of one service and its covered cells.
fn measure(ctx: &Ctx, spec: &ServiceSpec, exact: bool) -> Straight {
    let (inputs, facilities) = (ctx.inputs, &ctx.inputs.facilities);
    let idx: Vec<u32> = (0..facilities.len() as u32)
        .filter(|&i| facilities[i as usize].kind == spec.kind)
        .collect();
    let unit_rules: Vec<Rules> = (inputs.area_attrs.zone.iter())
        .map(|z| spec.rules(z.as_deref()))
        .collect();
    let max_r = (unit_rules.iter())
        .map(|r| r.radius_m)
        .fold(spec.rules(None).radius_m, f64::max);
    let dist = |planned: bool| {
        let pts: Vec<[f64; 2]> = (ctx.of_source(&idx, planned))
            .map(|i| ctx.fac_local[i as usize])
            .collect();
        coverage::nearest_distances(ctx.frame, &inputs.cells.local, &pts, max_r, exact)
    };
    let (distance, covered, covered_before) =
        ctx.judge(spec, &idx, &unit_rules, dist, |r| r.radius_m);
    Straight {
        facilities: idx,
        unit_rules,
        distance,
        covered,
        covered_before,
    }
}

/// One service measured on foot.
struct Walked {
    walk: WalkService,
    /// With `--with-planned`: covered on foot by the existing facilities alone.
    covered_before: Option<Vec<bool>>,
}

/// Loads the network, snaps cells once and runs one bounded multi-source search per service.
fn walk_stage(
    ctx: &Ctx,
    spec: &crate::plan::NetworkSpec,
    measured: &[Straight],
    warnings: &mut Warnings,
) -> Result<(NetworkRun, Vec<Walked>)> {
    let (plan, cells) = (ctx.plan, &ctx.inputs.cells);
    let net = crate::network::read_pbf(&spec.path, ctx.frame)?;
    if let Some(b) = net.bbox_lonlat() {
        let areas = &ctx.inputs.areas.bbox;
        overlap_check(plan, areas, "network", None, &spec.path, &BBox(b))?;
    }
    let stats = net.stats();
    let snaps = net.snap_all(&cells.local, spec.max_snap_m);
    let off: Vec<bool> = snaps.iter().map(Option::is_none).collect();
    let cells_off_network = off.iter().filter(|x| **x).count() as u64;
    let population_off_network: Vec<f64> = (cells.values.iter())
        .map(|v| {
            v.iter()
                .zip(&off)
                .filter(|(_, o)| **o)
                .map(|(x, _)| x)
                .sum()
        })
        .collect();
    warnings.add("cells_off_network", cells_off_network, format!(
        "{cells_off_network} population cells lie farther than {} m from every walkable way in {}: they count as not reached on foot",
        spec.max_snap_m,
        spec.path.display()
    ));
    let walks: Vec<Walked> = (plan.services.par_iter().zip(measured))
        .map(|(service, m)| {
            let budget_m = service.walk_budget_m();
            let max_budget = (m.unit_rules.iter())
                .map(|r| r.walk_budget_m)
                .fold(budget_m, f64::max);
            let facility_snaps: Vec<Option<crate::network::Snap>> = (m.facilities.iter())
                .map(|&i| net.snap(ctx.fac_local[i as usize], spec.max_snap_m))
                .collect();
            let reach = |planned: bool| -> Vec<f64> {
                let sources: Vec<crate::network::Snap> = (m.facilities.iter())
                    .zip(&facility_snaps)
                    .filter(|(&i, _)| (i as usize >= ctx.inputs.planned_from) == planned)
                    .filter_map(|(_, sn)| *sn)
                    .collect();
                let d = net.multi_source(&sources, max_budget);
                (snaps.par_iter().with_min_len(4096))
                    .map(|sn| {
                        sn.as_ref()
                            .and_then(|sn| net.walk_distance(&d, sn))
                            .unwrap_or(f64::INFINITY)
                    })
                    .collect()
            };
            let (distance, covered, covered_before) =
                ctx.judge(service, &m.facilities, &m.unit_rules, reach, |r| {
                    r.walk_budget_m
                });
            let walk = WalkService {
                budget_m,
                distance,
                covered,
                facility_snaps,
            };
            Walked {
                walk,
                covered_before,
            }
        })
        .collect();
    for ((service, m), w) in plan.services.iter().zip(measured).zip(&walks) {
        let far: Vec<&str> = (m.facilities.iter().zip(&w.walk.facility_snaps))
            .filter(|(_, sn)| sn.is_none())
            .map(|(&i, _)| ctx.inputs.facilities[i as usize].id.as_str())
            .collect();
        warnings.add("facilities_off_network", far.len() as u64, format!(
            "service '{}': {} facilities lie farther than {} m from every walkable way and reach no one on foot: {}",
            service.id,
            far.len(),
            spec.max_snap_m,
            first_ten(&far)
        ));
    }
    let run = NetworkRun {
        net,
        stats,
        cells_off_network,
        population_off_network,
        cell_snaps: snaps,
    };
    Ok((run, walks))
}

/// The first ten of `ids`, joined with ", " (and "…" when there are more).
fn first_ten(ids: &[&str]) -> String {
    let mut shown: Vec<&str> = ids.iter().take(10).copied().collect();
    if ids.len() > 10 {
        shown.push("…");
    }
    shown.join(", ")
}

/// E2SFCA for one service with an `access` setting (`None` without one). Facilities without a
/// capacity count as 0 (warned); a kind whose sources carry no capacity field at all is an error.
fn access_stage(
    ctx: &Ctx,
    service: &ServiceSpec,
    m: &Straight,
    walked: Option<&Walked>,
    network: Option<&NetworkRun>,
    warnings: &mut Warnings,
) -> Result<Option<crate::access::Access>> {
    let Some(spec) = &service.access else {
        return Ok(None);
    };
    let (plan, facilities) = (ctx.plan, &ctx.inputs.facilities);
    let sourced = m.facilities.iter().any(|&i| {
        plan.facilities[facilities[i as usize].source]
            .capacity
            .is_some()
    });
    if !m.facilities.is_empty() && !sourced {
        return Err(Error::Plan { path: plan.path.clone(), reason: format!(
            "service '{}' sets access, which weighs capacity, but its facilities (kind '{}') come from sources without a capacity field: set capacity = \"…\" in their [[facilities]]",
            service.id, service.kind
        ) });
    }
    let missing = (m.facilities.iter())
        .filter(|&&i| facilities[i as usize].capacity.is_none())
        .count() as u64;
    warnings.add("access_capacity_missing", missing, format!(
        "service '{}': {missing} facilities have no capacity and count as capacity 0 in access_per_1000",
        service.id
    ));
    let pts: Vec<[f64; 2]> = (m.facilities.iter())
        .map(|&i| ctx.fac_local[i as usize])
        .collect();
    let caps: Vec<f64> = (m.facilities.iter())
        .map(|&i| facilities[i as usize].capacity.unwrap_or(0.0))
        .collect();
    let metric = match (spec.on_foot, network, walked) {
        (true, Some(n), Some(w)) => crate::access::Metric::Walk {
            net: &n.net,
            cell_snaps: &n.cell_snaps,
            facility_snaps: &w.walk.facility_snaps,
        },
        _ => crate::access::Metric::Straight,
    };
    let cells = &ctx.inputs.cells;
    Ok(Some(crate::access::e2sfca(
        spec,
        ctx.frame,
        &metric,
        &cells.local,
        &cells.values[service.group],
        &pts,
        &caps,
    )))
}

/// The figures of one service: per area (with access), per parent unit, and with
/// `--with-planned` the same two for the existing facilities alone.
struct Figures {
    stats: Vec<AreaStats>,
    parents: Vec<ParentStats>,
    before: Option<(Vec<AreaStats>, Vec<ParentStats>)>,
}

/// Aggregates one service per area and per parent unit.
fn aggregate(
    ctx: &Ctx,
    spec: &ServiceSpec,
    m: &Straight,
    walked: Option<&Walked>,
    access: Option<&crate::access::Access>,
) -> Figures {
    let (plan, inputs) = (ctx.plan, ctx.inputs);
    let n_areas = inputs.areas.list.len();
    let values = &inputs.cells.values[spec.group];
    let official = (plan.areas.counts.iter())
        .position(|(g, _)| *g == spec.serves)
        .map(|k| &inputs.official[k][..]);
    let units = UnitRules {
        rules: &m.unit_rules,
        official,
    };
    let has_capacity = (plan.facilities.iter().chain(&plan.planned)).any(|f| f.capacity.is_some());
    let figures = |fac: &[u32], covered: &[bool], walk: Option<&[bool]>| {
        let fa: Vec<Option<AreaIx>> = (fac.iter())
            .map(|&i| ctx.placed.facility_area[i as usize])
            .collect();
        let caps: Option<Vec<f64>> = has_capacity.then(|| {
            (fac.iter())
                .map(|&i| inputs.facilities[i as usize].capacity.unwrap_or(0.0))
                .collect()
        });
        let input = ServiceInput {
            spec,
            values,
            covered,
            walk_covered: walk,
            cell_area: &ctx.placed.cell_area,
            facility_area: &fa,
            facility_capacity: caps.as_deref(),
        };
        let stats = gaps::aggregate_with(n_areas, &input, &units);
        let parents = match plan.areas.parent {
            Some(_) => {
                gaps::aggregate_parents(&stats, &inputs.area_attrs.parent, &spec.rules(None))
            }
            None => Vec::new(),
        };
        (stats, parents)
    };
    let walk = walked.map(|w| &w.walk.covered[..]);
    let (mut stats, parents) = figures(&m.facilities, &m.covered, walk);
    let before = m.covered_before.as_ref().map(|covered| {
        let existing: Vec<u32> = ctx.of_source(&m.facilities, false).collect();
        let walk = walked.and_then(|w| w.covered_before.as_deref());
        figures(&existing, covered, walk)
    });
    if let Some(acc) = access {
        let cell_area = &ctx.placed.cell_area;
        let target = spec.capacity_per_1000;
        let per_area = gaps::aggregate_access(n_areas, values, cell_area, &acc.per_1000, target);
        for (st, x) in stats.iter_mut().zip(per_area) {
            st.access = Some(x);
        }
    }
    Figures {
        stats,
        parents,
        before,
    }
}

/// One service's result from its stages' values.
fn assemble(
    spec: &ServiceSpec,
    m: Straight,
    walked: Option<Walked>,
    access: Option<crate::access::Access>,
    f: Figures,
    blank_spots: Vec<BlankSpot>,
) -> ServiceResult {
    let (walk, walk_covered) = match walked {
        Some(w) => (Some(w.walk), w.covered_before),
        None => (None, None),
    };
    let before = m
        .covered_before
        .zip(f.before)
        .map(|(covered, (stats, parents))| Before {
            covered,
            walk_covered,
            stats,
            parents,
        });
    ServiceResult {
        spec: spec.clone(),
        facilities: m.facilities,
        distance: m.distance,
        covered: m.covered,
        stats: f.stats,
        blank_spots,
        walk,
        access,
        unit_rules: m.unit_rules,
        parents: f.parents,
        before,
    }
}

/// Per area: does it hold a facility of `idx` that `counts` accepts?
fn presence(
    n_areas: usize,
    idx: &[u32],
    facility_area: &[Option<AreaIx>],
    counts: impl Fn(u32) -> bool,
) -> Vec<bool> {
    let mut has = vec![false; n_areas];
    for &i in idx {
        if let (Some(a), true) = (facility_area[i as usize], counts(i)) {
            has[a.0 as usize] = true;
        }
    }
    has
}

/// Covered flag per cell under each cell's unit rules: in a presence-only zone, covered when
/// the unit holds a facility; elsewhere when `distance` ≤ the zone's reach (`reach` picks the
/// radius or the walking budget). Unassigned cells use the service's own rules.
fn covered_by_rules(
    distance: &[f64],
    cell_area: &[Option<AreaIx>],
    unit_rules: &[Rules],
    own: &Rules,
    present: &[bool],
    reach: impl Fn(&Rules) -> f64,
) -> Vec<bool> {
    distance
        .iter()
        .zip(cell_area)
        .map(|(&d, a)| match a {
            Some(a) if unit_rules[a.0 as usize].presence_only => present[a.0 as usize],
            Some(a) => d <= reach(&unit_rules[a.0 as usize]),
            None => d <= reach(own),
        })
        .collect()
}

/// Scales each population group by its growth factor (`[population] growth`); returns the
/// factors per group.
fn apply_growth(plan: &Plan, cells: &mut Cells) -> Result<Vec<f64>> {
    let mut factors = Vec::new();
    for g in 0..plan.population.groups.len() {
        let f = plan.growth_factor(g)?;
        if f != 1.0 {
            for v in &mut cells.values[g] {
                *v *= f;
            }
        }
        factors.push(f);
    }
    Ok(factors)
}

/// Loads the `[[planned]]` sources when the run evaluates them (`--with-planned`), keeping
/// those opening by [`Plan::planned_until`]; their `source` indexes follow the plan's
/// `[[facilities]]`.
fn load_planned(
    plan: &Plan,
    warnings: &mut Warnings,
) -> Result<(Vec<Facility>, Vec<facility::SourceInfo>)> {
    if !plan.scenario.with_planned {
        return Ok((Vec::new(), Vec::new()));
    }
    if plan.planned.is_empty() {
        return Err(Error::Plan {
            path: plan.path.clone(),
            reason: "--with-planned: the plan has no [[planned]] sources (facilities to be built, in the form of [[facilities]])".into(),
        });
    }
    let (mut list, infos) = facility::load(&plan.planned)?;
    for (spec, info) in plan.planned.iter().zip(&infos) {
        warn_source(spec, info, "planned facilities", warnings);
    }
    for f in &mut list {
        f.source += plan.facilities.len();
    }
    if let Some(until) = plan.planned_until() {
        let later = list
            .iter()
            .filter(|f| f.year.is_some_and(|y| y > until))
            .count() as u64;
        let dated = plan.planned.iter().any(|p| p.year.is_some());
        let undated = if dated {
            list.iter().filter(|f| f.year.is_none()).count() as u64
        } else {
            0
        };
        warnings.add(
            "planned_after_year",
            later,
            format!("{later} planned facilities open after {until} and are left out"),
        );
        warnings.add(
            "planned_without_year",
            undated,
            format!("{undated} planned facilities have no year: counted as built by {until}"),
        );
        list.retain(|f| f.year.is_none_or(|y| y <= until));
    }
    Ok((list, infos))
}

fn check_planned_kinds(plan: &Plan, planned: &[Facility], warnings: &mut Warnings) {
    let unused = planned
        .iter()
        .filter(|f| !plan.services.iter().any(|s| s.kind == f.kind))
        .count() as u64;
    warnings.add(
        "unevaluated_planned_kind",
        unused,
        format!("{unused} planned facilities are of kinds no service evaluates, ignored"),
    );
    for s in plan
        .services
        .iter()
        .filter(|s| s.capacity_per_1000.is_some())
    {
        let n = planned
            .iter()
            .filter(|f| {
                f.kind == s.kind
                    && plan.planned[f.source - plan.facilities.len()]
                        .capacity
                        .is_none()
            })
            .count() as u64;
        warnings.add(
            "planned_without_capacity",
            n,
            format!("service '{}': {n} planned facilities come from sources without a capacity field and add capacity 0", s.id),
        );
    }
}

/// Matches the units the plan's standard lists to the areas (by code, then by name) and reports
/// what did not match. Without `[areas] zone`, matched areas take their unit's zone from the
/// standard (unmatched areas have none).
fn standard_units(plan: &Plan, areas: &Areas, attrs: &mut AreaAttrs, warnings: &mut Warnings) {
    let Some(preset) = plan
        .standard
        .as_ref()
        .and_then(|a| crate::standards::get(&a.preset))
    else {
        return;
    };
    if preset.units.is_empty() {
        return;
    }
    let pairs: Vec<(&str, &str)> = areas
        .list
        .iter()
        .map(|a| (a.id.as_str(), a.name.as_str()))
        .collect();
    let m = crate::standards::match_units(preset, &pairs);
    let listed = |names: Vec<String>| {
        let n = names.len();
        let mut t = names.into_iter().take(12).collect::<Vec<_>>().join(", ");
        if n > 12 {
            t.push_str(&format!(" … and {} more", n - 12));
        }
        t
    };
    let by_name = m
        .matched
        .iter()
        .filter(|x| x.2 == crate::standards::MatchedBy::Name)
        .count();
    let units = m
        .unmatched_preset_units
        .iter()
        .map(|&u| {
            let u = &preset.units[u];
            match &u.code {
                Some(c) => format!("{} ({c})", u.name),
                None => u.name.clone(),
            }
        })
        .collect::<Vec<_>>();
    warnings.add(
        "standard_units_not_found",
        units.len() as u64,
        format!(
            "standard {}: {} of its {} units match no area by code or name ({} matched, {by_name} of them by name): {}",
            preset.id,
            units.len(),
            preset.units.len(),
            m.matched.len(),
            listed(units)
        ),
    );
    let others = m
        .unmatched_areas
        .iter()
        .map(|&a| format!("{} ({})", areas.list[a].name, areas.list[a].id))
        .collect::<Vec<_>>();
    warnings.add(
        "areas_not_in_standard",
        others.len() as u64,
        format!(
            "{} areas are not units of standard {}{}: {}",
            others.len(),
            preset.id,
            if plan.areas.zone.is_none() && preset.units.iter().any(|u| u.zone.is_some()) {
                " and have no zone (judged by each service's own rules)"
            } else {
                ""
            },
            listed(others)
        ),
    );
    if plan.areas.zone.is_none() && preset.units.iter().any(|u| u.zone.is_some()) {
        attrs.zone = vec![None; areas.list.len()];
        for &(u, a, _) in &m.matched {
            attrs.zone[a] = preset.units[u].zone.clone();
        }
        attrs.zone_source = Some(format!("standard {}'s unit list", preset.id));
    }
}

/// Reports zone values no rule names, units without a zone, and zones named in rules that no
/// unit has.
fn check_zones(plan: &Plan, attrs: &AreaAttrs, warnings: &mut Warnings) {
    if attrs.zone_source.is_none() {
        return;
    }
    let field = plan.areas.zone.as_deref();
    let named: std::collections::BTreeSet<&str> = plan
        .services
        .iter()
        .flat_map(|s| s.zones.iter().map(|(z, _)| z.as_str()))
        .collect();
    let mut unknown: std::collections::BTreeMap<&str, u64> = Default::default();
    for z in attrs.zone.iter().flatten() {
        if !named.contains(z.as_str()) {
            *unknown.entry(z.as_str()).or_default() += 1;
        }
    }
    let listed: Vec<String> = unknown.iter().map(|(z, n)| format!("{z} ({n})")).collect();
    warnings.add(
        "zone_without_rules",
        unknown.values().sum(),
        format!(
            "units whose zone no [[service]] zones.* rule names are judged by the service's own rules: {}",
            listed.join(", ")
        ),
    );
    // Without a zone property, areas outside the standard's unit list are reported by
    // `standard_units` already.
    if let Some(field) = field {
        let null = attrs.zone.iter().filter(|z| z.is_none()).count() as u64;
        warnings.add(
            "zone_missing",
            null,
            format!("{null} units have no zone ('{field}' is null or missing): judged by the service's own rules"),
        );
    }
    for z in named {
        if !attrs.zone.iter().any(|x| x.as_deref() == Some(z)) {
            let why = match field {
                Some(field) => format!("no unit has {field} = \"{z}\": check the spelling"),
                None => format!(
                    "no area matched to the standard's units is in zone '{z}' (check the unit codes and names)"
                ),
            };
            warnings.add(
                "zone_without_units",
                1,
                format!("zone '{z}' has rules but {why}"),
            );
        }
    }
}

/// Official counts per `[areas] counts` entry and area, scaled by the group's growth; reports
/// units without one (null or 0: their ratio targets use the grid sum) and units without a
/// parent.
fn official_counts(
    plan: &Plan,
    attrs: &AreaAttrs,
    growth: &[f64],
    warnings: &mut Warnings,
) -> Vec<Vec<Option<f64>>> {
    if let Some(p) = &plan.areas.parent {
        let n = attrs.parent.iter().filter(|x| x.is_none()).count() as u64;
        warnings.add(
            "parent_missing",
            n,
            format!(
                "{n} units have no parent ('{p}' is null or missing): left out of districts.csv"
            ),
        );
    }
    plan.areas
        .counts
        .iter()
        .zip(&attrs.counts)
        .map(|((g, field), vals)| {
            let gi = plan
                .population
                .groups
                .iter()
                .position(|(n, _)| n == g)
                .expect("plan checks counts groups");
            let missing = vals.iter().filter(|v| !v.is_some_and(|x| x > 0.0)).count() as u64;
            warnings.add(
                "official_count_missing",
                missing,
                format!("{missing} units have no official count of '{g}' ('{field}' is null, missing or 0): their capacity per 1,000 uses the grid sum"),
            );
            vals.iter().map(|v| v.map(|x| x * growth[gi])).collect()
        })
        .collect()
}

fn check_kinds(plan: &Plan, facilities: &[Facility], warnings: &mut Warnings) -> Result<()> {
    let mut by_kind: std::collections::BTreeMap<&str, (u64, bool)> = Default::default();
    for f in facilities {
        let e = by_kind.entry(f.kind.as_str()).or_default();
        e.0 += 1;
        e.1 |= plan.facilities[f.source].capacity.is_some();
    }
    for s in &plan.services {
        match by_kind.get(s.kind.as_str()) {
            None => warnings.add(
                "service_without_facilities",
                1,
                format!(
                    "service '{}': no facility has kind '{}'; its coverage is 0{}",
                    s.id,
                    s.kind,
                    if s.min_per_area.is_some() {
                        " and every unit gets no_facility"
                    } else {
                        ""
                    }
                ),
            ),
            Some((_, has_cap)) if s.capacity_per_1000.is_some() && !has_cap => {
                return Err(Error::Plan { path: plan.path.clone(), reason: format!(
                    "service '{}' sets capacity_per_1000, but its facilities (kind '{}') come from sources without a capacity field: set capacity = \"…\" in their [[facilities]]",
                    s.id, s.kind
                ) });
            }
            _ => {}
        }
    }
    let unused: Vec<(&str, u64)> = by_kind
        .iter()
        .filter(|(k, _)| !plan.services.iter().any(|s| s.kind == **k))
        .map(|(k, (n, _))| (*k, *n))
        .collect();
    let listed: Vec<String> = unused.iter().map(|(k, n)| format!("{k} ({n})")).collect();
    warnings.add(
        "unevaluated_kind",
        unused.iter().map(|(_, n)| n).sum(),
        format!(
            "facilities of kinds no service evaluates, ignored: {}",
            listed.join(", ")
        ),
    );
    let mut ids: Vec<&str> = facilities.iter().map(|f| f.id.as_str()).collect();
    ids.sort_unstable();
    let dups = ids.windows(2).filter(|w| w[0] == w[1]).count() as u64;
    warnings.add(
        "duplicate_facility_id",
        dups,
        format!("{dups} facilities share an id with another facility"),
    );
    Ok(())
}

/// Warns about cells and evaluated facilities outside every area.
fn report_unassigned(plan: &Plan, inputs: &Inputs, placed: &Placed, warnings: &mut Warnings) {
    let cell_area = &placed.cell_area;
    let n = cell_area.iter().filter(|a| a.is_none()).count() as u64;
    let pops: Vec<String> = (plan.population.groups.iter().enumerate())
        .map(|(g, (name, _))| {
            let p: f64 = (cell_area.iter().zip(&inputs.cells.values[g]))
                .filter(|(a, _)| a.is_none())
                .map(|(_, v)| v)
                .sum();
            format!("{name} {p:.1}")
        })
        .collect();
    warnings.add(
        "cells_outside_areas",
        n,
        format!(
            "{n} population cells lie outside every area (unassigned): {}",
            pops.join(", ")
        ),
    );
    let outside: Vec<&str> = (inputs.facilities.iter().zip(&placed.facility_area))
        .filter(|(f, a)| a.is_none() && plan.services.iter().any(|s| s.kind == f.kind))
        .map(|(f, _)| f.id.as_str())
        .collect();
    warnings.add(
        "facilities_outside_areas",
        outside.len() as u64,
        format!(
            "{} evaluated facilities lie outside every area (they still cover cells within reach): {}",
            outside.len(),
            first_ten(&outside)
        ),
    );
}
