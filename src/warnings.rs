//! Suspicious but usable input: counted and reported, never silently dropped.

use serde::Serialize;

/// One kind of warning with how often it occurred.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Warning {
    /// Stable machine-readable code, e.g. `null_population`.
    pub code: String,
    /// What happened, in words, naming the file and field.
    pub message: String,
    /// How many features/cells/facilities it concerns.
    pub count: u64,
}

/// Collected warnings, in the order they were first raised.
#[derive(Debug, Default, Clone, Serialize)]
#[serde(transparent)]
pub struct Warnings(pub Vec<Warning>);

impl Warnings {
    /// Adds a warning (nothing when `count` is 0).
    pub fn add(&mut self, code: &str, count: u64, message: impl Into<String>) {
        if count > 0 {
            self.0.push(Warning {
                code: code.to_owned(),
                message: message.into(),
                count,
            });
        }
    }
    /// Appends another collection.
    pub fn extend(&mut self, o: Warnings) {
        self.0.extend(o.0);
    }
    /// True when there is nothing to report.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Excel's limit on the text of one cell, in UTF-16 code units.
pub const EXCEL_TEXT_MAX: usize = 32_767;

/// A warning for every unit whose id, name or zone `report.xlsx` cuts (`write::xlsx::excel_text`),
/// naming the feature of the areas layer and the field.
pub fn long_texts(
    areas: &crate::area::Areas,
    attrs: &crate::area::AreaAttrs,
    path: &std::path::Path,
    warnings: &mut Warnings,
) {
    let mut cut = Vec::new();
    for (i, a) in areas.list.iter().enumerate() {
        let zone = attrs.zone.get(i).and_then(|z| z.as_deref());
        for (field, v) in [
            ("id", Some(&a.id[..])),
            ("name", Some(&a.name[..])),
            ("zone", zone),
        ] {
            if let Some(v) = v.filter(|v| v.encode_utf16().count() > EXCEL_TEXT_MAX) {
                cut.push(format!(
                    "feature {} field '{field}' ({} characters)",
                    a.feature,
                    v.chars().count()
                ));
            }
        }
    }
    let shown = cut.iter().take(5).cloned().collect::<Vec<_>>().join("; ");
    warnings.add(
        "text_cut_in_xlsx",
        cut.len() as u64,
        format!(
            "{}: {shown}{}: longer than Excel's {EXCEL_TEXT_MAX} characters per cell, cut in \
             report.xlsx (whole in the CSV and GeoJSON outputs)",
            path.display(),
            if cut.len() > 5 { "; …" } else { "" }
        ),
    );
}
