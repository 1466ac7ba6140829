"""Grade a ski line as ski mountaineers do: pitches, Toponeige S-grade, ATES class.

Everything is computed from a line's profile, sampled top to bottom: distance,
elevation, terrain slope and aspect at each sample, and optionally whether the
sample lies in forest (OSM ``landuse=forest`` / ``natural=wood``).

**Slope histogram.**  Share of the length in each band of :data:`BANDS`
(below 30°, 30-35°, 35-40°, 40-45°, 45° and steeper).

**Pitches.**  For each threshold of :data:`PITCH_THRESHOLDS_DEG`, the longest
*sustained* pitch at least that steep, in vertical metres: a run of samples
whose slope is at or above the threshold, where dips below it shorter than
:data:`GAP_M` (horizontal) do not break the run.  Its vertical is the drop
from its highest to its lowest sample.

**Ski grade** (Toponeige's S-scale, as used in French and Pyrenean guide
books), from the pitches; a pitch counts when it has at least
:data:`MIN_PITCH_M` of vertical:

* S5: 45° or more over 300 m of vertical, or more than 50° over 100 m;
* S4: 40° or more over 200 m of vertical;
* S3: a long 35° pitch (:data:`LONG_PITCH_M` of vertical or more), or short
  pitches of 40-45°;
* S2: pitches of 30-35° (and short ones of 35°);
* S1: nothing sustained at 30°.

It is an estimate: a DEM averages the slope over its cells, so at 90 m
(SRTM3) short steep steps read several degrees low and the grade can come
out one step too easy; at 30 m (Copernicus GLO-30) it is closer.

**ATES class** (Avalanche Terrain Exposure Scale, Statham et al. 2006,
technical model), approximated from two of its nine parameters, slope angle
and forest density:

* slope level 0 if less than 10 % of the length is 30° or steeper ("angles
  generally < 30°"), 2 if 25 % or more is 35° or steeper ("large % over
  35°"), else 1 ("mostly low angle, isolated slopes > 35°");
* a line at least 60 % in forest ("primarily treed") is one level lower.

Level 0 is ``simple``, 1 ``challenging``, 2 ``complex``.  This is a terrain
indication: it knows nothing of start zones above the line, terrain traps,
runouts or the day's snowpack, and it is **not an avalanche forecast**.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "ATES_CLASSES",
    "ATES_NOTE",
    "BANDS",
    "GAP_M",
    "LONG_PITCH_M",
    "MIN_PITCH_M",
    "PITCH_THRESHOLDS_DEG",
    "SECTORS",
    "SkiGrading",
    "aspect_sector",
    "ates_class",
    "grade_line",
    "longest_pitch_m",
    "sample_weights",
    "ski_grade",
    "slope_histogram",
]

#: Slope bands of the histogram: (label, lower bound in degrees).
BANDS: tuple[tuple[str, float], ...] = (
    ("<30", 0.0),
    ("30-35", 30.0),
    ("35-40", 35.0),
    ("40-45", 40.0),
    ("45+", 45.0),
)

#: Thresholds (degrees) of the longest-pitch figures; 50 is used by S5 only.
PITCH_THRESHOLDS_DEG: tuple[int, ...] = (30, 35, 40, 45, 50)

#: Dips below a threshold shorter than this (horizontal metres) do not end a pitch.
GAP_M = 20.0

#: Vertical a pitch needs to count at all.
MIN_PITCH_M = 15.0

#: Vertical from which a 35° pitch is "long" (S3).
LONG_PITCH_M = 100.0

#: The 8 aspect sectors, clockwise from north.
SECTORS: tuple[str, ...] = ("N", "NE", "E", "SE", "S", "SW", "W", "NW")

ATES_CLASSES: tuple[str, ...] = ("simple", "challenging", "complex")

ATES_NOTE = (
    "approximate ATES class from slope angle and forest cover only: "
    "a terrain indication, not an avalanche forecast"
)


@dataclass(frozen=True)
class SkiGrading:
    """How steep a ski line is, the way ski mountaineers and avalanche courses put it.

    Attributes
    ----------
    slope_histogram : dict
        Band label (:data:`BANDS`) -> share of the length.
    pitches_vertical_m : dict
        Threshold in degrees (``"30"`` … ``"50"``) -> vertical metres of the
        longest sustained pitch at least that steep.
    ski_grade : str
        ``"S1"`` … ``"S5"``.
    ski_grade_note : str
        What the grade rests on (the DEM resolution).
    aspect_sector : str
        One of :data:`SECTORS`, or ``"flat"``.
    elevation_band_m : tuple of float
        (bottom, top) elevation, rounded out to 100 m.
    forest_share : float or None
        Share of the length in forest; ``None`` when forest was not known.
    ates : str
        One of :data:`ATES_CLASSES`.
    """

    slope_histogram: dict[str, float]
    pitches_vertical_m: dict[str, float]
    ski_grade: str
    ski_grade_note: str
    aspect_sector: str
    elevation_band_m: tuple[float, float]
    forest_share: float | None
    ates: str

    def as_dict(self) -> dict[str, object]:
        """Return JSON-ready values (pitches for 30, 35, 40 and 45° only)."""
        return {
            "ski_grade": self.ski_grade,
            "ski_grade_note": self.ski_grade_note,
            "ates": self.ates,
            "ates_note": ATES_NOTE,
            "slope_histogram": {k: round(v, 3) for k, v in self.slope_histogram.items()},
            "pitches_vertical_m": {
                k: round(self.pitches_vertical_m[k], 0) for k in ("30", "35", "40", "45")
            },
            "aspect_sector": self.aspect_sector,
            "elevation_band_m": list(self.elevation_band_m),
            "forest_share": None if self.forest_share is None else round(self.forest_share, 3),
        }


def sample_weights(dist_m: np.ndarray) -> np.ndarray:
    """Length each sample stands for: half of each neighbouring step (trapezoid weights)."""
    step = np.diff(dist_m)
    w = np.zeros(len(dist_m))
    w[:-1] += step / 2
    w[1:] += step / 2
    return w


def slope_histogram(dist_m: ArrayLike, slope_deg: ArrayLike) -> dict[str, float]:
    """Share the line's length out over the slope :data:`BANDS`.

    Examples
    --------
    >>> h = slope_histogram([0.0, 10.0, 20.0, 30.0], [20.0, 20.0, 36.0, 36.0])
    >>> h["<30"], h["35-40"]
    (0.5, 0.5)
    """
    d = np.asarray(dist_m, dtype=np.float64)
    s = np.round(np.asarray(slope_deg, dtype=np.float64), 1)
    w = sample_weights(d)
    total = float(w.sum())
    lows = [b[1] for b in BANDS]
    idx = np.searchsorted(lows, s, side="right") - 1
    shares = np.bincount(idx, w, minlength=len(BANDS)) / total if total > 0 else np.zeros(5)
    return {b[0]: float(x) for b, x in zip(BANDS, shares, strict=True)}


def longest_pitch_m(
    dist_m: ArrayLike, ele: ArrayLike, slope_deg: ArrayLike, threshold_deg: float
) -> float:
    """Find the vertical of the longest sustained pitch at least ``threshold_deg`` steep.

    Parameters
    ----------
    dist_m, ele, slope_deg
        The line's samples: distance along it, elevation, terrain slope.
    threshold_deg
        Slope a sample needs to belong to the pitch.

    Returns
    -------
    float
        Vertical metres (highest minus lowest sample of the run); 0 if none.

    Examples
    --------
    >>> d = np.arange(0.0, 101.0, 10.0)
    >>> s = np.array([20, 40, 40, 40, 20, 40, 40, 20, 20, 20, 40.0])
    >>> longest_pitch_m(d, -d, s, 35.0)  # the dip at 40 m is bridged: 10 m to 60 m
    50.0
    """
    d = np.asarray(dist_m, dtype=np.float64)
    z = np.asarray(ele, dtype=np.float64)
    steep = np.round(np.asarray(slope_deg, dtype=np.float64), 1) >= threshold_deg
    idx = np.flatnonzero(steep)
    if idx.size == 0:
        return 0.0
    # Runs of steep samples; join runs whose gap is shorter than GAP_M.
    breaks = np.flatnonzero(d[idx[1:]] - d[idx[:-1]] > GAP_M) + 1
    best = 0.0
    for run in np.split(idx, breaks):
        seg = z[run[0] : run[-1] + 1]
        best = max(best, float(seg.max() - seg.min()))
    return best


def ski_grade(pitches_vertical_m: dict[str, float]) -> str:
    """Toponeige-style S-grade from the longest pitches (see the module docstring).

    Examples
    --------
    >>> ski_grade({"30": 400, "35": 350, "40": 320, "45": 310, "50": 0})
    'S5'
    >>> ski_grade({"30": 300, "35": 250, "40": 220, "45": 40, "50": 0})
    'S4'
    >>> ski_grade({"30": 300, "35": 120, "40": 0, "45": 0, "50": 0})
    'S3'
    >>> ski_grade({"30": 300, "35": 10, "40": 0, "45": 0, "50": 0})
    'S2'
    >>> ski_grade({"30": 5, "35": 0, "40": 0, "45": 0, "50": 0})
    'S1'
    """

    def p(k: str) -> float:
        return float(pitches_vertical_m.get(k, 0.0))

    if p("45") >= 300 or p("50") >= 100:
        return "S5"
    if p("40") >= 200:
        return "S4"
    if p("35") >= LONG_PITCH_M or p("40") >= MIN_PITCH_M:
        return "S3"
    if p("30") >= MIN_PITCH_M:
        return "S2"
    return "S1"


def ates_class(slope_histogram: dict[str, float], forest_share: float | None) -> str:
    """Approximate ATES class from slope shares and forest cover (module docstring).

    Examples
    --------
    >>> flat = {"<30": 1.0, "30-35": 0.0, "35-40": 0.0, "40-45": 0.0, "45+": 0.0}
    >>> steep = {"<30": 0.2, "30-35": 0.3, "35-40": 0.3, "40-45": 0.2, "45+": 0.0}
    >>> ates_class(flat, 0.0), ates_class(steep, 0.0), ates_class(steep, 0.8)
    ('simple', 'complex', 'challenging')
    """
    share30 = 1.0 - slope_histogram.get("<30", 0.0)
    share35 = share30 - slope_histogram.get("30-35", 0.0)
    level = 0 if share30 < 0.10 else (2 if share35 >= 0.25 - 1e-9 else 1)
    if level > 0 and forest_share is not None and forest_share >= 0.6:
        level -= 1
    return ATES_CLASSES[level]


def aspect_sector(aspect_deg: ArrayLike, weights: ArrayLike | None = None) -> str:
    """Name the 8-point sector of the weighted circular mean aspect.

    Examples
    --------
    >>> aspect_sector([350.0, 10.0]), aspect_sector([100.0]), aspect_sector([float("nan")])
    ('N', 'E', 'flat')
    """
    a = np.radians(np.asarray(aspect_deg, dtype=np.float64))
    w = np.ones_like(a) if weights is None else np.asarray(weights, dtype=np.float64)
    ok = np.isfinite(a)
    if not ok.any():
        return "flat"
    x = float(np.sum(w[ok] * np.sin(a[ok])))
    y = float(np.sum(w[ok] * np.cos(a[ok])))
    if math.hypot(x, y) < 1e-12:
        return "flat"
    mean = math.degrees(math.atan2(x, y)) % 360.0
    return SECTORS[round(mean / 45.0) % 8]


def grade_line(
    dist_m: ArrayLike,
    ele: ArrayLike,
    slope_deg: ArrayLike,
    aspect_deg: ArrayLike,
    *,
    forest: ArrayLike | None = None,
    cell_m: float = math.nan,
) -> SkiGrading:
    """Grade a line from its profile, sampled from top to bottom.

    Parameters
    ----------
    dist_m, ele, slope_deg, aspect_deg
        Per sample: distance from the top, elevation, terrain slope and aspect.
    forest
        Per sample, whether it lies in forest; ``None`` if unknown.
    cell_m
        DEM cell size, stated with the grade.

    Returns
    -------
    SkiGrading
    """
    d = np.asarray(dist_m, dtype=np.float64)
    z = np.asarray(ele, dtype=np.float64)
    s = np.asarray(slope_deg, dtype=np.float64)
    hist = slope_histogram(d, s)
    pitches = {str(t): longest_pitch_m(d, z, s, float(t)) for t in PITCH_THRESHOLDS_DEG}
    w = sample_weights(d)
    forest_share = None
    if forest is not None and w.sum() > 0:
        forest_share = float(np.sum(w * np.asarray(forest, dtype=bool)) / w.sum())
    res = f"{cell_m:.0f} m DEM" if math.isfinite(cell_m) else "DEM of unknown resolution"
    note = f"estimate from a {res}"
    if math.isfinite(cell_m) and cell_m > 50:
        note += ": short steep steps read low, the grade may be one step too easy"
    lo, hi = float(np.nanmin(z)), float(np.nanmax(z))
    return SkiGrading(
        slope_histogram=hist,
        pitches_vertical_m=pitches,
        ski_grade=ski_grade(pitches),
        ski_grade_note=note,
        aspect_sector=aspect_sector(aspect_deg, w),
        elevation_band_m=(math.floor(lo / 100) * 100.0, math.ceil(hi / 100) * 100.0),
        forest_share=forest_share,
        ates=ates_class(hist, forest_share),
    )
