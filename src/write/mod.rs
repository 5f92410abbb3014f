//! Outputs: `areas.csv`, `areas.geojson`, `uncovered.geojson`, `circles.geojson`,
//! `summary.json`, `report.md` and, on request, `cells.csv`.
//!
//! Files are written into a temporary folder beside the target and moved into place only when
//! every one of them is complete: a failed run leaves no half-written output.

pub mod geojson;
pub mod html;
pub mod i18n;
pub mod report;
pub mod sites;
pub mod summary;
pub mod tables;
pub mod xlsx;

use crate::analyze::Analysis;
use crate::error::{Error, Result};
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

/// A staging folder that becomes the output folder on [`Staging::commit`].
pub struct Staging {
    tmp: PathBuf,
    out: PathBuf,
    written: Vec<String>,
    committed: bool,
}

impl Staging {
    /// Creates `.<name>.tmp-<pid>` beside `out`.
    pub fn new(out: &Path) -> Result<Staging> {
        let parent = match out.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
            _ => PathBuf::from("."),
        };
        let name = out
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "out".into());
        let tmp = parent.join(format!(".{name}.tmp-{}", std::process::id()));
        let fail = |e: std::io::Error| Error::Output {
            path: tmp.clone(),
            reason: e.to_string(),
        };
        if tmp.exists() {
            std::fs::remove_dir_all(&tmp).map_err(fail)?;
        }
        std::fs::create_dir_all(&tmp).map_err(fail)?;
        Ok(Staging {
            tmp,
            out: out.to_owned(),
            written: Vec::new(),
            committed: false,
        })
    }

    /// Writes one file into the staging folder.
    pub fn write(&mut self, name: &str, bytes: &[u8]) -> Result<()> {
        let p = self.tmp.join(name);
        std::fs::write(&p, bytes).map_err(|e| Error::Output {
            path: self.out.join(name),
            reason: e.to_string(),
        })?;
        self.written.push(name.to_owned());
        Ok(())
    }

    /// Writes one file from text pieces, in order.
    pub fn write_parts(&mut self, name: &str, parts: &[String]) -> Result<()> {
        self.write_many(&[(name, parts)])
    }

    /// Writes several files from text pieces at once (one thread each: the large GeoJSON
    /// layers are tens of megabytes); they are registered in the order given.
    pub fn write_many(&mut self, files: &[(&str, &[String])]) -> Result<()> {
        use rayon::prelude::*;
        files
            .par_iter()
            .try_for_each(|&(name, parts)| self.write_unregistered(name, parts))?;
        for (name, _) in files {
            self.register(name);
        }
        Ok(())
    }

    /// Writes a file from text pieces without registering it, so it can run beside other
    /// work; [`Staging::register`] it afterwards, or it is not moved into the output folder.
    pub fn write_unregistered(&self, name: &str, parts: &[String]) -> Result<()> {
        self.write_unregistered_with(name, |sink| parts.iter().try_for_each(|p| sink(p)))
    }

    /// [`Staging::write_unregistered`] with the text produced by `fill`, piece by piece.
    pub fn write_unregistered_with(
        &self,
        name: &str,
        fill: impl FnOnce(&mut dyn FnMut(&str) -> Result<()>) -> Result<()>,
    ) -> Result<()> {
        use std::io::Write;
        let fail = |e: std::io::Error| Error::Output {
            path: self.out.join(name),
            reason: e.to_string(),
        };
        let f = std::fs::File::create(self.tmp.join(name)).map_err(fail)?;
        let mut w = std::io::BufWriter::with_capacity(1 << 20, f);
        fill(&mut |text: &str| w.write_all(text.as_bytes()).map_err(fail))?;
        w.flush().map_err(fail)
    }

    /// Registers a file written by [`Staging::write_unregistered`].
    pub fn register(&mut self, name: &str) {
        self.written.push(name.to_owned());
    }

    /// Moves every written file into the output folder and removes stale outputs of the same
    /// command (`known`) that this run did not write.
    pub fn commit(mut self, known: &[&str]) -> Result<Vec<PathBuf>> {
        let fail = |p: &Path, e: std::io::Error| Error::Output {
            path: p.to_owned(),
            reason: e.to_string(),
        };
        std::fs::create_dir_all(&self.out).map_err(|e| fail(&self.out, e))?;
        let mut done = Vec::new();
        for n in &self.written {
            let dst = self.out.join(n);
            std::fs::rename(self.tmp.join(n), &dst).map_err(|e| fail(&dst, e))?;
            done.push(dst);
        }
        for n in known {
            if !self.written.iter().any(|w| w == n) {
                let p = self.out.join(n);
                if p.exists() {
                    std::fs::remove_file(&p).map_err(|e| fail(&p, e))?;
                }
            }
        }
        self.committed = true;
        let _ = std::fs::remove_dir_all(&self.tmp);
        Ok(done)
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.tmp);
        }
    }
}

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
                            || opts.html.then(|| html::html(a, &summary, &report)),
                            || opts.xlsx.then(|| xlsx::workbook(a, opts.lang)),
                        )
                    },
                )
            },
        );
    st.write("areas.csv", &areas_csv)?;
    if let Some(d) = tables::districts_csv(a) {
        st.write("districts.csv", &d)?;
    }
    uncovered?;
    st.register("uncovered.geojson");
    st.write_many(&[("circles.geojson", &circles), ("areas.geojson", &areas_gj)])?;
    if let Some(c) = cells {
        st.write("cells.csv", &c)?;
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
