//! `report.xlsx`: a summary sheet, one sheet per service with the `areas.csv` columns (numbers
//! as numbers, blank units shaded) and a sheet of warnings.

use super::columns::{label, Column, Format as ColumnFormat, Value};
use super::i18n::{self, tr, Lang};
use crate::analyze::Analysis;
use crate::warnings::EXCEL_TEXT_MAX;
use rust_xlsxwriter::{
    Color, DocProperties, ExcelDateTime, Format, FormatBorder, IntoExcelData, Workbook, Worksheet,
    XlsxError,
};

/// `text` cut to Excel's limit (at a character boundary); [`crate::warnings::long_texts`] warns about the
/// inputs this cuts.
pub fn excel_text(text: &str) -> std::borrow::Cow<'_, str> {
    // Quick exit: UTF-8 never has fewer bytes than UTF-16 units.
    if text.len() <= EXCEL_TEXT_MAX {
        return text.into();
    }
    let mut units = 0;
    for (i, c) in text.char_indices() {
        units += c.len_utf16();
        if units > EXCEL_TEXT_MAX {
            return text[..i].to_owned().into();
        }
    }
    text.into()
}

/// A valid, unique sheet name (at most 31 characters, none of `[]:*?/\`, not Excel's reserved
/// `History`).
fn sheet_name(base: &str, used: &mut Vec<String>) -> String {
    let clean: String = base
        .chars()
        .map(|c| {
            if "[]:*?/\\".contains(c) || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect();
    let clean = clean.trim_matches('\'').to_string();
    let clean = if clean.is_empty() {
        "sheet".to_string()
    } else if clean.eq_ignore_ascii_case("history") {
        clean + "_"
    } else {
        clean
    };
    let mut k = 1;
    loop {
        let suffix = if k == 1 {
            String::new()
        } else {
            format!(" ({k})")
        };
        let room = 31 - suffix.chars().count();
        let name: String = clean.chars().take(room).collect::<String>() + &suffix;
        if !used.iter().any(|u| u.to_lowercase() == name.to_lowercase()) {
            used.push(name.clone());
            return name;
        }
        k += 1;
    }
}

/// Builds the workbook.
pub fn workbook(a: &Analysis, lang: Lang) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    // A fixed creation date keeps the file byte-identical between runs (like every other output).
    let created = ExcelDateTime::from_ymd(2000, 1, 1)?;
    wb.set_properties(
        &DocProperties::new()
            .set_title(excel_text(&a.plan.title))
            .set_creation_datetime(&created),
    );
    let head = Format::new()
        .set_bold()
        .set_background_color(Color::RGB(0xDCE6F0))
        .set_border_bottom(FormatBorder::Thin);
    let blank = Format::new().set_background_color(Color::RGB(0xFDE2DE));
    let blank_pct = Format::new()
        .set_background_color(Color::RGB(0xFDE2DE))
        .set_num_format("0.0%");
    let pct = Format::new().set_num_format("0.0%");
    let title = Format::new().set_bold().set_font_size(14);
    let bold = Format::new().set_bold();
    let mut used = Vec::new();

    // Summary.
    let ws = wb.add_worksheet();
    ws.set_name(sheet_name(tr(lang, "summary_sheet"), &mut used))?;
    ws.write_string_with_format(0, 0, excel_text(&a.plan.title), &title)?;
    ws.write_string(1, 0, tr(lang, "xlsx_note"))?;
    let cols = [
        tr(lang, "service"),
        tr(lang, "kind"),
        tr(lang, "serves"),
        tr(lang, "radius"),
        label(lang, "facilities"),
        label(lang, "population"),
        label(lang, "covered_population"),
        tr(lang, "population_coverage"),
        tr(lang, "blank_units"),
        tr(lang, "unit_measure"),
        tr(lang, "blank_spots"),
    ];
    for (c, h) in cols.iter().enumerate() {
        ws.write_string_with_format(3, c as u16, *h, &head)?;
    }
    for (k, s) in a.services.iter().enumerate() {
        let r = 4 + k as u32;
        let pop: f64 = s.stats.iter().map(|x| x.population).sum();
        let cov: f64 = s.stats.iter().map(|x| x.covered).sum();
        let min = s.spec.min_per_area.unwrap_or(1);
        ws.write_string(
            r,
            0,
            excel_text(&format!(
                "{} ({})",
                i18n::service_name(lang, &s.spec),
                s.spec.id
            )),
        )?;
        ws.write_string(r, 1, excel_text(&s.spec.kind))?;
        ws.write_string(r, 2, i18n::group_name(lang, &s.spec.serves))?;
        ws.write_number(r, 3, s.spec.radius_m)?;
        ws.write_number(r, 4, s.facilities.len() as f64)?;
        ws.write_number(r, 5, round3(pop))?;
        ws.write_number(r, 6, round3(cov))?;
        if pop > 0.0 {
            ws.write_number_with_format(r, 7, cov / pop, &pct)?;
        }
        ws.write_number(r, 8, s.stats.iter().filter(|x| x.blank()).count() as f64)?;
        ws.write_number(
            r,
            9,
            s.stats.iter().filter(|x| x.facilities >= min).count() as f64,
        )?;
        ws.write_number(r, 10, s.blank_spots.len() as f64)?;
    }
    let r0 = 6 + a.services.len() as u32;
    ws.write_string_with_format(r0, 0, tr(lang, "src"), &bold)?;
    let mut r = r0 + 1;
    let fname = |p: &std::path::Path| {
        p.file_name()
            .map(|f| excel_text(&f.to_string_lossy()).into_owned())
            .unwrap_or_default()
    };
    ws.write_string(r, 0, tr(lang, "src_areas"))?;
    ws.write_string(r, 1, fname(&a.plan.areas.path))?;
    ws.write_number(r, 2, a.areas.list.len() as f64)?;
    r += 1;
    ws.write_string(r, 0, tr(lang, "src_population"))?;
    ws.write_string(r, 1, fname(&a.plan.population.path))?;
    ws.write_number(r, 2, a.cells.len() as f64)?;
    for (i, f) in a.plan.facilities.iter().enumerate() {
        r += 1;
        ws.write_string(r, 0, tr(lang, "src_facilities"))?;
        ws.write_string(r, 1, fname(&f.path))?;
        ws.write_number(
            r,
            2,
            a.facilities.iter().filter(|x| x.source == i).count() as f64,
        )?;
    }
    ws.set_column_width(0, 34)?;
    for c in 1..cols.len() as u16 {
        ws.set_column_width(c, 15)?;
    }

    // One sheet per service, with the areas.csv columns.
    let columns = super::columns::present(a, false);
    let stats = super::columns::analysis_stats(a);
    let rows = super::columns::area_rows(a, &stats);
    for s in &a.services {
        let ws = wb.add_worksheet();
        ws.set_name(sheet_name(&s.spec.id, &mut used))?;
        for (c, col) in columns.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, col.name, &head)?;
        }
        let mut r = 1u32;
        for row in rows.iter().filter(|row| row.kind == s.spec.id) {
            let is_blank = row.stats.blank();
            for (c, col) in columns.iter().enumerate() {
                // Shares marked Percent show as percentages; the value stays the fraction.
                let is_pct = col.format == ColumnFormat::Percent;
                let fmt = match (is_blank, is_pct) {
                    (true, true) => Some(&blank_pct),
                    (true, false) => Some(&blank),
                    (false, true) => Some(&pct),
                    (false, false) => None,
                };
                write_value(ws, (r, c as u16), col, &(col.get)(row), fmt)?;
            }
            r += 1;
        }
        ws.set_freeze_panes(1, 2)?;
        ws.autofilter(0, 0, r.saturating_sub(1).max(1), columns.len() as u16 - 1)?;
        ws.set_column_width(0, 14)?;
        ws.set_column_width(1, 18)?;
        ws.set_column_width(2, 16)?;
        for c in 3..columns.len() as u16 {
            ws.set_column_width(c, 14)?;
        }
        if let Some(c) = columns.iter().position(|c| c.name == "reasons") {
            ws.set_column_width(c as u16, 40)?;
        }
    }

    // Warnings.
    let ws = wb.add_worksheet();
    ws.set_name(sheet_name(tr(lang, "warnings_sheet"), &mut used))?;
    for (c, h) in ["code", "count", "message"].iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &head)?;
    }
    for (i, w) in a.warnings.0.iter().enumerate() {
        let r = 1 + i as u32;
        ws.write_string(r, 0, excel_text(&w.code))?;
        ws.write_number(r, 1, w.count as f64)?;
        ws.write_string(r, 2, excel_text(&w.message))?;
    }
    ws.set_column_width(0, 28)?;
    ws.set_column_width(2, 100)?;
    wb.save_to_buffer()
}

fn round3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

/// Writes one `areas.csv` value by its column's format: text as text, flags as booleans,
/// numbers as the number `areas.csv` shows, empty as an empty (formatted) cell.
fn write_value(
    ws: &mut Worksheet,
    (r, c): (u32, u16),
    col: &Column,
    v: &Value,
    fmt: Option<&Format>,
) -> Result<(), XlsxError> {
    fn put(
        ws: &mut Worksheet,
        (r, c): (u32, u16),
        data: impl IntoExcelData,
        fmt: Option<&Format>,
    ) -> Result<(), XlsxError> {
        match fmt {
            Some(f) => ws.write_with_format(r, c, data, f)?,
            None => ws.write(r, c, data)?,
        };
        Ok(())
    }
    match v {
        Value::Empty => {
            if let Some(f) = fmt {
                ws.write_blank(r, c, f)?;
            }
            Ok(())
        }
        Value::Text(t) => put(ws, (r, c), excel_text(t), fmt),
        Value::Flag(b) => put(ws, (r, c), *b, fmt),
        Value::Int(n) => put(ws, (r, c), *n as f64, fmt),
        Value::Num(_) => {
            let shown: f64 = v.text(col.format).parse().expect("a formatted number");
            put(ws, (r, c), shown, fmt)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_names_are_valid_and_unique() {
        let mut used = vec!["Summary".to_string()];
        assert_eq!(sheet_name("summary", &mut used), "summary (2)");
        assert_eq!(sheet_name("a/b:c", &mut used), "a_b_c");
        let long = "x".repeat(40);
        assert_eq!(sheet_name(&long, &mut used).chars().count(), 31);
        // Excel reserves `History`; control characters are not allowed either.
        assert_eq!(sheet_name("History", &mut used), "History_");
        assert_eq!(sheet_name("a\tb", &mut used), "a_b");
        // Every name is accepted by the writer.
        let mut wb = Workbook::new();
        for n in &used {
            wb.add_worksheet().set_name(n).unwrap();
        }
    }

    #[test]
    fn text_is_cut_to_excels_limit_at_a_character_boundary() {
        let short = "街".repeat(EXCEL_TEXT_MAX);
        assert_eq!(excel_text(&short), short);
        let long = "a".repeat(EXCEL_TEXT_MAX - 1) + "街道";
        assert_eq!(excel_text(&long), "a".repeat(EXCEL_TEXT_MAX - 1) + "街");
        // A character outside the BMP counts two UTF-16 units and is never split.
        let astral = "a".repeat(EXCEL_TEXT_MAX - 1) + "𠀀";
        assert_eq!(excel_text(&astral), "a".repeat(EXCEL_TEXT_MAX - 1));
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        ws.write_string(0, 0, excel_text(&"x".repeat(40_000)))
            .unwrap();
    }
}
