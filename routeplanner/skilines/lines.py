"""Ski lines and their terrain: slope angles, CalTopo bands and aspect from the DEM.

Lines come from three sources, all reduced to a :class:`RawLine` (a named polyline):

``osm``
    OpenStreetMap pistes and ski routes kept aside by the network build
    (``piste:type`` = downhill, skitour, backcountry or nordic). Closed downhill
    ways are piste *areas* (outlines), not lines, and are skipped.
``file``
    Tracks and routes of a GPX file, or LineString / MultiLineString features of
    a GeoJSON file, given by the user.
``dem``
    Candidate fall lines: from the top edge of terrain inside a slope window
    (for example 30-45°) a point steps downhill along the steepest descent
    (the DEM's aspect) while the slope stays inside the window; lines with
    enough vertical drop are kept, most drop first, skipping lines that mostly
    run within ``spacing_m`` of one already kept.

Every line is analysed the same way, whatever its source, so lines compare
alike: it is resampled every ``sample_m`` metres, oriented top to bottom, and
elevation, slope and aspect are read from the DEM at each sample. Slope and
aspect are Horn's (1981) 3x3 method in metres (:func:`routeplanner.sources.dem.slope_aspect`:
geodesic cell sizes per row for a geographic DEM, the CRS's linear unit for a
projected one), interpolated bilinearly between cell centres (aspect as unit
vectors). Elevations in GPX files are ignored for the same reason.

Stats (:class:`LineStats`) are length-weighted over the resampled line:

* ``slope_mean_deg`` — mean terrain slope;
* ``slope_max_deg`` — the steepest 50 m: the largest mean slope over any 50 m
  stretch of the line (the whole line if it is shorter);
* ``band_shares`` — share of the length in each CalTopo band (:data:`BANDS`).
  Band ``a-b`` holds ``a <= slope < c`` where ``c`` is the next band's lower
  bound, so ``46-50`` is 46 up to 50 and ``50+`` is 50 and steeper. Slopes are
  rounded to 0.1° first so that float noise at a band edge does not flip a band;
* ``aspect_deg`` / ``aspect`` — the length-weighted circular mean of the
  direction the terrain faces, and its 8-point compass name; ``aspect_spread_deg``
  is the circular standard deviation ``sqrt(-2 ln R)`` (0 on a plane, large for
  a line that wraps round a bowl); ``aspect_shares`` is the share of the length
  per compass sector;
* ``pitch_mean_deg`` / ``pitch_max_deg`` — the line's *own* gradient as skied:
  ``atan(drop / length)`` and the steepest 50 m along it. A traverse across a
  35° face has a 35° slope but a gentle pitch; piste grading follows the pitch.

SRTM3 cells are about 90 m, so slopes are those of terrain averaged over
~90-180 m: short steps and cliffs are flattened and maxima read several
degrees low. Finer DEMs give steeper, truer maxima.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import logging
import math
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from routeplanner.errors import CoverageError, DataError, InputError
from routeplanner.network.model import EARTH_RADIUS_M, Network, haversine_m
from routeplanner.output._map_assets import esc
from routeplanner.skilines.grading import SkiGrading, grade_line
from routeplanner.sources.dem import Dem, aspect_name, sample_slope, slope_aspect
from routeplanner.sources.forest import ForestCover

__all__ = [
    "BANDS",
    "BAND_COLORS",
    "PISTE_TYPES",
    "LineStats",
    "RawLine",
    "SkiLine",
    "add_line_layer",
    "analyze_line",
    "analyze_lines",
    "lines_panel_html",
    "with_forest",
    "band_shares",
    "circular_aspect",
    "dem_lines",
    "filter_lines",
    "find_line",
    "line_collection",
    "line_feature",
    "line_layer",
    "line_popup_html",
    "line_stats",
    "osm_lines",
    "parse_slope_window",
    "read_line_file",
    "slope_color",
    "trace_fall_line",
]

log = logging.getLogger(__name__)

#: CalTopo slope-angle bands: (label, lower bound, upper bound) in degrees, half-open.
BANDS: tuple[tuple[str, float, float], ...] = (
    ("<27", 0.0, 27.0),
    ("27-29", 27.0, 30.0),
    ("30-31", 30.0, 32.0),
    ("32-34", 32.0, 35.0),
    ("35-45", 35.0, 46.0),
    ("46-50", 46.0, 50.0),
    ("50+", 50.0, 90.01),
)
#: Map colour of each band: maps.SLOPE_BANDS' CalTopo-like colours, blue-grey below 27°.
BAND_COLORS: tuple[str, ...] = (
    "#78909c",
    "#b8e62e",
    "#ffe600",
    "#ff9900",
    "#e8001c",
    "#b000d6",
    "#2b2bd4",
)

#: Piste types that make ski lines (sled runs, hikes and ice rinks do not).
PISTE_TYPES: frozenset[str] = frozenset({"downhill", "skitour", "backcountry", "nordic"})

_COMPASS = ("N", "NE", "E", "SE", "S", "SW", "W", "NW")
_DEG_M = math.pi / 180.0 * EARTH_RADIUS_M  # metres per degree of latitude
_WINDOW_M = 50.0  # "max over 50 m" for slope and pitch
_MIN_SLOPE_WINDOW_DEG = 0.0
_MAX_SLOPE_WINDOW_DEG = 70.0


class RawLine(NamedTuple):
    """A line before analysis: identity and a polyline in degrees.

    Attributes
    ----------
    id : str
        Stable identifier: ``osm:<way id>``, ``file:<file stem>:<n>`` or
        ``dem:<lat>,<lon>`` of its top.
    name : str
        Human name (OSM ``piste:name``/``name``, the track name, or generated).
    source : str
        ``"osm"``, ``"file"`` or ``"dem"``.
    lon, lat : numpy.ndarray
        Vertices, at least two.
    tags : dict
        OSM tags or file properties (``piste:difficulty`` etc.).
    """

    id: str
    name: str
    source: str
    lon: np.ndarray
    lat: np.ndarray
    tags: Mapping[str, str]


@dataclass(frozen=True)
class LineStats:
    """Terrain numbers of a ski line (see the module docstring for the definitions).

    Attributes
    ----------
    length_m : float
        Horizontal length.
    top_ele_m, bottom_ele_m, vertical_drop_m : float
        Highest and lowest DEM elevation on the line, and their difference.
    slope_mean_deg, slope_max_deg : float
        Mean terrain slope and the steepest 50 m.
    band_shares : tuple of float
        Share of the length in each of :data:`BANDS`; sums to 1.
    aspect_deg : float
        Mean aspect, degrees clockwise from north (NaN if all flat).
    aspect : str
        8-point compass name of ``aspect_deg`` (``"flat"`` if NaN).
    aspect_spread_deg : float
        Circular standard deviation of the aspect.
    aspect_shares : tuple of float
        Share of the length facing each of N, NE, E, SE, S, SW, W, NW.
    pitch_mean_deg, pitch_max_deg : float
        The line's own gradient: overall and steepest 50 m.
    """

    length_m: float
    top_ele_m: float
    bottom_ele_m: float
    vertical_drop_m: float
    slope_mean_deg: float
    slope_max_deg: float
    band_shares: tuple[float, ...]
    aspect_deg: float
    aspect: str
    aspect_spread_deg: float
    aspect_shares: tuple[float, ...]
    pitch_mean_deg: float
    pitch_max_deg: float

    def band_dict(self) -> dict[str, float]:
        """Band label -> share, rounded to 0.001."""
        return {b[0]: round(s, 3) for b, s in zip(BANDS, self.band_shares, strict=True)}

    def as_dict(self) -> dict[str, Any]:
        """Rounded values for JSON output."""

        def r(x: float, n: int = 1) -> float | None:
            return round(float(x), n) if math.isfinite(x) else None

        return {
            "length_m": r(self.length_m),
            "top_ele_m": r(self.top_ele_m),
            "bottom_ele_m": r(self.bottom_ele_m),
            "vertical_drop_m": r(self.vertical_drop_m),
            "slope_mean_deg": r(self.slope_mean_deg),
            "slope_max_deg": r(self.slope_max_deg),
            "band_shares": self.band_dict(),
            "aspect": self.aspect,
            "aspect_deg": r(self.aspect_deg),
            "aspect_spread_deg": r(self.aspect_spread_deg),
            "aspect_shares": {
                c: round(s, 3) for c, s in zip(_COMPASS, self.aspect_shares, strict=True)
            },
            "pitch_mean_deg": r(self.pitch_mean_deg),
            "pitch_max_deg": r(self.pitch_max_deg),
        }


@dataclass(frozen=True, eq=False)
class SkiLine:
    """An analysed ski line: resampled geometry top to bottom, DEM profile and stats.

    Attributes
    ----------
    id, name, source : str
        As in :class:`RawLine`.
    lon, lat, ele, dist_m, slope_deg, aspect_deg : numpy.ndarray
        The resampled line from top to bottom: position, DEM elevation, distance
        from the top, terrain slope and aspect at each sample.
    stats : LineStats
        The line's numbers.
    tags : dict
        OSM tags or file properties.
    forest : numpy.ndarray or None
        Per sample, whether it lies in forest (``None`` if forest was not read).
    dem_cell_m : float
        Cell size of the DEM the profile comes from.
    """

    id: str
    name: str
    source: str
    lon: np.ndarray
    lat: np.ndarray
    ele: np.ndarray
    dist_m: np.ndarray
    slope_deg: np.ndarray
    aspect_deg: np.ndarray
    stats: LineStats
    tags: Mapping[str, str] = field(default_factory=dict)
    forest: np.ndarray | None = None
    dem_cell_m: float = math.nan

    @property
    def grading(self) -> SkiGrading:
        """Ski grade, pitches, ATES class … (:mod:`routeplanner.skilines.grading`)."""
        return grade_line(
            self.dist_m,
            self.ele,
            self.slope_deg,
            self.aspect_deg,
            forest=self.forest,
            cell_m=self.dem_cell_m,
        )

    @property
    def difficulty(self) -> str | None:
        """OSM ``piste:difficulty``, if any."""
        return self.tags.get("piste:difficulty")

    @property
    def piste_type(self) -> str | None:
        """OSM ``piste:type``, if any."""
        return self.tags.get("piste:type")

    @property
    def top(self) -> tuple[float, float]:
        """(lon, lat) of the top end."""
        return float(self.lon[0]), float(self.lat[0])

    @property
    def bottom(self) -> tuple[float, float]:
        """(lon, lat) of the bottom end."""
        return float(self.lon[-1]), float(self.lat[-1])

    def summary(self) -> dict[str, Any]:
        """Identity and stats as a JSON-ready dict."""
        out: dict[str, Any] = {"id": self.id, "name": self.name, "source": self.source}
        if self.piste_type:
            out["piste_type"] = self.piste_type
        if self.difficulty:
            out["difficulty"] = self.difficulty
        out.update(self.stats.as_dict())
        out.update(self.grading.as_dict())
        out["top"] = [round(self.top[0], 6), round(self.top[1], 6), round(float(self.ele[0]), 1)]
        out["bottom"] = [
            round(self.bottom[0], 6),
            round(self.bottom[1], 6),
            round(float(self.ele[-1]), 1),
        ]
        return out


# -- maths ------------------------------------------------------------------------


def _segment_weights(dist_m: np.ndarray) -> np.ndarray:
    """Trapezoid weights: each point owns half of each neighbouring segment."""
    dd = np.diff(dist_m)
    w = np.zeros(len(dist_m))
    w[:-1] += dd / 2.0
    w[1:] += dd / 2.0
    return w


def band_shares(slope_deg: ArrayLike, weights: ArrayLike | None = None) -> tuple[float, ...]:
    """Share of the weight in each CalTopo band of :data:`BANDS`.

    Parameters
    ----------
    slope_deg
        Slopes in degrees; NaN values are ignored.
    weights
        Non-negative weights (e.g. lengths) of the same shape; equal if None.

    Returns
    -------
    tuple of float
        One share per band, summing to 1 (all zeros if no finite slope).

    Examples
    --------
    >>> band_shares([10.0, 28.0, 35.0, 34.96])
    (0.25, 0.25, 0.0, 0.0, 0.5, 0.0, 0.0)
    """
    s = np.asarray(slope_deg, dtype=np.float64).ravel()
    w = np.ones_like(s) if weights is None else np.asarray(weights, dtype=np.float64).ravel()
    if w.shape != s.shape:
        raise InputError(f"weights shape {w.shape} does not match slopes shape {s.shape}")
    ok = np.isfinite(s) & (w > 0)
    total = float(w[ok].sum())
    if total <= 0:
        return tuple(0.0 for _ in BANDS)
    # 0.1° rounding: a 35° plane must not fall into 32-34 by float noise.
    rounded = np.round(s[ok], 1)
    edges = np.array([b[1] for b in BANDS[1:]])
    idx = np.searchsorted(edges, rounded, side="right")
    sums = np.bincount(idx, weights=w[ok], minlength=len(BANDS))
    return tuple(float(x) / total for x in sums)


def circular_aspect(
    aspect_deg: ArrayLike, weights: ArrayLike | None = None
) -> tuple[float, float, tuple[float, ...]]:
    """Weighted circular mean and spread of aspects, and shares per compass sector.

    Parameters
    ----------
    aspect_deg
        Aspects in degrees clockwise from north; NaN (flat) values are ignored.
    weights
        Non-negative weights of the same shape; equal if None.

    Returns
    -------
    mean_deg : float
        Circular mean in [0, 360); NaN if no finite aspect or the vectors cancel.
    spread_deg : float
        Circular standard deviation ``sqrt(-2 ln R)`` in degrees, R the mean
        resultant length (0 if all aspects agree); NaN if no finite aspect.
    shares : tuple of float
        Weight share of each 45° sector N, NE, E, SE, S, SW, W, NW.

    Examples
    --------
    >>> mean, spread, _ = circular_aspect([350.0, 10.0])
    >>> round(mean, 6) % 360, round(spread, 1)
    (0.0, 10.0)
    """
    a = np.asarray(aspect_deg, dtype=np.float64).ravel()
    w = np.ones_like(a) if weights is None else np.asarray(weights, dtype=np.float64).ravel()
    ok = np.isfinite(a) & (w > 0)
    total = float(w[ok].sum())
    if total <= 0:
        return math.nan, math.nan, tuple(0.0 for _ in _COMPASS)
    rad = np.radians(a[ok])
    east = float(np.sum(w[ok] * np.sin(rad))) / total
    north = float(np.sum(w[ok] * np.cos(rad))) / total
    r = min(math.hypot(east, north), 1.0)
    mean = math.degrees(math.atan2(east, north)) % 360.0 if r > 1e-9 else math.nan
    spread = math.degrees(math.sqrt(-2.0 * math.log(r))) if r > 1e-12 else 180.0
    sector = np.floor((a[ok] % 360.0) / 45.0 + 0.5).astype(np.intp) % 8
    sums = np.bincount(sector, weights=w[ok], minlength=8)
    return mean, spread, tuple(float(x) / total for x in sums)


def _window_max(dist_m: np.ndarray, values: np.ndarray, window_m: float) -> float:
    """Largest mean of ``values`` (trapezoid in distance) over any ``window_m`` stretch."""
    length = float(dist_m[-1] - dist_m[0])
    if length <= 0:
        return float(values[0])
    seg = (values[:-1] + values[1:]) / 2.0 * np.diff(dist_m)
    integral = np.concatenate(([0.0], np.cumsum(seg)))
    if length <= window_m:
        return float(integral[-1] / length)
    starts = dist_m[dist_m <= dist_m[-1] - window_m]
    ends = np.interp(starts + window_m, dist_m, integral) - np.interp(starts, dist_m, integral)
    return float(np.max(ends) / window_m)


def line_stats(
    dist_m: ArrayLike, ele: ArrayLike, slope_deg: ArrayLike, aspect_deg: ArrayLike
) -> LineStats:
    """Stats of a line from its profile.

    Parameters
    ----------
    dist_m
        Increasing distance along the line of each sample, from 0.
    ele
        Elevation at each sample (metres).
    slope_deg, aspect_deg
        Terrain slope and aspect at each sample (aspect NaN where flat).

    Returns
    -------
    LineStats

    Raises
    ------
    InputError
        If the arrays differ in length, have fewer than two samples, hold
        non-finite distances, elevations or slopes, or the distance decreases.
    """
    d = np.asarray(dist_m, dtype=np.float64)
    z = np.asarray(ele, dtype=np.float64)
    s = np.asarray(slope_deg, dtype=np.float64)
    a = np.asarray(aspect_deg, dtype=np.float64)
    if not (d.shape == z.shape == s.shape == a.shape) or d.ndim != 1 or len(d) < 2:
        raise InputError(
            f"line profile arrays must be 1-D, of equal length >= 2: {d.shape}, {z.shape}, "
            f"{s.shape}, {a.shape}"
        )
    if not (np.isfinite(d).all() and np.isfinite(z).all() and np.isfinite(s).all()):
        raise InputError("line profile has non-finite distance, elevation or slope values")
    if np.any(np.diff(d) < 0):
        raise InputError("line profile distances must not decrease")
    w = _segment_weights(d)
    length = float(d[-1] - d[0])
    top, bottom = float(z.max()), float(z.min())
    slope_mean = float(np.sum(w * s) / length) if length > 0 else float(s.mean())
    slope_max = _window_max(d, s, _WINDOW_M)
    mean_a, spread_a, shares_a = circular_aspect(a, w if length > 0 else None)
    # Pitch: elevation change across each 50 m window of the line itself.
    if length > _WINDOW_M:
        starts = d[d <= d[-1] - _WINDOW_M]
        dz = np.abs(np.interp(starts + _WINDOW_M, d, z) - np.interp(starts, d, z))
        pitch_max = math.degrees(math.atan(float(dz.max()) / _WINDOW_M))
    else:
        pitch_max = math.degrees(math.atan2(abs(z[-1] - z[0]), length)) if length > 0 else 0.0
    pitch_mean = math.degrees(math.atan2(top - bottom, length)) if length > 0 else 0.0
    return LineStats(
        length_m=length,
        top_ele_m=top,
        bottom_ele_m=bottom,
        vertical_drop_m=top - bottom,
        slope_mean_deg=slope_mean,
        slope_max_deg=slope_max,
        band_shares=band_shares(s, w if length > 0 else None),
        aspect_deg=mean_a,
        aspect=aspect_name(mean_a),
        aspect_spread_deg=spread_a,
        aspect_shares=shares_a,
        pitch_mean_deg=pitch_mean,
        pitch_max_deg=pitch_max,
    )


# -- geometry helpers ---------------------------------------------------------------


def _local_xy(lon: np.ndarray, lat: np.ndarray, lat0: float) -> tuple[np.ndarray, np.ndarray]:
    """Equirectangular metres about ``lat0`` (fine over a few km)."""
    return lon * _DEG_M * math.cos(math.radians(lat0)), lat * _DEG_M


def _resample(
    lon: np.ndarray, lat: np.ndarray, spacing_m: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Points every ``spacing_m`` along a polyline (ends and vertices' path kept)."""
    seg = haversine_m(lon[:-1], lat[:-1], lon[1:], lat[1:])
    cum = np.concatenate(([0.0], np.cumsum(seg)))
    total = float(cum[-1])
    n = max(1, math.ceil(total / spacing_m))
    d = np.linspace(0.0, total, n + 1)
    # Drop duplicate vertices so interp sees increasing distances.
    keep = np.concatenate(([True], np.diff(cum) > 0))
    return np.interp(d, cum[keep], lon[keep]), np.interp(d, cum[keep], lat[keep]), d


def _check_raw(raw: RawLine) -> tuple[np.ndarray, np.ndarray]:
    lon = np.asarray(raw.lon, dtype=np.float64).ravel()
    lat = np.asarray(raw.lat, dtype=np.float64).ravel()
    if lon.shape != lat.shape or len(lon) < 2:
        raise InputError(f"line {raw.id!r} needs at least 2 points, got {len(lon)}")
    if not (np.isfinite(lon).all() and np.isfinite(lat).all()):
        raise InputError(f"line {raw.id!r} has non-finite coordinates")
    if np.any(np.abs(lat) > 90) or np.any(np.abs(lon) > 180):
        raise InputError(f"line {raw.id!r} has coordinates out of range (expected lon, lat)")
    return lon, lat


def analyze_line(
    raw: RawLine, dem: Dem, *, sample_m: float = 10.0, forest: ForestCover | None = None
) -> SkiLine:
    """Resample a line, orient it top to bottom and compute its DEM profile and stats.

    Parameters
    ----------
    raw
        The line.
    dem
        Elevation model covering the line.
    sample_m
        Sample spacing along the line in metres (0.5-100).
    forest
        Forest cover; gives the line's forest share (unknown without it).

    Returns
    -------
    SkiLine

    Raises
    ------
    InputError
        If the line has fewer than two distinct points or bad coordinates.
    CoverageError
        If part of the line lies outside the DEM.
    """
    if not (0.5 <= sample_m <= 100.0):
        raise InputError(f"sample spacing {sample_m!r} m out of range: use 0.5 to 100 m")
    lon, lat = _check_raw(raw)
    x, y, d = _resample(lon, lat, sample_m)
    if d[-1] <= 0:
        raise InputError(f"line {raw.id!r} ({raw.name}) has zero length")
    z = dem.sample(x, y)
    missing = ~np.isfinite(z)
    if missing.any():
        w, s, e, n = dem.bounds_lonlat
        raise CoverageError(
            f"line {raw.id!r} ({raw.name}) is {missing.mean():.0%} outside the elevation data "
            f"(covers lat {s:.3f}..{n:.3f}, lon {w:.3f}..{e:.3f})"
        )
    if z[-1] > z[0]:  # skied downhill: run from the higher end
        x, y, z = x[::-1], y[::-1], z[::-1]
        d = d[-1] - d[::-1]
    slope, aspect = sample_slope(dem, x, y)
    if not np.isfinite(slope).all():
        # Next to a DEM edge Horn's 3x3 lacks neighbours; fill from the nearest sample.
        good = np.flatnonzero(np.isfinite(slope))
        if good.size == 0:
            raise CoverageError(f"line {raw.id!r} ({raw.name}) has no slope data in the DEM")
        slope = np.interp(d, d[good], slope[good])
    stats = line_stats(d, z, slope, aspect)
    return SkiLine(
        id=raw.id,
        name=raw.name,
        source=raw.source,
        lon=x,
        lat=y,
        ele=z,
        dist_m=d,
        slope_deg=slope,
        aspect_deg=aspect,
        stats=stats,
        tags=dict(raw.tags),
        forest=None if forest is None else forest.contains(x, y),
        dem_cell_m=max(dem.cell_size_m()),
    )


def with_forest(line: SkiLine, forest: ForestCover) -> SkiLine:
    """Return the line with its samples' forest cover (for its forest share and ATES class).

    Parameters
    ----------
    line
        An analysed line.
    forest
        Forest polygons, e.g. from :func:`routeplanner.sources.forest.read_forest`.

    Returns
    -------
    SkiLine
    """
    return dataclasses.replace(line, forest=forest.contains(line.lon, line.lat))


def analyze_lines(
    raws: Iterable[RawLine],
    dem: Dem,
    *,
    sample_m: float = 10.0,
    skip_uncovered: bool = True,
    forest: ForestCover | None = None,
) -> list[SkiLine]:
    """Analyse many lines; lines outside the DEM are skipped (logged) or an error.

    Parameters
    ----------
    raws
        Lines to analyse.
    dem
        Elevation model.
    sample_m
        Sample spacing, see :func:`analyze_line`.
    skip_uncovered
        Skip (with a warning) lines not fully inside the DEM instead of raising.
    forest
        Forest cover, see :func:`analyze_line`.

    Returns
    -------
    list of SkiLine
    """
    out = []
    skipped = []
    for raw in raws:
        try:
            out.append(analyze_line(raw, dem, sample_m=sample_m, forest=forest))
        except CoverageError:
            if not skip_uncovered:
                raise
            skipped.append(raw.id)
    if skipped:
        log.warning(
            "%d line(s) outside the elevation data skipped: %s",
            len(skipped),
            ", ".join(skipped[:5]) + (" …" if len(skipped) > 5 else ""),
        )
    return out


# -- sources ------------------------------------------------------------------------


def osm_lines(net: Network, types: Iterable[str] = PISTE_TYPES) -> list[RawLine]:
    """OSM pistes and ski routes of a network's region.

    Parameters
    ----------
    net
        A network; its ``features`` hold the pistes and aerialways.
    types
        ``piste:type`` values to keep.

    Returns
    -------
    list of RawLine
        One line per way, id ``osm:<way id>``, in the order of the OSM file.
        Closed downhill ways (piste areas) are skipped.
    """
    wanted = {str(t) for t in types}
    out: list[RawLine] = []
    areas = 0
    for f in net.features:
        tags = {str(k): str(v) for k, v in f.get("tags", {}).items()}
        ptype = tags.get("piste:type")
        if ptype not in wanted:
            continue
        lon = np.asarray(f["lon"], dtype=np.float64)
        lat = np.asarray(f["lat"], dtype=np.float64)
        if len(lon) < 2:
            continue
        closed = lon[0] == lon[-1] and lat[0] == lat[-1]
        if closed and (ptype == "downhill" or tags.get("area") == "yes"):
            areas += 1
            continue
        name = tags.get("piste:name") or tags.get("name")
        if not name:
            kind = tags.get("piste:difficulty", ptype)
            name = f"unnamed {kind} piste {f['id']}"
        out.append(RawLine(f"osm:{f['id']}", name, "osm", lon, lat, tags))
    if areas:
        log.info("%d piste areas (closed downhill ways) are not lines; skipped", areas)
    return out


def read_line_file(path: str | Path) -> list[RawLine]:
    """Lines from a GPX (tracks and routes) or GeoJSON (LineString features) file.

    Parameters
    ----------
    path
        ``.gpx``, ``.geojson`` or ``.json`` file.

    Returns
    -------
    list of RawLine
        One line per GPX track (segments joined) or route, or per GeoJSON
        LineString (MultiLineString parts are separate lines); ids
        ``file:<stem>:<n>`` from 1, names from the file or ``<stem> <n>``.

    Raises
    ------
    DataError
        If the file is missing or not valid GPX/GeoJSON.
    InputError
        If the file holds no track, route or LineString.
    """
    p = Path(path)
    if not p.is_file():
        raise DataError(f"line file not found: {p}")
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"cannot read line file {p}: {exc}") from exc
    stripped = text.lstrip()
    if p.suffix.lower() == ".gpx" or stripped.startswith("<"):
        parts = _gpx_parts(p, text)
        kind = "track or route"
    else:
        parts = _geojson_parts(p, text)
        kind = "LineString"
    if not parts:
        raise InputError(f"{p} has no {kind} with at least 2 points")
    out = []
    for i, (name, lon, lat, props) in enumerate(parts, start=1):
        out.append(RawLine(f"file:{p.stem}:{i}", name or f"{p.stem} {i}", "file", lon, lat, props))
    return out


def _gpx_parts(p: Path, text: str) -> list[tuple[str | None, np.ndarray, np.ndarray, dict]]:
    import gpxpy
    import gpxpy.gpx

    try:
        gpx = gpxpy.parse(text)
    except (gpxpy.gpx.GPXException, ValueError) as exc:
        raise DataError(f"not a valid GPX file: {p} ({' '.join(str(exc).split())})") from exc
    parts = []
    for trk in gpx.tracks:
        pts = [pt for seg in trk.segments for pt in seg.points]
        if len(pts) >= 2:
            props = {"description": trk.description} if trk.description else {}
            parts.append(
                (
                    trk.name,
                    np.array([q.longitude for q in pts], dtype=np.float64),
                    np.array([q.latitude for q in pts], dtype=np.float64),
                    props,
                )
            )
    for rte in gpx.routes:
        if len(rte.points) >= 2:
            parts.append(
                (
                    rte.name,
                    np.array([q.longitude for q in rte.points], dtype=np.float64),
                    np.array([q.latitude for q in rte.points], dtype=np.float64),
                    {},
                )
            )
    return parts


def _geojson_parts(p: Path, text: str) -> list[tuple[str | None, np.ndarray, np.ndarray, dict]]:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(f"not a valid GeoJSON file: {p} ({exc})") from exc
    if not isinstance(doc, dict):
        raise DataError(f"not a valid GeoJSON file: {p} (top level is not an object)")
    if doc.get("type") == "FeatureCollection":
        feats = doc.get("features") or []
    elif doc.get("type") == "Feature":
        feats = [doc]
    else:
        feats = [{"type": "Feature", "geometry": doc, "properties": {}}]
    parts = []
    for f in feats:
        if not isinstance(f, dict):
            continue
        geom = f.get("geometry") or {}
        props = f.get("properties") or {}
        props = {str(k): str(v) for k, v in props.items() if isinstance(v, (str, int, float))}
        name = props.get("name") or props.get("title")
        gtype = geom.get("type")
        lines = (
            [geom.get("coordinates")]
            if gtype == "LineString"
            else geom.get("coordinates")
            if gtype == "MultiLineString"
            else []
        )
        for coords in lines or []:
            try:
                arr = np.asarray([c[:2] for c in coords], dtype=np.float64)
            except (TypeError, ValueError, IndexError) as exc:
                raise DataError(f"not a valid GeoJSON file: {p} (bad coordinates)") from exc
            if arr.ndim == 2 and len(arr) >= 2:
                parts.append((name, arr[:, 0], arr[:, 1], props))
    return parts


def parse_slope_window(text: str | Sequence[float]) -> tuple[float, float]:
    """Parse a slope window in degrees, such as ``"30-45"`` or ``"30-45deg"``.

    Parameters
    ----------
    text
        ``"LO-HI"`` with an optional ``deg``/``°`` unit, or a (lo, hi) pair.

    Returns
    -------
    tuple of float
        ``(lo, hi)`` in degrees, ``0 <= lo < hi <= 70``.

    Raises
    ------
    InputError
        If malformed, inverted or out of range (slopes above 70° are cliffs,
        not ski terrain).

    Examples
    --------
    >>> parse_slope_window("30-45")
    (30.0, 45.0)
    """
    if isinstance(text, str):
        raw = text
        t = text.strip().lower().replace("°", "").replace("deg", "").replace("–", "-")
        parts = [q.strip() for q in t.split("-")]
        try:
            lo, hi = (float(q) for q in parts)
        except ValueError:
            raise InputError(
                f"invalid slope window {raw!r}: expected degrees like '30-45'"
            ) from None
    else:
        raw = repr(tuple(text))
        try:
            lo, hi = (float(v) for v in text)
        except (TypeError, ValueError):
            raise InputError(f"invalid slope window {raw}: expected (lo, hi) degrees") from None
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise InputError(f"invalid slope window {raw!r}: bounds must be finite")
    if lo >= hi:
        raise InputError(f"invalid slope window {raw!r}: the low bound must be below the high")
    if not (_MIN_SLOPE_WINDOW_DEG <= lo and hi <= _MAX_SLOPE_WINDOW_DEG):
        raise InputError(
            f"slope window {raw!r} out of range: need 0 <= low < high <= "
            f"{_MAX_SLOPE_WINDOW_DEG:.0f} degrees"
        )
    return lo, hi


def _deg_steps(lat: np.ndarray, step_m: float, aspect: np.ndarray) -> tuple[np.ndarray, ...]:
    rad = np.radians(aspect)
    dlat = step_m * np.cos(rad) / _DEG_M
    dlon = step_m * np.sin(rad) / (_DEG_M * np.cos(np.radians(lat)))
    return dlon, dlat


def _trace(
    dem: Dem,
    lon0: np.ndarray,
    lat0: np.ndarray,
    window: tuple[float, float],
    step_m: float,
    max_length_m: float,
    gap_m: float,
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Steepest-descent traces from many seeds at once; each trimmed to its last in-window point."""
    lo, hi = window
    n = len(lon0)
    max_steps = max(1, math.ceil(max_length_m / step_m))
    xs = np.full((max_steps + 1, n), np.nan)
    ys = np.full((max_steps + 1, n), np.nan)
    xs[0], ys[0] = lon0, lat0
    last_in = np.full(n, -1)
    gap = np.zeros(n)
    active = np.ones(n, dtype=bool)
    z = dem.sample(lon0, lat0)
    active &= np.isfinite(z)
    x, y = lon0.copy(), lat0.copy()
    for k in range(max_steps + 1):
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        s, a = sample_slope(dem, x[idx], y[idx])
        inside = (s >= lo) & (s <= hi)
        last_in[idx[inside]] = k
        gap[idx[inside]] = 0.0
        gap[idx[~inside]] += step_m
        stop = ~np.isfinite(a) | ~np.isfinite(s) | (gap[idx] > gap_m) | (k == max_steps)
        go = idx[~stop]
        active[idx[stop]] = False
        if go.size == 0:
            break
        dlon, dlat = _deg_steps(y[go], step_m, a[~stop])
        nx, ny = x[go] + dlon, y[go] + dlat
        nz = dem.sample(nx, ny)
        # A pit or a zig-zag across a gully bottom: no longer descending.
        down = np.isfinite(nz) & (nz < z[go] - 1e-6)
        active[go[~down]] = False
        ok = go[down]
        x[ok], y[ok], z[ok] = nx[down], ny[down], nz[down]
        xs[k + 1, ok], ys[k + 1, ok] = x[ok], y[ok]
    out = []
    for i in range(n):
        m = last_in[i]
        if m >= 1:
            out.append((xs[: m + 1, i].copy(), ys[: m + 1, i].copy()))
        else:
            out.append((xs[:1, i].copy(), ys[:1, i].copy()))
    return out


def _step_m(dem: Dem, step_m: float | None) -> float:
    if step_m is not None:
        if not (1.0 <= step_m <= 200.0):
            raise InputError(f"trace step {step_m!r} m out of range: use 1 to 200 m")
        return float(step_m)
    dx, dy = dem.cell_size_m()
    return max(5.0, min(dx, dy) / 3.0)


def _dem_id(lon: float, lat: float) -> str:
    return f"dem:{lat:.5f},{lon:.5f}"


def trace_fall_line(
    dem: Dem,
    lon: float,
    lat: float,
    window_deg: tuple[float, float] = (30.0, 45.0),
    *,
    step_m: float | None = None,
    max_length_m: float = 5000.0,
    gap_m: float = 60.0,
) -> RawLine | None:
    """The fall line from one point down through a slope window.

    Parameters
    ----------
    dem
        Elevation model.
    lon, lat
        The top of the line.
    window_deg
        Slope window (lo, hi) in degrees, see :func:`parse_slope_window`.
    step_m
        Step of the steepest-descent trace (default a third of a cell, >= 5 m).
    max_length_m
        Longest line traced.
    gap_m
        Stretches outside the window up to this long do not end the line.

    Returns
    -------
    RawLine or None
        The line (id ``dem:<lat>,<lon>``), or None if the slope at the point is
        outside the window or the trace is shorter than one step.
    """
    lo, hi = parse_slope_window(window_deg)
    ((tx, ty),) = _trace(
        dem,
        np.array([float(lon)]),
        np.array([float(lat)]),
        (lo, hi),
        _step_m(dem, step_m),
        max_length_m,
        gap_m,
    )
    if len(tx) < 2:
        return None
    return RawLine(_dem_id(lon, lat), f"fall line from {lat:.4f},{lon:.4f}", "dem", tx, ty, {})


def dem_lines(
    dem: Dem,
    window_deg: tuple[float, float] = (30.0, 45.0),
    *,
    min_drop_m: float = 300.0,
    bbox: tuple[float, float, float, float] | None = None,
    spacing_m: float = 250.0,
    max_lines: int = 50,
    step_m: float | None = None,
    max_length_m: float = 5000.0,
    gap_m: float = 60.0,
) -> list[RawLine]:
    """Candidate ski lines: fall lines through a slope window with a minimum drop.

    Seeds are the DEM cells inside the window whose upslope neighbour (one cell
    against the aspect) is not: the top edge of each steep zone. From every seed
    :func:`trace_fall_line`'s steepest-descent trace runs downhill; lines with
    at least ``min_drop_m`` of drop are kept, most drop first, skipping any line
    with more than 30 % of its length within ``spacing_m`` of a kept line.

    Parameters
    ----------
    dem
        Elevation model.
    window_deg
        Slope window (lo, hi) in degrees.
    min_drop_m
        Minimum vertical drop of a line (> 0).
    bbox
        (west, south, east, north): only seeds inside it (default the whole DEM).
    spacing_m
        Minimum spacing between kept lines.
    max_lines
        Most lines returned.
    step_m, max_length_m, gap_m
        See :func:`trace_fall_line`.

    Returns
    -------
    list of RawLine
        Ids ``dem:<lat>,<lon>`` of the top, names ``fall line N`` by drop.

    Raises
    ------
    InputError
        If the window, drop or spacing is out of range.
    """
    import shapely

    lo, hi = parse_slope_window(window_deg)
    if not (math.isfinite(min_drop_m) and 0 < min_drop_m <= 5000):
        raise InputError(f"minimum drop {min_drop_m!r} m out of range: use 1 to 5000 m")
    if not (math.isfinite(spacing_m) and 10 <= spacing_m <= 5000):
        raise InputError(f"line spacing {spacing_m!r} m out of range: use 10 to 5000 m")
    if int(max_lines) < 1:
        raise InputError(f"max_lines must be >= 1, got {max_lines!r}")
    step = _step_m(dem, step_m)
    slope, aspect = slope_aspect(dem)
    rows, cols = np.nonzero((slope >= lo) & (slope <= hi) & np.isfinite(aspect))
    if rows.size == 0:
        return []
    t = dem.transform
    cx, cy = t @ (cols + 0.5, rows + 0.5)
    lon, lat = _to_lonlat(dem, np.asarray(cx), np.asarray(cy))
    if bbox is not None:
        bw, bs, be, bn = bbox
        inb = (lon >= bw) & (lon <= be) & (lat >= bs) & (lat <= bn)
        lon, lat, rows, cols = lon[inb], lat[inb], rows[inb], cols[inb]
    if lon.size == 0:
        return []
    dx, dy = dem.cell_size_m()
    cell = max(dx, dy)
    up_lon, up_lat = _deg_steps(lat, -cell, aspect[rows, cols].astype(np.float64))
    s_up, _ = sample_slope(dem, lon + up_lon, lat + up_lat)
    seed = ~((s_up >= lo) & (s_up <= hi))
    lon, lat = lon[seed], lat[seed]
    log.debug("dem_lines: %d seeds in window %s-%s°", lon.size, lo, hi)
    traces = _trace(dem, lon, lat, (lo, hi), step, max_length_m, gap_m)
    z0 = dem.sample(lon, lat)
    cands = []
    for i, (tx, ty) in enumerate(traces):
        if len(tx) < 2:
            continue
        drop = float(z0[i] - dem.sample(tx[-1], ty[-1]))
        if drop >= min_drop_m:
            cands.append((drop, i, tx, ty))
    cands.sort(key=lambda c: (-c[0], c[1]))
    lat0 = float(np.mean(lat)) if lat.size else 0.0
    kept: list[tuple[float, np.ndarray, np.ndarray]] = []
    taken = None
    for drop, _i, tx, ty in cands:
        gx, gy = _local_xy(tx, ty, lat0)
        geom = shapely.linestrings(np.column_stack([gx, gy]))
        if taken is not None and geom.length > 0:
            if shapely.intersection(geom, taken).length > 0.3 * geom.length:
                continue
        kept.append((drop, tx, ty))
        buf = shapely.buffer(geom, spacing_m)
        taken = buf if taken is None else shapely.union(taken, buf)
        if len(kept) >= int(max_lines):
            break
    out = []
    for k, (drop, tx, ty) in enumerate(kept, start=1):
        _, asp = sample_slope(dem, tx, ty)
        face = aspect_name(circular_aspect(asp)[0])
        name = f"fall line {k} ({face} face, {drop:.0f} m)"
        out.append(RawLine(_dem_id(float(tx[0]), float(ty[0])), name, "dem", tx, ty, {}))
    return out


def _to_lonlat(dem: Dem, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if dem.crs.to_epsg() == 4326:
        return x, y
    import pyproj

    tr = pyproj.Transformer.from_crs(dem.crs.to_wkt(), "EPSG:4326", always_xy=True)
    lon, lat = tr.transform(x, y)
    return np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)


# -- selection ----------------------------------------------------------------------


def _norm(text: str) -> str:
    """Case-, accent- and punctuation-insensitive form of a name for matching."""
    decomposed = unicodedata.normalize("NFKD", str(text))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    plain = "".join(c if c.isalnum() else " " for c in plain)
    return " ".join(plain.split())


def _id_keys(line_id: str) -> set[str]:
    keys = {line_id.casefold()}
    if line_id.startswith("osm:"):
        num = line_id[4:]
        keys |= {num, f"way/{num}", f"w{num}"}
    return keys


def find_line(lines: Sequence[SkiLine | RawLine], query: str) -> SkiLine | RawLine:
    """The line a user means by a name or id.

    Parameters
    ----------
    lines
        Candidates.
    query
        An id (``osm:123``, ``123``, ``way/123``, ``file:x:1``, ``dem:…``) or a
        name, matched ignoring case, accents and punctuation.

    Returns
    -------
    SkiLine or RawLine
        The one matching line.

    Raises
    ------
    InputError
        If nothing matches (close matches are listed) or a name is ambiguous
        (the matching ids are listed).
    """
    q = str(query).strip()
    if not q:
        raise InputError("empty line name: give a line name or id")
    by_id = [ln for ln in lines if q.casefold() in _id_keys(ln.id)]
    if by_id:
        return by_id[0]
    nq = _norm(q)
    by_name = [ln for ln in lines if _norm(ln.name) == nq]
    if len(by_name) == 1:
        return by_name[0]
    if len(by_name) > 1:
        desc = ", ".join(
            f"{ln.id} ({ln.tags.get('piste:difficulty', ln.source)})" for ln in by_name[:8]
        )
        raise InputError(f"line name {q!r} is ambiguous: {desc}; give one of these ids")
    names = {}
    for ln in lines:
        names.setdefault(_norm(ln.name), ln.name)
    close = difflib.get_close_matches(nq, list(names), n=5, cutoff=0.6)
    if close:
        shown = ", ".join(repr(names[c]) for c in close)
        raise InputError(f"unknown line {q!r}; close matches: {shown}")
    raise InputError(
        f"unknown line {q!r}: no close match among {len(lines)} lines "
        "(list them with `routeplanner lines`)"
    )


def filter_lines(
    lines: Iterable[SkiLine],
    *,
    near: tuple[float, float] | None = None,
    within_m: float | None = None,
    min_slope_deg: float | None = None,
) -> list[SkiLine]:
    """Lines near a point and/or with a steep enough 50 m.

    Parameters
    ----------
    lines
        Analysed lines.
    near
        (lon, lat): keep lines with any sample within ``within_m`` of it.
    within_m
        Radius for ``near`` (default 5 km).
    min_slope_deg
        Keep lines whose ``slope_max_deg`` is at least this.

    Returns
    -------
    list of SkiLine
        Matching lines, nearest first when ``near`` is given (else as given).
    """
    out = []
    radius = 5000.0 if within_m is None else float(within_m)
    if min_slope_deg is not None and not (0 <= min_slope_deg <= 90):
        raise InputError(f"minimum slope {min_slope_deg!r}° out of range: use 0 to 90")
    for ln in lines:
        if min_slope_deg is not None and not ln.stats.slope_max_deg >= min_slope_deg:
            continue
        if near is not None:
            d = float(np.min(haversine_m(ln.lon, ln.lat, near[0], near[1])))
            if d > radius:
                continue
            out.append((d, ln))
        else:
            out.append((0.0, ln))
    if near is not None:
        out.sort(key=lambda p: p[0])
    return [ln for _, ln in out]


# -- output -------------------------------------------------------------------------


def slope_color(slope_deg: float) -> str:
    """Map colour of a slope angle: the colour of its CalTopo band (:data:`BAND_COLORS`)."""
    if not math.isfinite(slope_deg):
        return "#9e9e9e"
    idx = int(np.searchsorted([b[1] for b in BANDS[1:]], round(slope_deg, 1), side="right"))
    return BAND_COLORS[idx]


def line_feature(line: SkiLine) -> dict[str, Any]:
    """A ski line as a GeoJSON LineString Feature with ``[lon, lat, ele]`` coordinates.

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
    from routeplanner.output.export import segment_feature

    props: dict[str, Any] = {"kind": "ski_line"}
    props.update(line.summary())
    props.setdefault("piste_type", None)
    props.setdefault("difficulty", None)
    props["stroke"] = slope_color(line.stats.slope_max_deg)
    return segment_feature(line.lon, line.lat, line.ele, props)


def line_popup_html(line: SkiLine) -> str:
    """Stats of a line as a small HTML table (names escaped), for map popups."""

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
    return [
        ("Ski grade", f"{g.ski_grade} ({g.ski_grade_note})"),
        (
            "Longest pitch 30/35/40/45°",
            f"{p['30']:.0f} / {p['35']:.0f} / {p['40']:.0f} / {p['45']:.0f} m vertical",
        ),
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
    """An RFC 7946 FeatureCollection of ski lines (see :func:`line_feature`).

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
    """A folium layer drawing each line in the colour of its steepest 50 m, stats in a popup.

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
        Add it to a map with ``layer.add_to(m)``.
    """

    import folium

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


def add_line_layer(m: Any, lines: Sequence[SkiLine]) -> Any:
    """Add :func:`line_layer` to a finished map, listed in its layer control.

    folium's layer control names its layers in a script rendered where the
    control sits among the map's children, so the new layer is placed before
    it; otherwise the control would refer to a layer not yet created.

    Parameters
    ----------
    m
        A folium map (e.g. from :func:`routeplanner.output.maps.route_map`).
    lines
        The lines.

    Returns
    -------
    folium.GeoJson
        The layer added.
    """
    import folium

    controls = [(k, c) for k, c in m._children.items() if isinstance(c, folium.LayerControl)]
    for k, _ in controls:
        del m._children[k]
    layer = line_layer(lines)
    layer.add_to(m)
    for k, c in controls:
        m._children[k] = c
    return layer
