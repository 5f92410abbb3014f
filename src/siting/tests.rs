//! Unit tests of the siting module (travel with the module).

use super::*;

/// Random instance: demand points and candidates in a unit square, cover
/// radius `r`, weights in [0, 5) (a few exactly 0), optional caps.
fn random_instance(rng: &mut SplitMix64, caps: bool) -> (Instance, usize) {
    let nc = rng.range(8, 16) as usize;
    let nd = rng.range(20, 60) as usize;
    let p = rng.range(1, 5) as usize;
    let r = 0.15 + 0.2 * rng.next_f64();
    let dem: Vec<(f64, f64)> = (0..nd).map(|_| (rng.next_f64(), rng.next_f64())).collect();
    let weights: Vec<f64> = (0..nd)
        .map(|_| {
            if rng.range(0, 9) == 0 {
                0.0
            } else {
                5.0 * rng.next_f64()
            }
        })
        .collect();
    let covers: Vec<Vec<u32>> = (0..nc)
        .map(|_| {
            let (x, y) = (rng.next_f64(), rng.next_f64());
            (0..nd as u32)
                .filter(|&i| {
                    let (a, b) = dem[i as usize];
                    (a - x).powi(2) + (b - y).powi(2) <= r * r
                })
                .collect()
        })
        .collect();
    let inst = Instance::new(weights, covers).unwrap();
    if caps {
        let ng = rng.range(2, 4);
        let groups: Vec<u32> = (0..nc).map(|_| 100 + rng.range(0, ng - 1) as u32).collect();
        let k = rng.range(1, 2) as u32;
        (inst.with_group_caps(groups, Some(k)).unwrap(), p)
    } else {
        (inst, p)
    }
}

fn tol(x: f64) -> f64 {
    1e-9 * (1.0 + x.abs())
}

#[test]
fn mclp_random_invariants_against_exact() {
    let mut rng = SplitMix64::new(2024);
    let e = 1.0 - (-1.0f64).exp();
    let mut worst_ratio: f64 = 1.0;
    let mut ls_improved = 0;
    let mut n_cases = 0;
    let mut optimal = 0;
    let mut worst_gap: f64 = 0.0;
    for case in 0..400 {
        let caps = case % 3 == 2;
        let (inst, p) = random_instance(&mut rng, caps);
        let ex = exact_mclp(&inst, p).unwrap();
        let opt = ex.objective;
        assert!(inst.is_feasible(&ex.sites, p));
        let mut opts = MclpOptions::new(p);
        opts.seed = if case % 2 == 0 {
            None
        } else {
            Some(case as u64)
        };
        let sol = solve_mclp(&inst, &opts);
        n_cases += 1;
        assert!(inst.is_feasible(&sol.sites, p), "case {case}: infeasible");
        assert!(
            sol.bound + tol(opt) >= opt,
            "case {case}: bound {} < opt {opt}",
            sol.bound
        );
        assert!(
            sol.lagrangian_bound + tol(opt) >= opt,
            "case {case}: lagrangian {} < opt {opt}",
            sol.lagrangian_bound
        );
        assert!(
            opt + tol(opt) >= sol.objective,
            "case {case}: objective {} > opt {opt}",
            sol.objective
        );
        assert!(
            sol.objective + tol(opt) >= sol.greedy_objective,
            "case {case}"
        );
        let g = greedy(&inst, p, opts.seed);
        assert!((inst.coverage(&g) - sol.greedy_objective).abs() <= tol(opt));
        if !caps {
            assert!(
                sol.greedy_objective + tol(opt) >= e * opt,
                "case {case}: greedy {} < (1-1/e) opt {opt}",
                sol.greedy_objective
            );
            if opt > 0.0 {
                worst_ratio = worst_ratio.min(sol.greedy_objective / opt);
            }
        }
        let s: f64 = sol.new_covered.iter().sum();
        assert!((s - sol.objective).abs() <= tol(opt), "case {case}");
        assert_eq!(sol.new_covered.len(), sol.sites.len());
        // Greedy order: non-increasing marginal gains.
        for k in 1..sol.new_covered.len() {
            assert!(sol.new_covered[k] <= sol.new_covered[k - 1] + tol(opt));
        }
        assert!(sol.gap >= 0.0 && sol.gap <= 1.0);
        if sol.objective > sol.greedy_objective + tol(opt) {
            ls_improved += 1;
        }
        if sol.objective + tol(opt) >= opt {
            optimal += 1;
        }
        worst_gap = worst_gap.max(sol.gap);
        // Determinism.
        let again = solve_mclp(&inst, &opts);
        assert_eq!(again.sites, sol.sites);
        assert_eq!(again.objective, sol.objective);
        assert_eq!(again.bound, sol.bound);
    }
    eprintln!(
        "{n_cases} cases: heuristic optimal in {optimal}, worst greedy/opt without caps {worst_ratio:.4}, improved over greedy {ls_improved}, worst reported gap {worst_gap:.4}"
    );
}

#[test]
fn local_search_reaches_swap_optimum() {
    // After local search no single swap improves (checked by brute force).
    let mut rng = SplitMix64::new(77);
    for case in 0..150 {
        let (inst, p) = random_instance(&mut rng, case % 2 == 1);
        let g = greedy(&inst, p, None);
        let (s, _) = local_search(&inst, &g, p, None, 10_000);
        let v = inst.coverage(&s);
        assert!(v + tol(v) >= inst.coverage(&g));
        for pos in 0..s.len() {
            for b in 0..inst.n_candidates() as u32 {
                if s.contains(&b) {
                    continue;
                }
                let mut t = s.clone();
                t[pos] = b;
                if inst.is_feasible(&t, p) {
                    assert!(
                        inst.coverage(&t) <= v + tol(v),
                        "case {case}: improving swap"
                    );
                }
            }
        }
    }
}

#[test]
fn local_search_fixes_greedy_trap() {
    // Classic trap: the biggest candidate overlaps two disjoint ones.
    // Demand 0..4 weight 1 each. A covers {1,2} plus 0.5-weight points,
    // B covers {0,1}, C covers {2,3}; greedy with p = 2 picks A first.
    let weights = vec![1.0, 1.0, 1.0, 1.0, 0.5];
    let covers = vec![vec![1, 2, 4], vec![0, 1], vec![2, 3]];
    let inst = Instance::new(weights, covers).unwrap();
    let g = greedy(&inst, 2, None);
    assert_eq!(g[0], 0);
    let sol = solve_mclp(&inst, &MclpOptions::new(2));
    let ex = exact_mclp(&inst, 2).unwrap();
    assert!((sol.objective - ex.objective).abs() < 1e-12);
    assert!((sol.objective - 4.0).abs() < 1e-12, "{sol:?}");
    assert!(sol.greedy_objective < sol.objective);
    assert!(sol.local_search.swaps >= 1);
}

#[test]
fn group_caps_are_respected() {
    // Two strong candidates in the same unit with cap 1.
    let weights = vec![5.0, 5.0, 1.0];
    let covers = vec![vec![0], vec![1], vec![2]];
    let inst = Instance::new(weights, covers)
        .unwrap()
        .with_group_caps(vec![7, 7, 9], Some(1))
        .unwrap();
    let sol = solve_mclp(&inst, &MclpOptions::new(3));
    assert_eq!(sol.sites.len(), 2);
    assert!((sol.objective - 6.0).abs() < 1e-12);
    assert!(
        sol.bound >= 6.0 - 1e-12 && sol.bound <= 6.0 + 1e-9,
        "{}",
        sol.bound
    );
    assert_eq!(inst.candidate_group(2), Some(9));
}

#[test]
fn invalid_input_is_rejected() {
    assert!(Instance::new(vec![1.0, -1.0], vec![]).is_err());
    assert!(Instance::new(vec![1.0, f64::NAN], vec![]).is_err());
    assert!(Instance::new(vec![1.0], vec![vec![1]]).is_err());
    assert!(Instance::new(vec![1.0, 1.0], vec![vec![1, 0]]).is_err());
    assert!(Instance::new(vec![1.0, 1.0], vec![vec![0, 0]]).is_err());
    let inst = Instance::new(vec![1.0], vec![vec![0]]).unwrap();
    assert!(inst.clone().with_group_caps(vec![], Some(1)).is_err());
    let big = Instance::new(vec![1.0], vec![vec![0]; 40]).unwrap();
    assert!(exact_mclp(&big, 2).is_err());
}

#[test]
fn degenerate_instances() {
    let inst = Instance::new(vec![1.0, 2.0], vec![vec![], vec![]]).unwrap();
    let sol = solve_mclp(&inst, &MclpOptions::new(2));
    assert!(sol.sites.is_empty());
    assert_eq!(sol.objective, 0.0);
    assert_eq!(sol.bound, 0.0);
    let inst = Instance::new(vec![1.0, 2.0], vec![vec![0, 1]]).unwrap();
    let sol = solve_mclp(&inst, &MclpOptions::new(5));
    assert_eq!(sol.sites, vec![0]);
    assert_eq!(sol.objective, 3.0);
    assert_eq!(sol.gap, 0.0);
    let sol = solve_mclp(&inst, &MclpOptions::new(0));
    assert!(sol.sites.is_empty());
}

// ---------------------------------------------------------------- set cover

fn random_unit_problem(rng: &mut SplitMix64) -> (Instance, Vec<u32>, Vec<u32>, Vec<UnitTarget>) {
    let nc = rng.range(4, 12) as usize;
    let nd = rng.range(10, 40) as usize;
    let nu = rng.range(2, 5) as usize;
    let r = 0.15 + 0.2 * rng.next_f64();
    // Units are vertical strips; one strip may have no candidate.
    let unit_of = |x: f64| ((x * nu as f64) as usize).min(nu - 1) as u32;
    let dem: Vec<(f64, f64)> = (0..nd).map(|_| (rng.next_f64(), rng.next_f64())).collect();
    let weights: Vec<f64> = (0..nd).map(|_| (rng.range(0, 5)) as f64).collect();
    let cand: Vec<(f64, f64)> = (0..nc).map(|_| (rng.next_f64(), rng.next_f64())).collect();
    let covers: Vec<Vec<u32>> = cand
        .iter()
        .map(|&(x, y)| {
            (0..nd as u32)
                .filter(|&i| {
                    let (a, b) = dem[i as usize];
                    (a - x).powi(2) + (b - y).powi(2) <= r * r
                })
                .collect()
        })
        .collect();
    let demand_unit: Vec<u32> = dem.iter().map(|&(x, _)| unit_of(x)).collect();
    let candidate_unit: Vec<u32> = cand.iter().map(|&(x, _)| unit_of(x)).collect();
    let targets: Vec<UnitTarget> = (0..nu)
        .map(|u| {
            let pop: f64 = (0..nd)
                .filter(|&i| demand_unit[i] == u as u32)
                .map(|i| weights[i])
                .sum();
            let existing = rng.range(0, 2) as u32;
            let target = match rng.range(0, 3) {
                0 => None,
                _ => Some(0.2 + 0.6 * rng.next_f64()),
            };
            let already = pop * 0.1 * rng.next_f64();
            UnitTarget::from_rules(
                existing,
                Some(1 + rng.range(0, 1) as u32),
                pop,
                already,
                target,
            )
        })
        .collect();
    (
        Instance::new(weights, covers).unwrap(),
        demand_unit,
        candidate_unit,
        targets,
    )
}

#[test]
fn fill_blanks_random_against_exact() {
    let mut rng = SplitMix64::new(99);
    let mut worst: f64 = 1.0;
    let mut unfixable_seen = 0;
    let mut sum_ratio = 0.0;
    let mut counted = 0;
    for case in 0..300 {
        let (inst, du, cu, targets) = random_unit_problem(&mut rng);
        let pb = UnitProblem {
            instance: &inst,
            demand_unit: &du,
            candidate_unit: &cu,
            targets: &targets,
        };
        let sol = fill_blanks(&pb, None).unwrap();
        // Every requirement that is not reported unfixable is satisfied,
        // and reported-unfixable ones really are unsatisfiable.
        let all: Vec<u32> = (0..inst.n_candidates() as u32).collect();
        let w = inst.weights();
        for st in &sol.units {
            let u = st.unit as usize;
            let inside_all = cu.iter().filter(|&&c| c == st.unit).count() as u32;
            let reach_all: f64 = (0..inst.n_demand())
                .filter(|&i| du[i] == st.unit && !inst.coverers(i).is_empty())
                .map(|i| w[i])
                .sum();
            let sites_ok = inside_all >= targets[u].sites_inside;
            let cov_ok = reach_all >= targets[u].coverage_needed * (1.0 - 1e-9);
            assert_eq!(st.unfixable.is_empty(), sites_ok && cov_ok, "case {case}");
            if sites_ok {
                assert!(st.sites_inside >= targets[u].sites_inside, "case {case}");
            }
            if cov_ok {
                assert!(
                    st.coverage_added >= targets[u].coverage_needed * (1.0 - 1e-9),
                    "case {case}"
                );
            }
            if !st.unfixable.is_empty() {
                unfixable_seen += 1;
            }
        }
        // Independently recomputed per-unit coverage of the chosen sites.
        let mut covered = vec![false; inst.n_demand()];
        for &j in &sol.sites {
            for &i in inst.covers(j as usize) {
                covered[i as usize] = true;
            }
        }
        for st in &sol.units {
            let c: f64 = (0..inst.n_demand())
                .filter(|&i| covered[i] && du[i] == st.unit)
                .map(|i| w[i])
                .sum();
            assert!((c - st.coverage_added).abs() < 1e-9, "case {case}");
        }
        // No redundant site: removing any one breaks a satisfiable rule.
        for k in 0..sol.sites.len() {
            let mut t = sol.sites.clone();
            t.remove(k);
            let sub = fill_blanks_check(&pb, &t);
            assert!(!sub, "case {case}: site {} redundant", sol.sites[k]);
        }
        assert!(fill_blanks_check(&pb, &sol.sites), "case {case}");
        let _ = all;
        let ex = exact_fill_blanks_min(&pb).unwrap();
        assert!(fill_blanks_check(&pb, &ex));
        assert!(ex.len() <= sol.sites.len(), "case {case}");
        assert!(
            sol.lower_bound <= ex.len(),
            "case {case}: LB {} > opt {}",
            sol.lower_bound,
            ex.len()
        );
        if !ex.is_empty() {
            let ratio = sol.sites.len() as f64 / ex.len() as f64;
            let m = (inst.n_demand() + targets.len()) as f64;
            assert!(ratio <= 1.0 + m.ln(), "case {case}: ratio {ratio}");
            worst = worst.max(ratio);
            sum_ratio += ratio;
            counted += 1;
        } else {
            assert!(sol.sites.is_empty());
        }
    }
    eprintln!(
        "fill-blanks: worst greedy/exact site ratio {worst:.3}, mean {:.3} over {counted}; units with unfixable rules {unfixable_seen}",
        sum_ratio / counted.max(1) as f64
    );
    assert!(
        unfixable_seen > 0,
        "generator never produced an unfixable unit"
    );
}

/// Independent check: do `sites` meet every satisfiable requirement?
fn fill_blanks_check(pb: &UnitProblem<'_>, sites: &[u32]) -> bool {
    let inst = pb.instance;
    let w = inst.weights();
    let mut covered = vec![false; inst.n_demand()];
    for &j in sites {
        for &i in inst.covers(j as usize) {
            covered[i as usize] = true;
        }
    }
    pb.targets.iter().enumerate().all(|(u, t)| {
        let u32u = u as u32;
        let inside_all = pb.candidate_unit.iter().filter(|&&c| c == u32u).count() as u32;
        let inside = sites
            .iter()
            .filter(|&&j| pb.candidate_unit[j as usize] == u32u)
            .count() as u32;
        let reach_all: f64 = (0..inst.n_demand())
            .filter(|&i| pb.demand_unit[i] == u32u && !inst.coverers(i).is_empty())
            .map(|i| w[i])
            .sum();
        let cov: f64 = (0..inst.n_demand())
            .filter(|&i| pb.demand_unit[i] == u32u && covered[i])
            .map(|i| w[i])
            .sum();
        let sites_ok = inside_all < t.sites_inside || inside >= t.sites_inside;
        let cov_ok =
            reach_all < t.coverage_needed * (1.0 - 1e-9) || cov >= t.coverage_needed * (1.0 - 1e-9);
        sites_ok && cov_ok
    })
}

#[test]
fn fill_blanks_reports_reasons() {
    // Unit 0: demand 0,1; unit 1: demand 2 (no candidate inside).
    let inst = Instance::new(vec![10.0, 10.0, 4.0], vec![vec![0], vec![1, 2]]).unwrap();
    let du = vec![0, 0, 1];
    let cu = vec![0, 0];
    let targets = vec![
        UnitTarget::from_rules(0, Some(1), 20.0, 0.0, Some(0.9)),
        UnitTarget::from_rules(0, Some(1), 10.0, 2.0, Some(0.8)),
    ];
    let pb = UnitProblem {
        instance: &inst,
        demand_unit: &du,
        candidate_unit: &cu,
        targets: &targets,
    };
    let sol = fill_blanks(&pb, None).unwrap();
    assert_eq!(sol.sites.len(), 2);
    assert!(sol.units[0].satisfied);
    assert!(!sol.units[1].satisfied);
    assert_eq!(
        sol.units[1].unfixable,
        vec![
            Unfixable::NoCandidateInside,
            Unfixable::CoverageUnreachable {
                reachable: 4.0,
                required: 6.0
            }
        ]
    );
    assert_eq!(sol.lower_bound, 2);
}

// ---------------------------------------------------------------- capacity

#[test]
fn capacity_hand_example() {
    // Site 0 reaches demand 0 (6) and 1 (4); site 1 reaches demand 1 and 2 (3).
    // Capacity 5: site 0 serves 5 of demand 0, site 1 serves 4 of demand 1
    // and 1 of demand 2 ... optimum = 10 (5 + 5).
    let inst = Instance::new(vec![6.0, 4.0, 3.0], vec![vec![0, 1], vec![1, 2]]).unwrap();
    let (v, served) = capacitated_value(&inst, &[0, 1], 5.0);
    assert!((v - 10.0).abs() < 1e-9);
    assert!((served[0] - 5.0).abs() < 1e-9 && (served[1] - 5.0).abs() < 1e-9);
    let (v, _) = capacitated_value(&inst, &[0, 1], 8.0);
    assert!((v - 13.0).abs() < 1e-9, "{v}");
    let (v, _) = capacitated_value(&inst, &[1], 100.0);
    assert!((v - 7.0).abs() < 1e-9);
    let sol = solve_capacitated(&inst, 1, 5.0, None, &BoundOptions::default()).unwrap();
    assert_eq!(sol.sites, vec![0]);
    assert!((sol.objective - 5.0).abs() < 1e-9);
    assert!(sol.bound >= 5.0 - 1e-9 && sol.bound <= 5.0 + 1e-9);
    let sol = solve_capacitated(&inst, 2, 5.0, None, &BoundOptions::default()).unwrap();
    assert!((sol.objective - 10.0).abs() < 1e-9);
    assert!(sol.greedy_estimate <= sol.objective + 1e-9);
    assert!(solve_capacitated(&inst, 2, -1.0, None, &BoundOptions::default()).is_err());
}

/// Min-cut formula: max over assignments = min over site subsets A of
/// C·|sites∖A| + w(N(A)).
fn brute_force_capacitated(inst: &Instance, sites: &[u32], c: f64) -> f64 {
    let k = sites.len();
    let mut best = f64::INFINITY;
    for mask in 0u32..(1 << k) {
        let a: Vec<u32> = (0..k)
            .filter(|&s| mask & (1 << s) != 0)
            .map(|s| sites[s])
            .collect();
        let v = c * (k - a.len()) as f64 + inst.coverage(&a);
        best = best.min(v);
    }
    best
}

/// Integral brute force: unit demands, each assigned to one reachable site
/// or none, integer capacity.
fn brute_force_assign(inst: &Instance, sites: &[u32], c: usize) -> usize {
    let nd = inst.n_demand();
    let options: Vec<Vec<usize>> = (0..nd)
        .map(|i| {
            (0..sites.len())
                .filter(|&s| inst.covers(sites[s] as usize).contains(&(i as u32)))
                .collect()
        })
        .collect();
    fn rec(i: usize, options: &[Vec<usize>], load: &mut [usize], c: usize) -> usize {
        if i == options.len() {
            return 0;
        }
        let mut best = rec(i + 1, options, load, c);
        for &s in &options[i] {
            if load[s] < c {
                load[s] += 1;
                best = best.max(1 + rec(i + 1, options, load, c));
                load[s] -= 1;
            }
        }
        best
    }
    let mut load = vec![0; sites.len()];
    rec(0, &options, &mut load, c)
}

#[test]
fn maxflow_matches_brute_force() {
    let mut rng = SplitMix64::new(5);
    for case in 0..200 {
        let (inst, _) = random_instance(&mut rng, false);
        let k = rng.range(1, 4) as usize;
        let sites: Vec<u32> = (0..k as u32).collect();
        let c = 1.0 + 10.0 * rng.next_f64();
        let (v, served) = capacitated_value(&inst, &sites, c);
        let bf = brute_force_capacitated(&inst, &sites, c);
        assert!((v - bf).abs() < 1e-7, "case {case}: flow {v} vs cut {bf}");
        assert!(served.iter().all(|&s| s <= c + 1e-9));
        assert!((served.iter().sum::<f64>() - v).abs() < 1e-7);
    }
    // Unit weights, small: integral assignment enumeration.
    for case in 0..100 {
        let nd = rng.range(3, 9) as usize;
        let k = rng.range(1, 3) as usize;
        let covers: Vec<Vec<u32>> = (0..k)
            .map(|_| (0..nd as u32).filter(|_| rng.range(0, 1) == 1).collect())
            .collect();
        let inst = Instance::new(vec![1.0; nd], covers).unwrap();
        let cap = rng.range(0, 4) as usize;
        let sites: Vec<u32> = (0..k as u32).collect();
        let (v, _) = capacitated_value(&inst, &sites, cap as f64);
        let bf = brute_force_assign(&inst, &sites, cap);
        assert!((v - bf as f64).abs() < 1e-9, "case {case}: {v} vs {bf}");
    }
}

#[test]
fn capacitated_bound_is_valid() {
    let mut rng = SplitMix64::new(11);
    for case in 0..120 {
        let (inst, p) = random_instance(&mut rng, case % 3 == 0);
        let c = 2.0 + 15.0 * rng.next_f64();
        let sol = solve_capacitated(&inst, p, c, None, &BoundOptions::default()).unwrap();
        assert!(inst.is_feasible(&sol.sites, p));
        // Exact capacitated optimum by enumeration of feasible p-subsets.
        let n = inst.n_candidates();
        let mut best: f64 = 0.0;
        let mut stack = vec![(0usize, Vec::<u32>::new())];
        while let Some((start, cur)) = stack.pop() {
            if inst.is_feasible(&cur, p) {
                best = best.max(capacitated_value(&inst, &cur, c).0);
            } else {
                continue;
            }
            if cur.len() < p {
                for j in start..n {
                    let mut nx = cur.clone();
                    nx.push(j as u32);
                    stack.push((j + 1, nx));
                }
            }
        }
        assert!(sol.objective <= best + 1e-7, "case {case}");
        assert!(
            sol.bound + 1e-7 >= best,
            "case {case}: bound {} < opt {best}",
            sol.bound
        );
        assert!(sol.greedy_estimate <= sol.objective + 1e-7);
    }
}

#[test]
fn splitmix_is_deterministic() {
    let mut a = SplitMix64::new(1);
    let mut b = SplitMix64::new(1);
    let xs: Vec<u64> = (0..5).map(|_| a.next_u64()).collect();
    let ys: Vec<u64> = (0..5).map(|_| b.next_u64()).collect();
    assert_eq!(xs, ys);
    assert_ne!(xs[0], xs[1]);
    let f = SplitMix64::new(3).next_f64();
    assert!((0.0..1.0).contains(&f));
}

/// The pruned top-p of the Lagrangian bound (c_j evaluated by decreasing
/// total weight, stopping early) equals the full top-p, with and without
/// caps, for random multipliers 0 <= λ <= w and any first block size.
#[test]
fn pruned_top_p_equals_full() {
    let mut rng = SplitMix64::new(2024);
    for case in 0..400 {
        let (inst, p) = random_instance(&mut rng, case % 2 == 1);
        let nc = inst.n_candidates();
        let w = inst.weights();
        let lam: Vec<f64> = w
            .iter()
            .map(|&x| match rng.range(0, 3) {
                0 => 0.0,
                1 => x,
                _ => x * rng.next_f64(),
            })
            .collect();
        let c_full: Vec<f64> = (0..nc)
            .map(|j| inst.covers(j).iter().map(|&i| lam[i as usize]).sum())
            .collect();
        let pmax = inst.max_sites(p);
        let want = inst.top_p(&c_full, pmax);
        let totals: Vec<f64> = (0..nc).map(|j| inst.candidate_total(j)).collect();
        let mut by_total: Vec<u32> = (0..nc as u32)
            .filter(|&j| totals[j as usize] > 0.0)
            .collect();
        by_total.sort_unstable_by(|&a, &b| {
            totals[b as usize]
                .total_cmp(&totals[a as usize])
                .then(a.cmp(&b))
        });
        for first in [1, 2, 5, 1000] {
            let mut c = vec![0.0; nc];
            let got =
                super::bound::top_p_pruned(&inst, &lam, &by_total, &totals, &mut c, pmax, first);
            assert_eq!(got.1, want.1, "case {case}, first block {first}");
            assert!((got.0 - want.0).abs() <= tol(want.0), "case {case}");
        }
    }
}
