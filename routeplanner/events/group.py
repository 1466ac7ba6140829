"""Group runs: one meeting point, a loop per pace group, everyone back together.

An event file (TOML, see ``docs/group-events.md``) names a meeting point, a
start time and a duration (or return time), and the pace groups.  Every group
gets its own loop from the meeting point whose *estimated duration* under the
group's pace is within ±3 % of the event's duration, so a slower group runs
less distance and all groups are back together.  Junctions (network nodes) that
two or more groups' loops pass are *regroup points*.

Outputs are built in memory (:func:`render_outputs`) and written by
:func:`write_outputs` into a temporary folder beside the target that is renamed
into place at the end, so a failed run never leaves a half-written folder.
"""

from __future__ import annotations

import base64
import dataclasses
import difflib
import html
import itertools
import logging
import math
import os
import re
import shutil
import tempfile
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np

from routeplanner import data as package_data
from routeplanner import pace
from routeplanner._io import atomic_write_text
from routeplanner.errors import CoverageError, DataError, InputError, NoRouteError
from routeplanner.network.model import Network, haversine_m
from routeplanner.output import export
from routeplanner.route import Route
from routeplanner.search.graph import Preferences
from routeplanner.search.loops import LoopRequest, find_loops

try:
    import tomllib
except ModuleNotFoundError:  # Python < 3.11
    import tomli as tomllib  # type: ignore[no-redef]

__all__ = [
    "DEMO_EVENT",
    "EVENT_KEYS",
    "GROUP_KEYS",
    "GROUP_TOLERANCE",
    "ICS_FILE",
    "MAP_FILE",
    "MAP_REGROUP_POINTS",
    "PREFERENCE_KEYS",
    "REGROUP_EXCLUDE_M",
    "REGROUP_GAP_M",
    "SUMMARY_FILE",
    "EventPreferences",
    "GroupEvent",
    "GroupPlan",
    "GroupResult",
    "PaceGroup",
    "RegroupPass",
    "RegroupPoint",
    "calendar_text",
    "check_out_dir",
    "demo_group",
    "featured_regroup_points",
    "gpx_filenames",
    "gpx_text",
    "info_html",
    "load_event",
    "map_html",
    "parse_event",
    "plan_group_run",
    "plan_json",
    "regroup_points",
    "render_outputs",
    "summary_line",
    "summary_text",
    "write_outputs",
]

log = logging.getLogger(__name__)

#: Accepted relative error of every group's estimated duration (±3 %).
GROUP_TOLERANCE = 0.03
#: Junctions this close to the meeting point are the meeting point itself, not
#: places to regroup (every loop leaves and returns through them).
REGROUP_EXCLUDE_M = 150.0
#: The example event, which ``routeplanner demo`` plans on the Andorra sample.
DEMO_EVENT = package_data.demo_event_path()
#: Name of the HTML map in an output folder.
MAP_FILE = "map.html"
#: Regroup points pinned on the map (the best ones, at least REGROUP_GAP_M apart).
MAP_REGROUP_POINTS = 10
REGROUP_GAP_M = 300.0
SUMMARY_FILE = "summary.txt"
ICS_FILE = "event.ics"

#: Keys of the event file's top level, in documentation order.
EVENT_KEYS = (
    "title",
    "date",
    "start",
    "timezone",
    "duration",
    "return",
    "meeting_point",
    "location",
    "region",
    "notes",
    "seed",
    "preferences",
    "group",
)
#: Keys of the ``[preferences]`` table.
PREFERENCE_KEYS = ("prefer_trails", "avoid_roads")
#: Keys of each ``[[group]]`` table.
GROUP_KEYS = (
    "name",
    "pace",
    "max_difficulty",
    "model",
    "include_climbs",
    "climb_grade",
    "include_descent",
)
_MAX_GROUPS = 12
_MAX_NAME_LEN = 60
_ALTERNATIVES = 3  # loops asked for per group, to choose ones that meet
_MAX_COMBOS = 729  # above this many choices, pick group by group
_TIME_RE = re.compile(r"([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?")
_CONTROL_RE = re.compile("[\x00-\x1f\x7f]")
_TOML_POS_RE = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
# Names of files this module writes, so --force never deletes anything else.
_OWN_FILE_RE = re.compile(r"(map\.html|event\.ics|summary\.txt|[a-z0-9][a-z0-9-]*\.gpx)")


# -- the event -------------------------------------------------------------------------


@dataclass(frozen=True)
class PaceGroup:
    """One pace group of an event.

    Attributes
    ----------
    name : str
        Unique name (e.g. ``"B"`` or ``"Steady"``).
    profile : RunnerProfile
        Flat pace, pace model and hardest accepted difficulty.
    include_climbs : int
        Number of steep climbs the loop should pass (0: none).
    climb_grade : tuple of float or None
        Grade window of those climbs as rise/run, None for the default.
    include_descent : bool
        Whether the loop should include a descent-practice segment.
    """

    name: str
    profile: pace.RunnerProfile
    include_climbs: int = 0
    climb_grade: tuple[float, float] | None = None
    include_descent: bool = False

    @property
    def label(self) -> str:
        """``"Group B"`` for a group named ``B``; names starting with "group" stay as they are."""
        return self.name if self.name.casefold().startswith("group") else f"Group {self.name}"


@dataclass(frozen=True)
class EventPreferences:
    """How the event's loops trade trails against roads.

    Attributes
    ----------
    prefer_trails : bool
        Favour trails over minor roads (the default search preference).
    avoid_roads : bool
        Make roads much more costly still, so they are used only to connect trails.
    """

    prefer_trails: bool = True
    avoid_roads: bool = False

    def search_preferences(self) -> Preferences:
        """Search cost multipliers per edge class (trail, minor road, major road).

        Returns
        -------
        Preferences
            ``(1, 1.5, 4)`` by default, ``(1, 1, 4)`` without ``prefer_trails``;
            ``avoid_roads`` doubles the minor-road factor and makes major roads 20.
        """
        minor = 1.5 if self.prefer_trails else 1.0
        major = 4.0
        if self.avoid_roads:
            minor, major = minor * 2.0, 20.0
        return Preferences(class_factor=(1.0, minor, major))


@dataclass(frozen=True)
class GroupEvent:
    """A group run as read from an event file.

    Attributes
    ----------
    title : str
        Event title.
    start : datetime
        Start time, aware, in the event's :class:`zoneinfo.ZoneInfo` zone.
    duration_s : float
        Time every group runs.
    meeting_lon, meeting_lat : float
        Meeting point in degrees.
    groups : tuple of PaceGroup
        The pace groups, in file order.
    location : str
        Name of the meeting place ("" when not given).
    notes : str
        Notes for the participants.
    preferences : EventPreferences
        Trail/road preferences.
    region : str or None
        Catalog region to plan in, when the file names one.
    seed : int
        Seed of the randomised loop search.
    source : str
        File the event came from (for messages).
    """

    title: str
    start: datetime
    duration_s: float
    meeting_lon: float
    meeting_lat: float
    groups: tuple[PaceGroup, ...]
    location: str = ""
    notes: str = ""
    preferences: EventPreferences = field(default_factory=EventPreferences)
    region: str | None = None
    seed: int = 0
    source: str = "<event>"

    @property
    def meeting(self) -> tuple[float, float]:
        """``(lon, lat)`` of the meeting point."""
        return (self.meeting_lon, self.meeting_lat)

    @property
    def end(self) -> datetime:
        """Expected return (start plus duration, in the event's zone)."""
        return _add(self.start, self.duration_s)

    @property
    def place(self) -> str:
        """The meeting place's name, or its coordinates."""
        return self.location or f"{self.meeting_lat:.5f},{self.meeting_lon:.5f}"


def _add(start: datetime, seconds: float) -> datetime:
    # Aware arithmetic in one zone is wall-clock arithmetic; go through UTC so a
    # run across a DST change still ends after the right elapsed time.
    return (start.astimezone(timezone.utc) + timedelta(seconds=seconds)).astimezone(start.tzinfo)


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
    """A string value, stripped; ``default`` when the key is absent (required without one)."""
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
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise src.error(f"invalid date {value!r}: expected YYYY-MM-DD, e.g. 2027-06-12", key="date")


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
    """An aware datetime, refusing local times a DST change skips."""
    local = datetime.combine(day, clock)
    aware = local.replace(tzinfo=zone)
    if aware.astimezone(timezone.utc).astimezone(zone).replace(tzinfo=None) != local:
        raise src.error(
            f"{key} {clock.strftime('%H:%M')} does not exist on {day.isoformat()} in "
            f"{zone.key} (the clocks change then)",
            key=key,
        )
    return aware


def _parse_group(src: _Source, raw: Any, index: int) -> PaceGroup:
    if not isinstance(raw, dict):
        raise src.error(
            f"[[group]] #{index + 1} must be a table, got {raw!r}", "group", None, index
        )
    _check_keys(src, raw, GROUP_KEYS, "group", index)
    name = _string(src, raw, "name", "group", index)
    if not name:
        raise src.error(f"[[group]] #{index + 1} needs a non-empty name", "group", "name", index)
    if len(name) > _MAX_NAME_LEN:
        raise src.error(
            f"group name {name[:20]!r}... is longer than {_MAX_NAME_LEN} characters",
            "group",
            "name",
            index,
        )
    what = f"group {name!r}"
    if "pace" not in raw:
        raise src.error(f'{what} needs a flat pace, e.g. pace = "6:00"', "group", None, index)
    if "max_difficulty" not in raw:
        raise src.error(
            f'{what} needs max_difficulty, e.g. max_difficulty = "T3"', "group", None, index
        )
    model = raw.get("model", "minetti")
    for key, value in (("pace", raw["pace"]), ("model", model)):
        if not isinstance(value, str):
            raise src.error(f"{what}: {key} must be a string, got {value!r}", "group", key, index)
    try:
        flat_pace = pace.parse_pace(raw["pace"])
    except InputError as exc:
        raise src.error(f"{what}: {exc}", "group", "pace", index) from None
    try:
        difficulty = pace.parse_difficulty(raw["max_difficulty"])
    except InputError as exc:
        raise src.error(f"{what}: {exc}", "group", "max_difficulty", index) from None
    try:
        profile = pace.RunnerProfile(flat_pace, model.strip().lower(), difficulty)
    except InputError as exc:
        raise src.error(f"{what}: {exc}", "group", "model", index) from None
    climbs = raw.get("include_climbs", 0)
    if isinstance(climbs, bool) or not isinstance(climbs, int) or not 0 <= climbs <= 5:
        raise src.error(
            f"{what}: include_climbs must be a whole number 0..5, got {climbs!r}",
            "group",
            "include_climbs",
            index,
        )
    grade = None
    if "climb_grade" in raw:
        if not climbs:
            raise src.error(
                f"{what}: climb_grade needs include_climbs", "group", "climb_grade", index
            )
        try:
            grade = pace.parse_grade_window(str(raw["climb_grade"]))
        except InputError as exc:
            raise src.error(f"{what}: {exc}", "group", "climb_grade", index) from None
    descent = raw.get("include_descent", False)
    if not isinstance(descent, bool):
        raise src.error(
            f"{what}: include_descent must be true or false, got {descent!r}",
            "group",
            "include_descent",
            index,
        )
    return PaceGroup(name, profile, climbs, grade, descent)


def parse_event(text: str, source: str = "<event>") -> GroupEvent:
    """Parse and validate an event file's text.

    Parameters
    ----------
    text
        TOML text (keys in ``docs/group-events.md``).
    source
        File name used in error messages.

    Returns
    -------
    GroupEvent

    Raises
    ------
    InputError
        On a TOML syntax error (with the line), an unknown key (listing the valid
        ones), a missing or invalid value (time, timezone, pace, difficulty,
        coordinates, duration), or two groups with the same name.
    """
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        pos = _TOML_POS_RE.search(msg)
        if pos:
            msg = msg[: pos.start()]
            raise InputError(
                f"{source}:{pos[1]}: TOML syntax error: {msg} (column {pos[2]})"
            ) from None
        raise InputError(f"{source}: TOML syntax error: {msg}") from None
    src = _Source(text, source)
    _check_keys(src, raw, EVENT_KEYS, None)

    for key in ("title", "date", "start", "timezone", "meeting_point"):
        if key not in raw:
            raise src.error(f"{key} is missing")
    title = _string(src, raw, "title")
    if not title:
        raise src.error("title must not be empty", key="title")
    day = _parse_date(src, raw["date"])
    clock = _parse_clock(src, raw["start"], "start")
    zone = _parse_zone(src, raw["timezone"])
    start = _localize(src, day, clock, zone, "start")

    if ("duration" in raw) == ("return" in raw):
        raise src.error(
            'give either duration (e.g. "75min") or return (e.g. "09:15"), not '
            + ("both" if "duration" in raw else "neither"),
            key="return" if "return" in raw else None,
        )
    if "duration" in raw:
        value = raw["duration"]
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise src.error(f'invalid duration {value!r}: use e.g. "75min"', key="duration")
        try:
            duration_s = pace.parse_duration(str(value))
        except InputError as exc:
            raise src.error(str(exc), key="duration") from None
    else:
        back = _localize(src, day, _parse_clock(src, raw["return"], "return"), zone, "return")
        # Same-zone aware datetimes subtract as wall-clock times: go through UTC so
        # a night with a clock change counts its real length.
        duration_s = (
            back.astimezone(timezone.utc) - start.astimezone(timezone.utc)
        ).total_seconds()
        if duration_s <= 0:
            raise src.error(
                f"return {back.strftime('%H:%M')} is not after the start "
                f"{start.strftime('%H:%M')} (runs past midnight are not supported)",
                key="return",
            )
    if duration_s < 5 * 60:
        raise src.error(
            f"event duration {pace.format_duration(duration_s)} is too short: at least 5 min",
            key="duration" if "duration" in raw else "return",
        )

    meeting = raw["meeting_point"]
    if not isinstance(meeting, str):
        raise src.error(
            f'meeting_point must be a string "LAT,LON", got {meeting!r}', key="meeting_point"
        )
    try:
        lon, lat = pace.parse_latlon(meeting)
    except InputError as exc:
        raise src.error(f"meeting_point: {exc}", key="meeting_point") from None

    location = _string(src, raw, "location", default="") or ""
    notes = _string(src, raw, "notes", default="", multiline=True) or ""
    region = _string(src, raw, "region", default=None) or None
    seed = raw.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise src.error(f"seed must be a whole number 0 or more, got {seed!r}", key="seed")

    prefs_raw = raw.get("preferences", {})
    if not isinstance(prefs_raw, dict):
        raise src.error("preferences must be a table: [preferences]", key="preferences")
    _check_keys(src, prefs_raw, PREFERENCE_KEYS, "preferences")
    for key in PREFERENCE_KEYS:
        if key in prefs_raw and not isinstance(prefs_raw[key], bool):
            raise src.error(
                f"{key} must be true or false, got {prefs_raw[key]!r}", "preferences", key
            )
    prefs = EventPreferences(**prefs_raw)

    groups_raw = raw.get("group")
    if not isinstance(groups_raw, list) or not groups_raw:
        raise src.error(
            "an event needs at least one pace group: add a [[group]] table with name, pace "
            "and max_difficulty",
            key="group",
        )
    if len(groups_raw) > _MAX_GROUPS:
        raise src.error(f"{len(groups_raw)} groups is too many: at most {_MAX_GROUPS}", "group")
    groups: list[PaceGroup] = []
    seen: dict[str, int] = {}
    for i, g in enumerate(groups_raw):
        group = _parse_group(src, g, i)
        key = " ".join(group.name.casefold().split())
        if key in seen:
            raise src.error(
                f"duplicate group name {group.name!r}: groups #{seen[key] + 1} and #{i + 1} "
                "must have different names",
                "group",
                "name",
                i,
            )
        seen[key] = i
        groups.append(group)
    return GroupEvent(
        title=title,
        start=start,
        duration_s=float(duration_s),
        meeting_lon=lon,
        meeting_lat=lat,
        groups=tuple(groups),
        location=location,
        notes=notes,
        preferences=prefs,
        region=region,
        seed=seed,
        source=source,
    )


def load_event(path: str | os.PathLike[str]) -> GroupEvent:
    """Read and validate an event file.

    Parameters
    ----------
    path
        The TOML file.

    Returns
    -------
    GroupEvent

    Raises
    ------
    DataError
        If the file is missing or not UTF-8 text.
    InputError
        If its content is invalid (see :func:`parse_event`).
    """
    p = Path(path)
    try:
        text = p.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise DataError(f"event file not found: {p}") from None
    except UnicodeDecodeError:
        raise DataError(f"event file is not UTF-8 text: {p}") from None
    except OSError as exc:
        raise DataError(f"cannot read event file {p}: {exc.strerror or exc}") from None
    return parse_event(text, str(p))


# -- planning --------------------------------------------------------------------------


class RegroupPass(NamedTuple):
    """A group passing a regroup point.

    ``at_m`` into its loop and ``at_s`` after the start; ``mid`` is False in the
    first and last tenth of the group's run, when it is near the meeting point
    anyway.
    """

    group: str
    at_m: float
    at_s: float
    mid: bool = True


@dataclass(frozen=True)
class RegroupPoint:
    """A junction that two or more groups' loops pass.

    Attributes
    ----------
    node : int
        Network node index.
    lon, lat : float
        Position in degrees.
    passes : tuple of RegroupPass
        Every pass of every group, in group order then time.
    ways : tuple of str
        Names of the ways that meet there (may be empty).
    """

    node: int
    lon: float
    lat: float
    passes: tuple[RegroupPass, ...]
    ways: tuple[str, ...] = ()

    @property
    def groups(self) -> tuple[str, ...]:
        """Names of the groups passing, in group order."""
        return tuple(dict.fromkeys(p.group for p in self.passes))

    @property
    def mid_groups(self) -> tuple[str, ...]:
        """Names of the groups passing mid-run (see :class:`RegroupPass`)."""
        return tuple(dict.fromkeys(p.group for p in self.passes if p.mid))

    def _pool(self) -> list[RegroupPass]:
        # Regroup mid-run where two or more groups can; else wherever they pass.
        if len(self.mid_groups) >= 2:
            return [p for p in self.passes if p.mid]
        return list(self.passes)

    @property
    def window_s(self) -> float:
        """Shortest time between the groups' passes (one pass each; mid-run ones if possible)."""
        return _best_window(self._pool())[0]

    def times(self) -> dict[str, float]:
        """Per group, its pass time in seconds inside :attr:`window_s`, earliest first."""
        return _best_window(self._pool())[1]


def _best_window(passes: Sequence[RegroupPass]) -> tuple[float, dict[str, float]]:
    """Smallest spread of times over choices of one pass per group, and that choice."""
    order = sorted(passes, key=lambda p: p.at_s)
    need = len({p.group for p in order})
    best: tuple[float, dict[str, float]] = (math.inf, {})
    for i, first in enumerate(order):
        chosen: dict[str, float] = {}
        for p in order[i:]:
            chosen.setdefault(p.group, p.at_s)
            if len(chosen) == need:
                if p.at_s - first.at_s < best[0]:
                    best = (p.at_s - first.at_s, chosen)
                break
    return best


def _rank(point: RegroupPoint) -> tuple[int, float, int, int]:
    mid = len(point.mid_groups)
    return (-(mid if mid >= 2 else 0), point.window_s, -len(point.groups), point.node)


@dataclass(frozen=True)
class GroupResult:
    """The loop planned for one pace group.

    Attributes
    ----------
    group : PaceGroup
        The group.
    route : Route or None
        Its loop, named after the group; None when no loop exists at all.
    target_duration_s : float
        The event's duration.
    return_time : datetime or None
        Expected return (start plus the loop's estimated duration).
    within_tolerance : bool
        Whether the loop's duration is within the tolerance of the target.
    problem : str or None
        Plain statement of why the group misses the rule, None when it does not.
    """

    group: PaceGroup
    route: Route | None
    target_duration_s: float
    return_time: datetime | None
    within_tolerance: bool
    problem: str | None = None

    @property
    def deviation(self) -> float | None:
        """Relative error of the duration (0.02 = 2 % long), None without a route."""
        if self.route is None:
            return None
        return self.route.stats.duration_s / self.target_duration_s - 1.0


@dataclass(frozen=True)
class GroupPlan:
    """Loops for every group of an event, and where they meet.

    Attributes
    ----------
    event : GroupEvent
        The event.
    results : tuple of GroupResult
        One per group, in the event's order.
    regroup_points : tuple of RegroupPoint
        Most groups first, then the shortest time window.
    tolerance : float
        The duration rule applied (0.03 = ±3 %).
    snap_distance_m : float
        Distance from the meeting point to the nearest way.
    """

    event: GroupEvent
    results: tuple[GroupResult, ...]
    regroup_points: tuple[RegroupPoint, ...]
    tolerance: float = GROUP_TOLERANCE
    snap_distance_m: float = 0.0

    @property
    def all_within_tolerance(self) -> bool:
        """Whether every group's loop meets the duration rule."""
        return all(r.within_tolerance for r in self.results)

    @property
    def routes(self) -> list[Route]:
        """The groups' loops (groups without one left out)."""
        return [r.route for r in self.results if r.route is not None]


def _node_passes(net: Network, route: Route) -> list[tuple[int, float]]:
    """``(node, at_m)`` for every network node the route runs through or starts/ends at."""
    out: list[tuple[int, float]] = []
    at = 0.0
    for s in route.steps:
        length = float(net.edge_length_m[s.edge])
        ends = ((s.start_m, at), (s.end_m, at + s.length_m))
        for offset, where in ends:
            node = None
            if offset <= 0.5:
                node = int(net.edge_u[s.edge])
            elif offset >= length - 0.5:
                node = int(net.edge_v[s.edge])
            if node is not None and not (out and out[-1][0] == node and where - out[-1][1] < 1.0):
                out.append((node, where))
        at += s.length_m
    return out


def _route_passes(
    net: Network,
    name: str,
    route: Route,
    meeting: tuple[float, float] | None,
    exclude_radius_m: float,
    edge_share: float,
) -> dict[int, list[RegroupPass]]:
    """Per node a route passes (away from the meeting point), its passes."""
    dist = np.asarray(route.dist_m, dtype=np.float64)
    t = np.asarray(route.time_s, dtype=np.float64)
    duration = float(t[-1])
    node_at = _node_passes(net, route)
    if not node_at:
        return {}
    nodes = np.array([n for n, _ in node_at])
    keep = np.ones(len(nodes), dtype=bool)
    if meeting is not None:
        d = haversine_m(net.node_lon[nodes], net.node_lat[nodes], meeting[0], meeting[1])
        keep = np.atleast_1d(d) > exclude_radius_m
    out: dict[int, list[RegroupPass]] = {}
    for (node, at_m), k in zip(node_at, keep, strict=True):
        if not k:
            continue
        at_s = float(np.interp(at_m, dist, t))
        mid = edge_share * duration < at_s < (1.0 - edge_share) * duration
        out.setdefault(node, []).append(RegroupPass(name, round(at_m, 1), round(at_s, 1), mid))
    return out


def _fold(name: str) -> str:
    plain = unicodedata.normalize("NFKD", name)
    return "".join(c for c in plain if not unicodedata.combining(c)).casefold()


def _merge(per_route: Sequence[dict[int, list[RegroupPass]]]) -> dict[int, list[RegroupPass]]:
    """Passes of nodes that two or more of the routes pass."""
    merged: dict[int, list[RegroupPass]] = {}
    for passes in per_route:
        for node, ps in passes.items():
            merged.setdefault(node, []).extend(ps)
    return {n: ps for n, ps in merged.items() if len({p.group for p in ps}) >= 2}


def regroup_points(
    net: Network,
    routes: Sequence[tuple[str, Route]],
    *,
    meeting: tuple[float, float] | None = None,
    exclude_radius_m: float = REGROUP_EXCLUDE_M,
    edge_share: float = 0.1,
) -> tuple[RegroupPoint, ...]:
    """Junctions (network nodes) that two or more groups' routes pass.

    Parameters
    ----------
    net
        The network the routes run on.
    routes
        ``(group name, route)`` pairs.
    meeting
        ``(lon, lat)`` of the meeting point; junctions within
        ``exclude_radius_m`` of it are left out (every loop passes them).
    exclude_radius_m
        See ``meeting``.
    edge_share
        Passes in this first and last share of a group's run are not mid-run.

    Returns
    -------
    tuple of RegroupPoint
        Best first: most groups passing mid-run, then the shortest time between
        their passes, then most groups, then node index.
    """
    shared = _merge(
        [
            _route_passes(net, name, route, meeting, exclude_radius_m, edge_share)
            for name, route in routes
        ]
    )
    points = []
    for n, ps in shared.items():
        edges = np.flatnonzero((net.edge_u == n) | (net.edge_v == n))
        names = [str(net.edge_name[e]) for e in edges if str(net.edge_name[e])]
        # "Camì de X" and "Cami de X" are one way to a reader: list it once.
        ways = tuple({_fold(w): w for w in reversed(names)}.values())[::-1]
        points.append(
            RegroupPoint(n, float(net.node_lon[n]), float(net.node_lat[n]), tuple(ps), ways)
        )
    points.sort(key=_rank)
    return tuple(points)


def _workout_loop_function() -> Callable[..., Any]:
    """The workouts module's loop search through climbs and descents."""
    from routeplanner.search.workouts import plan_loop_with_segments

    return plan_loop_with_segments


def _workout_loops(
    net: Network, event: GroupEvent, group: PaceGroup, request: LoopRequest, prefs: Preferences
) -> list[Route]:
    """Loops that run the group's climbs up and its descent down."""
    find = _workout_loop_function()
    kwargs: dict[str, Any] = {
        "climbs": group.include_climbs,
        "include_descent": group.include_descent,
        "prefs": prefs,
    }
    if group.climb_grade is not None:
        kwargs["climb_grade"] = group.climb_grade
    return find(net, event.meeting, group.profile, request, **kwargs).routes


def _candidates(
    net: Network, event: GroupEvent, group: PaceGroup, tolerance: float, alternatives: int
) -> tuple[list[Route], str | None]:
    """A group's candidate loops, best first, or no loops and the reason."""
    request = LoopRequest(
        event.duration_s, tolerance=tolerance, alternatives=alternatives, seed=event.seed
    )
    prefs = event.preferences.search_preferences()
    if group.include_climbs or group.include_descent:
        return _workout_loops(net, event, group, request, prefs), None
    try:
        return find_loops(net, event.meeting, group.profile, request, prefs=prefs), None
    except NoRouteError as exc:
        return [], str(exc)


def _combo_key(per_route: Sequence[dict[int, list[RegroupPass]]]) -> tuple[int, int, int]:
    """How well a choice of loops lets groups meet: (-pairs, -groups, window in 5 min)."""
    shared = _merge(per_route)
    pairs = {
        pair
        for ps in shared.values()
        for pair in itertools.combinations(sorted({p.group for p in ps}), 2)
    }
    best = min(
        (_rank(RegroupPoint(n, 0.0, 0.0, tuple(ps)))[:2] for n, ps in shared.items()),
        default=(0, math.inf),
    )
    window = int(best[1] // 300) if math.isfinite(best[1]) else 10**6
    return (-len(pairs), best[0], window)


def _choose(
    errors: Sequence[Sequence[float]],
    tolerance: float,
    passes: Sequence[Sequence[dict[int, list[RegroupPass]]]],
) -> list[int]:
    """Pick one loop per group, given each candidate's relative duration error.

    Most groups within the tolerance first, then the smallest excess error of
    the others (their closest loop), then most pairs of groups that share a
    junction, then most groups at the best regroup point and the shortest time
    between them there (in 5 min steps), then the loop search's own ranking.
    """
    choices = [range(len(c)) if c else range(1) for c in errors]

    def key(pick: Sequence[int]) -> tuple[float, ...]:
        err = [abs(errors[g][i]) for g, i in enumerate(pick) if errors[g]]
        on_time = sum(e <= tolerance for e in err)
        excess = round(sum(max(0.0, e - tolerance) for e in err), 3)
        chosen = [passes[g][i] for g, i in enumerate(pick) if errors[g]]
        return (-on_time, excess, *_combo_key(chosen), sum(pick))

    if math.prod(len(c) for c in choices) <= _MAX_COMBOS:
        return list(min(itertools.product(*choices), key=key))
    pick: list[int] = []
    for g, ch in enumerate(choices):
        # Later groups are not chosen yet: score with their first candidate.
        pick.append(min(ch, key=lambda i, g=g: key([*pick, i] + [0] * (len(choices) - g - 1))))
    return pick


def _problem(route: Route, target_s: float, tolerance: float) -> str:
    err = route.stats.duration_s / target_s - 1.0
    side = "short" if err < 0 else "over"
    return (
        f"NOT within ±{tolerance:.0%} of the {pace.format_duration(target_s)} event: the "
        f"closest loop from the meeting point takes {pace.format_duration(route.stats.duration_s)} "
        f"({abs(err):.0%} {side}); the network around it has no loop that fits this group"
    )


def plan_group_run(
    net: Network,
    event: GroupEvent,
    *,
    tolerance: float = GROUP_TOLERANCE,
    alternatives: int = _ALTERNATIVES,
    exclude_radius_m: float = REGROUP_EXCLUDE_M,
) -> GroupPlan:
    """Plan a loop per pace group, all of the event's duration, and find where they meet.

    Each group gets up to ``alternatives`` loops from
    :func:`routeplanner.search.loops.find_loops`; one per group is chosen so that
    the most groups are within ``tolerance`` of the event's duration, then so
    that the most pairs of groups share a junction and groups pass the best
    regroup point at close times.

    Parameters
    ----------
    net
        The network.
    event
        The event.
    tolerance
        Accepted relative error of every group's duration (0.03 = ±3 %).
    alternatives
        Loops asked for per group to choose from.
    exclude_radius_m
        Junctions this close to the meeting point are not regroup points.

    Returns
    -------
    GroupPlan
        A group that cannot meet the rule keeps its closest loop and a plain
        ``problem`` statement; one with no loop at all has ``route=None``.

    Raises
    ------
    CoverageError
        If the meeting point is outside the region or far from any way.
    NoRouteError
        If no group gets any loop.
    """
    lon, lat = event.meeting
    region = net.meta.get("region")
    try:
        snap = net.snap(lon, lat)
    except CoverageError as exc:
        name = f" {region!r}" if region else ""
        raise CoverageError(f"meeting point is outside the region{name}: {exc}") from None
    cands: list[list[Route]] = []
    reasons: list[str | None] = []
    for group in event.groups:
        routes, reason = _candidates(net, event, group, tolerance, alternatives)
        log.info("group %s: %d candidate loops", group.name, len(routes))
        cands.append(routes)
        reasons.append(reason)
    if not any(cands):
        raise NoRouteError(f"no group gets a loop from the meeting point: {reasons[0]}")
    T = event.duration_s
    errors = [[r.stats.duration_s / T - 1.0 for r in rs] for rs in cands]
    passes = [
        [_route_passes(net, g.name, r, event.meeting, exclude_radius_m, 0.1) for r in rs]
        for g, rs in zip(event.groups, cands, strict=True)
    ]
    pick = _choose(errors, tolerance, passes)

    results = []
    for group, routes, errs, i, reason in zip(
        event.groups, cands, errors, pick, reasons, strict=True
    ):
        if not routes:
            problem = f"no loop from the meeting point at all: {reason}"
            results.append(GroupResult(group, None, T, None, False, problem))
            continue
        route = dataclasses.replace(
            routes[i], name=group.label, extras={**routes[i].extras, "group": group.name}
        )
        on_time = abs(errs[i]) <= tolerance
        problem = None if on_time else _problem(route, T, tolerance)
        back = _add(event.start, route.stats.duration_s)
        results.append(GroupResult(group, route, T, back, on_time, problem))
    for r in results:
        if r.problem:
            log.warning("%s: %s", r.group.label, r.problem)
    points = regroup_points(
        net,
        [(r.group.name, r.route) for r in results if r.route is not None],
        meeting=event.meeting,
        exclude_radius_m=exclude_radius_m,
    )
    return GroupPlan(event, tuple(results), points, tolerance, float(snap.distance_m))


# -- texts -----------------------------------------------------------------------------


def _clock(t: datetime, start: datetime) -> str:
    """``9:14``, rounded to the minute, with ``(+1 day)`` past midnight."""
    t = t + timedelta(seconds=30)
    days = (t.date() - start.date()).days
    return f"{t.hour}:{t.minute:02d}" + (f" (+{days} day)" if days else "")


def summary_line(result: GroupResult, start: datetime) -> str:
    """One chat line for a group.

    Parameters
    ----------
    result
        The group's result.
    start
        The event's start (for the ``+1 day`` mark of late returns).

    Returns
    -------
    str
        E.g. ``"Group B, 6:30/km: 9.4 km, ↑380 m, 62 min, back 9:14"``, followed by
        ``" — NOT within ±3% of the …"`` when the group misses the duration rule.
    """
    g = result.group
    head = f"{g.label}, {pace.format_pace(g.profile.flat_pace_s_per_km)}/km"
    if result.route is None or result.return_time is None:
        return f"{head}: NO ROUTE — {result.problem}"
    s = result.route.stats
    line = (
        f"{head}: {s.distance_m / 1000:.1f} km, ↑{s.ascent_m:.0f} m, "
        f"{pace.format_duration(s.duration_s)}, back {_clock(result.return_time, start)}"
    )
    if result.problem:
        line += f" — {result.problem}"
    return line


def _regroup_text(plan: GroupPlan, point: RegroupPoint) -> str:
    labels = {r.group.name: r.group.label.removeprefix("Group ") for r in plan.results}
    times = point.times()
    where = " / ".join(point.ways[:2]) or f"junction at {point.lat:.5f},{point.lon:.5f}"
    who = ", ".join(
        f"{labels.get(g, g)} {_clock(_add(plan.event.start, t), plan.event.start)}"
        for g, t in sorted(times.items(), key=lambda kv: kv[1])
    )
    return f"{where} ({who})"


def featured_regroup_points(
    plan: GroupPlan, n: int = MAP_REGROUP_POINTS, min_gap_m: float = REGROUP_GAP_M
) -> list[RegroupPoint]:
    """The best regroup points that are not next to a better one (``R1``, ``R2``… on the map).

    Consecutive junctions of a stretch that several loops share are all regroup
    points; people need one of them.

    Parameters
    ----------
    plan
        The planned event.
    n
        At most this many points.
    min_gap_m
        Skip a point closer than this to one already taken.

    Returns
    -------
    list of RegroupPoint
        Best first (the order of ``plan.regroup_points``).
    """
    taken: list[RegroupPoint] = []
    for p in plan.regroup_points:
        if len(taken) == n:
            break
        if all(haversine_m(p.lon, p.lat, q.lon, q.lat) >= min_gap_m for q in taken):
            taken.append(p)
    return taken


def summary_text(plan: GroupPlan, *, max_regroup: int = 3) -> str:
    """Short text for a chat message: the event, one line per group, where to regroup.

    Parameters
    ----------
    plan
        The planned event.
    max_regroup
        Regroup points listed (best first).

    Returns
    -------
    str
        Lines ending with a newline.
    """
    ev = plan.event
    start = ev.start
    lines = [
        f"{ev.title} — {start.strftime('%a %d %b %Y')}, {_clock(start, start)} at {ev.place}; "
        f"{pace.format_duration(ev.duration_s)}, back {_clock(ev.end, start)}"
    ]
    lines.extend(summary_line(r, start) for r in plan.results)
    featured = featured_regroup_points(plan)
    if featured:
        shown = featured[:max_regroup]
        lines.append(
            "Regroup: "
            + "; ".join(f"R{i} {_regroup_text(plan, p)}" for i, p in enumerate(shown, start=1))
            + ("; more on the map" if len(featured) > len(shown) else "")
        )
    else:
        lines.append("Regroup: the loops share no junction away from the meeting point")
    if not plan.all_within_tolerance:
        missed = [r.group.label for r in plan.results if not r.within_tolerance]
        lines.append(
            f"Warning: {', '.join(missed)} cannot be given a loop within ±{plan.tolerance:.0%} "
            "of the event's duration (see above)."
        )
    return "\n".join(lines) + "\n"


def _iso(t: datetime | None) -> str | None:
    return None if t is None else t.isoformat(timespec="seconds")


def plan_json(plan: GroupPlan, outputs: Sequence[str | os.PathLike[str]] = ()) -> dict[str, Any]:
    """The plan as a JSON-ready dict (``--json`` output).

    Parameters
    ----------
    plan
        The planned event.
    outputs
        Files written, listed under ``"outputs"``.

    Returns
    -------
    dict
        ``{"event": {...}, "groups": [{"name", "distance_m", "duration_s",
        "ascent_m", "return_time", ...}], "regroup_points": [...], "summary",
        "outputs"}``; times are ISO 8601 with the zone's offset.
    """
    ev = plan.event
    groups = []
    for r in plan.results:
        g = r.group
        item: dict[str, Any] = {
            "name": g.name,
            "label": g.label,
            "flat_pace": pace.format_pace(g.profile.flat_pace_s_per_km),
            "pace_model": g.profile.model,
            "max_difficulty": f"T{g.profile.max_difficulty}",
        }
        if r.route is not None:
            item.update(r.route.stats.as_dict())
        item["target_duration_s"] = round(r.target_duration_s, 1)
        # + 0.0 turns -0.0 into 0.0
        item["deviation"] = None if r.deviation is None else round(r.deviation, 4) + 0.0
        item["return_time"] = _iso(r.return_time)
        item["within_tolerance"] = r.within_tolerance
        item["problem"] = r.problem
        item["ways"] = [] if r.route is None else r.route.names
        groups.append(item)
    points = [
        {
            "lat": round(p.lat, 6),
            "lon": round(p.lon, 6),
            "node": p.node,
            "groups": list(p.groups),
            "ways": list(p.ways),
            "window_s": round(p.window_s, 1),
            "passes": [p_._asdict() for p_ in p.passes],
        }
        for p in plan.regroup_points
    ]
    return {
        "event": {
            "title": ev.title,
            "start": _iso(ev.start),
            "timezone": getattr(ev.start.tzinfo, "key", str(ev.start.tzinfo)),
            "duration_s": round(ev.duration_s, 1),
            "return_time": _iso(ev.end),
            "meeting_point": {"lat": ev.meeting_lat, "lon": ev.meeting_lon},
            "location": ev.location,
            "tolerance": plan.tolerance,
            "all_within_tolerance": plan.all_within_tolerance,
        },
        "groups": groups,
        "regroup_points": points,
        "summary": summary_text(plan),
        "outputs": [str(o) for o in outputs],
    }


def calendar_text(plan: GroupPlan, *, stamp: datetime | None = None) -> str:
    """The event as an RFC 5545 calendar (:func:`routeplanner.output.export.event_ics`).

    Parameters
    ----------
    plan
        The planned event.
    stamp
        ``DTSTAMP``; defaults to now.

    Returns
    -------
    str
        Calendar text; the event lasts until the latest expected return (at
        least the event's duration) and its description holds the summary and
        the notes.
    """
    ev = plan.event
    longest = max((r.route.stats.duration_s for r in plan.results if r.route), default=0.0)
    description = summary_text(plan)
    if ev.notes:
        description += "\n" + ev.notes.strip() + "\n"
    return export.event_ics(
        title=ev.title,
        start=ev.start,
        duration_s=max(ev.duration_s, longest),
        location=ev.place,
        lat=ev.meeting_lat,
        lon=ev.meeting_lon,
        description=description,
        stamp=stamp,
    )


def gpx_text(plan: GroupPlan, result: GroupResult) -> str:
    """A group's loop as GPX 1.1, with predicted times from the event's start.

    Parameters
    ----------
    plan
        The planned event.
    result
        The group's result (must have a route).

    Returns
    -------
    str
        The GPX document.

    Raises
    ------
    InputError
        If the group has no route.
    """
    if result.route is None:
        raise InputError(f"{result.group.label} has no route to export")
    return export.gpx_document(
        [result.route],
        name=f"{plan.event.title} — {result.group.label}",
        description=summary_line(result, plan.event.start),
        start=plan.event.start,
    )


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", _fold(text)).strip("-")[:40].strip("-")


def gpx_filenames(plan: GroupPlan) -> dict[str, str]:
    """File name of each group's GPX (``group-b.gpx``), unique, by group name."""
    out: dict[str, str] = {}
    used: set[str] = set()
    for i, r in enumerate(plan.results, start=1):
        base = _slug(r.group.label) or f"group-{i}"
        name = base
        k = 2
        while name in used:
            name = f"{base}-{k}"
            k += 1
        used.add(name)
        out[r.group.name] = f"{name}.gpx"
    return out


def info_html(plan: GroupPlan, gpx: Mapping[str, tuple[str, str]]) -> str:
    """Event details panel for the map: title, time, notes, groups, GPX downloads.

    Every user-given string (title, location, notes, group and way names) is
    escaped with :func:`html.escape`; the GPX files are embedded as base64
    ``data:`` URLs, so the map alone is all that needs sharing.

    Parameters
    ----------
    plan
        The planned event.
    gpx
        Per group name, ``(file name, GPX text)``.

    Returns
    -------
    str
        An HTML fragment.
    """
    ev = plan.event
    esc = html.escape
    start = ev.start
    parts = [
        f"<p><b>{esc(start.strftime('%a %d %b %Y'))}, {esc(_clock(start, start))}</b> at "
        f"{esc(ev.place)}<br>{esc(pace.format_duration(ev.duration_s))} — everyone back "
        f"{esc(_clock(ev.end, start))}</p>",
    ]
    if ev.notes:
        notes = "<br>".join(esc(line) for line in ev.notes.strip().splitlines())
        parts.append(f"<p>{notes}</p>")
    parts.append("<ul>")
    for r in plan.results:
        line = esc(summary_line(r, start))
        if r.problem:
            line = f"<b>{line}</b>"
        link = ""
        if r.group.name in gpx:
            fname, text = gpx[r.group.name]
            data = base64.b64encode(text.encode("utf-8")).decode("ascii")
            link = (
                f' <a download="{esc(fname)}" href="data:application/gpx+xml;base64,{data}">'
                "download GPX</a>"
            )
        parts.append(f"<li>{line}{link}</li>")
    parts.append("</ul>")
    featured = featured_regroup_points(plan)
    if featured:
        items = "".join(
            f"<li>R{i} {esc(_regroup_text(plan, p))}</li>" for i, p in enumerate(featured, start=1)
        )
        parts.append(
            f"<p>Regroup points (junctions that two or more groups pass; the best "
            f"{len(featured)} of {len(plan.regroup_points)}, with passing times):</p>"
            f'<ul style="list-style:none;padding-left:0">{items}</ul>'
        )
    return "\n".join(parts)


def _markers(plan: GroupPlan) -> list[tuple[float, float, str]]:
    # Pins show their label on the map itself, so keep labels short; the panel
    # lists R1, R2… with the passing times.
    ev = plan.event
    marks = [(ev.meeting_lon, ev.meeting_lat, "Meeting point")]
    for i, p in enumerate(featured_regroup_points(plan), start=1):
        marks.append((p.lon, p.lat, f"R{i}"))
    return marks


def map_html(
    plan: GroupPlan,
    net: Network,
    dem: Any,
    gpx: Mapping[str, tuple[str, str]],
    *,
    offline: bool = False,
    attribution: Sequence[str] = (),
) -> str:
    """The event's HTML map: a layer per group, meeting and regroup points, details.

    Parameters
    ----------
    plan
        The planned event.
    net, dem
        Network and DEM, for the map's overlays.
    gpx
        Per group name, ``(file name, GPX text)``, embedded as downloads.
    offline
        Make a map that works with no network.
    attribution
        Data credits.

    Returns
    -------
    str
        The HTML document.
    """
    from routeplanner.output import maps

    m = maps.route_map(
        plan.routes,
        title=plan.event.title,
        network=net,
        dem=dem,
        markers=_markers(plan),
        info_html=info_html(plan, gpx),
        offline=offline,
        attribution=attribution,
    )
    return maps.map_html(m)


def render_outputs(
    plan: GroupPlan,
    net: Network,
    dem: Any,
    *,
    offline: bool = False,
    attribution: Sequence[str] = (),
    stamp: datetime | None = None,
) -> dict[str, str]:
    """Every output file's text, built in memory: map, GPX per group, calendar, summary.

    Parameters
    ----------
    plan
        The planned event.
    net, dem
        Network and DEM, for the map.
    offline
        Make a map that works with no network.
    attribution
        Data credits for the map.
    stamp
        ``DTSTAMP`` of the calendar event; defaults to now.

    Returns
    -------
    dict
        File name to text: ``map.html``, one ``group-….gpx`` per group with a
        route, ``event.ics`` and ``summary.txt``.
    """
    names = gpx_filenames(plan)
    gpx = {
        r.group.name: (names[r.group.name], gpx_text(plan, r))
        for r in plan.results
        if r.route is not None
    }
    files = {MAP_FILE: map_html(plan, net, dem, gpx, offline=offline, attribution=attribution)}
    files.update(dict(gpx.values()))
    files[ICS_FILE] = calendar_text(plan, stamp=stamp)
    files[SUMMARY_FILE] = summary_text(plan)
    return files


# -- writing a folder ------------------------------------------------------------------


def check_out_dir(out_dir: str | os.PathLike[str], *, force: bool = False) -> Path:
    """Check, before any work, that ``out_dir`` may be (re)placed.

    Parameters
    ----------
    out_dir
        The output folder.
    force
        Allow replacing an existing folder, if it holds only files this command
        writes (so a mistyped ``--out-dir`` cannot delete unrelated files).

    Returns
    -------
    Path
        The folder.

    Raises
    ------
    InputError
        If it exists (without ``force``), is a file, holds other files, or its
        nearest existing parent cannot be written.
    """
    p = Path(out_dir)
    if p.exists() or p.is_symlink():
        if not p.is_dir() or p.is_symlink():
            raise InputError(f"output folder {p} exists and is not a folder")
        if not force:
            raise InputError(f"output folder {p} already exists: use --force to replace it")
        foreign = sorted(c.name for c in p.iterdir() if not _OWN_FILE_RE.fullmatch(c.name))
        if foreign:
            raise InputError(
                f"refusing to replace {p}: it holds files routeplanner group did not write "
                f"({', '.join(foreign[:3])}{', …' if len(foreign) > 3 else ''})"
            )
    parent = p.absolute().parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise InputError(f"cannot create output folder {p}: {parent} is not writable")
    return p


def write_outputs(
    out_dir: str | os.PathLike[str], files: Mapping[str, str], *, force: bool = False
) -> list[Path]:
    """Write files into a new folder, all or nothing.

    The files go into a temporary folder beside ``out_dir`` that is renamed to
    it at the end; an existing folder (with ``force``) is swapped out and then
    deleted.  On failure the temporary folder is removed and any old folder is
    left as it was.

    Parameters
    ----------
    out_dir
        Folder to create (parents are created as needed).
    files
        File name (no folders) to text.
    force
        Replace an existing output folder (see :func:`check_out_dir`).

    Returns
    -------
    list of Path
        The files written, in ``files`` order.

    Raises
    ------
    InputError
        If the folder may not be replaced, or a file name is not a plain name.
    """
    target = check_out_dir(out_dir, force=force)
    for name in files:
        if not _OWN_FILE_RE.fullmatch(name):
            raise InputError(f"invalid output file name {name!r}")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"))
    old: Path | None = None
    try:
        for name, text in files.items():
            atomic_write_text(tmp / name, text)
        os.chmod(tmp, 0o755)
        if target.exists():
            old = Path(
                tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.", suffix=".old")
            )
            os.replace(target, old)
        try:
            os.replace(tmp, target)
        except OSError:
            if old is not None:
                os.replace(old, target)
                old = None
            raise
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    log.debug("wrote %d files into %s", len(files), target)
    return [target / name for name in files]


# -- demo ------------------------------------------------------------------------------


def demo_group(
    net: Network,
    dem: Any,
    out_dir: str | os.PathLike[str],
    *,
    offline: bool = False,
    attribution: Sequence[str] = (),
    event_path: str | os.PathLike[str] = DEMO_EVENT,
    subdir: str = "group-run",
    echo: Callable[[str], None] = lambda _m: None,
) -> list[tuple[str, str, str]]:
    """Plan the example group run (three pace groups in Andorra) for the demo.

    Writes ``out_dir/<subdir>/`` (map, a GPX per group, calendar event and
    summary), replacing an earlier demo run.

    Parameters
    ----------
    net
        The Andorra network.
    dem
        Its DEM, for the map's overlays.
    out_dir
        The demo's folder (must exist).
    offline
        Make a map that works with no network.
    attribution
        Data credits for the map.
    event_path
        The event file (``data/events/saturday.toml``).
    subdir
        Folder inside ``out_dir`` for this run's files.
    echo
        Receives the chat summary and the files written.

    Returns
    -------
    list of tuple
        Index entries ``(title, filename, description)``, filename relative to
        ``out_dir``.
    """
    event = load_event(event_path)
    plan = plan_group_run(net, event)
    files = render_outputs(plan, net, dem, offline=offline, attribution=attribution)
    written = write_outputs(Path(out_dir) / subdir, files, force=True)
    text = files[SUMMARY_FILE]
    echo(text.rstrip("\n"))
    size = len(files[MAP_FILE].encode("utf-8"))
    echo(f"{subdir}/{MAP_FILE} ({size / 1e6:.2f} MB) and {len(written) - 1} more files")
    on_time = "all within ±3%" if plan.all_within_tolerance else "NOT all within ±3%"
    groups = ", ".join(
        f"{r.group.label} {pace.format_pace(r.group.profile.flat_pace_s_per_km)}/km"
        for r in plan.results
    )
    description = (
        f"{event.title}: {len(plan.results)} pace groups ({groups}), one "
        f"{pace.format_duration(event.duration_s)} loop each from {event.place}, {on_time}, "
        f"{len(plan.regroup_points)} regroup points (GPX per group, event.ics, summary.txt in "
        f"{subdir}/)"
    )
    return [(f"Group run: {event.title}", f"{subdir}/{MAP_FILE}", description)]
