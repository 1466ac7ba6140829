"""A scouting trip's options and result: what is asked, what each line visit takes.

:class:`ScoutRequest` holds the validated options of
:func:`routeplanner.search.scouting.plan_scouting`, :class:`ScoutPlan` its
result (one :class:`LineVisit` per line) and :func:`plan_text` its
human-readable description.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from routeplanner import pace
from routeplanner.brief import Brief
from routeplanner.errors import InputError
from routeplanner.route import Route
from routeplanner.safety.daylight import SunTimes, clock, zone_label
from routeplanner.search.scout_safety import SAFE_SLOPE_DEG, SteepLeg, deg_text
from routeplanner.skilines.lines import SkiLine
from routeplanner.units import FT_M, UnitSystem, format_distance, format_height

__all__ = ["LineVisit", "ScoutPlan", "ScoutRequest", "plan_text"]


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
        terrain steeper than this over 50 m; at the default
        (:data:`~routeplanner.search.scout_safety.SAFE_SLOPE_DEG`) trails beyond
        T4 are left out too. A line that can only be reached beyond the limit is
        left out of the plan, which says why (:mod:`routeplanner.search.scout_safety`).
    brief : Brief or None
        What the whole trip is judged on (its route's outcome); None: not judged.
    """

    stop_s: float = 15 * 60.0
    near_m: float = 40.0
    walk_share: float = 0.8
    max_offtrail_m: float = 1000.0
    reserve: float = 0.2
    max_snap_m: float = 500.0
    max_walk_slope_deg: float = 35.0
    max_slope_deg: float = SAFE_SLOPE_DEG
    brief: Brief | None = None

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
        """Return rounded values for JSON output."""
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
        Legs steeper than the default limit, or on trails beyond T4, that the
        plan does use (only when the limit was raised).
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


def plan_text(plan: ScoutPlan, *, units: UnitSystem = "metric") -> list[str]:
    """Human-readable lines describing a plan (for the CLI, the map panel and the demo).

    Parameters
    ----------
    plan
        The trip.
    units : {"metric", "imperial"}
        Distances in km or miles, heights in metres or feet.

    Returns
    -------
    list of str
        A title line, one line per line visited, the daylight needed and, with a
        date, sunrise, sunset and the latest start.
    """
    s = plan.route.stats
    per_m, unit = (1.0 / FT_M, "ft") if units == "imperial" else (1.0, "m")
    out = [
        f"{plan.route.name}: {format_distance(s.distance_m, units)}, "
        f"{pace.format_duration(plan.moving_s)} moving, "
        f"+{s.ascent_m * per_m:.0f}/-{s.descent_m * per_m:.0f} {unit}",
    ]
    for j, v in enumerate(plan.visits, start=1):
        out.append(
            f"  {j}. {v.name} [{v.line_id}]: {v.mode}, reached after "
            f"{pace.format_duration(v.arrive_elapsed_s)} ({format_distance(v.arrive_m, units)})"
            + (f", {format_height(v.offtrail_m, units)} off-trail" if v.offtrail_m else "")
        )
    for leg in plan.steep_legs:
        out.append(f"  steep leg: {leg.label} ({deg_text(leg.slope_max_deg)})")
    for name, why in plan.left_out:
        out.append(f"  left out: {name}: {why}")
    need = (
        f"  daylight needed: {pace.format_duration(plan.daylight_needed_s)} "
        f"({pace.format_duration(plan.stops_s)} of stops and a reserve included)"
    )
    out.append(need)
    sun = plan.sun
    if sun is not None and sun.sunrise is not None and sun.sunset is not None:
        zone = zone_label(sun.sunrise)
        start_by = clock(sun.latest_start) if sun.latest_start else "-"
        out.append(
            f"  {sun.day.isoformat()}: sunrise {clock(sun.sunrise)}, sunset {clock(sun.sunset)} "
            f"{zone}; " + (f"start by {start_by}" if sun.fits else "not enough daylight")
        )
    return out
