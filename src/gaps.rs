//! Per-area aggregation, targets and blank-spot reasons.
//!
//! Per area and service: `population` = sum of the served group over the area's cells;
//! `covered_population` = the same over covered cells; `coverage` = their ratio (none when the
//! population is 0); `facilities` = facilities of the kind located in the area; `capacity` =
//! their summed capacity; `capacity_per_1000` = capacity / population × 1000. A unit is blank
//! when a configured rule fails. Sums run sequentially in cell order, so results do not depend
//! on the number of threads.

use crate::area::AreaIx;
use crate::plan::ServiceSpec;
use serde::Serialize;

/// Why a unit is flagged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// Fewer facilities than `min_per_area`.
    NoFacility,
    /// Served population is 0 (coverage and capacity rules do not apply).
    NoPopulation,
    /// Covered share below `coverage_target`.
    CoverageBelowTarget,
    /// Capacity per 1,000 served people below `capacity_per_1000`.
    CapacityBelowTarget,
}

impl Reason {
    /// The code written in `areas.csv`.
    pub fn code(self) -> &'static str {
        match self {
            Reason::NoFacility => "no_facility",
            Reason::NoPopulation => "no_population",
            Reason::CoverageBelowTarget => "coverage_below_target",
            Reason::CapacityBelowTarget => "capacity_below_target",
        }
    }
    /// True for reasons that make a unit blank (`no_population` alone does not).
    pub fn is_failure(self) -> bool {
        !matches!(self, Reason::NoPopulation)
    }
}

/// Figures for one area and one service.
#[derive(Debug, Clone, PartialEq)]
pub struct AreaStats {
    /// The area.
    pub area: AreaIx,
    /// Served population.
    pub population: f64,
    /// Served population in covered cells.
    pub covered: f64,
    /// covered / population; `None` when population is 0.
    pub coverage: Option<f64>,
    /// Served population within the walking budget (`None` without a network).
    pub network_covered: Option<f64>,
    /// network_covered / population; `None` without a network or when population is 0.
    pub network_coverage: Option<f64>,
    /// Facilities of the kind located in the area.
    pub facilities: u32,
    /// Their summed capacity (`None` when the kind carries no capacity).
    pub capacity: Option<f64>,
    /// capacity / population × 1000; `None` when population is 0 or no capacity.
    pub capacity_per_1000: Option<f64>,
    /// Failed rules and notes, in a fixed order.
    pub reasons: Vec<Reason>,
}

impl AreaStats {
    /// The covered population the rules judge by: on foot with a network, else straight line.
    pub fn judged_covered(&self) -> f64 {
        self.network_covered.unwrap_or(self.covered)
    }

    /// True when any configured rule fails.
    pub fn blank(&self) -> bool {
        self.reasons.iter().any(|r| r.is_failure())
    }
}

/// Inputs for one service's aggregation.
pub struct ServiceInput<'a> {
    /// The service rules.
    pub spec: &'a ServiceSpec,
    /// Served group value per cell.
    pub values: &'a [f64],
    /// Covered flag per cell (straight line).
    pub covered: &'a [bool],
    /// Covered-on-foot flag per cell, when the plan has a network; the coverage rule then uses it.
    pub walk_covered: Option<&'a [bool]>,
    /// Area per cell (`None` = unassigned).
    pub cell_area: &'a [Option<AreaIx>],
    /// Area per facility of this kind.
    pub facility_area: &'a [Option<AreaIx>],
    /// Capacity per facility of this kind (`None` when the kind has no capacity data at all).
    pub facility_capacity: Option<&'a [f64]>,
}

/// Aggregates one service over `n_areas` areas (in area index order).
pub fn aggregate(n_areas: usize, inp: &ServiceInput) -> Vec<AreaStats> {
    let mut pop = vec![0.0f64; n_areas];
    let mut cov = vec![0.0f64; n_areas];
    for ((a, &v), &c) in inp.cell_area.iter().zip(inp.values).zip(inp.covered) {
        if let Some(a) = a {
            pop[a.0 as usize] += v;
            if c {
                cov[a.0 as usize] += v;
            }
        }
    }
    let walk: Option<Vec<f64>> = inp.walk_covered.map(|w| {
        let mut wc = vec![0.0f64; n_areas];
        for ((a, &v), &c) in inp.cell_area.iter().zip(inp.values).zip(w) {
            if let (Some(a), true) = (a, c) {
                wc[a.0 as usize] += v;
            }
        }
        wc
    });
    let mut nfac = vec![0u32; n_areas];
    let mut cap = vec![0.0f64; n_areas];
    for (i, a) in inp.facility_area.iter().enumerate() {
        if let Some(a) = a {
            nfac[a.0 as usize] += 1;
            if let Some(c) = inp.facility_capacity {
                cap[a.0 as usize] += c[i];
            }
        }
    }
    let s = inp.spec;
    (0..n_areas)
        .map(|i| {
            let population = pop[i];
            let has_pop = population > 0.0;
            let coverage = has_pop.then(|| cov[i] / population);
            let network_covered = walk.as_ref().map(|w| w[i]);
            let network_coverage = network_covered.filter(|_| has_pop).map(|w| w / population);
            // With a network, the rule is judged on foot.
            let judged = if walk.is_some() {
                network_coverage
            } else {
                coverage
            };
            let capacity = inp.facility_capacity.map(|_| cap[i]);
            let capacity_per_1000 = capacity
                .filter(|_| has_pop)
                .map(|c| c / population * 1000.0);
            let mut reasons = Vec::new();
            if s.min_per_area.is_some_and(|m| nfac[i] < m) {
                reasons.push(Reason::NoFacility);
            }
            if !has_pop {
                reasons.push(Reason::NoPopulation);
            } else {
                if let (Some(t), Some(c)) = (s.coverage_target, judged) {
                    if c < t {
                        reasons.push(Reason::CoverageBelowTarget);
                    }
                }
                if let Some(t) = s.capacity_per_1000 {
                    if capacity_per_1000.unwrap_or(0.0) < t {
                        reasons.push(Reason::CapacityBelowTarget);
                    }
                }
            }
            AreaStats {
                area: AreaIx(i as u32),
                population,
                covered: cov[i],
                coverage,
                network_covered,
                network_coverage,
                facilities: nfac[i],
                capacity,
                capacity_per_1000,
                reasons,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> ServiceSpec {
        ServiceSpec {
            id: "s".into(),
            kind: "s".into(),
            serves: "g".into(),
            group: 0,
            radius_m: 1000.0,
            min_per_area: Some(1),
            coverage_target: Some(0.9),
            capacity_per_1000: Some(7.0),
            minutes: 15.0,
            speed_kmh: 4.0,
            source: None,
        }
    }

    #[test]
    fn rules_by_hand() {
        let s = spec();
        // Area 0: cells 10 (covered) + 30 (not) -> coverage 0.25; one facility of capacity 0.2
        // -> 0.2/40*1000 = 5 per 1000 < 7. Area 1: no population, no facility.
        // Area 2: 100 covered, facility capacity 1 -> 10 per 1000: passes.
        let values = [10.0, 30.0, 100.0, 5.0];
        let covered = [true, false, true, true];
        let cell_area = [Some(AreaIx(0)), Some(AreaIx(0)), Some(AreaIx(2)), None];
        let fac_area = [Some(AreaIx(0)), Some(AreaIx(2)), None];
        let caps = [0.2, 1.0, 50.0];
        let out = aggregate(
            3,
            &ServiceInput {
                spec: &s,
                values: &values,
                covered: &covered,
                walk_covered: None,
                cell_area: &cell_area,
                facility_area: &fac_area,
                facility_capacity: Some(&caps),
            },
        );
        assert_eq!(out[0].population, 40.0);
        assert_eq!(out[0].covered, 10.0);
        assert_eq!(out[0].coverage, Some(0.25));
        assert!((out[0].capacity_per_1000.unwrap() - 5.0).abs() < 1e-12);
        assert_eq!(
            out[0].reasons,
            vec![Reason::CoverageBelowTarget, Reason::CapacityBelowTarget]
        );
        assert!(out[0].blank());
        assert_eq!(
            out[1].reasons,
            vec![Reason::NoFacility, Reason::NoPopulation]
        );
        assert_eq!(out[1].coverage, None);
        assert_eq!(out[1].capacity_per_1000, None);
        assert!(out[1].blank());
        assert_eq!(out[2].reasons, vec![]);
        assert!(!out[2].blank());
    }

    /// With a network the coverage rule uses the walking figure: covered in a straight line but
    /// not on foot fails the target.
    #[test]
    fn walking_figures_decide_with_a_network() {
        let mut s = spec();
        s.capacity_per_1000 = None;
        s.min_per_area = None;
        let inp = ServiceInput {
            spec: &s,
            values: &[10.0, 10.0],
            covered: &[true, true],
            walk_covered: Some(&[true, false]),
            cell_area: &[Some(AreaIx(0)); 2],
            facility_area: &[],
            facility_capacity: None,
        };
        let out = aggregate(1, &inp);
        assert_eq!(out[0].coverage, Some(1.0));
        assert_eq!(out[0].network_covered, Some(10.0));
        assert_eq!(out[0].network_coverage, Some(0.5));
        assert_eq!(out[0].reasons, vec![Reason::CoverageBelowTarget]);
    }

    #[test]
    fn no_population_alone_is_not_blank() {
        let mut s = spec();
        s.min_per_area = None;
        let out = aggregate(
            1,
            &ServiceInput {
                spec: &s,
                values: &[],
                covered: &[],
                walk_covered: None,
                cell_area: &[],
                facility_area: &[],
                facility_capacity: None,
            },
        );
        assert_eq!(out[0].reasons, vec![Reason::NoPopulation]);
        assert!(!out[0].blank());
    }

    #[test]
    fn coverage_exactly_at_target_passes() {
        let mut s = spec();
        s.coverage_target = Some(0.5);
        s.capacity_per_1000 = None;
        let out = aggregate(
            1,
            &ServiceInput {
                spec: &s,
                values: &[1.0, 1.0],
                covered: &[true, false],
                walk_covered: None,
                cell_area: &[Some(AreaIx(0)); 2],
                facility_area: &[Some(AreaIx(0))],
                facility_capacity: None,
            },
        );
        assert!(!out[0].blank());
    }
}
