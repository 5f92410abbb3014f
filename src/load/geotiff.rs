//! GeoTIFF reader for population rasters (WorldPop style): single-band, north-up rasters whose
//! pixels hold people counts.
//!
//! The georeferencing is read from the GeoTIFF tags directly: ModelPixelScale (33550) with
//! ModelTiepoint (33922), or an axis-aligned ModelTransformation (34264); GeoKeyDirectory
//! (34735) for the coordinate system (GeographicTypeGeoKey 2048, ProjectedCSTypeGeoKey 3072) and
//! RasterTypeGeoKey (1025: PixelIsArea, the default, or PixelIsPoint, whose tiepoint names a
//! pixel centre); GDAL_NODATA (42113). Samples may be 8/16/32/64-bit integers or 32/64-bit
//! floats, in strips or tiles, with any compression the `tiff` crate decodes (none, LZW,
//! Deflate, PackBits; horizontal and floating-point predictors).
//!
//! Rasters are streamed: [`fold_rows`] splits the rows into ranges read in parallel, and each
//! worker holds one decoded chunk row (a strip, or one row of tiles) per file at a time, never a
//! whole band.

use crate::error::{Error, Location, Result};
use rayon::prelude::*;
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use tiff::decoder::{ChunkType, Decoder, DecodingResult, Limits};
use tiff::tags::Tag;

const MODEL_PIXEL_SCALE: u16 = 33550;
const MODEL_TIEPOINT: u16 = 33922;
const MODEL_TRANSFORMATION: u16 = 34264;
const GEO_KEY_DIRECTORY: u16 = 34735;
const GDAL_NODATA: u16 = 42113;
const GT_RASTER_TYPE: u16 = 1025;
const GEOGRAPHIC_TYPE: u16 = 2048;
const PROJECTED_CS_TYPE: u16 = 3072;
const RASTER_PIXEL_IS_POINT: u16 = 2;
const USER_DEFINED: u16 = 32767;

/// The pixel grid of a north-up raster: pixel `(row, col)` has its centre at
/// `(x0 + col·dx, y0 + row·dy)` in the raster's coordinate system (`dy` is negative for the
/// usual north-up rasters).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PixelGrid {
    /// Columns.
    pub width: u32,
    /// Rows.
    pub height: u32,
    /// Centre of pixel (0, 0): x (longitude or easting).
    pub x0: f64,
    /// Centre of pixel (0, 0): y (latitude or northing).
    pub y0: f64,
    /// Step from one column to the next.
    pub dx: f64,
    /// Step from one row to the next (negative when north is up).
    pub dy: f64,
}

impl PixelGrid {
    /// Centre of pixel `(row, col)`.
    #[inline]
    pub fn centre(&self, row: u32, col: u32) -> [f64; 2] {
        [
            self.x0 + col as f64 * self.dx,
            self.y0 + row as f64 * self.dy,
        ]
    }

    /// True when both grids have the same size and, within a millionth of a pixel, the same
    /// origin and pixel size.
    pub fn same_as(&self, o: &PixelGrid) -> bool {
        let tol = 1e-6 * self.dx.abs().min(self.dy.abs());
        self.width == o.width
            && self.height == o.height
            && (self.x0 - o.x0).abs() <= tol
            && (self.y0 - o.y0).abs() <= tol
            && (self.dx - o.dx).abs() * self.width as f64 <= tol
            && (self.dy - o.dy).abs() * self.height as f64 <= tol
    }
}

impl std::fmt::Display for PixelGrid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} × {} pixels, first pixel centre ({:.9}, {:.9}), pixel size {:.6e} × {:.6e}",
            self.width,
            self.height,
            self.x0,
            self.y0,
            self.dx,
            self.dy.abs()
        )
    }
}

/// What a GeoTIFF's header says: its grid, coordinate system and nodata value.
#[derive(Debug, Clone, PartialEq)]
pub struct RasterInfo {
    /// The file.
    pub path: PathBuf,
    /// Pixel grid.
    pub grid: PixelGrid,
    /// EPSG code from the GeoKeys (ProjectedCSTypeGeoKey, else GeographicTypeGeoKey); `None`
    /// when the file has no GeoKeys or a user-defined system.
    pub epsg: Option<u32>,
    /// GDAL_NODATA value, when set.
    pub nodata: Option<f64>,
    /// Rows per strip, or the tile height.
    pub chunk_rows: u32,
}

fn tiff_err(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::input(
        path,
        Location::File,
        None,
        format!("cannot read the GeoTIFF: {e}"),
    )
}

fn open_decoder(path: &Path) -> Result<Decoder<BufReader<File>>> {
    let f = File::open(path).map_err(|e| Error::Io {
        path: path.to_owned(),
        err: e,
    })?;
    let mut limits = Limits::default();
    limits.ifd_value_size = 64 << 20;
    Ok(Decoder::new(BufReader::new(f))
        .map_err(|e| tiff_err(path, e))?
        .with_limits(limits))
}

/// Reads a raster's header (no pixels).
pub fn info(path: &Path) -> Result<RasterInfo> {
    let mut d = open_decoder(path)?;
    header(path, &mut d)
}

fn header(path: &Path, d: &mut Decoder<BufReader<File>>) -> Result<RasterInfo> {
    let bad = |field: &str, reason: String| Error::input(path, Location::File, Some(field), reason);
    let (width, height) = d.dimensions().map_err(|e| tiff_err(path, e))?;
    let spp: u16 = d
        .find_tag_unsigned(Tag::SamplesPerPixel)
        .map_err(|e| tiff_err(path, e))?
        .unwrap_or(1);
    if spp != 1 {
        return Err(bad(
            "SamplesPerPixel",
            format!("the raster has {spp} bands: expected a single-band population raster (one file per age band)"),
        ));
    }
    let f64s = |d: &mut Decoder<BufReader<File>>, tag: u16| -> Result<Option<Vec<f64>>> {
        match d
            .find_tag(Tag::Unknown(tag))
            .map_err(|e| tiff_err(path, e))?
        {
            None => Ok(None),
            Some(v) => v
                .into_f64_vec()
                .map(Some)
                .map_err(|e| tiff_err(path, format!("tag {tag}: {e}"))),
        }
    };
    let keys: Vec<u16> = match d
        .find_tag(Tag::Unknown(GEO_KEY_DIRECTORY))
        .map_err(|e| tiff_err(path, e))?
    {
        None => Vec::new(),
        Some(v) => v
            .into_u16_vec()
            .map_err(|e| tiff_err(path, format!("GeoKeyDirectory: {e}")))?,
    };
    let geokey = |id: u16| -> Option<u16> {
        // Header (4 shorts), then entries of (key, location, count, value); location 0 means
        // the value is stored inline.
        keys.get(4..)?
            .chunks_exact(4)
            .find(|e| e[0] == id && e[1] == 0)
            .map(|e| e[3])
    };
    let point = geokey(GT_RASTER_TYPE) == Some(RASTER_PIXEL_IS_POINT);
    // Raster space of the centre of pixel (0, 0): (0.5, 0.5) when a pixel is an area whose
    // corner is at integer raster coordinates; (0, 0) when PixelIsPoint.
    let c0 = if point { 0.0 } else { 0.5 };
    let (x0, y0, dx, dy) = if let Some(m) = f64s(d, MODEL_TRANSFORMATION)? {
        if m.len() < 8 {
            return Err(bad(
                "ModelTransformation",
                format!("expected 16 values, found {}", m.len()),
            ));
        }
        if m[1] != 0.0 || m[4] != 0.0 {
            return Err(bad(
                "ModelTransformation",
                "the raster is rotated or sheared: expected a north-up raster (warp it first, e.g. gdalwarp)".into(),
            ));
        }
        (m[3] + c0 * m[0], m[7] + c0 * m[5], m[0], m[5])
    } else {
        let scale = f64s(d, MODEL_PIXEL_SCALE)?.ok_or_else(|| {
            bad(
                "ModelPixelScale",
                "the TIFF has no georeferencing (neither ModelPixelScale + ModelTiepoint nor ModelTransformation): expected a GeoTIFF".into(),
            )
        })?;
        let tie = f64s(d, MODEL_TIEPOINT)?.ok_or_else(|| {
            bad(
                "ModelTiepoint",
                "the GeoTIFF has ModelPixelScale but no ModelTiepoint".into(),
            )
        })?;
        if scale.len() < 2 || tie.len() < 6 {
            return Err(bad(
                "ModelTiepoint",
                "expected 3 pixel-scale values and at least one 6-value tiepoint".into(),
            ));
        }
        if !(scale[0] > 0.0 && scale[1] > 0.0) {
            return Err(bad(
                "ModelPixelScale",
                format!("pixel size {} × {} must be positive", scale[0], scale[1]),
            ));
        }
        // Tiepoint: raster (I, J) maps to model (X, Y).
        let (i, j, x, y) = (tie[0], tie[1], tie[3], tie[4]);
        (
            x + (c0 - i) * scale[0],
            y - (c0 - j) * scale[1],
            scale[0],
            -scale[1],
        )
    };
    if ![x0, y0, dx, dy].iter().all(|v| v.is_finite()) || dx == 0.0 || dy == 0.0 {
        return Err(bad(
            "ModelPixelScale",
            "the georeferencing gives a degenerate pixel grid".into(),
        ));
    }
    let epsg = match geokey(PROJECTED_CS_TYPE).or(geokey(GEOGRAPHIC_TYPE)) {
        None | Some(0) | Some(USER_DEFINED) => None,
        Some(c) => Some(c as u32),
    };
    let nodata = match d
        .find_tag(Tag::Unknown(GDAL_NODATA))
        .map_err(|e| tiff_err(path, e))?
    {
        None => None,
        Some(v) => {
            let s = v
                .into_string()
                .map_err(|e| tiff_err(path, format!("GDAL_NODATA: {e}")))?;
            let t = s.trim_matches(|c: char| c == '\0' || c.is_whitespace());
            Some(
                t.parse::<f64>()
                    .map_err(|_| bad("GDAL_NODATA", format!("expected a number, found \"{t}\"")))?,
            )
        }
    };
    Ok(RasterInfo {
        path: path.to_owned(),
        grid: PixelGrid {
            width,
            height,
            x0,
            y0,
            dx,
            dy,
        },
        epsg,
        nodata,
        chunk_rows: d.chunk_dimensions().1.max(1),
    })
}

/// One file being streamed: its decoder and the decoded chunk row that holds the current row.
struct Stream {
    path: PathBuf,
    dec: Decoder<BufReader<File>>,
    width: usize,
    chunk: ChunkType,
    /// Rows per strip / tile height.
    chunk_h: u32,
    /// Tile width (strips: the image width).
    chunk_w: u32,
    nodata: Option<f64>,
    /// Index of the cached chunk row, and its values (`chunk_h × width`, row-major; nodata and
    /// NaN as NaN).
    cached: Option<u32>,
    rows: Vec<f64>,
    buf: DecodingResult,
}

impl Stream {
    fn open(info: &RasterInfo) -> Result<Stream> {
        let path = &info.path;
        let dec = open_decoder(path)?;
        let chunk = dec.get_chunk_type();
        let (chunk_w, chunk_h) = dec.chunk_dimensions();
        Ok(Stream {
            path: path.clone(),
            dec,
            width: info.grid.width as usize,
            chunk,
            chunk_h: chunk_h.max(1),
            chunk_w: chunk_w.max(1),
            nodata: info.nodata,
            cached: None,
            rows: Vec::new(),
            buf: DecodingResult::F32(Vec::new()),
        })
    }

    /// The values of `row` (NaN for nodata), decoding its chunk row when not cached.
    fn row(&mut self, row: u32) -> Result<&[f64]> {
        let k = row / self.chunk_h;
        if self.cached != Some(k) {
            self.load(k)?;
        }
        let r = (row - k * self.chunk_h) as usize;
        Ok(&self.rows[r * self.width..(r + 1) * self.width])
    }

    fn load(&mut self, k: u32) -> Result<()> {
        let path = self.path.clone();
        let across = match self.chunk {
            ChunkType::Strip => 1,
            ChunkType::Tile => (self.width as u32).div_ceil(self.chunk_w),
        };
        self.cached = None;
        self.rows.clear();
        self.rows
            .resize(self.chunk_h as usize * self.width, f64::NAN);
        for t in 0..across {
            let idx = k * across + t;
            let (w, h) = self.dec.chunk_data_dimensions(idx);
            self.buf = self
                .dec
                .read_chunk(idx)
                .map_err(|e| tiff_err(&path, format!("chunk {idx}: {e}")))?;
            let x_off = (t * self.chunk_w) as usize;
            let (w, h) = (w as usize, h as usize);
            let nd = self.nodata;
            macro_rules! copy {
                ($v:expr, $nd:expr, $conv:expr) => {{
                    let v = $v;
                    if v.len() < w * h {
                        return Err(tiff_err(
                            &path,
                            format!(
                                "chunk {idx} decoded to {} samples, expected {}",
                                v.len(),
                                w * h
                            ),
                        ));
                    }
                    let nd = $nd;
                    for y in 0..h {
                        let dst =
                            &mut self.rows[y * self.width + x_off..y * self.width + x_off + w];
                        for (o, s) in dst.iter_mut().zip(&v[y * w..(y + 1) * w]) {
                            *o = if Some(*s) == nd { f64::NAN } else { $conv(*s) };
                        }
                    }
                }};
            }
            // Nodata is compared in the samples' own type (GDAL writes "-3.4e+038" for a float32
            // raster whose nodata is the float32 nearest to it).
            match &self.buf {
                DecodingResult::F32(v) => copy!(v, nd.map(|x| x as f32), f64::from),
                DecodingResult::F64(v) => copy!(v, nd, |x: f64| x),
                DecodingResult::U8(v) => copy!(v, int_nodata::<u8>(nd), f64::from),
                DecodingResult::U16(v) => copy!(v, int_nodata::<u16>(nd), f64::from),
                DecodingResult::U32(v) => copy!(v, int_nodata::<u32>(nd), f64::from),
                DecodingResult::U64(v) => copy!(v, int_nodata::<u64>(nd), |x: u64| x as f64),
                DecodingResult::I8(v) => copy!(v, int_nodata::<i8>(nd), f64::from),
                DecodingResult::I16(v) => copy!(v, int_nodata::<i16>(nd), f64::from),
                DecodingResult::I32(v) => copy!(v, int_nodata::<i32>(nd), f64::from),
                DecodingResult::I64(v) => copy!(v, int_nodata::<i64>(nd), |x: i64| x as f64),
                DecodingResult::F16(_) => {
                    return Err(Error::input(
                        &path,
                        Location::File,
                        Some("SampleFormat"),
                        "16-bit float samples are not supported: expected 8–64-bit integers or 32/64-bit floats",
                    ))
                }
            }
        }
        self.cached = Some(k);
        Ok(())
    }
}

/// Nodata as an integer sample value (`None` when the nodata value is not one).
fn int_nodata<T: TryFrom<i128>>(nd: Option<f64>) -> Option<T> {
    let v = nd?;
    if v.fract() != 0.0 || !v.is_finite() {
        return None;
    }
    T::try_from(v as i128).ok()
}

/// Streams the rows of several rasters that share one grid (`infos[0].grid`), in parallel
/// row ranges, folding them into per-range accumulators returned in row order. `row` gets the
/// row index and one slice of values per raster (in `infos` order; nodata and NaN samples as
/// NaN).
pub fn fold_rows<A: Send>(
    infos: &[RasterInfo],
    init: impl Fn() -> A + Sync,
    row: impl Fn(&mut A, u32, &[&[f64]]) -> Result<()> + Sync,
) -> Result<Vec<A>> {
    let Some(first) = infos.first() else {
        return Ok(Vec::new());
    };
    let h = first.grid.height;
    // Ranges aligned to the largest chunk height, so no chunk is decoded twice.
    let align = infos.iter().map(|i| i.chunk_rows).max().unwrap_or(1);
    let n_units = h.div_ceil(align).max(1);
    let n_ranges = ((rayon::current_num_threads() * 4) as u32).clamp(1, n_units);
    let ranges: Vec<(u32, u32)> = (0..n_ranges)
        .map(|k| {
            let a = (n_units as u64 * k as u64 / n_ranges as u64) as u32 * align;
            let b = ((n_units as u64 * (k as u64 + 1) / n_ranges as u64) as u32 * align).min(h);
            (a, b)
        })
        .filter(|(a, b)| a < b)
        .collect();
    ranges
        .par_iter()
        .map(|&(a, b)| {
            let mut streams = infos.iter().map(Stream::open).collect::<Result<Vec<_>>>()?;
            let mut acc = init();
            for r in a..b {
                for s in streams.iter_mut() {
                    s.row(r)?;
                }
                let slices: Vec<&[f64]> = streams
                    .iter()
                    .map(|s| {
                        let k = (r % s.chunk_h) as usize;
                        &s.rows[k * s.width..(k + 1) * s.width]
                    })
                    .collect();
                row(&mut acc, r, &slices)?;
            }
            Ok(acc)
        })
        .collect()
}

/// Reads the headers of `paths` and checks that they share one grid and one coordinate system;
/// the error names both files.
pub fn infos(paths: &[PathBuf]) -> Result<Vec<RasterInfo>> {
    let infos: Vec<RasterInfo> = paths.par_iter().map(|p| info(p)).collect::<Result<_>>()?;
    if let Some(first) = infos.first() {
        for o in &infos[1..] {
            if !first.grid.same_as(&o.grid) {
                return Err(Error::input(
                    &o.path,
                    Location::File,
                    None,
                    format!(
                        "the rasters of one plan must share one grid: {} has {}, but {} has {}",
                        first.path.display(),
                        first.grid,
                        o.path.display(),
                        o.grid
                    ),
                ));
            }
            if first.epsg != o.epsg {
                let name =
                    |e: Option<u32>| e.map_or("no EPSG code".to_string(), |c| format!("EPSG:{c}"));
                return Err(Error::input(
                    &o.path,
                    Location::File,
                    None,
                    format!(
                        "the rasters of one plan must share one coordinate system: {} is in {}, but {} is in {}",
                        first.path.display(),
                        name(first.epsg),
                        o.path.display(),
                        name(o.epsg)
                    ),
                ));
            }
        }
    }
    Ok(infos)
}
