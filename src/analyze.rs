//! The `analyze` pipeline: load → project → index → measure → aggregate → dissolve.
//! Writing is separate ([`crate::write`]), so the whole result exists before any file is
//! touched.

use crate::area::{self, AreaAttrs, AreaIndex, AreaIx, Areas};
use crate::coverage;
use crate::dissolve::{self, Vtx};
use crate::error::{Error, Location, Result};
use crate::facility::{self, Facility};
use crate::gaps::{self, AreaStats, ParentStats, ServiceInput, UnitRules};
use crate::grid::{self, Grid};
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

/// One connected blank spot: uncovered populated cells of one area.
#[derive(Debug, Clone)]
pub struct BlankSpot {
    /// The area it lies in.
    pub area: AreaIx,
    /// Served population in it.
    pub population: f64,
    /// Number of cells.
    pub cells: u32,
    /// Polygons (exterior first, then holes), lon/lat, rings closed.
    pub polygons: Vec<Vec<Vec<[f64; 2]>>>,
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

fn overlap_check(
    layer: &str,
    system: Option<&str>,
    path: &std::path::Path,
    b: &BBox,
    areas: &BBox,
    areas_path: &std::path::Path,
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
            areas_path.display()
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
    standard_units(&plan, &areas, &mut area_attrs, &mut warnings);
    crate::warnings::long_texts(&areas, &area_attrs, &plan.areas.path, &mut warnings);
    let (mut cells, pop_warnings) = cells?;
    let (mut facilities, sources) = fac?;
    warnings.extend(pop_warnings);
    let growth = apply_growth(&plan, &mut cells)?;
    let (planned, planned_sources) = load_planned(&plan, &mut warnings)?;
    tm.lap("load");

    overlap_check(
        "population",
        None,
        &plan.population.path,
        &cells.bbox,
        &areas.bbox,
        &plan.areas.path,
    )?;
    for (spec, info) in plan.facilities.iter().zip(&sources) {
        overlap_check(
            "facilities",
            info.system.as_deref(),
            &spec.path,
            &info.bbox,
            &areas.bbox,
            &plan.areas.path,
        )?;
        crate::load::csv::warn_encoding(&spec.path, info.encoding, &mut warnings);
        warn_source(spec, info, "facilities", &mut warnings);
    }
    for (spec, info) in plan.planned.iter().zip(&planned_sources) {
        overlap_check(
            "planned facilities",
            info.system.as_deref(),
            &spec.path,
            &info.bbox,
            &areas.bbox,
            &plan.areas.path,
        )?;
    }
    check_kinds(&plan, &facilities, &mut warnings)?;
    let planned_from = facilities.len();
    check_planned_kinds(&plan, &planned, &mut warnings);
    facilities.extend(planned);
    check_zones(&plan, &area_attrs, &mut warnings);
    let official = official_counts(&plan, &area_attrs, &growth, &mut warnings);

    opts.progress.stage("projecting");
    let frame = Frame::for_bbox(areas.bbox.0);
    cells.project(&frame);
    let fac_local: Vec<[f64; 2]> = facilities
        .iter()
        .map(|f| frame.to_local(f.lonlat[0], f.lonlat[1]))
        .collect();
    tm.lap("project");

    // The grid fit (its raster fill is sequential) runs beside the parallel point-in-area
    // assignment; neither needs the other.
    opts.progress.stage("assigning cells to areas");
    let (fitted, cell_area) = rayon::join(
        || match cells.footprints {
            Footprints::Points => fit_grid(&plan, &cells).map(|(g, r)| (Some(g), Some(r))),
            Footprints::Polygons(_) => Ok((None, None)),
        },
        || -> Vec<Option<AreaIx>> {
            cells
                .lonlat
                .par_iter()
                .with_min_len(4096)
                .map(|&p| index.locate(p))
                .collect()
        },
    );
    let (grid, raster) = fitted?;
    let facility_area: Vec<Option<AreaIx>> =
        facilities.iter().map(|f| index.locate(f.lonlat)).collect();
    tm.lap("assign");
    report_unassigned(
        &plan,
        &cells,
        &cell_area,
        &facilities,
        &facility_area,
        &mut warnings,
    );

    opts.progress.stage("measuring coverage");
    let services: Vec<ServiceResult> = plan
        .services
        .par_iter()
        .map(|spec| {
            let idx: Vec<u32> = (0..facilities.len() as u32)
                .filter(|&i| facilities[i as usize].kind == spec.kind)
                .collect();
            let unit_rules: Vec<Rules> = area_attrs
                .zone
                .iter()
                .map(|z| spec.rules(z.as_deref()))
                .collect();
            let own = spec.rules(None);
            let max_r = unit_rules
                .iter()
                .map(|r| r.radius_m)
                .fold(own.radius_m, f64::max);
            let dist = |planned: bool| {
                let pts: Vec<[f64; 2]> = idx
                    .iter()
                    .filter(|&&i| (i as usize >= planned_from) == planned)
                    .map(|&i| fac_local[i as usize])
                    .collect();
                coverage::nearest_distances(&frame, &cells.local, &pts, max_r, opts.exact_distances)
            };
            let existing = dist(false);
            let present = |with_planned: bool| {
                presence(areas.list.len(), &idx, &facility_area, |i| {
                    with_planned || (i as usize) < planned_from
                })
            };
            let covered_with = |d: &[f64], with_planned: bool| {
                covered_by_rules(
                    d,
                    &cell_area,
                    &unit_rules,
                    &own,
                    &present(with_planned),
                    |r| r.radius_m,
                )
            };
            let has_planned = idx.iter().any(|&i| i as usize >= planned_from);
            let (distance, before) = if plan.scenario.with_planned {
                let after: Vec<f64> = if has_planned {
                    let planned = dist(true);
                    existing
                        .iter()
                        .zip(&planned)
                        .map(|(a, b)| a.min(*b))
                        .collect()
                } else {
                    existing.clone()
                };
                let before = Before {
                    covered: covered_with(&existing, false),
                    walk_covered: None,
                    stats: Vec::new(),
                    parents: Vec::new(),
                };
                (after, Some(before))
            } else {
                (existing, None)
            };
            let covered = covered_with(&distance, true);
            ServiceResult {
                spec: spec.clone(),
                facilities: idx,
                distance,
                covered,
                stats: Vec::new(),
                blank_spots: Vec::new(),
                walk: None,
                access: None,
                unit_rules,
                parents: Vec::new(),
                before,
            }
        })
        .collect();
    let mut services = services;
    tm.lap("coverage");

    let network = match &plan.network {
        None => None,
        Some(spec) => {
            opts.progress.stage("walking on the network");
            let run = walk_stage(
                &plan,
                spec,
                &frame,
                &areas,
                &cells,
                &facilities,
                &fac_local,
                (&cell_area, &facility_area, planned_from),
                &mut services,
                &mut warnings,
            )?;
            tm.lap("network");
            Some(run)
        }
    };

    if services.iter().any(|s| s.spec.access.is_some()) {
        opts.progress.stage("capacity-aware access");
        for s in &mut services {
            s.access = access_stage(
                &plan,
                s,
                &frame,
                &cells,
                &facilities,
                &fac_local,
                network.as_ref(),
                &mut warnings,
            )?;
        }
        tm.lap("access");
    }

    opts.progress.stage("aggregating");
    let has_capacity = plan
        .facilities
        .iter()
        .chain(&plan.planned)
        .any(|f| f.capacity.is_some());
    // Services are aggregated in parallel; each one's sums run sequentially in cell order.
    services.par_iter_mut().for_each(|s| {
        let official = plan
            .areas
            .counts
            .iter()
            .position(|(g, _)| *g == s.spec.serves)
            .map(|k| &official[k][..]);
        let units = UnitRules {
            rules: &s.unit_rules,
            official,
        };
        let figures = |fac: &[u32], covered: &[bool], walk: Option<&[bool]>| {
            let fa: Vec<Option<AreaIx>> = fac.iter().map(|&i| facility_area[i as usize]).collect();
            let caps: Option<Vec<f64>> = has_capacity.then(|| {
                fac.iter()
                    .map(|&i| facilities[i as usize].capacity.unwrap_or(0.0))
                    .collect()
            });
            gaps::aggregate_with(
                areas.list.len(),
                &ServiceInput {
                    spec: &s.spec,
                    values: &cells.values[s.spec.group],
                    covered,
                    walk_covered: walk,
                    cell_area: &cell_area,
                    facility_area: &fa,
                    facility_capacity: caps.as_deref(),
                },
                &units,
            )
        };
        let stats = figures(
            &s.facilities,
            &s.covered,
            s.walk.as_ref().map(|w| &w.covered[..]),
        );
        let before_stats = s.before.as_ref().map(|b| {
            let existing: Vec<u32> = s
                .facilities
                .iter()
                .copied()
                .filter(|&i| (i as usize) < planned_from)
                .collect();
            figures(&existing, &b.covered, b.walk_covered.as_deref())
        });
        let own = s.spec.rules(None);
        if plan.areas.parent.is_some() {
            s.parents = gaps::aggregate_parents(&stats, &area_attrs.parent, &own);
        }
        if let (Some(b), Some(st)) = (&mut s.before, before_stats) {
            if plan.areas.parent.is_some() {
                b.parents = gaps::aggregate_parents(&st, &area_attrs.parent, &own);
            }
            b.stats = st;
        }
        s.stats = stats;
        if let Some(acc) = &s.access {
            let per_area = gaps::aggregate_access(
                areas.list.len(),
                &cells.values[s.spec.group],
                &cell_area,
                &acc.per_1000,
                s.spec.capacity_per_1000,
            );
            for (st, x) in s.stats.iter_mut().zip(per_area) {
                st.access = Some(x);
            }
        }
    });
    tm.lap("aggregate");

    opts.progress.stage("tracing blank spots");
    let links = raster.as_ref().map(|r| r.links(&cell_area));
    let lattice = match (&grid, &raster, &links) {
        (Some(g), Some(r), Some(l)) => Some(Lattice {
            grid: g,
            raster: r,
            links: l,
        }),
        _ => None,
    };
    let traced: Vec<Vec<BlankSpot>> = services
        .par_iter()
        .map(|s| blank_spots(&cells, &cell_area, s, lattice, &frame))
        .collect();
    for (s, b) in services.iter_mut().zip(traced) {
        s.blank_spots = b;
    }
    tm.lap("dissolve");

    Ok(Analysis {
        plan,
        frame,
        areas,
        cells,
        cell_area,
        facilities,
        facility_area,
        planned_from,
        area_attrs,
        services,
        grid,
        network,
        warnings,
        timings: tm.out,
    })
}

/// Loads the network, snaps cells once and runs one bounded multi-source search per service.
#[allow(clippy::too_many_arguments)]
fn walk_stage(
    plan: &Plan,
    spec: &crate::plan::NetworkSpec,
    frame: &Frame,
    areas: &Areas,
    cells: &Cells,
    facilities: &[Facility],
    fac_local: &[[f64; 2]],
    (cell_area, facility_area, planned_from): (&[Option<AreaIx>], &[Option<AreaIx>], usize),
    services: &mut [ServiceResult],
    warnings: &mut Warnings,
) -> Result<NetworkRun> {
    let net = crate::network::read_pbf(&spec.path, frame)?;
    if let Some(b) = net.bbox_lonlat() {
        overlap_check(
            "network",
            None,
            &spec.path,
            &BBox(b),
            &areas.bbox,
            &plan.areas.path,
        )?;
    }
    let stats = net.stats();
    let snaps = net.snap_all(&cells.local, spec.max_snap_m);
    let off: Vec<bool> = snaps.iter().map(Option::is_none).collect();
    let cells_off_network = off.iter().filter(|x| **x).count() as u64;
    let population_off_network: Vec<f64> = cells
        .values
        .iter()
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
    let walks: Vec<(WalkService, Option<Vec<bool>>)> = services
        .par_iter()
        .map(|s| {
            let budget_m = s.spec.walk_budget_m();
            let max_budget = s
                .unit_rules
                .iter()
                .map(|r| r.walk_budget_m)
                .fold(budget_m, f64::max);
            let facility_snaps: Vec<Option<crate::network::Snap>> = s
                .facilities
                .iter()
                .map(|&i| net.snap(fac_local[i as usize], spec.max_snap_m))
                .collect();
            let reach = |planned: bool| -> Vec<f64> {
                let sources: Vec<crate::network::Snap> = s
                    .facilities
                    .iter()
                    .zip(&facility_snaps)
                    .filter(|(&i, _)| (i as usize >= planned_from) == planned)
                    .filter_map(|(_, sn)| *sn)
                    .collect();
                let d = net.multi_source(&sources, max_budget);
                snaps
                    .par_iter()
                    .with_min_len(4096)
                    .map(|sn| {
                        sn.as_ref()
                            .and_then(|sn| net.walk_distance(&d, sn))
                            .unwrap_or(f64::INFINITY)
                    })
                    .collect()
            };
            let existing = reach(false);
            let present = |with_planned: bool| {
                presence(areas.list.len(), &s.facilities, facility_area, |i| {
                    with_planned || (i as usize) < planned_from
                })
            };
            let own = s.spec.rules(None);
            let covered_with = |d: &[f64], with_planned: bool| {
                covered_by_rules(
                    d,
                    cell_area,
                    &s.unit_rules,
                    &own,
                    &present(with_planned),
                    |r| r.walk_budget_m,
                )
            };
            let (distance, before) = if s.before.is_some() {
                let planned = reach(true);
                let after: Vec<f64> = existing
                    .iter()
                    .zip(&planned)
                    .map(|(a, b)| a.min(*b))
                    .collect();
                let before = covered_with(&existing, false);
                (after, Some(before))
            } else {
                (existing, None)
            };
            let covered = covered_with(&distance, true);
            (
                WalkService {
                    budget_m,
                    distance,
                    covered,
                    facility_snaps,
                },
                before,
            )
        })
        .collect();
    for (s, (w, before)) in services.iter_mut().zip(walks) {
        if let Some(b) = &mut s.before {
            b.walk_covered = before;
        }
        let far: Vec<&str> = s
            .facilities
            .iter()
            .zip(&w.facility_snaps)
            .filter(|(_, sn)| sn.is_none())
            .map(|(&i, _)| facilities[i as usize].id.as_str())
            .collect();
        let mut shown: Vec<&str> = far.iter().take(10).copied().collect();
        if far.len() > 10 {
            shown.push("…");
        }
        warnings.add("facilities_off_network", far.len() as u64, format!(
            "service '{}': {} facilities lie farther than {} m from every walkable way and reach no one on foot: {}",
            s.spec.id,
            far.len(),
            spec.max_snap_m,
            shown.join(", ")
        ));
        s.walk = Some(w);
    }
    Ok(NetworkRun {
        net,
        stats,
        cells_off_network,
        population_off_network,
        cell_snaps: snaps,
    })
}

/// E2SFCA for one service with an `access` setting (`None` without one). Facilities without a
/// capacity count as 0 (warned); a kind whose sources carry no capacity field at all is an error.
#[allow(clippy::too_many_arguments)]
fn access_stage(
    plan: &Plan,
    s: &ServiceResult,
    frame: &Frame,
    cells: &Cells,
    facilities: &[Facility],
    fac_local: &[[f64; 2]],
    network: Option<&NetworkRun>,
    warnings: &mut Warnings,
) -> Result<Option<crate::access::Access>> {
    let Some(spec) = &s.spec.access else {
        return Ok(None);
    };
    let sourced = s.facilities.iter().any(|&i| {
        plan.facilities[facilities[i as usize].source]
            .capacity
            .is_some()
    });
    if !s.facilities.is_empty() && !sourced {
        return Err(Error::Plan { path: plan.path.clone(), reason: format!(
            "service '{}' sets access, which weighs capacity, but its facilities (kind '{}') come from sources without a capacity field: set capacity = \"…\" in their [[facilities]]",
            s.spec.id, s.spec.kind
        ) });
    }
    let missing = s
        .facilities
        .iter()
        .filter(|&&i| facilities[i as usize].capacity.is_none())
        .count() as u64;
    warnings.add("access_capacity_missing", missing, format!(
        "service '{}': {missing} facilities have no capacity and count as capacity 0 in access_per_1000",
        s.spec.id
    ));
    let pts: Vec<[f64; 2]> = s
        .facilities
        .iter()
        .map(|&i| fac_local[i as usize])
        .collect();
    let caps: Vec<f64> = s
        .facilities
        .iter()
        .map(|&i| facilities[i as usize].capacity.unwrap_or(0.0))
        .collect();
    let metric = match (spec.on_foot, network, &s.walk) {
        (true, Some(n), Some(w)) => crate::access::Metric::Walk {
            net: &n.net,
            cell_snaps: &n.cell_snaps,
            facility_snaps: &w.facility_snaps,
        },
        _ => crate::access::Metric::Straight,
    };
    Ok(Some(crate::access::e2sfca(
        spec,
        frame,
        &metric,
        &cells.local,
        &cells.values[s.spec.group],
        &pts,
        &caps,
    )))
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

fn report_unassigned(
    plan: &Plan,
    cells: &Cells,
    cell_area: &[Option<AreaIx>],
    facilities: &[Facility],
    facility_area: &[Option<AreaIx>],
    warnings: &mut Warnings,
) {
    let n = cell_area.iter().filter(|a| a.is_none()).count() as u64;
    let pops: Vec<String> = plan
        .population
        .groups
        .iter()
        .enumerate()
        .map(|(g, (name, _))| {
            let p: f64 = cell_area
                .iter()
                .zip(&cells.values[g])
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
    let outside: Vec<&str> = facilities
        .iter()
        .zip(facility_area)
        .filter(|(f, a)| a.is_none() && plan.services.iter().any(|s| s.kind == f.kind))
        .map(|(f, _)| f.id.as_str())
        .collect();
    let mut shown: Vec<&str> = outside.iter().take(10).copied().collect();
    if outside.len() > 10 {
        shown.push("…");
    }
    warnings.add(
        "facilities_outside_areas",
        outside.len() as u64,
        format!(
        "{} evaluated facilities lie outside every area (they still cover cells within reach): {}",
        outside.len(), shown.join(", ")
    ),
    );
}

/// Cell positions on the grid and a lookup from position to cell.
struct Raster {
    pos: Vec<(i32, i32)>,
    nx: i64,
    ny: i64,
    dense: Vec<u32>,
    sparse: crate::dissolve::FxMap<(i32, i32), u32>,
}

/// A grid of point cells as blank-spot tracing uses it.
#[derive(Clone, Copy)]
struct Lattice<'a> {
    grid: &'a Grid,
    raster: &'a Raster,
    /// Per cell, its lower, right, upper and left neighbours when they lie in the same area
    /// (`u32::MAX` when not): the edges every service's union-find joins along, and the sides
    /// tracing checks.
    links: &'a [[u32; 4]],
}

impl Raster {
    /// Per cell, its lower, right, upper and left neighbours in the same area (`u32::MAX`
    /// when none): the directions of [`dissolve::trace_grid`]'s `across`.
    fn links(&self, cell_area: &[Option<AreaIx>]) -> Vec<[u32; 4]> {
        self.pos
            .par_iter()
            .enumerate()
            .map(|(c, &(i, j))| {
                let same = |n: Option<u32>| {
                    n.filter(|&n| cell_area[c].is_some() && cell_area[n as usize] == cell_area[c])
                        .unwrap_or(u32::MAX)
                };
                [
                    same(self.at(i, j - 1)),
                    same(self.at(i + 1, j)),
                    same(self.at(i, j + 1)),
                    same(self.at(i - 1, j)),
                ]
            })
            .collect()
    }

    /// The cell at grid position `(i, j)`.
    #[inline]
    fn at(&self, i: i32, j: i32) -> Option<u32> {
        if self.dense.is_empty() {
            return self.sparse.get(&(i, j)).copied();
        }
        let (x, y) = (i as i64, j as i64);
        if x < 0 || y < 0 || x >= self.nx || y >= self.ny {
            return None;
        }
        let c = self.dense[(y * self.nx + x) as usize];
        (c != u32::MAX).then_some(c)
    }
}

fn fit_grid(plan: &Plan, cells: &Cells) -> Result<(Grid, Raster)> {
    let g = grid::fit(&cells.lonlat, &cells.local, plan.population.cell_size).ok_or_else(|| {
        Error::input(&plan.population.path, Location::File, Some("cell_size"), if cells.len() < 2 {
            "a single point cell has no grid to infer its footprint from: set [population] cell_size (e.g. \"100 m\" or \"3 arcsec\")".to_string()
        } else {
            "the point cells are not on a regular grid, so their footprint cannot be inferred: set [population] cell_size (e.g. \"100 m\" or \"3 arcsec\")".to_string()
        })
    })?;
    let pts = match g.space {
        grid::Space::LonLat => &cells.lonlat,
        grid::Space::Local => &cells.local,
    };
    let pos: Vec<(i32, i32)> = pts.par_iter().map(|&p| g.index(p)).collect();
    let (nx, ny) = (g.nx as i64, g.ny as i64);
    let mut r = Raster {
        pos,
        nx,
        ny,
        dense: Vec::new(),
        sparse: Default::default(),
    };
    let dense = nx * ny <= 64_000_000;
    if dense {
        r.dense = vec![u32::MAX; (nx * ny) as usize];
    }
    // Two cells in one grid position means the grid (or cell_size) is wrong.
    for c in 0..cells.len() {
        let (i, j) = r.pos[c];
        let slot = if dense {
            if i < 0 || j < 0 || i as i64 >= nx || j as i64 >= ny {
                None
            } else {
                Some(&mut r.dense[(j as i64 * nx + i as i64) as usize])
            }
        } else {
            Some(r.sparse.entry((i, j)).or_insert(u32::MAX))
        };
        let Some(slot) = slot else { continue };
        if *slot != u32::MAX {
            return Err(Error::input(&plan.population.path, Location::File, Some("cell_size"), format!(
                "cells '{}' and '{}' fall into the same grid cell ({:?} grid, spacing {:.4e} × {:.4e}): set [population] cell_size to the grid's real spacing",
                cells.id(*slot as usize), cells.id(c), g.space, g.dx, g.dy
            )));
        }
        *slot = c as u32;
    }
    Ok((g, r))
}

/// Union-find root of `x`, halving paths on the way.
fn find(p: &mut [u32], mut x: u32) -> u32 {
    while p[x as usize] != x {
        p[x as usize] = p[p[x as usize] as usize];
        x = p[x as usize];
    }
    x
}

/// Dissolves the uncovered populated cells of one service into connected blank spots per area.
fn blank_spots(
    cells: &Cells,
    cell_area: &[Option<AreaIx>],
    s: &ServiceResult,
    lattice: Option<Lattice>,
    frame: &Frame,
) -> Vec<BlankSpot> {
    let values = &cells.values[s.spec.group];
    // Blank spots follow the measure the rules judge by: on foot when the plan has a network.
    let judged = s.judged_covered();
    let selected: Vec<bool> = (0..cells.len())
        .map(|c| !judged[c] && values[c] > 0.0 && cell_area[c].is_some())
        .collect();
    // Components: cells of one area connected through shared edges.
    let mut comp = vec![u32::MAX; cells.len()];
    let mut comps: Vec<Vec<u32>> = Vec::new();
    match lattice {
        Some(Lattice {
            grid: g,
            raster,
            links,
        }) => {
            let pos = &raster.pos;
            // Union-find over edge neighbours of one area (left and below suffice), then
            // components numbered by their lowest cell index, members ascending.
            let mut parent: Vec<u32> = (0..cells.len() as u32).collect();
            for c in 0..cells.len() {
                if !selected[c] {
                    continue;
                }
                for n in [links[c][3], links[c][0]] {
                    if n != u32::MAX && selected[n as usize] {
                        let (a, b) = (find(&mut parent, c as u32), find(&mut parent, n));
                        if a != b {
                            parent[a.max(b) as usize] = a.min(b);
                        }
                    }
                }
            }
            // Members of all components in one array, grouped by component (counting sort):
            // one allocation instead of one per component.
            let mut sizes: Vec<u32> = Vec::new();
            for c in 0..cells.len() {
                if !selected[c] {
                    continue;
                }
                let r = find(&mut parent, c as u32) as usize;
                if comp[r] == u32::MAX {
                    comp[r] = sizes.len() as u32;
                    sizes.push(0);
                }
                comp[c] = comp[r];
                sizes[comp[c] as usize] += 1;
            }
            let mut start = Vec::with_capacity(sizes.len() + 1);
            start.push(0usize);
            for n in &sizes {
                start.push(start[start.len() - 1] + *n as usize);
            }
            let mut fill = start.clone();
            let mut members = vec![0u32; fill[sizes.len()]];
            for c in 0..cells.len() {
                if selected[c] {
                    let k = comp[c] as usize;
                    members[fill[k]] = c as u32;
                    fill[k] += 1;
                }
            }
            let visited: Vec<std::sync::atomic::AtomicU8> =
                (0..cells.len()).map(|_| Default::default()).collect();
            (0..sizes.len())
                .into_par_iter()
                .map(|k| {
                    let members = &members[start[k]..start[k + 1]];
                    let id = k as u32;
                    // comp[n] == id implies n is selected.
                    let inside =
                        |i: i32, j: i32| raster.at(i, j).filter(|&n| comp[n as usize] == id);
                    let across = |c: u32, k: usize| {
                        let n = links[c as usize][k];
                        (n != u32::MAX && comp[n as usize] == id).then_some(n)
                    };
                    let rings = dissolve::trace_grid(
                        members,
                        |c| pos[c as usize],
                        inside,
                        across,
                        &visited,
                    );
                    let to_ll = |v: Vtx| g.corner_lonlat(v.0 as i32, v.1 as i32, frame);
                    spot_from_rings(members, values, cell_area, rings, to_ll)
                })
                .collect::<Vec<_>>()
        }
        None => {
            let Footprints::Polygons(polys) = &cells.footprints else {
                return Vec::new();
            };
            let q = |p: &[f64; 2]| -> Vtx {
                ((p[0] * 1e7).round() as i64, (p[1] * 1e7).round() as i64)
            };
            // Each cell's rings with a flag: is it a hole (not the first ring of its part)?
            let qrings: Vec<Vec<(Vec<Vtx>, bool)>> = polys
                .iter()
                .enumerate()
                .map(|(c, parts)| {
                    if !selected[c] {
                        return Vec::new();
                    }
                    parts
                        .iter()
                        .flat_map(|rings| {
                            rings
                                .iter()
                                .enumerate()
                                .map(|(k, r)| (r.iter().map(q).collect(), k > 0))
                        })
                        .collect()
                })
                .collect();
            // Union cells of one area that share an edge.
            let mut parent: Vec<u32> = (0..cells.len() as u32).collect();
            let mut edge_owner: crate::dissolve::FxMap<(Vtx, Vtx), u32> = Default::default();
            for c in 0..cells.len() {
                for (r, _) in &qrings[c] {
                    for w in r.windows(2) {
                        let key = if w[0] < w[1] {
                            (w[0], w[1])
                        } else {
                            (w[1], w[0])
                        };
                        match edge_owner.get(&key) {
                            Some(&o) if cell_area[o as usize] == cell_area[c] => {
                                let (a, b) = (find(&mut parent, o), find(&mut parent, c as u32));
                                if a != b {
                                    parent[a.max(b) as usize] = a.min(b);
                                }
                            }
                            Some(_) => {}
                            None => {
                                edge_owner.insert(key, c as u32);
                            }
                        }
                    }
                }
            }
            let mut root_comp: crate::dissolve::FxMap<u32, usize> = Default::default();
            for (c, _) in selected.iter().enumerate().filter(|(_, s)| **s) {
                {
                    let r = find(&mut parent, c as u32);
                    let k = *root_comp.entry(r).or_insert_with(|| {
                        comps.push(Vec::new());
                        comps.len() - 1
                    });
                    comps[k].push(c as u32);
                }
            }
            comps
                .par_iter()
                .map(|members| {
                    let edges =
                        dissolve::polygon_edges(members.iter().flat_map(|&c| {
                            qrings[c as usize].iter().map(|(r, hole)| (&r[..], *hole))
                        }));
                    spot(members, values, cell_area, &edges, |v: Vtx| {
                        [v.0 as f64 / 1e7, v.1 as f64 / 1e7]
                    })
                })
                .collect()
        }
    }
}

fn spot(
    members: &[u32],
    values: &[f64],
    cell_area: &[Option<AreaIx>],
    edges: &[(Vtx, Vtx)],
    to_ll: impl Fn(Vtx) -> [f64; 2],
) -> BlankSpot {
    spot_from_rings(members, values, cell_area, dissolve::chain(edges), to_ll)
}

fn spot_from_rings(
    members: &[u32],
    values: &[f64],
    cell_area: &[Option<AreaIx>],
    rings: Vec<Vec<Vtx>>,
    to_ll: impl Fn(Vtx) -> [f64; 2],
) -> BlankSpot {
    // Members come ascending (components are filled in cell order): the sum runs in cell
    // order, the same for any thread count.
    debug_assert!(members.windows(2).all(|w| w[0] < w[1]));
    let population = members.iter().map(|&c| values[c as usize]).sum();
    let polygons = dissolve::polygons(rings)
        .into_iter()
        .map(|rings| {
            rings
                .into_iter()
                .map(|r| {
                    // Room for the closing vertex, so it is not a reallocation.
                    let mut ring: Vec<[f64; 2]> = Vec::with_capacity(r.len() + 1);
                    ring.extend(r.iter().map(|&v| to_ll(v)));
                    ring.push(ring[0]);
                    ring
                })
                .collect()
        })
        .collect();
    BlankSpot {
        area: cell_area[members[0] as usize].expect("selected cells have an area"),
        population,
        cells: members.len() as u32,
        polygons,
    }
}
