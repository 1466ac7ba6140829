"""Benchmark fitted pace profiles against simple baselines on real recordings.

Runs on the recordings in ``../shared/data/tracks`` (see its README):

* every track: fit on the first half by moving distance, predict the moving time of
  the second half (with the first half's moving time already in the legs);
* the 13 Pilis walks: leave one out, fit on the other 12 and predict the whole
  left-out walk.

Moving time is the sum of the intervals between consecutive points at most 60 s
apart (the README's definition); the predicted lines are the same moving
intervals, after the smoothing of :func:`routeplanner.pace.recording.prepare`.

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
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from routeplanner.pace import fitting as cal
from routeplanner.pace.spread import DAY_SHARE, time_range_s
from routeplanner.sources.tracks import read_track

if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_steep import DEFAULT_VARIANTS, VARIANTS, compare, naismith_s, print_steep, run_steep

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
    naismith = sum(naismith_s(x) for x in fit_lines)
    pred = {
        "profile": cal.predict(fitted.profile, target, start_elapsed_s=start_elapsed_s).moving_s,
        "avg_pace": moving / dist * target.distance_m,
        "naismith": moving / naismith * naismith_s(target),
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
    ap.add_argument(
        "--steep-variants",
        default=",".join(DEFAULT_VARIANTS),
        help=f"variants of the steep set, comma-separated, or 'all' ({', '.join(VARIANTS)}; "
        "docs/pace_variants.md); default %(default)s",
    )
    args = ap.parse_args(argv)
    names = list(VARIANTS) if args.steep_variants == "all" else args.steep_variants.split(",")
    unknown = [n for n in names if n not in VARIANTS]
    if unknown:
        ap.error(f"unknown steep variant {unknown[0]!r}: choose from {', '.join(VARIANTS)}")
    result = run(args.data_dir, quick=args.quick)
    result["steep"] = run_steep(args.data_dir, quick=args.quick, variants=names)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        _print_table(result)
        print()
        print_steep(result["steep"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
