"""One way out for every file: routes, with their sheets, become ``{target: bytes}``.

The commands, the demo, group runs, the plan, the catalogue and the planner page all
make their files here: :func:`route_files` renders the formats of
:data:`~routeplanner.output.formats.FORMATS` that were asked for, names one file per
route where a format wants it (``loop.gpx``, ``loop-2.gpx`` …) and returns them by
their target in the run's :class:`~routeplanner.output.policy.OutputPlan`;
:func:`commit` stages them and installs them all or none.  Pages and folders (maps,
group runs, plans, catalogue sites) are rendered by the functions below, so that code
outside ``output/`` imports only this module, :mod:`.formats` and :mod:`.policy`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from routeplanner.errors import InputError
from routeplanner.output.formats import FORMATS, RouteDoc, RouteSet, Waypoint
from routeplanner.output.policy import OutputPlan, Target

if TYPE_CHECKING:
    from routeplanner.output.points import RoutePoint
    from routeplanner.route import Route

__all__ = [
    "FORMATS",
    "RouteDoc",
    "RouteSet",
    "commit",
    "export_option",
    "numbered_paths",
    "route_files",
    "route_set",
    "write_folder",
]


def export_option(name: str) -> str:
    """Give the command-line option of a format: ``--gpx``; the HTML map is ``--out``."""
    return "--out" if name == "html" else f"--{name}"


def numbered_paths(path: str | os.PathLike[str], count: int) -> list[Path]:
    """Name the files of ``count`` routes: ``loop.gpx``, ``loop-2.gpx``, ``loop-3.gpx``."""
    p = Path(path)
    suffix = "".join(p.suffixes[-1:])
    stem = p.name[: len(p.name) - len(suffix)] if suffix else p.name
    return [p, *(p.with_name(f"{stem}-{k}{suffix}") for k in range(2, count + 1))]


def route_set(
    routes: Sequence[Route],
    *,
    title: str,
    start: datetime | None = None,
    points: Mapping[int, Sequence[RoutePoint]] | None = None,
    waypoints: Mapping[int, Sequence[Waypoint]] | None = None,
    course_points: Mapping[int, Sequence[RoutePoint]] | None = None,
    as_route: bool = False,
) -> RouteSet:
    """Describe routes, best first, as the commands export them.

    The first route's files are titled ``title``, the others by their route name; the
    GPX marks the climbs and descents and ``points`` (by route index), the FIT course
    also ``course_points``; each route's GPX gets its own ``waypoints`` (its safety
    sheet's bail-outs, water, shelters).
    """
    points = points or {}
    waypoints = waypoints or {}
    course_points = course_points or {}
    docs = [
        RouteDoc(
            route,
            name=title if i == 0 else route.name,
            start=start,
            points=tuple(points.get(i, ())),
            mark_climbs=True,
            waypoints=tuple(waypoints.get(i, ())),
            course_points=tuple(course_points.get(i, ())),
            as_route=as_route,
        )
        for i, route in enumerate(routes)
    ]
    return RouteSet(docs)


def render(name: str, doc: RouteDoc) -> bytes:
    """Render one route in one format (``render("fit", RouteDoc(route, start=…))``)."""
    return FORMATS[name].render(RouteSet([doc]))


def route_files(
    plan: OutputPlan, rs: RouteSet, targets: Mapping[str, str | os.PathLike[str]]
) -> dict[Target, bytes]:
    """Render the asked formats of a route set, by their target in ``plan``.

    Parameters
    ----------
    plan
        The run's output plan; the first path of each format must be in it already
        (checked when its option was parsed); the ``-2``, ``-3`` … files of the other
        routes are added here.
    rs
        The routes and what their files carry.
    targets
        Format name (a key of :data:`FORMATS`) to the path given for it.

    Returns
    -------
    dict
        Target to the file's bytes, in the order of ``targets``.

    Raises
    ------
    InputError
        If a per-route format of several routes is sent to standard output.
    """
    out: dict[Target, bytes] = {}
    count = len(rs.docs)
    for name, given in targets.items():
        fmt = FORMATS[name]
        if not fmt.per_route or count == 0:
            out[plan.target_for(given)] = fmt.render(rs)
            continue
        option = export_option(name)
        if count > 1 and str(given) == "-":
            raise InputError(f"{option} -: {count} routes need {count} files, not standard output")
        paths = numbered_paths(given, count)
        for p in paths[1:]:
            plan.add_file(option, p, stdout=False)
        for p, doc in zip(paths, rs.docs, strict=True):
            out[plan.target_for(p)] = fmt.render(RouteSet([doc]))
    return out


def commit(plan: OutputPlan, files: Mapping[Target, str | bytes]) -> list[Path]:
    """Stage every file and install them all or none; give the paths written."""
    for target, data in files.items():
        plan.put(target, data)
    return list(plan.commit().written)


def write_folder(
    folder: str | os.PathLike[str],
    files: Mapping[str, str | bytes],
    *,
    command: str,
    force: bool = True,
) -> list[Path]:
    """Write files (by name relative to ``folder``) through an output plan of their own."""
    with OutputPlan(command, force=force) as plan:
        target = plan.add_folder("--out-dir", folder)
        for name, data in files.items():
            plan.put_in(target, name, data)
        plan.commit()
    return [Path(folder) / name for name in files]


# -- what the files carry -------------------------------------------------------------


def sheet_points(routes: Sequence[Route], sheets: Sequence[Any]) -> dict[int, list[RoutePoint]]:
    """Water and bail-outs of each route's safety sheet as named points, by route index."""
    from routeplanner.output.points import safety_points

    return {i: safety_points(r, s) for i, (r, s) in enumerate(zip(routes, sheets, strict=False))}


def point_at(route: Route, at_m: float, *, name: str, kind: str) -> RoutePoint:
    """Give a named point ``at_m`` metres along a route (see :mod:`routeplanner.output.points`)."""
    from routeplanner.output.points import point_at as at

    return at(route, at_m, name=name, kind=kind)


def summary_json(routes: Sequence[Route]) -> dict[str, Any]:
    """Route summaries for ``--json``: ``{"routes": [...]}``."""
    from routeplanner.output.export import summary_json as summary

    out: dict[str, Any] = summary(routes)
    return out


def course_name(place: str, what: str, duration_s: float, index: int = 1) -> str:
    """Name a course where and how long: ``Arinsal loop 75 min`` (:mod:`.export`)."""
    from routeplanner.output.export import course_name as name

    return name(place, what, duration_s, index)


def route_json(route: Route, **kwargs: Any) -> dict[str, Any]:
    """Give one route's entry of ``--json`` (:func:`routeplanner.output.export.route_json`)."""
    from routeplanner.output.export import route_json as entry

    return entry(route, **kwargs)


def route_feature(route: Route) -> dict[str, Any]:
    """Give a route as a GeoJSON feature (:func:`routeplanner.output.export.route_feature`)."""
    from routeplanner.output.export import route_feature as feature

    out: dict[str, Any] = feature(route)
    return out


def feature_collection(
    routes: Sequence[Route], features: Sequence[dict[str, Any]] = ()
) -> dict[str, Any]:
    """Give the routes (and extra features) as one GeoJSON FeatureCollection."""
    from routeplanner.output.export import feature_collection as collection

    out: dict[str, Any] = collection(routes, features)
    return out


# -- maps -----------------------------------------------------------------------------


def map_text(m: Any) -> str:
    """Render a folium map to the HTML text of a standalone page."""
    from routeplanner.output import maps

    return maps.map_html(m)


def map_page(m: Any, *, offline: bool | None = None, name: str = "map") -> str:
    """Give the HTML page of a map, checked as a saved map is (offline loads, size budget)."""
    from routeplanner.output.map_files import map_page as page

    return page(m, offline=offline, name=name)


def route_map(routes: Sequence[Route], **kwargs: Any) -> Any:
    """Give a folium map of routes (:func:`routeplanner.output.maps.route_map`).

    Its ``options`` may be given as keywords of :class:`~routeplanner.output.maps.MapOptions`.
    """
    from routeplanner.output import maps

    names = {"info_html", "offline", "attribution", "overlay_cache", "safety"}
    opts = {k: kwargs.pop(k) for k in list(kwargs) if k in names}
    return maps.route_map(routes, options=maps.MapOptions(**opts), **kwargs)


def route_map_html(routes: Sequence[Route], **kwargs: Any) -> str:
    """Give the HTML page of :func:`route_map`."""
    from routeplanner.output import maps

    return maps.map_html(route_map(routes, **kwargs))


def network_map(net: Any, **kwargs: Any) -> Any:
    """Give a folium map of the network (:func:`routeplanner.output.maps.network_map`)."""
    from routeplanner.output import maps

    return maps.network_map(net, **kwargs)


def network_map_html(net: Any, **kwargs: Any) -> str:
    """Give the HTML page of :func:`network_map`."""
    from routeplanner.output import maps

    return maps.map_html(network_map(net, **kwargs))


def index_page(entries: Sequence[tuple[str, str, str]]) -> str:
    """Give an HTML index page linking ``(title, filename, description)`` entries."""
    from routeplanner.output.map_files import index_page as page

    return page(entries)


def leaflet_assets() -> Any:
    """Give Leaflet's script and style from the installed package (for pages served locally)."""
    from routeplanner.output._map_assets import leaflet_assets as assets

    return assets()


def dem_overlay_pngs(dem: Any, bbox: tuple[float, float, float, float], **kwargs: Any) -> Any:
    """Make the hillshade and slope PNGs of ``bbox`` as the maps draw them."""
    from routeplanner.output.map_overlays import dem_overlay_pngs as pngs

    return pngs(dem, bbox, **kwargs)


def network_layer_data(net: Any, bbox: Any, *, tol_m: float) -> str | None:
    """Give the JSON the maps' network layer draws (None when no way meets ``bbox``)."""
    from routeplanner.output.map_overlays import network_layer_data as data

    return data(net, bbox, tol_m=tol_m)


# -- segments, ski lines and scouting -----------------------------------------------------


def map_segment(segment: Any, label: str | None = None) -> Any:
    """Give a segment as the map marks it."""
    from routeplanner.output.segments import map_segment as mark

    return mark(segment, label)


def segment_feature(segment: Any, **extra: Any) -> dict[str, Any]:
    """Give a segment as a GeoJSON feature."""
    from routeplanner.output.segments import segment_feature as feature

    return feature(segment, **extra)


def segments_geojson(segments: Sequence[Any]) -> dict[str, Any]:
    """Segments as one GeoJSON FeatureCollection."""
    from routeplanner.output.segments import segments_geojson as collection

    return collection(segments)


def line_feature(line: Any) -> dict[str, Any]:
    """Give a ski line as a GeoJSON feature."""
    from routeplanner.output.skilines import line_feature as feature

    return feature(line)


def lines_geojson(lines: Sequence[Any]) -> dict[str, Any]:
    """Ski lines and their ends as one GeoJSON FeatureCollection."""
    from routeplanner.output.export import line_end_features
    from routeplanner.output.skilines import line_collection

    doc = line_collection(lines)
    doc["features"] = [*doc["features"], *line_end_features(lines)]
    return doc


def lines_gpx(lines: Sequence[Any], *, name: str) -> str:
    """Ski lines as one GPX document (a track each, their ends as waypoints)."""
    from routeplanner.output.export import lines_gpx_document

    return lines_gpx_document(lines, name=name)


def lines_map_html(lines: Sequence[Any], net: Any, **kwargs: Any) -> str:
    """Give the network map with the ski lines over it and their table in the panel."""
    from routeplanner.output import maps
    from routeplanner.output.skilines import line_layer, lines_panel_html

    m = maps.network_map(
        net, layers=[line_layer(lines)], panel_body=lines_panel_html(lines), **kwargs
    )
    lon = [float(v) for ln in lines for v in (ln.lon.min(), ln.lon.max())]
    lat = [float(v) for ln in lines for v in (ln.lat.min(), ln.lat.max())]
    m.fit_bounds([[min(lat), min(lon)], [max(lat), max(lon)]])
    return maps.map_html(m)


def scout_map(plan: Any, **kwargs: Any) -> Any:
    """Give the map of a scouting trip (:func:`routeplanner.output.scouting.scout_map`)."""
    from routeplanner.output.scouting import scout_map as draw

    return draw(plan, **kwargs)


# -- group runs -------------------------------------------------------------------------


def group_files(
    plan: Any,
    net: Any,
    dem: Any,
    *,
    devices: Sequence[str] = (),
    **kwargs: Any,
) -> dict[str, str | bytes]:
    """Render every file of a group run, by name.

    The map, a GPX (and a file in each of the ``devices`` formats, e.g. ``fit``) per
    group, the calendar, the summary and the safety sheet (see
    :func:`routeplanner.output.group_run.render_outputs`).
    """
    from routeplanner.output import group_run

    files: dict[str, str | bytes] = dict(group_run.render_outputs(plan, net, dem, **kwargs))
    names = group_run.gpx_filenames(plan)
    for name in devices:
        for r in plan.results:
            if r.route is not None:
                stem = names[r.group.name].removesuffix(".gpx")
                files[stem + FORMATS[name].suffix] = render(name, group_run.device_doc(plan, r))
    return files


def write_group_folder(
    out_dir: str | os.PathLike[str], files: Mapping[str, str | bytes], *, force: bool = False
) -> list[Path]:
    """Write a group run's files into their folder, all or none."""
    from routeplanner.output import group_run

    return group_run.write_outputs(out_dir, files, force=force)


def group_json(plan: Any, outputs: Sequence[str | os.PathLike[str]] = ()) -> dict[str, Any]:
    """Give a group run's ``--json`` document."""
    from routeplanner.output import group_run

    return group_run.plan_json(plan, outputs=outputs)


def group_misses(plan: Any) -> list[str]:
    """Give what each group missed of its brief."""
    from routeplanner.output import group_run

    return group_run.plan_misses(plan)


def group_file_names(plan: Any) -> tuple[str, ...]:
    """Give the map's and every group's GPX file name (the safety sheet's partner message)."""
    from routeplanner.output import group_run

    return (group_run.MAP_FILE, *group_run.gpx_filenames(plan).values())


def group_safety_sheet(plan: Any, net: Any, pois: Any, **kwargs: Any) -> Any:
    """Give a group run's safety sheet (:mod:`routeplanner.output.group_safety`)."""
    from routeplanner.output.group_safety import group_safety_sheet as sheet

    return sheet(plan, net, pois, **kwargs)


#: Names of a group run's summary and map files.
GROUP_SUMMARY_FILE = "summary.txt"
GROUP_MAP_FILE = "map.html"
GROUP_ICS_FILE = "event.ics"


# -- training plans and catalogues ----------------------------------------------------------


def plan_folder_files(
    block: Any,
    weeks: Sequence[Sequence[Any]],
    *,
    where: str,
    start_time: Any,
    tz: str,
    sheets: Mapping[Any, Any] | None = None,
    maps: Mapping[str, Any] | None = None,
    courses: bool = True,
) -> dict[str, str | bytes]:
    """Render every file of a plan folder, by relative name.

    plan.json, plan.ics, plan.html, and per routed session a GPX, a map, (with
    ``courses``) a FIT course and its safety sheet; ``maps`` are the session maps'
    options (``offline``, ``basemap``).  ``where``, the home's place name, names
    the block (``6-week ski block from La Massana``) and begins every course name.
    """
    from routeplanner.output.plan_files import plan_courses, plan_files, plan_maps, plan_title

    title = plan_title(block, where)

    kept = dict(sheets or {})
    files: dict[str, str | bytes] = dict(
        plan_files(
            block, weeks, title=title, start_time=start_time, tz=tz, sheets=kept, where=where
        )
    )
    files.update(plan_maps(weeks, **dict(maps or {})))
    if courses:
        files.update(plan_courses(weeks, start_time=start_time, tz=tz, sheets=kept, where=where))
    return files


def plan_text_files(block: Any, weeks: Sequence[Sequence[Any]], **kwargs: Any) -> dict[str, str]:
    """Render a plan folder's text files (no maps, no FIT courses), by relative name."""
    from routeplanner.output.plan_files import plan_files

    return plan_files(block, weeks, **kwargs)


def basemap_for(net: Any, cache: Any = None) -> Any:
    """Give the region's offline basemap, cached beside its network (:mod:`.map_basemap`)."""
    from routeplanner.output.map_basemap import basemap_for as basemap

    return basemap(net, cache)


def basemap_css() -> str:
    """Give the CSS of the offline basemap's place names (:mod:`.map_basemap`)."""
    from routeplanner.output.map_basemap import BASEMAP_CSS

    return BASEMAP_CSS


def basemap_layer_script(
    feats: Any,
    bbox: tuple[float, float, float, float] | None,
    *,
    targets: tuple[str, str, str, str],
    classes: Sequence[str] | None = None,
) -> str:
    """Give the script that draws a region's offline basemap into a page's own map.

    The same drawing as every map the command line writes (place names with
    peaks' heights, huts, lines by class), so a page that builds its own Leaflet map
    shows the same names.

    Parameters
    ----------
    feats
        The region's basemap (:func:`basemap_for`).
    bbox
        The area drawn (None: all).
    targets
        JavaScript expressions of the page's map, the layer groups for the lines and
        for the names, and an array of its online tile layers.
    classes
        The line classes drawn (None: all; names are always drawn).
    """
    from routeplanner.output._map_assets import js_json
    from routeplanner.output.map_basemap import basemap_data, basemap_script
    from routeplanner.sources.basemap import LINE_CLASSES

    data = basemap_data(feats, bbox)
    if classes is not None:
        lines = zip(LINE_CLASSES, data["lines"], strict=True)
        data["lines"] = [g if c in classes else [] for c, g in lines]
    return basemap_script(*targets, js_json(data))


def week_line(week_json: dict[str, Any]) -> str:
    """One line per week of a plan, for the terminal."""
    from routeplanner.output.plan_files import week_line as line

    return line(week_json)


def session_files(session: Any, where: str = "") -> tuple[str, str, str]:
    """Give a planned session's title (from ``where``) and the names of its GPX and FIT files."""
    from routeplanner.output.plan_files import fit_name, gpx_name, session_title

    return session_title(session, where), gpx_name(session), fit_name(session)


def catalog_site(*args: Any, **kwargs: Any) -> dict[str, str | bytes]:
    """Give the catalogue's static site by relative name (:mod:`.catalog_site`)."""
    from routeplanner.output.catalog_site import site_files

    return site_files(*args, **kwargs)
