"""Settings of a request as people type them: where, which windows, how hard, when.

Coordinates, grade and slope windows, tolerance, difficulty, dates, clock times and
time zones. Shared limits and presets come from :mod:`routeplanner.units.quantities`.
"""

from __future__ import annotations

import math
import numbers
import os
import re
from collections.abc import Sequence
from datetime import date, time, tzinfo

from routeplanner._docstrings import fill
from routeplanner.errors import InputError
from routeplanner.units.quantities import (
    _DASH,
    _MAX_GRADE_DEG,
    _MAX_GRADE_PERCENT,
    _MAX_SLOPE_WINDOW_DEG,
    _NUMBER,
    _PARSER_DOCS,
    GRADE_PRESETS,
    SAC_SCALE,
)

__all__ = [
    "FIRST_DAY",
    "LAST_DAY",
    "check_day",
    "check_degrees",
    "env_positive",
    "parse_clock",
    "parse_date",
    "parse_difficulty",
    "parse_grade_window",
    "parse_latlon",
    "parse_share",
    "parse_slope_window",
    "parse_time_zone",
    "parse_tolerance",
    "parse_whole",
]

# ---------------------------------------------------------------- coordinates


def parse_latlon(text: str) -> tuple[float, float]:
    """Parse ``"lat,lon"`` as typed by people, returning ``(lon, lat)``.

    Parameters
    ----------
    text : str
        Latitude then longitude in decimal degrees, separated by a comma and/or
        whitespace (``"42.5,1.5"``, ``"42.5, 1.5"``, ``"42.5 1.5"``).

    Returns
    -------
    tuple of float
        ``(lon, lat)``, the internal (x, y) order.

    Raises
    ------
    InputError
        If the text is malformed or a coordinate is out of range.

    Examples
    --------
    >>> parse_latlon("42.5,1.5")
    (1.5, 42.5)
    """
    raw = str(text)
    parts = [p for p in re.split(r"\s*,\s*|\s+", raw.strip()) if p]
    try:
        lat, lon = (float(p) for p in parts)
    except ValueError:
        raise InputError(
            f"invalid coordinates {raw!r}: expected 'lat,lon' in decimal degrees"
        ) from None
    for name, value, limit in (("latitude", lat, 90), ("longitude", lon, 180)):
        if not -limit <= value <= limit:  # also rejects NaN
            raise InputError(f"{name} {value} out of range [-{limit}, {limit}] in {raw!r}")
    return (lon, lat)


# --------------------------------------------------------------------- grades

_GRADE_WINDOW_RE = re.compile(
    rf"(?P<lo>{_NUMBER})\s*(?P<u1>%|deg|°)?{_DASH}(?P<hi>{_NUMBER})\s*(?P<u2>%|deg|°)"
)


def parse_grade_window(text: str) -> tuple[float, float]:
    """Parse a window of (absolute) grades into rise/run bounds.

    Parameters
    ----------
    text : str
        ``"15-30%"`` (percent), ``"9-17deg"`` or ``"9-17°"`` (degrees), or a name
        from :data:`GRADE_PRESETS`.  The unit is required so ``"0.15-0.3"`` cannot be
        misread.

    Returns
    -------
    tuple of float
        ``(low, high)`` rise over run, ``0 <= low < high``.

    Raises
    ------
    InputError
        If the text is malformed, the window is empty or inverted, or a bound
        exceeds 100 % (60° in degrees).

    Examples
    --------
    >>> parse_grade_window("15-30%")
    (0.15, 0.3)
    >>> [round(g, 4) for g in parse_grade_window("9-17deg")]
    [0.1584, 0.3057]
    >>> parse_grade_window("skin-track")
    (0.15, 0.3)
    """
    raw = str(text)
    key = raw.strip().lower()
    if key in GRADE_PRESETS:
        return GRADE_PRESETS[key]
    match = _GRADE_WINDOW_RE.fullmatch(key)
    units = {match["u2"], match["u1"] or match["u2"]} if match else set()
    if not match or len(units) != 1:
        raise InputError(
            f"invalid grade window {raw!r}: expected e.g. '15-30%', '9-17deg' "
            f"or one of {', '.join(GRADE_PRESETS)}"
        )
    lo, hi = float(match["lo"]), float(match["hi"])
    if lo >= hi:
        raise InputError(f"invalid grade window {raw!r}: lower bound must be below upper bound")
    if match["u2"] == "%":
        if hi > _MAX_GRADE_PERCENT:
            raise InputError(f"invalid grade window {raw!r}: grades above 100% are not supported")
        return (lo / 100.0, hi / 100.0)
    if hi > _MAX_GRADE_DEG:
        raise InputError(f"invalid grade window {raw!r}: slopes above 60° are not supported")
    return (math.tan(math.radians(lo)), math.tan(math.radians(hi)))


_SLOPE_WINDOW_RE = re.compile(rf"(?P<lo>{_NUMBER})\s*(?:deg|°)?{_DASH}(?P<hi>{_NUMBER})\s*(deg|°)?")


def parse_slope_window(text: str | Sequence[float]) -> tuple[float, float]:
    """Parse a window of terrain slope in degrees, such as ``"30-45"`` or ``"30-45deg"``.

    Parameters
    ----------
    text : str or (float, float)
        ``"LO-HI"`` in degrees, with an optional ``deg``/``°`` unit, or a (lo, hi) pair.

    Returns
    -------
    tuple of float
        ``(lo, hi)`` in degrees, ``0 <= lo < hi <= 70``.

    Raises
    ------
    InputError
        If malformed, inverted or out of range (slopes above 70° are cliffs,
        not ski terrain).

    Examples
    --------
    >>> parse_slope_window("30-45"), parse_slope_window("30°-45°")
    ((30.0, 45.0), (30.0, 45.0))
    >>> parse_slope_window((30, 45))
    (30.0, 45.0)
    """
    if not isinstance(text, str):
        shown = repr(tuple(text))
        try:
            lo, hi = (float(v) for v in text)
        except (TypeError, ValueError):
            raise InputError(f"invalid slope window {shown}: expected (lo, hi) degrees") from None
        if not (math.isfinite(lo) and math.isfinite(hi)):
            raise InputError(f"invalid slope window {shown}: bounds must be finite")
    else:
        shown = repr(text)
        match = _SLOPE_WINDOW_RE.fullmatch(text.strip().lower())
        if not match:
            raise InputError(f"invalid slope window {shown}: expected degrees like '30-45'")
        lo, hi = float(match["lo"]), float(match["hi"])
    if lo >= hi:
        raise InputError(f"invalid slope window {shown}: the low bound must be below the high")
    if not (0.0 <= lo and hi <= _MAX_SLOPE_WINDOW_DEG):
        raise InputError(
            f"slope window {shown} out of range: need 0 <= low < high <= "
            f"{_MAX_SLOPE_WINDOW_DEG:.0f} degrees"
        )
    return lo, hi


def check_degrees(value: float, *, what: str, lo: float = 0.0, hi: float = 90.0) -> float:
    """Return a slope angle in degrees if it is finite and from `lo` to `hi`.

    Parameters
    ----------
    value : float
        The angle, as click read it.
    what : str
        The option, for the error message.
    lo, hi : float
        Accepted range (inclusive).

    Returns
    -------
    float
        `value`.

    Raises
    ------
    InputError
        If not finite or out of range.

    Examples
    --------
    >>> check_degrees(30, what="--max-slope", lo=5)
    30.0
    """
    if not (math.isfinite(value) and lo <= value <= hi):
        raise InputError(f"{what} {value!r} out of range: use {lo:g} to {hi:g} degrees")
    return float(value)


# ------------------------------------------------------------------ tolerance


@fill(**_PARSER_DOCS)
def parse_tolerance(text: str) -> float:
    """Parse an accepted relative error: ``5%``, ``0.05``, or ``3`` read as 3 %.

    A bare number below 1 is a fraction, from 1 on a percentage.

    Parameters
    ----------
    text : str
        The tolerance as typed.

    Returns
    -------
    float
        Fraction, between 0.005 (0.5 %) and 0.5 (50 %).

    %(raises_out_of_range)s

    Examples
    --------
    >>> parse_tolerance("5%"), parse_tolerance("0.05"), parse_tolerance("3")
    (0.05, 0.05, 0.03)
    """
    raw = str(text)
    t = raw.strip()
    try:
        if t.endswith("%"):
            value = float(t[:-1]) / 100.0
        else:
            value = float(t)
            value = value / 100.0 if value >= 1.0 else value
    except ValueError:
        raise InputError(f"invalid tolerance {raw!r}: use e.g. 5%, 3 (= 3%) or 0.05") from None
    if not 0.005 <= value <= 0.5:
        raise InputError(f"tolerance {raw!r} out of range: use 0.5% to 50%")
    return value


@fill(**_PARSER_DOCS)
def parse_share(text: str, *, what: str = "share") -> float:
    """Parse a share: ``10%``, ``0.1``, or ``10`` read as 10 %.

    A bare number up to 1 is a fraction, above 1 a percentage; a number with
    ``%`` is always a percentage (``150%`` is 1.5, not 1.5 %).  The caller
    checks the range.

    Parameters
    ----------
    text : str
        The share as typed.
    %(what)s

    Returns
    -------
    float
        Fraction, 0 or more.

    %(raises_malformed)s

    Examples
    --------
    >>> parse_share("10%"), parse_share("0.1"), parse_share("10"), parse_share("150%")
    (0.1, 0.1, 0.1, 1.5)
    """
    raw = str(text)
    key = raw.strip()
    number = key[:-1].strip() if key.endswith("%") else key
    if not re.fullmatch(_NUMBER, number):
        raise InputError(
            f"invalid {what} {raw!r}: use a percentage like 10% or a fraction like 0.1"
        )
    value = float(number)
    return value / 100.0 if key.endswith("%") or value > 1.0 else value


@fill(**_PARSER_DOCS)
def parse_whole(text: str | int, *, what: str = "number") -> int:
    """Parse a whole number 0 or more, such as a count or a seed.

    Parameters
    ----------
    text : str or int
        Decimal digits (at most 18), or an int.
    %(what)s

    Returns
    -------
    int
        The number.  The caller checks the range.

    Raises
    ------
    InputError
        If the text is not a whole number 0 or more.

    Examples
    --------
    >>> parse_whole("6"), parse_whole(" 0 ")
    (6, 0)
    """
    raw = str(text)
    if isinstance(text, bool) or not re.fullmatch(r"[0-9]{1,18}", raw.strip()):
        raise InputError(f"invalid {what} {raw!r}: use a whole number 0 or more, e.g. 4")
    return int(raw.strip())


# ------------------------------------------------------------------ difficulty


def parse_difficulty(text: str | int) -> int:
    """Parse a SAC hiking difficulty into a T-grade 1..6.

    Parameters
    ----------
    text : str or int
        ``"T3"``, ``"t3"``, ``"3"``, ``3`` or an OSM ``sac_scale`` value such as
        ``"demanding_mountain_hiking"``.

    Returns
    -------
    int
        T-grade between 1 and 6.

    Raises
    ------
    InputError
        If the value is not a known difficulty.

    Examples
    --------
    >>> parse_difficulty("T3"), parse_difficulty(5), parse_difficulty("alpine_hiking")
    (3, 5, 4)
    """
    if isinstance(text, bool):  # bool is an int subclass; True is not a grade
        raise InputError(f"invalid difficulty {text!r}: expected T1..T6 or a sac_scale value")
    if isinstance(text, numbers.Integral):
        grade = int(text)
    else:
        key = str(text).strip().lower()
        match = re.fullmatch(r"t?([0-9]{1,9})", key)
        if match:
            grade = int(match.group(1))
        elif key in SAC_SCALE:
            grade = SAC_SCALE[key]
        else:
            raise InputError(
                f"invalid difficulty {text!r}: expected T1..T6 or one of {', '.join(SAC_SCALE)}"
            )
    if not 1 <= grade <= 6:
        raise InputError(f"invalid difficulty {text!r}: T-grade must be between 1 and 6")
    return grade


# ------------------------------------------------------------ date, time zone


#: First and last day of a run: FIT files count time in 32-bit seconds from 1989-12-31
#: (to 2126), and a day next to year 1 or 9999 overflows Python's dates.
FIRST_DAY = date(1990, 1, 1)
LAST_DAY = date(2100, 12, 31)


def check_day(day: date, text: object) -> date:
    """Return `day` if it is from :data:`FIRST_DAY` to :data:`LAST_DAY`.

    Parameters
    ----------
    day : date
        The day read.
    text : object
        The value as typed, for the error message.

    Returns
    -------
    date
        `day`.

    Raises
    ------
    InputError
        If the day is out of range.
    """
    if not FIRST_DAY <= day <= LAST_DAY:
        raise InputError(f"invalid date {text!r}: use a day from {FIRST_DAY} to {LAST_DAY}")
    return day


@fill(**_PARSER_DOCS)
def parse_date(text: str) -> date:
    """Parse a day ``YYYY-MM-DD``, from 1990 to 2100.

    %(raises_out_of_range)s

    Examples
    --------
    >>> parse_date("2027-06-12")
    datetime.date(2027, 6, 12)
    """
    try:
        day = date.fromisoformat(str(text).strip())
    except ValueError:
        raise InputError(f"invalid date {text!r}: expected YYYY-MM-DD, e.g. 2027-06-12") from None
    return check_day(day, text)


@fill(**_PARSER_DOCS)
def parse_clock(text: str) -> time:
    """Parse a time of day ``HH:MM`` (or ``HH:MM:SS``).

    %(raises_malformed)s

    Examples
    --------
    >>> parse_clock("7:30")
    datetime.time(7, 30)
    """
    t = str(text).strip()
    if len(t) == 4 and t[1] == ":":
        t = "0" + t
    try:
        clock = time.fromisoformat(t)
    except ValueError:
        raise InputError(f"invalid time {text!r}: expected HH:MM, e.g. 07:30") from None
    return clock.replace(tzinfo=None)


def parse_time_zone(text: str) -> tzinfo:
    """Parse an IANA time zone name (``Europe/Andorra``) or ``UTC``.

    Raises
    ------
    InputError
        If the zone is unknown.

    Examples
    --------
    >>> parse_time_zone("Europe/Andorra")
    zoneinfo.ZoneInfo(key='Europe/Andorra')
    """
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    name = str(text).strip()
    try:
        if not name:
            raise ValueError(name)
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(
            f"unknown time zone {text!r}: use an IANA name like Europe/Andorra or UTC"
        ) from None


def env_positive(name: str, default: float) -> float:
    """Read a positive number from environment variable ``name`` (``default`` if unset).

    Raises
    ------
    InputError
        If the variable is set to anything but a positive finite number.
    """
    text = os.environ.get(name)
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise InputError(f"invalid {name} {text!r}: give a positive number")
    return value
