#!/usr/bin/env python3
"""Reference numbers for tests/formats.rs, read with GDAL (pyogrio + shapely), independently of
carecircle's Shapefile and GeoPackage readers, from the Helsinki originals in
../shared/data/helsinki/original. Writes tests/fixtures/formats/helsinki_reference.json:

per layer: feature count; the totals over all features of polygons, rings and vertices (closing
points included) and of the bbox coordinates; and for every 25th feature its bbox, polygon,
ring and vertex counts and attributes.

Run with a Python that has geopandas + pyogrio (python3.11 here):
  python3 scripts/formats_reference.py
"""
import json
import math
import os

import pyogrio

ROOT = os.path.join(os.path.dirname(__file__), "..")
ORIG = os.path.join(ROOT, "..", "shared", "data", "helsinki", "original")
LAYERS = [
    "Vaestotietoruudukko_2015.shp",
    "Helsinki_centre_postal_areas.gpkg",
    "Population_grid_2021_HSY.gpkg",
]


def parts(g):
    return list(g.geoms) if g.geom_type == "MultiPolygon" else [g]


def clean(v):
    if isinstance(v, float) and math.isnan(v):
        return None
    if hasattr(v, "item"):
        return v.item()
    return v


def main():
    out = {}
    for name in LAYERS:
        df = pyogrio.read_dataframe(os.path.join(ORIG, name), fid_as_index=True)
        tot = {"polygons": 0, "rings": 0, "vertices": 0, "bbox_sum": [0.0, 0.0, 0.0, 0.0]}
        sample = []
        for i, (fid, row) in enumerate(df.iterrows()):
            g = row.geometry
            ps = parts(g)
            rings = sum(1 + len(p.interiors) for p in ps)
            verts = sum(len(p.exterior.coords) + sum(len(r.coords) for r in p.interiors) for p in ps)
            b = list(g.bounds)
            tot["polygons"] += len(ps)
            tot["rings"] += rings
            tot["vertices"] += verts
            tot["bbox_sum"] = [a + c for a, c in zip(tot["bbox_sum"], b)]
            if i % 25 == 0:
                props = {k: clean(row[k]) for k in df.columns if k != "geometry"}
                sample.append(
                    {"index": i, "bbox": b, "polygons": len(ps), "rings": rings,
                     "vertices": verts, "properties": props}
                )
        out[name] = {"features": len(df), "totals": tot, "sample": sample}
    path = os.path.join(ROOT, "tests", "fixtures", "formats", "helsinki_reference.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
