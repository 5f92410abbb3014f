//! Excel tables (.xlsx, also .xls/.ods) through `calamine`: one sheet, its first used row as
//! the header, the rows below as cell values. Rows are numbered as Excel shows them (a table
//! starting at A1 has its header in row 1), so messages point at the row a planner sees.

use super::Value;
use crate::error::{Error, Location, Result};
use calamine::{open_workbook_auto, Data, Reader};
use std::path::Path;

/// One sheet read as a table.
#[derive(Debug, Clone)]
pub struct Sheet {
    /// The sheet's name.
    pub name: String,
    /// Column names from the header row (empty for blank header cells).
    pub columns: Vec<String>,
    /// Excel row number of the header.
    pub header_row: u64,
    /// Data rows: Excel row number and one value per column (blank rows are left out).
    pub rows: Vec<(u64, Vec<Value>)>,
}

/// Reads sheet `sheet` (the first sheet when `None`).
pub fn read(path: &Path, sheet: Option<&str>) -> Result<Sheet> {
    std::fs::metadata(path).map_err(|e| Error::Io {
        path: path.to_owned(),
        err: e,
    })?;
    let mut wb = open_workbook_auto(path).map_err(|e| {
        Error::input(
            path,
            Location::File,
            None,
            format!("not a readable Excel workbook: {e}"),
        )
    })?;
    let names = wb.sheet_names();
    let name = match sheet {
        Some(s) => names.iter().find(|n| *n == s).cloned().ok_or_else(|| {
            Error::input(
                path,
                Location::File,
                Some("sheet"),
                format!(
                    "no sheet \"{s}\"; the workbook has: {}",
                    names
                        .iter()
                        .map(|n| format!("\"{n}\""))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        })?,
        None => names.first().cloned().ok_or_else(|| {
            Error::input(path, Location::File, None, "the workbook has no sheets")
        })?,
    };
    let range = wb.worksheet_range(&name).map_err(|e| {
        Error::input(
            path,
            Location::File,
            Some("sheet"),
            format!("cannot read sheet \"{name}\": {e}"),
        )
    })?;
    let Some((r0, _)) = range.start() else {
        return Err(Error::input(
            path,
            Location::File,
            Some("sheet"),
            format!("sheet \"{name}\" is empty: expected a header row and one row per facility"),
        ));
    };
    let header_row = r0 as u64 + 1;
    let mut it = range.rows();
    let columns: Vec<String> = it
        .next()
        .map(|h| {
            h.iter()
                .map(|c| match cell(c) {
                    Value::Null => String::new(),
                    Value::Num(x) => format!("{x}"),
                    Value::Text(t) => t,
                })
                .collect()
        })
        .unwrap_or_default();
    let rows = it
        .enumerate()
        .map(|(k, r)| {
            (
                header_row + 1 + k as u64,
                r.iter().map(cell).collect::<Vec<_>>(),
            )
        })
        .filter(|(_, r)| r.iter().any(|v| *v != Value::Null))
        .collect();
    Ok(Sheet {
        name,
        columns,
        header_row,
        rows,
    })
}

/// A cell as a [`Value`]: numbers (and dates, as Excel serial numbers) stay numbers, text is
/// kept verbatim (trimmed; codes with leading zeros survive), blanks are Null, booleans and
/// error cells (`#N/A` …) are text.
fn cell(c: &Data) -> Value {
    match c {
        Data::Empty => Value::Null,
        Data::Int(i) => Value::Num(*i as f64),
        Data::Float(x) if x.is_finite() => Value::Num(*x),
        Data::Float(_) => Value::Null,
        Data::DateTime(d) => Value::Num(d.as_f64()),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => {
            let t = s.trim();
            if t.is_empty() {
                Value::Null
            } else {
                Value::Text(t.to_owned())
            }
        }
        Data::Bool(b) => Value::Text(b.to_string()),
        Data::Error(e) => Value::Text(format!("{e}")),
    }
}

impl Sheet {
    /// Index of column `name`; the error names the header row and lists the columns.
    pub fn column(&self, path: &Path, name: &str) -> Result<usize> {
        self.columns.iter().position(|c| c == name).ok_or_else(|| {
            Error::input(
                path,
                Location::Row(self.header_row),
                Some(name),
                format!(
                    "column '{name}' not found in sheet \"{}\"; the header has: {}",
                    self.name,
                    self.columns
                        .iter()
                        .filter(|c| !c.is_empty())
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        })
    }
}

/// A value as the text a CSV cell would hold: numbers in their shortest exact form (`12`,
/// `114.305`), text as is, Null as "".
pub fn as_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::Num(x) => format!("{x}"),
        Value::Text(t) => t.clone(),
    }
}
