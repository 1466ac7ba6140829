"""Trailheads: where a club's routes start.

By default they come from the region's OSM file: car parks (``amenity=parking``), public
transport stops (``highway=bus_stop``, ``public_transport=platform|stop_position|station``,
``railway=station|halt``), huts (``tourism=alpine_hut|wilderness_hut``) and village centres
(``place=village|town|hamlet|city``). Points closer than 300 m are merged (the one of the
highest priority stands for the group: hut, then station, then car park, then village) and
only those with trail within 500 m are kept. A GeoJSON file of points can list them
instead. An unnamed trailhead is named for people by its kind and the nearest named
place ("Parking, Ordino"; :func:`name_unnamed`), never by its OSM id.
"""

from __future__ import annotations

import json
import math
import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import osmium
from scipy.spatial import cKDTree

from routeplanner.errors import DataError, InputError
from routeplanner.network.model import Network

__all__ = [
    "KIND_NAMES",
    "KIND_PRIORITY",
    "MERGE_M",
    "PLACE_WITHIN_M",
    "TRAIL_WITHIN_M",
    "Trailhead",
    "keep_near_trails",
    "merge_close",
    "name_unnamed",
    "read_trailhead_file",
    "trailheads_from_osm",
]

#: Points closer than this are one trailhead.
MERGE_M = 300.0
#: A trailhead needs trail within this distance.
TRAIL_WITHIN_M = 500.0
#: Which kind stands for a merged group (lower first).
KIND_PRIORITY = {"hut": 0, "station": 1, "parking": 2, "village": 3, "point": 4}
#: How an unnamed trailhead of each kind is called ("Parking, Ordino").
KIND_NAMES = {"hut": "Hut", "station": "Stop", "parking": "Parking", "village": "Village"}
#: The nearest named place this close names an unnamed trailhead; farther, its position does.
PLACE_WITHIN_M = 5000.0

_EARTH_M_PER_DEG = math.pi / 180 * 6_371_008.8


@dataclass(frozen=True)
class Trailhead:
    """A start point of catalogue routes.

    Attributes
    ----------
    id : str
        Stable id (from the OSM element, or the file's ``id`` property).
    name : str
        Name as in OSM or the file (may be empty).
    kind : str
        ``hut``, ``station``, ``parking``, ``village`` or ``point``.
    lon, lat : float
        Position.
    """

    id: str
    name: str
    kind: str
    lon: float
    lat: float

    @property
    def label(self) -> str:
        """Name, or the kind and position when unnamed ("Parking at 42.5450,1.5148")."""
        return self.name or f"{KIND_NAMES.get(self.kind, 'Start')} at {self.lat:.4f},{self.lon:.4f}"


def _kind(tags: osmium.osm.TagList) -> str | None:
    """Kind of trailhead an OSM element's tags make it, or None."""
    if tags.get("tourism") in ("alpine_hut", "wilderness_hut"):
        return "hut"
    if (
        tags.get("highway") == "bus_stop"
        or tags.get("public_transport") in ("platform", "stop_position", "station")
        or tags.get("railway") in ("station", "halt")
    ):
        return "station"
    if tags.get("amenity") == "parking":
        return "parking"
    if tags.get("place") in ("village", "town", "hamlet", "city"):
        return "village"
    return None


def _position(obj: object) -> tuple[str, float, float] | None:
    """Id and position of a node, or of a way at the mean of its nodes."""
    if isinstance(obj, osmium.osm.Node):
        if not obj.location.valid():
            return None
        return f"n{obj.id}", float(obj.location.lon), float(obj.location.lat)
    if isinstance(obj, osmium.osm.Way):
        pts = [(n.location.lon, n.location.lat) for n in obj.nodes if n.location.valid()]
        if not pts:
            return None
        lon = float(np.mean([p[0] for p in pts]))
        lat = float(np.mean([p[1] for p in pts]))
        return f"w{obj.id}", lon, lat
    return None


def trailheads_from_osm(
    osm: str | os.PathLike[str], *, bbox: tuple[float, float, float, float] | None = None
) -> list[Trailhead]:
    """Read candidate trailheads (not yet merged) from an OSM file.

    Parameters
    ----------
    osm
        OSM file (PBF or XML).
    bbox
        ``(west, south, east, north)``: keep only points inside.

    Returns
    -------
    list of Trailhead
        Nodes as they are; areas (car parks, huts drawn as buildings) at their centroid
        of nodes. Sorted by id.
    """
    path = Path(osm)
    if not path.is_file():
        raise DataError(f"OSM file not found: {path}")
    keys = osmium.filter.KeyFilter(
        "amenity", "tourism", "highway", "public_transport", "railway", "place"
    )
    out: list[Trailhead] = []
    fp = osmium.FileProcessor(str(path)).with_locations().with_filter(keys)
    for obj in fp:
        if isinstance(obj, osmium.osm.Changeset):
            continue
        kind = _kind(obj.tags)
        if kind is None:
            continue
        where = _position(obj)
        if where is None:
            continue
        oid, lon, lat = where
        if bbox is not None and not (bbox[0] <= lon <= bbox[2] and bbox[1] <= lat <= bbox[3]):
            continue
        out.append(Trailhead(oid, obj.tags.get("name") or "", kind, lon, lat))
    return sorted(out, key=lambda t: t.id)


def _xy(points: Sequence[Trailhead]) -> np.ndarray:
    """Local metres (equirectangular about the points' mean latitude)."""
    lat0 = math.radians(float(np.mean([p.lat for p in points])))
    return np.array(
        [[p.lon * math.cos(lat0) * _EARTH_M_PER_DEG, p.lat * _EARTH_M_PER_DEG] for p in points]
    )


def merge_close(points: Sequence[Trailhead], *, within_m: float = MERGE_M) -> list[Trailhead]:
    """Merge points closer than ``within_m``: the best by priority stands for its group.

    Greedy and deterministic: points are taken by (priority, named first, id); each
    absorbs every not-yet-taken point within ``within_m`` of it.

    Examples
    --------
    >>> a = Trailhead("n1", "Car park", "parking", 1.5, 42.5)
    >>> b = Trailhead("n2", "Refugi", "hut", 1.5012, 42.5)  # about 100 m east
    >>> c = Trailhead("n3", "Far", "parking", 1.52, 42.5)  # about 1.6 km east
    >>> [t.id for t in merge_close([a, b, c])]
    ['n2', 'n3']
    """
    if not points:
        return []
    order = sorted(
        range(len(points)),
        key=lambda i: (KIND_PRIORITY.get(points[i].kind, 9), not points[i].name, points[i].id),
    )
    xy = _xy(points)
    taken = np.zeros(len(points), dtype=bool)
    out = []
    for i in order:
        if taken[i]:
            continue
        d = np.hypot(*(xy - xy[i]).T)
        taken |= d < within_m
        out.append(points[i])
    return sorted(out, key=lambda t: t.id)


def name_unnamed(
    points: Sequence[Trailhead], places: Sequence[Trailhead], *, within_m: float = PLACE_WITHIN_M
) -> list[Trailhead]:
    """Name every unnamed trailhead by its kind and the nearest named place within ``within_m``.

    Parameters
    ----------
    points
        The trailheads.
    places
        Named places (villages, towns, hamlets: ``kind == "village"``); others are ignored.
    within_m
        Farthest place that names a trailhead; beyond it the trailhead keeps no name and
        its :attr:`Trailhead.label` gives its position.

    Returns
    -------
    list of Trailhead
        In the same order; named ones unchanged; a name given twice is numbered ("(2)").

    Examples
    --------
    >>> ordino = Trailhead("n1", "Ordino", "village", 1.5330, 42.5560)
    >>> lot = Trailhead("n2", "", "parking", 1.5340, 42.5570)
    >>> [t.name for t in name_unnamed([lot], [ordino])]
    ['Parking, Ordino']
    """
    named = [p for p in places if p.kind == "village" and p.name]
    if not named or all(p.name for p in points):
        return list(points)
    xy = _xy([*named, *points])
    tree = cKDTree(xy[: len(named)])
    dist, idx = tree.query(xy[len(named) :])
    out, seen = [], Counter(p.name for p in points if p.name)
    for p, d, i in zip(points, dist, idx, strict=True):
        if not p.name and d <= within_m:
            name = f"{KIND_NAMES.get(p.kind, 'Start')}, {named[int(i)].name}"
            seen[name] += 1  # a second "Stop, Canillo" is "Stop, Canillo (2)"
            p = replace(p, name=name if seen[name] == 1 else f"{name} ({seen[name]})")
        out.append(p)
    return out


def keep_near_trails(
    points: Sequence[Trailhead], net: Network, *, within_m: float = TRAIL_WITHIN_M
) -> list[Trailhead]:
    """Keep the points with a trail edge within ``within_m``."""
    trail = np.asarray(net.edge_class) == 0
    if not trail.any() or not points:
        return []
    # every profile point (<= 20 m apart) of a trail edge, as one cloud
    offs = np.asarray(net.prof_offsets)
    on_trail = np.repeat(trail, np.diff(offs))
    lon = np.asarray(net.prof_lon)[on_trail]
    lat = np.asarray(net.prof_lat)[on_trail]
    lat0 = math.radians(float(np.mean(lat)))
    tree = cKDTree(
        np.column_stack([lon * math.cos(lat0) * _EARTH_M_PER_DEG, lat * _EARTH_M_PER_DEG])
    )
    px = np.array([p.lon for p in points]) * math.cos(lat0) * _EARTH_M_PER_DEG
    py = np.array([p.lat for p in points]) * _EARTH_M_PER_DEG
    dist, _ = tree.query(np.column_stack([px, py]))
    return [p for p, d in zip(points, dist, strict=True) if d <= within_m]


def read_trailhead_file(path: str | os.PathLike[str]) -> list[Trailhead]:
    """Trailheads from a GeoJSON FeatureCollection of Points (``name``, ``id`` optional).

    Raises
    ------
    InputError
        If the file is not such a collection, naming the first bad feature.
    """
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"trailhead file not found: {p}") from None
    except ValueError as exc:  # JSONDecodeError, UTF-8, or an int over int()'s digit limit
        raise InputError(f"{p} is not GeoJSON: {exc}") from None
    feats = data.get("features") if isinstance(data, dict) else None
    if not isinstance(feats, list):
        raise InputError(f"{p}: expected a GeoJSON FeatureCollection of Point features")
    out = []
    for i, f in enumerate(feats):
        geom = f.get("geometry") if isinstance(f, dict) else None
        coords = geom.get("coordinates") if isinstance(geom, dict) else None
        if (
            not isinstance(geom, dict)
            or geom.get("type") != "Point"
            or not (
                isinstance(coords, list)
                and len(coords) >= 2
                and all(isinstance(c, int | float) for c in coords[:2])
            )
        ):
            raise InputError(f"{p}: feature {i} is not a Point with [lon, lat] coordinates")
        lon, lat = float(coords[0]), float(coords[1])
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise InputError(f"{p}: feature {i} has coordinates out of range: {lon}, {lat}")
        props = f.get("properties")
        props = props if isinstance(props, dict) else {}
        out.append(
            Trailhead(str(props.get("id", f"f{i}")), str(props.get("name", "")), "point", lon, lat)
        )
    return out
