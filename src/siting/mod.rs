//! Facility-siting algorithms on an abstract coverage instance.
//!
//! The caller (the CLI) turns cells, existing facilities and candidate sites
//! into an [`Instance`]:
//!
//! * demand points `i` with weights `w_i >= 0` — the population of cells that
//!   are **not** already covered by existing facilities (existing facilities
//!   are kept fixed; the caller removes the demand they already cover);
//! * candidates `j`, each covering a sorted list `S_j` of demand indices
//!   (from a straight-line radius or a walking distance);
//! * optionally the administrative unit (street / town) of every candidate
//!   and a cap on the number of new sites per unit.
//!
//! On that instance the module offers
//!
//! * [`solve_mclp`] — maximal covering location (`--add N`): lazy greedy
//!   (CELF), swap local search and a Lagrangian upper bound;
//! * [`fill_blanks`] — set covering of per-unit requirements
//!   (`--fill-blanks`): greedy, redundancy removal, unfixable-unit diagnosis
//!   and a cheap lower bound;
//! * [`solve_capacitated`] — capacity-aware MCLP evaluated by max-flow;
//! * [`exact_mclp`] / [`exact_fill_blanks_min`] — enumeration for small
//!   instances (tests and validation);
//! * [`SplitMix64`] — a tiny deterministic RNG used for tie-breaking, tests
//!   and benchmarks.
//!
//! The module depends only on `std` and `rayon`.  All results are
//! deterministic: parallel work is only used for independent per-candidate
//! or fixed-chunk computations whose reduction order is fixed.

mod bound;
mod capacity;
mod exact;
mod heap;
mod instance;
mod mclp;
mod rng;
mod setcover;

#[cfg(test)]
mod tests;

pub use bound::{lagrangian_bound, BoundOptions, BoundResult};
pub use capacity::{capacitated_value, solve_capacitated, CapacitatedSolution};
pub use exact::{exact_mclp, ExactSolution, EXACT_MAX_CANDIDATES};
pub use instance::{Instance, SitingError};
pub use mclp::{
    greedy, local_search, order_greedily, solve_mclp, LocalSearchStats, MclpOptions, MclpSolution,
    MclpTimings,
};
pub use rng::SplitMix64;
pub use setcover::{
    exact_fill_blanks_min, fill_blanks, FillBlanksSolution, Unfixable, UnitProblem, UnitStatus,
    UnitTarget, NO_UNIT,
};
