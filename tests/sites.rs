//! `carecircle sites` on real data (the repository's data/, see
//! `tests/plans/*.toml`) and on bad input.
//!
//! * Helsinki `--add`: the `new_covered_population` column of `sites.csv` sums to the summary's
//!   objective and to the growth of `covered_population` from `areas.csv` (written by
//!   `analyze`) to `areas_after.csv`; bound ≥ objective; the other services are unchanged.
//! * Independent check: the chosen sites, added to the plan as facilities of the kind, make
//!   `analyze` write exactly the `areas_after.csv` rows of that service.
//! * `reach_lists` equals an all-pairs scan with the analysis' own distance.
//! * `--seed` determinism (also across thread counts); `--per-area-max` and `--exclude` hold.
//! * Wuhan `--fill-blanks` for `street_centre` (candidates: populated cells): afterwards no street
//!   is blank for `no_facility` unless it has no populated cell (hence no candidate), and those
//!   are listed as unfixable.
//! * Capacity-aware mode: each site serves at most its capacity; served sums to the objective.
//! * Unknown `--kind`: exit 2, naming the plan's services, no outputs.

#[path = "sites_common/mod.rs"]
mod sites_common;

use sites_common::*;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Σ covered_population per service of an areas table.
fn covered_by_service(rows: &[BTreeMap<String, String>]) -> BTreeMap<String, f64> {
    let mut m = BTreeMap::new();
    for r in rows {
        *m.entry(r["kind"].clone()).or_insert(0.0) += num(r, "covered_population");
    }
    m
}

#[test]
fn helsinki_add_sums_agree() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let p = plan("helsinki.toml");
    ok(&["analyze", s(&p), "--out", s(&out), "-q"]);
    ok(&[
        "sites",
        s(&p),
        "--kind",
        "social_facility",
        "--add",
        "6",
        "--out",
        s(&out),
        "-q",
    ]);
    // analyze's files are still there.
    for f in ["areas.csv", "summary.json", "report.md"] {
        assert!(out.join(f).exists(), "{f} was removed");
    }
    let summary = json(&out.join("sites_summary.json"));
    // report.md and summary.json are the analysis' with the sites' part added.
    let full = json(&out.join("summary.json"));
    assert_eq!(full["sites"]["objective"], summary["objective"]);
    assert_eq!(full["services"].as_array().map(|v| v.len()), Some(3));
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        md.starts_with("# Gap report") && md.contains("# New sites"),
        "{}",
        &md[..200.min(md.len())]
    );
    let objective = summary["objective"].as_f64().unwrap();
    let bound = summary["bound"].as_f64().unwrap();
    let gap = summary["gap"].as_f64().unwrap();
    assert!(objective > 0.0);
    assert!(
        bound >= objective - 1e-9,
        "bound {bound} < objective {objective}"
    );
    assert!((0.0..1.0).contains(&gap));
    assert!(((bound - objective) / bound - gap).abs() < 1e-9);

    let (header, sites) = read_csv(&out.join("sites.csv"));
    for c in [
        "rank",
        "id",
        "lon",
        "lat",
        "area_id",
        "area_name",
        "new_covered_population",
    ] {
        assert!(header.iter().any(|h| h == c), "sites.csv lacks {c}");
    }
    assert_eq!(sites.len(), 6);
    let col: Vec<f64> = sites
        .iter()
        .map(|r| num(r, "new_covered_population"))
        .collect();
    let sum: f64 = col.iter().sum();
    assert!(
        (sum - objective).abs() < 0.001 * sites.len() as f64,
        "Σ sites.csv {sum} vs objective {objective}"
    );
    for (k, r) in sites.iter().enumerate() {
        assert_eq!(num(r, "rank") as usize, k + 1);
        assert!(!r["area_id"].is_empty(), "site {} lies in no unit", r["id"]);
    }
    // Greedy ranking: what each site adds does not grow down the list.
    assert!(col.windows(2).all(|w| w[1] <= w[0] + 1e-9), "{col:?}");

    let (h0, before) = read_csv(&out.join("areas.csv"));
    let (h1, after) = read_csv(&out.join("areas_after.csv"));
    assert_eq!(h0, h1, "areas_after.csv has the areas.csv columns");
    assert_eq!(before.len(), after.len());
    let (cb, ca) = (covered_by_service(&before), covered_by_service(&after));
    let delta = ca["social_facility"] - cb["social_facility"];
    assert!(
        (delta - objective).abs() < 0.002 * before.len() as f64,
        "Δ covered {delta} vs objective {objective}"
    );
    for (b, a) in before.iter().zip(&after) {
        assert_eq!((&b["area_id"], &b["kind"]), (&a["area_id"], &a["kind"]));
        if b["kind"] != "social_facility" {
            assert_eq!(b, a, "another service changed");
            continue;
        }
        let new_here = sites
            .iter()
            .filter(|x| x["area_id"] == b["area_id"])
            .count() as f64;
        assert_eq!(num(a, "facilities"), num(b, "facilities") + new_here);
        assert!(num(a, "covered_population") >= num(b, "covered_population"));
    }
    let sum_json = summary["new_covered_population"].as_f64().unwrap();
    assert!((sum_json - objective).abs() < 1e-6 * objective.max(1.0));
    assert!(std::fs::read_to_string(out.join("sites_report.md"))
        .unwrap()
        .contains("within"));
    let gj = json(&out.join("sites.geojson"));
    assert_eq!(gj["features"].as_array().unwrap().len(), 6);
}

#[test]
fn helsinki_sites_as_facilities_reproduce_areas_after() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let p = plan("helsinki.toml");
    ok(&[
        "sites",
        s(&p),
        "--kind",
        "social_facility",
        "--add",
        "4",
        "--grid",
        "300m",
        "--out",
        s(&out),
        "-q",
    ]);
    assert_sites_reanalysed_reproduce_areas_after(dir.path(), &p, &out, "social_facility");
}

/// `reach_lists` equals an all-pairs scan with the analysis' distance.
#[test]
fn reach_lists_equal_all_pairs() {
    let plan = carecircle::Plan::load(&plan("helsinki.toml")).unwrap();
    let a = carecircle::run(
        plan,
        &carecircle::Options {
            exact_distances: false,
            progress: &carecircle::analyze::Quiet,
        },
    )
    .unwrap();
    for service in 0..a.services.len() {
        let radius = a.services[service].spec.radius_m;
        let g = a.services[service].spec.group;
        let mut demand: Vec<u32> = (0..a.cells.len() as u32)
            .filter(|&c| a.cells.values[g][c as usize] > 0.0)
            .collect();
        // Both the sorted (fast) order and a scrambled one.
        for scrambled in [false, true] {
            if scrambled {
                demand.reverse();
            } else {
                carecircle::sites::sort_demand(&a, service, &mut demand);
            }
            let cands: Vec<[f64; 2]> = (0..a.cells.len())
                .step_by(7)
                .map(|c| {
                    let p = a.cells.local[c];
                    [p[0] + 37.0, p[1] - 61.0]
                })
                .collect();
            let got = carecircle::sites::reach_lists(&a, service, &demand, &cands);
            for (q, list) in cands.iter().zip(&got) {
                let want: Vec<u32> = (0..demand.len() as u32)
                    .filter(|&i| {
                        a.frame
                            .distance(*q, a.cells.local[demand[i as usize] as usize])
                            <= radius
                    })
                    .collect();
                assert_eq!(list, &want);
            }
        }
    }
}

fn without_timings(mut v: serde_json::Value) -> serde_json::Value {
    let o = v.as_object_mut().unwrap();
    o.remove("timings_s");
    o["settings"].as_object_mut().unwrap().remove("threads");
    v
}

#[test]
fn seed_determinism() {
    let dir = tempfile::tempdir().unwrap();
    let p = plan("helsinki.toml");
    let run = |name: &str, seed: &str, threads: &str| -> PathBuf {
        let out = dir.path().join(name);
        ok(&[
            "sites",
            s(&p),
            "--kind",
            "library",
            "--add",
            "8",
            "--grid",
            "250m",
            "--seed",
            seed,
            "--threads",
            threads,
            "--out",
            s(&out),
            "-q",
        ]);
        out
    };
    let a = run("a", "7", "1");
    let b = run("b", "7", "2");
    let c = run("c", "7", "2");
    for f in [
        "sites.csv",
        "sites.geojson",
        "areas_after.csv",
        "sites_report.md",
    ] {
        let x = std::fs::read(a.join(f)).unwrap();
        assert_eq!(
            x,
            std::fs::read(b.join(f)).unwrap(),
            "{f} differs between thread counts"
        );
        assert_eq!(
            x,
            std::fs::read(c.join(f)).unwrap(),
            "{f} differs between runs"
        );
    }
    assert_eq!(
        without_timings(json(&a.join("sites_summary.json"))),
        without_timings(json(&b.join("sites_summary.json")))
    );
    // Another seed may break ties differently but reaches the same quality band.
    let d = run("d", "8", "2");
    let (oa, od) = (
        json(&a.join("sites_summary.json"))["objective"]
            .as_f64()
            .unwrap(),
        json(&d.join("sites_summary.json"))["objective"]
            .as_f64()
            .unwrap(),
    );
    let bound = json(&a.join("sites_summary.json"))["bound"]
        .as_f64()
        .unwrap();
    assert!(od <= bound + 1e-6 && oa <= bound + 1e-6);
}

#[test]
fn per_area_max_and_exclude_hold() {
    let dir = tempfile::tempdir().unwrap();
    let p = plan("helsinki.toml");
    let out = dir.path().join("capped");
    ok(&[
        "sites",
        s(&p),
        "--kind",
        "library",
        "--add",
        "12",
        "--per-area-max",
        "1",
        "--out",
        s(&out),
        "-q",
    ]);
    let (_, sites) = read_csv(&out.join("sites.csv"));
    let mut per: BTreeMap<String, usize> = BTreeMap::new();
    for r in &sites {
        *per.entry(r["area_id"].clone()).or_default() += 1;
    }
    assert!(per.values().all(|&n| n <= 1), "{per:?}");
    // Exclude a box around the first uncapped pick: it must not be chosen again.
    let free = dir.path().join("free");
    ok(&[
        "sites",
        s(&p),
        "--kind",
        "library",
        "--add",
        "3",
        "--out",
        s(&free),
        "-q",
    ]);
    let (_, first) = read_csv(&free.join("sites.csv"));
    let (x, y) = (num(&first[0], "lon"), num(&first[0], "lat"));
    let d = 0.004;
    let poly = format!(
        r#"{{"type":"FeatureCollection","features":[{{"type":"Feature","properties":{{}},"geometry":{{"type":"Polygon","coordinates":[[[{},{}],[{},{}],[{},{}],[{},{}],[{},{}]]]}}}}]}}"#,
        x - d,
        y - d,
        x + d,
        y - d,
        x + d,
        y + d,
        x - d,
        y + d,
        x - d,
        y - d
    );
    let ex = dir.path().join("exclude.geojson");
    std::fs::write(&ex, poly).unwrap();
    let out2 = dir.path().join("excluded");
    ok(&[
        "sites",
        s(&p),
        "--kind",
        "library",
        "--add",
        "3",
        "--exclude",
        s(&ex),
        "--out",
        s(&out2),
        "-q",
    ]);
    let (_, second) = read_csv(&out2.join("sites.csv"));
    for r in &second {
        let (sx, sy) = (num(r, "lon"), num(r, "lat"));
        assert!(
            !((sx - x).abs() < d && (sy - y).abs() < d),
            "site {} inside the exclusion",
            r["id"]
        );
    }
    assert!(
        json(&out2.join("sites_summary.json"))["candidates"]["excluded"]
            .as_u64()
            .unwrap()
            > 0
    );
}

/// Wuhan, street centres: every street still blank for `no_facility` after `--fill-blanks` has no
/// populated cell (so no candidate), and is reported as unfixable.
#[test]
fn wuhan_fill_blanks_street_centre() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    ok(&[
        "sites",
        s(&plan("wuhan_tif.toml")),
        "--kind",
        "street_centre",
        "--fill-blanks",
        "--out",
        s(&out),
        "-q",
    ]);
    let (_, after) = read_csv(&out.join("areas_after.csv"));
    let summary = json(&out.join("sites_summary.json"));
    let unfixable: Vec<String> = summary["unfixable_units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["area_id"].as_str().unwrap().to_owned())
        .collect();
    let rows: Vec<_> = after
        .iter()
        .filter(|r| r["kind"] == "street_centre")
        .collect();
    assert_eq!(rows.len(), 179);
    for r in &rows {
        if r["reasons"].split(';').any(|x| x == "no_facility") {
            assert_eq!(
                num(r, "population"),
                0.0,
                "street {} still lacks a centre",
                r["area_id"]
            );
            assert!(
                unfixable.contains(&r["area_id"]),
                "{} not reported",
                r["area_id"]
            );
        }
    }
    let before = summary["before"]["units_blank"].as_u64().unwrap();
    let (_, sites) = read_csv(&out.join("sites.csv"));
    assert!(before > 0 && !sites.is_empty());
    // Set cover: a minimal number of sites, never more than the blank streets (one each).
    assert!(sites.len() as u64 <= before);
    assert!(summary["bound"].as_f64().unwrap() <= sites.len() as f64);
    // Each fixed street is named by exactly one site, and sites lie in distinct streets.
    let mut fixed: Vec<&str> = sites
        .iter()
        .flat_map(|r| r["fixes_blank_units"].split(';').filter(|x| !x.is_empty()))
        .collect();
    let n = fixed.len();
    fixed.sort_unstable();
    fixed.dedup();
    assert_eq!(fixed.len(), n);
    let blank_after = rows.iter().filter(|r| r["blank"] == "true").count() as u64;
    assert_eq!(n as u64, before - blank_after);
}

/// Capacity-aware choice (Wuhan nursing homes, `capacity_per_1000` in the plan).
#[test]
fn wuhan_capacity_mode() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    ok(&[
        "sites",
        s(&plan("wuhan_tif.toml")),
        "--kind",
        "nursing_home",
        "--add",
        "5",
        "--capacity",
        "300",
        "--grid",
        "2km",
        "--out",
        s(&out),
        "-q",
    ]);
    let summary = json(&out.join("sites_summary.json"));
    assert_eq!(summary["method"], "max_coverage_capacity");
    let objective = summary["objective"].as_f64().unwrap();
    assert!(summary["bound"].as_f64().unwrap() >= objective - 1e-9);
    let (_, sites) = read_csv(&out.join("sites.csv"));
    assert_eq!(sites.len(), 5);
    let served: Vec<f64> = sites.iter().map(|r| num(r, "served_population")).collect();
    assert!(served.iter().all(|&v| v <= 300.0 + 1e-6), "{served:?}");
    assert!((served.iter().sum::<f64>() - objective).abs() < 0.01);
    // New sites add their capacity to the units they lie in.
    let (_, after) = read_csv(&out.join("areas_after.csv"));
    let cap_after: f64 = after
        .iter()
        .filter(|r| r["kind"] == "nursing_home")
        .map(|r| num(r, "capacity"))
        .sum();
    let cap_before = summary["before"]["capacity"].as_f64().unwrap();
    assert!(
        (cap_after - cap_before - 5.0 * 300.0).abs() < 0.01,
        "{cap_before} -> {cap_after}"
    );
    assert!((summary["after"]["capacity"].as_f64().unwrap() - cap_after).abs() < 0.01);
}

#[test]
fn unknown_kind_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = carecircle(&[
        "sites",
        s(&plan("helsinki.toml")),
        "--kind",
        "kindergarten",
        "--add",
        "3",
        "--out",
        s(&out),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    for name in ["kindergarten", "social_facility", "library", "pharmacy"] {
        assert!(err.contains(name), "stderr does not name {name}: {err}");
    }
    assert!(!out.exists(), "an output folder was created");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert!(leftovers.is_empty(), "staging left behind");
    // Neither --add nor --fill-blanks; both; a bad grid spacing; zero sites.
    let hp = plan("helsinki.toml");
    for args in [
        vec!["--kind", "library"],
        vec!["--kind", "library", "--add", "2", "--fill-blanks"],
        vec!["--kind", "library", "--add", "2", "--grid", "3 arcsec"],
        vec!["--kind", "library", "--add", "0"],
    ] {
        let mut all = vec!["sites", s(&hp)];
        all.extend(args.iter());
        all.extend(["--out", s(&out)]);
        let o = carecircle(&all);
        assert_eq!(o.status.code(), Some(2), "{all:?}");
    }
}

/// Helsinki on foot (the network covers the centre only), pharmacies for the elderly.
#[test]
fn helsinki_sites_on_foot_reproduce_areas_after() {
    sites_on_foot_reproduce_areas_after("helsinki_walk.toml", "pharmacy", 3);
}
