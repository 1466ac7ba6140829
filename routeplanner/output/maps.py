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

import copy
import logging
import math
import os
import posixpath
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import folium
import numpy as np
import pyproj
import shapely
import xyzservices.providers as xyz
from affine import Affine
from folium.folium import _default_css, _default_js
from rasterio.crs import CRS
from scipy import ndimage

from routeplanner import __version__
from routeplanner._io import atomic_write_text, check_writable
from routeplanner.errors import CoverageError, InputError, RoutePlannerError
from routeplanner.network.model import EARTH_RADIUS_M, Network
from routeplanner.output._map_assets import (
    Block,
    esc,
    external_loads,
    js_json,
    leaflet_assets,
    palette_png,
    png_data_url,
)
from routeplanner.output._profile_svg import ProfilePlot, profile_svg
from routeplanner.route import Route
from routeplanner.sources.dem import Dem, hillshade, slope_aspect, to_lonlat_grid

__all__ = [
    "COLOR_BY",
    "DIFFICULTY_STYLES",
    "GRADE_CLASSES",
    "PACE_CLASSES",
    "SIZE_BUDGET_OFFLINE_BYTES",
    "SIZE_BUDGET_ONLINE_BYTES",
    "SLOPE_BANDS",
    "ColourClass",
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

#: A map meant for sharing in a chat should stay below these sizes.
SIZE_BUDGET_ONLINE_BYTES = 2_000_000
SIZE_BUDGET_OFFLINE_BYTES = 5_000_000

#: How a route line can be coloured.
COLOR_BY: tuple[str, ...] = ("grade", "pace", "route")


@dataclass(frozen=True)
class ColourClass:
    """One step of a discrete colour ramp: values below ``upper`` (and above the previous)."""

    label: str
    color: str
    upper: float


#: Grade (rise/run) classes, steep descent to steep climb.
GRADE_CLASSES: tuple[ColourClass, ...] = (
    ColourClass("below −15 %", "#08306b", -0.15),
    ColourClass("−15 to −8 %", "#2166ac", -0.08),
    ColourClass("−8 to −3 %", "#67a9cf", -0.03),
    ColourClass("−3 to 3 %", "#1a9850", 0.03),
    ColourClass("3 to 8 %", "#f2d024", 0.08),
    ColourClass("8 to 15 %", "#fc8d59", 0.15),
    ColourClass("15 to 25 %", "#d73027", 0.25),
    ColourClass("above 25 %", "#67001f", math.inf),
)

#: Pace classes in seconds per km, fast to slow.
PACE_CLASSES: tuple[ColourClass, ...] = (
    ColourClass("faster than 5:00 /km", "#006837", 300.0),
    ColourClass("5:00–6:00 /km", "#1a9850", 360.0),
    ColourClass("6:00–7:00 /km", "#66bd63", 420.0),
    ColourClass("7:00–8:00 /km", "#d9ef8b", 480.0),
    ColourClass("8:00–10:00 /km", "#fee08b", 600.0),
    ColourClass("10:00–12:00 /km", "#fdae61", 720.0),
    ColourClass("12:00–15:00 /km", "#f46d43", 900.0),
    ColourClass("15:00–20:00 /km", "#d73027", 1200.0),
    ColourClass("slower than 20:00 /km", "#7f0000", math.inf),
)

#: CalTopo's slope-angle bands (degrees); ``upper`` is the first angle of the next band.
SLOPE_BANDS: tuple[ColourClass, ...] = (
    ColourClass("27–29°", "#b8e62e", 30.0),
    ColourClass("30–31°", "#ffe600", 32.0),
    ColourClass("32–34°", "#ff9900", 35.0),
    ColourClass("35–45°", "#e8001c", 46.0),
    ColourClass("46–50°", "#b000d6", 50.0),
    ColourClass("50°+", "#2b2bd4", math.inf),
)
_SLOPE_MIN_DEG = 27.0

#: Trail network styles: (label, colour, weight) by key ``"sac0"``…``"sac6"``,
#: ``"minor_road"``, ``"major_road"``.
DIFFICULTY_STYLES: dict[str, tuple[str, str, float]] = {
    "sac0": ("trail (no difficulty tag)", "#8d6e63", 2.0),
    "sac1": ("T1 hiking", "#2e7d32", 2.5),
    "sac2": ("T2 mountain hiking", "#9e9d24", 2.5),
    "sac3": ("T3 demanding mountain hiking", "#f57c00", 2.5),
    "sac4": ("T4 alpine hiking", "#d32f2f", 2.5),
    "sac5": ("T5 demanding alpine hiking", "#7b1fa2", 2.5),
    "sac6": ("T6 difficult alpine hiking", "#000000", 2.5),
    "minor_road": ("minor road", "#9e9e9e", 2.0),
    "major_road": ("major road", "#6d6d6d", 3.0),
}

_SAC_NAMES = ("no SAC grade tagged", *(DIFFICULTY_STYLES[f"sac{i}"][0] for i in range(1, 7)))
_PACE_MODEL_NAMES = {"minetti": "Minetti energy cost", "tobler": "Tobler hiking function"}
# Identity colours of routes when several share a map (line casing and profile tabs).
_ROUTE_COLOURS = (
    "#1565c0",
    "#ad1457",
    "#ef6c00",
    "#00838f",
    "#6a1b9a",
    "#4e342e",
    "#37474f",
    "#2e7d32",
)
_SEGMENT_COLOURS = {
    "climb": "#c62828",
    "descent": "#1565c0",
    "ski": "#6a1b9a",
    "ski line": "#6a1b9a",
    "ski_line": "#6a1b9a",
}
_PISTE_COLOURS = {
    "novice": "#43a047",
    "easy": "#1e88e5",
    "intermediate": "#e53935",
    "advanced": "#212121",
    "expert": "#212121",
    "freeride": "#fb8c00",
    "extreme": "#fb8c00",
}
_DEM_MAX_PX = 800
_GRADE_WINDOW_M = 150.0
_PROFILE_SAMPLES = 700
_K = math.pi / 180 * EARTH_RADIUS_M


@dataclass(frozen=True)
class MapSegment:
    """A climb, descent or ski line to draw on the map and list in the panel.

    Attributes
    ----------
    id : str
        Short number or code shown on the map and in the list (e.g. ``"3"``).
    kind : str
        ``"climb"``, ``"descent"``, ``"ski line"`` … (sets the colour).
    name : str
        Name, possibly from OSM (escaped when drawn).
    lon, lat, ele : numpy.ndarray
        Geometry.
    stats : Mapping[str, str]
        Already formatted label → value pairs, shown in the list and tooltip
        (escaped when drawn).
    """

    id: str
    kind: str
    name: str
    lon: np.ndarray
    lat: np.ndarray
    ele: np.ndarray
    stats: Mapping[str, str]


class RouteMap(folium.Map):
    """A :class:`folium.Map` built by this module; knows whether it is an offline map."""

    def __init__(self, *args: Any, offline: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.offline = offline


# -- colours ------------------------------------------------------------------------


def classify(values: np.ndarray, classes: Sequence[ColourClass]) -> np.ndarray:
    """Index of the class of each value (``upper`` bounds are exclusive).

    Examples
    --------
    >>> classify(np.array([-0.2, 0.0, 0.03, 0.3]), GRADE_CLASSES).tolist()
    [0, 3, 4, 7]
    """
    uppers = np.array([c.upper for c in classes[:-1]])
    return np.searchsorted(uppers, np.asarray(values, dtype=np.float64), side="right")


def _windowed_rate(dist_m: np.ndarray, value: np.ndarray, window_m: float) -> np.ndarray:
    """d(value)/d(dist) over ``window_m`` centred on each stretch between points."""
    d = np.asarray(dist_m, dtype=np.float64)
    mid = (d[:-1] + d[1:]) / 2
    a = np.clip(mid - window_m / 2, d[0], d[-1])
    b = np.clip(mid + window_m / 2, d[0], d[-1])
    span = b - a
    rise = np.interp(b, d, value) - np.interp(a, d, value)
    return np.divide(rise, span, out=np.zeros_like(span), where=span > 0)


def _stretch_classes(
    route: Route,
    color_by: str,
    dist_m: np.ndarray | None = None,
) -> tuple[np.ndarray, Sequence[ColourClass]]:
    """Class of each stretch between consecutive points (of ``dist_m`` samples if given)."""
    d, ele, t = route.dist_m, route.ele, route.time_s
    if dist_m is not None:
        ele = np.interp(dist_m, d, ele)
        t = np.interp(dist_m, d, t)
        d = dist_m
    if color_by == "pace":
        s_per_m = _windowed_rate(d, t, _GRADE_WINDOW_M)
        return classify(s_per_m * 1000.0, PACE_CLASSES), PACE_CLASSES
    return classify(_windowed_rate(d, ele, _GRADE_WINDOW_M), GRADE_CLASSES), GRADE_CLASSES


# -- geometry helpers ---------------------------------------------------------------


def _simplify(
    lines: Sequence[tuple[np.ndarray, np.ndarray]],
    tol_m: float,
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Douglas-Peucker in local metres, for many (lon, lat) lines at once."""
    if not lines:
        return []
    lat0 = float(np.mean([np.mean(la) for _, la in lines]))
    cos0 = math.cos(math.radians(lat0))
    lens = [len(lo) for lo, _ in lines]
    lon = np.concatenate([lo for lo, _ in lines])
    lat = np.concatenate([la for _, la in lines])
    keep = np.array([n >= 2 for n in lens])
    if not keep.all():
        raise ValueError("every line needs at least two points")
    geoms = shapely.linestrings(
        np.column_stack([lon * cos0 * _K, lat * _K]), indices=np.repeat(np.arange(len(lines)), lens)
    )
    simple = shapely.simplify(geoms, tol_m, preserve_topology=False)
    coords, idx = shapely.get_coordinates(simple, return_index=True)
    out: list[tuple[np.ndarray, np.ndarray]] = []
    bounds = np.searchsorted(idx, np.arange(len(lines) + 1))
    for i in range(len(lines)):
        c = coords[bounds[i] : bounds[i + 1]]
        if len(c) < 2:  # simplify can collapse a tiny closed line: keep the original
            out.append(lines[i])
        else:
            out.append((c[:, 0] / (cos0 * _K), c[:, 1] / _K))
    return out


def _latlon(lon: np.ndarray, lat: np.ndarray) -> list[list[float]]:
    """``[[lat, lon], …]`` rounded to 1e-5° (about 1 m) for Leaflet."""
    return np.round(np.column_stack([lat, lon]), 5).tolist()


def _encode(lon: np.ndarray, lat: np.ndarray) -> list[int]:
    """Delta-encoded 1e-5° integers ``[lat0, lon0, dlat1, dlon1, …]`` (a third of the JSON)."""
    q = np.rint(np.column_stack([lat, lon]) * 1e5).astype(np.int64)
    return np.diff(q, axis=0, prepend=np.zeros((1, 2), dtype=np.int64)).ravel().tolist()


def _bearing_deg(lon: np.ndarray, lat: np.ndarray, i: int, j: int) -> float:
    dx = (lon[j] - lon[i]) * math.cos(math.radians(lat[i]))
    dy = lat[j] - lat[i]
    return math.degrees(math.atan2(dx, dy)) % 360.0


def _pad_bbox(
    bbox: tuple[float, float, float, float],
    pad_m: float,
) -> tuple[float, float, float, float]:
    w, s, e, n = bbox
    dlat = pad_m / _K
    dlon = pad_m / (_K * max(math.cos(math.radians((s + n) / 2)), 1e-6))
    return w - dlon, s - dlat, e + dlon, n + dlat


def _routes_bbox(routes: Sequence[Route]) -> tuple[float, float, float, float]:
    lon = np.concatenate([r.lon for r in routes])
    lat = np.concatenate([r.lat for r in routes])
    return float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max())


def _fit(bbox: tuple[float, float, float, float]) -> list[list[float]]:
    w, s, e, n = bbox
    return [[round(s, 5), round(w, 5)], [round(n, 5), round(e, 5)]]


# -- formatting ---------------------------------------------------------------------


def _km(m: float) -> str:
    return f"{m / 1000:.1f} km" if m >= 10_000 else f"{m / 1000:.2f} km"


def _duration(s: float) -> str:
    s = round(s / 60) * 60
    return f"{int(s // 3600)}:{int(s % 3600 // 60):02d} h"


def _pace(s_per_km: float) -> str:
    total = round(s_per_km)
    return f"{total // 60}:{total % 60:02d} /km"


def _pct(x: float) -> str:
    return f"{round(100 * x)} %"


# -- the map ------------------------------------------------------------------------


_CSS = """
html,body{height:100%;margin:0}
body{display:flex;flex-direction:column;color:#1d1d1d;
font:13px/1.35 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",Arial,sans-serif}
.folium-map{flex:1 1 auto;height:auto!important;min-height:160px}
.leaflet-container{font:inherit;background:#ebe8e1}
.rp-box{background:rgba(255,255,255,.96);border-radius:8px;box-shadow:0 1px 6px rgba(0,0,0,.35)}
#rp-panel{width:300px;min-width:260px;max-width:440px;max-height:calc(100vh - 300px);
overflow:auto;padding:8px 10px;box-sizing:border-box}
#rp-panel summary{cursor:pointer}
#rp-panel h1{display:inline;font-size:16px;margin:0}
#rp-panel h2{font-size:13px;margin:10px 0 2px;color:#444}
table.rp-stats{border-collapse:collapse;width:100%;margin:6px 0 2px}
.rp-stats th{text-align:left;font-weight:normal;color:#555;padding:2px 6px 2px 0;
vertical-align:top;white-space:nowrap}
#rp-panel.rp-wide{width:auto}
.rp-stats td{text-align:right;font-weight:600;padding:2px 0 2px 6px}
.rp-stats thead th{font-weight:600;color:#1d1d1d;text-align:right}
.rp-note{color:#555;font-size:12px;margin:4px 0}
.rp-warn{color:#8a4b00;font-size:12px;margin:4px 0;padding-left:16px}
.rp-swatch{display:inline-block;width:11px;height:11px;border-radius:2px;margin-right:4px;
vertical-align:-1px;border:1px solid rgba(0,0,0,.35)}
.rp-segs{list-style:none;padding:0;margin:2px 0}
.rp-segs li{border-top:1px solid #eee}
.rp-segs button{all:unset;box-sizing:border-box;cursor:pointer;display:block;width:100%;
padding:3px 2px}
.rp-segs button:hover,.rp-segs button:focus-visible{background:#eef3ff}
.rp-num{display:inline-block;min-width:14px;padding:0 4px;border-radius:9px;color:#fff;
text-align:center;font-weight:700;font-size:11px;margin-right:4px}
.rp-segstats{display:block;color:#555;font-size:12px;padding-left:26px}
#rp-legend{padding:6px 9px 4px;width:250px;box-sizing:border-box}
#rp-legend summary{cursor:pointer;font-weight:600}
.rp-lt{font-weight:600;font-size:11px;margin-top:5px}
.rp-bar{display:flex;height:10px;border-radius:2px;overflow:hidden;margin-top:2px}
.rp-bar span{flex:1}
.rp-ticks{position:relative;height:13px;font-size:10px;color:#333;margin:0 2px}
.rp-ticks span{position:absolute;transform:translateX(-50%);white-space:nowrap}
.rp-keys{display:flex;flex-wrap:wrap;gap:1px 8px;font-size:11px;margin-top:2px}
.rp-foot{color:#666;font-size:11px;margin:8px 0 0}
#rp-profile-panel{flex:0 0 auto;background:#fff;border-top:1px solid #bbb;padding:2px 8px 4px}
#rp-profile-panel summary{cursor:pointer;font-weight:600;padding:2px 0}
#rp-profile-panel summary small{font-weight:normal;color:#666}
.rp-prof{display:none;overflow-x:auto}
.rp-prof svg{display:block;width:100%;min-width:560px;height:auto;max-height:190px;
margin:0 auto}
.rp-tabs>input{position:absolute;opacity:0}
.rp-tabs>label{display:inline-block;padding:1px 8px;margin:2px 4px 2px 0;border:1px solid #ccc;
border-radius:10px;cursor:pointer;font-size:12px}
.rp-tabs>input:checked+label{background:#222;color:#fff;border-color:#222}
.rp-tabs>input:focus-visible+label{outline:2px solid #1565c0}
.rp-icon{background:none;border:none}
.rp-km{display:inline-block;transform:translate(-50%,-50%);background:#fff;color:#111;
border:2px solid #111;border-radius:9px;font:bold 10px/13px sans-serif;min-width:13px;
padding:0 2px;text-align:center;white-space:nowrap}
.rp-arrow{position:absolute;left:-8px;top:-8px;width:16px;height:16px}
.rp-pin{position:absolute;left:0;bottom:7px;transform:translateX(-50%);white-space:nowrap;
color:#fff;font:bold 11px/15px sans-serif;padding:1px 7px;border-radius:10px;border:2px solid #fff;
box-shadow:0 1px 4px rgba(0,0,0,.5)}
.rp-pin::after{content:"";position:absolute;left:50%;bottom:-8px;margin-left:-5px;
border:5px solid transparent;border-top-color:#fff}
.rp-dot{position:absolute;left:-5px;top:-5px;width:6px;height:6px;border-radius:50%;
border:2px solid #fff;box-shadow:0 0 2px #000}
.rp-start{background:#2e7d32}.rp-finish{background:#111}.rp-point{background:#6a1b9a}
.rp-seglabel{display:inline-block;transform:translate(-50%,-50%);color:#fff;border:2px solid #fff;
font:bold 11px/14px sans-serif;padding:0 5px;border-radius:9px;box-shadow:0 1px 3px rgba(0,0,0,.5)}
@media (max-width:700px){#rp-panel{width:min(300px,75vw)}#rp-legend{width:200px}}
"""

_MARKERS_JS = """(function (group, d) {
  function icon(html) { return L.divIcon({className: "rp-icon", html: html, iconSize: null}); }
  d.arrows.forEach(function (a) {
    L.marker([a[0], a[1]], {icon: icon('<svg class="rp-arrow" viewBox="-8 -8 16 16" ' +
      'style="transform:rotate(' + a[2] + 'deg)"><path d="M0 -6.5L5.5 5.5L0 2.5L-5.5 5.5Z" ' +
      'fill="#fff" stroke="#111" stroke-width="1.6" stroke-linejoin="round"/></svg>'),
      interactive: false, keyboard: false}).addTo(group);
  });
  d.km.forEach(function (k) {
    L.marker([k[0], k[1]], {icon: icon('<div class="rp-km">' + k[2] + '</div>'),
      interactive: false, keyboard: false}).addTo(group);
  });
  d.pins.forEach(function (p) {
    L.marker([p[0], p[1]], {icon: icon('<div class="rp-dot ' + p[2] + '"></div>' +
      '<div class="rp-pin ' + p[2] + '">' + p[3] + '</div>'),
      keyboard: false, zIndexOffset: 1000, title: p[4]}).addTo(group);
  });
})(__GROUP__, __DATA__);
"""

_LINES_JS = """(function (group, d) {
  var renderer = L.canvas({pane: d.pane, padding: 0.3, tolerance: 4});
  function decode(a) {
    var out = [], lat = 0, lon = 0;
    for (var i = 0; i < a.length; i += 2) { lat += a[i]; lon += a[i + 1];
      out.push([lat / 1e5, lon / 1e5]); }
    return out;
  }
  d.groups.forEach(function (g) {
    var st = d.styles[g[0]];
    L.polyline(g[2].map(decode), {color: st[0], weight: st[1], opacity: st[2],
      dashArray: st[3] || null, renderer: renderer, interactive: true})
      .bindTooltip(d.tips[g[1]], {sticky: true}).addTo(group);
  });
})(__GROUP__, __DATA__);
"""

_MAIN_JS = """(function () {
  "use strict";
  var map = __MAP__, RP = __DATA__, routes = __ROUTES__, segLayers = __SEGS__;
  RP.attribution.forEach(function (a) { map.attributionControl.addAttribution(a); });
  function dock(id, position) {
    var el = document.getElementById(id);
    if (!el) { return; }
    var Dock = L.Control.extend({onAdd: function () {
      L.DomEvent.disableClickPropagation(el);
      L.DomEvent.disableScrollPropagation(el);
      return el;
    }});
    new Dock({position: position}).addTo(map);
  }
  dock("rp-panel", "topleft");
  dock("rp-legend", "bottomright");
  if (window.innerWidth < 700) {
    document.querySelectorAll("details.rp-fold").forEach(function (d) { d.open = false; });
  }
  function fit(b, maxZoom, animate) {
    var open = document.querySelector("#rp-panel > details[open]");
    var left = open && window.innerWidth >= 700 ? open.parentNode.offsetWidth + 20 : 10;
    map.fitBounds(b, {paddingTopLeft: [left, 10], paddingBottomRight: [10, 10],
                      maxZoom: maxZoom || 16, animate: animate !== false});
  }
  map.invalidateSize();
  // No animation: Leaflet drops any view change asked for while a zoom animates.
  fit(RP.fit, 16, false);
  document.querySelectorAll("details").forEach(function (d) {
    d.addEventListener("toggle", function () { map.invalidateSize(); });
  });
  document.querySelectorAll("[data-rp-seg]").forEach(function (el) {
    el.addEventListener("click", function (ev) {
      ev.preventDefault();
      var i = +el.getAttribute("data-rp-seg"), layer = segLayers[i];
      fit(RP.segs[i], 17);
      if (layer && map.hasLayer(layer)) { layer.openTooltip(); }
    });
  });
  segLayers.forEach(function (layer, i) {
    layer.on("click", function () { fit(RP.segs[i], 17); });
  });

  var hover = L.circleMarker([0, 0], {radius: 7, weight: 3, color: "#111", fillColor: "#ffeb3b",
    fillOpacity: 1, interactive: false, className: "rp-hover"});
  function hide() {
    document.querySelectorAll(".rp-cursor").forEach(function (c) {
      c.setAttribute("visibility", "hidden");
    });
    hover.remove();
  }
  function show(k, dk) {
    var p = RP.profiles[k];
    if (!p) { return; }
    var n = p.d.length, dmax = p.d[n - 1], lo = 0, hi = n - 1;
    dk = Math.max(0, Math.min(dmax, dk));
    while (hi - lo > 1) {
      var mid = (lo + hi) >> 1;
      if (p.d[mid] <= dk) { lo = mid; } else { hi = mid; }
    }
    var span = p.d[hi] - p.d[lo], t = span > 0 ? (dk - p.d[lo]) / span : 0;
    var lat = p.la[lo] + t * (p.la[hi] - p.la[lo]), lon = p.lo[lo] + t * (p.lo[hi] - p.lo[lo]);
    var e = p.e[lo] + t * (p.e[hi] - p.e[lo]), g = p.g[lo];
    hover.setLatLng([lat, lon]);
    if (!map.hasLayer(hover)) { hover.addTo(map); }
    var svg = document.querySelector('svg.rp-profile[data-route="' + k + '"]');
    if (!svg) { return; }
    var cur = svg.querySelector(".rp-cursor");
    var x = p.x0 + (dmax > 0 ? dk / dmax : 0) * (p.x1 - p.x0), y = p.yb - (e - p.ylo) * p.ys;
    var line = cur.querySelector("line"), dot = cur.querySelector("circle");
    var txt = cur.querySelector("text"), right = x > (p.x0 + p.x1) / 2;
    line.setAttribute("x1", x); line.setAttribute("x2", x);
    dot.setAttribute("cx", x); dot.setAttribute("cy", y);
    txt.textContent = dk.toFixed(2) + " km \\u00b7 " + Math.round(e) + " m \\u00b7 " +
      (g > 0 ? "+" : g < 0 ? "\\u2212" : "") + Math.abs(g) + " %";
    txt.setAttribute("x", right ? x - 8 : x + 8);
    txt.setAttribute("text-anchor", right ? "end" : "start");
    cur.setAttribute("visibility", "visible");
  }
  document.querySelectorAll("svg.rp-profile").forEach(function (svg) {
    var k = +svg.getAttribute("data-route"), p = RP.profiles[k];
    function move(ev) {
      var ctm = svg.getScreenCTM();
      if (!ctm || !p) { return; }
      var pt = svg.createSVGPoint();
      pt.x = ev.clientX; pt.y = ev.clientY;
      pt = pt.matrixTransform(ctm.inverse());
      var f = Math.max(0, Math.min(1, (pt.x - p.x0) / (p.x1 - p.x0)));
      show(k, f * p.d[p.d.length - 1]);
    }
    svg.addEventListener("pointermove", move);
    svg.addEventListener("pointerdown", move);
    svg.addEventListener("pointerleave", hide);
  });
  routes.forEach(function (group, k) {
    var p = RP.profiles[k];
    if (!p) { return; }
    group.on("mousemove", function (ev) {
      var best = 0, bd = Infinity, c = Math.cos(ev.latlng.lat * Math.PI / 180);
      for (var i = 0; i < p.la.length; i++) {
        var dy = p.la[i] - ev.latlng.lat, dx = (p.lo[i] - ev.latlng.lng) * c;
        if (dx * dx + dy * dy < bd) { bd = dx * dx + dy * dy; best = i; }
      }
      var tab = document.getElementById("rp-ptab-" + k);
      if (tab && !tab.checked) { tab.checked = true; }
      show(k, p.d[best]);
    });
    group.on("mouseout", hide);
  });
  window.routeplannerMap = {map: map, show: show, hide: hide, hover: hover};
})();
"""


def _new_map(title: str, bbox: tuple[float, float, float, float], offline: bool) -> RouteMap:
    w, s, e, n = bbox
    m = RouteMap(
        location=[(s + n) / 2, (w + e) / 2],
        zoom_start=13,
        tiles=None,
        zoom_control="topright",
        offline=offline,
    )
    m.get_root().title = esc(title)
    if offline:
        assets = leaflet_assets()
        m.default_js = []
        m.default_css = []
        m.add_child(Block(header=f"<style>{assets.css}</style>\n<script>{assets.js}</script>"))
        log.debug("inlined Leaflet %s from %s", assets.version, assets.package)
    else:
        # Plain Leaflet is all these maps use; skip folium's jQuery/Bootstrap/Font Awesome.
        m.default_js = [p for p in _default_js if p[0] == "leaflet"]
        m.default_css = [p for p in _default_css if p[0] == "leaflet_css"]
    m.add_child(
        Block(
            header=f"<style>{_CSS}</style>",
            js=(
                f"{m.get_name()}.createPane('rp-dem').style.zIndex = 250;\n"
                f"{m.get_name()}.createPane('rp-net').style.zIndex = 350;\n"
                f"L.control.scale({{imperial: false}}).addTo({m.get_name()});\n"
            ),
        )
    )
    return m


def _add_basemaps(m: folium.Map) -> None:
    for i, (provider, name) in enumerate(
        (
            (xyz.OpenStreetMap.Mapnik, "OpenStreetMap"),
            (xyz.OpenTopoMap, "OpenTopoMap"),
            (xyz.Esri.WorldImagery, "Esri World Imagery"),
        )
    ):
        # Only the first base layer is on; Leaflet would stack every shown one.
        folium.TileLayer(
            provider,
            name=name,
            max_zoom=19,
            show=i == 0,
            max_native_zoom=provider.get("max_zoom", 19),
        ).add_to(m)


def _tooltip(
    layer: folium.map.Layer,
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


# -- DEM overlays -------------------------------------------------------------------


def _mercator_rows(grid: np.ndarray, south: float, north: float) -> np.ndarray:
    """Re-space rows of a lat-regular grid evenly in Web Mercator, as Leaflet stretches images."""
    h = grid.shape[0]

    def merc(lat: float | np.ndarray) -> np.ndarray:
        return np.log(np.tan(np.pi / 4 + np.radians(lat) / 2))

    y = merc(north) - (np.arange(h) + 0.5) / h * (merc(north) - merc(south))
    lat = np.degrees(2 * np.arctan(np.exp(y)) - np.pi / 2)
    rows = np.clip(((north - lat) / (north - south) * h).astype(np.intp), 0, h - 1)
    return grid[rows]


def display_dem(
    dem: Dem, bbox: tuple[float, float, float, float], *, max_px: int = _DEM_MAX_PX
) -> Dem:
    """The DEM over ``bbox`` at screen resolution, for overlays.

    A DEM coarser than the overlay's pixels (SRTM over a small area) is
    resampled with cubic splines onto a WGS84 grid of ``max_px`` on the longer
    side, so the hillshade shows landforms instead of 90 m squares; a finer DEM
    is returned as is (overlays then decimate it after computing slopes, so
    steep cells are not averaged away).

    Parameters
    ----------
    dem
        The elevation model.
    bbox
        ``(west, south, east, north)`` of the overlay.
    max_px
        Pixels on the longer side of the overlay.

    Returns
    -------
    Dem
    """
    w, s, e, n = bbox
    dw, ds, de, dn = dem.bounds_lonlat
    w, s, e, n = max(w, dw), max(s, ds), min(e, de), min(n, dn)
    if w >= e or s >= n:
        raise CoverageError(f"bbox {tuple(bbox)} does not intersect the DEM {dem.bounds_lonlat}")
    width_m = (e - w) * _K * math.cos(math.radians((s + n) / 2))
    height_m = (n - s) * _K
    px_m = max(width_m, height_m) / max_px
    if px_m >= 0.9 * min(dem.cell_size_m()):
        return dem
    nx, ny = max(2, math.ceil(width_m / px_m)), max(2, math.ceil(height_m / px_m))
    lon = w + (np.arange(nx) + 0.5) * (e - w) / nx
    lat = n - (np.arange(ny) + 0.5) * (n - s) / ny
    lon_g, lat_g = np.meshgrid(lon, lat)
    x, y = lon_g, lat_g
    if dem.crs.to_epsg() != 4326:
        tr = pyproj.Transformer.from_crs("EPSG:4326", dem.crs.to_wkt(), always_xy=True)
        x, y = tr.transform(lon_g, lat_g)
    inv = ~dem.transform
    col, row = inv @ (np.asarray(x), np.asarray(y))
    col, row = col - 0.5, row - 0.5  # map_coordinates counts from cell centres
    # Work on the window around the bbox only: spline prefiltering costs the whole array.
    h, wd = dem.elevation.shape
    r0 = int(np.clip(math.floor(row.min()) - 4, 0, h - 1))
    r1 = int(np.clip(math.ceil(row.max()) + 5, r0 + 1, h))
    c0 = int(np.clip(math.floor(col.min()) - 4, 0, wd - 1))
    c1 = int(np.clip(math.ceil(col.max()) + 5, c0 + 1, wd))
    row, col = row - r0, col - c0
    z = np.asarray(dem.elevation[r0:r1, c0:c1], dtype=np.float64)
    valid = np.isfinite(z)
    filled = np.where(valid, z, np.nanmean(z) if valid.any() else 0.0)
    # Cubic splines would smear a NaN over the whole grid, hence the fill and mask.
    out = ndimage.map_coordinates(filled, [row, col], order=3, mode="nearest")
    ok = (
        ndimage.map_coordinates(
            valid.astype(np.float64), [row, col], order=1, mode="constant", cval=0.0
        )
        > 0.999
    )
    out[~ok] = np.nan
    transform = Affine((e - w) / nx, 0.0, w, 0.0, -(n - s) / ny, n)
    return Dem(out.astype(np.float32), transform, CRS.from_epsg(4326), 0, dem.source)


def hillshade_png(
    dem: Dem, bbox: tuple[float, float, float, float], *, max_px: int = _DEM_MAX_PX
) -> tuple[bytes, tuple[float, float, float, float]]:
    """Hillshade as a translucent palette PNG: shadows dark, sunlit slopes light, flat clear.

    ``dem`` is used as given; pass it through :func:`display_dem` for a smooth
    hillshade of a coarse DEM.

    Returns
    -------
    tuple
        ``(png, (west, south, east, north))``.
    """
    shade, bounds = to_lonlat_grid(dem, hillshade(dem), bbox, max_size=max_px)
    valid, _ = to_lonlat_grid(dem, np.isfinite(dem.elevation), bbox, max_size=max_px)
    flat = 255.0 * math.sin(math.radians(45.0))  # value of level ground at altitude 45°
    v = shade.astype(np.float64)
    dark = np.clip(np.rint((flat - v) / flat * 20), 0, 20).astype(np.uint8)
    light = np.clip(np.rint((v - flat) / (255.0 - flat) * 8), 0, 8).astype(np.uint8)
    index = np.where(v < flat, dark, np.where(light > 0, 20 + light, 0)).astype(np.uint8)
    index[~valid.astype(bool)] = 0
    palette = [(0, 0, 0, 0)]
    palette += [(24, 28, 44, round(175 * k / 20)) for k in range(1, 21)]
    palette += [(255, 255, 255, round(120 * k / 8)) for k in range(1, 9)]
    index = _mercator_rows(index, bounds[1], bounds[3])
    return palette_png(index, palette), bounds


def slope_classes(dem: Dem) -> np.ndarray:
    """Slope band of every DEM cell: 0 below 27°, then 1… for :data:`SLOPE_BANDS`."""
    slope, _ = slope_aspect(dem)
    cls = np.zeros(slope.shape, dtype=np.uint8)
    ok = np.isfinite(slope) & (slope >= _SLOPE_MIN_DEG)
    cls[ok] = classify(slope[ok], SLOPE_BANDS) + 1
    return cls


def slope_png(
    dem: Dem, bbox: tuple[float, float, float, float], *, max_px: int = _DEM_MAX_PX
) -> tuple[bytes, tuple[float, float, float, float]]:
    """Slope-angle shading in :data:`SLOPE_BANDS` as a palette PNG (clear below 27°).

    Classes are computed at the DEM's resolution before downsampling, so a
    pixel shows a band that really occurs there.
    """
    index, bounds = to_lonlat_grid(dem, slope_classes(dem), bbox, max_size=max_px)
    palette = [(0, 0, 0, 0)] + [(*_rgb(b.color), 165) for b in SLOPE_BANDS]
    index = _mercator_rows(index, bounds[1], bounds[3])
    return palette_png(index, palette), bounds


def _rgb(color: str) -> tuple[int, int, int]:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def _add_dem_layers(
    m: folium.Map,
    dem: Dem,
    bbox: tuple[float, float, float, float],
) -> None:
    """Add the hillshade (shown) and slope-angle (hidden) overlays."""
    try:
        fine = display_dem(dem, bbox)
        png, bounds = hillshade_png(fine, bbox)
        slope, sbounds = slope_png(fine, bbox)
    except CoverageError as exc:
        log.warning("no DEM overlays: %s", exc)
        return
    w, s, e, n = bounds
    folium.raster_layers.ImageOverlay(
        png_data_url(png),
        bounds=[[s, w], [n, e]],
        name="Hillshade (DEM)",
        pixelated=False,
        pane="rp-dem",
        interactive=False,
        show=True,
    ).add_to(m)
    w, s, e, n = sbounds
    folium.raster_layers.ImageOverlay(
        png_data_url(slope),
        bounds=[[s, w], [n, e]],
        name="Slope angle (27°+)",
        pixelated=False,
        pane="rp-dem",
        interactive=False,
        show=False,
    ).add_to(m)


# -- network and pistes ---------------------------------------------------------------


def _edge_style_keys(net: Network) -> list[str]:
    return [
        f"sac{int(s)}" if c == 0 else ("minor_road" if c == 1 else "major_road")
        for c, s in zip(net.edge_class.tolist(), net.edge_sac.tolist(), strict=True)
    ]


def _add_network_layer(
    m: folium.Map,
    net: Network,
    bbox: tuple[float, float, float, float] | None,
    *,
    show: bool,
    tol_m: float,
) -> None:
    """The trail network coloured by difficulty, one canvas polyline per (style, name)."""
    off = net.prof_offsets
    if bbox is not None:
        w, s, e, n = bbox
        lo_min = np.minimum.reduceat(net.prof_lon, off[:-1])
        lo_max = np.maximum.reduceat(net.prof_lon, off[:-1])
        la_min = np.minimum.reduceat(net.prof_lat, off[:-1])
        la_max = np.maximum.reduceat(net.prof_lat, off[:-1])
        edges = np.flatnonzero((lo_max >= w) & (lo_min <= e) & (la_max >= s) & (la_min <= n))
    else:
        edges = np.arange(net.n_edges)
    if len(edges) == 0:
        return
    keys = _edge_style_keys(net)
    lines = [(net.prof_lon[off[i] : off[i + 1]], net.prof_lat[off[i] : off[i + 1]]) for i in edges]
    lines = _simplify(lines, tol_m)
    style_names = list(DIFFICULTY_STYLES)
    styles = [[c, wgt, 0.9, None] for _, c, wgt in DIFFICULTY_STYLES.values()]
    tips: list[str] = []
    tip_index: dict[str, int] = {}
    groups: dict[tuple[int, int], list[list[int]]] = {}
    for e_idx, (lon, lat) in zip(edges.tolist(), lines, strict=True):
        key = keys[e_idx]
        name = str(net.edge_name[e_idx] or "")
        label = DIFFICULTY_STYLES[key][0]
        tip = f"<b>{esc(name)}</b><br>{esc(label)}" if name else esc(label.capitalize())
        t = tip_index.setdefault(tip, len(tips))
        if t == len(tips):
            tips.append(tip)
        groups.setdefault((style_names.index(key), t), []).append(_encode(lon, lat))
    data = {
        "pane": "rp-net",
        "styles": styles,
        "tips": tips,
        "groups": [[s_, t_, ls] for (s_, t_), ls in groups.items()],
    }
    fg = folium.FeatureGroup(name="Trail network (by difficulty)", show=show)
    fg.add_child(
        Block(js=_LINES_JS.replace("__GROUP__", fg.get_name()).replace("__DATA__", js_json(data)))
    )
    fg.add_to(m)


def _add_pistes_layer(
    m: folium.Map, net: Network, bbox: tuple[float, float, float, float] | None
) -> None:
    """Ski pistes and aerialways from ``net.features`` (hidden by default)."""
    lines, styles_of, tips_of = [], [], []
    for f in net.features:
        lon, lat = np.asarray(f.get("lon", ())), np.asarray(f.get("lat", ()))
        if len(lon) < 2 or len(lon) != len(lat):
            continue
        if bbox is not None:
            w, s, e, n = bbox
            if lon.max() < w or lon.min() > e or lat.max() < s or lat.min() > n:
                continue
        tags = f.get("tags", {}) or {}
        name = str(tags.get("name", "") or "")
        if "aerialway" in tags:
            style = ("#222222", 1.5, 0.9, "6 4")
            kind = f"lift ({tags['aerialway']})"
        else:
            ptype = str(tags.get("piste:type", "piste"))
            diff = str(tags.get("piste:difficulty", ""))
            colour = _PISTE_COLOURS.get(diff, "#1e88e5") if ptype == "downhill" else "#00838f"
            style = (colour, 2.5, 0.8, "4 3" if ptype != "downhill" else None)
            kind = f"{ptype} piste" + (f", {diff}" if diff else "")
        lines.append((lon, lat))
        styles_of.append(style)
        tips_of.append(f"<b>{esc(name)}</b><br>{esc(kind)}" if name else esc(kind))
    if not lines:
        return
    lines = _simplify(lines, 3.0)
    styles: list[tuple[Any, ...]] = []
    tips: list[str] = []
    groups: dict[tuple[int, int], list[list[int]]] = {}
    for (lon, lat), st, tip in zip(lines, styles_of, tips_of, strict=True):
        if st not in styles:
            styles.append(st)
        if tip not in tips:
            tips.append(tip)
        groups.setdefault((styles.index(st), tips.index(tip)), []).append(_encode(lon, lat))
    data = {
        "pane": "rp-net",
        "styles": [list(s) for s in styles],
        "tips": tips,
        "groups": [[s_, t_, ls] for (s_, t_), ls in groups.items()],
    }
    fg = folium.FeatureGroup(name="Ski pistes and lifts", show=False)
    fg.add_child(
        Block(js=_LINES_JS.replace("__GROUP__", fg.get_name()).replace("__DATA__", js_json(data)))
    )
    fg.add_to(m)


# -- routes -------------------------------------------------------------------------


def _km_interval(distance_m: float) -> float:
    for step in (1000.0, 2000.0, 5000.0, 10000.0, 20000.0, 50000.0):
        if distance_m / step <= 25:
            return step
    return 100000.0


def _markers_data(route: Route) -> dict[str, list[Any]]:
    """km markers, direction arrows half-way between them, and start/finish pins."""
    d, lon, lat = route.dist_m, route.lon, route.lat
    total = float(d[-1])
    step = _km_interval(total)
    km, arrows = [], []
    for at in np.arange(step, total - step * 0.3, step):
        km.append(
            [
                round(float(np.interp(at, d, lat)), 5),
                round(float(np.interp(at, d, lon)), 5),
                f"{at / 1000:.0f}",
            ]
        )
    for at in np.arange(step / 2, total - step * 0.2, step):
        i = int(np.clip(np.searchsorted(d, at - 15.0), 0, len(d) - 1))
        j = int(np.clip(np.searchsorted(d, at + 15.0), 0, len(d) - 1))
        if j <= i:
            continue
        arrows.append(
            [
                round(float(np.interp(at, d, lat)), 5),
                round(float(np.interp(at, d, lon)), 5),
                round(_bearing_deg(lon, lat, i, j)),
            ]
        )
    start = [round(float(lat[0]), 5), round(float(lon[0]), 5)]
    finish = [round(float(lat[-1]), 5), round(float(lon[-1]), 5)]
    gap_m = math.hypot(
        (lon[-1] - lon[0]) * math.cos(math.radians(lat[0])) * _K, (lat[-1] - lat[0]) * _K
    )
    if gap_m < 50.0:  # a loop: one pin
        pins = [[*start, "rp-start", "Start / finish", "Start and finish"]]
    else:
        pins = [[*finish, "rp-finish", "Finish", "Finish"], [*start, "rp-start", "Start", "Start"]]
    return {"km": km, "arrows": arrows, "pins": pins}


def _add_route(
    m: folium.Map, route: Route, colour: str, color_by: str, many: bool
) -> folium.FeatureGroup:
    label = f"{route.name} · {_km(route.stats.distance_m)}"
    fg = folium.FeatureGroup(
        name=f'<span class="rp-swatch" style="background:{colour}"></span>{esc(label)}'
        if many
        else esc(label),
        show=True,
    )
    casing_colour = colour if many else "#1b1b1b"
    ((lon, lat),) = _simplify([(route.lon, route.lat)], 1.0)
    casing = folium.PolyLine(
        _latlon(lon, lat),
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
            _latlon(lon, lat),
            color=colour if not many else "#ffffff",
            weight=4 if many else 5,
            opacity=1.0,
        )
        _tooltip(core, f"<b>{esc(route.name)}</b>")
        fg.add_child(core)
    else:
        cls, classes = _stretch_classes(route, color_by)
        change = np.flatnonzero(np.diff(cls)) + 1
        starts = np.concatenate(([0], change))
        ends = np.concatenate((change, [len(cls)]))
        runs = [
            (route.lon[a : b + 1], route.lat[a : b + 1]) for a, b in zip(starts, ends, strict=True)
        ]
        runs = _simplify(runs, 1.0)
        by_class: dict[int, list[list[list[float]]]] = {}
        for a, (rlon, rlat) in zip(starts.tolist(), runs, strict=True):
            by_class.setdefault(int(cls[a]), []).append(_latlon(rlon, rlat))
        what = "grade" if color_by == "grade" else "pace"
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
            fg.add_child(line)
    data = _markers_data(route)
    fg.add_child(
        Block(js=_MARKERS_JS.replace("__GROUP__", fg.get_name()).replace("__DATA__", js_json(data)))
    )
    fg.add_to(m)
    return fg


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
        colour = _SEGMENT_COLOURS.get(seg.kind.lower(), "#ef6c00")
        lon, lat = np.asarray(seg.lon, dtype=float), np.asarray(seg.lat, dtype=float)
        if len(lon) < 2 or len(lat) != len(lon):
            raise InputError(f"segment {seg.id!r} needs at least two points")
        ((slon, slat),) = _simplify([(lon, lat)], 1.0)
        layer = folium.PolyLine(
            _latlon(slon, slat), color=colour, weight=14, opacity=0.45, line_cap="round"
        )
        stats = "".join(f"<br>{esc(k)}: {esc(v)}" for k, v in seg.stats.items())
        name = f" {esc(seg.name)}" if seg.name else ""
        _tooltip(layer, f"<b>{esc(seg.id)} · {esc(seg.kind.capitalize())}</b>{name}{stats}")
        group.add_child(layer)
        layers.append(layer)
        bounds.append(
            _fit((float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max())))
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
    js = _MARKERS_JS.replace("__GROUP__", group.get_name()).replace("__DATA__", js_json(data))
    group.add_child(Block(js=js))
    group.add_to(m)


def _profile(route: Route, index: int) -> tuple[ProfilePlot, dict[str, Any]]:
    total = float(route.dist_m[-1])
    n = int(min(_PROFILE_SAMPLES, max(2, len(route.dist_m))))
    d = np.linspace(0.0, total, n) if total > 0 else np.zeros(n)
    cls, _ = _stretch_classes(route, "grade", d)
    ele = np.interp(d, route.dist_m, route.ele)
    plot = profile_svg(d, ele, cls, [c.color for c in GRADE_CLASSES], index=index, label=route.name)
    grade = _windowed_rate(d, ele, _GRADE_WINDOW_M) if n > 1 else np.zeros(1)
    data = {
        "x0": plot.x0,
        "x1": plot.x1,
        "yb": plot.y_base,
        "ylo": plot.ele_low_m,
        "ys": round(plot.px_per_m, 6),
        "d": np.round(d / 1000.0, 4).tolist(),
        "e": np.round(ele, 1).tolist(),
        "g": np.rint(np.append(grade, grade[-1]) * 100).astype(int).tolist(),
        "la": np.round(np.interp(d, route.dist_m, route.lat), 5).tolist(),
        "lo": np.round(np.interp(d, route.dist_m, route.lon), 5).tolist(),
    }
    return plot, data


# -- panels -------------------------------------------------------------------------


def _route_rows(route: Route, short: bool) -> list[tuple[str, str]]:
    st = route.stats
    p = route.profile
    rows = [
        ("Distance", _km(st.distance_m)),
        ("Est. time", _duration(st.duration_s)),
    ]
    if route.target_duration_s is not None:
        rows.append(("Target time", _duration(route.target_duration_s)))
    rows += [
        ("Flat pace", _pace(p.flat_pace_s_per_km)),
        ("Ascent", f"+{st.ascent_m:.0f} m" if round(st.ascent_m) else "0 m"),
        ("Descent", f"−{st.descent_m:.0f} m" if round(st.descent_m) else "0 m"),
        ("On trails", _pct(st.trail_share)),
        ("Steepest", st.max_grade_text),
        (
            "Hardest",
            (f"T{st.hardest_sac}" if short else _SAC_NAMES[st.hardest_sac])
            if st.hardest_sac
            else "untagged",
        ),
    ]
    return rows


def _stats_table(routes: Sequence[Route], colours: Sequence[str]) -> str:
    if len(routes) == 1:
        rows = _route_rows(routes[0], short=False)
        body = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in rows)
        return f'<table class="rp-stats">{body}</table>'
    cols = [_route_rows(r, short=True) for r in routes]
    head = "".join(
        f'<th><span class="rp-swatch" style="background:{c}"></span>{esc(r.name)}</th>'
        for r, c in zip(routes, colours, strict=True)
    )
    labels = [k for k, _ in cols[0]]
    if any([k for k, _ in c] != labels for c in cols):  # some have a target time, some not
        labels = list(dict.fromkeys(k for c in cols for k, _ in c))
    body = ""
    for k in labels:
        cells = "".join(f"<td>{esc(dict(c).get(k, '–'))}</td>" for c in cols)
        body += f"<tr><th>{esc(k)}</th>{cells}</tr>"
    return f'<table class="rp-stats"><thead><tr><th></th>{head}</tr></thead>{body}</table>'


def _segments_html(segments: Sequence[MapSegment]) -> str:
    if not segments:
        return ""
    items = []
    for i, seg in enumerate(segments):
        colour = _SEGMENT_COLOURS.get(seg.kind.lower(), "#ef6c00")
        stats = " · ".join(f"{esc(k)} {esc(v)}" for k, v in seg.stats.items())
        name = f" {esc(seg.name)}" if seg.name else ""
        items.append(
            f'<li><button type="button" data-rp-seg="{i}" title="Zoom to this segment">'
            f'<span class="rp-num" style="background:{colour}">{esc(seg.id)}</span>'
            f"<b>{esc(seg.kind.capitalize())}</b>{name}"
            f'<span class="rp-segstats">{stats}</span></button></li>'
        )
    return f'<h2>Segments</h2><ol class="rp-segs">{"".join(items)}</ol>'


def _bar(title: str, classes: Sequence[ColourClass], ticks: Sequence[str]) -> str:
    n = len(classes)
    cells = "".join(
        f'<span style="background:{c.color}" title="{esc(c.label)}"></span>' for c in classes
    )
    tick_html = "".join(
        f'<span style="left:{100 * (i + 1) / n:.2f}%">{esc(t)}</span>' for i, t in enumerate(ticks)
    )
    return (
        f'<div class="rp-lt">{esc(title)}</div><div class="rp-bar">{cells}</div>'
        f'<div class="rp-ticks">{tick_html}</div>'
    )


def _keys(title: str, items: Sequence[tuple[str, str]]) -> str:
    keys = "".join(
        f'<span><i class="rp-swatch" style="background:{c}"></i>{esc(t)}</span>' for t, c in items
    )
    return f'<div class="rp-lt">{esc(title)}</div><div class="rp-keys">{keys}</div>'


def _legend_html(*, color_by: str | None, network: bool, dem: Dem | None) -> str:
    parts = []
    grade_ticks = ["−15", "−8", "−3", "3", "8", "15", "25"]
    if color_by == "pace":
        parts.append(
            _bar("Route: pace (min/km)", PACE_CLASSES, ["5", "6", "7", "8", "10", "12", "15", "20"])
        )
        parts.append(_bar("Profile: grade (%)", GRADE_CLASSES, grade_ticks))
    elif color_by is not None:
        title = "Route and profile: grade (%)" if color_by == "grade" else "Profile: grade (%)"
        parts.append(_bar(title, GRADE_CLASSES, grade_ticks))
    if network:
        items = [("no tag", DIFFICULTY_STYLES["sac0"][1])]
        items += [(f"T{i}", DIFFICULTY_STYLES[f"sac{i}"][1]) for i in range(1, 7)]
        items += [("road", DIFFICULTY_STYLES["minor_road"][1])]
        parts.append(_keys("Trails: SAC difficulty", items))
    if dem is not None:
        parts.append(_keys("Slope angle", [(b.label, b.color) for b in SLOPE_BANDS]))
        cell = max(dem.cell_size_m())
        parts.append(
            f'<div class="rp-note">Slopes from a {cell:.0f} m DEM'
            f"{': short steep pitches are steeper than shown' if cell > 15 else ''}"
            ".</div>"
        )
    if not parts:
        return ""
    return (
        f'<div id="rp-legend" class="rp-box"><details open class="rp-fold">'
        f"<summary>Legend</summary>{''.join(parts)}</details></div>"
    )


def _panel_html(title: str, inner: str, *, wide: bool = False) -> str:
    cls = "rp-box rp-wide" if wide else "rp-box"
    return (
        f'<div id="rp-panel" class="{cls}"><details open class="rp-fold">'
        f"<summary><h1>{esc(title)}</h1></summary>{inner}"
        f'<p class="rp-foot">Made with routeplanner {esc(__version__)}. '
        f"Times are estimates; check conditions before you go.</p></details></div>"
    )


def _profile_panel(
    routes: Sequence[Route], plots: Sequence[ProfilePlot], colours: Sequence[str]
) -> str:
    hint = "<small> · point at it to find the place on the map</small>"
    if len(routes) == 1:
        return (
            f'<div id="rp-profile-panel"><details open class="rp-profile-details">'
            f"<summary>Elevation profile · {esc(routes[0].name)}{hint}</summary>"
            f'<div class="rp-prof" style="display:block">{plots[0].svg}</div>'
            f"</details></div>"
        )
    tabs, bodies, rules = [], [], []
    for i, (route, plot, colour) in enumerate(zip(routes, plots, colours, strict=True)):
        checked = " checked" if i == 0 else ""
        tabs.append(
            f'<input type="radio" name="rp-ptab" id="rp-ptab-{i}"{checked}>'
            f'<label for="rp-ptab-{i}"><span class="rp-swatch" '
            f'style="background:{colour}"></span>{esc(route.name)}</label>'
        )
        bodies.append(f'<div class="rp-prof rp-prof-{i}">{plot.svg}</div>')
        rules.append(f"#rp-ptab-{i}:checked~.rp-prof-{i}{{display:block}}")
    return (
        f"<style>{''.join(rules)}</style>"
        f'<div id="rp-profile-panel"><details open class="rp-profile-details">'
        f"<summary>Elevation profiles{hint}</summary>"
        f'<div class="rp-tabs">{"".join(tabs)}{"".join(bodies)}</div></details></div>'
    )


def _attribution_lines(dem: Dem | None, network: Network | None, extra: Sequence[str]) -> list[str]:
    lines = ["Trails © OpenStreetMap contributors"]
    source = (
        dem.source
        if dem is not None
        else (network.meta.get("dem_source") if network is not None else None)
    )
    if source:
        lines.append(f"Elevation: {source}")
    lines += [str(a) for a in extra]
    return [esc(a) for a in dict.fromkeys(lines)]


def _finish(
    m: RouteMap,
    *,
    fit: list[list[float]],
    attribution: list[str],
    route_groups: Sequence[folium.FeatureGroup] = (),
    seg_layers: Sequence[folium.map.Layer] = (),
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
    js = (
        _MAIN_JS.replace("__MAP__", m.get_name())
        .replace("__ROUTES__", "[" + ", ".join(g.get_name() for g in route_groups) + "]")
        .replace("__SEGS__", "[" + ", ".join(s.get_name() for s in seg_layers) + "]")
        .replace("__DATA__", js_json(data))
    )
    m.add_child(Block(body=body, js=js))
    return m


def route_map(
    routes: Sequence[Route],
    *,
    title: str,
    network: Network | None = None,
    dem: Dem | None = None,
    segments: Sequence[MapSegment] = (),
    markers: Sequence[tuple[float, float, str]] = (),
    info_html: str | None = None,
    color_by: str = "grade",
    offline: bool = False,
    attribution: Sequence[str] = (),
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
    info_html
        Extra HTML for the panel. It is inserted as is: the caller escapes it.
    color_by
        ``"grade"``, ``"pace"`` or ``"route"`` (each route in its own colour).
    offline
        Build a file that needs no network: Leaflet inlined, no tile layers.
    attribution
        Extra attribution lines (escaped).

    Returns
    -------
    RouteMap
        A :class:`folium.Map`; write it with :func:`save_map`.

    Raises
    ------
    InputError
        If there is no route or ``color_by`` is unknown.
    DataError
        If ``offline`` and no package providing Leaflet is installed.
    """
    routes = list(routes)
    if not routes:
        raise InputError("route_map needs at least one route")
    if color_by not in COLOR_BY:
        raise InputError(f"unknown color_by {color_by!r}: use one of {', '.join(COLOR_BY)}")
    bbox = _routes_bbox(routes)
    span_m = max(
        (bbox[2] - bbox[0]) * _K * math.cos(math.radians(bbox[1])), (bbox[3] - bbox[1]) * _K
    )
    # DEM overlays and the network reach well past the route: the view is wider than the
    # route on most screens, and offline they are the whole basemap.
    area = _pad_bbox(bbox, max(span_m, 3000.0))
    m = _new_map(title, area, offline)
    many = len(routes) > 1
    colours = [_ROUTE_COLOURS[i % len(_ROUTE_COLOURS)] for i in range(len(routes))]
    if not many and color_by == "route":
        colours = ["#c2185b"]
    if not offline:
        _add_basemaps(m)

    groups = [_add_route(m, r, c, color_by, many) for r, c in zip(routes, colours, strict=True)]
    seg_layers, seg_bounds = _add_segments(m, segments)
    if markers:
        _add_points(m, markers)
    if network is not None:
        _add_network_layer(m, network, area, show=offline, tol_m=3.0)
        _add_pistes_layer(m, network, area)
    if dem is not None:
        _add_dem_layers(m, dem, area)

    plots, pdata = zip(*(_profile(r, i) for i, r in enumerate(routes)), strict=True)
    panel = _stats_table(routes, colours)
    if info_html:
        panel += f'<div class="rp-info">{info_html}</div>'
    warnings = [w for r in routes for w in r.warnings]
    if warnings:
        panel += '<ul class="rp-warn">' + "".join(f"<li>{esc(w)}</li>" for w in warnings) + "</ul>"
    panel += _segments_html(segments)
    models = sorted({r.profile.model for r in routes})
    panel += (
        '<p class="rp-note">Pace model: '
        + ", ".join(esc(_PACE_MODEL_NAMES.get(x, x)) for x in models)
        + "; estimated times use the flat pace above.</p>"
    )
    body = (
        _panel_html(title, panel, wide=many)
        + _legend_html(color_by=color_by, network=network is not None, dem=dem)
        + _profile_panel(routes, plots, colours)
    )
    return _finish(
        m,
        fit=_fit(bbox),
        attribution=_attribution_lines(dem, network, attribution),
        route_groups=groups,
        seg_layers=seg_layers,
        seg_bounds=seg_bounds,
        profiles=pdata,
        body=body,
    )


def network_map(
    network: Network,
    *,
    title: str,
    dem: Dem | None = None,
    offline: bool = False,
    attribution: Sequence[str] = (),
    panel_html: str | None = None,
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
    panel_html
        HTML to show in the side panel instead of the network's statistics
        (already escaped, e.g. a list of ski lines).

    Returns
    -------
    RouteMap
    """
    bbox = network.bbox
    m = _new_map(title, bbox, offline)
    if not offline:
        _add_basemaps(m)
    _add_network_layer(m, network, None, show=True, tol_m=4.0)
    _add_pistes_layer(m, network, None)
    if dem is not None:
        _add_dem_layers(m, dem, bbox)
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
    if panel_html is not None:
        panel = panel_html
    body = _panel_html(title, panel) + _legend_html(color_by=None, network=True, dem=dem)
    return _finish(
        m, fit=_fit(bbox), attribution=_attribution_lines(dem, network, attribution), body=body
    )


# -- output -------------------------------------------------------------------------


def map_html(m: folium.Map) -> str:
    """Render a map to the HTML text of a standalone page.

    Folium's rendering changes the map (each render appends "addTo" calls), so a
    copy is rendered: the same map gives the same page every time.
    """
    return copy.deepcopy(m.get_root()).render()


def map_size_bytes(m: folium.Map) -> int:
    """Size in bytes of the map's HTML file (UTF-8), without writing it."""
    return len(map_html(m).encode("utf-8"))


def save_map(m: folium.Map, path: str | os.PathLike[str], *, offline: bool | None = None) -> int:
    """Write a map to an HTML file atomically and return its size in bytes.

    Parameters
    ----------
    m
        A map from :func:`route_map` or :func:`network_map`.
    path
        Output file.
    offline
        ``None`` saves the map as built; ``True`` insists that it was built
        with ``offline=True``. An offline map is always checked to load
        nothing from the network.

    Returns
    -------
    int
        Bytes written.

    Raises
    ------
    InputError
        If the path is not writable, or ``offline`` is asked of an online map.
    """
    target = check_writable(path)
    built_offline = bool(getattr(m, "offline", False))
    if offline and not built_offline:
        raise InputError(f"map for {target.name} was built online: build it with offline=True")
    page = map_html(m)
    if built_offline:
        loads = external_loads(page)
        if loads:
            raise RoutePlannerError(f"offline map would load from the network: {loads[0]!r}")
    data = page.encode("utf-8")
    atomic_write_text(target, page)
    budget = SIZE_BUDGET_OFFLINE_BYTES if built_offline else SIZE_BUDGET_ONLINE_BYTES
    if len(data) > budget:
        log.warning(
            "map %s is %.1f MB, over the %.0f MB budget for sharing",
            target.name,
            len(data) / 1e6,
            budget / 1e6,
        )
    return len(data)


def write_index(path: str | os.PathLike[str], entries: Sequence[tuple[str, str, str]]) -> int:
    """Write an HTML index page linking maps in the same folder.

    Parameters
    ----------
    path
        Output file, e.g. ``maps/index.html``.
    entries
        ``(title, filename, one-line description)``; filenames are relative to
        the index (no ``..``, no absolute paths, no URL schemes).

    Returns
    -------
    int
        Bytes written.

    Raises
    ------
    InputError
        If a filename is absolute or climbs out of the folder.
    """
    target = check_writable(path)
    items = []
    for title, filename, description in entries:
        name = str(filename).replace("\\", "/")
        norm = posixpath.normpath(name)
        if not name or name.startswith("/") or norm.startswith("..") or ":" in name:
            raise InputError(f"index entry filename must be a relative path, got {filename!r}")
        items.append(
            f'<li><a href="{esc(quote(norm))}">{esc(title)}</a>'
            f'<span class="d">{esc(description)}</span></li>'
        )
    page = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>routeplanner maps</title><style>"
        "body{font:15px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;"
        "max-width:760px;margin:2em auto;padding:0 1em;color:#1d1d1d}"
        "h1{font-size:1.5em}ul{padding:0;list-style:none}li{margin:.7em 0}"
        "a{font-weight:600;color:#1565c0}.d{display:block;color:#555}"
        "</style></head><body><h1>routeplanner maps</h1>"
        f"<ul>{''.join(items)}</ul>"
        f'<p class="d">Made with routeplanner {esc(__version__)}. Map data © OpenStreetMap '
        "contributors.</p></body></html>\n"
    )
    atomic_write_text(target, page)
    return len(page.encode("utf-8"))
