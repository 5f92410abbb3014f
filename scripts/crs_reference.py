#!/usr/bin/env python3
"""Reference points for src/crs/tests.rs, from PROJ through pyproj (an independent tool).

For each system: a few WGS 84 / ETRS89 / CGCS2000 lon/lat points within its zone and their
projected coordinates, printed as Rust array rows `(code_or_proj, [lon, lat], [x, y])`.
Datum shifts are switched off (the three datums are treated as equal, as carecircle does), so
the numbers test the projection alone.

    python3 scripts/crs_reference.py > /tmp/ref.txt
"""
import random
import pyproj

random.seed(5)

SYSTEMS = [
    # (EPSG code, centre lon, centre lat, half-width of the sample box in degrees)
    (3879, 25.0, 60.2, 1.2),
    (3067, 27.0, 64.0, 6.0),
    (3873, 19.0, 60.3, 1.2),
    (3885, 31.0, 62.0, 1.2),
    (4547, 114.0, 30.6, 1.4),
    (4491, 75.0, 39.0, 2.8),
    (4501, 135.0, 47.0, 2.8),
    (4502, 75.0, 39.0, 2.8),
    (4512, 135.0, 47.0, 2.8),
    (4513, 75.0, 39.0, 1.4),
    (4533, 135.0, 47.0, 1.4),
    (4534, 75.0, 39.0, 1.4),
    (4554, 135.0, 47.0, 1.4),
    (4527, 117.0, 39.1, 1.4),
    (32650, 117.0, 35.0, 2.9),
    (32601, -177.0, 50.0, 2.9),
    (32733, 15.0, -20.0, 2.9),
    (32722, -51.0, -30.0, 2.9),
    (25835, 27.0, 62.0, 2.9),
    (3857, 110.0, 30.0, 40.0),
    (2236, -81.0, 27.0, 1.0),  # NAD83 / Florida East (ftUS): a transverse Mercator in US feet
]

# Transverse Mercator on other ellipsoids, with latitude of origin and false northing: test the
# generalised projection (carecircle refuses these datums as layers, the projection is shared).
PROJ_STRINGS = [
    # (key used in the test, PROJ string, centre lon, centre lat, half-width)
    ("KRASS", "+proj=tmerc +lat_0=10 +lon_0=117 +k=0.9999 +x_0=300000 +y_0=-200000 +ellps=krass", 117.0, 30.0, 2.5),
    ("INTL", "+proj=tmerc +lat_0=0 +lon_0=9 +k=0.9996 +x_0=500000 +y_0=0 +ellps=intl", 9.0, 48.0, 2.9),
    ("IAG75", "+proj=tmerc +lat_0=0 +lon_0=111 +k=1 +x_0=500000 +y_0=0 +a=6378140 +rf=298.257", 111.0, 34.0, 1.4),
]


def rows(lon0, lat0, w, n=6):
    out = []
    for _ in range(n):
        lon = lon0 + random.uniform(-w, w)
        lat = lat0 + random.uniform(-w, w) * (0.5 if w > 10 else 1)
        out.append((lon, lat))
    return out


def main():
    for code, lon0, lat0, w in SYSTEMS:
        crs = pyproj.CRS.from_epsg(code)
        # lon/lat on the system's own ellipsoid, no datum shift.
        geo = crs.geodetic_crs
        t = pyproj.Transformer.from_crs(geo, crs, always_xy=True)
        for lon, lat in rows(lon0, lat0, w):
            x, y = t.transform(lon, lat)
            print(f'    ("EPSG:{code}", [{lon:.9f}, {lat:.9f}], [{x:.4f}, {y:.4f}]),')
    for key, s, lon0, lat0, w in PROJ_STRINGS:
        crs = pyproj.CRS.from_proj4(s)
        t = pyproj.Transformer.from_crs(crs.geodetic_crs, crs, always_xy=True)
        for lon, lat in rows(lon0, lat0, w):
            x, y = t.transform(lon, lat)
            print(f'    ("{key}", [{lon:.9f}, {lat:.9f}], [{x:.4f}, {y:.4f}]),')


if __name__ == "__main__":
    main()
