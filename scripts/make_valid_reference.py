#!/usr/bin/env python3
"""Reference numbers for src/validity tests, from GEOS through shapely.

For each polygon layer: the indexes of features GEOS calls invalid (with its reason), and for
each invalid one the result of shapely's make_valid (GEOS "linework" method): number of
polygon parts, planar area in degrees² (GEOS computes in the input coordinates, as
src/validity does) and the geodesic area in m² on WGS 84 (pyproj.Geod).

Usage: python3 scripts/make_valid_reference.py [layer.geojson ...]
Defaults to ../shared/data/helsinki/major_districts.geojson and postal_areas.geojson.
"""
import sys

import geopandas as gpd
import pyproj
import shapely
from shapely.validation import explain_validity, make_valid

paths = sys.argv[1:] or [
    "../shared/data/helsinki/major_districts.geojson",
    "../shared/data/helsinki/postal_areas.geojson",
]
geod = pyproj.Geod(ellps="WGS84")
print(f"shapely {shapely.__version__}, GEOS {shapely.geos_version_string}")
for path in paths:
    layer = gpd.read_file(path)
    bad = [i for i, g in enumerate(layer.geometry) if g is not None and not g.is_valid]
    print(f"{path}: {len(layer)} features, invalid: {bad}")
    for i in bad:
        g = layer.geometry[i]
        fixed = make_valid(g)
        parts = [p for p in getattr(fixed, "geoms", [fixed]) if p.geom_type in ("Polygon", "MultiPolygon")]
        polys = [q for p in parts for q in getattr(p, "geoms", [p])]
        m2 = sum(abs(geod.geometry_area_perimeter(q)[0]) for q in polys)
        m2_before = abs(geod.geometry_area_perimeter(g)[0])
        print(f"  feature {i}: {explain_validity(g)}")
        print(f"    make_valid: {fixed.geom_type}, {len(polys)} polygon part(s)")
        print(f"    planar area deg²: before {g.area!r} after {sum(q.area for q in polys)!r}")
        print(f"    geodesic area m²: before {m2_before!r} after {m2!r}")
