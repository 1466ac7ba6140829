"""Summer scouting trips: on foot from a trailhead to one or several ski lines and back.

For every line the trip either *walks the line* or *visits its ends*:

* Both ends are snapped to the network (an end farther than ``max_offtrail_m``
  from every way is an error). The fastest way on the network between the two
  snapped ends is found in each direction. If it stays within ``near_m`` of at
  least ``walk_share`` of the line and is not much longer than it, the line can
  be walked, and the trip walks it up or down.
* Otherwise the trip visits the bottom and the top one after the other, along
  the fastest way between them.
* A line gentle enough to hike (``slope_max_deg`` at most
  ``max_walk_slope_deg``) may also be walked along its own course, off the
  network: up, down, or up and back down (for a line whose far end is beyond
  reach of any way). Graded pistes are timed with :data:`PISTE_FACTOR`
  (grass), other lines with :data:`OFFTRAIL_FACTOR`.
* An end more than 25 m from its snapped point is reached by a cross-country
  leg: a straight line over the DEM, timed by the pace model times
  :data:`OFFTRAIL_FACTOR`. An end beyond ``max_offtrail_m`` can only be
  reached along the line itself.

Paths are the cheapest under the search preferences (trails preferred to
roads, as for loops); the reported times are the pace model's real times.
The order of the lines and the way each is visited (up or down, bottom or top
first, through or out and back) are chosen to minimise the total time: every
order is tried for up to :data:`BRUTE_FORCE_MAX` lines (for a fixed order the
best ways of visiting follow exactly from a small dynamic programme over the
point where each visit ends); beyond that, nearest neighbour then 2-opt and
single-line moves.

Daylight needed is ``(moving time + stops) * (1 + reserve)``: a stop at each
line (looking, photos, notes) and a reserve for rests and route finding. Given
a date, sunrise and sunset (NOAA's solar-position approximation, sun's upper
limb with standard refraction, about a minute of error) say by when to start.
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
from scipy.sparse.csgraph import dijkstra

from routeplanner import pace
from routeplanner.errors import CoverageError, InputError, NoRouteError
from routeplanner.network.model import Network, Snap, haversine_m
from routeplanner.route import (
    Cue,
    Route,
    RouteStats,
    Step,
    make_route,
    max_grade,
    overlap_m,
    step_points,
)
from routeplanner.search.graph import Preferences, SearchGraph
from routeplanner.skilines.lines import SkiLine
from routeplanner.sources.dem import Dem, sample_slope

__all__ = [
    "BRUTE_FORCE_MAX",
    "DEMO_SCOUT",
    "HIKING_PROFILE",
    "MAX_LINES",
    "OFFTRAIL_FACTOR",
    "PISTE_FACTOR",
    "SAFE_SLOPE_DEG",
    "SAFE_TRAIL_SAC",
    "LineVisit",
    "ScoutPlan",
    "ScoutRequest",
    "SteepLeg",
    "SunTimes",
    "demo_scouting",
    "map_segments",
    "plan_scouting",
    "plan_text",
    "scout_map",
    "sun_times",
]

log = logging.getLogger(__name__)

#: Cross-country on pathless summer ground (grass, scree): the SAC T3 time factor.
OFFTRAIL_FACTOR: float = pace.SAC_FACTORS[3]
#: Walking up or down a graded downhill or nordic piste in summer: grass (as pace.py).
PISTE_FACTOR: float = pace.SURFACE_FACTORS["grass"]
#: Tobler's hiking function at its own flat speed (5.04 km/h = 11:55 /km).
HIKING_PROFILE = pace.RunnerProfile(flat_pace_s_per_km=715.0, model="tobler", max_difficulty=6)
#: Default limit of off-trail terrain (degrees over 50 m): beyond it a slip is a fall.
SAFE_SLOPE_DEG: float = 30.0
#: Hardest trail grade (SAC T4) planned while the slope limit is at its default.
SAFE_TRAIL_SAC: int = 4
#: Orders and directions are tried exhaustively up to this many lines.
BRUTE_FORCE_MAX = 6
#: Most lines one trip may visit.
MAX_LINES = 12
# Ends closer than this to their snapped point need no cross-country leg.
_SPUR_MIN_M = 25.0
# Sample spacing of cross-country legs and of the walked-line check.
_OFF_SAMPLE_M = 10.0
_CHECK_SAMPLE_M = 25.0

#: The demo trip: from Soldeu village to two Grandvalira pistes, mid-July.
DEMO_SCOUT: dict[str, Any] = {
    "start": (1.6675, 42.5765),
    "lines": ("osm:48928233", "osm:48928226"),
    "date": date(2024, 7, 15),
    "tz": "Europe/Andorra",
}


class SteepLeg(NamedTuple):
    """A leg of a plan steeper than :data:`SAFE_SLOPE_DEG` (or on a trail beyond T4).

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


@dataclass(frozen=True)
class ScoutRequest:
    """Options of a scouting trip.

    Attributes
    ----------
    stop_s : float
        Time spent at each line, counted in the daylight needed.
    near_m : float
        A line sample this close to the path between its ends counts as walked.
    walk_share : float
        Share of the line that must be walked for "walk the line".
    max_offtrail_m : float
        Farthest a line end may be from the network.
    reserve : float
        Extra share of the time for rests and route finding in the daylight needed.
    max_snap_m : float
        Farthest the start may be from the network.
    max_walk_slope_deg : float
        A line whose steepest 50 m (``slope_max_deg``) is at most this may be
        walked cross-country along its own course; steeper lines are
        scrambling terrain in summer, so only their ends are visited.
    max_slope_deg : float
        No planned off-trail leg (cross-country or along a line) may cross
        terrain steeper than this over 50 m; trails beyond T4 are left out too
        unless this is raised above :data:`SAFE_SLOPE_DEG`. A line that can only
        be reached beyond the limit is left out of the plan, which says why.
    """

    stop_s: float = 15 * 60.0
    near_m: float = 40.0
    walk_share: float = 0.8
    max_offtrail_m: float = 1000.0
    reserve: float = 0.2
    max_snap_m: float = 500.0
    max_walk_slope_deg: float = 35.0
    max_slope_deg: float = 30.0

    def __post_init__(self) -> None:
        checks = (
            ("stop_s", self.stop_s, 0.0, 4 * 3600.0),
            ("near_m", self.near_m, 1.0, 500.0),
            ("walk_share", self.walk_share, 0.0, 1.0),
            ("max_offtrail_m", self.max_offtrail_m, 0.0, 10_000.0),
            ("reserve", self.reserve, 0.0, 2.0),
            ("max_snap_m", self.max_snap_m, 1.0, 10_000.0),
            ("max_walk_slope_deg", self.max_walk_slope_deg, 0.0, 90.0),
            ("max_slope_deg", self.max_slope_deg, 5.0, 90.0),
        )
        for name, value, lo, hi in checks:
            if not (isinstance(value, (int, float)) and lo <= value <= hi):
                raise InputError(f"{name} {value!r} out of range: use {lo:g} to {hi:g}")


class SunTimes(NamedTuple):
    """Sunrise and sunset on a day, and what they mean for a trip.

    Attributes
    ----------
    day : datetime.date
        The date.
    sunrise, sunset : datetime or None
        Aware datetimes in the requested zone; None when the sun does not rise
        or set that day (polar day or night).
    day_length_s : float
        Time between sunrise and sunset (86400 or 0 at the poles' extremes).
    latest_start : datetime or None
        Sunset minus the daylight needed; None if there is no sunset.
    fits : bool
        Whether the daylight needed fits between sunrise and sunset.
    """

    day: date
    sunrise: datetime | None
    sunset: datetime | None
    day_length_s: float
    latest_start: datetime | None
    fits: bool


@dataclass(frozen=True)
class LineVisit:
    """One line of a trip, in visiting order.

    Attributes
    ----------
    line_id, name : str
        The line.
    mode : str
        ``"walk up"`` / ``"walk down"`` (on ways that follow the line),
        ``"walk up off-trail"`` / ``"walk down off-trail"`` (along the line
        itself), ``"walk up and back down"`` / ``"walk down and back up"``
        (along the line, out and back), or ``"bottom, then top"`` /
        ``"top, then bottom"`` (its ends visited, on ways between them).
    walked : bool
        Whether the trip walks the line itself (on ways or off-trail).
    arrive_s, leave_s : float
        Moving time from the start to reaching the first end and to leaving
        the last end.
    arrive_elapsed_s : float
        ``arrive_s`` plus the stops at the lines before.
    arrive_m, leave_m : float
        Distance along the route at the same moments.
    offtrail_m : float
        Cross-country distance of the legs to this line's ends (there and back).
    """

    line_id: str
    name: str
    mode: str
    walked: bool
    arrive_s: float
    leave_s: float
    arrive_elapsed_s: float
    arrive_m: float
    leave_m: float
    offtrail_m: float

    def as_dict(self) -> dict[str, Any]:
        """Rounded values for JSON output."""
        return {
            "id": self.line_id,
            "name": self.name,
            "mode": self.mode,
            "walked": self.walked,
            "arrive_s": round(self.arrive_s, 1),
            "leave_s": round(self.leave_s, 1),
            "arrive_elapsed_s": round(self.arrive_elapsed_s, 1),
            "arrive_m": round(self.arrive_m, 1),
            "leave_m": round(self.leave_m, 1),
            "offtrail_m": round(self.offtrail_m, 1),
        }


@dataclass(frozen=True, eq=False)
class ScoutPlan:
    """A scouting trip: the route, the lines in visiting order and the timings.

    Attributes
    ----------
    route : Route
        The whole trip from the start and back, cross-country legs included
        (its ``steps`` hold only the network part).
    lines : tuple of SkiLine
        The lines in visiting order.
    visits : tuple of LineVisit
        Timings per line, same order.
    moving_s : float
        Moving time (the route's duration).
    stops_s : float
        Time stopped at the lines.
    daylight_needed_s : float
        ``(moving_s + stops_s) * (1 + reserve)``.
    order_method : str
        ``"brute force"`` or ``"nearest neighbour + 2-opt"``.
    sun : SunTimes or None
        Sunrise/sunset when a date was given.
    warnings : tuple of str
        Cross-country legs, and a trip longer than the day's daylight.
    left_out : tuple of (str, str)
        Lines left out as (name, reason): reachable only over terrain steeper
        than the slope limit or along trails beyond T4.
    steep_legs : tuple of SteepLeg
        Legs steeper than :data:`SAFE_SLOPE_DEG`, or on trails beyond T4, that
        the plan does use (only when the limit was raised).
    """

    route: Route
    lines: tuple[SkiLine, ...]
    visits: tuple[LineVisit, ...]
    moving_s: float
    stops_s: float
    daylight_needed_s: float
    order_method: str
    sun: SunTimes | None = None
    warnings: tuple[str, ...] = field(default_factory=tuple)
    left_out: tuple[tuple[str, str], ...] = ()
    steep_legs: tuple[SteepLeg, ...] = ()

    def summary(self) -> dict[str, Any]:
        """JSON-ready summary of the trip."""
        out: dict[str, Any] = {
            "distance_m": round(self.route.stats.distance_m, 1),
            "moving_s": round(self.moving_s, 1),
            "stops_s": round(self.stops_s, 1),
            "daylight_needed_s": round(self.daylight_needed_s, 1),
            "ascent_m": round(self.route.stats.ascent_m, 1),
            "descent_m": round(self.route.stats.descent_m, 1),
            "pace_model": self.route.profile.model,
            "flat_pace": pace.format_pace(self.route.profile.flat_pace_s_per_km),
            "order_method": self.order_method,
            "visits": [v.as_dict() for v in self.visits],
        }
        if self.sun is not None:
            s = self.sun
            out["sun"] = {
                "date": s.day.isoformat(),
                "sunrise": s.sunrise.isoformat(timespec="minutes") if s.sunrise else None,
                "sunset": s.sunset.isoformat(timespec="minutes") if s.sunset else None,
                "day_length_s": round(s.day_length_s, 1),
                "latest_start": (
                    s.latest_start.isoformat(timespec="minutes") if s.latest_start else None
                ),
                "fits": s.fits,
            }
        if self.warnings:
            out["warnings"] = list(self.warnings)
        out["left_out"] = [{"name": n, "reason": r} for n, r in self.left_out]
        out["steep_legs"] = [leg.as_dict() for leg in self.steep_legs]
        return out


# -- sun ----------------------------------------------------------------------------


def sun_times(lon: float, lat: float, day: date, tz: tzinfo = timezone.utc) -> SunTimes:
    """Sunrise and sunset (NOAA general solar position approximation).

    Uses the fractional-year series for the equation of time and declination,
    and a zenith of 90.833° (upper limb, standard refraction).

    Parameters
    ----------
    lon, lat
        Place in degrees.
    day
        Calendar date (UTC day of the computation).
    tz
        Zone of the returned times.

    Returns
    -------
    SunTimes
        With ``latest_start`` None and ``fits`` True (no trip yet).

    Examples
    --------
    >>> s = sun_times(0.0, 0.0, date(2024, 3, 20))
    >>> round(s.day_length_s / 3600, 2)
    12.11
    """
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise InputError(f"coordinates out of range: {lat},{lon}")
    doy = day.timetuple().tm_yday
    days_in_year = (
        366 if (day.year % 4 == 0 and day.year % 100 != 0) or day.year % 400 == 0 else 365
    )
    g = 2 * math.pi / days_in_year * (doy - 1)  # fractional year at 12:00 UTC
    eqtime = 229.18 * (
        0.000075
        + 0.001868 * math.cos(g)
        - 0.032077 * math.sin(g)
        - 0.014615 * math.cos(2 * g)
        - 0.040849 * math.sin(2 * g)
    )
    decl = (
        0.006918
        - 0.399912 * math.cos(g)
        + 0.070257 * math.sin(g)
        - 0.006758 * math.cos(2 * g)
        + 0.000907 * math.sin(2 * g)
        - 0.002697 * math.cos(3 * g)
        + 0.00148 * math.sin(3 * g)
    )
    phi = math.radians(lat)
    cos_ha = math.cos(math.radians(90.833)) / (math.cos(phi) * math.cos(decl)) - math.tan(
        phi
    ) * math.tan(decl)
    midnight = datetime(day.year, day.month, day.day, tzinfo=timezone.utc)
    if cos_ha <= -1.0:  # sun never sets
        return SunTimes(day, None, None, 86400.0, None, True)
    if cos_ha >= 1.0:  # sun never rises
        return SunTimes(day, None, None, 0.0, None, False)
    ha = math.degrees(math.acos(cos_ha))
    rise_min = 720.0 - 4.0 * (lon + ha) - eqtime
    set_min = 720.0 - 4.0 * (lon - ha) - eqtime
    sunrise = (midnight + timedelta(minutes=rise_min)).astimezone(tz)
    sunset = (midnight + timedelta(minutes=set_min)).astimezone(tz)
    return SunTimes(day, sunrise, sunset, (set_min - rise_min) * 60.0, None, True)


# -- paths --------------------------------------------------------------------------


class _Path(NamedTuple):
    time_s: float
    steps: tuple[Step, ...]


class _Paths:
    """Fastest network paths between snapped points, one Dijkstra per source."""

    def __init__(self, net: Network, profile: pace.RunnerProfile, prefs: Preferences) -> None:
        self.net = net
        self.profile = profile
        self.prefs = prefs
        self.edge_factor = prefs.edge_factor(net)

    def tree(self, src: Snap) -> tuple[SearchGraph, np.ndarray, np.ndarray]:
        g = SearchGraph(self.net, self.profile, src, self.prefs)
        factor = np.concatenate([g.factor, g.factor])
        dist, pred = dijkstra(
            g.matrix(g.arc_time * factor), indices=g.start_node, return_predecessors=True
        )
        return g, dist, pred

    def path(self, src: Snap, tree: tuple[SearchGraph, np.ndarray, np.ndarray], dst: Snap) -> _Path:
        g, dist, pred = tree
        net = self.net
        e, o = dst.edge, dst.offset_m
        length = float(net.edge_length_m[e])
        f = float(self.edge_factor[e])
        best: tuple[float, int, Step | None] = (math.inf, -1, None)
        # An edge beyond the profile's difficulty may only be touched at its ends.
        banned = int(net.edge_sac[e]) > self.profile.max_difficulty
        if src.edge == e and not (banned and abs(o - src.offset_m) > 1e-6):
            t = net.partial_time_s(e, src.offset_m, o, self.profile)
            best = (t * f, -1, Step(e, src.offset_m, o))
        for node, start_m in ((int(net.edge_u[e]), 0.0), (int(net.edge_v[e]), length)):
            if not np.isfinite(dist[node]) or (banned and abs(o - start_m) > 1e-6):
                continue
            t = net.partial_time_s(e, start_m, o, self.profile)
            cost = float(dist[node]) + t * f
            if cost < best[0]:
                best = (cost, node, Step(e, start_m, o))
        cost, node, last = best
        if not math.isfinite(cost) or last is None:
            return _Path(math.inf, ())
        steps: list[Step] = []
        if node >= 0:
            nodes = [node]
            while nodes[-1] != g.start_node:
                p = int(pred[nodes[-1]])
                if p < 0:
                    return _Path(math.inf, ())
                nodes.append(p)
            nodes.reverse()
            if len(nodes) > 1:
                arcs = g.arc_between(np.asarray(nodes[:-1]), np.asarray(nodes[1:]))
                steps = g.arc_steps(arcs)
        steps.append(last)
        steps = [s for s in steps if s.length_m > 1e-6]
        time_s = sum(net.partial_time_s(s.edge, s.start_m, s.end_m, self.profile) for s in steps)
        return _Path(float(time_s), tuple(steps))


# -- legs and route assembly --------------------------------------------------------


class _Leg(NamedTuple):
    """A piece of the trip: network steps, a straight cross-country line, or a ski line."""

    steps: tuple[Step, ...] = ()
    off: tuple[float, float, float, float] | None = None  # lon0, lat0, lon1, lat1
    line: SkiLine | None = None
    up: bool = False  # walk the ski line bottom to top
    label: str = ""


def _timed(
    profile: pace.RunnerProfile, d: np.ndarray, ele: np.ndarray, factor: float
) -> np.ndarray:
    """Cumulative off-network time along a profile (pace model x terrain ``factor``)."""
    dd = np.diff(d)
    grade = np.divide(np.diff(ele), dd, out=np.zeros_like(dd), where=dd > 0)
    seg_t = dd * pace.cost_ratio(grade, profile.model) * profile.seconds_per_m() * factor
    return np.concatenate(([0.0], np.cumsum(seg_t)))


def _offtrail_arrays(
    dem: Dem, profile: pace.RunnerProfile, lon0: float, lat0: float, lon1: float, lat1: float
) -> tuple[np.ndarray, ...]:
    length = float(haversine_m(lon0, lat0, lon1, lat1))
    n = max(1, math.ceil(length / _OFF_SAMPLE_M))
    t = np.linspace(0.0, 1.0, n + 1)
    lon = lon0 + t * (lon1 - lon0)
    lat = lat0 + t * (lat1 - lat0)
    ele = dem.sample(lon, lat)
    if not np.isfinite(ele).all():
        raise CoverageError(f"cross-country leg to {lat1:.5f},{lon1:.5f} leaves the elevation data")
    d = t * length
    return lon, lat, ele, d, _timed(profile, d, ele, OFFTRAIL_FACTOR)


def _steepest_50m_deg(dem: Dem, lon: np.ndarray, lat: np.ndarray) -> float:
    """Return the steepest 50 m mean terrain slope along sampled points (10 m apart)."""
    slope, _ = sample_slope(dem, lon, lat)
    slope = np.nan_to_num(slope, nan=0.0)
    k = min(len(slope), 5)
    return float(np.convolve(slope, np.full(k, 1.0 / k), mode="valid").max())


def _line_factor(line: SkiLine) -> float:
    """Terrain factor for walking a line itself: graded pistes are easy grass in summer."""
    if line.source == "osm" and line.piste_type in ("downhill", "nordic"):
        return PISTE_FACTOR
    return OFFTRAIL_FACTOR


def _line_arrays(profile: pace.RunnerProfile, line: SkiLine, up: bool) -> tuple[np.ndarray, ...]:
    lon, lat, ele, d = line.lon, line.lat, line.ele, line.dist_m
    if up:
        lon, lat, ele, d = lon[::-1], lat[::-1], ele[::-1], d[-1] - d[::-1]
    return lon, lat, ele, d, _timed(profile, d, ele, _line_factor(line))


def _assemble(
    net: Network,
    dem: Dem,
    profile: pace.RunnerProfile,
    legs: Sequence[_Leg],
    name: str,
) -> tuple[Route, list[tuple[float, float]]]:
    """A Route from legs; also (distance, time) at the end of every leg."""
    xs, ys, zs, ds, ts, cls = [], [], [], [], [], []
    cues: list[Cue] = []
    steps: list[Step] = []
    ends: list[tuple[float, float]] = []
    dist0 = time0 = 0.0
    trail_m = offtrail_m = 0.0
    for leg in legs:
        if leg.off is not None or leg.line is not None:
            if leg.off is not None:
                lon, lat, ele, d, t = _offtrail_arrays(dem, profile, *leg.off)
            else:
                lon, lat, ele, d, t = _line_arrays(profile, leg.line, leg.up)
            pc = np.zeros(len(lon), dtype=np.int8)
            leg_cues = [Cue(leg.label, 0.0, float(d[-1]), "offtrail")]
            offtrail_m += float(d[-1])
        else:
            real = [s for s in leg.steps if s.length_m > 1e-6]
            if not real:
                ends.append((dist0, time0))
                continue
            r = make_route(net, real, profile)
            lon, lat, ele, d, t, pc = r.lon, r.lat, r.ele, r.dist_m, r.time_s, r.point_class
            leg_cues = list(r.cues)
            steps.extend(real)
            trail_m += sum(s.length_m for s in real if net.edge_class[s.edge] == 0)
        if float(d[-1]) <= 0:
            ends.append((dist0, time0))
            continue
        first = 0 if not xs else 1  # legs share their joining point
        xs.append(lon[first:])
        ys.append(lat[first:])
        zs.append(ele[first:])
        ds.append(d[first:] + dist0)
        ts.append(t[first:] + time0)
        cls.append(pc[first:])
        for c in leg_cues:
            if cues and cues[-1].name == c.name:
                cues[-1] = cues[-1]._replace(length_m=cues[-1].length_m + c.length_m)
            else:
                cues.append(c._replace(at_m=c.at_m + dist0))
        dist0 += float(d[-1])
        time0 += float(t[-1])
        ends.append((dist0, time0))
    if not xs:
        raise NoRouteError("the scouting trip has zero length: the lines are at the start")
    lon = np.concatenate(xs)
    lat = np.concatenate(ys)
    ele = np.concatenate(zs)
    dist = np.concatenate(ds)
    time_s = np.concatenate(ts)
    dd = np.diff(dist)
    dz = np.diff(ele)
    grade = np.divide(dz, dd, out=np.zeros_like(dz), where=dd > 0)
    grade = np.append(grade, grade[-1] if len(grade) else 0.0)
    total = float(dist[-1])
    stats = RouteStats(
        distance_m=total,
        duration_s=float(time_s[-1]),
        ascent_m=float(np.maximum(dz, 0).sum()),
        descent_m=float(np.maximum(-dz, 0).sum()),
        trail_share=trail_m / total if total else 0.0,
        overlap_share=overlap_m(steps) / total if total else 0.0,
        max_grade=max_grade(dist, ele),
        hardest_sac=int(max((int(net.edge_sac[s.edge]) for s in steps), default=0)),
    )
    route = Route(
        name=name,
        kind="scout",
        profile=profile,
        steps=tuple(steps),
        lon=lon,
        lat=lat,
        ele=ele,
        dist_m=dist,
        time_s=time_s,
        grade=grade,
        point_class=np.concatenate(cls),
        stats=stats,
        cues=tuple(cues),
    )
    route.extras["offtrail_m"] = round(offtrail_m, 1)
    return route, ends


# -- walked check -------------------------------------------------------------------


def _walk_share(net: Network, line: SkiLine, steps: Sequence[Step], near_m: float) -> float:
    """Share of the line's samples within ``near_m`` of the path's geometry."""
    import shapely

    if not steps:
        return 0.0
    pts = [np.column_stack(net.project(*step_points(net, s)[:2])) for s in steps]
    coords = np.concatenate(pts)
    if len(coords) < 2:
        return 0.0
    path = shapely.linestrings(coords)
    n = max(2, math.ceil(float(line.dist_m[-1]) / _CHECK_SAMPLE_M) + 1)
    d = np.linspace(0.0, float(line.dist_m[-1]), n)
    lx = np.interp(d, line.dist_m, line.lon)
    ly = np.interp(d, line.dist_m, line.lat)
    x, y = net.project(lx, ly)
    dist = shapely.distance(shapely.points(x, y), path)
    return float(np.mean(dist <= near_m))


# -- visiting options and ordering --------------------------------------------------


class _Option(NamedTuple):
    """One way to visit a line: enter at point ``entry``, leave from point ``exit``.

    ``moves`` are ("net", a, b) network paths between snapped points, ("out", k)
    and ("in", k) cross-country legs from snapped point k to line end k and back,
    and ("line", a, b) walking the line itself from end a to end b. The trip is
    at the line after ``arrive_after`` moves and leaves it after ``leave_after``.
    """

    entry: int
    exit: int
    cost: float
    moves: tuple[tuple[Any, ...], ...]
    mode: str
    walked: bool
    arrive_after: int
    leave_after: int


def _order_cost(
    order: Sequence[int], options: Sequence[Sequence[_Option]], cost: np.ndarray
) -> tuple[float, list[_Option]]:
    """Best options for a fixed order of lines (dynamic programme over the exit point)."""
    states: dict[int, tuple[float, list[_Option]]] = {0: (0.0, [])}
    for i in order:
        nxt: dict[int, tuple[float, list[_Option]]] = {}
        for pos, (c0, chosen) in states.items():
            for opt in options[i]:
                c = c0 + cost[pos, opt.entry] + opt.cost
                if c < nxt.get(opt.exit, (math.inf,))[0]:
                    nxt[opt.exit] = (c, [*chosen, opt])
        states = nxt
    best = min(((c + cost[pos, 0], ch) for pos, (c, ch) in states.items()), key=lambda p: p[0])
    return best


def _best_order(
    options: Sequence[Sequence[_Option]], cost: np.ndarray
) -> tuple[list[int], list[_Option], str]:
    n = len(options)
    if n <= BRUTE_FORCE_MAX:
        best: tuple[float, list[int], list[_Option]] = (math.inf, [], [])
        for order in itertools.permutations(range(n)):
            c, chosen = _order_cost(order, options, cost)
            if c < best[0]:
                best = (c, list(order), chosen)
        return best[1], best[2], "brute force"
    # Nearest neighbour, then 2-opt (segment reversal) and moving single lines.
    left = set(range(n))
    order: list[int] = []
    here = 0
    while left:
        i, opt = min(
            ((i, o) for i in left for o in options[i]),
            key=lambda p: cost[here, p[1].entry] + p[1].cost,
        )
        order.append(i)
        left.remove(i)
        here = opt.exit
    current, chosen = _order_cost(order, options, cost)
    improved = True
    while improved:
        improved = False
        candidates = [
            order[:a] + order[a:b][::-1] + order[b:] for a in range(n) for b in range(a + 2, n + 1)
        ]
        for a in range(n):
            rest = order[:a] + order[a + 1 :]
            candidates += [[*rest[:b], order[a], *rest[b:]] for b in range(n) if b != a]
        for o2 in candidates:
            c, ch = _order_cost(o2, options, cost)
            if c < current - 1e-9:
                order, chosen, current, improved = o2, ch, c, True
    return order, chosen, "nearest neighbour + 2-opt"


def _line_options(
    i: int,
    line: SkiLine,
    cost: np.ndarray,
    out_t: np.ndarray,
    in_t: np.ndarray,
    line_t: np.ndarray,
    walk_ok: bool,
    hugs: dict[tuple[int, int], bool],
) -> list[_Option]:
    """Cheapest option for each (entry, exit) pair of one line."""
    b, t = 1 + 2 * i, 2 + 2 * i
    other = {b: t, t: b}
    # line_t[i, 0]: bottom to top, line_t[i, 1]: top to bottom.
    lt = {(b, t): line_t[i, 0], (t, b): line_t[i, 1]}
    opts: list[_Option] = []
    for e in (b, t):
        x = other[e]
        up = e == b
        c = out_t[e] + in_t[e] + cost[e, x] + out_t[x] + in_t[x]
        if hugs.get((e, x), False):
            mode, walked = ("walk up" if up else "walk down"), True
        else:
            mode, walked = ("bottom, then top" if up else "top, then bottom"), False
        moves = (("out", e), ("in", e), ("net", e, x), ("out", x), ("in", x))
        opts.append(_Option(e, x, c, moves, mode, walked, 1, 4))
        if walk_ok:
            c = out_t[e] + lt[e, x] + in_t[x]
            mode = "walk up off-trail" if up else "walk down off-trail"
            opts.append(_Option(e, x, c, (("out", e), ("line", e, x), ("in", x)), mode, True, 1, 2))
            c = out_t[e] + lt[e, x] + lt[x, e] + in_t[e]
            mode = "walk up and back down" if up else "walk down and back up"
            moves = (("out", e), ("line", e, x), ("line", x, e), ("in", e))
            opts.append(_Option(e, e, c, moves, mode, True, 1, 3))
    best: dict[tuple[int, int], _Option] = {}
    for o in opts:
        key = (o.entry, o.exit)
        if math.isfinite(o.cost) and (key not in best or o.cost < best[key].cost):
            best[key] = o
    return list(best.values())


# -- planning -----------------------------------------------------------------------


def plan_scouting(
    net: Network,
    dem: Dem,
    start: tuple[float, float],
    lines: Sequence[SkiLine],
    profile: pace.RunnerProfile = HIKING_PROFILE,
    request: ScoutRequest | None = None,
    *,
    day: date | None = None,
    tz: tzinfo = timezone.utc,
    prefs: Preferences | None = None,
) -> ScoutPlan:
    """Plan a trip on foot from ``start`` to every line and back.

    Parameters
    ----------
    net
        The network.
    dem
        Elevation model (cross-country legs).
    start
        Trailhead (lon, lat).
    lines
        Analysed lines to visit (1 to :data:`MAX_LINES`, distinct ids).
    profile
        Hiker profile; Tobler's hiking function by default.
    request
        Options; defaults if None.
    day, tz
        Date (and zone for the times) for sunrise/sunset; none if ``day`` is None.
    prefs
        Search preferences for choosing paths.

    Returns
    -------
    ScoutPlan

    Raises
    ------
    InputError
        If there are no lines, too many, or duplicates.
    CoverageError
        If the start is too far from the network or outside the data.
    NoRouteError
        If a line cannot be reached on foot from the start.
    """
    req = request or ScoutRequest()
    if not lines:
        raise InputError("no lines to scout: give at least one line")
    if len(lines) > MAX_LINES:
        raise InputError(f"too many lines ({len(lines)}): one trip visits at most {MAX_LINES}")
    ids = [ln.id for ln in lines]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise InputError(f"line given twice: {', '.join(dup)}")
    prefs = prefs or Preferences()
    if req.max_slope_deg <= SAFE_SLOPE_DEG and profile.max_difficulty > SAFE_TRAIL_SAC:
        profile = dataclasses.replace(profile, max_difficulty=SAFE_TRAIL_SAC)
    lon0, lat0 = start
    start_snap = net.snap(lon0, lat0, max_distance_m=req.max_snap_m)
    n = len(lines)
    m = 1 + 2 * n
    snaps: list[Snap | None] = [start_snap]
    ends: list[tuple[float, float]] = [(start_snap.lon, start_snap.lat)]
    far: dict[int, str] = {}
    for ln in lines:
        for which, end in (("bottom", ln.bottom), ("top", ln.top)):
            ends.append(end)
            try:
                snaps.append(net.snap(*end, max_distance_m=max(req.max_offtrail_m, 1.0)))
            except CoverageError as exc:
                far[len(snaps)] = f"its {which}: {exc}"
                snaps.append(None)
    paths = _Paths(net, profile, prefs)
    cost = np.full((m, m), math.inf)
    plan_paths: dict[tuple[int, int], _Path] = {}
    for a in range(m):
        src = snaps[a]
        if src is None:
            continue
        tree = paths.tree(src)
        for b in range(m):
            dst = snaps[b]
            if a == b:
                cost[a, b] = 0.0
                plan_paths[a, b] = _Path(0.0, ())
            elif dst is not None:
                plan_paths[a, b] = p = paths.path(src, tree, dst)
                cost[a, b] = p.time_s
    # Cross-country legs between snapped points and line ends.
    out_t = np.zeros(m)
    in_t = np.zeros(m)
    leg_slope = np.zeros(m)  # steepest 50 m of the cross-country leg to each end
    for k in range(1, m):
        s = snaps[k]
        if s is None:
            out_t[k] = in_t[k] = math.inf
        elif s.distance_m > _SPUR_MIN_M:
            lon_k, lat_k, _, _, t_out = _offtrail_arrays(dem, profile, s.lon, s.lat, *ends[k])
            out_t[k] = t_out[-1]
            in_t[k] = _offtrail_arrays(dem, profile, *ends[k], s.lon, s.lat)[4][-1]
            leg_slope[k] = _steepest_50m_deg(dem, lon_k, lat_k)
            if leg_slope[k] > req.max_slope_deg:
                out_t[k] = in_t[k] = math.inf
    line_t = np.zeros((n, 2))
    options: list[list[_Option]] = []
    kept: list[int] = []
    left_out: list[tuple[str, str]] = []
    for i, ln in enumerate(lines):
        line_t[i, 0] = _line_arrays(profile, ln, True)[4][-1]
        line_t[i, 1] = _line_arrays(profile, ln, False)[4][-1]
        b, t = 1 + 2 * i, 2 + 2 * i
        hugs = {}
        for e, x in ((b, t), (t, b)):
            p = plan_paths.get((e, x))
            if p is None or not math.isfinite(p.time_s):
                continue
            length = sum(s.length_m for s in p.steps)
            hugs[e, x] = length <= 1.5 * float(ln.stats.length_m) + 200.0 and (
                _walk_share(net, ln, p.steps, req.near_m) >= req.walk_share
            )
        walk_ok = float(ln.stats.slope_max_deg) <= min(req.max_walk_slope_deg, req.max_slope_deg)
        opts = _line_options(i, ln, cost, out_t, in_t, line_t, walk_ok, hugs)
        opts = [
            o for o in opts if math.isfinite(cost[0, o.entry]) and math.isfinite(cost[o.exit, 0])
        ]
        if not opts:
            steep = [k for k in (b, t) if leg_slope[k] > req.max_slope_deg]
            if steep or float(ln.stats.slope_max_deg) > req.max_slope_deg:
                left_out.append((ln.name, _too_steep_reason(ln, steep, leg_slope, req)))
                continue
            why = "; ".join(far.get(k, "") for k in (b, t) if k in far)
            if why and not walk_ok:
                why += (
                    f"; too steep to walk (max {ln.stats.slope_max_deg:.0f}° > "
                    f"{req.max_walk_slope_deg:.0f}°)"
                )
            raise NoRouteError(
                f"line {ln.name!r} ({ln.id}) cannot be reached on foot from the start"
                + (f": {why}" if why else " on the network")
            )
        options.append(opts)
        kept.append(i)
    if not kept:
        raise NoRouteError(
            "no line can be reached within the slope limit: "
            + "; ".join(f"{name}: {why}" for name, why in left_out)
        )
    order_k, chosen, method = _best_order(options, cost)
    order = [kept[j] for j in order_k]

    legs: list[_Leg] = []
    marks: list[tuple[int, int]] = []  # per line: legs done on arrival, on leaving
    warnings: list[str] = []
    here = 0
    for i, opt in zip(order, chosen, strict=True):
        ln = lines[i]
        legs.append(_Leg(steps=plan_paths[here, opt.entry].steps, label="to " + ln.name))
        counts = []
        for mv in opt.moves:
            new = _move_legs(mv, ln, i, snaps, ends, plan_paths)
            counts.append(len(new))
            legs.extend(new)
            if mv[0] == "out" and new:
                which = "bottom" if (mv[1] - 1) % 2 == 0 else "top"
                warnings.append(
                    f"the {which} of {ln.name} is {snaps[mv[1]].distance_m:.0f} m from the "
                    "nearest way: cross-country"
                )
        # Index of the leg that ends on arrival at / on leaving the line.
        first = len(legs) - sum(counts) - 1
        arrive = first + sum(counts[: opt.arrive_after])
        leave = first + sum(counts[: opt.leave_after])
        marks.append((arrive, leave))
        here = opt.exit
    legs.append(_Leg(steps=plan_paths[here, 0].steps, label="back to the start"))
    names = [lines[i].name for i in order]
    route, leg_ends = _assemble(net, dem, profile, legs, "Scouting: " + ", ".join(names))

    visits = []
    for j, (i, opt) in enumerate(zip(order, chosen, strict=True)):
        ln = lines[i]
        arrive_m, arrive_s = leg_ends[marks[j][0]]
        leave_m, leave_s = leg_ends[marks[j][1]]
        off = 0.0
        for mv in opt.moves:
            if mv[0] in ("out", "in") and out_t[mv[1]] > 0:
                off += float(haversine_m(snaps[mv[1]].lon, snaps[mv[1]].lat, *ends[mv[1]]))  # type: ignore[union-attr]
            elif mv[0] == "line":
                off += float(ln.stats.length_m)
        visits.append(
            LineVisit(
                line_id=ln.id,
                name=ln.name,
                mode=opt.mode,
                walked=opt.walked,
                arrive_s=arrive_s,
                leave_s=leave_s,
                arrive_elapsed_s=arrive_s + j * req.stop_s,
                arrive_m=arrive_m,
                leave_m=leave_m,
                offtrail_m=off,
            )
        )
    moving = route.stats.duration_s
    stops = len(kept) * req.stop_s
    needed = (moving + stops) * (1.0 + req.reserve)
    sun = None
    if day is not None:
        sun = sun_times(lon0, lat0, day, tz)
        if sun.sunset is not None:
            latest = sun.sunset - timedelta(seconds=needed)
            sun = sun._replace(latest_start=latest, fits=sun.day_length_s >= needed)
        if not sun.fits:
            warnings.append(
                f"the trip needs {pace.format_duration(needed)} of daylight but "
                f"{day.isoformat()} has {pace.format_duration(sun.day_length_s)}"
            )
    steep_legs = _locate(leg_ends, _steep_legs(legs, leg_slope, ends, net))
    warnings += [f"steep: {leg.label} ({_deg_text(leg.slope_max_deg)})" for leg in steep_legs]
    warnings += [f"left out {name}: {why}" for name, why in left_out]
    route.warnings.extend(warnings)
    route.extras["visits"] = [v.as_dict() for v in visits]
    return ScoutPlan(
        route=route,
        lines=tuple(lines[i] for i in order),
        visits=tuple(visits),
        moving_s=moving,
        stops_s=stops,
        daylight_needed_s=needed,
        order_method=method,
        sun=sun,
        warnings=tuple(warnings),
        left_out=tuple(left_out),
        steep_legs=tuple(steep_legs),
    )


def _deg_text(deg: float) -> str:
    return f"{deg:.1f}°, over {SAFE_SLOPE_DEG:.0f}°" if math.isfinite(deg) else "beyond T4"


def _locate(
    leg_ends: Sequence[tuple[float, float]], steep: Sequence[tuple[int, str, float]]
) -> list[SteepLeg]:
    """Place steep legs (leg index, label, degrees) along the route."""
    starts = [0.0, *(float(d) for d, _ in leg_ends[:-1])]
    return [SteepLeg(label, deg, starts[k], float(leg_ends[k][0])) for k, label, deg in steep]


def _too_steep_reason(
    line: SkiLine, steep: Sequence[int], leg_slope: np.ndarray, req: ScoutRequest
) -> str:
    """Say why a line is beyond the slope limit."""
    parts = [
        f"the way to its {'bottom' if (k - 1) % 2 == 0 else 'top'} crosses "
        f"{leg_slope[k]:.1f}° terrain"
        for k in steep
    ]
    if float(line.stats.slope_max_deg) > req.max_slope_deg:
        parts.append(f"the line itself is {line.stats.slope_max_deg:.1f}° at its steepest")
    return (
        ", ".join(parts) + f" (limit {req.max_slope_deg:.0f}°; raise --max-slope to plan it anyway)"
    )


def _steep_legs(
    legs: Sequence[_Leg],
    leg_slope: np.ndarray,
    ends: Sequence[tuple[float, float]],
    net: Network,
) -> list[tuple[int, str, float]]:
    """List legs steeper than :data:`SAFE_SLOPE_DEG` or on trails beyond T4.

    Returns
    -------
    list of tuple
        ``(leg index, label, steepest 50 m in degrees)``; NaN degrees for a
        trail leg beyond T4.
    """
    out: list[tuple[int, str, float]] = []
    by_end = {ends[k]: k for k in range(1, len(ends))}
    for j, leg in enumerate(legs):
        if leg.off is not None:
            k = by_end.get((leg.off[2], leg.off[3]), by_end.get((leg.off[0], leg.off[1])))
            if k is not None and leg_slope[k] > SAFE_SLOPE_DEG:
                out.append((j, leg.label, float(leg_slope[k])))
        elif leg.line is not None and float(leg.line.stats.slope_max_deg) > SAFE_SLOPE_DEG:
            out.append((j, leg.label, float(leg.line.stats.slope_max_deg)))
        elif any(int(net.edge_sac[st.edge]) > SAFE_TRAIL_SAC for st in leg.steps):
            out.append((j, leg.label + " (trail beyond T4)", math.nan))
    return out


def _move_legs(
    mv: tuple[Any, ...],
    line: SkiLine,
    i: int,
    snaps: Sequence[Snap | None],
    ends: Sequence[tuple[float, float]],
    plan_paths: dict[tuple[int, int], _Path],
) -> list[_Leg]:
    """The legs of one move of an option (none for a cross-country leg not needed)."""
    kind = mv[0]
    if kind == "net":
        return [_Leg(steps=plan_paths[mv[1], mv[2]].steps, label=line.name)]
    if kind == "line":
        up = mv[1] == 1 + 2 * i
        return [_Leg(line=line, up=up, label=f"{line.name} ({'up' if up else 'down'}, off-trail)")]
    k = mv[1]
    s = snaps[k]
    if s is None or s.distance_m <= _SPUR_MIN_M:
        return []
    which = "bottom" if (k - 1) % 2 == 0 else "top"
    if kind == "out":
        return [
            _Leg(off=(s.lon, s.lat, *ends[k]), label=f"cross-country to the {which} of {line.name}")
        ]
    return [
        _Leg(off=(*ends[k], s.lon, s.lat), label=f"cross-country from the {which} of {line.name}")
    ]


# -- map and demo -------------------------------------------------------------------


def plan_text(plan: ScoutPlan) -> list[str]:
    """Human-readable lines describing a plan (for the CLI, the map panel and the demo).

    Parameters
    ----------
    plan
        The trip.

    Returns
    -------
    list of str
        A title line, one line per line visited, the daylight needed and, with a
        date, sunrise, sunset and the latest start.
    """
    s = plan.route.stats
    out = [
        f"{plan.route.name}: {s.distance_m / 1000:.1f} km, "
        f"{pace.format_duration(plan.moving_s)} moving, +{s.ascent_m:.0f}/-{s.descent_m:.0f} m",
    ]
    for j, v in enumerate(plan.visits, start=1):
        out.append(
            f"  {j}. {v.name} [{v.line_id}]: {v.mode}, reached after "
            f"{pace.format_duration(v.arrive_elapsed_s)} ({v.arrive_m / 1000:.1f} km)"
            + (f", {v.offtrail_m:.0f} m off-trail" if v.offtrail_m else "")
        )
    for leg in plan.steep_legs:
        out.append(f"  steep leg: {leg.label} ({_deg_text(leg.slope_max_deg)})")
    for name, why in plan.left_out:
        out.append(f"  left out: {name}: {why}")
    need = (
        f"  daylight needed: {pace.format_duration(plan.daylight_needed_s)} "
        f"({pace.format_duration(plan.stops_s)} of stops and a reserve included)"
    )
    out.append(need)
    if plan.sun is not None and plan.sun.sunrise is not None and plan.sun.sunset is not None:
        sun = plan.sun
        zone = sun.sunrise.tzname() or ""
        start_by = sun.latest_start.strftime("%H:%M") if sun.latest_start else "-"
        out.append(
            f"  {sun.day.isoformat()}: sunrise {sun.sunrise:%H:%M}, sunset {sun.sunset:%H:%M} "
            f"{zone}; " + (f"start by {start_by}" if sun.fits else "not enough daylight")
        )
    return out


def map_segments(lines: Sequence[SkiLine]) -> list[Any]:
    """Map segments (panel list, zoom on click) for ski lines, numbered in the given order.

    Parameters
    ----------
    lines
        The lines.

    Returns
    -------
    list of routeplanner.output.maps.MapSegment
    """
    from routeplanner.output import maps
    from routeplanner.skilines.lines import BANDS

    out = []
    for k, ln in enumerate(lines, start=1):
        s = ln.stats
        band = next(
            (lab for lab, lo, hi in BANDS if lo <= round(s.slope_max_deg, 1) < hi), BANDS[-1][0]
        )
        stats = {
            "id": ln.id,
            "length": f"{s.length_m:.0f} m",
            "drop": f"{s.vertical_drop_m:.0f} m ({s.top_ele_m:.0f}–{s.bottom_ele_m:.0f} m)",
            "slope": f"mean {s.slope_mean_deg:.0f}°, max {s.slope_max_deg:.0f}° ({band}°)",
            "aspect": f"{s.aspect} ±{s.aspect_spread_deg:.0f}°",
        }
        if ln.difficulty:
            stats["piste"] = ln.difficulty
        out.append(
            maps.MapSegment(
                id=str(k),
                kind="ski line",
                name=ln.name,
                lon=ln.lon,
                lat=ln.lat,
                ele=ln.ele,
                stats=stats,
            )
        )
    return out


def scout_map(
    plan: ScoutPlan,
    *,
    title: str,
    network: Network | None,
    dem: Dem | None,
    offline: bool = False,
    attribution: Sequence[str] = (),
) -> Any:
    """The trip's map: route with profile, slope overlay, lines coloured by max slope.

    Parameters
    ----------
    plan
        The trip.
    title
        Map title (escaped).
    network, dem
        For the network layer and the hillshade/slope overlays.
    offline
        A map that works with no network.
    attribution
        Data attribution lines.

    Returns
    -------
    routeplanner.output.maps.RouteMap
    """
    import html

    from routeplanner.output import maps
    from routeplanner.skilines.lines import add_line_layer

    m = maps.route_map(
        [plan.route],
        title=title,
        network=network,
        dem=dem,
        segments=map_segments(plan.lines),
        info_html="<br>".join(html.escape(t.strip()) for t in plan_text(plan)[1:]),
        offline=offline,
        attribution=attribution,
    )
    add_line_layer(m, plan.lines)
    _add_steep_legs(m, plan)
    return m


def _add_steep_legs(m: Any, plan: ScoutPlan) -> None:
    """Draw the plan's steep legs in red over the route (a layer of their own)."""
    import folium

    from routeplanner.output._map_assets import esc

    r = plan.route
    if not plan.steep_legs:
        return
    layer = folium.FeatureGroup(name="Steep legs (red)")
    for leg in plan.steep_legs:
        idx = (r.dist_m >= leg.start_m - 0.05) & (r.dist_m <= leg.end_m + 0.05)
        pts = [[float(y), float(x)] for x, y in zip(r.lon[idx], r.lat[idx], strict=True)]
        if len(pts) >= 2:
            folium.PolyLine(pts, color="#d7191c", weight=7, tooltip=esc(leg.label)).add_to(layer)
    layer.add_to(m)


def demo_scouting(
    net: Network,
    dem: Dem,
    out_dir: Path,
    *,
    offline: bool = False,
    attribution: Sequence[str] = (),
    echo: Any = lambda _m: None,
) -> list[tuple[str, str, str]]:
    """Write the demo scouting map (and its GPX/GeoJSON) into ``out_dir``.

    The trip of :data:`DEMO_SCOUT`: from Soldeu to two Grandvalira pistes
    that share the same north-facing mountainside, Avet (advanced) and Bosc
    Fosc (easy), on 15 July.

    Parameters
    ----------
    net
        The Andorra network.
    dem
        Its DEM.
    out_dir
        Existing folder.
    offline
        Maps that work with no network.
    attribution
        Data attribution lines.
    echo
        Receives one progress line per map.

    Returns
    -------
    list of tuple
        ``(title, filename, description)`` index entries.
    """
    import json
    from zoneinfo import ZoneInfo

    from routeplanner._io import atomic_write_text
    from routeplanner.output import export, maps
    from routeplanner.skilines.lines import analyze_line, find_line, line_feature, osm_lines

    raws = osm_lines(net)
    lines = [analyze_line(find_line(raws, q), dem) for q in DEMO_SCOUT["lines"]]
    tz = ZoneInfo(DEMO_SCOUT["tz"])
    plan = plan_scouting(net, dem, DEMO_SCOUT["start"], lines, day=DEMO_SCOUT["date"], tz=tz)
    title = "Summer scouting from Soldeu: " + " and ".join(ln.name for ln in plan.lines)
    m = scout_map(plan, title=title, network=net, dem=dem, offline=offline, attribution=attribution)
    size = maps.save_map(m, out_dir / "scout.html", offline=offline)
    feats = [line_feature(ln) for ln in plan.lines]
    export.write_gpx(out_dir / "scout.gpx", [plan.route], name=title)
    atomic_write_text(
        out_dir / "scout.geojson", json.dumps(export.feature_collection([plan.route], feats))
    )
    echo(f"scout.html ({size / 1e6:.2f} MB)")
    s = plan.route.stats
    parts = "; ".join(
        f"{ln.name} ({ln.difficulty}, max {ln.stats.slope_max_deg:.0f}°, {ln.stats.aspect})"
        for ln in plan.lines
    )
    desc = (
        f"on foot at Tobler's hiking pace: {s.distance_m / 1000:.1f} km, "
        f"{pace.format_duration(plan.moving_s)} moving, +{s.ascent_m:.0f} m, "
        f"{pace.format_duration(plan.daylight_needed_s)} of daylight; lines: {parts} "
        "(GPX: scout.gpx, GeoJSON: scout.geojson)"
    )
    return [(title, "scout.html", desc)]
