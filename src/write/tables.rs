//! `areas.csv` and `cells.csv`.

use super::{f3, opt3, opt6};
use crate::analyze::Analysis;

/// Column header of `areas.csv` (later issues append columns after these).
pub const AREAS_COLUMNS: [&str; 11] = [
    "area_id",
    "area_name",
    "kind",
    "population",
    "covered_population",
    "coverage",
    "facilities",
    "capacity",
    "capacity_per_1000",
    "blank",
    "reasons",
];

/// Columns appended when the plan has a walking network.
pub const NETWORK_COLUMNS: [&str; 2] = ["network_covered_population", "network_coverage"];

/// Column appended when a service comes from a built-in standard: where its rule comes from.
pub const STANDARD_COLUMNS: [&str; 1] = ["rule_source"];

/// True when some service comes from a built-in standard (`areas.csv` gets `rule_source`).
pub fn has_rule_sources(a: &Analysis) -> bool {
    a.services.iter().any(|s| s.spec.source.is_some())
}

/// The `areas.csv` header for this analysis: [`AREAS_COLUMNS`], then [`NETWORK_COLUMNS`] when
/// the plan has a network, then [`STANDARD_COLUMNS`] when the plan uses a standard.
pub fn areas_header(a: &Analysis) -> Vec<&'static str> {
    let mut h = AREAS_COLUMNS.to_vec();
    if a.network.is_some() {
        h.extend(NETWORK_COLUMNS);
    }
    if has_rule_sources(a) {
        h.extend(STANDARD_COLUMNS);
    }
    h
}

/// Area indexes sorted by area id as text (ties by file order).
pub fn area_order(a: &Analysis) -> Vec<usize> {
    let mut order: Vec<usize> = (0..a.areas.list.len()).collect();
    order.sort_by(|&x, &y| a.areas.list[x].id.cmp(&a.areas.list[y].id).then(x.cmp(&y)));
    order
}

/// Rows of `areas.csv` (without header), one per area × service, matching [`areas_header`].
pub fn areas_rows(a: &Analysis) -> Vec<Vec<String>> {
    stats_rows(
        a,
        &a.services.iter().map(|s| &s.stats[..]).collect::<Vec<_>>(),
    )
}

/// Rows for given per-service figures (`stats[service][area]`), as [`areas_rows`].
pub fn stats_rows(a: &Analysis, stats: &[&[crate::gaps::AreaStats]]) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let sources = has_rule_sources(a);
    for i in area_order(a) {
        let area = &a.areas.list[i];
        for (s, st) in a.services.iter().zip(stats) {
            let st = &st[i];
            let mut row = vec![
                area.id.clone(),
                area.name.clone(),
                s.spec.id.clone(),
                f3(st.population),
                f3(st.covered),
                opt6(st.coverage),
                st.facilities.to_string(),
                opt3(st.capacity),
                opt3(st.capacity_per_1000),
                st.blank().to_string(),
                st.reasons
                    .iter()
                    .map(|r| r.code())
                    .collect::<Vec<_>>()
                    .join(";"),
            ];
            if a.network.is_some() {
                row.push(opt3(st.network_covered));
                row.push(opt6(st.network_coverage));
            }
            if sources {
                row.push(
                    s.spec
                        .source
                        .as_ref()
                        .map(|p| p.to_string())
                        .unwrap_or_default(),
                );
            }
            rows.push(row);
        }
    }
    rows
}

/// UTF-8 CSV with BOM (so Excel shows Chinese names).
pub fn csv_bytes(header: &[&str], rows: &[Vec<String>]) -> Vec<u8> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(&mut out);
        w.write_record(header).expect("writing to memory");
        for r in rows {
            w.write_record(r).expect("writing to memory");
        }
        w.flush().expect("writing to memory");
    }
    out
}

/// `areas.csv`.
pub fn areas_csv(a: &Analysis) -> Vec<u8> {
    csv_bytes(&areas_header(a), &areas_rows(a))
}

/// `cells.csv`: cell id, area id, and per service the straight-line distance to the nearest
/// facility (metres, 2 decimals; empty when there is none) and the covered flag; with a network
/// also the walking distance (empty when the cell is off the network or nothing is reached within
/// the budget) and the covered-on-foot flag.
pub fn cells_csv(a: &Analysis) -> Vec<u8> {
    let mut header = vec!["cell_id".to_string(), "area_id".to_string()];
    for s in &a.services {
        header.push(format!("{}_distance_m", s.spec.id));
        header.push(format!("{}_covered", s.spec.id));
        if s.walk.is_some() {
            header.push(format!("{}_walk_m", s.spec.id));
            header.push(format!("{}_walk_covered", s.spec.id));
        }
    }
    let mut out = b"\xEF\xBB\xBF".to_vec();
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(&mut out);
    w.write_record(&header).expect("writing to memory");
    let mut rec: Vec<String> = Vec::with_capacity(header.len());
    for c in 0..a.cells.len() {
        rec.clear();
        rec.push(a.cells.id(c));
        rec.push(
            a.cell_area[c]
                .map(|x| a.areas.list[x.0 as usize].id.clone())
                .unwrap_or_default(),
        );
        for s in &a.services {
            let d = s.distance[c];
            rec.push(if d.is_finite() {
                format!("{d:.2}")
            } else {
                String::new()
            });
            rec.push(s.covered[c].to_string());
            if let Some(w) = &s.walk {
                let d = w.distance[c];
                rec.push(if d.is_finite() {
                    format!("{d:.2}")
                } else {
                    String::new()
                });
                rec.push(w.covered[c].to_string());
            }
        }
        w.write_record(&rec).expect("writing to memory");
    }
    w.flush().expect("writing to memory");
    drop(w);
    out
}
