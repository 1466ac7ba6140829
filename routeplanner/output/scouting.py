"""A scouting trip as output: its map, with the lines coloured by their steepest 50 m."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from routeplanner.network.model import Network
from routeplanner.output import maps
from routeplanner.output._map_assets import esc
from routeplanner.output.skilines import line_layer, map_segments
from routeplanner.safety.sheet import SafetySheet
from routeplanner.search.scouting import ScoutPlan, plan_text
from routeplanner.sources.dem import Dem

__all__ = ["scout_map"]


def scout_map(
    plan: ScoutPlan,
    *,
    title: str,
    network: Network | None,
    dem: Dem | None,
    offline: bool = False,
    attribution: Sequence[str] = (),
    extra_html: str = "",
    sheet: SafetySheet | None = None,
) -> maps.RouteMap:
    """Build the trip's map: route with profile, slope overlay, lines coloured by max slope.

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
    extra_html
        Trusted HTML added to the panel (a safety sheet's, already escaped).
    sheet
        The trip's safety sheet, drawn as markers (water, shelters, exits).

    Returns
    -------
    routeplanner.output.maps.RouteMap
    """
    return maps.route_map(
        [plan.route],
        title=title,
        network=network,
        dem=dem,
        segments=map_segments(plan.lines),
        layers=[line_layer(plan.lines), *_steep_layer(plan)],
        options=maps.MapOptions(
            info_html="<br>".join(html.escape(t.strip()) for t in plan_text(plan)[1:]) + extra_html,
            offline=offline,
            attribution=attribution,
            safety=(sheet,),
        ),
    )


def _steep_layer(plan: ScoutPlan) -> list[Any]:
    """Return a layer drawing the plan's steep legs in red (none if it has none)."""
    from routeplanner.output._folium import folium

    if not plan.steep_legs:
        return []
    r = plan.route
    layer = folium.FeatureGroup(name="Steep legs (red)")
    for leg in plan.steep_legs:
        idx = (r.dist_m >= leg.start_m - 0.05) & (r.dist_m <= leg.end_m + 0.05)
        pts = [[float(y), float(x)] for x, y in zip(r.lon[idx], r.lat[idx], strict=True)]
        if len(pts) >= 2:
            folium.PolyLine(pts, color="#d7191c", weight=7, tooltip=esc(leg.label)).add_to(layer)
    return [layer]
