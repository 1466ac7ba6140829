"""Workouts built on climbs and descents: hill repeats, and loops through segments.

Repeats
    Run from the start to the segment, run it ``reps`` times in its direction
    with the way back between efforts (jog down after a climb, climb back up
    after a descent), and return.  For a descent the route either goes to the
    top first or to the bottom and climbs it, whichever is quicker overall.

Loops through segments
    Composed from pieces the rest of the search already trusts.  Qualifying
    climbs (and a descent) near the start come from
    :func:`routeplanner.search.segments.find_segments`.  Every ordering of a
    few of them is costed from shortest-path trees (one per segment end), and
    the best ordering becomes the *core*: start → segment → … → start, each
    segment run in its own direction (a descent downhill), the legs between
    them on shortest paths that avoid what the route has already used (×5
    cost, so the way back is not the way out).  The core is then topped up to
    the target time with a loop of the remaining duration from
    :func:`routeplanner.search.loops.find_loops`, run first as a warm-up and
    chosen to share as little as possible with the core.
"""

from __future__ import annotations

import itertools
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from routeplanner import pace
from routeplanner._docstrings import fill
from routeplanner.brief import Brief, finalize
from routeplanner.errors import InputError, NoRouteError, RangeError
from routeplanner.network.model import Network
from routeplanner.route import Route, Step, shared_m
from routeplanner.search.graph import Preferences
from routeplanner.search.loops import TRAIL_PREFERENCE, LoopRequest, find_loops
from routeplanner.search.point_router import (
    PointOption,
    PointRouter,
    reversed_steps,
    segment_end,
    segment_start,
    steps_time_s,
)
from routeplanner.search.segments import Segment, SegmentRequest, find_segments

if TYPE_CHECKING:  # segment_loops imports this module
    from routeplanner.search.segment_loops import SegmentLoopOptions

__all__ = [
    "MAX_REPS",
    "ApproachOptions",
    "RepeatsWorkout",
    "SegmentLoop",
    "check_reps",
    "leg_prefs",
    "plan_loop_through_segments",
    "plan_loop_with_segments",
    "plan_repeats",
    "plan_repeats_near",
    "repeats_on",
    "segment_loop_on",
    "workout_line",
]

log = logging.getLogger(__name__)

MAX_REPS = 30
MAX_SEGMENTS_IN_LOOP = 4

#: Least trail share of a climb or descent on a loop unless roads are allowed.
SEGMENT_MIN_TRAIL = 0.5

#: Search preference of the legs under ``avoid_roads``: main roads 20 times the cost.
AVOID_ROADS_PREFERENCE = Preferences(class_factor=(1.0, 6.0, 20.0), sac_factor=0.05)

#: Loops through segments built and assessed per query, at most.
_MAX_BUILT = 8


# --------------------------------------------------------------------------- repeats


@dataclass(frozen=True, eq=False)
class RepeatsWorkout:
    """A repeats workout on one segment.

    Attributes
    ----------
    route : Route
        The whole run, start to start (``kind="workout"``).
    segment : Segment
        The climb or descent repeated.
    reps : int
        Number of efforts.
    approach_s : float
        From the start to the first effort.
    effort_s : float
        One run of the segment in its direction.
    recovery_s : float
        One run of the segment the other way (between efforts).
    repeat_s : float
        One repeat: effort plus recovery.
    return_s : float
        From the end of the last effort back to the start.
    total_s : float
        The whole run.
    """

    route: Route
    segment: Segment
    reps: int
    approach_s: float
    effort_s: float
    recovery_s: float
    repeat_s: float
    return_s: float
    total_s: float

    def summary(self) -> dict[str, Any]:
        """JSON-ready numbers of the workout."""
        return {
            "segment": self.segment.id,
            "kind": self.segment.kind,
            "reps": self.reps,
            "approach_s": round(self.approach_s, 1),
            "effort_s": round(self.effort_s, 1),
            "recovery_s": round(self.recovery_s, 1),
            "repeat_s": round(self.repeat_s, 1),
            "return_s": round(self.return_s, 1),
            "total_s": round(self.total_s, 1),
        }


def check_reps(reps: int) -> None:
    """Refuse a number of repeats outside 1 to :data:`MAX_REPS`.

    Raises
    ------
    RangeError
        If ``reps`` is not a whole number in range.
    """
    if isinstance(reps, bool) or not isinstance(reps, int) or not 1 <= reps <= MAX_REPS:
        raise RangeError("number of repeats", reps, 1, MAX_REPS)


def plan_repeats(
    net: Network,
    start: tuple[float, float],
    segment: Segment,
    profile: pace.RunnerProfile,
    reps: int = 4,
    *,
    prefs: Preferences | None = None,
    max_snap_m: float = 500.0,
    brief: Brief | None = None,
) -> RepeatsWorkout:
    """Plan hill repeats: start → segment, ``reps`` × (effort + way back), → start.

    Parameters
    ----------
    net
        The network the segment was found on.
    start
        ``(lon, lat)`` of the start (and finish).
    segment
        A climb (efforts run uphill) or a descent (efforts run downhill).
    profile
        Runner profile.
    reps
        Number of efforts, 1 to :data:`MAX_REPS`.
    prefs
        Search preferences for the way there and back.
    max_snap_m
        Largest accepted distance from the start to the network.
    brief
        What the whole workout is judged on (its route's outcome); None: not judged.

    Returns
    -------
    RepeatsWorkout

    Raises
    ------
    InputError
        If ``reps`` is out of range.
    CoverageError
        If the start is off the network.
    NoRouteError
        If the segment cannot be reached from the start.
    """
    check_reps(reps)
    return repeats_on(PointRouter(net, profile, start, prefs, max_snap_m), segment, reps, brief)


def repeats_on(
    router: PointRouter, segment: Segment, reps: int = 4, brief: Brief | None = None
) -> RepeatsWorkout:
    """Plan hill repeats from a router's start, as :func:`plan_repeats` does.

    Workouts from one start share a router (see
    :class:`~routeplanner.search.point_router.PointRouters`) and the trees it keeps; a
    workout asked again (the same segment, repeats and brief) is the one planned first.
    """
    check_reps(reps)
    key = ("repeats", segment.kind, segment.id, reps, brief)
    work = router.kept.get(key)
    if not isinstance(work, RepeatsWorkout):
        work = router.keep(key, _repeats(router, segment, reps, brief))
    return work


def _repeats(
    router: PointRouter, segment: Segment, reps: int, brief: Brief | None
) -> RepeatsWorkout:
    net, profile = router.net, router.profile
    w = router.base
    effort = list(segment.steps)
    back = reversed_steps(effort)
    effort_s = steps_time_s(net, effort, profile)
    recovery_s = steps_time_s(net, back, profile)
    top_e, top_o = segment_start(segment) if segment.kind == "descent" else segment_end(segment)
    bot_e, bot_o = segment_end(segment) if segment.kind == "descent" else segment_start(segment)

    def to_start_from(edge: int, off: float) -> tuple[list[Step], float]:
        return router.leg(router.point_opts(edge, off, leaving=True), router.start_opts(), w)

    def from_start_to(edge: int, off: float) -> tuple[list[Step], float]:
        return router.leg(router.start_opts(), router.point_opts(edge, off, leaving=False), w)

    # Plans: (approach, body, return) with their times.
    plans = []
    home, home_s = to_start_from(bot_e, bot_o)
    to_bottom, to_bottom_s = from_start_to(bot_e, bot_o)
    up, down = (effort, back) if segment.kind == "climb" else (back, effort)
    if segment.kind == "climb":
        body = [s for _ in range(reps) for s in (*effort, *back)]
        plans.append((to_bottom, to_bottom_s, body, home, home_s))
    else:
        body = [s for _ in range(reps) for s in (*up, *down)]
        plans.append((to_bottom, to_bottom_s, body, home, home_s))
        to_top, to_top_s = from_start_to(top_e, top_o)
        body = [*effort, *[s for _ in range(reps - 1) for s in (*back, *effort)]]
        plans.append((to_top, to_top_s, body, home, home_s))
    approach, approach_s, body, ret, ret_s = min(
        plans, key=lambda p: p[1] + steps_time_s(net, p[2], profile) + p[4]
    )
    steps = [*approach, *body, *ret]
    route = finalize(
        net,
        steps,
        profile,
        brief,
        name=f"{reps} × {segment.kind} repeats: {segment.name}",
        kind="workout",
    )
    work = RepeatsWorkout(
        route=route,
        segment=segment,
        reps=reps,
        approach_s=approach_s,
        effort_s=effort_s,
        recovery_s=recovery_s,
        repeat_s=effort_s + recovery_s,
        return_s=ret_s,
        total_s=route.stats.duration_s,
    )
    return work


def workout_line(work: RepeatsWorkout) -> str:
    """One line describing a repeats workout's times.

    Parameters
    ----------
    work
        The workout.

    Returns
    -------
    str
        E.g. ``"4 × (effort 6 min up + 2 min down) = one repeat 8 min; …"``.
    """
    up = work.segment.kind == "climb"
    f = pace.format_duration
    return (
        f"{work.reps} × (effort {f(work.effort_s)} {'up' if up else 'down'} + "
        f"{f(work.recovery_s)} {'down' if up else 'up'}) = one repeat {f(work.repeat_s)}; "
        f"approach {f(work.approach_s)}, return {f(work.return_s)}; total {f(work.total_s)}"
    )


@dataclass(frozen=True)
class ApproachOptions:
    """How the start is joined to the network and the way there and back is chosen.

    Attributes
    ----------
    prefs : Preferences or None
        Search preferences for the way there and back (defaults if None).
    max_snap_m : float
        Largest accepted distance from the start to the network.
    brief : Brief or None
        What the whole workout is judged on; None: not judged.
    """

    prefs: Preferences | None = None
    max_snap_m: float = 500.0
    brief: Brief | None = None


def plan_repeats_near(
    net: Network,
    start: tuple[float, float],
    request: SegmentRequest,
    profile: pace.RunnerProfile,
    reps: int = 4,
    *,
    dem: Any = None,
    candidates: int = 5,
    approach: ApproachOptions = ApproachOptions(),
) -> RepeatsWorkout:
    """Repeats on a segment found near a point: of the best ``candidates``, the quickest to reach.

    Parameters
    ----------
    net
        The network.
    start
        ``(lon, lat)`` of the start (and finish).
    request
        What segment to look for (its ``near`` defaults to the start).
    profile
        Runner profile.
    reps
        Number of efforts.
    dem
        Optional DEM to check the segments' grades against.
    candidates
        How many of the best-fitting segments are considered.
    approach
        Snapping distance and search preferences for the way there and back, and
        the brief the workout is judged on.

    Returns
    -------
    RepeatsWorkout
        On the candidate with the least time to get there and back.

    Raises
    ------
    InputError
        If no segment meets the request (the message names the nearest miss).
    """
    if request.near is None:
        request = replace(request, near=start)
    segs = find_segments(net, request, profile, dem=dem)[: max(1, candidates)]
    plans = []
    for seg in segs:
        try:
            plans.append(
                plan_repeats(
                    net,
                    start,
                    seg,
                    profile,
                    reps,
                    prefs=approach.prefs,
                    max_snap_m=approach.max_snap_m,
                    brief=approach.brief,
                )
            )
        except NoRouteError:
            continue
    if not plans:
        raise NoRouteError(
            f"none of the {len(segs)} best {request.kind}s can be reached from the start"
        )
    return min(plans, key=lambda w: w.approach_s + w.return_s)


# --------------------------------------------------------------------------- loops


@dataclass(frozen=True, eq=False)
class SegmentLoop:
    """Loops that pass through climbs and descents, and the segments they use.

    Attributes
    ----------
    routes : list of Route
        Best first; each has ``segment_ids`` (in running order).
    segments : list of tuple of Segment
        Per route, the segments it runs, in order.
    """

    routes: list[Route]
    segments: list[tuple[Segment, ...]] = field(default_factory=list)


#: The parameters of a loop that runs segments, here and in
#: :func:`routeplanner.search.segment_loops.plan_segment_loop`
#: (:func:`routeplanner._docstrings.fill`).
SEGMENT_LOOP_DOC = """
    net
        The network.
    start
        ``(lon, lat)`` of the start.
    profile
        Runner profile.
    request
        Target duration, tolerance, alternatives and seed, as for loops.
    options
        The climbs and descent to run
        (:class:`~routeplanner.search.segment_loops.SegmentLoopOptions`).
    dem
        Optional DEM to check the segments' grades against.
    """


@fill(segment_loop=SEGMENT_LOOP_DOC)
def plan_loop_with_segments(
    net: Network,
    start: tuple[float, float],
    profile: pace.RunnerProfile,
    request: LoopRequest,
    options: SegmentLoopOptions,
    *,
    dem: Any = None,
    prefs: Preferences | None = None,
    max_snap_m: float = 500.0,
) -> SegmentLoop:
    """Return a loop of the target time that runs qualifying climbs up and a descent down.

    Parameters
    ----------
    %(segment_loop)s
    prefs
        Search preferences.
    max_snap_m
        Largest accepted distance from the start to the network.

    Returns
    -------
    SegmentLoop

    Raises
    ------
    InputError
        If nothing is asked for, or no qualifying segment is within reach
        (the message names the nearest miss).
    NoRouteError
        If the segments cannot be linked into a loop.
    """
    if not options.wanted:
        raise InputError("nothing to include: ask for at least one climb or a descent")
    router = PointRouter(net, profile, start, leg_prefs(request, prefs), max_snap_m)
    return segment_loop_on(router, request, options, dem=dem)


def leg_prefs(request: LoopRequest, prefs: Preferences | None = None) -> Preferences:
    """Preferences of the legs of a loop through segments: ``prefs``, or by the brief."""
    if prefs is not None:
        return prefs
    return AVOID_ROADS_PREFERENCE if request.constraints.avoid_roads else TRAIL_PREFERENCE


def segment_loop_on(
    router: PointRouter, request: LoopRequest, options: SegmentLoopOptions, *, dem: Any = None
) -> SegmentLoop:
    """Plan a loop through segments from a router's start, as :func:`plan_loop_with_segments`.

    The durations and kinds of one start share a router (see
    :class:`~routeplanner.search.point_router.PointRouters`) and what it keeps.
    """
    if not options.wanted:
        raise InputError("nothing to include: ask for at least one climb or a descent")
    profile = router.profile
    T = request.duration_s
    snap = router.snap
    # Trails first: a road is a climb or descent to practise only if roads are allowed.
    min_trail = 0.0 if options.allow_roads else SEGMENT_MIN_TRAIL
    # A segment must lie within half the loop's flat-pace distance of the start.
    reach = float(np.clip(T / 2 / profile.seconds_per_m() * 0.8, 1000.0, 20000.0))
    near = (snap.lon, snap.lat)
    kinds: list[tuple[int, SegmentRequest]] = []
    if options.climbs:
        climb = SegmentRequest(
            "climb",
            options.climb_grade,
            options.climb_min_gain_m,
            near=near,
            within_m=reach,
            limit=60,
            min_trail_share=min_trail,
        )
        kinds.append((options.climbs, climb))
    if options.include_descent:
        descent = SegmentRequest(
            "descent",
            options.descent_grade,
            options.descent_min_loss_m,
            duration_s=options.descent_minutes,
            near=near,
            within_m=reach,
            limit=60,
            min_trail_share=min_trail,
        )
        kinds.append((1, descent))
    # Shortest-path rows from the start, and towards it.
    start_row = router.trees(router.start_opts(), router.base)[0][0]
    home_row = router.trees(router.start_opts(), router.base, reverse=True)[0][0]
    pools = [
        _segment_pool(router, req, n, (start_row, home_row), dem=dem, pool_size=options.pool_size)
        for n, req in kinds
    ]
    all_segs = [s for p in pools for s in p]
    scored = _score_orders(router, pools, [n for n, _ in kinds], (start_row, home_row), T)
    if not scored:
        raise NoRouteError(
            "the qualifying segments near the start cannot be linked into a loop "
            "(they lie on ways the start's network does not reach)"
        )
    # Build the best orders until enough distinct loops meet the brief (time
    # within tolerance, constraints held), then keep those first.
    built: list[tuple[tuple[bool, float, int], Route, tuple[Segment, ...]]] = []
    for k, (_, order) in enumerate(scored[: min(_MAX_BUILT, 4 * request.alternatives + 2)]):
        segs = tuple(all_segs[i] for i in order)
        route = _build_loop(router, segs, request, k + 1)
        outcome = route.outcome
        err = abs(route.stats.duration_s / T - 1)
        built.append(((not (outcome and outcome.meets_brief), err, k), route, segs))
        good = [b for b in built if not b[0][0]]
        if len(_distinct(good, request.alternatives)) >= request.alternatives:
            break
    built.sort(key=lambda b: b[0])
    chosen = _distinct(built, request.alternatives)
    routes = [replace(r, name=f"Loop {i}") for i, (_, r, _) in enumerate(chosen, start=1)]
    return SegmentLoop(routes, [segs for _, _, segs in chosen])


def plan_loop_through_segments(
    net: Network,
    start: tuple[float, float],
    profile: pace.RunnerProfile,
    request: LoopRequest,
    segments: Sequence[Segment],
    *,
    prefs: Preferences | None = None,
    max_snap_m: float = 500.0,
) -> Route:
    """Return a loop of the target time that runs given segments, each its own way.

    The loop passes each segment's start, then its end (a climb is run uphill, a
    descent downhill), in the order given; legs avoid the ways already used, and a
    loop from the start tops it up to the target time, as
    :func:`plan_loop_with_segments` builds its loops.

    Parameters
    ----------
    net, start, profile, prefs, max_snap_m
        As for :func:`plan_loop_with_segments`.
    request
        Target duration, tolerance, seed and constraints (one loop is built).
    segments
        The segments, from :func:`~routeplanner.search.segments.find_segments` or
        :func:`~routeplanner.search.segments.segment_by_id` on this network.

    Returns
    -------
    Route
        With its outcome (a time the segments make impossible is a miss) and the
        segments' ids.
    """
    router = PointRouter(net, profile, start, leg_prefs(request, prefs), max_snap_m)
    return _build_loop(router, segments, request, 1)


def _distinct(
    built: Sequence[tuple[Any, Route, tuple[Segment, ...]]], n: int
) -> list[tuple[Any, Route, tuple[Segment, ...]]]:
    """Return the first ``n`` built loops that share at most half their distance with another."""
    out: list[tuple[Any, Route, tuple[Segment, ...]]] = []
    for b in built:
        r = b[1]
        if any(
            shared_m(r.steps, o[1].steps) > 0.5 * min(r.stats.distance_m, o[1].stats.distance_m)
            for o in out
        ):
            continue
        out.append(b)
        if len(out) == n:
            break
    return out


def _segment_pool(
    router: PointRouter,
    req: SegmentRequest,
    n: int,
    rows: tuple[np.ndarray, np.ndarray],
    *,
    dem: Any,
    pool_size: int,
) -> list[Segment]:
    """Return the segments to combine: quickest there and back, and most height for it.

    ``rows`` are the shortest-path rows from the start and towards it.
    """
    net, profile = router.net, router.profile
    found = find_segments(net, req, profile, dem=dem, raise_if_none=False)
    # Of the qualifying segments, keep those quickest to run there, through and back.
    tb = np.array(
        [
            _best(router.point_opts(*segment_start(sg), leaving=False), rows[0])
            + sg.duration_s
            + _best(router.point_opts(*segment_end(sg), leaving=True), rows[1])
            for sg in found
        ],
        dtype=np.float64,
    )
    # Half the pool: the quickest there and back; half: the most height for that time.
    rise = np.array([sg.rise_m for sg in found])
    size = max(pool_size, n)
    picked: list[int] = []
    for key in (tb, tb / np.maximum(rise, 1.0)):
        for i in np.argsort(key, kind="stable").tolist():
            if len(picked) >= (size + 1) // 2 * (1 + (key is not tb)):
                break
            if math.isfinite(tb[i]) and i not in picked:
                picked.append(i)
    segs = [found[i] for i in picked][:size]
    if len(segs) < n:
        try:  # the finder's own error names the nearest miss
            find_segments(net, req, profile, dem=dem)
        except InputError as exc:
            msg = str(exc).replace("(--within)", "(a longer run reaches farther)")
            raise InputError(msg) from None
        raise InputError(
            f"only {len(segs)} {req.kind}(s) qualify within {req.within_m / 1000:.1f} km "
            f"of the start, {n} asked for: lower the count or widen the grade window"
        )
    return segs


def _link_times(router: PointRouter, segs: Sequence[Segment]) -> np.ndarray:
    """Return the time from the end of every segment to the start of every other."""
    s_opts = [router.point_opts(*segment_start(s), leaving=False) for s in segs]
    e_opts = [router.point_opts(*segment_end(s), leaving=True) for s in segs]
    link = np.full((len(segs), len(segs)), np.inf)
    for i, eo in enumerate(e_opts):
        if not eo:
            continue
        rows, _ = router.trees(eo, router.base)
        for j, so in enumerate(s_opts):
            if i != j:
                link[i, j] = min(
                    (
                        a.cost + float(rows[r, b.node]) + b.cost
                        for r, a in enumerate(eo)
                        for b in so
                    ),
                    default=np.inf,
                )
    return link


def _score_orders(
    router: PointRouter,
    pools: Sequence[Sequence[Segment]],
    counts: Sequence[int],
    rows: tuple[np.ndarray, np.ndarray],
    target_s: float,
) -> list[tuple[float, tuple[int, ...]]]:
    """Return every order of segments to run, best (lowest) score first.

    Segments are indices into the pools concatenated; ``counts`` says how many
    of each pool a loop runs.
    """
    all_segs = [s for p in pools for s in p]
    approach = np.array(
        [_best(router.point_opts(*segment_start(s), leaving=False), rows[0]) for s in all_segs]
    )
    home = np.array(
        [_best(router.point_opts(*segment_end(s), leaving=True), rows[1]) for s in all_segs]
    )
    link = _link_times(router, all_segs)
    seg_cost = np.array([s.duration_s for s in all_segs])
    fit = np.array([s.fit for s in all_segs])
    edges = [frozenset(st.edge for st in s.steps) for s in all_segs]
    offsets = np.cumsum([0] + [len(p) for p in pools])
    choices = [
        itertools.combinations(range(offsets[i], offsets[i + 1]), n) for i, n in enumerate(counts)
    ]
    scored: list[tuple[float, tuple[int, ...]]] = []
    for combo in itertools.product(*choices):
        members = [x for part in combo for x in part]
        if any(edges[a] & edges[b] for a, b in itertools.combinations(members, 2)):
            continue  # a climb and the same stretch as a descent: an out-and-back
        for order in itertools.permutations(members):
            core = approach[order[0]] + home[order[-1]] + seg_cost[list(order)].sum()
            core += sum(link[a, b] for a, b in itertools.pairwise(order))
            if not math.isfinite(core):
                continue
            # Time on the segments is the point; time getting to them is the cost.
            on_segs = float(seg_cost[list(order)].sum())
            over = max(0.0, core / target_s - 1.0)
            score = (core - on_segs) / target_s - 0.5 * on_segs / target_s + 10.0 * over
            score += 0.3 * float(np.mean(1.0 - fit[list(order)]))
            scored.append((score, order))
    scored.sort()
    return scored


def _best(opts: Sequence[PointOption], row: np.ndarray) -> float:
    """Cheapest cost through any option given one Dijkstra row."""
    return min((o.cost + float(row[o.node]) for o in opts), default=np.inf)


def _build_loop(
    router: PointRouter, segs: Sequence[Segment], request: LoopRequest, number: int
) -> Route:
    """Core (start → segments → start, legs avoiding used ways) plus a top-up loop."""
    net, profile = router.net, router.profile
    T = request.duration_s
    steps: list[Step] = []
    used: set[int] = set()
    cur = router.start_opts()
    for seg in segs:
        used |= {s.edge for s in seg.steps}
    for seg in segs:
        leg, _ = router.leg(
            cur, router.point_opts(*segment_start(seg), leaving=False), router.penalised(used)
        )
        steps += leg
        used |= {s.edge for s in leg}
        steps += list(seg.steps)
        cur = router.point_opts(*segment_end(seg), leaving=True)
    leg, _ = router.leg(cur, router.start_opts(), router.penalised(used))
    steps += leg
    core_s = steps_time_s(net, steps, profile)
    warnings: list[str] = []
    rest = T - core_s
    if rest > request.tolerance * T / 2:
        tol = float(np.clip(request.tolerance * T * 0.6 / rest, 0.005, 0.5))
        try:
            subs = find_loops(
                net,
                (router.snap.lon, router.snap.lat),
                profile,
                LoopRequest(
                    rest,
                    tolerance=tol,
                    alternatives=3,
                    seed=request.seed,
                    constraints=replace(
                        request.constraints, max_ascent_m=None, max_ascent_rate_m_h=None
                    ),
                ),
                prefs=router.g.prefs,
            )
        except NoRouteError as exc:
            subs = []
            warnings.append(f"could not top up the loop to the target time: {exc}")
        if subs:
            sub = min(
                subs,
                key=lambda r: (
                    shared_m(r.steps, steps) / r.stats.distance_m,
                    abs(r.stats.duration_s - rest),
                ),
            )
            # The top-up runs first, as a warm-up before the efforts.
            steps = [*sub.network_steps, *steps]
    # The outcome states a missed time itself; the warning gives the reason (segments too far).
    if core_s > T * (1 + request.tolerance):
        warnings.append(
            f"the segments need at least {core_s / 60:.0f} min from the start, more than the "
            f"target {T / 60:.0f} min: ask for fewer segments or a longer run"
        )
    brief = Brief(request.constraints, T, request.tolerance)
    route = finalize(
        net,
        steps,
        profile,
        brief,
        name=f"Loop {number}",
        kind="loop",
        warnings=warnings,
    )
    return replace(route, segment_ids=tuple(s.id for s in segs))
