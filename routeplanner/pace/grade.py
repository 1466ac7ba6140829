"""Grade models: time per metre at a grade relative to the flat.

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
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from routeplanner._docstrings import fill
from routeplanner.errors import InputError

__all__ = [
    "DEFAULT_MODEL",
    "DOWNHILL_SPEED_CAP",
    "EXCESS_GRADE_PENALTY",
    "MAX_MODEL_GRADE",
    "MODELS",
    "MOUNTAIN_KNOTS",
    "ROUGH_DESCENT_EXPONENT",
    "check_model",
    "cost_ratio",
    "minetti_cost",
    "mountain_cost_ratio",
    "rough_ground_factor",
    "speed_ratio",
    "tobler_speed_kmh",
]

MODELS: tuple[str, ...] = ("mountain", "minetti", "tobler")
DEFAULT_MODEL = "mountain"

# The mountain curve: (grade, log of time per metre relative to the flat, slope of
# that log) at its knots: a monotone PCHIP fitted by ``scripts/fit_grade_curve.py``
# (routeplanner.pace.curve_fit) on the 12 steep recordings of the sample data (1,311
# pieces of 200 m; rests logged without a gap are cut, see fitting.prepare); the
# slopes are scipy's PchipInterpolator's at the knots, so the curve is evaluated
# here without importing scipy.interpolate (a loop query does not import it).  Time
# grows monotonically from the fastest grade (-8 %) both ways.  Beyond +-45 % (3 and 4
# pieces there) EXCESS_GRADE_PENALTY applies, as for Minetti.
MOUNTAIN_KNOTS: tuple[tuple[float, float, float], ...] = (
    (-0.45, 0.9955, -3.3045),
    (-0.35, 0.6539, -3.524),
    (-0.25, 0.29, -2.3174),
    (-0.15, 0.12, -1.7312),
    (-0.08, -0.0032, 0.0),
    (0.0, 0.0, 0.0789),
    (0.08, 0.2355, 3.2052),
    (0.15, 0.4807, 3.4992),
    (0.25, 0.8302, 2.5651),
    (0.35, 1.0328, 1.8096),
    (0.45, 1.1963, 1.4395),
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

_GRADE_DOC = "grade : array_like\n    Rise over run, positive uphill."
_MODEL_DOC = "model : str\n    One of :data:`MODELS`."
#: The Parameters sections that the grade functions (and the runner's own cost ratio)
#: share, for :func:`routeplanner._docstrings.fill`.
DOCS = {
    "grade_params": f"Parameters\n----------\n{_GRADE_DOC}",
    "grade_model_params": f"Parameters\n----------\n{_GRADE_DOC}\n{_MODEL_DOC}",
}


# --------------------------------------------------------------------------- grade


@fill(**DOCS)
def minetti_cost(grade: ArrayLike) -> np.ndarray:
    """Energy cost of running per metre (Minetti et al. 2002).

    ``Cr(i) = 155.4 i^5 - 30.4 i^4 - 43.3 i^3 + 46.3 i^2 + 19.5 i + 3.6``, with the
    grade clipped to ``[-0.45, 0.45]`` (the measured range).

    %(grade_params)s

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


@fill(**DOCS)
def tobler_speed_kmh(grade: ArrayLike) -> np.ndarray:
    """Return the walking speed from Tobler's hiking function.

    ``W = 6 exp(-3.5 |i + 0.05|)`` km/h, fastest (6 km/h) at a 5 % descent.

    %(grade_params)s

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


def check_model(model: str) -> None:
    """Raise :class:`~routeplanner.errors.InputError` unless `model` is one of :data:`MODELS`."""
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
    >>> round(float(mountain_cost_ratio(-0.3)), 2)  # 0.63x flat speed
    1.58
    """
    i = np.clip(np.asarray(grade, dtype=float), -MAX_MODEL_GRADE, MAX_MODEL_GRADE)
    return np.asarray(np.exp(_hermite(i, MOUNTAIN_KNOTS)))


@fill(**DOCS)
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

    %(grade_model_params)s

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
    1.58
    >>> round(float(cost_ratio(0.1, model="minetti")), 3)
    1.658
    >>> float(cost_ratio(-0.1, model="minetti"))  # capped: raw Minetti would give 0.598
    0.8
    >>> round(float(cost_ratio(0.1, model="tobler")), 3)
    1.419
    """
    check_model(model)
    i = np.asarray(grade, dtype=float)
    if model in ("minetti", "mountain"):
        ratio = mountain_cost_ratio(i) if model == "mountain" else minetti_cost(i) / _MINETTI_FLAT
        excess = np.maximum(np.abs(i) - MAX_MODEL_GRADE, 0.0)
        ratio = ratio * (1.0 + EXCESS_GRADE_PENALTY * excess)
    else:
        ratio = tobler_speed_kmh(0.0) / tobler_speed_kmh(i)
    # np.fmax would swallow NaN grades; np.maximum keeps them visible.
    return np.asarray(np.maximum(ratio, 1.0 / DOWNHILL_SPEED_CAP))


@fill(**DOCS)
def speed_ratio(grade: ArrayLike, model: str = DEFAULT_MODEL) -> np.ndarray:
    """Speed at `grade` relative to flat speed (``1 / cost_ratio``).

    %(grade_model_params)s

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
    0.51
    """
    return np.asarray(1.0 / cost_ratio(grade, model))


# Rough ground on steep descents: the terrain factor of a way (sac_scale, surface,
# steps, visibility; routeplanner.network.ground) is felt in full on climbs and the
# flat, and more on steep descents, where footing and braking, not breath, set the
# speed: from -10 % it is raised to a power growing linearly to
# ROUGH_DESCENT_EXPONENT at -30 % and beyond (a T3 way's 1.54 becomes 1.91, scree's
# 1.4 becomes 1.66).  The steep recordings cannot tell how much: none of them lies on
# the sample network, so no tag can be matched to them; the exponent is a prior that
# the direction of the effect is right, not a measurement.
ROUGH_DESCENT_FROM = -0.10
ROUGH_DESCENT_FULL = -0.30
ROUGH_DESCENT_EXPONENT = 1.5


def rough_ground_factor(terrain: ArrayLike, grade: ArrayLike) -> np.ndarray:
    """Terrain factor as felt at `grade`: raised on steep descents of rough ground.

    Parameters
    ----------
    terrain : array_like
        Terrain factor of the way (>= 1 slows down; a factor below 1 is kept as is).
    grade : array_like
        Rise over run in the direction of travel.

    Returns
    -------
    numpy.ndarray
        Factor, broadcast shape.

    Examples
    --------
    >>> rough_ground_factor(1.54, [0.3, 0.0, -0.1, -0.3]).round(2).tolist()
    [1.54, 1.54, 1.54, 1.91]
    >>> float(rough_ground_factor(1.0, -0.4))
    1.0
    """
    f = np.asarray(terrain, dtype=float)
    g = np.asarray(grade, dtype=float)
    span = ROUGH_DESCENT_FROM - ROUGH_DESCENT_FULL
    w = np.clip((ROUGH_DESCENT_FROM - g) / span, 0.0, 1.0)
    power = 1.0 + (ROUGH_DESCENT_EXPONENT - 1.0) * w
    return np.asarray(np.where(f > 1.0, np.power(np.maximum(f, 1.0), power), f))
