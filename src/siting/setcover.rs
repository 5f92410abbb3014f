//! Set covering of per-unit requirements (`--fill-blanks`).
//!
//! Every demand point may belong to a unit (street / town) and every
//! candidate lies in a unit.  A unit may require
//!
//! * a number of new sites **inside** it (the `no_facility` rule: at least
//!   one new site unless the unit already has `min_per_area` facilities), and
//! * an amount of additional covered weight of **its own** demand (the
//!   `coverage` rule: covered weight must reach `coverage_target ×
//!   population`; the already covered amount is subtracted by the caller or
//!   by [`UnitTarget::from_rules`]).
//!
//! Requirements that the candidates cannot meet are reported (see
//! [`Unfixable`]) and left out of the optimisation; all others are met.
//!
//! Method: lazy greedy on the normalised submodular cover function
//! `f(S) = Σ_u min(n_u(S), r_u)/r_u + Σ_u min(c_u(S), need_u)/need_u`
//! (each requirement contributes at most 1), then one redundancy-removal
//! pass in reverse pick order (removing sites only makes requirements
//! harder, so one pass leaves no redundant site).  Per-unit caps of the
//! [`Instance`] are ignored here.

use super::heap::Item;
use super::instance::{Instance, SitingError};
use super::rng::SplitMix64;
use std::collections::BinaryHeap;

/// Unit id meaning "in no unit" (for demand points or candidates).
pub const NO_UNIT: u32 = u32::MAX;

/// Relative tolerance when comparing covered weight with a requirement.
const REL_TOL: f64 = 1e-9;

/// What one unit requires from the new sites.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitTarget {
    /// Number of new sites required inside the unit (0 = no such rule).
    pub sites_inside: u32,
    /// Additional weight of the unit's own demand that new sites must cover
    /// (0 = no such rule).
    pub coverage_needed: f64,
}

impl UnitTarget {
    /// Builds a target from the CLI rules.
    ///
    /// * `no_facility` rule (when `min_per_area` is `Some(m)`): one new site
    ///   inside the unit is required when `existing_facilities < m`.
    /// * `coverage` rule (when `coverage_target` is `Some(t)`): the unit's
    ///   covered weight must reach `t × population`; `already_covered` (by
    ///   existing facilities) counts towards it.
    pub fn from_rules(
        existing_facilities: u32,
        min_per_area: Option<u32>,
        population: f64,
        already_covered: f64,
        coverage_target: Option<f64>,
    ) -> Self {
        let sites_inside = match min_per_area {
            Some(m) if existing_facilities < m => 1,
            _ => 0,
        };
        let coverage_needed = match coverage_target {
            Some(t) => (t * population - already_covered).max(0.0),
            None => 0.0,
        };
        UnitTarget {
            sites_inside,
            coverage_needed,
        }
    }
}

/// A fill-blanks problem: the coverage instance plus unit memberships and
/// per-unit targets.  Unit ids are dense indices into `targets`, or
/// [`NO_UNIT`].
#[derive(Debug, Clone, Copy)]
pub struct UnitProblem<'a> {
    /// Weights are the *uncovered* demand; cover lists as for MCLP.
    pub instance: &'a Instance,
    /// Unit of every demand point.
    pub demand_unit: &'a [u32],
    /// Unit of every candidate.
    pub candidate_unit: &'a [u32],
    /// Target of every unit.
    pub targets: &'a [UnitTarget],
}

/// Why a unit's requirement cannot be met with the available candidates.
#[derive(Debug, Clone, PartialEq)]
pub enum Unfixable {
    /// A new site inside the unit is required but no candidate lies in it.
    NoCandidateInside,
    /// More new sites inside are required than candidates lie in the unit.
    TooFewCandidatesInside {
        /// Candidates inside the unit.
        available: u32,
        /// Sites required inside.
        required: u32,
    },
    /// All candidates together cover at most `reachable` of the
    /// `required` additional weight.
    CoverageUnreachable {
        /// Largest additional weight coverable by all candidates together.
        reachable: f64,
        /// Additional weight required.
        required: f64,
    },
}

/// Outcome for one unit.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitStatus {
    /// Unit id (index into the targets).
    pub unit: u32,
    /// The unit's target.
    pub target: UnitTarget,
    /// New sites placed inside the unit.
    pub sites_inside: u32,
    /// Additional weight of the unit's demand covered by the new sites.
    pub coverage_added: f64,
    /// True if every requirement of the unit is met.
    pub satisfied: bool,
    /// Requirements that cannot be met, with the reason (empty if none).
    pub unfixable: Vec<Unfixable>,
}

/// Result of [`fill_blanks`].
#[derive(Debug, Clone, PartialEq)]
pub struct FillBlanksSolution {
    /// Chosen candidates in greedy pick order (after redundancy removal).
    pub sites: Vec<u32>,
    /// Number of sites the greedy picked before redundancy removal.
    pub greedy_sites: usize,
    /// Total newly covered weight (all demand) of `sites`.
    pub covered_weight: f64,
    /// Status of every unit (same order as the targets).
    pub units: Vec<UnitStatus>,
    /// Cheap lower bound on the number of sites any solution meeting all
    /// satisfiable requirements needs: the largest of `Σ_u sites_inside_u`,
    /// `max_u k_u` (`k_u` = the fewest candidates whose individual
    /// contributions to unit `u` add up to its coverage need) and a packing
    /// bound `Σ_{u∈I} max(sites_inside_u, k_u)` over a set `I` of units no
    /// single candidate helps two of.
    pub lower_bound: usize,
}

/// Which requirements are active (satisfiable) and their diagnostics.
struct Analysis {
    site_req: Vec<u32>,
    cov_need: Vec<f64>,
    unfixable: Vec<Vec<Unfixable>>,
}

fn validate(pb: &UnitProblem<'_>) -> Result<(), SitingError> {
    let inst = pb.instance;
    if pb.demand_unit.len() != inst.n_demand() {
        return Err(SitingError::LengthMismatch {
            what: "demand_unit",
            expected: inst.n_demand(),
            got: pb.demand_unit.len(),
        });
    }
    if pb.candidate_unit.len() != inst.n_candidates() {
        return Err(SitingError::LengthMismatch {
            what: "candidate_unit",
            expected: inst.n_candidates(),
            got: pb.candidate_unit.len(),
        });
    }
    let nu = pb.targets.len();
    if let Some(&u) = pb
        .demand_unit
        .iter()
        .chain(pb.candidate_unit)
        .find(|&&u| u != NO_UNIT && u as usize >= nu)
    {
        return Err(SitingError::BadParameter(format!(
            "unit id {u} out of range ({nu} targets)"
        )));
    }
    if let Some(t) = pb
        .targets
        .iter()
        .find(|t| !t.coverage_needed.is_finite() || t.coverage_needed < 0.0)
    {
        return Err(SitingError::BadParameter(format!(
            "coverage_needed {} must be finite and >= 0",
            t.coverage_needed
        )));
    }
    Ok(())
}

fn analyse(pb: &UnitProblem<'_>) -> Analysis {
    let inst = pb.instance;
    let nu = pb.targets.len();
    let mut inside = vec![0u32; nu];
    for &u in pb.candidate_unit {
        if u != NO_UNIT {
            inside[u as usize] += 1;
        }
    }
    let mut reachable = vec![0f64; nu];
    for (i, &u) in pb.demand_unit.iter().enumerate() {
        if u != NO_UNIT && !inst.coverers(i).is_empty() {
            reachable[u as usize] += inst.weights()[i];
        }
    }
    let mut site_req = vec![0u32; nu];
    let mut cov_need = vec![0f64; nu];
    let mut unfixable = vec![Vec::new(); nu];
    for (u, t) in pb.targets.iter().enumerate() {
        if t.sites_inside > 0 {
            if inside[u] == 0 {
                unfixable[u].push(Unfixable::NoCandidateInside);
            } else if inside[u] < t.sites_inside {
                unfixable[u].push(Unfixable::TooFewCandidatesInside {
                    available: inside[u],
                    required: t.sites_inside,
                });
            } else {
                site_req[u] = t.sites_inside;
            }
        }
        if t.coverage_needed > 0.0 {
            if reachable[u] >= t.coverage_needed * (1.0 - REL_TOL) {
                cov_need[u] = t.coverage_needed;
            } else {
                unfixable[u].push(Unfixable::CoverageUnreachable {
                    reachable: reachable[u],
                    required: t.coverage_needed,
                });
            }
        }
    }
    Analysis {
        site_req,
        cov_need,
        unfixable,
    }
}

fn cov_met(cov: f64, need: f64) -> bool {
    cov >= need * (1.0 - REL_TOL)
}

/// Incremental state of a set of sites with respect to the requirements.
struct Tracker<'a> {
    pb: &'a UnitProblem<'a>,
    an: &'a Analysis,
    cnt: Vec<u32>,
    n_inside: Vec<u32>,
    cov: Vec<f64>,
    acc: Vec<f64>,
    touched: Vec<u32>,
}

impl<'a> Tracker<'a> {
    fn new(pb: &'a UnitProblem<'a>, an: &'a Analysis) -> Self {
        let nu = pb.targets.len();
        Tracker {
            pb,
            an,
            cnt: vec![0; pb.instance.n_demand()],
            n_inside: vec![0; nu],
            cov: vec![0.0; nu],
            acc: vec![0.0; nu],
            touched: Vec::new(),
        }
    }

    /// Normalised gain of adding candidate `j`.
    fn gain(&mut self, j: usize) -> f64 {
        let inst = self.pb.instance;
        let w = inst.weights();
        let mut g = 0.0;
        let u = self.pb.candidate_unit[j];
        if u != NO_UNIT {
            let r = self.an.site_req[u as usize];
            if r > 0 && self.n_inside[u as usize] < r {
                g += 1.0 / r as f64;
            }
        }
        for &i in inst.covers(j) {
            let iu = i as usize;
            let v = self.pb.demand_unit[iu];
            if self.cnt[iu] > 0 || v == NO_UNIT {
                continue;
            }
            let vu = v as usize;
            let need = self.an.cov_need[vu];
            if need <= 0.0 || cov_met(self.cov[vu], need) {
                continue;
            }
            if self.acc[vu] == 0.0 {
                self.touched.push(v);
            }
            self.acc[vu] += w[iu];
        }
        for k in 0..self.touched.len() {
            let vu = self.touched[k] as usize;
            let need = self.an.cov_need[vu];
            g += self.acc[vu].min(need - self.cov[vu]).max(0.0) / need;
            self.acc[vu] = 0.0;
        }
        self.touched.clear();
        g
    }

    fn add(&mut self, j: usize) {
        let inst = self.pb.instance;
        let w = inst.weights();
        let u = self.pb.candidate_unit[j];
        if u != NO_UNIT {
            self.n_inside[u as usize] += 1;
        }
        for &i in inst.covers(j) {
            let iu = i as usize;
            self.cnt[iu] += 1;
            let v = self.pb.demand_unit[iu];
            if self.cnt[iu] == 1 && v != NO_UNIT {
                self.cov[v as usize] += w[iu];
            }
        }
    }

    fn remove(&mut self, j: usize) {
        let inst = self.pb.instance;
        let w = inst.weights();
        let u = self.pb.candidate_unit[j];
        if u != NO_UNIT {
            self.n_inside[u as usize] -= 1;
        }
        for &i in inst.covers(j) {
            let iu = i as usize;
            self.cnt[iu] -= 1;
            let v = self.pb.demand_unit[iu];
            if self.cnt[iu] == 0 && v != NO_UNIT {
                self.cov[v as usize] -= w[iu];
            }
        }
    }

    /// Would all active requirements still hold without site `j`?
    fn removable(&mut self, j: usize) -> bool {
        let inst = self.pb.instance;
        let w = inst.weights();
        let u = self.pb.candidate_unit[j];
        if u != NO_UNIT {
            let r = self.an.site_req[u as usize];
            if r > 0 && self.n_inside[u as usize] <= r {
                return false;
            }
        }
        for &i in inst.covers(j) {
            let iu = i as usize;
            let v = self.pb.demand_unit[iu];
            if self.cnt[iu] != 1 || v == NO_UNIT || self.an.cov_need[v as usize] <= 0.0 {
                continue;
            }
            if self.acc[v as usize] == 0.0 {
                self.touched.push(v);
            }
            self.acc[v as usize] += w[iu];
        }
        let mut ok = true;
        for k in 0..self.touched.len() {
            let vu = self.touched[k] as usize;
            if !cov_met(self.cov[vu] - self.acc[vu], self.an.cov_need[vu]) {
                ok = false;
            }
            self.acc[vu] = 0.0;
        }
        self.touched.clear();
        ok
    }

    fn all_met(&self) -> bool {
        (0..self.pb.targets.len()).all(|u| {
            self.n_inside[u] >= self.an.site_req[u]
                && (self.an.cov_need[u] <= 0.0 || cov_met(self.cov[u], self.an.cov_need[u]))
        })
    }
}

/// Finds few new sites meeting every satisfiable unit requirement (greedy +
/// redundancy removal), diagnoses the unsatisfiable ones and gives a cheap
/// lower bound on the number of sites needed.  Exact gain ties are broken
/// by lowest candidate index (`seed = None`) or a seeded order.
pub fn fill_blanks(
    pb: &UnitProblem<'_>,
    seed: Option<u64>,
) -> Result<FillBlanksSolution, SitingError> {
    validate(pb)?;
    let an = analyse(pb);
    let inst = pb.instance;
    let n = inst.n_candidates();
    let key = |j: u32| match seed {
        None => j as u64,
        Some(s) => SplitMix64::hash(s, j as u64),
    };
    let mut tr = Tracker::new(pb, &an);
    let mut heap = BinaryHeap::with_capacity(n);
    for j in 0..n {
        let g = tr.gain(j);
        if g > 0.0 {
            heap.push(Item {
                gain: g,
                key: key(j as u32),
                j: j as u32,
                stamp: 0,
            });
        }
    }
    let mut sites: Vec<u32> = Vec::new();
    while !tr.all_met() {
        let Some(top) = heap.pop() else { break };
        if top.stamp == sites.len() {
            tr.add(top.j as usize);
            sites.push(top.j);
        } else {
            let g = tr.gain(top.j as usize);
            if g > 0.0 {
                heap.push(Item {
                    gain: g,
                    stamp: sites.len(),
                    ..top
                });
            }
        }
    }
    let greedy_sites = sites.len();
    // Redundancy removal, last picked first.
    let mut keep = vec![true; sites.len()];
    for k in (0..sites.len()).rev() {
        let j = sites[k] as usize;
        if tr.removable(j) {
            tr.remove(j);
            keep[k] = false;
        }
    }
    let sites: Vec<u32> = sites
        .iter()
        .zip(&keep)
        .filter(|(_, &k)| k)
        .map(|(&j, _)| j)
        .collect();
    let covered_weight = inst.coverage(&sites);
    let units = pb
        .targets
        .iter()
        .enumerate()
        .map(|(u, t)| {
            let met_sites = tr.n_inside[u] >= t.sites_inside;
            let met_cov = t.coverage_needed <= 0.0 || cov_met(tr.cov[u], t.coverage_needed);
            UnitStatus {
                unit: u as u32,
                target: t.clone(),
                sites_inside: tr.n_inside[u],
                coverage_added: tr.cov[u],
                satisfied: met_sites && met_cov,
                unfixable: an.unfixable[u].clone(),
            }
        })
        .collect();
    let lower_bound = lower_bound(pb, &an);
    Ok(FillBlanksSolution {
        sites,
        greedy_sites,
        covered_weight,
        units,
        lower_bound,
    })
}

fn lower_bound(pb: &UnitProblem<'_>, an: &Analysis) -> usize {
    let inst = pb.instance;
    let w = inst.weights();
    let nu = pb.targets.len();
    let site_lb: usize = an.site_req.iter().map(|&r| r as usize).sum();
    if an.cov_need.iter().all(|&c| c <= 0.0) {
        return site_lb;
    }
    let mut contrib: Vec<Vec<f64>> = vec![Vec::new(); nu];
    let mut acc = vec![0f64; nu];
    let mut touched: Vec<usize> = Vec::new();
    // Units that conflict: some candidate helps both (lies in one with a site
    // requirement, or adds coverage to one with a coverage need).
    let mut adj: Vec<Vec<u32>> = vec![Vec::new(); nu];
    let mut helps: Vec<u32> = Vec::new();
    for j in 0..inst.n_candidates() {
        helps.clear();
        let cu = pb.candidate_unit[j];
        if cu != NO_UNIT && an.site_req[cu as usize] > 0 {
            helps.push(cu);
        }
        for &i in inst.covers(j) {
            let v = pb.demand_unit[i as usize];
            if v == NO_UNIT || an.cov_need[v as usize] <= 0.0 {
                continue;
            }
            if acc[v as usize] == 0.0 {
                touched.push(v as usize);
            }
            acc[v as usize] += w[i as usize];
        }
        for &v in &touched {
            if acc[v] > 0.0 {
                contrib[v].push(acc[v]);
                helps.push(v as u32);
            }
            acc[v] = 0.0;
        }
        touched.clear();
        helps.sort_unstable();
        helps.dedup();
        if helps.len() > 1 {
            for &a in &helps {
                for &b in &helps {
                    if a != b {
                        adj[a as usize].push(b);
                    }
                }
            }
        }
    }
    let mut need_u: Vec<usize> = an.site_req.iter().map(|&r| r as usize).collect();
    let mut cov_lb = 0usize;
    for (u, c) in contrib.iter_mut().enumerate() {
        let need = an.cov_need[u];
        if need <= 0.0 {
            continue;
        }
        c.sort_unstable_by(|a, b| b.total_cmp(a));
        let mut s = 0.0;
        let mut k = 0usize;
        for &x in c.iter() {
            if cov_met(s, need) {
                break;
            }
            s += x;
            k += 1;
        }
        cov_lb = cov_lb.max(k);
        need_u[u] = need_u[u].max(k);
    }
    // Packing bound: units pairwise without a common helpful candidate need
    // disjoint sets of sites, so their needs add up (greedy independent set,
    // largest needs first).
    let mut order: Vec<usize> = (0..nu).filter(|&u| need_u[u] > 0).collect();
    order.sort_unstable_by(|&a, &b| need_u[b].cmp(&need_u[a]).then(a.cmp(&b)));
    let mut blocked = vec![false; nu];
    let mut pack = 0usize;
    for u in order {
        if blocked[u] {
            continue;
        }
        pack += need_u[u];
        blocked[u] = true;
        for &v in &adj[u] {
            blocked[v as usize] = true;
        }
    }
    site_lb.max(cov_lb).max(pack)
}

/// Minimum number of sites meeting every satisfiable requirement, by
/// enumeration of subsets in order of size (small instances only; fails
/// beyond 20 candidates).  Returns one minimum set.
pub fn exact_fill_blanks_min(pb: &UnitProblem<'_>) -> Result<Vec<u32>, SitingError> {
    validate(pb)?;
    let n = pb.instance.n_candidates();
    if n > 20 {
        return Err(SitingError::TooLarge {
            candidates: n,
            limit: 20,
        });
    }
    let an = analyse(pb);
    let mut tr = Tracker::new(pb, &an);
    if tr.all_met() {
        return Ok(Vec::new());
    }
    for k in 1..=n {
        let mut cur = Vec::with_capacity(k);
        if search(&mut tr, 0, k, &mut cur) {
            return Ok(cur);
        }
    }
    // All active requirements are satisfiable with all candidates, so the
    // loop above always returns.
    Ok((0..n as u32).collect())
}

fn search(tr: &mut Tracker<'_>, start: usize, k: usize, cur: &mut Vec<u32>) -> bool {
    if cur.len() == k {
        return tr.all_met();
    }
    let n = tr.pb.instance.n_candidates();
    for j in start..n {
        if n - j < k - cur.len() {
            break;
        }
        tr.add(j);
        cur.push(j as u32);
        if search(tr, j + 1, k, cur) {
            return true;
        }
        cur.pop();
        tr.remove(j);
    }
    false
}
