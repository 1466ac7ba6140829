"""`routeplanner workout`: workouts built on climbs and descents (`workout repeats`)."""

from __future__ import annotations

import dataclasses

import click

from routeplanner.cli import _places
from routeplanner.cli._common import (
    Ctx,
    _emit,
    _load,
    _output_options,
    _outputs,
    _profile,
    _region_options,
    _runner_options,
    _status,
    cli,
)
from routeplanner.cli.climbs import segment_request
from routeplanner.errors import InputError

__all__ = ["repeats", "workout"]


@cli.group()
def workout() -> None:
    """Workouts on climbs and descents."""


@workout.command()
@_region_options
@click.option("--segment", "segment_id", help="Segment id from `climbs` or `descents`.")
@click.option("--near", help="Find the segment near LAT,LON (instead of --segment).")
@click.option(
    "--kind",
    type=click.Choice(["climb", "descent"]),
    default="climb",
    show_default=True,
    help="With --near: repeat a climb (run up) or a descent (run down).",
)
@click.option("--within", default="3km", show_default=True, help="With --near: search radius.")
@click.option(
    "--grade",
    default="8-50%",
    show_default=True,
    help="With --near: mean-grade window (15-30%, 9-17deg, skin-track, vk …).",
)
@click.option(
    "--min-gain",
    "min_rise",
    default="30m",
    show_default=True,
    help="With --near: smallest gain (or loss).",
)
@click.option(
    "--minutes",
    default="2-12",
    show_default=True,
    help="With --near: window on the time of one effort.",
)
@click.option(
    "--trails-only", is_flag=True, help="With --near: only segments at least 80% on trails."
)
@click.option("--reps", default=4, show_default=True, type=int, help="Number of efforts.")
@click.option("--start", help="Start and finish as LAT,LON (default: --near).")
@_runner_options()
@_output_options
@click.pass_obj
def repeats(
    ctx: Ctx,
    region,
    osm,
    dem,
    bbox,
    place,
    data_dir,
    online,
    no_cache,
    segment_id,
    near,
    kind,
    within,
    grade,
    min_rise,
    minutes,
    trails_only,
    reps,
    start,
    pace_text,
    model,
    max_difficulty,
    out,
    gpx,
    geojson,
    as_json,
    offline,
) -> None:
    """Run to a climb or descent, do N repeats (effort and way back), and return.

    With --near, the segment is the quickest to reach of the five that best fit
    the request.  Reports the total time and the time of one repeat.
    """
    from routeplanner.search.segments import map_segment, parse_segment_id, segment_by_id
    from routeplanner.search.workouts import (
        MAX_REPS,
        plan_repeats,
        plan_repeats_near,
        workout_line,
    )

    if (segment_id is None) == (near is None):
        raise InputError("give either --segment ID or --near LAT,LON (one of them)")
    if not 1 <= reps <= MAX_REPS:
        raise InputError(f"invalid --reps {reps}: must be 1 to {MAX_REPS}")
    if start is None and near is None:
        raise InputError("--start LAT,LON is needed with --segment")
    start_text = start if start is not None else near
    _places.early_point(start_text)
    near_named = near is not None and _places.early_point(near) is None
    if segment_id is not None:
        parse_segment_id(segment_id)  # fail on a malformed id before loading data
    req = None
    if near is not None:
        near_text = "0,0" if near_named else near
        req = segment_request(kind, near_text, within, grade, min_rise, minutes, 10, trails_only)
    profile = _profile(pace_text, model, max_difficulty)
    outs = _outputs(out=out, gpx=gpx, geojson=geojson)
    loaded = _load(ctx, region, osm, dem, bbox, place, data_dir, online, no_cache)
    here = _places.resolve(start_text, loaded)
    start_pt = (here.lon, here.lat)
    if req is not None and near is not None:
        req = dataclasses.replace(req, near=_places.resolve(near, loaded)[2:4])
    with _status(ctx, "planning the workout"):
        if req is not None:
            work = plan_repeats_near(loaded.net, start_pt, req, profile, reps, dem=loaded.dem())
        else:
            seg = segment_by_id(loaded.net, segment_id, profile)
            work = plan_repeats(loaded.net, start_pt, seg, profile, reps)
    seg = work.segment
    title = f"{reps} × {seg.kind} repeats on {seg.name} from {here.name}"
    _emit(
        ctx,
        [work.route],
        loaded,
        outs,
        title=title,
        as_json=as_json,
        offline=offline,
        extra_features=[seg.feature()],
        segments=[map_segment(seg, "1")],
        extra={"workout": work.summary(), "segment": seg.properties()},
    )
    if not as_json and not ctx.quiet:
        click.echo(f"{seg.kind} {seg.id} ({seg.name}): {seg.summary_line()}")
        click.echo(f"  {workout_line(work)}")
