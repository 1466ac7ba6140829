"""The planner's file exports: one route's GPX or FIT, or the offline HTML map.

The one adapter between the server and the writers the command line uses, so the
page downloads exactly what ``loop --gpx/--fit/--out --offline --safety`` writes:
a timed GPX 1.1 with the safety sheet's waypoints, a FIT course with its course
points, and the self-contained map with the sheets in its panel.
"""

from __future__ import annotations

from typing import Any

__all__ = ["route_file"]


def route_file(kind: str, planned: Any, loaded: Any, index: int) -> bytes:
    """Render one file of a planned query.

    Parameters
    ----------
    kind
        ``"gpx"`` or ``"fit"`` (route ``index``), or ``"html"`` (every route).
    planned
        The query's :class:`~routeplanner.serve.planner.Planned`.
    loaded
        The region.
    index
        Which route a GPX or FIT holds.

    Returns
    -------
    bytes
    """
    if kind == "html":
        from routeplanner.cli._common import map_html

        info = "".join(s.to_html() for s in planned.sheets) or None
        html = map_html(planned.routes, loaded, planned.title, offline=True, info_html=info)
        return html.encode("utf-8")
    from routeplanner.cli._exports import ExportSettings, route_set
    from routeplanner.cli._places import place_name
    from routeplanner.output import bundle
    from routeplanner.sources.places import Place

    route, sheet = planned.routes[index], planned.sheets[index]
    lon, lat = float(route.lon[0]), float(route.lat[0])
    # Named as the command line names courses: where, what and how long.
    place = place_name(Place(f"{lat:.4f},{lon:.4f}", "point", lon, lat), loaded)
    shape = route.outcome.shape if route.outcome else route.kind
    duration = route.target_duration_s or route.stats.duration_s
    rs = route_set(
        [route],
        title=[bundle.course_name(place, shape, duration, index + 1)],
        settings=ExportSettings(),
        waypoints={0: sheet.waypoints()},
        course_points=bundle.sheet_points([route], [sheet]),
    )
    return bundle.FORMATS[kind].render(rs)
