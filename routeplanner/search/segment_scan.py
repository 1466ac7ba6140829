"""Maximal climbs: ways chained through junctions, split at their high and low points.

The network's ways are joined end to end where a way continues another
(straightest continuation at every junction, see :func:`scan_segments`) into
chains; each chain's smoothed profile is cut at its significant turning points
into maximal climbs, which :mod:`routeplanner.search.segments` fits to a request.
"""

from __future__ import annotations

import itertools
import logging
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from routeplanner import pace
from routeplanner.errors import InputError
from routeplanner.network.model import Network
from routeplanner.pace.timer import EdgeTimer

__all__ = [
    "ScanSettings",
    "SegmentScan",
    "scan_segments",
]

log = logging.getLogger(__name__)


# Ends of a maximal climb are trimmed to within this much of its low and high.
_TRIM_M = 1.0


@dataclass(frozen=True)
class ScanSettings:
    """The rule that makes maximal climbs (see the module docstring).

    Attributes
    ----------
    dip_m : float
        A drop smaller than this inside a climb does not end it.
    break_m : float
        Horizontal distance a climb may run without reaching a new high.
    min_rise_m : float
        Smallest elevation gain of a maximal climb.
    """

    dip_m: float = 10.0
    break_m: float = 200.0
    min_rise_m: float = 10.0

    def __post_init__(self) -> None:
        for name in ("dip_m", "break_m", "min_rise_m"):
            value = getattr(self, name)
            if not math.isfinite(value) or value <= 0:
                raise InputError(f"invalid scan setting {name}={value!r}: must be positive")


@dataclass(eq=False)
class SegmentScan:
    """Chains of the network and the maximal climbs along them.

    Chain ``c`` owns chain points ``offsets[c]:offsets[c + 1]``; point ``p``
    is profile point ``prof[p]`` of the network at ``dist[p]`` metres along
    its chain.  The interval from point ``p`` to ``p + 1`` of chain ``c`` is
    interval ``p - c``; it runs along edge ``iv_edge`` from offset ``iv_a`` to
    ``iv_b`` (metres from the edge's ``u`` end).  Maximal climb ``k`` runs
    uphill from point ``lo[k]`` to point ``hi[k]`` (either way along its chain).
    """

    net: Network
    settings: ScanSettings
    offsets: np.ndarray
    prof: np.ndarray
    dist: np.ndarray
    chain_of: np.ndarray
    iv_edge: np.ndarray
    iv_a: np.ndarray
    iv_b: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    _times: dict[Any, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict, repr=False)
    _cache: dict[Any, Any] = field(default_factory=dict, repr=False)

    @property
    def n_chains(self) -> int:
        """Number of chains."""
        return len(self.offsets) - 1

    @property
    def n_climbs(self) -> int:
        """Number of maximal climbs."""
        return len(self.lo)

    @property
    def ele(self) -> np.ndarray:
        """Elevation of every chain point (gathered once: every climb fit reads it)."""
        if "ele" not in self._cache:
            self._cache["ele"] = self.net.prof_ele[self.prof]
        ele: np.ndarray = self._cache["ele"]
        return ele

    def interval_times(self, profile: pace.RunnerProfile) -> tuple[np.ndarray, np.ndarray]:
        """Return running time of every interval along and against its chain's direction."""
        key = profile
        if key not in self._times:
            net = self.net
            z = net.prof_ele[self.prof]
            p = np.arange(len(self.prof))
            last = np.zeros(len(p), dtype=bool)
            last[self.offsets[1:] - 1] = True
            start = p[~last]
            dd = self.dist[start + 1] - self.dist[start]
            dz = z[start + 1] - z[start]
            grade = np.divide(dz, dd, out=np.zeros_like(dz), where=dd > 0)
            timer = EdgeTimer(net, profile)
            self._times[key] = (
                timer.segment_s(self.iv_edge, dd, grade),
                timer.segment_s(self.iv_edge, dd, -grade),
            )
        return self._times[key]

    def climb_points(self, k: int) -> np.ndarray:
        """Chain points of maximal climb ``k`` in uphill order."""
        a, b = int(self.lo[k]), int(self.hi[k])
        return np.arange(a, b + 1) if a < b else np.arange(a, b - 1, -1)


def _bearing(net: Network, e: int, at_u: bool, reach_m: float = 30.0) -> float:
    """Direction (radians) leaving the node at one end of edge ``e`` along it."""
    lon, lat, _, dist = net.edge_profile(e)
    length = float(dist[-1])
    off = min(reach_m, length)
    x0, y0 = (lon[0], lat[0]) if at_u else (lon[-1], lat[-1])
    at = off if at_u else length - off
    x1, y1 = float(np.interp(at, dist, lon)), float(np.interp(at, dist, lat))
    return math.atan2(y1 - y0, (x1 - x0) * math.cos(math.radians(float(y0))))


def _pair_ends(net: Network) -> np.ndarray:
    """Which edge end continues which at every node (see the module docstring).

    End ``2e`` is edge ``e``'s ``u`` end and ``2e + 1`` its ``v`` end; the
    result maps every end to its partner, or -1 where a chain stops.
    """
    n_edges = net.n_edges
    ends_node = np.empty(2 * n_edges, dtype=np.int64)
    ends_node[0::2] = net.edge_u
    ends_node[1::2] = net.edge_v
    partner = np.full(2 * n_edges, -1, dtype=np.int64)
    order = np.argsort(ends_node, kind="stable")
    bounds = np.flatnonzero(np.diff(ends_node[order])) + 1
    starts = np.concatenate(([0], bounds))
    stops = np.concatenate((bounds, [len(order)]))
    deg = stops - starts
    # Degree 2: the chain always continues (vectorised; by far the commonest case).
    two = starts[deg == 2]
    a, b = order[two], order[two + 1]
    partner[a], partner[b] = b, a
    way = net.edge_way_id
    name = net.edge_name
    for s, t in zip(starts[deg >= 3].tolist(), stops[deg >= 3].tolist(), strict=True):
        free = sorted(order[s:t].tolist())
        for key in (lambda x: int(way[x // 2]), lambda x: str(name[x // 2])):
            groups: dict[Any, list[int]] = {}
            for x in free:
                k = key(x)
                if k != "":
                    groups.setdefault(k, []).append(x)
            for members in groups.values():
                if len(members) == 2:
                    x, y = members
                    partner[x], partner[y] = y, x
            free = [x for x in free if partner[x] < 0]
        if len(free) >= 2:
            ang = {x: _bearing(net, x // 2, x % 2 == 0) for x in free}
            pairs = []
            for i, x in enumerate(free):
                for y in free[i + 1 :]:
                    turn = abs((ang[x] - ang[y]) % (2 * math.pi) - math.pi)  # 0 = straight on
                    if turn <= math.radians(45.0):
                        pairs.append((turn, x, y))
            for _, x, y in sorted(pairs):
                if partner[x] < 0 and partner[y] < 0:
                    partner[x], partner[y] = y, x
    return partner


def _build_chains(net: Network) -> list[list[tuple[int, bool]]]:
    """Chains as lists of ``(edge, forward)``; deterministic for a network."""
    partner = _pair_ends(net)
    seen = np.zeros(net.n_edges, dtype=bool)
    chains: list[list[tuple[int, bool]]] = []

    def walk(e: int, enter_side: int) -> list[tuple[int, bool]]:
        out = []
        while not seen[e]:
            seen[e] = True
            out.append((e, enter_side == 0))
            nxt = int(partner[2 * e + (1 - enter_side)])
            if nxt < 0:
                break
            e, enter_side = nxt // 2, nxt % 2
        return out

    for end in np.flatnonzero(partner < 0).tolist():
        if not seen[end // 2]:
            chains.append(walk(end // 2, end % 2))
    for e in np.flatnonzero(~seen).tolist():  # what is left are closed rings
        if not seen[e]:
            chains.append(walk(e, 0))
    return chains


def _zigzag(z: list[float], threshold: float) -> list[int]:
    """Alternating extremes of ``z`` with every swing at least ``threshold``."""
    n = len(z)
    if n < 2:
        return []
    lo_i = hi_i = 0
    trend = 0
    ext = 0
    piv: list[int] = []
    for i in range(1, n):
        v = z[i]
        if trend == 0:
            if v > z[hi_i]:
                hi_i = i
            if v < z[lo_i]:
                lo_i = i
            if z[hi_i] - z[lo_i] >= threshold:
                if lo_i < hi_i:
                    piv, trend, ext = [lo_i], 1, hi_i
                else:
                    piv, trend, ext = [hi_i], -1, lo_i
        elif trend > 0:
            if v > z[ext]:
                ext = i
            elif z[ext] - v >= threshold:
                piv.append(ext)
                trend, ext = -1, i
        else:
            if v < z[ext]:
                ext = i
            elif v - z[ext] >= threshold:
                piv.append(ext)
                trend, ext = 1, i
    if trend:
        piv.append(ext)
    return piv


def _split_climb(
    pts: np.ndarray, z: np.ndarray, d: np.ndarray, s: ScanSettings
) -> list[tuple[int, int]]:
    """Cut an uphill run of points where it goes ``break_m`` without a new high.

    ``pts``, ``z``, ``d`` are the run's chain points, elevations and distances
    from its low point, in uphill order.  Returns ``(first, last)`` positions.
    """
    out = []
    start = 0
    n = len(z)
    while start < n - 1:
        zz = z[start:]
        run_max = np.maximum.accumulate(zz)
        rec = np.flatnonzero(np.concatenate(([True], zz[1:] > run_max[:-1])))
        gaps = np.diff(d[start:][rec])
        cut = np.flatnonzero(gaps > s.break_m)
        if len(cut) == 0:
            out.append((start, n - 1))
            break
        a = int(rec[cut[0]])
        b = int(rec[cut[0] + 1])
        out.append((start, start + a))
        # Restart at the gap's lowest point (its last occurrence, so a dead-flat
        # stretch is skipped); always move on, so the loop ends.
        gap = zz[a : b + 1]
        low = a + len(gap) - 1 - int(np.argmin(gap[::-1]))
        start += max(low, 1)
    # Trim flat ends to within _TRIM_M of the low and the high.
    trimmed = []
    for a, b in out:
        zz = z[a : b + 1]
        first = a + int(np.flatnonzero(zz <= zz[0] + _TRIM_M)[-1])
        last = a + int(np.flatnonzero(zz >= zz[-1] - _TRIM_M)[0])
        if last > first and z[last] - z[first] >= s.min_rise_m:
            trimmed.append((first, last))
    return trimmed


def scan_segments(net: Network, settings: ScanSettings | None = None) -> SegmentScan:
    """Find every maximal climb of the network (descents are the same, run down).

    The result is cached on the network per settings.

    Parameters
    ----------
    net
        The network.
    settings
        The rule for maximal climbs; defaults if omitted.

    Returns
    -------
    SegmentScan
    """
    s = settings or ScanSettings()
    key = ("segment_scan", s)
    if key in net._cache:
        ret: SegmentScan = net._cache[key]
        return ret
    chains = _build_chains(net)
    offs = net.prof_offsets
    prof_parts, iv_e, iv_a, iv_b, sizes = [], [], [], [], []
    for chain in chains:
        n_pts = 0
        for k, (e, fwd) in enumerate(chain):
            idx = np.arange(offs[e], offs[e + 1])
            if not fwd:
                idx = idx[::-1]
            if k:
                idx = idx[1:]  # the junction point is already there
            prof_parts.append(idx)
            n_pts += len(idx)
            dist = net.prof_dist[offs[e] : offs[e + 1]]
            if not fwd:
                dist = dist[::-1]
            iv_e.append(np.full(len(dist) - 1, e, dtype=np.int64))
            iv_a.append(dist[:-1])
            iv_b.append(dist[1:])
        sizes.append(n_pts)
    prof = np.concatenate(prof_parts).astype(np.int64)
    offsets = np.concatenate(([0], np.cumsum(sizes))).astype(np.int64)
    chain_of = np.repeat(np.arange(len(chains)), sizes)
    iv_edge = np.concatenate(iv_e)
    ia, ib = np.concatenate(iv_a), np.concatenate(iv_b)
    step = np.abs(ib - ia)
    dist = np.zeros(len(prof))
    not_first = np.ones(len(prof), dtype=bool)
    not_first[offsets[:-1]] = False
    dist[not_first] = step
    # Cumulative distance restarting at each chain.
    cs = np.cumsum(dist)
    dist = cs - np.repeat(cs[offsets[:-1]], sizes)

    z_all = net.prof_ele[prof]
    lows: list[int] = []
    highs: list[int] = []
    for c in range(len(chains)):
        a, b = int(offsets[c]), int(offsets[c + 1])
        z = z_all[a:b]
        if len(z) < 2 or float(z.max() - z.min()) < s.min_rise_m:
            continue
        piv = _zigzag(z.tolist(), s.dip_m)
        for p, q in itertools.pairwise(piv):
            lo_p, hi_p = (p, q) if z[q] > z[p] else (q, p)
            pts = np.arange(lo_p, hi_p + 1) if lo_p < hi_p else np.arange(lo_p, hi_p - 1, -1)
            zz = z[pts]
            dd = np.abs(dist[a + pts] - dist[a + lo_p])
            for i, j in _split_climb(pts, zz, dd, s):
                lows.append(a + int(pts[i]))
                highs.append(a + int(pts[j]))
    scan = SegmentScan(
        net=net,
        settings=s,
        offsets=offsets,
        prof=prof,
        dist=dist,
        chain_of=chain_of,
        iv_edge=iv_edge,
        iv_a=ia,
        iv_b=ib,
        lo=np.asarray(lows, dtype=np.int64),
        hi=np.asarray(highs, dtype=np.int64),
    )
    log.debug("scanned %d chains: %d maximal climbs", scan.n_chains, scan.n_climbs)
    net._cache[key] = scan
    return scan
