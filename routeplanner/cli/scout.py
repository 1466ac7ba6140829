"""`routeplanner scout`: a summer trip on foot to see one or several ski lines."""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, tzinfo
from typing import TYPE_CHECKING, Any

import click

from routeplanner import units
from routeplanner.cli import _places
from routeplanner.cli._common import Ctx, Writer, echo_json, echo_written, load, log, status
from routeplanner.cli._exports import export_options
from routeplanner.cli._outputs import say
from routeplanner.cli._places import Point, point_or_name
from routeplanner.cli._safety import region_zone, safety_flag_options
from routeplanner.cli.options import (
    EXIT_MISSED,
    BriefOptions,
    OutputOptions,
    RegionOptions,
    RunnerOptions,
    brief_options,
    common_options,
    exit_missed,
    grouped,
    line_files_option,
    option_named,
    output_options,
    parsed_option,
    region_options,
    runner_options,
    slope_window_option,
)
from routeplanner.safety.daylight import TripDay

if TYPE_CHECKING:
    from routeplanner.brief import Constraints
    from routeplanner.search.scout_plan import ScoutRequest

__all__ = ["EXIT_MISSED", "LineChoice", "TripDate", "TripOptions", "scout_command"]


@dataclass(frozen=True)
class LineChoice:
    """The lines to visit: ``--line`` queries, ``--file`` files, and ``--slope-window``."""

    line_queries: tuple[str, ...]
    files: tuple[str, ...]
    slope_window: tuple[float, float]


@dataclass(frozen=True)
class TripOptions:
    """Where the trip starts and what it may do (``--start``, ``--stop``, ``--max-*``)."""

    start: Point
    stop_s: float
    max_offtrail_m: float
    max_slope_deg: float

    def request(self, constraints: Constraints) -> ScoutRequest:
        """Build the :class:`~routeplanner.search.scout_plan.ScoutRequest`, judged on `constraints`.

        Raises
        ------
        InputError
            If a value is out of range.
        """
        from routeplanner.brief import Brief
        from routeplanner.search.scouting import ScoutRequest

        return ScoutRequest(
            stop_s=self.stop_s,
            max_offtrail_m=self.max_offtrail_m,
            max_slope_deg=self.max_slope_deg,
            brief=Brief(constraints),
        )


@dataclass(frozen=True)
class TripDate:
    """``--date`` and ``--tz``: the day whose daylight the trip needs, and its zone."""

    day: date | None
    tz: tzinfo | None


_STOP_HELP = "Time spent at each line (daylight)."
_DATE_HELP = "Date YYYY-MM-DD: sunrise, sunset and latest start."
_TZ_HELP = "Time zone of sunrise, sunset and the latest start (default: the region's)."


@click.command("scout")
@region_options
@parsed_option(
    "--start",
    parse=point_or_name,
    required=True,
    help="Trailhead as LAT,LON or a place name from the region.",
)
@click.option(
    "--line",
    "line_queries",
    multiple=True,
    required=True,
    help="Line name or id (osm:123, file:name:1, dem:LAT,LON); repeat for several.",
)
@line_files_option("GPX or GeoJSON file with lines to pick from; repeatable.")
@slope_window_option("Slope window for dem:LAT,LON fall lines, degrees.")
@runner_options("11:55", "tobler")
@parsed_option("--stop", "stop_s", parse=units.parse_duration, default="15m", help=_STOP_HELP)
@parsed_option(
    "--max-offtrail",
    "max_offtrail_m",
    parse=units.parse_distance,
    default="1km",
    help="Farthest a line end may be from a way to walk there cross-country.",
)
@parsed_option(
    "--max-slope",
    "max_slope_deg",
    parse=functools.partial(units.check_degrees, what="--max-slope", lo=5.0),
    default=30.0,
    type=float,
    help="Steepest terrain (degrees over 50 m) any off-trail leg may cross; at 30 or less "
    "trails beyond T4 are left out too. Lines beyond it are left out (exit 3).",
)
@parsed_option("--date", "day", parse=units.parse_date, help=_DATE_HELP)
@parsed_option("--tz", parse=units.parse_time_zone, help=_TZ_HELP)
@brief_options
@output_options(json_help="Print the plan as JSON.")
@export_options
@safety_flag_options
@common_options
@click.pass_obj
@grouped("lines", LineChoice)
@grouped("trip", TripOptions)
@grouped("when", TripDate)
def scout_command(
    ctx: Ctx,
    /,
    src: RegionOptions,
    runner: RunnerOptions,
    brief: BriefOptions,
    output: OutputOptions,
    lines: LineChoice,
    trip: TripOptions,
    when: TripDate,
) -> None:
    """Plan a summer trip on foot from a trailhead to ski lines and back.

    Each line is walked up or down where it can be (on a way, or along its own
    course when gentle enough), otherwise its bottom and top are visited; the
    order is chosen for the shortest trip. Reports the time to each line, the
    total time and ascent, and the daylight needed.  --avoid-roads steers the
    legs off main roads; every constraint is checked on the trip: MISSED and
    exit 3 unless --accept-closest.
    """
    from routeplanner.search import scouting
    from routeplanner.skilines.line_files import read_line_file
    from routeplanner.skilines.select import dem_around, resolve_lines

    constraints = brief.constraints()
    profile = runner.profile()
    request = trip.request(constraints)
    with option_named("--line"):
        scouting.check_line_count(len(lines.line_queries))
    file_raws = [r for f in lines.files for r in read_line_file(f)]
    loaded = load(ctx, src)
    here = _places.resolve(trip.start, loaded)
    zone = when.tz
    if zone is None and (when.day is not None or output.safety.enabled):
        zone = region_zone(loaded, here.lon, here.lat)  # the sheet's zone too
    with status(ctx, "planning the trip"):
        dem = dem_around(loaded.net, loaded.dem_paths, file_raws)
        found = resolve_lines(lines.line_queries, loaded.net, dem, file_raws, lines.slope_window)
        day = None if when.day is None or zone is None else TripDay(when.day, zone)
        plan = scouting.plan_scouting(
            loaded.net,
            dem,
            (here.lon, here.lat),
            found,
            profile,
            request,
            daylight=day,
            prefs=brief.preferences(),
        )
    for wmsg in plan.warnings:
        log.warning("%s", wmsg)
    title = f"Scouting {', '.join(ln.name for ln in plan.lines)} from {here.name}"
    sheet = _sheet(ctx, plan, loaded, title, output, zone)
    written = _write(ctx, plan, loaded, dem, title, output, sheet)
    if output.as_json:
        echo_json(_plan_json(plan, sheet, written))
    else:
        for row in scouting.plan_text(plan, units=ctx.units):
            say(row)
        if sheet is not None and output.safety.enabled:
            say(sheet.to_text())
        echo_written(ctx, written)
    misses = list(plan.route.outcome.misses) if plan.route.outcome is not None else []
    if plan.left_out:
        misses.insert(0, "left out " + "; ".join(f"{name}: {why}" for name, why in plan.left_out))
    exit_missed(misses, as_json=output.as_json, accept_closest=brief.accept_closest)


def _plan_json(plan: Any, sheet: Any, written: Sequence[Any]) -> dict[str, Any]:
    """Give the trip as ``--json`` prints it: the route, its sheet, the plan, the lines."""
    from routeplanner.output import bundle

    data: dict[str, Any] = bundle.summary_json([plan.route])
    if sheet is not None:
        data["routes"][0]["safety"] = data["safety"] = sheet.to_json()
    data["plan"] = plan.summary()
    data["lines"] = [ln.summary() for ln in plan.lines]
    data["outputs"] = [str(p) for p in written]
    return data


def _sheet(ctx: Ctx, plan: Any, loaded: Any, title: str, output: OutputOptions, zone: Any) -> Any:
    """Compute the trip's safety sheet for ``--safety`` or ``--json`` (else give None).

    Its times are in ``zone`` (``--tz``, else the region's), as the trip's daylight.
    """
    opts = output.safety
    if opts is None or not (opts.enabled or output.as_json):
        return None
    from routeplanner.cli._exports import export_settings, plan_start, route_files
    from routeplanner.cli._safety import safety_sheets

    settings = export_settings()
    if settings.start is None:
        settings.start = plan_start(opts, loaded, [plan.route], zone)  # GPX/FIT times as the sheet
    with status(ctx, "safety sheet"):
        files = route_files(output.paths(), 1)
        (sheet,) = safety_sheets([plan.route], loaded, opts, title=title, outputs=files, zone=zone)
    return sheet


def _write(
    ctx: Ctx,
    plan: Any,
    loaded: Any,
    dem: Any,
    title: str,
    output: OutputOptions,
    sheet: Any = None,
) -> list[Any]:
    from routeplanner.cli._exports import route_set, route_targets
    from routeplanner.output import bundle

    shown = sheet if sheet is not None and output.safety.enabled else None
    w = Writer()
    reach = [
        bundle.point_at(plan.route, v.arrive_m, name=v.name, kind="checkpoint") for v in plan.visits
    ]
    rs = route_set(
        [plan.route],
        title=title,
        points={0: reach},
        waypoints={0: shown.waypoints()} if shown is not None else None,
        course_points=bundle.sheet_points([plan.route], [shown]) if shown is not None else None,
    )
    w.add_routes(rs, route_targets(output.gpx))
    if output.geojson is not None:
        feats = [bundle.line_feature(ln) for ln in plan.lines]
        doc = bundle.feature_collection([plan.route], feats)
        w.add(output.geojson, json.dumps(doc, ensure_ascii=False))
    if output.out is not None:
        with status(ctx, "drawing the map"):
            extra_html = shown.to_html() if shown is not None else ""
            w.add(
                output.out,
                _scout_map_html(
                    plan, loaded, dem, title, output.offline, extra_html=extra_html, sheet=shown
                ),
            )
    if shown is not None and output.safety.path is not None:
        w.add(output.safety.path, shown.to_text())
    return w.commit()


def _scout_map_html(
    plan: Any,
    loaded: Any,
    dem: Any,
    title: str,
    offline: bool,
    *,
    extra_html: str = "",
    sheet: Any = None,
) -> str:
    from routeplanner.output import bundle

    m = bundle.scout_map(
        plan,
        title=title,
        network=loaded.net,
        dem=dem,
        offline=offline,
        attribution=loaded.files.attribution,
        extra_html=extra_html,
        sheet=sheet,
    )
    return bundle.map_text(m)
