#!/usr/bin/env python3
"""Peer implementation of carecircle's walking-coverage rules with networkx (Porto Alegre).

Independent cross-check for the Rust `network` module: same rules, different code and libraries.

Rules (exactly these):
  * walkable = ways with a `highway` tag except motorway, motorway_link, trunk, trunk_link,
    construction, proposed, raceway, bus_guideway, escape, abandoned, platform; and except
    `foot=no`, or `access=private|no` without `foot=yes|designated|permissive`; both directions.
  * segment lengths in true metres (local azimuthal equidistant projection centred on the data,
    via pyproj; the Rust side uses its own local frame);
  * a point snaps to the nearest point of the nearest walkable segment (shapely STRtree), ties to
    the lowest segment index; farther than max_snap (500 m) = unreachable;
  * walk = access leg + network path between snap spots (or direct along the segment when both
    lie on the same segment) + egress leg; covered when <= budget (1000 m);
  * one multi-source Dijkstra per kind (virtual super-source joined to both end nodes of every
    facility's snap segment), cutoff = budget.
  * a way node missing from the file splits the way there (no segment across the gap).

Population: `pop_total` of population_h3r9.geojson (representative point = polygon centroid
computed in the projected plane); kinds: facilities_healthcare.geojson, facilities_school.geojson.

Requires: pip install osmium networkx shapely pyproj
Usage:    python3 scripts/peer_networkx.py [DATA_DIR]   (default: ../shared/data/porto_alegre
          relative to the repository, or /work/shared/data/porto_alegre)
"""

import json
import os
import sys
import time

import networkx as nx
import numpy as np
import osmium
import pyproj
import shapely
from shapely.geometry import LineString, Point, Polygon

EXCLUDED = {
    "motorway", "motorway_link", "trunk", "trunk_link", "construction", "proposed",
    "raceway", "bus_guideway", "escape", "abandoned", "platform",
}
BUDGET_M = 1000.0
MAX_SNAP_M = 500.0


def is_walkable(tags):
    highway = tags.get("highway")
    if highway is None or highway in EXCLUDED:
        return False
    foot = tags.get("foot")
    if foot == "no":
        return False
    if tags.get("access") in ("private", "no") and foot not in ("yes", "designated", "permissive"):
        return False
    return True


class WayCollector(osmium.SimpleHandler):
    def __init__(self):
        super().__init__()
        self.ways = []  # lists of node refs

    def way(self, w):
        tags = {t.k: t.v for t in w.tags}
        if is_walkable(tags):
            self.ways.append([n.ref for n in w.nodes])


class NodeCollector(osmium.SimpleHandler):
    def __init__(self, wanted):
        super().__init__()
        self.wanted = wanted
        self.coords = {}

    def node(self, n):
        if n.id in self.wanted:
            self.coords[n.id] = (n.location.lon, n.location.lat)


def load_network(pbf):
    ways = WayCollector()
    ways.apply_file(pbf)
    wanted = {r for w in ways.ways for r in w}
    nodes = NodeCollector(wanted)
    nodes.apply_file(pbf)
    coords = nodes.coords
    segments = []  # (u, v) osm ids, in file order
    missing = 0
    for refs in ways.ways:
        prev = None
        for r in refs:
            if r not in coords:
                missing += 1
                prev = None
                continue
            if prev is not None and prev != r:
                segments.append((prev, r))
            prev = r
    return len(ways.ways), coords, segments, missing


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    default = os.path.join(here, "..", "..", "shared", "data", "porto_alegre")
    if not os.path.isdir(default):
        default = "/work/shared/data/porto_alegre"
    data = sys.argv[1] if len(sys.argv) > 1 else default
    t0 = time.perf_counter()

    n_ways, coords, segments, missing = load_network(os.path.join(data, "poa_osm.pbf"))
    used = sorted({n for s in segments for n in s})
    lons = np.array([coords[n][0] for n in used])
    lats = np.array([coords[n][1] for n in used])
    lon0, lat0 = (lons.min() + lons.max()) / 2, (lats.min() + lats.max()) / 2
    proj = pyproj.Transformer.from_crs(
        "EPSG:4326", f"+proj=aeqd +lat_0={lat0} +lon_0={lon0} +ellps=WGS84 +units=m",
        always_xy=True)
    xs, ys = proj.transform(lons, lats)
    xy = {n: (x, y) for n, x, y in zip(used, xs, ys)}

    lines = [LineString([xy[u], xy[v]]) for u, v in segments]
    lengths = np.array([ln.length for ln in lines])
    graph = nx.Graph()
    for (u, v), length in zip(segments, lengths):
        if not graph.has_edge(u, v) or graph[u][v]["weight"] > length:
            graph.add_edge(u, v, weight=float(length))
    comps = sorted((len(c) for c in nx.connected_components(graph)), reverse=True)
    print(f"network: walkable_ways={n_ways} nodes={len(used)} segments={len(segments)} "
          f"walkable_km={lengths.sum() / 1000:.3f} components={len(comps)} "
          f"largest_component_nodes={comps[0]} missing_node_refs={missing}")
    tree = shapely.STRtree(lines)

    def snap(points):
        """Snap projected points: list of (seg index, t, access) or None."""
        geoms = [Point(p) for p in points]
        (qi, ti), dists = tree.query_nearest(
            geoms, max_distance=MAX_SNAP_M, return_distance=True, all_matches=True)
        best = {}
        for q, t, d in zip(qi, ti, dists):
            if d <= MAX_SNAP_M and (q not in best or t < best[q]):
                best[q] = t  # lowest segment index among equally near segments
        out = []
        for i, g in enumerate(geoms):
            if i not in best:
                out.append(None)
                continue
            seg = int(best[i])
            line = lines[seg]
            t = line.project(g, normalized=True) if line.length > 0 else 0.0
            access = g.distance(line.interpolate(t, normalized=True))
            out.append((seg, t, access))
        return out

    with open(os.path.join(data, "population_h3r9.geojson")) as f:
        cells = json.load(f)["features"]
    cell_points, cell_pop = [], []
    for c in cells:
        ring = c["geometry"]["coordinates"][0]
        px, py = proj.transform([p[0] for p in ring], [p[1] for p in ring])
        cen = Polygon(list(zip(px, py))).centroid
        cell_points.append((cen.x, cen.y))
        cell_pop.append(c["properties"]["pop_total"] or 0)
    cell_snaps = snap(cell_points)
    total_pop = sum(cell_pop)
    print(f"cells={len(cells)} pop_total={total_pop} "
          f"cells_off_network={sum(s is None for s in cell_snaps)}")

    for kind in ("healthcare", "school"):
        with open(os.path.join(data, f"facilities_{kind}.geojson")) as f:
            feats = json.load(f)["features"]
        fx, fy = proj.transform([ft["geometry"]["coordinates"][0] for ft in feats],
                                [ft["geometry"]["coordinates"][1] for ft in feats])
        fac_snaps = [s for s in snap(list(zip(fx, fy))) if s is not None]
        g = graph.copy()
        src = ("source",)
        by_edge = {}
        for seg, t, access in fac_snaps:
            u, v = segments[seg]
            length = lengths[seg]
            for node, w in ((u, access + t * length), (v, access + (1 - t) * length)):
                if w <= BUDGET_M and (not g.has_edge(src, node) or g[src][node]["weight"] > w):
                    g.add_edge(src, node, weight=float(w))
            by_edge.setdefault(seg, []).append((t, access))
        dist = nx.single_source_dijkstra_path_length(g, src, cutoff=BUDGET_M) if src in g else {}
        covered_pop = covered_cells = 0
        for snap_, pop in zip(cell_snaps, cell_pop):
            if snap_ is None:
                continue
            seg, t, access = snap_
            u, v = segments[seg]
            length = lengths[seg]
            best = min(dist.get(u, np.inf) + t * length, dist.get(v, np.inf) + (1 - t) * length)
            for ts, acc_s in by_edge.get(seg, ()):
                best = min(best, acc_s + abs(ts - t) * length)
            if best + access <= BUDGET_M:
                covered_pop += pop
                covered_cells += 1
        print(f"kind={kind} facilities={len(feats)} snapped={len(fac_snaps)} "
              f"covered_cells={covered_cells} covered_pop={covered_pop} "
              f"share={covered_pop / total_pop:.4f}")
    print(f"elapsed_s={time.perf_counter() - t0:.2f}")


if __name__ == "__main__":
    main()
