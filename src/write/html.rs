//! `report.html`: one self-contained page a planner opens in a browser.
//!
//! Everything is inline (styles, script, maps as SVG drawn from the data itself) and a
//! content-security policy forbids every remote load, so the page works offline and leaks
//! nothing. Fonts are the system's (a CJK font stack, never an embedded font).
//!
//! Maps are drawn in the analysis frame (local transverse Mercator, metres, north up),
//! quantised to a grid of [`GRID`] units across the longer side and simplified with
//! Douglas–Peucker at a fraction of a screen pixel at full extent. Simplification is for
//! display only: every figure in the page comes from the unsimplified analysis.

use super::columns::label;
use super::i18n::{self, tr, trf, Lang};
use super::round_half_away;
use super::summary::{Role, RunFacts};
use crate::analyze::{Analysis, BlankSpot, ServiceResult};
use crate::gaps::AreaStats;
use crate::plan::ServiceSpec;
use crate::projection::LocalLut;
use crate::sites::{Mode, Site, SitesResult};
use rayon::prelude::*;
use std::fmt::Write;

const CSS: &str = include_str!("html_assets/report.css");
const JS: &str = include_str!("html_assets/report.js");

/// The page's content-security policy: nothing may be loaded from anywhere; only the inline
/// styles, the inline script and `data:` images run.
pub const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; font-src 'none'; connect-src 'none'; base-uri 'none'; form-action 'none'";

/// The system font stack (Chinese fonts first; nothing is embedded).
pub const FONT_STACK: &str = "\"Noto Sans CJK SC\", \"Source Han Sans SC\", \"Microsoft YaHei\", \"PingFang SC\", \"Hiragino Sans GB\", \"WenQuanYi Micro Hei\", system-ui, sans-serif";

/// Map units across the longer side of the areas' extent.
pub const GRID: f64 = 6000.0;
/// Douglas–Peucker tolerance for unit outlines, in map units.
const TOL_AREAS: f64 = 0.75;
/// Douglas–Peucker tolerance for blank-spot outlines, in map units.
const TOL_SPOTS: f64 = 1.0;
/// Upper class limits of the coverage shading.
const BREAKS: [f64; 4] = [0.25, 0.5, 0.75, 0.9];

/// Options of the report.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReportOptions {
    /// Language of headings, legends and reasons.
    pub lang: Lang,
}

/// HTML text escaping (also for attribute values).
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            _ => o.push(c),
        }
    }
    o
}

/// The display plane: frame metres → map units (y down).
struct View {
    /// The frame tabulated over the areas (display precision).
    lut: LocalLut,
    x0: f64,
    y1: f64,
    /// Metres per map unit.
    q: f64,
    w: f64,
    h: f64,
}

impl View {
    fn new(a: &Analysis) -> View {
        let mut b = [
            f64::INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        ];
        let mut ll = b;
        for area in &a.areas.list {
            for poly in &area.polygons {
                for ring in poly {
                    for p in ring {
                        ll = [
                            ll[0].min(p[0]),
                            ll[1].min(p[1]),
                            ll[2].max(p[0]),
                            ll[3].max(p[1]),
                        ];
                        let [x, y] = a.frame.to_local(p[0], p[1]);
                        b = [b[0].min(x), b[1].min(y), b[2].max(x), b[3].max(y)];
                    }
                }
            }
        }
        if !b[0].is_finite() {
            b = [0.0, 0.0, 1000.0, 1000.0];
        }
        let ext = (b[2] - b[0]).max(b[3] - b[1]).max(1.0);
        let q = ext / GRID;
        View {
            // Nodes every 1 km (fewer on very large maps): about 1 cm of error, far below a unit.
            lut: LocalLut::new(&a.frame, ll, (ext / 256.0).max(1000.0)),
            x0: b[0],
            y1: b[3],
            q,
            w: ((b[2] - b[0]) / q).ceil().max(1.0),
            h: ((b[3] - b[1]) / q).ceil().max(1.0),
        }
    }

    fn pt(&self, lonlat: [f64; 2]) -> [f64; 2] {
        let [x, y] = self.lut.to_local(lonlat[0], lonlat[1]);
        [(x - self.x0) / self.q, (self.y1 - y) / self.q]
    }
}

/// Douglas–Peucker on an open polyline; keeps the endpoints.
fn simplify(pts: &[[f64; 2]], tol: f64) -> Vec<[f64; 2]> {
    let n = pts.len();
    if n <= 2 || tol <= 0.0 {
        return pts.to_vec();
    }
    let mut keep = vec![false; n];
    keep[0] = true;
    keep[n - 1] = true;
    let mut stack = vec![(0usize, n - 1)];
    let t2 = tol * tol;
    while let Some((s, e)) = stack.pop() {
        if e <= s + 1 {
            continue;
        }
        let (a, b) = (pts[s], pts[e]);
        let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
        let len2 = dx * dx + dy * dy;
        let mut best = (0.0, s);
        for (i, p) in pts.iter().enumerate().take(e).skip(s + 1) {
            let d2 = if len2 == 0.0 {
                (p[0] - a[0]).powi(2) + (p[1] - a[1]).powi(2)
            } else {
                let cr = dx * (p[1] - a[1]) - dy * (p[0] - a[0]);
                cr * cr / len2
            };
            if d2 > best.0 {
                best = (d2, i);
            }
        }
        if best.0 > t2 {
            keep[best.1] = true;
            stack.push((s, best.1));
            stack.push((best.1, e));
        }
    }
    pts.iter()
        .zip(keep)
        .filter(|(_, k)| *k)
        .map(|(p, _)| *p)
        .collect()
}

/// Rounds to integer map units and drops repeated points and the closing point.
fn quantise(pts: &[[f64; 2]]) -> Vec<[i32; 2]> {
    let mut out: Vec<[i32; 2]> = Vec::with_capacity(pts.len());
    for p in pts {
        let v = [round_half_away(p[0]) as i32, round_half_away(p[1]) as i32];
        if out.last() != Some(&v) {
            out.push(v);
        }
    }
    while out.len() > 1 && out.first() == out.last() {
        out.pop();
    }
    out
}

/// A closed ring for display: simplified, quantised; `None` when it vanishes.
fn display_ring(ring: &[[f64; 2]], tol: f64, keep_tiny: bool) -> Option<Vec<[i32; 2]>> {
    let s = quantise(&simplify(ring, tol));
    if s.len() >= 3 {
        return Some(s);
    }
    let s = quantise(ring);
    if s.len() >= 3 {
        return Some(s);
    }
    if keep_tiny && !ring.is_empty() {
        // A blank spot smaller than a map unit still shows, as a one-unit square.
        let n = ring.len() as f64;
        let cx = (ring.iter().map(|p| p[0]).sum::<f64>() / n).floor() as i32;
        let cy = (ring.iter().map(|p| p[1]).sum::<f64>() / n).floor() as i32;
        return Some(vec![[cx, cy], [cx + 1, cy], [cx + 1, cy + 1], [cx, cy + 1]]);
    }
    None
}

fn push_num(o: &mut String, v: i32, first: &mut bool) {
    if !*first && v >= 0 {
        o.push(' ');
    }
    *first = false;
    push_int(o, v);
}

/// Appends `v` in decimal, as `write!(o, "{v}")` does, without the formatting machinery (map
/// paths have hundreds of thousands of numbers).
fn push_int(o: &mut String, v: i32) {
    let mut a = v.unsigned_abs();
    let mut buf = [0u8; 11];
    let mut k = buf.len();
    loop {
        k -= 1;
        buf[k] = b'0' + (a % 10) as u8;
        a /= 10;
        if a == 0 {
            break;
        }
    }
    if v < 0 {
        o.push('-');
    }
    for &c in &buf[k..] {
        o.push(c as char);
    }
}

/// Appends a ring as SVG path data with relative moves: `M x y l dx dy … z`.
fn ring_d(o: &mut String, r: &[[i32; 2]]) {
    o.push('M');
    push_int(o, r[0][0]);
    o.push(' ');
    push_int(o, r[0][1]);
    o.push('l');
    let mut first = true;
    for w in r.windows(2) {
        push_num(o, w[1][0] - w[0][0], &mut first);
        push_num(o, w[1][1] - w[0][1], &mut first);
    }
    o.push('z');
}

/// Path data of polygons (lon/lat rings).
fn polygons_d(v: &View, polys: &[Vec<Vec<[f64; 2]>>], tol: f64, keep_tiny: bool) -> String {
    let mut d = String::new();
    for poly in polys {
        for (k, ring) in poly.iter().enumerate() {
            let pts: Vec<[f64; 2]> = ring.iter().map(|&p| v.pt(p)).collect();
            if let Some(r) = display_ring(&pts, tol, keep_tiny && k == 0) {
                ring_d(&mut d, &r);
            }
        }
    }
    d
}

/// A point well inside a polygon for its label: the middle of the widest horizontal run
/// through the middle of its largest part.
fn label_point(v: &View, polys: &[Vec<Vec<[f64; 2]>>]) -> Option<[f64; 2]> {
    let mut best: Option<(f64, Vec<Vec<[f64; 2]>>)> = None;
    for poly in polys {
        let rings: Vec<Vec<[f64; 2]>> = poly
            .iter()
            .map(|r| r.iter().map(|&p| v.pt(p)).collect())
            .collect();
        let Some(ext) = rings.first() else { continue };
        let n = ext.len();
        let mut area2 = 0.0;
        for i in 0..n {
            let (a, b) = (ext[i], ext[(i + 1) % n]);
            area2 += a[0] * b[1] - b[0] * a[1];
        }
        if best.as_ref().is_none_or(|(s, _)| area2.abs() > *s) {
            best = Some((area2.abs(), rings));
        }
    }
    let (_, rings) = best?;
    let ext = &rings[0];
    let (mut y0, mut y1) = (f64::INFINITY, f64::NEG_INFINITY);
    for p in ext {
        y0 = y0.min(p[1]);
        y1 = y1.max(p[1]);
    }
    let mut pick: Option<(f64, [f64; 2])> = None;
    for k in 1..8 {
        // Try several scan lines around the middle, prefer the widest run.
        let y = y0 + (y1 - y0) * (k as f64) / 8.0 + 1e-7;
        let mut xs = Vec::new();
        for r in &rings {
            let n = r.len();
            for i in 0..n {
                let (a, b) = (r[i], r[(i + 1) % n]);
                if (a[1] <= y) != (b[1] <= y) {
                    xs.push(a[0] + (y - a[1]) / (b[1] - a[1]) * (b[0] - a[0]));
                }
            }
        }
        xs.sort_by(f64::total_cmp);
        // Weight the centre lines a little so labels sit near the middle.
        let weight = 1.0 - ((k as f64) - 4.0).abs() * 0.08;
        for c in xs.chunks(2) {
            if let [a, b] = c {
                let wdt = (b - a) * weight;
                if pick.is_none_or(|(w, _)| wdt > w) {
                    pick = Some((wdt, [(a + b) / 2.0, y]));
                }
            }
        }
    }
    pick.map(|(_, p)| p)
}

/// The coverage the rules judge by: on foot when the plan has a network, else straight line.
fn judged_coverage(st: &AreaStats) -> Option<f64> {
    if st.network_covered.is_some() {
        st.network_coverage
    } else {
        st.coverage
    }
}

/// The shading class of a unit (by the judged coverage).
fn cov_class(st: &AreaStats) -> &'static str {
    match judged_coverage(st) {
        None => "cn",
        Some(c) if c < BREAKS[0] => "c0",
        Some(c) if c < BREAKS[1] => "c1",
        Some(c) if c < BREAKS[2] => "c2",
        Some(c) if c < BREAKS[3] => "c3",
        Some(_) => "c4",
    }
}

fn pct(v: Option<f64>) -> String {
    v.map(|x| i18n::pct_vs(x, None))
        .unwrap_or_else(|| "—".into())
}

/// Geometry shared by every map: one path and one label point per area.
struct Base {
    area_d: Vec<String>,
    label: Vec<Option<[f64; 2]>>,
}

impl Base {
    fn new(a: &Analysis, v: &View) -> Base {
        let area_d: Vec<String> = a
            .areas
            .list
            .par_iter()
            .map(|ar| polygons_d(v, &ar.polygons, TOL_AREAS, false))
            .collect();
        let label: Vec<Option<[f64; 2]>> = a
            .areas
            .list
            .par_iter()
            .map(|ar| label_point(v, &ar.polygons))
            .collect();
        Base { area_d, label }
    }
}

/// The page head, the header and the start of the navigation (up to the first link).
fn page_start(o: &mut String, a: &Analysis, lang: Lang, kicker: &str) {
    let title = if a.plan.title.is_empty() {
        kicker.to_string()
    } else {
        a.plan.title.clone()
    };
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{}\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"carecircle {}\">\n\
         <title>{} · {}</title>\n<style>\n:root {{ --font: {}; }}\n{}</style>\n</head>\n<body>\n",
        lang.html_code(),
        CSP,
        env!("CARGO_PKG_VERSION"),
        esc(&title),
        esc(kicker),
        FONT_STACK,
        CSS
    );
    // Header and navigation.
    let _ = write!(
        o,
        "<header class=\"top\"><div class=\"wrap\"><p class=\"kicker\">{}</p><h1>{}</h1>\
         <p class=\"sub\">{} {} · {} · {}</p></div></header>",
        esc(kicker),
        esc(&title),
        i18n::group_thousands(a.areas.list.len() as i64),
        esc(tr(lang, "units")),
        esc(&trf(
            lang,
            "generated_by",
            &[("v", env!("CARGO_PKG_VERSION"))]
        )),
        esc(distance_note(lang, a.network.is_some())),
    );
    o.push_str("<nav class=\"nav\"><div class=\"wrap\">");
}

/// The end of the navigation and the start of the main part.
fn nav_end(o: &mut String, lang: Lang) {
    let _ = write!(
        o,
        "<a href=\"#settings\">{}</a><a href=\"#warnings\">{}</a></div></nav>\n<main class=\"wrap\">\n",
        esc(tr(lang, "settings")),
        esc(tr(lang, "warnings"))
    );
}

/// Settings, warnings, footer and script.
fn page_end(o: &mut String, a: &Analysis, lang: Lang) {
    settings(o, a, &RunFacts::new(a), lang);
    warnings(o, a, lang);
    let _ = write!(
        o,
        "</main>\n<footer class=\"wrap foot\">{}</footer>\n<div id=\"tip\" class=\"tip\" hidden></div>\n<script>\n{}</script>\n</body>\n</html>\n",
        esc(&trf(lang, "generated_by", &[("v", env!("CARGO_PKG_VERSION"))])),
        JS.replace("</script", "<\\/script")
    );
}

/// Builds the page of `analyze`.
pub fn html(a: &Analysis, opts: &ReportOptions) -> String {
    let lang = opts.lang;
    let v = View::new(a);
    let base = Base::new(a, &v);
    let sections: Vec<String> = a
        .services
        .par_iter()
        .enumerate()
        .map(|(k, s)| service_section(a, &v, &base, k, s, lang))
        .collect();
    let mut o = String::with_capacity(sections.iter().map(|s| s.len()).sum::<usize>() + 200_000);
    page_start(&mut o, a, lang, tr(lang, "report_title"));
    let _ = write!(o, "<a href=\"#overview\">{}</a>", esc(tr(lang, "overview")));
    for (k, s) in a.services.iter().enumerate() {
        let _ = write!(
            o,
            "<a href=\"#svc-{k}\">{}</a>",
            esc(&i18n::service_title(lang, &s.spec))
        );
    }
    nav_end(&mut o, lang);
    overview(&mut o, a, lang);
    for s in &sections {
        o.push_str(s);
    }
    page_end(&mut o, a, lang);
    o
}

/// Builds the page of `sites`: what was chosen and how good it is, one map of the service
/// before and after the new sites (a switch shows either), the new sites ranked and the units'
/// figures before → after. Shares the head, map drawing, settings and warnings with
/// [`html`].
pub fn sites_html(r: &SitesResult, opts: &ReportOptions) -> String {
    let lang = opts.lang;
    let a = &r.analysis;
    let s = &a.services[r.service];
    let v = View::new(a);
    let base = Base::new(a, &v);
    let mut o = String::with_capacity(1 << 20);
    page_start(&mut o, a, lang, tr(lang, "sites_title"));
    let _ = write!(
        o,
        "<a href=\"#siting\">{}</a><a href=\"#svc-0\">{}</a>",
        esc(tr(lang, "siting")),
        esc(&i18n::service_title(lang, &s.spec))
    );
    nav_end(&mut o, lang);
    siting_summary(&mut o, r, lang);

    let (tb, ta) = (totals(&s.spec, r.before()), totals(&s.spec, &r.after));
    let n = a.areas.list.len();
    let _ = write!(
        o,
        "<section id=\"svc-0\" class=\"service\" data-service=\"{}\"><h2>{}</h2>\
         <p class=\"meta\"><span>{}: {}</span><span>{}: {} {}</span><span>{}: {} + {}</span><span>{}: {}</span></p>",
        esc(&s.spec.id),
        esc(&i18n::service_title(lang, &s.spec)),
        esc(tr(lang, "serves")),
        esc(&i18n::group_name(lang, &s.spec.serves)),
        esc(tr(lang, "radius")),
        i18n::num(s.spec.radius_m),
        esc(tr(lang, "m")),
        esc(tr(lang, "facilities")),
        s.facilities.len(),
        r.sites.len(),
        esc(tr(lang, "rules")),
        esc(&rules(lang, s)),
    );
    o.push_str("<div class=\"panel\">");
    let layers = MapLayers {
        k: 0,
        spec: &s.spec,
        stats: &r.after,
        before: Some(r.before()),
        spots: &s.blank_spots,
        facilities: &s.facilities,
        new_sites: &r.sites,
    };
    map(&mut o, a, &v, &base, &layers, lang);
    o.push_str("<div class=\"side\"><div class=\"stats ba\">");
    let share = |t: &Totals| pct((t.pop > 0.0).then(|| t.judged / t.pop));
    let cov_label = if tb.walk.is_some() {
        trf(lang, "walk_coverage", &[("m", &i18n::num(s.spec.minutes))])
    } else {
        tr(lang, "population_coverage").to_string()
    };
    let arrow = "<i class=\"arrow\">→</i>";
    let _ = write!(
        o,
        "<div class=\"{}\"><span>{}</span><b>{} {arrow} {}</b></div>\
         <div><span>{}</span><b class=\"{}\">{} {arrow} {} / {}</b></div>\
         <div><span>{}</span><b>{} {arrow} {}</b></div>\
         <div><span>{}</span><b>{}</b></div></div>",
        if tb.walk.is_some() { "walk" } else { "" },
        esc(&cov_label),
        share(&tb),
        share(&ta),
        esc(tr(lang, "blank_units")),
        if ta.blank > 0 { "warn" } else { "" },
        tb.blank,
        ta.blank,
        n,
        esc(tr(lang, "uncovered_population")),
        i18n::num((tb.pop - tb.judged).max(0.0)),
        i18n::num((ta.pop - ta.judged).max(0.0)),
        esc(tr(lang, "newly_covered")),
        i18n::num(r.new_covered_total()),
    );
    legend(&mut o, &s.spec, tb.walk.is_some(), true, lang);
    o.push_str("</div></div>");
    sites_list(&mut o, r, lang);
    before_after_table(&mut o, r, lang);
    o.push_str("</section>\n");
    page_end(&mut o, a, lang);
    o
}

/// The siting in figures: mode, sites, newly covered people, the quality bound, candidates,
/// and the units the new sites cannot fix.
fn siting_summary(o: &mut String, r: &SitesResult, lang: Lang) {
    let a = &r.analysis;
    let q = &r.quality;
    let _ = write!(
        o,
        "<section id=\"siting\" class=\"overview siting\"><h2>{}</h2><table class=\"kv\"><tbody>",
        esc(tr(lang, "siting"))
    );
    let kv = |o: &mut String, k: &str, v: &str| {
        let _ = write!(o, "<tr><th>{}</th><td>{}</td></tr>", esc(k), esc(v));
    };
    let mode = match (r.mode, r.capacity) {
        (Mode::Add(n), Some(c)) => trf(
            lang,
            "mode_add_cap",
            &[("n", &n.to_string()), ("c", &i18n::num(c))],
        ),
        (Mode::Add(n), None) => trf(lang, "mode_add", &[("n", &n.to_string())]),
        (Mode::FillBlanks, _) => tr(lang, "mode_fill").to_string(),
    };
    kv(o, tr(lang, "siting"), &mode);
    kv(o, tr(lang, "new_sites"), &r.sites.len().to_string());
    kv(
        o,
        tr(lang, "newly_covered"),
        &i18n::num(r.new_covered_total()),
    );
    let (tb, ta) = (
        totals(&a.services[r.service].spec, r.before()),
        totals(&a.services[r.service].spec, &r.after),
    );
    kv(
        o,
        tr(lang, "blank_units"),
        &format!("{} → {}", tb.blank, ta.blank),
    );
    let fixed: usize = r.sites.iter().map(|s| s.fixes.len()).sum();
    kv(o, tr(lang, "units_fixed"), &fixed.to_string());
    let gap = format!("{:.2}%", q.gap * 100.0);
    let quality = match r.mode {
        Mode::Add(_) => trf(
            lang,
            "gap_add",
            &[
                ("o", &i18n::num(q.objective)),
                ("b", &i18n::num(q.bound)),
                ("g", &gap),
            ],
        ),
        Mode::FillBlanks => trf(
            lang,
            "gap_fill",
            &[
                ("b", &i18n::num(q.bound)),
                ("n", &r.sites.len().to_string()),
                ("g", &gap),
            ],
        ),
    };
    kv(o, tr(lang, "quality"), &quality);
    kv(
        o,
        tr(lang, "candidates"),
        &trf(
            lang,
            "candidates_v",
            &[
                ("u", &i18n::group_thousands(r.candidates.used as i64)),
                ("s", &r.candidate_source),
                (
                    "r",
                    &i18n::group_thousands(r.candidates.reaching_demand as i64),
                ),
            ],
        ),
    );
    o.push_str("</tbody></table>");
    if !r.unfixable.is_empty() {
        let spec = &a.services[r.service].spec;
        let _ = write!(
            o,
            "<details class=\"unfixable\"><summary>{} ({})</summary><div class=\"tablewrap\"><table class=\"plain\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
            esc(tr(lang, "unfixable")),
            r.unfixable.len(),
            esc(label(lang, "area_id")),
            esc(label(lang, "area_name")),
            esc(tr(lang, "col_reasons_after")),
            esc(tr(lang, "why")),
        );
        for u in &r.unfixable {
            let i = u.area.0 as usize;
            let ar = &a.areas.list[i];
            let _ = write!(
                o,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&ar.id),
                esc(&ar.name),
                esc(&i18n::reasons_text(lang, spec, &r.after[i])),
                esc(&u.why.join("; ")),
            );
        }
        o.push_str("</tbody></table></div></details>");
    }
    let _ = write!(
        o,
        "<p class=\"note\">{}</p></section>",
        esc(tr(lang, "how_to_read_sites"))
    );
}

fn unit_name(a: &Analysis, x: crate::area::AreaIx) -> &str {
    let ar = &a.areas.list[x.0 as usize];
    if ar.name.is_empty() {
        &ar.id
    } else {
        &ar.name
    }
}

/// The new sites in rank order.
fn sites_list(o: &mut String, r: &SitesResult, lang: Lang) {
    let a = &r.analysis;
    let served = r.sites.iter().any(|s| s.served.is_some());
    let _ = write!(
        o,
        "<h3>{}</h3><div class=\"tablewrap\"><table class=\"sites sortable\"><thead><tr>",
        esc(tr(lang, "sites_table"))
    );
    let mut cols: Vec<(String, &str)> = vec![
        (tr(lang, "col_rank").into(), "n"),
        (tr(lang, "col_site").into(), ""),
        (tr(lang, "col_unit").into(), ""),
        (tr(lang, "col_new_covered").into(), "n"),
    ];
    if served {
        cols.push((tr(lang, "serves").into(), "n"));
    }
    cols.push((tr(lang, "col_fixes").into(), ""));
    header_row(o, &cols);
    for s in &r.sites {
        let fixes: Vec<&str> = s.fixes.iter().map(|&x| unit_name(a, x)).collect();
        let _ = write!(
            o,
            "<tr class=\"site\" data-rank=\"{}\"><td class=\"n\" data-v=\"{}\">{}</td><td><code>{}</code></td><td>{}</td><td class=\"n\" data-v=\"{}\">{}</td>",
            s.rank,
            s.rank,
            s.rank,
            esc(&s.candidate.id),
            esc(s.candidate.area.map(|x| unit_name(a, x)).unwrap_or("—")),
            s.new_covered,
            i18n::num(s.new_covered),
        );
        if served {
            let v = s.served.unwrap_or(0.0);
            let _ = write!(o, "<td class=\"n\" data-v=\"{v}\">{}</td>", i18n::num(v));
        }
        let _ = write!(o, "<td>{}</td></tr>", esc(&fixes.join(", ")));
    }
    o.push_str("</tbody></table></div>");
}

/// The units before → after the new sites, blank ones first.
fn before_after_table(o: &mut String, r: &SitesResult, lang: Lang) {
    let a = &r.analysis;
    let spec = &a.services[r.service].spec;
    let before = r.before();
    let after = &r.after;
    let walk = before.iter().any(|x| x.network_covered.is_some());
    let mut fixed_by: Vec<Vec<usize>> = vec![Vec::new(); before.len()];
    for s in &r.sites {
        for &x in &s.fixes {
            fixed_by[x.0 as usize].push(s.rank);
        }
    }
    let _ = write!(
        o,
        "<h3>{}</h3><div class=\"tablewrap\"><table class=\"gaps beforeafter sortable\"><thead><tr>",
        esc(tr(lang, "table_sites"))
    );
    let on_foot = |k: &str| {
        if walk {
            format!(
                "{} ({})",
                tr(lang, k),
                trf(lang, "walk_coverage", &[("m", &i18n::num(spec.minutes))])
            )
        } else {
            tr(lang, k).to_string()
        }
    };
    let cols: Vec<(String, &str)> = vec![
        (tr(lang, "col_status").into(), ""),
        (label(lang, "area_id").into(), ""),
        (label(lang, "area_name").into(), ""),
        (label(lang, "population").into(), "n tip"),
        (on_foot("col_covered_ba"), "n"),
        (on_foot("col_coverage_ba"), "n tip"),
        (tr(lang, "col_facilities_ba").into(), "n tip"),
        (tr(lang, "col_blank_ba").into(), "tip"),
        (tr(lang, "col_fixed_by").into(), ""),
        (tr(lang, "col_reasons_after").into(), ""),
    ];
    header_row(o, &cols);
    let mut order: Vec<usize> = (0..before.len()).collect();
    let rank = |i: usize| match (before[i].blank(), after[i].blank()) {
        (_, true) => 0,
        (true, false) => 1,
        _ => 2,
    };
    order.sort_by(|&x, &y| {
        rank(x)
            .cmp(&rank(y))
            .then(
                judged_coverage(&after[x])
                    .unwrap_or(2.0)
                    .total_cmp(&judged_coverage(&after[y]).unwrap_or(2.0)),
            )
            .then(a.areas.list[x].id.cmp(&a.areas.list[y].id))
    });
    let yes_no = |b: bool| tr(lang, if b { "yes" } else { "no" });
    let arrow = "<i class=\"arrow\">→</i>";
    for i in order {
        let (b, f) = (&before[i], &after[i]);
        let ar = &a.areas.list[i];
        let (row, badge, status) = match rank(i) {
            0 => ("blank", "b", tr(lang, "status_blank")),
            1 => ("fixed", "fx", tr(lang, "status_fixed")),
            _ if f.reasons.is_empty() => ("", "ok", tr(lang, "status_ok")),
            _ => ("", "na", tr(lang, "status_none")),
        };
        let cov_txt = |c: Option<f64>| {
            c.map(|x| i18n::pct_vs(x, spec.coverage_target))
                .unwrap_or_else(|| "—".into())
        };
        let _ = write!(
            o,
            "<tr class=\"{row}\" data-area=\"{}\"><td data-v=\"{}\"><span class=\"badge {badge}\">{}</span></td><td>{}</td><td>{}</td>\
             <td class=\"n\" data-v=\"{}\">{}</td><td class=\"n\" data-v=\"{}\">{} {arrow} {}</td>\
             <td class=\"n cov\" data-v=\"{}\">{} {arrow} {}</td><td class=\"n\" data-v=\"{}\">{} {arrow} {}</td>\
             <td data-v=\"{}\">{} {arrow} {}</td><td>{}</td><td class=\"reasons\">{}</td></tr>",
            esc(&ar.id),
            rank(i),
            esc(status),
            esc(&ar.id),
            esc(&ar.name),
            b.population,
            i18n::num(b.population),
            f.judged_covered(),
            i18n::num(b.judged_covered()),
            i18n::num(f.judged_covered()),
            judged_coverage(f).unwrap_or(-1.0),
            cov_txt(judged_coverage(b)),
            cov_txt(judged_coverage(f)),
            f.facilities,
            b.facilities,
            f.facilities,
            u8::from(b.blank()) * 2 + u8::from(f.blank()),
            yes_no(b.blank()),
            yes_no(f.blank()),
            fixed_by[i]
                .iter()
                .map(|k| format!("#{k}"))
                .collect::<Vec<_>>()
                .join(", "),
            esc(&i18n::reasons_text(lang, spec, f)),
        );
    }
    o.push_str("</tbody></table></div>");
}

/// How the rules measure distance, for the page header.
fn distance_note(lang: Lang, walk: bool) -> &'static str {
    match (lang, walk) {
        (Lang::Zh, true) => "规则按路网步行距离判定",
        (Lang::En, true) => "rules judged by walking distance on the street network",
        (Lang::Zh, false) => "直线距离",
        (Lang::En, false) => "straight-line distances",
    }
}

fn rules(lang: Lang, s: &ServiceResult) -> String {
    let sp = &s.spec;
    let mut r = Vec::new();
    if let Some(m) = sp.min_per_area {
        r.push(trf(lang, "rule_min", &[("n", &m.to_string())]));
    }
    if let Some(t) = sp.coverage_target {
        r.push(trf(
            lang,
            "rule_cov",
            &[
                ("t", &i18n::pct_vs(t, None)),
                ("r", &i18n::num(sp.radius_m)),
            ],
        ));
    }
    if let Some(t) = sp.capacity_per_1000 {
        r.push(trf(lang, "rule_cap", &[("t", &i18n::num(t))]));
    }
    if r.is_empty() {
        tr(lang, "no_rules").to_string()
    } else {
        r.join(if lang == Lang::Zh { "；" } else { "; " })
    }
}

struct Totals {
    pop: f64,
    /// Covered in a straight line.
    cov: f64,
    /// Covered on foot (with a network).
    walk: Option<f64>,
    /// The covered population the rules judge by.
    judged: f64,
    blank: usize,
    with_fac: usize,
}

fn totals(spec: &ServiceSpec, stats: &[AreaStats]) -> Totals {
    let min = spec.min_per_area.unwrap_or(1);
    let walk = stats
        .iter()
        .any(|x| x.network_covered.is_some())
        .then(|| stats.iter().filter_map(|x| x.network_covered).sum());
    let cov = stats.iter().map(|x| x.covered).sum();
    Totals {
        pop: stats.iter().map(|x| x.population).sum(),
        cov,
        walk,
        judged: walk.unwrap_or(cov),
        blank: stats.iter().filter(|x| x.blank()).count(),
        with_fac: stats.iter().filter(|x| x.facilities >= min).count(),
    }
}

fn overview(o: &mut String, a: &Analysis, lang: Lang) {
    let n = a.areas.list.len();
    let _ = write!(
        o,
        "<section id=\"overview\" class=\"overview\"><h2>{}</h2><div class=\"cards\">",
        esc(tr(lang, "overview"))
    );
    for (k, s) in a.services.iter().enumerate() {
        let t = totals(&s.spec, &s.stats);
        let cov = (t.pop > 0.0).then(|| t.judged / t.pop);
        let cov_label = if t.walk.is_some() {
            trf(lang, "walk_coverage", &[("m", &i18n::num(s.spec.minutes))])
        } else {
            tr(lang, "population_coverage").to_string()
        };
        let _ = write!(
            o,
            "<a class=\"card{}\" href=\"#svc-{k}\"><h3>{}</h3><p class=\"rule\">{} · {} {} {}</p>\
             <dl><div><dt>{}</dt><dd class=\"big\">{}</dd></div>\
             <div><dt>{}</dt><dd class=\"big{}\">{} <small>/ {}</small></dd></div>\
             <div><dt>{}</dt><dd>{}</dd></div>\
             <div><dt>{}</dt><dd>{} <small>/ {}</small></dd></div></dl></a>",
            if t.blank > 0 { " has-blank" } else { "" },
            esc(&i18n::service_title(lang, &s.spec)),
            esc(&i18n::group_name(lang, &s.spec.serves)),
            esc(tr(lang, "radius")),
            i18n::num(s.spec.radius_m),
            esc(tr(lang, "m")),
            esc(&cov_label),
            pct(cov),
            esc(tr(lang, "blank_units")),
            if t.blank > 0 { " warn" } else { "" },
            t.blank,
            n,
            esc(tr(lang, "uncovered_population")),
            i18n::num((t.pop - t.judged).max(0.0)),
            esc(tr(lang, "unit_measure")),
            t.with_fac,
            n
        );
    }
    let _ = write!(
        o,
        "</div><p class=\"note\">{}</p></section>",
        esc(tr(lang, "how_to_read"))
    );
}

/// Served population per distance band: four equal bands up to the radius, then beyond.
pub fn distance_bands(a: &Analysis, s: &ServiceResult) -> Vec<(f64, f64, f64)> {
    let r = s.spec.radius_m;
    let mut bands: Vec<(f64, f64, f64)> = (0..4)
        .map(|i| (r * i as f64 / 4.0, r * (i + 1) as f64 / 4.0, 0.0))
        .collect();
    bands.push((r, f64::INFINITY, 0.0));
    let values = &a.cells.values[s.spec.group];
    for ((v, area), &d) in values.iter().zip(&a.cell_area).zip(&s.distance) {
        if area.is_none() {
            continue;
        }
        let b = if d <= r {
            (((d / r) * 4.0).ceil() as usize).clamp(1, 4) - 1
        } else {
            4
        };
        bands[b].2 += v;
    }
    bands
}

fn service_section(
    a: &Analysis,
    v: &View,
    base: &Base,
    k: usize,
    s: &ServiceResult,
    lang: Lang,
) -> String {
    let mut o = String::new();
    let name = i18n::service_title(lang, &s.spec);
    let t = totals(&s.spec, &s.stats);
    let n = a.areas.list.len();
    let _ = write!(
        o,
        "<section id=\"svc-{k}\" class=\"service\" data-service=\"{}\"><h2>{}</h2>\
         <p class=\"meta\"><span>{}: {}</span><span>{}: {} {}</span><span>{}: {}</span><span>{}: {}</span></p>",
        esc(&s.spec.id),
        esc(&name),
        esc(tr(lang, "serves")),
        esc(&i18n::group_name(lang, &s.spec.serves)),
        esc(tr(lang, "radius")),
        i18n::num(s.spec.radius_m),
        esc(tr(lang, "m")),
        esc(tr(lang, "facilities")),
        s.facilities.len(),
        esc(tr(lang, "rules")),
        esc(&rules(lang, s)),
    );
    if s.spec.id != s.spec.kind || i18n::service_name(lang, &s.spec) != s.spec.id {
        // The codes as they are in the plan, for cross-checking with areas.csv.
        let _ = write!(o, "<p class=\"codes\">service <code>{}</code> · kind <code>{}</code> · serves <code>{}</code></p>", esc(&s.spec.id), esc(&s.spec.kind), esc(&s.spec.serves));
    }
    provenance(&mut o, s, lang);
    what_if(&mut o, a, s, lang);
    o.push_str("<div class=\"panel\">");
    let layers = MapLayers {
        k,
        spec: &s.spec,
        stats: &s.stats,
        before: None,
        spots: &s.blank_spots,
        facilities: &s.facilities,
        new_sites: &[],
    };
    map(&mut o, a, v, base, &layers, lang);
    o.push_str("<div class=\"side\">");
    o.push_str("<div class=\"stats\">");
    coverage_stats(&mut o, &s.spec, &t, lang);
    let _ = write!(
        o,
        "<div><span>{}</span><b class=\"{}\">{} / {}</b></div><div><span>{}</span><b>{}</b></div><div><span>{}</span><b>{}</b></div></div>",
        esc(tr(lang, "blank_units")),
        if t.blank > 0 { "warn" } else { "" },
        t.blank,
        n,
        esc(tr(lang, "uncovered_population")),
        i18n::num((t.pop - t.judged).max(0.0)),
        esc(tr(lang, "blank_spots")),
        i18n::group_thousands(s.blank_spots.len() as i64),
    );
    legend(&mut o, &s.spec, t.walk.is_some(), false, lang);
    chart_bands(&mut o, a, s, lang);
    chart_units(&mut o, a, s, lang);
    o.push_str("</div></div>");
    table(&mut o, a, s, lang);
    o.push_str("</section>\n");
    o
}

/// Where a service's rule (and each zone variant) comes from, when a built-in standard gave it:
/// the document, place, binding level and the quoted phrases.
fn provenance(o: &mut String, s: &ServiceResult, lang: Lang) {
    let mut lines: Vec<(Option<&str>, &crate::standards::Provenance)> = Vec::new();
    if let Some(p) = &s.spec.source {
        lines.push((None, p));
    }
    for (zone, z) in &s.spec.zones {
        if let Some(p) = &z.source {
            lines.push((Some(zone), p));
        }
    }
    if lines.is_empty() {
        return;
    }
    o.push_str("<div class=\"source\">");
    for (zone, p) in lines {
        let head = match zone {
            Some(z) => format!("{} · ", trf(lang, "zone_rule", &[("z", z)])),
            None => String::new(),
        };
        let _ = write!(
            o,
            "<p><b>{}{}</b> {}：{}</p>",
            esc(&head),
            esc(tr(lang, "rule_source")),
            esc(&p.to_string()),
            esc(&p.excerpt()),
        );
    }
    o.push_str("</div>");
}

/// `--with-planned`: coverage and blank units before → after the planned facilities, and which
/// blank units they fix or leave.
fn what_if(o: &mut String, a: &Analysis, s: &ServiceResult, lang: Lang) {
    let Some(b) = &s.before else { return };
    let judged = |v: &[AreaStats]| -> Option<f64> {
        let p: f64 = v.iter().map(|x| x.population).sum();
        (p > 0.0).then(|| v.iter().map(|x| x.judged_covered()).sum::<f64>() / p)
    };
    let n = s.facilities.iter().filter(|&&f| a.is_planned(f)).count();
    let blank0 = b.stats.iter().filter(|x| x.blank()).count();
    let left: Vec<&AreaStats> = s.stats.iter().filter(|x| x.blank()).collect();
    let fixed = s.fixed_by_plan();
    let names = |v: &[&AreaStats]| {
        if v.is_empty() {
            return tr(lang, "none_list").to_string();
        }
        v.iter()
            .map(|x| a.areas.list[x.area.0 as usize].name.as_str())
            .collect::<Vec<_>>()
            .join(if lang == Lang::Zh { "、" } else { ", " })
    };
    let _ = write!(
        o,
        "<div class=\"whatif\"><h3>{}</h3><p>{}</p><p><b>{} ({})</b>: {}</p><p><b>{} ({})</b>: {}</p></div>",
        esc(tr(lang, "whatif")),
        esc(&trf(
            lang,
            "whatif_line",
            &[
                ("n", &n.to_string()),
                ("c0", &pct(judged(&b.stats))),
                ("c1", &pct(judged(&s.stats))),
                ("b0", &blank0.to_string()),
                ("b1", &left.len().to_string()),
            ],
        )),
        esc(tr(lang, "whatif_fixed")),
        fixed.len(),
        esc(&names(&fixed)),
        esc(tr(lang, "whatif_left")),
        left.len(),
        esc(&names(&left)),
    );
}

/// The legend title naming the measure that shades the map.
fn legend_measure(spec: &ServiceSpec, walk: bool, lang: Lang) -> String {
    if walk {
        trf(
            lang,
            "legend_cov_walk",
            &[
                ("m", &i18n::num(spec.minutes)),
                ("d", &i18n::num(spec.walk_budget_m())),
            ],
        )
    } else {
        trf(lang, "legend_cov_line", &[("r", &i18n::num(spec.radius_m))])
    }
}

fn legend(o: &mut String, spec: &ServiceSpec, walk: bool, sites: bool, lang: Lang) {
    let _ = write!(
        o,
        "<div class=\"legend\"><h4>{}</h4><p class=\"lt\">{}</p><ul class=\"ramp\">",
        esc(tr(lang, "legend")),
        esc(&legend_measure(spec, walk, lang))
    );
    let labels = ["&lt; 25%", "25–50%", "50–75%", "75–90%", "≥ 90%"];
    for (i, l) in labels.iter().enumerate() {
        let _ = write!(o, "<li><i class=\"sw c{i}\"></i>{l}</li>");
    }
    let _ = write!(
        o,
        "<li><i class=\"sw cn\"></i>{}</li></ul><ul class=\"keys\">",
        esc(tr(lang, "legend_nopop")),
    );
    let key = |o: &mut String, sw: &str, text: &str| {
        let _ = write!(
            o,
            "<li><i class=\"sw {sw}\"></i>{}</li>",
            esc(tr(lang, text))
        );
    };
    if sites {
        key(o, "spot", "legend_uncovered_before");
        key(o, "blank", "legend_blank_after");
        key(o, "fixed", "legend_fixed");
        key(o, "blank dashed", "legend_blank_before");
        key(o, "fac", "legend_facility");
        key(o, "newsite", "legend_newsite");
        key(o, "reach", "legend_reach");
    } else {
        key(o, "spot", "legend_uncovered");
        key(o, "blank", "legend_blank");
        key(o, "fac", "legend_facility");
    }
    o.push_str("</ul>");
    if walk {
        let _ = write!(
            o,
            "<p class=\"lt walknote\">{}</p>",
            esc(&trf(lang, "walk_note", &[("m", &i18n::num(spec.minutes))]))
        );
    }
    o.push_str("</div>");
}

/// Coverage figures of a service: the judged one first; with a network also the
/// straight-line one.
fn coverage_stats(o: &mut String, spec: &ServiceSpec, t: &Totals, lang: Lang) {
    let share = |c: f64| pct((t.pop > 0.0).then(|| c / t.pop));
    match t.walk {
        Some(w) => {
            let _ = write!(
                o,
                "<div class=\"walk\"><span>{}</span><b>{}</b></div><div><span>{}</span><b>{}</b></div>",
                esc(&trf(lang, "walk_coverage", &[("m", &i18n::num(spec.minutes))])),
                share(w),
                esc(&trf(lang, "line_coverage", &[("r", &i18n::num(spec.radius_m))])),
                share(t.cov),
            );
        }
        None => {
            let _ = write!(
                o,
                "<div><span>{}</span><b>{}</b></div>",
                esc(tr(lang, "population_coverage")),
                share(t.cov)
            );
        }
    }
}

/// What one map shows. `analyze` fills `stats` only; `sites` also gives the figures before the
/// new sites and the sites themselves, and the map gets a "before | after" switch.
struct MapLayers<'a> {
    /// Section number (element ids).
    k: usize,
    /// The service.
    spec: &'a ServiceSpec,
    /// Figures that shade the units (after the new sites, for `sites`).
    stats: &'a [AreaStats],
    /// `sites`: the figures before the new sites.
    before: Option<&'a [AreaStats]>,
    /// Uncovered populated cells (straight line; before the new sites).
    spots: &'a [BlankSpot],
    /// Existing facilities (indexes into `Analysis::facilities`).
    facilities: &'a [u32],
    /// `sites`: the new sites in rank order.
    new_sites: &'a [Site],
}

/// Draws one map: units shaded by coverage, uncovered cells, blank units outlined and
/// labelled, facilities, and for `sites` the new sites with a before/after switch.
fn map(o: &mut String, a: &Analysis, v: &View, base: &Base, m: &MapLayers, lang: Lang) {
    let (k, n) = (m.k, a.areas.list.len());
    let blank_now = |i: usize| m.stats[i].blank();
    let blank_before = |i: usize| m.before.map_or(m.stats[i].blank(), |b| b[i].blank());
    // Initial user units per screen pixel, for a map about 860 px wide (the script refines it).
    let u0 = (v.w / 860.0).max(v.h / 700.0);
    let _ = write!(
        o,
        "<figure class=\"map{}\" id=\"map-{k}\" data-m=\"{}\" data-km=\"{}\">",
        if m.before.is_some() { " sites" } else { "" },
        esc(tr(lang, "m")),
        esc(tr(lang, "km")),
    );
    if m.before.is_some() {
        let _ = write!(
            o,
            "<div class=\"viewswitch\" role=\"group\"><span>{}</span><button type=\"button\" data-view=\"before\">{}</button><button type=\"button\" data-view=\"after\" class=\"on\">{}</button></div>",
            esc(tr(lang, "view")),
            esc(tr(lang, "before")),
            esc(tr(lang, "after")),
        );
    }
    let _ = write!(
        o,
        "<div class=\"mapbox\" style=\"aspect-ratio: {} / {}\">\
         <svg viewBox=\"0 0 {} {}\" data-w=\"{}\" data-h=\"{}\" data-q=\"{:.6}\" style=\"--u:{:.4}\" role=\"img\" aria-label=\"{}\">",
        v.w, v.h, v.w, v.h, v.w, v.h, v.q, u0,
        esc(&i18n::service_name(lang, m.spec)),
    );
    // Units, shaded by coverage; blank ones drawn last.
    o.push_str("<g class=\"areas\">");
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|&i| (blank_before(i), blank_now(i)));
    for &i in &order {
        let st = &m.stats[i];
        let ar = &a.areas.list[i];
        let before = m
            .before
            .map(|b| {
                format!(
                    " data-cb=\"{}\" data-ca=\"{}\"",
                    cov_class(&b[i]),
                    cov_class(st)
                )
            })
            .unwrap_or_default();
        let _ = write!(
            o,
            "<path class=\"area {}{}\" data-area-id=\"{}\"{before} d=\"{}\"/>",
            cov_class(st),
            if st.blank() { " isblank" } else { "" },
            esc(&ar.id),
            base.area_d[i]
        );
    }
    o.push_str("</g><g class=\"spots\">");
    // Uncovered cells, one path per unit.
    let mut by_area: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (j, b) in m.spots.iter().enumerate() {
        by_area[b.area.0 as usize].push(j);
    }
    let spot_d: Vec<(usize, String)> = by_area
        .par_iter()
        .enumerate()
        .filter(|(_, js)| !js.is_empty())
        .map(|(i, js)| {
            let mut d = String::new();
            for &j in js {
                d.push_str(&polygons_d(v, &m.spots[j].polygons, TOL_SPOTS, true));
            }
            (i, d)
        })
        .collect();
    for (i, d) in spot_d {
        let _ = write!(
            o,
            "<path class=\"spot\" data-a=\"{}\" d=\"{d}\"/>",
            esc(&a.areas.list[i].id)
        );
    }
    o.push_str("</g><g class=\"outlines\">");
    for &i in &order {
        let id = esc(&a.areas.list[i].id);
        let d = &base.area_d[i];
        if m.before.is_none() {
            if blank_now(i) {
                let _ = write!(
                    o,
                    "<path class=\"blank-outline\" data-a=\"{id}\" d=\"{d}\"/>"
                );
            }
            continue;
        }
        // Before: every unit blank before; after: still blank (red) or fixed (green).
        if blank_before(i) {
            let _ = write!(
                o,
                "<path class=\"blank-outline v-before\" data-a=\"{id}\" d=\"{d}\"/>"
            );
        }
        if blank_now(i) {
            let _ = write!(
                o,
                "<path class=\"blank-outline v-after\" data-a=\"{id}\" d=\"{d}\"/>"
            );
        } else if blank_before(i) {
            let _ = write!(
                o,
                "<path class=\"fixed-outline v-after\" data-a=\"{id}\" d=\"{d}\"/>"
            );
        }
    }
    o.push_str("</g><g class=\"facilities\">");
    for &f in m.facilities {
        let fac = &a.facilities[f as usize];
        let p = v.pt(fac.lonlat);
        let _ = write!(
            o,
            "<circle cx=\"{:.0}\" cy=\"{:.0}\"><title>{}</title></circle>",
            p[0],
            p[1],
            esc(fac.name.as_deref().unwrap_or(&fac.id))
        );
    }
    o.push_str("</g>");
    if !m.new_sites.is_empty() {
        // The new sites' straight-line radius, then the markers (largest rank first so the
        // best sites are on top).
        let r = m.spec.radius_m / v.q;
        o.push_str("<g class=\"reach v-after\">");
        for s in m.new_sites {
            let p = v.pt(s.candidate.lonlat);
            let _ = write!(
                o,
                "<circle cx=\"{:.0}\" cy=\"{:.0}\" r=\"{r:.1}\"/>",
                p[0], p[1]
            );
        }
        o.push_str("</g><g class=\"newsites v-after\">");
        for s in m.new_sites.iter().rev() {
            let p = v.pt(s.candidate.lonlat);
            let unit = s
                .candidate
                .area
                .map(|x| {
                    let ar = &a.areas.list[x.0 as usize];
                    if ar.name.is_empty() {
                        ar.id.clone()
                    } else {
                        ar.name.clone()
                    }
                })
                .unwrap_or_default();
            let _ = write!(
                o,
                "<g class=\"newsite\" data-rank=\"{}\" data-id=\"{}\"><circle cx=\"{:.0}\" cy=\"{:.0}\"/><text x=\"{:.0}\" y=\"{:.0}\">{}</text><title>#{} {} · {} · {} {}</title></g>",
                s.rank,
                esc(&s.candidate.id),
                p[0],
                p[1],
                p[0],
                p[1],
                s.rank,
                s.rank,
                esc(&s.candidate.id),
                esc(&unit),
                esc(tr(lang, "newly_covered")),
                i18n::num(s.new_covered)
            );
        }
        o.push_str("</g>");
    }
    o.push_str("<g class=\"labels\">");
    let mut lab: Vec<usize> = (0..n)
        .filter(|&i| blank_before(i) || blank_now(i))
        .collect();
    // Most uncovered people first: they keep their label when labels collide.
    let uncovered = |i: usize| {
        let st = m.before.map_or(&m.stats[i], |b| &b[i]);
        st.population - st.judged_covered()
    };
    lab.sort_by(|&x, &y| uncovered(y).total_cmp(&uncovered(x)).then(x.cmp(&y)));
    // Labels that would overlap at full extent start hidden (the script places them again
    // after every zoom); the estimate: CJK characters 1 em wide, others 0.6 em, 12 px type.
    let mut placed: Vec<[f64; 4]> = Vec::new();
    for i in lab {
        if let Some(p) = base.label[i] {
            let ar = &a.areas.list[i];
            let name = if ar.name.is_empty() { &ar.id } else { &ar.name };
            let em = 12.0 * u0;
            let w: f64 = name
                .chars()
                .map(|c| if (c as u32) < 0x2E80 { 0.6 } else { 1.0 })
                .sum::<f64>()
                * em;
            let b = [
                p[0] - w / 2.0,
                p[1] - em * 0.6,
                p[0] + w / 2.0,
                p[1] + em * 0.6,
            ];
            let pad = 2.0 * u0;
            let hit = placed
                .iter()
                .any(|q| b[0] < q[2] + pad && b[2] > q[0] - pad && b[1] < q[3] && b[3] > q[1]);
            if !hit {
                placed.push(b);
            }
            let mut class: Vec<&str> = Vec::new();
            if hit {
                class.push("hidden");
            }
            if m.before.is_some() && !blank_now(i) {
                class.push("fixed");
            }
            let _ = write!(
                o,
                "<text x=\"{:.0}\" y=\"{:.0}\" data-a=\"{}\"{}>{}</text>",
                p[0],
                p[1],
                esc(&ar.id),
                if class.is_empty() {
                    String::new()
                } else {
                    format!(" class=\"{}\"", class.join(" "))
                },
                esc(name)
            );
        }
    }
    let _ = write!(
        o,
        "</g></svg>\
         <div class=\"tools\"><button type=\"button\" data-z=\"in\" title=\"{0}\" aria-label=\"{0}\">+</button><button type=\"button\" data-z=\"out\" title=\"{1}\" aria-label=\"{1}\">−</button><button type=\"button\" data-z=\"reset\" title=\"{2}\" aria-label=\"{2}\">⤢</button></div>\
         <div class=\"north\" aria-label=\"{3}\"><svg viewBox=\"0 0 24 36\" width=\"22\" height=\"33\"><path d=\"M12 2 L20 26 L12 21 L4 26 Z\" class=\"na\"/><path d=\"M12 2 L12 21 L4 26 Z\" class=\"nb\"/><text x=\"12\" y=\"35\">{3}</text></svg></div>\
         <div class=\"scale\"><div class=\"bar\"></div><span></span></div>\
         </div><figcaption>{4}</figcaption></figure>",
        esc(tr(lang, "zoom_in")),
        esc(tr(lang, "zoom_out")),
        esc(tr(lang, "zoom_reset")),
        esc(tr(lang, "north")),
        esc(tr(lang, "zoom_hint")),
    );
}

fn chart_bands(o: &mut String, a: &Analysis, s: &ServiceResult, lang: Lang) {
    let bands = distance_bands(a, s);
    let total: f64 = bands.iter().map(|b| b.2).sum();
    let max = bands.iter().map(|b| b.2).fold(0.0, f64::max).max(1e-9);
    let _ = write!(
        o,
        "<div class=\"chart\"><h4>{}</h4><table class=\"bands\">",
        esc(tr(lang, "chart_bands"))
    );
    for (i, (lo, hi, p)) in bands.iter().enumerate() {
        let label = if hi.is_finite() {
            trf(
                lang,
                "band",
                &[("a", &i18n::num(*lo)), ("b", &i18n::num(*hi))],
            )
        } else {
            trf(lang, "beyond", &[("r", &i18n::num(*lo))])
        };
        let share = if total > 0.0 { p / total } else { 0.0 };
        let _ = write!(
            o,
            "<tr class=\"{}\"><th>{}</th><td class=\"barcell\"><i style=\"width:{:.1}%\"></i></td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            if i == 4 { "beyond" } else { "within" },
            esc(&label),
            p / max * 100.0,
            i18n::num(*p),
            pct(Some(share)),
        );
    }
    o.push_str("</table></div>");
}

fn chart_units(o: &mut String, a: &Analysis, s: &ServiceResult, lang: Lang) {
    let mut idx: Vec<usize> = (0..s.stats.len())
        .filter(|&i| s.stats[i].coverage.is_some())
        .collect();
    idx.sort_by(|&x, &y| {
        s.stats[x]
            .coverage
            .unwrap_or(0.0)
            .total_cmp(&s.stats[y].coverage.unwrap_or(0.0))
            .then(x.cmp(&y))
    });
    let (w, h, l, b) = (320.0, 120.0, 30.0, 6.0);
    let n = idx.len().max(1) as f64;
    let bw = (w - l - 4.0) / n;
    let _ = write!(
        o,
        "<div class=\"chart\"><h4>{}</h4><svg class=\"units\" viewBox=\"0 0 {w} {h}\" role=\"img\">",
        esc(tr(lang, "chart_units"))
    );
    let y = |c: f64| b + (h - 2.0 * b - 6.0) * (1.0 - c);
    for c in [0.0, 0.5, 1.0] {
        let _ = write!(o, "<line class=\"grid\" x1=\"{l}\" x2=\"{}\" y1=\"{:.1}\" y2=\"{:.1}\"/><text class=\"ax\" x=\"{}\" y=\"{:.1}\">{}%</text>", w - 2.0, y(c), y(c), l - 4.0, y(c) + 3.5, c * 100.0);
    }
    for (j, &i) in idx.iter().enumerate() {
        let st = &s.stats[i];
        let c = st.coverage.unwrap_or(0.0);
        let ar = &a.areas.list[i];
        let _ = write!(
            o,
            "<rect class=\"{}\" data-a=\"{}\" x=\"{:.2}\" y=\"{:.1}\" width=\"{:.2}\" height=\"{:.1}\"><title>{} {}</title></rect>",
            if st.blank() { "b" } else { "ok" },
            esc(&ar.id),
            l + j as f64 * bw,
            y(c),
            (bw * 0.85).max(0.5),
            (y(0.0) - y(c)).max(0.6),
            esc(if ar.name.is_empty() { &ar.id } else { &ar.name }),
            pct(Some(c))
        );
    }
    if let Some(t) = s.spec.coverage_target {
        let _ = write!(
            o,
            "<line class=\"target\" x1=\"{l}\" x2=\"{}\" y1=\"{:.1}\" y2=\"{:.1}\"/><text class=\"tl\" x=\"{}\" y=\"{:.1}\">{} {}</text>",
            w - 2.0,
            y(t),
            y(t),
            l + 3.0,
            y(t) - 3.0,
            esc(tr(lang, "chart_target")),
            i18n::pct_vs(t, None)
        );
    }
    o.push_str("</svg></div>");
}

/// A table heading row: (text, classes; `n` right-aligns, `tip` shows it in the map tooltip).
fn header_row(o: &mut String, cols: &[(String, &str)]) {
    for (c, class) in cols {
        if class.is_empty() {
            let _ = write!(o, "<th>{}</th>", esc(c));
        } else {
            let _ = write!(o, "<th class=\"{class}\">{}</th>", esc(c));
        }
    }
    o.push_str("</tr></thead><tbody>");
}

/// A coverage cell with a small bar, the figure and, when given, the target it is held to.
fn cov_cell(o: &mut String, cov: Option<f64>, target: Option<f64>) {
    let _ = write!(
        o,
        "<td class=\"n cov\" data-v=\"{}\"><span class=\"cb\"><i style=\"width:{:.0}%\"></i></span>{}</td>",
        cov.map(|c| c.to_string()).unwrap_or_else(|| "-1".into()),
        cov.unwrap_or(0.0) * 100.0,
        match cov {
            Some(c) => i18n::pct_vs(c, target),
            None => "—".into(),
        },
    );
}

fn table(o: &mut String, a: &Analysis, s: &ServiceResult, lang: Lang) {
    let has_cap = s.stats.iter().any(|x| x.capacity.is_some());
    let sp = &s.spec;
    let has_rules =
        sp.min_per_area.is_some() || sp.coverage_target.is_some() || sp.capacity_per_1000.is_some();
    let _ = write!(
        o,
        "<h3>{}</h3><div class=\"tablewrap\"><table class=\"gaps sortable\"><thead><tr>",
        esc(tr(lang, "table"))
    );
    let walk = s.stats.iter().any(|x| x.network_covered.is_some());
    let on_foot = |name| label(lang, name).replace("{m}", &i18n::num(sp.minutes));
    let mut cols: Vec<(String, &str)> = vec![
        (tr(lang, "col_status").into(), ""),
        (label(lang, "area_id").into(), ""),
        (label(lang, "area_name").into(), ""),
        (label(lang, "population").into(), "n tip"),
        (label(lang, "covered_population").into(), "n"),
        (tr(lang, "col_uncovered").into(), "n tip"),
        (
            label(lang, "coverage").into(),
            if walk { "n" } else { "n tip" },
        ),
    ];
    if walk {
        cols.push((on_foot("network_covered_population"), "n"));
        cols.push((on_foot("network_coverage"), "n tip"));
    }
    cols.push((label(lang, "facilities").into(), "n tip"));
    if has_cap {
        cols.push((label(lang, "capacity").into(), "n"));
        cols.push((label(lang, "capacity_per_1000").into(), "n"));
    }
    let official = s.stats.iter().any(|x| x.official_population.is_some());
    if official {
        cols.push((label(lang, "official_population").into(), "n"));
        cols.push((label(lang, "capacity_per_1000_grid").into(), "n"));
    }
    let access = s.stats.iter().any(|x| x.access.is_some());
    if access {
        cols.push((label(lang, "access_per_1000").into(), "n"));
        cols.push((label(lang, "share_below_target").into(), "n"));
    }
    cols.push((label(lang, "reasons").into(), ""));
    header_row(o, &cols);
    let mut order: Vec<usize> = (0..s.stats.len()).collect();
    order.sort_by(|&x, &y| {
        let (sx, sy) = (&s.stats[x], &s.stats[y]);
        sy.blank()
            .cmp(&sx.blank())
            .then(
                judged_coverage(sx)
                    .unwrap_or(2.0)
                    .total_cmp(&judged_coverage(sy).unwrap_or(2.0)),
            )
            .then(a.areas.list[x].id.cmp(&a.areas.list[y].id))
    });
    for i in order {
        let st = &s.stats[i];
        let ar = &a.areas.list[i];
        let blank = st.blank();
        let (status, rank) = if blank {
            (tr(lang, "status_blank"), 0)
        } else if st.reasons.is_empty() && has_rules {
            (tr(lang, "status_ok"), 2)
        } else {
            (tr(lang, "status_none"), 1)
        };
        let _ = write!(
            o,
            "<tr class=\"{}\" data-area=\"{}\"><td data-v=\"{rank}\"><span class=\"badge {}\">{}</span></td><td>{}</td><td>{}</td>\
             <td class=\"n\" data-v=\"{}\">{}</td><td class=\"n\" data-v=\"{}\">{}</td><td class=\"n\" data-v=\"{}\">{}</td>",
            if blank { "blank" } else { "" },
            esc(&ar.id),
            if blank { "b" } else if rank == 2 { "ok" } else { "na" },
            esc(status),
            esc(&ar.id),
            esc(&ar.name),
            st.population,
            i18n::num(st.population),
            st.covered,
            i18n::num(st.covered),
            st.population - st.covered,
            i18n::num((st.population - st.covered).max(0.0)),
        );
        // The target is shown beside the figure the rule judges by.
        let target = s.spec.coverage_target;
        cov_cell(o, st.coverage, if walk { None } else { target });
        if walk {
            let _ = write!(
                o,
                "<td class=\"n\" data-v=\"{}\">{}</td>",
                st.network_covered.unwrap_or(0.0),
                i18n::num(st.network_covered.unwrap_or(0.0)),
            );
            cov_cell(o, st.network_coverage, target);
        }
        let _ = write!(
            o,
            "<td class=\"n\" data-v=\"{}\">{}</td>",
            st.facilities, st.facilities,
        );
        if has_cap {
            let _ = write!(
                o,
                "<td class=\"n\" data-v=\"{}\">{}</td><td class=\"n\" data-v=\"{}\">{}</td>",
                st.capacity.unwrap_or(-1.0),
                st.capacity.map(i18n::num).unwrap_or_else(|| "—".into()),
                st.capacity_per_1000.unwrap_or(-1.0),
                st.capacity_per_1000
                    .map(|c| format!("{c:.1}"))
                    .unwrap_or_else(|| "—".into()),
            );
        }
        let mut opt = |v: Option<f64>, text: String| {
            let _ = write!(
                o,
                "<td class=\"n\" data-v=\"{}\">{}</td>",
                v.unwrap_or(-1.0),
                if v.is_some() { text } else { "—".into() }
            );
        };
        if official {
            let (p, c) = (st.official_population, st.capacity_per_1000_grid);
            opt(p, p.map(i18n::num).unwrap_or_default());
            opt(c, c.map(|c| format!("{c:.1}")).unwrap_or_default());
        }
        if access {
            let per = st.access.and_then(|x| x.per_1000);
            let below = st.access.and_then(|x| x.share_below_target);
            opt(per, per.map(|c| format!("{c:.2}")).unwrap_or_default());
            opt(below, pct(below));
        }
        let _ = write!(
            o,
            "<td class=\"reasons\">{}</td></tr>",
            esc(&i18n::reasons_text(lang, &s.spec, st))
        );
    }
    o.push_str("</tbody></table></div>");
}

fn file_name(p: &str) -> String {
    std::path::Path::new(p)
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_else(|| p.to_string())
}

fn settings(o: &mut String, a: &Analysis, facts: &RunFacts, lang: Lang) {
    let _ = write!(
        o,
        "<section id=\"settings\" class=\"settings\"><h2>{}</h2><div class=\"cols\"><div>",
        esc(tr(lang, "settings"))
    );
    let _ = write!(o, "<table class=\"kv\"><tbody>");
    let kv = |o: &mut String, k: &str, v: &str| {
        let _ = write!(
            o,
            "<tr><th>{}</th><td>{}</td></tr>",
            esc(tr(lang, k)),
            esc(v)
        );
    };
    kv(o, "set_plan", &a.plan.title);
    kv(o, "set_version", env!("CARGO_PKG_VERSION"));
    // Straight-line metres in the local frame; with a network the rules are judged on foot.
    let dist_txt = match (lang, a.network.is_some()) {
        (Lang::Zh, true) => {
            "规则按路网步行距离判定；服务圈、橙色网格与距离图为直线距离（真实米数）"
        }
        (Lang::En, true) => {
            "rules judged by walking distance on the street network; service circles, orange cells and the distance chart are straight-line (true metres)"
        }
        (Lang::Zh, false) => "直线距离，真实米数（WGS 84 局部横轴墨卡托投影，含尺度改正）",
        (Lang::En, false) => super::summary::DISTANCE,
    };
    kv(o, "set_distance", dist_txt);
    kv(
        o,
        "set_frame",
        &trf(
            lang,
            "set_frame_v",
            &[
                ("lon", &format!("{:.4}", facts.frame[0])),
                ("lat", &format!("{:.4}", facts.frame[1])),
            ],
        ),
    );
    let grid = match facts.cell_size_m {
        Some([x, y]) => trf(
            lang,
            "set_grid_v",
            &[("x", &format!("{x:.0}")), ("y", &format!("{y:.0}"))],
        ),
        _ => tr(lang, "set_grid_none").to_string(),
    };
    kv(o, "set_grid", &grid);
    o.push_str("</tbody></table>");
    // Data sources (file names only: paths differ between machines).
    let _ = write!(
        o,
        "<h3>{}</h3><table class=\"plain\"><thead><tr><th>{}</th><th>{}</th><th class=\"n\">{}</th></tr></thead><tbody>",
        esc(tr(lang, "src")),
        esc(tr(lang, "src_role")),
        esc(tr(lang, "src_file")),
        esc(tr(lang, "src_count"))
    );
    for src in &facts.sources {
        let role = match src.role {
            Role::Areas => "src_areas",
            Role::Population => "src_population",
            Role::Facilities => "src_facilities",
        };
        let _ = write!(
            o,
            "<tr><td>{}</td><td><code>{}</code></td><td class=\"n\">{}</td></tr>",
            esc(tr(lang, role)),
            esc(&file_name(&src.path)),
            i18n::group_thousands(src.count as i64)
        );
    }
    o.push_str("</tbody></table>");
    let _ = write!(
        o,
        "<h3>{}</h3><table class=\"plain\"><thead><tr><th>{}</th><th>{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th></tr></thead><tbody>",
        esc(tr(lang, "groups")),
        esc(tr(lang, "group")),
        esc(tr(lang, "group_fields")),
        esc(tr(lang, "group_total")),
        esc(tr(lang, "group_unassigned"))
    );
    for (name, fields, total, unassigned) in &facts.groups {
        let _ = write!(
            o,
            "<tr><td>{} <code>{}</code></td><td><code>{}</code></td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            esc(&i18n::group_name(lang, name)),
            esc(name),
            esc(&fields.join(" + ")),
            i18n::num(*total),
            i18n::num(*unassigned),
        );
    }
    o.push_str("</tbody></table></div><div>");
    let _ = write!(
        o,
        "<h3>{}</h3><table class=\"plain\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th></tr></thead><tbody>",
        esc(tr(lang, "services")),
        esc(tr(lang, "service")),
        esc(tr(lang, "kind")),
        esc(tr(lang, "serves")),
        esc(tr(lang, "radius")),
        esc(tr(lang, "target_min")),
        esc(tr(lang, "target_cov")),
        esc(tr(lang, "target_cap")),
    );
    for s in &a.services {
        let sp = &s.spec;
        let _ = write!(
            o,
            "<tr><td>{} <code>{}</code></td><td><code>{}</code></td><td>{}</td><td class=\"n\">{} {}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            esc(&i18n::service_name(lang, sp)),
            esc(&sp.id),
            esc(&sp.kind),
            esc(&i18n::group_name(lang, &sp.serves)),
            i18n::num(sp.radius_m),
            esc(tr(lang, "m")),
            sp.min_per_area.map(|m| m.to_string()).unwrap_or_else(|| "—".into()),
            sp.coverage_target.map(|t| i18n::pct_vs(t, None)).unwrap_or_else(|| "—".into()),
            sp.capacity_per_1000.map(i18n::num).unwrap_or_else(|| "—".into()),
        );
    }
    o.push_str("</tbody></table></div></div></section>\n");
}

fn warnings(o: &mut String, a: &Analysis, lang: Lang) {
    let _ = write!(
        o,
        "<section id=\"warnings\" class=\"warnings\"><h2>{}</h2>",
        esc(tr(lang, "warnings"))
    );
    if a.warnings.is_empty() {
        let _ = write!(o, "<p>{}</p>", esc(tr(lang, "no_warnings")));
    } else {
        let _ = write!(
            o,
            "<table class=\"plain\"><thead><tr><th>{}</th><th class=\"n\">{}</th><th>{}</th></tr></thead><tbody>",
            esc(tr(lang, "warn_code")),
            esc(tr(lang, "warn_count")),
            esc(tr(lang, "warn_message"))
        );
        // Input paths as file names: the folders differ between machines and say little.
        let mut paths: Vec<(String, String)> = std::iter::once(&a.plan.areas.path)
            .chain(std::iter::once(&a.plan.population.path))
            .chain(a.plan.facilities.iter().map(|f| &f.path))
            .map(|p| (p.display().to_string(), file_name(&p.display().to_string())))
            .collect();
        paths.sort_by_key(|(p, _)| std::cmp::Reverse(p.len()));
        for w in &a.warnings.0 {
            let mut message = w.message.clone();
            for (p, f) in &paths {
                if !p.is_empty() {
                    message = message.replace(p.as_str(), f);
                }
            }
            let title = i18n::warning_title(lang, &w.code)
                .map(|t| format!("<b>{}</b><br>", esc(t)))
                .unwrap_or_default();
            let _ = write!(
                o,
                "<tr><td><code>{}</code></td><td class=\"n\">{}</td><td>{}{}</td></tr>",
                esc(&w.code),
                i18n::group_thousands(w.count as i64),
                title,
                esc(&message)
            );
        }
        o.push_str("</tbody></table>");
    }
    o.push_str("</section>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simplify_drops_collinear_points_and_keeps_corners() {
        let pts = [[0.0, 0.0], [1.0, 0.01], [2.0, 0.0], [2.0, 2.0]];
        assert_eq!(
            simplify(&pts, 0.1),
            vec![[0.0, 0.0], [2.0, 0.0], [2.0, 2.0]]
        );
    }

    #[test]
    fn ring_path_is_relative() {
        let mut d = String::new();
        ring_d(&mut d, &[[10, 10], [12, 10], [12, 7]]);
        assert_eq!(d, "M10 10l2 0 0-3z");
    }

    #[test]
    fn tiny_spots_stay_visible() {
        let r = [[5.1, 5.1], [5.2, 5.1], [5.2, 5.2], [5.1, 5.2], [5.1, 5.1]];
        assert_eq!(display_ring(&r, 1.0, true).map(|r| r.len()), Some(4));
        assert_eq!(display_ring(&r, 1.0, false), None);
    }

    #[test]
    fn escaping() {
        assert_eq!(
            esc("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }

    /// The integer writer prints what `format!` prints, across the whole `i32` range.
    #[test]
    fn push_int_matches_format() {
        let mut x = 0x1357_9BDF_u64;
        let mut vals = vec![
            0,
            1,
            -1,
            9,
            10,
            -10,
            99,
            100,
            i32::MAX,
            i32::MIN,
            i32::MIN + 1,
        ];
        for _ in 0..100_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let v = x as i32;
            vals.push(v >> (x % 31));
        }
        for v in vals {
            let mut s = String::new();
            push_int(&mut s, v);
            assert_eq!(s, v.to_string());
        }
    }
}
