"""Legs of a scouting trip, timed and joined into one route.

Fastest paths on the network, cross-country stretches and walks along ski
lines.
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
from routeplanner.route import OffStep, Route, Step, make_route
from routeplanner.search.graph import Preferences, SearchGraph
from routeplanner.skilines.lines import SkiLine
from routeplanner.sources.dem import Dem

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
    """A fastest path on the network: its time and steps (no steps: unreachable)."""

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
        """Return the search graph from ``src`` with its Dijkstra times and predecessors."""
        g = SearchGraph(self.net, self.profile, src, self.prefs)
        factor = np.concatenate([g.factor, g.factor])
        dist, pred = dijkstra(
            g.matrix(g.arc_time * factor), indices=g.start_node, return_predecessors=True
        )
        return g, dist, pred

    def path(
        self, src: Snap, tree: tuple[SearchGraph, np.ndarray, np.ndarray], dst: Snap
    ) -> NetPath:
        """Return the fastest path from ``src`` (its ``tree``) to ``dst``."""
        g, dist, pred = tree
        net = self.net
        e, o = dst.edge, dst.offset_m
        length = float(net.edge_length_m[e])
        f = float(self.edge_factor[e])
        best: tuple[float, int, Step | None] = (math.inf, -1, None)
        # An edge beyond the profile's difficulty may only be touched at its ends.
        banned = int(net.edge_sac[e]) > self.profile.max_difficulty
        if src.edge == e and not (banned and abs(o - src.offset_m) > 1e-6):
            t = g.timer.partial_s(e, src.offset_m, o)
            best = (t * f, -1, Step(e, src.offset_m, o))
        for node, start_m in ((int(net.edge_u[e]), 0.0), (int(net.edge_v[e]), length)):
            if not np.isfinite(dist[node]) or (banned and abs(o - start_m) > 1e-6):
                continue
            t = g.timer.partial_s(e, start_m, o)
            cost = float(dist[node]) + t * f
            if cost < best[0]:
                best = (cost, node, Step(e, start_m, o))
        cost, node, last = best
        if not math.isfinite(cost) or last is None:
            return NetPath(math.inf, ())
        steps: list[Step] = []
        if node >= 0:
            try:
                steps = g.arc_steps(g.path_arcs(pred, g.start_node, node))
            except NoRouteError:
                return NetPath(math.inf, ())
        steps.append(last)
        steps = [s for s in steps if s.length_m > 1e-6]
        return NetPath(g.timer.steps_s(steps), tuple(steps))


class Leg(NamedTuple):
    """A piece of the trip: network steps, a straight cross-country line, or a ski line."""

    steps: tuple[Step, ...] = ()
    off: tuple[float, float, float, float] | None = None  # lon0, lat0, lon1, lat1
    line: SkiLine | None = None
    up: bool = False  # walk the ski line bottom to top
    label: str = ""


def offtrail_arrays(
    dem: Dem, profile: pace.RunnerProfile, lon0: float, lat0: float, lon1: float, lat1: float
) -> tuple[np.ndarray, ...]:
    """Return the profile and times of a straight cross-country leg over the DEM."""
    length = float(haversine_m(lon0, lat0, lon1, lat1))
    n = max(1, math.ceil(length / _OFF_SAMPLE_M))
    t = np.linspace(0.0, 1.0, n + 1)
    lon = lon0 + t * (lon1 - lon0)
    lat = lat0 + t * (lat1 - lat0)
    ele = dem.sample(lon, lat)
    if not np.isfinite(ele).all():
        raise CoverageError(f"cross-country leg to {lat1:.5f},{lon1:.5f} leaves the elevation data")
    d = t * length
    return lon, lat, ele, d, pace.profile_times_s(d, ele, profile, OFFTRAIL_FACTOR)


def _line_factor(line: SkiLine) -> float:
    """Terrain factor for walking a line itself: graded pistes are easy grass in summer."""
    if line.source == "osm" and line.piste_type in ("downhill", "nordic"):
        return PISTE_FACTOR
    return OFFTRAIL_FACTOR


def line_arrays(profile: pace.RunnerProfile, line: SkiLine, up: bool) -> tuple[np.ndarray, ...]:
    """Return the profile and times of walking a ski line down (or up)."""
    lon, lat, ele, d = line.lon, line.lat, line.ele, line.dist_m
    if up:
        lon, lat, ele, d = lon[::-1], lat[::-1], ele[::-1], d[-1] - d[::-1]
    return lon, lat, ele, d, pace.profile_times_s(d, ele, profile, _line_factor(line))


def _leg_steps(dem: Dem, profile: pace.RunnerProfile, leg: Leg) -> list[Step | OffStep]:
    """Return the steps of one leg: its network steps, or one off-network step."""
    if leg.off is not None:
        return [OffStep(leg.label, *offtrail_arrays(dem, profile, *leg.off))]
    if leg.line is not None:
        return [OffStep(leg.label, *line_arrays(profile, leg.line, leg.up))]
    return [s for s in leg.steps if s.length_m > 1e-6]


def assemble_trip(
    net: Network,
    dem: Dem,
    profile: pace.RunnerProfile,
    legs: Sequence[Leg],
    name: str,
) -> tuple[Route, list[tuple[float, float]]]:
    """Join legs into one route (:func:`~routeplanner.route.make_route`).

    Parameters
    ----------
    net, dem
        The network and the DEM (for cross-country legs).
    profile
        The walker.
    legs
        The trip's legs, in order.
    name
        The route's name.

    Returns
    -------
    route : Route
        The trip, ``kind`` ``"scout"``; its off-network stretches are
        :class:`~routeplanner.route.OffStep` steps.
    ends : list of tuple
        ``(distance_m, time_s)`` from the start at the end of every leg.

    Raises
    ------
    NoRouteError
        If the trip has no length.
    """
    per_leg = [_leg_steps(dem, profile, leg) for leg in legs]
    steps = [s for leg_steps in per_leg for s in leg_steps if s.length_m > 1e-6]
    if not steps:
        raise NoRouteError("the scouting trip has zero length: the lines are at the start")
    route = make_route(net, steps, profile, name=name, kind="scout")
    ends = []
    at_m = 0.0
    for leg_steps in per_leg:
        at_m += sum(s.length_m for s in leg_steps if s.length_m > 1e-6)
        ends.append((at_m, float(np.interp(at_m, route.dist_m, route.time_s))))
    return route, ends
