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
import logging
import math
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple, TypeVar

import numpy as np
from numpy.typing import ArrayLike

from routeplanner._geo import COMPASS, compass_name, haversine_m
from routeplanner.errors import CoverageError, InputError
from routeplanner.network.model import Network
from routeplanner.skilines.grading import SkiGrading, grade_line, sample_weights
from routeplanner.sources.dem import Dem
from routeplanner.sources.forest import ForestCover
from routeplanner.terrain import (
    BANDS,
    band_shares,
    max_grade,
    max_window_mean,
    sample_slope,
)

__all__ = [
    "PISTE_TYPES",
    "LineStats",
    "RawLine",
    "SkiLine",
    "analyze_line",
    "analyze_lines",
    "circular_aspect",
    "filter_lines",
    "find_line",
    "line_stats",
    "osm_lines",
    "with_forest",
]

log = logging.getLogger(__name__)

#: Piste types that make ski lines (sled runs, hikes and ice rinks do not).
PISTE_TYPES: frozenset[str] = frozenset({"downhill", "skitour", "backcountry", "nordic"})

_WINDOW_M = 50.0  # "max over 50 m" for slope and pitch


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
        """Return rounded values for JSON output."""

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
                c: round(s, 3) for c, s in zip(COMPASS, self.aspect_shares, strict=True)
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
        return math.nan, math.nan, tuple(0.0 for _ in COMPASS)
    rad = np.radians(a[ok])
    east = float(np.sum(w[ok] * np.sin(rad))) / total
    north = float(np.sum(w[ok] * np.cos(rad))) / total
    r = min(math.hypot(east, north), 1.0)
    mean = math.degrees(math.atan2(east, north)) % 360.0 if r > 1e-9 else math.nan
    spread = math.degrees(math.sqrt(-2.0 * math.log(r))) if r > 1e-12 else 180.0
    sector = np.floor((a[ok] % 360.0) / 45.0 + 0.5).astype(np.intp) % 8
    sums = np.bincount(sector, weights=w[ok], minlength=8)
    return mean, spread, tuple(float(x) / total for x in sums)


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
    w = sample_weights(d)
    length = float(d[-1] - d[0])
    top, bottom = float(z.max()), float(z.min())
    slope_mean = float(np.sum(w * s) / length) if length > 0 else float(s.mean())
    slope_max = max_window_mean(d, s, window_m=_WINDOW_M)
    mean_a, spread_a, shares_a = circular_aspect(a, w if length > 0 else None)
    # Pitch: elevation change across each 50 m window of the line itself.
    pitch_max = math.degrees(math.atan(max_grade(d, z, window_m=_WINDOW_M)))
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
        aspect=compass_name(mean_a),
        aspect_spread_deg=spread_a,
        aspect_shares=shares_a,
        pitch_mean_deg=pitch_mean,
        pitch_max_deg=pitch_max,
    )


# -- geometry helpers ---------------------------------------------------------------


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


#: A raw or an analysed line.
_L = TypeVar("_L", SkiLine, RawLine)


def find_line(lines: Sequence[_L], query: str) -> _L:
    """Return the line a user means by a name or id.

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
    names: dict[str, str] = {}
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
