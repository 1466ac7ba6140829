"""The planner's query string, read and checked: what ``/api/loops?…`` may ask.

Every value is parsed with the command line's own parsers
(:mod:`routeplanner.units`), so ``duration=75m``, ``pace=6:00``, ``min_trail=60%``
and ``max_ascent=300m`` mean what they mean on the command line.  Every input
has a limit: the query's length, each value's length, the duration (1 min to
24 h), the alternatives (1 to 10), the start and via inside the region.  A bad
value raises :class:`~routeplanner.errors.InputError` with one line naming it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from routeplanner import units
from routeplanner.errors import InputError

__all__ = [
    "LOOP_KEYS",
    "MAX_ALTERNATIVES",
    "MAX_QUERY_CHARS",
    "LoopQuery",
    "parse_loop_query",
    "parse_point",
]

#: Longest query string accepted (the page's whole state is far shorter).
MAX_QUERY_CHARS = 2000

#: Longest single value accepted.
MAX_VALUE_CHARS = 100

#: Most alternatives one query may ask for.
MAX_ALTERNATIVES = 10

#: Largest seed (the search takes any; a bound keeps URLs short).
MAX_SEED = 10**9

#: The keys ``/api/loops`` understands (``index`` picks a route of a file export).
LOOP_KEYS = (
    "start",
    "duration",
    "alternatives",
    "pace",
    "model",
    "profile",
    "allow_roads",
    "min_trail",
    "max_ascent",
    "max_ascent_rate",
    "max_difficulty",
    "seed",
    "via",
    "segment",
    "tolerance",
    "index",
)

# The page's "Running" sends no model: the default (mountain) curve.
_MODELS = ("mountain", "minetti", "tobler")
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off", "")


@dataclass(frozen=True)
class LoopQuery:
    """One loop query, parsed and checked.

    Attributes
    ----------
    start, via : tuple of float
        ``(lon, lat)``; ``via`` None for a plain loop.
    duration_s : float
        Target time.
    alternatives, seed, index : int
        Really different loops asked for, the search's seed, the route a file export gives.
    pace_s_per_km, model : float, str
        Flat pace and pace model (unless ``profile``).
    profile : bool
        Use the runner profile the server was started with.
    allow_roads : bool
        Main roads like any other way (by default only where nothing else connects).
    min_trail, max_ascent_m, max_ascent_rate_m_h : float or None
        Hard constraints of the brief.
    max_difficulty : int
        Hardest SAC grade, 1 (T1) to 6 (T6).
    tolerance : float
        Accepted duration error.
    segment : str or None
        A climb or descent (its id, as ``/api/climbs`` gives it) the loop runs its
        own way: it passes the segment's start, then its end.
    """

    start: tuple[float, float]
    duration_s: float
    alternatives: int = 1
    pace_s_per_km: float = 360.0
    model: str = "mountain"
    profile: bool = False
    allow_roads: bool = False
    min_trail: float | None = None
    max_ascent_m: float | None = None
    max_ascent_rate_m_h: float | None = None
    max_difficulty: int = 6
    seed: int = 0
    via: tuple[float, float] | None = None
    tolerance: float = 0.05
    index: int = 0
    segment: str | None = None

    def key(self) -> tuple[object, ...]:
        """Give what the routes depend on (``index`` only picks among them)."""
        return (
            self.start,
            self.duration_s,
            self.alternatives,
            self.pace_s_per_km,
            self.model,
            self.profile,
            self.allow_roads,
            self.min_trail,
            self.max_ascent_m,
            self.max_ascent_rate_m_h,
            self.max_difficulty,
            self.seed,
            self.via,
            self.tolerance,
            self.segment,
        )


def parse_point(
    text: str, bbox: tuple[float, float, float, float], *, what: str
) -> tuple[float, float]:
    """Read ``LAT,LON`` inside the region's ``bbox``; return ``(lon, lat)``.

    Raises
    ------
    InputError
        If malformed or outside the region (swapped coordinates are named).
    """
    from routeplanner.sources.places import check_in_region

    try:
        lon, lat = units.parse_latlon(text)
    except InputError as exc:
        raise InputError(f"{what}: {exc}") from None
    try:
        check_in_region(lon, lat, bbox, typed=text)
    except InputError as exc:
        raise InputError(f"{what}: {exc}") from None
    return (lon, lat)


def _flag(text: str, what: str) -> bool:
    key = text.strip().lower()
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise InputError(f"invalid {what} {text!r}: use 1 or 0")


def _whole(text: str, what: str, lo: int, hi: int) -> int:
    value = units.parse_whole(text, what=what)
    if not lo <= value <= hi:
        raise InputError(f"invalid {what} {text!r}: use {lo} to {hi}")
    return value


def _segment(text: str) -> str | None:
    """Check a segment id's form (``c12:40-97``); whether it exists is the planner's to say."""
    if not text.strip():
        return None
    from routeplanner.search.segments import parse_segment_id

    try:
        parse_segment_id(text)
    except InputError as exc:
        raise InputError(f"segment: {exc}") from None
    return text.strip().lower()


def _checked(params: Mapping[str, str]) -> dict[str, str]:
    """Return the parameters as a plain dict, refusing unknown keys and over-long values."""
    unknown = sorted(set(params) - set(LOOP_KEYS))
    if unknown:
        raise InputError(f"unknown parameter {unknown[0]!r}: use {', '.join(LOOP_KEYS)}")
    out = {}
    for key in LOOP_KEYS:
        if key in params:
            value = str(params[key])
            if len(value) > MAX_VALUE_CHARS:
                raise InputError(f"{key} is {len(value)} characters: at most {MAX_VALUE_CHARS}")
            out[key] = value
    for key in ("start", "duration"):
        if key not in out:
            raise InputError(f"missing {key}: e.g. ?start=42.5456,1.5145&duration=75m")
    return out


def parse_loop_query(
    params: Mapping[str, str], bbox: tuple[float, float, float, float]
) -> LoopQuery:
    """Parse and check the query of ``/api/loops`` (and its file exports).

    Parameters
    ----------
    params
        The query's parameters (one value each).
    bbox
        The region's ``(west, south, east, north)``: start and via must be inside.

    Returns
    -------
    LoopQuery

    Raises
    ------
    InputError
        On a missing, unknown, malformed or out-of-range value (one line naming it).

    Examples
    --------
    >>> q = parse_loop_query({"start": "42.5,1.5", "duration": "75m"}, (1.4, 42.4, 1.8, 42.7))
    >>> q.start, q.duration_s, q.allow_roads
    ((1.5, 42.5), 4500.0, False)
    """
    p = _checked(params)
    duration_s = units.parse_duration(p["duration"])
    if duration_s < 60.0:
        raise InputError(f"invalid duration {p['duration']!r}: use 1 min to 24 h")
    model = p.get("model", "mountain").strip().lower()
    if model not in _MODELS:
        raise InputError(f"invalid model {p['model']!r}: use {' or '.join(_MODELS)}")
    share = units.parse_share(p["min_trail"], what="min_trail") if "min_trail" in p else None
    if share is not None and share > 1.0:
        raise InputError(f"invalid min_trail {p['min_trail']!r}: use 0% to 100%")
    segment = _segment(p.get("segment", ""))
    if segment is not None and p.get("via"):
        raise InputError("give via or segment, not both: the loop passes one of them")
    rate = None
    if "max_ascent_rate" in p:
        from routeplanner.brief import Constraints

        rate = Constraints.from_strings(max_ascent_rate=p["max_ascent_rate"]).max_ascent_rate_m_h
    return LoopQuery(
        start=parse_point(p["start"], bbox, what="start"),
        duration_s=duration_s,
        alternatives=_whole(p.get("alternatives", "1"), "alternatives", 1, MAX_ALTERNATIVES),
        pace_s_per_km=units.parse_pace(p.get("pace", "6:00")),
        model=model,
        profile=_flag(p.get("profile", "0"), "profile"),
        allow_roads=_flag(p.get("allow_roads", "0"), "allow_roads"),
        min_trail=share,
        max_ascent_m=(
            units.parse_height(p["max_ascent"], what="max_ascent") if "max_ascent" in p else None
        ),
        max_ascent_rate_m_h=rate,
        max_difficulty=units.parse_difficulty(p.get("max_difficulty", "T6")),
        seed=_whole(p.get("seed", "0"), "seed", 0, MAX_SEED),
        via=parse_point(p["via"], bbox, what="via") if p.get("via") else None,
        tolerance=units.parse_tolerance(p.get("tolerance", "5%")),
        index=_whole(p.get("index", "0"), "index", 0, MAX_ALTERNATIVES - 1),
        segment=segment,
    )
