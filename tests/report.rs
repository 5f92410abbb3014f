//! report.html and report.xlsx on real data (issue 6).
//!
//! - the page loads nothing from anywhere (content-security policy, no remote URLs, system fonts);
//! - its text in Chinese and English matches the snapshots in `tests/snapshots/`
//!   (regenerate with `UPDATE_SNAPSHOTS=1 cargo test --test report`);
//! - report.xlsx holds the areas.csv figures as numbers;
//! - with `CARECIRCLE_BROWSER_TESTS=1`, headless Chromium runs the page's script and the DOM has
//!   one map shape per unit and a label for every blank unit (a screenshot is saved beside it);
//! - the `sites` page: one marker per row of sites.csv, the before/after table, every blank unit
//!   the sites fix shown as fixed on the map and in the table (also in Chromium), and its text
//!   in both languages matches the snapshots;
//! - a plan with a walking network shows the walking figures and says the map is shaded by them.

use assert_cmd::Command;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn plan(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/plans")
        .join(format!("{name}.toml"))
}

/// Runs `analyze` on a plan into a fresh folder.
fn analyze(name: &str, lang: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    Command::cargo_bin("carecircle")
        .unwrap()
        .args(["analyze", "--quiet", "--lang", lang, "--out"])
        .arg(&out)
        .arg(plan(name))
        .assert()
        .success();
    (dir, out)
}

/// Runs `sites --add 6` for social facilities on a plan into a fresh folder.
fn sites(plan: &Path, lang: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    Command::cargo_bin("carecircle")
        .unwrap()
        .args([
            "sites",
            "--quiet",
            "--lang",
            lang,
            "--kind",
            "social_facility",
        ])
        .args(["--add", "6", "--seed", "1", "--out"])
        .arg(&out)
        .arg(plan)
        .assert()
        .success();
    (dir, out)
}

/// A CSV file as rows of strings (header first).
fn read_csv(path: &Path) -> Vec<Vec<String>> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_path(path)
        .unwrap();
    r.records()
        .map(|x| {
            x.unwrap()
                .iter()
                .map(|s| s.trim_start_matches('\u{feff}').to_string())
                .collect()
        })
        .collect()
}

/// The blank units the new sites fix (from sites.csv) and the units blank after
/// (areas_after.csv), for social facilities.
fn fixed_and_still_blank(out: &Path) -> (Vec<String>, Vec<String>) {
    let sites = read_csv(&out.join("sites.csv"));
    let col = sites[0]
        .iter()
        .position(|c| c == "fixes_blank_units")
        .unwrap();
    let fixed: Vec<String> = sites[1..]
        .iter()
        .flat_map(|r| {
            r[col]
                .split(';')
                .filter(|x| !x.is_empty())
                .map(String::from)
        })
        .collect();
    let after = read_csv(&out.join("areas_after.csv"));
    let still: Vec<String> = blank_units(&after)["social_facility"]
        .iter()
        .map(|(id, _)| id.clone())
        .collect();
    (fixed, still)
}

/// areas.csv as rows of strings (header first).
fn areas_csv(out: &Path) -> Vec<Vec<String>> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_path(out.join("areas.csv"))
        .unwrap();
    r.records()
        .map(|x| {
            x.unwrap()
                .iter()
                .map(|s| s.trim_start_matches('\u{feff}').to_string())
                .collect()
        })
        .collect()
}

/// Blank units per service id: (area id, area name).
fn blank_units(csv: &[Vec<String>]) -> BTreeMap<String, Vec<(String, String)>> {
    let h = &csv[0];
    let col = |n: &str| h.iter().position(|c| c == n).unwrap();
    let (id, name, kind, blank) = (col("area_id"), col("area_name"), col("kind"), col("blank"));
    let mut m: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for r in &csv[1..] {
        let e = m.entry(r[kind].clone()).or_default();
        if r[blank] == "true" {
            e.push((r[id].clone(), r[name].clone()));
        }
    }
    m
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// The visible text of the page, one block per line (no styles, script or geometry), with the
/// version replaced so the snapshot survives a release.
fn page_text(html: &str) -> String {
    let mut s = html.to_string();
    for tag in ["style", "script"] {
        while let Some(i) = s.find(&format!("<{tag}")) {
            let close = format!("</{tag}>");
            let j = s[i..]
                .find(&close)
                .map(|j| i + j + close.len())
                .unwrap_or(s.len());
            s.replace_range(i..j, "");
        }
    }
    let mut out = String::new();
    let mut rest = s.as_str();
    while let Some(i) = rest.find('<') {
        out.push_str(&rest[..i]);
        let j = rest[i..].find('>').map(|j| i + j + 1).unwrap_or(rest.len());
        let tag = &rest[i + 1..j - 1];
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        match name.as_str() {
            "td" | "th" | "dd" if !tag.starts_with('/') => out.push_str(" | "),
            "tr" | "p" | "h1" | "h2" | "h3" | "h4" | "li" | "div" | "section" | "br" | "dt"
            | "span" | "title" | "text" | "figcaption" | "header" | "nav" | "a" | "summary" => {
                out.push('\n')
            }
            _ => {}
        }
        rest = &rest[j..];
    }
    out.push_str(rest);
    unescape(&out)
        .replace(env!("CARGO_PKG_VERSION"), "{version}")
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .map(|l| l.trim_start_matches("| ").to_string())
        .filter(|l| !l.is_empty() && l != "|")
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

fn check_snapshot(name: &str, text: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(name);
    if std::env::var("UPDATE_SNAPSHOTS").as_deref() == Ok("1") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "missing snapshot {}: run UPDATE_SNAPSHOTS=1 cargo test --test report",
            path.display()
        )
    });
    if want != text {
        let first = want
            .lines()
            .zip(text.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(want.lines().count().min(text.lines().count()));
        panic!(
            "report text differs from {} at line {}:\n  snapshot: {:?}\n  now:      {:?}\n(if the change is intended: UPDATE_SNAPSHOTS=1 cargo test --test report)",
            path.display(),
            first + 1,
            want.lines().nth(first),
            text.lines().nth(first)
        );
    }
}

#[test]
fn report_html_loads_nothing_remote_and_uses_system_fonts() {
    let (_d, out) = analyze("helsinki", "zh");
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    // A content-security policy that forbids every load except the inline parts.
    let csp_start = html
        .find("http-equiv=\"Content-Security-Policy\" content=\"")
        .expect("a CSP meta tag");
    let csp = &html[csp_start..];
    let csp = &csp[csp.find("content=\"").unwrap() + 9..];
    let csp = &csp[..csp.find('"').unwrap()];
    assert!(csp.contains("default-src 'none'"), "{csp}");
    for d in [
        "style-src 'unsafe-inline'",
        "script-src 'unsafe-inline'",
        "img-src data:",
    ] {
        assert!(csp.contains(d), "{csp} lacks {d}");
    }
    assert!(!csp.contains("http"), "{csp}");
    // The policy comes before anything that could load.
    assert!(csp_start < html.find("<style").unwrap());
    // Nothing refers to another resource.
    let lower = html.to_lowercase();
    for bad in [
        "<link",
        "<img",
        "<iframe",
        "@import",
        "@font-face",
        " src=",
        "url(",
        "http://",
        "https://",
        "//cdn",
    ] {
        assert!(!lower.contains(bad), "report.html contains {bad:?}");
    }
    // System fonts, a CJK stack.
    for f in [
        "\"Noto Sans CJK SC\"",
        "\"Microsoft YaHei\"",
        "\"PingFang SC\"",
        "sans-serif",
    ] {
        assert!(html.contains(f), "font stack lacks {f}");
    }
    assert!(html.contains("<html lang=\"zh-CN\">"));
    // One map per service with one shape per unit; every blank unit is labelled.
    let csv = areas_csv(&out);
    let blank = blank_units(&csv);
    let n_services = blank.len();
    let n_units = (csv.len() - 1) / n_services;
    assert_eq!(
        html.matches("\" data-area-id=\"").count(),
        n_units * n_services
    );
    assert_eq!(html.matches("<figure class=\"map\"").count(), n_services);
    for (service, units) in &blank {
        let sec = &html[html.find(&format!("data-service=\"{service}\"")).unwrap()..];
        let sec = &sec[..sec.find("</section>").unwrap()];
        for (id, name) in units {
            assert!(
                sec.contains(&format!("data-a=\"{id}\">{name}</text>"))
                    || sec.contains(&format!("data-a=\"{id}\" class=\"hidden\">{name}</text>")),
                "blank unit {id} {name} of {service} has no map label"
            );
        }
    }
}

#[test]
fn report_text_snapshot_helsinki_zh_and_en() {
    for lang in ["zh", "en"] {
        let (_d, out) = analyze("helsinki", lang);
        let html = std::fs::read_to_string(out.join("report.html")).unwrap();
        let text = page_text(&html);
        // Reasons read as words in the chosen language.
        if lang == "zh" {
            assert!(
                text.contains("覆盖率 ") && text.contains("，目标 90%"),
                "zh reasons"
            );
            assert!(text.contains("无社会福利设施"));
        } else {
            assert!(
                text.contains("coverage ") && text.contains(", target 90%"),
                "en reasons"
            );
            assert!(text.contains("no social facility"));
        }
        assert!(
            !text.contains("/tmp") && !text.contains("/work/"),
            "paths in the report"
        );
        check_snapshot(&format!("report_helsinki_{lang}.txt"), &text);
    }
}

#[test]
fn report_xlsx_matches_areas_csv() {
    use calamine::{open_workbook, Data, Reader, Xlsx};
    let (_d, out) = analyze("helsinki", "en");
    let csv = areas_csv(&out);
    let header = &csv[0];
    let kind = header.iter().position(|c| c == "kind").unwrap();
    let mut wb: Xlsx<_> = open_workbook(out.join("report.xlsx")).unwrap();
    let names = wb.sheet_names().to_vec();
    let services: Vec<String> = blank_units(&csv).keys().cloned().collect();
    assert_eq!(names.first().map(String::as_str), Some("Summary"));
    assert_eq!(names.last().map(String::as_str), Some("Warnings"));
    assert_eq!(names.len(), services.len() + 2);
    let mut compared = 0;
    for s in &services {
        let range = wb.worksheet_range(s).unwrap();
        let rows: Vec<&[Data]> = range.rows().collect();
        let want: Vec<&Vec<String>> = csv[1..].iter().filter(|r| &r[kind] == s).collect();
        assert_eq!(rows.len(), want.len() + 1, "{s}: rows");
        for (c, h) in header.iter().enumerate() {
            assert_eq!(rows[0][c], Data::String(h.clone()), "{s}: header");
        }
        for (got, want) in rows[1..].iter().zip(&want) {
            for (c, w) in want.iter().enumerate() {
                let g = &got[c];
                let ok = match (header[c].as_str(), g) {
                    ("area_id" | "area_name" | "kind" | "reasons", Data::String(x)) => x == w,
                    (_, Data::Empty) => w.is_empty(),
                    (_, Data::Bool(b)) => w == &b.to_string(),
                    (_, Data::Float(x)) => w.parse::<f64>().ok() == Some(*x),
                    (_, Data::Int(x)) => w.parse::<i64>().ok() == Some(*x),
                    _ => false,
                };
                assert!(ok, "{s}, {}: xlsx {g:?} vs csv {w:?}", header[c]);
                compared += 1;
            }
        }
    }
    assert!(compared > 0);
    // Numbers are numbers: the population column holds no text.
    let range = wb.worksheet_range(&services[0]).unwrap();
    let pop = header.iter().position(|c| c == "population").unwrap();
    assert!(range
        .rows()
        .skip(1)
        .all(|r| matches!(r[pop], Data::Float(_))));
    // Warnings sheet lists what summary.json lists.
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    let warnings = wb.worksheet_range("Warnings").unwrap();
    assert_eq!(
        warnings.rows().count() - 1,
        summary["warnings"].as_array().unwrap().len()
    );
}

#[test]
fn unknown_language_is_refused() {
    let o = Command::cargo_bin("carecircle")
        .unwrap()
        .args(["analyze", "--lang", "fr"])
        .arg(plan("helsinki"))
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("zh or en"));
}

fn chromium() -> Option<String> {
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find(|b| {
            std::process::Command::new(b)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .map(|b| b.to_string())
}

fn headless(browser: &str, profile: &Path) -> std::process::Command {
    let mut c = std::process::Command::new(browser);
    c.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ])
    .arg(format!("--user-data-dir={}", profile.display()));
    c
}

#[test]
fn report_html_runs_in_headless_chromium() {
    if std::env::var("CARECIRCLE_BROWSER_TESTS").as_deref() != Ok("1") {
        eprintln!(
            "skipped: set CARECIRCLE_BROWSER_TESTS=1 to open report.html in headless Chromium"
        );
        return;
    }
    let browser = chromium().expect("CARECIRCLE_BROWSER_TESTS=1 but no chromium on PATH");
    let (d, out) = analyze("helsinki", "zh");
    let page = out.join("report.html");
    let url = format!("file://{}", page.display());
    let dom = headless(&browser, &d.path().join("profile"))
        .arg("--dump-dom")
        .arg(&url)
        .output()
        .unwrap();
    assert!(
        dom.status.success(),
        "{}",
        String::from_utf8_lossy(&dom.stderr)
    );
    let dom = String::from_utf8(dom.stdout).unwrap();
    assert!(
        dom.contains("data-ready=\"1\""),
        "the page's script did not finish"
    );
    let csv = areas_csv(&out);
    let blank = blank_units(&csv);
    let n_units = (csv.len() - 1) / blank.len();
    for (service, units) in &blank {
        let sec = &dom[dom.find(&format!("data-service=\"{service}\"")).unwrap()..];
        let sec = &sec[..sec.find("</section>").unwrap()];
        let map = &sec[sec.find("<svg").unwrap()..];
        let map = &map[..map.find("</svg>").unwrap()];
        assert_eq!(
            map.matches("\" data-area-id=\"").count(),
            n_units,
            "{service}: one shape per unit"
        );
        // The script set the scale bar and the display scale.
        assert!(sec.contains("--u:"), "{service}: no display scale");
        for (id, name) in units {
            assert!(
                map.contains(&format!("data-a=\"{id}\"")),
                "{service}: {id} not outlined"
            );
            assert!(sec.contains(name.as_str()), "{service}: {name} missing");
        }
    }
    // A screenshot to look at (kept in the target folder).
    let shot = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report_helsinki.png");
    let st = headless(&browser, &d.path().join("profile2"))
        .arg(format!("--screenshot={}", shot.display()))
        .arg("--window-size=1400,1000")
        .arg("--virtual-time-budget=3000")
        .arg(&url)
        .output()
        .unwrap();
    assert!(st.status.success());
    assert!(std::fs::metadata(&shot).unwrap().len() > 10_000);
    eprintln!("screenshot: {}", shot.display());
}

fn demo_plan(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("data/helsinki")
        .join(name)
}

/// Checks the sites page (static HTML or the DOM after the script ran) against the CSV files.
fn check_sites_page(page: &str, out: &Path) {
    let rows = read_csv(&out.join("sites.csv")).len() - 1;
    assert!(rows > 0, "no sites chosen");
    // One marker per new site, each with its rank.
    assert_eq!(page.matches("<g class=\"newsite\"").count(), rows);
    for k in 1..=rows {
        assert!(
            page.contains(&format!("data-rank=\"{k}\"")),
            "no marker of rank {k}"
        );
    }
    // One map, one shape per unit, and the before/after table with one row per unit.
    let n_units = read_csv(&out.join("areas_after.csv")).len() - 1;
    let n_units = n_units / blank_units(&read_csv(&out.join("areas_after.csv"))).len();
    assert_eq!(page.matches("<figure class=\"map").count(), 1);
    assert_eq!(page.matches("\" data-area-id=\"").count(), n_units);
    let table = &page[page
        .find("table class=\"gaps beforeafter")
        .expect("before/after table")..];
    let table = &table[..table.find("</table>").unwrap()];
    assert_eq!(table.matches("<tr class=").count(), n_units);
    // Every unit the sites fix is drawn as fixed and listed as fixed; units still blank keep
    // the red outline of the after view.
    let (fixed, still) = fixed_and_still_blank(out);
    assert!(!fixed.is_empty(), "the 6 sites fix no blank unit");
    for id in &fixed {
        assert!(
            page.contains(&format!("class=\"fixed-outline v-after\" data-a=\"{id}\"")),
            "fixed unit {id} not outlined as fixed"
        );
        assert!(
            table.contains(&format!("<tr class=\"fixed\" data-area=\"{id}\"")),
            "fixed unit {id} not marked in the table"
        );
        assert!(!still.contains(id), "{id} fixed and still blank");
    }
    for id in &still {
        assert!(
            page.contains(&format!("class=\"blank-outline v-after\" data-a=\"{id}\"")),
            "still-blank unit {id} not outlined"
        );
    }
}

#[test]
fn sites_report_html_shows_new_sites_and_before_after() {
    let p = plan("helsinki");
    let (_d, out) = sites(&p, "en");
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("default-src 'none'"));
    let lower = html.to_lowercase();
    for bad in ["<link", "<img", "url(", "http://", "https://"] {
        assert!(!lower.contains(bad), "sites report.html contains {bad:?}");
    }
    check_sites_page(&html, &out);
    // The summary states the objective and the bound the solver proved.
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("sites_summary.json")).unwrap()).unwrap();
    let gap = summary["gap"].as_f64().unwrap();
    assert!(
        html.contains(&format!("within {:.2}% of the best possible", gap * 100.0)),
        "gap {gap} not stated"
    );
}

#[test]
fn sites_report_text_snapshot_helsinki_zh_and_en() {
    for lang in ["zh", "en"] {
        let (_d, out) = sites(&plan("helsinki"), lang);
        let text = page_text(&std::fs::read_to_string(out.join("report.html")).unwrap());
        if lang == "zh" {
            assert!(text.contains("新增设施选址报告") && text.contains("新增前"));
        } else {
            assert!(text.contains("New sites report") && text.contains("Fixed by site"));
        }
        assert!(
            !text.contains("/tmp") && !text.contains("/work/"),
            "paths in the report"
        );
        check_snapshot(&format!("sites_helsinki_{lang}.txt"), &text);
    }
}

#[test]
fn walking_plan_report_shows_walking_figures() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    Command::cargo_bin("carecircle")
        .unwrap()
        .args(["analyze", "--quiet", "--lang", "en", "--out"])
        .arg(&out)
        .arg(demo_plan("plan_walk.toml"))
        .assert()
        .success();
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    let text = page_text(&html);
    // The legend names the walking measure; the table has the walking columns.
    assert!(text
        .contains("Share of the unit's served population covered on foot within 15 min (1,000 m)"));
    assert!(
        text.contains("Covered on foot (15 min)") && text.contains("Coverage on foot (15 min)")
    );
    assert!(
        text.contains("Covered on foot within 7.5 min"),
        "pharmacy budget"
    );
    assert!(text.contains("rules judged by walking distance on the street network"));
    // The walking figures in the table are those of areas.csv.
    let csv = areas_csv(&out);
    let h = &csv[0];
    let col = |n: &str| h.iter().position(|c| c == n).unwrap();
    let (id, kind, nc) = (
        col("area_id"),
        col("kind"),
        col("network_covered_population"),
    );
    let mut checked = 0;
    for r in &csv[1..] {
        if r[nc].is_empty() {
            continue;
        }
        let sec = &html[html.find(&format!("data-service=\"{}\"", r[kind])).unwrap()..];
        let sec = &sec[..sec.find("</section>").unwrap()];
        // The column of the walking figure in this service's table.
        let thead = &sec[sec.find("<table class=\"gaps").unwrap()..];
        let thead = &thead[..thead.find("</thead>").unwrap()];
        let pos = thead
            .split("</th>")
            .position(|h| h.contains("Covered on foot ("))
            .expect("a walking column");
        let row = &sec[sec.find(&format!("data-area=\"{}\"", r[id])).unwrap()..];
        let row = &row[..row.find("</tr>").unwrap()];
        let cell = row.split("<td").nth(pos + 1).unwrap();
        let v = &cell[cell.find("data-v=\"").unwrap() + 8..];
        let got: f64 = v[..v.find('"').unwrap()].parse().unwrap();
        let want: f64 = r[nc].parse().unwrap();
        assert!(
            (got - want).abs() < 6e-4,
            "{} {}: walking figure {got} in the page, {want} in areas.csv",
            r[kind],
            r[id]
        );
        checked += 1;
    }
    assert!(checked > 0);
    // The sites page of the walking plan judges on foot too.
    let (_d, out) = sites(&demo_plan("plan_walk.toml"), "en");
    let text = page_text(&std::fs::read_to_string(out.join("report.html")).unwrap());
    assert!(text.contains("Covered on foot within 15 min"));
    assert!(text.contains("Coverage before → after (Covered on foot within 15 min)"));
}

#[test]
fn sites_report_runs_in_headless_chromium() {
    if std::env::var("CARECIRCLE_BROWSER_TESTS").as_deref() != Ok("1") {
        eprintln!(
            "skipped: set CARECIRCLE_BROWSER_TESTS=1 to open the sites report.html in headless Chromium"
        );
        return;
    }
    let browser = chromium().expect("CARECIRCLE_BROWSER_TESTS=1 but no chromium on PATH");
    let (d, out) = sites(&plan("helsinki"), "zh");
    let url = format!("file://{}", out.join("report.html").display());
    let dom = headless(&browser, &d.path().join("profile"))
        .arg("--dump-dom")
        .arg(&url)
        .output()
        .unwrap();
    assert!(
        dom.status.success(),
        "{}",
        String::from_utf8_lossy(&dom.stderr)
    );
    let dom = String::from_utf8(dom.stdout).unwrap();
    assert!(
        dom.contains("data-ready=\"1\""),
        "the page's script did not finish"
    );
    check_sites_page(&dom, &out);
    let shot = Path::new(env!("CARGO_TARGET_TMPDIR")).join("sites_helsinki.png");
    let st = headless(&browser, &d.path().join("profile2"))
        .arg(format!("--screenshot={}", shot.display()))
        .arg("--window-size=1400,1400")
        .arg("--virtual-time-budget=3000")
        .arg(&url)
        .output()
        .unwrap();
    assert!(st.status.success());
    assert!(std::fs::metadata(&shot).unwrap().len() > 10_000);
    eprintln!("screenshot: {}", shot.display());
}

/// `--skip html,xlsx` leaves the two reports out (and removes the ones an earlier run left in
/// the folder) without changing any other output byte.
#[test]
fn skip_leaves_out_the_reports_and_nothing_else() {
    let (_dir, out) = analyze("helsinki", "zh");
    let before: BTreeMap<String, Vec<u8>> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    assert!(before.contains_key("report.html") && before.contains_key("report.xlsx"));
    Command::cargo_bin("carecircle")
        .unwrap()
        .args(["analyze", "--quiet", "--skip", "html,xlsx", "--out"])
        .arg(&out)
        .arg(plan("helsinki"))
        .assert()
        .success();
    let after: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!after
        .iter()
        .any(|n| n.starts_with("report.") && n != "report.md"));
    for (name, bytes) in &before {
        if name == "report.html" || name == "report.xlsx" {
            continue;
        }
        let now = std::fs::read(out.join(name)).unwrap();
        if name == "summary.json" {
            // Stage timings differ between runs; everything else must not.
            let strip = |b: &[u8]| {
                let mut v: serde_json::Value = serde_json::from_slice(b).unwrap();
                v.as_object_mut().unwrap().remove("timings_s");
                v
            };
            assert_eq!(strip(bytes), strip(&now));
        } else {
            assert!(bytes == &now, "{name} changed");
        }
    }
    Command::cargo_bin("carecircle")
        .unwrap()
        .args(["analyze", "--quiet", "--skip", "pdf", "--out"])
        .arg(&out)
        .arg(plan("helsinki"))
        .assert()
        .code(2);
}
