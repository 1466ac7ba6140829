"""Points typed as ``LAT,LON`` or as a place name, for ``--start``, ``--near`` and the like.

The option callback :func:`point_or_name` parses coordinates at once (so a
malformed one fails before any data is loaded) and keeps a name as text;
:func:`resolve` turns either into a point once the region is loaded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from routeplanner import units

if TYPE_CHECKING:
    from routeplanner.sources.places import Place

__all__ = ["Point", "place_name", "point_or_name", "resolve"]

#: What the option callback hands on: ``(lon, lat)`` or a place name.
Point = tuple[float, float] | str

_PAD_DEG = 0.01  # a start just outside the network's ways is still in the region


def point_or_name(text: str) -> Point:
    """Parse ``LAT,LON`` now; keep anything else as a place name to look up later.

    Parameters
    ----------
    text
        As typed.

    Returns
    -------
    tuple of float or str
        ``(lon, lat)``, or the stripped name.

    Raises
    ------
    InputError
        If the text looks like coordinates but is malformed or out of range.
    """
    from routeplanner.sources.places import looks_like_coordinates

    if looks_like_coordinates(text):
        return units.parse_latlon(text)
    return str(text).strip()


def resolve(value: Point, loaded: Any) -> Place:
    """Resolve ``(lon, lat)`` or a place name in the loaded region.

    Parameters
    ----------
    value
        From :func:`point_or_name`.
    loaded
        The loaded region (its OSM file and network bounds).

    Returns
    -------
    routeplanner.sources.places.Place
        The point; ``name`` is the place name, or ``"lat,lon"`` for coordinates.

    Raises
    ------
    InputError
        If the name is unknown or the coordinates are outside the region
        (the message says when they look swapped).
    """
    from routeplanner.sources import places

    w, s, e, n = loaded.net.bbox
    bbox = (w - _PAD_DEG, s - _PAD_DEG, e + _PAD_DEG, n + _PAD_DEG)
    if isinstance(value, str):
        return places.resolve_point(value, osm_path=loaded.files.osm, bbox=bbox)
    lon, lat = value
    places.check_in_region(lon, lat, bbox, typed=f"{lat:g},{lon:g}")
    return places.Place(f"{lat:.4f},{lon:.4f}", "point", lon, lat)


def place_name(here: Any, loaded: Any) -> str:
    """Name a resolved point for people: the place typed, else the nearest village or town.

    Parameters
    ----------
    here
        From :func:`resolve`.
    loaded
        The loaded region (its villages and towns, as the safety sheet reads and caches
        them).

    Returns
    -------
    str
        ``"Arinsal"``; ``"lat,lon"`` when no settlement is within 3 km.
    """
    from routeplanner.cli._safety import region_places
    from routeplanner.sources import places

    if here.kind != "point":
        return str(here.name)
    pois, _forest = region_places(loaded)
    towns = [places.Place(p.name, p.kind, p.lon, p.lat) for p in pois.villages if p.name]
    found = places.nearest_settlement(here.lon, here.lat, towns)
    return found.name if found is not None else str(here.name)
