"""A DEM over an area, opened only when its cells are needed.

A map drawn over a cached network reads its hillshade and slope overlays from the
network's cache; then all it needs of the DEM is its cell size and source name for
the legend and attribution, which the cache keeps too. Opening the DEM costs the
import of rasterio and pyproj and a read of the files, so :class:`LazyDem` defers it
until something asks for the cells.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from routeplanner.sources.dem import Dem

__all__ = ["LazyDem"]


@dataclass
class LazyDem:
    """The DEM files ``paths`` over ``bbox``, opened on first need.

    Parameters
    ----------
    paths
        DEM files (as :func:`routeplanner.sources.dem.open_dem` takes them).
    bbox
        ``(west, south, east, north)`` to read.
    """

    paths: tuple[str, ...]
    bbox: tuple[float, float, float, float]
    _dem: Dem | None = field(default=None, init=False, repr=False)
    _info: dict[str, Any] = field(default_factory=dict, init=False, repr=False)

    @classmethod
    def over(cls, paths: Sequence[str | os.PathLike[str]], bbox: Sequence[float]) -> LazyDem:
        """Return the lazy DEM of ``paths`` over ``bbox``."""
        w, s, e, n = (float(v) for v in bbox)
        return cls(tuple(os.fspath(p) for p in paths), (w, s, e, n))

    @property
    def key(self) -> str:
        """What the cells depend on, without reading them: the files and the area."""
        return f"files={self.paths!r} bbox={self.bbox!r}"

    def open(self) -> Dem:
        """Open the DEM (once) and return it."""
        if self._dem is None:
            from routeplanner.sources.dem import open_dem

            self._dem = open_dem(list(self.paths), bbox=self.bbox)
            self._info = {"cell_m": list(self._dem.cell_size_m()), "source": self._dem.source}
        return self._dem

    def describe(self) -> dict[str, Any]:
        """Return ``{"cell_m": [dx, dy], "source": name}`` (opening the DEM if not known)."""
        if not self._info:
            self.open()
        return dict(self._info)

    def remember(self, info: Mapping[str, Any]) -> None:
        """Take the cell size and source from a cache entry made for these files."""
        try:
            cell = [float(v) for v in info["cell_m"]]
            source = str(info["source"])
        except (KeyError, TypeError, ValueError):
            return
        if len(cell) == 2 and not self._info:
            self._info = {"cell_m": cell, "source": source}

    def cell_size_m(self) -> tuple[float, float]:
        """Cell size (dx, dy) in metres, as :meth:`routeplanner.sources.dem.Dem.cell_size_m`."""
        dx, dy = self.describe()["cell_m"]
        return float(dx), float(dy)

    @property
    def source(self) -> str:
        """Name of the DEM source, as :attr:`routeplanner.sources.dem.Dem.source`."""
        return str(self.describe()["source"])
