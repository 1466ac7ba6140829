"""Fit the default grade-speed curve and fatigue term to the steep recordings.

Reads ``tracks/steep/`` of the sample data, fits
:func:`routeplanner.pace.curve_fit.fit_curve` and prints:

* the knots to paste into :data:`routeplanner.pace.model.MOUNTAIN_KNOTS` (grade, log
  time ratio, and scipy's PCHIP slope there);
* the fatigue slope after the onset, with a 90 % interval from a bootstrap over
  recordings (the slope unbounded below, to show which way the data lean);
* per grade band: the recordings' median speed ratio (piece speed over the same
  recording's median speed on pieces within +-3 %), how many pieces, the curve's
  ratio and the difference (issue 28's target: within 0.1 from -35 % to +35 %).

With ``--plot DIR`` it also draws ``grade_curve.png`` (pieces and band quartiles
against the curve, Minetti and Tobler) and ``fatigue.png`` (each recording's
moving time per hour over what the curve predicts, against the fitted term).
matplotlib is needed only for ``--plot``; it is not a dependency of the package
(``pip install matplotlib``).

Usage::

    .venv/bin/python scripts/fit_grade_curve.py [--data-dir ../shared/data] [--plot docs]
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from routeplanner import pace
from routeplanner.pace import curve_fit as cf
from routeplanner.pace import fitting as cal
from routeplanner.sources.tracks import read_track

BANDS = tuple(round(c / 100.0, 2) for c in range(-40, 45, 5))
TARGET_RANGE = (-0.35, 0.35)
TARGET_GAP = 0.1
BOOT_DRAWS = 200
BOOT_SEED = 28


def steep_lines(data_dir: Path) -> list[cal.Line]:
    """Prepared steep recordings, sorted by file name."""
    folder = data_dir / "tracks" / "steep"
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in (".gpx", ".tcx", ".fit"))
    return [cal.prepare(read_track(p)) for p in files]


def knots_text(fit: cf.CurveFit) -> str:
    """The MOUNTAIN_KNOTS tuple of a fit, as Python source."""
    from scipy.interpolate import PchipInterpolator

    slopes = PchipInterpolator(fit.grades, fit.log_ratio).derivative()(fit.grades)
    rows = [
        f"    ({g}, {h}, {round(float(d), 4)}),"
        for g, h, d in zip(fit.grades, fit.log_ratio, slopes, strict=True)
    ]
    return "MOUNTAIN_KNOTS = (\n" + "\n".join(rows) + "\n)"


def band_table(p: cf.Pieces, ratio_of: object) -> list[dict]:
    """Recordings' median ratio per band against a curve (``ratio_of(grades)``)."""
    rows = []
    for centre, med, n in cf.band_medians(p, BANDS):
        curve = float(ratio_of(np.array(centre)))  # type: ignore[operator]
        rows.append(
            {
                "grade": centre,
                "median": None if not np.isfinite(med) else round(med, 3),
                "pieces": n,
                "curve": round(curve, 3),
                "gap": None if not np.isfinite(med) else round(curve - med, 3),
            }
        )
    return rows


def fatigue_interval(p: cf.Pieces, fit: cf.CurveFit) -> tuple[float, float, float]:
    """Unbounded fatigue slope on the fitted curve, with a 90 % bootstrap interval."""
    grades = np.asarray(fit.grades)
    from scipy.interpolate import PchipInterpolator

    fresh = p.length_m / 1000.0 * np.exp(PchipInterpolator(grades, fit.log_ratio)(p.grade))
    onset, until = fit.onset_h * 3600.0, float(p.elapsed_s.max())

    def slope(sel: np.ndarray) -> float:
        sub = cf.Pieces(
            p.rec[sel], p.grade[sel], p.length_m[sel], p.time_s[sel], p.elapsed_s[sel], p.names
        )
        return cf.fatigue_slope(sub, fresh[sel], onset, until, lower=-0.2)

    everything = slope(np.ones(len(p.rec), dtype=bool))
    rng = np.random.default_rng(BOOT_SEED)
    n = len(p.names)
    draws = []
    for _ in range(BOOT_DRAWS):
        pick = rng.integers(0, n, n)
        # A recording drawn twice counts twice: repeat its pieces under a new index.
        parts = [np.flatnonzero(p.rec == r) for r in pick]
        idx = np.concatenate(parts)
        rec = np.concatenate([np.full(len(x), j) for j, x in enumerate(parts)])
        sub = cf.Pieces(
            rec,
            p.grade[idx],
            p.length_m[idx],
            p.time_s[idx],
            p.elapsed_s[idx],
            tuple(str(j) for j in range(n)),
        )
        draws.append(cf.fatigue_slope(sub, fresh[idx], onset, until, lower=-0.2))
    lo, hi = np.percentile(draws, [5, 95])
    return everything, float(lo), float(hi)


def plot(p: cf.Pieces, fit: cf.CurveFit, out_dir: Path) -> list[Path]:
    """Draw the curve against the recordings and the fatigue figure."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out_dir.mkdir(parents=True, exist_ok=True)
    bands = cf.band_medians(p, BANDS)
    flat = np.full(len(p.names), np.nan)
    for r in range(len(p.names)):
        sel = (p.rec == r) & (np.abs(p.grade) <= 0.03)
        if sel.sum() >= 5:
            flat[r] = np.median(p.speed_m_s[sel])
    ratio = p.speed_m_s / flat[p.rec]
    g = np.linspace(-0.45, 0.45, 361)
    fig, ax = plt.subplots(figsize=(8, 5), dpi=110)
    ok = np.isfinite(ratio)
    ax.scatter(100 * p.grade[ok], ratio[ok], s=4, alpha=0.25, color="0.5", label="200 m pieces")
    q = []
    for c, _, _ in bands:
        sel = ok & (np.abs(p.grade - c) <= cf.BAND_HALF_WIDTH)
        if sel.sum() >= 3:
            q.append((c, *np.percentile(ratio[sel], [25, 50, 75])))
    qa = np.array(q)
    ax.errorbar(
        100 * qa[:, 0],
        qa[:, 2],
        yerr=[qa[:, 2] - qa[:, 1], qa[:, 3] - qa[:, 2]],
        fmt="o",
        color="black",
        capsize=3,
        label="band median and quartiles",
    )
    styles = {
        "mountain": (2.5, "-", "#d7301f", "mountain (default)"),
        "minetti": (1.2, "--", "#2b8cbe", "minetti (capped)"),
        "tobler": (1.2, ":", "#31a354", "tobler"),
    }
    for model, (lw, ls, color, label) in styles.items():
        ax.plot(100 * g, pace.speed_ratio(g, model), lw=lw, ls=ls, color=color, label=label)
    ax.axhline(1.0, color="0.3", lw=0.6)
    ax.set_xlim(-45, 45)
    ax.set_ylim(0, 1.6)
    ax.set_xlabel("grade, % (+ uphill)")
    ax.set_ylabel("speed / same recording's flat speed")
    ax.set_title(f"Grade-speed curve: {len(p.names)} steep recordings, {len(p.rec)} pieces")
    ax.legend(loc="upper right", fontsize=8)
    ax.grid(alpha=0.3)
    curve_png = out_dir / "grade_curve.png"
    fig.tight_layout()
    fig.savefig(curve_png)
    plt.close(fig)

    # Fatigue: per recording and hour, recorded over predicted moving time (curve and
    # the recording's fitted level), against the fitted term.
    grades = np.asarray(fit.grades)
    from scipy.interpolate import PchipInterpolator

    fresh = p.length_m / 1000.0 * np.exp(PchipInterpolator(grades, fit.log_ratio)(p.grade))
    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=110)
    level = np.asarray(fit.level_s_per_km)
    for r, name in enumerate(p.names):
        sel = p.rec == r
        hour = (p.elapsed_s[sel] // 3600).astype(int)
        obs = np.bincount(hour, p.time_s[sel])
        pred = np.bincount(hour, fresh[sel]) * level[r]
        keep = pred > 0
        ax.plot(
            np.arange(len(obs))[keep] + 0.5,
            obs[keep] / pred[keep],
            marker="o",
            ms=3,
            lw=0.8,
            alpha=0.7,
            label=Path(name).stem[:28],
        )
    t = np.linspace(0, fit.until_h, 100)
    term = 1 + fit.fatigue_per_h * np.clip(t - fit.onset_h, 0, None)
    ax.plot(
        t,
        term,
        color="black",
        lw=2.5,
        label=f"fitted: +{100 * fit.fatigue_per_h:.1f} %/h after {fit.onset_h:g} h",
    )
    ax.axvline(fit.onset_h, color="0.4", ls="--", lw=0.8)
    ax.set_xlabel("moving hours")
    ax.set_ylabel("recorded / predicted moving time")
    ax.set_ylim(0.3, 3.0)
    ax.set_yscale("log")
    ax.set_yticks([0.5, 0.7, 1.0, 1.5, 2.0, 3.0], ["0.5", "0.7", "1", "1.5", "2", "3"])
    ax.minorticks_off()
    ax.set_title("Time on feet: each recording's hours against the curve")
    ax.legend(fontsize=6, ncol=3, loc="upper left")
    ax.grid(alpha=0.3)
    fatigue_png = out_dir / "fatigue.png"
    fig.tight_layout()
    fig.savefig(fatigue_png)
    plt.close(fig)
    return [curve_png, fatigue_png]


def main(argv: Sequence[str] | None = None) -> int:
    """Fit, print the constants and the band table, optionally plot."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    env = os.environ.get("ROUTEPLANNER_DATA_DIR")
    default = Path(env) if env else Path(__file__).resolve().parents[1].parent / "shared" / "data"
    ap.add_argument("--data-dir", type=Path, default=default)
    ap.add_argument("--plot", type=Path, help="folder for grade_curve.png and fatigue.png")
    args = ap.parse_args(argv)
    p = cf.pieces(steep_lines(args.data_dir))
    fit = cf.fit_curve(p)
    print(f"{len(p.names)} recordings, {len(p.rec)} pieces of {cf.PIECE_M:g} m")
    print(knots_text(fit))
    k, lo, hi = fatigue_interval(p, fit)
    print(
        f"fatigue after {fit.onset_h:g} h: {100 * fit.fatigue_per_h:+.2f} %/h shipped "
        f"(unbounded {100 * k:+.2f} %/h, 90 % bootstrap over recordings "
        f"[{100 * lo:+.2f}, {100 * hi:+.2f}]), fitted up to {fit.until_h:g} h"
    )
    print()
    print("| grade % | recordings' median | pieces | mountain | gap | minetti | tobler |")
    print("|---|---|---|---|---|---|---|")
    worst = 0.0
    for row in band_table(p, pace.speed_ratio):
        c = row["grade"]
        med = "n/a" if row["median"] is None else f"{row['median']:.2f}"
        gap = "" if row["gap"] is None else f"{row['gap']:+.2f}"
        if row["gap"] is not None and TARGET_RANGE[0] <= c <= TARGET_RANGE[1]:
            worst = max(worst, abs(row["gap"]))
        mi = float(pace.speed_ratio(c, "minetti"))
        to = float(pace.speed_ratio(c, "tobler"))
        print(
            f"| {100 * c:+.0f} | {med} | {row['pieces']} | {row['curve']:.2f} | {gap} "
            f"| {mi:.2f} | {to:.2f} |"
        )
    met = "met" if worst <= TARGET_GAP else "not met"
    print(f"largest gap from -35 % to +35 %: {worst:.2f} (target <= {TARGET_GAP}: {met})")
    if args.plot:
        for path in plot(p, fit, args.plot):
            print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
