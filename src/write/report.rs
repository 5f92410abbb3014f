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
    let growth: Vec<String> = (0..a.plan.population.groups.len())
        .filter_map(|g| {
            let f = a.plan.growth_factor(g).ok()?;
            (f != 1.0).then(|| format!("{} × {f}", a.plan.population.groups[g].0))
        })
        .collect();
    if !growth.is_empty() {
        let _ = writeln!(
            o,
            "Demand growth applied{}: {} (cell values and official counts scaled).\n",
            a.plan
                .scenario
                .year
                .map(|y| format!(" for {y}"))
                .unwrap_or_default(),
            growth.join(", ")
        );
    }
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
        zone_rules(&mut o, a, s);
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
    districts(&mut o, a);
    planned(&mut o, a);
    if !a.warnings.is_empty() {
        let _ = writeln!(o, "\n## Warnings\n");
        for w in &a.warnings.0 {
            let _ = writeln!(o, "- `{}` ({}): {}", w.code, w.count, w.message);
        }
    }
    o
}

fn table(o: &mut String, a: &Analysis, rows: &[&AreaStats]) {
    let labelled: Vec<(String, String, &AreaStats)> = rows
        .iter()
        .map(|st| {
            let area = &a.areas.list[st.area.0 as usize];
            (area.id.clone(), area.name.clone(), *st)
        })
        .collect();
    figures_table(o, a, "unit", &labelled);
}

fn num2(v: Option<f64>) -> String {
    v.map(|c| format!("{c:.2}")).unwrap_or_else(|| "—".into())
}

/// A table of figures; with official counts it shows the official count and capacity per
/// 1,000 on both denominators.
fn figures_table(o: &mut String, a: &Analysis, what: &str, rows: &[(String, String, &AreaStats)]) {
    let official = !a.plan.areas.counts.is_empty();
    let extra = if official {
        " official count | capacity / 1,000 (official, else grid) | capacity / 1,000 (grid) |"
    } else {
        " capacity / 1,000 |"
    };
    let _ = writeln!(
        o,
        "| {what} | name | population | covered | coverage | facilities |{extra} reasons |"
    );
    let _ = writeln!(
        o,
        "|---|---|---:|---:|---:|---:|---:|{}---|",
        if official { "---:|---:|" } else { "" }
    );
    for (id, name, st) in rows {
        let caps = if official {
            format!(
                "{} | {} | {}",
                st.official_population
                    .map(|c| format!("{c:.0}"))
                    .unwrap_or_else(|| "—".into()),
                num2(st.capacity_per_1000),
                num2(st.capacity_per_1000_grid)
            )
        } else {
            num2(st.capacity_per_1000)
        };
        let _ = writeln!(
            o,
            "| {} | {} | {:.0} | {:.0} | {} | {} | {} | {} |",
            cell(id),
            cell(name),
            st.population,
            st.covered,
            pct(st.coverage),
            st.facilities,
            caps,
            reasons(st)
        );
    }
}

fn reasons(st: &AreaStats) -> String {
    st.reasons
        .iter()
        .map(|r| r.code())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Per-zone rules of a service and how many units each zone has.
fn zone_rules(o: &mut String, a: &Analysis, s: &crate::analyze::ServiceResult) {
    if s.spec.zones.is_empty() {
        return;
    }
    let _ = writeln!(
        o,
        "Zone rules (zones from {}; other units: the rules above):\n",
        a.area_attrs.zone_source.as_deref().unwrap_or("no source")
    );
    for (zone, z) in &s.spec.zones {
        let r = s.spec.rules(Some(zone));
        let units = a.units_in_zone(zone);
        let reach = if r.presence_only {
            "presence only: a unit with a facility counts as covered, one without as not covered"
                .to_string()
        } else {
            let mut t = format!("within {} m", r.radius_m);
            if z.minutes.is_some() || a.network.is_some() {
                let _ = write!(t, ", on foot {:.0} m", r.walk_budget_m);
            }
            t
        };
        let mut extra = Vec::new();
        if let Some(m) = r.min_per_area {
            extra.push(format!("at least {m} per unit"));
        }
        if let Some(t) = r.coverage_target {
            extra.push(format!("target {:.0} %", t * 100.0));
        }
        if let Some(t) = r.capacity_per_1000 {
            extra.push(format!("capacity ≥ {t} per 1,000"));
        }
        let _ = writeln!(
            o,
            "- `{}` ({units} units): {reach}{}{}",
            cell(zone),
            if extra.is_empty() { "" } else { "; " },
            extra.join("; ")
        );
        if let Some(line) = z.source.as_ref().and_then(|p| provenance_line(p, &r)) {
            let _ = writeln!(o, "  {}", cell(&line));
        }
    }
    let _ = writeln!(o);
}

/// Figures per parent unit (`[areas] parent`).
fn districts(o: &mut String, a: &Analysis) {
    let Some(field) = &a.plan.areas.parent else {
        return;
    };
    let _ = writeln!(
        o,
        "\n## Per {} (parent units)\n\nSums over the units of each parent (`districts.csv`); ratios are recomputed from the sums and judged by each service's own rules (zone rules apply to units only).\n",
        cell(field)
    );
    for s in &a.services {
        let _ = writeln!(o, "### {}\n", cell(&s.spec.id));
        let rows: Vec<(String, String, &AreaStats)> = s
            .parents
            .iter()
            .map(|p| {
                (
                    p.parent.clone(),
                    format!("{} / {} units blank", p.units_blank, p.units),
                    &p.figures,
                )
            })
            .collect();
        figures_table(o, a, &cell(field), &rows);
        let _ = writeln!(o);
    }
}

/// What the `[[planned]]` facilities change (`--with-planned`): per service the totals before
/// and after, the blank units they fix, those they leave, and the units whose figures change.
fn planned(o: &mut String, a: &Analysis) {
    if !a.services.iter().any(|s| s.before.is_some()) {
        return;
    }
    let _ = writeln!(
        o,
        "\n## Planned facilities (what-if)\n\nEvaluated as if the {} planned facilities were built{}; the figures above include them. Before = the existing facilities alone.\n",
        a.facilities.len() - a.planned_from,
        a.plan
            .planned_until()
            .map(|y| format!(" (those opening by {y})"))
            .unwrap_or_default()
    );
    for s in &a.services {
        let Some(b) = &s.before else { continue };
        let name = |st: &AreaStats| {
            let area = &a.areas.list[st.area.0 as usize];
            format!("{} {}", area.id, area.name)
        };
        let judged = |v: &[AreaStats]| -> (f64, f64) {
            (
                v.iter().map(|x| x.population).sum(),
                v.iter().map(|x| x.judged_covered()).sum(),
            )
        };
        let ((p0, c0), (p1, c1)) = (judged(&b.stats), judged(&s.stats));
        let share = |c: f64, p: f64| pct((p > 0.0).then(|| c / p));
        let n_planned = s.facilities.iter().filter(|&&f| a.is_planned(f)).count();
        let fixed = s.fixed_by_plan();
        let left: Vec<&AreaStats> = s.stats.iter().filter(|x| x.blank()).collect();
        let _ = writeln!(
            o,
            "### {}\n\n{} planned facilities. Covered {} → {}; blank units {} → {}.\n",
            cell(&s.spec.id),
            n_planned,
            share(c0, p0),
            share(c1, p1),
            b.stats.iter().filter(|x| x.blank()).count(),
            left.len()
        );
        let list = |v: &[&AreaStats]| {
            v.iter()
                .map(|x| format!("{} ({})", cell(&name(x)), reasons(x)).replace(" ()", ""))
                .collect::<Vec<_>>()
                .join("; ")
        };
        let _ = writeln!(
            o,
            "Fixed by the plan ({}): {}\n",
            fixed.len(),
            if fixed.is_empty() {
                "none".into()
            } else {
                list(&fixed)
            }
        );
        let _ = writeln!(
            o,
            "Still blank ({}): {}\n",
            left.len(),
            if left.is_empty() {
                "none".into()
            } else {
                list(&left)
            }
        );
        let changed: Vec<(&AreaStats, &AreaStats)> = b
            .stats
            .iter()
            .zip(&s.stats)
            .filter(|(x, y)| {
                x.judged_covered() != y.judged_covered() || x.facilities != y.facilities
            })
            .collect();
        if !changed.is_empty() {
            let _ = writeln!(o, "| unit | name | facilities before → after | coverage before → after | blank before → after |");
            let _ = writeln!(o, "|---|---|---:|---:|---|");
            for (x, y) in changed {
                let area = &a.areas.list[y.area.0 as usize];
                let cov = |st: &AreaStats| {
                    pct((st.population > 0.0).then(|| st.judged_covered() / st.population))
                };
                let _ = writeln!(
                    o,
                    "| {} | {} | {} → {} | {} → {} | {} → {} |",
                    cell(&area.id),
                    cell(&area.name),
                    x.facilities,
                    y.facilities,
                    cov(x),
                    cov(y),
                    x.blank(),
                    y.blank()
                );
            }
            let _ = writeln!(o);
        }
    }
}

/// "Source (standard ID): 目标 100%，依据《…》专栏1 第6项（约束性）：“quote”" for a service taken
/// from a built-in standard.
fn source_line(spec: &crate::plan::ServiceSpec) -> Option<String> {
    provenance_line(spec.source.as_ref()?, &spec.rules(None))
}

/// [`source_line`] for a rule (a service's own, or one zone's) with its provenance.
fn provenance_line(p: &crate::standards::Provenance, r: &crate::plan::Rules) -> Option<String> {
    let mut targets = Vec::new();
    if let Some(t) = r.coverage_target {
        targets.push(format!("目标 {}%", (t * 1000.0).round() / 10.0));
    }
    if let Some(m) = r.min_per_area {
        targets.push(format!("每个单元至少 {m} 个"));
    }
    if let Some(c) = r.capacity_per_1000 {
        targets.push(format!("每千人 {c}"));
    }
    targets.push(p.to_string());
    Some(format!(
        "Source (standard {}): {}：{}",
        p.preset,
        targets.join("，"),
        p.excerpt()
    ))
}
