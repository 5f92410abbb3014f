//! Exact MCLP by enumeration, for small instances (tests, validation).

use super::instance::{Instance, SitingError};

/// Largest number of candidates [`exact_mclp`] accepts.
pub const EXACT_MAX_CANDIDATES: usize = 26;

/// Result of [`exact_mclp`].
#[derive(Debug, Clone, PartialEq)]
pub struct ExactSolution {
    /// An optimal set (lexicographically first among optimal sets of the
    /// largest feasible size `min(p, max sites allowed by caps)`).
    pub sites: Vec<u32>,
    /// Its covered weight: the optimum.
    pub objective: f64,
    /// Number of subsets evaluated.
    pub evaluated: u64,
}

/// Finds an optimal MCLP solution by enumerating every feasible subset of
/// `min(p, max feasible)` candidates (coverage is monotone, so larger sets
/// are never worse), respecting the per-unit caps.  Depth-first enumeration;
/// each leaf's coverage is computed exactly.
///
/// Fails with [`SitingError::TooLarge`] beyond [`EXACT_MAX_CANDIDATES`].
pub fn exact_mclp(inst: &Instance, p: usize) -> Result<ExactSolution, SitingError> {
    let n = inst.n_candidates();
    if n > EXACT_MAX_CANDIDATES {
        return Err(SitingError::TooLarge {
            candidates: n,
            limit: EXACT_MAX_CANDIDATES,
        });
    }
    let k = inst.max_sites(p);
    let mut st = State {
        inst,
        k,
        group_cnt: vec![0; inst.n_groups()],
        cur: Vec::with_capacity(k),
        best: f64::NEG_INFINITY,
        best_set: Vec::new(),
        evaluated: 0,
    };
    st.dfs(0);
    Ok(ExactSolution {
        sites: st.best_set,
        objective: st.best.max(0.0),
        evaluated: st.evaluated,
    })
}

struct State<'a> {
    inst: &'a Instance,
    k: usize,
    group_cnt: Vec<u32>,
    cur: Vec<u32>,
    best: f64,
    best_set: Vec<u32>,
    evaluated: u64,
}

impl State<'_> {
    fn dfs(&mut self, start: usize) {
        if self.cur.len() == self.k {
            self.evaluated += 1;
            // Recompute exactly to avoid drift from incremental sums.
            let v = self.inst.coverage(&self.cur);
            if v > self.best {
                self.best = v;
                self.best_set = self.cur.clone();
            }
            return;
        }
        let n = self.inst.n_candidates();
        let need = self.k - self.cur.len();
        for j in start..n {
            if n - j < need {
                break;
            }
            if let (Some(cap), Some(g)) = (self.inst.per_group_max(), self.inst.capped_group(j)) {
                if self.group_cnt[g] >= cap {
                    continue;
                }
                self.group_cnt[g] += 1;
            }
            self.cur.push(j as u32);
            self.dfs(j + 1);
            self.cur.pop();
            if let Some(g) = self.inst.capped_group(j) {
                self.group_cnt[g] -= 1;
            }
        }
    }
}
