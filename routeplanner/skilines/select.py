"""Picking ski lines to analyse: from OSM pistes, user files and DEM fall lines, or by name.

These functions sit between reading lines (:mod:`routeplanner.skilines.lines`) and
the commands that list them (``lines``) or plan a trip to them (``scout``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any, NamedTuple

from routeplanner.errors import InputError
from routeplanner.network.model import Network
from routeplanner.units import parse_latlon

__all__ = [
    "SOURCES",
    "Collected",
    "DemSearch",
    "collect_lines",
    "dem_around",
    "resolve_lines",
    "search_bbox",
]

#: Where lines come from: OSM pistes, DEM fall lines, user files.
SOURCES = ("osm", "dem", "file")

_DEM_ID_RE = re.compile(r"dem:\s*(?P<lat>[-+0-9.]+)\s*,\s*(?P<lon>[-+0-9.]+)", re.IGNORECASE)
_M_PER_DEG_LAT = 111_195.0


def dem_around(net: Network, dem_paths: Sequence[Any], extra: Sequence[Any]) -> Any:
    """Open the DEM over the network and any user lines (so a line just outside still fits).

    Parameters
    ----------
    net
        The network.
    dem_paths
        DEM files.
    extra
        Raw lines (with ``lon``/``lat`` arrays) that must be covered too.

    Returns
    -------
    routeplanner.sources.dem.Dem
    """
    from routeplanner.sources.dem import open_dem

    w, s, e, n = net.bbox
    for raw in extra:
        w, s = min(w, float(raw.lon.min())), min(s, float(raw.lat.min()))
        e, n = max(e, float(raw.lon.max())), max(n, float(raw.lat.max()))
    return open_dem(dem_paths, bbox=(w, s, e, n))


def search_bbox(
    net: Network, near: tuple[float, float] | None, within_m: float
) -> tuple[float, float, float, float]:
    """Return the box ``within_m`` around ``near`` ``(lon, lat)``, else the network's bbox."""
    if near is None:
        return net.bbox
    lon, lat = near
    dlat = within_m / _M_PER_DEG_LAT
    dlon = dlat / max(math.cos(math.radians(lat)), 1e-6)
    return (lon - dlon, lat - dlat, lon + dlon, lat + dlat)


class DemSearch(NamedTuple):
    """How DEM fall lines are searched.

    Attributes
    ----------
    window : tuple of float
        Slope window (lo, hi) in degrees.
    min_drop_m : float
        Minimum drop of a line.
    max_lines : int
        Most lines kept, most drop first.
    """

    window: tuple[float, float]
    min_drop_m: float
    max_lines: int = 50


class Collected(NamedTuple):
    """Lines collected from the asked sources.

    Attributes
    ----------
    lines : list of SkiLine
        The analysed lines.
    dem_capped_at : int or None
        Most DEM fall lines kept, when more qualified; None if none were cut.
    """

    lines: list[Any]
    dem_capped_at: int | None = None


def collect_lines(
    net: Network,
    dem: Any,
    sources: Sequence[str],
    file_raws: Sequence[Any],
    *,
    search: DemSearch,
    near: tuple[float, float] | None,
    within_m: float,
) -> Collected:
    """Analyse the lines of the asked sources (OSM lines outside the DEM are skipped).

    Parameters
    ----------
    net
        The network (its OSM pistes).
    dem
        Elevation model covering the network and ``file_raws``.
    sources
        Among :data:`SOURCES`.
    file_raws
        Lines read from user files (any outside the DEM is an error).
    search
        Slope window, minimum drop and most DEM fall lines.
    near, within_m
        Where to look for DEM fall lines (default the whole network).

    Returns
    -------
    Collected
        The lines, and the cap if it cut DEM fall lines.
    """
    from routeplanner.skilines import fall_lines
    from routeplanner.skilines import lines as skilines

    out = []
    capped_at = None
    if "osm" in sources:
        out += skilines.analyze_lines(skilines.osm_lines(net), dem)
    if "file" in sources:
        out += [skilines.analyze_line(r, dem) for r in file_raws]
    if "dem" in sources:
        bbox = search_bbox(net, near, within_m)
        found = fall_lines.find_dem_lines(
            dem,
            search.window,
            min_drop_m=search.min_drop_m,
            bbox=bbox,
            max_lines=search.max_lines,
        )
        capped_at = found.capped_at
        out += skilines.analyze_lines(list(found.lines), dem)
    return Collected(out, capped_at)


def resolve_lines(
    queries: Sequence[str],
    net: Network,
    dem: Any,
    file_raws: Sequence[Any],
    window: tuple[float, float],
) -> list[Any]:
    """Analyse the lines named by ``queries``: names or ids of OSM/file lines, or ``dem:LAT,LON``.

    Parameters
    ----------
    queries
        As typed after ``--line``.
    net
        The network (its OSM pistes).
    dem
        Elevation model.
    file_raws
        Lines read from user files.
    window
        Slope window (degrees) of ``dem:`` fall lines.

    Returns
    -------
    list of SkiLine
        In the order asked.

    Raises
    ------
    InputError
        For an unknown or ambiguous name, or a ``dem:`` point with no fall line.
    CoverageError
        If a line lies outside the DEM.
    """
    from routeplanner.skilines import fall_lines
    from routeplanner.skilines import lines as skilines

    raws = skilines.osm_lines(net) + list(file_raws)
    out = []
    for q in queries:
        match = _DEM_ID_RE.fullmatch(q.strip())
        if match:
            lon, lat = parse_latlon(f"{match['lat']},{match['lon']}")
            raw = fall_lines.trace_fall_line(dem, lon, lat, window)
            if raw is None:
                raise InputError(
                    f"no fall line from {lat},{lon}: the slope there is outside "
                    f"{window[0]:g}-{window[1]:g}° (see `routeplanner lines --source dem`)"
                )
            out.append(skilines.analyze_line(raw, dem))
        else:
            found = skilines.find_line(raws, q)
            if isinstance(found, skilines.RawLine):
                found = skilines.analyze_line(found, dem)
            out.append(found)
    return out
