"""The runner's brief: hard constraints on a route, and whether a route meets them.

A brief is a target time with a tolerance plus :class:`Constraints`
(trail-first: main roads only where no other way connects; a minimum trail
share, an ascent cap, an ascent-rate cap, a grade cap, a difficulty cap).
:func:`assess` measures a finished :class:`~routeplanner.route.Route` against it and returns an
:class:`~routeplanner.route.Outcome`: ``meets_brief`` is true only when the
time is within tolerance *and* every constraint holds; otherwise ``misses``
says what was missed and by how much, in words a runner reads.

:func:`finalize` is the last step of every search (loops, workouts, scouting
legs): it assembles the steps into a route (:func:`~routeplanner.route.make_route`)
and, given a :class:`Brief`, judges it (:func:`with_outcome`, the one place where
a brief is checked).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np

from routeplanner._docstrings import fill
from routeplanner.errors import InputError
from routeplanner.route import AnyStep, Outcome, Route, make_route

if TYPE_CHECKING:
    from routeplanner.network.model import Network
    from routeplanner.pace.model import RunnerProfile

__all__ = [
    "LOLLIPOP_OVERLAP",
    "MAIN_ROAD_CLASS",
    "MAIN_ROAD_NOTE_M",
    "OUT_AND_BACK_OVERLAP",
    "Brief",
    "Constraints",
    "add_shortfalls",
    "assess",
    "finalize",
    "route_shape",
    "with_outcome",
]

#: Edge class of main roads (trunk, primary, secondary) in the network.
MAIN_ROAD_CLASS = 2

#: Main-road distance worth a note under trail-first (shorter is a crossing).
MAIN_ROAD_NOTE_M = 50.0

#: Geometric overlap share from which a route is an out-and-back.
OUT_AND_BACK_OVERLAP = 0.40

#: Geometric overlap share from which a route is a lollipop (stem run twice).
LOLLIPOP_OVERLAP = 0.15


@dataclass(frozen=True)
class Constraints:
    """Hard constraints on a route; ``None`` leaves a constraint off.

    Attributes
    ----------
    avoid_roads : bool
        Trail-first, the default: main roads (trunk, primary, secondary) only
        where no other way connects, such stretches named in the notes.
        False (``--allow-roads``) takes main roads like any other way.
    min_trail : float or None
        Least trail share of the distance (0.6 = 60 %).
    max_ascent_m : float or None
        Most total ascent.
    max_ascent_rate_m_h : float or None
        Most ascent per hour of the target time (an easy run: 250 m/h).
    max_grade : float or None
        Steepest grade allowed anywhere (0.25 = 25 %), over 100 m (a shorter edge over its
        length; :data:`routeplanner.network.grades.GRADE_BASELINE_M`).
    max_difficulty : int or None
        Hardest SAC T-grade allowed (1-6).

    Examples
    --------
    >>> Constraints.from_strings(min_trail="60%", max_ascent="300m").max_ascent_m
    300.0
    """

    avoid_roads: bool = True
    min_trail: float | None = None
    max_ascent_m: float | None = None
    max_ascent_rate_m_h: float | None = None
    max_grade: float | None = None
    max_difficulty: int | None = None

    def __post_init__(self) -> None:
        for name, (lo, hi) in _RANGES.items():
            value = getattr(self, name)
            if value is not None and not (math.isfinite(value) and lo <= value <= hi):
                raise InputError(f"{name} {value!r} out of range: use {lo:g} to {hi:g}")
        if self.max_difficulty is not None and not 1 <= self.max_difficulty <= 6:
            raise InputError(f"max_difficulty {self.max_difficulty!r} out of range: use 1 to 6")

    def ascent_cap_m(self, duration_s: float) -> float:
        """Most ascent allowed for a route of ``duration_s`` (inf without a cap)."""
        caps = [math.inf]
        if self.max_ascent_m is not None:
            caps.append(self.max_ascent_m)
        if self.max_ascent_rate_m_h is not None:
            caps.append(self.max_ascent_rate_m_h * duration_s / 3600.0)
        return min(caps)

    @classmethod
    def from_strings(
        cls,
        *,
        avoid_roads: bool = True,
        min_trail: str | None = None,
        max_ascent: str | None = None,
        max_ascent_rate: str | None = None,
        max_grade: str | None = None,
        max_difficulty: int | None = None,
    ) -> Constraints:
        """Constraints from typed values: ``"60%"``, ``"300m"``, ``"250m/h"``, ``"25%"``.

        Raises
        ------
        InputError
            If a value cannot be read.
        """
        return cls(
            avoid_roads=avoid_roads,
            min_trail=_typed(min_trail, "min_trail", _share),
            max_ascent_m=_typed(max_ascent, "max_ascent_m", _metres),
            max_ascent_rate_m_h=_typed(max_ascent_rate, "max_ascent_rate_m_h", _rate),
            max_grade=_typed(max_grade, "max_grade", _share),
            max_difficulty=max_difficulty,
        )


#: Accepted range of each constraint, and how to show it to someone typing the value.
_RANGES: dict[str, tuple[float, float]] = {
    "min_trail": (0.0, 1.0),
    "max_ascent_m": (0.0, 20000.0),
    "max_ascent_rate_m_h": (1.0, 5000.0),
    "max_grade": (0.01, 5.0),
}
_SHOWN = {
    "min_trail": "0% to 100%",
    "max_ascent_m": "0m to 20000m",
    "max_ascent_rate_m_h": "1m/h to 5000m/h",
    "max_grade": "1% to 500%",
}


def _typed(text: str | None, name: str, parse: Callable[[str, str], float]) -> float | None:
    """Read the typed value of constraint ``name``; out of range names the option and text."""
    if text is None:
        return None
    option = name.removesuffix("_m_h").removesuffix("_m").replace("_", "-")
    value = parse(text, option)
    lo, hi = _RANGES[name]
    if not lo <= value <= hi:
        raise InputError(f"invalid {option} {text!r}: use {_SHOWN[name]}")
    return value


def _number(text: str, suffixes: tuple[str, ...], what: str, accepted: str) -> float:
    raw = str(text).strip().lower().replace(" ", "")
    for suffix in suffixes:
        if suffix and raw.endswith(suffix):
            raw = raw[: -len(suffix)]
            break
    if not re.fullmatch(r"\d+(\.\d*)?|\.\d+", raw):
        raise InputError(f"invalid {what} {text!r}: use {accepted}")
    return float(raw)


def _share(text: str, what: str) -> float:
    raw = str(text).strip()
    value = _number(raw, ("%",), what, "a percentage like 60% or a fraction like 0.6")
    return value / 100.0 if raw.endswith("%") or value > 1.0 else value


def _metres(text: str, what: str) -> float:
    return _number(text, ("m",), what, "metres like 300m")


def _rate(text: str, what: str) -> float:
    return _number(text, ("m/h", "mph"), what, "metres per hour like 250m/h")


def route_shape(route: Route) -> str:
    """``"loop"``, ``"lollipop"`` or ``"out-and-back"``, from the geometric overlap."""
    share = route.stats.overlap_share
    if share >= OUT_AND_BACK_OVERLAP:
        return "out-and-back"
    if share >= LOLLIPOP_OVERLAP:
        return "lollipop"
    return "loop"


def add_shortfalls(
    score: np.ndarray | float,
    constraints: Constraints,
    duration_s: float,
    share: np.ndarray | float,
    up: np.ndarray | float,
    *,
    weight: float,
) -> np.ndarray:
    """Add to search scores how far routes fall short of the constraints a search steers by.

    The one place where constraints are scored (a search's estimates of its
    candidates and its finished routes alike); :func:`assess` judges a route.

    Parameters
    ----------
    score
        Scores so far (lower is better).
    constraints
        The hard constraints.
    duration_s
        The target time (the ascent-rate cap is per hour of it).
    share
        Trail share of each route.
    up
        Ascent of each route (metres).
    weight
        Score per unit of shortfall.

    Returns
    -------
    numpy.ndarray
        ``score`` plus ``weight`` times the trail-share shortfall, then plus ``weight``
        times the relative excess over the ascent cap.

    Examples
    --------
    >>> c = Constraints(min_trail=0.5, max_ascent_m=200.0)
    >>> float(add_shortfalls(1.0, c, 3600.0, 0.4, 300.0, weight=4.0))
    3.4
    """
    c = constraints
    if c.min_trail is not None:
        score = score + weight * np.clip(c.min_trail - np.asarray(share), 0.0, None)
    cap = c.ascent_cap_m(duration_s)
    if np.isfinite(cap):
        score = score + weight * np.clip(np.asarray(up) / max(cap, 1.0) - 1, 0.0, None)
    return np.asarray(score)


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.0f} min"


#: The parameters of a route's judgement against a brief, in :func:`assess` and
#: :func:`with_outcome` (:func:`routeplanner._docstrings.fill`).
_JUDGED_DOC = """
    route
        The finished route.
    constraints
        The hard constraints asked for.
    target_duration_s
        The requested time (``None``: no time target).
    tolerance
        Accepted relative error of the time.
    """


@fill(judged=_JUDGED_DOC)
def assess(
    route: Route,
    constraints: Constraints,
    *,
    target_duration_s: float | None,
    tolerance: float,
    max_difficulty: int = 6,
    road_notes: Sequence[str] | None = None,
) -> Outcome:
    """Measure ``route`` against the brief.

    Parameters
    ----------
    %(judged)s
    max_difficulty
        The runner profile's own difficulty cap (the lower of it and the
        constraint's applies).
    road_notes
        Under trail-first, the route's main-road stretches in words (where,
        how long, why); without them one note gives the total.

    Returns
    -------
    Outcome
    """
    st = route.stats
    misses: list[str] = []
    if target_duration_s:
        err = st.duration_s / target_duration_s - 1
        if abs(err) > tolerance + 1e-9:
            side = "over" if err > 0 else "under"
            misses.append(
                f"duration {_minutes(st.duration_s)} is {abs(err):.0%} {side} the "
                f"{_minutes(target_duration_s)} target (±{tolerance:.0%})"
            )
    c = constraints
    if c.min_trail is not None and st.trail_share < c.min_trail - 1e-9:
        misses.append(f"trail share {st.trail_share:.0%} < {c.min_trail:.0%}")
    if c.max_ascent_m is not None and st.ascent_m > c.max_ascent_m + 0.5:
        misses.append(f"ascent {st.ascent_m:.0f} m > {c.max_ascent_m:.0f} m")
    if c.max_ascent_rate_m_h is not None and st.duration_s > 0:
        rate = st.ascent_m / (st.duration_s / 3600.0)
        if rate > c.max_ascent_rate_m_h + 0.5:
            misses.append(f"ascent rate {rate:.0f} m/h > {c.max_ascent_rate_m_h:.0f} m/h")
    if c.max_grade is not None and st.max_grade > c.max_grade + 1e-9:
        misses.append(f"max grade {st.max_grade:.0%} > {c.max_grade:.0%}")
    cap = min(max_difficulty, c.max_difficulty or 6)
    if st.hardest_sac > cap:
        misses.append(f"difficulty T{st.hardest_sac} > T{cap}")
    notes: list[str] = []
    main_m = st.main_road_share * st.distance_m
    if c.avoid_roads and road_notes is not None:
        notes.extend(road_notes)
    elif c.avoid_roads and main_m >= MAIN_ROAD_NOTE_M:
        notes.append(
            f"{main_m / 1000:.1f} km ({st.main_road_share:.0%}) on main roads "
            "where no other way connects"
        )
    return Outcome(
        meets_brief=not misses,
        misses=tuple(misses),
        shape=route_shape(route),
        notes=tuple(notes),
    )


@fill(judged=_JUDGED_DOC)
def with_outcome(
    route: Route,
    constraints: Constraints,
    *,
    target_duration_s: float | None = None,
    tolerance: float = 0.0,
    warnings: Sequence[str] = (),
    road_notes: Sequence[str] | None = None,
) -> Route:
    """Return ``route`` with its :class:`~routeplanner.route.Outcome` against the brief.

    For routes that other planners make (workouts, scouting trips): the misses
    and notes also become the route's warnings.

    Parameters
    ----------
    %(judged)s
    warnings
        The planner's own warnings, kept after the route's and before the misses.
    road_notes
        Under trail-first, the route's main-road stretches in words (see :func:`assess`).

    Returns
    -------
    Route
    """
    outcome = assess(
        route,
        constraints,
        target_duration_s=target_duration_s,
        tolerance=tolerance,
        max_difficulty=route.profile.max_difficulty,
        road_notes=road_notes,
    )
    said = (*route.warnings, *warnings, *outcome.misses, *outcome.notes)
    return replace(route, outcome=outcome, warnings=tuple(dict.fromkeys(said)))


@dataclass(frozen=True)
class Brief:
    """What a finished route is judged on: the constraints and the time asked for.

    Attributes
    ----------
    constraints : Constraints
        The hard constraints.
    target_duration_s : float or None
        The requested time (``None``: no time target).
    tolerance : float
        Accepted relative error of the time.
    """

    constraints: Constraints = field(default_factory=Constraints)
    target_duration_s: float | None = None
    tolerance: float = 0.0


def finalize(
    net: Network,
    steps: Sequence[AnyStep],
    profile: RunnerProfile,
    brief: Brief | None = None,
    *,
    name: str = "route",
    kind: str = "route",
    warnings: Sequence[str] = (),
    road_notes: Sequence[str] | None = None,
) -> Route:
    """Assemble steps into a route and judge it against the brief: every search's last step.

    Parameters
    ----------
    net, steps, profile, name, kind
        As for :func:`~routeplanner.route.make_route`.
    brief
        What the route is judged on (its target time is the one the route reports as
        asked for); ``None`` leaves its outcome unset.
    warnings
        The planner's own warnings, before the brief's misses and notes.
    road_notes
        Under trail-first, the route's main-road stretches in words (see :func:`assess`).

    Returns
    -------
    Route
    """
    target = None if brief is None else brief.target_duration_s
    route = make_route(net, steps, profile, name=name, kind=kind, target_duration_s=target)
    return judged(route, brief, warnings=warnings, road_notes=road_notes)


def judged(
    route: Route,
    brief: Brief | None,
    *,
    warnings: Sequence[str] = (),
    road_notes: Sequence[str] | None = None,
) -> Route:
    """Judge a made route against the brief: :func:`finalize` after ``make_route``.

    ``route`` carries the brief's target time already (``target_duration_s``).
    """
    if brief is None:
        return replace(route, warnings=(*route.warnings, *warnings)) if warnings else route
    return with_outcome(
        route,
        brief.constraints,
        target_duration_s=brief.target_duration_s,
        tolerance=brief.tolerance,
        warnings=warnings,
        road_notes=road_notes,
    )
