//! `areas.csv`, `districts.csv` (from the column model, [`super::columns`]) and `cells.csv`.

use super::columns::{analysis_stats, area_rows, district_rows, present, AreaRow, Column};
use super::columns::{CellColumn, CELL_COLUMNS};
use crate::analyze::{Analysis, ServiceResult};

/// A per-unit table as CSV: the header of `cols` and one line per row.
pub fn rows_csv(
    file: &'static str,
    cols: &[&Column],
    rows: &[AreaRow],
) -> crate::error::Result<Vec<u8>> {
    let header: Vec<&str> = cols.iter().map(|c| c.name).collect();
    let mut w = CsvOut::new(file, &header);
    for r in rows {
        let cells: Vec<String> = cols.iter().map(|c| (c.get)(r).text(c.format)).collect();
        w.row(&cells)?;
    }
    Ok(w.finish())
}

/// `districts.csv`: one row per parent unit (`[areas] parent`) × service ([`district_rows`]).
/// `None` when the plan has no parent property.
pub fn districts_csv(a: &Analysis) -> Option<crate::error::Result<Vec<u8>>> {
    a.plan.areas.parent.as_ref()?;
    Some(rows_csv(
        "districts.csv",
        &present(a, true),
        &district_rows(a),
    ))
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
    let rows = area_rows(a, &analysis_stats(a));
    rows_csv("areas.csv", &present(a, false), &rows)
}

/// `cells.csv`: cell id, area id, and per service the columns of [`CELL_COLUMNS`] it has
/// (`<service>_distance_m` …).
pub fn cells_csv(a: &Analysis) -> crate::error::Result<Vec<u8>> {
    let cols: Vec<(&ServiceResult, &CellColumn)> = a
        .services
        .iter()
        .flat_map(|s| {
            CELL_COLUMNS
                .iter()
                .filter(|c| c.applies(s))
                .map(move |c| (s, c))
        })
        .collect();
    let mut header = vec!["cell_id".to_string(), "area_id".to_string()];
    header.extend(
        cols.iter()
            .map(|(s, c)| format!("{}_{}", s.spec.id, c.suffix)),
    );
    let mut w = CsvOut::new("cells.csv", &header);
    let mut rec: Vec<String> = Vec::with_capacity(header.len());
    for cell in 0..a.cells.len() {
        rec.clear();
        rec.push(a.cells.id(cell));
        rec.push(
            a.cell_area[cell]
                .map(|x| a.areas.list[x.0 as usize].id.clone())
                .unwrap_or_default(),
        );
        rec.extend(cols.iter().map(|(s, c)| (c.get)(s, cell).text(c.format)));
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
