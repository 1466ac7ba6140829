"""What the loop benchmark compares routeplanner against, on the same search graph.

* :func:`baseline_round_trip`: a round trip built the way GraphHopper builds one
  (``RoundTripRouting`` + ``MultiPointTour`` + ``AvoidEdgesWeighting``);
* :func:`max_out_and_back_s`: the longest out-and-back from a start, which decides
  whether a query is feasible at all.

See ``bench_loops.py`` for how they are used.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from routeplanner import pace
from routeplanner.errors import CoverageError, NoRouteError
from routeplanner.network.model import EARTH_RADIUS_M, Network
from routeplanner.route import Route, make_route
from routeplanner.search.graph import SearchGraph

__all__ = [
    "START_SNAP_M",
    "BaselineParams",
    "baseline_round_trip",
    "max_out_and_back_s",
    "project_coordinate",
]

# Snap radius of the start for both methods (the starts lie within 300 m of a way).
START_SNAP_M = 500.0


@dataclass(frozen=True)
class BaselineParams:
    """Knobs of the GraphHopper-style round trip.

    Attributes
    ----------
    points : int
        GraphHopper's ``round_trip.points``: ``points - 1`` waypoints are
        generated, each ``distance / (points + 1)`` from the previous one.
    penalty : float
        Cost factor of edges used by earlier legs (``AvoidEdgesWeighting``).
    snap_m : float
        Largest distance from a projected waypoint to the network.
    max_retries : int
        Tries per waypoint, shrinking the distance by 5 % each time.
    """

    points: int = 2
    penalty: float = 5.0
    snap_m: float = 1000.0
    max_retries: int = 3


def project_coordinate(
    lon: float, lat: float, distance_m: float, heading_deg: float
) -> tuple[float, float]:
    """Point ``distance_m`` from ``(lon, lat)`` on a great circle with ``heading_deg``.

    Parameters
    ----------
    lon, lat
        Origin in degrees.
    distance_m
        Distance to travel.
    heading_deg
        Initial heading, clockwise from north.

    Returns
    -------
    tuple of float
        ``(lon, lat)`` of the projected point.
    """
    ad = distance_m / EARTH_RADIUS_M
    h = math.radians(heading_deg)
    la1, lo1 = math.radians(lat), math.radians(lon)
    la2 = math.asin(math.sin(la1) * math.cos(ad) + math.cos(la1) * math.sin(ad) * math.cos(h))
    lo2 = lo1 + math.atan2(
        math.sin(h) * math.sin(ad) * math.cos(la1), math.cos(ad) - math.sin(la1) * math.sin(la2)
    )
    return math.degrees(lo2), math.degrees(la2)


class _MinGraph:
    """CSR matrix of one weight per node pair (the cheapest parallel arc).

    ``SearchGraph.matrix`` hands every arc to scipy, which sums the weights
    of parallel arcs between the same two nodes; here the cheapest one is kept
    and remembered, so paths map back to the arcs the search really used.
    """

    def __init__(self, g: SearchGraph, weights: np.ndarray) -> None:
        ok = np.flatnonzero(g.arc_usable & np.isfinite(weights))
        src, dst, w = g.arc_src[ok], g.arc_dst[ok], np.maximum(weights[ok], 1e-6)
        key = src.astype(np.int64) * g.n_nodes + dst
        order = np.lexsort((w, key))
        first = np.ones(len(order), dtype=bool)
        first[1:] = key[order][1:] != key[order][:-1]
        pick = order[first]
        self.n = g.n_nodes
        self.keys = key[pick]  # sorted: lexsort's primary key
        self.arcs = ok[pick]
        self.matrix = sp.csr_matrix((w[pick], (src[pick], dst[pick])), shape=(self.n, self.n))

    def arc(self, u: int, v: int) -> int:
        """The cheapest arc from ``u`` to ``v``."""
        i = int(np.searchsorted(self.keys, u * self.n + v))
        return int(self.arcs[i])

    def path(self, src: int, dst: int) -> list[int] | None:
        """Arcs of a shortest path, ``None`` when ``dst`` is unreachable."""
        if src == dst:
            return []
        _, pred = dijkstra(self.matrix, indices=src, return_predecessors=True)
        if pred[dst] < 0:
            return None
        nodes = [dst]
        while nodes[-1] != src:
            nodes.append(int(pred[nodes[-1]]))
        nodes.reverse()
        return [self.arc(u, v) for u, v in itertools.pairwise(nodes)]


def baseline_round_trip(
    net: Network,
    start: tuple[float, float],
    profile: pace.RunnerProfile,
    duration_s: float,
    *,
    seed: int | Sequence[int] = 0,
    params: BaselineParams | None = None,
) -> Route:
    """A round trip built the way GraphHopper builds one, for a target time.

    Parameters
    ----------
    net
        The network.
    start
        ``(lon, lat)`` of the start.
    profile
        Runner profile: its flat pace turns the target time into a distance,
        and it times the result.
    duration_s
        Target duration.
    seed
        Seed of the heading and the ±10 % distance jitter.
    params
        Waypoint count, reuse penalty, snapping.

    Returns
    -------
    Route
        The loop, timed under ``profile``; never carries a warning.

    Raises
    ------
    CoverageError
        If the start or a waypoint cannot be snapped.
    NoRouteError
        If a leg has no path or the loop is empty.
    """
    p = params or BaselineParams()
    rng = np.random.default_rng(seed)
    lon, lat = start
    snap = net.snap(lon, lat, max_distance_m=START_SNAP_M)
    g = SearchGraph(net, profile, snap)
    distance_m = duration_s / profile.seconds_per_m()
    heading0 = float(rng.integers(360))
    nodes = [g.start_node]
    last = (lon, lat)  # GraphHopper projects the first waypoint from the query point
    for i in range(p.points - 1):
        heading = heading0 + 360.0 * i / p.points
        leg_m = distance_m / (p.points + 1)
        jitter = rng.random() * 0.1 * leg_m
        leg_m += -jitter if rng.random() < 0.5 else jitter
        for attempt in range(p.max_retries):
            x, y = project_coordinate(last[0], last[1], leg_m, heading)
            try:
                wp = net.snap(x, y, max_distance_m=p.snap_m)
                break
            except CoverageError:
                if attempt == p.max_retries - 1:
                    raise
                leg_m *= 0.95
        nodes.append(int(net.edge_u[wp.edge]))
        last = (wp.lon, wp.lat)
    nodes.append(g.start_node)

    used = np.zeros(g.m, dtype=bool)
    arcs: list[int] = []
    for a, b in itertools.pairwise(nodes):
        w = g.arc_len.copy()
        w[np.concatenate([used, used])] *= p.penalty
        leg = _MinGraph(g, w).path(a, b)
        if leg is None:
            raise NoRouteError(f"baseline: no path between waypoints {a} and {b}")
        arcs.extend(leg)
        used[np.asarray(leg, dtype=np.int64) % g.m] = True
    if not arcs:
        raise NoRouteError("baseline: every waypoint snapped onto the start")
    return make_route(
        net,
        g.arc_steps(arcs),
        profile,
        name="GraphHopper-style round trip",
        kind="loop",
        target_duration_s=duration_s,
    )


def max_out_and_back_s(
    net: Network, start: tuple[float, float], profile: pace.RunnerProfile
) -> float:
    """Duration of the longest out-and-back from ``start`` to a node, on the fastest ways.

    Out to a node on its fastest path, back on the fastest path home.  Every
    shorter duration is reachable too, by turning around earlier on the way
    out and retracing it, so a loop within tolerance exists for any target up
    to this (a sufficient condition: turning mid-edge and cycles can do more).

    Parameters
    ----------
    net
        The network.
    start
        ``(lon, lat)``; snapped like the searches snap it.
    profile
        Runner profile timing the ways.

    Returns
    -------
    float
        Seconds; 0 when nothing is reachable.
    """
    snap = net.snap(start[0], start[1], max_distance_m=START_SNAP_M)
    g = SearchGraph(net, profile, snap)
    mg = _MinGraph(g, g.arc_time)
    t_out = dijkstra(mg.matrix, indices=g.start_node)
    t_back = dijkstra(mg.matrix.T.tocsr(), indices=g.start_node)  # node -> start
    rt = t_out + t_back
    rt = rt[np.isfinite(rt)]
    return float(rt.max()) if len(rt) else 0.0
