//! Every number that reaches an output is finite.
//!
//! Two gates, both errors naming where the value sits (never a bare `inf` in a file, never a
//! silent `null`):
//! - [`check_figures`] runs before anything is rendered, over the per-unit figures that feed
//!   `summary.json` (where `serde_json` would quietly turn a NaN into `null`), the tables and the
//!   reports;
//! - [`JsonNumbers`] watches the text of every `.json` / `.geojson` file as it is staged and
//!   refuses a non-finite token (`inf`, `-inf`, `NaN`, as Rust prints them) with its JSON path,
//!   e.g. `features[3].geometry.coordinates[0][12][1]`. The CSV writer refuses them per column
//!   ([`super::tables::CsvOut`]).

use crate::analyze::Analysis;
use crate::error::{Error, Result};
use crate::gaps::AreaStats;

/// One level of the JSON being scanned.
#[derive(Debug, Clone)]
enum Level {
    /// An object and the key of its current member.
    Object(String),
    /// An array and the index of its current element.
    Array(usize),
}

/// A streaming scan of JSON text for non-finite numbers. It assumes the text is otherwise
/// JSON as the writers produce it (structure and strings); outside strings the only letters
/// JSON allows are those of `true`, `false` and `null`, so an `i`, `I` or `N` there is a
/// non-finite number.
#[derive(Debug, Default)]
pub struct JsonNumbers {
    path: Vec<Level>,
    in_string: bool,
    escaped: bool,
    /// The next string is an object key (collected into `key`).
    expect_key: bool,
    key: Option<String>,
}

impl JsonNumbers {
    /// Scans the next piece of text; the error names the value's JSON path.
    pub fn feed(&mut self, text: &str) -> std::result::Result<(), String> {
        let bytes = text.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            if self.in_string {
                // Jump to the next quote or backslash.
                let rest = &bytes[i..];
                let Some(j) = rest.iter().position(|&b| b == b'"' || b == b'\\') else {
                    if let Some(k) = &mut self.key {
                        k.push_str(&text[i..]);
                    }
                    return Ok(());
                };
                if self.escaped {
                    // The byte after a backslash is never special (escapes are ASCII).
                    self.escaped = false;
                    if let Some(k) = &mut self.key {
                        k.push(bytes[i] as char);
                    }
                    i += 1;
                    continue;
                }
                if let Some(k) = &mut self.key {
                    k.push_str(&text[i..i + j]);
                }
                i += j;
                if bytes[i] == b'\\' {
                    self.escaped = true;
                    if let Some(k) = &mut self.key {
                        k.push('\\');
                    }
                } else {
                    self.in_string = false;
                    if let Some(k) = self.key.take() {
                        if let Some(Level::Object(cur)) = self.path.last_mut() {
                            *cur = k;
                        }
                    }
                }
                i += 1;
                continue;
            }
            match bytes[i] {
                b'"' => {
                    self.in_string = true;
                    if self.expect_key {
                        self.expect_key = false;
                        self.key = Some(String::new());
                    }
                }
                b'{' => {
                    self.path.push(Level::Object(String::new()));
                    self.expect_key = true;
                }
                b'[' => self.path.push(Level::Array(0)),
                b'}' | b']' => {
                    self.path.pop();
                    self.expect_key = false;
                }
                b',' => match self.path.last_mut() {
                    Some(Level::Array(n)) => *n += 1,
                    Some(Level::Object(_)) => self.expect_key = true,
                    None => {}
                },
                b'i' | b'I' | b'N' => {
                    let what = if bytes[i] == b'N' { "NaN" } else { "infinite" };
                    return Err(format!(
                        "the number at {} is {what}; every number written must be finite",
                        self.place()
                    ));
                }
                _ => {}
            }
            i += 1;
        }
        Ok(())
    }

    /// The JSON path of the current value, e.g. `features[3].properties.population`.
    fn place(&self) -> String {
        let mut s = String::new();
        for l in &self.path {
            match l {
                Level::Object(k) => {
                    if !s.is_empty() {
                        s.push('.');
                    }
                    s.push_str(k);
                }
                Level::Array(n) => s.push_str(&format!("[{n}]")),
            }
        }
        if s.is_empty() {
            "the top level".into()
        } else {
            s
        }
    }
}

/// True for the outputs [`JsonNumbers`] watches.
pub fn is_json(name: &str) -> bool {
    name.ends_with(".json") || name.ends_with(".geojson")
}

/// Refuses a non-finite figure of any unit or parent unit, naming the service, the unit and the
/// field (the figures of `summary.json`, the tables and the reports all come from these).
pub fn check_figures(a: &Analysis, out: &std::path::Path) -> Result<()> {
    for s in &a.services {
        let befores = s.before.iter().flat_map(|b| &b.stats);
        for (st, before) in s
            .stats
            .iter()
            .map(|x| (x, ""))
            .chain(befores.map(|x| (x, " (before the planned facilities)")))
        {
            let area = &a.areas.list[st.area.0 as usize];
            check_stats(st).map_err(|field| {
                figure_error(
                    out,
                    &s.spec.id,
                    &format!("unit '{}' ({}){before}", area.id, area.name),
                    field,
                )
            })?;
        }
        let parents = s.parents.iter().map(|p| (p, ""));
        let before_parents = s
            .before
            .iter()
            .flat_map(|b| &b.parents)
            .map(|p| (p, " (before the planned facilities)"));
        for (p, before) in parents.chain(before_parents) {
            check_stats(&p.figures).map_err(|field| {
                figure_error(
                    out,
                    &s.spec.id,
                    &format!("parent '{}'{before}", p.parent),
                    field,
                )
            })?;
        }
        for b in &s.blank_spots {
            if !b.population.is_finite() {
                let area = &a.areas.list[b.area.0 as usize];
                return Err(figure_error(
                    out,
                    &s.spec.id,
                    &format!("a blank spot of unit '{}'", area.id),
                    ("population", b.population),
                ));
            }
        }
    }
    Ok(())
}

fn figure_error(
    out: &std::path::Path,
    service: &str,
    place: &str,
    (field, v): (&str, f64),
) -> Error {
    Error::Output {
        path: out.to_owned(),
        reason: format!(
            "service '{service}', {place}: {field} is {v}, not a finite number (the inputs sum \
             beyond what a double can hold); nothing was written"
        ),
    }
}

/// The first non-finite figure of `st`, by field name.
fn check_stats(st: &AreaStats) -> std::result::Result<(), (&'static str, f64)> {
    let access = st.access.as_ref();
    let fields = [
        ("population", Some(st.population)),
        ("covered_population", Some(st.covered)),
        ("coverage", st.coverage),
        ("network_covered_population", st.network_covered),
        ("network_coverage", st.network_coverage),
        ("capacity", st.capacity),
        ("capacity_per_1000", st.capacity_per_1000),
        ("official_population", st.official_population),
        ("capacity_per_1000_grid", st.capacity_per_1000_grid),
        ("access_per_1000", access.and_then(|x| x.per_1000)),
        (
            "share_below_target",
            access.and_then(|x| x.share_below_target),
        ),
    ];
    match fields
        .into_iter()
        .find(|(_, v)| v.is_some_and(|v| !v.is_finite()))
    {
        Some((f, v)) => Err((f, v.unwrap_or_default())),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The scan agrees with serde_json on seeded documents: finite ones pass whole and cut into
    /// any pieces; one non-finite token anywhere is found at the path where it was put.
    #[test]
    fn json_scan_finds_each_non_finite_at_its_path() {
        let doc = r#"{"type":"FeatureCollection","name":"a \"q\" \\ ,[{","features":[{"type":"Feature","properties":{"id":"x,y","null":null,"t":true,"v":-1.5e-3,"e":[]},"geometry":{"coordinates":[[1.0,2.0],[3.0,VALUE]]}},{"properties":{"k{":"]"}}]}"#;
        let ok = doc.replace("VALUE", "4.25");
        serde_json::from_str::<serde_json::Value>(&ok).unwrap();
        for cut in 0..ok.len() {
            if !ok.is_char_boundary(cut) {
                continue;
            }
            let mut s = JsonNumbers::default();
            s.feed(&ok[..cut]).unwrap();
            s.feed(&ok[cut..]).unwrap();
        }
        for bad in ["inf", "-inf", "NaN"] {
            let text = doc.replace("VALUE", bad);
            assert!(serde_json::from_str::<serde_json::Value>(&text).is_err());
            for cut in (0..text.len()).step_by(7) {
                let mut s = JsonNumbers::default();
                let e = s
                    .feed(&text[..cut])
                    .and_then(|()| s.feed(&text[cut..]))
                    .unwrap_err();
                assert!(
                    e.contains("features[0].geometry.coordinates[1][1]"),
                    "{bad}, cut {cut}: {e}"
                );
            }
        }
    }
}
