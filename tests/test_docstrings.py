"""Shared docstring fragments: filled where they are named, and nowhere left unfilled."""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

import pytest

import routeplanner
from routeplanner import pace
from routeplanner._docstrings import _PLACEHOLDER, fill, filled

ROOT = Path(routeplanner.__file__).parent


def test_a_fragment_takes_the_placeholders_indent():
    doc = "Do it.\n\n    Parameters\n    ----------\n    %(x)s\n    "
    assert filled(doc, {"x": "x : int\n    How many."}) == (
        "Do it.\n\n    Parameters\n    ----------\n    x : int\n        How many.\n    "
    )


def test_only_whole_line_placeholders_are_filled():
    assert filled("50 %(x)s of it", {"x": "no"}) == "50 %(x)s of it"


def test_a_misspelt_fragment_fails_at_once():
    with pytest.raises(KeyError, match="gradee"):

        @fill(grade="grade\n    Rise over run.")
        def f() -> None:
            """Do it.

            %(gradee)s
            """


def test_shared_docs_read_as_written():
    grade = "    grade : array_like\n        Rise over run, positive uphill."
    assert grade in str(pace.cost_ratio.__doc__)
    assert "only ``[pace]`` required" in str(pace.RunnerProfile.from_toml.__doc__)


def _documented(module: object) -> list[object]:
    found: list[object] = []
    for obj in vars(module).values():
        if getattr(obj, "__module__", None) != getattr(module, "__name__", None):
            continue
        if inspect.isclass(obj):
            found += [obj, *(m for m in vars(obj).values())]
        elif callable(obj):
            found.append(obj)
    return found


def test_no_docstring_keeps_a_placeholder():
    users = [p for p in sorted(ROOT.rglob("*.py")) if "_docstrings import" in p.read_text("utf-8")]
    assert len(users) >= 3
    left = []
    for path in users:
        name = ".".join(path.relative_to(ROOT.parent).with_suffix("").parts)
        module = importlib.import_module(name.removesuffix(".__init__"))
        for obj in _documented(module):
            func = getattr(obj, "__func__", obj)  # classmethod, staticmethod
            doc = getattr(func, "__doc__", None)
            if isinstance(doc, str) and _PLACEHOLDER.search(doc):
                left.append(f"{name}.{getattr(func, '__qualname__', func)}")
    assert left == []
