"""The one owner of seconds on the network: a network and a runner give edge and partial times.

:class:`EdgeTimer` applies the one time recipe — the grade of every profile
stretch, the edge's terrain factor times the runner's class factor, then
:meth:`~routeplanner.pace.model.RunnerProfile.segment_time_s` — to whole edges
(both directions, for searches), to part of an edge (snapped starts, turnarounds)
and to any set of stretches (climb chains, a route's steps).  The network itself
knows no pace: it holds geometry, elevations and the terrain factors of its tags.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from typing import Protocol

import numpy as np
from numpy.typing import ArrayLike

from routeplanner.network.model import Network
from routeplanner.pace.model import RunnerProfile

__all__ = ["EdgeTimer", "StepLike"]


class StepLike(Protocol):
    """A stretch of one edge: ``edge`` from ``start_m`` to ``end_m`` (metres from ``u``)."""

    @property
    def edge(self) -> int:
        """Edge index."""

    @property
    def start_m(self) -> float:
        """Where the stretch starts."""

    @property
    def end_m(self) -> float:
        """Where it ends (below ``start_m``: towards ``u``)."""


class EdgeTimer:
    """Running times on a network for one runner.

    Parameters
    ----------
    net
        The network.
    profile
        The runner.
    """

    __slots__ = ("net", "profile")

    def __init__(self, net: Network, profile: RunnerProfile) -> None:
        self.net = net
        self.profile = profile

    def segment_s(self, edge: ArrayLike, length_m: ArrayLike, grade: ArrayLike) -> np.ndarray:
        """Time of stretches of edges: the one recipe every time on the network follows.

        Parameters
        ----------
        edge
            Edge of every stretch (an int for stretches of one edge).
        length_m
            Horizontal length of every stretch.
        grade
            Rise over run in the direction run, positive uphill.

        Returns
        -------
        numpy.ndarray
            Seconds, broadcast shape of the inputs.
        """
        net, profile = self.net, self.profile
        e = np.asarray(edge)
        # The runner's trail factor goes in as the trail share (class 0 is a trail), not
        # into the terrain factor: rough ground is felt more on steep descents, a
        # runner's own pace on trails is not.
        trail = (net.edge_class[e] == 0).astype(float)
        return profile.segment_time_s(length_m, grade, net.edge_terrain[e], trail=trail)

    def edge_times(self) -> tuple[np.ndarray, np.ndarray]:
        """Return the running time of every edge in seconds, ``(u→v, v→u)``.

        Edges harder than ``profile.max_difficulty`` get ``inf``.  Cached on the
        network per profile, so every timer of the same runner shares the arrays.
        """
        net, profile = self.net, self.profile
        key = ("times", profile)
        if key not in net._cache:
            dd, grade, edge = net.segment_arrays()
            n = net.n_edges
            t_fwd = np.bincount(edge, self.segment_s(edge, dd, grade), minlength=n)
            t_bwd = np.bincount(edge, self.segment_s(edge, dd, -grade), minlength=n)
            banned = net.edge_sac > profile.max_difficulty
            t_fwd[banned] = np.inf
            t_bwd[banned] = np.inf
            net._cache[key] = (t_fwd, t_bwd)
        times: tuple[np.ndarray, np.ndarray] = net._cache[key]
        return times

    def partial_s(self, e: int, start_m: float, end_m: float) -> float:
        """Time to run edge ``e`` from ``start_m`` to ``end_m`` (either direction).

        Offsets are metres from the edge's ``u`` end; ``end_m < start_m``
        means running towards ``u``.
        """
        dd, grade = self._stretches(e, start_m, end_m)
        return float(np.sum(self.segment_s(e, dd, grade)))

    def round_trips_s(
        self, e: int, spans: Sequence[tuple[float, float]] | np.ndarray
    ) -> np.ndarray:
        """Out and back on parts of edge ``e``: ``partial_s(e, a, b) + partial_s(e, b, a)``.

        The same sums as :meth:`partial_s`, bit for bit: every ``(a, b)`` of ``spans``
        is cut into the same stretches (all at once), timed in one call of the recipe,
        and summed alone (a turnaround's bisection times many at once).
        """
        _, _, ele, dist = self.net.edge_profile(e)
        a, b = np.asarray(spans, dtype=np.float64).reshape(-1, 2).T
        lo, hi = np.minimum(a, b), np.maximum(a, b)
        # Each span's points: its start, the profile's points inside it, its end.
        row, col = np.nonzero((dist > lo[:, None]) & (dist < hi[:, None]))
        ends = np.cumsum(np.bincount(row, minlength=len(lo)) + 2)
        starts = ends - np.bincount(row, minlength=len(lo)) - 2
        d = np.empty(int(ends[-1]))
        d[starts], d[ends - 1] = lo, hi
        inner = np.ones(len(d), dtype=bool)
        inner[starts] = inner[ends - 1] = False
        d[inner] = dist[col]
        z = np.interp(d, dist, ele)
        keep = np.ones(len(d) - 1, dtype=bool)
        keep[ends[:-1] - 1] = False  # no stretch from one span's end to the next's start
        dd = np.diff(d)[keep]
        grade = np.divide(np.diff(z)[keep], dd, out=np.zeros_like(dd), where=dd > 0)
        grade = np.where(np.repeat(b < a, ends - starts - 1), -grade, grade)
        t = self.segment_s(e, np.concatenate([dd, dd]), np.concatenate([grade, -grade]))
        bounds = np.concatenate([[0], np.cumsum(ends - starts - 1)])
        bounds = np.concatenate([bounds, bounds[1:] + bounds[-1]]).tolist()
        sums = [float(np.sum(t[i:j])) for i, j in itertools.pairwise(bounds)]
        n = len(lo)
        return np.array([out + back for out, back in zip(sums[:n], sums[n:], strict=True)])

    def _stretches(self, e: int, start_m: float, end_m: float) -> tuple[np.ndarray, np.ndarray]:
        """Lengths and grades of the profile stretches of edge ``e``, ``start_m`` to ``end_m``."""
        _, _, ele, dist = self.net.edge_profile(e)
        lo, hi = sorted((start_m, end_m))
        d = np.concatenate(([lo], dist[(dist > lo) & (dist < hi)], [hi]))
        z = np.interp(d, dist, ele)
        dd = np.diff(d)
        grade = np.divide(np.diff(z), dd, out=np.zeros_like(dd), where=dd > 0)
        if end_m < start_m:
            grade = -grade
        return dd, grade

    def steps_s(self, steps: Iterable[StepLike]) -> float:
        """Total time of consecutive network steps, in seconds."""
        return float(sum(self.partial_s(s.edge, s.start_m, s.end_m) for s in steps))
