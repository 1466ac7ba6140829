"""Device exports shared by the route-making commands: ``--fit``, ``--gpx-route``, ``--start-time``.

The options store their values in the click context (``expose_value=False``),
so commands gain them by decoration alone; :func:`add_route_files` then adds
one GPX and one FIT file per route to a command's writer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import Any, TypeVar

import click

from routeplanner.errors import InputError

__all__ = [
    "DEFAULT_START_HOUR",
    "ExportSettings",
    "add_route_files",
    "default_start",
    "device_options",
    "export_options",
    "export_settings",
    "parse_start_time",
    "plan_start",
    "route_files",
    "start_time_option",
    "writes_courses",
]

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_START_HOUR = 8
_META_KEY = "routeplanner.exports"


def default_start(now: datetime | None = None) -> datetime:
    """Give the plan's default start: the next morning at 08:00, local time.

    Parameters
    ----------
    now
        The current time (aware); defaults to now in the machine's time zone.

    Returns
    -------
    datetime
        Tomorrow at 08:00 in the time zone of ``now``.
    """
    now = datetime.now().astimezone() if now is None else now
    day = now.date() + timedelta(days=1)
    return datetime.combine(day, time(DEFAULT_START_HOUR), tzinfo=now.tzinfo)


def parse_start_time(text: str, *, now: datetime | None = None) -> datetime:
    """Read a start time as a person types it.

    Accepts ``HH:MM`` (the next such time), ``YYYY-MM-DD HH:MM`` or
    ``YYYY-MM-DDTHH:MM``, each optionally with a UTC offset (``+01:00``, ``Z``);
    without one the machine's local time zone applies.

    Parameters
    ----------
    text
        The typed value.
    now
        The current time (aware), for ``HH:MM``; defaults to now.

    Returns
    -------
    datetime
        A time zone-aware start time.

    Raises
    ------
    InputError
        If the text is none of the accepted forms.
    """
    now = datetime.now().astimezone() if now is None else now
    t = text.strip()
    try:
        clock = time.fromisoformat(t)
    except ValueError:
        clock = None
    if clock is not None and len(t) <= 8:
        when = datetime.combine(now.date(), clock.replace(tzinfo=None), tzinfo=now.tzinfo)
        return when if when > now else when + timedelta(days=1)
    try:
        when = datetime.fromisoformat(t.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(
            f"invalid start time {text!r}: use HH:MM, YYYY-MM-DD HH:MM or YYYY-MM-DDTHH:MM+01:00"
        ) from None
    if len(t) <= 10 and "T" not in t and " " not in t:
        raise InputError(f"start time {text!r} has no time of day: add HH:MM")
    from routeplanner.units import check_day

    check_day(when.date(), text)
    return when if when.tzinfo is not None else when.replace(tzinfo=now.tzinfo)


class ExportSettings:
    """What the export options asked for: FIT path, ``<rte>`` GPX, start time."""

    def __init__(self) -> None:
        self.fit: Path | None = None
        self.gpx_route = False
        self.start: datetime | None = None

    def start_time(self) -> datetime:
        """Give ``--start-time``, or :func:`default_start`."""
        return self.start if self.start is not None else default_start()


def export_settings() -> ExportSettings:
    """Give the export settings of the running command (defaults outside one)."""
    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return ExportSettings()
    return ctx.find_root().meta.setdefault(_META_KEY, ExportSettings())


def _store(attr: str, convert: Callable[[Any], Any]) -> Callable[..., None]:
    def callback(ctx: click.Context, _param: click.Parameter, value: Any) -> None:
        if value is None or value is False:
            return
        settings = ctx.find_root().meta.setdefault(_META_KEY, ExportSettings())
        try:
            setattr(settings, attr, convert(value))
        except InputError as exc:
            raise click.BadParameter(str(exc)) from None

    return callback


def export_options(f: F) -> F:
    """Add ``--fit FILE``, ``--gpx-route`` and ``--start-time`` to a command."""
    return start_time_option(device_options(f))


def start_time_option(f: F) -> F:
    """Add ``--start-time`` (commands whose safety options do not already have one)."""
    return click.option(
        "--start-time",
        expose_value=False,
        callback=_store("start", parse_start_time),
        help="Start of the run for GPX/FIT times (HH:MM or YYYY-MM-DD HH:MM); "
        "default: next morning 08:00.",
    )(f)


def device_options(f: F) -> F:
    """Add ``--fit FILE`` and ``--gpx-route`` to a command."""
    opts = [
        click.option(
            "--fit",
            type=click.Path(dir_okay=False),
            expose_value=False,
            callback=_fit_path,
            help="FIT course for watches; alternatives go to NAME-2.fit, NAME-3.fit …",
        ),
        click.option(
            "--gpx-route",
            is_flag=True,
            expose_value=False,
            callback=_store("gpx_route", bool),
            help="Write GPX routes (<rte>) instead of tracks (<trk>).",
        ),
    ]
    for opt in reversed(opts):
        f = opt(f)
    return f


def _fit_path(click_ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    """Check ``--fit`` now, in the run's output plan, and keep it for the export."""
    if value is None:
        return
    from routeplanner.cli._outputs import output_plan

    try:
        output_plan(click_ctx).add_file("--fit", value, stdout=False)
    except InputError as exc:
        raise click.BadParameter(str(exc), ctx=click_ctx, param=param) from None
    click_ctx.find_root().meta.setdefault(_META_KEY, ExportSettings()).fit = Path(value)


def _paths(first: Path, count: int, option: str) -> list[Path]:
    """Name one file per route; the second and later are added to the output plan."""
    from routeplanner.cli._outputs import current_plan
    from routeplanner.output.export import numbered_paths

    if count > 1 and str(first) == "-":
        raise InputError(f"{option} -: {count} routes need {count} files, not standard output")
    paths = numbered_paths(first, count)
    plan = current_plan()
    if plan is not None:
        for p in paths[1:]:
            plan.add_file(option, p, stdout=False)
    return paths


def add_route_files(
    add: Callable[[Path, str | bytes], None],
    routes: Sequence[Any],
    *,
    title: str | Sequence[str],
    gpx: Path | None,
    points: Mapping[int, Sequence[Any]] | None = None,
    settings: ExportSettings | None = None,
    waypoints: Mapping[int, Sequence[tuple[float, float, str, str]]] | None = None,
    course_points: Mapping[int, Sequence[Any]] | None = None,
) -> None:
    """Add a timed GPX and a FIT course per route to a writer.

    Parameters
    ----------
    add
        The writer's ``add(path, text_or_bytes)``.
    routes
        The routes, best first: the first goes to the given names, the others
        to ``NAME-2``, ``NAME-3`` ….
    title
        Name of the first route's course (the others use their route name), or one
        course name per route (:func:`~routeplanner.output.export.course_name`: where
        and how long), for the GPX document and track and the FIT course.
    gpx
        The ``--gpx`` path, or None.
    points
        Extra named points per route index (regroup points, water, bail-outs).
    settings
        Export settings; default: those of the running command.
    waypoints
        ``(lon, lat, name, type)`` off-route points per route index for its GPX
        (its safety sheet's bail-outs, water, shelters): each route carries its own.
    course_points
        Named points per route index for the FIT course only (a safety sheet's
        water and bail-outs, which the GPX already has as ``waypoints``).
    """
    settings = settings or export_settings()
    if gpx is None and settings.fit is None:
        return  # nothing to write: the export libraries stay unloaded
    from routeplanner.output import export, fit
    from routeplanner.output.points import profile_points

    points = points or {}
    waypoints = waypoints or {}
    course_points = course_points or {}
    start = settings.start_time()
    if isinstance(title, str):
        names = [title, *(r.name for r in routes[1:])]
    else:
        names = list(title)
        routes = [replace(r, name=n) for r, n in zip(routes, names, strict=True)]
    if gpx is not None:
        for i, (path, route) in enumerate(
            zip(_paths(gpx, len(routes), "--gpx"), routes, strict=True)
        ):
            text = export.gpx_document(
                [route],
                name=names[i],
                start=start,
                points=[*profile_points(route), *points.get(i, ())],
                as_route=settings.gpx_route,
                waypoints=waypoints.get(i, ()),
            )
            add(path, text)
    if settings.fit is not None:
        for i, (path, route) in enumerate(
            zip(_paths(settings.fit, len(routes), "--fit"), routes, strict=True)
        ):
            marks = [*points.get(i, ()), *course_points.get(i, ())]
            add(path, fit.course_bytes(route, start=start, name=names[i], points=marks))


def writes_courses(gpx: Path | None) -> bool:
    """Whether the command writes a GPX (``--gpx``) or FIT (``--fit``) course, to be named."""
    return gpx is not None or export_settings().fit is not None


def route_files(paths: Mapping[str, Path], count: int) -> list[list[Path]]:
    """Name the files each of ``count`` routes is written to, as its partner message says.

    The map and the GeoJSON hold every route; the GPX and FIT files are one per
    route (``NAME-2.gpx`` … for the alternatives, as :func:`add_route_files` writes).

    Parameters
    ----------
    paths
        The command's output files by kind (``out``, ``gpx``, ``geojson``).
    count
        Number of routes.

    Returns
    -------
    list of list of Path
        Per route: the map, its GPX, the GeoJSON, its FIT (those asked for).
    """
    from routeplanner.output.export import numbered_paths

    fit = export_settings().fit
    gpx = numbered_paths(paths["gpx"], count) if "gpx" in paths else []
    fits = numbered_paths(fit, count) if fit is not None else []
    out = []
    for i in range(count):
        own = [paths.get("out"), gpx[i] if gpx else None, paths.get("geojson")]
        own.append(fits[i] if fits else None)
        out.append([p for p in own if p is not None and str(p) != "-"])
    return out


def plan_start(
    safety: Any, loaded: Any, routes: Sequence[Any], zone: tzinfo | None = None
) -> datetime:
    """Give the run's start from ``--date``/``--start-time`` in the region's time zone.

    Parameters
    ----------
    safety
        The command's safety options (``day``, ``clock``; either may be None).
    loaded
        The loaded region (for the catalog's time zone).
    routes
        The routes (their start locates the zone when the catalog has none).
    zone
        The zone, when the command was given one (scout's ``--tz``).
    zone
        The zone, when the command was given one (scout's ``--tz``).

    Returns
    -------
    datetime
        The start; by default the next 08:00 in the region.
    """
    from routeplanner.cli._safety import region_zone
    from routeplanner.safety.daylight import start_at

    first = routes[0]
    zone = zone or region_zone(loaded, float(first.lon[0]), float(first.lat[0]))
    return start_at(safety.day, safety.clock, zone)
