#!/usr/bin/env bash
# Fails when routeplanner/ holds more repeated code than the house allows: at most
# MAX pairs that the `duplicates` command does not mark as boilerplate. Where the
# command is not installed the check says so and passes, since nothing can count.
set -uo pipefail
cd "$(dirname "$0")/.."
max="${1:-25}"
if ! command -v duplicates >/dev/null 2>&1; then
  echo "duplicates: command not installed here; repeated code not counted"
  exit 0
fi
report="$(duplicates --repo routeplanner --most 200 --seconds 120)"
if grep -q '^incomplete:' <<<"$report"; then
  grep '^incomplete:' <<<"$report"
  exit 1
fi
pairs="$(grep '^D[0-9]' <<<"$report" | grep -vc boilerplate)"
echo "duplicates: $pairs pairs not boilerplate (at most $max)"
if ((pairs > max)); then
  grep '^D[0-9]' <<<"$report" | grep -v boilerplate
  exit 1
fi
