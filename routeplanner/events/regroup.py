"""Regroup points: junctions that two or more groups' loops pass, and when."""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from routeplanner._geo import haversine_m
from routeplanner.events.event import fold_name
from routeplanner.network.model import Network
from routeplanner.route import Route

__all__ = [
    "MAP_REGROUP_POINTS",
    "REGROUP_EXCLUDE_M",
    "REGROUP_GAP_M",
    "RegroupPass",
    "RegroupPoint",
    "point_rank",
    "regroup_points",
    "route_passes",
    "shared_passes",
]

log = logging.getLogger(__name__)

#: Junctions this close to the meeting point are the meeting point itself, not
#: places to regroup (every loop leaves and returns through them).
REGROUP_EXCLUDE_M = 150.0


#: Regroup points pinned on the map (the best ones, at least REGROUP_GAP_M apart).
MAP_REGROUP_POINTS = 10


REGROUP_GAP_M = 300.0


class RegroupPass(NamedTuple):
    """A group passing a regroup point.

    ``at_m`` into its loop and ``at_s`` after the start; ``mid`` is False in the
    first and last tenth of the group's run, when it is near the meeting point
    anyway.
    """

    group: str
    at_m: float
    at_s: float
    mid: bool = True


@dataclass(frozen=True)
class RegroupPoint:
    """A junction that two or more groups' loops pass.

    Attributes
    ----------
    node : int
        Network node index.
    lon, lat : float
        Position in degrees.
    passes : tuple of RegroupPass
        Every pass of every group, in group order then time.
    ways : tuple of str
        Names of the ways that meet there (may be empty).
    """

    node: int
    lon: float
    lat: float
    passes: tuple[RegroupPass, ...]
    ways: tuple[str, ...] = ()

    @property
    def groups(self) -> tuple[str, ...]:
        """Names of the groups passing, in group order."""
        return tuple(dict.fromkeys(p.group for p in self.passes))

    @property
    def mid_groups(self) -> tuple[str, ...]:
        """Names of the groups passing mid-run (see :class:`RegroupPass`)."""
        return tuple(dict.fromkeys(p.group for p in self.passes if p.mid))

    def _pool(self) -> list[RegroupPass]:
        # Regroup mid-run where two or more groups can; else wherever they pass.
        if len(self.mid_groups) >= 2:
            return [p for p in self.passes if p.mid]
        return list(self.passes)

    @property
    def window_s(self) -> float:
        """Shortest time between the groups' passes (one pass each; mid-run ones if possible)."""
        return _best_window(self._pool())[0]

    def times(self) -> dict[str, float]:
        """Per group, its pass time in seconds inside :attr:`window_s`, earliest first."""
        return _best_window(self._pool())[1]


def _best_window(passes: Sequence[RegroupPass]) -> tuple[float, dict[str, float]]:
    """Smallest spread of times over choices of one pass per group, and that choice."""
    order = sorted(passes, key=lambda p: p.at_s)
    need = len({p.group for p in order})
    best: tuple[float, dict[str, float]] = (math.inf, {})
    for i, first in enumerate(order):
        chosen: dict[str, float] = {}
        for p in order[i:]:
            chosen.setdefault(p.group, p.at_s)
            if len(chosen) == need:
                if p.at_s - first.at_s < best[0]:
                    best = (p.at_s - first.at_s, chosen)
                break
    return best


def point_rank(point: RegroupPoint) -> tuple[int, float, int, int]:
    """Return the sort key of a regroup point: most groups mid-run, tightest window first."""
    mid = len(point.mid_groups)
    return (-(mid if mid >= 2 else 0), point.window_s, -len(point.groups), point.node)


def _node_passes(net: Network, route: Route) -> list[tuple[int, float]]:
    """``(node, at_m)`` for every network node the route runs through or starts/ends at."""
    out: list[tuple[int, float]] = []
    at = 0.0
    for s in route.network_steps:
        length = float(net.edge_length_m[s.edge])
        ends = ((s.start_m, at), (s.end_m, at + s.length_m))
        for offset, where in ends:
            node = None
            if offset <= 0.5:
                node = int(net.edge_u[s.edge])
            elif offset >= length - 0.5:
                node = int(net.edge_v[s.edge])
            if node is not None and not (out and out[-1][0] == node and where - out[-1][1] < 1.0):
                out.append((node, where))
        at += s.length_m
    return out


def route_passes(
    net: Network,
    name: str,
    route: Route,
    meeting: tuple[float, float] | None,
    exclude_radius_m: float,
    edge_share: float,
) -> dict[int, list[RegroupPass]]:
    """Per node a route passes (away from the meeting point), its passes."""
    dist = np.asarray(route.dist_m, dtype=np.float64)
    t = np.asarray(route.time_s, dtype=np.float64)
    duration = float(t[-1])
    node_at = _node_passes(net, route)
    if not node_at:
        return {}
    nodes = np.array([n for n, _ in node_at])
    keep = np.ones(len(nodes), dtype=bool)
    if meeting is not None:
        d = haversine_m(net.node_lon[nodes], net.node_lat[nodes], meeting[0], meeting[1])
        keep = np.atleast_1d(d) > exclude_radius_m
    out: dict[int, list[RegroupPass]] = {}
    for (node, at_m), k in zip(node_at, keep, strict=True):
        if not k:
            continue
        at_s = float(np.interp(at_m, dist, t))
        mid = edge_share * duration < at_s < (1.0 - edge_share) * duration
        out.setdefault(node, []).append(RegroupPass(name, round(at_m, 1), round(at_s, 1), mid))
    return out


def shared_passes(
    per_route: Sequence[dict[int, list[RegroupPass]]],
) -> dict[int, list[RegroupPass]]:
    """Return passes of nodes that two or more of the routes pass."""
    merged: dict[int, list[RegroupPass]] = {}
    for passes in per_route:
        for node, ps in passes.items():
            merged.setdefault(node, []).extend(ps)
    return {n: ps for n, ps in merged.items() if len({p.group for p in ps}) >= 2}


def regroup_points(
    net: Network,
    routes: Sequence[tuple[str, Route]],
    *,
    meeting: tuple[float, float] | None = None,
    exclude_radius_m: float = REGROUP_EXCLUDE_M,
    edge_share: float = 0.1,
) -> tuple[RegroupPoint, ...]:
    """Junctions (network nodes) that two or more groups' routes pass.

    Parameters
    ----------
    net
        The network the routes run on.
    routes
        ``(group name, route)`` pairs.
    meeting
        ``(lon, lat)`` of the meeting point; junctions within
        ``exclude_radius_m`` of it are left out (every loop passes them).
    exclude_radius_m
        See ``meeting``.
    edge_share
        Passes in this first and last share of a group's run are not mid-run.

    Returns
    -------
    tuple of RegroupPoint
        Best first: most groups passing mid-run, then the shortest time between
        their passes, then most groups, then node index.
    """
    shared = shared_passes(
        [
            route_passes(net, name, route, meeting, exclude_radius_m, edge_share)
            for name, route in routes
        ]
    )
    points = []
    for n, ps in shared.items():
        edges = np.flatnonzero((net.edge_u == n) | (net.edge_v == n))
        names = [str(net.edge_name[e]) for e in edges if str(net.edge_name[e])]
        # "Camì de X" and "Cami de X" are one way to a reader: list it once.
        ways = tuple({fold_name(w): w for w in reversed(names)}.values())[::-1]
        points.append(
            RegroupPoint(n, float(net.node_lon[n]), float(net.node_lat[n]), tuple(ps), ways)
        )
    points.sort(key=point_rank)
    return tuple(points)
