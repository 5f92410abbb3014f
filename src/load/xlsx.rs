//! Excel tables (.xlsx, .xlsm) through `calamine`: one sheet, its first used row as the
//! header, the rows below as cell values. Rows are numbered as Excel shows them (a table
//! starting at A1 has its header in row 1), so messages point at the row a planner sees.
//!
//! Cells are read as a stream and kept sparse: memory follows the cells the file holds, never
//! the rectangle its cell references span (one stray value at XFD1048576 would make a dense
//! used range of 17 billion cells). The legacy .xls format is refused: calamine builds every
//! sheet of it as a dense range when the workbook is opened, before anything can be checked.

use super::Value;
use crate::error::{Error, Location, Result};
use calamine::{open_workbook, DataRef, Reader, Xlsx, XlsxError};
use std::path::Path;

/// Excel's last row and column (XFD1048576), 0-based: no cell of a real workbook lies beyond.
const LAST_ROW: u32 = (1 << 20) - 1;
const LAST_COL: u32 = (1 << 14) - 1;

/// One sheet read as a table.
#[derive(Debug, Clone)]
pub struct Sheet {
    /// The sheet's name.
    pub name: String,
    /// Column names from the header row, from the first used column to the last header cell
    /// (empty for blank header cells).
    pub columns: Vec<String>,
    /// Excel row number of the header.
    pub header_row: u64,
    /// Data rows with at least one value, in row order (blank rows are left out).
    pub rows: Vec<Row>,
}

/// One data row: its Excel row number and its non-blank cells by column index (the index into
/// [`Sheet::columns`]), in column order.
#[derive(Debug, Clone)]
pub struct Row {
    /// Excel row number.
    pub number: u64,
    cells: Vec<(u32, Value)>,
}

impl Row {
    /// The value in column `col` (an index into [`Sheet::columns`]); Null when blank.
    pub fn get(&self, col: usize) -> &Value {
        match self.cells.binary_search_by_key(&col, |c| c.0 as usize) {
            Ok(k) => &self.cells[k].1,
            Err(_) => &Value::Null,
        }
    }
}

/// Reads sheet `sheet` (the first sheet when `None`).
pub fn read(path: &Path, sheet: Option<&str>) -> Result<Sheet> {
    std::fs::metadata(path).map_err(|e| Error::Io {
        path: path.to_owned(),
        err: e,
    })?;
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    if ext == "xls" {
        return Err(Error::input(
            path,
            Location::File,
            None,
            "the legacy Excel format .xls is not read (its reader sizes memory by the cell \
             positions the file claims): save the workbook as .xlsx, or the sheet as CSV",
        ));
    }
    crate::error::guard(path, || read_xlsx(path, sheet))
}

fn read_xlsx(path: &Path, sheet: Option<&str>) -> Result<Sheet> {
    let mut wb: Xlsx<_> = open_workbook(path).map_err(|e: XlsxError| {
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
    let cells = used_cells(&mut wb, path, &name)?;
    if cells.is_empty() {
        return Err(Error::input(
            path,
            Location::File,
            Some("sheet"),
            format!("sheet \"{name}\" is empty: expected a header row and one row per facility"),
        ));
    }
    Ok(table(name, cells))
}

/// The used cells of sheet `name` (every cell with a value, blank text included, as Excel's
/// used range counts them) as `(row, column, value)`, sorted by position; where a position
/// repeats, the last one written wins.
fn used_cells(
    wb: &mut Xlsx<std::io::BufReader<std::fs::File>>,
    path: &Path,
    name: &str,
) -> Result<Vec<(u32, u32, Value)>> {
    let cannot = |e: XlsxError| {
        Error::input(
            path,
            Location::File,
            Some("sheet"),
            format!("cannot read sheet \"{name}\": {e}"),
        )
    };
    let mut reader = match wb.worksheet_cells_reader(name) {
        // A chart sheet: no cells.
        Err(XlsxError::NotAWorksheet(_)) => return Ok(Vec::new()),
        r => r.map_err(cannot)?,
    };
    let mut cells = Vec::new();
    while let Some(c) = reader.next_cell().map_err(cannot)? {
        let (r, col) = c.get_position();
        if matches!(c.get_value(), DataRef::Empty) {
            continue;
        }
        if r > LAST_ROW || col > LAST_COL {
            return Err(Error::input(
                path,
                Location::File,
                Some("sheet"),
                format!(
                    "sheet \"{name}\" has a cell at row {}, column {}: beyond Excel's last cell XFD1048576 (the file is damaged)",
                    r as u64 + 1,
                    col as u64 + 1
                ),
            ));
        }
        cells.push((r, col, cell(c.get_value())));
    }
    // Stable: of cells at one position, file order is kept and the last one is taken.
    cells.sort_by_key(|c| (c.0, c.1));
    let mut out: Vec<(u32, u32, Value)> = Vec::with_capacity(cells.len());
    for c in cells {
        match out.last_mut() {
            Some(last) if (last.0, last.1) == (c.0, c.1) => *last = c,
            _ => out.push(c),
        }
    }
    Ok(out)
}

/// The table of a sheet's used cells (sorted by position): the header is the first used row,
/// columns count from the first used column. `cells` is not empty.
fn table(name: String, cells: Vec<(u32, u32, Value)>) -> Sheet {
    let r0 = cells.first().map_or(0, |c| c.0);
    let c0 = cells.iter().map(|c| c.1).min().unwrap_or(0);
    let mut columns = Vec::new();
    let mut rows: Vec<Row> = Vec::new();
    for (r, c, v) in cells {
        let col = c - c0;
        if r == r0 {
            columns.resize(col as usize, String::new());
            columns.push(match v {
                Value::Null => String::new(),
                Value::Num(x) => format!("{x}"),
                Value::Text(t) => t,
            });
            continue;
        }
        if v == Value::Null {
            continue;
        }
        let number = r as u64 + 1;
        match rows.last_mut() {
            Some(row) if row.number == number => row.cells.push((col, v)),
            _ => rows.push(Row {
                number,
                cells: vec![(col, v)],
            }),
        }
    }
    Sheet {
        name,
        columns,
        header_row: r0 as u64 + 1,
        rows,
    }
}

/// A cell as a [`Value`]: numbers (and dates, as Excel serial numbers) stay numbers, text is
/// kept verbatim (trimmed; codes with leading zeros survive), blanks are Null, booleans and
/// error cells (`#N/A` …) are text.
fn cell(c: &DataRef) -> Value {
    let text = |s: &str| {
        let t = s.trim();
        if t.is_empty() {
            Value::Null
        } else {
            Value::Text(t.to_owned())
        }
    };
    match c {
        DataRef::Empty => Value::Null,
        DataRef::Int(i) => Value::Num(*i as f64),
        DataRef::Float(x) if x.is_finite() => Value::Num(*x),
        DataRef::Float(_) => Value::Null,
        DataRef::DateTime(d) => Value::Num(d.as_f64()),
        DataRef::SharedString(s) => text(s),
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => text(s),
        DataRef::Bool(b) => Value::Text(b.to_string()),
        DataRef::Error(e) => Value::Text(format!("{e}")),
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
