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

/// Columns appended when any service of the plan has an `access` (E2SFCA) setting; empty for
/// the other services.
pub const ACCESS_COLUMNS: [&str; 2] = ["access_per_1000", "share_below_target"];

/// True when any service of the plan has an `access` setting (then [`ACCESS_COLUMNS`] appear).
pub fn has_access(a: &Analysis) -> bool {
    a.plan.services.iter().any(|s| s.access.is_some())
}

/// Column appended when the plan names a zone property (`[areas] zone`): the unit's zone.
pub const ZONE_COLUMNS: [&str; 1] = ["zone"];

/// Columns appended when the plan names official counts (`[areas] counts`): the official count
/// of the served group (empty when the unit has none or the group has no count), and capacity
/// per 1,000 on the grid sum (`capacity_per_1000` then divides by the official count).
pub const OFFICIAL_COLUMNS: [&str; 2] = ["official_population", "capacity_per_1000_grid"];

/// Columns appended with `--with-planned` (the main columns are then "as if built"): planned
/// facilities of the kind in the unit, the covered population and share with the existing
/// facilities alone (judged as the rules judge: on foot with a network), whether the unit was
/// blank then, and whether the plan fixes it (blank before, not after).
pub const PLANNED_COLUMNS: [&str; 5] = [
    "planned_facilities",
    "covered_population_before",
    "coverage_before",
    "blank_before",
    "fixed_by_plan",
];

/// Columns appended to `districts.csv` only: units in the parent, and of those the blank ones.
pub const PARENT_COLUMNS: [&str; 2] = ["units", "units_blank"];

/// Column appended when a service comes from a built-in standard: where its rule comes from.
pub const STANDARD_COLUMNS: [&str; 1] = ["rule_source"];

/// True when some service comes from a built-in standard (`areas.csv` gets `rule_source`).
pub fn has_rule_sources(a: &Analysis) -> bool {
    a.services.iter().any(|s| s.spec.source.is_some())
}

/// The `areas.csv` header for this analysis: [`AREAS_COLUMNS`], then [`NETWORK_COLUMNS`] when
/// the plan has a network, [`ZONE_COLUMNS`] with zones, [`OFFICIAL_COLUMNS`] with official
/// counts, [`PLANNED_COLUMNS`] with `--with-planned` and [`ACCESS_COLUMNS`] when a
/// service has an `access` setting, [`STANDARD_COLUMNS`] when a service comes from a standard.
pub fn areas_header(a: &Analysis) -> Vec<&'static str> {
    let mut h = AREAS_COLUMNS.to_vec();
    if a.network.is_some() {
        h.extend(NETWORK_COLUMNS);
    }
    if a.area_attrs.zone_source.is_some() {
        h.extend(ZONE_COLUMNS);
    }
    if !a.plan.areas.counts.is_empty() {
        h.extend(OFFICIAL_COLUMNS);
    }
    if with_planned(a) {
        h.extend(PLANNED_COLUMNS);
    }
    if has_access(a) {
        h.extend(ACCESS_COLUMNS);
    }
    if has_rule_sources(a) {
        h.extend(STANDARD_COLUMNS);
    }
    h
}

fn with_planned(a: &Analysis) -> bool {
    a.services.iter().any(|s| s.before.is_some())
}

/// The figure cells of one row, from `population` on (`area_id`, `area_name`, `kind` and the
/// zone/planned extras are added by the callers).
fn figure_cells(a: &Analysis, st: &crate::gaps::AreaStats) -> Vec<String> {
    let mut row = vec![
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
    row
}

/// The [`PLANNED_COLUMNS`] cells for a unit or parent: `planned` facilities, figures before and
/// after.
fn planned_cells(
    planned: usize,
    before: &crate::gaps::AreaStats,
    after: &crate::gaps::AreaStats,
) -> Vec<String> {
    let (cov, share) = match before.network_covered {
        Some(w) => (w, before.network_coverage),
        None => (before.covered, before.coverage),
    };
    vec![
        planned.to_string(),
        f3(cov),
        opt6(share),
        before.blank().to_string(),
        (before.blank() && !after.blank()).to_string(),
    ]
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
    let access = has_access(a);
    let mut rows = Vec::new();
    let sources = has_rule_sources(a);
    for i in area_order(a) {
        let area = &a.areas.list[i];
        for (s, st) in a.services.iter().zip(stats) {
            let st = &st[i];
            let mut row = vec![area.id.clone(), area.name.clone(), s.spec.id.clone()];
            row.extend(figure_cells(a, st));
            if a.area_attrs.zone_source.is_some() {
                row.push(a.area_attrs.zone[i].clone().unwrap_or_default());
            }
            if !a.plan.areas.counts.is_empty() {
                row.push(opt3(st.official_population));
                row.push(opt3(st.capacity_per_1000_grid));
            }
            if with_planned(a) {
                let planned = s
                    .facilities
                    .iter()
                    .filter(|&&f| a.is_planned(f) && a.facility_area[f as usize] == Some(st.area))
                    .count();
                match &s.before {
                    Some(b) => row.extend(planned_cells(planned, &b.stats[i], st)),
                    None => row.extend(std::iter::repeat_n(String::new(), PLANNED_COLUMNS.len())),
                }
            }
            if access {
                row.push(opt3(st.access.and_then(|x| x.per_1000)));
                row.push(opt6(st.access.and_then(|x| x.share_below_target)));
            }
            if sources {
                row.push(
                    s.spec
                        .source_for(a.area_attrs.zone.get(i).and_then(|z| z.as_deref()))
                        .map(|p| p.to_string())
                        .unwrap_or_default(),
                );
            }
            rows.push(row);
        }
    }
    rows
}

/// `districts.csv`: one row per parent unit (`[areas] parent`) × service, sorted by parent then
/// plan order; the `areas.csv` columns (`area_id` and `area_name` both hold the parent, `zone`
/// is empty) and [`PARENT_COLUMNS`]. `None` when the plan has no parent property.
pub fn districts_csv(a: &Analysis) -> Option<crate::error::Result<Vec<u8>>> {
    a.plan.areas.parent.as_ref()?;
    let mut header = areas_header(a);
    header.extend(PARENT_COLUMNS);
    let mut rows = Vec::new();
    let n_parents = a.services.first().map_or(0, |s| s.parents.len());
    for p in 0..n_parents {
        for s in &a.services {
            let ps = &s.parents[p];
            let st = &ps.figures;
            let mut row = vec![ps.parent.clone(), ps.parent.clone(), s.spec.id.clone()];
            row.extend(figure_cells(a, st));
            if a.area_attrs.zone_source.is_some() {
                row.push(String::new());
            }
            if !a.plan.areas.counts.is_empty() {
                row.push(opt3(st.official_population));
                row.push(opt3(st.capacity_per_1000_grid));
            }
            if with_planned(a) {
                let planned = s
                    .facilities
                    .iter()
                    .filter(|&&f| {
                        a.is_planned(f)
                            && a.facility_area[f as usize].is_some_and(|x| {
                                a.area_attrs.parent[x.0 as usize].as_deref() == Some(&ps.parent)
                            })
                    })
                    .count();
                match &s.before {
                    Some(b) => row.extend(planned_cells(planned, &b.parents[p].figures, st)),
                    None => row.extend(std::iter::repeat_n(String::new(), PLANNED_COLUMNS.len())),
                }
            }
            if has_access(a) {
                // Access is a per-cell figure; its parent-level mean is not computed yet.
                row.extend(std::iter::repeat_n(String::new(), ACCESS_COLUMNS.len()));
            }
            if has_rule_sources(a) {
                row.push(
                    s.spec
                        .source
                        .as_ref()
                        .map(|p| p.to_string())
                        .unwrap_or_default(),
                );
            }
            row.push(ps.units.to_string());
            row.push(ps.units_blank.to_string());
            rows.push(row);
        }
    }
    Some(csv_bytes("districts.csv", &header, &rows))
}

/// Columns holding text from the inputs or the plan (ids, names, kinds, codes). Every other
/// column holds numbers, flags or nothing.
pub const TEXT_COLUMNS: [&str; 8] = [
    "area_id",
    "area_name",
    "kind",
    "reasons",
    "zone",
    "rule_source",
    "cell_id",
    "id",
];

/// Columns of `sites.csv` holding a list of ids (text as well).
const ID_LIST_COLUMNS: [&str; 1] = ["fixes_blank_units"];

/// A text cell made safe for spreadsheets (OWASP, CSV injection): one beginning with `=`, `+`,
/// `-`, `@`, a tab or a carriage return gets a leading `'`, so Excel, LibreOffice and Google
/// Sheets show it as text instead of running it as a formula.
pub fn spreadsheet_text(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

/// A CSV output being written: UTF-8 with BOM (so Excel shows Chinese names), CRLF lines.
/// Text columns ([`TEXT_COLUMNS`]) go through [`spreadsheet_text`]; the other columns are
/// written untouched, but a non-finite number there (`inf`, `NaN`) is refused with the file,
/// line and column. Every CSV writer goes through it.
pub struct CsvOut {
    file: &'static str,
    header: Vec<String>,
    text: Vec<bool>,
    line: u64,
    w: csv::Writer<Vec<u8>>,
}

impl CsvOut {
    /// Starts `file` (its name, for errors) with its header.
    pub fn new<S: AsRef<str>>(file: &'static str, header: &[S]) -> CsvOut {
        let header: Vec<String> = header.iter().map(|h| h.as_ref().to_owned()).collect();
        let text = header
            .iter()
            .map(|h| TEXT_COLUMNS.contains(&h.as_str()) || ID_LIST_COLUMNS.contains(&h.as_str()))
            .collect();
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(b"\xEF\xBB\xBF".to_vec());
        w.write_record(&header).expect("writing to memory");
        CsvOut {
            file,
            header,
            text,
            line: 1,
            w,
        }
    }

    /// Appends one row (as many cells as the header).
    pub fn row<S: AsRef<str>>(&mut self, cells: &[S]) -> crate::error::Result<()> {
        self.line += 1;
        for (i, c) in cells.iter().enumerate() {
            let c = c.as_ref();
            if self.text.get(i).copied().unwrap_or(true) {
                self.w.write_field(spreadsheet_text(c).as_bytes())
            } else if c.ends_with("inf") || c.ends_with("NaN") {
                return Err(crate::error::Error::Output {
                    path: self.file.into(),
                    reason: format!(
                        "line {}{}, column '{}': the number is {c}; every number written must \
                         be finite",
                        self.line,
                        cells
                            .first()
                            .map(|id| format!(" ('{}')", id.as_ref()))
                            .unwrap_or_default(),
                        self.header[i]
                    ),
                });
            } else {
                self.w.write_field(c.as_bytes())
            }
            .expect("writing to memory");
        }
        self.w
            .write_record(None::<&[u8]>)
            .expect("writing to memory");
        Ok(())
    }

    /// The finished file.
    pub fn finish(self) -> Vec<u8> {
        self.w.into_inner().expect("writing to memory")
    }
}

/// A whole CSV output from its header and rows (see [`CsvOut`]).
pub fn csv_bytes(
    file: &'static str,
    header: &[&str],
    rows: &[Vec<String>],
) -> crate::error::Result<Vec<u8>> {
    let mut w = CsvOut::new(file, header);
    for r in rows {
        w.row(r)?;
    }
    Ok(w.finish())
}

/// `areas.csv`.
pub fn areas_csv(a: &Analysis) -> crate::error::Result<Vec<u8>> {
    csv_bytes("areas.csv", &areas_header(a), &areas_rows(a))
}

/// `cells.csv`: cell id, area id, and per service the straight-line distance to the nearest
/// facility (metres, 2 decimals; empty when there is none) and the covered flag; with a network
/// also the walking distance (empty when the cell is off the network or nothing is reached within
/// the budget) and the covered-on-foot flag; with an `access` setting also the cell's E2SFCA score
/// (`<service>_access_per_1000`, 3 decimals).
pub fn cells_csv(a: &Analysis) -> crate::error::Result<Vec<u8>> {
    let mut header = vec!["cell_id".to_string(), "area_id".to_string()];
    for s in &a.services {
        header.push(format!("{}_distance_m", s.spec.id));
        header.push(format!("{}_covered", s.spec.id));
        if s.walk.is_some() {
            header.push(format!("{}_walk_m", s.spec.id));
            header.push(format!("{}_walk_covered", s.spec.id));
        }
        if s.access.is_some() {
            header.push(format!("{}_access_per_1000", s.spec.id));
        }
    }
    let mut w = CsvOut::new("cells.csv", &header);
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
            if let Some(x) = &s.access {
                rec.push(f3(x.per_1000[c]));
            }
        }
        w.row(&rec)?;
    }
    Ok(w.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The guard adds one `'` before exactly the OWASP characters, in text columns only;
    /// numbers (negative ones too) are untouched; a non-finite number is refused with the
    /// file, line, row id and column.
    #[test]
    fn csv_guards_text_and_refuses_non_finite_numbers() {
        for c in ["=1+1", "+1", "-1.5", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(spreadsheet_text(c), format!("'{c}"));
        }
        for c in ["", "a=b", " =1", "'=1", "1.5", "街道"] {
            assert_eq!(spreadsheet_text(c), c);
        }
        let header = ["area_id", "area_name", "population", "blank"];
        let rows = vec![vec![
            "-7".to_string(),
            "=cmd".to_string(),
            "-1.500".to_string(),
            "true".to_string(),
        ]];
        let bytes = csv_bytes("areas.csv", &header, &rows).unwrap();
        assert_eq!(
            String::from_utf8(bytes).unwrap(),
            "\u{feff}area_id,area_name,population,blank\r\n'-7,'=cmd,-1.500,true\r\n"
        );
        for bad in ["inf", "-inf", "NaN"] {
            let mut rows = rows.clone();
            rows.push(vec!["x".into(), "y".into(), bad.into(), "false".into()]);
            let e = csv_bytes("areas.csv", &header, &rows)
                .unwrap_err()
                .to_string();
            assert!(
                e.contains("areas.csv")
                    && e.contains("line 3 ('x')")
                    && e.contains("column 'population'")
                    && e.contains(bad),
                "{e}"
            );
        }
    }
}
