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

#[path = "binary_loaders/mod.rs"]
mod binary_loaders;

use binary_loaders::mutation_common::{mutate, snapshot, Lcg};
use binary_loaders::*;
use carecircle::load::{geotiff, gpkg, shapefile, xlsx, PANIC_CAUGHT};
use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};
use tiff::encoder::{compression, Compression};

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
            let (label, finding, r) = judge(case, target, &original, &mut rng);
            assert!(
                finding.is_none(),
                "mutation {k} of {label}: {}",
                finding.unwrap()
            );
            refused += r as usize;
        }
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
