#!/usr/bin/env bash
# Benchmark of outline checking and repair on many-vertex areas (issue 15).
#
#   scripts/bench_repair.sh [--no-build]
#
# Generates (once) with scripts/make_big_outlines.py, in BENCH_DIR (default
# /tmp/carecircle-big-outlines): a simple 1,000,000-vertex star, a self-crossing
# 100,000-vertex star polygon {100000/3} and a 1,000,000-vertex circle, each the only area of
# a tiny plan (81 population points, one facility). Then runs `carecircle validate PLAN`, which
# checks the outline (validity report) and loads it (repair), BENCH_RUNS times (default 5)
# under `/usr/bin/time -v`, and prints per outline the median / min / max wall seconds and the
# median peak RSS (MB). The whole process is timed: reading the GeoJSON, check, repair,
# indexing, population and facilities.
# --no-build   skip cargo build --release (same as BENCH_SKIP_BUILD=1).
# Env: BENCH_RUNS, BENCH_DIR, BENCH_BIN (binary instead of target/release/carecircle).
# Needs bash, GNU time (/usr/bin/time) and python3.
set -euo pipefail

die() { echo "bench_repair.sh: error: $*" >&2; exit 1; }

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

RUNS="${BENCH_RUNS:-5}"
DIR="${BENCH_DIR:-/tmp/carecircle-big-outlines}"
BIN="${BENCH_BIN:-target/release/carecircle}"
BUILD=1
[[ "${BENCH_SKIP_BUILD:-0}" == 1 ]] && BUILD=0
case "${1:-}" in
    --no-build) BUILD=0 ;;
    -h|--help) awk 'NR > 1 && !/^#/ {exit} NR > 1 {sub(/^# ?/, ""); print}' "${BASH_SOURCE[0]}"; exit 0 ;;
    "") ;;
    *) die "unknown option '$1' (see --help)" ;;
esac

[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || die "BENCH_RUNS must be a positive integer (got '$RUNS')"
[[ -x /usr/bin/time ]] || die "/usr/bin/time (GNU time) not found; install it (apt-get install time)"
command -v python3 >/dev/null || die "python3 not found"

if ((BUILD)); then
    echo "building: cargo build --release" >&2
    cargo build --release >&2 || die "cargo build --release failed"
fi
[[ -x "$BIN" ]] || die "binary not found or not executable: $BIN"

OUTLINES=(star_1m star_cross_100k circle_1m)
for o in "${OUTLINES[@]}"; do
    if [[ ! -f "$DIR/$o.toml" || ! -f "$DIR/$o.geojson" ]]; then
        echo "generating outlines into $DIR" >&2
        python3 scripts/make_big_outlines.py "$DIR" >/dev/null
        break
    fi
done

LOG="$(mktemp -d)"
trap 'rm -rf "$LOG"' EXIT

printf '%-16s %8s %8s %8s %10s   %s\n' outline median_s min_s max_s peak_MB "validate says"
for o in "${OUTLINES[@]}"; do
    times=()
    mems=()
    for ((r = 0; r < RUNS; r++)); do
        /usr/bin/time -v "$BIN" validate "$DIR/$o.toml" >"$LOG/out" 2>"$LOG/time" || true
        grep -q "Elapsed (wall clock)" "$LOG/time" || die "$o: no timing (see $LOG/time)"
        times+=("$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, t, ":"); s = 0;
                   for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s}' "$LOG/time")")
        mems+=("$(awk -F': ' '/Maximum resident set size/ {print $2}' "$LOG/time")")
    done
    note="$(grep -m1 -iE "rebuilt|repaired|self-intersection|valid" "$LOG/out" | cut -c1-60 || true)"
    python3 - "$o" "$note" "${#times[@]}" "${times[@]}" "${mems[@]}" <<'EOF'
import statistics, sys
name, note, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
t = [float(x) for x in sys.argv[4:4 + n]]
m = [int(x) / 1024 for x in sys.argv[4 + n:4 + 2 * n]]
print("%-16s %8.2f %8.2f %8.2f %10.0f   %s" % (name, statistics.median(t), min(t), max(t),
                                             statistics.median(m), note))
EOF
done
