//! Issue 15, the output side: the commit into `--out` is all or nothing under injected
//! failures and kills (and keeps the user's own files); CSV text cannot run as a spreadsheet
//! formula; text beyond Excel's cell limit is cut with a warning instead of failing the run;
//! numbers that are not finite never reach a file.
//!
//! Everything runs on copies of the Helsinki demo (`data/helsinki`) written into a tempdir.
//! The commit steps are driven by the debug-build seams `CARECIRCLE_FAIL_COMMIT_AT` and
//! `CARECIRCLE_PAUSE_COMMIT_AT` (see `src/write/staging.rs`).

#[path = "cli_common/mod.rs"]
mod cli_common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

/// The Helsinki demo plan with absolute paths, its layers replaced by those given
/// (`(file name in data/helsinki, new path)`), and `extra` appended to a section header.
fn helsinki_plan(dir: &Path, layers: &[(&str, &Path)], edits: &[(&str, &str)]) -> PathBuf {
    let src = cli_common::root().join("data/helsinki");
    let mut text = std::fs::read_to_string(src.join("plan.toml")).unwrap();
    for f in [
        "postal_areas.geojson",
        "population_2015_250m.geojson",
        "facilities_osm.geojson",
    ] {
        let to = layers
            .iter()
            .find(|(n, _)| *n == f)
            .map(|(_, p)| p.to_path_buf())
            .unwrap_or_else(|| src.join(f));
        let from = format!("path = \"{f}\"");
        assert!(text.contains(&from), "{f} in the demo plan");
        text = text.replace(&from, &format!("path = {:?}", to.to_str().unwrap()));
    }
    for (from, to) in edits {
        assert!(text.contains(from), "{from} in the demo plan");
        text = text.replacen(from, to, 1);
    }
    let p = dir.join("plan.toml");
    std::fs::write(&p, text).unwrap();
    p
}

fn bin() -> std::process::Command {
    std::process::Command::new(assert_cmd::cargo::cargo_bin("carecircle"))
}

fn analyze(plan: &Path, out: &Path, env: &[(&str, String)]) -> Output {
    let mut c = bin();
    c.args([
        "analyze",
        plan.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "-q",
    ]);
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The files of a folder by name; `summary.json` without its `timings_s` (the one part of an
/// output that differs between runs).
fn snapshot(out: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut m = BTreeMap::new();
    let Ok(rd) = std::fs::read_dir(out) else {
        return m;
    };
    for e in rd {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        let mut bytes = std::fs::read(&p).unwrap();
        if name == "summary.json" {
            if let Ok(mut v) = serde_json::from_slice::<serde_json::Value>(&bytes) {
                if let Some(o) = v.as_object_mut() {
                    o.remove("timings_s");
                }
                bytes = v.to_string().into_bytes();
            }
        }
        m.insert(name, bytes);
    }
    m
}

/// Entries beside `out` that belong to a commit (`.<name>.tmp-…`, `.bak-…`, `.journal-…`).
fn siblings(out: &Path) -> Vec<String> {
    let prefix = format!(".{}.", out.file_name().unwrap().to_string_lossy());
    let mut v: Vec<String> = std::fs::read_dir(out.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(&prefix))
        .collect();
    v.sort();
    v
}

/// The file a user keeps in `--out` (never written by carecircle).
const USER_FILE: &str = "my notes.txt";

/// A commit scenario: the new outputs (a reference run) and an output folder holding old
/// versions of each of them, a stale `cells.csv` of an earlier `--cells` run, and a user file.
struct Scenario {
    plan: PathBuf,
    /// New outputs as a clean run writes them, plus the user file.
    new: BTreeMap<String, Vec<u8>>,
    /// The folder before the commit.
    old: BTreeMap<String, Vec<u8>>,
}

impl Scenario {
    fn new(dir: &Path) -> Scenario {
        let plan = helsinki_plan(dir, &[], &[]);
        let reference = dir.join("reference");
        let o = analyze(&plan, &reference, &[]);
        assert!(o.status.success(), "{}", stderr(&o));
        cli_common::check_outputs(&reference);
        let mut new = snapshot(&reference);
        assert!(!new.contains_key("cells.csv"));
        let mut old: BTreeMap<String, Vec<u8>> = new
            .keys()
            .chain(std::iter::once(&"cells.csv".to_string()))
            .map(|n| (n.clone(), format!("old {n}\n").into_bytes()))
            .collect();
        let user = b"kept by the user\n".to_vec();
        old.insert(USER_FILE.into(), user.clone());
        new.insert(USER_FILE.into(), user);
        Scenario { plan, new, old }
    }

    /// Files moved into the backup (every old carecircle file) and in (every new one).
    fn counts(&self) -> (usize, usize) {
        (self.old.len() - 1, self.new.len() - 1)
    }

    /// The step that marks the journal committed: 1 journal, 2 backup folder, one step per
    /// file moved out, one per file moved in, then the mark.
    fn commit_step(&self) -> usize {
        let (o, w) = self.counts();
        3 + o + w
    }

    fn prepare(&self, out: &Path) {
        std::fs::create_dir_all(out).unwrap();
        for (n, b) in &self.old {
            std::fs::write(out.join(n), b).unwrap();
        }
    }

    fn assert_old(&self, out: &Path, what: &str) {
        let got = snapshot(out);
        assert_eq!(
            got.keys().collect::<Vec<_>>(),
            self.old.keys().collect::<Vec<_>>(),
            "{what}: the old set"
        );
        assert!(got == self.old, "{what}: the old files, unchanged");
    }

    fn assert_new(&self, out: &Path, what: &str) {
        let got = snapshot(out);
        assert_eq!(
            got.keys().collect::<Vec<_>>(),
            self.new.keys().collect::<Vec<_>>(),
            "{what}: the new set (stale cells.csv gone, user file kept)"
        );
        for (n, b) in &self.new {
            assert!(&got[n] == b, "{what}: {n} is the new version");
        }
    }

    /// A run that only recovers: its own commit fails at its first step (nothing touched).
    fn recover(&self, out: &Path, what: &str) {
        let o = analyze(
            &self.plan,
            out,
            &[("CARECIRCLE_FAIL_COMMIT_AT", "1".into())],
        );
        assert_eq!(o.status.code(), Some(2), "{what}: {}", stderr(&o));
        assert!(stderr(&o).contains("failure injected at commit step 1"));
        assert_eq!(siblings(out), Vec::<String>::new(), "{what}: recovered");
    }
}

/// A failure injected at each step of the commit leaves the folder entirely old (exit 2, the
/// error named) up to the commit mark, and entirely new after it (exit 0, leftovers removed
/// by the next run); the user's file survives every time.
#[test]
fn commit_is_all_or_nothing_when_any_step_fails() {
    let dir = tempfile::tempdir().unwrap();
    let sc = Scenario::new(dir.path());
    let mark = sc.commit_step();
    for step in 1..=mark + 4 {
        let out = dir.path().join(format!("case{step}")).join("out");
        sc.prepare(&out);
        let o = analyze(
            &sc.plan,
            &out,
            &[("CARECIRCLE_FAIL_COMMIT_AT", step.to_string())],
        );
        let what = format!("failure at step {step} (mark at {mark})");
        if step <= mark {
            assert_eq!(o.status.code(), Some(2), "{what}: {}", stderr(&o));
            let e = stderr(&o);
            assert!(
                e.contains(&format!("failure injected at commit step {step}"))
                    && e.contains("left as it was"),
                "{what}: {e}"
            );
            sc.assert_old(&out, &what);
            assert_eq!(siblings(&out), Vec::<String>::new(), "{what}: rolled back");
        } else {
            assert!(o.status.success(), "{what}: {}", stderr(&o));
            sc.assert_new(&out, &what);
            // A failure while cleaning up leaves the backup/journal; a step past the last one
            // leaves nothing.
            assert_eq!(siblings(&out).is_empty(), step == mark + 4, "{what}");
            sc.recover(&out, &what);
            sc.assert_new(&out, &format!("{what}, after recovery"));
        }
    }
}

/// A process killed (SIGKILL) before each step leaves a mixed folder and its journal; the next
/// run rolls it back (killed before the mark) or forward (after it), removes the staging,
/// backup and journal, and the user's file survives.
#[test]
fn commit_killed_between_steps_is_recovered_by_the_next_run() {
    let dir = tempfile::tempdir().unwrap();
    let sc = Scenario::new(dir.path());
    let mark = sc.commit_step();
    let (olds, _) = sc.counts();
    // Before the journal, before the backup folder, after half the old files moved out,
    // after the first and all but one of the new files moved in, just before and after the
    // mark, and before the last cleanup step.
    let steps = [
        1,
        2,
        3 + olds / 2,
        4 + olds,
        mark - 1,
        mark,
        mark + 1,
        mark + 3,
    ];
    for step in steps {
        let out = dir.path().join(format!("kill{step}")).join("out");
        sc.prepare(&out);
        let flag = dir.path().join(format!("paused{step}"));
        let mut child = bin()
            .args([
                "analyze",
                sc.plan.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
                "-q",
            ])
            .env("CARECIRCLE_PAUSE_COMMIT_AT", step.to_string())
            .env("CARECIRCLE_PAUSE_FLAG", &flag)
            .spawn()
            .unwrap();
        let start = std::time::Instant::now();
        while !flag.exists() {
            assert!(
                child.try_wait().unwrap().is_none(),
                "step {step}: the run ended before pausing"
            );
            assert!(start.elapsed().as_secs() < 600, "step {step}: never paused");
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        child.kill().unwrap();
        child.wait().unwrap();
        let what = format!("killed before step {step} (mark at {mark})");
        assert!(!siblings(&out).is_empty(), "{what}: leftovers to recover");
        if step > 3 && step < mark {
            // Mid-commit the folder is neither set: that is what the journal is for.
            let mid = snapshot(&out);
            assert!(mid != sc.old && mid != sc.new, "{what}: a mixed folder");
        }
        sc.recover(&out, &what);
        if step <= mark {
            sc.assert_old(&out, &format!("{what}, after recovery"));
        } else {
            sc.assert_new(&out, &format!("{what}, after recovery"));
        }
    }
}

/// The staging folder of a live process is left alone; those of dead processes are removed;
/// files beside `--out` that only look similar are not touched.
#[test]
fn only_leftovers_of_dead_processes_are_removed() {
    let dir = tempfile::tempdir().unwrap();
    let plan = helsinki_plan(dir.path(), &[], &[]);
    let out = dir.path().join("out");
    // A process that has ended (and been waited for) is dead.
    let mut c = std::process::Command::new("true").spawn().unwrap();
    let dead = c.id();
    c.wait().unwrap();
    let live = std::process::id();
    for n in [
        format!(".out.tmp-{live}"),
        format!(".out.tmp-{dead}"),
        format!(".out.bak-{dead}"),
        format!(".outer.tmp-{dead}"),
    ] {
        std::fs::create_dir_all(dir.path().join(&n)).unwrap();
        std::fs::write(dir.path().join(n).join("areas.csv"), "x").unwrap();
    }
    // A torn journal of the dead process: its list was never finished, so nothing moved.
    std::fs::write(
        dir.path().join(format!(".out.journal-{dead}")),
        "carecircle commit journal 1\nnew areas.csv\n",
    )
    .unwrap();
    let o = analyze(&plan, &out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(siblings(&out), vec![format!(".out.tmp-{live}")]);
    assert!(dir.path().join(format!(".outer.tmp-{dead}")).exists());
}

/// The Helsinki areas with hostile text: ids, names and the parent unit beginning with each
/// character a spreadsheet reads as a formula; cells with ids beginning with `=`.
fn hostile_layers(dir: &Path) -> (PathBuf, PathBuf) {
    let src = cli_common::root().join("data/helsinki");
    let read = |f: &str| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(src.join(f)).unwrap()).unwrap()
    };
    let mut areas = read("postal_areas.geojson");
    for (i, f) in areas["features"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .enumerate()
    {
        let p = &mut f["properties"];
        let id = p["id"].as_str().unwrap().to_string();
        let lead = HOSTILE[i % HOSTILE.len()];
        p["name"] = format!("{lead}HYPERLINK(\"http://x\",\"{i}\")").into();
        if i % 2 == 0 {
            p["id"] = format!("{lead}{id}").into();
        }
        p["district"] = format!("{}cmd|' /C calc'!A{}", HOSTILE[i % 3], i % 3).into();
    }
    let mut pop = read("population_2015_250m.geojson");
    for f in pop["features"].as_array_mut().unwrap() {
        let id = f["properties"]["id"].to_string();
        f["properties"]["cell"] = format!("=C{id}").into();
    }
    let a = dir.join("areas.geojson");
    let p = dir.join("population.geojson");
    std::fs::write(&a, areas.to_string()).unwrap();
    std::fs::write(&p, pop.to_string()).unwrap();
    (a, p)
}

/// The leading characters OWASP lists for CSV injection.
const HOSTILE: [&str; 6] = ["=", "+", "-", "@", "\t", "\r"];

/// A text cell read back from a CSV output: the guard's `'` and then the text, or the text as
/// it was when it cannot be read as a formula.
fn assert_guarded(file: &str, col: &str, cell: &str) {
    let starts_hostile = HOSTILE.iter().any(|h| cell.starts_with(h));
    assert!(!starts_hostile, "{file}, {col}: unguarded {cell:?}");
}

/// Every CSV output, from `analyze` (areas.csv, districts.csv, cells.csv) and `sites`
/// (sites.csv, areas_after.csv), has each text cell that began with `= + - @`, a tab or a CR
/// written with a leading `'`, exactly once; numeric columns keep their numbers.
#[test]
fn csv_text_cannot_run_as_a_formula() {
    let dir = tempfile::tempdir().unwrap();
    let (areas, pop) = hostile_layers(dir.path());
    let plan = helsinki_plan(
        dir.path(),
        &[
            ("postal_areas.geojson", &areas),
            ("population_2015_250m.geojson", &pop),
        ],
        &[
            (
                "name = \"name\"\n",
                "name = \"name\"\nparent = \"district\"\n",
            ),
            (
                "groups.total = \"pop_total\"",
                "groups.total = \"pop_total\"\nid = \"cell\"",
            ),
        ],
    );
    let out = dir.path().join("out");
    cli_common::analyze_into(&plan, &out, &["--cells"]);
    let o = bin()
        .args([
            "sites",
            plan.to_str().unwrap(),
            "--kind",
            "social_facility",
            "--add",
            "3",
            "--out",
            out.to_str().unwrap(),
            "-q",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    cli_common::check_outputs(&out);
    let text_cols = ["area_id", "area_name", "cell_id", "id", "fixes_blank_units"];
    let mut seen = BTreeMap::<&str, usize>::new();
    for file in [
        "areas.csv",
        "districts.csv",
        "cells.csv",
        "sites.csv",
        "areas_after.csv",
    ] {
        let rows = cli_common::rows(&out.join(file));
        assert!(!rows.is_empty(), "{file} has rows");
        for r in &rows {
            for (col, v) in r {
                if text_cols.contains(&col.as_str()) {
                    assert_guarded(file, col, v);
                    if let Some(rest) = v.strip_prefix('\'') {
                        assert!(
                            HOSTILE.iter().any(|h| rest.starts_with(h)),
                            "{file}, {col}: a guard only before a formula character: {v:?}"
                        );
                        *seen.entry(file).or_default() += 1;
                    }
                } else {
                    // Figures: empty, true/false, or a plain number.
                    assert!(
                        v.is_empty()
                            || v == "true"
                            || v == "false"
                            || v.parse::<f64>().is_ok_and(f64::is_finite)
                            || col == "kind"
                            || col == "reasons",
                        "{file}, {col}: {v:?}"
                    );
                }
            }
        }
    }
    // Each file had hostile text to guard.
    for file in [
        "areas.csv",
        "districts.csv",
        "cells.csv",
        "sites.csv",
        "areas_after.csv",
    ] {
        assert!(seen.get(file).copied().unwrap_or(0) > 0, "{file}: {seen:?}");
    }
    // The names are whole after the guard (a name's text is not otherwise changed).
    let areas = cli_common::rows(&out.join("areas.csv"));
    let name = &areas
        .iter()
        .find(|r| r["area_name"].contains("\"0\")"))
        .unwrap()["area_name"];
    assert_eq!(name, "'=HYPERLINK(\"http://x\",\"0\")");
}

/// A 40,000-character area name: the run succeeds; report.xlsx holds the first 32,767
/// characters (Excel's limit) and a warning names the feature and field; areas.csv and
/// areas.geojson keep the whole name.
#[test]
fn text_beyond_excels_limit_is_cut_with_a_warning() {
    use calamine::Reader;
    let dir = tempfile::tempdir().unwrap();
    let src = cli_common::root().join("data/helsinki/postal_areas.geojson");
    let mut areas: serde_json::Value =
        serde_json::from_slice(&std::fs::read(src).unwrap()).unwrap();
    // Characters of one, two and three UTF-8 bytes (one UTF-16 unit each).
    let long: String = "aé街".chars().cycle().take(40_000).collect();
    areas["features"][4]["properties"]["name"] = long.clone().into();
    let id = areas["features"][4]["properties"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let a = dir.path().join("areas.geojson");
    std::fs::write(&a, areas.to_string()).unwrap();
    let plan = helsinki_plan(dir.path(), &[("postal_areas.geojson", &a)], &[]);
    let out = dir.path().join("out");
    let o = bin()
        .args([
            "analyze",
            plan.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    cli_common::check_outputs(&out);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains("feature 4 field 'name' (40000 characters)")
            && stdout.contains("report.xlsx"),
        "{stdout}"
    );
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    let warned = summary["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|w| w["code"] == "text_cut_in_xlsx" && w["count"] == 1);
    assert!(warned, "{}", summary["warnings"]);
    let rows = cli_common::rows(&out.join("areas.csv"));
    assert!(rows
        .iter()
        .any(|r| r["area_id"] == id && r["area_name"] == long));
    let mut wb = calamine::open_workbook_auto(out.join("report.xlsx")).unwrap();
    let sheet = wb.sheet_names()[1].clone();
    let range = wb.worksheet_range(&sheet).unwrap();
    let cut: Vec<String> = range
        .rows()
        .filter(|r| r[0].to_string() == id)
        .map(|r| r[1].to_string())
        .collect();
    assert!(!cut.is_empty(), "unit {id} in sheet {sheet}");
    let want: String = long.chars().take(32_767).collect();
    for c in cut {
        assert_eq!(c.chars().count(), 32_767);
        assert!(c == want, "the first 32,767 characters");
    }
}

/// Population values whose sum overflows a double: the run stops with exit 2 and the folder
/// is left exactly as it was; no output anywhere holds a non-finite number.
#[test]
fn an_overflowing_sum_never_reaches_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let src = cli_common::root().join("data/helsinki/population_2015_250m.geojson");
    let mut pop: serde_json::Value = serde_json::from_slice(&std::fs::read(src).unwrap()).unwrap();
    for f in pop["features"].as_array_mut().unwrap() {
        f["properties"]["pop_total"] = 1e308.into();
    }
    let p = dir.path().join("population.geojson");
    std::fs::write(&p, pop.to_string()).unwrap();
    let plan = helsinki_plan(dir.path(), &[("population_2015_250m.geojson", &p)], &[]);
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("areas.csv"), "old").unwrap();
    let o = analyze(&plan, &out, &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let e = stderr(&o);
    // Refused at load (a plausible range per field) or, at the latest, before writing.
    assert!(e.contains("pop_total") || e.contains("population"), "{e}");
    assert!(!e.contains("panicked"), "{e}");
    assert_eq!(
        snapshot(&out),
        BTreeMap::from([("areas.csv".to_string(), b"old".to_vec())])
    );
    assert_eq!(siblings(&out), Vec::<String>::new());
}
