//! `carecircle sites`: new-site suggestions for one service of a plan.
//!
//! The plan is analysed as by `analyze` ([`crate::run`]); then, for the chosen service:
//!
//! 1. **candidates** — points from a file (`--candidates`), the centres of a square grid over
//!    populated land (`--grid`), or the populated cells of the served group (default); minus
//!    those inside `--exclude` polygons. Each candidate is located in a unit (street/town).
//! 2. **reach** — [`reach_lists`]: the served cells each candidate would cover. This is the
//!    only place that decides reach.
//! 3. **instance** — demand = populated cells of the served group that lie in a unit and are
//!    not covered by the existing facilities (which are kept as they are); weight = the served
//!    group's value. Candidates are numbered by decreasing reachable demand, so exact ties are
//!    broken towards the candidate reaching more people (unless `--seed` is given).
//! 4. **solve** — [`crate::siting`]: `--add N` maximal covering (lazy greedy, swap local search,
//!    Lagrangian bound), with `--capacity` the capacity-aware variant (max-flow assignment);
//!    `--fill-blanks` set covering of the units' rules (`min_per_area`, `coverage_target`, and
//!    with `--capacity` also `capacity_per_1000`).
//! 5. **after** — the chosen sites become facilities of the kind (in the unit they lie in, with
//!    capacity `--capacity` or 0) and [`gaps::aggregate`] recomputes the unit figures.
//!
//! Sites are ranked greedily: each next site is the one adding the most newly covered
//! population given the previous ones, so `new_covered` sums to the total newly covered.

use crate::analyze::{self, Analysis, Progress};
use crate::area::{Area, AreaIndex, AreaIx, Areas};
use crate::coverage::PointGrid;
use crate::crs::Crs;
use crate::error::{Error, Location, Result};
use crate::gaps::{self, AreaStats, Reason, ServiceInput};
use crate::load::geojson::Geometry;
use crate::load::points::{self, PointSource};
use crate::load::vector;
use crate::plan::{CellSize, Plan, ServiceSpec};
use crate::siting::{
    self, BoundOptions, Instance, MclpOptions, SitingError, Unfixable, UnitProblem, UnitTarget,
    NO_UNIT,
};
use rayon::prelude::*;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// What to optimise.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Mode {
    /// Choose this many new sites maximising the newly covered population (MCLP).
    Add(usize),
    /// The fewest new sites meeting every unit's rules (set covering).
    FillBlanks,
}

/// Where candidate sites come from.
#[derive(Debug, Clone, PartialEq)]
pub enum CandidateSource {
    /// Populated cells of the served group (their representative points).
    Cells,
    /// Centres of the squares of a grid with this spacing (metres, in the local frame) that
    /// hold at least one populated cell of the served group and lie in a unit.
    Grid(f64),
    /// Points from a file: CSV or Excel (coordinate columns), GeoJSON, Shapefile or
    /// GeoPackage (Point features).
    File {
        /// The file.
        path: PathBuf,
        /// Table longitude column.
        lon: String,
        /// Table latitude column.
        lat: String,
        /// Optional id column/property (default `<file stem>#<line or feature index>`).
        id: Option<String>,
        /// Its coordinate system (`--candidates-crs`); else the file's own, else WGS 84.
        crs: Option<Crs>,
    },
}

/// Options of [`run`].
pub struct Options<'a> {
    /// Service id (or kind, when no id matches and exactly one service has that kind).
    pub kind: String,
    /// `--add N` or `--fill-blanks`.
    pub mode: Mode,
    /// Candidate sites.
    pub candidates: CandidateSource,
    /// Polygons (GeoJSON, Shapefile, GeoPackage) in which no new site may lie.
    pub exclude: Option<PathBuf>,
    /// The system of the `exclude` polygons (`--exclude-crs`); else the file's own, else WGS 84.
    pub exclude_crs: Option<Crs>,
    /// At most this many new sites per unit (`--add` only).
    pub per_area_max: Option<u32>,
    /// Capacity of every new site (beds, slots …): enables the capacity-aware mode.
    pub capacity: Option<f64>,
    /// Tie-breaking seed (`None`: ties go to the candidate reaching more people, then file order).
    pub seed: Option<u64>,
    /// Stage reporting.
    pub progress: &'a dyn Progress,
}

/// A candidate site.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// Id: from the file, `g_<i>_<j>` for grid squares, `cell:<cell id>` for cells.
    pub id: String,
    /// Position, lon/lat.
    pub lonlat: [f64; 2],
    /// Position in the analysis frame.
    pub local: [f64; 2],
    /// The unit it lies in.
    pub area: Option<AreaIx>,
}

/// One chosen site, in rank order.
#[derive(Debug, Clone)]
pub struct Site {
    /// 1-based rank (greedy order).
    pub rank: usize,
    /// The candidate.
    pub candidate: Candidate,
    /// Served population it newly covers given the sites ranked before it.
    pub new_covered: f64,
    /// Capacity-aware mode: population assigned to it within its capacity (max-flow).
    pub served: Option<f64>,
    /// Units that were blank before and stop being blank when this site is added (in rank order).
    pub fixes: Vec<AreaIx>,
}

/// A unit whose rules the new sites cannot (fully) meet.
#[derive(Debug, Clone)]
pub struct UnfixableUnit {
    /// The unit.
    pub area: AreaIx,
    /// Its reasons after the new sites (`areas.csv` codes).
    pub reasons_after: Vec<Reason>,
    /// Why, in words.
    pub why: Vec<String>,
}

/// Solver figures for the summary and report.
#[derive(Debug, Clone)]
pub struct Quality {
    /// `max_coverage`, `max_coverage_capacity` or `fill_blanks`.
    pub method: &'static str,
    /// `--add`: newly covered (or, with capacity, served) population; `--fill-blanks`: sites.
    pub objective: f64,
    /// `--add`: upper bound on the best possible objective; `--fill-blanks`: lower bound on the
    /// fewest sites.
    pub bound: f64,
    /// `--add`: (bound − objective) / bound; `--fill-blanks`: (objective − bound) / objective.
    pub gap: f64,
    /// Lagrangian (subgradient) iterations.
    pub iterations: usize,
    /// Method-specific figures.
    pub details: Value,
}

/// Candidate counts.
#[derive(Debug, Clone, Default)]
pub struct CandidateCounts {
    /// Read or generated.
    pub generated: usize,
    /// Removed by `--exclude`.
    pub excluded: usize,
    /// Left for the optimisation.
    pub used: usize,
    /// Removed by thinning (too many candidates for memory).
    pub thinned: usize,
    /// Of those, reaching at least one uncovered served cell.
    pub reaching_demand: usize,
    /// Of those, lying in no unit.
    pub outside_units: usize,
}

/// Everything `sites` computed.
pub struct SitesResult {
    /// The analysis (figures before the new sites).
    pub analysis: Analysis,
    /// Index of the service in `analysis.services`.
    pub service: usize,
    /// The mode.
    pub mode: Mode,
    /// Candidate source, in words.
    pub candidate_source: String,
    /// `--exclude`.
    pub exclude: Option<PathBuf>,
    /// `--per-area-max`.
    pub per_area_max: Option<u32>,
    /// `--capacity`.
    pub capacity: Option<f64>,
    /// `--seed`.
    pub seed: Option<u64>,
    /// Candidate counts.
    pub candidates: CandidateCounts,
    /// Demand points (uncovered populated cells in units).
    pub demand_points: usize,
    /// Their served population.
    pub demand_population: f64,
    /// Of that, reachable from some candidate.
    pub reachable_population: f64,
    /// Chosen sites in rank order.
    pub sites: Vec<Site>,
    /// Solver figures.
    pub quality: Quality,
    /// Unit figures after the new sites (area index order).
    pub after: Vec<AreaStats>,
    /// Units still blank after the new sites, with why (`--fill-blanks`; also filled for `--add`).
    pub unfixable: Vec<UnfixableUnit>,
    /// Notes about the settings (e.g. options that do not apply).
    pub notes: Vec<String>,
    /// Wall time per stage, seconds.
    pub timings: Vec<(String, f64)>,
}

impl SitesResult {
    /// The service's figures before the new sites.
    pub fn before(&self) -> &[AreaStats] {
        &self.analysis.services[self.service].stats
    }

    /// Total newly covered served population (sum of `new_covered`).
    pub fn new_covered_total(&self) -> f64 {
        self.sites.iter().map(|s| s.new_covered).sum()
    }

    /// A few lines for the terminal.
    pub fn text_summary(&self) -> String {
        use std::fmt::Write;
        let s = &self.analysis.services[self.service];
        let mut o = String::new();
        let before: f64 = self.before().iter().map(|x| x.judged_covered()).sum();
        let after: f64 = self.after.iter().map(|x| x.judged_covered()).sum();
        let pop: f64 = self.before().iter().map(|x| x.population).sum();
        let pct = |v: f64| if pop > 0.0 { v / pop * 100.0 } else { 0.0 };
        let _ = writeln!(
            o,
            "{}: service {} ({} candidates, {} reaching uncovered demand)",
            self.analysis.plan.title,
            s.spec.id,
            self.candidates.used,
            self.candidates.reaching_demand
        );
        let q = &self.quality;
        match self.mode {
            Mode::Add(n) => {
                let _ = writeln!(
                    o,
                    "{} of {n} sites chosen; objective {:.1}, bound {:.1}: within {:.2} % of the best possible",
                    self.sites.len(),
                    q.objective,
                    q.bound,
                    q.gap * 100.0
                );
            }
            Mode::FillBlanks => {
                let _ = writeln!(
                    o,
                    "{} sites; at least {} are needed (gap {:.1} %)",
                    self.sites.len(),
                    q.bound,
                    q.gap * 100.0
                );
            }
        }
        let _ = writeln!(
            o,
            "covered {:.1} -> {:.1} ({:.1} % -> {:.1} %); blank units {} -> {}",
            before,
            after,
            pct(before),
            pct(after),
            self.before().iter().filter(|x| x.blank()).count(),
            self.after.iter().filter(|x| x.blank()).count()
        );
        if !self.unfixable.is_empty() {
            let _ = writeln!(
                o,
                "{} units stay blank (see sites_report.md)",
                self.unfixable.len()
            );
        }
        for n in &self.notes {
            let _ = writeln!(o, "note: {n}");
        }
        o
    }
}

/// Parses a grid spacing such as `200m`, `200 m` or `0.5km` into metres.
pub fn parse_spacing(s: &str) -> std::result::Result<f64, String> {
    match CellSize::parse(s) {
        Some(CellSize::Meters(m)) if m > crate::limits::MAX_DISTANCE_M => Err(format!(
            "{m} m is above the plausible maximum {} m",
            crate::limits::MAX_DISTANCE_M
        )),
        Some(CellSize::Meters(m)) if m >= 1.0 => Ok(m),
        Some(CellSize::Meters(m)) => Err(format!("{m} m is too fine: use at least 1 m")),
        _ => Err(format!(
            "'{s}' is not a spacing in metres: write e.g. 200m or 0.5km"
        )),
    }
}

/// Largest number of (candidate, demand) cover entries kept (about 8 bytes each in the
/// instance); beyond it the candidates are thinned.
const MAX_ENTRIES: usize = 60_000_000;

/// Thins candidates to the one reaching the most uncovered population per square of the local
/// frame and unit, with the square side growing from `side` until the kept candidates' cover
/// entries fit into `budget`. Candidates reaching nothing are kept one per unit. Returns the
/// kept indices (increasing) and the side used.
fn thin(
    cands: &[Candidate],
    sizes: &[usize],
    totals: &[f64],
    mut side: f64,
    budget: usize,
) -> (Vec<usize>, f64) {
    loop {
        let keys: Vec<(i64, i64, u32)> = cands
            .par_iter()
            .zip(totals)
            .map(|(c, &t)| {
                let u = c.area.map(|x| x.0).unwrap_or(NO_UNIT);
                if t > 0.0 {
                    let p = c.local;
                    (
                        (p[0] / side).floor() as i64,
                        (p[1] / side).floor() as i64,
                        u,
                    )
                } else {
                    (i64::MIN, i64::MIN, u)
                }
            })
            .collect();
        let mut idx: Vec<u32> = (0..cands.len() as u32).collect();
        idx.par_sort_unstable_by(|&x, &y| {
            let (x, y) = (x as usize, y as usize);
            keys[x]
                .cmp(&keys[y])
                .then(totals[y].total_cmp(&totals[x]))
                .then(x.cmp(&y))
        });
        let mut keep: Vec<usize> = Vec::new();
        for (k, &j) in idx.iter().enumerate() {
            if k == 0 || keys[j as usize] != keys[idx[k - 1] as usize] {
                keep.push(j as usize);
            }
        }
        let e: usize = keep.iter().map(|&j| sizes[j]).sum();
        if e <= budget {
            keep.sort_unstable();
            return (keep, side);
        }
        side *= 1.5;
    }
}

/// Finds the service `--kind` names: by id, else by kind when exactly one service has it.
pub fn find_service(plan: &Plan, kind: &str) -> Result<usize> {
    if let Some(i) = plan.services.iter().position(|s| s.id == kind) {
        return Ok(i);
    }
    let by_kind: Vec<usize> = (0..plan.services.len())
        .filter(|&i| plan.services[i].kind == kind)
        .collect();
    if by_kind.len() == 1 {
        return Ok(by_kind[0]);
    }
    let list: Vec<String> = plan
        .services
        .iter()
        .map(|s| {
            if s.id == s.kind {
                s.id.clone()
            } else {
                format!("{} (kind {})", s.id, s.kind)
            }
        })
        .collect();
    let reason = if by_kind.is_empty() {
        format!(
            "--kind {kind}: the plan has no service with this id; its services are: {}",
            list.join(", ")
        )
    } else {
        format!(
            "--kind {kind}: several services have this kind; name one by its id: {}",
            list.join(", ")
        )
    };
    Err(Error::Plan {
        path: plan.path.clone(),
        reason,
    })
}

fn siting_error(plan: &Plan, e: SitingError) -> Error {
    Error::Plan {
        path: plan.path.clone(),
        reason: format!("site selection failed: {e}"),
    }
}

/// For every candidate (a point in the analysis frame), the served cells it reaches: sorted
/// indices into `demand` (which holds cell indices into `a.cells`) of the cells within the
/// service radius.
pub fn reach_lists(
    a: &Analysis,
    service: usize,
    demand: &[u32],
    candidates_local: &[[f64; 2]],
) -> Vec<Vec<u32>> {
    reach_map(a, service, demand, candidates_local, |l| l.to_vec())
}

/// For every candidate (a point in the analysis frame), `f` of the sorted indices into `demand`
/// (cell indices into `a.cells`) of the served cells it reaches. [`reach_lists`] keeps the lists;
/// other callers fold them (counts, totals) without storing them.
///
/// Reach follows the rule `analyze` judges coverage by. Without a network it is the
/// straight-line rule — true metres ([`crate::projection::Frame::distance`]) ≤ `radius_m` —
/// evaluated on a [`PointGrid`] of the demand cells, candidates in parallel; distances are
/// symmetric, so a new site reaches exactly the cells `analyze` would count as covered by a
/// facility there. With a network it is the walking rule: the candidate snaps to the network
/// like a facility, one bounded search runs from it, and a cell is reached when its walking
/// distance is within the service's budget (only cells within the budget in a straight line are
/// examined, since a walk is never shorter).
pub fn reach_map<T: Send>(
    a: &Analysis,
    service: usize,
    demand: &[u32],
    candidates_local: &[[f64; 2]],
    f: impl Fn(&[u32]) -> T + Sync,
) -> Vec<T> {
    if let (Some(run), Some(w), Some(spec)) =
        (&a.network, &a.services[service].walk, &a.plan.network)
    {
        let budget = w.budget_m;
        let near = straight_reach(a, service, demand, candidates_local, budget, |l| l.to_vec());
        return candidates_local
            .par_iter()
            .zip(near)
            .map(|(&q, near)| {
                let Some(snap) = run.net.snap(q, spec.max_snap_m) else {
                    return f(&[]);
                };
                let d = run.net.multi_source(&[snap], budget);
                let v: Vec<u32> = near
                    .into_iter()
                    .filter(|&k| {
                        run.cell_snaps[demand[k as usize] as usize]
                            .as_ref()
                            .and_then(|sn| run.net.walk_distance(&d, sn))
                            .is_some_and(|x| x <= budget)
                    })
                    .collect();
                f(&v)
            })
            .collect();
    }
    straight_reach(
        a,
        service,
        demand,
        candidates_local,
        a.services[service].spec.radius_m,
        f,
    )
}

/// Straight-line reach within `radius` true metres (see [`reach_map`]).
pub fn straight_reach<T: Send>(
    a: &Analysis,
    service: usize,
    demand: &[u32],
    candidates_local: &[[f64; 2]],
    radius: f64,
    f: impl Fn(&[u32]) -> T + Sync,
) -> Vec<T> {
    let pts: Vec<[f64; 2]> = demand.iter().map(|&c| a.cells.local[c as usize]).collect();
    let max_x = pts
        .iter()
        .chain(candidates_local)
        .fold(0.0f64, |m, p| m.max(p[0].abs()));
    let r_grid = a.frame.grid_len_upper(radius, max_x);
    let grid = PointGrid::new(pts, bucket_side(a, service, demand));
    let frame = &a.frame;
    // True distance ≤ grid distance (the point scale is ≥ 1 off the central meridian), so grid
    // distances a hair under the radius are inside and those beyond r_grid outside; only the
    // thin ring between needs the exact distance.
    let sure_in = radius * radius * (1.0 - 1e-12);
    let sure_out = r_grid * r_grid;
    candidates_local
        .par_iter()
        .with_min_len(64)
        .map_init(Vec::new, |v: &mut Vec<u32>, &q| {
            v.clear();
            grid.near(q, r_grid, |k, p| {
                let d2 = (p[0] - q[0]) * (p[0] - q[0]) + (p[1] - q[1]) * (p[1] - q[1]);
                if d2 <= sure_in || (d2 <= sure_out && frame.distance(q, p) <= radius) {
                    v.push(k);
                }
            });
            // Already increasing when `demand` is in [`sort_demand`] order.
            if !v.windows(2).all(|w| w[0] < w[1]) {
                v.sort_unstable();
            }
            f(v)
        })
        .collect()
}

/// Bucket side of the demand grid in [`reach_map`]: a third of the radius (in grid units), so
/// the squares scanned hug the disc closely.
fn bucket_side(a: &Analysis, service: usize, demand: &[u32]) -> f64 {
    let max_x = demand
        .iter()
        .fold(0.0f64, |m, &c| m.max(a.cells.local[c as usize][0].abs()));
    a.frame
        .grid_len_upper(a.services[service].spec.radius_m, max_x)
        / 3.0
}

/// Orders demand cells by bucket row, bucket column (of [`reach_map`]'s grid), then cell index:
/// [`PointGrid`] then lists them in increasing order, so reach lists need no sorting.
pub fn sort_demand(a: &Analysis, service: usize, demand: &mut [u32]) {
    if demand.is_empty() {
        return;
    }
    let side = bucket_side(a, service, demand);
    let (mut x0, mut y0) = (f64::INFINITY, f64::INFINITY);
    for &c in demand.iter() {
        let p = a.cells.local[c as usize];
        x0 = x0.min(p[0]);
        y0 = y0.min(p[1]);
    }
    let key = |c: u32| {
        let p = a.cells.local[c as usize];
        (((p[1] - y0) / side) as u64, ((p[0] - x0) / side) as u64, c)
    };
    demand.par_sort_unstable_by_key(|&c| key(c));
}

/// Runs the analysis and the site selection.
pub fn run(plan: Plan, opts: &Options) -> Result<SitesResult> {
    let service = find_service(&plan, &opts.kind)?;
    if let Some(c) = opts.capacity {
        crate::limits::check(c, 0.0, crate::limits::MAX_CAPACITY, "a new site's capacity")
            .map_err(|m| Error::Plan {
                path: plan.path.clone(),
                reason: format!("--capacity: {m}"),
            })?;
    }
    let a = crate::run(
        plan,
        &analyze::Options {
            exact_distances: false,
            progress: opts.progress,
        },
    )?;
    select(a, service, opts)
}

/// Site selection on a finished analysis (see [`run`]).
pub fn select(a: Analysis, service: usize, opts: &Options) -> Result<SitesResult> {
    let mut tm = crate::analyze::Timer::new();
    tm.out.push((
        "analyze".to_owned(),
        a.timings.iter().map(|(_, t)| t).sum::<f64>(),
    ));
    let spec = a.services[service].spec.clone();

    opts.progress.stage("candidate sites");
    let index = AreaIndex::new(&a.areas);
    let (cands, candidate_source, mut counts) = candidates(&a, &spec, &index, opts)?;
    tm.lap("candidates");

    opts.progress.stage("reach of candidate sites");
    let demand = demand_cells(&a, service);
    let weights: Vec<f64> = demand
        .iter()
        .map(|&c| a.cells.values[spec.group][c as usize])
        .collect();
    let reached = reach_ranked(&a, service, &demand, &weights, cands);
    counts.thinned = counts.used - reached.cands.len();
    counts.used = reached.cands.len();
    counts.reaching_demand = reached.reach.iter().filter(|l| !l.is_empty()).count();
    let Reached {
        cands,
        reach,
        mut notes,
    } = reached;
    tm.lap("reach");

    let cand_unit: Vec<u32> = (cands.iter())
        .map(|c| c.area.map(|x| x.0).unwrap_or(NO_UNIT))
        .collect();
    let inst = instance(&a, weights, reach, &cand_unit, opts)?;
    if opts.mode == Mode::FillBlanks && opts.per_area_max.is_some() {
        notes.push(
            "--per-area-max applies to --add only; --fill-blanks places what the unit rules need"
                .into(),
        );
    }
    let demand_population: f64 = inst.weights().iter().sum();
    let reachable_population = inst.coverable_weight();
    tm.lap("instance");

    opts.progress.stage("choosing sites");
    let before = a.services[service].stats.clone();
    let problem = Problem {
        a: &a,
        spec: &spec,
        inst: &inst,
        demand: &demand,
        cand_unit: &cand_unit,
        before: &before,
    };
    let sol = solve(&problem, opts, &mut notes, &mut tm.out)?;
    tm.lap("solve");

    opts.progress.stage("figures after the new sites");
    let (sites, after) = place_sites(&problem, service, &cands, &sol, opts);
    let ranked = sites.len();
    let unfixable = unfixable_units(&after, sol.units.as_deref(), ranked, opts);

    tm.lap("after");

    Ok(SitesResult {
        analysis: a,
        service,
        mode: opts.mode,
        candidate_source,
        exclude: opts.exclude.clone(),
        per_area_max: opts.per_area_max,
        capacity: opts.capacity,
        seed: opts.seed,
        candidates: counts,
        demand_points: demand.len(),
        demand_population,
        reachable_population,
        sites,
        quality: sol.quality,
        after,
        unfixable,
        notes,
        timings: tm.out,
    })
}

/// The candidate sites (read or generated, minus those `--exclude` removes), their source in
/// words and their counts.
fn candidates(
    a: &Analysis,
    spec: &ServiceSpec,
    index: &AreaIndex,
    opts: &Options,
) -> Result<(Vec<Candidate>, String, CandidateCounts)> {
    let group = spec.group;
    let (mut cands, source) = match &opts.candidates {
        CandidateSource::Cells => (
            cell_candidates(a, group),
            format!("populated cells of '{}'", spec.serves),
        ),
        CandidateSource::Grid(s) => (
            grid_candidates(a, group, *s, index),
            format!("{s} m grid over populated land"),
        ),
        CandidateSource::File { path, .. } => (
            crate::error::guard(path, || file_candidates(a, index, &opts.candidates))?,
            format!("file {}", path.display()),
        ),
    };
    let generated = cands.len();
    if let Some(ex) = &opts.exclude {
        let crs = opts.exclude_crs.as_ref();
        let keep = crate::error::guard(ex, || exclusion_mask(ex, crs, &cands))?;
        let mut k = keep.iter();
        cands.retain(|_| *k.next().expect("one flag per candidate"));
    }
    let counts = CandidateCounts {
        generated,
        excluded: generated - cands.len(),
        used: cands.len(),
        outside_units: cands.iter().filter(|c| c.area.is_none()).count(),
        ..Default::default()
    };
    Ok((cands, source, counts))
}

/// The demand cells: populated cells of the served group in a unit that the rule the blank
/// spots are judged by (on foot when the plan has a network) leaves uncovered, in
/// [`sort_demand`] order.
fn demand_cells(a: &Analysis, service: usize) -> Vec<u32> {
    let values = &a.cells.values[a.services[service].spec.group];
    let covered = a.services[service].judged_covered();
    let mut demand: Vec<u32> = (0..a.cells.len() as u32)
        .filter(|&c| {
            let c = c as usize;
            values[c] > 0.0 && a.cell_area[c].is_some() && !covered[c]
        })
        .collect();
    sort_demand(a, service, &mut demand);
    demand
}

/// The candidates with their reach lists, numbered by decreasing reachable demand.
struct Reached {
    cands: Vec<Candidate>,
    reach: Vec<Vec<u32>>,
    /// A note when the candidates had to be thinned.
    notes: Vec<String>,
}

/// Reach once, keeping the lists while the instance stays under [`MAX_ENTRIES`] cover entries;
/// beyond, only counts and totals are kept and the candidates are thinned first. Then the
/// candidates are numbered by decreasing reachable demand (ties: source order).
fn reach_ranked(
    a: &Analysis,
    service: usize,
    demand: &[u32],
    weights: &[f64],
    mut cands: Vec<Candidate>,
) -> Reached {
    let local: Vec<[f64; 2]> = cands.iter().map(|c| c.local).collect();
    let n = cands.len();
    let stored_entries = std::sync::atomic::AtomicUsize::new(0);
    let first = reach_map(a, service, demand, &local, |l| {
        let total: f64 = l.iter().map(|&i| weights[i as usize]).sum();
        let before = stored_entries.fetch_add(l.len(), std::sync::atomic::Ordering::Relaxed);
        (
            l.len(),
            total,
            (before + l.len() <= MAX_ENTRIES).then(|| l.to_vec()),
        )
    });
    drop(local);
    let sizes: Vec<usize> = first.iter().map(|x| x.0).collect();
    let mut totals: Vec<f64> = first.iter().map(|x| x.1).collect();
    let entries: usize = sizes.iter().sum();
    let mut notes = Vec::new();
    let reach: Vec<Vec<u32>> = if entries <= MAX_ENTRIES {
        (first.into_iter())
            .map(|x| x.2.expect("stored under the budget"))
            .collect()
    } else {
        drop(first);
        let radius = a.services[service].spec.radius_m;
        let (keep, side) = thin(&cands, &sizes, &totals, radius / 8.0, MAX_ENTRIES);
        notes.push(format!(
            "{} candidates would make {} cover entries: thinned to {} (per {:.0} m square and unit, the one reaching the most uncovered people; the bound holds for these)",
            n, entries, keep.len(), side
        ));
        cands = keep.iter().map(|&j| cands[j].clone()).collect();
        totals = keep.iter().map(|&j| totals[j]).collect();
        let local: Vec<[f64; 2]> = cands.iter().map(|c| c.local).collect();
        reach_lists(a, service, demand, &local)
    };
    let mut order: Vec<usize> = (0..cands.len()).collect();
    order.sort_by(|&x, &y| totals[y].total_cmp(&totals[x]).then(x.cmp(&y)));
    let mut cands: Vec<Option<Candidate>> = cands.into_iter().map(Some).collect();
    let mut reach: Vec<Option<Vec<u32>>> = reach.into_iter().map(Some).collect();
    let (cands, reach) = (order.iter())
        .map(|&j| {
            let c = cands[j].take().expect("each once");
            (c, reach[j].take().expect("each once"))
        })
        .unzip();
    Reached {
        cands,
        reach,
        notes,
    }
}

/// The covering instance; with `--add` and `--per-area-max`, at most that many sites per unit
/// (candidates outside every unit are not capped: each gets a group of its own).
fn instance(
    a: &Analysis,
    weights: Vec<f64>,
    reach: Vec<Vec<u32>>,
    cand_unit: &[u32],
    opts: &Options,
) -> Result<Instance> {
    let n_areas = a.areas.list.len();
    let inst = Instance::new(weights, reach).map_err(|e| siting_error(&a.plan, e))?;
    let (Mode::Add(_), Some(k)) = (opts.mode, opts.per_area_max) else {
        return Ok(inst);
    };
    let groups: Vec<u32> = (cand_unit.iter().enumerate())
        .map(|(j, &u)| {
            if u == NO_UNIT {
                (n_areas + j) as u32
            } else {
                u
            }
        })
        .collect();
    inst.with_group_caps(groups, Some(k))
        .map_err(|e| siting_error(&a.plan, e))
}

/// What the solvers work on.
struct Problem<'a> {
    a: &'a Analysis,
    spec: &'a ServiceSpec,
    inst: &'a Instance,
    demand: &'a [u32],
    cand_unit: &'a [u32],
    /// The service's unit figures before the new sites.
    before: &'a [AreaStats],
}

/// A solver's answer.
struct Solution {
    /// Chosen candidates (instance numbering).
    chosen: Vec<u32>,
    /// Capacity-aware mode: population each chosen site serves, in `chosen` order.
    served: Option<Vec<f64>>,
    quality: Quality,
    /// `--fill-blanks`: per-unit status (what could not be met).
    units: Option<Vec<siting::UnitStatus>>,
}

/// The Lagrangian bound's settings for both `--add` solvers.
fn bound_options() -> BoundOptions {
    BoundOptions {
        target_gap: 1e-3,
        ..BoundOptions::default()
    }
}

/// Runs the solver the mode asks for; its stage times go to `timings`.
fn solve(
    pb: &Problem,
    opts: &Options,
    notes: &mut Vec<String>,
    timings: &mut Vec<(String, f64)>,
) -> Result<Solution> {
    match opts.mode {
        Mode::Add(p) => match opts.capacity {
            None => Ok(solve_add(pb, p, opts.seed, timings)),
            Some(c) => {
                if pb.spec.capacity_per_1000.is_none() {
                    notes.push(format!("service '{}' sets no capacity_per_1000; --capacity {c} still limits what each new site serves", pb.spec.id));
                }
                solve_add_capacity(pb, p, c, opts.seed, timings)
            }
        },
        Mode::FillBlanks => solve_fill_blanks(pb, opts, timings),
    }
}

/// `--add p`: maximal covering (greedy, local search, Lagrangian bound).
fn solve_add(
    pb: &Problem,
    p: usize,
    seed: Option<u64>,
    timings: &mut Vec<(String, f64)>,
) -> Solution {
    let sol = siting::solve_mclp(
        pb.inst,
        &MclpOptions {
            p,
            seed,
            local_search: true,
            max_moves: 10_000,
            bound: bound_options(),
        },
    );
    timings.push(("greedy".into(), sol.timings.greedy.as_secs_f64()));
    timings.push((
        "local_search".into(),
        sol.timings.local_search.as_secs_f64(),
    ));
    timings.push(("bound".into(), sol.timings.bound.as_secs_f64()));
    let quality = Quality {
        method: "max_coverage",
        objective: sol.objective,
        bound: sol.bound,
        gap: sol.gap,
        iterations: sol.bound_iterations,
        details: json!({
            "greedy_objective": sol.greedy_objective,
            "lagrangian_bound": sol.lagrangian_bound,
            "local_search_swaps": sol.local_search.swaps,
            "local_search_adds": sol.local_search.adds,
            "sites_requested": p,
        }),
    };
    Solution {
        chosen: sol.sites,
        served: None,
        quality,
        units: None,
    }
}

/// `--add p --capacity c`: capacity-aware maximal covering (max-flow assignment).
fn solve_add_capacity(
    pb: &Problem,
    p: usize,
    c: f64,
    seed: Option<u64>,
    timings: &mut Vec<(String, f64)>,
) -> Result<Solution> {
    let t = Instant::now();
    let sol = siting::solve_capacitated(pb.inst, p, c, seed, &bound_options())
        .map_err(|e| siting_error(&pb.a.plan, e))?;
    timings.push(("solve".into(), t.elapsed().as_secs_f64()));
    let quality = Quality {
        method: "max_coverage_capacity",
        objective: sol.objective,
        bound: sol.bound,
        gap: sol.gap,
        iterations: 0,
        details: json!({
            "greedy_estimate": sol.greedy_estimate,
            "reachable_population": sol.reachable,
            "capacity_per_site": c,
            "sites_requested": p,
        }),
    };
    Ok(Solution {
        chosen: sol.sites,
        served: Some(sol.served),
        quality,
        units: None,
    })
}

/// `--fill-blanks`: set covering of the units' rules.
fn solve_fill_blanks(
    pb: &Problem,
    opts: &Options,
    timings: &mut Vec<(String, f64)>,
) -> Result<Solution> {
    let t = Instant::now();
    let targets = unit_targets(pb.spec, pb.before, opts.capacity);
    let demand_unit: Vec<u32> = (pb.demand.iter())
        .map(|&c| pb.a.cell_area[c as usize].expect("demand lies in a unit").0)
        .collect();
    let units = UnitProblem {
        instance: pb.inst,
        demand_unit: &demand_unit,
        candidate_unit: pb.cand_unit,
        targets: &targets,
    };
    let sol = siting::fill_blanks(&units, opts.seed).map_err(|e| siting_error(&pb.a.plan, e))?;
    timings.push(("solve".into(), t.elapsed().as_secs_f64()));
    let n = sol.sites.len();
    let lb = sol.lower_bound.min(n);
    let quality = Quality {
        method: "fill_blanks",
        objective: n as f64,
        bound: lb as f64,
        gap: if n > 0 {
            (n - lb) as f64 / n as f64
        } else {
            0.0
        },
        iterations: 0,
        details: json!({
            "greedy_sites": sol.greedy_sites,
            "units_with_requirements": targets.iter().filter(|t| t.sites_inside > 0 || t.coverage_needed > 0.0).count(),
        }),
    };
    Ok(Solution {
        chosen: sol.sites,
        served: None,
        quality,
        units: Some(sol.units),
    })
}

/// The chosen sites in greedy rank order, and the service's unit figures once they are added
/// (as facilities of the kind, in the unit they lie in, with capacity `--capacity` or 0).
fn place_sites(
    pb: &Problem,
    service: usize,
    cands: &[Candidate],
    sol: &Solution,
    opts: &Options,
) -> (Vec<Site>, Vec<AreaStats>) {
    let (a, inst) = (pb.a, pb.inst);
    let (ranked, gains) = siting::order_greedily(inst, &sol.chosen);
    let svc = &a.services[service];
    let mut covered_after = svc.judged_covered().to_vec();
    for &j in &ranked {
        for &i in inst.covers(j as usize) {
            covered_after[pb.demand[i as usize] as usize] = true;
        }
    }
    let has_capacity =
        a.plan.facilities.iter().any(|f| f.capacity.is_some()) || opts.capacity.is_some();
    let new_sites: Vec<&Candidate> = ranked.iter().map(|&j| &cands[j as usize]).collect();
    let after = figures_after(pb, service, &new_sites, covered_after, has_capacity, opts);
    let fixes = attribute_fixes(
        a,
        pb.spec,
        inst,
        pb.demand,
        cands,
        &ranked,
        pb.before,
        &after,
        opts.capacity,
        has_capacity,
    );
    let served_of = |j: u32| -> Option<f64> {
        let k = sol.chosen.iter().position(|&x| x == j);
        (sol.served.as_ref()).map(|s| s[k.expect("ranked site was chosen")])
    };
    let sites = (ranked.iter().zip(&gains).zip(fixes).enumerate())
        .map(|(k, ((&j, &g), fixes))| Site {
            rank: k + 1,
            candidate: cands[j as usize].clone(),
            new_covered: g,
            served: served_of(j),
            fixes,
        })
        .collect();
    (sites, after)
}

/// The service's unit figures with `new_sites` added; `covered_after` is the judged coverage
/// with them (on foot when the plan has a network; the straight-line figures then come from
/// the straight-line reach of the new sites).
fn figures_after(
    pb: &Problem,
    service: usize,
    new_sites: &[&Candidate],
    covered_after: Vec<bool>,
    has_capacity: bool,
    opts: &Options,
) -> Vec<AreaStats> {
    let (a, spec) = (pb.a, pb.spec);
    let svc = &a.services[service];
    let values = &a.cells.values[spec.group];
    let mut fac_area: Vec<Option<AreaIx>> = svc
        .facilities
        .iter()
        .map(|&i| a.facility_area[i as usize])
        .collect();
    fac_area.extend(new_sites.iter().map(|c| c.area));
    let caps: Option<Vec<f64>> = has_capacity.then(|| {
        let new = new_sites.iter().map(|_| opts.capacity.unwrap_or(0.0));
        (svc.facilities.iter())
            .map(|&i| a.facilities[i as usize].capacity.unwrap_or(0.0))
            .chain(new)
            .collect()
    });
    let (covered, walk_after) = if a.network.is_some() {
        let mut straight = svc.covered.clone();
        let all: Vec<u32> = (0..a.cells.len() as u32)
            .filter(|&c| values[c as usize] > 0.0)
            .collect();
        let pts: Vec<[f64; 2]> = new_sites.iter().map(|c| c.local).collect();
        for l in straight_reach(a, service, &all, &pts, spec.radius_m, |l| l.to_vec()) {
            for i in l {
                straight[all[i as usize] as usize] = true;
            }
        }
        (straight, Some(covered_after))
    } else {
        (covered_after, None)
    };
    gaps::aggregate(
        a.areas.list.len(),
        &ServiceInput {
            spec,
            values,
            covered: &covered,
            walk_covered: walk_after.as_deref(),
            cell_area: &a.cell_area,
            facility_area: &fac_area,
            facility_capacity: caps.as_deref(),
        },
    )
}

/// Units still blank after the new sites, with why: the solver's reasons (`--fill-blanks`),
/// else the reasons left.
fn unfixable_units(
    after: &[AreaStats],
    units: Option<&[siting::UnitStatus]>,
    sites: usize,
    opts: &Options,
) -> Vec<UnfixableUnit> {
    let mut why_unit: Vec<Vec<String>> = vec![Vec::new(); after.len()];
    for st in units.unwrap_or_default() {
        for u in &st.unfixable {
            why_unit[st.unit as usize].push(match u {
                Unfixable::NoCandidateInside => "no candidate site lies in the unit".to_string(),
                Unfixable::TooFewCandidatesInside { available, required } => format!(
                    "needs {required} new sites inside, but only {available} candidates lie in it"
                ),
                Unfixable::CoverageUnreachable { reachable, required } => format!(
                    "the candidates together can newly cover {reachable:.1} of the {required:.1} people needed for the coverage target"
                ),
            });
        }
    }
    (after.iter().zip(why_unit).enumerate())
        .filter(|(_, (st, _))| st.blank())
        .map(|(u, (st, why))| UnfixableUnit {
            area: AreaIx(u as u32),
            reasons_after: st.reasons.clone(),
            why: if why.is_empty() {
                reasons_left(&st.reasons, sites, opts)
            } else {
                why
            },
        })
        .collect()
}

/// Why a unit is still blank, from its reasons after the new sites.
fn reasons_left(reasons: &[Reason], sites: usize, opts: &Options) -> Vec<String> {
    reasons
        .iter()
        .filter_map(|r| match r {
            Reason::CapacityBelowTarget if opts.capacity.is_none() => {
                Some("capacity_below_target: new sites add no capacity without --capacity".into())
            }
            Reason::NoFacility | Reason::CoverageBelowTarget | Reason::CapacityBelowTarget => {
                Some(match opts.mode {
                    Mode::Add(_) => format!(
                        "{}: not fixed by the {} sites chosen for coverage",
                        r.code(),
                        sites
                    ),
                    Mode::FillBlanks => format!("{}: not met", r.code()),
                })
            }
            Reason::NoPopulation => None,
        })
        .collect()
}

/// Per-unit requirements of `--fill-blanks` from the service's rules and the current figures.
fn unit_targets(
    spec: &crate::plan::ServiceSpec,
    before: &[AreaStats],
    capacity: Option<f64>,
) -> Vec<UnitTarget> {
    before
        .iter()
        .map(|st| {
            let mut t = UnitTarget::from_rules(
                st.facilities,
                spec.min_per_area,
                st.population,
                st.judged_covered(),
                spec.coverage_target,
            );
            if let Some(m) = spec.min_per_area {
                t.sites_inside = m.saturating_sub(st.facilities);
            }
            if t.coverage_needed > 0.0 {
                // A hair above the target so the covered share is not rounded below it.
                t.coverage_needed += 1e-9 * st.population;
            }
            if let (Some(target), Some(c)) = (spec.capacity_per_1000, capacity) {
                let deficit = target * st.population / 1000.0 - st.capacity.unwrap_or(0.0);
                if st.population > 0.0 && deficit > 0.0 && c > 0.0 {
                    let n = (deficit / c * (1.0 - 1e-12)).ceil() as u32;
                    t.sites_inside = t.sites_inside.max(n);
                }
            }
            t
        })
        .collect()
}

/// For each ranked site, the units that were blank before and stop being blank when it is
/// added (rules evaluated by [`gaps::aggregate`] on running per-unit totals).
#[allow(clippy::too_many_arguments)]
fn attribute_fixes(
    a: &Analysis,
    spec: &crate::plan::ServiceSpec,
    inst: &Instance,
    demand: &[u32],
    cands: &[Candidate],
    ranked: &[u32],
    before: &[AreaStats],
    after: &[AreaStats],
    capacity: Option<f64>,
    has_capacity: bool,
) -> Vec<Vec<AreaIx>> {
    let n = before.len();
    let mut cov: Vec<f64> = before.iter().map(|s| s.judged_covered()).collect();
    let mut nfac: Vec<u32> = before.iter().map(|s| s.facilities).collect();
    let mut cap: Vec<f64> = before.iter().map(|s| s.capacity.unwrap_or(0.0)).collect();
    let mut done = vec![false; n];
    let mut seen = vec![false; inst.n_demand()];
    let blank_now = |u: usize, cov: f64, nfac: u32, cap: f64| -> bool {
        let pop = before[u].population;
        let vals = [cov, (pop - cov).max(0.0)];
        let fa = vec![Some(AreaIx(0)); nfac as usize];
        let mut caps = vec![0.0; nfac as usize];
        if let Some(c) = caps.first_mut() {
            *c = cap;
        }
        gaps::aggregate(
            1,
            &ServiceInput {
                spec,
                values: &vals,
                covered: &[true, false],
                walk_covered: None,
                cell_area: &[Some(AreaIx(0)); 2],
                facility_area: &fa,
                facility_capacity: has_capacity.then_some(&caps[..]),
            },
        )[0]
        .blank()
    };
    let mut out = Vec::with_capacity(ranked.len());
    let mut last_touch = vec![usize::MAX; n];
    for (k, &j) in ranked.iter().enumerate() {
        let mut touched: Vec<usize> = Vec::new();
        if let Some(u) = cands[j as usize].area {
            let u = u.0 as usize;
            nfac[u] += 1;
            cap[u] += capacity.unwrap_or(0.0);
            touched.push(u);
        }
        for &i in inst.covers(j as usize) {
            if !seen[i as usize] {
                seen[i as usize] = true;
                let c = demand[i as usize] as usize;
                let u = a.cell_area[c].expect("demand lies in a unit").0 as usize;
                cov[u] += a.cells.values[spec.group][c];
                touched.push(u);
            }
        }
        touched.sort_unstable();
        touched.dedup();
        let mut fixed = Vec::new();
        for &u in &touched {
            last_touch[u] = k;
            if before[u].blank()
                && !done[u]
                && !after[u].blank()
                && !blank_now(u, cov[u], nfac[u], cap[u])
            {
                done[u] = true;
                fixed.push(AreaIx(u as u32));
            }
        }
        out.push(fixed);
    }
    // Rounding could leave a fixed unit unattributed: give it to the last site touching it.
    for u in 0..n {
        if before[u].blank() && !after[u].blank() && !done[u] && last_touch[u] != usize::MAX {
            out[last_touch[u]].push(AreaIx(u as u32));
        }
    }
    out
}

fn cell_candidates(a: &Analysis, group: usize) -> Vec<Candidate> {
    let values = &a.cells.values[group];
    (0..a.cells.len())
        .filter(|&c| values[c] > 0.0 && a.cell_area[c].is_some())
        .map(|c| Candidate {
            id: format!("cell:{}", a.cells.id(c)),
            lonlat: a.cells.lonlat[c],
            local: a.cells.local[c],
            area: a.cell_area[c],
        })
        .collect()
}

fn grid_candidates(a: &Analysis, group: usize, spacing: f64, index: &AreaIndex) -> Vec<Candidate> {
    let values = &a.cells.values[group];
    let mut keys: Vec<(i64, i64)> = (0..a.cells.len())
        .filter(|&c| values[c] > 0.0 && a.cell_area[c].is_some())
        .map(|c| {
            let p = a.cells.local[c];
            (
                (p[0] / spacing).floor() as i64,
                (p[1] / spacing).floor() as i64,
            )
        })
        .collect();
    keys.par_sort_unstable();
    keys.dedup();
    keys.par_iter()
        .filter_map(|&(i, j)| {
            let local = [(i as f64 + 0.5) * spacing, (j as f64 + 0.5) * spacing];
            let lonlat = a.frame.to_lonlat(local);
            let area = index.locate(lonlat)?;
            Some(Candidate {
                id: format!("g_{i}_{j}"),
                lonlat,
                local,
                area: Some(area),
            })
        })
        .collect()
}

/// Candidates from a file (`--candidates`) through the point reader: any point format, in
/// the `--candidates-crs` system (else the file's own, else WGS 84).
fn file_candidates(
    a: &Analysis,
    index: &AreaIndex,
    source: &CandidateSource,
) -> Result<Vec<Candidate>> {
    let CandidateSource::File {
        path,
        lon,
        lat,
        id,
        crs,
    } = source
    else {
        unreachable!("called for a candidates file");
    };
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let fields: Vec<(&str, String)> = id.iter().map(|i| (i.as_str(), "--id".into())).collect();
    let src = PointSource {
        path,
        layer: None,
        sheet: None,
        crs: crs.as_ref(),
        columns: [lon, lat],
        fields: &fields,
        what: "a candidate site",
    };
    let read = points::read(&src, |p| {
        let name = p.fields.first().and_then(|f| f.text());
        Ok((
            name.unwrap_or_else(|| format!("{stem}#{}", p.number)),
            p.lonlat,
        ))
    })?;
    if read.items.is_empty() {
        return Err(Error::input(
            path,
            Location::File,
            None,
            "the candidates file holds no points",
        ));
    }
    if !read.bbox.touches(&a.areas.bbox) {
        return Err(Error::Layer {
            path: path.to_owned(),
            reason: format!(
                "the candidate sites ({}) do not overlap the areas ({}) at all: check that they are WGS 84 lon/lat and from the same city",
                read.bbox, a.areas.bbox
            ),
        });
    }
    Ok(read
        .items
        .into_par_iter()
        .map(|(id, p)| Candidate {
            id,
            lonlat: p,
            local: a.frame.to_local(p[0], p[1]),
            area: index.locate(p),
        })
        .collect())
}

/// `true` for candidates outside every exclusion polygon (any vector format, in the
/// `--exclude-crs` system, else the file's own, else WGS 84).
fn exclusion_mask(path: &Path, crs: Option<&Crs>, cands: &[Candidate]) -> Result<Vec<bool>> {
    let (src, _) = vector::read_wgs84(path, None, crs)?;
    let mut list = Vec::new();
    for f in src.layer.features {
        match f.geometry {
            Some(Geometry::Polygons(polygons)) => list.push(Area {
                id: f.index.to_string(),
                name: String::new(),
                polygons,
                feature: f.index,
            }),
            Some(g) => {
                return Err(Error::input(
                    path,
                    Location::Feature(f.index),
                    Some("geometry"),
                    format!(
                    "expected a Polygon or MultiPolygon (an area where no site may go), found a {}",
                    g.type_name()
                ),
                ))
            }
            None => {}
        }
    }
    if list.is_empty() {
        return Ok(vec![true; cands.len()]);
    }
    let idx = AreaIndex::new(&Areas {
        list,
        bbox: src.layer.bbox,
        repairs: Default::default(),
    });
    Ok(cands
        .par_iter()
        .map(|c| idx.locate(c.lonlat).is_none())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spacing() {
        assert_eq!(parse_spacing("200m"), Ok(200.0));
        assert_eq!(parse_spacing("0.5 km"), Ok(500.0));
        assert!(parse_spacing("3 arcsec").is_err());
        assert!(parse_spacing("abc").is_err());
    }
}
