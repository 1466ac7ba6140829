"""Sunrise and sunset for a place and day, whether a trip fits in the daylight, and start times.

A run starts, unless told otherwise, at the next 08:00 in the region's time
zone (:func:`default_start`); the zone is the region catalog's ``timezone``
(:func:`region_timezone`).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from typing import NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from routeplanner.errors import InputError

__all__ = [
    "DEFAULT_START",
    "SunTimes",
    "TripDay",
    "clock",
    "default_start",
    "parse_start",
    "region_timezone",
    "start_at",
    "sun_times",
    "zone_label",
]

log = logging.getLogger(__name__)

#: Default start time of day when none is given.
DEFAULT_START = time(8, 0)


@dataclass(frozen=True)
class TripDay:
    """The day of a trip, and the zone its times are given in.

    Attributes
    ----------
    day : datetime.date
        Calendar date.
    tz : datetime.tzinfo
        Zone of the sunrise, sunset and latest start (UTC by default).
    """

    day: date
    tz: tzinfo = timezone.utc


class SunTimes(NamedTuple):
    """Sunrise and sunset on a day, and what they mean for a trip.

    Attributes
    ----------
    day : datetime.date
        The date.
    sunrise, sunset : datetime or None
        Aware datetimes in the requested zone; None when the sun does not rise
        or set that day (polar day or night).
    day_length_s : float
        Time between sunrise and sunset (86400 or 0 at the poles' extremes).
    latest_start : datetime or None
        Sunset minus the daylight needed; None if there is no sunset.
    fits : bool
        Whether the daylight needed fits between sunrise and sunset.
    """

    day: date
    sunrise: datetime | None
    sunset: datetime | None
    day_length_s: float
    latest_start: datetime | None
    fits: bool


def sun_times(lon: float, lat: float, day: date, tz: tzinfo = timezone.utc) -> SunTimes:
    """Sunrise and sunset (NOAA general solar position approximation).

    Uses the fractional-year series for the equation of time and declination,
    and a zenith of 90.833° (upper limb, standard refraction).

    Parameters
    ----------
    lon, lat
        Place in degrees.
    day
        Calendar date (UTC day of the computation).
    tz
        Zone of the returned times.

    Returns
    -------
    SunTimes
        With ``latest_start`` None and ``fits`` True (no trip yet).

    Examples
    --------
    >>> s = sun_times(0.0, 0.0, date(2024, 3, 20))
    >>> round(s.day_length_s / 3600, 2)
    12.11
    """
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise InputError(f"coordinates out of range: {lat},{lon}")
    doy = day.timetuple().tm_yday
    days_in_year = (
        366 if (day.year % 4 == 0 and day.year % 100 != 0) or day.year % 400 == 0 else 365
    )
    g = 2 * math.pi / days_in_year * (doy - 1)  # fractional year at 12:00 UTC
    eqtime = 229.18 * (
        0.000075
        + 0.001868 * math.cos(g)
        - 0.032077 * math.sin(g)
        - 0.014615 * math.cos(2 * g)
        - 0.040849 * math.sin(2 * g)
    )
    decl = (
        0.006918
        - 0.399912 * math.cos(g)
        + 0.070257 * math.sin(g)
        - 0.006758 * math.cos(2 * g)
        + 0.000907 * math.sin(2 * g)
        - 0.002697 * math.cos(3 * g)
        + 0.00148 * math.sin(3 * g)
    )
    phi = math.radians(lat)
    cos_ha = math.cos(math.radians(90.833)) / (math.cos(phi) * math.cos(decl)) - math.tan(
        phi
    ) * math.tan(decl)
    midnight = datetime(day.year, day.month, day.day, tzinfo=timezone.utc)
    if cos_ha <= -1.0:  # sun never sets
        return SunTimes(day, None, None, 86400.0, None, True)
    if cos_ha >= 1.0:  # sun never rises
        return SunTimes(day, None, None, 0.0, None, False)
    ha = math.degrees(math.acos(cos_ha))
    rise_min = 720.0 - 4.0 * (lon + ha) - eqtime
    set_min = 720.0 - 4.0 * (lon - ha) - eqtime
    sunrise = (midnight + timedelta(minutes=rise_min)).astimezone(tz)
    sunset = (midnight + timedelta(minutes=set_min)).astimezone(tz)
    return SunTimes(day, sunrise, sunset, (set_min - rise_min) * 60.0, None, True)


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


def clock(t: datetime | None) -> str:
    """Clock time rounded to the nearest minute ("none" for None)."""
    return "none" if t is None else (t + timedelta(seconds=30)).strftime("%H:%M")


def zone_label(t: datetime) -> str:
    """Name the zone of a clock time: its abbreviation and, when it differs, its IANA name.

    Examples
    --------
    >>> from zoneinfo import ZoneInfo
    >>> zone_label(datetime(2025, 7, 12, 9, 0, tzinfo=ZoneInfo("Europe/Andorra")))
    'CEST (Europe/Andorra)'
    >>> zone_label(datetime(2025, 7, 12, 9, 0, tzinfo=ZoneInfo("UTC")))
    'UTC'
    """
    abbr = t.tzname() or ""
    key = getattr(t.tzinfo, "key", None)
    return f"{abbr} ({key})" if key and key != abbr else abbr
