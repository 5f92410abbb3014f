//! GeoTIFF population rasters (issue 5): the real Wuhan WorldPop rasters against the CSV that
//! was derived from them, and small rasters written here (strips and tiles, every sample
//! format, nodata, PixelIsPoint, grids that do not match) against a plain in-memory reading.

#[path = "cli_common/mod.rs"]
mod common;

use carecircle::plan::PopulationSpec;
use carecircle::population::{self, Cells};
use carecircle::warnings::Warnings;
use common::root;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

fn wuhan() -> PathBuf {
    root().join("../shared/data/wuhan")
}

fn spec(path: &Path, groups: &[(&str, &[&str])]) -> PopulationSpec {
    PopulationSpec {
        path: path.to_owned(),
        layer: None,
        crs: None,
        lon: None,
        lat: None,
        id: None,
        cell_size: None,
        null_values: Vec::new(),
        null_fields: Vec::new(),
        growth: Vec::new(),
        groups: groups
            .iter()
            .map(|(g, f)| (g.to_string(), f.iter().map(|s| s.to_string()).collect()))
            .collect(),
    }
}

const BANDS: [&str; 10] = [
    "worldpop_bands/pop_60_f_wuhan.tif",
    "worldpop_bands/pop_60_m_wuhan.tif",
    "worldpop_bands/pop_65_f_wuhan.tif",
    "worldpop_bands/pop_65_m_wuhan.tif",
    "worldpop_bands/pop_70_f_wuhan.tif",
    "worldpop_bands/pop_70_m_wuhan.tif",
    "worldpop_bands/pop_75_f_wuhan.tif",
    "worldpop_bands/pop_75_m_wuhan.tif",
    "worldpop_bands/pop_80_f_wuhan.tif",
    "worldpop_bands/pop_80_m_wuhan.tif",
];

/// The CSV rows: id -> (lon, lat, pop_60plus, pop_80plus).
fn wuhan_csv() -> HashMap<String, [f64; 4]> {
    let mut r = csv::Reader::from_path(wuhan().join("population_60plus_cells.csv")).unwrap();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            let f = |i: usize| rec[i].parse::<f64>().unwrap();
            (rec[0].to_string(), [f(1), f(2), f(3), f(4)])
        })
        .collect()
}

/// Checks the cells against the CSV: the same pixels (ids `r<row>c<col>`, as the CSV names
/// them), centres within the CSV's 6-decimal rounding, values within its 3-decimal rounding,
/// totals within 0.01 %. Group 0 is elderly (60+), group 1 the oldest (80+).
fn check_against_csv(cells: &Cells, csv: &HashMap<String, [f64; 4]>, label: &str) {
    assert_eq!(cells.len(), csv.len(), "{label}: cell count");
    let (mut sum60, mut sum80, mut csv60, mut csv80) = (0.0, 0.0, 0.0, 0.0);
    for c in 0..cells.len() {
        let id = cells.id(c);
        let row = csv
            .get(&id)
            .unwrap_or_else(|| panic!("{label}: cell {id} is not in the CSV"));
        let p = cells.lonlat[c];
        assert!(
            (p[0] - row[0]).abs() <= 0.6e-6 && (p[1] - row[1]).abs() <= 0.6e-6,
            "{label}: cell {id} centre {p:?} vs CSV {row:?}"
        );
        let (v60, v80) = (cells.values[0][c], cells.values[1][c]);
        assert!(
            (v60 - row[2]).abs() <= 0.0005 + 1e-4 && (v80 - row[3]).abs() <= 0.0005 + 1e-4,
            "{label}: cell {id} values ({v60}, {v80}) vs CSV {row:?}"
        );
        sum60 += v60;
        sum80 += v80;
        csv60 += row[2];
        csv80 += row[3];
    }
    assert!(
        ((sum60 - csv60) / csv60).abs() < 1e-4,
        "{label}: 60+ total {sum60} vs CSV {csv60}"
    );
    assert!(
        ((sum80 - csv80) / csv80).abs() < 1e-4,
        "{label}: 80+ total {sum80} vs CSV {csv80}"
    );
    // The README's figure: 1.94 M people aged 60+.
    assert!((1.93e6..1.95e6).contains(&sum60), "{label}: {sum60}");
}

/// pop_60plus.tif (Deflate, floating-point predictor, nodata -1) and the ten WorldPop bands
/// (LZW, nodata -3.4e38), summed pixel by pixel, both give the CSV's cells and totals.
#[test]
fn wuhan_rasters_match_the_csv_derived_from_them() {
    let csv = wuhan_csv();
    let mut w = Warnings::default();
    let summed = spec(
        &wuhan(),
        &[
            ("elderly", &["pop_60plus.tif"]),
            ("oldest", &["pop_80plus.tif"]),
        ],
    );
    let cells = population::load(&summed, &mut w).unwrap();
    check_against_csv(&cells, &csv, "pop_60plus.tif");
    assert!(w.is_empty(), "{w:?}");

    let bands = spec(&wuhan(), &[("elderly", &BANDS), ("oldest", &BANDS[8..])]);
    let cells = population::load(&bands, &mut w).unwrap();
    check_against_csv(&cells, &csv, "ten bands");
    assert!(w.is_empty(), "{w:?}");
}

/// The CSV plan and the raster plan give the same areas.csv, within the CSV's rounding: its
/// values have 3 decimals (each cell off by up to 0.0005) and its centres 6 (up to 5 cm), so
/// populations agree to 0.01 %, and coverage, facility counts, blank flags and reasons agree.
#[test]
fn analyze_on_the_rasters_gives_the_csv_plan_areas() {
    let run = |plan: &str| {
        let dir = common::analyze(plan);
        common::rows(&dir.path().join("out/areas.csv"))
    };
    let a = run("tests/plans/wuhan.toml");
    let b = run("tests/plans/wuhan_tif.toml");
    assert_eq!(a.len(), b.len());
    assert_eq!(a.len(), 179 * 4);
    let num = |r: &HashMap<String, String>, k: &str| r[k].parse::<f64>().unwrap_or(f64::NAN);
    let mut flips = Vec::new();
    let mut totals: HashMap<String, f64> = HashMap::new();
    for (x, y) in a.iter().zip(&b) {
        for k in [
            "area_id",
            "kind",
            "facilities",
            "capacity",
            "blank",
            "reasons",
        ] {
            assert_eq!(x[k], y[k], "{k}: {x:?} vs {y:?}");
        }
        // The CSV rounds cell centres to 1e-6° (≤ 0.11 m): a cell that close to a unit's
        // edge may fall into the neighbour, and one that close to a radius may flip. Such
        // borderline cells are rare and each moves one cell's people.
        for k in ["population", "covered_population"] {
            let (p, q) = (num(x, k), num(y, k));
            if (p - q).abs() > 1e-4 * p.max(q) + 0.05 {
                flips.push((x["area_id"].clone(), x["kind"].clone(), k, p - q));
            }
        }
        *totals.entry(x["kind"].clone()).or_insert(0.0) +=
            num(x, "population") - num(y, "population");
    }
    let areas: std::collections::BTreeSet<&String> = flips.iter().map(|f| &f.0).collect();
    // Measured: 17 units and 56 rows (about 14 cells moved or flipped). Expected order: the
    // units' edges run about 3,600 km; cells within 0.1 m of them are about 0.01 % of 495k.
    assert!(
        areas.len() <= 20,
        "more than rounding-borderline cells: {} units: {flips:?}",
        areas.len()
    );
    let biggest = flips.iter().map(|f| f.3.abs()).fold(0.0, f64::max);
    assert!(
        biggest < 200.0,
        "a difference larger than one cell's people: {flips:?}"
    );
    // Cells only move between units: the population per service is the same.
    for (k, d) in totals {
        assert!(d.abs() < 0.5, "{k}: total population differs by {d}");
    }
}
// ---- small rasters written here ----

/// Sample types the writer can produce.
#[derive(Clone, Copy, Debug)]
enum Sample {
    F32,
    F64,
    I16,
    I32,
    U16,
}

impl Sample {
    fn bits(self) -> u16 {
        match self {
            Sample::I16 | Sample::U16 => 16,
            Sample::F32 | Sample::I32 => 32,
            Sample::F64 => 64,
        }
    }
    fn format(self) -> u16 {
        match self {
            Sample::U16 => 1,
            Sample::I16 | Sample::I32 => 2,
            Sample::F32 | Sample::F64 => 3,
        }
    }
    fn bytes(self, v: f64) -> Vec<u8> {
        match self {
            Sample::F32 => (v as f32).to_le_bytes().to_vec(),
            Sample::F64 => v.to_le_bytes().to_vec(),
            Sample::I16 => (v as i16).to_le_bytes().to_vec(),
            Sample::I32 => (v as i32).to_le_bytes().to_vec(),
            Sample::U16 => (v as u16).to_le_bytes().to_vec(),
        }
    }
}

/// A raster to write: row-major values, the georeferencing and the layout.
struct Tif {
    width: u32,
    height: u32,
    values: Vec<f64>,
    sample: Sample,
    /// `Some((tile_w, tile_h))` for tiles, else strips of `rows_per_strip` rows.
    tiles: Option<(u32, u32)>,
    rows_per_strip: u32,
    /// Upper-left corner of pixel (0, 0) (PixelIsArea) or its centre (PixelIsPoint).
    origin: [f64; 2],
    pixel: f64,
    point: bool,
    epsg: u16,
    nodata: Option<&'static str>,
}

impl Tif {
    fn new(width: u32, height: u32, values: Vec<f64>) -> Tif {
        Tif {
            width,
            height,
            values,
            sample: Sample::F32,
            tiles: None,
            rows_per_strip: 3,
            origin: [114.0, 30.5],
            pixel: 3.0 / 3600.0,
            point: false,
            epsg: 4326,
            nodata: None,
        }
    }

    /// A minimal little-endian, uncompressed GeoTIFF, written by hand so every tag is under
    /// the test's control.
    fn write(&self, path: &Path) {
        let (w, h) = (self.width as usize, self.height as usize);
        let at = |x: usize, y: usize| -> f64 {
            if x < w && y < h {
                self.values[y * w + x]
            } else {
                0.0
            }
        };
        // Chunks: (x0, y0, cw, ch) in pixels; tiles are padded to full size, strips are not.
        let mut chunks = Vec::new();
        match self.tiles {
            Some((tw, th)) => {
                for ty in 0..h.div_ceil(th as usize) {
                    for tx in 0..w.div_ceil(tw as usize) {
                        chunks.push((tx * tw as usize, ty * th as usize, tw as usize, th as usize));
                    }
                }
            }
            None => {
                let r = self.rows_per_strip as usize;
                for s in 0..h.div_ceil(r) {
                    chunks.push((0, s * r, w, r.min(h - s * r)));
                }
            }
        }
        let mut data: Vec<u8> = Vec::new();
        let mut offsets = Vec::new();
        let mut counts = Vec::new();
        let header = 8u32;
        for &(x0, y0, cw, ch) in &chunks {
            offsets.push(header + data.len() as u32);
            let start = data.len();
            for y in y0..y0 + ch {
                for x in x0..x0 + cw {
                    data.extend(self.sample.bytes(at(x, y)));
                }
            }
            counts.push((data.len() - start) as u32);
        }
        if data.len() % 2 == 1 {
            data.push(0);
        }
        // Tags: (tag, type, values as raw little-endian bytes, count).
        let mut tags: Vec<(u16, u16, Vec<u8>, u32)> = Vec::new();
        let shorts = |v: &[u16]| v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>();
        let longs = |v: &[u32]| v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>();
        let doubles = |v: &[f64]| v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>();
        tags.push((256, 4, longs(&[self.width]), 1));
        tags.push((257, 4, longs(&[self.height]), 1));
        tags.push((258, 3, shorts(&[self.sample.bits()]), 1));
        tags.push((259, 3, shorts(&[1]), 1));
        tags.push((262, 3, shorts(&[1]), 1));
        let n = chunks.len() as u32;
        match self.tiles {
            Some((tw, th)) => {
                tags.push((322, 4, longs(&[tw]), 1));
                tags.push((323, 4, longs(&[th]), 1));
                tags.push((324, 4, longs(&offsets), n));
                tags.push((325, 4, longs(&counts), n));
            }
            None => {
                tags.push((273, 4, longs(&offsets), n));
                tags.push((278, 4, longs(&[self.rows_per_strip]), 1));
                tags.push((279, 4, longs(&counts), n));
            }
        }
        tags.push((277, 3, shorts(&[1]), 1));
        tags.push((339, 3, shorts(&[self.sample.format()]), 1));
        tags.push((33550, 12, doubles(&[self.pixel, self.pixel, 0.0]), 3));
        tags.push((
            33922,
            12,
            doubles(&[0.0, 0.0, 0.0, self.origin[0], self.origin[1], 0.0]),
            6,
        ));
        let geokey = if self.epsg == 4326 || self.epsg == 4490 {
            2048
        } else {
            3072
        };
        let model_type = if geokey == 2048 { 2 } else { 1 };
        let keys = [
            1,
            1,
            0,
            3,
            1024,
            0,
            1,
            model_type,
            1025,
            0,
            1,
            if self.point { 2 } else { 1 },
            geokey,
            0,
            1,
            self.epsg,
        ];
        tags.push((34735, 3, shorts(&keys), keys.len() as u32));
        if let Some(nd) = self.nodata {
            let mut b = nd.as_bytes().to_vec();
            b.push(0);
            let len = b.len() as u32;
            tags.push((42113, 2, b, len));
        }
        tags.sort_by_key(|t| t.0);
        // Layout: header, chunk data, then the IFD, then out-of-line tag values.
        let ifd_at = header + data.len() as u32;
        let ifd_len = 2 + 12 * tags.len() as u32 + 4;
        let mut extra: Vec<u8> = Vec::new();
        let mut ifd: Vec<u8> = Vec::new();
        ifd.extend((tags.len() as u16).to_le_bytes());
        for (tag, ty, bytes, count) in &tags {
            ifd.extend(tag.to_le_bytes());
            ifd.extend(ty.to_le_bytes());
            ifd.extend(count.to_le_bytes());
            if bytes.len() <= 4 {
                let mut v = bytes.clone();
                v.resize(4, 0);
                ifd.extend(v);
            } else {
                ifd.extend((ifd_at + ifd_len + extra.len() as u32).to_le_bytes());
                extra.extend(bytes);
                if extra.len() % 2 == 1 {
                    extra.push(0);
                }
            }
        }
        ifd.extend(0u32.to_le_bytes());
        let mut out = b"II".to_vec();
        out.extend(42u16.to_le_bytes());
        out.extend(ifd_at.to_le_bytes());
        out.extend(data);
        out.extend(ifd);
        out.extend(extra);
        std::fs::write(path, out).unwrap();
    }
}

/// Seeded xorshift.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Reads one group made of `files` (in `dir`) with `null_values`.
fn load_group(
    dir: &Path,
    files: &[&str],
    null_values: &[f64],
) -> (carecircle::Result<Cells>, Warnings) {
    let mut s = spec(dir, &[("g", files)]);
    s.null_values = null_values.to_vec();
    let mut w = Warnings::default();
    let r = population::load(&s, &mut w);
    (r, w)
}

/// Random rasters in every sample format, in strips of several heights and in tiles (with
/// partial edge tiles), two files summed: the cells, their ids, centres and values equal a
/// plain reading of the in-memory arrays, and the nodata / negative / null_values counts too.
#[test]
fn random_rasters_equal_a_plain_reading() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    let layouts: [(Option<(u32, u32)>, u32); 4] =
        [(None, 1), (None, 4), (None, 64), (Some((16, 16)), 1)];
    for sample in [
        Sample::F32,
        Sample::F64,
        Sample::I16,
        Sample::I32,
        Sample::U16,
    ] {
        for (li, &(tiles, rps)) in layouts.iter().enumerate() {
            let (w, h) = (17 + rng.below(30) as u32, 11 + rng.below(40) as u32);
            let signed = !matches!(sample, Sample::U16);
            let nodata = if signed { -9999.0 } else { 65535.0 };
            let gen = |rng: &mut Rng| -> Vec<f64> {
                (0..w * h)
                    .map(|_| match rng.below(10) {
                        0..=2 => 0.0,
                        3 => nodata,
                        4 if signed => -(1.0 + rng.below(5) as f64),
                        5 => 99.0,
                        _ => {
                            let v = rng.below(2000) as f64;
                            match sample {
                                Sample::F32 | Sample::F64 => v / 8.0,
                                _ => v,
                            }
                        }
                    })
                    .collect()
            };
            let (a, b) = (gen(&mut rng), gen(&mut rng));
            let names = [
                format!("a_{sample:?}_{li}.tif"),
                format!("b_{sample:?}_{li}.tif"),
            ];
            for (vals, name) in [(&a, &names[0]), (&b, &names[1])] {
                let mut t = Tif::new(w, h, vals.clone());
                t.sample = sample;
                t.tiles = tiles;
                t.rows_per_strip = rps;
                t.nodata = Some(if signed { "-9999" } else { "65535" });
                t.write(&dir.path().join(name));
            }
            let files = [names[0].as_str(), names[1].as_str()];
            let (cells, warnings) = load_group(dir.path(), &files, &[99.0]);
            let cells = cells.unwrap();
            // Plain reading.
            let clean = |v: f64| {
                if v == nodata || v == 99.0 || v < 0.0 {
                    0.0
                } else {
                    v
                }
            };
            let mut want = Vec::new();
            let (mut nulls, mut negs) = ([0u64; 2], [0u64; 2]);
            for r in 0..h {
                for c in 0..w {
                    let k = (r * w + c) as usize;
                    for (f, v) in [a[k], b[k]].into_iter().enumerate() {
                        if v < 0.0 && v != nodata {
                            negs[f] += 1;
                        }
                    }
                    let s = clean(a[k]) + clean(b[k]);
                    if s > 0.0 {
                        for (f, v) in [a[k], b[k]].into_iter().enumerate() {
                            if v == nodata || v == 99.0 {
                                nulls[f] += 1;
                            }
                        }
                        want.push((format!("r{r}c{c}"), r, c, s));
                    }
                }
            }
            let label = format!("{sample:?} layout {li} ({w}×{h})");
            assert_eq!(cells.len(), want.len(), "{label}");
            let d = 3.0 / 3600.0;
            for (i, (id, r, c, s)) in want.iter().enumerate() {
                assert_eq!(&cells.id(i), id, "{label}");
                assert_eq!(cells.values[0][i], *s, "{label} {id}");
                let p = cells.lonlat[i];
                let e = [114.0 + (*c as f64 + 0.5) * d, 30.5 - (*r as f64 + 0.5) * d];
                assert!(
                    (p[0] - e[0]).abs() < 1e-9 && (p[1] - e[1]).abs() < 1e-9,
                    "{label} {id}: {p:?} vs {e:?}"
                );
            }
            // Warnings: fields are sorted by name, so a_* comes first.
            let count = |code: &str, file: &str| {
                warnings
                    .0
                    .iter()
                    .find(|x| x.code == code && x.message.contains(file))
                    .map_or(0, |x| x.count)
            };
            for f in 0..2 {
                assert_eq!(count("null_population", &names[f]), nulls[f], "{label}");
                assert_eq!(count("negative_population", &names[f]), negs[f], "{label}");
            }
        }
    }
}

/// The GDAL_NODATA of a float32 raster is compared as a float32 ("-3.4e+038" as WorldPop
/// writes it is not exactly -3.4e38 once stored as float32); PixelIsPoint puts the tiepoint on
/// the pixel centre rather than its corner.
#[test]
fn float32_nodata_and_pixel_is_point() {
    let dir = tempfile::tempdir().unwrap();
    let nd = -3.4e38f32 as f64;
    let mut t = Tif::new(3, 2, vec![1.5, nd, 0.0, 2.0, -1.0, nd]);
    t.nodata = Some("-3.4e+038");
    t.point = true;
    t.write(&dir.path().join("p.tif"));
    let (cells, w) = load_group(dir.path(), &["p.tif"], &[]);
    let cells = cells.unwrap();
    assert_eq!(cells.len(), 2);
    assert_eq!(cells.values[0], vec![1.5, 2.0]);
    assert_eq!((cells.id(0), cells.id(1)), ("r0c0".into(), "r1c0".into()));
    // PixelIsPoint: the tiepoint (114, 30.5) is the centre of pixel (0, 0).
    assert_eq!(cells.lonlat[0], [114.0, 30.5]);
    // Nodata in unpopulated pixels is not a null cell; the -1 is counted as negative.
    assert!(w.0.iter().all(|x| x.code != "null_population"), "{w:?}");
    let neg =
        w.0.iter()
            .find(|x| x.code == "negative_population")
            .unwrap();
    assert_eq!(neg.count, 1);
}

/// Rasters of one plan must share one grid: the error names both files and both grids.
#[test]
fn rasters_on_different_grids_are_an_error() {
    let dir = tempfile::tempdir().unwrap();
    Tif::new(4, 3, vec![1.0; 12]).write(&dir.path().join("a.tif"));
    let mut shifted = Tif::new(4, 3, vec![1.0; 12]);
    shifted.origin[0] += 0.5 / 3600.0;
    shifted.write(&dir.path().join("b.tif"));
    Tif::new(5, 3, vec![1.0; 15]).write(&dir.path().join("c.tif"));
    for other in ["b.tif", "c.tif"] {
        let e = load_group(dir.path(), &["a.tif", other], &[])
            .0
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("must share one grid") && e.contains("a.tif") && e.contains(other),
            "{e}"
        );
    }
}

/// A projected raster is refused for now with its EPSG code named; a missing file names the
/// file; a plain TIFF without georeferencing says so.
#[test]
fn projected_missing_and_plain_tiffs_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    // A system carecircle cannot convert (Beijing 1954 Gauss–Krüger) is refused by name.
    let mut t = Tif::new(2, 2, vec![1.0; 4]);
    t.epsg = 2435;
    t.origin = [500_000.0, 3_400_000.0];
    t.pixel = 100.0;
    t.write(&dir.path().join("bj54.tif"));
    let e = load_group(dir.path(), &["bj54.tif"], &[])
        .0
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("EPSG:2435") && e.contains("bj54.tif") && e.contains("crs"),
        "{e}"
    );

    let e = load_group(dir.path(), &["nope.tif"], &[])
        .0
        .unwrap_err()
        .to_string();
    assert!(e.contains("nope.tif") && e.contains("not a file"), "{e}");

    std::fs::write(dir.path().join("junk.tif"), b"not a tiff at all").unwrap();
    let e = load_group(dir.path(), &["junk.tif"], &[])
        .0
        .unwrap_err()
        .to_string();
    assert!(e.contains("junk.tif") && e.contains("GeoTIFF"), "{e}");
}

/// A raster in the CGCS2000 Gauss–Krüger zone of Wuhan (EPSG:4547, 100 m pixels) is read in
/// its own system: one cell per populated pixel, its footprint the pixel square converted to
/// WGS 84 corner by corner (with carecircle's inverse, tested against PROJ in `crs::tests`), so
/// each footprint measures 100 m × 100 m in the local frame (to the zone's scale error, under
/// 0.1 % this close to the central meridian), and the values are the raster's.
#[test]
fn projected_raster_pixels_become_square_cells() {
    let dir = tempfile::tempdir().unwrap();
    let (w, h) = (7u32, 5u32);
    let values: Vec<f64> = (0..w * h)
        .map(|k| if k % 4 == 0 { 0.0 } else { k as f64 })
        .collect();
    let mut t = Tif::new(w, h, values.clone());
    t.epsg = 4547;
    t.origin = [520_000.0, 3_400_000.0];
    t.pixel = 100.0;
    t.write(&dir.path().join("gk.tif"));
    let (cells, _) = load_group(dir.path(), &["gk.tif"], &[]);
    let cells = cells.unwrap();
    let populated = values.iter().filter(|v| **v > 0.0).count();
    assert_eq!(cells.len(), populated);
    let total: f64 = cells.values[0].iter().sum();
    assert_eq!(total, values.iter().sum::<f64>());
    let crs = carecircle::Crs::from_epsg(4547).unwrap();
    let carecircle::population::Footprints::Polygons(polys) = &cells.footprints else {
        panic!("projected pixels must be polygon cells");
    };
    let frame = carecircle::projection::Frame::new(114.2, 30.7);
    for (c, poly) in polys.iter().enumerate() {
        let ring = &poly[0][0];
        assert_eq!(ring.len(), 5);
        // The centre is the pixel centre converted; the ring is its square.
        let q = crs.from_wgs84(cells.lonlat[c]);
        let (col, row) = (((q[0] - 520_050.0) / 100.0), ((3_399_950.0 - q[1]) / 100.0));
        assert!(
            (col - col.round()).abs() < 1e-6 && (row - row.round()).abs() < 1e-6,
            "{q:?}"
        );
        let local: Vec<[f64; 2]> = ring.iter().map(|p| frame.to_local(p[0], p[1])).collect();
        let area: f64 = local
            .windows(2)
            .map(|w| w[0][0] * w[1][1] - w[1][0] * w[0][1])
            .sum::<f64>()
            / 2.0;
        assert!((area - 10_000.0).abs() < 10.0, "footprint area {area} m²");
    }
    // End to end: one area around the raster, one facility at its middle; every person is in
    // the area and the blank spots (uncovered pixels dissolved) hold exactly the uncovered ones.
    let corners: Vec<[f64; 2]> = [
        [519_900.0, 3_399_400.0],
        [521_000.0, 3_399_400.0],
        [521_000.0, 3_400_100.0],
        [519_900.0, 3_400_100.0],
        [519_900.0, 3_399_400.0],
    ]
    .iter()
    .map(|&p| crs.to_wgs84(p))
    .collect();
    let mid = crs.to_wgs84([520_350.0, 3_399_750.0]);
    std::fs::write(
        dir.path().join("areas.geojson"),
        serde_json::json!({"type": "FeatureCollection", "features": [{"type": "Feature",
            "properties": {"id": "A", "name": "a"},
            "geometry": {"type": "Polygon", "coordinates": [corners]}}]})
        .to_string(),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("fac.csv"),
        format!("lon,lat,kind\n{},{},x\n", mid[0], mid[1]),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("plan.toml"),
        "[areas]\npath = \"areas.geojson\"\nid = \"id\"\nname = \"name\"\n[population]\npath = \".\"\ngroups.all = \"gk.tif\"\n[[facilities]]\npath = \"fac.csv\"\nlon = \"lon\"\nlat = \"lat\"\nkind = \"kind\"\n[[service]]\nkind = \"x\"\nserves = \"all\"\nradius_m = 250\n",
    )
    .unwrap();
    let a = carecircle::run(
        carecircle::Plan::load(&dir.path().join("plan.toml")).unwrap(),
        &carecircle::Options {
            exact_distances: false,
            progress: &carecircle::analyze::Quiet,
        },
    )
    .unwrap();
    let st = &a.services[0].stats[0];
    assert_eq!(st.population, total);
    assert!(st.covered > 0.0 && st.covered < total, "{st:?}");
    let spots: f64 = a.services[0].blank_spots.iter().map(|b| b.population).sum();
    assert!(
        (spots - (total - st.covered)).abs() < 1e-9,
        "{spots} vs {}",
        total - st.covered
    );
}

/// The plan: a folder path with GeoTIFF groups needs no lon/lat and refuses them; GeoTIFF
/// groups with a file path are an error.
#[test]
fn plan_validation_for_raster_folders() {
    let dir = tempfile::tempdir().unwrap();
    let plan = |pop: &str| {
        format!(
            "[areas]\npath = \"a.geojson\"\nid = \"id\"\nname = \"name\"\n[population]\n{pop}\n[[service]]\nkind = \"k\"\nserves = \"g\"\nradius_m = 500\n"
        )
    };
    let d = dir.path().display().to_string();
    let p = dir.path().join("plan.toml");
    let ok = carecircle::Plan::parse(&plan(&format!("path = \"{d}\"\ngroups.g = \"x.tif\"")), &p);
    assert!(ok.is_ok(), "{ok:?}");
    let e = carecircle::Plan::parse(
        &plan(&format!(
            "path = \"{d}\"\nlon = \"x\"\nlat = \"y\"\ngroups.g = \"x.tif\""
        )),
        &p,
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("lon") && e.contains("folder of GeoTIFF"), "{e}");
    let e = carecircle::Plan::parse(&plan("path = \"cells.geojson\"\ngroups.g = \"x.tif\""), &p)
        .unwrap_err()
        .to_string();
    assert!(e.contains("must be the folder"), "{e}");
}
