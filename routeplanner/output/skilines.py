"""Ski lines as output: GeoJSON features, popups, a folium layer and map segments."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from routeplanner.output._folium import folium
from routeplanner.output._map_assets import esc
from routeplanner.output.export import segment_feature
from routeplanner.output.maps import BAND_COLORS, MapSegment
from routeplanner.skilines.lines import SkiLine
from routeplanner.terrain import BANDS, band_of

__all__ = [
    "BAND_COLORS",
    "line_collection",
    "line_feature",
    "line_layer",
    "line_popup_html",
    "lines_panel_html",
    "map_segments",
    "slope_color",
]


def slope_color(slope_deg: float) -> str:
    """Map colour of a slope angle: the colour of its CalTopo band (:data:`BAND_COLORS`)."""
    if not math.isfinite(slope_deg):
        return "#9e9e9e"
    return BAND_COLORS[int(band_of(slope_deg))]


def line_feature(line: SkiLine) -> dict[str, Any]:
    """Return a ski line as a GeoJSON LineString Feature with ``[lon, lat, ele]`` coordinates.

    Parameters
    ----------
    line
        The line.

    Returns
    -------
    dict
        Feature with properties ``kind`` ("ski_line"), ``id``, ``name``,
        ``source``, ``piste_type``, ``difficulty``, every :meth:`LineStats.as_dict`
        value (``length_m``, ``vertical_drop_m``, ``slope_mean_deg``,
        ``slope_max_deg``, ``aspect``, ``band_shares`` …), ``top`` and ``bottom``
        ([lat, lon]), and ``stroke`` (the max-slope colour).
    """
    props: dict[str, Any] = {"kind": "ski_line"}
    props.update(line.summary())
    props.setdefault("piste_type", None)
    props.setdefault("difficulty", None)
    props["stroke"] = slope_color(line.stats.slope_max_deg)
    return segment_feature(line.lon, line.lat, line.ele, props)


def line_popup_html(line: SkiLine) -> str:
    """Return the stats of a line as a small HTML table (names escaped), for map popups."""
    s = line.stats
    bands = ", ".join(
        f"{label}°: {share:.0%}"
        for (label, _, _), share in zip(BANDS, s.band_shares, strict=True)
        if share >= 0.005
    )
    rows = [
        ("Source", line.source + (f" ({line.difficulty})" if line.difficulty else "")),
        ("Length", f"{s.length_m:.0f} m"),
        ("Top / bottom", f"{s.top_ele_m:.0f} / {s.bottom_ele_m:.0f} m"),
        ("Vertical drop", f"{s.vertical_drop_m:.0f} m"),
        ("Slope mean / max 50 m", f"{s.slope_mean_deg:.0f}° / {s.slope_max_deg:.0f}°"),
        ("Pitch mean / max 50 m", f"{s.pitch_mean_deg:.0f}° / {s.pitch_max_deg:.0f}°"),
        ("Aspect", f"{s.aspect} (±{s.aspect_spread_deg:.0f}°)"),
        ("Slope bands", bands),
        *_grading_rows(line),
    ]
    body = "".join(
        f"<tr><th style='text-align:left;padding-right:6px'>{esc(k)}</th><td>{esc(v)}</td></tr>"
        for k, v in rows
    )
    # esc() also escapes braces: folium re-reads its output as a Jinja template.
    head = f"<b>{esc(line.name)}</b> <small>{esc(line.id)}</small>"
    return f"{head}<table>{body}</table>"


def _grading_rows(line: SkiLine) -> list[tuple[str, str]]:
    g = line.grading
    p = g.pitches_vertical_m
    forest = "unknown" if g.forest_share is None else f"{g.forest_share:.0%}"
    pitches = f"{p['30']:.0f} / {p['35']:.0f} / {p['40']:.0f} / {p['45']:.0f} m vertical"
    return [
        ("Ski grade", f"{g.ski_grade} ({g.ski_grade_note})"),
        ("Longest pitch 30/35/40/45°", pitches),
        ("Forest", forest),
        ("ATES (approx.)", f"{g.ates}: terrain indication, not an avalanche forecast"),
    ]


def lines_panel_html(lines: Sequence[SkiLine]) -> str:
    """List lines for a map's side panel: name, difficulty, max slope, ski grade, ATES.

    Parameters
    ----------
    lines
        The lines, in the order to list them.

    Returns
    -------
    str
        HTML (names escaped) for :func:`routeplanner.output.maps.network_map`'s
        ``panel_html``.
    """
    rows = "".join(
        f"<tr><td>{esc(ln.name)}</td><td>{esc(ln.difficulty or ln.source)}</td>"
        f"<td>{ln.stats.slope_max_deg:.0f}°</td><td>{esc(g.ski_grade)}</td>"
        f"<td>{esc(g.ates)}</td></tr>"
        for ln in lines
        for g in (ln.grading,)
    )
    cell = f"{lines[0].dem_cell_m:.0f} m" if lines else "?"
    return (
        '<table class="rp-stats"><tr><th>line</th><th>grade</th><th>max</th>'
        f"<th>ski</th><th>ATES</th></tr>{rows}</table>"
        f'<p class="rp-note">Ski grade: Toponeige-style estimate from a {esc(cell)} DEM. '
        "ATES: approximate class from slope and forest, a terrain indication, "
        "not an avalanche forecast. Point at a line for its numbers.</p>"
    )


def line_collection(lines: Sequence[SkiLine]) -> dict[str, Any]:
    """Return an RFC 7946 FeatureCollection of ski lines (see :func:`line_feature`).

    Parameters
    ----------
    lines
        The lines, in the order wanted.

    Returns
    -------
    dict
        The collection, with a 3-D ``bbox`` when there are lines.
    """
    feats = [line_feature(ln) for ln in lines]
    out: dict[str, Any] = {"type": "FeatureCollection"}
    if lines:
        lon = np.concatenate([ln.lon for ln in lines])
        lat = np.concatenate([ln.lat for ln in lines])
        ele = np.concatenate([ln.ele for ln in lines])
        out["bbox"] = [
            round(float(lon.min()), 6),
            round(float(lat.min()), 6),
            round(float(ele.min()), 1),
            round(float(lon.max()), 6),
            round(float(lat.max()), 6),
            round(float(ele.max()), 1),
        ]
    out["features"] = feats
    return out


def line_layer(lines: Sequence[SkiLine], *, name: str = "Ski lines (colour: max slope)") -> Any:
    """Build a folium layer drawing each line in the colour of its steepest 50 m, stats in a popup.

    The lines travel as GeoJSON data whose text properties are HTML-escaped
    here, and folium's GeoJSON popup and tooltip insert them as HTML: no
    untrusted text reaches a JavaScript template or folium's Jinja templates.

    Parameters
    ----------
    lines
        The lines.
    name
        Layer name in the layer control.

    Returns
    -------
    folium.GeoJson
        Pass it to :func:`routeplanner.output.maps.route_map` or
        :func:`~routeplanner.output.maps.network_map` as one of ``layers``, so
        that the layer control lists it.
    """
    feats = []
    for ln in lines:
        s = ln.stats
        coords = [
            [round(float(x), 6), round(float(y), 6)] for x, y in zip(ln.lon, ln.lat, strict=True)
        ]
        feats.append(
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": coords},
                "properties": {
                    "color": slope_color(s.slope_max_deg),
                    "tip": esc(f"{ln.name}: max {s.slope_max_deg:.0f}°, {s.aspect}"),
                    "popup": line_popup_html(ln),
                },
            }
        )
    return folium.GeoJson(
        {"type": "FeatureCollection", "features": feats},
        name=name,
        style_function=lambda f: {
            "color": f["properties"]["color"],
            "weight": 5,
            "opacity": 1.0,
        },
        highlight_function=lambda _f: {"weight": 8},
        tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False),
        popup=folium.GeoJsonPopup(fields=["popup"], labels=False, max_width=340),
    )


def map_segments(lines: Sequence[SkiLine]) -> list[MapSegment]:
    """Build map segments (panel list, zoom on click) for ski lines, numbered in order.

    Parameters
    ----------
    lines
        The lines.

    Returns
    -------
    list of MapSegment
    """
    out = []
    for k, ln in enumerate(lines, start=1):
        s = ln.stats
        band = BANDS[int(band_of(s.slope_max_deg))][0]
        stats = {
            "id": ln.id,
            "length": f"{s.length_m:.0f} m",
            "drop": f"{s.vertical_drop_m:.0f} m ({s.top_ele_m:.0f}–{s.bottom_ele_m:.0f} m)",
            "slope": f"mean {s.slope_mean_deg:.0f}°, max {s.slope_max_deg:.0f}° ({band}°)",
            "aspect": f"{s.aspect} ±{s.aspect_spread_deg:.0f}°",
        }
        if ln.difficulty:
            stats["piste"] = ln.difficulty
        out.append(
            MapSegment(
                id=str(k),
                kind="ski line",
                name=ln.name,
                lon=ln.lon,
                lat=ln.lat,
                ele=ln.ele,
                stats=stats,
            )
        )
    return out
