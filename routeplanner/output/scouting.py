"""A scouting trip as output: its map, with the lines coloured by their steepest 50 m."""

from __future__ import annotations

import html
from collections.abc import Sequence

from routeplanner.network.model import Network
from routeplanner.output import maps
from routeplanner.output.skilines import line_layer, map_segments
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
        layers=[line_layer(plan.lines)],
        options=maps.MapOptions(
            info_html="<br>".join(html.escape(t.strip()) for t in plan_text(plan)[1:]),
            offline=offline,
            attribution=attribution,
        ),
    )
