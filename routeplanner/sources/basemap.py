"""What a map draws when no tiles load: roads, trails, water and named places from OSM.

One pass over the region's OSM file (pyosmium, as :mod:`routeplanner.sources.osm`)
collects

- lines by class: major and minor roads, tracks, paths, rivers, streams, and the
  outer rings of lakes and reservoirs (multipolygons assembled by osmium);
- points: towns, villages, hamlets, peaks, saddles and huts/shelters, with their
  names (control characters stripped; they stay untrusted text) and heights.

The result is plain arrays, so it can be cached beside the network (see
:func:`routeplanner.output.map_basemap.basemap_for`) and clipped to a map's area.
"""

from __future__ import annotations

import logging
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from routeplanner.errors import DataError

__all__ = [
    "BASEMAP_VERSION",
    "LINE_CLASSES",
    "POINT_KINDS",
    "BasemapFeatures",
    "read_basemap",
]

log = logging.getLogger(__name__)

#: Version of what :func:`read_basemap` collects (part of the cache key).
BASEMAP_VERSION = 1

#: Line classes, drawn in this order (lakes first, paths last).
LINE_CLASSES: tuple[str, ...] = (
    "lake",
    "river",
    "stream",
    "track",
    "path",
    "minor_road",
    "major_road",
)
#: Point kinds, most important first (labels are placed in this order).
POINT_KINDS: tuple[str, ...] = ("town", "village", "peak", "hut", "saddle", "hamlet")

_HIGHWAY = {
    **dict.fromkeys(
        "motorway trunk primary secondary motorway_link trunk_link primary_link"
        " secondary_link".split(),
        "major_road",
    ),
    **dict.fromkeys(
        "tertiary tertiary_link unclassified residential living_street service"
        " pedestrian road".split(),
        "minor_road",
    ),
    "track": "track",
    **dict.fromkeys(("path", "footway", "bridleway", "steps", "cycleway"), "path"),
}
_WATERWAY = {"river": "river", "canal": "river", "stream": "stream"}
_PLACE = {"city": "town", "town": "town", "village": "village", "hamlet": "hamlet"}
_HUTS = {("tourism", "alpine_hut"), ("tourism", "wilderness_hut"), ("amenity", "shelter")}
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _point_kind(tags: Any) -> str | None:
    place = _PLACE.get(tags.get("place", ""))
    if place is not None:
        return place
    natural = tags.get("natural", "")
    if natural == "peak":
        return "peak"
    if natural == "saddle" or tags.get("mountain_pass") == "yes":
        return "saddle"
    if any(tags.get(k) == v for k, v in _HUTS):
        return "hut"
    return None


def _ele(text: str | None) -> float:
    try:
        value = float(str(text).replace(",", ".").removesuffix("m").strip())
    except ValueError:
        return math.nan
    return value if -500 < value < 9000 else math.nan


@dataclass(frozen=True)
class BasemapFeatures:
    """Lines and named points of a basemap, as flat arrays.

    Attributes
    ----------
    line_lon, line_lat : numpy.ndarray
        Every line's points, concatenated.
    line_offsets : numpy.ndarray
        Line ``i`` is ``line_lon[line_offsets[i]:line_offsets[i + 1]]``.
    line_class : numpy.ndarray
        Index into :data:`LINE_CLASSES` per line.
    pt_lon, pt_lat, pt_ele : numpy.ndarray
        Points (height NaN when not tagged).
    pt_kind : numpy.ndarray
        Index into :data:`POINT_KINDS` per point.
    names : tuple of str
        Name per point (may be empty; untrusted text).
    """

    line_lon: np.ndarray
    line_lat: np.ndarray
    line_offsets: np.ndarray
    line_class: np.ndarray
    pt_lon: np.ndarray
    pt_lat: np.ndarray
    pt_ele: np.ndarray
    pt_kind: np.ndarray
    names: tuple[str, ...]

    @property
    def n_lines(self) -> int:
        """Number of lines."""
        return len(self.line_class)

    def arrays(self) -> dict[str, np.ndarray]:
        """Every array by name (the names are kept apart: see :meth:`from_arrays`)."""
        return {
            k: getattr(self, k)
            for k in (
                "line_lon",
                "line_lat",
                "line_offsets",
                "line_class",
                "pt_lon",
                "pt_lat",
                "pt_ele",
                "pt_kind",
            )
        }

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray], names: list[str]) -> BasemapFeatures:
        """Rebuild from :meth:`arrays` and the names; raises ValueError if they disagree."""
        f = cls(**{k: np.asarray(arrays[k]) for k in cls.empty().arrays()}, names=tuple(names))
        if (
            len(f.line_offsets) != f.n_lines + 1
            or int(f.line_offsets[-1]) != len(f.line_lon)
            or len(f.line_lat) != len(f.line_lon)
            or len(f.names) != len(f.pt_kind)
            or not len(f.pt_lon) == len(f.pt_lat) == len(f.pt_ele) == len(f.pt_kind)
            or (f.n_lines and int(f.line_class.max()) >= len(LINE_CLASSES))
            or (len(f.pt_kind) and int(f.pt_kind.max()) >= len(POINT_KINDS))
        ):
            raise ValueError("basemap arrays do not fit together")
        return f

    @classmethod
    def empty(cls) -> BasemapFeatures:
        """Return a basemap with nothing in it."""
        z = np.zeros(0)
        return cls(
            z,
            z,
            np.zeros(1, dtype=np.int64),
            np.zeros(0, dtype=np.uint8),
            z,
            z,
            z,
            np.zeros(0, dtype=np.uint8),
            (),
        )

    def clip(self, bbox: tuple[float, float, float, float]) -> BasemapFeatures:
        """Keep the lines that reach into ``bbox`` (whole) and the points inside it."""
        w, s, e, n = bbox
        off = self.line_offsets
        if self.n_lines:
            starts = off[:-1]
            lo_min = np.minimum.reduceat(self.line_lon, starts)
            lo_max = np.maximum.reduceat(self.line_lon, starts)
            la_min = np.minimum.reduceat(self.line_lat, starts)
            la_max = np.maximum.reduceat(self.line_lat, starts)
            keep = np.flatnonzero((lo_max >= w) & (lo_min <= e) & (la_max >= s) & (la_min <= n))
        else:
            keep = np.zeros(0, dtype=np.intp)
        lens = (off[keep + 1] - off[keep]).astype(np.int64)
        idx = np.zeros(0, dtype=np.intp)
        if len(keep):
            idx = np.concatenate([np.arange(off[i], off[i + 1]) for i in keep])
        pts = np.flatnonzero(
            (self.pt_lon >= w) & (self.pt_lon <= e) & (self.pt_lat >= s) & (self.pt_lat <= n)
        )
        return BasemapFeatures(
            self.line_lon[idx],
            self.line_lat[idx],
            np.concatenate(([0], np.cumsum(lens))).astype(np.int64),
            self.line_class[keep],
            self.pt_lon[pts],
            self.pt_lat[pts],
            self.pt_ele[pts],
            self.pt_kind[pts],
            tuple(self.names[i] for i in pts.tolist()),
        )


class _Collector:
    def __init__(self) -> None:
        self.lines: list[tuple[int, list[float], list[float]]] = []
        self.points: list[tuple[float, float, float, int, str]] = []

    def line(self, cls: str, nodes: Any) -> None:
        lon, lat = [], []
        for node in nodes:
            if node.location.valid():
                lon.append(node.location.lon)
                lat.append(node.location.lat)
        if len(lon) >= 2:
            self.lines.append((LINE_CLASSES.index(cls), lon, lat))

    def point(self, lon: float, lat: float, tags: Any, kind: str) -> None:
        name = _CONTROL_RE.sub("", tags.get("name") or "").strip()
        if not name and kind != "hut":
            return
        self.points.append((lon, lat, _ele(tags.get("ele")), POINT_KINDS.index(kind), name))

    def take(self, obj: Any, osmium: Any) -> None:
        tags = obj.tags
        if isinstance(obj, osmium.osm.Area):
            if tags.get("natural") == "water" or tags.get("landuse") == "reservoir":
                for ring in obj.outer_rings():
                    self.line("lake", ring)
            return
        if isinstance(obj, osmium.osm.Way):
            cls = _HIGHWAY.get(tags.get("highway", "")) or _WATERWAY.get(tags.get("waterway", ""))
            if cls is not None:
                self.line(cls, obj.nodes)
                return
            kind = _point_kind(tags)  # a hut or place drawn as an outline
            locs = [n.location for n in obj.nodes if n.location.valid()]
            if kind is not None and locs:
                lon = sum(x.lon for x in locs) / len(locs)
                self.point(lon, sum(x.lat for x in locs) / len(locs), tags, kind)
            return
        if isinstance(obj, osmium.osm.Node):
            kind = _point_kind(tags)
            if kind is not None and obj.location.valid():
                self.point(obj.location.lon, obj.location.lat, tags, kind)

    def features(self) -> BasemapFeatures:
        lens = np.array([len(lo) for _, lo, _ in self.lines], dtype=np.int64)
        pts = self.points
        return BasemapFeatures(
            np.array([x for _, lo, _ in self.lines for x in lo], dtype=np.float64),
            np.array([y for _, _, la in self.lines for y in la], dtype=np.float64),
            np.concatenate(([0], np.cumsum(lens))).astype(np.int64),
            np.array([c for c, _, _ in self.lines], dtype=np.uint8),
            np.array([p[0] for p in pts], dtype=np.float64),
            np.array([p[1] for p in pts], dtype=np.float64),
            np.array([p[2] for p in pts], dtype=np.float64),
            np.array([p[3] for p in pts], dtype=np.uint8),
            tuple(p[4] for p in pts),
        )


def read_basemap(path: str | os.PathLike[str]) -> BasemapFeatures:
    """Read the roads, trails, water and named places of an OSM file.

    ``path`` is any extract pyosmium reads (PBF or XML, plain or compressed).
    Returns the features; raises :class:`~routeplanner.errors.DataError` when the
    file is missing or unreadable.
    """
    import osmium  # (here: maps from a cached basemap never load it)

    from routeplanner.sources.osm import _check_path

    path = Path(path)
    _check_path(path)
    water = (("natural", "water"), ("landuse", "reservoir"))
    keys = ("highway", "waterway", "place", "natural", "mountain_pass", "tourism", "amenity")
    out = _Collector()
    try:
        processor = (
            osmium.FileProcessor(str(path))
            .with_areas(osmium.filter.TagFilter(*water))
            .with_filter(osmium.filter.KeyFilter(*keys, "landuse"))
        )
        for obj in processor:
            out.take(obj, osmium)
    except (RuntimeError, ValueError, OSError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataError(f"not a readable OSM file: {path} ({reason})") from exc
    feats = out.features()
    log.info(
        "read a basemap from %s: %d lines, %d places", path.name, feats.n_lines, len(feats.names)
    )
    return feats
