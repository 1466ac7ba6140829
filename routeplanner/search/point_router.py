"""Shortest paths between a start and points part-way along edges, for one runner.

Workouts link a start to climbs and descents that begin and end inside edges;
:class:`PointRouter` costs those links from shortest-path trees over the
:class:`~routeplanner.search.graph.SearchGraph`, with ways already used made dearer.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple, TypeVar

import numpy as np
from scipy.sparse.csgraph import dijkstra

from routeplanner import pace
from routeplanner.errors import NoRouteError
from routeplanner.network.model import Network
from routeplanner.pace.timer import EdgeTimer
from routeplanner.route import Step
from routeplanner.search.graph import TRAIL_FIRST, Preferences, SearchGraph
from routeplanner.search.segments import Segment

__all__ = [
    "REUSE_PENALTY",
    "PointOption",
    "PointRouter",
    "PointRouters",
    "reversed_steps",
    "segment_end",
    "segment_start",
    "steps_time_s",
]

#: Cost multiplier on ways the route already uses, for the legs that follow.
REUSE_PENALTY = 5.0

T = TypeVar("T")

#: Bytes of Dijkstra rows on its own weights a router keeps (the oldest go first).
KEPT_ROWS_BYTES = 64 * 2**20

#: Ways to reach or leave a point a router keeps, at most (then it starts afresh).
KEPT_POINTS = 4096


class PointOption(NamedTuple):
    """A way to leave or reach a point: via search node ``node`` with ``steps``."""

    node: int
    steps: tuple[Step, ...]
    cost: float  # weighted cost of ``steps``
    time_s: float  # running time of ``steps``


class PointRouter:
    """Shortest paths between the start and points on edges (for one runner)."""

    def __init__(
        self,
        net: Network,
        profile: pace.RunnerProfile,
        start: tuple[float, float],
        prefs: Preferences | None,
        max_snap_m: float,
    ) -> None:
        self.net = net
        self.profile = profile
        self.snap = net.snap(start[0], start[1], max_distance_m=max_snap_m)
        # trail-first unless the caller says otherwise (Preferences() allows roads)
        self.g = SearchGraph(net, profile, self.snap, prefs or TRAIL_FIRST)
        g = self.g
        self.arc_factor = np.concatenate([g.factor, g.factor])
        self.base = g.arc_time * self.arc_factor
        self.arc_edge = np.concatenate([g.edge, g.edge])
        # Search edges by network edge (a stable sort keeps their order): the parts of
        # one edge without scanning every edge.
        self._by_edge = np.argsort(g.edge, kind="stable")
        self._sorted_edge = g.edge[self._by_edge]
        # Answers that depend only on the router: several workouts or durations from
        # one start ask for the same points and the same trees.
        self._points: dict[tuple[int, float, bool], tuple[PointOption, ...]] = {}
        self._rows: dict[tuple[tuple[int, ...], bool], tuple[np.ndarray, np.ndarray]] = {}
        # What functions of the router alone (a workout) found, for its later callers.
        self.kept: dict[tuple[object, ...], object] = {}

    def keep(self, key: tuple[object, ...], value: T) -> T:
        """Keep ``value``, a function of this router and ``key`` alone, for later callers."""
        if len(self.kept) >= KEPT_POINTS:
            self.kept.clear()
        self.kept[key] = value
        return value

    def _parts(self, edge: int, lo: float, hi: float) -> np.ndarray:
        """Search edges of network ``edge`` covering ``[lo, hi]``, in index order."""
        g = self.g
        i, j = np.searchsorted(self._sorted_edge, [edge, edge + 1])
        ks = self._by_edge[i:j]
        ret: np.ndarray = ks[(g.lo[ks] <= lo + 1e-6) & (g.hi[ks] >= hi - 1e-6)]
        return ret

    def point_opts(self, edge: int, off: float, *, leaving: bool) -> list[PointOption]:
        """Ways to reach (or, ``leaving``, to leave) the point ``off`` on ``edge``."""
        key = (edge, off, leaving)
        kept = self._points.get(key)
        if kept is None:
            if len(self._points) >= KEPT_POINTS:
                self._points.clear()
            kept = self._points[key] = tuple(self._point_opts(edge, off, leaving))
        return list(kept)

    def _point_opts(self, edge: int, off: float, leaving: bool) -> list[PointOption]:
        g = self.g
        ks = self._parts(edge, off, off)
        out = []
        for k in ks.tolist():
            for node, at in ((int(g.a[k]), float(g.lo[k])), (int(g.b[k]), float(g.hi[k]))):
                step = Step(edge, off, at) if leaving else Step(edge, at, off)
                t = self.g.timer.partial_s(edge, step.start_m, step.end_m)
                if not math.isfinite(t) or not g.usable[k]:
                    continue
                cost = t * float(g.factor[k])
                out.append(PointOption(node, (step,) if step.length_m > 1e-6 else (), cost, t))
        return out

    def start_opts(self) -> list[PointOption]:
        """Return the start itself."""
        return [PointOption(self.g.start_node, (), 0.0, 0.0)]

    def trees(
        self, sources: Sequence[PointOption], weights: np.ndarray, *, reverse: bool = False
    ) -> tuple[np.ndarray, np.ndarray]:
        """Dijkstra rows from each source node (towards it when ``reverse``).

        Rows on the router's own weights (:attr:`base`) are kept, read-only.
        """
        nodes = tuple(o.node for o in sources)
        if weights is not self.base:
            return self._grow(nodes, weights, reverse)
        key = (nodes, reverse)
        kept = self._rows.pop(key, None)
        if kept is None:
            kept = self._grow(nodes, weights, reverse)
            for rows in kept:
                rows.setflags(write=False)
        self._rows[key] = kept  # latest last
        while sum(d.nbytes + p.nbytes for d, p in self._rows.values()) > KEPT_ROWS_BYTES:
            if len(self._rows) == 1:
                break
            del self._rows[next(iter(self._rows))]
        return kept

    def _grow(
        self, nodes: tuple[int, ...], weights: np.ndarray, reverse: bool
    ) -> tuple[np.ndarray, np.ndarray]:
        mat = self.g.matrix(weights)
        if reverse:
            mat = mat.T.tocsr()
        idx = np.asarray(nodes, dtype=np.int64)
        dist, pred = dijkstra(mat, indices=idx, return_predecessors=True)
        return np.atleast_2d(dist), np.atleast_2d(pred)

    def leg(
        self,
        src: Sequence[PointOption],
        dst: Sequence[PointOption],
        weights: np.ndarray,
    ) -> tuple[list[Step], float]:
        """Cheapest steps from a source option to a target option, and their time."""
        dist, pred = self.trees(src, weights)
        best: tuple[float, int, int] | None = None
        for i, s in enumerate(src):
            for j, d in enumerate(dst):
                c = s.cost + float(dist[i, d.node]) + d.cost
                if math.isfinite(c) and (best is None or c < best[0]):
                    best = (c, i, j)
        direct = self._direct(src, dst)
        if direct is not None and (best is None or direct[1] <= best[0]):
            step, _, t = direct
            return [step], t
        if best is None:
            raise NoRouteError("no path between the route's points")
        _, i, j = best
        arcs = self.g.path_arcs(pred[i], src[i].node, dst[j].node)
        steps = [*src[i].steps, *self.g.arc_steps(arcs), *dst[j].steps]
        t = src[i].time_s + float(self.g.arc_time[arcs].sum()) + dst[j].time_s
        return steps, t

    def _direct(
        self, src: Sequence[PointOption], dst: Sequence[PointOption]
    ) -> tuple[Step, float, float] | None:
        """Straight along one edge when both points lie on it, with no node between."""
        if not src or not dst or not src[0].steps or not dst[0].steps:
            return None
        a, b = src[0].steps[0], dst[0].steps[-1]
        if a.edge != b.edge:
            return None
        g = self.g
        e, x, y = a.edge, a.start_m, b.end_m
        same = self._parts(e, min(x, y), max(x, y))
        if len(same) == 0:
            return None
        t = self.g.timer.partial_s(e, x, y)
        return Step(e, x, y), t * float(g.factor[same[0]]), t

    def penalised(self, used_edges: set[int]) -> np.ndarray:
        """Return base weights with the ways in ``used_edges`` made more expensive."""
        w = self.base.copy()
        if used_edges:
            w[np.isin(self.arc_edge, list(used_edges))] *= REUSE_PENALTY
        ret: np.ndarray = w
        return ret


class PointRouters:
    """Point routers of one task, by start, runner and preferences.

    A router's answers depend only on its network, runner, start and preferences, so
    the workouts and durations of one start (a catalogue trailhead, a plan's home) share
    one router and the points and trees it keeps. Pass one object down a task; do not
    keep it across networks.
    """

    def __init__(self) -> None:
        self._routers: dict[tuple[object, ...], PointRouter] = {}

    def get(
        self,
        net: Network,
        profile: pace.RunnerProfile,
        start: tuple[float, float],
        prefs: Preferences | None,
        max_snap_m: float = 500.0,
    ) -> PointRouter:
        """Return the router for these arguments (as :class:`PointRouter`), made on first use."""
        key = (id(net), profile, (float(start[0]), float(start[1])), prefs, float(max_snap_m))
        router = self._routers.get(key)
        if router is None or router.net is not net:
            router = self._routers[key] = PointRouter(net, profile, start, prefs, max_snap_m)
        return router


def segment_start(seg: Segment) -> tuple[int, float]:
    """Return ``(edge, offset_m)`` where ``seg`` begins."""
    return seg.steps[0].edge, seg.steps[0].start_m


def segment_end(seg: Segment) -> tuple[int, float]:
    """Return ``(edge, offset_m)`` where ``seg`` ends."""
    return seg.steps[-1].edge, seg.steps[-1].end_m


def reversed_steps(steps: Sequence[Step]) -> list[Step]:
    """Return ``steps`` run the other way."""
    return [Step(s.edge, s.end_m, s.start_m) for s in reversed(steps)]


def steps_time_s(net: Network, steps: Sequence[Step], profile: pace.RunnerProfile) -> float:
    """Return the running time of ``steps`` for ``profile``, in seconds."""
    return EdgeTimer(net, profile).steps_s(steps)
