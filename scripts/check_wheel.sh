#!/usr/bin/env bash
# Build a wheel, install it (not editable) into a temporary venv, then list the catalog and
# run the demo into a temporary folder: the package data must come with the wheel.
# Usage: scripts/check_wheel.sh [DATA_DIR]   (default ../shared/data)
set -euo pipefail
cd "$(dirname "$0")/.."
data_dir="$(realpath "${1:-../shared/data}")"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
python3 -m venv "$tmp/venv"
"$tmp/venv/bin/python" -m pip install -q .
cd "$tmp"  # away from the checkout: nothing may be read from it
"$tmp/venv/bin/routeplanner" regions | tee "$tmp/regions.txt"
grep -q '^andorra ' "$tmp/regions.txt"
ROUTEPLANNER_CACHE_DIR="$tmp/cache" "$tmp/venv/bin/routeplanner" -q demo \
  --data-dir "$data_dir" --out-dir "$tmp/maps" --offline
test -s "$tmp/maps/index.html"
echo "wheel install: regions and demo OK"
