"""Quantities people type or read: pace and speed, durations, distances and heights.

Parsers return SI values and raise one :class:`~routeplanner.errors.InputError`
naming the value and the accepted forms; formatters write metric or imperial text.
"""

from __future__ import annotations

import math
import re
from typing import Literal

from routeplanner._docstrings import fill
from routeplanner.errors import InputError

__all__ = [
    "FT_M",
    "GRADE_PRESETS",
    "MAX_DURATION_S",
    "MIN_DURATION_S",
    "MI_M",
    "SAC_SCALE",
    "UNIT_SYSTEMS",
    "UnitSystem",
    "format_distance",
    "format_duration",
    "format_height",
    "format_pace",
    "format_speed",
    "parse_distance",
    "parse_duration",
    "parse_height",
    "parse_minutes_window",
    "parse_pace",
    "parse_unit_system",
]

#: Metres in an international mile and foot.
MI_M = 1609.344
FT_M = 0.3048

#: Longest duration anything accepts: one day.
MAX_DURATION_S = 24 * 3600.0
#: Shortest duration anything accepts: one minute.
MIN_DURATION_S = 60.0

UnitSystem = Literal["metric", "imperial"]
#: Unit systems for ``--units``.
UNIT_SYSTEMS: tuple[str, ...] = ("metric", "imperial")

#: Named grade windows (rise/run, inclusive bounds) for climb-focused searches.
GRADE_PRESETS: dict[str, tuple[float, float]] = {
    # ski-touring skin track: steep enough to gain height, gentle enough to skin
    "skin-track": (0.15, 0.30),
    # vertical-kilometre style: 20 % and steeper, up to 45°
    "vk": (0.20, 1.0),
    # runnable climbs for easy days and tempo hill work
    "easy-climb": (0.05, 0.12),
    # power-hiking terrain: too steep to run for most
    "steep": (0.25, 0.5),
}

#: OSM ``sac_scale`` values and their T-grade.
SAC_SCALE: dict[str, int] = {
    "hiking": 1,
    "mountain_hiking": 2,
    "demanding_mountain_hiking": 3,
    "alpine_hiking": 4,
    "demanding_alpine_hiking": 5,
    "difficult_alpine_hiking": 6,
}

_MIN_PACE_S_PER_KM = 120.0
_MAX_PACE_S_PER_KM = 1800.0
_MAX_GRADE_PERCENT = 100.0
_MAX_GRADE_DEG = 60.0
_MAX_SLOPE_WINDOW_DEG = 70.0
_MAX_HEIGHT_M = 5000.0
_NUMBER = r"[0-9]+(?:\.[0-9]*)?|\.[0-9]+"
_DASH = r"\s*(?:-|–|to)\s*"
# Docstring parts that the parsers here and in settings share (routeplanner._docstrings.fill).
_PARSER_DOCS = {
    "what": "what : str\n    What the value is, for the error message.",
    "raises_malformed": "Raises\n------\nInputError\n    If malformed.",
    "raises_out_of_range": "Raises\n------\nInputError\n    If malformed or out of range.",
}


def parse_unit_system(text: str) -> UnitSystem:
    """Parse ``metric`` or ``imperial`` (case-insensitive).

    Examples
    --------
    >>> parse_unit_system("Imperial")
    'imperial'
    """
    key = str(text).strip().lower()
    if key == "metric":
        return "metric"
    if key == "imperial":
        return "imperial"
    raise InputError(f"invalid units {text!r}: use metric or imperial")


# ----------------------------------------------------------------------- pace

_PACE_RE = re.compile(
    rf"(?P<sign>[-+]?)\s*(?:(?P<mm>[0-9]+):(?P<ss>[0-9]{{2}})|(?P<min>{_NUMBER}))"
    r"\s*(?:min(?:utes?)?)?\s*(?:/\s*(?P<per>km|mi|mile))?"
)
_SPEED_RE = re.compile(rf"(?P<v>{_NUMBER})\s*(?P<u>km/h|kmh|kph|mph|mi/h)")
_PACE_FORMS = "'6:00', '6:00/km', '5:30 min/km', '9:39/mi', '10km/h' or '6mph'"


def parse_pace(text: str) -> float:
    """Parse a running pace or speed into seconds per kilometre.

    Parameters
    ----------
    text : str
        A pace ``m:ss`` per km, optionally with ``/km`` or ``min/km``; ``m:ss/mi``
        per mile; a speed in ``km/h`` or ``mph``; or a plain number of minutes
        per km.

    Returns
    -------
    float
        Seconds per km, between 120 (2:00/km) and 1800 (30:00/km).

    Raises
    ------
    InputError
        If the text is malformed, seconds are 60 or more, or the pace is out of range.

    Examples
    --------
    >>> parse_pace("6:00"), parse_pace("5:30 min/km"), parse_pace("6.5")
    (360.0, 330.0, 390.0)
    >>> parse_pace("10km/h"), round(parse_pace("9:39/mi"), 1), round(parse_pace("6mph"), 1)
    (360.0, 359.8, 372.8)
    """
    raw = str(text)
    key = raw.strip().lower()
    if speed := _SPEED_RE.fullmatch(key):
        kmh = float(speed["v"]) * (MI_M / 1000.0 if speed["u"] in ("mph", "mi/h") else 1.0)
        value = 3600.0 / kmh if kmh > 0 else math.inf
    elif match := _PACE_RE.fullmatch(key):
        if match["mm"] is not None:
            if int(match["ss"]) >= 60:
                raise InputError(f"invalid pace {raw!r}: seconds must be below 60")
            value = float(match["mm"]) * 60.0 + int(match["ss"])  # float: no digit limit
        else:
            value = float(match["min"]) * 60.0
        if match["per"] in ("mi", "mile"):
            value *= 1000.0 / MI_M
        if match["sign"] == "-":
            value = -value
    else:
        raise InputError(f"invalid pace {raw!r}: expected e.g. {_PACE_FORMS}")
    if not _MIN_PACE_S_PER_KM <= value <= _MAX_PACE_S_PER_KM:
        raise InputError(f"invalid pace {raw!r}: must be between 2:00 and 30:00 min/km")
    return value


def format_pace(s_per_km: float, units: UnitSystem = "metric") -> str:
    """Format seconds per km as ``m:ss`` per km (metric) or per mile (imperial).

    Parameters
    ----------
    s_per_km : float
        Pace in seconds per km.
    units : {"metric", "imperial"}
        Per km or per mile.

    Returns
    -------
    str
        E.g. ``"6:00"`` (no unit, so the text reads back with :func:`parse_pace`
        in metric; imperial is ``"9:39/mi"``).

    Raises
    ------
    InputError
        If the pace is negative or not finite.

    Examples
    --------
    >>> format_pace(360), format_pace(329.6), format_pace(360, "imperial")
    ('6:00', '5:30', '9:39/mi')
    """
    if not math.isfinite(s_per_km) or s_per_km < 0:
        raise InputError(f"invalid pace {s_per_km!r}: must be a finite, non-negative number")
    per_unit = s_per_km * MI_M / 1000.0 if units == "imperial" else s_per_km
    total = round(per_unit)  # round once so 359.6 s gives 6:00, not 5:60
    text = f"{total // 60}:{total % 60:02d}"
    return text + "/mi" if units == "imperial" else text


def format_speed(m_s: float, units: UnitSystem = "metric") -> str:
    """Format a speed in metres per second as km/h or mph.

    Examples
    --------
    >>> format_speed(2.5), format_speed(2.5, "imperial")
    ('9.0 km/h', '5.6 mph')
    """
    if units == "imperial":
        return f"{m_s * 3600.0 / MI_M:.1f} mph"
    return f"{m_s * 3.6:.1f} km/h"


# ------------------------------------------------------------------- duration

_DURATION_UNITS_RE = re.compile(
    rf"(?:(?P<h>{_NUMBER})\s*h(?:rs?|ours?)?)?\s*"
    rf"(?:(?P<m>{_NUMBER})\s*m(?:in(?:ute)?s?)?)?\s*"
    rf"(?:(?P<s>{_NUMBER})\s*s(?:ec(?:ond)?s?)?)?"
)
# "1h15": hours, then minutes without their unit
_DURATION_H_MM_RE = re.compile(rf"(?P<h>{_NUMBER})\s*h(?:rs?|ours?)?\s*(?P<m>[0-9]{{1,2}})")
_DURATION_CLOCK_RE = re.compile(r"([0-9]+):([0-9]{2})(?::([0-9]{2}(?:\.[0-9]*)?))?")


def _duration_units(key: str) -> float | None:
    """Seconds of ``1h15m``-style text, or None if it is not of that form."""
    units = _DURATION_H_MM_RE.fullmatch(key) or _DURATION_UNITS_RE.fullmatch(key)
    if not key or units is None:
        return None
    parts = units.groupdict()
    return sum(
        float(parts[name]) * scale
        for name, scale in (("h", 3600.0), ("m", 60.0), ("s", 1.0))
        if parts.get(name) is not None
    )


def parse_duration(text: str) -> float:
    """Parse a duration into seconds.

    Parameters
    ----------
    text : str
        Units (``"75m"``, ``"75min"``, ``"1h15m"``, ``"1h15"``, ``"1 h 15 min"``,
        ``"1.5h"``, ``"4500s"``), a clock (``"1:15"`` = h:mm, ``"1:15:00"`` =
        h:mm:ss) or a plain number of minutes (``"90"``).

    Returns
    -------
    float
        Seconds, from 1 min to 24 h.

    Raises
    ------
    InputError
        If the text is malformed or the duration is out of range.

    Examples
    --------
    >>> parse_duration("1h15m"), parse_duration("1h15"), parse_duration("1:15")
    (4500.0, 4500.0, 4500.0)
    >>> parse_duration("75m"), parse_duration("75min"), parse_duration("90")
    (4500.0, 4500.0, 5400.0)
    """
    raw = str(text)
    key = raw.strip().lower()
    seconds: float | None = None
    if re.fullmatch(_NUMBER, key):
        seconds = float(key) * 60.0
    elif clock := _DURATION_CLOCK_RE.fullmatch(key):
        hours, minutes, secs = clock.groups()
        if int(minutes) >= 60 or (secs is not None and float(secs) >= 60):
            raise InputError(f"invalid duration {raw!r}: minutes and seconds must be below 60")
        seconds = float(hours) * 3600.0 + int(minutes) * 60.0 + float(secs or 0)
    else:
        seconds = _duration_units(key)
    if seconds is None:
        raise InputError(
            f"invalid duration {raw!r}: expected e.g. '75min', '75m', '1h15', '1h15m', "
            "'1:15' or '4500s'"
        )
    if not MIN_DURATION_S <= seconds <= MAX_DURATION_S:
        raise InputError(f"invalid duration {raw!r}: use 1 min to 24 h")
    return seconds


def format_duration(seconds: float) -> str:
    """Format a duration for people: ``"45 s"``, ``"62 min"`` style below an hour.

    Below one minute the result is in seconds (``"45 s"``); below an hour in whole
    minutes (``"45 min"``); from an hour on as hours and minutes (``"1 h 15 min"``,
    ``"2 h"``).  Minutes are rounded to the nearest one.  From one minute on the
    output is accepted by :func:`parse_duration`.

    Parameters
    ----------
    seconds : float
        Non-negative duration in seconds.

    Returns
    -------
    str
        Readable duration.

    Raises
    ------
    InputError
        If `seconds` is negative or not finite.

    Examples
    --------
    >>> format_duration(4500), format_duration(2700), format_duration(7200), format_duration(40)
    ('1 h 15 min', '45 min', '2 h', '40 s')
    """
    if not math.isfinite(seconds) or seconds < 0:
        raise InputError(f"invalid duration {seconds!r}: must be a finite, non-negative number")
    if seconds < 59.5:
        return f"{round(seconds)} s"
    total_min = round(seconds / 60.0)  # round once so 3599 s gives "1 h", not "60 min"
    hours, minutes = divmod(total_min, 60)
    if hours == 0:
        return f"{minutes} min"
    if minutes == 0:
        return f"{hours} h"
    return f"{hours} h {minutes} min"


_MINUTES_RE = re.compile(rf"(?P<lo>{_NUMBER}){_DASH}(?P<hi>{_NUMBER})\s*(?:m|min|mins|minutes)?")


def parse_minutes_window(text: str) -> tuple[float, float]:
    """Parse a window of running minutes such as ``"5-10"`` into seconds.

    Parameters
    ----------
    text : str
        ``"5-10"``, ``"5-10min"``, ``"5 to 10 minutes"``.

    Returns
    -------
    tuple of float
        ``(low, high)`` in seconds, ``0 <= low < high <= 24 h``.

    Raises
    ------
    InputError
        If the text is malformed, the window is 0, empty or inverted.

    Examples
    --------
    >>> parse_minutes_window("5-10"), parse_minutes_window("5 to 10 minutes")
    ((300.0, 600.0), (300.0, 600.0))
    """
    raw = str(text)
    key = raw.strip().lower()
    match = _MINUTES_RE.fullmatch(key)
    if not match:
        if key and re.fullmatch(r"[-+]?0*(\.0*)?\s*(m|min|mins|minutes)?", key):
            raise InputError(f"invalid minutes window {raw!r}: a window of 0 minutes is empty")
        raise InputError(f"invalid minutes window {raw!r}: expected e.g. '5-10' (minutes)")
    lo, hi = float(match["lo"]), float(match["hi"])
    if hi <= 0:
        raise InputError(f"invalid minutes window {raw!r}: a window of 0 minutes is empty")
    if lo >= hi:
        raise InputError(f"invalid minutes window {raw!r}: lower bound must be below upper bound")
    if hi * 60.0 > MAX_DURATION_S:
        raise InputError(f"invalid minutes window {raw!r}: at most 24 h")
    return (lo * 60.0, hi * 60.0)


# ------------------------------------------------------------ distance, height

_LENGTH_UNITS = {
    "m": 1.0,
    "km": 1000.0,
    "k": 1000.0,
    "mi": MI_M,
    "ft": FT_M,
}
_LENGTH_RE = re.compile(rf"(?P<value>{_NUMBER})\s*(?P<unit>km|k|mi|m|ft)?")


def _length(raw: str, what: str, forms: str) -> tuple[float, bool]:
    """Metres of ``raw``, and whether it had a unit."""
    match = _LENGTH_RE.fullmatch(raw.strip().lower())
    if not match:
        raise InputError(f"invalid {what} {raw!r}: expected {forms}")
    unit = match["unit"]
    return float(match["value"]) * _LENGTH_UNITS.get(unit or "m", 1.0), unit is not None


@fill(**_PARSER_DOCS)
def parse_distance(text: str, *, what: str = "distance") -> float:
    """Parse a distance with its unit into metres.

    Parameters
    ----------
    text : str
        A number with unit ``m``, ``km`` (or ``k``), ``mi`` or ``ft``.  A bare
        number is refused: ``500`` could be metres or kilometres.
    %(what)s

    Returns
    -------
    float
        Distance in metres, > 0.

    Raises
    ------
    InputError
        If the text is malformed, has no unit, or the distance is not positive.

    Examples
    --------
    >>> parse_distance("5km"), parse_distance("800m"), parse_distance("1mi")
    (5000.0, 800.0, 1609.344)
    >>> parse_distance("500")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    routeplanner.errors.InputError: distance '500' needs a unit: e.g. '500m', '5km', ...
    """
    raw = str(text)
    forms = "e.g. '500m', '5km', '3mi' or '2000ft'"
    metres, has_unit = _length(raw, what, forms)
    if not has_unit:
        raise InputError(f"{what} {raw!r} needs a unit: {forms}")
    if metres <= 0:
        raise InputError(f"invalid {what} {raw!r}: must be greater than 0")
    return metres


@fill(**_PARSER_DOCS)
def parse_height(
    text: str, *, what: str = "height", min_m: float = 0.0, max_m: float = _MAX_HEIGHT_M
) -> float:
    """Parse a height (elevation gain, loss or drop) into metres.

    Parameters
    ----------
    text : str
        A number with unit ``m``, ``ft``, ``km`` or ``mi``; a bare number is
        metres, the unit heights are given in everywhere in the tool.
    %(what)s
    min_m, max_m : float
        Accepted range in metres (inclusive).

    Returns
    -------
    float
        Metres.

    %(raises_out_of_range)s

    Examples
    --------
    >>> parse_height("80m"), parse_height("80"), parse_height("1000ft"), parse_height("0.1km")
    (80.0, 80.0, 304.8, 100.0)
    """
    raw = str(text)
    metres, _ = _length(raw, what, "e.g. '300m' or '1000ft'")
    if not min_m <= metres <= max_m:
        raise InputError(f"{what} {raw!r} out of range: use {min_m:g} m to {max_m:g} m")
    return metres


def format_distance(metres: float, units: UnitSystem = "metric", *, digits: int = 1) -> str:
    """Format a distance in km (metric) or miles (imperial).

    Examples
    --------
    >>> format_distance(12345), format_distance(12345, "imperial")
    ('12.3 km', '7.7 mi')
    """
    if units == "imperial":
        return f"{metres / MI_M:.{digits}f} mi"
    return f"{metres / 1000.0:.{digits}f} km"


def format_height(metres: float, units: UnitSystem = "metric") -> str:
    """Format a height in whole metres (metric) or feet (imperial).

    Examples
    --------
    >>> format_height(612.4), format_height(612.4, "imperial")
    ('612 m', '2009 ft')
    """
    if units == "imperial":
        return f"{metres / FT_M:.0f} ft"
    return f"{metres:.0f} m"
