#!/usr/bin/env python3
"""Peer comparison: solve the two-district Wuhan MCLP with spopt + CBC.

Reads the bundle written by prepare_spopt_instance.py, projects to UTM 50N
(EPSG:32650), removes the demand already covered by the existing service
stations (within RADIUS m, kept fixed), builds spopt's MCLP for each p given
on the command line (straight-line distance, service radius RADIUS m,
weights = pop_60plus of the uncovered cells), solves it with CBC (shipped
with pulp) and prints the newly covered population and the times.

It can also write the same instance (uncovered demand weights + candidate
cover lists) as a plain text file for the Rust example
`examples/solve_instance.rs` of the siting crate:

  # carecircle-siting instance v1
  <n_demand> <n_candidates>
  <weight>                       (n_demand lines)
  <k> <i_1> ... <i_k>            (n_candidates lines, sorted demand indices)

Requires: pip install geopandas shapely pyproj pandas numpy scipy spopt pulp
Usage: spopt_mclp.py P [P ...] [--bundle DIR] [--radius 1000]
                     [--write-instance FILE] [--json FILE]
"""

import argparse
import json
import os
import time

T_START = time.perf_counter()

import geopandas as gpd  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pulp  # noqa: E402
from scipy.spatial import cKDTree  # noqa: E402
from scipy.spatial.distance import cdist  # noqa: E402
from spopt.locate import MCLP  # noqa: E402

CRS = "EPSG:32650"


def project(lon, lat):
    pts = gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs="EPSG:4326").to_crs(CRS)
    return np.column_stack([pts.x.to_numpy(), pts.y.to_numpy()])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("p", type=int, nargs="+", help="number of new sites")
    ap.add_argument("--bundle", default="wuhan_2districts",
                    help="folder written by prepare_spopt_instance.py")
    ap.add_argument("--radius", type=float, default=1000.0)
    ap.add_argument("--write-instance", default=None)
    ap.add_argument("--json", default=None, help="write results as JSON here")
    args = ap.parse_args()
    t_load = time.perf_counter()

    cells = pd.read_csv(os.path.join(args.bundle, "cells.csv"))
    cand = pd.read_csv(os.path.join(args.bundle, "candidates.csv"))
    fac = gpd.read_file(os.path.join(args.bundle, "facilities.geojson")).to_crs(CRS)
    cxy = project(cells.lon, cells.lat)
    kxy = project(cand.lon, cand.lat)
    fxy = np.column_stack([fac.geometry.x.to_numpy(), fac.geometry.y.to_numpy()])

    # Demand already covered by the existing stations is removed.
    d_exist, _ = cKDTree(fxy).query(cxy, k=1)
    keep = d_exist > args.radius
    covered_existing = float(cells.pop_60plus[~keep].sum())
    dem = cells[keep].reset_index(drop=True)
    dxy = cxy[keep]
    weights = dem.pop_60plus.to_numpy(dtype=float)
    print(f"cells {len(cells)}, stations {len(fac)}, candidates {len(cand)}, radius {args.radius:.0f} m")
    print(f"already covered by stations: {covered_existing:.1f} of {cells.pop_60plus.sum():.1f}; "
          f"uncovered demand points {len(dem)} with {weights.sum():.1f} people")

    t_cost = time.perf_counter()
    cost = cdist(dxy, kxy)
    t_prep = time.perf_counter()
    print(f"load+project {t_cost - t_load:.2f} s, cost matrix {t_prep - t_cost:.2f} s")

    if args.write_instance:
        covers = [np.nonzero(cost[:, j] <= args.radius)[0] for j in range(cost.shape[1])]
        with open(args.write_instance, "w") as f:
            f.write("# carecircle-siting instance v1\n")
            f.write(f"{len(weights)} {len(covers)}\n")
            for w in weights:
                f.write(f"{float(w)!r}\n")
            for c in covers:
                f.write(" ".join([str(len(c))] + [str(int(i)) for i in c]) + "\n")
        print(f"instance written to {args.write_instance}")

    results = []
    for p in args.p:
        t0 = time.perf_counter()
        model = MCLP.from_cost_matrix(
            cost, weights, service_radius=args.radius, p_facilities=p, name=f"mclp-p{p}"
        )
        t1 = time.perf_counter()
        solver = pulp.PULP_CBC_CMD(msg=False)
        model = model.solve(solver)
        t2 = time.perf_counter()
        status = pulp.LpStatus[model.problem.status]
        objective = float(pulp.value(model.problem.objective))
        chosen = [j for j, v in enumerate(model.fac_vars) if v.value() > 0.5]
        # Recompute coverage of the chosen set independently of the model.
        cov = float(weights[(cost[:, chosen] <= args.radius).any(axis=1)].sum()) if chosen else 0.0
        total = time.perf_counter() - T_START if not results else None
        print(f"p={p}: status {status}, objective {objective:.3f} (recomputed {cov:.3f}), "
              f"build {t1 - t0:.2f} s, solve {t2 - t1:.2f} s")
        results.append({
            "p": p, "status": status, "objective": objective, "recomputed": cov,
            "build_s": t1 - t0, "solve_s": t2 - t1, "sites": chosen,
            "whole_process_s_first": total,
        })
    elapsed = time.perf_counter() - T_START
    print(f"whole process (imports, load, all p): {elapsed:.2f} s")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"radius": args.radius, "n_demand": len(weights),
                       "covered_existing": covered_existing, "results": results,
                       "whole_process_s": elapsed}, f, indent=1)


if __name__ == "__main__":
    main()
