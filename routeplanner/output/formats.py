"""The file formats routeplanner writes: one registry, one line per format.

A :class:`Format` turns a :class:`RouteSet` (routes with what their files carry:
name, start time, named points, a safety sheet's waypoints) into the bytes of one
file.  Formats made one per route (GPX, FIT, TCX) get a set of one route; the others
(GeoJSON, the HTML map, the JSON summary, the calendar) get all the routes.
:mod:`routeplanner.output.bundle` names the files and stages them through the one
output policy; the commands' export options are made from :data:`FORMATS`.

Adding a format is one module with its ``render`` function and one line in
:data:`FORMATS`.  Only the standard library is imported here, so ``--help`` stays fast;
each format loads its own libraries when it renders.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from routeplanner.output.ics import EventPlace
    from routeplanner.output.points import RoutePoint
    from routeplanner.route import Route

__all__ = [
    "FORMATS",
    "Calendar",
    "CalendarEvent",
    "Format",
    "RouteDoc",
    "RouteSet",
    "calendar_text",
    "per_route_formats",
]

#: A GPX waypoint off the route: ``(lon, lat, name, type)``.
Waypoint = tuple[float, float, str, str]


@dataclass(frozen=True)
class RouteDoc:
    """One route as its files carry it.

    Attributes
    ----------
    route : Route
        The route.
    name : str or None
        File title (GPX ``<name>``, FIT course name); default: the route's name.
    start : datetime or None
        Time zone-aware start: GPX and TCX points get times from it (none without);
        FIT needs one.
    description : str or None
        GPX description; default: the route's one-line summary.
    points : sequence of RoutePoint
        Named points on the route, in the GPX (``<wpt>``) and in the FIT course.
    mark_climbs : bool
        Also mark the route's climbs and descents in the GPX (a FIT course always
        has them as course points).
    waypoints : sequence of (lon, lat, name, type)
        Points off the route for the GPX only (a safety sheet's bail-outs, water).
    course_points : sequence of RoutePoint
        Named points for the FIT course only (the same water and bail-outs, which the
        GPX already has as ``waypoints``).
    as_route : bool
        Write a GPX route (``<rte>``) instead of a track.
    """

    route: Route
    name: str | None = None
    start: datetime | None = None
    description: str | None = None
    points: Sequence[RoutePoint] = ()
    mark_climbs: bool = False
    waypoints: Sequence[Waypoint] = ()
    course_points: Sequence[RoutePoint] = ()
    as_route: bool = False


@dataclass(frozen=True)
class CalendarEvent:
    """One event of a calendar (:func:`routeplanner.output.ics.event_ics` makes one of a run).

    Attributes
    ----------
    uid : str
        Event UID; the same run exported again updates the event.
    start : datetime
        Time zone-aware start; a :class:`zoneinfo.ZoneInfo` zone is kept as ``TZID``
        (with its ``VTIMEZONE``) where it has yearly rules, any other is written in UTC.
    duration : timedelta
        Length of the event.
    summary, description : str
        Title and text (untrusted: characters a calendar cannot hold are dropped).
    stamp : datetime
        ``DTSTAMP``.
    place : EventPlace or None
        Where it meets (``LOCATION`` and ``GEO``).
    """

    uid: str
    start: datetime
    duration: timedelta
    summary: str
    description: str
    stamp: datetime
    place: EventPlace | None = None


@dataclass(frozen=True)
class Calendar:
    """A calendar of events that are not one route's own: sessions, meetings, a feed.

    Attributes
    ----------
    events : sequence of CalendarEvent
        The events, in order.
    merged : sequence of str
        Calendars whose events (and each time zone once) follow the events.
    prodid : str
        ``PRODID`` of the calendar.
    name : str or None
        ``X-WR-CALNAME``, the name calendar apps show.
    """

    events: Sequence[CalendarEvent] = ()
    merged: Sequence[str] = ()
    prodid: str = "-//routeplanner//EN"
    name: str | None = None


@dataclass(frozen=True)
class RouteSet:
    """Routes, best first, with what their shared files need.

    Attributes
    ----------
    docs : sequence of RouteDoc
        One per route.
    features : sequence of dict
        Extra GeoJSON features (segments, ski lines) after the routes'.
    map_html : callable or None
        Draws the HTML map (it needs the network and the DEM, which only the caller has).
    extra_json : mapping
        Keys added to the JSON summary.
    calendar : Calendar or None
        The calendar's events; None: one event for the first route.
    """

    docs: Sequence[RouteDoc]
    features: Sequence[Mapping[str, Any]] = ()
    map_html: Callable[[], str] | None = None
    extra_json: Mapping[str, Any] = field(default_factory=dict)
    calendar: Calendar | None = None

    @property
    def routes(self) -> list[Route]:
        """The routes, best first."""
        return [d.route for d in self.docs]


@dataclass(frozen=True)
class Format:
    """One kind of file.

    Attributes
    ----------
    name : str
        Registry key and export option (``--gpx``).
    suffix : str
        File name suffix, with its dot.
    render : callable
        ``render(route_set) -> bytes``.
    per_route : bool
        One file per route (``NAME``, ``NAME-2`` …) rather than one for all routes.
    help : str
        Help text of the export option.
    """

    name: str
    suffix: str
    render: Callable[[RouteSet], bytes]
    per_route: bool = False
    help: str = ""


def _gpx(rs: RouteSet) -> bytes:
    from routeplanner.output.export import gpx_document
    from routeplanner.output.points import profile_points

    doc = rs.docs[0]
    marks = [*profile_points(doc.route), *doc.points] if doc.mark_climbs else list(doc.points)
    return gpx_document(
        [doc.route],
        name=doc.name,
        description=doc.description,
        start=doc.start,
        points=marks,
        as_route=doc.as_route,
        waypoints=doc.waypoints,
    ).encode("utf-8")


def _fit(rs: RouteSet) -> bytes:
    from routeplanner.errors import InputError
    from routeplanner.output.fit import course_bytes

    doc = rs.docs[0]
    if doc.start is None:
        raise InputError("a FIT course needs a start time")
    marks = [*doc.points, *doc.course_points]
    return course_bytes(doc.route, start=doc.start, name=doc.name, points=marks)


def _module(name: str) -> Callable[[RouteSet], bytes]:
    """Give the ``render`` of the format module ``routeplanner.output.<name>``, loaded on use."""

    def render(rs: RouteSet) -> bytes:
        module = importlib.import_module(f"routeplanner.output.{name}")
        out: bytes = module.render(rs)
        return out

    return render


def _geojson(rs: RouteSet) -> bytes:
    from routeplanner.output.export import feature_collection

    data = feature_collection(rs.routes, [dict(f) for f in rs.features])
    return json.dumps(data).encode("utf-8")


def _html(rs: RouteSet) -> bytes:
    if rs.map_html is None:
        from routeplanner.output import maps

        title = rs.docs[0].name or rs.docs[0].route.name
        return maps.map_html(maps.route_map(rs.routes, title=title)).encode("utf-8")
    return rs.map_html().encode("utf-8")


def _json(rs: RouteSet) -> bytes:
    from routeplanner.output.export import summary_json

    data = {**summary_json(rs.routes), **rs.extra_json}
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _ics(rs: RouteSet) -> bytes:
    from routeplanner.errors import InputError
    from routeplanner.output.export import route_summary_line
    from routeplanner.output.ics import EventPlace, calendar_ics, event_ics

    if rs.calendar is not None:
        return calendar_ics(rs.calendar).encode("utf-8")
    doc = rs.docs[0]
    if doc.start is None:
        raise InputError("a calendar event needs a start time")
    route = doc.route
    place = EventPlace(
        route.names[0] if route.names else "start", lon=float(route.lon[0]), lat=float(route.lat[0])
    )
    text = event_ics(
        title=doc.name or route.name,
        start=doc.start,
        duration_s=route.stats.duration_s,
        place=place,
        description=route_summary_line(route),
    )
    return text.encode("utf-8")


def calendar_text(calendar: Calendar) -> str:
    """Return the iCalendar text of ``calendar``, made by the ``ics`` format."""
    return FORMATS["ics"].render(RouteSet((), calendar=calendar)).decode("utf-8")


#: Every format, by name (read-only).
FORMATS: Mapping[str, Format] = MappingProxyType(
    {
        f.name: f
        for f in (
            Format("gpx", ".gpx", _gpx, True, "GPX 1.1 track file."),
            Format("fit", ".fit", _fit, True, "FIT course for watches."),
            Format("tcx", ".tcx", _module("tcx"), True, "TCX course (Garmin Training Center)."),
            Format("geojson", ".geojson", _geojson, False, "GeoJSON file."),
            Format("html", ".html", _html, False, "HTML map."),
            Format("json", ".json", _json, False, "Route stats as JSON."),
            Format("ics", ".ics", _ics, False, "Calendar event (iCalendar)."),
        )
    }
)


def per_route_formats() -> tuple[str, ...]:
    """Names of the formats written one file per route."""
    return tuple(name for name, f in FORMATS.items() if f.per_route)
