#!/usr/bin/env python3
"""Byte-for-byte comparison of two carecircle binaries on every bundled plan (issue 13).

    scripts/compare_outputs.py BASELINE NEW [--shared] [--plans-dir DIR ...] [--only SUBSTR]
                               [--keep DIR] [-j N]

Runs BASELINE (e.g. a binary built from the commit before a refactoring) and NEW on the same
cases and compares every file they write. A case is a plan plus arguments:

  * every plan in tests/plans that reads only data/ (with --shared also the ones that read
    ../shared/data), data/*/plan*.toml and data/presets/*/plan.toml, plus every *.toml found
    under each --plans-dir (e.g. the plans tests/zones.rs builds, kept with
    CARECIRCLE_KEEP_TEST_PLANS=DIR cargo test --test zones);
  * each plan is run as `analyze`, `analyze --cells --lang en`, `analyze --service-areas` when
    it has a [network], `analyze --with-planned` when it has [[planned]], and, for its first
    service with facilities, `sites --add 3` and `sites --fill-blanks` (into the analyze folder,
    as a planner would).

Allowed differences, and only these:
  * summary.json / sites_summary.json: the "timings_s" objects;
  * areas.geojson: NEW may carry properties BASELINE lacks (issue 13 adds the missing areas.csv
    columns); every BASELINE property must be present with an equal value, and the geometry and
    feature order must be identical.
Every other file must be byte-identical, the two folders must hold the same file names, and the
exit codes and stderr of both runs must agree.

Exits 0 when every case matches, 1 otherwise, printing one line per case.
"""
import argparse
import concurrent.futures as cf
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def plan_services(plan: Path):
    """First service id (or kind) with a rule, read naively from the TOML."""
    try:
        import tomllib
    except ImportError:  # Python < 3.11
        return None
    try:
        doc = tomllib.loads(plan.read_text(encoding="utf-8"))
    except Exception:
        return None
    for s in doc.get("service", []) or []:
        sid = s.get("id") or s.get("kind")
        if sid:
            return sid
    return None


def plan_flags(plan: Path):
    text = plan.read_text(encoding="utf-8", errors="replace")
    return {
        "network": re.search(r"^\s*\[network\]", text, re.M) is not None,
        "planned": re.search(r"^\s*\[\[planned\]\]", text, re.M) is not None,
    }


def reads_shared(plan: Path) -> bool:
    return "../shared" in plan.read_text(encoding="utf-8", errors="replace")


def collect_plans(args):
    plans = []
    for p in sorted((ROOT / "tests/plans").glob("*.toml")):
        if reads_shared(p) and not args.shared:
            continue
        plans.append(p)
    plans += sorted((ROOT / "data").glob("*/plan*.toml"))
    plans += sorted((ROOT / "data/presets").glob("*/plan.toml"))
    for d in args.plans_dir or []:
        plans += sorted(Path(d).resolve().rglob("*.toml"))
    if args.only:
        plans = [p for p in plans if args.only in str(p)]
    return plans


def cases_for(plan: Path):
    flags = plan_flags(plan)
    analyze = [["analyze"], ["analyze", "--cells", "--lang", "en"]]
    if flags["network"]:
        analyze.append(["analyze", "--service-areas"])
    if flags["planned"]:
        analyze.append(["analyze", "--with-planned"])
    out = [(a, None) for a in analyze]
    sid = plan_services(plan)
    if sid:
        out.append((["analyze"], ["sites", "--kind", sid, "--add", "3"]))
        out.append((["analyze"], ["sites", "--kind", sid, "--fill-blanks", "--lang", "en"]))
    return out


def run(bin_, argv, plan, out):
    p = subprocess.run(
        [bin_] + argv[:1] + [str(plan)] + argv[1:] + ["--out", str(out), "-q"],
        cwd=plan.parent,
        capture_output=True,
        text=True,
        env={**os.environ, "RAYON_NUM_THREADS": "2"},
    )
    err = p.stderr.replace(str(out), "<OUT>")
    return p.returncode, err


def strip_timings(obj):
    if isinstance(obj, dict):
        return {k: strip_timings(v) for k, v in obj.items() if k != "timings_s"}
    if isinstance(obj, list):
        return [strip_timings(v) for v in obj]
    return obj


def compare_file(name, a: Path, b: Path):
    """None when equal (under the allowed differences), else a short reason."""
    ba, bb = a.read_bytes(), b.read_bytes()
    if ba == bb:
        return None
    if name in ("summary.json", "sites_summary.json"):
        ja, jb = json.loads(ba), json.loads(bb)
        if strip_timings(ja) == strip_timings(jb):
            return None
        return "differs beyond timings_s"
    if name == "areas.geojson":
        ja, jb = json.loads(ba), json.loads(bb)
        fa, fb = ja.get("features", []), jb.get("features", [])
        if len(fa) != len(fb):
            return f"{len(fa)} vs {len(fb)} features"
        if {k: v for k, v in ja.items() if k != "features"} != {
            k: v for k, v in jb.items() if k != "features"
        }:
            return "collection members differ"
        for i, (x, y) in enumerate(zip(fa, fb)):
            if x.get("geometry") != y.get("geometry"):
                return f"feature {i}: geometry differs"
            px, py = x.get("properties", {}), y.get("properties", {})
            for k, v in px.items():
                if k not in py:
                    return f"feature {i}: property {k} missing"
                if py[k] != v:
                    return f"feature {i}: property {k}: {v!r} vs {py[k]!r}"
        return None
    return f"{len(ba)} vs {len(bb)} bytes, differ"


def one_case(args, plan, pre, argv, tmp):
    tag = f"{plan.relative_to(ROOT) if plan.is_relative_to(ROOT) else plan} {' '.join(pre)}"
    if argv:
        tag += " + " + " ".join(argv)
    dirs = []
    results = []
    for which, bin_ in (("base", args.baseline), ("new", args.new)):
        out = Path(tempfile.mkdtemp(prefix=which + "-", dir=tmp))
        r = run(bin_, pre, plan, out)
        if argv and r[0] == 0:
            r = run(bin_, argv, plan, out)
        dirs.append(out)
        results.append(r)
    problems = []
    if results[0][0] != results[1][0]:
        problems.append(f"exit {results[0][0]} vs {results[1][0]}")
    if results[0][1] != results[1][1]:
        problems.append(f"stderr differs: {results[0][1][:200]!r} vs {results[1][1][:200]!r}")
    na = sorted(p.name for p in dirs[0].iterdir())
    nb = sorted(p.name for p in dirs[1].iterdir())
    if na != nb:
        problems.append(f"files {sorted(set(na) ^ set(nb))} in only one folder")
    for name in sorted(set(na) & set(nb)):
        if (dirs[0] / name).is_dir():
            continue
        why = compare_file(name, dirs[0] / name, dirs[1] / name)
        if why:
            problems.append(f"{name}: {why}")
    if not problems:
        for d in dirs:
            shutil.rmtree(d, ignore_errors=True)
    return tag, results[0][0], problems, dirs


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("baseline")
    ap.add_argument("new")
    ap.add_argument("--shared", action="store_true", help="also the plans that read ../shared/data")
    ap.add_argument("--plans-dir", action="append", help="also every *.toml under this folder")
    ap.add_argument("--only", help="only plans whose path contains this")
    ap.add_argument("--keep", help="keep the output folders of failing cases under this folder")
    ap.add_argument("-j", type=int, default=1, help="cases run in parallel")
    args = ap.parse_args()
    args.baseline = str(Path(args.baseline).resolve())
    args.new = str(Path(args.new).resolve())
    tmp = Path(args.keep).resolve() if args.keep else Path(tempfile.mkdtemp(prefix="compare-"))
    tmp.mkdir(parents=True, exist_ok=True)
    jobs = [(p, pre, argv) for p in collect_plans(args) for pre, argv in cases_for(p)]
    bad = 0
    with cf.ThreadPoolExecutor(max_workers=max(1, args.j)) as ex:
        futs = [ex.submit(one_case, args, p, pre, argv, tmp) for p, pre, argv in jobs]
        for f in futs:
            tag, code, problems, dirs = f.result()
            if problems:
                bad += 1
                print(f"DIFF  {tag}")
                for p in problems:
                    print(f"        {p}")
                print(f"        folders: {dirs[0]} {dirs[1]}")
            else:
                print(f"same  {tag} (exit {code})")
            sys.stdout.flush()
    print(f"{len(jobs) - bad} of {len(jobs)} cases identical")
    if not args.keep and bad == 0:
        shutil.rmtree(tmp, ignore_errors=True)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
