"""VTIMEZONE blocks with yearly rules, valid for every year (not only up to 2037)."""

from __future__ import annotations

import re
import zoneinfo
from datetime import date, datetime, timedelta
from importlib import resources
from pathlib import Path

import icalendar

__all__ = ["posix_rule", "vtimezone"]

_NAME = r"(<[^>]+>|[A-Za-z]{3,})"
_OFF = r"([+-]?\d{1,3}(?::\d{2}){0,2})"
_WHEN = r"M(\d{1,2})\.(\d)\.(\d)(?:/" + _OFF + r")?"
_POSIX_RE = re.compile(rf"{_NAME}{_OFF}(?:{_NAME}{_OFF}?,{_WHEN},{_WHEN})?")
_DAYS = ("SU", "MO", "TU", "WE", "TH", "FR", "SA")


def posix_rule(key: str) -> str | None:
    """Return the POSIX TZ rule that a zone follows after its last listed change.

    Parameters
    ----------
    key
        IANA zone name, e.g. ``Europe/Andorra``.

    Returns
    -------
    str or None
        E.g. ``CET-1CEST,M3.5.0,M10.5.0/3``; None if the zone file has none.
    """
    data = None
    for root in zoneinfo.TZPATH:
        p = Path(root) / key
        if p.is_file():
            data = p.read_bytes()
            break
    if data is None:
        try:
            data = resources.files("tzdata").joinpath("zoneinfo", *key.split("/")).read_bytes()
        except (ModuleNotFoundError, FileNotFoundError, OSError):
            return None
    if not data.startswith(b"TZif") or data[4:5] < b"2":
        return None
    footer = data.rstrip(b"\n").rsplit(b"\n", 1)[-1].decode("ascii", "replace")
    return footer or None


def _seconds(text: str | None, default: int) -> int:
    if text is None:
        return default
    sign = -1 if text.startswith("-") else 1
    parts = [int(x) for x in text.lstrip("+-").split(":")]
    parts += [0] * (3 - len(parts))
    return sign * (parts[0] * 3600 + parts[1] * 60 + parts[2])


def _onset(year: int, month: int, week: int, weekday: int, at_s: int) -> datetime:
    """Return the local time of a ``Mm.w.d/time`` rule in ``year``."""
    first = date(year, month, 1)
    day = first + timedelta(days=(weekday - (first.isoweekday() % 7)) % 7 + 7 * (week - 1))
    while day.month != month:  # week 5 means the last one
        day -= timedelta(days=7)
    return datetime(day.year, day.month, day.day) + timedelta(seconds=at_s)


def _part(
    kind: str, name: str, off_from: int, off_to: int, rule: tuple[str, ...] | None
) -> icalendar.cal.Component:
    comp = icalendar.TimezoneDaylight() if kind == "DAYLIGHT" else icalendar.TimezoneStandard()
    comp.add("tzname", name.strip("<>"))
    comp.add("tzoffsetfrom", timedelta(seconds=off_from))
    comp.add("tzoffsetto", timedelta(seconds=off_to))
    if rule is None:
        comp.add("dtstart", datetime(1970, 1, 1))
        return comp
    month, week, weekday, at = int(rule[0]), int(rule[1]), int(rule[2]), rule[3]
    comp.add("dtstart", _onset(1970, month, week, weekday, _seconds(at, 7200)))
    byday = f"{-1 if week == 5 else week}{_DAYS[weekday]}"
    comp.add("rrule", {"freq": "yearly", "bymonth": month, "byday": byday})
    return comp


def vtimezone(key: str) -> icalendar.Timezone | None:
    """Build a VTIMEZONE for ``key`` from its current yearly rule (RRULEs, no end year).

    Parameters
    ----------
    key
        IANA zone name.

    Returns
    -------
    icalendar.Timezone or None
        None when the zone's rule cannot be expressed (then write times in UTC).
    """
    rule = posix_rule(key)
    m = _POSIX_RE.fullmatch(rule or "")
    if m is None:
        return None
    g = m.groups()
    std_name, std_off = g[0], -_seconds(g[1], 0)
    tz = icalendar.Timezone()
    tz.add("tzid", key)
    if g[2] is None:
        tz.add_component(_part("STANDARD", std_name, std_off, std_off, None))
        return tz
    dst_off = -_seconds(g[3], -std_off - 3600)
    tz.add_component(_part("DAYLIGHT", g[2], std_off, dst_off, g[4:8]))
    tz.add_component(_part("STANDARD", std_name, dst_off, std_off, g[8:12]))
    return tz
