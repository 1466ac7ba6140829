"""Fit the default grade-speed curve and the fatigue term to steep recordings.

The shipped ``mountain`` curve (:data:`routeplanner.pace.model.MOUNTAIN_KNOTS`) and
fatigue term (:data:`routeplanner.pace.model.FATIGUE_PER_H`) come from
:func:`fit_curve` on the steep recordings of the sample data
(``scripts/fit_grade_curve.py`` prints them and draws ``docs/grade_curve.png``);
the benchmark refits them without the recording it predicts.

Every recording is prepared as for a runner's own fit
(:func:`routeplanner.pace.recording.prepare`: stops over 60 s cut, positions and
elevations smoothed) and cut into pieces of :data:`PIECE_M` metres of moving
distance.  A piece's grade is its rise over its length.  The model of a piece's
log time per metre is::

    log(t / d) = a[recording] + h(g) + log(1 + k * min(max(e - onset, 0), until - onset))

``a`` is the recording's flat pace (one per recording: a day of one person),
``h`` the log time ratio of the curve (``h(0) = 0``), a PCHIP through its values
at :data:`CURVE_GRADES`, ``e`` the moving time before the piece's middle, ``k``
the fatigue slope per hour after ``onset`` (:data:`FATIGUE_ONSET_H`).  The curve
is monotone by construction: time grows from the fastest grade
(:data:`PEAK_GRADE`) both ways, as its values are cumulative sums of
non-negative steps.  The loss is ``soft_l1`` with a small scale, close to least
absolute deviations, so the curve follows the pieces' medians and a piece spent
at a viewpoint does not drag it; a light penalty on the curve's second
differences carries it through grades with few pieces (beyond +-35 %).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.interpolate import PchipInterpolator
from scipy.optimize import least_squares

from routeplanner.errors import InputError
from routeplanner.pace.recording import Line

__all__ = [
    "CURVE_GRADES",
    "FATIGUE_ONSET_H",
    "PEAK_GRADE",
    "PIECE_M",
    "CurveFit",
    "Pieces",
    "band_medians",
    "fatigue_slope",
    "fit_curve",
    "pieces",
]

PIECE_M = 200.0
# Grades (rise/run) where the curve has a value; PCHIP in between.
CURVE_GRADES: tuple[float, ...] = (
    -0.45,
    -0.35,
    -0.25,
    -0.15,
    -0.08,
    0.0,
    0.08,
    0.15,
    0.25,
    0.35,
    0.45,
)
# The fastest grade: speed falls monotonically on both sides of it.
PEAK_GRADE = -0.08
FATIGUE_ONSET_H = 2.0
# Fatigue is fitted on the moving time of each hour of each recording.
FATIGUE_BLOCK_S = 3600.0
# Rounds of curve-then-fatigue fitting.
_ROUNDS = 3
# Below this scale (log units) a residual counts quadratically, beyond it linearly.
_LOSS_SCALE = 0.05
# Weight of the second-difference penalty on the curve's log values.
_SMOOTH_W = 2.0
# A piece must hold at least this share of PIECE_M of moving distance.
_MIN_PIECE_SHARE = 0.5
# Pieces within this many grade points of a band's centre count for its median.
BAND_HALF_WIDTH = 0.025
# Recording flat speed for the band medians: pieces within +-3 %, at least 5 of them.
_FLAT_GRADE = 0.03
_MIN_FLAT_PIECES = 5


@dataclass(frozen=True)
class Pieces:
    """Pieces of recordings: one row per piece.

    Parameters
    ----------
    rec : numpy.ndarray
        Index of the recording of each piece.
    grade, length_m, time_s, elapsed_s : numpy.ndarray
        Rise over run, moving distance, moving time and moving time before the
        piece's middle.
    names : tuple of str
        Recording names, by index.
    """

    rec: np.ndarray
    grade: np.ndarray
    length_m: np.ndarray
    time_s: np.ndarray
    elapsed_s: np.ndarray
    names: tuple[str, ...]

    @property
    def speed_m_s(self) -> np.ndarray:
        """Moving speed of each piece."""
        ret: np.ndarray = self.length_m / self.time_s
        return ret

    def without(self, name: str) -> Pieces:
        """Return the pieces of every recording but `name` (indices renumbered)."""
        keep_names = tuple(n for n in self.names if n != name)
        index = {n: i for i, n in enumerate(keep_names)}
        old = np.array([index.get(n, -1) for n in self.names])
        keep = old[self.rec] >= 0
        return Pieces(
            old[self.rec[keep]],
            self.grade[keep],
            self.length_m[keep],
            self.time_s[keep],
            self.elapsed_s[keep],
            keep_names,
        )


def pieces(
    lines: Sequence[Line], *, piece_m: float = PIECE_M, min_share: float = _MIN_PIECE_SHARE
) -> Pieces:
    """Cut prepared recordings into pieces of `piece_m` metres of moving distance.

    Parameters
    ----------
    lines : sequence of Line
        Recordings prepared by :func:`routeplanner.pace.recording.prepare`.
    piece_m : float
        Length of a piece.
    min_share : float
        Shortest piece kept, as a share of `piece_m` (0 keeps every piece: a
        prediction must cover the whole line).

    Returns
    -------
    Pieces
        Pieces with at least `min_share` of their length and some moving time.
    """
    cols: list[list[np.ndarray]] = [[], [], [], [], []]
    for r, line in enumerate(lines):
        m = line.moving & (line.length_m > 0)
        if not m.any():
            continue
        d, dt = line.length_m[m], line.dt_s[m]
        dz = np.diff(line.ele_m)[m]
        cum = np.cumsum(d)
        cid = np.floor((cum - d / 2) / piece_m).astype(int)
        n = int(cid[-1]) + 1
        length = np.bincount(cid, d, minlength=n)
        time = np.bincount(cid, dt, minlength=n)
        rise = np.bincount(cid, dz, minlength=n)
        elapsed = np.cumsum(time) - time / 2
        ok = (length >= min_share * piece_m) & (length > 0) & (time > 0)
        for col, arr in zip(
            cols,
            (np.full(int(ok.sum()), r), rise[ok] / length[ok], length[ok], time[ok]),
            strict=False,
        ):
            col.append(arr)
        cols[4].append(elapsed[ok])
    if not cols[0]:
        raise InputError("no moving stretch in the recordings: nothing to fit")
    rec, grade, length, time, elapsed = (np.concatenate(c) for c in cols)
    return Pieces(rec.astype(int), grade, length, time, elapsed, tuple(x.name for x in lines))


@dataclass(frozen=True)
class CurveFit:
    """A fitted curve and fatigue term.

    Parameters
    ----------
    grades : tuple of float
        :data:`CURVE_GRADES`.
    log_ratio : tuple of float
        Log time ratio (time per metre relative to the flat) at each grade.
    fatigue_per_h : float
        Slow-down per hour of moving after `onset_h`.
    onset_h, until_h : float
        When fatigue starts, and the longest moving time it was fitted on.
    level_s_per_km : tuple of float
        Each recording's fitted flat pace.
    """

    grades: tuple[float, ...]
    log_ratio: tuple[float, ...]
    fatigue_per_h: float
    onset_h: float
    until_h: float
    level_s_per_km: tuple[float, ...]

    def speed_ratio(self, grade: np.ndarray) -> np.ndarray:
        """Speed relative to the flat at `grade` (clipped to the curve's range)."""
        g = np.clip(np.asarray(grade, dtype=float), self.grades[0], self.grades[-1])
        return np.asarray(np.exp(-PchipInterpolator(self.grades, self.log_ratio)(g)))


def _curve_values(steps: np.ndarray, peak: float) -> np.ndarray:
    """Log time ratio at CURVE_GRADES from the peak value and non-negative steps."""
    grades = np.asarray(CURVE_GRADES)
    zero = int(np.flatnonzero(grades == 0.0)[0])
    ip = int(np.flatnonzero(grades == PEAK_GRADE)[0])
    h = np.zeros(len(grades))
    n_up = len(grades) - zero - 1
    h[zero + 1 :] = np.cumsum(steps[:n_up])
    h[ip] = peak
    n_down = ip
    h[:ip] = peak + np.cumsum(steps[n_up : n_up + n_down])[::-1]
    return h


def fit_curve(
    p: Pieces, *, onset_h: float = FATIGUE_ONSET_H, fatigue: bool = True, loss: str = "soft_l1"
) -> CurveFit:
    """Fit the curve, then the fatigue slope, to pieces of recordings.

    First the curve and a flat pace per recording, on the pieces' log times with
    a loss close to least absolute deviations (the curve follows the typical
    piece).  Then, with the curve fixed, the fatigue slope and a level per
    recording on the *sums* of moving time per hour of each recording
    (:func:`_fit_fatigue`): moving time is a sum, and what slows a long day down
    is as much more and longer short halts as slower strides, which a typical
    piece does not show.

    Parameters
    ----------
    p : Pieces
        Pieces of the recordings (:func:`pieces`).
    onset_h : float
        Moving hours before fatigue starts.
    fatigue : bool
        Fit the fatigue slope (else it is 0).
    loss : str
        How the curve is fitted: ``soft_l1`` on the pieces' log times (shipped, close
        to least absolute deviations: the typical piece), ``linear`` (least squares
        on log times) or ``sum`` (Poisson deviance of the pieces' times: the fit
        whose predicted moving time matches the recorded sums).

    Returns
    -------
    CurveFit
        The fitted curve and fatigue term.
    """
    grades = np.asarray(CURVE_GRADES)
    g = np.clip(p.grade, grades[0], grades[-1])
    onset_s, until_s = onset_h * 3600.0, float(p.elapsed_s.max())
    tired_h = np.clip(p.elapsed_s - onset_s, 0.0, max(until_s - onset_s, 0.0)) / 3600.0
    k, h = 0.0, np.zeros(len(grades))
    # The curve is measured with the fatigue of the last round taken out, and the
    # fatigue with the curve of this round: a few rounds settle both.
    for _ in range(_ROUNDS if fatigue else 1):
        h = _fit_shape(p, g, np.log1p(k * tired_h), loss=loss)
        fresh_s = p.length_m / 1000.0 * np.exp(_pchip(grades, h, g))
        k, levels = _fit_fatigue(p, fresh_s, onset_s, until_s, fit=fatigue)
    return CurveFit(
        grades=tuple(float(v) for v in grades),
        log_ratio=tuple(round(float(v), 4) for v in h),
        fatigue_per_h=round(k, 4),
        onset_h=float(onset_h),
        until_h=round(until_s / 3600.0, 2),
        level_s_per_km=tuple(float(v) for v in levels),
    )


def _pchip(grades: np.ndarray, h: np.ndarray, g: np.ndarray) -> np.ndarray:
    return np.asarray(PchipInterpolator(grades, h)(g))


def _fit_shape(p: Pieces, g: np.ndarray, tired: np.ndarray, *, loss: str = "soft_l1") -> np.ndarray:
    """Log time ratio at CURVE_GRADES, with a level per recording, robustly.

    `tired` is each piece's known log fatigue factor, taken out of its time.
    """
    grades = np.asarray(CURVE_GRADES)
    zero = int(np.flatnonzero(grades == 0.0)[0])
    ip = int(np.flatnonzero(grades == PEAK_GRADE)[0])
    n_steps = (len(grades) - zero - 1) + ip
    n_rec = len(p.names)
    y = np.log(p.time_s / p.length_m * 1000.0) - tired
    levels0 = np.array(
        [np.median(y[p.rec == r]) if (p.rec == r).any() else 6.0 for r in range(n_rec)]
    )
    x0 = np.concatenate(([0.0], np.full(n_steps, 0.2), levels0))
    lo = np.concatenate(([-0.5], np.zeros(n_steps), np.full(n_rec, 3.0)))
    hi = np.concatenate(([0.3], np.full(n_steps, 3.0), np.full(n_rec, 9.0)))

    # "sum": Poisson deviance of each piece's time (in units of a typical piece's
    # relative error, so the smoothness penalty weighs as in the other fits).
    unit = float(np.sqrt(np.median(p.time_s)))

    def resid(x: np.ndarray) -> np.ndarray:
        h = _curve_values(x[1 : 1 + n_steps], x[0])
        pred = x[1 + n_steps :][p.rec] + _pchip(grades, h, g)
        smooth = _SMOOTH_W * np.diff(h, 2) / np.diff(grades)[1:]
        if loss == "sum":
            mu = np.exp(pred + tired) * p.length_m / 1000.0
            dev = 2.0 * (p.time_s * np.log(p.time_s / mu) - (p.time_s - mu))
            data = np.sign(p.time_s - mu) * np.sqrt(np.maximum(dev, 0.0)) / unit
        else:
            data = pred - y
        return np.concatenate((data, smooth * _LOSS_SCALE))

    how = "linear" if loss == "sum" else loss
    sol = least_squares(resid, np.clip(x0, lo, hi), bounds=(lo, hi), loss=how, f_scale=_LOSS_SCALE)
    return _curve_values(sol.x[1 : 1 + n_steps], sol.x[0])


def _hours(
    p: Pieces, fresh_s: np.ndarray, onset_s: float, until_s: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per recording and hour of moving: recording, recorded and fresh time, hours tired, weight."""
    block = (p.elapsed_s // FATIGUE_BLOCK_S).astype(int)
    key = p.rec * 1000 + block
    uniq, inv = np.unique(key, return_inverse=True)
    obs = np.bincount(inv, p.time_s)
    base = np.bincount(inv, fresh_s)
    mid = np.bincount(inv, p.elapsed_s * p.time_s) / obs
    tired_h = np.clip(mid - onset_s, 0.0, max(until_s - onset_s, 0.0)) / 3600.0
    return uniq // 1000, obs, base, tired_h, np.sqrt(obs / FATIGUE_BLOCK_S)


def fatigue_slope(
    p: Pieces, fresh_s: np.ndarray, onset_s: float, until_s: float, *, lower: float = 0.0
) -> float:
    """Fatigue slope per hour after `onset_s`, on hourly sums of moving time.

    Each recording is cut into hours of moving time; an hour's residual is the log
    of its recorded over its predicted moving time (``fresh_s`` summed, times the
    recording's own level, times the fatigue factor), weighted by the root of its
    length, in plain least squares.

    Parameters
    ----------
    p : Pieces
        Pieces of the recordings.
    fresh_s : numpy.ndarray
        Each piece's time at a flat pace of 1 s/km under the curve.
    onset_s, until_s : float
        When fatigue starts, and where it stops growing.
    lower : float
        Lowest slope allowed (0: speed does not grow with time on feet).

    Returns
    -------
    float
        Slope per hour.
    """
    return _fit_fatigue(p, fresh_s, onset_s, until_s, fit=True, lower=lower)[0]


def _fit_fatigue(
    p: Pieces,
    fresh_s: np.ndarray,
    onset_s: float,
    until_s: float,
    *,
    fit: bool,
    lower: float = 0.0,
) -> tuple[float, np.ndarray]:
    """Fatigue slope per hour and each recording's flat pace (:func:`fatigue_slope`)."""
    rec, obs, base, tired_h, w = _hours(p, fresh_s, onset_s, until_s)
    n_rec = len(p.names)

    def resid(x: np.ndarray) -> np.ndarray:
        k = x[-1] if fit else 0.0
        pred = np.log(base) + x[:n_rec][rec] + np.log1p(k * tired_h)
        ret: np.ndarray = w * (pred - np.log(obs))
        return ret

    x0 = np.zeros(n_rec + 1)
    x0[:n_rec] = np.log(
        np.bincount(rec, obs, n_rec) / np.maximum(np.bincount(rec, base, n_rec), 1e-9)
    )
    x0[-1] = max(lower, 0.0) + 0.01
    sol = least_squares(resid, x0, bounds=([0.0] * n_rec + [lower], [12.0] * n_rec + [1.0]))
    k = float(sol.x[-1]) if fit else 0.0
    return k, np.exp(sol.x[:n_rec])


def band_medians(
    p: Pieces, centres: Sequence[float], *, half_width: float = BAND_HALF_WIDTH
) -> list[tuple[float, float, int]]:
    """Median ratio of piece speed to the recording's flat speed, per grade band.

    A recording's flat speed is the median speed of its pieces within +-3 % grade;
    recordings with fewer than 5 such pieces are left out (their flat speed is
    not measured, and a fitted one would depend on the curve).

    Parameters
    ----------
    p : Pieces
        Pieces of the recordings.
    centres : sequence of float
        Band centres (grades).
    half_width : float
        Half the width of a band.

    Returns
    -------
    list of tuple
        ``(centre, median ratio or NaN, pieces)`` per band.
    """
    flat = np.full(len(p.names), np.nan)
    v = p.speed_m_s
    for r in range(len(p.names)):
        sel = (p.rec == r) & (np.abs(p.grade) <= _FLAT_GRADE)
        if sel.sum() >= _MIN_FLAT_PIECES:
            flat[r] = float(np.median(v[sel]))
    ratio = v / flat[p.rec]
    out = []
    for c in centres:
        sel = np.isfinite(ratio) & (np.abs(p.grade - c) <= half_width)
        med = float(np.median(ratio[sel])) if sel.any() else float("nan")
        out.append((float(c), med, int(sel.sum())))
    return out
