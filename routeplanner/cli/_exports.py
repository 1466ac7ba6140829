"""Device exports shared by the route-making commands: ``--fit``, ``--gpx-route``, ``--start-time``.

The options store their values in the click context (``expose_value=False``),
so commands gain them by decoration alone; :func:`route_targets` and
:func:`route_set` then give a command's writer one GPX and one FIT file per route.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import Any

import click

from routeplanner.cli._context import F
from routeplanner.errors import InputError

__all__ = [
    "DEFAULT_START_HOUR",
    "ExportSettings",
    "default_start",
    "device_options",
    "export_options",
    "export_settings",
    "parse_start_time",
    "plan_start",
    "route_files",
    "route_set",
    "route_targets",
    "start_time_option",
    "writes_courses",
]


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
    """What the export options asked for: device files by format, ``<rte>`` GPX, start time."""

    def __init__(self) -> None:
        #: The path given to each device format's option (``--fit``, ``--tcx``), by name.
        self.files: dict[str, Path] = {}
        self.gpx_route = False
        self.start: datetime | None = None

    @property
    def fit(self) -> Path | None:
        """Give the ``--fit`` path, if one was given."""
        return self.files.get("fit")

    def start_time(self) -> datetime:
        """Give ``--start-time``, or :func:`default_start`."""
        return self.start if self.start is not None else default_start()


def export_settings() -> ExportSettings:
    """Give the export settings of the running command (defaults outside one)."""
    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return ExportSettings()
    ret: ExportSettings = ctx.find_root().meta.setdefault(_META_KEY, ExportSettings())
    return ret


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


def device_formats() -> tuple[str, ...]:
    """Give the formats written one file per route besides GPX (``fit``, ``tcx`` …)."""
    from routeplanner.output.formats import per_route_formats

    return tuple(name for name in per_route_formats() if name != "gpx")


def device_options(f: F) -> F:
    """Add an option per device format of the registry (``--fit FILE`` …) and ``--gpx-route``.

    Each takes the file of the first route; alternatives go to ``NAME-2``, ``NAME-3`` ….
    Given without a file, it says that this command names its files itself.
    """
    from routeplanner.output.formats import FORMATS

    opts = [
        click.option(
            f"--{name}",
            type=click.Path(dir_okay=False),
            is_flag=False,
            flag_value="",
            expose_value=False,
            callback=_device_path,
            metavar="FILE",
            help=f"{FORMATS[name].help.rstrip('.')}; alternatives go to NAME-2"
            f"{FORMATS[name].suffix}, NAME-3{FORMATS[name].suffix} …",
        )
        for name in device_formats()
    ]
    opts += [
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


def _device_path(click_ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    """Check a device file (``--fit FILE``) now, in the run's output plan, and keep it."""
    if value is None:
        return
    name = param.name or "fit"
    if value == "":
        raise click.BadParameter(
            f"give the file of the first route (--{name} loop{_suffix(name)}); "
            f"commands that write a folder (group) name one {name.upper()} file per route "
            f"themselves when given --{name} alone",
            ctx=click_ctx,
            param=param,
        )
    from routeplanner.cli._outputs import output_plan

    try:
        output_plan(click_ctx).add_file(f"--{name}", value, stdout=False)
    except InputError as exc:
        raise click.BadParameter(str(exc), ctx=click_ctx, param=param) from None
    settings = click_ctx.find_root().meta.setdefault(_META_KEY, ExportSettings())
    settings.files[name] = Path(value)


def _suffix(name: str) -> str:
    from routeplanner.output.formats import FORMATS

    return FORMATS[name].suffix


def folder_device_options(f: F) -> F:
    """Add a flag per device format (``--fit`` …) to a command that writes a folder.

    The same option as on the route commands: given alone, one file per route is
    written into the folder, named by the command; a file name is refused with a
    message saying so.
    """
    from routeplanner.output.formats import FORMATS

    for name in reversed(device_formats()):
        f = click.option(
            f"--{name}",
            f"with_{name}",
            is_flag=False,
            flag_value="yes",
            default=None,
            metavar="",
            callback=_folder_flag,
            help=f"Also write a {FORMATS[name].help.rstrip('.')} per route into the folder.",
        )(f)
    return f


def _folder_flag(click_ctx: click.Context, param: click.Parameter, value: str | None) -> bool:
    """Read a folder command's device flag; refuse a file name (the folder names its files)."""
    if value is None:
        return False
    if value != "yes":
        name = (param.name or "with_fit").removeprefix("with_")
        raise click.BadParameter(
            f"this command writes one {name.upper()} file per route into --out-dir and names "
            f"it itself: give --{name} without a file name (not {value!r})",
            ctx=click_ctx,
            param=param,
        )
    return True


def route_targets(gpx: Path | None) -> dict[str, Path | None]:
    """Give the device files asked for: ``--gpx``, ``--fit``, ``--tcx`` (None when not asked)."""
    settings = export_settings()
    return {"gpx": gpx, **{name: settings.files.get(name) for name in device_formats()}}


def route_set(
    routes: Sequence[Any],
    *,
    title: str | Sequence[str],
    points: Mapping[int, Sequence[Any]] | None = None,
    waypoints: Mapping[int, Sequence[tuple[float, float, str, str]]] | None = None,
    course_points: Mapping[int, Sequence[Any]] | None = None,
    settings: ExportSettings | None = None,
) -> Any:
    """Describe routes for their files with the export options (start time, ``<rte>``).

    See :func:`routeplanner.output.bundle.route_set`; ``title`` names the first route's
    files (the others use their route name), or is one course name per route
    (:func:`~routeplanner.output.export.course_name`: where and how long), for the GPX
    document and track and the FIT course.
    """
    from routeplanner.output import bundle

    settings = settings or export_settings()
    if not isinstance(title, str):
        routes = [replace(r, name=n) for r, n in zip(routes, title, strict=True)]
        title = routes[0].name if routes else ""
    return bundle.route_set(
        routes,
        title=title,
        start=settings.start_time(),
        points=points,
        waypoints=waypoints,
        course_points=course_points,
        as_route=settings.gpx_route,
    )


def writes_courses(gpx: Path | None) -> bool:
    """Tell whether the command writes a course to be named: GPX, FIT or another device file."""
    return any(p is not None for p in route_targets(gpx).values())


def route_files(paths: Mapping[str, Path], count: int) -> list[list[Path]]:
    """Name the files each of ``count`` routes is written to, as its partner message says.

    The map and the GeoJSON hold every route; the GPX and device files (FIT, TCX) are
    one per route (``NAME-2.gpx`` … for the alternatives, as the bundle writes them).

    Parameters
    ----------
    paths
        The command's output files by kind (``out``, ``gpx``, ``geojson``).
    count
        Number of routes.

    Returns
    -------
    list of list of Path
        Per route: the map, its GPX, the GeoJSON, its FIT and other device files
        (those asked for).
    """
    from routeplanner.output.bundle import numbered_paths

    settings = export_settings()
    gpx = numbered_paths(paths["gpx"], count) if "gpx" in paths else []
    asked = (settings.files.get(name) for name in device_formats())
    devices = [numbered_paths(p, count) for p in asked if p is not None]
    out = []
    for i in range(count):
        own = [paths.get("out"), gpx[i] if gpx else None, paths.get("geojson")]
        own += [d[i] for d in devices]
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
