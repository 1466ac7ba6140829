"""Loops that pass through a given point: start → via → start, at the target time.

A runner drags a point of a loop on the map to make it pass there; the loop must
still take the target time.  The point is snapped onto its nearest edge, and the
loop runs that whole edge (in either direction), so it passes exactly through the
snapped point.  Candidates, on the search graph of :mod:`routeplanner.search.loops`:

- the plain loop candidates (tree cycles, via-node loops, cloverleaves) that run the
  via edge;
- out along the shortest-path tree to one end of the via edge, across it, and back
  by a search that avoids the way out (two legs);
- the same, with a third leg: from the far end of the via edge to a node chosen so
  that the whole loop is close to the target, then home avoiding both earlier legs
  (a triangle), for several such nodes around the via point.

Loops a little short are topped up with a spur, as plain loops are; each is then
built and measured against the brief.  A via point too far for the target time
gives the shortest loop through it, which says that it misses the time.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from routeplanner import pace
from routeplanner.errors import NoRouteError
from routeplanner.network.model import Network, Snap
from routeplanner.route import Route
from routeplanner.search.graph import REUSE_PENALTY, Preferences, SearchGraph, tree_sums
from routeplanner.search.loop_cands import _Cand
from routeplanner.search.loop_outcome import _build, _named, _too_similar
from routeplanner.search.loops import (
    EXACT_POOL,
    TRAIL_PREFERENCE,
    TREE_ROUNDS,
    LoopRequest,
    _graph_for,
    _LoopSearch,
)
from routeplanner.search.loops import (
    _candidates as _loop_candidates,
)

__all__ = ["find_via_loops"]

#: Third-leg nodes tried per via direction (spread around the via point).
THIRD_LEGS = 6

#: Window of whole-loop times (share of the target) a third-leg node aims at.
TRIANGLE_WINDOW = (0.55, 0.95)

#: Longest target (as a multiple of the asked one) whose reach is searched for the via.
MAX_REACH_FACTOR = 8.0


def _graph_reaching(
    net: Network,
    profile: pace.RunnerProfile,
    snap: Snap,
    prefs: Preferences,
    request: LoopRequest,
    via_edge: int,
) -> tuple[SearchGraph, np.ndarray]:
    """Get the loop search graph of the request, grown until it holds the via edge."""
    duration = request.duration_s
    while True:
        g, base = _graph_for(net, profile, snap, prefs, replace(request, duration_s=duration))
        if np.any(g.edge == via_edge) or duration >= MAX_REACH_FACTOR * request.duration_s:
            return g, base
        duration = min(2 * duration, MAX_REACH_FACTOR * request.duration_s)


def _via_arcs(g: SearchGraph, base: np.ndarray, via: Snap) -> list[int]:
    """Open arcs (both directions) of the search edges holding the via point."""
    k = np.flatnonzero(
        (g.edge == via.edge) & (g.lo <= via.offset_m + 1e-6) & (g.hi >= via.offset_m - 1e-6)
    )
    arcs = np.concatenate([k, k + g.m])
    return [int(a) for a in arcs if np.isfinite(base[a])]


def _third_nodes(
    search: _LoopSearch, t_first: float, pred2: np.ndarray, t_back: np.ndarray, via_node: int
) -> list[int]:
    """Nodes whose leg from the via plus the tree's way home lands in the triangle window.

    One per bearing sector around the via end, the closest to the upper end of
    the window first (a seeded shuffle of the sectors makes other seeds differ).
    """
    g, T = search.g, search.req.duration_s
    has = pred2 >= 0
    par = g.tree_arcs(pred2)
    t_leg = tree_sums(pred2, np.where(has, g.arc_time[np.maximum(par, 0)], 0.0))
    total = t_first + t_leg + t_back
    lo, hi = TRIANGLE_WINDOW
    ok = has & np.isfinite(total) & (total >= lo * T) & (total <= hi * T)
    nodes = np.flatnonzero(ok)
    if len(nodes) == 0:
        return []
    lat0 = g.node_lat[via_node]
    ang = np.arctan2(
        g.node_lat[nodes] - lat0,
        (g.node_lon[nodes] - g.node_lon[via_node]) * np.cos(np.radians(lat0)),
    )
    offset = search.rng.uniform(0, 2 * np.pi)
    sector = ((ang + np.pi + offset) / (2 * np.pi) * THIRD_LEGS).astype(int) % THIRD_LEGS
    out = []
    for sec in range(THIRD_LEGS):
        in_sec = nodes[sector == sec]
        if len(in_sec):
            out.append(int(in_sec[np.argmin(np.abs(total[in_sec] - hi * T))]))
    return out


def _candidates(search: _LoopSearch, via_arcs: list[int]) -> list[_Cand]:
    """Plain loop candidates that run the via edge, and two-leg and triangle loops through it."""
    g = search.g
    via_edges = {q % g.m for q in via_arcs}
    plain, _ = _loop_candidates(search, TREE_ROUNDS)
    out = [c for c in plain if not via_edges.isdisjoint(c.edges)]
    # The graph is bounded by its reach already; the via may sit on a way that costs
    # far more than its time (a main road under avoid-roads), so no cost limit here.
    search.limit = np.inf
    s = g.start_node
    tree = search.tree(search.base)
    t_back = np.where(tree.reached, tree.t_back, np.inf)
    for q in via_arcs:
        a, b = int(g.arc_src[q]), int(g.arc_dst[q])
        if not tree.reached[a]:
            continue
        first = [*g.path_arcs(tree.pred, s, a), q]
        t_first = float(g.arc_time[first].sum())
        w2 = g.penalised(search.base, first, REUSE_PENALTY)
        _, pred2 = search.dijkstra(w2, b)
        if b == s or pred2[s] >= 0:
            out.append(search._make(first + g.path_arcs(pred2, b, s)))
        for y in _third_nodes(search, t_first, pred2, t_back, b):
            leg2 = g.path_arcs(pred2, b, y)
            _, pred3 = search.dijkstra(g.penalised(w2, leg2, REUSE_PENALTY), y)
            if y == s or pred3[s] >= 0:
                out.append(search._make(first + leg2 + g.path_arcs(pred3, y, s)))
    out.sort(key=lambda c: c.score)
    return out


def find_via_loops(
    net: Network,
    start: tuple[float, float],
    via: tuple[float, float],
    profile: pace.RunnerProfile,
    request: LoopRequest,
    *,
    prefs: Preferences | None = None,
    max_snap_m: float = 500.0,
) -> list[Route]:
    """Find loops from ``start`` through ``via`` that take the requested time.

    Parameters
    ----------
    net
        The network.
    start, via
        ``(lon, lat)`` of the start and of the point to pass; both are snapped
        onto their nearest edge.
    profile
        Runner profile.
    request
        Target duration, tolerance, alternatives, seed and constraints, as for
        :func:`~routeplanner.search.loops.find_loops`.
    prefs
        Search preferences; by default :data:`~routeplanner.search.loops.TRAIL_PREFERENCE`.
    max_snap_m
        Largest accepted distance from either point to the network.

    Returns
    -------
    list of Route
        Best first, each with its outcome; every route runs the via point's edge.

    Raises
    ------
    CoverageError
        If either point is outside the data or too far from any way.
    NoRouteError
        If no loop open to the runner passes through the via point.
    """
    snap = net.snap(start[0], start[1], max_distance_m=max_snap_m)
    vsnap = net.snap(via[0], via[1], max_distance_m=max_snap_m)
    prefs = prefs or TRAIL_PREFERENCE
    g, base = _graph_reaching(net, profile, snap, prefs, request, vsnap.edge)
    search = _LoopSearch(g, request, base)
    T = request.duration_s
    built: list[tuple[tuple[bool, float], Route]] = []
    for c in _candidates(search, _via_arcs(g, base, vsnap)):
        if len(built) >= max(EXACT_POOL, request.alternatives + 2):
            break
        steps = search.pad(c.arcs, T - c.time_s) if c.time_s < search.no_pad_s else None
        built.append(_build(net, steps or g.arc_steps(c.arcs), profile, request))
    if not built:
        raise NoRouteError(
            f"no loop open to the runner passes through {via[1]:.5f},{via[0]:.5f} "
            f"from {start[1]:.5f},{start[0]:.5f}"
        )
    built.sort(key=lambda x: x[0])
    routes: list[Route] = []
    for _, route in built:
        if not any(_too_similar(route.steps, r.steps) for r in routes):
            routes.append(_named(route, len(routes) + 1))
        if len(routes) == request.alternatives:
            break
    return routes
