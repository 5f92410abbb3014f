//! The fast pair finder ([`segments::meeting_pairs`]) and every repair built on it, compared
//! on seeded inputs with the quadratic sweep they replaced ([`segments::oracle`]): the same
//! pairs in the same order, hence identical issues, repaired rings and areas.

use super::*;
use crate::validity::segments;

fn seg_soup(rng: &mut SplitMix64, style: u64, m: usize) -> Vec<[Pt; 2]> {
    let mut segs = Vec::with_capacity(m);
    while segs.len() < m {
        let s = match style {
            // Small integer grid: collinear overlaps, vertices on edges, repeated segments,
            // endpoints exactly on the cells' split lines.
            0 => {
                let g = [4, 10, 30][rng.range(0, 2) as usize];
                let mut p = || [rng.range(0, g) as f64, rng.range(0, g) as f64];
                [p(), p()]
            }
            // Floats: short and long segments, proper crossings.
            1 => {
                let a = [rng.next_f64(), rng.next_f64()];
                let len = if rng.range(0, 3) == 0 { 1.0 } else { 0.05 };
                [
                    a,
                    [
                        a[0] + (rng.next_f64() - 0.5) * len,
                        a[1] + (rng.next_f64() - 0.5) * len,
                    ],
                ]
            }
            // A fan: segments through one exact point, and near misses of it.
            2 => {
                let c = [114.3, 30.5];
                let t = rng.next_f64() * std::f64::consts::TAU;
                let r = 1e-3 * rng.next_f64();
                let b = [c[0] + r * t.cos(), c[1] + r * t.sin()];
                if rng.range(0, 1) == 0 {
                    [c, b]
                } else {
                    [[c[0] + 1e-15, c[1]], b]
                }
            }
            // Lon/lat at a 100 m scale.
            _ => {
                let mut p = || [114.3 + rng.next_f64() * 1e-3, 30.5 + rng.next_f64() * 1e-3];
                [p(), p()]
            }
        };
        if s[0] != s[1] {
            segs.push(s);
            if rng.range(0, 20) == 0 {
                segs.push(if rng.range(0, 1) == 0 {
                    s
                } else {
                    [s[1], s[0]]
                });
            }
        }
    }
    segs
}

#[test]
fn meeting_pairs_equal_the_quadratic_sweep() {
    let mut rng = SplitMix64::new(15);
    let mut met = 0;
    for case in 0..400 {
        let style = case % 4;
        let m = rng.range(2, 600) as usize;
        let segs = seg_soup(&mut rng, style, m);
        let fast = segments::meeting_pairs(&segs);
        let slow = segments::meeting_pairs_by_sweep(&segs);
        assert_eq!(fast, slow, "case {case} (style {style}, {m} segments)");
        let cells = segments::meeting_pairs_in_cells(&segs);
        assert_eq!(
            cells, slow,
            "case {case} (style {style}, {m} segments), cells"
        );
        met += fast.len();
    }
    assert!(met > 10_000, "only {met} meeting pairs in all cases");
}

/// A ring of `n` vertices: a random walk on a small grid (touching, collinear, repeated
/// points), a float scribble (crossings), a star of alternating radii (simple) or a star
/// polygon {n/step} (every edge crossing others).
fn big_ring(rng: &mut SplitMix64, style: u64, n: usize) -> Vec<Pt> {
    let tau = std::f64::consts::TAU;
    match style {
        0 => {
            let mut p = [10.0, 10.0];
            (0..n)
                .map(|_| {
                    p[0] = (p[0] + rng.range(0, 4) as f64 - 2.0).clamp(0.0, 20.0);
                    p[1] = (p[1] + rng.range(0, 4) as f64 - 2.0).clamp(0.0, 20.0);
                    p
                })
                .collect()
        }
        1 => (0..n)
            .map(|_| [114.3 + rng.next_f64() * 1e-3, 30.5 + rng.next_f64() * 1e-3])
            .collect(),
        2 => (0..n)
            .map(|i| {
                let a = tau * i as f64 / n as f64;
                let r = if i % 2 == 0 {
                    1.0
                } else {
                    0.3 + 0.6 * rng.next_f64()
                };
                [24.9 + 0.01 * r * a.cos(), 60.2 + 0.01 * r * a.sin()]
            })
            .collect(),
        _ => {
            let n = n | 1;
            let step = [2, 3, 5][rng.range(0, 2) as usize];
            (0..n)
                .map(|i| {
                    let a = tau * ((i * step) % n) as f64 / n as f64;
                    [a.cos(), a.sin()]
                })
                .collect()
        }
    }
}

#[test]
fn repairs_equal_the_quadratic_version() {
    let mut rng = SplitMix64::new(1515);
    let mut rebuilt = 0;
    for case in 0..160 {
        let style = case % 4;
        let parts = rng.range(1, 2) as usize;
        let input: Vec<Polygon> = (0..parts)
            .map(|_| {
                (0..rng.range(1, 3))
                    .map(|_| {
                        let n = rng.range(20, 150) as usize;
                        let mut r = big_ring(&mut rng, style, n);
                        r.push(r[0]);
                        r
                    })
                    .collect()
            })
            .collect();
        let new = if case % 2 == 0 {
            repair(&input)
        } else {
            segments::oracle::cells(|| repair(&input))
        };
        let old = segments::oracle::quadratic(|| repair(&input));
        let what = format!("case {case} (style {style})");
        assert_eq!(new.issues, old.issues, "{what}");
        assert_eq!(new.polygons, old.polygons, "{what}");
        assert_eq!(
            new.area_before.to_bits(),
            old.area_before.to_bits(),
            "{what}"
        );
        assert_eq!(new.area_after.to_bits(), old.area_after.to_bits(), "{what}");
        assert_eq!(check(&input), old.issues, "{what}");
        rebuilt += usize::from(new.rebuilt());
    }
    assert!(rebuilt > 60, "only {rebuilt} of 160 features were rebuilt");
}

/// Issue 15: many-vertex outlines, small enough for the quadratic oracle.
#[test]
fn issue_15_many_vertex_stars_repair_as_before() {
    let mut rng = SplitMix64::new(7);
    let star = big_ring(&mut rng, 2, 4000);
    let crossing = big_ring(&mut rng, 3, 3001);
    for (name, mut r) in [("star", star), ("crossing star", crossing)] {
        r.push(r[0]);
        let input = one(r);
        let new = segments::oracle::cells(|| repair(&input));
        let old = segments::oracle::quadratic(|| repair(&input));
        assert_eq!(new.issues, old.issues, "{name}");
        assert_eq!(new.polygons, old.polygons, "{name}");
        if name == "star" {
            assert!(new.issues.is_empty(), "{:?}", new.issues);
        } else {
            assert!(new.rebuilt());
            assert!(new.polygons.len() > 3000, "{} parts", new.polygons.len());
        }
    }
}

#[test]
fn strips_list_every_range_holding_the_height() {
    let mut rng = SplitMix64::new(151);
    for case in 0..200 {
        let n = rng.range(1, 300) as usize;
        let long = case % 2 == 0;
        let ranges: Vec<(f64, f64)> = (0..n)
            .map(|_| {
                let a = rng.range(0, 50) as f64 * 0.1;
                let b = if long {
                    rng.range(0, 50) as f64 * 0.1
                } else {
                    a + rng.next_f64() * 0.2
                };
                (a.min(b), a.max(b))
            })
            .collect();
        let strips = crate::validity::strips::Strips::new(&ranges);
        // The strip height keeps the buckets near linear in size, however long the ranges.
        assert!(
            strips.entries() <= 5 * n,
            "case {case}: {} entries",
            strips.entries()
        );
        for _ in 0..100 {
            let y = rng.range(0, 60) as f64 * 0.1 - 0.5 + rng.range(0, 1) as f64 * rng.next_f64();
            let at = strips.at(y);
            for (k, r) in ranges.iter().enumerate() {
                if r.0 <= y && y <= r.1 {
                    assert!(
                        at.contains(&(k as u32)),
                        "case {case}: item {k} {r:?} at {y}"
                    );
                }
            }
        }
    }
}

#[test]
fn located_rings_answer_as_the_plain_tests() {
    use crate::validity::strips::Located;
    let mut rng = SplitMix64::new(152);
    let mut inside = 0;
    for case in 0..200 {
        let style = case % 3;
        let n = rng.range(3, 200) as usize;
        let ring = big_ring(&mut rng, style, n);
        let loc = Located::new(&ring);
        let mut probes: Vec<Pt> = ring.clone();
        for k in 0..n {
            let (a, b) = (ring[k], ring[(k + 1) % n]);
            probes.push([(a[0] + b[0]) / 2.0, (a[1] + b[1]) / 2.0]);
        }
        let b = loc.bbox();
        for _ in 0..200 {
            let (u, v) = (rng.next_f64() * 1.2 - 0.1, rng.next_f64() * 1.2 - 0.1);
            let p = [b[0] + u * (b[2] - b[0]), b[1] + v * (b[3] - b[1])];
            probes.push(if style == 0 {
                [p[0].round(), p[1].round()]
            } else {
                p
            });
        }
        for p in probes {
            let on = segments::on_ring(&ring, p);
            assert_eq!(loc.on_ring(p), on, "case {case} at {p:?}");
            if !on {
                let plain = segments::inside_ring(&ring, p);
                assert_eq!(loc.inside(p), plain, "case {case} at {p:?}");
                inside += usize::from(plain);
            }
        }
        assert!(
            inside > 0 || style == 1 || n < 10,
            "case {case}: no probe inside"
        );
    }
}

/// Issue 15: the Shamos–Hoey sweep says "only shared endpoints meet" exactly when the
/// quadratic sweep finds nothing but endpoint touches, and then the endpoint pairs are the
/// meeting pairs, in the same order. Simple stars and circles (true), the same with one vertex
/// moved across (mostly false), segment soups (false).
#[test]
fn shamos_hoey_agrees_with_the_quadratic_sweep() {
    use crate::validity::sweep;
    let mut rng = SplitMix64::new(1516);
    let (mut simple, mut not) = (0, 0);
    for case in 0..400 {
        let style = case % 4;
        let segs: Vec<[Pt; 2]> = if style == 3 {
            let (soup, m) = (rng.range(0, 3), rng.range(2, 80) as usize);
            seg_soup(&mut rng, soup, m)
        } else {
            let n = rng.range(3, 300) as usize;
            let mut ring = big_ring(&mut rng, [2, 2, 0][style as usize], n);
            if case % 8 < 3 {
                let k = rng.range(0, n as u64 - 1) as usize;
                ring[k] = ring[rng.range(0, n as u64 - 1) as usize];
                ring.dedup();
            }
            let n = ring.len();
            (0..n)
                .map(|k| [ring[k], ring[(k + 1) % n]])
                .filter(|s| s[0] != s[1])
                .collect()
        };
        let slow = segments::meeting_pairs_by_sweep(&segs);
        let shared = |&(i, j, m): &(usize, usize, segments::Meet)| {
            let (a, b) = (segs[i], segs[j]);
            m == segments::Meet::Touch
                && (a[0] == b[0] || a[0] == b[1] || a[1] == b[0] || a[1] == b[1])
        };
        let want = slow.iter().all(shared);
        assert_eq!(sweep::only_endpoints_shared(&segs), want, "case {case}");
        if want {
            let found = sweep::endpoint_pairs(&segs).expect("endpoint pairs");
            assert_eq!(segments::in_sweep_order(&segs, found), slow, "case {case}");
            simple += 1;
        } else {
            not += 1;
        }
    }
    assert!(simple > 100 && not > 100, "{simple} simple, {not} not");
}
