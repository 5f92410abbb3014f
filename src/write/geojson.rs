//! GeoJSON layers (RFC 7946: WGS 84 lon/lat, exteriors counter-clockwise). Area outlines keep
//! the 7 decimals of the source files; derived layers (blank spots, circles) use 6 decimals
//! (about 10 cm), as RFC 7946 §11.2 recommends, which keeps city-wide layers small.
//!
//! With `--out-crs` the layers are written in another system instead: projected coordinates
//! with 2 decimals (1 cm), and the legacy `"crs"` member naming the EPSG code so that QGIS and
//! GDAL read them (RFC 7946 dropped that member; it is written only off WGS 84).

use super::columns::Value;
use super::f3;
use super::round_half_away;
use crate::analyze::Analysis;
use crate::crs::Crs;
use rayon::prelude::*;
use std::fmt::Write;

fn s(v: &str) -> String {
    serde_json::to_string(v).expect("strings serialise")
}

fn num_or_null(v: Option<f64>, decimals: usize) -> String {
    match v {
        Some(x) if x.is_finite() => format!("{x:.decimals$}"),
        _ => "null".into(),
    }
}

/// Appends `v` with exactly 7 decimals (as `format!("{v:.7}")` of the value rounded to
/// 7 decimals), without the cost of the float formatter.
pub fn push_fixed7(out: &mut String, v: f64) {
    push_fixed(out, v, 7)
}

/// The two-digit strings "00" to "99", back to back.
const PAIRS: [u8; 200] = {
    let mut t = [0u8; 200];
    let mut i = 0;
    while i < 100 {
        t[2 * i] = b'0' + (i / 10) as u8;
        t[2 * i + 1] = b'0' + (i % 10) as u8;
        i += 1;
    }
    t
};

/// Appends `v` with exactly `dec` (1 to 9) decimals: the value rounded to `dec` decimals, as
/// `format!("{v:.dec$}")` prints it (tested), two digits at a time.
pub fn push_fixed(out: &mut String, v: f64, dec: usize) {
    let scale = [1.0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9][dec];
    let n = round_half_away(v * scale);
    if !n.is_finite() || n.abs() >= 9.0e15 {
        let _ = write!(out, "{v:.dec$}");
        return;
    }
    let n = n as i64;
    let mut a = n.unsigned_abs();
    // Filled from the end: fraction digits, the point, integer digits, the sign.
    let mut buf = [0u8; 32];
    let mut k = buf.len();
    let mut left = dec;
    while left >= 2 {
        let d = (a % 100) as usize;
        a /= 100;
        k -= 2;
        buf[k..k + 2].copy_from_slice(&PAIRS[2 * d..2 * d + 2]);
        left -= 2;
    }
    if left == 1 {
        k -= 1;
        buf[k] = b'0' + (a % 10) as u8;
        a /= 10;
    }
    k -= 1;
    buf[k] = b'.';
    while a >= 100 {
        let d = (a % 100) as usize;
        a /= 100;
        k -= 2;
        buf[k..k + 2].copy_from_slice(&PAIRS[2 * d..2 * d + 2]);
    }
    if a >= 10 {
        k -= 2;
        buf[k..k + 2].copy_from_slice(&PAIRS[2 * a as usize..2 * a as usize + 2]);
    } else {
        k -= 1;
        buf[k] = b'0' + a as u8;
    }
    if n < 0 {
        k -= 1;
        buf[k] = b'-';
    }
    out.push_str(std::str::from_utf8(&buf[k..]).expect("ascii digits"));
}

/// How coordinates are written: the output system and the decimals.
#[derive(Clone, Copy)]
struct Coords<'a> {
    crs: &'a Crs,
    /// Convert from WGS 84 (false when the system is WGS 84 lon/lat or a datum equal to it).
    convert: bool,
    dec: usize,
}

impl Coords<'_> {
    /// Coordinates in `crs` with `dec` decimals for degrees, 2 (1 cm) for metres.
    fn new(crs: &Crs, dec: usize) -> Coords<'_> {
        Coords {
            crs,
            convert: !crs.is_wgs84_lonlat(),
            dec: if crs.is_geographic() { dec } else { 2 },
        }
    }
}

/// The legacy GeoJSON `"crs"` member for a system other than WGS 84 that has an EPSG code.
pub fn crs_member(crs: &Crs) -> Option<String> {
    match crs.epsg() {
        Some(4326) => None,
        Some(code) => Some(format!(
            "{{\"type\":\"name\",\"properties\":{{\"name\":\"urn:ogc:def:crs:EPSG::{code}\"}}}}"
        )),
        None => None,
    }
}

fn position(out: &mut String, p: [f64; 2], c: Coords, num: &mut impl FnMut(&mut String, f64)) {
    let q = if c.convert { c.crs.from_wgs84(p) } else { p };
    out.push('[');
    num(out, q[0]);
    out.push(',');
    num(out, q[1]);
    out.push(']');
}

fn ring(out: &mut String, r: &[[f64; 2]], c: Coords, num: &mut impl FnMut(&mut String, f64)) {
    out.push('[');
    for (i, p) in r.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        position(out, *p, c, num);
    }
    out.push(']');
}

/// Writes a Polygon (one part) or MultiPolygon geometry.
fn polygons(out: &mut String, polys: &[Vec<Vec<[f64; 2]>>], c: Coords) {
    polygons_with(out, polys, c, &mut |o, v| push_fixed(o, v, c.dec))
}

/// [`polygons`], each coordinate written by `num`.
fn polygons_with(
    out: &mut String,
    polys: &[Vec<Vec<[f64; 2]>>],
    c: Coords,
    num: &mut impl FnMut(&mut String, f64),
) {
    let mut poly = |out: &mut String, rings: &[Vec<[f64; 2]>]| {
        out.push('[');
        for (i, r) in rings.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            ring(out, r, c, num);
        }
        out.push(']');
    };
    if polys.len() == 1 {
        out.push_str("{\"type\":\"Polygon\",\"coordinates\":");
        poly(out, &polys[0]);
    } else {
        out.push_str("{\"type\":\"MultiPolygon\",\"coordinates\":[");
        for (i, p) in polys.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            poly(out, p);
        }
        out.push(']');
    }
    out.push('}');
}

/// Coordinates already written, by their bits (direct-mapped): blank spots are traced on the
/// population grid, so a few thousand distinct longitudes and latitudes recur across hundreds
/// of thousands of vertices, and copying their text is cheaper than formatting it again.
struct FixedCache {
    dec: usize,
    keys: Vec<u64>,
    text: Vec<String>,
}

impl FixedCache {
    const SLOTS_LOG2: u32 = 13;

    fn new(dec: usize) -> FixedCache {
        FixedCache {
            dec,
            keys: vec![0; 1 << Self::SLOTS_LOG2],
            text: vec![String::new(); 1 << Self::SLOTS_LOG2],
        }
    }

    /// Appends `v` as [`push_fixed`] writes it.
    fn push(&mut self, out: &mut String, v: f64) {
        let bits = v.to_bits();
        // Fibonacci hashing: the top bits of the product mix every bit of the key.
        let slot = (bits.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - Self::SLOTS_LOG2)) as usize;
        let t = &mut self.text[slot];
        if self.keys[slot] != bits || t.is_empty() {
            t.clear();
            push_fixed(t, v, self.dec);
            self.keys[slot] = bits;
        }
        out.push_str(t);
    }
}

/// Bytes a polygon set needs at most (vertex count × the longest coordinate pair), so a feature
/// string is allocated once instead of growing through reallocations.
fn size_hint(polys: &[Vec<Vec<[f64; 2]>>]) -> usize {
    polys
        .iter()
        .flatten()
        .map(|r| r.len() * 28 + 4)
        .sum::<usize>()
        + 64
}

/// One feature as text; `hint` is the expected geometry size in bytes.
fn feature(props: &[(String, String)], hint: usize, geometry: impl FnOnce(&mut String)) -> String {
    let mut out = String::with_capacity(
        hint + 64
            + props
                .iter()
                .map(|(k, v)| k.len() + v.len() + 6)
                .sum::<usize>(),
    );
    feature_into(&mut out, props, geometry);
    out
}

/// Appends one feature to `out`.
fn feature_into(out: &mut String, props: &[(String, String)], geometry: impl FnOnce(&mut String)) {
    out.push_str("{\"type\":\"Feature\",\"properties\":{");
    for (i, (k, v)) in props.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(out, "{}:{}", s(k), v);
    }
    out.push_str("},\"geometry\":");
    geometry(out);
    out.push('}');
}

/// Renders `items` in parallel into a few large buffers (features separated by `,\n`), in
/// order, with a scratch state per buffer; returns the buffers for [`collection`]. `hint`
/// estimates an item's bytes, so each buffer is allocated once rather than regrown.
fn render_chunks<T: Sync, S>(
    items: &[T],
    hint: impl Fn(&T) -> usize + Sync,
    state: impl Fn() -> S + Sync,
    render: impl Fn(&mut String, &mut S, &T) + Sync,
) -> Vec<String> {
    let n = items
        .len()
        .div_ceil(rayon::current_num_threads() * 8)
        .max(1);
    items
        .par_chunks(n)
        .map(|chunk| {
            let mut out = String::with_capacity(chunk.iter().map(&hint).sum());
            let mut st = state();
            for (i, it) in chunk.iter().enumerate() {
                if i > 0 {
                    out.push_str(",\n");
                }
                render(&mut out, &mut st, it);
            }
            out
        })
        .collect()
}

/// A FeatureCollection as text pieces (header, features or chunks of features with
/// separators, footer), written one after another without joining them in memory.
fn collection(name: &str, crs: &Crs, features: Vec<String>) -> Vec<String> {
    let mut parts = Vec::with_capacity(features.len() * 2 + 2);
    let (head, tail) = collection_ends(name, crs);
    parts.push(head);
    for (i, f) in features.into_iter().enumerate() {
        if f.is_empty() {
            continue;
        }
        if i > 0 && parts.len() > 1 {
            parts.push(",\n".to_string());
        }
        parts.push(f);
    }
    parts.push(tail);
    parts
}

/// The text before a FeatureCollection's features and after them.
fn collection_ends(name: &str, crs: &Crs) -> (String, String) {
    let member = crs_member(crs)
        .map(|m| format!("\"crs\":{m},"))
        .unwrap_or_default();
    (
        format!(
            "{{\"type\":\"FeatureCollection\",\"name\":{},{member}\"features\":[\n",
            s(name)
        ),
        "\n]}\n".to_string(),
    )
}

/// `areas.geojson`: the area polygons with every `areas.csv` column as properties: `area_id`,
/// `area_name`, then per service the others prefixed with its id (`station_coverage` …);
/// empty values are `null`.
pub fn areas(a: &Analysis, crs: &Crs) -> Vec<String> {
    let cols = super::columns::present(a, false);
    let stats = super::columns::analysis_stats(a);
    let order = super::columns::area_order(a);
    let features = order.par_iter().map(|&i| {
        let area = &a.areas.list[i];
        let mut props = vec![
            ("area_id".to_string(), s(&area.id)),
            ("area_name".to_string(), s(&area.name)),
        ];
        for row in super::columns::unit_rows(a, &stats, i) {
            // The unit's id and name once, the service as the prefix.
            let per_service = cols
                .iter()
                .filter(|c| c.name != "area_id")
                .filter(|c| c.name != "area_name" && c.name != "kind");
            for c in per_service {
                let v = (c.get)(&row);
                let text = match &v {
                    Value::Empty => "null".to_string(),
                    Value::Text(t) => s(t),
                    _ => v.text(c.format),
                };
                props.push((format!("{}_{}", row.kind, c.name), text));
            }
        }
        feature(&props, size_hint(&area.polygons), |out| {
            polygons(out, &area.polygons, Coords::new(crs, 7))
        })
    });
    collection("areas", crs, features.collect())
}

/// `uncovered.geojson`: per service, the uncovered populated cells dissolved into connected
/// polygons per area, with their population. The text goes to `sink` in order, batch by batch
/// (each rendered in parallel), so a city's tens of megabytes are never held whole.
pub fn uncovered(
    a: &Analysis,
    crs: &Crs,
    mut sink: impl FnMut(&str) -> crate::error::Result<()>,
) -> crate::error::Result<()> {
    let spots: Vec<(usize, &crate::analyze::BlankSpot)> = a
        .services
        .iter()
        .enumerate()
        .flat_map(|(k, sv)| sv.blank_spots.iter().map(move |b| (k, b)))
        .collect();
    // The properties every spot of a service, and of an area, shares: escaped once.
    let service_props: Vec<String> = a
        .services
        .iter()
        .map(|sv| {
            format!(
                "\"kind\":{},\"serves\":{}",
                s(&sv.spec.id),
                s(&sv.spec.serves)
            )
        })
        .collect();
    let area_props: Vec<String> = a
        .areas
        .list
        .iter()
        .map(|area| {
            format!(
                ",\"area_id\":{},\"area_name\":{}",
                s(&area.id),
                s(&area.name)
            )
        })
        .collect();
    let coords = Coords::new(crs, 6);
    type Spot<'a> = (usize, &'a crate::analyze::BlankSpot);
    let hint = |(_, b): &Spot| size_hint(&b.polygons) + 256;
    let render = |out: &mut String, cache: &mut FixedCache, &(k, b): &Spot| {
        out.push_str("{\"type\":\"Feature\",\"properties\":{");
        out.push_str(&service_props[k]);
        out.push_str(&area_props[b.area.0 as usize]);
        let _ = write!(
            out,
            ",\"population\":{},\"cells\":{}}},\"geometry\":",
            f3(b.population),
            b.cells
        );
        if coords.convert {
            // Converted coordinates do not recur: format each.
            polygons(out, &b.polygons, coords);
        } else {
            polygons_with(out, &b.polygons, coords, &mut |o, v| cache.push(o, v));
        }
        out.push('}');
    };
    let (head, tail) = collection_ends("uncovered", crs);
    sink(&head)?;
    // Batches of about 4 MB of text; the buffers of one are reused by the next.
    let mut any = false;
    let mut from = 0;
    while from < spots.len() {
        let (mut to, mut bytes) = (from, 0);
        while to < spots.len() && bytes < 4 << 20 {
            bytes += hint(&spots[to]);
            to += 1;
        }
        let chunks = render_chunks(
            &spots[from..to],
            hint,
            || FixedCache::new(coords.dec),
            render,
        );
        for c in chunks.iter().filter(|c| !c.is_empty()) {
            if any {
                sink(",\n")?;
            }
            sink(c)?;
            any = true;
        }
        from = to;
    }
    sink(&tail)
}

/// Number of vertices of a service circle.
pub const CIRCLE_VERTICES: usize = 72;

/// The radius of a facility's circle: its unit's zone radius (the service's outside every unit).
fn circle_radius(a: &Analysis, sv: &crate::analyze::ServiceResult, facility: u32) -> f64 {
    a.facility_area[facility as usize]
        .map(|x| sv.unit_rules[x.0 as usize].radius_m)
        .unwrap_or(sv.spec.radius_m)
}

/// `circles.geojson`: the service circle of every facility of every service, as a polygon of
/// [`CIRCLE_VERTICES`] vertices at the true radius (geodesic within the frame's accuracy): the
/// radius of the facility's zone; `planned` marks `[[planned]]` facilities (`--with-planned`).
pub fn circles(a: &Analysis, crs: &Crs) -> Vec<String> {
    let f = &a.frame;
    // Vertices go through a tabulated inverse (1 km nodes, ~1 cm: below the 6 decimals written)
    // over the facilities' box grown by the largest radius.
    let centres: Vec<[f64; 2]> = a
        .facilities
        .iter()
        .map(|x| f.to_local(x.lonlat[0], x.lonlat[1]))
        .collect();
    let grow = a
        .services
        .iter()
        .flat_map(|sv| {
            sv.unit_rules
                .iter()
                .map(|r| r.radius_m)
                .chain([sv.spec.radius_m])
        })
        .fold(0.0, f64::max)
        * 1.01
        + 10.0;
    let mut b = [
        f64::INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NEG_INFINITY,
    ];
    for c in &centres {
        b = [
            b[0].min(c[0]),
            b[1].min(c[1]),
            b[2].max(c[0]),
            b[3].max(c[1]),
        ];
    }
    let b = [b[0] - grow, b[1] - grow, b[2] + grow, b[3] + grow];
    let ext = (b[2] - b[0]).max(b[3] - b[1]);
    let lut = crate::projection::LonLatLut::new(f, b, (ext / 512.0).max(1000.0));
    // The unit circle's vertices, computed once.
    let unit: Vec<(f64, f64)> = (0..CIRCLE_VERTICES)
        .map(|k| {
            let t = k as f64 / CIRCLE_VERTICES as f64 * std::f64::consts::TAU;
            (t.cos(), t.sin())
        })
        .collect();
    let items: Vec<(&crate::analyze::ServiceResult, u32)> = a
        .services
        .iter()
        .flat_map(|sv| sv.facilities.iter().map(move |&i| (sv, i)))
        .collect();
    let features: Vec<String> = items
        .par_iter()
        .map(|&(sv, i)| {
            let c = centres[i as usize];
            // Grid radius for a true radius r: r × point scale at the centre.
            let r = circle_radius(a, sv, i) / f.inv_scale(c[0], c[0]);
            let mut ring: Vec<[f64; 2]> = Vec::with_capacity(CIRCLE_VERTICES + 1);
            ring.extend(
                unit.iter()
                    .map(|&(cos, sin)| lut.to_lonlat([c[0] + r * cos, c[1] + r * sin])),
            );
            ring.push(ring[0]);
            let fac = &a.facilities[i as usize];
            let area = a.facility_area[i as usize]
                .map(|x| a.areas.list[x.0 as usize].id.as_str())
                .unwrap_or("");
            let props = vec![
                ("kind".to_string(), s(&sv.spec.id)),
                ("facility_kind".to_string(), s(&fac.kind)),
                ("id".to_string(), s(&fac.id)),
                (
                    "name".to_string(),
                    fac.name.as_deref().map(s).unwrap_or_else(|| "null".into()),
                ),
                ("capacity".to_string(), num_or_null(fac.capacity, 3)),
                (
                    "radius_m".to_string(),
                    format!("{}", circle_radius(a, sv, i)),
                ),
                ("area_id".to_string(), s(area)),
                ("planned".to_string(), a.is_planned(i).to_string()),
            ];
            let hint = ring.len() * 28 + 64;
            feature(&props, hint, |out| {
                polygons(out, &[vec![ring]], Coords::new(crs, 6))
            })
        })
        .collect();
    collection("circles", crs, features)
}

/// `service_areas.geojson`: per facility, the area reachable on foot within its service's
/// budget, and per service the dissolved area of all its facilities. Built from the reachable
/// street pieces (cut at the exact budget) buffered by `width_m`; every point inside lies
/// within `width_m` of a network position whose walking distance is within budget.
pub fn service_areas(a: &Analysis, width_m: f64, crs: &Crs) -> Vec<String> {
    let Some(run) = &a.network else {
        return Vec::new();
    };
    let net = &run.net;
    let to_ll = |polys: crate::network::Polygons| -> Vec<Vec<Vec<[f64; 2]>>> {
        polys
            .into_iter()
            .map(|p| {
                p.into_iter()
                    .map(|r| r.into_iter().map(|q| a.frame.to_lonlat(q)).collect())
                    .collect()
            })
            .collect()
    };
    let mut jobs: Vec<(usize, Option<usize>)> = Vec::new();
    for (k, sv) in a.services.iter().enumerate() {
        jobs.push((k, None));
        if let Some(w) = &sv.walk {
            jobs.extend(
                (0..w.facility_snaps.len())
                    .filter(|&j| w.facility_snaps[j].is_some())
                    .map(|j| (k, Some(j))),
            );
        }
    }
    let features: Vec<String> = jobs
        .par_iter()
        .filter_map(|&(k, j)| {
            let sv = &a.services[k];
            let w = sv.walk.as_ref()?;
            let (level, id, polys) = match j {
                None => {
                    let snaps: Vec<crate::network::Snap> =
                        w.facility_snaps.iter().flatten().copied().collect();
                    (
                        "service",
                        String::new(),
                        net.dissolved_service_area(&snaps, w.budget_m, width_m),
                    )
                }
                Some(j) => {
                    let snap = w.facility_snaps[j]?;
                    (
                        "facility",
                        a.facilities[sv.facilities[j] as usize].id.clone(),
                        net.service_area(&snap, w.budget_m, width_m),
                    )
                }
            };
            if polys.is_empty() {
                return None;
            }
            let polys = to_ll(polys);
            let props = vec![
                ("kind".to_string(), s(&sv.spec.id)),
                ("level".to_string(), s(level)),
                (
                    "facility_id".to_string(),
                    if j.is_some() { s(&id) } else { "null".into() },
                ),
                ("minutes".to_string(), format!("{}", sv.spec.minutes)),
                ("speed_kmh".to_string(), format!("{}", sv.spec.speed_kmh)),
                ("budget_m".to_string(), format!("{:.1}", w.budget_m)),
                ("width_m".to_string(), format!("{width_m}")),
            ];
            Some(feature(&props, size_hint(&polys), |out| {
                polygons(out, &polys, Coords::new(crs, 6))
            }))
        })
        .collect();
    collection("service_areas", crs, features)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fast formatter agrees with the standard one on seeded random values, for every
    /// number of decimals, at magnitudes from degrees to projected metres.
    #[test]
    fn fixed_matches_format() {
        let mut x = 0x1234_5678_u64;
        for dec in 1..=9 {
            let scale = 10f64.powi(dec as i32);
            for k in 0..40_000 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let span = [1.0, 360.0, 1e5, 1e7][k % 4];
                let v = ((x >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * span;
                if (v * scale).abs() >= 9.0e15 {
                    continue;
                }
                let mut s = String::new();
                push_fixed(&mut s, v, dec);
                let want = format!("{:.dec$}", (v * scale).round() / scale);
                let zero = format!("-{:.dec$}", 0.0);
                assert_eq!(
                    s,
                    if want == zero {
                        want[1..].to_string()
                    } else {
                        want
                    },
                    "{v} {dec}"
                );
            }
        }
        let mut s = String::new();
        push_fixed7(&mut s, 114.2829165);
        assert_eq!(s, "114.2829165");
    }

    /// `round_half_away` is `f64::round` exactly: seeded values at every scale, halves,
    /// the largest value below one half, signed zeros, huge and non-finite values.
    #[test]
    fn round_half_away_is_round() {
        let mut x = 0x9E37_79B9_u64;
        let mut vals = vec![
            0.5,
            -0.5,
            1.5,
            2.5,
            -2.5,
            0.49999999999999994,
            -0.49999999999999994,
            4503599627370495.5,
            4503599627370497.0,
            0.0,
            -0.0,
            1e300,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ];
        for k in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let u = (x >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
            let v = u * [1.0, 10.0, 1e6, 1e12, 1e17][k % 5];
            // Every fourth value sits on a half.
            vals.push(if k % 4 == 0 {
                (v * 2.0).round() / 2.0
            } else {
                v
            });
        }
        for v in vals {
            assert_eq!(round_half_away(v).to_bits(), v.round().to_bits(), "{v}");
        }
        assert!(round_half_away(f64::NAN).is_nan());
    }

    /// The coordinate cache writes what `push_fixed` writes, with values that recur (a
    /// lattice, as blank spots have), that collide in its slots, and that never recur.
    #[test]
    fn fixed_cache_matches_push_fixed() {
        let mut x = 0x2545_F491_u64;
        let mut cache = FixedCache::new(6);
        let lattice: Vec<f64> = (0..6000)
            .map(|i| 113.7 + i as f64 * (3.0 / 3600.0))
            .collect();
        for k in 0..300_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let v = if k % 3 == 0 {
                ((x >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * 360.0
            } else {
                lattice[(x % lattice.len() as u64) as usize]
            };
            let (mut got, mut want) = (String::from("x"), String::from("x"));
            cache.push(&mut got, v);
            push_fixed(&mut want, v, 6);
            assert_eq!(got, want, "{v}");
        }
    }
}
