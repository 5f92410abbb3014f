//! Outputs: `areas.csv`, `areas.geojson`, `uncovered.geojson`, `circles.geojson`,
//! `summary.json`, `report.md` and, on request, `cells.csv`.
//!
//! Files are written into a temporary folder beside the target and moved into place only when
//! every one of them is complete, all or nothing ([`Staging`]): a failed or killed run leaves
//! the folder as it was (or, killed after the commit point, entirely new).

pub mod columns;
pub mod finite;
pub mod geojson;
pub mod html;
pub mod i18n;
pub mod report;
pub mod sites;
mod staging;
pub mod summary;
pub mod tables;
pub mod xlsx;

use crate::analyze::Analysis;
use crate::error::{Error, Result};
pub use staging::Staging;
use std::path::{Path, PathBuf};

/// Every file `analyze` may write (stale ones from an earlier run are removed on commit).
pub const ANALYZE_FILES: &[&str] = &[
    "areas.csv",
    "areas.geojson",
    "uncovered.geojson",
    "circles.geojson",
    "summary.json",
    "report.md",
    "report.html",
    "report.xlsx",
    "cells.csv",
    "service_areas.geojson",
    "districts.csv",
];

/// What `analyze` writes besides the standard outputs.
#[derive(Debug, Clone)]
pub struct WriteOptions {
    /// Also write `cells.csv`.
    pub cells: bool,
    /// Also write `service_areas.geojson` (needs a network).
    pub service_areas: bool,
    /// Worker threads used (recorded in `summary.json`).
    pub threads: usize,
    /// Language of `report.html` and `report.xlsx` (`--lang`).
    pub lang: i18n::Lang,
    /// System of the GeoJSON layers (`--out-crs`; WGS 84 by default, as RFC 7946 asks). The
    /// HTML report and the workbook stay WGS 84.
    pub out_crs: crate::crs::Crs,
    /// Write `report.html` (`--skip html` turns it off).
    pub html: bool,
    /// Write `report.xlsx` (`--skip xlsx` turns it off).
    pub xlsx: bool,
}

impl Default for WriteOptions {
    fn default() -> Self {
        WriteOptions {
            cells: false,
            service_areas: false,
            threads: 0,
            lang: i18n::Lang::default(),
            out_crs: crate::crs::Crs::default(),
            html: true,
            xlsx: true,
        }
    }
}

/// Writes every `analyze` output into `out` atomically.
pub fn analysis(a: &Analysis, out: &Path, opts: &WriteOptions) -> Result<Vec<PathBuf>> {
    let (with_cells, threads, crs) = (opts.cells, opts.threads, &opts.out_crs);
    finite::check_figures(a, out)?;
    let mut st = Staging::new(out)?;
    let summary = summary::build(a, threads);
    let report = html::ReportOptions { lang: opts.lang };
    // Build the files in parallel. The largest, uncovered.geojson, is rendered and written batch
    // by batch while the other thread goes on rendering the rest.
    let (uncovered, (((circles, areas_gj), (cells, (areas_csv, markdown))), (page, book))) =
        rayon::join(
            || {
                st.write_unregistered_with("uncovered.geojson", |sink| {
                    geojson::uncovered(a, crs, sink)
                })
            },
            || {
                rayon::join(
                    || {
                        rayon::join(
                            || rayon::join(|| geojson::circles(a, crs), || geojson::areas(a, crs)),
                            || {
                                rayon::join(
                                    || with_cells.then(|| tables::cells_csv(a)),
                                    || (tables::areas_csv(a), report::markdown(a)),
                                )
                            },
                        )
                    },
                    || {
                        rayon::join(
                            || opts.html.then(|| html::html(a, &report)),
                            || opts.xlsx.then(|| xlsx::workbook(a, opts.lang)),
                        )
                    },
                )
            },
        );
    st.write("areas.csv", &areas_csv?)?;
    if let Some(d) = tables::districts_csv(a) {
        st.write("districts.csv", &d?)?;
    }
    uncovered?;
    st.register("uncovered.geojson");
    st.write_many(&[("circles.geojson", &circles), ("areas.geojson", &areas_gj)])?;
    if let Some(c) = cells {
        st.write("cells.csv", &c?)?;
    }
    if opts.service_areas {
        let width = a
            .plan
            .network
            .as_ref()
            .map(|n| n.area_width_m)
            .unwrap_or(crate::plan::DEFAULT_AREA_WIDTH_M);
        st.write_parts(
            "service_areas.geojson",
            &geojson::service_areas(a, width, crs),
        )?;
    }
    st.write("report.md", markdown.as_bytes())?;
    let mut json = serde_json::to_string_pretty(&summary).map_err(|e| Error::Output {
        path: out.join("summary.json"),
        reason: e.to_string(),
    })?;
    json.push('\n');
    st.write("summary.json", json.as_bytes())?;
    if let Some(page) = page {
        st.write("report.html", page.as_bytes())?;
    }
    if let Some(book) = book {
        let book = book.map_err(|e| Error::Output {
            path: out.join("report.xlsx"),
            reason: e.to_string(),
        })?;
        st.write("report.xlsx", &book)?;
    }
    st.commit(ANALYZE_FILES)
}

/// `x.round()` (halves away from zero), exactly, from `trunc`: one instruction on x86-64-v2,
/// where `round` is a library call. The fraction `x − trunc(x)` is exact in floating point.
#[inline]
pub(crate) fn round_half_away(x: f64) -> f64 {
    let t = x.trunc();
    if (x - t).abs() >= 0.5 {
        t + x.signum()
    } else {
        t
    }
}

/// `{:.3}` without a negative zero.
pub fn f3(v: f64) -> String {
    let s = format!("{v:.3}");
    if s == "-0.000" {
        "0.000".into()
    } else {
        s
    }
}

/// `{:.6}` for an optional fraction; empty when `None`.
pub fn opt6(v: Option<f64>) -> String {
    v.map(|x| format!("{x:.6}")).unwrap_or_default()
}

/// `{:.3}` for an optional number; empty when `None`.
pub fn opt3(v: Option<f64>) -> String {
    v.map(f3).unwrap_or_default()
}
