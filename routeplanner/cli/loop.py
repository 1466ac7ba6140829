"""`routeplanner loop`: loops that take a target time."""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import click

from routeplanner import units
from routeplanner.cli._common import Ctx, emit, load, log, status
from routeplanner.cli._safety import safety_options
from routeplanner.cli.options import (
    F,
    LoopOptions,
    OutputOptions,
    RegionOptions,
    RunnerOptions,
    _apply,
    _grouped,
    common_options,
    loop_options,
    loop_segment_options,
    output_options,
    region_options,
    runner_options,
)

__all__ = ["EXIT_MISSED", "BriefOptions", "brief_options", "loop", "report_missed"]

#: Exit code of a plan that was written but missed the brief.
EXIT_MISSED = 3


@dataclass(frozen=True)
class BriefOptions:
    """The brief's hard constraints as typed, and whether a miss still exits 0."""

    avoid_roads: bool = False
    min_trail: str | None = None
    max_ascent: str | None = None
    max_ascent_rate: str | None = None
    max_grade: str | None = None
    accept_closest: bool = False

    def constraints(self) -> Any:
        """Build the :class:`~routeplanner.brief.Constraints` (InputError on a bad value)."""
        from routeplanner.brief import Constraints

        return Constraints.from_strings(
            avoid_roads=self.avoid_roads,
            min_trail=self.min_trail,
            max_ascent=self.max_ascent,
            max_ascent_rate=self.max_ascent_rate,
            max_grade=self.max_grade,
        )


def brief_options(f: F) -> F:
    """Add the brief's options, passed as ``brief: BriefOptions``."""
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
    keys = (
        "avoid_roads",
        "min_trail",
        "max_ascent",
        "max_ascent_rate",
        "max_grade",
        "accept_closest",
    )
    return _apply(_grouped("brief", BriefOptions, keys)(f), opts)


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


@click.command()
@region_options
@loop_options
@runner_options()
@loop_segment_options
@brief_options
@output_options()
@safety_options
@common_options
@click.pass_obj
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
    from routeplanner.search.loops import find_loops

    profile = runner.profile(target.duration_s)
    request = replace(target.request(), constraints=brief.constraints())
    loaded = load(ctx, src)
    t0 = time.perf_counter()
    features: list[dict[str, Any]] = []
    marks: list[Any] = []
    extra: dict[str, Any] = {}
    with status(ctx, "searching loops"):
        if segs is None:
            routes = find_loops(loaded.net, target.start, profile, request)
            if 1 < request.alternatives and len(routes) < request.alternatives:
                log.warning(
                    "found %d really different loops of the %d asked for",
                    len(routes),
                    request.alternatives,
                )
        else:
            from routeplanner.output.segments import map_segment, segment_feature
            from routeplanner.search.segment_loops import SegmentLoopOptions, plan_segment_loop

            plan = plan_segment_loop(
                loaded.net,
                target.start,
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
    lon, lat = target.start
    title = f"{units.format_duration(request.duration_s)} loop from {lat:.4f},{lon:.4f}"
    emit(
        ctx,
        routes,
        loaded,
        output,
        title=title,
        extra_features=features,
        segments=marks,
        extra={"search_s": round(elapsed, 3), **extra},
    )
    report_missed(routes, as_json=output.as_json, accept_closest=brief.accept_closest)
