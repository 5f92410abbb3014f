#!/usr/bin/env python3
"""Synthetic many-vertex area outlines for scripts/bench_repair.sh (issue 15).

Writes into OUT (default /tmp/carecircle-big-outlines), one plan per outline, each with the
same tiny population CSV and facility list so `carecircle validate` / `analyze` runs end to end:

  star_1m          a simple star of 1,000,000 vertices (radius alternating 1 and 0.6)
  star_cross_100k  a self-crossing star polygon {100000/3}: every 3rd of 100,000 points on a
                   circle, so each edge crosses 4 others (200,000 crossings); its even-odd
                   repair is a central 100,000-gon plus 100,000 tip triangles
  circle_1m        a circle of 1,000,000 vertices

All synthetic: centred at 114.3 E, 30.5 N, radius 0.05 degrees (about 5 km).
Usage: scripts/make_big_outlines.py [OUT]
"""
import math
import os
import sys

LON0, LAT0, RADIUS = 114.3, 30.5, 0.05


def ring_star(n):
    for i in range(n):
        a = 2 * math.pi * i / n
        r = RADIUS * (1.0 if i % 2 == 0 else 0.6)
        yield LON0 + r * math.cos(a), LAT0 + r * math.sin(a)


def ring_star_crossing(n, step):
    for i in range(n):
        a = 2 * math.pi * ((i * step) % n) / n
        yield LON0 + RADIUS * math.cos(a), LAT0 + RADIUS * math.sin(a)


def ring_circle(n):
    for i in range(n):
        a = 2 * math.pi * i / n
        yield LON0 + RADIUS * math.cos(a), LAT0 + RADIUS * math.sin(a)


def write_area(path, pts):
    pts = list(pts)
    pts.append(pts[0])
    with open(path, "w") as f:
        f.write('{"type":"FeatureCollection","features":[{"type":"Feature",')
        f.write('"properties":{"id":"A1","name":"big"},')
        f.write('"geometry":{"type":"Polygon","coordinates":[[')
        f.write(",".join("[%.9f,%.9f]" % p for p in pts))
        f.write("]]}}]}\n")


PLAN = """title = "big outline: {name} (synthetic)"

[areas]
path = "{name}.geojson"
id = "id"
name = "name"

[population]
path = "cells.csv"
lon = "lon"
lat = "lat"
groups.elderly = "pop60"

[[facilities]]
path = "facilities.csv"
lon = "lon"
lat = "lat"
id = "fid"
kind = "kind"

[[service]]
kind = "station"
serves = "elderly"
radius_m = 1000
"""


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "/tmp/carecircle-big-outlines"
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "cells.csv"), "w") as f:
        f.write("id,lon,lat,pop60\n")
        k = 0
        for j in range(-4, 5):
            for i in range(-4, 5):
                f.write("c%d,%.5f,%.5f,%d\n" % (k, LON0 + i * 0.005, LAT0 + j * 0.005, 10 + k))
                k += 1
    with open(os.path.join(out, "facilities.csv"), "w") as f:
        f.write("fid,lon,lat,kind\nF1,%.5f,%.5f,station\n" % (LON0, LAT0))
    for name, pts in [
        ("star_1m", ring_star(1_000_000)),
        ("star_cross_100k", ring_star_crossing(100_000, 3)),
        ("circle_1m", ring_circle(1_000_000)),
    ]:
        write_area(os.path.join(out, name + ".geojson"), pts)
        with open(os.path.join(out, name + ".toml"), "w") as f:
            f.write(PLAN.format(name=name))
    print(out)


if __name__ == "__main__":
    main()
