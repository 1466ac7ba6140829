"""The data flow's direction: analysis layers never load output code or folium."""

from __future__ import annotations

import ast
import re
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


# -- imports anywhere in a module, functions included (read from the source) -------------

ROOT = Path(__file__).resolve().parent.parent / "routeplanner"
#: The output modules that code outside ``output/`` may import.
OUTPUT_API = frozenset(
    {"routeplanner.output.bundle", "routeplanner.output.formats", "routeplanner.output.policy"}
)
#: Packages of the analysis layers: no output code, not even inside a function.
ANALYSIS_PACKAGES = ("network", "search", "sources", "skilines", "events", "pace", "plan")


def _module_name(path: Path, root: Path) -> str:
    rel = path.relative_to(root.parent).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


def imports_of(path: Path, root: Path = ROOT) -> set[str]:
    """Every module a file imports, at module level or inside functions and classes."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    name = _module_name(path, root)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")
                parent = parent[: len(parent) - (node.level - 1)]
                base = ".".join([*parent, base] if base else parent)
            found.add(base)
            # `from routeplanner.output import maps` imports the module `output.maps`
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def _output_modules(names: set[str]) -> set[str]:
    modules = {p.stem for p in (ROOT / "output").glob("*.py")} - {"__init__"}
    return {n for n in names if n.startswith("routeplanner.output.") and n.split(".")[2] in modules}


def test_outside_output_only_bundle_formats_and_policy_are_imported():
    bad = []
    for path in sorted(ROOT.rglob("*.py")):
        if (ROOT / "output") in path.parents:
            continue
        for name in sorted(_output_modules(imports_of(path))):
            if ".".join(name.split(".")[:3]) not in OUTPUT_API:
                bad.append(f"{path.relative_to(ROOT.parent)}: {name}")
    assert bad == []


@pytest.mark.parametrize("package", ANALYSIS_PACKAGES)
def test_analysis_layers_import_no_output_code_even_inside_functions(package):
    bad = []
    for path in sorted((ROOT / package).rglob("*.py")):
        names = imports_of(path)
        if any(n == "folium" or n.startswith(("routeplanner.output", "folium.")) for n in names):
            bad.append(str(path.relative_to(ROOT.parent)))
    assert bad == []


def test_the_source_reader_sees_imports_inside_functions(tmp_path):
    # The check can fail: an import inside a function, relative or absolute, is read.
    src = tmp_path / "routeplanner" / "cli" / "x.py"
    src.parent.mkdir(parents=True)
    src.write_text(
        "def f():\n    from ..output import maps\n    import routeplanner.output.fit\n",
        encoding="utf-8",
    )
    names = imports_of(src, tmp_path / "routeplanner")
    assert {"routeplanner.output.maps", "routeplanner.output.fit"} <= names


# -- the README's layers are the order the code has -----------------------------------------

#: The shells over the library: they may use each other.
SHELLS = frozenset({"cli", "serve", "demo"})


def _runtime_imports(path: Path) -> set[str]:
    """Modules a file imports when it runs (``if TYPE_CHECKING:`` blocks left out)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        for child in list(ast.iter_child_nodes(node)):
            if isinstance(child, ast.If) and ast.unparse(child.test) == "TYPE_CHECKING":
                child.body = [ast.Pass()]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return found


def readme_layers() -> list[str]:
    """The layers in the order the README's development section lists them (names per bullet)."""
    text = (ROOT.parent / "README.md").read_text(encoding="utf-8")
    dev = text[text.index("## Development") :]
    dev = dev[: dev.index("\n- Tests")]
    names: list[list[str]] = []
    for line in dev.splitlines():
        if line.startswith("  - `"):
            names.append(re.findall(r"`([a-z_]+)(?:/|\.py)`", line.split(" — ")[0]))
    return [n for n in names if n]


def test_the_readme_lists_the_layers_in_the_order_of_their_imports():
    layers = readme_layers()
    assert layers[0] == ["_geo", "_io"] and layers[1][0] == "sources"
    rank = {name: i for i, names in enumerate(layers) for name in names}  # one bullet, one layer
    assert {"output", "catalog", "cli", "terrain"} <= set(rank)
    wrong = []
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT).parts
        unit = parts[0].removesuffix(".py")
        if unit not in rank:
            continue
        for name in sorted(_runtime_imports(path)):
            dep = name.split(".")[1] if name.startswith("routeplanner.") else None
            if dep in rank and dep != unit and rank[dep] > rank[unit]:
                if not (dep in SHELLS and unit in SHELLS):
                    wrong.append(f"{path.relative_to(ROOT.parent)} imports {name}")
    assert wrong == []


# -- one concept per module: none is over 800 lines ----------------------------------------

MAX_MODULE_LINES = 800


def long_modules(root: Path = ROOT, limit: int = MAX_MODULE_LINES) -> list[str]:
    """The modules under ``root`` that are longer than ``limit`` lines, with their length."""
    return [
        f"{path.relative_to(root.parent).as_posix()}: {n} lines"
        for path in sorted(root.rglob("*.py"))
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > limit
    ]


def test_no_module_is_over_800_lines():
    assert long_modules() == []


def test_the_size_check_sees_a_long_module(tmp_path):
    # The check can fail: 801 lines are reported, 800 (the limit itself) are not.
    package = tmp_path / "routeplanner" / "pace"
    package.mkdir(parents=True)
    (package / "at_limit.py").write_text("x = 1\n" * 800, encoding="utf-8")
    (package / "over.py").write_text("x = 1\n" * 801, encoding="utf-8")
    assert long_modules(tmp_path / "routeplanner") == ["routeplanner/pace/over.py: 801 lines"]
