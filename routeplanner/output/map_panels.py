"""The HTML around a map: stats tables, legends, the profile panel and credits."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from routeplanner import __version__
from routeplanner.network.model import Network
from routeplanner.output._map_assets import (
    esc,
)
from routeplanner.output._phone import radio_tabs, route_tabs_html
from routeplanner.output._profile_svg import ProfilePlot
from routeplanner.output.map_safety import SAFETY_STYLES
from routeplanner.output.map_style import (
    DIFFICULTY_STYLES,
    GRADE_CLASSES,
    PACE_CLASSES,
    SAC_NAMES,
    SEGMENT_COLOURS,
    SLOPE_BANDS,
    ColourClass,
)
from routeplanner.route import Route
from routeplanner.sources.lazy_dem import LazyDem

if TYPE_CHECKING:
    from routeplanner.sources.dem import Dem

__all__ = [
    "MapSegment",
    "attribution_lines",
    "glance_html",
    "km_text",
    "legend_html",
    "panel_html",
    "profile_panel",
    "segments_html",
    "stats_table",
]

log = logging.getLogger(__name__)


def km_text(m: float) -> str:
    """Return a distance in km, with two decimals below 10 km."""
    return f"{m / 1000:.1f} km" if m >= 10_000 else f"{m / 1000:.2f} km"


def _duration(s: float) -> str:
    s = round(s / 60) * 60
    return f"{int(s // 3600)}:{int(s % 3600 // 60):02d} h"


def _pace(s_per_km: float) -> str:
    total = round(s_per_km)
    return f"{total // 60}:{total % 60:02d} /km"


def _pct(x: float) -> str:
    return f"{round(100 * x)} %"


def _route_rows(route: Route, short: bool) -> list[tuple[str, str]]:
    st = route.stats
    p = route.profile
    rows = [
        ("Distance", km_text(st.distance_m)),
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
            (f"T{st.hardest_sac}" if short else SAC_NAMES[st.hardest_sac])
            if st.hardest_sac
            else "untagged",
        ),
    ]
    return rows


#: A value longer than this (characters) is words, not a number: it wraps in the panel.
TEXT_VALUE_CHARS = 24


def _value_cell(value: str) -> str:
    """Return a value's table cell; numbers stay on one line, sentences wrap.

    A one-column table keeps numbers unbroken, so a sentence such as the steepest
    grade's DEM note would widen the column past the panel and push every value out
    of sight.
    """
    cls = ' class="rp-text"' if len(value) > TEXT_VALUE_CHARS else ""
    return f"<td{cls}>{esc(value)}</td>"


def stats_table(routes: Sequence[Route], colours: Sequence[str]) -> str:
    """Return the routes' numbers as an HTML table, a column per route when several."""
    if len(routes) == 1:
        rows = _route_rows(routes[0], short=False)
        body = "".join(f"<tr><th>{esc(k)}</th>{_value_cell(v)}</tr>" for k, v in rows)
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
    table = f'<table class="rp-stats"><thead><tr><th></th>{head}</tr></thead>{body}</table>'
    # On phones the columns give way to tabs (see output/_phone.py).
    singles = [stats_table([r], [c]) for r, c in zip(routes, colours, strict=True)]
    tabs = route_tabs_html([r.name for r in routes], colours, singles)
    return f'<div class="rp-cols">{table}</div>{tabs}'


def segments_html(segments: Sequence[MapSegment]) -> str:
    """Return the numbered list of segments (zoom buttons), or nothing."""
    if not segments:
        return ""
    items = []
    for i, seg in enumerate(segments):
        colour = SEGMENT_COLOURS.get(seg.kind.lower(), "#ef6c00")
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


def legend_html(
    *,
    color_by: str | None,
    network: bool,
    dem: Dem | LazyDem | None,
    safety: bool = False,
    many: bool = False,
) -> str:
    """Return the legend box for what the map shows."""
    parts = []
    if safety:
        parts.append(
            '<div class="rp-lt">Safety</div><div class="rp-keys">'
            + "".join(
                f'<span><i class="rp-swatch rp-dotkey" style="background:{c}"></i>{esc(t)}</span>'
                for t, c in SAFETY_STYLES.values()
            )
            + "</div>"
        )
    grade_ticks = ["−15", "−8", "−3", "3", "8", "15", "25"]
    if color_by == "pace":
        parts.append(
            _bar("Route: pace (min/km)", PACE_CLASSES, ["5", "6", "7", "8", "10", "12", "15", "20"])
        )
        parts.append(_bar("Profile: grade (%)", GRADE_CLASSES, grade_ticks))
    elif color_by is not None:
        title = "Route and profile: grade (%)" if color_by == "grade" else "Profile: grade (%)"
        if many and color_by == "grade":
            title = "Selected route and profile: grade (%)"
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


def glance_html(routes: Sequence[Route], colours: Sequence[str]) -> str:
    """Return one line per route (distance, time, ascent) for the folded panel's summary."""
    rows = "".join(
        f'<div><span class="rp-swatch" style="background:{c}"></span>{esc(r.name)}: '
        f"{esc(km_text(r.stats.distance_m))} · {esc(_duration(r.stats.duration_s))} · "
        f"+{r.stats.ascent_m:.0f} m</div>"
        for r, c in zip(routes, colours, strict=True)
    )
    return f'<div class="rp-glance">{rows}</div>'


def panel_html(title: str, inner: str, *, wide: bool = False, glance: str = "") -> str:
    """Return the foldable title panel around ``inner`` (both inserted as is).

    ``glance`` is shown under the title while the panel is folded.
    """
    cls = "rp-box rp-wide" if wide else "rp-box"
    return (
        f'<div id="rp-panel" class="{cls}"><details open class="rp-fold">'
        f"<summary><h1>{esc(title)}</h1>{glance}</summary>{inner}"
        f'<p class="rp-foot">Made with routeplanner {esc(__version__)}. '
        f"Times are estimates; check conditions before you go.</p></details></div>"
    )


def profile_panel(
    routes: Sequence[Route], plots: Sequence[ProfilePlot], colours: Sequence[str]
) -> str:
    """Return the elevation profile panel, with a tab per route when several."""
    hint = "<small> · point at it to find the place on the map</small>"
    if len(routes) == 1:
        return (
            f'<div id="rp-profile-panel"><details open class="rp-profile-details">'
            f"<summary>Elevation profile · {esc(routes[0].name)}{hint}</summary>"
            f'<div class="rp-prof" style="display:block">{plots[0].svg}</div>'
            f"</details></div>"
        )
    names = [r.name for r in routes]
    rules, tabs = radio_tabs("rp-ptab", "rp-prof", names, colours, [p.svg for p in plots])
    return (
        f"<style>{rules}</style>"
        f'<div id="rp-profile-panel"><details open class="rp-profile-details">'
        f"<summary>Elevation profiles{hint}</summary>"
        f'<div class="rp-tabs">{tabs}</div></details></div>'
    )


def attribution_lines(
    dem: Dem | LazyDem | None, network: Network | None, extra: Sequence[str]
) -> list[str]:
    """Return the data credits, escaped, without repeats."""
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
