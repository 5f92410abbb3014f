#!/usr/bin/env python3
"""Writes the small format fixtures of tests/formats.rs into tests/fixtures/formats/ with GDAL
(through pyogrio), an implementation independent of carecircle's readers.

  gbk_cpg/streets.{shp,shx,dbf,cpg}   3 street polygons (one with a hole, one in two parts),
                                      GBK text, a .cpg saying "GBK"; field names in Chinese too
  gbk_nocpg/sites.{shp,shx,dbf}       3 facility points, GBK text, no .cpg
  lines/roads.{shp,shx,dbf}           a PolyLine Shapefile (an unsupported shape type)
  lines.gpkg                          a GeoPackage with a LineString layer and a point layer
  facilities_gbk.csv                  the sites as a GBK CSV

Run with a Python that has geopandas + pyogrio (e.g. python3.11 here):
  python3 scripts/make_format_fixtures.py
"""
import os
import shutil

import geopandas as gpd
import pyogrio
from shapely.geometry import LineString, MultiPolygon, Point, Polygon

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "formats")


def square(x, y, s):
    return [(x, y), (x + s, y), (x + s, y + s), (x, y + s), (x, y)]


def main():
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(os.path.join(OUT, "gbk_cpg"))
    os.makedirs(os.path.join(OUT, "gbk_nocpg"))
    os.makedirs(os.path.join(OUT, "lines"))

    # Streets in CGCS2000 / 3-degree Gauss-Krueger zone 38 metres (EPSG:4526), as a bureau
    # would ship them.
    x0, y0 = 38_500_000.0, 3_380_000.0
    streets = gpd.GeoDataFrame(
        {
            "代码": ["420102001", "420102002", "004201003"],
            "名称": ["江汉街道", "民族街道", "花楼街道"],
            "pop60": [5123, None, 871],
            "density": [1.5, 2.25, None],
        },
        geometry=[
            Polygon(square(x0, y0, 1000)),
            Polygon(square(x0 + 1000, y0, 1000), [square(x0 + 1200, y0 + 200, 300)]),
            MultiPolygon(
                [Polygon(square(x0, y0 + 1000, 500)), Polygon(square(x0 + 600, y0 + 1000, 400))]
            ),
        ],
        crs="EPSG:4526",
    )
    p = os.path.join(OUT, "gbk_cpg", "streets.shp")
    pyogrio.write_dataframe(streets, p, encoding="GBK")
    with open(p[:-4] + ".cpg", "w") as f:
        f.write("GBK")

    sites = gpd.GeoDataFrame(
        {
            "名称": ["江汉区社区养老服务站", "民族街道嵌入式养老机构", "花楼街老年食堂"],
            "类型": ["service_station", "nursing_home", "meal_point"],
            "床位": [0, 120, None],
        },
        geometry=[Point(114.27, 30.58), Point(114.281, 30.575), Point(114.29, 30.59)],
        crs="EPSG:4326",
    )
    p = os.path.join(OUT, "gbk_nocpg", "sites.shp")
    pyogrio.write_dataframe(sites, p, encoding="GBK")
    if os.path.exists(p[:-4] + ".cpg"):
        os.remove(p[:-4] + ".cpg")

    # The same sites as a GBK CSV.
    with open(os.path.join(OUT, "facilities_gbk.csv"), "w", encoding="gbk", newline="") as f:
        f.write("名称,类型,床位,lon,lat\r\n")
        for name, kind, beds, g in zip(sites["名称"], sites["类型"], sites["床位"], sites.geometry):
            beds = "" if beds != beds else str(int(beds))
            f.write(f"{name},{kind},{beds},{g.x},{g.y}\r\n")

    roads = gpd.GeoDataFrame(
        {"name": ["a", "b"]},
        geometry=[LineString([(0, 0), (1, 1)]), LineString([(1, 1), (2, 0)])],
        crs="EPSG:4326",
    )
    pyogrio.write_dataframe(roads, os.path.join(OUT, "lines", "roads.shp"))
    g = os.path.join(OUT, "lines.gpkg")
    pyogrio.write_dataframe(roads, g, layer="roads")
    pyogrio.write_dataframe(sites, g, layer="sites", append=False)


if __name__ == "__main__":
    main()
