"""A route for every running session of a block, found with the existing searches.

- Easy runs and the long run are loops of the session's time from home
  (:func:`routeplanner.search.loops.find_loops`, several alternatives, trail-first).
  Easy runs climb at most :data:`EASY_ASCENT_RATE_M_H` per hour: the loop search then
  costs climbs more, and the gentlest routes of the session's time within reach
  (:func:`routeplanner.search.gentle.find_gentle`, an exact search on the climb) compete
  with its loops; where the area has no gentle route of the session's time, the session
  is marked MISSED. Of those, the one that misses least is taken (on a tie, one that
  shares at most 30 % with the week's other runs, then the one sharing least); a loop
  already used earlier in the block is not used again. A run that would still miss
  looks once more, on other perturbations, with the week's earlier ways far dearer
  (:data:`WIDE_AWAY_PENALTY`) and, if easy, the gentlest routes off them.
- Climb sessions are repeats on a climb at ski-slope angles (``climb_grade``, default
  20–35°, i.e. 36–70 % grade); each session takes the next of the nearest climbs, and the
  number of repeats that best fits the session's time.
- Descent sessions are a whole number of repeats of a 5–10 minute descent whose repeats
  fit the session's time; the first week's is the one that fits best, and the weeks
  after take the other trail descents near home in turn (the same one again only where
  the area has no other).

Every session's route meets its time within ``tolerance`` or is marked with what it missed.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from routeplanner import pace
from routeplanner.brief import Brief, Constraints
from routeplanner.errors import InputError, NoRouteError
from routeplanner.network.model import Network
from routeplanner.plan.block import Block, PlannedSession
from routeplanner.plan.variety import MAX_SHARED, away_from, shared_share, variety_miss
from routeplanner.route import Route
from routeplanner.search.gentle import find_gentle
from routeplanner.search.loop_outcome import MadeRoutes
from routeplanner.search.loops import LoopRequest, find_loops
from routeplanner.search.point_router import PointRouter, PointRouters
from routeplanner.search.segments import Segment, SegmentRequest, find_segments
from routeplanner.search.workouts import MAX_REPS, RepeatsWorkout, repeats_on

__all__ = [
    "EASY_ASCENT_RATE_M_H",
    "MAX_SHARED",
    "RoutedSession",
    "RoutingOptions",
    "route_block",
    "shared_share",
    "shortest_descent_session_s",
]

log = logging.getLogger(__name__)

#: Ascent-rate cap of easy sessions.  An easy run is one held at conversational
#: effort; at a flat 6:00/km, climbing 250 m/h costs about 10-15 % more effort than the
#: flat by Minetti's energy cost (an average grade of about 2-3 %), which keeps the
#: heart rate in the easy zone on rolling ground.  400-500 m/h, what hilly loops from
#: a valley village climb, is steady running uphill: a moderate session, not easy.
EASY_ASCENT_RATE_M_H = 250.0
#: Cost multiplier of the week's earlier ways on the wider look for a run that shares
#: too much (the first look uses :data:`routeplanner.plan.variety.AWAY_PENALTY`).
WIDE_AWAY_PENALTY = 16.0
#: Candidate segments considered for a climb or descent session.
SEGMENT_CANDIDATES = 8


@dataclass(frozen=True)
class RoutingOptions:
    """How sessions are routed.

    Attributes
    ----------
    tolerance : float
        Accepted relative error of a session's time.
    alternatives : int
        Loops asked for per easy or long session (variety comes from choosing among them).
    seed : int
        Seed of the loop search.
    climb_grade : tuple of float
        Mean-grade window of climbs (grade, not degrees).
    climb_min_gain_m : float
        Smallest gain of a climb.
    descent_s : tuple of float
        Running-time window of the practice descent.
    descent_grade : tuple of float
        Mean-grade window of the practice descent.
    within_m : float
        How far from home climbs and descents are looked for.
    constraints : Constraints or None
        The brief's hard constraints (trail-first or roads allowed, least trail share,
        ascent and grade caps): the loops are searched under them and every route is
        judged against them.
    easy_ascent_rate_m_h : float
        Most ascent per hour of an easy session (searched for and judged).
    """

    tolerance: float = 0.05
    alternatives: int = 3
    seed: int = 0
    climb_grade: tuple[float, float] = (math.tan(math.radians(20)), math.tan(math.radians(35)))
    climb_min_gain_m: float = 40.0
    descent_s: tuple[float, float] = (300.0, 600.0)
    descent_grade: tuple[float, float] = (0.08, 0.30)
    within_m: float = 5000.0
    constraints: Constraints | None = None
    easy_ascent_rate_m_h: float = EASY_ASCENT_RATE_M_H

    def brief(self, kind: str) -> Constraints | None:
        """Constraints of a session kind: easy runs add the ascent-rate cap."""
        if kind != "easy":
            return self.constraints
        base = self.constraints or Constraints()
        rate = self.easy_ascent_rate_m_h
        if base.max_ascent_rate_m_h is not None:
            rate = min(rate, base.max_ascent_rate_m_h)
        return replace(base, max_ascent_rate_m_h=rate)


@dataclass(frozen=True)
class RoutedSession:
    """A session with its route and whether the route meets the session's brief.

    Attributes
    ----------
    session : PlannedSession
        The planned session.
    route : Route or None
        Its route (None for sessions without one, or when none could be found).
    misses : tuple of str
        What the route misses (empty when it meets the brief).
    segment : str or None
        Id of the climb or descent repeated, for workouts.
    reps : int
        Number of repeats, for workouts.
    """

    session: PlannedSession
    route: Route | None = None
    misses: tuple[str, ...] = ()
    segment: str | None = None
    reps: int = 0

    @property
    def meets_brief(self) -> bool:
        """Whether the route meets its time and the block's variety rule."""
        return self.route is not None and not self.misses


def _time_miss(route: Route, target_s: float, tolerance: float) -> list[str]:
    """Return a miss string when the route's time is off by more than the tolerance."""
    err = route.stats.duration_s / target_s - 1.0
    if abs(err) <= tolerance + 1e-9:
        return []
    return [
        f"time {route.stats.duration_s / 60:.0f} min for {target_s / 60:.0f} min planned "
        f"({err:+.0%}, tolerance ±{tolerance:.0%})"
    ]


class _Router:
    """Routes the sessions of one block from one home, remembering what it used.

    Its workouts share one point router from home (``routers``: the plan's), and the
    trees and points it keeps.
    """

    def __init__(
        self,
        net: Network,
        home: tuple[float, float],
        profile: pace.RunnerProfile,
        options: RoutingOptions,
        routers: PointRouters | None = None,
    ) -> None:
        self.net, self.home, self.profile, self.opt = net, home, profile, options
        self.routers = routers if routers is not None else PointRouters()
        self.used: list[frozenset[int]] = []
        self._climbs: list[Segment] | None = None
        self._descent: Segment | bool | None = False  # False: not looked for yet
        self._descents: list[Segment] | None = None
        # how many sessions of each kind were routed: the next one takes the next segment,
        # so a recovery week between two descent weeks does not bring the same one back
        self._turns = {"climbs": 0, "descent": 0}
        # the gentlest routes of each easy session (they do not depend on the week), and
        # the longest easy session, so that the gentle search's tables are built once
        self._gentle: dict[tuple[object, float], list[Route]] = {}
        # the gentlest walks of the easy sessions' times repeat: each is made once
        self._made = MadeRoutes()
        self.easy_limit_s: float | None = None

    def _segments(self, kind: str) -> list[Segment]:
        """Nearest qualifying climbs or descents, trail first."""
        o = self.opt
        req = SegmentRequest(
            kind=kind,
            grade=o.climb_grade if kind == "climb" else o.descent_grade,
            min_gain_m=o.climb_min_gain_m if kind == "climb" else 30.0,
            duration_s=None if kind == "climb" else o.descent_s,
            near=self.home,
            within_m=o.within_m,
            limit=SEGMENT_CANDIDATES,
        )
        segs = find_segments(self.net, req, self.profile, raise_if_none=False)
        # trail first: a street is a segment to practise on only when nothing else is near
        return sorted(segs, key=lambda s: s.trail_share < 0.5)

    def point_router(self) -> PointRouter:
        """Return the point router from home (as ``plan_repeats`` makes its own)."""
        return self.routers.get(self.net, self.profile, self.home, None)

    def _best_repeats(self, segs: Sequence[Segment], target_s: float) -> RepeatsWorkout | None:
        """Of the segments and rep counts, the repeats closest to the target time."""
        best: tuple[float, RepeatsWorkout] | None = None
        c = self.opt.constraints  # repeats sessions take the block's constraints as they are
        brief = None if c is None else Brief(c, target_s, self.opt.tolerance)
        for seg in segs:
            one = repeats_on(self.point_router(), seg, 1, brief)
            reps = round((target_s - one.approach_s - one.return_s) / one.repeat_s)
            reps = min(max(reps, 1), MAX_REPS)
            work = one if reps == 1 else repeats_on(self.point_router(), seg, reps, brief)
            err = abs(work.total_s / target_s - 1.0)
            if best is None or err < best[0]:
                best = (err, work)
            if err <= self.opt.tolerance:
                break
        return None if best is None else best[1]

    def _descent_for(self, target_s: float) -> Segment | None:
        """Choose the block's practice descent: the trail one that best fits a session."""
        best: tuple[tuple[bool, float], Segment] | None = None
        for seg in self._segments("descent"):
            work = self._best_repeats([seg], target_s)
            if work is None:
                continue
            key = (seg.trail_share < 0.5, abs(work.total_s / target_s - 1.0))
            if best is None or key < best[0]:
                best = (key, seg)
        return None if best is None else best[1]

    def _descents_for(self) -> list[Segment]:
        """Return the practice descents in turn: the block's first, then the other trail ones."""
        if self._descents is None:
            first = self._descent if isinstance(self._descent, Segment) else None
            others = [
                d
                for d in self._segments("descent")
                if d.trail_share >= 0.5 and (first is None or d.id != first.id)
            ]
            self._descents = ([first] if first is not None else []) + others
        return self._descents

    def _climbs_for(self) -> list[Segment]:
        """Climbs for the climb sessions, none on the practice descent's ground."""
        if self._climbs is None:
            taken = (
                {st.edge for st in self._descent.steps}
                if isinstance(self._descent, Segment)
                else set()
            )
            self._climbs = [
                c for c in self._segments("climb") if not taken & {st.edge for st in c.steps}
            ]
        return self._climbs

    def workout(self, s: PlannedSession) -> RoutedSession:
        """Route a climb or descent session: repeats on a segment near home."""
        turn = self._turns[s.kind]
        self._turns[s.kind] = turn + 1
        if s.kind == "climbs":
            # another climb each session, the nearest first
            pool = self._climbs_for()
        else:
            if self._descent is False:
                self._descent = self._descent_for(s.planned_s)
            # another descent each session where the area has several
            pool = self._descents_for() if isinstance(self._descent, Segment) else []
        k = turn % len(pool) if pool else 0
        segs = pool[k:] + pool[:k]
        if not segs:
            what = "climb at ski-slope angles" if s.kind == "climbs" else "5-10 min descent"
            return RoutedSession(s, None, (f"no {what} within {self.opt.within_m / 1000:.0f} km",))
        work = self._best_repeats(segs, s.planned_s)
        if work is None:
            return RoutedSession(s, None, ("no repeats fit the session",))
        return RoutedSession(s, work.route, self._misses(work.route, s), work.segment.id, work.reps)

    def _candidates(
        self,
        s: PlannedSession,
        alternatives: int,
        seed: int,
        week: Sequence[Route],
        wide: bool = False,
    ) -> list[Route]:
        req = LoopRequest(
            s.planned_s,
            tolerance=self.opt.tolerance,
            alternatives=alternatives,
            seed=seed,
            constraints=self.opt.brief(s.kind) or Constraints(),
        )
        # the week's earlier runs' ways cost more, so the loop looks elsewhere first (on
        # the wider look, much more)
        prefs = away_from(list(week))
        if wide:
            prefs = replace(prefs, penalty=WIDE_AWAY_PENALTY)
        loops = find_loops(self.net, self.home, self.profile, req, prefs=prefs)
        if s.kind != "easy":
            return loops
        # the gentle routes hang on the time alone (not the date, seed or week): sessions
        # of one planned time share them
        key = ("easy", s.planned_s)
        if key not in self._gentle:
            limit = self.easy_limit_s
            self._gentle[key] = find_gentle(
                self.net, self.home, self.profile, req, limit_s=limit, made=self._made
            )
        if not wide:
            return loops + self._gentle[key]
        # the wider look: the gentlest routes off the week's earlier ways
        return loops + find_gentle(
            self.net, self.home, self.profile, req, avoid=prefs.avoid, made=self._made
        )

    def loop(self, s: PlannedSession, week: Sequence[Route]) -> RoutedSession:
        """Route an easy or long run: the loop sharing least with the week's other routes."""
        shares: dict[int, float] = {}

        def worst_share(r: Route) -> float:
            if id(r) not in shares:
                shares[id(r)] = max((shared_share(r, w) for w in week), default=0.0)
            return shares[id(r)]

        def misses(r: Route) -> int:
            # what the session would miss: its brief (time, easy cap), its variety
            brief = r.outcome is not None and not r.outcome.meets_brief
            return int(brief) + int(worst_share(r) > MAX_SHARED)

        def pick(routes: list[Route]) -> Route:
            fresh = [
                r for r in routes if frozenset(st.edge for st in r.network_steps) not in self.used
            ]
            # fewest misses; on a tie, one that keeps the week varied
            return min(
                fresh or routes,
                key=lambda r: (
                    misses(r),
                    worst_share(r) > MAX_SHARED,
                    worst_share(r),
                    abs(r.stats.duration_s - s.planned_s),
                ),
            )

        seed = self.opt.seed + len(self.used)
        try:
            route = pick(self._candidates(s, self.opt.alternatives, seed, week))
            if week and misses(route):
                # one wider look, on other perturbations and well off the week's ways
                more = self._candidates(s, 2 * self.opt.alternatives, seed + 1000, week, wide=True)
                route = pick([route, *more])
        except NoRouteError as exc:
            return RoutedSession(s, None, (str(exc),))
        self.used.append(frozenset(st.edge for st in route.network_steps))
        return RoutedSession(s, route, self._misses(route, s))

    def _misses(self, route: Route, s: PlannedSession) -> tuple[str, ...]:
        """Judge a route: its time, and the brief's constraints when given."""
        brief = self.opt.brief(s.kind)
        if brief is None:
            return tuple(_time_miss(route, s.planned_s, self.opt.tolerance))
        # The search judged it on this session's brief (its finalize): the loop search,
        # or the repeats.
        return tuple(route.outcome.misses) if route.outcome is not None else ()


def _variety_misses(routed: list[RoutedSession]) -> list[RoutedSession]:
    """Mark sessions of one week whose routes share more than :data:`MAX_SHARED`."""
    out = []
    for i, rs in enumerate(routed):
        extra = []
        for other in routed[:i]:
            if rs.route is None or other.route is None:
                continue
            miss = variety_miss(
                shared_share(rs.route, other.route), other.session.date.strftime("%a %d %b")
            )
            if miss is not None:
                extra.append(miss)
        out.append(
            rs if not extra else RoutedSession(**{**vars(rs), "misses": (*rs.misses, *extra)})
        )
    return out


def shortest_descent_session_s(
    net: Network,
    home: tuple[float, float],
    profile: pace.RunnerProfile,
    options: RoutingOptions | None,
    target_s: float,
    routers: PointRouters | None = None,
) -> float | None:
    """Time of one repeat of the practice descent from home and back (None: no descent).

    ``routers``: point routers shared with the block's routing (see :func:`route_block`).
    """
    router = _Router(net, home, profile, options or RoutingOptions(), routers)
    seg = router._descent_for(target_s)
    if seg is None:
        return None
    return repeats_on(router.point_router(), seg, 1).total_s


def route_block(
    block: Block,
    net: Network,
    home: tuple[float, float],
    profile: pace.RunnerProfile,
    *,
    options: RoutingOptions | None = None,
    progress: Callable[[int, int], None] | None = None,
    routers: PointRouters | None = None,
) -> list[list[RoutedSession]]:
    """Find a route for every running session of a block.

    Parameters
    ----------
    block
        The block from :func:`routeplanner.plan.block.build_block`.
    net
        The network around home.
    home
        ``(lon, lat)`` of the runner's door; every route starts and ends there.
    profile
        Runner profile.
    options
        Routing options.
    progress
        Called with (sessions done, sessions to route) after each routed session.
    routers
        Point routers of this plan (None: the block's own): the workouts from home
        share one router and the trees it keeps, whoever asked first.

    Returns
    -------
    list of list of RoutedSession
        Per week, every session (those without a route included), in date order.

    Raises
    ------
    CoverageError
        If home is off the network.
    """
    opt = options or RoutingOptions()
    if not net.n_edges if hasattr(net, "n_edges") else False:
        raise InputError("the network around home is empty")
    router = _Router(net, home, profile, opt, routers)
    easy_s = [s.planned_s for s in block.sessions if s.kind == "easy"]
    router.easy_limit_s = max(easy_s) * (1 + 2 * opt.tolerance) if easy_s else None
    first_descent = next((s for s in block.sessions if s.kind == "descent"), None)
    if first_descent is not None:
        # chosen first, so that no climb session runs on the practice descent's ground
        router._descent = router._descent_for(first_descent.planned_s)
    total = sum(1 for s in block.sessions if s.is_run)
    done = 0
    weeks: list[list[RoutedSession]] = []
    for w in block.weeks:
        routed: list[RoutedSession] = []
        for s in w.sessions:
            if not s.is_run:
                routed.append(RoutedSession(s))
                continue
            if s.kind in ("climbs", "descent"):
                rs = router.workout(s)
            else:
                rs = router.loop(s, [r.route for r in routed if r.route is not None])
            routed.append(rs)
            done += 1
            if progress is not None:
                progress(done, total)
        weeks.append(_long_cap_misses(_variety_misses(routed), block.request.long_cap))
    return weeks


def _long_cap_misses(routed: list[RoutedSession], cap: float) -> list[RoutedSession]:
    """Mark a week's long run that is more than ``cap`` of the week's running time."""
    week_s = sum(rs.session.planned_s for rs in routed if rs.session.is_run)
    out = []
    for rs in routed:
        share = rs.session.planned_s / week_s if week_s > 0 else 0.0
        if rs.session.kind == "long" and share > cap + 1e-9:
            miss = (
                f"the long run is {share:.0%} of the week's running (limit {cap:.0%}): add run days"
            )
            rs = RoutedSession(**{**vars(rs), "misses": (*rs.misses, miss)})
        out.append(rs)
    return out
