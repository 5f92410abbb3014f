//! The Chinese map offsets: GCJ-02 ("Mars coordinates", used by Amap/高德, Tencent and the
//! Chinese editions of most web maps) and BD-09 (Baidu, GCJ-02 with a second offset).
//!
//! Both are published only as forward formulas from WGS 84 (GCJ-02's leaked in 2013 and is the
//! one every open-source converter uses). The inverses here solve the forward formula by
//! iteration to below 1e-10° (about 0.01 mm), instead of the usual one-step approximation that
//! leaves metres of error. All functions take and return `[lon, lat]` in degrees.

use std::f64::consts::PI;

/// Krasovsky 1940 semi-major axis and first eccentricity squared, as the GCJ-02 formula uses
/// them.
const GCJ_A: f64 = 6_378_245.0;
const GCJ_EE: f64 = 0.006_693_421_622_965_943;

/// BD-09's angular factor (π · 3000 / 180).
const BD_X_PI: f64 = PI * 3000.0 / 180.0;

/// Convergence limit of the inverse iterations, degrees (about 0.01 mm).
const TOL_DEG: f64 = 1e-10;

/// True inside the box the GCJ-02 formula is applied in (mainland China and its surroundings:
/// lon 72.004–137.8347°E, lat 0.8293–55.8271°N, the bounds every open-source implementation
/// uses). Outside it GCJ-02 equals WGS 84.
pub fn in_gcj_box(lonlat: [f64; 2]) -> bool {
    let [lon, lat] = lonlat;
    (72.004..=137.8347).contains(&lon) && (0.8293..=55.8271).contains(&lat)
}

/// The GCJ-02 offset (dlon, dlat) in degrees at a WGS 84 point inside the box.
fn gcj_offset(lon: f64, lat: f64) -> [f64; 2] {
    let x = lon - 105.0;
    let y = lat - 35.0;
    // Both series share the first harmonic group in x.
    let common = (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    let sx = x.abs().sqrt();
    let dlat_m = -100.0
        + 2.0 * x
        + 3.0 * y
        + 0.2 * y * y
        + 0.1 * x * y
        + 0.2 * sx
        + common
        + (20.0 * (y * PI).sin() + 40.0 * (y / 3.0 * PI).sin()) * 2.0 / 3.0
        + (160.0 * (y / 12.0 * PI).sin() + 320.0 * (y * PI / 30.0).sin()) * 2.0 / 3.0;
    let dlon_m = 300.0
        + x
        + 2.0 * y
        + 0.1 * x * x
        + 0.1 * x * y
        + 0.1 * sx
        + common
        + (20.0 * (x * PI).sin() + 40.0 * (x / 3.0 * PI).sin()) * 2.0 / 3.0
        + (150.0 * (x / 12.0 * PI).sin() + 300.0 * (x / 30.0 * PI).sin()) * 2.0 / 3.0;
    let s = lat.to_radians().sin();
    let w2 = 1.0 - GCJ_EE * s * s;
    let w = w2.sqrt();
    // Metres to degrees with the Krasovsky meridian (ρ) and prime-vertical (ν) radii.
    let rho = GCJ_A * (1.0 - GCJ_EE) / (w2 * w);
    let nu = GCJ_A / w;
    [
        (dlon_m / (nu * lat.to_radians().cos())).to_degrees(),
        (dlat_m / rho).to_degrees(),
    ]
}

/// WGS 84 → GCJ-02 (identity outside the box of [`in_gcj_box`]).
pub fn wgs84_to_gcj02(p: [f64; 2]) -> [f64; 2] {
    if !in_gcj_box(p) {
        return p;
    }
    let d = gcj_offset(p[0], p[1]);
    [p[0] + d[0], p[1] + d[1]]
}

/// Solves `forward(w) = target` for `w`, starting from `target`, by fixed-point iteration on
/// the offset (`w ← w − (forward(w) − target)`); the offsets vary slowly (their gradient is
/// below 1e-3), so each step gains three digits or more. Returns the best point found.
fn invert(target: [f64; 2], forward: impl Fn([f64; 2]) -> [f64; 2]) -> [f64; 2] {
    let mut w = target;
    for _ in 0..40 {
        let g = forward(w);
        let (ex, ey) = (g[0] - target[0], g[1] - target[1]);
        if ex.abs() < TOL_DEG && ey.abs() < TOL_DEG {
            break;
        }
        w = [w[0] - ex, w[1] - ey];
    }
    w
}

/// GCJ-02 → WGS 84: the exact inverse of [`wgs84_to_gcj02`] (to about 0.01 mm) by iteration.
pub fn gcj02_to_wgs84(p: [f64; 2]) -> [f64; 2] {
    if !in_gcj_box(p) {
        return p;
    }
    invert(p, wgs84_to_gcj02)
}

/// GCJ-02 → BD-09 (Baidu's published formula; applied everywhere, as Baidu does).
pub fn gcj02_to_bd09(p: [f64; 2]) -> [f64; 2] {
    let [x, y] = p;
    let z = x.hypot(y) + 0.000_02 * (y * BD_X_PI).sin();
    let t = y.atan2(x) + 0.000_003 * (x * BD_X_PI).cos();
    [z * t.cos() + 0.0065, z * t.sin() + 0.006]
}

/// BD-09 → GCJ-02: the exact inverse of [`gcj02_to_bd09`] by iteration.
pub fn bd09_to_gcj02(p: [f64; 2]) -> [f64; 2] {
    invert(p, gcj02_to_bd09)
}

/// WGS 84 → BD-09.
pub fn wgs84_to_bd09(p: [f64; 2]) -> [f64; 2] {
    gcj02_to_bd09(wgs84_to_gcj02(p))
}

/// BD-09 → WGS 84.
pub fn bd09_to_wgs84(p: [f64; 2]) -> [f64; 2] {
    gcj02_to_wgs84(bd09_to_gcj02(p))
}

#[cfg(test)]
mod tests {
    use super::*;
    use geographiclib_rs::{Geodesic, InverseGeodesic};

    fn metres(a: [f64; 2], b: [f64; 2]) -> f64 {
        let d: f64 = Geodesic::wgs84().inverse(a[1], a[0], b[1], b[0]);
        d
    }

    /// WGS 84 → GCJ-02 pairs published in the test suite of googollee/eviltransform
    /// (go/transform_test.go: Shanghai, Shenzhen, Beijing; lat/lng order there) and of
    /// hujiulong/gcoord (test/unit/crs/WGS84.spec.ts: [123, 45]).
    const PUBLISHED_GCJ: [([f64; 2], [f64; 2]); 4] = [
        (
            [121.5272106, 31.1774276],
            [121.531541859215, 31.17530398364597],
        ),
        (
            [113.912316, 22.543847],
            [113.9171764808363, 22.540796131694766],
        ),
        (
            [116.377817, 39.911954],
            [116.38404722455657, 39.91334545536069],
        ),
        ([123.0, 45.0], [123.00607541, 45.00197815]),
    ];

    #[test]
    fn published_gcj02_points() {
        for (wgs, gcj) in PUBLISHED_GCJ {
            let got = wgs84_to_gcj02(wgs);
            // The eviltransform values carry 15 digits, gcoord's 8 decimals (about 1 mm).
            assert!(
                metres(got, gcj) < 0.002,
                "{wgs:?} -> {got:?}, published {gcj:?}"
            );
            let back = gcj02_to_wgs84(gcj);
            assert!(
                metres(back, wgs) < 0.002,
                "{gcj:?} -> {back:?}, want {wgs:?}"
            );
        }
        // Outside the box GCJ-02 is WGS 84 (gcoord: [183, 45] unchanged); Helsinki too.
        assert_eq!(wgs84_to_gcj02([183.0, 45.0]), [183.0, 45.0]);
        assert_eq!(gcj02_to_wgs84([24.94, 60.17]), [24.94, 60.17]);
    }

    /// BD-09 values published in hujiulong/gcoord's test suite
    /// (test/unit/crs/WGS84.spec.ts and GCJ02.spec.js, 7–8 decimals).
    #[test]
    fn published_bd09_points() {
        let got = wgs84_to_bd09([123.0, 45.0]);
        assert!(metres(got, [123.0124491, 45.0083293]) < 0.02, "{got:?}");
        let got = gcj02_to_bd09([123.0, 45.0]);
        assert!(metres(got, [123.00636499, 45.00636899]) < 0.002, "{got:?}");
        let back = bd09_to_wgs84([123.0124491, 45.0083293]);
        assert!(metres(back, [123.0, 45.0]) < 0.02, "{back:?}");
    }

    /// The one-step approximation (`2g − f(g)`) the issue forbids is metres off; ours is not.
    #[test]
    fn iterative_inverse_beats_one_step() {
        let gcj = [116.38404722455657, 39.91334545536069];
        let f = wgs84_to_gcj02(gcj);
        let one_step = [2.0 * gcj[0] - f[0], 2.0 * gcj[1] - f[1]];
        let truth = [116.377817, 39.911954];
        assert!(metres(one_step, truth) > 0.1);
        assert!(metres(gcj02_to_wgs84(gcj), truth) < 0.002);
    }

    /// Round trips on a dense seeded grid over all of China (the GCJ box, 0.1° steps jittered
    /// by a seeded generator): WGS 84 → GCJ-02 → WGS 84 and WGS 84 → BD-09 → WGS 84 within
    /// 1 mm everywhere, and BD-09 → GCJ-02 → BD-09 likewise.
    #[test]
    fn round_trips_over_china() {
        let mut s = 0x5eed_u64;
        let mut jitter = || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s >> 11) as f64 / (1u64 << 53) as f64 * 0.1
        };
        let (mut worst_gcj, mut worst_bd, mut worst_bd_gcj) = (0.0f64, 0.0f64, 0.0f64);
        let mut n = 0;
        for i in 0..657 {
            for j in 0..550 {
                let p = [
                    72.1 + i as f64 * 0.1 + jitter(),
                    1.0 + j as f64 * 0.1 + jitter(),
                ];
                if !in_gcj_box(wgs84_to_gcj02(p)) || !in_gcj_box(p) {
                    continue; // the formula's own edge: the box test sees another point
                }
                n += 1;
                let g = wgs84_to_gcj02(p);
                worst_gcj = worst_gcj.max(metres(gcj02_to_wgs84(g), p));
                if j % 4 == 0 {
                    let b = wgs84_to_bd09(p);
                    worst_bd = worst_bd.max(metres(bd09_to_wgs84(b), p));
                    worst_bd_gcj = worst_bd_gcj.max(metres(gcj02_to_bd09(bd09_to_gcj02(p)), p));
                }
            }
        }
        assert!(n > 300_000, "{n} points");
        assert!(worst_gcj < 0.001, "GCJ-02 round trip worst {worst_gcj} m");
        assert!(worst_bd < 0.001, "BD-09 round trip worst {worst_bd} m");
        assert!(worst_bd_gcj < 0.001, "BD-09 inverse worst {worst_bd_gcj} m");
    }

    /// The offsets are the size the data shows (a few hundred metres in China, 560–830 m for
    /// the districts in ../shared/data/china_districts).
    #[test]
    fn offset_size_is_plausible() {
        for p in [[116.4, 39.9], [106.55, 29.56], [114.3, 30.6]] {
            let d = metres(p, wgs84_to_gcj02(p));
            assert!((100.0..1000.0).contains(&d), "{p:?}: {d} m");
        }
    }
}
