"""Terrain from a DEM and along profiles: slope, aspect, hillshade, slope bands, grades.

Slope and aspect are Horn's (1981) 3x3 method in metres. The slope bands are
CalTopo's, shared by ski-line statistics and the map's slope overlay. Grades
along a profile are measured over a window given by the caller: each use
names its own window (20 m for route stats, 100 m for climbs, 50 m for ski lines).
"""

from __future__ import annotations

import logging
import math
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from routeplanner._geo import compass_name
from routeplanner.errors import InputError

# The DEM's own sampling helpers are imported where used (terrain derivatives read its
# grid directly): importing rasterio is not needed to name a slope band.
if TYPE_CHECKING:
    from routeplanner.sources.dem import Dem

__all__ = [
    "BANDS",
    "aspect_name",
    "band_of",
    "band_shares",
    "despike",
    "hillshade",
    "max_grade",
    "max_window_mean",
    "sample_slope",
    "slope_aspect",
]

log = logging.getLogger(__name__)

#: A cell further than this many cell sizes (and :data:`SPIKE_MIN_M`) in height from
#: the median of its 3x3 neighbourhood is a spike or a pit: on a plane the median is
#: the cell itself, and a summit or a gully departs from it by about a cell's run times
#: its slope, so 3 cells means slopes past 70 degrees all round.
SPIKE_CELLS = 3.0
#: Departures smaller than this (metres) are never spikes, however fine the cells.
SPIKE_MIN_M = 30.0
#: Share of spiky cells above which a DEM's statistics are implausible (a warning).
SPIKE_WARN_SHARE = 1e-3

#: CalTopo slope-angle bands: (label, lower bound, upper bound) in degrees, half-open.
BANDS: tuple[tuple[str, float, float], ...] = (
    ("<27", 0.0, 27.0),
    ("27-29", 27.0, 30.0),
    ("30-31", 30.0, 32.0),
    ("32-34", 32.0, 35.0),
    ("35-45", 35.0, 46.0),
    ("46-50", 46.0, 50.0),
    ("50+", 50.0, 90.01),
)
_BAND_EDGES = np.array([b[1] for b in BANDS[1:]])

# Gradient magnitude (dz/dxy, metres per metre) below which a cell counts as flat.
_FLAT_GRADIENT = 1e-9

#: The compass name of an aspect (``"flat"`` for NaN): :func:`routeplanner._geo.compass_name`.
aspect_name = compass_name


def band_of(slope_deg: ArrayLike) -> np.ndarray:
    """Return the index in :data:`BANDS` of each slope (rounded to 0.1° first).

    The rounding keeps float noise at a band edge from flipping a band; NaN
    falls in the last band.

    Examples
    --------
    >>> band_of([10.0, 29.96, 35.0]).tolist()
    [0, 2, 4]
    """
    rounded = np.round(np.asarray(slope_deg, dtype=np.float64), 1)
    return np.searchsorted(_BAND_EDGES, rounded, side="right")


def band_shares(slope_deg: ArrayLike, weights: ArrayLike | None = None) -> tuple[float, ...]:
    """Return the share of the weight in each CalTopo band of :data:`BANDS`.

    Parameters
    ----------
    slope_deg
        Slopes in degrees; NaN values are ignored.
    weights
        Non-negative weights (e.g. lengths) of the same shape; equal if None.

    Returns
    -------
    tuple of float
        One share per band, summing to 1 (all zeros if no finite slope).

    Examples
    --------
    >>> band_shares([10.0, 28.0, 35.0, 34.96])
    (0.25, 0.25, 0.0, 0.0, 0.5, 0.0, 0.0)
    """
    s = np.asarray(slope_deg, dtype=np.float64).ravel()
    w = np.ones_like(s) if weights is None else np.asarray(weights, dtype=np.float64).ravel()
    if w.shape != s.shape:
        raise InputError(f"weights shape {w.shape} does not match slopes shape {s.shape}")
    ok = np.isfinite(s) & (w > 0)
    total = float(w[ok].sum())
    if total <= 0:
        return tuple(0.0 for _ in BANDS)
    # 0.1° rounding: a 35° plane must not fall into 32-34 by float noise.
    idx = band_of(s[ok])
    sums = np.bincount(idx, weights=w[ok], minlength=len(BANDS))
    return tuple(float(x) / total for x in sums)


def slope_aspect(dem: Dem) -> tuple[np.ndarray, np.ndarray]:
    """Compute slope and aspect of every cell by Horn's (1981) 3x3 method, in metres.

    With the 3x3 neighbourhood ``a b c / d e f / g h i`` (row 0 at the top)::

        dz/dcol = ((c + 2f + i) - (a + 2d + g)) / 8
        dz/drow = ((g + 2h + i) - (a + 2b + c)) / 8

    These are divided by the signed cell size in metres (east and north components
    from the transform's signs). For a geographic CRS the east-west cell size
    shrinks with latitude, so both cell sizes are geodesic distances computed per
    row on the CRS's ellipsoid; a projected CRS uses its resolution (times its
    linear unit). The raster is padded by edge replication, so border cells use a
    one-sided difference at half weight.

    Parameters
    ----------
    dem
        The elevation model. The result is cached on it.

    Returns
    -------
    slope_deg : numpy.ndarray
        float32 slope in degrees from horizontal (0..90).
    aspect_deg : numpy.ndarray
        float32 direction the slope faces (downhill), degrees clockwise from north
        in [0, 360); NaN on flat cells. Both are NaN next to cells without data.
    """
    from routeplanner.sources.dem import _geographic_cell_m, _linear_factor

    cached = dem._cache.get("slope_aspect")
    if cached is not None:
        ret: tuple[np.ndarray, np.ndarray] = cached
        return ret
    z = np.pad(dem.elevation.astype(np.float64), 1, mode="edge")
    a, b, c = z[:-2, :-2], z[:-2, 1:-1], z[:-2, 2:]
    d, f = z[1:-1, :-2], z[1:-1, 2:]
    g, h, i = z[2:, :-2], z[2:, 1:-1], z[2:, 2:]
    dz_dcol = ((c + 2.0 * f + i) - (a + 2.0 * d + g)) / 8.0
    dz_drow = ((g + 2.0 * h + i) - (a + 2.0 * b + c)) / 8.0
    t = dem.transform
    dx_m: np.ndarray | float
    dy_m: np.ndarray | float
    if dem.crs.is_geographic:
        rows = np.arange(dem.elevation.shape[0], dtype=np.float64)
        lats = t.f + (rows + 0.5) * t.e
        lon_c = t.c + t.a * dem.elevation.shape[1] / 2.0
        dx_m, dy_m = _geographic_cell_m(dem.crs, lon_c, lats, t.a, t.e)
        dx_m = (np.sign(t.a) * dx_m)[:, None]
        dy_m = (np.sign(t.e) * dy_m)[:, None]
    else:
        factor = _linear_factor(dem.crs)
        dx_m, dy_m = t.a * factor, t.e * factor
    dz_east = dz_dcol / dx_m
    dz_north = dz_drow / dy_m
    gradient = np.hypot(dz_east, dz_north)
    slope = np.degrees(np.arctan(gradient))
    # Downhill is minus the gradient; atan2(east, north) is a clockwise azimuth from north.
    aspect = np.degrees(np.arctan2(-dz_east, -dz_north)) % 360.0
    aspect[~(gradient > _FLAT_GRADIENT)] = np.nan
    slope_deg = slope.astype(np.float32)
    aspect_deg = aspect.astype(np.float32)
    slope_deg.flags.writeable = False
    aspect_deg.flags.writeable = False
    dem._cache["slope_aspect"] = (slope_deg, aspect_deg)
    return slope_deg, aspect_deg


def sample_slope(dem: Dem, lon: ArrayLike, lat: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Sample slope and aspect at points.

    Parameters
    ----------
    dem
        The elevation model.
    lon, lat
        Longitudes and latitudes (EPSG:4326), broadcast together.

    Returns
    -------
    slope_deg : numpy.ndarray
        float64 slope, bilinear between cell centres; NaN outside the data.
    aspect_deg : numpy.ndarray
        float64 aspect in [0, 360), circular bilinear interpolation (the unit
        vectors of the neighbouring cells are averaged, flat cells contribute
        nothing); NaN where all neighbours are flat or outside the data.
    """
    from routeplanner.sources.dem import _bilinear

    slope, aspect = slope_aspect(dem)
    components = dem._cache.get("aspect_unit")
    if components is None:
        rad = np.radians(aspect.astype(np.float64))
        east = np.nan_to_num(np.sin(rad), nan=0.0).astype(np.float32)
        north = np.nan_to_num(np.cos(rad), nan=0.0).astype(np.float32)
        components = dem._cache["aspect_unit"] = (east, north)
    col, row = dem._pixel_coords(lon, lat)
    slope_s = _bilinear(slope, col, row)
    east_s = _bilinear(components[0], col, row)
    north_s = _bilinear(components[1], col, row)
    aspect_s = np.degrees(np.arctan2(east_s, north_s)) % 360.0
    defined = np.isfinite(slope_s) & (np.hypot(east_s, north_s) > 1e-6)
    aspect_s = np.where(defined, aspect_s, np.nan)
    return slope_s, aspect_s


def hillshade(dem: Dem, *, azimuth_deg: float = 315.0, altitude_deg: float = 45.0) -> np.ndarray:
    """Compute shaded relief from Horn slope/aspect.

    ``255 * (cos(zenith) cos(slope) + sin(zenith) sin(slope) cos(azimuth - aspect))``,
    clipped at 0, with zenith = 90 - altitude.

    Parameters
    ----------
    dem
        The elevation model.
    azimuth_deg
        Direction the light comes from, degrees clockwise from north.
    altitude_deg
        Height of the light above the horizon, 0..90 degrees.

    Returns
    -------
    numpy.ndarray
        uint8 array of the DEM's shape; 0 where there is no data.
    """
    if not math.isfinite(azimuth_deg):
        raise InputError(f"azimuth_deg must be finite, got {azimuth_deg!r}")
    if not (0.0 <= altitude_deg <= 90.0):
        raise InputError(f"altitude_deg must be within 0..90, got {altitude_deg!r}")
    slope, aspect = slope_aspect(dem)
    zenith = math.radians(90.0 - altitude_deg)
    azimuth = math.radians(azimuth_deg)
    s = np.radians(slope.astype(np.float64))
    # Flat cells have no aspect, but sin(slope) = 0 there so any value does.
    asp = np.radians(np.nan_to_num(aspect.astype(np.float64), nan=0.0))
    shade = math.cos(zenith) * np.cos(s) + math.sin(zenith) * np.sin(s) * np.cos(azimuth - asp)
    shade = np.nan_to_num(np.clip(shade * 255.0, 0.0, 255.0), nan=0.0)
    return np.rint(shade).astype(np.uint8)


def max_grade(dist_m: np.ndarray, ele_m: np.ndarray, *, window_m: float) -> float:
    """Return the steepest |grade| over any ``window_m`` stretch of a profile.

    The profile is linear between its points, so the steepest stretch starts
    or ends at a point: those starts are all tried, and the result is exact.
    A profile no longer than the window gives its end-to-end grade.

    Parameters
    ----------
    dist_m
        Increasing distances along the profile.
    ele_m
        Elevations at those distances.
    window_m
        Length of the stretch (the caller's choice: route stats, climbs and ski
        lines each name theirs).

    Returns
    -------
    float
        Rise over run, >= 0.

    Examples
    --------
    >>> d = np.array([0.0, 50.0, 100.0])
    >>> round(max_grade(d, np.array([0.0, 5.0, 20.0]), window_m=20.0), 2)
    0.3
    >>> round(max_grade(d, np.array([0.0, 5.0, 20.0]), window_m=500.0), 2)
    0.2
    """
    d = np.asarray(dist_m, dtype=np.float64)
    z = np.asarray(ele_m, dtype=np.float64)
    length = float(d[-1] - d[0])
    if length <= 0:
        return 0.0
    if length <= window_m:
        return abs(float(z[-1] - z[0])) / length
    last = float(d[-1]) - window_m
    starts = np.concatenate((d, d - window_m, [last]))
    starts = starts[(starts >= d[0]) & (starts <= last)]
    rise = np.interp(starts + window_m, d, z) - np.interp(starts, d, z)
    return float(np.max(np.abs(rise)) / window_m)


def max_window_mean(dist_m: np.ndarray, values: np.ndarray, *, window_m: float) -> float:
    """Return the largest mean of ``values`` (trapezoid in distance) over a ``window_m`` stretch.

    Examples
    --------
    >>> d = np.array([0.0, 50.0, 100.0, 150.0])
    >>> max_window_mean(d, np.array([10.0, 10.0, 30.0, 30.0]), window_m=50.0)
    30.0
    """
    length = float(dist_m[-1] - dist_m[0])
    if length <= 0:
        return float(values[0])
    seg = (values[:-1] + values[1:]) / 2.0 * np.diff(dist_m)
    integral = np.concatenate(([0.0], np.cumsum(seg)))
    if length <= window_m:
        return float(integral[-1] / length)
    starts = dist_m[dist_m <= dist_m[-1] - window_m]
    ends = np.interp(starts + window_m, dist_m, integral) - np.interp(starts, dist_m, integral)
    return float(np.max(ends) / window_m)


def despike(elevation: np.ndarray, cell_m: float, source: str = "DEM") -> int:
    """Replace spikes and pits by the median of their 3x3 neighbourhood, in place.

    A cell further than ``max(SPIKE_MIN_M, SPIKE_CELLS * cell_m)`` from that median
    cannot be terrain (see :data:`SPIKE_CELLS`): a bad cell, or a sparse pattern of
    them, then changes no grade and no ascent.  Cells next to a void are left as
    they are.  More than :data:`SPIKE_WARN_SHARE` of such cells gives a warning:
    the file is likely damaged.

    Parameters
    ----------
    elevation
        2-D heights in metres (NaN for no data); changed in place.
    cell_m
        Cell size in metres.
    source
        The DEM's name, for messages.

    Returns
    -------
    int
        Cells replaced.
    """
    z = np.asarray(elevation)
    h, w = z.shape
    pad = np.pad(z, 1, mode="edge")
    # The 3x3 window of every cell, as nine shifted views (no copies).
    views = [pad[i : i + h, j : j + w] for i in range(3) for j in range(3)]
    limit = max(SPIKE_MIN_M, SPIKE_CELLS * float(cell_m))
    with np.errstate(invalid="ignore"):
        fin = np.isfinite(pad)
        whole = np.logical_and.reduce(
            [fin[i : i + h, j : j + w] for i in range(3) for j in range(3)]
        )
        # A cell off its window's median by more than the limit is off at least one of
        # its four edge neighbours by that much: a cheap screen before any median.
        edge = views[1], views[3], views[5], views[7]
        low, high = np.minimum.reduce(edge), np.maximum.reduce(edge)
        rows, cols = np.nonzero(whole & ((z > low + limit) | (z < high - limit)))
    if len(rows) == 0:
        return 0
    median = np.median(np.stack([v[rows, cols] for v in views]), axis=0)
    off = np.abs(z[rows, cols] - median) > limit
    rows, cols, median = rows[off], cols[off], median[off]
    n = len(rows)
    if n == 0:
        return 0
    elevation[rows, cols] = median
    share = n / max(int(fin[1:-1, 1:-1].sum()), 1)
    if share > SPIKE_WARN_SHARE:
        log.warning(
            "%s: %d cells (%.2f%%) are spikes or pits more than %.0f m from their "
            "neighbours, implausible for terrain: replaced by their neighbours' median "
            "(is the file damaged?)",
            source,
            n,
            100 * share,
            limit,
        )
    else:
        log.info("%s: %d spike or pit cell(s) replaced by their neighbours' median", source, n)
    return n
