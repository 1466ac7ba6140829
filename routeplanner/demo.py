"""The demo on the Andorra sample region: the maps ``routeplanner demo`` writes."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from routeplanner import pace
from routeplanner._io import atomic_write_text
from routeplanner.events import group
from routeplanner.network.model import Network
from routeplanner.output import export, maps
from routeplanner.search.loops import LoopRequest, find_loops
from routeplanner.search.scouting import demo_scouting
from routeplanner.search.workouts import demo_workouts
from routeplanner.sources.pois import Pois
from routeplanner.sources.regions import Region

__all__ = ["DEMO_LOOP", "DemoEntry", "run_demo"]

#: The demo loop: 75 minutes easy from La Massana, three alternatives.
DEMO_LOOP = {"start": (1.5148, 42.5450), "duration_s": 75 * 60.0, "pace": "6:00", "seed": 7}


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
    pois: Pois | None = None,
    region: Region | None = None,
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
    pois
        The region's places: with them, the loop and the group run carry a
        safety sheet (map panel, GPX waypoints, ``safety.txt``) for a start at
        the next 08:00.
    region
        The catalog region, for its time zone and emergency number.

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
    sheet = None
    zone = region.timezone if region is not None else None
    emergency_number = region.emergency_number if region is not None else "112"
    if pois is not None:
        from routeplanner.safety import default_start, region_timezone, safety_sheet

        lon, lat = float(routes[0].lon[0]), float(routes[0].lat[0])
        start = default_start(region_timezone(zone, lon, lat))
        sheet = safety_sheet(
            routes[0],
            net,
            pois,
            start=start,
            title="75 min easy loop from La Massana",
            emergency_number=emergency_number,
            outputs=["loop.html", "loop.gpx"],
        )
        atomic_write_text(out_dir / "safety.txt", sheet.to_text())
    m = maps.route_map(
        routes,
        title=title,
        network=net,
        dem=dem,
        offline=offline,
        attribution=attribution,
        info_html=sheet.to_html() if sheet is not None else None,
    )
    size = maps.save_map(m, out_dir / "loop.html", offline=offline)
    gpx = export.gpx_document(
        routes[:1], name=title, waypoints=sheet.waypoints() if sheet is not None else ()
    )
    atomic_write_text(out_dir / "loop.gpx", gpx)
    atomic_write_text(out_dir / "loop.geojson", json.dumps(export.feature_collection(routes)))
    best = routes[0].stats
    entries.append(
        DemoEntry(
            title,
            "loop.html",
            f"{len(routes)} alternatives at 6:00/km flat pace; "
            f"best: {best.distance_m / 1000:.1f} km, "
            f"{pace.format_duration(best.duration_s)}, +{best.ascent_m:.0f} m "
            "(GPX: loop.gpx, GeoJSON: loop.geojson"
            + (", safety sheet: safety.txt)" if sheet is not None else ")"),
        )
    )
    echo(f"loop.html ({size / 1e6:.2f} MB)")

    for extra in (demo_workouts, demo_scouting):
        entries += [
            DemoEntry(*e)
            for e in extra(net, dem, out_dir, offline=offline, attribution=attribution, echo=echo)
        ]
    entries += [
        DemoEntry(*e)
        for e in group.demo_group(
            net,
            dem,
            out_dir,
            offline=offline,
            attribution=attribution,
            echo=echo,
            safety=None if pois is None else _group_sheet(net, pois, emergency_number),
        )
    ]

    maps.write_index(out_dir / "index.html", [tuple(e) for e in entries])
    return entries


def _group_sheet(net: Network, pois: Pois, emergency_number: str) -> Callable[[Any], Any]:
    """Make the function that computes the demo group run's safety sheet from its plan."""

    def sheet(plan: Any) -> Any:
        from routeplanner.events.group_safety import group_safety_sheet

        return group_safety_sheet(plan, net, pois, emergency_number=emergency_number)

    return sheet
