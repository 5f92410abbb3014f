//! Handwritten cases, a seeded brute-force comparison with the even-odd rule, and real data
//! checked against GEOS (numbers from `scripts/make_valid_reference.py`).

use super::*;
use crate::siting::SplitMix64;
use approx::assert_relative_eq;

type Pt = [f64; 2];

fn ring(pts: &[(f64, f64)]) -> Vec<Pt> {
    pts.iter().map(|&(x, y)| [x, y]).collect()
}

fn closed(pts: &[(f64, f64)]) -> Vec<Pt> {
    let mut r = ring(pts);
    r.push(r[0]);
    r
}

/// Planar shoelace area of a closed ring (degrees² for lon/lat), independent of the module.
/// Relative to the first vertex, so slivers far from the origin keep their sign.
fn planar(r: &[Pt]) -> f64 {
    let o = r[0];
    r.windows(2)
        .map(|w| (w[0][0] - o[0]) * (w[1][1] - o[1]) - (w[1][0] - o[0]) * (w[0][1] - o[1]))
        .sum::<f64>()
        / 2.0
}

fn planar_polys(polys: &[Polygon]) -> f64 {
    polys.iter().flat_map(|p| p.iter()).map(|r| planar(r)).sum()
}

/// Planar Σ |shell| − Σ |hole|, whatever the rings' orientation.
fn naive_planar(polys: &[Polygon]) -> f64 {
    polys
        .iter()
        .map(|p| planar(&p[0]).abs() - p[1..].iter().map(|h| planar(h).abs()).sum::<f64>())
        .sum()
}

fn kinds(issues: &[Issue]) -> Vec<IssueKind> {
    issues.iter().map(|i| i.kind).collect()
}

fn orient_sign(a: Pt, b: Pt, c: Pt) -> f64 {
    robust::orient2d(
        robust::Coord { x: a[0], y: a[1] },
        robust::Coord { x: b[0], y: b[1] },
        robust::Coord { x: c[0], y: c[1] },
    )
}

/// Brute-force crossing parity of a point against closed or open rings (edges wrap).
fn parity(rings: &[&Vec<Pt>], p: Pt) -> bool {
    let mut inside = false;
    for r in rings {
        let n = r.len();
        for k in 0..n {
            let (a, b) = (r[k], r[(k + 1) % n]);
            if (a[1] > p[1]) != (b[1] > p[1]) {
                let x = a[0] + (p[1] - a[1]) / (b[1] - a[1]) * (b[0] - a[0]);
                if x > p[0] {
                    inside = !inside;
                }
            }
        }
    }
    inside
}

/// Whether `p` is within `eps` of any edge (points that close are skipped by the oracle).
fn near_edge(rings: &[&Vec<Pt>], p: Pt, eps: f64) -> bool {
    rings.iter().any(|r| {
        let n = r.len();
        (0..n).any(|k| {
            let (a, b) = (r[k], r[(k + 1) % n]);
            let d = [b[0] - a[0], b[1] - a[1]];
            let len2 = d[0] * d[0] + d[1] * d[1];
            let t = if len2 == 0.0 {
                0.0
            } else {
                (((p[0] - a[0]) * d[0] + (p[1] - a[1]) * d[1]) / len2).clamp(0.0, 1.0)
            };
            let q = [a[0] + t * d[0] - p[0], a[1] + t * d[1] - p[1]];
            q[0] * q[0] + q[1] * q[1] < eps * eps
        })
    })
}

/// Membership in valid polygons: inside some shell and none of its holes.
fn inside_valid(polys: &[Polygon], p: Pt) -> bool {
    polys
        .iter()
        .any(|poly| parity(&[&poly[0]], p) && !poly[1..].iter().any(|h| parity(&[h], p)))
}

/// Brute-force validity of repaired polygons, panicking with the reason.
fn assert_valid(polys: &[Polygon], what: &str) {
    let mut edges: Vec<(usize, usize, usize, Pt, Pt)> = Vec::new();
    for (pi, poly) in polys.iter().enumerate() {
        assert!(!poly.is_empty(), "{what}: empty part");
        for (ri, r) in poly.iter().enumerate() {
            assert!(
                r.len() >= 4,
                "{what}: ring {pi}/{ri} has {} points",
                r.len()
            );
            assert_eq!(r.first(), r.last(), "{what}: ring {pi}/{ri} not closed");
            let a = planar(r);
            if ri == 0 {
                assert!(a > 0.0, "{what}: shell {pi} not counter-clockwise ({a})");
            } else {
                assert!(a < 0.0, "{what}: hole {pi}/{ri} not clockwise ({a})");
            }
            for k in 0..r.len() - 1 {
                assert_ne!(r[k], r[k + 1], "{what}: repeated point in ring {pi}/{ri}");
                edges.push((pi, ri, k, r[k], r[k + 1]));
            }
        }
    }
    // Every pair of edges: no crossing, no overlap; within one ring only neighbours touch.
    for (x, &(pa, ra, ka, a1, a2)) in edges.iter().enumerate() {
        for &(pb, rb, kb, b1, b2) in &edges[x + 1..] {
            let o1 = orient_sign(a1, a2, b1);
            let o2 = orient_sign(a1, a2, b2);
            let o3 = orient_sign(b1, b2, a1);
            let o4 = orient_sign(b1, b2, a2);
            let proper = o1 * o2 < 0.0 && o3 * o4 < 0.0;
            assert!(
                !proper,
                "{what}: edges {pa}/{ra}/{ka} and {pb}/{rb}/{kb} cross"
            );
            let within = |p: Pt, q: Pt, x: Pt| {
                x[0] >= p[0].min(q[0])
                    && x[0] <= p[0].max(q[0])
                    && x[1] >= p[1].min(q[1])
                    && x[1] <= p[1].max(q[1])
            };
            let touches = (o1 == 0.0 && within(a1, a2, b1))
                || (o2 == 0.0 && within(a1, a2, b2))
                || (o3 == 0.0 && within(b1, b2, a1))
                || (o4 == 0.0 && within(b1, b2, a2));
            if o1 == 0.0 && o2 == 0.0 {
                // Collinear: may share at most one endpoint.
                let shared = [b1, b2].iter().filter(|&&b| b == a1 || b == a2).count();
                let inner = [b1, b2]
                    .iter()
                    .any(|&b| b != a1 && b != a2 && within(a1, a2, b))
                    || [a1, a2]
                        .iter()
                        .any(|&a| a != b1 && a != b2 && within(b1, b2, a));
                assert!(
                    shared <= 1 && !inner,
                    "{what}: edges {pa}/{ra}/{ka} and {pb}/{rb}/{kb} overlap"
                );
            }
            if touches && pa == pb && ra == rb {
                let n = polys[pa][ra].len() - 1;
                let adjacent = (ka + 1) % n == kb || (kb + 1) % n == ka;
                assert!(
                    adjacent,
                    "{what}: ring {pa}/{ra} touches itself (edges {ka}, {kb})"
                );
            }
        }
    }
    // Holes inside their shell.
    for poly in polys {
        for h in &poly[1..] {
            let mid = |k: usize| [(h[k][0] + h[k + 1][0]) / 2.0, (h[k][1] + h[k + 1][1]) / 2.0];
            let probe = (0..h.len() - 1)
                .map(mid)
                .find(|&m| !near_edge(&[&poly[0]], m, 1e-9))
                .expect("a hole edge midpoint off the shell");
            assert!(parity(&[&poly[0]], probe), "{what}: hole outside its shell");
        }
    }
}

fn one(r: Vec<Pt>) -> Vec<Polygon> {
    vec![vec![r]]
}

#[test]
fn valid_square_is_untouched_and_measured() {
    // 0.01° × 0.01° at the equator: about 1.113 km × 1.106 km.
    let sq = closed(&[(0.0, 0.0), (0.01, 0.0), (0.01, 0.01), (0.0, 0.01)]);
    let r = repair(&one(sq.clone()));
    assert!(r.issues.is_empty(), "{:?}", r.issues);
    assert_eq!(r.polygons, one(sq));
    // GeographicLib geodesic area of the same square.
    let g = geographiclib_rs::Geodesic::wgs84();
    let mut pa =
        geographiclib_rs::PolygonArea::new(&g, geographiclib_rs::Winding::CounterClockwise);
    for (x, y) in [(0.0, 0.0), (0.01, 0.0), (0.01, 0.01), (0.0, 0.01)] {
        pa.add_point(y, x);
    }
    let (_, geodesic, _) = pa.compute(false);
    assert_relative_eq!(r.area_after, geodesic, max_relative = 1e-7);
    assert_relative_eq!(r.area_before, r.area_after);
}

#[test]
fn bow_tie_becomes_two_triangles() {
    let r = repair(&one(closed(&[
        (0.0, 0.0),
        (2.0, 2.0),
        (2.0, 0.0),
        (0.0, 2.0),
    ])));
    assert!(kinds(&r.issues).contains(&IssueKind::SelfIntersection));
    assert!(r.rebuilt());
    assert_valid(&r.polygons, "bow-tie");
    assert_eq!(r.polygons.len(), 2);
    for p in &r.polygons {
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].len(), 4, "a triangle: {:?}", p[0]);
        assert_relative_eq!(planar(&p[0]), 1.0);
        assert!(p[0].contains(&[1.0, 1.0]));
    }
    // The naive signed reading cancels the two lobes; the repair counts both.
    assert!(r.area_before.abs() < 1e-6 * r.area_after);
}

#[test]
fn figure_eight_through_a_vertex_splits_there() {
    let r = repair(&one(closed(&[
        (0.0, 0.0),
        (2.0, 0.0),
        (1.0, 1.0),
        (2.0, 2.0),
        (0.0, 2.0),
        (1.0, 1.0),
    ])));
    assert_eq!(kinds(&r.issues), vec![IssueKind::SelfIntersection]);
    assert_valid(&r.polygons, "figure-8");
    assert_eq!(r.polygons.len(), 2);
    assert_relative_eq!(planar_polys(&r.polygons), 2.0);
}

#[test]
fn figure_eight_crossing_keeps_both_loops() {
    // A loop crossing itself: the two lobes have opposite orientation in the input.
    let r = repair(&one(closed(&[
        (0.0, 0.0),
        (4.0, 4.0),
        (4.0, 0.0),
        (0.0, 4.0),
    ])));
    assert_valid(&r.polygons, "figure-8 crossing");
    assert_relative_eq!(planar_polys(&r.polygons), 8.0);
}

#[test]
fn spike_is_removed_area_kept() {
    let r = repair(&one(closed(&[
        (0.0, 0.0),
        (2.0, 0.0),
        (2.0, 1.0),
        (3.0, 1.0),
        (2.0, 1.0),
        (2.0, 2.0),
        (0.0, 2.0),
    ])));
    assert_eq!(kinds(&r.issues), vec![IssueKind::SelfIntersection]);
    assert_valid(&r.polygons, "spike");
    assert_eq!(r.polygons.len(), 1);
    assert!(!r.polygons[0][0].contains(&[3.0, 1.0]));
    assert_relative_eq!(planar_polys(&r.polygons), 4.0);
    assert_relative_eq!(r.area_before, r.area_after, max_relative = 1e-12);
}

#[test]
fn inward_spike_along_an_edge_is_removed() {
    // The spike runs back along the bottom edge: collinear overlapping edges cancel.
    let r = repair(&one(closed(&[
        (0.0, 0.0),
        (3.0, 0.0),
        (1.0, 0.0),
        (2.0, 0.0),
        (2.0, 2.0),
        (0.0, 2.0),
    ])));
    assert!(r.rebuilt());
    assert_valid(&r.polygons, "collinear spike");
    assert_relative_eq!(planar_polys(&r.polygons), 4.0);
}

#[test]
fn duplicate_and_doubled_closing_points_are_dropped() {
    let input = one(ring(&[
        (0.0, 0.0),
        (1.0, 0.0),
        (1.0, 0.0),
        (1.0, 1.0),
        (0.0, 1.0),
        (0.0, 0.0),
        (0.0, 0.0),
    ]));
    let r = repair(&input);
    assert_eq!(kinds(&r.issues), vec![IssueKind::DuplicatePoints]);
    assert!(
        r.issues[0].detail.starts_with("2 repeated"),
        "{}",
        r.issues[0].detail
    );
    assert_eq!(
        r.polygons,
        one(closed(&[(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)]))
    );
    assert_eq!(check(&input), r.issues);
}

#[test]
fn unclosed_ring_is_closed() {
    let r = repair(&one(ring(&[
        (0.0, 0.0),
        (1.0, 0.0),
        (1.0, 1.0),
        (0.0, 1.0),
    ])));
    assert_eq!(kinds(&r.issues), vec![IssueKind::Unclosed]);
    assert_eq!(
        r.polygons,
        one(closed(&[(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)]))
    );
}

#[test]
fn orientation_is_turned_to_rfc7946() {
    let shell = closed(&[(0.0, 0.0), (0.0, 4.0), (4.0, 4.0), (4.0, 0.0)]); // clockwise
    let hole = closed(&[(1.0, 1.0), (2.0, 1.0), (2.0, 2.0)]); // counter-clockwise
    let r = repair(&[vec![shell, hole]]);
    assert_eq!(
        r.issues
            .iter()
            .map(|i| (i.ring, i.kind))
            .collect::<Vec<_>>(),
        vec![
            (0, IssueKind::WrongOrientation),
            (1, IssueKind::WrongOrientation)
        ]
    );
    assert!(!r.rebuilt());
    assert_valid(&r.polygons, "turned");
    assert_relative_eq!(planar_polys(&r.polygons), 15.5);
}

#[test]
fn hole_touching_shell_at_a_vertex_is_valid() {
    let shell = closed(&[(0.0, 0.0), (4.0, 0.0), (4.0, 4.0), (0.0, 4.0)]);
    // One hole touches the shell's corner, one touches the middle of its top edge.
    let h1 = closed(&[(0.0, 0.0), (1.0, 2.0), (2.0, 1.0)]);
    let h2 = closed(&[(2.0, 4.0), (3.0, 3.0), (2.0, 3.0)]);
    let input = vec![vec![shell, h1, h2]];
    let r = repair(&input);
    assert!(r.issues.is_empty(), "{:?}", r.issues);
    assert_eq!(r.polygons, input);
    assert_valid(&r.polygons, "touching hole");
}

#[test]
fn hole_leaving_its_shell_through_a_vertex_is_repaired() {
    let shell = closed(&[(0.0, 0.0), (4.0, 0.0), (4.0, 4.0), (0.0, 4.0)]);
    // Passes through (4, 2) on the shell's right edge, half inside, half outside.
    let hole = closed(&[(3.0, 1.0), (4.0, 2.0), (5.0, 3.0), (5.0, 1.0)]);
    let input = vec![vec![shell, hole]];
    assert!(check(&input)
        .iter()
        .any(|i| i.kind == IssueKind::SelfIntersection));
    let r = repair(&input);
    assert_valid(&r.polygons, "hole through vertex");
}

#[test]
fn hole_outside_shell_becomes_an_island_and_overlaps_drop_out() {
    let shell = closed(&[(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0)]);
    let far = closed(&[(20.0, 20.0), (20.0, 21.0), (21.0, 21.0)]);
    let r = repair(&[vec![shell.clone(), far]]);
    assert_eq!(kinds(&r.issues), vec![IssueKind::HoleOutsideShell]);
    assert_valid(&r.polygons, "island");
    assert_eq!(r.polygons.len(), 2);
    assert_relative_eq!(planar_polys(&r.polygons), 100.5);

    // Two overlapping squares: GEOS's linework method keeps the symmetric difference.
    let a = closed(&[(0.0, 0.0), (2.0, 0.0), (2.0, 2.0), (0.0, 2.0)]);
    let b = closed(&[(1.0, 1.0), (3.0, 1.0), (3.0, 3.0), (1.0, 3.0)]);
    let r = repair(&[vec![a.clone()], vec![b]]);
    assert!(kinds(&r.issues).contains(&IssueKind::OverlappingParts));
    assert_valid(&r.polygons, "overlap");
    assert_relative_eq!(planar_polys(&r.polygons), 6.0);

    // A part inside another, edges apart: found by containment, not by crossings.
    let inner = closed(&[(0.5, 0.5), (1.5, 0.5), (1.5, 1.5)]);
    let issues = check(&[vec![a.clone()], vec![inner]]);
    assert_eq!(kinds(&issues), vec![IssueKind::OverlappingParts]);
    // An island in a lake is fine.
    let lake = closed(&[(0.2, 0.2), (1.8, 0.2), (1.8, 1.8), (0.2, 1.8)]);
    let lake_cw: Vec<Pt> = lake.iter().rev().copied().collect();
    let island = closed(&[(0.5, 0.5), (1.5, 0.5), (1.5, 1.5)]);
    assert!(check(&[vec![a, lake_cw], vec![island]]).is_empty());
}

#[test]
fn degenerate_rings_and_empty_parts_are_dropped_and_counted() {
    let sq = closed(&[(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)]);
    let line = closed(&[(5.0, 5.0), (6.0, 6.0)]);
    let r = repair(&[vec![], vec![sq.clone()], vec![line]]);
    assert_eq!(
        kinds(&r.issues),
        vec![IssueKind::EmptyPart, IssueKind::TooFewPoints]
    );
    assert_eq!(r.polygons, one(sq));
    assert_eq!(r.issues[1].part, 2);
    let nothing = repair(&[vec![vec![[1.0, 1.0]; 4]]]);
    assert!(nothing.polygons.is_empty());
    assert_eq!(nothing.area_after, 0.0);
}

/// A random ring: either on a small integer grid (many collinear edges, vertices on edges,
/// repeated points) or with float coordinates (proper crossings).
fn random_ring(rng: &mut SplitMix64, grid: bool) -> Vec<Pt> {
    let n = rng.range(3, 9) as usize;
    let (ox, oy) = (rng.next_f64() * 4.0, rng.next_f64() * 4.0);
    (0..n)
        .map(|_| {
            if grid {
                [rng.range(0, 6) as f64, rng.range(0, 6) as f64]
            } else {
                [ox + rng.next_f64() * 6.0, oy + rng.next_f64() * 6.0]
            }
        })
        .collect()
}

/// Seeded random features (1–3 parts of 1–3 rings, many self-intersecting) in three styles:
/// small-integer grid, floats, and floats placed at lon/lat 114.3, 30.5 at a 100 m scale.
/// The repair must be valid (brute force over all edge pairs) and cover exactly the points an
/// odd number of input rings cover.
fn random_even_odd_cases(seed: u64, cases: usize) {
    let mut rng = SplitMix64::new(seed);
    let mut rebuilt = 0;
    for case in 0..cases {
        let grid = case % 3 == 0;
        let map = |p: Pt| {
            if case % 3 == 2 {
                [114.3 + p[0] * 1e-3, 30.5 + p[1] * 1e-3]
            } else {
                p
            }
        };
        let parts = rng.range(1, 3) as usize;
        let input: Vec<Polygon> = (0..parts)
            .map(|_| {
                let rings = rng.range(1, 3) as usize;
                (0..rings)
                    .map(|_| {
                        let mut r: Vec<Pt> =
                            random_ring(&mut rng, grid).into_iter().map(map).collect();
                        if rng.range(0, 1) == 0 {
                            r.push(r[0]);
                        }
                        r
                    })
                    .collect()
            })
            .collect();
        let what = format!("seed {seed} case {case}: {input:?}");
        let r = repair(&input);
        if r.rebuilt() {
            rebuilt += 1;
        }
        assert_valid(&r.polygons, &what);
        assert_eq!(check(&input), r.issues, "{what}");
        let before: Vec<&Vec<Pt>> = input.iter().flatten().collect();
        let after: Vec<&Vec<Pt>> = r.polygons.iter().flatten().collect();
        let eps = if case % 3 == 2 { 1e-12 } else { 1e-9 };
        for _ in 0..300 {
            let p = map([rng.next_f64() * 10.0, rng.next_f64() * 10.0]);
            if near_edge(&before, p, eps) || near_edge(&after, p, eps) {
                continue;
            }
            assert_eq!(
                inside_valid(&r.polygons, p),
                parity(&before, p),
                "{what} at {p:?}"
            );
        }
        // A repaired feature is valid: repairing again changes nothing.
        let again = repair(&r.polygons);
        assert!(again.issues.is_empty(), "{what}: {:?}", again.issues);
    }
    assert!(
        rebuilt > cases / 2,
        "only {rebuilt} of {cases} random features needed a rebuild"
    );
}

#[test]
fn random_polygons_repair_to_the_even_odd_region() {
    random_even_odd_cases(5, 900);
}

#[test]
fn random_star_polygons_are_valid_and_kept() {
    // Star-shaped rings (vertices sorted by angle around a centre) are simple.
    let mut rng = SplitMix64::new(77);
    let mut kept = 0;
    for case in 0..300 {
        let n = rng.range(3, 40) as usize;
        let mut angles: Vec<f64> = (0..n)
            .map(|_| rng.next_f64() * std::f64::consts::TAU)
            .collect();
        angles.sort_by(f64::total_cmp);
        angles.dedup();
        // Around a centre inside the ring (no angular gap of π or more), the ring is simple.
        let wrap = angles[0] + std::f64::consts::TAU - angles[angles.len() - 1];
        if angles
            .windows(2)
            .map(|w| w[1] - w[0])
            .chain([wrap])
            .any(|g| g >= std::f64::consts::PI)
        {
            continue;
        }
        let mut r: Vec<Pt> = angles
            .iter()
            .map(|a| {
                let rad = 0.01 + rng.next_f64() * 0.02;
                [24.9 + rad * a.cos(), 60.2 + rad * a.sin()]
            })
            .collect();
        r.push(r[0]);
        let input = one(r);
        let out = repair(&input);
        assert!(out.issues.is_empty(), "case {case}: {:?}", out.issues);
        assert_eq!(out.polygons, input, "case {case}");
        kept += 1;
    }
    assert!(kept > 250, "only {kept} star polygons generated");
}

/// A Helsinki layer: the demo bundle's (data/helsinki), or the major districts copied into the
/// test fixtures.
fn helsinki(name: &str) -> crate::load::geojson::Layer {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let path = match name {
        "major_districts.geojson" => root.join("tests/fixtures/helsinki").join(name),
        _ => root.join("data/helsinki").join(name),
    };
    crate::load::geojson::read(&path).expect("Helsinki layer")
}

fn polygons(f: &crate::load::geojson::Feature) -> &[Polygon] {
    match &f.geometry {
        Some(crate::load::geojson::Geometry::Polygons(p)) => p,
        _ => panic!("feature {} is not a polygon", f.index),
    }
}

/// `scripts/make_valid_reference.py` (shapely 2.2.0, GEOS 3.14.1) on
/// `helsinki/major_districts.geojson`: feature 14 (Pohjoinen) is the only invalid one, "Ring
/// Self-intersection[24.9772152 60.239522]" (a spike 24.9772152 60.239522 → 24.977213
/// 60.2395226 → back); `make_valid` gives one polygon (plus the spike as a line) of planar area
/// 0.0037569509254350496 deg², geodesic area 23183057.997457214 m².
#[test]
fn helsinki_major_districts_match_geos_make_valid() {
    let layer = helsinki("major_districts.geojson");
    let mut invalid = Vec::new();
    for f in &layer.features {
        if check(polygons(f)).iter().any(|i| i.kind.is_structural()) {
            invalid.push(f.index);
        }
    }
    assert_eq!(invalid, vec![14]);
    let r = repair(polygons(&layer.features[14]));
    assert!(
        r.issues
            .iter()
            .any(|i| i.kind == IssueKind::SelfIntersection && i.detail.contains("24.977")),
        "{:?}",
        r.issues
    );
    assert_valid(&r.polygons, "Pohjoinen");
    assert_eq!(r.polygons.len(), 1);
    assert_relative_eq!(
        planar_polys(&r.polygons),
        0.0037569509254350496,
        max_relative = 1e-9
    );
    // Straight edges in an equal-area projection versus geodesics: ~1e-6 on 23 km².
    assert_relative_eq!(r.area_after, 23183057.997457214, max_relative = 1e-5);
    assert_relative_eq!(r.area_before, r.area_after, max_relative = 1e-9);

    // The layer helper names the same feature, and only structural or tidy-up issues there.
    let feats: Vec<(usize, &[Polygon])> = layer
        .features
        .iter()
        .map(|f| (f.index, polygons(f)))
        .collect();
    let findings = check_layer(&feats);
    let structural: Vec<usize> = findings
        .iter()
        .filter(|f| f.issue.kind.is_structural())
        .map(|f| f.feature)
        .collect();
    assert!(
        !structural.is_empty() && structural.iter().all(|&f| f == 14),
        "{findings:?}"
    );
    let in14: Vec<Issue> = findings
        .iter()
        .filter(|f| f.feature == 14)
        .map(|f| f.issue.clone())
        .collect();
    assert_eq!(in14, check(polygons(&layer.features[14])));
    assert!(findings.windows(2).all(|w| w[0].feature <= w[1].feature));
}

#[test]
fn real_layers_geos_calls_valid_are_valid_and_unchanged() {
    // scripts/make_valid_reference.py: no invalid features in these layers.
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for path in [
        "data/helsinki/postal_areas.geojson",
        "data/wuhan/streets_approx.geojson",
        "tests/fixtures/china_districts/seed_streets_approx.geojson",
    ] {
        let layer = crate::load::geojson::read(&root.join(path)).expect("layer");
        for f in &layer.features {
            let input = polygons(f);
            let r = repair(input);
            assert!(!r.rebuilt(), "{path} feature {}: {:?}", f.index, r.issues);
            assert_relative_eq!(r.area_before, r.area_after, max_relative = 1e-12);
            assert_relative_eq!(
                planar_polys(&r.polygons),
                naive_planar(input),
                max_relative = 1e-9
            );
        }
    }
}

mod oracle;
