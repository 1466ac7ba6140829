"""The demo on the Andorra sample region: the maps ``routeplanner demo`` writes."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from routeplanner import pace
from routeplanner._io import atomic_write_text
from routeplanner.events import group
from routeplanner.network.model import Network
from routeplanner.output import export, fit, maps
from routeplanner.search.loops import LoopRequest, find_loops
from routeplanner.search.scouting import demo_scouting
from routeplanner.search.workouts import demo_workouts

__all__ = ["DEMO_LOOP", "DemoEntry", "demo_start", "run_demo"]

#: The demo loop: 75 minutes easy from La Massana, three alternatives.
DEMO_LOOP = {"start": (1.5148, 42.5450), "duration_s": 75 * 60.0, "pace": "6:00", "seed": 7}


def demo_start(today: date | None = None) -> datetime:
    """Give the demo loop's start for GPX and FIT times: tomorrow at 08:00 in Andorra."""
    day = (today or date.today()) + timedelta(days=1)
    return datetime.combine(day, time(8), tzinfo=ZoneInfo("Europe/Andorra"))


class DemoEntry(NamedTuple):
    """One map of the demo, for the index page."""

    title: str
    filename: str
    description: str


def run_demo(
    net: Network,
    dem: Any,
    out_dir: Path,
    *,
    offline: bool = False,
    attribution: Sequence[str] = (),
    echo: Callable[[str], None] = lambda _m: None,
) -> list[DemoEntry]:
    """Write the demo maps (and GPX/GeoJSON of the loop) into ``out_dir``.

    Parameters
    ----------
    net
        The Andorra network.
    dem
        Its DEM, for hillshade and slope overlays.
    out_dir
        Existing folder to write into.
    offline
        Write maps that work with no network.
    attribution
        Data attribution lines for the maps.
    echo
        Receives one progress line per map written.

    Returns
    -------
    list of DemoEntry
        What was written, as listed in ``index.html``.
    """
    entries: list[DemoEntry] = []

    m = maps.network_map(
        net, title="Andorra trail network", dem=dem, offline=offline, attribution=attribution
    )
    size = maps.save_map(m, out_dir / "network.html", offline=offline)
    stats = net.stats()
    entries.append(
        DemoEntry(
            "Andorra trail network",
            "network.html",
            f"{stats['trail_km']:.0f} km of trails and {stats['road_km']:.0f} km of connecting "
            "roads, coloured by difficulty, over hillshade and slope-angle shading",
        )
    )
    echo(f"network.html ({size / 1e6:.2f} MB)")

    profile = pace.RunnerProfile.from_strings(DEMO_LOOP["pace"])
    req = LoopRequest(DEMO_LOOP["duration_s"], alternatives=3, seed=DEMO_LOOP["seed"])
    routes = find_loops(net, DEMO_LOOP["start"], profile, req)
    title = "75 min easy loops from La Massana"
    m = maps.route_map(
        routes, title=title, network=net, dem=dem, offline=offline, attribution=attribution
    )
    size = maps.save_map(m, out_dir / "loop.html", offline=offline)
    start = demo_start()
    export.write_gpx(out_dir / "loop.gpx", routes[:1], name=title, start=start)
    fit.write_course(out_dir / "loop.fit", routes[0], start=start, name=title)
    atomic_write_text(out_dir / "loop.geojson", json.dumps(export.feature_collection(routes)))
    best = routes[0].stats
    entries.append(
        DemoEntry(
            title,
            "loop.html",
            f"{len(routes)} alternatives at 6:00/km flat pace; "
            f"best: {best.distance_m / 1000:.1f} km, "
            f"{pace.format_duration(best.duration_s)}, +{best.ascent_m:.0f} m "
            "(timed GPX: loop.gpx, FIT course: loop.fit, GeoJSON: loop.geojson)",
        )
    )
    echo(f"loop.html ({size / 1e6:.2f} MB)")

    for extra in (demo_workouts, demo_scouting, group.demo_group):
        entries += [
            DemoEntry(*e)
            for e in extra(net, dem, out_dir, offline=offline, attribution=attribution, echo=echo)
        ]

    maps.write_index(out_dir / "index.html", [tuple(e) for e in entries])
    return entries
