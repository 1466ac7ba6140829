"""Split a region too large for one worker into overlapping tiles.

Every trailhead belongs to the tile whose *core* contains it; the tile's network is its
core grown by the reach of the longest route (a loop of duration ``T`` at speed ``v``
never goes farther than ``v·T/2`` from its start), so every route from the tile's
trailheads lies inside the tile's network. Tiles overlap by that reach.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from routeplanner.catalog.trailheads import Trailhead

__all__ = ["Tile", "plan_tiles", "reach_m"]

_M_PER_DEG = math.pi / 180 * 6_371_008.8


@dataclass(frozen=True)
class Tile:
    """One tile: its core, its network's bbox, and its trailheads.

    Attributes
    ----------
    index : tuple of int
        Column and row of the tile.
    core : tuple of float
        ``(west, south, east, north)`` that owns the trailheads.
    bbox : tuple of float
        The core grown by the reach: the area of the tile's network.
    trailheads : tuple of Trailhead
        Trailheads whose routes are computed on this tile.
    """

    index: tuple[int, int]
    core: tuple[float, float, float, float]
    bbox: tuple[float, float, float, float]
    trailheads: tuple[Trailhead, ...]

    @property
    def area_km2(self) -> float:
        """Area of the tile's network bbox."""
        w, s, e, n = self.bbox
        mid = math.radians((s + n) / 2)
        return (e - w) * _M_PER_DEG * math.cos(mid) * (n - s) * _M_PER_DEG / 1e6


def reach_m(max_duration_s: float, *, speed_m_s: float = 12 / 3.6) -> float:
    """Farthest a loop of ``max_duration_s`` can go from its start.

    Examples
    --------
    >>> round(reach_m(7200.0))
    12000
    """
    return speed_m_s * max_duration_s / 2


def plan_tiles(trailheads: Sequence[Trailhead], *, tile_m: float, reach: float) -> list[Tile]:
    """Group trailheads into square tiles of ``tile_m`` grown by ``reach``.

    Parameters
    ----------
    trailheads
        All trailheads of the region.
    tile_m
        Side of a tile's core.
    reach
        How far routes can go (see :func:`reach_m`).

    Returns
    -------
    list of Tile
        Tiles that hold at least one trailhead, by row then column.

    Examples
    --------
    >>> a = Trailhead("a", "", "parking", 1.50, 42.50)
    >>> b = Trailhead("b", "", "parking", 1.51, 42.50)   # 820 m east of a
    >>> c = Trailhead("c", "", "parking", 1.80, 42.50)   # 25 km east of a
    >>> [len(t.trailheads) for t in plan_tiles([a, b, c], tile_m=10_000, reach=5_000)]
    [2, 1]
    """
    if not trailheads:
        return []
    lat0 = min(t.lat for t in trailheads)
    lon0 = min(t.lon for t in trailheads)
    coslat = math.cos(math.radians(sum(t.lat for t in trailheads) / len(trailheads)))
    dlat = tile_m / _M_PER_DEG
    dlon = tile_m / (_M_PER_DEG * coslat)
    glat = reach / _M_PER_DEG
    glon = reach / (_M_PER_DEG * coslat)
    groups: dict[tuple[int, int], list[Trailhead]] = {}
    for t in trailheads:
        key = (int((t.lon - lon0) // dlon), int((t.lat - lat0) // dlat))
        groups.setdefault(key, []).append(t)
    tiles = []
    for (i, j), members in sorted(groups.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        w, s = lon0 + i * dlon, lat0 + j * dlat
        core = (w, s, w + dlon, s + dlat)
        bbox = (w - glon, s - glat, w + dlon + glon, s + dlat + glat)
        tiles.append(Tile((i, j), core, bbox, tuple(members)))
    return tiles
