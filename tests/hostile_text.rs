//! Hostile and broken text inputs (issue 15): CSV, GeoJSON, plan TOML, OSM PBF and `sites`
//! arguments. Thousands of seeded mutations per loader run in process through the library's
//! loader boundaries (no panic, errors name the file, nothing non-finite comes out); about a
//! hundred per loader run through the real binary (exit 0 or 2; on 2 the `--out` folder is
//! left exactly as it was; on 0 every JSON output parses strictly). Then one regression test
//! per defect the issue lists. Inputs: tests/fixtures only (synthetic, see
//! scripts/make_hostile_text_fixtures.py).

#[path = "text_loaders/mod.rs"]
mod text_loaders;

use carecircle::{population, Plan};
use std::path::PathBuf;
use std::process::Command;
use text_loaders::mutation_common::{snapshot, swap_number, Lcg, HOSTILE_NUMBERS};
use text_loaders::{case, fixtures, network_fixtures, Loader};

/// Runs `n` seeded cases of `loader` and fails with the first findings.
fn in_process(loader: Loader, n: u64) {
    let dir = tempfile::tempdir().unwrap();
    let (mut refused, mut findings) = (0, Vec::new());
    for seed in 0..n {
        let o = case(loader, seed, dir.path());
        refused += o.refused as u64;
        if let Some(f) = o.finding {
            findings.push(format!("{}: {f}", o.label));
        }
    }
    assert!(
        findings.is_empty(),
        "{} of {n} cases broke a rule, first ones:\n{}",
        findings.len(),
        findings[..findings.len().min(10)].join("\n")
    );
    // The mutators must reach the loaders' checks, not only make harmless edits.
    assert!(
        refused * 10 >= n,
        "only {refused} of {n} cases were refused"
    );
}

#[test]
fn csv_mutations_in_process() {
    in_process(Loader::Csv, 4000);
}

#[test]
fn geojson_mutations_in_process() {
    in_process(Loader::GeoJson, 4000);
}

#[test]
fn plan_mutations_in_process() {
    in_process(Loader::Plan, 2000);
}

#[test]
fn pbf_mutations_in_process() {
    in_process(Loader::Pbf, 3000);
}

#[test]
fn sites_mutations_in_process() {
    in_process(Loader::Sites, 600);
}

// ---------------------------------------------------------------------------------------------
// The real binary.

/// A copy of the fixtures (and the network fixtures beside them, as the plans refer to them) in
/// a temporary folder, with an `--out` folder holding a user's own file.
struct Scratch {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    out: PathBuf,
}

impl Scratch {
    fn new() -> Scratch {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("hostile_text");
        for (from, to) in [
            (fixtures(), dir.clone()),
            (network_fixtures(), tmp.path().join("network")),
        ] {
            std::fs::create_dir_all(&to).unwrap();
            for e in std::fs::read_dir(from).unwrap().flatten() {
                std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
            }
        }
        let out = tmp.path().join("out");
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(out.join("my_notes.txt"), "the user's own file").unwrap();
        Scratch {
            _tmp: tmp,
            dir,
            out,
        }
    }

    /// Runs the binary in the fixture folder; returns the exit code and stderr.
    fn run(&self, args: &[&str]) -> (i32, String) {
        let o = Command::new(env!("CARGO_BIN_EXE_carecircle"))
            .args(args)
            .arg("--out")
            .arg(&self.out)
            .args(["-q", "--threads", "2"])
            .current_dir(&self.dir)
            .output()
            .unwrap();
        (
            o.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    }

    /// Runs `args` and checks the rules; returns whether it ran (exit 0).
    fn check(&self, args: &[&str], label: &str) -> bool {
        let before = snapshot(&self.out);
        let (code, err) = self.run(args);
        assert!(
            !err.contains("panicked") && !err.contains("internal error while reading"),
            "{label}: {err}"
        );
        match code {
            0 => {
                for (name, bytes) in snapshot(&self.out) {
                    if name.ends_with(".json") || name.ends_with(".geojson") {
                        if let Err(e) = serde_json::from_slice::<serde_json::Value>(&bytes) {
                            panic!("{label}: {name} is not valid JSON: {e}");
                        }
                    }
                }
                assert!(self.out.join("my_notes.txt").exists(), "{label}");
                true
            }
            2 => {
                assert!(err.starts_with("error: "), "{label}: {err}");
                assert!(
                    snapshot(&self.out) == before,
                    "{label}: exit 2 changed the output folder"
                );
                false
            }
            c => panic!("{label}: exit code {c}: {err}"),
        }
    }
}

/// Mutates fixture `file` (in the scratch copy) `n` times, running `args` on each, restoring it
/// after; the first run is on the intact file and must succeed. Returns (ran, refused).
fn cli(files: &[&str], args: &[&str], n: u64, seed: u64) -> (u32, u32) {
    let s = Scratch::new();
    assert!(
        s.check(args, "intact fixtures"),
        "the intact fixtures must run"
    );
    let (mut ran, mut refused) = (0, 0);
    let mut rng = Lcg(seed);
    for i in 0..n {
        let file = files[rng.below(files.len())];
        let path = s.dir.join(file);
        let path = if path.exists() {
            path
        } else {
            s.dir.join("..").join(file)
        };
        let orig = std::fs::read(&path).unwrap();
        let (label, bytes) = if rng.below(3) == 0 {
            swap_number(&orig, &mut rng)
        } else {
            text_loaders::mutation_common::mutate(&orig, &mut rng)
        };
        std::fs::write(&path, &bytes).unwrap();
        if s.check(args, &format!("case {i}, {file}: {label}")) {
            ran += 1;
        } else {
            refused += 1;
        }
        std::fs::write(&path, &orig).unwrap();
    }
    (ran, refused)
}

/// [`cli`] with the loader's mutations, of which at least a tenth must be refused.
fn cli_refuses(files: &[&str], args: &[&str], seed: u64) {
    let (_, refused) = cli(files, args, 100, seed);
    assert!(refused >= 10, "only {refused} of 100 refused");
}

#[test]
fn csv_mutations_cli() {
    cli_refuses(
        &["cells.csv", "facilities.csv"],
        &["analyze", "plan.toml"],
        1,
    );
}

#[test]
fn geojson_mutations_cli() {
    let files = ["areas.geojson", "cells.geojson", "facilities.geojson"];
    cli_refuses(&files, &["analyze", "plan_geojson.toml"], 2);
}

#[test]
fn plan_mutations_cli() {
    cli_refuses(&["plan_squares.toml"], &["analyze", "plan_squares.toml"], 3);
}

#[test]
fn pbf_mutations_cli() {
    cli_refuses(
        &["network/river.osm.pbf"],
        &["analyze", "plan_walk.toml"],
        4,
    );
}

/// `sites` with hostile option values and mutated --candidates / --exclude files.
#[test]
fn sites_mutations_cli() {
    let base = [
        "sites",
        "plan.toml",
        "--kind",
        "service_station",
        "--candidates",
        "candidates.csv",
        "--id",
        "id",
        "--exclude",
        "exclude.geojson",
        "--add",
        "2",
    ];
    let (_, refused) = cli(&["candidates.csv", "exclude.geojson"], &base, 60, 5);
    assert!(refused >= 5, "{refused}");
    let s = Scratch::new();
    let mut rng = Lcg(6);
    for i in 0..40 {
        let n = HOSTILE_NUMBERS[rng.below(HOSTILE_NUMBERS.len())];
        let (opt, val) = match rng.below(4) {
            0 => ("--capacity", n.to_string()),
            1 => ("--grid", format!("{n}m")),
            2 => ("--add", n.to_string()),
            _ => ("--per-area-max", n.to_string()),
        };
        let mut args: Vec<&str> = vec!["sites", "plan.toml", "--kind", "service_station"];
        if opt != "--add" {
            args.extend(["--add", "2"]);
        }
        args.extend([opt, &val]);
        let before = snapshot(&s.out);
        let (code, err) = s.run(&args);
        let label = format!("case {i}: {opt} {val:?}");
        assert!(
            !err.contains("panicked") && !err.contains("internal error"),
            "{label}: {err}"
        );
        assert!(code == 0 || code == 2, "{label}: exit {code}: {err}");
        if code == 2 {
            assert!(snapshot(&s.out) == before, "{label}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Regressions: one per defect issue 15 lists.

/// A scratch copy of the fixtures with `file` replaced by `text`; returns the plan `plan` of it.
fn variant(file: &str, text: &str, plan: &str) -> (tempfile::TempDir, Plan) {
    let tmp = tempfile::tempdir().unwrap();
    for e in std::fs::read_dir(fixtures()).unwrap().flatten() {
        std::fs::copy(e.path(), tmp.path().join(e.file_name())).unwrap();
    }
    std::fs::write(tmp.path().join(file), text).unwrap();
    let p = Plan::load(&tmp.path().join(plan)).unwrap();
    (tmp, p)
}

fn read(file: &str) -> String {
    std::fs::read_to_string(fixtures().join(file)).unwrap()
}

fn load_cells(file: &str, text: &str, plan: &str) -> Result<population::Cells, String> {
    let (_t, p) = variant(file, text, plan);
    let mut w = carecircle::warnings::Warnings::default();
    population::load(&p.population, &mut w).map_err(|e| e.to_string())
}

fn assert_all(text: &str, parts: &[&str]) {
    for p in parts {
        assert!(text.contains(p), "expected {p:?} in: {text}");
    }
}

#[test]
fn issue15_huge_population_refused_in_csv_and_geojson() {
    let csv = read("cells.csv").replacen(",12,", ",1e308,", 1);
    assert!(csv.contains("1e308"));
    let line = 1 + csv.lines().position(|l| l.contains("1e308")).unwrap();
    let e = load_cells("cells.csv", &csv, "plan.toml").unwrap_err();
    assert_all(
        &e,
        &[
            "cells.csv",
            &format!("line {line}"),
            "field 'pop'",
            "plausible range",
        ],
    );

    let gj = read("cells.geojson").replacen("\"pop\":12", "\"pop\":3e38", 1);
    let e = load_cells("cells.geojson", &gj, "plan_geojson.toml").unwrap_err();
    assert_all(
        &e,
        &[
            "cells.geojson",
            "feature 2",
            "field 'pop'",
            "3e38",
            "plausible range",
        ],
    );
}

/// Every format's values pass one check: the sum of 10⁸ per cell over a million cells is finite,
/// and a file with values at the maximum loads.
#[test]
fn issue15_population_at_the_maximum_loads() {
    let csv = read("cells.csv").replace(",12,", ",100000000,");
    let c = load_cells("cells.csv", &csv, "plan.toml").unwrap();
    assert!(c.values[0].iter().any(|&v| v >= 1e8));
    assert!(c.values[0].iter().sum::<f64>().is_finite());
}

#[test]
fn issue15_plan_numbers_refused() {
    let base = read("plan.toml");
    let path = fixtures().join("plan.toml");
    for (from, to, expect) in [
        (
            "growth.elderly = 1.25",
            "growth.elderly = 1e308",
            "growth.elderly",
        ),
        (
            "growth.elderly = 1.25",
            "growth.elderly = 150",
            "growth.elderly",
        ),
        (
            "radius_m = 500",
            "radius_m = 1e308",
            "radius_m = 1e308 is above the plausible maximum 100000",
        ),
        (
            "radius_m = 500",
            "radius_m = inf",
            "radius_m = inf must be a positive number",
        ),
        (
            "minutes = 10",
            "minutes = 1e9",
            "minutes = 1000000000 is above",
        ),
        (
            "capacity_per_1000 = 7",
            "capacity_per_1000 = 1e12",
            "capacity_per_1000",
        ),
        (
            "path = \"cells.csv\"",
            "path = \"\"",
            "[population] path = \"\": expected the path of a file",
        ),
        (
            "id = \"id\"\ngroups",
            "id = \"id\"\ncell_size = \"1e-9 m\"\ngroups",
            "cell_size",
        ),
    ] {
        assert!(base.contains(from), "{from}");
        let e = Plan::parse(&base.replacen(from, to, 1), &path)
            .unwrap_err()
            .to_string();
        assert_all(&e, &["plan.toml", expect]);
    }
}

#[test]
fn issue15_facility_capacity_refused() {
    let t = read("facilities.csv").replacen(",40\n", ",1e300\n", 1);
    let (_t, p) = variant("facilities.csv", &t, "plan.toml");
    let e = carecircle::facility::load(&p.facilities)
        .unwrap_err()
        .to_string();
    assert_all(
        &e,
        &[
            "facilities.csv",
            "line 2",
            "field 'beds'",
            "plausible range",
        ],
    );
}

#[test]
fn issue15_duplicate_cells_name_both_places() {
    // The same row twice: the position repeats (the message used to blame cell_size).
    let csv = read("cells.csv");
    let row = csv.lines().nth(3).unwrap().to_owned();
    let twice = csv.replacen(&format!("{row}\n"), &format!("{row}\n{row}\n"), 1);
    let e = load_cells(
        "cells.csv",
        &twice.replacen(&row, &row.replacen("c02", "c02b", 1), 1),
        "plan.toml",
    )
    .unwrap_err();
    assert_all(
        &e,
        &[
            "cells.csv",
            "line 5",
            "repeats the cell of line 4",
            "counted twice",
        ],
    );
    // A reused id at another position.
    let reused = csv.replacen("c05,", "c00,", 1).replacen("c10,", "c00,", 1);
    let e = load_cells("cells.csv", &reused, "plan.toml").unwrap_err();
    assert_all(
        &e,
        &[
            "cells.csv",
            "field 'id'",
            "\"c00\" is used again",
            "line 2 has it too",
        ],
    );
    // A GeoJSON point cell listed twice (it used to be counted twice), and a polygon cell twice
    // (the copy under another id, so that the position is what repeats).
    for (file, plan, feature, what) in [
        ("cells.geojson", "plan_geojson.toml", 1, "the point"),
        (
            "cell_squares.geojson",
            "plan_squares.toml",
            4,
            "the polygon",
        ),
    ] {
        let t = read(file);
        let f = t.lines().nth(feature + 1).unwrap().trim_end_matches(',');
        let copy = f.replacen("\"id\":\"", "\"id\":\"x", 1);
        let g = t.replacen(f, &format!("{copy},\n{f}"), 1);
        let e = load_cells(file, &g, plan).unwrap_err();
        let second = format!("feature {}", feature + 1);
        let repeats = format!("repeats the cell of feature {feature}");
        assert_all(&e, &[file, &second, what, &repeats]);
    }
}

/// Slow but obviously correct: the first pair of cells at the same point or with the same id,
/// by brute force over all pairs, agrees with the loader's sorted search on seeded files.
#[test]
fn issue15_duplicate_search_equals_brute_force() {
    let csv = read("cells.csv");
    let rows: Vec<&str> = csv.lines().skip(1).collect();
    let mut rng = Lcg(15);
    for round in 0..60 {
        // Up to 3 rows copied over others: their position, or their id, or both.
        let mut r: Vec<String> = rows.iter().map(|s| s.to_string()).collect();
        for _ in 0..rng.below(4) {
            let (a, b) = (rng.below(r.len()), rng.below(r.len()));
            let fa: Vec<String> = r[a].split(',').map(str::to_owned).collect();
            let mut fb: Vec<String> = r[b].split(',').map(str::to_owned).collect();
            match rng.below(2) {
                0 => fb[0] = fa[0].clone(),
                _ => (fb[1], fb[2]) = (fa[1].clone(), fa[2].clone()),
            }
            r[b] = fb.join(",");
        }
        let key = |i: usize, k: usize| r[i].split(',').nth(k).unwrap().to_owned();
        let pos = |i: usize| {
            (
                key(i, 1).parse::<f64>().unwrap(),
                key(i, 2).parse::<f64>().unwrap(),
            )
        };
        // The loader checks ids first, then positions; each reports the earliest second cell.
        let first = |same: &dyn Fn(usize, usize) -> bool| {
            (1..r.len()).find_map(|b| (0..b).find(|&a| same(a, b)).map(|a| (a, b)))
        };
        let expect = first(&|a, b| key(a, 0) == key(b, 0))
            .map(|(a, b)| format!("line {} has it too", a + 2) + &format!("|line {}", b + 2))
            .or_else(|| {
                first(&|a, b| pos(a) == pos(b))
                    .map(|(a, b)| format!("repeats the cell of line {}|line {}", a + 2, b + 2))
            });
        let text = format!("id,lon,lat,pop,pop80\n{}\n", r.join("\n"));
        match (load_cells("cells.csv", &text, "plan.toml"), expect) {
            (Ok(_), None) => {}
            (Err(e), Some(x)) => {
                let (what, line) = x.split_once('|').unwrap();
                assert_all(&e, &[what, &format!("cells.csv, {line},")]);
            }
            (got, want) => panic!("round {round}: got {got:?}, expected {want:?}"),
        }
    }
}

#[test]
fn issue15_cr_only_line_endings_quoted_briefly() {
    let mut t = read("cells.csv").replace('\n', "\r");
    while t.len() < 1 << 20 {
        t.push_str("c99,0.001,0.001,1,1\r");
    }
    let e = load_cells("cells.csv", &t, "plan.toml").unwrap_err();
    assert_all(&e, &["cells.csv", "line 1", "CR-only"]);
    assert!(e.len() < 600, "{} characters", e.len());
    // A very long header is cut when an error lists it.
    let long = format!("id,lon,lat,pop,pop80,{}\n", "x".repeat(100_000));
    let t =
        read("cells.csv").replacen("id,lon,lat,pop,pop80\n", &long.replace(",lon,", ",lng,"), 1);
    let e = load_cells("cells.csv", &t, "plan.toml").unwrap_err();
    assert_all(&e, &["column 'lon' not found", "more characters"]);
    assert!(e.len() < 600, "{} characters", e.len());
}

#[test]
fn issue15_bad_latitude_names_the_latitude_column() {
    let t = read("cells.csv").replacen(",0.0004,", ",-200.5,", 1);
    let e = load_cells("cells.csv", &t, "plan.toml").unwrap_err();
    assert_all(
        &e,
        &[
            "cells.csv",
            "line 3",
            "field 'lat'",
            "latitude in [-90, 90]",
        ],
    );
    let t = read("facilities.csv").replacen(",0.0021,", ",-191,", 1);
    let (_t, p) = variant("facilities.csv", &t, "plan.toml");
    let e = carecircle::facility::load(&p.facilities)
        .unwrap_err()
        .to_string();
    assert_all(&e, &["facilities.csv", "line 2", "field 'lat'"]);
    let t = read("cells.csv").replacen(",0.0004,", ",abc,", 1);
    let e = load_cells("cells.csv", &t, "plan.toml").unwrap_err();
    assert_all(&e, &["line 3", "field 'lat'", "\"abc\""]);
}

#[test]
fn issue15_all_zero_population_warns() {
    let mut t = String::from("id,lon,lat,pop,pop80\n");
    for l in read("cells.csv").lines().skip(1) {
        let f: Vec<&str> = l.split(',').collect();
        t.push_str(&format!("{},{},{},0,0\n", f[0], f[1], f[2]));
    }
    let (_t, p) = variant("cells.csv", &t, "plan.toml");
    let mut w = carecircle::warnings::Warnings::default();
    population::load(&p.population, &mut w).unwrap();
    let z: Vec<_> = w.0.iter().filter(|w| w.code == "zero_population").collect();
    assert_eq!(z.len(), 2, "{:?}", w.0);
    assert!(z
        .iter()
        .all(|w| w.count == 24 && w.message.contains("cells.csv")));
    // Not on the intact file (only `oldest` has zeros, and not everywhere).
    let mut w = carecircle::warnings::Warnings::default();
    population::load(
        &Plan::load(&fixtures().join("plan.toml"))
            .unwrap()
            .population,
        &mut w,
    )
    .unwrap();
    assert!(w.0.iter().all(|w| w.code != "zero_population"), "{:?}", w.0);
}

/// The binary refuses a non-finite figure before writing: `growth` and `radius_m` runs used to
/// exit 0 with `inf`/`NaN` in the GeoJSON.
#[test]
fn issue15_cli_refuses_and_leaves_out_alone() {
    let s = Scratch::new();
    let plan = std::fs::read_to_string(s.dir.join("plan.toml")).unwrap();
    for (from, to) in [
        ("growth.elderly = 1.25", "growth.elderly = 1e308"),
        ("radius_m = 500", "radius_m = 1e308"),
    ] {
        std::fs::write(s.dir.join("bad.toml"), plan.replacen(from, to, 1)).unwrap();
        let before = snapshot(&s.out);
        let (code, err) = s.run(&["analyze", "bad.toml"]);
        assert_eq!(code, 2, "{err}");
        assert_all(&err, &["bad.toml", "plausible maximum"]);
        assert!(snapshot(&s.out) == before);
    }
}

/// A way of one node used to be reported as "none of the nodes … are in the file (0 missing)".
#[test]
fn issue15_one_node_way_is_not_reported_as_missing_nodes() {
    let frame = carecircle::projection::Frame::new(0.0, 0.0);
    let path = fixtures().join("one_node_way.osm.pbf");
    let e = match carecircle::network::read_pbf(&path, &frame) {
        Ok(_) => panic!("a way of one node has no segment to walk on"),
        Err(e) => e.to_string(),
    };
    assert_all(
        &e,
        &[
            "one_node_way.osm.pbf",
            "1 walkable ways",
            "two consecutive distinct nodes",
            "(0 missing",
        ],
    );
    assert!(!e.contains("none of the nodes"), "{e}");
}
