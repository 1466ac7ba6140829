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
    "MAX_SPREAD_S",
    "REGROUP_EXCLUDE_M",
    "REGROUP_GAP_M",
    "RegroupChoice",
    "RegroupPass",
    "RegroupPoint",
    "choose_regroup_points",
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
MAP_REGROUP_POINTS = 4

#: Least distance between two regroup points on the map.
REGROUP_GAP_M = 300.0

#: Most time between the groups' passes at a regroup point (5 minutes).
MAX_SPREAD_S = 300.0

_MAIN_ROAD = 2  # edge class of trunk, primary and secondary roads


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
    main_road : bool
        Whether a main road (trunk, primary, secondary) runs through it; trail
        junctions are better places to wait.
    """

    node: int
    lon: float
    lat: float
    passes: tuple[RegroupPass, ...]
    ways: tuple[str, ...] = ()
    main_road: bool = False

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

    def meet(self, max_spread_s: float = MAX_SPREAD_S) -> dict[str, float]:
        """Return the most groups whose passes here lie within ``max_spread_s``, and their times.

        Of equally many groups, the tightest spread wins.  Fewer than two groups
        means nobody regroups here.
        """
        return _best_cluster(self._pool(), max_spread_s)

    def meet_spread_s(self, max_spread_s: float = MAX_SPREAD_S) -> float:
        """Time between the first and last pass of :meth:`meet` (inf if < 2 groups)."""
        times = self.meet(max_spread_s)
        return max(times.values()) - min(times.values()) if len(times) >= 2 else math.inf


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


def _best_cluster(passes: Sequence[RegroupPass], max_spread_s: float) -> dict[str, float]:
    """Most groups with one pass each inside a ``max_spread_s`` window, tightest first."""
    order = sorted(passes, key=lambda p: p.at_s)
    best: tuple[int, float, dict[str, float]] = (0, math.inf, {})
    for i, first in enumerate(order):
        chosen: dict[str, float] = {}
        for p in order[i:]:
            if p.at_s - first.at_s > max_spread_s + 1e-6:
                break
            chosen.setdefault(p.group, p.at_s)
        spread = max(chosen.values()) - first.at_s
        if (len(chosen), -spread) > (best[0], -best[1]):
            best = (len(chosen), spread, chosen)
    return best[2]


def point_rank(
    point: RegroupPoint, max_spread_s: float = MAX_SPREAD_S
) -> tuple[int, int, int, float, int, int]:
    """Return the sort key of a regroup point, best first.

    Most groups whose passes lie within ``max_spread_s`` of each other, then
    trail junctions before main roads, then most groups mid-run, then the
    tightest spread, then most groups passing at all, then node index.
    """
    meet = len(point.meet(max_spread_s))
    mid = len(point.mid_groups)
    return (
        -(meet if meet >= 2 else 0),
        int(point.main_road),
        -(mid if mid >= 2 else 0),
        point.meet_spread_s(max_spread_s) if meet >= 2 else point.window_s,
        -len(point.groups),
        point.node,
    )


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
        main = bool((net.edge_class[edges] == _MAIN_ROAD).any())
        lon, lat = float(net.node_lon[n]), float(net.node_lat[n])
        points.append(RegroupPoint(n, lon, lat, tuple(ps), ways, main))
    points.sort(key=point_rank)
    return tuple(points)


class RegroupChoice(NamedTuple):
    """The regroup points to show, and why a group has none.

    ``points`` are best first; ``missing`` holds ``(group, reason)`` for every
    group that regroups at none of them.
    """

    points: tuple[RegroupPoint, ...]
    missing: tuple[tuple[str, str], ...]


def _closest_pass_s(point: RegroupPoint, group: str) -> float:
    """Least time between a pass of ``group`` and a pass of another group at ``point``."""
    own = [p.at_s for p in point.passes if p.group == group]
    other = [p.at_s for p in point.passes if p.group != group]
    return min((abs(a - b) for a in own for b in other), default=math.inf)


def _why_not(points: Sequence[RegroupPoint], group: str, max_spread_s: float, n: int) -> str:
    """Plain reason why ``group`` regroups at none of the chosen points."""
    shared = [p for p in points if group in p.groups]
    if not shared:
        return "its loop shares no junction with another group's away from the meeting point"
    gap_s, best = min((_closest_pass_s(p, group), i) for i, p in enumerate(shared))
    if gap_s > max_spread_s:
        where = " / ".join(shared[best].ways[:2]) or "a shared junction"
        return (
            f"it passes the junctions it shares at least {gap_s / 60:.0f} min apart from "
            f"the other groups (closest: {where}), more than the {max_spread_s / 60:.0f} min "
            "they would wait"
        )
    return f"the {n} regroup points shown already cover other groups"


def choose_regroup_points(
    points: Sequence[RegroupPoint],
    groups: Sequence[str],
    *,
    n: int = MAP_REGROUP_POINTS,
    min_gap_m: float = REGROUP_GAP_M,
    max_spread_s: float = MAX_SPREAD_S,
) -> RegroupChoice:
    """Pick at most ``n`` regroup points so that every group has one if it can.

    Only points where two or more groups pass within ``max_spread_s`` of each
    other count.  First, in rank order, points that bring in a group not yet
    covered; then the best remaining ones at least ``min_gap_m`` from every
    point taken.  A group left without a point gets a plain reason.

    Parameters
    ----------
    points
        Regroup points, best first (:func:`regroup_points`).
    groups
        Names of the groups that have a route.
    n
        Most points picked.
    min_gap_m
        Least distance between two points picked to fill up (points that
        cover a new group are taken anyway).
    max_spread_s
        Most time between the groups' passes at a point.

    Returns
    -------
    RegroupChoice
    """
    good = [p for p in points if len(p.meet(max_spread_s)) >= 2]
    taken: list[RegroupPoint] = []
    covered: set[str] = set()
    for p in good:
        if len(taken) == n:
            break
        if set(p.meet(max_spread_s)) - covered:
            taken.append(p)
            covered |= set(p.meet(max_spread_s))
    for p in good:
        if len(taken) == n:
            break
        far = all(haversine_m(p.lon, p.lat, q.lon, q.lat) >= min_gap_m for q in taken)
        if p not in taken and far:
            taken.append(p)
    rank = {id(p): i for i, p in enumerate(points)}
    taken.sort(key=lambda p: rank[id(p)])
    missing = tuple((g, _why_not(points, g, max_spread_s, n)) for g in groups if g not in covered)
    return RegroupChoice(tuple(taken), missing)
