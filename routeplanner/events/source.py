"""Reading an event file's values with their place: every error names ``file:line``.

Private to :mod:`routeplanner.events`: :class:`_Source` holds the text and finds the line
of a key; the parsers check one value each and raise :class:`~routeplanner.errors.InputError`.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timezone
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from routeplanner.errors import InputError
from routeplanner.units import check_day

#: A clock time as typed: ``8:00``, ``08:00``, ``08:00:30``.
_TIME_RE = re.compile(r"([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?")
#: Control characters, refused in one-line values.
_CONTROL_RE = re.compile("[\x00-\x1f\x7f]")


class _Source:
    """An event file's text, to put line numbers on errors."""

    _HEADER_RE = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$")

    def __init__(self, text: str, name: str) -> None:
        self.name = name
        self.lines = text.splitlines()
        self.headers: list[tuple[int, str, bool]] = []  # (index, table, is_array)
        for i, line in enumerate(self.lines):
            m = self._HEADER_RE.match(line)
            if m:
                self.headers.append((i, m[2].strip().strip("\"'"), m[1] == "[["))

    def _span(self, table: str | None, index: int | None) -> tuple[int, int] | None:
        """Line range (start, stop) of a table's body; the top level when ``table`` is None."""
        if table is None:
            return (0, self.headers[0][0] if self.headers else len(self.lines))
        seen = -1
        for k, (i, name, is_array) in enumerate(self.headers):
            if name != table:
                continue
            seen += 1
            if is_array and index is not None and seen != index:
                continue
            stop = self.headers[k + 1][0] if k + 1 < len(self.headers) else len(self.lines)
            return (i, stop)
        return None

    def line(
        self, table: str | None = None, key: str | None = None, index: int | None = None
    ) -> int | None:
        """1-based line of ``key`` in a table (or of the table's header), None if unknown.

        A key that is itself a table (``[colour]``) is found by its header.
        """
        span = self._span(table, index)
        if span is None:
            return None
        if key is not None:
            pat = re.compile(
                rf"^\s*(?:{re.escape(key)}|\"{re.escape(key)}\"|'{re.escape(key)}')\s*="
            )
            for i in range(*span):
                if pat.match(self.lines[i]):
                    return i + 1
            dotted = key if table is None else f"{table}.{key}"
            for i, name, _ in self.headers:
                if name == dotted:
                    return i + 1
        return span[0] + 1 if table is not None else None

    def error(
        self,
        message: str,
        table: str | None = None,
        key: str | None = None,
        index: int | None = None,
    ) -> InputError:
        line = self.line(table, key, index)
        where = f"{self.name}:{line}" if line else self.name
        return InputError(f"{where}: {message}")


def _where(table: str | None, index: int | None) -> str:
    if table is None:
        return "at the top level"
    return f"in [[{table}]] #{index + 1}" if index is not None else f"in [{table}]"


def _check_keys(
    src: _Source,
    raw: Mapping[str, Any],
    valid: Sequence[str],
    table: str | None,
    index: int | None = None,
) -> None:
    for key in raw:
        if key not in valid:
            close = difflib.get_close_matches(key, valid, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise src.error(
                f"unknown key {key!r} {_where(table, index)}{hint}; valid keys: {', '.join(valid)}",
                table,
                key,
                index,
            )


_REQUIRED = object()


def _string(
    src: _Source,
    raw: Mapping[str, Any],
    key: str,
    table: str | None = None,
    index: int | None = None,
    default: Any = _REQUIRED,
    multiline: bool = False,
) -> Any:
    """Return a string value, stripped; ``default`` if the key is absent (required without)."""
    if key not in raw:
        if default is _REQUIRED:
            raise src.error(f"{key} is missing", table, None, index)
        return default
    value = raw[key]
    if not isinstance(value, str):
        raise src.error(f"{key} must be a string, got {value!r}", table, key, index)
    value = value.strip()
    if not multiline and _CONTROL_RE.search(value):
        raise src.error(f"{key} must be one line of text, got {value!r}", table, key, index)
    return value


def _parse_date(src: _Source, value: Any) -> date:
    if isinstance(value, datetime):  # a datetime is also a date: refuse it first
        raise src.error(
            f"date must be a day such as 2027-06-12, got {value.isoformat()!r}", key="date"
        )
    day = None
    if isinstance(value, date):
        day = value
    elif isinstance(value, str):
        try:
            day = date.fromisoformat(value.strip())
        except ValueError:
            pass
    if day is None:
        raise src.error(f"invalid date {value!r}: expected YYYY-MM-DD, e.g. 2027-06-12", key="date")
    try:
        return check_day(day, str(value))
    except InputError as exc:
        raise src.error(str(exc), key="date") from None


def _parse_clock(src: _Source, value: Any, key: str) -> time:
    if isinstance(value, time):
        if value.tzinfo is not None:
            raise src.error(f"{key} must be a local time; set the zone with timezone", key=key)
        return value
    if isinstance(value, str):
        m = _TIME_RE.fullmatch(value.strip())
        if m:
            h, mi, s = int(m[1]), int(m[2]), int(m[3] or 0)
            if h < 24 and mi < 60 and s < 60:
                return time(h, mi, s)
    if isinstance(value, datetime):
        value = value.isoformat()
    raise src.error(
        f'invalid {key} time {value!r}: expected HH:MM (24-hour), e.g. "08:00"', key=key
    )


def _parse_zone(src: _Source, value: Any) -> ZoneInfo:
    if not isinstance(value, str) or not value.strip():
        raise src.error(
            f'timezone must be an IANA zone name such as "Europe/Andorra", got {value!r}',
            key="timezone",
        )
    try:
        return ZoneInfo(value.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise src.error(
            f'unknown timezone {value!r}: use an IANA zone name such as "Europe/Andorra"',
            key="timezone",
        ) from None


def _localize(src: _Source, day: date, clock: time, zone: ZoneInfo, key: str) -> datetime:
    """Return an aware datetime, refusing local times a DST change skips."""
    local = datetime.combine(day, clock)
    aware = local.replace(tzinfo=zone)
    if aware.astimezone(timezone.utc).astimezone(zone).replace(tzinfo=None) != local:
        raise src.error(
            f"{key} {clock.strftime('%H:%M')} does not exist on {day.isoformat()} in "
            f"{zone.key} (the clocks change then)",
            key=key,
        )
    return aware
