"""Elevation profile as an SVG drawn in Python: distance on x, elevation on y, shaded by class.

The SVG scales with its container (``viewBox``), and :class:`ProfilePlot` tells the
map's script how to turn a pointer position into a distance and an elevation
into a y coordinate, so pointing at the profile can move a marker on the map.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from routeplanner.output._map_assets import esc

__all__ = ["ProfilePlot", "nice_step", "profile_svg"]

WIDTH = 1000
HEIGHT = 180
_LEFT, _RIGHT, _TOP, _BOTTOM = 52, 14, 14, 26
#: Font size (viewBox units) of the wide plot: at least 11 CSS px from 800 px wide up.
_FONT = 14
#: The narrow plot shown on phones: drawn about 1:1, so its 12-unit text stays 11-12 px.
_NARROW = {"width": 380, "height": 130, "left": 44, "right": 10, "font": 12, "xticks": 5}
_STEPS = (1.0, 2.0, 2.5, 5.0)


@dataclass(frozen=True)
class ProfilePlot:
    """An elevation profile SVG and its axes.

    Attributes
    ----------
    svg : str
        The ``<svg>`` element.
    x0, x1 : float
        ``viewBox`` x of distance 0 and of the last point.
    y_base : float
        ``viewBox`` y of the lowest elevation on the axis, ``ele_low_m``.
    ele_low_m, px_per_m : float
        Elevation at ``y_base`` and ``viewBox`` units per metre of elevation.
    distance_m : float
        Length of the profile.
    """

    svg: str
    x0: float
    x1: float
    y_base: float
    ele_low_m: float
    px_per_m: float
    distance_m: float


def nice_step(span: float, max_ticks: int) -> float:
    """Smallest step of 1, 2, 2.5 or 5 times a power of ten giving at most ``max_ticks``.

    Examples
    --------
    >>> nice_step(9.5, 8), nice_step(430, 4), nice_step(0.0, 4)
    (2.0, 200.0, 1.0)
    """
    if not span > 0 or not math.isfinite(span):
        return 1.0
    raw = span / max(max_ticks, 1)
    power = 10.0 ** math.floor(math.log10(raw))
    for s in (*_STEPS, 10.0):
        if s * power >= raw - 1e-12:
            return s * power
    return 10.0 * power


def _fmt(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".")


def _tick_label(v: float) -> str:
    return f"{v:.2f}".rstrip("0").rstrip(".") or "0"


def profile_svg(
    dist_m: np.ndarray,
    ele_m: np.ndarray,
    classes: np.ndarray,
    colors: Sequence[str],
    *,
    index: int = 0,
    label: str = "",
    narrow: bool = False,
) -> ProfilePlot:
    """Draw an elevation profile, filled under the line in each stretch's class colour.

    Parameters
    ----------
    dist_m, ele_m
        Increasing distances and elevations of the points, in metres.
    classes
        Class of each stretch between consecutive points (``len(dist_m) - 1``
        entries), an index into ``colors``.
    colors
        CSS colours of the classes.
    index
        Route number, written to the ``data-route`` attribute for the map's script.
    label
        Text for the accessible name (escaped here).
    narrow
        Draw the narrow plot for phones (shown instead of the wide one by the
        page's stylesheet); both carry their axes in ``data-`` attributes.

    Returns
    -------
    ProfilePlot
    """
    d = np.asarray(dist_m, dtype=np.float64)
    z = np.asarray(ele_m, dtype=np.float64)
    cls = np.asarray(classes, dtype=np.intp)
    if d.ndim != 1 or len(d) < 2 or z.shape != d.shape or len(cls) != len(d) - 1:
        raise ValueError("profile_svg needs >= 2 points and one class per stretch")
    total = float(d[-1] - d[0])
    lo, hi = float(np.nanmin(z)), float(np.nanmax(z))
    if hi - lo < 40.0:  # flat routes: keep a sensible vertical scale
        mid = (hi + lo) / 2
        lo, hi = mid - 20.0, mid + 20.0
    width, height = (_NARROW["width"], _NARROW["height"]) if narrow else (WIDTH, HEIGHT)
    left, right = (_NARROW["left"], _NARROW["right"]) if narrow else (_LEFT, _RIGHT)
    font = _NARROW["font"] if narrow else _FONT
    ystep = nice_step(hi - lo, 3 if narrow else 4)
    ylo = math.floor(lo / ystep) * ystep
    yhi = math.ceil(hi / ystep) * ystep
    x0, x1 = float(left), float(width - right)
    yb, yt = float(height - _BOTTOM), float(_TOP)
    sx = (x1 - x0) / total if total > 0 else 0.0
    sy = (yb - yt) / (yhi - ylo)
    xs = x0 + (d - d[0]) * sx
    ys = yb - (z - ylo) * sy

    kind = "rp-narrow-prof" if narrow else "rp-wide-prof"
    out = [
        f'<svg class="rp-profile {kind}" data-route="{index}" viewBox="0 0 {width} {height}" '
        f'data-x0="{x0:g}" data-x1="{x1:g}" data-yb="{yb:g}" data-ylo="{ylo:g}" '
        f'data-ys="{sy:.6f}" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'aria-label="Elevation profile{": " + esc(label) if label else ""}" '
        f'font-family="sans-serif" font-size="{font}">',
    ]
    # Grid and axes.
    grid, text = [], []
    v = ylo
    while v <= yhi + 1e-9:
        y = yb - (v - ylo) * sy
        grid.append(f"M{x0:.0f} {y:.1f}H{x1:.0f}")
        text.append(
            f'<text x="{x0 - 5:.0f}" y="{y + font / 3:.1f}" text-anchor="end">{v:.0f}</text>'
        )
        v += ystep
    km = total / 1000.0
    xstep = nice_step(km, _NARROW["xticks"] if narrow else 10)
    k = 0.0
    while k <= km + 1e-9:
        x = x0 + k * 1000.0 * sx
        grid.append(f"M{x:.1f} {yt:.0f}V{yb:.0f}")
        text.append(
            f'<text x="{x:.1f}" y="{yb + font + 4:.0f}" text-anchor="middle">'
            f"{_tick_label(k)}</text>"
        )
        k += xstep
    out.append(f'<path d="{"".join(grid)}" stroke="#d0d0d0" stroke-width="1" fill="none"/>')
    # Fill under the line, one path per class made of one sub-path per run.
    change = np.flatnonzero(np.diff(cls)) + 1
    starts = np.concatenate(([0], change))
    ends = np.concatenate((change, [len(cls)]))
    by_class: dict[int, list[str]] = {}
    for a, b in zip(starts, ends, strict=True):
        pts = "L".join(f"{_fmt(xs[i])} {_fmt(ys[i])}" for i in range(a, b + 1))
        by_class.setdefault(int(cls[a]), []).append(
            f"M{_fmt(xs[a])} {yb:.0f}L{pts}L{_fmt(xs[b])} {yb:.0f}Z"
        )
    for c in sorted(by_class):
        out.append(f'<path class="rp-fill" d="{"".join(by_class[c])}" fill="{esc(colors[c])}"/>')
    line = "L".join(f"{_fmt(x)} {_fmt(y)}" for x, y in zip(xs, ys, strict=True))
    out.append(
        f'<path class="rp-line" d="M{line}" stroke="#222" stroke-width="1.6" '
        f'fill="none" stroke-linejoin="round"/>'
    )
    out.append(f'<path d="M{x0:.0f} {yt:.0f}V{yb:.0f}H{x1:.0f}" stroke="#555" fill="none"/>')
    out.append(
        f'<g fill="#333">{"".join(text)}'
        f'<text x="{width - 2}" y="{height - 1}" text-anchor="end">km</text>'
        f'<text x="2" y="{yt - 1:.0f}">m</text></g>'
    )
    # Cursor moved by the map's script, and a transparent target for the pointer.
    out.append(
        f'<g class="rp-cursor" visibility="hidden" pointer-events="none">'
        f'<line x1="0" x2="0" y1="{yt:.0f}" y2="{yb:.0f}" stroke="#111" stroke-width="1.2"/>'
        f'<circle r="4.5" cx="0" cy="0" fill="#ffeb3b" stroke="#111" stroke-width="1.5"/>'
        f'<text x="0" y="{yt + font:.0f}" font-weight="bold" paint-order="stroke" stroke="#fff" '
        f'stroke-width="4"></text></g>'
    )
    out.append(
        f'<rect class="rp-hit" x="{x0:.0f}" y="{yt:.0f}" width="{x1 - x0:.0f}" '
        f'height="{yb - yt:.0f}" fill="transparent" pointer-events="all"/>'
    )
    out.append("</svg>")
    return ProfilePlot(
        svg="".join(out), x0=x0, x1=x1, y_base=yb, ele_low_m=ylo, px_per_m=sy, distance_m=total
    )
