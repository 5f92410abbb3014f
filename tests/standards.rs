//! Built-in planning standards (issue 7, "Presets").
//!
//! - every preset file parses, and every quoted phrase occurs in its source document once
//!   whitespace and footnote markers are removed (checked here on the quoted passages in
//!   tests/fixtures/seed_passages; with the shared-data feature, each passage against the whole
//!   document, and the checker's strictness: the drafts' wrong quotes fail it);
//! - a plan with `standard = "gb50180"` and mappings runs `analyze` on the Helsinki demo and its
//!   services are the preset's, with provenance in areas.csv and report.md; a `[[service]]`
//!   overrides one kind; unmapped kinds are a warning; an unknown id lists the available ones;
//! - preset units match the real street lists by code, then by name.

use carecircle::standards::{self, match_units, occurrences, MatchedBy, Preset};
use carecircle::Plan;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The passages of a preset's source document that the presets quote, normalised, one per line
/// (tests/fixtures/seed_passages, written by examples/seed_passages.rs; with the shared-data
/// feature, tests/shared_data/standards.rs checks that each occurs in the whole document).
fn passages(p: &Preset) -> Vec<String> {
    let Some(source) = &p.source_text else {
        return Vec::new();
    };
    let name = Path::new(source).file_stem().unwrap().to_string_lossy();
    let path = root().join(format!("tests/fixtures/seed_passages/{name}.txt"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: cannot read {}: {e}", p.id, path.display()));
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .map(str::to_owned)
        .collect()
}

/// How often a phrase occurs in the passages (each passage on its own, so no match spans two).
fn found(passages: &[String], q: &str) -> usize {
    passages.iter().map(|d| occurrences(d, q)).sum()
}

/// Every quoted phrase of a preset, with where it sits.
fn quotes(p: &Preset) -> Vec<(String, &str)> {
    let mut q = Vec::new();
    for r in &p.rules {
        for s in &r.quote {
            q.push((format!("rule {}", r.kind), s.as_str()));
        }
        for z in &r.zones {
            for s in &z.quote {
                q.push((format!("rule {} zone {}", r.kind, z.zone), s.as_str()));
            }
        }
    }
    for u in &p.units {
        if let Some(s) = &u.quote {
            q.push((format!("unit {}", u.name), s.as_str()));
        }
    }
    for t in &p.tiers {
        if let Some(s) = &t.quote {
            q.push((format!("tier {}", t.name), s.as_str()));
        }
    }
    q
}

#[test]
fn every_preset_parses_with_a_unique_id_matching_its_file() {
    let sources = standards::sources();
    assert_eq!(sources.len(), 6);
    for (file, text) in sources {
        let p = standards::parse(text).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(format!("{}.toml", p.id), *file);
        assert!(!p.rules.is_empty(), "{file}");
    }
    let ids: Vec<&str> = standards::list().iter().map(|p| p.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "mentougou-2025",
            "shuangqiao-2025",
            "daxing-2023",
            "dongli-2025",
            "yuzhong-2025",
            "gb50180"
        ]
    );
    assert!(standards::get("mentougou-2025").is_some());
    assert!(standards::get("mentougou").is_none());
}

#[test]
fn every_quote_occurs_in_its_source_document() {
    let mut missing = Vec::new();
    let mut checked = 0;
    for p in standards::list() {
        let doc = passages(p);
        for (at, q) in quotes(p) {
            checked += 1;
            if found(&doc, q) == 0 {
                missing.push(format!("{} {at}: “{q}”", p.id));
            }
        }
    }
    assert!(checked > 60, "only {checked} quotes");
    // Only the seed documents are quoted: a preset without one (gb50180: the national
    // standards' texts are not at hand) shows summaries, never quotation marks.
    for p in standards::list() {
        let seed = p
            .source_text
            .as_deref()
            .is_some_and(|s| s.starts_with("seeds/"));
        assert!(
            seed || quotes(p).is_empty(),
            "{} quotes a non-seed text",
            p.id
        );
    }
    let gb = standards::get("gb50180").unwrap();
    assert!(gb.source_text.is_none());
    assert!(gb
        .rules
        .iter()
        .all(|r| r.quote.is_empty() && r.summary.is_some()));
    assert!(
        missing.is_empty(),
        "not in the document:\n{}",
        missing.join("\n")
    );
}

/// A preset can only quote the text it names: gb50180 with a quote and no source_text is
/// refused, as is a rule with neither quote nor summary, and a seed preset without quotes.
#[test]
fn quotes_need_a_source_text_and_summaries_are_not_quotes() {
    let (_, gb) = standards::sources()
        .iter()
        .find(|(f, _)| *f == "gb50180.toml")
        .unwrap();
    let summary =
        "summary = \"养老院、老年养护院按十五分钟生活圈配置；养老床位不少于每千名老年人 40 张\"";
    assert!(gb.contains(summary));
    let quoted = gb.replace(summary, "quote = [\"养老院\"]");
    let e = standards::parse(&quoted).unwrap_err();
    assert!(
        e.contains("rule 'care_home'") && e.contains("no source_text"),
        "{e}"
    );
    let e = standards::parse(&gb.replace(summary, "")).unwrap_err();
    assert!(
        e.contains("rule 'care_home'") && e.contains("summary"),
        "{e}"
    );
    let (_, seed) = standards::sources()
        .iter()
        .find(|(f, _)| *f == "daxing-2023.toml")
        .unwrap();
    let first = seed.lines().find(|l| l.starts_with("quote = [")).unwrap();
    let e = standards::parse(&seed.replacen(first, "summary = \"概述\"", 1)).unwrap_err();
    assert!(e.contains("quote: give at least one"), "{e}");
}

#[test]
fn unit_names_not_marked_inferred_occur_in_the_document() {
    for p in standards::list() {
        let doc = passages(p);
        for u in &p.units {
            if !u.inferred.iter().any(|f| f == "name") {
                assert!(found(&doc, &u.name) > 0, "{} unit {}", p.id, u.name);
            }
        }
    }
}

fn plan_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/plans")
        .join(name)
}

#[test]
fn gb50180_plan_runs_analyze_with_the_presets_services() {
    let path = plan_path("helsinki_gb50180.toml");
    let plan = Plan::load(&path).unwrap();
    let preset = standards::get("gb50180").unwrap();
    let expect = [
        ("day_care", "social_facility"),
        ("canteen", "community_centre"),
    ];
    assert_eq!(plan.services.len(), expect.len());
    for (s, (pk, kind)) in plan.services.iter().zip(expect) {
        let r = preset.rule(pk).unwrap();
        let serves = match r.serves.as_str() {
            "age60" => "elderly",
            "all" => "total",
            g => panic!("unexpected group {g}"),
        };
        assert_eq!((s.id.as_str(), s.kind.as_str()), (kind, kind));
        assert_eq!(s.serves, serves);
        assert_eq!(plan.population.groups[s.group].0, serves);
        assert_eq!(s.radius_m, r.radius_m);
        assert_eq!(Some(s.minutes), r.minutes);
        assert_eq!(s.min_per_area, r.min_per_area);
        assert_eq!(s.coverage_target, r.coverage_target);
        assert_eq!(s.capacity_per_1000, r.capacity_per_1000);
        let src = s.source.as_ref().unwrap();
        assert_eq!(src.preset, "gb50180");
        assert_eq!(src.quotes, r.quote);
        assert_eq!(*src, preset.provenance(r));
    }
    let applied = plan.standard.as_ref().unwrap();
    assert_eq!(applied.unmapped_kinds, ["care_home", "nursery"]);
    assert_eq!(plan.warnings.0.len(), 1);
    let w = &plan.warnings.0[0];
    assert_eq!((w.code.as_str(), w.count), ("standard_unmapped_kinds", 2));
    assert!(w.message.contains("care_home, nursery"), "{}", w.message);

    // The CLI: areas.csv carries the rule's source, report.md the line, the summary the warning.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let run = assert_cmd::Command::cargo_bin("carecircle")
        .unwrap()
        .args(["analyze", "--out"])
        .arg(&out)
        .arg(&path)
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&run.get_output().stdout).into_owned();
    assert!(
        stdout.contains("kinds not mapped by the plan, not evaluated: care_home, nursery"),
        "{stdout}"
    );
    let mut csv = csv::Reader::from_path(out.join("areas.csv")).unwrap();
    let header: Vec<String> = csv.headers().unwrap().iter().map(str::to_owned).collect();
    let col = header.iter().position(|h| h == "rule_source").unwrap();
    let kind_col = header.iter().position(|h| h == "kind").unwrap();
    let mut rows = 0;
    for rec in csv.records() {
        let rec = rec.unwrap();
        let s = plan
            .services
            .iter()
            .find(|s| s.kind == rec[kind_col])
            .unwrap();
        assert_eq!(&rec[col], s.source.as_ref().unwrap().to_string());
        assert!(rec[col].starts_with("依据《GB 50180-2018"), "{}", &rec[col]);
        rows += 1;
    }
    assert_eq!(rows, 30 * 2);
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        report.contains("Source (standard gb50180): 依据《GB 50180-2018 城市居住区规划设计标准》五分钟生活圈：老年人日间照料中心、托儿所、幼儿园和社区食堂按五分钟生活圈配置"),
        "{report}"
    );
    // A summary, not a quotation: no quotation marks around it, and no English digest.
    assert!(!report.contains("：“老年人日间"), "{report}");
    assert!(!report.contains("day care"), "{report}");
}

/// The Helsinki plan text with absolute data paths, so variants can be written anywhere.
fn helsinki_text() -> String {
    let data = root().join("data/helsinki");
    std::fs::read_to_string(plan_path("helsinki_gb50180.toml"))
        .unwrap()
        .replace("../../data/helsinki", &data.to_string_lossy())
}

fn parse(text: &str) -> carecircle::Result<Plan> {
    Plan::parse(text, Path::new("/virtual/plan.toml"))
}

#[test]
fn a_plan_service_overrides_the_preset_per_kind() {
    let text = format!(
        "{}\n[[service]]\nkind = \"community_centre\"\nserves = \"total\"\nradius_m = 750\ncoverage_target = 0.5\n\n[[service]]\nkind = \"library\"\nserves = \"total\"\nradius_m = 1000\n",
        helsinki_text()
    );
    let plan = parse(&text).unwrap();
    let got: Vec<(&str, &str, f64, Option<f64>, bool)> = plan
        .services
        .iter()
        .map(|s| {
            (
                s.kind.as_str(),
                s.serves.as_str(),
                s.radius_m,
                s.coverage_target,
                s.source.is_some(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("social_facility", "elderly", 300.0, None, true),
            ("community_centre", "total", 750.0, Some(0.5), false),
            ("library", "total", 1000.0, None, false),
        ]
    );
    // The whole pipeline runs on it.
    let a = carecircle::run(
        plan,
        &carecircle::Options {
            exact_distances: false,
            progress: &carecircle::analyze::Quiet,
        },
    )
    .unwrap();
    assert_eq!(a.services.len(), 3);
    assert!(a
        .warnings
        .0
        .iter()
        .any(|w| w.code == "standard_unmapped_kinds"));
}

#[test]
fn mapping_errors_name_what_is_wrong() {
    let t = helsinki_text();
    let e = parse(&t.replace("\"gb50180\"", "\"gb50181\""))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("gb50181") && e.contains("mentougou-2025, shuangqiao-2025"),
        "{e}"
    );
    let e = parse(&t.replace("kinds.canteen", "kinds.canteens"))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("kinds.canteens") && e.contains("care_home, day_care, canteen, nursery"),
        "{e}"
    );
    let e = parse(&t.replace("groups.age60 = \"elderly\"\n", ""))
        .unwrap_err()
        .to_string();
    assert!(e.contains("groups.age60"), "{e}");
    let e = parse(&t.replace("groups.age60 = \"elderly\"", "groups.age60 = \"old\""))
        .unwrap_err()
        .to_string();
    assert!(e.contains("\"old\" is not a population group"), "{e}");
    let e = parse(&t.replace("standard = \"gb50180\"\n", ""))
        .unwrap_err()
        .to_string();
    assert!(e.contains("names no standard"), "{e}");
    // Nothing mapped and no services: nothing to evaluate.
    let bare: String = t
        .lines()
        .filter(|l| !l.starts_with("kinds.") && !l.starts_with("groups.a"))
        .collect::<Vec<_>>()
        .join("\n");
    let e = parse(&bare).unwrap_err().to_string();
    assert!(e.contains("no [[service]]"), "{e}");
}

/// (id, name) of every feature of a GeoJSON layer, optionally only one district.
fn streets(district: Option<&str>) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(
        root().join("tests/fixtures/china_districts/seed_streets_approx.geojson"),
    )
    .unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| &f["properties"])
        .filter(|p| district.is_none_or(|d| p["district"] == d))
        .map(|p| {
            (
                p["id"].as_str().unwrap().to_owned(),
                p["name"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn refs(v: &[(String, String)]) -> Vec<(&str, &str)> {
    v.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect()
}

#[test]
fn mentougou_units_match_the_street_layer_by_code_and_by_name() {
    let p = standards::get("mentougou-2025").unwrap();
    let all = streets(None);
    let m = match_units(p, &refs(&all));
    assert_eq!(m.matched.len(), 13);
    assert!(m.unmatched_preset_units.is_empty());
    assert_eq!(m.unmatched_areas.len(), 68 - 13);
    for &(u, a, by) in &m.matched {
        assert_eq!(by, MatchedBy::Code);
        assert_eq!(p.units[u].code.as_deref(), Some(all[a].0.as_str()));
    }
    // Without codes, the names still match (王平地区办事处 ↔ 王平镇, 大峪街道办事处 ↔ 大峪街道),
    // and to the same areas.
    let nameless: Vec<(String, String)> = all
        .iter()
        .map(|(_, n)| (String::new(), n.clone()))
        .collect();
    let by_name = match_units(p, &refs(&nameless));
    assert_eq!(by_name.matched.len(), 13, "{by_name:?}");
    for (&(u, a, by), &(u2, a2, _)) in by_name.matched.iter().zip(&m.matched) {
        assert_eq!((u, a, by), (u2, a2, MatchedBy::Name));
    }
    let wangping = p.units.iter().position(|u| u.name == "王平镇").unwrap();
    let (_, a, _) = by_name.matched.iter().find(|m| m.0 == wangping).unwrap();
    assert_eq!(all[*a].1, "王平地区办事处");
}

#[test]
fn yuzhong_has_eleven_streets_in_the_document_and_nine_in_the_layer() {
    let p = standards::get("yuzhong-2025").unwrap();
    assert_eq!(p.units.len(), 11);
    let layer = streets(Some("渝中区"));
    assert_eq!(layer.len(), 9);
    let m = match_units(p, &refs(&layer));
    assert_eq!(m.matched.len(), 9);
    assert!(m.unmatched_areas.is_empty());
    let missing: Vec<&str> = m
        .unmatched_preset_units
        .iter()
        .map(|&u| p.units[u].name.as_str())
        .collect();
    assert_eq!(missing, ["两路口街道", "大溪沟街道"]);
}

/// The official 2016 lists (adcode CSV, town level) hold every unit of the presets with units.
#[test]
fn preset_units_match_the_official_lists() {
    for (id, file) in [
        ("mentougou-2025", "adcode_110109.csv"),
        ("shuangqiao-2025", "adcode_130802.csv"),
        ("yuzhong-2025", "adcode_500103.csv"),
    ] {
        let p = standards::get(id).unwrap();
        let path = root().join(format!(
            "tests/fixtures/china_districts/gcj02_originals/{file}"
        ));
        let mut r = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_path(path)
            .unwrap();
        let towns: Vec<(String, String)> = r
            .records()
            .map(|x| x.unwrap())
            .filter(|x| &x[3] == "town")
            .map(|x| (x[0].to_owned(), x[2].to_owned()))
            .collect();
        let m = match_units(p, &refs(&towns));
        assert!(m.unmatched_preset_units.is_empty(), "{id}: {m:?}");
        assert_eq!(m.matched.len(), p.units.len());
        // Where the names differ, the stripped names agree: the code is not a lucky guess.
        for &(u, a, _) in &m.matched {
            assert_eq!(
                standards::normalise_unit_name(&p.units[u].name),
                standards::normalise_unit_name(&towns[a].1),
                "{id}"
            );
        }
    }
}

/// Seeded random check against an obvious expectation: areas built from the preset's units
/// (code kept or dropped, name with one of the suffix variants, shuffled) among distractors from
/// the other districts always match back to their own unit.
#[test]
fn random_mixtures_match_back_to_their_units() {
    let p = standards::get("mentougou-2025").unwrap();
    let others: Vec<(String, String)> = streets(None)
        .into_iter()
        .filter(|(id, _)| !id.starts_with("110109"))
        .collect();
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = move |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as usize
    };
    for _ in 0..200 {
        // (id, name, Some(unit) when built from a unit)
        let mut areas: Vec<(String, String, Option<usize>)> = Vec::new();
        for (u, unit) in p.units.iter().enumerate() {
            if next(5) == 0 {
                continue; // the layer lacks this unit
            }
            let stem = standards::normalise_unit_name(&unit.name);
            let suffix = ["街道办事处", "地区办事处", "镇", "街道", ""][next(5)];
            let name = if suffix.is_empty() {
                unit.name.clone()
            } else {
                format!("{stem}{suffix}")
            };
            let id = if next(2) == 0 {
                unit.code.clone().unwrap()
            } else {
                format!("x{u}")
            };
            areas.push((id, name, Some(u)));
        }
        for (id, name) in &others {
            if next(3) == 0 {
                areas.push((id.clone(), name.clone(), None));
            }
        }
        for i in (1..areas.len()).rev() {
            let j = next(i + 1);
            areas.swap(i, j);
        }
        let list: Vec<(&str, &str)> = areas
            .iter()
            .map(|(a, b, _)| (a.as_str(), b.as_str()))
            .collect();
        let m = match_units(p, &list);
        let mut want: BTreeMap<usize, (usize, MatchedBy)> = BTreeMap::new();
        for (a, (id, _, u)) in areas.iter().enumerate() {
            if let Some(u) = u {
                let by = if id.starts_with('x') {
                    MatchedBy::Name
                } else {
                    MatchedBy::Code
                };
                want.insert(*u, (a, by));
            }
        }
        let got: BTreeMap<usize, (usize, MatchedBy)> =
            m.matched.iter().map(|&(u, a, by)| (u, (a, by))).collect();
        assert_eq!(got, want);
        let absent: Vec<usize> = (0..p.units.len())
            .filter(|u| !want.contains_key(u))
            .collect();
        assert_eq!(m.unmatched_preset_units, absent);
        let stray: Vec<usize> = (0..areas.len()).filter(|&a| areas[a].2.is_none()).collect();
        assert_eq!(m.unmatched_areas, stray);
    }
}

#[test]
fn the_standards_command_lists_presets_and_prints_every_quote() {
    let run = |args: &[&str]| {
        let out = assert_cmd::Command::cargo_bin("carecircle")
            .unwrap()
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    };
    let (code, list, _) = run(&["standards"]);
    assert_eq!(code, Some(0));
    for p in standards::list() {
        let line = list
            .lines()
            .find(|l| l.starts_with(&format!("{} ", p.id)))
            .unwrap();
        let fields: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(fields[1], p.rules.len().to_string(), "{line}");
        assert!(line.contains(&format!("《{}》", p.document)), "{line}");
    }
    for p in standards::list() {
        let (code, text, _) = run(&["standards", &p.id]);
        assert_eq!(code, Some(0));
        for (at, q) in quotes(p) {
            assert!(text.contains(q), "{} {at}: “{q}” not printed", p.id);
        }
    }
    let (code, _, err) = run(&["standards", "mentougou"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("available: mentougou-2025"), "{err}");
}
