"""A route on the network: its steps, geometry with elevation, stats and cue sheet.

A route is a sequence of :class:`Step` — a stretch of one edge between two
offsets — so it can start at a snapped point mid-edge and turn around
part-way along an edge.  :func:`make_route` turns steps into a
self-contained :class:`Route` (arrays of points with elevation, distance and
time) that exporters and maps use without the network.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from routeplanner import pace
from routeplanner._geo import close_pair_arrays
from routeplanner.network import grades
from routeplanner.network.model import EDGE_CLASSES, Network
from routeplanner.pace.timer import EdgeTimer

__all__ = [
    "OFF_NETWORK",
    "OVERLAP_WITHIN_M",
    "AnyStep",
    "Cue",
    "OffStep",
    "Outcome",
    "Route",
    "RouteStats",
    "Step",
    "geometric_overlap_m",
    "make_route",
    "overlap_m",
    "shared_m",
    "step_points",
]

#: Window of a route's ``max_grade`` (the grade baseline of routeplanner.network.grades).
MAX_GRADE_WINDOW_M = grades.GRADE_BASELINE_M


class Step(NamedTuple):
    """Run edge ``edge`` from ``start_m`` to ``end_m`` (metres from its ``u`` end).

    ``end_m < start_m`` runs the edge towards ``u``.
    """

    edge: int
    start_m: float
    end_m: float

    @property
    def length_m(self) -> float:
        """Horizontal length of the step."""
        return abs(self.end_m - self.start_m)


class OffStep(NamedTuple):
    """Go off the network: a polyline with elevations and its own running times.

    Cross-country legs and walks along ski lines.  Off-network distance is never
    trail: it counts in a route's distance but not in its trail share, and its
    points have the class :data:`OFF_NETWORK`.
    """

    label: str
    lon: np.ndarray
    lat: np.ndarray
    ele: np.ndarray
    dist_m: np.ndarray
    time_s: np.ndarray

    @property
    def length_m(self) -> float:
        """Horizontal length of the step."""
        return float(self.dist_m[-1])


#: A route's steps: runs along network edges, or off the network.
AnyStep = Step | OffStep

#: ``Route.point_class`` of points off the network (edge classes are 0, 1, 2).
OFF_NETWORK = -1


class Cue(NamedTuple):
    """One line of a cue sheet: follow ``name`` from ``at_m`` for ``length_m``."""

    name: str
    at_m: float
    length_m: float
    highway: str


@dataclass(frozen=True)
class RouteStats:
    """Summary numbers of a route.

    Attributes
    ----------
    distance_m, duration_s, ascent_m, descent_m : float
        Totals along the route (duration under the route's runner profile).
    trail_share : float
        Share of the distance on trails (path, footway, track, bridleway, steps).
    overlap_share : float
        Share of the distance whose track runs within :data:`OVERLAP_WITHIN_M`
        of an earlier part of the route, in either direction (what a runner
        sees as running the same ground twice), see :func:`geometric_overlap_m`.
    max_grade : float
        Steepest grade between profile points ``max_grade_over_m`` apart, as a
        fraction (0.25 = 25 %).
    hardest_sac : int
        Hardest ``sac_scale`` T-grade on the route (0 where untagged).
    max_grade_over_m : float
        Length the steepest grade is measured over (the route's length if shorter
        than :data:`routeplanner.network.grades.GRADE_BASELINE_M`).
    dem_cell_m : float
        Cell size of the DEM the grades come from (NaN if unknown).
    """

    distance_m: float
    duration_s: float
    ascent_m: float
    descent_m: float
    trail_share: float
    overlap_share: float
    max_grade: float
    hardest_sac: int
    main_road_share: float = 0.0
    max_grade_over_m: float = grades.GRADE_BASELINE_M
    dem_cell_m: float = float("nan")

    @property
    def max_grade_text(self) -> str:
        """Return the steepest grade in words, e.g. "max 28 % over 100 m (±3 %)"."""
        return grades.describe_max_grade(self.max_grade, self.max_grade_over_m, self.dem_cell_m)

    def as_dict(self) -> dict[str, float | int | str]:
        """Return rounded values for JSON output."""
        return {
            "distance_m": round(self.distance_m, 1),
            "duration_s": round(self.duration_s, 1),
            "ascent_m": round(self.ascent_m, 1),
            "descent_m": round(self.descent_m, 1),
            "trail_share": round(self.trail_share, 4),
            "overlap_share": round(self.overlap_share, 4),
            "max_grade": round(self.max_grade, 4),
            "max_grade_over_m": round(self.max_grade_over_m, 1),
            "max_grade_confidence": grades.grade_confidence(self.max_grade_over_m, self.dem_cell_m),
            "max_grade_text": self.max_grade_text,
            "hardest_sac": self.hardest_sac,
            "main_road_share": round(self.main_road_share, 4),
        }


@dataclass(frozen=True)
class Outcome:
    """Whether a route meets the runner's brief (see :func:`routeplanner.brief.assess`).

    Attributes
    ----------
    meets_brief : bool
        Time within tolerance and every constraint met.
    misses : tuple of str
        What was missed and by how much, e.g. ``"trail share 54% < 60%"``.
    shape : str
        ``"loop"``, ``"lollipop"`` or ``"out-and-back"``.
    notes : tuple of str
        Things the runner asked about that hold but deserve a mention (main
        road used where no other way connects).
    """

    meets_brief: bool
    misses: tuple[str, ...] = ()
    shape: str = "loop"
    notes: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return {
            "meets_brief": self.meets_brief,
            "misses": list(self.misses),
            "shape": self.shape,
            "notes": list(self.notes),
        }


@dataclass(frozen=True, eq=False)
class Route:
    """A route with its geometry and stats, independent of the network.

    Point arrays (``lon``, ``lat``, ``ele``, ``dist_m``, ``time_s``,
    ``grade``) have one entry per point; ``grade[i]`` is the grade of the
    stretch from point ``i`` to ``i + 1`` (last entry repeats).  A route is
    immutable: derive a changed one with :func:`dataclasses.replace`.

    Attributes
    ----------
    steps : tuple of Step or OffStep
        What to run, in order: network steps and off-network stretches.
    point_class : numpy.ndarray
        Edge class of every point (:data:`~routeplanner.network.model.EDGE_CLASSES`
        index), or :data:`OFF_NETWORK`.
    warnings : tuple of str
        Where the route misses what was asked, for the person reading it.
    offtrail_m : float
        Distance off the network (cross-country and along ski lines).
    segment_ids : tuple of str
        Ids of the climbs and descents a loop through segments runs, in order.
    """

    name: str
    kind: str
    profile: pace.RunnerProfile
    steps: tuple[AnyStep, ...]
    lon: np.ndarray
    lat: np.ndarray
    ele: np.ndarray
    dist_m: np.ndarray
    time_s: np.ndarray
    grade: np.ndarray
    point_class: np.ndarray
    stats: RouteStats
    cues: tuple[Cue, ...]
    target_duration_s: float | None = None
    warnings: tuple[str, ...] = ()
    offtrail_m: float = 0.0
    segment_ids: tuple[str, ...] = ()
    outcome: Outcome | None = None

    @property
    def network_steps(self) -> tuple[Step, ...]:
        """The steps along network edges, in order."""
        return tuple(s for s in self.steps if isinstance(s, Step))

    @property
    def names(self) -> list[str]:
        """Names of the ways followed, in order (consecutive repeats merged)."""
        return [c.name for c in self.cues]

    def summary(self) -> dict[str, Any]:
        """Stats and identity as a JSON-ready dict."""
        out: dict[str, Any] = {"name": self.name, "kind": self.kind}
        out.update(self.stats.as_dict())
        target = self.target_duration_s
        out["target_duration_s"] = None if target is None else round(target, 1)
        if self.outcome is not None:
            out.update(self.outcome.as_dict())
        out["pace_model"] = self.profile.model
        out["flat_pace"] = pace.format_pace(self.profile.flat_pace_s_per_km)
        out["ways"] = self.names
        if self.warnings:
            out["warnings"] = list(self.warnings)
        return out


def step_points(net: Network, step: Step) -> tuple[np.ndarray, ...]:
    """Points of one step, in running order: lon, lat, ele, along-step distance."""
    lon, lat, ele, dist = net.edge_profile(step.edge)
    lo, hi = sorted((step.start_m, step.end_m))
    inner = (dist > lo) & (dist < hi)
    d = np.concatenate(([lo], dist[inner], [hi]))
    x = np.interp(d, dist, lon)
    y = np.interp(d, dist, lat)
    z = np.interp(d, dist, ele)
    if step.end_m < step.start_m:
        x, y, z, d = x[::-1], y[::-1], z[::-1], d[::-1]
    return x, y, z, np.abs(d - d[0])


def overlap_m(steps: Sequence[AnyStep]) -> float:
    """Distance of the network run more than once: length minus the union per edge."""
    by_edge: dict[int, list[tuple[float, float]]] = {}
    total = 0.0
    for s in steps:
        if not isinstance(s, Step):
            continue
        lo, hi = sorted((s.start_m, s.end_m))
        by_edge.setdefault(s.edge, []).append((lo, hi))
        total += hi - lo
    # Float rounding can make the difference a hair below zero.
    return max(0.0, total - sum(_union_length(iv) for iv in by_edge.values()))


#: Distance within which a later part of a route runs "over" an earlier part.
OVERLAP_WITHIN_M = 10.0

#: Spacing of the samples the geometric overlap is measured on.
_OVERLAP_SAMPLE_M = 4.0


def geometric_overlap_m(
    lon: np.ndarray, lat: np.ndarray, dist_m: np.ndarray, *, within_m: float = OVERLAP_WITHIN_M
) -> float:
    """Distance whose track runs within ``within_m`` of an earlier part of the route.

    The track is resampled every few metres; a sample counts as overlap when a
    sample at least ``3 * within_m`` earlier along the route lies within
    ``within_m`` of it (so a bend is not overlap, but running back along the
    same or a parallel way is, in either direction).  On a route that ends
    where it started, distance along it is measured round the cycle, so the
    finish meeting the start is not overlap.  Each U-turn leaves
    ``within_m`` uncounted.

    Examples
    --------
    An out-and-back of 1 km each way runs its way back over the way out, less
    10 m at the turn and 10 m at the finish:

    >>> lat = np.concatenate([np.linspace(42.0, 42.009, 50), np.linspace(42.009, 42.0, 50)])
    >>> lon = np.full(100, 1.5)
    >>> d = np.concatenate([[0.0], np.cumsum(np.abs(np.diff(lat)) * 111195.0)])
    >>> 940 < geometric_overlap_m(lon, lat, d) < 1001
    True
    """
    total = float(dist_m[-1]) if len(dist_m) else 0.0
    if total <= 0:
        return 0.0
    n = max(2, int(np.ceil(total / _OVERLAP_SAMPLE_M)) + 1)
    d = np.linspace(0.0, total, n)
    k = np.pi / 180 * 6_371_008.8
    lat0 = float(np.mean(lat))
    x = np.interp(d, dist_m, lon) * k * np.cos(np.radians(lat0))
    y = np.interp(d, dist_m, lat) * k
    first, second = close_pair_arrays(x, y, within_m)
    if len(first) == 0:
        return 0.0
    gap = np.abs(d[second] - d[first])
    if np.hypot(x[-1] - x[0], y[-1] - y[0]) <= within_m:
        # A route that closes is a cycle: its end meeting its start is no overlap.
        gap = np.minimum(gap, total - gap)
    later = second[gap >= 3 * within_m]  # (first < second)
    over = np.zeros(n, dtype=bool)
    over[later] = True
    step = total / (n - 1)
    return float(over[1:].sum() * step)


def shared_m(a: Sequence[AnyStep], b: Sequence[AnyStep]) -> float:
    """Length of the network that both step sequences cover (each counted once)."""
    ea: dict[int, list[tuple[float, float]]] = {}
    eb: dict[int, list[tuple[float, float]]] = {}
    for steps, d in ((a, ea), (b, eb)):
        for s in steps:
            if not isinstance(s, Step):
                continue
            lo, hi = sorted((s.start_m, s.end_m))
            d.setdefault(s.edge, []).append((lo, hi))
    shared = 0.0
    for e in ea.keys() & eb.keys():
        ua, ub = _union(ea[e]), _union(eb[e])
        for lo1, hi1 in ua:
            for lo2, hi2 in ub:
                shared += max(0.0, min(hi1, hi2) - max(lo1, lo2))
    return shared


def _union(intervals: list[tuple[float, float]]) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for lo, hi in sorted(intervals):
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def _union_length(intervals: list[tuple[float, float]]) -> float:
    return sum(hi - lo for lo, hi in _union(intervals))


def make_route(
    net: Network,
    steps: Sequence[AnyStep],
    profile: pace.RunnerProfile,
    *,
    name: str = "route",
    kind: str = "route",
    target_duration_s: float | None = None,
) -> Route:
    """Materialise steps into a :class:`Route` with geometry, stats and cues.

    Every search assembles its routes here.

    Parameters
    ----------
    net
        The network the steps refer to.
    steps
        Consecutive steps: :class:`Step` along the network (timed under
        ``profile``) or :class:`OffStep` off it (with their own times);
        zero-length steps are dropped.
    profile
        Runner profile for the times.
    name, kind
        Labels carried to outputs (``kind`` is e.g. ``"loop"``).
    target_duration_s
        The requested duration, if any, for reporting.

    Returns
    -------
    Route

    Raises
    ------
    ValueError
        If no step has a length.
    """
    steps = tuple(s for s in steps if s.length_m > 1e-6)
    if not steps:
        raise ValueError("a route needs at least one step of non-zero length")
    lon, lat, ele, dist, fresh_s, point_class = _track(net, steps, profile)
    time_s = profile.route_time_s(fresh_s)
    dd = np.diff(dist)
    dz = np.diff(ele)
    grade = np.divide(dz, dd, out=np.zeros_like(dz), where=dd > 0)
    grade = np.append(grade, grade[-1] if len(grade) else 0.0)

    total = float(dist[-1])
    on_net = [s for s in steps if isinstance(s, Step)]
    trail = sum(s.length_m for s in on_net if net.edge_class[s.edge] == 0)
    steepest, over_m = grades.max_grade_over(dist, ele, window_m=MAX_GRADE_WINDOW_M)
    main = sum(s.length_m for s in on_net if net.edge_class[s.edge] == 2)
    stats = RouteStats(
        distance_m=total,
        duration_s=float(time_s[-1]),
        ascent_m=float(np.maximum(dz, 0).sum()),
        descent_m=float(np.maximum(-dz, 0).sum()),
        trail_share=trail / total if total else 0.0,
        overlap_share=min(1.0, geometric_overlap_m(lon, lat, dist) / total) if total else 0.0,
        max_grade=steepest,
        hardest_sac=int(max((int(net.edge_sac[s.edge]) for s in on_net), default=0)),
        main_road_share=main / total if total else 0.0,
        max_grade_over_m=over_m,
        dem_cell_m=float(net.meta.get("dem_cell_m", float("nan"))),
    )
    return Route(
        name=name,
        kind=kind,
        profile=profile,
        steps=steps,
        lon=lon,
        lat=lat,
        ele=ele,
        dist_m=dist,
        time_s=time_s,
        grade=grade,
        point_class=point_class,
        stats=stats,
        cues=tuple(_cues(net, steps)),
        target_duration_s=target_duration_s,
        offtrail_m=sum(s.length_m for s in steps if isinstance(s, OffStep)),
    )


#: Points of this many network steps are kept per network (a search builds many
#: candidates over the same ways); past it they are forgotten all at once.
STEP_POINTS_KEPT = 50_000


def _kept_points(net: Network, step: Step) -> tuple[np.ndarray, ...]:
    """:func:`step_points` of ``step``, kept on the network (callers do not modify them)."""
    kept = net._cache.get("step_points")
    if kept is None or len(kept) >= STEP_POINTS_KEPT:
        kept = net._cache["step_points"] = {}
    points = kept.get(step)
    if points is None:
        points = kept[step] = step_points(net, step)
    return points


def _track(
    net: Network, steps: Sequence[AnyStep], profile: pace.RunnerProfile
) -> tuple[np.ndarray, ...]:
    """``(lon, lat, ele, dist_m, fresh_s, point_class)`` of the route, its steps joined.

    Every step's points, distance and time start at 0 and are shifted by the sums
    over the steps before (added one after the other); consecutive steps share a
    point, kept once.  Network steps are timed in one call of the time formula over
    all their segments, and each step's clock is summed on its own, in one array
    operation for all of them (a route has hundreds of steps; one call each was most
    of the cost).
    """
    pts = [
        (s.lon, s.lat, s.ele, s.dist_m) if isinstance(s, OffStep) else _kept_points(net, s)
        for s in steps
    ]
    x, y, z, d = (np.concatenate([p[j] for p in pts]) for j in range(4))
    lens = np.array([len(p[0]) for p in pts])
    ends = np.cumsum(lens)
    on_net = np.array([isinstance(s, Step) for s in steps])
    cls = np.array(
        [net.edge_class[s.edge] if isinstance(s, Step) else OFF_NETWORK for s in steps],
        dtype=np.int8,
    )
    t = np.zeros(len(d))
    if on_net.any():
        # Segments: consecutive points of one network step.
        seg = np.repeat(on_net, lens)[:-1]
        seg[ends[:-1] - 1] = False
        dd, dz = np.diff(d)[seg], np.diff(z)[seg]
        grade = np.divide(dz, dd, out=np.zeros_like(dd), where=dd > 0)
        n_seg = lens[on_net] - 1
        edges = np.array([s.edge for s in steps if isinstance(s, Step)], dtype=np.int64)
        seg_t = EdgeTimer(net, profile).segment_s(np.repeat(edges, n_seg), dd, grade)
        # One row per step, 0 then its segments: each row's running sum is the step's clock.
        col = np.arange(int(n_seg.max()) + 1)
        clock = np.zeros((len(n_seg), len(col)))
        clock[(col >= 1) & (col <= n_seg[:, None])] = seg_t
        t[np.repeat(on_net, lens)] = np.cumsum(clock, axis=1)[col <= n_seg[:, None]]
    for i, s in enumerate(steps):
        if isinstance(s, OffStep):
            t[ends[i] - lens[i] : ends[i]] = s.time_s
    # Each step starts where the one before ended (sums added in order).
    before_d = np.concatenate(([0.0], np.cumsum(d[ends - 1])[:-1]))
    before_t = np.concatenate(([0.0], np.cumsum(t[ends - 1])[:-1]))
    keep = np.ones(len(d), dtype=bool)
    keep[ends[:-1]] = False  # the next step's first point is this one's last
    d = d + np.repeat(before_d, lens)
    t = t + np.repeat(before_t, lens)
    return x[keep], y[keep], z[keep], d[keep], t[keep], np.repeat(cls, lens)[keep]


def _cues(net: Network, steps: Sequence[AnyStep]) -> list[Cue]:
    cues: list[Cue] = []
    at = 0.0
    for s in steps:
        if isinstance(s, OffStep):
            name, highway = s.label, "offtrail"
        else:
            name = str(net.edge_name[s.edge]) or _describe(net, s.edge)
            highway = str(net.edge_highway[s.edge])
        if cues and cues[-1].name == name:
            last = cues[-1]
            cues[-1] = last._replace(length_m=last.length_m + s.length_m)
        else:
            cues.append(Cue(name, at, s.length_m, highway))
        at += s.length_m
    return cues


def _describe(net: Network, e: int) -> str:
    hw = str(net.edge_highway[e])
    if net.edge_class[e] == 0:
        return f"unnamed {hw}"
    return f"unnamed {EDGE_CLASSES[int(net.edge_class[e])].replace('_', ' ')} ({hw})"
