"""A minimal pure-Python reader and writer for single-band float32 GeoTIFF strips, enough for
the WorldPop rasters of data/wuhan (Deflate, floating-point predictor) and for writing
uncompressed copies that carry the same georeferencing tags. No third-party packages.
"""
import itertools
import struct
import zlib

# TIFF field types -> (struct code, size)
_TYPES = {1: ("B", 1), 2: ("s", 1), 3: ("H", 2), 4: ("I", 4), 12: ("d", 8), 16: ("Q", 8)}

WIDTH, HEIGHT, BITS, COMPRESSION, PHOTOMETRIC = 256, 257, 258, 259, 262
STRIP_OFFSETS, SAMPLES, ROWS_PER_STRIP, STRIP_COUNTS = 273, 277, 278, 279
PLANAR, PREDICTOR, SAMPLE_FORMAT = 284, 317, 339
PIXEL_SCALE, TIEPOINT = 33550, 33922
GEO_KEYS, GEO_DOUBLES, GEO_ASCII, GDAL_NODATA = 34735, 34736, 34737, 42113


def read_tags(data):
    """The first IFD of a little-endian classic TIFF: tag -> (type, values)."""
    if data[:4] != b"II*\x00":
        raise ValueError("expected a little-endian classic TIFF")
    (ifd,) = struct.unpack_from("<I", data, 4)
    (n,) = struct.unpack_from("<H", data, ifd)
    tags = {}
    for i in range(n):
        tag, typ, count = struct.unpack_from("<HHI", data, ifd + 2 + 12 * i)
        code, size = _TYPES[typ]
        at = ifd + 2 + 12 * i + 8
        if size * count > 4:
            (at,) = struct.unpack_from("<I", data, at)
        raw = data[at : at + size * count]
        tags[tag] = (typ, raw if typ == 2 else struct.unpack("<%d%s" % (count, code), raw))
    return tags


def read_float32(path):
    """(tags, width, height, rows): rows is a list of lists of floats, top row first."""
    with open(path, "rb") as f:
        data = f.read()
    tags = read_tags(data)
    width, height = tags[WIDTH][1][0], tags[HEIGHT][1][0]
    if tags[BITS][1] != (32,) or tags[SAMPLE_FORMAT][1] != (3,) or tags[SAMPLES][1] != (1,):
        raise ValueError(path + ": expected one float32 sample per pixel")
    compression = tags[COMPRESSION][1][0]
    predictor = tags.get(PREDICTOR, (3, (1,)))[1][0]
    rps = tags[ROWS_PER_STRIP][1][0]
    rows = []
    for off, cnt in zip(tags[STRIP_OFFSETS][1], tags[STRIP_COUNTS][1]):
        raw = data[off : off + cnt]
        if compression == 8 or compression == 32946:
            raw = zlib.decompress(raw)
        elif compression != 1:
            raise ValueError("%s: compression %d not supported here" % (path, compression))
        n = min(rps, height - len(rows))
        for k in range(n):
            row = raw[k * 4 * width : (k + 1) * 4 * width]
            if predictor == 3:
                row = _undo_float_predictor(row, width)
            elif predictor == 1:
                row = list(struct.unpack("<%df" % width, row))
            else:
                raise ValueError("%s: predictor %d not supported here" % (path, predictor))
            rows.append(row)
    return tags, width, height, rows


def _undo_float_predictor(row, width):
    # Floating-point predictor (TIFF Technical Note 3): bytes differenced along the row, then
    # stored as byte planes, most significant first.
    b = bytes(itertools.accumulate(row, lambda a, x: (a + x) & 0xFF))
    planes = [b[k * width : (k + 1) * width] for k in range(4)]
    be = bytes(v for quad in zip(*planes) for v in quad)
    return list(struct.unpack(">%df" % width, be))


def write_float32(path, rows, georef, rows_per_strip=16):
    """Writes rows of floats as an uncompressed little-endian float32 TIFF, strips of
    `rows_per_strip` rows, with the georeferencing tags `georef` (tag -> (type, values))."""
    height, width = len(rows), len(rows[0])
    strips = []
    for s in range(0, height, rows_per_strip):
        strips.append(b"".join(struct.pack("<%df" % width, *r) for r in rows[s : s + rows_per_strip]))
    nstrips = len(strips)
    tags = {
        WIDTH: (3, (width,)),
        HEIGHT: (3, (height,)),
        BITS: (3, (32,)),
        COMPRESSION: (3, (1,)),
        PHOTOMETRIC: (3, (1,)),
        STRIP_OFFSETS: (4, (0,) * nstrips),
        SAMPLES: (3, (1,)),
        ROWS_PER_STRIP: (3, (rows_per_strip,)),
        STRIP_COUNTS: (4, tuple(len(s) for s in strips)),
        PLANAR: (3, (1,)),
        SAMPLE_FORMAT: (3, (3,)),
    }
    tags.update(georef)
    order = sorted(tags)
    ifd_at = 8
    ifd_size = 2 + 12 * len(order) + 4
    # Out-of-line values follow the IFD, then the strips.
    extra = bytearray()
    entries = []
    data_at = ifd_at + ifd_size

    def blob(typ, vals):
        code, size = _TYPES[typ]
        if typ == 2:
            return vals, len(vals)
        return struct.pack("<%d%s" % (len(vals), code), *vals), len(vals)

    strip_base = None
    for pass_ in range(2):
        extra = bytearray()
        entries = []
        for tag in order:
            typ, vals = tags[tag]
            if tag == STRIP_OFFSETS and strip_base is not None:
                offs, at = [], strip_base
                for s in strips:
                    offs.append(at)
                    at += len(s)
                vals = tuple(offs)
            raw, count = blob(typ, vals)
            if len(raw) <= 4:
                entries.append(struct.pack("<HHI", tag, typ, count) + raw.ljust(4, b"\x00"))
            else:
                entries.append(struct.pack("<HHII", tag, typ, count, data_at + len(extra)))
                extra += raw
                if len(extra) % 2:
                    extra += b"\x00"
        strip_base = data_at + len(extra)
    out = bytearray(b"II*\x00" + struct.pack("<I", ifd_at))
    out += struct.pack("<H", len(order)) + b"".join(entries) + struct.pack("<I", 0)
    out += extra
    assert len(out) == strip_base
    for s in strips:
        out += s
    with open(path, "wb") as f:
        f.write(out)
