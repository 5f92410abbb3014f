//! `report.md`: a readable gap report. Unit names are shown as they are in the data.

use crate::analyze::Analysis;
use crate::gaps::AreaStats;
use std::fmt::Write;

fn pct(v: Option<f64>) -> String {
    v.map(|x| format!("{:.1} %", x * 100.0))
        .unwrap_or_else(|| "—".into())
}

fn cell(s: &str) -> String {
    s.replace('|', "\\|")
}

/// Builds the Markdown report.
pub fn markdown(a: &Analysis) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "# Gap report: {}\n", cell(&a.plan.title));
    let _ = writeln!(
        o,
        "{} units, {} population cells ({} outside every unit), {} facilities. Distances are straight-line metres.\n",
        a.areas.list.len(),
        a.cells.len(),
        a.cell_area.iter().filter(|x| x.is_none()).count(),
        a.facilities.len()
    );
    if let Some(n) = &a.network {
        let _ = writeln!(
            o,
            "Walking network: {} nodes, {:.1} km of walkable ways, {} connected components; {} cells lie off the network. **The blank-spot rules use walking distance** (minutes × speed per service); straight-line figures are shown beside them.\n",
            n.stats.nodes, n.stats.walkable_km, n.stats.components, n.cells_off_network
        );
    }
    let walk = a.network.is_some();
    let _ = writeln!(
        o,
        "| service | serves | radius | facilities | population | covered | {}units with facility | blank units |",
        if walk { "covered on foot | " } else { "" }
    );
    let _ = writeln!(
        o,
        "|---|---|---:|---:|---:|---:|{}---:|---:|",
        if walk { "---:|" } else { "" }
    );
    for s in &a.services {
        let pop: f64 = s.stats.iter().map(|x| x.population).sum();
        let cov: f64 = s.stats.iter().map(|x| x.covered).sum();
        let min = s.spec.min_per_area.unwrap_or(1);
        let on_foot = s.walk.as_ref().map(|w| {
            let wc: f64 = s.stats.iter().filter_map(|x| x.network_covered).sum();
            format!(
                "{} ({} min at {} km/h = {:.0} m) | ",
                pct((pop > 0.0).then(|| wc / pop)),
                s.spec.minutes,
                s.spec.speed_kmh,
                w.budget_m
            )
        });
        let _ = writeln!(
            o,
            "| {} | {} | {} m | {} | {:.0} | {} | {}{} / {} | {} |",
            cell(&s.spec.id),
            cell(&s.spec.serves),
            s.spec.radius_m,
            s.facilities.len(),
            pop,
            pct((pop > 0.0).then(|| cov / pop)),
            on_foot.unwrap_or_default(),
            s.stats.iter().filter(|x| x.facilities >= min).count(),
            s.stats.len(),
            s.stats.iter().filter(|x| x.blank()).count()
        );
    }
    for s in &a.services {
        let _ = writeln!(
            o,
            "\n## {} (kind `{}`, serves {})\n",
            cell(&s.spec.id),
            cell(&s.spec.kind),
            cell(&s.spec.serves)
        );
        let mut rules = Vec::new();
        if let Some(m) = s.spec.min_per_area {
            rules.push(format!("at least {m} per unit"));
        }
        if let Some(t) = s.spec.coverage_target {
            rules.push(format!(
                "{:.0} % of the served population within {} m",
                t * 100.0,
                s.spec.radius_m
            ));
        }
        if let Some(t) = s.spec.capacity_per_1000 {
            rules.push(format!("capacity ≥ {t} per 1,000 served"));
        }
        if let Some(line) = source_line(&s.spec) {
            let _ = writeln!(o, "{}\n", cell(&line));
        }
        let _ = writeln!(
            o,
            "Rules: {}.\n",
            if rules.is_empty() {
                "none configured (figures only)".to_string()
            } else {
                rules.join("; ")
            }
        );
        let mut blank: Vec<&AreaStats> = s.stats.iter().filter(|x| x.blank()).collect();
        blank.sort_by(|x, y| {
            x.coverage
                .unwrap_or(0.0)
                .total_cmp(&y.coverage.unwrap_or(0.0))
                .then(x.area.cmp(&y.area))
        });
        if blank.is_empty() {
            let _ = writeln!(o, "No blank units.");
        } else {
            let _ = writeln!(o, "### Blank units ({})\n", blank.len());
            table(&mut o, a, &blank);
        }
        let mut worst: Vec<&AreaStats> = s.stats.iter().filter(|x| x.coverage.is_some()).collect();
        worst.sort_by(|x, y| {
            x.coverage
                .unwrap_or(0.0)
                .total_cmp(&y.coverage.unwrap_or(0.0))
                .then(x.area.cmp(&y.area))
        });
        worst.truncate(10);
        let _ = writeln!(o, "\n### Worst-covered units\n");
        table(&mut o, a, &worst);
    }
    if !a.warnings.is_empty() {
        let _ = writeln!(o, "\n## Warnings\n");
        for w in &a.warnings.0 {
            let _ = writeln!(o, "- `{}` ({}): {}", w.code, w.count, w.message);
        }
    }
    o
}

fn table(o: &mut String, a: &Analysis, rows: &[&AreaStats]) {
    let _ = writeln!(o, "| unit | name | population | covered | coverage | facilities | capacity / 1,000 | reasons |");
    let _ = writeln!(o, "|---|---|---:|---:|---:|---:|---:|---|");
    for st in rows {
        let area = &a.areas.list[st.area.0 as usize];
        let _ = writeln!(
            o,
            "| {} | {} | {:.0} | {:.0} | {} | {} | {} | {} |",
            cell(&area.id),
            cell(&area.name),
            st.population,
            st.covered,
            pct(st.coverage),
            st.facilities,
            st.capacity_per_1000
                .map(|c| format!("{c:.2}"))
                .unwrap_or_else(|| "—".into()),
            st.reasons
                .iter()
                .map(|r| r.code())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
}

/// "Source (standard ID): 目标 100%，依据《…》专栏1 第6项（约束性）：“quote”" for a service taken
/// from a built-in standard.
fn source_line(spec: &crate::plan::ServiceSpec) -> Option<String> {
    let p = spec.source.as_ref()?;
    let mut targets = Vec::new();
    if let Some(t) = spec.coverage_target {
        targets.push(format!("目标 {}%", (t * 1000.0).round() / 10.0));
    }
    if let Some(m) = spec.min_per_area {
        targets.push(format!("每个单元至少 {m} 个"));
    }
    if let Some(c) = spec.capacity_per_1000 {
        targets.push(format!("每千人 {c}"));
    }
    targets.push(p.to_string());
    Some(format!(
        "Source (standard {}): {}：“{}”",
        p.preset,
        targets.join("，"),
        p.quotes.join("”“")
    ))
}
