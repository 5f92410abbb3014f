#!/usr/bin/env bash
# Runs the loaders' seeded mutators (the cases of tests/hostile_text.rs and
# tests/hostile_binary.rs) for a chosen time and prints runs and findings:
#   scripts/fuzz.sh LOADER SECONDS [FIRST_SEED]
#   LOADER: csv, geojson, plan, pbf, sites (text), xlsx, shapefile, gpkg, geotiff (binary),
#           or all (the time is split between all nine)
# A finding is a panic, a panic caught by the loader guard, an error that does not name the
# file, or a non-finite / implausible number handed on. Replay one with its seed:
#   scripts/fuzz.sh csv 1 SEED   (runs SEED, SEED+1, … for a second)
# Exit 0 without findings, 1 with.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -lt 2 ]; then
  echo "usage: scripts/fuzz.sh LOADER SECONDS [FIRST_SEED]" >&2
  exit 2
fi
# Release build: more cases per second (the mutators and judges are the tests' own).
cargo build -q --release --example fuzz_text --example fuzz_binary
bin=target/release/examples
case "$1" in
  csv|geojson|plan|pbf|sites) exec "$bin/fuzz_text" "$@" ;;
  xlsx|shapefile|gpkg|geotiff) exec "$bin/fuzz_binary" "$@" ;;
  all)
    share=$(python3 -c "print($2 / 9)")
    rc=0
    "$bin/fuzz_text" all "$(python3 -c "print($share * 5)")" ${3:+"$3"} || rc=1
    "$bin/fuzz_binary" all "$(python3 -c "print($share * 4)")" ${3:+"$3"} || rc=1
    exit $rc ;;
  *) echo "scripts/fuzz.sh: unknown loader '$1'" >&2; exit 2 ;;
esac
