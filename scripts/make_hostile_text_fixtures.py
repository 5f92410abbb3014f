#!/usr/bin/env python3
"""Writes the small synthetic inputs of tests/hostile_text.rs (tests/fixtures/hostile_text/).

Synthetic: two rectangular units on the equator near lon 0 (where tests/fixtures/network/
river.osm.pbf lies), a 6 x 4 grid of 100 m point cells (as CSV, as GeoJSON points and as
GeoJSON squares), three facilities (GeoJSON and CSV), candidate sites and an exclusion polygon.
The mutation tests flip, cut and swap numbers in these files; they are kept small so thousands
of cases run in seconds. Run once; the outputs are committed.
"""
import json
import os

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "hostile_text")
os.makedirs(HERE, exist_ok=True)
STEP = 0.0009  # about 100 m


def write(name, text):
    with open(os.path.join(HERE, name), "w", newline="\n") as f:
        f.write(text)


def rect(x0, y0, x1, y1):
    return [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]


def fc(features):
    return '{"type":"FeatureCollection","features":[\n' + ",\n".join(
        json.dumps(f, separators=(",", ":")) for f in features) + "\n]}\n"


def feature(props, geom):
    return {"type": "Feature", "properties": props, "geometry": geom}


write("areas.geojson", fc([
    feature({"id": "A1", "name": "west", "elderly_count": 900},
            {"type": "Polygon", "coordinates": rect(-0.001, -0.001, 0.0045, 0.003)}),
    feature({"id": "A2", "name": "east", "elderly_count": 700},
            {"type": "Polygon", "coordinates": rect(0.0045, -0.001, 0.011, 0.003)}),
]))

cells = []
for i in range(6):
    for j in range(4):
        lon = round(0.0005 + i * STEP * 2, 6)  # 200 m apart in lon, 100 m in lat
        lat = round(-0.0005 + j * STEP, 6)
        cells.append((f"c{i}{j}", lon, lat, 10 + 3 * i + j, (i * j) % 4))
write("cells.csv", "id,lon,lat,pop,pop80\n" + "".join(
    f"{c},{x},{y},{p},{q}\n" for c, x, y, p, q in cells))
write("cells.geojson", fc([
    feature({"id": c, "pop": p, "pop80": q}, {"type": "Point", "coordinates": [x, y]})
    for c, x, y, p, q in cells]))
h = STEP / 2
write("cell_squares.geojson", fc([
    feature({"id": c, "pop": p, "pop80": q},
            {"type": "Polygon", "coordinates": [[[round(v, 7) for v in pt] for pt in rect(x - h, y - h, x + h, y + h)[0]]]})
    for c, x, y, p, q in cells]))

fac = [("f1", "service_station", 0.001, 0.0021, 40), ("f2", "service_station", 0.008, 0.0001, 25),
       ("f3", "canteen", 0.005, 0.001, 60)]
write("facilities.geojson", fc([
    feature({"id": i, "kind": k, "beds": b}, {"type": "Point", "coordinates": [x, y]})
    for i, k, x, y, b in fac]))
write("facilities.csv", "id,kind,lon,lat,beds\n" + "".join(
    f"{i},{k},{x},{y},{b}\n" for i, k, x, y, b in fac))
write("candidates.csv", "id,lon,lat\n" + "".join(
    f"s{n},{round(0.0002 + n * 0.0011, 6)},{round(0.0002 + (n % 3) * 0.0009, 6)}\n" for n in range(9)))
write("exclude.geojson", fc([
    feature({"name": "park"}, {"type": "Polygon", "coordinates": rect(0.002, -0.001, 0.003, 0.003)})]))

PLAN = """# Synthetic plan of tests/hostile_text.rs (scripts/make_hostile_text_fixtures.py).
[areas]
path = "areas.geojson"
id = "id"
name = "name"
counts.elderly = "elderly_count"

[population]
path = "{pop}"
{lonlat}id = "id"
groups.elderly = ["pop", "pop80"]
groups.oldest = "pop80"
growth.elderly = 1.25

[[facilities]]
path = "{fac}"
id = "id"
kind = "kind"
capacity = "beds"
{faclonlat}
[[service]]
kind = "service_station"
serves = "elderly"
radius_m = 500
minutes = 10
coverage_target = 0.9
capacity_per_1000 = 7

[[service]]
kind = "canteen"
serves = "oldest"
radius_m = 800
min_per_area = 1
"""
write("plan.toml", PLAN.format(pop="cells.csv", lonlat='lon = "lon"\nlat = "lat"\n',
                               fac="facilities.csv", faclonlat='lon = "lon"\nlat = "lat"\n'))
write("plan_geojson.toml", PLAN.format(pop="cells.geojson", lonlat="", fac="facilities.geojson", faclonlat=""))
write("plan_squares.toml", PLAN.format(pop="cell_squares.geojson", lonlat="", fac="facilities.geojson", faclonlat=""))
write("plan_walk.toml", PLAN.format(pop="cells.csv", lonlat='lon = "lon"\nlat = "lat"\n',
                                    fac="facilities.csv", faclonlat='lon = "lon"\nlat = "lat"\n')
      + '\n[network]\npath = "../network/river.osm.pbf"\n')


# A PBF whose only walkable way has a single node (the node is in the file): encoded by hand
# (protobuf wire format, uncompressed blobs), as the osmium writer refuses such a way.
def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def zigzag(n):
    return (n << 1) ^ (n >> 63)


def field(num, wire, payload):
    key = varint((num << 3) | wire)
    if wire == 0:
        return key + varint(payload)
    return key + varint(len(payload)) + payload


def packed(values):
    return b"".join(varint(v) for v in values)


def blob(kind, block):
    data = field(1, 2, block)  # Blob.raw
    header = field(1, 2, kind.encode()) + field(3, 0, len(data))
    return len(header).to_bytes(4, "big") + header + data


strings = field(1, 2, b"") + field(1, 2, b"highway") + field(1, 2, b"footway")
node = field(1, 0, zigzag(7)) + field(8, 0, zigzag(1000)) + field(9, 0, zigzag(5000))  # Node
way = field(1, 0, 70) + field(2, 2, packed([1])) + field(3, 2, packed([2])) + field(8, 2, packed([zigzag(7)]))
data = field(1, 2, strings) + field(2, 2, field(1, 2, node) + field(3, 2, way))
header = field(4, 2, b"OsmSchema-V0.6")
with open(os.path.join(HERE, "one_node_way.osm.pbf"), "wb") as f:
    f.write(blob("OSMHeader", header) + blob("OSMData", data))
