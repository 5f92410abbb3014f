//! GeoJSON layers (RFC 7946: WGS 84 lon/lat, exteriors counter-clockwise, 7 decimals ≈ 1 cm).

use super::f3;
use crate::analyze::Analysis;
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

fn ring(out: &mut String, r: &[[f64; 2]]) {
    out.push('[');
    for (i, p) in r.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(out, "[{:.7},{:.7}]", p[0], p[1]);
    }
    out.push(']');
}

/// Writes a Polygon (one part) or MultiPolygon geometry.
fn polygons(out: &mut String, polys: &[Vec<Vec<[f64; 2]>>]) {
    let poly = |out: &mut String, rings: &[Vec<[f64; 2]>]| {
        out.push('[');
        for (i, r) in rings.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            ring(out, r);
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

struct Fc {
    out: String,
    n: usize,
}

impl Fc {
    fn new(name: &str) -> Fc {
        Fc { out: format!("{{\"type\":\"FeatureCollection\",\"name\":{},\"features\":[\n", s(name)), n: 0 }
    }
    fn feature(&mut self, props: &[(String, String)], geometry: impl FnOnce(&mut String)) {
        if self.n > 0 {
            self.out.push_str(",\n");
        }
        self.n += 1;
        self.out.push_str("{\"type\":\"Feature\",\"properties\":{");
        for (i, (k, v)) in props.iter().enumerate() {
            if i > 0 {
                self.out.push(',');
            }
            let _ = write!(self.out, "{}:{}", s(k), v);
        }
        self.out.push_str("},\"geometry\":");
        geometry(&mut self.out);
        self.out.push('}');
    }
    fn finish(mut self) -> String {
        self.out.push_str("\n]}\n");
        self.out
    }
}

/// `areas.geojson`: the area polygons with the `areas.csv` figures as properties, one set per
/// service prefixed with its id (`station_coverage` …).
pub fn areas(a: &Analysis) -> String {
    let mut fc = Fc::new("areas");
    for i in super::tables::area_order(a) {
        let area = &a.areas.list[i];
        let mut props = vec![("area_id".to_string(), s(&area.id)), ("area_name".to_string(), s(&area.name))];
        for sv in &a.services {
            let st = &sv.stats[i];
            let p = &sv.spec.id;
            props.push((format!("{p}_population"), f3(st.population)));
            props.push((format!("{p}_covered_population"), f3(st.covered)));
            props.push((format!("{p}_coverage"), num_or_null(st.coverage, 6)));
            props.push((format!("{p}_facilities"), st.facilities.to_string()));
            props.push((format!("{p}_capacity"), num_or_null(st.capacity, 3)));
            props.push((format!("{p}_capacity_per_1000"), num_or_null(st.capacity_per_1000, 3)));
            props.push((format!("{p}_blank"), st.blank().to_string()));
            props.push((format!("{p}_reasons"), s(&st.reasons.iter().map(|r| r.code()).collect::<Vec<_>>().join(";"))));
        }
        fc.feature(&props, |out| polygons(out, &area.polygons));
    }
    fc.finish()
}

/// `uncovered.geojson`: per service, the uncovered populated cells dissolved into connected
/// polygons per area, with their population.
pub fn uncovered(a: &Analysis) -> String {
    let mut fc = Fc::new("uncovered");
    for sv in &a.services {
        for b in &sv.blank_spots {
            let area = &a.areas.list[b.area.0 as usize];
            let props = vec![
                ("kind".to_string(), s(&sv.spec.id)),
                ("serves".to_string(), s(&sv.spec.serves)),
                ("area_id".to_string(), s(&area.id)),
                ("area_name".to_string(), s(&area.name)),
                ("population".to_string(), f3(b.population)),
                ("cells".to_string(), b.cells.to_string()),
            ];
            fc.feature(&props, |out| polygons(out, &b.polygons));
        }
    }
    fc.finish()
}

/// Number of vertices of a service circle.
pub const CIRCLE_VERTICES: usize = 72;

/// `circles.geojson`: the service circle of every facility of every service, as a polygon of
/// [`CIRCLE_VERTICES`] vertices at the true radius (geodesic within the frame's accuracy).
pub fn circles(a: &Analysis) -> String {
    let mut fc = Fc::new("circles");
    let f = &a.frame;
    for sv in &a.services {
        for &i in &sv.facilities {
            let fac = &a.facilities[i as usize];
            let c = f.to_local(fac.lonlat[0], fac.lonlat[1]);
            // Grid radius for a true radius r: r × point scale at the centre.
            let r = sv.spec.radius_m / f.inv_scale(c[0], c[0]);
            let mut ring: Vec<[f64; 2]> = (0..CIRCLE_VERTICES)
                .map(|k| {
                    let t = k as f64 / CIRCLE_VERTICES as f64 * std::f64::consts::TAU;
                    f.to_lonlat([c[0] + r * t.cos(), c[1] + r * t.sin()])
                })
                .collect();
            ring.push(ring[0]);
            let area = a.facility_area[i as usize].map(|x| a.areas.list[x.0 as usize].id.as_str()).unwrap_or("");
            let props = vec![
                ("kind".to_string(), s(&sv.spec.id)),
                ("facility_kind".to_string(), s(&fac.kind)),
                ("id".to_string(), s(&fac.id)),
                ("name".to_string(), fac.name.as_deref().map(s).unwrap_or_else(|| "null".into())),
                ("capacity".to_string(), num_or_null(fac.capacity, 3)),
                ("radius_m".to_string(), format!("{}", sv.spec.radius_m)),
                ("area_id".to_string(), s(area)),
            ];
            fc.feature(&props, |out| polygons(out, &[vec![ring]]));
        }
    }
    fc.finish()
}
