//! `summary.json`: per-service totals, the documents' unit measure, warnings, settings and
//! stage timings.

use crate::analyze::Analysis;
use crate::gaps::Reason;
use serde_json::{json, Map, Value};

/// How distances are measured, as `summary.json` names it.
pub const DISTANCE: &str =
    "straight line, true metres (local transverse Mercator on WGS 84 with scale correction)";

/// What an input file is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The areas layer (units).
    Areas,
    /// The population grid (cells).
    Population,
    /// One facility source (facilities).
    Facilities,
}

/// One input file and how many records the run took from it.
#[derive(Debug, Clone)]
pub struct Source {
    /// What it is for.
    pub role: Role,
    /// The path as the plan resolved it.
    pub path: String,
    /// Units, cells or facilities read.
    pub count: usize,
}

/// The run facts the reports show and `summary.json` records (`inputs`, `settings`), typed:
/// the reports read these, never the JSON.
#[derive(Debug, Clone)]
pub struct RunFacts {
    /// Central meridian and scale latitude of the local frame (degrees).
    pub frame: [f64; 2],
    /// Cell size in metres of a regular point grid (`None` for polygon cells).
    pub cell_size_m: Option<[f64; 2]>,
    /// Input files in plan order: areas, population, then every facility source.
    pub sources: Vec<Source>,
    /// Population groups: name, fields, total and the part outside every unit (3 decimals).
    pub groups: Vec<(String, Vec<String>, f64, f64)>,
}

impl RunFacts {
    /// The facts of an analysis.
    pub fn new(a: &Analysis) -> RunFacts {
        let p = &a.plan;
        let mut sources = vec![
            Source {
                role: Role::Areas,
                path: p.areas.path.display().to_string(),
                count: a.areas.list.len(),
            },
            Source {
                role: Role::Population,
                path: p.population.path.display().to_string(),
                count: a.cells.len(),
            },
        ];
        for (i, f) in p.facilities.iter().enumerate() {
            sources.push(Source {
                role: Role::Facilities,
                path: f.path.display().to_string(),
                count: a.facilities.iter().filter(|x| x.source == i).count(),
            });
        }
        let groups = p.population.groups.iter().zip(&a.cells.values);
        let groups = groups.map(|((name, fields), values)| {
            let total: f64 = values.iter().sum();
            let outside = a.cell_area.iter().zip(values).filter(|(x, _)| x.is_none());
            let unassigned: f64 = outside.map(|(_, v)| v).sum();
            (
                name.clone(),
                fields.clone(),
                round3(total),
                round3(unassigned),
            )
        });
        RunFacts {
            groups: groups.collect(),
            frame: [a.frame.lon0(), a.frame.lat_mid()],
            cell_size_m: a.grid.map(|g| g.size_m(&a.frame)),
            sources,
        }
    }
}

/// Rounds to 3 decimals (and never writes `-0.0`: an empty float sum is −0 in Rust).
fn r3(v: f64) -> Value {
    json!(round3(v))
}

/// Rounded to 3 decimals, never `-0.0`.
fn round3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0 + 0.0
}

/// Stage timings as a JSON object of seconds (4 decimals), in stage order.
pub fn timings_json(timings: &[(String, f64)]) -> Map<String, Value> {
    timings
        .iter()
        .map(|(k, v)| (k.clone(), json!((v * 1e4).round() / 1e4)))
        .collect()
}

/// Per-zone rules of a service with the number of units in each zone (`null` without zones).
fn zones_json(a: &Analysis, s: &crate::analyze::ServiceResult) -> Value {
    if s.spec.zones.is_empty() {
        return Value::Null;
    }
    s.spec
        .zones
        .iter()
        .map(|(zone, _)| {
            let r = s.spec.rules(Some(zone));
            let units = a.units_in_zone(zone);
            (
                zone.clone(),
                json!({
                    "units": units,
                    "radius_m": r.radius_m,
                    "walk_budget_m": r.walk_budget_m,
                    "min_per_area": r.min_per_area,
                    "coverage_target": r.coverage_target,
                    "capacity_per_1000_target": r.capacity_per_1000,
                    "presence_only": r.presence_only,
                }),
            )
        })
        .collect::<Map<String, Value>>()
        .into()
}

/// Figures per parent unit (`[areas] parent`; an empty list without one).
fn parents_json(parents: &[crate::gaps::ParentStats]) -> Value {
    parents
        .iter()
        .map(|p| {
            let f = &p.figures;
            json!({
                "parent": p.parent,
                "units": p.units,
                "units_blank": p.units_blank,
                "population": r3(f.population),
                "covered_population": r3(f.covered),
                "network_covered_population": f.network_covered.map(r3),
                "facilities": f.facilities,
                "capacity": f.capacity.map(r3),
                "official_population": f.official_population.map(r3),
                "capacity_per_1000": f.capacity_per_1000.map(r3),
                "capacity_per_1000_grid": f.capacity_per_1000_grid.map(r3),
                "blank": f.blank(),
                "reasons": f.reasons,
            })
        })
        .collect::<Vec<_>>()
        .into()
}

/// Before/after of the planned facilities (`--with-planned`; `null` otherwise): totals, and the
/// ids of the blank units the plan fixes and of those it leaves.
fn planned_json(a: &Analysis, s: &crate::analyze::ServiceResult) -> Value {
    let Some(b) = &s.before else {
        return Value::Null;
    };
    let id = |x: &crate::gaps::AreaStats| a.areas.list[x.area.0 as usize].id.clone();
    let judged =
        |v: &[crate::gaps::AreaStats]| -> f64 { v.iter().map(|x| x.judged_covered()).sum() };
    let mut fixed: Vec<String> = s.fixed_by_plan().into_iter().map(id).collect();
    let mut left: Vec<String> = s.stats.iter().filter(|x| x.blank()).map(id).collect();
    fixed.sort();
    left.sort();
    json!({
        "planned_facilities": s.facilities.iter().filter(|&&f| a.is_planned(f)).count(),
        "judged_covered_before": r3(judged(&b.stats)),
        "judged_covered_after": r3(judged(&s.stats)),
        "units_blank_before": b.stats.iter().filter(|x| x.blank()).count(),
        "units_blank_after": left.len(),
        "fixed_units": fixed,
        "still_blank_units": left,
    })
}

/// Builds the summary document.
pub fn build(a: &Analysis, threads: usize) -> Value {
    let n_units = a.areas.list.len();
    let services: Vec<Value> = a
        .services
        .iter()
        .map(|s| {
            let population: f64 = s.stats.iter().map(|x| x.population).sum();
            let covered: f64 = s.stats.iter().map(|x| x.covered).sum();
            let min = s.spec.min_per_area.unwrap_or(1);
            let with_min = s.stats.iter().filter(|x| x.facilities >= min).count();
            let mut by_reason = Map::new();
            for r in [Reason::NoFacility, Reason::NoPopulation, Reason::CoverageBelowTarget, Reason::CapacityBelowTarget] {
                let n = s.stats.iter().filter(|x| x.reasons.contains(&r)).count();
                by_reason.insert(r.code().into(), json!(n));
            }
            let spot_pop: f64 = s.blank_spots.iter().map(|b| b.population).sum();
            let walking = s.walk.as_ref().map(|w| {
                let wc: f64 = s.stats.iter().filter_map(|x| x.network_covered).sum();
                let off = w.facility_snaps.iter().filter(|x| x.is_none()).count();
                let pop_off = a.network.as_ref().map(|n| n.population_off_network[s.spec.group]).unwrap_or(0.0);
                json!({
                    "minutes": s.spec.minutes,
                    "speed_kmh": s.spec.speed_kmh,
                    "budget_m": w.budget_m,
                    "network_covered_population": r3(wc),
                    "network_coverage": if population > 0.0 { json!((wc / population * 1e6).round() / 1e6) } else { Value::Null },
                    "facilities_off_network": off,
                    "population_off_network": r3(pop_off),
                })
            });
            json!({
                "id": s.spec.id,
                "kind": s.spec.kind,
                "serves": s.spec.serves,
                "radius_m": s.spec.radius_m,
                "min_per_area": s.spec.min_per_area,
                "coverage_target": s.spec.coverage_target,
                "capacity_per_1000_target": s.spec.capacity_per_1000,
                "facilities": s.facilities.len(),
                "facilities_in_areas": s.facilities.iter().filter(|&&i| a.facility_area[i as usize].is_some()).count(),
                "population": r3(population),
                "covered_population": r3(covered),
                "coverage": if population > 0.0 { json!((covered / population * 1e6).round() / 1e6) } else { Value::Null },
                "units": n_units,
                "units_with_min_facilities": with_min,
                "unit_measure": if n_units > 0 { json!((with_min as f64 / n_units as f64 * 1e6).round() / 1e6) } else { Value::Null },
                "unit_measure_note": format!("units with at least {min} facilities of this kind / all units (e.g. 镇街道养老照料中心覆盖率)"),
                "units_blank": s.stats.iter().filter(|x| x.blank()).count(),
                "units_by_reason": by_reason,
                "walking": walking,
                "rules_use": if s.walk.is_some() { "walking distance" } else { "straight-line distance" },
                "blank_spots": s.blank_spots.len(),
                "blank_spot_population": r3(spot_pop),
                "zones": zones_json(a, s),
                "parents": parents_json(&s.parents),
                "planned": planned_json(a, s),
            })
        })
        .collect();
    let timings = timings_json(&a.timings);
    let facts = RunFacts::new(a);
    let groups: Vec<Value> = facts.groups.iter().map(|(name, fields, total, unassigned)| {
        json!({"group": name, "fields": fields, "total": total, "unassigned": unassigned})
    }).collect();
    json!({
        "carecircle": env!("CARGO_PKG_VERSION"),
        "plan": a.plan.path.display().to_string(),
        "title": a.plan.title,
        "inputs": {
            "areas": {"path": facts.sources[0].path, "units": facts.sources[0].count},
            "population": {
                "path": facts.sources[1].path,
                "cells": facts.sources[1].count,
                "cells_unassigned": a.cell_area.iter().filter(|x| x.is_none()).count(),
                "groups": groups,
            },
            "facilities": facts.sources[2..].iter()
                .map(|f| json!({"path": f.path, "count": f.count}))
                .collect::<Vec<_>>(),
        },
        "services": services,
        "network": a.network.as_ref().map(|n| {
            let spec = a.plan.network.as_ref();
            json!({
                "path": spec.map(|s| s.path.display().to_string()),
                "nodes": n.stats.nodes,
                "segments": n.stats.edges,
                "walkable_km": (n.stats.walkable_km * 1000.0).round() / 1000.0,
                "connected_components": n.stats.components,
                "largest_component_nodes": n.stats.largest_component_nodes,
                "missing_node_refs": n.stats.missing_node_refs,
                "max_snap_m": spec.map(|s| s.max_snap_m),
                "cells_off_network": n.cells_off_network,
                "population_off_network": a.plan.population.groups.iter().zip(&n.population_off_network)
                    .map(|((g, _), v)| (g.clone(), r3(*v))).collect::<Map<String, Value>>(),
            })
        }),
        "scenario": {
            "with_planned": a.plan.scenario.with_planned,
            "year": a.plan.scenario.year,
            "planned_until": a.plan.planned_until(),
            "planned_facilities": a.facilities.len() - a.planned_from,
            "growth": a.plan.population.groups.iter().enumerate()
                .map(|(g, (name, _))| (name.clone(), json!(a.plan.growth_factor(g).unwrap_or(1.0))))
                .collect::<Map<String, Value>>(),
        },
        "warnings": a.warnings,
        "settings": {
            "distance": DISTANCE,
            "blank_spot_rules": if a.network.is_some() { "walking distance on the network (minutes × speed per service)" } else { "straight-line distance (radius_m)" },
            "frame": {"central_meridian": facts.frame[0], "latitude": facts.frame[1]},
            "cell_grid": a.grid.map(|g| json!({"space": g.space, "dx": g.dx, "dy": g.dy, "size_m": g.size_m(&a.frame)})),
            "threads": threads,
        },
        "timings_s": timings,
    })
}
