"""Safe scouting: no planned leg over a slope limit; steep legs found and placed.

Off the network a hiker is on whatever the DEM says the ground is. A
cross-country leg (a straight line from a way to a line's end) and a line
walked along its own course are judged by the steepest 50 m of DEM slope they
cross (Horn's method, sampled every 10 m). Beyond :data:`SAFE_SLOPE_DEG` (30°,
where a slip on grass or scree becomes a fall) a leg is not planned unless the
limit is raised; at the default limit trails graded beyond T4 (SAC T5/T6) are
not used either. When a limit is raised, every leg beyond the defaults is
listed as a :class:`SteepLeg`, with where it runs along the route, so maps can
draw it in red.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from routeplanner import pace
from routeplanner._geo import haversine_m
from routeplanner.network.model import Network, Snap
from routeplanner.search.scout_legs import Leg
from routeplanner.skilines.lines import SkiLine
from routeplanner.sources.dem import Dem
from routeplanner.terrain import sample_slope

__all__ = [
    "SAFE_SLOPE_DEG",
    "SAFE_TRAIL_SAC",
    "SteepLeg",
    "deg_text",
    "safe_profile",
    "spur_slopes",
    "steep_legs",
    "steepest_50m_deg",
    "too_steep_reason",
]

#: Default limit of off-trail terrain (degrees over 50 m): beyond it a slip is a fall.
SAFE_SLOPE_DEG: float = 30.0
#: Hardest trail grade (SAC T4) planned while the slope limit is at its default.
SAFE_TRAIL_SAC: int = 4
# Sample spacing of the slope check along a cross-country leg.
_SAMPLE_M = 10.0


class SteepLeg(NamedTuple):
    """A planned leg steeper than :data:`SAFE_SLOPE_DEG` (or on a trail beyond T4).

    Attributes
    ----------
    label : str
        What the leg is ("cross-country to the top of …").
    slope_max_deg : float
        Steepest 50 m of terrain slope; NaN for a trail leg beyond T4.
    start_m, end_m : float
        Where the leg runs along the route.
    """

    label: str
    slope_max_deg: float
    start_m: float
    end_m: float

    def as_dict(self) -> dict[str, Any]:
        """Return JSON-ready values."""
        deg = self.slope_max_deg
        return {
            "leg": self.label,
            "slope_max_deg": round(deg, 1) if math.isfinite(deg) else None,
            "start_m": round(self.start_m, 1),
            "end_m": round(self.end_m, 1),
        }


def deg_text(deg: float) -> str:
    """Word a steep leg's slope ("34.2°, over 30°", or "beyond T4" for a trail)."""
    return f"{deg:.1f}°, over {SAFE_SLOPE_DEG:.0f}°" if math.isfinite(deg) else "beyond T4"


def safe_profile(profile: pace.RunnerProfile, max_slope_deg: float) -> pace.RunnerProfile:
    """Return ``profile`` limited to T4 trails while the slope limit is at its default."""
    if max_slope_deg <= SAFE_SLOPE_DEG and profile.max_difficulty > SAFE_TRAIL_SAC:
        return dataclasses.replace(profile, max_difficulty=SAFE_TRAIL_SAC)
    return profile


def steepest_50m_deg(dem: Dem, lon: np.ndarray, lat: np.ndarray) -> float:
    """Return the steepest 50 m mean terrain slope along points sampled 10 m apart."""
    slope, _ = sample_slope(dem, lon, lat)
    slope = np.nan_to_num(np.asarray(slope, dtype=np.float64), nan=0.0)
    k = min(len(slope), 5)
    return float(np.convolve(slope, np.full(k, 1.0 / k), mode="valid").max())


def spur_slopes(
    dem: Dem, snaps: Sequence[Snap | None], ends: Sequence[tuple[float, float]], min_m: float
) -> np.ndarray:
    """Return, per trip point, the steepest 50 m of the straight leg from its snap to it.

    Points at most ``min_m`` from their snap (no leg) and unsnapped points get 0.
    """
    out = np.zeros(len(snaps))
    for k, s in enumerate(snaps):
        if k == 0 or s is None or s.distance_m <= min_m:
            continue
        lon1, lat1 = ends[k]
        length = float(haversine_m(s.lon, s.lat, lon1, lat1))
        t = np.linspace(0.0, 1.0, max(1, math.ceil(length / _SAMPLE_M)) + 1)
        out[k] = steepest_50m_deg(dem, s.lon + t * (lon1 - s.lon), s.lat + t * (lat1 - s.lat))
    return out


def too_steep_reason(
    line: SkiLine, i: int, leg_slope: np.ndarray, max_slope_deg: float
) -> str | None:
    """Say why line ``i`` is beyond the slope limit, or None if the limit is not why."""
    parts = [
        f"the way to its {'bottom' if k % 2 == 1 else 'top'} crosses {leg_slope[k]:.1f}° terrain"
        for k in (1 + 2 * i, 2 + 2 * i)
        if leg_slope[k] > max_slope_deg
    ]
    if float(line.stats.slope_max_deg) > max_slope_deg:
        parts.append(f"the line itself is {line.stats.slope_max_deg:.1f}° at its steepest")
    if not parts:
        return None
    return ", ".join(parts) + f" (limit {max_slope_deg:.0f}°; raise --max-slope to plan it anyway)"


def steep_legs(
    legs: Sequence[Leg],
    leg_ends: Sequence[tuple[float, float]],
    leg_slope: np.ndarray,
    ends: Sequence[tuple[float, float]],
    net: Network,
) -> list[SteepLeg]:
    """List the legs steeper than :data:`SAFE_SLOPE_DEG` or on trails beyond T4.

    Parameters
    ----------
    legs
        The trip's legs, in order.
    leg_ends
        ``(distance, time)`` along the route at the end of every leg.
    leg_slope
        Per trip point, from :func:`spur_slopes`.
    ends
        The trip's points (the ends of cross-country legs).
    net
        The network (SAC grades of the trail legs).

    Returns
    -------
    list of SteepLeg
    """
    by_end = {tuple(ends[k]): k for k in range(1, len(ends))}
    starts = [0.0, *(float(d) for d, _ in leg_ends[:-1])]
    out = []
    for j, leg in enumerate(legs):
        deg: float | None = None
        label = leg.label
        if leg.off is not None:
            k = by_end.get((leg.off[2], leg.off[3]), by_end.get((leg.off[0], leg.off[1])))
            if k is not None and leg_slope[k] > SAFE_SLOPE_DEG:
                deg = float(leg_slope[k])
        elif leg.line is not None:
            if float(leg.line.stats.slope_max_deg) > SAFE_SLOPE_DEG:
                deg = float(leg.line.stats.slope_max_deg)
        elif any(int(net.edge_sac[st.edge]) > SAFE_TRAIL_SAC for st in leg.steps):
            deg, label = math.nan, f"{leg.label} (trail beyond T4)"
        if deg is not None:
            out.append(SteepLeg(label, deg, starts[j], float(leg_ends[j][0])))
    return out
