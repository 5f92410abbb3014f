#!/usr/bin/env bash
# Benchmarks for `carecircle sites`.
#
#   scripts/bench_sites.sh [--no-build] [--no-peer] [--no-wuhan]
#
# 1. Peer comparison with spopt + CBC on the two-district Wuhan bundle: runs
#    scripts/prepare_spopt_instance.py into a temp work dir (streets, cells, service stations and
#    300 seeded candidates of districts 420106 and 420102), writes a plan for it there, then for
#    p = 10 and p = 50 runs `carecircle sites PLAN --kind service_station --add P --candidates
#    candidates.csv` BENCH_RUNS times and `scripts/spopt_mclp.py P` PEER_RUNS times (one p per
#    process, so both sides pay their start-up once), each under /usr/bin/time. Prints median
#    wall time and peak RSS, objectives (CBC's is the proven optimum), carecircle's bound and gap,
#    objective / optimum and the speed-up.
# 2. Wuhan elderly stations, whole city: `carecircle sites tests/plans/wuhan.toml --kind
#    service_station --add 50 --grid 200m` BENCH_RUNS times; median time, RSS, candidates,
#    objective, bound and gap.
#
# Options: --no-build skips cargo build --release; --no-peer skips the spopt runs (the
# carecircle side of 1 still runs); --no-wuhan skips 2.
# Env: BENCH_RUNS (default 5), PEER_RUNS (default 3), BENCH_BIN (default
#      target/release/carecircle, or $CARGO_TARGET_DIR/release/carecircle), PYTHON (python with
#      geopandas, spopt and pulp; default python3), WUHAN_DATA (default <repo>/../shared/data/wuhan),
#      BENCH_KEEP=1 keeps the work dir.
set -euo pipefail

die() { echo "bench_sites.sh: error: $*" >&2; exit 1; }

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

RUNS="${BENCH_RUNS:-5}"
PEER_RUNS="${PEER_RUNS:-3}"
PY="${PYTHON:-python3}"
DATA="${WUHAN_DATA:-$ROOT/../shared/data/wuhan}"
BIN="${BENCH_BIN:-${CARGO_TARGET_DIR:-target}/release/carecircle}"
BUILD=1 PEER=1 WUHAN=1
while (($#)); do
    case "$1" in
        --no-build) BUILD=0 ;;
        --no-peer) PEER=0 ;;
        --no-wuhan) WUHAN=0 ;;
        -h|--help) awk 'NR > 1 && !/^#/ {exit} NR > 1 {sub(/^# ?/, ""); print}' "${BASH_SOURCE[0]}"; exit 0 ;;
        *) die "unknown argument '$1' (see --help)" ;;
    esac
    shift
done
[[ -x /usr/bin/time ]] || die "GNU time (/usr/bin/time) is needed"
if ((BUILD)); then cargo build --release --quiet; fi
[[ -x "$BIN" ]] || die "no binary at $BIN (build it or set BENCH_BIN)"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/bench_sites.XXXXXX")"
if [[ "${BENCH_KEEP:-0}" == 1 ]]; then echo "work dir: $WORK"; else trap 'rm -rf "$WORK"' EXIT; fi

# timed LABEL CMD... : runs CMD under /usr/bin/time, appends "wall_s rss_kb" to $WORK/LABEL.times
timed() {
    local label="$1"; shift
    /usr/bin/time -f '%e %M' -o "$WORK/time.tmp" "$@" > "$WORK/$label.log" 2>&1 \
        || { cat "$WORK/$label.log" >&2; die "$label failed"; }
    cat "$WORK/time.tmp" >> "$WORK/$label.times"
}

# stats LABEL : "median min max rss_median_MB" of the runs
stats() {
    python3 - "$WORK/$1.times" <<'EOF'
import statistics, sys
rows = [tuple(map(float, l.split())) for l in open(sys.argv[1]) if l.strip()]
t = sorted(r[0] for r in rows); m = [r[1] / 1024 for r in rows]
print(f"{statistics.median(t):.2f} {t[0]:.2f} {t[-1]:.2f} {statistics.median(m):.0f}")
EOF
}

# field FILE KEY : a top-level number from a sites_summary.json
field() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$1" "$2"; }

if [[ -d "$DATA" ]]; then :; else die "Wuhan data not found at $DATA (set WUHAN_DATA)"; fi

echo "== 1. spopt/CBC comparison: two Wuhan districts, service stations, radius 1000 m"
B="$WORK/bundle"
"$PY" scripts/prepare_spopt_instance.py --data "$DATA" --out "$B" > "$WORK/prepare.log" 2>&1 \
    || { cat "$WORK/prepare.log" >&2; die "prepare_spopt_instance.py failed (PYTHON=$PY needs geopandas)"; }
sed 's/^/   /' "$WORK/prepare.log"
cat > "$B/plan.toml" <<'EOF'
title = "Wuhan, districts 420106 and 420102"
[areas]
path = "streets.geojson"
id = "id"
name = "name"

[population]
path = "cells.csv"
lon = "lon"
lat = "lat"
groups.elderly = "pop_60plus"

[[facilities]]
path = "facilities.geojson"
id = "id"
kind = "kind"

[[service]]
kind = "service_station"
serves = "elderly"
radius_m = 1000
min_per_area = 1
coverage_target = 0.9
EOF

printf '%-26s %8s %8s %8s %7s %14s %14s %8s\n' "run" "median_s" "min_s" "max_s" "rss_MB" "objective" "bound" "gap_%"
for p in 10 50; do
    for ((r = 0; r < RUNS; r++)); do
        rm -rf "$WORK/out$p"
        timed "cc$p" "$BIN" sites "$B/plan.toml" --kind service_station --add "$p" \
            --candidates "$B/candidates.csv" --out "$WORK/out$p" --quiet
    done
    S="$WORK/out$p/sites_summary.json"
    read -r med mn mx rss < <(stats "cc$p")
    obj=$(field "$S" objective); bnd=$(field "$S" bound); gap=$(field "$S" gap)
    printf '%-26s %8s %8s %8s %7s %14.3f %14.3f %8.4f\n' "carecircle --add $p" "$med" "$mn" "$mx" "$rss" "$obj" "$bnd" "$(python3 -c "print($gap*100)")"
    echo "$med $obj" > "$WORK/cc$p.result"
done
if ((PEER)); then
    for p in 10 50; do
        for ((r = 0; r < PEER_RUNS; r++)); do
            timed "sp$p" "$PY" scripts/spopt_mclp.py "$p" --bundle "$B" --json "$WORK/sp$p.json"
        done
        read -r med mn mx rss < <(stats "sp$p")
        opt=$(python3 -c "import json; r=json.load(open('$WORK/sp$p.json'))['results'][0]; print(r['objective'], r['status'])")
        read -r cc_t cc_obj < "$WORK/cc$p.result"
        printf '%-26s %8s %8s %8s %7s %14.3f %14s %8s\n' "spopt+CBC p=$p" "$med" "$mn" "$mx" "$rss" "${opt% *}" "(${opt#* })" ""
        python3 - "$cc_obj" "${opt% *}" "$cc_t" "$med" "$p" <<'EOF'
import sys
cc, opt, tc, tp, p = map(float, sys.argv[1:])
print(f"   p={p:.0f}: carecircle objective / CBC optimum = {cc / opt:.5f} "
      f"({(cc - opt) / opt * 100:+.3f} %), speed-up {tp / tc:.1f}x")
EOF
    done
    echo "   (CBC works in UTM 50N metres, carecircle in true ellipsoidal metres: at this longitude"
    echo "    UTM lengths are ~0.04 % longer, so the two instances differ by a few boundary cells.)"
fi

if ((WUHAN)); then
    echo
    echo "== 2. Wuhan, whole city: service stations, --add 50 --grid 200m"
    for ((r = 0; r < RUNS; r++)); do
        rm -rf "$WORK/outw"
        timed wuhan "$BIN" sites tests/plans/wuhan.toml --kind service_station --add 50 --grid 200m \
            --out "$WORK/outw" --quiet
    done
    S="$WORK/outw/sites_summary.json"
    read -r med mn mx rss < <(stats wuhan)
    python3 - "$S" "$med" "$mn" "$mx" "$rss" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
med, mn, mx, rss = sys.argv[2:]
c, dm = d["candidates"], d["demand"]
print(f"   wall median {med} s (min {mn}, max {mx}), peak RSS {rss} MB")
print(f"   candidates {c['used']} ({c['reaching_uncovered_demand']} reach uncovered demand), "
      f"demand points {dm['points']} ({dm['population']:.1f} people)")
print(f"   objective {d['objective']:.1f}, bound {d['bound']:.1f}, gap {d['gap'] * 100:.3f} %, "
      f"{d['iterations']} subgradient iterations")
print("   stages (s): " + ", ".join(f"{k} {v}" for k, v in d["timings_s"].items()))
EOF
fi
