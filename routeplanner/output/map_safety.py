"""A safety sheet on the map: water, shelters, bail-out exits and the turn-back point.

When a sheet is computed, its points are circle markers in one layer, on at load
and in the legend.  Exits say their name and the time from the start to them;
the turn-back point is where half the route's time is spent: past it, going on
is quicker than going back, and the sheet's alert time is given with it.  A point
that several routes share is drawn once, with each route's time.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from routeplanner.output._folium import folium
from routeplanner.output._map_assets import Block, js_json
from routeplanner.route import Route
from routeplanner.safety.sheet import SafetySheet, clean_text, clock

__all__ = ["SAFETY_STYLES", "add_safety_layer", "safety_marks"]

#: Label and fill colour of each kind of safety point (also the legend's keys).
SAFETY_STYLES: dict[str, tuple[str, str]] = {
    "water": ("Water", "#0277bd"),
    "shelter": ("Shelter / hut", "#6d4c41"),
    "exit": ("Bail-out exit", "#ef6c00"),
    "turnback": ("Turn-back point", "#c62828"),
}


def _hm(seconds: float) -> str:
    m = round(seconds / 60)
    return f"{m // 60}:{m % 60:02d} h"


def _time_at(route: Route, along_m: float) -> float:
    return float(np.interp(along_m, route.dist_m, route.time_s))


def _sheet_marks(route: Route, sheet: SafetySheet) -> list[tuple[str, float, float, str]]:
    """``(kind, lon, lat, text)`` of one route's sheet (text is plain, not HTML)."""
    marks = [
        ("water", p.lon, p.lat, f"Water: {p.name or p.kind} ({p.offset_m:.0f} m off the route)")
        for p in sheet.water
    ]
    marks += [
        ("shelter", p.lon, p.lat, f"Shelter: {p.name or p.kind} ({p.offset_m:.0f} m off the route)")
        for p in sheet.shelters
    ]
    marks += [
        (
            "exit",
            b.lon,
            b.lat,
            f"Exit: {b.name or b.kind}, {_hm(_time_at(route, b.along_m))} from the start"
            + (f", then {_hm(b.to_road_s)} to a road" if b.to_road_s >= 60 else ""),
        )
        for b in sheet.bailouts
    ]
    half = float(route.time_s[-1]) / 2
    lon = float(np.interp(half, route.time_s, route.lon))
    lat = float(np.interp(half, route.time_s, route.lat))
    marks.append(
        (
            "turnback",
            lon,
            lat,
            f"Turn-back point, {_hm(half)} from the start: past it, going on is quicker "
            f"than going back. Alert if not back by {clock(sheet.alert_at)}: "
            f"call {sheet.emergency_number}.",
        )
    )
    return marks


def safety_marks(routes: Sequence[Route], sheets: Sequence[SafetySheet | None]) -> list[list[Any]]:
    """Return the layer's points ``[lat, lon, kind, text]``, one per place (texts joined)."""
    merged: dict[tuple[str, float, float], list[str]] = {}
    many = sum(s is not None for s in sheets) > 1
    for route, sheet in zip(routes, sheets, strict=False):
        if sheet is None:
            continue
        for kind, lon, lat, text in _sheet_marks(route, sheet):
            key = (kind, round(lat, 5), round(lon, 5))
            line = clean_text(f"{route.name}: {text}" if many else text)
            merged.setdefault(key, [])
            if line not in merged[key]:
                merged[key].append(line)
    return [[lat, lon, kind, "\n".join(texts)] for (kind, lat, lon), texts in merged.items()]


_SAFETY_JS = """(function (map, group, d) {
  "use strict";
  if (!map.getPane("rp-safety")) {
    map.createPane("rp-safety").style.zIndex = 590;  // over names (450), under pins (600)
  }
  d.points.forEach(function (p) {
    var st = d.styles[p[2]], tip = document.createElement("div");
    tip.style.whiteSpace = "pre-line";
    tip.textContent = p[3];  // text, never HTML: names come from OSM
    var r = p[2] === "turnback" ? 8 : 6;
    L.circleMarker([p[0], p[1]], {pane: "rp-safety", radius: r, weight: 2, color: "#fff",
      fillColor: st[1], fillOpacity: 1, className: "rp-mark rp-safety-point rp-safety-" + p[2]})
      .bindTooltip(tip, {direction: "top", offset: [0, -r]}).addTo(group);
  });
})(__MAP__, __GROUP__, __DATA__);
"""


def add_safety_layer(
    m: folium.Map, routes: Sequence[Route], sheets: Sequence[SafetySheet | None]
) -> bool:
    """Add the sheets' points as a layer shown at load; return whether there were any."""
    points = safety_marks(routes, sheets)
    if not points:
        return False
    group = folium.FeatureGroup(name="Safety: water, shelters, exits", show=True)
    group.add_to(m)
    data = {"points": points, "styles": {k: list(v) for k, v in SAFETY_STYLES.items()}}
    js = (
        _SAFETY_JS.replace("__MAP__", m.get_name())
        .replace("__GROUP__", group.get_name())
        .replace("__DATA__", js_json(data))
    )
    group.add_child(Block(js=js))
    return True
