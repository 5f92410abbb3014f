//! areas.geojson carries every areas.csv column (issue 13): read back, each feature's
//! properties are `area_id`, `area_name` and `<service>_<column>` for every other areas.csv
//! column, nothing more, with equal values (an empty CSV field is a `null` property, or `""`
//! for a text column; numbers compare as the CSV's text parsed to the same f64).

mod cli_common;

use cli_common::{analyze_into, root};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// areas.csv as its header and rows.
fn csv_table(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut r = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let header = r.headers().unwrap().iter().map(String::from).collect();
    let rows = r
        .records()
        .map(|rec| rec.unwrap().iter().map(String::from).collect())
        .collect();
    (header, rows)
}

/// True when the GeoJSON property `v` holds the areas.csv field `text`.
fn same(text: &str, v: &Value) -> bool {
    match v {
        Value::Null => text.is_empty(),
        Value::String(s) => s == text,
        Value::Bool(b) => text == b.to_string(),
        Value::Number(n) => text.parse::<f64>().ok() == n.as_f64(),
        _ => false,
    }
}

/// Runs `analyze` on `plan` and compares areas.geojson with areas.csv; returns the columns.
fn check(plan: &Path, extra: &[&str]) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    analyze_into(plan, &out, extra);
    let (header, rows) = csv_table(&out.join("areas.csv"));
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (id, name, kind) = (col("area_id"), col("area_name"), col("kind"));
    let gj: Value =
        serde_json::from_slice(&std::fs::read(out.join("areas.geojson")).unwrap()).unwrap();
    let features = gj["features"].as_array().unwrap();
    // Rows are grouped by unit (sorted by id), in the order of the features.
    let mut rest = &rows[..];
    for (k, f) in features.iter().enumerate() {
        let props = f["properties"].as_object().unwrap();
        let unit = props["area_id"].as_str().unwrap();
        let n = rest.iter().take_while(|r| r[id] == unit).count();
        assert!(
            n > 0,
            "{}: feature {k} ({unit}) has no areas.csv row",
            plan.display()
        );
        let (mine, others) = rest.split_at(n);
        rest = others;
        let mut expected = BTreeSet::from(["area_id".to_string(), "area_name".to_string()]);
        assert!(same(&mine[0][name], &props["area_name"]));
        for row in mine {
            for (c, h) in header.iter().enumerate() {
                if c == id || c == name || c == kind {
                    continue;
                }
                let key = format!("{}_{h}", row[kind]);
                let v = props.get(&key).unwrap_or_else(|| {
                    panic!("{}: feature {k} ({unit}) lacks {key}", plan.display())
                });
                assert!(
                    same(&row[c], v),
                    "{}: {unit} {key}: csv {:?}, geojson {v}",
                    plan.display(),
                    row[c]
                );
                expected.insert(key);
            }
        }
        let got: BTreeSet<String> = props.keys().cloned().collect();
        assert_eq!(got, expected, "{}: feature {k} ({unit})", plan.display());
    }
    assert!(
        rest.is_empty(),
        "{}: areas.csv rows without a feature",
        plan.display()
    );
    header
}

/// Whether every `path = "…"` of a plan resolves inside the repository (the plans that read the
/// shared bundles beside it run in tests/shared_data).
fn reads_only_the_repository(plan: &Path, text: &str) -> bool {
    text.lines()
        .filter_map(|l| l.trim().strip_prefix("path"))
        .filter_map(|l| l.trim().strip_prefix('='))
        .filter_map(|v| v.trim().strip_prefix('"')?.split('"').next())
        .all(|v| {
            let mut full = PathBuf::new();
            for c in plan.parent().unwrap().join(v).components() {
                match c {
                    std::path::Component::ParentDir => {
                        full.pop();
                    }
                    c => full.push(c),
                }
            }
            full.starts_with(root())
        })
}

/// Plans in tests/plans that read only data/, and every plan in data/.
fn bundled_plans() -> Vec<PathBuf> {
    let mut plans = Vec::new();
    for dir in ["tests/plans", "data/helsinki", "data/wuchang"] {
        for e in std::fs::read_dir(root().join(dir)).unwrap() {
            let p = e.unwrap().path();
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(&p).unwrap_or_default();
            if name.ends_with(".toml") && reads_only_the_repository(&p, &text) {
                plans.push(p);
            }
        }
    }
    for e in std::fs::read_dir(root().join("data/presets")).unwrap() {
        plans.push(e.unwrap().path().join("plan.toml"));
    }
    plans.sort();
    plans
}

/// Every bundled plan (the E2SFCA plan wuhan_tif_access.toml among them; the presets have
/// rule sources).
#[test]
fn areas_geojson_equals_areas_csv_on_bundled_plans() {
    let plans = bundled_plans();
    assert!(plans.iter().any(|p| p.ends_with("wuhan_tif_access.toml")));
    assert!(plans.len() >= 10, "{plans:?}");
    let mut access = false;
    for p in &plans {
        let header = check(p, &[]);
        access |= header.iter().any(|h| h == "share_below_target");
    }
    assert!(access, "an E2SFCA plan was checked");
}

/// Wuchang with zones, a parent level, official counts, a planned facility and an E2SFCA
/// service, run with `--with-planned`: the columns of each of these are present and equal.
#[test]
fn areas_geojson_equals_areas_csv_with_zones_counts_planned_access() {
    let dir = tempfile::tempdir().unwrap();
    let w = root().join("data/wuchang");
    let mut gj: Value =
        serde_json::from_slice(&std::fs::read(w.join("streets_approx.geojson")).unwrap()).unwrap();
    for (i, f) in gj["features"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .enumerate()
    {
        let p = f["properties"].as_object_mut().unwrap();
        p.insert(
            "zone".into(),
            (if i % 2 == 0 { "inner" } else { "outer" }).into(),
        );
        p.insert(
            "half".into(),
            (if i < 7 { "north" } else { "south" }).into(),
        );
        // Every fifth unit without an official count.
        let count = (i % 5 != 3).then_some(2000.0 + 100.0 * i as f64);
        p.insert("p60".into(), count.into());
    }
    let areas = dir.path().join("streets.geojson");
    std::fs::write(&areas, serde_json::to_vec(&gj).unwrap()).unwrap();
    let planned = dir.path().join("planned.geojson");
    let point = serde_json::json!({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"id": "P1", "kind": "社区食堂", "capacity": 30, "year": 2025},
         "geometry": {"type": "Point", "coordinates": [114.30444, 30.565512]}}]});
    std::fs::write(&planned, point.to_string()).unwrap();
    let plan = dir.path().join("plan.toml");
    let text = format!(
        r#"planned_until = 2030

[areas]
path = "{areas}"
id = "id"
name = "name"
zone = "zone"
parent = "half"
counts.elderly = "p60"

[population]
path = "{w}"
groups.elderly = "pop_60plus.tif"

[[facilities]]
path = "{w}/facilities_synthetic.csv"
lon = "lon"
lat = "lat"
id = "id"
kind = "kind"
capacity = "capacity"

[[service]]
kind = "养老院"
serves = "elderly"
radius_m = 1000
capacity_per_1000 = 40
access = {{ catchment_m = 2000, decay = "gaussian" }}
zones.outer = {{ radius_m = 1500 }}

[[service]]
kind = "社区食堂"
serves = "elderly"
radius_m = 300
min_per_area = 1
coverage_target = 0.5

[[planned]]
path = "{planned}"
id = "id"
kind = "kind"
capacity = "capacity"
year = "year"
"#,
        areas = areas.display(),
        w = w.display(),
        planned = planned.display(),
    );
    std::fs::write(&plan, text).unwrap();
    let header = check(&plan, &["--with-planned"]);
    for c in [
        "zone",
        "official_population",
        "capacity_per_1000_grid",
        "planned_facilities",
        "fixed_by_plan",
        "access_per_1000",
        "share_below_target",
    ] {
        assert!(header.iter().any(|h| h == c), "{c} in {header:?}");
    }
}
