"""Legs of a scouting trip: fastest paths on the network, cross-country stretches
and walks along ski lines, timed and joined into one route.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
from scipy.sparse.csgraph import dijkstra

from routeplanner import pace
from routeplanner._geo import haversine_m
from routeplanner.errors import CoverageError, NoRouteError
from routeplanner.network.model import Network, Snap
from routeplanner.route import (
    MAX_GRADE_WINDOW_M,
    Cue,
    Route,
    RouteStats,
    Step,
    make_route,
    overlap_m,
)
from routeplanner.search.graph import Preferences, SearchGraph
from routeplanner.skilines.lines import SkiLine
from routeplanner.sources.dem import Dem
from routeplanner.terrain import max_grade

__all__ = [
    "OFFTRAIL_FACTOR",
    "PISTE_FACTOR",
    "Leg",
    "NetPath",
    "PathFinder",
    "assemble_trip",
    "line_arrays",
    "offtrail_arrays",
]

log = logging.getLogger(__name__)


#: Cross-country on pathless summer ground (grass, scree): the SAC T3 time factor.
OFFTRAIL_FACTOR: float = pace.SAC_FACTORS[3]


#: Walking up or down a graded downhill or nordic piste in summer: grass (as pace.py).
PISTE_FACTOR: float = pace.SURFACE_FACTORS["grass"]


# Sample spacing of cross-country legs and of the walked-line check.
_OFF_SAMPLE_M = 10.0


class NetPath(NamedTuple):
    time_s: float
    steps: tuple[Step, ...]


class PathFinder:
    """Fastest network paths between snapped points, one Dijkstra per source."""

    def __init__(self, net: Network, profile: pace.RunnerProfile, prefs: Preferences) -> None:
        self.net = net
        self.profile = profile
        self.prefs = prefs
        self.edge_factor = prefs.edge_factor(net)

    def tree(self, src: Snap) -> tuple[SearchGraph, np.ndarray, np.ndarray]:
        g = SearchGraph(self.net, self.profile, src, self.prefs)
        factor = np.concatenate([g.factor, g.factor])
        dist, pred = dijkstra(
            g.matrix(g.arc_time * factor), indices=g.start_node, return_predecessors=True
        )
        return g, dist, pred

    def path(
        self, src: Snap, tree: tuple[SearchGraph, np.ndarray, np.ndarray], dst: Snap
    ) -> NetPath:
        g, dist, pred = tree
        net = self.net
        e, o = dst.edge, dst.offset_m
        length = float(net.edge_length_m[e])
        f = float(self.edge_factor[e])
        best: tuple[float, int, Step | None] = (math.inf, -1, None)
        if src.edge == e:
            t = net.partial_time_s(e, src.offset_m, o, self.profile)
            best = (t * f, -1, Step(e, src.offset_m, o))
        for node, start_m in ((int(net.edge_u[e]), 0.0), (int(net.edge_v[e]), length)):
            if not np.isfinite(dist[node]):
                continue
            t = net.partial_time_s(e, start_m, o, self.profile)
            cost = float(dist[node]) + t * f
            if cost < best[0]:
                best = (cost, node, Step(e, start_m, o))
        cost, node, last = best
        if not math.isfinite(cost) or last is None:
            return NetPath(math.inf, ())
        steps: list[Step] = []
        if node >= 0:
            nodes = [node]
            while nodes[-1] != g.start_node:
                p = int(pred[nodes[-1]])
                if p < 0:
                    return NetPath(math.inf, ())
                nodes.append(p)
            nodes.reverse()
            if len(nodes) > 1:
                arcs = g.arc_between(np.asarray(nodes[:-1]), np.asarray(nodes[1:]))
                steps = g.arc_steps(arcs)
        steps.append(last)
        steps = [s for s in steps if s.length_m > 1e-6]
        time_s = sum(net.partial_time_s(s.edge, s.start_m, s.end_m, self.profile) for s in steps)
        return NetPath(float(time_s), tuple(steps))


class Leg(NamedTuple):
    """A piece of the trip: network steps, a straight cross-country line, or a ski line."""

    steps: tuple[Step, ...] = ()
    off: tuple[float, float, float, float] | None = None  # lon0, lat0, lon1, lat1
    line: SkiLine | None = None
    up: bool = False  # walk the ski line bottom to top
    label: str = ""


def _timed(
    profile: pace.RunnerProfile, d: np.ndarray, ele: np.ndarray, factor: float
) -> np.ndarray:
    """Cumulative off-network time along a profile (pace model x terrain ``factor``)."""
    dd = np.diff(d)
    grade = np.divide(np.diff(ele), dd, out=np.zeros_like(dd), where=dd > 0)
    seg_t = dd * pace.cost_ratio(grade, profile.model) * profile.seconds_per_m() * factor
    return np.concatenate(([0.0], np.cumsum(seg_t)))


def offtrail_arrays(
    dem: Dem, profile: pace.RunnerProfile, lon0: float, lat0: float, lon1: float, lat1: float
) -> tuple[np.ndarray, ...]:
    length = float(haversine_m(lon0, lat0, lon1, lat1))
    n = max(1, math.ceil(length / _OFF_SAMPLE_M))
    t = np.linspace(0.0, 1.0, n + 1)
    lon = lon0 + t * (lon1 - lon0)
    lat = lat0 + t * (lat1 - lat0)
    ele = dem.sample(lon, lat)
    if not np.isfinite(ele).all():
        raise CoverageError(f"cross-country leg to {lat1:.5f},{lon1:.5f} leaves the elevation data")
    d = t * length
    return lon, lat, ele, d, _timed(profile, d, ele, OFFTRAIL_FACTOR)


def _line_factor(line: SkiLine) -> float:
    """Terrain factor for walking a line itself: graded pistes are easy grass in summer."""
    if line.source == "osm" and line.piste_type in ("downhill", "nordic"):
        return PISTE_FACTOR
    return OFFTRAIL_FACTOR


def line_arrays(profile: pace.RunnerProfile, line: SkiLine, up: bool) -> tuple[np.ndarray, ...]:
    lon, lat, ele, d = line.lon, line.lat, line.ele, line.dist_m
    if up:
        lon, lat, ele, d = lon[::-1], lat[::-1], ele[::-1], d[-1] - d[::-1]
    return lon, lat, ele, d, _timed(profile, d, ele, _line_factor(line))


def assemble_trip(
    net: Network,
    dem: Dem,
    profile: pace.RunnerProfile,
    legs: Sequence[Leg],
    name: str,
) -> tuple[Route, list[tuple[float, float]]]:
    """A Route from legs; also (distance, time) at the end of every leg."""
    xs, ys, zs, ds, ts, cls = [], [], [], [], [], []
    cues: list[Cue] = []
    steps: list[Step] = []
    ends: list[tuple[float, float]] = []
    dist0 = time0 = 0.0
    trail_m = offtrail_m = 0.0
    for leg in legs:
        if leg.off is not None or leg.line is not None:
            if leg.off is not None:
                lon, lat, ele, d, t = offtrail_arrays(dem, profile, *leg.off)
            else:
                lon, lat, ele, d, t = line_arrays(profile, leg.line, leg.up)
            pc = np.zeros(len(lon), dtype=np.int8)
            leg_cues = [Cue(leg.label, 0.0, float(d[-1]), "offtrail")]
            offtrail_m += float(d[-1])
        else:
            real = [s for s in leg.steps if s.length_m > 1e-6]
            if not real:
                ends.append((dist0, time0))
                continue
            r = make_route(net, real, profile)
            lon, lat, ele, d, t, pc = r.lon, r.lat, r.ele, r.dist_m, r.time_s, r.point_class
            leg_cues = list(r.cues)
            steps.extend(real)
            trail_m += sum(s.length_m for s in real if net.edge_class[s.edge] == 0)
        if float(d[-1]) <= 0:
            ends.append((dist0, time0))
            continue
        first = 0 if not xs else 1  # legs share their joining point
        xs.append(lon[first:])
        ys.append(lat[first:])
        zs.append(ele[first:])
        ds.append(d[first:] + dist0)
        ts.append(t[first:] + time0)
        cls.append(pc[first:])
        for c in leg_cues:
            if cues and cues[-1].name == c.name:
                cues[-1] = cues[-1]._replace(length_m=cues[-1].length_m + c.length_m)
            else:
                cues.append(c._replace(at_m=c.at_m + dist0))
        dist0 += float(d[-1])
        time0 += float(t[-1])
        ends.append((dist0, time0))
    if not xs:
        raise NoRouteError("the scouting trip has zero length: the lines are at the start")
    lon = np.concatenate(xs)
    lat = np.concatenate(ys)
    ele = np.concatenate(zs)
    dist = np.concatenate(ds)
    time_s = np.concatenate(ts)
    dd = np.diff(dist)
    dz = np.diff(ele)
    grade = np.divide(dz, dd, out=np.zeros_like(dz), where=dd > 0)
    grade = np.append(grade, grade[-1] if len(grade) else 0.0)
    total = float(dist[-1])
    stats = RouteStats(
        distance_m=total,
        duration_s=float(time_s[-1]),
        ascent_m=float(np.maximum(dz, 0).sum()),
        descent_m=float(np.maximum(-dz, 0).sum()),
        trail_share=trail_m / total if total else 0.0,
        overlap_share=overlap_m(steps) / total if total else 0.0,
        max_grade=max_grade(dist, ele, window_m=MAX_GRADE_WINDOW_M),
        hardest_sac=int(max((int(net.edge_sac[s.edge]) for s in steps), default=0)),
    )
    route = Route(
        name=name,
        kind="scout",
        profile=profile,
        steps=tuple(steps),
        lon=lon,
        lat=lat,
        ele=ele,
        dist_m=dist,
        time_s=time_s,
        grade=grade,
        point_class=np.concatenate(cls),
        stats=stats,
        cues=tuple(cues),
    )
    route.extras["offtrail_m"] = round(offtrail_m, 1)
    return route, ends
