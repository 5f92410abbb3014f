#!/usr/bin/env python3
"""Writes tests/fixtures/init/facilities_gbk.csv: the Chinese demo bundle's synthetic facility
table (data/wuchang/facilities_synthetic.csv, header id,name,kind,capacity,lon,lat) as a
Chinese-Windows spreadsheet export would hold it: Chinese headers (编号, 名称, 类型, 床位, 经度,
纬度), GBK text, CRLF line ends. Same rows and values; synthetic, like its source.

  python3 scripts/make_init_fixtures.py
"""
import csv
import os

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
SRC = os.path.join(ROOT, "data", "wuchang", "facilities_synthetic.csv")
OUT = os.path.join(ROOT, "tests", "fixtures", "init", "facilities_gbk.csv")
HEADER = {"id": "编号", "name": "名称", "kind": "类型", "capacity": "床位", "lon": "经度", "lat": "纬度"}


def main():
    with open(SRC, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    assert header == ["id", "name", "kind", "capacity", "lon", "lat"], header
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w", encoding="gbk", newline="") as f:
        w = csv.writer(f, lineterminator="\r\n")
        w.writerow([HEADER[h] for h in header])
        w.writerows(body)
    print(f"wrote {OUT}: {len(body)} rows")


if __name__ == "__main__":
    main()
