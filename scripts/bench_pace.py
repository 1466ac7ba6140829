"""Benchmark fitted pace profiles against simple baselines on real recordings.

Runs on the recordings in ``../shared/data/tracks`` (see its README):

* every track: fit on the first half by moving distance, predict the moving time of
  the second half (with the first half's moving time already in the legs);
* the 13 Pilis walks: leave one out, fit on the other 12 and predict the whole
  left-out walk.

Moving time is the sum of the intervals between consecutive points at most 60 s
apart (the README's definition); the predicted lines are the same moving
intervals, after the smoothing of :func:`routeplanner.pace.fitting.prepare`.

Methods, all fitted on the same fitting part in the same run:

``profile``
    :func:`routeplanner.pace.fitting.fit_profile`: flat pace, grade corrections
    with shrinkage, fatigue (no network for these tracks, so no trail factor);
    model picked automatically (Minetti or Tobler, whichever fits better).
``avg_pace``
    The fitting part's moving time per km applied to the target distance (what
    most apps do).
``naismith``
    Naismith's rule (1 h per 5 km plus 1 h per 600 m of ascent) scaled so that it
    matches the fitting part's moving time.
``default_model``
    The same grade model without corrections or fatigue, at the flat pace that
    fits the fitting part best.
``minetti_plain``, ``mountain_plain``, ``tobler_plain`` (shown, not part of the target)
    Each grade model without corrections at the fitted flat pace: ``mountain`` is
    what ``--pace`` uses by default, ``minetti`` the default before it.

The steep set (``tracks/steep``, :func:`run_steep`) has its own protocols and
targets, written down in ``scripts/README.md`` before it was run.

Reports per-track signed errors (``predicted / measured - 1``, percent), the median
|error| of every method per protocol and over all predictions, and on how many
predictions the profile is closer than each baseline (a paired view: with 19 and 13
predictions the medians move by a point or two with a single track), and how sure
that comparison is: a paired bootstrap over tracks (seeded, :data:`BOOT_DRAWS` draws)
of the profile's median |error| minus each baseline's, with its 90 % interval and the
share of draws where the profile's median is lower, and a two-sided sign test of the
tracks where the profile is closer against those where the baseline is.  Finally, how
often the measured time falls inside the range the profile gives for 80 % of days
(:func:`routeplanner.pace.spread.time_range_s`; only profiles fitted on three recordings or
more have one, so only the left-out walks).

Also says which method has the lowest median, whether the target is met (profile
median <= 7 % and strictly below every baseline's), and explains the three worst
profile predictions of each protocol: how far the target's level moved from the
fitting part's under the plain model, how much the grade model and the runner's
corrections changed the prediction, the share of descent and of pauses inside
moving time in the fitting part and the target.

Usage::

    .venv/bin/python scripts/bench_pace.py [--data-dir ../shared/data] [--json] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from routeplanner import pace
from routeplanner.pace import curve_fit as cf
from routeplanner.pace import fitting as cal
from routeplanner.pace.spread import DAY_SHARE, time_range_s
from routeplanner.sources.tracks import read_track

METHODS = ("profile", "avg_pace", "naismith", "default_model")
BASELINES = METHODS[1:]
# Also shown, not part of the target: the product's default model (Minetti, what
# ``--pace`` uses) without calibration at the fitted flat pace.  ``default_model``
# above is the stronger version, on the model the fit picked.
EXTRA = ("minetti_plain", "mountain_plain", "tobler_plain")
# The new default against the others on the old set (issue 28): at the fitted flat pace.
DEFAULT_VS = ("minetti_plain", "tobler_plain", "avg_pace")
TARGET_PCT = 7.0
# Speed below which an interval of at most 60 s counts as a pause inside moving time.
_PAUSE_M_S = 0.2
_DESCENT = -0.04
# Paired bootstrap over tracks: draws and seed (reproducible), interval 5-95 %.
BOOT_DRAWS = 4000
BOOT_SEED = 12


def _naismith_s(line: cal.Line) -> float:
    return line.distance_m / 5000.0 * 3600.0 + line.ascent_m / 600.0 * 3600.0


def _descent_share(lines: Sequence[cal.Line]) -> float:
    """Share of the moving distance steeper downhill than 4 %."""
    d = np.concatenate([x.length_m[x.moving] for x in lines])
    g = np.concatenate([x.grade[x.moving] for x in lines])
    return float(d[g < _DESCENT].sum() / max(d.sum(), 1e-9))


def _pause_share(lines: Sequence[cal.Line]) -> float:
    """Share of the moving time spent in intervals slower than 0.2 m/s."""
    d = np.concatenate([x.length_m[x.moving] for x in lines])
    dt = np.concatenate([x.dt_s[x.moving] for x in lines])
    slow = d < _PAUSE_M_S * dt
    return float(dt[slow].sum() / max(dt.sum(), 1e-9))


def predict_all(
    fit_lines: Sequence[cal.Line], target: cal.Line, *, start_elapsed_s: float = 0.0
) -> dict[str, float]:
    """Predict `target`'s moving time with every method fitted on `fit_lines`.

    Returns the signed relative errors (``predicted / measured - 1``) of every
    method, plus the profile's chosen prior (``prior_m``, inf for the plain model)
    and fatigue term (``fatigue_per_h``).
    """
    fitted = cal.fit_profile(fit_lines)
    plain = cal.fit_profile(fit_lines, model=fitted.profile.model, calibrate=False)
    minetti = cal.fit_profile(fit_lines, model="minetti", calibrate=False)
    mountain = cal.fit_profile(fit_lines, model="mountain", calibrate=False)
    tobler = cal.fit_profile(fit_lines, model="tobler", calibrate=False)
    moving = sum(x.moving_s for x in fit_lines)
    dist = sum(x.distance_m for x in fit_lines)
    naismith = sum(_naismith_s(x) for x in fit_lines)
    pred = {
        "profile": cal.predict(fitted.profile, target, start_elapsed_s=start_elapsed_s).moving_s,
        "avg_pace": moving / dist * target.distance_m,
        "naismith": moving / naismith * _naismith_s(target),
        "default_model": cal.predict(plain.profile, target).moving_s,
        "minetti_plain": cal.predict(minetti.profile, target).moving_s,
        "mountain_plain": cal.predict(mountain.profile, target).moving_s,
        "tobler_plain": cal.predict(tobler.profile, target).moving_s,
    }
    out = {k: v / target.moving_s - 1.0 for k, v in pred.items()}
    span = time_range_s(fitted.profile, pred["profile"])
    out["in_range"] = None if span is None else span[0] <= target.moving_s <= span[1]
    out["prior_m"] = fitted.prior_m
    out["fatigue_per_h"] = fitted.profile.fatigue_per_h
    return out


def _row(
    name: str, protocol: str, fit_lines: Sequence[cal.Line], target: cal.Line, errors: dict
) -> dict:
    prior = errors["prior_m"]
    return {
        "track": name,
        "protocol": protocol,
        "km": round(target.distance_m / 1000.0, 2),
        "ascent_m": round(target.ascent_m),
        "moving_h": round(target.moving_s / 3600.0, 2),
        **{k: round(errors[k] * 100.0, 1) for k in METHODS + EXTRA},
        "prior_m": None if not np.isfinite(prior) else prior,
        "fatigue_per_h": errors["fatigue_per_h"],
        "in_range": errors["in_range"],
        "fit_descent_pct": round(100.0 * _descent_share(fit_lines)),
        "target_descent_pct": round(100.0 * _descent_share([target])),
        "fit_pause_pct": round(100.0 * _pause_share(fit_lines), 1),
        "target_pause_pct": round(100.0 * _pause_share([target]), 1),
    }


def _why(r: dict) -> str:
    """Explain a profile error: level shift, grade mix, corrections, fatigue."""
    level = r["default_model"]
    grade_mix = r["default_model"] - r["avg_pace"]
    corr = r["profile"] - r["default_model"]
    side = "short" if level < 0 else "long"
    return (
        f"{r['track']} ({r['protocol']}): profile {r['profile']:+.1f} %. The plain model "
        f"at the fitting part's level predicts it {abs(level):.0f} % too {side} (the target's "
        f"level differs from the fitting part's); the grade model moved the average-pace "
        f"prediction by {grade_mix:+.1f} points, the runner's corrections and fatigue by "
        f"{corr:+.1f}. Descending (< -4 %): {r['fit_descent_pct']} % of the fitting part, "
        f"{r['target_descent_pct']} % of the target; paused (< 0.2 m/s) within moving "
        f"time: {r['fit_pause_pct']} % vs {r['target_pause_pct']} %."
    )


def compare(
    profile: Sequence[float],
    baseline: Sequence[float],
    *,
    draws: int = BOOT_DRAWS,
    q: float = 50.0,
) -> dict[str, float]:
    """How sure is "the profile's median |error| is lower than the baseline's"?

    Parameters
    ----------
    profile, baseline : sequence of float
        Signed errors of the two methods on the same tracks (paired).
    draws : int
        Bootstrap resamples of the tracks (seeded with :data:`BOOT_SEED`).
    q : float
        Percentile of |error| compared (50: the median, 90: the p90).

    Returns
    -------
    dict
        ``diff`` (median |profile| - median |baseline|, points), ``lo`` and ``hi``
        (its 5-95 % bootstrap interval), ``p_lower`` (share of draws where the
        profile's median is strictly lower), ``closer`` and ``farther`` (tracks where
        the profile is strictly closer or farther) and ``sign_p`` (two-sided sign
        test of those counts, ties left out).
    """
    from scipy.stats import binomtest

    a = np.abs(np.asarray(profile, dtype=float))
    b = np.abs(np.asarray(baseline, dtype=float))
    idx = np.random.default_rng(BOOT_SEED).integers(0, len(a), size=(draws, len(a)))
    diffs = np.percentile(a[idx], q, axis=1) - np.percentile(b[idx], q, axis=1)
    closer, farther = int((a < b).sum()), int((a > b).sum())
    n = closer + farther
    return {
        "diff": round(float(np.percentile(a, q) - np.percentile(b, q)), 2),
        "lo": round(float(np.percentile(diffs, 5)), 2),
        "hi": round(float(np.percentile(diffs, 95)), 2),
        "p_lower": round(float((diffs < 0).mean()), 3),
        "closer": closer,
        "farther": farther,
        "sign_p": round(float(binomtest(closer, n).pvalue), 3) if n else 1.0,
    }


def _summary(rows: list[dict]) -> dict:
    medians: dict[str, dict[str, float]] = {}
    wins: dict[str, dict[str, str]] = {}
    best: dict[str, str] = {}
    met: dict[str, bool] = {}
    worst: dict[str, list[str]] = {}
    sure: dict[str, dict[str, dict[str, float]]] = {}
    covered: dict[str, dict[str, int]] = {}
    default_vs: dict[str, dict] = {}
    for protocol in ("half", "loo", "all"):
        sel = [r for r in rows if protocol in ("all", r["protocol"])]
        if not sel:
            continue
        med = {m: round(float(np.median([abs(r[m]) for r in sel])), 1) for m in METHODS + EXTRA}
        medians[protocol] = med
        wins[protocol] = {
            m: f"{sum(abs(r['profile']) < abs(r[m]) for r in sel)}/{len(sel)}" for m in BASELINES
        }
        ranged = [r["in_range"] for r in sel if r["in_range"] is not None]
        covered[protocol] = {"covered": sum(ranged), "with_range": len(ranged)}
        sure[protocol] = {
            m: compare([r["profile"] for r in sel], [r[m] for r in sel]) for m in BASELINES
        }
        default_vs[protocol] = {
            m: {
                q: compare([r["mountain_plain"] for r in sel], [r[m] for r in sel], q=qv)
                for q, qv in (("median", 50.0), ("p90", 90.0))
            }
            for m in DEFAULT_VS
        }
        low = min(med[m] for m in METHODS)
        best[protocol] = ", ".join(m for m in METHODS if med[m] == low)
        met[protocol] = med["profile"] <= TARGET_PCT and all(
            med["profile"] < med[m] for m in BASELINES
        )
        if protocol != "all":
            top = sorted(sel, key=lambda r: -abs(r["profile"]))[:3]
            worst[protocol] = [_why(r) for r in top]
    return {
        "median_abs_error_pct": medians,
        "profile_closer": wins,
        "versus_baseline": sure,
        "default_versus": default_vs,
        "range_covered": covered,
        "best_median": best,
        "target_met": met,
        "worst": worst,
    }


# ------------------------------------------------------------------ the steep set

STEEP_METHODS = ("mountain", "minetti", "tobler", "avg_pace", "naismith")
STEEP_BASELINES = ("minetti", "tobler", "avg_pace")
STEEP_TARGET_PCT = 9.0


def _curve_ratio(fit: cf.CurveFit) -> Callable[[np.ndarray], np.ndarray]:
    """Time ratio of a refitted curve, with the model's penalty beyond +-45 %."""
    from scipy.interpolate import PchipInterpolator

    curve = PchipInterpolator(fit.grades, fit.log_ratio)  # as shipped (model.MOUNTAIN_KNOTS)

    def ratio(g: np.ndarray) -> np.ndarray:
        clipped = np.clip(g, -pace.MAX_MODEL_GRADE, pace.MAX_MODEL_GRADE)
        excess = np.maximum(np.abs(g) - pace.MAX_MODEL_GRADE, 0.0)
        return np.exp(curve(clipped)) * (1.0 + pace.EXCESS_GRADE_PENALTY * excess)

    return ratio


def _grade_time(
    first: cal.Line,
    second: cal.Line,
    ratio: Callable[[np.ndarray], np.ndarray],
    clock: pace.RunnerProfile,
) -> float:
    """Second half's moving time under a grade ratio, level fitted on the first half.

    `clock` carries only the fatigue term.  The level is the one whose clocked time of
    the first half is its recorded moving time.
    """
    f1 = float((first.length_m * ratio(first.grade))[first.moving].sum())
    f2 = float((second.length_m * ratio(second.grade))[second.moving].sum())
    t1 = first.moving_s
    level = float(clock.fresh_s(t1)) / f1
    return float(clock.elapsed_s(level * (f1 + f2))) - t1


def steep_errors(first: cal.Line, second: cal.Line, fit: cf.CurveFit | None) -> dict[str, float]:
    """Signed errors of every method on a second half; `fit` None: the shipped curve."""
    if fit is None:
        ratio: Callable[[np.ndarray], np.ndarray] = lambda g: pace.cost_ratio(g, "mountain")  # noqa: E731
        k, until = pace.FATIGUE_PER_H, pace.FATIGUE_UNTIL_H
    else:
        ratio, k, until = _curve_ratio(fit), fit.fatigue_per_h, fit.until_h
    tired = pace.RunnerProfile(
        fatigue_per_h=k, fatigue_onset_h=pace.FATIGUE_ONSET_H, fatigue_until_h=until
    )
    fresh = pace.RunnerProfile()
    pred = {
        "mountain": _grade_time(first, second, ratio, tired),
        "mountain_f0": _grade_time(first, second, ratio, fresh),
        "minetti": _grade_time(first, second, lambda g: pace.cost_ratio(g, "minetti"), fresh),
        "tobler": _grade_time(first, second, lambda g: pace.cost_ratio(g, "tobler"), fresh),
        "avg_pace": first.moving_s / first.distance_m * second.distance_m,
        "naismith": first.moving_s / _naismith_s(first) * _naismith_s(second),
    }
    out = {m: v / second.moving_s - 1.0 for m, v in pred.items()}
    out["fatigue_per_h"] = k
    return out


def run_steep(data_dir: Path, *, quick: bool = False) -> dict:
    """Both steep protocols, their summaries and the curve's own targets.

    Parameters
    ----------
    data_dir : Path
        Folder holding ``tracks/steep``.
    quick : bool
        One recording left out instead of all twelve (for tests).

    Returns
    -------
    dict
        ``rows``, ``summary`` (median and p90 per protocol and method, bootstrap
        comparisons of ``mountain`` against each baseline) and ``curve`` (the
        descent and per-band targets).
    """
    folder = data_dir / "tracks" / "steep"
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in (".gpx", ".tcx", ".fit"))
    lines = [cal.prepare(read_track(p)) for p in files]
    halves = {line.name: line.split(0.5) for line in lines}
    everything = cf.pieces(lines)
    rows = []
    for line in lines:
        first, second = halves[line.name]
        rows.append(
            {"protocol": "steep_half", "track": line.name, **_steep_row(first, second, None)}
        )
    for line in lines[:1] if quick else lines:
        first, second = halves[line.name]
        fit = cf.fit_curve(everything.without(line.name))
        rows.append({"protocol": "steep_loo", "track": line.name, **_steep_row(first, second, fit)})
    return {"rows": rows, "summary": _steep_summary(rows), "curve": _curve_targets(everything)}


def _steep_row(first: cal.Line, second: cal.Line, fit: cf.CurveFit | None) -> dict:
    err = steep_errors(first, second, fit)
    return {
        "moving_h": round(second.moving_s / 3600.0, 2),
        "start_h": round(first.moving_s / 3600.0, 2),
        **{m: round(100.0 * err[m], 1) for m in (*STEEP_METHODS, "mountain_f0")},
        "fatigue_pct_h": round(100.0 * err["fatigue_per_h"], 2),
    }


def _steep_summary(rows: list[dict]) -> dict:
    out: dict[str, dict] = {}
    for protocol in ("steep_half", "steep_loo"):
        sel = [r for r in rows if r["protocol"] == protocol]
        if not sel:
            continue
        stats = {
            m: {
                "median": round(float(np.median([abs(r[m]) for r in sel])), 1),
                "p90": round(float(np.percentile([abs(r[m]) for r in sel], 90)), 1),
            }
            for m in (*STEEP_METHODS, "mountain_f0")
        }
        versus = {
            m: {
                q: compare([r["mountain"] for r in sel], [r[m] for r in sel], q=qv)
                for q, qv in (("median", 50.0), ("p90", 90.0))
            }
            for m in STEEP_BASELINES
        }
        met = stats["mountain"]["median"] <= STEEP_TARGET_PCT
        out[protocol] = {"n": len(sel), "stats": stats, "versus": versus, "target_met": met}
    return out


def _curve_targets(p: cf.Pieces) -> dict:
    steep_down = np.linspace(-0.6, -0.25, 351)
    fastest = float(pace.speed_ratio(steep_down).max())
    gaps = []
    for centre, med, n in cf.band_medians(p, [c / 100.0 for c in range(-35, 40, 5)]):
        if np.isfinite(med):
            gaps.append((centre, round(float(pace.speed_ratio(centre)) - med, 3), n))
    worst = max(abs(g) for _, g, _ in gaps)
    return {
        "fastest_ratio_at_or_below_-25pct": round(fastest, 3),
        "descents_slower_than_flat": fastest < 1.0,
        "band_gaps": gaps,
        "largest_gap": round(worst, 3),
        "bands_within_0.1": worst <= 0.1,
    }


def _print_steep(result: dict) -> None:
    head = ["protocol", "track", "start_h", "moving_h", *STEEP_METHODS, "mountain_f0"]
    print("Steep set: signed error of the second half's moving time, % (+ = too long):")
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for r in result["rows"]:
        print("| " + " | ".join(str(r[h]) for h in head) + " |")
    print()
    names = [*STEEP_METHODS, "mountain_f0"]
    print("| |e| %, median / p90 | n | " + " | ".join(names) + " | target (median <= 9 %) |")
    print("|" + "---|" * (len(names) + 3))
    for protocol, s in result["summary"].items():
        cells = [f"{s['stats'][m]['median']} / {s['stats'][m]['p90']}" for m in names]
        met = "met" if s["target_met"] else "not met"
        print(f"| {protocol} | {s['n']} | " + " | ".join(cells) + f" | {met} |")
    print()
    print(
        "mountain minus baseline, points [90 % paired bootstrap interval] "
        "(share of draws where mountain is lower; sign test p):"
    )
    print("| protocol | statistic | " + " | ".join(STEEP_BASELINES) + " |")
    print("|---|---|" + "---|" * len(STEEP_BASELINES))
    for protocol, s in result["summary"].items():
        for q in ("median", "p90"):
            cells = [
                f"{c['diff']:+.1f} [{c['lo']:+.1f}, {c['hi']:+.1f}] "
                f"({c['p_lower']:.0%}; p {c['sign_p']:.2f})"
                for c in (s["versus"][m][q] for m in STEEP_BASELINES)
            ]
            print(f"| {protocol} | {q} | " + " | ".join(cells) + " |")
    c = result["curve"]
    print()
    print(
        f"fastest speed ratio at -25 % or steeper: {c['fastest_ratio_at_or_below_-25pct']} "
        f"(slower than flat: {'yes' if c['descents_slower_than_flat'] else 'no'}); "
        f"largest |curve - recordings' median| from -35 % to +35 %: {c['largest_gap']} "
        f"(within 0.1: {'yes' if c['bands_within_0.1'] else 'no'})"
    )


def run(data_dir: Path, *, quick: bool = False) -> dict:
    """Run both protocols; return rows, medians, winners and the worst cases.

    Parameters
    ----------
    data_dir : Path
        Folder holding ``tracks/``.
    quick : bool
        Predict only the six runs' second halves and three left-out walks (for
        tests); the full run takes about 15 s.

    Returns
    -------
    dict
        ``rows`` (one per prediction), ``median_abs_error_pct``, ``profile_closer``,
        ``best_median``, ``target_met`` and ``worst`` per protocol.
    """
    folder = data_dir / "tracks"
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in (".gpx", ".tcx", ".fit"))
    lines = {p.name: cal.prepare(read_track(p)) for p in files}
    pilis = [n for n in lines if n.startswith("pilis_")]
    rows = []
    for name, line in lines.items():
        if quick and name in pilis:
            continue
        first, second = line.split(0.5)
        errors = predict_all([first], second, start_elapsed_s=first.moving_s)
        rows.append(_row(name, "half", [first], second, errors))
    for name in pilis[:3] if quick else pilis:
        others = [lines[n] for n in pilis if n != name]
        rows.append(_row(name, "loo", others, lines[name], predict_all(others, lines[name])))
    return {"rows": rows, **_summary(rows)}


def _print_table(result: dict) -> None:
    head = ["protocol", "track", "km", "ascent_m", "moving_h", *METHODS, *EXTRA, "prior_m"]
    print("Signed error of the predicted moving time, % (+ = predicted too long):")
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for r in result["rows"]:
        cells = [str(r[h]) if h != "prior_m" else str(r[h] or "plain") for h in head]
        print("| " + " | ".join(cells) + " |")
    print()
    names = " | ".join(METHODS + EXTRA)
    print(f"median |error| %: | protocol | {names} | best | target met |")
    for protocol, med in result["median_abs_error_pct"].items():
        met = "yes" if result["target_met"][protocol] else "no"
        if protocol == "all":
            met = f"pooled only: {met}"
        cells = [str(med[m]) for m in METHODS + EXTRA]
        cells += [result["best_median"][protocol], met]
        print(f"| {protocol} | " + " | ".join(cells) + " |")
    print(
        f"(target: profile median <= {TARGET_PCT:g} % and strictly below avg_pace, naismith "
        "and default_model; minetti_plain, the default model as --pace uses it, is shown "
        "for reference only)"
    )
    print()
    print("profile closer than the baseline on: | protocol | " + " | ".join(BASELINES) + " |")
    for protocol, won in result["profile_closer"].items():
        print(f"| {protocol} | " + " | ".join(won[m] for m in BASELINES) + " |")
    print()
    print(
        "profile median |error| minus the baseline's, points [90 % paired bootstrap "
        "interval over tracks] (share of draws where the profile's is lower; sign test p):"
    )
    print("| protocol | " + " | ".join(BASELINES) + " |")
    for protocol, by in result["versus_baseline"].items():
        cells = [
            f"{c['diff']:+.1f} [{c['lo']:+.1f}, {c['hi']:+.1f}] "
            f"({c['p_lower']:.0%}; p {c['sign_p']:.2f})"
            for c in (by[m] for m in BASELINES)
        ]
        print(f"| {protocol} | " + " | ".join(cells) + " |")
    print()
    print(
        f"measured time inside the profile's range for {DAY_SHARE:.0%} of days "
        "(profiles fitted on 3 recordings or more):"
    )
    for protocol, c in result["range_covered"].items():
        print(f"| {protocol} | {c['covered']}/{c['with_range']} |")
    print()
    print(
        "The new default (mountain_plain) minus minetti_plain (the old default), "
        "tobler_plain and avg_pace, points [90 % paired bootstrap interval] "
        "(share of draws where mountain is lower; sign test p):"
    )
    print("| protocol | statistic | " + " | ".join(DEFAULT_VS) + " |")
    for protocol, by in result["default_versus"].items():
        for q in ("median", "p90"):
            cells = [
                f"{c['diff']:+.1f} [{c['lo']:+.1f}, {c['hi']:+.1f}] "
                f"({c['p_lower']:.0%}; p {c['sign_p']:.2f})"
                for c in (by[m][q] for m in DEFAULT_VS)
            ]
            print(f"| {protocol} | {q} | " + " | ".join(cells) + " |")
    print()
    print("Worst profile predictions, and why:")
    for lines in result["worst"].values():
        for text in lines:
            print(f"- {text}")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print a table (or JSON)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    env = os.environ.get("ROUTEPLANNER_DATA_DIR")
    default = Path(env) if env else Path(__file__).resolve().parents[1].parent / "shared" / "data"
    ap.add_argument(
        "--data-dir",
        type=Path,
        default=default,
        help="folder holding tracks/ (default $ROUTEPLANNER_DATA_DIR, else ../shared/data)",
    )
    ap.add_argument("--json", action="store_true", help="print JSON instead of a table")
    ap.add_argument(
        "--quick",
        action="store_true",
        help="only the six runs' halves and three left-out walks (a few seconds, for CI)",
    )
    args = ap.parse_args(argv)
    result = run(args.data_dir, quick=args.quick)
    result["steep"] = run_steep(args.data_dir, quick=args.quick)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        _print_table(result)
        print()
        _print_steep(result["steep"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
