"""One safety sheet for a group run: every group's sheet, regroup points, the back-marker.

The back-marker runs last in the slowest group (the one with the slowest flat
pace); their expected times at the regroup points and at the finish are the
latest anyone should arrive there, and the partner message's "back by" is the
latest return of any group.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from routeplanner import units as fmt
from routeplanner.events.plan import GroupPlan
from routeplanner.network.model import Network
from routeplanner.safety.sheet import (
    DEFAULT_EMERGENCY_NUMBER,
    SafetySheet,
    SheetText,
    alert_after_s,
    clock,
    safety_sheet,
)
from routeplanner.sources.pois import Pois
from routeplanner.units import UnitSystem

__all__ = ["GroupSafetySheet", "RegroupStop", "group_safety_sheet"]

#: Regroup points named on the sheet.
SHEET_REGROUP_POINTS = 5


@dataclass(frozen=True)
class RegroupStop:
    """A regroup point on the sheet: where, and when each group passes.

    ``times`` maps group labels to their expected pass, earliest first;
    ``back_marker`` is the back-marker's time there (None if their group does
    not pass).
    """

    name: str
    lon: float
    lat: float
    times: tuple[tuple[str, datetime], ...]
    back_marker: datetime | None


@dataclass(frozen=True)
class GroupSafetySheet(SheetText):
    """The safety sheet of a group run.

    Attributes
    ----------
    title : str
        Event title.
    start : datetime
        Event start (aware).
    place : str
        Meeting place.
    groups : tuple of (str, SafetySheet)
        Each group's label and the sheet of its loop.
    regroup : tuple of RegroupStop
        Regroup points, best first.
    back_marker_group : str
        Label of the group the back-marker runs with.
    back_marker_finish : datetime
        The back-marker's expected return: the latest of any group.
    emergency_number, partner_message : str
        Number to call, and the message for whoever stays behind.
    partner_message_imperial : str
        The same message in miles and feet (``--units imperial``).
    """

    title: str
    start: datetime
    place: str
    groups: tuple[tuple[str, SafetySheet], ...]
    regroup: tuple[RegroupStop, ...]
    back_marker_group: str
    back_marker_finish: datetime
    emergency_number: str
    partner_message: str
    partner_message_imperial: str = ""

    def to_json(self) -> dict[str, Any]:
        """Return the event's ``safety`` object: per group sheets, regroup points, back-marker."""
        return {
            "groups": [{"group": label, **s.to_json()} for label, s in self.groups],
            "regroup_points": [
                {
                    "name": r.name,
                    "lon": round(r.lon, 6),
                    "lat": round(r.lat, 6),
                    "times": {g: t.isoformat(timespec="seconds") for g, t in r.times},
                    "back_marker": None
                    if r.back_marker is None
                    else r.back_marker.isoformat(timespec="seconds"),
                }
                for r in self.regroup
            ],
            "back_marker_group": self.back_marker_group,
            "back_marker_finish": self.back_marker_finish.isoformat(timespec="seconds"),
            "partner_message": self.partner_message,
            "emergency_number": self.emergency_number,
        }

    def lines(self, *, units: UnitSystem = "metric") -> list[str]:
        """Return the sheet as plain-text lines (names not yet cleaned), in ``units``."""
        out = [
            f"GROUP RUN SAFETY SHEET: {self.title}",
            f"  Start {self.start.strftime('%a %d %b %Y %H:%M')} ({self.start.tzname()}) "
            f"at {self.place}; "
            f"back-marker with {self.back_marker_group}, back by "
            f"{clock(self.back_marker_finish)}",
            "  Regroup points (back-marker's time last):",
        ]
        for i, r in enumerate(self.regroup, start=1):
            who = ", ".join(f"{g} {clock(t)}" for g, t in r.times)
            bm = "" if r.back_marker is None else f"; back-marker {clock(r.back_marker)}"
            out.append(f"    R{i} {r.name}: {who}{bm}")
        if not self.regroup:
            out.append("    none: the loops share no junction away from the meeting point")
        for label, sheet in self.groups:
            out += ["", f"== {label} =="]
            out += sheet.lines(units=units)[1:-4]  # without its emergency line and partner message
        out += ["", f"Emergency: {self.emergency_number}", "", "Partner message:"]
        imperial = units == "imperial" and self.partner_message_imperial
        out.append(self.partner_message_imperial if imperial else self.partner_message)
        return out


def _at(start: datetime, seconds: float) -> datetime:
    # Through UTC, so a pass across a DST change reads right on the clock.
    return (start.astimezone(timezone.utc) + timedelta(seconds=seconds)).astimezone(start.tzinfo)


def group_safety_sheet(
    plan: GroupPlan,
    net: Network,
    pois: Pois,
    *,
    emergency_number: str = DEFAULT_EMERGENCY_NUMBER,
    outputs: tuple[str, ...] = (),
) -> GroupSafetySheet:
    """Compute the safety sheet of a planned group run.

    Parameters
    ----------
    plan
        The planned event (:func:`routeplanner.events.plan.plan_group_run`).
    net
        Its network.
    pois
        Places of the region.
    emergency_number
        Number to call.
    outputs
        File names written, for the partner message.

    Returns
    -------
    GroupSafetySheet
    """
    from routeplanner.output.group_run import featured_regroup_points

    ev = plan.event
    with_route = [(r, r.route) for r in plan.results if r.route is not None]
    sheets = tuple(
        (
            r.group.label,
            safety_sheet(
                route,
                net,
                pois,
                start=ev.start,
                title=f"{ev.title}, {r.group.label}",
                emergency_number=emergency_number,
                outputs=outputs,
            ),
        )
        for r, route in with_route
    )
    labels = {r.group.name: r.group.label for r in plan.results}
    slowest = max(
        (r for r, _ in with_route), key=lambda r: r.group.profile.flat_pace_s_per_km, default=None
    )
    stops = []
    for p in featured_regroup_points(plan, n=SHEET_REGROUP_POINTS):
        times = sorted(p.times().items(), key=lambda kv: kv[1])
        bm = [q.at_s for q in p.passes if slowest is not None and q.group == slowest.group.name]
        stops.append(
            RegroupStop(
                name=" / ".join(p.ways[:2]) or f"junction at {p.lat:.5f},{p.lon:.5f}",
                lon=p.lon,
                lat=p.lat,
                times=tuple((labels.get(g, g), _at(ev.start, t)) for g, t in times),
                back_marker=_at(ev.start, max(bm)) if bm else None,
            )
        )
    finish = max((s.daylight.expected_finish for _, s in sheets), default=ev.end)
    message = _partner_message(plan, sheets, finish, emergency_number, outputs)
    message_imperial = _partner_message(
        plan, sheets, finish, emergency_number, outputs, units="imperial"
    )
    return GroupSafetySheet(
        title=ev.title,
        start=ev.start,
        place=ev.place,
        groups=sheets,
        regroup=tuple(stops),
        back_marker_group=slowest.group.label if slowest is not None else "",
        back_marker_finish=finish,
        emergency_number=emergency_number,
        partner_message=message,
        partner_message_imperial=message_imperial,
    )


def _partner_message(
    plan: GroupPlan,
    sheets: tuple[tuple[str, SafetySheet], ...],
    finish: datetime,
    number: str,
    outputs: tuple[str, ...],
    *,
    units: UnitSystem = "metric",
) -> str:
    ev = plan.event
    if sheets:
        km = [s.distance_m for _, s in sheets]
        up = [s.ascent_m for _, s in sheets]
        dist = [fmt.format_distance(v, units) for v in (min(km), max(km))]
        height = [fmt.format_height(v, units) for v in (min(up), max(up))]
        # "3.2-5.0 km, +120-300 m": the unit once, after the range
        size = f"{dist[0].split()[0]}-{dist[1]}, +{height[0].split()[0]}-{height[1]}"
    else:
        size = "no loops"
    alert = finish + timedelta(seconds=alert_after_s(ev.duration_s))
    lat, lon = ev.meeting_lat, ev.meeting_lon
    summary = (
        f"group run of {len(sheets)} groups ({', '.join(label for label, _ in sheets)}), "
        f"{fmt.format_duration(ev.duration_s)} loops from {lat:.5f},{lon:.5f}, "
        f"map https://www.openstreetmap.org/?mlat={lat:.5f}&mlon={lon:.5f}#map=14/{lat:.5f}/{lon:.5f}"
        + (f", files {', '.join(outputs)}" if outputs else "")
    )
    return (
        f"Running {ev.title}: {size}, start {ev.start.strftime('%a')} {ev.start.day} "
        f"{ev.start.strftime('%b %H:%M')} from {ev.place}, back by {clock(finish)}. "
        f"If you have not heard from us by {clock(alert)}, call {number} and tell "
        f"them: {summary}."
    )
