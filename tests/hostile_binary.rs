//! Hostile binary inputs (issue 15) for the loaders of .xlsx, Shapefile (.shp/.dbf), GeoPackage
//! and GeoTIFF.
//!
//! - The inputs that crashed or stalled the program before, one test each: a stray cell at
//!   XFD1048576 and a reference like A99999999999 (dense used range, abort), a shared-string
//!   cell without sharedStrings.xml (panic in calamine), a .dbf claiming 2^31−1 records with a
//!   .cpg (64 GB allocation), a recursive GeoPackage view (grew to 6 GB), a Deflate
//!   decompression bomb (22 s).
//! - Thousands of seeded mutations per loader, in process through the library's loaders: no
//!   panic (neither escaping nor caught by the loaders' last-resort guard), and every error
//!   names the file.
//! - About 100 CLI runs per loader under a 2 GiB address-space cap: exit 0 or 2, never a
//!   crash, and on exit 2 the `--out` folder exactly as it was.
//!
//! Every fixture is small and synthetic, written at the start of a test (the GeoTIFF is a clip
//! of data/wuhan/pop_60plus.tif; the Shapefile is tests/fixtures/formats/gbk_cpg).

#[path = "mutation_common/mod.rs"]
mod mutation_common;

use carecircle::load::{geotiff, gpkg, shapefile, xlsx, PANIC_CAUGHT};
use mutation_common::{mutate, snapshot, Lcg};
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tiff::encoder::{colortype, compression, Compression, TiffEncoder};
use tiff::tags::Tag;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

// ---------------------------------------------------------------------------------------------
// Fixtures

/// A facility list as Excel writes it (rust_xlsxwriter: shared strings, styles), at the walk
/// fixture's coordinates.
fn workbook(path: &Path) {
    use rust_xlsxwriter::Workbook;
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet().set_name("sites").unwrap();
    for (c, h) in ["id", "name", "kind", "beds", "lon", "lat"]
        .iter()
        .enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    let rows = [
        ("S1", "北岸站", "service_station", 10.0, 0.001, 0.0021),
        ("S2", "南岸站", "service_station", 0.0, 0.009, -0.0005),
        ("S3", "老年食堂", "meal_point", 4.0, 0.005, 0.001),
    ];
    for (r, (id, name, kind, beds, lon, lat)) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        ws.write_string(r, 0, *id).unwrap();
        ws.write_string(r, 1, *name).unwrap();
        ws.write_string(r, 2, *kind).unwrap();
        ws.write_number(r, 3, *beds).unwrap();
        ws.write_number(r, 4, *lon).unwrap();
        ws.write_number(r, 5, *lat).unwrap();
    }
    wb.save(path).unwrap();
}

/// A zip archive with its entries stored (not compressed), so that mutations reach the XML.
fn stored_zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let (mut out, mut central) = (Vec::new(), Vec::new());
    for (name, data) in entries {
        let mut crc = flate2::Crc::new();
        crc.update(data);
        let at = out.len() as u32;
        let head = |sig: u32, central: bool| {
            let mut h = sig.to_le_bytes().to_vec();
            if central {
                h.extend(20u16.to_le_bytes()); // made by
            }
            h.extend(20u16.to_le_bytes()); // needed
            h.extend([0u8; 6]); // flags, method (stored), time
            h.extend(0x21u16.to_le_bytes()); // date
            h.extend(crc.sum().to_le_bytes());
            h.extend((data.len() as u32).to_le_bytes());
            h.extend((data.len() as u32).to_le_bytes());
            h.extend((name.len() as u16).to_le_bytes());
            h.extend(0u16.to_le_bytes()); // extra
            if central {
                h.extend([0u8; 6]); // comment length, disk, internal attributes
                h.extend(0u32.to_le_bytes()); // external attributes
                h.extend(at.to_le_bytes());
            }
            h.extend(name.as_bytes());
            h
        };
        out.extend(head(0x0403_4b50, false));
        out.extend(*data);
        central.extend(head(0x0201_4b50, true));
    }
    let (cd_at, cd_len) = (out.len() as u32, central.len() as u32);
    out.extend(central);
    out.extend(0x0605_4b50u32.to_le_bytes());
    out.extend([0u8; 4]);
    out.extend((entries.len() as u16).to_le_bytes());
    out.extend((entries.len() as u16).to_le_bytes());
    out.extend(cd_len.to_le_bytes());
    out.extend(cd_at.to_le_bytes());
    out.extend(0u16.to_le_bytes());
    out
}

/// A minimal .xlsx written by hand: one sheet with `cells` (the XML inside `<sheetData>`), and a
/// shared-string table when `shared` is given.
fn hand_xlsx(cells: &str, shared: Option<&[&str]>) -> Vec<u8> {
    let types = r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#;
    let rels = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
    let workbook = r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="sites" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
    let wb_rels = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#;
    let sheet = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{cells}</sheetData></worksheet>"#
    );
    let sst = shared.map(|s| {
        let items: String = s.iter().map(|t| format!("<si><t>{t}</t></si>")).collect();
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="{0}" uniqueCount="{0}">{items}</sst>"#,
            s.len()
        )
    });
    let mut entries: Vec<(&str, &[u8])> = vec![
        ("[Content_Types].xml", types.as_bytes()),
        ("_rels/.rels", rels.as_bytes()),
        ("xl/workbook.xml", workbook.as_bytes()),
        ("xl/_rels/workbook.xml.rels", wb_rels.as_bytes()),
        ("xl/worksheets/sheet1.xml", sheet.as_bytes()),
    ];
    if let Some(s) = &sst {
        entries.push(("xl/sharedStrings.xml", s.as_bytes()));
    }
    stored_zip(&entries)
}

/// The facility table of [`workbook`] as hand-written cells: inline strings, numbers, and two
/// shared strings (the kinds).
fn hand_cells() -> String {
    let mut x = String::from(
        r#"<row r="1"><c r="A1" t="inlineStr"><is><t>id</t></is></c><c r="B1" t="inlineStr"><is><t>kind</t></is></c><c r="C1" t="inlineStr"><is><t>lon</t></is></c><c r="D1" t="inlineStr"><is><t>lat</t></is></c></row>"#,
    );
    for (r, (id, k, lon, lat)) in [("S1", 0, 0.001, 0.0021), ("S2", 1, 0.009, -0.0005)]
        .iter()
        .enumerate()
    {
        let r = r + 2;
        x += &format!(
            r#"<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>{id}</t></is></c><c r="B{r}" t="s"><v>{k}</v></c><c r="C{r}"><v>{lon}</v></c><c r="D{r}"><v>{lat}</v></c></row>"#
        );
    }
    x
}

/// A small GeoPackage (512-byte pages) with a point table `sites` in EPSG:4326.
fn geopackage(path: &Path) {
    let _ = fs::remove_file(path);
    let c = rusqlite::Connection::open(path).unwrap();
    c.execute_batch(
        "PRAGMA page_size = 512;
         CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY,
           organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL,
           definition TEXT NOT NULL, description TEXT);
         INSERT INTO gpkg_spatial_ref_sys VALUES ('WGS 84', 4326, 'EPSG', 4326, 'undefined', NULL);
         CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL,
           identifier TEXT, srs_id INTEGER);
         INSERT INTO gpkg_contents VALUES ('sites', 'features', 'sites', 4326);
         CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL,
           geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL, z TINYINT, m TINYINT);
         INSERT INTO gpkg_geometry_columns VALUES ('sites', 'geom', 'POINT', 4326, 0, 0);
         CREATE TABLE sites (fid INTEGER PRIMARY KEY, geom BLOB, id TEXT, kind TEXT, beds REAL);",
    )
    .unwrap();
    for (i, (lon, lat, kind)) in [
        (0.001, 0.0021, "service_station"),
        (0.009, -0.0005, "service_station"),
        (0.005, 0.001, "meal_point"),
    ]
    .iter()
    .enumerate()
    {
        let mut g = b"GP\0\x01".to_vec();
        g.extend(4326i32.to_le_bytes());
        g.push(1);
        g.extend(1u32.to_le_bytes());
        g.extend(f64::to_le_bytes(*lon));
        g.extend(f64::to_le_bytes(*lat));
        c.execute(
            "INSERT INTO sites VALUES (?1, ?2, ?3, ?4, ?5)",
            rusqlite::params![i as i64 + 1, g, format!("G{i}"), kind, 5.0 * i as f64],
        )
        .unwrap();
    }
}

/// A populated 24 × 16 window of data/wuhan/pop_60plus.tif (WorldPop, float32, nodata −1),
/// written with `comp` in strips of 4 rows with its GeoTIFF tags; returns the window's
/// lon/lat bounds.
fn tif_clip(path: &Path, comp: Compression) -> [f64; 4] {
    let src = root().join("data/wuhan/pop_60plus.tif");
    let info = geotiff::info(&src).unwrap();
    let g = info.grid;
    let (w, h) = (24u32, 16u32);
    let (r0, c0) = (g.height / 2, g.width / 2);
    let rows = geotiff::fold_rows(
        std::slice::from_ref(&info),
        Vec::new,
        |acc: &mut Vec<(u32, Vec<f64>)>, r, v| {
            if (r0..r0 + h).contains(&r) {
                acc.push((r, v[0][c0 as usize..(c0 + w) as usize].to_vec()));
            }
            Ok(())
        },
    )
    .unwrap();
    let mut data: Vec<f32> = Vec::new();
    for (_, v) in rows.into_iter().flatten() {
        data.extend(v.iter().map(|&x| if x.is_nan() { -1.0 } else { x as f32 }));
    }
    assert_eq!(data.len(), (w * h) as usize);
    assert!(data.iter().any(|&x| x > 1.0), "the window has people");
    let (west, north) = (
        g.x0 + (c0 as f64 - 0.5) * g.dx,
        g.y0 + (r0 as f64 - 0.5) * g.dy,
    );
    let mut enc = TiffEncoder::new(fs::File::create(path).unwrap())
        .unwrap()
        .with_compression(comp);
    let mut img = enc.new_image::<colortype::Gray32Float>(w, h).unwrap();
    img.rows_per_strip(4).unwrap();
    let e = img.encoder();
    e.write_tag(Tag::Unknown(33550), &[g.dx, -g.dy, 0.0][..])
        .unwrap();
    e.write_tag(Tag::Unknown(33922), &[0.0, 0.0, 0.0, west, north, 0.0][..])
        .unwrap();
    e.write_tag(
        Tag::Unknown(34735),
        &[
            1u16, 1, 0, 3, 1024, 0, 1, 2, 1025, 0, 1, 1, 2048, 0, 1, 4326,
        ][..],
    )
    .unwrap();
    e.write_tag(Tag::Unknown(42113), "-1").unwrap();
    img.write_data(&data).unwrap();
    [west, north + h as f64 * g.dy, west + w as f64 * g.dx, north]
}

fn square_geojson(b: [f64; 4]) -> String {
    format!(
        r#"{{"type":"FeatureCollection","features":[{{"type":"Feature","properties":{{"id":"A1","name":"clip"}},"geometry":{{"type":"Polygon","coordinates":[[[{0},{1}],[{2},{1}],[{2},{3}],[{0},{3}],[{0},{1}]]]}}}}]}}"#,
        b[0] - 0.001,
        b[1] - 0.001,
        b[2] + 0.001,
        b[3] + 0.001
    )
}

fn points_geojson(pts: &[[f64; 2]]) -> String {
    let f: Vec<String> = pts
        .iter()
        .enumerate()
        .map(|(i, p)| {
            format!(
                r#"{{"type":"Feature","properties":{{"id":"F{i}","kind":"service_station"}},"geometry":{{"type":"Point","coordinates":[{},{}]}}}}"#,
                p[0], p[1]
            )
        })
        .collect();
    format!(
        r#"{{"type":"FeatureCollection","features":[{}]}}"#,
        f.join(",")
    )
}

const SERVICE: &str = r#"
[[service]]
kind = "service_station"
serves = "elderly"
radius_m = 1000
"#;

/// One loader's case: a folder with a plan and its inputs, the files to mutate, and how to
/// read a (mutated) file in process.
struct Case {
    dir: tempfile::TempDir,
    /// Files to mutate, relative to `dir`.
    targets: Vec<&'static str>,
    /// Reads the layer in process.
    read: fn(&Path) -> Result<(), carecircle::error::Error>,
}

/// The walk fixture's areas and cells, which the xlsx and gpkg facilities lie in.
fn walk_inputs(dir: &Path) {
    for f in ["areas.geojson", "cells.csv"] {
        fs::copy(root().join("tests/fixtures/walk").join(f), dir.join(f)).unwrap();
    }
}

fn xlsx_case(hand: bool) -> Case {
    let dir = tempfile::tempdir().unwrap();
    walk_inputs(dir.path());
    let p = dir.path().join("facilities.xlsx");
    if hand {
        fs::write(
            &p,
            hand_xlsx(&hand_cells(), Some(&["service_station", "meal_point"])),
        )
        .unwrap();
    } else {
        workbook(&p);
    }
    let plan = format!(
        "[areas]\npath = \"areas.geojson\"\nid = \"id\"\nname = \"name\"\n[population]\npath = \"cells.csv\"\nlon = \"lon\"\nlat = \"lat\"\ngroups.elderly = \"pop\"\n[[facilities]]\npath = \"facilities.xlsx\"\nid = \"id\"\nkind = \"kind\"\nlon = \"lon\"\nlat = \"lat\"\n{SERVICE}"
    );
    fs::write(dir.path().join("plan.toml"), plan).unwrap();
    Case {
        dir,
        targets: vec!["facilities.xlsx"],
        read: |p| xlsx::read(p, None).map(|_| ()),
    }
}

fn shapefile_case() -> Case {
    let dir = tempfile::tempdir().unwrap();
    for ext in ["shp", "shx", "dbf", "prj", "cpg"] {
        let f = format!("streets.{ext}");
        fs::copy(
            root().join("tests/fixtures/formats/gbk_cpg").join(&f),
            dir.path().join(&f),
        )
        .unwrap();
    }
    // Cells and a facility inside the streets (CGCS2000 3° Gauss-Krüger zone 38, x 38501000..,
    // y 3380000..: about 114.0105 E, 30.537 N).
    fs::write(
        dir.path().join("cells.csv"),
        "id,lon,lat,pop\nc1,114.0150,30.5415,100\nc2,114.0155,30.5420,50\n",
    )
    .unwrap();
    fs::write(
        dir.path().join("facilities.geojson"),
        points_geojson(&[[114.0152, 30.5418]]),
    )
    .unwrap();
    let plan = format!(
        "[areas]\npath = \"streets.shp\"\nid = \"代码\"\nname = \"名称\"\n[population]\npath = \"cells.csv\"\nlon = \"lon\"\nlat = \"lat\"\ngroups.elderly = \"pop\"\n[[facilities]]\npath = \"facilities.geojson\"\nid = \"id\"\nkind = \"kind\"\n{SERVICE}"
    );
    fs::write(dir.path().join("plan.toml"), plan).unwrap();
    Case {
        dir,
        targets: vec!["streets.shp", "streets.dbf"],
        read: |p| shapefile::read(&p.with_extension("shp")).map(|_| ()),
    }
}

fn gpkg_case() -> Case {
    let dir = tempfile::tempdir().unwrap();
    walk_inputs(dir.path());
    geopackage(&dir.path().join("sites.gpkg"));
    let plan = format!(
        "[areas]\npath = \"areas.geojson\"\nid = \"id\"\nname = \"name\"\n[population]\npath = \"cells.csv\"\nlon = \"lon\"\nlat = \"lat\"\ngroups.elderly = \"pop\"\n[[facilities]]\npath = \"sites.gpkg\"\nid = \"id\"\nkind = \"kind\"\n{SERVICE}"
    );
    fs::write(dir.path().join("plan.toml"), plan).unwrap();
    Case {
        dir,
        targets: vec!["sites.gpkg"],
        read: |p| gpkg::read(p, None).map(|_| ()),
    }
}

fn geotiff_case(comp: Compression) -> Case {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("pop")).unwrap();
    let b = tif_clip(&dir.path().join("pop/pop.tif"), comp);
    fs::write(dir.path().join("areas.geojson"), square_geojson(b)).unwrap();
    let mid = [(b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0];
    fs::write(
        dir.path().join("facilities.geojson"),
        points_geojson(&[mid]),
    )
    .unwrap();
    let plan = format!(
        "[areas]\npath = \"areas.geojson\"\nid = \"id\"\nname = \"name\"\n[population]\npath = \"pop\"\ngroups.elderly = \"pop.tif\"\n[[facilities]]\npath = \"facilities.geojson\"\nid = \"id\"\nkind = \"kind\"\n{SERVICE}"
    );
    fs::write(dir.path().join("plan.toml"), plan).unwrap();
    Case {
        dir,
        targets: vec!["pop/pop.tif"],
        read: |p| {
            let infos = geotiff::infos(&[p.to_owned()])?;
            geotiff::fold_rows(
                &infos,
                || 0.0,
                |s: &mut f64, _, v| {
                    *s += v[0].iter().filter(|x| !x.is_nan()).sum::<f64>();
                    Ok(())
                },
            )
            .map(|_| ())
        },
    }
}

// ---------------------------------------------------------------------------------------------
// Mutation runs

/// Whether error message `m` names `target`: its file name, for a Shapefile either half (a
/// damaged .shp can show as a record count the .dbf does not match), for the raster also the
/// population folder as the plan names it (a layer-level error: "pop: the population layer …").
fn names(m: &str, target: &str) -> bool {
    let name = target.rsplit('/').next().unwrap_or(target);
    m.contains(name)
        || (name.starts_with("streets.") && m.contains("streets."))
        || (target == "pop/pop.tif" && m.contains("error: pop: "))
}

/// Runs `n` seeded mutations of each target of `case` through its in-process reader: no panic
/// escapes, none is caught by the loaders' guard, and every error names the mutated file (or,
/// for a Shapefile, its other half). Returns how many mutations were refused.
fn in_process(case: &Case, n: usize, seed: u64) -> usize {
    let mut rng = Lcg(seed);
    let mut refused = 0;
    for target in &case.targets {
        let path = case.dir.path().join(target);
        let original = fs::read(&path).unwrap();
        // The unmutated file reads.
        (case.read)(&path).unwrap_or_else(|e| panic!("{target} unmutated: {e}"));
        for k in 0..n {
            let (label, bytes) = mutate(&original, &mut rng);
            fs::write(&path, &bytes).unwrap();
            let r = std::panic::catch_unwind(|| (case.read)(&path));
            let Ok(r) = r else {
                panic!("{target} mutation {k} ({label}): the reader panicked")
            };
            if let Err(e) = r {
                refused += 1;
                let m = e.to_string();
                assert!(
                    !m.contains(PANIC_CAUGHT),
                    "{target} mutation {k} ({label}): a panic was caught: {m}"
                );
                assert!(
                    names(&m, target),
                    "{target} mutation {k} ({label}): the error does not name the file: {m}"
                );
            }
        }
        fs::write(&path, &original).unwrap();
    }
    refused
}

/// The CLI command `carecircle analyze plan.toml --out out -q` in `dir`, with its address space
/// capped at 2 GiB (where the platform allows it), so an allocation sized by a file's claims
/// fails fast instead of swapping.
fn analyze(dir: &Path) -> std::process::Output {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("carecircle"));
    cmd.current_dir(dir)
        .args(["analyze", "plan.toml", "--out", "out", "-q"]);
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        use std::os::unix::process::CommandExt;
        // SAFETY: setrlimit is async-signal-safe and touches only the child.
        unsafe {
            cmd.pre_exec(|| {
                let cap = libc::rlimit {
                    rlim_cur: 2 << 30,
                    rlim_max: 2 << 30,
                };
                if libc::setrlimit(libc::RLIMIT_AS, &cap) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
    }
    cmd.output().unwrap()
}

/// Runs `n` CLI analyses on seeded mutations of `case`'s targets: exit 0 or 2 only (never a
/// panic's 101 or an abort's signal), on exit 2 an error naming a file and `--out` left
/// byte-for-byte as it was (a user's file in it included). Returns (exit 0, exit 2) counts.
fn cli_runs(case: &Case, n: usize, seed: u64) -> (usize, usize) {
    let dir = case.dir.path();
    let out = dir.join("out");
    fs::create_dir_all(&out).unwrap();
    fs::write(out.join("notes.txt"), "the planner's own file").unwrap();
    let first = analyze(dir);
    assert_eq!(
        first.status.code(),
        Some(0),
        "unmutated: {}",
        String::from_utf8_lossy(&first.stderr)
    );
    let mut before = snapshot(&out);
    let mut rng = Lcg(seed);
    let (mut ok, mut refused) = (0, 0);
    for k in 0..n {
        let target = case.targets[k % case.targets.len()];
        let path = dir.join(target);
        let original = fs::read(&path).unwrap();
        let (label, bytes) = mutate(&original, &mut rng);
        fs::write(&path, &bytes).unwrap();
        let o = analyze(dir);
        fs::write(&path, &original).unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        match o.status.code() {
            Some(0) => {
                ok += 1;
                before = snapshot(&out);
            }
            Some(2) => {
                refused += 1;
                assert!(
                    !err.contains(PANIC_CAUGHT),
                    "{target} run {k} ({label}): a panic was caught: {err}"
                );
                assert!(
                    names(&err, target),
                    "{target} run {k} ({label}): the error does not name the file: {err}"
                );
                assert!(
                    snapshot(&out) == before,
                    "{target} run {k} ({label}): --out changed on a failed run"
                );
            }
            c => panic!("{target} run {k} ({label}): exit {c:?}: {err}"),
        }
    }
    (ok, refused)
}

/// In-process mutations of every loader (1,500 to 2,100 per loader; a Shapefile's .shp and
/// .dbf 1,000 each): no panic, errors name the file.
#[test]
fn mutations_in_process() {
    let t = Instant::now();
    let cases = [
        ("xlsx (rust_xlsxwriter)", xlsx_case(false), 1000),
        ("xlsx (stored XML)", xlsx_case(true), 1000),
        ("shapefile", shapefile_case(), 1000),
        ("gpkg", gpkg_case(), 1500),
        (
            "geotiff deflate",
            geotiff_case(Compression::Deflate(compression::DeflateLevel::Balanced)),
            800,
        ),
        ("geotiff lzw", geotiff_case(Compression::Lzw), 800),
        (
            "geotiff plain",
            geotiff_case(Compression::Uncompressed),
            500,
        ),
    ];
    for (k, (name, case, n)) in cases.iter().enumerate() {
        let refused = in_process(case, *n, 0x9E37_79B9_7F4A_7C15 ^ k as u64);
        // The mutations must reach the readers' error paths, not only harmless bytes.
        assert!(refused > n / 20, "{name}: only {refused} of {n} refused");
        eprintln!("{name}: {refused} refused, {:?}", t.elapsed());
    }
}

/// About 100 CLI runs per loader: exit 0 or 2, never a crash; `--out` untouched on exit 2.
#[test]
fn mutations_through_the_cli() {
    let cases = [
        ("xlsx", xlsx_case(true), 100),
        ("shapefile", shapefile_case(), 100),
        ("gpkg", gpkg_case(), 100),
        ("geotiff", geotiff_case(Compression::Lzw), 100),
    ];
    for (k, (name, case, n)) in cases.iter().enumerate() {
        let (ok, refused) = cli_runs(case, *n, 0xC2B2_AE3D_27D4_EB4F ^ k as u64);
        assert!(refused > 0, "{name}: no run refused");
        eprintln!("{name}: {ok} ran, {refused} refused");
    }
}

// ---------------------------------------------------------------------------------------------
// The inputs that crashed or stalled it before

fn err_text<T>(r: Result<T, carecircle::error::Error>) -> String {
    match r {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.to_string(),
    }
}

/// One value at XFD1048576 (Excel's last cell) beside a normal table: read as a sparse row
/// (calamine 0.30 allocated the dense 1,048,576 × 16,384 range and aborted).
#[test]
fn issue_15_stray_cell_at_the_last_excel_cell() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("f.xlsx");
    let cells = format!(
        "{}<row r=\"1048576\"><c r=\"XFD1048576\"><v>7</v></c></row>",
        hand_cells()
    );
    fs::write(
        &p,
        hand_xlsx(&cells, Some(&["service_station", "meal_point"])),
    )
    .unwrap();
    let s = xlsx::read(&p, None).unwrap();
    assert_eq!(s.columns, ["id", "kind", "lon", "lat"]);
    assert_eq!(s.rows.len(), 3);
    assert_eq!(
        s.rows[0].get(1),
        &carecircle::load::Value::Text("service_station".into())
    );
    assert_eq!(s.rows[2].number, 1_048_576);
    assert_eq!(s.rows[2].get(16383), &carecircle::load::Value::Num(7.0));
    assert_eq!(s.rows[2].get(0), &carecircle::load::Value::Null);
    // Through the CLI under the 2 GiB cap: refused for its missing coordinates, naming the row.
    let case = xlsx_case(true);
    fs::write(
        case.dir.path().join("facilities.xlsx"),
        fs::read(&p).unwrap(),
    )
    .unwrap();
    let o = analyze(case.dir.path());
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("facilities.xlsx") && err.contains("row 1048576"),
        "{err}"
    );
}

/// A cell reference beyond Excel's grid (A99999999999, whose row overflows 32 bits): a clear
/// error naming the file, not a dense range sized by the wrapped position.
#[test]
fn issue_15_cell_reference_beyond_excel() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("f.xlsx");
    for bad in ["A99999999999", "XFE1", "A1048577"] {
        let cells = format!("{}<row><c r=\"{bad}\"><v>1</v></c></row>", hand_cells());
        fs::write(
            &p,
            hand_xlsx(&cells, Some(&["service_station", "meal_point"])),
        )
        .unwrap();
        let m = err_text(xlsx::read(&p, None));
        assert!(
            m.contains("f.xlsx") && m.contains("beyond Excel's last cell"),
            "{bad}: {m}"
        );
    }
}

/// A shared-string cell in a workbook without sharedStrings.xml (a panic inside calamine 0.30):
/// an error naming the file.
#[test]
fn issue_15_shared_string_without_table() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("f.xlsx");
    fs::write(&p, hand_xlsx(&hand_cells(), None)).unwrap();
    let m = err_text(xlsx::read(&p, None));
    assert!(m.contains("f.xlsx") && m.contains("shared strings"), "{m}");
    assert!(!m.contains(PANIC_CAUGHT), "{m}");
}

/// The legacy .xls format is refused before calamine builds its dense ranges.
#[test]
fn xls_is_refused_with_a_hint() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("f.xls");
    fs::write(&p, b"\xD0\xCF\x11\xE0 not really").unwrap();
    let m = err_text(xlsx::read(&p, None));
    assert!(m.contains("f.xls") && m.contains(".xlsx"), "{m}");
}

/// A .dbf header claiming 2^31 − 1 records, with a .cpg beside it (64 GB were allocated
/// before the truncation check): a truncation error naming the .dbf and the first missing
/// record.
#[test]
fn issue_15_dbf_claiming_two_billion_records() {
    let case = shapefile_case();
    let dbf = case.dir.path().join("streets.dbf");
    let mut b = fs::read(&dbf).unwrap();
    b[4..8].copy_from_slice(&0x7fff_ffffu32.to_le_bytes());
    fs::write(&dbf, &b).unwrap();
    let m = err_text(shapefile::read(&case.dir.path().join("streets.shp")));
    assert!(
        m.contains("streets.dbf") && m.contains("feature 3") && m.contains("2147483647 records"),
        "{m}"
    );
    let o = analyze(case.dir.path());
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// A GeoPackage whose feature layer is a recursive view generating rows without end (it grew
/// to 6 GB): refused once it returns more rows than the file has bytes. A plain view of a
/// table still reads, as the table does.
#[test]
fn issue_15_recursive_view() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("v.gpkg");
    geopackage(&p);
    let c = rusqlite::Connection::open(&p).unwrap();
    c.execute_batch(
        "CREATE VIEW endless AS WITH RECURSIVE r(fid, geom, id, kind) AS
           (SELECT fid, geom, id, kind FROM sites UNION ALL SELECT fid + 3, geom, id, kind FROM r)
           SELECT * FROM r;
         CREATE VIEW plain AS SELECT * FROM sites;
         INSERT INTO gpkg_contents VALUES ('endless', 'features', 'endless', 4326);
         INSERT INTO gpkg_contents VALUES ('plain', 'features', 'plain', 4326);
         INSERT INTO gpkg_geometry_columns VALUES ('endless', 'geom', 'POINT', 4326, 0, 0);
         INSERT INTO gpkg_geometry_columns VALUES ('plain', 'geom', 'POINT', 4326, 0, 0);",
    )
    .unwrap();
    drop(c);
    let t = Instant::now();
    let m = err_text(gpkg::read(&p, Some("endless")));
    assert!(
        m.contains("v.gpkg")
            && m.contains("is a view")
            && m.contains("more rows than the file has bytes"),
        "{m}"
    );
    assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
    let table = gpkg::read(&p, Some("sites")).unwrap();
    let view = gpkg::read(&p, Some("plain")).unwrap();
    assert_eq!(view.layer.features.len(), 3);
    assert_eq!(
        format!("{:?}", view.layer.features),
        format!("{:?}", table.layer.features)
    );
}

/// A GeoPackage whose gpkg_contents is a view (every query on it could run without end).
#[test]
fn gpkg_metadata_view_is_refused() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("m.gpkg");
    geopackage(&p);
    let c = rusqlite::Connection::open(&p).unwrap();
    c.execute_batch(
        "ALTER TABLE gpkg_contents RENAME TO contents_stored;
         CREATE VIEW gpkg_contents AS SELECT * FROM contents_stored;",
    )
    .unwrap();
    drop(c);
    let m = err_text(gpkg::read(&p, None));
    assert!(
        m.contains("m.gpkg") && m.contains("gpkg_contents is a view"),
        "{m}"
    );
}

/// A hand-made GeoTIFF header: `w × h` float32 pixels in strips of `rps` rows, each strip
/// pointing at `streams[k % streams.len()]` (compression `comp`).
fn bomb_tiff(path: &Path, w: u32, h: u32, rps: u32, comp: u16, streams: &[Vec<u8>]) {
    let strips = h.div_ceil(rps) as usize;
    let mut data: Vec<u8> = Vec::new();
    let mut at: Vec<(u32, u32)> = Vec::new();
    for s in streams {
        at.push((8 + data.len() as u32, s.len() as u32));
        data.extend(s);
    }
    let offsets: Vec<u32> = (0..strips).map(|k| at[k % at.len()].0).collect();
    let counts: Vec<u32> = (0..strips).map(|k| at[k % at.len()].1).collect();
    let f64s = |v: &[f64]| v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>();
    let u32s = |v: &[u32]| v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>();
    let u16s = |v: &[u16]| v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>();
    // (tag, type, count, bytes): 3 SHORT, 4 LONG, 12 DOUBLE, 2 ASCII.
    let mut tags: Vec<(u16, u16, u32, Vec<u8>)> = vec![
        (256, 4, 1, u32s(&[w])),
        (257, 4, 1, u32s(&[h])),
        (258, 3, 1, u16s(&[32])),
        (259, 3, 1, u16s(&[comp])),
        (262, 3, 1, u16s(&[1])),
        (273, 4, strips as u32, u32s(&offsets)),
        (277, 3, 1, u16s(&[1])),
        (278, 4, 1, u32s(&[rps])),
        (279, 4, strips as u32, u32s(&counts)),
        (339, 3, 1, u16s(&[3])),
        (33550, 12, 3, f64s(&[0.001, 0.001, 0.0])),
        (33922, 12, 6, f64s(&[0.0, 0.0, 0.0, 100.0, 40.0, 0.0])),
        (34735, 3, 8, u16s(&[1, 1, 0, 1, 2048, 0, 1, 4326])),
    ];
    tags.sort_by_key(|t| t.0);
    let ifd_at = 8 + data.len() as u32;
    let mut extra_at = ifd_at + 2 + 12 * tags.len() as u32 + 4;
    let (mut ifd, mut extra) = ((tags.len() as u16).to_le_bytes().to_vec(), Vec::new());
    for (tag, ty, count, mut bytes) in tags {
        ifd.extend(tag.to_le_bytes());
        ifd.extend(ty.to_le_bytes());
        ifd.extend(count.to_le_bytes());
        if bytes.len() <= 4 {
            bytes.resize(4, 0);
            ifd.extend(bytes);
        } else {
            ifd.extend(extra_at.to_le_bytes());
            extra_at += bytes.len() as u32;
            extra.extend(bytes);
        }
    }
    ifd.extend(0u32.to_le_bytes());
    let mut out = b"II".to_vec();
    out.extend(42u16.to_le_bytes());
    out.extend(ifd_at.to_le_bytes());
    out.extend(data);
    out.extend(ifd);
    out.extend(extra);
    fs::write(path, out).unwrap();
}

fn deflate(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

fn lzw(bytes: &[u8]) -> Vec<u8> {
    weezl::encode::Encoder::with_tiff_size_switch(weezl::BitOrder::Msb, 8)
        .encode(bytes)
        .unwrap()
}

/// The issue's bomb: a file of about 140 KB claiming 60,000 × 60,000 float32 pixels, every
/// strip pointing at one Deflate stream (it took 22 s). Refused at once, naming the codec's
/// bound; the same with LZW, and with one strip whose own bytes cannot hold its pixels.
#[test]
fn issue_15_decompression_bomb() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("bomb.tif");
    // 60 rows of 60,000 zeros per strip: 14.4 MB from one ~14 KB stream, 1,000 strips.
    let strip = vec![0u8; 60 * 60_000 * 4];
    for (comp, stream, codec) in [(8u16, deflate(&strip), "Deflate"), (5, lzw(&strip), "LZW")] {
        bomb_tiff(&p, 60_000, 60_000, 60, comp, std::slice::from_ref(&stream));
        let t = Instant::now();
        let m = err_text(geotiff::info(&p));
        assert!(
            m.contains("bomb.tif") && m.contains(codec) && m.contains("decompression bomb"),
            "{m}"
        );
        assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
        // One strip of its own: 14.4 MB claimed from 10 bytes of it.
        let short = stream[..10].to_vec();
        bomb_tiff(&p, 60_000, 60, 60, comp, &[short]);
        let m = err_text(geotiff::info(&p));
        assert!(m.contains("chunk 0 claims") && m.contains(codec), "{m}");
    }
    // A strip offset past the end of the file (one strip: its offset sits in the IFD entry).
    bomb_tiff(&p, 100, 10, 10, 8, &[deflate(&[0u8; 4000])]);
    let mut b = fs::read(&p).unwrap();
    let ifd = u32::from_le_bytes(b[4..8].try_into().unwrap()) as usize;
    let n = u16::from_le_bytes(b[ifd..ifd + 2].try_into().unwrap()) as usize;
    let e = (0..n)
        .map(|k| ifd + 2 + 12 * k)
        .find(|&e| u16::from_le_bytes(b[e..e + 2].try_into().unwrap()) == 273)
        .unwrap();
    b[e + 8..e + 12].copy_from_slice(&1_000_000u32.to_le_bytes());
    fs::write(&p, &b).unwrap();
    let m = err_text(geotiff::info(&p));
    assert!(
        m.contains("bomb.tif") && m.contains("chunk 0 lies at bytes 1000000"),
        "{m}"
    );
}

/// The codec bounds hold for the encoders' best case (long runs of zeros), so no honest file
/// is refused: zlib's best compression stays within 1,032 : 1, weezl's LZW within 3,413 : 1.
#[test]
fn codec_bounds_hold_for_the_best_compressible_input() {
    for n in [1usize, 258, 10_000, 1 << 20, 14_400_000] {
        let z = vec![0u8; n];
        let (d, l) = (deflate(&z).len(), lzw(&z).len());
        assert!(n <= 1032 * d, "Deflate {n} bytes from {d}");
        assert!(n <= 3413 * l, "LZW {n} bytes from {l}");
    }
}

/// A raster the size of a national WorldPop one (74,000 × 43,000 float32 pixels, one strip a
/// row), with each strip's own honest Deflate stream of zeros: accepted (no fixed pixel limit).
#[test]
fn national_size_raster_passes_the_bound() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("national.tif");
    let stream = deflate(&vec![0u8; 74_000 * 4]);
    let streams = vec![stream; 43_000];
    bomb_tiff(&p, 74_000, 43_000, 1, 8, &streams);
    let info = geotiff::info(&p).unwrap();
    assert_eq!((info.grid.width, info.grid.height), (74_000, 43_000));
}
