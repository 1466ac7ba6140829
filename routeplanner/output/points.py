"""Named points along a route for devices: climbs, descents, regroup points, water, bail-outs.

GPX waypoints and FIT course points are both made from :class:`RoutePoint`.
The climbs and descents of a route come from its own elevation profile
(:func:`profile_points`); other features pass their own points (regroup points,
water, bail-outs) made with :func:`point_at` or :func:`point_near`.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from routeplanner.errors import InputError
from routeplanner.route import Route

if TYPE_CHECKING:
    from routeplanner.safety.sheet import SafetySheet

__all__ = [
    "POINT_KINDS",
    "RoutePoint",
    "point_at",
    "point_near",
    "profile_points",
    "route_points",
    "safety_points",
    "track_arrays",
]

#: Kind of point → (FIT ``course_point`` type, GPX ``<sym>`` as Garmin devices name it).
POINT_KINDS: dict[str, tuple[str, str]] = {
    "climb": ("steep_incline", "Summit"),
    "summit": ("summit", "Summit"),
    "descent": ("info", "Flag, Red"),
    "regroup": ("meeting_spot", "Flag, Blue"),
    "water": ("water", "Drinking Water"),
    "bailout": ("alert", "Exit"),
    "checkpoint": ("checkpoint", "Flag, Green"),
    "generic": ("generic", "Waypoint"),
}

_MIN_CLIMB_M = 50.0  # smallest gain (or loss) that makes a climb (or descent) worth a point
_REVERSAL_M = 15.0  # a climb ends where the profile drops this much below its top


class RoutePoint(NamedTuple):
    """A named point on a route.

    Attributes
    ----------
    name : str
        Label shown on the device (untrusted text is cleaned by the writers).
    kind : str
        One of :data:`POINT_KINDS`.
    lon, lat : float
        Position in degrees.
    at_m : float
        Distance along the route, metres.
    """

    name: str
    kind: str
    lon: float
    lat: float
    at_m: float


def point_at(route: Route, at_m: float, *, name: str, kind: str) -> RoutePoint:
    """Make a point ``at_m`` metres along ``route`` (clamped to its length).

    Parameters
    ----------
    route
        The route.
    at_m
        Distance along the route.
    name, kind
        Label and kind (one of :data:`POINT_KINDS`).

    Returns
    -------
    RoutePoint
        The point, its position interpolated along the route.

    Raises
    ------
    InputError
        If ``kind`` is unknown or ``at_m`` is not finite.
    """
    if kind not in POINT_KINDS:
        raise InputError(f"unknown point kind {kind!r}: use one of {', '.join(POINT_KINDS)}")
    if not math.isfinite(at_m):
        raise InputError(f"invalid distance along the route {at_m!r}")
    dist = np.asarray(route.dist_m, dtype=np.float64)
    d = min(max(float(at_m), float(dist[0])), float(dist[-1]))
    lon = float(np.interp(d, dist, route.lon))
    lat = float(np.interp(d, dist, route.lat))
    return RoutePoint(name, kind, lon, lat, d)


def point_near(
    route: Route, lon: float, lat: float, *, name: str, kind: str, within_m: float = 100.0
) -> RoutePoint | None:
    """Place a point given by position on the route, where the route first passes nearest.

    Parameters
    ----------
    route
        The route.
    lon, lat
        Position in degrees.
    name, kind
        Label and kind (one of :data:`POINT_KINDS`).
    within_m
        The route must pass this close.

    Returns
    -------
    RoutePoint or None
        The point at the route's nearest pass, or None if it passes farther away.
    """
    k = math.cos(math.radians(lat)) * 111_320.0
    dx = (np.asarray(route.lon, dtype=np.float64) - lon) * k
    dy = (np.asarray(route.lat, dtype=np.float64) - lat) * 110_540.0
    d2 = dx * dx + dy * dy
    i = int(np.argmin(d2))
    if math.sqrt(float(d2[i])) > within_m:
        return None
    return RoutePoint(name, kind, float(lon), float(lat), float(route.dist_m[i]))


def safety_points(route: Route, sheet: SafetySheet) -> list[RoutePoint]:
    """Make course points for the water and bail-outs of a route's safety sheet.

    Each point sits on the route at the place's ``along_m`` (where the route
    passes it), so a watch announces it on the course.

    Parameters
    ----------
    route
        The route the sheet was made for.
    sheet
        Its safety sheet.

    Returns
    -------
    list of RoutePoint
        ``water`` points named "Water: <name or kind>" and ``bailout`` points
        named "Bail-out: <name or kind>" (control and direction characters of
        OSM names removed), sorted by distance along the route.
    """
    from routeplanner.safety.sheet import clean_text

    out = [
        point_at(route, p.along_m, name=clean_text(f"Water: {p.name or p.kind}"), kind="water")
        for p in sheet.water
    ]
    out += [
        point_at(route, b.along_m, name=clean_text(f"Bail-out: {b.name or b.kind}"), kind="bailout")
        for b in sheet.bailouts
    ]
    return sorted(out, key=lambda p: p.at_m)


def _turning_points(ele: np.ndarray, reversal_m: float) -> list[int]:
    """Find the alternating lows and highs of a profile, ignoring wiggles < ``reversal_m``."""
    turns: list[int] = []
    lo = hi = 0
    trend = 0  # +1 climbing, -1 descending, 0 not yet known
    for i in range(1, len(ele)):
        if ele[i] > ele[hi]:
            hi = i
        if ele[i] < ele[lo]:
            lo = i
        if trend <= 0 and ele[i] - ele[lo] >= reversal_m:
            turns.append(lo)
            trend, hi = 1, i
        elif trend >= 0 and ele[hi] - ele[i] >= reversal_m:
            turns.append(hi)
            trend, lo = -1, i
    if trend:
        turns.append(hi if trend > 0 else lo)
    return turns


def profile_points(
    route: Route, *, min_gain_m: float = _MIN_CLIMB_M, reversal_m: float = _REVERSAL_M
) -> list[RoutePoint]:
    """Points at the foot of every climb and the top of every descent of a route.

    A climb runs from a low to the next high of the profile, where highs and
    lows are turning points that reverse by at least ``reversal_m``; it counts
    if it gains at least ``min_gain_m``.  Descents likewise.

    Parameters
    ----------
    route
        The route.
    min_gain_m
        Smallest gain or loss that makes a point.
    reversal_m
        Smallest reversal that ends a climb or a descent.

    Returns
    -------
    list of RoutePoint
        ``climb`` points named like ``"Climb 2: +230 m, 2.1 km"`` and
        ``descent`` points like ``"Descent 1: -310 m, 3.0 km"``, in route order.
    """
    ele = np.asarray(route.ele, dtype=np.float64)
    dist = np.asarray(route.dist_m, dtype=np.float64)
    if len(ele) < 2 or not np.isfinite(ele).all():
        return []
    turns = _turning_points(ele, reversal_m)
    out: list[RoutePoint] = []
    counts = {"climb": 0, "descent": 0}
    for a, b in itertools.pairwise(turns):
        change = float(ele[b] - ele[a])
        if abs(change) < min_gain_m:
            continue
        kind = "climb" if change > 0 else "descent"
        counts[kind] += 1
        length_km = (dist[b] - dist[a]) / 1000.0
        name = f"{kind.title()} {counts[kind]}: {change:+.0f} m, {length_km:.1f} km"
        out.append(RoutePoint(name, kind, float(route.lon[a]), float(route.lat[a]), float(dist[a])))
    return out


def route_points(
    route: Route, extra: Iterable[RoutePoint] = (), *, climbs: bool = True
) -> list[RoutePoint]:
    """All points of a route for a device: climbs and descents, its own points, ``extra``.

    Parameters
    ----------
    route
        The route; the :class:`RoutePoint` s in its ``points`` attribute, if it has
        one (set by the features that found them: water, bail-outs…), are included.
    extra
        Points from other features (regroup points, water, bail-outs…).
    climbs
        Include :func:`profile_points`.

    Returns
    -------
    list of RoutePoint
        Sorted by distance along the route.

    Raises
    ------
    InputError
        If an extra point has an unknown kind.
    """
    own: Sequence[RoutePoint] = getattr(route, "points", ())
    points: Sequence[RoutePoint] = [
        *(profile_points(route) if climbs else []),
        *own,
        *extra,
    ]
    for p in points:
        if p.kind not in POINT_KINDS:
            raise InputError(f"unknown point kind {p.kind!r}: use one of {', '.join(POINT_KINDS)}")
    return sorted(points, key=lambda p: p.at_m)


def track_arrays(route: Route) -> tuple[np.ndarray, ...]:
    """Give a route's points as float arrays: lat, lon, ele, distance (m), time (s)."""
    return tuple(
        np.asarray(a, dtype=np.float64)
        for a in (route.lat, route.lon, route.ele, route.dist_m, route.time_s)
    )
