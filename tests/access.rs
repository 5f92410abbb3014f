//! Capacity-aware accessibility (E2SFCA): a hand-computed example, the indexed computation
//! against an all-pairs one on seeded random layouts (straight line and on foot), conservation of
//! supply, and the same checks on real data (Wuhan nursing homes from the repository's GeoTIFFs; Porto Alegre
//! on foot runs with the shared-data feature).

#[path = "access_common/mod.rs"]
mod access_common;

use access_common::{assert_close, assert_conserved, brute, check_real, run, Rng};
use assert_cmd::Command;
use carecircle::access::{e2sfca, AccessSpec, Decay, Metric};
use carecircle::network::{Snap, WalkNetwork};
use carecircle::projection::Frame;
use carecircle::Plan;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Three facilities, four cells, steps 1.0 up to 1 km and 0.5 up to 2 km, in a straight line
/// (positions in metres near the central meridian, so true and grid distances agree to 1e-8):
///
/// ```text
///   cells:      c0 (0, 0) P 100   c1 (1500, 0) P 200   c2 (3000, 0) P 100   c3 (-5000, 0) P 50
///   facilities: f0 (0, 500) S 10  f1 (2400, 0) S 20    f2 (10000, 0) S 30
/// ```
/// Distances: f0–c0 500 (w 1), f0–c1 √(1500² + 500²) = 1581 (w 0.5), f0–c2 3041 (0);
/// f1–c1 900 (w 1), f1–c2 600 (w 1), f1–c0 2400 (0); f2 reaches no one; c3 is reached by none.
/// Step 1: demand0 = 100·1 + 200·0.5 = 200, R0 = 10/200 = 0.05; demand1 = 200 + 100 = 300,
/// R1 = 20/300 = 1/15; demand2 = 0, R2 = 0.
/// Step 2 (× 1000): A0 = 0.05·1 → 50; A1 = 0.05·0.5 + 1/15 → 25 + 66.667 = 91.667;
/// A2 = 1/15 → 66.667; A3 = 0.
/// Conservation: (50·100 + 91.667·200 + 66.667·100) / 1000 = 5 + 18.333 + 6.667 = 30 = S0 + S1
/// (f2's 30 beds serve no one).
#[test]
fn three_facilities_by_hand() {
    let frame = Frame::new(114.0, 30.5);
    let spec = AccessSpec {
        catchment_m: 2000.0,
        decay: Decay::Steps(vec![(1000.0, 1.0), (2000.0, 0.5)]),
        on_foot: false,
    };
    let cells = [[0.0, 0.0], [1500.0, 0.0], [3000.0, 0.0], [-5000.0, 0.0]];
    let pop = [100.0, 200.0, 100.0, 50.0];
    let fac = [[0.0, 500.0], [2400.0, 0.0], [10000.0, 0.0]];
    let cap = [10.0, 20.0, 30.0];
    let a = e2sfca(&spec, &frame, &Metric::Straight, &cells, &pop, &fac, &cap);
    assert_close(&a.demand, &[200.0, 300.0, 0.0], 1e-12, "demand");
    assert_close(&a.ratio, &[0.05, 1.0 / 15.0, 0.0], 1e-12, "ratio");
    assert_close(
        &a.per_1000,
        &[50.0, 25.0 + 200.0 / 3.0, 200.0 / 3.0, 0.0],
        1e-12,
        "per_1000",
    );
    assert_conserved(&a, &pop, &cap, 1e-12);
}

/// Cells, their population, facilities, their capacity.
type Layout = (Vec<[f64; 2]>, Vec<f64>, Vec<[f64; 2]>, Vec<f64>);

fn random_layout(r: &mut Rng, spread: f64, off: f64, nc: usize, nf: usize) -> Layout {
    let pt = |r: &mut Rng| [off + (r.f() - 0.5) * spread, 3.4e6 + (r.f() - 0.5) * spread];
    let cells: Vec<[f64; 2]> = (0..nc).map(|_| pt(r)).collect();
    // Some cells are empty, as in real grids.
    let pop: Vec<f64> = (0..nc)
        .map(|_| if r.f() < 0.2 { 0.0 } else { r.f() * 50.0 })
        .collect();
    let fac: Vec<[f64; 2]> = (0..nf).map(|_| pt(r)).collect();
    let cap: Vec<f64> = (0..nf).map(|_| (r.f() * 300.0).round()).collect();
    (cells, pop, fac, cap)
}

/// Seeded random layouts, off the central meridian so the scale correction matters, both decays
/// and several catchments: the indexed computation equals the all-pairs one to 1e-9 relative,
/// and supply is conserved.
#[test]
fn indexed_equals_all_pairs_in_a_straight_line() {
    let frame = Frame::new(114.0, 30.5);
    let mut r = Rng(7);
    for case in 0..18 {
        let spread = [3_000.0, 20_000.0, 80_000.0][case % 3];
        let off = (r.f() - 0.5) * 300_000.0;
        let nf = [1, 7, 60][case % 3];
        let (cells, pop, fac, cap) = random_layout(&mut r, spread, off, 2500, nf);
        let catchment_m = [800.0, 3000.0, 5000.0][(case / 3) % 3];
        let decay = if case % 2 == 0 {
            Decay::Gaussian
        } else {
            Decay::Steps(vec![
                (catchment_m / 3.0, 1.0),
                (catchment_m * 2.0 / 3.0, 0.68),
                (catchment_m, 0.22),
            ])
        };
        let spec = AccessSpec {
            catchment_m,
            decay,
            on_foot: false,
        };
        let got = e2sfca(&spec, &frame, &Metric::Straight, &cells, &pop, &fac, &cap);
        let want = brute(&spec, &pop, &cap, |k, j| {
            Some(frame.distance(cells[k], fac[j]))
        });
        assert_close(&got.demand, &want.demand, 1e-9, "demand");
        assert_close(&got.ratio, &want.ratio, 1e-9, "ratio");
        assert_close(&got.per_1000, &want.per_1000, 1e-9, "per_1000");
        if want.demand.iter().any(|d| *d > 0.0) {
            assert_conserved(&got, &pop, &cap, 1e-9);
        }
    }
}

/// A jittered street grid with some streets missing, so walks detour.
fn street_grid(r: &mut Rng, n: usize, step: f64) -> WalkNetwork {
    let mut nodes = Vec::new();
    for j in 0..n {
        for i in 0..n {
            nodes.push([
                i as f64 * step + (r.f() - 0.5) * step * 0.3,
                j as f64 * step + (r.f() - 0.5) * step * 0.3,
            ]);
        }
    }
    let mut edges = Vec::new();
    for j in 0..n {
        for i in 0..n {
            let a = (j * n + i) as u32;
            if i + 1 < n && r.f() < 0.8 {
                edges.push((a, a + 1));
            }
            if j + 1 < n && r.f() < 0.8 {
                edges.push((a, a + n as u32));
            }
        }
    }
    WalkNetwork::from_segments(nodes, edges)
}

/// On foot: the per-facility bounded searches with the straight-line prefilter equal walking
/// distances evaluated for every cell–facility pair.
#[test]
fn indexed_equals_all_pairs_on_foot() {
    // Frame at the origin of these small local coordinates: true ≈ grid distance.
    let frame = Frame::new(114.0, 0.0);
    let mut r = Rng(99);
    for case in 0..6 {
        let net = street_grid(&mut r, 30, 100.0);
        let (cells, pop, fac, cap) = random_layout(&mut r, 3200.0, 0.0, 1500, 25);
        // Shift the layout onto the grid (which spans 0..2900 m in both axes).
        let shift = |p: &[f64; 2]| [p[0] + 1450.0, p[1] - 3.4e6 + 1450.0];
        let cells: Vec<[f64; 2]> = cells.iter().map(shift).collect();
        let fac: Vec<[f64; 2]> = fac.iter().map(shift).collect();
        let max_snap = 120.0;
        let cell_snaps: Vec<Option<Snap>> = net.snap_all(&cells, max_snap);
        let facility_snaps: Vec<Option<Snap>> = net.snap_all(&fac, max_snap);
        let spec = AccessSpec {
            catchment_m: [500.0, 1000.0, 1500.0][case % 3],
            decay: if case % 2 == 0 {
                Decay::Gaussian
            } else {
                Decay::Steps(vec![(400.0, 1.0), (900.0, 0.6), (1500.0, 0.1)])
            },
            on_foot: true,
        };
        let spec = AccessSpec {
            catchment_m: match &spec.decay {
                Decay::Steps(s) => s.last().unwrap().0,
                Decay::Gaussian => spec.catchment_m,
            },
            ..spec
        };
        let metric = Metric::Walk {
            net: &net,
            cell_snaps: &cell_snaps,
            facility_snaps: &facility_snaps,
        };
        let got = e2sfca(&spec, &frame, &metric, &cells, &pop, &fac, &cap);
        let searches: Vec<_> = facility_snaps
            .iter()
            .map(|s| s.map(|s| net.multi_source(&[s], spec.catchment_m)))
            .collect();
        let want = brute(&spec, &pop, &cap, |k, j| {
            let (d, c) = (searches[j].as_ref()?, cell_snaps[k].as_ref()?);
            net.walk_distance(d, c)
        });
        assert_close(&got.demand, &want.demand, 1e-9, "demand");
        assert_close(&got.per_1000, &want.per_1000, 1e-9, "per_1000");
        assert!(
            got.per_1000.iter().any(|a| *a > 0.0),
            "case {case} reaches someone"
        );
        assert_conserved(&got, &pop, &cap, 1e-9);
    }
}

/// Wuhan, nursing homes, 5 km, Gaussian: every cell's score equals the all-pairs computation
/// (260 homes × 494,676 cells) and the beds handed out equal the beds of the homes with anyone
/// aged 60+ within 5 km.
#[test]
fn wuhan_nursing_homes_all_pairs_and_conserved() {
    let a = run(Plan::load(&root().join("tests/plans/wuhan_tif_access.toml")).unwrap());
    let s = a
        .services
        .iter()
        .find(|s| s.spec.id == "nursing_home")
        .unwrap();
    assert_eq!(s.facilities.len(), 260);
    assert!(s.access.is_some());
    for o in a.services.iter().filter(|s| s.spec.id != "nursing_home") {
        assert!(o.access.is_none() && o.stats.iter().all(|x| x.access.is_none()));
    }
    check_real(&a, "nursing_home");
}

fn analyze_cli(plan: &Path, threads: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    Command::cargo_bin("carecircle")
        .unwrap()
        .args(["analyze", plan.to_str().unwrap(), "--out"])
        .arg(&out)
        .args(["-q", "--threads", threads])
        .assert()
        .success();
    (dir, out)
}

/// `areas.csv` through the CLI: the two columns, empty for services without access; for the
/// nursing homes the population-weighted mean and share below 7 beds per 1,000 recomputed from
/// the per-cell scores (independent sums here); identical bytes with one thread.
#[test]
fn wuhan_areas_csv_columns() {
    let plan = root().join("tests/plans/wuhan_tif_access.toml");
    let (_d, out) = analyze_cli(&plan, "2");
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert_eq!(
        html.matches("可达容量/千人（E2SFCA）").count(),
        1,
        "only the nursing homes' table has the access columns"
    );
    let text = std::fs::read_to_string(out.join("areas.csv")).unwrap();
    let mut rd = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let h: Vec<String> = rd.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(&h[h.len() - 2..], ["access_per_1000", "share_below_target"]);
    let rows: Vec<HashMap<String, String>> = rd
        .records()
        .map(|r| {
            h.iter()
                .cloned()
                .zip(r.unwrap().iter().map(String::from))
                .collect()
        })
        .collect();

    let a = run(Plan::load(&plan).unwrap());
    let s = a
        .services
        .iter()
        .find(|s| s.spec.id == "nursing_home")
        .unwrap();
    let acc = s.access.as_ref().unwrap();
    let pop = &a.cells.values[s.spec.group];
    let mut per_area: HashMap<&str, (f64, f64, f64)> = HashMap::new();
    for (c, area) in a.cell_area.iter().enumerate() {
        if let Some(ar) = area {
            let e = per_area
                .entry(a.areas.list[ar.0 as usize].id.as_str())
                .or_default();
            e.0 += pop[c];
            e.1 += pop[c] * acc.per_1000[c];
            if acc.per_1000[c] < 7.0 {
                e.2 += pop[c];
            }
        }
    }
    let mut checked = 0;
    for r in &rows {
        if r["kind"] != "nursing_home" {
            assert_eq!(
                (&r["access_per_1000"][..], &r["share_below_target"][..]),
                ("", "")
            );
            continue;
        }
        let (p, w, b) = per_area
            .get(r["area_id"].as_str())
            .copied()
            .unwrap_or_default();
        if p == 0.0 {
            assert_eq!(r["access_per_1000"], "");
            continue;
        }
        let got: f64 = r["access_per_1000"].parse().unwrap();
        let share: f64 = r["share_below_target"].parse().unwrap();
        assert!((got - w / p).abs() <= 0.0005 + 1e-9 * got, "{r:?}");
        assert!((share - b / p).abs() <= 5e-7, "{r:?}");
        checked += 1;
    }
    assert!(checked > 150, "{checked} nursing-home rows checked");

    let (_d1, out1) = analyze_cli(&plan, "1");
    assert_eq!(
        std::fs::read(out1.join("areas.csv")).unwrap(),
        text.as_bytes(),
        "areas.csv identical with one thread"
    );
}
