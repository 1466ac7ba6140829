"""A climb or descent as a result: its geometry, numbers and the DEM's check of them."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from routeplanner import pace
from routeplanner._geo import haversine_m
from routeplanner.route import Step
from routeplanner.search.segment_scan import SegmentScan
from routeplanner.terrain import max_grade

__all__ = [
    "KINDS",
    "MAX_GRADE_WINDOW_M",
    "Segment",
    "SegmentCheck",
    "check_segment",
    "make_segment",
]

log = logging.getLogger(__name__)


KINDS: tuple[str, ...] = ("climb", "descent")


#: Horizontal distance over which ``max_grade`` and the fit's local grades are measured.
MAX_GRADE_WINDOW_M = 100.0


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

    def summary_line(self) -> str:
        """One line of numbers for text output."""
        verb = "+" if self.kind == "climb" else "-"
        near = f", {self.distance_m / 1000:.1f} km away" if self.distance_m is not None else ""
        return (
            f"{self.length_m / 1000:.2f} km, {verb}{self.rise_m:.0f} m, "
            f"mean {self.mean_grade:.0%}, max {self.max_grade:.0%} (100 m), "
            f"{pace.format_duration(self.duration_s)}{near}"
        )


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


def make_segment(
    scan: SegmentScan,
    kind: str,
    p_low: int,
    p_high: int,
    profile: pace.RunnerProfile,
    *,
    window: tuple[float, float],
    near: tuple[float, float] | None = None,
) -> Segment:
    """Return a :class:`Segment` from chain points ``p_low`` (bottom) to ``p_high`` (top)."""
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
        max_grade=max_grade(dist, ele, window_m=MAX_GRADE_WINDOW_M),
        duration_s=duration,
        names=tuple(names),
        hardest_sac=int(net.edge_sac[seq].max()),
        surfaces=surfaces,
        trail_share=trail / length if length > 0 else 0.0,
        fit=_in_window_share(dist, ele, lo, hi),
        distance_m=distance,
    )


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
        max_grade=max_grade(x, z, window_m=MAX_GRADE_WINDOW_M),
    )
