#!/usr/bin/env python3
"""Independent reference implementation ("peer") of `carecircle analyze` with geopandas + shapely.

Usage:  python3 scripts/peer_geopandas.py PLAN.toml OUTDIR [--no-checks] [--contain-in-metric]

  --no-checks          skip the optional diagnostics (boundary / frame / geodesic borderline checks)
  --contain-in-metric  variant: test cell-in-area containment in the tmerc frame instead of lon/lat
                       (cells only; facility-in-area counting always uses lon/lat)

Writes OUTDIR/areas.csv (UTF-8 with BOM), one row per area x service, following the rules of the
plan format (see README / issue): cells are assigned to the first area (file order) whose polygon
contains the cell's representative point; a cell is covered for a service when the distance from its
representative point to the nearest facility of the service's kind is <= radius_m, distances being
planar in a local transverse Mercator frame centred on the areas layer's bounding-box centre longitude.

Diagnostics (unassigned population, timings, borderline geodesic check) go to stderr.
Requires: geopandas, shapely>=2, pyproj, pandas, numpy (pip install geopandas pyproj).
"""
from __future__ import annotations

import csv
import os
import sys
import time
import tomllib
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

COLUMNS = ["area_id", "area_name", "kind", "population", "covered_population", "coverage",
           "facilities", "capacity", "capacity_per_1000", "blank", "reasons"]
LONLAT = "EPSG:4326"  # GeoJSON / CSV coordinates are lon/lat (geopandas always uses x=lon, y=lat)

_T0 = time.perf_counter()
_TL = _T0


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def stage(name: str) -> None:
    """Print the wall time spent since the previous stage mark."""
    global _TL
    now = time.perf_counter()
    log(f"[time] {name:<28s} {now - _TL:7.3f} s   (total {now - _T0:7.3f} s)")
    _TL = now


def group_columns(spec) -> list[str]:
    return [spec] if isinstance(spec, str) else list(spec)


def nonneg(values: pd.Series) -> np.ndarray:
    """Null / missing / non-numeric / negative -> 0 (applied to every property before summing)."""
    v = pd.to_numeric(values, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    return np.where(np.isnan(v) | (v < 0), 0.0, v)


def fmt(x: float, nd: int) -> str:
    s = f"{x:.{nd}f}"
    return s[1:] if s.startswith("-") and float(s) == 0 else s  # never print "-0.000"


def main(argv: list[str]) -> int:
    args = [a for a in argv if not a.startswith("--")]
    checks = "--no-checks" not in argv
    metric_contain = "--contain-in-metric" in argv  # variant: point-in-polygon in the tmerc frame
    if len(args) != 2:
        log(__doc__)
        return 2
    plan_path, outdir = Path(args[0]), Path(args[1])
    with open(plan_path, "rb") as f:
        plan = tomllib.load(f)
    base = plan_path.resolve().parent

    # ------------------------------------------------------------------ areas
    a_cfg = plan["areas"]
    areas = gpd.read_file(base / a_cfg["path"])
    if areas.crs is None:
        areas = areas.set_crs(LONLAT)
    areas = areas.to_crs(LONLAT).reset_index(drop=True)
    areas["area_id"] = areas[a_cfg["id"]].astype(object).map(lambda v: "" if pd.isna(v) else str(v))
    name_col = a_cfg.get("name")
    areas["area_name"] = (areas[name_col].astype(object).map(lambda v: "" if pd.isna(v) else str(v))
                          if name_col else "")
    areas["area_pos"] = np.arange(len(areas))
    minx, _, maxx, _ = areas.total_bounds
    lon0 = float((minx + maxx) / 2.0)
    local = pyproj.CRS.from_proj4(f"+proj=tmerc +lat_0=0 +lon_0={lon0!r} +k=1 +x_0=0 +y_0=0 "
                                  "+ellps=WGS84 +units=m +no_defs")
    log(f"areas: {len(areas)}   local frame: tmerc lon_0={lon0:.9f}")
    stage("read areas")

    # ------------------------------------------------------------- population
    p_cfg = plan["population"]
    groups = {g: group_columns(s) for g, s in p_cfg["groups"].items()}
    needed = sorted({c for cols in groups.values() for c in cols})
    p_path = base / p_cfg["path"]
    if p_path.suffix.lower() == ".csv":
        lon_c, lat_c = p_cfg.get("lon", "lon"), p_cfg.get("lat", "lat")
        header = pd.read_csv(p_path, nrows=0).columns
        raw = pd.read_csv(p_path, usecols=[c for c in [lon_c, lat_c, *needed] if c in header])
        cells = gpd.GeoDataFrame(raw.drop(columns=[lon_c, lat_c]),
                                 geometry=gpd.points_from_xy(raw[lon_c], raw[lat_c]), crs=LONLAT)
        cells_xy = cells.geometry.to_crs(local)             # representative point, metric frame
        cells_ll = cells.geometry                           # representative point, lon/lat
    else:
        cells = gpd.read_file(p_path)
        if cells.crs is None:
            cells = cells.set_crs(LONLAT)
        cells = cells.to_crs(LONLAT)
        proj = cells.geometry.to_crs(local)
        is_pt = proj.geom_type == "Point"
        # polygon centroid computed in the local metric frame, then used (and mapped back to lon/lat)
        cells_xy = gpd.GeoSeries(np.where(is_pt, proj.values, proj.centroid.values), crs=local)
        cells_ll = cells_xy.to_crs(LONLAT)
        log(f"population cells: {len(cells)} ({int((~is_pt).sum())} polygons -> centroids)")
    cells = cells.reset_index(drop=True)
    for c in needed:
        if c not in cells.columns:
            log(f"warning: population property {c!r} missing everywhere -> counts as 0")
    gvals = {g: sum((nonneg(cells[c]) if c in cells.columns else np.zeros(len(cells)))
                    for c in cols) + np.zeros(len(cells))
             for g, cols in groups.items()}
    log(f"population cells: {len(cells)}")
    stage("read population")

    # ------------------------------------------------------------- facilities
    fac_parts = []
    for f_cfg in plan.get("facilities", []):
        g = gpd.read_file(base / f_cfg["path"])
        if g.crs is None:
            g = g.set_crs(LONLAT)
        g = g.to_crs(LONLAT)
        if "kind_value" in f_cfg:
            kind = pd.Series(str(f_cfg["kind_value"]), index=g.index)
        else:
            kind = g[f_cfg["kind"]].astype(object).map(lambda v: None if pd.isna(v) else str(v))
        cap_col = f_cfg.get("capacity")
        # capacity: null / non-numeric -> 0; no capacity field -> 0
        cap = (pd.to_numeric(g[cap_col], errors="coerce").fillna(0.0).astype("float64")
               if cap_col and cap_col in g.columns else pd.Series(0.0, index=g.index))
        fac_parts.append(gpd.GeoDataFrame({"fkind": kind.values, "fcap": cap.values},
                                          geometry=g.geometry.values, crs=LONLAT))
    facs = pd.concat(fac_parts, ignore_index=True) if fac_parts else \
        gpd.GeoDataFrame({"fkind": [], "fcap": []}, geometry=[], crs=LONLAT)
    facs = facs[facs.geometry.notna() & ~facs.geometry.is_empty].reset_index(drop=True)
    facs_xy = facs.geometry.to_crs(local)
    log(f"facilities: {len(facs)}")
    stage("read facilities")

    # ---------------------------------------------- cell -> area (first in file order)
    # default: point-in-polygon in lon/lat (the layers' own CRS, edges straight in degrees)
    if metric_contain:
        pts = gpd.GeoDataFrame(geometry=cells_xy.values, crs=local)
        hit = gpd.sjoin(pts, areas[["area_pos", "geometry"]].to_crs(local), how="inner",
                        predicate="within")
    else:
        pts = gpd.GeoDataFrame(geometry=cells_ll.values, crs=LONLAT)
        hit = gpd.sjoin(pts, areas[["area_pos", "geometry"]], how="inner", predicate="within")
    n_multi = int(hit.index[hit.index.duplicated()].nunique())  # cells inside more than one area
    first = hit.reset_index().groupby("index")["area_pos"].min()
    cell_area = np.full(len(cells), -1, dtype=np.int64)
    cell_area[first.index.to_numpy()] = first.to_numpy()
    assigned = cell_area >= 0
    log(f"cells assigned: {int(assigned.sum())}, unassigned: {int((~assigned).sum())}, "
        f"cells inside >1 area (first in file order wins): {n_multi}")
    for g, v in gvals.items():
        log(f"unassigned population [{g}]: {v[~assigned].sum():.3f}  (total {v.sum():.3f})")
    stage("assign cells to areas")

    if checks:
        # boundary diagnostics: points that lie exactly on an area boundary (contains vs covers),
        # and assignment differences if containment were tested in the metric frame instead
        tree = shapely.STRtree(areas.geometry.values)
        cov = tree.query(cells_ll.values, predicate="covered_by")
        n_edge = len(np.unique(cov[0])) - int(assigned.sum())
        areas_xy = areas.geometry.to_crs(local)
        hit_xy = gpd.sjoin(gpd.GeoDataFrame(geometry=cells_xy.values, crs=local),
                           gpd.GeoDataFrame({"area_pos": areas["area_pos"]}, geometry=areas_xy.values,
                                            crs=local), how="inner", predicate="within")
        first_xy = hit_xy.reset_index().groupby("index")["area_pos"].min()
        alt = np.full(len(cells), -1, dtype=np.int64)
        alt[first_xy.index.to_numpy()] = first_xy.to_numpy()
        diff = alt != cell_area
        log(f"[check] cells on an area boundary (covered but not contained): {n_edge}")
        log(f"[check] cells assigned differently if containment were done in the tmerc frame: "
            f"{int(diff.sum())} (elderly/first group pop {next(iter(gvals.values()))[diff].sum():.3f})")
        stage("boundary checks")

    # ------------------------------------------------- facilities per area (inside the polygon)
    fhit = gpd.sjoin(facs[["fkind", "fcap", "geometry"]], areas[["area_pos", "geometry"]],
                     how="inner", predicate="within")
    fac_count = fhit.groupby(["area_pos", "fkind"]).size()
    fac_cap = fhit.groupby(["area_pos", "fkind"])["fcap"].sum()
    if checks:
        log(f"[check] facilities in no area: {len(facs) - fhit.index.nunique()}, "
            f"in >1 area: {int(fhit.index.duplicated().sum())}")
    stage("facilities per area")

    # ------------------------------------------------------------- coverage per service
    services = plan.get("service", [])
    for s in services:
        if s["serves"] not in gvals:
            raise SystemExit(f"service {s.get('id', s['kind'])!r} serves unknown group {s['serves']!r}")
    geod = pyproj.Geod(ellps="WGS84")
    cell_pts_xy = gpd.GeoDataFrame(geometry=cells_xy.values, crs=local)
    ll_x, ll_y = shapely.get_x(cells_ll.values), shapely.get_y(cells_ll.values)
    covered_by_service = []
    for s in services:
        kind, radius = str(s["kind"]), float(s["radius_m"])
        sid = str(s.get("id", kind))
        mask = (facs["fkind"] == kind).to_numpy()
        dist = np.full(len(cells), np.inf)
        if mask.any():
            fk = gpd.GeoDataFrame(geometry=facs_xy.values[mask], crs=local)
            nn = gpd.sjoin_nearest(cell_pts_xy, fk, how="inner", max_distance=radius + 2.0,
                                   distance_col="d")
            d = nn.groupby(level=0)["d"].min()
            dist[d.index.to_numpy()] = d.to_numpy()
        covered = dist <= radius
        covered_by_service.append(covered)
        msg = (f"service {sid}: kind={kind} facilities={int(mask.sum())} radius={radius:g} m, "
               f"covered cells {int(covered.sum())}/{len(cells)}")
        if checks and mask.any():
            near = np.abs(dist - radius) <= 0.5
            border = np.flatnonzero(np.abs(dist - radius) <= 2.0)
            n_dis = 0
            pop_dis = 0.0
            if len(border):
                ftree = shapely.STRtree(facs_xy.values[mask])
                ci, fi = ftree.query(cells_xy.values[border], predicate="dwithin",
                                     distance=radius + 5.0)
                fpts = facs.geometry.values[mask]
                fx, fy = shapely.get_x(fpts), shapely.get_y(fpts)
                cidx = border[ci]
                _, _, gd = geod.inv(ll_x[cidx], ll_y[cidx], fx[fi], fy[fi])
                gmin = pd.Series(gd).groupby(cidx).min()
                gcov = np.zeros(len(cells), dtype=bool)
                gcov[gmin.index.to_numpy()] = gmin.to_numpy() <= radius
                dis = border[gcov[border] != covered[border]]
                n_dis = len(dis)
                pop_dis = gvals[s["serves"]][dis].sum()
            msg += (f"; within 0.5 m of radius: {int(near.sum())}, within 2 m: {len(border)}, "
                    f"geodesic disagrees: {n_dis} cells (pop {pop_dis:.3f})")
        log(msg)
    stage("coverage (nearest facility)")

    # ------------------------------------------------------------- aggregate + rules
    rows = []
    area_idx = pd.Index(np.arange(len(areas)))
    per_service = []
    for s, covered in zip(services, covered_by_service):
        v = gvals[s["serves"]]
        df = pd.DataFrame({"a": cell_area[assigned], "p": v[assigned],
                           "c": np.where(covered, v, 0.0)[assigned]})
        agg = df.groupby("a")[["p", "c"]].sum().reindex(area_idx, fill_value=0.0)
        per_service.append(agg)
    order = sorted(range(len(areas)), key=lambda i: areas["area_id"].iat[i])
    for i in order:
        for s, agg in zip(services, per_service):
            kind = str(s["kind"])
            sid = str(s.get("id", kind))
            pop, cov = float(agg["p"].iat[i]), float(agg["c"].iat[i])
            n_fac = int(fac_count.get((i, kind), 0))
            cap = float(fac_cap.get((i, kind), 0.0))
            coverage = cov / pop if pop != 0 else None
            cap1000 = cap / pop * 1000.0 if pop != 0 else None
            reasons = []
            if "min_per_area" in s and n_fac < s["min_per_area"]:
                reasons.append("no_facility")
            if pop == 0:
                reasons.append("no_population")
            else:
                if "coverage_target" in s and coverage < s["coverage_target"]:
                    reasons.append("coverage_below_target")
                if "capacity_per_1000" in s and cap1000 < s["capacity_per_1000"]:
                    reasons.append("capacity_below_target")
            rows.append([areas["area_id"].iat[i], areas["area_name"].iat[i], sid,
                         fmt(pop, 3), fmt(cov, 3),
                         "" if coverage is None else fmt(coverage, 6),
                         str(n_fac), fmt(cap, 3),
                         "" if cap1000 is None else fmt(cap1000, 3),
                         "true" if reasons else "false", ";".join(reasons)])
    stage("aggregate + rules")

    os.makedirs(outdir, exist_ok=True)
    with open(outdir / "areas.csv", "w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(COLUMNS)
        w.writerows(rows)
    stage("write areas.csv")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
