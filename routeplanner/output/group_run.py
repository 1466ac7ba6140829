"""A planned group run as files: map, a GPX per group, calendar event, summary, JSON.

Outputs are built in memory (:func:`render_outputs`) and written by
:func:`write_outputs` into a temporary folder beside the target that is renamed
into place at the end, so a failed run never leaves a half-written folder.
"""

from __future__ import annotations

import base64
import dataclasses
import html
import logging
import os
import re
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from routeplanner import pace
from routeplanner._io import atomic_write_bytes, atomic_write_text
from routeplanner.errors import InputError
from routeplanner.events.event import add_seconds, fold_name
from routeplanner.events.plan import GroupPlan, GroupResult
from routeplanner.events.regroup import (
    MAP_REGROUP_POINTS,
    REGROUP_GAP_M,
    RegroupChoice,
    RegroupPoint,
    choose_regroup_points,
)
from routeplanner.network.model import Network
from routeplanner.output import export, ics, maps
from routeplanner.output.bundle import GROUP_ICS_FILE, GROUP_MAP_FILE, GROUP_SUMMARY_FILE, render
from routeplanner.output.formats import RouteDoc
from routeplanner.output.points import RoutePoint
from routeplanner.output.policy import OutputPlan
from routeplanner.safety.sheet import SafetySheet
from routeplanner.units import UnitSystem, format_distance, format_height, format_pace

__all__ = [
    "ICS_FILE",
    "MAP_FILE",
    "SUMMARY_FILE",
    "calendar_text",
    "check_out_dir",
    "featured_regroup_points",
    "fit_bytes",
    "gpx_filenames",
    "gpx_text",
    "info_html",
    "map_html",
    "plan_json",
    "plan_misses",
    "regroup_choice",
    "regroup_gaps",
    "regroup_route_points",
    "render_outputs",
    "summary_line",
    "summary_text",
    "write_outputs",
]

log = logging.getLogger(__name__)

#: Name of the HTML map in an output folder.
MAP_FILE = GROUP_MAP_FILE


SUMMARY_FILE = GROUP_SUMMARY_FILE
#: Name of the safety sheet (written with a sheet only).
SAFETY_FILE = "safety.txt"


ICS_FILE = GROUP_ICS_FILE


# Names of files this module writes, so --force never deletes anything else.
_OWN_FILE_RE = re.compile(
    r"(map\.html|event\.ics|summary\.txt|safety\.txt|[a-z0-9][a-z0-9-]*\.(gpx|fit))"
)


def _clock(t: datetime, start: datetime) -> str:
    """``9:14``, rounded to the minute; past midnight with its date (``7:59 Sun 13 Jun``)."""
    t = t + timedelta(seconds=30)
    days = (t.date() - start.date()).days
    return f"{t.hour}:{t.minute:02d}" + (f" {t.strftime('%a %d %b')}" if days else "")


def summary_line(result: GroupResult, start: datetime, *, units: UnitSystem = "metric") -> str:
    """One chat line for a group.

    Parameters
    ----------
    result
        The group's result.
    start
        The event's start (for the ``+1 day`` mark of late returns).
    units
        ``"metric"`` (km, m, min/km) or ``"imperial"`` (mi, ft, min/mi).

    Returns
    -------
    str
        E.g. ``"Group B, 6:30/km: 9.4 km, ↑380 m, 62 min, back 9:14"``, followed by
        ``" — NOT within ±3% of the …"`` when the group misses the duration rule.
    """
    g = result.group
    per = "" if units == "imperial" else "/km"  # the imperial pace carries "/mi"
    head = f"{g.label}, {format_pace(g.profile.flat_pace_s_per_km, units)}{per}"
    if result.route is None or result.return_time is None:
        return f"{head}: NO ROUTE — {result.problem}"
    s = result.route.stats
    line = (
        f"{head}: {format_distance(s.distance_m, units)}, ↑{format_height(s.ascent_m, units)}, "
        f"{pace.format_duration(s.duration_s)}, back {_clock(result.return_time, start)}"
    )
    if result.problem:
        line += f" — {result.problem}"
    outcome = result.route.outcome
    others = [m for m in outcome.misses if not m.startswith("duration")] if outcome else []
    if others:
        line += f" — MISSED: {'; '.join(others)}"
    return line


def _regroup_text(plan: GroupPlan, point: RegroupPoint) -> str:
    labels = {r.group.name: r.group.label.removeprefix("Group ") for r in plan.results}
    times = point.meet() or point.times()
    where = " / ".join(point.ways[:2]) or f"junction at {point.lat:.5f},{point.lon:.5f}"
    if point.main_road:
        where += ", on a main road"
    who = ", ".join(
        f"{labels.get(g, g)} {_clock(add_seconds(plan.event.start, t), plan.event.start)}"
        for g, t in sorted(times.items(), key=lambda kv: kv[1])
    )
    return f"{where} ({who})"


def summary_text(plan: GroupPlan, *, max_regroup: int = 3, units: UnitSystem = "metric") -> str:
    """Short text for a chat message: the event, one line per group, where to regroup.

    Parameters
    ----------
    plan
        The planned event.
    max_regroup
        Regroup points listed (best first).
    units
        ``"metric"`` (km, m, min/km) or ``"imperial"`` (mi, ft, min/mi).

    Returns
    -------
    str
        Lines ending with a newline.
    """
    ev = plan.event
    start = ev.start
    lines = [
        f"{ev.title} — {start.strftime('%a %d %b %Y')}, {_clock(start, start)} "
        f"{start.tzname()} at {ev.place}; "
        f"{pace.format_duration(ev.duration_s)}, back {_clock(ev.end, start)}"
    ]
    lines.extend(summary_line(r, start, units=units) for r in plan.results)
    featured = featured_regroup_points(plan)
    if featured:
        shown = featured[:max_regroup]
        lines.append(
            "Regroup: "
            + "; ".join(f"R{i} {_regroup_text(plan, p)}" for i, p in enumerate(shown, start=1))
            + ("; more on the map" if len(featured) > len(shown) else "")
        )
    elif len(plan.routes) >= 2:
        lines.append(
            "Regroup: no junction away from the meeting point where groups pass "
            "within 5 min of each other"
        )
    lines.extend(f"No regroup point for {label}: {why}" for label, why in regroup_gaps(plan))
    if not plan.all_within_tolerance:
        missed = [r.group.label for r in plan.results if not r.within_tolerance]
        lines.append(
            f"Warning: {', '.join(missed)} cannot be given a loop within ±{plan.tolerance:.0%} "
            "of the event's duration (see above)."
        )
    return "\n".join(lines) + "\n"


def _iso(t: datetime | None) -> str | None:
    return None if t is None else t.isoformat(timespec="seconds")


def plan_json(plan: GroupPlan, outputs: Sequence[str | os.PathLike[str]] = ()) -> dict[str, Any]:
    """Return the plan as a JSON-ready dict (``--json`` output).

    Parameters
    ----------
    plan
        The planned event.
    outputs
        Files written, listed under ``"outputs"``.

    Returns
    -------
    dict
        ``{"event": {...}, "groups": [{"name", "distance_m", "duration_s",
        "ascent_m", "return_time", ...}], "regroup_points": [...], "summary",
        "outputs"}``; times are ISO 8601 with the zone's offset.
    """
    ev = plan.event
    groups = []
    for r in plan.results:
        g = r.group
        item: dict[str, Any] = {
            "name": g.name,
            "label": g.label,
            "flat_pace": pace.format_pace(g.profile.flat_pace_s_per_km),
            "pace_model": g.profile.model,
            "max_difficulty": f"T{g.profile.max_difficulty}",
        }
        if r.route is not None:
            item.update(r.route.stats.as_dict())
        item.update(_outcome(r))
        item["target_duration_s"] = round(r.target_duration_s, 1)
        # + 0.0 turns -0.0 into 0.0
        item["deviation"] = None if r.deviation is None else round(r.deviation, 4) + 0.0
        item["return_time"] = _iso(r.return_time)
        item["within_tolerance"] = r.within_tolerance
        item["problem"] = r.problem
        item["ways"] = [] if r.route is None else r.route.names
        groups.append(item)
    points = [
        {
            "lat": round(p.lat, 6),
            "lon": round(p.lon, 6),
            "node": p.node,
            "groups": list(p.groups),
            "ways": list(p.ways),
            "window_s": round(p.window_s, 1),
            "main_road": p.main_road,
            "passes": [p_._asdict() for p_ in p.passes],
        }
        for p in plan.regroup_points
    ]
    featured = featured_regroup_points(plan)
    return {
        "event": {
            "title": ev.title,
            "start": _iso(ev.start),
            "timezone": getattr(ev.start.tzinfo, "key", str(ev.start.tzinfo)),
            "duration_s": round(ev.duration_s, 1),
            "return_time": _iso(ev.end),
            "meeting_point": {"lat": ev.meeting_lat, "lon": ev.meeting_lon},
            "location": ev.location,
            "tolerance": plan.tolerance,
            "all_within_tolerance": plan.all_within_tolerance,
        },
        "groups": groups,
        "regroup_points": points,
        "map_regroup_points": [
            {
                "label": f"R{i}",
                "node": p.node,
                "main_road": p.main_road,
                "times_s": {g: round(t, 1) for g, t in p.meet().items()},
            }
            for i, p in enumerate(featured, start=1)
        ],
        "regroup_missing": [{"group": g, "reason": why} for g, why in regroup_gaps(plan)],
        "summary": summary_text(plan),
        "outputs": [str(o) for o in outputs],
    }


def _outcome(result: GroupResult) -> dict[str, Any]:
    """``meets_brief``, ``misses``, ``shape``, ``notes`` of a group's loop."""
    route = result.route
    if route is None:
        return {"meets_brief": False, "misses": [result.problem or "no loop"], "shape": None}
    if route.outcome is None:
        ok = result.within_tolerance
        return {"meets_brief": ok, "misses": [] if ok else [result.problem], "shape": "loop"}
    return route.outcome.as_dict()


def plan_misses(plan: GroupPlan) -> list[str]:
    """Return what each group missed of its brief, ``"Group B: …"`` per miss."""
    out: list[str] = []
    for r in plan.results:
        misses = _outcome(r)["misses"]
        out.extend(f"{r.group.label}: {m}" for m in misses)
    return out


def calendar_text(plan: GroupPlan, *, stamp: datetime | None = None) -> str:
    """Return the event as an RFC 5545 calendar (:func:`routeplanner.output.ics.event_ics`).

    Parameters
    ----------
    plan
        The planned event.
    stamp
        ``DTSTAMP``; defaults to now.

    Returns
    -------
    str
        Calendar text; the event lasts until the latest expected return (at
        least the event's duration) and its description holds the summary and
        the notes.
    """
    ev = plan.event
    longest = max((r.route.stats.duration_s for r in plan.results if r.route), default=0.0)
    description = summary_text(plan)
    if ev.notes:
        description += "\n" + ev.notes.strip() + "\n"
    return ics.event_ics(
        title=ev.title,
        start=ev.start,
        duration_s=max(ev.duration_s, longest),
        place=ics.EventPlace(ev.place, lon=ev.meeting_lon, lat=ev.meeting_lat),
        description=description,
        stamp=stamp,
    )


def gpx_text(
    plan: GroupPlan,
    result: GroupResult,
    waypoints: Sequence[tuple[float, float, str, str]] = (),
) -> str:
    """Return a group's loop as GPX 1.1, with predicted times from the event's start.

    The document of :func:`device_doc` (InputError if the group has no route), titled
    with the event and the group, its climbs marked, and ``waypoints``: ``(lon, lat,
    name, type)`` points off the route (a safety sheet's bail-outs …).
    """
    doc = dataclasses.replace(
        device_doc(plan, result),
        name=f"{plan.event.title} — {result.group.label}",
        description=summary_line(result, plan.event.start),
        mark_climbs=True,
        waypoints=waypoints,
    )
    return render("gpx", doc).decode("utf-8")


def regroup_route_points(plan: GroupPlan, result: GroupResult) -> list[RoutePoint]:
    """Name the featured regroup points (``R1``, ``R2``…) a group passes, for its GPX and FIT.

    Parameters
    ----------
    plan
        The planned event.
    result
        The group's result.

    Returns
    -------
    list of RoutePoint
        One ``regroup`` point per pass of the group, named like
        ``"R1: regroup with A, C"``.
    """
    out: list[RoutePoint] = []
    for k, point in enumerate(featured_regroup_points(plan), start=1):
        others = [g for g in point.groups if g != result.group.name]
        for p in point.passes:
            if p.group == result.group.name:
                name = f"R{k}: regroup with {', '.join(others)}" if others else f"R{k}: regroup"
                out.append(RoutePoint(name, "regroup", point.lon, point.lat, p.at_m))
    return out


def fit_bytes(plan: GroupPlan, result: GroupResult) -> bytes:
    """Give a group's loop as a FIT course, timed from the event's start, with regroup points.

    The document of :func:`device_doc` (InputError if the group has no route).
    """
    return render("fit", device_doc(plan, result))


def device_doc(plan: GroupPlan, result: GroupResult) -> RouteDoc:
    """Describe a group's loop for a device file: its label, the event's start, regroup points.

    Raises
    ------
    InputError
        If the group has no route.
    """
    if result.route is None:
        raise InputError(f"{result.group.label} has no route to export")
    ev = plan.event
    # Where first, as a watch shows it: the town of "street, town", else the place.
    where = ev.place.rsplit(",", 1)[-1].strip() if ev.location else ev.place
    return RouteDoc(
        result.route,
        name=export.course_name(where, result.group.label, ev.duration_s),
        start=ev.start,
        points=regroup_route_points(plan, result),
    )


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", fold_name(text)).strip("-")[:40].strip("-")


def gpx_filenames(plan: GroupPlan) -> dict[str, str]:
    """File name of each group's GPX (``group-b.gpx``), unique, by group name."""
    out: dict[str, str] = {}
    used: set[str] = set()
    for i, r in enumerate(plan.results, start=1):
        base = _slug(r.group.label) or f"group-{i}"
        name = base
        k = 2
        while name in used:
            name = f"{base}-{k}"
            k += 1
        used.add(name)
        out[r.group.name] = f"{name}.gpx"
    return out


def info_html(plan: GroupPlan, gpx: Mapping[str, tuple[str, str]]) -> str:
    """Event details panel for the map: title, time, notes, groups, GPX downloads.

    Every user-given string (title, location, notes, group and way names) is
    escaped with :func:`html.escape`; the GPX files are embedded as base64
    ``data:`` URLs, so the map alone is all that needs sharing.

    Parameters
    ----------
    plan
        The planned event.
    gpx
        Per group name, ``(file name, GPX text)``.

    Returns
    -------
    str
        An HTML fragment.
    """
    ev = plan.event
    esc = html.escape
    start = ev.start
    parts = [
        f"<p><b>{esc(start.strftime('%a %d %b %Y'))}, {esc(_clock(start, start))} "
        f"{esc(start.tzname() or '')}</b> at "
        f"{esc(ev.place)}<br>{esc(pace.format_duration(ev.duration_s))} — everyone back "
        f"{esc(_clock(ev.end, start))}</p>",
    ]
    if ev.notes:
        notes = "<br>".join(esc(line) for line in ev.notes.strip().splitlines())
        parts.append(f"<p>{notes}</p>")
    parts.append("<ul>")
    for r in plan.results:
        line = esc(summary_line(r, start))
        if r.problem:
            line = f"<b>{line}</b>"
        link = ""
        if r.group.name in gpx:
            fname, text = gpx[r.group.name]
            data = base64.b64encode(text.encode("utf-8")).decode("ascii")
            link = (
                f' <a download="{esc(fname)}" href="data:application/gpx+xml;base64,{data}">'
                "download GPX</a>"
            )
        parts.append(f"<li>{line}{link}</li>")
    parts.append("</ul>")
    featured = featured_regroup_points(plan)
    if featured:
        items = "".join(
            f"<li>R{i} {esc(_regroup_text(plan, p))}</li>" for i, p in enumerate(featured, start=1)
        )
        parts.append(
            "<p>Regroup points (junctions where two or more groups pass within "
            "5 min of each other, trail junctions first; with passing times):</p>"
            f'<ul style="list-style:none;padding-left:0">{items}</ul>'
        )
    for label, why in regroup_gaps(plan):
        parts.append(f"<p><b>No regroup point for {esc(label)}</b>: {esc(why)}</p>")
    return "\n".join(parts)


def _markers(plan: GroupPlan) -> list[tuple[float, float, str]]:
    # Pins show their label on the map itself, so keep labels short; the panel
    # lists R1, R2… with the passing times.
    ev = plan.event
    marks = [(ev.meeting_lon, ev.meeting_lat, "Meeting point")]
    for i, p in enumerate(featured_regroup_points(plan), start=1):
        marks.append((p.lon, p.lat, f"R{i}"))
    return marks


def map_html(
    plan: GroupPlan,
    net: Network,
    dem: Any,
    gpx: Mapping[str, tuple[str, str]],
    *,
    offline: bool = False,
    attribution: Sequence[str] = (),
    extra_info_html: str = "",
    sheets: Sequence[SafetySheet | None] = (),
) -> str:
    """Return the event's HTML map: a layer per group, meeting and regroup points, details.

    Parameters
    ----------
    plan
        The planned event.
    net, dem
        Network and DEM, for the map's overlays.
    gpx
        Per group name, ``(file name, GPX text)``, embedded as downloads.
    offline
        Make a map that works with no network.
    attribution
        Data credits.
    extra_info_html
        More (escaped) HTML for the details panel, such as the safety sheet.
    sheets
        Per route of ``plan.routes``, its group's safety sheet, drawn as markers.

    Returns
    -------
    str
        The HTML document.
    """
    m = maps.route_map(
        plan.routes,
        title=plan.event.title,
        network=net,
        dem=dem,
        markers=_markers(plan),
        options=maps.MapOptions(
            info_html=info_html(plan, gpx) + extra_info_html,
            offline=offline,
            attribution=attribution,
            safety=tuple(sheets),
        ),
    )
    return maps.map_html(m)


def render_outputs(
    plan: GroupPlan,
    net: Network,
    dem: Any,
    *,
    offline: bool = False,
    attribution: Sequence[str] = (),
    stamp: datetime | None = None,
    safety: Any = None,
    units: UnitSystem = "metric",
) -> dict[str, str]:
    """Every output file's text, built in memory: map, GPX per group, calendar, summary.

    Parameters
    ----------
    plan
        The planned event.
    net, dem
        Network and DEM, for the map.
    offline
        Make a map that works with no network.
    attribution
        Data credits for the map.
    stamp
        ``DTSTAMP`` of the calendar event; defaults to now.
    safety
        The event's safety sheet
        (:class:`~routeplanner.output.group_safety.GroupSafetySheet`), if any:
        it goes into the map panel, the GPX files (bail-outs, water, shelters)
        and ``safety.txt``.
    units : {"metric", "imperial"}
        Units of the text people read: ``summary.txt``, ``safety.txt`` and the
        map's safety panel. GPX and the calendar stay in SI units.

    Returns
    -------
    dict
        File name to text: ``map.html``, one ``group-….gpx`` per group with a
        route, ``event.ics``, ``summary.txt`` and, with a sheet, ``safety.txt``.
    """
    names = gpx_filenames(plan)
    sheets = dict(safety.groups) if safety is not None else {}
    gpx = {
        r.group.name: (
            names[r.group.name],
            gpx_text(plan, r, sheets[r.group.label].waypoints() if r.group.label in sheets else ()),
        )
        for r in plan.results
        if r.route is not None
    }
    extra = safety.to_html(units=units) if safety is not None else ""
    files = {
        MAP_FILE: map_html(
            plan,
            net,
            dem,
            gpx,
            offline=offline,
            attribution=attribution,
            extra_info_html=extra,
            sheets=[sheets.get(r.group.label) for r in plan.results if r.route is not None],
        )
    }
    files.update(dict(gpx.values()))
    files[ICS_FILE] = calendar_text(plan, stamp=stamp)
    files[SUMMARY_FILE] = summary_text(plan, units=units)
    if safety is not None:
        files[SAFETY_FILE] = safety.to_text(units=units)
    return files


def check_out_dir(out_dir: str | os.PathLike[str], *, force: bool = False) -> Path:
    """Check, before any work, that ``out_dir`` may be written.

    See :mod:`routeplanner.output.policy`: a new folder, or one holding only
    files this command wrote (its manifest says so), or any folder with
    ``force`` (files routeplanner did not write are then kept, never deleted).

    Parameters
    ----------
    out_dir
        The output folder.
    force
        Allow writing into a folder that holds files this command did not write.

    Returns
    -------
    Path
        The folder.

    Raises
    ------
    InputError
        If it is not a folder (or a link to one), holds other files (without
        ``force``), or its nearest existing parent cannot be written.
    """
    OutputPlan("group", force=force).add_folder("--out-dir", out_dir)
    return Path(out_dir)


def write_outputs(
    out_dir: str | os.PathLike[str], files: Mapping[str, str | bytes], *, force: bool = False
) -> list[Path]:
    """Write files into a folder, all or nothing.

    The files go into a temporary folder beside ``out_dir`` that replaces it
    at the end (or, when the folder holds files routeplanner did not write,
    whose files are moved in beside them).  Earlier outputs of this command
    that are not written again are removed; nothing else is.  On failure the
    temporary folder is removed and the old folder is left as it was.

    Parameters
    ----------
    out_dir
        Folder to create (parents are created as needed).
    files
        File name (no folders) to text (or bytes, for FIT courses).
    force
        Write into a folder holding files this command did not write, and
        replace such files of the same names (see :func:`check_out_dir`).

    Returns
    -------
    list of Path
        The files written, in ``files`` order.

    Raises
    ------
    InputError
        If the folder may not be written, or a file name is not a plain name.
    """
    for name in files:
        if not _OWN_FILE_RE.fullmatch(name):
            raise InputError(f"invalid output file name {name!r}")
    with OutputPlan("group", force=force) as plan:
        target = plan.add_folder("--out-dir", out_dir)
        stage = plan.staging_folder(target)
        for name, text in files.items():
            if isinstance(text, bytes):
                atomic_write_bytes(stage / name, text)
            else:
                atomic_write_text(stage / name, text)
        plan.commit()
    log.debug("wrote %d files into %s", len(files), out_dir)
    return [Path(out_dir) / name for name in files]


def regroup_choice(
    plan: GroupPlan, n: int = MAP_REGROUP_POINTS, min_gap_m: float = REGROUP_GAP_M
) -> RegroupChoice:
    """Return the regroup points to show and why a group has none.

    See :func:`routeplanner.events.regroup.choose_regroup_points`.
    """
    groups = [r.group.name for r in plan.results if r.route is not None]
    return choose_regroup_points(plan.regroup_points, groups, n=n, min_gap_m=min_gap_m)


def featured_regroup_points(
    plan: GroupPlan, n: int = MAP_REGROUP_POINTS, min_gap_m: float = REGROUP_GAP_M
) -> list[RegroupPoint]:
    """Return the regroup points on the map (``R1``, ``R2``…), best first.

    At most ``n``, where two or more groups pass within five minutes of each
    other; every group is in one of them if it can be (:func:`regroup_choice`).

    Parameters
    ----------
    plan
        The planned event.
    n
        At most this many points.
    min_gap_m
        Least distance between points picked to fill up after every group has one.

    Returns
    -------
    list of RegroupPoint
        Best first.
    """
    return list(regroup_choice(plan, n, min_gap_m).points)


def regroup_gaps(plan: GroupPlan) -> list[tuple[str, str]]:
    """Return ``(group label, reason)`` for each group with a route but no regroup point."""
    if len(plan.routes) < 2:
        return []
    labels = {r.group.name: r.group.label for r in plan.results}
    return [(labels.get(g, g), why) for g, why in regroup_choice(plan).missing]
