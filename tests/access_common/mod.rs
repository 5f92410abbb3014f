//! Helpers shared by the E2SFCA tests (tests/access.rs and tests/shared_data/access.rs): the
//! all-pairs computation, tolerance checks, conservation of supply, and a real-analysis check.

#![allow(dead_code)]

use carecircle::access::{Access, AccessSpec};
use carecircle::analyze::{self, Analysis, Options, Quiet};
use carecircle::Plan;

pub struct Rng(pub u64);
impl Rng {
    pub fn f(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// The obviously correct version: every cell against every facility, `dist(cell, facility)`
/// giving the distance (`None`: unreachable).
pub fn brute(
    spec: &AccessSpec,
    population: &[f64],
    capacity: &[f64],
    dist: impl Fn(usize, usize) -> Option<f64>,
) -> Access {
    let (nc, nf) = (population.len(), capacity.len());
    let w = |k: usize, j: usize| dist(k, j).map_or(0.0, |d| spec.weight(d));
    let demand: Vec<f64> = (0..nf)
        .map(|j| (0..nc).map(|k| population[k] * w(k, j)).sum())
        .collect();
    let ratio: Vec<f64> = (0..nf)
        .map(|j| {
            if demand[j] > 0.0 {
                capacity[j] / demand[j]
            } else {
                0.0
            }
        })
        .collect();
    let per_1000 = (0..nc)
        .map(|i| 1000.0 * (0..nf).map(|j| ratio[j] * w(i, j)).sum::<f64>())
        .collect();
    Access {
        per_1000,
        demand,
        ratio,
    }
}

pub fn assert_close(got: &[f64], want: &[f64], rel: f64, what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        let tol = rel * w.abs().max(1e-12);
        assert!((g - w).abs() <= tol, "{what}[{i}]: got {g}, want {w}");
    }
}

/// Σ_i A_i P_i / 1000 = Σ_j S_j over facilities with anyone in their catchment.
pub fn assert_conserved(acc: &Access, population: &[f64], capacity: &[f64], rel: f64) {
    let consumed: f64 = acc
        .per_1000
        .iter()
        .zip(population)
        .map(|(a, p)| a * p / 1000.0)
        .sum();
    let within: f64 = capacity
        .iter()
        .zip(&acc.demand)
        .filter(|(_, d)| **d > 0.0)
        .map(|(s, _)| s)
        .sum();
    assert!(within > 0.0, "some capacity is within reach");
    assert!(
        (consumed - within).abs() <= rel * within,
        "consumed {consumed} vs capacity within reach {within}"
    );
}

pub fn run(plan: Plan) -> Analysis {
    analyze::run(
        plan,
        &Options {
            exact_distances: false,
            progress: &Quiet,
        },
    )
    .unwrap()
}

/// Brute force and conservation for one service of a real analysis.
pub fn check_real(a: &Analysis, service: &str) {
    let s = a.services.iter().find(|s| s.spec.id == service).unwrap();
    let spec = s.spec.access.as_ref().unwrap();
    let acc = s.access.as_ref().expect("access computed");
    let pop = &a.cells.values[s.spec.group];
    let cap: Vec<f64> = s
        .facilities
        .iter()
        .map(|&i| a.facilities[i as usize].capacity.unwrap_or(0.0))
        .collect();
    let fac: Vec<[f64; 2]> = s
        .facilities
        .iter()
        .map(|&i| {
            let p = a.facilities[i as usize].lonlat;
            a.frame.to_local(p[0], p[1])
        })
        .collect();
    let cells = &a.cells.local;
    let want = if spec.on_foot {
        let n = a.network.as_ref().unwrap();
        let w = s.walk.as_ref().unwrap();
        let searches: Vec<_> = w
            .facility_snaps
            .iter()
            .map(|sn| sn.map(|sn| n.net.multi_source(&[sn], spec.catchment_m)))
            .collect();
        brute(spec, pop, &cap, |k, j| {
            let (d, c) = (searches[j].as_ref()?, n.cell_snaps[k].as_ref()?);
            n.net.walk_distance(d, c)
        })
    } else {
        brute(spec, pop, &cap, |k, j| {
            Some(a.frame.distance(cells[k], fac[j]))
        })
    };
    assert_close(&acc.demand, &want.demand, 1e-9, "demand");
    assert_close(&acc.per_1000, &want.per_1000, 1e-9, "per_1000");
    assert_conserved(acc, pop, &cap, 1e-9);
}
