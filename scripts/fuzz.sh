#!/usr/bin/env bash
# Runs the text loaders' seeded mutators (the cases of tests/hostile_text.rs) for a chosen time
# and prints runs and findings: scripts/fuzz.sh LOADER SECONDS [FIRST_SEED]
#   LOADER: csv, geojson, plan, pbf, sites, or all (the time is split between them)
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
cargo build -q --example fuzz_text
exec target/debug/examples/fuzz_text "$@"
