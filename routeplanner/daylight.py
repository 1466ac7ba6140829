"""Sunrise and sunset for a place and day, and whether a trip fits in the daylight."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone, tzinfo
from typing import NamedTuple

from routeplanner.errors import InputError

__all__ = [
    "SunTimes",
    "TripDay",
    "sun_times",
]

log = logging.getLogger(__name__)


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
