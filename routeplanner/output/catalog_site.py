"""The catalogue as a static site that works from a folder or any static host.

Files, by relative name:

- ``index.html``: a map of every trailhead and a table of routes, filterable by duration,
  kind, ascent and trail share (``assets/catalog.js``, no server needed);
- ``routes/<id>.html``, ``routes/<id>.gpx`` and ``routes/<id>.fit``: one page per route
  with its map, elevation profile, stats and safety sheet (for the catalogue's fixed
  reference start, said on the page), its GPX and its FIT course;
- ``catalog.geojson``: every route as a LineString feature;
- ``assets/``: Leaflet (from the installed XStatic-Leaflet package), the stylesheet, the
  index script and ``basemap.js``, the offline basemap of the catalogue's area (roads,
  water and place names from the region's OSM data), shared by every page: a map shows
  it when its online tiles do not load.

Every name from OSM is escaped; the embedded JSON cannot close its script element.
"""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Sequence
from importlib import resources
from typing import TYPE_CHECKING, Any

import numpy as np

from routeplanner.output._map_assets import js_json, leaflet_assets
from routeplanner.output._profile_svg import profile_svg
from routeplanner.output.map_basemap import BASEMAP_CSS, basemap_data, basemap_script
from routeplanner.output.map_data import windowed_rate
from routeplanner.output.map_style import GRADE_CLASSES, classify
from routeplanner.sources.basemap import BasemapFeatures

if TYPE_CHECKING:  # the catalogue is built on this package: its types only
    from routeplanner.catalog.trailheads import Trailhead

__all__ = ["basemap_js", "catalog_geojson", "site_files"]

# The elevation profile's two plots: the narrow one on phones (see output/_profile_svg.py).
_PROFILE_CSS = """
.rp-prof svg{display:block;width:100%;height:auto;max-height:200px;margin:6px 0}
.rp-prof svg.rp-narrow-prof{display:none;max-width:560px;max-height:none}
@media (max-width:899px){.rp-prof svg.rp-wide-prof{display:none}
.rp-prof svg.rp-narrow-prof{display:block}}
"""

_KIND_LABEL = {"easy": "Easy", "hilly": "Hilly", "descent": "Descent practice"}


def _static(name: str) -> str:
    return (resources.files("routeplanner.output") / "static" / name).read_text("utf-8")


def _hm(seconds: float) -> str:
    m = round(seconds / 60)
    return f"{m // 60} h {m % 60:02d}" if m >= 60 else f"{m} min"


def catalog_geojson(routes: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Every route as a GeoJSON LineString feature (RFC 7946, ``[lon, lat, ele]``)."""
    feats = []
    for r in routes:
        props = {
            k: r[k]
            for k in (
                "id",
                "trailhead",
                "trailhead_name",
                "kind",
                "target_duration_s",
                "duration_s",
                "distance_m",
                "ascent_m",
                "trail_share",
                "meets_brief",
                "misses",
                "gpx",
            )
        }
        if "fit" in r:
            props["fit"] = r["fit"]
        coords = [list(p) for p in zip(r["lon"], r["lat"], r["ele"], strict=True)]
        feats.append(
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": coords},
                "properties": props,
            }
        )
    return {"type": "FeatureCollection", "features": feats}


def _head(title: str, depth: int) -> str:
    up = "../" * depth
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{html.escape(title)}</title>"
        f"<link rel='stylesheet' href='{up}assets/leaflet.css'>"
        f"<link rel='stylesheet' href='{up}assets/catalog.css'>"
        f"<script src='{up}assets/leaflet.js'></script>"
        f"<script src='{up}assets/basemap.js'></script></head><body>"
    )


def _options(values: Sequence[tuple[str, str]]) -> str:
    return "".join(
        f"<option value='{html.escape(v)}'>{html.escape(label)}</option>" for v, label in values
    )


def _events_html(events: Sequence[dict[str, Any]]) -> str:
    if not events:
        return ""
    e = html.escape
    items = "".join(
        f"<li><a href='{e(ev['folder'])}/map.html'>{e(ev['title'])}</a>, "
        f"{e(ev['start'][:16].replace('T', ' '))}</li>"
        for ev in events
    )
    return (
        "<h2>Group runs</h2><p><a href='events.ics'>Subscribe to the calendar</a></p>"
        f"<ul>{items}</ul>"
    )


def _index(
    title: str,
    trailheads: Sequence[Trailhead],
    routes: Sequence[dict[str, Any]],
    events: Sequence[dict[str, Any]],
) -> str:
    e = html.escape
    durations = sorted({round(r["target_duration_s"] / 60) for r in routes})
    kinds = sorted({r["kind"] for r in routes})
    names = {t.id: t.label for t in trailheads}
    rows = []
    for r in routes:
        cls = "" if r["meets_brief"] else " class='missed'"
        miss = "" if r["meets_brief"] else f" (MISSED: {e('; '.join(r['misses']))})"
        rows.append(
            f"<tr{cls} data-duration='{round(r['target_duration_s'] / 60)}' "
            f"data-kind='{e(r['kind'])}' data-ascent='{r['ascent_m']}' "
            f"data-trail='{r['trail_share']}' data-trailhead='{e(r['trailhead'])}'>"
            f"<td><a href='routes/{e(r['id'])}.html'>{e(names.get(r['trailhead'], r['trailhead']))}"
            f"</a></td><td>{e(_KIND_LABEL.get(r['kind'], r['kind']))}</td>"
            f"<td>{e(_hm(r['duration_s']))}{miss}</td><td>{r['distance_m'] / 1000:.1f} km</td>"
            f"<td>+{r['ascent_m']:.0f} m</td><td>{r['trail_share']:.0%}</td>"
            f"<td><a href='{e(r['gpx'])}'>GPX</a></td></tr>"
        )
    data = {
        "trailheads": [
            {"id": t.id, "label": t.label, "lon": t.lon, "lat": t.lat} for t in trailheads
        ]
    }
    return (
        _head(title, 0)
        + f"<header><h1>{e(title)}</h1></header><main><div id='map'></div>"
        + "<div class='filters'>"
        + "<label>Duration<select id='f-duration'><option value=''>any</option>"
        + _options([(str(d), f"{d} min") for d in durations])
        + "</select></label><label>Kind<select id='f-kind'><option value=''>any</option>"
        + _options([(k, _KIND_LABEL.get(k, k)) for k in kinds])
        + "</select></label><label>Max ascent (m)<input id='f-ascent' type='number' min='0'>"
        + "</label><label>Min trail share (%)<input id='f-trail' type='number' min='0' "
        + "max='100'></label></div>"
        + f"<p><span id='count'>{len(routes)}</span> routes of {len(routes)} shown. "
        + "<a href='catalog.geojson'>catalog.geojson</a></p>"
        + _events_html(events)
        + "<table id='routes'><thead><tr><th>Trailhead</th><th>Kind</th><th>Time</th>"
        + "<th>Distance</th><th>Ascent</th><th>Trail</th><th></th></tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table><p><small>Map data © OpenStreetMap contributors (ODbL)."
        + "</small></p></main>"
        + f"<script id='catalog-data' type='application/json'>{js_json(data)}</script>"
        + "<script src='assets/catalog.js'></script></body></html>"
    )


def _profile_svg(r: dict[str, Any]) -> str:
    """Return the route's profile: axes in m and km, grade colours, wide and phone plots."""
    d, z = np.asarray(r["dist_m"], dtype=float), np.asarray(r["ele"], dtype=float)
    if len(d) < 2 or d[-1] <= 0:
        return ""
    cls = classify(windowed_rate(d, z, 100.0), GRADE_CLASSES)[: len(d) - 1]
    colours = [c.color for c in GRADE_CLASSES]
    label = "elevation profile"
    wide = profile_svg(d, z, cls, colours, label=label).svg
    narrow = profile_svg(d, z, cls, colours, label=label, narrow=True).svg
    return f"<div class='rp-prof'>{wide}{narrow}</div>"


def basemap_js(feats: BasemapFeatures | None, bbox: tuple[float, float, float, float]) -> str:
    """Return ``assets/basemap.js``: ``rpBasemap(map, tiles)`` draws the offline basemap."""
    data = basemap_data(feats, bbox) if feats is not None else {"lines": [], "points": []}
    group = "L.layerGroup().addTo(map)"
    body = basemap_script("map", group, group, "tiles", "window.RP_BASEMAP")
    return (
        "// The offline basemap of the catalogue's area, from OpenStreetMap data.\n"
        f"window.RP_BASEMAP = {js_json(data)};\n"
        f"window.rpBasemap = function (map, tiles) {{\n{body}}};\n"
    )


def _area(
    routes: Sequence[dict[str, Any]], trailheads: Sequence[Trailhead]
) -> tuple[float, float, float, float]:
    lons = [x for r in routes for x in r["lon"]] + [t.lon for t in trailheads]
    lats = [y for r in routes for y in r["lat"]] + [t.lat for t in trailheads]
    if not lons:
        return (0.0, 0.0, 0.0, 0.0)
    pad = 0.01  # about 1 km around the routes
    return (min(lons) - pad, min(lats) - pad, max(lons) + pad, max(lats) + pad)


def _safety_html(sheet: dict[str, Any] | None) -> str:
    """Render a stored safety sheet; every line is escaped (it holds OSM names)."""
    if not sheet:
        return ""
    e = html.escape
    when = e(str(sheet.get("start", "")).replace("T", " "))
    body = "".join(f"<div>{e(line)}</div>" for line in sheet.get("lines", ()))
    return (
        "<section class='safety'><h2>Safety sheet</h2>"
        f"<p><small>Times and daylight are for a reference start on {when}: check them "
        "for the day you run.</small></p>"
        f"<div class='sheet'>{body}</div></section>"
    )


def _route_page(r: dict[str, Any], trailhead: Trailhead | None) -> str:
    e = html.escape
    where = trailhead.label if trailhead is not None else r["trailhead"]
    title = f"{where}: {_KIND_LABEL.get(r['kind'], r['kind'])} {_hm(r['target_duration_s'])}"
    banner = (
        "" if r["meets_brief"] else f"<p class='banner'>MISSED: {e('; '.join(r['misses']))}</p>"
    )
    line = [[la, lo] for lo, la in zip(r["lon"], r["lat"], strict=True)]
    stats = [
        ("time", _hm(r["duration_s"])),
        ("distance", f"{r['distance_m'] / 1000:.1f} km"),
        ("ascent", f"+{r['ascent_m']:.0f} m"),
        ("trail", f"{r['trail_share']:.0%}"),
    ]
    fit = f" · <a href='{e(r['id'])}.fit'>FIT course</a>" if "fit_b64" in r else ""
    script = (
        "var m=L.map('map');var t=L.tileLayer('https://tile.openstreetmap.org/{z}/{x}/{y}.png',"
        "{maxZoom:17,attribution:'&copy; OpenStreetMap contributors'}).addTo(m);"
        "if(window.rpBasemap){rpBasemap(m,[t]);}"
        f"var line=L.polyline({js_json(line)},{{color:'#c62828',weight:4}}).addTo(m);"
        "m.fitBounds(line.getBounds(),{padding:[20,20]});"
        "L.circleMarker(line.getLatLngs()[0],{radius:7,color:'#1b5e20',className:'rp-mark'})"
        ".addTo(m);"
    )
    return (
        _head(title, 1)
        + f"<header><h1>{e(title)}</h1></header><main>{banner}<div id='map'></div>"
        + "<div class='stats'>"
        + "".join(f"<div>{e(k)}<br><b>{e(v)}</b></div>" for k, v in stats)
        + "</div>"
        + _profile_svg(r)
        + f"<p><a href='{e(r['id'])}.gpx'>GPX</a>{fit} · "
        + "<a href='../index.html'>all routes</a></p>"
        + _safety_html(r.get("safety"))
        + f"</main><script>{script}</script></body></html>"
    )


def site_files(
    title: str,
    trailheads: Sequence[Trailhead],
    routes: Sequence[dict[str, Any]],
    events: Sequence[dict[str, Any]] = (),
    basemap: BasemapFeatures | None = None,
) -> dict[str, str | bytes]:
    """Every file of the site but the events' own, by relative name.

    Parameters
    ----------
    title
        Site title.
    trailheads
        Trailheads of the catalogue.
    routes
        Route records (see :func:`routeplanner.catalog.tasks.route_record`), in any
        order: the site lists them by trailhead id, kind and duration.
    events
        Group runs to list (``title``, ``start``, ``folder``), see
        :func:`routeplanner.catalog.events.events_site_files`.
    basemap
        The region's offline basemap (:func:`routeplanner.output.map_basemap.basemap_for`),
        drawn on every page when tiles do not load (None: only a note says so).

    Returns
    -------
    dict of str to str or bytes
        Relative file name to text (bytes for FIT courses).
    """
    leaflet = leaflet_assets()
    by_id = {t.id: t for t in trailheads}
    # one canonical order, however the work was split into tasks and tiles
    trailheads = sorted(trailheads, key=lambda t: t.id)
    routes = sorted(routes, key=lambda r: (r["trailhead"], r["kind"], r["target_duration_s"]))
    files: dict[str, str | bytes] = {
        "index.html": _index(title, trailheads, routes, events),
        "catalog.geojson": json.dumps(catalog_geojson(routes), separators=(",", ":")) + "\n",
        "assets/leaflet.js": leaflet.js,
        "assets/leaflet.css": leaflet.css,
        "assets/catalog.css": _static("catalog.css") + BASEMAP_CSS + _PROFILE_CSS,
        "assets/catalog.js": _static("catalog.js"),
        "assets/basemap.js": basemap_js(basemap, _area(routes, trailheads)),
    }
    for r in routes:
        files[f"routes/{r['id']}.html"] = _route_page(r, by_id.get(r["trailhead"]))
        files[r["gpx"]] = r["gpx_text"]
        if "fit_b64" in r:
            files[f"routes/{r['id']}.fit"] = base64.b64decode(r["fit_b64"])
    return files
