//! The `analyze` pipeline: load → project → index → measure → aggregate → dissolve.
//! Writing is separate ([`crate::write`]), so the whole result exists before any file is
//! touched.

use crate::area::{self, AreaIndex, AreaIx, Areas};
use crate::coverage;
use crate::dissolve::{self, Vtx};
use crate::error::{Error, Location, Result};
use crate::facility::{self, Facility};
use crate::gaps::{self, AreaStats, ServiceInput};
use crate::grid::{self, Grid};
use crate::load::BBox;
use crate::plan::{Plan, ServiceSpec};
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
}

impl ServiceResult {
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
            "the {layer} layer ({b}) does not overlap the areas in {} ({areas}) at all.{hint}",
            areas_path.display()
        ),
    })
}

/// Runs the analysis of a plan.
pub fn run(plan: Plan, opts: &Options) -> Result<Analysis> {
    let mut tm = Timer::new();
    let mut warnings = Warnings::default();
    opts.progress.stage("loading");
    let (areas, (cells, fac)) = rayon::join(
        || area::load(&plan.areas),
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
    let areas = areas?;
    let (mut cells, pop_warnings) = cells?;
    let (facilities, sources) = fac?;
    warnings.extend(pop_warnings);
    tm.lap("load");

    overlap_check(
        "population",
        &plan.population.path,
        &cells.bbox,
        &areas.bbox,
        &plan.areas.path,
    )?;
    for (spec, info) in plan.facilities.iter().zip(&sources) {
        overlap_check(
            "facilities",
            &spec.path,
            &info.bbox,
            &areas.bbox,
            &plan.areas.path,
        )?;
        crate::load::csv::warn_encoding(&spec.path, info.encoding, &mut warnings);
        if let Some(c) = &spec.capacity {
            warnings.add(
                "null_capacity",
                info.null_capacity,
                format!(
                    "{}: field '{c}' is null or missing for {} facilities, counted as capacity 0",
                    spec.path.display(),
                    info.null_capacity
                ),
            );
        }
    }
    check_kinds(&plan, &facilities, &mut warnings)?;

    opts.progress.stage("projecting");
    let frame = Frame::for_bbox(areas.bbox.0);
    cells.project(&frame);
    let fac_local: Vec<[f64; 2]> = facilities
        .iter()
        .map(|f| frame.to_local(f.lonlat[0], f.lonlat[1]))
        .collect();
    let (grid, raster) = match cells.footprints {
        Footprints::Points => {
            let (g, r) = fit_grid(&plan, &cells)?;
            (Some(g), Some(r))
        }
        Footprints::Polygons(_) => (None, None),
    };
    tm.lap("project");

    opts.progress.stage("assigning cells to areas");
    let index = AreaIndex::new(&areas);
    let cell_area: Vec<Option<AreaIx>> = cells
        .lonlat
        .par_iter()
        .with_min_len(4096)
        .map(|&p| index.locate(p))
        .collect();
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
            let pts: Vec<[f64; 2]> = idx.iter().map(|&i| fac_local[i as usize]).collect();
            let distance = coverage::nearest_distances(
                &frame,
                &cells.local,
                &pts,
                spec.radius_m,
                opts.exact_distances,
            );
            let covered: Vec<bool> = distance.iter().map(|&d| d <= spec.radius_m).collect();
            ServiceResult {
                spec: spec.clone(),
                facilities: idx,
                distance,
                covered,
                stats: Vec::new(),
                blank_spots: Vec::new(),
                walk: None,
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
                &mut services,
                &mut warnings,
            )?;
            tm.lap("network");
            Some(run)
        }
    };

    opts.progress.stage("aggregating");
    for s in &mut services {
        let fa: Vec<Option<AreaIx>> = s
            .facilities
            .iter()
            .map(|&i| facility_area[i as usize])
            .collect();
        let has_capacity = plan.facilities.iter().any(|f| f.capacity.is_some());
        let caps: Option<Vec<f64>> = has_capacity.then(|| {
            s.facilities
                .iter()
                .map(|&i| facilities[i as usize].capacity.unwrap_or(0.0))
                .collect()
        });
        s.stats = gaps::aggregate(
            areas.list.len(),
            &ServiceInput {
                spec: &s.spec,
                values: &cells.values[s.spec.group],
                covered: &s.covered,
                walk_covered: s.walk.as_ref().map(|w| &w.covered[..]),
                cell_area: &cell_area,
                facility_area: &fa,
                facility_capacity: caps.as_deref(),
            },
        );
    }
    tm.lap("aggregate");

    opts.progress.stage("tracing blank spots");
    let traced: Vec<Vec<BlankSpot>> = services
        .par_iter()
        .map(|s| {
            blank_spots(
                &cells,
                &cell_area,
                s,
                grid.as_ref().zip(raster.as_ref()),
                &frame,
            )
        })
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
    services: &mut [ServiceResult],
    warnings: &mut Warnings,
) -> Result<NetworkRun> {
    let net = crate::network::read_pbf(&spec.path, frame)?;
    if let Some(b) = net.bbox_lonlat() {
        overlap_check(
            "network",
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
    let walks: Vec<WalkService> = services
        .par_iter()
        .map(|s| {
            let budget_m = s.spec.walk_budget_m();
            let facility_snaps: Vec<Option<crate::network::Snap>> = s
                .facilities
                .iter()
                .map(|&i| net.snap(fac_local[i as usize], spec.max_snap_m))
                .collect();
            let sources: Vec<crate::network::Snap> =
                facility_snaps.iter().flatten().copied().collect();
            let d = net.multi_source(&sources, budget_m);
            let distance: Vec<f64> = snaps
                .par_iter()
                .with_min_len(4096)
                .map(|sn| {
                    sn.as_ref()
                        .and_then(|sn| net.walk_distance(&d, sn))
                        .unwrap_or(f64::INFINITY)
                })
                .collect();
            let covered = distance.iter().map(|&x| x <= budget_m).collect();
            WalkService {
                budget_m,
                distance,
                covered,
                facility_snaps,
            }
        })
        .collect();
    for (s, w) in services.iter_mut().zip(walks) {
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

impl Raster {
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

/// Dissolves the uncovered populated cells of one service into connected blank spots per area.
fn blank_spots(
    cells: &Cells,
    cell_area: &[Option<AreaIx>],
    s: &ServiceResult,
    grid: Option<(&Grid, &Raster)>,
    frame: &Frame,
) -> Vec<BlankSpot> {
    let values = &cells.values[s.spec.group];
    let selected: Vec<bool> = (0..cells.len())
        .map(|c| !s.covered[c] && values[c] > 0.0 && cell_area[c].is_some())
        .collect();
    // Components: cells of one area connected through shared edges.
    let mut comp = vec![u32::MAX; cells.len()];
    let mut comps: Vec<Vec<u32>> = Vec::new();
    match grid {
        Some((g, raster)) => {
            let pos = &raster.pos;
            let at = |i: i32, j: i32| raster.at(i, j).filter(|&c| selected[c as usize]);
            for start in 0..cells.len() {
                if !selected[start] || comp[start] != u32::MAX {
                    continue;
                }
                let id = comps.len() as u32;
                let area = cell_area[start];
                let mut members = vec![start as u32];
                comp[start] = id;
                let mut k = 0;
                while k < members.len() {
                    let (i, j) = pos[members[k] as usize];
                    for (di, dj) in [(1, 0), (-1, 0), (0, 1), (0, -1)] {
                        if let Some(n) = at(i + di, j + dj) {
                            if comp[n as usize] == u32::MAX && cell_area[n as usize] == area {
                                comp[n as usize] = id;
                                members.push(n);
                            }
                        }
                    }
                    k += 1;
                }
                comps.push(members);
            }
            let visited: Vec<std::sync::atomic::AtomicU8> =
                (0..cells.len()).map(|_| Default::default()).collect();
            comps
                .par_iter()
                .map(|members| {
                    let id = comp[members[0] as usize];
                    let inside = |i: i32, j: i32| at(i, j).filter(|&n| comp[n as usize] == id);
                    let rings =
                        dissolve::trace_grid(members, |c| pos[c as usize], inside, &visited);
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
            fn find(p: &mut [u32], mut x: u32) -> u32 {
                while p[x as usize] != x {
                    p[x as usize] = p[p[x as usize] as usize];
                    x = p[x as usize];
                }
                x
            }
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
    let mut sorted = members.to_vec();
    sorted.sort_unstable();
    let population = sorted.iter().map(|&c| values[c as usize]).sum();
    let polygons = dissolve::polygons(rings)
        .into_iter()
        .map(|rings| {
            rings
                .into_iter()
                .map(|r| {
                    let mut ring: Vec<[f64; 2]> = r.iter().map(|&v| to_ll(v)).collect();
                    ring.push(ring[0]);
                    ring
                })
                .collect()
        })
        .collect();
    BlankSpot {
        area: cell_area[sorted[0] as usize].expect("selected cells have an area"),
        population,
        cells: members.len() as u32,
        polygons,
    }
}
