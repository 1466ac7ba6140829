"""The data flow's direction: analysis layers never load output code or folium."""

from __future__ import annotations

import subprocess
import sys

import pytest

ANALYSIS_MODULES = (
    "routeplanner._geo",
    "routeplanner.terrain",
    "routeplanner.route",
    "routeplanner.network.model",
    "routeplanner.network.build",
    "routeplanner.sources.dem",
    "routeplanner.sources.osm",
    "routeplanner.search.graph",
    "routeplanner.search.loops",
    "routeplanner.search.segments",
    "routeplanner.search.workouts",
    "routeplanner.search.scouting",
    "routeplanner.skilines.lines",
    "routeplanner.events.event",
    "routeplanner.events.regroup",
    "routeplanner.events.plan",
)

_PROBE = """
import importlib, sys
for name in sys.argv[1:]:
    importlib.import_module(name)
bad = sorted(
    m for m in sys.modules if m == "folium" or m.startswith(("folium.", "routeplanner.output"))
)
print(" ".join(bad))
"""


def _loaded_after_import(*modules: str) -> list[str]:
    # A fresh interpreter: what earlier tests imported does not count.
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *modules],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.split()


def test_analysis_layers_load_no_output_code():
    assert _loaded_after_import(*ANALYSIS_MODULES) == []


@pytest.mark.parametrize("module", ["routeplanner.search.scouting", "routeplanner.search.workouts"])
def test_the_probe_sees_output_modules(module):
    # The check can fail: importing an output module alongside is reported.
    assert "folium" in _loaded_after_import(module, "routeplanner.output.maps")
