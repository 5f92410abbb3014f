//! `carecircle init` (issue 16, part 3): on every bundle in `data/` it recognises the areas,
//! population and facility layers and writes a plan `analyze` runs as written; on the Chinese
//! bundle (and on a GBK copy of its facility table with Chinese headers) that plan, given the
//! same services, gives the figures of the bundle's hand-written plan; it never overwrites a
//! file and names a file it cannot use.

#[path = "cli_common/mod.rs"]
mod cli_common;

use assert_cmd::Command;
use cli_common::{analyze_into, root};
use std::path::{Path, PathBuf};

/// Runs `carecircle init ARGS… --out OUT`; returns (exit code, stdout, stderr).
fn init(args: &[&Path], out: &Path) -> (Option<i32>, String, String) {
    let o = Command::cargo_bin("carecircle")
        .unwrap()
        .arg("init")
        .args(args)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap();
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn toml_of(path: &Path) -> toml::Table {
    toml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// A string at a dotted path of a TOML table ("areas.path", "facilities.0.kind").
fn get<'a>(t: &'a toml::Table, key: &str) -> Option<&'a toml::Value> {
    let mut v: Option<&toml::Value> = None;
    for part in key.split('.') {
        v = match (v, part.parse::<usize>()) {
            (None, _) => t.get(part),
            (Some(toml::Value::Array(a)), Ok(i)) => a.get(i),
            (Some(x), _) => x.get(part),
        };
    }
    v
}

fn s<'a>(t: &'a toml::Table, key: &str) -> &'a str {
    get(t, key)
        .and_then(|v| v.as_str())
        .unwrap_or_else(|| panic!("{key} missing in {t:#?}"))
}

/// The file name a plan path names (paths are relative to the plan file).
fn file_name(plan: &Path, p: &str) -> String {
    let full = plan.parent().unwrap().join(p).canonicalize().unwrap();
    full.file_name().unwrap().to_string_lossy().into_owned()
}

/// What init must recognise in each bundle: areas file, id, name; population file (or folder
/// name for GeoTIFFs) and groups; facility file and kind field.
struct Expect {
    areas: &'static str,
    population: &'static str,
    groups: &'static [(&'static str, &'static [&'static str])],
    facilities: &'static str,
    kind: &'static str,
}

fn expectation(bundle: &str) -> Expect {
    match bundle {
        "helsinki" => Expect {
            areas: "postal_areas.geojson",
            population: "population_2015_250m.geojson",
            groups: &[
                ("total", &["pop_total"]),
                ("elderly", &["pop_60_69", "pop_70_79", "pop_80plus"]),
            ],
            facilities: "facilities_osm.geojson",
            kind: "kind",
        },
        "wuhan" => Expect {
            areas: "streets_approx.geojson",
            population: "wuhan",
            groups: &[
                ("elderly", &["pop_60plus.tif"]),
                ("oldest", &["pop_80plus.tif"]),
            ],
            facilities: "facilities_synthetic.geojson",
            kind: "kind",
        },
        "wuchang" => Expect {
            areas: "streets_approx.geojson",
            population: "wuchang",
            groups: &[
                ("elderly", &["pop_60plus.tif"]),
                ("oldest", &["pop_80plus.tif"]),
            ],
            facilities: "facilities_synthetic.csv",
            kind: "kind",
        },
        // The synthetic try-out bundles of the district presets (data/presets/<id>).
        "daxing-2023" => preset(&[("oldest", &["pop_80plus"])]),
        "shuangqiao-2025" => preset(&[("elderly", &["pop_60plus"])]),
        "dongli-2025" | "mentougou-2025" | "yuzhong-2025" => preset(&[
            ("total", &["pop_total"]),
            ("elderly", &["pop_60plus"]),
            ("infants", &["pop_0_3"]),
        ]),
        other => panic!("data/{other}: a new bundle; add what init must recognise in it here"),
    }
}

/// A preset try-out bundle: the same file names in each, the groups its population has.
fn preset(groups: &'static [(&'static str, &'static [&'static str])]) -> Expect {
    Expect {
        areas: "streets_approx.geojson",
        population: "population_synthetic.csv",
        groups,
        facilities: "facilities_synthetic.csv",
        kind: "kind",
    }
}

#[test]
fn recognises_every_bundle_and_its_plan_runs() {
    // Every folder of data/ is a bundle, except data/presets, whose folders are.
    let folders = |d: PathBuf| -> Vec<PathBuf> {
        std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_dir())
            .collect()
    };
    let presets = root().join("data/presets");
    let mut bundles: Vec<PathBuf> = folders(root().join("data"))
        .into_iter()
        .filter(|p| *p != presets)
        .chain(folders(presets.clone()))
        .collect();
    bundles.sort();
    assert!(bundles.len() >= 8, "{bundles:?}");
    for b in bundles {
        let name = b.file_name().unwrap().to_string_lossy().into_owned();
        let want = expectation(&name);
        let dir = tempfile::tempdir().unwrap();
        let plan = dir.path().join("plan.toml");
        let (code, out, err) = init(&[&b], &plan);
        assert_eq!(code, Some(0), "{name}: {err}");
        assert!(out.contains("wrote"), "{out}");
        let text = std::fs::read_to_string(&plan).unwrap();
        let t = toml_of(&plan);
        assert_eq!(
            file_name(&plan, s(&t, "areas.path")),
            want.areas,
            "{name}\n{text}"
        );
        assert_eq!(s(&t, "areas.id"), "id", "{name}\n{text}");
        assert_eq!(s(&t, "areas.name"), "name", "{name}\n{text}");
        assert_eq!(
            file_name(&plan, s(&t, "population.path")),
            want.population,
            "{name}\n{text}"
        );
        for (g, fields) in want.groups {
            let v = get(&t, &format!("population.groups.{g}"))
                .unwrap_or_else(|| panic!("{name}: group {g}\n{text}"));
            let got: Vec<&str> = match v {
                toml::Value::String(x) => vec![x.as_str()],
                toml::Value::Array(a) => a.iter().map(|x| x.as_str().unwrap()).collect(),
                _ => panic!("{v:?}"),
            };
            assert_eq!(&got, fields, "{name}: group {g}");
        }
        assert_eq!(
            file_name(&plan, s(&t, "facilities.0.path")),
            want.facilities,
            "{name}\n{text}"
        );
        assert_eq!(s(&t, "facilities.0.kind"), want.kind, "{name}\n{text}");
        assert!(
            get(&t, "facilities.1").is_none(),
            "{name}: one facility layer\n{text}"
        );
        // Every guessed value is marked for the planner.
        for key in ["id = ", "name = ", "kind = ", "path = "] {
            for line in text.lines().filter(|l| l.starts_with(key)) {
                assert!(line.contains("# GUESS:"), "{name}: unmarked guess {line}");
            }
        }
        // analyze accepts it as written.
        let out_dir = dir.path().join("out");
        analyze_into(&plan, &out_dir, &[]);
        let rows = cli_common::rows(&out_dir.join("areas.csv"));
        assert!(!rows.is_empty(), "{name}");
    }
}

/// The hand-written plan's own `[[service]]` blocks, with `serves` renamed by `groups`.
fn own_services(hand: &str, groups: &[(&str, &str)]) -> String {
    let at = hand
        .find("[[service]]")
        .expect("the bundle plan has own services");
    let mut s = hand[at..].to_owned();
    for (from, to) in groups {
        s = s.replace(
            &format!("serves = \"{from}\""),
            &format!("serves = \"{to}\""),
        );
    }
    s
}

/// The group a plan gives to a GeoTIFF file name.
fn group_of(t: &toml::Table, file: &str) -> String {
    get(t, "population.groups")
        .and_then(|g| g.as_table())
        .unwrap()
        .iter()
        .find(|(_, v)| v.as_str() == Some(file))
        .map(|(k, _)| k.clone())
        .unwrap_or_else(|| panic!("no group for {file}"))
}

/// Runs init on `inputs`, checks it chose the hand plan's standard and kind mapping, gives it the
/// hand plan's own services, and compares areas.csv with the hand plan's run (byte for byte).
fn same_figures_as_hand_plan(inputs: &[&Path], check: &dyn Fn(&toml::Table, &str)) {
    let bundle = root().join("data/wuchang");
    let hand_path = bundle.join("plan.toml");
    let hand_text = std::fs::read_to_string(&hand_path).unwrap();
    let hand: toml::Table = toml::from_str(&hand_text).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("plan.toml");
    let (code, _, err) = init(inputs, &plan);
    assert_eq!(code, Some(0), "{err}");
    let text = std::fs::read_to_string(&plan).unwrap();
    let t = toml_of(&plan);
    check(&t, &text);
    assert_eq!(get(&t, "standard"), get(&hand, "standard"), "{text}");
    assert_eq!(get(&t, "kinds"), get(&hand, "kinds"), "{text}");
    let hand_groups = [
        (
            group_of(&hand, "pop_60plus.tif"),
            group_of(&t, "pop_60plus.tif"),
        ),
        (
            group_of(&hand, "pop_80plus.tif"),
            group_of(&t, "pop_80plus.tif"),
        ),
    ];
    let renames: Vec<(&str, &str)> = hand_groups
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let full = format!("{text}\n{}", own_services(&hand_text, &renames));
    std::fs::write(&plan, &full).unwrap();
    let (a, b) = (dir.path().join("init_out"), dir.path().join("hand_out"));
    analyze_into(&plan, &a, &[]);
    analyze_into(&hand_path, &b, &[]);
    let (x, y) = (
        std::fs::read(a.join("areas.csv")).unwrap(),
        std::fs::read(b.join("areas.csv")).unwrap(),
    );
    assert!(
        x == y,
        "areas.csv differs:\n{}\n---\n{}",
        String::from_utf8_lossy(&x),
        String::from_utf8_lossy(&y)
    );
    assert_eq!(cli_common::rows(&a.join("areas.csv")).len(), 14 * 5);
}

#[test]
fn init_on_the_chinese_bundle_gives_the_hand_written_figures() {
    same_figures_as_hand_plan(&[&root().join("data/wuchang")], &|t, text| {
        assert_eq!(s(t, "facilities.0.lon"), "lon", "{text}");
        assert_eq!(s(t, "facilities.0.capacity"), "capacity", "{text}");
        assert!(
            text.contains("kinds.care_home = \"养老院\"  # GUESS"),
            "{text}"
        );
        assert!(text.contains("# kinds.nursery"), "{text}");
    });
}

#[test]
fn init_reads_a_gbk_facility_table_with_chinese_headers() {
    let b = root().join("data/wuchang");
    let gbk = root().join("tests/fixtures/init/facilities_gbk.csv");
    assert!(
        std::str::from_utf8(&std::fs::read(&gbk).unwrap()).is_err(),
        "the fixture is GBK"
    );
    same_figures_as_hand_plan(
        &[
            &b.join("streets_approx.geojson"),
            &b.join("pop_60plus.tif"),
            &b.join("pop_80plus.tif"),
            &gbk,
        ],
        &|t, text| {
            for (key, want) in [
                ("lon", "经度"),
                ("lat", "纬度"),
                ("kind", "类型"),
                ("capacity", "床位"),
                ("id", "编号"),
                ("name", "名称"),
            ] {
                assert_eq!(s(t, &format!("facilities.0.{key}")), want, "{text}");
            }
        },
    );
}

#[test]
fn never_overwrites_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("plan.toml");
    std::fs::write(&plan, "# mine").unwrap();
    let (code, _, err) = init(&[&root().join("data/wuchang")], &plan);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("already exists") && err.contains("plan.toml"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&plan).unwrap(), "# mine");
}

#[test]
fn unrecognised_or_bad_files_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let b = root().join("data/wuchang");
    let notes = dir.path().join("notes.csv");
    std::fs::write(&notes, "a,b\nx,1\ny,2\n").unwrap();
    let broken = dir.path().join("broken.geojson");
    std::fs::write(&broken, "{\"type\": \"FeatureCollection\", \"features\": [").unwrap();
    let doc = dir.path().join("report.docx");
    std::fs::write(&doc, "PK").unwrap();
    // Two points with a distinct note each: neither kinds, names of areas nor numbers.
    let points = dir.path().join("points.geojson");
    let pt = |note: &str, x: f64| {
        format!(
            r#"{{"type":"Feature","properties":{{"note":"{note}"}},"geometry":{{"type":"Point","coordinates":[{x},30.5]}}}}"#
        )
    };
    std::fs::write(
        &points,
        format!(
            r#"{{"type":"FeatureCollection","features":[{},{}]}}"#,
            pt("a", 114.3),
            pt("b", 114.31)
        ),
    )
    .unwrap();
    let streets = b.join("streets_approx.geojson");
    for (file, want) in [
        (&notes, "no longitude/latitude columns"),
        (&broken, "broken.geojson"),
        (&doc, "not a layer carecircle reads"),
        (&points, "cannot tell what this GeoJSON layer is for"),
        (&streets, "no population layer found"),
    ] {
        let plan = dir.path().join("plan.toml");
        let args: Vec<&Path> = if file == &streets {
            vec![file]
        } else {
            vec![&streets, file]
        };
        let (code, _, err) = init(&args, &plan);
        assert_eq!(code, Some(2), "{}: {err}", file.display());
        let fname = file.file_name().unwrap().to_string_lossy();
        assert!(
            err.contains(&*fname) && err.contains(want),
            "{fname}: want {want} in {err}"
        );
        assert!(!plan.exists(), "nothing written on failure");
    }
}

#[test]
fn gcj02_facilities_get_a_marked_crs_guess() {
    // The bundle's facilities shifted to GCJ-02 (as a map app would give them): init must say
    // so as validate does, with crs = "GCJ-02" marked as a guess; the WGS 84 original gets none.
    let b = root().join("data/wuchang");
    let dir = tempfile::tempdir().unwrap();
    let gcj = carecircle::Crs::gcj02();
    let text = std::fs::read_to_string(b.join("facilities_synthetic.csv")).unwrap();
    let mut out = String::new();
    for (i, line) in text.lines().enumerate() {
        if i == 0 {
            out.push_str(line);
        } else {
            let mut f: Vec<String> = line.split(',').map(str::to_owned).collect();
            let (lon, lat) = (f[4].parse::<f64>().unwrap(), f[5].parse::<f64>().unwrap());
            let q = gcj.from_wgs84([lon, lat]);
            f[4] = format!("{:.6}", q[0]);
            f[5] = format!("{:.6}", q[1]);
            out.push_str(&f.join(","));
        }
        out.push('\n');
    }
    let shifted = dir.path().join("facilities_gcj.csv");
    std::fs::write(&shifted, out).unwrap();
    let streets = b.join("streets_approx.geojson");
    let (t60, t80) = (b.join("pop_60plus.tif"), b.join("pop_80plus.tif"));
    for (file, want) in [
        (&shifted, true),
        (&b.join("facilities_synthetic.csv"), false),
    ] {
        let plan = dir.path().join(format!("plan_{want}.toml"));
        let (code, _, err) = init(&[&streets, &t60, &t80, file], &plan);
        assert_eq!(code, Some(0), "{err}");
        let text = std::fs::read_to_string(&plan).unwrap();
        let t = toml_of(&plan);
        assert_eq!(
            get(&t, "facilities.0.crs").and_then(|v| v.as_str()),
            want.then_some("GCJ-02"),
            "{text}"
        );
        if want {
            assert!(
                text.contains("crs = \"GCJ-02\"  # GUESS: read as GCJ-02"),
                "{text}"
            );
            analyze_into(&plan, &dir.path().join("out"), &[]);
        }
    }
}
