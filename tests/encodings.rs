//! CSV encodings and suppressed counts (issue 5): GBK and UTF-16 facility lists as Excel on
//! Chinese Windows writes them, and `null_values = [99]` standing for the Helsinki grid's
//! suppressed age counts.

use assert_cmd::Command;
use carecircle::facility;
use carecircle::load::csv::Encoding;
use carecircle::plan::{FacilitySpec, KindSource};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn helsinki() -> PathBuf {
    root().join("data/helsinki")
}

fn gbk(text: &str) -> Vec<u8> {
    let (b, _, unmappable) = encoding_rs::GBK.encode(text);
    assert!(!unmappable, "the fixture text must be GBK-encodable");
    b.into_owned()
}

fn utf16le_bom(text: &str) -> Vec<u8> {
    let mut b = vec![0xFF, 0xFE];
    b.extend(text.encode_utf16().flat_map(|u| u.to_le_bytes()));
    b
}

const FACILITIES: &str = "名称\t类型\t经度\t纬度\t床位\n\
江汉区养老服务中心\t街道综合养老服务中心\t114.2701\t30.5952\t120\n\
汉阳区社区养老服务站\t社区养老服务站\t114.2188\t30.5549\t\n\
武昌区老年食堂\t老年助餐点\t114.3162\t30.5543\t0\n";

/// A facility read back: kind, name, capacity, position.
type Row = (String, Option<String>, Option<f64>, [f64; 2]);

fn spec(path: &Path) -> FacilitySpec {
    FacilitySpec {
        path: path.to_owned(),
        layer: None,
        crs: None,
        sheet: None,
        lon: Some("经度".into()),
        lat: Some("纬度".into()),
        id: None,
        name: Some("名称".into()),
        kind: KindSource::Field("类型".into()),
        capacity: Some("床位".into()),
        year: None,
    }
}

/// A GBK tab-separated facility list with Chinese headers, names and kinds reads like its
/// UTF-8 original, and says it was read as GBK; so does a UTF-16 file with a BOM.
#[test]
fn gbk_and_utf16_facility_lists_read_like_utf8() {
    let dir = tempfile::tempdir().unwrap();
    let read = |name: &str, bytes: Vec<u8>| {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        let (f, info) = facility::load(&[spec(&p)]).unwrap();
        let rows: Vec<Row> = f
            .into_iter()
            .map(|f| (f.kind, f.name, f.capacity, f.lonlat))
            .collect();
        (rows, info[0].encoding, info[0].null_capacity)
    };
    let utf8 = read("utf8.csv", FACILITIES.as_bytes().to_vec());
    assert_eq!(utf8.1, Encoding::Utf8);
    assert_eq!(utf8.0.len(), 3);
    assert_eq!(utf8.0[0].0, "街道综合养老服务中心");
    assert_eq!(utf8.0[1].1.as_deref(), Some("汉阳区社区养老服务站"));
    assert_eq!(utf8.2, 1);
    let g = read("gbk.csv", gbk(FACILITIES));
    assert_ne!(
        gbk(FACILITIES),
        FACILITIES.as_bytes(),
        "the fixture is not ASCII"
    );
    assert_eq!(g.1, Encoding::Gbk);
    assert_eq!((g.0, g.2), (utf8.0.clone(), utf8.2));
    let u = read("utf16.csv", utf16le_bom(FACILITIES));
    assert_eq!(u.1, Encoding::Utf16);
    assert_eq!((u.0, u.2), (utf8.0, utf8.2));
}

/// Bytes that are neither UTF-8 nor GBK: an error naming the line.
#[test]
fn bytes_in_no_known_encoding_name_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bad.csv");
    let mut b = gbk(FACILITIES);
    b.extend(b"\xFF\xFF\xFF\t\xFF\t114.3\t30.5\t1\n");
    std::fs::write(&p, b).unwrap();
    let e = facility::load(&[spec(&p)]).unwrap_err().to_string();
    assert!(
        e.contains("line 5") && e.contains("neither valid UTF-8 nor GBK"),
        "{e}"
    );
}

/// Runs `analyze` on a plan and returns (areas.csv, summary.json).
fn analyze(plan: &Path) -> (String, serde_json::Value) {
    let out = plan.parent().unwrap().join(format!(
        "out_{}",
        plan.file_stem().unwrap().to_string_lossy()
    ));
    Command::cargo_bin("carecircle")
        .unwrap()
        .args([
            "analyze",
            plan.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "-q",
        ])
        .assert()
        .success();
    (
        std::fs::read_to_string(out.join("areas.csv")).unwrap(),
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap(),
    )
}

fn warnings(summary: &serde_json::Value) -> Vec<(String, String, u64)> {
    let w = summary["warnings"]
        .as_array()
        .unwrap_or_else(|| panic!("summary.json has a warnings array: {summary}"));
    w.iter()
        .map(|x| {
            (
                x["code"].as_str().unwrap().to_string(),
                x["message"].as_str().unwrap().to_string(),
                x["count"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// Through the CLI: the Helsinki facilities as a GBK CSV with Chinese kinds and names (quoted
/// fields, so the `csv` crate path) give the same areas.csv as the UTF-8 CSV, and the run warns
/// that the file was read as GBK.
#[test]
fn cli_reads_a_gbk_facility_list() {
    let dir = tempfile::tempdir().unwrap();
    let src: serde_json::Value =
        serde_json::from_slice(&std::fs::read(helsinki().join("facilities_osm.geojson")).unwrap())
            .unwrap();
    let zh = |k: &str| match k {
        "social_facility" => "养老服务设施",
        "library" => "图书馆",
        "pharmacy" => "药店",
        "doctors" => "医生诊所",
        "clinic" => "门诊部",
        "community_centre" => "社区中心",
        other => panic!("unexpected kind {other}"),
    };
    let mut text = String::from("编号,名称,类型,经度,纬度\n");
    for (i, f) in src["features"].as_array().unwrap().iter().enumerate() {
        let p = &f["properties"];
        let c = &f["geometry"]["coordinates"];
        text.push_str(&format!(
            "{},\"设施{}号\",{},{},{}\n",
            p["id"].as_str().unwrap(),
            i + 1,
            zh(p["kind"].as_str().unwrap()),
            c[0],
            c[1]
        ));
    }
    std::fs::write(dir.path().join("f_utf8.csv"), &text).unwrap();
    std::fs::write(dir.path().join("f_gbk.csv"), gbk(&text)).unwrap();
    let plan = |csv: &str| {
        let areas = helsinki().join("postal_areas.geojson");
        let pop = helsinki().join("population_2015_250m.geojson");
        let t = format!(
            r#"title = "编码"
[areas]
path = "{}"
id = "id"
name = "name"
[population]
path = "{}"
groups.total = "pop_total"
groups.elderly = ["pop_60_69", "pop_70_79", "pop_80plus"]
[[facilities]]
path = "{csv}"
lon = "经度"
lat = "纬度"
id = "编号"
name = "名称"
kind = "类型"
[[service]]
kind = "养老服务设施"
serves = "elderly"
radius_m = 1000
coverage_target = 0.9
[[service]]
kind = "药店"
serves = "total"
radius_m = 500
"#,
            areas.display(),
            pop.display()
        );
        let p = dir.path().join(csv.replace(".csv", ".toml"));
        std::fs::write(&p, t).unwrap();
        p
    };
    let (a, sa) = analyze(&plan("f_utf8.csv"));
    let (b, sb) = analyze(&plan("f_gbk.csv"));
    assert_eq!(a, b);
    assert!(a.contains(",养老服务设施,") && a.contains(",药店,"), "{a}");
    let enc = |s: &serde_json::Value| {
        warnings(s)
            .into_iter()
            .filter(|w| w.0 == "csv_encoding")
            .collect::<Vec<_>>()
    };
    assert!(enc(&sa).is_empty());
    let e = enc(&sb);
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(
        e[0].1.contains("read as GBK") && e[0].1.contains("f_gbk.csv"),
        "{e:?}"
    );
}

/// Suppressed counts: the Helsinki grid marks suppressed age counts with null; a copy where
/// those nulls are 99, read with `null_values = [99]`, gives the same areas.csv and the same
/// null counts. Without `null_values` the 99s count as people, and the figures change.
/// `null_fields` limits the markers to the age fields: one postal area has a cell whose real
/// total is 99 people, which a blanket `null_values = [99]` would drop (found by this test).
#[test]
fn suppressed_99_with_null_values_equals_null() {
    let dir = tempfile::tempdir().unwrap();
    let src = std::fs::read_to_string(helsinki().join("population_2015_250m.geojson")).unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&src).unwrap();
    let mut replaced = 0;
    for f in v["features"].as_array_mut().unwrap() {
        for (k, x) in f["properties"].as_object_mut().unwrap() {
            if k.starts_with("pop_") && x.is_null() {
                *x = serde_json::json!(99);
                replaced += 1;
            }
        }
    }
    assert!(replaced > 20_000, "{replaced}");
    let pop99 = dir.path().join("population_99.geojson");
    std::fs::write(&pop99, serde_json::to_vec(&v).unwrap()).unwrap();
    let orig = std::fs::read_to_string(root().join("tests/plans/helsinki.toml")).unwrap();
    let base = root().join("tests/plans");
    let fix = |t: &str| t.replace("../../data", &base.join("../../data").display().to_string());
    let write = |name: &str, text: String| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    let p_null = write("null.toml", fix(&orig));
    let with99 = fix(&orig).replace(
        &base
            .join("../../data/helsinki/population_2015_250m.geojson")
            .display()
            .to_string(),
        &pop99.display().to_string(),
    );
    assert_ne!(with99, fix(&orig));
    let p_99 = write(
        "n99.toml",
        with99.replace(
            "[population]\n",
            "[population]\nnull_values = [99]\nnull_fields = [\"pop_60_69\", \"pop_70_79\", \"pop_80plus\", \"pop_0_9\"]\n",
        ),
    );
    let p_raw = write("raw99.toml", with99);
    let (a, sa) = analyze(&p_null);
    let (b, sb) = analyze(&p_99);
    assert_eq!(a, b);
    let nulls = |s: &serde_json::Value| {
        warnings(s)
            .into_iter()
            .filter(|w| w.0 == "null_population")
            .map(|w| w.2)
            .collect::<Vec<_>>()
    };
    assert_eq!(nulls(&sa), nulls(&sb));
    assert_eq!(
        nulls(&sa).len(),
        4,
        "pop_0_9 and the three elderly bands have nulls"
    );
    let (c, _) = analyze(&p_raw);
    assert_ne!(a, c, "without null_values the 99s are read as people");
}
