//! Capacity-aware MCLP: every new site can serve at most `C` people.
//!
//! Objective: the weight that is both within reach of a chosen site and
//! within its capacity, with every unit of demand assigned to at most one
//! chosen site (demand may be split).  For a fixed set of sites this is a
//! bipartite transportation problem, solved exactly as a max-flow
//! `source →(C) site →(∞) demand →(w_i) sink` with Dinic's algorithm.
//!
//! Site selection is a lazy greedy on the gain `min(C, unassigned weight
//! within reach)`; when a site is picked it takes up to `C` of the
//! unassigned weight within reach, serving first the demand points with the
//! fewest covering candidates.  Gains never increase as assignments happen,
//! so lazy evaluation is exact.  The final set is then evaluated by max-flow
//! (≥ the greedy's own assignment).  No local search is done here.
//!
//! Upper bound: the minimum of `p·C`, the sum of the `p` largest
//! `min(C, total weight within reach of j)` (per-unit caps respected), the
//! total coverable weight and — only when these leave a relative gap above
//! `target_gap` — the uncapacitated Lagrangian bound (see
//! [`lagrangian_bound`]).

use super::bound::{lagrangian_bound, BoundOptions};
use super::heap::Item;
use super::instance::{Instance, SitingError};
use super::rng::SplitMix64;
use rayon::prelude::*;
use std::collections::{BinaryHeap, VecDeque};

/// Result of [`solve_capacitated`].
#[derive(Debug, Clone, PartialEq)]
pub struct CapacitatedSolution {
    /// Chosen candidates in greedy pick order.
    pub sites: Vec<u32>,
    /// Weight served by each site in the optimal (max-flow) assignment.
    pub served: Vec<f64>,
    /// Total served weight under the optimal assignment (the objective).
    pub objective: f64,
    /// Served weight of the greedy's own assignment (≤ `objective`).
    pub greedy_estimate: f64,
    /// Weight within reach of the chosen sites, ignoring capacity.
    pub reachable: f64,
    /// Valid upper bound on the capacitated optimum.
    pub bound: f64,
    /// `(bound − objective) / bound` (0 when `bound` is 0).
    pub gap: f64,
}

/// Optimal served weight of a fixed set of sites with capacity `capacity`
/// each (max-flow); returns the total and the amount served by each site.
/// Duplicate sites are treated as separate sites.
pub fn capacitated_value(inst: &Instance, sites: &[u32], capacity: f64) -> (f64, Vec<f64>) {
    let nd = inst.n_demand();
    let w = inst.weights();
    let mut node_of = vec![u32::MAX; nd];
    let mut demand_nodes: Vec<u32> = Vec::new();
    for &j in sites {
        for &i in inst.covers(j as usize) {
            if node_of[i as usize] == u32::MAX && w[i as usize] > 0.0 {
                node_of[i as usize] = demand_nodes.len() as u32;
                demand_nodes.push(i);
            }
        }
    }
    let k = sites.len();
    let source = 0usize;
    let sink = 1 + k + demand_nodes.len();
    let mut g = Dinic::new(sink + 1);
    let mut site_edges = Vec::with_capacity(k);
    for (s, &j) in sites.iter().enumerate() {
        site_edges.push(g.add_edge(source, 1 + s, capacity));
        for &i in inst.covers(j as usize) {
            let d = node_of[i as usize];
            if d != u32::MAX {
                g.add_edge(1 + s, 1 + k + d as usize, w[i as usize]);
            }
        }
    }
    for (d, &i) in demand_nodes.iter().enumerate() {
        g.add_edge(1 + k + d, sink, w[i as usize]);
    }
    let scale = capacity.max(w.iter().cloned().fold(0.0, f64::max)).max(1.0);
    let total = g.max_flow(source, sink, 1e-12 * scale);
    let served = site_edges.iter().map(|&e| g.flow(e)).collect();
    (total, served)
}

/// Capacity-aware MCLP for at most `p` sites of capacity `capacity` each
/// (per-unit caps of the instance respected).  See the module docs for the
/// method and the bound.  Ties are broken by lowest index (`seed = None`)
/// or a seeded order.
pub fn solve_capacitated(
    inst: &Instance,
    p: usize,
    capacity: f64,
    seed: Option<u64>,
    bound_opts: &BoundOptions,
) -> Result<CapacitatedSolution, SitingError> {
    if !capacity.is_finite() || capacity < 0.0 {
        return Err(SitingError::BadParameter(format!(
            "capacity {capacity} must be finite and >= 0"
        )));
    }
    let n = inst.n_candidates();
    let w = inst.weights();
    let pmax = inst.max_sites(p);
    let key = |j: u32| match seed {
        None => j as u64,
        Some(s) => SplitMix64::hash(s, j as u64),
    };
    let totals: Vec<f64> = (0..n)
        .into_par_iter()
        .map(|j| inst.candidate_total(j))
        .collect();
    let mut heap: BinaryHeap<Item> = (0..n)
        .filter(|&j| totals[j] > 0.0 && capacity > 0.0)
        .map(|j| Item {
            gain: totals[j].min(capacity),
            key: key(j as u32),
            j: j as u32,
            stamp: 0,
        })
        .collect();
    let mut rem: Vec<f64> = w.to_vec();
    let mut group_cnt = vec![0u32; inst.n_groups()];
    let cap = inst.per_group_max();
    let mut sites: Vec<u32> = Vec::new();
    let mut greedy_estimate = 0.0;
    while sites.len() < pmax {
        let Some(top) = heap.pop() else { break };
        let j = top.j as usize;
        if let (Some(k), Some(g)) = (cap, inst.capped_group(j)) {
            if group_cnt[g] >= k {
                continue;
            }
        }
        if top.stamp == sites.len() {
            if top.gain <= 0.0 {
                break;
            }
            // Assign up to `capacity`, hardest-to-serve demand first.
            let mut list: Vec<u32> = inst.covers(j).to_vec();
            list.sort_by_key(|&i| (inst.coverers(i as usize).len(), i));
            let mut left = capacity;
            for &i in &list {
                if left <= 0.0 {
                    break;
                }
                let take = rem[i as usize].min(left);
                rem[i as usize] -= take;
                left -= take;
            }
            greedy_estimate += capacity - left;
            if let Some(g) = inst.capped_group(j) {
                group_cnt[g] += 1;
            }
            sites.push(top.j);
        } else {
            let avail: f64 = inst.covers(j).iter().map(|&i| rem[i as usize]).sum();
            let gain = avail.min(capacity);
            if gain > 0.0 {
                heap.push(Item {
                    gain,
                    stamp: sites.len(),
                    ..top
                });
            }
        }
    }
    let (objective, served) = capacitated_value(inst, &sites, capacity);
    let reachable = inst.coverage(&sites);
    let capped: Vec<f64> = totals.iter().map(|&t| t.min(capacity)).collect();
    let (top_capped, _) = inst.top_p(&capped, pmax);
    let mut bound = (pmax as f64 * capacity)
        .min(top_capped)
        .min(inst.coverable_weight());
    // The (costlier) Lagrangian bound only when the cheap ones leave a gap.
    if bound - objective > bound_opts.target_gap * bound {
        bound = bound.min(lagrangian_bound(inst, p, objective, bound_opts).bound);
    }
    let bound = bound.max(objective);
    let gap = if bound > 0.0 {
        (bound - objective) / bound
    } else {
        0.0
    };
    Ok(CapacitatedSolution {
        sites,
        served,
        objective,
        greedy_estimate,
        reachable,
        bound,
        gap,
    })
}

/// Dinic's max-flow on real capacities.
struct Dinic {
    head: Vec<usize>,
    to: Vec<usize>,
    cap: Vec<f64>,
    orig: Vec<f64>,
    next: Vec<usize>,
    level: Vec<i32>,
    it: Vec<usize>,
}

const NIL: usize = usize::MAX;

impl Dinic {
    fn new(n: usize) -> Self {
        Dinic {
            head: vec![NIL; n],
            to: Vec::new(),
            cap: Vec::new(),
            orig: Vec::new(),
            next: Vec::new(),
            level: vec![0; n],
            it: vec![0; n],
        }
    }

    fn add_edge(&mut self, u: usize, v: usize, c: f64) -> usize {
        let e = self.to.len();
        for (a, b, cc) in [(u, v, c), (v, u, 0.0)] {
            self.to.push(b);
            self.cap.push(cc);
            self.orig.push(cc);
            self.next.push(self.head[a]);
            self.head[a] = self.to.len() - 1;
        }
        e
    }

    fn flow(&self, e: usize) -> f64 {
        self.orig[e] - self.cap[e]
    }

    fn bfs(&mut self, s: usize, t: usize, eps: f64) -> bool {
        self.level.iter_mut().for_each(|l| *l = -1);
        self.level[s] = 0;
        let mut q = VecDeque::from([s]);
        while let Some(u) = q.pop_front() {
            let mut e = self.head[u];
            while e != NIL {
                let v = self.to[e];
                if self.cap[e] > eps && self.level[v] < 0 {
                    self.level[v] = self.level[u] + 1;
                    q.push_back(v);
                }
                e = self.next[e];
            }
        }
        self.level[t] >= 0
    }

    fn dfs(&mut self, u: usize, t: usize, f: f64, eps: f64) -> f64 {
        if u == t {
            return f;
        }
        while self.it[u] != NIL {
            let e = self.it[u];
            let v = self.to[e];
            if self.cap[e] > eps && self.level[v] == self.level[u] + 1 {
                let d = self.dfs(v, t, f.min(self.cap[e]), eps);
                if d > eps {
                    self.cap[e] -= d;
                    self.cap[e ^ 1] += d;
                    return d;
                }
            }
            self.it[u] = self.next[e];
        }
        0.0
    }

    fn max_flow(&mut self, s: usize, t: usize, eps: f64) -> f64 {
        let mut total = 0.0;
        while self.bfs(s, t, eps) {
            self.it.clone_from(&self.head);
            loop {
                let f = self.dfs(s, t, f64::INFINITY, eps);
                if f <= eps {
                    break;
                }
                total += f;
            }
        }
        total
    }
}
