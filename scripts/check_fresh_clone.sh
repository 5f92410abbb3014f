#!/usr/bin/env bash
# Checks the README's promise that a fresh clone passes `cargo test` with nothing beside it:
# clones the committed HEAD into a temporary folder (no ../shared there), runs the README's
# first command (the demo) and `cargo test`, and removes the folder.
#
# Usage: scripts/check_fresh_clone.sh [--keep] [--dev-demo]
#   --keep      leave the temporary folder
#   --dev-demo  run the demo with the dev profile (CI: the test build already made it)
# CARGO_TARGET_DIR is honoured (CI points it at the repository's target/ to reuse the
# dependency builds); otherwise the clone builds from scratch, as a new user's would.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=$(mktemp -d)
keep=0; profile=(--release)
for a in "$@"; do
    case "$a" in
        --keep) keep=1 ;;
        --dev-demo) profile=() ;;
        *) echo "check_fresh_clone: unknown option $a" >&2; exit 2 ;;
    esac
done
[ "$keep" = 1 ] || trap 'rm -rf "$work"' EXIT
git clone -q "$repo" "$work/alone/carecircle"
cd "$work/alone/carecircle"
if [ -e ../shared ]; then
    echo "check_fresh_clone: $work/alone/shared exists; the check needs nothing beside the clone" >&2
    exit 1
fi
echo "== $(git log -1 --format='%h %s')"
echo "== cargo test"
cargo test
echo "== the demo (README's first command)"
cargo run "${profile[@]}" -q -- analyze data/wuchang/plan.toml --out "$work/demo-out"
test -s "$work/demo-out/report.html"
echo "check_fresh_clone: the demo and cargo test passed in $work/alone/carecircle with nothing beside it"
