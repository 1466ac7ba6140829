"""Shortest paths between a start and points part-way along edges, for one runner.

Workouts link a start to climbs and descents that begin and end inside edges;
:class:`PointRouter` costs those links from shortest-path trees over the
:class:`~routeplanner.search.graph.SearchGraph`, with ways already used made dearer.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

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
    "reversed_steps",
    "segment_end",
    "segment_start",
    "steps_time_s",
]

#: Cost multiplier on ways the route already uses, for the legs that follow.
REUSE_PENALTY = 5.0


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

    def point_opts(self, edge: int, off: float, *, leaving: bool) -> list[PointOption]:
        """Ways to reach (or, ``leaving``, to leave) the point ``off`` on ``edge``."""
        g = self.g
        ks = np.flatnonzero((g.edge == edge) & (g.lo <= off + 1e-6) & (g.hi >= off - 1e-6))
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
        """Dijkstra rows from each source node (towards it when ``reverse``)."""
        mat = self.g.matrix(weights)
        if reverse:
            mat = mat.T.tocsr()
        nodes = np.asarray([o.node for o in sources], dtype=np.int64)
        dist, pred = dijkstra(mat, indices=nodes, return_predecessors=True)
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
        same = np.flatnonzero(
            (g.edge == e) & (g.lo <= min(x, y) + 1e-6) & (g.hi >= max(x, y) - 1e-6)
        )
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
