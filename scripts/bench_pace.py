"""Benchmark fitted pace profiles against simple baselines on real recordings.

Runs on the recordings in ``../shared/data/tracks`` (see its README):

* every track: fit on the first half by moving distance, predict the moving time of
  the second half (with the first half's moving time already in the legs);
* the 13 Pilis walks: leave one out, fit on the other 12 and predict the whole
  left-out walk.

Moving time is the sum of the intervals between consecutive points at most 60 s
apart (the README's definition); the predicted lines are the same moving
intervals, after the smoothing of :func:`routeplanner.calibration.prepare`.

Methods, all fitted on the same fitting part in the same run:

``profile``
    :func:`routeplanner.calibration.fit_profile`: flat pace, grade corrections
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

Reports per-track signed errors (``predicted / measured - 1``, percent), the median
|error| of every method per protocol and over all predictions, and on how many
predictions the profile is closer than each baseline (a paired view: with 19 and 13
predictions the medians move by a point or two with a single track).

Usage::

    .venv/bin/python scripts/bench_pace.py [--data-dir ../shared/data] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from routeplanner import calibration as cal
from routeplanner.sources.tracks import read_track

METHODS = ("profile", "avg_pace", "naismith", "default_model")


def _naismith_s(line: cal.Line) -> float:
    return line.distance_m / 5000.0 * 3600.0 + line.ascent_m / 600.0 * 3600.0


def predict_all(
    fit_lines: Sequence[cal.Line], target: cal.Line, *, start_elapsed_s: float = 0.0
) -> dict[str, float]:
    """Predict `target`'s moving time with every method fitted on `fit_lines`."""
    fitted = cal.fit_profile(fit_lines)
    plain = cal.fit_profile(fit_lines, model=fitted.profile.model, calibrate=False)
    moving = sum(x.moving_s for x in fit_lines)
    dist = sum(x.distance_m for x in fit_lines)
    naismith = sum(_naismith_s(x) for x in fit_lines)
    pred = {
        "profile": cal.predict(fitted.profile, target, start_elapsed_s=start_elapsed_s).moving_s,
        "avg_pace": moving / dist * target.distance_m,
        "naismith": moving / naismith * _naismith_s(target),
        "default_model": cal.predict(plain.profile, target).moving_s,
    }
    return {k: v / target.moving_s - 1.0 for k, v in pred.items()}


def _row(name: str, protocol: str, target: cal.Line, errors: dict[str, float]) -> dict:
    return {
        "track": name,
        "protocol": protocol,
        "km": round(target.distance_m / 1000.0, 2),
        "ascent_m": round(target.ascent_m),
        "moving_h": round(target.moving_s / 3600.0, 2),
        **{k: round(v * 100.0, 1) for k, v in errors.items()},
    }


def run(data_dir: Path) -> dict:
    """Run both protocols; return rows and medians."""
    folder = data_dir / "tracks"
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in (".gpx", ".tcx", ".fit"))
    lines = {p.name: cal.prepare(read_track(p)) for p in files}
    rows = []
    for name, line in lines.items():
        first, second = line.split(0.5)
        errors = predict_all([first], second, start_elapsed_s=first.moving_s)
        rows.append(_row(name, "half", second, errors))
    pilis = [n for n in lines if n.startswith("pilis_")]
    for name in pilis:
        others = [lines[n] for n in pilis if n != name]
        rows.append(_row(name, "loo", lines[name], predict_all(others, lines[name])))
    medians: dict[str, dict[str, float]] = {}
    wins: dict[str, dict[str, str]] = {}
    for protocol in ("half", "loo", "all"):
        sel = [r for r in rows if protocol in ("all", r["protocol"])]
        medians[protocol] = {
            m: round(float(np.median([abs(r[m]) for r in sel])), 1) for m in METHODS
        }
        wins[protocol] = {
            m: f"{sum(abs(r['profile']) < abs(r[m]) for r in sel)}/{len(sel)}" for m in METHODS[1:]
        }
    return {"rows": rows, "median_abs_error_pct": medians, "profile_closer": wins}


def _print_table(result: dict) -> None:
    head = ["protocol", "track", "km", "ascent_m", "moving_h", *METHODS]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for r in result["rows"]:
        print("| " + " | ".join(str(r[h]) for h in head) + " |")
    print()
    print("median |error| %: | protocol | " + " | ".join(METHODS) + " |")
    for protocol, med in result["median_abs_error_pct"].items():
        print(f"| {protocol} | " + " | ".join(str(med[m]) for m in METHODS) + " |")
    print()
    print("profile closer than the baseline on: | protocol | " + " | ".join(METHODS[1:]) + " |")
    for protocol, won in result["profile_closer"].items():
        print(f"| {protocol} | " + " | ".join(won[m] for m in METHODS[1:]) + " |")


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
    args = ap.parse_args(argv)
    result = run(args.data_dir)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        _print_table(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
