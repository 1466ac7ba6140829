"""One planned run as an RFC 5545 calendar event (``.ics``), with icalendar.

A ``ZoneInfo`` start keeps its ``TZID`` and a ``VTIMEZONE`` with yearly rules; the
event's UID follows from its title and start, so exporting the same run again
updates the event in a calendar instead of adding a second one.
"""

from __future__ import annotations

import logging
import math
import os
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from routeplanner._io import write_checked
from routeplanner.errors import InputError
from routeplanner.output.export import _aware, _text
from routeplanner.output.formats import Calendar, CalendarEvent, calendar_text

__all__ = ["ICS_PRODID", "EventPlace", "calendar_ics", "event_ics", "write_ics"]

log = logging.getLogger(__name__)

ICS_PRODID = "-//routeplanner//EN"
_UID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://routeplanner.invalid/ics")


def _ics_text(value: object) -> str:
    # iCalendar TEXT escapes newlines itself; normalise CRLF/CR so they stay one break.
    return _text(str(value).replace("\r\n", "\n").replace("\r", "\n"))


@dataclass(frozen=True)
class EventPlace:
    """Where an event meets.

    Attributes
    ----------
    name : str
        Place name, written as ``LOCATION``.
    lon, lat : float
        Meeting point in degrees, written as ``GEO``.

    Raises
    ------
    InputError
        If the coordinates are out of range.
    """

    name: str
    lon: float
    lat: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.lat) and -90.0 <= self.lat <= 90.0):
            raise InputError(f"invalid latitude {self.lat!r}: must be between -90 and 90")
        if not (math.isfinite(self.lon) and -180.0 <= self.lon <= 180.0):
            raise InputError(f"invalid longitude {self.lon!r}: must be between -180 and 180")


def event_ics(
    *,
    title: str,
    start: datetime,
    duration_s: float,
    place: EventPlace,
    description: str,
    uid: str | None = None,
    stamp: datetime | None = None,
) -> str:
    """Return an RFC 5545 calendar with one event for a planned run.

    Parameters
    ----------
    title
        Event summary.
    start
        Time zone-aware start.  A :class:`zoneinfo.ZoneInfo` zone is kept as
        ``TZID`` (with its ``VTIMEZONE``); any other offset is written in UTC.
    duration_s
        Length of the event in seconds (rounded to whole seconds, at least 1).
    place
        Place name and start point (``LOCATION`` and ``GEO``).
    description
        Event description (may span lines).
    uid
        Event UID; by default derived from ``title`` and the start instant, so
        exporting the same run again updates the event rather than duplicating it.
    stamp
        ``DTSTAMP`` (creation time); defaults to now.

    Returns
    -------
    str
        The calendar text, CRLF line endings.

    Raises
    ------
    InputError
        If ``start`` is naive or the duration is not positive and finite.
    """
    _aware(start, "start time")
    if not math.isfinite(duration_s) or duration_s <= 0:
        raise InputError(f"invalid event duration {duration_s!r} s: must be more than 0")
    stamp = datetime.now(timezone.utc) if stamp is None else _aware(stamp, "stamp time")
    if uid is None:
        start_utc = start.astimezone(timezone.utc)
        key = f"{title}\x1f{start_utc.strftime('%Y%m%dT%H%M%SZ')}"
        uid = f"{uuid.uuid5(_UID_NAMESPACE, key)}@routeplanner"
    event = CalendarEvent(
        uid=uid,
        start=start,
        duration=timedelta(seconds=max(1, round(duration_s))),
        summary=title,
        description=description,
        stamp=stamp,
        place=place,
    )
    return calendar_text(Calendar([event], prodid=ICS_PRODID))


def calendar_ics(calendar: Calendar) -> str:
    """Return the RFC 5545 text of a calendar: the one maker of ``.ics`` files.

    Each event starting in a :class:`zoneinfo.ZoneInfo` zone keeps its ``TZID``, with
    the zone's ``VTIMEZONE`` once before its first event; other starts are in UTC.
    The events of ``calendar.merged`` follow, with each of their zones once.

    Parameters
    ----------
    calendar
        The events, the calendars to merge, ``PRODID`` and name.

    Returns
    -------
    str
        The calendar text, CRLF line endings.
    """
    import icalendar

    from routeplanner.output._vtimezone import vtimezone

    out = icalendar.Calendar()
    out.add("prodid", calendar.prodid)
    out.add("version", "2.0")
    if calendar.name is not None:
        out.add("x-wr-calname", calendar.name)
    zones: set[str] = set()

    def add_zone(zone: Any) -> None:
        tzid = str(zone.get("tzid"))
        if tzid not in zones:
            zones.add(tzid)
            out.add_component(zone)

    for ev in calendar.events:
        # TZID needs an IANA name and a VTIMEZONE with yearly rules (icalendar's own
        # stop in 2037); fixed offsets and zones without such a rule use UTC.
        zone = vtimezone(ev.start.tzinfo.key) if isinstance(ev.start.tzinfo, ZoneInfo) else None
        if zone is not None:
            add_zone(zone)
        out.add_component(_vevent(ev, in_zone=zone is not None))
    for text in calendar.merged:
        cal = icalendar.Calendar.from_ical(text)
        for tz in cal.walk("VTIMEZONE"):
            add_zone(tz)
        for vevent in cal.walk("VEVENT"):
            out.add_component(vevent)
    ret: str = out.to_ical().decode("utf-8")
    return ret


def _vevent(ev: CalendarEvent, *, in_zone: bool) -> Any:
    import icalendar

    event = icalendar.Event()
    event.add("uid", _ics_text(ev.uid))
    event.add("dtstamp", ev.stamp.astimezone(timezone.utc))
    event.add("dtstart", ev.start if in_zone else ev.start.astimezone(timezone.utc))
    event.add("duration", ev.duration)
    event.add("summary", _ics_text(ev.summary))
    if ev.place is not None:
        event.add("location", _ics_text(ev.place.name))
        event.add("geo", (float(ev.place.lat), float(ev.place.lon)))
    event.add("description", _ics_text(ev.description))
    return event


def write_ics(path: str | os.PathLike[str], **kwargs: Any) -> Path:
    """Write :func:`event_ics` (called with ``kwargs``) to ``path``, atomically.

    Parameters
    ----------
    path
        Output file.
    **kwargs
        Arguments of :func:`event_ics`.

    Returns
    -------
    Path
        The written file (:func:`routeplanner._io.write_checked`: InputError if it
        cannot be written, or if an event value is invalid).
    """
    out = write_checked(path, lambda _target: event_ics(**kwargs))
    log.debug("wrote calendar event to %s", out)
    return out
