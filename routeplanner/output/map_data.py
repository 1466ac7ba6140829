"""Route data drawn on the maps: distance marks, colours, profile and extent.

Kilometre marks and arrows, colour classes along the line, the elevation
profile and the view's extent.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from routeplanner._geo import M_PER_DEG, bearing_deg
from routeplanner.output._profile_svg import ProfilePlot, profile_svg
from routeplanner.output.map_style import (
    GRADE_CLASSES,
    PACE_CLASSES,
    ColourClass,
    classify,
)
from routeplanner.route import Route

__all__ = [
    "fit_bounds",
    "km_interval",
    "markers_data",
    "pad_bbox",
    "route_profile",
    "routes_bbox",
    "stretch_classes",
    "windowed_rate",
]

log = logging.getLogger(__name__)


_GRADE_WINDOW_M = 150.0


_PROFILE_SAMPLES = 700


def windowed_rate(dist_m: np.ndarray, value: np.ndarray, window_m: float) -> np.ndarray:
    """d(value)/d(dist) over ``window_m`` centred on each stretch between points."""
    d = np.asarray(dist_m, dtype=np.float64)
    mid = (d[:-1] + d[1:]) / 2
    a = np.clip(mid - window_m / 2, d[0], d[-1])
    b = np.clip(mid + window_m / 2, d[0], d[-1])
    span = b - a
    rise = np.interp(b, d, value) - np.interp(a, d, value)
    ret: np.ndarray = np.divide(rise, span, out=np.zeros_like(span), where=span > 0)
    return ret


def pad_bbox(
    bbox: tuple[float, float, float, float],
    pad_m: float,
) -> tuple[float, float, float, float]:
    """Return ``bbox`` widened by ``pad_m`` metres on every side."""
    w, s, e, n = bbox
    dlat = pad_m / M_PER_DEG
    dlon = pad_m / (M_PER_DEG * max(math.cos(math.radians((s + n) / 2)), 1e-6))
    return w - dlon, s - dlat, e + dlon, n + dlat


def routes_bbox(routes: Sequence[Route]) -> tuple[float, float, float, float]:
    """Return the ``(west, south, east, north)`` box around all routes."""
    lon = np.concatenate([r.lon for r in routes])
    lat = np.concatenate([r.lat for r in routes])
    return float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max())


def fit_bounds(bbox: tuple[float, float, float, float]) -> list[list[float]]:
    """Return a bbox as Leaflet's ``[[south, west], [north, east]]``."""
    w, s, e, n = bbox
    return [[round(s, 5), round(w, 5)], [round(n, 5), round(e, 5)]]


def km_interval(distance_m: float) -> float:
    """Return the spacing of distance marks: at most 25 along the route."""
    for step in (1000.0, 2000.0, 5000.0, 10000.0, 20000.0, 50000.0):
        if distance_m / step <= 25:
            return step
    return 100000.0


def markers_data(route: Route) -> dict[str, list[Any]]:
    """Km markers, direction arrows half-way between them, and start/finish pins."""
    d, lon, lat = route.dist_m, route.lon, route.lat
    total = float(d[-1])
    step = km_interval(total)
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
                round(bearing_deg(lon[i], lat[i], lon[j], lat[j])),
            ]
        )
    start = [round(float(lat[0]), 5), round(float(lon[0]), 5)]
    finish = [round(float(lat[-1]), 5), round(float(lon[-1]), 5)]
    gap_m = math.hypot(
        (lon[-1] - lon[0]) * math.cos(math.radians(lat[0])) * M_PER_DEG,
        (lat[-1] - lat[0]) * M_PER_DEG,
    )
    if gap_m < 50.0:  # a loop: one pin
        pins = [[*start, "rp-start", "Start / finish", "Start and finish"]]
    else:
        pins = [[*finish, "rp-finish", "Finish", "Finish"], [*start, "rp-start", "Start", "Start"]]
    return {"km": km, "arrows": arrows, "pins": pins}


def route_profile(route: Route, index: int) -> tuple[ProfilePlot, dict[str, Any]]:
    """Return a route's profile plot and the data the page's script reads from it."""
    total = float(route.dist_m[-1])
    n = int(min(_PROFILE_SAMPLES, max(2, len(route.dist_m))))
    d = np.linspace(0.0, total, n) if total > 0 else np.zeros(n)
    cls, _ = stretch_classes(route, "grade", d)
    ele = np.interp(d, route.dist_m, route.ele)
    colours = [c.color for c in GRADE_CLASSES]
    plot = profile_svg(d, ele, cls, colours, index=index, label=route.name)
    # The phone's narrow plot goes with the wide one; the page's stylesheet shows one.
    narrow = profile_svg(d, ele, cls, colours, index=index, label=route.name, narrow=True)
    plot = replace(plot, svg=plot.svg + narrow.svg)
    grade = windowed_rate(d, ele, _GRADE_WINDOW_M) if n > 1 else np.zeros(1)
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


def stretch_classes(
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
        s_per_m = windowed_rate(d, t, _GRADE_WINDOW_M)
        return classify(s_per_m * 1000.0, PACE_CLASSES), PACE_CLASSES
    return classify(windowed_rate(d, ele, _GRADE_WINDOW_M), GRADE_CLASSES), GRADE_CLASSES
