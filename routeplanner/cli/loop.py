"""`routeplanner loop`: loops that take a target time."""

from __future__ import annotations

import time

import click

from routeplanner import pace
from routeplanner.cli import _places
from routeplanner.cli._common import (
    Ctx,
    _emit,
    _load,
    _loop_options,
    _output_options,
    _outputs,
    _parse_tolerance,
    _profile,
    _region_options,
    _status,
    cli,
    log,
)
from routeplanner.cli.climbs import loop_segment_args, loop_segment_options, plan_segment_loop


@cli.command()
@_region_options
@_loop_options
@loop_segment_options
@_output_options
@click.pass_obj
def loop(
    ctx: Ctx,
    region,
    osm,
    dem,
    bbox,
    place,
    data_dir,
    online,
    no_cache,
    start,
    duration,
    pace_text,
    model,
    max_difficulty,
    tolerance,
    alternatives,
    seed,
    include_climbs,
    climb_grade,
    climb_min_gain,
    include_descent,
    descent_grade,
    descent_minutes,
    out,
    gpx,
    geojson,
    as_json,
    offline,
) -> None:
    """Plan a loop that takes a target time."""
    from routeplanner.search.loops import LoopRequest, find_loops

    _places.early_point(start)
    profile = _profile(pace_text, model, max_difficulty)
    request = LoopRequest(
        pace.parse_duration(duration),
        tolerance=_parse_tolerance(tolerance),
        alternatives=alternatives,
        seed=seed,
    )
    seg_args = loop_segment_args(
        include_climbs, climb_grade, climb_min_gain, include_descent, descent_grade, descent_minutes
    )
    outs = _outputs(out=out, gpx=gpx, geojson=geojson)
    loaded = _load(ctx, region, osm, dem, bbox, place, data_dir, online, no_cache)
    here = _places.resolve(start, loaded)
    lon, lat = here.lon, here.lat
    t0 = time.perf_counter()
    extra_features, segments, extra = [], [], {}
    with _status(ctx, "searching loops"):
        if seg_args is None:
            routes = find_loops(loaded.net, (lon, lat), profile, request)
        else:
            routes, extra_features, segments, extra = plan_segment_loop(
                loaded, (lon, lat), profile, request, seg_args
            )
    elapsed = time.perf_counter() - t0
    for r in routes:
        for wmsg in r.warnings:
            log.warning("%s: %s", r.name, wmsg)
    title = f"{pace.format_duration(request.duration_s)} loop from {here.name}"
    _emit(
        ctx,
        routes,
        loaded,
        outs,
        title=title,
        as_json=as_json,
        offline=offline,
        extra_features=extra_features,
        segments=segments,
        extra={"search_s": round(elapsed, 3), **extra},
    )
