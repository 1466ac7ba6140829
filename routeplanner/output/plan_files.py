"""The files of a training plan: plan.json, plan.ics, a GPX per routed session, plan.html.

Everything is rendered to text first (:func:`plan_files`), so the caller can write the
whole folder at once and swap it in.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import numpy as np

from routeplanner.output.bundle import RouteDoc, render
from routeplanner.output.export import course_name
from routeplanner.output.formats import Calendar, CalendarEvent, calendar_text
from routeplanner.plan.block import Block, PlannedSession
from routeplanner.plan.routing import RoutedSession
from routeplanner.route import Route

if TYPE_CHECKING:
    from routeplanner.safety.sheet import SafetySheet
    from routeplanner.sources.basemap import BasemapFeatures

__all__ = [
    "fit_name",
    "gpx_name",
    "map_name",
    "plan_courses",
    "plan_files",
    "plan_ics",
    "plan_json",
    "plan_maps",
    "plan_title",
    "safety_name",
    "session_title",
    "week_line",
]

#: A session's safety sheet, by ``(date, kind)`` (a block has one session of a kind a day).
Sheets = Mapping[tuple[dt.date, str], "SafetySheet"]

_KIND_LABEL = {
    "easy": "Easy run",
    "long": "Long run",
    "climbs": "Climbs",
    "descent": "Descent practice",
    "cross": "Cross-training",
    "strength": "Strength",
    "rest": "Rest",
}
_KIND_COLOUR = {
    "easy": "#2e7d32",
    "long": "#1565c0",
    "climbs": "#c62828",
    "descent": "#ef6c00",
    "cross": "#6a1b9a",
    "strength": "#546e7a",
    "rest": "#9e9e9e",
}


def _hm(seconds: float) -> str:
    """``1 h 05`` / ``45 min``."""
    m = round(seconds / 60)
    return f"{m // 60} h {m % 60:02d}" if m >= 60 else f"{m} min"


def gpx_name(s: PlannedSession) -> str:
    """File name of a session's GPX, unique within a block."""
    return f"gpx/{s.date.isoformat()}-{s.kind}.gpx"


def fit_name(s: PlannedSession) -> str:
    """File name of a session's FIT course, unique within a block."""
    return f"fit/{s.date.isoformat()}-{s.kind}.fit"


def safety_name(s: PlannedSession) -> str:
    """File name of a session's safety sheet, unique within a block."""
    return f"safety/{s.date.isoformat()}-{s.kind}.txt"


def session_title(s: PlannedSession, where: str = "") -> str:
    """Name a session for courses and messages: where, what, how long and when.

    ``Ordino long run 90 min 2027-05-09`` (``Long run 90 min 2027-05-09`` without
    ``where``).  Every session starts from the block's home, so the date tells them
    apart on a watch.
    """
    what = _KIND_LABEL[s.kind]
    if where:
        return f"{course_name(where, what.lower(), s.planned_s)} {s.date.isoformat()}"
    return f"{what} {round(s.planned_s / 60)} min {s.date.isoformat()}"


def plan_title(block: Block, where: str) -> str:
    """Name a block from its home: ``6-week ski block from La Massana``."""
    return f"{block.request.weeks}-week {block.request.goal} block from {where}"


def map_name(s: PlannedSession) -> str:
    """File name of a session's interactive map, unique within a block."""
    return f"maps/{s.date.isoformat()}-{s.kind}.html"


def _route_json(rs: RoutedSession, sheets: Sheets) -> dict[str, Any] | None:
    if rs.route is None:
        return None
    st = rs.route.stats
    out: dict[str, Any] = {
        "duration_s": round(st.duration_s, 1),
        "distance_m": round(st.distance_m, 1),
        "ascent_m": round(st.ascent_m, 1),
        "trail_share": round(st.trail_share, 3),
        "gpx": gpx_name(rs.session),
        "meets_brief": rs.meets_brief,
    }
    if rs.segment:
        out["segment"] = rs.segment
        out["reps"] = rs.reps
    sheet = sheets.get((rs.session.date, rs.session.kind))
    if sheet is not None:
        out["safety"] = sheet.to_json()
        out["safety_file"] = safety_name(rs.session)
    return out


def plan_json(
    block: Block, weeks: Sequence[Sequence[RoutedSession]], *, sheets: Sheets | None = None
) -> dict[str, Any]:
    """Describe the whole plan, machine-readable (the interface of ``plan.json``).

    A routed session with a safety sheet in ``sheets`` has it under ``route.safety``
    (the shape of ``--json``'s ``safety``) and its file under ``route.safety_file``.
    """
    sheets = sheets or {}
    req = block.request
    out_weeks = []
    for w, routed in zip(block.weeks, weeks, strict=True):
        sessions = []
        for rs in routed:
            s = rs.session
            item: dict[str, Any] = {
                "date": s.date.isoformat(),
                "kind": s.kind,
                "planned_s": round(s.planned_s, 1),
                "note": s.note,
            }
            route = _route_json(rs, sheets)
            if route is not None:
                item["route"] = route
            if rs.misses:
                item["misses"] = list(rs.misses)
            sessions.append(item)
        out_weeks.append(
            {
                "index": w.index,
                "start": w.start.isoformat(),
                "recovery": w.recovery,
                "planned_run_s": round(w.planned_run_s, 1),
                "hard_s": round(w.hard_s, 1),
                "sessions": sessions,
            }
        )
    run = [rs for routed in weeks for rs in routed if rs.session.is_run]
    return {
        "start": req.start.isoformat(),
        "weeks_count": req.weeks,
        "goal": req.goal,
        "ramp": req.ramp,
        "recovery_every": req.recovery_every,
        "recovery_factor": req.recovery_factor,
        "easy_share": req.easy_share,
        "long_cap": req.long_cap,
        "meets_brief": all(rs.meets_brief for rs in run),
        "misses": [f"{rs.session.date} {rs.session.kind}: {m}" for rs in run for m in rs.misses],
        "weeks": out_weeks,
    }


def week_line(week_json: dict[str, Any]) -> str:
    """One line per week for the terminal.

    Examples
    --------
    >>> week_line({"index": 2, "start": "2027-05-10", "recovery": False,
    ...            "planned_run_s": 11880.0, "sessions": [
    ...     {"kind": "climbs", "planned_s": 2400.0}, {"kind": "rest", "planned_s": 0}]})
    'Week 2 (2027-05-10): 3 h 18 run, 1 sessions: climbs 40 min'
    """
    runs = [s for s in week_json["sessions"] if s["kind"] in _KIND_LABEL and s["kind"] != "rest"]
    runs = [s for s in runs if s["kind"] not in ("cross", "strength")]
    parts = ", ".join(f"{s['kind']} {_hm(s['planned_s'])}" for s in runs)
    rec = " recovery" if week_json["recovery"] else ""
    return (
        f"Week {week_json['index']}{rec} ({week_json['start']}): "
        f"{_hm(week_json['planned_run_s'])} run, {len(runs)} sessions: {parts}"
    )


def plan_ics(
    block: Block,
    weeks: Sequence[Sequence[RoutedSession]],
    *,
    start_time: dt.time,
    tz: str,
    title: str,
) -> str:
    """One calendar event per session (rest days left out), times in UTC."""
    zone = ZoneInfo(tz)
    events = []
    for routed in weeks:
        for rs in routed:
            s = rs.session
            if s.kind == "rest":
                continue
            begin = dt.datetime.combine(s.date, start_time, zone).astimezone(dt.timezone.utc)
            dur = rs.route.stats.duration_s if rs.route is not None else s.planned_s
            desc = [s.note]
            if rs.route is not None:
                st = rs.route.stats
                desc.append(
                    f"{st.distance_m / 1000:.1f} km, +{st.ascent_m:.0f} m, "
                    f"{_hm(st.duration_s)}; GPX: {gpx_name(s)}"
                )
            desc.extend(f"MISSED: {m}" for m in rs.misses)
            events.append(
                CalendarEvent(
                    uid=f"{s.date.isoformat()}-{s.kind}@routeplanner",
                    start=begin,
                    duration=dt.timedelta(seconds=round(dur)),
                    summary=f"{_KIND_LABEL[s.kind]} {_hm(s.planned_s)}",
                    description="\n".join(desc),
                    stamp=dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc),
                )
            )
    prodid = "-//routeplanner//training plan//EN"
    return calendar_text(Calendar(events, prodid=prodid, name=title))


def _preview_svg(route: Route, width: int = 160, height: int = 110) -> str:
    """Draw a small static picture of the route's shape (no tiles, no script)."""
    lon = np.asarray(route.lon, dtype=float)
    lat = np.asarray(route.lat, dtype=float)
    x = lon * math.cos(math.radians(float(np.mean(lat))))
    y = -lat
    span = max(float(np.ptp(x)), float(np.ptp(y)), 1e-9)
    sx = (x - x.min()) / span * (width - 10) + 5
    sy = (y - y.min()) / span * (height - 10) + 5
    step = max(1, len(sx) // 300)
    pts = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(sx[::step], sy[::step], strict=True))
    return (
        f'<svg class="preview" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="route shape"><polyline points="{pts}" fill="none" '
        f'stroke="#c62828" stroke-width="2"/>'
        f'<circle cx="{sx[0]:.1f}" cy="{sy[0]:.1f}" r="4" fill="#1b5e20"/></svg>'
    )


def _volume_svg(block: Block, weeks: Sequence[Sequence[RoutedSession]]) -> str:
    """Bar chart of the weekly running time: planned, and what the routes take."""
    top = max(w.planned_run_s for w in block.weeks) * 1.1
    bars = []
    for w, routed in zip(block.weeks, weeks, strict=True):
        routed_s = sum(rs.route.stats.duration_s for rs in routed if rs.route is not None)
        cls = "bar recovery" if w.recovery else "bar"
        bars.append(
            f'<div class="col" title="Week {w.index}: {_hm(w.planned_run_s)} planned, '
            f'{_hm(routed_s)} routed"><div class="track"><div class="{cls}" '
            f'style="height:{w.planned_run_s / top * 100:.1f}%"></div></div>'
            f'<div class="lbl">W{w.index}<br>{_hm(w.planned_run_s)}</div></div>'
        )
    return (
        '<div class="volume" role="img" aria-label="weekly running time">'
        + "".join(bars)
        + "</div>"
    )


_CSS = """
body{font-family:system-ui,sans-serif;margin:0;padding:0 12px 40px;color:#212121}
h1{font-size:1.4em}h2{font-size:1.1em;margin:1.2em 0 .4em}
.volume{display:flex;gap:6px;align-items:flex-end;height:170px;padding:6px;
background:#fafafa;border:1px solid #ddd;font-size:.8em;text-align:center}
.volume .col{flex:1;display:flex;flex-direction:column;height:100%;min-width:0}
.volume .track{flex:1 1 auto;position:relative}
.volume .lbl{flex:none;line-height:1.3}
.volume .bar{position:absolute;left:0;right:0;bottom:0;background:#1565c0;
border-radius:3px 3px 0 0}
.volume .bar.recovery{background:#90caf9}
.session+.session{border-top:1px dashed #ccc;margin-top:6px;padding-top:6px}
.week{display:grid;grid-template-columns:repeat(7,minmax(0,1fr));gap:6px}
.day{border:1px solid #ddd;border-radius:6px;padding:6px;font-size:.85em;min-width:0}
.kind{font-weight:600;color:#fff;border-radius:4px;padding:1px 5px;display:inline-block}
.preview{width:100%;height:auto;max-height:110px;background:#f5f5f5;border-radius:4px}
.missed{color:#b71c1c;font-weight:600}
.safety{font-size:.9em;color:#37474f}
.banner{background:#b71c1c;color:#fff;padding:8px;border-radius:6px}
a{color:#0d47a1}
@media (max-width:600px){.week{grid-template-columns:1fr}.day{font-size:1em}}
"""


def _safety_line(sheet: SafetySheet, name: str) -> str:
    """One escaped line of a session card: bail-outs, water, back by, and the sheet's file."""
    e = html.escape
    back = sheet.daylight.expected_finish.strftime("%H:%M")
    text = (
        f"Safety: {len(sheet.bailouts)} bail-outs (longest "
        f"{_hm(sheet.longest_without_bailout_s)} without), {len(sheet.water)} water, "
        f"{len(sheet.shelters)} shelter; back by {back}"
    )
    return f'<div class="safety">{e(text)} · <a href="{e(name)}">sheet</a></div>'


def _session_html(rs: RoutedSession, sheets: Sheets) -> str:
    s = rs.session
    e = html.escape
    out = [
        f'<div class="session" id="{e(s.date.isoformat())}-{e(s.kind)}">',
        f'<span class="kind" style="background:{_KIND_COLOUR[s.kind]}">'
        f"{e(_KIND_LABEL[s.kind])}</span>",
    ]
    if s.planned_s:
        out.append(f"<div>{e(_hm(s.planned_s))} planned</div>")
    out.append(f"<div>{e(s.note)}</div>")
    if rs.route is not None:
        st = rs.route.stats
        out.append(
            f"<div>{st.distance_m / 1000:.1f} km · +{st.ascent_m:.0f} m · "
            f"{e(_hm(st.duration_s))} · trail {st.trail_share:.0%}</div>"
        )
        if rs.segment:
            out.append(f"<div>{rs.reps} × segment {e(rs.segment)}</div>")
        out.append(
            f'<a href="{e(map_name(s))}" title="interactive map">{_preview_svg(rs.route)}</a>'
        )
        out.append(
            f'<div><a href="{e(map_name(s))}">map</a> · <a href="{e(gpx_name(s))}">GPX</a></div>'
        )
        sheet = sheets.get((s.date, s.kind))
        if sheet is not None:
            out.append(_safety_line(sheet, safety_name(s)))
    out.extend(f'<div class="missed">MISSED: {e(m)}</div>' for m in rs.misses)
    out.append("</div>")
    return "".join(out)


def plan_html(
    block: Block,
    weeks: Sequence[Sequence[RoutedSession]],
    *,
    title: str,
    data: dict[str, Any],
    sheets: Sheets | None = None,
) -> str:
    """One page for the whole plan, usable on a phone."""
    sheets = sheets or {}
    e = html.escape
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>{e(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{e(title)}</h1>",
    ]
    if data["misses"]:
        parts.append(
            f'<p class="banner">MISSED: {len(data["misses"])} session(s) do not meet their '
            "brief; they are marked below.</p>"
        )
    parts.append(_volume_svg(block, weeks))
    for w, routed in zip(block.weeks, weeks, strict=True):
        rec = " (recovery)" if w.recovery else ""
        parts.append(
            f"<h2>Week {w.index}{rec}: {e(w.start.strftime('%d %b'))}, "
            f"{e(_hm(w.planned_run_s))} of running</h2><div class='week'>"
        )
        days: dict[dt.date, list[RoutedSession]] = {}
        for rs in routed:
            days.setdefault(rs.session.date, []).append(rs)
        for day, day_sessions in days.items():
            parts.append(
                f"<div class='day'><div>{e(day.strftime('%a %d %b'))}</div>"
                + "".join(_session_html(rs, sheets) for rs in day_sessions)
                + "</div>"
            )
        parts.append("</div>")
    parts.append(
        "<p><small>Map data © OpenStreetMap contributors (ODbL). Plan rules: "
        "see the README's Training plan section.</small></p></body></html>"
    )
    return "".join(parts)


def plan_files(
    block: Block,
    weeks: Sequence[Sequence[RoutedSession]],
    *,
    title: str,
    start_time: dt.time,
    tz: str,
    sheets: Sheets | None = None,
    where: str = "",
) -> dict[str, str]:
    """Every text file of the plan folder except the interactive maps, by relative name.

    With ``sheets`` (by ``(date, kind)``), each routed session that has one also gets
    ``safety/<date>-<kind>.txt``, its sheet in plan.json and a line on its card.
    ``where`` (the home's place name) begins every course name.
    """
    sheets = sheets or {}
    data = plan_json(block, weeks, sheets=sheets)
    zone = ZoneInfo(tz)
    files = {
        "plan.json": json.dumps(data, indent=2, ensure_ascii=False) + "\n",
        "plan.ics": plan_ics(block, weeks, start_time=start_time, tz=tz, title=title),
        "plan.html": plan_html(block, weeks, title=title, data=data, sheets=sheets),
    }
    for routed in weeks:
        for rs in routed:
            if rs.route is None:
                continue
            s = rs.session
            begin = dt.datetime.combine(s.date, start_time, zone)
            doc = RouteDoc(rs.route, name=session_title(s, where), start=begin)
            files[gpx_name(s)] = render("gpx", doc).decode("utf-8")
            sheet = sheets.get((s.date, s.kind))
            if sheet is not None:
                files[safety_name(s)] = sheet.to_text()
    return files


def plan_courses(
    weeks: Sequence[Sequence[RoutedSession]],
    *,
    start_time: dt.time,
    tz: str,
    sheets: Sheets | None = None,
    where: str = "",
) -> dict[str, bytes]:
    """Encode a FIT course per routed session, ``fit/<date>-<kind>.fit``, by relative name.

    Records are timed from the session's date and ``start_time`` in ``tz``; course
    points mark the climbs and descents, and the water and bail-outs of the
    session's safety sheet when ``sheets`` has one.
    """
    from routeplanner.output.points import safety_points

    sheets = sheets or {}
    zone = ZoneInfo(tz)
    out = {}
    for routed in weeks:
        for rs in routed:
            if rs.route is None:
                continue
            s = rs.session
            sheet = sheets.get((s.date, s.kind))
            points = safety_points(rs.route, sheet) if sheet is not None else []
            begin = dt.datetime.combine(s.date, start_time, zone)
            doc = RouteDoc(rs.route, name=session_title(s, where), start=begin, points=points)
            out[fit_name(s)] = render("fit", doc)
    return out


def plan_maps(
    weeks: Sequence[Sequence[RoutedSession]],
    *,
    offline: bool = False,
    basemap: BasemapFeatures | None = None,
) -> dict[str, str]:
    """Render the interactive map of every routed session, by relative name.

    ``basemap`` (:func:`routeplanner.output.map_basemap.basemap_for`) is drawn on each
    when its tiles do not load.
    """
    from routeplanner.output import maps

    out = {}
    for week in weeks:
        for rs in week:
            if rs.route is None:
                continue
            title = f"{_KIND_LABEL[rs.session.kind]} {rs.session.date.isoformat()}"
            opts = maps.MapOptions(offline=offline, basemap=basemap)
            m = maps.route_map([rs.route], title=title, options=opts)
            out[map_name(rs.session)] = maps.map_html(m)
    return out
