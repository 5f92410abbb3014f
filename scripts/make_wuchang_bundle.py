#!/usr/bin/env python3
"""Writes data/wuchang/, the Chinese demo bundle: 武昌区 (Wuchang District of Wuhan, code 420106,
14 streets), read from data/wuhan/.

  streets_approx.geojson    the 14 streets of 420106 from data/wuhan/streets_approx.geojson,
                            as they are (approximate Voronoi polygons, see the README)
  pop_60plus.tif            the WorldPop rasters of data/wuhan/ cropped to the streets' bounding
  pop_80plus.tif            box on the same pixel grid (same pixel size and georeferencing tags,
                            the tiepoint moved to the crop's corner), float32, nodata -1;
                            pixels whose centre lies in no street are set to nodata. Written
                            uncompressed, one strip per 16 rows, so the bytes do not depend on a
                            zlib version
  facilities_synthetic.csv  SYNTHETIC facilities (id,name,kind,capacity,lon,lat; UTF-8), placed
                            at seeded population-weighted random pixels of each street, with
                            some services deliberately missing or short in some streets

Pure Python 3 (no pip install needed); seeded, so every run writes the same bytes:
  python3 scripts/make_wuchang_bundle.py
It also checks, independently of the cropping code, that the people kept in each raster equal
the source pixels whose centre lies inside a street (brute-force point in polygon).
"""
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bundle_common as bc  # noqa: E402
import tiff_float as tf  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
SRC = os.path.join(ROOT, "data", "wuhan")
OUT = os.path.join(ROOT, "data", "wuchang")
DISTRICT = "420106"
NODATA = -1.0
SEED = 420106

# Kinds (Chinese values of the `kind` column) and how the generator places them. `per` is the
# served people per facility of a fully served street; `missing` lists streets (by code) that
# deliberately get none; `short` streets get a third of their share. Beds for care homes only.
KINDS = [
    # kind, served group, people per facility, streets without, streets short
    ("养老院", "60", 4000, ["420106003000", "420106490000"], ["420106011000"]),
    ("日间照料中心", "60", 1200, ["420106009000"], ["420106013000"]),
    ("社区食堂", "60", 2000, ["420106002000", "420106015000"], []),
    ("街道综合养老服务中心", None, None, ["420106005000", "420106012000", "420106490000"], []),
    ("社区养老服务站", "80", 150, [], ["420106001000", "420106009000"]),
]
# Care-home beds are drawn per home; the ranges give some streets enough beds for the
# GB 50437 ratio (40 per 1,000 people aged 60+) and others too few.
BEDS = (150, 400)


def crop_window(grid, box):
    """Rows and columns of the source grid whose pixels touch the box."""
    x0, y0, sx, sy = grid
    minx, miny, maxx, maxy = box
    c0 = int((minx - x0) // sx)
    c1 = int((maxx - x0) // sx)
    r0 = int((y0 - maxy) // sy)
    r1 = int((y0 - miny) // sy)
    return r0, r1 + 1, c0, c1 + 1


def centre(grid, r, c):
    x0, y0, sx, sy = grid
    return x0 + (c + 0.5) * sx, y0 - (r + 0.5) * sy


def street_of_pixels(streets, grid, rows, cols):
    """For each pixel of the window (row-major), the index of the street holding its centre,
    or None; by scan lines (crossings per pixel row)."""
    out = []
    for r in rows:
        y = centre(grid, r, 0)[1]
        xs = [bc.crossings(s["rings"], y) for s in streets]
        for c in cols:
            x = centre(grid, r, c)[0]
            hit = [i for i, cr in enumerate(xs) if bc.inside_row(cr, x)]
            if len(hit) > 1:
                raise SystemExit("pixel r%d c%d lies in two streets: %s" % (r, c, hit))
            out.append(hit[0] if hit else None)
    return out


def main():
    streets = []
    feats = bc.load_features(os.path.join(SRC, "streets_approx.geojson"), DISTRICT)
    assert len(feats) == 14, len(feats)
    for ft in feats:
        streets.append({"feature": ft, "rings": bc.rings(ft["geometry"]), "id": ft["properties"]["id"], "name": ft["properties"]["name"]})
    os.makedirs(OUT, exist_ok=True)
    bc.write_geojson(os.path.join(OUT, "streets_approx.geojson"), feats)

    boxes = [bc.bbox(s["rings"]) for s in streets]
    box = (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))

    rasters = {}
    for name in ("pop_60plus.tif", "pop_80plus.tif"):
        tags, width, height, rows = tf.read_float32(os.path.join(SRC, name))
        rasters[name] = (tags, rows)
    tags = rasters["pop_60plus.tif"][0]
    assert tags[tf.PIXEL_SCALE] == rasters["pop_80plus.tif"][0][tf.PIXEL_SCALE]
    assert tags[tf.TIEPOINT] == rasters["pop_80plus.tif"][0][tf.TIEPOINT]
    sx, sy, _ = tags[tf.PIXEL_SCALE][1]
    tp = tags[tf.TIEPOINT][1]
    assert tp[:3] == (0.0, 0.0, 0.0)
    grid = (tp[3], tp[4], sx, sy)
    r0, r1, c0, c1 = crop_window(grid, box)
    prow, pcol = range(r0, r1), range(c0, c1)
    owner = street_of_pixels(streets, grid, prow, pcol)

    # The crop: same pixel size, tiepoint at the crop's corner (PixelIsArea, as the source).
    georef = {t: tags[t] for t in (tf.PIXEL_SCALE, tf.GEO_KEYS, tf.GEO_DOUBLES, tf.GEO_ASCII, tf.GDAL_NODATA)}
    georef[tf.TIEPOINT] = (12, (0.0, 0.0, 0.0, tp[3] + c0 * sx, tp[4] - r0 * sy, 0.0))
    kept = {}
    for name, (_, rows) in rasters.items():
        out = []
        k = 0
        for r in prow:
            line = []
            for c in pcol:
                v = rows[r][c]
                line.append(v if owner[k] is not None else NODATA)
                k += 1
            out.append(line)
        tf.write_float32(os.path.join(OUT, name), out, georef)
        kept[name] = out

    check_rasters(streets, grid, rasters, (r0, r1, c0, c1))

    # Per-street pixels with people, for the sampling.
    pixels = [[] for _ in streets]
    k = 0
    for r in prow:
        for c in pcol:
            i = owner[k]
            k += 1
            if i is None:
                continue
            v60 = max(rasters["pop_60plus.tif"][1][r][c], 0.0)
            v80 = max(rasters["pop_80plus.tif"][1][r][c], 0.0)
            if v60 > 0 or v80 > 0:
                pixels[i].append((r, c, v60, v80))
    rows_csv = facilities(streets, grid, pixels)
    with open(os.path.join(OUT, "facilities_synthetic.csv"), "w", encoding="utf-8", newline="\n") as f:
        f.write("id,name,kind,capacity,lon,lat\n")
        for row in rows_csv:
            f.write(",".join(row) + "\n")
    for i, s in enumerate(streets):
        p60 = sum(p[2] for p in pixels[i])
        p80 = sum(p[3] for p in pixels[i])
        print("%s %-14s 60+ %8.0f 80+ %7.0f" % (s["id"], s["name"], p60, p80))
    print("facilities:", len(rows_csv))


def check_rasters(streets, grid, rasters, window):
    """Independent check: each written raster, read back from its file, keeps exactly the
    source pixels whose centre a brute-force point-in-polygon test puts in some street."""
    r0, r1, c0, c1 = window
    boxes = [bc.bbox(s["rings"]) for s in streets]
    for name, (_, src_rows) in rasters.items():
        _, w, h, got = tf.read_float32(os.path.join(OUT, name))
        assert (w, h) == (c1 - c0, r1 - r0), name
        want_sum = 0.0
        for r in range(r0, r1):
            for c in range(c0, c1):
                x, y = centre(grid, r, c)
                inn = any(
                    b[0] <= x <= b[2] and b[1] <= y <= b[3] and bc.inside(s["rings"], x, y)
                    for s, b in zip(streets, boxes)
                )
                v = src_rows[r][c]
                g = got[r - r0][c - c0]
                if inn:
                    assert g == v, (name, r, c, g, v)
                    if v > 0:
                        want_sum += v
                else:
                    assert g == NODATA, (name, r, c, g)
        got_sum = sum(v for row in got for v in row if v > 0)
        assert got_sum == want_sum, (name, got_sum, want_sum)
        print("%s: %d x %d pixels, %.1f people kept inside the 14 streets" % (name, w, h, got_sum))


def facilities(streets, grid, pixels):
    """SYNTHETIC facilities: for each kind and street, a count from the served people, at
    population-weighted random pixels (a point jittered inside the pixel, kept in the street)."""
    rng = random.Random(SEED)
    x0, y0, sx, sy = grid
    out = []
    n = 0
    for kind, group, per, missing, short in KINDS:
        for i, s in enumerate(streets):
            if s["id"] in missing or not pixels[i]:
                continue
            weight = [p[3] if group == "80" else p[2] for p in pixels[i]]
            served = sum(weight)
            if per is None:
                count = 1
            else:
                count = max(1, round(served / per))
                if s["id"] in short:
                    count = max(1, count // 3)
            short_name = s["name"].replace("街办事处", "").replace("街道", "")
            for j in range(count):
                r, c, _, _ = rng.choices(pixels[i], weights=weight)[0]
                while True:
                    lon = round(x0 + (c + rng.random()) * sx, 6)
                    lat = round(y0 - (r + rng.random()) * sy, 6)
                    if bc.inside(s["rings"], lon, lat):
                        break
                n += 1
                beds = ""
                if kind == "养老院":
                    beds = str(rng.randint(*BEDS) // 10 * 10)
                    if s["id"] in short:
                        beds = str(int(beds) // 3 // 10 * 10)
                name = "%s%s%d号（合成）" % (short_name, kind, j + 1)
                out.append(["WC%03d" % n, name, kind, beds, "%.6f" % lon, "%.6f" % lat])
    return out


if __name__ == "__main__":
    main()
