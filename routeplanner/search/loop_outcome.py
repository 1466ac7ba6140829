"""Built loops measured against the brief: their score, their order, and alternatives.

The loop search (:mod:`routeplanner.search.loops`) turns its best candidates into
routes here: each is materialised, assessed against the brief
(:func:`routeplanner.brief.finalize`) and scored on its real numbers, with the same
weights the search scores its candidates with.  Routes that meet the brief come first,
then the score; alternatives share at most :data:`SIMILAR_SHARE` of their distance.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from routeplanner import pace
from routeplanner.brief import Brief, add_shortfalls, finalize, judged
from routeplanner.network.model import Network
from routeplanner.route import AnyStep, Route, Step, make_route, shared_m
from routeplanner.search.roads import road_notes

if TYPE_CHECKING:
    from routeplanner.search.loops import LoopRequest

#: Geometric overlap share of a built route that is good enough to stop building.
GOOD_OVERLAP = 0.06

#: Weight of the road share against the overlap share in the loop score.
TRAIL_WEIGHT = 0.5

#: Trail-first: a metre of main road takes this many metres off the trail credit in the
#: loop score, so that a loop keeps off main roads it can do without, even those that
#: are the only connection to another valley (a 10 % main-road loop scores as one
#: with 10 % more overlap: its main road counts once as not trail, once as debit).
MAIN_ROAD_DEBIT = 1.0

#: Weight of the overshoot of the target time in the loop score.
OVERSHOOT_WEIGHT = 3.0

#: Weight of a constraint shortfall (trail share, ascent) in the loop score.
CONSTRAINT_WEIGHT = 4.0

#: Alternatives may share at most this share of the shorter one's distance.
SIMILAR_SHARE = 0.5


class MadeRoutes:
    """Loops made from their steps (before they are judged), kept for the queries of a task.

    Making a route (:func:`~routeplanner.route.make_route`) is a pure function of its
    steps and runner; the brief only judges it. The easy sessions of a plan, from one
    home, find many of the same gentlest walks at their different times: each is made
    once and judged per session. At most ``limit`` are kept (then all are forgotten).
    """

    def __init__(self, limit: int = 1024) -> None:
        self.limit = limit
        self._kept: dict[tuple[object, ...], Route] = {}

    def make(self, net: Network, steps: Sequence[Step], profile: pace.RunnerProfile) -> Route:
        """Return the loop of ``steps`` as ``make_route`` makes it (no target time)."""
        key = (id(net), profile, tuple(steps))
        route = self._kept.get(key)
        if route is None:
            if len(self._kept) >= self.limit:
                self._kept.clear()
            route = self._kept[key] = make_route(net, steps, profile, kind="loop")
        return route


class _Builds:
    """The routes built for one query, each built once.

    The ascent retries and the link search find many of the first search's loops
    again (the same steps); building is a pure function of the steps, so a loop
    found twice is materialised and assessed once. With ``made``, loops made by other
    queries of the task are judged without being made again.
    """

    def __init__(
        self,
        net: Network,
        profile: pace.RunnerProfile,
        request: LoopRequest,
        made: MadeRoutes | None = None,
    ) -> None:
        self.net = net
        self.profile = profile
        self.request = request
        self.made = made
        self._done: dict[tuple[Step, ...], tuple[tuple[bool, float], Route]] = {}

    def __call__(self, steps: Sequence[Step]) -> tuple[tuple[bool, float], Route]:
        """Return the route of ``steps`` and its sort key (see :func:`_build`)."""
        key = tuple(steps)
        if key not in self._done:
            self._done[key] = _build(self.net, steps, self.profile, self.request, self.made)
        return self._done[key]


def _build(
    net: Network,
    steps: Sequence[Step],
    profile: pace.RunnerProfile,
    request: LoopRequest,
    made: MadeRoutes | None = None,
) -> tuple[tuple[bool, float], Route]:
    """Materialise and assess one candidate; the key sorts routes meeting the brief first."""
    T = request.duration_s
    brief = Brief(request.constraints, T, request.tolerance)
    notes = road_notes(net, steps) if request.constraints.avoid_roads else None
    if made is None:
        route = finalize(net, steps, profile, brief, kind="loop", road_notes=notes)
    else:  # what finalize does, with the route made once for the task
        route = replace(made.make(net, steps, profile), target_duration_s=T)
        route = judged(route, brief, road_notes=notes)
    missed = route.outcome is None or not route.outcome.meets_brief
    return (missed, _route_score(route, request)), route


def _enough(
    built: list[tuple[tuple[bool, float], Route]], request: LoopRequest, *, final: bool
) -> bool:
    """Whether ``alternatives`` really different built routes meet the brief.

    Unless ``final``, they must also overlap at most :data:`GOOD_OVERLAP`.
    """
    good: list[Route] = []
    for (missed, _), route in built:
        if missed or (not final and route.stats.overlap_share > GOOD_OVERLAP):
            continue
        if not any(_too_similar(route.steps, r.steps) for r in good):
            good.append(route)
    return len(good) >= request.alternatives


def _named(route: Route, index: int) -> Route:
    shape = route.outcome.shape if route.outcome else "loop"
    label = {"loop": "Loop", "lollipop": "Lollipop", "out-and-back": "Out-and-back"}[shape]
    return replace(route, name=f"{label} {index}")


def _route_score(route: Route, request: LoopRequest) -> float:
    """Score a finished route as the search does, on its real numbers (lower is better).

    Shortfalls on the brief count too, so that among routes that miss it the
    closest comes first.
    """
    st = route.stats
    T = request.duration_s
    err = abs(st.duration_s / T - 1)
    over = max(0.0, st.duration_s / T - 1) + max(0.0, err - request.tolerance)
    c = request.constraints
    debit = MAIN_ROAD_DEBIT * st.main_road_share if c.avoid_roads else 0.0
    score = st.overlap_share + TRAIL_WEIGHT * (1 - st.trail_share + debit) + OVERSHOOT_WEIGHT * over
    return float(add_shortfalls(score, c, T, st.trail_share, st.ascent_m, weight=CONSTRAINT_WEIGHT))


def _too_similar(a: Sequence[AnyStep], b: Sequence[AnyStep]) -> bool:
    la = sum(s.length_m for s in a)
    lb = sum(s.length_m for s in b)
    return shared_m(a, b) > SIMILAR_SHARE * min(la, lb)
