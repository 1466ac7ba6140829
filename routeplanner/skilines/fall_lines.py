"""Candidate ski lines from the DEM: fall lines through terrain inside a slope window.

From the top edge of terrain inside a slope window (for example 30-45°) a point
steps downhill along the steepest descent (the DEM's aspect) while the slope
stays inside the window; lines with enough vertical drop are kept, most drop
first, skipping lines that mostly run within ``spacing_m`` of one already kept.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyproj
import shapely

from routeplanner._geo import compass_name, local_xy, offset_deg
from routeplanner.errors import InputError
from routeplanner.skilines.lines import RawLine, circular_aspect
from routeplanner.sources.dem import Dem
from routeplanner.terrain import (
    sample_slope,
    slope_aspect,
)
from routeplanner.units import parse_slope_window  # (a pair too; re-exported here)

__all__ = [
    "DEFAULT_MAX_LINES",
    "FallLines",
    "TraceOptions",
    "dem_lines",
    "find_dem_lines",
    "parse_slope_window",
    "trace_fall_line",
]

log = logging.getLogger(__name__)


#: Most DEM fall lines returned unless more are asked for.
DEFAULT_MAX_LINES = 50


def _deg_steps(lat: np.ndarray, step_m: float, aspect: np.ndarray) -> tuple[np.ndarray, ...]:
    rad = np.radians(aspect)
    return offset_deg(step_m * np.sin(rad), step_m * np.cos(rad), lat)


def _trace(
    dem: Dem,
    lon0: np.ndarray,
    lat0: np.ndarray,
    window: tuple[float, float],
    step_m: float,
    max_length_m: float,
    gap_m: float,
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Steepest-descent traces from many seeds at once; each trimmed to its last in-window point."""
    lo, hi = window
    n = len(lon0)
    max_steps = max(1, math.ceil(max_length_m / step_m))
    xs = np.full((max_steps + 1, n), np.nan)
    ys = np.full((max_steps + 1, n), np.nan)
    xs[0], ys[0] = lon0, lat0
    last_in = np.full(n, -1)
    gap = np.zeros(n)
    active = np.ones(n, dtype=bool)
    z = dem.sample(lon0, lat0)
    active &= np.isfinite(z)
    x, y = lon0.copy(), lat0.copy()
    for k in range(max_steps + 1):
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        s, a = sample_slope(dem, x[idx], y[idx])
        inside = (s >= lo) & (s <= hi)
        last_in[idx[inside]] = k
        gap[idx[inside]] = 0.0
        gap[idx[~inside]] += step_m
        stop = ~np.isfinite(a) | ~np.isfinite(s) | (gap[idx] > gap_m) | (k == max_steps)
        go = idx[~stop]
        active[idx[stop]] = False
        if go.size == 0:
            break
        dlon, dlat = _deg_steps(y[go], step_m, a[~stop])
        nx, ny = x[go] + dlon, y[go] + dlat
        nz = dem.sample(nx, ny)
        # A pit or a zig-zag across a gully bottom: no longer descending.
        down = np.isfinite(nz) & (nz < z[go] - 1e-6)
        active[go[~down]] = False
        ok = go[down]
        x[ok], y[ok], z[ok] = nx[down], ny[down], nz[down]
        xs[k + 1, ok], ys[k + 1, ok] = x[ok], y[ok]
    out = []
    for i in range(n):
        m = last_in[i]
        if m >= 1:
            out.append((xs[: m + 1, i].copy(), ys[: m + 1, i].copy()))
        else:
            out.append((xs[:1, i].copy(), ys[:1, i].copy()))
    return out


def _step_m(dem: Dem, step_m: float | None) -> float:
    if step_m is not None:
        if not (1.0 <= step_m <= 200.0):
            raise InputError(f"trace step {step_m!r} m out of range: use 1 to 200 m")
        return float(step_m)
    dx, dy = dem.cell_size_m()
    return max(5.0, min(dx, dy) / 3.0)


@dataclass(frozen=True)
class TraceOptions:
    """How the steepest-descent trace of a fall line runs.

    Attributes
    ----------
    step_m : float or None
        Step of the trace (1 to 200 m); None for a third of a DEM cell, >= 5 m.
    max_length_m : float
        Longest line traced.
    gap_m : float
        Stretches outside the window up to this long do not end the line.

    Raises
    ------
    InputError
        If ``step_m`` is out of range.
    """

    step_m: float | None = None
    max_length_m: float = 5000.0
    gap_m: float = 60.0

    def __post_init__(self) -> None:
        if self.step_m is not None and not (1.0 <= self.step_m <= 200.0):
            raise InputError(f"trace step {self.step_m!r} m out of range: use 1 to 200 m")


def _dem_id(lon: float, lat: float) -> str:
    return f"dem:{lat:.5f},{lon:.5f}"


def trace_fall_line(
    dem: Dem,
    lon: float,
    lat: float,
    window_deg: tuple[float, float] = (30.0, 45.0),
    *,
    step_m: float | None = None,
    max_length_m: float = 5000.0,
    gap_m: float = 60.0,
) -> RawLine | None:
    """Return the fall line from one point down through a slope window.

    Parameters
    ----------
    dem
        Elevation model.
    lon, lat
        The top of the line.
    window_deg
        Slope window (lo, hi) in degrees, see :func:`parse_slope_window`.
    step_m
        Step of the steepest-descent trace (default a third of a cell, >= 5 m).
    max_length_m
        Longest line traced.
    gap_m
        Stretches outside the window up to this long do not end the line.

    Returns
    -------
    RawLine or None
        The line (id ``dem:<lat>,<lon>``), or None if the slope at the point is
        outside the window or the trace is shorter than one step.
    """
    lo, hi = parse_slope_window(window_deg)
    ((tx, ty),) = _trace(
        dem,
        np.array([float(lon)]),
        np.array([float(lat)]),
        (lo, hi),
        _step_m(dem, step_m),
        max_length_m,
        gap_m,
    )
    if len(tx) < 2:
        return None
    return RawLine(_dem_id(lon, lat), f"fall line from {lat:.4f},{lon:.4f}", "dem", tx, ty, {})


@dataclass(frozen=True)
class FallLines:
    """DEM fall lines found, and whether more qualified than were kept.

    Attributes
    ----------
    lines : tuple of RawLine
        The lines, most drop first.
    capped_at : int or None
        ``max_lines`` when more lines qualified than that, else None.
    """

    lines: tuple[RawLine, ...]
    capped_at: int | None = None


def dem_lines(dem: Dem, *args: Any, **kwargs: Any) -> list[RawLine]:
    """Candidate ski lines: the lines of :func:`find_dem_lines` (same arguments).

    Without saying whether ``max_lines`` cut them: ids ``dem:<lat>,<lon>`` of the
    top, names ``fall line N`` by drop.
    """
    return list(find_dem_lines(dem, *args, **kwargs).lines)


def find_dem_lines(
    dem: Dem,
    window_deg: tuple[float, float] = (30.0, 45.0),
    *,
    min_drop_m: float = 300.0,
    bbox: tuple[float, float, float, float] | None = None,
    spacing_m: float = 250.0,
    max_lines: int = DEFAULT_MAX_LINES,
    trace: TraceOptions = TraceOptions(),
) -> FallLines:
    """Find fall lines through a slope window with a minimum drop, and say if capped.

    Seeds are the DEM cells inside the window whose upslope neighbour (one cell
    against the aspect) is not, or is not higher: the top edge of each steep
    zone, and the crests and summits inside it. From every seed
    :func:`trace_fall_line`'s steepest-descent trace runs downhill; lines with
    at least ``min_drop_m`` of drop are kept, most drop first, skipping any line
    with more than 30 % of its length within ``spacing_m`` of a kept line.

    Parameters
    ----------
    dem
        Elevation model.
    window_deg
        Slope window (lo, hi) in degrees.
    min_drop_m
        Minimum vertical drop of a line (> 0).
    bbox
        (west, south, east, north): only seeds inside it (default the whole DEM).
    spacing_m
        Minimum spacing between kept lines.
    max_lines
        Most lines returned.
    trace
        Step, longest line and largest gap of the trace (see :func:`trace_fall_line`).

    Returns
    -------
    FallLines
        Lines with ids ``dem:<lat>,<lon>`` of the top and names ``fall line N``
        by drop; ``capped_at`` is ``max_lines`` if more lines qualified.

    Raises
    ------
    InputError
        If the window, drop or spacing is out of range.
    """
    lo, hi = parse_slope_window(window_deg)
    if not (math.isfinite(min_drop_m) and 0 < min_drop_m <= 5000):
        raise InputError(f"minimum drop {min_drop_m!r} m out of range: use 1 to 5000 m")
    if not (math.isfinite(spacing_m) and 10 <= spacing_m <= 5000):
        raise InputError(f"line spacing {spacing_m!r} m out of range: use 10 to 5000 m")
    if int(max_lines) < 1:
        raise InputError(f"max_lines must be >= 1, got {max_lines!r}")
    step = _step_m(dem, trace.step_m)
    lon, lat = _seeds(dem, lo, hi, bbox)
    if lon.size == 0:
        return FallLines(())
    log.debug("dem_lines: %d seeds in window %s-%s°", lon.size, lo, hi)
    traces = _trace(dem, lon, lat, (lo, hi), step, trace.max_length_m, trace.gap_m)
    z0 = dem.sample(lon, lat)
    cands = []
    for i, (tx, ty) in enumerate(traces):
        if len(tx) < 2:
            continue
        drop = float(z0[i] - dem.sample(tx[-1], ty[-1]))
        if drop >= min_drop_m:
            cands.append((drop, i, tx, ty))
    cands.sort(key=lambda c: (-c[0], c[1]))
    # One more than asked tells whether the cap cut anything.
    kept = _spaced(cands, float(np.mean(lat)), spacing_m, int(max_lines) + 1)
    capped = len(kept) > int(max_lines)
    kept = kept[: int(max_lines)]
    out = []
    for k, (drop, tx, ty) in enumerate(kept, start=1):
        _, asp = sample_slope(dem, tx, ty)
        face = compass_name(circular_aspect(asp)[0])
        name = f"fall line {k} ({face} face, {drop:.0f} m)"
        out.append(RawLine(_dem_id(float(tx[0]), float(ty[0])), name, "dem", tx, ty, {}))
    return FallLines(tuple(out), int(max_lines) if capped else None)


def _seeds(
    dem: Dem, lo: float, hi: float, bbox: tuple[float, float, float, float] | None
) -> tuple[np.ndarray, np.ndarray]:
    """Return the cells on the top edge of terrain inside the window (``bbox`` only)."""
    slope, aspect = slope_aspect(dem)
    in_window = (slope >= lo) & (slope <= hi) & np.isfinite(aspect)
    rows, cols = np.nonzero(in_window)
    if rows.size == 0:
        return np.zeros(0), np.zeros(0)
    t = dem.transform
    cx, cy = t @ (cols + 0.5, rows + 0.5)  # type: ignore[operator]  # affine takes arrays
    lon, lat = _to_lonlat(dem, np.asarray(cx), np.asarray(cy))
    if bbox is not None:
        bw, bs, be, bn = bbox
        inb = (lon >= bw) & (lon <= be) & (lat >= bs) & (lat <= bn)
        lon, lat, rows, cols = lon[inb], lat[inb], rows[inb], cols[inb]
    if lon.size == 0:
        return lon, lat
    dx, dy = dem.cell_size_m()
    cell = max(dx, dy)
    up_lon, up_lat = _deg_steps(lat, -cell, aspect[rows, cols].astype(np.float64))
    s_up, _ = sample_slope(dem, lon + up_lon, lat + up_lat)
    # A cell is a top unless its upslope neighbour could start the line instead:
    # inside the window, a cell that has a fall direction, and higher. Without the
    # last two a window wide enough to hold a crest or both sides of a ridge would
    # have no top edge at all, and a wider window would find fewer lines.
    rad = np.radians(aspect[rows, cols].astype(np.float64))
    r_up = rows + np.rint(np.cos(rad)).astype(np.intp)  # rows run south
    c_up = cols - np.rint(np.sin(rad)).astype(np.intp)
    ny, nx = slope.shape
    inside = (r_up >= 0) & (r_up < ny) & (c_up >= 0) & (c_up < nx)
    can_start = np.zeros(rows.size, dtype=bool)
    r_in, c_in = r_up[inside], c_up[inside]
    can_start[inside] = in_window[r_in, c_in] & (
        dem.elevation[r_in, c_in] > dem.elevation[rows[inside], cols[inside]] + 1e-6
    )
    seed = ~((s_up >= lo) & (s_up <= hi) & can_start)
    return lon[seed], lat[seed]


def _spaced(
    cands: list[tuple[float, int, np.ndarray, np.ndarray]],
    lat0: float,
    spacing_m: float,
    max_lines: int,
) -> list[tuple[float, np.ndarray, np.ndarray]]:
    """Keep candidates, most drop first, unless mostly within ``spacing_m`` of a kept one."""
    kept: list[tuple[float, np.ndarray, np.ndarray]] = []
    taken = None
    for drop, _i, tx, ty in cands:
        gx, gy = local_xy(tx, ty, 0.0, lat0)
        geom = shapely.linestrings(np.column_stack([gx, gy]))
        if taken is not None and geom.length > 0:
            if shapely.intersection(geom, taken).length > 0.3 * geom.length:
                continue
        kept.append((drop, tx, ty))
        buf = shapely.buffer(geom, spacing_m)
        taken = buf if taken is None else shapely.union(taken, buf)
        if len(kept) >= max_lines:
            break
    return kept


def _to_lonlat(dem: Dem, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if dem.crs.to_epsg() == 4326:
        return x, y
    tr = pyproj.Transformer.from_crs(dem.crs.to_wkt(), "EPSG:4326", always_xy=True)
    lon, lat = tr.transform(x, y)
    return np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
