//! `carecircle validate`: reads everything `analyze` would read and reports, per layer, what
//! was found: features, coordinate system and how it was decided, bounding box, invalid
//! outlines, duplicate ids, nulls, points outside every area, and layers that do not line up
//! (with a GCJ-02 / BD-09 hint measured on the data).
//!
//! Errors (anything `analyze` would stop on) end the report; [`Report::ok`] is false then.

use crate::area::{self, AreaIndex};
use crate::crs::Crs;
use crate::facility;
use crate::load::{vector, BBox};
use crate::plan::{is_csv, is_xlsx, Plan};
use crate::population;
use crate::warnings::Warnings;
use std::fmt::Write as _;

/// The validation report.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Readable lines, one finding each.
    pub lines: Vec<String>,
    /// True when `analyze` would run.
    pub ok: bool,
}

impl Report {
    fn line(&mut self, s: impl Into<String>) {
        self.lines.push(s.into());
    }

    /// The report as text.
    pub fn text(&self) -> String {
        let mut o = String::new();
        for l in &self.lines {
            let _ = writeln!(o, "{l}");
        }
        let _ = writeln!(
            o,
            "{}",
            if self.ok {
                "OK: analyze can run on this plan."
            } else {
                "NOT OK: analyze would stop on the error above."
            }
        );
        o
    }
}

/// Validates a loaded plan.
pub fn run(plan: &Plan) -> Report {
    let mut r = Report::default();
    r.line(format!("plan: {}", plan.path.display()));
    for w in plan.warnings.0.iter() {
        r.line(format!("  warning: {}", w.message));
    }
    match check(plan, &mut r) {
        Ok(()) => r.ok = true,
        Err(e) => {
            r.line(format!("error: {e}"));
            r.ok = false;
        }
    }
    r
}

fn check(plan: &Plan, r: &mut Report) -> crate::Result<()> {
    // Areas: format, system, geometry findings before repair.
    let a = &plan.areas;
    let (src, used) = vector::read_wgs84(&a.path, a.layer.as_deref(), a.crs.as_ref())?;
    r.line(format!(
        "areas: {} ({}): {} features; system {} ({}); bbox {}",
        a.path.display(),
        src.format,
        src.layer.features.len(),
        used.crs.label(),
        used.how,
        src.layer.bbox
    ));
    if let Some(e) = &src.encoding {
        r.line(format!("  text encoding: {e}"));
    }
    let read = src.layer.features.len();
    let layer = area::narrow(a, src.layer)?;
    if !a.select.is_empty() {
        r.line(format!(
            "  where {}: {} of {read} features kept; bbox {}",
            a.select
                .iter()
                .map(|(f, v)| format!("{f} = [{}]", v.join(", ")))
                .collect::<Vec<_>>()
                .join(", "),
            layer.features.len(),
            layer.bbox
        ));
    }
    if layer.deleted > 0 {
        r.line(format!(
            "  {} records flagged deleted in the .dbf (left out)",
            layer.deleted
        ));
    }
    let polys: Vec<(usize, Vec<crate::load::geojson::Polygon>)> = layer
        .features
        .iter()
        .filter_map(|f| match &f.geometry {
            Some(crate::load::geojson::Geometry::Polygons(p)) => Some((f.index, p.clone())),
            _ => None,
        })
        .collect();
    let refs: Vec<(usize, &[crate::load::geojson::Polygon])> =
        polys.iter().map(|(i, p)| (*i, &p[..])).collect();
    // Every finding by feature except ring orientation (most GIS exports write clockwise
    // shells; it is fixed silently and does not change any figure).
    let findings: Vec<_> = crate::validity::check_layer(&refs)
        .into_iter()
        .filter(|f| f.issue.kind != crate::validity::IssueKind::WrongOrientation)
        .collect();
    if findings.is_empty() {
        r.line("  geometry: no self-intersections, unclosed rings, empty parts or repeated points");
    }
    for f in findings.iter().take(50) {
        r.line(format!(
            "  geometry: feature {}: {} (part {}, ring {}){}",
            f.feature,
            f.issue.kind,
            f.issue.part,
            f.issue.ring,
            if f.issue.detail.is_empty() {
                String::new()
            } else {
                format!(": {}", f.issue.detail)
            }
        ));
    }
    if findings.len() > 50 {
        r.line(format!("  geometry: … {} findings in all", findings.len()));
    }
    let areas = area::load_layer(a, layer)?;
    for w in areas.repairs.0.iter() {
        r.line(format!("  repaired on load: {}", w.message));
    }
    let index = AreaIndex::new(&areas);

    // Population.
    let p = &plan.population;
    let mut pw = Warnings::default();
    let mut cells = population::load(p, &mut pw)?;
    cells.project(&crate::projection::Frame::for_bbox(areas.bbox.0));
    let outside = cells
        .lonlat
        .iter()
        .filter(|&&q| index.locate(q).is_none())
        .count();
    r.line(format!(
        "population: {}: {} cells; bbox {}; {} cells outside every area",
        p.path.display(),
        cells.len(),
        cells.bbox,
        outside
    ));
    if let Some(c) = &p.crs {
        r.line(format!("  system {} (plan)", c.label()));
    }
    for w in pw.0.iter() {
        r.line(format!("  warning: {}", w.message));
    }
    for (g, fields) in &p.groups {
        r.line(format!("  group {g} = {}", fields.join(" + ")));
    }
    overlap(
        r,
        "population",
        &cells.lonlat,
        &cells.bbox,
        &areas.bbox,
        &index,
        None,
    )?;
    let frame = crate::projection::Frame::for_bbox(areas.bbox.0);
    let populated: Vec<[f64; 2]> = (0..cells.len())
        .filter(|&c| cells.values.iter().any(|v| v[c] > 0.0))
        .map(|c| cells.local[c])
        .collect();

    // Facilities, per source.
    for spec in &plan.facilities {
        let (fac, info) = facility::load(std::slice::from_ref(spec))?;
        let info = &info[0];
        let mut seen = std::collections::HashMap::new();
        let dups = fac
            .iter()
            .filter(|f| seen.insert(f.id.as_str(), ()).is_some())
            .count();
        let pts: Vec<[f64; 2]> = fac.iter().map(|f| f.lonlat).collect();
        let outside = pts.iter().filter(|&&q| index.locate(q).is_none()).count();
        let system = match (&spec.crs, is_csv(&spec.path) || is_xlsx(&spec.path)) {
            (Some(c), _) => format!("{} (plan)", c.label()),
            (None, true) => "WGS 84 (default for tables)".into(),
            (None, false) => "as the file says (see analyze's summary)".into(),
        };
        let mut kinds: std::collections::BTreeMap<&str, usize> = Default::default();
        for f in &fac {
            *kinds.entry(f.kind.as_str()).or_default() += 1;
        }
        r.line(format!(
            "facilities: {}: {} points; system {system}; bbox {}; {} outside every area; {} duplicate ids; {} without capacity",
            spec.path.display(),
            fac.len(),
            info.bbox,
            outside,
            dups,
            info.null_capacity
        ));
        r.line(format!(
            "  kinds: {}",
            kinds
                .iter()
                .map(|(k, n)| format!("{k} {n}"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        let evaluated: Vec<&str> = plan.services.iter().map(|s| s.kind.as_str()).collect();
        let unknown: Vec<&&str> = kinds.keys().filter(|k| !evaluated.contains(k)).collect();
        if !unknown.is_empty() {
            r.line(format!(
                "  kinds no service evaluates: {}",
                unknown
                    .iter()
                    .map(|k| k.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        overlap(
            r,
            "facilities",
            &pts,
            &info.bbox,
            &areas.bbox,
            &index,
            Some((&frame, &populated)),
        )?;
    }
    for s in &plan.services {
        if !s.kind.is_empty() {
            r.line(format!(
                "service {}: kind {}, serves {}, radius {} m{}",
                s.id,
                s.kind,
                s.serves,
                s.radius_m,
                s.source
                    .as_ref()
                    .map(|p| format!(" (standard {})", p.preset))
                    .unwrap_or_default()
            ));
        }
    }
    Ok(())
}

/// Layers that do not line up: no overlap at all is an error (as in `analyze`); otherwise, when
/// reading the points as GCJ-02 or BD-09 would put clearly more of them inside the areas, say
/// so with the shift measured on the data.
fn overlap(
    r: &mut Report,
    what: &str,
    pts: &[[f64; 2]],
    b: &BBox,
    areas: &BBox,
    index: &AreaIndex,
    near: Option<(&crate::projection::Frame, &[[f64; 2]])>,
) -> crate::Result<()> {
    if !b.is_empty() && !b.touches(areas) {
        return Err(crate::Error::Layer {
            path: Default::default(),
            reason: format!("the {what} layer ({b}) does not overlap the areas ({areas}) at all: check its coordinate system"),
        });
    }
    for h in datum_hints(pts, index, near) {
        r.line(format!(
            "  hint: read as {name}, {n} of {sample} sampled points fall inside the areas (instead of {base}) and the median distance to the nearest populated cell is {near:.0} m (instead of {base_near:.0} m): the points sit about {shift:.0} m {dir} of where {name} → WGS 84 puts them. Are they {name}? Set crs = \"{name}\" in this section.",
            name = h.name,
            n = h.inside,
            sample = h.sample,
            base = h.base_inside,
            near = h.near_m,
            base_near = h.base_near_m,
            shift = h.shift_m,
            dir = h.direction
        ));
    }
    Ok(())
}

/// Evidence that a point layer is in GCJ-02 or BD-09 rather than WGS 84 ([`datum_hints`]).
#[derive(Debug, Clone, PartialEq)]
pub struct DatumHint {
    /// "GCJ-02" or "BD-09" (also the value for `crs = …`).
    pub name: &'static str,
    /// Points sampled.
    pub sample: usize,
    /// Sampled points inside the areas when read as `name`.
    pub inside: usize,
    /// Sampled points inside the areas as read (WGS 84).
    pub base_inside: usize,
    /// Median distance to the nearest populated cell read as `name`, metres (NaN unmeasured).
    pub near_m: f64,
    /// The same as read.
    pub base_near_m: f64,
    /// Mean distance between the points as read and as converted, metres.
    pub shift_m: f64,
    /// Which way the points sit from where the conversion puts them ("north-west" …).
    pub direction: &'static str,
}

/// Would reading `pts` (WGS 84 as read) as GCJ-02 or BD-09 put clearly more of them inside
/// the areas, or (with `near`: the frame and populated cells in it) clearly closer to where
/// people live? One hint per system that would (none for an empty layer).
pub fn datum_hints(
    pts: &[[f64; 2]],
    index: &AreaIndex,
    near: Option<(&crate::projection::Frame, &[[f64; 2]])>,
) -> Vec<DatumHint> {
    let mut hints = Vec::new();
    if pts.is_empty() {
        return hints;
    }
    let step = (pts.len() / 5000).max(1);
    let sample: Vec<[f64; 2]> = pts.iter().step_by(step).copied().collect();
    let inside = |q: &[[f64; 2]]| q.iter().filter(|&&p| index.locate(p).is_some()).count();
    // Facilities stand where people live: the median distance to the nearest populated cell.
    let median_near = |q: &[[f64; 2]]| -> f64 {
        let Some((frame, cells)) = near else {
            return f64::NAN;
        };
        let local: Vec<[f64; 2]> = q.iter().map(|p| frame.to_local(p[0], p[1])).collect();
        let mut d = crate::coverage::nearest_distances(frame, &local, cells, 3000.0, false);
        d.sort_by(f64::total_cmp);
        d[d.len() / 2]
    };
    let (base, base_near) = (inside(&sample), median_near(&sample));
    for (name, crs) in [("GCJ-02", Crs::gcj02()), ("BD-09", Crs::bd09())] {
        let moved: Vec<[f64; 2]> = sample.iter().map(|&p| crs.to_wgs84(p)).collect();
        let (n, moved_near) = (inside(&moved), median_near(&moved));
        let closer = moved_near < 0.5 * base_near && base_near > 10.0;
        if closer || n as f64 > base as f64 * 1.05 + 0.02 * sample.len() as f64 {
            let (dx, dy) = mean_shift_m(&sample, &moved);
            hints.push(DatumHint {
                name,
                sample: sample.len(),
                inside: n,
                base_inside: base,
                near_m: moved_near,
                base_near_m: base_near,
                shift_m: dx.hypot(dy),
                direction: compass(-dx, -dy),
            });
        }
    }
    hints
}

/// Mean displacement (east, north) in metres from `a` to `b`.
fn mean_shift_m(a: &[[f64; 2]], b: &[[f64; 2]]) -> (f64, f64) {
    let n = a.len().max(1) as f64;
    let (mut e, mut nn) = (0.0, 0.0);
    for (p, q) in a.iter().zip(b) {
        let k = 111_320.0;
        e += (q[0] - p[0]) * k * p[1].to_radians().cos();
        nn += (q[1] - p[1]) * k;
    }
    (e / n, nn / n)
}

/// "north-east" and so on for a direction (east, north).
fn compass(e: f64, n: f64) -> &'static str {
    const NAMES: [&str; 8] = [
        "east",
        "north-east",
        "north",
        "north-west",
        "west",
        "south-west",
        "south",
        "south-east",
    ];
    let a = n.atan2(e).to_degrees().rem_euclid(360.0);
    NAMES[(((a + 22.5) / 45.0) as usize) % 8]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compass_points() {
        assert_eq!(compass(1.0, 0.0), "east");
        assert_eq!(compass(1.0, 1.0), "north-east");
        assert_eq!(compass(0.0, -1.0), "south");
        assert_eq!(compass(-1.0, 0.1), "west");
    }
}
