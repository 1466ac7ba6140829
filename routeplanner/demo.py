"""The demo on the Andorra sample region: the maps ``routeplanner demo`` writes."""

from __future__ import annotations

import datetime as dt
import html
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from routeplanner import data as package_data
from routeplanner import pace
from routeplanner.brief import Constraints
from routeplanner.events.event import load_event
from routeplanner.events.plan import GroupPlan, plan_group_run
from routeplanner.network.model import Network
from routeplanner.output import bundle
from routeplanner.output.bundle import FORMATS, RouteDoc, RouteSet, render
from routeplanner.plan import BlockRequest, make_plan
from routeplanner.plan.routing import EASY_ASCENT_RATE_M_H
from routeplanner.safety.daylight import TripDay
from routeplanner.safety.sheet import default_start, region_timezone, safety_sheet
from routeplanner.search.loops import LoopRequest, find_loops
from routeplanner.search.scouting import plan_scouting
from routeplanner.search.segments import SegmentRequest
from routeplanner.search.workouts import plan_repeats_near, workout_line
from routeplanner.skilines.lines import analyze_line, find_line, osm_lines
from routeplanner.sources.dem import Dem
from routeplanner.sources.pois import Pois
from routeplanner.sources.regions import Region, load_region

__all__ = [
    "DEMO_EVENT",
    "DEMO_LOOP",
    "DEMO_SCOUT",
    "DEMO_WORKOUTS",
    "Demo",
    "DemoEntry",
    "demo_group",
    "demo_scouting",
    "demo_start",
    "demo_workouts",
    "run_demo",
]

#: Where the demo's loop and workouts start.
_LA_MASSANA = (1.5148, 42.5450)

#: The demo loop: 75 minutes easy from La Massana, three alternatives.
DEMO_LOOP: dict[str, Any] = {
    "start": _LA_MASSANA,
    "duration_s": 75 * 60.0,
    "pace": "6:00",
    "seed": 7,
}

#: The example event, which ``routeplanner demo`` plans on the Andorra sample.
DEMO_EVENT = package_data.demo_event_path()
#: Folder of the demo's group run inside the demo's folder.
DEMO_GROUP_SUBDIR = "group-run"
#: The demo's training block (``routeplanner plan`` with the same values).
DEMO_PLAN: dict[str, Any] = {
    "request": {
        "start": date(2027, 5, 3),
        "weeks": 6,
        "week_time_s": (3 * 3600.0, 4.5 * 3600.0),
        "run_days": (1, 3, 5, 6),
        "goal": "ski",
    },
    "start_time": dt.time(7, 30),
}
DEMO_PLAN_SUBDIR = "plan"


#: The demo trip: from Soldeu village to two Grandvalira pistes, mid-July.
DEMO_SCOUT: dict[str, Any] = {
    "start": (1.6675, 42.5765),
    "lines": ("osm:48928233", "osm:48928226"),
    "date": date(2024, 7, 15),
    "tz": "Europe/Andorra",
}

#: The demo workouts: climb repeats and a descent-practice workout near La Massana.
_NEAR_LA_MASSANA: dict[str, Any] = {"start": _LA_MASSANA, "within_m": 3000.0, "pace": "6:00"}
DEMO_WORKOUTS: dict[str, dict[str, Any]] = {
    "climb": {
        **_NEAR_LA_MASSANA,
        "grade": (0.15, 0.30),
        "minutes": (3 * 60.0, 12 * 60.0),
        "min_gain_m": 80.0,
        "reps": 4,
    },
    "descent": {
        **_NEAR_LA_MASSANA,
        "grade": (0.10, 0.30),
        "minutes": (3 * 60.0, 8 * 60.0),
        "min_gain_m": 60.0,
        "reps": 3,
    },
}


#: Stages one file of the demo folder, by its name relative to the folder.
Put = Callable[[str, "str | bytes"], object]


def _quiet(_message: str) -> None:
    """Drop a progress line."""


class _Files:
    """The demo's files: staged by ``put``, or else written together through an output plan."""

    def __init__(self, out_dir: str | os.PathLike[str], put: Put | None) -> None:
        self.out_dir = Path(out_dir)
        self.put = put
        self.files: dict[str, str | bytes] = {}

    def __setitem__(self, name: str, data: str | bytes) -> None:
        if self.put is not None:
            self.put(name, data)
        else:
            self.files[name] = data

    def __call__(self, name: str, data: str | bytes) -> None:
        self[name] = data

    def map_page(self, name: str, m: Any, *, offline: bool, echo: Callable[[str], None]) -> None:
        """Stage the map ``m`` as the page ``name`` and report the page's size."""
        page = bundle.map_page(m, offline=offline, name=name)
        self[name] = page
        echo(f"{name} ({len(page.encode('utf-8')) / 1e6:.2f} MB)")

    def close(self) -> None:
        """Write the collected files (none were collected when ``put`` was given)."""
        if self.files:
            bundle.write_folder(self.out_dir, self.files, command="demo")


def demo_start(today: date | None = None) -> datetime:
    """Give the demo loop's start for GPX and FIT times: tomorrow at 08:00 in Andorra."""
    day = (today or date.today()) + timedelta(days=1)
    return datetime.combine(day, time(8), tzinfo=ZoneInfo("Europe/Andorra"))


_NETWORK_TITLE = "Andorra trail network"


class DemoEntry(NamedTuple):
    """One map of the demo, for the index page."""

    title: str
    filename: str
    description: str


@dataclass(frozen=True)
class Demo:
    """The demo's region and how its sections write: each section is a method.

    Parameters
    ----------
    net : Network
        The Andorra network.
    dem : Dem
        Its DEM: hillshade and slope overlays, and the workout segments' grade check.
    out_dir : Path
        Existing folder to write into.
    offline : bool
        Write maps that work with no network.
    attribution : sequence of str
        Data attribution lines for the maps.
    echo : callable
        Receives one progress line per map written.
    put : callable or None
        Stages each file by its name in ``out_dir`` (the command's output plan);
        without it each section writes its files into ``out_dir`` through an output plan.
    """

    net: Network
    dem: Any
    out_dir: Path
    offline: bool = False
    attribution: Sequence[str] = ()
    echo: Callable[[str], None] = _quiet
    put: Put | None = None

    def _page(self, out: _Files, name: str, draw: Callable[..., Any], what: Any, **kw: Any) -> None:
        """Draw ``what`` over the DEM with the demo's map settings; stage it as page ``name``."""
        m = draw(what, dem=self.dem, offline=self.offline, attribution=self.attribution, **kw)
        out.map_page(name, m, offline=self.offline, echo=self.echo)

    def network(self) -> DemoEntry:
        """Write the network map.

        Returns
        -------
        DemoEntry
        """
        out = _Files(self.out_dir, self.put)
        self._page(out, "network.html", bundle.network_map, self.net, title=_NETWORK_TITLE)
        out.close()
        stats = self.net.stats()
        return DemoEntry(
            _NETWORK_TITLE,
            "network.html",
            f"{stats['trail_km']:.0f} km of trails and {stats['road_km']:.0f} km of connecting "
            "roads, coloured by difficulty, over hillshade and slope-angle shading",
        )

    def loop(self, pois: Pois | None, region: Region | None) -> DemoEntry:
        """Write the 75-minute easy loops (map, GPX, FIT, GeoJSON, safety sheet).

        Parameters
        ----------
        pois : Pois or None
            The region's places: with them the loop carries a safety sheet.
        region : Region or None
            The catalog's Andorra region (time zone, emergency number).

        Returns
        -------
        DemoEntry
        """
        net = self.net
        profile = pace.RunnerProfile.from_strings(DEMO_LOOP["pace"])
        # easy means easy: the plan's ascent-rate cap (gentlest loops in reach, else MISSED)
        easy = Constraints(max_ascent_rate_m_h=EASY_ASCENT_RATE_M_H)
        req = LoopRequest(
            DEMO_LOOP["duration_s"], alternatives=3, seed=DEMO_LOOP["seed"], constraints=easy
        )
        routes = find_loops(net, DEMO_LOOP["start"], profile, req)
        title = "75 min easy loops from La Massana"
        out = _Files(self.out_dir, self.put)
        sheet = None
        if pois is not None:
            lon, lat = float(routes[0].lon[0]), float(routes[0].lat[0])
            zone = region.timezone if region is not None else None
            sheet = safety_sheet(
                routes[0],
                net,
                pois,
                start=default_start(region_timezone(zone, lon, lat)),
                title=f"75 min easy loop from La Massana ({routes[0].name})",  # the map has 3
                emergency_number=_emergency_number(region),
                outputs=["loop.html", "loop.gpx", "loop.fit"],
            )
            out["safety.txt"] = sheet.to_text()
        info = sheet.to_html() if sheet is not None else None
        self._page(
            out, "loop.html", bundle.route_map, routes, title=title, network=net, info_html=info
        )
        start = demo_start()
        shape = routes[0].outcome.shape if routes[0].outcome else "loop"
        course = bundle.course_name("La Massana", f"easy {shape}", DEMO_LOOP["duration_s"])
        wpts = sheet.waypoints() if sheet is not None else ()
        out["loop.gpx"] = render(
            "gpx", RouteDoc(routes[0], name=course, start=start, waypoints=wpts)
        )
        out["loop.fit"] = render("fit", RouteDoc(routes[0], name=course, start=start))
        out["loop.geojson"] = FORMATS["geojson"].render(RouteSet([RouteDoc(r) for r in routes]))
        out.close()
        best = routes[0].stats
        return DemoEntry(
            title,
            "loop.html",
            f"{len(routes)} alternatives at 6:00/km flat pace; "
            f"best: {best.distance_m / 1000:.1f} km, "
            f"{pace.format_duration(best.duration_s)}, +{best.ascent_m:.0f} m "
            "(timed GPX: loop.gpx, FIT course: loop.fit, GeoJSON: loop.geojson"
            + (", safety sheet: safety.txt)" if sheet is not None else ")"),
        )

    def workouts(self) -> list[DemoEntry]:
        """Write the climb-repeats and descent-practice maps (and their GPX).

        Returns
        -------
        list of DemoEntry
        """
        entries = []
        out = _Files(self.out_dir, self.put)
        for kind, cfg in DEMO_WORKOUTS.items():
            profile = pace.RunnerProfile.from_strings(cfg["pace"], max_difficulty="T3")
            req = SegmentRequest(
                kind,
                cfg["grade"],
                cfg["min_gain_m"],
                duration_s=cfg.get("minutes"),
                near=cfg["start"],
                within_m=cfg["within_m"],
                limit=5,
                min_trail_share=0.8,  # on trails: technique, not tarmac
            )
            work = plan_repeats_near(
                self.net, cfg["start"], req, profile, cfg["reps"], dem=self.dem
            )
            seg = work.segment
            lo, hi = cfg["grade"]
            if kind == "climb":
                title = f"Hill repeats: {cfg['reps']} × {seg.name} from La Massana"
                what = (
                    f"{cfg['reps']} × a {seg.length_m:.0f} m climb, +{seg.rise_m:.0f} m at "
                    f"{seg.mean_grade:.0%} mean (max {seg.max_grade:.0%} over 100 m), "
                    f"chosen for a {lo * 100:.0f}-{hi * 100:.0f}% skin-track grade"
                )
            else:
                m_lo, m_hi = cfg["minutes"]
                title = f"Descent practice: {cfg['reps']} × {seg.name} from La Massana"
                what = (
                    f"{cfg['reps']} × a {pace.format_duration(seg.duration_s)} descent, "
                    f"-{seg.rise_m:.0f} m at {seg.mean_grade:.0%} mean, chosen for "
                    f"{m_lo / 60:.0f}-{m_hi / 60:.0f} min at {lo * 100:.0f}-{hi * 100:.0f}%"
                )
            filename = f"workout-{kind}.html"
            self._page(
                out,
                filename,
                bundle.route_map,
                [work.route],
                title=title,
                network=self.net,
                segments=[bundle.map_segment(seg, "1")],
                info_html=f"<p>{html.escape(workout_line(work))}</p>",
            )
            out[f"workout-{kind}.gpx"] = render("gpx", RouteDoc(work.route, name=title))
            desc = (
                f"{what}; one repeat {pace.format_duration(work.repeat_s)}, total "
                f"{pace.format_duration(work.total_s)} at {cfg['pace']}/km flat pace "
                f"(GPX: workout-{kind}.gpx)"
            )
            entries.append(DemoEntry(title, filename, desc))
        out.close()
        return entries

    def scouting(self) -> list[DemoEntry]:
        """Write the scouting map (and its GPX/GeoJSON).

        The trip of :data:`DEMO_SCOUT`: from Soldeu to two Grandvalira pistes
        that share the same north-facing mountainside, Avet (advanced) and Bosc
        Fosc (easy), on 15 July.

        Returns
        -------
        list of DemoEntry
        """
        net, dem = self.net, self.dem
        raws = osm_lines(net)
        lines = [analyze_line(find_line(raws, q), dem) for q in DEMO_SCOUT["lines"]]
        tz = ZoneInfo(DEMO_SCOUT["tz"])
        day = TripDay(DEMO_SCOUT["date"], tz)
        plan = plan_scouting(net, dem, DEMO_SCOUT["start"], lines, daylight=day)
        title = "Summer scouting from Soldeu: " + " and ".join(ln.name for ln in plan.lines)
        out = _Files(self.out_dir, self.put)
        self._page(out, "scout.html", bundle.scout_map, plan, title=title, network=net)
        feats = [bundle.line_feature(ln) for ln in plan.lines]
        doc = RouteDoc(plan.route, name=title)
        out["scout.gpx"] = render("gpx", doc)
        out["scout.geojson"] = FORMATS["geojson"].render(RouteSet([doc], features=feats))
        out.close()
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
        return [DemoEntry(title, "scout.html", desc)]

    def plan(self) -> DemoEntry:
        """Write the 6-week ``--goal ski`` block from La Massana into ``plan/``.

        Returns
        -------
        DemoEntry
            Its page's path is relative to ``out_dir``.
        """
        request = BlockRequest(**DEMO_PLAN["request"])
        profile = pace.RunnerProfile.from_strings(DEMO_LOOP["pace"])
        plan = make_plan(self.net, DEMO_LOOP["start"], profile, request)
        title = "6-week ski base block from La Massana"
        files = bundle.plan_folder_files(
            plan.block,
            plan.weeks,
            where="La Massana",
            start_time=DEMO_PLAN["start_time"],
            tz="Europe/Andorra",
            maps={"offline": self.offline, "basemap": bundle.basemap_for(self.net)},
            courses=False,
        )
        out = _Files(self.out_dir, self.put)
        for name, text in files.items():
            out[f"{DEMO_PLAN_SUBDIR}/{name}"] = text
        out.close()
        runs = [rs for w in plan.weeks for rs in w if rs.session.is_run]
        met = sum(rs.meets_brief for rs in runs)
        self.echo(f"{DEMO_PLAN_SUBDIR}/plan.html ({len(files)} files)")
        return DemoEntry(
            title,
            f"{DEMO_PLAN_SUBDIR}/plan.html",
            f"3 h → 4 h 30 a week, Tue Thu Sat Sun, climbs from week 2 and descent practice "
            f"from week 3; {met}/{len(runs)} routed runs meet their brief "
            "(calendar: plan.ics, every run's GPX and map)",
        )


def _emergency_number(region: Region | None) -> str:
    return region.emergency_number if region is not None else "112"


def run_demo(
    net: Network,
    dem: Any,
    out_dir: Path,
    *,
    offline: bool = False,
    attribution: Sequence[str] = (),
    echo: Callable[[str], None] = _quiet,
    pois: Pois | None = None,
    put: Put | None = None,
) -> list[DemoEntry]:
    """Write the demo maps (and GPX/GeoJSON of the loop) into ``out_dir``.

    Parameters
    ----------
    net, dem, out_dir, offline, attribution, echo, put
        The region and how the files are written (see :class:`Demo`); without
        ``put`` the files are written together at the end.
    pois
        The region's places: with them, the loop and the group run carry a
        safety sheet (map panel, GPX waypoints, ``safety.txt``) for a start at
        the next 08:00, in the time zone and with the emergency number of the
        catalog's Andorra region.

    Returns
    -------
    list of DemoEntry
        What was written, as listed in ``index.html``.
    """
    out = _Files(out_dir, put)
    demo = Demo(net, dem, Path(out_dir), offline, attribution, echo, put=out)
    region = load_region("andorra") if pois is not None else None
    entries = [demo.network(), demo.loop(pois, region), *demo.workouts(), *demo.scouting()]
    entries += [
        DemoEntry(*e)
        for e in demo_group(
            net,
            dem,
            out_dir,
            offline=offline,
            attribution=attribution,
            echo=echo,
            safety=None if pois is None else _group_sheet(net, pois, _emergency_number(region)),
        )
    ]
    entries.append(demo.plan())
    out["index.html"] = bundle.index_page([(e.title, e.filename, e.description) for e in entries])
    out.close()
    return entries


def demo_workouts(net: Network, dem: Any, out_dir: Path) -> list[DemoEntry]:
    """Write the demo's climb-repeats and descent-practice maps into ``out_dir`` (:class:`Demo`)."""
    return Demo(net, dem, Path(out_dir)).workouts()


def demo_scouting(net: Network, dem: Dem, out_dir: Path) -> list[DemoEntry]:
    """Write the demo scouting map (and its GPX/GeoJSON) into ``out_dir`` (:class:`Demo`)."""
    return Demo(net, dem, Path(out_dir)).scouting()


def demo_group(
    net: Network,
    dem: Any,
    out_dir: str | os.PathLike[str],
    *,
    offline: bool = False,
    attribution: Sequence[str] = (),
    event_path: str | os.PathLike[str] = DEMO_EVENT,
    echo: Callable[[str], None] = _quiet,
    safety: Callable[[GroupPlan], Any] | None = None,
) -> list[tuple[str, str, str]]:
    """Plan the example group run (three pace groups in Andorra) for the demo.

    Writes ``out_dir/group-run/`` (map, a GPX per group, calendar event and
    summary), replacing an earlier demo run.

    Parameters
    ----------
    net
        The Andorra network.
    dem
        Its DEM, for the map's overlays.
    out_dir
        The demo's folder (must exist).
    offline
        Make a map that works with no network.
    attribution
        Data credits for the map.
    event_path
        The event file (``data/events/saturday.toml``).
    echo
        Receives the chat summary and the files written.
    safety
        Makes the event's safety sheet from the plan (see
        :func:`~routeplanner.output.group_run.render_outputs`).

    Returns
    -------
    list of tuple
        Index entries ``(title, filename, description)``, filename relative to
        ``out_dir``.
    """
    subdir = DEMO_GROUP_SUBDIR
    event = load_event(event_path)
    plan = plan_group_run(net, event)
    files = bundle.group_files(
        plan,
        net,
        dem,
        offline=offline,
        attribution=attribution,
        safety=safety(plan) if safety is not None else None,
    )
    written = bundle.write_group_folder(Path(out_dir) / subdir, files, force=True)
    echo(str(files[bundle.GROUP_SUMMARY_FILE]).rstrip("\n"))
    size = len(str(files[bundle.GROUP_MAP_FILE]).encode("utf-8"))
    echo(
        f"{subdir}/{bundle.GROUP_MAP_FILE} ({size / 1e6:.2f} MB) and {len(written) - 1} more files"
    )
    on_time = "all within ±3%" if plan.all_within_tolerance else "NOT all within ±3%"
    groups = ", ".join(
        f"{r.group.label} {pace.format_pace(r.group.profile.flat_pace_s_per_km)}/km"
        for r in plan.results
    )
    description = (
        f"{event.title}: {len(plan.results)} pace groups ({groups}), one "
        f"{pace.format_duration(event.duration_s)} loop each from {event.place}, {on_time}, "
        f"{len(plan.regroup_points)} regroup points (GPX per group, event.ics, summary.txt in "
        f"{subdir}/)"
    )
    return [(f"Group run: {event.title}", f"{subdir}/{bundle.GROUP_MAP_FILE}", description)]


def _group_sheet(net: Network, pois: Pois, emergency_number: str) -> Callable[[GroupPlan], Any]:
    """Make the function that computes the demo group run's safety sheet from its plan."""

    def sheet(plan: GroupPlan) -> Any:
        return bundle.group_safety_sheet(plan, net, pois, emergency_number=emergency_number)

    return sheet
