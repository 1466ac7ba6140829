"""Fit a runner's pace profile to their own recordings, and predict moving times.

The model of the time to cover a short stretch of horizontal length ``d`` at grade
``g`` after ``t`` seconds of moving is::

    dt = pace * d * R(g) * C(g) * T**trail * (1 + fatigue_per_h * t / 3600)

``R`` is the chosen grade model (:func:`routeplanner.pace.cost_ratio`), ``C`` the
runner's correction to it, piecewise linear between the grade knots of
:data:`routeplanner.pace.GRADE_KNOTS` (``C(0) = 1``), ``T`` the trail factor
(``trail`` is the share of the stretch on trails; only fitted when the recordings
can be matched to a network) and the last factor the fatigue term.

Recordings are prepared (stops and rests cut, positions and elevations smoothed) by
:func:`routeplanner.pace.recording.prepare`; its public names are re-exported here.


The fit (:func:`fit_profile`) cuts the moving part of every recording into chunks
of :data:`CHUNK_M` metres, and solves for the log flat pace, the grade corrections,
the trail factor and the fatigue term with :func:`scipy.optimize.least_squares`
(robust ``soft_l1`` loss, so a chunk spent at a viewpoint does not drag the fit).

* **Day effects.**  Every recording after the first gets its own level, so the
  grade corrections and the fatigue term are measured *within* recordings: a fast
  day on flat ground and a slow day in the hills are not read as a weak climber.
* **Shrinkage.**  Each correction is shrunk toward the model by a ridge prior worth
  ``prior_m`` metres of data, so a band is corrected in proportion to the data
  near it: a band with no data keeps the model's value exactly, one with as much
  data as the prior keeps half of what the data say.  The trail factor has the
  prior :data:`PRIOR_M` (3 km); the fatigue term 0 +- 2 %/h.
* **Choosing what to fit, inside the fitting data.**  The prior (from
  :data:`PRIOR_GRID_M`, infinity meaning the plain model) and then whether to
  fit fatigue are chosen by cross-validation on the recordings given: leave one
  recording out when there are three or more, else leave out each of
  :data:`CV_BLOCKS` stretches of a recording in turn.  The criterion is the error
  of the held-out part's total moving time; the simplest choice within one
  standard error of the best is kept.  On the sample tracks this keeps the plain
  model almost always: stretch-to-stretch and day-to-day changes of level
  (10-30 %) dwarf what grade corrections change (1-3 %), see ``scripts/bench_pace.py``.
* **Fatigue within the observed range.**  The fatigue term is not extrapolated:
  past the longest fitted recording (``fatigue_until_h`` of the profile) the
  pace stays at its value there.
* **How much the days differ.**  With three recordings or more the profile also
  carries the spread of the runner's day-to-day level
  (:func:`routeplanner.pace.spread.day_spread`), from which a prediction gets the range
  of times that covers most days.

The level (flat pace) is finally set so that the fitted moving time equals the
recorded one, without day effects: the robust loss finds the typical chunk, but
moving time is a sum.  Grades come from the same :func:`prepare` smoothing for
fitting and predicting.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import least_squares

from routeplanner import pace
from routeplanner.errors import InputError
from routeplanner.pace.recording import (
    ELEVATION_SIGMA_M,
    POSITION_SIGMA_S,
    STOP_GAP_S,
    STOP_SPEED_M_S,
    STOP_WINDOW_S,
    ClassOf,
    Line,
    moving_time_s,
    network_class_of,
    prepare,
)
from routeplanner.pace.spread import day_spread

__all__ = [
    "CHUNK_M",
    "CV_BLOCKS",
    "ELEVATION_SIGMA_M",
    "POSITION_SIGMA_S",
    "PRIOR_GRID_M",
    "PRIOR_M",
    "STOP_GAP_S",
    "STOP_SPEED_M_S",
    "STOP_WINDOW_S",
    "ClassOf",
    "Fit",
    "Line",
    "Prediction",
    "fit_profile",
    "moving_time_s",
    "network_class_of",
    "predict",
    "prepare",
]


CHUNK_M = 200.0
PRIOR_M = 3000.0
# Shrinkage strengths tried by cross-validation (metres of data the prior is worth;
# infinity keeps the plain model), and stretches per recording when there are too
# few recordings to leave one out.
PRIOR_GRID_M: tuple[float, ...] = (1000.0, 3000.0, 10000.0, 30000.0, math.inf)
CV_BLOCKS = 4
# Typical scatter of a chunk's log time around the model (walks and runs): scales the
# residuals so the robust loss switches to linear beyond about 2.5 sigma.
_CHUNK_SIGMA = 0.15
# Fatigue prior: 0 +- 2 % per hour, so a single short run cannot invent a large one.
_FATIGUE_SIGMA_PER_H = 0.02


@dataclass(frozen=True)
class Prediction:
    """Predicted moving time of a line."""

    moving_s: float
    distance_m: float
    ascent_m: float


@dataclass(frozen=True)
class Fit:
    """A fitted profile and what it was fitted on.

    Parameters
    ----------
    profile : RunnerProfile
        The fitted profile.
    tracks : tuple of str
        Names of the recordings used.
    moving_s, distance_m, ascent_m : float
        Totals over the recordings' moving parts.
    band_m : dict
        Metres of data near each grade knot (how much each correction is backed).
    residual_pct : float
        Median absolute error of chunk times under the fitted profile, in percent.
    notes : tuple of str
        What was not fitted and why.
    """

    profile: pace.RunnerProfile
    tracks: tuple[str, ...]
    moving_s: float
    distance_m: float
    ascent_m: float
    band_m: dict[float, float] = field(default_factory=dict)
    residual_pct: float = float("nan")
    prior_m: float = PRIOR_M
    notes: tuple[str, ...] = ()


# ------------------------------------------------------------------------ fitting


def _hats(grade: np.ndarray, knots: Sequence[float]) -> np.ndarray:
    """Piecewise-linear basis: column k is the hat function of the k-th non-zero knot.

    Beyond the outer knots the outer hats stay at 1 (constant extrapolation).
    """
    kn = np.asarray(knots, dtype=float)
    g = np.clip(grade, kn[0], kn[-1])
    basis = np.zeros((len(g), len(kn)))
    j = np.clip(np.searchsorted(kn, g, side="right") - 1, 0, len(kn) - 2)
    w = (g - kn[j]) / (kn[j + 1] - kn[j])
    rows = np.arange(len(g))
    basis[rows, j] = 1.0 - w
    basis[rows, j + 1] += w
    zero = int(np.argmin(np.abs(kn)))
    return np.delete(basis, zero, axis=1)


@dataclass(frozen=True)
class _Chunks:
    obs_s: np.ndarray  # recorded time
    base_m: np.ndarray  # sum d * R(g): flat-equivalent metres under the model
    band_m: np.ndarray  # (n, k) sum d * R(g) * hat_k(g)
    trail: np.ndarray  # share of trail (0 where unknown)
    elapsed_s: np.ndarray  # moving time before the chunk's middle
    length_m: np.ndarray
    rec: np.ndarray  # index of the recording the chunk comes from
    raw_band_m: np.ndarray  # (k,) plain metres near each knot

    @property
    def n_rec(self) -> int:
        """Number of recordings."""
        return int(self.rec.max()) + 1

    def take(self, keep: np.ndarray) -> _Chunks:
        """Return the chunks selected by a boolean mask (recordings renumbered)."""
        _, rec = np.unique(self.rec[keep], return_inverse=True)
        return _Chunks(
            self.obs_s[keep],
            self.base_m[keep],
            self.band_m[keep],
            self.trail[keep],
            self.elapsed_s[keep],
            self.length_m[keep],
            rec,
            self.raw_band_m,
        )


def _chunk(lines: Sequence[Line], model: str, knots: Sequence[float]) -> _Chunks:
    parts: list[tuple[np.ndarray, ...]] = []
    for line in lines:
        m = line.moving & (line.length_m > 0)
        d, g, dt = line.length_m[m], line.grade[m], line.dt_s[m]
        trail = np.nan_to_num(line.trail[m], nan=0.0)
        if len(d) == 0:
            continue
        cum = np.cumsum(d)
        cid = np.floor((cum - d / 2) / CHUNK_M).astype(int)
        ratio = pace.cost_ratio(g, model)
        hats = _hats(g, knots)
        n = int(cid[-1]) + 1
        obs = np.bincount(cid, dt, minlength=n)
        length = np.bincount(cid, d, minlength=n)
        base = np.bincount(cid, d * ratio, minlength=n)
        band = np.stack(
            [np.bincount(cid, d * ratio * h, minlength=n) for h in hats.T], axis=1
        ).reshape(n, -1)
        tr = np.bincount(cid, d * trail, minlength=n) / np.maximum(length, 1e-9)
        elapsed = np.cumsum(obs) - obs / 2
        raw = (d[:, None] * hats).sum(axis=0)
        ok = (obs > 0) & (length > CHUNK_M / 4)
        rec = np.full(int(ok.sum()), len(parts))
        parts.append((obs[ok], base[ok], band[ok], tr[ok], elapsed[ok], length[ok], rec, raw))
    if not parts:
        raise InputError("no moving stretch in the recordings: nothing to fit")
    cols = list(zip(*parts, strict=True))
    return _Chunks(
        obs_s=np.concatenate(cols[0]),
        base_m=np.concatenate(cols[1]),
        band_m=np.concatenate(cols[2]),
        trail=np.concatenate(cols[3]),
        elapsed_s=np.concatenate(cols[4]),
        length_m=np.concatenate(cols[5]),
        rec=np.concatenate(cols[6]).astype(int),
        raw_band_m=np.sum(cols[7], axis=0),
    )


def _chunk_pred(
    p: np.ndarray, ch: _Chunks, n_bands: int, *, day: bool = True, until_s: float = np.inf
) -> np.ndarray:
    """Chunk times under parameters `p`; `day` adds each recording's own level."""
    log_pace, log_trail, fatigue = p[0], p[1], p[2]
    corr = p[3 : 3 + n_bands]
    eq = ch.base_m + ch.band_m @ corr
    level = log_pace + log_trail * ch.trail
    if day and len(p) > 3 + n_bands:
        level = level + np.concatenate(([0.0], p[3 + n_bands :]))[ch.rec]
    ret: np.ndarray = (
        np.exp(level)
        / 1000.0
        * np.maximum(eq, 1e-6)
        * (1.0 + fatigue * np.minimum(ch.elapsed_s, until_s) / 3600.0)
    )
    return ret


def _solve(
    ch: _Chunks, *, free: tuple[bool, bool, bool], n_bands: int, prior_m: float = PRIOR_M
) -> tuple[np.ndarray, float]:
    """Fit on chunk log times; `free` = (grade bands, trail, fatigue).

    Every recording after the first has its own level (a day effect, free), so the
    grade response and the fatigue term are measured within recordings and a fast
    day on flat ground is not read as a strong climber.  The returned level
    (``p[0]``) is the one that makes the total fitted time, without day effects,
    equal the recorded total.
    """
    bands_free = free[0] and math.isfinite(prior_m)
    trail_free, fatigue_free = free[1], free[2]
    n_day = ch.n_rec - 1
    weight = np.sqrt(ch.length_m / CHUNK_M) / _CHUNK_SIGMA
    prior_w = math.sqrt(prior_m / CHUNK_M) / _CHUNK_SIGMA if bands_free else 0.0
    trail_w = math.sqrt(PRIOR_M / CHUNK_M) / _CHUNK_SIGMA
    x0 = np.zeros(3 + n_bands + n_day)
    x0[0] = math.log(1000.0 * ch.obs_s.sum() / ch.base_m.sum())
    mask = np.array([True, trail_free, fatigue_free] + [bands_free] * n_bands + [True] * n_day)

    def residuals(q: np.ndarray) -> np.ndarray:
        p = x0.copy()
        p[mask] = q
        r = weight * np.log(_chunk_pred(p, ch, n_bands) / ch.obs_s)
        priors = [prior_w * p[3 : 3 + n_bands]] if bands_free else []
        if trail_free:
            priors.append(np.array([trail_w * p[1]]))
        if fatigue_free:
            priors.append(np.array([p[2] / _FATIGUE_SIGMA_PER_H]))
        return np.concatenate([r, *priors])

    lo = np.array([-np.inf, -0.7, -0.3] + [-0.7] * n_bands + [-1.5] * n_day)[mask]
    hi = np.array([np.inf, 0.7, 0.5] + [3.0] * n_bands + [1.5] * n_day)[mask]
    sol = least_squares(
        residuals, x0[mask], bounds=(lo, hi), loss="soft_l1", f_scale=2.5, method="trf"
    )
    p = x0.copy()
    p[mask] = sol.x
    p = p[: 3 + n_bands]
    # The robust loss finds the typical chunk; moving time is a sum, and includes the
    # slow chunks it discounts.  Set the level so the fitted total time is right.
    p[0] += math.log(ch.obs_s.sum() / _chunk_pred(p, ch, n_bands).sum())
    return p, float(sol.cost)


def _folds(ch: _Chunks) -> list[np.ndarray]:
    """Held-out masks for cross-validation inside the fitting data.

    Three recordings or more: leave one recording out (a new day).  Fewer: each
    recording is cut by distance into :data:`CV_BLOCKS` stretches, one held out at a
    time (a new stretch of the same day).
    """
    if ch.n_rec >= 3:
        return [ch.rec == r for r in range(ch.n_rec)]
    block = np.zeros(len(ch.rec), dtype=int)
    for r in range(ch.n_rec):
        sel = ch.rec == r
        cum = np.cumsum(ch.length_m[sel])
        block[sel] = np.minimum(
            (CV_BLOCKS * (cum - ch.length_m[sel] / 2)) // cum[-1], CV_BLOCKS - 1
        )
    return [block == b for b in range(CV_BLOCKS)]


def _cv_errors(
    ch: _Chunks,
    candidates: Sequence[tuple[float, bool]],
    *,
    trail_free: bool,
    n_bands: int,
    shape: bool = False,
) -> np.ndarray | None:
    """Held-out errors, one row per (prior, fatigue) candidate.

    By default the squared log error of each held-out fold's total moving time.
    With `shape`, the length-weighted mean squared log error of its chunks after
    each held-out recording's own level is taken out: how well time is shared
    between grades, which is what the grade corrections are for, without the
    day-to-day level that no correction can know.
    """
    folds = [f for f in _folds(ch) if f.any() and (~f).any()]
    if len(folds) < 3:
        return None
    errs = np.zeros((len(candidates), len(folds)))
    for j, held in enumerate(folds):
        train, test = ch.take(~held), ch.take(held)
        until = float(train.elapsed_s.max())
        for i, (prior, fatigue) in enumerate(candidates):
            free = (True, trail_free, fatigue)
            p, _ = _solve(train, free=free, n_bands=n_bands, prior_m=prior)
            pred = _chunk_pred(p, test, n_bands, day=False, until_s=until)
            if not shape:
                errs[i, j] = math.log(pred.sum() / test.obs_s.sum()) ** 2
                continue
            r = np.log(pred / test.obs_s)
            w = test.length_m
            for rec in np.unique(test.rec):
                sel = test.rec == rec
                r[sel] -= np.average(r[sel], weights=w[sel])
            errs[i, j] = float(np.average(r**2, weights=w))
    return errs


def _simplest_within_one_se(errs: np.ndarray) -> int:
    """Index of the first (simplest) row whose mean is within one SE of the best."""
    mse = errs.mean(axis=1)
    best = int(np.argmin(mse))
    se = float(errs[best].std(ddof=1) / math.sqrt(errs.shape[1]))
    return int(np.flatnonzero(mse <= mse[best] + se)[0])


def _choose(
    ch: _Chunks, *, trail_free: bool, n_bands: int, prior_m: float | None = None
) -> tuple[float, bool]:
    """Pick the shrinkage of the grade corrections, then the fatigue term, by CV.

    Cross-validation inside the fitting data (:func:`_folds`): for every candidate,
    fit on all but one fold and measure the held-out fold.  First the prior of
    :data:`PRIOR_GRID_M` (infinity: the plain model) with no fatigue term, judged on
    how the held-out time is shared between its chunks once each held-out day's own
    level is taken out (that sharing is what the corrections are for; the level of
    a new day is what none can know); then fatigue on or off at that prior, judged
    on the log error of the held-out total moving time.  Each time the simplest candidate whose mean
    squared error is within one standard error of the best is kept (the
    one-standard-error rule): a correction must earn its place on unseen data.
    A given `prior_m` skips the first step.  Without three folds: the plain model
    (or `prior_m`) without fatigue.
    """
    grid = sorted(PRIOR_GRID_M, reverse=True)  # most shrunk (simplest) first
    if prior_m is None:
        cand = [(g, False) for g in grid]
        errs = _cv_errors(ch, cand, trail_free=trail_free, n_bands=n_bands, shape=True)
        if errs is None:
            return math.inf, False
        prior_m = grid[_simplest_within_one_se(errs)]
    cand = [(prior_m, False), (prior_m, True)]
    errs = _cv_errors(ch, cand, trail_free=trail_free, n_bands=n_bands)
    return prior_m, errs is not None and _simplest_within_one_se(errs) == 1


def fit_profile(
    lines: Sequence[Line],
    *,
    model: str = "auto",
    calibrate: bool = True,
    max_difficulty: int = 6,
    prior_m: float | None = None,
) -> Fit:
    """Fit a runner profile to prepared recordings.

    Parameters
    ----------
    lines : sequence of Line
        Prepared recordings (:func:`prepare`).
    model : str
        ``"minetti"``, ``"tobler"`` or ``"auto"`` (the one that fits better).
    calibrate : bool
        Fit grade corrections, trail factor and fatigue; False fits the flat pace
        of the plain model only.
    max_difficulty : int
        Carried into the profile.
    prior_m : float or None
        Strength of the shrinkage of grade corrections toward the model, in metres
        of data (``inf``: no correction); None chooses it by cross-validation inside
        `lines` (:func:`_choose_prior`).

    Returns
    -------
    Fit
        The profile and the totals it was fitted on.

    Raises
    ------
    InputError
        If there is no moving stretch, or the fitted pace is outside 2:00-30:00/km.
    """
    if not lines:
        raise InputError("no recordings to fit")
    knots = pace.GRADE_KNOTS
    n_bands = len(knots) - 1
    has_trail = any(np.isfinite(line.trail).any() for line in lines)
    free = (calibrate, calibrate and has_trail, calibrate)
    chosen, p, ch = _best_model(lines, pace.MODELS if model == "auto" else (model,), free)
    prior = PRIOR_M if prior_m is None else prior_m
    if calibrate:
        prior, fatigue = _choose(ch, trail_free=free[1], n_bands=n_bands, prior_m=prior_m)
        p, _ = _solve(ch, free=(True, free[1], fatigue), n_bands=n_bands, prior_m=prior)
    profile = _profile_of(p, chosen, lines, max_difficulty)
    err = np.abs(_chunk_pred(p, ch, n_bands, day=False) / ch.obs_s - 1.0)
    notes = []
    if not has_trail:
        notes.append(
            "trail factor not fitted: no point matched to a network "
            "(none given with --osm/--dem, or no way within 25 m)"
        )
    if calibrate and not math.isfinite(prior):
        notes.append(
            "grade corrections not fitted: cross-validation within the recordings "
            "predicted held-out moving times no better with them (plain model kept)"
        )
    raw = dict(zip([k for k in knots if k != 0], ch.raw_band_m.round(0), strict=True))
    return Fit(
        profile=profile,
        tracks=tuple(line.name for line in lines),
        moving_s=float(sum(line.moving_s for line in lines)),
        distance_m=float(sum(line.distance_m for line in lines)),
        ascent_m=float(sum(line.ascent_m for line in lines)),
        band_m={float(k): float(v) for k, v in raw.items()},
        residual_pct=float(np.median(err) * 100.0),
        prior_m=prior,
        notes=tuple(notes),
    )


def _best_model(
    lines: Sequence[Line], models: Sequence[str], free: tuple[bool, bool, bool]
) -> tuple[str, np.ndarray, _Chunks]:
    """Fit each grade model with the terms ``free``; return the best: name, parameters, chunks."""
    knots = pace.GRADE_KNOTS
    best: tuple[float, str, np.ndarray, _Chunks] | None = None
    for name in models:
        ch = _chunk(lines, name, knots)
        p, cost = _solve(ch, free=free, n_bands=len(knots) - 1)
        if best is None or cost < best[0]:
            best = (cost, name, p, ch)
    assert best is not None
    return best[1], best[2], best[3]


def _profile_of(
    p: np.ndarray, model: str, lines: Sequence[Line], max_difficulty: int
) -> pace.RunnerProfile:
    """Make the fitted profile from the parameters, with its day-to-day spread over ``lines``.

    Raises
    ------
    InputError
        If the fitted pace is outside 2:00-30:00/km.
    """
    knots = pace.GRADE_KNOTS
    pace_s = float(math.exp(p[0]))
    if not 120.0 <= pace_s <= 1800.0:
        raise InputError(f"fitted flat pace {pace_s:.0f} s/km is outside 2:00-30:00/km")
    full = [round(float(c), 4) for c in p[3:]]
    full.insert(int(np.argmin(np.abs(knots))), 0.0)
    longest_h = max(line.moving_s for line in lines) / 3600.0
    profile = pace.RunnerProfile(
        flat_pace_s_per_km=round(pace_s, 1),
        model=model,
        max_difficulty=max_difficulty,
        grade_correction=tuple(round(1.0 + c, 4) for c in full),
        trail_factor=round(float(math.exp(p[1])), 4),
        fatigue_per_h=round(float(p[2]), 4),
        fatigue_until_h=round(longest_h, 2) if p[2] != 0.0 else None,
    )
    # How much the days differ, measured as the profile predicts whole recordings.
    recorded = [line.moving_s for line in lines]
    spread = day_spread(recorded, [predict(profile, line).moving_s for line in lines])
    if spread is None:
        return profile
    return dataclasses.replace(profile, day_spread=round(spread, 4), spread_recordings=len(lines))


# --------------------------------------------------------------------- predicting


def predict(profile: pace.RunnerProfile, line: Line, *, start_elapsed_s: float = 0.0) -> Prediction:
    """Predict the moving time of a line's moving intervals.

    Parameters
    ----------
    profile : RunnerProfile
        The runner.
    line : Line
        A prepared line (recorded or planned).
    start_elapsed_s : float
        Moving time already in the legs at the line's start (for the fatigue term).

    Returns
    -------
    Prediction
        Moving time, horizontal distance and ascent.
    """
    m = line.moving
    d = line.length_m[m]
    trail = line.trail[m]
    fresh = profile.segment_time_s(d, line.grade[m], trail=np.nan_to_num(trail, nan=0.0))
    fresh_total = float(fresh.sum())
    total = profile.fatigued_s(fresh_total, start_elapsed_s=start_elapsed_s)
    return Prediction(moving_s=total, distance_m=float(d.sum()), ascent_m=line.ascent_m)
