//! Capacity-aware accessibility: the enhanced two-step floating catchment area (E2SFCA) score.
//!
//! For one service, with served population `P_k` per cell, capacity `S_j` per facility and a
//! distance-decay weight `W(d)` that is 0 beyond the catchment:
//!
//! 1. per facility `j`: `R_j = S_j / Σ_k P_k W(d_kj)` over the cells `k` within its catchment
//!    (`R_j = 0` when no one lives within it: its capacity serves no one);
//! 2. per cell `i`: `A_i = 1000 × Σ_j R_j W(d_ij)`: capacity within reach per 1,000 served people
//!    (Luo & Qi 2009).
//!
//! Distances are true metres in a straight line ([`Frame::distance`]), or walking distances on
//! the network (access leg + network path + egress leg, as coverage measures them), from one
//! bounded search per facility: E2SFCA needs each facility's own catchment, so this is the
//! per-facility answer the style guide allows per-facility searches for.
//!
//! Totals are conserved: `Σ_i A_i P_i / 1000 = Σ_j S_j` over the facilities with anyone within
//! their catchment (every such facility's capacity is handed out exactly once).
//!
//! Step 1 runs in parallel over facilities; the sums that reach an output (each facility's
//! demand in cell order, the per-cell scores in facility order) run sequentially, so results are
//! identical for any number of threads.

use crate::coverage::PointGrid;
use crate::network::{Snap, WalkNetwork};
use crate::projection::Frame;
use rayon::prelude::*;

/// Luo & Qi's (2009) zone weights (1.00, 0.68, 0.22 for the inner, middle and outer third of the
/// catchment), the default of `decay = "steps"`.
pub const LUO_QI_STEP_WEIGHTS: [f64; 3] = [1.0, 0.68, 0.22];

/// How the weight falls with distance.
#[derive(Debug, Clone, PartialEq)]
pub enum Decay {
    /// Dai's (2010) Gaussian, normalised to 1 at distance 0 and 0 at the catchment `d0`:
    /// `W(d) = (exp(-½ (d/d0)²) − exp(-½)) / (1 − exp(-½))` for `d ≤ d0`, else 0.
    Gaussian,
    /// Step weights `(upper bound m, weight)` with strictly increasing bounds: a distance in
    /// `(previous bound, bound]` (the first from 0) gets the weight; beyond the last bound 0.
    Steps(Vec<(f64, f64)>),
}

/// `[[service]] access`: the E2SFCA settings of one service.
#[derive(Debug, Clone, PartialEq)]
pub struct AccessSpec {
    /// Catchment, true metres (straight line or on foot); weights are 0 beyond it.
    pub catchment_m: f64,
    /// Distance decay.
    pub decay: Decay,
    /// Measure walking distance on the plan's network instead of straight-line distance.
    pub on_foot: bool,
}

impl AccessSpec {
    /// The decay weight at distance `d` metres (0 beyond the catchment).
    #[inline]
    pub fn weight(&self, d: f64) -> f64 {
        // NaN and anything beyond the catchment weigh nothing.
        if d.is_nan() || d > self.catchment_m {
            return 0.0;
        }
        match &self.decay {
            Decay::Gaussian => {
                let e = (-0.5f64).exp();
                let r = d / self.catchment_m;
                ((-0.5 * r * r).exp() - e) / (1.0 - e)
            }
            Decay::Steps(steps) => steps
                .iter()
                .find(|(bound, _)| d <= *bound)
                .map_or(0.0, |s| s.1),
        }
    }
}

/// How distances between cells and facilities are measured.
pub enum Metric<'a> {
    /// Straight-line true metres.
    Straight,
    /// Walking distance on a network, from snaps made once (`None`: off the network, reaches no
    /// one and is reached by no one).
    Walk {
        /// The network.
        net: &'a WalkNetwork,
        /// Where each cell meets it (same order as the cells).
        cell_snaps: &'a [Option<Snap>],
        /// Where each facility meets it (same order as the facilities).
        facility_snaps: &'a [Option<Snap>],
    },
}

/// The E2SFCA result of one service.
#[derive(Debug, Clone, PartialEq)]
pub struct Access {
    /// `A_i` per cell: capacity within reach per 1,000 served people.
    pub per_1000: Vec<f64>,
    /// `Σ_k P_k W(d_kj)` per facility: the distance-weighted population within its catchment.
    pub demand: Vec<f64>,
    /// `R_j = S_j / demand_j` per facility (0 when its demand is 0).
    pub ratio: Vec<f64>,
}

/// Cells within each facility's catchment with their weights, per facility, in cell-index order
/// within a facility (only weights > 0).
fn weighted_catchments(
    spec: &AccessSpec,
    frame: &Frame,
    metric: &Metric,
    cells: &[[f64; 2]],
    facilities: &[[f64; 2]],
) -> Vec<Vec<(u32, f64)>> {
    let max_x = cells
        .iter()
        .chain(facilities)
        .fold(0.0f64, |m, p| m.max(p[0].abs()));
    // Grid radius covering the catchment anywhere in the frame; on foot a little wider, since the
    // access legs are planar (a walk is never shorter than the straight line between its ends).
    let r_grid = frame.grid_len_upper(spec.catchment_m, max_x) * 1.001 + 1e-3;
    let grid = PointGrid::new(cells.to_vec(), r_grid / 2.0);
    facilities
        .par_iter()
        .enumerate()
        .map(|(j, &f)| {
            let mut out: Vec<(u32, f64)> = Vec::new();
            match metric {
                Metric::Straight => grid.near(f, r_grid, |k, c| {
                    let w = spec.weight(frame.distance(c, f));
                    if w > 0.0 {
                        out.push((k, w));
                    }
                }),
                Metric::Walk {
                    net,
                    cell_snaps,
                    facility_snaps,
                } => {
                    let Some(src) = facility_snaps[j] else {
                        return out;
                    };
                    let d = net.multi_source(&[src], spec.catchment_m);
                    grid.near(f, r_grid, |k, _| {
                        let walk = cell_snaps[k as usize]
                            .as_ref()
                            .and_then(|sn| net.walk_distance(&d, sn));
                        if let Some(w) = walk.map(|x| spec.weight(x)).filter(|&w| w > 0.0) {
                            out.push((k, w));
                        }
                    });
                }
            }
            out.sort_unstable_by_key(|p| p.0);
            out
        })
        .collect()
}

/// The E2SFCA score of every cell for one service.
///
/// `cells` and `facilities` are local-frame points; `population` is the served group per cell
/// (≥ 0), `capacity` the capacity per facility (≥ 0).
pub fn e2sfca(
    spec: &AccessSpec,
    frame: &Frame,
    metric: &Metric,
    cells: &[[f64; 2]],
    population: &[f64],
    facilities: &[[f64; 2]],
    capacity: &[f64],
) -> Access {
    let catchments = weighted_catchments(spec, frame, metric, cells, facilities);
    let demand: Vec<f64> = catchments
        .iter()
        .map(|c| c.iter().map(|&(k, w)| population[k as usize] * w).sum())
        .collect();
    let ratio: Vec<f64> = demand
        .iter()
        .zip(capacity)
        .map(|(&d, &s)| if d > 0.0 { s / d } else { 0.0 })
        .collect();
    let mut sum = vec![0.0f64; cells.len()];
    for (c, &r) in catchments.iter().zip(&ratio) {
        if r > 0.0 {
            for &(k, w) in c {
                sum[k as usize] += r * w;
            }
        }
    }
    Access {
        per_1000: sum.into_iter().map(|s| s * 1000.0).collect(),
        demand,
        ratio,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(decay: Decay) -> AccessSpec {
        AccessSpec {
            catchment_m: 3000.0,
            decay,
            on_foot: false,
        }
    }

    #[test]
    fn gaussian_is_one_at_zero_and_zero_at_the_catchment() {
        let s = spec(Decay::Gaussian);
        assert_eq!(s.weight(0.0), 1.0);
        assert!(s.weight(3000.0).abs() < 1e-15);
        assert_eq!(s.weight(3000.001), 0.0);
        // Half-way: (e^-1/8 − e^-1/2) / (1 − e^-1/2) = (0.8824969 − 0.6065307) / 0.3934693.
        approx::assert_relative_eq!(s.weight(1500.0), 0.7013666, epsilon = 1e-6);
        assert_eq!(s.weight(f64::INFINITY), 0.0);
        assert_eq!(s.weight(f64::NAN), 0.0);
    }

    #[test]
    fn steps_include_their_upper_bound() {
        let s = spec(Decay::Steps(vec![
            (1000.0, 1.0),
            (2000.0, 0.68),
            (3000.0, 0.22),
        ]));
        assert_eq!(s.weight(0.0), 1.0);
        assert_eq!(s.weight(1000.0), 1.0);
        assert_eq!(s.weight(1000.5), 0.68);
        assert_eq!(s.weight(3000.0), 0.22);
        assert_eq!(s.weight(3000.5), 0.0);
    }
}
