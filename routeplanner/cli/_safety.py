"""Command-line plumbing of the safety sheet: options, start time, region facts.

:func:`safety_options` adds ``--safety``, ``--date`` and ``--start-time`` to a
command that also has :func:`~routeplanner.cli.options.output_options`, and
hands them on inside ``output.safety`` (a :class:`SafetyOptions`), so the
command's own arguments do not change; :func:`~routeplanner.cli._common.emit`
does the rest.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, tzinfo
from pathlib import Path
from typing import Any

import click

from routeplanner import units
from routeplanner.cli._context import F
from routeplanner.cli.options import parsed
from routeplanner.errors import DataError, InputError

__all__ = [
    "SAFETY_FILE",
    "SafetyOptions",
    "add_group_safety",
    "group_sheet",
    "plan_sheets",
    "region_places",
    "region_zone",
    "route_outputs",
    "safety_flag_options",
    "safety_options",
    "safety_sheets",
]


SAFETY_FILE = "safety.txt"


@dataclass(frozen=True)
class SafetyOptions:
    """The safety options of one run.

    Attributes
    ----------
    enabled : bool
        ``--safety``: print the sheet, mark the map and GPX, write safety.txt.
    day : date or None
        ``--date``.
    clock : time or None
        ``--start-time``.
    path : Path or None
        Where safety.txt goes (beside the first output file), when enabled.
    """

    enabled: bool = False
    day: date | None = None
    clock: time | None = None
    path: Path | None = None


def _safety_path(output: Any) -> Path | None:
    """Plan ``safety.txt`` beside the first output file (checked now, by the output policy)."""
    from routeplanner.cli._outputs import output_plan

    files = [p for p in output.paths().values() if str(p) != "-"]
    if not files:
        return None
    target = files[0].parent / SAFETY_FILE
    if any(p.resolve() == target.resolve() for p in files):
        raise InputError(f"an output is named {target}: that is where the safety sheet goes")
    output_plan().add_file("--safety", target, stdout=False)
    ret: Path | None = target
    return ret


def safety_options(f: F) -> F:
    """Add ``--safety``, ``--date`` and ``--start-time``; list it below ``output_options``."""

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        enabled = kwargs.pop("safety_flag")
        opts = SafetyOptions(enabled, kwargs.pop("safety_date"), kwargs.pop("safety_clock"))
        output = kwargs["output"]
        if enabled:
            opts = dataclasses.replace(opts, path=_safety_path(output))
        kwargs["output"] = dataclasses.replace(output, safety=opts)
        return f(*args, **kwargs)

    opts = [
        click.option(
            "--safety",
            "safety_flag",
            is_flag=True,
            help="Print a safety sheet (bail-outs, water, daylight, partner message); "
            "also mark the map and GPX, and write safety.txt beside the outputs.",
        ),
        click.option(
            "--date",
            "safety_date",
            callback=parsed(units.parse_date),
            help="Day of the run, YYYY-MM-DD (default: the day of the next 08:00 there).",
        ),
        click.option(
            "--start-time",
            "safety_clock",
            callback=parsed(units.parse_clock),
            help="Start time, HH:MM (default 08:00), in the region's time zone.",
        ),
    ]
    out: Any = wrapper
    for opt in reversed(opts):
        out = opt(out)
    ret: F = out
    return ret


def safety_flag_options(f: F) -> F:
    """Add ``--safety`` to a command that has its own ``--date`` and ``--start-time``.

    The day comes from the command's ``day`` argument (left in place) and the
    start time from the export options' ``--start-time``, when given; the options
    reach the command inside ``output.safety``, as with :func:`safety_options`.
    """

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from routeplanner.cli._exports import export_settings

        enabled = kwargs.pop("safety_flag")
        given = export_settings().start
        day = kwargs.get("day") or (given.date() if given is not None else None)
        clock = given.time().replace(tzinfo=None) if given is not None else None
        opts = SafetyOptions(enabled, day, clock)
        output = kwargs["output"]
        if enabled:
            opts = dataclasses.replace(opts, path=_safety_path(output))
        kwargs["output"] = dataclasses.replace(output, safety=opts)
        return f(*args, **kwargs)

    out: Any = click.option(
        "--safety",
        "safety_flag",
        is_flag=True,
        help="Print a safety sheet (bail-outs, water, daylight, partner message); "
        "also mark the map and GPX, and write safety.txt beside the outputs.",
    )(wrapper)
    ret: F = out
    return ret


def route_outputs(f: F) -> F:
    """Add what a route command writes: files, devices, the safety sheet, ``-v``/``-q``.

    That is ``output`` (the files and ``--json``), the device courses (``--fit``,
    ``--tcx``), the safety sheet, the common options and the run's
    :class:`~routeplanner.cli.options.Ctx` (passed first).
    """
    from routeplanner.cli._exports import device_options
    from routeplanner.cli.options import common_options, output_options

    out: Any = click.pass_obj(f)  # (click's decorators are typed loosely)
    for deco in (common_options, safety_options, device_options, output_options()):
        out = deco(out)
    return out  # type: ignore[no-any-return]


def _region_facts(loaded: Any) -> tuple[str | None, str]:
    """Look up the catalog's time zone and emergency number of the loaded region."""
    from routeplanner.sources import regions

    try:
        region = regions.load_region(loaded.files.name)
    except (DataError, InputError):
        return None, "112"
    return region.timezone, region.emergency_number


def region_zone(loaded: Any, lon: float, lat: float) -> tzinfo:
    """Give the loaded region's time zone: the catalog's, else looked up at ``lon, lat``.

    UTC (with a warning) when neither is known; see
    :func:`~routeplanner.safety.daylight.region_timezone`.
    """
    from routeplanner.safety.daylight import region_timezone

    return region_timezone(_region_facts(loaded)[0], lon, lat)


def region_places(loaded: Any) -> tuple[Any, Any]:
    """Return the region's places and which network points lie in forest (None: not known).

    Read from the cache beside the network when there is one (computing and
    caching them on the first run), else from the OSM file.
    """
    from routeplanner.safety.places import region_places as places

    side = loaded.sidecar
    return places(loaded.net, loaded.files.osm, None if side is None else side.folder)


def safety_sheets(
    routes: Sequence[Any],
    loaded: Any,
    opts: SafetyOptions,
    *,
    title: str,
    outputs: Sequence[Sequence[Path]] = (),
    now: datetime | None = None,
    zone: tzinfo | None = None,
    places: tuple[Any, Any] | None = None,
) -> list[Any]:
    """Compute one safety sheet per route (reading the region's places once).

    ``outputs[i]`` names route ``i``'s own files, for its partner message
    (:func:`~routeplanner.cli._exports.route_files`); times are in ``zone``,
    by default the region's (:func:`region_zone`).  ``places`` is
    :func:`region_places` of the region when the caller keeps it (a server
    answering many queries), else it is read here.
    """
    from routeplanner.safety.daylight import start_at
    from routeplanner.safety.sheet import safety_sheet

    if not routes:
        return []
    _zone, number = _region_facts(loaded)
    first = routes[0]
    zone = zone or region_zone(loaded, float(first.lon[0]), float(first.lat[0]))
    start = start_at(opts.day, opts.clock, zone, now=now)
    pois, forest_mask = places or region_places(loaded)
    return [
        safety_sheet(
            r,
            loaded.net,
            pois,
            start=start,
            title=title if len(routes) == 1 else f"{title} ({r.name})",
            emergency_number=number,
            outputs=[p.name for p in outputs[i]] if i < len(outputs) else (),
            forest_mask=forest_mask,
        )
        for i, r in enumerate(routes)
    ]


def plan_sheets(
    weeks: Sequence[Sequence[Any]], loaded: Any, *, start_time: time, tz: str, where: str = ""
) -> dict[tuple[date, str], Any]:
    """Compute the safety sheet of every routed session of a plan, by ``(date, kind)``.

    The region's places are read once; each sheet's daylight is for the session's
    own date at ``start_time`` in ``tz``, and its partner message names the
    session's GPX and FIT files (its course named from ``where``).
    """
    from zoneinfo import ZoneInfo

    from routeplanner.output.bundle import session_files
    from routeplanner.safety.sheet import safety_sheet

    routed = [rs for week in weeks for rs in week if rs.route is not None]
    if not routed:
        return {}
    _zone, number = _region_facts(loaded)
    zone = ZoneInfo(tz)
    pois, forest_mask = region_places(loaded)
    out = {}
    for rs in routed:
        s = rs.session
        title, gpx_name, fit_name = session_files(s, where)
        out[(s.date, s.kind)] = safety_sheet(
            rs.route,
            loaded.net,
            pois,
            start=datetime.combine(s.date, start_time, zone),
            title=title,
            emergency_number=number,
            outputs=[gpx_name, fit_name],
            forest_mask=forest_mask,
        )
    return out


def group_sheet(plan: Any, loaded: Any, *, outputs: tuple[str, ...] = ()) -> Any:
    """Compute a group run's safety sheet, with the region's emergency number."""
    from routeplanner.output.bundle import group_safety_sheet

    _zone, number = _region_facts(loaded)
    return group_safety_sheet(
        plan,
        loaded.net,
        region_places(loaded)[0],
        emergency_number=number,
        outputs=outputs,
    )


def add_group_safety(data: dict[str, Any], sheet: Any) -> None:
    """Put the sheet into a group run's ``--json``: ``safety`` per group and for the event."""
    event = sheet.to_json()
    by_label = {g["group"]: g for g in event["groups"]}
    for item in data.get("groups", []):
        found = by_label.get(item.get("label"))
        if found is not None:
            item["safety"] = {k: v for k, v in found.items() if k != "group"}
    data["safety"] = event
