//! Lagrangian upper bound for the maximal covering location problem.
//!
//! MCLP as an integer program:
//!
//! ```text
//! max  Σ_i w_i y_i
//! s.t. y_i <= Σ_{j ∈ N_i} x_j      for every demand point i   (N_i = candidates covering i)
//!      Σ_j x_j <= p,  Σ_{j ∈ group g} x_j <= K   (optional caps)
//!      x_j ∈ {0,1}, y_i ∈ [0,1]
//! ```
//!
//! Relaxing the coverage constraints with multipliers `λ_i >= 0` gives
//!
//! ```text
//! L(λ) = Σ_i max(0, w_i − λ_i) + max_{x feasible} Σ_j x_j c_j(λ),   c_j(λ) = Σ_{i ∈ S_j} λ_i
//! ```
//!
//! i.e. the sum of the positive parts plus the `p` largest `c_j` (greedy with
//! per-unit caps, which is exact for a partition matroid).  Every `L(λ)` is
//! an upper bound on the optimum; only `λ_i ∈ [0, w_i]` can be useful.  The
//! bound is minimised by subgradient optimisation with Polyak steps
//! `t = θ (L − LB) / ‖g‖²` (LB = the heuristic objective), halving `θ` after
//! `patience` iterations without improvement, and the best value is kept.

use super::instance::Instance;
use rayon::prelude::*;

/// Options for [`lagrangian_bound`].
#[derive(Debug, Clone)]
pub struct BoundOptions {
    /// Maximum number of subgradient iterations (0 = only the starting point).
    pub max_iterations: usize,
    /// Stop as soon as `(bound − lower) / bound <= target_gap`.
    pub target_gap: f64,
    /// Initial Polyak step factor θ (classically 2).
    pub initial_step: f64,
    /// Halve θ after this many consecutive iterations without improvement.
    pub patience: usize,
    /// Subgradient runs, one per entry: each starts from multipliers
    /// `λ_i = f · w_i` (1 = the "p largest candidate totals" bound, 0 = "all
    /// coverable"), with up to `max_iterations` iterations.  The best bound
    /// and the best primal solution over all runs are kept.
    pub starts: Vec<f64>,
}

impl Default for BoundOptions {
    fn default() -> Self {
        BoundOptions {
            max_iterations: 300,
            target_gap: 1e-4,
            initial_step: 2.0,
            patience: 5,
            starts: vec![1.0, 0.5],
        }
    }
}

/// Result of [`lagrangian_bound`].
#[derive(Debug, Clone, PartialEq)]
pub struct BoundResult {
    /// Best (smallest) Lagrangian value found: an upper bound on the optimum.
    pub bound: f64,
    /// Subgradient iterations performed.
    pub iterations: usize,
    /// Best feasible solution met along the way (Lagrangian heuristic: the
    /// `p` sites picked by the relaxation at each iteration are evaluated).
    pub primal_sites: Vec<u32>,
    /// Covered weight of `primal_sites`.
    pub primal_value: f64,
}

const CHUNK: usize = 16_384;

/// Deterministic parallel sum: fixed chunks, summed in order.
fn chunked_sum<F>(n: usize, f: F) -> f64
where
    F: Fn(usize) -> f64 + Sync,
{
    let parts: Vec<f64> = (0..n.div_ceil(CHUNK))
        .into_par_iter()
        .map(|c| {
            let lo = c * CHUNK;
            let hi = ((c + 1) * CHUNK).min(n);
            (lo..hi).map(&f).sum::<f64>()
        })
        .collect();
    parts.iter().sum()
}

/// Minimises the Lagrangian dual of MCLP for at most `p` sites (respecting
/// the instance's per-unit caps) by subgradient optimisation.
///
/// `lower` is a known feasible objective (used as the Polyak target and for
/// the early stop); pass the heuristic objective.  The sites picked by the
/// relaxation at every iteration form a feasible solution; the best of them
/// is returned (Lagrangian heuristic) and raises the Polyak target when it
/// beats `lower`.  The returned bound is
/// valid (≥ the optimum) whatever the number of iterations; the default
/// first start is the "p largest candidate totals" bound (`λ = w`).
pub fn lagrangian_bound(inst: &Instance, p: usize, lower: f64, opts: &BoundOptions) -> BoundResult {
    let starts: &[f64] = if opts.starts.is_empty() {
        &[1.0]
    } else {
        &opts.starts
    };
    let mut acc: Option<BoundResult> = None;
    for &f0 in starts {
        let lo = acc.as_ref().map_or(lower, |a| a.primal_value.max(lower));
        let r = single_run(inst, p, lo, opts, f0);
        acc = Some(match acc {
            None => r,
            Some(a) => {
                let (primal_sites, primal_value) = if r.primal_value > a.primal_value {
                    (r.primal_sites, r.primal_value)
                } else {
                    (a.primal_sites, a.primal_value)
                };
                BoundResult {
                    bound: a.bound.min(r.bound),
                    iterations: a.iterations + r.iterations,
                    primal_sites,
                    primal_value,
                }
            }
        });
        let a = acc.as_ref().expect("set");
        if a.bound - a.primal_value.max(lower) <= opts.target_gap * a.bound.abs() {
            break;
        }
    }
    acc.expect("at least one start")
}

fn single_run(inst: &Instance, p: usize, lower: f64, opts: &BoundOptions, f0: f64) -> BoundResult {
    let nd = inst.n_demand();
    let nc = inst.n_candidates();
    let w = inst.weights();
    let pmax = inst.max_sites(p);
    // Active multipliers: coverable demand with positive weight.  Others are
    // fixed at λ_i = w_i (uncoverable: contributes nothing anywhere) or 0.
    let active: Vec<u32> = (0..nd as u32)
        .filter(|&i| w[i as usize] > 0.0 && !inst.coverers(i as usize).is_empty())
        .collect();
    let f0 = f0.clamp(0.0, 1.0);
    let mut lam: Vec<f64> = w.to_vec();
    for &i in &active {
        lam[i as usize] *= f0;
    }
    let mut best = f64::INFINITY;
    let mut theta = opts.initial_step;
    let mut stall = 0usize;
    let mut iterations = 0usize;
    let mut cov = vec![0u32; nd];
    let mut g = vec![0f64; active.len()];
    let mut lower = lower;
    let mut primal_sites = Vec::new();
    let mut primal_value = f64::NEG_INFINITY;
    // Candidates by decreasing total weight T_j: since 0 <= λ_i <= w_i, c_j(λ) <= T_j, so once
    // the p sites picked among the candidates evaluated so far all have c above the next T_j,
    // no later candidate can be picked and its c_j need not be computed (the result is the
    // same as evaluating every candidate).
    let totals: Vec<f64> = (0..nc)
        .into_par_iter()
        .map(|j| inst.candidate_total(j))
        .collect();
    let mut by_total: Vec<u32> = (0..nc as u32)
        .filter(|&j| totals[j as usize] > 0.0)
        .collect();
    by_total.sort_unstable_by(|&a, &b| {
        totals[b as usize]
            .total_cmp(&totals[a as usize])
            .then(a.cmp(&b))
    });
    let mut c = vec![0f64; nc];
    loop {
        for &j in &by_total {
            c[j as usize] = 0.0;
        }
        let (top, picked) = top_p_pruned(
            inst,
            &lam,
            &by_total,
            &totals,
            &mut c,
            pmax,
            (4 * pmax).max(2048),
        );
        let term1 = chunked_sum(active.len(), |k| {
            let i = active[k] as usize;
            (w[i] - lam[i]).max(0.0)
        });
        let l = term1 + top;
        // Lagrangian heuristic: coverage of the picked sites.
        let mut value = 0.0;
        for &j in &picked {
            for &i in inst.covers(j as usize) {
                let iu = i as usize;
                if cov[iu] == 0 {
                    value += w[iu];
                }
                cov[iu] += 1;
            }
        }
        if value > primal_value {
            primal_value = value;
            primal_sites = picked.clone();
        }
        lower = lower.max(value);
        if l < best {
            best = l;
            stall = 0;
        } else {
            stall += 1;
            if stall >= opts.patience {
                theta *= 0.5;
                stall = 0;
            }
        }
        if iterations >= opts.max_iterations
            || best - lower <= opts.target_gap * best.abs()
            || theta < 1e-9
        {
            break;
        }
        iterations += 1;
        let mut norm2 = 0.0;
        for (k, &i) in active.iter().enumerate() {
            let i = i as usize;
            let y = if w[i] - lam[i] > 0.0 { 1.0 } else { 0.0 };
            let gi = y - cov[i] as f64;
            g[k] = gi;
            norm2 += gi * gi;
        }
        for &j in &picked {
            for &i in inst.covers(j as usize) {
                cov[i as usize] = 0;
            }
        }
        let excess = l - lower;
        if norm2 == 0.0 || excess <= 0.0 {
            break;
        }
        let t = theta * excess / norm2;
        for (k, &i) in active.iter().enumerate() {
            let i = i as usize;
            lam[i] = (lam[i] + t * g[k]).clamp(0.0, w[i]);
        }
    }
    BoundResult {
        bound: best,
        iterations,
        primal_sites,
        primal_value: primal_value.max(0.0),
    }
}

/// The `p` largest `c_j(λ) = Σ_{i∈S_j} λ_i` under the instance's caps (as
/// [`Instance::top_p`]), computing `c_j` only for a prefix of `by_total`
/// (candidates by decreasing total weight, an upper bound on `c_j`): blocks
/// of growing size are evaluated in parallel until the picked set is full and
/// its smallest value exceeds the next candidate's total (first block:
/// `first_block` candidates).  `c` must be zero on entry for every candidate;
/// evaluated entries are left in it.
pub(crate) fn top_p_pruned(
    inst: &Instance,
    lam: &[f64],
    by_total: &[u32],
    totals: &[f64],
    c: &mut [f64],
    p: usize,
    first_block: usize,
) -> (f64, Vec<u32>) {
    let n = by_total.len();
    let mut done = 0usize;
    let mut block = first_block.max(1);
    loop {
        let end = (done + block).min(n);
        let vals: Vec<f64> = by_total[done..end]
            .par_iter()
            .with_min_len(256)
            .map(|&j| {
                inst.covers(j as usize)
                    .iter()
                    .map(|&i| lam[i as usize])
                    .sum()
            })
            .collect();
        for (k, &j) in by_total[done..end].iter().enumerate() {
            c[j as usize] = vals[k];
        }
        done = end;
        let (top, picked) = inst.top_p(c, p);
        if done == n {
            return (top, picked);
        }
        if picked.len() >= p {
            let m = picked
                .iter()
                .map(|&j| c[j as usize])
                .fold(f64::INFINITY, f64::min);
            if totals[by_total[done] as usize] < m {
                return (top, picked);
            }
        }
        block *= 2;
    }
}
