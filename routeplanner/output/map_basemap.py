"""The offline basemap of a map: roads, trails, water and place names over the hillshade.

Every map is drawn with this layer on at load, so it is never blank:

- with online tiles, the first tile that loads removes it (the tiles show the same
  things better; the layer stays in the layer control);
- when tiles fail (no signal), it stays, and a small note says that the map is
  drawn from the region's OpenStreetMap data;
- offline maps have no tiles: it is their basemap, with the same note.

Place names are DOM text (Leaflet div icons) in their own pane under the markers'
pane, so no name ever covers a marker; a name that would overlap a marker or
a more important name is hidden until the view changes (see ``_BASEMAP_JS``).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from typing import Any

from routeplanner.errors import DataError
from routeplanner.network.model import Network
from routeplanner.network.sidecar import Sidecar
from routeplanner.output._folium import folium
from routeplanner.output._map_assets import Block, js_json
from routeplanner.output.map_overlays import encode_many, simplify_lines
from routeplanner.sources.basemap import (
    BASEMAP_VERSION,
    LINE_CLASSES,
    POINT_KINDS,
    BasemapFeatures,
    read_basemap,
)

__all__ = [
    "BASEMAP_CSS",
    "BASEMAP_JS",
    "LINE_STYLES",
    "add_basemap",
    "basemap_data",
    "basemap_for",
    "basemap_script",
]

log = logging.getLogger(__name__)

#: How each line class is drawn: (colour, weight, dash, fill) — lakes are filled.
LINE_STYLES: dict[str, tuple[str, float, str | None, bool]] = {
    "lake": ("#6fa8dc", 1.0, None, True),
    "river": ("#4a90c8", 2.6, None, False),
    "stream": ("#6fa8dc", 1.3, None, False),
    "track": ("#8d6e63", 1.6, "5 3", False),
    "path": ("#a1413a", 1.4, "3 3", False),
    "minor_road": ("#ffffff", 2.6, None, False),
    "major_road": ("#dcc58f", 3.4, None, False),  # muted: route colours stay apart
}

#: Simplification of the basemap's lines (m): well under a pixel at zoom 14.
_TOL_M = 4.0


def basemap_for(net: Network | None, cache: Sidecar | None) -> BasemapFeatures | None:
    """Return the basemap of the region a network was built from (None: OSM file unknown).

    Read from the network's cache folder when ``cache`` has it, else from the OSM
    file (``net.meta["osm_path"]``, set by :func:`~routeplanner.network.build.load_network`)
    and cached there.  A file that cannot be read gives no basemap and a warning:
    the map is still made.
    """
    path = None if net is None else net.meta.get("osm_path")
    params = f"basemap v{BASEMAP_VERSION}"
    if cache is not None:
        entry = cache.load("basemap", params)
        if entry is not None:
            try:
                return BasemapFeatures.from_arrays(entry[1], list(entry[0].get("names", [])))
            except (KeyError, ValueError, TypeError):
                log.warning("reading the basemap again: its cached copy is damaged")
    if not isinstance(path, str):
        return None
    try:
        feats = read_basemap(path)
    except DataError as exc:
        log.warning("map without its offline basemap: %s", exc)
        return None
    if cache is not None:
        cache.save("basemap", feats.arrays(), info={"names": list(feats.names)}, params=params)
    return feats


def basemap_data(
    feats: BasemapFeatures, bbox: tuple[float, float, float, float] | None
) -> dict[str, Any]:
    """Return the JSON the basemap layer draws: encoded lines by class, and named points."""
    f = feats if bbox is None else feats.clip(bbox)
    off = f.line_offsets
    lines = [
        (f.line_lon[off[i] : off[i + 1]], f.line_lat[off[i] : off[i + 1]]) for i in range(f.n_lines)
    ]
    codes = encode_many(simplify_lines(lines, _TOL_M)) if lines else []
    by_class: list[list[list[int]]] = [[] for _ in LINE_CLASSES]
    for c, code in zip(f.line_class.tolist(), codes, strict=True):
        by_class[c].append(code)
    points: list[list[Any]] = [
        [
            round(float(la), 5),
            round(float(lo), 5),
            int(k),
            name,
            None if math.isnan(ele) else round(float(ele)),
        ]
        for lo, la, ele, k, name in zip(
            f.pt_lon, f.pt_lat, f.pt_ele, f.pt_kind.tolist(), f.names, strict=True
        )
    ]
    points.sort(key=lambda p: (p[2], -float(p[4] or 0)))  # important kinds, then high peaks first
    return {
        "styles": [list(LINE_STYLES[c]) for c in LINE_CLASSES],
        "lines": by_class,
        "kinds": list(POINT_KINDS),
        "points": points,
    }


def add_basemap(
    m: folium.Map,
    feats: BasemapFeatures | None,
    bbox: tuple[float, float, float, float] | None,
    *,
    tiles: Sequence[Any] = (),
) -> None:
    """Add the offline basemap and place names to a map, with the tile fallback logic.

    Parameters
    ----------
    m
        The map.
    feats
        The region's basemap (None: only the note shows when tiles fail).
    bbox
        The area to draw (None: all of ``feats``).
    tiles
        The map's online tile layers (empty: an offline map).
    """
    data = basemap_data(feats, bbox) if feats is not None else {"lines": [], "points": []}
    # Without features the layers are not listed, but the note still tells what failed.
    groups = ["L.layerGroup().addTo(" + m.get_name() + ")"] * 2
    if feats is not None:
        lines = folium.FeatureGroup(name="Basemap from OSM data (offline)", show=True)
        names = folium.FeatureGroup(name="Place names", show=True)
        lines.add_to(m)
        names.add_to(m)
        groups = [lines.get_name(), names.get_name()]
    tiles_js = "[" + ", ".join(t.get_name() for t in tiles) + "]"
    script = basemap_script(m.get_name(), groups[0], groups[1], tiles_js, js_json(data))
    m.add_child(Block(js=script))
    log.debug(
        "basemap: %d lines, %d places",
        sum(len(x) for x in data["lines"]),
        len(data["points"]),
    )


def basemap_script(map_js: str, lines_js: str, names_js: str, tiles_js: str, data_js: str) -> str:
    """Return the script drawing the basemap, given each input as a JavaScript expression.

    ``map_js`` is the Leaflet map, ``lines_js`` and ``names_js`` the layer groups to
    draw into, ``tiles_js`` an array of the online tile layers, ``data_js`` the
    :func:`basemap_data` object.
    """
    return (
        BASEMAP_JS.replace("__MAP__", map_js)
        .replace("__LINES__", lines_js)
        .replace("__NAMES__", names_js)
        .replace("__TILES__", tiles_js)
        .replace("__DATA__", data_js)
    )


BASEMAP_CSS = """
.rp-place{position:absolute;white-space:nowrap;transform:translate(-50%,-50%);
pointer-events:none;color:#222;font:600 12px/1.1 system-ui,-apple-system,"Segoe UI",Roboto,
"DejaVu Sans",Arial,sans-serif;text-shadow:0 0 2px #fff,0 0 2px #fff,0 0 3px #fff,0 0 4px #fff}
.rp-place-town{font-size:14px;font-weight:700}
.rp-place-hamlet{font-size:11px;font-weight:500;color:#333}
.rp-place-peak,.rp-place-saddle,.rp-place-hut{font-size:11px;font-weight:500;color:#4e342e;
transform:translate(-6px,-50%)}
.rp-basenote{background:rgba(255,255,255,.92);padding:2px 6px;border-radius:4px;
font-size:11px;color:#333;max-width:min(320px,60vw);box-shadow:0 1px 3px rgba(0,0,0,.3)}
"""

_SYMBOLS = {"peak": "\u25b2 ", "saddle": "\u2322 ", "hut": "\u2302 "}

BASEMAP_JS = """(function (map, lines, names, tiles, d) {
  "use strict";
  map.createPane("rp-base").style.zIndex = 300;
  var namePane = map.createPane("rp-names");
  namePane.style.zIndex = 450;  // over the route lines, under every marker (600)
  namePane.style.pointerEvents = "none";
  var renderer = L.canvas({pane: "rp-base", padding: 0.3});
  function decode(a) {
    var out = [], lat = 0, lon = 0;
    for (var i = 0; i < a.length; i += 2) { lat += a[i]; lon += a[i + 1];
      out.push([lat / 1e5, lon / 1e5]); }
    return out;
  }
  (d.lines || []).forEach(function (group, c) {
    if (!group.length) { return; }
    var st = d.styles[c], shape = group.map(decode), opts = {color: st[0], weight: st[1],
      dashArray: st[2] || null, renderer: renderer, interactive: false, opacity: 0.95};
    if (st[0] === "#ffffff") {  // white roads get a grey casing to show on light ground
      L.polyline(shape, {color: "#8a8a8a", weight: st[1] + 1.6, renderer: renderer,
        interactive: false}).addTo(lines);
    }
    (st[3] ? L.polygon(shape, L.extend(opts, {fillColor: st[0], fillOpacity: 0.55}))
           : L.polyline(shape, opts)).addTo(lines);
  });
  var SYM = __SYMBOLS__, labels = [];
  (d.points || []).forEach(function (p) {
    var kind = d.kinds[p[2]], el = document.createElement("div");
    el.className = "rp-place rp-place-" + kind;
    var text = (SYM[kind] || "") + p[3];
    if (kind === "peak" && p[4] !== null) { text += (p[3] ? " " : "") + p[4] + " m"; }
    el.textContent = text;  // text, never HTML: names come from OSM
    var mk = L.marker([p[0], p[1]], {pane: "rp-names", interactive: false, keyboard: false,
      icon: L.divIcon({className: "rp-place-icon", html: el, iconSize: null})});
    mk.addTo(names);
    labels.push(mk);
  });
  function rectsOf(sel) {
    var out = [];
    document.querySelectorAll(sel).forEach(function (el) {
      var r = el.getBoundingClientRect();
      if (r.width > 0 && r.height > 0) { out.push(r); }
    });
    return out;
  }
  function hits(a, b) {
    return a.left < b.right + 2 && b.left < a.right + 2 && a.top < b.bottom + 2 &&
      b.top < a.bottom + 2;
  }
  // A name that would lie on a marker (pins, km, safety points) or on a more important
  // name is hidden until the next zoom or move.
  function declutter() {
    if (!map.hasLayer(names)) { return; }
    var taken = rectsOf(".leaflet-marker-pane .leaflet-marker-icon *, " +
      ".leaflet-marker-pane .leaflet-marker-icon, .rp-mark");
    labels.forEach(function (mk) {
      var el = mk.getElement() && mk.getElement().firstChild;
      if (!el) { return; }
      el.style.visibility = "";
      var r = el.getBoundingClientRect();
      if (taken.some(function (t) { return hits(r, t); })) {
        el.style.visibility = "hidden";
      } else { taken.push(r); }
    });
  }
  map.on("zoomend moveend overlayadd", declutter);
  window.setTimeout(declutter, 0);
  var note = L.control({position: "bottomleft"});
  note.onAdd = function () {
    var div = L.DomUtil.create("div", "rp-basenote");
    div.textContent = empty ? "Map tiles did not load." : tiles.length ?
      "No map tiles: roads, water and places from OSM data." :
      "Offline map: roads, water and places from OSM data.";
    return div;
  };
  var empty = !(d.points || []).length && !(d.lines || []).some(function (g) {
    return g.length; });
  if (!tiles.length) { if (!empty) { note.addTo(map); } return; }
  var loaded = false, failed = false;
  tiles.forEach(function (t) {
    t.on("tileload", function () {
      if (loaded) { return; }
      loaded = true;
      note.remove();
      map.removeLayer(lines);
      map.removeLayer(names);
    });
    t.on("tileerror", function () {
      if (!loaded && !failed) { failed = true; note.addTo(map); }
    });
  });
  window.routeplannerBasemap = {lines: lines, names: names, declutter: declutter};
})(__MAP__, __LINES__, __NAMES__, __TILES__, __DATA__);
""".replace("__SYMBOLS__", js_json(_SYMBOLS))
