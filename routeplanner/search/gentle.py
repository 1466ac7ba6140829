"""The gentlest routes of a given time from a start: least ascent per hour, by exact search.

Easy runs want the gentlest ground within reach.  The loop search steers away from
climbs but scores loops on overlap and trail first; this search looks only at the
climb.  It is exact over a stated family of routes:

* a route goes **out** from the start and comes **back**; out, every step leads farther
  from the start (by the fastest way over the open ways), back, every step nearer,
  except for at most :data:`TURNS` steps each way (a bend that doubles back, a short
  spur run out and back);
* within the family, a dynamic programme over (node, elapsed time in
  :data:`BUCKET_S` buckets) keeps, for every node and time, the walk of least ascent
  from the start and the one of least ascent back to it; joined at their far node, they
  give for every duration the least ascent any route of the family can climb.  A walk
  short of the time may make it up on a spur at its far node: part of a way, run out
  and back (the network's nodes are junctions, and a route must be able to turn between
  them).

Without the limit on steps back a walk could lap a flat street block for the whole
session, which climbs nothing and is no run anyone would choose; the limit keeps the
routes real.  Routes are built and judged like the loop search's
(:func:`routeplanner.brief.finalize`): the ascent rate is the route's ``ascent_m`` over
its ``duration_s``.  Ways to avoid (a week's earlier runs) count as climbing, so the
gentlest routes elsewhere come first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from scipy.sparse.csgraph import dijkstra

from routeplanner import pace
from routeplanner.brief import Constraints
from routeplanner.network.model import Network, Snap
from routeplanner.route import Route, Step, step_points
from routeplanner.search.graph import Preferences, SearchGraph, edge_cost, reach_edges
from routeplanner.search.loop_outcome import MadeRoutes, _Builds, _named, _too_similar

if TYPE_CHECKING:
    from routeplanner.search.loops import LoopRequest

__all__ = [
    "BUCKET_S",
    "GENTLE_BUILDS",
    "TURNS",
    "GentleTables",
    "Walk",
    "find_gentle",
    "gentle_routes",
    "gentle_tables",
    "gentlest_walks",
]

#: Time bucket of the programme (s): within a bucket the walk of least ascent is kept.
BUCKET_S = 10.0
#: Steps that lead back towards the start on the way out (and away from it on the way
#: back) a route may take.
TURNS = 2
#: Metres of climb a metre of a way to avoid counts as: a week's earlier ways cost as much
#: as climbing, so a gentle route elsewhere, if any, comes first.
AVOID_CLIMB = 1.0
#: Most walks built into routes per query.
GENTLE_BUILDS = 40


@dataclass(frozen=True)
class _Half:
    """One half of the programme: least ascent per (node, bucket) and how it was reached."""

    asc: np.ndarray  # (turns + 1, n, buckets)
    time: np.ndarray
    arc: np.ndarray
    prev_b: np.ndarray
    prev_k: np.ndarray

    def best(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Least ascent over the turns taken, its time and turn count, per (node, bucket)."""
        k = np.argmin(self.asc, axis=0)
        return self.asc.min(axis=0), np.take_along_axis(self.time, k[None], axis=0)[0], k


@dataclass(frozen=True)
class GentleTables:
    """The programme's tables for one start: walks out and walks back, per node and time.

    Attributes
    ----------
    graph : SearchGraph
        The search graph (within reach of the start).
    out, back : _Half
        Walks from the start, and walks to it (run on reversed arcs).
    limit_s : float
        Longest walk kept.
    """

    graph: SearchGraph
    out: _Half
    back: _Half
    limit_s: float
    arcs: _Arcs  # the arcs walked out, with what the programme counted as their ascent
    out_best: tuple[np.ndarray, np.ndarray, np.ndarray]  # out.best(), worked out once
    back_best: tuple[np.ndarray, np.ndarray, np.ndarray]


class Walk(NamedTuple):
    """A closed walk from the start: out on ``there``, a spur, back on ``back`` (arcs).

    The spur runs the first ``fraction`` of arc ``spur`` at the far node and back, so
    that the walk takes its time where the far node is not where it should turn.
    """

    per_s: float  # ascent per second, as the programme counts it
    there: list[int]
    spur: int
    fraction: float
    back: list[int]

    def steps(self, g: SearchGraph) -> list[Step]:
        """Network steps of the walk."""
        steps = g.arc_steps(self.there)
        if self.spur >= 0 and self.fraction > 0:
            out = g.partial_arc_step(self.spur, self.fraction)
            steps += [out, Step(out.edge, out.end_m, out.start_m)]
        return steps + g.arc_steps(self.back)


def _arc_climbs(g: SearchGraph) -> np.ndarray:
    """Ascent of every search arc in its direction (the start's split pieces from the profile)."""
    net = g.net
    up = np.concatenate([net.edge_ascent_m[g.edge], net.edge_descent_m[g.edge]])
    whole = (g.lo == 0) & (np.abs(g.hi - net.edge_length_m[g.edge]) < 1e-6)
    for e in np.flatnonzero(~whole).tolist():
        for k in (e, e + g.m):
            (step,) = g.arc_steps([k])
            up[k] = float(np.maximum(np.diff(step_points(net, step)[2]), 0).sum())
    return up


class _Arcs(NamedTuple):
    """The arcs a half of the programme runs on."""

    g: SearchGraph
    sorted: np.ndarray  # usable arcs sorted by source node
    starts: np.ndarray  # where each node's arcs start in ``sorted``
    climb: np.ndarray  # ascent per arc
    time: np.ndarray  # running time per arc
    outward: np.ndarray  # whether the arc leads away from the start (no turn taken)
    # the same per usable arc, in the order of ``sorted``
    s_dst: np.ndarray
    s_climb: np.ndarray
    s_time: np.ndarray
    s_outward: np.ndarray

    @classmethod
    def of(
        cls,
        g: SearchGraph,
        usable: np.ndarray,
        climb: np.ndarray,
        time: np.ndarray,
        outward: np.ndarray,
    ) -> _Arcs:
        """Sort the usable arcs by source node."""
        srt = usable[np.argsort(g.arc_src[usable], kind="stable")]
        starts = np.searchsorted(g.arc_src[srt], np.arange(g.n_nodes + 1))
        return cls(
            g,
            srt,
            starts,
            climb,
            time,
            outward,
            g.arc_dst[srt],
            climb[srt],
            time[srt],
            outward[srt],
        )


def _programme(arcs: _Arcs, limit_s: float, turns: int) -> _Half:
    """Least-ascent walks from the start per (turns taken, node, time bucket)."""
    g = arcs.g
    n, nb, layers = g.n_nodes, int(limit_s // BUCKET_S) + 1, turns + 1
    shape = (layers, n, nb)
    # (turns + 1) x nodes x buckets: 2 million cells for an hour from a village, so
    # the tables are kept small: single floats, 32-bit arcs, 16-bit buckets
    h = _Half(
        np.full(shape, np.inf, dtype=np.float32),
        np.full(shape, np.inf, dtype=np.float32),
        np.full(shape, -1, dtype=np.int32),
        np.full(shape, -1, dtype=np.int16),
        np.full(shape, -1, dtype=np.int8),
    )
    h.asc[0, g.start_node, 0] = 0.0
    h.time[0, g.start_node, 0] = 0.0
    for b in range(nb):
        dirty = [np.flatnonzero(np.isfinite(h.asc[k, :, b])) for k in range(layers)]
        # arcs shorter than a bucket land in the same one: relax until it settles
        while any(len(x) for x in dirty):
            fresh: list[list[np.ndarray]] = [[] for _ in range(layers)]
            for k in range(layers):
                for kk, dst in _relax(h, k, b, dirty[k], arcs):
                    fresh[kk].append(dst)
            dirty = [np.unique(np.concatenate(x)) if x else np.zeros(0, np.int64) for x in fresh]
    return h


def _relax(
    h: _Half, k: int, b: int, nodes: np.ndarray, arcs_of: _Arcs
) -> list[tuple[int, np.ndarray]]:
    """Extend the walks at ``nodes`` (layer ``k``, bucket ``b``) by one arc; keep improvements.

    Returns the (layer, nodes) improved in bucket ``b`` itself, to relax again.
    """
    layers, n, nb = h.asc.shape
    if not len(nodes):
        return []
    starts = arcs_of.starts
    cnt = starts[nodes + 1] - starts[nodes]
    # the tables as flat views: a cell is ((layer * n) + node) * nb + bucket
    asc, time = h.asc.reshape(-1), h.time.reshape(-1)
    here = (k * n + nodes) * nb + b
    at = np.repeat(np.arange(len(nodes)), cnt)
    pos = np.repeat(starts[nodes] - (np.cumsum(cnt) - cnt), cnt) + np.arange(len(at))
    kk = np.where(arcs_of.s_outward[pos], k, k + 1)
    t = time[here][at] + arcs_of.s_time[pos]
    a = asc[here][at] + arcs_of.s_climb[pos]
    bb = (t // BUCKET_S).astype(np.int64)
    ok = (kk < layers) & (bb < nb)
    dst = arcs_of.s_dst[pos]
    key = np.where(
        ok, (kk * n + dst) * nb + bb, 0
    )  # (the cell's key orders as layer, node, bucket do)
    keep = np.flatnonzero(ok & (a < asc[key] - 1e-9))
    if not len(keep):
        return []
    pos, kk, t, a, bb, dst, key = (x[keep] for x in (pos, kk, t, a, bb, dst, key))
    order = np.lexsort((a, key))
    ko = key[order]
    win = order[np.concatenate(([True], ko[1:] != ko[:-1]))]
    cell = key[win]
    asc[cell], time[cell] = a[win], t[win]
    h.arc.reshape(-1)[cell] = arcs_of.sorted[pos[win]]
    h.prev_b.reshape(-1)[cell], h.prev_k.reshape(-1)[cell] = b, k
    same = bb[win] == b
    if not same.any():
        return []
    dst, kk = dst[win][same], kk[win][same]
    return [(k2, dst[kk == k2]) for k2 in (k, k + 1) if k2 < layers]


def gentle_tables(
    net: Network,
    snap: Snap,
    profile: pace.RunnerProfile,
    limit_s: float,
    constraints: Constraints,
    *,
    turns: int = TURNS,
    avoid: frozenset[int] = frozenset(),
) -> GentleTables:
    """Run the programme from a start for walks up to ``limit_s`` (cached on the network).

    Tables are kept for their own ``limit_s`` only: the search graph is cut at half of
    it, so tables kept for a longer limit would give other walks, and a query's answer
    would hang on what was asked before it.

    Ways are open as the loop search opens them (``constraints``: trail-first, grade and
    difficulty caps); both directions must be open, so every walk can be run back.
    Network edges in ``avoid`` count as climbing :data:`AVOID_CLIMB` per metre (the ways
    of a week's earlier runs: the gentlest routes elsewhere come first).
    """
    key = ("gentle", snap, profile, constraints, turns, avoid, limit_s)
    cached: GentleTables | None = net._cache.get(key)
    if cached is not None:
        return cached
    g = SearchGraph(net, profile, snap, edges=reach_edges(net, profile, snap, limit_s / 2))
    cost = edge_cost(net, Preferences(), constraints, start=snap)
    open_ = np.isfinite(g.weights(cost))
    open_ &= open_[g.rev]
    t = g.arc_time
    far = dijkstra(g.matrix(np.where(open_, np.minimum(t, t[g.rev]), np.inf)), indices=g.start_node)
    usable = np.flatnonzero(open_ & np.isfinite(far[g.arc_src]) & np.isfinite(far[g.arc_dst]))
    outward = far[g.arc_dst] > far[g.arc_src]
    climb = _arc_climbs(g)
    if avoid:
        on = np.isin(g.arc_edge, np.fromiter(avoid, dtype=np.int64))
        climb = climb + np.where(on, AVOID_CLIMB * g.arc_len, 0.0)
    arcs = _Arcs.of(g, usable, climb, t, outward)
    out = _programme(arcs, limit_s, turns)
    # walks back are walks out on reversed arcs: arc j stands for its reverse
    back = _programme(_Arcs.of(g, usable, climb[g.rev], t[g.rev], outward), limit_s, turns)
    tables = GentleTables(g, out, back, limit_s, arcs, out.best(), back.best())
    if not avoid:  # (tables off a week's ways serve one session)
        for old in [k for k in net._cache if isinstance(k, tuple) and k[:1] == ("gentle",)]:
            del net._cache[old]  # one start's tables at a time: they are large
        net._cache[key] = tables
    return tables


def _walk(g: SearchGraph, h: _Half, k: int, node: int, b: int) -> list[int]:
    """Arcs of the kept walk from the start to ``node`` (layer ``k``, bucket ``b``)."""
    arcs: list[int] = []
    while not (node == g.start_node and b == 0 and k == 0):
        a = int(h.arc[k, node, b])
        arcs.append(a)
        node, b, k = int(g.arc_src[a]), int(h.prev_b[k, node, b]), int(h.prev_k[k, node, b])
    return arcs[::-1]


def _best_at(
    tables: GentleTables, v: int, duration_s: float, window: tuple[float, float], spurs: bool
) -> tuple[float, int, int, int, float] | None:
    """Find the gentlest walk through far node ``v``: rate, out and back buckets, spur, part.

    A walk within ``window`` of time counts as it is; with ``spurs``, a walk short of
    ``duration_s`` may run part of a way at ``v`` and back (that part climbs its share of
    the way's ascent and descent).  Only pairs of walks out and back whose time can come
    into the window are looked at.
    """
    g, a = tables.graph, tables.arcs
    a_out, t_out, _ = tables.out_best
    a_back, t_back, _ = tables.back_best
    bo = np.flatnonzero(np.isfinite(a_out[v]))
    bi = np.flatnonzero(np.isfinite(a_back[v]))
    if not len(bo) or not len(bi):
        return None
    ks = a.sorted[a.starts[v] : a.starts[v + 1]] if spurs else a.sorted[:0]
    tau = g.arc_time[ks] + g.arc_time[g.rev[ks]]
    lo, hi = window
    lowest = min(lo, duration_s - float(tau.max(initial=0.0)))
    t = t_out[v, bo][:, None].astype(np.float64) + t_back[v, bi][None, :]
    cand = np.flatnonzero((t >= lowest) & (t <= hi))  # (a spur alone from the start: t = 0)
    if not len(cand):
        return None
    i, j = np.unravel_index(cand, t.shape)
    tt = t.ravel()[cand]
    asc = a_out[v, bo[i]].astype(np.float64) + a_back[v, bi[j]]
    rate = np.where((tt >= lo) & (tt > 0), asc / np.maximum(tt, 1e-9), np.inf)
    arc = np.full(len(cand), -1)
    frac = np.zeros(len(cand))
    for k, tk in zip(ks.tolist(), tau.tolist(), strict=True):
        f = (duration_s - tt) / tk
        r = np.where((f > 0) & (f <= 1), asc + f * (a.climb[k] + a.climb[g.rev[k]]), np.inf)
        better = r / duration_s < rate
        rate = np.where(better, r / duration_s, rate)
        arc, frac = np.where(better, k, arc), np.where(better, f, frac)
    m = int(np.argmin(rate))
    if not np.isfinite(rate[m]):
        return None
    return float(rate[m]), int(bo[i[m]]), int(bi[j[m]]), int(arc[m]), float(frac[m])


def _in_reach(
    tables: GentleTables, duration_s: float, window: tuple[float, float], spurs: bool
) -> np.ndarray:
    """Find the nodes where a pair of walks out and back can come into the window.

    The other nodes have no pair in it (see :func:`_best_at`), so they are not looked at
    one by one.
    """
    g, a = tables.graph, tables.arcs
    longest = np.zeros(g.n_nodes)  # the longest spur at each node, out and back
    if spurs:
        tau = g.arc_time[a.sorted] + g.arc_time[g.rev[a.sorted]]
        np.maximum.at(longest, g.arc_src[a.sorted], tau)
    lowest = np.minimum(window[0], duration_s - longest)
    t_out, t_back = tables.out_best[1], tables.back_best[1]
    # (the kept times are finite where the ascents are; a sum is monotone in each term)
    soonest = np.min(t_out, axis=1).astype(np.float64) + np.min(t_back, axis=1)
    latest = np.max(np.where(np.isfinite(t_out), t_out, -np.inf), axis=1).astype(np.float64)
    latest = latest + np.max(np.where(np.isfinite(t_back), t_back, -np.inf), axis=1)
    return np.flatnonzero(np.isfinite(soonest) & (soonest <= window[1]) & (latest >= lowest))


def gentlest_walks(
    tables: GentleTables, duration_s: float, tolerance: float, limit: int, *, spurs: bool = True
) -> list[Walk]:
    """List the gentlest closed walks of about ``duration_s``, best first.

    One per far node (the node where the walk out meets the walk back), whose time
    is within twice the tolerance (the built route's own clock decides); with
    ``spurs``, a walk short of the time may make it up on a spur at its far node.
    """
    g = tables.graph
    window = (duration_s * (1 - 2 * tolerance), duration_s * (1 + 2 * tolerance))
    best: list[tuple[float, int, int, int, int, float]] = []
    for v in _in_reach(tables, duration_s, window, spurs).tolist():
        found = _best_at(tables, v, duration_s, window, spurs)
        if found is not None:
            rate, b1, b2, k, f = found
            best.append((rate, v, b1, b2, k, f))
    best.sort()
    k_out, k_back = tables.out_best[2], tables.back_best[2]
    out: list[Walk] = []
    for per_s, v, b1, b2, k, f in best[:limit]:
        there = _walk(g, tables.out, int(k_out[v, b1]), v, b1)
        home = _walk(g, tables.back, int(k_back[v, b2]), v, b2)
        out.append(Walk(per_s, there, k, f, [int(g.rev[a]) for a in home[::-1]]))
    return out


def find_gentle(
    net: Network,
    start: tuple[float, float],
    profile: pace.RunnerProfile,
    request: LoopRequest,
    *,
    builds: int = GENTLE_BUILDS,
    limit_s: float | None = None,
    made: MadeRoutes | None = None,
    avoid: frozenset[int] = frozenset(),
) -> list[Route]:
    """Find the gentlest routes of the request's time from ``start``, gentlest first.

    Parameters
    ----------
    net, start, profile
        As for :func:`routeplanner.search.loops.find_loops`.
    request
        Duration, tolerance and constraints (which ways are open; the routes are judged
        on them, the ascent-rate cap included).
    builds
        Most walks built into routes.
    limit_s
        Longest walk the tables keep (default the request's time and tolerance): a
        caller asking for several durations from one start gives the longest, and the
        tables are computed once.
    made
        Routes made by the task's other queries (the walks of several durations from
        one start repeat): each walk is made once and judged per query.
    avoid
        Network edges to keep off where a gentle way elsewhere exists (see
        :func:`gentle_tables`).

    Returns
    -------
    list of Route
        Built and judged (:func:`routeplanner.brief.finalize`), each sharing at most
        half its distance with a gentler one, within the tolerance of the time.
    """
    limit = max(limit_s or 0.0, request.duration_s * (1 + 2 * request.tolerance))
    snap = net.snap(*start, max_distance_m=500.0)
    timing = profile.for_duration(limit / (1 + 2 * request.tolerance))
    tables = gentle_tables(net, snap, timing, limit, request.constraints, avoid=avoid)
    return gentle_routes(net, tables, profile, request, builds=builds, made=made)


def gentle_routes(
    net: Network,
    tables: GentleTables,
    profile: pace.RunnerProfile,
    request: LoopRequest,
    *,
    builds: int = GENTLE_BUILDS,
    made: MadeRoutes | None = None,
) -> list[Route]:
    """Build the gentlest walks of the request's time from the tables (:func:`find_gentle`)."""
    T = request.duration_s
    g = tables.graph
    build = _Builds(net, profile, request, made)
    routes: list[Route] = []
    for walk in gentlest_walks(tables, T, request.tolerance, builds):
        _, route = build(walk.steps(g))
        if abs(route.stats.duration_s / T - 1.0) > request.tolerance + 1e-9:
            continue
        if not any(_too_similar(route.steps, r.steps) for r in routes):
            routes.append(_named(route, len(routes) + 1))
    return routes
