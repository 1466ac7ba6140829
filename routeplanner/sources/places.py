"""Place names resolved offline from the region's OSM file.

``--start "La Massana"`` looks the name up among the named places of the OSM
extract: settlements (``place=*``), peaks and saddles, huts and shelters,
parkings, stations and bus stations.  Ways (a parking or a hut drawn as an
outline) count at the centre of their nodes.  Matching ignores case and
accents; an unknown name is refused with the closest names (:mod:`difflib`).

Coordinates typed as ``lat,lon`` are checked against the region: a point
outside whose swapped reading falls inside is refused with a hint that the two
look swapped.
"""

from __future__ import annotations

import difflib
import logging
import os
import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from routeplanner import units
from routeplanner.errors import DataError, InputError

if TYPE_CHECKING:  # osmium is imported where a file is read
    import osmium

__all__ = [
    "Place",
    "check_in_region",
    "find_place",
    "looks_like_coordinates",
    "nearest_settlement",
    "read_places",
    "resolve_point",
]

log = logging.getLogger(__name__)

#: Tag values that make a named feature a place, best kind first (ties go to the better kind).
_KINDS: tuple[tuple[str, frozenset[str]], ...] = (
    ("place", frozenset({"city", "town", "village", "hamlet", "suburb", "quarter"})),
    ("place", frozenset({"neighbourhood", "locality", "isolated_dwelling", "square"})),
    ("railway", frozenset({"station", "halt"})),
    ("public_transport", frozenset({"station"})),
    ("amenity", frozenset({"bus_station", "parking"})),
    ("natural", frozenset({"peak", "saddle", "volcano"})),
    ("mountain_pass", frozenset({"yes"})),
    ("tourism", frozenset({"alpine_hut", "wilderness_hut", "camp_site"})),
    ("amenity", frozenset({"shelter"})),
)
_KEYS = tuple(dict.fromkeys(k for k, _ in _KINDS))
_NAME_KEYS = ("name", "official_name", "alt_name", "short_name", "name:ca", "name:en")
_COORDS_RE = re.compile(r"[\s\d.,;+\-°NSEWnsew]+")
_CONTROL_RE = re.compile("[\x00-\x1f\x7f]")
_MAX_SUGGESTIONS = 5


class Place(NamedTuple):
    """A named point: ``name`` as OSM spells it, ``kind`` like ``"village"`` or ``"peak"``."""

    name: str
    kind: str
    lon: float
    lat: float
    rank: int = 0


def _norm(text: str) -> str:
    """Fold case and accents and squeeze spaces, for matching."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[-'’_.]", " ", bare).split())


def _rank(tags: osmium.osm.TagList) -> tuple[int, str] | None:
    for rank, (key, values) in enumerate(_KINDS):
        value = tags.get(key)
        if value in values:
            return rank, str(value) if key != "mountain_pass" else "pass"
    return None


def _centre(obj: object) -> tuple[float, float] | None:
    import osmium

    if isinstance(obj, osmium.osm.Node):
        loc = obj.location
        return (loc.lon, loc.lat) if loc.valid() else None
    if isinstance(obj, osmium.osm.Way):
        pts = [(n.location.lon, n.location.lat) for n in obj.nodes if n.location.valid()]
        if pts:
            return sum(p[0] for p in pts) / len(pts), sum(p[1] for p in pts) / len(pts)
    return None


@lru_cache(maxsize=4)
def _read_cached(path: str, _mtime_ns: int) -> tuple[Place, ...]:
    import osmium
    import osmium.filter

    out: list[Place] = []
    try:
        processor = (
            osmium.FileProcessor(path, osmium.osm.NODE | osmium.osm.WAY)
            .with_locations()
            .with_filter(osmium.filter.KeyFilter(*_KEYS))
        )
        for obj in processor:
            if "name" not in obj.tags:
                continue
            ranked = _rank(obj.tags)
            centre = _centre(obj) if ranked is not None else None
            if ranked is None or centre is None:
                continue
            name = _CONTROL_RE.sub("", obj.tags.get("name") or "").strip()
            if name:
                out.append(Place(name, ranked[1], centre[0], centre[1], ranked[0]))
                for key in _NAME_KEYS[1:]:
                    alt = _CONTROL_RE.sub("", obj.tags.get(key) or "").strip()
                    if alt and _norm(alt) != _norm(name):
                        out.append(Place(alt, ranked[1], centre[0], centre[1], ranked[0]))
    except RuntimeError as exc:
        raise DataError(f"cannot read places from {path}: {exc}") from None
    log.debug("read %d named places from %s", len(out), path)
    return tuple(out)


def read_places(osm_path: str | os.PathLike[str]) -> tuple[Place, ...]:
    """Read the named places of an OSM file (cached while the file is unchanged).

    Parameters
    ----------
    osm_path
        OSM extract (.osm.pbf, .osm, .osm.gz, .osm.bz2).

    Returns
    -------
    tuple of Place
        Every named place, peak, hut, parking and station; alternative names
        (``alt_name``, ``name:en`` …) as extra entries at the same point.

    Raises
    ------
    DataError
        If the file cannot be read.
    """
    p = Path(osm_path)
    try:
        mtime = p.stat().st_mtime_ns
    except OSError as exc:
        raise DataError(f"cannot read places from {p}: {exc.strerror or exc}") from None
    return _read_cached(str(p), mtime)


def find_place(name: str, places: Sequence[Place]) -> Place:
    """Find a place by name, ignoring case and accents.

    Parameters
    ----------
    name
        The name as typed.
    places
        Candidates (from :func:`read_places`).

    Returns
    -------
    Place
        The best kind among the exact matches (a village before a parking of
        the same name), then the first in file order.

    Raises
    ------
    InputError
        If nothing matches; the message lists up to five close names.
    """
    key = _norm(name)
    exact = [p for p in places if _norm(p.name) == key]
    if not exact:  # "Coma Pedrosa" for "Comapedrosa"
        squeezed = key.replace(" ", "")
        exact = [p for p in places if _norm(p.name).replace(" ", "") == squeezed]
    if exact:
        return min(exact, key=lambda p: p.rank)
    by_key: dict[str, str] = {}
    for p in sorted(places, key=lambda p: p.rank):
        by_key.setdefault(_norm(p.name), p.name)
    close = difflib.get_close_matches(key, list(by_key), n=_MAX_SUGGESTIONS, cutoff=0.6)
    starts = [k for k in by_key if key and k.startswith(key) and k not in close]
    hints = [by_key[k] for k in [*close, *starts][:_MAX_SUGGESTIONS]]
    shown = _CONTROL_RE.sub("", name)
    if hints:
        raise InputError(
            f"unknown place {shown!r}: close matches: {', '.join(hints)} "
            "(or give LAT,LON in decimal degrees)"
        )
    raise InputError(
        f"unknown place {shown!r} in this region: give a village, peak, hut, parking or "
        "station name from the map, or LAT,LON in decimal degrees"
    )


def nearest_settlement(
    lon: float, lat: float, places: Sequence[Place], *, within_m: float = 3000.0
) -> Place | None:
    """Find the nearest village, town, hamlet, city or quarter within ``within_m``.

    Parameters
    ----------
    lon, lat
        The point.
    places
        Candidates (from :func:`read_places`).
    within_m
        Farthest settlement that still names the point.

    Returns
    -------
    Place or None
        The nearest one, or None if none is that close.

    Examples
    --------
    >>> near = Place("Ordino", "village", 1.5330, 42.5560)
    >>> far = Place("Canillo", "village", 1.5975, 42.5670)
    >>> nearest_settlement(1.5340, 42.5570, [far, near]).name
    'Ordino'
    >>> nearest_settlement(1.40, 42.50, [far, near]) is None
    True
    """
    from routeplanner._geo import haversine_m

    towns = [p for p in places if p.rank == 0]
    if not towns:
        return None
    d = haversine_m(lon, lat, [p.lon for p in towns], [p.lat for p in towns])
    k = int(d.argmin())
    return towns[k] if float(d[k]) <= within_m else None


def looks_like_coordinates(text: str) -> bool:
    """Tell whether ``text`` is meant as coordinates (digits, signs, separators only)."""
    t = text.strip()
    return bool(t) and _COORDS_RE.fullmatch(t) is not None and any(c.isdigit() for c in t)


def check_in_region(
    lon: float, lat: float, bbox: tuple[float, float, float, float], *, typed: str
) -> None:
    """Refuse typed coordinates outside the region, saying so when they look swapped.

    Parameters
    ----------
    lon, lat
        The point as read from ``typed`` (``lat,lon``).
    bbox
        The region's ``(west, south, east, north)``.
    typed
        The text as typed, for the message.

    Raises
    ------
    InputError
        If the point is outside ``bbox``.
    """
    w, s, e, n = bbox

    def inside(x: float, y: float) -> bool:
        return w <= x <= e and s <= y <= n

    if inside(lon, lat):
        return
    if inside(lat, lon):
        raise InputError(
            f"{typed!r} is outside the region, but {lon:.6g},{lat:.6g} is inside: "
            "latitude and longitude look swapped (give LAT,LON)"
        )
    raise InputError(
        f"{typed!r} is outside the region ({s:.4f}..{n:.4f} N, {w:.4f}..{e:.4f} E): "
        "give LAT,LON inside it or a place name"
    )


def resolve_point(
    text: str, *, osm_path: str | os.PathLike[str], bbox: tuple[float, float, float, float]
) -> Place:
    """Turn ``"lat,lon"`` or a place name into a point inside the region.

    Parameters
    ----------
    text
        As typed: ``"42.5450,1.5148"`` or ``"La Massana"``.
    osm_path
        The region's OSM file, for names.
    bbox
        The region's ``(west, south, east, north)``.

    Returns
    -------
    Place
        For coordinates, a place of kind ``"point"`` named ``"lat,lon"``
        (4 decimals).

    Raises
    ------
    InputError
        If the coordinates are malformed or outside the region, or the name
        is unknown.
    """
    if looks_like_coordinates(text):
        lon, lat = units.parse_latlon(text)
        check_in_region(lon, lat, bbox, typed=text)
        return Place(f"{lat:.4f},{lon:.4f}", "point", lon, lat)
    return find_place(text, read_places(osm_path))
