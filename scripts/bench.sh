#!/usr/bin/env bash
# Benchmark runner for `carecircle analyze`.
#
#   scripts/bench.sh [--peer] [--no-build] [EXTRA_PLAN.toml ...]
#
# Builds target/release/carecircle (cargo build --release), then for tests/plans/wuhan.toml,
# tests/plans/wuhan_bands.toml (the same population read from the ten WorldPop GeoTIFFs),
# wuhan_core (wuhan.toml with --skip html,xlsx: the outputs issue 2 defines),
# tests/plans/helsinki.toml and any extra plans runs `carecircle analyze PLAN --out DIR`
# BENCH_RUNS times (default 5) under `/usr/bin/time -f '%e %M'`, each run into a fresh temp dir,
# and prints median / min / max wall seconds and median peak RSS (MB).
# --peer       also run scripts/peer_geopandas.py on each plan (PEER_RUNS times, default 3) and
#              print its median wall time and RSS alongside (needs python3 with geopandas; the peer
#              runs with --no-checks, i.e. without its optional geodesic/boundary diagnostics).
# --no-build   skip cargo build (same as BENCH_SKIP_BUILD=1).
# Env: BENCH_RUNS, PEER_RUNS, BENCH_BIN (binary to run instead of target/release/carecircle),
#      BENCH_KEEP=1 keeps the temp dir (outputs and logs) for inspection.
# Needs only bash, coreutils, GNU time (/usr/bin/time) and python3 (for the statistics).
set -euo pipefail

die() { echo "bench.sh: error: $*" >&2; exit 1; }

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

RUNS="${BENCH_RUNS:-5}"
PEER_RUNS="${PEER_RUNS:-3}"
BIN="${BENCH_BIN:-target/release/carecircle}"
PEER=0
BUILD=1
[[ "${BENCH_SKIP_BUILD:-0}" == 1 ]] && BUILD=0
PLANS=(tests/plans/wuhan.toml tests/plans/wuhan_bands.toml tests/plans/helsinki.toml)
# Wuhan plus E2SFCA access for the nursing homes (5 km, Gaussian): compare with wuhan.toml for
# what capacity-aware access adds (issue 7).
PLANS+=(tests/plans/wuhan_access.toml)

while (($#)); do
    case "$1" in
        --peer) PEER=1 ;;
        --no-build) BUILD=0 ;;
        -h|--help) awk 'NR > 1 && !/^#/ {exit} NR > 1 {sub(/^# ?/, ""); print}' "${BASH_SOURCE[0]}"; exit 0 ;;
        --) shift; PLANS+=("$@"); break ;;
        -*) die "unknown option '$1' (see --help)" ;;
        *) PLANS+=("$1") ;;
    esac
    shift
done

[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || die "BENCH_RUNS must be a positive integer (got '$RUNS')"
[[ "$PEER_RUNS" =~ ^[1-9][0-9]*$ ]] || die "PEER_RUNS must be a positive integer (got '$PEER_RUNS')"
[[ -x /usr/bin/time ]] || die "/usr/bin/time (GNU time) not found; install it (apt-get install time)"
command -v python3 >/dev/null || die "python3 not found (needed for the statistics)"
for p in "${PLANS[@]}"; do [[ -f "$p" ]] || die "plan file not found: $p"; done

if ((BUILD)); then
    command -v cargo >/dev/null || die "cargo not found (use --no-build with BENCH_BIN=... to skip)"
    echo "building: cargo build --release" >&2
    cargo build --release >&2 || die "cargo build --release failed"
fi
[[ -x "$BIN" ]] || die "binary not found or not executable: $BIN"

if ((PEER)); then
    python3 -c 'import geopandas, shapely, pyproj' 2>/dev/null \
        || die "--peer needs python3 with geopandas, shapely and pyproj (pip install geopandas pyproj)"
fi

TMP="$(mktemp -d "${TMPDIR:-/tmp}/carecircle-bench.XXXXXX")"
if [[ "${BENCH_KEEP:-0}" == 1 ]]; then
    echo "keeping temp dir: $TMP" >&2
else
    trap 'rm -rf -- "$TMP"' EXIT
fi

# run_timed LABEL N TIMES_FILE CMD... : run CMD N times (each with a fresh out dir substituted for
# the literal argument @OUT@), append "wall_s rss_kb" per run to TIMES_FILE; abort on failure.
run_timed() {
    local label="$1" n="$2" times="$3"; shift 3
    local i out log tf rc args a
    for ((i = 1; i <= n; i++)); do
        out="$(mktemp -d "$TMP/out.XXXXXX")"
        log="$out.log"; tf="$out.time"
        args=()
        for a in "$@"; do [[ "$a" == @OUT@ ]] && args+=("$out") || args+=("$a"); done
        rc=0
        /usr/bin/time -f '%e %M' -o "$tf" "${args[@]}" >"$log" 2>&1 || rc=$?
        if ((rc != 0)); then
            echo "bench.sh: error: $label failed (exit $rc) on run $i/$n:" >&2
            echo "  command: ${args[*]}" >&2
            echo "  last lines of its output:" >&2
            tail -n 20 "$log" | sed 's/^/    /' >&2
            exit 1
        fi
        [[ -s "$out/areas.csv" ]] || echo "bench.sh: warning: $label run $i wrote no $out/areas.csv" >&2
        tail -n 1 "$tf" >>"$times"
        echo "  $label run $i/$n: $(tail -n 1 "$tf" | awk '{printf "%s s, %.1f MB", $1, $2/1024}')" >&2
    done
}

# stats FILE -> "median min max median_rss_mb"
stats() {
    python3 - "$1" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
wall = [float(r[0]) for r in rows]
rss = [float(r[1]) / 1024.0 for r in rows]
print(f"{statistics.median(wall):.3f} {min(wall):.3f} {max(wall):.3f} {statistics.median(rss):.1f}")
PY
}

RESULTS="$TMP/results"
: >"$RESULTS"
for plan in "${PLANS[@]}"; do
    name="$(basename "$plan" .toml)"
    echo "plan $plan: $RUNS runs of $BIN analyze" >&2
    t="$TMP/$name.bin.times"; : >"$t"
    run_timed "carecircle ($name)" "$RUNS" "$t" "$BIN" analyze "$plan" --out @OUT@
    line="$name $RUNS $(stats "$t")"
    if ((PEER)) && [[ "$name" == *tif* ]]; then
        # The peer script reads vector/CSV population only, not a GeoTIFF folder.
        line="$line - -"
    elif ((PEER)); then
        echo "plan $plan: $PEER_RUNS runs of scripts/peer_geopandas.py" >&2
        p="$TMP/$name.peer.times"; : >"$p"
        run_timed "peer ($name)" "$PEER_RUNS" "$p" python3 scripts/peer_geopandas.py "$plan" @OUT@ --no-checks
        read -r pmed _ _ prss < <(stats "$p")
        line="$line $pmed $prss"
    fi
    echo "$line" >>"$RESULTS"
    # Issue 2's goal counts the outputs it defines (CSV, GeoJSON, summary, report.md): the same
    # Wuhan run without the optional report.html and report.xlsx.
    if [[ "$name" == wuhan ]]; then
        t="$TMP/$name.core.times"; : >"$t"
        run_timed "carecircle ($name --skip html,xlsx)" "$RUNS" "$t" "$BIN" analyze "$plan" --out @OUT@ \
            --skip html,xlsx
        line="${name}_core $RUNS $(stats "$t")"
        ((PEER)) && line="$line - -"
        echo "$line" >>"$RESULTS"
    fi
done

echo
if ((PEER)); then
    printf '%-14s %5s %10s %10s %10s %10s | %10s %10s %8s\n' plan runs median_s min_s max_s rss_MB \
        peer_med_s peer_MB speedup
    while read -r name n med mn mx rss pmed prss; do
        speed="$(python3 -c "import sys
try:
    a, b = map(float, sys.argv[1:]); print(f'{b/a:.1f}x' if a > 0 else 'inf')
except ValueError:
    print('-')" "$med" "$pmed")"
        printf '%-14s %5s %10s %10s %10s %10s | %10s %10s %8s\n' "$name" "$n" "$med" "$mn" "$mx" "$rss" \
            "$pmed" "$prss" "$speed"
    done <"$RESULTS"
else
    printf '%-14s %5s %10s %10s %10s %10s\n' plan runs median_s min_s max_s rss_MB
    while read -r name n med mn mx rss; do
        printf '%-14s %5s %10s %10s %10s %10s\n' "$name" "$n" "$med" "$mn" "$mx" "$rss"
    done <"$RESULTS"
fi
