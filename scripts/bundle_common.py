"""Pure-Python helpers shared by the bundle generators (make_wuchang_bundle.py,
make_preset_examples.py): GeoJSON reading, the even-odd point-in-polygon test and its
scan-line form, and deterministic file writing. No third-party packages.
"""
import bisect
import json


def load_features(path, id_prefix):
    """The features of a GeoJSON file whose `id` property starts with `id_prefix`, by id."""
    with open(path, encoding="utf-8") as f:
        fc = json.load(f)
    feats = [ft for ft in fc["features"] if str(ft["properties"]["id"]).startswith(id_prefix)]
    return sorted(feats, key=lambda ft: str(ft["properties"]["id"]))


def rings(geometry):
    """Every ring of a Polygon or MultiPolygon as a list of (x, y); with the even-odd rule,
    holes and separate parts need no distinction."""
    if geometry["type"] == "Polygon":
        polys = [geometry["coordinates"]]
    elif geometry["type"] == "MultiPolygon":
        polys = geometry["coordinates"]
    else:
        raise ValueError("not a polygon: " + geometry["type"])
    return [[(p[0], p[1]) for p in ring] for poly in polys for ring in poly]


def bbox(rs):
    xs = [p[0] for r in rs for p in r]
    ys = [p[1] for r in rs for p in r]
    return min(xs), min(ys), max(xs), max(ys)


def inside(rs, x, y):
    """Even-odd point in polygon (the classic crossing test, edges half-open in y)."""
    odd = False
    for r in rs:
        for (xi, yi), (xj, yj) in zip(r, r[1:] + r[:1]):
            if (yi > y) != (yj > y) and x < (xj - xi) * (y - yi) / (yj - yi) + xi:
                odd = not odd
    return odd


def crossings(rs, y):
    """The x where the horizontal line at `y` crosses the rings, sorted; a point (x, y) is
    inside exactly when an odd number of them lie right of x (same rule as `inside`)."""
    xs = []
    for r in rs:
        for (xi, yi), (xj, yj) in zip(r, r[1:] + r[:1]):
            if (yi > y) != (yj > y):
                xs.append((xj - xi) * (y - yi) / (yj - yi) + xi)
    xs.sort()
    return xs


def inside_row(xs_cross, x):
    """`inside` for a point on the scan line whose crossings are `xs_cross`."""
    return (len(xs_cross) - bisect.bisect_right(xs_cross, x)) % 2 == 1


def write_geojson(path, features):
    """A FeatureCollection, one feature per line, UTF-8 (Chinese kept), stable key order."""
    lines = [json.dumps(ft, ensure_ascii=False, separators=(",", ":")) for ft in features]
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write('{"type":"FeatureCollection","features":[\n')
        f.write(",\n".join(lines))
        f.write("\n]}\n")


def write_text(path, text):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
