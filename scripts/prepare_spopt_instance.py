#!/usr/bin/env python3
"""Prepare the two-district Wuhan MCLP peer-comparison bundle.

Recipe (from the issue): the streets of districts 420106 and 420102 in
streets_approx.geojson, the 60+ population cells whose centre lies inside
them, the synthetic service_stations inside them (kept as existing
facilities), and 300 candidate sites sampled from the populated cell centres
with a fixed seed (42).

Writes to OUT_DIR (default ./wuhan_2districts; scripts/bench_sites.sh passes a temp dir):
  streets.geojson     the two districts' streets
  cells.csv           cells inside them (same columns as the input CSV)
  facilities.geojson  service_stations inside them
  candidates.csv      id,lon,lat of the 300 sampled candidate cell centres

Requires: pip install geopandas shapely pyproj pandas numpy
Usage: prepare_spopt_instance.py [--data DIR] [--out DIR] [--seed 42] [--n 300]
"""

import argparse
import os
import time

import geopandas as gpd
import numpy as np
import pandas as pd

DISTRICTS = ("420106", "420102")
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=os.path.join(REPO, "..", "shared", "data", "wuhan"))
    ap.add_argument("--out", default="wuhan_2districts")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--n", type=int, default=300, help="number of candidates")
    args = ap.parse_args()
    t0 = time.perf_counter()
    os.makedirs(args.out, exist_ok=True)

    streets = gpd.read_file(os.path.join(args.data, "streets_approx.geojson"))
    streets = streets[streets["id"].astype(str).str[:6].isin(DISTRICTS)].copy()
    streets = streets.to_crs("EPSG:4326")
    area = streets.union_all() if hasattr(streets, "union_all") else streets.unary_union

    cells = pd.read_csv(os.path.join(args.data, "population_60plus_cells.csv"))
    # Cheap bbox pre-filter, then exact point-in-polygon on the centres.
    minx, miny, maxx, maxy = area.bounds
    box = cells[
        (cells.lon >= minx) & (cells.lon <= maxx) & (cells.lat >= miny) & (cells.lat <= maxy)
    ]
    pts = gpd.GeoSeries(gpd.points_from_xy(box.lon, box.lat), crs="EPSG:4326", index=box.index)
    inside = pts.within(area)
    cells_in = box[inside.values].copy()

    fac = gpd.read_file(os.path.join(args.data, "facilities_synthetic.geojson")).to_crs("EPSG:4326")
    stations = fac[(fac["kind"] == "service_station") & fac.within(area)].copy()

    populated = cells_in[cells_in.pop_60plus > 0].reset_index(drop=True)
    rng = np.random.default_rng(args.seed)
    pick = np.sort(rng.choice(len(populated), size=min(args.n, len(populated)), replace=False))
    cand = populated.iloc[pick][["id", "lon", "lat"]]

    streets.to_file(os.path.join(args.out, "streets.geojson"), driver="GeoJSON")
    cells_in.to_csv(os.path.join(args.out, "cells.csv"), index=False)
    stations.to_file(os.path.join(args.out, "facilities.geojson"), driver="GeoJSON")
    cand.to_csv(os.path.join(args.out, "candidates.csv"), index=False)

    print(f"streets: {len(streets)} (districts {', '.join(DISTRICTS)})")
    print(f"cells inside: {len(cells_in)} (populated: {len(populated)}), "
          f"pop_60plus total {cells_in.pop_60plus.sum():.1f}")
    print(f"service_stations inside: {len(stations)}")
    print(f"candidates: {len(cand)} (seed {args.seed})")
    print(f"written to {args.out} in {time.perf_counter() - t0:.2f} s")


if __name__ == "__main__":
    main()
