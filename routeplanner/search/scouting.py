"""Summer scouting trips: on foot from a trailhead to one or several ski lines and back.

For every line the trip either *walks the line* or *visits its ends*:

* Both ends are snapped to the network (an end farther than ``max_offtrail_m``
  from every way is an error). The fastest way on the network between the two
  snapped ends is found in each direction. If it stays within ``near_m`` of at
  least ``walk_share`` of the line and is not much longer than it, the line can
  be walked, and the trip walks it up or down.
* Otherwise the trip visits the bottom and the top one after the other, along
  the fastest way between them.
* A line gentle enough to hike (``slope_max_deg`` at most
  ``max_walk_slope_deg``) may also be walked along its own course, off the
  network: up, down, or up and back down (for a line whose far end is beyond
  reach of any way). Graded pistes are timed with :data:`PISTE_FACTOR`
  (grass), other lines with :data:`OFFTRAIL_FACTOR`.
* An end more than 25 m from its snapped point is reached by a cross-country
  leg: a straight line over the DEM, timed by the pace model times
  :data:`OFFTRAIL_FACTOR`. An end beyond ``max_offtrail_m`` can only be
  reached along the line itself.

Paths are the cheapest under the search preferences (trails preferred to
roads, as for loops); the reported times are the pace model's real times.
The order of the lines and the way each is visited (up or down, bottom or top
first, through or out and back) are chosen to minimise the total time: every
order is tried for up to :data:`BRUTE_FORCE_MAX` lines (for a fixed order the
best ways of visiting follow exactly from a small dynamic programme over the
point where each visit ends); beyond that, nearest neighbour then 2-opt and
single-line moves.

Daylight needed is ``(moving time + stops) * (1 + reserve)``: a stop at each
line (looking, photos, notes) and a reserve for rests and route finding. Given
a date, sunrise and sunset (NOAA's solar-position approximation, sun's upper
limb with standard refraction, about a minute of error) say by when to start.
"""

from __future__ import annotations

import itertools
import logging
import math
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta, tzinfo
from typing import Any, NamedTuple

import numpy as np
import shapely

from routeplanner import pace
from routeplanner._geo import haversine_m
from routeplanner.brief import with_outcome
from routeplanner.errors import CoverageError, InputError, NoRouteError, RangeError
from routeplanner.network.model import Network, Snap
from routeplanner.route import (
    Step,
    step_points,
)
from routeplanner.safety.daylight import SunTimes, TripDay, sun_times
from routeplanner.search.graph import TRAIL_FIRST, Preferences
from routeplanner.search.scout_legs import (
    OFFTRAIL_FACTOR,
    PISTE_FACTOR,
    Leg,
    NetPath,
    PathFinder,
    assemble_trip,
    line_arrays,
    offtrail_arrays,
)
from routeplanner.search.scout_plan import LineVisit, ScoutPlan, ScoutRequest, plan_text
from routeplanner.search.scout_safety import (
    SAFE_SLOPE_DEG,
    SteepLeg,
    deg_text,
    safe_profile,
    spur_slopes,
    steep_legs,
    too_steep_reason,
)
from routeplanner.skilines.lines import SkiLine
from routeplanner.sources.dem import Dem

__all__ = [
    "BRUTE_FORCE_MAX",
    "HIKING_PROFILE",
    "MAX_LINES",
    "OFFTRAIL_FACTOR",
    "PISTE_FACTOR",
    "SAFE_SLOPE_DEG",
    "LineVisit",
    "ScoutPlan",
    "ScoutRequest",
    "SteepLeg",
    "SunTimes",
    "check_line_count",
    "plan_scouting",
    "plan_text",
    "sun_times",
]

log = logging.getLogger(__name__)

#: Tobler's hiking function at its own flat speed (5.04 km/h = 11:55 /km).
HIKING_PROFILE = pace.RunnerProfile(flat_pace_s_per_km=715.0, model="tobler", max_difficulty=6)
#: Orders and directions are tried exhaustively up to this many lines.
BRUTE_FORCE_MAX = 6
#: Most lines one trip may visit.
MAX_LINES = 12
# Ends closer than this to their snapped point need no cross-country leg.
_SPUR_MIN_M = 25.0
_CHECK_SAMPLE_M = 25.0


# -- walked check -------------------------------------------------------------------


def _walk_share(net: Network, line: SkiLine, steps: Sequence[Step], near_m: float) -> float:
    """Share of the line's samples within ``near_m`` of the path's geometry."""
    if not steps:
        return 0.0
    pts = [np.column_stack(net.project(*step_points(net, s)[:2])) for s in steps]
    coords = np.concatenate(pts)
    if len(coords) < 2:
        return 0.0
    path = shapely.linestrings(coords)
    n = max(2, math.ceil(float(line.dist_m[-1]) / _CHECK_SAMPLE_M) + 1)
    d = np.linspace(0.0, float(line.dist_m[-1]), n)
    lx = np.interp(d, line.dist_m, line.lon)
    ly = np.interp(d, line.dist_m, line.lat)
    x, y = net.project(lx, ly)
    dist = shapely.distance(shapely.points(x, y), path)
    return float(np.mean(dist <= near_m))


# -- visiting options and ordering --------------------------------------------------


class _Option(NamedTuple):
    """One way to visit a line: enter at point ``entry``, leave from point ``exit``.

    ``moves`` are ("net", a, b) network paths between snapped points, ("out", k)
    and ("in", k) cross-country legs from snapped point k to line end k and back,
    and ("line", a, b) walking the line itself from end a to end b. The trip is
    at the line after ``arrive_after`` moves and leaves it after ``leave_after``.
    """

    entry: int
    exit: int
    cost: float
    moves: tuple[tuple[Any, ...], ...]
    mode: str
    walked: bool
    arrive_after: int
    leave_after: int


def _order_cost(
    order: Sequence[int], options: Sequence[Sequence[_Option]], cost: np.ndarray
) -> tuple[float, list[_Option]]:
    """Best options for a fixed order of lines (dynamic programme over the exit point)."""
    states: dict[int, tuple[float, list[_Option]]] = {0: (0.0, [])}
    for i in order:
        nxt: dict[int, tuple[float, list[_Option]]] = {}
        for pos, (c0, chosen) in states.items():
            for opt in options[i]:
                c = c0 + cost[pos, opt.entry] + opt.cost
                if c < nxt.get(opt.exit, (math.inf,))[0]:
                    nxt[opt.exit] = (c, [*chosen, opt])
        states = nxt
    best = min(((c + cost[pos, 0], ch) for pos, (c, ch) in states.items()), key=lambda p: p[0])
    return best


def _best_order(
    options: Sequence[Sequence[_Option]], cost: np.ndarray
) -> tuple[list[int], list[_Option], str]:
    n = len(options)
    if n <= BRUTE_FORCE_MAX:
        best: tuple[float, list[int], list[_Option]] = (math.inf, [], [])
        for perm in itertools.permutations(range(n)):
            c, picked = _order_cost(perm, options, cost)
            if c < best[0]:
                best = (c, list(perm), picked)
        return best[1], best[2], "brute force"
    # Nearest neighbour, then 2-opt (segment reversal) and moving single lines.
    left = set(range(n))
    order: list[int] = []
    here = 0
    while left:
        i, opt = min(
            ((i, o) for i in left for o in options[i]),
            key=lambda p: cost[here, p[1].entry] + p[1].cost,
        )
        order.append(i)
        left.remove(i)
        here = opt.exit
    current, chosen = _order_cost(order, options, cost)
    improved = True
    while improved:
        improved = False
        candidates = [
            order[:a] + order[a:b][::-1] + order[b:] for a in range(n) for b in range(a + 2, n + 1)
        ]
        for a in range(n):
            rest = order[:a] + order[a + 1 :]
            candidates += [[*rest[:b], order[a], *rest[b:]] for b in range(n) if b != a]
        for o2 in candidates:
            c, ch = _order_cost(o2, options, cost)
            if c < current - 1e-9:
                order, chosen, current, improved = o2, ch, c, True
    return order, chosen, "nearest neighbour + 2-opt"


def _line_options(
    i: int,
    line: SkiLine,
    cost: np.ndarray,
    out_t: np.ndarray,
    in_t: np.ndarray,
    line_t: np.ndarray,
    walk_ok: bool,
    hugs: dict[tuple[int, int], bool],
) -> list[_Option]:
    """Cheapest option for each (entry, exit) pair of one line."""
    b, t = 1 + 2 * i, 2 + 2 * i
    other = {b: t, t: b}
    # line_t[i, 0]: bottom to top, line_t[i, 1]: top to bottom.
    lt = {(b, t): line_t[i, 0], (t, b): line_t[i, 1]}
    opts: list[_Option] = []
    for e in (b, t):
        x = other[e]
        up = e == b
        c = out_t[e] + in_t[e] + cost[e, x] + out_t[x] + in_t[x]
        if hugs.get((e, x), False):
            mode, walked = ("walk up" if up else "walk down"), True
        else:
            mode, walked = ("bottom, then top" if up else "top, then bottom"), False
        moves: tuple[tuple[Any, ...], ...] = (
            ("out", e),
            ("in", e),
            ("net", e, x),
            ("out", x),
            ("in", x),
        )
        opts.append(_Option(e, x, c, moves, mode, walked, 1, 4))
        if walk_ok:
            c = out_t[e] + lt[e, x] + in_t[x]
            mode = "walk up off-trail" if up else "walk down off-trail"
            opts.append(_Option(e, x, c, (("out", e), ("line", e, x), ("in", x)), mode, True, 1, 2))
            c = out_t[e] + lt[e, x] + lt[x, e] + in_t[e]
            mode = "walk up and back down" if up else "walk down and back up"
            moves = (("out", e), ("line", e, x), ("line", x, e), ("in", e))
            opts.append(_Option(e, e, c, moves, mode, True, 1, 3))
    best: dict[tuple[int, int], _Option] = {}
    for o in opts:
        key = (o.entry, o.exit)
        if math.isfinite(o.cost) and (key not in best or o.cost < best[key].cost):
            best[key] = o
    return list(best.values())


# -- planning -----------------------------------------------------------------------


def plan_scouting(
    net: Network,
    dem: Dem,
    start: tuple[float, float],
    lines: Sequence[SkiLine],
    profile: pace.RunnerProfile = HIKING_PROFILE,
    request: ScoutRequest | None = None,
    *,
    daylight: TripDay | None = None,
    prefs: Preferences | None = None,
) -> ScoutPlan:
    """Plan a trip on foot from ``start`` to every line and back.

    Parameters
    ----------
    net
        The network.
    dem
        Elevation model (cross-country legs).
    start
        Trailhead (lon, lat).
    lines
        Analysed lines to visit (1 to :data:`MAX_LINES`, distinct ids).
    profile
        Hiker profile; Tobler's hiking function by default.
    request
        Options; defaults if None.
    daylight
        Date (and zone for the times) for sunrise/sunset; none if None.
    prefs
        Search preferences for choosing paths.

    Returns
    -------
    ScoutPlan

    Raises
    ------
    InputError
        If there are no lines, too many, or duplicates.
    CoverageError
        If the start is too far from the network or outside the data.
    NoRouteError
        If a line cannot be reached on foot from the start.
    """
    req = request or ScoutRequest()
    _check_lines(lines)
    profile = safe_profile(profile, req.max_slope_deg)
    lon0, lat0 = start
    pts = _snap_points(net, start, lines, req)
    cost, plan_paths = _path_table(PathFinder(net, profile, prefs or TRAIL_FIRST), pts.snaps)
    out_t, in_t = _spur_times(dem, profile, pts)
    leg_slope = spur_slopes(dem, pts.snaps, pts.ends, _SPUR_MIN_M)
    out_t[leg_slope > req.max_slope_deg] = math.inf
    in_t[leg_slope > req.max_slope_deg] = math.inf
    options, kept, left_out = [], [], []
    for i, ln in enumerate(lines):
        try:
            options.append(_options_for(net, profile, req, pts, cost, plan_paths, (out_t, in_t), i))
            kept.append(i)
        except NoRouteError:
            why = too_steep_reason(ln, i, leg_slope, req.max_slope_deg)
            if why is None:
                raise
            left_out.append((ln.name, why))
    if not kept:
        raise NoRouteError(
            "no line can be reached within the slope limit: "
            + "; ".join(f"{name}: {why}" for name, why in left_out)
        )
    order_k, chosen, method = _best_order(options, cost)
    order = [kept[j] for j in order_k]
    legs, marks, warnings = _trip_legs(lines, order, chosen, pts, plan_paths)
    names = [lines[i].name for i in order]
    route, leg_ends = assemble_trip(net, dem, profile, legs, "Scouting: " + ", ".join(names))
    visits = [
        _visit(lines[i], opt, j, leg_ends, marks[j], pts, out_t, req.stop_s)
        for j, (i, opt) in enumerate(zip(order, chosen, strict=True))
    ]
    moving = route.stats.duration_s
    stops = len(kept) * req.stop_s
    needed = (moving + stops) * (1.0 + req.reserve)
    sun = None
    if daylight is not None:
        sun = _daylight(lon0, lat0, daylight.day, daylight.tz, needed)
        if not sun.fits:
            warnings.append(
                f"the trip needs {pace.format_duration(needed)} of daylight but "
                f"{daylight.day.isoformat()} has {pace.format_duration(sun.day_length_s)}"
            )
    steep = steep_legs(legs, leg_ends, leg_slope, pts.ends, net)
    warnings += [f"steep: {leg.label} ({deg_text(leg.slope_max_deg)})" for leg in steep]
    warnings += [f"left out {name}: {why}" for name, why in left_out]
    if req.brief is None:
        route = replace(route, warnings=(*route.warnings, *warnings))
    else:
        # Judged once the trip's own warnings are known; they come before the misses.
        brief = req.brief
        route = with_outcome(
            route,
            brief.constraints,
            target_duration_s=brief.target_duration_s,
            tolerance=brief.tolerance,
            warnings=warnings,
        )
    return ScoutPlan(
        route=route,
        lines=tuple(lines[i] for i in order),
        visits=tuple(visits),
        moving_s=moving,
        stops_s=stops,
        daylight_needed_s=needed,
        order_method=method,
        sun=sun,
        warnings=tuple(warnings),
        left_out=tuple(left_out),
        steep_legs=tuple(steep),
    )


def check_line_count(count: int) -> None:
    """Refuse more lines than one trip visits (:data:`MAX_LINES`).

    Raises
    ------
    RangeError
        If ``count`` is over the limit.
    """
    if count > MAX_LINES:
        text = "too many {what} ({value}): one trip visits at most {hi}"
        raise RangeError("lines", count, 1, MAX_LINES, text)


def _check_lines(lines: Sequence[SkiLine]) -> None:
    """Refuse no lines, too many, or one given twice."""
    if not lines:
        raise InputError("no lines to scout: give at least one line")
    check_line_count(len(lines))
    ids = [ln.id for ln in lines]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise InputError(f"line given twice: {', '.join(dup)}")


class _Points(NamedTuple):
    """The trip's points: the start, then every line's bottom and top.

    ``snaps[k]`` is point ``k`` on the network (None when too far: ``far[k]``
    says why), ``ends[k]`` the point itself.
    """

    lines: Sequence[SkiLine]
    snaps: list[Snap | None]
    ends: list[tuple[float, float]]
    far: dict[int, str]


def _snap_points(
    net: Network, start: tuple[float, float], lines: Sequence[SkiLine], req: ScoutRequest
) -> _Points:
    """Snap the start (which must be near a way) and both ends of every line."""
    start_snap = net.snap(*start, max_distance_m=req.max_snap_m)
    snaps: list[Snap | None] = [start_snap]
    ends: list[tuple[float, float]] = [(start_snap.lon, start_snap.lat)]
    far: dict[int, str] = {}
    for ln in lines:
        for which, end in (("bottom", ln.bottom), ("top", ln.top)):
            ends.append(end)
            try:
                snaps.append(net.snap(*end, max_distance_m=max(req.max_offtrail_m, 1.0)))
            except CoverageError as exc:
                far[len(snaps)] = f"its {which}: {exc}"
                snaps.append(None)
    return _Points(lines, snaps, ends, far)


def _path_table(
    paths: PathFinder, snaps: Sequence[Snap | None]
) -> tuple[np.ndarray, dict[tuple[int, int], NetPath]]:
    """Return the fastest network path and its time between every two snapped points."""
    m = len(snaps)
    cost = np.full((m, m), math.inf)
    plan_paths: dict[tuple[int, int], NetPath] = {}
    for a, src in enumerate(snaps):
        if src is None:
            continue
        tree = paths.tree(src)
        for b, dst in enumerate(snaps):
            if a == b:
                cost[a, b] = 0.0
                plan_paths[a, b] = NetPath(0.0, ())
            elif dst is not None:
                plan_paths[a, b] = p = paths.path(src, tree, dst)
                cost[a, b] = p.time_s
    return cost, plan_paths


def _spur_times(
    dem: Dem, profile: pace.RunnerProfile, pts: _Points
) -> tuple[np.ndarray, np.ndarray]:
    """Return the cross-country times from each snapped point to its end, and back."""
    m = len(pts.snaps)
    out_t = np.zeros(m)
    in_t = np.zeros(m)
    for k in range(1, m):
        s = pts.snaps[k]
        if s is None:
            out_t[k] = in_t[k] = math.inf
        elif s.distance_m > _SPUR_MIN_M:
            out_t[k] = offtrail_arrays(dem, profile, s.lon, s.lat, *pts.ends[k])[4][-1]
            in_t[k] = offtrail_arrays(dem, profile, *pts.ends[k], s.lon, s.lat)[4][-1]
    return out_t, in_t


def _options_for(
    net: Network,
    profile: pace.RunnerProfile,
    req: ScoutRequest,
    pts: _Points,
    cost: np.ndarray,
    plan_paths: dict[tuple[int, int], NetPath],
    spurs: tuple[np.ndarray, np.ndarray],
    i: int,
) -> list[_Option]:
    """Return the ways to visit line ``i`` that can be reached from the start and back."""
    ln = pts.lines[i]
    line_t = np.zeros((len(pts.lines), 2))
    line_t[i, 0] = line_arrays(profile, ln, True)[4][-1]
    line_t[i, 1] = line_arrays(profile, ln, False)[4][-1]
    b, t = 1 + 2 * i, 2 + 2 * i
    hugs = {}
    for e, x in ((b, t), (t, b)):
        p = plan_paths.get((e, x))
        if p is None or not math.isfinite(p.time_s):
            continue
        length = sum(s.length_m for s in p.steps)
        hugs[e, x] = length <= 1.5 * float(ln.stats.length_m) + 200.0 and (
            _walk_share(net, ln, p.steps, req.near_m) >= req.walk_share
        )
    walk_ok = float(ln.stats.slope_max_deg) <= min(req.max_walk_slope_deg, req.max_slope_deg)
    opts = _line_options(i, ln, cost, *spurs, line_t, walk_ok, hugs)
    opts = [o for o in opts if math.isfinite(cost[0, o.entry]) and math.isfinite(cost[o.exit, 0])]
    if not opts:
        why = "; ".join(pts.far.get(k, "") for k in (b, t) if k in pts.far)
        if why and not walk_ok:
            why += (
                f"; too steep to walk (max {ln.stats.slope_max_deg:.0f}° > "
                f"{req.max_walk_slope_deg:.0f}°)"
            )
        raise NoRouteError(
            f"line {ln.name!r} ({ln.id}) cannot be reached on foot from the start"
            + (f": {why}" if why else " on the network")
        )
    return opts


def _trip_legs(
    lines: Sequence[SkiLine],
    order: Sequence[int],
    chosen: Sequence[_Option],
    pts: _Points,
    plan_paths: dict[tuple[int, int], NetPath],
) -> tuple[list[Leg], list[tuple[int, int]], list[str]]:
    """Return the trip's legs, per line the legs done on arrival and on leaving, warnings."""
    legs: list[Leg] = []
    marks: list[tuple[int, int]] = []
    warnings: list[str] = []
    here = 0
    for i, opt in zip(order, chosen, strict=True):
        ln = lines[i]
        legs.append(Leg(steps=plan_paths[here, opt.entry].steps, label="to " + ln.name))
        counts = []
        for mv in opt.moves:
            new = _move_legs(mv, ln, i, pts.snaps, pts.ends, plan_paths)
            counts.append(len(new))
            legs.extend(new)
            snap = pts.snaps[mv[1]]
            if mv[0] == "out" and new and snap is not None:
                which = "bottom" if (mv[1] - 1) % 2 == 0 else "top"
                warnings.append(
                    f"the {which} of {ln.name} is {snap.distance_m:.0f} m from the "
                    "nearest way: cross-country"
                )
        # Index of the leg that ends on arrival at / on leaving the line.
        first = len(legs) - sum(counts) - 1
        marks.append(
            (first + sum(counts[: opt.arrive_after]), first + sum(counts[: opt.leave_after]))
        )
        here = opt.exit
    legs.append(Leg(steps=plan_paths[here, 0].steps, label="back to the start"))
    return legs, marks, warnings


def _visit(
    ln: SkiLine,
    opt: _Option,
    j: int,
    leg_ends: Sequence[tuple[float, float]],
    mark: tuple[int, int],
    pts: _Points,
    out_t: np.ndarray,
    stop_s: float,
) -> LineVisit:
    """Return the visit of the ``j``-th line of the trip."""
    arrive_m, arrive_s = leg_ends[mark[0]]
    leave_m, leave_s = leg_ends[mark[1]]
    off = 0.0
    for mv in opt.moves:
        snap = pts.snaps[mv[1]]
        if mv[0] in ("out", "in") and out_t[mv[1]] > 0 and snap is not None:
            off += float(haversine_m(snap.lon, snap.lat, *pts.ends[mv[1]]))
        elif mv[0] == "line":
            off += float(ln.stats.length_m)
    return LineVisit(
        line_id=ln.id,
        name=ln.name,
        mode=opt.mode,
        walked=opt.walked,
        arrive_s=arrive_s,
        leave_s=leave_s,
        arrive_elapsed_s=arrive_s + j * stop_s,
        arrive_m=arrive_m,
        leave_m=leave_m,
        offtrail_m=off,
    )


def _daylight(lon: float, lat: float, day: date, tz: tzinfo, needed_s: float) -> SunTimes:
    """Return the day's sun times with the latest start for a trip of ``needed_s``."""
    sun = sun_times(lon, lat, day, tz)
    if sun.sunset is not None:
        latest = sun.sunset - timedelta(seconds=needed_s)
        sun = sun._replace(latest_start=latest, fits=sun.day_length_s >= needed_s)
    return sun


def _move_legs(
    mv: tuple[Any, ...],
    line: SkiLine,
    i: int,
    snaps: Sequence[Snap | None],
    ends: Sequence[tuple[float, float]],
    plan_paths: dict[tuple[int, int], NetPath],
) -> list[Leg]:
    """Return the legs of one move of an option (none for a cross-country leg not needed)."""
    kind = mv[0]
    if kind == "net":
        return [Leg(steps=plan_paths[mv[1], mv[2]].steps, label=line.name)]
    if kind == "line":
        up = mv[1] == 1 + 2 * i
        return [Leg(line=line, up=up, label=f"{line.name} ({'up' if up else 'down'}, off-trail)")]
    k = mv[1]
    s = snaps[k]
    if s is None or s.distance_m <= _SPUR_MIN_M:
        return []
    which = "bottom" if (k - 1) % 2 == 0 else "top"
    if kind == "out":
        return [
            Leg(off=(s.lon, s.lat, *ends[k]), label=f"cross-country to the {which} of {line.name}")
        ]
    return [
        Leg(off=(*ends[k], s.lon, s.lat), label=f"cross-country from the {which} of {line.name}")
    ]
