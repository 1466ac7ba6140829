"""Geometry on the sphere: distances, a local metric projection, bboxes, bearings.

Every module measures with these, so that one Earth radius and one
metres-per-degree serve the whole package.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from routeplanner.errors import InputError

__all__ = [
    "COMPASS",
    "EARTH_RADIUS_M",
    "M_PER_DEG",
    "Bbox",
    "bearing_deg",
    "check_bbox",
    "close_pair_arrays",
    "close_pairs",
    "compass_name",
    "haversine_m",
    "local_xy",
    "offset_deg",
]

#: Mean Earth radius (IUGG), metres.
EARTH_RADIUS_M = 6_371_008.8
#: Metres per degree of latitude (and of longitude at the equator) on that sphere.
M_PER_DEG = math.pi / 180.0 * EARTH_RADIUS_M
#: The 8-point compass, clockwise from north.
COMPASS: tuple[str, ...] = ("N", "NE", "E", "SE", "S", "SW", "W", "NW")

Bbox = tuple[float, float, float, float]


def haversine_m(
    lon1: ArrayLike,
    lat1: ArrayLike,
    lon2: ArrayLike,
    lat2: ArrayLike,
) -> np.ndarray:
    """Return the great-circle distance in metres between points given in degrees.

    Examples
    --------
    >>> round(float(haversine_m(1.5, 42.0, 1.5, 42.001)), 1)
    111.2
    """
    lo1, la1, lo2, la2 = (
        np.radians(np.asarray(a, dtype=np.float64)) for a in (lon1, lat1, lon2, lat2)
    )
    a = np.sin((la2 - la1) / 2) ** 2 + np.cos(la1) * np.cos(la2) * np.sin((lo2 - lo1) / 2) ** 2
    ret: np.ndarray = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.minimum(a, 1.0)))
    return ret


def local_xy(
    lon: ArrayLike, lat: ArrayLike, lon0: float, lat0: float
) -> tuple[np.ndarray, np.ndarray]:
    """Project to equirectangular metres east and north of ``(lon0, lat0)``.

    Distortion is below 0.1 % across a few tens of km, plenty for snapping,
    resampling and nearest-point queries.

    Examples
    --------
    >>> x, y = local_xy([1.001], [42.001], 1.0, 42.0)
    >>> round(float(x[0]), 1), round(float(y[0]), 1)
    (82.6, 111.2)
    """
    x = (np.asarray(lon, dtype=np.float64) - lon0) * M_PER_DEG * math.cos(math.radians(lat0))
    y = (np.asarray(lat, dtype=np.float64) - lat0) * M_PER_DEG
    return x, y


def offset_deg(dx_m: ArrayLike, dy_m: ArrayLike, lat: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(dlon, dlat)`` in degrees of a move by metres east and north at ``lat``.

    Examples
    --------
    >>> dlon, dlat = offset_deg(0.0, 111.195, 0.0)
    >>> round(float(dlat), 6)
    0.001
    """
    cos_lat = np.maximum(np.cos(np.radians(np.asarray(lat, dtype=np.float64))), 1e-6)
    return (
        np.asarray(dx_m, dtype=np.float64) / (M_PER_DEG * cos_lat),
        np.asarray(dy_m, dtype=np.float64) / M_PER_DEG,
    )


def bearing_deg(lon0: float, lat0: float, lon1: float, lat1: float) -> float:
    """Return the direction from one point to another, degrees clockwise from north.

    A local flat-Earth bearing: right for the short distances along a way.

    Examples
    --------
    >>> bearing_deg(1.0, 42.0, 1.0, 42.1)
    0.0
    >>> round(bearing_deg(1.0, 42.0, 1.1, 42.0))
    90
    """
    dx = (lon1 - lon0) * math.cos(math.radians(lat0))
    return math.degrees(math.atan2(dx, lat1 - lat0)) % 360.0


def compass_name(direction_deg: float) -> str:
    """Return the 8-point compass name (N, NE, … NW) nearest a direction in degrees.

    Parameters
    ----------
    direction_deg
        Degrees clockwise from north; any finite value (taken modulo 360).

    Returns
    -------
    str
        The nearest compass point, or ``"flat"`` for NaN (no direction).

    Raises
    ------
    InputError
        If the direction is infinite.

    Examples
    --------
    >>> compass_name(350.0), compass_name(100.0)
    ('N', 'E')
    """
    value = float(direction_deg)
    if math.isnan(value):
        return "flat"
    if math.isinf(value):
        raise InputError(f"aspect_deg must be finite, got {direction_deg!r}")
    return COMPASS[math.floor((value % 360.0) / 45.0 + 0.5) % 8]


def check_bbox(bbox: Sequence[float]) -> Bbox:
    """Validate a ``(west, south, east, north)`` box in degrees and return it as floats.

    Raises
    ------
    InputError
        If it is not four finite numbers within lon -180..180 and lat -90..90 with
        west < east and south < north (a box crossing the antimeridian is refused).
    """
    try:
        west, south, east, north = (float(v) for v in bbox)
    except (TypeError, ValueError) as exc:
        raise InputError(
            f"bbox must be 4 numbers (west, south, east, north), got {bbox!r}"
        ) from exc
    if not all(math.isfinite(v) for v in (west, south, east, north)):
        raise InputError(f"bbox has a non-finite value: {bbox!r}")
    if not (
        -180 <= west <= 180 and -180 <= east <= 180 and -90 <= south <= 90 and -90 <= north <= 90
    ):
        raise InputError(f"bbox out of range (lon -180..180, lat -90..90): {bbox!r}")
    if west >= east or south >= north:
        raise InputError(f"bbox must have west < east and south < north: {bbox!r}")
    return west, south, east, north


#: Neighbouring grid cells to pair a cell with (each unordered pair of cells once).
_HALF_NEIGHBOURS = ((0, 0), (0, 1), (1, -1), (1, 0), (1, 1))


def close_pairs(x: ArrayLike, y: ArrayLike, within: float) -> np.ndarray:
    """Find every pair of points at most ``within`` apart in the plane.

    The same pairs as :meth:`scipy.spatial.cKDTree.query_pairs` (squared
    distances compared with ``within ** 2``), found on a grid of cells a little
    larger than ``within``: a pair lies in one cell or in two neighbouring ones.

    Parameters
    ----------
    x, y
        Planar coordinates (e.g. metres from :func:`local_xy`), same length.
    within
        Largest distance of a pair (> 0), in the units of ``x`` and ``y``.

    Returns
    -------
    numpy.ndarray
        Shape ``(k, 2)``, rows ``(i, j)`` with ``i < j``, sorted.

    Examples
    --------
    >>> close_pairs([0.0, 3.0, 10.0, 0.0], [0.0, 4.0, 0.0, 5.0], 5.0).tolist()
    [[0, 1], [0, 3], [1, 3]]
    """
    i, j = close_pair_arrays(x, y, within)
    pairs = np.column_stack([i, j])
    return pairs[np.lexsort((j, i))]


def close_pair_arrays(x: ArrayLike, y: ArrayLike, within: float) -> tuple[np.ndarray, np.ndarray]:
    """Find the pairs of :func:`close_pairs` as two index arrays ``i < j``, in no given order.

    For callers that only mark the points (no sort, no stacking).
    """
    px = np.asarray(x, dtype=np.float64)
    py = np.asarray(y, dtype=np.float64)
    n = len(px)
    if n < 2:
        return np.empty(0, dtype=np.intp), np.empty(0, dtype=np.intp)
    cell = within * (1.0 + 1e-6)  # so rounding never puts a pair two cells apart
    cx = np.floor(px / cell).astype(np.int64)
    cy = np.floor(py / cell).astype(np.int64)
    cx -= cx.min()
    cy -= cy.min() - 1  # rows 1.., so the row below (dy = -1) is still >= 0
    width = int(cy.max()) + 2
    order = np.argsort(cx * width + cy, kind="stable")
    keys = (cx * width + cy)[order]
    found_i, found_j = [], []
    for dx, dy in _HALF_NEIGHBOURS:
        want = (cx + dx) * width + (cy + dy)
        lo = np.searchsorted(keys, want, side="left")
        count = np.searchsorted(keys, want, side="right") - lo
        i = np.repeat(np.arange(n), count)
        first = np.repeat(lo - (np.cumsum(count) - count), count)
        j = order[np.arange(len(i)) + first]
        keep = (i < j) if (dx, dy) == (0, 0) else np.ones(len(i), dtype=bool)
        d2 = (px[i] - px[j]) ** 2 + (py[i] - py[j]) ** 2
        keep &= d2 <= within * within
        i, j = i[keep], j[keep]
        found_i.append(np.minimum(i, j))
        found_j.append(np.maximum(i, j))
    return np.concatenate(found_i).astype(np.intp), np.concatenate(found_j).astype(np.intp)
