"""Grades a runner can trust: robust profiles, structures, road caps and confidence.

A DEM cell averages the terrain over its whole footprint, so a way read from
it inherits the hillside it runs across, not the terrace it is built on.  Four
rules turn sampled elevations into grades that hold up:

1. **Robust smoothing.**  Profiles pass a Hampel filter (outliers against
   the median of :data:`MEDIAN_POINTS` samples are replaced by it: a spike
   from one bad cell or a void fill cannot survive it) before the build's
   moving average, so grades come from the profile's shape, never from a raw
   cell-to-cell step.
2. **Structures.**  Bridges, tunnels, embankments and cuttings
   (``bridge=*``, ``tunnel=*``, ``embankment=*``, ``cutting=*`` other than
   ``no``) are built to cross terrain the DEM shows: their profile is the
   straight line between their two ends.
3. **Road caps.**  Junction elevations (raw DEM samples) are moved, as
   little as they need, until no road's ends are further apart in height than
   its cap allows (:func:`fit_junctions`); then each road's profile is pulled
   toward the straight line between its ends until no stretch is steeper than
   :data:`ROAD_MAX_GRADE` for its class (:func:`cap_grades`).  Trails are not
   capped: steep trails exist.
4. **Confidence.**  Every grade is reported over a stated length with the
   uncertainty :func:`grade_uncertainty` gives for the DEM's cell size.

The road caps, over a :data:`GRADE_BASELINE_M` baseline:

* minor roads (residential, service, tertiary, …) 30 %.  The steepest public
  streets in the world, Ffordd Pen Llech (Harlech, 37.45 %, Guinness World
  Records 2019) and Baldwin Street (Dunedin, 34.8 %), reach those values only
  over a few tens of metres; village ramps in Andorra reach 25-30 %.  A DEM
  reading above 30 % on a street is the hillside beside it.
* major roads (secondary, primary) 15 %: they are engineered to the
  mountain-road maxima of road design norms (Spain's Instrucción de
  Carreteras 3.1-IC allows 7-10 % on mountain roads; Andorra's CG roads over
  Envalira and Ordino stay under about 10 %), with margin for hairpins.

The vertical error model: a DEM's elevation error grows with its cell size
(the terrain inside a cell is not resolved).  We take
``sigma_z = max(0.5 m, 0.08 * cell)``: 7 m for SRTM3 (~90 m; the mission's
absolute error spec is 16 m LE90, about 10 m one sigma, with 5-9 m measured
in mountains) and 2.4 m for Copernicus GLO-30 (spec < 4 m LE90).  The grade
between two points ``L`` metres apart then carries
``sqrt(2) * sigma_z / L`` of uncertainty (independent errors at both ends).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from routeplanner._docstrings import fill

__all__ = [
    "COARSE_DEM_M",
    "GRADE_BASELINE_M",
    "MEDIAN_POINTS",
    "ROAD_MAX_GRADE",
    "SPIKE_FLOOR_M",
    "STRUCTURE_TAGS",
    "cap_grades",
    "describe_max_grade",
    "fit_junctions",
    "grade_confidence",
    "grade_uncertainty",
    "max_grade_over",
    "running_median",
    "straighten",
    "structure",
    "vertical_error_m",
]

#: Horizontal baseline over which "max grade" is measured and reported.
GRADE_BASELINE_M = 100.0

#: Samples in the outlier filter's window (odd).
MEDIAN_POINTS = 5

#: Departures from the window median smaller than this (metres) are never outliers.
SPIKE_FLOOR_M = 2.0

#: Largest grade a road can have, by edge class (1 minor road, 2 major road).
ROAD_MAX_GRADE: Mapping[int, float] = {1: 0.30, 2: 0.15}

#: DEM cells coarser than this (metres) get a "coarse DEM" note next to grades.
COARSE_DEM_M = 50.0

# Samples handled at a time by running_median and cap_grades (bounds their memory, not
# their results).
_BLOCK = 1 << 18

#: Tags marking a way built across terrain the DEM shows, in order of precedence.
STRUCTURE_TAGS: tuple[str, ...] = ("bridge", "tunnel", "embankment", "cutting")


def structure(tags: Mapping[str, str]) -> str:
    """Name the structure a way is built as, or ``""``.

    Parameters
    ----------
    tags
        The way's OSM tags.

    Returns
    -------
    str
        ``"bridge"``, ``"tunnel"``, ``"embankment"``, ``"cutting"`` or ``""``.

    Examples
    --------
    >>> structure({"highway": "path", "bridge": "yes"})
    'bridge'
    >>> structure({"highway": "path", "tunnel": "no"})
    ''
    >>> structure({"highway": "track", "cutting": "left"})
    'cutting'
    """
    for key in STRUCTURE_TAGS:
        if tags.get(key, "no") != "no":
            return key
    return ""


def vertical_error_m(cell_m: float) -> float:
    """Return the one-sigma elevation error assumed for a DEM of ``cell_m`` cells.

    Examples
    --------
    >>> round(vertical_error_m(90.0), 1)
    7.2
    >>> vertical_error_m(1.0)
    0.5
    """
    return max(0.5, 0.08 * float(cell_m))


def grade_uncertainty(over_m: float, cell_m: float) -> float:
    """Return the one-sigma uncertainty of a grade measured over ``over_m`` metres.

    Parameters
    ----------
    over_m
        Horizontal distance between the two points the grade is read from.
    cell_m
        DEM cell size in metres.

    Returns
    -------
    float
        Uncertainty as a fraction (0.05 = ±5 percentage points); ``inf`` for a
        zero length or an unknown cell size.

    Examples
    --------
    >>> round(grade_uncertainty(100.0, 90.0), 3)
    0.102
    >>> round(grade_uncertainty(100.0, 30.0), 3)
    0.034
    """
    if not (over_m > 0 and math.isfinite(cell_m)):
        return math.inf
    return math.sqrt(2.0) * vertical_error_m(cell_m) / over_m


def grade_confidence(over_m: float, cell_m: float) -> str:
    """Rate a grade ``"high"``, ``"medium"`` or ``"low"`` from its uncertainty.

    High is within ±3 points, medium within ±8, low beyond; ``"unknown"``
    without a cell size.

    Examples
    --------
    >>> grade_confidence(100.0, 90.0), grade_confidence(100.0, 30.0), grade_confidence(300.0, 30.0)
    ('low', 'medium', 'high')
    """
    if not math.isfinite(cell_m):
        return "unknown"
    u = grade_uncertainty(over_m, cell_m)
    if u <= 0.03:
        return "high"
    if u <= 0.08:
        return "medium"
    return "low"


def describe_max_grade(grade: float, over_m: float, cell_m: float) -> str:
    """Word a steepest grade with its length, and a note when the DEM is coarse.

    Examples
    --------
    >>> describe_max_grade(0.28, 100.0, 30.0)
    'max 28 % over 100 m (±3 %)'
    >>> describe_max_grade(0.28, 100.0, 92.6)
    'max 28 % over 100 m (±10 %; coarse 93 m DEM: short steep pitches read low)'
    """
    text = f"max {grade * 100:.0f} % over {over_m:.0f} m"
    u = grade_uncertainty(over_m, cell_m)
    if not math.isfinite(u):
        return text
    note = f"±{u * 100:.0f} %"
    if cell_m > COARSE_DEM_M:
        note += f"; coarse {cell_m:.0f} m DEM: short steep pitches read low"
    return f"{text} ({note})"


def max_grade_over(
    dist_m: np.ndarray, ele: np.ndarray, *, window_m: float = GRADE_BASELINE_M
) -> tuple[float, float]:
    """Find the steepest |grade| between profile points at least ``window_m`` apart.

    Parameters
    ----------
    dist_m, ele
        Distance along the profile (increasing) and elevation.
    window_m
        Baseline; a profile shorter than it gives its end-to-end grade.

    Returns
    -------
    tuple of float
        ``(grade, over_m)``: the grade as a fraction and the length it is
        measured over (``window_m``, or the profile's length if shorter).

    Examples
    --------
    >>> d = np.arange(0.0, 301.0, 20.0)
    >>> g, over = max_grade_over(d, 0.1 * d)
    >>> round(g, 3), over
    (0.1, 100.0)
    >>> max_grade_over(np.array([0.0, 40.0]), np.array([0.0, 8.0]))
    (0.2, 40.0)
    """
    dist_m = np.asarray(dist_m, dtype=np.float64)
    ele = np.asarray(ele, dtype=np.float64)
    if len(dist_m) < 2:
        return 0.0, 0.0
    span = float(dist_m[-1] - dist_m[0])
    j = np.searchsorted(dist_m, dist_m + window_m - 1e-9)
    ok = j < len(dist_m)
    if not ok.any():
        if span <= 0:
            return 0.0, 0.0
        return float(abs(ele[-1] - ele[0]) / span), span
    i = np.flatnonzero(ok)
    g = np.abs(ele[j[ok]] - ele[i]) / (dist_m[j[ok]] - dist_m[i])
    return float(g.max()), float(window_m)


def running_median(values: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Replace outliers by the median of their :data:`MEDIAN_POINTS` neighbours (Hampel filter).

    A sample is an outlier when it is further from its window's median than
    three scaled median absolute deviations of the window (and more than
    :data:`SPIKE_FLOOR_M`).  Spikes from a bad cell or a void fill go; real
    corners (a valley bottom, a col) stay, because the window around them
    deviates as much as they do.

    Parameters
    ----------
    values
        Samples of all groups, concatenated.
    start, end
        Per group, the index of its first and last sample (inclusive).

    Returns
    -------
    numpy.ndarray
        Filtered values; the window is clamped to the group, and each group's
        first and last sample are returned unchanged (junctions stay exact).

    Examples
    --------
    >>> spike = np.array([0.0, 1, 2, 30, 4, 5, 6])
    >>> running_median(spike, np.array([0]), np.array([6]))
    array([0., 1., 2., 4., 4., 5., 6.])
    >>> vee = np.array([8.0, 4, 0, 4, 8])
    >>> running_median(vee, np.array([0]), np.array([4]))
    array([8., 4., 0., 4., 8.])
    """
    values = np.asarray(values, dtype=np.float64)
    n = len(values)
    if n == 0:
        ret: np.ndarray = values.copy()
        return ret
    sizes = end - start + 1
    group = np.repeat(np.arange(len(start)), sizes)
    half = MEDIAN_POINTS // 2
    steps = np.arange(-half, half + 1)[None, :]
    out = np.empty(n)
    # In blocks: the windows take MEDIAN_POINTS times the memory of the values.
    for a in range(0, n, _BLOCK):
        b = min(a + _BLOCK, n)
        g = group[a:b]
        idx = np.arange(a, b)[:, None] + steps
        window = values[np.clip(idx, start[g][:, None], end[g][:, None])]
        med = np.median(window, axis=1)
        mad = np.median(np.abs(window - med[:, None]), axis=1)
        limit = np.maximum(3.0 * 1.4826 * mad, SPIKE_FLOOR_M)
        out[a:b] = np.where(np.abs(values[a:b] - med) > limit, med, values[a:b])
    out[start] = values[start]
    out[end] = values[end]
    return out


#: The parameters that the functions over groups of concatenated profiles share
#: (:func:`routeplanner._docstrings.fill`).
_PROFILE_GROUPS_DOC = (
    "ele, dist_m\n    Elevation and distance from the group's start, all groups concatenated.\n"
    "start, end\n    Per group, the index of its first and last sample (inclusive)."
)


@fill(groups=_PROFILE_GROUPS_DOC)
def straighten(
    ele: np.ndarray, dist_m: np.ndarray, start: np.ndarray, end: np.ndarray, which: np.ndarray
) -> np.ndarray:
    """Replace the chosen groups' profiles by the straight line between their ends.

    Parameters
    ----------
    %(groups)s
    which
        Boolean per group: True to straighten.

    Returns
    -------
    numpy.ndarray
        A new elevation array.
    """
    out = np.array(ele, dtype=np.float64, copy=True)
    for s, e in zip(start[which], end[which], strict=True):
        length = dist_m[e] - dist_m[s]
        t = (dist_m[s : e + 1] - dist_m[s]) / length if length > 0 else 0.0
        out[s : e + 1] = ele[s] + t * (ele[e] - ele[s])
    return out


@fill(groups=_PROFILE_GROUPS_DOC)
def cap_grades(
    ele: np.ndarray,
    dist_m: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    cap: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Pull profiles toward their end-to-end line until no step exceeds ``cap``.

    The new profile is ``line + a * (ele - line)`` with the largest ``a`` in
    [0, 1] for which every step's |grade| is at most the group's cap, so the
    ends stay exact, the shape is kept as far as it can be, and every longer
    stretch is within the cap too.  A group whose ends alone are steeper than
    its cap becomes the straight line (the steepest it can be made).

    Parameters
    ----------
    %(groups)s
    cap
        Per group, the largest grade (fraction); ``inf`` for no cap.

    Returns
    -------
    tuple of numpy.ndarray
        The capped elevations and, per group, whether it was changed.
    """
    ele = np.asarray(ele, dtype=np.float64)
    n_groups = len(start)
    n = len(ele)
    group = np.repeat(np.arange(n_groups), end - start + 1)
    length = dist_m[end] - dist_m[start]
    g_line = np.divide(ele[end] - ele[start], length, out=np.zeros(n_groups), where=length > 0)
    ele0, dist0 = ele[start], dist_m[start]

    def line_resid(a: int, b: int) -> tuple[np.ndarray, np.ndarray]:
        g = group[a:b]
        line = ele0[g] + g_line[g] * (dist_m[a:b] - dist0[g])
        return line, ele[a:b] - line

    # In blocks of steps (a block's last step reaches one point past it): same values.
    alpha = np.ones(n_groups)
    for a in range(0, n - 1, _BLOCK):
        b = min(a + _BLOCK, n - 1)
        _, resid = line_resid(a, b + 1)
        seg_group = group[a:b]
        dd = np.diff(dist_m[a : b + 1])
        ok = (group[a + 1 : b + 1] == seg_group) & (dd > 0)
        g_r = np.zeros(len(dd))
        np.divide(np.diff(resid), dd, out=g_r, where=ok)
        c = cap[seg_group]
        gl = g_line[seg_group]
        with np.errstate(divide="ignore", invalid="ignore"):
            limit = np.where(g_r > 0, (c - gl) / g_r, np.where(g_r < 0, (c + gl) / -g_r, np.inf))
        limit = np.where(ok, limit, np.inf)
        np.minimum.at(alpha, seg_group, limit)
    alpha = np.clip(alpha, 0.0, 1.0)
    alpha[np.abs(g_line) > cap] = 0.0
    changed = alpha < 1.0 - 1e-9
    out = ele.copy()
    for a in range(0, n, _BLOCK):
        b = min(a + _BLOCK, n)
        g = group[a:b]
        line, resid = line_resid(a, b)
        out[a:b] = np.where(changed[g], line + alpha[g] * resid, ele[a:b])
    return out, changed


def fit_junctions(
    ele: np.ndarray,
    dist_m: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    node: tuple[np.ndarray, np.ndarray],
    cap: np.ndarray,
    *,
    iterations: int = 200,
) -> tuple[np.ndarray, int]:
    """Move junction elevations until every capped edge's ends respect its cap.

    Each round, every edge whose ends differ by more than ``cap * length``
    asks both its ends to move half the excess toward each other; a node asked
    by several edges moves by the mean of their requests.  The profile of
    every edge at a moved node is tilted linearly (full shift at that end,
    none at the other), so edges still agree where they meet.

    Parameters
    ----------
    ele, dist_m
        Elevation and distance from the group's start, all edges concatenated.
    start, end
        Per edge, the index of its first and last sample (inclusive).
    node
        Per edge, the node index of its first and of its last sample.
    cap
        Per edge, the largest grade (``inf`` for none).
    iterations
        Most rounds.

    Returns
    -------
    tuple
        The new elevations and the number of capped edges still too steep end
        to end (those become straight lines in :func:`cap_grades`).
    """
    ele = np.array(ele, dtype=np.float64, copy=True)
    nu, nv = node
    n_nodes = int(max(nu.max(initial=-1), nv.max(initial=-1))) + 1
    length = dist_m[end] - dist_m[start]
    z = np.full(n_nodes, np.nan)
    z[nu] = ele[start]
    z[nv] = ele[end]
    z0 = z.copy()
    ok = np.isfinite(cap) & np.isfinite(ele[start]) & np.isfinite(ele[end]) & (length > 0)
    e = np.flatnonzero(ok)
    allowed = cap[e] * length[e]
    for _ in range(iterations):
        dz = z[nv[e]] - z[nu[e]]
        excess = np.abs(dz) - allowed
        bad = excess > 1e-6
        if not bad.any():
            break
        half = np.sign(dz[bad]) * excess[bad] / 2
        shift = np.zeros(n_nodes)
        count = np.zeros(n_nodes)
        np.add.at(shift, nu[e[bad]], half)
        np.add.at(shift, nv[e[bad]], -half)
        np.add.at(count, nu[e[bad]], 1)
        np.add.at(count, nv[e[bad]], 1)
        z += np.divide(shift, count, out=np.zeros(n_nodes), where=count > 0)
    still = int((np.abs(z[nv[e]] - z[nu[e]]) - allowed > 1e-3).sum())
    moved = np.nan_to_num(z - z0)
    if not moved.any():
        return ele, still
    sizes = end - start + 1
    group = np.repeat(np.arange(len(start)), sizes)
    t = np.divide(
        dist_m - dist_m[start][group],
        length[group],
        out=np.zeros(len(dist_m)),
        where=length[group] > 0,
    )
    ele += moved[nu][group] * (1 - t) + moved[nv][group] * t
    return ele, still
