"""Group-run event files: the TOML an organiser writes, parsed and checked.

An event file (TOML, see ``docs/group-events.md``) names a meeting point, a
start time and a duration (or return time), and the pace groups.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import os
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from routeplanner import pace
from routeplanner.brief import Constraints
from routeplanner.errors import DataError, InputError
from routeplanner.events.source import (
    _check_keys,
    _localize,
    _parse_clock,
    _parse_date,
    _parse_zone,
    _Source,
    _string,
)
from routeplanner.search.graph import Preferences
from routeplanner.search.workouts import MAX_SEGMENTS_IN_LOOP

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10: the same parser, as a package
    import tomli as tomllib

__all__ = [
    "CONSTRAINT_KEYS",
    "DEFAULT_GROUP_DIFFICULTY",
    "EVENT_KEYS",
    "GROUP_KEYS",
    "PREFERENCE_KEYS",
    "EventPreferences",
    "GroupEvent",
    "PaceGroup",
    "add_seconds",
    "fold_name",
    "load_event",
    "parse_event",
    "with_meeting_point",
]

log = logging.getLogger(__name__)

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


#: Constraint keys, in ``[preferences]`` (every group) and in a ``[[group]]`` (that group).
CONSTRAINT_KEYS = ("min_trail", "max_ascent", "max_ascent_rate", "max_grade")


#: A group's hardest trail grade when its table gives none: SAC T2 (mountain hiking), which
#: a mixed group runs without hands or exposure; T3 and above are asked for by name.
DEFAULT_GROUP_DIFFICULTY = "T2"


#: Keys of the ``[preferences]`` table.
PREFERENCE_KEYS = (
    "prefer_trails",
    "avoid_roads",
    "allow_roads",
    *CONSTRAINT_KEYS,
    "max_difficulty",
)


#: Keys of each ``[[group]]`` table.
GROUP_KEYS = (
    "name",
    "pace",
    "max_difficulty",
    "model",
    "include_climbs",
    "climb_grade",
    "include_descent",
    "profile",
    *CONSTRAINT_KEYS,
)


_MAX_GROUPS = 12


_NO_CONSTRAINTS = Constraints()


_MAX_NAME_LEN = 60


_TOML_POS_RE = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")


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
    constraints : Constraints
        The group's hard constraints: the event's ``[preferences]`` with the
        group's own keys on top.
    """

    name: str
    profile: pace.RunnerProfile
    include_climbs: int = 0
    climb_grade: tuple[float, float] | None = None
    include_descent: bool = False
    constraints: Constraints = field(default_factory=Constraints)

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
        Trail-first, the default: main roads only where no other way connects,
        minor roads after trails (``allow_roads = true`` or ``avoid_roads =
        false`` turns it off).
    constraints : Constraints
        Hard constraints for every group (``avoid_roads`` and the
        :data:`CONSTRAINT_KEYS`, ``max_difficulty``).
    """

    prefer_trails: bool = True
    avoid_roads: bool = True
    constraints: Constraints = field(default_factory=Constraints)

    def search_preferences(self) -> Preferences:
        """Search cost multipliers per edge class (trail, minor road, major road).

        Returns
        -------
        Preferences
            ``(1, 3, 20)`` trail-first (the default), ``(1, 2, 20)`` without
            ``prefer_trails``; with roads allowed ``(1, 1.5, 4)``, ``(1, 1, 4)``.
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
    meeting_name : str
        The meeting point as a place name, still to look up in the region
        (:func:`with_meeting_point`); meeting_lon/lat are NaN until then.
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
    meeting_name: str = ""

    @property
    def meeting(self) -> tuple[float, float]:
        """``(lon, lat)`` of the meeting point."""
        return (self.meeting_lon, self.meeting_lat)

    @property
    def end(self) -> datetime:
        """Expected return (start plus duration, in the event's zone)."""
        return add_seconds(self.start, self.duration_s)

    @property
    def place(self) -> str:
        """The meeting place's name, or its coordinates."""
        return self.location or f"{self.meeting_lat:.5f},{self.meeting_lon:.5f}"


def add_seconds(start: datetime, seconds: float) -> datetime:
    """Return ``start`` plus ``seconds`` of elapsed time, in ``start``'s zone."""
    # Aware arithmetic in one zone is wall-clock arithmetic; go through UTC so a
    # run across a DST change still ends after the right elapsed time.
    return (start.astimezone(timezone.utc) + timedelta(seconds=seconds)).astimezone(start.tzinfo)


def _profile_file(src: _Source, raw: dict[str, Any], what: str, index: int) -> pace.RunnerProfile:
    """Return a group's ``profile = "me.toml"`` (relative to the event file), with its difficulty.

    A profile file replaces ``pace`` and ``model``; ``max_difficulty`` stays the group's.
    """
    for key in ("pace", "model"):
        if key in raw:
            raise src.error(f"{what}: give either profile or {key}", "group", key, index)
    try:
        difficulty = pace.parse_difficulty(raw.get("max_difficulty", DEFAULT_GROUP_DIFFICULTY))
        loaded = pace.RunnerProfile.from_toml(Path(src.name).parent / str(raw["profile"]))
    except InputError as exc:
        raise src.error(f"{what}: {exc}", "group", "profile", index) from None
    return dataclasses.replace(loaded, max_difficulty=difficulty)


def _group_profile(src: _Source, raw: dict[str, Any], what: str, index: int) -> pace.RunnerProfile:
    """Return a group's runner profile from its pace, model and max_difficulty."""
    if "profile" in raw:
        return _profile_file(src, raw, what, index)
    model = raw.get("model", "mountain")
    for key, value in (("pace", raw["pace"]), ("model", model)):
        if not isinstance(value, str):
            raise src.error(f"{what}: {key} must be a string, got {value!r}", "group", key, index)
    try:
        flat_pace = pace.parse_pace(raw["pace"])
    except InputError as exc:
        raise src.error(f"{what}: {exc}", "group", "pace", index) from None
    try:
        difficulty = pace.parse_difficulty(raw.get("max_difficulty", DEFAULT_GROUP_DIFFICULTY))
    except InputError as exc:
        raise src.error(f"{what}: {exc}", "group", "max_difficulty", index) from None
    try:
        profile = pace.RunnerProfile(flat_pace, model.strip().lower(), difficulty)
    except InputError as exc:
        raise src.error(f"{what}: {exc}", "group", "model", index) from None
    return profile


def _folded(name: str) -> str:
    """Return a name as compared: case-folded, runs of spaces as one."""
    return " ".join(name.casefold().split())


def _parse_group(
    src: _Source, raw: Any, index: int, base: Constraints = _NO_CONSTRAINTS
) -> PaceGroup:
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
    if "pace" not in raw and "profile" not in raw:
        raise src.error(f'{what} needs a flat pace, e.g. pace = "6:00"', "group", None, index)
    profile = _group_profile(src, raw, what, index)
    climbs = raw.get("include_climbs", 0)
    if (
        isinstance(climbs, bool)
        or not isinstance(climbs, int)
        or not 0 <= climbs <= MAX_SEGMENTS_IN_LOOP
    ):
        raise src.error(
            f"{what}: include_climbs must be a whole number 0..{MAX_SEGMENTS_IN_LOOP}, "
            f"got {climbs!r}",
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
    constraints = _parse_constraints(src, raw, base, "group", index, f"{what}: ")
    return PaceGroup(name, profile, climbs, grade, descent, constraints)


def _load_toml(text: str, source: str) -> dict[str, Any]:
    """Parse TOML text; a syntax error names the file, line and column."""
    try:
        raw = tomllib.loads(text)
    except ValueError as exc:  # TOMLDecodeError, or an int over the digit limit
        msg = str(exc)
        pos = _TOML_POS_RE.search(msg)
        if pos:
            msg = msg[: pos.start()]
            raise InputError(
                f"{source}:{pos[1]}: TOML syntax error: {msg} (column {pos[2]})"
            ) from None
        raise InputError(f"{source}: TOML syntax error: {msg}") from None
    ret: dict[str, Any] = raw
    return ret


def _parse_duration_s(src: _Source, raw: dict[str, Any], start: datetime, zone: ZoneInfo) -> float:
    """Return the event's duration from ``duration`` or ``return`` (exactly one given)."""
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
        back = _localize(
            src, start.date(), _parse_clock(src, raw["return"], "return"), zone, "return"
        )
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
    return float(duration_s)


def _parse_meeting(src: _Source, meeting: Any) -> tuple[float, float, str]:
    """Return ``(lon, lat, "")`` of the meeting point, or ``(nan, nan, name)`` for a place."""
    from routeplanner.sources.places import looks_like_coordinates

    if not isinstance(meeting, str):
        raise src.error(
            f'meeting_point must be a string "LAT,LON" or a place name, got {meeting!r}',
            key="meeting_point",
        )
    if not looks_like_coordinates(meeting):  # a place name, looked up once the region is loaded
        return math.nan, math.nan, meeting.strip()
    try:
        lon, lat = pace.parse_latlon(meeting)
    except InputError as exc:
        raise src.error(f"meeting_point: {exc}", key="meeting_point") from None
    return lon, lat, ""


def with_meeting_point(event: GroupEvent, lon: float, lat: float, name: str) -> GroupEvent:
    """Give the event with its named meeting point resolved to ``(lon, lat)``.

    Parameters
    ----------
    event
        The event (``meeting_name`` set).
    lon, lat
        The place's position.
    name
        The place's name, used as the location when the file gives none.

    Returns
    -------
    GroupEvent
        A copy with the meeting point set.
    """
    return dataclasses.replace(
        event, meeting_lon=lon, meeting_lat=lat, location=event.location or name
    )


def _parse_preferences(src: _Source, prefs_raw: Any) -> EventPreferences:
    """Return the ``[preferences]`` table, checked."""
    if not isinstance(prefs_raw, dict):
        raise src.error("preferences must be a table: [preferences]", key="preferences")
    _check_keys(src, prefs_raw, PREFERENCE_KEYS, "preferences")
    for key in ("prefer_trails", "avoid_roads", "allow_roads"):
        if key in prefs_raw and not isinstance(prefs_raw[key], bool):
            raise src.error(
                f"{key} must be true or false, got {prefs_raw[key]!r}", "preferences", key
            )
    flags = {k: prefs_raw[k] for k in ("prefer_trails", "avoid_roads") if k in prefs_raw}
    if "allow_roads" in prefs_raw:
        if prefs_raw["allow_roads"] == prefs_raw.get("avoid_roads", not prefs_raw["allow_roads"]):
            raise src.error(
                "allow_roads and avoid_roads contradict each other: give one "
                "(trail-first is the default)",
                "preferences",
                "allow_roads",
            )
        flags["avoid_roads"] = not prefs_raw["allow_roads"]
    base = Constraints(avoid_roads=bool(flags.get("avoid_roads", True)))
    if "max_difficulty" in prefs_raw:
        try:
            sac = pace.parse_difficulty(prefs_raw["max_difficulty"])
        except InputError as exc:
            raise src.error(str(exc), "preferences", "max_difficulty") from None
        base = dataclasses.replace(base, max_difficulty=sac)
    constraints = _parse_constraints(src, prefs_raw, base, "preferences", None, "")
    return EventPreferences(**flags, constraints=constraints)


_CONSTRAINT_FIELDS = {
    "min_trail": "min_trail",
    "max_ascent": "max_ascent_m",
    "max_ascent_rate": "max_ascent_rate_m_h",
    "max_grade": "max_grade",
}


def _parse_constraints(
    src: _Source, raw: dict[str, Any], base: Constraints, table: str, index: int | None, what: str
) -> Constraints:
    """Return ``base`` with the :data:`CONSTRAINT_KEYS` given in ``raw`` on top."""
    out = base
    for key in CONSTRAINT_KEYS:
        if key not in raw:
            continue
        value = raw[key]
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise src.error(
                f"{what}{key} must be a string or number, got {value!r}", table, key, index
            )
        try:
            kwargs: dict[str, Any] = {key: str(value)}
            parsed = Constraints.from_strings(**kwargs)
        except InputError as exc:
            raise src.error(f"{what}{exc}", table, key, index) from None
        attr = _CONSTRAINT_FIELDS[key]
        out = dataclasses.replace(out, **{attr: getattr(parsed, attr)})
    return out


def _parse_groups(
    src: _Source, groups_raw: Any, base: Constraints = _NO_CONSTRAINTS
) -> tuple[PaceGroup, ...]:
    """Return the ``[[group]]`` tables as pace groups, names distinct."""
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
        group = _parse_group(src, g, i, base)
        # Compare names as they are shown ("A" and "Group A" both print "Group A").
        key = _folded(group.label)
        if key in seen:
            same = _folded(groups[seen[key]].name) == _folded(group.name)
            shown = "" if same else f" (both shown as {group.label!r})"
            raise src.error(
                f"duplicate group name {group.name!r}{shown}: groups #{seen[key] + 1} and "
                f"#{i + 1} must have different names",
                "group",
                "name",
                i,
            )
        seen[key] = i
        groups.append(group)
    return tuple(groups)


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
    raw = _load_toml(text, source)
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

    duration_s = _parse_duration_s(src, raw, start, zone)

    lon, lat, meeting_name = _parse_meeting(src, raw["meeting_point"])

    location = _string(src, raw, "location", default="") or ""
    notes = _string(src, raw, "notes", default="", multiline=True) or ""
    region = _string(src, raw, "region", default=None) or None
    seed = raw.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise src.error(f"seed must be a whole number 0 or more, got {seed!r}", key="seed")

    prefs = _parse_preferences(src, raw.get("preferences", {}))
    groups = _parse_groups(src, raw.get("group"), prefs.constraints)
    return GroupEvent(
        title=title,
        start=start,
        duration_s=float(duration_s),
        meeting_lon=lon,
        meeting_lat=lat,
        groups=groups,
        location=location,
        notes=notes,
        preferences=prefs,
        region=region,
        seed=seed,
        source=source,
        meeting_name=meeting_name,
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


def fold_name(name: str) -> str:
    """Fold a name for comparison: accents dropped, case folded."""
    plain = unicodedata.normalize("NFKD", name)
    return "".join(c for c in plain if not unicodedata.combining(c)).casefold()
