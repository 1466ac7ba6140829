"""`routeplanner loop`: loops that take a target time."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import click

from routeplanner import units
from routeplanner.cli import _places
from routeplanner.cli._common import Ctx, SegmentsShown, emit, load, log, status
from routeplanner.cli._exports import writes_courses
from routeplanner.cli._safety import route_outputs
from routeplanner.cli.options import (
    BriefOptions,
    LoopOptions,
    OutputOptions,
    RegionOptions,
    RunnerOptions,
    brief_options,
    loop_options,
    loop_segment_options,
    region_options,
    report_missed,
    runner_options,
)

__all__ = ["loop"]


@click.command()
@region_options
@loop_options
@runner_options()
@loop_segment_options
@brief_options
@route_outputs
def loop(
    ctx: Ctx,
    src: RegionOptions,
    target: LoopOptions,
    runner: RunnerOptions,
    segs: dict[str, Any] | None,
    brief: BriefOptions,
    output: OutputOptions,
) -> None:
    """Plan a loop that takes a target time."""
    from routeplanner.output.bundle import course_name
    from routeplanner.search.loops import find_loops

    profile = runner.profile(target.duration_s)
    request = replace(target.request(), constraints=brief.constraints())
    loaded = load(ctx, src)
    here = _places.resolve(target.start, loaded)
    start = (here.lon, here.lat)
    t0 = time.perf_counter()
    features: list[dict[str, Any]] = []
    marks: list[Any] = []
    extra: dict[str, Any] = {}
    with status(ctx, "searching loops"):
        if segs is None:
            routes = find_loops(loaded.net, start, profile, request)
            if 1 < request.alternatives and len(routes) < request.alternatives:
                log.warning(
                    "found %d really different loops of the %d asked for",
                    len(routes),
                    request.alternatives,
                )
        else:
            from routeplanner.output.bundle import map_segment, segment_feature
            from routeplanner.search.segment_loops import SegmentLoopOptions, plan_segment_loop

            plan = plan_segment_loop(
                loaded.net,
                start,
                profile,
                request,
                SegmentLoopOptions(**segs),
                dem=loaded.dem(),
            )
            routes = list(plan.routes)
            features = [segment_feature(s) for s in plan.segments]
            marks = [map_segment(s, str(i + 1)) for i, s in enumerate(plan.segments)]
            extra = {"segments": [s.properties() for s in plan.segments]}
    elapsed = time.perf_counter() - t0
    for r in routes:
        for wmsg in r.warnings:
            log.warning("%s: %s", r.name, wmsg)
    title = f"{units.format_duration(request.duration_s)} loop from {here.name}"
    names = []
    if writes_courses(output.gpx):  # the place is looked up only for a course to name
        place = _places.place_name(here, loaded)
        shapes = [r.outcome.shape if r.outcome else r.kind for r in routes]
        names = [course_name(place, k, request.duration_s, i) for i, k in enumerate(shapes, 1)]
    emit(
        ctx,
        routes,
        loaded,
        output,
        title=title,
        with_segments=SegmentsShown(features, marks),
        extra={"search_s": round(elapsed, 3), **extra},
        names=names,
    )
    report_missed(routes, as_json=output.as_json, accept_closest=brief.accept_closest)
