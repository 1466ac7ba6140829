"""A recording prepared for fitting: stops and rests cut, positions and elevations smoothed.

How recordings are prepared (:func:`prepare`, which gives a :class:`Line` of intervals
with length, grade, time and trail share; :mod:`routeplanner.pace.fitting` fits a
profile to such lines and predicts their moving time):

* **Stops.**  An interval between two fixes longer than :data:`STOP_GAP_S` (60 s)
  is a stop and counts neither as time nor as distance.  Recorders with
  auto-pause leave exactly such gaps, and recorders that log every 1-30 s while
  moving do not; a shorter threshold would cut sparse recordings (fixes every
  10-30 s) into pieces, a longer one would count breaks as slow walking.  It is
  also the definition of moving time in the sample tracks' README, so fitted and
  measured moving times are the same quantity.  It is not perfect: on the sample
  walks (fixes every 8-34 s) some gaps over 60 s are slow walking rather than
  halts (median speed over such gaps 0.04-0.9 m/s against about 1 m/s moving);
  they are left out of the fit, whose chunks then carry a little less data.
  :func:`predict` of a whole line (``pace predict``) counts every interval.
* **Rests without a gap.**  Recorders that log every few seconds keep logging
  while their owner stands still, so the gap rule counts a rest as moving.  An
  interval is also a stop when the net horizontal displacement over a centred
  window of :data:`STOP_WINDOW_S` (60 s, clipped to the stretch between gaps) is
  below :data:`STOP_SPEED_M_S` (0.1 m/s, 0.36 km/h): GPS jitter at a standstill
  stays below 0.05 m/s over such a window, and the slowest steep climbing moves
  about 0.3 m/s horizontally.  The first and last half window of a rest stay
  in (the window reaches moving ground), so rests under a minute are not cut.
  On the steep sample recordings this cuts 13-34 % of the "moving" time of
  the six hikes logged every 1-14 s without auto-pause and nothing of the runs
  logged with it (``docs/pace_variants.md``).
* **GPS jitter.**  Positions are smoothed with a Gaussian of
  :data:`POSITION_SIGMA_S` (4 s) in time before measuring distance: on 1 s
  recordings jitter of a few metres otherwise adds several percent of phantom
  distance; on sparse recordings (10 s and more between fixes) the kernel leaves
  the points alone.
* **Elevation noise.**  Elevations are resampled every 10 m of distance and
  smoothed with a Gaussian of :data:`ELEVATION_SIGMA_M` (40 m) before grades are
  taken, so that a 2 m barometric wobble over 5 m is not read as a 40 % wall.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.ndimage import gaussian_filter1d

from routeplanner.errors import InputError
from routeplanner.network.model import Network
from routeplanner.sources.tracks import Track

__all__ = [
    "ELEVATION_SIGMA_M",
    "POSITION_SIGMA_S",
    "STOP_GAP_S",
    "STOP_SPEED_M_S",
    "STOP_WINDOW_S",
    "ClassOf",
    "Line",
    "moving_time_s",
    "network_class_of",
    "prepare",
]

STOP_GAP_S = 60.0
STOP_SPEED_M_S = 0.1
STOP_WINDOW_S = 60.0
POSITION_SIGMA_S = 4.0
ELEVATION_SIGMA_M = 40.0
_EARTH_M_PER_DEG = 111_320.0
_ASCENT_HYSTERESIS_M = 3.0
# Class of a point on the network: 0 trail, >0 road, -1 unmatched.
ClassOf = Callable[[np.ndarray, np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Line:
    """A prepared line: per interval between consecutive points.

    Parameters
    ----------
    name : str
        Label.
    length_m : numpy.ndarray
        Horizontal length of each interval (smoothed positions).
    grade : numpy.ndarray
        Grade of each interval from the smoothed elevations.
    dt_s : numpy.ndarray
        Recorded duration of each interval (0 for a planned line).
    moving : numpy.ndarray
        Boolean: the interval counts (not a stop).
    trail : numpy.ndarray
        Share of the interval on trails (1), roads (0); NaN where unknown.
    ele_m : numpy.ndarray
        Smoothed elevation at the points (one more than intervals).
    """

    name: str
    length_m: np.ndarray
    grade: np.ndarray
    dt_s: np.ndarray
    moving: np.ndarray
    trail: np.ndarray
    ele_m: np.ndarray

    @property
    def distance_m(self) -> float:
        """Horizontal length of the moving intervals."""
        return float(self.length_m[self.moving].sum())

    @property
    def moving_s(self) -> float:
        """Recorded moving time."""
        return float(self.dt_s[self.moving].sum())

    @property
    def ascent_m(self) -> float:
        """Total ascent of the smoothed elevations with a 3 m hysteresis."""
        return _ascent(self.ele_m)

    def split(self, fraction: float = 0.5) -> tuple[Line, Line]:
        """Cut the line at a fraction of its moving distance.

        Parameters
        ----------
        fraction : float
            Where to cut, between 0 and 1.

        Returns
        -------
        tuple of Line
            The part before and the part after.
        """
        cum = np.cumsum(np.where(self.moving, self.length_m, 0.0))
        k = int(np.searchsorted(cum, fraction * cum[-1])) + 1
        return self._slice(0, k, "a"), self._slice(k, len(self.length_m), "b")

    def _slice(self, i: int, j: int, tag: str) -> Line:
        return Line(
            name=f"{self.name}[{tag}]",
            length_m=self.length_m[i:j],
            grade=self.grade[i:j],
            dt_s=self.dt_s[i:j],
            moving=self.moving[i:j],
            trail=self.trail[i:j],
            ele_m=self.ele_m[i : j + 1],
        )


def _project(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    lat0 = math.radians(float(np.mean(lat)))
    x = (lon - lon[0]) * _EARTH_M_PER_DEG * math.cos(lat0)
    y = (lat - lat[0]) * _EARTH_M_PER_DEG
    return x, y


def _smooth_in_time(t: np.ndarray, v: np.ndarray, sigma_s: float) -> np.ndarray:
    """Gaussian smoothing of irregular samples in time (window ±3 sigma)."""
    out = np.zeros_like(v)
    wsum = np.zeros_like(v)
    n = len(v)
    reach = int(min(n - 1, 3 * sigma_s + 1))
    for k in range(-reach, reach + 1):
        idx = np.clip(np.arange(n) + k, 0, n - 1)
        w = np.exp(-0.5 * ((t[idx] - t) / sigma_s) ** 2)
        w[(np.arange(n) + k < 0) | (np.arange(n) + k >= n)] = 0.0
        out += w * v[idx]
        wsum += w
    ret: np.ndarray = out / wsum
    return ret


def _smooth_elevation(dist: np.ndarray, ele: np.ndarray, sigma_m: float) -> np.ndarray:
    """Gaussian smoothing of elevation over distance (resampled every 10 m)."""
    if not np.isfinite(ele).all() or dist[-1] <= 0:
        ret: np.ndarray = ele.copy()
        return ret
    step = 10.0
    grid = np.arange(0.0, dist[-1] + step, step)
    z = np.interp(grid, dist, ele)
    zs = gaussian_filter1d(z, sigma_m / step, mode="nearest")
    ret = np.interp(dist, grid, zs)
    return ret


def _rests(
    t: np.ndarray, x: np.ndarray, y: np.ndarray, moving: np.ndarray, speed: float
) -> np.ndarray:
    """Intervals whose net speed over a centred window is below `speed` (rests).

    The window (:data:`STOP_WINDOW_S`) is clipped to the stretch between gaps, so a
    gap's missing time is not read as standing still.
    """
    stretch = np.concatenate(([0], np.cumsum(~moving)))
    first = np.searchsorted(stretch, stretch, side="left")
    last = np.searchsorted(stretch, stretch, side="right") - 1
    mid = (t[1:] + t[:-1]) / 2
    lo = np.maximum(mid - STOP_WINDOW_S / 2, t[first[:-1]])
    hi = np.minimum(mid + STOP_WINDOW_S / 2, t[last[:-1]])
    span = np.maximum(hi - lo, np.diff(t))
    dx = np.interp(hi, t, x) - np.interp(lo, t, x)
    dy = np.interp(hi, t, y) - np.interp(lo, t, y)
    ret: np.ndarray = moving & (np.hypot(dx, dy) < speed * np.maximum(span, 1e-9))
    return ret


def _ascent(ele: np.ndarray) -> float:
    """Total ascent counting only rises of at least the hysteresis."""
    if len(ele) == 0 or not np.isfinite(ele).all():
        return 0.0
    total, ref = 0.0, float(ele[0])
    for z in ele[1:].tolist():
        if z - ref >= _ASCENT_HYSTERESIS_M:
            total += z - ref
            ref = z
        elif ref - z >= _ASCENT_HYSTERESIS_M:
            ref = z
    return total


def prepare(
    track: Track,
    *,
    ele_m: np.ndarray | None = None,
    class_of: ClassOf | None = None,
    stop_gap_s: float = STOP_GAP_S,
    stop_speed_m_s: float = STOP_SPEED_M_S,
) -> Line:
    """Smooth a recording and cut it into intervals with length, grade and time.

    Parameters
    ----------
    track : Track
        The recording (or a planned line with zero times).
    ele_m : numpy.ndarray or None
        Elevations to use instead of the track's own (e.g. sampled from a DEM).
    class_of : callable or None
        ``class_of(lon, lat)`` gives the network class of points (0 trail, 1+ road,
        -1 unmatched); None when no network is available.
    stop_gap_s : float
        Intervals longer than this are stops.
    stop_speed_m_s : float
        Intervals whose net speed over the centred window is below this are stops
        too (rests logged without a gap); 0 keeps every interval the gap rule keeps.

    Returns
    -------
    Line
        The prepared intervals.

    Raises
    ------
    InputError
        If the line has no elevations (and none are given).
    """
    ele = track.ele_m if ele_m is None else np.asarray(ele_m, dtype=float)
    if not np.isfinite(ele).all():
        raise InputError(
            f"{track.name}: no elevations in the file: give a DEM (--dem) to read them from"
        )
    t = track.time_s
    x, y = _project(track.lon, track.lat)
    timed = bool(t[-1] > 0)
    if timed:
        x = _smooth_in_time(t, x, POSITION_SIGMA_S)
        y = _smooth_in_time(t, y, POSITION_SIGMA_S)
    dd = np.hypot(np.diff(x), np.diff(y))
    dist = np.concatenate(([0.0], np.cumsum(dd)))
    z = _smooth_elevation(dist, ele, ELEVATION_SIGMA_M)
    grade = np.divide(np.diff(z), dd, out=np.zeros_like(dd), where=dd > 0.5)
    dt = np.diff(t)
    moving = dt <= stop_gap_s if timed else np.ones(len(dd), dtype=bool)
    if timed and stop_speed_m_s > 0:
        moving &= ~_rests(t, x, y, moving, stop_speed_m_s)
    trail = np.full(len(dd), np.nan)
    if class_of is not None:
        mid_lon = (track.lon[1:] + track.lon[:-1]) / 2
        mid_lat = (track.lat[1:] + track.lat[:-1]) / 2
        cls = np.asarray(class_of(mid_lon, mid_lat))
        trail = np.where(cls < 0, np.nan, (cls == 0).astype(float))
    return Line(track.name, dd, grade, dt, moving, trail, z)


def moving_time_s(track: Track, *, stop_gap_s: float = STOP_GAP_S) -> float:
    """Sum of the intervals between consecutive points at most `stop_gap_s` apart.

    Parameters
    ----------
    track : Track
        A recording.
    stop_gap_s : float
        Longest interval that still counts as moving.

    Returns
    -------
    float
        Seconds.
    """
    dt = np.diff(track.time_s)
    return float(dt[dt <= stop_gap_s].sum())


def network_class_of(net: Network, *, max_distance_m: float = 25.0) -> ClassOf:
    """Match points to the nearest way of a network and give its class.

    Parameters
    ----------
    net : Network
        The network (classes from :data:`routeplanner.network.model.EDGE_CLASSES`).
    max_distance_m : float
        Points farther than this from every way are unmatched (-1): GPS error on
        trails is typically 5-15 m, so 25 m keeps most points and drops off-network
        stretches.

    Returns
    -------
    callable
        ``class_of(lon, lat)`` giving 0 (trail), 1+ (road) or -1 per point.
    """
    import shapely

    def class_of(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        tree, _, _ = net._tree()
        x, y = net.project(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
        pts = shapely.points(x, y)
        hit = tree.query_nearest(pts, max_distance=max_distance_m, all_matches=False)
        out = np.full(len(pts), -1, dtype=int)
        out[hit[0]] = net.edge_class[hit[1]]
        return out

    return class_of
