"""`routeplanner pace`: fit a runner profile to recordings, predict a line's time."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

import click

from routeplanner import units
from routeplanner.cli._common import Ctx, Writer, echo_json, log
from routeplanner.cli._outputs import check_inputs, force_option, output_path
from routeplanner.cli.options import common_options
from routeplanner.errors import CoverageError, InputError

if TYPE_CHECKING:
    from routeplanner.pace.fitting import ClassOf

__all__ = ["fit", "pace_group", "predict"]

_MODELS = (
    "mountain",
    "minetti",
    "tobler",
)  # routeplanner.pace.MODELS, without importing numpy for --help


@click.group(name="pace")
@common_options
def pace_group() -> None:
    """Fit your own pace profile from recordings, and predict times with it."""


def _check_out(click_ctx: click.Context, param: click.Parameter, value: str | None) -> Path | None:
    """Check ``--out`` through the output policy, before any recording is read."""
    if value is not None and Path(value).suffix.lower() != ".toml":
        raise click.BadParameter(f"{value!r}: a profile is a .toml file", click_ctx, param)
    return output_path(click_ctx, param, value)


def _class_of(osm: str | None, dem: tuple[str, ...]) -> ClassOf | None:
    if osm is None:
        return None
    from routeplanner.network.build import load_network
    from routeplanner.pace.fitting import network_class_of

    if not dem:
        raise InputError("--osm needs --dem (the network is built with elevations)")
    return network_class_of(load_network(Path(osm), [Path(d) for d in dem]))


@pace_group.command(name="fit")
@click.argument("runs", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option(
    "--out",
    type=click.Path(dir_okay=False),
    callback=_check_out,
    help="Write the profile (TOML) here; never over an input, nor over a file this "
    "command did not write unless --force.",
)
@force_option
@click.option("--json", "as_json", is_flag=True, help="Print the fit as JSON.")
@click.option(
    "--model",
    type=click.Choice(["auto", *_MODELS]),
    default="auto",
    show_default=True,
    help="Grade model to correct; auto picks the one that fits better.",
)
@click.option("--max-difficulty", default="T6", show_default=True, help="Stored in the profile.")
@click.option("--osm", type=click.Path(dir_okay=False), help="OSM file to fit the trail factor.")
@click.option("--dem", multiple=True, type=click.Path(dir_okay=False), help="DEM for --osm.")
@common_options
@click.pass_obj
def fit(
    ctx: Ctx,
    runs: tuple[str, ...],
    out: Path | None,
    as_json: bool,
    model: str,
    max_difficulty: str,
    osm: str | None,
    dem: tuple[str, ...],
) -> None:
    """Fit a runner profile to recorded RUNS (.gpx, .tcx, .fit)."""
    from routeplanner import pace
    from routeplanner.pace import fitting as cal
    from routeplanner.pace.profile_file import profile_toml
    from routeplanner.pace.spread import spread_warning
    from routeplanner.sources.tracks import read_track

    difficulty = units.parse_difficulty(max_difficulty)
    check_inputs(*runs)
    seen: dict[Path, str] = {}
    for run in runs:
        if (key := Path(run).resolve()) in seen:
            raise InputError(f"{run} is given twice ({seen[key]}): each recording counts once")
        seen[key] = run
    tracks = [read_track(r) for r in runs]
    class_of = _class_of(osm, dem)
    lines = [cal.prepare(t, class_of=class_of) for t in tracks]
    result = cal.fit_profile(lines, model=model, max_difficulty=difficulty)
    for note in result.notes:
        log.info("%s", note)
    p = result.profile
    summary = {
        "flat_pace_s_per_km": p.flat_pace_s_per_km,
        "flat_pace": units.format_pace(p.flat_pace_s_per_km),
        "model": p.model,
        "tracks": list(result.tracks),
        "moving_s": round(result.moving_s, 1),
        "distance_m": round(result.distance_m, 1),
        "ascent_m": round(result.ascent_m, 1),
        "grades": list(pace.GRADE_KNOTS),
        "grade_correction": list(p.grade_correction or ()),
        "trail_factor": p.trail_factor,
        "fatigue_per_h": p.fatigue_per_h,
        "fatigue_until_h": p.fatigue_until_h,
        "day_spread": p.day_spread,
        "spread_recordings": p.spread_recordings,
        "spread_warning": spread_warning(p),
        "grade_prior_m": result.prior_m if math.isfinite(result.prior_m) else None,
        "chunk_residual_pct": round(result.residual_pct, 1),
        "stop_gap_s": cal.STOP_GAP_S,
        "stop_speed_m_s": cal.STOP_SPEED_M_S,
        "notes": list(result.notes),
    }
    if out is not None:
        fit_info = {k: summary[k] for k in ("tracks", "moving_s", "distance_m", "ascent_m")}
        fit_info["stop_gap_s"] = cal.STOP_GAP_S
        fit_info["stop_speed_m_s"] = cal.STOP_SPEED_M_S
        fit_info["chunk_residual_pct"] = summary["chunk_residual_pct"]
        fit_info["grade_prior_m"] = summary["grade_prior_m"] or "none: plain model kept"
        text = profile_toml(p, fit=fit_info, band_m=result.band_m, notes=result.notes)
        w = Writer()
        w.add(out, text)
        w.commit()
        summary["out"] = str(out)
    if summary["spread_warning"]:
        log.warning("%s", summary["spread_warning"])
    if as_json:
        echo_json(summary)
    elif not ctx.quiet:
        hours = result.moving_s / 3600.0
        click.echo(
            f"flat pace {summary['flat_pace']}/km ({p.model}), fatigue "
            f"{p.fatigue_per_h * 100:+.1f} %/h, from {len(tracks)} recording(s), "
            f"{result.distance_m / 1000:.1f} km, {hours:.2f} h moving"
        )
        if p.day_spread is not None:
            click.echo(
                f"your days differ by about {p.day_spread * 100:.0f} % (one standard "
                f"deviation of the whole time, over {p.spread_recordings} recordings)"
            )

        if out is not None:
            click.echo(f"wrote {out}")


@pace_group.command(name="predict")
@click.argument("line", type=click.Path(dir_okay=False))
@click.option(
    "--profile",
    "profile_path",
    required=True,
    type=click.Path(dir_okay=False),
    help="Runner profile TOML from `routeplanner pace fit`.",
)
@click.option(
    "--dem",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="Take elevations from this DEM instead of the file's; repeat for tiles.",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print {moving_s, distance_m, ascent_m, moving_s_range, range_share_of_days}.",
)
@common_options
@click.pass_obj
def predict(ctx: Ctx, line: str, profile_path: str, dem: tuple[str, ...], as_json: bool) -> None:
    """Predict the moving time of LINE (.gpx track or route, .tcx, .fit)."""
    from routeplanner.pace import RunnerProfile
    from routeplanner.pace import fitting as cal
    from routeplanner.pace.spread import DAY_SHARE, spread_warning, time_range_s
    from routeplanner.sources.tracks import read_track

    profile = RunnerProfile.from_toml(profile_path)
    track = read_track(line, require_times=False)
    ele = None
    if dem:
        from routeplanner.sources.dem import open_dem

        pad = 0.005  # a line along a parallel or meridian has a flat bbox
        bbox = (
            float(track.lon.min()) - pad,
            float(track.lat.min()) - pad,
            float(track.lon.max()) + pad,
            float(track.lat.max()) + pad,
        )
        import numpy as np

        ele = open_dem(list(dem), bbox=bbox).sample(track.lon, track.lat)
        if not np.isfinite(ele).all():
            raise CoverageError(f"{track.name}: the line leaves the DEM ({', '.join(dem)})")
    # The whole line counts: a gap in a recording is still ground to cover.
    prepared = cal.prepare(track, ele_m=ele, stop_gap_s=float("inf"), stop_speed_m_s=0.0)
    result = cal.predict(profile, prepared)
    span = time_range_s(profile, result.moving_s)
    out = {
        "moving_s": round(result.moving_s, 1),
        "distance_m": round(result.distance_m, 1),
        "ascent_m": round(result.ascent_m, 1),
        "moving_s_range": None if span is None else [round(t, 1) for t in span],
        "range_share_of_days": DAY_SHARE,
        "range_warning": spread_warning(profile),
    }
    if out["range_warning"]:
        log.warning("%s", out["range_warning"])
    if as_json:
        echo_json(out)
    elif not ctx.quiet:
        most = (
            ""
            if span is None
            else f" ({DAY_SHARE:.0%} of days: {units.format_duration(span[0])} to "
            f"{units.format_duration(span[1])})"
        )
        click.echo(
            f"{units.format_duration(result.moving_s)} moving{most} for "
            f"{result.distance_m / 1000:.2f} km and {result.ascent_m:.0f} m of ascent"
        )
