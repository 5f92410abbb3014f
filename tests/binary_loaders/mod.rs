//! The binary loaders under mutation (issue 15): synthetic fixtures for .xlsx, Shapefile,
//! GeoPackage and GeoTIFF (the GeoTIFF is a clip of data/wuhan/pop_60plus.tif, the Shapefile is
//! tests/fixtures/formats/gbk_cpg), one case per loader, and one judge of a seeded mutation.
//! Shared by `tests/hostile_binary.rs` (a fixed number of seeds) and `examples/fuzz_binary.rs`
//! (`scripts/fuzz.sh`: as many seeds as time allows).

#![allow(dead_code)]

#[path = "../mutation_common/mod.rs"]
pub mod mutation_common;

use carecircle::load::{geotiff, gpkg, shapefile, xlsx, PANIC_CAUGHT};
use mutation_common::{mutate, Lcg};
use std::fs;
use std::path::{Path, PathBuf};
use tiff::encoder::{colortype, compression, Compression, TiffEncoder};
use tiff::tags::Tag;

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

// ---------------------------------------------------------------------------------------------
// Fixtures

/// A facility list as Excel writes it (rust_xlsxwriter: shared strings, styles), at the walk
/// fixture's coordinates.
pub fn workbook(path: &Path) {
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
pub fn stored_zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
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
pub fn hand_xlsx(cells: &str, shared: Option<&[&str]>) -> Vec<u8> {
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
pub fn hand_cells() -> String {
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
pub fn geopackage(path: &Path) {
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
pub fn tif_clip(path: &Path, comp: Compression) -> [f64; 4] {
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

pub fn square_geojson(b: [f64; 4]) -> String {
    format!(
        r#"{{"type":"FeatureCollection","features":[{{"type":"Feature","properties":{{"id":"A1","name":"clip"}},"geometry":{{"type":"Polygon","coordinates":[[[{0},{1}],[{2},{1}],[{2},{3}],[{0},{3}],[{0},{1}]]]}}}}]}}"#,
        b[0] - 0.001,
        b[1] - 0.001,
        b[2] + 0.001,
        b[3] + 0.001
    )
}

pub fn points_geojson(pts: &[[f64; 2]]) -> String {
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

pub const SERVICE: &str = r#"
[[service]]
kind = "service_station"
serves = "elderly"
radius_m = 1000
"#;

/// One loader's case: a folder with a plan and its inputs, the files to mutate, and how to
/// read a (mutated) file in process.
pub struct Case {
    pub dir: tempfile::TempDir,
    /// Files to mutate, relative to `dir`.
    pub targets: Vec<&'static str>,
    /// Reads the layer in process.
    pub read: fn(&Path) -> Result<(), carecircle::error::Error>,
}

/// The walk fixture's areas and cells, which the xlsx and gpkg facilities lie in.
pub fn walk_inputs(dir: &Path) {
    for f in ["areas.geojson", "cells.csv"] {
        fs::copy(root().join("tests/fixtures/walk").join(f), dir.join(f)).unwrap();
    }
}

pub fn xlsx_case(hand: bool) -> Case {
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

pub fn shapefile_case() -> Case {
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

pub fn gpkg_case() -> Case {
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

pub fn geotiff_case(comp: Compression) -> Case {
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
pub fn names(m: &str, target: &str) -> bool {
    let name = target.rsplit('/').next().unwrap_or(target);
    m.contains(name)
        || (name.starts_with("streets.") && m.contains("streets."))
        || (target == "pop/pop.tif" && m.contains("error: pop: "))
}

/// One seeded mutation of `target` (a file of `case`) read in process: its replay label and,
/// when it broke a rule, the finding (a panic, escaping or caught by the loaders' guard, or an
/// error that does not name the file). Returns (label, finding, refused). The target is
/// restored afterwards.
pub fn judge(
    case: &Case,
    target: &str,
    original: &[u8],
    rng: &mut Lcg,
) -> (String, Option<String>, bool) {
    let path = case.dir.path().join(target);
    let (label, bytes) = mutate(original, rng);
    fs::write(&path, &bytes).unwrap();
    let r = std::panic::catch_unwind(|| (case.read)(&path));
    fs::write(&path, original).unwrap();
    let label = format!("{target} ({label})");
    match r {
        Err(_) => (label, Some("the reader panicked".into()), false),
        Ok(Ok(())) => (label, None, false),
        Ok(Err(e)) => {
            let m = e.to_string();
            let finding = if m.contains(PANIC_CAUGHT) {
                Some(format!("a panic was caught: {m}"))
            } else if !names(&m, target) {
                Some(format!("the error does not name the file: {m}"))
            } else {
                None
            };
            (label, finding, true)
        }
    }
}

/// The named cases: the two xlsx variants, the Shapefile, the GeoPackage and the three GeoTIFF
/// codecs, for `scripts/fuzz.sh` (`xlsx`, `shapefile`, `gpkg`, `geotiff`).
pub fn cases(loader: &str) -> Vec<(&'static str, Case)> {
    match loader {
        "xlsx" => vec![
            ("xlsx (rust_xlsxwriter)", xlsx_case(false)),
            ("xlsx (stored XML)", xlsx_case(true)),
        ],
        "shapefile" => vec![("shapefile", shapefile_case())],
        "gpkg" => vec![("gpkg", gpkg_case())],
        "geotiff" => vec![
            (
                "geotiff deflate",
                geotiff_case(Compression::Deflate(compression::DeflateLevel::Balanced)),
            ),
            ("geotiff lzw", geotiff_case(Compression::Lzw)),
            ("geotiff plain", geotiff_case(Compression::Uncompressed)),
        ],
        _ => Vec::new(),
    }
}
