//! GeoTIFF population rasters (issue 5): small rasters written here (strips and tiles, every sample
//! format, nodata, PixelIsPoint, grids that do not match) against a plain in-memory reading.

#[path = "cli_common/mod.rs"]
mod common;

use carecircle::population::{self, Cells};
use carecircle::warnings::Warnings;
use common::population_spec;
use std::path::Path;

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
    let mut s = population_spec(dir, &[("g", files)]);
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
