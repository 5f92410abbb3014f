//! Per-area aggregation, targets and blank-spot reasons.
//!
//! Per area and service: `population` = sum of the served group over the area's cells;
//! `covered_population` = the same over covered cells; `coverage` = their ratio (none when the
//! population is 0); `facilities` = facilities of the kind located in the area; `capacity` =
//! their summed capacity; `capacity_per_1000` = capacity / population × 1000. A unit is blank
//! when a configured rule fails. Sums run sequentially in cell order, so results do not depend
//! on the number of threads.
//!
//! Zones: each unit is judged by its zone's [`Rules`] (the service's own, with the zone's
//! overrides). Official counts: when a unit has an official count (census) of the served group,
//! ratio targets (capacity per 1,000) use it instead of the grid sum. Levels: units roll up into
//! their parent unit ([`aggregate_parents`]).

use crate::area::AreaIx;
use crate::plan::{Rules, ServiceSpec};
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
    /// capacity / denominator × 1000, where the denominator is the official count when there
    /// is one (> 0), else the grid population; `None` when the denominator is 0 or no capacity.
    pub capacity_per_1000: Option<f64>,
    /// Official count of the served group (`[areas] counts`), scaled by the group's growth;
    /// `None` when none is configured or the unit's value is null.
    pub official_population: Option<f64>,
    /// capacity / grid population × 1000 (equal to `capacity_per_1000` without official counts).
    pub capacity_per_1000_grid: Option<f64>,
    /// Failed rules and notes, in a fixed order.
    pub reasons: Vec<Reason>,
    /// E2SFCA figures (`None` when the service has no `access` setting, or for figures
    /// recomputed without it, such as `sites`' after-figures).
    pub access: Option<AreaAccess>,
}

/// E2SFCA figures of one area and service ([`aggregate_access`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AreaAccess {
    /// Population-weighted mean of the cells' access per 1,000 served people; `None` when the
    /// served population is 0.
    pub per_1000: Option<f64>,
    /// Share of the served population in cells whose access is below the service's
    /// `capacity_per_1000`; `None` without that target or when the population is 0.
    pub share_below_target: Option<f64>,
}

/// Per-area E2SFCA figures from the per-cell scores (sequential sums in cell order).
pub fn aggregate_access(
    n_areas: usize,
    values: &[f64],
    cell_area: &[Option<AreaIx>],
    per_1000: &[f64],
    target: Option<f64>,
) -> Vec<AreaAccess> {
    let mut pop = vec![0.0f64; n_areas];
    let mut weighted = vec![0.0f64; n_areas];
    let mut below = vec![0.0f64; n_areas];
    for ((a, &v), &x) in cell_area.iter().zip(values).zip(per_1000) {
        if let Some(a) = a {
            let i = a.0 as usize;
            pop[i] += v;
            weighted[i] += v * x;
            if target.is_some_and(|t| x < t) {
                below[i] += v;
            }
        }
    }
    (0..n_areas)
        .map(|i| {
            let has_pop = pop[i] > 0.0;
            AreaAccess {
                per_1000: has_pop.then(|| weighted[i] / pop[i]),
                share_below_target: target.filter(|_| has_pop).map(|_| below[i] / pop[i]),
            }
        })
        .collect()
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

    /// The population ratio targets divide by: the official count when it is > 0, else the grid
    /// sum.
    pub fn denominator(&self) -> f64 {
        self.official_population
            .filter(|&o| o > 0.0)
            .unwrap_or(self.population)
    }
}

/// Applies `rules` to one unit's figures: the reasons, in a fixed order.
fn judge(
    rules: &Rules,
    population: f64,
    judged_coverage: Option<f64>,
    facilities: u32,
    capacity_per_1000: Option<f64>,
) -> Vec<Reason> {
    let mut reasons = Vec::new();
    if rules.min_per_area.is_some_and(|m| facilities < m) {
        reasons.push(Reason::NoFacility);
    }
    if population <= 0.0 {
        reasons.push(Reason::NoPopulation);
    } else {
        if let (Some(t), Some(c)) = (rules.coverage_target, judged_coverage) {
            if c < t {
                reasons.push(Reason::CoverageBelowTarget);
            }
        }
        if let Some(t) = rules.capacity_per_1000 {
            if capacity_per_1000.unwrap_or(0.0) < t {
                reasons.push(Reason::CapacityBelowTarget);
            }
        }
    }
    reasons
}

/// Per-unit rules and official counts for [`aggregate_with`].
pub struct UnitRules<'a> {
    /// Rules per area (area index order).
    pub rules: &'a [Rules],
    /// Official count of the served group per area, when the plan names one.
    pub official: Option<&'a [Option<f64>]>,
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

/// Aggregates one service over `n_areas` areas (in area index order), every unit judged by the
/// service's own rules.
pub fn aggregate(n_areas: usize, inp: &ServiceInput) -> Vec<AreaStats> {
    let rules = vec![inp.spec.rules(None); n_areas];
    aggregate_with(
        n_areas,
        inp,
        &UnitRules {
            rules: &rules,
            official: None,
        },
    )
}

/// [`aggregate`] with per-unit rules (zones) and official counts.
pub fn aggregate_with(n_areas: usize, inp: &ServiceInput, units: &UnitRules) -> Vec<AreaStats> {
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
            let official_population = units.official.and_then(|o| o[i]);
            let denominator = official_population
                .filter(|&o| o > 0.0)
                .unwrap_or(population);
            let per_1000 = |d: f64| capacity.filter(|_| d > 0.0).map(|c| c / d * 1000.0);
            let capacity_per_1000 = per_1000(denominator);
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
                official_population,
                capacity_per_1000_grid: per_1000(population),
                reasons: judge(
                    &units.rules[i],
                    population,
                    judged,
                    nfac[i],
                    capacity_per_1000,
                ),
                access: None,
            }
        })
        .collect()
}

/// Figures of one parent unit (district) for one service.
#[derive(Debug, Clone, PartialEq)]
pub struct ParentStats {
    /// The parent's name or code, as the areas' parent property gives it.
    pub parent: String,
    /// Units in it.
    pub units: u32,
    /// Of those, units blank for this service.
    pub units_blank: u32,
    /// Sums over its units (`area` is the first unit's index); ratios recomputed from the sums
    /// and the service's own rules (not zone overrides) applied to them.
    pub figures: AreaStats,
}

/// Rolls unit figures up into parent units, sorted by parent (as text). Sums: population,
/// covered (straight line and on foot), facilities, capacity; the official population is the
/// sum of each unit's denominator (its official count, or its grid sum where that is missing)
/// when any unit has an official count. Units without a parent are left out.
pub fn aggregate_parents(
    stats: &[AreaStats],
    parent: &[Option<String>],
    rules: &Rules,
) -> Vec<ParentStats> {
    let mut names: Vec<&str> = parent.iter().flatten().map(String::as_str).collect();
    names.sort_unstable();
    names.dedup();
    names
        .into_iter()
        .map(|name| {
            let kids: Vec<&AreaStats> = stats
                .iter()
                .zip(parent)
                .filter(|(_, p)| p.as_deref() == Some(name))
                .map(|(s, _)| s)
                .collect();
            let population: f64 = kids.iter().map(|k| k.population).sum();
            let covered: f64 = kids.iter().map(|k| k.covered).sum();
            let sum_opt = |f: &dyn Fn(&AreaStats) -> Option<f64>| -> Option<f64> {
                kids.iter()
                    .any(|k| f(k).is_some())
                    .then(|| kids.iter().filter_map(|k| f(k)).sum())
            };
            let network_covered = sum_opt(&|k| k.network_covered);
            let capacity = sum_opt(&|k| k.capacity);
            let official_population = kids
                .iter()
                .any(|k| k.official_population.is_some())
                .then(|| kids.iter().map(|k| k.denominator()).sum::<f64>());
            let facilities: u32 = kids.iter().map(|k| k.facilities).sum();
            let has_pop = population > 0.0;
            let coverage = has_pop.then(|| covered / population);
            let network_coverage = network_covered.filter(|_| has_pop).map(|w| w / population);
            let denominator = official_population
                .filter(|&o| o > 0.0)
                .unwrap_or(population);
            let per_1000 = |d: f64| capacity.filter(|_| d > 0.0).map(|c| c / d * 1000.0);
            let capacity_per_1000 = per_1000(denominator);
            let judged = if network_covered.is_some() {
                network_coverage
            } else {
                coverage
            };
            ParentStats {
                parent: name.to_owned(),
                units: kids.len() as u32,
                units_blank: kids.iter().filter(|k| k.blank()).count() as u32,
                figures: AreaStats {
                    area: kids[0].area,
                    population,
                    covered,
                    coverage,
                    network_covered,
                    network_coverage,
                    facilities,
                    capacity,
                    capacity_per_1000,
                    official_population,
                    capacity_per_1000_grid: per_1000(population),
                    reasons: judge(rules, population, judged, facilities, capacity_per_1000),
                    access: None,
                },
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
            access: None,
            zones: Vec::new(),
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

    /// Weighted mean and share below target, by hand: area 0 has cells (P 10, A 4) and (P 30,
    /// A 8): mean (40 + 240) / 40 = 7, below 7: the first cell, 10 / 40 = 0.25. A cell exactly at
    /// the target is not below it. Area 1 has only a zero-population cell: no figures.
    #[test]
    fn access_mean_and_share_below_target() {
        let cell_area = [Some(AreaIx(0)), Some(AreaIx(0)), Some(AreaIx(1)), None];
        let out = aggregate_access(
            2,
            &[10.0, 30.0, 0.0, 50.0],
            &cell_area,
            &[4.0, 8.0, 1.0, 0.0],
            Some(7.0),
        );
        assert_eq!(out[0].per_1000, Some(7.0));
        assert_eq!(out[0].share_below_target, Some(0.25));
        assert_eq!(out[1].per_1000, None);
        assert_eq!(out[1].share_below_target, None);
        let at = aggregate_access(1, &[1.0], &cell_area[..1], &[7.0], Some(7.0));
        assert_eq!(at[0].share_below_target, Some(0.0));
        let none = aggregate_access(1, &[1.0], &cell_area[..1], &[7.0], None);
        assert_eq!(
            (none[0].per_1000, none[0].share_below_target),
            (Some(7.0), None)
        );
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
