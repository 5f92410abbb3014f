//! Maximal covering location (`--add N`): lazy greedy, swap local search,
//! greedy ordering of the result and the combined upper bound.

use super::bound::{lagrangian_bound, BoundOptions};
use super::heap::Item;
use super::instance::Instance;
use super::rng::SplitMix64;
use rayon::prelude::*;
use std::collections::BinaryHeap;
use std::time::{Duration, Instant};

/// Options for [`solve_mclp`].
#[derive(Debug, Clone)]
pub struct MclpOptions {
    /// Number of new sites to choose.
    pub p: usize,
    /// Tie-breaking seed: `None` breaks exact ties by lowest candidate index,
    /// `Some(s)` by a seeded pseudo-random order (deterministic for `s`).
    pub seed: Option<u64>,
    /// Run the swap local search after the greedy.
    pub local_search: bool,
    /// Upper limit on the number of improving moves of the local search.
    pub max_moves: usize,
    /// Options of the Lagrangian bound.
    pub bound: BoundOptions,
}

impl MclpOptions {
    /// Default options for `p` new sites: local search on, lowest-index ties.
    pub fn new(p: usize) -> Self {
        MclpOptions {
            p,
            seed: None,
            local_search: true,
            max_moves: 10_000,
            bound: BoundOptions::default(),
        }
    }
}

/// Wall-clock time spent in each phase of [`solve_mclp`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MclpTimings {
    /// Lazy greedy.
    pub greedy: Duration,
    /// Swap local search (plus final greedy ordering).
    pub local_search: Duration,
    /// All upper bounds (Lagrangian subgradient and the cheap ones).
    pub bound: Duration,
}

/// Statistics of [`local_search`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LocalSearchStats {
    /// Improving swaps applied (one site out, one in).
    pub swaps: usize,
    /// Improving additions applied (only when fewer than `p` sites were open).
    pub adds: usize,
}

/// Result of [`solve_mclp`].
#[derive(Debug, Clone, PartialEq)]
pub struct MclpSolution {
    /// Chosen candidates, ordered greedily: each next site is the one adding
    /// the most coverage given the previous ones.  May hold fewer than `p`
    /// sites when no further candidate covers anything new (or caps bind).
    pub sites: Vec<u32>,
    /// Newly covered weight of each site in `sites` order; sums to
    /// `objective` (up to floating-point rounding).
    pub new_covered: Vec<f64>,
    /// Total newly covered weight of `sites`.
    pub objective: f64,
    /// Objective of the greedy solution before local search.
    pub greedy_objective: f64,
    /// Best valid upper bound on the optimum (minimum of all bounds below).
    pub bound: f64,
    /// Lagrangian (subgradient) bound alone.
    pub lagrangian_bound: f64,
    /// `(bound − objective) / bound` (0 when `bound` is 0).
    pub gap: f64,
    /// Subgradient iterations performed.
    pub bound_iterations: usize,
    /// Local-search statistics.
    pub local_search: LocalSearchStats,
    /// Time per phase.
    pub timings: MclpTimings,
}

fn tie_key(seed: Option<u64>, j: u32) -> u64 {
    match seed {
        None => j as u64,
        Some(s) => SplitMix64::hash(s, j as u64),
    }
}

/// Lazy (CELF) greedy over `pool`; returns the picked candidates and their
/// marginal gains.  With `respect_caps` the per-unit caps are enforced; with
/// `stop_at_zero` the greedy stops when no candidate adds positive weight.
fn celf(
    inst: &Instance,
    pool: &[u32],
    p: usize,
    seed: Option<u64>,
    respect_caps: bool,
    stop_at_zero: bool,
) -> (Vec<u32>, Vec<f64>) {
    let w = inst.weights();
    let init: Vec<f64> = pool
        .par_iter()
        .map(|&j| inst.candidate_total(j as usize))
        .collect();
    let mut heap: BinaryHeap<Item> = pool
        .iter()
        .zip(&init)
        .filter(|(_, &g)| g > 0.0 || !stop_at_zero)
        .map(|(&j, &gain)| Item {
            gain,
            key: tie_key(seed, j),
            j,
            stamp: 0,
        })
        .collect();
    let cap = if respect_caps {
        inst.per_group_max()
    } else {
        None
    };
    let mut group_cnt = vec![0u32; inst.n_groups()];
    let mut covered = vec![false; inst.n_demand()];
    let mut sites = Vec::with_capacity(p);
    let mut gains = Vec::with_capacity(p);
    while sites.len() < p {
        let Some(top) = heap.pop() else { break };
        let j = top.j as usize;
        if let Some(k) = cap {
            if group_cnt[inst.capped_group(j).expect("caps")] >= k {
                continue;
            }
        }
        if top.stamp == sites.len() {
            if stop_at_zero && top.gain <= 0.0 {
                break;
            }
            for &i in inst.covers(j) {
                covered[i as usize] = true;
            }
            if let Some(g) = inst.capped_group(j) {
                group_cnt[g] += 1;
            }
            sites.push(top.j);
            gains.push(top.gain);
        } else {
            let gain: f64 = inst
                .covers(j)
                .iter()
                .filter(|&&i| !covered[i as usize])
                .map(|&i| w[i as usize])
                .sum();
            if gain > 0.0 || !stop_at_zero {
                heap.push(Item {
                    gain,
                    stamp: sites.len(),
                    ..top
                });
            }
        }
    }
    (sites, gains)
}

/// Lazy greedy (CELF) for MCLP: repeatedly adds the candidate with the
/// largest marginal coverage, respecting the per-unit caps, until `p` sites
/// are chosen or nothing more can be covered.  Exact ties are broken by
/// `seed` (see [`MclpOptions::seed`]).  Returns the sites in pick order.
pub fn greedy(inst: &Instance, p: usize, seed: Option<u64>) -> Vec<u32> {
    let pool: Vec<u32> = (0..inst.n_candidates() as u32).collect();
    celf(inst, &pool, inst.max_sites(p), seed, true, true).0
}

/// Orders a set of sites greedily (each next site adds the most given the
/// previous ones; ties by lowest index) and returns the ordered sites with
/// the weight each newly covers.  Every input site is kept, including ones
/// adding nothing (they come last).
pub fn order_greedily(inst: &Instance, sites: &[u32]) -> (Vec<u32>, Vec<f64>) {
    celf(inst, sites, sites.len(), None, false, false)
}

/// Swap local search for MCLP starting from `start`.
///
/// Repeats best-improvement moves until none improves: if fewer than `p`
/// sites are open (and caps allow), add the best candidate with positive
/// gain; otherwise apply the best swap (remove one chosen site, add one
/// unchosen site) that respects the per-unit caps.  Each swap delta is
/// computed from per-demand cover counts:
/// `Δ(a→b) = gain0(b) + Σ_{i∈S_a∩S_b, cnt_i=1} w_i − Σ_{i∈S_a, cnt_i=1} w_i`,
/// where `gain0(b)` (weight `b` covers that nothing chosen covers) is
/// maintained incrementally; the middle term is accumulated through the
/// inverse index, so a full neighbourhood scan costs
/// `O(Σ_{a chosen} Σ_{i∈S_a} |N_i| + p·n log n)`.
/// Moves must improve by more than `1e-10 ×` total weight (no cycling).
/// At most `max_moves` moves are applied.  Ties are broken by `seed`.
pub fn local_search(
    inst: &Instance,
    start: &[u32],
    p: usize,
    seed: Option<u64>,
    max_moves: usize,
) -> (Vec<u32>, LocalSearchStats) {
    let n = inst.n_candidates();
    let w = inst.weights();
    let pmax = inst.max_sites(p);
    let total_w: f64 = w.iter().sum();
    let tol = 1e-10 * total_w + f64::MIN_POSITIVE;
    let mut sites: Vec<u32> = start.to_vec();
    let mut chosen = vec![false; n];
    let mut cnt = vec![0u32; inst.n_demand()];
    let mut group_cnt = vec![0u32; inst.n_groups()];
    let cap = inst.per_group_max();
    for &j in &sites {
        chosen[j as usize] = true;
        for &i in inst.covers(j as usize) {
            cnt[i as usize] += 1;
        }
        if let Some(g) = inst.capped_group(j as usize) {
            group_cnt[g] += 1;
        }
    }
    let gain0_of = |cnt: &[u32], b: usize| -> f64 {
        inst.covers(b)
            .iter()
            .filter(|&&i| cnt[i as usize] == 0)
            .map(|&i| w[i as usize])
            .sum()
    };
    let mut gain0: Vec<f64> = (0..n).into_par_iter().map(|b| gain0_of(&cnt, b)).collect();
    let keys: Vec<u64> = (0..n as u32).map(|j| tie_key(seed, j)).collect();
    let mut extra = vec![0f64; n];
    let mut stamp = vec![0u32; n];
    let mut epoch = 0u32;
    let mut touched: Vec<u32> = Vec::new();
    let mut dirty: Vec<u32> = Vec::new();
    let mut dirty_mark = vec![false; n];
    let mut stats = LocalSearchStats::default();
    // `better(a, b)`: is candidate value a = (value, key) preferable to b?
    let better = |v: f64, k: u64, bv: f64, bk: u64| v > bv || (v == bv && k < bk);

    while stats.swaps + stats.adds < max_moves {
        // Candidates ordered by gain0 (descending, then key) for the
        // "untouched" part of every swap neighbourhood.
        let mut order: Vec<u32> = (0..n as u32).filter(|&b| !chosen[b as usize]).collect();
        order.sort_unstable_by(|&a, &b| {
            gain0[b as usize]
                .total_cmp(&gain0[a as usize])
                .then(keys[a as usize].cmp(&keys[b as usize]))
        });
        let group_ok_add = |b: usize, group_cnt: &[u32]| match (cap, inst.capped_group(b)) {
            (Some(k), Some(g)) => group_cnt[g] < k,
            _ => true,
        };
        // Move kind: None = stop; Some((None, b)) = add b; Some((Some(pos), b)) = swap.
        let mut best_move: Option<(Option<usize>, u32)> = None;
        if sites.len() < pmax {
            if let Some(&b) = order
                .iter()
                .find(|&&b| group_ok_add(b as usize, &group_cnt))
            {
                if gain0[b as usize] > tol {
                    best_move = Some((None, b));
                }
            }
        }
        if best_move.is_none() {
            let mut best_delta = tol;
            let mut best_key = (u64::MAX, u64::MAX);
            for (pos, &a) in sites.iter().enumerate() {
                let au = a as usize;
                epoch = epoch.wrapping_add(1);
                if epoch == 0 {
                    stamp.iter_mut().for_each(|s| *s = 0);
                    epoch = 1;
                }
                touched.clear();
                let mut loss = 0.0;
                for &i in inst.covers(au) {
                    let iu = i as usize;
                    if cnt[iu] == 1 {
                        loss += w[iu];
                        for &b in inst.coverers(iu) {
                            let bu = b as usize;
                            if stamp[bu] != epoch {
                                stamp[bu] = epoch;
                                extra[bu] = 0.0;
                                touched.push(b);
                            }
                            extra[bu] += w[iu];
                        }
                    }
                }
                let ga = inst.capped_group(au);
                let feasible = |b: usize| -> bool {
                    match (cap, inst.capped_group(b)) {
                        (Some(k), Some(g)) => Some(g) == ga || group_cnt[g] < k,
                        _ => true,
                    }
                };
                let mut bv = f64::NEG_INFINITY;
                let mut bk = u64::MAX;
                let mut bb = u32::MAX;
                for &b in &touched {
                    let bu = b as usize;
                    if chosen[bu] || !feasible(bu) {
                        continue;
                    }
                    let v = gain0[bu] + extra[bu];
                    if better(v, keys[bu], bv, bk) {
                        bv = v;
                        bk = keys[bu];
                        bb = b;
                    }
                }
                for &b in &order {
                    let bu = b as usize;
                    if stamp[bu] == epoch || !feasible(bu) {
                        continue;
                    }
                    if better(gain0[bu], keys[bu], bv, bk) {
                        bv = gain0[bu];
                        bk = keys[bu];
                        bb = b;
                    }
                    break;
                }
                if bb == u32::MAX {
                    continue;
                }
                let delta = bv - loss;
                let key = (keys[au], bk);
                if delta > best_delta
                    || (delta == best_delta && best_move.is_some() && key < best_key)
                {
                    best_delta = delta;
                    best_key = key;
                    best_move = Some((Some(pos), bb));
                }
            }
        }
        let Some((out, b)) = best_move else { break };
        // Apply the move, recording candidates whose gain0 changes.
        let mut mark = |i: usize, dirty: &mut Vec<u32>| {
            for &c in inst.coverers(i) {
                if !dirty_mark[c as usize] {
                    dirty_mark[c as usize] = true;
                    dirty.push(c);
                }
            }
        };
        dirty.clear();
        if let Some(pos) = out {
            let a = sites[pos] as usize;
            for &i in inst.covers(a) {
                let iu = i as usize;
                cnt[iu] -= 1;
                if cnt[iu] == 0 {
                    mark(iu, &mut dirty);
                }
            }
            chosen[a] = false;
            if let Some(g) = inst.capped_group(a) {
                group_cnt[g] -= 1;
            }
            sites[pos] = b;
            stats.swaps += 1;
        } else {
            sites.push(b);
            stats.adds += 1;
        }
        let bu = b as usize;
        for &i in inst.covers(bu) {
            let iu = i as usize;
            cnt[iu] += 1;
            if cnt[iu] == 1 {
                mark(iu, &mut dirty);
            }
        }
        chosen[bu] = true;
        if let Some(g) = inst.capped_group(bu) {
            group_cnt[g] += 1;
        }
        for &c in &dirty {
            dirty_mark[c as usize] = false;
            gain0[c as usize] = gain0_of(&cnt, c as usize);
        }
    }
    (sites, stats)
}

/// Solves MCLP for `opts.p` new sites: lazy greedy, swap local search,
/// Lagrangian bound whose per-iteration relaxed solutions double as a
/// heuristic (if the best beats the local optimum, the local search is
/// restarted from it), greedy re-ordering of the result, and the bound.
///
/// The reported bound is the minimum of the valid bounds
/// * Lagrangian relaxation of the coverage constraints (subgradient),
/// * the submodular "online" bound `f(S) + Σ top-p marginal gains w.r.t. S`
///   (caps respected) at the final solution `S`,
/// * the total weight coverable by any candidate,
/// * `greedy / (1 − 1/e)` when no per-unit caps are active,
///
/// and never less than the objective.  Invariant: `bound ≥ OPT ≥ objective`.
pub fn solve_mclp(inst: &Instance, opts: &MclpOptions) -> MclpSolution {
    let p = opts.p;
    let t0 = Instant::now();
    let g = greedy(inst, p, opts.seed);
    let greedy_objective = inst.coverage(&g);
    let t_greedy = t0.elapsed();

    let t1 = Instant::now();
    let (mut ls_sites, mut stats) = if opts.local_search {
        local_search(inst, &g, p, opts.seed, opts.max_moves)
    } else {
        (g.clone(), LocalSearchStats::default())
    };
    let mut objective = inst.coverage(&ls_sites);
    let mut t_ls = t1.elapsed();

    let t2 = Instant::now();
    let lag = lagrangian_bound(inst, p, objective, &opts.bound);
    let mut t_bound = t2.elapsed();
    // Lagrangian heuristic: restart the local search from the relaxation's
    // best primal solution when it beats the current one.
    if lag.primal_value > objective {
        let t3 = Instant::now();
        let (cand, st2) = if opts.local_search {
            local_search(inst, &lag.primal_sites, p, opts.seed, opts.max_moves)
        } else {
            (lag.primal_sites.clone(), LocalSearchStats::default())
        };
        let v = inst.coverage(&cand);
        if v > objective {
            ls_sites = cand;
            objective = v;
            stats.swaps += st2.swaps;
            stats.adds += st2.adds;
        }
        t_ls += t3.elapsed();
    }
    let t4 = Instant::now();
    let (sites, new_covered) = order_greedily(inst, &ls_sites);
    t_ls += t4.elapsed();

    let t5 = Instant::now();
    let mut bound = lag.bound.min(inst.coverable_weight());
    // Online submodular bound at the final solution.
    let mut covered = vec![false; inst.n_demand()];
    for &j in &sites {
        for &i in inst.covers(j as usize) {
            covered[i as usize] = true;
        }
    }
    let w = inst.weights();
    let marg: Vec<f64> = (0..inst.n_candidates())
        .into_par_iter()
        .map(|j| {
            inst.covers(j)
                .iter()
                .filter(|&&i| !covered[i as usize])
                .map(|&i| w[i as usize])
                .sum()
        })
        .collect();
    let (extra, _) = inst.top_p(&marg, inst.max_sites(p));
    bound = bound.min(objective + extra);
    if inst.per_group_max().is_none() {
        bound = bound.min(greedy_objective / (1.0 - (-1.0f64).exp()));
    }
    let bound = bound.max(objective);
    t_bound += t5.elapsed();
    let gap = if bound > 0.0 {
        (bound - objective) / bound
    } else {
        0.0
    };
    MclpSolution {
        sites,
        new_covered,
        objective,
        greedy_objective,
        bound,
        lagrangian_bound: lag.bound,
        gap,
        bound_iterations: lag.iterations,
        local_search: stats,
        timings: MclpTimings {
            greedy: t_greedy,
            local_search: t_ls,
            bound: t_bound,
        },
    }
}
