"""`routeplanner workout`: workouts built on climbs and descents (`workout repeats`)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import click

from routeplanner.cli import _places
from routeplanner.cli._common import Ctx, SegmentsShown, emit, load, status
from routeplanner.cli._exports import writes_courses
from routeplanner.cli._outputs import say
from routeplanner.cli._places import point_or_name
from routeplanner.cli._safety import route_outputs
from routeplanner.cli.climbs import SegmentOptions, segment_options, segment_request, with_near
from routeplanner.cli.options import (
    brief_options,
    common_options,
    grouped,
    option_named,
    parsed,
    region_options,
    report_missed,
    runner_options,
)
from routeplanner.errors import InputError

if TYPE_CHECKING:  # (the option groups, for the annotations)
    from routeplanner.cli.options import BriefOptions, OutputOptions, RegionOptions, RunnerOptions

__all__ = ["REPEAT_CLIMB_S", "REPEAT_DESCENT_S", "RepeatsOptions", "repeats", "workout"]

#: Default effort window of a repeated climb: 3-6 minutes, long enough to train
#: (80-200 m of gain at 20-30 % for a 5:00-6:00/km runner), short enough to repeat.
REPEAT_CLIMB_S = (180.0, 360.0)
#: Default running time of a practice descent.
REPEAT_DESCENT_S = (300.0, 600.0)


@dataclass(frozen=True)
class RepeatsOptions:
    """What ``workout repeats`` repeats: a segment by id or by kind near a point, how often.

    Attributes
    ----------
    segment_id : str or None
        ``--segment``: a segment id from ``climbs`` or ``descents``.
    kind : str
        ``--kind``: ``climb`` or ``descent`` (with ``--near``).
    reps : int
        ``--reps``: number of efforts.
    start : (lon, lat), str or None
        ``--start``: start and finish, a point or a place name.
    """

    segment_id: str | None
    kind: str
    reps: int
    start: tuple[float, float] | str | None = None


@click.group()
@common_options
def workout() -> None:
    """Workouts on climbs and descents."""


@workout.command()
@region_options
@click.option("--segment", "segment_id", help="Segment id from `climbs` or `descents`.")
@click.option(
    "--kind",
    type=click.Choice(["climb", "descent"]),
    default="climb",
    show_default=True,
    help="With --near: repeat a climb (run up) or a descent (run down).",
)
@segment_options("climb", near_required=False, within="3km", help_prefix="With --near: ")
@click.option("--reps", default=4, show_default=True, type=int, help="Number of efforts.")
@click.option(
    "--start",
    callback=parsed(point_or_name),
    help="Start and finish as LAT,LON or a place name (default: --near).",
)
@grouped("repeat", RepeatsOptions, ("segment_id", "kind", "reps", "start"))
@runner_options()
@brief_options
@route_outputs
def repeats(
    ctx: Ctx,
    /,
    src: RegionOptions,
    runner: RunnerOptions,
    brief: BriefOptions,
    output: OutputOptions,
    repeat: RepeatsOptions,
    segment: SegmentOptions,
) -> None:
    """Run to a climb or descent, do N repeats (effort and way back), and return.

    With --near, the segment is the quickest to reach of the five that best fit
    the request.  A repeat that trains is the default: a climb of 3-6 minutes'
    effort, a descent of 5-10 (--minutes changes it).  Reports the total time and
    the time of one repeat.  The way there and back is trail-first (--allow-roads
    lifts it; --trails-only keeps it off roads wherever a trail connects too), and
    the constraint options are checked on the whole workout: MISSED and exit 3
    unless --accept-closest.
    """
    from routeplanner.brief import Brief
    from routeplanner.output.bundle import course_name, map_segment, segment_feature
    from routeplanner.search.segments import parse_segment_id, segment_by_id
    from routeplanner.search.workouts import (
        ApproachOptions,
        check_reps,
        plan_repeats,
        plan_repeats_near,
        workout_line,
    )

    segment_id, kind, reps, start = repeat.segment_id, repeat.kind, repeat.reps, repeat.start
    near = segment.near
    if (segment_id is None) == (near is None):
        raise InputError("give either --segment ID or --near LAT,LON (one of them)")
    with option_named("--reps"):
        check_reps(reps)
    start_pt = start if start is not None else near
    if start_pt is None:
        raise InputError("--start LAT,LON is needed with --segment")
    if segment_id is not None:
        parse_segment_id(segment_id)  # fail on a malformed id before loading data
    if segment.minutes is None:  # an effort that trains (issue 30)
        segment = replace(segment, minutes=REPEAT_CLIMB_S if kind == "climb" else REPEAT_DESCENT_S)
    req = segment_request(kind, segment) if near is not None else None
    constraints = brief.constraints()
    prefs = brief.preferences()
    if segment.trails_only and not brief.allow_roads:
        from routeplanner.search.graph import TRAILS_ONLY

        prefs = TRAILS_ONLY  # the way there and back too, not only the segment
    profile = runner.profile()
    loaded = load(ctx, src)
    here = _places.resolve(start_pt, loaded)
    start_pt = (here.lon, here.lat)
    if req is not None:
        req, _near = with_near(req, near, loaded)
    with status(ctx, "planning the workout"):
        if req is not None:
            approach = ApproachOptions(prefs=prefs, brief=Brief(constraints))
            work = plan_repeats_near(
                loaded.net, start_pt, req, profile, reps, dem=loaded.dem(), approach=approach
            )
        else:
            seg = segment_by_id(loaded.net, str(segment_id), profile)
            work = plan_repeats(
                loaded.net, start_pt, seg, profile, reps, prefs=prefs, brief=Brief(constraints)
            )
    seg = work.segment
    title = f"{reps} × {seg.kind} repeats on {seg.name} from {here.name}"
    names = []
    if writes_courses(output.gpx):  # the place is looked up only for a course to name
        place = _places.place_name(here, loaded)
        names = [course_name(place, f"{reps} × {seg.kind}", work.route.stats.duration_s)]
    emit(
        ctx,
        [work.route],
        loaded,
        output,
        title=title,
        with_segments=SegmentsShown([segment_feature(seg)], [map_segment(seg, "1")]),
        extra={"workout": work.summary(), "segment": seg.properties()},
        names=names,
    )
    if not output.as_json:
        say(f"{seg.kind} {seg.id} ({seg.name}): {seg.summary_line()}")
        say(f"  {workout_line(work)}")
    report_missed([work.route], as_json=output.as_json, accept_closest=brief.accept_closest)
