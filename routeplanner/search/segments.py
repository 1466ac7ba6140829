"""Steep climbs and descent-practice segments: maximal continuous climbs along the ways.

How segments are found
----------------------
1. **Chains.**  Edges are strung into chains that follow a way through its
   junctions.  At a node with two edges the chain always continues.  At a
   junction it continues onto the edge of the same OSM way, else onto the edge
   with the same name, else straight on (the pair of remaining edges whose
   directions are within 45° of a straight line, straightest first).  Every edge
   belongs to exactly one chain, and a chain's elevation profile is its edges'
   densified profiles end to end.
2. **Maximal climbs.**  Along each chain profile, the climbs are the rising
   swings of a zig-zag filter: the profile turns from up to down only once it
   has dropped :attr:`ScanSettings.dip_m` (10 m) below its last high, and from
   down to up only once it has risen as much above its last low.  So a
   counter-grade dip of less than 10 m does not end a climb.  A climb is also
   cut where it runs more than :attr:`ScanSettings.break_m` (200 m) without
   reaching a new high (a long flat or a dip that takes long to make up); the
   second part starts again at its lowest point.  Ends are trimmed so a climb
   starts at the last point within 1 m of its low and ends at the first point
   within 1 m of its high.  Climbs gaining less than
   :attr:`ScanSettings.min_rise_m` are dropped.
3. **Descents** are the same stretches run downhill: every climb is a descent
   in the other direction, with its own (downhill) running time.
4. **Fitting a request.**  For a grade window ``[lo, hi]`` (and optionally a
   window on the running time), each maximal climb within reach yields its
   largest sub-stretch (most height) whose mean grade lies in the window, whose
   first and last 50 m each climb at ``lo`` or more (so a gentle run-in cannot
   dilute the mean), which rises at least ``min_gain_m`` and whose running time
   (uphill for climbs, downhill for descents) lies in the time window; what is
   left on either side may yield more.  Edges harder than the runner's
   ``max_difficulty`` split a climb.
5. **Ranking.**  ``fit`` is the share of a segment's length whose grade,
   measured over 100 m, lies inside the window.  Segments are ranked by fit
   rounded to 0.1 (best first), then by distance from the query point (to the
   segment's nearest point).  Where several stretches overlap, none is listed
   twice: stretches come from disjoint parts of the maximal climbs.
6. **Checked on the DEM.**  Profiles are smoothed; with a DEM given,
   :func:`find_segments` also measures each stretch on the raw raster along its
   geometry (:func:`check_segment`) and keeps it only if that mean grade is in
   the window too.

All grades are magnitudes (rise over run, 0.2 = 20 %); ``kind`` says which way
a segment is run.  ``mean_grade`` is exactly ``gain_m / length_m`` (or
``loss_m / length_m``), net elevation change over horizontal length, and
``max_grade`` is the steepest grade between two points 100 m apart.

Segment ids (``c12:40-97``: kind, chain, first and last chain point, in running
order) are stable for a given network build, so ``workout repeats --segment``
can refer to a segment listed by an earlier ``climbs`` or ``descents`` run.
"""

from __future__ import annotations

import itertools
import logging
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

import numpy as np

from routeplanner import pace
from routeplanner.errors import InputError
from routeplanner.network.model import Network, haversine_m
from routeplanner.route import Route, Step, make_route

__all__ = [
    "DEFAULT_GRADE",
    "KINDS",
    "MAX_GRADE_WINDOW_M",
    "ScanSettings",
    "Segment",
    "SegmentCheck",
    "SegmentRequest",
    "SegmentScan",
    "check_segment",
    "find_segments",
    "map_segment",
    "parse_minutes_window",
    "parse_segment_id",
    "scan_segments",
    "segment_by_id",
    "segment_route",
    "segments_geojson",
]

log = logging.getLogger(__name__)

KINDS: tuple[str, ...] = ("climb", "descent")

#: Default grade window: from a grade that is clearly felt (8 %) to scrambling (50 %).
DEFAULT_GRADE: tuple[float, float] = (0.08, 0.50)

#: Horizontal distance over which ``max_grade`` and the fit's local grades are measured.
MAX_GRADE_WINDOW_M = 100.0

# A fitted stretch must climb at the window's low grade over its first and last
# this many metres, so a long gentle run-in cannot be used to reach the mean.
_END_CHECK_M = 50.0
# Ends of a maximal climb are trimmed to within this much of its low and high.
_TRIM_M = 1.0
# Above this many points a climb's candidate ends are thinned (fitting is O(n²)).
_MAX_FIT_POINTS = 360
_MAX_MINUTES = 24 * 60.0


# --------------------------------------------------------------------------- inputs


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


@dataclass(frozen=True)
class SegmentRequest:
    """What the runner asks for.

    Attributes
    ----------
    kind : str
        ``"climb"`` or ``"descent"``.
    grade : tuple of float
        Window ``(lo, hi)`` for the mean grade, rise over run (magnitudes).
    min_gain_m : float
        Smallest elevation gain (climbs) or loss (descents).
    duration_s : tuple of float or None
        Window on the running time of the segment itself, in seconds.
    near : tuple of float or None
        ``(lon, lat)`` the segments should be near; None for the whole network.
    within_m : float
        Largest straight-line distance from ``near`` to a segment.
    limit : int
        Largest number of segments returned.
    min_trail_share : float
        Smallest share of the length on trails (paths, tracks; not roads).
    """

    kind: str = "climb"
    grade: tuple[float, float] = DEFAULT_GRADE
    min_gain_m: float = 30.0
    duration_s: tuple[float, float] | None = None
    near: tuple[float, float] | None = None
    within_m: float = 5000.0
    limit: int = 10
    min_trail_share: float = 0.0

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise InputError(f"unknown segment kind {self.kind!r}: use climb or descent")
        lo, hi = self.grade
        if not (math.isfinite(lo) and math.isfinite(hi)) or lo >= hi:
            raise InputError(
                f"invalid grade window {lo:.0%}-{hi:.0%}: lower bound must be below upper bound"
            )
        if lo < 0 or hi > 1.0:
            raise InputError(
                f"invalid grade window {lo:.0%}-{hi:.0%}: grades must lie between 0% and 100%"
            )
        if not math.isfinite(self.min_gain_m) or self.min_gain_m < 0:
            raise InputError(f"invalid minimum gain {self.min_gain_m!r} m: must be 0 or more")
        if self.duration_s is not None:
            _check_minutes(self.duration_s[0] / 60.0, self.duration_s[1] / 60.0, "")
        if not math.isfinite(self.within_m) or self.within_m <= 0:
            raise InputError(f"invalid search radius {self.within_m!r} m: must be positive")
        if not 1 <= self.limit <= 1000:
            raise InputError(f"invalid limit {self.limit}: must be between 1 and 1000")
        if not 0.0 <= self.min_trail_share <= 1.0:
            raise InputError(
                f"invalid trail share {self.min_trail_share!r}: must be between 0 and 1"
            )


def _check_minutes(lo: float, hi: float, raw: str) -> None:
    what = f"{raw!r}" if raw else f"{lo:g}-{hi:g}"
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise InputError(f"invalid minutes window {what}: bounds must be finite numbers")
    if hi <= 0:
        raise InputError(f"invalid minutes window {what}: a window of 0 minutes is empty")
    if lo < 0:
        raise InputError(f"invalid minutes window {what}: minutes cannot be negative")
    if lo >= hi:
        raise InputError(f"invalid minutes window {what}: lower bound must be below upper bound")
    if hi > _MAX_MINUTES:
        raise InputError(f"invalid minutes window {what}: at most 24 h")


_MINUTES_RE = re.compile(
    r"(?P<lo>[0-9]+(?:\.[0-9]*)?|\.[0-9]+)\s*(?:-|–|to)\s*"
    r"(?P<hi>[0-9]+(?:\.[0-9]*)?|\.[0-9]+)\s*(?:m|min|mins|minutes)?"
)


def parse_minutes_window(text: str) -> tuple[float, float]:
    """Parse a window of running minutes such as ``"5-10"`` into seconds.

    Parameters
    ----------
    text
        ``"5-10"``, ``"5-10min"``, ``"5 to 10 minutes"``.

    Returns
    -------
    tuple of float
        ``(low, high)`` in seconds, ``0 <= low < high``.

    Raises
    ------
    InputError
        If the text is malformed, the window is 0, empty or inverted.

    Examples
    --------
    >>> parse_minutes_window("5-10")
    (300.0, 600.0)
    """
    raw = str(text)
    key = raw.strip().lower()
    match = _MINUTES_RE.fullmatch(key)
    if not match:
        if re.fullmatch(r"[-+]?0*(\.0*)?\s*(m|min|mins|minutes)?", key) and key:
            raise InputError(f"invalid minutes window {raw!r}: a window of 0 minutes is empty")
        raise InputError(f"invalid minutes window {raw!r}: expected e.g. '5-10' (minutes)")
    lo, hi = float(match["lo"]), float(match["hi"])
    _check_minutes(lo, hi, raw)
    return (lo * 60.0, hi * 60.0)


# --------------------------------------------------------------------------- chains


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
        """Elevation of every chain point."""
        return self.net.prof_ele[self.prof]

    def interval_times(self, profile: pace.RunnerProfile) -> tuple[np.ndarray, np.ndarray]:
        """Running time of every interval along and against its chain's direction."""
        key = (profile.flat_pace_s_per_km, profile.model)
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
            scale = dd * net.edge_terrain[self.iv_edge] * profile.seconds_per_m()
            self._times[key] = (
                scale * pace.cost_ratio(grade, profile.model),
                scale * pace.cost_ratio(-grade, profile.model),
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
        return net._cache[key]
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


# --------------------------------------------------------------------------- segments


class SegmentCheck(NamedTuple):
    """A segment's numbers measured on the DEM itself (raw, unsmoothed).

    Attributes
    ----------
    rise_m : float
        Net elevation change in the running direction (negative downhill).
    mean_grade : float
        ``|rise_m| / length``.
    max_grade : float
        Steepest grade between points 100 m apart.
    """

    rise_m: float
    mean_grade: float
    max_grade: float


@dataclass(frozen=True, eq=False)
class Segment:
    """A climb or a descent, in its running direction.

    Attributes
    ----------
    id : str
        Stable id, see :func:`segment_by_id`.
    kind : str
        ``"climb"`` or ``"descent"``.
    steps : tuple of Step
        The stretch as route steps, in running order.
    lon, lat, ele, dist_m : numpy.ndarray
        Geometry with elevations, ``dist_m`` from the segment's start.
    length_m : float
        Horizontal length.
    rise_m : float
        Net elevation gain (climb) or loss (descent), positive.
    mean_grade : float
        ``rise_m / length_m``.
    max_grade : float
        Steepest grade between two points 100 m apart.
    duration_s : float
        Running time under the profile (descents on the model's downhill side).
    names : tuple of str
        Names of the ways, in order.
    hardest_sac : int
        Hardest SAC T-grade (0 untagged).
    surfaces : tuple of str
        OSM surfaces along it (``""`` for untagged stretches left out).
    trail_share : float
        Share of the length on trails.
    fit : float
        Share of the length whose 100 m grade lies in the requested window.
    distance_m : float or None
        Straight-line distance from the query point to the nearest point.
    dem_check : SegmentCheck or None
        The same numbers measured on the DEM, when a DEM was given.
    """

    id: str
    kind: str
    steps: tuple[Step, ...]
    lon: np.ndarray
    lat: np.ndarray
    ele: np.ndarray
    dist_m: np.ndarray
    length_m: float
    rise_m: float
    mean_grade: float
    max_grade: float
    duration_s: float
    names: tuple[str, ...]
    hardest_sac: int
    surfaces: tuple[str, ...]
    trail_share: float
    fit: float = 1.0
    distance_m: float | None = None
    dem_check: SegmentCheck | None = None

    @property
    def gain_m(self) -> float:
        """Elevation gain of a climb (0 for a descent)."""
        return self.rise_m if self.kind == "climb" else 0.0

    @property
    def loss_m(self) -> float:
        """Elevation loss of a descent (0 for a climb)."""
        return self.rise_m if self.kind == "descent" else 0.0

    @property
    def start(self) -> tuple[float, float]:
        """``(lon, lat)`` where the segment is started."""
        return float(self.lon[0]), float(self.lat[0])

    @property
    def end(self) -> tuple[float, float]:
        """``(lon, lat)`` where the segment ends."""
        return float(self.lon[-1]), float(self.lat[-1])

    @property
    def name(self) -> str:
        """A readable label: the way names, or the kind when unnamed."""
        named = [n for n in self.names if not n.startswith("unnamed ")]
        return " / ".join(named[:3]) if named else (self.names[0] if self.names else self.kind)

    def properties(self) -> dict[str, Any]:
        """JSON-ready numbers, as in the GeoJSON feature."""
        out: dict[str, Any] = {"id": self.id, "kind": self.kind, "name": self.name}
        out["gain_m" if self.kind == "climb" else "loss_m"] = round(self.rise_m, 1)
        out.update(
            length_m=round(self.length_m, 1),
            mean_grade=round(self.mean_grade, 4),
            max_grade=round(self.max_grade, 4),
            max_grade_over_m=round(min(MAX_GRADE_WINDOW_M, self.length_m), 1),
            duration_s=round(self.duration_s, 1),
            start=[round(self.start[0], 6), round(self.start[1], 6)],
            end=[round(self.end[0], 6), round(self.end[1], 6)],
            start_ele_m=round(float(self.ele[0]), 1),
            end_ele_m=round(float(self.ele[-1]), 1),
            ways=list(self.names),
            hardest_sac=self.hardest_sac,
            surfaces=list(self.surfaces),
            trail_share=round(self.trail_share, 3),
            fit=round(self.fit, 3),
        )
        if self.distance_m is not None:
            out["distance_m"] = round(self.distance_m, 1)
        if self.dem_check is not None:
            out["dem_mean_grade"] = round(self.dem_check.mean_grade, 4)
            out["dem_max_grade"] = round(self.dem_check.max_grade, 4)
        return out

    def feature(self, **extra: Any) -> dict[str, Any]:
        """The segment as a GeoJSON Feature (``routeplanner.output.export.segment_feature``)."""
        from routeplanner.output import export

        props = self.properties()
        props.update(extra)
        return export.segment_feature(self.lon, self.lat, self.ele, props)

    def summary_line(self) -> str:
        """One line of numbers for text output."""
        verb = "+" if self.kind == "climb" else "-"
        near = f", {self.distance_m / 1000:.1f} km away" if self.distance_m is not None else ""
        return (
            f"{self.length_m / 1000:.2f} km, {verb}{self.rise_m:.0f} m, "
            f"mean {self.mean_grade:.0%}, max {self.max_grade:.0%} (100 m), "
            f"{pace.format_duration(self.duration_s)}{near}"
        )


def _max_grade_100(
    dist: np.ndarray, ele: np.ndarray, window_m: float = MAX_GRADE_WINDOW_M
) -> float:
    length = float(dist[-1] - dist[0])
    if length <= 0:
        return 0.0
    if length <= window_m:
        return abs(float(ele[-1] - ele[0])) / length
    x = np.append(np.arange(dist[0], dist[-1] - window_m, 5.0), dist[-1] - window_m)
    z0 = np.interp(x, dist, ele)
    z1 = np.interp(x + window_m, dist, ele)
    return float(np.max(np.abs(z1 - z0)) / window_m)


def _in_window_share(dist: np.ndarray, ele: np.ndarray, lo: float, hi: float) -> float:
    """Share of the length whose grade over 100 m (centred) lies in ``[lo, hi]``."""
    length = float(dist[-1] - dist[0])
    if length <= MAX_GRADE_WINDOW_M:
        g = abs(float(ele[-1] - ele[0])) / length if length > 0 else 0.0
        return 1.0 if lo <= g <= hi else 0.0
    x = np.arange(dist[0] + 5.0, dist[-1], 10.0)
    half = MAX_GRADE_WINDOW_M / 2
    a = np.clip(x - half, dist[0], dist[-1] - MAX_GRADE_WINDOW_M)
    b = a + MAX_GRADE_WINDOW_M
    g = np.abs(np.interp(b, dist, ele) - np.interp(a, dist, ele)) / MAX_GRADE_WINDOW_M
    return float(np.mean((g >= lo - 1e-9) & (g <= hi + 1e-9)))


def _steps(scan: SegmentScan, p0: int, p1: int) -> tuple[Step, ...]:
    """Route steps from chain point ``p0`` to ``p1`` (same chain, either way)."""
    c = int(scan.chain_of[p0])
    lo, hi = min(p0, p1), max(p0, p1)
    ivs = np.arange(lo - c, hi - c)
    edges = scan.iv_edge[ivs]
    cut = np.flatnonzero(np.diff(edges)) + 1
    starts = np.concatenate(([0], cut))
    stops = np.concatenate((cut, [len(ivs)])) - 1
    steps = [
        Step(int(edges[s]), float(scan.iv_a[ivs[s]]), float(scan.iv_b[ivs[t]]))
        for s, t in zip(starts.tolist(), stops.tolist(), strict=True)
    ]
    if p1 < p0:
        steps = [Step(st.edge, st.end_m, st.start_m) for st in reversed(steps)]
    return tuple(steps)


def _make_segment(
    scan: SegmentScan,
    kind: str,
    p_low: int,
    p_high: int,
    profile: pace.RunnerProfile,
    *,
    window: tuple[float, float],
    near: tuple[float, float] | None = None,
) -> Segment:
    """A :class:`Segment` from chain points ``p_low`` (bottom) to ``p_high`` (top)."""
    net = scan.net
    p0, p1 = (p_low, p_high) if kind == "climb" else (p_high, p_low)
    step = 1 if p1 > p0 else -1
    pts = np.arange(p0, p1 + step, step)
    c = int(scan.chain_of[p0])
    prof = scan.prof[pts]
    lon, lat, ele = net.prof_lon[prof], net.prof_lat[prof], net.prof_ele[prof]
    dist = np.abs(scan.dist[pts] - scan.dist[p0])
    t_fwd, t_bwd = scan.interval_times(profile)
    ivs = (np.minimum(pts[:-1], pts[1:]) - c).astype(np.int64)
    duration = float((t_fwd if step > 0 else t_bwd)[ivs].sum())
    length = float(dist[-1])
    rise = abs(float(ele[-1] - ele[0]))
    edges = scan.iv_edge[ivs]
    order = np.unique(edges, return_index=True)[1]
    seq = edges[np.sort(order)]
    names: list[str] = []
    for e in seq.tolist():
        nm = str(net.edge_name[e]) or f"unnamed {net.edge_highway[e]}"
        if not names or names[-1] != nm:
            names.append(nm)
    seg_len = np.abs(np.diff(dist))
    trail = float(seg_len[net.edge_class[edges] == 0].sum())
    surfaces = tuple(dict.fromkeys(s for s in net.edge_surface[seq].tolist() if s))
    lo, hi = window
    distance = None
    if near is not None:
        distance = float(np.min(haversine_m(lon, lat, near[0], near[1])))
    return Segment(
        id=f"{kind[0]}{c}:{p0 - int(scan.offsets[c])}-{p1 - int(scan.offsets[c])}",
        kind=kind,
        steps=_steps(scan, p0, p1),
        lon=lon,
        lat=lat,
        ele=ele,
        dist_m=dist,
        length_m=length,
        rise_m=rise,
        mean_grade=rise / length if length > 0 else 0.0,
        max_grade=_max_grade_100(dist, ele),
        duration_s=duration,
        names=tuple(names),
        hardest_sac=int(net.edge_sac[seq].max()),
        surfaces=surfaces,
        trail_share=trail / length if length > 0 else 0.0,
        fit=_in_window_share(dist, ele, lo, hi),
        distance_m=distance,
    )


def _end_grades(d: np.ndarray, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Grade over the first and the last ``_END_CHECK_M`` from every point."""
    fwd = np.minimum(d + _END_CHECK_M, d[-1])
    bwd = np.maximum(d - _END_CHECK_M, d[0])
    g_start = np.divide(
        np.interp(fwd, d, z) - z, fwd - d, out=np.full(len(d), np.inf), where=fwd > d
    )
    g_end = np.divide(z - np.interp(bwd, d, z), d - bwd, out=np.full(len(d), np.inf), where=d > bwd)
    return g_start, g_end


def _fit_run(
    d: np.ndarray,
    z: np.ndarray,
    t: np.ndarray,
    req: SegmentRequest,
    depth: int = 0,
) -> list[tuple[int, int]]:
    """Best stretches ``(i, j)`` (uphill order) of one allowed run of points.

    ``t`` is the cumulative running time (up for climbs, down for descents)
    from the run's first point.
    """
    n = len(z)
    if n < 2 or float(z.max() - z.min()) < max(req.min_gain_m, 1e-6) or depth > 3:
        return []
    lo, hi = req.grade
    g_start, g_end = _end_grades(d, z)
    cand = np.arange(n)
    if n > _MAX_FIT_POINTS:
        # Thin to every k-th point plus every local extreme (where the best ends tend to be).
        k = math.ceil(n / _MAX_FIT_POINTS)
        dz = np.diff(z)
        turn = np.flatnonzero(np.sign(dz[:-1]) != np.sign(dz[1:])) + 1
        cand = np.unique(np.concatenate((np.arange(0, n, k), turn, [n - 1])))
    i_ok = cand[g_start[cand] >= lo - 1e-9]
    j_ok = cand[g_end[cand] >= lo - 1e-9]
    if len(i_ok) == 0 or len(j_ok) == 0:
        return []
    rise = z[j_ok][None, :] - z[i_ok][:, None]
    length = d[j_ok][None, :] - d[i_ok][:, None]
    ok = (length > 0) & (rise >= req.min_gain_m) & (rise > 0)
    ok &= rise >= lo * length - 1e-9
    ok &= rise <= hi * length + 1e-9
    if req.duration_s is not None:
        dur = t[j_ok][None, :] - t[i_ok][:, None]
        ok &= (dur >= req.duration_s[0]) & (dur <= req.duration_s[1])
    if not ok.any():
        return []
    # Most height; ties (to the centimetre) go to the shorter, then the lower stretch.
    r = np.where(ok, np.round(rise, 2), -np.inf)
    tied = r == r.max()
    flat = int(np.argmin(np.where(tied, np.round(length, 2), np.inf)))
    i, j = int(i_ok[flat // len(j_ok)]), int(j_ok[flat % len(j_ok)])
    out = [(i, j)]
    for a, b in ((0, i), (j, n - 1)):
        if b - a >= 1:
            sub = _fit_run(d[a : b + 1] - d[a], z[a : b + 1], t[a : b + 1] - t[a], req, depth + 1)
            out.extend((a + x, a + y) for x, y in sub)
    return out


def _fit_climb(
    scan: SegmentScan,
    k: int,
    req: SegmentRequest,
    profile: pace.RunnerProfile,
) -> list[tuple[int, int]]:
    """Stretches of maximal climb ``k`` that meet the request, as chain points."""
    pts = scan.climb_points(k)
    c = int(scan.chain_of[pts[0]])
    ivs = np.minimum(pts[:-1], pts[1:]) - c
    uphill_is_fwd = pts[-1] > pts[0]
    t_fwd, t_bwd = scan.interval_times(profile)
    run_fwd = uphill_is_fwd == (req.kind == "climb")
    t_iv = (t_fwd if run_fwd else t_bwd)[ivs]
    allowed = scan.net.edge_sac[scan.iv_edge[ivs]] <= profile.max_difficulty
    z = scan.ele[pts]
    d = np.abs(scan.dist[pts] - scan.dist[pts[0]])
    t = np.concatenate(([0.0], np.cumsum(t_iv)))
    out = []
    # Runs of allowed intervals: points [s, e] with every interval s..e-1 allowed.
    edges = np.diff(np.concatenate(([0], allowed.astype(np.int8), [0])))
    for s, e in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True):
        s, e = int(s), int(e)
        sub = _fit_run(d[s : e + 1] - d[s], z[s : e + 1], t[s : e + 1] - t[s], req)
        out.extend((int(pts[s + i]), int(pts[s + j])) for i, j in sub)
    return out


def _violation(seg: Segment, req: SegmentRequest, profile: pace.RunnerProfile) -> float:
    """How far a segment is from meeting the request (0 = meets it)."""
    lo, hi = req.grade
    v = 0.0
    if seg.mean_grade < lo:
        v += (lo - seg.mean_grade) / max(lo, 0.01)
    elif seg.mean_grade > hi:
        v += (seg.mean_grade - hi) / hi
    if seg.rise_m < req.min_gain_m:
        v += (req.min_gain_m - seg.rise_m) / max(req.min_gain_m, 1.0)
    if req.duration_s is not None:
        a, b = req.duration_s
        if seg.duration_s < a:
            v += (a - seg.duration_s) / a
        elif seg.duration_s > b:
            v += (seg.duration_s - b) / b
    if seg.distance_m is not None and seg.distance_m > req.within_m:
        v += (seg.distance_m - req.within_m) / req.within_m
    if seg.hardest_sac > profile.max_difficulty:
        v += 0.5 * (seg.hardest_sac - profile.max_difficulty)
    if seg.trail_share < req.min_trail_share:
        v += req.min_trail_share - seg.trail_share
    return v


def _nothing_found(
    scan: SegmentScan,
    req: SegmentRequest,
    profile: pace.RunnerProfile,
    dem_rejected: int,
) -> InputError:
    """An error naming the nearest miss and how to widen the request."""
    where = (
        f" within {req.within_m / 1000:g} km of {req.near[1]:.4f},{req.near[0]:.4f}"
        if req.near is not None
        else ""
    )
    lo, hi = req.grade
    want = f"{lo:.0%}-{hi:.0%}"
    if req.duration_s is not None:
        want += f", {req.duration_s[0] / 60:g}-{req.duration_s[1] / 60:g} min"
    change = "gain" if req.kind == "climb" else "loss"
    head = f"no {req.kind} of {want} with {req.min_gain_m:.0f} m {change}{where}"
    if scan.n_climbs == 0:
        return InputError(f"{head}: the network has no climbs or descents at all")
    ks = np.arange(scan.n_climbs)
    if req.near is not None:
        # The nearest misses are most likely close by; look at the 200 nearest.
        z_d = _climb_distances(scan, req.near)
        ks = ks[np.argsort(z_d)[:200]]
    best: tuple[float, Segment] | None = None
    for k in ks.tolist():
        seg = _make_segment(
            scan,
            req.kind,
            int(scan.lo[k]),
            int(scan.hi[k]),
            profile,
            window=req.grade,
            near=req.near,
        )
        v = _violation(seg, req, profile)
        if best is None or v < best[0]:
            best = (v, seg)
    assert best is not None
    seg = best[1]
    hints = []
    g = seg.mean_grade
    if g < lo or g > hi:
        new_lo = min(lo, math.floor(g * 100) / 100)
        new_hi = max(hi, math.ceil(g * 100) / 100)
        hints.append(f"widen the grade window to {new_lo * 100:.0f}-{new_hi * 100:.0f}% (--grade)")
    if seg.rise_m < req.min_gain_m:
        hints.append(f"lower the minimum gain to {math.floor(seg.rise_m / 10) * 10:.0f} m")
    if req.duration_s is not None and not (
        req.duration_s[0] <= seg.duration_s <= req.duration_s[1]
    ):
        m = seg.duration_s / 60
        hints.append(
            f"widen the minutes window to {min(req.duration_s[0] / 60, math.floor(m)):g}-"
            f"{max(req.duration_s[1] / 60, math.ceil(m)):g} (--minutes)"
        )
    if seg.distance_m is not None and seg.distance_m > req.within_m:
        hints.append(f"search within {math.ceil(seg.distance_m / 1000):.0f} km (--within)")
    if seg.hardest_sac > profile.max_difficulty:
        hints.append(f"allow difficulty T{seg.hardest_sac} (--max-difficulty)")
    if seg.trail_share < req.min_trail_share:
        hints.append(f"accept roads (it is {seg.trail_share:.0%} on trails)")
    if dem_rejected:
        hints.append(f"note {dem_rejected} candidate(s) failed the check against the DEM")
    verb = "+" if req.kind == "climb" else "-"
    near_txt = f" {seg.distance_m / 1000:.1f} km away" if seg.distance_m is not None else ""
    nearest = (
        f"nearest: {seg.id} on {seg.name}{near_txt}, {seg.length_m / 1000:.2f} km, "
        f"{verb}{seg.rise_m:.0f} m, mean {seg.mean_grade:.0%}, "
        f"{pace.format_duration(seg.duration_s)}"
    )
    how = "; ".join(hints) if hints else "widen the request"
    return InputError(f"{head}; {nearest}; to widen: {how}")


def _climb_distances(scan: SegmentScan, near: tuple[float, float]) -> np.ndarray:
    """Straight-line distance from ``near`` to every maximal climb's nearest point."""
    key = ("dist", near)
    if key not in scan._cache:
        if len(scan._cache) > 64:  # a long-running process asks about many places
            scan._cache.clear()
        net = scan.net
        d_pt = haversine_m(net.prof_lon[scan.prof], net.prof_lat[scan.prof], near[0], near[1])
        a = np.minimum(scan.lo, scan.hi)
        n = np.abs(scan.hi - scan.lo) + 1
        if len(a) == 0:
            return np.zeros(0)
        # Concatenate every climb's point range, then one reduceat over the pieces.
        idx = np.arange(int(n.sum())) + np.repeat(a - (np.cumsum(n) - n), n)
        scan._cache[key] = np.minimum.reduceat(d_pt[idx], np.cumsum(n) - n)
    return scan._cache[key]


def check_segment(segment: Segment, dem: Any, *, spacing_m: float = 5.0) -> SegmentCheck:
    """Measure a segment on the DEM itself: net rise, mean and max grade.

    The network's profiles are smoothed; this samples the raster (bilinear)
    along the segment's geometry every ``spacing_m`` metres.

    Parameters
    ----------
    segment
        The segment.
    dem
        A :class:`routeplanner.sources.dem.Dem` covering the segment.
    spacing_m
        Sampling step along the segment.

    Returns
    -------
    SegmentCheck
    """
    d = segment.dist_m
    x = np.append(np.arange(0.0, float(d[-1]), spacing_m), float(d[-1]))
    lon = np.interp(x, d, segment.lon)
    lat = np.interp(x, d, segment.lat)
    z = np.asarray(dem.sample(lon, lat), dtype=np.float64)
    rise = float(z[-1] - z[0])
    length = float(d[-1])
    return SegmentCheck(
        rise_m=rise,
        mean_grade=abs(rise) / length if length > 0 else 0.0,
        max_grade=_max_grade_100(x, z),
    )


def _rank(segs: list[Segment]) -> list[Segment]:
    return sorted(
        segs,
        key=lambda s: (-round(s.fit, 1), s.distance_m or 0.0, -s.rise_m, s.id),
    )


def find_segments(
    net: Network,
    request: SegmentRequest,
    profile: pace.RunnerProfile,
    *,
    dem: Any = None,
    settings: ScanSettings | None = None,
    raise_if_none: bool = True,
) -> list[Segment]:
    """Climbs or descents that meet a request, best fit first, then nearest.

    Parameters
    ----------
    net
        The network.
    request
        Kind, grade window, minimum gain, minutes window, where and how many.
    profile
        Runner profile: running times, and the hardest difficulty allowed.
    dem
        Optional :class:`routeplanner.sources.dem.Dem`; when given, a segment is only
        reported if its mean grade measured on the raw DEM along its geometry
        also lies in the window (and it runs the right way).
    settings
        The maximal-climb rule (see :class:`ScanSettings`).
    raise_if_none
        Raise :class:`InputError` when nothing meets the request (else return []).

    Returns
    -------
    list of Segment
        At most ``request.limit``; overlapping stretches are not repeated.

    Raises
    ------
    InputError
        If nothing meets the request: the message names the nearest miss and
        how to widen the request.
    """
    scan = scan_segments(net, settings)
    ks = np.arange(scan.n_climbs)
    if request.near is not None and len(ks):
        dist = _climb_distances(scan, request.near)
        ks = ks[dist <= request.within_m]
    found: list[Segment] = []
    dem_rejected = 0
    lo, hi = request.grade
    for k in ks.tolist():
        for p_low, p_high in _fit_climb(scan, k, request, profile):
            seg = _make_segment(
                scan, request.kind, p_low, p_high, profile, window=request.grade, near=request.near
            )
            if seg.distance_m is not None and seg.distance_m > request.within_m:
                continue
            if seg.trail_share < request.min_trail_share - 1e-9:
                continue
            if dem is not None:
                chk = check_segment(seg, dem)
                sign_ok = (chk.rise_m > 0) == (request.kind == "climb")
                if not (sign_ok and lo <= chk.mean_grade <= hi):
                    dem_rejected += 1
                    continue
                seg = replace(seg, dem_check=chk)
            found.append(seg)
    if dem_rejected:
        log.info("%d segments left out: their grade on the DEM is outside the window", dem_rejected)
    if not found:
        if raise_if_none:
            raise _nothing_found(scan, request, profile, dem_rejected)
        return []
    return _rank(found)[: request.limit]


_ID_RE = re.compile(r"(?P<kind>[cd])(?P<chain>[0-9]+):(?P<a>[0-9]+)-(?P<b>[0-9]+)")


def parse_segment_id(segment_id: str) -> tuple[str, int, int, int]:
    """Split a segment id into ``(kind, chain, from_point, to_point)``.

    Parameters
    ----------
    segment_id
        ``c<chain>:<from>-<to>`` for a climb, ``d…`` for a descent.

    Returns
    -------
    tuple
        Kind (``"climb"`` or ``"descent"``) and three integers.

    Raises
    ------
    InputError
        If the id is malformed.

    Examples
    --------
    >>> parse_segment_id("c12:40-97")
    ('climb', 12, 40, 97)
    """
    m = _ID_RE.fullmatch(str(segment_id).strip().lower())
    if not m:
        raise InputError(
            f"invalid segment id {segment_id!r}: expected e.g. 'c12:40-97' "
            "(as listed by `routeplanner climbs` or `descents`)"
        )
    kind = "climb" if m["kind"] == "c" else "descent"
    return kind, int(m["chain"]), int(m["a"]), int(m["b"])


def segment_by_id(
    net: Network,
    segment_id: str,
    profile: pace.RunnerProfile,
    *,
    settings: ScanSettings | None = None,
    window: tuple[float, float] = DEFAULT_GRADE,
) -> Segment:
    """The segment with an id from an earlier listing (same network build).

    Parameters
    ----------
    net
        The network the id was made on.
    segment_id
        ``c<chain>:<from>-<to>`` for a climb, ``d…`` for a descent.
    profile
        Runner profile for the running time.
    settings
        Scan settings (chains do not depend on them).
    window
        Grade window for the segment's ``fit``.

    Returns
    -------
    Segment

    Raises
    ------
    InputError
        If the id is malformed, unknown on this network, or the stretch does
        not run the way its kind says.
    """
    kind, c, a, b = parse_segment_id(segment_id)
    scan = scan_segments(net, settings)
    if c >= scan.n_chains:
        raise InputError(f"unknown segment id {segment_id!r}: no chain {c} in this network")
    n = int(scan.offsets[c + 1] - scan.offsets[c])
    if a >= n or b >= n or a == b:
        raise InputError(f"unknown segment id {segment_id!r}: chain {c} has points 0-{n - 1}")
    p0, p1 = int(scan.offsets[c]) + a, int(scan.offsets[c]) + b
    z0, z1 = float(scan.ele[p0]), float(scan.ele[p1])
    if (z1 > z0) != (kind == "climb"):
        raise InputError(
            f"segment {segment_id!r} is not a {kind}: it runs from {z0:.0f} m to {z1:.0f} m"
        )
    p_low, p_high = (p0, p1) if kind == "climb" else (p1, p0)
    return _make_segment(scan, kind, p_low, p_high, profile, window=window)


def segment_route(
    net: Network, segment: Segment, profile: pace.RunnerProfile, *, name: str | None = None
) -> Route:
    """The segment as a :class:`~routeplanner.route.Route` (for GPX export).

    Parameters
    ----------
    net
        The network the segment was found on.
    segment
        The segment.
    profile
        Runner profile for the times.
    name
        Track name; defaults to the segment's label and id.

    Returns
    -------
    Route
        ``kind`` is the segment's kind.
    """
    return make_route(
        net,
        segment.steps,
        profile,
        name=name or f"{segment.kind.title()} {segment.id}: {segment.name}",
        kind=segment.kind,
    )


def segments_geojson(segments: Sequence[Segment], routes: Sequence[Route] = ()) -> dict[str, Any]:
    """An RFC 7946 FeatureCollection of segments (after any routes).

    Parameters
    ----------
    segments
        Segments, one LineString feature each with :meth:`Segment.properties`.
    routes
        Routes to put first (as :func:`routeplanner.output.export.feature_collection`).

    Returns
    -------
    dict
        The collection, with a ``bbox``.
    """
    from routeplanner.output import export

    feats = [s.feature(rank=i + 1) for i, s in enumerate(segments)]
    if routes:
        return export.feature_collection(routes, feats)
    coords = (
        np.concatenate([np.column_stack((s.lon, s.lat, s.ele)) for s in segments])
        if (segments)
        else np.zeros((0, 3))
    )
    out: dict[str, Any] = {"type": "FeatureCollection"}
    if len(coords):
        lo = np.round(coords.min(axis=0), 6)
        hi = np.round(coords.max(axis=0), 6)
        lo[2], hi[2] = round(float(coords[:, 2].min()), 1), round(float(coords[:, 2].max()), 1)
        out["bbox"] = [*lo.tolist(), *hi.tolist()]
    out["features"] = feats
    return out


def map_segment(segment: Segment, label: str | None = None) -> Any:
    """The segment as a :class:`routeplanner.output.maps.MapSegment` for route maps.

    Parameters
    ----------
    segment
        The segment.
    label
        Short code drawn on the map and in the list (default: the segment id).

    Returns
    -------
    routeplanner.output.maps.MapSegment
    """
    from routeplanner.output import maps

    sign = "+" if segment.kind == "climb" else "-"
    stats = {
        "length": f"{segment.length_m / 1000:.2f} km",
        "gain" if segment.kind == "climb" else "loss": f"{sign}{segment.rise_m:.0f} m",
        "mean grade": f"{segment.mean_grade:.0%}",
        "max grade (100 m)": f"{segment.max_grade:.0%}",
        "time": pace.format_duration(segment.duration_s),
        "difficulty": f"T{segment.hardest_sac}" if segment.hardest_sac else "untagged",
        "id": segment.id,
    }
    return maps.MapSegment(
        id=label or segment.id,
        kind=segment.kind,
        name=segment.name,
        lon=segment.lon,
        lat=segment.lat,
        ele=segment.ele,
        stats=stats,
    )
