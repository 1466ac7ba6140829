"""The data flow's direction: analysis layers never load output code or folium."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import routeplanner

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


_LOADED = """
import importlib, sys
for name in sys.argv[1:]:
    importlib.import_module(name)
print(" ".join(sorted(m for m in sys.modules if m.startswith("routeplanner"))))
"""


def _loaded_modules(*modules: str) -> list[str]:
    """Every routeplanner module a fresh interpreter holds after importing ``modules``."""
    done = subprocess.run(
        [sys.executable, "-c", _LOADED, *modules], capture_output=True, text=True, check=True
    )
    return done.stdout.split()


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


def _imported_names(path: Path) -> set[str]:
    """Every module a file imports, at module level or inside functions."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
    return names


def test_the_network_knows_no_pace():
    # Time has one owner (pace.timer.EdgeTimer): the network holds no runner.
    network = Path(routeplanner.__file__).parent / "network"
    files = sorted(network.glob("*.py"))
    assert len(files) >= 7
    for path in files:
        pace = {n for n in _imported_names(path) if n.startswith("routeplanner.pace")}
        assert pace == set(), path.name
    loaded = _loaded_modules("routeplanner.network.build", "routeplanner.network.cache")
    assert not [m for m in loaded if m.startswith("routeplanner.pace")]


def test_the_network_probe_sees_pace():
    # The check can fail: a module that times edges loads pace.
    assert "routeplanner.pace.model" in _loaded_modules("routeplanner.pace.timer")
    assert "routeplanner.pace" in _imported_names(
        Path(routeplanner.__file__).parent / "search" / "graph.py"
    )
