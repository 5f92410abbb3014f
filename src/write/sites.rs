//! Outputs of `carecircle sites`: `sites.csv`, `sites.geojson`, `areas_after.csv`,
//! `sites_report.md`, `sites_summary.json` and the before/after `report.html`, written atomically beside whatever `analyze`
//! wrote into the same folder (only these files are replaced or removed).

use super::columns;
use super::tables::csv_bytes;
use super::{f3, Staging};
use crate::error::{Error, Result};
use crate::gaps::AreaStats;
use crate::sites::{Mode, SitesResult};
use serde_json::{json, Map, Value};
use std::fmt::Write;
use std::path::{Path, PathBuf};

/// Every file `sites` may write (stale ones from an earlier `sites` run are removed on commit).
/// `report.md` and `summary.json` are those of the analysis the sites were chosen on, with the
/// sites' before/after section and a `sites` member added, so they never lose what `analyze`
/// wrote there; `sites_report.md` and `sites_summary.json` hold the sites part alone.
/// `report.html` is the sites page (the service before and after the new sites).
pub const SITES_FILES: &[&str] = &[
    "sites.csv",
    "sites.geojson",
    "areas_after.csv",
    "sites_report.md",
    "sites_summary.json",
    "report.md",
    "summary.json",
    "report.html",
];

/// Columns of `sites.csv` (`served_population` only in the capacity-aware mode).
pub const SITES_COLUMNS: [&str; 8] = [
    "rank",
    "id",
    "lon",
    "lat",
    "area_id",
    "area_name",
    "new_covered_population",
    "fixes_blank_units",
];

fn area_id_name(r: &SitesResult, a: Option<crate::area::AreaIx>) -> (String, String) {
    match a {
        Some(x) => {
            let ar = &r.analysis.areas.list[x.0 as usize];
            (ar.id.clone(), ar.name.clone())
        }
        None => (String::new(), String::new()),
    }
}

fn fixes_ids(r: &SitesResult, f: &[crate::area::AreaIx]) -> Vec<String> {
    f.iter()
        .map(|x| r.analysis.areas.list[x.0 as usize].id.clone())
        .collect()
}

/// `sites.csv`: the chosen sites in rank order (WGS 84, 7 decimals).
pub fn sites_csv(r: &SitesResult) -> Result<Vec<u8>> {
    let capacity_mode = r.sites.iter().any(|s| s.served.is_some());
    let mut header: Vec<&str> = SITES_COLUMNS.to_vec();
    if capacity_mode {
        header.push("served_population");
    }
    let rows: Vec<Vec<String>> = r
        .sites
        .iter()
        .map(|s| {
            let (aid, aname) = area_id_name(r, s.candidate.area);
            let mut row = vec![
                s.rank.to_string(),
                s.candidate.id.clone(),
                format!("{:.7}", s.candidate.lonlat[0]),
                format!("{:.7}", s.candidate.lonlat[1]),
                aid,
                aname,
                f3(s.new_covered),
                fixes_ids(r, &s.fixes).join(";"),
            ];
            if capacity_mode {
                row.push(f3(s.served.unwrap_or(0.0)));
            }
            row
        })
        .collect();
    csv_bytes("sites.csv", &header, &rows)
}

/// `sites.geojson`: one Point feature per chosen site, with the `sites.csv` figures, in WGS 84
/// (7 decimals) or the `--out-crs` system (metres to 2 decimals, with the legacy `crs` member).
pub fn sites_geojson(r: &SitesResult, crs: &crate::crs::Crs) -> Value {
    let service = &r.analysis.services[r.service].spec;
    let features: Vec<Value> = r
        .sites
        .iter()
        .map(|s| {
            let (aid, aname) = area_id_name(r, s.candidate.area);
            let mut props = Map::new();
            props.insert("rank".into(), json!(s.rank));
            props.insert("id".into(), json!(s.candidate.id));
            props.insert("service".into(), json!(service.id));
            props.insert("kind".into(), json!(service.kind));
            props.insert("area_id".into(), json!(aid));
            props.insert("area_name".into(), json!(aname));
            props.insert(
                "new_covered_population".into(),
                json!((s.new_covered * 1000.0).round() / 1000.0),
            );
            if let Some(v) = s.served {
                props.insert(
                    "served_population".into(),
                    json!((v * 1000.0).round() / 1000.0),
                );
            }
            props.insert("fixes_blank_units".into(), json!(fixes_ids(r, &s.fixes)));
            let p = crs.from_wgs84(s.candidate.lonlat);
            let scale = if crs.is_geographic() { 1e7 } else { 1e2 };
            json!({
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [
                    (p[0] * scale).round() / scale,
                    (p[1] * scale).round() / scale,
                ]},
                "properties": props,
            })
        })
        .collect();
    let mut fc = json!({"type": "FeatureCollection", "name": "sites", "features": features});
    if let Some(code) = crs.epsg().filter(|&c| c != 4326) {
        fc["crs"] = json!({"type": "name", "properties": {"name": format!("urn:ogc:def:crs:EPSG::{code}")}});
    }
    fc
}

/// `areas_after.csv`: the `areas.csv` columns after adding the sites.
pub fn areas_after_csv(r: &SitesResult) -> Result<Vec<u8>> {
    let a = &r.analysis;
    let mut stats = columns::analysis_stats(a);
    stats[r.service] = &r.after;
    let rows = columns::area_rows(a, &stats);
    super::tables::rows_csv("areas_after.csv", &columns::present(a, false), &rows)
}

fn r3(v: f64) -> Value {
    json!((v * 1000.0).round() / 1000.0)
}

/// `sites_summary.json`: objective, bound, gap, iterations, time per stage, settings and the
/// units that stay blank with reasons.
pub fn summary(r: &SitesResult, threads: usize) -> Value {
    let s = &r.analysis.services[r.service];
    let q = &r.quality;
    let totals = |st: &[AreaStats]| {
        let pop: f64 = st.iter().map(|x| x.population).sum();
        let cov: f64 = st.iter().map(|x| x.judged_covered()).sum();
        json!({
            "population": r3(pop),
            "covered_population": r3(cov),
            "coverage": if pop > 0.0 { json!((cov / pop * 1e6).round() / 1e6) } else { Value::Null },
            "units_blank": st.iter().filter(|x| x.blank()).count(),
            "facilities": st.iter().map(|x| x.facilities as u64).sum::<u64>(),
            "capacity": if st.iter().any(|x| x.capacity.is_some()) {
                r3(st.iter().filter_map(|x| x.capacity).sum::<f64>())
            } else {
                Value::Null
            },
        })
    };
    let (objective_name, bound_name, gap_note) = match r.mode {
        Mode::Add(_) if r.capacity.is_some() => (
            "served population within reach and within the new sites' capacity",
            "upper bound on the best possible objective",
            "(bound - objective) / bound: the objective is within this fraction of the best possible",
        ),
        Mode::Add(_) => (
            "newly covered served population",
            "upper bound on the best possible objective",
            "(bound - objective) / bound: the objective is within this fraction of the best possible",
        ),
        Mode::FillBlanks => (
            "number of new sites",
            "lower bound on the fewest sites meeting every fixable unit rule",
            "(objective - bound) / objective",
        ),
    };
    let unfixable: Vec<Value> = r
        .unfixable
        .iter()
        .map(|u| {
            let ar = &r.analysis.areas.list[u.area.0 as usize];
            json!({
                "area_id": ar.id,
                "area_name": ar.name,
                "reasons_after": u.reasons_after.iter().map(|x| x.code()).collect::<Vec<_>>(),
                "why": u.why,
            })
        })
        .collect();
    let timings = super::summary::timings_json(&r.timings);
    json!({
        "carecircle": env!("CARGO_PKG_VERSION"),
        "command": "sites",
        "plan": r.analysis.plan.path.display().to_string(),
        "title": r.analysis.plan.title,
        "service": {
            "id": s.spec.id,
            "kind": s.spec.kind,
            "serves": s.spec.serves,
            "radius_m": s.spec.radius_m,
            "min_per_area": s.spec.min_per_area,
            "coverage_target": s.spec.coverage_target,
            "capacity_per_1000_target": s.spec.capacity_per_1000,
            "existing_facilities": s.facilities.len(),
        },
        "settings": {
            "mode": match r.mode { Mode::Add(n) => json!({"add": n}), Mode::FillBlanks => json!("fill_blanks") },
            "candidates": r.candidate_source,
            "exclude": r.exclude.as_ref().map(|p| p.display().to_string()),
            "per_area_max": r.per_area_max,
            "capacity": r.capacity,
            "seed": r.seed,
            "distance": "straight line, true metres",
            "threads": threads,
        },
        "candidates": {
            "generated": r.candidates.generated,
            "excluded": r.candidates.excluded,
            "thinned": r.candidates.thinned,
            "used": r.candidates.used,
            "reaching_uncovered_demand": r.candidates.reaching_demand,
            "outside_units": r.candidates.outside_units,
        },
        "demand": {
            "points": r.demand_points,
            "population": r3(r.demand_population),
            "reachable_population": r3(r.reachable_population),
            "note": "populated cells of the served group in a unit and not covered by existing facilities",
        },
        "method": q.method,
        "objective": q.objective,
        "objective_is": objective_name,
        "bound": q.bound,
        "bound_is": bound_name,
        "gap": q.gap,
        "gap_is": gap_note,
        "iterations": q.iterations,
        "solver": q.details,
        "sites": r.sites.len(),
        "new_covered_population": r.new_covered_total(),
        "before": totals(r.before()),
        "after": totals(&r.after),
        "units_fixed": r.sites.iter().map(|x| x.fixes.len()).sum::<usize>(),
        "unfixable_units": unfixable,
        "notes": r.notes,
        "timings_s": timings,
    })
}

fn cell(s: &str) -> String {
    s.replace('|', "\\|")
}

fn pct(v: Option<f64>) -> String {
    v.map(|x| format!("{:.1} %", x * 100.0))
        .unwrap_or_else(|| "—".into())
}

/// `sites_report.md`: method and quality, the sites, and a before/after table of the units.
pub fn report(r: &SitesResult) -> String {
    let a = &r.analysis;
    let s = &a.services[r.service];
    let q = &r.quality;
    let mut o = String::new();
    let _ = writeln!(
        o,
        "# New sites: {} — {}\n",
        cell(&a.plan.title),
        cell(&s.spec.id)
    );
    let _ = writeln!(
        o,
        "Service `{}` (kind `{}`, serves {}, radius {} m straight line). {} existing facilities are kept. Candidates: {} ({} used, {} excluded, {} reach uncovered population).\n",
        cell(&s.spec.id),
        cell(&s.spec.kind),
        cell(&s.spec.serves),
        s.spec.radius_m,
        s.facilities.len(),
        cell(&r.candidate_source),
        r.candidates.used,
        r.candidates.excluded,
        r.candidates.reaching_demand
    );
    match r.mode {
        Mode::Add(n) => {
            let what = if r.capacity.is_some() {
                format!(
                    "served population within reach and within capacity ({} per new site)",
                    r.capacity.unwrap_or(0.0)
                )
            } else {
                "newly covered population".to_string()
            };
            let _ = writeln!(
                o,
                "**Maximal coverage, {n} new sites** ({} chosen). Objective ({what}): **{:.1}**. Upper bound on the best possible: {:.1}. The choice is **within {:.2} % of the best possible**.\n",
                r.sites.len(),
                q.objective,
                q.bound,
                q.gap * 100.0
            );
        }
        Mode::FillBlanks => {
            let _ = writeln!(
                o,
                "**Fill blanks**: {} new sites meet every unit rule that the candidates can meet; any solution needs at least {} (gap {:.1} %).\n",
                r.sites.len(),
                q.bound,
                q.gap * 100.0
            );
        }
    }
    if let Some(k) = r.per_area_max {
        let _ = writeln!(o, "At most {k} new sites per unit.\n");
    }
    for n in &r.notes {
        let _ = writeln!(o, "Note: {}\n", cell(n));
    }
    let _ = writeln!(o, "## Sites\n");
    let served = r.sites.iter().any(|x| x.served.is_some());
    let _ = writeln!(
        o,
        "| rank | id | lon | lat | unit | name | newly covered |{} fixes blank units |",
        if served { " served |" } else { "" }
    );
    let _ = writeln!(
        o,
        "|---:|---|---:|---:|---|---|---:|{}---|",
        if served { "---:|" } else { "" }
    );
    for st in &r.sites {
        let (aid, aname) = area_id_name(r, st.candidate.area);
        let _ = writeln!(
            o,
            "| {} | {} | {:.6} | {:.6} | {} | {} | {:.1} |{} {} |",
            st.rank,
            cell(&st.candidate.id),
            st.candidate.lonlat[0],
            st.candidate.lonlat[1],
            cell(&aid),
            cell(&aname),
            st.new_covered,
            st.served.map(|v| format!(" {v:.1} |")).unwrap_or_default(),
            cell(&fixes_ids(r, &st.fixes).join(", "))
        );
    }
    let before = r.before();
    let (pb, cb): (f64, f64) = (
        before.iter().map(|x| x.population).sum(),
        before.iter().map(|x| x.judged_covered()).sum(),
    );
    let ca: f64 = r.after.iter().map(|x| x.judged_covered()).sum();
    let share = |c: f64| (pb > 0.0).then(|| c / pb);
    let _ = writeln!(o, "\n## Before and after\n");
    let _ = writeln!(o, "| | before | after |");
    let _ = writeln!(o, "|---|---:|---:|");
    let _ = writeln!(o, "| covered population | {cb:.0} | {ca:.0} |");
    let _ = writeln!(o, "| coverage | {} | {} |", pct(share(cb)), pct(share(ca)));
    let _ = writeln!(
        o,
        "| facilities | {} | {} |",
        before.iter().map(|x| x.facilities).sum::<u32>(),
        r.after.iter().map(|x| x.facilities).sum::<u32>()
    );
    let _ = writeln!(
        o,
        "| blank units | {} | {} |",
        before.iter().filter(|x| x.blank()).count(),
        r.after.iter().filter(|x| x.blank()).count()
    );
    let changed: Vec<usize> = (0..before.len())
        .filter(|&u| before[u] != r.after[u])
        .collect();
    let _ = writeln!(o, "\n### Units that change ({})\n", changed.len());
    if !changed.is_empty() {
        let _ = writeln!(o, "| unit | name | population | covered before → after | coverage before → after | facilities before → after | blank before → after | reasons after |");
        let _ = writeln!(o, "|---|---|---:|---:|---:|---:|---|---|");
        let mut order = changed;
        order.sort_by(|&x, &y| a.areas.list[x].id.cmp(&a.areas.list[y].id).then(x.cmp(&y)));
        for u in order {
            let (b, f) = (&before[u], &r.after[u]);
            let ar = &a.areas.list[u];
            let _ = writeln!(
                o,
                "| {} | {} | {:.0} | {:.0} → {:.0} | {} → {} | {} → {} | {} → {} | {} |",
                cell(&ar.id),
                cell(&ar.name),
                b.population,
                b.judged_covered(),
                f.judged_covered(),
                pct(b.coverage),
                pct(f.coverage),
                b.facilities,
                f.facilities,
                if b.blank() { "yes" } else { "no" },
                if f.blank() { "yes" } else { "no" },
                f.reasons
                    .iter()
                    .map(|x| x.code())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
    }
    if !r.unfixable.is_empty() {
        let _ = writeln!(o, "\n## Units that stay blank ({})\n", r.unfixable.len());
        let _ = writeln!(o, "| unit | name | reasons after | why |");
        let _ = writeln!(o, "|---|---|---|---|");
        for u in &r.unfixable {
            let ar = &a.areas.list[u.area.0 as usize];
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} |",
                cell(&ar.id),
                cell(&ar.name),
                u.reasons_after
                    .iter()
                    .map(|x| x.code())
                    .collect::<Vec<_>>()
                    .join(", "),
                cell(&u.why.join("; "))
            );
        }
    }
    let _ = writeln!(o, "\n## Method\n");
    let _ = writeln!(o, "{}", match r.mode {
        Mode::Add(_) if r.capacity.is_some() => "Capacity-aware maximal coverage: lazy greedy on min(capacity, unassigned population within reach); the chosen set is evaluated exactly by max-flow (each person assigned to at most one new site within reach, each site up to its capacity). The bound is the least of p × capacity, the p largest min(capacity, reachable population), the reachable population and the Lagrangian bound.",
        Mode::Add(_) => "Maximal coverage (MCLP): lazy greedy, swap local search, and a Lagrangian relaxation whose value bounds the best possible coverage from above (bound ≥ optimum ≥ objective). Existing facilities are kept; only population they do not cover counts.",
        Mode::FillBlanks => "Set covering of the unit rules (a new site inside each unit short of min_per_area; enough newly covered population for the coverage target; with --capacity, enough new sites for capacity_per_1000): greedy on the normalised requirements, then redundant sites removed. The lower bound counts the sites the rules force.",
    });
    let _ = writeln!(o, "\nSites are ranked greedily: each next site is the one that adds the most newly covered population given the sites ranked before it; its `newly covered` figure is what it adds in that order, so the column sums to the total.");
    o
}

/// Refuses a site whose position or figures are not finite (`sites.geojson` and the summaries
/// would otherwise get `null`), naming the site.
fn check_sites(r: &SitesResult, out: &Path) -> Result<()> {
    for s in &r.sites {
        let fields = [
            ("lon", Some(s.candidate.lonlat[0])),
            ("lat", Some(s.candidate.lonlat[1])),
            ("new_covered_population", Some(s.new_covered)),
            ("served_population", s.served),
        ];
        if let Some((field, Some(v))) = fields
            .into_iter()
            .find(|(_, v)| v.is_some_and(|v| !v.is_finite()))
        {
            return Err(Error::Output {
                path: out.to_owned(),
                reason: format!(
                    "site {} ('{}'): {field} is {v}, not a finite number; nothing was written",
                    s.rank, s.candidate.id
                ),
            });
        }
    }
    Ok(())
}

/// Writes every `sites` output into `out` atomically (other files in `out` are left alone);
/// `lang` is the language of `report.html`, `crs` the system of `sites.geojson` (`--out-crs`).
pub fn write(
    r: &SitesResult,
    out: &Path,
    threads: usize,
    lang: super::i18n::Lang,
    crs: &crate::crs::Crs,
) -> Result<Vec<PathBuf>> {
    super::finite::check_figures(&r.analysis, out)?;
    check_sites(r, out)?;
    let mut st = Staging::new(out)?;
    let json_bytes = |name: &str, v: &Value| -> Result<Vec<u8>> {
        let mut s = serde_json::to_string_pretty(v).map_err(|e| Error::Output {
            path: out.join(name),
            reason: e.to_string(),
        })?;
        s.push('\n');
        Ok(s.into_bytes())
    };
    st.write("sites.csv", &sites_csv(r)?)?;
    st.write(
        "sites.geojson",
        &json_bytes("sites.geojson", &sites_geojson(r, crs))?,
    )?;
    st.write("areas_after.csv", &areas_after_csv(r)?)?;
    let sites_md = report(r);
    st.write("sites_report.md", sites_md.as_bytes())?;
    let sites_json = summary(r, threads);
    st.write(
        "sites_summary.json",
        &json_bytes("sites_summary.json", &sites_json)?,
    )?;
    let full_md = format!(
        "{}\n---\n\n{sites_md}",
        super::report::markdown(&r.analysis)
    );
    st.write("report.md", full_md.as_bytes())?;
    let mut full = super::summary::build(&r.analysis, threads);
    let page = super::html::sites_html(r, &super::html::ReportOptions { lang });
    st.write("report.html", page.as_bytes())?;
    full["sites"] = sites_json;
    st.write("summary.json", &json_bytes("summary.json", &full)?)?;
    st.commit(SITES_FILES)
}
