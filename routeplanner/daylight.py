"""Start times and daylight: a region's time zone, the default start, sunrise and sunset."""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from routeplanner.errors import InputError

__all__ = [
    "DEFAULT_START",
    "default_start",
    "parse_start",
    "region_timezone",
    "start_at",
    "sun_times",
]

log = logging.getLogger(__name__)

#: Default start time of day when none is given.
DEFAULT_START = time(8, 0)


def region_timezone(name: str | None, lon: float, lat: float) -> ZoneInfo:
    """Find the time zone of a region: the catalog's ``timezone``, else looked up offline.

    Parameters
    ----------
    name
        IANA zone name from the region catalog, or None.
    lon, lat
        A point of the region, for :mod:`timezonefinder` when it is installed.

    Returns
    -------
    zoneinfo.ZoneInfo
        UTC when neither is available (with a warning).

    Raises
    ------
    InputError
        If ``name`` is not a known IANA zone.
    """
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise InputError(f"unknown time zone {name!r}: expected e.g. Europe/Andorra") from None
    try:
        from timezonefinder import TimezoneFinder  # optional, offline
    except ImportError:
        log.warning("no time zone for this area (no catalog entry, no timezonefinder): using UTC")
        return ZoneInfo("UTC")
    found = TimezoneFinder().timezone_at(lng=lon, lat=lat)
    return ZoneInfo(found or "UTC")


def default_start(zone: tzinfo, *, now: datetime | None = None) -> datetime:
    """Return the next 08:00 in ``zone`` after ``now`` (default: the current time).

    Examples
    --------
    >>> from zoneinfo import ZoneInfo
    >>> z = ZoneInfo("Europe/Andorra")
    >>> default_start(z, now=datetime(2025, 6, 1, 9, 30, tzinfo=z)).isoformat()
    '2025-06-02T08:00:00+02:00'
    """
    now = (now or datetime.now(zone)).astimezone(zone)
    start = datetime.combine(now.date(), DEFAULT_START, tzinfo=zone)
    return (
        start
        if start > now
        else datetime.combine(now.date() + timedelta(days=1), DEFAULT_START, tzinfo=zone)
    )


def start_at(
    day: date | None, clock: time | None, zone: tzinfo, *, now: datetime | None = None
) -> datetime:
    """Combine a day and a time of day in ``zone``; missing parts from :func:`default_start`."""
    base = default_start(zone, now=now)
    return datetime.combine(day or base.date(), clock or base.time(), tzinfo=zone)


def parse_start(
    date_text: str | None, time_text: str | None, zone: tzinfo, *, now: datetime | None = None
) -> datetime:
    """Parse the start from ``YYYY-MM-DD`` and ``HH:MM`` texts in ``zone`` (None: default).

    Raises
    ------
    InputError
        If either text is malformed.
    """
    from routeplanner.units import parse_clock, parse_date

    day = parse_date(date_text) if date_text is not None else None
    clock = parse_clock(time_text) if time_text is not None else None
    return start_at(day, clock, zone, now=now)


def sun_times(
    lon: float, lat: float, day: date, zone: tzinfo
) -> tuple[datetime | None, datetime | None]:
    """Sunrise and sunset (astral, standard refraction) at a place, in ``zone``.

    Returns None for an event that does not happen that day (polar day/night).
    """
    from astral import Observer
    from astral.sun import sunrise, sunset

    obs = Observer(latitude=lat, longitude=lon)
    out: list[datetime | None] = []
    for fn in (sunrise, sunset):
        try:
            out.append(fn(obs, date=day, tzinfo=zone))
        except ValueError:
            out.append(None)
    return out[0], out[1]
