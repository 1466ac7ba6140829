"""Variety in a week: how much of its distance one run shares with another.

Two runs share what a runner would call the same ground: the distance of one
whose track runs within :data:`SHARED_WITHIN_M` of the other's track, either
direction, the way from home included.  It is measured on the tracks
(resampled every :data:`SAMPLE_M`), so a parallel path or the other side of a
street counts, as it looks on the ground; network edges are not compared.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from routeplanner.network.model import Network
from routeplanner.route import Route
from routeplanner.search.graph import Preferences
from routeplanner.search.loops import TRAIL_PREFERENCE

__all__ = ["MAX_SHARED", "SHARED_WITHIN_M", "AwayFrom", "away_from", "shared_share", "variety_miss"]

#: Largest share of distance two runs of one week may have in common.
MAX_SHARED = 0.30
#: A stretch of one run is shared when its track lies this close to the other's.
SHARED_WITHIN_M = 15.0
#: Resampling step of the tracks.
SAMPLE_M = 5.0
#: Search cost multiplier of the ways the week's earlier runs took.
AWAY_PENALTY = 4.0

_M_PER_DEG = math.pi / 180 * 6_371_008.8


def _samples(route: Route, lat0: float) -> tuple[np.ndarray, float]:
    """Points every :data:`SAMPLE_M` along the route, in metres, and the route's length."""
    total = float(route.dist_m[-1]) if len(route.dist_m) else 0.0
    n = max(2, int(np.ceil(total / SAMPLE_M)) + 1)
    d = np.linspace(0.0, total, n)
    x = np.interp(d, route.dist_m, route.lon) * _M_PER_DEG * math.cos(math.radians(lat0))
    y = np.interp(d, route.dist_m, route.lat) * _M_PER_DEG
    return np.column_stack([x, y]), total


def _within_share(pts: np.ndarray, other: cKDTree) -> float:
    """Share of a track's samples that lie within :data:`SHARED_WITHIN_M` of another track."""
    dist, _ = other.query(pts, distance_upper_bound=SHARED_WITHIN_M)
    return float(np.mean(np.isfinite(dist)))


def shared_share(a: Route, b: Route) -> float:
    """Share of the shorter run's distance whose track runs within 15 m of the other's.

    Examples
    --------
    A run shares all of itself with itself:

    >>> from types import SimpleNamespace
    >>> r = SimpleNamespace(
    ...     lon=np.array([1.5, 1.51]), lat=np.array([42.5, 42.5]), dist_m=np.array([0.0, 819.0])
    ... )
    >>> shared_share(r, r)
    1.0
    """
    if len(a.dist_m) < 2 or len(b.dist_m) < 2:
        return 0.0
    lat0 = float(np.mean(a.lat))
    pa, la = _samples(a, lat0)
    pb, lb = _samples(b, lat0)
    if min(la, lb) <= 0:
        return 0.0
    shorter, longer = (pa, pb) if la <= lb else (pb, pa)
    return _within_share(shorter, cKDTree(longer))


def variety_miss(share: float, day: str) -> str | None:
    """Word the miss of a run sharing ``share`` with the run of ``day`` (None within the limit).

    Examples
    --------
    >>> variety_miss(0.301, "Tue 05 May")
    'shares 31% > 30% of its distance with Tue 05 May'
    >>> variety_miss(0.30, "Tue 05 May") is None
    True
    """
    if share <= MAX_SHARED + 1e-9:
        return None
    # rounded up, so that a miss never reads as the limit itself ("30% > 30%")
    shown = max(math.ceil(share * 100 - 1e-9), round(MAX_SHARED * 100) + 1)
    return f"shares {shown}% > {MAX_SHARED:.0%} of its distance with {day}"


@dataclass(frozen=True)
class AwayFrom(Preferences):
    """Search preferences that make the ways of the week's earlier runs dearer.

    Attributes
    ----------
    avoid : frozenset of int
        Network edges the earlier runs took.
    penalty : float
        Cost multiplier on them (the search still takes them where it must).
    """

    avoid: frozenset[int] = frozenset()
    penalty: float = AWAY_PENALTY

    def edge_factor(self, net: Network) -> np.ndarray:
        """Cost multiplier of every edge: the base preference, times the penalty on ``avoid``."""
        factor = super().edge_factor(net)
        if self.avoid:
            factor = factor.copy()
            factor[np.fromiter(self.avoid, dtype=np.int64)] *= self.penalty
        return factor


def away_from(routes: list[Route]) -> AwayFrom:
    """Trail-first loop preferences steering away from ``routes``' ways."""
    edges = frozenset(s.edge for r in routes for s in r.network_steps)
    return AwayFrom(TRAIL_PREFERENCE.class_factor, TRAIL_PREFERENCE.sac_factor, avoid=edges)
