"""Read the places a safety sheet needs from an OSM file: water, shelter, peaks, escapes.

One pass of pyosmium with a tag filter in C++ picks the few tagged objects out
of the extract; closed ways and multipolygons become areas (huts drawn as
buildings, forests), whose centres stand for point places.  The result holds
plain frozen dataclasses and shapely geometries, so it pickles into a cache.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shapely

from routeplanner._docstrings import fill
from routeplanner.errors import DataError
from routeplanner.sources import OSM_PATH_DOC

__all__ = ["POI_TAGS", "Poi", "Pois", "read_pois"]

log = logging.getLogger(__name__)

#: ``(key, value) -> kind`` of every place read; the kind names the list it goes to.
POI_TAGS: dict[tuple[str, str], tuple[str, str]] = {
    ("amenity", "drinking_water"): ("water", "drinking_water"),
    ("natural", "spring"): ("water", "spring"),
    ("amenity", "fountain"): ("water", "fountain"),
    ("tourism", "alpine_hut"): ("shelters", "alpine_hut"),
    ("tourism", "wilderness_hut"): ("shelters", "wilderness_hut"),
    ("amenity", "shelter"): ("shelters", "shelter"),
    ("natural", "peak"): ("peaks", "peak"),
    ("mountain_pass", "yes"): ("passes", "pass"),
    ("natural", "saddle"): ("passes", "saddle"),
    ("place", "village"): ("villages", "village"),
    ("place", "town"): ("villages", "town"),
    ("place", "hamlet"): ("villages", "hamlet"),
    ("place", "city"): ("villages", "city"),
}

#: Aerial lifts that carry people down as well as up: their two ends are lift bail-outs.
#: (Drag lifts and rope tows only go up.)
CARRYING_LIFTS: tuple[str, ...] = ("cable_car", "gondola", "chair_lift", "mixed_lift")

#: Tags of forest cover, read as polygons.
FOREST_TAGS: tuple[tuple[str, str], ...] = (("landuse", "forest"), ("natural", "wood"))


@dataclass(frozen=True)
class Poi:
    """One place from OSM.

    Attributes
    ----------
    kind : str
        The tag value that made it a place: ``spring``, ``alpine_hut``, ``peak`` …
    name : str
        Its ``name`` tag (untrusted text), or ``""``.
    lon, lat : float
        Position (an area's representative point).
    ele_m : float or None
        Its ``ele`` tag in metres, when it is a number.
    osm_id : str
        ``n123`` / ``w123`` / ``r123``.
    """

    kind: str
    name: str
    lon: float
    lat: float
    ele_m: float | None = None
    osm_id: str = ""


@dataclass(frozen=True, eq=False)
class Pois:
    """Every place a safety sheet uses, by group.

    Attributes
    ----------
    water, shelters, peaks, passes, villages : tuple of Poi
        Places by group (see :data:`POI_TAGS`).
    lifts : tuple of Poi
        Both ends of every lift that carries people down (:data:`CARRYING_LIFTS`),
        named after the lift, ``kind`` its ``aerialway`` value.
    forest : tuple of shapely.Geometry
        Forest and wood polygons (lon/lat).
    source : str
        File name they were read from.
    """

    water: tuple[Poi, ...] = ()
    shelters: tuple[Poi, ...] = ()
    peaks: tuple[Poi, ...] = ()
    passes: tuple[Poi, ...] = ()
    villages: tuple[Poi, ...] = ()
    lifts: tuple[Poi, ...] = ()
    forest: tuple[Any, ...] = ()
    source: str = ""

    def counts(self) -> dict[str, int]:
        """How many places of each group were read."""
        return {
            g: len(getattr(self, g))
            for g in ("water", "shelters", "peaks", "passes", "villages", "lifts", "forest")
        }


def _ele(text: str | None) -> float | None:
    if not text:
        return None
    try:
        value = float(text.replace(",", ".").split()[0].rstrip("m"))
    except (ValueError, IndexError):
        return None
    return value if -500 < value < 9000 else None


def _kind(tags: Any) -> tuple[str, str] | None:
    for (k, v), kind in POI_TAGS.items():
        if tags.get(k) == v:
            return kind
    return None


def _is_forest(tags: Any) -> bool:
    return any(tags.get(k) == v for k, v in FOREST_TAGS)


def _locate(obj: Any, wkb: Any) -> tuple[float, float, str, Any] | None:
    """Position, id and (for areas) polygon of a node or area; None if broken."""
    import osmium

    if isinstance(obj, osmium.osm.Node):
        if not obj.location.valid():
            return None
        return obj.location.lon, obj.location.lat, f"n{obj.id}", None
    if not isinstance(obj, osmium.osm.Area):
        return None
    try:
        geom = shapely.from_wkb(wkb.create_multipolygon(obj))
    except (RuntimeError, shapely.errors.GEOSException):
        return None  # a broken multipolygon: skip it, keep the rest
    pt = geom.representative_point()
    return pt.x, pt.y, f"{'w' if obj.from_way() else 'r'}{obj.orig_id()}", geom


def _lift_ends(way: Any) -> list[Poi]:
    """Both ends of a carrying lift (none for other ways or unlocated ends)."""
    kind = way.tags.get("aerialway")
    if kind not in CARRYING_LIFTS or len(way.nodes) < 2:
        return []
    name = way.tags.get("name") or ""
    out = []
    for nd in (way.nodes[0], way.nodes[len(way.nodes) - 1]):
        if nd.location.valid():
            out.append(Poi(kind, name, nd.location.lon, nd.location.lat, None, f"n{nd.ref}"))
    return out


@fill(osm_path=OSM_PATH_DOC)
def read_pois(path: str | os.PathLike[str]) -> Pois:
    """Read water, shelters, peaks, passes, villages, lift ends and forest.

    Parameters
    ----------
    %(osm_path)s

    Returns
    -------
    Pois
        Possibly empty groups; an extract with none of these tags is valid.

    Raises
    ------
    DataError
        If the file is missing or not readable OSM data.
    """
    import osmium  # (here: a safety sheet from cached places never loads it)

    from routeplanner.sources.osm import _check_path

    path = Path(path)
    _check_path(path)
    lift_tags = tuple(("aerialway", v) for v in CARRYING_LIFTS)
    tags = tuple(POI_TAGS) + FOREST_TAGS + lift_tags
    groups: dict[str, list[Poi]] = {g: [] for g, _ in POI_TAGS.values()}
    groups["lifts"] = []
    forest: list[Any] = []
    wkb = osmium.geom.WKBFactory()
    try:
        processor = (
            osmium.FileProcessor(str(path))
            .with_areas(osmium.filter.TagFilter(*tags))
            .with_filter(
                osmium.filter.EntityFilter(osmium.osm.NODE | osmium.osm.WAY | osmium.osm.AREA)
            )
            .with_filter(osmium.filter.TagFilter(*tags))
        )
        for obj in processor:
            if isinstance(obj, osmium.osm.Way):
                groups["lifts"] += _lift_ends(obj)
                continue
            located = _locate(obj, wkb)
            if located is None:
                continue
            lon, lat, osm_id, geom = located
            if geom is not None and _is_forest(obj.tags):
                forest.append(geom)
            kind = _kind(obj.tags)
            if kind is not None:
                group, value = kind
                groups[group].append(
                    Poi(
                        kind=value,
                        name=obj.tags.get("name") or "",
                        lon=float(lon),
                        lat=float(lat),
                        ele_m=_ele(obj.tags.get("ele")),
                        osm_id=osm_id,
                    )
                )
    except (RuntimeError, ValueError, OSError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataError(f"not a readable OSM file: {path} ({reason})") from exc
    pois = Pois(
        **{g: tuple(v) for g, v in groups.items()},
        forest=tuple(forest),
        source=path.name,
    )
    log.info("read places from %s: %s", path.name, pois.counts())
    return pois
