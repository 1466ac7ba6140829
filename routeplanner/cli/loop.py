"""`routeplanner loop`: loops that take a target time."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

import click

from routeplanner import pace
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

#: Exit code of a plan that was written but missed the brief.
EXIT_MISSED = 3


def _constraint_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """Add the brief options: avoid roads, trail share, ascent, ascent rate, grade."""
    opts = [
        click.option(
            "--avoid-roads",
            is_flag=True,
            help="Main roads (trunk, primary, secondary) only where no other way connects.",
        ),
        click.option("--min-trail", help="Least trail share, e.g. 60%."),
        click.option("--max-ascent", help="Most total ascent, e.g. 300m."),
        click.option("--max-ascent-rate", help="Most ascent per hour, e.g. 250m/h."),
        click.option("--max-grade", help="Steepest grade allowed, e.g. 25%."),
        click.option(
            "--accept-closest",
            is_flag=True,
            help="Exit 0 even when the closest plan misses the brief.",
        ),
    ]
    for opt in reversed(opts):
        f = opt(f)
    return f


def report_missed(routes: Sequence[Any], *, as_json: bool, accept_closest: bool) -> None:
    """Print ``MISSED: …`` and exit 3 when the best route misses the brief.

    The line goes to stdout (to stderr with ``--json``, whose stdout is the
    JSON); ``accept_closest`` keeps the exit code 0.
    """
    outcome = getattr(routes[0], "outcome", None) if routes else None
    if outcome is None or outcome.meets_brief:
        return
    click.echo("MISSED: " + "; ".join(outcome.misses), err=as_json)
    if not accept_closest:
        sys.exit(EXIT_MISSED)


@cli.command()
@_region_options
@_loop_options
@loop_segment_options
@_constraint_options
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
    avoid_roads,
    min_trail,
    max_ascent,
    max_ascent_rate,
    max_grade,
    accept_closest,
    out,
    gpx,
    geojson,
    as_json,
    offline,
) -> None:
    """Plan a loop that takes a target time."""
    from routeplanner.brief import Constraints
    from routeplanner.search.loops import LoopRequest, find_loops

    lon, lat = pace.parse_latlon(start)
    profile = _profile(pace_text, model, max_difficulty)
    constraints = Constraints.from_strings(
        avoid_roads=avoid_roads,
        min_trail=min_trail,
        max_ascent=max_ascent,
        max_ascent_rate=max_ascent_rate,
        max_grade=max_grade,
    )
    request = LoopRequest(
        pace.parse_duration(duration),
        tolerance=_parse_tolerance(tolerance),
        alternatives=alternatives,
        seed=seed,
        constraints=constraints,
    )
    seg_args = loop_segment_args(
        include_climbs, climb_grade, climb_min_gain, include_descent, descent_grade, descent_minutes
    )
    outs = _outputs(out=out, gpx=gpx, geojson=geojson)
    loaded = _load(ctx, region, osm, dem, bbox, place, data_dir, online, no_cache)
    t0 = time.perf_counter()
    extra_features: list[Any] = []
    segments: list[Any] = []
    extra: dict[str, Any] = {}
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
    title = f"{pace.format_duration(request.duration_s)} loop from {lat:.4f},{lon:.4f}"
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
    report_missed(routes, as_json=as_json, accept_closest=accept_closest)
