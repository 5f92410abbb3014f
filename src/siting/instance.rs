//! The abstract coverage instance shared by all siting algorithms.

use std::fmt;

/// Errors reported by the siting algorithms.
#[derive(Debug, Clone, PartialEq)]
pub enum SitingError {
    /// A demand weight is negative, NaN or infinite.
    BadWeight {
        /// Index of the offending demand point.
        demand: usize,
        /// The offending value.
        value: f64,
    },
    /// A candidate's cover list is not strictly increasing or refers to a
    /// demand index out of range.
    BadCoverList {
        /// Index of the offending candidate.
        candidate: usize,
        /// What is wrong with the list.
        reason: String,
    },
    /// A per-candidate or per-demand vector has the wrong length.
    LengthMismatch {
        /// Which vector.
        what: &'static str,
        /// Length expected.
        expected: usize,
        /// Length given.
        got: usize,
    },
    /// A numeric parameter is out of range (capacity, coverage target, …).
    BadParameter(String),
    /// The instance is too large for the requested exact enumeration.
    TooLarge {
        /// Number of candidates in the instance.
        candidates: usize,
        /// Largest number the enumeration accepts.
        limit: usize,
    },
}

impl fmt::Display for SitingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SitingError::BadWeight { demand, value } => {
                write!(f, "demand point {demand} has invalid weight {value}")
            }
            SitingError::BadCoverList { candidate, reason } => {
                write!(
                    f,
                    "candidate {candidate} has an invalid cover list: {reason}"
                )
            }
            SitingError::LengthMismatch {
                what,
                expected,
                got,
            } => write!(f, "{what} has length {got}, expected {expected}"),
            SitingError::BadParameter(msg) => write!(f, "invalid parameter: {msg}"),
            SitingError::TooLarge { candidates, limit } => write!(
                f,
                "exact enumeration supports at most {limit} candidates, instance has {candidates}"
            ),
        }
    }
}

impl std::error::Error for SitingError {}

/// A coverage instance: weighted demand points, candidates with cover lists,
/// optional per-unit caps on the number of new sites.
///
/// Cover lists are stored in compressed (CSR) form together with the inverse
/// index (for each demand point, the candidates covering it).
#[derive(Debug, Clone)]
pub struct Instance {
    weights: Vec<f64>,
    cand_off: Vec<usize>,
    cand_idx: Vec<u32>,
    dem_off: Vec<usize>,
    dem_idx: Vec<u32>,
    /// Dense group index per candidate (0..n_groups) when caps are active.
    group: Option<Vec<u32>>,
    /// Original group id per dense group index.
    group_ids: Vec<u32>,
    per_group_max: Option<u32>,
}

impl Instance {
    /// Builds an instance from demand weights and per-candidate cover lists.
    ///
    /// `covers[j]` must be strictly increasing demand indices `< weights.len()`.
    /// Weights must be finite and non-negative.
    pub fn new(weights: Vec<f64>, covers: Vec<Vec<u32>>) -> Result<Self, SitingError> {
        for (i, &w) in weights.iter().enumerate() {
            if !w.is_finite() || w < 0.0 {
                return Err(SitingError::BadWeight {
                    demand: i,
                    value: w,
                });
            }
        }
        let n = weights.len();
        let total: usize = covers.iter().map(Vec::len).sum();
        let mut cand_off = Vec::with_capacity(covers.len() + 1);
        let mut cand_idx = Vec::with_capacity(total);
        let mut counts = vec![0usize; n + 1];
        cand_off.push(0);
        for (j, list) in covers.iter().enumerate() {
            let mut prev: Option<u32> = None;
            for &i in list {
                if (i as usize) >= n {
                    return Err(SitingError::BadCoverList {
                        candidate: j,
                        reason: format!("demand index {i} out of range (n = {n})"),
                    });
                }
                if let Some(p) = prev {
                    if i <= p {
                        return Err(SitingError::BadCoverList {
                            candidate: j,
                            reason: format!("not strictly increasing at {p}, {i}"),
                        });
                    }
                }
                prev = Some(i);
                counts[i as usize + 1] += 1;
            }
            cand_idx.extend_from_slice(list);
            cand_off.push(cand_idx.len());
        }
        drop(covers);
        for i in 0..n {
            counts[i + 1] += counts[i];
        }
        let dem_off = counts.clone();
        let mut fill = counts;
        let mut dem_idx = vec![0u32; total];
        for j in 0..cand_off.len() - 1 {
            for &i in &cand_idx[cand_off[j]..cand_off[j + 1]] {
                dem_idx[fill[i as usize]] = j as u32;
                fill[i as usize] += 1;
            }
        }
        Ok(Instance {
            weights,
            cand_off,
            cand_idx,
            dem_off,
            dem_idx,
            group: None,
            group_ids: Vec::new(),
            per_group_max: None,
        })
    }

    /// Attaches the unit (street / town) of every candidate and an optional
    /// cap on the number of new sites per unit.  Group ids are arbitrary
    /// `u32` values; with `per_group_max = None` the groups are ignored.
    pub fn with_group_caps(
        mut self,
        candidate_group: Vec<u32>,
        per_group_max: Option<u32>,
    ) -> Result<Self, SitingError> {
        if candidate_group.len() != self.n_candidates() {
            return Err(SitingError::LengthMismatch {
                what: "candidate_group",
                expected: self.n_candidates(),
                got: candidate_group.len(),
            });
        }
        let mut ids = candidate_group.clone();
        ids.sort_unstable();
        ids.dedup();
        let dense = candidate_group
            .iter()
            .map(|g| ids.binary_search(g).expect("id present") as u32)
            .collect();
        self.group = Some(dense);
        self.group_ids = ids;
        self.per_group_max = per_group_max;
        Ok(self)
    }

    /// Number of demand points.
    pub fn n_demand(&self) -> usize {
        self.weights.len()
    }

    /// Number of candidates.
    pub fn n_candidates(&self) -> usize {
        self.cand_off.len() - 1
    }

    /// All demand weights.
    pub fn weights(&self) -> &[f64] {
        &self.weights
    }

    /// Sorted demand indices covered by candidate `j`.
    pub fn covers(&self, j: usize) -> &[u32] {
        &self.cand_idx[self.cand_off[j]..self.cand_off[j + 1]]
    }

    /// Sorted candidate indices covering demand point `i`.
    pub fn coverers(&self, i: usize) -> &[u32] {
        &self.dem_idx[self.dem_off[i]..self.dem_off[i + 1]]
    }

    /// Total weight of the demand covered by candidate `j` alone.
    pub fn candidate_total(&self, j: usize) -> f64 {
        self.covers(j)
            .iter()
            .map(|&i| self.weights[i as usize])
            .sum()
    }

    /// Total weight of the demand points covered by at least one candidate.
    pub fn coverable_weight(&self) -> f64 {
        (0..self.n_demand())
            .filter(|&i| self.dem_off[i + 1] > self.dem_off[i])
            .map(|i| self.weights[i])
            .sum()
    }

    /// The per-unit cap, if caps are active.
    pub fn per_group_max(&self) -> Option<u32> {
        if self.group.is_some() {
            self.per_group_max
        } else {
            None
        }
    }

    /// The original (caller's) group id of candidate `j`, if groups were set.
    pub fn candidate_group(&self, j: usize) -> Option<u32> {
        self.group.as_ref().map(|g| self.group_ids[g[j] as usize])
    }

    /// Dense group index of candidate `j` when caps are active.
    pub(crate) fn capped_group(&self, j: usize) -> Option<usize> {
        match (&self.group, self.per_group_max) {
            (Some(g), Some(_)) => Some(g[j] as usize),
            _ => None,
        }
    }

    /// Number of dense groups (0 without groups).
    pub(crate) fn n_groups(&self) -> usize {
        self.group_ids.len()
    }

    /// Total weight covered by the given set of candidates (duplicates are
    /// counted once).
    pub fn coverage(&self, sites: &[u32]) -> f64 {
        let mut seen = vec![false; self.n_demand()];
        for &j in sites {
            for &i in self.covers(j as usize) {
                seen[i as usize] = true;
            }
        }
        seen.iter()
            .zip(&self.weights)
            .filter(|(s, _)| **s)
            .map(|(_, w)| *w)
            .sum()
    }

    /// True if `sites` has no duplicates, every index is a valid candidate,
    /// there are at most `p` sites and the per-unit caps hold.
    pub fn is_feasible(&self, sites: &[u32], p: usize) -> bool {
        if sites.len() > p {
            return false;
        }
        let mut s = sites.to_vec();
        s.sort_unstable();
        if s.windows(2).any(|w| w[0] == w[1]) {
            return false;
        }
        if s.iter().any(|&j| j as usize >= self.n_candidates()) {
            return false;
        }
        if let Some(cap) = self.per_group_max() {
            let mut cnt = vec![0u32; self.n_groups()];
            for &j in &s {
                let g = self.capped_group(j as usize).expect("caps active");
                cnt[g] += 1;
                if cnt[g] > cap {
                    return false;
                }
            }
        }
        true
    }

    /// Largest number of sites that can be chosen given `p` and the caps.
    pub(crate) fn max_sites(&self, p: usize) -> usize {
        let n = self.n_candidates();
        match self.per_group_max() {
            None => p.min(n),
            Some(cap) => {
                let mut cnt = vec![0usize; self.n_groups()];
                for j in 0..n {
                    cnt[self.capped_group(j).expect("caps")] += 1;
                }
                let cap_total: usize = cnt.iter().map(|&c| c.min(cap as usize)).sum();
                p.min(cap_total)
            }
        }
    }

    /// Value of the `p` largest `values[j]` subject to the per-unit caps
    /// (a greedy pick, optimal for this partition matroid), together with the
    /// chosen indices.  Non-positive values are never picked.
    pub(crate) fn top_p(&self, values: &[f64], p: usize) -> (f64, Vec<u32>) {
        let mut order: Vec<u32> = (0..values.len() as u32)
            .filter(|&j| values[j as usize] > 0.0)
            .collect();
        order.sort_unstable_by(|&a, &b| {
            values[b as usize]
                .total_cmp(&values[a as usize])
                .then(a.cmp(&b))
        });
        let mut picked = Vec::with_capacity(p);
        let mut total = 0.0;
        match self.per_group_max() {
            None => {
                for &j in order.iter().take(p) {
                    total += values[j as usize];
                    picked.push(j);
                }
            }
            Some(cap) => {
                let mut cnt = vec![0u32; self.n_groups()];
                for &j in &order {
                    if picked.len() >= p {
                        break;
                    }
                    let g = self.capped_group(j as usize).expect("caps");
                    if cnt[g] < cap {
                        cnt[g] += 1;
                        total += values[j as usize];
                        picked.push(j);
                    }
                }
            }
        }
        (total, picked)
    }
}
