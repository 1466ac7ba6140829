"""Compact search graph: the network as CSR matrices for one runner and one start.

Edge cost is a function of the edge's data, in the spirit of networkx's
``weight`` callable but vectorised: an :data:`EdgeCost` takes the
:class:`ArcData` of every directed arc and returns one cost per arc (``inf``
closes an arc).  A pace model (:func:`pace_cost`), a trail preference
(:class:`Preferences`), a closure (:func:`closure`), the avoid-main-roads rule
(:func:`avoid_main_roads`) or a reuse penalty (:func:`reuse_penalty`) plug in
by composing such functions (:func:`scaled`), without touching the search.

The start, snapped mid-edge, becomes a virtual node splitting its edge in
two.  A graph can be restricted to the edges within reach of the start
(:func:`reach_edges`), with its nodes renumbered, so that the cost of a query
follows its reach and not the size of the region.  The sparse structure is
built once per graph; :meth:`SearchGraph.matrix` only swaps the weights.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components, dijkstra

from routeplanner import pace
from routeplanner.errors import NoRouteError
from routeplanner.network.model import Network, Snap
from routeplanner.pace.timer import EdgeTimer
from routeplanner.route import Step

if TYPE_CHECKING:
    from routeplanner.brief import Constraints
    from routeplanner.search.trees import StartTree

__all__ = [
    "CLIMB_AVERSION",
    "MAIN_ROAD_NEEDED_FACTOR",
    "MIN_NETWORK_KM",
    "REUSE_PENALTY",
    "TRAILS_ONLY",
    "TRAIL_FIRST",
    "ArcData",
    "EdgeCost",
    "Preferences",
    "RoadExit",
    "SearchGraph",
    "avoid_main_roads",
    "climb_aversion",
    "closure",
    "edge_cost",
    "hard_limits",
    "main_road_exit",
    "main_roads_needed",
    "pace_cost",
    "reach_edges",
    "reuse_penalty",
    "scaled",
    "tree_sums",
]

#: Cost multiplier of an edge already used by the route (both directions).
REUSE_PENALTY = 10.0

#: Cost multiplier of a main road that is the only connection (avoid-roads).
MAIN_ROAD_NEEDED_FACTOR = 20.0

#: Cost per metre climbed per metre run when the ascent is capped (10 % grade: ×2).
CLIMB_AVERSION = 10.0

#: Least length of ways (km) joined without main roads that a main road can be needed to reach.
MIN_NETWORK_KM = 5.0

#: Edge class of main roads (trunk, primary, secondary).
_MAIN_ROAD = 2

#: Most nodes of the copies side by side that :meth:`SearchGraph.predecessors` searches
#: in one call (measured: 6 searches of 400 nodes take half the time of 6 calls; of
#: 2,000 nodes, as long; of 9,000, twice as long).
SIDE_BY_SIDE_NODES = 9_000


class ArcData(NamedTuple):
    """What an edge cost function sees: one entry per directed search arc.

    Attributes
    ----------
    time_s : numpy.ndarray
        Running time of the arc under the runner's pace model.
    length_m : numpy.ndarray
        Horizontal length.
    edge : numpy.ndarray
        Network edge the arc runs on (index into the network's edge arrays).
    forward : numpy.ndarray
        Whether the arc runs its edge from ``u`` to ``v``.
    from_m : numpy.ndarray
        Where along its edge (from ``u``) the arc's piece begins: 0 but on the
        second half of a start edge split by the start.
    net : Network
        The network, for any other edge attribute (``net.edge_class[edge]``).
    """

    time_s: np.ndarray
    length_m: np.ndarray
    edge: np.ndarray
    forward: np.ndarray
    from_m: np.ndarray
    net: Network


#: An edge cost: per-arc costs from the arcs' data; ``inf`` closes an arc.
EdgeCost = Callable[[ArcData], np.ndarray]


def pace_cost(arcs: ArcData) -> np.ndarray:
    """Cost = running time (the runner's pace model)."""
    return arcs.time_s


def scaled(base: EdgeCost, *factors: EdgeCost) -> EdgeCost:
    """Compose an edge cost: ``base`` times every factor (factors return multipliers)."""

    def cost(arcs: ArcData) -> np.ndarray:
        out = np.asarray(base(arcs), dtype=np.float64).copy()
        for f in factors:
            out *= f(arcs)
        ret: np.ndarray = out
        return ret

    return cost


def closure(edges: Iterable[int]) -> EdgeCost:
    """Multiplier closing the given network edges (both directions)."""
    closed = np.fromiter(edges, dtype=np.int64)

    def factor(arcs: ArcData) -> np.ndarray:
        return np.where(np.isin(arcs.edge, closed), np.inf, 1.0)

    return factor


def reuse_penalty(edges: Iterable[int], penalty: float = REUSE_PENALTY) -> EdgeCost:
    """Multiplier making network edges already used ``penalty`` times dearer."""
    used = np.fromiter(edges, dtype=np.int64)

    def factor(arcs: ArcData) -> np.ndarray:
        return np.where(np.isin(arcs.edge, used), penalty, 1.0)

    return factor


def hard_limits(*, max_grade: float | None = None, max_sac: int | None = None) -> EdgeCost:
    """Multiplier closing edges steeper than ``max_grade`` or harder than ``max_sac``."""

    def factor(arcs: ArcData) -> np.ndarray:
        net = arcs.net
        bad = np.zeros(len(arcs.edge), dtype=bool)
        if max_grade is not None:
            bad |= net.edge_max_grade[arcs.edge] > max_grade
        if max_sac is not None:
            bad |= net.edge_sac[arcs.edge] > max_sac
        return np.where(bad, np.inf, 1.0)

    return factor


def climb_aversion(weight: float) -> EdgeCost:
    """Multiplier ``1 + weight * climb per metre``: steers away from ascent (easy runs)."""

    def factor(arcs: ArcData) -> np.ndarray:
        net = arcs.net
        up = np.where(arcs.forward, net.edge_ascent_m[arcs.edge], net.edge_descent_m[arcs.edge])
        ret: np.ndarray = 1.0 + weight * up / np.maximum(net.edge_length_m[arcs.edge], 1.0)
        return ret

    return factor


class _Ways(NamedTuple):
    """The network without main roads, per node: its component, and what it touches."""

    label: np.ndarray  # component label
    large: np.ndarray  # touches a way of a large component
    touch: np.ndarray  # touches any way other than a main road


def _ways_apart(net: Network) -> _Ways:
    """Components of the network without main roads, and which nodes lie in a large one.

    A large component has at least :data:`MIN_NETWORK_KM` of ways, or half the
    largest one if that is less (a place a main road really leads to, not a
    driveway or a lay-by beside it).
    """
    key = "ways_apart"
    if key not in net._cache:
        minor = net.edge_class != _MAIN_ROAD
        n = net.n_nodes
        u, v = net.edge_u[minor], net.edge_v[minor]
        adj = sp.coo_matrix((np.ones(len(u)), (u, v)), shape=(n, n))
        label: np.ndarray = connected_components(adj, directed=False)[1]
        km = np.bincount(label[u], weights=net.edge_length_m[minor], minlength=n) / 1000.0
        touch = np.zeros(n, dtype=bool)
        touch[u] = touch[v] = True
        # (half the largest network in a small area: a hand-built graph or a village's)
        least = min(MIN_NETWORK_KM, 0.5 * float(km.max(initial=0.0)))
        net._cache[key] = _Ways(label, touch & (km[label] >= least), touch)
    ret: _Ways = net._cache[key]
    return ret


def _start_labels(net: Network, start_edge: int | None) -> tuple[int, ...]:
    """Components of other ways that the start's edge touches and that are not large."""
    if start_edge is None:
        return ()
    label, large, touch = _ways_apart(net)
    ends = (int(net.edge_u[start_edge]), int(net.edge_v[start_edge]))
    return tuple(sorted({int(label[x]) for x in ends if touch[x] and not large[x]}))


def main_roads_needed(net: Network, start_edge: int | None = None) -> np.ndarray:
    """Per edge, whether it is a main road that is the only connection between its ends.

    Main-road edges are taken as stretches: a run of main road through nodes that
    touch no other way of a large network is one stretch.  A stretch is needed
    when the ways it joins at its ends lie in different connected components of
    the network without main roads (so a road through a valley beside a path is
    not needed, however many nodes it has, and the only road into a village is).
    Only components of at least :data:`MIN_NETWORK_KM` of ways count, and the
    one of ``start_edge``: a road is not needed to reach a driveway or an
    isolated scrap of path beside it, but it is to leave a start inside one.
    """
    label, large, touch = _ways_apart(net)
    own = _start_labels(net, start_edge)
    key = ("main_roads_needed", own)
    if key not in net._cache:
        other = large | (touch & np.isin(label, own)) if own else large
        u, v = net.edge_u, net.edge_v
        main = net.edge_class == _MAIN_ROAD
        # stretches: main edges joined through nodes with no other way
        inner = main & ~other[u] & ~other[v]
        n = net.n_nodes
        adj = sp.coo_matrix((np.ones(int(inner.sum())), (u[inner], v[inner])), shape=(n, n))
        stretch = connected_components(adj, directed=False)[1]
        sid = np.where(~other[u], stretch[u], stretch[v])  # an edge's stretch (by a pure end)
        direct = main & other[u] & other[v]
        needed = direct & (label[u] != label[v])
        part = np.flatnonzero(main & ~direct)
        ends = np.concatenate([u[part], v[part]])
        ids = np.concatenate([sid[part], sid[part]])
        touch = other[ends]
        pairs = np.unique(np.column_stack([ids[touch], label[ends[touch]]]), axis=0)
        joins = np.bincount(pairs[:, 0], minlength=net.n_nodes) >= 2
        needed[part] = joins[sid[part]]
        net._cache[key] = needed
    ret: np.ndarray = net._cache[key]
    return ret


class RoadExit(NamedTuple):
    """The way off a start on a main road: its main-road edges, and which end of the start's."""

    edges: np.ndarray
    via_u: bool


_NO_EXIT = RoadExit(np.zeros(0, dtype=np.int64), True)


def main_road_exit(net: Network, start: Snap, limit_m: float = 5000.0) -> RoadExit:
    """Main-road edges of the shortest way from a start on a main road to any other way.

    The way leads to a large network of other ways (:data:`MIN_NETWORK_KM`)
    when one lies within ``limit_m``, else to the nearest other way.  Empty
    when the start is not inside a main road's edge (or no other way lies
    within ``limit_m`` along main roads).  Only the part of the start's edge
    towards that way is the exit (``via_u``: the part towards its ``u`` end).
    """
    e = start.edge
    length = float(net.edge_length_m[e])
    if net.edge_class[e] != _MAIN_ROAD or not 1e-3 < start.offset_m < length - 1e-3:
        return _NO_EXIT
    key = "main_road_csr"
    if key not in net._cache:
        main = np.flatnonzero(net.edge_class == _MAIN_ROAD)
        u, v, w = net.edge_u[main], net.edge_v[main], np.maximum(net.edge_length_m[main], 1e-3)
        csr = sp.csr_matrix(
            (np.concatenate([w, w]), (np.concatenate([u, v]), np.concatenate([v, u]))),
            shape=(net.n_nodes, net.n_nodes),
        )
        net._cache[key] = csr
    csr = net._cache[key]
    _, large, touch = _ways_apart(net)
    ends = (int(net.edge_u[e]), int(net.edge_v[e]))
    dist, pred = dijkstra(csr, indices=list(ends), return_predecessors=True, limit=limit_m)
    dist = dist + np.array([[start.offset_m], [length - start.offset_m]])
    total = np.where(large, dist, np.inf)
    if not np.isfinite(total).any():
        total = np.where(touch, dist, np.inf)
    side, node = np.unravel_index(int(np.argmin(total)), total.shape)
    if not np.isfinite(total[side, node]):
        return _NO_EXIT
    nodes = [int(node)]
    while nodes[-1] != ends[side]:
        nodes.append(int(pred[side, nodes[-1]]))
    a, b = np.asarray(nodes[1:]), np.asarray(nodes[:-1])
    lengths = net.edge_length_m
    edges = [e]
    for x, y in zip(a.tolist(), b.tolist(), strict=True):
        cand = np.flatnonzero(
            (net.edge_class == _MAIN_ROAD)
            & (((net.edge_u == x) & (net.edge_v == y)) | ((net.edge_u == y) & (net.edge_v == x)))
        )
        edges.append(int(cand[np.argmin(lengths[cand])]))
    return RoadExit(np.asarray(edges, dtype=np.int64), bool(side == 0))


def avoid_main_roads(
    net: Network,
    needed_factor: float = MAIN_ROAD_NEEDED_FACTOR,
    *,
    exit: RoadExit = _NO_EXIT,
    link_factor: float | None = None,
    start_edge: int | None = None,
) -> EdgeCost:
    """Multiplier for trail-first: main roads closed unless no other way connects.

    Main roads that are the only connection stay open at ``needed_factor``
    times their cost, so the search takes them only when it must; so does the
    ``exit`` of a start on a main road (the way off it to another way, not the
    rest of its edge).  With ``link_factor``, the other main roads are open at
    that factor instead of closed (short links that close a loop).
    ``start_edge`` counts the start's own ways as a place
    (:func:`main_roads_needed`).
    """
    needed = main_roads_needed(net, start_edge).copy()
    first = int(exit.edges[0]) if len(exit.edges) else -1
    needed[exit.edges[1:]] = True
    closed = np.inf if link_factor is None else link_factor

    def factor(arcs: ArcData) -> np.ndarray:
        main = net.edge_class[arcs.edge] == _MAIN_ROAD
        # the start's edge is split at the start: the piece from u begins at 0
        way_off = (arcs.edge == first) & ((arcs.from_m == 0.0) == exit.via_u)
        open_ = needed[arcs.edge] | way_off
        return np.where(main, np.where(open_, needed_factor, closed), 1.0)

    return factor


@dataclass(frozen=True)
class Preferences:
    """Cost multipliers on run time that steer the search.

    Calling a :class:`Preferences` is an :data:`EdgeCost`: time times the
    edge's class factor and difficulty factor.

    Attributes
    ----------
    class_factor : tuple of float
        Multiplier per edge class: trail, minor road, major road.
    sac_factor : float
        Extra cost per SAC grade (prefers easier trails among allowed ones).
    """

    class_factor: tuple[float, float, float] = (1.0, 1.5, 4.0)
    sac_factor: float = 0.05

    def edge_factor(self, net: Network) -> np.ndarray:
        """Cost multiplier of every edge."""
        cls = np.asarray(self.class_factor)[net.edge_class]
        ret: np.ndarray = cls * (1.0 + self.sac_factor * net.edge_sac)
        return ret

    def __call__(self, arcs: ArcData) -> np.ndarray:
        """Per-arc cost: running time times the edge factor."""
        ret: np.ndarray = arcs.time_s * self.edge_factor(arcs.net)[arcs.edge]
        return ret


#: Trail-first search preference, the default of point-to-point legs: minor roads
#: cost 3 times a trail, main roads 20 times (taken only where nothing else connects).
TRAIL_FIRST = Preferences(class_factor=(1.0, 3.0, 20.0), sac_factor=0.05)

#: Trails only (``--trails-only`` on a workout's way there and back): any road costs
#: 10 times a trail, a main road 50 times, so roads carry only what no trail connects.
TRAILS_ONLY = Preferences(class_factor=(1.0, 10.0, 50.0), sac_factor=0.05)


def edge_cost(
    net: Network,
    prefs: Preferences,
    constraints: Constraints,
    *,
    climb_weight: float = CLIMB_AVERSION,
    start: Snap | None = None,
    road_link: bool = False,
) -> EdgeCost:
    """Make the search's edge cost: preference-weighted time, with the hard constraints.

    Parameters
    ----------
    net
        The network (for the avoid-roads rule).
    prefs
        Trail preference.
    constraints
        Grade and difficulty caps close edges; ``avoid_roads`` closes main
        roads except where no other way connects; an ascent cap makes climbs
        cost more (:func:`climb_aversion`).
    climb_weight
        Climb aversion under an ascent cap.
    start
        The start: when it lies on a main road, the shortest way along main
        roads to another way stays open (:func:`main_road_exit`).
    road_link
        Open every main road at its plain cost, to look for a loop that needs
        a short main-road link rather than an out-and-back.

    Returns
    -------
    EdgeCost
    """
    factors: list[EdgeCost] = []
    if constraints.max_grade is not None or constraints.max_difficulty is not None:
        factors.append(
            hard_limits(max_grade=constraints.max_grade, max_sac=constraints.max_difficulty)
        )
    if constraints.avoid_roads:
        if not road_link:  # (linking, main roads cost what they cost with roads allowed)
            if start is None:
                factors.append(avoid_main_roads(net))
            else:
                exit = main_road_exit(net, start)
                factors.append(avoid_main_roads(net, exit=exit, start_edge=start.edge))
    if constraints.max_ascent_m is not None or constraints.max_ascent_rate_m_h is not None:
        factors.append(climb_aversion(climb_weight))
    return scaled(prefs, *factors)


def _network_csr(net: Network, profile: pace.RunnerProfile) -> sp.csr_matrix:
    """Undirected CSR of the network with the faster direction's time (cached)."""
    key = ("reach_csr", profile)
    if key not in net._cache:
        t_f, t_b = EdgeTimer(net, profile).edge_times()
        t = np.minimum(t_f, t_b)
        ok = np.isfinite(t)
        u, v, w = net.edge_u[ok], net.edge_v[ok], np.maximum(t[ok], 1e-6)
        net._cache[key] = sp.csr_matrix(
            (np.concatenate([w, w]), (np.concatenate([u, v]), np.concatenate([v, u]))),
            shape=(net.n_nodes, net.n_nodes),
        )
    return net._cache[key]


def reach_edges(
    net: Network, profile: pace.RunnerProfile, start: Snap, limit_s: float
) -> np.ndarray:
    """Network edges with an end within ``limit_s`` of the start (one bounded Dijkstra).

    A loop of duration ``T`` only uses nodes within ``T / 2`` of its start
    (on the faster direction's times), so ``limit_s = T (1 + tolerance) / 2``
    keeps every edge such a loop can use.
    """
    e = start.edge
    dist = dijkstra(
        _network_csr(net, profile),
        indices=[int(net.edge_u[e]), int(net.edge_v[e])],
        min_only=True,
        limit=limit_s,
    )
    near = np.isfinite(dist)
    keep = near[net.edge_u] | near[net.edge_v]
    keep[e] = True
    return np.flatnonzero(keep)


def tree_sums(pred: np.ndarray, own: np.ndarray) -> np.ndarray:
    """Sum ``own`` (one column per quantity) over each node's tree path (pointer jumping)."""
    val = np.array(own, dtype=np.float64)
    anc = pred.copy()
    idx = np.flatnonzero(anc >= 0)
    while len(idx):
        up = anc[idx]
        val[idx] += val[up]
        up = anc[up]  # (each index array is read once per round)
        anc[idx] = up
        idx = idx[up >= 0]
    ret: np.ndarray = val
    return ret


class SearchGraph:
    """Search edges (network edges, with the start's edge split) and their CSR form.

    Search edge ``k`` runs from node ``a[k]`` (at offset ``lo[k]`` of network
    edge ``edge[k]``) to node ``b[k]`` (at ``hi[k]``).  Node ``n_nodes - 1``
    is the virtual start when the start is mid-edge.  Arc ``k`` is search
    edge ``k`` forward, arc ``k + m`` the same edge backward.

    Parameters
    ----------
    net
        The network.
    profile
        Runner profile (times, and which edges are too hard).
    start
        Where the route starts.
    prefs
        Search preferences.
    edges
        Restrict the graph to these network edges (nodes are then numbered
        locally; ``node_id`` maps them back).  ``None`` keeps every edge.
    """

    def __init__(
        self,
        net: Network,
        profile: pace.RunnerProfile,
        start: Snap | None = None,
        prefs: Preferences | None = None,
        *,
        edges: np.ndarray | None = None,
    ) -> None:
        self.net = net
        self.profile = profile
        self.prefs = prefs or Preferences()
        self.timer = EdgeTimer(net, profile)
        t_f, t_b = self.timer.edge_times()
        factor = self.prefs.edge_factor(net)
        edge = np.arange(net.n_edges) if edges is None else np.asarray(edges, dtype=np.int64)
        if edges is None:
            node_id = np.arange(net.n_nodes)
            a, b = net.edge_u.copy(), net.edge_v.copy()
        else:
            node_id, inv = np.unique(
                np.concatenate([net.edge_u[edge], net.edge_v[edge]]), return_inverse=True
            )
            a, b = inv[: len(edge)], inv[len(edge) :]
        n = len(node_id)
        lo = np.zeros(len(edge))
        hi = net.edge_length_m[edge].copy()
        tf, tb = t_f[edge].copy(), t_b[edge].copy()
        self.start_node = -1
        if start is not None:
            e, off = start.edge, start.offset_m
            length = float(net.edge_length_m[e])
            (local_e,) = np.flatnonzero(edge == e)[:1]
            u, v = int(a[local_e]), int(b[local_e])
            if off <= 1e-3:
                self.start_node = u
            elif off >= length - 1e-3:
                self.start_node = v
            else:
                s = n
                n += 1
                self.start_node = s
                keep = np.arange(len(edge)) != local_e
                a, b, edge, lo, hi, tf, tb = (x[keep] for x in (a, b, edge, lo, hi, tf, tb))
                banned = not np.isfinite(t_f[e])

                def part(x: float, y: float) -> float:
                    return np.inf if banned else self.timer.partial_s(e, x, y)

                a = np.append(a, [u, s])
                b = np.append(b, [s, v])
                edge = np.append(edge, [e, e])
                lo = np.append(lo, [0.0, off])
                hi = np.append(hi, [off, length])
                tf = np.append(tf, [part(0.0, off), part(off, length)])
                tb = np.append(tb, [part(off, 0.0), part(length, off)])
                node_id = np.append(node_id, -1)
        self.node_id = node_id
        self.n_nodes = n
        self.a, self.b, self.edge, self.lo, self.hi = a, b, edge, lo, hi
        self.t_fwd, self.t_bwd = tf, tb
        self.length = hi - lo
        self.factor = factor[edge]
        self.is_trail = net.edge_class[edge] == 0
        ok = np.isfinite(tf) & np.isfinite(tb)
        self.usable = ok
        real = np.maximum(node_id, 0)
        self.node_lon = np.where(node_id >= 0, net.node_lon[real], start.lon if start else 0.0)
        self.node_lat = np.where(node_id >= 0, net.node_lat[real], start.lat if start else 0.0)
        m = len(a)
        self.m = m
        self.arc_src = np.concatenate([a, b])
        self.arc_dst = np.concatenate([b, a])
        self.arc_time = np.concatenate([tf, tb])
        self.arc_len = np.concatenate([self.length, self.length])
        self.arc_usable = np.concatenate([ok, ok])
        self.rev = np.concatenate([np.arange(m, 2 * m), np.arange(m)])
        self.arc_edge = np.concatenate([edge, edge])
        # CSR structure, built once: arcs sorted by (src, dst); weights are swapped in.
        order = np.lexsort((self.arc_dst, self.arc_src))
        self._arc_keys = self.arc_src[order].astype(np.int64) * n + self.arc_dst[order]
        self._arc_order = order
        self._indptr = np.searchsorted(self.arc_src[order], np.arange(n + 1)).astype(np.int32)
        self._indices = self.arc_dst[order].astype(np.int32)
        self._closed = ~self.arc_usable[order]
        # Shortest-path trees from the start, kept for the next query on this graph
        # (a plan's or a catalogue's other durations): weights digest -> (limit, tree).
        self.trees: dict[bytes, tuple[float, StartTree]] = {}
        self.arcs = ArcData(
            time_s=self.arc_time,
            length_m=self.arc_len,
            edge=self.arc_edge,
            forward=np.arange(2 * m) < m,
            from_m=np.concatenate([lo, lo]),
            net=net,
        )

    def weights(self, cost: EdgeCost) -> np.ndarray:
        """Per-arc weights of an edge cost; arcs the profile bans stay closed."""
        w = np.asarray(cost(self.arcs), dtype=np.float64)
        return np.where(self.arc_usable, w, np.inf)

    def arc_between(self, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
        """Arc index from ``src`` to ``dst`` (arrays); -1 where there is none."""
        key = np.asarray(src, dtype=np.int64) * self.n_nodes + np.asarray(dst)
        pos = np.searchsorted(self._arc_keys, key)
        pos = np.minimum(pos, len(self._arc_keys) - 1)
        found = self._arc_keys[pos] == key
        return np.where(found, self._arc_order[pos], -1)

    def matrix(self, weights: np.ndarray) -> sp.csr_matrix:
        """CSR matrix of arc weights (length ``2 * m``); ``inf`` arcs are never taken.

        The sparse structure is built once per graph; only the data changes.
        """
        w = np.maximum(weights[self._arc_order], 1e-6)
        w[self._closed] = np.inf
        return sp.csr_matrix(
            (w, self._indices, self._indptr), shape=(self.n_nodes, self.n_nodes), copy=False
        )

    def predecessors(
        self, weights: Sequence[np.ndarray], sources: Sequence[int], limit: float
    ) -> list[np.ndarray]:
        """Predecessors (-1 where none) of one bounded Dijkstra per weights and source.

        On a small graph the searches run in one scipy call, on one copy of the
        graph per search side by side (nodes of copy ``i`` offset by ``i * n``):
        each stays in its copy and settles the same nodes through the same
        predecessors as alone, for one call's cost instead of several.  Past
        :data:`SIDE_BY_SIDE_NODES` the copies cost more than the calls they save.
        """
        k, n = len(sources), self.n_nodes
        if k <= 1 or k * n > SIDE_BY_SIDE_NODES:
            return [self._alone(w, x, limit) for w, x in zip(weights, sources, strict=True)]
        w = np.maximum(np.stack(weights)[:, self._arc_order], 1e-6)
        w[:, self._closed] = np.inf
        shift = np.arange(k)
        indices = (self._indices[None, :] + (shift * n).astype(np.int32)[:, None]).ravel()
        ends = self._indptr[1:][None, :] + (shift * len(self._indices))[:, None]
        indptr = np.concatenate([[0], ends.ravel()]).astype(np.int32)
        copies = sp.csr_matrix((w.ravel(), indices, indptr), shape=(k * n, k * n), copy=False)
        at = np.asarray(sources) + shift * n
        _, pred = dijkstra(copies, indices=at, return_predecessors=True, limit=limit)
        return [self._own(pred[i, i * n : (i + 1) * n], i * n) for i in range(k)]

    def _alone(self, weights: np.ndarray, source: int, limit: float) -> np.ndarray:
        m = self.matrix(weights)
        _, pred = dijkstra(m, indices=source, return_predecessors=True, limit=limit)
        return self._own(pred, 0)

    @staticmethod
    def _own(pred: np.ndarray, shift: int) -> np.ndarray:
        """Predecessors of one copy of the graph in its own numbering, -1 where none."""
        out = pred.astype(np.int64)
        found = out >= 0
        out[found] -= shift
        out[~found] = -1
        return out

    def tree_arcs(self, pred: np.ndarray) -> np.ndarray:
        """Arc into every node of a predecessor tree (-1 at the root and unreached)."""
        pred = np.asarray(pred)
        has = pred >= 0
        par = np.full(self.n_nodes, -1, dtype=np.int64)
        par[has] = self.arc_between(pred[has], np.flatnonzero(has))
        return par

    def path_arcs(self, pred: np.ndarray, root: int, v: int) -> list[int]:
        """Arcs from ``root`` to ``v`` in a predecessor tree rooted at ``root``.

        The one path reconstruction of the search (one Dijkstra's predecessors,
        ``-1`` where none); :meth:`paths_from_tree` walks many at once.

        Raises
        ------
        NoRouteError
            If ``v`` is not reached from ``root``.
        """
        nodes = [v]
        while nodes[-1] != root:
            p = int(pred[nodes[-1]])
            if p < 0:
                raise NoRouteError("no path between the route's points")
            nodes.append(p)
        arr = np.asarray(nodes[::-1], dtype=np.int64)
        return [int(k) for k in self.arc_between(arr[:-1], arr[1:])]

    def paths_from_tree(self, par: np.ndarray, nodes: np.ndarray) -> list[np.ndarray]:
        """Arcs from the root to each of ``nodes``, walked up all at once.

        ``par`` is :meth:`tree_arcs` of the tree.
        """
        cur = np.asarray(nodes, dtype=np.int64).copy()
        cols = []
        while True:
            k = par[cur]
            active = k >= 0
            if not active.any():
                break
            cols.append(k)
            cur = np.where(active, self.arc_src[np.maximum(k, 0)], cur)
        if not cols:
            return [np.zeros(0, dtype=np.int64) for _ in range(len(cur))]
        mat = np.stack(cols, axis=1)
        return [row[row >= 0][::-1] for row in mat]

    def penalised(
        self, weights: np.ndarray, arcs: Iterable[int], penalty: float = REUSE_PENALTY
    ) -> np.ndarray:
        """Weights with ``arcs`` (both directions) ``penalty`` times dearer."""
        w = weights.copy()
        used = np.fromiter(arcs, dtype=np.int64)
        w[used] *= penalty
        w[self.rev[used]] *= penalty
        ret: np.ndarray = w
        return ret

    def arc_steps(self, arcs: np.ndarray | list[int]) -> list[Step]:
        """Network steps for a sequence of arcs."""
        out = []
        for k in arcs:
            k = int(k)
            e = k % self.m
            if k < self.m:
                out.append(Step(int(self.edge[e]), float(self.lo[e]), float(self.hi[e])))
            else:
                out.append(Step(int(self.edge[e]), float(self.hi[e]), float(self.lo[e])))
        return out

    def partial_arc_step(self, k: int, fraction: float) -> Step:
        """Step covering the first ``fraction`` of arc ``k``."""
        e = k % self.m
        lo, hi = float(self.lo[e]), float(self.hi[e])
        if k < self.m:
            return Step(int(self.edge[e]), lo, lo + fraction * (hi - lo))
        return Step(int(self.edge[e]), hi, hi - fraction * (hi - lo))
