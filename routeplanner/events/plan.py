"""Plan a group run: a loop per pace group, all back together, and where they meet.

Every group gets its own loop from the meeting point whose *estimated
duration* under the group's pace is within ±3 % of the event's duration, so a
slower group runs less distance and all groups are back together.  Junctions
(network nodes) that two or more groups' loops pass are *regroup points*.
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from routeplanner import pace
from routeplanner.errors import CoverageError, InputError, NoRouteError
from routeplanner.events.event import GroupEvent, PaceGroup, add_seconds
from routeplanner.events.regroup import (
    REGROUP_EXCLUDE_M,
    RegroupPass,
    RegroupPoint,
    point_rank,
    regroup_points,
    route_passes,
    shared_passes,
)
from routeplanner.network.model import Network
from routeplanner.route import Route
from routeplanner.search.graph import Preferences
from routeplanner.search.loops import LoopRequest, find_loops
from routeplanner.search.segment_loops import SegmentLoopOptions
from routeplanner.search.workouts import plan_loop_with_segments

__all__ = ["GROUP_TOLERANCE", "GroupPlan", "GroupResult", "plan_group_run"]

log = logging.getLogger(__name__)

#: Accepted relative error of every group's estimated duration (±3 %).
GROUP_TOLERANCE = 0.03


_ALTERNATIVES = 3  # loops asked for per group, to choose ones that meet


_MAX_COMBOS = 729  # above this many choices, pick group by group


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


def _workout_loops(
    net: Network, event: GroupEvent, group: PaceGroup, request: LoopRequest, prefs: Preferences
) -> list[Route]:
    """Loops that run the group's climbs up and its descent down."""
    kwargs: dict[str, Any] = {
        "climbs": group.include_climbs,
        "include_descent": group.include_descent,
    }
    if group.climb_grade is not None:
        kwargs["climb_grade"] = group.climb_grade
    options = SegmentLoopOptions(**kwargs)
    return plan_loop_with_segments(
        net, event.meeting, group.profile, request, options, prefs=prefs
    ).routes


def _candidates(
    net: Network, event: GroupEvent, group: PaceGroup, tolerance: float, alternatives: int
) -> tuple[list[Route], str | None]:
    """Return a group's candidate loops, best first, or no loops and the reason."""
    request = LoopRequest(
        event.duration_s,
        tolerance=tolerance,
        alternatives=alternatives,
        seed=event.seed,
        constraints=group.constraints,
    )
    prefs = event.preferences.search_preferences()
    if group.include_climbs or group.include_descent:
        return _workout_loops(net, event, group, request, prefs), None
    try:
        return find_loops(net, event.meeting, group.profile, request, prefs=prefs), None
    except NoRouteError as exc:
        return [], str(exc)


def _combo_key(per_route: Sequence[dict[int, list[RegroupPass]]]) -> tuple[int, ...]:
    """How well a choice of loops lets groups meet, smaller is better.

    Most groups that pass a shared junction within five minutes of another
    group, then most pairs of groups that share a junction at all, then the
    best regroup point's rank (groups within five minutes, trail junction, …)
    with its spread in 5 min steps.
    """
    shared = shared_passes(per_route)
    pairs = {
        pair
        for ps in shared.values()
        for pair in itertools.combinations(sorted({p.group for p in ps}), 2)
    }
    points = [RegroupPoint(n, 0.0, 0.0, tuple(ps)) for n, ps in shared.items()]
    met = {g for p in points for g in p.meet()} if points else set()
    best = min((point_rank(p)[:4] for p in points), default=(0, 0, 0, math.inf))
    window = int(best[3] // 300) if math.isfinite(best[3]) else 10**6
    return (-len(met), -len(pairs), best[0], window)


def _choose(
    errors: Sequence[Sequence[float]],
    tolerance: float,
    passes: Sequence[Sequence[dict[int, list[RegroupPass]]]],
) -> list[int]:
    """Pick one loop per group, given each candidate's relative duration error.

    Most groups within the tolerance first, then the smallest excess error of
    the others (their closest loop), then how well the groups can regroup
    (:func:`_combo_key`), then the loop search's own ranking.
    """
    choices = [range(len(c)) if c else range(1) for c in errors]

    def key(pick: Sequence[int]) -> tuple[float, ...]:
        err = [abs(errors[g][i]) for g, i in enumerate(pick) if errors[g]]
        on_time = sum(e <= tolerance for e in err)
        excess = round(sum(max(0.0, e - tolerance) for e in err), 3)
        chosen = [passes[g][i] for g, i in enumerate(pick) if errors[g]]
        return (-on_time, excess, *_combo_key(chosen), sum(pick))

    if math.prod(len(c) for c in choices) <= _MAX_COMBOS:
        combos: list[tuple[int, ...]] = list(itertools.product(*choices))
        best: tuple[int, ...] = min(combos, key=key)
        return list(best)
    pick: list[int] = []
    for g, ch in enumerate(choices):
        # Later groups are not chosen yet: score with their first candidate.
        rest = [0] * (len(choices) - g - 1)
        scored = [(key([*pick, i, *rest]), n, i) for n, i in enumerate(ch)]
        pick.append(min(scored)[2])
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
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise InputError(
            f"meeting point {event.meeting_name!r} is a name: resolve it first "
            "(routeplanner.sources.places, then events.event.with_meeting_point)"
        )
    region = net.meta.get("region")
    try:
        snap = net.snap(lon, lat)
    except CoverageError as exc:
        w, s, e, n = net.meta.get("dem_bounds") or net.bbox
        if w <= lon <= e and s <= lat <= n:  # inside the data, only far from any way
            raise CoverageError(f"meeting point {str(exc).removeprefix('point ')}") from None
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
        [route_passes(net, g.name, r, event.meeting, exclude_radius_m, 0.1) for r in rs]
        for g, rs in zip(event.groups, cands, strict=True)
    ]
    pick = _choose(errors, tolerance, passes)

    results = []
    for group, routes, errs, i, reason in zip(
        event.groups, cands, errors, pick, reasons, strict=True
    ):
        if not routes:
            problem: str | None = f"no loop from the meeting point at all: {reason}"
            results.append(GroupResult(group, None, T, None, False, problem))
            continue
        route = dataclasses.replace(routes[i], name=group.label)
        on_time = abs(errs[i]) <= tolerance
        problem = None if on_time else _problem(route, T, tolerance)
        back = add_seconds(event.start, route.stats.duration_s)
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
