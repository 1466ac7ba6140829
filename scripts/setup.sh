#!/usr/bin/env bash
# Create .venv and install routeplanner with its test tools, from this checkout only.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[test]'
echo "routeplanner installed in .venv ($(.venv/bin/routeplanner --version))"
