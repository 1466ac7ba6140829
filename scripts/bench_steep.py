"""The steep set of the pace benchmark (issue 28), and the variants of docs/pace_variants.md.

Runs on the 12 recordings of ``tracks/steep`` (see its README), two protocols:

``steep_half``
    Fit the runner's level on the first half by moving distance, predict the second
    half's moving time (the first half's time in the legs).  The curve is the one
    fitted on all 12 recordings under the variant's settings (for the shipped
    settings, the shipped curve), so for the curve this protocol is in-sample.
``steep_loo``
    The same, with the curve and the fatigue term refitted on the other 11.

Methods: ``mountain`` (the curve and its fatigue term at the level that gives the first
half's moving time), ``mountain_f0`` (no fatigue), ``profile`` (``pace fit`` on the first
half with the mountain model, then ``pace predict --profile``: a runner's own
corrections), ``minetti`` and ``tobler`` at the fitted level, ``avg_pace`` and
``naismith`` (scaled to the first half).

Variants (``docs/pace_variants.md``, written before they were run): ``gap60`` (moving
time = intervals of at most 60 s, as before), ``stops`` (rests logged without a gap cut
too: :data:`routeplanner.pace.fitting.STOP_SPEED_M_S`; the shipped preparation),
``stops_005`` and ``stops_015`` (other thresholds), ``pieces`` (the curve applied to
200 m pieces' grades), ``curve_ls`` (the curve fitted by least squares), ``curve_sum``
(the curve fitted to sums of moving time, round 2).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from routeplanner import pace
from routeplanner.pace import curve_fit as cf
from routeplanner.pace import fitting as cal
from routeplanner.pace import grade as grade_models
from routeplanner.sources.tracks import read_track

STEEP_METHODS = ("mountain", "profile", "minetti", "tobler", "avg_pace", "naismith")
STEEP_BASELINES = ("minetti", "tobler", "avg_pace", "naismith")
SHOWN = (*STEEP_METHODS, "mountain_f0")
STEEP_TARGET_PCT = 9.0
# Paired bootstrap over recordings: draws and seed (reproducible), interval 5-95 %.
BOOT_DRAWS = 4000
BOOT_SEED = 12


@dataclass(frozen=True)
class Variant:
    """How recordings are prepared, how the curve is fitted and applied."""

    stop_speed_m_s: float = cal.STOP_SPEED_M_S
    loss: str = "soft_l1"
    pieces: bool = False


VARIANTS: dict[str, Variant] = {
    "gap60": Variant(stop_speed_m_s=0.0),
    "stops": Variant(),
    "stops_005": Variant(stop_speed_m_s=0.05),
    "stops_015": Variant(stop_speed_m_s=0.15),
    "pieces": Variant(pieces=True),
    "curve_ls": Variant(loss="linear"),
    "curve_sum": Variant(loss="sum"),
}
DEFAULT_VARIANTS = ("gap60", "stops")
# Variant against variant on the same measured times (same preparation).
PAIRS = (("pieces", "stops"), ("curve_ls", "stops"), ("curve_sum", "stops"))


def naismith_s(line: cal.Line) -> float:
    """Naismith's rule: 1 h per 5 km plus 1 h per 600 m of ascent."""
    return line.distance_m / 5000.0 * 3600.0 + line.ascent_m / 600.0 * 3600.0


def compare(
    profile: Sequence[float],
    baseline: Sequence[float],
    *,
    draws: int = BOOT_DRAWS,
    q: float = 50.0,
) -> dict[str, float]:
    """How sure is "the first method's median |error| is lower than the baseline's"?

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


def knots_of(fit: cf.CurveFit) -> tuple[tuple[float, float, float], ...]:
    """A fitted curve as :data:`routeplanner.pace.grade.MOUNTAIN_KNOTS` (scipy's PCHIP slopes)."""
    from scipy.interpolate import PchipInterpolator

    slopes = PchipInterpolator(fit.grades, fit.log_ratio).derivative()(fit.grades)
    return tuple(
        (g, h, round(float(d), 4))
        for g, h, d in zip(fit.grades, fit.log_ratio, slopes, strict=True)
    )


@contextlib.contextmanager
def curve_as_default(fit: cf.CurveFit) -> Iterator[None]:
    """Let a refitted curve stand in for the shipped one (``pace fit`` reads it)."""
    shipped = grade_models.MOUNTAIN_KNOTS
    grade_models.MOUNTAIN_KNOTS = knots_of(fit)
    try:
        yield
    finally:
        grade_models.MOUNTAIN_KNOTS = shipped


def _piece_grades(line: cal.Line) -> cal.Line:
    """The line as its 200 m pieces (one interval each), at the pieces' mean grades."""
    p = cf.pieces([line], min_share=0.0)
    n = len(p.grade)
    return cal.Line(
        line.name,
        p.length_m,
        p.grade,
        p.time_s,
        np.ones(n, dtype=bool),
        np.full(n, np.nan),
        line.ele_m,
    )


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


def steep_errors(
    first: cal.Line, second: cal.Line, fit: cf.CurveFit | None, *, pieces: bool = False
) -> dict[str, float]:
    """Signed errors of every method on a second half; `fit` None: the shipped curve.

    With `pieces` the curve methods see both halves as 200 m pieces.
    """
    if fit is None:
        k, until = pace.FATIGUE_PER_H, pace.FATIGUE_UNTIL_H
    else:
        k, until = fit.fatigue_per_h, fit.until_h
    tired = pace.RunnerProfile(
        fatigue_per_h=k, fatigue_onset_h=pace.FATIGUE_ONSET_H, fatigue_until_h=until
    )
    fresh = pace.RunnerProfile()
    a, b = (_piece_grades(first), _piece_grades(second)) if pieces else (first, second)
    with contextlib.nullcontext() if fit is None else curve_as_default(fit):
        mountain = lambda g: pace.cost_ratio(g, "mountain")  # noqa: E731
        own = cal.fit_profile([first], model="mountain").profile
        pred = {
            "mountain": _grade_time(a, b, mountain, tired),
            "mountain_f0": _grade_time(a, b, mountain, fresh),
            "profile": cal.predict(own, second, start_elapsed_s=first.moving_s).moving_s,
        }
    pred |= {
        "minetti": _grade_time(a, b, lambda g: pace.cost_ratio(g, "minetti"), fresh),
        "tobler": _grade_time(a, b, lambda g: pace.cost_ratio(g, "tobler"), fresh),
        "avg_pace": first.moving_s / first.distance_m * second.distance_m,
        "naismith": first.moving_s / naismith_s(first) * naismith_s(second),
    }
    out = {m: v / second.moving_s - 1.0 for m, v in pred.items()}
    out["fatigue_per_h"] = k
    return out


def steep_lines(data_dir: Path, *, stop_speed_m_s: float = cal.STOP_SPEED_M_S) -> list[cal.Line]:
    """Prepared steep recordings, sorted by file name."""
    folder = data_dir / "tracks" / "steep"
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in (".gpx", ".tcx", ".fit"))
    return [cal.prepare(read_track(p), stop_speed_m_s=stop_speed_m_s) for p in files]


def run_variant(data_dir: Path, variant: Variant, *, quick: bool = False) -> dict:
    """Both steep protocols under one variant: rows, summary and the curve's targets.

    Parameters
    ----------
    data_dir : Path
        Folder holding ``tracks/steep``.
    variant : Variant
        Preparation and fitting settings.
    quick : bool
        One recording left out instead of all twelve (for tests).

    Returns
    -------
    dict
        ``rows``, ``summary`` (median and p90 per protocol and method, bootstrap
        comparisons of ``mountain`` against each baseline), ``curve`` (the descent and
        per-band targets of the curve fitted on all 12) and ``fatigue_per_h``.
    """
    lines = steep_lines(data_dir, stop_speed_m_s=variant.stop_speed_m_s)
    everything = cf.pieces(lines)
    full = cf.fit_curve(everything, loss=variant.loss)
    rows = []
    for line in lines:
        first, second = line.split(0.5)
        err = steep_errors(first, second, full, pieces=variant.pieces)
        rows.append(_steep_row("steep_half", line.name, first, second, err))
    for line in lines[:1] if quick else lines:
        first, second = line.split(0.5)
        fit = cf.fit_curve(everything.without(line.name), loss=variant.loss)
        err = steep_errors(first, second, fit, pieces=variant.pieces)
        rows.append(_steep_row("steep_loo", line.name, first, second, err))
    return {
        "rows": rows,
        "summary": _steep_summary(rows),
        "curve": _curve_targets(everything, full),
        "fatigue_per_h": full.fatigue_per_h,
    }


def run_steep(
    data_dir: Path, *, quick: bool = False, variants: Sequence[str] = DEFAULT_VARIANTS
) -> dict:
    """Every named variant (:data:`VARIANTS`), and the paired comparisons between them.

    Returns
    -------
    dict
        ``variants`` (name to :func:`run_variant`'s result) and ``pairs`` (``mountain``
        of one variant against another on the same measured times).
    """
    out = {name: run_variant(data_dir, VARIANTS[name], quick=quick) for name in variants}
    pairs: dict[str, dict] = {}
    for a, b in PAIRS:
        if a in out and b in out:
            pairs[f"{a} - {b}"] = {
                protocol: {
                    q: compare(
                        [r["mountain"] for r in out[a]["rows"] if r["protocol"] == protocol],
                        [r["mountain"] for r in out[b]["rows"] if r["protocol"] == protocol],
                        q=qv,
                    )
                    for q, qv in (("median", 50.0), ("p90", 90.0))
                }
                for protocol in ("steep_half", "steep_loo")
            }
    return {"variants": out, "pairs": pairs}


def _steep_row(protocol: str, name: str, first: cal.Line, second: cal.Line, err: dict) -> dict:
    return {
        "protocol": protocol,
        "track": name,
        "moving_h": round(second.moving_s / 3600.0, 2),
        "start_h": round(first.moving_s / 3600.0, 2),
        **{m: round(100.0 * err[m], 1) for m in SHOWN},
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
            for m in SHOWN
        }
        versus = {
            m: {
                q: compare([r["mountain"] for r in sel], [r[m] for r in sel], q=qv)
                for q, qv in (("median", 50.0), ("p90", 90.0))
            }
            for m in (*STEEP_BASELINES, "profile")
        }
        met = stats["mountain"]["median"] <= STEEP_TARGET_PCT
        out[protocol] = {"n": len(sel), "stats": stats, "versus": versus, "target_met": met}
    return out


def _curve_targets(p: cf.Pieces, fit: cf.CurveFit) -> dict:
    steep_down = np.linspace(-0.45, -0.25, 201)
    fastest = float(fit.speed_ratio(steep_down).max())
    gaps = []
    for centre, med, n in cf.band_medians(p, [c / 100.0 for c in range(-35, 40, 5)]):
        if np.isfinite(med):
            gaps.append((centre, round(float(fit.speed_ratio(np.array(centre))) - med, 3), n))
    worst = max(abs(g) for _, g, _ in gaps)
    return {
        "fastest_ratio_at_or_below_-25pct": round(fastest, 3),
        "descents_slower_than_flat": fastest < 1.0,
        "band_gaps": gaps,
        "largest_gap": round(worst, 3),
        "bands_within_0.1": worst <= 0.1,
    }


def _cells(c: dict) -> str:
    return (
        f"{c['diff']:+.1f} [{c['lo']:+.1f}, {c['hi']:+.1f}] "
        f"({c['p_lower']:.0%}; p {c['sign_p']:.2f})"
    )


def print_steep(result: dict) -> None:
    """Print every variant's rows and summary, then the variant-against-variant table."""
    head = ["protocol", "track", "start_h", "moving_h", *SHOWN]
    versus = (*STEEP_BASELINES, "profile")
    for name, res in result["variants"].items():
        print(f"Steep set, variant {name}: signed error of the second half's moving time, %:")
        print("| " + " | ".join(head) + " |")
        print("|" + "---|" * len(head))
        for r in res["rows"]:
            print("| " + " | ".join(str(r[h]) for h in head) + " |")
        print()
        print(f"| {name}: |e| %, median / p90 | n | " + " | ".join(SHOWN) + " | target |")
        print("|" + "---|" * (len(SHOWN) + 3))
        for protocol, s in res["summary"].items():
            cells = [f"{s['stats'][m]['median']} / {s['stats'][m]['p90']}" for m in SHOWN]
            met = "met" if s["target_met"] else "not met"
            print(f"| {protocol} | {s['n']} | " + " | ".join(cells) + f" | {met} |")
        print()
        print(
            f"{name}: mountain minus the other method, points [90 % paired bootstrap] "
            "(share of draws where mountain is lower; sign test p):"
        )
        print("| protocol | statistic | " + " | ".join(versus) + " |")
        print("|---|---|" + "---|" * len(versus))
        for protocol, s in res["summary"].items():
            for q in ("median", "p90"):
                cells = [_cells(s["versus"][m][q]) for m in versus]
                print(f"| {protocol} | {q} | " + " | ".join(cells) + " |")
        c = res["curve"]
        print(
            f"\n{name}: curve on all 12: fatigue {100 * res['fatigue_per_h']:.2f} %/h after "
            f"{pace.FATIGUE_ONSET_H:g} h; fastest ratio at -25 % or steeper "
            f"{c['fastest_ratio_at_or_below_-25pct']} (slower than flat: "
            f"{'yes' if c['descents_slower_than_flat'] else 'no'}); largest |curve - "
            f"recordings' median| from -35 % to +35 %: {c['largest_gap']} (within 0.1: "
            f"{'yes' if c['bands_within_0.1'] else 'no'})\n"
        )
    for pair, by in result["pairs"].items():
        print(f"mountain, variant {pair}, points [90 % paired bootstrap]:")
        for protocol, qs in by.items():
            print(f"| {protocol} | " + " | ".join(f"{q} {_cells(c)}" for q, c in qs.items()) + " |")
