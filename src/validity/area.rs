//! Polygon areas in square metres on the WGS 84 ellipsoid.
//!
//! Each vertex is mapped by the ellipsoidal Lambert cylindrical equal-area projection
//! (Snyder, *Map Projections — A Working Manual*, eq. 3-12 and 10-15):
//! `x = a·λ`, `y = a·q(φ)/2`. The projection preserves area exactly, so the shoelace area of
//! the projected ring is the ellipsoidal area of the polygon whose edges are straight in that
//! projection; for the sub-kilometre edges of street and district outlines this differs from
//! geodesic edges by far less than the digitising error (the tests compare with
//! GeographicLib). Rings crossing the antimeridian are not handled.

use crate::projection::{WGS84_A, WGS84_F};

/// Authalic `q(φ)` of Snyder eq. 3-12, for latitude in degrees.
fn q(lat: f64) -> f64 {
    let e2 = WGS84_F * (2.0 - WGS84_F);
    let e = e2.sqrt();
    let s = lat.to_radians().sin();
    (1.0 - e2) * (s / (1.0 - e2 * s * s) - (1.0 / (2.0 * e)) * ((1.0 - e * s) / (1.0 + e * s)).ln())
}

/// Signed area (m², positive when counter-clockwise) of a lon/lat ring, open or closed.
pub fn ring_area_m2(ring: &[[f64; 2]]) -> f64 {
    let Some(&o) = ring.first() else { return 0.0 };
    let qo = q(o[1]);
    let xy = |p: [f64; 2]| {
        [
            WGS84_A * (p[0] - o[0]).to_radians(),
            WGS84_A * (q(p[1]) - qo) / 2.0,
        ]
    };
    let mut s = 0.0;
    let mut prev = [0.0, 0.0];
    for &p in &ring[1..] {
        let c = xy(p);
        s += prev[0] * c[1] - c[0] * prev[1];
        prev = c;
    }
    s / 2.0
}

/// Area (m²) of polygons read as shells minus holes: `Σ |shell| − Σ |hole|`. For valid
/// polygons this is their area; for invalid ones it is what a naive shoelace reports.
pub fn polygons_area_m2(polys: &[Vec<Vec<[f64; 2]>>]) -> f64 {
    polys
        .iter()
        .map(|p| {
            p.iter()
                .enumerate()
                .map(|(k, r)| {
                    let a = ring_area_m2(r).abs();
                    if k == 0 {
                        a
                    } else {
                        -a
                    }
                })
                .sum::<f64>()
        })
        .sum()
}
