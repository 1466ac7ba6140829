"""Interactive maps as one self-contained HTML file (folium / Leaflet), online or offline.

A route map shows each route coloured by grade (or pace) with direction arrows,
km markers and start/finish pins; an elevation profile per route in a panel
under the map (pointing at it moves a marker along the route); a stats panel
with segments that zoom the map when clicked; and layers: basemaps (online
only), a hillshade and a slope-angle overlay computed from the DEM, the trail
network coloured by difficulty, and ski pistes.

``offline=True`` builds a file that needs no network at all: Leaflet is inlined
from the ``XStatic-Leaflet`` package, no tile layer is added, and the hillshade
and trail network stand in for the basemap.

Untrusted text (OSM names, titles, labels) is escaped with
:func:`routeplanner.output._map_assets.esc` / :func:`~routeplanner.output._map_assets.js_json`
and never passed to folium's templates, which would evaluate ``{{ … }}`` in it.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import xyzservices.providers as xyz
from branca.element import Figure, MacroElement

from routeplanner._geo import M_PER_DEG
from routeplanner.errors import InputError
from routeplanner.network.model import Network
from routeplanner.network.sidecar import Sidecar
from routeplanner.output._folium import folium
from routeplanner.output._map_assets import Block, esc, js_json, leaflet_assets
from routeplanner.output._map_page import MAIN_CSS, MAIN_JS, MARKERS_JS
from routeplanner.output._phone import PHONE_CSS, PHONE_JS, leaflet_fallback_html
from routeplanner.output.map_basemap import BASEMAP_CSS, add_basemap, basemap_for
from routeplanner.output.map_data import (
    fit_bounds,
    markers_data,
    pad_bbox,
    route_profile,
    routes_bbox,
    stretch_classes,
)
from routeplanner.output.map_files import (
    SIZE_BUDGET_OFFLINE_BYTES,
    SIZE_BUDGET_ONLINE_BYTES,
    map_html,
    map_size_bytes,
    save_map,
    write_index,
)
from routeplanner.output.map_overlays import (
    add_dem_layers,
    add_network_layer,
    add_pistes_layer,
    display_dem,
    hillshade_png,
    latlon_list,
    simplify_lines,
    slope_classes,
    slope_png,
)
from routeplanner.output.map_panels import (
    MapSegment,
    attribution_lines,
    glance_html,
    km_text,
    legend_html,
    panel_html,
    profile_panel,
    segments_html,
    stats_table,
)
from routeplanner.output.map_safety import add_safety_layer
from routeplanner.output.map_style import (
    BAND_COLORS,
    DIFFICULTY_STYLES,
    GRADE_CLASSES,
    PACE_CLASSES,
    ROUTE_COLOURS,
    SEGMENT_COLOURS,
    SLOPE_BANDS,
    ColourClass,
    classify,
)
from routeplanner.route import Route
from routeplanner.safety.sheet import SafetySheet
from routeplanner.sources.basemap import BasemapFeatures
from routeplanner.sources.lazy_dem import LazyDem

if TYPE_CHECKING:
    from routeplanner.sources.dem import Dem

__all__ = [
    "BAND_COLORS",
    "COLOR_BY",
    "DIFFICULTY_STYLES",
    "GRADE_CLASSES",
    "PACE_CLASSES",
    "SIZE_BUDGET_OFFLINE_BYTES",
    "SIZE_BUDGET_ONLINE_BYTES",
    "SLOPE_BANDS",
    "ColourClass",
    "MapOptions",
    "MapSegment",
    "RouteMap",
    "classify",
    "display_dem",
    "hillshade_png",
    "map_html",
    "map_size_bytes",
    "network_map",
    "route_map",
    "save_map",
    "slope_classes",
    "slope_png",
    "write_index",
]

log = logging.getLogger(__name__)


#: How a route line can be coloured.
COLOR_BY: tuple[str, ...] = ("grade", "pace", "route")


@dataclass(frozen=True)
class MapOptions:
    """How a route map is presented.

    Attributes
    ----------
    color_by : str
        ``"grade"``, ``"pace"`` or ``"route"`` (each route in its own colour).
    offline : bool
        Build a file that needs no network: Leaflet inlined, no tile layers.
    info_html : str or None
        Extra HTML for the panel. It is inserted as is: the caller escapes it.
    attribution : sequence of str
        Extra attribution lines (escaped).
    overlay_cache : Sidecar or None
        Where the network and DEM layers are cached beside the network (None: not).
    basemap : BasemapFeatures or None
        The offline basemap's features; None: read from the network's OSM file
        (cached beside the network) when a network is given.
    safety : sequence of SafetySheet or None
        The routes' safety sheets, in the routes' order (None where a route has
        none): their water, shelters, exits and turn-back point become markers.

    Raises
    ------
    InputError
        If ``color_by`` is unknown.
    """

    color_by: str = "grade"
    offline: bool = False
    info_html: str | None = None
    attribution: Sequence[str] = ()
    overlay_cache: Sidecar | None = None
    basemap: BasemapFeatures | None = None
    safety: Sequence[SafetySheet | None] = ()

    def __post_init__(self) -> None:
        if self.color_by not in COLOR_BY:
            raise InputError(
                f"unknown color_by {self.color_by!r}: use one of {', '.join(COLOR_BY)}"
            )


_PACE_MODEL_NAMES = {
    "mountain": "mountain curve fitted to steep recordings",
    "minetti": "Minetti energy cost",
    "tobler": "Tobler hiking function",
}


class RouteMap(folium.Map):
    """A :class:`folium.Map` built by this module; knows whether it is an offline map."""

    def __init__(self, *args: Any, offline: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.offline = offline


# -- the map ------------------------------------------------------------------------


def _new_map(title: str, bbox: tuple[float, float, float, float], offline: bool) -> RouteMap:
    w, s, e, n = bbox
    m = RouteMap(
        location=[(s + n) / 2, (w + e) / 2],
        zoom_start=13,
        tiles=None,
        zoom_control="topright",
        offline=offline,
    )
    figure = m.get_root()
    assert isinstance(figure, Figure)
    figure.title = esc(title)
    if offline:
        assets = leaflet_assets()
        m.default_js = []
        m.default_css = []
        m.add_child(Block(header=f"<style>{assets.css}</style>\n<script>{assets.js}</script>"))
        log.debug("inlined Leaflet %s from %s", assets.version, assets.package)
    else:
        # Plain Leaflet is all these maps use; skip folium's jQuery/Bootstrap/Font Awesome.
        m.default_js = [p for p in folium.folium._default_js if p[0] == "leaflet"]
        m.default_css = [p for p in folium.folium._default_css if p[0] == "leaflet_css"]
        m.add_child(Block(header=leaflet_fallback_html()))
    m.add_child(
        Block(
            header=f"<style>{MAIN_CSS}{BASEMAP_CSS}{PHONE_CSS}</style>",
            js=(
                f"{m.get_name()}.createPane('rp-dem').style.zIndex = 250;\n"
                f"{m.get_name()}.createPane('rp-net').style.zIndex = 350;\n"
                f"L.control.scale({{imperial: false}}).addTo({m.get_name()});\n"
            ),
        )
    )
    return m


def _add_basemaps(m: folium.Map) -> list[folium.TileLayer]:
    tiles = []
    for i, (provider, name) in enumerate(
        (
            (xyz.OpenStreetMap.Mapnik, "OpenStreetMap"),
            (xyz.OpenTopoMap, "OpenTopoMap"),
            (xyz.Esri.WorldImagery, "Esri World Imagery"),
        )
    ):
        # Only the first base layer is on; Leaflet would stack every shown one.
        layer = folium.TileLayer(
            provider,
            name=name,
            max_zoom=19,
            show=i == 0,
            max_native_zoom=provider.get("max_zoom", 19),
        )
        layer.add_to(m)
        tiles.append(layer)
    return tiles


def _tooltip(
    layer: MacroElement,
    text_html: str,
    *,
    sticky: bool = True,
    permanent: bool = False,
    direction: str = "auto",
) -> None:
    """Bind a tooltip with already-escaped HTML to a folium layer, bypassing folium's templates."""
    opts = {"sticky": sticky, "permanent": permanent, "direction": direction}
    layer.add_child(
        Block(js=f"{layer.get_name()}.bindTooltip({js_json(text_html)}, {js_json(opts)});\n")
    )


# -- routes -------------------------------------------------------------------------


def _add_route(
    m: folium.Map, route: Route, colour: str, color_by: str, many: bool
) -> tuple[folium.FeatureGroup, list[MacroElement]]:
    """Draw a route; with several, also the plain core shown while another is selected.

    Returns the route's layer and, when several routes share the map and are coloured
    by grade or pace, its ``[graded core, plain core]`` for the page's script to swap.
    """
    label = f"{route.name} · {km_text(route.stats.distance_m)}"
    fg = folium.FeatureGroup(
        name=f'<span class="rp-swatch" style="background:{colour}"></span>{esc(label)}'
        if many
        else esc(label),
        show=True,
    )
    casing_colour = colour if many else "#1b1b1b"
    swap: list[MacroElement] = []
    ((lon, lat),) = simplify_lines([(route.lon, route.lat)], 1.0)
    casing = folium.PolyLine(
        latlon_list(lon, lat),
        color=casing_colour,
        weight=9 if many else 8,
        opacity=0.9,
        line_cap="round",
        line_join="round",
    )
    _tooltip(casing, f"<b>{esc(route.name)}</b>")
    fg.add_child(casing)
    if color_by == "route":
        core = folium.PolyLine(
            latlon_list(lon, lat),
            color=colour if not many else "#ffffff",
            weight=4 if many else 5,
            opacity=1.0,
        )
        _tooltip(core, f"<b>{esc(route.name)}</b>")
        fg.add_child(core)
    else:
        cls, classes = stretch_classes(route, color_by)
        change = np.flatnonzero(np.diff(cls)) + 1
        starts = np.concatenate(([0], change))
        ends = np.concatenate((change, [len(cls)]))
        runs = [
            (route.lon[a : b + 1], route.lat[a : b + 1]) for a, b in zip(starts, ends, strict=True)
        ]
        runs = simplify_lines(runs, 1.0)
        by_class: dict[int, list[list[list[float]]]] = {}
        for a, (rlon, rlat) in zip(starts.tolist(), runs, strict=True):
            by_class.setdefault(int(cls[a]), []).append(latlon_list(rlon, rlat))
        what = "grade" if color_by == "grade" else "pace"
        graded: MacroElement = fg
        if many:  # alternatives show their own colour; only the selected one its grades
            graded = folium.FeatureGroup(name=esc(route.name), control=False, show=True)
            fg.add_child(graded)
            plain = folium.PolyLine(latlon_list(lon, lat), color="#ffffff", weight=4, opacity=1.0)
            _tooltip(plain, f"<b>{esc(route.name)}</b>")
            fg.add_child(plain)
            swap = [graded, plain]
        for c in sorted(by_class):
            line = folium.PolyLine(
                by_class[c],
                color=classes[c].color,
                weight=4.5,
                opacity=1.0,
                line_cap="round",
                line_join="round",
            )
            _tooltip(line, f"<b>{esc(route.name)}</b><br>{what} {esc(classes[c].label)}")
            graded.add_child(line)
    data = markers_data(route)
    fg.add_child(
        Block(js=MARKERS_JS.replace("__GROUP__", fg.get_name()).replace("__DATA__", js_json(data)))
    )
    fg.add_to(m)
    return fg, swap


_SEG_LABELS_JS = """(function (group, d) {
  group.on("add", function () {  // highlights go under the route lines
    group.eachLayer(function (l) { if (l.bringToBack) { l.bringToBack(); } });
  });
  d.forEach(function (p) {
    L.marker([p[0], p[1]], {icon: L.divIcon({className: "rp-icon", iconSize: null,
      html: '<div class="rp-seglabel" style="background:' + p[3] + '">' + p[2] + "</div>"}),
      keyboard: false, interactive: false}).addTo(group);
  });
})(__GROUP__, __DATA__);
"""


def _add_segments(
    m: folium.Map, segments: Sequence[MapSegment]
) -> tuple[list[folium.PolyLine], list[list[list[float]]]]:
    """Highlight segments under the routes, with their numbers; returns layers and bounds."""
    if not segments:
        return [], []
    group = folium.FeatureGroup(name="Segments", show=True)
    layers, bounds, labels = [], [], []
    for seg in segments:
        colour = SEGMENT_COLOURS.get(seg.kind.lower(), "#ef6c00")
        lon, lat = np.asarray(seg.lon, dtype=float), np.asarray(seg.lat, dtype=float)
        if len(lon) < 2 or len(lat) != len(lon):
            raise InputError(f"segment {seg.id!r} needs at least two points")
        ((slon, slat),) = simplify_lines([(lon, lat)], 1.0)
        layer = folium.PolyLine(
            latlon_list(slon, slat), color=colour, weight=14, opacity=0.45, line_cap="round"
        )
        stats = "".join(f"<br>{esc(k)}: {esc(v)}" for k, v in seg.stats.items())
        name = f" {esc(seg.name)}" if seg.name else ""
        _tooltip(layer, f"<b>{esc(seg.id)} · {esc(seg.kind.capitalize())}</b>{name}{stats}")
        group.add_child(layer)
        layers.append(layer)
        bounds.append(
            fit_bounds((float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max())))
        )
        labels.append([round(float(lat[0]), 5), round(float(lon[0]), 5), esc(seg.id), colour])
    js = _SEG_LABELS_JS.replace("__GROUP__", group.get_name()).replace("__DATA__", js_json(labels))
    group.add_child(Block(js=js))
    group.add_to(m)
    return layers, bounds


def _add_points(m: folium.Map, markers: Sequence[tuple[float, float, str]]) -> None:
    """Labelled points such as a meeting place, as pins."""
    group = folium.FeatureGroup(name="Points", show=True)
    pins = [
        [round(float(lat), 5), round(float(lon), 5), "rp-point", esc(label), str(label)]
        for lon, lat, label in markers
    ]
    data = {"km": [], "arrows": [], "pins": pins}
    js = MARKERS_JS.replace("__GROUP__", group.get_name()).replace("__DATA__", js_json(data))
    group.add_child(Block(js=js))
    group.add_to(m)


# -- panels -------------------------------------------------------------------------


def _finish(
    m: RouteMap,
    *,
    fit: list[list[float]],
    attribution: list[str],
    route_groups: Sequence[tuple[folium.FeatureGroup, Sequence[MacroElement]]] = (),
    seg_layers: Sequence[MacroElement] = (),
    seg_bounds: Sequence[Any] = (),
    profiles: Sequence[dict[str, Any]] = (),
    body: str = "",
) -> RouteMap:
    folium.LayerControl(collapsed=True, position="topright").add_to(m)
    data = {
        "fit": fit,
        "attribution": attribution,
        "segs": list(seg_bounds),
        "profiles": list(profiles),
    }
    js = PHONE_JS + (
        MAIN_JS.replace("__MAP__", m.get_name())
        .replace("__ROUTES__", "[" + ", ".join(g.get_name() for g, _ in route_groups) + "]")
        .replace(
            "__SWAPS__",
            "["
            + ", ".join("[" + ", ".join(x.get_name() for x in s) + "]" for _, s in route_groups)
            + "]",
        )
        .replace("__SEGS__", "[" + ", ".join(s.get_name() for s in seg_layers) + "]")
        .replace("__DATA__", js_json(data))
    )
    m.add_child(Block(body=body, js=js))
    return m


def _missed_banner(routes: Sequence[Route]) -> str:
    """Return a red banner naming what the best route missed of the brief ('' if it met it)."""
    outcome = getattr(routes[0], "outcome", None) if routes else None
    if outcome is None or outcome.meets_brief:
        return ""
    return (
        '<div class="rp-missed" role="alert" style="background:#c62828;color:#fff;'
        'padding:6px 8px;margin:0 0 6px;border-radius:4px;font-weight:600">'
        "MISSED: " + esc("; ".join(outcome.misses)) + "</div>"
    )


def route_map(
    routes: Sequence[Route],
    *,
    title: str,
    network: Network | None = None,
    dem: Dem | LazyDem | None = None,
    segments: Sequence[MapSegment] = (),
    markers: Sequence[tuple[float, float, str]] = (),
    layers: Sequence[folium.map.Layer] = (),
    options: MapOptions = MapOptions(),
) -> RouteMap:
    """Build the interactive map of one or more routes.

    Parameters
    ----------
    routes
        Routes to draw; each is its own toggleable layer (several get their
        own identity colours, shown as the line casing and in the panels).
    title
        Page and panel title (escaped).
    network
        If given, the trail network near the routes is drawn (coloured by
        difficulty) with ski pistes and lifts; in offline maps it is shown by
        default as part of the basemap.
    dem
        If given, hillshade and slope-angle overlays are computed from it.
    segments
        Climbs, descents or ski lines to highlight and list; clicking one in the
        panel zooms to it.
    markers
        ``(lon, lat, label)`` points such as a meeting point (labels escaped).
    layers
        Further overlays (such as :func:`routeplanner.output.skilines.line_layer`),
        listed in the layer control.
    options
        Colouring, offline build, extra panel HTML and attribution.

    Returns
    -------
    RouteMap
        A :class:`folium.Map`; write it with :func:`save_map`.

    Raises
    ------
    InputError
        If there is no route.
    DataError
        If ``options.offline`` and no package providing Leaflet is installed.
    """
    routes = list(routes)
    if not routes:
        raise InputError("route_map needs at least one route")
    color_by, offline, info_html = options.color_by, options.offline, options.info_html
    bbox = routes_bbox(routes)
    span_m = max(
        (bbox[2] - bbox[0]) * M_PER_DEG * math.cos(math.radians(bbox[1])),
        (bbox[3] - bbox[1]) * M_PER_DEG,
    )
    # DEM overlays and the network reach well past the route: the view is wider than the
    # route on most screens, and offline they are the whole basemap.
    area = pad_bbox(bbox, max(span_m, 3000.0))
    m = _new_map(title, area, offline)
    many = len(routes) > 1
    colours = [ROUTE_COLOURS[i % len(ROUTE_COLOURS)] for i in range(len(routes))]
    if not many and color_by == "route":
        colours = ["#c2185b"]
    tiles = [] if offline else _add_basemaps(m)
    feats = options.basemap or basemap_for(network, options.overlay_cache)
    add_basemap(m, feats, area, tiles=tiles)

    drawn = [_add_route(m, r, c, color_by, many) for r, c in zip(routes, colours, strict=True)]
    seg_layers, seg_bounds = _add_segments(m, segments)
    if markers:
        _add_points(m, markers)
    safety = add_safety_layer(m, routes, options.safety)
    if network is not None:
        add_network_layer(m, network, area, show=offline, tol_m=3.0, cache=options.overlay_cache)
        add_pistes_layer(m, network, area)
    if dem is not None:
        add_dem_layers(m, dem, area, cache=options.overlay_cache)
    for layer in layers:
        layer.add_to(m)

    plots, pdata = zip(*(route_profile(r, i) for i, r in enumerate(routes)), strict=True)
    panel = _missed_banner(routes) + stats_table(routes, colours)
    if info_html:
        panel += f'<div class="rp-info">{info_html}</div>'
    warnings = [w for r in routes for w in r.warnings]
    if warnings:
        panel += '<ul class="rp-warn">' + "".join(f"<li>{esc(w)}</li>" for w in warnings) + "</ul>"
    panel += segments_html(segments)
    models = sorted({r.profile.model for r in routes})
    panel += (
        '<p class="rp-note">Pace model: '
        + ", ".join(esc(_PACE_MODEL_NAMES.get(x, x)) for x in models)
        + "; estimated times use the flat pace above.</p>"
    )
    body = (
        panel_html(title, panel, wide=many, glance=glance_html(routes, colours))
        + legend_html(
            color_by=color_by, network=network is not None, dem=dem, safety=safety, many=many
        )
        + profile_panel(routes, plots, colours)
    )
    return _finish(
        m,
        fit=fit_bounds(bbox),
        attribution=attribution_lines(dem, network, options.attribution),
        route_groups=drawn,
        seg_layers=seg_layers,
        seg_bounds=seg_bounds,
        profiles=pdata,
        body=body,
    )


def network_map(
    network: Network,
    *,
    title: str,
    dem: Dem | LazyDem | None = None,
    offline: bool = False,
    attribution: Sequence[str] = (),
    layers: Sequence[folium.map.Layer] = (),
    panel_body: str | None = None,
) -> RouteMap:
    """Build an overview map of a whole trail network, coloured by difficulty.

    Parameters
    ----------
    network
        The network.
    title
        Page and panel title (escaped).
    dem
        If given, hillshade and slope-angle overlays over the network's extent.
    offline
        Build a file that needs no network: Leaflet inlined, no tile layers.
    attribution
        Extra attribution lines (escaped).
    layers
        Further overlays, listed in the layer control.
    panel_body
        HTML to show in the side panel instead of the network's statistics
        (already escaped, e.g. a list of ski lines).

    Returns
    -------
    RouteMap
    """
    bbox = network.bbox
    m = _new_map(title, bbox, offline)
    tiles = [] if offline else _add_basemaps(m)
    add_basemap(m, basemap_for(network, None), bbox, tiles=tiles)
    add_network_layer(m, network, None, show=True, tol_m=4.0)
    add_pistes_layer(m, network, None)
    if dem is not None:
        add_dem_layers(m, dem, bbox)
    for layer in layers:
        layer.add_to(m)
    st = network.stats()
    rows = [
        ("Trails", f"{st['trail_km']:.1f} km"),
        ("Roads", f"{st['road_km']:.1f} km"),
        ("Elevation", f"{st['elevation_min_m']:.0f}–{st['elevation_max_m']:.0f} m"),
        ("Junctions", f"{st['nodes']}"),
        ("Ways", f"{st['edges']}"),
    ]
    sac_km = np.bincount(
        network.edge_sac[network.edge_class == 0],
        weights=network.edge_length_m[network.edge_class == 0],
        minlength=7,
    )
    for i in range(1, 7):
        if sac_km[i] > 0:
            rows.append((DIFFICULTY_STYLES[f"sac{i}"][0], f"{sac_km[i] / 1000:.1f} km"))
    table = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in rows)
    panel = (
        f'<table class="rp-stats">{table}</table>'
        '<p class="rp-note">Point at a line for its name and difficulty.</p>'
    )
    if panel_body is not None:
        panel = panel_body
    # A caller's table (ski lines) gets the wide panel, so its columns fit.
    body = panel_html(title, panel, wide=panel_body is not None)
    body += legend_html(color_by=None, network=True, dem=dem)
    return _finish(
        m, fit=fit_bounds(bbox), attribution=attribution_lines(dem, network, attribution), body=body
    )
