"""Data shipped with the package: the region catalog and the demo group event.

Files are read through :mod:`importlib.resources`, so they are found the same way
in a source checkout, an editable install and a wheel.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

__all__ = ["catalog_dir", "demo_event_path"]


def _path(*parts: str) -> Path:
    """Return the file system path of a packaged resource."""
    resource = files(__name__).joinpath(*parts)
    # pip unpacks wheels, so the package folder is on disk; a zipped install is not supported
    return Path(str(resource))


def catalog_dir() -> Path:
    """Return the folder of the packaged region catalog (``regions/<name>.toml``)."""
    return _path("regions")


def demo_event_path() -> Path:
    """Return the path of the demo group event (``events/saturday.toml``)."""
    return _path("events", "saturday.toml")
