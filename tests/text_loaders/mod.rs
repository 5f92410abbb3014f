//! The text loaders under mutation (issue 15): one seeded case of one loader, run in process
//! through the library's own loader boundary, judged by one rule. Shared by
//! `tests/hostile_text.rs` (a fixed number of seeds per loader) and `examples/fuzz_text.rs`
//! (`scripts/fuzz.sh`: as many seeds as time allows).
//!
//! A case fails (a *finding*) when the loader panics, when the last-resort guard had to catch a
//! panic ("internal error while reading"), when an error does not name the mutated file, or when
//! a load that succeeds hands on a non-finite or implausible number.

#![allow(dead_code)]

#[path = "../mutation_common/mod.rs"]
pub mod mutation_common;

use carecircle::limits;
use carecircle::sites::{self, CandidateSource, Mode};
use carecircle::{analyze, facility, population, Plan};
use mutation_common::{mutate, Lcg, HOSTILE_NUMBERS};
use std::path::{Path, PathBuf};

/// The loaders under test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Loader {
    /// CSV population cells, facility lists and candidate sites.
    Csv,
    /// GeoJSON areas, point and polygon cells, facilities.
    GeoJson,
    /// The plan TOML (parsed, and analysed when it still parses).
    Plan,
    /// OpenStreetMap PBF walking networks.
    Pbf,
    /// `sites` arguments: --grid, --capacity, --candidates, --exclude.
    Sites,
}

impl Loader {
    /// Every loader.
    pub const ALL: [Loader; 5] = [
        Loader::Csv,
        Loader::GeoJson,
        Loader::Plan,
        Loader::Pbf,
        Loader::Sites,
    ];

    /// The loader named on the command line (`csv`, `geojson`, `plan`, `pbf`, `sites`).
    pub fn parse(s: &str) -> Option<Loader> {
        Loader::ALL
            .into_iter()
            .find(|l| format!("{l:?}").eq_ignore_ascii_case(s))
    }
}

/// The synthetic fixtures (scripts/make_hostile_text_fixtures.py).
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hostile_text")
}

/// The network fixtures (tests/fixtures/network).
pub fn network_fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/network")
}

/// One case's outcome: its label (for replay) and, when it broke a rule, why.
#[derive(Debug)]
pub struct Outcome {
    /// Loader, seed, file and mutation.
    pub label: String,
    /// The broken rule, with the error text; `None` when the case passed.
    pub finding: Option<String>,
    /// True when the loader refused the input (with a good error).
    pub refused: bool,
}

/// The plan `name` of the fixtures, parsed.
fn fixture_plan(name: &str) -> Plan {
    Plan::load(&fixtures().join(name)).expect("fixture plan parses")
}

/// Judges an error: it must name `file` and must not come from the panic guard.
fn judge_error(text: &str, file: &Path) -> Option<String> {
    let name = file.file_name().unwrap().to_string_lossy();
    if text.contains("internal error while reading") {
        Some(format!("a panic was caught: {text}"))
    } else if !text.contains(&*name) {
        Some(format!("the error does not name {name}: {text}"))
    } else if text.chars().count() > 2000 {
        Some(format!(
            "the error quotes too much ({} characters)",
            text.chars().count()
        ))
    } else {
        None
    }
}

/// Runs `f`, turning a panic that escaped every guard into a finding.
fn no_panic(f: impl FnOnce() -> Option<String>) -> Option<String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
        .unwrap_or_else(|_| Some("panicked outside the loader guard".into()))
}

/// Every cell value finite, ≥ 0 and at most the plausible maximum per field (groups sum up to
/// two fields here, after growth of at most `MAX_GROWTH`).
fn check_cells(c: &population::Cells) -> Option<String> {
    let max = 2.0 * limits::MAX_PEOPLE * limits::MAX_GROWTH;
    for (g, v) in c.values.iter().enumerate() {
        if let Some(x) = v
            .iter()
            .find(|x| !(x.is_finite() && **x >= 0.0 && **x <= max))
        {
            return Some(format!("group {g} holds the value {x}"));
        }
    }
    if let Some(p) = c
        .lonlat
        .iter()
        .find(|p| !(p[0].is_finite() && p[1].is_finite()))
    {
        return Some(format!("a cell at {p:?}"));
    }
    None
}

fn check_facilities(f: &[facility::Facility]) -> Option<String> {
    f.iter()
        .find(|f| {
            !(f.lonlat[0].is_finite() && f.lonlat[1].is_finite())
                || f.capacity
                    .is_some_and(|c| !(c.is_finite() && (0.0..=limits::MAX_CAPACITY).contains(&c)))
        })
        .map(|f| {
            format!(
                "facility {} at {:?} capacity {:?}",
                f.id, f.lonlat, f.capacity
            )
        })
}

/// Every figure of an analysis that reaches an output is finite.
fn check_analysis(a: &carecircle::Analysis) -> Option<String> {
    if let Some(m) = check_cells(&a.cells) {
        return Some(m);
    }
    for s in &a.services {
        for st in &s.stats {
            let nums = [
                Some(st.population),
                Some(st.covered),
                st.coverage,
                st.capacity,
            ]
            .into_iter()
            .chain([
                st.capacity_per_1000,
                st.network_covered,
                st.network_coverage,
            ]);
            if let Some(x) = nums.flatten().find(|x| !x.is_finite()) {
                return Some(format!("service {}: a unit figure is {x}", s.spec.id));
            }
        }
    }
    None
}

/// Writes `bytes` as `dir/name` and returns the path.
fn put(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).expect("write a mutated file");
    p
}

/// A mutation of fixture file `name` (text mutators weigh number swaps up).
fn mutated(from: &Path, rng: &mut Lcg) -> (String, Vec<u8>) {
    let bytes = std::fs::read(from).expect("fixture");
    if rng.below(3) == 0 {
        mutation_common::swap_number(&bytes, rng)
    } else {
        mutate(&bytes, rng)
    }
}

/// Runs one seeded case of `loader`, writing mutated files into `dir` (a scratch folder of the
/// caller's, reused across cases).
pub fn case(loader: Loader, seed: u64, dir: &Path) -> Outcome {
    let mut rng = Lcg(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ loader as u64);
    rng.next_u64();
    let (label, result) = match loader {
        Loader::Csv => csv_case(&mut rng, dir),
        Loader::GeoJson => geojson_case(&mut rng, dir),
        Loader::Plan => plan_case(&mut rng),
        Loader::Pbf => pbf_case(&mut rng, dir),
        Loader::Sites => sites_case(&mut rng, dir),
    };
    let (finding, refused) = match result {
        Ok(None) => (None, false),
        Ok(Some(f)) => (Some(f), false),
        Err(f) => (f, true),
    };
    Outcome {
        label: format!("{loader:?} seed {seed}: {label}"),
        finding,
        refused,
    }
}

/// `Ok(finding)` when the load succeeded (a finding if what it returned is wrong), `Err(finding)`
/// when it refused the input (a finding if the error is wrong).
type Judged = Result<Option<String>, Option<String>>;

fn judged<T>(
    r: Result<T, carecircle::Error>,
    file: &Path,
    check: impl FnOnce(&T) -> Option<String>,
) -> Judged {
    match r {
        Ok(v) => Ok(check(&v)),
        Err(e) => Err(judge_error(&e.to_string(), file)),
    }
}

/// What a mutated file is loaded as.
#[derive(Clone, Copy)]
enum Role {
    Areas,
    Cells,
    Facilities,
}

/// Mutates one of `files` (with its role), loads it in place of the fixture's in plan `plan`
/// through the library's loader boundary, and judges the outcome.
fn file_case(plan: &str, files: &[(&str, Role)], rng: &mut Lcg, dir: &Path) -> (String, Judged) {
    let mut plan = fixture_plan(plan);
    let (which, role) = files[rng.below(files.len())];
    let (m, bytes) = mutated(&fixtures().join(which), rng);
    let path = put(dir, which, &bytes);
    let label = format!("{which} {m}");
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match role {
        Role::Areas => {
            plan.areas.path = path.clone();
            judged(
                carecircle::area::load_with_attrs(&plan.areas),
                &path,
                |(_, at)| {
                    at.counts
                        .iter()
                        .flatten()
                        .flatten()
                        .find(|c| !(c.is_finite() && **c <= limits::MAX_PEOPLE))
                        .map(|c| format!("official count {c}"))
                },
            )
        }
        Role::Facilities => {
            plan.facilities[0].path = path.clone();
            judged(facility::load(&plan.facilities), &path, |(f, _)| {
                check_facilities(f)
            })
        }
        Role::Cells => {
            plan.population.path = path.clone();
            let mut w = carecircle::warnings::Warnings::default();
            let r = population::load(&plan.population, &mut w);
            judged(r, &path, check_cells)
        }
    }));
    (label, r.unwrap_or_else(|_| Ok(Some("panicked".into()))))
}

fn csv_case(rng: &mut Lcg, dir: &Path) -> (String, Judged) {
    let files = [
        ("cells.csv", Role::Cells),
        ("facilities.csv", Role::Facilities),
    ];
    file_case("plan.toml", &files, rng, dir)
}

fn geojson_case(rng: &mut Lcg, dir: &Path) -> (String, Judged) {
    let files = [
        ("areas.geojson", Role::Areas),
        ("cells.geojson", Role::Cells),
        ("cell_squares.geojson", Role::Cells),
        ("facilities.geojson", Role::Facilities),
    ];
    file_case("plan_geojson.toml", &files, rng, dir)
}

/// Plan text mutations: the generic ones, and a plan value swapped for a hostile number.
fn plan_case(rng: &mut Lcg) -> (String, Judged) {
    let name = [
        "plan.toml",
        "plan_geojson.toml",
        "plan_squares.toml",
        "plan_walk.toml",
    ][rng.below(4)];
    let file = fixtures().join(name);
    let (m, bytes) = mutated(&file, rng);
    let label = format!("{name} {m}");
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let refused = std::cell::Cell::new(false);
    let finding = no_panic(|| match Plan::parse(&text, &file) {
        Err(e) => {
            refused.set(true);
            judge_error(&e.to_string(), &file).map(|f| format!("refused: {f}"))
        }
        Ok(plan) => {
            for s in &plan.services {
                let walk = s.minutes * s.speed_kmh * 1000.0 / 60.0;
                if !(s.radius_m <= limits::MAX_DISTANCE_M && walk <= limits::MAX_DISTANCE_M) {
                    return Some(format!(
                        "service {} reach {} m / {walk} m",
                        s.id, s.radius_m
                    ));
                }
            }
            // A plan that still parses is analysed: nothing non-finite may come out.
            match carecircle::run(
                plan,
                &analyze::Options {
                    exact_distances: false,
                    progress: &analyze::Quiet,
                },
            ) {
                Ok(a) => check_analysis(&a),
                Err(e) => {
                    let t = e.to_string();
                    t.contains("internal error while reading")
                        .then(|| format!("a panic was caught: {t}"))
                }
            }
        }
    });
    // A refused plan counts as refused (the fuzz report's tally), its finding kept either way.
    (
        label,
        if refused.get() {
            Err(finding)
        } else {
            Ok(finding)
        },
    )
}

fn pbf_case(rng: &mut Lcg, dir: &Path) -> (String, Judged) {
    let name = [
        "river.osm.pbf",
        "tag_rules.osm.pbf",
        "missing_nodes.osm.pbf",
    ][rng.below(3)];
    let bytes = std::fs::read(network_fixtures().join(name)).expect("fixture");
    let (m, bytes) = mutate(&bytes, rng);
    let path = put(dir, "net.osm.pbf", &bytes);
    let label = format!("{name} {m}");
    let frame = carecircle::projection::Frame::new(0.005, 0.001);
    let r =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(
            || match carecircle::network::read_pbf(&path, &frame) {
                Ok(net) => Ok((0..net.edge_count() as u32)
                    .map(|e| net.edge_length(e))
                    .find(|l| !l.is_finite())
                    .map(|l| format!("an edge of length {l}"))),
                Err(e) => Err(judge_error(&e.to_string(), &path)),
            },
        ));
    (label, r.unwrap_or_else(|_| Ok(Some("panicked".into()))))
}

/// `sites` arguments: a hostile --grid spacing or --capacity, or a mutated --candidates /
/// --exclude file, through the library's `sites::run`.
fn sites_case(rng: &mut Lcg, dir: &Path) -> (String, Judged) {
    let plan = fixture_plan("plan.toml");
    let mut source = CandidateSource::Cells;
    let mut exclude = None;
    let mut capacity = None;
    let (label, file) = match rng.below(4) {
        0 => {
            let n = HOSTILE_NUMBERS[rng.below(HOSTILE_NUMBERS.len())];
            let unit = ["m", "km", "", " deg"][rng.below(4)];
            let arg = format!("{n}{unit}");
            match sites::parse_spacing(&arg) {
                Err(_) => return (format!("--grid {arg:?}"), Err(None)),
                Ok(s) if !(1.0..=limits::MAX_DISTANCE_M).contains(&s) => {
                    return (format!("--grid {arg:?}"), Ok(Some(format!("spacing {s}"))))
                }
                Ok(s) => source = CandidateSource::Grid(s),
            }
            (format!("--grid {arg:?}"), plan.path.clone())
        }
        1 => {
            let n = HOSTILE_NUMBERS[rng.below(HOSTILE_NUMBERS.len())];
            capacity = n.parse::<f64>().ok();
            (format!("--capacity {n:?}"), plan.path.clone())
        }
        2 => {
            let (m, bytes) = mutated(&fixtures().join("candidates.csv"), rng);
            let path = put(dir, "candidates.csv", &bytes);
            source = CandidateSource::File {
                path: path.clone(),
                lon: "lon".into(),
                lat: "lat".into(),
                id: Some("id".into()),
                crs: None,
            };
            (format!("candidates.csv {m}"), path)
        }
        _ => {
            let (m, bytes) = mutated(&fixtures().join("exclude.geojson"), rng);
            let path = put(dir, "exclude.geojson", &bytes);
            exclude = Some(path.clone());
            (format!("exclude.geojson {m}"), path)
        }
    };
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let opts = sites::Options {
            kind: "service_station".into(),
            mode: if rng.below(2) == 0 {
                Mode::Add(2)
            } else {
                Mode::FillBlanks
            },
            candidates: source,
            exclude,
            exclude_crs: None,
            per_area_max: None,
            capacity,
            seed: Some(7),
            progress: &analyze::Quiet,
        };
        judged(sites::run(plan, &opts), &file, |r| {
            let site = r.sites.iter().find(|s| {
                let c = &s.candidate;
                !(c.lonlat[0].is_finite() && c.lonlat[1].is_finite() && s.new_covered.is_finite())
                    || s.served.is_some_and(|x| !x.is_finite())
            });
            site.map(|s| format!("site {} at {:?}", s.candidate.id, s.candidate.lonlat))
        })
    }));
    (label, r.unwrap_or_else(|_| Ok(Some("panicked".into()))))
}
