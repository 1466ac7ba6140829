"""Runner pace model: time per metre as a function of grade and terrain.

The grade models (``mountain``, the default, ``minetti`` and ``tobler``) live in
:mod:`routeplanner.pace.grade` and are re-exported here.  Grades are rise over run
(``0.1`` = 10 %), positive uphill, and lengths are horizontal.  All grade functions
are vectorised over numpy arrays; NaN grades propagate to NaN results.

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
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from routeplanner._docstrings import fill
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
from routeplanner.pace.grade import (
    DEFAULT_MODEL,
    DOWNHILL_SPEED_CAP,
    EXCESS_GRADE_PENALTY,
    MAX_MODEL_GRADE,
    MODELS,
    MOUNTAIN_KNOTS,
    ROUGH_DESCENT_EXPONENT,
    check_model,
    cost_ratio,
    minetti_cost,
    mountain_cost_ratio,
    rough_ground_factor,
    speed_ratio,
    tobler_speed_kmh,
)
from routeplanner.pace.grade import DOCS as GRADE_DOCS
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
    "FATIGUE_ONSET_H",
    "FATIGUE_PER_H",
    "FATIGUE_UNTIL_H",
    "GRADE_KNOTS",
    "GRADE_PRESETS",
    "MAX_MODEL_GRADE",
    "MODELS",
    "MOUNTAIN_KNOTS",
    "ROUGH_DESCENT_EXPONENT",
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
    "rough_ground_factor",
    "speed_ratio",
    "terrain_factor",
    "tobler_speed_kmh",
]

logger = logging.getLogger(__name__)

_MIN_PACE_S_PER_KM = 120.0
_MAX_PACE_S_PER_KM = 1800.0


# -------------------------------------------------------------------------- fatigue

# The default fatigue term, fitted with the mountain curve on the steep recordings
# (routeplanner.pace.curve_fit, scripts/fit_grade_curve.py): pace grows by
# FATIGUE_PER_H per hour of moving after FATIGUE_ONSET_H, up to FATIGUE_UNTIL_H (the
# longest recording).  With each day's own level and the curve, the 12 recordings
# show no slow-down: -0.7 %/h unbounded (90 % bootstrap over recordings -3.4 to
# +0.3 %/h; rests logged without a gap cut), so the slope, which may not be
# negative, is 0.  A fitted runner's own
# term (``pace fit``) replaces it.
FATIGUE_PER_H = 0.0
FATIGUE_ONSET_H = 2.0
FATIGUE_UNTIL_H = 11.44

# -------------------------------------------------------------------------- profile

# Grades (rise/run) at which a fitted profile corrects the grade model; the
# correction is 1 at 0 % (the flat pace defines the flat), piecewise linear between
# knots and constant beyond the outer ones.  Bands are narrower near the flat, where
# recordings have most data and where pace changes fastest per percent.
GRADE_KNOTS: tuple[float, ...] = (-0.30, -0.18, -0.10, -0.04, 0.0, 0.04, 0.10, 0.18, 0.30)


# The fatigue term's clock, ``(seconds, k per second, onset s, limit s, limit in fresh s)``
# to seconds: fresh time to moving time and back (see RunnerProfile.elapsed_s).
_Curve = Callable[[np.ndarray, float, float, float, float], np.ndarray]


def _elapsed_curve(tau: np.ndarray, k: float, on: float, cap: float, tau_cap: float) -> np.ndarray:
    """Give the moving time after fresh time ``tau``."""
    late = np.maximum(tau - on, 0.0)
    grow = on + np.expm1(k * np.minimum(late, tau_cap - on)) / k
    out = np.where(tau <= on, tau, grow)
    if math.isfinite(tau_cap):
        out = np.where(tau > tau_cap, cap + (tau - tau_cap) * (1.0 + k * (cap - on)), out)
    return np.asarray(out)


def _fresh_curve(t: np.ndarray, k: float, on: float, cap: float, tau_cap: float) -> np.ndarray:
    """Give the fresh time worth moving time ``t`` (the inverse of :func:`_elapsed_curve`)."""
    grow = on + np.log1p(k * np.clip(t - on, 0.0, cap - on)) / k
    out = np.where(t <= on, t, grow)
    if math.isfinite(cap):
        out = np.where(t > cap, tau_cap + (t - cap) / (1.0 + k * (cap - on)), out)
    return np.asarray(out)


_PROFILE_RETURNS_DOC = "Returns\n-------\nRunnerProfile\n    The validated profile."
#: Docs that the ways of building a profile share (:func:`routeplanner._docstrings.fill`):
#: ``read_profile`` is both :meth:`RunnerProfile.from_toml` and
#: :func:`routeplanner.pace.profile_file.read_profile`.
PROFILE_DOCS = {
    "profile_returns": _PROFILE_RETURNS_DOC,
    "read_profile": (
        "Parameters\n----------\npath : str or os.PathLike\n"
        "    A TOML file as written by ``routeplanner pace fit``\n"
        "    (:func:`~routeplanner.pace.profile_file.profile_toml`; only ``[pace]`` required).\n\n"
        f"{_PROFILE_RETURNS_DOC}\n\n"
        "Raises\n------\nInputError\n    If the file is missing, not TOML, or a value is invalid."
    ),
}


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
        Slow-down per hour of moving after `fatigue_onset_h`: the pace after ``t``
        hours is ``1 + fatigue_per_h * (t - fatigue_onset_h)`` times the fresh pace.
    fatigue_until_h : float or None
        Longest moving time the fatigue term was fitted on: beyond it the pace stays
        at its value there (the trend is not extrapolated).  None: no limit.
    day_spread : float or None
        How much the runner's days differ: standard deviation of the log ratio of
        recorded to predicted moving time over the fitting recordings
        (:mod:`routeplanner.pace.spread`); None when not fitted.
    spread_recordings : int or None
        Number of recordings `day_spread` was measured on (3 or more).
    fatigue_onset_h : float
        Moving hours on fresh legs before fatigue starts (0 for a fitted runner's
        own term; :data:`FATIGUE_ONSET_H` for the default one).

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
    fatigue_onset_h: float = 0.0

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
        check_model(self.model)
        difficulty = self.max_difficulty
        if (
            isinstance(difficulty, bool)
            or not isinstance(difficulty, numbers.Integral)
            or not 1 <= difficulty <= 6
        ):
            raise InputError(f"invalid max difficulty {difficulty!r}: must be an integer 1..6")
        self._check_calibration()

    def _check_calibration(self) -> None:
        self._check_grade_correction()
        if not (isinstance(self.trail_factor, numbers.Real) and 0.3 <= self.trail_factor <= 3):
            raise InputError(f"invalid trail factor {self.trail_factor!r}: must be 0.3..3")
        self._check_fatigue()
        self._check_spread()

    def _check_grade_correction(self) -> None:
        corr = self.grade_correction
        if corr is None:
            return
        if len(corr) != len(GRADE_KNOTS) or not all(
            isinstance(c, numbers.Real) and 0.2 <= c <= 5.0 for c in corr
        ):
            raise InputError(
                f"invalid grade correction {corr!r}: expected {len(GRADE_KNOTS)} factors "
                "between 0.2 and 5, one per grade in GRADE_KNOTS"
            )
        if corr[GRADE_KNOTS.index(0.0)] != 1.0:
            raise InputError("invalid grade correction: the factor at 0 % grade must be 1")

    def _check_fatigue(self) -> None:
        if not (isinstance(self.fatigue_per_h, numbers.Real) and -0.5 <= self.fatigue_per_h <= 1):
            raise InputError(f"invalid fatigue {self.fatigue_per_h!r}/h: must be -0.5..1")
        until = self.fatigue_until_h
        if until is not None and not (
            isinstance(until, numbers.Real) and not isinstance(until, bool) and 0 < until <= 100
        ):
            raise InputError(f"invalid fatigue limit {until!r} h: must be 0..100 hours")
        onset = self.fatigue_onset_h
        if not (isinstance(onset, numbers.Real) and not isinstance(onset, bool)) or not (
            0 <= onset <= (100 if until is None else until)
        ):
            raise InputError(f"invalid fatigue onset {onset!r} h: must be 0 up to its limit")

    def _check_spread(self) -> None:
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
    @fill(**PROFILE_DOCS)
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

        %(profile_returns)s

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

    @fill(**GRADE_DOCS)
    def cost_ratio(self, grade: ArrayLike) -> np.ndarray:
        """Time per metre at `grade` relative to the flat, for this runner.

        The model's :func:`~routeplanner.pace.cost_ratio` times the fitted
        correction (``grade_correction`` interpolated over :data:`GRADE_KNOTS`).

        %(grade_params)s

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

    def _on_clock(self, seconds: ArrayLike, curve: _Curve) -> np.ndarray:
        """Apply ``curve`` of the fatigue term to `seconds` (moving or fresh time).

        The curve gets ``(seconds, k per second, onset s, limit s, limit in fresh s)``;
        without fatigue, moving time is fresh time and `seconds` come back as they are.
        """
        t = np.asarray(seconds, dtype=float)
        k = float(self.fatigue_per_h) / 3600.0
        if abs(k) < 1e-12:
            ret: np.ndarray = t.copy()
            return ret
        on = float(self.fatigue_onset_h) * 3600.0
        cap = math.inf if self.fatigue_until_h is None else float(self.fatigue_until_h) * 3600.0
        tau_cap = on + (math.log1p(k * (cap - on)) / k if math.isfinite(cap) else math.inf)
        return np.asarray(curve(t, k, on, cap, tau_cap))

    def elapsed_s(self, fresh_s: ArrayLike) -> np.ndarray:
        """Return the moving time after `fresh_s` seconds' worth of ground on fresh legs.

        With the pace growing as ``1 + k (t - onset)`` past the onset
        (``k = fatigue_per_h / 3600``), time ``t`` and fresh time ``tau`` satisfy
        ``dt/dtau = 1 + k (t - onset)``, so ``t = onset + (exp(k (tau - onset)) - 1) / k``
        after the onset; past ``fatigue_until_h`` the factor stays at its value there.

        Parameters
        ----------
        fresh_s : array_like
            Cumulative fresh times (non-decreasing, from the start of the outing).

        Returns
        -------
        numpy.ndarray
            Cumulative moving times, same shape.

        Examples
        --------
        >>> p = RunnerProfile(fatigue_per_h=0.1, fatigue_onset_h=2.0)
        >>> p.elapsed_s([3600.0, 7200.0]).tolist()
        [3600.0, 7200.0]
        >>> round(float(p.elapsed_s(10800.0)))
        10986
        """
        return self._on_clock(fresh_s, _elapsed_curve)

    def fresh_s(self, elapsed_s: ArrayLike) -> np.ndarray:
        """Return the fresh time worth `elapsed_s` of moving (inverse of :meth:`elapsed_s`).

        Parameters
        ----------
        elapsed_s : array_like
            Moving times.

        Returns
        -------
        numpy.ndarray
            Fresh times, same shape.

        Examples
        --------
        >>> p = RunnerProfile(fatigue_per_h=0.1, fatigue_onset_h=2.0)
        >>> round(float(p.fresh_s(p.elapsed_s(20000.0))), 6)
        20000.0
        """
        return self._on_clock(elapsed_s, _fresh_curve)

    def fatigued_s(self, fresh_s: float, *, start_elapsed_s: float = 0.0) -> float:
        """Return the moving time of a stretch that takes `fresh_s` on fresh legs.

        The stretch starts after `start_elapsed_s` of moving (see :meth:`elapsed_s`).

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
        t0 = float(start_elapsed_s)
        tau0 = float(self.fresh_s(t0))
        return float(self.elapsed_s(tau0 + float(fresh_s))) - t0

    @classmethod
    @fill(**PROFILE_DOCS)
    def from_toml(cls, path: str | os.PathLike[str]) -> RunnerProfile:
        """Read a profile file (see :mod:`routeplanner.pace.profile_file`).

        %(read_profile)s
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
        if abs(float(self.fatigue_per_h)) < 1e-12 or duration_s <= 0:
            return self
        fresh = float(self.fresh_s(float(duration_s)))
        pace_s = float(np.clip(self.flat_pace_s_per_km * duration_s / fresh, 120.0, 1800.0))
        return dataclasses.replace(
            self,
            flat_pace_s_per_km=pace_s,
            fatigue_per_h=0.0,
            fatigue_until_h=None,
            fatigue_onset_h=0.0,
        )

    def route_time_s(self, fresh_s: ArrayLike) -> np.ndarray:
        """Elapsed time at every point of a route from its time on fresh legs.

        Every route's clock goes through here once (in
        :func:`routeplanner.route.make_route`), after its stretches are timed one
        by one (:class:`routeplanner.pace.timer.EdgeTimer`): effects of time on
        feet, which no single stretch can see, belong here.  It is the fatigue
        term (:meth:`elapsed_s`); a profile whose fatigue was folded into its flat
        pace (:meth:`for_duration`, what loop searches time edges with) has none.

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
        >>> tired = RunnerProfile(fatigue_per_h=0.1, fatigue_onset_h=2.0)
        >>> tired.route_time_s([0.0, 7200.0, 10800.0]).round().tolist()
        [0.0, 7200.0, 10986.0]
        """
        return self.elapsed_s(fresh_s)

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
        rough = rough_ground_factor(factor, grade)
        return np.asarray(length * self.seconds_per_m() * ratio * rough * trail_f)


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
