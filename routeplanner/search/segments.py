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

import logging
import math
import re
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from routeplanner import pace
from routeplanner._geo import haversine_m
from routeplanner.errors import InputError
from routeplanner.network.model import Network
from routeplanner.route import Route, make_route
from routeplanner.search.segment import (
    KINDS,
    MAX_GRADE_WINDOW_M,
    Segment,
    SegmentCheck,
    check_segment,
    make_segment,
)
from routeplanner.search.segment_scan import ScanSettings, SegmentScan, scan_segments
from routeplanner.units import parse_minutes_window  # re-exported: the one parser

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
    "parse_minutes_window",
    "parse_segment_id",
    "scan_segments",
    "segment_by_id",
    "segment_route",
]

log = logging.getLogger(__name__)


#: Default grade window: from a grade that is clearly felt (8 %) to scrambling (50 %).
DEFAULT_GRADE: tuple[float, float] = (0.08, 0.50)


# A fitted stretch must climb at the window's low grade over its first and last
# this many metres, so a long gentle run-in cannot be used to reach the mean.
_END_CHECK_M = 50.0
# Above this many points a climb's candidate ends are thinned (fitting is O(n²)).
_MAX_FIT_POINTS = 360
_MAX_MINUTES = 24 * 60.0


# --------------------------------------------------------------------------- inputs


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


# --------------------------------------------------------------------------- segments


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
    out: list[tuple[int, int]] = []
    # Runs of allowed intervals: points [s, e] with every interval s..e-1 allowed.
    edges = np.diff(np.concatenate(([0], allowed.astype(np.int8), [0])))
    for s, e in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True):
        a, b = int(s), int(e)
        sub = _fit_run(d[a : b + 1] - d[a], z[a : b + 1], t[a : b + 1] - t[a], req)
        out.extend((int(pts[a + i]), int(pts[a + j])) for i, j in sub)
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
    """Return an error naming the nearest miss and how to widen the request."""
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
        seg = make_segment(
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
    ret: np.ndarray = scan._cache[key]
    return ret


def _rank(segs: list[Segment]) -> list[Segment]:
    # Nearest first (then best fit): a wider search only adds segments after those a
    # narrower one finds, so widening --within never drops a nearer segment.
    return sorted(
        segs,
        key=lambda s: (round(s.distance_m or 0.0, -1), -round(s.fit, 1), -s.rise_m, s.id),
    )


#: Requests (all but their reach) whose fitted climbs a scan keeps: one per trailhead and
#: kind, and one per kind for any start.
_KEPT_FITS = 6


def _placed(seg: Segment, near: tuple[float, float] | None) -> Segment:
    """Return ``seg`` with its distance from ``near`` (as :func:`make_segment` measures it)."""
    if near is None:
        return seg
    return replace(seg, distance_m=float(np.min(haversine_m(seg.lon, seg.lat, near[0], near[1]))))


def _fitted(
    scan: SegmentScan, request: SegmentRequest, profile: pace.RunnerProfile
) -> dict[int, list[Segment]]:
    """Return the segments fitted so far per maximal climb, for a request whatever its reach.

    A catalogue or a plan asks the same climbs from one start for several durations,
    which differ only in reach (``within_m``, ``limit``): a climb is fitted once for all
    of them. The latest few requests are kept.
    """
    key = ("fits", replace(request, within_m=1.0, limit=1), profile)
    kept: dict[Any, dict[int, list[Segment]]] = scan._cache.setdefault("fits", {})
    fits = kept.pop(key, None)
    if fits is None:
        fits = {}
        while len(kept) >= _KEPT_FITS:
            del kept[next(iter(kept))]
    kept[key] = fits  # latest last
    return fits


def find_segments(
    net: Network,
    request: SegmentRequest,
    profile: pace.RunnerProfile,
    *,
    dem: Any = None,
    settings: ScanSettings | None = None,
    raise_if_none: bool = True,
) -> list[Segment]:
    """Climbs or descents that meet a request, nearest first, then best fit.

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
    fitted = _fitted(scan, request, profile)
    # Fitting does not depend on where the request stands: the climbs a start shares with
    # others are fitted once for all (only their distance is this start's own).
    anywhere = _fitted(scan, replace(request, near=None), profile)
    for k in ks.tolist():
        if k not in fitted:
            if k not in anywhere:
                anywhere[k] = [
                    make_segment(scan, request.kind, a, b, profile, window=request.grade)
                    for a, b in _fit_climb(scan, k, request, profile)
                ]
            fitted[k] = [_placed(seg, request.near) for seg in anywhere[k]]
        for seg in fitted[k]:
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


# at most 18 digits a number: an id of thousands would not even convert to an int
_ID_RE = re.compile(r"(?P<kind>[cd])(?P<chain>[0-9]{1,18}):(?P<a>[0-9]{1,18})-(?P<b>[0-9]{1,18})")


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
    """Return the segment with an id from an earlier listing (same network build).

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
    return make_segment(scan, kind, p_low, p_high, profile, window=window)


def segment_route(
    net: Network, segment: Segment, profile: pace.RunnerProfile, *, name: str | None = None
) -> Route:
    """Return the segment as a :class:`~routeplanner.route.Route` (for GPX export).

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
