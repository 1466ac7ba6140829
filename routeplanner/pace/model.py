"""Runner pace model: time per metre as a function of grade and terrain.

Three grade models are offered:

``mountain`` (the default)
    Fitted to steep recordings of several people (trail runs, mountain races,
    treks and hikes; :mod:`routeplanner.pace.curve_fit`): the median speed of
    200 m pieces relative to the same day's flat speed, as a monotone PCHIP
    through :data:`MOUNTAIN_KNOTS`.  Descents are barely faster than the flat
    down to about -8 % and slow down steadily beyond; steep climbs slow to the
    near-constant vertical speed of hiking.  See ``docs/grade_curve.png``.
``minetti``
    The energy cost of running measured by Minetti et al. (2002), "Energy cost of
    walking and running at extreme uphill and downhill slopes", J Appl Physiol
    93:1039-1046.  Time is assumed proportional to metabolic cost (constant power),
    with a cap on downhill speed because the metabolic optimum (about -18 %) is far
    faster than runners can safely descend.
``tobler``
    Tobler's (1993) hiking function, rescaled so that its flat-ground value is the
    runner's flat pace.

Grades are rise over run (``0.1`` = 10 %), positive uphill, and lengths are
horizontal.  All grade functions are vectorised over numpy arrays; NaN grades
propagate to NaN results.

The parsers and formatters of what people type or read (pace, duration, distance,
coordinates, grade windows, difficulty) live in :mod:`routeplanner.units`; the
names below are re-exported from there for existing callers.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import numbers
import os
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from routeplanner.errors import InputError

# The terrain tables are what the network build bakes in; they live beside it and
# are re-exported here for existing callers.
from routeplanner.network.ground import (
    SAC_FACTORS,
    STEPS_FACTOR,
    SURFACE_FACTORS,
    VISIBILITY_FACTORS,
    terrain_factor,
)
from routeplanner.units import (
    GRADE_PRESETS,
    SAC_SCALE,
    format_duration,
    format_pace,
    parse_difficulty,
    parse_distance,
    parse_duration,
    parse_grade_window,
    parse_latlon,
    parse_pace,
)

__all__ = [
    "DEFAULT_MODEL",
    "DOWNHILL_SPEED_CAP",
    "EXCESS_GRADE_PENALTY",
    "GRADE_KNOTS",
    "GRADE_PRESETS",
    "MAX_MODEL_GRADE",
    "MODELS",
    "MOUNTAIN_KNOTS",
    "SAC_FACTORS",
    "SAC_SCALE",
    "STEPS_FACTOR",
    "SURFACE_FACTORS",
    "VISIBILITY_FACTORS",
    "RunnerProfile",
    "cost_ratio",
    "format_duration",
    "format_pace",
    "minetti_cost",
    "mountain_cost_ratio",
    "parse_difficulty",
    "parse_distance",
    "parse_duration",
    "parse_grade_window",
    "parse_latlon",
    "parse_pace",
    "profile_times_s",
    "speed_ratio",
    "terrain_factor",
    "tobler_speed_kmh",
]

logger = logging.getLogger(__name__)

MODELS: tuple[str, ...] = ("mountain", "minetti", "tobler")
DEFAULT_MODEL = "mountain"

# The mountain curve: (grade, log of time per metre relative to the flat, slope of
# that log) at its knots: a monotone PCHIP fitted by ``scripts/fit_grade_curve.py``
# (routeplanner.pace.curve_fit) on the 12 steep recordings of the sample data (1,323
# pieces of 200 m); the slopes are scipy's PchipInterpolator's at the knots, so the
# curve is evaluated here without importing scipy.interpolate (a loop query does
# not import it).  Time grows monotonically from the fastest grade (-8 %) both
# ways.  Beyond +-45 % (3 and 4 pieces there) EXCESS_GRADE_PENALTY applies, as for
# Minetti.
MOUNTAIN_KNOTS: tuple[tuple[float, float, float], ...] = (
    (-0.45, 0.9851, -3.426),
    (-0.35, 0.6398, -3.4798),
    (-0.25, 0.2891, -2.4427),
    (-0.15, 0.1017, -1.6462),
    (-0.08, -0.0023, 0.0),
    (0.0, 0.0, 0.0569),
    (0.08, 0.2374, 3.3729),
    (0.15, 0.509, 3.5618),
    (0.25, 0.8351, 2.497),
    (0.35, 1.0374, 2.023),
    (0.45, 1.2397, 2.023),
)

# Minetti's polynomial was fitted on treadmill data between -45 % and +45 %; outside
# that range it is an extrapolation (it turns down again above ~+60 %), so grades are
# clipped here and the excess is handled by EXCESS_GRADE_PENALTY.
MAX_MODEL_GRADE = 0.45

# Fastest descent relative to flat speed.  The raw Minetti ratio makes -10 % about
# 1.67x and -18 % about 2x flat speed, which only a free-falling elite might manage.
# Strava's Grade Adjusted Pace and field data put the best-case speed gain of ordinary
# runners on moderate descents (-5 % to -10 %) at roughly 15-25 %; braking, footing and
# eccentric load stop them going faster.  1.25 is the top of that range, so descents
# are never cheaper than 0.8x the flat time per metre.
DOWNHILL_SPEED_CAP = 1.25

# Extra multiplicative penalty per unit of grade beyond ±MAX_MODEL_GRADE:
# ratio(i) = ratio(±0.45) * (1 + EXCESS_GRADE_PENALTY * (|i| - 0.45)).
# 3.0 is about the relative slope of Minetti's cost at +45 % (d ln Cr / di = 2.86),
# so uphill costs continue smoothly instead of flattening; on the downhill side it is
# deliberately harsher than the polynomial because >45 % descents are scrambles.
EXCESS_GRADE_PENALTY = 3.0

# Minetti coefficients, highest power first (np.polyval order).
_MINETTI_COEFFS = (155.4, -30.4, -43.3, 46.3, 19.5, 3.6)
_MINETTI_FLAT = 3.6  # Cr(0), J/(kg·m)

_MIN_PACE_S_PER_KM = 120.0
_MAX_PACE_S_PER_KM = 1800.0


# --------------------------------------------------------------------------- grade


def minetti_cost(grade: ArrayLike) -> np.ndarray:
    """Energy cost of running per metre (Minetti et al. 2002).

    ``Cr(i) = 155.4 i^5 - 30.4 i^4 - 43.3 i^3 + 46.3 i^2 + 19.5 i + 3.6``, with the
    grade clipped to ``[-0.45, 0.45]`` (the measured range).

    Parameters
    ----------
    grade : array_like
        Rise over run, positive uphill.

    Returns
    -------
    numpy.ndarray
        Cost in J/(kg·m), same shape as `grade`.

    Examples
    --------
    >>> round(float(minetti_cost(0.1)), 3)
    5.968
    >>> round(float(minetti_cost(-0.1)), 3)
    2.152
    >>> minetti_cost([0.0, 0.45]) == minetti_cost([0.0, 0.9])
    array([ True,  True])
    """
    i = np.clip(np.asarray(grade, dtype=float), -MAX_MODEL_GRADE, MAX_MODEL_GRADE)
    return np.asarray(np.polyval(_MINETTI_COEFFS, i))


def tobler_speed_kmh(grade: ArrayLike) -> np.ndarray:
    """Return the walking speed from Tobler's hiking function.

    ``W = 6 exp(-3.5 |i + 0.05|)`` km/h, fastest (6 km/h) at a 5 % descent.

    Parameters
    ----------
    grade : array_like
        Rise over run, positive uphill.

    Returns
    -------
    numpy.ndarray
        Speed in km/h, same shape as `grade`.

    Examples
    --------
    >>> round(float(tobler_speed_kmh(0.0)), 3)
    5.037
    >>> round(float(tobler_speed_kmh(-0.05)), 3)
    6.0
    """
    i = np.asarray(grade, dtype=float)
    return np.asarray(6.0 * np.exp(-3.5 * np.abs(i + 0.05)))


def _check_model(model: str) -> None:
    if model not in MODELS:
        raise InputError(f"unknown pace model {model!r}: valid models are {', '.join(MODELS)}")


def _hermite(x: np.ndarray, knots: tuple[tuple[float, float, float], ...]) -> np.ndarray:
    """Cubic Hermite interpolation through ``(x, y, dy/dx)`` knots (x inside their range)."""
    gx, gy, gd = (np.array(c) for c in zip(*knots, strict=True))
    k = np.clip(np.searchsorted(gx, x, side="right") - 1, 0, len(gx) - 2)
    h = gx[k + 1] - gx[k]
    t = (x - gx[k]) / h
    t2, t3 = t * t, t * t * t
    return np.asarray(
        (2 * t3 - 3 * t2 + 1) * gy[k]
        + (t3 - 2 * t2 + t) * h * gd[k]
        + (3 * t2 - 2 * t3) * gy[k + 1]
        + (t3 - t2) * h * gd[k + 1]
    )


def mountain_cost_ratio(grade: ArrayLike) -> np.ndarray:
    """Time per metre relative to the flat on the fitted mountain curve.

    Parameters
    ----------
    grade : array_like
        Rise over run, positive uphill; clipped to +-45 % (the curve's range).

    Returns
    -------
    numpy.ndarray
        Ratio, 1 at 0 %, same shape as `grade`.

    Examples
    --------
    >>> round(float(mountain_cost_ratio(0.0)), 3)
    1.0
    >>> round(float(mountain_cost_ratio(-0.3)), 2)  # 0.64x flat speed
    1.57
    """
    i = np.clip(np.asarray(grade, dtype=float), -MAX_MODEL_GRADE, MAX_MODEL_GRADE)
    return np.asarray(np.exp(_hermite(i, MOUNTAIN_KNOTS)))


def cost_ratio(grade: ArrayLike, model: str = DEFAULT_MODEL) -> np.ndarray:
    """Time per metre at `grade` relative to time per metre on the flat.

    This is the factor the network multiplies an edge's horizontal length by.

    For ``mountain`` (the default) it is the fitted curve
    (:func:`mountain_cost_ratio`); beyond +-45 % its value there is multiplied by
    ``1 + EXCESS_GRADE_PENALTY * (|i| - 0.45)``, as for Minetti.

    For ``minetti`` it is ``Cr(i) / Cr(0)`` (constant metabolic power), floored at
    ``1 / DOWNHILL_SPEED_CAP`` = 0.8 so no descent is more than 25 % faster than the
    flat.  Beyond ±45 % the value at ±45 % is multiplied by
    ``1 + EXCESS_GRADE_PENALTY * (|i| - 0.45)`` so very steep edges are not cheap.

    For ``tobler`` it is ``W(0) / W(i)``, i.e. Tobler's function rescaled so that
    flat ground runs at the runner's flat pace.  Its best descent (-5 %) is 1.19x flat
    speed, inside the same cap, which is applied to both models.

    Parameters
    ----------
    grade : array_like
        Rise over run, positive uphill.
    model : str
        One of :data:`MODELS`.

    Returns
    -------
    numpy.ndarray
        Dimensionless ratio > 0, same shape as `grade`; 1 at grade 0.

    Raises
    ------
    InputError
        If `model` is not one of :data:`MODELS`.

    Examples
    --------
    >>> float(cost_ratio(0.0))
    1.0
    >>> round(float(cost_ratio(-0.3)), 2)  # mountain: steep descents are slow
    1.57
    >>> round(float(cost_ratio(0.1, model="minetti")), 3)
    1.658
    >>> float(cost_ratio(-0.1, model="minetti"))  # capped: raw Minetti would give 0.598
    0.8
    >>> round(float(cost_ratio(0.1, model="tobler")), 3)
    1.419
    """
    _check_model(model)
    i = np.asarray(grade, dtype=float)
    if model in ("minetti", "mountain"):
        ratio = mountain_cost_ratio(i) if model == "mountain" else minetti_cost(i) / _MINETTI_FLAT
        excess = np.maximum(np.abs(i) - MAX_MODEL_GRADE, 0.0)
        ratio = ratio * (1.0 + EXCESS_GRADE_PENALTY * excess)
    else:
        ratio = tobler_speed_kmh(0.0) / tobler_speed_kmh(i)
    # np.fmax would swallow NaN grades; np.maximum keeps them visible.
    return np.asarray(np.maximum(ratio, 1.0 / DOWNHILL_SPEED_CAP))


def speed_ratio(grade: ArrayLike, model: str = DEFAULT_MODEL) -> np.ndarray:
    """Speed at `grade` relative to flat speed (``1 / cost_ratio``).

    Parameters
    ----------
    grade : array_like
        Rise over run, positive uphill.
    model : str
        One of :data:`MODELS`.

    Returns
    -------
    numpy.ndarray
        Dimensionless ratio in ``(0, DOWNHILL_SPEED_CAP]``, same shape as `grade`.

    Examples
    --------
    >>> float(speed_ratio(-0.1, "minetti"))
    1.25
    >>> round(float(speed_ratio(0.2, "minetti")), 3)
    0.4
    >>> round(float(speed_ratio(0.2)), 2)
    0.5
    """
    return np.asarray(1.0 / cost_ratio(grade, model))


# -------------------------------------------------------------------------- profile

# Grades (rise/run) at which a fitted profile corrects the grade model; the
# correction is 1 at 0 % (the flat pace defines the flat), piecewise linear between
# knots and constant beyond the outer ones.  Bands are narrower near the flat, where
# recordings have most data and where pace changes fastest per percent.
GRADE_KNOTS: tuple[float, ...] = (-0.30, -0.18, -0.10, -0.04, 0.0, 0.04, 0.10, 0.18, 0.30)


@dataclass(frozen=True)
class RunnerProfile:
    """How fast a runner goes and what ground they accept.

    Parameters
    ----------
    flat_pace_s_per_km : float
        Pace on flat, easy ground in seconds per km (120-1800).
    model : str
        Grade model, one of :data:`MODELS`.
    max_difficulty : int
        Highest SAC T-grade (1-6) the runner accepts; harder edges are excluded.
    grade_correction : tuple of float or None
        Factor on the model's time per metre at each grade of :data:`GRADE_KNOTS`
        (1 at 0 %), interpolated linearly between knots; None means the plain model.
        Fitted from recordings by :mod:`routeplanner.pace.fitting`.
    trail_factor : float
        Time factor on trails (network class ``trail``) relative to roads.
    fatigue_per_h : float
        Slow-down per hour of moving: the pace after ``t`` hours is
        ``1 + fatigue_per_h * t`` times the fresh pace.
    fatigue_until_h : float or None
        Longest moving time the fatigue term was fitted on: beyond it the pace stays
        at its value there (the trend is not extrapolated).  None: no limit.
    day_spread : float or None
        How much the runner's days differ: standard deviation of the log ratio of
        recorded to predicted moving time over the fitting recordings
        (:mod:`routeplanner.pace.spread`); None when not fitted.
    spread_recordings : int or None
        Number of recordings `day_spread` was measured on (3 or more).

    Raises
    ------
    InputError
        If a field is out of range.

    Examples
    --------
    >>> p = RunnerProfile.from_strings(pace="5:00")
    >>> round(p.flat_speed_m_s, 3)
    3.333
    >>> float(p.segment_time_s(1000.0, 0.0))
    300.0
    """

    flat_pace_s_per_km: float = 360.0
    model: str = DEFAULT_MODEL
    max_difficulty: int = 6
    grade_correction: tuple[float, ...] | None = None
    trail_factor: float = 1.0
    fatigue_per_h: float = 0.0
    fatigue_until_h: float | None = None
    day_spread: float | None = None
    spread_recordings: int | None = None

    def __post_init__(self) -> None:
        pace = self.flat_pace_s_per_km
        if (
            isinstance(pace, bool)
            or not isinstance(pace, numbers.Real)
            or not _MIN_PACE_S_PER_KM <= pace <= _MAX_PACE_S_PER_KM
        ):
            raise InputError(
                f"invalid flat pace {pace!r} s/km: must be between 120 and 1800 (2:00-30:00/km)"
            )
        _check_model(self.model)
        difficulty = self.max_difficulty
        if (
            isinstance(difficulty, bool)
            or not isinstance(difficulty, numbers.Integral)
            or not 1 <= difficulty <= 6
        ):
            raise InputError(f"invalid max difficulty {difficulty!r}: must be an integer 1..6")
        self._check_calibration()

    def _check_calibration(self) -> None:
        corr = self.grade_correction
        if corr is not None:
            if len(corr) != len(GRADE_KNOTS) or not all(
                isinstance(c, numbers.Real) and 0.2 <= c <= 5.0 for c in corr
            ):
                raise InputError(
                    f"invalid grade correction {corr!r}: expected {len(GRADE_KNOTS)} factors "
                    "between 0.2 and 5, one per grade in GRADE_KNOTS"
                )
            if corr[GRADE_KNOTS.index(0.0)] != 1.0:
                raise InputError("invalid grade correction: the factor at 0 % grade must be 1")
        if not (isinstance(self.trail_factor, numbers.Real) and 0.3 <= self.trail_factor <= 3):
            raise InputError(f"invalid trail factor {self.trail_factor!r}: must be 0.3..3")
        if not (isinstance(self.fatigue_per_h, numbers.Real) and -0.5 <= self.fatigue_per_h <= 1):
            raise InputError(f"invalid fatigue {self.fatigue_per_h!r}/h: must be -0.5..1")
        until = self.fatigue_until_h
        if until is not None and not (
            isinstance(until, numbers.Real) and not isinstance(until, bool) and 0 < until <= 100
        ):
            raise InputError(f"invalid fatigue limit {until!r} h: must be 0..100 hours")
        spread, n = self.day_spread, self.spread_recordings
        spread_ok = isinstance(spread, numbers.Real) and 0 <= spread <= 1
        n_ok = isinstance(n, numbers.Integral) and not isinstance(n, bool) and n >= 3
        if not ((spread is None and n is None) or (spread_ok and n_ok)):
            raise InputError(
                f"invalid day spread {spread!r} over {n!r} recordings: "
                "a spread of 0..1 and 3 or more recordings, or neither"
            )

    @property
    def flat_speed_m_s(self) -> float:
        """Speed on the flat in metres per second."""
        return 1000.0 / float(self.flat_pace_s_per_km)

    def seconds_per_m(self) -> float:
        """Time per horizontal metre on the flat, in seconds.

        Returns
        -------
        float
            Seconds per metre.
        """
        return float(self.flat_pace_s_per_km) / 1000.0

    @classmethod
    def from_strings(
        cls, pace: str = "6:00", model: str = DEFAULT_MODEL, max_difficulty: str | int = 6
    ) -> RunnerProfile:
        """Build a profile from user-typed values.

        Parameters
        ----------
        pace : str
            Flat pace, see :func:`parse_pace`.
        model : str
            Grade model name (case-insensitive).
        max_difficulty : str or int
            Highest accepted difficulty, see :func:`parse_difficulty`.

        Returns
        -------
        RunnerProfile
            The validated profile.

        Raises
        ------
        InputError
            If any value is invalid.
        """
        return cls(
            flat_pace_s_per_km=parse_pace(pace),
            model=str(model).strip().lower(),
            max_difficulty=parse_difficulty(max_difficulty),
        )

    def cost_ratio(self, grade: ArrayLike) -> np.ndarray:
        """Time per metre at `grade` relative to the flat, for this runner.

        The model's :func:`~routeplanner.pace.cost_ratio` times the fitted
        correction (``grade_correction`` interpolated over :data:`GRADE_KNOTS`).

        Parameters
        ----------
        grade : array_like
            Rise over run, positive uphill.

        Returns
        -------
        numpy.ndarray
            Ratio, same shape as `grade`.

        Examples
        --------
        >>> knots = (1.3, 1.2, 1.1, 1.0, 1.0, 1.1, 1.2, 1.3, 1.4)
        >>> p = RunnerProfile(model="tobler", grade_correction=knots)
        >>> round(float(p.cost_ratio(0.1) / cost_ratio(0.1, "tobler")), 3)
        1.2
        """
        ratio = cost_ratio(grade, self.model)
        if self.grade_correction is None:
            return ratio
        g = np.asarray(grade, dtype=float)
        return np.asarray(ratio * np.interp(g, GRADE_KNOTS, self.grade_correction))

    def class_factor(self, edge_class: ArrayLike) -> np.ndarray:
        """Time factor per network class: ``trail_factor`` on trails (class 0), else 1.

        Parameters
        ----------
        edge_class : array_like
            Classes from :data:`routeplanner.network.model.EDGE_CLASSES` indices.

        Returns
        -------
        numpy.ndarray
            Factors, same shape.
        """
        cls = np.asarray(edge_class)
        return np.where(cls == 0, float(self.trail_factor), 1.0)

    def fatigued_s(self, fresh_s: float, *, start_elapsed_s: float = 0.0) -> float:
        """Return the moving time of a stretch that takes `fresh_s` on fresh legs.

        With the pace growing as ``1 + k t`` (``k = fatigue_per_h / 3600``), time
        ``t`` and fresh time ``tau`` satisfy ``dt/dtau = 1 + k t``, so a stretch
        started after ``t0`` seconds takes ``(1/k + t0) (exp(k tau) - 1)``.  Past
        ``fatigue_until_h`` the factor stays at its value there.

        Parameters
        ----------
        fresh_s : float
            Time without fatigue.
        start_elapsed_s : float
            Moving time already done before the stretch.

        Returns
        -------
        float
            Seconds.

        Examples
        --------
        >>> p = RunnerProfile(fatigue_per_h=0.1)
        >>> round(p.fatigued_s(3600.0))
        3786
        >>> round(RunnerProfile(fatigue_per_h=0.1, fatigue_until_h=0.5).fatigued_s(3600.0))
        3736
        """
        k = float(self.fatigue_per_h) / 3600.0
        if abs(k) < 1e-12:
            return float(fresh_s)
        t0 = float(start_elapsed_s)
        cap = math.inf if self.fatigue_until_h is None else float(self.fatigue_until_h) * 3600.0
        if t0 >= cap:
            return float(fresh_s) * (1.0 + k * cap)
        # Fresh time needed to reach the cap from t0 (infinite without a cap).
        tau_cap = (
            math.log1p(k * (cap - t0) / (1.0 + k * t0)) / k if math.isfinite(cap) else math.inf
        )
        if fresh_s <= tau_cap:
            return float((1.0 / k + t0) * math.expm1(k * fresh_s))
        return float((cap - t0) + (fresh_s - tau_cap) * (1.0 + k * cap))

    @classmethod
    def from_toml(cls, path: str | os.PathLike[str]) -> RunnerProfile:
        """Read a profile file (see :mod:`routeplanner.pace.profile_file`).

        Parameters
        ----------
        path : str or os.PathLike
            TOML file as written by ``routeplanner pace fit``.

        Returns
        -------
        RunnerProfile
            The validated profile.

        Raises
        ------
        InputError
            If the file is missing or invalid.
        """
        from routeplanner.pace.profile_file import read_profile

        return read_profile(path)

    def for_duration(self, duration_s: float) -> RunnerProfile:
        """Fold the fatigue term into the flat pace for outings of `duration_s`.

        Searches add up fixed edge times, which cannot grow with elapsed time.  A
        route whose total time is `duration_s` takes ``tau`` on fresh legs, with
        ``duration_s = fatigued_s(tau)``; scaling the flat pace by
        ``duration_s / tau`` makes the fixed edge times add up to exactly
        `duration_s` for such a route (and nearly so near it).

        Parameters
        ----------
        duration_s : float
            Target moving time.

        Returns
        -------
        RunnerProfile
            Same profile with a scaled flat pace and no fatigue term; `self` when
            there is no fatigue term.

        Examples
        --------
        >>> p = RunnerProfile(flat_pace_s_per_km=300.0, fatigue_per_h=0.1)
        >>> round(p.for_duration(3600.0).flat_pace_s_per_km, 1)
        314.8
        """
        k = float(self.fatigue_per_h) / 3600.0
        if abs(k) < 1e-12 or duration_s <= 0:
            return self
        cap = math.inf if self.fatigue_until_h is None else float(self.fatigue_until_h) * 3600.0
        if duration_s <= cap:
            fresh_s = math.log1p(k * duration_s) / k
        else:
            fresh_s = math.log1p(k * cap) / k + (duration_s - cap) / (1.0 + k * cap)
        pace_s = float(np.clip(self.flat_pace_s_per_km * duration_s / fresh_s, 120.0, 1800.0))
        return dataclasses.replace(
            self, flat_pace_s_per_km=pace_s, fatigue_per_h=0.0, fatigue_until_h=None
        )

    def route_time_s(self, fresh_s: ArrayLike) -> np.ndarray:
        """Elapsed time at every point of a route from its time on fresh legs.

        Every route's clock goes through here once (in
        :func:`routeplanner.route.make_route`), after its stretches are timed one
        by one (:class:`routeplanner.pace.timer.EdgeTimer`): effects of time on
        feet, which no single stretch can see, belong here.  Searches fold the
        fatigue term into the flat pace (:meth:`for_duration`) before timing, so
        today the clock is the fresh time itself.

        Parameters
        ----------
        fresh_s : array_like
            Cumulative fresh time at every point, non-decreasing from 0.

        Returns
        -------
        numpy.ndarray
            Seconds from the start, same shape.

        Examples
        --------
        >>> RunnerProfile().route_time_s([0.0, 60.0, 150.0]).tolist()
        [0.0, 60.0, 150.0]
        """
        return np.asarray(fresh_s, dtype=float)

    def segment_time_s(
        self,
        length_m: ArrayLike,
        grade: ArrayLike,
        terrain: ArrayLike = 1.0,
        *,
        trail: ArrayLike = 0.0,
    ) -> np.ndarray:
        """Time to run horizontal segments.

        Parameters
        ----------
        length_m : array_like
            Horizontal length in metres (>= 0).
        grade : array_like
            Rise over run, positive uphill.
        terrain : array_like
            Terrain factor (> 0), see :func:`terrain_factor`.
        trail : array_like
            Share of each segment on trails (0 road .. 1 trail): weighs
            ``trail_factor`` in.

        Returns
        -------
        numpy.ndarray
            Seconds on fresh legs (see :meth:`fatigued_s`), broadcast shape of the
            inputs.

        Raises
        ------
        InputError
            If a length is negative or a terrain factor is not positive.
        """
        length = np.asarray(length_m, dtype=float)
        factor = np.asarray(terrain, dtype=float)
        if np.any(length < 0):
            bad = float(length[length < 0].min())
            raise InputError(f"invalid segment length {bad} m: must not be negative")
        if np.any(factor <= 0):
            bad = float(factor[factor <= 0].min())
            raise InputError(f"invalid terrain factor {bad}: must be greater than 0")
        ratio = self.cost_ratio(grade)
        share = np.asarray(trail, dtype=float)
        trail_f = np.power(float(self.trail_factor), share)
        return np.asarray(length * self.seconds_per_m() * ratio * factor * trail_f)


def profile_times_s(
    dist_m: np.ndarray, ele_m: np.ndarray, profile: RunnerProfile, terrain: float = 1.0
) -> np.ndarray:
    """Return the cumulative running time at every point of a profile.

    The one time formula for a polyline (:meth:`RunnerProfile.segment_time_s`
    on each stretch between points), for routes, cross-country legs and
    walks along ski lines alike.

    Parameters
    ----------
    dist_m
        Horizontal distance of every point from the first, non-decreasing.
    ele_m
        Elevation of every point.
    profile
        The runner.
    terrain
        Terrain factor (> 0) of the whole polyline.

    Returns
    -------
    numpy.ndarray
        Seconds from the first point, ``0.0`` first.

    Examples
    --------
    >>> p = RunnerProfile(flat_pace_s_per_km=360.0)
    >>> profile_times_s(np.array([0.0, 500.0, 1000.0]), np.zeros(3), p).tolist()
    [0.0, 180.0, 360.0]
    """
    dd = np.diff(dist_m)
    grade = np.divide(np.diff(ele_m), dd, out=np.zeros_like(dd), where=dd > 0)
    return np.concatenate(([0.0], np.cumsum(profile.segment_time_s(dd, grade, terrain))))
