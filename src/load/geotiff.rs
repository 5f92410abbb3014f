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
//!
//! Plain chunks — uncompressed, LZW or Deflate, no predictor — are read from the file and
//! decompressed into reused buffers (LZW by our own decoder, `lzw.rs`); the `tiff` crate
//! decodes the rest, and any chunk the fast path cannot read, so errors and values stay the
//! crate's.

use super::lzw::Lzw;
use crate::error::{Error, Location, Result};
use rayon::prelude::*;
use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use tiff::decoder::{ChunkType, Decoder, DecodingResult, Limits};
use tiff::tags::{ByteOrder, Tag};

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

/// Reads a raster's header (no pixels), and checks that its chunks lie in the file and that
/// their compressed bytes can produce the pixels the header claims ([`check_chunks`]).
pub fn info(path: &Path) -> Result<RasterInfo> {
    crate::error::guard(path, || {
        let mut d = open_decoder(path)?;
        let info = header(path, &mut d)?;
        check_chunks(path, &mut d)?;
        Ok(info)
    })
}

/// The most bytes one byte of a chunk's data can decode to, by TIFF Compression code; `None`
/// for codecs whose chunks only the `tiff` crate reads (and which the build cannot decode).
///
/// - 1, none: a byte is a byte.
/// - 5, LZW (TIFF 6.0 section 13): a code is at least 9 bits and emits one string of the
///   4,096-entry table; entry k (from 258) is at most k − 256 bytes long, so a code emits at
///   most 3,839 bytes, and a byte of input at most 3,839 · 8 / 9 < 3,413.
/// - 8 and 32946, Deflate: at most 1,032 : 1 (a 258-byte match costs at least two bits; the
///   zlib technical details, "Maximum compression factor").
/// - 32773, PackBits: a two-byte run emits at most 128 bytes, 64 : 1.
fn max_ratio(compression: u64) -> Option<u64> {
    match compression {
        1 => Some(1),
        5 => Some(3413),
        8 | 32946 => Some(1032),
        32773 => Some(64),
        _ => None,
    }
}

/// Refuses a raster whose chunk tables point outside the file, or whose pixels the compressed
/// bytes cannot hold (a decompression bomb: a small file claiming a huge raster, with every
/// strip pointing at one small stream). Checked per chunk, and for the whole raster against
/// the bytes its chunks point at, each counted once; never a fixed pixel limit. Chunks with no
/// bytes (sparse files) claim nothing here.
fn check_chunks(path: &Path, d: &mut Decoder<BufReader<File>>) -> Result<()> {
    let file_len = std::fs::metadata(path)
        .map_err(|e| Error::Io {
            path: path.to_owned(),
            err: e,
        })?
        .len();
    let bad = |field: &str, reason: String| Error::input(path, Location::File, Some(field), reason);
    let (width, height) = d.dimensions().map_err(|e| tiff_err(path, e))?;
    let chunk = d.get_chunk_type();
    let (cw, ch) = d.chunk_dimensions();
    let (cw, ch) = (cw.max(1) as u64, ch.max(1) as u64);
    let (off_tag, count_tag, field) = match chunk {
        ChunkType::Strip => (Tag::StripOffsets, Tag::StripByteCounts, "StripOffsets"),
        ChunkType::Tile => (Tag::TileOffsets, Tag::TileByteCounts, "TileOffsets"),
    };
    let offsets = d.get_tag_u64_vec(off_tag).map_err(|e| tiff_err(path, e))?;
    let counts = d
        .get_tag_u64_vec(count_tag)
        .map_err(|e| tiff_err(path, e))?;
    let (w, h) = (width as u64, height as u64);
    let n = match chunk {
        ChunkType::Strip => h.div_ceil(ch),
        ChunkType::Tile => w.div_ceil(cw) * h.div_ceil(ch),
    };
    if (offsets.len() as u64) < n || (counts.len() as u64) < n {
        return Err(bad(
            field,
            format!(
                "a {w} × {h} raster in chunks of {cw} × {ch} has {n} chunks, but the file lists {} offsets and {} byte counts",
                offsets.len(),
                counts.len()
            ),
        ));
    }
    let bits: u64 = d
        .find_tag_unsigned(Tag::BitsPerSample)
        .map_err(|e| tiff_err(path, e))?
        .unwrap_or(1);
    let compression: u64 = d
        .find_tag_unsigned(Tag::Compression)
        .map_err(|e| tiff_err(path, e))?
        .unwrap_or(1);
    let row_bytes = |cols: u64| (cols * bits).div_ceil(8);
    // The bytes each chunk decodes to: a strip its rows (the last one may be short), a tile
    // always the whole tile.
    let decoded = |i: u64| match chunk {
        ChunkType::Strip => ch.min(h - i * ch).saturating_mul(row_bytes(w)),
        ChunkType::Tile => ch.saturating_mul(row_bytes(cw)),
    };
    let ratio = max_ratio(compression);
    let mut spans: Vec<(u64, u64)> = Vec::with_capacity(n as usize);
    let mut claimed: u64 = 0;
    for i in 0..n {
        let (off, count) = (offsets[i as usize], counts[i as usize]);
        let out = decoded(i);
        // Uncompressed chunks are read at their offset whatever the count says.
        let len = if compression == 1 { out } else { count };
        if len == 0 {
            continue;
        }
        if off.checked_add(len).is_none_or(|end| end > file_len) {
            return Err(bad(
                field,
                format!(
                    "chunk {i} lies at bytes {off}..{} but the file has {file_len} bytes: the file is truncated or damaged",
                    off.saturating_add(len)
                ),
            ));
        }
        if let Some(r) = ratio {
            if out > len.saturating_mul(r) {
                return Err(bomb(
                    path,
                    compression,
                    r,
                    format!("chunk {i} claims {out} bytes of pixels from {len} bytes"),
                ));
            }
        }
        claimed = claimed.saturating_add(out);
        spans.push((off, off + len));
    }
    let Some(r) = ratio else { return Ok(()) };
    // The file bytes the chunks point at, each counted once.
    spans.sort_unstable();
    let (mut covered, mut reach) = (0u64, 0u64);
    for (a, b) in spans {
        let a = a.max(reach);
        if b > a {
            covered += b - a;
            reach = b;
        }
    }
    if claimed > covered.saturating_mul(r) {
        return Err(bomb(
            path,
            compression,
            r,
            format!("the chunks claim {claimed} bytes of pixels from {covered} distinct bytes of the file"),
        ));
    }
    Ok(())
}

/// The error for pixels that compressed bytes cannot produce.
fn bomb(path: &Path, compression: u64, ratio: u64, what: String) -> Error {
    let codec = match compression {
        1 => "uncompressed data",
        5 => "LZW",
        8 | 32946 => "Deflate",
        32773 => "PackBits",
        _ => "this compression",
    };
    Error::input(
        path,
        Location::File,
        Some("StripByteCounts"),
        format!(
            "{what}, more than {codec} can hold (at most {ratio} : 1): the file is damaged or a decompression bomb"
        ),
    )
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
    /// Reads plain chunks without the decoder (`None`: every chunk goes through `read_chunk`).
    raw: Option<RawChunks>,
    /// Chunks read through `raw`.
    raw_reads: u64,
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
        let mut dec = open_decoder(path)?;
        let chunk = dec.get_chunk_type();
        let (chunk_w, chunk_h) = dec.chunk_dimensions();
        let raw = RawChunks::new(path, &mut dec, chunk);
        Ok(Stream {
            path: path.clone(),
            dec,
            raw,
            raw_reads: 0,
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
        let across = match self.chunk {
            ChunkType::Strip => 1,
            ChunkType::Tile => (self.width as u32).div_ceil(self.chunk_w),
        };
        self.cached = None;
        // Every row of the image a chunk row holds is overwritten below: no need to clear.
        let n = self.chunk_h as usize * self.width;
        if self.rows.len() != n {
            self.rows.clear();
            self.rows.resize(n, f64::NAN);
        }
        for t in 0..across {
            let idx = k * across + t;
            let (w, h) = self.dec.chunk_data_dimensions(idx);
            let at = Placement {
                x_off: (t * self.chunk_w) as usize,
                w: w as usize,
                h: h as usize,
                width: self.width,
            };
            if !self.load_raw(idx, &at) {
                self.load_decoded(idx, &at)?;
            }
        }
        self.cached = Some(k);
        Ok(())
    }

    /// Copies chunk `idx` read by [`RawChunks`]; false when it cannot (no fast path for this
    /// file, or anything unexpected in this chunk: the `tiff` crate then reads it, and reports
    /// what is wrong).
    fn load_raw(&mut self, idx: u32, at: &Placement) -> bool {
        let Some(raw) = self.raw.as_mut() else {
            return false;
        };
        let (sample, big) = (raw.sample, raw.big_endian);
        let size = sample.size();
        let stride = self.chunk_w as usize * size;
        if at.w == 0 || at.h == 0 {
            return false;
        }
        let need = (at.h - 1) * stride + at.w * size;
        let Some(bytes) = raw.chunk(idx, need) else {
            return false;
        };
        let nd = self.nodata;
        macro_rules! raw {
            ($t:ty, $nd:expr, $conv:expr) => {{
                const N: usize = std::mem::size_of::<$t>();
                let nd = $nd;
                for y in 0..at.h {
                    let src = bytes[y * stride..y * stride + at.w * N].chunks_exact(N);
                    let dst = at.row(&mut self.rows, y);
                    if big {
                        put(
                            dst,
                            src.map(|b| <$t>::from_be_bytes(b.try_into().unwrap())),
                            nd,
                            $conv,
                        );
                    } else {
                        put(
                            dst,
                            src.map(|b| <$t>::from_le_bytes(b.try_into().unwrap())),
                            nd,
                            $conv,
                        );
                    }
                }
            }};
        }
        match sample {
            Sample::F32 => raw!(f32, nd.map(|x| x as f32), f64::from),
            Sample::F64 => raw!(f64, nd, |x: f64| x),
            Sample::U8 => raw!(u8, int_nodata::<u8>(nd), f64::from),
            Sample::U16 => raw!(u16, int_nodata::<u16>(nd), f64::from),
            Sample::U32 => raw!(u32, int_nodata::<u32>(nd), f64::from),
            Sample::U64 => raw!(u64, int_nodata::<u64>(nd), |x: u64| x as f64),
            Sample::I8 => raw!(i8, int_nodata::<i8>(nd), f64::from),
            Sample::I16 => raw!(i16, int_nodata::<i16>(nd), f64::from),
            Sample::I32 => raw!(i32, int_nodata::<i32>(nd), f64::from),
            Sample::I64 => raw!(i64, int_nodata::<i64>(nd), |x: i64| x as f64),
        }
        self.raw_reads += 1;
        true
    }

    /// Copies chunk `idx` as the `tiff` crate decodes it.
    fn load_decoded(&mut self, idx: u32, at: &Placement) -> Result<()> {
        let path = &self.path;
        self.buf = self
            .dec
            .read_chunk(idx)
            .map_err(|e| tiff_err(path, format!("chunk {idx}: {e}")))?;
        let (w, h) = (at.w, at.h);
        let nd = self.nodata;
        macro_rules! copy {
            ($v:expr, $nd:expr, $conv:expr) => {{
                let v = $v;
                if v.len() < w * h {
                    return Err(tiff_err(
                        path,
                        format!(
                            "chunk {idx} decoded to {} samples, expected {}",
                            v.len(),
                            w * h
                        ),
                    ));
                }
                let nd = $nd;
                for y in 0..h {
                    put(
                        at.row(&mut self.rows, y),
                        v[y * w..(y + 1) * w].iter().copied(),
                        nd,
                        $conv,
                    );
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
                    path,
                    Location::File,
                    Some("SampleFormat"),
                    "16-bit float samples are not supported: expected 8–64-bit integers or 32/64-bit floats",
                ))
            }
        }
        Ok(())
    }
}

/// Where a chunk's `w × h` samples go in a chunk row of `width` columns.
struct Placement {
    x_off: usize,
    w: usize,
    h: usize,
    width: usize,
}

impl Placement {
    /// The part of `rows` that row `y` of the chunk fills.
    fn row<'a>(&self, rows: &'a mut [f64], y: usize) -> &'a mut [f64] {
        &mut rows[y * self.width + self.x_off..][..self.w]
    }
}

/// Writes samples as `f64` (through `conv`), samples equal to `nd` as NaN.
#[inline(always)]
fn put<T: Copy + PartialEq>(
    dst: &mut [f64],
    src: impl Iterator<Item = T>,
    nd: Option<T>,
    conv: impl Fn(T) -> f64,
) {
    for (o, s) in dst.iter_mut().zip(src) {
        *o = if Some(s) == nd { f64::NAN } else { conv(s) };
    }
}

/// Sample types of the chunks [`RawChunks`] reads (SampleFormat and BitsPerSample).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Sample {
    U8,
    U16,
    U32,
    U64,
    I8,
    I16,
    I32,
    I64,
    F32,
    F64,
}

impl Sample {
    fn new(format: u64, bits: u64) -> Option<Sample> {
        Some(match (format, bits) {
            (1, 8) => Sample::U8,
            (1, 16) => Sample::U16,
            (1, 32) => Sample::U32,
            (1, 64) => Sample::U64,
            (2, 8) => Sample::I8,
            (2, 16) => Sample::I16,
            (2, 32) => Sample::I32,
            (2, 64) => Sample::I64,
            (3, 32) => Sample::F32,
            (3, 64) => Sample::F64,
            _ => return None,
        })
    }

    fn size(self) -> usize {
        match self {
            Sample::U8 | Sample::I8 => 1,
            Sample::U16 | Sample::I16 => 2,
            Sample::U32 | Sample::I32 | Sample::F32 => 4,
            Sample::U64 | Sample::I64 | Sample::F64 => 8,
        }
    }
}

/// Compressions [`RawChunks`] decodes.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Codec {
    None,
    Lzw,
    Deflate,
}

/// Bytes read from the file at once: strips and tiles usually follow each other in the file,
/// so one read serves many small chunks.
const WINDOW: usize = 64 << 10;

/// Reads the chunks of a plain raster — no predictor, BlackIsZero, uncompressed, LZW or
/// Deflate — straight from the file into reused buffers: the `tiff` crate's `read_chunk`
/// allocates a result and a decompressor per chunk, which dominates on rasters stored as
/// thousands of one-row strips (WorldPop's). Anything else is left to `read_chunk`.
struct RawChunks {
    file: File,
    offsets: Vec<u64>,
    counts: Vec<u64>,
    codec: Codec,
    sample: Sample,
    big_endian: bool,
    /// File bytes from offset `win_at`.
    win: Vec<u8>,
    win_at: u64,
    /// The inflated chunk.
    out: Vec<u8>,
    lzw: Lzw,
    inflate: flate2::Decompress,
}

impl RawChunks {
    /// `None` when the raster is not plain (the `tiff` crate reads all its chunks).
    fn new(path: &Path, dec: &mut Decoder<BufReader<File>>, chunk: ChunkType) -> Option<Self> {
        let mut tag = |t: Tag, default: u64| -> Option<u64> {
            dec.find_tag_unsigned::<u64>(t)
                .ok()
                .map(|v| v.unwrap_or(default))
        };
        let codec = match tag(Tag::Compression, 1)? {
            1 => Codec::None,
            5 => Codec::Lzw,
            8 | 32946 => Codec::Deflate,
            _ => return None,
        };
        if tag(Tag::Predictor, 1)? != 1 || tag(Tag::PhotometricInterpretation, u64::MAX)? != 1 {
            return None;
        }
        let sample = Sample::new(tag(Tag::SampleFormat, 1)?, tag(Tag::BitsPerSample, 1)?)?;
        let (off_tag, count_tag) = match chunk {
            ChunkType::Strip => (Tag::StripOffsets, Tag::StripByteCounts),
            ChunkType::Tile => (Tag::TileOffsets, Tag::TileByteCounts),
        };
        let offsets = dec.get_tag_u64_vec(off_tag).ok()?;
        let counts = dec.get_tag_u64_vec(count_tag).ok()?;
        let big_endian = dec.byte_order() == ByteOrder::BigEndian;
        Some(RawChunks {
            file: File::open(path).ok()?,
            offsets,
            counts,
            codec,
            sample,
            big_endian,
            win: Vec::new(),
            win_at: 0,
            out: Vec::new(),
            lzw: Lzw::default(),
            inflate: flate2::Decompress::new(true),
        })
    }

    /// The first `need` bytes of chunk `idx`, decompressed; `None` when they cannot be had.
    fn chunk(&mut self, idx: u32, need: usize) -> Option<&[u8]> {
        let off = *self.offsets.get(idx as usize)?;
        let count = *self.counts.get(idx as usize)?;
        // Chunks beyond the `tiff` crate's memory limits are left to it (it refuses them).
        let limits = Limits::default();
        if need > limits.decoding_buffer_size || count > limits.intermediate_buffer_size as u64 {
            return None;
        }
        if self.codec == Codec::None {
            // As the `tiff` crate: the bytes at the offset, whatever the byte count says.
            return read_at(&mut self.file, &mut self.win, &mut self.win_at, off, need);
        }
        let input = read_at(
            &mut self.file,
            &mut self.win,
            &mut self.win_at,
            off,
            count as usize,
        )?;
        if self.codec == Codec::Lzw {
            let out = self.lzw.decode(input, need).ok()?;
            return (out.len() == need).then_some(out);
        }
        self.out.resize(need, 0);
        self.inflate.reset(true);
        self.inflate
            .decompress(input, &mut self.out, flate2::FlushDecompress::Finish)
            .ok()?;
        (self.inflate.total_out() == need as u64).then_some(&self.out[..])
    }
}

/// `len` bytes of `file` from `off`, through the read-ahead window `win` (file bytes from
/// `win_at`).
fn read_at<'a>(
    file: &mut File,
    win: &'a mut Vec<u8>,
    win_at: &mut u64,
    off: u64,
    len: usize,
) -> Option<&'a [u8]> {
    let end = off.checked_add(len as u64)?;
    if off < *win_at || end > *win_at + win.len() as u64 {
        win.clear();
        *win_at = off;
        file.seek(SeekFrom::Start(off)).ok()?;
        file.take(len.max(WINDOW) as u64).read_to_end(win).ok()?;
        if win.len() < len {
            return None;
        }
    }
    let a = (off - *win_at) as usize;
    Some(&win[a..a + len])
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
                    let path = s.path.clone();
                    crate::error::guard(&path, || s.row(r).map(|_| ()))?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::lzw::tests::Rng;
    use tiff::encoder::{colortype, compression, Compression, TiffEncoder};

    /// Reads every row of `info`, through the fast path or only through the `tiff` crate's
    /// `read_chunk`; asserts the fast path read every chunk (or none).
    fn read_all(info: &RasterInfo, fast: bool) -> Vec<f64> {
        let mut s = Stream::open(info).unwrap();
        assert!(s.raw.is_some(), "{}: no fast path", info.path.display());
        if !fast {
            s.raw = None;
        }
        let mut all = Vec::new();
        for r in 0..info.grid.height {
            all.extend_from_slice(s.row(r).unwrap());
        }
        let chunks = info.grid.height.div_ceil(s.chunk_h) as u64
            * match s.chunk {
                ChunkType::Strip => 1,
                ChunkType::Tile => info.grid.width.div_ceil(s.chunk_w) as u64,
            };
        assert_eq!(s.raw_reads, if fast { chunks } else { 0 });
        all
    }

    /// Reads `info` both ways, asserts the values are bit-identical, and returns them.
    fn both_ways(info: &RasterInfo) -> Vec<f64> {
        let (a, b) = (read_all(info, true), read_all(info, false));
        let w = info.grid.width as usize;
        for (k, (x, y)) in a.iter().zip(&b).enumerate() {
            assert_eq!(
                x.to_bits(),
                y.to_bits(),
                "{} row {} col {}: {x} vs {y}",
                info.path.display(),
                k / w,
                k % w
            );
        }
        assert_eq!(a.len(), b.len());
        a
    }

    /// A raster's header as [`info`] would read it, without georeferencing.
    fn plain_info(path: &Path, w: u32, h: u32, nodata: Option<f64>, rows: u32) -> RasterInfo {
        RasterInfo {
            path: path.to_owned(),
            grid: PixelGrid {
                width: w,
                height: h,
                x0: 0.0,
                y0: 0.0,
                dx: 1.0,
                dy: -1.0,
            },
            epsg: None,
            nodata,
            chunk_rows: rows,
        }
    }

    /// `got` equals the values written, -9999 (written as the file's nodata) as NaN.
    fn assert_as_written(got: &[f64], vals: &[f64], label: &str) {
        assert_eq!(got.len(), vals.len(), "{label}");
        for (k, (g, v)) in got.iter().zip(vals).enumerate() {
            if *v == -9999.0 {
                assert!(g.is_nan(), "{label} sample {k}: {g}");
            } else {
                assert_eq!(g, v, "{label} sample {k}");
            }
        }
    }

    /// Real WorldPop rasters: an original band (LZW strips, one row each) and the summed 60+
    /// and 80+ rasters (Deflate, floating-point predictor) read the same both ways, with
    /// plausible totals (Wuhan has ~1.94 million people aged 60+).
    #[test]
    fn wuhan_rasters_read_the_same_both_ways() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        for (path, lo, hi) in [
            (
                "tests/fixtures/worldpop/pop_80_m_wuhan.tif",
                10_000.0,
                500_000.0,
            ),
            ("data/wuhan/pop_60plus.tif", 1.93e6, 1.95e6),
            ("data/wuhan/pop_80plus.tif", 100_000.0, 500_000.0),
        ] {
            let info = info(&root.join(path)).unwrap();
            let v = both_ways(&info);
            let total: f64 = v.iter().filter(|x| !x.is_nan() && **x > 0.0).sum();
            assert!(total > lo && total < hi, "{path}: {total}");
        }
        // The published band marks the pixels outside the country as nodata.
        let band = info(&root.join("tests/fixtures/worldpop/pop_80_m_wuhan.tif")).unwrap();
        assert_eq!(band.chunk_rows, 1);
        let v = both_ways(&band);
        let nodata = v.iter().filter(|x| x.is_nan()).count();
        assert!(nodata > 0 && nodata < v.len(), "{nodata}");
    }

    /// Rasters written by the `tiff` crate's encoder — uncompressed, LZW and Deflate, every
    /// sample type, strips of several heights — read the same both ways, and equal the values
    /// written (nodata and NaN as NaN).
    #[test]
    fn encoder_rasters_read_the_same_both_ways_and_as_written() {
        let dir = tempfile::tempdir().unwrap();
        let mut rng = Rng(0x853C_49E6_748F_EA9B);
        let mut n = 0;
        for (ci, comp) in [
            Compression::Uncompressed,
            Compression::Lzw,
            Compression::Deflate(compression::DeflateLevel::Balanced),
        ]
        .into_iter()
        .enumerate()
        {
            for rps in [1u32, 3, 7] {
                let (w, h) = (5 + rng.below(60) as u32, 4 + rng.below(30) as u32);
                // Values: mostly small counts, some nodata (-9999 or 200 for unsigned), some zero.
                let vals: Vec<f64> = (0..w * h)
                    .map(|_| match rng.below(8) {
                        0 => -9999.0,
                        1 => 0.0,
                        _ => rng.below(120) as f64,
                    })
                    .collect();
                macro_rules! case {
                    ($ct:ty, $t:ty, $nd:expr, $conv:expr) => {{
                        let path = dir.path().join(format!("r{n}.tif"));
                        n += 1;
                        let nd: f64 = $nd;
                        let data: Vec<$t> = vals
                            .iter()
                            .map(|&v| if v == -9999.0 { nd } else { v })
                            .map($conv)
                            .collect();
                        let mut enc = TiffEncoder::new(File::create(&path).unwrap())
                            .unwrap()
                            .with_compression(comp);
                        let mut img = enc.new_image::<$ct>(w, h).unwrap();
                        img.rows_per_strip(rps).unwrap();
                        img.write_data(&data).unwrap();
                        let info = plain_info(&path, w, h, Some(nd), rps);
                        let got = both_ways(&info);
                        let label = format!("{} ({ci}, {rps} rows per strip)", stringify!($ct));
                        assert_as_written(&got, &vals, &label);
                    }};
                }
                case!(colortype::Gray8, u8, 200.0, |v| v as u8);
                case!(colortype::GrayI8, i8, -128.0, |v| v as i8);
                case!(colortype::Gray16, u16, 65535.0, |v| v as u16);
                case!(colortype::GrayI16, i16, -9999.0, |v| v as i16);
                case!(colortype::Gray32, u32, 4e9, |v| v as u32);
                case!(colortype::GrayI32, i32, -9999.0, |v| v as i32);
                case!(colortype::Gray64, u64, 1e12, |v| v as u64);
                case!(colortype::GrayI64, i64, -9999.0, |v| v as i64);
                case!(colortype::Gray32Float, f32, -3.4e38, |v| v as f32);
                case!(colortype::Gray64Float, f64, -9999.0, |v| v);
            }
        }
    }

    /// A minimal TIFF written by hand: one band in either byte order, strips or (padded)
    /// tiles, uncompressed or LZW (weezl's encoder). `sample` gives BitsPerSample,
    /// SampleFormat and the bytes of a value in the file's order.
    struct Hand<'a> {
        big: bool,
        width: u32,
        height: u32,
        tiles: Option<(u32, u32)>,
        rows_per_strip: u32,
        lzw: bool,
        bits: u16,
        format: u16,
        sample: &'a dyn Fn(f64, bool) -> Vec<u8>,
        /// Keep only the first half of chunk 1's bytes (a damaged file).
        damaged: bool,
    }

    /// A tag's type, count and value bytes.
    type TagValue = (u16, u32, Vec<u8>);

    impl Hand<'_> {
        fn write(&self, path: &Path, values: &[f64]) {
            let (w, h) = (self.width as usize, self.height as usize);
            let (cw, ch) = self
                .tiles
                .map_or((w, self.rows_per_strip as usize), |(a, b)| {
                    (a as usize, b as usize)
                });
            let mut chunks = Vec::new();
            for y0 in (0..h).step_by(ch) {
                for x0 in (0..w).step_by(cw) {
                    let rows = if self.tiles.is_some() {
                        ch
                    } else {
                        ch.min(h - y0)
                    };
                    let mut b = Vec::new();
                    for y in y0..y0 + rows {
                        for x in x0..x0 + cw {
                            let v = if x < w && y < h {
                                values[y * w + x]
                            } else {
                                0.0
                            };
                            b.extend((self.sample)(v, self.big));
                        }
                    }
                    if self.lzw {
                        b = weezl::encode::Encoder::with_tiff_size_switch(weezl::BitOrder::Msb, 8)
                            .encode(&b)
                            .unwrap();
                    }
                    if self.damaged && chunks.len() == 1 {
                        b.truncate(b.len() / 2);
                    }
                    chunks.push(b);
                }
            }
            let big = self.big;
            let u16b = |v: u16| {
                if big {
                    v.to_be_bytes()
                } else {
                    v.to_le_bytes()
                }
            };
            let u32b = |v: u32| {
                if big {
                    v.to_be_bytes()
                } else {
                    v.to_le_bytes()
                }
            };
            let mut data: Vec<u8> = Vec::new();
            let (mut offsets, mut counts) = (Vec::new(), Vec::new());
            for c in &chunks {
                offsets.push(8 + data.len() as u32);
                counts.push(c.len() as u32);
                data.extend(c);
            }
            // (tag, type, count, value bytes)
            let short = |v: u16| (3u16, 1u32, u16b(v).to_vec());
            let long = |v: &[u32]| {
                (
                    4u16,
                    v.len() as u32,
                    v.iter().flat_map(|x| u32b(*x)).collect(),
                )
            };
            let mut tags: Vec<(u16, TagValue)> = vec![
                (256, long(&[self.width])),
                (257, long(&[self.height])),
                (258, short(self.bits)),
                (259, short(if self.lzw { 5 } else { 1 })),
                (262, short(1)),
                (277, short(1)),
                (339, short(self.format)),
            ];
            match self.tiles {
                Some((tw, th)) => tags.extend([
                    (322, long(&[tw])),
                    (323, long(&[th])),
                    (324, long(&offsets)),
                    (325, long(&counts)),
                ]),
                None => tags.extend([
                    (273, long(&offsets)),
                    (278, long(&[self.rows_per_strip])),
                    (279, long(&counts)),
                ]),
            }
            tags.sort_by_key(|t| t.0);
            let ifd_at = 8 + data.len() as u32;
            let mut extra_at = ifd_at + 2 + 12 * tags.len() as u32 + 4;
            let (mut ifd, mut extra) = (u16b(tags.len() as u16).to_vec(), Vec::new());
            for (tag, (ty, count, bytes)) in tags {
                ifd.extend(u16b(tag));
                ifd.extend(u16b(ty));
                ifd.extend(u32b(count));
                if bytes.len() <= 4 {
                    let mut v = bytes;
                    v.resize(4, 0);
                    ifd.extend(v);
                } else {
                    ifd.extend(u32b(extra_at));
                    extra_at += bytes.len() as u32;
                    extra.extend(bytes);
                }
            }
            ifd.extend(u32b(0));
            let mut out = if big { b"MM".to_vec() } else { b"II".to_vec() };
            out.extend(u16b(42));
            out.extend(u32b(ifd_at));
            out.extend(data);
            out.extend(ifd);
            out.extend(extra);
            std::fs::write(path, out).unwrap();
        }
    }

    /// Big- and little-endian rasters in strips and in tiles with partial edge tiles,
    /// uncompressed and LZW, 16-bit integers and 32-bit floats: the same both ways, and as
    /// written. (tiff 0.11.3's `read_chunk` fails on some LZW tiles cut by the right edge — "no
    /// lzw end code found" for a tile whose whole stream weezl decodes — so those are only
    /// compared with the values written.)
    #[test]
    fn byte_orders_and_tiles_read_the_same_both_ways() {
        let dir = tempfile::tempdir().unwrap();
        let mut rng = Rng(0xD1B5_4A32_D192_ED03);
        let f32s = |v: f64, big: bool| {
            let v = v as f32;
            (if big {
                v.to_be_bytes()
            } else {
                v.to_le_bytes()
            })
            .to_vec()
        };
        let i16s = |v: f64, big: bool| {
            let v = v as i16;
            (if big {
                v.to_be_bytes()
            } else {
                v.to_le_bytes()
            })
            .to_vec()
        };
        let mut n = 0;
        let mut lzw_tiles_both_ways = 0;
        for big in [false, true] {
            for lzw in [false, true] {
                for tiles in [None, Some((16, 16)), Some((32, 16))] {
                    for (bits, format, sample) in [
                        (32, 3, &f32s as &dyn Fn(f64, bool) -> Vec<u8>),
                        (16, 2, &i16s),
                    ] {
                        let (mut w, h) = (20 + rng.below(50) as u32, 10 + rng.below(40) as u32);
                        if lzw && rng.below(2) == 0 {
                            // Whole tiles across, so the `tiff` crate reads them too.
                            w = w.next_multiple_of(32);
                        }
                        let vals: Vec<f64> = (0..w * h)
                            .map(|_| match rng.below(6) {
                                0 => -9999.0,
                                1 => 0.0,
                                _ => rng.below(3000) as f64 - 100.0,
                            })
                            .collect();
                        let hand = Hand {
                            big,
                            width: w,
                            height: h,
                            tiles,
                            rows_per_strip: 1 + rng.below(5) as u32,
                            lzw,
                            bits,
                            format,
                            sample,
                            damaged: false,
                        };
                        let path = dir.path().join(format!("h{n}.tif"));
                        n += 1;
                        hand.write(&path, &vals);
                        let info = plain_info(
                            &path,
                            w,
                            h,
                            Some(-9999.0),
                            tiles.map_or(hand.rows_per_strip, |t| t.1),
                        );
                        let crate_reads_it = !lzw || tiles.is_none_or(|t| w % t.0 == 0);
                        lzw_tiles_both_ways += (lzw && tiles.is_some() && crate_reads_it) as u32;
                        let got = if crate_reads_it {
                            both_ways(&info)
                        } else {
                            read_all(&info, true)
                        };
                        let label = format!("big {big} lzw {lzw} tiles {tiles:?} bits {bits}");
                        assert_as_written(&got, &vals, &label);
                    }
                }
            }
        }
        assert!(lzw_tiles_both_ways > 0);
    }

    /// A damaged LZW strip: the fast path gives up on it and the `tiff` crate's error names
    /// the file and the chunk, as before; the strips before it read normally.
    #[test]
    fn damaged_chunks_keep_the_tiff_crate_errors() {
        let dir = tempfile::tempdir().unwrap();
        let f32s = |v: f64, _big: bool| (v as f32).to_le_bytes().to_vec();
        let path = dir.path().join("damaged.tif");
        let vals: Vec<f64> = (0..40 * 6).map(|k| (k % 17) as f64).collect();
        let hand = Hand {
            big: false,
            width: 40,
            height: 6,
            tiles: None,
            rows_per_strip: 2,
            lzw: true,
            bits: 32,
            format: 3,
            sample: &f32s,
            damaged: true,
        };
        hand.write(&path, &vals);
        let info = plain_info(&path, 40, 6, None, 2);
        let mut s = Stream::open(&info).unwrap();
        assert_eq!(s.row(1).unwrap(), &vals[40..80]);
        assert_eq!(s.raw_reads, 1);
        let err = s.row(2).unwrap_err().to_string();
        assert!(
            err.contains("damaged.tif") && err.contains("chunk 1:"),
            "{err}"
        );
        assert_eq!(s.raw_reads, 1);
        assert_eq!(s.row(4).unwrap(), &vals[160..200]);
    }
}
