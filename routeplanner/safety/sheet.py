"""A safety sheet for a route: bail-outs, water, shelter, daylight, exposure, a partner message.

:func:`safety_sheet` reads a :class:`~routeplanner.route.Route` against its
network and the places of :mod:`routeplanner.sources.pois`:

* **Bail-outs** (beyond :data:`START_RADIUS_M` of the start, which is no
  bail-out) are where the route touches a road (a network node with a
  minor or major road edge, or a stretch run on a road), passes within
  :data:`VILLAGE_RADIUS_M` of a village, town, hamlet or city, or within
  :data:`LIFT_RADIUS_M` of either end of a lift that carries people down
  (cable car, gondola, chair lift).  Each gets the time from
  there to safety: the shorter of the way to the nearest road and the way back
  to the start, both over the network under the route's pace model.  The
  longest stretch between bail-outs (start and finish count) is given in time.
* **Water and shelter** within :data:`NEAR_RADIUS_M` of the route, peaks and
  passes within :data:`ON_ROUTE_RADIUS_M`.
* **Daylight** at the start point for the start date
  (:func:`routeplanner.safety.daylight.sun_times`).
* **Exposure**: time above treeline, where the treeline is estimated locally
  as the 98th percentile of the elevation of network points inside OSM forest
  (``landuse=forest``, ``natural=wood``) within :data:`TREELINE_SEARCH_M` of
  the route, and a stretch counts when it is outside forest and above that
  elevation.  Highest point, and the steepest grade over a
  :data:`STEEP_WINDOW_M` window (grades over shorter windows are DEM noise on
  30-90 m data).

Names from OSM are untrusted: :meth:`SafetySheet.to_text` strips control
characters and :meth:`SafetySheet.to_html` escapes.
"""

from __future__ import annotations

import html
import logging
import math
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import numpy as np

from routeplanner import units
from routeplanner import units as fmt
from routeplanner._geo import haversine_m
from routeplanner._text import strip_escapes
from routeplanner.errors import InputError
from routeplanner.network.model import Network
from routeplanner.pace.timer import EdgeTimer
from routeplanner.route import Route, Step
from routeplanner.safety.daylight import (
    clock,
    default_start,
    parse_start,
    region_timezone,
    sun_times,
)
from routeplanner.safety.times import road_nodes, times_to_node, times_to_roads
from routeplanner.sources.pois import Poi, Pois
from routeplanner.units import UnitSystem

__all__ = [
    "DEFAULT_EMERGENCY_NUMBER",
    "Bailout",
    "Daylight",
    "Exposure",
    "Place",
    "SafetySheet",
    "SheetText",
    "alert_after_s",
    "clean_text",
    "clock",
    "default_start",
    "parse_start",
    "region_timezone",
    "safety_sheet",
    "sun_times",
]

log = logging.getLogger(__name__)

DEFAULT_EMERGENCY_NUMBER = "112"
#: Water and shelter this close to the route are listed.
NEAR_RADIUS_M = 150.0
#: Peaks and passes this close to the route are "on it".
ON_ROUTE_RADIUS_M = 100.0
#: A village centre this close to the route is a bail-out.
VILLAGE_RADIUS_M = 300.0
#: A lift station this close to the route is a bail-out.
LIFT_RADIUS_M = 150.0
#: A way out this close to the start is the start itself, not a bail-out.
START_RADIUS_M = 200.0
#: Road contacts closer than this along the route are one bail-out.
MERGE_ALONG_M = 300.0
#: Forest is looked for this far around the route to estimate the treeline.
TREELINE_SEARCH_M = 5000.0
#: Window of the steepest-grade figure.
STEEP_WINDOW_M = 100.0


def clean_text(text: object) -> str:
    r"""Drop control and format characters (terminal escapes, bidi overrides) from text.

    Tabs and line breaks become spaces, so a name stays on its line.

    Examples
    --------
    Escape sequences are removed whole, so no ``[31m`` is left of a colour code.

    >>> clean_text("Refugi\x1b[31m de\u202e Coma")
    'Refugi de Coma'
    """
    return "".join(
        " " if c in "\t\n\r" else c
        for c in strip_escapes(text)
        if c in "\t\n\r" or unicodedata.category(c)[0] != "C"
    )


# -- results ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """A place near the route: water, shelter, peak or pass.

    ``offset_m`` is its distance from the route, ``along_m`` the distance
    along the route to the nearest route point.
    """

    kind: str
    name: str
    lon: float
    lat: float
    along_m: float
    offset_m: float
    ele_m: float | None = None

    def as_json(self) -> dict[str, Any]:
        """Return the issue's shape: kind, name, lon, lat, along_m."""
        return {
            "kind": self.kind,
            "name": self.name,
            "lon": round(self.lon, 6),
            "lat": round(self.lat, 6),
            "along_m": round(self.along_m, 1),
        }


@dataclass(frozen=True)
class Bailout:
    """A place to leave the route: a road, a village or a lift.

    Attributes
    ----------
    kind : str
        ``road``, ``village`` or ``lift``.
    name : str
        Road, village or station name (untrusted), or a description.
    lon, lat, along_m : float
        Where on the route.
    to_road_s : float
        Time from there to the nearest road or back to the start, whichever is
        shorter (0 on a road).
    via : str
        ``road`` or ``start``: which of the two ``to_road_s`` is.
    """

    kind: str
    name: str
    lon: float
    lat: float
    along_m: float
    to_road_s: float
    via: str = "road"

    def as_json(self) -> dict[str, Any]:
        """Return the issue's shape: name, lon, lat, along_m, to_road_s."""
        return {
            "name": self.name,
            "lon": round(self.lon, 6),
            "lat": round(self.lat, 6),
            "along_m": round(self.along_m, 1),
            "to_road_s": round(self.to_road_s, 1),
        }


@dataclass(frozen=True)
class Daylight:
    """Sun times at the start for the start date, and the finish against sunset.

    ``sunrise``/``sunset`` are None where the sun does not rise or set that day.
    ``margin_s`` is sunset minus the expected finish (negative: finishing in the dark).
    """

    start: datetime
    expected_finish: datetime
    sunrise: datetime | None
    sunset: datetime | None
    margin_s: float | None

    @property
    def starts_in_dark(self) -> bool:
        """Whether the start is before sunrise."""
        return self.sunrise is not None and self.start < self.sunrise


@dataclass(frozen=True)
class Exposure:
    """Time above treeline, the highest point and the steepest terrain.

    ``above_treeline_s`` and ``treeline_m`` are None when no forest is mapped
    near the route (the treeline cannot be estimated).
    """

    above_treeline_s: float | None
    treeline_m: float | None
    highest_m: float
    highest_along_m: float
    steepest_grade: float
    steepest_along_m: float
    steepest_window_m: float
    method: str


class SheetText:
    """The text forms every sheet shares, made from its :meth:`lines`."""

    def lines(self, *, units: UnitSystem = "metric") -> list[str]:
        """Give the sheet's lines, title first."""
        raise NotImplementedError

    def panel_title(self) -> str:
        """Give the summary line of the sheet's map panel."""
        return "Safety sheet"

    def to_text(self, *, units: UnitSystem = "metric") -> str:
        """Return the sheet as plain text, control characters removed (for terminals and files)."""
        return "\n".join(clean_text(line) for line in self.lines(units=units)) + "\n"

    def to_html(self, *, units: UnitSystem = "metric") -> str:
        """Return the sheet as an HTML fragment for a map panel, every text escaped."""
        body = "".join(
            f"<div>{html.escape(clean_text(line.strip()))}</div>"
            for line in self.lines(units=units)[1:]
        )
        return f'<details class="rp-safety"><summary>{self.panel_title()}</summary>{body}</details>'


@dataclass(frozen=True)
class SafetySheet(SheetText):
    """Everything a runner and their partner should know before a route.

    Built by :func:`safety_sheet`; times are aware datetimes in the region's zone.
    """

    title: str
    distance_m: float
    ascent_m: float
    duration_s: float
    start_lonlat: tuple[float, float]
    start_place: str
    bailouts: tuple[Bailout, ...]
    longest_without_bailout_s: float
    longest_without_bailout_m: tuple[float, float]
    water: tuple[Place, ...]
    shelters: tuple[Place, ...]
    peaks: tuple[Place, ...]
    passes: tuple[Place, ...]
    daylight: Daylight
    exposure: Exposure
    emergency_number: str
    alert_at: datetime
    partner_message: str
    #: The same message in miles and feet, for ``--units imperial`` (files stay metric).
    partner_message_imperial: str = ""

    def to_json(self) -> dict[str, Any]:
        """Return the ``safety`` object of ``--json`` (exactly the documented keys)."""
        d = self.daylight
        return {
            "bailouts": [b.as_json() for b in self.bailouts],
            "longest_without_bailout_s": round(self.longest_without_bailout_s, 1),
            "water": [p.as_json() for p in self.water],
            "shelters": [p.as_json() for p in self.shelters],
            "sunrise": _iso(d.sunrise),
            "sunset": _iso(d.sunset),
            "expected_finish": _iso(d.expected_finish),
            "daylight_margin_s": None if d.margin_s is None else round(d.margin_s, 1),
            "highest_m": round(self.exposure.highest_m, 1),
            "partner_message": self.partner_message,
            "emergency_number": self.emergency_number,
        }

    def lines(self, *, units: UnitSystem = "metric") -> list[str]:
        """Return the sheet as plain-text lines (untrusted names not yet cleaned).

        Parameters
        ----------
        units : {"metric", "imperial"}
            Distances in km or miles, heights in metres or feet. The partner
            message stays as built (it is also in the JSON).

        Returns
        -------
        list of str
            The sheet's lines, without newlines.
        """
        d, x = self.daylight, self.exposure
        at = _milepost(units)
        out = [
            f"SAFETY SHEET: {self.title}",
            f"  {fmt.format_distance(self.distance_m, units)}, "
            f"+{fmt.format_height(self.ascent_m, units)}, "
            f"{fmt.format_duration(self.duration_s)}; start {_when(d.start)} "
            f"from {self.start_place}",
            f"  Daylight: sunrise {clock(d.sunrise)}, sunset {clock(d.sunset)}, "
            f"expected finish {clock(d.expected_finish)}, {_margin(d)}",
            f"  Bail-outs ({len(self.bailouts)}); longest stretch without one: "
            f"{fmt.format_duration(self.longest_without_bailout_s)} "
            f"({at(self.longest_without_bailout_m[0], 0)}"
            f"-{at(self.longest_without_bailout_m[1], 0).split()[-1]})",
        ]
        if any(b.kind == "lift" for b in self.bailouts):
            out.append("    (a lift is a way down only while it runs: check its season and hours)")
        out += [
            f"    {at(b.along_m, 5)}  {b.kind:7s} {b.name or '(unnamed)'}"
            + ("" if b.to_road_s == 0 else f": {_to_safety(b)}")
            for b in self.bailouts
        ]
        for label, places in (
            ("Water", self.water),
            ("Shelter", self.shelters),
            ("Peaks", self.peaks),
            ("Passes", self.passes),
        ):
            out.append(f"  {label} ({len(places)}):" + ("" if places else " none"))
            out += [f"    {at(p.along_m, 5)}  {_place_text(p, units)}" for p in places]
        tl = (
            "unknown (no forest mapped nearby)"
            if x.above_treeline_s is None or x.treeline_m is None
            else f"{fmt.format_duration(x.above_treeline_s)} above "
            f"~{fmt.format_height(x.treeline_m, units)}"
        )
        out += [
            f"  Exposure: {tl}; highest {fmt.format_height(x.highest_m, units)} "
            f"at {at(x.highest_along_m, 0)}; "
            f"steepest {x.steepest_grade:.0%} over {fmt.format_height(x.steepest_window_m, units)} "
            f"at {at(x.steepest_along_m, 0)}",
            f"    ({x.method})",
            f"  Emergency: {self.emergency_number}",
            "",
            "Partner message:",
            self.partner_message_imperial
            if units == "imperial" and self.partner_message_imperial
            else self.partner_message,
        ]
        return out

    def panel_title(self) -> str:
        """Give the summary line of the sheet's map panel."""
        return (
            f"Safety: {len(self.bailouts)} bail-outs, {len(self.water)} water, "
            f"{len(self.shelters)} shelter"
        )

    def waypoints(self) -> list[tuple[float, float, str, str]]:
        """``(lon, lat, name, type)`` of bail-outs, water and shelters for GPX."""
        pts = [
            (b.lon, b.lat, clean_text(f"Bail-out: {b.name or b.kind}"), f"bailout-{b.kind}")
            for b in self.bailouts
        ]
        pts += [(p.lon, p.lat, clean_text(_place_text(p)), "water") for p in self.water]
        pts += [(p.lon, p.lat, clean_text(_place_text(p)), "shelter") for p in self.shelters]
        return pts


def _iso(t: datetime | None) -> str | None:
    return None if t is None else t.isoformat(timespec="seconds")


def _when(t: datetime) -> str:
    return f"{t.strftime('%a')} {t.day} {t.strftime('%b %Y %H:%M')} ({t.tzname()})"


def _margin(d: Daylight) -> str:
    if d.margin_s is None:
        return "no sunset that day"
    sign = "" if d.margin_s >= 0 else "-"
    text = f"margin {sign}{units.format_duration(abs(d.margin_s))}"
    if d.margin_s < 0:
        text += " (FINISHES AFTER SUNSET: take a lamp)"
    if d.starts_in_dark:
        text += " (starts before sunrise)"
    return text


def _to_safety(b: Bailout) -> str:
    where = "to the nearest road" if b.via == "road" else "back to the start"
    return f"{units.format_duration(b.to_road_s)} {where}"


def _place_text(p: Place, units: UnitSystem = "metric") -> str:
    label = p.kind.replace("_", " ")
    name = f"{p.name} ({label})" if p.name else label
    ele = f", {fmt.format_height(p.ele_m, units)}" if p.ele_m is not None else ""
    return f"{name}{ele}, {fmt.format_height(p.offset_m, units)} off route"


def _milepost(units: UnitSystem) -> Callable[[float, int], str]:
    """Return ``at(metres, width)``, a position along the route as ``km 3.2`` or ``mi 2.0``."""
    per_m, name = (1.0 / fmt.MI_M, "mi") if units == "imperial" else (1e-3, "km")

    def at(metres: float, width: int) -> str:
        return f"{name} {metres * per_m:{width}.1f}"

    return at


# -- geometry ---------------------------------------------------------------------------------


class _RouteLine:
    """The route projected to local metres, for distances and along-route positions."""

    def __init__(self, net: Network, route: Route) -> None:
        import shapely

        self.net = net
        self.route = route
        x, y = net.project(route.lon, route.lat)
        self.line = shapely.linestrings(np.column_stack([x, y]))
        self.box = (float(x.min()), float(y.min()), float(x.max()), float(y.max()))
        self.cum = np.concatenate(([0.0], np.cumsum(np.hypot(np.diff(x), np.diff(y)))))

    def near(self, pois: Sequence[Poi], radius_m: float) -> list[tuple[Poi, float, float]]:
        """``(poi, along_m, offset_m)`` of the places within ``radius_m``, in route order."""
        import shapely

        if not pois:
            return []
        px, py = self.net.project(np.array([p.lon for p in pois]), np.array([p.lat for p in pois]))
        # A point farther than the radius from the line's box is farther from the line:
        # only the others are measured (the line has hundreds of vertices).
        x0, y0, x1, y1 = self.box
        r = radius_m
        close = np.flatnonzero((px >= x0 - r) & (px <= x1 + r) & (py >= y0 - r) & (py <= y1 + r))
        dist = np.full(len(pois), np.inf)
        dist[close] = shapely.distance(self.line, shapely.points(px[close], py[close]))
        keep = np.flatnonzero(dist <= radius_m)
        pts = shapely.points(px[keep], py[keep])
        along = np.interp(shapely.line_locate_point(self.line, pts), self.cum, self.route.dist_m)
        found = [(pois[int(i)], float(a), float(dist[i])) for i, a in zip(keep, along, strict=True)]
        return sorted(found, key=lambda t: t[1])

    def places(self, pois: Sequence[Poi], radius_m: float) -> tuple[Place, ...]:
        """:class:`Place` entries for the places within ``radius_m``."""
        return tuple(
            Place(p.kind, p.name, p.lon, p.lat, a, off, p.ele_m)
            for p, a, off in self.near(pois, radius_m)
        )


def _route_nodes(net: Network, route: Route) -> tuple[np.ndarray, np.ndarray]:
    """Network nodes the route passes, with their distance along it.

    The first is the start when it is a node, else the first node reached.
    """
    nodes, along = [], []
    at = 0.0
    for i, s in enumerate(route.steps):
        if not isinstance(s, Step):  # off the network: no node on the way
            at += s.length_m
            continue
        length = float(net.edge_length_m[s.edge])
        if i == 0 and s.start_m in (0.0, length):
            nodes.append(int(net.edge_u[s.edge] if s.start_m == 0.0 else net.edge_v[s.edge]))
            along.append(0.0)
        at += s.length_m
        if s.end_m >= length - 1e-6:
            nodes.append(int(net.edge_v[s.edge]))
            along.append(at)
        elif s.end_m <= 1e-6:
            nodes.append(int(net.edge_u[s.edge]))
            along.append(at)
        # A turn mid-edge reaches no node.
    return np.asarray(nodes, dtype=np.int64), np.asarray(along)


def _road_name(net: Network, node: int) -> str:
    road = np.flatnonzero(((net.edge_u == node) | (net.edge_v == node)) & (net.edge_class > 0))
    for e in road:
        if net.edge_name[e]:
            return str(net.edge_name[e])
    return f"{net.edge_highway[road[0]]} road" if len(road) else "road"


def _road_contacts(net: Network, route: Route, nodes: np.ndarray, along: np.ndarray) -> np.ndarray:
    """Distances along the route where it touches or runs on a road."""
    touches = np.zeros(net.n_nodes, dtype=bool)
    touches[road_nodes(net)] = True
    on_road = route.dist_m[route.point_class > 0]
    return np.unique(np.concatenate([along[touches[nodes]], on_road]))


def _bailouts(
    net: Network, route: Route, pois: Pois, rl: _RouteLine
) -> tuple[tuple[Bailout, ...], np.ndarray]:
    """Bail-outs in route order, and every bail-out position along the route."""
    nodes, along = _route_nodes(net, route)
    contacts = _road_contacts(net, route, nodes, along)
    lon0, lat0 = route.lon[0], route.lat[0]
    clon, clat = (np.interp(contacts, route.dist_m, v) for v in (route.lon, route.lat))
    away = haversine_m(lon0, lat0, clon, clat) > START_RADIUS_M
    found: list[tuple[str, str, float, float, float]] = []
    last = -math.inf
    for a, lon, lat in zip(contacts[away], clon[away], clat[away], strict=True):
        if a - last > MERGE_ALONG_M:
            k = int(np.argmin(np.abs(along - a))) if len(along) else -1
            name = _road_name(net, int(nodes[k])) if k >= 0 and abs(along[k] - a) < 1.0 else ""
            if not name:
                name = next((c.name for c in reversed(route.cues) if c.at_m <= a), "road")
            found.append(("road", name, float(lon), float(lat), float(a)))
        last = a
    for kind, group, radius in (
        ("village", pois.villages, VILLAGE_RADIUS_M),
        ("lift", pois.lifts, LIFT_RADIUS_M),
    ):
        last = -math.inf
        for p, a, _off in rl.near(group, radius):
            if haversine_m(lon0, lat0, p.lon, p.lat) <= START_RADIUS_M:
                continue
            if a - last > MERGE_ALONG_M:
                label = p.kind.replace("_", " ")
                name = (f"{p.name} ({label})" if p.name else label) if kind == "lift" else p.name
                name = name or p.kind
                found.append((kind, name, p.lon, p.lat, a))
            last = a
    to_road = times_to_roads(net, route.profile)
    to_start = (
        times_to_node(net, route.profile, int(nodes[0]))
        if len(nodes)
        else np.full(net.n_nodes, np.inf)
    )
    out = []
    for kind, name, lon, lat, a in sorted(found, key=lambda t: t[4]):
        secs, via = 0.0, "road"
        if kind != "road":
            secs, via = min(
                (_time_from(net, route, a, to_road), "road"),
                (_time_from(net, route, a, to_start), "start"),
            )
        out.append(Bailout(kind, name, lon, lat, a, secs if math.isfinite(secs) else 0.0, via))
    positions = np.unique(np.concatenate([contacts, [b.along_m for b in out]]))
    return tuple(out), positions


def _time_from(net: Network, route: Route, along_m: float, node_s: np.ndarray) -> float:
    """Time from a point of the route to targets: via either end of its edge."""
    at = 0.0
    for s in route.steps:
        if at + s.length_m >= along_m or s is route.steps[-1]:
            if not isinstance(s, Step):
                return math.inf  # off the network: no time over it
            sign = 1.0 if s.end_m >= s.start_m else -1.0
            off = s.start_m + sign * min(max(along_m - at, 0.0), s.length_m)
            e = s.edge
            length = float(net.edge_length_m[e])
            timer = EdgeTimer(net, route.profile)
            t_u = timer.partial_s(e, off, 0.0) + node_s[net.edge_u[e]]
            t_v = timer.partial_s(e, off, length) + node_s[net.edge_v[e]]
            return float(min(t_u, t_v))
        at += s.length_m
    return math.inf


def _longest_gap(route: Route, positions: np.ndarray) -> tuple[float, float, float]:
    """Longest time between consecutive bail-outs (start and finish included)."""
    total = float(route.dist_m[-1])
    pts = np.unique(np.clip(np.concatenate([[0.0, total], positions]), 0.0, total))
    t = np.interp(pts, route.dist_m, route.time_s)
    k = int(np.argmax(np.diff(t)))
    return float(t[k + 1] - t[k]), float(pts[k]), float(pts[k + 1])


def _steepest(dist: np.ndarray, ele: np.ndarray) -> tuple[float, float, float]:
    """Steepest |grade| over a :data:`STEEP_WINDOW_M` window: grade, where, window length."""
    j = np.searchsorted(dist, dist + STEEP_WINDOW_M)
    ok = np.flatnonzero(j < len(dist))
    if not len(ok):
        span = float(dist[-1] - dist[0])
        return (float(abs(ele[-1] - ele[0]) / span) if span else 0.0), 0.0, span
    g = np.abs(ele[j[ok]] - ele[ok]) / (dist[j[ok]] - dist[ok])
    k = int(np.argmax(g))
    return float(g[k]), float(dist[ok[k]]), float(dist[j[ok[k]]] - dist[ok[k]])


def _treeline(
    net: Network, route: Route, pois: Pois, forest_mask: np.ndarray | None
) -> tuple[float | None, float | None]:
    """Estimated treeline and the time above it (None, None without forest nearby)."""
    import shapely

    from routeplanner.sources.forest import points_in_forest

    if not pois.forest:
        return None, None
    forest = np.asarray(pois.forest, dtype=object)
    shapely.prepare(forest)
    tree = shapely.STRtree(forest)
    pad_lat = TREELINE_SEARCH_M / 111_000.0
    pad_lon = pad_lat / max(math.cos(math.radians(float(route.lat.mean()))), 0.1)
    idx = np.flatnonzero(
        (net.prof_lon > route.lon.min() - pad_lon)
        & (net.prof_lon < route.lon.max() + pad_lon)
        & (net.prof_lat > route.lat.min() - pad_lat)
        & (net.prof_lat < route.lat.max() + pad_lat)
    )
    if forest_mask is not None:
        covered = forest_mask[idx]
    else:
        covered = points_in_forest(forest, net.prof_lon[idx], net.prof_lat[idx], tree=tree)
    if not covered.any():
        return None, None
    treeline = float(np.percentile(net.prof_ele[idx[covered]], 98))
    in_forest = points_in_forest(forest, route.lon, route.lat, tree=tree)
    ele = route.ele
    seg_open = ~(in_forest[:-1] | in_forest[1:]) & (np.minimum(ele[:-1], ele[1:]) > treeline)
    return treeline, float(np.diff(route.time_s)[seg_open].sum())


def _exposure(net: Network, route: Route, pois: Pois, forest_mask: np.ndarray | None) -> Exposure:
    ele, dist = route.ele, route.dist_m
    hi = int(np.nanargmax(ele))
    steep, steep_at, window = _steepest(dist, ele)
    treeline, above = _treeline(net, route, pois, forest_mask)
    method = (
        "treeline: 98th percentile elevation of network points in OSM forest within "
        f"{TREELINE_SEARCH_M / 1000:.0f} km; exposed = outside forest and above it; "
        f"steepest grade over a {STEEP_WINDOW_M:.0f} m window of DEM elevations"
    )
    return Exposure(
        above_treeline_s=above,
        treeline_m=treeline,
        highest_m=float(ele[hi]),
        highest_along_m=float(dist[hi]),
        steepest_grade=steep,
        steepest_along_m=steep_at,
        steepest_window_m=window,
        method=method,
    )


def _start_place(route: Route, pois: Pois, rl: _RouteLine) -> str:
    lon, lat = float(route.lon[0]), float(route.lat[0])
    where = f"{lat:.5f},{lon:.5f}"
    if pois.villages:
        from routeplanner._geo import haversine_m

        d = haversine_m(
            np.array([p.lon for p in pois.villages]),
            np.array([p.lat for p in pois.villages]),
            lon,
            lat,
        )
        k = int(np.argmin(d))
        if d[k] < 3000 and pois.villages[k].name:
            return f"near {pois.villages[k].name} ({where})"
    return where


def alert_after_s(duration_s: float) -> float:
    """How long after the expected finish a partner should call: 1 h, or a quarter of the run."""
    raw = max(3600.0, 0.25 * duration_s)
    return math.ceil(raw / 900.0) * 900.0


def _partner_message(
    sheet_title: str,
    route: Route,
    start_place: str,
    daylight: Daylight,
    units: UnitSystem = "metric",
    **more: Any,
) -> str:
    s = route.stats
    ways = list(dict.fromkeys(w for w in route.names if not w.startswith("unnamed")))[:5]
    files = more["outputs"]
    lat, lon = float(route.lat[0]), float(route.lon[0])
    dist = fmt.format_distance(s.distance_m, units)
    summary = (
        f"{dist} {route.kind} starting at {lat:.5f},{lon:.5f}"
        + (f" via {', '.join(ways)}" if ways else "")
        + f", highest point {fmt.format_height(more['highest_m'], units)}"
        + f", map https://www.openstreetmap.org/?mlat={lat:.5f}&mlon={lon:.5f}#map=14/{lat:.5f}/{lon:.5f}"
        + (f", route file {', '.join(files)}" if files else "")
    )
    start = daylight.start
    return (
        f"Running {sheet_title}: {dist}, +{fmt.format_height(s.ascent_m, units)}, "
        f"start {start.strftime('%a')} {start.day} {start.strftime('%b %H:%M')} "
        f"from {start_place}, "
        f"back by {clock(daylight.expected_finish)}. If you have not heard from me by "
        f"{clock(more['alert_at'])}, call {more['emergency_number']} and tell them: {summary}."
    )


def safety_sheet(
    route: Route,
    net: Network,
    pois: Pois,
    *,
    start: datetime,
    title: str | None = None,
    emergency_number: str = DEFAULT_EMERGENCY_NUMBER,
    outputs: Sequence[str] = (),
    forest_mask: np.ndarray | None = None,
) -> SafetySheet:
    """Compute the safety sheet of a route.

    Parameters
    ----------
    route
        The route (its steps must refer to ``net``).
    net
        The network it was planned on.
    pois
        Places read from the same region's OSM file.
    start
        Time zone-aware start; sun times and clock times are in its zone.
    title
        What the partner message calls the run (default: the route's name).
    emergency_number
        Number to call (the region's; 112 across Europe).
    outputs
        Names of the route files written, for the partner message.
    forest_mask
        Whether each of ``net``'s profile points lies in ``pois.forest``
        (:func:`~routeplanner.sources.forest.points_in_forest`), when known:
        saves testing the points near the route again.

    Returns
    -------
    SafetySheet

    Raises
    ------
    InputError
        If ``start`` has no time zone.
    """
    if start.tzinfo is None or start.utcoffset() is None:
        raise InputError(f"start time {start.isoformat()!r} has no time zone")
    rl = _RouteLine(net, route)
    bailouts, positions = _bailouts(net, route, pois, rl)
    gap_s, gap_from, gap_to = _longest_gap(route, positions)
    lon0, lat0 = float(route.lon[0]), float(route.lat[0])
    sun = sun_times(lon0, lat0, start.date(), start.tzinfo or timezone.utc)
    rise, set_ = sun.sunrise, sun.sunset
    finish = start + timedelta(seconds=float(route.stats.duration_s))
    daylight = Daylight(
        start=start,
        expected_finish=finish,
        sunrise=rise,
        sunset=set_,
        margin_s=None if set_ is None else (set_ - finish).total_seconds(),
    )
    exposure = _exposure(net, route, pois, forest_mask)
    place = _start_place(route, pois, rl)
    alert_at = finish + timedelta(seconds=alert_after_s(route.stats.duration_s))
    name = title or route.name
    said: dict[str, Any] = {
        "outputs": list(outputs),
        "highest_m": exposure.highest_m,
        "alert_at": alert_at,
        "emergency_number": emergency_number,
    }
    message = _partner_message(name, route, place, daylight, **said)
    message_imperial = _partner_message(name, route, place, daylight, "imperial", **said)
    return SafetySheet(
        title=name,
        distance_m=route.stats.distance_m,
        ascent_m=route.stats.ascent_m,
        duration_s=route.stats.duration_s,
        start_lonlat=(lon0, lat0),
        start_place=place,
        bailouts=bailouts,
        longest_without_bailout_s=gap_s,
        longest_without_bailout_m=(gap_from, gap_to),
        water=rl.places(pois.water, NEAR_RADIUS_M),
        shelters=rl.places(pois.shelters, NEAR_RADIUS_M),
        peaks=rl.places(pois.peaks, ON_ROUTE_RADIUS_M),
        passes=rl.places(pois.passes, ON_ROUTE_RADIUS_M),
        daylight=daylight,
        exposure=exposure,
        emergency_number=emergency_number,
        alert_at=alert_at,
        partner_message=message,
        partner_message_imperial=message_imperial,
    )
